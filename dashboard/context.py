"""What every case page starts with: the dataset, the sidebar filters and the data notices."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import streamlit as st

from dashboard import data
from dashboard.filters import case_filter_sidebar
from dashboard.text import num, tr
from geodata.datasets import Dataset
from layers.cases import CaseFilter, filter_cases


@dataclass(frozen=True)
class PageData:
    """The dataset, its located cases, the user's filter and the cases that match it."""

    dataset: Dataset
    cases: gpd.GeoDataFrame
    case_filter: CaseFilter
    filtered: gpd.GeoDataFrame


def page_start(title_key: str) -> PageData:
    """Draw the sidebar filters, the title and the data notices; return the page's data.

    Demo data is labelled "DATA CONTOH / SAMPLE DATA"; rejected rows are announced.
    """
    dataset = data.dataset()
    cases = data.located_cases(dataset.version, dataset)
    case_filter = case_filter_sidebar(cases)
    st.title(tr(title_key))
    if dataset.synthetic:
        st.warning(f"**{tr('common.sample_data')}** — {tr('common.sample_data_note')}")
    if dataset.rejected_rows:
        st.error(tr("common.rows_rejected", count=num(dataset.rejected_rows)))
    return PageData(dataset, cases, case_filter, filter_cases(cases, case_filter))
