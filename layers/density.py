"""Kernel density surface of cases, in the metric CRS, as a grid and as a heat layer.

:func:`kernel_density` bins the points on a regular grid in
:data:`~geodata.settings.METRIC_CRS` and convolves the bins with a quartic (biweight)
kernel of radius ``bandwidth_km`` (the kernel of ArcGIS "Kernel Density"): each case
spreads one unit of mass (or its weight) over the disc of that radius, most of it near the
centre. Values are cases per km², and the grid sums (times the cell area) to the total
weight. Binning moves each point by at most half a cell, so the cell is kept at a quarter of
the bandwidth or less.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from folium.plugins import HeatMap
from scipy.signal import fftconvolve

from geodata.errors import GeodataError
from geodata.i18n import t
from geodata.settings import METRIC_CRS, STORAGE_CRS
from layers._inputs import check_positive, require_storage_crs

log = logging.getLogger(__name__)

#: Default kernel radius (km): about a kecamatan's width in the settled west.
DEFAULT_BANDWIDTH_KM: Final = 15.0
#: Cell size as a share of the bandwidth when not given.
CELL_PER_BANDWIDTH: Final = 0.25
#: Largest grid (cells); a finer cell is coarsened to stay under it.
MAX_CELLS: Final = 400_000
#: Cells below this share of the peak are left out of the heat layer.
HEAT_MIN_SHARE: Final = 0.02


@dataclass(frozen=True)
class DensityGrid:
    """A density surface on a regular grid in the metric CRS.

    Attributes
    ----------
    density_per_km2
        (rows, columns) array; row 0 is the southern edge.
    bounds
        ``(xmin, ymin, xmax, ymax)`` of the grid in metres, :data:`crs`.
    cell_km
        Side of a cell.
    bandwidth_km
        Kernel radius.
    total
        Total weight of the points (cases or victims).
    crs
        Always :data:`~geodata.settings.METRIC_CRS`.
    """

    density_per_km2: np.ndarray
    bounds: tuple[float, float, float, float]
    cell_km: float
    bandwidth_km: float
    total: float
    crs: str = METRIC_CRS

    def centres(self, *, min_share: float = 0.0) -> gpd.GeoDataFrame:
        """Cell centres (EPSG:4326) with ``density_per_km2``, those above ``min_share`` of the
        peak (all cells with any density when 0)."""
        rows, columns = self.density_per_km2.shape
        cell = self.cell_km * 1000.0
        x = self.bounds[0] + (np.arange(columns) + 0.5) * cell
        y = self.bounds[1] + (np.arange(rows) + 0.5) * cell
        xx, yy = np.meshgrid(x, y)
        values = self.density_per_km2
        peak = float(values.max()) if values.size else 0.0
        keep = values > max(peak * min_share, 0.0)
        points = gpd.GeoSeries(gpd.points_from_xy(xx[keep], yy[keep]), crs=self.crs)
        return gpd.GeoDataFrame(
            {"density_per_km2": values[keep]}, geometry=points.to_crs(STORAGE_CRS)
        )

    def to_frame(self, *, min_share: float = 0.0) -> gpd.GeoDataFrame:
        """Cells as square polygons in the metric CRS, with ``density_per_km2``."""
        rows, columns = self.density_per_km2.shape
        cell = self.cell_km * 1000.0
        col, row = np.meshgrid(np.arange(columns), np.arange(rows))
        values = self.density_per_km2
        peak = float(values.max()) if values.size else 0.0
        keep = values > max(peak * min_share, 0.0)
        x0 = self.bounds[0] + col[keep] * cell
        y0 = self.bounds[1] + row[keep] * cell
        boxes = shapely.box(x0, y0, x0 + cell, y0 + cell)
        return gpd.GeoDataFrame(
            {"row": row[keep], "column": col[keep], "density_per_km2": values[keep]},
            geometry=boxes,
            crs=self.crs,
        )


def quartic_kernel(radius_cells: float) -> np.ndarray:
    """Quartic kernel ``(1 - (d/h)^2)^2`` sampled at cell centres, summing to 1."""
    reach = max(1, math.ceil(radius_cells))
    offsets = np.arange(-reach, reach + 1)
    dx, dy = np.meshgrid(offsets, offsets)
    ratio = (dx**2 + dy**2) / radius_cells**2
    kernel = np.where(ratio < 1.0, (1.0 - ratio) ** 2, 0.0)
    if kernel.sum() == 0:  # pragma: no cover - reach >= 1 always holds the centre
        kernel[reach, reach] = 1.0
    return kernel / kernel.sum()


def kernel_density(
    points: gpd.GeoSeries | gpd.GeoDataFrame,
    *,
    bandwidth_km: float = DEFAULT_BANDWIDTH_KM,
    cell_km: float | None = None,
    weights: pd.Series | np.ndarray | None = None,
    bounds: tuple[float, float, float, float] | None = None,
) -> DensityGrid:
    """Kernel density of ``points`` (cases per km², or weight per km²).

    Parameters
    ----------
    points
        Points in EPSG:4326 (e.g. :func:`geodata.records.cases.case_points`); missing and empty
        geometries are skipped.
    bandwidth_km
        Kernel radius: a case counts fully at its point and not at all this far away.
    cell_km
        Grid cell; ``None``: a quarter of the bandwidth, coarsened if the grid would pass
        :data:`MAX_CELLS`.
    weights
        Weight per point (e.g. victims); ``None``: 1 each.
    bounds
        ``(xmin, ymin, xmax, ymax)`` in metres (metric CRS); ``None``: the points' extent
        plus one bandwidth on every side.
    """
    if not isinstance(points, gpd.GeoSeries | gpd.GeoDataFrame):
        raise TypeError(
            f"`points` should be a GeoSeries or GeoDataFrame, got {type(points).__name__}"
        )
    require_storage_crs(points, "points")
    bandwidth = check_positive(bandwidth_km, "bandwidth_km")
    geometry = points.geometry if isinstance(points, gpd.GeoDataFrame) else points
    mass = np.ones(len(geometry)) if weights is None else np.asarray(weights, dtype=float)
    if len(mass) != len(geometry):
        raise GeodataError(
            f"`weights` should have one value per point ({len(geometry)}), got {len(mass)}"
        )
    present = (geometry.notna() & ~geometry.is_empty).to_numpy()
    metric = geometry[present].to_crs(METRIC_CRS)
    xy = shapely.get_coordinates(metric.to_numpy())
    mass = mass[present]
    if bounds is None:
        if len(xy) == 0:
            raise GeodataError("`points` has no point to draw a density from; give `bounds`")
        pad = bandwidth * 1000.0
        bounds = (
            float(xy[:, 0].min() - pad),
            float(xy[:, 1].min() - pad),
            float(xy[:, 0].max() + pad),
            float(xy[:, 1].max() + pad),
        )
    cell = _cell_km(bounds, bandwidth, cell_km)
    columns = max(1, math.ceil((bounds[2] - bounds[0]) / (cell * 1000.0)))
    rows = max(1, math.ceil((bounds[3] - bounds[1]) / (cell * 1000.0)))
    edges_x = bounds[0] + np.arange(columns + 1) * cell * 1000.0
    edges_y = bounds[1] + np.arange(rows + 1) * cell * 1000.0
    binned, _, _ = np.histogram2d(xy[:, 1], xy[:, 0], bins=(edges_y, edges_x), weights=mass)
    kernel = quartic_kernel(bandwidth / cell)
    smoothed = fftconvolve(binned, kernel, mode="same")
    density = np.clip(smoothed, 0.0, None) / (cell * cell)
    density[density < 1e-12 * max(float(density.max()), 1e-300)] = 0.0
    log.info("Density of %d points on %d x %d cells of %.2f km", len(xy), rows, columns, cell)
    return DensityGrid(
        density_per_km2=density,
        bounds=(bounds[0], bounds[1], float(edges_x[-1]), float(edges_y[-1])),
        cell_km=cell,
        bandwidth_km=bandwidth,
        total=float(mass.sum()),
    )


def _cell_km(
    bounds: tuple[float, float, float, float], bandwidth: float, cell_km: float | None
) -> float:
    width_km = max(bounds[2] - bounds[0], 1.0) / 1000.0
    height_km = max(bounds[3] - bounds[1], 1.0) / 1000.0
    if cell_km is not None:
        cell = check_positive(cell_km, "cell_km")
        if width_km * height_km / cell**2 > MAX_CELLS:
            raise GeodataError(
                f"`cell_km` {cell_km} makes more than {MAX_CELLS:,} cells over these bounds; "
                "use a larger cell or smaller bounds"
            )
        return cell
    cell = bandwidth * CELL_PER_BANDWIDTH
    smallest = math.sqrt(width_km * height_km / MAX_CELLS)
    return max(cell, smallest)


def heat_layer(
    grid: DensityGrid,
    *,
    lang: str,
    min_share: float = HEAT_MIN_SHARE,
    radius_px: int = 18,
    show: bool = True,
) -> HeatMap:
    """The surface as a Folium heat layer: cell centres weighted by density / peak.

    The heat layer blurs in screen pixels (``radius_px``), so it shows the surface's shape
    at any zoom rather than the exact bandwidth; the bandwidth lives in the grid values.
    """
    centres = grid.centres(min_share=min_share)
    peak = float(grid.density_per_km2.max()) if grid.density_per_km2.size else 0.0
    weights = centres["density_per_km2"].to_numpy() / peak if peak > 0 else np.zeros(0)
    data = np.column_stack(
        [centres.geometry.y.round(5), centres.geometry.x.round(5), weights.round(4)]
    ).tolist()
    return HeatMap(
        data,
        name=t("risk.density_layer", lang, bandwidth=f"{grid.bandwidth_km:g}"),
        show=show,
        radius=radius_px,
        blur=radius_px,
        min_opacity=0.25,
        max_zoom=12,
    )
