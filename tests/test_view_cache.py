"""A role view filters the cases once per filter and remembers its totals, trends and
breakdowns, however often a page asks (issue 12); what it hands out stays the caller's own,
and a new data version gets a new view."""

from __future__ import annotations

from pathlib import Path
from typing import Final

import geopandas as gpd
import pandas as pd
import pytest

from geodata import access
from geodata.access import auth, gateway
from geodata.config import CONFIG_ENV, DATABASE_URL_ENV
from geodata.records.cases import CaseFilter
from geodata.records.datasets import load_sample
from geodata.store import open_store

PASSWORD: Final = "view-cache-passphrase-2025"


def test_the_same_filter_is_applied_once_and_cases_are_the_callers_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dataset, located = gateway._demo_dataset()
    view = access.demo_view(dataset, located=located)
    calls: list[CaseFilter] = []
    real = access.filter_cases

    def counting(cases: gpd.GeoDataFrame, case_filter: CaseFilter) -> gpd.GeoDataFrame:
        calls.append(case_filter)
        return real(cases, case_filter)

    monkeypatch.setattr(access, "filter_cases", counting)
    sexual = CaseFilter(exploitation=frozenset({"sexual"}))
    totals = view.case_totals(case_filter=sexual)
    first = view.cases(case_filter=sexual)
    assert totals.cases == len(first) > 0
    first["exploitation"] = "changed"  # a page changing its copy ...
    again = view.cases(case_filter=sexual)
    assert calls == [sexual]  # ... filtered once for every call with this filter
    assert (again["exploitation"] == "sexual").all()  # ... changes nothing for the others
    labour = CaseFilter(exploitation=frozenset({"labour"}))
    assert (view.cases(case_filter=labour)["exploitation"] == "labour").all()
    assert calls == [sexual, labour]


def test_remembered_results_follow_the_filter_and_unit_and_stay_the_callers_own() -> None:
    """Totals, trends and breakdowns are kept per view; each key gets its own answer."""
    dataset, located = gateway._demo_dataset()
    remembered = access.demo_view(dataset, located=located)
    sexual = CaseFilter(exploitation=frozenset({"sexual"}))
    labour = CaseFilter(exploitation=frozenset({"labour"}))
    unit = str(located["kabupaten_code"].mode().iloc[0])
    asked = [(sexual, None), (labour, None), (sexual, unit), (None, unit), (None, None)]
    for case_filter, code in asked * 2:  # the second round comes from the memo
        fresh = access.demo_view(dataset, located=located)
        kwargs = {"case_filter": case_filter, "unit": code}
        assert remembered.case_totals(**kwargs) == fresh.case_totals(**kwargs)
        pd.testing.assert_frame_equal(
            remembered.case_trend(frequency="month", **kwargs),
            fresh.case_trend(frequency="month", **kwargs),
        )
        pd.testing.assert_frame_equal(
            remembered.case_breakdown("destination", **kwargs),
            fresh.case_breakdown("destination", **kwargs),
        )
    totals = {remembered.case_totals(case_filter=f, unit=u).cases for f, u in asked}
    assert len(totals) == len(asked)  # five different selections, five different counts
    trend = remembered.case_trend(case_filter=sexual)
    trend["cases"] = -1  # a page changing its copy changes nothing for the next one
    assert (remembered.case_trend(case_filter=sexual)["cases"] >= 0).all()
    breakdown = remembered.case_breakdown("exploitation")
    breakdown["exploitation"] = "changed"
    assert "changed" not in set(remembered.case_breakdown("exploitation")["exploitation"])


def test_an_aggregate_view_asked_for_months_gets_the_remembered_years() -> None:
    dataset, located = gateway._demo_dataset()
    viewer = access.view_for("viewer", dataset, located=located)
    yearly = viewer.case_trend(frequency="year")
    monthly = viewer.case_trend(frequency="month")
    pd.testing.assert_frame_equal(monthly, yearly)
    assert (pd.to_datetime(monthly["period"]).dt.month == 1).all()


def test_an_import_gives_the_next_view_the_new_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A view (and what it remembers) belongs to one data version: after an import the
    gateway hands out a new view that counts the new cases."""
    url = f"gpkg://{tmp_path / 'store.gpkg'}"
    monkeypatch.setenv(DATABASE_URL_ENV, url)
    monkeypatch.setenv(CONFIG_ENV, str(tmp_path / "no-config.toml"))
    store = open_store(url)
    cases = load_sample().cases
    half = len(cases) // 2
    store.import_batch("cases", cases.iloc[:half], user="test")
    auth.create_admin(store, username="admin", password=PASSWORD, by="test")
    gateway.clear_caches()
    try:
        admin = gateway.user_for_token(gateway.login("admin", PASSWORD, client="test").token)
        before = gateway.role_view(admin)
        assert before.case_totals().cases == half
        store.import_batch("cases", cases.iloc[half:], user="test")
        after = gateway.role_view(admin)
        assert after is not before
        assert after.case_totals().cases == len(cases)
        assert before.case_totals().cases == half  # the old view is unchanged, not reused
    finally:
        gateway.clear_caches()


def test_a_value_built_twice_at_once_is_the_one_stored_first() -> None:
    """Two sessions building one frame at once both get the first stored: a map frame keeps
    the publisher of its case details alive, so the frame a session holds must be stored."""
    from geodata.caching import LruCache

    cache: LruCache[object] = LruCache(4)
    first, second = object(), object()

    def racing_build() -> object:
        cache.get("frame", lambda: first)  # another session stores its build meanwhile
        return second

    assert cache.get("frame", racing_build) is first
    assert cache.get("frame", lambda: second) is first
