"""Simulation: which rate smoother to use, with true rates known (issue 10, item 3).

Run from the repository root::

    python tests/benchmarks/bench_risk_simulation.py [--replicates 30] [--seed 1]

Not a test: it prints one table. The 174 kecamatan of Kalimantan Barat with their estimated
population (:func:`layers.indicators.estimate_population`) get a true case rate per person
in three scenarios, then Poisson cases (55 a year, as in 2024, over one or four years):

- ``independent``: log rate = c + N(0, 0.7) per unit;
- ``border``: log rate = c + 1.5 exp(-centre distance to the border / 40 km) + N(0, 0.3):
  risk rises towards the border;
- ``clustered``: log rate = c + a smooth random field (white noise averaged twice over
  Queen neighbours, sd 0.7) + N(0, 0.2): regions of high risk.

Each smoother's rates are compared with the true rates: MSE (per 100,000, squared) and
Spearman's rank correlation (0 for a flat estimate), averaged over replicates; ``flat``: the
share of replicates where a smoother gave every unit the same rate although the raw rates
varied; ``failed``: the share where it gave no rate for some unit (NaN; counted at the
overall rate).
Smoothers: raw rates, global EB by moments (:func:`empirical_bayes_rates`), spatial EB
(:class:`esda.smoothing.Spatial_Empirical_Bayes`, Queen neighbours with the unit itself),
and the Poisson–gamma model fitted by maximum likelihood (:func:`poisson_gamma_rates`),
with one global prior and with a local prior from the neighbours (its pull towards the
overall rate fitted too).
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse, stats

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from esda.smoothing import Spatial_Empirical_Bayes
from libpysal.weights import W

from geodata import reference
from layers.hotspots import neighbour_weights
from layers.indicators import (
    PER_PEOPLE,
    empirical_bayes_rates,
    estimate_population,
    poisson_gamma_rates,
)

CASES_PER_YEAR = 55
SCENARIOS = ("independent", "border", "clustered")
Smoother = Callable[[np.ndarray, np.ndarray], np.ndarray]


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


def run(replicates: int, seed: int) -> pd.DataFrame:
    units = reference.load_units("kecamatan")
    people = estimate_population(units, level="kecamatan").to_numpy()
    border_km = units["centre_dist_border_km"].to_numpy()
    weights = neighbour_weights(units)
    n = len(units)
    rows = [i for i in range(n) for _ in (i, *weights.neighbors[i])]
    cols = [j for i in range(n) for j in (i, *weights.neighbors[i])]
    adjacency = sparse.csr_array((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    mean_of_neighbours = sparse.csr_array(adjacency / adjacency.sum(axis=1)[:, None])
    candidates = smoothers(weights)
    records = []
    rng = np.random.default_rng(seed)
    for years in (1, 4):
        for scenario in SCENARIOS:
            for replicate in range(replicates):
                truth = true_rates(
                    scenario, rng, people=people, border_km=border_km,
                    smoother=mean_of_neighbours, expected_cases=CASES_PER_YEAR * years,
                )  # fmt: skip
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


def summary(records: pd.DataFrame) -> pd.DataFrame:
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    table = summary(run(args.replicates, args.seed))
    print(f"Rate smoothers on {args.replicates} simulated worlds per scenario (kecamatan):")
    print(table.to_string())


if __name__ == "__main__":
    main()
