"""Backtest: flagging by area, hit rate and PAI by hand, the sample data, and a simulation
where the true risk is known (the default index must do at least as well as raw counts, and
about as well as cases per km²)."""

from __future__ import annotations

import datetime as dt
from functools import cache

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from geodata import reference
from geodata.errors import GeodataError
from geodata.records.datasets import Dataset
from layers.backtest import (
    TABLE_COLUMNS,
    BacktestResult,
    backtest,
    capture,
    compare_rankings,
    flag_top_area,
)
from layers.hotspots import neighbour_weights
from layers.indicators import estimate_population

# --------------------------------------------------------------------------- by hand

AREA = np.array([10.0, 20.0, 30.0, 40.0, 100.0])  # 200 km² in all
SCORE = np.array([5.0, 4.0, 3.0, 2.0, 1.0])
NEXT = np.array([4.0, 2.0, 3.0, 0.0, 1.0])  # 10 cases next period


def test_flagging_stops_at_the_first_unit_that_does_not_fit() -> None:
    # 10 % of 200 km² = 20 km²: unit 0 (10 km²) fits, unit 1 would make 30: stop.
    assert flag_top_area(SCORE, AREA, share=0.1).tolist() == [True, False, False, False, False]
    # 20 % = 40 km²: units 0 and 1 (30 km²); unit 2 would make 60.
    assert flag_top_area(SCORE, AREA, share=0.2).tolist() == [True, True, False, False, False]
    # Equal scores: the smaller unit first.
    tied = flag_top_area(np.array([1.0, 1.0, 0.0]), np.array([30.0, 10.0, 60.0]), share=0.1)
    assert tied.tolist() == [False, True, False]


def test_hit_rate_and_pai_by_hand() -> None:
    # 10 %: unit 0 holds 4 of 10 next cases on 10 of 200 km²: hit 0.4, PAI 0.4 / 0.05 = 8.
    ten = capture(SCORE, AREA, NEXT, share=0.1)
    assert ten == {
        "units_flagged": 1.0,
        "area_share": 0.05,
        "cases_captured": 4.0,
        "cases_total": 10.0,
        "hit_rate": 0.4,
        "pai": pytest.approx(8.0),
    }
    # 20 %: units 0 and 1: 6 of 10 cases on 30 of 200 km²: hit 0.6, PAI 0.6 / 0.15 = 4.
    twenty = capture(SCORE, AREA, NEXT, share=0.2)
    assert twenty["hit_rate"] == pytest.approx(0.6)
    assert twenty["pai"] == pytest.approx(4.0)
    # Nothing next period: no hit rate or PAI to speak of.
    assert np.isnan(capture(SCORE, AREA, np.zeros(5), share=0.2)["pai"])


def test_compare_rankings_table() -> None:
    table = compare_rankings(
        {"good": SCORE, "bad": -SCORE}, area_km2=AREA, future_cases=NEXT, shares=(0.1, 0.5)
    )
    assert list(table.columns) == list(TABLE_COLUMNS)
    assert table["method"].tolist() == ["good", "good", "bad", "bad"]
    bad = table.iloc[2]  # flags unit 4 (100 km², 50 % of the area) at 50 %, not at 10 %
    assert bad["units_flagged"] == 0 and np.isnan(bad["pai"])
    assert table.iloc[3]["pai"] == pytest.approx(0.1 / 0.5)


def test_flagging_arguments_are_checked() -> None:
    with pytest.raises(GeodataError, match="`share` should be above 0 and at most 1"):
        flag_top_area(SCORE, AREA, share=1.5)
    with pytest.raises(GeodataError, match="one value per unit"):
        flag_top_area(SCORE, AREA[:3], share=0.1)


# --------------------------------------------------------------------------- sample data


def test_backtest_on_the_sample(sample: Dataset) -> None:
    result = backtest(
        sample.cases,
        cutoff=dt.date(2024, 12, 31),
        crossings=sample.crossings,
        shelters=sample.shelters,
    )
    assert isinstance(result, BacktestResult)
    assert result.test.start == dt.date(2025, 1, 1) and result.test.end == dt.date(2025, 12, 31)
    assert result.train.start == dt.date(2020, 1, 1)
    table = result.table
    assert len(table) == 6
    assert set(table["method"]) == {"index", "counts", "density"}
    assert (table["cases_total"] == result.units["cases_next"].sum()).all()
    assert table["area_share"].le(table["area_share_target"] + 1e-9).all()
    print(
        "\nSample backtest (kecamatan, train 2020–2024, test 2025):\n"
        + table.round(3).to_string(index=False)
    )
    shown = result.display_table(lang="id")
    assert "Tingkat tangkapan (%)" in shown.columns
    assert set(shown["Cara meranking"]) == {
        "Indeks risiko (bobot bawaan)",
        "Jumlah kasus mentah",
        "Kasus per km² (kepadatan mentah)",
    }
    assert "Jan 2025" in result.summary(lang="en") or "January 2025" in result.summary(lang="en")
    assert np.isfinite(result.gain())


def test_backtest_arguments_are_checked(sample: Dataset) -> None:
    with pytest.raises(TypeError, match=r"`cutoff` should be a datetime\.date"):
        backtest(sample.cases, cutoff="2024-12-31")  # type: ignore[arg-type]
    with pytest.raises(GeodataError, match="`horizon_months` should be 1 or more"):
        backtest(sample.cases, cutoff=dt.date(2024, 12, 31), horizon_months=0)


# --------------------------------------------------------------------------- simulation

#: Years simulated: four to rank on, the last one to score.
YEARS = (2020, 2021, 2022, 2023, 2024)
CUTOFF = dt.date(2023, 12, 31)
CASES_PER_YEAR = 55  # as in Kalimantan Barat (54 cases in 2024)
REPLICATES = 12


@cache
def _kecamatan() -> gpd.GeoDataFrame:
    return reference.load_units("kecamatan")


@cache
def _smoother() -> sparse.csr_array:
    """Row-standardised Queen weights with the diagonal: a one-step neighbourhood mean."""
    weights = neighbour_weights(_kecamatan())
    n = len(_kecamatan())
    rows = [i for i in range(n) for _ in (i, *weights.neighbors[i])]
    cols = [j for i in range(n) for j in (i, *weights.neighbors[i])]
    matrix = sparse.csr_array((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    return sparse.csr_array(matrix / matrix.sum(axis=1)[:, None])


def latent_risk(rng: np.random.Generator, *, border_effect: float) -> np.ndarray:
    """True share of cases per kecamatan: stable over the years, known to the test.

    ``people x exp(smooth field + border_effect x closeness to the border)``: the true
    population varies ±40 % around the village-count estimate the index sees, the smooth
    field (noise averaged twice over Queen neighbours) makes regions of high risk the index
    cannot see, and the border term is one the index can see only through its border
    indicator.
    """
    units = _kecamatan()
    field = rng.normal(size=len(units))
    for _ in range(2):
        field = _smoother() @ field
    field = 0.7 * field / field.std()
    people = estimate_population(units, level="kecamatan").to_numpy()
    people = people * rng.lognormal(0.0, 0.4, len(units))
    closeness = np.exp(-units["centre_dist_border_km"].to_numpy() / 40.0)
    log_risk = np.log(people) + field + border_effect * closeness
    risk = np.exp(log_risk - log_risk.max())
    return risk / risk.sum()


def simulate_cases(risk: np.ndarray, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """Poisson cases per kecamatan and year, known to the kecamatan, one victim each."""
    codes = _kecamatan()["code"].to_numpy()
    parts = []
    for year in YEARS:
        unit = np.repeat(np.arange(len(codes)), rng.poisson(risk * CASES_PER_YEAR))
        day = pd.to_timedelta(rng.integers(0, 365, len(unit)), unit="D")
        parts.append(
            pd.DataFrame({"date_reported": pd.Timestamp(f"{year}-01-01") + day,
                          "admin_code": codes[unit]})
        )  # fmt: skip
    frame = pd.concat(parts, ignore_index=True)
    frame["location_precision"] = "kecamatan"
    frame["victims_total"] = 1
    return gpd.GeoDataFrame(frame, geometry=[None] * len(frame), crs="EPSG:4326")


def _simulated_backtests(sample: Dataset, *, border_effect: float) -> pd.DataFrame:
    tables = []
    for seed in range(REPLICATES):
        rng = np.random.default_rng(seed)
        cases = simulate_cases(latent_risk(rng, border_effect=border_effect), rng)
        result = backtest(
            cases,
            cutoff=CUTOFF,
            units=_kecamatan(),
            crossings=sample.crossings,
            shelters=sample.shelters,
        )
        tables.append(result.table.assign(seed=seed))
    table = pd.concat(tables, ignore_index=True)
    return table.groupby(["area_share_target", "method"])[["hit_rate", "pai"]].mean().unstack()


@pytest.mark.parametrize("border_effect", [1.5, 0.0], ids=["border_risk", "no_border_risk"])
def test_default_index_does_at_least_as_well_as_raw_counts_on_simulated_data(
    sample: Dataset, border_effect: float
) -> None:
    means = _simulated_backtests(sample, border_effect=border_effect)
    lines = [
        f"\nSimulated kecamatan backtest ({REPLICATES} replicates, border effect "
        f"{border_effect}): train {YEARS[0]}–{YEARS[-2]}, test {YEARS[-1]}"
    ]
    for share in means.index:
        hit, pai = means.loc[share, "hit_rate"], means.loc[share, "pai"]
        lines.append(
            f"  top {share:.0%} of area: hit rate index {hit['index']:.3f} vs counts "
            f"{hit['counts']:.3f} ({hit['index'] - hit['counts']:+.3f}); PAI index "
            f"{pai['index']:.2f} vs counts {pai['counts']:.2f} "
            f"({pai['index'] / pai['counts'] - 1:+.0%})"
        )
        lines.append(
            f"      cases per km²: hit rate {hit['density']:.3f}, PAI {pai['density']:.2f}"
        )
    print("\n".join(lines))
    assert (means["pai"]["index"] >= means["pai"]["counts"]).all()
    assert (means["hit_rate"]["index"] >= means["hit_rate"]["counts"]).all()
    # The default weights were chosen on other simulated worlds (seeds 100-111) to do as
    # well as the stronger baseline, cases per km² (RISK_METHOD.md 2.2): within 3 % here.
    assert (means["pai"]["index"] >= 0.97 * means["pai"]["density"]).all()
