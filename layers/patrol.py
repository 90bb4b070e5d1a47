"""Patrol priorities: which border crossings carry the most recent trafficking risk.

Two analyses for police planners:

- :func:`rank_crossings` ranks every crossing (PLBN and unofficial) by recency-weighted
  cases, with the trend against the previous period and how long ago it was verified.
- :class:`PatrolPlan` chooses ``sites`` crossings as patrol locations so that as much
  recency-weighted risk as possible lies within ``radius_km`` of one of them: a maximal
  covering location problem solved exactly (:mod:`layers.coverage`).

How a case is linked to crossings (both analyses): a case that names its crossing
(``crossing_id``) belongs to that crossing only; a case that names none belongs to every
crossing within ``near_km`` of where it happened (its point, or its desa's centre). Cases
known only to the kecamatan or kabupaten and naming no crossing cannot be placed and are
counted apart. For the covering problem a case is a demand point at its crossing when it
names one (that is where a patrol meets it) and at its place otherwise.

Recency weight: ``0.5 ** (age_days / half_life_days)`` relative to the last day of the
period, so a case one half-life old counts half; every case up to that day counts, older
ones less. The default half-life of 365 days keeps last year's pattern at full strength
while a route not used for three years weighs an eighth.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Final, Literal

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from geodata.errors import GeodataError
from geodata.i18n import format_number, t
from geodata.records.bounds import km_outside
from geodata.settings import METRIC_CRS, STORAGE_CRS
from layers import styles
from layers._html import escape_text, html_table
from layers._inputs import require_frame
from layers.boundaries import add_context
from layers.coverage import (
    aggregate_demand,
    case_places,
    case_victims,
    coverage_matrix,
    metric_xy,
    percent_of,
    recency_weights,
    solve_max_cover,
)
from layers.crossings import crossings_layer, crossings_legend
from layers.legend import LegendItem, add_banner, add_legend
from layers.mapview import finish_map, new_map
from layers.periods import Period

__all__ = [
    "DEFAULT_HALF_LIFE_DAYS",
    "DEFAULT_NEAR_KM",
    "DEFAULT_PATROL_RADIUS_KM",
    "DEFAULT_PATROL_SITES",
    "PatrolPlan",
    "crossing_links",
    "rank_crossings",
]

log = logging.getLogger(__name__)

#: Half-life of the recency weight: a case this many days old counts half.
DEFAULT_HALF_LIFE_DAYS: Final = 365.0
#: A case naming no crossing counts for every crossing within this distance (km); the
#: unofficial tracks lie within a few km of the line, and the map panel uses 10 km too.
DEFAULT_NEAR_KM: Final = 10.0
#: Patrol locations to choose.
DEFAULT_PATROL_SITES: Final = 5
#: Reach of a patrol around its location (km, straight line): roughly an hour on the
#: border roads and tracks; a planning assumption the user should set.
DEFAULT_PATROL_RADIUS_KM: Final = 15.0

Trend = Literal["up", "down", "same"]
_MIN_MARKER_PX: Final = 3.0


def crossing_links(
    cases: gpd.GeoDataFrame,
    crossings: gpd.GeoDataFrame,
    *,
    near_km: float | None = None,
    gazetteer: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Which cases belong to which crossings, as a long frame of pairs.

    Parameters
    ----------
    cases
        Cases as from :func:`geodata.records.loaders.load_cases`.
    crossings
        Crossings as from :func:`geodata.records.loaders.load_crossings`.
    near_km
        Distance within which a case that names no crossing belongs to a crossing;
        ``None`` uses :data:`DEFAULT_NEAR_KM`.
    gazetteer
        Desa centres for cases without a point; ``None`` loads the reference gazetteer.

    Returns
    -------
    pandas.DataFrame
        ``case`` (index label in ``cases``), ``crossing_id``, ``link`` in
        ``{"used", "near"}`` and ``distance_km`` (0 for ``used``).
    """
    near_km = DEFAULT_NEAR_KM if near_km is None else near_km
    _check_distance(near_km, "near_km")
    require_frame(cases, "cases", ["date_reported", "crossing_id"])
    require_frame(crossings, "crossings", ["crossing_id"])
    named = cases["crossing_id"].astype("string").fillna("").str.strip()
    known = named.isin(set(crossings["crossing_id"]))
    used = pd.DataFrame(
        {"case": cases.index[known], "crossing_id": named[known].to_numpy(), "link": "used"}
    )
    used["distance_km"] = 0.0

    places = case_places(cases[named == ""], gazetteer=gazetteer).dropna()
    if len(places) and len(crossings):
        case_xy = metric_xy(places)
        crossing_xy = metric_xy(crossings.geometry)
        matrix = coverage_matrix(case_xy, crossing_xy, radius_m=near_km * 1000.0).tocoo()
        distance = np.hypot(*(case_xy[matrix.row] - crossing_xy[matrix.col]).T) / 1000.0
        near = pd.DataFrame(
            {
                "case": places.index[matrix.row],
                "crossing_id": crossings["crossing_id"].to_numpy()[matrix.col],
                "link": "near",
                "distance_km": distance,
            }
        )
    else:
        near = used.iloc[0:0]
    return pd.concat([used, near], ignore_index=True)


def rank_crossings(
    cases: gpd.GeoDataFrame,
    crossings: gpd.GeoDataFrame,
    *,
    period: Period | None = None,
    near_km: float | None = None,
    half_life_days: float | None = None,
    gazetteer: pd.DataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Rank crossings by recency-weighted cases, with trend and verification age.

    Parameters
    ----------
    cases
        Cases as from :func:`geodata.records.loaders.load_cases` (filtered as the user chose).
    crossings
        Crossings as from :func:`geodata.records.loaders.load_crossings`.
    period
        The period whose cases are counted and compared with the one before; its last
        day is the reference date of the recency weights and of ``days_since_verified``.
        ``None`` takes the :data:`DEFAULT_PERIOD_DAYS` days up to the latest case.
    near_km
        See :func:`crossing_links`; ``None`` uses :data:`DEFAULT_NEAR_KM`.
    half_life_days
        Half-life of the recency weight; ``None`` uses :data:`DEFAULT_HALF_LIFE_DAYS`.
    gazetteer
        Desa centres for cases without a point; ``None`` loads the reference gazetteer.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per crossing, best first: ``rank``, ``crossing_id``, ``name``, ``kind``,
        ``status``, ``risk_weighted_cases`` (recency-weighted cases up to the period's
        end, older ones included), ``cases`` and ``victims`` in the period, of which
        ``cases_used`` named the crossing and ``cases_near`` were within ``near_km``,
        ``cases_previous`` (previous period), ``change_cases``, ``trend`` in
        ``{"up", "down", "same"}``, ``last_verified``, ``days_since_verified`` (days from
        the last verification to the period's end; negative when the file records a
        verification after the period, empty when never verified), ``outside_kalbar_km``
        (:func:`outside_kalbar_km`) and the crossing's other columns and geometry. A case
        near two crossings counts for both, so the columns do not add up to the number of
        cases.
    """
    half_life_days = DEFAULT_HALF_LIFE_DAYS if half_life_days is None else half_life_days
    require_frame(crossings, "crossings", ["crossing_id", "name", "kind", "status"])
    period = Period.latest(cases) if period is None else period
    links = crossing_links(cases, crossings, near_km=near_km, gazetteer=gazetteer)
    dates = pd.to_datetime(cases["date_reported"]).reindex(links["case"].to_numpy())
    links["date"] = dates.to_numpy()
    links["victims"] = case_victims(cases).reindex(links["case"].to_numpy()).to_numpy()
    links = links[links["date"].dt.normalize() <= pd.Timestamp(period.end)].copy()
    links["weight"] = recency_weights(
        links["date"], reference_date=period.end, half_life_days=half_life_days
    )
    links["in_period"] = period.contains(links["date"]).to_numpy()
    links["in_previous"] = period.previous().contains(links["date"]).to_numpy()

    current = links[links["in_period"]]
    figures = pd.DataFrame(
        {
            "risk_weighted_cases": links.groupby("crossing_id")["weight"].sum(),
            "cases": current.groupby("crossing_id").size(),
            "victims": current.groupby("crossing_id")["victims"].sum(),
            "cases_used": current[current["link"] == "used"].groupby("crossing_id").size(),
            "cases_near": current[current["link"] == "near"].groupby("crossing_id").size(),
            "cases_previous": links[links["in_previous"]].groupby("crossing_id").size(),
        }
    )
    ranked = crossings.merge(figures, left_on="crossing_id", right_index=True, how="left")
    counts = ["cases", "victims", "cases_used", "cases_near", "cases_previous"]
    ranked[counts] = ranked[counts].fillna(0).astype("int64")
    ranked["risk_weighted_cases"] = ranked["risk_weighted_cases"].fillna(0.0)
    ranked["change_cases"] = ranked["cases"] - ranked["cases_previous"]
    ranked["trend"] = np.select(
        [ranked["change_cases"] > 0, ranked["change_cases"] < 0], ["up", "down"], "same"
    )
    verified = pd.to_datetime(ranked.get("last_verified", pd.Series(pd.NaT, index=ranked.index)))
    ranked["last_verified"] = verified
    ranked["days_since_verified"] = (
        pd.Timestamp(period.end) - verified.dt.normalize()
    ).dt.days.astype("Int64")
    ranked = ranked.sort_values(
        ["risk_weighted_cases", "cases", "crossing_id"], ascending=[False, False, True]
    )
    ranked.insert(0, "rank", np.arange(1, len(ranked) + 1))
    ranked["outside_kalbar_km"] = outside_kalbar_km(ranked)
    first = [
        "rank", "crossing_id", "name", "kind", "status", "risk_weighted_cases", "cases",
        "victims", "cases_used", "cases_near", "cases_previous", "change_cases", "trend",
        "last_verified", "days_since_verified", "outside_kalbar_km",
    ]  # fmt: skip
    rest = [column for column in ranked.columns if column not in first]
    log.info("Ranked %d crossings on %d case links up to %s", len(ranked), len(links), period.end)
    return gpd.GeoDataFrame(ranked[first + rest].reset_index(drop=True), crs=crossings.crs)


def outside_kalbar_km(crossings: gpd.GeoDataFrame) -> np.ndarray:
    """How far each crossing lies outside Kalbar, in km to 0.1 (0 inside or less than 50 m
    out; NaN without a point): the checks accept a crossing recorded up to 5 km over the
    Sarawak border, and a patrol there works from the Kalbar side."""
    points = crossings.geometry.to_crs(STORAGE_CRS)
    return np.round(km_outside(points.x.to_numpy(), points.y.to_numpy()), 1)


def has_crossings_outside(frame: pd.DataFrame) -> bool:
    """Whether any row of a ranking or plan (``outside_kalbar_km``) lies outside Kalbar."""
    return "outside_kalbar_km" in frame and bool((frame["outside_kalbar_km"] > 0).any())


class PatrolPlan:
    """Choose patrol locations among the crossings that cover the most recency-weighted risk.

    Parameters
    ----------
    sites
        Number of patrol locations to choose (K).
    radius_km
        A patrol covers demand within this straight-line distance.
    half_life_days
        Half-life of the recency weight; ``None`` uses :data:`DEFAULT_HALF_LIFE_DAYS`.
    grid_km
        Merge demand points into square cells of this size before solving (for very many
        cases; moves a point at most ``grid_km / √2``). ``None`` merges only identical
        places, which keeps the sample data exact.
    time_limit_s
        Stop the solver after this long with the best choice found; ``None`` solves to
        the proven optimum.

    Attributes
    ----------
    sites_
        The chosen crossings in order of marginal gain, with ``order``,
        ``gain_weighted_cases``, ``gain_pct`` (of the total weighted risk) and
        ``covered_pct`` (cumulative).
    demand_
        Demand points (EPSG:4326) with ``weight``, ``cases`` and ``covered``.
    covered_share_
        Share (0–1) of the total recency-weighted risk within reach of a chosen site.
    reachable_share_
        Share (0–1) within reach of any crossing: what K = all crossings would reach.
    total_weight_
        Total recency-weighted risk of the placed cases.
    unplaced_cases_
        Cases with neither a crossing nor a place (known only to the kecamatan or
        kabupaten); they are not part of the total.
    optimal_
        Whether the solver proved the choice optimal.
    seconds_
        Time spent solving.
    """

    def __init__(
        self,
        *,
        sites: int = DEFAULT_PATROL_SITES,
        radius_km: float = DEFAULT_PATROL_RADIUS_KM,
        half_life_days: float | None = None,
        grid_km: float | None = None,
        time_limit_s: float | None = None,
    ) -> None:
        problems = []
        if isinstance(sites, bool) or not isinstance(sites, int) or sites < 1:
            problems.append(f"`sites` should be a whole number of 1 or more, got {sites!r}")
        problems += _distance_problems(radius_km, "radius_km")
        if problems:
            raise GeodataError("Cannot plan patrols:\n- " + "\n- ".join(problems))
        self.sites = sites
        self.radius_km = radius_km
        self.half_life_days = DEFAULT_HALF_LIFE_DAYS if half_life_days is None else half_life_days
        self.grid_km = grid_km
        self.time_limit_s = time_limit_s

    def fit(
        self,
        cases: gpd.GeoDataFrame,
        crossings: gpd.GeoDataFrame,
        *,
        reference_date: dt.date | None = None,
        gazetteer: pd.DataFrame | None = None,
    ) -> PatrolPlan:
        """Solve the covering problem for ``cases`` with the ``crossings`` as candidates.

        Parameters
        ----------
        cases
            Cases as from :func:`geodata.records.loaders.load_cases`; those reported after
            ``reference_date`` are left out.
        crossings
            Candidate patrol locations (all of them, or those the user kept).
        reference_date
            Day the recency weights are relative to; ``None`` is the latest case.
        gazetteer
            Desa centres for cases without a point; ``None`` loads the reference one.

        Returns
        -------
        PatrolPlan
            ``self``, with the attributes ending in ``_`` set.
        """
        require_frame(cases, "cases", ["date_reported", "crossing_id"])
        require_frame(crossings, "crossings", ["crossing_id", "name"])
        if len(crossings) == 0:
            raise GeodataError("`crossings` is empty: there is no candidate patrol location")
        if reference_date is None:
            reference_date = Period.latest(cases, days=1).end
        dates = pd.to_datetime(cases["date_reported"]).dt.normalize()
        cases = cases[dates <= pd.Timestamp(reference_date)]
        places, unplaced = _patrol_places(cases, crossings, gazetteer=gazetteer)
        weights = recency_weights(
            cases.loc[places.index, "date_reported"],
            reference_date=reference_date,
            half_life_days=self.half_life_days,
        )
        xy, merged_weight, inverse = aggregate_demand(
            metric_xy(places), weights, grid_km=self.grid_km
        )
        site_xy = metric_xy(crossings.geometry)
        matrix = coverage_matrix(xy, site_xy, radius_m=self.radius_km * 1000.0)
        result = solve_max_cover(
            matrix, merged_weight, sites=self.sites, time_limit_s=self.time_limit_s
        )
        total = result.total_weight
        chosen = crossings.iloc[result.sites].copy()
        chosen.insert(0, "order", np.arange(1, len(chosen) + 1))
        chosen["gain_weighted_cases"] = result.gains
        chosen["gain_pct"] = percent_of(result.gains, total)
        chosen["covered_pct"] = percent_of(np.cumsum(result.gains), total)
        chosen["outside_kalbar_km"] = outside_kalbar_km(chosen)
        self.sites_ = gpd.GeoDataFrame(chosen.reset_index(drop=True), crs=crossings.crs)
        self.demand_ = _demand_frame(xy, merged_weight, inverse, covered=result.covered)
        self.total_weight_ = total
        self.covered_share_ = result.covered_share
        reachable = np.asarray(matrix.sum(axis=1)).reshape(-1) > 0
        self.reachable_share_ = (
            float(merged_weight[reachable].sum() / total) if total > 0 else float("nan")
        )
        self.unplaced_cases_ = unplaced
        self.optimal_ = result.optimal
        self.seconds_ = result.seconds
        return self

    def summary(self, *, lang: str, near_km: float = DEFAULT_NEAR_KM) -> list[str]:
        """Sentences for the page: covered share, cases left out, method (``{"id", "en"}``);
        the method names ``near_km``, the radius the crossing ranking shown with the plan
        used (:func:`rank_crossings`)."""
        if not hasattr(self, "sites_"):
            raise GeodataError("Call `fit()` before `summary()`")
        lines = [
            t(
                "patrol.summary",
                lang,
                sites=format_number(len(self.sites_), lang),
                radius=format_number(self.radius_km, lang),
                covered=format_number(self.covered_share_ * 100.0, lang, digits=1),
                reachable=format_number(self.reachable_share_ * 100.0, lang, digits=1),
            )
        ]
        if self.unplaced_cases_:
            lines.append(
                t("patrol.unplaced", lang, count=format_number(self.unplaced_cases_, lang))
            )
        if not self.optimal_:
            lines.append(t("patrol.not_optimal", lang))
        lines.append(
            t(
                "patrol.method",
                lang,
                km=format_number(near_km, lang),
                half_life=format_number(self.half_life_days, lang),
            )
        )
        return lines

    def explore(
        self, *, lang: str, crossings: gpd.GeoDataFrame | None = None, synthetic: bool = True
    ) -> folium.Map:
        """A map of the plan: chosen sites with their reach, covered and uncovered demand.

        Parameters
        ----------
        lang
            Language of the labels, ``{"id", "en"}``.
        crossings
            All crossings, drawn underneath for context; ``None`` draws only the chosen ones.
        synthetic
            Whether to show the "DATA CONTOH / SAMPLE DATA" banner.
        """
        if not hasattr(self, "sites_"):
            raise GeodataError("Call `fit()` before `explore()`")
        m = new_map()
        add_context(m, lang=lang)
        if crossings is not None:
            crossings_layer(crossings, lang=lang).add_to(m)
        _demand_layer(self.demand_, lang=lang).add_to(m)
        _sites_layer(self.sites_, radius_km=self.radius_km, lang=lang).add_to(m)
        if len(self.sites_):
            west, south, east, north = self.sites_.total_bounds
            pad = self.radius_km / 100.0
            m.fit_bounds([[south - pad, west - pad], [north + pad, east + pad]])
        add_legend(
            m,
            t("map.legend.title", lang),
            {
                t("patrol.map.title", lang): [
                    LegendItem(t("patrol.map.chosen", lang), styles.CASE, "circle"),
                    LegendItem(t("patrol.map.demand_covered", lang), _COVERED, "circle"),
                    LegendItem(t("patrol.map.demand_uncovered", lang), _UNCOVERED, "circle"),
                ],
                t("map.legend.points", lang): crossings_legend(lang=lang)
                if crossings is not None
                else [],
            },
        )
        if synthetic:
            add_banner(m, t("common.sample_data", lang), detail=t("common.sample_data_note", lang))
        return finish_map(m)


_COVERED: Final = "#4d9221"
_UNCOVERED: Final = "#c51b7d"


def _patrol_places(
    cases: gpd.GeoDataFrame, crossings: gpd.GeoDataFrame, *, gazetteer: pd.DataFrame | None
) -> tuple[gpd.GeoSeries, int]:
    """Demand point of each case for patrols: its crossing if named, else its place."""
    named = cases["crossing_id"].astype("string").fillna("").str.strip()
    at_crossing = crossings.set_index("crossing_id").geometry.to_crs(cases.crs)
    known = named.isin(set(at_crossing.index))
    places = case_places(cases, gazetteer=gazetteer)
    places.loc[known] = at_crossing.reindex(named[known].to_numpy()).to_numpy()
    placed = places.dropna()
    return gpd.GeoSeries(placed, crs=cases.crs), int(len(cases) - len(placed))


def _demand_frame(
    xy: np.ndarray, weight: np.ndarray, inverse: np.ndarray, *, covered: np.ndarray
) -> gpd.GeoDataFrame:
    """Merged demand points as a frame in EPSG:4326."""
    frame = gpd.GeoDataFrame(
        {
            "weight": weight,
            "cases": np.bincount(inverse, minlength=len(weight)).astype("int64"),
            "covered": covered,
        },
        geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]),
        crs=METRIC_CRS,
    )
    return frame.to_crs("EPSG:4326")


def _distance_problems(value: object, name: str) -> list[str]:
    """Describe what is wrong with a distance argument in km (nothing when it is fine)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not np.isfinite(value):
        return [f"`{name}` should be a distance in km, got {value!r}"]
    if value <= 0:
        return [f"`{name}` should be more than 0 km, got {value!r}"]
    return []


def _check_distance(value: object, name: str) -> None:
    """Raise ValueError if ``value`` is not a positive distance in km."""
    problems = _distance_problems(value, name)
    if problems:
        raise GeodataError(problems[0])


def _demand_layer(demand: gpd.GeoDataFrame, *, lang: str) -> folium.FeatureGroup:
    """Demand points sized by weight, green when covered and magenta when not."""
    group = folium.FeatureGroup(name=t("patrol.map.demand", lang))
    scale = float(demand["weight"].max()) if len(demand) else 1.0
    for _, point in demand.sort_values("weight").iterrows():
        color = _COVERED if point["covered"] else _UNCOVERED
        tip = html_table(
            [
                (t("patrol.column.cases", lang), format_number(point["cases"], lang)),
                (
                    t("patrol.column.risk_weighted_cases", lang),
                    format_number(point["weight"], lang, digits=2),
                ),
                (
                    t("patrol.map.status", lang),
                    t(
                        "patrol.map.demand_covered"
                        if point["covered"]
                        else "patrol.map.demand_uncovered",
                        lang,
                    ),
                ),
            ]
        )
        folium.CircleMarker(
            location=[round(point.geometry.y, 5), round(point.geometry.x, 5)],
            radius=_MIN_MARKER_PX + 9.0 * np.sqrt(point["weight"] / scale if scale > 0 else 0),
            color="#ffffff",
            weight=1,
            fill=True,
            fill_color=color,
            fill_opacity=0.85,
            tooltip=folium.Tooltip(tip, sticky=True),
        ).add_to(group)
    return group


def _sites_layer(sites: gpd.GeoDataFrame, *, radius_km: float, lang: str) -> folium.FeatureGroup:
    """Chosen sites: a numbered marker and a circle of their reach."""
    group = folium.FeatureGroup(name=t("patrol.map.chosen", lang))
    for _, site in sites.iterrows():
        location = [round(site.geometry.y, 5), round(site.geometry.x, 5)]
        rows = [
            (t("patrol.column.order", lang), site["order"]),
            (t("crossing.name", lang), site["name"]),
            (t("patrol.column.gain_pct", lang), format_number(site["gain_pct"], lang, digits=1)),
            (
                t("patrol.column.covered_pct", lang),
                format_number(site["covered_pct"], lang, digits=1),
            ),
        ]
        if site.get("outside_kalbar_km", 0) > 0:  # recorded over the border
            outside = format_number(site["outside_kalbar_km"], lang, digits=1)
            rows.append((t("patrol.column.outside_kalbar_km", lang), outside))
        tip = html_table(rows)
        folium.Circle(
            location=location,
            radius=radius_km * 1000.0,
            color=styles.CASE,
            weight=2,
            fill=True,
            fill_opacity=0.06,
            interactive=False,
        ).add_to(group)
        folium.Marker(
            location=location,
            icon=folium.DivIcon(
                html=(
                    '<div style="background:#d7191c;color:#fff;border:2px solid #fff;'
                    "border-radius:50%;width:22px;height:22px;text-align:center;"
                    f'font:bold 12px/22px sans-serif">{escape_text(site["order"])}</div>'
                ),
                icon_size=(22, 22),
                icon_anchor=(11, 11),
                class_name="kb-icon",
            ),
            tooltip=folium.Tooltip(tip, sticky=True),
        ).add_to(group)
    return group
