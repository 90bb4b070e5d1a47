"""Simulation with true rates known (issue 10): smoothers, the backtest, hot spots.

Run from the repository root::

    python tests/benchmarks/bench_risk_simulation.py [--replicates 20] [--seed 1]

Not a test: it prints three tables (3 min 50 s with the defaults on a busy 2-core machine;
the runtime is printed at the end; keep it with ``> tests/artifacts/bench_risk_simulation.txt``,
a git-ignored folder). RISK_METHOD.md 1.2 gives table 1 with ``--replicates 30``.
The 174 kecamatan of Kalimantan Barat with their estimated population
(:func:`layers.indicators.estimate_population`) get a true case rate per person in three
scenarios, then Poisson cases (55 a year, as in 2024):

- ``independent``: log rate = c + N(0, 0.7) per unit;
- ``border``: log rate = c + 1.5 exp(-centre distance to the border / 40 km) + N(0, 0.3):
  risk rises towards the border;
- ``clustered``: log rate = c + a smooth random field (white noise averaged twice over
  Queen neighbours, sd 0.7) + N(0, 0.2): regions of high risk.

**1. Smoothers** (one or four years of cases). Each smoother's rates are compared with the
true rates: MSE (per 100,000, squared) and
Spearman's rank correlation (0 for a flat estimate), averaged over replicates; ``flat``: the
share of replicates where a smoother gave every unit the same rate although the raw rates
varied; ``failed``: the share where it gave no rate for some unit (NaN; counted at the
overall rate).
Smoothers: raw rates, global EB by moments (:func:`empirical_bayes_rates`), spatial EB
(:class:`esda.smoothing.Spatial_Empirical_Bayes`, Queen neighbours with the unit itself),
and the Poisson–gamma model fitted by maximum likelihood (:func:`poisson_gamma_rates`),
with one global prior and with a local prior from the neighbours (its pull towards the
overall rate fitted too).

**2. Backtest** (:func:`layers.backtest.backtest`, as in the app). Five years of cases at
the same true rates; rank on 2020–2023, flag the top 10 % and 20 % of the area, score 2024:
hit rate and PAI of the default index (:data:`layers.risk.DEFAULT_WEIGHTS`), raw counts,
raw cases per km², and, as a ceiling, the true expected cases per km² (``oracle``), averaged
over replicates; then the committed sample (train 2020–2024, test 2025), one run.

**3. Hot spots under constant risk** (:class:`layers.hotspots.HotSpots`, its defaults):
every unit the same rate per person, Poisson cases over one or four years; the share of
kecamatan flagged (any class, hot or cold) on the default measure (observed ÷ expected) and on
raw counts. There is nothing to find, so every flagged unit is a false alarm.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import sparse, stats

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from esda.smoothing import Spatial_Empirical_Bayes
from libpysal.weights import W

from geodata import reference
from geodata.records.datasets import Dataset, load_sample
from layers.backtest import DEFAULT_AREA_SHARES, backtest, compare_rankings
from layers.hotspots import DEFAULT_HOTSPOT_COLUMN, HotSpots, neighbour_weights
from layers.indicators import (
    PER_PEOPLE,
    compute_indicators,
    empirical_bayes_rates,
    estimate_population,
    poisson_gamma_rates,
)
from layers.periods import Period

CASES_PER_YEAR = 55
SCENARIOS = ("independent", "border", "clustered")
#: Years of cases in the backtest worlds: rank on all but the last, score the last.
BACKTEST_YEARS = (2020, 2021, 2022, 2023, 2024)
#: Period lengths of the smoother and hot spot tables, in years.
PERIOD_YEARS = (1, 4)
Smoother = Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Kecamatan:
    """The 174 kecamatan with what every simulation needs, computed once."""

    units: gpd.GeoDataFrame

    @cached_property
    def people(self) -> np.ndarray:
        return estimate_population(self.units, level="kecamatan").to_numpy()

    @cached_property
    def border_km(self) -> np.ndarray:
        return self.units["centre_dist_border_km"].to_numpy()

    @cached_property
    def weights(self) -> W:
        return neighbour_weights(self.units)

    @cached_property
    def mean_of_neighbours(self) -> sparse.csr_array:
        """Row-standardised Queen weights with the diagonal: a one-step neighbourhood mean."""
        n = len(self.units)
        neighbours = self.weights.neighbors
        rows = [i for i in range(n) for _ in (i, *neighbours[i])]
        cols = [j for i in range(n) for j in (i, *neighbours[i])]
        adjacency = sparse.csr_array((np.ones(len(rows)), (rows, cols)), shape=(n, n))
        return sparse.csr_array(adjacency / adjacency.sum(axis=1)[:, None])

    def true_rates(self, scenario: str, rng: np.random.Generator, *, cases: float) -> np.ndarray:
        """:func:`true_rates` for these kecamatan, ``cases`` expected in all."""
        return true_rates(
            scenario, rng, people=self.people, border_km=self.border_km,
            smoother=self.mean_of_neighbours, expected_cases=cases,
        )  # fmt: skip

    def case_records(
        self, expected: np.ndarray, years: tuple[int, ...], rng: np.random.Generator
    ) -> gpd.GeoDataFrame:
        """Poisson cases per kecamatan and year (``expected`` a year), known to the kecamatan."""
        codes = self.units["code"].to_numpy()
        parts = []
        for year in years:
            unit = np.repeat(np.arange(len(codes)), rng.poisson(expected))
            day = pd.to_timedelta(rng.integers(0, 365, len(unit)), unit="D")
            parts.append(
                pd.DataFrame({"date_reported": pd.Timestamp(f"{year}-01-01") + day,
                              "admin_code": codes[unit]})
            )  # fmt: skip
        frame = pd.concat(parts, ignore_index=True)
        frame["location_precision"] = "kecamatan"
        frame["victims_total"] = 1
        return gpd.GeoDataFrame(frame, geometry=[None] * len(frame), crs="EPSG:4326")


def smoothers(weights: W) -> dict[str, Smoother]:
    """The candidates, each ``(events, population) -> rate per person``."""
    order = sorted(weights.neighbors)
    with_self = W(
        {i: [i, *weights.neighbors[i]] for i in order}, id_order=order, silence_warnings=True
    )

    def spatial_eb(e: np.ndarray, n: np.ndarray) -> np.ndarray:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return np.asarray(Spatial_Empirical_Bayes(e, n, with_self).r, dtype=float).ravel()

    return {
        "raw": lambda e, n: e / n,
        "global EB (moments)": empirical_bayes_rates,
        "spatial EB (esda)": spatial_eb,
        "Poisson-gamma ML, global": poisson_gamma_rates,
        "Poisson-gamma ML, local": lambda e, n: poisson_gamma_rates(
            e, n, neighbours=weights.neighbors
        ),
    }


def true_rates(
    scenario: str, rng: np.random.Generator, *, people: np.ndarray, border_km: np.ndarray,
    smoother: sparse.csr_array, expected_cases: float,
) -> np.ndarray:  # fmt: skip
    """True cases per person and period, scaled so the expected total is ``expected_cases``."""
    size = len(people)
    if scenario == "independent":
        log_rate = rng.normal(0.0, 0.7, size)
    elif scenario == "border":
        log_rate = 1.5 * np.exp(-border_km / 40.0) + rng.normal(0.0, 0.3, size)
    else:
        field = rng.normal(size=size)
        for _ in range(2):
            field = smoother @ field
        log_rate = 0.7 * field / field.std() + rng.normal(0.0, 0.2, size)
    rate = np.exp(log_rate)
    return rate * expected_cases / (rate * people).sum()


def run_smoothers(kecamatan: Kecamatan, *, replicates: int, seed: int) -> pd.DataFrame:
    """One row per period length, scenario, replicate and smoother: MSE, Spearman, flags."""
    people = kecamatan.people
    candidates = smoothers(kecamatan.weights)
    records = []
    rng = np.random.default_rng(seed)
    for years in PERIOD_YEARS:
        for scenario in SCENARIOS:
            for replicate in range(replicates):
                truth = kecamatan.true_rates(scenario, rng, cases=CASES_PER_YEAR * years)
                events = rng.poisson(truth * people).astype(float)
                raw_varies = np.ptp(events / people) > 0
                for name, smooth in candidates.items():
                    estimate = smooth(events, people)
                    failed = not np.isfinite(estimate).all()
                    if failed:  # spatial EB divides by 0 where a neighbourhood has no case
                        estimate = np.nan_to_num(estimate, nan=events.sum() / people.sum())
                    records.append(
                        {
                            "years": years,
                            "scenario": scenario,
                            "smoother": name,
                            "replicate": replicate,
                            "mse": np.mean(((estimate - truth) * PER_PEOPLE) ** 2),
                            "spearman": _spearman(estimate, truth),
                            "flat": raw_varies and np.ptp(estimate) < 1e-12 * truth.mean(),
                            "failed": failed,
                        }
                    )
    return pd.DataFrame(records)


def _spearman(estimate: np.ndarray, truth: np.ndarray) -> float:
    """Spearman's rho; 0 for a flat estimate (it ranks nothing)."""
    return 0.0 if np.ptp(estimate) == 0 else float(stats.spearmanr(estimate, truth).statistic)


def smoother_summary(records: pd.DataFrame) -> pd.DataFrame:
    """Mean MSE, Spearman and share flat per period length, scenario and smoother."""
    table = records.groupby(["years", "scenario", "smoother"], sort=False).agg(
        mse=("mse", "mean"),
        spearman=("spearman", "mean"),
        flat=("flat", "mean"),
        failed=("failed", "mean"),
    )
    raw = table.xs("raw", level="smoother")["mse"]
    keys = pd.MultiIndex.from_arrays(
        [table.index.get_level_values("years"), table.index.get_level_values("scenario")]
    )
    table["mse_vs_raw"] = table["mse"].to_numpy() / raw.reindex(keys).to_numpy()
    return table.round({"mse": 2, "spearman": 3, "flat": 2, "failed": 2, "mse_vs_raw": 3})


def run_backtests(
    kecamatan: Kecamatan, sample: Dataset, *, replicates: int, seed: int
) -> pd.DataFrame:
    """The backtest tables of every simulated world (``data`` = scenario), then the sample's."""
    rng = np.random.default_rng([seed, 2])
    cutoff = dt.date(BACKTEST_YEARS[-2], 12, 31)
    options = {"units": kecamatan.units, "crossings": sample.crossings, "shelters": sample.shelters}
    tables = []
    for scenario in SCENARIOS:
        for replicate in range(replicates):
            truth = kecamatan.true_rates(scenario, rng, cases=CASES_PER_YEAR)
            expected = truth * kecamatan.people
            cases = kecamatan.case_records(expected, BACKTEST_YEARS, rng)
            result = backtest(cases, cutoff=cutoff, **options)
            if not result.units["code"].equals(kecamatan.units["code"]):
                raise AssertionError("the backtest should keep the units in their order")
            oracle = compare_rankings(
                {"oracle": expected / kecamatan.units["area_km2"].to_numpy()},
                area_km2=result.units["area_km2"],
                future_cases=result.units["cases_next"],
            )
            tables += [t.assign(data=scenario, replicate=replicate) for t in (result.table, oracle)]
    result = backtest(sample.cases, cutoff=dt.date(2024, 12, 31), **options)
    tables.append(result.table.assign(data="sample (2020-24 -> 2025)", replicate=0))
    return pd.concat(tables, ignore_index=True)


def backtest_summary(records: pd.DataFrame) -> pd.DataFrame:
    """Mean hit rate and PAI per data, ranking and share of the area (shares as columns)."""
    means = records.groupby(["data", "method", "area_share_target"], sort=False)[
        ["hit_rate", "pai"]
    ].mean()
    columns = {}
    for share in DEFAULT_AREA_SHARES:
        at_share = means.xs(share, level="area_share_target")
        columns[f"hit {share:.0%}"] = at_share["hit_rate"]
        columns[f"pai {share:.0%}"] = at_share["pai"]
    return pd.DataFrame(columns).round(3)


def run_constant_risk(kecamatan: Kecamatan, *, replicates: int, seed: int) -> pd.DataFrame:
    """Hot spots where every unit has the same rate per person: one row per world and measure."""
    rng = np.random.default_rng([seed, 3])
    people = kecamatan.people
    records = []
    for years in PERIOD_YEARS:
        period = Period(dt.date(2025 - years, 1, 1), dt.date(2024, 12, 31))
        calendar = tuple(range(2025 - years, 2025))
        for replicate in range(replicates):
            expected = people / people.sum() * CASES_PER_YEAR
            cases = kecamatan.case_records(expected, calendar, rng)
            indicators = compute_indicators(
                cases, level="kecamatan", period=period, units=kecamatan.units
            )
            for column in (DEFAULT_HOTSPOT_COLUMN, "cases"):
                classes = HotSpots(seed=replicate).fit(indicators, column=column).result_
                records.append(
                    {
                        "years": years, "measure": column, "replicate": replicate,
                        "cases": len(cases),
                        "hot": float((classes["hotspot_class"] > 0).mean()),
                        "cold": float((classes["hotspot_class"] < 0).mean()),
                    }
                )  # fmt: skip
    return pd.DataFrame(records)


def constant_risk_summary(records: pd.DataFrame) -> pd.DataFrame:
    """Mean share of kecamatan flagged (hot, cold, either) and of worlds with any flag."""
    records = records.assign(
        flagged=records["hot"] + records["cold"], any_flag=records["hot"] + records["cold"] > 0
    )
    table = records.groupby(["years", "measure"], sort=False).agg(
        cases=("cases", "mean"),
        flagged=("flagged", "mean"),
        hot=("hot", "mean"),
        cold=("cold", "mean"),
        worlds_with_a_flag=("any_flag", "mean"),
    )
    return table.round({"cases": 1, "flagged": 4, "hot": 4, "cold": 4, "worlds_with_a_flag": 2})


def tables(replicates: int, seed: int) -> Iterator[tuple[str, pd.DataFrame]]:
    """The three tables, each with its title, computed one after the other."""
    kecamatan = Kecamatan(reference.load_units("kecamatan"))
    yield (
        f"1. Rate smoothers on {replicates} simulated worlds per scenario and period (kecamatan);"
        " mse in (cases per 100,000)^2:",
        smoother_summary(run_smoothers(kecamatan, replicates=replicates, seed=seed)),
    )
    yield (
        f"2. Backtest, rank on {BACKTEST_YEARS[0]}-{BACKTEST_YEARS[-2]}, score "
        f"{BACKTEST_YEARS[-1]}, mean of {replicates} worlds per scenario (kecamatan; index ="
        " default weights; density = raw cases per km^2; oracle = true expected cases per km^2);"
        " last group: the committed sample, one run:",
        backtest_summary(run_backtests(kecamatan, load_sample(), replicates=replicates, seed=seed)),
    )
    yield (
        f"3. Share of kecamatan flagged by Gi* hot spots (90 % or more, FDR) under constant risk"
        f" per person, {CASES_PER_YEAR} cases a year, mean of {replicates} worlds:",
        constant_risk_summary(run_constant_risk(kecamatan, replicates=replicates, seed=seed)),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.replicates < 1:
        parser.error(f"--replicates should be 1 or more, got {args.replicates}")
    started = time.perf_counter()
    for title, table in tables(args.replicates, args.seed):
        print(title)
        print(table.to_string(), end="\n\n", flush=True)
    print(f"Runtime: {time.perf_counter() - started:.0f} s (after imports)")


if __name__ == "__main__":
    main()
