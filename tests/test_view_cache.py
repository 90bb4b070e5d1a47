"""A role view filters the cases once per filter, however often a page asks (issue 12), and
what it hands out stays the caller's own."""

from __future__ import annotations

import geopandas as gpd
import pytest

from geodata import access
from geodata.access import gateway
from geodata.records.cases import CaseFilter


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
