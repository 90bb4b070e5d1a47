"""Charts of the filtered cases (inline SVG from :mod:`layers.charts`), and the session's
number formats for the Altair charts of the analysis pages."""

from __future__ import annotations

import altair as alt
import streamlit as st

from dashboard import state
from dashboard.context import PageData
from dashboard.text import num, tr
from geodata.access import MIN_BREAKDOWN_CASES
from geodata.i18n import destination_text, vega_locale
from geodata.records.trends import Frequency
from layers.charts import category_svg, trend_svg


def localised(chart: alt.Chart) -> alt.Chart:
    """``chart`` with the session's number and date formats (1.234 and Juni 2025 in id)."""
    return chart.configure(locale=vega_locale(state.language()))


def case_charts(page: PageData) -> None:
    """Cases and victims over time, by type of exploitation and by destination.

    Counts come from the role's view: published values only (a viewer's are perturbed).
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
    lang = state.language()
    period: Frequency = "month" if frequency == "month" else "year"
    trend = view.case_trend(frequency=period, case_filter=case_filter)
    st.markdown(trend_svg(trend, frequency=period, lang=lang), unsafe_allow_html=True)
    by_exploitation = view.case_breakdown("exploitation", case_filter=case_filter)
    by_destination = view.case_breakdown("destination", case_filter=case_filter)
    if not view.records_allowed:  # the data layer gives these roles all years' only
        if by_exploitation.empty and by_destination.empty:
            st.caption(tr("charts.breakdown_withheld", cases=num(MIN_BREAKDOWN_CASES)))
            return
        st.caption(tr("charts.breakdown_all_years"))
    left, right = st.columns(2)
    labels = {v: tr(f"exploitation.{v}") for v in by_exploitation["exploitation"]}
    with left:
        title = tr("charts.by_exploitation")
        st.markdown(f"**{title}**")
        st.markdown(
            category_svg(by_exploitation, "exploitation", labels, title=title, lang=lang),
            unsafe_allow_html=True,
        )
    destinations = {v: destination_text(v, lang) for v in by_destination["destination"]}
    with right:
        title = tr("charts.by_destination")
        st.markdown(f"**{title}**")
        st.markdown(
            category_svg(by_destination, "destination", destinations, title=title, lang=lang),
            unsafe_allow_html=True,
        )
