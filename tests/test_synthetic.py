"""The committed synthetic sample matches the public figures, lies where it says, and is
reproducible from its seed; the generator scales and validates its options."""

from __future__ import annotations

import datetime as dt
import re
from functools import cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geodata import reference, synthetic
from geodata.errors import GeodataError
from geodata.records import schemas
from geodata.settings import METRIC_CRS, SAMPLE_DIR

FILES = ("cases", "crossings", "shelters")
VICTIMS = list(schemas.VICTIM_COLUMNS)
BORDER_KABUPATEN = {"61.01", "61.07", "61.03", "61.05", "61.06"}


@cache
def _committed(name: str) -> pd.DataFrame:
    """A committed file as plain text cells ("" for empty), independent of the loaders."""
    return pd.read_csv(SAMPLE_DIR / f"{name}.csv", dtype=str, keep_default_na=False)


def _cases() -> pd.DataFrame:
    return _committed("cases").copy()


def _victims(cases: pd.DataFrame) -> pd.Series:
    return cases[VICTIMS].astype(int).sum(axis=1)


def _units_by_code() -> pd.Series:
    units = pd.concat([reference.load_units(level) for level in ("kabupaten", "kecamatan", "desa")])
    return pd.Series(units.geometry.to_numpy(), index=units["code"].to_numpy())


def _points(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    return frame["lon"].astype(float).to_numpy(), frame["lat"].astype(float).to_numpy()


def _metric_points(frame: pd.DataFrame) -> np.ndarray:
    lon, lat = _points(frame)
    return gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs="EPSG:4326").to_crs(METRIC_CRS).values


def _border_metric() -> shapely.Geometry:
    return shapely.union_all(reference.load_border().to_crs(METRIC_CRS).geometry.to_numpy())


# --------------------------------------------------------------------------- public figures


def test_2024_totals_equal_the_public_kalbar_figures() -> None:
    cases = _cases()
    in_2024 = cases[cases["date_reported"].str.startswith("2024-")]
    assert len(in_2024) == 54
    assert _victims(in_2024).sum() == 175


def test_other_years_are_plausible() -> None:
    cases = _cases()
    per_year = cases["date_reported"].str.slice(0, 4).astype(int).value_counts()
    assert sorted(per_year.index) == [2020, 2021, 2022, 2023, 2024, 2025]
    assert per_year.between(35, 70).all()


# --------------------------------------------------------------------------- synthetic flags


def test_every_invented_record_is_flagged_synthetic() -> None:
    assert (_committed("cases")["synthetic"] == "true").all()
    assert (_committed("shelters")["synthetic"] == "true").all()
    crossings = _committed("crossings")
    plbn = crossings["kind"] == "plbn"
    assert (crossings.loc[~plbn, "synthetic"] == "true").all()
    assert (crossings.loc[plbn, "synthetic"] == "false").all()
    assert (crossings.loc[plbn, "source"] == "public: FACTS.md; position derived").all()
    assert crossings.loc[~plbn, "source"].str.contains("not intelligence").all()


def test_every_note_begins_with_sintetis() -> None:
    notes = _cases()["note"]
    assert notes.str.startswith("[SINTETIS] ").all()
    # Generic sentences only: a handful of templates, no free text that could hold a name.
    assert notes.nunique() < 40


def test_readme_says_loudly_it_is_synthetic() -> None:
    text = (SAMPLE_DIR / "README.md").read_text(encoding="utf-8")
    assert text.startswith("# SYNTHETIC DEMO DATA")
    assert "never" in text and "intelligence" in text
    assert "54 cases, 175 victims" in text


def test_columns_are_the_schema_columns() -> None:
    for name, schema in (("cases", schemas.CASE), ("crossings", schemas.CROSSING),
                         ("shelters", schemas.SHELTER)):  # fmt: skip
        assert tuple(_committed(name).columns) == schema.names


# --------------------------------------------------------------------------- cases


def test_case_points_lie_inside_kalbar_and_their_unit() -> None:
    cases = _cases()
    with_point = cases[cases["lon"] != ""]
    lon, lat = _points(with_point)
    assert shapely.contains_xy(reference.load_province(), lon, lat).all()
    units = _units_by_code()
    geoms = units.loc[with_point["admin_code"]].to_numpy()
    assert shapely.contains_xy(geoms, lon, lat).all()


def test_location_precision_matches_code_and_point() -> None:
    cases = _cases()
    code_length = cases["admin_code"].str.len()
    has_point = (cases["lon"] != "") & (cases["lat"] != "")
    fine = cases["location_precision"].isin(["exact", "desa"])
    assert (code_length[fine] == 13).all() and has_point[fine].all()
    assert (code_length[cases["location_precision"] == "kecamatan"] == 8).all()
    assert (code_length[cases["location_precision"] == "kabupaten"] == 5).all()
    assert not has_point[~fine].any()
    shares = cases["location_precision"].value_counts(normalize=True)
    assert shares.idxmax() == "desa"
    assert set(shares.index) == schemas.LOCATION_PRECISION


def test_dates_are_iso_and_ordered() -> None:
    cases = _cases()
    reported = pd.to_datetime(cases["date_reported"], format="%Y-%m-%d")
    assert reported.dt.year.between(2020, 2025).all()
    has_incident = cases["date_incident"] != ""
    incident = pd.to_datetime(cases.loc[has_incident, "date_incident"], format="%Y-%m-%d")
    assert (incident <= reported[has_incident]).all()


def test_victims_are_small_and_mixed() -> None:
    cases = _cases()
    victims = _victims(cases)
    assert victims.between(1, 10).all()
    assert victims.median() <= 3
    totals = cases[VICTIMS].astype(int).sum()
    assert (totals > 0).all()  # both sexes, adults and children


def test_cases_concentrate_in_border_and_origin_areas() -> None:
    kabupaten = _cases()["admin_code"].str.slice(0, 5)
    assert kabupaten.value_counts().idxmax() == "61.01"  # Sambas: border and origin area
    assert kabupaten.isin(BORDER_KABUPATEN).mean() > 0.4
    assert kabupaten.isin(BORDER_KABUPATEN | {"61.71", "61.12", "61.72"}).mean() > 0.6


def test_destinations_and_routes() -> None:
    cases = _cases()
    to_malaysia = cases["destination_country"] == "MY"
    assert to_malaysia.mean() > 0.6
    assert cases.loc[to_malaysia, "destination_state"].value_counts().idxmax() == "Sarawak"
    assert (cases.loc[~to_malaysia, "destination_state"] == "").all()
    assert (cases["destination_country"] == "ID").any()
    routes = cases.loc[to_malaysia, "crossing_type"].value_counts()
    assert routes.idxmax() == "unofficial"
    assert routes["official"] > 0 and routes["unknown"] > 0


def test_crossing_ids_referenced_by_cases_exist_and_fit_the_type() -> None:
    cases = _cases()
    kind = _committed("crossings").set_index("crossing_id")["kind"]
    used = cases["crossing_id"] != ""
    assert cases.loc[used, "crossing_id"].isin(kind.index).all()
    kinds = cases.loc[used, "crossing_id"].map(kind)
    official = cases.loc[used, "crossing_type"] == "official"
    assert (kinds[official] == "plbn").all()
    assert (kinds[~official] != "plbn").all()
    assert (cases.loc[~used, "crossing_type"] == "unknown").all()


def test_choice_columns_use_allowed_values() -> None:
    cases = _cases()
    assert set(cases["exploitation"]) <= schemas.EXPLOITATION
    assert set(cases["crossing_type"]) <= schemas.CROSSING_TYPE
    assert set(cases["status"]) <= schemas.CASE_STATUS
    assert cases["case_id"].is_unique


# --------------------------------------------------------------------------- crossings


def test_about_seventy_unofficial_crossings_near_the_border_inside_kalbar() -> None:
    crossings = _committed("crossings")
    unofficial = crossings[crossings["kind"] != "plbn"]
    assert 65 <= len(unofficial) <= 80
    lon, lat = _points(unofficial)
    assert shapely.contains_xy(reference.load_province(), lon, lat).all()
    distance_km = shapely.distance(_border_metric(), _metric_points(unofficial)) / 1000
    assert (distance_km >= 0.3).all() and (distance_km <= 5.0).all()
    kabupaten = reference.load_units("kabupaten").set_index("code").geometry
    border = shapely.union_all(kabupaten.loc[sorted(BORDER_KABUPATEN)].to_numpy())
    assert shapely.contains_xy(border, lon, lat).all()


def test_unofficial_crossings_are_named_neutrally_and_spread() -> None:
    crossings = _committed("crossings")
    unofficial = crossings[crossings["kind"] != "plbn"]
    pattern = r"Jalur (sungai )?tidak resmi (SBS|BKY|SGU|STG|KPH)-\d{2}"
    assert unofficial["name"].str.fullmatch(pattern).all()
    assert (unofficial["crossing_id"] == "JTR-" + unofficial["name"].str[-6:]).all()
    assert unofficial["crossing_id"].str.slice(4, 7).nunique() == 5  # all border kabupaten
    assert set(unofficial["kind"]) == {"land_track", "river_route"}
    status = unofficial["status"].value_counts()
    assert status.idxmax() == "active" and set(status.index) == schemas.CROSSING_STATUS


def test_last_verified_only_for_checked_crossings() -> None:
    unofficial = _committed("crossings").query("kind != 'plbn'")
    unverified = unofficial["status"] == "unverified"
    assert (unofficial.loc[unverified, "last_verified"] == "").all()
    dates = pd.to_datetime(unofficial.loc[~unverified, "last_verified"], format="%Y-%m-%d")
    assert dates.dt.year.between(2023, 2025).all()


def test_plbn_are_the_five_reference_posts() -> None:
    crossings = _committed("crossings")
    plbn = crossings[crossings["kind"] == "plbn"].set_index("crossing_id")
    posts = reference.load_plbn().set_index("crossing_id")
    assert sorted(plbn.index) == sorted(posts.index)
    lon, lat = _points(plbn.loc[posts.index])
    moved_m = np.hypot(lon - posts.geometry.x, lat - posts.geometry.y) * 111_320
    assert (moved_m < 0.5).all()
    assert shapely.contains_xy(reference.load_province(), lon, lat).all()


# --------------------------------------------------------------------------- shelters


def test_shelters_lie_in_their_desa() -> None:
    shelters = _committed("shelters")
    assert 10 <= len(shelters) <= 14
    lon, lat = _points(shelters)
    geoms = _units_by_code().loc[shelters["admin_code"]].to_numpy()
    assert shapely.contains_xy(geoms, lon, lat).all()
    assert shelters["capacity"].astype(int).between(5, 60).all()
    assert set(shelters["operator"]) <= schemas.SHELTER_OPERATOR
    assert shelters["operator"].nunique() >= 4
    assert set(shelters["confidential"]) == {"true", "false"}
    items = set(";".join(shelters["services"]).split(";"))
    assert items <= schemas.SHELTER_SERVICES
    assert shelters["admin_code"].str.startswith("61.71").sum() >= 3  # Pontianak


# --------------------------------------------------------------------------- reproducibility


def test_the_seed_rewrites_the_committed_files_byte_for_byte(tmp_path: Path) -> None:
    paths = synthetic.write_sample(tmp_path, seed=synthetic.DEFAULT_SEED)
    for name in FILES:
        assert paths[name].read_bytes() == (SAMPLE_DIR / f"{name}.csv").read_bytes(), name


def test_another_seed_gives_other_data_with_the_same_2024_totals(tmp_path: Path) -> None:
    sample = synthetic.generate_sample(seed=7)
    assert not sample.cases.equals(synthetic.generate_sample().cases)
    in_2024 = sample.cases[sample.cases["date_reported"].dt.year == 2024]
    assert len(in_2024) == 54
    assert in_2024[VICTIMS].to_numpy().sum() == 175


# --------------------------------------------------------------------------- loaders


def test_the_files_pass_the_loaders() -> None:
    loaders = pytest.importorskip("geodata.records.loaders")
    crossings = loaders.load_crossings(SAMPLE_DIR / "crossings.csv")
    results = {
        "crossings": crossings,
        "cases": loaders.load_cases(SAMPLE_DIR / "cases.csv", crossings=crossings.frame),
        "shelters": loaders.load_shelters(SAMPLE_DIR / "shelters.csv"),
    }
    for name, result in results.items():
        assert result.report.ok, result.report.to_text("en", limit=10)
        assert not result.report.warnings, result.report.to_text("en", limit=10)
        assert len(result.frame) == len(_committed(name)), name


# --------------------------------------------------------------------------- scale option


def test_generate_cases_scales_to_100k() -> None:
    cases = synthetic.generate_cases(100_000, seed=11)
    assert len(cases) == 100_000
    assert cases["case_id"].is_unique
    assert tuple(cases.columns) == schemas.CASE.names
    victims = cases[VICTIMS].sum(axis=1)
    assert victims.between(1, 10).all()
    exact = cases[cases["location_precision"] == "exact"]
    geoms = _units_by_code().loc[exact["admin_code"]].to_numpy()
    assert shapely.contains_xy(geoms, exact["lon"].to_numpy(), exact["lat"].to_numpy()).all()


def test_generate_cases_with_n_keeps_explicit_pins() -> None:
    cases = synthetic.generate_cases(500, seed=3, pinned={2024: (54, 175)})
    in_2024 = cases[cases["date_reported"].dt.year == 2024]
    assert len(cases) == 500
    assert len(in_2024) == 54 and in_2024[VICTIMS].to_numpy().sum() == 175


def test_sample_points_in_handles_islands() -> None:
    desa = reference.load_units("desa").set_index("code")
    island = desa.geometry.loc["61.11.06.2001"]  # Pelapis: 34 islands, 2 % of its bounds
    rng = np.random.default_rng(0)
    lon, lat = synthetic.sample_points_in(np.repeat(island, 2000), rng=rng)
    assert shapely.contains_xy(island, lon, lat).all()
    assert np.array_equal(lon, np.round(lon, 6))


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (
            {"n": 10, "pinned": {2024: (54, 175)}},
            GeodataError,
            r"`n` should be at least the 54 pinned cases",
        ),
        ({"n": 100, "pinned": {2024: (5, 60)}}, GeodataError, r"1 to 10 victims a case"),
        ({"n": 100, "pinned": {2019: (5, 10)}}, GeodataError, r"2019 is outside"),
        ({"years": (2020, dt.date.today().year)}, GeodataError, r"finished year"),
        ({"n": 1.5}, TypeError, r"`n` should be an int or None, got float"),
        ({"seed": "1"}, TypeError, r"`seed` should be an int or None, got str"),
    ],
)
def test_generate_cases_rejects_bad_options(
    kwargs: dict[str, object], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        synthetic.generate_cases(**kwargs)  # type: ignore[arg-type]


def test_generate_cases_reports_every_problem_at_once() -> None:
    with pytest.raises(GeodataError) as caught:
        synthetic.generate_cases(3, years=(2020, 2021), pinned={2019: (5, 60)})
    message = str(caught.value)
    assert re.search("outside", message) and re.search("victims a case", message)
    assert "at least the 5 pinned cases" in message


def test_cli_writes_the_three_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert synthetic.main(["--seed", "5", "--out", str(tmp_path), "--cases", "200"]) == 0
    cases = pd.read_csv(tmp_path / "cases.csv", dtype=str, keep_default_na=False)
    assert len(cases) == 200
    assert {path.name for path in tmp_path.iterdir()} == {f"{name}.csv" for name in FILES}
    assert "done in" in capsys.readouterr().out
