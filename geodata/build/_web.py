"""Simplified web versions of the coverages: shared edges stay shared, sizes are measured."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from geodata.build._sources import polygonal
from geodata.settings import STORAGE_CRS


def web_version(units: gpd.GeoDataFrame, *, tolerance_m: float, decimals: int) -> gpd.GeoDataFrame:
    """Simplify a clean coverage (metric CRS) and round it to ``decimals`` in EPSG:4326.

    Coverage simplification keeps the edges that neighbours share identical; rounding every
    vertex to the same decimals keeps them identical too (1e-4 degree is about 11 m).
    """
    if (units.geom_type == "LineString").any() or (units.geom_type == "MultiLineString").any():
        simplified = units.geometry.simplify(tolerance_m).values
    else:
        simplified = polygonal(shapely.coverage_simplify(units.geometry.values, tolerance_m))
    web = units.copy()
    web["geometry"] = simplified
    web = web.to_crs(STORAGE_CRS)
    web["geometry"] = shapely.transform(web.geometry.values, lambda xy: np.round(xy, decimals))
    return web


def displacement_m(original: gpd.GeoDataFrame, web: gpd.GeoDataFrame) -> float:
    """Largest Hausdorff distance (metres) between each original shape and its web version."""
    moved = web.to_crs(original.crs)
    distances = shapely.hausdorff_distance(original.geometry.values, moved.geometry.values)
    return float(np.max(distances)) if len(distances) else 0.0


def write_geojson(web: gpd.GeoDataFrame, path: Path, *, columns: list[str]) -> dict[str, int]:
    """Write ``columns`` and geometry as compact GeoJSON; return ``bytes`` and ``vertices``."""
    kept = web.loc[~web.geometry.is_empty, [*columns, "geometry"]]
    collection = json.loads(kept.to_json(drop_id=True))
    text = json.dumps(collection, separators=(",", ":"), ensure_ascii=False)
    path.write_text(text, encoding="utf-8")
    return {
        "bytes": len(text.encode("utf-8")),
        "vertices": int(shapely.get_num_coordinates(kept.geometry.values).sum()),
    }
