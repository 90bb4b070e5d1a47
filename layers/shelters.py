"""Shelters (rumah aman) sized by capacity; confidential ones only where allowed."""

from __future__ import annotations

import math

import folium
import geopandas as gpd
import pandas as pd

from geodata.i18n import format_number, t
from layers import styles
from layers._html import html_table
from layers.legend import LegendItem


def shelter_radius(capacity: float) -> float:
    """Marker radius in pixels: area grows with capacity (5 px at 0, about 13 px at 60)."""
    return 5.0 + math.sqrt(max(capacity, 0.0))


def shelter_tooltip(shelter: pd.Series, *, lang: str) -> str:
    """Escaped tooltip table of one shelter."""
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
    return html_table(rows)


def shelters_layer(
    shelters: gpd.GeoDataFrame, *, lang: str, show: bool = True
) -> folium.FeatureGroup:
    """Shelters as circles whose area grows with capacity."""
    group = folium.FeatureGroup(name=t("map.layer.shelters", lang), show=show)
    for _, shelter in shelters.iterrows():
        folium.CircleMarker(
            location=[round(shelter.geometry.y, 5), round(shelter.geometry.x, 5)],
            radius=shelter_radius(float(shelter["capacity"])),
            color="#7f3b08",
            weight=1.5,
            dash_array="4 3" if shelter.get("location_generalised") else None,
            fill=True,
            fill_color=styles.SHELTER,
            fill_opacity=0.85,
            tooltip=folium.Tooltip(shelter_tooltip(shelter, lang=lang), sticky=True),
        ).add_to(group)
    return group


def shelters_legend(*, lang: str) -> list[LegendItem]:
    """Legend rows of :func:`shelters_layer`."""
    return [LegendItem(t("map.legend.shelter_capacity", lang), styles.SHELTER, "circle")]
