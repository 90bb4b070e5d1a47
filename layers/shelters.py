"""Shelters (rumah aman) sized by capacity; confidential ones only where allowed."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import folium
import geopandas as gpd

from geodata.i18n import format_number, t
from layers import styles
from layers._html import table_cells
from layers._symbols import CircleLayer
from layers.legend import LegendItem


def shelter_radius(capacity: object) -> float:
    """Marker radius in pixels: area grows with capacity (5 px at 0 or unknown, 13 at 60)."""
    try:
        known = float(capacity)  # type: ignore[arg-type]
    except (TypeError, ValueError):  # None, pandas.NA
        known = 0.0
    return 5.0 + math.sqrt(known) if known > 0 else 5.0


def shelter_tooltip_rows(shelter: Mapping[str, Any], *, lang: str) -> list[tuple[str, object]]:
    """Label and value of each row of one shelter's tooltip (not yet escaped: see
    :func:`layers._html.html_table` and :func:`layers._html.table_cells`)."""
    services = ", ".join(
        t(f"service.{item.strip()}", lang)
        for item in str(shelter.get("services") or "").split(";")
        if item.strip()
    )
    rows: list[tuple[str, object]] = [
        (t("shelter.name", lang), shelter["name"]),
        (t("shelter.operator", lang), t(f"operator.{shelter['operator']}", lang)),
        (t("shelter.capacity", lang), format_number(shelter["capacity"], lang)),
        (t("shelter.services", lang), services),
    ]
    if shelter.get("location_generalised"):
        rows.append((t("shelter.location", lang), t("shelter.location_generalised", lang)))
    if shelter.get("synthetic"):
        rows.append(("", t("common.sample_data", lang)))
    return rows


def shelters_layer(
    shelters: gpd.GeoDataFrame, *, lang: str, show: bool = True
) -> folium.FeatureGroup:
    """Shelters as circles whose area grows with capacity (dashed where generalised)."""
    rows = [
        [
            round(shelter["geometry"].y, 5),
            round(shelter["geometry"].x, 5),
            shelter_radius(shelter["capacity"]),
            bool(shelter.get("location_generalised")),
            table_cells(shelter_tooltip_rows(shelter, lang=lang)),
        ]
        for shelter in shelters.to_dict("records")
    ]
    style = {
        "color": "#7f3b08",
        "weight": 1.5,
        "fillColor": styles.SHELTER,
        "fillOpacity": 0.85,
    }
    return CircleLayer(rows, style, name=t("map.layer.shelters", lang), show=show)


def shelters_legend(*, lang: str) -> list[LegendItem]:
    """Legend rows of :func:`shelters_layer`."""
    return [LegendItem(t("map.legend.shelter_capacity", lang), styles.SHELTER, "circle")]
