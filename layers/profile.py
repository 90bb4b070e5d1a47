"""Profile of one selected unit: its cases, the crossings in or near it, nearest shelters."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
import shapely

from geodata.records.trends import Frequency, cases_over_time
from geodata.settings import METRIC_CRS


@dataclass(frozen=True)
class UnitProfile:
    """What the side panel shows for a selected kabupaten or kecamatan."""

    code: str
    name: str
    cases: pd.DataFrame
    trend: pd.DataFrame
    crossings: pd.DataFrame
    shelters: pd.DataFrame

    @property
    def case_count(self) -> int:
        """Number of (filtered) cases placed in the unit."""
        return len(self.cases)

    @property
    def victim_count(self) -> int:
        """Number of (filtered) victims of those cases."""
        return int(self.cases["victims_selected"].sum()) if len(self.cases) else 0


def _distances_km(unit: shapely.Geometry, points: gpd.GeoDataFrame) -> pd.Series:
    metric_unit = gpd.GeoSeries([unit], crs=points.crs).to_crs(METRIC_CRS).iloc[0]
    metric_points = points.geometry.to_crs(METRIC_CRS)
    return pd.Series(shapely.distance(metric_unit, metric_points.values) / 1000, index=points.index)


def crossings_near(
    unit: shapely.Geometry, crossings: gpd.GeoDataFrame, *, near_km: float = 10.0
) -> pd.DataFrame:
    """Crossings within ``near_km`` of ``unit`` (0 km inside it), nearest first, with
    ``distance_km``."""
    near = crossings.assign(distance_km=_distances_km(unit, crossings))
    near = near[near["distance_km"] <= near_km].sort_values("distance_km")
    return pd.DataFrame(near.drop(columns="geometry"))


def nearest_shelters(
    unit: shapely.Geometry, shelters: gpd.GeoDataFrame, *, count: int = 3
) -> pd.DataFrame:
    """The ``count`` shelters nearest to ``unit``, with ``distance_km``."""
    nearest = shelters.assign(distance_km=_distances_km(unit, shelters))
    return pd.DataFrame(nearest.nsmallest(count, "distance_km").drop(columns="geometry"))


def unit_profile(
    unit: pd.Series,
    *,
    cases: pd.DataFrame,
    crossings: gpd.GeoDataFrame,
    shelters: gpd.GeoDataFrame,
    near_km: float = 10.0,
    shelter_count: int = 3,
    frequency: Frequency = "year",
) -> UnitProfile:
    """Profile of ``unit`` (a row of a unit layer with ``code``, ``name``, geometry, EPSG:4326).

    Crossings within ``near_km`` of the unit's edge (0 km inside it) and the
    ``shelter_count`` nearest shelters, each with ``distance_km``, nearest first.
    """
    level = {5: "kabupaten", 8: "kecamatan", 13: "desa"}[len(unit["code"])]
    own_cases = cases[cases[f"{level}_code"] == unit["code"]]
    return UnitProfile(
        code=unit["code"],
        name=unit["name"],
        cases=own_cases,
        trend=cases_over_time(own_cases, frequency=frequency),
        crossings=crossings_near(unit.geometry, crossings, near_km=near_km),
        shelters=nearest_shelters(unit.geometry, shelters, count=shelter_count),
    )
