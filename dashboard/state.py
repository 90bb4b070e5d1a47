"""Session-state keys in one place, and the view state mirrored in the URL query.

Every widget has an explicit key from here, so tests can drive it; the keys in
``URL_KEYS`` are written to ``st.query_params`` on every run and read back when a session
starts, so a shared link reopens the same view. A malformed value in a link is ignored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Final

import streamlit as st

from geodata.settings import DEFAULT_LANGUAGE, LANGUAGES

LANG: Final = "lang"
LEVEL: Final = "level"
MEASURE: Final = "measure"
SCHEME: Final = "scheme"
CLASSES: Final = "classes"
CASE_MODE: Final = "case_mode"
BASEMAP: Final = "basemap"
TILE_URL: Final = "tile_url"
DATES: Final = "dates"
#: Year range of the aggregate roles' filter (mirrored in the URL through DATES).
YEARS: Final = "f_years"
#: Quick period choice (latest year, previous year, last 12 months, all); sets DATES/YEARS.
QUICK_PERIOD: Final = "quick_period"
EXPLOITATION: Final = "f_exploitation"
SEXES: Final = "f_sexes"
AGES: Final = "f_ages"
DESTINATIONS: Final = "f_destinations"
STATUSES: Final = "f_statuses"
CROSSING_TYPES: Final = "f_crossing_types"
SOURCES: Final = "f_sources"
SELECTED: Final = "selected"
FREQUENCY: Final = "frequency"
MAP: Final = "map"
LAST_CLICK: Final = "_last_click"
URL_RESTORED: Final = "_url_restored"


def _dates_to_text(value: object) -> str:
    if isinstance(value, tuple | list) and len(value) == 2:
        return f"{value[0].isoformat()}..{value[1].isoformat()}"
    return ""


def _dates_from_text(text: str) -> tuple[dt.date, dt.date]:
    start, end = text.split("..")
    return dt.date.fromisoformat(start), dt.date.fromisoformat(end)


def _list_to_text(value: object) -> str:
    return ",".join(str(item) for item in value) if isinstance(value, list | tuple) else ""


def _list_from_text(text: str) -> list[str]:
    return [item for item in text.split(",") if item]


#: Keys mirrored in the URL, with how each is written and read.
URL_KEYS: Final[dict[str, tuple[Callable[[object], str], Callable[[str], object]]]] = {
    LANG: (str, str),
    LEVEL: (str, str),
    MEASURE: (str, str),
    SCHEME: (str, str),
    CLASSES: (str, int),
    CASE_MODE: (str, str),
    BASEMAP: (str, str),
    SELECTED: (str, str),
    DATES: (_dates_to_text, _dates_from_text),
    **{
        key: (_list_to_text, _list_from_text)
        for key in (EXPLOITATION, SEXES, AGES, DESTINATIONS, STATUSES, CROSSING_TYPES, SOURCES)
    },
}


#: Widgets whose options are shown translated: Streamlit sends their old-language label back
#: as the value after a language switch, so their values are set again when it happens.
LABELLED_WIDGETS: Final = (
    LEVEL, MEASURE, SCHEME, CASE_MODE, BASEMAP, SELECTED, FREQUENCY,
    "risk_level", "risk_kabupaten", "risk_view", "risk_explain", "hot_column",
    "briefing_kabupaten", "briefing_week", "backtest_cutoff", "mark_on", "import_kind",
    "edit_kind", "mark_crossing", "mark_status",
)  # fmt: skip


def keep_choices_on_language_switch() -> None:
    """``on_change`` of the language switch: keep every labelled widget's value."""
    for key in LABELLED_WIDGETS:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def restore_from_url() -> None:
    """Once per session, put the view state found in the URL query into session state."""
    if st.session_state.get(URL_RESTORED):
        return
    st.session_state[URL_RESTORED] = True
    for key, (_, read) in URL_KEYS.items():
        if key in st.query_params:
            try:
                st.session_state[key] = read(st.query_params[key])
            except (ValueError, TypeError):
                continue  # a malformed link parameter is ignored, the default stays


def save_to_url() -> None:
    """Write the current view state to the URL query (only keys that have a value)."""
    query = {}
    for key, (write, _) in URL_KEYS.items():
        value = st.session_state.get(key)
        if value is None or value == "":
            continue
        text = write(value)
        if text:
            query[key] = text
    if dict(st.query_params) != query:
        st.query_params.from_dict(query)


def language() -> str:
    """The interface language of this session (Indonesian unless the user chose English)."""
    lang = st.session_state.get(LANG, DEFAULT_LANGUAGE)
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE
