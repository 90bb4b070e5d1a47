"""Read a layer of an uploaded GeoPackage with SQLite alone: no view, no trigger, no GDAL.

A GeoPackage is an SQLite database, and a hostile one may hold a view whose query never ends
(a recursive CTE registered as a layer), triggers, virtual tables or generated columns with
costly expressions; GDAL would list such a view as a layer and run it. Here the bytes are
opened in memory (``deserialize``), read-only (``query_only``), with ``trusted_schema`` off
and strings and blobs of at most 16 MB, and only plain tables are ever read:

- the layers are the tables registered in ``gpkg_contents`` (``features`` or ``attributes``)
  whose ``sqlite_master`` type is ``table`` and that are not virtual; a view is never
  queried, and the metadata tables must be tables too;
- a layer's columns are those ``pragma_table_xinfo`` lists as ordinary (generated and hidden
  columns left out; the integer primary key is the feature id, as GDAL reads it); at most
  ``max_rows + 1`` rows are fetched;
- geometries are decoded from the GeoPackage binary header and WKB by shapely.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import struct
from collections.abc import Callable
from contextlib import closing
from typing import Final

import geopandas as gpd
import pandas as pd
import pyproj
import shapely

from geodata.records._read import Table, failed_table, geo_table
from geodata.records.report import ParamValue, Problem

log = logging.getLogger(__name__)

_MAX_VALUE_BYTES: Final = 16 * 1024 * 1024
_LAYER_TYPES: Final = ("features", "attributes")
#: Bytes of the envelope after the 8-byte header, by the envelope indicator (flags bits 1-3).
_ENVELOPE_BYTES: Final = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}
_DATE_PREFIX: Final = re.compile(r"\d{4}-\d{2}-\d{2}(?=$|[T ])")


def read_gpkg(data: bytes, file: str, *, layer: str | None, max_rows: int) -> Table:
    """Read one table layer of a GeoPackage; a point geometry gives ``lon`` and ``lat``.

    Parameters
    ----------
    data
        The file's bytes.
    file
        Name shown in messages.
    layer
        The layer to read; None: the first table layer (a warning names the others).
    max_rows
        Larger layers are refused with one file-level problem.
    """
    try:
        with closing(_open(data)) as connection:
            return _read(connection, file, layer=layer, max_rows=max_rows)
    except MemoryError:  # the worker's memory limit (geodata.records._sandbox) says why
        raise
    except (sqlite3.Error, ValueError, OverflowError, struct.error) as error:
        log.debug("Could not read %s", file, exc_info=True)
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        return failed_table(file, "file_unreadable", reason=reason, format="GeoPackage")


def _open(data: bytes) -> sqlite3.Connection:
    image = bytearray(data)
    if image[18:20] == b"\x02\x02":  # WAL mode: read it as a plain (rollback) database
        image[18:20] = b"\x01\x01"
    connection = sqlite3.connect(":memory:")
    connection.deserialize(bytes(image))
    connection.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, _MAX_VALUE_BYTES)
    connection.execute("PRAGMA query_only = ON")
    connection.execute("PRAGMA trusted_schema = OFF")
    return connection


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _read(connection: sqlite3.Connection, file: str, *, layer: str | None, max_rows: int) -> Table:
    master = {
        str(name).lower(): (kind, str(sql or ""))
        for kind, name, sql in connection.execute("SELECT type, name, sql FROM sqlite_master")
    }

    def plain_table(name: str) -> bool:
        kind, sql = master.get(name.lower(), ("", ""))
        return kind == "table" and not sql.lstrip().upper().startswith("CREATE VIRTUAL")

    if not plain_table("gpkg_contents"):
        return failed_table(
            file, "file_unreadable", reason="no gpkg_contents table", format="GeoPackage"
        )
    registered = [
        str(name)
        for name, kind in connection.execute("SELECT table_name, data_type FROM gpkg_contents")
        if kind in _LAYER_TYPES
    ]
    names = [name for name in registered if plain_table(name)]
    if not names:
        return failed_table(file, "upload.gpkg_no_table", layers=registered)
    if layer is not None and layer not in names:
        return failed_table(file, "layer_not_found", layer=layer, layers=names)
    chosen = names[0] if layer is None else layer
    geometry, crs = _geometry_column(connection, chosen, plain_table)
    columns = _columns(connection, chosen)
    select = ", ".join(_quoted(name) for name, _ in columns) or "NULL"
    rows = connection.execute(
        f"SELECT {select} FROM {_quoted(chosen)} LIMIT ?", (max_rows + 1,)
    ).fetchall()
    if len(rows) > max_rows:
        params: dict[str, ParamValue] = {"count": max_rows + 1, "limit": max_rows}
        problem = Problem(file, None, None, "too_many_rows", params)
        return Table(file, pd.DataFrame(), pd.DataFrame(), [problem])
    frame, cells = _frames(columns, rows, geometry=geometry, crs=crs)
    return geo_table(
        frame, cells, file, kind="gpkg", part=chosen, layers=names if layer is None else []
    )


def _geometry_column(
    connection: sqlite3.Connection, table: str, plain_table: Callable[[str], bool]
) -> tuple[str | None, str | None]:
    """The layer's geometry column and its CRS (``EPSG:4326`` or WKT), if any."""
    if not plain_table("gpkg_geometry_columns"):
        return None, None
    found = connection.execute(
        "SELECT column_name, srs_id FROM gpkg_geometry_columns WHERE lower(table_name) = lower(?)",
        (table,),
    ).fetchone()
    if found is None:
        return None, None
    column, srs_id = str(found[0]), found[1]
    if not plain_table("gpkg_spatial_ref_sys"):
        return column, None
    reference = connection.execute(
        "SELECT organization, organization_coordsys_id, definition "
        "FROM gpkg_spatial_ref_sys WHERE srs_id = ?",
        (srs_id,),
    ).fetchone()
    if reference is None or srs_id in (0, -1):
        return column, None
    organization, code, definition = reference
    if str(organization).upper() == "EPSG":
        return column, f"EPSG:{int(code)}"
    return column, str(definition)


def _columns(connection: sqlite3.Connection, table: str) -> list[tuple[str, str]]:
    """Ordinary columns ``(name, declared type)``, without the integer primary key."""
    info = connection.execute(
        "SELECT name, type, pk, hidden FROM pragma_table_xinfo(?)", (table,)
    ).fetchall()
    keys = [row for row in info if row[2]]
    fid = str(keys[0][0]) if len(keys) == 1 and str(keys[0][1]).upper() == "INTEGER" else None
    return [
        (str(name), str(declared or "").upper())
        for name, declared, _, hidden in info
        if hidden == 0 and name != fid
    ]


def _frames(
    columns: list[tuple[str, str]],
    rows: list[tuple[object, ...]],
    *,
    geometry: str | None,
    crs: str | None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(original, cells)``: the values as read (a GeoDataFrame if there is a geometry
    column) and the same as text, as :func:`geodata.records._read.read_geo` gives them."""
    values = {name: [row[i] for row in rows] for i, (name, _) in enumerate(columns)}
    cells = pd.DataFrame(
        {
            name: [_text(value, declared) for value in values[name]]
            for name, declared in columns
            if name != geometry
        },
        index=pd.RangeIndex(1, len(rows) + 1, name="row"),
        dtype="str",
    )
    original = pd.DataFrame(
        {name: values[name] for name, _ in columns if name != geometry}, index=cells.index
    )
    if geometry is None:
        return original, cells
    shapes = [_geometry(value) for value in values[geometry]]
    try:
        checked = pyproj.CRS.from_user_input(crs) if crs else None
    except pyproj.exceptions.CRSError:
        checked = None
    return gpd.GeoDataFrame(original, geometry=shapes, crs=checked), cells


def _text(value: object, declared: str) -> str:
    """A value as text: booleans ``true``/``false``, date-times as their date (as GDAL)."""
    if value is None:
        return ""
    if declared == "BOOLEAN" and value in (0, 1):
        return "true" if value else "false"
    if declared == "DATETIME" and isinstance(value, str):
        date = _DATE_PREFIX.match(value)
        return date.group() if date else value
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def _geometry(value: object) -> shapely.Geometry | None:
    """A GeoPackage geometry blob (``GP`` header, envelope, WKB) as a shape; None if empty
    or not a geometry."""
    if not isinstance(value, bytes) or len(value) < 8 or value[:2] != b"GP":
        return None
    flags = value[3]
    if flags & 0b10000:  # the empty flag
        return None
    envelope = _ENVELOPE_BYTES.get((flags >> 1) & 0b111)
    if envelope is None:
        return None
    shape = shapely.from_wkb(value[8 + envelope :], on_invalid="ignore")
    return shape if isinstance(shape, shapely.Geometry) else None
