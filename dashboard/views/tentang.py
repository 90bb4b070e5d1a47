"""Tentang: what the dashboard shows, how the geodata was made, and the sources."""

from __future__ import annotations

import json

import streamlit as st

from dashboard import session
from dashboard.text import num, tr
from geodata.settings import BUILD_REPORT
from layers.risk import DEFAULT_WEIGHTS

report = json.loads(BUILD_REPORT.read_text(encoding="utf-8"))
features = report["features"]

user = session.current_user()
session.logout_button(user)
st.title(tr("nav.tentang"))
st.markdown(tr("tentang.purpose"))
if session.role_view(user).synthetic:
    st.warning(f"**{tr('common.sample_data')}** — {tr('tentang.synthetic')}")

st.header(tr("tentang.geodata_title"))
st.markdown(
    tr(
        "tentang.geodata",
        kabupaten=num(features["kabupaten"]),
        kecamatan=num(features["kecamatan"]),
        desa=num(features["desa"]),
        codes=num(report["gazetteer_codes"]),
        no_geometry=num(report["desa_without_geometry"]),
        overlap=num(report["overlap_removed_km2"]["kecamatan"], digits=1),
        border=num(report["border_length_km"], digits=1),
        official=num(report["official_border_length_km"]),
    )
)
st.header(tr("tentang.method_title"))
st.markdown(tr("tentang.method"))
st.header(tr("tentang.risk_title"))
st.markdown(tr("tentang.risk"))
st.markdown(
    "\n".join(
        f"- {tr(f'indicator.{name}')}: **{num(weight * 100)} %**"
        for name, weight in DEFAULT_WEIGHTS.items()
    )
)
st.header(tr("tentang.sources_title"))
st.markdown(tr("tentang.sources"))
st.header(tr("tentang.privacy_title"))
st.markdown(tr("tentang.privacy"))
