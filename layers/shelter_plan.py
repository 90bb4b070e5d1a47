"""Shelter planning: who is within reach of a shelter, and where new shelters would help most.

:class:`ShelterPlan` measures coverage (the share of cases and victims within ``radius_km``
of an existing shelter, by kabupaten) and suggests ``new_sites`` desa centres for new
shelters. The suggestion is a maximal covering location problem solved exactly
(:mod:`layers.coverage`) with the existing shelters as sites that are already open, so it
covers the most victims not yet covered; the chosen sites are listed in order of marginal
gain, each with the cases and victims it newly covers.

Where a case is: its own point, or its desa's representative point (:func:`case_places`).
Cases known only to the kecamatan or kabupaten cannot be measured against a distance; they
are counted per kabupaten in ``cases_unplaced`` and left out of the shares.

Candidates: the representative points of the desa with a boundary (2,130 of them). Only
those within ``radius_km`` of some uncovered case can add anything, so only they enter the
model. The restriction changes no optimum but prunes little when uncovered cases are spread
out (sample data, 50 km: about 1,800 of 2,130; with 25 km about 1,650); the solver then
merges demand points covered by the same candidates, and CBC takes well under a second on
the sample and about 3 s on 100,000 cases. Straight-line distance is a first screen: rivers
and roads decide real travel.

Confidential shelters count for coverage, but :meth:`ShelterPlan.explore` does not draw them
(a circle around one would reveal where it is) unless asked to.
"""

from __future__ import annotations

import logging
from typing import Final, Literal

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import sparse
from scipy.spatial import KDTree
from shapely import Point

from geodata import reference
from geodata.codes import code_level
from geodata.errors import GeodataError
from geodata.i18n import format_number, t
from geodata.settings import METRIC_CRS, PROVINCE_CODE
from layers import styles
from layers._html import escape_text, html_table
from layers._inputs import require_frame
from layers.boundaries import add_context
from layers.coverage import (
    aggregate_demand,
    case_kabupaten,
    case_places,
    case_victims,
    coverage_matrix,
    metric_xy,
    percent_of,
    recency_weights,
    solve_max_cover,
)
from layers.legend import LegendItem, add_banner, add_legend
from layers.mapview import finish_map, new_map
from layers.shelters import shelters_layer

__all__ = [
    "DEFAULT_NEW_SHELTERS",
    "DEFAULT_SHELTER_RADIUS_KM",
    "ShelterPlan",
    "desa_candidates",
]

log = logging.getLogger(__name__)

#: A case is covered when a shelter is within this straight-line distance (km): about
#: an hour or two by road in the border kabupaten; a planning assumption the user sets.
DEFAULT_SHELTER_RADIUS_KM: Final = 50.0
#: New shelter sites to suggest.
DEFAULT_NEW_SHELTERS: Final = 3

Objective = Literal["victims", "cases"]
OBJECTIVES: Final[tuple[Objective, ...]] = ("victims", "cases")
_UNCOVERED: Final = "#c51b7d"
_SUGGESTED: Final = "#5e3c99"


def desa_candidates(*, gazetteer: pd.DataFrame | None = None) -> gpd.GeoDataFrame:
    """Representative points of every desa with a boundary, as candidate sites.

    Returns
    -------
    geopandas.GeoDataFrame
        ``code``, ``name``, ``kecamatan_code``, ``kabupaten_code`` and the point (EPSG:4326).
    """
    if gazetteer is None:
        gazetteer = reference.load_gazetteer()
    desa = gazetteer[(gazetteer["level"] == "desa")].dropna(subset=["lon", "lat"])
    return gpd.GeoDataFrame(
        desa[["code", "name", "kecamatan_code", "kabupaten_code"]].reset_index(drop=True),
        geometry=gpd.points_from_xy(desa["lon"], desa["lat"]),
        crs="EPSG:4326",
    )


class ShelterPlan:
    """Shelter coverage by kabupaten and suggested new shelter sites.

    Parameters
    ----------
    radius_km
        A case is covered when a shelter is within this distance.
    new_sites
        Number of new shelter sites to suggest (0 only measures coverage).
    objective
        What the new sites should cover most of, ``{"victims", "cases"}``: shelters house
        people, so victims by default.
    half_life_days
        Weigh cases by recency with this half-life (see :func:`recency_weights`); ``None``
        weighs every case of the chosen period alike, as suits a building that lasts years.
    grid_km
        Merge demand into grid cells of this size before solving (very many cases only).
    time_limit_s
        Stop the solver after this long with the best choice found.

    Attributes
    ----------
    coverage_
        One row per kabupaten and a last row for Kalbar (``kabupaten_code`` "61"):
        ``cases``, ``cases_covered``, ``cases_covered_pct``, ``victims``,
        ``victims_covered``, ``victims_covered_pct``, ``cases_unplaced``, and
        ``cases_covered_after`` / ``victims_covered_after`` (with the suggested sites).
    cases_
        Placed cases (EPSG:4326) with ``kabupaten_code``, ``victims``, ``dist_shelter_km``
        (nearest existing shelter) and ``covered``.
    uncovered_
        Places with uncovered cases (EPSG:4326): ``place_code``, ``place_name``, ``cases``,
        ``victims``, ``dist_shelter_km``, ``covered_after`` (by a suggested site).
    suggested_
        Suggested sites in order of marginal gain: ``order``, ``code``, ``site`` (the
        desa's name), ``kabupaten_code``, ``kabupaten`` (its name), ``gain_cases``,
        ``gain_victims``, ``cases_covered_pct`` and ``victims_covered_pct`` (all of Kalbar,
        cumulative).
    candidates_considered_
        How many candidate sites entered the model (of ``candidates_total_``).
    optimal_
        Whether the solver proved the choice optimal.
    """

    def __init__(
        self,
        *,
        radius_km: float = DEFAULT_SHELTER_RADIUS_KM,
        new_sites: int = DEFAULT_NEW_SHELTERS,
        objective: Objective = "victims",
        half_life_days: float | None = None,
        grid_km: float | None = None,
        time_limit_s: float | None = None,
    ) -> None:
        problems = []
        if (
            isinstance(radius_km, bool)
            or not isinstance(radius_km, int | float)
            or not np.isfinite(radius_km)
            or radius_km <= 0
        ):
            problems.append(f"`radius_km` should be a distance above 0 km, got {radius_km!r}")
        if isinstance(new_sites, bool) or not isinstance(new_sites, int) or new_sites < 0:
            problems.append(f"`new_sites` should be a whole number, 0 or more, got {new_sites!r}")
        if objective not in OBJECTIVES:
            problems.append(f"`objective` should be one of {set(OBJECTIVES)}, got {objective!r}")
        if problems:
            raise GeodataError("Cannot plan shelters:\n- " + "\n- ".join(problems))
        self.radius_km = radius_km
        self.new_sites = new_sites
        self.objective = objective
        self.half_life_days = half_life_days
        self.grid_km = grid_km
        self.time_limit_s = time_limit_s

    def fit(
        self,
        cases: gpd.GeoDataFrame,
        shelters: gpd.GeoDataFrame,
        *,
        candidates: gpd.GeoDataFrame | None = None,
        kabupaten: gpd.GeoDataFrame | None = None,
        gazetteer: pd.DataFrame | None = None,
    ) -> ShelterPlan:
        """Measure coverage of ``cases`` by ``shelters`` and choose the new sites.

        Parameters
        ----------
        cases
            Cases as from :func:`geodata.records.loaders.load_cases` (filtered as the user chose).
        shelters
            Existing shelters as from :func:`geodata.records.loaders.load_shelters` (may be empty).
        candidates
            Candidate sites with ``code``, ``name`` and a point; ``None`` uses
            :func:`desa_candidates`.
        kabupaten
            Kabupaten units (``code``, ``name``); ``None`` loads the reference coverage.
        gazetteer
            Desa centres and names; ``None`` loads the reference gazetteer.

        Returns
        -------
        ShelterPlan
            ``self``, with the attributes ending in ``_`` set.
        """
        require_frame(cases, "cases", ["date_reported"])
        require_frame(shelters, "shelters", [])
        gazetteer = reference.load_gazetteer() if gazetteer is None else gazetteer
        kabupaten = reference.load_units("kabupaten") if kabupaten is None else kabupaten
        candidates = desa_candidates(gazetteer=gazetteer) if candidates is None else candidates
        require_frame(candidates, "candidates", ["code", "name"])

        located = _placed_cases(cases, kabupaten=kabupaten, gazetteer=gazetteer)
        placed = located[located.geometry.notna()].copy()
        case_xy = metric_xy(placed.geometry) if len(placed) else np.empty((0, 2))
        shelter_xy = metric_xy(shelters.geometry) if len(shelters) else np.empty((0, 2))
        placed["dist_shelter_km"] = _nearest_km(case_xy, shelter_xy)
        placed["covered"] = placed["dist_shelter_km"] <= self.radius_km

        weights = self._weights(placed)
        xy, merged_weight, inverse = aggregate_demand(case_xy, weights, grid_km=self.grid_km)
        uncovered_cases = np.bincount(
            inverse, weights=~placed["covered"].to_numpy(), minlength=len(xy)
        )
        open_demand = (uncovered_cases > 0) & (merged_weight > 0)
        candidate_xy = metric_xy(candidates.geometry)
        reach = _within_reach(candidate_xy, xy[open_demand], radius_m=self.radius_km * 1000.0)
        sites_xy = np.vstack([shelter_xy, candidate_xy[reach]])
        matrix = coverage_matrix(xy, sites_xy, radius_m=self.radius_km * 1000.0)
        result = solve_max_cover(
            matrix,
            merged_weight,
            sites=self.new_sites,
            fixed=range(len(shelter_xy)),
            time_limit_s=self.time_limit_s,
        )
        kept = candidates[reach].reset_index(drop=True)
        chosen = result.sites - len(shelter_xy)
        covered_after = placed["covered"].to_numpy() | result.covered[inverse]

        self.cases_ = placed.to_crs("EPSG:4326")
        self.suggested_ = _suggested_frame(
            kept.iloc[chosen],
            placed,
            inverse=inverse,
            matrix=matrix,
            result_sites=result.sites,
            covered_before=result.covered_before,
        )
        self.suggested_ = self.suggested_.rename(columns={"name": "site"})
        if "kabupaten_code" in self.suggested_.columns:
            names = dict(zip(kabupaten["code"], kabupaten["name"], strict=True))
            self.suggested_.insert(
                int(self.suggested_.columns.get_loc("kabupaten_code")) + 1,
                "kabupaten",
                self.suggested_["kabupaten_code"].map(names),
            )
        self.coverage_ = _coverage_table(
            located, placed, covered_after=covered_after, kabupaten=kabupaten
        )
        self.uncovered_ = _uncovered_places(
            placed, covered_after=covered_after, gazetteer=gazetteer
        )
        self.candidates_considered_ = int(reach.sum())
        self.candidates_total_ = len(candidates)
        self.optimal_ = result.optimal
        self.seconds_ = result.seconds
        self.shelters_ = shelters.copy()
        log.info(
            "Shelter plan: %d of %d candidates in reach, %d suggested",
            self.candidates_considered_,
            self.candidates_total_,
            len(self.suggested_),
        )
        return self

    def _weights(self, placed: gpd.GeoDataFrame) -> np.ndarray:
        """Weight of each placed case: victims or 1, times its recency weight if asked for."""
        base = (
            placed["victims"].to_numpy(dtype=float)
            if self.objective == "victims"
            else np.ones(len(placed))
        )
        if self.half_life_days is None or len(placed) == 0:
            return base
        latest = pd.to_datetime(placed["date_reported"]).max().date()
        return base * recency_weights(
            placed["date_reported"], reference_date=latest, half_life_days=self.half_life_days
        )

    def summary(self, *, lang: str) -> list[str]:
        """Sentences for the page: coverage before and after, candidates, method."""
        if not hasattr(self, "suggested_"):
            raise GeodataError("Call `fit()` before `summary()`")
        kalbar = self.coverage_.iloc[-1]

        def pct(part: str, whole: str) -> str:
            share = kalbar[part] / kalbar[whole] * 100.0 if kalbar[whole] else float("nan")
            return format_number(share, lang, digits=1)

        lines = [
            t(
                "shelter_plan.summary",
                lang,
                radius=format_number(self.radius_km, lang),
                cases=pct("cases_covered", "cases"),
                victims=pct("victims_covered", "victims"),
                sites=format_number(len(self.suggested_), lang),
                cases_after=pct("cases_covered_after", "cases"),
                victims_after=pct("victims_covered_after", "victims"),
            ),
            t(
                "shelter_plan.candidates",
                lang,
                considered=format_number(self.candidates_considered_, lang),
                total=format_number(self.candidates_total_, lang),
            ),
        ]
        if kalbar["cases_unplaced"]:
            count = format_number(kalbar["cases_unplaced"], lang)
            lines.append(t("shelter_plan.unplaced", lang, count=count))
        if "confidential" in self.shelters_ and self.shelters_["confidential"].fillna(True).any():
            lines.append(t("shelter_plan.confidential_hidden", lang))
        lines.append(t("shelter_plan.method", lang, radius=format_number(self.radius_km, lang)))
        return lines

    def explore(
        self, *, lang: str, synthetic: bool = True, show_confidential: bool = False
    ) -> folium.Map:
        """Map: shelters with their reach, uncovered places, and the suggested sites.

        Parameters
        ----------
        lang
            Language of the labels, ``{"id", "en"}``.
        synthetic
            Whether to show the "DATA CONTOH / SAMPLE DATA" banner.
        show_confidential
            Draw confidential shelters too (only for users allowed to see them).
        """
        if not hasattr(self, "suggested_"):
            raise GeodataError("Call `fit()` before `explore()`")
        m = new_map()
        add_context(m, lang=lang)
        shelters = self.shelters_.to_crs("EPSG:4326")
        if not show_confidential and "confidential" in shelters.columns:
            shelters = shelters[~shelters["confidential"].fillna(True).astype(bool)]
        reach = folium.FeatureGroup(name=t("shelter_plan.map.reach", lang))
        for _, shelter in shelters.iterrows():
            _reach_circle(shelter.geometry, radius_km=self.radius_km, color=styles.SHELTER).add_to(
                reach
            )
        reach.add_to(m)
        shelters_layer(shelters, lang=lang).add_to(m)
        _uncovered_layer(self.uncovered_, lang=lang).add_to(m)
        _suggested_layer(self.suggested_, radius_km=self.radius_km, lang=lang).add_to(m)
        add_legend(
            m,
            t("map.legend.title", lang),
            {
                t("shelter_plan.map.title", lang): [
                    LegendItem(t("shelter_plan.map.existing", lang), styles.SHELTER, "circle"),
                    LegendItem(t("shelter_plan.map.uncovered", lang), _UNCOVERED, "circle"),
                    LegendItem(t("shelter_plan.map.suggested", lang), _SUGGESTED, "diamond"),
                ]
            },
        )
        if synthetic:
            add_banner(m, t("common.sample_data", lang), detail=t("common.sample_data_note", lang))
        return finish_map(m)


def _placed_cases(
    cases: gpd.GeoDataFrame, *, kabupaten: gpd.GeoDataFrame, gazetteer: pd.DataFrame
) -> gpd.GeoDataFrame:
    """Cases with their place (point or desa centre, possibly None), kabupaten and victims."""
    located = gpd.GeoDataFrame(
        {
            "case_id": cases.get("case_id", pd.Series(cases.index, index=cases.index)),
            "date_reported": pd.to_datetime(cases["date_reported"]),
            "admin_code": cases.get("admin_code", pd.Series(pd.NA, index=cases.index)),
            "kabupaten_code": case_kabupaten(cases, kabupaten=kabupaten),
            "victims": case_victims(cases),
        },
        geometry=case_places(cases, gazetteer=gazetteer),
        crs=cases.crs,
    )
    return located


def _nearest_km(points: np.ndarray, sites: np.ndarray) -> np.ndarray:
    """Distance (km) from each point to the nearest site; inf when there is no site."""
    if len(sites) == 0:
        return np.full(len(points), np.inf)
    if len(points) == 0:
        return np.empty(0)
    distance, _ = KDTree(sites).query(points)
    return np.asarray(distance) / 1000.0


def _within_reach(candidates: np.ndarray, demand: np.ndarray, *, radius_m: float) -> np.ndarray:
    """Which candidates have some demand point within ``radius_m``."""
    if len(candidates) == 0 or len(demand) == 0:
        return np.zeros(len(candidates), dtype=bool)
    distance, _ = KDTree(demand).query(candidates, distance_upper_bound=radius_m * (1 + 1e-12))
    return np.isfinite(distance)


def _suggested_frame(
    chosen: gpd.GeoDataFrame,
    placed: gpd.GeoDataFrame,
    *,
    inverse: np.ndarray,
    matrix: sparse.csr_array,
    result_sites: np.ndarray,
    covered_before: np.ndarray,
) -> gpd.GeoDataFrame:
    """The suggested sites with the cases and victims each newly covers, cumulative shares."""
    columns = sparse.csc_array(matrix)
    covered = covered_before.copy()
    victims = placed["victims"].to_numpy(dtype=float)
    gain_cases, gain_victims = [], []
    for site in result_sites:
        newly = np.zeros(len(covered), dtype=bool)
        newly[columns.indices[columns.indptr[site] : columns.indptr[site + 1]]] = True
        newly &= ~covered
        covered |= newly
        per_case = newly[inverse]
        gain_cases.append(int(per_case.sum()))
        gain_victims.append(int(victims[per_case].sum()))
    frame = chosen.reset_index(drop=True).copy()
    frame.insert(0, "order", np.arange(1, len(frame) + 1))
    frame["gain_cases"] = np.array(gain_cases, dtype="int64")
    frame["gain_victims"] = np.array(gain_victims, dtype="int64")
    total_cases, total_victims = len(placed), victims.sum()
    already_cases = int(placed["covered"].sum())
    already_victims = float(victims[placed["covered"].to_numpy()].sum())
    frame["cases_covered_pct"] = percent_of(
        already_cases + np.cumsum(frame["gain_cases"]), total_cases
    )
    frame["victims_covered_pct"] = percent_of(
        already_victims + np.cumsum(frame["gain_victims"]), total_victims
    )
    keep = ["order", "code", "name", "kecamatan_code", "kabupaten_code", "gain_cases",
            "gain_victims", "cases_covered_pct", "victims_covered_pct", "geometry"]  # fmt: skip
    return gpd.GeoDataFrame(
        frame[[column for column in keep if column in frame.columns]], crs=chosen.crs
    ).to_crs("EPSG:4326")


def _coverage_table(
    located: gpd.GeoDataFrame,
    placed: gpd.GeoDataFrame,
    *,
    covered_after: np.ndarray,
    kabupaten: gpd.GeoDataFrame,
) -> pd.DataFrame:
    """Coverage figures per kabupaten and for all of Kalbar."""
    placed = placed.assign(
        covered_victims=placed["victims"].where(placed["covered"], 0),
        covered_after=covered_after,
        covered_after_victims=placed["victims"].where(covered_after, 0),
    )
    grouped = placed.groupby("kabupaten_code").agg(
        cases=("case_id", "size"),
        cases_covered=("covered", "sum"),
        victims=("victims", "sum"),
        victims_covered=("covered_victims", "sum"),
        cases_covered_after=("covered_after", "sum"),
        victims_covered_after=("covered_after_victims", "sum"),
    )
    unplaced = located[located.geometry.isna()].groupby("kabupaten_code").size()
    table = kabupaten[["code", "name"]].rename(columns={"code": "kabupaten_code"})
    table = table.merge(grouped, left_on="kabupaten_code", right_index=True, how="left")
    table["cases_unplaced"] = table["kabupaten_code"].map(unplaced)
    numbers = ["cases", "cases_covered", "victims", "victims_covered", "cases_covered_after",
               "victims_covered_after", "cases_unplaced"]  # fmt: skip
    table[numbers] = table[numbers].fillna(0).astype("int64")
    total = table[numbers].sum().to_frame().T
    total.insert(0, "name", "Kalimantan Barat")
    total.insert(0, "kabupaten_code", PROVINCE_CODE)
    table = pd.concat([table, total], ignore_index=True)
    table["cases_covered_pct"] = _pct_series(table["cases_covered"], table["cases"])
    table["victims_covered_pct"] = _pct_series(table["victims_covered"], table["victims"])
    order = ["kabupaten_code", "name", "cases", "cases_covered", "cases_covered_pct", "victims",
             "victims_covered", "victims_covered_pct", "cases_unplaced", "cases_covered_after",
             "victims_covered_after"]  # fmt: skip
    return table[order]


def _pct_series(part: pd.Series, whole: pd.Series) -> pd.Series:
    """``part`` as a percentage of ``whole``, NaN where ``whole`` is 0."""
    return part / whole.where(whole > 0) * 100.0


def _uncovered_places(
    placed: gpd.GeoDataFrame, *, covered_after: np.ndarray, gazetteer: pd.DataFrame
) -> gpd.GeoDataFrame:
    """Places (desa or exact point) of the cases no existing shelter covers."""
    uncovered = placed[~placed["covered"].to_numpy()].copy()
    uncovered["covered_after"] = covered_after[~placed["covered"].to_numpy()]
    codes = uncovered["admin_code"].astype("string")
    uncovered["place_code"] = codes.where(code_level(codes) == "desa", "")
    names = gazetteer.set_index("code")["name"]
    uncovered["place_name"] = uncovered["place_code"].map(names).fillna("")
    uncovered = uncovered.to_crs(METRIC_CRS)
    uncovered["x"] = uncovered.geometry.x.round(0)
    uncovered["y"] = uncovered.geometry.y.round(0)
    grouped = uncovered.groupby(["x", "y"], sort=False).agg(
        place_code=("place_code", "first"),
        place_name=("place_name", "first"),
        cases=("case_id", "size"),
        victims=("victims", "sum"),
        dist_shelter_km=("dist_shelter_km", "min"),
        covered_after=("covered_after", "all"),
    )
    grouped = grouped.reset_index()
    frame = gpd.GeoDataFrame(
        grouped.drop(columns=["x", "y"]),
        geometry=gpd.points_from_xy(grouped["x"], grouped["y"]),
        crs=METRIC_CRS,
    ).to_crs("EPSG:4326")
    return frame.sort_values(["victims", "cases"], ascending=False).reset_index(drop=True)


def _reach_circle(point: Point, *, radius_km: float, color: str) -> folium.Circle:
    """A non-interactive circle of ``radius_km`` around a point (lon/lat)."""
    return folium.Circle(
        location=[round(point.y, 5), round(point.x, 5)],
        radius=radius_km * 1000.0,
        color=color,
        weight=1.5,
        fill=True,
        fill_opacity=0.05,
        interactive=False,
    )


def _uncovered_layer(places: gpd.GeoDataFrame, *, lang: str) -> folium.FeatureGroup:
    """Places with uncovered cases, sized by victims."""
    group = folium.FeatureGroup(name=t("shelter_plan.map.uncovered", lang))
    for _, place in places.iterrows():
        tip = html_table(
            [
                (t("shelter_plan.column.place_name", lang), place["place_name"] or "–"),
                (t("shelter_plan.column.cases", lang), format_number(place["cases"], lang)),
                (t("shelter_plan.column.victims", lang), format_number(place["victims"], lang)),
                (
                    t("shelter_plan.column.dist_shelter_km", lang),
                    format_number(place["dist_shelter_km"], lang, digits=1),
                ),
            ]
        )
        folium.CircleMarker(
            location=[round(place.geometry.y, 5), round(place.geometry.x, 5)],
            radius=3.0 + 2.0 * np.sqrt(float(place["victims"])),
            color="#ffffff",
            weight=1,
            fill=True,
            fill_color=_UNCOVERED,
            fill_opacity=0.85,
            tooltip=folium.Tooltip(tip, sticky=True),
        ).add_to(group)
    return group


def _suggested_layer(
    sites: gpd.GeoDataFrame, *, radius_km: float, lang: str
) -> folium.FeatureGroup:
    """Suggested sites: numbered diamonds with a circle of their reach."""
    group = folium.FeatureGroup(name=t("shelter_plan.map.suggested", lang))
    for _, site in sites.iterrows():
        _reach_circle(site.geometry, radius_km=radius_km, color=_SUGGESTED).add_to(group)
        tip = html_table(
            [
                (t("shelter_plan.column.order", lang), site["order"]),
                (t("shelter_plan.column.site", lang), site["site"]),
                (
                    t("shelter_plan.column.gain_cases", lang),
                    format_number(site["gain_cases"], lang),
                ),
                (
                    t("shelter_plan.column.gain_victims", lang),
                    format_number(site["gain_victims"], lang),
                ),
            ]
        )
        folium.Marker(
            location=[round(site.geometry.y, 5), round(site.geometry.x, 5)],
            icon=folium.DivIcon(
                html=(
                    f'<div style="background:{_SUGGESTED};color:#fff;border:2px solid #fff;'
                    "transform:rotate(45deg);width:18px;height:18px;text-align:center;"
                    'font:bold 11px/18px sans-serif"><div style="transform:rotate(-45deg)">'
                    f"{escape_text(site['order'])}</div></div>"
                ),
                icon_size=(22, 22),
                icon_anchor=(11, 11),
                class_name="kb-icon",
            ),
            tooltip=folium.Tooltip(tip, sticky=True),
        ).add_to(group)
    return group
