"""The risk page's data work (layers.ranking) on the committed sample data."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from geodata import reference
from geodata.records.datasets import Dataset
from layers.periods import Period
from layers.ranking import RiskInputs, backtest_level, hotspot_level, on_units, rank_units
from layers.risk import DEFAULT_WEIGHTS, risk_table

YEAR_2025 = Period(dt.date(2025, 1, 1), dt.date(2025, 12, 31))


@pytest.fixture(scope="module")
def inputs(sample: Dataset) -> RiskInputs:
    return RiskInputs(sample.cases, YEAR_2025, crossings=sample.crossings, shelters=sample.shelters)


def test_the_ranking_is_the_risk_table(inputs: RiskInputs, sample: Dataset) -> None:
    ranking = rank_units(inputs, level="kecamatan", weights=DEFAULT_WEIGHTS)
    assert ranking.status.ok and ranking.index is not None
    table = risk_table(
        sample.cases, level="kecamatan", period=YEAR_2025, weights=DEFAULT_WEIGHTS,
        crossings=sample.crossings, shelters=sample.shelters,
    )  # fmt: skip
    ranked = ranking.ranked()
    assert ranked["code"].tolist() == table["code"].tolist()
    assert ranked["risk_rank"].is_monotonic_increasing
    first = table.iloc[0]
    labels = ranking.labels()
    assert list(labels) == table["code"].tolist()
    assert labels[first["code"]] == f"1. {first['name']}"


def test_a_period_without_cases_gives_a_status_and_no_index(sample: Dataset) -> None:
    empty = RiskInputs(sample.cases, Period(dt.date(2001, 1, 1), dt.date(2001, 12, 31)))
    ranking = rank_units(empty, level="kabupaten", weights=DEFAULT_WEIGHTS)
    assert not ranking.status.ok and ranking.status.cases == 0
    assert ranking.index is None
    assert ranking.ranked().empty and ranking.labels() == {}


def test_results_go_on_the_web_geometry_by_code(inputs: RiskInputs) -> None:
    ranking = rank_units(inputs, level="kabupaten", weights=DEFAULT_WEIGHTS)
    assert ranking.index is not None
    web = reference.load_web_layer("kabupaten")
    shown = on_units(web, ranking.index.scores_)
    assert set(shown["code"]) == set(web["code"]) & set(ranking.index.scores_["code"])
    by_code = shown.set_index("code")
    for code, geometry in zip(web["code"], web.geometry, strict=True):
        assert by_code.loc[code, "geometry"].equals(geometry)
    scores = ranking.index.scores_.set_index("code")["risk_score"]
    pd.testing.assert_series_equal(
        by_code["risk_score"], scores.reindex(by_code.index), check_names=False
    )


def test_levels_of_the_hot_spots_and_the_backtest() -> None:
    assert [hotspot_level(level) for level in ("kabupaten", "kecamatan", "desa")] == [
        "kecamatan", "kecamatan", "desa",
    ]  # fmt: skip
    assert [backtest_level(level) for level in ("kabupaten", "kecamatan", "desa")] == [
        "kecamatan", "kecamatan", "desa",
    ]  # fmt: skip
