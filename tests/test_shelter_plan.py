"""Shelter coverage and new sites: a toy with known shares and gains, then the sample."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from geodata import reference
from geodata.errors import GeodataError
from geodata.i18n import catalogue
from geodata.records.datasets import Dataset
from geodata.settings import LANGUAGES, METRIC_CRS
from layers._assets import external_urls, standalone_html
from layers.shelter_plan import ShelterPlan, desa_candidates
from tests.conftest import MakeCases

#: A metric origin inside Kabupaten Sanggau (UTM 49N).
ORIGIN = (520_000.0, 20_000.0)


def points(*km: tuple[float, float]) -> gpd.GeoSeries:
    """Points ``(x_km, y_km)`` from :data:`ORIGIN`, in EPSG:4326."""
    xs = [ORIGIN[0] + x * 1000.0 for x, _ in km]
    ys = [ORIGIN[1] + y * 1000.0 for _, y in km]
    return gpd.GeoSeries.from_xy(xs, ys, crs=METRIC_CRS).to_crs("EPSG:4326")


def toy_cases(make_cases: MakeCases) -> gpd.GeoDataFrame:
    """Three placed cases at 10, 30 and 60 km east, and one known only to the kabupaten."""
    places = points((10, 0), (30, 0), (60, 0))
    placed = [
        {"lon": p.x, "lat": p.y, "location_precision": "exact", "admin_code": "61.03",
         "victims_female_adult": victims}
        for p, victims in zip(places, (2, 3, 5), strict=True)
    ]  # fmt: skip
    unplaced = {"admin_code": "61.03", "location_precision": "kabupaten", "victims_male_adult": 4}
    return make_cases(*placed, unplaced)


def toy_shelters() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"shelter_id": ["S1"], "name": ["Shelter S1"], "capacity": [10], "confidential": [False]},
        geometry=points((0, 0)).to_numpy(),
        crs="EPSG:4326",
    )


def toy_candidates() -> gpd.GeoDataFrame:
    """Candidate desa: P next to the 30 km case, Q next to the 60 km one, Z far from all."""
    return gpd.GeoDataFrame(
        {"code": ["P", "Q", "Z"], "name": ["Desa P", "Desa Q", "Desa Z"]},
        geometry=points((31, 0), (59, 0), (0, 200)).to_numpy(),
        crs="EPSG:4326",
    )


def test_coverage_shares_by_hand(make_cases: MakeCases) -> None:
    plan = ShelterPlan(radius_km=20, new_sites=0).fit(
        toy_cases(make_cases), toy_shelters(), candidates=toy_candidates()
    )
    sanggau = plan.coverage_.set_index("kabupaten_code").loc["61.03"]
    # Covered: the 10 km case only. 1 of 3 placed cases, 2 of 10 victims; 1 case unplaced.
    assert (sanggau["cases"], sanggau["cases_covered"], sanggau["cases_unplaced"]) == (3, 1, 1)
    assert sanggau["cases_covered_pct"] == pytest.approx(100 / 3)
    assert (sanggau["victims"], sanggau["victims_covered"]) == (10, 2)
    assert sanggau["victims_covered_pct"] == pytest.approx(20.0)
    kalbar = plan.coverage_.iloc[-1]
    assert (kalbar["kabupaten_code"], kalbar["cases"], kalbar["victims_covered"]) == ("61", 3, 2)
    assert plan.cases_["dist_shelter_km"].to_numpy() == pytest.approx([10, 30, 60], abs=0.01)
    assert sorted(plan.uncovered_["victims"]) == [3, 5]
    assert plan.suggested_.empty


def test_new_sites_cover_the_most_victims_first(make_cases: MakeCases) -> None:
    plan = ShelterPlan(radius_km=20, new_sites=2).fit(
        toy_cases(make_cases), toy_shelters(), candidates=toy_candidates()
    )
    suggested = plan.suggested_
    assert suggested["code"].tolist() == ["Q", "P"]  # 5 victims, then 3
    assert suggested["gain_victims"].tolist() == [5, 3]
    assert suggested["gain_cases"].tolist() == [1, 1]
    assert suggested["victims_covered_pct"].tolist() == pytest.approx([70.0, 100.0])
    assert suggested["cases_covered_pct"].tolist() == pytest.approx([200 / 3, 100.0])
    assert plan.candidates_considered_ == 2  # Z can cover nothing: left out of the model
    assert plan.uncovered_["covered_after"].all()


def test_objective_cases_counts_cases_not_victims(make_cases: MakeCases) -> None:
    cases = toy_cases(make_cases)
    lon, lat = points((32, 0)).iloc[0].coords[0]
    extra = make_cases({"lon": lon, "lat": lat, "location_precision": "exact",
                        "admin_code": "61.03", "victims_female_adult": 1})  # fmt: skip
    both = pd.concat([cases, extra], ignore_index=True)
    by_cases = ShelterPlan(radius_km=20, new_sites=1, objective="cases").fit(
        both, toy_shelters(), candidates=toy_candidates()
    )
    by_victims = ShelterPlan(radius_km=20, new_sites=1).fit(
        both, toy_shelters(), candidates=toy_candidates()
    )
    assert by_cases.suggested_["code"].tolist() == ["P"]  # 2 cases, 4 victims
    assert by_victims.suggested_["code"].tolist() == ["Q"]  # 1 case, 5 victims


def test_suggestions_strictly_increase_coverage_on_the_sample(sample: Dataset) -> None:
    plan = ShelterPlan(radius_km=50, new_sites=3).fit(sample.cases, sample.shelters)
    suggested = plan.suggested_
    assert len(suggested) == 3 and plan.optimal_
    assert (suggested["gain_victims"] > 0).all() and (suggested["gain_cases"] > 0).all()
    assert suggested["gain_victims"].is_monotonic_decreasing
    assert (np.diff(suggested["victims_covered_pct"]) > 0).all()
    kalbar = plan.coverage_.iloc[-1]
    assert (
        kalbar["victims_covered_after"]
        == kalbar["victims_covered"] + suggested["gain_victims"].sum()
    )
    assert kalbar["cases_covered_after"] == kalbar["cases_covered"] + suggested["gain_cases"].sum()
    assert suggested["victims_covered_pct"].iloc[-1] == pytest.approx(
        kalbar["victims_covered_after"] / kalbar["victims"] * 100
    )
    assert set(suggested["code"]) <= set(desa_candidates()["code"])
    # Each site names its desa and the kabupaten it lies in (not the desa twice).
    desa = desa_candidates().set_index("code")
    assert suggested["site"].tolist() == desa.loc[suggested["code"], "name"].tolist()
    kabupaten = reference.load_units("kabupaten").set_index("code")["name"]
    expected = kabupaten.loc[suggested["code"].str[:5]].tolist()
    assert suggested["kabupaten"].tolist() == expected
    assert all(name.startswith(("Kabupaten ", "Kota ")) for name in suggested["kabupaten"])
    assert plan.candidates_considered_ < plan.candidates_total_ == 2130
    per_kabupaten = plan.coverage_.iloc[:-1]
    assert per_kabupaten["cases"].sum() == kalbar["cases"]
    assert kalbar["cases"] + kalbar["cases_unplaced"] == len(sample.cases)


def test_pontianak_is_fully_covered_on_the_sample(sample: Dataset) -> None:
    plan = ShelterPlan(radius_km=25, new_sites=0).fit(sample.cases, sample.shelters)
    pontianak = plan.coverage_.set_index("kabupaten_code").loc["61.71"]
    assert pontianak["cases_covered_pct"] == 100.0  # four shelters in the city


def test_shelter_map_hides_confidential_shelters(sample: Dataset) -> None:
    plan = ShelterPlan(new_sites=2).fit(sample.cases, sample.shelters)
    secret = sample.shelters.loc[sample.shelters["confidential"], "name"].iloc[0]
    hidden = standalone_html(plan.explore(lang="id"))
    shown = standalone_html(plan.explore(lang="id", show_confidential=True))
    assert external_urls(hidden) == []
    assert secret not in hidden
    assert secret in shown


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"radius_km": 0}, "`radius_km` should be a distance above 0 km"),
        ({"new_sites": -1}, "`new_sites` should be a whole number"),
        ({"objective": "beds"}, "`objective` should be one of"),
    ],
)
def test_shelter_options_are_checked(options: dict[str, object], message: str) -> None:
    with pytest.raises(GeodataError, match=message):
        ShelterPlan(**options)  # type: ignore[arg-type]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_result_column_has_a_label(lang: str, sample: Dataset) -> None:
    """The page shows these frames with ``shelter_plan.column.<name>`` headers."""
    plan = ShelterPlan(new_sites=1).fit(sample.cases, sample.shelters)
    columns = set(plan.coverage_) | set(plan.suggested_) | set(plan.uncovered_)
    columns -= {"geometry", "kecamatan_code", "kabupaten_code", "covered_after"}
    missing = {c for c in columns if f"shelter_plan.column.{c}" not in catalogue(lang)}
    assert missing == set()


def test_summary_states_coverage_before_and_after(make_cases: MakeCases) -> None:
    plan = ShelterPlan(radius_km=20, new_sites=2).fit(
        toy_cases(make_cases), toy_shelters(), candidates=toy_candidates()
    )
    lines = plan.summary(lang="en")
    assert lines[0] == (
        "Within 20 km of an existing shelter: 33.3 % of cases and 20.0 % of victims. "
        "2 new sites would raise this to 100.0 % of cases and 100.0 % of victims."
    )
    assert lines[1] == "2 of 3 village centres could add coverage and were considered."
    assert "1 cases are known only" in lines[2]
