"""Choropleth of a measure per unit, classed with mapclassify in a colour-blind-safe palette."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Final, Literal

import folium
import geopandas as gpd
import mapclassify
import numpy as np
import pandas as pd

from geodata.i18n import format_number, t
from layers import styles
from layers.boundaries import unit_tooltips
from layers.legend import LegendItem

Scheme = Literal["quantiles", "natural_breaks", "equal_interval"]
SCHEMES: Final[dict[str, type]] = {
    "quantiles": mapclassify.Quantiles,
    "natural_breaks": mapclassify.NaturalBreaks,
    "equal_interval": mapclassify.EqualInterval,
}


@dataclass(frozen=True)
class Classes:
    """Result of :func:`classify`: upper bounds, a colour per unit, and the legend rows."""

    bins: tuple[float, ...]
    colors: pd.Series
    legend: tuple[LegendItem, ...]


def classify(
    values: pd.Series, *, scheme: Scheme = "quantiles", k: int = 5, lang: str, digits: int = 0
) -> Classes:
    """Class ``values`` for a choropleth; zero and missing values get classes of their own.

    Parameters
    ----------
    values
        One number per unit (NaN where unknown).
    scheme
        One of ``{"quantiles", "natural_breaks", "equal_interval"}``.
    k
        Wanted number of classes of the positive values (3 to 7); fewer are used when there
        are fewer distinct values.
    """
    if scheme not in SCHEMES:
        raise ValueError(f"`scheme` should be one of {set(SCHEMES)}, got {scheme!r}")
    if not 3 <= k <= 7:
        raise ValueError(f"`k` should be from 3 to 7, got {k}")
    colors = pd.Series(styles.NO_DATA, index=values.index)
    legend: list[LegendItem] = []
    positive = values[values > 0]
    bins: tuple[float, ...] = ()
    if len(positive):
        classes = min(k, positive.nunique())
        if classes >= 2:
            with warnings.catch_warnings():
                # Quantiles of tied values can merge classes; mapclassify warns and lowers k,
                # and the bins it returns are what the legend shows.
                warnings.filterwarnings("ignore", "Not enough unique values", UserWarning)
                classifier = SCHEMES[scheme](positive.to_numpy(dtype=float), k=classes)
            bins = tuple(float(b) for b in classifier.bins)
            labels = classifier.yb
        else:
            bins, labels = (float(positive.max()),), np.zeros(len(positive), dtype=int)
        palette = styles.SEQUENTIAL[max(3, len(bins))][-len(bins) :]
        colors.loc[positive.index] = pd.Series([palette[i] for i in labels], index=positive.index)
        lower = float(positive.min())
        for color, upper in zip(palette, bins, strict=True):
            low, high = (format_number(v, lang, digits=digits) for v in (lower, upper))
            legend.append(LegendItem(f"{low} – {high}", color))
            lower = upper
    if (values == 0).any():
        colors.loc[values == 0] = "#ffffff"
        legend.insert(0, LegendItem("0", "#ffffff"))
    if values.isna().any():
        legend.append(LegendItem(t("map.legend.no_data", lang), styles.NO_DATA))
    return Classes(bins=bins, colors=colors, legend=tuple(legend))


def choropleth_layer(
    units: gpd.GeoDataFrame,
    *,
    column: str,
    level: str,
    lang: str,
    scheme: Scheme = "quantiles",
    k: int = 5,
) -> tuple[folium.GeoJson, Classes]:
    """Units filled by the classes of ``column``, with tooltips; returns layer and classes."""
    digits = 0 if pd.api.types.is_integer_dtype(units[column]) else 1
    classes = classify(units[column], scheme=scheme, k=k, lang=lang, digits=digits)
    data = units[["code", "geometry"]].copy()
    data["fill"] = classes.colors.to_numpy()
    data["tip"] = unit_tooltips(units, lang=lang, extra=[column])
    weight = {"kabupaten": 1.5, "kecamatan": 0.7, "desa": 0.4}.get(level, 1.0)
    layer = folium.GeoJson(
        data,
        name=f"{t('map.layer.choropleth', lang)}: {t(f'measure.{column}', lang)}",
        style_function=lambda feature: {
            "fillColor": feature["properties"]["fill"],
            "fillOpacity": 0.75,
            "color": "#636363",
            "weight": weight,
        },
        highlight_function=lambda _feature: {"weight": 3, "color": "#000000"},
        tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False, sticky=True),
    )
    return layer, classes
