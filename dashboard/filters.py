"""Sidebar filters of the cases, shared by every page that shows cases.

Roles that see records get a date range and every filter. Aggregate roles (the view's
``filter_options().years_only``) get a range of whole years and coded filters only (the
destination as a country, no free-text source); :class:`geodata.access.RoleView` applies
the same coarsening itself, whatever filter it is given.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboard import state
from dashboard.text import day, num, tr
from geodata.access import FilterOptions
from geodata.cases import AGES, SEXES, CaseFilter
from geodata.schemas import CASE_STATUS, CROSSING_TYPE, EXPLOITATION


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
        # Streamlit's own "No options to select" is English: an empty list says so here.
        placeholder=tr("filters.all") if options else tr("filters.no_options"),
    )
    return frozenset(chosen)


def _quick_periods(options: FilterOptions) -> dict[str, tuple[dt.date, dt.date]]:
    """Quick choices over the data's span: its latest year, the year before, its last 12
    months (records roles only: aggregate roles choose whole years) and all of it."""
    first, last = options.first, options.last
    if first is None or last is None:
        return {}
    latest = last.year
    periods = {
        "latest_year": (max(first, dt.date(latest, 1, 1)), last),
        "previous_year": (dt.date(latest - 1, 1, 1), dt.date(latest - 1, 12, 31)),
        "last_12_months": (max(first, last - dt.timedelta(days=364)), last),
        "all": (first, last),
    }
    if first.year >= latest:
        del periods["previous_year"]
    if options.years_only:
        del periods["last_12_months"]
    return periods


def _apply_quick_period(periods: dict[str, tuple[dt.date, dt.date]], years_only: bool) -> None:
    """Callback: the chosen quick period becomes the date (or year) range; the choice clears."""
    chosen = st.session_state.get(state.QUICK_PERIOD)
    if chosen in periods:
        start, end = periods[chosen]
        if years_only:
            st.session_state[state.YEARS] = (start.year, end.year)
        st.session_state[state.DATES] = (start, end)
    st.session_state[state.QUICK_PERIOD] = None


def _quick_period_buttons(options: FilterOptions) -> None:
    periods = _quick_periods(options)
    if not periods:
        return
    latest = options.last.year if options.last else 0
    labels = {
        "latest_year": str(latest),
        "previous_year": str(latest - 1),
        "last_12_months": tr("filters.quick.last_12_months"),
        "all": tr("filters.quick.all"),
    }
    st.segmented_control(
        tr("filters.quick.title"),
        list(periods),
        key=state.QUICK_PERIOD,
        format_func=lambda period: labels[period],
        on_change=_apply_quick_period,
        args=(periods, options.years_only),
    )


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


def _year_range(options: FilterOptions) -> tuple[dt.date | None, dt.date | None]:
    """Whole calendar years (1 January to 31 December); the URL keeps them as dates."""
    if options.first is None or options.last is None:
        return None, None
    years = list(range(options.first.year, options.last.year + 1))
    chosen = st.session_state.get(state.YEARS)
    if not (isinstance(chosen, tuple | list) and len(chosen) == 2 and set(chosen) <= set(years)):
        dates = st.session_state.get(state.DATES)
        if isinstance(dates, tuple | list) and len(dates) == 2:
            low, high = (min(max(when.year, years[0]), years[-1]) for when in dates)
            chosen = (low, max(low, high))
        else:
            chosen = (years[0], years[-1])
        st.session_state[state.YEARS] = tuple(chosen)
    if len(years) > 1:
        picked = st.select_slider(tr("filters.years"), options=years, key=state.YEARS)
        chosen = tuple(picked) if isinstance(picked, tuple | list) else (picked, picked)
    start, end = dt.date(int(chosen[0]), 1, 1), dt.date(int(chosen[-1]), 12, 31)
    st.session_state[state.DATES] = (start, end)
    return start, end


def case_filter_sidebar(options: FilterOptions) -> CaseFilter:
    """Draw the filters in the sidebar and return what the user chose."""
    with st.sidebar:
        st.subheader(tr("filters.title"))
        years_only = options.years_only
        _quick_period_buttons(options)
        date_from, date_to = _year_range(options) if years_only else _date_range(options)
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
        sources = (
            frozenset()
            if years_only
            else _multiselect("filters.source", state.SOURCES, list(options.sources), None)
        )
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
    """One line saying what the counts cover ("54 of 312 cases, filtered by: ...").

    For aggregate roles the filter comes from the year range (1 January to 31 December),
    so the caption names no day of the data, and ``total`` is their published total.
    """
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
