"""How far points lie outside Kalbar and from its land border with Sarawak, in km.

One computation for the file loaders, the store's own check and the risk indicators, so that
they never disagree about a point near a limit: distances in UTM 49N (EPSG:32649), compared
unrounded (messages show them to 0.1 km).
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


def metric_points(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Points of ``lon``/``lat`` (EPSG:4326) in UTM 49N."""
    points = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs=STORAGE_CRS)
    return points.to_crs(METRIC_CRS).to_numpy()


def metric_outline(outline: BaseGeometry | None = None) -> BaseGeometry:
    """``outline`` (EPSG:4326; None: Kalbar's, :func:`geodata.reference.load_province`) in
    UTM 49N, prepared for repeated distance queries."""
    if outline is None:
        return _kalbar_outline()
    return _prepared(gpd.GeoSeries([outline], crs=STORAGE_CRS).to_crs(METRIC_CRS).iloc[0])


@cache
def _kalbar_outline() -> BaseGeometry:
    province = gpd.GeoSeries([reference.load_province()], crs=STORAGE_CRS)
    return _prepared(province.to_crs(METRIC_CRS).iloc[0])


@cache
def _border_line() -> BaseGeometry:
    return _prepared(reference.load_border().to_crs(METRIC_CRS).union_all())


def _prepared(geometry: BaseGeometry) -> BaseGeometry:
    shapely.prepare(geometry)
    return geometry


def km_outside(points: np.ndarray, outline: BaseGeometry | None = None) -> np.ndarray:
    """Kilometres from each of ``points`` (UTM 49N) to ``outline`` (UTM 49N; None: Kalbar's),
    0 for a point inside it."""
    return shapely.distance(points, outline if outline is not None else _kalbar_outline()) / 1e3


def km_from_border(points: np.ndarray) -> np.ndarray:
    """Kilometres from each of ``points`` (UTM 49N) to the Kalbar–Sarawak land border line."""
    return shapely.distance(points, _border_line()) / 1e3


def accepted_outside(points: np.ndarray, *, crossings: bool) -> np.ndarray:
    """Which of ``points`` (UTM 49N) lie outside Kalbar and still pass the checks: within
    :data:`TOLERANCE_KM` of its outline or, for ``crossings``, within
    :data:`~geodata.settings.BORDER_BAND_KM` of its land border."""
    outside = km_outside(points)
    accepted = (outside > 0) & (outside <= TOLERANCE_KM)
    if crossings:
        accepted |= (outside > 0) & (km_from_border(points) <= BORDER_BAND_KM)
    return accepted
