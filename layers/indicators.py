"""Risk indicators per administrative unit and period: counts, rates, change and exposure.

:func:`compute_indicators` returns one row per unit (kabupaten, kecamatan or desa) with the
columns below; every distance is computed in :data:`~geodata.settings.METRIC_CRS`. The method
and the reasons for each choice are in ``layers/RISK_METHOD.md``.

==============================  ===========================================================
column                          meaning
==============================  ===========================================================
cases, victims                  cases reported in the period, and their victims
population                      people: Kemendagri 2025 per kabupaten; at kecamatan and desa
                                level the office's loaded figure where there is one, else an
                                *estimate* (``population_estimated`` is True): what remains
                                of the kabupaten shared out equally among its desa, see
                                :func:`estimate_population`
population_source               ``loaded``, ``estimated`` or ``kabupaten`` (Kemendagri)
population_year                 year of the figure (2025 for Kemendagri and estimates)
cases_per_100k                  cases per 100,000 people (raw rate)
victims_per_100k                victims per 100,000 people (raw rate)
cases_rate_eb_per_100k          cases per 100,000, smoothed by empirical Bayes (default: a
                                Poisson–gamma model with a local prior, :func:`smooth_rates`)
victims_rate_eb_per_100k        victims per 100,000, smoothed the same way
cases_eb_per_100km2             smoothed case density: the unit's cases after smoothing
                                (``cases_rate_eb_per_100k`` times its people) per 100 km²
cases_observed_expected         cases ÷ the cases expected from the unit's people at the
                                overall rate (1 = as expected; not smoothed, so its map has
                                no spatial pattern of its own: the default for hot spots)
cases_previous                  cases in the previous period of the same length
cases_change                    cases minus cases_previous
cases_change_pct                cases_change as % of cases_previous (NaN when that is 0)
unofficial_crossings            unofficial crossings (land tracks, river routes) in the unit;
                                one outside Kalbar that the checks accept (over the border:
                                ``BORDER_BAND_KM``) in the nearest unit
unofficial_crossings_near       the same within ``crossings_near_km`` of the unit (inside
                                included)
dist_border_km                  shortest distance from the unit to the land border
centre_dist_border_km           distance from the unit's centre to the land border
shelter_dist_km                 mean distance from the unit's cases to the nearest shelter,
                                or from its centre when it has no case in the period
                                (confidential shelters at their kecamatan's centre)
==============================  ===========================================================

The change columns are NaN when the previous period starts before the data does (there is
nothing to compare with). Crossing and shelter columns are NaN when no crossings or shelters
are given.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Final, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import optimize, special

from geodata import reference
from geodata.errors import GeodataError
from geodata.records.bounds import accepted_outside
from geodata.records.cases import locate_cases
from geodata.records.population import POPULATION_BASES, PopulationBasis, unit_population
from geodata.settings import BORDER_BAND_KM, LEVELS, METRIC_CRS, STORAGE_CRS, Level
from layers._inputs import check_choice, check_level, check_positive, require_frame
from layers.periods import Period

log = logging.getLogger(__name__)

Smoother = Literal["poisson_gamma_local", "poisson_gamma", "global_eb"]
#: How rates are smoothed (see :func:`smooth_rates`); the default won a simulation with known
#: true rates (tests/benchmarks/bench_risk_simulation.py, RISK_METHOD.md 1.2).
SMOOTHERS: Final = ("poisson_gamma_local", "poisson_gamma", "global_eb")
DEFAULT_SMOOTHER: Final[Smoother] = "poisson_gamma_local"

#: Rates are per this many people.
PER_PEOPLE: Final = 100_000
#: Distance (km) within which crossings count as "near" a unit, as in the area panel.
DEFAULT_NEAR_KM: Final = 10.0
#: Crossing kinds that are unofficial, and the statuses counted (closed tracks are not).
UNOFFICIAL_KINDS: Final = frozenset({"land_track", "river_route"})
OPEN_STATUSES: Final = frozenset({"active", "unverified"})
#: Columns a case frame needs (as loaded by :func:`geodata.records.loaders.load_cases`).
CASE_COLUMNS: Final = ("date_reported", "location_precision", "admin_code")
#: The indicator columns, in output order (after code, name and the unit's attributes).
INDICATOR_COLUMNS: Final = (
    "cases",
    "victims",
    "population",
    "population_estimated",
    "population_source",
    "population_year",
    "cases_per_100k",
    "victims_per_100k",
    "cases_rate_eb_per_100k",
    "victims_rate_eb_per_100k",
    "cases_eb_per_100km2",
    "cases_observed_expected",
    "cases_previous",
    "cases_change",
    "cases_change_pct",
    "unofficial_crossings",
    "unofficial_crossings_near",
    "crossings_near_km",
    "dist_border_km",
    "centre_dist_border_km",
    "shelter_dist_km",
)
#: Columns of the year-on-year change frame.
CHANGE_COLUMNS: Final = (
    "cases",
    "cases_previous",
    "cases_change",
    "cases_change_pct",
    "victims",
    "victims_previous",
    "victims_change",
)


# --------------------------------------------------------------------------- periods


def _data_start(cases: pd.DataFrame) -> dt.date | None:
    """First day of the month of the earliest date reported (records are kept by month)."""
    reported = pd.to_datetime(cases["date_reported"]).dropna()
    return None if reported.empty else reported.min().date().replace(day=1)


# --------------------------------------------------------------------------- smoothing


def empirical_bayes_rates(
    events: pd.Series | np.ndarray, population: pd.Series | np.ndarray
) -> np.ndarray:
    """Global Empirical Bayes rates (Marshall 1991), events per person.

    Each raw rate ``r_i = e_i / n_i`` is pulled towards the overall rate
    ``theta = sum(e) / sum(n)`` the more, the smaller its population:
    ``eb_i = theta + C_i (r_i - theta)`` with ``C_i = phi / (phi + theta / n_i)``, where
    ``phi = sum(n_i (r_i - theta)^2) / sum(n) - theta / mean(n)`` is the method-of-moments
    variance of the true rates, set to 0 when negative (then every rate equals ``theta``).
    This is :class:`esda.smoothing.Empirical_Bayes` with that truncation, which esda omits.

    Parameters
    ----------
    events
        Count per unit (cases or victims), zero or more.
    population
        People (or any population at risk) per unit, above zero.

    Returns
    -------
    numpy.ndarray
        Smoothed rate per unit, in events per person (multiply by 100,000 for the usual
        rate).
    """
    e = np.asarray(events, dtype=float)
    n = np.asarray(population, dtype=float)
    if e.shape != n.shape:
        raise GeodataError(
            f"`events` and `population` should have the same length, got {len(e)} and {len(n)}"
        )
    if len(n) == 0:
        return np.zeros(0)
    if not (n > 0).all() or not np.isfinite(n).all():
        raise GeodataError("`population` should be above zero for every unit")
    if (e < 0).any() or not np.isfinite(e).all():
        raise GeodataError("`events` should be zero or more for every unit")
    theta = e.sum() / n.sum()
    if theta == 0:
        return np.zeros(len(e))
    rate = e / n
    phi = max((n * (rate - theta) ** 2).sum() / n.sum() - theta / n.mean(), 0.0)
    shrink = phi / (phi + theta / n)
    return theta + shrink * (rate - theta)


def poisson_gamma_rates(
    events: pd.Series | np.ndarray,
    population: pd.Series | np.ndarray,
    *,
    neighbours: Mapping[int, Sequence[int]] | None = None,
) -> np.ndarray:
    """Posterior mean rates under a Poisson–gamma model whose prior is fitted by maximum likelihood.

    Cases ``e_i ~ Poisson(n_i λ_i)`` with ``λ_i ~ Gamma(shape α, mean m_i)``; the posterior
    mean is ``(e_i + α) / (n_i + α / m_i)``. ``α`` (and a global ``m``) maximise the
    negative binomial likelihood of the counts. ``α`` is bounded by the total number of
    events, so the prior never outweighs all the data and units with different raw rates
    keep different smoothed rates (global EB by moments can truncate its prior variance to
    0 and give every unit the same rate).

    Parameters
    ----------
    events, population
        As for :func:`empirical_bayes_rates`.
    neighbours
        ``{position: [positions]}`` (e.g. ``libpysal`` Queen ``W.neighbors``): the prior
        mean of a unit is then the pooled rate of its neighbours, plus one average unit at
        the overall rate (so an empty neighbourhood does not force 0): a local prior that
        follows gradients and clusters. ``None``: one prior for all units.

    Returns
    -------
    numpy.ndarray
        Smoothed rate per unit, in events per person.
    """
    e = np.asarray(events, dtype=float)
    n = np.asarray(population, dtype=float)
    empirical_bayes_rates(e, n)  # the same checks
    theta = e.sum() / n.sum() if len(n) else 0.0
    if theta == 0:
        return np.zeros(len(e))
    alpha_max = max(e.sum(), 1.0)
    if neighbours is None:
        result = optimize.minimize(
            lambda p: -_negbin_loglik(e, n * np.exp(p[0]), np.exp(p[1])),
            x0=[np.log(theta), 0.0],
            bounds=[(np.log(theta) - 5, np.log(theta) + 5), (-6.0, np.log(alpha_max))],
            method="L-BFGS-B",
        )
        mean, alpha = np.full(len(e), np.exp(result.x[0])), float(np.exp(result.x[1]))
    else:
        near_e = np.array([e[list(neighbours.get(i, ()))].sum() for i in range(len(e))])
        near_n = np.array([n[list(neighbours.get(i, ()))].sum() for i in range(len(e))])

        def local_mean(log_k: float) -> np.ndarray:
            pseudo = np.exp(log_k) * n.mean()
            return (near_e + theta * pseudo) / (near_n + pseudo)

        result = optimize.minimize(
            lambda p: -_negbin_loglik(e, n * local_mean(p[0]), np.exp(p[1])),
            x0=[0.0, 0.0],
            bounds=[(-5.0, 8.0), (-6.0, np.log(alpha_max))],
            method="L-BFGS-B",
        )
        mean, alpha = local_mean(result.x[0]), float(np.exp(result.x[1]))
    return (e + alpha) / (n + alpha / mean)


def smooth_rates(
    events: pd.Series | np.ndarray,
    population: pd.Series | np.ndarray,
    *,
    method: Smoother = DEFAULT_SMOOTHER,
    neighbours: Mapping[int, Sequence[int]] | None = None,
) -> np.ndarray:
    """Smoothed rates (events per person) by ``method``, one of :data:`SMOOTHERS`.

    ``"poisson_gamma_local"`` (default) needs ``neighbours`` (:func:`queen_neighbours`) and
    uses :func:`poisson_gamma_rates` with a local prior; ``"poisson_gamma"`` the same with
    one prior; ``"global_eb"`` :func:`empirical_bayes_rates`.
    """
    check_choice(method, "method", SMOOTHERS)
    if method == "global_eb":
        return empirical_bayes_rates(events, population)
    if method == "poisson_gamma_local":
        if neighbours is None:
            raise GeodataError('`neighbours` is needed when `method` is "poisson_gamma_local"')
        return poisson_gamma_rates(events, population, neighbours=neighbours)
    return poisson_gamma_rates(events, population)


def queen_neighbours(units: gpd.GeoDataFrame) -> dict[int, list[int]]:
    """Positions of the units sharing an edge or a corner with each unit (Queen contiguity).

    A unit with none (an island) gets its nearest unit, both ways, as in
    :func:`layers.hotspots.neighbour_weights`.
    """
    metric = units.geometry.to_crs(METRIC_CRS).to_numpy()
    tree = shapely.STRtree(metric)
    left, right = tree.query(metric, predicate="intersects")
    linked: dict[int, list[int]] = {i: [] for i in range(len(metric))}
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i != j:
            linked[i].append(j)
    for i in [i for i, found in linked.items() if not found and len(metric) > 1]:
        j = int(np.atleast_1d(tree.query_nearest(metric[i], exclusive=True, all_matches=False))[0])
        linked[i].append(j)
        if i not in linked[j]:
            linked[j].append(i)
    return linked


def _negbin_loglik(events: np.ndarray, mu: np.ndarray, alpha: float) -> float:
    """Log-likelihood of counts under a negative binomial with means ``mu`` and shape ``alpha``."""
    return float(
        (
            special.gammaln(events + alpha)
            - special.gammaln(alpha)
            - special.gammaln(events + 1)
            + alpha * np.log(alpha / (alpha + mu))
            + events * np.log(np.where(events > 0, mu, 1.0) / (alpha + mu))
        ).sum()
    )


def estimate_population(
    units: gpd.GeoDataFrame,
    *,
    level: Level,
    basis: PopulationBasis = "desa_count",
    table: pd.DataFrame | None = None,
) -> pd.Series:
    """People per unit: Kemendagri 2025 per kabupaten, loaded or estimated below it.

    Population is published per kabupaten only. An office may load its own figures per
    kecamatan or desa (``table``, see :mod:`geodata.records.population`); units with one use it.
    Below the kabupaten the rest of its people (its total minus the loaded units, never
    negative) is shared out among the units without a figure, by ``basis``:

    - ``"desa_count"`` (default): every desa/kelurahan of the kabupaten gets the same share
      (all 2,145 gazetteer villages, with or without a boundary); a kecamatan gets the sum of
      its desa. Villages differ far less in people than in area (a forest desa can be 500
      times larger than a town kelurahan), so this is the better guess.
    - ``"area"``: a unit gets the kabupaten's people times its share of the kabupaten's area
      (people spread evenly over the land).

    Either way an estimate is only a denominator that keeps rates comparable; the output of
    :func:`compute_indicators` says which figures are estimates (``population_source``).
    """
    check_choice(basis, "basis", POPULATION_BASES)
    people = unit_population(units, level=level, table=table, basis=basis)
    return people["population"].astype(float)


@cache
def _reference_neighbours(level: Level) -> dict[int, list[int]]:
    """:func:`queen_neighbours` of the reference units of ``level`` (computed once)."""
    return queen_neighbours(reference.load_units(level))


# --------------------------------------------------------------------------- indicators


def compute_indicators(
    cases: gpd.GeoDataFrame,
    *,
    level: Level,
    period: Period | None = None,
    units: gpd.GeoDataFrame | None = None,
    desa: gpd.GeoDataFrame | None = None,
    crossings: gpd.GeoDataFrame | None = None,
    shelters: gpd.GeoDataFrame | None = None,
    near_km: float | None = None,
    victims: str = "victims_total",
    data_start: dt.date | None = None,
    population_basis: PopulationBasis = "desa_count",
    population: pd.DataFrame | None = None,
    exact_confidential: bool = False,
    smoother: Smoother = DEFAULT_SMOOTHER,
) -> gpd.GeoDataFrame:
    """Indicators per unit for one period (see the module docstring for every column).

    Parameters
    ----------
    cases
        Cases as loaded (EPSG:4326), *not* filtered by date: the period (and its previous
        period) are taken from them here. Cases through
        :func:`geodata.records.cases.locate_cases` are used as they are; others are located first.
    level
        One of ``{"kabupaten", "kecamatan", "desa"}``.
    period
        ``None``: the last 12 calendar months of data (:meth:`Period.from_cases`).
    units
        Units of ``level``; ``None``: :func:`geodata.reference.load_units`.
    desa
        Desa coverage to locate cases with; ``None``: the reference desa.
    crossings, shelters
        As from :mod:`geodata.records.loaders`; ``None`` leaves their columns NaN.
    near_km
        Distance for ``unofficial_crossings_near``; ``None``: :data:`DEFAULT_NEAR_KM`.
    victims
        Column counted as victims (``"victims_selected"`` after
        :func:`geodata.records.cases.filter_cases`).
    data_start
        First day the data covers; ``None``: the first day of the month of the earliest
        date reported in ``cases``.
    population_basis
        How people are estimated below the kabupaten: ``{"desa_count", "area"}``, see
        :func:`estimate_population`.
    population
        Population loaded by the office (:data:`geodata.records.population.POPULATION_COLUMNS`, e.g.
        :meth:`geodata.access.RoleView.population`): units with a figure use it, the others
        share what remains of their kabupaten (:func:`geodata.records.population.unit_population`).
    exact_confidential
        Measure to confidential shelters' exact points; by default they count at their
        kecamatan's centre (:func:`shelter_sites`), so the output cannot reveal them.
    smoother
        How the ``*_rate_eb_per_100k`` columns are smoothed, one of :data:`SMOOTHERS`
        (:func:`smooth_rates`); default a Poisson–gamma model with a local prior.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per unit (EPSG:4326): code, name, unit_type, the unit's parent codes and
        ``area_km2``, then :data:`INDICATOR_COLUMNS`. ``attrs`` holds ``level``, ``period``,
        ``previous_period``, ``cases_in_period`` and ``cases_not_placed`` (cases of the
        period known only at a coarser level than ``level``).
    """
    check_level(level)
    check_choice(smoother, "smoother", SMOOTHERS)
    require_frame(cases, "cases", (*CASE_COLUMNS, victims))
    near = check_positive(DEFAULT_NEAR_KM if near_km is None else near_km, "near_km")
    reference_units = units is None
    units = reference.load_units(level) if units is None else units
    require_frame(units, "units", ("code", "name", "area_km2"))
    for name, frame in (("crossings", crossings), ("shelters", shelters)):
        if frame is not None:
            require_frame(frame, name, ("kind", "status") if name == "crossings" else ())
    period = Period.from_cases(cases) if period is None else period
    located = _located(cases, desa)
    frame = _two_periods(
        located, units, level=level, period=period, victims=victims,
        data_start=_data_start(cases) if data_start is None else data_start,
    )  # fmt: skip
    codes = frame["code"]
    changes = frame[[column for column in CHANGE_COLUMNS if column not in ("cases", "victims")]]
    frame = frame.drop(columns=changes.columns)

    sources = unit_population(units, level=level, table=population, basis=population_basis)
    people = sources["population"].to_numpy(dtype=float)
    frame["population"] = people
    frame["population_estimated"] = (sources["population_source"] == "estimated").to_numpy()
    frame["population_source"] = sources["population_source"].to_numpy()
    frame["population_year"] = sources["population_year"].to_numpy()
    neighbours = None
    if smoother == "poisson_gamma_local":
        neighbours = _reference_neighbours(level) if reference_units else queen_neighbours(units)
    _add_rates(frame, people, smoother=smoother, neighbours=neighbours)

    for column in ("cases_previous", "cases_change", "cases_change_pct"):
        frame[column] = changes[column]

    metric = units.geometry.to_crs(METRIC_CRS).to_numpy()
    frame["unofficial_crossings"], frame["unofficial_crossings_near"] = _crossing_counts(
        metric, crossings, near_km=near
    )
    frame["crossings_near_km"] = near
    for column in ("dist_border_km", "centre_dist_border_km"):
        frame[column] = units[column].to_numpy() if column in units else np.nan
    now = located[period.contains(located["date_reported"])]
    frame["shelter_dist_km"] = _shelter_distance(
        now, f"{level}_code", codes, metric, shelters, exact_confidential=exact_confidential
    )
    frame.attrs.update(
        victims_column=victims,
        smoother=smoother,
        population_basis=population_basis if level != "kabupaten" else "kemendagri_2025",
        population_sources=_source_names(population),
    )
    log.info(
        "Indicators for %d %s, %s to %s (%d cases)",
        len(frame),
        level,
        period.start,
        period.end,
        int(frame["cases"].sum()),
    )
    return frame


def _source_names(table: pd.DataFrame | None) -> tuple[str, ...]:
    """The distinct non-empty ``source`` names of a loaded population table."""
    if table is None or table.empty or "source" not in table:
        return ()
    names = table["source"].dropna().astype(str).str.strip()
    return tuple(dict.fromkeys(name for name in names if name))


def change_by_unit(
    cases: gpd.GeoDataFrame,
    *,
    level: Level,
    period: Period | None = None,
    units: gpd.GeoDataFrame | None = None,
    desa: gpd.GeoDataFrame | None = None,
    victims: str = "victims_total",
    data_start: dt.date | None = None,
) -> gpd.GeoDataFrame:
    """Cases and victims of ``period`` against the previous period, per unit.

    Parameters are those of :func:`compute_indicators`. The map-ready column is
    ``cases_change`` (draw it with :func:`layers.change.change_layer`); the change columns
    are NaN when the data does not cover the previous period.

    Returns
    -------
    geopandas.GeoDataFrame
        code, name, unit_type, parent codes, area_km2, then :data:`CHANGE_COLUMNS`.
    """
    check_level(level)
    require_frame(cases, "cases", (*CASE_COLUMNS, victims))
    units = reference.load_units(level) if units is None else units
    require_frame(units, "units", ("code", "name", "area_km2"))
    period = Period.from_cases(cases) if period is None else period
    return _two_periods(
        _located(cases, desa), units, level=level, period=period, victims=victims,
        data_start=_data_start(cases) if data_start is None else data_start,
    )  # fmt: skip


# --------------------------------------------------------------------------- private steps


def _located(cases: gpd.GeoDataFrame, desa: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame:
    if all(f"{level}_code" in cases.columns for level in LEVELS):
        return cases
    if desa is None:
        exact = (cases["location_precision"] == "exact") & cases.geometry.notna()
        # Only exact points need the desa polygons; the others are placed by their code.
        desa = reference.load_units("desa") if exact.any() else _NO_DESA
    return locate_cases(cases, desa)


_NO_DESA: Final = gpd.GeoDataFrame({"code": pd.Series(dtype=str)}, geometry=[], crs=STORAGE_CRS)


def _two_periods(
    located: gpd.GeoDataFrame,
    units: gpd.GeoDataFrame,
    *,
    level: Level,
    period: Period,
    victims: str,
    data_start: dt.date | None,
) -> gpd.GeoDataFrame:
    """Unit columns and :data:`CHANGE_COLUMNS` of located cases; attrs describe the periods."""
    previous = period.previous()
    covered = data_start is not None and previous.start >= data_start
    key = f"{level}_code"
    frame = _unit_columns(units, level=level)
    now = located[period.contains(located["date_reported"])]
    current = _counts(now, key, victims, frame["code"])
    before = _counts(located[previous.contains(located["date_reported"])], key, victims,
                     frame["code"])  # fmt: skip
    for what in ("cases", "victims"):
        frame[what] = current[what]
        frame[f"{what}_previous"] = before[what].astype(float) if covered else np.nan
        frame[f"{what}_change"] = frame[what] - frame[f"{what}_previous"]
    base = frame["cases_previous"].where(frame["cases_previous"] > 0)
    frame["cases_change_pct"] = 100.0 * frame["cases_change"] / base
    frame = frame[[*frame.columns[: -len(CHANGE_COLUMNS)], *CHANGE_COLUMNS]]
    frame.attrs.update(
        level=level,
        period=period,
        previous_period=previous,
        previous_covered=covered,
        cases_in_period=len(now),
        cases_not_placed=int(now[key].isna().sum()),
    )
    return frame


def _unit_columns(units: gpd.GeoDataFrame, *, level: Level) -> gpd.GeoDataFrame:
    parents = [f"{parent}_code" for parent in LEVELS[: LEVELS.index(level)]]
    columns = ["code", "name", "unit_type", *parents, "area_km2", "touches_border", "geometry"]
    present = [column for column in columns if column in units.columns]
    frame = units[present].copy()
    frame["code"] = frame["code"].astype(str)
    return frame.reset_index(drop=True)


def _counts(cases: pd.DataFrame, key: str, victims: str, codes: pd.Series) -> pd.DataFrame:
    grouped = cases.groupby(key)[victims].agg(["size", "sum"])
    grouped.columns = pd.Index(["cases", "victims"])
    counts = grouped.reindex(codes.to_numpy()).fillna(0).astype("int64")
    return counts.set_index(codes.index)


def _add_rates(
    frame: pd.DataFrame,
    people: np.ndarray,
    *,
    smoother: Smoother,
    neighbours: Mapping[int, Sequence[int]] | None,
) -> None:
    known = np.isfinite(people) & (people > 0)
    if neighbours is not None and not known.all():  # renumber among the units with people
        position = np.cumsum(known) - 1
        neighbours = {
            int(position[i]): [int(position[j]) for j in near if known[j]]
            for i, near in neighbours.items()
            if known[i]
        }
    for what in ("cases", "victims"):
        counts = frame[what].to_numpy(dtype=float)
        frame[f"{what}_per_100k"] = np.where(known, counts / np.where(known, people, 1), np.nan)
        frame[f"{what}_per_100k"] *= PER_PEOPLE
        smoothed = np.full(len(frame), np.nan)
        if known.any():
            smoothed[known] = PER_PEOPLE * smooth_rates(
                counts[known], people[known], method=smoother, neighbours=neighbours
            )
        frame[f"{what}_rate_eb_per_100k"] = smoothed
    expected = frame["cases_rate_eb_per_100k"].to_numpy() * people / PER_PEOPLE
    frame["cases_eb_per_100km2"] = 100.0 * expected / frame["area_km2"].to_numpy(dtype=float)
    cases = frame["cases"].to_numpy(dtype=float)
    overall = cases[known].sum() / people[known].sum() if known.any() else 0.0
    at_overall = np.where(known, people * overall, np.nan)
    frame["cases_observed_expected"] = np.where(
        at_overall > 0, cases / np.where(at_overall > 0, at_overall, 1.0), 0.0
    )
    frame.loc[~known, "cases_observed_expected"] = np.nan


def _open_unofficial(crossings: gpd.GeoDataFrame) -> gpd.GeoSeries:
    keep = crossings["kind"].isin(UNOFFICIAL_KINDS) & crossings["status"].isin(OPEN_STATUSES)
    keep &= crossings.geometry.notna() & ~crossings.geometry.is_empty
    return crossings.geometry[keep].to_crs(STORAGE_CRS)


def _crossing_counts(
    metric_units: np.ndarray, crossings: gpd.GeoDataFrame | None, *, near_km: float
) -> tuple[np.ndarray, np.ndarray]:
    if crossings is None:
        return np.full(len(metric_units), np.nan), np.full(len(metric_units), np.nan)
    degrees = _open_unofficial(crossings)
    points = degrees.to_crs(METRIC_CRS).to_numpy()
    tree = shapely.STRtree(metric_units)
    placed, inside = tree.query(points, predicate="intersects")
    # A crossing outside Kalbar that the checks accept (over the border, or just beyond the
    # simplified outline) counts in its nearest unit within the border band; one in a unit
    # not given counts in none.
    stray = np.setdiff1d(np.arange(len(points)), placed)
    stray = stray[accepted_outside(degrees.x.iloc[stray], degrees.y.iloc[stray], crossings=True)]
    if stray.size:
        band_m = BORDER_BAND_KM * 1000.0
        nearest = tree.query_nearest(points[stray], max_distance=band_m, all_matches=False)[1]
        inside = np.concatenate([inside, nearest])
    near = tree.query(points, predicate="dwithin", distance=near_km * 1000.0)[1]
    size = len(metric_units)
    return (
        np.bincount(inside, minlength=size).astype(float),
        np.bincount(near, minlength=size).astype(float),
    )


def _shelter_distance(
    cases: gpd.GeoDataFrame,
    key: str,
    codes: pd.Series,
    metric_units: np.ndarray,
    shelters: gpd.GeoDataFrame | None,
    *,
    exact_confidential: bool,
) -> np.ndarray:
    """Mean distance (km) from each unit's cases to the nearest shelter, or from its centre."""
    if shelters is None:
        return np.full(len(codes), np.nan)
    sites = shelter_sites(shelters, exact_confidential=exact_confidential)
    if len(sites) == 0:
        return np.full(len(codes), np.nan)
    tree = shapely.STRtree(sites)
    centres = shapely.point_on_surface(metric_units)
    centre_km = _nearest_km(tree, centres)

    placed = cases[cases[key].isin(set(codes))]
    points = _case_points_metric(placed, key, codes, centres)
    case_km = pd.Series(_nearest_km(tree, points), index=placed[key].to_numpy())
    mean_km = case_km.groupby(level=0).mean()
    by_code = mean_km.reindex(codes.to_numpy()).to_numpy()
    return np.where(np.isnan(by_code), centre_km, by_code)


def _nearest_km(tree: shapely.STRtree, points: np.ndarray) -> np.ndarray:
    """Distance (km) from each point to the nearest geometry in ``tree``, in input order."""
    pairs, distance = tree.query_nearest(points, return_distance=True, all_matches=False)
    result = np.full(len(points), np.nan)
    result[pairs[0]] = distance / 1000.0
    return result


def shelter_sites(shelters: gpd.GeoDataFrame, *, exact_confidential: bool = False) -> np.ndarray:
    """Shelter points in the metric CRS; confidential ones at their kecamatan's centre.

    A confidential shelter (``confidential`` true or missing) is moved to the point on the
    surface of the kecamatan it lies in, as the map shows it, unless
    ``exact_confidential``: many unit-to-shelter distances from exact positions could be
    combined to find a safe house.
    """
    present = shelters[shelters.geometry.notna() & ~shelters.geometry.is_empty]
    points = present.geometry.to_crs(METRIC_CRS).to_numpy().copy()
    if exact_confidential:
        hidden = np.zeros(len(present), dtype=bool)
    elif "confidential" in present.columns:  # missing counts as confidential, as on loading
        hidden = present["confidential"].astype("boolean").fillna(True).to_numpy(dtype=bool)
    else:
        hidden = np.ones(len(present), dtype=bool)
    if hidden.any():
        kecamatan = reference.load_units("kecamatan").geometry.to_crs(METRIC_CRS).to_numpy()
        tree = shapely.STRtree(kecamatan)
        nearest = tree.query_nearest(points[hidden], all_matches=False)[1]
        points[hidden] = shapely.point_on_surface(kecamatan[nearest])
    return points


def _case_points_metric(
    cases: gpd.GeoDataFrame, key: str, codes: pd.Series, centres: np.ndarray
) -> np.ndarray:
    """Each case's point in the metric CRS: its own, else its desa's centre, else its unit's."""
    points = cases.geometry.to_crs(METRIC_CRS).to_numpy().copy()
    missing = shapely.is_missing(points) | shapely.is_empty(points)
    if missing.any() and "desa_code" in cases:
        gazetteer = reference.load_gazetteer().dropna(subset=["lon", "lat"]).set_index("code")
        centre = gazetteer[["lon", "lat"]].reindex(cases["desa_code"].astype(str))
        known = missing & centre["lon"].notna().to_numpy()
        if known.any():
            lonlat = gpd.GeoSeries(
                gpd.points_from_xy(centre["lon"][known], centre["lat"][known]), crs=STORAGE_CRS
            )
            points[known] = lonlat.to_crs(METRIC_CRS).to_numpy()
        missing = missing & ~known
    if missing.any():
        position = pd.Series(np.arange(len(codes)), index=codes.to_numpy())
        points[missing] = centres[position.reindex(cases[key][missing]).to_numpy()]
    return points
