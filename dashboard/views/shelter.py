"""Shelter: how many cases and victims are within reach of a shelter, and where to add one."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import data, state
from dashboard.context import analysis_start, stop_without_cases
from dashboard.mapframe import computed, show_map, whole_map
from dashboard.tables import show_table
from dashboard.text import tr
from layers.shelter_plan import ShelterPlan


def _shelters_known(shelters: pd.DataFrame) -> None:
    if len(shelters):
        st.subheader(tr("analysis.shelters_known"))
        show_table(
            shelters,
            ["name", "operator", "capacity"],
            header_prefix="shelter",
            value_prefixes={"operator": "operator"},
        )


page, analysis_input = analysis_start("nav.shelter")
view = page.view
cases = analysis_input.cases
lang = state.language()
if view.shelters.empty:
    st.info(tr("analysis.no_shelters"))
stop_without_cases(analysis_input, known=lambda: _shelters_known(view.shelters))

left, right = st.columns(2)
radius_km = left.slider(tr("shelter_page.radius_km"), 10, 150, 50, step=5, key=state.SHELTER_RADIUS)
new_sites = right.slider(tr("shelter_page.new_sites"), 1, 10, 3, key=state.SHELTER_NEW_SITES)

# The plan and its map are kept per data, access level, filter and settings (shared).
plan_key = ("shelter_plan", page.cache_key, radius_km, new_sites)
with st.spinner(tr("shelter_page.solving")):
    plan = computed(
        plan_key,
        lambda: ShelterPlan(radius_km=radius_km, new_sites=new_sites).fit(
            cases, view.shelters, gazetteer=data.gazetteer()
        ),
    )
for line in plan.summary(lang=lang):
    st.markdown(line)

st.subheader(tr("shelter_plan.map.title"))
frame = whole_map((plan_key, lang), lambda: plan.explore(lang=lang, synthetic=view.synthetic))
show_map(frame, key=state.SHELTER_MAP, height=560, returned_objects=[])
st.subheader(tr("shelter_page.suggested"))
show_table(
    plan.suggested_,
    [
        "order",
        "code",
        "site",
        "kabupaten",
        "gain_cases",
        "gain_victims",
        "cases_covered_pct",
        "victims_covered_pct",
    ],
    header_prefix="shelter_plan.column",
)
st.subheader(tr("shelter_page.coverage"))
show_table(
    plan.coverage_,
    [
        "name",
        "cases",
        "cases_covered_pct",
        "victims",
        "victims_covered_pct",
        "cases_covered_after",
        "victims_covered_after",
        "cases_unplaced",
    ],
    header_prefix="shelter_plan.column",
)
