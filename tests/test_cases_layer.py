"""Cases: filters, placing in units, counts and rates per unit, points and the map layer.

Expected figures come from the committed CSV read as plain text (independent of the
loaders and of the functions under test) or from small hand-built cases.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from functools import cache

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from folium.plugins import FastMarkerCluster, HeatMap

from geodata import reference
from geodata.i18n import format_date, t
from geodata.records.cases import (
    CaseFilter,
    case_points,
    count_by_unit,
    destination_label,
    filter_cases,
    locate_cases,
)
from geodata.records.schemas import VICTIM_COLUMNS
from geodata.settings import SAMPLE_DIR
from layers import cases as cases_module
from layers.cases import cases_layer
from tests.conftest import MakeCases

ENTIKONG = (110.354, 0.948)  # lon, lat: the town of Entikong, Kabupaten Sanggau
ENTIKONG_DESA, ENTIKONG_KECAMATAN, SANGGAU = "61.03.21.2003", "61.03.21", "61.03"


@cache
def _raw() -> pd.DataFrame:
    """The committed cases as text cells, with victim counts as numbers."""
    raw = pd.read_csv(SAMPLE_DIR / "cases.csv", dtype=str, keep_default_na=False)
    raw[list(VICTIM_COLUMNS)] = raw[list(VICTIM_COLUMNS)].replace("", "0").astype(int)
    raw["victims"] = raw[list(VICTIM_COLUMNS)].sum(axis=1)
    return raw


def _victims(frame: pd.DataFrame) -> int:
    return int(frame["victims_selected"].sum())


# --------------------------------------------------------------------------- filter_cases


def test_no_filter_keeps_every_case_and_all_victims(located: gpd.GeoDataFrame) -> None:
    raw = _raw()
    result = filter_cases(located, CaseFilter())
    assert len(result) == len(raw) == 315
    assert _victims(result) == raw["victims"].sum() == 1019
    assert (result["victims_selected"] == result["victims_total"]).all()
    assert "victims_selected" not in located.columns, "the input frame was modified"


def test_date_range_2024_gives_the_public_figures(located: gpd.GeoDataFrame) -> None:
    result = filter_cases(
        located, CaseFilter(date_from=dt.date(2024, 1, 1), date_to=dt.date(2024, 12, 31))
    )
    assert (len(result), _victims(result)) == (54, 175)


def test_date_range_bounds_are_inclusive(located: gpd.GeoDataFrame) -> None:
    raw = _raw()
    day = "2021-04-09"  # two cases reported that day
    expected = raw[raw["date_reported"] == day]
    assert len(expected) == 2
    on_day = dt.date.fromisoformat(day)
    result = filter_cases(located, CaseFilter(date_from=on_day, date_to=on_day))
    assert sorted(result["case_id"]) == sorted(expected["case_id"])


def test_open_ended_date_range(located: gpd.GeoDataFrame) -> None:
    raw = _raw()
    result = filter_cases(located, CaseFilter(date_from=dt.date(2025, 1, 1)))
    assert len(result) == (raw["date_reported"] >= "2025-01-01").sum()
    result = filter_cases(located, CaseFilter(date_to=dt.date(2020, 12, 31)))
    assert len(result) == (raw["date_reported"] <= "2020-12-31").sum()


@pytest.mark.parametrize("chosen", [{"sexual"}, {"labour", "forced_marriage"}, {"other"}])
def test_exploitation(located: gpd.GeoDataFrame, chosen: set[str]) -> None:
    raw = _raw()
    expected = raw[raw["exploitation"].isin(chosen)]
    result = filter_cases(located, CaseFilter(exploitation=frozenset(chosen)))
    assert 0 < len(result) < len(raw)
    assert sorted(result["case_id"]) == sorted(expected["case_id"])
    assert _victims(result) == expected["victims"].sum()


def test_status(located: gpd.GeoDataFrame) -> None:
    raw = _raw()
    result = filter_cases(located, CaseFilter(statuses=frozenset({"investigation"})))
    assert len(result) == (raw["status"] == "investigation").sum() == 77


@pytest.mark.parametrize(
    ("label", "country", "state"),
    [("MY · Sarawak", "MY", "Sarawak"), ("MY · Sabah", "MY", "Sabah"), ("ID", "ID", "")],
)
def test_destination_label(located: gpd.GeoDataFrame, label: str, country: str, state: str) -> None:
    raw = _raw()
    expected = raw[(raw["destination_country"] == country) & (raw["destination_state"] == state)]
    result = filter_cases(located, CaseFilter(destinations=frozenset({label})))
    assert len(expected) > 0
    assert sorted(result["case_id"]) == sorted(expected["case_id"])


def test_destination_labels_of_the_sample(located: gpd.GeoDataFrame) -> None:
    assert set(destination_label(located)) == {
        "MY · Sarawak",
        "MY · Sabah",
        "MY · Kuala Lumpur",
        "MY · Johor",
        "MY · Selangor",
        "ID",
        "CN",
    }


def test_filters_combine(located: gpd.GeoDataFrame) -> None:
    raw = _raw()
    expected = raw[
        raw["date_reported"].str.startswith("2024")
        & (raw["exploitation"] == "labour")
        & (raw["destination_state"] == "Sarawak")
    ]
    result = filter_cases(
        located,
        CaseFilter(
            date_from=dt.date(2024, 1, 1),
            date_to=dt.date(2024, 12, 31),
            exploitation=frozenset({"labour"}),
            destinations=frozenset({"MY · Sarawak"}),
        ),
    )
    assert 0 < len(result) < 54
    assert sorted(result["case_id"]) == sorted(expected["case_id"])


def test_sex_filter_on_the_sample_counts_only_the_chosen_victims(
    located: gpd.GeoDataFrame,
) -> None:
    raw = _raw()
    female = raw["victims_female_adult"] + raw["victims_female_child"]
    result = filter_cases(located, CaseFilter(sexes=frozenset({"female"})))
    assert len(result) == (female > 0).sum()
    assert _victims(result) == female.sum()
    assert _victims(result) < 1019


def test_age_filter_on_the_sample_counts_only_the_chosen_victims(
    located: gpd.GeoDataFrame,
) -> None:
    raw = _raw()
    children = raw["victims_female_child"] + raw["victims_male_child"]
    result = filter_cases(located, CaseFilter(ages=frozenset({"child"})))
    assert len(result) == (children > 0).sum()
    assert _victims(result) == children.sum()


@pytest.fixture
def three_cases(make_cases: MakeCases) -> gpd.GeoDataFrame:
    """A: two boys only. B: a woman and a boy. C: three girls."""
    return make_cases(
        {"case_id": "A", "victims_male_child": 2},
        {"case_id": "B", "victims_female_adult": 1, "victims_male_child": 1},
        {"case_id": "C", "victims_female_child": 3},
    )


@pytest.mark.parametrize(
    ("sexes", "ages", "expected"),
    [
        ({"female"}, {"adult", "child"}, {"B": 1, "C": 3}),  # the boys' case disappears
        ({"male"}, {"adult", "child"}, {"A": 2, "B": 1}),
        ({"female", "male"}, {"child"}, {"A": 2, "B": 1, "C": 3}),
        ({"female"}, {"adult"}, {"B": 1}),
        ({"male"}, {"adult"}, {}),
        ({"female", "male"}, {"adult", "child"}, {"A": 2, "B": 2, "C": 3}),
    ],
)
def test_sex_and_age_select_victims_and_drop_cases_without_them(
    three_cases: gpd.GeoDataFrame, sexes: set[str], ages: set[str], expected: dict[str, int]
) -> None:
    result = filter_cases(three_cases, CaseFilter(sexes=frozenset(sexes), ages=frozenset(ages)))
    assert dict(zip(result["case_id"], result["victims_selected"], strict=True)) == expected


def test_a_filter_matching_nothing_returns_an_empty_frame(located: gpd.GeoDataFrame) -> None:
    result = filter_cases(
        located,
        CaseFilter(exploitation=frozenset({"forced_marriage"}), destinations=frozenset({"CN"})),
    )
    raw = _raw()
    expected = raw[
        (raw["exploitation"] == "forced_marriage") & (raw["destination_country"] == "CN")
    ]
    assert len(result) == len(expected)
    result = filter_cases(
        located, CaseFilter(date_from=dt.date(2030, 1, 1), date_to=dt.date(2030, 12, 31))
    )
    assert result.empty
    assert "victims_selected" in result.columns


# --------------------------------------------------------------------------- locate_cases


@pytest.fixture
def placed(make_cases: MakeCases) -> gpd.GeoDataFrame:
    lon, lat = ENTIKONG
    cases = make_cases(
        # The point decides, not the (coarser) code.
        {"case_id": "exact", "location_precision": "exact", "admin_code": SANGGAU,
         "lon": lon, "lat": lat, "victims_female_adult": 1},
        {"case_id": "kecamatan", "location_precision": "kecamatan",
         "admin_code": ENTIKONG_KECAMATAN, "victims_male_adult": 1},
        {"case_id": "kabupaten", "location_precision": "kabupaten", "admin_code": SANGGAU,
         "victims_male_adult": 1},
        {"case_id": "desa", "location_precision": "desa", "admin_code": ENTIKONG_DESA,
         "victims_female_child": 2},
        # An exact point outside Kalbar (Serian, Sarawak) falls back to the code.
        {"case_id": "outside", "location_precision": "exact", "admin_code": ENTIKONG_KECAMATAN,
         "lon": 110.49, "lat": 1.17, "victims_female_adult": 1},
    )  # fmt: skip
    return locate_cases(cases, reference.load_units("desa")).set_index("case_id")


def _codes(placed: gpd.GeoDataFrame, case_id: str) -> tuple[object, object, object]:
    row = placed.loc[case_id]
    return tuple(
        None if pd.isna(row[f"{level}_code"]) else row[f"{level}_code"]
        for level in ("desa", "kecamatan", "kabupaten")
    )  # type: ignore[return-value]


def test_an_exact_point_at_entikong_is_placed_in_entikong(placed: gpd.GeoDataFrame) -> None:
    assert _codes(placed, "exact") == (ENTIKONG_DESA, ENTIKONG_KECAMATAN, SANGGAU)


def test_a_kecamatan_case_has_no_desa(placed: gpd.GeoDataFrame) -> None:
    assert _codes(placed, "kecamatan") == (None, ENTIKONG_KECAMATAN, SANGGAU)


def test_a_kabupaten_case_has_only_its_kabupaten(placed: gpd.GeoDataFrame) -> None:
    assert _codes(placed, "kabupaten") == (None, None, SANGGAU)


def test_a_desa_case_has_every_level(placed: gpd.GeoDataFrame) -> None:
    assert _codes(placed, "desa") == (ENTIKONG_DESA, ENTIKONG_KECAMATAN, SANGGAU)


def test_an_exact_point_outside_every_desa_falls_back_to_its_code(
    placed: gpd.GeoDataFrame,
) -> None:
    assert _codes(placed, "outside") == (None, ENTIKONG_KECAMATAN, SANGGAU)


def test_sample_cases_are_placed_where_their_codes_say(located: gpd.GeoDataFrame) -> None:
    raw = _raw()
    code = raw["admin_code"]
    assert located["kabupaten_code"].tolist() == code.str.slice(0, 5).tolist()
    expected_kecamatan = code.str.slice(0, 8).where(code.str.len() >= 8)
    assert located["kecamatan_code"].isna().sum() == (code.str.len() == 5).sum() == 29
    assert located["kecamatan_code"].dropna().tolist() == expected_kecamatan.dropna().tolist()
    assert located["desa_code"].notna().sum() == (code.str.len() == 13).sum()


# --------------------------------------------------------------------------- count_by_unit


@pytest.mark.parametrize(
    "case_filter",
    [
        CaseFilter(),
        CaseFilter(date_from=dt.date(2024, 1, 1), date_to=dt.date(2024, 12, 31)),
        CaseFilter(sexes=frozenset({"male"}), exploitation=frozenset({"labour"})),
    ],
)
def test_kabupaten_totals_equal_the_filtered_totals(
    located: gpd.GeoDataFrame, case_filter: CaseFilter
) -> None:
    filtered = filter_cases(located, case_filter)
    counted = count_by_unit(filtered, reference.load_web_layer("kabupaten"), level="kabupaten")
    assert len(counted) == 14
    assert counted["cases"].sum() == len(filtered)
    assert counted["victims"].sum() == _victims(filtered)


def test_counts_per_kabupaten_match_the_codes_in_the_file(located: gpd.GeoDataFrame) -> None:
    raw = _raw()
    expected = raw.groupby(raw["admin_code"].str.slice(0, 5))["victims"].agg(["size", "sum"])
    counted = count_by_unit(
        filter_cases(located, CaseFilter()),
        reference.load_web_layer("kabupaten"),
        level="kabupaten",
    ).set_index("code")
    for code in counted.index:
        cases, victims = expected.loc[code] if code in expected.index else (0, 0)
        assert (counted.loc[code, "cases"], counted.loc[code, "victims"]) == (cases, victims), code


def test_rates_per_100k_use_the_population(located: gpd.GeoDataFrame) -> None:
    units = reference.load_web_layer("kabupaten")
    counted = count_by_unit(filter_cases(located, CaseFilter()), units, level="kabupaten")
    sanggau = counted.set_index("code").loc[SANGGAU]
    assert sanggau["population"] == 499_074
    assert sanggau["cases"] > 0
    assert sanggau["cases_per_100k"] == pytest.approx(sanggau["cases"] / 499_074 * 100_000)
    assert sanggau["victims_per_100k"] == pytest.approx(sanggau["victims"] / 499_074 * 100_000)
    np.testing.assert_allclose(
        counted["cases_per_100k"], counted["cases"] * 1e5 / counted["population"]
    )


def test_a_unit_without_population_has_no_rate(located: gpd.GeoDataFrame) -> None:
    units = reference.load_web_layer("kabupaten")
    units.loc[units["code"] == SANGGAU, "population"] = 0
    counted = count_by_unit(filter_cases(located, CaseFilter()), units, level="kabupaten")
    sanggau = counted.set_index("code").loc[SANGGAU]
    assert sanggau["cases"] > 0
    assert pd.isna(sanggau["cases_per_100k"])


def test_finer_levels_count_only_cases_known_to_that_level(located: gpd.GeoDataFrame) -> None:
    raw = _raw()
    code = raw["admin_code"]
    filtered = filter_cases(located, CaseFilter())
    kecamatan = count_by_unit(filtered, reference.load_web_layer("kecamatan"), level="kecamatan")
    assert kecamatan["cases"].sum() == (code.str.len() >= 8).sum() == 286
    assert "cases_per_100k" not in kecamatan.columns  # no population below kabupaten
    desa = count_by_unit(filtered, reference.load_web_desa(SANGGAU), level="desa")
    assert desa["cases"].sum() == ((code.str.len() == 13) & code.str.startswith(SANGGAU)).sum()


def test_count_by_unit_does_not_modify_the_units(located: gpd.GeoDataFrame) -> None:
    units = reference.load_web_layer("kabupaten")
    before = units.columns.tolist()
    count_by_unit(filter_cases(located, CaseFilter()), units, level="kabupaten")
    assert units.columns.tolist() == before


# --------------------------------------------------------------------------- case_points


def test_a_desa_case_without_a_point_is_drawn_at_its_desa(placed: gpd.GeoDataFrame) -> None:
    gazetteer = reference.load_gazetteer().set_index("code")
    points = case_points(placed.reset_index(), reference.load_gazetteer()).set_index("case_id")
    # Cases known only to the kecamatan or kabupaten are counted, never drawn.
    assert sorted(points.index) == ["desa", "exact", "outside"]
    desa = points.loc["desa"]
    assert (desa.geometry.x, desa.geometry.y) == pytest.approx(
        (gazetteer.loc[ENTIKONG_DESA, "lon"], gazetteer.loc[ENTIKONG_DESA, "lat"])
    )
    assert bool(desa["approximate"]) is True
    exact = points.loc["exact"]
    assert (exact.geometry.x, exact.geometry.y) == pytest.approx(ENTIKONG)
    assert bool(exact["approximate"]) is False


def test_sample_case_points(located: gpd.GeoDataFrame) -> None:
    raw = _raw()
    drawable = (raw["lon"] != "") | (raw["admin_code"].str.len() == 13)
    points = case_points(located, reference.load_gazetteer())
    assert len(points) == drawable.sum() == 251
    assert points.geometry.notna().all()
    assert points["approximate"].sum() == (raw["location_precision"] != "exact")[drawable].sum()


# --------------------------------------------------------------------------- cases_layer


def test_cluster_layer_has_one_marker_per_point(located: gpd.GeoDataFrame) -> None:
    points = case_points(filter_cases(located, CaseFilter()), reference.load_gazetteer())
    layer = cases_layer(points, lang="en")
    assert isinstance(layer, FastMarkerCluster)
    assert len(layer.data) == len(points)
    lat, lon, tip, cases = layer.data[0]
    assert cases == 1  # each marker stands for one case below the detailed-tooltip limit
    first = points.iloc[0]
    assert (lat, lon) == pytest.approx((first.geometry.y, first.geometry.x), abs=1e-5)
    reported = format_date(first["date_reported"].date(), "en")
    assert first["case_id"] in str(tip)
    assert reported in str(tip) and re.search(r"\d+ [A-Z][a-z]+ \d{4}", reported)
    destinations = {row[4] for row in cases_module.case_details(points, lang="id")}
    assert "Malaysia · Sarawak" in destinations
    assert not any(d.startswith("MY") for d in destinations)


def test_published_details_leave_the_layer_with_positions_only(located: gpd.GeoDataFrame) -> None:
    """With a publisher the layer holds positions and row numbers; the details go to the
    publisher as JSON, row for row, and the layer fetches them from the URL it gave."""
    points = case_points(filter_cases(located, CaseFilter()), reference.load_gazetteer())
    published: list[str] = []

    def publish(text: str) -> str:
        published.append(text)
        return "/_kalbar/details/test-key"

    layer = cases_layer(points, lang="id", publish_details=publish)
    html = folium.Map(tiles=None).add_child(layer).get_root().render()
    assert [row[2:] for row in layer.data] == [[i, 1] for i in range(len(points))]
    assert json.loads(published[0]) == cases_module.case_details(points, lang="id")
    assert not any(case_id in html for case_id in points["case_id"])
    assert '"/_kalbar/details/test-key"' in html
    assert json.dumps(t("map.details_loading", "id")) in html
    first = cases_layer(points, lang="id").data[0]
    assert first[:2] == layer.data[0][:2] and json.loads(published[0])[0] == first[2]


def test_large_layers_have_one_marker_per_place_counting_its_cases(
    located: gpd.GeoDataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    points = case_points(filter_cases(located, CaseFilter()), reference.load_gazetteer())
    monkeypatch.setattr(cases_module, "DETAILED_TOOLTIP_LIMIT", 0)
    layer = cases_layer(points, lang="en")
    places = {(round(p.y, 4), round(p.x, 4)) for p in points.geometry}
    assert len(layer.data) == len(places) < len(points)
    assert sum(row[3] for row in layer.data) == len(points)  # clusters count every case


def test_heat_layer_is_weighted_by_the_selected_victims(located: gpd.GeoDataFrame) -> None:
    filtered = filter_cases(located, CaseFilter(sexes=frozenset({"female"})))
    points = case_points(filtered, reference.load_gazetteer())
    layer = cases_layer(points, lang="id", mode="heat")
    assert isinstance(layer, HeatMap)
    weights = [row[2] for row in layer.data]
    assert sum(weights) == points["victims_selected"].sum()
    assert isinstance(layer, folium.map.Layer)
