"""Charts of the filtered cases (Altair, drawn by Streamlit's native Vega-Lite)."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import state
from dashboard.context import PageData
from dashboard.text import tr
from geodata.i18n import vega_locale

_COLORS = alt.Scale(range=["#d7191c", "#fdae61"])
#: Counts are whole numbers: integer ticks with the locale's thousands separator.
_COUNT_AXIS = alt.Axis(format=",d", tickMinStep=1)


def localised(chart: alt.Chart) -> alt.Chart:
    """``chart`` with the session's number and date formats (1.234 and Juni 2025 in id)."""
    return chart.configure(locale=vega_locale(state.language()))


def _long(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    long = frame.melt(id_vars=key, value_vars=["cases", "victims"], var_name="measure")
    long["measure"] = long["measure"].map(
        {"cases": tr("measure.cases"), "victims": tr("measure.victims")}
    )
    return long


def _time_chart(trend: pd.DataFrame, frequency: str) -> alt.Chart:
    time_unit = "yearmonth" if frequency == "month" else "year"
    when = "%B %Y" if frequency == "month" else "%Y"
    return localised(
        alt.Chart(_long(trend, "period"))
        .mark_line(point=True)
        .encode(
            x=alt.X(f"{time_unit}(period):T", title="", axis=alt.Axis(format=when)),
            y=alt.Y("value:Q", title="", axis=_COUNT_AXIS),
            color=alt.Color("measure:N", title="", scale=_COLORS),
            tooltip=[
                alt.Tooltip(f"{time_unit}(period):T", title=tr("charts.period"), format=when),
                alt.Tooltip("measure:N", title=tr("charts.measure")),
                alt.Tooltip("value:Q", title=tr("charts.count"), format=",d"),
            ],
        )
        .properties(height=240)
    )


def _category_chart(counted: pd.DataFrame, column: str, labels: dict[str, str]) -> alt.Chart:
    counted = counted.copy()
    counted[column] = counted[column].map(lambda v: labels.get(v, v) or "–")
    return localised(
        alt.Chart(_long(counted, column))
        .mark_bar()
        .encode(
            # Labels whole: "Kerja paksa / eksploitasi tenaga kerja" is not cut.
            y=alt.Y(f"{column}:N", title="", sort="-x", axis=alt.Axis(labelLimit=320)),
            x=alt.X("value:Q", title="", axis=_COUNT_AXIS),
            yOffset="measure:N",
            color=alt.Color("measure:N", title="", scale=_COLORS),
            tooltip=[
                alt.Tooltip(f"{column}:N", title=tr(f"charts.{column}")),
                alt.Tooltip("measure:N", title=tr("charts.measure")),
                alt.Tooltip("value:Q", title=tr("charts.count"), format=",d"),
            ],
        )
        .properties(height=240)
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
    st.altair_chart(_time_chart(trend, frequency), width="stretch")
    left, right = st.columns(2)
    by_exploitation = view.case_breakdown("exploitation", case_filter=case_filter)
    labels = {v: tr(f"exploitation.{v}") for v in by_exploitation["exploitation"]}
    with left:
        st.markdown(f"**{tr('charts.by_exploitation')}**")
        st.altair_chart(_category_chart(by_exploitation, "exploitation", labels), width="stretch")
    with right:
        st.markdown(f"**{tr('charts.by_destination')}**")
        by_destination = view.case_breakdown("destination", case_filter=case_filter)
        st.altair_chart(_category_chart(by_destination, "destination", {}), width="stretch")
