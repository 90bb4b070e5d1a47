"""What every page starts with: who is there, the view their role allows, the filters, notices."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import geopandas as gpd
import streamlit as st

from dashboard import data, session, state
from dashboard.filters import case_filter_sidebar
from dashboard.text import num, tr
from geodata.access import RoleView, Totals
from geodata.access.analysis_input import analysis_cases
from geodata.access.auth import User
from geodata.records.cases import CaseFilter


@dataclass(frozen=True)
class AnalysisInput:
    """Case rows for an analysis page and whether they were rebuilt from published counts."""

    cases: gpd.GeoDataFrame
    aggregated: bool


@dataclass(frozen=True)
class PageData:
    """Who is there (None in demo mode), the role's view of the data, the user's filter, the
    filtered totals and the language."""

    user: User | None
    view: RoleView
    case_filter: CaseFilter
    totals: Totals
    lang: str

    @property
    def cache_key(self) -> tuple[object, ...]:
        """What every result drawn from this page's data depends on: demo or store, the data
        version, the access level, the case filter and the language (the view's generalised
        shelter names are in it) (for :mod:`dashboard.mapframe`)."""
        return (self.view.demo, self.view.version, self.view.level, self.case_filter, self.lang)

    def analysis(self) -> AnalysisInput:
        """Case rows for the analysis pages, for every role (:mod:`geodata.access.analysis_input`).

        Roles that see counts only get rows rebuilt from the published counts per kecamatan
        and year, and a notice saying so.
        """
        cases = analysis_cases(self.view, case_filter=self.case_filter)
        aggregated = not self.view.records_allowed
        if aggregated:
            st.info(tr("analysis.aggregated"))
        return AnalysisInput(cases, aggregated)


def page_start(title_key: str) -> PageData:
    """Log in if needed, draw the filters, the title and the data notices; return the data.

    Demo data is labelled "DATA CONTOH / SAMPLE DATA"; rejected rows are announced; small
    counts are explained where the role sees them hidden.
    """
    user = session.current_user()
    session.logout_button(user)
    view = session.role_view(user)
    case_filter = case_filter_sidebar(view.filter_options())
    st.title(tr(title_key))
    if view.synthetic:
        st.warning(f"**{tr('common.sample_data')}** — {tr('common.sample_data_note')}")
    if user is None and data.load_report().rejected_rows:
        st.error(tr("common.rows_rejected", count=num(data.load_report().rejected_rows)))
    if not view.records_allowed:
        st.caption(tr("access.suppressed_note", below=view.threshold - 1, threshold=view.threshold))
    totals = view.case_totals(case_filter=case_filter)
    return PageData(user, view, case_filter, totals, state.language())


def analysis_start(title_key: str) -> tuple[PageData, AnalysisInput]:
    """What every analysis page starts with: :func:`page_start`, then its case rows."""
    page = page_start(title_key)
    return page, page.analysis()


def stop_without_cases(analysis: AnalysisInput, *, known: Callable[[], None] | None = None) -> None:
    """Without case rows, say so, show what is known instead (``known``) and stop the page."""
    if analysis.cases.empty:
        st.info(tr("analysis.no_cases"))
        if known is not None:
            known()
        st.stop()
