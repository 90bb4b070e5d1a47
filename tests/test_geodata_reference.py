"""The committed geodata puts known places in the right units and forms clean coverages."""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely

from geodata import reference
from geodata.settings import BUILD_REPORT, METRIC_CRS, WEB_DIR

# (longitude, latitude) of town centres, with the units they must fall in.
KNOWN_PLACES = {
    "Pontianak city centre": ((109.3425, -0.0263), "61.71", "61.71.05", "61.71.05.1002"),
    "Entikong": ((110.354, 0.948), "61.03", "61.03.21", "61.03.21.2003"),
    "Putussibau": ((112.93, 0.8356), "61.06", "61.06.17", None),
    "Singkawang": ((108.9847, 0.9086), "61.72", "61.72.02", None),
    "Sintang": ((111.4957, 0.0697), "61.05", "61.05.01", None),
    "Ketapang": ((109.9719, -1.8467), "61.04", "61.04.16", None),
}


def _unit_codes_at(level: str, lon: float, lat: float) -> list[str]:
    units = reference.load_units(level)
    return units.loc[units.contains(shapely.Point(lon, lat)), "code"].tolist()


@pytest.mark.parametrize("place", sorted(KNOWN_PLACES))
def test_known_place_falls_in_its_units(place: str) -> None:
    (lon, lat), kabupaten, kecamatan, desa = KNOWN_PLACES[place]
    assert _unit_codes_at("kabupaten", lon, lat) == [kabupaten]
    assert _unit_codes_at("kecamatan", lon, lat) == [kecamatan]
    if desa is not None:
        assert _unit_codes_at("desa", lon, lat) == [desa]


@pytest.mark.parametrize("place", sorted(KNOWN_PLACES))
def test_swapped_coordinates_fall_outside_kalbar(place: str) -> None:
    (lon, lat), *_ = KNOWN_PLACES[place]
    province = reference.load_province()
    assert province.contains(shapely.Point(lon, lat))
    assert not province.contains(shapely.Point(lat, lon))


def test_kuching_is_in_sarawak_not_kalbar() -> None:
    kuching = shapely.Point(110.35, 1.55)
    assert not reference.load_province().contains(kuching)
    sarawak = reference.load_sarawak()
    assert sarawak.loc[sarawak.contains(kuching), "name"].tolist() == ["Kuching"]


def test_feature_counts() -> None:
    assert len(reference.load_units("kabupaten")) == 14
    assert len(reference.load_units("kecamatan")) == 174
    assert len(reference.load_units("desa")) > 2100
    assert len(reference.load_sarawak()) == 40
    gazetteer = reference.load_gazetteer()
    assert len(gazetteer) == 2334
    assert gazetteer.level.value_counts().to_dict() == {
        "desa": 2145,
        "kecamatan": 174,
        "kabupaten": 14,
        "provinsi": 1,
    }


def test_kabupaten_areas_agree_with_official_figures() -> None:
    kabupaten = reference.load_units("kabupaten")
    computed = kabupaten.to_crs(METRIC_CRS).area / 1e6
    relative = (computed / kabupaten.area_official_km2 - 1).abs()
    assert relative.max() < 0.02, kabupaten.loc[relative.idxmax(), "name"]
    np.testing.assert_allclose(kabupaten.area_km2, computed, rtol=1e-6)


def test_population_and_density_per_kabupaten() -> None:
    kabupaten = reference.load_units("kabupaten").set_index("code")
    assert kabupaten.population.sum() == 5_646_268  # Kalbar total, Kemendagri 2025
    assert (kabupaten.population == kabupaten.population_male + kabupaten.population_female).all()
    # Pontianak is by far the densest unit, Kapuas Hulu among the sparsest.
    assert kabupaten.density_per_km2.idxmax() == "61.71"
    assert kabupaten.density_per_km2["61.06"] < 10


@pytest.mark.parametrize("level", ["kabupaten", "kecamatan", "desa"])
def test_every_point_in_kalbar_lies_in_exactly_one_unit(level: str) -> None:
    units = reference.load_units(level)
    province = reference.load_province()
    rng = np.random.default_rng(7)
    minx, miny, maxx, maxy = province.bounds
    points = shapely.points(rng.uniform(minx, maxx, 6000), rng.uniform(miny, maxy, 6000))
    points = points[shapely.contains(province, points)]
    tree = shapely.STRtree(units.geometry.values)
    point_index, _ = tree.query(points, predicate="within")
    counts = np.bincount(point_index, minlength=len(points))
    assert len(points) > 2000
    assert (counts == 1).all()


@pytest.mark.parametrize(
    ("child", "parent", "code_length"), [("kecamatan", "kabupaten", 5), ("desa", "kecamatan", 8)]
)
def test_children_lie_in_the_parent_their_code_names(
    child: str, parent: str, code_length: int
) -> None:
    children = reference.load_units(child).to_crs(METRIC_CRS)
    parents = reference.load_units(parent).to_crs(METRIC_CRS).set_index("code")
    outside = shapely.difference(
        children.geometry.values,
        parents.geometry.reindex(children.code.str[:code_length]).values,
    )
    # Only snapping residue (square metres) may stick out, never a real piece.
    assert shapely.area(outside).max() < 100


def test_units_do_not_overlap() -> None:
    for level in ("kabupaten", "kecamatan", "desa"):
        units = reference.load_units(level).to_crs(METRIC_CRS)
        overlap = units.area.sum() - shapely.union_all(units.geometry.values).area
        assert overlap < 1_000, level  # m², i.e. none at all at map scale


def test_border_line_and_flags() -> None:
    border = reference.load_border()
    length_km = border.to_crs(METRIC_CRS).length.iloc[0] / 1000
    assert 800 < length_km < 966  # the simplified sources are shorter than the survey
    assert border.length_km.iloc[0] == pytest.approx(length_km, abs=0.1)
    kabupaten = reference.load_units("kabupaten")
    touching = set(kabupaten.loc[kabupaten.touches_border, "code"])
    assert touching == {"61.01", "61.03", "61.05", "61.06", "61.07"}
    assert (kabupaten.loc[kabupaten.touches_border, "dist_border_km"] == 0).all()
    pontianak = kabupaten.set_index("code").loc["61.71"]
    assert 120 < pontianak.dist_border_km < 180
    kecamatan = reference.load_units("kecamatan").set_index("code")
    assert kecamatan.loc["61.03.21", "touches_border"]  # Entikong


def test_plbn_lie_on_the_border_near_their_villages() -> None:
    plbn = reference.load_plbn().to_crs(METRIC_CRS)
    border = reference.load_border().to_crs(METRIC_CRS).geometry.iloc[0]
    desa = reference.load_units("desa").to_crs(METRIC_CRS).set_index("code")
    assert sorted(plbn.name) == sorted(
        ["PLBN Entikong", "PLBN Aruk", "PLBN Jagoi Babang", "PLBN Nanga Badau", "PLBN Jasa"]
    )
    assert plbn.position_derived.all()
    for post in plbn.itertuples():
        assert post.geometry.distance(border) < 1.0
        assert post.geometry.distance(desa.geometry[post.desa_code]) < 10_000


def test_gazetteer_points_lie_in_their_units() -> None:
    gazetteer = reference.load_gazetteer()
    desa = reference.load_units("desa").set_index("code")
    with_geometry = gazetteer[(gazetteer.level == "desa") & gazetteer.has_geometry]
    points = shapely.points(with_geometry.lon, with_geometry.lat)
    assert shapely.contains(desa.geometry.reindex(with_geometry.code).values, points).all()
    assert (gazetteer.loc[gazetteer.level == "desa", "has_geometry"]).sum() == len(desa)


def test_web_layers_fit_their_budgets() -> None:
    context = sum(
        (WEB_DIR / f"{name}.geojson").stat().st_size
        for name in ("kabupaten", "kecamatan", "sarawak", "border")
    )
    desa_files = sorted((WEB_DIR / "desa").glob("*.geojson"))
    assert context <= 1_000_000
    assert len(desa_files) == 14
    assert sum(p.stat().st_size for p in desa_files) <= 2_500_000
    report = json.loads(BUILD_REPORT.read_text())
    assert report["web"]["desa"]["max_displacement_m"] <= 250
    kabupaten = json.loads((WEB_DIR / "kabupaten.geojson").read_text())
    lon, lat = kabupaten["features"][0]["geometry"]["coordinates"][0][0][0]
    assert 108 < lon < 115 and -4 < lat < 3  # [longitude, latitude] order
