"""Peta: the home page. Filters, the map, headline figures and the selected unit's panel.

The map always draws the reference layers (boundaries, Sarawak, the border, the five PLBN),
whatever the store holds; an empty or partial store gets a note saying what is missing.
"""

from __future__ import annotations

from dataclasses import replace
from typing import cast

import geopandas as gpd
import streamlit as st

from dashboard import casedetails, data, state
from dashboard.charts import case_charts
from dashboard.context import page_start
from dashboard.exports import checked_download_button
from dashboard.filters import describe_filter
from dashboard.guide import first_run_pointer
from dashboard.mapframe import Layers, map_frame, show_map
from dashboard.panel import unit_panel
from dashboard.text import count_text, day, num, tr
from geodata import reference
from geodata.codes import code_level
from geodata.i18n import today_in_kalbar
from geodata.records.export import to_geopackage_bytes
from geodata.records.population import rate_levels, rates_note
from geodata.settings import Level
from layers._assets import standalone_html
from layers.cases import CaseMode
from layers.choropleth import SCHEMES, Scheme
from layers.mapview import BASEMAPS
from layers.overview import MapData, MapOptions, base_map, filtered_layers, overview_map

LEVELS = ["kabupaten", "kecamatan", "desa"]
MEASURES = ["cases", "victims", "cases_per_100k", "victims_per_100k"]


def _map_options(rate_levels: frozenset[str], *, cases_drawn: bool) -> MapOptions:
    """The map's settings; rates per 100k only at levels with people (``rate_levels``), and
    how cases are drawn only for roles whose map draws them (``cases_drawn``)."""
    columns = st.columns([1.2, 1.6, 1.2, 0.8, 1.0])
    level = columns[0].selectbox(
        tr("peta.level"), LEVELS, key=state.LEVEL, format_func=lambda v: tr(f"unit_type.{v}")
    )
    measures = MEASURES if level in rate_levels else MEASURES[:2]
    if st.session_state.get(state.MEASURE) not in measures:
        st.session_state[state.MEASURE] = measures[0]
    measure = columns[1].selectbox(
        tr("peta.measure"), measures, key=state.MEASURE, format_func=lambda v: tr(f"measure.{v}")
    )
    scheme = columns[2].selectbox(
        tr("peta.scheme"), list(SCHEMES), key=state.SCHEME, format_func=lambda v: tr(f"scheme.{v}")
    )
    # The default through session state, not ``index``: a shared link sets the state, and a
    # widget given both logs Streamlit's "set via the Session State API" warning.
    if st.session_state.get(state.CLASSES) not in (3, 4, 5, 6, 7):
        st.session_state[state.CLASSES] = 5
    classes = columns[3].selectbox(tr("peta.classes"), [3, 4, 5, 6, 7], key=state.CLASSES)
    case_mode = (
        columns[4].radio(
            tr("peta.case_mode"),
            ["cluster", "heat"],
            key=state.CASE_MODE,
            format_func=lambda v: tr(f"case_mode.{v}"),
        )
        if cases_drawn
        else "cluster"  # counts-only roles get no case points: no choice that does nothing
    )
    with st.expander(tr("peta.basemap_settings")):
        basemap = st.radio(
            tr("peta.basemap"),
            list(BASEMAPS),
            key=state.BASEMAP,
            horizontal=True,
            format_func=lambda v: tr(f"basemap.{v}"),
        )
        tile_url = st.text_input(
            tr("peta.tile_url"),
            key=state.TILE_URL,
            placeholder="http://localhost:8080/{z}/{x}/{y}.png",
        )
    if basemap == "custom" and not tile_url:
        st.info(tr("peta.tile_url_needed"))
        basemap = "none"
    return MapOptions(
        level=cast(Level, level),
        measure=measure,
        scheme=cast(Scheme, scheme),
        k=classes,
        case_mode=cast(CaseMode, case_mode),
        basemap=basemap,
        tile_url=tile_url or None,
    )


def _remember_click(clicked: dict | None) -> None:
    """A click on a kabupaten or kecamatan selects it (only a new click changes anything)."""
    if not clicked:
        return
    code = (clicked.get("properties") or {}).get("code")
    if code and code != st.session_state.get(state.LAST_CLICK):
        st.session_state[state.LAST_CLICK] = code
        if code_level(code) in ("kabupaten", "kecamatan"):
            st.session_state[state.SELECTED] = code
            st.rerun()


page = page_start("peta.title")
view = page.view
options = _map_options(rate_levels(view.population()), cases_drawn=view.records_allowed)

metrics = st.columns(4)
metrics[0].metric(tr("measure.cases"), count_text(page.totals.cases, page.totals.cases_label))
metrics[1].metric(tr("measure.victims"), count_text(page.totals.victims, page.totals.victims_label))
metrics[2].metric(tr("map.layer.crossings"), num(len(view.crossings)))
metrics[3].metric(tr("map.layer.shelters"), num(len(view.shelters)))
st.caption(
    describe_filter(
        page.case_filter,
        total=view.filter_options().total,
        shown=count_text(page.totals.cases, page.totals.cases_label),
    )
)
if view.filter_options().total == 0:
    st.info(tr("peta.no_cases_stored"))
elif page.totals.cases == 0:
    st.info(tr("peta.no_cases"))
first_run_pointer(page.user, view)

known_units = set(data.web_units("kabupaten")["code"]) | set(data.web_units("kecamatan")["code"])
selected = st.session_state.get(state.SELECTED) or None
if selected not in known_units:
    selected = None
selected_kabupaten = selected[:5] if selected else None
if options.level == "desa" and selected_kabupaten is None:
    st.info(tr("peta.desa_needs_kabupaten"))
    options = replace(options, level="kecamatan")
if options.level == "desa" and selected_kabupaten:
    units = data.web_desa(selected_kabupaten)
else:
    units = data.web_units("kabupaten" if options.level == "kabupaten" else "kecamatan")
kabupaten = data.web_units("kabupaten")
focus_units = data.web_units("kabupaten" if selected and len(selected) == 5 else "kecamatan")
focus = focus_units[focus_units["code"] == selected] if selected else None
if options.measure.endswith("_per_100k"):  # which people the rates rest on
    st.caption(
        rates_note(units, level=options.level, table=view.population(), lang=state.language())
    )


def _map_data(*, counted: bool) -> MapData:
    """What the map draws; the filtered units and case points only if ``counted``."""
    context = data.context_layers()
    empty = gpd.GeoDataFrame(geometry=[], crs="EPSG:4326")
    return MapData(
        units=view.case_counts(units, level=options.level, case_filter=page.case_filter)
        if counted
        else units,
        kabupaten=kabupaten,
        sarawak=context["sarawak"],
        border=context["border"],
        crossings=view.crossings,
        shelters=view.shelters,
        case_points=view.case_points(data.gazetteer(), case_filter=page.case_filter)
        if counted and view.records_allowed
        else empty,
        desa=data.web_desa(selected_kabupaten)
        if selected_kabupaten and options.level != "desa"
        else None,
        focus=focus.geometry if focus is not None and len(focus) else None,
        synthetic=view.synthetic,
        posts=reference.load_plbn(),
    )


def _filtered_layers() -> Layers:
    counted = _map_data(counted=True)
    publish = casedetails.publisher(view.key)  # the cases' tooltips fetched when opened
    groups = filtered_layers(counted, options, lang=state.language(), publish_details=publish)
    return Layers(groups, counted.units, keep=publish)


def _full_map_html() -> str:
    """The whole map as one offline HTML document (built when the download is asked for)."""
    shown = describe_filter(
        page.case_filter,
        total=view.filter_options().total,
        shown=count_text(page.totals.cases, page.totals.cases_label),
    )
    return standalone_html(
        overview_map(_map_data(counted=True), options, lang=state.language()),
        title=tr("peta.title"),
        notes=[
            f"{tr('peta.measure')}: {tr(f'measure.{options.measure}')}",
            shown,
            tr("export.made_on", date=day(today_in_kalbar())),
        ],
    )


# Everything the base shows (of the options: the level's shapes and the base map); the
# access level and data version keep one role's map from another. The filtered layers add
# the case filter and the options of the choropleth and the cases.
base_key = (
    (view.demo, view.version, view.level, state.language(), selected),
    (options.level, options.basemap, options.tile_url),
)

# Layout (issue 11 item 4): a selected unit's panel sits beside the map, so its figures are
# seen without scrolling at 1440×900; with none selected the map has the whole width and
# the chooser follows below it.
map_area, panel_area = (
    st.columns([3, 2], gap="medium") if selected else (st.container(), st.container())
)

with map_area, st.spinner(tr("peta.drawing")):
    frame = map_frame(
        base_key,
        lambda: base_map(_map_data(counted=False), options, lang=state.language()),
        (page.case_filter, options),
        _filtered_layers,
    )
    output = show_map(frame, key=state.MAP, height=680, returned_objects=["last_active_drawing"])
_remember_click(output.get("last_active_drawing") if output else None)


def _layers_gpkg() -> bytes:
    """The map's layers as one GeoPackage (records only for roles that may see them)."""
    layers = {f"wilayah_{options.level}": frame.units, "jalur": view.crossings}
    layers["shelter"] = view.shelters
    if view.records_allowed:
        layers["kasus"] = view.cases(case_filter=page.case_filter)
    return to_geopackage_bytes(layers)


with map_area, st.expander(tr("export.title")):
    # Made on click, only for a live session at the access level the page was drawn for.
    left, right = st.columns(2)
    checked_download_button(
        tr("export.map_html"),
        lambda: _full_map_html().encode("utf-8"),
        file_name="peta-kalbar.html",
        mime="text/html",
        key=state.EXPORT_MAP_HTML,
        container=left,
        drawn_level=view.level,
    )
    checked_download_button(
        tr("export.layers_gpkg"),
        _layers_gpkg,
        file_name="lapisan-kalbar.gpkg",
        mime="application/geopackage+sqlite3",
        key=state.EXPORT_MAP_GPKG,
        container=right,
        drawn_level=view.level,
    )
with panel_area:
    unit_panel(page, kabupaten=kabupaten, kecamatan=data.web_units("kecamatan"))
case_charts(page)
state.save_to_url()
