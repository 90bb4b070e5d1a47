"""Data: browse the loaded records (following the filters), their validation, and exports."""

from __future__ import annotations

import streamlit as st

from dashboard import state
from dashboard.context import page_start
from dashboard.exports import export_buttons
from dashboard.filters import describe_filter
from dashboard.text import tr
from layers.tables import display_table

page = page_start("nav.data")
dataset, cases, case_filter, filtered = page.dataset, page.cases, page.case_filter, page.filtered

tab_cases, tab_crossings, tab_shelters, tab_checks = st.tabs(
    [tr("map.layer.cases"), tr("map.layer.crossings"), tr("map.layer.shelters"), tr("data.checks")]
)
lang = state.language()
with tab_cases:
    st.caption(describe_filter(case_filter, total=len(cases), shown=len(filtered)))
    if filtered.empty:
        st.info(tr("peta.no_cases"))
    st.dataframe(
        display_table(filtered, "case", lang=lang), hide_index=True, use_container_width=True
    )
    export_buttons(filtered, "cases", key="export_cases")
with tab_crossings:
    st.dataframe(
        display_table(dataset.crossings, "crossing", lang=lang),
        hide_index=True,
        use_container_width=True,
    )
    export_buttons(dataset.crossings, "crossings", key="export_crossings")
with tab_shelters:
    st.dataframe(
        display_table(dataset.shelters, "shelter", lang=lang),
        hide_index=True,
        use_container_width=True,
    )
    export_buttons(dataset.shelters, "shelters", key="export_shelters")
with tab_checks:
    for name, report in dataset.reports.items():
        st.markdown(f"**{name}.csv**")
        if report.ok and not report.warnings:
            st.success(tr("data.file_ok"))
        else:
            st.dataframe(report.to_records(lang), hide_index=True, use_container_width=True)
