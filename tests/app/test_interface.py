"""The interface of issue 11 on the committed sample data: quick period choices set the date
range, a shared link sets its values without Streamlit warnings, the briefing's default week."""

from __future__ import annotations

import datetime as dt

import pytest
from streamlit.elements.lib import policies

from geodata.datasets import load_sample
from layers.briefing import default_week
from tests.app.conftest import NewApp, run


def test_quick_periods_set_the_date_range(new_app: NewApp) -> None:
    reported = load_sample().cases["date_reported"].dropna().dt.date
    first, last = reported.min(), reported.max()
    at = run(new_app(page="data"))
    quick = at.button_group(key="quick_period")
    quick.set_value("previous_year")
    run(at)
    year = last.year - 1
    assert at.date_input(key="dates").value == (dt.date(year, 1, 1), dt.date(year, 12, 31))
    assert at.button_group(key="quick_period").value is None, "the choice clears"
    at.button_group(key="quick_period").set_value("last_12_months")
    run(at)
    assert at.date_input(key="dates").value == (last - dt.timedelta(days=364), last)
    at.button_group(key="quick_period").set_value("all")
    run(at)
    assert at.date_input(key="dates").value == (first, last)


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
    assert not at.main.date_input, "no English calendar on the page"
    at.button(key="briefing_make").click()
    run(at)
    html = at.session_state["briefing_html"]
    assert "WIB (UTC+7)" in html
    assert len(at.get("iframe")) == 1, "the briefing shows in st.iframe (not components.v1.html)"
