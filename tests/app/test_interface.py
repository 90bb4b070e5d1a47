"""The interface of issue 11 on the committed sample data: quick period choices set the date
range, a shared link sets its values without Streamlit warnings, the briefing's default week."""

from __future__ import annotations

import datetime as dt

import pytest
from streamlit.elements.lib import policies
from streamlit.testing.v1 import AppTest

from geodata.i18n import t
from geodata.records.datasets import load_sample
from layers.briefing import default_week
from tests.app.conftest import NewApp, run, shown_dates, texts, type_dates


def test_quick_periods_set_the_date_range(new_app: NewApp) -> None:
    reported = load_sample().cases["date_reported"].dropna().dt.date
    first, last = reported.min(), reported.max()
    at = run(new_app(page="data"))
    quick = at.button_group(key="quick_period")
    quick.set_value("previous_year")
    run(at)
    year = last.year - 1
    assert shown_dates(at) == (dt.date(year, 1, 1), dt.date(year, 12, 31))
    assert at.button_group(key="quick_period").value == "previous_year", "the choice shows"
    at.button_group(key="quick_period").set_value("last_12_months")
    run(at)
    assert shown_dates(at) == (last - dt.timedelta(days=364), last)
    at.button_group(key="quick_period").set_value("all")
    run(at)
    assert shown_dates(at) == (first, last)


def _count(at: AppTest) -> int:
    """Rows of the page's first table (the cases on the data page, units on the map page)."""
    return len(at.dataframe[0].value)


def test_typed_dates_apply_on_enter_and_follow_the_link(new_app: NewApp) -> None:
    """Typed as 5/3/2024 (Enter commits a text field): the filter, the URL and the fields
    (written back in full) follow; counted against the committed cases."""
    reported = load_sample().cases["date_reported"].dt.date
    start, end = dt.date(2024, 3, 5), dt.date(2024, 6, 1)
    expected = int(reported.between(start, end).sum())
    at = run(new_app())
    at.text_input(key="date_from").input("5/3/2024")
    at.text_input(key="date_to").input("01-06-2024")
    run(at)
    assert shown_dates(at) == (start, end)
    assert at.text_input(key="date_from").value == "05/03/2024"
    assert dict(at.query_params)["dates"] == "2024-03-05..2024-06-01"
    assert at.metric[0].value == str(expected) and 0 < expected < len(reported)
    assert at.button_group(key="quick_period").value is None, "no quick choice is this period"
    assert not at.sidebar.error


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("31/02/2024", "01/06/2024", "filters.date_unreadable"),
        ("Maret 2024", "01/06/2024", "filters.date_unreadable"),
        ("01/06/1999", "01/06/2024", "filters.date_too_early"),
        ("01/06/2024", "05/03/2024", "filters.date_order"),
    ],
)
def test_a_bad_date_says_why_in_the_language_and_keeps_the_filter(
    new_app: NewApp, lang: str, start: str, end: str, message: str
) -> None:
    at = type_dates(run(new_app(page="data")), dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    count = _count(at)
    at.radio(key="lang").set_value(lang)  # English in the same run: AppTest formats the
    at.text_input(key="date_from").input(start)  # options of a rerun in Indonesian
    at.text_input(key="date_to").input(end)
    run(at)
    errors = [error.value for error in at.sidebar.error]
    first_words = t(message, lang).split("{")[0]
    assert len(errors) == 1 and errors[0].startswith(first_words), errors
    assert at.session_state["dates"] == (dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    assert _count(at) == count
    assert at.text_input(key="date_from").value == start, "the typed text stays to correct"


def test_a_quick_choice_replaces_a_bad_date(new_app: NewApp) -> None:
    at = run(new_app(page="data"))
    at.text_input(key="date_from").input("32/01/2024")
    run(at)
    assert len(at.sidebar.error) == 1
    at.button_group(key="quick_period").set_value("previous_year")
    run(at)
    assert not at.sidebar.error and at.text_input(key="date_from").value == "01/01/2024"


def test_the_language_switch_keeps_the_period(new_app: NewApp) -> None:
    at = type_dates(run(new_app()), dt.date(2024, 3, 5), dt.date(2024, 6, 1))
    assert at.text_input(key="date_from").label == t("filters.date_from", "id")
    at.radio(key="lang").set_value("en")
    run(at)
    assert shown_dates(at) == (dt.date(2024, 3, 5), dt.date(2024, 6, 1))
    assert dict(at.query_params)["dates"] == "2024-03-05..2024-06-01"
    assert at.text_input(key="date_from").label == t("filters.date_from", "en")
    assert t("filters.date_hint", "en") in texts(at)


def test_a_shared_link_with_classes_sets_them_without_a_warning(
    new_app: NewApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A widget given a default and a value from the link logs Streamlit's warning ("set via
    the Session State API", once per process: the flag is reset here)."""
    logged: list[str] = []
    monkeypatch.setattr(policies, "_shown_default_value_warning", False)
    monkeypatch.setattr(
        policies._LOGGER, "warning", lambda message, *a, **k: logged.append(message)
    )
    at = run(new_app(classes="7"))
    assert at.selectbox(key="classes").value == 7
    assert [message for message in logged if "Session State API" in message] == []


def test_the_briefing_defaults_to_the_last_whole_week_and_shows_in_an_iframe(
    new_app: NewApp,
) -> None:
    dates = load_sample().cases["date_reported"]
    at = run(new_app(page="patroli"))
    weeks = at.selectbox(key="briefing_week")
    week = weeks.value
    assert week == default_week(dates).start and week.weekday() == 0
    assert week + dt.timedelta(days=6) <= dates.max().date()
    assert weeks.options[0] == "29 Desember 2025 – 4 Januari 2026 (2026-W01)"  # newest first
    assert "22 Desember 2025 – 28 Desember 2025 (2025-W52)" in weeks.options
    assert not at.date_input, "no English calendar anywhere"
    at.button(key="briefing_make").click()
    run(at)
    html = at.session_state["briefing_html"]
    assert "WIB (UTC+7)" in html
    assert len(at.get("iframe")) == 1, "the briefing shows in st.iframe (not components.v1.html)"
