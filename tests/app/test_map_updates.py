"""Peta's map after a filter change: the base (boundaries, border, crossings) is kept and
only the filtered layers (choropleth, legend, cases) are sent again (issue 12).

The map component's arguments are read from what AppTest receives (it does not draw
components): the same ``script`` means the browser keeps its map; ``feature_group`` is the
part streamlit-folium swaps in place.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import folium
import pandas as pd
import pytest
import streamlit as st
import streamlit_folium as sf
from streamlit.testing.v1 import AppTest

from dashboard import mapframe
from dashboard.geostatic import URL_PATH, serve_reference_layers
from geodata import reference
from geodata.access import gateway
from geodata.errors import GeodataError
from geodata.i18n import t
from geodata.records.cases import CaseFilter
from layers import styles
from layers.fetched import REFERENCE_PROPERTIES, geojson_text, mark_reference, reference_layers
from layers.overview import (
    GRID_ABOVE,
    GRID_DEGREES,
    MapData,
    MapOptions,
    base_map,
    filtered_layers,
    on_grid,
    overview_map,
)
from layers.shelter_plan import ShelterPlan
from tests.app.conftest import NewApp, fetched_files, run


def _map_args(at: AppTest) -> dict[str, Any]:
    """The arguments of the page's map component (the one streamlit-folium component)."""
    found = [
        json.loads(element.proto.json_args)
        for element in at.get("component_instance")
        if "streamlit_folium" in element.proto.component_name
    ]
    assert len(found) == 1, f"expected one map component, got {len(found)}"
    return found[0]


def test_a_filter_change_sends_only_the_filtered_layers(new_app: NewApp) -> None:
    mapframe.clear()
    at = run(new_app())
    before = _map_args(at)
    at.multiselect(key="f_exploitation").set_value(["labour"])
    after = _map_args(run(at))
    assert after["script"] == before["script"]  # the browser keeps its map and geometry
    assert after["feature_group"] != before["feature_group"]
    # Only the filtered layers: the base's markers (crossings, posts) are not sent again.
    assert "var icons = " in before["script"]
    assert "var icons = " not in after["feature_group"]
    # The choropleth's shapes stay in the browser (fetched as a file): only colours and
    # tooltips are sent.
    assert fetched_files(before["script"])
    assert '"coordinates"' not in after["feature_group"]
    # The layer switcher is sent with the layers it lists.
    assert "feature_group_feature_group_0" in after["layer_control"]
    # Back to the first filter: the same layers as before, from the cache.
    at.multiselect(key="f_exploitation").set_value([])
    again = _map_args(run(at))
    assert again["feature_group"] == before["feature_group"]


def test_a_new_class_scheme_or_measure_keeps_the_base(new_app: NewApp) -> None:
    at = run(new_app())
    before = _map_args(at)
    at.selectbox(key="scheme").set_value("equal_interval")
    at.selectbox(key="measure").set_value("victims")
    after = _map_args(run(at))
    assert after["script"] == before["script"]
    assert after["feature_group"] != before["feature_group"]
    assert t("measure.victims", "id") in after["layer_control"]


def test_a_new_map_level_redraws_the_whole_map(new_app: NewApp) -> None:
    at = run(new_app())
    before = _map_args(at)
    at.selectbox(key="level").set_value("kecamatan")
    assert _map_args(run(at))["script"] != before["script"]


def _demo_data(case_filter: CaseFilter) -> MapData:
    view = gateway.role_view(None)
    web = {name: reference.load_web_layer(name) for name in ("kabupaten", "sarawak", "border")}
    return MapData(
        units=view.case_counts(web["kabupaten"], level="kabupaten", case_filter=case_filter),
        kabupaten=web["kabupaten"],
        sarawak=web["sarawak"],
        border=web["border"],
        crossings=view.crossings,
        shelters=view.shelters,
        case_points=view.case_points(reference.load_gazetteer(), case_filter=case_filter),
        posts=reference.load_plbn(),
    )


def test_the_base_holds_no_case_and_the_full_map_holds_everything() -> None:
    data = _demo_data(CaseFilter())
    some_case = str(data.case_points["case_id"].iloc[0])
    base = base_map(data, MapOptions(), lang="id").get_root().render()
    assert some_case not in base
    groups = filtered_layers(data, MapOptions(), lang="id")
    assert len(groups) == 2  # the choropleth (with the legend) and the cases
    full = overview_map(data, MapOptions(), lang="en").get_root().render()
    assert some_case in full
    # The offline map embeds its geometry: it fetches nothing.
    assert '"coordinates"' in full and "kbFetchInOrder" not in full
    assert "kb-legend" in full
    assert json.dumps(t("map.legend.title", "en"))[1:-1] in full


def test_many_cases_reach_the_browser_on_a_grid_with_their_counts() -> None:
    demo = _demo_data(CaseFilter()).case_points
    assert on_grid(demo, mode="cluster") is demo  # few cases: every point as it is
    copies = -(-(GRID_ABOVE + 1) // len(demo))
    many = pd.concat([demo] * copies, ignore_index=True)
    many["victims_selected"] = range(len(many))
    cluster = on_grid(many, mode="cluster")
    assert len(cluster) == len(many)  # one row per case: clusters count cases
    places = set(zip(cluster.geometry.y, cluster.geometry.x, strict=True))
    assert len(places) < len(set(zip(demo.geometry.y, demo.geometry.x, strict=True)))
    for y, x in places:
        assert abs(y / GRID_DEGREES - round(y / GRID_DEGREES)) < 1e-6
        assert abs(x / GRID_DEGREES - round(x / GRID_DEGREES)) < 1e-6
    heat = on_grid(many, mode="heat")
    assert len(heat) == len(places)  # one weighted point per cell
    assert heat["victims_selected"].sum() == many["victims_selected"].sum()


def test_an_analysis_plan_is_kept_between_reruns_and_follows_its_settings(
    new_app: NewApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    fits: list[int] = []
    fit = ShelterPlan.fit

    def counted_fit(self: ShelterPlan, *args: Any, **kwargs: Any) -> ShelterPlan:
        fits.append(self.radius_km)
        return fit(self, *args, **kwargs)

    monkeypatch.setattr(ShelterPlan, "fit", counted_fit)
    mapframe.clear()
    at = run(new_app(page="shelter"))
    before = _map_args(at)
    assert _map_args(run(at))["script"] == before["script"]
    assert len(fits) == 1  # the second run reused the plan and its map
    at.slider(key="shelter_radius").set_value(30)
    assert _map_args(run(at))["script"] != before["script"]
    assert fits[1:] == [30]


def test_risk_indicators_are_kept_between_reruns(
    new_app: NewApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    from layers import indicators, ranking

    levels: list[str] = []
    compute = indicators.compute_indicators

    def counted(*args: Any, **kwargs: Any) -> Any:
        levels.append(kwargs["level"])
        return compute(*args, **kwargs)

    monkeypatch.setattr(ranking, "compute_indicators", counted)  # where the page's ranking calls it
    mapframe.clear()
    at = run(new_app(page="risiko"))
    before = _map_args(at)
    run(at)
    assert levels == ["kecamatan"]  # once, for the page's default level
    at.selectbox(key="risk_level").set_value("kabupaten")
    assert _map_args(run(at))["script"] != before["script"]
    assert levels == ["kecamatan", "kabupaten"]


def test_the_map_script_holds_no_unit_geometry_and_the_files_only_public_layers(
    new_app: NewApp,
) -> None:
    mapframe.clear()
    at = run(new_app())
    script = _map_args(at)["script"]
    data = _demo_data(CaseFilter())
    inline = sf._get_map_string(base_map(data, MapOptions(), lang="id"))
    # Structural bound: the reference geometry (most of the inline base) is not in it.
    assert '"coordinates"' not in script
    assert len(script) < len(inline) / 3, (len(script), len(inline))
    files = {url: json.loads(text) for url, text in fetched_files(script).items()}
    # The choropleth's kabupaten, Sarawak and the border; nothing else.
    codes = [
        sorted(str(f["properties"].get("code")) for f in layer["features"])
        for layer in files.values()
    ]
    assert sorted(reference.load_web_layer("kabupaten")["code"]) in codes
    assert len(files) == 3
    sarawak = reference.load_web_layer("sarawak")
    assert any(len(layer["features"]) == len(sarawak) for layer in files.values())
    texts = "\n".join(fetched_files(script).values())
    for layer in files.values():
        for feature in layer["features"]:
            assert set(feature["properties"]) <= REFERENCE_PROPERTIES
    # No case, count, shelter or crossing leaves as a file.
    assert str(data.case_points["case_id"].iloc[0]) not in texts
    for name in data.shelters["name"]:
        assert str(name) not in texts
    assert '"fill":"' + styles.NO_DATA + '"' in texts  # the shapes wait for their fill
    for url in files:  # named by content: a data change gives a new name
        text = fetched_files(script)[url]
        assert hashlib.sha256(text.encode()).hexdigest()[:24] in url


def test_only_marked_layers_with_public_properties_may_be_served() -> None:
    kabupaten = reference.load_web_layer("kabupaten")
    plain = folium.GeoJson(kabupaten[["code", "geometry"]])
    with pytest.raises(GeodataError, match="marked as public reference"):
        geojson_text(plain)
    counted = kabupaten[["code", "geometry"]].assign(cases=1)
    with pytest.raises(GeodataError, match="cases"):
        geojson_text(mark_reference(folium.GeoJson(counted)))
    classed = kabupaten[["code", "geometry"]].assign(fill=styles.NO_DATA)
    classed.loc[classed.index[0], "fill"] = "#b2182b"  # a class colour says what counts are
    with pytest.raises(GeodataError, match="no-data fill"):
        geojson_text(mark_reference(folium.GeoJson(classed)))
    assert geojson_text(mark_reference(folium.GeoJson(classed.assign(fill=styles.NO_DATA))))


def test_the_files_are_fetched_under_the_server_base_path(tmp_path: Path) -> None:
    data = _demo_data(CaseFilter())
    old = st.get_option("server.baseUrlPath")
    try:
        st.config.set_option("server.baseUrlPath", "/kalbar/")
        m = serve_reference_layers(base_map(data, MapOptions(), lang="id"), folder=tmp_path)
    finally:
        st.config.set_option("server.baseUrlPath", old)
    urls = [layer.embed_link for layer in reference_layers(m)]
    assert len(urls) == 3
    for url in urls:
        assert url.startswith(f"/kalbar/{URL_PATH}/"), url
        assert (tmp_path / url.rsplit("/", 1)[1]).is_file()


def test_default_marker_images_are_under_the_server_base_path() -> None:
    data = _demo_data(CaseFilter())
    images = "/app/static/node_modules/leaflet/dist/images/"
    old = st.get_option("server.baseUrlPath")
    try:
        st.config.set_option("server.baseUrlPath", "/kalbar/")
        under = mapframe.whole_map("base-path", lambda: base_map(data, MapOptions(), lang="id"))
        st.config.set_option("server.baseUrlPath", "")
        root = mapframe.whole_map("root", lambda: base_map(data, MapOptions(), lang="id"))
    finally:
        st.config.set_option("server.baseUrlPath", old)
        mapframe.clear()
    assert json.dumps(f"/kalbar{images}") in under.base.script
    assert json.dumps(images) in root.base.script
    assert "/kalbar" not in root.base.script
