"""The selected unit's profile: its cases and trend, crossings near it, nearest shelters."""

from __future__ import annotations

import datetime as dt
from functools import cache

import geopandas as gpd
import pandas as pd
import pytest

from geodata import reference
from geodata.records.cases import CaseFilter, filter_cases
from geodata.records.datasets import Dataset
from geodata.records.schemas import VICTIM_COLUMNS
from geodata.settings import METRIC_CRS, SAMPLE_DIR
from layers.profile import UnitProfile, unit_profile

SANGGAU, ENTIKONG, MELAWI = "61.03", "61.03.21", "61.10"


@cache
def _raw() -> pd.DataFrame:
    raw = pd.read_csv(SAMPLE_DIR / "cases.csv", dtype=str, keep_default_na=False)
    raw["victims"] = raw[list(VICTIM_COLUMNS)].replace("", "0").astype(int).sum(axis=1)
    return raw


def _unit(code: str) -> pd.Series:
    """The unit as the panel gets it: a row of the simplified web layer."""
    units = reference.load_web_layer("kabupaten" if len(code) == 5 else "kecamatan")
    return units[units["code"] == code].iloc[0]


def _profile(
    code: str, sample: Dataset, located: gpd.GeoDataFrame, case_filter: CaseFilter | None = None
) -> UnitProfile:
    cases = filter_cases(located, case_filter or CaseFilter())
    return unit_profile(
        _unit(code), cases=cases, crossings=sample.crossings, shelters=sample.shelters
    )


def _metric_distances_km(code: str, points: gpd.GeoDataFrame) -> pd.Series:
    """Distance from the unit to each point, in km, computed here with GeoSeries.distance."""
    unit = gpd.GeoSeries([_unit(code).geometry], crs="EPSG:4326").to_crs(METRIC_CRS).iloc[0]
    return points.to_crs(METRIC_CRS).distance(unit) / 1000


# --------------------------------------------------------------------------- cases and trend


def test_sanggau_cases_are_those_coded_in_sanggau(
    sample: Dataset, located: gpd.GeoDataFrame
) -> None:
    raw = _raw()
    expected = raw[raw["admin_code"].str.startswith(SANGGAU + ".") | (raw["admin_code"] == SANGGAU)]
    profile = _profile(SANGGAU, sample, located)
    assert profile.code == SANGGAU and profile.name == "Kabupaten Sanggau"
    assert profile.case_count == len(expected) == 43
    assert profile.victim_count == expected["victims"].sum() == 139
    assert sorted(profile.cases["case_id"]) == sorted(expected["case_id"])


def test_yearly_trend_sums_to_the_units_cases(sample: Dataset, located: gpd.GeoDataFrame) -> None:
    raw = _raw()
    expected = raw[raw["admin_code"].str.startswith(SANGGAU)]
    per_year = expected.groupby(expected["date_reported"].str.slice(0, 4))["victims"]
    profile = _profile(SANGGAU, sample, located)
    trend = profile.trend.assign(year=profile.trend["period"].dt.year.astype(str))
    assert trend["cases"].sum() == profile.case_count
    assert trend["victims"].sum() == profile.victim_count
    assert dict(zip(trend["year"], trend["cases"], strict=True)) == per_year.size().to_dict()
    assert dict(zip(trend["year"], trend["victims"], strict=True)) == per_year.sum().to_dict()


def test_monthly_trend_fills_empty_months(sample: Dataset, located: gpd.GeoDataFrame) -> None:
    cases = filter_cases(located, CaseFilter())
    profile = unit_profile(
        _unit(SANGGAU),
        cases=cases,
        crossings=sample.crossings,
        shelters=sample.shelters,
        frequency="month",
    )
    trend = profile.trend
    assert trend["cases"].sum() == profile.case_count == 43
    first, last = profile.cases["date_reported"].min(), profile.cases["date_reported"].max()
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    assert len(trend) == months
    assert (trend["cases"] == 0).any()


def test_profile_follows_the_filters(sample: Dataset, located: gpd.GeoDataFrame) -> None:
    raw = _raw()
    in_2024 = raw[
        raw["admin_code"].str.startswith(SANGGAU) & raw["date_reported"].str.startswith("2024")
    ]
    profile = _profile(
        SANGGAU,
        sample,
        located,
        CaseFilter(date_from=dt.date(2024, 1, 1), date_to=dt.date(2024, 12, 31)),
    )
    assert (profile.case_count, profile.victim_count) == (len(in_2024), in_2024["victims"].sum())
    assert (profile.case_count, profile.victim_count) == (13, 41)
    assert profile.trend["cases"].sum() == 13


def test_a_kecamatan_counts_only_cases_known_to_it(
    sample: Dataset, located: gpd.GeoDataFrame
) -> None:
    raw = _raw()
    expected = raw[raw["admin_code"].str.startswith(ENTIKONG)]
    profile = _profile(ENTIKONG, sample, located)
    assert profile.case_count == len(expected)
    assert profile.victim_count == expected["victims"].sum()
    assert profile.trend["victims"].sum() == profile.victim_count


def test_a_unit_without_cases(sample: Dataset, located: gpd.GeoDataFrame) -> None:
    profile = _profile(SANGGAU, sample, located, CaseFilter(date_from=dt.date(2030, 1, 1)))
    assert (profile.case_count, profile.victim_count) == (0, 0)
    assert profile.trend.empty


# --------------------------------------------------------------------------- crossings


def test_plbn_entikong_is_among_sanggaus_crossings_at_distance_0(
    sample: Dataset, located: gpd.GeoDataFrame
) -> None:
    crossings = _profile(SANGGAU, sample, located).crossings.set_index("crossing_id")
    assert "PLBN-ENTIKONG" in crossings.index
    assert crossings.loc["PLBN-ENTIKONG", "name"] == "PLBN Entikong"
    assert crossings.loc["PLBN-ENTIKONG", "distance_km"] == pytest.approx(0, abs=0.01)
    assert "PLBN-ARUK" not in crossings.index  # Sambas, far from Sanggau


def test_crossings_are_those_within_10_km_nearest_first(
    sample: Dataset, located: gpd.GeoDataFrame
) -> None:
    distances = _metric_distances_km(SANGGAU, sample.crossings)
    within = sample.crossings.loc[distances <= 10, "crossing_id"]
    crossings = _profile(SANGGAU, sample, located).crossings
    assert sorted(crossings["crossing_id"]) == sorted(within)
    assert len(crossings) == 17
    assert crossings["distance_km"].is_monotonic_increasing
    assert crossings["distance_km"].max() <= 10
    assert "geometry" not in crossings.columns


def test_a_unit_away_from_the_border_has_no_crossings(
    sample: Dataset, located: gpd.GeoDataFrame
) -> None:
    assert _profile(MELAWI, sample, located).crossings.empty


# --------------------------------------------------------------------------- shelters


@pytest.mark.parametrize("code", [SANGGAU, ENTIKONG, MELAWI])
def test_nearest_shelters_sorted_by_distance(
    code: str, sample: Dataset, located: gpd.GeoDataFrame
) -> None:
    distances = _metric_distances_km(code, sample.shelters)
    expected = sample.shelters.assign(km=distances).sort_values("km").head(3)
    shelters = _profile(code, sample, located).shelters
    assert len(shelters) == 3
    assert shelters["distance_km"].is_monotonic_increasing
    assert shelters["distance_km"].tolist() == pytest.approx(expected["km"].tolist(), abs=1e-6)
    assert set(shelters["shelter_id"]) == set(expected["shelter_id"])


def test_shelters_inside_are_at_0_and_outside_further(
    sample: Dataset, located: gpd.GeoDataFrame
) -> None:
    entikong = _profile(ENTIKONG, sample, located).shelters.set_index("shelter_id")
    # SYN-SH-05 and -06 are coded to desa in Kecamatan Entikong.
    assert entikong.loc[["SYN-SH-05", "SYN-SH-06"], "distance_km"].tolist() == [0, 0]
    melawi = _profile(MELAWI, sample, located).shelters
    assert melawi["shelter_id"].iloc[0] == "SYN-SH-13"  # Sintang, the neighbour
    assert (melawi["distance_km"] > 5).all()  # no shelter in Melawi
