"""Patroli: placeholder until its analysis lands (see the issue named on the page)."""

from __future__ import annotations

import streamlit as st

from dashboard.text import tr

st.title(tr("nav.patroli"))
st.info(tr("pending.patroli"))
