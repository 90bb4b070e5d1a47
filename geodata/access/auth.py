"""Users, passwords and login sessions, and the command that manages them.

Passwords are hashed with scrypt (``hashlib.scrypt``, N=2**17, r=8, p=1: about 128 MiB and a
fraction of a second per hash; a random 16-byte salt per user) and compared in constant time;
an older, cheaper hash is replaced on the user's next successful login. No default password
ships. A login returns a :class:`Session` whose token is random (kept in the store only as a
SHA-256 hash) and expires after ``session_hours`` (default 8). Every change of a user and
every login lands in the store's audit log (never a password; a failed login under a name
that is no user is logged as ``(unknown)`` plus a short hash, never the typed name).

Wrong passwords slow the guesser down without locking the owner out (:class:`Throttle`):

- **client and account**: after :data:`FREE_ATTEMPTS` failures in a row from one client
  (its address) for one user name, that client waits 1 s, 2 s, 4 s ... (doubling, at most
  :data:`MAX_CLIENT_WAIT`) before its next try for that name is even checked;
- **account**: failures from all clients add up, but each client counts at most
  :data:`CLIENT_SHARE` times, so one client (or two, or three) can never trigger it; from
  :data:`ACCOUNT_FREE` counted failures on, every client waits 1 s, 2 s ... (at most
  :data:`MAX_ACCOUNT_WAIT`) for that account. It is kept in the store (``failed_logins``,
  ``locked_until``) and a successful login clears it.

The administrator's way back: ``unlock --username NAME`` clears the account's back-off at
once; a client's own back-off ends by itself (at most 15 minutes) and only ever stops that
client.

Command line (the store is the configured one, see :mod:`geodata.config`), from the
repository root::

    .venv/bin/python -m geodata.auth create-admin --username NAME [--password-stdin]
    .venv/bin/python -m geodata.auth add-user --username NAME --role ROLE [--password-stdin]
    .venv/bin/python -m geodata.auth list-users
    .venv/bin/python -m geodata.auth disable-user --username NAME
    .venv/bin/python -m geodata.auth enable-user --username NAME
    .venv/bin/python -m geodata.auth set-password --username NAME [--password-stdin]
    .venv/bin/python -m geodata.auth unlock --username NAME

A password is asked twice on the terminal (never echoed), or read as the first line of
standard input with ``--password-stdin``. ROLE is one of viewer, planner, analyst, police,
admin.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import secrets
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Final, Literal

from geodata.config import Config, load_config
from geodata.errors import AccountError, AuthenticationError, SessionExpiredError
from geodata.roles import ROLE_LEVEL, AccessLevel, Role, check_role
from geodata.store import Store, open_store, store_path
from geodata.store._base import utc_now

#: scrypt cost (OWASP 2023+): 2**17 x 8 x 1 uses 128 MiB per hash.
SCRYPT_N: Final = 2**17
SCRYPT_R: Final = 8
SCRYPT_P: Final = 1
SALT_BYTES: Final = 16
KEY_BYTES: Final = 32
#: Failures in a row from one client for one name before that client must wait.
FREE_ATTEMPTS: Final = 3
#: Longest wait for one client and name.
MAX_CLIENT_WAIT: Final = dt.timedelta(minutes=15)
#: Most failures one client adds to an account's count.
CLIENT_SHARE: Final = 3
#: Counted failures of an account before every client must wait.
ACCOUNT_FREE: Final = 10
#: Longest wait for an account.
MAX_ACCOUNT_WAIT: Final = dt.timedelta(minutes=5)
#: A client's failures are forgotten this long after its last one.
FORGET_AFTER: Final = dt.timedelta(hours=24)
#: What a user name may contain (lower case after normalising).
USERNAME_PATTERN: Final = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")

Mode = Literal["demo", "setup", "login"]


@dataclass(frozen=True)
class User:
    """A user as the app sees it (never the password hash)."""

    username: str
    role: Role
    active: bool
    created_at: dt.datetime
    last_login_at: dt.datetime | None = None

    @property
    def level(self) -> AccessLevel:
        """The user's access level (see :mod:`geodata.roles`)."""
        return ROLE_LEVEL[self.role]


@dataclass(frozen=True)
class Session:
    """A login: keep ``token`` in the server-side session state, never in a URL or log."""

    username: str
    role: Role
    expires_at: dt.datetime
    token: str = field(repr=False)


# --- passwords ------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _maxmem(n: int, r: int) -> int:
    """Memory scrypt may use: twice what N and r need (128 x N x r bytes)."""
    return 2 * 128 * n * r


def hash_password(password: str, *, n: int | None = None) -> str:
    """``scrypt$N$r$p$salt$hash`` (base64) of ``password`` with a new random salt.

    ``n`` is scrypt's cost (default :data:`SCRYPT_N`; a power of 2).
    """
    if not isinstance(password, str) or not password:
        raise AccountError("`password` should be a non-empty text, got an empty one")
    n = SCRYPT_N if n is None else n
    salt = secrets.token_bytes(SALT_BYTES)
    key = hashlib.scrypt(
        password.encode("utf-8"),
        salt=salt,
        n=n,
        r=SCRYPT_R,
        p=SCRYPT_P,
        maxmem=_maxmem(n, SCRYPT_R),
        dklen=KEY_BYTES,
    )
    return f"scrypt${n}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(key)}"


def verify_password(password: str, encoded: str) -> bool:
    """True if ``password`` matches ``encoded`` (constant-time comparison)."""
    try:
        scheme, n, r, p, salt, expected = encoded.split("$")
        if scheme != "scrypt":
            return False
        key = hashlib.scrypt(
            password.encode("utf-8"),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            maxmem=_maxmem(int(n), int(r)),
            dklen=len(base64.b64decode(expected)),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(key, base64.b64decode(expected))


def needs_rehash(encoded: str) -> bool:
    """True if ``encoded`` was made with a cheaper scrypt cost than :data:`SCRYPT_N` now."""
    parts = encoded.split("$")
    return len(parts) != 6 or not parts[1].isdigit() or int(parts[1]) < SCRYPT_N


@cache
def _dummy_hash() -> str:
    """Compared against when the user does not exist, so that both cases take the same time."""
    return hash_password(secrets.token_hex(16))


def check_new_password(password: str, *, username: str, min_length: int) -> None:
    """Raise :class:`~geodata.errors.AccountError` if ``password`` is too short or the name."""
    if len(password) < min_length:
        raise AccountError(
            f"the password should have at least {min_length} characters, got "
            f"{len(password)}; choose a longer one"
        )
    if password.casefold() == username.casefold():
        raise AccountError("the password should not be the user name; choose another one")


def normalise_username(username: str) -> str:
    """The user name in lower case, checked against :data:`USERNAME_PATTERN`."""
    name = username.strip().lower()
    if not USERNAME_PATTERN.match(name):
        raise AccountError(
            f"the user name should be 3 to 64 characters a-z, 0-9, '.', '_' or '-', "
            f"got {username!r}"
        )
    return name


# --- users ----------------------------------------------------------------------------------


def _user(row: dict[str, object]) -> User:
    return User(
        username=str(row["username"]),
        role=check_role(row["role"]),
        active=bool(row["active"]),
        created_at=row["created_at"],  # type: ignore[arg-type]
        last_login_at=row["last_login_at"],  # type: ignore[arg-type]
    )


def list_users(store: Store) -> list[User]:
    """Every user, in order of creation."""
    return [_user(row) for row in store.accounts.all()]


def get_user(store: Store, username: str) -> User | None:
    """The user called ``username``, or None."""
    row = store.accounts.get(username.strip().lower())
    return None if row is None else _user(row)


def add_user(
    store: Store,
    *,
    username: str,
    password: str,
    role: Role,
    by: str,
    config: Config | None = None,
) -> User:
    """Add a user with a hashed password; ``by`` (who adds) is written to the audit log."""
    config = config or load_config()
    name = normalise_username(username)
    role = check_role(role)
    check_new_password(password, username=name, min_length=config.min_password_length)
    if store.accounts.get(name) is not None:
        raise AccountError(f"a user called {name!r} exists already; choose another name")
    store.accounts.add(username=name, role=role, password_hash=hash_password(password), by=by)
    user = get_user(store, name)
    assert user is not None
    return user


def active_admins(store: Store) -> list[User]:
    """The active administrators."""
    return [user for user in list_users(store) if user.active and user.role == "admin"]


def create_admin(
    store: Store, *, username: str, password: str, by: str, config: Config | None = None
) -> User:
    """Create the first administrator; refused once an active administrator exists."""
    if active_admins(store):
        raise AccountError(
            "an administrator exists already; an administrator adds others with "
            ".venv/bin/python -m geodata.auth add-user --username NAME --role admin"
        )
    return add_user(store, username=username, password=password, role="admin", by=by, config=config)


def _existing(store: Store, username: str) -> User:
    user = get_user(store, username)
    if user is None:
        raise AccountError(
            f"no user is called {username!r}; see .venv/bin/python -m geodata.auth list-users"
        )
    return user


def set_active(store: Store, username: str, *, active: bool, by: str) -> User:
    """Enable or disable a user; disabling ends their sessions. The last admin stays."""
    user = _existing(store, username)
    if (
        not active
        and user.role == "admin"
        and [u.username for u in active_admins(store)] == [user.username]
    ):
        raise AccountError("this is the last active administrator; add another one first")
    store.accounts.change(
        user.username, {"active": active, "failed_logins": 0, "locked_until": None}, by=by
    )
    if not active:
        store.accounts.end_sessions(username=user.username)
    return _existing(store, username)


def set_password(
    store: Store, username: str, password: str, *, by: str, config: Config | None = None
) -> None:
    """Give a user a new password; their sessions end."""
    config = config or load_config()
    user = _existing(store, username)
    check_new_password(password, username=user.username, min_length=config.min_password_length)
    store.accounts.change(
        user.username,
        {"password_hash": hash_password(password), "failed_logins": 0, "locked_until": None},
        by=by,
    )
    store.accounts.end_sessions(username=user.username)


# --- sessions -------------------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _doubling(count: int, *, free: int, cap: dt.timedelta) -> dt.timedelta:
    """No wait for the first ``free`` failures, then 1 s, 2 s, 4 s ... up to ``cap``."""
    if count < free:
        return dt.timedelta(0)
    return min(cap, dt.timedelta(seconds=2 ** min(count - free, 20)))


@dataclass
class _ClientRecord:
    failures: int = 0
    last: dt.datetime | None = None


class Throttle:
    """Failures per (client, user name), kept in this process (see the module docstring)."""

    def __init__(self) -> None:
        self._records: dict[tuple[str, str], _ClientRecord] = {}
        self._lock = threading.Lock()

    def _get(self, client: str, name: str, now: dt.datetime) -> _ClientRecord:
        for key in [k for k, r in self._records.items() if r.last and now - r.last > FORGET_AFTER]:
            del self._records[key]
        return self._records.setdefault((client, name), _ClientRecord())

    def wait(self, client: str, name: str, *, now: dt.datetime) -> dt.timedelta:
        """How long ``client`` must still wait before its next try for ``name``."""
        with self._lock:
            record = self._get(client, name, now)
            if record.last is None:
                return dt.timedelta(0)
            until = record.last + _doubling(
                record.failures, free=FREE_ATTEMPTS, cap=MAX_CLIENT_WAIT
            )
            return max(dt.timedelta(0), until - now)

    def failed(self, client: str, name: str, *, now: dt.datetime) -> bool:
        """Count a failure; True if it still counts towards the account's back-off."""
        with self._lock:
            record = self._get(client, name, now)
            record.failures += 1
            record.last = now
            return record.failures <= CLIENT_SHARE

    def succeeded(self, client: str, name: str) -> None:
        """Forget the client's failures for ``name``."""
        with self._lock:
            self._records.pop((client, name), None)

    def clear(self) -> None:
        """Forget every client's failures (tests; a restart does the same)."""
        with self._lock:
            self._records.clear()


#: The app's throttle (one per server process).
THROTTLE: Final = Throttle()


def failed_login_name(name: str, *, known: bool) -> str:
    """What the audit log keeps of a failed login's user name.

    A user's own name (safe: :data:`USERNAME_PATTERN`); any other typed text only as
    ``(unknown)`` and 8 hex digits of its SHA-256, so no typed text (a formula, a password
    typed into the name field) is stored.
    """
    if known and USERNAME_PATTERN.match(name):
        return name
    return f"(unknown) {hashlib.sha256(name.encode('utf-8', 'replace')).hexdigest()[:8]}"


def _client_label(client: str) -> str:
    """The client's address as the audit log keeps it (address characters only)."""
    return re.sub(r"[^0-9A-Za-z.:_-]", "", client)[:64] or "?"


def _refuse(store: Store, name: str, *, known: bool, client: str) -> AuthenticationError:
    store.accounts.log(
        "login_failed",
        user=failed_login_name(name, known=known),
        record_id=name if known else None,
        field="client",
        value=_client_label(client),
    )
    return AuthenticationError("wrong user name or password, or the user is disabled")


def login(
    store: Store,
    *,
    username: str,
    password: str,
    client: str = "local",
    now: dt.datetime | None = None,
    config: Config | None = None,
    throttle: Throttle = THROTTLE,
) -> Session:
    """Check the password and start a session.

    ``client`` is where the attempt comes from (the browser's address): wrong passwords slow
    down that client for that name first, and the account only when several clients fail
    (see the module docstring). A hash made with an older, cheaper scrypt cost is replaced.

    Raises
    ------
    AuthenticationError
        Unknown user, wrong password, disabled user, or a try made before the back-off has
        passed (the same message for all).
    """
    config = config or load_config()
    now = now or utc_now()
    name = username.strip().lower()[:64]
    row = store.accounts.get(name)
    known = row is not None
    locked = known and row["locked_until"] is not None and row["locked_until"] > now  # type: ignore[index,operator]
    if locked or throttle.wait(client, name, now=now) > dt.timedelta(0):
        raise _refuse(store, name, known=known, client=client)
    encoded = str(row["password_hash"]) if row is not None else _dummy_hash()
    if row is None or not verify_password(password, encoded) or not row["active"]:
        counts = throttle.failed(client, name, now=now)
        if row is not None and counts:
            failures = int(row["failed_logins"]) + 1  # type: ignore[call-overload]
            wait = _doubling(failures, free=ACCOUNT_FREE, cap=MAX_ACCOUNT_WAIT)
            changes: dict[str, object] = {"failed_logins": failures}
            if wait:
                changes["locked_until"] = now + wait
            store.accounts.change(name, changes, by="system")
        raise _refuse(store, name, known=known, client=client)
    throttle.succeeded(client, name)
    token = secrets.token_urlsafe(32)
    expires = now + dt.timedelta(hours=config.session_hours)
    store.accounts.end_sessions(expired_before=now)
    store.accounts.add_session(
        token_hash=_token_hash(token), username=name, created_at=now, expires_at=expires
    )
    changes = {"last_login_at": now, "failed_logins": 0, "locked_until": None}
    if needs_rehash(encoded):
        store.accounts.change(
            name, {"password_hash": hash_password(password)}, by=name, audit=False
        )
    store.accounts.change(name, changes, by=name)
    store.accounts.log(
        "login", user=name, record_id=name, field="client", value=_client_label(client)
    )
    return Session(username=name, role=check_role(row["role"]), expires_at=expires, token=token)


def unlock(store: Store, username: str, *, by: str) -> User:
    """Clear a user's account back-off (the administrator's way back; audited)."""
    user = _existing(store, username)
    store.accounts.change(user.username, {"failed_logins": 0, "locked_until": None}, by=by)
    store.accounts.log(
        "update", user=by, record_id=user.username, field="login_backoff", value="cleared"
    )
    return user


def user_for_session(store: Store, token: str, *, now: dt.datetime | None = None) -> User:
    """The (active) user of a session token; call it on every rerun.

    Raises
    ------
    SessionExpiredError
        The token is unknown, ended or expired, or the user was disabled.
    """
    now = now or utc_now()
    session = store.accounts.session(_token_hash(token)) if token else None
    if session is None or session["expires_at"] <= now:  # type: ignore[operator]
        raise SessionExpiredError("the session has expired or ended; log in again")
    user = get_user(store, str(session["username"]))
    if user is None or not user.active:
        raise SessionExpiredError("the user was disabled; the session has ended")
    return user


def logout(store: Store, token: str) -> None:
    """End the session of ``token`` (nothing happens for an unknown token)."""
    session = store.accounts.session(_token_hash(token))
    if session is not None:
        store.accounts.end_sessions(token_hash=_token_hash(token))
        user = str(session["username"])
        store.accounts.log("logout", user=user, record_id=user)


def app_mode(*, config: Config | None = None) -> Mode:
    """How the app runs: ``demo`` (synthetic data, no login), ``setup`` or ``login``.

    ``demo`` when no store is configured and the default store file does not exist;
    ``setup`` when a store exists but has no active administrator (run ``create-admin``);
    ``login`` otherwise.
    """
    config = config or load_config()
    path = store_path(config.database_url)
    if not config.store_configured and path is not None and not path.exists():
        return "demo"
    store = open_store(config.database_url)
    return "login" if active_admins(store) else "setup"


def main(argv: Sequence[str] | None = None) -> int:
    """The command line (see the module docstring); returns the exit code."""
    from geodata.access._auth_cli import main as run

    return run(argv)
