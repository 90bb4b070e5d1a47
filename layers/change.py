"""Map of the change in cases against the previous period (year on year), per unit.

The numbers come from :func:`layers.indicators.change_by_unit`; this module only classes and
draws them in a diverging, colour-blind-safe palette.
"""

from __future__ import annotations

import math
from typing import Final

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from geodata.i18n import format_number, t
from layers import styles
from layers._fill import fill_layer
from layers._html import html_table
from layers._inputs import require_frame
from layers.legend import LegendItem

#: Diverging RdBu (ColorBrewer, colour-blind safe), -2..2: fewer cases blue, more red.
CHANGE_COLORS: Final = ("#0571b0", "#92c5de", "#f7f7f7", "#f4a582", "#ca0020")


def change_classes(change: pd.Series) -> tuple[pd.Series, int]:
    """Class each change into -2..2 (strong fall, fall, none, rise, strong rise); NaN stays.

    A change of ``step`` or more (in either direction) is "strong"; ``step`` is half the
    largest absolute change, rounded up, and at least 2.
    """
    largest = float(change.abs().max()) if change.notna().any() else 0.0
    step = max(2, math.ceil(largest / 2))
    classes = np.sign(change) + np.sign(change) * (change.abs() >= step)
    return classes, step


def change_layer(
    frame: gpd.GeoDataFrame, *, level: str, lang: str
) -> tuple[folium.GeoJson, list[LegendItem]]:
    """Units filled by the change in cases, with tooltips; returns the layer and its legend.

    ``frame`` comes from :func:`layers.indicators.change_by_unit` (or
    :func:`~layers.indicators.compute_indicators`).
    """
    require_frame(frame, "frame", ("code", "name", "cases", "cases_previous", "cases_change"))
    classes, step = change_classes(frame["cases_change"])
    fills = [CHANGE_COLORS[int(c) + 2] if c == c else styles.NO_DATA for c in classes]
    tips = [
        html_table(
            [
                (t(f"unit_type.{unit.get('unit_type', 'kecamatan')}", lang), unit["name"]),
                (t("map.code", lang), unit["code"]),
                (t("indicator.cases", lang), format_number(unit["cases"], lang)),
                (t("indicator.cases_previous", lang), format_number(unit["cases_previous"], lang)),
                (t("indicator.cases_change", lang), format_number(unit["cases_change"], lang)),
            ]
        )
        for _, unit in frame.iterrows()
    ]
    layer = fill_layer(
        frame, fills=fills, tips=tips, name=t("risk.change_layer", lang), level=level
    )
    legend = [
        LegendItem(t("risk.change_strong_fall", lang, step=step), CHANGE_COLORS[0]),
        LegendItem(t("risk.change_fall", lang), CHANGE_COLORS[1]),
        LegendItem(t("risk.change_none", lang), CHANGE_COLORS[2]),
        LegendItem(t("risk.change_rise", lang), CHANGE_COLORS[3]),
        LegendItem(t("risk.change_strong_rise", lang, step=step), CHANGE_COLORS[4]),
    ]
    if frame["cases_change"].isna().any():
        legend.append(LegendItem(t("map.legend.no_data", lang), styles.NO_DATA))
    return layer, legend
