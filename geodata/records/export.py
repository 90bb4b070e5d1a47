"""Exports of (filtered) records: CSV, XLSX, GeoJSON and GeoPackage, as bytes for download.

Spreadsheets run text as a formula when it starts with ``= + - @`` (after any spaces, tabs,
carriage returns or line feeds), or with a tab or carriage return. Every such text cell of a
CSV or XLSX export gets a leading apostrophe (:func:`spreadsheet_safe`), also in the audit
log and in the tables the dashboard shows (their built-in "Download as CSV" hands out what
they show: :func:`dashboard.tables.show_dataframe`). Numbers stay numbers: ``-5`` is a number,
only the text ``"-5"`` is neutralised. XLSX cells are written as text, never as formulas or
hyperlinks.

GeoJSON and GeoPackage are data formats for GIS software, not spreadsheets: their text is
written exactly as stored (a note ``=1+1`` stays ``=1+1``). Whoever opens such a layer's
attribute table in a spreadsheet must treat it as untrusted text.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Final

import geopandas as gpd
import pandas as pd

from geodata.errors import not_one_of

#: First characters (after blanks) that make a spreadsheet read text as a formula; the
#: full-width forms are read as formulas by some East Asian Excel versions.
_FORMULA_START: Final = frozenset("=+-@\uff1d\uff0b\uff0d\uff20")
#: Blanks a spreadsheet skips before the formula sign.
_BLANKS: Final = " \t\r\n"


def is_formula_like(value: object) -> bool:
    """True when ``value`` is text a spreadsheet could run as a formula.

    That is text whose first character is a tab or carriage return, or whose first
    non-blank character (after spaces, tabs, CR, LF) is ``= + - @``.
    """
    if not isinstance(value, str) or not value:
        return False
    return value[0] in "\t\r" or value.lstrip(_BLANKS)[:1] in _FORMULA_START


def neutralise_formula(value: object) -> object:
    """``value`` with a leading ``'`` if it is text a spreadsheet would read as a formula."""
    return "'" + value if is_formula_like(value) and isinstance(value, str) else value


def _text_like(column: pd.Series) -> bool:
    dtype = column.dtype
    return (
        pd.api.types.is_object_dtype(dtype)
        or pd.api.types.is_string_dtype(dtype)
        or isinstance(dtype, pd.CategoricalDtype)
    )


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells, text column names and text index values a
    spreadsheet cannot run as formulas (see :func:`neutralise_formula`); numbers, dates and
    other values unchanged.

    Raises
    ------
    TypeError
        If ``frame`` is not a DataFrame.
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"`frame` should be a DataFrame, got {type(frame).__name__}")
    table = frame.copy()
    for position in range(table.shape[1]):
        column = table.iloc[:, position]
        if _text_like(column):
            table.isetitem(position, column.map(neutralise_formula).to_numpy())
    table.columns = table.columns.map(neutralise_formula)
    if not isinstance(table.index, pd.MultiIndex) and _text_like(table.index.to_series()):
        table.index = table.index.map(neutralise_formula)
    return table


def _tabular(frame: pd.DataFrame) -> pd.DataFrame:
    """Plain table: no geometry column, and every text cell neutralised."""
    return spreadsheet_safe(pd.DataFrame(frame.drop(columns="geometry", errors="ignore")))


#: CSV dialects: ``standard`` is RFC 4180 (comma, dot decimals); ``excel_id`` is what Excel
#: with Indonesian regional settings opens in columns (semicolon, decimal comma).
CSV_DIALECTS: Final = {"standard": (",", "."), "excel_id": (";", ",")}


def to_csv_bytes(frame: pd.DataFrame, *, dialect: str = "standard") -> bytes:
    """UTF-8 CSV (with BOM, so Excel reads the accents) of ``frame``, formulas neutralised.

    ``dialect`` is one of ``{"standard", "excel_id"}``: ``standard`` separates with commas
    and writes dot decimals; ``excel_id`` separates with semicolons and writes decimal
    commas, as Excel with Indonesian regional settings expects. Lines end in CRLF
    (RFC 4180), so a cell holding a lone carriage return is quoted and cannot start a new
    row in a spreadsheet.
    """
    if dialect not in CSV_DIALECTS:
        raise not_one_of("dialect", CSV_DIALECTS, dialect)
    sep, decimal = CSV_DIALECTS[dialect]
    table = _tabular(frame)
    return table.to_csv(index=False, sep=sep, decimal=decimal, lineterminator="\r\n").encode(
        "utf-8-sig"
    )


def to_xlsx_bytes(frame: pd.DataFrame, *, sheet: str = "data") -> bytes:
    """XLSX of ``frame``: every text cell written as text (not a formula, number or link),
    formulas neutralised."""
    buffer = io.BytesIO()
    table = _tabular(frame)
    for column in table.select_dtypes(include=["datetimetz"]).columns:
        table[column] = table[column].dt.tz_localize(None)
    options = {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}
    with pd.ExcelWriter(buffer, engine="xlsxwriter", engine_kwargs={"options": options}) as writer:
        table.to_excel(writer, sheet_name=sheet[:31], index=False)
    return buffer.getvalue()


def to_geojson_bytes(frame: gpd.GeoDataFrame) -> bytes:
    """GeoJSON (EPSG:4326) of every row, text written exactly; a row without a point (a case
    placed by its desa code only) is a feature with ``"geometry": null``, as GeoJSON allows."""
    frame = frame.to_crs("EPSG:4326")
    unplaced = frame.geometry.isna() | frame.geometry.is_empty
    frame = frame.set_geometry(frame.geometry.where(~unplaced, None))
    # Dates as ISO text (json cannot write a Timestamp; NaT is already written as null).
    geojson = frame.to_json(drop_id=True, default=lambda v: v.isoformat())
    return geojson.encode("utf-8")


def to_geopackage_bytes(layers: dict[str, gpd.GeoDataFrame]) -> bytes:
    """A GeoPackage with one layer per entry (rows without geometry kept, geometry empty;
    text written exactly)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.gpkg"
        for name, frame in layers.items():
            frame.to_crs("EPSG:4326").to_file(path, layer=name, driver="GPKG")
        return path.read_bytes()
