"""The briefing's map as an inline SVG drawn from the geometries.

It needs no script, no tiles and no network, and prints sharp: the kabupaten, the border,
the crossings (ranked ones labelled), the patrols' reach and the cases, in METRIC_CRS.
"""

from __future__ import annotations

from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from geodata import reference
from geodata.i18n import t
from geodata.settings import METRIC_CRS
from layers import styles
from layers._html import escape_text
from layers.briefing.model import Briefing

#: Width of the map's SVG coordinate space; the height follows the area's shape.
_SVG_WIDTH: Final = 1000.0
_SVG_MAX_HEIGHT: Final = 900.0
_MAP_MARGIN: Final = 0.06
PERIOD_CASE: Final = "#d7191c"
YEAR_CASE: Final = "#9e9e9e"
SELECTED_FILL: Final = "#fff7bc"


def briefing_svg(briefing: Briefing) -> str:
    """The briefing's map as an inline SVG: kabupaten, border, crossings, patrols, cases.

    Drawn in :data:`METRIC_CRS` from the simplified web layers; every name is escaped.
    """
    frame = _map_frame(briefing)
    draw = _SvgCanvas(frame)
    sarawak = reference.load_web_layer("sarawak").to_crs(METRIC_CRS)
    kabupaten = reference.load_web_layer("kabupaten").to_crs(METRIC_CRS)
    border = reference.load_web_layer("border").to_crs(METRIC_CRS)
    code = briefing.kabupaten["code"]
    parts = [
        draw.shapes(sarawak.geometry, fill=styles.SARAWAK_FILL, stroke="#b9b2a0", width=0.6),
        draw.shapes(
            kabupaten[kabupaten["code"] != code].geometry,
            fill="#f7f7f7",
            stroke="#9a9a9a",
            width=0.8,
        ),
        draw.shapes(
            kabupaten[kabupaten["code"] == code].geometry,
            fill=SELECTED_FILL,
            stroke="#222222",
            width=2.2,
        ),
        draw.shapes(border.geometry, fill="none", stroke=styles.BORDER, width=2.4),
    ]
    if briefing.patrol is not None:
        sites = briefing.patrol.sites_.to_crs(METRIC_CRS)
        radius = briefing.patrol.radius_km * 1000.0
        parts += [draw.reach(point, radius) for point in sites.geometry]
    parts.append(_case_dots(draw, briefing.recent_cases, color=YEAR_CASE, radius=2.6))
    parts.append(_case_dots(draw, briefing.cases, color=PERIOD_CASE, radius=5.0))
    parts.append(_crossing_symbols(draw, briefing))
    parts.append(draw.scale_bar())
    parts.append(draw.north_arrow())
    label = escape_text(t("briefing.map", briefing.lang) + ": " + str(briefing.kabupaten["name"]))
    return (
        f'<svg class="kb-map" viewBox="0 0 {draw.width:.0f} '
        f'{draw.height:.0f}" role="img" aria-label="{label}" '
        'font-family="DejaVu Sans, Arial, sans-serif">'
        f'<rect width="100%" height="100%" fill="{styles.SEA}"/>' + "".join(parts) + "</svg>"
    )


class _SvgCanvas:
    """Projects metric coordinates into an SVG box and writes shapes as SVG markup."""

    def __init__(self, bounds: tuple[float, float, float, float]) -> None:
        west, south, east, north = bounds
        self.west, self.north = west, north
        self.scale = _SVG_WIDTH / (east - west)
        self.width = _SVG_WIDTH
        self.height = (north - south) * self.scale
        self.bounds = bounds
        self.tolerance = 0.6 / self.scale  # drop detail under ~0.6 SVG units

    def xy(self, x: float, y: float) -> tuple[float, float]:
        """SVG coordinates of a metric point."""
        return (x - self.west) * self.scale, (self.north - y) * self.scale

    def shapes(self, geometries: gpd.GeoSeries, *, fill: str, stroke: str, width: float) -> str:
        """One ``<path>`` holding every polygon or line of ``geometries`` clipped to the map."""
        pad = 20.0 / self.scale
        west, south, east, north = self.bounds
        clipped = shapely.clip_by_rect(
            geometries.values, west - pad, south - pad, east + pad, north + pad
        )
        simple = shapely.simplify(clipped, self.tolerance)
        data = "".join(self._path_data(geometry) for geometry in simple if geometry is not None)
        if not data:
            return ""
        return (
            f'<path d="{data}" fill="{fill}" stroke="{stroke}" stroke-width="{width}" '
            'fill-rule="evenodd" stroke-linejoin="round"/>'
        )

    def _path_data(self, geometry: BaseGeometry) -> str:
        """SVG path commands of a (multi)polygon or (multi)line."""
        if geometry.is_empty:
            return ""
        if hasattr(geometry, "geoms"):
            return "".join(self._path_data(part) for part in geometry.geoms)
        if geometry.geom_type == "Polygon":
            rings = [geometry.exterior, *geometry.interiors]
            return "".join(self._ring(np.asarray(ring.coords), close=True) for ring in rings)
        if geometry.geom_type in {"LineString", "LinearRing"}:
            return self._ring(np.asarray(geometry.coords), close=False)
        return ""

    def _ring(self, coords: np.ndarray, *, close: bool) -> str:
        if len(coords) < 2:
            return ""
        x = (coords[:, 0] - self.west) * self.scale
        y = (self.north - coords[:, 1]) * self.scale
        points = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(x, y, strict=True))
        return f"M{points}{'Z' if close else ''}"

    def reach(self, point: BaseGeometry, radius_m: float) -> str:
        """A dashed circle of a patrol's reach."""
        cx, cy = self.xy(point.x, point.y)
        return (
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{radius_m * self.scale:.1f}" '
            f'fill="{styles.CASE}" fill-opacity="0.06" stroke="{styles.CASE}" '
            'stroke-width="1.6" stroke-dasharray="6 4"/>'
        )

    def scale_bar(self) -> str:
        """A scale bar of a round number of km at the bottom left."""
        target_m = (self.width * 0.22) / self.scale
        km = _round_length(target_m / 1000.0)
        length = km * 1000.0 * self.scale
        x0, y0 = 16.0, self.height - 18.0
        return (
            f'<g><rect x="{x0 - 6:.1f}" y="{y0 - 22:.1f}" width="{length + 12:.1f}" height="32" '
            'fill="#ffffff" fill-opacity="0.8"/>'
            f'<path d="M{x0:.1f},{y0 - 6:.1f}V{y0:.1f}H{x0 + length:.1f}V{y0 - 6:.1f}" '
            'fill="none" stroke="#222" stroke-width="2"/>'
            f'<text x="{x0 + length / 2:.1f}" y="{y0 - 9:.1f}" font-size="15" '
            f'text-anchor="middle">{km:g} km</text></g>'
        )

    def north_arrow(self) -> str:
        """A north arrow at the top right."""
        x, y = self.width - 28.0, 16.0
        return (
            f'<g><path d="M{x},{y} l10,30 l-10,-8 l-10,8 Z" fill="#222"/>'
            f'<text x="{x}" y="{y + 48}" font-size="15" text-anchor="middle">N</text></g>'
        )


def _round_length(km: float) -> float:
    """The largest of 1, 2, 5 × 10ⁿ km not above ``km``."""
    exponent = np.floor(np.log10(max(km, 1e-3)))
    for step in (5.0, 2.0, 1.0):
        if step * 10**exponent <= km:
            return float(step * 10**exponent)
    return float(10**exponent)


def _map_frame(briefing: Briefing) -> tuple[float, float, float, float]:
    """Metric bounds of the map: the kabupaten, its listed crossings and patrol reach."""
    shapes = [briefing.kabupaten.geometry]
    listed = briefing.priorities.head(briefing.top)
    shapes += list(listed.geometry)
    frame = gpd.GeoSeries(shapes, crs="EPSG:4326").to_crs(METRIC_CRS)
    west, south, east, north = frame.total_bounds
    if briefing.patrol is not None and len(briefing.patrol.sites_):
        sites = briefing.patrol.sites_.to_crs(METRIC_CRS)
        reach = sites.buffer(briefing.patrol.radius_km * 1000.0).total_bounds
        west, south = min(west, reach[0]), min(south, reach[1])
        east, north = max(east, reach[2]), max(north, reach[3])
    pad_x, pad_y = (east - west) * _MAP_MARGIN, (north - south) * _MAP_MARGIN
    west, east, south, north = west - pad_x, east + pad_x, south - pad_y, north + pad_y
    # Widen a tall frame so the map is never taller than _SVG_MAX_HEIGHT units.
    min_width = (north - south) * _SVG_WIDTH / _SVG_MAX_HEIGHT
    if east - west < min_width:
        middle = (east + west) / 2
        west, east = middle - min_width / 2, middle + min_width / 2
    return float(west), float(south), float(east), float(north)


def _case_dots(draw: _SvgCanvas, cases: gpd.GeoDataFrame, *, color: str, radius: float) -> str:
    """Cases as dots (cases without a place are not drawn)."""
    points = cases.geometry.dropna()
    if not len(points):
        return ""
    metric = points.to_crs(METRIC_CRS)
    dots = []
    for x, y in zip(metric.x, metric.y, strict=True):
        cx, cy = draw.xy(x, y)
        dots.append(
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{radius}" fill="{color}" '
            'stroke="#ffffff" stroke-width="0.8"/>'
        )
    return "<g>" + "".join(dots) + "</g>"


def symbol_markup(kind: str, x: float, y: float, size: float) -> str:
    """A crossing symbol: PLBN square, unofficial triangle (river: diamond)."""
    if kind == "plbn":
        return (
            f'<rect x="{x - size:.1f}" y="{y - size:.1f}" width="{2 * size:.1f}" '
            f'height="{2 * size:.1f}" fill="{styles.PLBN}" stroke="#222" stroke-width="1"/>'
        )
    if kind == "river_route":
        points = f"{x},{y - size} {x + size},{y} {x},{y + size} {x - size},{y}"
    else:
        points = f"{x},{y - size} {x + size},{y + size * 0.8} {x - size},{y + size * 0.8}"
    return f'<polygon points="{points}" fill="{styles.UNOFFICIAL}" stroke="#222" stroke-width="1"/>'


#: Where a rank label may go relative to its crossing, tried in order (SVG units).
_LABEL_OFFSETS: Final = (
    (13, -12), (-13, -12), (13, 12), (-13, 12), (0, -24), (0, 24), (26, 0), (-26, 0),
    (24, -24), (-24, -24), (24, 24), (-24, 24), (0, -40), (40, 0), (-40, 0), (0, 40),
)  # fmt: skip
_LABEL_GAP: Final = 19.0


def _crossing_symbols(draw: _SvgCanvas, briefing: Briefing) -> str:
    """Every crossing in the frame, the listed ones larger and numbered by rank.

    Each crossing carries its (escaped) name as an SVG ``<title>``. Rank labels are placed
    in rank order at the first free spot around their crossing, so close crossings (the
    tracks around Entikong) keep readable numbers; a label with no free spot is left out.
    """
    crossings = briefing.crossings
    if not len(crossings):
        return ""
    listed = briefing.priorities.head(briefing.top)
    ranks = dict(zip(listed["crossing_id"], listed["rank"], strict=True))
    metric = crossings.to_crs(METRIC_CRS)
    metric["rank"] = metric["crossing_id"].map(ranks)
    west, south, east, north = draw.bounds
    inside = metric.geometry.x.between(west, east) & metric.geometry.y.between(south, north)
    metric = metric[inside].sort_values("rank", na_position="first")
    symbols, labels = [], []
    taken: list[tuple[float, float]] = []
    for crossing in metric.to_dict("records"):
        x, y = draw.xy(crossing["geometry"].x, crossing["geometry"].y)
        ranked = pd.notna(crossing["rank"])
        body = symbol_markup(str(crossing["kind"]), x, y, 7.0 if ranked else 4.0)
        title = escape_text(crossing["name"])
        opacity = "1" if ranked else "0.55"
        symbols.append(f'<g opacity="{opacity}"><title>{title}</title>{body}</g>')
        if ranked:
            spot = _free_spot(x, y, taken, width=draw.width, height=draw.height)
            if spot is not None:
                taken.append(spot)
                labels.append(_rank_label(x, y, spot, int(crossing["rank"]), title))
    return "<g>" + "".join(symbols) + "".join(labels) + "</g>"


def _free_spot(
    x: float, y: float, taken: list[tuple[float, float]], *, width: float, height: float
) -> tuple[float, float] | None:
    """The first label position around ``(x, y)`` clear of the labels already placed."""
    for dx, dy in _LABEL_OFFSETS:
        lx, ly = x + dx, y + dy
        if not (10 <= lx <= width - 10 and 10 <= ly <= height - 10):
            continue
        if all(np.hypot(lx - ox, ly - oy) >= _LABEL_GAP for ox, oy in taken):
            return lx, ly
    return None


def _rank_label(x: float, y: float, spot: tuple[float, float], rank: int, title: str) -> str:
    """A numbered disc at ``spot`` with a thin leader line to its crossing."""
    lx, ly = spot
    return (
        f"<g><title>{title}</title>"
        f'<line x1="{x:.1f}" y1="{y:.1f}" x2="{lx:.1f}" y2="{ly:.1f}" stroke="#222" '
        'stroke-width="0.8"/>'
        f'<circle cx="{lx:.1f}" cy="{ly:.1f}" r="9" fill="#ffffff" stroke="#222" '
        'stroke-width="1"/>'
        f'<text x="{lx:.1f}" y="{ly + 4.5:.1f}" font-size="12" font-weight="bold" '
        f'text-anchor="middle">{rank}</text></g>'
    )
