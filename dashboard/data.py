"""Cached access to the reference geodata (public, the same for every role).

Cases, crossings and shelters never come from here: pages get them from their role's view
(:mod:`dashboard.session`, through :mod:`geodata.access.gateway`, which keeps the data caches keyed
on data version and access level). Cached objects are shared between sessions: they hold no
per-user data, and callers must not modify them.
"""

from __future__ import annotations

from typing import Literal

import geopandas as gpd
import pandas as pd
import streamlit as st

from geodata import reference
from geodata.access import gateway


def load_report() -> gateway.DemoLoadReport:
    """Rows refused and each file's report when the demo files were loaded (demo mode)."""
    return gateway.demo_load_report()


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
