"""Download buttons for a table: CSV, XLSX, GeoJSON and GeoPackage."""

from __future__ import annotations

import geopandas as gpd
import streamlit as st

from dashboard.text import tr
from geodata.export import to_csv_bytes, to_geojson_bytes, to_geopackage_bytes, to_xlsx_bytes


def export_buttons(frame: gpd.GeoDataFrame, name: str, *, key: str) -> None:
    """Four download buttons for ``frame`` (already filtered and allowed for this user)."""
    columns = st.columns(4)
    formats = [
        ("CSV", "csv", "text/csv", lambda: to_csv_bytes(frame)),
        (
            "XLSX",
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            lambda: to_xlsx_bytes(frame, sheet=name),
        ),
        ("GeoJSON", "geojson", "application/geo+json", lambda: to_geojson_bytes(frame)),
        (
            "GeoPackage",
            "gpkg",
            "application/geopackage+sqlite3",
            lambda: to_geopackage_bytes({name: frame}),
        ),
    ]
    for column, (label, extension, mime, make) in zip(columns, formats, strict=True):
        column.download_button(
            tr("data.download", format=label),
            data=make,
            file_name=f"{name}.{extension}",
            mime=mime,
            key=f"{key}_{extension}",
            disabled=frame.empty,
            on_click="ignore",
        )
