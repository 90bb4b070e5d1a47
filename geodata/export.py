"""Exports of (filtered) records: CSV, XLSX, GeoJSON and GeoPackage, as bytes for download.

Text cells that a spreadsheet would run as a formula (starting with ``= + - @``, or a tab or
carriage return followed by one) are neutralised with a leading apostrophe in CSV and XLSX.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import geopandas as gpd
import pandas as pd

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value: object) -> object:
    """``value`` with a leading ``'`` if it is text a spreadsheet would read as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _tabular(frame: pd.DataFrame) -> pd.DataFrame:
    """Plain table: geometry as lon/lat (points) and every text cell neutralised."""
    table = pd.DataFrame(frame.drop(columns="geometry", errors="ignore")).copy()
    for column in table.columns:
        if table[column].dtype == object or pd.api.types.is_string_dtype(table[column]):
            table[column] = table[column].map(neutralise_formula)
    return table


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV (with BOM, so Excel reads the accents) of ``frame``, formulas neutralised."""
    return _tabular(frame).to_csv(index=False).encode("utf-8-sig")


def to_xlsx_bytes(frame: pd.DataFrame, *, sheet: str = "data") -> bytes:
    """XLSX of ``frame``: every text cell written as text, formulas neutralised."""
    buffer = io.BytesIO()
    table = _tabular(frame)
    for column in table.select_dtypes(include=["datetimetz"]).columns:
        table[column] = table[column].dt.tz_localize(None)
    with pd.ExcelWriter(
        buffer, engine="xlsxwriter", engine_kwargs={"options": {"strings_to_formulas": False}}
    ) as writer:
        table.to_excel(writer, sheet_name=sheet[:31], index=False)
    return buffer.getvalue()


def to_geojson_bytes(frame: gpd.GeoDataFrame) -> bytes:
    """GeoJSON (EPSG:4326) of the rows that have a geometry."""
    located = frame[~(frame.geometry.isna() | frame.geometry.is_empty)]
    # Dates as ISO text (json cannot write a Timestamp; NaT is already written as null).
    geojson = located.to_crs("EPSG:4326").to_json(drop_id=True, default=lambda v: v.isoformat())
    return geojson.encode("utf-8")


def to_geopackage_bytes(layers: dict[str, gpd.GeoDataFrame]) -> bytes:
    """A GeoPackage with one layer per entry (rows without geometry kept, geometry empty)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.gpkg"
        for name, frame in layers.items():
            frame.to_crs("EPSG:4326").to_file(path, layer=name, driver="GPKG")
        return path.read_bytes()
