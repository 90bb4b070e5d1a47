"""One GeoJSON layer of units filled by a colour per unit, with escaped tooltips.

Shared by the risk, hot-spot and change maps, which differ only in how they colour.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import folium
import geopandas as gpd

#: Outline width by level, as the boundary and choropleth layers draw them.
LINE_WEIGHT: Final = {"kabupaten": 1.5, "kecamatan": 0.7, "desa": 0.4}


def fill_layer(
    units: gpd.GeoDataFrame,
    *,
    fills: Sequence[str],
    tips: Sequence[str],
    name: str,
    level: str,
) -> folium.GeoJson:
    """Units (``code``, geometry) filled by ``fills``; ``tips`` must be escaped HTML."""
    data = units[["code", "geometry"]].copy()
    data["fill"] = list(fills)
    data["tip"] = list(tips)
    weight = LINE_WEIGHT.get(level, 1.0)
    return folium.GeoJson(
        data,
        name=name,
        style_function=lambda feature: {
            "fillColor": feature["properties"]["fill"],
            "fillOpacity": 0.75,
            "color": "#636363",
            "weight": weight,
        },
        highlight_function=lambda _feature: {"weight": 3, "color": "#000000"},
        tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False, sticky=True),
    )
