"""Data: browse what the role may see (following the filters), file checks, and exports.

While the store lacks crossings, shelters or cases, an administrator sees the first-run guide
(three import steps with templates) above the tabs, and each empty tab says what to import.
"""

from __future__ import annotations

import streamlit as st

from dashboard import data, session, state
from dashboard.context import page_start
from dashboard.editor import record_editor, restore_section
from dashboard.exports import export_buttons
from dashboard.filters import describe_filter
from dashboard.guide import first_run_guide, held
from dashboard.manage import admin_section, crossing_section, import_section
from dashboard.population import population_section
from dashboard.tables import show_dataframe
from dashboard.text import count_text, tr
from layers.tables import display_table, suppressed_counts_table

page = page_start("nav.data")
view, case_filter = page.view, page.case_filter
lang = state.language()
user = session.current_user()
stored = held(view)
first_run_guide(user, view, lang=lang)

tab_cases, tab_crossings, tab_shelters, tab_checks, tab_manage = st.tabs(
    [
        tr("map.layer.cases"),
        tr("map.layer.crossings"),
        tr("map.layer.shelters"),
        tr("data.checks"),
        tr("manage.tab"),
    ]
)
with tab_cases:
    shown = count_text(page.totals.cases, page.totals.cases_label)
    st.caption(describe_filter(case_filter, total=view.filter_options().total, shown=shown))
    if stored["cases"] == 0 and not view.demo:
        st.info(tr("data.no_cases_stored"))
    elif page.totals.cases == 0:
        st.info(tr("peta.no_cases"))
    if view.records_allowed:
        table = display_table(view.cases(case_filter=case_filter), "case", lang=lang)
    else:
        st.caption(tr("data.counts_only"))
        counts = view.case_counts(
            data.web_units("kabupaten"), level="kabupaten", case_filter=case_filter
        )
        table = suppressed_counts_table(counts, lang=lang)
    show_dataframe(table)
    export_buttons(
        view,
        "cases",
        key=state.EXPORT_CASES,
        case_filter=case_filter,
        disabled=page.totals.cases == 0,
    )
with tab_crossings:
    if stored["crossings"] == 0 and not view.demo:
        st.info(tr("data.no_crossings"))
    show_dataframe(
        display_table(view.crossings, "crossing", lang=lang),
    )
    export_buttons(view, "crossings", key=state.EXPORT_CROSSINGS)
with tab_shelters:
    if stored["shelters"] == 0 and not view.demo:
        st.info(tr("data.no_shelters"))
    show_dataframe(
        display_table(view.shelters, "shelter", lang=lang),
    )
    export_buttons(view, "shelters", key=state.EXPORT_SHELTERS)
with tab_checks:
    if not view.demo:
        st.caption(tr("data.checks_store"))
    for name, report in data.load_report().reports.items() if view.demo else []:
        st.markdown(f"**{name}.csv**")
        if report.ok and not report.warnings:
            st.success(tr("data.file_ok"))
        else:
            show_dataframe(report.to_records(lang))
with tab_manage:
    import_section(user)
    population_section(user, view)
    if user is not None:
        record_editor(user)
        crossing_section(user)
        admin_section(user)
        restore_section(user)
