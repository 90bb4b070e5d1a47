"""Sidebar filters of the cases, shared by every page that shows cases.

Roles that see records get a date range and every filter. Aggregate roles (the view's
``filter_options().years_only``) get a range of whole years only, and a note saying why;
:class:`geodata.access.RoleView` applies the same coarsening itself, whatever filter it is
given (a link's, say).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from functools import partial
from typing import Final

import streamlit as st

from dashboard import state
from dashboard.text import day, num, tr
from geodata.access import FilterOptions
from geodata.i18n import destination_text
from geodata.records.cases import AGES, SEXES, CaseFilter
from geodata.records.schemas import CASE_STATUS, CROSSING_TYPE, EXPLOITATION


def _catalogue_name(prefix: str, value: str) -> str:
    return tr(f"{prefix}.{value}")


def _multiselect(
    label_key: str, key: str, options: list[str], names: str | Callable[[str], str] | None
) -> frozenset[str]:
    """A multiselect of ``options``, each named by the catalogue prefix ``names``, by the
    function ``names`` or (None) as written."""
    if key in st.session_state:
        st.session_state[key] = [v for v in st.session_state[key] if v in options]
    name: Callable[[str], str] = str
    if callable(names):
        name = names
    elif names:
        name = partial(_catalogue_name, names)
    chosen = st.multiselect(
        tr(label_key),
        options,
        key=key,
        format_func=name,
        # Streamlit's own "No options to select" is English: an empty list says so here.
        placeholder=tr("filters.all") if options else tr("filters.no_options"),
    )
    return frozenset(chosen)


EARLIEST: Final = dt.date(2000, 1, 1)
_TYPED_DATE: Final = re.compile(r"\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\s*")


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
    """Callback: the chosen quick period becomes the date (or year) range."""
    chosen = st.session_state.get(state.QUICK_PERIOD)
    if chosen in periods:
        start, end = periods[chosen]
        if years_only:
            st.session_state[state.YEARS] = (start.year, end.year)
        st.session_state[state.DATES] = (start, end)


def _current_period(periods: dict[str, tuple[dt.date, dt.date]], years_only: bool) -> str | None:
    """The quick choice the current period is, if any (compared in whole years for the
    aggregate roles, whose period is always whole years)."""
    if years_only:
        years = st.session_state.get(state.YEARS)
        return next(
            (name for name, (start, end) in periods.items() if years == (start.year, end.year)),
            None,
        )
    dates = st.session_state.get(state.DATES)
    return next((name for name, span in periods.items() if dates == span), None)


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
    # Shows which choice the period is; choosing again (which unselects) changes nothing.
    st.session_state[state.QUICK_PERIOD] = _current_period(periods, options.years_only)
    st.segmented_control(
        tr("filters.quick.title"),
        list(periods),
        key=state.QUICK_PERIOD,
        format_func=lambda period: labels[period],
        on_change=_apply_quick_period,
        args=(periods, options.years_only),
    )


def _typed_date(text: str) -> dt.date:
    """The date typed as dd/mm/yyyy (also with "." or "-"); ValueError if it is none."""
    match = _TYPED_DATE.fullmatch(text)
    if match is None:
        raise ValueError(text)
    day_, month, year = (int(part) for part in match.groups())
    return dt.date(year, month, day_)


def _date_text(value: dt.date) -> str:
    return value.strftime("%d/%m/%Y")


def _typed_period() -> tuple[dt.date, dt.date] | str:
    """The period in the two date fields, or the message saying what is wrong with it."""
    shown = st.session_state.get(state.DATES)
    period = tr("filters.period", start=day(shown[0]), end=day(shown[1])) if shown else ""
    dates = []
    for key in (state.DATE_FROM, state.DATE_TO):
        text = str(st.session_state.get(key, ""))
        try:
            dates.append(_typed_date(text))
        except ValueError:
            return tr("filters.date_unreadable", value=text.strip(), period=period)
        if dates[-1] < EARLIEST:
            earliest = day(EARLIEST)
            return tr(
                "filters.date_too_early", value=day(dates[-1]), earliest=earliest, period=period
            )
    start, end = dates
    if start > end:
        return tr("filters.date_order", start=day(start), end=day(end), period=period)
    return start, end


def _show_period(dates: tuple[dt.date, dt.date]) -> None:
    st.session_state[state.DATE_FROM] = _date_text(dates[0])
    st.session_state[state.DATE_TO] = _date_text(dates[1])
    st.session_state[state.DATES_SHOWN] = dates


def _apply_typed_dates() -> None:
    """Callback of the date fields (Enter or leaving the field): a good period becomes the
    filter, written back in full (5/3/2024 becomes 05/03/2024); a bad one changes nothing."""
    typed = _typed_period()
    if isinstance(typed, tuple):
        st.session_state[state.DATES] = typed
        _show_period(typed)


def _initial_dates(options: FilterOptions) -> None:
    """The period from the link or an earlier run, else all of the data."""
    if options.first is None or options.last is None:
        return
    chosen = st.session_state.get(state.DATES)
    if not (isinstance(chosen, tuple | list) and len(chosen) == 2):
        st.session_state[state.DATES] = (options.first, options.last)
    else:
        st.session_state[state.DATES] = tuple(chosen)


def _date_range(options: FilterOptions) -> tuple[dt.date | None, dt.date | None]:
    """Two fields in dd/mm/yyyy, applied on Enter; the period they show follows DATES."""
    dates = st.session_state.get(state.DATES)
    if not dates:
        return None, None
    if st.session_state.get(state.DATES_SHOWN) != dates or state.DATE_FROM not in st.session_state:
        _show_period(dates)
    st.markdown(f"**{tr('filters.dates')}**")
    left, right = st.columns(2)
    for column, key, label in (
        (left, state.DATE_FROM, "filters.date_from"),
        (right, state.DATE_TO, "filters.date_to"),
    ):
        column.text_input(
            tr(label),
            key=key,
            placeholder=tr("filters.date_format"),
            on_change=_apply_typed_dates,
        )
    typed = _typed_period()
    if isinstance(typed, str):
        st.error(typed)
    else:
        st.caption(tr("filters.date_hint"))
    return dates[0], dates[1]


def _years(options: FilterOptions) -> list[int]:
    if options.first is None or options.last is None:
        return []
    return list(range(options.first.year, options.last.year + 1))


def _initial_years(options: FilterOptions) -> None:
    """The year range from an earlier run, else from the link's dates, else every year."""
    years = _years(options)
    if not years:
        return
    chosen = st.session_state.get(state.YEARS)
    if not (isinstance(chosen, tuple | list) and len(chosen) == 2 and set(chosen) <= set(years)):
        dates = st.session_state.get(state.DATES)
        if isinstance(dates, tuple | list) and len(dates) == 2:
            low, high = (min(max(when.year, years[0]), years[-1]) for when in dates)
            chosen = (low, max(low, high))
        else:
            chosen = (years[0], years[-1])
        st.session_state[state.YEARS] = tuple(chosen)


def _year_range(options: FilterOptions) -> tuple[dt.date | None, dt.date | None]:
    """Whole calendar years (1 January to 31 December); the URL keeps them as dates."""
    years = _years(options)
    if not years:
        return None, None
    chosen = st.session_state[state.YEARS]
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
        if years_only:
            _initial_years(options)
        else:
            _initial_dates(options)
        _quick_period_buttons(options)
        date_from, date_to = _year_range(options) if years_only else _date_range(options)
        if years_only:  # the data layer drops any other filter for these roles too
            st.caption(tr("filters.aggregate_note"))
            return CaseFilter(date_from=date_from, date_to=date_to)
        exploitation = _multiselect(
            "filters.exploitation", state.EXPLOITATION, sorted(EXPLOITATION), "exploitation"
        )
        sexes = _multiselect("filters.sex", state.SEXES, list(SEXES), "sex")
        ages = _multiselect("filters.age", state.AGES, list(AGES), "age")
        lang = state.language()
        destinations = _multiselect(
            "filters.destination",
            state.DESTINATIONS,
            sorted(options.destinations, key=lambda v: destination_text(v, lang).casefold()),
            lambda value: destination_text(value, lang),
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
