"""Download buttons: tables as CSV, XLSX, GeoJSON and GeoPackage; the map as HTML."""

from __future__ import annotations

from functools import partial
from typing import Final

import folium
import geopandas as gpd
import streamlit as st

from dashboard.text import tr
from geodata.access import ExportFormat, RoleView, export_bytes
from geodata.export import to_geopackage_bytes
from layers._assets import standalone_html
from layers.cases import CaseFilter

_FORMATS: Final[tuple[tuple[str, ExportFormat, str], ...]] = (
    ("CSV", "csv", "text/csv"),
    ("XLSX", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("GeoJSON", "geojson", "application/geo+json"),
    ("GeoPackage", "gpkg", "application/geopackage+sqlite3"),
)
_EXTENSIONS: Final = {"csv": "csv", "xlsx": "xlsx", "geojson": "geojson", "gpkg": "gpkg"}


def export_buttons(
    view: RoleView,
    kind: str,
    *,
    key: str,
    case_filter: CaseFilter | None = None,
    disabled: bool = False,
) -> None:
    """Four download buttons for ``kind`` as this role may have it (a viewer's ``cases``
    are counts per kabupaten with small counts hidden, never records)."""
    columns = st.columns(4)
    for column, (label, fmt, mime) in zip(columns, _FORMATS, strict=True):
        column.download_button(
            tr("data.download", format=label),
            data=partial(export_bytes, view, kind, fmt, case_filter=case_filter),
            file_name=f"{kind}.{_EXTENSIONS[fmt]}",
            mime=mime,
            key=f"{key}_{fmt}",
            on_click="ignore",
            disabled=disabled,
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
