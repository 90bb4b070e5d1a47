"""The embedded backend: one GeoPackage file, written with the standard library's sqlite3.

The file follows the OGC GeoPackage 1.4 encoding, so QGIS and GDAL open it: the
``application_id`` and ``user_version`` pragmas, ``gpkg_spatial_ref_sys`` (with EPSG:4326),
``gpkg_contents`` and ``gpkg_geometry_columns``; ``cases``, ``crossings`` and ``shelters`` are
point feature tables whose ``geom`` holds GeoPackage geometry blobs (header + WKB), and
``audit_log`` is an attribute table. ``users``, ``sessions`` and ``kalbar_meta`` are plain
tables that GIS programs do not list. No spatial index is made (QGIS offers to add one;
GDAL's R-tree triggers need functions plain sqlite3 lacks).

Every write is one ``BEGIN IMMEDIATE`` … ``COMMIT`` transaction in SQLite's default rollback
journal mode: a failure or a killed process leaves the file as it was (the journal is rolled
back the next time the file is opened).
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import struct
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Final

import numpy as np
import pyproj
import shapely

from geodata.store._base import Cursor, Store, StoreError
from geodata.store._schema import TABLES, ColumnType, Table, column_sql

#: ``PRAGMA application_id`` of a GeoPackage ("GPKG") and the version written (1.4.0).
APPLICATION_ID: Final = 0x47504B47
USER_VERSION: Final = 10400
SRS_ID: Final = 4326
#: Seconds a writer waits for another writer to finish.
BUSY_TIMEOUT_S: Final = 30.0

_TYPES: Final[dict[ColumnType, str]] = {
    "serial": "INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL",
    "text": "TEXT",
    "date": "DATE",
    "float": "DOUBLE",
    "int": "INTEGER",
    "bool": "BOOLEAN",
    "timestamp": "DATETIME",
    "geom": "POINT",
}
#: Header of a little-endian GeoPackage point blob in EPSG:4326 without envelope.
_HEADER: Final = b"GP\x00\x01" + struct.pack("<i", SRS_ID)
_ENVELOPE_BYTES: Final = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}
_TIMESTAMP: Final = "%Y-%m-%dT%H:%M:%S.%fZ"

_CORE_TABLES: Final = (
    """CREATE TABLE gpkg_spatial_ref_sys (
        srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,
        organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT)""",
    """CREATE TABLE gpkg_contents (
        table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
        description TEXT DEFAULT '', last_change DATETIME NOT NULL
        DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
        min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
        CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id))""",
    """CREATE TABLE gpkg_geometry_columns (
        table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
        srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
        CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
        CONSTRAINT uk_gc_table_name UNIQUE (table_name),
        CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
        CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id))""",
)


def table_sql(table: Table) -> str:
    """``CREATE TABLE`` of ``table`` in GeoPackage column types."""
    columns = ",\n    ".join(
        column_sql(column, _TYPES, bool_as_integer=True) for column in table.columns
    )
    return f"CREATE TABLE {table.name} (\n    {columns}\n)"


def encode_points(points: Sequence[object]) -> list[object]:
    """Shapely points (or None) as GeoPackage geometry blobs (or None)."""
    array = np.asarray(points, dtype=object)
    present = np.array([point is not None for point in points], dtype=bool)
    blobs: list[object] = [None] * len(points)
    if present.any():
        wkb = shapely.to_wkb(array[present], byte_order=1, output_dimension=2)
        for position, blob in zip(np.flatnonzero(present), wkb, strict=True):
            blobs[position] = _HEADER + blob
    return blobs


def decode_points(blobs: Sequence[object]) -> list[object]:
    """GeoPackage geometry blobs (or None) as shapely geometries (or None)."""
    wkb: list[bytes | None] = []
    for blob in blobs:
        if blob is None:
            wkb.append(None)
            continue
        data = bytes(blob)  # type: ignore[call-overload]
        if data[:2] != b"GP":
            raise StoreError("a geometry is not a GeoPackage geometry blob; is the file damaged?")
        flags = data[3]
        if flags & 0x10:  # empty geometry
            wkb.append(None)
            continue
        wkb.append(data[8 + _ENVELOPE_BYTES.get((flags >> 1) & 0x07, 0) :])
    return list(shapely.from_wkb(np.asarray(wkb, dtype=object)))


def _timestamp_text(value: dt.datetime) -> str:
    utc = value.astimezone(dt.UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


class GpkgStore(Store):
    """The store in one GeoPackage file.

    Parameters
    ----------
    path
        The ``.gpkg`` file. A new file and its folder are made readable by their owner only.
    create
        Create the file and its tables if they do not exist (else raise :class:`StoreError`).
    """

    backend = "gpkg"

    def __init__(self, path: str | Path, *, create: bool = True) -> None:
        self.path = Path(path)
        super().__init__(f"gpkg://{self.path}")
        if not self.path.exists():
            if not create:
                raise StoreError(f"there is no store at {self.path}")
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
        self._initialise(create=create)

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        connection.execute("PRAGMA synchronous = FULL")
        return connection

    @contextmanager
    def _transaction(self, *, write: bool) -> Iterator[Cursor]:
        connection = self._connect()
        try:
            connection.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield connection.cursor()
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")
        except sqlite3.DatabaseError as error:
            raise StoreError(f"the store {self.path} could not be used: {error}") from error
        finally:
            connection.close()

    def _sql(self, query: str) -> str:
        return query

    def _table_exists(self, cursor: Cursor, name: str) -> bool:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,))
        return cursor.fetchone() is not None

    def _create_tables(self, cursor: Cursor) -> None:
        cursor.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        cursor.execute(f"PRAGMA user_version = {USER_VERSION}")
        for statement in _CORE_TABLES:
            cursor.execute(statement)
        wgs84 = pyproj.CRS.from_epsg(SRS_ID).to_wkt("WKT1_GDAL")
        spatial_refs = [
            (
                "Undefined cartesian SRS",
                -1,
                "NONE",
                -1,
                "undefined",
                "undefined cartesian coordinate reference system",
            ),
            (
                "Undefined geographic SRS",
                0,
                "NONE",
                0,
                "undefined",
                "undefined geographic coordinate reference system",
            ),
            (
                "WGS 84 geodetic",
                SRS_ID,
                "EPSG",
                SRS_ID,
                wgs84,
                "longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid",
            ),
        ]
        cursor.executemany(  # type: ignore[attr-defined]
            "INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)", spatial_refs
        )
        for table in TABLES:
            self._create_table(cursor, table)

    def _create_table(self, cursor: Cursor, table: Table) -> None:
        cursor.execute(table_sql(table))
        if table.kind == "hidden":
            return
        srs = SRS_ID if table.kind == "features" else None
        cursor.execute(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, "
            "last_change, srs_id) VALUES (?, ?, ?, ?, ?, ?)",
            (
                table.name,
                table.kind,
                table.name,
                table.description,
                _timestamp_text(dt.datetime.now(dt.UTC)),
                srs,
            ),
        )
        if table.kind == "features":
            cursor.execute(
                "INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', 'POINT', ?, 0, 0)",
                (table.name, SRS_ID),
            )

    def _to_db(self, kind: ColumnType, values: Sequence[object]) -> list[object]:
        if kind == "geom":
            return encode_points(values)
        if kind == "date":
            return [None if v is None else v.isoformat() for v in values]  # type: ignore[attr-defined]
        if kind == "timestamp":
            return [None if v is None else _timestamp_text(v) for v in values]  # type: ignore[arg-type]
        if kind == "bool":
            return [None if v is None else int(bool(v)) for v in values]
        return list(values)

    def _from_db(self, kind: ColumnType, values: Sequence[object]) -> list[object]:
        if kind == "geom":
            return decode_points(values)
        if kind == "date":
            return [None if v is None else dt.date.fromisoformat(str(v)) for v in values]
        if kind == "timestamp":
            return [
                None
                if v is None
                else dt.datetime.strptime(str(v), _TIMESTAMP).replace(tzinfo=dt.UTC)
                for v in values
            ]
        if kind == "bool":
            return [None if v is None else bool(v) for v in values]
        return list(values)

    def _select(self, name: str, kind: ColumnType) -> str:
        return name

    def _insert_many(
        self, cursor: Cursor, table: Table, names: Sequence[str], rows: list[tuple]
    ) -> None:
        marks = ", ".join("?" for _ in names)
        cursor.executemany(  # type: ignore[attr-defined]
            f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({marks})", rows
        )

    def _touch(self, cursor: Cursor, tables: Sequence[str]) -> None:
        marks = ", ".join("?" for _ in tables)
        cursor.execute(
            f"UPDATE gpkg_contents SET last_change = ? WHERE table_name IN ({marks})",
            (_timestamp_text(dt.datetime.now(dt.UTC)), *tables),
        )

    def integrity_check(self) -> str:
        """SQLite's ``PRAGMA integrity_check`` result (``"ok"`` for a sound file)."""
        with self._transaction(write=False) as cursor:
            cursor.execute("PRAGMA integrity_check")
            return str(cursor.fetchone()[0])
