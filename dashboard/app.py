"""Entry point: ``streamlit run dashboard/app.py``. Language switch and the list of pages."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

# Streamlit puts this file's folder on sys.path; the packages live one level up.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import streamlit as st

from dashboard import state
from dashboard.chrome import streamlit_texts_in_language
from dashboard.text import tr

log = logging.getLogger("dashboard")
LANGUAGE_NAMES = {"id": "Bahasa Indonesia", "en": "English"}

st.set_page_config(
    page_title="Kalbar TPPO", page_icon=str(Path(__file__).with_name("favicon.png")), layout="wide"
)
state.restore_from_url()
state.keep_values_across_pages()
# Streamlit's own English texts: hidden, or shown in the language (chrome.py).
streamlit_texts_in_language()
with st.sidebar:
    st.radio(
        "Bahasa / Language",
        list(LANGUAGE_NAMES),
        key=state.LANG,
        horizontal=True,
        format_func=LANGUAGE_NAMES.get,
        on_change=state.keep_choices_on_language_switch,
    )
pages = [
    # The default page lives at "/"; Streamlit does not answer its url_path, so a hidden
    # second entry of the same page answers "/peta" (shared links) instead of "Page not found".
    st.Page(
        "views/peta.py", title=tr("nav.peta"), icon=":material/map:", url_path="home", default=True
    ),
    st.Page(
        "views/peta.py",
        title=tr("nav.peta"),
        icon=":material/map:",
        url_path="peta",
        visibility="hidden",
    ),
    st.Page(
        "views/risiko.py", title=tr("nav.risiko"), icon=":material/warning:", url_path="risiko"
    ),
    st.Page(
        "views/patroli.py",
        title=tr("nav.patroli"),
        icon=":material/local_police:",
        url_path="patroli",
    ),
    st.Page(
        "views/shelter.py", title=tr("nav.shelter"), icon=":material/home:", url_path="shelter"
    ),
    st.Page("views/data.py", title=tr("nav.data"), icon=":material/table:", url_path="data"),
    st.Page(
        "views/tentang.py", title=tr("nav.tentang"), icon=":material/info:", url_path="tentang"
    ),
]
try:
    st.navigation(pages).run()
except Exception:  # Streamlit's rerun/stop signals are BaseExceptions and pass through.
    log.exception("A page failed")
    st.error(tr("common.unexpected_error"))
