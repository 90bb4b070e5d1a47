"""Gi* hot spots (toy lattices with an obvious cluster, islands, FDR by hand), the small-count
warning, the hot-spot map, and the kernel density surface."""

from __future__ import annotations

import datetime as dt

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geodata.errors import GeodataError
from geodata.records.cases import case_points
from geodata.records.datasets import Dataset
from geodata.settings import METRIC_CRS
from layers.density import DensityGrid, heat_layer, kernel_density, quartic_kernel
from layers.hotspots import (
    CLASS_COLORS,
    DEFAULT_HOTSPOT_COLUMN,
    HOTSPOT_COLUMNS,
    HotSpots,
    classify_hotspots,
    hotspot_layer,
    hotspot_legend,
    neighbour_weights,
    permutation_p_values,
    small_counts_message,
    small_counts_warning,
)
from layers.indicators import compute_indicators
from layers.periods import Period

#: 0.05° (~5.6 km) cells near Entikong, where the metric CRS (UTM 49N) is exact enough.
CELL = 0.05


def lattice(size: int, values: np.ndarray) -> gpd.GeoDataFrame:
    """A ``size`` x ``size`` grid of square units, row by row from the south-west."""
    boxes = [
        shapely.box(110.0 + c * CELL, 0.5 + r * CELL, 110.0 + (c + 1) * CELL, 0.5 + (r + 1) * CELL)
        for r in range(size)
        for c in range(size)
    ]
    return gpd.GeoDataFrame(
        {"code": [f"u{i:02d}" for i in range(size * size)], "name": "cell", "cases": values},
        geometry=boxes,
        crs="EPSG:4326",
    )


def corner_cluster(size: int = 7, *, high: float = 10.0) -> np.ndarray:
    """Zero everywhere but a 3 x 3 block of ``high`` in the north-east corner."""
    grid = np.zeros((size, size))
    grid[-3:, -3:] = high
    return grid.ravel()


# --------------------------------------------------------------------------- Gi*


def test_an_obvious_cluster_is_a_hot_spot_and_nothing_else_is() -> None:
    units = lattice(7, corner_cluster() + 1.0)
    result = HotSpots(seed=1, fdr=False).fit(units, column="cases").result_
    classes = result["hotspot_class"].to_numpy().reshape(7, 7)
    # The cluster's middle cell (row 5, col 5): all 9 of its Gi* window are high.
    assert classes[5, 5] == 3
    assert (classes[-3:, -3:] > 0).sum() >= 5
    # Far from the cluster nothing is hot; no unit is a cold spot of a flat background.
    assert (classes[:3, :3] == 0).all()
    assert (classes >= 0).all()
    assert result.loc[result["gi_z"].idxmax(), "code"] == "u40"  # row 5, col 5
    assert result["p_value"].between(0.002, 1).all()  # 2 / (999 + 1) at best
    # With FDR over 49 units, 99 % needs p <= k/49 * 0.01 for the k-th smallest p: about
    # ten units at p = 0.002, more than this cluster has. It stays hot at 95 %.
    controlled = HotSpots(seed=1).fit(units, column="cases").result_
    assert controlled["hotspot_class"].to_numpy().reshape(7, 7)[5, 5] == 2


def test_a_low_block_in_a_high_field_is_a_cold_spot() -> None:
    values = 11.0 - corner_cluster()  # 1 in the corner block, 11 elsewhere
    result = HotSpots(seed=2, fdr=False).fit(lattice(7, values), column="cases").result_
    classes = result["hotspot_class"].to_numpy().reshape(7, 7)
    assert classes[5, 5] == -3
    assert (classes <= 0).all()


def test_the_same_seed_gives_the_same_answer() -> None:
    units = lattice(5, np.arange(25.0))
    first = HotSpots(permutations=99, seed=7, fdr=False).fit(units, column="cases").result_
    again = HotSpots(permutations=99, seed=7, fdr=False).fit(units, column="cases").result_
    pd.testing.assert_series_equal(first["p_value"], again["p_value"])


def test_ties_with_the_permutations_are_not_significant() -> None:
    # Observed 0 and every permutation 0: neither tail is smaller, p = 1 (esda's "directed"
    # p-value would be 0.001 here and make a cold spot of every empty neighbourhood).
    p_value, direction = permutation_p_values(np.array([0.0, 5.0]), np.zeros((2, 999)))
    assert p_value.tolist() == [1.0, 0.002]
    assert direction.tolist() == [0, 1]
    # 3 of 99 permutations at or above the observed value: p_high = 4/100, two-sided 0.08.
    simulated = np.concatenate([np.full(96, 1.0), np.full(3, 9.0)])[None, :]
    p_value, direction = permutation_p_values(np.array([9.0]), simulated)
    assert p_value[0] == pytest.approx(0.08)
    assert direction[0] == 1


def test_false_discovery_rate_thresholds_by_hand() -> None:
    # Ten p-values; Benjamini–Hochberg at alpha: the largest k with p(k) < k/10 * alpha
    # (esda.fdr compares strictly and returns that bound, k/10 * alpha).
    # alpha 0.10: 0.002 < 0.01, 0.004 < 0.02, 0.02 < 0.03, 0.04 < 0.04 fails -> 0.03.
    # alpha 0.05: 0.002 < 0.005, 0.004 < 0.01, 0.02 < 0.015 fails ... -> 0.01.
    # alpha 0.01: 0.002 < 0.001 fails, and every later one -> esda gives alpha / n = 0.001.
    p_value = np.array([0.002, 0.004, 0.02, 0.04, 0.3, 0.5, 0.6, 0.7, 0.8, 0.9])
    z = np.array([3.0, -3.0, 2.0, 1.8, 0, 0, 0, 0, 0, 0])
    classes, thresholds = classify_hotspots(z, p_value, fdr=True)
    assert thresholds == pytest.approx((0.001, 0.01, 0.03))
    assert classes.tolist() == [2, -2, 1, 0, 0, 0, 0, 0, 0, 0]
    plain, _ = classify_hotspots(z, p_value, fdr=False)
    assert plain.tolist() == [3, -3, 2, 2, 0, 0, 0, 0, 0, 0]


def test_islands_are_joined_to_their_nearest_unit_without_a_warning() -> None:
    units = lattice(3, np.arange(9.0))
    island = shapely.box(110.4, 0.5, 110.45, 0.52)  # 0.25° (~28 km) east of the grid
    units = pd.concat(
        [units, gpd.GeoDataFrame({"code": ["isle"], "name": ["isle"], "cases": [3.0]},
                                 geometry=[island], crs="EPSG:4326")],
        ignore_index=True,
    )  # fmt: skip
    weights = neighbour_weights(units)
    assert weights.islands_joined == [9]
    assert weights.neighbors[9] == [2]  # the grid's south-east cell is nearest
    assert 9 in weights.neighbors[2]
    assert weights.islands == []
    result = HotSpots(permutations=99).fit(units, column="cases").result_
    assert len(result) == 10


def test_distance_band_weights() -> None:
    units = lattice(3, np.arange(9.0))
    # Centres are ~5.6 km apart along a row or column, ~7.9 km diagonally.
    weights = neighbour_weights(units, neighbours="distance", distance_km=6.0)
    assert sorted(weights.neighbors[4]) == [1, 3, 5, 7]
    weights = neighbour_weights(units, neighbours="distance", distance_km=8.0)
    assert sorted(weights.neighbors[4]) == [0, 1, 2, 3, 5, 6, 7, 8]
    with pytest.raises(GeodataError, match="`distance_km` is needed"):
        neighbour_weights(units, neighbours="distance")


def test_real_kecamatan_islands_are_joined(sample: Dataset) -> None:
    frame = compute_indicators(
        sample.cases, level="kecamatan", period=Period(dt.date(2020, 1, 1), dt.date(2025, 12, 31))
    )
    weights = neighbour_weights(frame)
    joined = frame.loc[weights.islands_joined, "name"].tolist()
    assert joined == ["Pulau Maya", "Kepulauan Karimata"]
    # 9,999 permutations: with 999 the smallest p (0.002) sits right at the FDR bound for
    # 174 units, and whether anything is significant depends on the seed.
    result = HotSpots(permutations=9_999, seed=3).fit(frame, column="cases").result_
    hot = set(result.loc[result["hotspot_class"] > 0, "name"])
    # The synthetic cases gather along the Sambas and Sanggau (Entikong) border.
    assert {"Paloh", "Galing", "Tangaran"} <= hot
    assert set(result.loc[result["hotspot_class"] > 0, "kabupaten_code"]) <= {"61.01", "61.03"}


def test_nothing_to_test_gives_no_classes() -> None:
    units = lattice(3, np.zeros(9))
    spots = HotSpots(permutations=99).fit(units, column="cases")
    assert (spots.result_["hotspot_class"] == 0).all()
    assert spots.warning_ == "hotspot.no_cases"


def test_hotspot_arguments_are_checked() -> None:
    units = lattice(3, np.arange(9.0))
    with pytest.raises(GeodataError, match="`permutations` should be 9 or more"):
        HotSpots(permutations=5)
    with pytest.raises(GeodataError, match="`neighbours` should be one of"):
        HotSpots(neighbours="rook")  # type: ignore[arg-type]
    with pytest.raises(GeodataError, match="`distance_km` should be above zero"):
        HotSpots(neighbours="distance", distance_km=-1)
    with pytest.raises(GeodataError, match="zero or more for every unit"):
        HotSpots().fit(units.assign(cases=-1.0), column="cases")
    with pytest.raises(GeodataError, match=r"it lacks \['rate'\]"):
        HotSpots().fit(units, column="rate")


# --------------------------------------------------------------------------- small counts


def test_small_counts_warning() -> None:
    assert small_counts_warning(np.zeros(5)) == "hotspot.no_cases"
    assert small_counts_warning(np.array([5, 5, 5, 5, 0])) == "hotspot.small_counts_total"
    assert small_counts_warning(np.array([40, 0, 0, 0, 1])) == "hotspot.small_counts_zeros"
    assert small_counts_warning(np.array([40, 0, 0, 1])) is None  # half zero is allowed
    assert small_counts_warning(np.array([10, 10, 10, 0])) is None
    text = small_counts_message(np.array([5, 5, 5, 5, 0]), lang="id")
    assert text is not None and "20 kasus" in text and "30" in text
    text = small_counts_message(np.array([40, 0, 0, 0, 1]), lang="en")
    assert text is not None and "60% of the areas" in text
    assert small_counts_message(np.array([10, 10, 10, 0]), lang="en") is None


# --------------------------------------------------------------------------- map


def test_hotspot_layer_and_legend() -> None:
    units = lattice(7, corner_cluster() + 1.0)
    result = HotSpots(permutations=99, seed=1, fdr=False).fit(units, column="cases").result_
    layer, legend = hotspot_layer(result, level="kecamatan", lang="en", column="cases")
    labels = [item.label for item in legend]
    assert labels == [
        "Hot spot, 99% confidence", "Hot spot, 95% confidence", "Hot spot, 90% confidence",
        "Not significant",
        "Cold spot, 90% confidence", "Cold spot, 95% confidence", "Cold spot, 99% confidence",
    ]  # fmt: skip
    assert [item.color for item in hotspot_legend("id")] == [
        CLASS_COLORS[c] for c in range(3, -4, -1)
    ]
    folium_map = folium.Map()
    layer.add_to(folium_map)
    assert layer.layer_name == "Hot spots (Getis-Ord Gi*)"
    hottest = int(result["hotspot_class"].max())
    assert hottest > 0
    assert CLASS_COLORS[hottest] in folium_map.get_root().render()


# --------------------------------------------------------------------------- density


def _points(lon: list[float], lat: list[float]) -> gpd.GeoSeries:
    return gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs="EPSG:4326")


def test_quartic_kernel_sums_to_one_and_fades_to_zero() -> None:
    kernel = quartic_kernel(4.0)
    assert kernel.sum() == pytest.approx(1.0)
    assert kernel.shape == (9, 9)
    assert kernel[4, 4] == kernel.max()
    assert kernel[4, 0] == 0.0  # 4 cells away = the bandwidth


def test_density_of_one_point_keeps_its_mass_within_the_bandwidth() -> None:
    grid = kernel_density(_points([110.3], [1.0]), bandwidth_km=10.0, cell_km=1.0)
    assert isinstance(grid, DensityGrid)
    cell_area = grid.cell_km**2
    assert grid.density_per_km2.sum() * cell_area == pytest.approx(1.0)
    # Quartic kernel peak: 3 / (pi h²) = 3 / (100 pi) ≈ 0.0095 per km².
    assert grid.density_per_km2.max() == pytest.approx(3 / (100 * np.pi), rel=0.05)
    cells = grid.to_frame()
    assert cells.crs == METRIC_CRS
    point = gpd.GeoSeries([shapely.Point(110.3, 1.0)], crs="EPSG:4326").to_crs(METRIC_CRS)[0]
    farthest_km = cells.geometry.centroid.distance(point).max() / 1000
    assert farthest_km < 10.0 + grid.cell_km
    peak = cells.loc[cells["density_per_km2"].idxmax(), "geometry"]
    assert peak.distance(point) < 1000.0


def test_density_weights_and_two_clusters() -> None:
    points = _points([110.0, 110.01, 110.02, 111.0], [1.0, 1.0, 1.0, 1.0])
    grid = kernel_density(points, bandwidth_km=5.0, weights=np.array([1, 1, 1, 6]))
    assert grid.total == 9.0
    assert grid.density_per_km2.sum() * grid.cell_km**2 == pytest.approx(9.0)
    centres = grid.centres()
    peak = centres.loc[centres["density_per_km2"].idxmax(), "geometry"]
    assert peak.x == pytest.approx(111.0, abs=0.02)  # the heavier single point wins


def test_density_arguments_are_checked() -> None:
    points = _points([110.0], [1.0])
    with pytest.raises(GeodataError, match="`bandwidth_km` should be above zero"):
        kernel_density(points, bandwidth_km=0)
    with pytest.raises(GeodataError, match=r"should be in EPSG:4326.*to_crs"):
        kernel_density(points.to_crs(METRIC_CRS))
    with pytest.raises(GeodataError, match="one value per point"):
        kernel_density(points, weights=np.ones(3))
    with pytest.raises(GeodataError, match="more than 400,000 cells"):
        kernel_density(points, bandwidth_km=100, cell_km=0.1)
    with pytest.raises(TypeError, match="should be a GeoSeries or GeoDataFrame"):
        kernel_density([shapely.Point(110, 1)])  # type: ignore[arg-type]


def test_heat_layer_of_the_sample_cases(sample: Dataset, located: gpd.GeoDataFrame) -> None:
    from geodata import reference

    points = case_points(located, reference.load_gazetteer())
    grid = kernel_density(points, bandwidth_km=15.0)
    assert grid.cell_km == pytest.approx(3.75)
    assert grid.density_per_km2.sum() * grid.cell_km**2 == pytest.approx(len(points))
    layer = heat_layer(grid, lang="id")
    assert layer.layer_name == "Kepadatan kasus (kernel, radius 15 km)"
    assert 0 < len(layer.data) < grid.density_per_km2.size
    assert max(row[2] for row in layer.data) == 1.0


# --------------------------------------------------------------------------- constant risk


def test_default_measure_flags_no_population_cluster_under_constant_risk() -> None:
    """Cases in proportion to people everywhere: there is no hot spot to find.

    Raw counts still flag the Pontianak / Kubu Raya population cluster in some worlds; the
    default measure (observed ÷ expected cases) adjusts for people and flags (almost) none.
    """
    from geodata import reference
    from layers.indicators import estimate_population

    assert DEFAULT_HOTSPOT_COLUMN == "cases_observed_expected" == HOTSPOT_COLUMNS[0]
    kecamatan = reference.load_units("kecamatan")
    people = estimate_population(kecamatan, level="kecamatan").to_numpy()
    codes = kecamatan["code"].to_numpy()
    year = Period(dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    flagged = {"cases": 0, DEFAULT_HOTSPOT_COLUMN: 0}
    cities = set()
    worlds = 6
    for seed in range(worlds):
        rng = np.random.default_rng(seed)
        unit = np.repeat(np.arange(len(codes)), rng.poisson(people / people.sum() * 200))
        day = pd.to_timedelta(rng.integers(0, 365, len(unit)), unit="D")
        cases = gpd.GeoDataFrame(
            {"date_reported": pd.Timestamp("2025-01-01") + day, "admin_code": codes[unit],
             "location_precision": "kecamatan", "victims_total": 1},
            geometry=[None] * len(unit), crs="EPSG:4326",
        )  # fmt: skip
        indicators = compute_indicators(cases, level="kecamatan", period=year, units=kecamatan)
        expected = people * len(unit) / people.sum()
        np.testing.assert_allclose(
            indicators["cases_observed_expected"], indicators["cases"] / expected
        )
        for column in flagged:
            spots = HotSpots().fit(indicators, column=column).result_["hotspot_class"] != 0
            flagged[column] += int(spots.sum())
            if column == "cases":
                cities |= set(kecamatan.loc[spots.to_numpy(), "kabupaten_code"])
    share = {column: count / (worlds * len(codes)) for column, count in flagged.items()}
    print(f"\nShare of kecamatan flagged under constant risk ({worlds} worlds): {share}")
    assert flagged["cases"] > 0 and "61.71" in cities  # Kota Pontianak's many people
    assert share[DEFAULT_HOTSPOT_COLUMN] < share["cases"]
    assert share[DEFAULT_HOTSPOT_COLUMN] <= 0.01
