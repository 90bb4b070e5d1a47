"""Charts of the filtered cases (Altair, drawn by Streamlit's native Vega-Lite)."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import state
from dashboard.text import tr
from layers.trends import cases_by, cases_over_time

_COLORS = alt.Scale(range=["#d7191c", "#fdae61"])


def _long(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    long = frame.melt(id_vars=key, value_vars=["cases", "victims"], var_name="measure")
    long["measure"] = long["measure"].map(
        {"cases": tr("measure.cases"), "victims": tr("measure.victims")}
    )
    return long


def _time_chart(cases: pd.DataFrame, frequency: str) -> alt.Chart:
    trend = cases_over_time(cases, frequency="month" if frequency == "month" else "year")
    time_unit = "yearmonth" if frequency == "month" else "year"
    return (
        alt.Chart(_long(trend, "period"))
        .mark_line(point=True)
        .encode(
            x=alt.X(f"{time_unit}(period):T", title=""),
            y=alt.Y("value:Q", title=""),
            color=alt.Color("measure:N", title="", scale=_COLORS),
            tooltip=[alt.Tooltip(f"{time_unit}(period):T", title=""), "measure:N", "value:Q"],
        )
        .properties(height=240)
    )


def _category_chart(cases: pd.DataFrame, column: str, labels: dict[str, str]) -> alt.Chart:
    counted = cases_by(cases, column)
    counted[column] = counted[column].map(lambda v: labels.get(v, v) or "–")
    return (
        alt.Chart(_long(counted, column))
        .mark_bar()
        .encode(
            y=alt.Y(f"{column}:N", title="", sort="-x"),
            x=alt.X("value:Q", title=""),
            yOffset="measure:N",
            color=alt.Color("measure:N", title="", scale=_COLORS),
            tooltip=[f"{column}:N", "measure:N", "value:Q"],
        )
        .properties(height=240)
    )


def case_charts(cases: pd.DataFrame) -> None:
    """Cases and victims over time, by type of exploitation and by destination."""
    if cases.empty:
        return
    st.subheader(tr("charts.title"))
    frequency = st.radio(
        tr("charts.frequency"),
        ["year", "month"],
        key=state.FREQUENCY,
        horizontal=True,
        format_func=lambda v: tr(f"charts.{v}"),
    )
    st.altair_chart(_time_chart(cases, frequency), use_container_width=True)
    left, right = st.columns(2)
    exploitation = {v: tr(f"exploitation.{v}") for v in cases["exploitation"].unique()}
    with left:
        st.markdown(f"**{tr('charts.by_exploitation')}**")
        st.altair_chart(
            _category_chart(cases, "exploitation", exploitation), use_container_width=True
        )
    with right:
        st.markdown(f"**{tr('charts.by_destination')}**")
        st.altair_chart(_category_chart(cases, "destination", {}), use_container_width=True)
