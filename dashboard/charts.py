"""Charts of the filtered cases (Vega-Lite specs, drawn by Streamlit), and the session's
number formats for the Altair charts of other pages."""

from __future__ import annotations

from typing import Any, Final

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import state
from dashboard.context import PageData
from dashboard.text import tr
from geodata.i18n import vega_locale

#: Counts are whole numbers: integer ticks with the locale's thousands separator.
_COUNT_AXIS: Final = {"format": ",d", "tickMinStep": 1}


def localised(chart: alt.Chart) -> alt.Chart:
    """``chart`` with the session's number and date formats (1.234 and Juni 2025 in id)."""
    return chart.configure(locale=vega_locale(state.language()))


#: Cases and victims in two colours.
_COLOR: Final = {
    "field": "measure",
    "type": "nominal",
    "title": "",
    "scale": {"range": ["#d7191c", "#fdae61"]},
}


def _long(frame: pd.DataFrame, key: str) -> list[dict[str, Any]]:
    """One row per ``key`` value and measure (all cases first, then all victims), as the
    chart's inline data; periods as ISO text."""
    measures = {"cases": tr("measure.cases"), "victims": tr("measure.victims")}
    keys = [value.isoformat() if isinstance(value, pd.Timestamp) else value for value in frame[key]]
    return [
        {key: value, "measure": label, "value": None if pd.isna(count) else int(count)}
        for column, label in measures.items()
        for value, count in zip(keys, frame[column].tolist(), strict=True)
    ]


def _spec(rows: list[dict[str, Any]], mark: dict[str, Any], encoding: dict[str, Any]) -> dict:
    """A Vega-Lite spec of inline ``rows``, 240 px high, in the session's number formats.

    Written as JSON directly (not through Altair): a filter change redraws three charts,
    and building and validating them with Altair took most of the page's rerun.
    """
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "data": {"values": rows},
        "mark": mark,
        "encoding": encoding,
        "height": 240,
        "config": {"locale": vega_locale(state.language())},
    }


def _count_tooltips() -> list[dict[str, Any]]:
    """The tooltip rows of measure and count."""
    return [
        {"field": "measure", "type": "nominal", "title": tr("charts.measure")},
        {"field": "value", "type": "quantitative", "title": tr("charts.count"), "format": ",d"},
    ]


def _time_chart(trend: pd.DataFrame, frequency: str) -> dict:
    time_unit = "yearmonth" if frequency == "month" else "year"
    when = "%B %Y" if frequency == "month" else "%Y"
    period = {"field": "period", "timeUnit": time_unit, "type": "temporal"}
    return _spec(
        _long(trend, "period"),
        {"type": "line", "point": True},
        {
            "x": {**period, "title": "", "axis": {"format": when}},
            "y": {"field": "value", "type": "quantitative", "title": "", "axis": _COUNT_AXIS},
            "color": _COLOR,
            "tooltip": [
                {**period, "title": tr("charts.period"), "format": when},
                *_count_tooltips(),
            ],
        },
    )


def _category_chart(counted: pd.DataFrame, column: str, labels: dict[str, str]) -> dict:
    counted = counted.copy()
    counted[column] = counted[column].map(lambda v: labels.get(v, v) or "–")
    return _spec(
        _long(counted, column),
        {"type": "bar"},
        {
            # Labels whole: "Kerja paksa / eksploitasi tenaga kerja" is not cut.
            "y": {
                "field": column,
                "type": "nominal",
                "title": "",
                "sort": "-x",
                "axis": {"labelLimit": 320},
            },
            "x": {"field": "value", "type": "quantitative", "title": "", "axis": _COUNT_AXIS},
            "yOffset": {"field": "measure", "type": "nominal"},
            "color": _COLOR,
            "tooltip": [
                {"field": column, "type": "nominal", "title": tr(f"charts.{column}")},
                *_count_tooltips(),
            ],
        },
    )


def case_charts(page: PageData) -> None:
    """Cases and victims over time, by type of exploitation and by destination.

    Counts come from the role's view: hidden small counts are gaps, never numbers.
    """
    if page.totals.cases == 0:
        return
    view, case_filter = page.view, page.case_filter
    st.subheader(tr("charts.title"))
    # Aggregate roles see whole years only (the data layer enforces it too).
    frequencies = ["year", "month"] if view.records_allowed else ["year"]
    if st.session_state.get(state.FREQUENCY, "year") not in frequencies:
        st.session_state[state.FREQUENCY] = "year"
    frequency = st.radio(
        tr("charts.frequency"),
        frequencies,
        key=state.FREQUENCY,
        horizontal=True,
        format_func=lambda v: tr(f"charts.{v}"),
    )
    trend = view.case_trend(
        frequency="month" if frequency == "month" else "year", case_filter=case_filter
    )
    st.vega_lite_chart(_time_chart(trend, frequency), width="stretch")
    left, right = st.columns(2)
    by_exploitation = view.case_breakdown("exploitation", case_filter=case_filter)
    labels = {v: tr(f"exploitation.{v}") for v in by_exploitation["exploitation"]}
    with left:
        st.markdown(f"**{tr('charts.by_exploitation')}**")
        st.vega_lite_chart(
            _category_chart(by_exploitation, "exploitation", labels), width="stretch"
        )
    with right:
        st.markdown(f"**{tr('charts.by_destination')}**")
        by_destination = view.case_breakdown("destination", case_filter=case_filter)
        st.vega_lite_chart(_category_chart(by_destination, "destination", {}), width="stretch")
