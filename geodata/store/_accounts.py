"""Users and login sessions kept in the store (the rules live in :mod:`geodata.access.auth`).

Changes to a user's role, state or password are audited under entity ``users``; a password
change is logged as ``password`` without any value. Session tokens are kept only as hashes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Final

from geodata.errors import ArgumentError
from geodata.store._base import audit_text, utc_now
from geodata.store._schema import SESSIONS, USERS, Table

if TYPE_CHECKING:
    from geodata.store._base import Cursor, Store

#: Columns of a user that :meth:`Accounts.change` may set.
CHANGEABLE: Final = frozenset(
    {"role", "password_hash", "active", "last_login_at", "failed_logins", "locked_until"}
)
#: Changes that are audited (login counters are not).
_AUDITED: Final = {"role": "role", "active": "active", "password_hash": "password"}


class Accounts:
    """The ``users`` and ``sessions`` tables of one store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def _rows(self, cursor: Cursor, table: Table, where: str, params: tuple) -> list[dict]:
        columns = self._store._read_columns(cursor, table, where=where, params=params)
        names = list(columns)
        return [dict(zip(names, row, strict=True)) for row in zip(*columns.values(), strict=True)]

    def get(self, username: str) -> dict[str, object] | None:
        """The user's row, or None."""
        with self._store._transaction(write=False) as cursor:
            rows = self._rows(cursor, USERS, "WHERE username = ?", (username,))
        return rows[0] if rows else None

    def all(self) -> list[dict[str, object]]:
        """Every user's row, in order of creation."""
        with self._store._transaction(write=False) as cursor:
            return self._rows(cursor, USERS, "", ())

    def add(self, *, username: str, role: str, password_hash: str, by: str) -> None:
        """Add an active user; the creation and role are audited."""
        now = utc_now()
        values: dict[str, list[object]] = {
            "username": [username],
            "role": [role],
            "password_hash": [password_hash],
            "active": [True],
            "created_at": [now],
            "created_by": [by],
            "failed_logins": [0],
        }
        with self._store._transaction(write=True) as cursor:
            self._store._insert(cursor, USERS, values)
            entries = [
                ("create", USERS.name, username, None, None, None),
                ("create", USERS.name, username, "role", None, role),
            ]
            self._store._audit(cursor, entries, user=by, at=now)

    def change(
        self, username: str, changes: Mapping[str, object], *, by: str, audit: bool = True
    ) -> None:
        """Set columns of a user (see :data:`CHANGEABLE`); role, state, password audited
        (unless ``audit`` is False: the same password stored with a stronger hash)."""
        unknown = set(changes) - CHANGEABLE
        if unknown:
            raise ArgumentError(
                f"`changes` should name {sorted(CHANGEABLE)}, got {sorted(unknown)}"
            )
        with self._store._transaction(write=True) as cursor:
            rows = self._rows(cursor, USERS, "WHERE username = ?", (username,))
            if not rows:
                raise KeyError(f"no user is called {username!r}")
            old = rows[0]
            self._store._set(cursor, USERS, changes, "username", username)
            entries: list[tuple[str, str, str | None, str | None, str | None, str | None]] = []
            for name, value in changes.items():
                if name not in _AUDITED or old[name] == value:
                    continue
                if name == "password_hash":
                    entries.append(("update", USERS.name, username, "password", None, None))
                elif name == "active":
                    entries.append(
                        (
                            "enable" if value else "disable",
                            USERS.name,
                            username,
                            "active",
                            audit_text(old[name]),
                            audit_text(value),
                        )
                    )
                else:
                    entries.append(
                        (
                            "update",
                            USERS.name,
                            username,
                            _AUDITED[name],
                            audit_text(old[name]),
                            audit_text(value),
                        )
                    )
            if entries and audit:
                self._store._audit(cursor, entries, user=by)

    def log(
        self,
        action: str,
        *,
        user: str,
        record_id: str | None = None,
        field: str | None = None,
        value: str | None = None,
    ) -> None:
        """Write a login event (``login``, ``login_failed``, ``logout``) or another event
        about a user to the audit log; ``field`` and ``value`` say what (e.g. the client)."""
        with self._store._transaction(write=True) as cursor:
            self._store._audit(
                cursor, [(action, USERS.name, record_id, field, None, value)], user=user
            )

    def add_session(
        self, *, token_hash: str, username: str, created_at: dt.datetime, expires_at: dt.datetime
    ) -> None:
        """Keep a new session (its token only as a hash)."""
        values: dict[str, list[object]] = {
            "token_hash": [token_hash],
            "username": [username],
            "created_at": [created_at],
            "expires_at": [expires_at],
        }
        with self._store._transaction(write=True) as cursor:
            self._store._insert(cursor, SESSIONS, values)

    def session(self, token_hash: str) -> dict[str, object] | None:
        """The session with this token hash, or None."""
        with self._store._transaction(write=False) as cursor:
            rows = self._rows(cursor, SESSIONS, "WHERE token_hash = ?", (token_hash,))
        return rows[0] if rows else None

    def end_sessions(
        self,
        *,
        username: str | None = None,
        token_hash: str | None = None,
        expired_before: dt.datetime | None = None,
    ) -> None:
        """Delete the sessions of a user, one session, or those expired before a time."""
        store = self._store
        conditions = {"username = ?": username, "token_hash = ?": token_hash}
        given = {sql: value for sql, value in conditions.items() if value is not None}
        params: list[object] = list(given.values())
        clauses = list(given)
        if expired_before is not None:
            clauses.append("expires_at < ?")
            params.append(store._to_db("timestamp", [expired_before])[0])
        if not clauses:
            raise ArgumentError(
                "`username`, `token_hash` or `expired_before` should be given, got none of them"
            )
        with store._transaction(write=True) as cursor:
            cursor.execute(
                store._sql(f"DELETE FROM {SESSIONS.name} WHERE {' OR '.join(clauses)}"),
                tuple(params),
            )
