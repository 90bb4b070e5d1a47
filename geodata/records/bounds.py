"""How far points lie outside Kalbar and from its land border with Sarawak, in km.

One computation for the file loaders, the store's own check, the risk indicators and the
patrol ranking, so that they never disagree about a point near a limit: distances in UTM 49N
(EPSG:32649), compared unrounded. A point more than :data:`NEAR_DEGREES` from the outline's
bounding box (a placeholder 0, 0; a point in Europe) is far beyond every limit; its distance
is estimated from degrees (UTM 49N is meaningless there), only for the message.
"""

from __future__ import annotations

from functools import cache
from typing import Final

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from geodata import reference
from geodata.settings import BORDER_BAND_KM, METRIC_CRS, STORAGE_CRS

#: Points this far or less outside Kalbar's outline, or outside the unit named by their
#: ``admin_code``, pass (with a warning): the public boundaries are simplified.
TOLERANCE_KM: Final = 1.0
#: Points within this many degrees of the outline's bounding box are measured in UTM 49N.
NEAR_DEGREES: Final = 2.0
#: Kilometres per degree near the equator (Kalbar lies between 3° S and 2° N), for estimates.
KM_PER_DEGREE: Final = 111.32


class Shape:
    """A geometry in EPSG:4326 and in UTM 49N, both prepared, and its bounding box."""

    def __init__(self, geometry: BaseGeometry) -> None:
        self.degrees = geometry
        self.metric = gpd.GeoSeries([geometry], crs=STORAGE_CRS).to_crs(METRIC_CRS).iloc[0]
        shapely.prepare(self.degrees)
        shapely.prepare(self.metric)
        west, south, east, north = geometry.bounds
        self.near = (
            west - NEAR_DEGREES,
            south - NEAR_DEGREES,
            east + NEAR_DEGREES,
            north + NEAR_DEGREES,
        )

    def km(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Kilometres from each point to the geometry (0 inside a polygon)."""
        lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
        west, south, east, north = self.near
        near = (lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)
        km = np.empty(len(lon))
        far = ~near
        km[far] = shapely.distance(shapely.points(lon[far], lat[far]), self.degrees) * KM_PER_DEGREE
        if near.any():
            points = gpd.GeoSeries(gpd.points_from_xy(lon[near], lat[near]), crs=STORAGE_CRS)
            km[near] = shapely.distance(points.to_crs(METRIC_CRS).to_numpy(), self.metric) / 1e3
        return km


@cache
def _kalbar() -> Shape:
    return Shape(reference.load_province())


@cache
def _border() -> Shape:
    return Shape(shapely.union_all(reference.load_border().geometry.values))


def outline(geometry: BaseGeometry | None = None) -> Shape:
    """``geometry`` (EPSG:4326; None: Kalbar's outline) ready for :func:`km_outside`."""
    return _kalbar() if geometry is None else Shape(geometry)


def km_outside(lon: np.ndarray, lat: np.ndarray, shape: Shape | None = None) -> np.ndarray:
    """Kilometres from each point (EPSG:4326) to Kalbar's outline, or to ``shape``
    (:func:`outline`); 0 inside."""
    return (shape or _kalbar()).km(lon, lat)


def km_from_border(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Kilometres from each point (EPSG:4326) to the Kalbar–Sarawak land border line."""
    return _border().km(lon, lat)


def accepted_outside(lon: np.ndarray, lat: np.ndarray, *, crossings: bool) -> np.ndarray:
    """Which points (EPSG:4326) lie outside Kalbar and still pass the checks: within
    :data:`TOLERANCE_KM` of its outline or, for ``crossings``, within
    :data:`~geodata.settings.BORDER_BAND_KM` of its land border."""
    outside = km_outside(lon, lat)
    accepted = (outside > 0) & (outside <= TOLERANCE_KM)
    if crossings:
        accepted |= (outside > 0) & (km_from_border(lon, lat) <= BORDER_BAND_KM)
    return accepted


def shown_km(km: np.ndarray, *, refused: bool) -> np.ndarray:
    """Distances for messages, to 0.1 km: a refused point's rounded up, so that a point
    refused at 1.03 km never reads "1,0 km" beside a limit of 1 km."""
    return np.ceil(np.round(km * 10, 6)) / 10 if refused else np.round(km, 1)
