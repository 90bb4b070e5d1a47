"""Trafficking cases as data: filtering, placing in units, counting per unit, drawable points.

Cases come from :func:`geodata.records.loaders.load_cases` (validated, EPSG:4326). A case may have
an exact point, or only an admin code at desa, kecamatan or kabupaten precision; counts per
unit use both, points on the map only the cases whose place is known to the desa. The data
layer (role views, gateway) counts with these; :mod:`layers.cases` draws them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geodata.settings import CODE_LENGTH, LEVELS, Level

SEXES: Final = ("female", "male")
AGES: Final = ("adult", "child")


@dataclass(frozen=True)
class CaseFilter:
    """What the user chose to see. An empty set means "all" for every set-valued filter."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    exploitation: frozenset[str] = frozenset()
    sexes: frozenset[str] = frozenset(SEXES)
    ages: frozenset[str] = frozenset(AGES)
    destinations: frozenset[str] = frozenset()
    statuses: frozenset[str] = frozenset()
    crossing_types: frozenset[str] = frozenset()
    sources: frozenset[str] = frozenset()

    def victim_columns(self) -> list[str]:
        """The victims_* columns selected by sex and age."""
        return [
            f"victims_{sex}_{age}"
            for sex in SEXES
            for age in AGES
            if sex in self.sexes and age in self.ages
        ]


def destination_label(cases: pd.DataFrame) -> pd.Series:
    """``"MY · Sarawak"`` style label of each case's destination (country, state)."""
    country = cases["destination_country"].fillna("").astype(str)
    state = cases["destination_state"].fillna("").astype(str)
    return (country + np.where(state.str.len() > 0, " · " + state, "")).str.strip()


def filter_cases(cases: gpd.GeoDataFrame, case_filter: CaseFilter) -> gpd.GeoDataFrame:
    """Cases matching ``case_filter``, with ``victims_selected`` (victims of the chosen sex/age).

    A case stays only if it has at least one victim of the chosen sex and age group. The rows
    are selected once, after every condition is known (a million cases have many columns).
    """
    victims = cases[case_filter.victim_columns()].sum(axis=1).astype("int64")
    keep = victims.to_numpy() > 0
    reported = pd.to_datetime(cases["date_reported"])
    if case_filter.date_from is not None:
        keep &= (reported >= pd.Timestamp(case_filter.date_from)).to_numpy()
    if case_filter.date_to is not None:
        keep &= (reported <= pd.Timestamp(case_filter.date_to)).to_numpy()
    choices = {
        "exploitation": case_filter.exploitation,
        "status": case_filter.statuses,
        "crossing_type": case_filter.crossing_types,
        "source": case_filter.sources,
    }
    for column, allowed in choices.items():
        if allowed:
            keep &= cases[column].isin(allowed).to_numpy()
    if case_filter.destinations:
        keep &= destination_label(cases).isin(case_filter.destinations).to_numpy()
    selected = cases.copy(deep=False) if keep.all() else cases[keep]
    selected["victims_selected"] = victims.to_numpy()[keep]
    return selected


def locate_cases(cases: gpd.GeoDataFrame, desa: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Add ``kabupaten_code``, ``kecamatan_code`` and ``desa_code`` to every case.

    A case with precision ``exact`` and a point is placed by point-in-polygon in the clean
    desa coverage; any other case by its ``admin_code``. Levels finer than the case's
    precision stay empty.
    """
    cases = cases.copy()
    unit_code = cases["admin_code"].astype("string")
    exact = (cases["location_precision"] == "exact") & ~cases.geometry.isna()
    if exact.any():
        points = cases.geometry[exact].values
        tree = shapely.STRtree(desa.geometry.values)
        point_index, desa_index = tree.query(points, predicate="within")
        found = pd.Series(
            desa["code"].to_numpy()[desa_index], index=cases.index[exact][point_index]
        )
        unit_code.loc[found.index] = found.astype("string")
    for level in LEVELS:
        length = CODE_LENGTH[level]
        code = unit_code.str.slice(0, length)
        cases[f"{level}_code"] = code.where(unit_code.str.len() >= length)
    return cases


def count_by_unit(
    cases: pd.DataFrame, units: gpd.GeoDataFrame, *, level: Level, victims: str = "victims_selected"
) -> gpd.GeoDataFrame:
    """Units of ``level`` with ``cases``, ``victims`` and, where population is known,
    ``cases_per_100k`` and ``victims_per_100k``.

    ``cases`` must have been through :func:`locate_cases`; cases known only at a coarser
    level are not counted at a finer one.
    """
    key = f"{level}_code"
    grouped = cases.groupby(key)[victims].agg(["size", "sum"])
    grouped.columns = pd.Index(["cases", "victims"])
    counted = units.merge(grouped, left_on="code", right_index=True, how="left")
    counted[["cases", "victims"]] = counted[["cases", "victims"]].fillna(0).astype("int64")
    if "population" in counted.columns:
        population = counted["population"].where(counted["population"] > 0)
        counted["cases_per_100k"] = counted["cases"] / population * 1e5
        counted["victims_per_100k"] = counted["victims"] / population * 1e5
    return counted


def case_points(cases: gpd.GeoDataFrame, gazetteer: pd.DataFrame) -> gpd.GeoDataFrame:
    """Cases that can be drawn as points: exact ones, and desa-level ones at the desa's centre.

    Adds ``approximate``: True unless the case's precision is ``exact`` (a desa-level case is
    drawn at its point if it has one, else at the desa's representative point).
    """
    centres = gazetteer.set_index("code")[["lon", "lat"]]
    drawable = cases[~cases.geometry.isna() | cases["desa_code"].notna()].copy()
    missing = drawable.geometry.isna()
    centre = centres.reindex(drawable.loc[missing, "desa_code"])
    drawable.loc[missing, "geometry"] = gpd.points_from_xy(centre["lon"], centre["lat"])
    drawable["approximate"] = drawable["location_precision"] != "exact"
    located = ~drawable.geometry.isna() & ~drawable.geometry.is_empty
    located &= np.isfinite(shapely.get_x(drawable.geometry.values)) & np.isfinite(
        shapely.get_y(drawable.geometry.values)
    )
    return drawable[located]
