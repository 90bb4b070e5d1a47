"""The store's tables, described once for both backends (each turns them into its own DDL).

Record tables (``cases``, ``crossings``, ``shelters``) hold the fields of
:mod:`geodata.records.schemas` except ``lon``/``lat``, which live in the point geometry ``geom``
(EPSG:4326), plus who created, changed and retired each record and when.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal

from geodata.errors import not_one_of
from geodata.records.schemas import CASE, CROSSING, SHELTER, Field, Schema
from geodata.roles import ROLES

ColumnType = Literal["serial", "text", "date", "float", "int", "bool", "timestamp", "geom"]
TableKind = Literal["features", "attributes", "hidden"]
Kind = Literal["cases", "crossings", "shelters"]

#: Version of the table layout; a store written by a newer version is refused.
SCHEMA_VERSION: Final = 1
#: The record kinds, in load order (crossings first: cases name them).
KINDS: Final[tuple[Kind, ...]] = ("crossings", "cases", "shelters")
#: Schema of each record kind.
SCHEMA_OF: Final[dict[Kind, Schema]] = {"cases": CASE, "crossings": CROSSING, "shelters": SHELTER}
#: Audit actions.
ACTIONS: Final = (
    "create",
    "update",
    "retire",
    "restore",
    "disable",
    "enable",
    "login",
    "login_failed",
    "logout",
)
#: Geometry fields kept in ``geom``, not as columns.
POINT_FIELDS: Final = ("lon", "lat")
#: Bookkeeping columns of every record table.
BOOKKEEPING: Final = (
    "created_at",
    "created_by",
    "updated_at",
    "updated_by",
    "retired_at",
    "retired_by",
    "retired_reason",
)

_FIELD_TYPES: Final[dict[str, ColumnType]] = {
    "date": "date",
    "float": "float",
    "count": "int",
    "bool": "bool",
}


@dataclass(frozen=True)
class Column:
    """One column: name, type, and the constraints both backends declare."""

    name: str
    type: ColumnType
    not_null: bool = False
    unique: bool = False
    allowed: tuple[str, ...] | None = None
    minimum: int | None = None


def column_sql(column: Column, types: Mapping[ColumnType, str], *, bool_as_integer: bool) -> str:
    """The column's definition in ``CREATE TABLE``: type (from ``types``) and constraints.

    ``bool_as_integer`` adds ``CHECK (x IN (0, 1))`` where booleans are stored as integers
    (SQLite/GeoPackage).
    """
    parts = [column.name, types[column.type]]
    if column.not_null and column.type != "serial":
        parts.append("NOT NULL")
    if column.unique:
        parts.append("UNIQUE")
    if column.allowed is not None:
        allowed = ", ".join("'" + value.replace("'", "''") + "'" for value in column.allowed)
        parts.append(f"CHECK ({column.name} IN ({allowed}))")
    if column.minimum is not None:
        parts.append(f"CHECK ({column.name} >= {column.minimum})")
    if bool_as_integer and column.type == "bool":
        parts.append(f"CHECK ({column.name} IN (0, 1))")
    return " ".join(parts)


@dataclass(frozen=True)
class Table:
    """A table of the store; ``kind`` says how a GeoPackage registers it."""

    name: str
    columns: tuple[Column, ...]
    kind: TableKind = "hidden"
    description: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        """Column names, in order."""
        return tuple(column.name for column in self.columns)

    @property
    def data_columns(self) -> tuple[Column, ...]:
        """Every column but ``fid``."""
        return tuple(column for column in self.columns if column.type != "serial")


def _field_column(field: Field, id_field: str) -> Column:
    allowed = tuple(sorted(field.allowed)) if field.kind == "choice" and field.allowed else None
    return Column(
        field.name,
        _FIELD_TYPES.get(field.kind, "text"),
        not_null=field.required or field.default is not None,
        unique=field.name == id_field,
        allowed=allowed,
        minimum=0 if field.kind == "count" else None,
    )


def _record_table(kind: Kind) -> Table:
    schema = SCHEMA_OF[kind]
    fields = [
        _field_column(field, schema.id_field)
        for field in schema.fields
        if field.name not in POINT_FIELDS
    ]
    point_required = schema.field("lon").required
    return Table(
        kind,
        (
            Column("fid", "serial"),
            Column("geom", "geom", not_null=point_required),
            *fields,
            Column("created_at", "timestamp", not_null=True),
            Column("created_by", "text", not_null=True),
            Column("updated_at", "timestamp"),
            Column("updated_by", "text"),
            Column("retired_at", "timestamp"),
            Column("retired_by", "text"),
            Column("retired_reason", "text"),
        ),
        kind="features",
        description=f"{schema.entity} records (retired ones kept, see retired_at)",
    )


RECORD_TABLES: Final[dict[Kind, Table]] = {kind: _record_table(kind) for kind in KINDS}

AUDIT: Final = Table(
    "audit_log",
    (
        Column("fid", "serial"),
        Column("at", "timestamp", not_null=True),
        Column("username", "text", not_null=True),
        Column("action", "text", not_null=True, allowed=ACTIONS),
        Column("entity", "text", not_null=True),
        Column("record_id", "text"),
        Column("field", "text"),
        Column("old_value", "text"),
        Column("new_value", "text"),
        Column("batch", "text"),
    ),
    kind="attributes",
    description="Every change: who, when (UTC), what, old and new value",
)

USERS: Final = Table(
    "users",
    (
        Column("fid", "serial"),
        Column("username", "text", not_null=True, unique=True),
        Column("role", "text", not_null=True, allowed=ROLES),
        Column("password_hash", "text", not_null=True),
        Column("active", "bool", not_null=True),
        Column("created_at", "timestamp", not_null=True),
        Column("created_by", "text", not_null=True),
        Column("last_login_at", "timestamp"),
        Column("failed_logins", "int", not_null=True, minimum=0),
        Column("locked_until", "timestamp"),
    ),
)

SESSIONS: Final = Table(
    "sessions",
    (
        Column("fid", "serial"),
        Column("token_hash", "text", not_null=True, unique=True),
        Column("username", "text", not_null=True),
        Column("created_at", "timestamp", not_null=True),
        Column("expires_at", "timestamp", not_null=True),
    ),
)

META: Final = Table(
    "kalbar_meta",
    (
        Column("fid", "serial"),
        Column("key", "text", not_null=True, unique=True),
        Column("value", "text", not_null=True),
    ),
)

POPULATION: Final = Table(
    "population",
    (
        Column("fid", "serial"),
        Column("code", "text", not_null=True),
        Column("level", "text", not_null=True, allowed=("kecamatan", "desa")),
        Column("population", "int", not_null=True, minimum=1),
        Column("year", "int"),
        Column("source", "text"),
        Column("created_at", "timestamp", not_null=True),
        Column("created_by", "text", not_null=True),
        Column("retired_at", "timestamp"),
        Column("retired_by", "text"),
    ),
    kind="attributes",
    description="People per kecamatan or desa loaded by the office (replaced ones retired)",
)

#: Every table, in creation order; :data:`POPULATION` is created apart (also in stores made
#: before it existed). Backups hold all of them except ``sessions``, population last.
TABLES: Final[tuple[Table, ...]] = (*RECORD_TABLES.values(), AUDIT, USERS, SESSIONS, META)
BACKUP_TABLES: Final[tuple[Table, ...]] = (*(t for t in TABLES if t is not SESSIONS), POPULATION)


def check_kind(kind: object) -> Kind:
    """Return ``kind`` if it is a record kind, else raise an ArgumentError naming them."""
    if kind not in KINDS:
        raise not_one_of("kind", KINDS, kind)
    return kind
