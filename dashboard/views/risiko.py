"""Analisis risiko: which units matter and why, hot spots, density, change, and a backtest."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Sequence

import folium
import geopandas as gpd
import pandas as pd
import streamlit as st

from dashboard import data, state
from dashboard.charts import localised
from dashboard.context import page_start
from dashboard.mapframe import computed, show_map, whole_map
from dashboard.tables import show_dataframe, show_table
from dashboard.text import day, num, tr
from geodata.analysis_input import busiest_kabupaten
from geodata.settings import Level
from layers.backtest import backtest
from layers.cases import case_points
from layers.change import change_layer
from layers.density import heat_layer, kernel_density
from layers.hotspots import HOTSPOT_COLUMNS, HotSpots, hotspot_layer, small_counts_message
from layers.indicators import Period, change_by_unit, compute_indicators
from layers.legend import LegendItem
from layers.mapview import analysis_map
from layers.risk import (
    DEFAULT_WEIGHTS,
    WEIGHTABLE,
    RiskIndex,
    contribution_chart,
    explanation_table,
    ranking_status,
    risk_layer,
)

_LEVELS: list[Level] = ["kabupaten", "kecamatan", "desa"]
#: Roles that see counts only get no desa level: their rows are placed per kecamatan.
_AGGREGATE_LEVELS: list[Level] = ["kabupaten", "kecamatan"]
_VIEWS = {
    "index": "risk_page.tab_index",
    "hotspots": "risk_page.tab_hotspots",
    "density": "risk_page.tab_density",
    "change": "risk_page.tab_change",
    "backtest": "risk_page.tab_backtest",
}


def _weights() -> dict[str, float]:
    with st.expander(tr("risk_page.weights")):
        st.caption(tr("risk_page.weights_help"))
        columns = st.columns(3)
        return {
            name: columns[i % 3].slider(
                tr(f"indicator.{name}"),
                0.0,
                1.0,
                float(DEFAULT_WEIGHTS.get(name, 0.0)),
                step=0.05,
                key=f"weight_{name}",
            )
            for i, name in enumerate(WEIGHTABLE)
        }


def _map_units(level: str, kabupaten: str | None) -> gpd.GeoDataFrame:
    if level == "desa":
        return data.web_desa(kabupaten or busiest_kabupaten(cases))
    return data.web_units("kabupaten" if level == "kabupaten" else "kecamatan")


def _period(cases: gpd.GeoDataFrame, *, aggregated: bool) -> Period:
    """Records: the last 12 months of data. Counts per year: the last calendar year."""
    if not aggregated:
        period = Period.from_cases(cases)
        st.caption(
            tr(
                "risk_page.period",
                start=day(period.start),
                end=day(period.end),
                previous_start=day(period.previous().start),
                previous_end=day(period.previous().end),
            )
        )
        return period
    year = int(cases["date_reported"].max().year)
    st.caption(tr("analysis.period_years", year=year, previous=year - 1))
    return Period(dt.date(year, 1, 1), dt.date(year, 12, 31))


def _cutoff(cases: gpd.GeoDataFrame, *, aggregated: bool) -> dt.date | None:
    """Last day of the backtest's training data: a date for records, a year's end for counts."""
    last = cases["date_reported"].max().date()
    if not aggregated:
        # Month ends before the last month of data, as a list in the language (Streamlit's
        # calendar is English only); with under two months of data there is nothing to test.
        before_last_month = last.replace(day=1) - dt.timedelta(days=1)
        ends = pd.date_range(
            cases["date_reported"].min(), before_last_month, freq="ME"
        ).date.tolist()
        if not ends:
            st.info(tr("analysis.backtest_needs_months"))
            return None
        default = dt.date(last.year - 1, 12, 31)
        if st.session_state.get("backtest_cutoff") not in ends:
            st.session_state["backtest_cutoff"] = default if default in ends else ends[-1]
        cutoff = st.selectbox(
            tr("risk_page.cutoff"), ends[::-1], key="backtest_cutoff", format_func=day
        )
        return cutoff if isinstance(cutoff, dt.date) else default
    years = sorted({int(year) for year in cases["date_reported"].dt.year})[:-1]
    if not years:
        st.info(tr("analysis.backtest_needs_years"))
        return None
    if st.session_state.get("backtest_year", years[-1]) not in years:
        del st.session_state["backtest_year"]
    year = st.selectbox(
        tr("analysis.cutoff_year"), years, index=len(years) - 1, key="backtest_year"
    )
    return dt.date(int(year), 12, 31)


def _show_map(
    map_key: Hashable,
    build_layer: Callable[[], tuple[folium.map.Layer, Sequence[LegendItem]]],
    legend_title: str,
    key: str,
) -> dict | None:
    """The map of ``build_layer()`` (a layer and its legend), rendered once per data, access
    level, filter, language and ``map_key`` (what else the layer depends on)."""

    def build() -> folium.Map:
        layer, legend = build_layer()
        return analysis_map(
            [layer], legend_title=legend_title, legend=legend, lang=lang, synthetic=view.synthetic
        )

    frame = whole_map((key, page.cache_key, lang, map_key), build)
    return show_map(frame, key=key, height=560, returned_objects=["last_active_drawing"])


def _indicators(level: Level) -> gpd.GeoDataFrame:
    """The indicators per unit of ``level`` (kept per data, access level and filter)."""
    return computed(
        ("risk_indicators", page.cache_key, level, period, data_start),
        lambda: compute_indicators(
            cases,
            level=level,
            period=period,
            crossings=view.crossings,
            shelters=view.shelters,
            data_start=data_start,
        ),
    )


page = page_start("nav.risiko")
view = page.view
analysis_input = page.analysis()
cases, aggregated = analysis_input.cases, analysis_input.aggregated
lang = state.language()
if cases.empty:
    st.info(tr("analysis.no_cases"))
    st.stop()

levels = _AGGREGATE_LEVELS if aggregated else _LEVELS
if st.session_state.get("risk_level", levels[1]) not in levels:
    del st.session_state["risk_level"]  # desa, chosen before a role that has no desa level
left, right = st.columns(2)
level: Level = left.selectbox(
    tr("peta.level"),
    levels,
    index=1,
    key="risk_level",
    format_func=lambda v: tr(f"unit_type.{v}"),
)
kabupaten_names = dict(
    zip(data.web_units("kabupaten")["code"], data.web_units("kabupaten")["name"], strict=True)
)
kabupaten: str | None = (
    right.selectbox(
        tr("risk_page.kabupaten_for_desa"),
        list(kabupaten_names),
        index=list(kabupaten_names).index(busiest_kabupaten(cases)),
        key="risk_kabupaten",
        format_func=lambda c: kabupaten_names[c],
    )
    if level == "desa"
    else None
)
weights = _weights()
if not any(weights.values()):
    st.warning(tr("risk_page.no_weights"))
    st.stop()
period = _period(cases, aggregated=aggregated)
views = [name for name in _VIEWS if not (aggregated and name == "density")]
if aggregated:
    st.caption(tr("analysis.density_hidden"))
if st.session_state.get("risk_view", "index") not in views:
    del st.session_state["risk_view"]

analysis = (
    st.segmented_control(
        tr("risk_page.view"),
        views,
        key="risk_view",
        default="index",
        format_func=lambda v: tr(_VIEWS[v]),
    )
    or "index"
)
data_start = cases.attrs.get("data_start")  # counts per year cover whole years
indicators = _indicators(level)
status = ranking_status(indicators)  # how many cases the ranking rests on, said aloud
if not status.ok:
    st.error(status.message(lang))
    st.stop()
(st.warning if status.state == "few" else st.caption)(status.message(lang))
weights_key = tuple(sorted(weights.items()))
index = computed(
    ("risk_index", page.cache_key, level, period, data_start, weights_key),
    lambda: RiskIndex(weights).fit(indicators),
)
units = _map_units(level, kabupaten)
scores = units[["code", "geometry"]].merge(
    index.scores_.drop(columns="geometry"), on="code", how="inner"
)

if analysis == "index":

    def _risk_layer() -> tuple[folium.map.Layer, Sequence[LegendItem]]:
        layer, classes = risk_layer(
            scores, level=level, lang=lang, contributions=index.contributions_
        )
        return layer, classes.legend

    clicked = _show_map(
        (level, kabupaten, period, data_start, weights_key),
        _risk_layer,
        tr("risk_page.score"),
        "risk_map",
    )
    ranked = index.scores_.sort_values("risk_rank")
    names = {
        code: f"{rank}. {name}"
        for code, name, rank in zip(
            ranked["code"], ranked["name"], ranked["risk_rank"], strict=True
        )
    }
    clicked_code = (
        ((clicked or {}).get("last_active_drawing") or {}).get("properties", {}).get("code")
    )
    if clicked_code in names and clicked_code != st.session_state.get("risk_last_click"):
        st.session_state["risk_last_click"] = clicked_code
        st.session_state["risk_explain"] = clicked_code
    if st.session_state.get("risk_explain") not in names:
        st.session_state["risk_explain"] = next(iter(names))
    st.subheader(tr("risk_page.why"))
    code = st.selectbox(
        tr("risk_page.explain_unit"),
        list(names),
        key="risk_explain",
        format_func=lambda c: names[c],
    )
    st.altair_chart(
        localised(contribution_chart(index.contributions_, code=code, lang=lang)), width="stretch"
    )
    # The same numbers as the chart: each indicator's value, scale, weight and points.
    show_dataframe(explanation_table(index.explanation_, lang=lang, code=code))
    st.subheader(tr("risk_page.table"))
    show_table(
        ranked.head(30),
        [
            "risk_rank",
            "name",
            "risk_score",
            *[n for n, w in index.weights_.items() if w > 0],
            "cases",
            "victims",
        ],
        header_prefix="indicator",
    )

elif analysis == "hotspots":
    hot_level: Level = "desa" if level == "desa" else "kecamatan"
    hot_units = indicators if level == hot_level else _indicators(hot_level)
    column = st.radio(
        tr("risk_page.hot_column"),
        list(HOTSPOT_COLUMNS),  # observed / expected first: counts flag where people live
        horizontal=True,
        key="hot_column",
        format_func=lambda c: tr(f"indicator.{c}"),
    )
    hot = computed(
        ("risk_hotspots", page.cache_key, hot_level, period, data_start, column),
        lambda: HotSpots().fit(hot_units, column=column),
    )
    if hot.warning_:
        st.warning(small_counts_message(hot_units["cases"], lang=lang))
    shown = _map_units(hot_level, kabupaten)[["code", "geometry"]].merge(
        hot.result_.drop(columns="geometry"), on="code", how="inner"
    )
    _show_map(
        (hot_level, kabupaten, period, data_start, column),
        lambda: hotspot_layer(shown, level=hot_level, lang=lang, column=column),
        tr("risk_page.tab_hotspots"),
        "hot_map",
    )
    st.caption(tr("risk_page.hot_method"))

elif analysis == "density":
    bandwidth = st.slider(tr("risk_page.bandwidth"), 5, 50, 15, key="density_bandwidth")

    def _density_layer() -> tuple[folium.map.Layer, Sequence[LegendItem]]:
        grid = kernel_density(case_points(cases, data.gazetteer()), bandwidth_km=bandwidth)
        return heat_layer(grid, lang=lang), []

    _show_map(bandwidth, _density_layer, tr("risk_page.tab_density"), "density_map")

elif analysis == "change":

    def _change_layer() -> tuple[folium.map.Layer, Sequence[LegendItem]]:
        change = change_by_unit(cases, level=level, period=period, data_start=data_start)
        shown = units[["code", "geometry"]].merge(change.drop(columns="geometry"), on="code")
        return change_layer(shown, level=level, lang=lang)

    _show_map(
        (level, kabupaten, period, data_start),
        _change_layer,
        tr("risk_page.tab_change"),
        "change_map",
    )

else:
    cutoff = _cutoff(cases, aggregated=aggregated)
    if cutoff is not None:
        result = backtest(
            cases,
            cutoff=cutoff,
            level="kecamatan" if level == "kabupaten" else level,
            weights=weights,
            crossings=view.crossings,
            shelters=view.shelters,
        )
        st.markdown(result.summary(lang=lang))
        show_dataframe(result.display_table(lang=lang), digits=2)
        st.caption(tr("risk_page.backtest_method", cases=num(len(cases))))
