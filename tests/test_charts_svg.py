"""The SVG case charts: counts in the language's formats, hidden counts as gaps, labels escaped."""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET

import pandas as pd
import pytest

from geodata.access import gateway, view_for
from geodata.i18n import t
from geodata.records.cases import CaseFilter
from layers.charts import MEASURE_COLOURS, category_svg, trend_svg

SVG = "{http://www.w3.org/2000/svg}"


def _parsed(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # well-formed XML, or this raises


def _texts(root: ET.Element) -> list[str]:
    return [el.text or "" for el in root.iter(f"{SVG}text")]


def _trend(
    cases: list[int | None], victims: list[int | None], months: bool = False
) -> pd.DataFrame:
    start = "2024-06-01" if months else "2020-01-01"
    periods = pd.date_range(start, periods=len(cases), freq="MS" if months else "YS")
    return pd.DataFrame({"period": periods, "cases": cases, "victims": victims})


def test_counts_and_axis_are_in_the_languages_number_format() -> None:
    trend = _trend([1234, 80, 5], [2500, 100, 9])
    indonesian = _texts(_parsed(trend_svg(trend, frequency="year", lang="id")))
    english = _texts(_parsed(trend_svg(trend, frequency="year", lang="en")))
    assert "2.500" in indonesian and "2,500" in english  # the axis top: the largest count
    assert {"2020", "2021", "2022"} <= set(indonesian)
    assert {t("measure.cases", "id"), t("measure.victims", "id")} <= set(indonesian)
    assert {t("measure.cases", "en"), t("measure.victims", "en")} <= set(english)
    tips = [
        el.text for el in _parsed(trend_svg(trend, frequency="year", lang="id")).iter(f"{SVG}title")
    ]
    assert f"2020 · {t('measure.cases', 'id')}: 1.234" in tips


def test_month_labels_are_in_the_language() -> None:
    trend = _trend([3, 4, 5], [3, 4, 5], months=True)
    assert "Agu 2024" in _texts(_parsed(trend_svg(trend, frequency="month", lang="id")))
    assert "Aug 2024" in _texts(_parsed(trend_svg(trend, frequency="month", lang="en")))


def test_a_hidden_count_is_a_gap_not_a_number() -> None:
    trend = _trend([5, None, 7, 8], [6, None, 9, 10])
    root = _parsed(trend_svg(trend, frequency="year", lang="id"))
    circles = list(root.iter(f"{SVG}circle"))
    assert len(circles) == 6  # two measures x three known years
    lines = [el for el in root.iter(f"{SVG}polyline")]
    # Each measure: 2020 alone (no line), then 2022-2023: one line each, none through 2021.
    assert len(lines) == 2
    assert all(len(el.get("points", "").split()) == 2 for el in lines)
    assert not any("2021" in (el.text or "") for el in root.iter(f"{SVG}title"))


def test_bars_keep_the_order_and_scale_and_escape_labels() -> None:
    counted = pd.DataFrame(
        {
            "destination": ["<b>Kuching</b>", "MY", None],
            "cases": [10, 5, 0],
            "victims": [20, None, 0],
        }
    )
    svg = category_svg(counted, "destination", {"MY": "Malaysia"}, title="Tujuan", lang="id")
    assert "<b>" not in svg and "&lt;b&gt;Kuching&lt;/b&gt;" in svg
    root = _parsed(svg)
    labels = [el.text for el in root.iter(f"{SVG}text") if el.get("text-anchor") == "end"]
    assert labels == ["<b>Kuching</b>", "Malaysia", "–"]
    widths = {
        (el.get("fill"), round(float(el.get("y", 0)))): float(el.get("width", 0))
        for el in root.iter(f"{SVG}rect")
        if el.get("height") == "11"
    }
    cases = [
        w
        for (fill, _), w in sorted(widths.items(), key=lambda kv: kv[0][1])
        if fill == MEASURE_COLOURS["cases"]
    ]
    assert cases[0] == pytest.approx(2 * cases[1]) and cases[2] == 0
    victims = [
        w
        for (fill, _), w in sorted(widths.items(), key=lambda kv: kv[0][1])
        if fill == MEASURE_COLOURS["victims"]
    ]
    assert victims[0] > 0 and victims[1] == 0  # the hidden count draws no bar ...
    assert f"Malaysia · {t('measure.victims', 'id')}: –" in [
        el.text for el in root.iter(f"{SVG}title")
    ]  # ... and says so


def test_a_viewers_published_trend_draws_only_published_numbers() -> None:
    """On the committed sample's viewer view, every number in the chart is a published one."""
    dataset, located = gateway._demo_dataset()
    view = view_for("viewer", dataset, located=located)
    assert view.level == "aggregates"
    trend = view.case_trend(case_filter=CaseFilter())
    svg = trend_svg(trend, frequency="year", lang="id")
    tips = [el.text or "" for el in _parsed(svg).iter(f"{SVG}title")]
    found = [re.search(r": ([\d.]+)$", tip) for tip in tips]
    shown = {int(m.group(1).replace(".", "")) for m in found if m}
    published = set(trend["cases"].dropna().astype(int)) | set(
        trend["victims"].dropna().astype(int)
    )
    assert shown and shown <= published


def test_markdown_passes_a_chart_through_untouched() -> None:
    """The page shows a chart with ``st.markdown``: an imported name with Markdown in it (and
    a blank line) must stay plain text, not become emphasis, maths or a second paragraph."""
    from markdown_it import MarkdownIt

    name = "*Sara_wak* $x$ :red[y]\n\n[z](javascript:alert(1))"
    counted = pd.DataFrame({"destination": [name], "cases": [3], "victims": [4]})
    bars = category_svg(counted, "destination", {}, title="Tujuan", lang="id")
    for svg in (bars, trend_svg(_trend([3], [4]), frequency="year", lang="id")):
        assert "\n" not in svg
        assert MarkdownIt("commonmark").render(svg) == svg  # an HTML block, as it is
    titles = [el.text or "" for el in _parsed(bars).iter(f"{SVG}title")]
    assert "*Sara_wak* $x$ :red[y] [z](javascript:alert(1))" in titles


def test_a_narrow_trend_is_drawn_at_its_width_so_its_text_keeps_its_size() -> None:
    """The unit panel's column is about 480 px wide: a 900-px drawing there had 5-px text."""
    trend = pd.DataFrame({"period": pd.to_datetime(["2024-01-01", "2025-01-01"]),
                          "cases": [4, 7], "victims": [9, 12]})  # fmt: skip
    narrow = _parsed(trend_svg(trend, frequency="year", lang="id", width=480))
    assert narrow.find(f"{SVG}svg").get("viewBox") == "0 0 480 240"
    xs = [float(el.get("x")) for el in narrow.iter(f"{SVG}text") if el.text == "2025"]
    assert xs and max(xs) <= 480 - 12  # the last year's label inside the narrow plot


def test_a_narrow_trend_of_many_years_keeps_its_labels_apart() -> None:
    years = pd.date_range("2000-01-01", periods=26, freq="YS")
    trend = pd.DataFrame({"period": years, "cases": range(26), "victims": range(26)})
    root = _parsed(trend_svg(trend, frequency="year", lang="id", width=480))
    xs = sorted(float(el.get("x")) for el in root.iter(f"{SVG}text") if str(el.text).isdigit()
                and len(str(el.text)) == 4)  # fmt: skip
    assert xs and "2025" in _texts(root)
    assert min(b - a for a, b in itertools.pairwise(xs)) >= 40
