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
from dashboard.context import analysis_start, stop_without_cases
from dashboard.mapframe import computed, show_map, whole_map
from dashboard.tables import show_dataframe, show_table
from dashboard.text import day, num, tr
from geodata.access.analysis_input import busiest_kabupaten
from geodata.records.cases import case_points
from geodata.records.population import population_note
from geodata.settings import Level
from layers.backtest import backtest
from layers.change import change_layer
from layers.density import heat_layer, kernel_density
from layers.hotspots import HOTSPOT_COLUMNS, HotSpots, hotspot_layer, small_counts_message
from layers.indicators import change_by_unit
from layers.legend import LegendItem
from layers.mapview import analysis_map
from layers.periods import Period
from layers.ranking import RiskInputs, backtest_level, hotspot_level, on_units, rank_units
from layers.risk import (
    DEFAULT_WEIGHTS,
    WEIGHTABLE,
    contribution_chart,
    explanation_table,
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
                key=f"{state.WEIGHT}_{name}",
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
        if st.session_state.get(state.BACKTEST_CUTOFF) not in ends:
            st.session_state[state.BACKTEST_CUTOFF] = default if default in ends else ends[-1]
        cutoff = st.selectbox(
            tr("risk_page.cutoff"), ends[::-1], key=state.BACKTEST_CUTOFF, format_func=day
        )
        return cutoff if isinstance(cutoff, dt.date) else default
    years = sorted({int(year) for year in cases["date_reported"].dt.year})[:-1]
    if not years:
        st.info(tr("analysis.backtest_needs_years"))
        return None
    if st.session_state.get(state.BACKTEST_YEAR, years[-1]) not in years:
        del st.session_state[state.BACKTEST_YEAR]
    year = st.selectbox(
        tr("analysis.cutoff_year"), years, index=len(years) - 1, key=state.BACKTEST_YEAR
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


page, analysis_input = analysis_start("nav.risiko")
view = page.view
cases, aggregated = analysis_input.cases, analysis_input.aggregated
lang = state.language()
stop_without_cases(analysis_input)

levels = _AGGREGATE_LEVELS if aggregated else _LEVELS
if st.session_state.get(state.RISK_LEVEL, levels[1]) not in levels:
    del st.session_state[state.RISK_LEVEL]  # desa, chosen before a role that has no desa level
left, right = st.columns(2)
level: Level = left.selectbox(
    tr("peta.level"),
    levels,
    index=1,
    key=state.RISK_LEVEL,
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
        key=state.RISK_KABUPATEN,
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
if st.session_state.get(state.RISK_VIEW, "index") not in views:
    del st.session_state[state.RISK_VIEW]

analysis = (
    st.segmented_control(
        tr("risk_page.view"),
        views,
        key=state.RISK_VIEW,
        default="index",
        format_func=lambda v: tr(_VIEWS[v]),
    )
    or "index"
)
population = view.population()  # the office's figures per kecamatan/desa, if loaded
inputs = RiskInputs(
    cases,
    period,
    crossings=view.crossings,
    shelters=view.shelters,
    data_start=cases.attrs.get("data_start"),  # counts per year cover whole years
    population=population,
)
weights_key = tuple(sorted(weights.items()))
# Kept per data version (a population upload changes it), access level, filter and settings.
ranking = computed(
    ("risk_ranking", page.cache_key, level, period, inputs.data_start, weights_key),
    lambda: rank_units(inputs, level=level, weights=weights),
)
# Which people the rates rest on: the office's figures, estimates, or both.
st.caption(population_note(ranking.indicators, level=level, lang=lang))
status = ranking.status  # how many cases the ranking rests on, said aloud
if ranking.index is None:
    st.error(status.message(lang))
    st.stop()
(st.warning if status.state == "few" else st.caption)(status.message(lang))
index = ranking.index
units = _map_units(level, kabupaten)

if analysis == "index":

    def _risk_layer() -> tuple[folium.map.Layer, Sequence[LegendItem]]:
        layer, classes = risk_layer(
            on_units(units, index.scores_),
            level=level,
            lang=lang,
            contributions=index.contributions_,
        )
        return layer, classes.legend

    clicked = _show_map(
        (level, kabupaten, period, inputs.data_start, weights_key),
        _risk_layer,
        tr("risk_page.score"),
        state.RISK_MAP,
    )
    ranked = ranking.ranked()
    names = ranking.labels()
    clicked_code = (
        ((clicked or {}).get("last_active_drawing") or {}).get("properties", {}).get("code")
    )
    if clicked_code in names and clicked_code != st.session_state.get(state.RISK_LAST_CLICK):
        st.session_state[state.RISK_LAST_CLICK] = clicked_code
        st.session_state[state.RISK_EXPLAIN] = clicked_code
    if st.session_state.get(state.RISK_EXPLAIN) not in names:
        st.session_state[state.RISK_EXPLAIN] = next(iter(names))
    st.subheader(tr("risk_page.why"))
    code = st.selectbox(
        tr("risk_page.explain_unit"),
        list(names),
        key=state.RISK_EXPLAIN,
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
    hot_level = hotspot_level(level)
    hot_units = (
        ranking.indicators
        if level == hot_level
        else computed(
            ("risk_indicators", page.cache_key, hot_level, period, inputs.data_start),
            lambda: inputs.indicators(hot_level),
        )
    )
    column = st.radio(
        tr("risk_page.hot_column"),
        list(HOTSPOT_COLUMNS),  # observed / expected first: counts flag where people live
        horizontal=True,
        key=state.HOT_COLUMN,
        format_func=lambda c: tr(f"indicator.{c}"),
    )
    hot = computed(
        ("risk_hotspots", page.cache_key, hot_level, period, inputs.data_start, column),
        lambda: HotSpots().fit(hot_units, column=column),
    )
    if hot.warning_:
        st.warning(small_counts_message(hot_units["cases"], lang=lang))
    shown = on_units(_map_units(hot_level, kabupaten), hot.result_)
    _show_map(
        (hot_level, kabupaten, period, inputs.data_start, column),
        lambda: hotspot_layer(shown, level=hot_level, lang=lang, column=column),
        tr("risk_page.tab_hotspots"),
        state.HOT_MAP,
    )
    st.caption(tr("risk_page.hot_method"))

elif analysis == "density":
    bandwidth = st.slider(tr("risk_page.bandwidth"), 5, 50, 15, key=state.DENSITY_BANDWIDTH)

    def _density_layer() -> tuple[folium.map.Layer, Sequence[LegendItem]]:
        grid = kernel_density(case_points(cases, data.gazetteer()), bandwidth_km=bandwidth)
        return heat_layer(grid, lang=lang), []

    _show_map(bandwidth, _density_layer, tr("risk_page.tab_density"), state.DENSITY_MAP)

elif analysis == "change":

    def _change_layer() -> tuple[folium.map.Layer, Sequence[LegendItem]]:
        change = change_by_unit(cases, level=level, period=period, data_start=inputs.data_start)
        return change_layer(on_units(units, change), level=level, lang=lang)

    _show_map(
        (level, kabupaten, period, inputs.data_start),
        _change_layer,
        tr("risk_page.tab_change"),
        state.CHANGE_MAP,
    )

else:
    cutoff = _cutoff(cases, aggregated=aggregated)
    if cutoff is not None:
        result = backtest(
            cases,
            cutoff=cutoff,
            level=backtest_level(level),
            weights=weights,
            crossings=view.crossings,
            shelters=view.shelters,
            population=population,
        )
        st.markdown(result.summary(lang=lang))
        show_dataframe(result.display_table(lang=lang), digits=2)
        st.caption(tr("risk_page.backtest_method", cases=num(len(cases))))
