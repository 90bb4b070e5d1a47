"""The panel of the selected kabupaten or kecamatan (chosen on the map or from a list)."""

from __future__ import annotations

from typing import Final

import geopandas as gpd
import pandas as pd
import streamlit as st

from dashboard import state
from dashboard.context import PageData
from dashboard.tables import show_dataframe
from dashboard.text import count_text, num, tr
from geodata.codes import code_level
from layers.charts import trend_svg
from layers.profile import crossings_near, nearest_shelters


def _unit_choices(kabupaten: gpd.GeoDataFrame, kecamatan: gpd.GeoDataFrame) -> dict[str, str]:
    names = dict(zip(kabupaten["code"], kabupaten["name"], strict=True))
    names |= dict(zip(kecamatan["code"], kecamatan["name"], strict=True))  # one lookup, not 174
    choices = {"": tr("panel.none")}
    for code in sorted([*kabupaten["code"], *kecamatan["code"]]):
        if code_level(code) == "kabupaten":
            choices[code] = names[code]
        else:
            choices[code] = f"   {tr('unit_type.kecamatan')} {names[code]} ({names[code[:5]]})"
    return choices


def _table(table: pd.DataFrame) -> None:
    headers = {
        column: tr("panel.distance_km") if column == "distance_km" else tr(f"schema.label.{column}")
        for column in table.columns
    }
    show_dataframe(
        table.round({"distance_km": 1}).rename(columns=headers),
    )


#: The panel's trend drawing width: about the panel column's at 1440 pixels (views/peta.py).
PANEL_CHART_WIDTH: Final = 480


def unit_panel(
    page: PageData,
    *,
    kabupaten: gpd.GeoDataFrame,
    kecamatan: gpd.GeoDataFrame,
) -> None:
    """Unit chooser and, for the chosen unit, its figures, trend, crossings and shelters."""
    st.subheader(tr("panel.title"))
    choices = _unit_choices(kabupaten, kecamatan)
    if st.session_state.get(state.SELECTED) not in choices:
        st.session_state[state.SELECTED] = ""
    code = st.selectbox(
        tr("panel.choose"),
        list(choices.keys()),
        key=state.SELECTED,
        format_func=lambda code: choices[code],
        placeholder=tr("common.choose"),
    )
    if not code:
        st.caption(tr("panel.hint"))
        return
    units = kabupaten if code_level(code) == "kabupaten" else kecamatan
    unit = units[units["code"] == code].iloc[0]
    view = page.view
    totals = view.case_totals(case_filter=page.case_filter, unit=code)
    near = crossings_near(unit.geometry, view.crossings)
    figures = st.columns(3)
    figures[0].metric(tr("measure.cases"), count_text(totals.cases, totals.cases_label))
    figures[1].metric(tr("measure.victims"), count_text(totals.victims, totals.victims_label))
    figures[2].metric(
        tr("panel.crossings_near"), num(len(near)), help=tr("panel.crossings_near_help")
    )
    if totals.cases == 0:
        st.info(tr("panel.no_cases"))
    else:
        trend = view.case_trend(case_filter=page.case_filter, unit=code)
        chart = trend_svg(trend, frequency="year", lang=state.language(), width=PANEL_CHART_WIDTH)
        st.markdown(chart, unsafe_allow_html=True)
    # One under the other: the panel sits in a column beside the map (see views/peta.py).
    st.markdown(f"**{tr('panel.crossings_title')}**")
    if near.empty:
        st.caption(tr("panel.no_crossings"))
    else:
        table = near[["name", "kind", "status", "distance_km"]].copy()
        table["kind"] = table["kind"].map(lambda v: tr(f"crossing_kind.{v}"))
        table["status"] = table["status"].map(lambda v: tr(f"crossing_status.{v}"))
        _table(table)
    st.markdown(f"**{tr('panel.shelters_title')}**")
    shelters = nearest_shelters(unit.geometry, view.shelters)
    shown = shelters[["name", "operator", "capacity", "distance_km"]].copy()
    shown["operator"] = shown["operator"].map(lambda v: tr(f"operator.{v}") if v else v)
    _table(shown)
