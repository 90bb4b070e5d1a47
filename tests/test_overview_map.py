"""The main map's reference layers: Sarawak, the border and the five PLBN show whatever the
store holds (even nothing), from the committed geodata."""

from __future__ import annotations

import geopandas as gpd
import pytest

from geodata import reference
from geodata.i18n import t
from geodata.records.cases import CaseFilter, count_by_unit, filter_cases, locate_cases
from geodata.records.datasets import load_sample
from layers.crossings import POST_SOURCE, with_reference_posts
from layers.overview import MapData, MapOptions, overview_map


def _empty(crossings: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return crossings.iloc[:0].copy()


def _marker(point: object) -> str:
    """How the crossings layer writes a marker's position: ``[lat, lon``."""
    return f"[{round(point.y, 5)}, {round(point.x, 5)}"  # type: ignore[attr-defined]


def test_no_crossings_gets_the_five_posts() -> None:
    posts = reference.load_plbn()
    drawn = with_reference_posts(_empty(load_sample().crossings), posts)
    assert len(posts) == 5
    assert drawn["crossing_id"].tolist() == posts["crossing_id"].tolist()
    assert set(drawn["kind"]) == {"plbn"} and set(drawn["status"]) == {"active"}
    assert set(drawn["source"]) == {POST_SOURCE}
    assert drawn.crs == posts.crs
    assert drawn.geometry.equals(posts.geometry)


def test_a_post_in_the_store_keeps_its_record_and_the_others_are_added() -> None:
    crossings = load_sample().crossings
    posts = reference.load_plbn()
    unofficial = crossings[crossings["kind"] != "plbn"]
    entikong = crossings[crossings["crossing_id"] == "PLBN-ENTIKONG"].assign(status="closed")
    given = gpd.GeoDataFrame(
        gpd.pd.concat([unofficial, entikong]), geometry="geometry", crs=crossings.crs
    )
    drawn = with_reference_posts(given, posts)
    assert len(given) == len(unofficial) + 1
    assert len(drawn) == len(unofficial) + 5
    assert drawn["crossing_id"].is_unique
    by_id = drawn.set_index("crossing_id")
    assert by_id.loc["PLBN-ENTIKONG", "status"] == "closed"  # the store's record, not a copy
    assert set(by_id.loc[posts["crossing_id"], "kind"]) == {"plbn"}
    assert len(given) == len(unofficial) + 1  # the input is not changed


def test_all_posts_present_changes_nothing() -> None:
    crossings = load_sample().crossings
    drawn = with_reference_posts(crossings, reference.load_plbn())
    assert drawn.equals(crossings) and drawn is not crossings


def test_a_frame_without_ids_is_refused() -> None:
    with pytest.raises(Exception, match="crossing_id"):
        with_reference_posts(gpd.GeoDataFrame(geometry=[], crs="EPSG:4326"), reference.load_plbn())


def test_an_empty_store_map_draws_the_border_sarawak_and_the_posts() -> None:
    sample = load_sample()
    kabupaten = reference.load_web_layer("kabupaten")
    located = locate_cases(sample.cases.iloc[:0], reference.load_units("desa"))
    located = filter_cases(located, CaseFilter())
    html = (
        overview_map(
            MapData(
                units=count_by_unit(located, kabupaten, level="kabupaten"),
                kabupaten=kabupaten,
                sarawak=reference.load_web_layer("sarawak"),
                border=reference.load_web_layer("border"),
                crossings=_empty(sample.crossings),
                shelters=_empty(sample.shelters),
                case_points=gpd.GeoDataFrame(geometry=[], crs="EPSG:4326"),
                synthetic=False,
                posts=reference.load_plbn(),
            ),
            MapOptions(),
            lang="id",
        )
        .get_root()
        .render()
    )
    border = reference.load_web_layer("border").geometry.iloc[0].geoms[0]
    assert str(list(border.coords[0])) in html  # the line itself, not only its legend row
    assert "Kuching" in html  # a Sarawak district
    for post in reference.load_plbn().itertuples():
        assert post.name in html and _marker(post.geometry) in html
    assert t("common.sample_data", "id") not in html
