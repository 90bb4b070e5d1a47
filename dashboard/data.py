"""Cached access to the reference geodata and the loaded dataset.

Caches are keyed on a data version string, never on hashing large frames
(``st.cache_data`` hashes frames of 50,000+ rows from a sample, so a changed frame could
return a stale result). Cached objects are shared between sessions: they hold no
per-user data, and callers must not modify them.
"""

from __future__ import annotations

from typing import Literal

import geopandas as gpd
import pandas as pd
import streamlit as st

from geodata import reference
from geodata.datasets import Dataset, load_configured
from layers.cases import destination_label, locate_cases


@st.cache_resource(show_spinner=False)
def dataset() -> Dataset:
    """The dataset the app shows: the synthetic sample unless configured (validated once)."""
    return load_configured()


@st.cache_resource(show_spinner=False)
def desa_units() -> gpd.GeoDataFrame:
    """The full-resolution desa coverage (for placing cases)."""
    return reference.load_units("desa")


@st.cache_resource(show_spinner=False)
def located_cases(version: str, _dataset: Dataset) -> gpd.GeoDataFrame:
    """Cases of dataset ``version`` with their unit codes and destination label."""
    cases = locate_cases(_dataset.cases, desa_units())
    cases["destination"] = destination_label(cases)
    return cases


@st.cache_resource(show_spinner=False)
def web_units(level: Literal["kabupaten", "kecamatan"]) -> gpd.GeoDataFrame:
    """Simplified kabupaten or kecamatan for the map (desa come per kabupaten)."""
    return reference.load_web_layer(level)


@st.cache_resource(show_spinner=False)
def web_desa(kabupaten_code: str) -> gpd.GeoDataFrame:
    """Simplified desa of one kabupaten."""
    return reference.load_web_desa(kabupaten_code)


@st.cache_resource(show_spinner=False)
def context_layers() -> dict[str, gpd.GeoDataFrame]:
    """Sarawak districts and the border line, simplified for the map."""
    return {
        "sarawak": reference.load_web_layer("sarawak"),
        "border": reference.load_web_layer("border"),
    }


@st.cache_resource(show_spinner=False)
def gazetteer() -> pd.DataFrame:
    """All Kalbar codes and names."""
    return reference.load_gazetteer()
