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

_LABELLED: list[str] = []


def _widget(key: str, *, labelled: bool = False) -> str:
    """Declare a widget key; ``labelled`` marks a widget whose options are shown translated
    (through ``format_func``), which :data:`LABELLED_WIDGETS` is made from."""
    if labelled:
        _LABELLED.append(key)
    return key


# Sidebar and map page (see URL_KEYS for those mirrored in the URL).
LANG: Final = _widget("lang")
LEVEL: Final = _widget("level", labelled=True)
MEASURE: Final = _widget("measure", labelled=True)
SCHEME: Final = _widget("scheme", labelled=True)
CLASSES: Final = _widget("classes")
CASE_MODE: Final = _widget("case_mode", labelled=True)
BASEMAP: Final = _widget("basemap", labelled=True)
TILE_URL: Final = _widget("tile_url")
#: Start and end of the records roles' period, typed as dd/mm/yyyy; they set DATES.
DATE_FROM: Final = _widget("date_from")
DATE_TO: Final = _widget("date_to")
#: Year range of the aggregate roles' filter (mirrored in the URL through DATES).
YEARS: Final = _widget("f_years")
#: Quick period choice (latest year, previous year, last 12 months, all); sets DATES/YEARS
#: and shows which one the current period is.
QUICK_PERIOD: Final = _widget("quick_period", labelled=True)
EXPLOITATION: Final = _widget("f_exploitation")
SEXES: Final = _widget("f_sexes")
AGES: Final = _widget("f_ages")
DESTINATIONS: Final = _widget("f_destinations")
STATUSES: Final = _widget("f_statuses")
CROSSING_TYPES: Final = _widget("f_crossing_types")
SOURCES: Final = _widget("f_sources")
SELECTED: Final = _widget("selected", labelled=True)
FREQUENCY: Final = _widget("frequency", labelled=True)
MAP: Final = _widget("map")
EXPORT_MAP_HTML: Final = _widget("export_map_html")
EXPORT_MAP_GPKG: Final = _widget("export_map_gpkg")
# Data page: each export key is the stem of one download button per format.
EXPORT_CASES: Final = _widget("export_cases")
EXPORT_CROSSINGS: Final = _widget("export_crossings")
EXPORT_SHELTERS: Final = _widget("export_shelters")
# Shelter page.
SHELTER_RADIUS: Final = _widget("shelter_radius")
SHELTER_NEW_SITES: Final = _widget("shelter_new_sites")
SHELTER_MAP: Final = _widget("shelter_map")
# Risk page.
#: Stem of the weight sliders, one per indicator (``weight_<indicator>``).
WEIGHT: Final = _widget("weight")
BACKTEST_CUTOFF: Final = _widget("backtest_cutoff", labelled=True)
BACKTEST_YEAR: Final = _widget("backtest_year")
RISK_LEVEL: Final = _widget("risk_level", labelled=True)
RISK_KABUPATEN: Final = _widget("risk_kabupaten", labelled=True)
RISK_VIEW: Final = _widget("risk_view", labelled=True)
RISK_EXPLAIN: Final = _widget("risk_explain", labelled=True)
HOT_COLUMN: Final = _widget("hot_column", labelled=True)
DENSITY_BANDWIDTH: Final = _widget("density_bandwidth")
RISK_MAP: Final = _widget("risk_map")
HOT_MAP: Final = _widget("hot_map")
DENSITY_MAP: Final = _widget("density_map")
CHANGE_MAP: Final = _widget("change_map")
# Patrol page.
PATROL_NEAR_KM: Final = _widget("patrol_near_km")
PATROL_HALF_LIFE: Final = _widget("patrol_half_life")
PATROL_SITES: Final = _widget("patrol_sites")
PATROL_RADIUS_KM: Final = _widget("patrol_radius_km")
PATROL_MAP: Final = _widget("patrol_map")
BRIEFING_KABUPATEN: Final = _widget("briefing_kabupaten", labelled=True)
BRIEFING_WEEK: Final = _widget("briefing_week", labelled=True)
BRIEFING_MAKE: Final = _widget("briefing_make")
BRIEFING_HTML_DOWNLOAD: Final = _widget("briefing_html_download")
BRIEFING_PDF_DOWNLOAD: Final = _widget("briefing_pdf_download")
# Office tools (import, marking crossings, backup, record editor, guide, login).
IMPORT_KIND: Final = _widget("import_kind", labelled=True)
#: Stem of the template downloads (``import_template_<kind>_<format>``).
IMPORT_TEMPLATE: Final = _widget("import_template")
IMPORT_FILE: Final = _widget("import_file")
#: Leave out rows whose ID the store holds (an office's running spreadsheet).
IMPORT_SKIP_STORED: Final = _widget("import_skip_stored")
IMPORT_CONFIRM: Final = _widget("import_confirm")
# Data: the population table (key stem: POPULATION_TEMPLATE_{fmt}).
POPULATION_TEMPLATE: Final = _widget("population_template")
POPULATION_FILE: Final = _widget("population_file")
POPULATION_STORE: Final = _widget("population_store")
MARK_CROSSING: Final = _widget("mark_crossing", labelled=True)
MARK_STATUS: Final = _widget("mark_status", labelled=True)
MARK_ON: Final = _widget("mark_on", labelled=True)
MARK_SUBMIT: Final = _widget("mark_submit")
BACKUP_DOWNLOAD: Final = _widget("backup_download")
EDIT_KIND: Final = _widget("edit_kind", labelled=True)
#: Stem of the record chooser, one per kind (``edit_id_<kind>``).
EDIT_ID: Final = _widget("edit_id")
#: Stem of the record form (``edit_<kind>_<record>``) and its fields (``..._<field>``).
EDIT_FORM: Final = _widget("edit")
RETIRE_REASON: Final = _widget("retire_reason")
RETIRE: Final = _widget("retire")
RESTORE_FILE: Final = _widget("restore_file")
RESTORE_CONFIRM: Final = _widget("restore_confirm")
RESTORE_GO: Final = _widget("restore_go")
GUIDE_TEMPLATE: Final = _widget("guide_template")
LOGIN_FORM: Final = _widget("login")
LOGIN_USERNAME: Final = _widget("login_username")
LOGIN_PASSWORD: Final = _widget("login_password")
LOGOUT: Final = _widget("logout")

# Session values that are not widgets.
#: The filter's period, (start, end) dates: what the date fields, the year range and the
#: quick choices set, and what the URL keeps.
DATES: Final = "dates"
#: The period last written into the date fields (they are written again when DATES changes).
DATES_SHOWN: Final = "_dates_shown"
LAST_CLICK: Final = "_last_click"
URL_RESTORED: Final = "_url_restored"
RISK_LAST_CLICK: Final = "risk_last_click"
BRIEFING_HTML: Final = "briefing_html"
BRIEFING_NAME: Final = "briefing_name"


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
#: Made from the ``labelled=True`` declarations above, never typed a second time.
LABELLED_WIDGETS: Final = tuple(_LABELLED)


def keep_choices_on_language_switch() -> None:
    """``on_change`` of the language switch: keep every labelled widget's value."""
    for key in LABELLED_WIDGETS:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


#: Widgets drawn on several pages (the sidebar filters, the map options) whose value must
#: follow the user from page to page.
KEPT_ACROSS_PAGES: Final = (
    LEVEL, MEASURE, SCHEME, CLASSES, CASE_MODE, BASEMAP, TILE_URL, DATE_FROM, DATE_TO, YEARS,
    QUICK_PERIOD, EXPLOITATION, SEXES, AGES, DESTINATIONS, STATUSES, CROSSING_TYPES, SOURCES,
    SELECTED, FREQUENCY,
)  # fmt: skip


def keep_values_across_pages() -> None:
    """At the start of every run: set each kept widget's value again. Streamlit ties a
    widget's value to the page that drew it, so the next page's widget of the same key
    started empty (blank date fields, a year range of the first year only, found by a
    new-user run-through); a value set through session state is the page's own."""
    for key in KEPT_ACROSS_PAGES:
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
