"""Sidebar filters of the cases, shared by every page that shows cases."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboard import state
from dashboard.text import day, num, tr
from geodata.access import FilterOptions
from geodata.schemas import CASE_STATUS, CROSSING_TYPE, EXPLOITATION
from layers.cases import AGES, SEXES, CaseFilter


def _multiselect(
    label_key: str, key: str, options: list[str], prefix: str | None
) -> frozenset[str]:
    if key in st.session_state:
        st.session_state[key] = [v for v in st.session_state[key] if v in options]
    chosen = st.multiselect(
        tr(label_key),
        options,
        key=key,
        format_func=(lambda value: tr(f"{prefix}.{value}")) if prefix else str,
        placeholder=tr("filters.all"),
    )
    return frozenset(chosen)


def _date_range(options: FilterOptions) -> tuple[dt.date | None, dt.date | None]:
    first, last = options.first, options.last
    if first is None or last is None:
        return None, None
    chosen = st.session_state.get(state.DATES)
    if not (isinstance(chosen, tuple | list) and len(chosen) == 2):
        st.session_state[state.DATES] = (first, last)
    picked = st.date_input(
        tr("filters.dates"), key=state.DATES, min_value=dt.date(2000, 1, 1), format="DD/MM/YYYY"
    )
    if isinstance(picked, tuple | list) and len(picked) == 2:
        return picked[0], picked[1]
    return None, None  # the user is still choosing the end date


def case_filter_sidebar(options: FilterOptions) -> CaseFilter:
    """Draw the filters in the sidebar and return what the user chose."""
    with st.sidebar:
        st.subheader(tr("filters.title"))
        date_from, date_to = _date_range(options)
        exploitation = _multiselect(
            "filters.exploitation", state.EXPLOITATION, sorted(EXPLOITATION), "exploitation"
        )
        sexes = _multiselect("filters.sex", state.SEXES, list(SEXES), "sex")
        ages = _multiselect("filters.age", state.AGES, list(AGES), "age")
        destinations = _multiselect(
            "filters.destination",
            state.DESTINATIONS,
            list(options.destinations),
            None,
        )
        statuses = _multiselect(
            "filters.status", state.STATUSES, sorted(CASE_STATUS), "case_status"
        )
        crossing_types = _multiselect(
            "filters.crossing_type", state.CROSSING_TYPES, sorted(CROSSING_TYPE), "crossing_type"
        )
        sources = _multiselect("filters.source", state.SOURCES, list(options.sources), None)
    return CaseFilter(
        date_from=date_from,
        date_to=date_to,
        exploitation=exploitation,
        sexes=sexes or frozenset(SEXES),
        ages=ages or frozenset(AGES),
        destinations=destinations,
        statuses=statuses,
        crossing_types=crossing_types,
        sources=sources,
    )


def describe_filter(case_filter: CaseFilter, *, total: int, shown: int | str) -> str:
    """One line saying what the counts cover ("54 of 312 cases, filtered by: ...")."""
    active = [
        tr(label)
        for label, chosen in (
            ("filters.exploitation", case_filter.exploitation),
            ("filters.destination", case_filter.destinations),
            ("filters.status", case_filter.statuses),
            ("filters.crossing_type", case_filter.crossing_types),
            ("filters.source", case_filter.sources),
        )
        if chosen
    ]
    if case_filter.sexes != frozenset(SEXES):
        active.append(tr("filters.sex"))
    if case_filter.ages != frozenset(AGES):
        active.append(tr("filters.age"))
    period = tr("filters.period", start=day(case_filter.date_from), end=day(case_filter.date_to))
    if not active:
        return tr("filters.summary_all", shown=shown, total=num(total), period=period)
    return tr(
        "filters.summary", shown=shown, total=num(total), period=period, filters=", ".join(active)
    )
