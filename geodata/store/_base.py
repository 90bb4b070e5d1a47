"""The store's interface and the logic both backends share.

A backend supplies a connection per operation, its SQL types and value adapters, and a bulk
insert; everything else (checks, transactions, audit, retiring, backup) is written once here,
in SQL that SQLite and PostgreSQL both accept (``?`` placeholders, changed to ``%s`` for
PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import uuid
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Final, Literal, Protocol

import geopandas as gpd
import pandas as pd

from geodata.config import redact_url
from geodata.errors import (
    ArgumentError,
    DuplicateRecordError,
    RecordNotFoundError,
    StoreError,
    ValidationError,
    not_one_of,
)
from geodata.records.report import Problem, Report
from geodata.records.schemas import CROSSING_STATUS
from geodata.store._records import (
    Columns,
    check_frame,
    columns_to_frame,
    plbn_columns,
    plbn_ids,
)
from geodata.store._schema import (
    AUDIT,
    BACKUP_TABLES,
    META,
    POINT_FIELDS,
    POPULATION,
    RECORD_TABLES,
    SCHEMA_OF,
    SCHEMA_VERSION,
    TABLES,
    ColumnType,
    Kind,
    Table,
    check_kind,
)

if TYPE_CHECKING:
    from geodata.records.datasets import Dataset
    from geodata.store._accounts import Accounts

log = logging.getLogger(__name__)

Backend = Literal["gpkg", "postgis"]
Dump = dict[str, Columns]

#: Who the audit log names for what the store does by itself (the PLBN of a new store).
SYSTEM_USER: Final = "system"


class Cursor(Protocol):
    """The part of a DB-API cursor the store uses."""

    def execute(self, query: Any, params: Any = ..., /) -> Any: ...
    def fetchall(self) -> list[Any]: ...
    def fetchone(self) -> Any: ...


@dataclass(frozen=True)
class ImportResult:
    """What :meth:`Store.import_batch` wrote: ``count`` records under ``batch`` (audit id).

    ``skipped`` names PLBN rows left out because the store already holds them unchanged
    (every store starts with the five PLBN).
    """

    kind: Kind
    count: int
    batch: str
    skipped: tuple[str, ...] = ()


@dataclass(frozen=True)
class PopulationResult:
    """What :meth:`Store.replace_population` wrote: ``count`` rows under ``batch`` (audit
    id), ``replaced`` rows of the previous table retired."""

    count: int
    batch: str
    replaced: int


def utc_now() -> dt.datetime:
    """The current UTC time, to the millisecond (what a GeoPackage DATETIME keeps)."""
    now = dt.datetime.now(dt.UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def audit_text(value: object) -> str | None:
    """A field value as the text kept in the audit log (None stays None)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value)


def _check_user(user: object) -> str:
    if not isinstance(user, str) or not user.strip():
        raise ArgumentError(f"`user` should be the name of who makes the change, got {user!r}")
    return user


class Store(ABC):
    """Cases, crossings and shelters with their history, in a GeoPackage or PostGIS.

    Open one with :func:`geodata.store.open_store`. Every write is one transaction: it
    happens completely or not at all, and it is audited (who, when, what, old and new value).
    Records are never deleted: :meth:`retire` hides them from normal reads.
    """

    backend: ClassVar[Backend]
    #: Appended to a SELECT that is followed by an UPDATE of the same row.
    _for_update: ClassVar[str] = ""

    def __init__(self, url: str) -> None:
        self.url = url

    def __repr__(self) -> str:
        return f"{type(self).__name__}({redact_url(self.url)!r})"

    def close(self) -> None:
        """Let go of what the store holds open between operations (a backend's pool)."""
        return  # a store that opens a connection per operation holds nothing

    # --- what a backend supplies ------------------------------------------------------------

    @abstractmethod
    def _transaction(self, *, write: bool) -> AbstractContextManager[Cursor]:
        """A cursor in a transaction: committed on success, rolled back on any error."""

    @abstractmethod
    def _sql(self, query: str) -> str:
        """``query`` with this backend's placeholders."""

    @abstractmethod
    def _table_exists(self, cursor: Cursor, name: str) -> bool:
        """True if the table exists."""

    @abstractmethod
    def _create_tables(self, cursor: Cursor) -> None:
        """Create every table of :data:`TABLES` (and what the format itself needs)."""

    @abstractmethod
    def _create_table(self, cursor: Cursor, table: Table) -> None:
        """Create one table (and register it where the format asks for it)."""

    @abstractmethod
    def _to_db(self, kind: ColumnType, values: Sequence[object]) -> list[object]:
        """Plain values as this backend stores them."""

    @abstractmethod
    def _from_db(self, kind: ColumnType, values: Sequence[object]) -> list[object]:
        """Stored values as plain values."""

    @abstractmethod
    def _select(self, name: str, kind: ColumnType) -> str:
        """The SELECT expression of a column."""

    @abstractmethod
    def _insert_many(
        self, cursor: Cursor, table: Table, names: Sequence[str], rows: list[tuple]
    ) -> None:
        """Insert many rows of already adapted values."""

    def _after_load(self, cursor: Cursor, table: Table) -> None:  # noqa: B027
        """Called after rows with explicit ``fid`` were loaded into ``table``."""

    def _touch(self, cursor: Cursor, tables: Sequence[str]) -> None:  # noqa: B027
        """Called in each write transaction that changed ``tables``."""

    # --- opening ----------------------------------------------------------------------------

    def _initialise(self, *, create: bool = True) -> None:
        """Create the tables of a new store (if ``create``), or check an existing one's version."""
        with self._transaction(write=True) as cursor:
            if not self._table_exists(cursor, META.name):
                if not create:
                    raise StoreError(
                        f"{redact_url(self.url)} is not a Kalbar store (it has no {META.name})"
                    )
                self._create_tables(cursor)
                now = audit_text(utc_now())
                for key, value in (
                    ("schema_version", str(SCHEMA_VERSION)),
                    ("data_version", "0"),
                    ("created_at", now),
                ):
                    cursor.execute(
                        self._sql(f"INSERT INTO {META.name} (key, value) VALUES (?, ?)"),
                        (key, value),
                    )
                self._write_records(cursor, "crossings", plbn_columns(), user=SYSTEM_USER)
                self._create_table(cursor, POPULATION)
                log.info("Created a new %s store with the five PLBN as crossings", self.backend)
                return
        version = int(self._meta("schema_version"))
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"the store has schema version {version}, newer than this program's "
                f"{SCHEMA_VERSION}; update the program before opening it"
            )
        with self._transaction(write=True) as cursor:
            if not self._table_exists(cursor, POPULATION.name):
                self._create_table(cursor, POPULATION)
                log.info("Added the population table to the %s store", self.backend)

    def _meta(self, key: str, cursor: Cursor | None = None) -> str:
        query = self._sql(f"SELECT value FROM {META.name} WHERE key = ?")
        if cursor is None:
            with self._transaction(write=False) as own:
                own.execute(query, (key,))
                row = own.fetchone()
        else:
            cursor.execute(query, (key,))
            row = cursor.fetchone()
        if row is None:
            raise StoreError(f"the store has no {key!r} in {META.name}; is it a Kalbar store?")
        return str(row[0])

    def _bump_version(self, cursor: Cursor, tables: Sequence[str]) -> None:
        version = int(self._meta("data_version", cursor)) + 1
        cursor.execute(
            self._sql(f"UPDATE {META.name} SET value = ? WHERE key = 'data_version'"),
            (str(version),),
        )
        self._touch(cursor, tables)

    def version(self) -> str:
        """The data version: it changes with every write, so caches can key on it."""
        return f"{self.backend}-{self._meta('data_version')}"

    def secret(self, name: str) -> bytes:
        """A random 32-byte secret of this store, made on first use (e.g. ``"cell_key"``).

        Kept in the metadata table, never shown to any role; a restore keeps the store's own.
        """
        key = f"secret_{name}"
        select = self._sql(f"SELECT value FROM {META.name} WHERE key = ?")
        with self._transaction(write=False) as cursor:
            cursor.execute(select, (key,))
            row = cursor.fetchone()
        if row is not None:
            return bytes.fromhex(str(row[0]))
        with self._transaction(write=True) as cursor:
            # Two sessions may ask first at the same moment: the first insert wins, the
            # other is ignored, and both read back the one stored.
            cursor.execute(
                self._sql(
                    f"INSERT INTO {META.name} (key, value) VALUES (?, ?) "
                    "ON CONFLICT (key) DO NOTHING"
                ),
                (key, secrets.token_bytes(32).hex()),
            )
            cursor.execute(select, (key,))
            return bytes.fromhex(str(cursor.fetchone()[0]))

    # --- low-level helpers ------------------------------------------------------------------

    def _insert(
        self, cursor: Cursor, table: Table, columns: Mapping[str, Sequence[object]]
    ) -> None:
        names = [name for name in table.names if name in columns]
        types = {column.name: column.type for column in table.columns}
        adapted = [self._to_db(types[name], columns[name]) for name in names]
        rows = list(zip(*adapted, strict=True))
        if rows:
            self._insert_many(cursor, table, names, rows)

    def _read_columns(
        self, cursor: Cursor, table: Table, *, where: str = "", params: tuple = ()
    ) -> Columns:
        selects = ", ".join(self._select(c.name, c.type) for c in table.columns)
        cursor.execute(
            self._sql(f"SELECT {selects} FROM {table.name} {where} ORDER BY fid"), params
        )
        rows = cursor.fetchall()
        values = list(zip(*rows, strict=True)) if rows else [()] * len(table.columns)
        return {
            column.name: self._from_db(column.type, list(column_values))
            for column, column_values in zip(table.columns, values, strict=True)
        }

    def _audit(
        self,
        cursor: Cursor,
        entries: Sequence[tuple[str, str, str | None, str | None, str | None, str | None]],
        *,
        user: str,
        batch: str | None = None,
        at: dt.datetime | None = None,
    ) -> None:
        """Append ``(action, entity, record_id, field, old, new)`` entries to the audit log."""
        at = at or utc_now()
        names = ("action", "entity", "record_id", "field", "old_value", "new_value")
        columns: dict[str, list[object]] = {name: [] for name in names}
        for entry in entries:
            for name, value in zip(names, entry, strict=True):
                columns[name].append(value)
        count = len(entries)
        columns |= {"at": [at] * count, "username": [user] * count, "batch": [batch] * count}
        self._insert(cursor, AUDIT, columns)

    # --- records ----------------------------------------------------------------------------

    def import_batch(
        self, kind: Kind, frame: pd.DataFrame, *, user: str, skip_stored: bool = False
    ) -> ImportResult:
        """Add every record of ``frame``, or none of them.

        Parameters
        ----------
        kind
            ``{"cases", "crossings", "shelters"}``.
        frame
            Records with the schema's columns, e.g. the ``frame`` of
            :func:`geodata.records.loaders.load_cases`. Every row is checked again here.
        user
            Who imports (written to the audit log, one ``create`` entry per record).
        skip_stored
            Leave out the rows whose id the store holds (retired ones included), unchanged,
            and name them in ``ImportResult.skipped``, instead of refusing the batch.

        Raises
        ------
        ValidationError
            A row breaks the schema (``report`` lists every problem); nothing is written.
        DuplicateRecordError
            An id is already in the store (retired records included); nothing is written.
        """
        kind, user = check_kind(kind), _check_user(user)
        columns, report = check_frame(kind, frame)
        if not report.ok:
            raise ValidationError(report.to_text("en", limit=20), report)
        schema = SCHEMA_OF[kind]
        table = RECORD_TABLES[kind]
        with self._transaction(write=True) as cursor:
            cursor.execute(self._sql(f"SELECT {schema.id_field} FROM {table.name}"))
            existing = {row[0] for row in cursor.fetchall()}
            skipped = self._stored_plbn(cursor, kind, columns, existing)
            if skip_stored:  # every stored id, retired ones too, left as it is
                skipped |= {str(v) for v in columns[schema.id_field] if v in existing}
            if skipped:
                keep = [i for i, v in enumerate(columns[schema.id_field]) if v not in skipped]
                columns = {name: [values[i] for i in keep] for name, values in columns.items()}
            ids = columns[schema.id_field]
            taken = [record_id for record_id in ids if record_id in existing]
            if taken:
                problems = [
                    Problem(
                        kind,
                        None,
                        schema.id_field,
                        self._taken_code(kind, value),
                        {"value": str(value)},
                    )
                    for value in taken
                ]
                report = Report(problems)
                raise DuplicateRecordError(report.to_text("en", limit=20), report)
            batch = self._write_records(cursor, kind, columns, user=user)
            if ids:
                self._bump_version(cursor, [table.name, AUDIT.name])
        log.info("Imported %d %s (batch %s) by %s", len(ids), kind, batch, user)
        if skipped:
            log.info("Left out %s: already in the store unchanged", ", ".join(sorted(skipped)))
        return ImportResult(kind, len(ids), batch, tuple(sorted(skipped)))

    @staticmethod
    def _taken_code(kind: Kind, record_id: object) -> str:
        reference = kind == "crossings" and record_id in plbn_ids()
        return "id_exists_reference" if reference else "id_exists"

    def _stored_plbn(
        self, cursor: Cursor, kind: Kind, columns: Columns, existing: set[object]
    ) -> set[str]:
        """Ids of PLBN rows in ``columns`` that the store holds with the same values."""
        if kind != "crossings":
            return set()
        ids = [v for v in columns["crossing_id"] if v in existing and v in plbn_ids()]
        if not ids:
            return set()
        marks = ", ".join("?" for _ in ids)
        stored = self._read_columns(
            cursor, RECORD_TABLES[kind], where=f"WHERE crossing_id IN ({marks})", params=tuple(ids)
        )
        names = [name for name in SCHEMA_OF[kind].names if name not in POINT_FIELDS]

        def values(source: Columns, position: int) -> tuple[object, ...]:
            point = source["geom"][position]
            xy = None if point is None else (point.x, point.y)  # type: ignore[attr-defined]
            return (*(audit_text(source[name][position]) for name in names), xy)

        held = {
            stored["crossing_id"][i]: values(stored, i)
            for i in range(len(stored["crossing_id"]))
            if stored["retired_at"][i] is None
        }
        return {
            str(record_id)
            for i, record_id in enumerate(columns["crossing_id"])
            if record_id in held and held[record_id] == values(columns, i)
        }

    def _write_records(self, cursor: Cursor, kind: Kind, columns: Columns, *, user: str) -> str:
        """Insert checked ``columns`` of new records, one audited ``create`` each; the batch id."""
        batch = uuid.uuid4().hex
        now = utc_now()
        ids = columns[SCHEMA_OF[kind].id_field]
        count = len(ids)
        if not count:
            return batch
        stored = {name: values for name, values in columns.items() if name not in POINT_FIELDS}
        stored |= {"created_at": [now] * count, "created_by": [user] * count}
        self._insert(cursor, RECORD_TABLES[kind], stored)
        entries = [("create", kind, str(i), None, None, None) for i in ids]
        self._audit(cursor, entries, user=user, batch=batch, at=now)
        return batch

    def add(self, kind: Kind, record: Mapping[str, object], *, user: str) -> str:
        """Add one record (a mapping of field to value) and return its id."""
        kind = check_kind(kind)
        self.import_batch(kind, pd.DataFrame([dict(record)]), user=user)
        return str(record[SCHEMA_OF[kind].id_field])

    def _current(self, cursor: Cursor, kind: Kind, record_id: str) -> dict[str, object]:
        schema, table = SCHEMA_OF[kind], RECORD_TABLES[kind]
        selects = ", ".join(self._select(c.name, c.type) for c in table.columns)
        cursor.execute(
            self._sql(
                f"SELECT {selects} FROM {table.name} WHERE {schema.id_field} = ?" + self._for_update
            ),
            (record_id,),
        )
        row = cursor.fetchone()
        if row is None:
            raise RecordNotFoundError(f"no record in {kind} has {schema.id_field} {record_id!r}")
        record = {
            column.name: self._from_db(column.type, [value])[0]
            for column, value in zip(table.columns, row, strict=True)
        }
        if record["retired_at"] is not None:
            raise RecordNotFoundError(
                f"{kind} record {record_id!r} was retired on {record['retired_at']}; "
                "it can be read with include_retired=True but not changed"
            )
        point = record["geom"]
        record["lon"] = None if point is None else point.x  # type: ignore[attr-defined]
        record["lat"] = None if point is None else point.y  # type: ignore[attr-defined]
        return record

    def update(
        self, kind: Kind, record_id: str, changes: Mapping[str, object], *, user: str
    ) -> dict[str, tuple[object, object]]:
        """Change fields of one record; return ``{field: (old, new)}`` of what changed.

        Each changed field is audited with its old and new value. The id cannot change.
        """
        kind, user = check_kind(kind), _check_user(user)
        schema = SCHEMA_OF[kind]
        unknown = sorted(set(changes) - set(schema.names))
        if unknown:
            raise ArgumentError(
                f"`changes` should name fields of {kind} {schema.names}, got {unknown}"
            )
        if schema.id_field in changes:
            raise ArgumentError(
                f"`changes` should not change {schema.id_field}; retire the record and add a "
                "new one instead"
            )
        with self._transaction(write=True) as cursor:
            current = self._current(cursor, kind, record_id)
            merged = {name: current[name] for name in schema.names} | dict(changes)
            columns, report = check_frame(kind, pd.DataFrame([merged]))
            if not report.ok:
                raise ValidationError(report.to_text("en", limit=20), report)
            new = {name: values[0] for name, values in columns.items()}
            changed = {
                name: (current[name], new[name])
                for name in changes
                if audit_text(current[name]) != audit_text(new[name])
            }
            if not changed:
                return {}
            now = utc_now()
            values: dict[str, object] = {
                name: new[name] for name in changed if name not in POINT_FIELDS
            }
            if set(changed) & set(POINT_FIELDS):
                values["geom"] = new["geom"]
            values |= {"updated_at": now, "updated_by": user}
            self._set(cursor, RECORD_TABLES[kind], values, schema.id_field, record_id)
            entries = [
                ("update", kind, record_id, name, audit_text(old), audit_text(value))
                for name, (old, value) in changed.items()
            ]
            self._audit(cursor, entries, user=user, at=now)
            self._bump_version(cursor, [kind, AUDIT.name])
        return changed

    def _set(
        self, cursor: Cursor, table: Table, values: Mapping[str, object], key: str, key_value: str
    ) -> None:
        types = {column.name: column.type for column in table.columns}
        assignments = ", ".join(f"{name} = ?" for name in values)
        params = [self._to_db(types[name], [value])[0] for name, value in values.items()]
        cursor.execute(
            self._sql(f"UPDATE {table.name} SET {assignments} WHERE {key} = ?"),
            (*params, key_value),
        )

    def mark_crossing(
        self, crossing_id: str, status: str, *, user: str, on: dt.date | None = None
    ) -> dict[str, tuple[object, object]]:
        """Mark a crossing ``{"active", "closed", "unverified"}``.

        ``active`` or ``closed`` means someone checked it: ``last_verified`` becomes ``on``
        (default today, UTC). ``unverified`` keeps the date of the last check.
        """
        if status not in CROSSING_STATUS:
            raise not_one_of("status", CROSSING_STATUS, status)
        changes: dict[str, object] = {"status": status}
        if status != "unverified":
            changes["last_verified"] = on or utc_now().date()
        return self.update("crossings", crossing_id, changes, user=user)

    def retire(self, kind: Kind, record_id: str, *, user: str, reason: str) -> None:
        """Hide a record from normal reads, keeping it (and why) in the store and the audit."""
        kind, user = check_kind(kind), _check_user(user)
        if not isinstance(reason, str) or not reason.strip():
            raise ArgumentError("`reason` should say why the record is retired, got an empty text")
        if kind == "crossings" and record_id in plbn_ids():
            raise ArgumentError(
                f"{record_id} is one of the five PLBN, reference data every store keeps; "
                "mark it closed with mark_crossing instead of retiring it"
            )
        with self._transaction(write=True) as cursor:
            self._current(cursor, kind, record_id)
            now = utc_now()
            values = {"retired_at": now, "retired_by": user, "retired_reason": reason.strip()}
            self._set(cursor, RECORD_TABLES[kind], values, SCHEMA_OF[kind].id_field, record_id)
            entry = ("retire", kind, record_id, None, None, reason.strip())
            self._audit(cursor, [entry], user=user, at=now)
            self._bump_version(cursor, [kind, AUDIT.name])

    def read(self, kind: Kind, *, include_retired: bool = False) -> gpd.GeoDataFrame:
        """Records of ``kind`` shaped like :mod:`geodata.records.loaders` output (EPSG:4326).

        With ``include_retired``, retired records are included and ``retired_at``,
        ``retired_by`` and ``retired_reason`` are added.
        """
        kind = check_kind(kind)
        where = "" if include_retired else "WHERE retired_at IS NULL"
        with self._transaction(write=False) as cursor:
            columns = self._read_columns(cursor, RECORD_TABLES[kind], where=where)
        extra: tuple[str, ...] = ()
        if include_retired:
            extra = ("retired_at", "retired_by", "retired_reason")
            retired: list[object] = list(
                pd.to_datetime(pd.Series(columns["retired_at"], dtype="object"), utc=True)
            )
            columns["retired_at"] = retired
        return columns_to_frame(kind, columns, extra=extra)

    def count(self, kind: Kind, *, include_retired: bool = False) -> int:
        """How many records of ``kind`` there are."""
        kind = check_kind(kind)
        where = "" if include_retired else " WHERE retired_at IS NULL"
        with self._transaction(write=False) as cursor:
            cursor.execute(self._sql(f"SELECT COUNT(*) FROM {kind}{where}"))
            return int(cursor.fetchone()[0])

    def audit_log(
        self,
        *,
        entity: str | None = None,
        record_id: str | None = None,
        username: str | None = None,
        action: str | None = None,
    ) -> pd.DataFrame:
        """The audit log, oldest first, optionally only entries matching every filter given.

        Columns: ``at`` (UTC), ``username``, ``action``, ``entity``, ``record_id``, ``field``,
        ``old_value``, ``new_value``, ``batch``.
        """
        filters = {"entity": entity, "record_id": record_id, "username": username, "action": action}
        given = {name: value for name, value in filters.items() if value is not None}
        where = " AND ".join(f"{name} = ?" for name in given)
        with self._transaction(write=False) as cursor:
            columns = self._read_columns(
                cursor,
                AUDIT,
                where=f"WHERE {where}" if where else "",
                params=tuple(given.values()),
            )
        frame = pd.DataFrame({name: columns[name] for name in AUDIT.names if name != "fid"})
        frame["at"] = pd.to_datetime(frame["at"], utc=True)
        for name in frame.columns.drop("at"):
            frame[name] = frame[name].astype("str")
        return frame

    def dataset(self) -> Dataset:
        """The current records as a :class:`~geodata.records.datasets.Dataset` (no file reports).

        Every row is checked again as an import checks it (dates up to tomorrow, UTC): a row
        that fails (e.g. written around the store) is left out, counted in ``rejected_rows``
        and logged, so one bad record cannot take every page down. The five PLBN are always
        included: from the reference data when the store lacks them (an older store).
        """
        from geodata.records.datasets import Dataset

        frames: dict[Kind, gpd.GeoDataFrame] = {}
        rejected = 0
        for kind in ("cases", "crossings", "shelters"):
            frames[kind], left_out = _valid_rows(kind, self.read(kind))
            rejected += left_out
        frames["crossings"] = _with_plbn(frames["crossings"])
        return Dataset(
            cases=frames["cases"],
            crossings=frames["crossings"],
            shelters=frames["shelters"],
            reports={},
            rejected_rows=rejected,
            synthetic=any(bool(frame["synthetic"].any()) for frame in frames.values()),
            version=self.version(),
            secret=self.secret("cell_key"),
            population=self.read_population(),
        )

    # --- population ------------------------------------------------------------------------

    def replace_population(self, frame: pd.DataFrame, *, user: str) -> PopulationResult:
        """Make ``frame`` the population table, in one transaction; the current rows are
        retired (kept, with who and when), never deleted.

        Parameters
        ----------
        frame
            :data:`geodata.records.population.POPULATION_COLUMNS`, e.g. the ``frame`` of a
            :func:`geodata.records.population.read_population` that is ``ok``; checked again here.
        user
            Who loads it (audit log: one ``retire`` per replaced row, one ``create`` per row).

        Raises
        ------
        ValidationError
            The table breaks a rule (``report`` lists every problem); nothing is written.
        """
        from geodata.records.population import check_table

        user = _check_user(user)
        report = check_table(frame)
        if not report.ok:
            raise ValidationError(report.to_text("en", limit=20), report)
        now, batch = utc_now(), uuid.uuid4().hex
        rows = frame.reset_index(drop=True)
        columns: dict[str, list[object]] = {
            "code": [str(code) for code in rows["code"]],
            "level": [str(level) for level in rows["level"]],
            "population": [int(value) for value in rows["population"]],
            "year": [None if pd.isna(year) else int(year) for year in rows["year"]],
            "source": [audit_text(value) or None for value in rows["source"]],
            "created_at": [now] * len(rows),
            "created_by": [user] * len(rows),
        }
        with self._transaction(write=True) as cursor:
            old = self._swap_population(cursor, columns, user=user, batch=batch, at=now)
            self._bump_version(cursor, [POPULATION.name, AUDIT.name])
        log.info("Population table replaced by %d rows (batch %s) by %s", len(rows), batch, user)
        return PopulationResult(count=len(rows), batch=batch, replaced=old)

    def _swap_population(
        self,
        cursor: Cursor,
        columns: Mapping[str, Sequence[object]],
        *,
        user: str,
        batch: str,
        at: dt.datetime,
    ) -> int:
        """Retire the current population rows and add ``columns`` (checked), audited as one
        ``batch`` of ``retire`` and ``create`` entries by ``user``; how many rows retired."""
        current = self._read_columns(cursor, POPULATION, where="WHERE retired_at IS NULL")
        if current["code"]:
            cursor.execute(
                self._sql(
                    f"UPDATE {POPULATION.name} SET retired_at = ?, retired_by = ? "
                    "WHERE retired_at IS NULL"
                ),
                (self._to_db("timestamp", [at])[0], user),
            )
        self._insert(cursor, POPULATION, columns)
        retired = [
            ("retire", POPULATION.name, str(code), "population", audit_text(people), None)
            for code, people in zip(current["code"], current["population"], strict=True)
        ]
        created = [
            ("create", POPULATION.name, str(code), "population", None, str(people))
            for code, people in zip(columns["code"], columns["population"], strict=True)
        ]
        self._audit(cursor, [*retired, *created], user=user, batch=batch, at=at)
        return len(current["code"])

    def read_population(self) -> pd.DataFrame:
        """The current population table (:data:`geodata.records.population.POPULATION_COLUMNS`);
        empty when none was loaded."""
        from geodata.records.population import empty_table

        with self._transaction(write=False) as cursor:
            columns = self._read_columns(cursor, POPULATION, where="WHERE retired_at IS NULL")
        if not columns["code"]:
            return empty_table()
        frame = pd.DataFrame({name: columns[name] for name in ("code", "level", "population")})
        frame["population"] = frame["population"].astype("int64")
        frame["year"] = pd.Series(columns["year"], dtype="Int64")
        frame["source"] = pd.Series([value or "" for value in columns["source"]], dtype=str)
        return frame

    # --- backup and restore -----------------------------------------------------------------

    def _dump(self) -> Dump:
        with self._transaction(write=False) as cursor:
            return {table.name: self._read_columns(cursor, table) for table in BACKUP_TABLES}

    def _load(self, cursor: Cursor, dump: Dump) -> None:
        for table in reversed(TABLES):
            cursor.execute(self._sql(f"DELETE FROM {table.name}"))
        for table in BACKUP_TABLES:
            self._insert(cursor, table, dump[table.name])
            self._after_load(cursor, table)

    def backup(self, path: str | Path, *, overwrite: bool = False) -> Path:
        """Write the whole store (records, retired ones, audit log, users, population) to a
        signed GeoPackage.

        The file opens in QGIS and can be given to :meth:`restore` of either backend. It
        holds victim data and password hashes: keep it as safe as the store.
        """
        from geodata.store._backup import backup_store

        return backup_store(self, Path(path), overwrite=overwrite)

    def restore(self, path: str | Path, *, user: str, trust_foreign: bool = False) -> None:
        """Replace the records and users by a verified backup, in one transaction.

        Before anything is written the backup must pass every check, else
        :class:`BackupRefusedError` says why and nothing changes: its signature (made with
        this store's ``secret("backup")``), its tables and columns, and every value (records as
        an import checks them, dates up to tomorrow, known codes and roles). A backup signed by
        another store, or not signed, is refused unless ``trust_foreign`` is True (the restore
        entry then records it); even then it may not add an administrator, raise a role or
        change an administrator's password. The audit log is never replaced: the backup's
        entries that are not in it are appended, then the restore entry. The population
        table becomes the backup's current figures as :meth:`replace_population` would make
        it (audited; kept as it is for a backup made before population was signed). The
        store's own metadata (secrets included) stays; every login session ends.
        """
        from geodata.store._backup import restore_store

        restore_store(self, Path(path), user=_check_user(user), trust_foreign=trust_foreign)

    # --- accounts (used by geodata.access.auth) ---------------------------------------------------

    @property
    def accounts(self) -> Accounts:
        """Users and sessions of this store (used by :mod:`geodata.access.auth`)."""
        from geodata.store._accounts import Accounts

        return Accounts(self)


def _valid_rows(kind: Kind, frame: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, int]:
    """``frame`` without the rows an import would refuse, and how many were left out."""
    tomorrow = utc_now().date() + dt.timedelta(days=1)
    _, report = check_frame(kind, frame, today=tomorrow)
    bad = {problem.row for problem in report.errors}
    if not bad:
        return frame, 0
    mask = frame.index.isin(list(bad)) | (None in bad)
    id_field = SCHEMA_OF[kind].id_field
    codes = sorted({problem.code for problem in report.errors})
    log.warning(
        "Left out %d %s that fail the import checks (%s): %s",
        int(mask.sum()),
        kind,
        ", ".join(codes),
        ", ".join(str(value) for value in frame.loc[mask, id_field].head(20)),
    )
    return frame.loc[~mask].reset_index(drop=True), int(mask.sum())


def _with_plbn(crossings: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``crossings`` plus the reference PLBN it lacks (by id)."""
    reference, held = plbn_columns(), set(crossings["crossing_id"])
    keep = [i for i, value in enumerate(reference["crossing_id"]) if value not in held]
    if not keep:
        return crossings
    missing = {name: [values[i] for i in keep] for name, values in reference.items()}
    added = columns_to_frame("crossings", missing)
    log.info("Added %d PLBN from the reference data (the store lacks them)", len(keep))
    return pd.concat([crossings, added], ignore_index=True)
