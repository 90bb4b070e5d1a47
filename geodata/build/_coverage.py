"""Turn overlapping source boundaries into clean, nested coverages.

After :func:`nest_coverage`, every point of a parent unit lies in exactly one of its children:
siblings do not overlap (GEOS coverage cleaning; an overlap goes to the smaller of the two
units, since small units lose proportionally most and their drawn area already tends to fall
short of the official one), children are clipped to their parent, and any part of the parent that
no child covered is given to the adjacent child with the longest shared border.
"""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from geodata.build._sources import polygonal
from geodata.errors import ArgumentError

log = logging.getLogger(__name__)

#: Residual pieces narrower than this (CRS units, metres in UTM) are merged, not reported.
_TOUCH_TOLERANCE_M = 1.0


def overlap_area(geometries: gpd.GeoSeries) -> float:
    """Area counted more than once by ``geometries`` (sum of areas minus area of union)."""
    return float(geometries.area.sum() - shapely.union_all(geometries.values).area)


def clean_coverage(geometries: gpd.GeoSeries) -> gpd.GeoSeries:
    """Remove overlaps between polygons (given to the smaller one); make shared edges identical."""
    # GEOS's cleaner can raise the FPU "invalid" flag internally on some inputs (seen on the
    # Sarawak districts, depending on prior state); numpy would turn it into a RuntimeWarning.
    # The output is what matters, and the build checks it is valid.
    with np.errstate(invalid="ignore"):
        cleaned = shapely.coverage_clean(geometries.values, merge_strategy="min_area")
    return gpd.GeoSeries(polygonal(cleaned), index=geometries.index, crs=geometries.crs)


def _give_residual_to_neighbours(children: list[BaseGeometry], residual: BaseGeometry) -> None:
    """Merge each part of ``residual`` into the child sharing the longest border with it."""
    tree = shapely.STRtree(children)
    for part in shapely.get_parts(residual):
        if part.area == 0:
            continue
        candidates = tree.query(part, predicate="dwithin", distance=_TOUCH_TOLERANCE_M)
        if len(candidates) == 0:
            candidates = np.array([tree.nearest(part)])
        shared = [
            shapely.intersection(part.boundary, children[i].buffer(_TOUCH_TOLERANCE_M)).length
            for i in candidates
        ]
        winner = int(candidates[int(np.argmax(shared))])
        children[winner] = shapely.union(children[winner], part)


def nest_coverage(
    children: gpd.GeoDataFrame,
    parents: gpd.GeoDataFrame,
    *,
    parent_code_column: str,
) -> gpd.GeoDataFrame:
    """Fit ``children`` into ``parents`` so that each parent is tiled exactly by its children.

    Parameters
    ----------
    children
        Units with a ``parent_code_column`` naming their parent's ``code``; metric CRS.
    parents
        A clean coverage with a ``code`` column, in the same CRS as ``children``.
    parent_code_column
        Column of ``children`` holding the parent's code.

    Returns
    -------
    geopandas.GeoDataFrame
        A copy of ``children`` with cleaned geometry; children that do not reach into their
        parent at all are dropped and logged.
    """
    if children.crs != parents.crs:
        raise ArgumentError(
            f"`children` and `parents` should share one CRS, got {children.crs} and "
            f"{parents.crs}; use children.to_crs(parents.crs) first"
        )
    result = children.copy()
    result["geometry"] = clean_coverage(result.geometry)
    parent_geometry = parents.set_index("code").geometry
    fitted: dict[object, BaseGeometry] = {}
    for parent_code, group in result.groupby(parent_code_column, sort=True):
        parent = parent_geometry[parent_code]
        pieces: list[BaseGeometry] = []
        keep: list[object] = []
        for index, geometry in zip(group.index, group.geometry.values, strict=True):
            clipped = shapely.intersection(geometry, parent)
            if clipped.area > 0:
                pieces.append(polygonal([clipped])[0])
                keep.append(index)
        residual = shapely.difference(parent, shapely.union_all(pieces))
        _give_residual_to_neighbours(pieces, residual)
        fitted.update(zip(keep, polygonal(pieces), strict=True))
    dropped = result.index.difference(pd.Index(list(fitted)))
    if len(dropped):
        log.warning("Dropped %d units that lie wholly outside their parent", len(dropped))
    result = result.loc[list(fitted)]
    result["geometry"] = gpd.GeoSeries(fitted, crs=result.crs)
    result["geometry"] = clean_coverage(result.geometry)
    return result
