"""Benchmark: patrol and shelter maximal covering on 100,000 synthetic cases.

Run from the repository root::

    python tests/benchmarks/bench_optimisation.py [--cases 100000] [--seed 1]

Not a test: it prints one table. The issue's target is an MCLP with about 200 candidate
sites in under 10 s. 200 crossings (the five PLBN and 195 invented tracks) are the
candidates; each case is a demand point at its crossing, its own point or its desa's centre,
weighted by recency (half-life 365 days).

Demand is aggregated before the model is built, and the table says how:

- ``places``: cases on the same spot (same crossing, same desa centre, same exact point)
  are merged; exact points stay distinct, so this is the largest model.
- ``grid 1 km`` / ``grid 2 km``: demand snapped to square cells (a point moves at most
  0.7 / 1.4 km), which is how very large case files should be solved.

Each row times the whole ``fit`` (placing cases, weights, aggregation, coverage matrix,
CBC) and, separately, the solver's share (``solve s``: model building and CBC).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from geodata import reference, synthetic
from layers.patrol import PatrolPlan
from layers.shelter_plan import ShelterPlan

TARGET_S = 10.0


def cases_frame(n: int, *, seed: int) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """``n`` synthetic cases and 200 crossings as GeoDataFrames (EPSG:4326)."""
    crossings = synthetic.generate_crossings(seed=seed, n_unofficial=195)
    cases = synthetic.generate_cases(n, seed=seed, crossings=crossings)
    points = gpd.points_from_xy(cases["lon"], cases["lat"])
    geometry = [
        None if lon != lon else point for lon, point in zip(cases["lon"], points, strict=True)
    ]
    return (
        gpd.GeoDataFrame(cases, geometry=geometry, crs="EPSG:4326"),
        gpd.GeoDataFrame(
            crossings,
            geometry=gpd.points_from_xy(crossings["lon"], crossings["lat"]),
            crs="EPSG:4326",
        ),
    )


def timed(run: Callable[[], object]) -> tuple[object, float]:
    started = time.perf_counter()
    result = run()
    return result, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    (cases, crossings), seconds = timed(lambda: cases_frame(args.cases, seed=args.seed))
    gazetteer = reference.load_gazetteer()
    reference.load_units("kabupaten")  # warm the caches so rows time the analysis only
    print(
        f"{len(cases):,} synthetic cases, {len(crossings)} crossings: {seconds:.1f} s to generate"
    )
    print()
    header = (
        f"{'problem':<9} {'demand':<10} {'K':>3} {'radius':>7} {'points':>7} {'cands':>6} "
        f"{'fit s':>6} {'solve s':>7} {'covered':>8} {'reach':>7} {'optimal':>8}"
    )
    print(header)
    print("-" * len(header))
    worst = 0.0
    for grid_km, label in ((None, "places"), (1.0, "grid 1 km"), (2.0, "grid 2 km")):
        for sites in (5, 10, 20):
            plan = PatrolPlan(sites=sites, radius_km=15.0, grid_km=grid_km)
            _, seconds = timed(lambda p=plan: p.fit(cases, crossings, gazetteer=gazetteer))
            worst = max(worst, seconds)
            print(
                f"{'patrol':<9} {label:<10} {sites:>3} {'15 km':>7} {len(plan.demand_):>7,} "
                f"{len(crossings):>6} {seconds:>6.2f} {plan.seconds_:>7.2f} "
                f"{plan.covered_share_ * 100:>7.1f}% {plan.reachable_share_ * 100:>6.1f}% "
                f"{plan.optimal_!s:>8}"
            )
    table = synthetic.generate_shelters(seed=args.seed)
    shelters = gpd.GeoDataFrame(
        table, geometry=gpd.points_from_xy(table["lon"], table["lat"]), crs="EPSG:4326"
    )
    for grid_km, label in ((None, "places"), (2.0, "grid 2 km")):
        shelter = ShelterPlan(radius_km=50.0, new_sites=5, grid_km=grid_km)
        _, seconds = timed(lambda s=shelter: s.fit(cases, shelters, gazetteer=gazetteer))
        kalbar = shelter.coverage_.iloc[-1]
        print(
            f"{'shelter':<9} {label:<10} {5:>3} {'50 km':>7} {int(kalbar['cases']):>7,} "
            f"{shelter.candidates_considered_:>6} {seconds:>6.2f} {shelter.seconds_:>7.2f} "
            f"{kalbar['victims_covered_after'] / kalbar['victims'] * 100:>7.1f}% "
            f"{'':>7} {shelter.optimal_!s:>8}"
        )
    print()
    print(
        "points: demand points after aggregation (shelter rows: placed cases); cands: candidate "
        "sites in the model; covered: share of recency-weighted risk (patrol) or of victims "
        "(shelter, with the new sites); reach: share any crossing could cover (K = all)."
    )
    verdict = "meets" if worst < TARGET_S else "MISSES"
    print(f"Slowest patrol fit: {worst:.2f} s, {verdict} the {TARGET_S:.0f} s target.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
