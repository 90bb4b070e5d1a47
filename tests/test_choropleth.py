"""Choropleth classes: zeros and missing values apart, ties and few values, validation,
palette colours, and legend labels in the map's language."""

from __future__ import annotations

import datetime as dt
import itertools
import re
import warnings
from typing import Any

import folium
import numpy as np
import pandas as pd
import pytest

from geodata import reference
from geodata.records.cases import CaseFilter, count_by_unit, filter_cases
from layers import styles
from layers.choropleth import (
    SCHEMES,
    SHAPES_GLOBAL,
    Classes,
    choropleth_fill,
    choropleth_shapes,
    classify,
)

ZERO_COLOR = "#ffffff"
#: Cases per kabupaten in 2024 (public total 54): many ties, two zeros.
KABUPATEN_2024 = [0, 0, 1, 1, 2, 2, 3, 3, 3, 3, 4, 5, 13, 14]


def _classify_quietly(values: pd.Series, **options: Any) -> Classes:
    """``classify`` that fails on any warning, even one filtered elsewhere."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = classify(values, **options)
    assert [str(w.message) for w in caught] == []
    return result


def _class_of(value: float, bins: tuple[float, ...]) -> int:
    """Index of the class holding ``value`` (upper bounds inclusive), computed here."""
    return int(np.searchsorted(np.asarray(bins), value, side="left"))


def _assert_consistent(values: pd.Series, result: Classes) -> None:
    """Colours come from one palette, grow darker with the value, and match the legend."""
    bins, legend, colors = result.bins, result.legend, result.colors
    palette = styles.SEQUENTIAL[max(3, len(bins))][-len(bins) :]
    positive = values[values > 0]
    for index, value in positive.items():
        assert colors[index] == palette[_class_of(value, bins)], (value, bins)
    class_rows = [item for item in legend if item.color in palette]
    assert [item.color for item in class_rows] == list(palette)
    assert bins[-1] == positive.max()


# --------------------------------------------------------------------------- zeros and ties


@pytest.mark.parametrize("scheme", list(SCHEMES))
def test_many_zeros_get_their_own_white_class_without_warning(scheme: str) -> None:
    values = pd.Series([0] * 40 + list(range(1, 11)))
    result = _classify_quietly(values, scheme=scheme, k=5, lang="id")
    assert result.legend[0].label == "0"
    assert result.legend[0].color == ZERO_COLOR
    assert (result.colors[values == 0] == ZERO_COLOR).all()
    assert len(result.bins) == 5
    assert ZERO_COLOR not in set(result.colors[values > 0])
    _assert_consistent(values, result)


@pytest.mark.parametrize("scheme", list(SCHEMES))
@pytest.mark.parametrize("k", [3, 5, 7])
def test_tied_counts_like_2024_classify_without_warning(scheme: str, k: int) -> None:
    values = pd.Series(KABUPATEN_2024)
    result = _classify_quietly(values, scheme=scheme, k=k, lang="id")
    assert 2 <= len(result.bins) <= k
    assert len(result.legend) == len(result.bins) + 1
    _assert_consistent(values, result)


def test_the_2024_filter_gives_those_counts(located: pd.DataFrame) -> None:
    """KABUPATEN_2024 above is what the Peta page classes for 2024 (not made up)."""
    filtered = filter_cases(
        located, CaseFilter(date_from=dt.date(2024, 1, 1), date_to=dt.date(2024, 12, 31))
    )
    counted = count_by_unit(filtered, reference.load_web_layer("kabupaten"), level="kabupaten")
    assert sorted(counted["cases"]) == KABUPATEN_2024


# --------------------------------------------------------------------------- few values


@pytest.mark.parametrize("scheme", list(SCHEMES))
@pytest.mark.parametrize("values", [[0, 2, 2, 5, 5, 5], [0, 1, 2, 3], [1, 1, 1, 2, 3, 3]])
def test_fewer_distinct_values_than_k(scheme: str, values: list[int]) -> None:
    series = pd.Series(values)
    result = _classify_quietly(series, scheme=scheme, k=5, lang="id")
    assert 1 <= len(result.bins) <= series[series > 0].nunique()
    _assert_consistent(series, result)


def test_natural_breaks_of_two_values_gives_two_classes() -> None:
    values = pd.Series([0, 2, 2, 5, 5, 5])
    result = _classify_quietly(values, scheme="natural_breaks", k=5, lang="id")
    assert result.bins == (2.0, 5.0)
    assert [item.label for item in result.legend] == ["0", "2", "3 – 5"]
    assert result.colors.tolist() == ["#ffffff", *["#feb24c"] * 2, *["#f03b20"] * 3]


@pytest.mark.parametrize("scheme", list(SCHEMES))
@pytest.mark.parametrize("values", [[1, 2, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9, 40], [2, 2, 5, 5, 5]])
def test_integer_counts_show_in_the_class_their_legend_label_names(
    scheme: str, values: list[int]
) -> None:
    """Count legends are whole, inclusive, non-overlapping ranges ("1 – 2", "3 – 5") or
    single values ("3"); each count falls in exactly the class whose label covers it."""
    series = pd.Series(values)
    result = _classify_quietly(series, scheme=scheme, k=4, lang="id")
    labels = [item.label for item in result.legend]
    ranges = [tuple(int(part) for part in label.split(" – ")) for label in labels]
    for value in series:
        low, *high = ranges[_class_of(value, result.bins)]
        assert low <= value <= (high[0] if high else low), (value, labels)
    for before, after in itertools.pairwise(ranges):
        assert after[0] == before[-1] + 1, labels  # no gap, no overlap


@pytest.mark.parametrize("scheme", list(SCHEMES))
def test_a_single_positive_value_is_one_darkest_class(scheme: str) -> None:
    values = pd.Series([0, 4, 4, 0])
    result = _classify_quietly(values, scheme=scheme, k=5, lang="id")
    assert result.bins == (4.0,)
    assert result.colors.tolist() == [
        ZERO_COLOR,
        styles.SEQUENTIAL[3][-1],
        styles.SEQUENTIAL[3][-1],
        ZERO_COLOR,
    ]


def test_all_zero() -> None:
    result = _classify_quietly(pd.Series([0, 0, 0]), scheme="natural_breaks", k=5, lang="id")
    assert result.bins == ()
    assert [item.label for item in result.legend] == ["0"]


@pytest.mark.parametrize(("lang", "label"), [("id", "Tidak ada data"), ("en", "No data")])
def test_missing_values_are_grey_and_labelled(lang: str, label: str) -> None:
    values = pd.Series([np.nan, 0.0, 1.5, 3.0, 7.25, 9.0])
    result = _classify_quietly(values, scheme="equal_interval", k=3, lang=lang)
    assert result.colors[0] == styles.NO_DATA
    assert result.legend[-1].label == label
    assert result.legend[-1].color == styles.NO_DATA


def test_equal_interval_bounds() -> None:
    values = pd.Series(range(1, 11), dtype=float)
    result = _classify_quietly(values, scheme="equal_interval", k=3, lang="en")
    assert result.bins == pytest.approx((4.0, 7.0, 10.0))
    _assert_consistent(values, result)


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize("scheme", ["jenks", "Quantiles", ""])
def test_unknown_scheme(scheme: str) -> None:
    with pytest.raises(ValueError, match=r"`scheme` should be one of .*got '" + scheme):
        classify(pd.Series([1, 2, 3]), scheme=scheme, lang="id")  # type: ignore[arg-type]


@pytest.mark.parametrize("k", [0, 2, 8])
def test_k_out_of_range(k: int) -> None:
    with pytest.raises(
        ValueError, match=rf"`k` should be from 3 to 7, got {k}; pick a number of classes"
    ):
        classify(pd.Series([1, 2, 3]), k=k, lang="id")


# --------------------------------------------------------------------------- colours, labels


@pytest.mark.parametrize("k", [3, 4, 5, 6, 7])
def test_colours_are_the_palette_of_k_classes(k: int) -> None:
    values = pd.Series(np.arange(0, 50, dtype=float))
    result = _classify_quietly(values, scheme="quantiles", k=k, lang="id")
    used = set(result.colors)
    assert used == {ZERO_COLOR, *styles.SEQUENTIAL[k]}
    _assert_consistent(values, result)


NUMBER_ID = r"\d{1,3}(?:\.\d{3})*,\d"
NUMBER_EN = r"\d{1,3}(?:,\d{3})*\.\d"


@pytest.mark.parametrize(("lang", "number"), [("id", NUMBER_ID), ("en", NUMBER_EN)])
def test_legend_labels_are_formatted_for_the_language(lang: str, number: str) -> None:
    values = pd.Series([1234.5, 2500.25, 4000.0, 7250.75, 10000.5, 15000.0, 0.0])
    result = _classify_quietly(values, scheme="equal_interval", k=3, lang=lang)
    labels = [item.label for item in result.legend[1:]]
    assert len(labels) == 3
    for label in labels:
        assert re.fullmatch(f"{number} – {number}", label), label
    first_low = labels[0].split(" – ")[0]
    assert first_low == ("1.234,5" if lang == "id" else "1,234.5")
    assert labels[-1].endswith("15.000,0" if lang == "id" else "15,000.0")
    # Each class starts where the previous one ended.
    for before, after in itertools.pairwise(labels):
        assert after.split(" – ")[0] == before.split(" – ")[1]


# --------------------------------------------------------------------------- the layer


def test_choropleth_fill_gives_units_their_class_colours_and_tooltips(
    located: pd.DataFrame,
) -> None:
    kabupaten = reference.load_web_layer("kabupaten")
    units = count_by_unit(filter_cases(located, CaseFilter()), kabupaten, level="kabupaten")
    shapes = choropleth_shapes(kabupaten, level="kabupaten")
    m = folium.Map()
    shapes.add_to(m)
    base = m.get_root().render()
    assert f'window["{SHAPES_GLOBAL}"] = {shapes.get_name()};' in base  # where fills find it
    assert len(shapes.data["features"]) == 14
    assert not shapes.show  # drawn when a fill puts it in its group
    fill, classes = choropleth_fill(units, column="cases", level="kabupaten", lang="en")
    fills = {code: colour for code, (colour, _tip) in fill.table.items()}
    assert fills == dict(zip(units["code"], classes.colors, strict=True))
    busiest = units.loc[units["cases"].idxmax(), "code"]
    assert fills[busiest] == styles.SEQUENTIAL[len(classes.bins)][-1]
    busiest_cells = fill.table[busiest][1]  # label, value, ... (kbTable draws the table)
    assert busiest_cells[-2:] == ["Cases", f"{int(units['cases'].max()):,}"]  # in English
    # The browser gets a colour and a tooltip per unit, never the geometry again.
    group = folium.FeatureGroup(name="choropleth")
    fill.add_to(group)
    script = fill._template.module.script(fill, {})
    assert "coordinates" not in script and SHAPES_GLOBAL in script
