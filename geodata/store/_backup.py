"""Backup and restore: the whole store as one signed GeoPackage, from and to either backend.

A backup is a store in the GeoPackage layout (records, retired ones, audit log, users, meta
and the population table, without login sessions and without the store's secrets), so it
opens in QGIS and restores into a GeoPackage or a PostgreSQL store alike.

Integrity: at backup time the file's rows are serialised canonically (table by table, row by
row, one JSON line each) and signed with HMAC-SHA256 under the store's own
``secret("backup")``. The signature and a fingerprint of the key (``backup_key_id``, which
reveals nothing of the key) go into the backup's ``kalbar_meta``. A restore recomputes the
signature before anything else; a file changed after the backup (a user added, a role
raised, a flag cleared, rows cut, a population figure changed) no longer verifies and is
refused. The population table is signed when ``kalbar_meta`` holds ``backup_population``
(every backup made since); an older backup's copy was not signed and is not restored.

Every restore, signed or not, also checks the tables and columns, every record as an import
checks it, the other tables' values (dates 1990..tomorrow, known actions and roles), and,
for a backup of another store let in with ``trust_foreign``, that it adds no administrator,
raises no role and changes no administrator's password. Then, in one transaction, records
and users are replaced, the population table is replaced by the backup's current figures
(as :meth:`Store.replace_population` does: the store's rows retired, audited; unchanged when
they are the same or the backup's table is not signed), the audit log is extended (never
cut), and the store's own metadata is kept.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Final

import pandas as pd
import shapely

from geodata.errors import BackupRefusedError
from geodata.records.report import ParamValue, Problem, Report
from geodata.roles import ROLE_LEVEL, ROLES
from geodata.store._base import (
    Columns,
    audit_text,
    utc_now,
)
from geodata.store._gpkg import GpkgStore
from geodata.store._records import check_frame
from geodata.store._schema import (
    ACTIONS,
    AUDIT,
    BACKUP_TABLES,
    KINDS,
    META,
    POPULATION,
    RECORD_TABLES,
    SCHEMA_VERSION,
    SESSIONS,
    USERS,
    Table,
)

if TYPE_CHECKING:
    from geodata.store._base import Cursor, Dump, Store

log = logging.getLogger(__name__)

#: Keys of the backup's ``kalbar_meta`` that carry its signature and key fingerprint.
SIGNATURE_KEY: Final = "backup_signature"
KEY_ID_KEY: Final = "backup_key_id"
#: Key of the backup's ``kalbar_meta`` saying its population table is signed (and restored).
POPULATION_KEY: Final = "backup_population"
#: Meta keys that are the store's own and never leave it or get replaced.
SECRET_PREFIX: Final = "secret_"
#: Earliest timestamp a backup may hold (bookkeeping, audit, users).
EARLIEST: Final = dt.datetime(1990, 1, 1, tzinfo=dt.UTC)
_LEVEL_RANK: Final = {"aggregates": 0, "records": 1, "admin": 2}


# --- signing ----------------------------------------------------------------------------------


def key_id(secret: bytes) -> str:
    """A public fingerprint of a backup key: tells which store signed, reveals nothing."""
    return hashlib.sha256(b"kalbar-backup-key-id\x00" + secret).hexdigest()[:16]


def _canonical(value: object) -> object:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, shapely.Geometry):
        return shapely.to_wkb(value, hex=True, byte_order=1, output_dimension=2)
    raise TypeError(f"cannot sign a value of type {type(value).__name__}")


def _population_signed(dump: Dump) -> bool:
    """Whether the backup signs (and a restore brings back) its population table."""
    return _meta(dump).get(POPULATION_KEY) == "signed"


def _signed_tables(dump: Dump) -> tuple[Table, ...]:
    """The tables the signature covers: population only in backups that say so."""
    if _population_signed(dump):
        return BACKUP_TABLES
    return tuple(table for table in BACKUP_TABLES if table is not POPULATION)


def _canonical_lines(dump: Dump) -> Iterator[bytes]:
    """Every signed table's rows as JSON lines, the signature row left out."""
    for table in _signed_tables(dump):
        columns = dump[table.name]
        yield (json.dumps(["table", table.name, list(table.names)]) + "\n").encode()
        for row in zip(*(columns[name] for name in table.names), strict=True):
            if table is META and row[1] == SIGNATURE_KEY:
                continue
            line = json.dumps([_canonical(value) for value in row], ensure_ascii=False)
            yield (line + "\n").encode()


def sign(dump: Dump, secret: bytes) -> str:
    """HMAC-SHA256 (hex) of the canonical serialisation of ``dump`` under ``secret``."""
    mac = hmac.new(secret, digestmod=hashlib.sha256)
    for line in _canonical_lines(dump):
        mac.update(line)
    return mac.hexdigest()


def _meta(dump: Dump) -> dict[str, str]:
    meta = dump[META.name]
    return {str(k): str(v) for k, v in zip(meta["key"], meta["value"], strict=True)}


def _set_meta(target: GpkgStore, key: str, value: str) -> None:
    with target._transaction(write=True) as cursor:
        cursor.execute(f"INSERT INTO {META.name} (key, value) VALUES (?, ?)", (key, value))


# --- backup -----------------------------------------------------------------------------------


def backup_store(store: Store, path: Path, *, overwrite: bool = False) -> Path:
    """Write ``store`` to a new signed GeoPackage at ``path`` (see :meth:`Store.backup`)."""
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists; choose another name or pass overwrite=True")
    if path.exists():
        path.unlink()
    secret = store.secret("backup")
    dump = store._dump()
    meta = dump[META.name]
    own = [i for i, key in enumerate(meta["key"]) if not str(key).startswith(SECRET_PREFIX)]
    dump[META.name] = {name: [values[i] for i in own] for name, values in meta.items()}
    target = GpkgStore(path)
    with target._transaction(write=True) as cursor:
        target._load(cursor, dump)
        target._touch(cursor, [table.name for table in BACKUP_TABLES])
    _set_meta(target, KEY_ID_KEY, key_id(secret))
    _set_meta(target, POPULATION_KEY, "signed")
    # Signed as read back from the file, so a restore reads exactly what was signed.
    _set_meta(target, SIGNATURE_KEY, sign(target._dump(), secret))
    log.info("Backed up the %s store to %s (signed)", store.backend, path)
    return path


# --- checks -----------------------------------------------------------------------------------


class _Problems:
    """Problems of one backup file, as a report."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def add(self, code: str, *, field: str | None = None, **params: ParamValue) -> None:
        self.problems.append(Problem(self.file, None, field, code, params))

    def refuse_if_any(self) -> None:
        if self.problems:
            raise BackupRefusedError(self.file, Report(self.problems))


def _check_tables(source: GpkgStore, problems: _Problems) -> None:
    with source._transaction(write=False) as cursor:
        for table in BACKUP_TABLES:
            cursor.execute(f"PRAGMA table_info({table.name})")
            names = tuple(str(row[1]) for row in cursor.fetchall())
            if names != table.names:
                problems.add(
                    "backup_columns",
                    table=table.name,
                    expected=list(table.names),
                    got=list(names) or ["-"],
                )


def _check_signature(
    dump: Dump, secret: bytes, problems: _Problems, *, trust_foreign: bool
) -> bool:
    """True if this store signed the backup; a problem unless a foreign one is trusted."""
    meta = _meta(dump)
    signature, signer = meta.get(SIGNATURE_KEY), meta.get(KEY_ID_KEY)
    if signer == key_id(secret):
        valid = signature is not None and hmac.compare_digest(signature, sign(dump, secret))
        if not valid:
            problems.add("backup_signature")
        return valid
    if not trust_foreign:
        problems.add("backup_unsigned" if signature is None else "backup_foreign")
    return False


def _population_frame(columns: Columns) -> pd.DataFrame:
    """The current (not retired) population rows, indexed by ``fid``."""
    frame = pd.DataFrame(
        {name: pd.Series(values, dtype="object") for name, values in columns.items()}
    )
    frame.index = pd.Index([int(str(fid)) for fid in columns["fid"]])
    return frame[frame["retired_at"].isna()]


def _check_population(dump: Dump, problems: _Problems) -> None:
    """A signed population table as a load checks it (known codes of one level, whole
    people above 0, years), by the backup's row (``fid``); its dates and authors."""
    from geodata.records.population import check_table

    if not _population_signed(dump):
        return
    columns = dump[POPULATION.name]
    current = _population_frame(columns)
    fids = list(current.index)
    for problem in check_table(current.reset_index(drop=True)):
        row = None if problem.row is None else fids[problem.row - 1]
        field = POPULATION.name if problem.field is None else f"{POPULATION.name}.{problem.field}"
        problems.problems.append(
            Problem(problems.file, row, field, problem.code, problem.params, problem.severity)
        )
    _check_timestamps(POPULATION.name, columns, ("created_at", "retired_at"), problems)
    if any(not str(v or "").strip() for v in columns["created_by"]):
        problems.add("required_missing", field=f"{POPULATION.name}.created_by")


def _records_frame(kind: str, columns: Columns) -> pd.DataFrame:
    frame = pd.DataFrame(
        {name: pd.Series(values, dtype="object") for name, values in columns.items()}
    )
    points = columns["geom"]
    frame["lon"] = [None if p is None else p.x for p in points]  # type: ignore[attr-defined]
    frame["lat"] = [None if p is None else p.y for p in points]  # type: ignore[attr-defined]
    frame.index = pd.Index([int(str(fid)) for fid in columns["fid"]])
    return frame.drop(columns="geom")


def _check_timestamps(
    table: str, columns: Columns, names: tuple[str, ...], problems: _Problems
) -> None:
    latest = utc_now() + dt.timedelta(days=1)
    for name in names:
        bad = [v for v in columns[name] if v is not None and not EARLIEST <= v <= latest]  # type: ignore[operator]
        if bad:
            problems.add(
                "backup_out_of_range",
                field=f"{table}.{name}",
                count=len(bad),
                value=audit_text(bad[0]),
                minimum=EARLIEST.date().isoformat(),
                maximum=latest.date().isoformat(),
            )


def _check_allowed(
    table: str, columns: Columns, name: str, allowed: tuple[str, ...], problems: _Problems
) -> None:
    bad = sorted({str(v) for v in columns[name] if v not in allowed})
    if bad:
        problems.add("not_allowed", field=f"{table}.{name}", value=bad[0], allowed=list(allowed))


def _check_values(dump: Dump, problems: _Problems) -> None:
    """Records as an import checks them; the other tables' dates, codes and names."""
    tomorrow = utc_now().date() + dt.timedelta(days=1)
    for kind in KINDS:
        columns = dump[kind]
        _, report = check_frame(kind, _records_frame(kind, columns), today=tomorrow)
        problems.problems.extend(report.errors)
        stamps = ("created_at", "updated_at", "retired_at")
        _check_timestamps(kind, columns, stamps, problems)
        if any(not str(v or "").strip() for v in columns["created_by"]):
            problems.add("required_missing", field=f"{kind}.created_by")
    audit = dump[AUDIT.name]
    _check_timestamps(AUDIT.name, audit, ("at",), problems)
    _check_allowed(AUDIT.name, audit, "action", ACTIONS, problems)
    for name in ("username", "entity"):
        if any(not str(v or "").strip() for v in audit[name]):
            problems.add("required_missing", field=f"{AUDIT.name}.{name}")
    users = dump[USERS.name]
    _check_timestamps(USERS.name, users, ("created_at", "last_login_at", "locked_until"), problems)
    _check_allowed(USERS.name, users, "role", ROLES, problems)
    if any(not str(v or "").strip() for v in users["username"]):
        problems.add("required_missing", field=f"{USERS.name}.username")
    if any(not isinstance(v, int) or v < 0 for v in users["failed_logins"]):
        problems.add("negative", field=f"{USERS.name}.failed_logins", value="-")
    _check_population(dump, problems)
    version = _meta(dump).get("schema_version")
    if version != str(SCHEMA_VERSION):
        problems.add("backup_schema", got=str(version), expected=str(SCHEMA_VERSION))


def _rows(columns: Columns) -> list[dict[str, object]]:
    names = list(columns)
    return [dict(zip(names, row, strict=True)) for row in zip(*columns.values(), strict=True)]


def _check_users(dump: Dump, current: list[dict[str, object]], problems: _Problems) -> None:
    """A backup that this store did not sign may add no administrator, raise no role and
    change no administrator's password. A store without any user yet (the target of a move
    to another backend) has no one to escalate over: it takes the backup's users."""
    now = {str(user["username"]): user for user in current}
    if not now:
        return
    for user in _rows(dump[USERS.name]):
        name, role = str(user["username"]), str(user["role"])
        if role not in ROLES:
            continue  # reported by _check_values
        held = now.get(name)
        admin = ROLE_LEVEL[role] == "admin" and bool(user["active"])
        held_admin = held is not None and held["role"] == "admin" and bool(held["active"])
        if held is not None and _raised(str(held["role"]), role):
            problems.add("backup_role_raised", value=name, old=str(held["role"]), new=role)
        elif admin and not held_admin:  # new, or a disabled administrator enabled again
            problems.add("backup_new_admin", value=name)
        if admin and held is not None and held_admin:
            changed = user["password_hash"] != held["password_hash"]
            if changed:
                problems.add("backup_admin_password", value=name)


def _raised(old: str, new: str) -> bool:
    if old not in ROLES:
        return True
    return _LEVEL_RANK[ROLE_LEVEL[new]] > _LEVEL_RANK[ROLE_LEVEL[old]]  # type: ignore[index]


def verify_backup(
    store: Store, path: Path, *, trust_foreign: bool = False
) -> tuple[Dump, str | None]:
    """Every check of a restore, without writing: the backup's rows and who signed it.

    Returns the dump and the backup's key fingerprint when another store signed it (or
    ``"unsigned"``), None when this store did. Raises :class:`BackupRefusedError`.
    """
    if not path.is_file():
        raise FileNotFoundError(f"the backup {path} does not exist")
    problems = _Problems(path.name)
    source = GpkgStore(path, create=False)
    _check_tables(source, problems)
    problems.refuse_if_any()
    secret, current = store.secret("backup"), store.accounts.all()
    try:
        dump = source._dump()
        signed = _check_signature(dump, secret, problems, trust_foreign=trust_foreign)
        _check_values(dump, problems)
        if not signed:
            _check_users(dump, current, problems)
    except Exception as error:  # a damaged or hostile file is refused, never a traceback
        log.warning("The backup %s could not be checked", path.name, exc_info=True)
        problems.add("backup_unreadable", value=f"{type(error).__name__}: {error}")
        problems.refuse_if_any()
        raise  # pragma: no cover - refuse_if_any raised
    problems.refuse_if_any()
    if signed:
        return dump, None
    return dump, _meta(dump).get(KEY_ID_KEY, "unsigned")


# --- restore ----------------------------------------------------------------------------------


def _audit_key(columns: Columns, position: int) -> tuple[str | None, ...]:
    return tuple(audit_text(columns[name][position]) for name in AUDIT.names if name != "fid")


def _append_audit(store: Store, cursor: Cursor, restored: Columns) -> int:
    """Append the backup's audit entries that the store's log lacks; how many."""
    current = store._read_columns(cursor, AUDIT)
    held = {_audit_key(current, i) for i in range(len(current["fid"]))}
    new = [i for i in range(len(restored["fid"])) if _audit_key(restored, i) not in held]
    names = [name for name in AUDIT.names if name != "fid"]
    store._insert(cursor, AUDIT, {name: [restored[name][i] for i in new] for name in names})
    return len(new)


def _restore_population(store: Store, cursor: Cursor, dump: Dump, *, user: str) -> int | None:
    """Make the backup's current population figures the store's (its rows retired, audited
    as one batch by ``user``); how many rows, or None when the store's table stays: the
    backup's table is not signed (a backup made before it was) or holds the same figures."""
    if not _population_signed(dump):
        return None
    restored = _population_frame(dump[POPULATION.name])
    current = store._read_columns(cursor, POPULATION, where="WHERE retired_at IS NULL")
    keys = ("code", "level", "population", "year", "source")
    held = sorted(zip(*(map(audit_text, current[name]) for name in keys), strict=True))
    new = sorted(zip(*(map(audit_text, restored[name]) for name in keys), strict=True))
    if held == new:
        return None
    names = [name for name in POPULATION.names if name not in ("fid", "retired_at", "retired_by")]
    columns = {name: list(restored[name]) for name in names}
    store._swap_population(cursor, columns, user=user, batch=uuid.uuid4().hex, at=utc_now())
    return len(restored)


def restore_store(store: Store, path: Path, *, user: str, trust_foreign: bool = False) -> None:
    """Replace records, users and (from a backup that signs it) the population table of
    ``store`` by the verified backup at ``path`` (see :meth:`Store.restore`)."""
    dump, foreign = verify_backup(store, path, trust_foreign=trust_foreign)
    restored = int(_meta(dump).get("data_version", "0"))
    with store._transaction(write=True) as cursor:
        current = int(store._meta("data_version", cursor))
        for table in (SESSIONS, USERS, *reversed(RECORD_TABLES.values())):
            cursor.execute(store._sql(f"DELETE FROM {table.name}"))
        for table in (*RECORD_TABLES.values(), USERS):
            store._insert(cursor, table, dump[table.name])
            store._after_load(cursor, table)
        appended = _append_audit(store, cursor, dump[AUDIT.name])
        population = _restore_population(store, cursor, dump, user=user)
        cursor.execute(
            store._sql(f"UPDATE {META.name} SET value = ? WHERE key = 'data_version'"),
            (str(max(current, restored)),),
        )
        field = None if foreign is None else "trust_foreign"
        entry = ("restore", "store", None, field, foreign, path.name)
        store._audit(cursor, [entry], user=user)
        store._bump_version(cursor, [table.name for table in BACKUP_TABLES])
    if foreign is not None:
        log.warning("Restored a backup not signed by this store (%s), trusted by %s", foreign, user)
    log.info(
        "Restored the %s store from %s (%d audit entries appended)", store.backend, path, appended
    )
    if population is None:
        log.info("The population table of the %s store was kept as it was", store.backend)
    else:
        log.info("The population table was replaced by the backup's %d rows", population)
