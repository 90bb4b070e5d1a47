"""Readers for the raw public sources in ``../shared/data/raw`` (see SOURCES.md there).

Only the build (:mod:`geodata.build`) calls these; the app reads the committed derived files.
The traps handled here: the boundary ``path`` arrays are ``[latitude, longitude]`` pairs, and
``district_map.ts`` is a JavaScript object literal rather than JSON.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from geodata.errors import SourceError

# One SQL tuple: ('kode','nama',lat,lng,'path') for boundaries; ('kode','nama', ...) otherwise.
_SQL_STRING = r"'((?:[^']|'')*)'"
_BOUNDARY_ROW = re.compile(
    rf"^\s*\({_SQL_STRING},{_SQL_STRING},(-?[\d.]+),(-?[\d.]+),'(\[.*\])'\)[,;]\s*$"
)
_TUPLE_ROW = re.compile(r"^\s*\((.*)\)[,;]\s*$")
_TUPLE_FIELD = re.compile(rf"{_SQL_STRING}|(-?[\d.]+)")


def _unquote(text: str) -> str:
    return text.replace("''", "'")


def _polygon_from_latlng(rings: list) -> Polygon:
    """Build a polygon from rings of ``[lat, lng]`` pairs (swapped to x=lng, y=lat)."""
    shells = [[(lng, lat) for lat, lng in ring] for ring in rings]
    return Polygon(shells[0], shells[1:])


def geometry_from_latlng_path(path: list) -> Polygon | MultiPolygon:
    """Convert a nested ``[lat, lng]`` array (3 levels: Polygon, 4: MultiPolygon) to shapely.

    Parameters
    ----------
    path
        The decoded JSON ``path`` of one boundary row.
    """
    depth = 0
    probe: object = path
    while isinstance(probe, list):
        depth += 1
        probe = probe[0] if probe else None
    if depth == 3:
        return _polygon_from_latlng(path)
    if depth == 4:
        return MultiPolygon([_polygon_from_latlng(rings) for rings in path])
    raise SourceError(f"expected a path nested 3 or 4 levels deep, got {depth}")


def read_boundaries(path: Path) -> gpd.GeoDataFrame:
    """Read one ``wilayah_boundaries`` SQL file into a GeoDataFrame in EPSG:4326.

    Columns: ``code``, ``name``, ``centroid_lat``, ``centroid_lon``, ``geometry``.
    Invalid rings are repaired with :func:`shapely.make_valid` (polygonal parts kept).
    """
    rows = []
    for line_number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.lstrip().startswith("('"):
            continue
        match = _BOUNDARY_ROW.match(line)
        if match is None:
            raise SourceError(f"{path.name}:{line_number}: not a boundary row")
        code, name, lat, lng, coords = match.groups()
        rows.append(
            {
                "code": code,
                "name": _unquote(name),
                "centroid_lat": float(lat),
                "centroid_lon": float(lng),
                "geometry": geometry_from_latlng_path(json.loads(coords)),
            }
        )
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
    frame["geometry"] = polygonal(shapely.make_valid(frame.geometry.values))
    return frame


def polygonal(geometries: Sequence[BaseGeometry] | np.ndarray) -> list[BaseGeometry]:
    """Keep only the polygonal parts of each geometry (drops stray lines and points)."""
    parts, index = shapely.get_parts(geometries, return_index=True)
    keep = shapely.get_type_id(parts) == shapely.GeometryType.POLYGON
    grouped: dict[int, list] = {}
    for part, owner in zip(parts[keep], index[keep], strict=True):
        grouped.setdefault(int(owner), []).append(part)
    return [
        shapely.multipolygons(grouped[i]) if len(grouped.get(i, [])) > 1 else grouped[i][0]
        for i in range(len(geometries))
    ]


def read_tuples(path: Path) -> list[list[str]]:
    """Read every ``(...)`` value tuple of a plain SQL dump as a list of text fields."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.lstrip().startswith("('"):
            continue
        match = _TUPLE_ROW.match(line)
        if match is None:
            continue
        fields = [
            _unquote(quoted) if quoted or number == "" else number
            for quoted, number in _TUPLE_FIELD.findall(match.group(1))
        ]
        rows.append(fields)
    return rows


def read_codes(path: Path) -> pd.DataFrame:
    """Read ``wilayah_61.sql``: every Kalbar code and its official name."""
    rows = read_tuples(path)
    return pd.DataFrame(rows, columns=["code", "name"])


def read_population(path: Path, *, province: str = "61") -> pd.DataFrame:
    """Read ``wilayah_penduduk.sql`` rows of one province: code, male, female, total."""
    rows = [r for r in read_tuples(path) if r[0] == province or r[0].startswith(province + ".")]
    frame = pd.DataFrame(
        rows, columns=["code", "name", "population_male", "population_female", "population"]
    )
    for column in ("population_male", "population_female", "population"):
        frame[column] = frame[column].astype("int64")
    return frame.drop(columns="name")


def read_official_area(path: Path, *, province: str = "61") -> pd.DataFrame:
    """Read ``wilayah_luas.sql`` rows of one province: code and official area in km²."""
    rows = [r for r in read_tuples(path) if r[0] == province or r[0].startswith(province + ".")]
    frame = pd.DataFrame(rows, columns=["code", "name", "area_official_km2"])
    frame["area_official_km2"] = frame["area_official_km2"].astype("float64")
    return frame.drop(columns="name")


_TS_KEY = re.compile(r"([{,]\s*)([A-Za-z_][A-Za-z0-9_]*)\s*:")
_TS_TRAILING_COMMA = re.compile(r",(\s*[}\]])")


def read_malaysia_districts(path: Path, *, state: str | None = "Sarawak") -> gpd.GeoDataFrame:
    """Read ``district_map.ts`` (a JS object literal, [lon, lat] order) as a GeoDataFrame.

    Parameters
    ----------
    path
        The ``district_map.ts`` file.
    state
        Keep only this state's districts; ``None`` keeps all of Malaysia.
    """
    text = path.read_text(encoding="utf-8")
    start = text.index("{")
    body = text[start : text.rindex("}") + 1]
    body = _TS_KEY.sub(r'\1"\2":', body)
    body = _TS_TRAILING_COMMA.sub(r"\1", body)
    collection = json.loads(body)
    frame = gpd.GeoDataFrame.from_features(collection["features"], crs="EPSG:4326")
    if state is not None:
        frame = frame[frame["state"] == state].reset_index(drop=True)
    frame["geometry"] = polygonal(shapely.make_valid(frame.geometry.values))
    return frame
