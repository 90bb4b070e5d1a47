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
from branca.element import MacroElement
from jinja2 import Template

from geodata.errors import GeodataError, not_one_of
from geodata.i18n import format_number, t
from layers import styles
from layers._html import TABLE_JS, table_cells
from layers.boundaries import unit_tooltip_rows
from layers.fetched import mark_reference
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


def _upper_bounds(positive: pd.Series, *, scheme: Scheme, k: int, integer: bool) -> np.ndarray:
    """Upper bound of each class. Counts get whole-number bounds, and each distinct count
    its own class when there are no more of them than ``k``."""
    distinct = np.unique(positive.to_numpy(dtype=float))
    if len(distinct) <= (k if integer else 1):
        return distinct
    with warnings.catch_warnings():
        # Quantiles of tied values can merge classes; mapclassify warns and lowers k, and the
        # bins it returns are what the legend shows.
        warnings.filterwarnings("ignore", "Not enough unique values", UserWarning)
        bins = SCHEMES[scheme](positive.to_numpy(dtype=float), k=min(k, len(distinct))).bins
    if integer:
        bins = np.unique(np.floor(bins))
        bins[-1] = distinct[-1]
    return np.asarray(bins, dtype=float)


def _range_labels(
    upper_bounds: np.ndarray, minimum: float, lang: str, *, integer: bool
) -> list[str]:
    """Legend labels: "3 – 5" (counts: whole, non-overlapping ranges), "2,5 – 4,0" (rates)."""
    labels = []
    lower = minimum
    for upper in upper_bounds:
        digits = 0 if integer else 1
        low, high = (format_number(v, lang, digits=digits) for v in (lower, upper))
        labels.append(low if low == high else f"{low} – {high}")
        lower = upper + 1 if integer else upper
    return labels


def classify(values: pd.Series, *, scheme: Scheme = "quantiles", k: int = 5, lang: str) -> Classes:
    """Class ``values`` for a choropleth; zero and missing values get classes of their own.

    Parameters
    ----------
    values
        One number per unit (NaN where unknown).
    scheme
        One of ``{"quantiles", "natural_breaks", "equal_interval"}``.
    k
        Wanted number of classes of the positive values (3 to 7); fewer are used when there
        are fewer distinct values. Integer values (counts) get whole-number ranges that do
        not overlap ("1 – 2", "3 – 5"); other values ranges with one decimal.
    """
    if scheme not in SCHEMES:
        raise not_one_of("scheme", SCHEMES, scheme)
    if not 3 <= k <= 7:
        raise GeodataError(
            f"`k` should be from 3 to 7, got {k}; pick a number of classes in that range"
        )
    colors = pd.Series(styles.NO_DATA, index=values.index)
    legend: list[LegendItem] = []
    positive = values[values > 0]
    bins: tuple[float, ...] = ()
    if len(positive):
        # Counts (hidden ones are NaN, which makes the column float) get whole-number classes.
        counts = bool((positive % 1 == 0).all())
        upper_bounds = _upper_bounds(positive, scheme=scheme, k=k, integer=counts)
        bins = tuple(float(b) for b in upper_bounds)
        palette = styles.SEQUENTIAL[max(3, len(bins))][-len(bins) :]
        classes = np.searchsorted(upper_bounds, positive.to_numpy(dtype=float), side="left")
        colors.loc[positive.index] = pd.Series([palette[i] for i in classes], index=positive.index)
        legend.extend(
            LegendItem(label, color)
            for label, color in zip(
                _range_labels(upper_bounds, float(positive.min()), lang, integer=counts),
                palette,
                strict=True,
            )
        )
    if (values == 0).any():
        colors.loc[values == 0] = "#ffffff"
        legend.insert(0, LegendItem("0", "#ffffff"))
    if values.isna().any():
        legend.append(LegendItem(t("map.legend.no_data", lang), styles.NO_DATA))
    return Classes(bins=bins, colors=colors, legend=tuple(legend))


#: Where the map's :func:`choropleth_shapes` are found in the browser (one per map; its own
#: variable is renamed when streamlit-folium sends the map).
SHAPES_GLOBAL: Final = "kbChoroplethShapes"


class _Publish(MacroElement):
    """Makes its parent layer ``window[SHAPES_GLOBAL]``; shapes that arrive after a fill
    (a fetched layer's features) take that fill's colour and tooltip."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        window[{{ this.global_name|tojson }}] = {{ this._parent.get_name() }};
        {{ this._parent.get_name() }}.on("layeradd", function (event) {
            if (this.kbFill) { this.kbFill(event.layer); }
        });
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "Publish"
        self.global_name = SHAPES_GLOBAL


def _style(level: str) -> dict[str, object]:
    """The choropleth's outline and opacity (the fill comes per unit)."""
    weight = {"kabupaten": 1.5, "kecamatan": 0.7, "desa": 0.4}.get(level, 1.0)
    return {"fillOpacity": 0.75, "color": "#636363", "weight": weight}


def choropleth_shapes(units: gpd.GeoDataFrame, *, level: str) -> folium.GeoJson:
    """The units' shapes for a choropleth, hidden until a :class:`ChoroplethFill` fills them.

    Drawn once per map (the geometry does not follow the case filter); each fill then sends
    only a colour and a tooltip per unit. Features carry ``code``, ``fill`` and ``tip``.
    """
    data = units[["code", "geometry"]].copy()
    data["fill"] = styles.NO_DATA
    data["tip"] = ""
    style = {"fillColor": styles.NO_DATA, **_style(level)}
    layer = folium.GeoJson(
        data,
        show=False,
        control=False,
        style_function=lambda _feature: style,
        highlight_function=lambda _feature: {"weight": 3, "color": "#000000"},
        tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False, sticky=True),
    )
    _Publish().add_to(layer)
    return mark_reference(layer)  # codes only: the fill and tooltip come with the filter


class ChoroplethFill(MacroElement):
    """Fills the map's :func:`choropleth_shapes` from a table (code: [colour, tooltip cells
    as :func:`layers._html.table_cells`]) and
    puts them in this element's parent, a feature group: while the group is on the map, the
    shapes are, in these colours. A later fill takes the shapes from an earlier one's group.
    Shapes that arrive later (fetched) are filled as they are added.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this.table_js }}
        (function () {
            var group = {{ this._parent.get_name() }};
            var shapes = window[{{ this.global_name|tojson }}];
            var table = {{ this.table|tojson }};
            var style = {{ this.style|tojson }};
            shapes.options.style = function (feature) {
                return Object.assign({fillColor: feature.properties.fill}, style);
            };
            shapes.kbFill = function (layer) {
                var row = table[layer.feature.properties.code];
                layer.feature.properties.fill = row ? row[0] : {{ this.no_data|tojson }};
                layer.feature.properties.tip = row ? window.kbTable(row[1]) : "";
                shapes.resetStyle(layer);
            };
            shapes.eachLayer(shapes.kbFill);
            if (shapes.kbGroup && shapes.kbGroup !== group) { shapes.kbGroup.removeLayer(shapes); }
            shapes.kbGroup = group;
            group.addLayer(shapes);
        })();
        {% endmacro %}
        """
    )

    def __init__(self, *, table: dict[str, tuple[str, list[str]]], level: str) -> None:
        super().__init__()
        self._name = "ChoroplethFill"
        self.global_name = SHAPES_GLOBAL
        self.table = table
        self.style = _style(level)
        self.no_data = styles.NO_DATA
        self.table_js = TABLE_JS


def choropleth_fill(
    units: gpd.GeoDataFrame,
    *,
    column: str,
    level: str,
    lang: str,
    scheme: Scheme = "quantiles",
    k: int = 5,
) -> tuple[ChoroplethFill, Classes]:
    """The fill of the map's :func:`choropleth_shapes` by the classes of ``column``, with
    tooltips (escaped table cells); returns the fill and the classes."""
    classes = classify(units[column], scheme=scheme, k=k, lang=lang)
    tips = [table_cells(rows) for rows in unit_tooltip_rows(units, lang=lang, extra=[column])]
    table = {
        str(code): (str(colour), tip)
        for code, colour, tip in zip(units["code"], classes.colors, tips, strict=True)
    }
    return ChoroplethFill(table=table, level=level), classes
