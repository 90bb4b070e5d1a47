"""Who sees what: every role against every kind of read and every export format.

Aggregate roles (viewer, planner) must never reach a case record, point, date or note, nor a
count of 1 or 2 (every count they see is perturbed by its cell key), nor free text, nor a
shelter field off the allow-list; records roles see everything. The differencing attacks
are in ``tests/test_disclosure_attack.py``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import sqlite3
import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geodata import reference
from geodata.access import (
    EXPORT_FORMATS,
    FACT_COLUMNS,
    SHELTER_FIELDS,
    DemoDataError,
    RoleStore,
    RoleView,
    access_level,
    allowed,
    check_demo_dataset,
    coarsened_filter,
    demo_view,
    export_bytes,
    generalise_shelters,
    publish_counts,
    read_for,
    view_for,
)
from geodata.access._cellkey import PTABLE, ptable_rows
from geodata.access.auth import User
from geodata.errors import AccessDeniedError
from geodata.records.cases import CaseFilter
from geodata.records.datasets import Dataset
from geodata.records.population import POPULATION_COLUMNS
from geodata.roles import ROLES, Role
from geodata.store import open_store

AGGREGATE_ROLES: tuple[Role, ...] = ("viewer", "planner")
RECORD_ROLES: tuple[Role, ...] = ("analyst", "police", "admin")
#: Text only a case record holds (ids, notes); none may reach an aggregate role.
CASE_MARKERS = ("SYN-20", "[SINTETIS]", "Korban")
#: Published values that may stand for a true count of 1 or 2 (threshold 3).
SMALL_STAND_INS = {0, 3}


@pytest.fixture(scope="module")
def units() -> gpd.GeoDataFrame:
    return reference.load_web_layer("kecamatan")


@pytest.fixture(scope="module")
def views(sample: Dataset, located: gpd.GeoDataFrame) -> dict[Role, RoleView]:
    return {role: view_for(role, sample, located=located) for role in ROLES}


def _user(role: Role, name: str = "someone") -> User:
    return User(username=name, role=role, active=True, created_at=pd.Timestamp.now(tz="UTC"))


def _read(data: bytes, fmt: str) -> pd.DataFrame:
    if fmt == "csv":
        return pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
    if fmt == "xlsx":
        return pd.read_excel(io.BytesIO(data), dtype=str).fillna("")
    if fmt == "geojson":
        return gpd.read_file(io.BytesIO(data))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.gpkg"
        path.write_bytes(data)
        return gpd.read_file(path)


# --- roles ----------------------------------------------------------------------------------


def test_each_role_has_its_level_and_permissions() -> None:
    assert {role: access_level(role) for role in ROLES} == {
        "viewer": "aggregates",
        "planner": "aggregates",
        "analyst": "records",
        "police": "records",
        "admin": "admin",
    }
    assert [role for role in ROLES if allowed(role, "read_records")] == list(RECORD_ROLES)
    assert [role for role in ROLES if allowed(role, "manage_users")] == ["admin"]
    assert access_level(_user("police")) == "records"
    with pytest.raises(ValueError, match="`role` should be one of"):
        access_level("superuser")  # type: ignore[arg-type]


# --- published counts -----------------------------------------------------------------------


def test_the_ptable_keeps_zero_and_never_publishes_one_or_two() -> None:
    assert ptable_rows(3) == PTABLE
    for count, row in PTABLE.items():
        assert sum(keys for _, keys in row) == 256
        mean = sum(value * keys for value, keys in row) / 256
        assert abs(mean - count) < 0.01, (count, mean)
        values = {value for value, _ in row}
        assert not values & {1, 2}
        assert (
            values == {0} if count == 0 else (values <= {0, 3} if count < 3 else min(values) >= 3)
        )
        assert max(abs(value - count) for value in values) <= (3 if count < 3 else 2)


def test_counts_are_published_by_their_cell_keys() -> None:
    frame = pd.DataFrame(
        {
            "code": ["a", "b", "c", "d", "e", "f"],
            "cases": [0, 1, 1, 2, 5, 40],
            "victims": [0, 1, 1, 4, 9, 100],
            "population": [1000, 1000, 1000, 1000, 1000, 0],
            "cases_per_100k": [0.0, 100.0, 100.0, 200.0, 500.0, np.nan],
            "_case_key": [7, 10, 200, 50, 0, 255],
            "_victim_key": [7, 10, 200, 50, 0, 255],
        }
    )
    published = publish_counts(frame, threshold=3)
    # row 1 of the ptable: keys 0..170 publish 0, 171..255 publish 3; row 2: 0..84 -> 0
    assert published["cases"].tolist() == [0, 0, 3, 0, 3, 42]
    assert published["victims"].tolist() == [0, 0, 3, 0, 7, 102]  # victims follow a 0
    assert published["cases_label"].tolist() == ["0", "0", "3", "0", "3", "42"]
    assert published["suppressed"].tolist() == [True, True, True, True, True, False]
    assert published["cases_per_100k"].tolist()[:5] == [0.0, 0.0, 300.0, 0.0, 300.0]
    assert np.isnan(published["cases_per_100k"].iloc[5])
    assert "_case_key" not in published and frame["cases"].tolist()[1] == 1  # input kept


@pytest.mark.parametrize("level", ["kabupaten", "kecamatan"])
@pytest.mark.parametrize("role", AGGREGATE_ROLES)
def test_aggregate_roles_never_see_a_count_of_one_or_two(
    views: dict[Role, RoleView], role: Role, level: str
) -> None:
    units = reference.load_web_layer(level)  # type: ignore[arg-type]
    for case_filter in (
        CaseFilter(),
        CaseFilter(exploitation=frozenset({"sexual"})),
        CaseFilter(ages=frozenset({"child"})),
    ):
        counted = views[role].case_counts(units, level=level, case_filter=case_filter)  # type: ignore[arg-type]
        for column in ("cases", "victims"):
            assert not counted[column].isin([1, 2]).any()
            assert counted[f"{column}_label"].tolist() == [str(n) for n in counted[column]]
        small = counted["cases"].isin(SMALL_STAND_INS) | counted["victims"].isin(SMALL_STAND_INS)
        assert counted["suppressed"].tolist() == small.tolist()
    analyst = views["analyst"].case_counts(units, level=level)  # type: ignore[arg-type]
    assert not analyst["suppressed"].any()
    assert level == "kabupaten" or analyst["cases"].isin([1, 2]).any()


def test_viewer_counts_are_the_analysts_within_the_ptable(
    views: dict[Role, RoleView], units: gpd.GeoDataFrame
) -> None:
    viewer = views["viewer"].case_counts(units, level="kecamatan")["cases"]
    analyst = views["analyst"].case_counts(units, level="kecamatan")["cases"]
    for true, shown in zip(analyst, viewer, strict=True):
        assert shown in {value for value, _ in PTABLE[min(true, 5)]} or (
            true > 5 and abs(shown - true) <= 2
        ), (true, shown)
    assert (viewer != analyst).sum() > 10  # the counts really move
    assert views["planner"].case_counts(units, level="kecamatan")["cases"].equals(viewer)


def test_published_cases_and_victims_keep_their_totals_in_small_cells(
    sample: Dataset, located: gpd.GeoDataFrame
) -> None:
    """Kecamatan-by-year cells are mostly 1-2 cases: their published sums stay unbiased.

    One key's sum may stray (each small cell publishes as 0 or 3), so the sums are averaged
    over eight fixed store secrets: the test does not depend on where the files lie.
    """
    units = reference.load_units("kecamatan")
    analyst = view_for("analyst", sample, located=located)
    years = [
        CaseFilter(date_from=dt.date(year, 1, 1), date_to=dt.date(year, 12, 31))
        for year in range(2020, 2026)
    ]
    true = {
        name: sum(int(analyst.case_counts(units, level="kecamatan", case_filter=year)[name].sum())
                  for year in years)
        for name in ("cases", "victims")
    }  # fmt: skip
    shown = dict.fromkeys(true, 0)
    secrets = [bytes([seed]) * 32 for seed in range(8)]
    for secret in secrets:
        viewer = view_for("viewer", dataclasses.replace(sample, secret=secret), located=located)
        for year in years:
            counted = viewer.case_counts(units, level="kecamatan", case_filter=year)
            for name in shown:
                shown[name] += int(counted[name].fillna(0).sum())
    for name in shown:
        mean = shown[name] / len(secrets)
        assert abs(mean - true[name]) <= 0.1 * true[name], (name, mean, true)


def test_totals_trends_and_breakdowns_are_published(views: dict[Role, RoleView]) -> None:
    viewer, analyst = views["viewer"], views["analyst"]
    assert analyst.case_totals().cases == 315
    assert abs(viewer.case_totals().cases - 315) <= 2
    assert viewer.filter_options().total == viewer.case_totals().cases
    small_unit = next(
        code
        for code in reference.load_web_layer("kecamatan")["code"]
        if analyst.case_totals(unit=code).cases in (1, 2)
    )
    shown = viewer.case_totals(unit=small_unit)
    assert shown.cases in SMALL_STAND_INS and shown.suppressed
    assert shown.cases_label == str(shown.cases)
    map_count = viewer.case_counts(reference.load_web_layer("kecamatan"), level="kecamatan")
    assert shown.cases == int(map_count.set_index("code").at[small_unit, "cases"])
    monthly = viewer.case_trend(frequency="month")  # aggregate roles get whole years
    assert monthly.equals(viewer.case_trend(frequency="year"))
    assert (pd.to_datetime(monthly["period"]).dt.day_of_year == 1).all()
    assert not monthly[["cases", "victims"]].isin([1, 2]).any().any()
    assert len(analyst.case_trend(frequency="month")) > len(monthly)
    for column in ("exploitation", "destination", "status", "crossing_type"):
        table = viewer.case_breakdown(column, case_filter=CaseFilter(ages=frozenset({"child"})))
        assert not table[["cases", "victims"]].isin([1, 2]).any().any()
    assert set(viewer.case_breakdown("destination")["destination"]) <= {"MY", "ID", "CN", "BN"}
    with pytest.raises(ValueError, match="`column` should be one of"):
        viewer.case_breakdown("note")


def test_aggregate_filters_are_coarsened_in_the_view(views: dict[Role, RoleView]) -> None:
    chosen = CaseFilter(
        date_from=dt.date(2024, 3, 5),
        date_to=dt.date(2024, 3, 6),
        destinations=frozenset({"MY · Sarawak"}),
        sources=frozenset({"anything"}),
        statuses=frozenset({"verdict"}),
    )
    coarse = coarsened_filter(chosen)
    # The period in whole years, nothing else (every other filter is dropped).
    assert coarse == CaseFilter(date_from=dt.date(2024, 1, 1), date_to=dt.date(2024, 12, 31))
    viewer, analyst = views["viewer"], views["analyst"]
    assert viewer.case_totals(case_filter=chosen) == viewer.case_totals(case_filter=coarse)
    assert (
        analyst.case_totals(case_filter=chosen).cases
        < analyst.case_totals(case_filter=coarse).cases
    )
    options = viewer.filter_options()
    assert options.years_only and options.sources == ()
    assert options.destinations == ()  # no destination filter for these roles
    assert (options.first, options.last) == (dt.date(2020, 1, 1), dt.date(2025, 12, 31))
    records = analyst.filter_options()
    assert not records.years_only and records.first == dt.date(2020, 1, 13)
    assert len(records.sources) >= 1 and "MY · Sarawak" in records.destinations


@pytest.mark.parametrize("role", AGGREGATE_ROLES)
def test_aggregate_roles_cannot_reach_case_records(
    views: dict[Role, RoleView], role: Role, sample: Dataset
) -> None:
    view = views[role]
    assert not view.records_allowed
    with pytest.raises(AccessDeniedError, match="counts only"):
        view.cases()
    with pytest.raises(AccessDeniedError, match="counts only"):
        view.case_points(reference.load_gazetteer())
    # nothing the view holds carries a case id, a note, a point, free text or an incident date
    frames = {name: v for name, v in vars(view).items() if isinstance(v, pd.DataFrame)}
    # The population table is public (people per unit, no case in it).
    assert tuple(frames.pop("_RoleView__population").columns) == POPULATION_COLUMNS
    assert len(frames) == 3
    for name, frame in frames.items():
        assert not {"case_id", "note", "date_incident"} & set(frame.columns), name
        assert "source" not in frame.columns or "crossing_id" in frame.columns, name
        if not {"crossing_id", "shelter_id"} & set(frame.columns):
            assert list(frame.columns) == list(FACT_COLUMNS) and len(frame) == len(sample.cases)
            assert frame["destination_state"].isna().all()
            assert set(frame["destination"]) == set(sample.cases["destination_country"])


@pytest.mark.parametrize("role", RECORD_ROLES)
def test_record_roles_see_records_and_points(views: dict[Role, RoleView], role: Role) -> None:
    view = views[role]
    assert len(view.cases()) == 315
    points = view.case_points(reference.load_gazetteer())
    assert len(points) > 100 and points.geometry.notna().all()


# --- shelters -------------------------------------------------------------------------------


def test_confidential_shelters_are_generalised_for_aggregate_roles(
    views: dict[Role, RoleView], sample: Dataset
) -> None:
    gazetteer = reference.load_gazetteer().set_index("code")
    original = sample.shelters.reset_index(drop=True)
    secret = original["confidential"].astype(bool)
    for role in AGGREGATE_ROLES:
        shelters = views[role].shelters.reset_index(drop=True)
        assert len(shelters) == len(original)  # in the same order
        assert shelters["location_generalised"].tolist() == secret.tolist()
        for index in original.index[secret]:
            row = shelters.loc[index]
            kecamatan = gazetteer.loc[row["admin_code"]]
            assert len(row["admin_code"]) == 8
            assert (row.geometry.x, row.geometry.y) == (kecamatan["lon"], kecamatan["lat"])
            assert (row["lon"], row["lat"]) == (kecamatan["lon"], kecamatan["lat"])
            assert original.loc[index, "name"] not in shelters["name"].tolist()
        public = original.index[~secret]
        assert shelters.loc[public, "name"].tolist() == original.loc[public, "name"].tolist()
    for role in RECORD_ROLES:
        pd.testing.assert_frame_equal(views[role].shelters, sample.shelters)


#: Per allowed field: how an aggregate role's value relates to the stored one, for
#: (confidential, public) shelters.
SHELTER_RULES = {
    "shelter_id": ("keyed", "keyed"),
    "name": ("generic", "same"),
    "operator": ("same", "same"),
    "capacity": ("banded", "same"),
    "services": ("same", "same"),
    "lon": ("kecamatan", "same"),
    "lat": ("kecamatan", "same"),
    "admin_code": ("kecamatan", "same"),
    "confidential": ("same", "same"),
    "location_generalised": ("added", "added"),
    "synthetic": ("same", "same"),
}


@pytest.mark.parametrize("field", list(SHELTER_RULES))
def test_aggregate_roles_get_shelters_field_by_field(
    views: dict[Role, RoleView], sample: Dataset, field: str
) -> None:
    original = sample.shelters.reset_index(drop=True)
    shown = views["viewer"].shelters.reset_index(drop=True)
    assert list(shown.columns) == [*SHELTER_FIELDS, "geometry"]
    assert set(SHELTER_RULES) == set(SHELTER_FIELDS)
    secret = original["confidential"].astype(bool)
    gazetteer = reference.load_gazetteer().set_index("code")
    for rows, rule in zip((secret, ~secret), SHELTER_RULES[field], strict=True):
        before, after = original.loc[rows], shown.loc[rows, field]
        if rule == "same":
            assert after.tolist() == before[field].tolist()
        elif rule == "keyed":
            assert after.str.fullmatch(r"SH-[0-9a-f]{10}").all() and after.is_unique
            assert not set(after) & set(original["shelter_id"])
            assert views["planner"].shelters[field].tolist() == shown[field].tolist()
        elif rule == "generic":
            assert not set(after) & set(original["name"])
            assert after.str.startswith("Layanan rahasia (Kec. ").all()
        elif rule == "banded":
            assert (after % 10 == 0).all() and (after >= 10).all()
            assert ((after - before["capacity"]).abs() <= 5).all()
        elif rule == "kecamatan":
            codes = shown.loc[rows, "admin_code"]
            expected = gazetteer.loc[codes, field] if field != "admin_code" else codes
            assert after.tolist() == list(expected)
            assert codes.tolist() == before["admin_code"].str[:8].tolist()
        else:
            assert rule == "added" and after.tolist() == secret[rows].tolist()


def test_no_shelter_source_reaches_an_aggregate_role(
    views: dict[Role, RoleView], sample: Dataset, tmp_path: Path
) -> None:
    texts = set(sample.shelters["source"].dropna()) | set(sample.shelters["shelter_id"])
    for role in AGGREGATE_ROLES:
        for fmt in EXPORT_FORMATS:
            data = export_bytes(views[role], "shelters", fmt)
            frame = _read(data, fmt)
            assert "source" not in frame.columns
            cells = {
                str(v) for v in frame.drop(columns="geometry", errors="ignore").to_numpy().flat
            }
            assert not cells & texts, (role, fmt)


# --- exports --------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
@pytest.mark.parametrize("role", AGGREGATE_ROLES)
def test_an_aggregate_export_of_cases_holds_only_published_counts(
    views: dict[Role, RoleView], role: Role, fmt: str, units: gpd.GeoDataFrame
) -> None:
    data = export_bytes(views[role], "cases", fmt, units=units, level="kecamatan")  # type: ignore[arg-type]
    text = data.decode("utf-8", errors="ignore") if fmt in ("csv", "geojson") else ""
    for marker in CASE_MARKERS:
        assert marker not in text
    frame = _read(data, fmt)
    assert "case_id" not in frame.columns and "note" not in frame.columns
    numbers = pd.to_numeric(frame["cases"])
    assert len(frame) == len(units) and numbers.notna().all()
    assert not numbers.isin([1, 2]).any()
    assert frame["cases_label"].astype(str).tolist() == [str(int(n)) for n in numbers]
    shown = views[role].case_counts(units, level="kecamatan")
    assert numbers.astype(int).tolist() == shown["cases"].tolist()  # the same published counts
    if isinstance(frame, gpd.GeoDataFrame):
        assert not (frame.geom_type == "Point").any()


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
@pytest.mark.parametrize("role", AGGREGATE_ROLES)
def test_an_aggregate_export_of_shelters_hides_confidential_points(
    views: dict[Role, RoleView], role: Role, fmt: str, sample: Dataset
) -> None:
    frame = _read(export_bytes(views[role], "shelters", fmt), fmt)  # type: ignore[arg-type]
    secret = sample.shelters[sample.shelters["confidential"]]
    for name in secret["name"]:
        assert name not in set(frame["name"])
    if isinstance(frame, gpd.GeoDataFrame):
        secret_points = shapely.points(secret["lon"].to_numpy(), secret["lat"].to_numpy())
        exported = frame.geometry.to_numpy()
        assert not shapely.equals(exported[:, None], secret_points[None, :]).any()


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
@pytest.mark.parametrize("role", RECORD_ROLES)
def test_a_records_export_of_cases_holds_the_records(
    views: dict[Role, RoleView], role: Role, fmt: str
) -> None:
    frame = _read(export_bytes(views[role], "cases", fmt), fmt)  # type: ignore[arg-type]
    assert "case_id" in frame.columns
    assert len(frame) == 315  # every record, those placed by their code only too


@pytest.mark.parametrize("role", ROLES)
def test_crossings_export_the_same_for_every_role(
    views: dict[Role, RoleView], role: Role, sample: Dataset
) -> None:
    frame = _read(export_bytes(views[role], "crossings", "csv"), "csv")
    assert frame["crossing_id"].tolist() == sample.crossings["crossing_id"].tolist()


def test_export_names_what_it_accepts(views: dict[Role, RoleView]) -> None:
    with pytest.raises(ValueError, match="`fmt` should be one of"):
        export_bytes(views["admin"], "cases", "pdf")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="`kind` should be one of"):
        export_bytes(views["admin"], "victims", "csv")


# --- demo mode ------------------------------------------------------------------------------


def test_the_demo_mode_shows_synthetic_data_only(
    sample: Dataset, located: gpd.GeoDataFrame
) -> None:
    view = demo_view(sample, located=located)
    assert view.demo and view.records_allowed and len(view.cases()) == 315
    assert check_demo_dataset(sample) is sample  # the five public PLBN are allowed
    cases = sample.cases.copy()
    cases.loc[cases.index[0], "synthetic"] = False
    real = Dataset(cases, sample.crossings, sample.shelters, {}, 0, True, "x")
    with pytest.raises(DemoDataError, match="cases"):
        demo_view(real, located=located)
    crossings = sample.crossings.copy()
    crossings.loc[crossings["kind"] != "plbn", "synthetic"] = False
    with pytest.raises(DemoDataError, match="crossings"):
        check_demo_dataset(Dataset(sample.cases, crossings, sample.shelters, {}, 0, True, "x"))


# --- store reads and writes by role ---------------------------------------------------------


def test_store_reads_and_writes_follow_the_role(sample: Dataset, tmp_path: Path) -> None:
    store = open_store(f"gpkg://{tmp_path / 'store.gpkg'}")
    for kind in ("crossings", "cases", "shelters"):
        store.import_batch(kind, getattr(sample, kind), user="setup")
    with pytest.raises(AccessDeniedError):
        read_for("viewer", "cases", store=store)
    assert len(read_for("police", "cases", store=store)) == 315
    assert read_for("planner", "shelters", store=store)["location_generalised"].sum() == int(
        sample.shelters["confidential"].sum()
    )
    viewer, analyst, admin = (RoleStore(_user(r, r), store) for r in ("viewer", "analyst", "admin"))
    with pytest.raises(AccessDeniedError, match="edit records"):
        viewer.mark_crossing("PLBN-ARUK", "closed")
    assert analyst.mark_crossing("PLBN-ARUK", "closed")["status"] == ("active", "closed")
    with pytest.raises(AccessDeniedError, match="manage data"):
        analyst.retire("cases", "SYN-2020-0001", reason="x")
    admin.retire("cases", "SYN-2020-0001", reason="duplicate")
    log = store.audit_log()
    assert log[log["action"] != "create"]["username"].tolist() == ["analyst", "analyst", "admin"]
    with pytest.raises(TypeError, match="logged-in User"):
        RoleStore("admin", store)  # type: ignore[arg-type]
    with sqlite3.connect(tmp_path / "store.gpkg") as connection:
        assert connection.execute("SELECT COUNT(*) FROM cases").fetchone()[0] == 315


def test_a_geojson_export_of_counts_is_valid_json(views: dict[Role, RoleView]) -> None:
    data = json.loads(export_bytes(views["viewer"], "cases", "geojson"))
    assert data["type"] == "FeatureCollection"
    labels = {f["properties"]["cases_label"] for f in data["features"]}
    assert labels <= {str(n) for n in (0, *range(3, 400))}


def test_a_shelter_without_code_is_placed_by_its_point_or_left_out(sample: Dataset) -> None:
    shelters = sample.shelters.copy()
    secret = shelters.index[shelters["confidential"]]
    shelters.loc[secret[0], "admin_code"] = None  # found through its point
    shelters.loc[secret[1], "admin_code"] = None
    outside = shapely.Point(100.0, 0.0)  # not in Kalbar: cannot be generalised, left out
    shelters.loc[secret[1], "geometry"] = outside
    generalised = generalise_shelters(shelters).set_index("shelter_id")
    first = shelters.loc[secret[0]]
    assert (
        generalised.loc[first["shelter_id"], "admin_code"]
        == sample.shelters.loc[secret[0], "admin_code"][:8]
    )
    assert shelters.loc[secret[1], "shelter_id"] not in generalised.index
    assert len(generalised) == len(shelters) - 1


def test_views_share_no_mutable_state_across_roles(
    sample: Dataset, located: gpd.GeoDataFrame
) -> None:
    before = sample.shelters.copy()
    analyst = view_for("analyst", sample, located=located)
    viewer = view_for("viewer", sample, located=located)
    pd.testing.assert_frame_equal(sample.shelters, before)  # the cached dataset is untouched
    assert viewer.shelters is not analyst.shelters
    assert viewer.shelters["location_generalised"].any()
    assert analyst.records_allowed and not viewer.records_allowed
    again = view_for("analyst", sample, located=located)
    pd.testing.assert_frame_equal(again.shelters, before)
