"""Derive the Kalbar–Sarawak land border and each unit's relation to it (metric CRS)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

#: How far apart the two countries' separately drawn edges may lie and still be "the border".
BORDER_MATCH_DISTANCE_M = 2_000.0
#: Border pieces shorter than this (tripoint and coast artefacts) are dropped.
MIN_BORDER_PIECE_M = 2_000.0
#: A unit touches the border when at least this much border runs along its edge.
MIN_SHARED_BORDER_M = 500.0

#: The five official land border posts and the desa each stands in (FACTS.md).
PLBN_VILLAGES = {
    "Entikong": ("61.03.21.2003", "Tebedu (Serian)"),
    "Aruk": ("61.01.09.2002", "Biawak (Lundu)"),
    "Jagoi Babang": ("61.07.07.2001", "Serikin (Bau)"),
    "Nanga Badau": ("61.06.14.2001", "Lubok Antu"),
    "Jasa": ("61.05.06.2009", "—"),
}


def derive_border(province: BaseGeometry, neighbour: BaseGeometry) -> BaseGeometry:
    """The part of ``province``'s outline that runs along ``neighbour`` (metric CRS).

    The sources were drawn separately and overlap or leave slivers of a few hundred metres,
    so the outline is kept where it lies within ``BORDER_MATCH_DISTANCE_M`` of the neighbour.
    """
    near = shapely.intersection(
        province.boundary, shapely.buffer(neighbour, BORDER_MATCH_DISTANCE_M)
    )
    merged = shapely.line_merge(shapely.union_all(shapely.get_parts(near)))
    pieces = [p for p in shapely.get_parts(merged) if p.length >= MIN_BORDER_PIECE_M]
    return shapely.line_merge(shapely.multilinestrings(pieces))


def border_relations(units: gpd.GeoDataFrame, border: BaseGeometry) -> pd.DataFrame:
    """Per unit: ``touches_border``, ``border_length_km`` and two distances to the border.

    ``dist_border_km`` is from the unit's nearest edge (0 where it touches);
    ``centre_dist_border_km`` is from its representative point, which ranks large units
    more fairly.
    """
    geometries = units.geometry.values
    shared = shapely.length(shapely.intersection(border, shapely.buffer(geometries, 50.0)))
    touches = shared >= MIN_SHARED_BORDER_M
    edge = np.where(touches, 0.0, shapely.distance(geometries, border))
    centre = shapely.distance(shapely.point_on_surface(geometries), border)
    return pd.DataFrame(
        {
            "touches_border": touches,
            "border_length_km": np.where(touches, shared, 0.0) / 1000,
            "dist_border_km": edge / 1000,
            "centre_dist_border_km": centre / 1000,
        },
        index=units.index,
    )


def place_plbn(desa: gpd.GeoDataFrame, border: BaseGeometry) -> gpd.GeoDataFrame:
    """Place each PLBN at the point of the border nearest to its village (metric CRS)."""
    by_code = desa.set_index("code")
    rows = []
    for name, (desa_code, malaysian_side) in PLBN_VILLAGES.items():
        village = by_code.loc[desa_code]
        anchor = village.geometry.point_on_surface()
        post = nearest_points(border, anchor)[0]
        rows.append(
            {
                "crossing_id": "PLBN-" + name.upper().replace(" ", "-"),
                "name": f"PLBN {name}",
                "kind": "plbn",
                "desa_code": desa_code,
                "desa_name": village["name"],
                "kecamatan_code": desa_code[:8],
                "kabupaten_code": desa_code[:5],
                "malaysian_side": malaysian_side,
                "position_source": "derived: border point nearest to the village",
                "position_derived": True,
                "village_dist_km": post.distance(anchor) / 1000,
                "geometry": post,
            }
        )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=desa.crs)
