"""The build regenerates the committed geodata from ../shared/data/raw."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from geodata.build import _sources, build
from geodata.settings import DATA_DIR, DEFAULT_RAW_DIR, METRIC_CRS

needs_raw = pytest.mark.skipif(
    not DEFAULT_RAW_DIR.exists(), reason=f"raw sources not found at {DEFAULT_RAW_DIR}"
)


def test_latlng_path_is_swapped_to_lonlat() -> None:
    polygon = _sources.geometry_from_latlng_path([[[0.0, 109.0], [0.0, 110.0], [1.0, 110.0]]])
    assert polygon.bounds == (109.0, 0.0, 110.0, 1.0)
    multi = _sources.geometry_from_latlng_path([[[[0.0, 109.0], [0.0, 110.0], [1.0, 110.0]]]])
    assert multi.geom_type == "MultiPolygon"


def test_bad_path_depth_is_reported() -> None:
    with pytest.raises(ValueError, match="nested 3 or 4 levels"):
        _sources.geometry_from_latlng_path([[0.0, 109.0]])


def test_sql_names_with_quotes_are_unescaped(tmp_path: Path) -> None:
    dump = tmp_path / "w.sql"
    dump.write_text("INSERT INTO w VALUES\n('61.06.10.2008','Tua'' Abang'),\n('61','X');\n")
    assert _sources.read_codes(dump).name.tolist() == ["Tua' Abang", "X"]


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("geodata")
    build(DEFAULT_RAW_DIR, out)
    return out


@needs_raw
@pytest.mark.raw
@pytest.mark.parametrize(
    "layer", ["kabupaten", "kecamatan", "desa", "sarawak_districts", "border", "plbn"]
)
def test_rebuild_matches_committed_geodata(rebuilt: Path, layer: str) -> None:
    committed = gpd.read_file(DATA_DIR / "kalbar.gpkg", layer=layer).to_crs(METRIC_CRS)
    fresh = gpd.read_file(rebuilt / "kalbar.gpkg", layer=layer).to_crs(METRIC_CRS)
    attributes = committed.drop(columns="geometry")
    pd.testing.assert_frame_equal(attributes, fresh.drop(columns="geometry"), rtol=1e-6)
    moved = shapely.hausdorff_distance(committed.geometry.values, fresh.geometry.values)
    assert moved.max() < 1.0  # metres: identical up to floating-point noise


@needs_raw
@pytest.mark.raw
def test_rebuild_matches_committed_gazetteer_and_web(rebuilt: Path) -> None:
    committed = pd.read_csv(DATA_DIR / "gazetteer.csv", dtype=str)
    pd.testing.assert_frame_equal(committed, pd.read_csv(rebuilt / "gazetteer.csv", dtype=str))
    for path in sorted((DATA_DIR / "web").rglob("*.geojson")):
        fresh = rebuilt / path.relative_to(DATA_DIR)
        assert json.loads(path.read_text()) == json.loads(fresh.read_text()), path.name


@needs_raw
@pytest.mark.raw
def test_build_report_figures(rebuilt: Path) -> None:
    report = json.loads((rebuilt / "build_report.json").read_text())
    assert report["features"]["kecamatan"] == 174
    assert 250 < report["overlap_removed_km2"]["kecamatan"] < 350  # SOURCES.md: about 300
    assert (rebuilt / "licenses" / "id-wilayah-boundaries-LICENSE").exists()
