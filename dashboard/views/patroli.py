"""Patroli: which crossings to watch first, K patrol locations, and a one-page briefing."""

from __future__ import annotations

import datetime as dt
from functools import partial

import pandas as pd
import streamlit as st

from dashboard import data, state
from dashboard.context import analysis_start, stop_without_cases
from dashboard.exports import checked_download_button
from dashboard.mapframe import computed, show_map, whole_map
from dashboard.tables import show_table
from dashboard.text import tr
from geodata.access.analysis_input import busiest_kabupaten
from layers.briefing import (
    briefing_html,
    build_briefing,
    case_weeks,
    default_week,
    pdf_bytes,
    period_label,
)
from layers.patrol import PatrolPlan, has_crossings_outside, rank_crossings
from layers.periods import Period

_CROSSING_VALUES = {"kind": "crossing_kind", "status": "crossing_status", "trend": "patrol.trend"}
#: Rows rebuilt from counts sit at kecamatan centres, often far from the line: at 10 km one
#: crossing of the sample gets a case, at 30 km 37 do.
_AGGREGATE_NEAR_KM = 30


def _period(cases: pd.DataFrame, *, aggregated: bool) -> Period | None:
    """Counts per year: the last calendar year; records: ``None`` (the layers' default)."""
    if not aggregated:
        return None
    year = int(cases["date_reported"].max().year)
    return Period(dt.date(year, 1, 1), dt.date(year, 12, 31))


def _crossings_known(crossings: pd.DataFrame) -> None:
    if len(crossings):
        st.subheader(tr("analysis.crossings_known"))
        show_table(
            crossings,
            ["name", "kind", "status", "last_verified"],
            header_prefix="patrol.column",
            value_prefixes=_CROSSING_VALUES,
        )


page, analysis_input = analysis_start("nav.patroli")
view = page.view
cases, aggregated = analysis_input.cases, analysis_input.aggregated
crossings = view.crossings
lang = state.language()
if crossings.empty:
    st.info(tr("analysis.no_crossings"))
elif crossings["kind"].eq("plbn").all():
    st.info(tr("analysis.only_plbn"))
stop_without_cases(analysis_input, known=lambda: _crossings_known(crossings))
if crossings.empty:
    st.stop()
period = _period(cases, aggregated=aggregated)

if aggregated:
    st.caption(tr("analysis.patrol_near", km=_AGGREGATE_NEAR_KM))
with st.expander(tr("patrol_page.settings"), expanded=True):
    left, middle, right, last = st.columns(4)
    near_km = left.slider(
        tr("patrol_page.near_km"),
        1,
        30,
        _AGGREGATE_NEAR_KM if aggregated else 10,
        key=state.PATROL_NEAR_KM,
    )
    half_life = middle.slider(
        tr("patrol_page.half_life"), 30, 1095, 365, step=15, key=state.PATROL_HALF_LIFE
    )
    sites = right.slider(tr("patrol_page.sites"), 1, 20, 5, key=state.PATROL_SITES)
    radius_km = last.slider(tr("patrol_page.radius_km"), 5, 50, 15, key=state.PATROL_RADIUS_KM)

st.subheader(tr("patrol.title"))
# Plans and maps are kept per data, access level, filter and settings (shared by sessions).
ranking = computed(
    ("patrol_ranking", page.cache_key, period, near_km, half_life),
    lambda: rank_crossings(
        cases,
        crossings,
        period=period,
        near_km=near_km,
        half_life_days=half_life,
        gazetteer=data.gazetteer(),
    ),
)
# The distance over the border, beside each crossing's status, when any lies over it.
over_the_border = ["outside_kalbar_km"] if has_crossings_outside(ranking) else []
show_table(
    ranking,
    [
        "rank",
        "name",
        "kind",
        "status",
        *over_the_border,
        "risk_weighted_cases",
        "cases",
        "victims",
        "cases_previous",
        "change_cases",
        "trend",
        "last_verified",
        "days_since_verified",
    ],
    header_prefix="patrol.column",
    value_prefixes=_CROSSING_VALUES,
)

st.subheader(tr("patrol.map.title"))
with st.spinner(tr("patrol_page.solving")):
    plan_key = ("patrol_plan", page.cache_key, period, sites, radius_km, half_life)
    plan = computed(
        plan_key,
        lambda: PatrolPlan(sites=sites, radius_km=radius_km, half_life_days=half_life).fit(
            cases,
            crossings,
            reference_date=None if period is None else period.end,
            gazetteer=data.gazetteer(),
        ),
    )
for line in plan.summary(lang=lang, near_km=near_km):  # the ranking's radius, as chosen
    st.markdown(line)
frame = whole_map(
    (plan_key, lang),
    lambda: plan.explore(lang=lang, crossings=crossings, synthetic=view.synthetic),
)
show_map(frame, key=state.PATROL_MAP, height=560, returned_objects=[])
show_table(
    plan.sites_,
    [
        "order",
        "name",
        "kind",
        "status",
        *over_the_border,
        "gain_weighted_cases",
        "gain_pct",
        "covered_pct",
    ],
    header_prefix="patrol.column",
    value_prefixes=_CROSSING_VALUES,
)

st.subheader(tr("patrol_page.briefing"))
if aggregated:
    st.info(tr("analysis.briefing_records_only"))
    st.stop()
kabupaten = data.web_units("kabupaten")
names = dict(zip(kabupaten["code"], kabupaten["name"], strict=True))
left, right = st.columns(2)
code: str = left.selectbox(
    tr("patrol_page.kabupaten"),
    list(names),
    key=state.BRIEFING_KABUPATEN,
    format_func=lambda c: names[c],
    index=list(names).index(busiest_kabupaten(cases)),
)
# Weeks with cases, newest first (a list in the language, not Streamlit's English calendar);
# the default is the last whole week with cases.
weeks = {period.start: period for period in case_weeks(cases["date_reported"])}
if st.session_state.get(state.BRIEFING_WEEK) not in weeks:
    st.session_state[state.BRIEFING_WEEK] = default_week(cases["date_reported"]).start
monday = right.selectbox(
    tr("patrol_page.week"),
    list(weeks),
    key=state.BRIEFING_WEEK,
    format_func=lambda start: period_label(weeks[start], lang),
    placeholder=tr("common.choose"),
)
year, week, _ = (monday or default_week(cases["date_reported"]).start).isocalendar()
if st.button(tr("patrol_page.make_briefing"), key=state.BRIEFING_MAKE):
    with st.spinner(tr("patrol_page.making")):
        briefing = build_briefing(
            cases,
            crossings,
            kabupaten=code,
            period=Period.iso_week(f"{year}-W{week:02d}"),
            lang=lang,
            synthetic=view.synthetic,
            gazetteer=data.gazetteer(),
        )
        st.session_state[state.BRIEFING_HTML] = briefing_html(briefing)
        st.session_state[state.BRIEFING_NAME] = f"brifing-{code}-{year}-W{week:02d}"
html: str = st.session_state.get(state.BRIEFING_HTML, "")
if html:
    name = st.session_state[state.BRIEFING_NAME]
    left, right = st.columns(2)
    # Made on click, and only for a live session at the level the page was drawn for.
    checked_download_button(
        tr("patrol_page.download_html"),
        html.encode,
        file_name=f"{name}.html",
        mime="text/html",
        key=state.BRIEFING_HTML_DOWNLOAD,
        container=left,
        drawn_level=view.level,
    )
    checked_download_button(
        tr("patrol_page.download_pdf"),
        partial(pdf_bytes, html),
        file_name=f"{name}.pdf",
        mime="application/pdf",
        key=state.BRIEFING_PDF_DOWNLOAD,
        container=right,
        drawn_level=view.level,
    )
    st.iframe(html, height=900, alt=tr("patrol_page.briefing"))
