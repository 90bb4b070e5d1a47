"""Download buttons: tables as CSV, XLSX, GeoJSON and GeoPackage; the map as HTML."""

from __future__ import annotations

import folium
import geopandas as gpd
import streamlit as st

from dashboard.text import tr
from geodata.export import to_csv_bytes, to_geojson_bytes, to_geopackage_bytes, to_xlsx_bytes
from layers._assets import standalone_html


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


def map_export_buttons(
    folium_map: folium.Map, layers: dict[str, gpd.GeoDataFrame], *, key: str
) -> None:
    """Download the current map as standalone HTML (opens offline) and its layers as GPKG."""
    left, right = st.columns(2)
    left.download_button(
        tr("export.map_html"),
        data=lambda: standalone_html(folium_map).encode("utf-8"),
        file_name="peta-kalbar.html",
        mime="text/html",
        key=f"{key}_html",
        on_click="ignore",
    )
    right.download_button(
        tr("export.layers_gpkg"),
        data=lambda: to_geopackage_bytes(layers),
        file_name="lapisan-kalbar.gpkg",
        mime="application/geopackage+sqlite3",
        key=f"{key}_gpkg",
        on_click="ignore",
    )
