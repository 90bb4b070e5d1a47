"""Weighted demand and the maximal covering location problem, shared by patrols and shelters.

The maximal covering location problem (MCLP, Church & ReVelle 1974) chooses at most ``p``
sites so that the total weight of demand points within a service radius of a chosen site is
as large as possible::

    maximise    sum_i w_i y_i
    subject to  y_i <= sum_{j in N_i} x_j      for every demand point i
                sum_j x_j <= p
                x_j = 1                        for every site already open
                x_j in {0, 1},  0 <= y_i <= 1

where ``N_i`` are the sites within the radius of ``i``. :func:`solve_max_cover` solves it
exactly with PuLP and CBC. It is the model of :class:`spopt.locate.MCLP` (the tests check
both give the same optimum) written sparsely: spopt builds a dense demand × site matrix and
one constraint over every site for each demand point, while here only pairs within the
radius enter the model, demand that no free site can reach is left out, demand already
covered by open sites is set aside, and demand points covered by the same set of sites are
merged. ``y`` may be continuous: with binary ``x`` it is 1 exactly when a chosen site
covers ``i``.

Demand comes from cases: :func:`case_places` gives each case a point (its own, or its
desa's representative point), :func:`recency_weights` discounts old cases and
:func:`aggregate_demand` merges points on the same spot (or in the same grid cell) before
the model is built. All distances are computed in :data:`geodata.settings.METRIC_CRS`.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import pulp
from pulp.apis import coin_api
from scipy import sparse
from scipy.spatial import KDTree

from geodata import reference
from geodata.codes import code_level
from geodata.errors import GeodataError
from geodata.settings import CODE_LENGTH, METRIC_CRS
from layers._inputs import require_frame

__all__ = [
    "CoverResult",
    "aggregate_demand",
    "case_kabupaten",
    "case_places",
    "case_victims",
    "coverage_matrix",
    "metric_xy",
    "percent_of",
    "recency_weights",
    "solve_max_cover",
]

log = logging.getLogger(__name__)

#: Points closer than this (metres) are one demand point when no grid is asked for.
SAME_PLACE_M: Final = 1.0


@dataclass(frozen=True)
class CoverResult:
    """The solution of a maximal covering problem.

    Attributes
    ----------
    sites
        Indices (into the candidate sites) of the chosen sites, in the order in which each
        adds the most weight not yet covered (sites already open come before all of them
        and are not listed). A chosen site that would add nothing is left out, so there may
        be fewer sites than asked for.
    gains
        Weight newly covered by each site of ``sites``, in the same order.
    covered
        For each demand point, whether an open or chosen site covers it.
    covered_before
        For each demand point, whether a site already open covers it.
    weights
        Weight of each demand point.
    optimal
        Whether CBC proved the choice optimal (False only when a time limit stopped it).
    seconds
        Time spent building and solving the model.
    """

    sites: np.ndarray
    gains: np.ndarray
    covered: np.ndarray
    covered_before: np.ndarray
    weights: np.ndarray
    optimal: bool
    seconds: float

    @property
    def total_weight(self) -> float:
        """Total weight of all demand points."""
        return float(self.weights.sum())

    @property
    def covered_weight(self) -> float:
        """Weight covered by the open and chosen sites together."""
        return float(self.weights[self.covered].sum())

    @property
    def covered_share(self) -> float:
        """Share (0–1) of the total weight that is covered; NaN when there is no demand."""
        total = self.total_weight
        return self.covered_weight / total if total > 0 else float("nan")


def recency_weights(
    dates: pd.Series | Sequence[dt.date], *, reference_date: dt.date, half_life_days: float
) -> np.ndarray:
    """Exponential recency weight of each date: 1 on ``reference_date``, ½ one half-life earlier.

    ``w = 0.5 ** (age_days / half_life_days)`` with ``age_days = reference_date - date``.
    Dates after the reference date weigh 1 (callers normally leave them out); a missing
    date weighs 0.

    Parameters
    ----------
    dates
        Dates of the cases (``date_reported``).
    reference_date
        The date the weights are relative to, normally the last day of the period.
    half_life_days
        Age at which a case counts half as much as one on the reference date.

    Raises
    ------
    ValueError
        If ``half_life_days`` is not a positive number.
    """
    if not np.isfinite(half_life_days) or half_life_days <= 0:
        raise GeodataError(
            f"`half_life_days` should be a positive number of days, got {half_life_days!r}"
        )
    stamps = pd.to_datetime(pd.Series(dates), errors="coerce").dt.normalize()
    age_days = (pd.Timestamp(reference_date) - stamps).dt.days.to_numpy(dtype=float)
    weights = np.power(0.5, np.clip(age_days, 0.0, None) / half_life_days)
    return np.nan_to_num(weights, nan=0.0)


def case_places(cases: gpd.GeoDataFrame, *, gazetteer: pd.DataFrame | None = None) -> gpd.GeoSeries:
    """Where each case can be placed on the map, as points in the cases' CRS.

    A case's own point is used when it has one; otherwise, when its ``admin_code`` names a
    desa, the desa's representative point from the gazetteer. Cases known only to the
    kecamatan or kabupaten get ``None``: a kecamatan can be thousands of km², so a point at
    its centre would put the case tens of km from where it happened.

    Parameters
    ----------
    cases
        Cases as from :func:`geodata.records.loaders.load_cases`.
    gazetteer
        Codes with ``lat``/``lon``; ``None`` loads :func:`geodata.reference.load_gazetteer`.
    """
    require_frame(cases, "cases", [])
    places = cases.geometry.copy()
    missing = places.isna() | places.is_empty
    if "admin_code" in cases.columns and missing.any():
        if gazetteer is None:
            gazetteer = reference.load_gazetteer()
        centres = gazetteer.dropna(subset=["lon", "lat"]).set_index("code")
        codes = cases.loc[missing, "admin_code"].astype("string")
        is_desa = code_level(codes) == "desa"
        found = centres.reindex(codes[is_desa].to_numpy())
        points = gpd.points_from_xy(found["lon"], found["lat"], crs="EPSG:4326")
        points_series = gpd.GeoSeries(points, index=codes[is_desa].index).to_crs(cases.crs)
        places.loc[points_series.index] = points_series.where(~points_series.is_empty, None)
    places = places.where(places.notna() & ~places.is_empty, None)
    return gpd.GeoSeries(places, index=cases.index, crs=cases.crs)


def case_kabupaten(
    cases: gpd.GeoDataFrame, *, kabupaten: gpd.GeoDataFrame | None = None
) -> pd.Series:
    """Kabupaten code of each case: from its ``admin_code``, else from its point.

    The loader already checks that a point lies in the unit of its code, so the code is
    trusted first; a case with a point but no code is placed by point-in-polygon.

    Parameters
    ----------
    cases
        Cases as from :func:`geodata.records.loaders.load_cases`.
    kabupaten
        Kabupaten units with ``code``; ``None`` loads the reference coverage.
    """
    length = CODE_LENGTH["kabupaten"]
    codes = cases.get("admin_code", pd.Series(pd.NA, index=cases.index)).astype("string")
    result = codes.str.slice(0, length).where(codes.str.len() >= length)
    todo = result.isna() & cases.geometry.notna() & ~cases.geometry.is_empty
    if todo.any():
        if kabupaten is None:
            kabupaten = reference.load_units("kabupaten")
        points = cases.geometry[todo].to_crs(kabupaten.crs)
        joined = gpd.sjoin(
            gpd.GeoDataFrame(geometry=points), kabupaten[["code", "geometry"]], predicate="within"
        )
        joined = joined[~joined.index.duplicated()]
        result.loc[joined.index] = joined["code"].astype("string")
    return result


def case_victims(cases: pd.DataFrame) -> pd.Series:
    """Victims of each case (``victims_selected`` after filtering, else ``victims_total``).

    A frame with neither column counts one victim per case.
    """
    for column in ("victims_selected", "victims_total"):
        if column in cases.columns:
            return cases[column].fillna(0).astype("int64")
    return pd.Series(1, index=cases.index, dtype="int64")


def percent_of(values: np.ndarray | pd.Series, total: float) -> np.ndarray:
    """``values`` as a percentage of ``total`` (NaN when the total is 0)."""
    values = np.asarray(values, dtype=float)
    return values / total * 100.0 if total > 0 else np.full(len(values), np.nan)


def metric_xy(geometries: gpd.GeoSeries) -> np.ndarray:
    """Coordinates (metres) of points in :data:`METRIC_CRS`, as an ``(n, 2)`` array.

    Raises
    ------
    ValueError
        If the points have no CRS (set one with ``set_crs()``) or some are missing.
    """
    if geometries.crs is None:
        raise GeodataError(
            "The points have no CRS; set it with `.set_crs('EPSG:4326')` if they are lon/lat"
        )
    if (geometries.isna() | geometries.is_empty).any():
        raise GeodataError("Every point needs a geometry; drop the missing ones first")
    projected = geometries.to_crs(METRIC_CRS)
    return np.column_stack([projected.x.to_numpy(), projected.y.to_numpy()])


def aggregate_demand(
    xy: np.ndarray, weights: np.ndarray, *, grid_km: float | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Merge demand points on the same spot, or in the same square grid cell, adding weights.

    Parameters
    ----------
    xy
        ``(n, 2)`` coordinates in metres.
    weights
        Weight of each point.
    grid_km
        Cell size; each point moves to its cell's centre, at most ``grid_km / √2`` away, so
        coverage can be off by that much at the edge of a radius. ``None`` merges only
        points within :data:`SAME_PLACE_M` of the same metre grid (no displacement to speak
        of).

    Returns
    -------
    tuple of numpy.ndarray
        The merged coordinates ``(m, 2)``, their summed weights ``(m,)`` and, for each
        input point, the index of the merged point it went to ``(n,)``.
    """
    if grid_km is not None and (not np.isfinite(grid_km) or grid_km <= 0):
        raise GeodataError(f"`grid_km` should be a positive number of km or None, got {grid_km!r}")
    cell = SAME_PLACE_M if grid_km is None else grid_km * 1000.0
    keys = np.floor(np.asarray(xy, dtype=float) / cell).astype(np.int64)
    unique, inverse = np.unique(keys, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    summed = np.bincount(inverse, weights=np.asarray(weights, dtype=float), minlength=len(unique))
    if grid_km is None:
        first = np.full(len(unique), -1)
        first[inverse[::-1]] = np.arange(len(inverse))[::-1]
        merged_xy = np.asarray(xy, dtype=float)[first]
    else:
        merged_xy = (unique + 0.5) * cell
    return merged_xy, summed, inverse


def coverage_matrix(
    demand_xy: np.ndarray, site_xy: np.ndarray, *, radius_m: float
) -> sparse.csr_array:
    """Which sites cover which demand points: a boolean ``(n_demand, n_sites)`` sparse matrix.

    A site covers a point at a straight-line distance of at most ``radius_m`` (metres, in a
    projected CRS such as :data:`METRIC_CRS`).
    """
    if not np.isfinite(radius_m) or radius_m < 0:
        raise GeodataError(f"`radius_m` should be a distance of 0 or more, got {radius_m!r}")
    demand_xy = np.asarray(demand_xy, dtype=float).reshape(-1, 2)
    site_xy = np.asarray(site_xy, dtype=float).reshape(-1, 2)
    if len(demand_xy) == 0 or len(site_xy) == 0:
        return sparse.csr_array((len(demand_xy), len(site_xy)), dtype=bool)
    neighbours = KDTree(site_xy).query_ball_point(demand_xy, r=radius_m)
    lengths = np.fromiter(
        (len(found) for found in neighbours), dtype=np.int64, count=len(demand_xy)
    )
    rows = np.repeat(np.arange(len(demand_xy)), lengths)
    cols = np.fromiter(
        (j for found in neighbours for j in found), dtype=np.int64, count=int(lengths.sum())
    )
    data = np.ones(len(rows), dtype=bool)
    return sparse.csr_array((data, (rows, cols)), shape=(len(demand_xy), len(site_xy)))


def solve_max_cover(
    coverage: sparse.sparray | sparse.spmatrix | np.ndarray,
    weights: np.ndarray | Sequence[float],
    *,
    sites: int,
    fixed: Iterable[int] = (),
    time_limit_s: float | None = None,
) -> CoverResult:
    """Choose up to ``sites`` new sites that cover the most weight, exactly (PuLP + CBC).

    Parameters
    ----------
    coverage
        Boolean ``(n_demand, n_sites)`` matrix, as from :func:`coverage_matrix`.
    weights
        Weight of each demand point (0 or more).
    sites
        How many new sites to choose (0 or more), besides the ``fixed`` ones.
    fixed
        Indices of sites that are already open (existing shelters): their demand counts as
        covered and they do not count towards ``sites``.
    time_limit_s
        Stop CBC after this many seconds and keep the best choice found (``optimal`` then
        tells whether it was proven optimal); ``None`` runs to the proven optimum.

    Returns
    -------
    CoverResult
        The chosen sites in order of marginal gain, and what they cover.

    Raises
    ------
    ValueError
        If the shapes disagree, a weight is negative or not finite, ``sites`` is negative,
        or a fixed index is out of range; every problem is listed in one message.
    """
    started = time.perf_counter()
    matrix = sparse.csc_array(coverage, dtype=bool)
    weights = np.asarray(weights, dtype=float).reshape(-1)
    fixed_index = np.unique(np.asarray(list(fixed), dtype=np.int64))
    _check_cover_arguments(matrix, weights, sites=sites, fixed=fixed_index)
    n_demand, n_sites = matrix.shape
    covered_before = _covered_by(matrix, fixed_index, n_demand)

    free = np.setdiff1d(np.arange(n_sites), fixed_index)
    open_demand = ~covered_before & (weights > 0)
    chosen, optimal = _solve_reduced(
        matrix, weights, open_demand=open_demand, free=free, sites=sites, time_limit_s=time_limit_s
    )
    order, gains = _order_by_gain(matrix, weights, chosen, covered=covered_before)
    covered = covered_before | _covered_by(matrix, order, n_demand)
    seconds = time.perf_counter() - started
    log.info(
        "MCLP: %d of %d sites chosen (%d open), %d demand points, %.2f s%s",
        len(order),
        n_sites,
        len(fixed_index),
        n_demand,
        seconds,
        "" if optimal else " (time limit: not proven optimal)",
    )
    return CoverResult(
        sites=order,
        gains=gains,
        covered=covered,
        covered_before=covered_before,
        weights=weights,
        optimal=optimal,
        seconds=seconds,
    )


def _check_cover_arguments(
    matrix: sparse.csc_array, weights: np.ndarray, *, sites: int, fixed: np.ndarray
) -> None:
    """Raise one error listing every problem with the arguments of :func:`solve_max_cover`."""
    problems = []
    if len(weights) != matrix.shape[0]:
        problems.append(
            f"`weights` should have one value per demand point ({matrix.shape[0]}), "
            f"got {len(weights)}"
        )
    if not np.all(np.isfinite(weights)) or np.any(weights < 0):
        problems.append("`weights` should be finite and 0 or more; drop or fix the bad values")
    if isinstance(sites, bool) or not isinstance(sites, int | np.integer) or sites < 0:
        problems.append(f"`sites` should be a whole number, 0 or more, got {sites!r}")
    if len(fixed) and (fixed.min() < 0 or fixed.max() >= matrix.shape[1]):
        problems.append(
            f"`fixed` should hold site indices from 0 to {matrix.shape[1] - 1}, "
            f"got {fixed.tolist()}"
        )
    if problems:
        raise GeodataError("Cannot solve the covering problem:\n- " + "\n- ".join(problems))


def _covered_by(matrix: sparse.csc_array, site_index: np.ndarray, n_demand: int) -> np.ndarray:
    """Demand points covered by any of the given sites."""
    if len(site_index) == 0:
        return np.zeros(n_demand, dtype=bool)
    return np.asarray(matrix[:, site_index].sum(axis=1)).reshape(-1) > 0


def _solve_reduced(
    matrix: sparse.csc_array,
    weights: np.ndarray,
    *,
    open_demand: np.ndarray,
    free: np.ndarray,
    sites: int,
    time_limit_s: float | None,
) -> tuple[np.ndarray, bool]:
    """Solve the MCLP on the demand not yet covered and the free sites; return chosen sites."""
    sub = sparse.csr_array(matrix[:, free][open_demand])
    sub_weights = weights[open_demand]
    reachable = np.diff(sub.indptr) > 0
    sub, sub_weights = sub[reachable], sub_weights[reachable]
    useful = np.asarray(sub.sum(axis=0)).reshape(-1) > 0
    if sites == 0 or not useful.any():
        return np.array([], dtype=np.int64), True
    if sites >= int(useful.sum()):
        return free[useful], True
    groups, group_weights = _merge_identical_rows(sub, sub_weights)

    model = pulp.LpProblem("mclp", pulp.LpMaximize)
    x = {int(j): model.add_variable(f"x_{j}", cat=pulp.LpBinary) for j in np.flatnonzero(useful)}
    y = [model.add_variable(f"y_{i}", lowBound=0, upBound=1) for i in range(len(groups))]
    model.setObjective(pulp.lpSum(float(w) * var for w, var in zip(group_weights, y, strict=True)))
    for i, columns in enumerate(groups):
        model.addConstraint(y[i] <= pulp.lpSum(x[int(j)] for j in columns), f"cover_{i}")
    model.addConstraint(pulp.lpSum(x.values()) <= sites, "sites")
    model.solve(_cbc_solver(time_limit_s))
    if model.sol_status not in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
        raise GeodataError(
            f"CBC found no solution (status {pulp.LpStatus[model.status]}); "
            "try a longer `time_limit_s`"
        )
    picked = np.array(sorted(j for j, var in x.items() if (var.value() or 0) > 0.5), dtype=np.int64)
    return free[picked], model.sol_status == pulp.LpSolutionOptimal


def _cbc_solver(time_limit_s: float | None) -> pulp.LpSolver:
    """CBC through ``COIN_CMD``: a ``cbc`` on the PATH, else the binary bundled with PuLP.

    ``PULP_CBC_CMD`` does the same but is deprecated (PuLP 4.0 drops it, with a warning).
    """
    path = shutil.which("cbc")
    if path is None:
        bundled = Path(coin_api.pulp_cbc_path).resolve()
        path = str(bundled) if bundled.is_file() else None
    if path is None:
        raise FileNotFoundError(
            "The CBC solver is not installed; install it with `pip install 'pulp[cbc]'` "
            "(or `apt-get install coinor-cbc`)"
        )
    return pulp.COIN_CMD(path=path, msg=False, timeLimit=time_limit_s)


def _merge_identical_rows(
    matrix: sparse.csr_array, weights: np.ndarray
) -> tuple[list[np.ndarray], np.ndarray]:
    """Group demand rows covered by the same set of sites; return each set and its weight."""
    keys: dict[bytes, int] = {}
    groups: list[np.ndarray] = []
    summed: list[float] = []
    for i in range(matrix.shape[0]):
        columns = matrix.indices[matrix.indptr[i] : matrix.indptr[i + 1]]
        key = np.sort(columns).tobytes()
        if key in keys:
            summed[keys[key]] += float(weights[i])
        else:
            keys[key] = len(groups)
            groups.append(np.sort(columns))
            summed.append(float(weights[i]))
    return groups, np.array(summed)


def _order_by_gain(
    matrix: sparse.csc_array, weights: np.ndarray, chosen: np.ndarray, *, covered: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Order chosen sites greedily by the weight each adds; drop those that add nothing."""
    covered = covered.copy()
    remaining = [int(j) for j in chosen]
    order: list[int] = []
    gains: list[float] = []
    while remaining:
        gain = [
            float(weights[_column(matrix, j)][~covered[_column(matrix, j)]].sum())
            for j in remaining
        ]
        best = int(np.argmax(gain))
        if gain[best] <= 0:
            break
        site = remaining.pop(best)
        order.append(site)
        gains.append(gain[best])
        covered[_column(matrix, site)] = True
    return np.array(order, dtype=np.int64), np.array(gains, dtype=float)


def _column(matrix: sparse.csc_array, j: int) -> np.ndarray:
    """Row indices of the demand points covered by site ``j``."""
    return matrix.indices[matrix.indptr[j] : matrix.indptr[j + 1]]
