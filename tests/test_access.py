"""Who sees what: every role against every kind of read and every export format.

Aggregate roles (viewer, planner) must never reach a case record, point, date or note, nor a
count of 1 or 2, nor a confidential shelter's point; records roles see everything.
"""

from __future__ import annotations

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
from geodata._errors import AccessDeniedError
from geodata.access import (
    EXPORT_FORMATS,
    FACT_COLUMNS,
    SECONDARY_LABEL,
    DemoDataError,
    RoleStore,
    RoleView,
    access_level,
    allowed,
    check_demo_dataset,
    demo_view,
    export_bytes,
    generalise_shelters,
    read_for,
    suppress_counts,
    view_for,
)
from geodata.auth import User
from geodata.datasets import Dataset
from geodata.roles import ROLES, Role
from geodata.store import open_store
from layers.cases import CaseFilter

AGGREGATE_ROLES: tuple[Role, ...] = ("viewer", "planner")
RECORD_ROLES: tuple[Role, ...] = ("analyst", "police", "admin")
#: Text only a case record holds (ids, notes); none may reach an aggregate role.
CASE_MARKERS = ("SYN-20", "[SINTETIS]", "Korban")


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


# --- suppression ----------------------------------------------------------------------------


def test_small_counts_are_hidden_and_labelled() -> None:
    frame = pd.DataFrame(
        {
            "code": ["a1", "a2", "a3", "b1", "b2"],
            "cases": [0, 1, 5, 2, 2],
            "victims": [0, 1, 9, 4, 3],
            "cases_per_100k": [0.0, 0.4, 2.0, 1.0, 1.0],
        }
    )
    hidden = suppress_counts(frame, threshold=3, parent=frame["code"].str[0])
    assert hidden["cases_label"].tolist() == ["0", "<3", SECONDARY_LABEL, "<3", "<3"]
    assert hidden["suppressed"].tolist() == [False, True, True, True, True]
    assert hidden["cases"].isna().tolist() == [False, True, True, True, True]
    assert hidden["cases_per_100k"].isna().tolist() == [False, True, True, True, True]
    assert frame["cases"].tolist() == [0, 1, 5, 2, 2]  # input untouched
    # victims below the threshold hide a unit even when its case count is high enough
    few = suppress_counts(pd.DataFrame({"cases": [3], "victims": [2]}), threshold=3)
    assert few["suppressed"].tolist() == [True] and few["victims_label"].tolist() == ["<3"]


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
        assert set(counted.loc[counted["suppressed"], "cases_label"]) <= {"<3", SECONDARY_LABEL}
    analyst = views["analyst"].case_counts(units, level=level)  # type: ignore[arg-type]
    assert not analyst["suppressed"].any()
    assert level == "kabupaten" or analyst["cases"].isin([1, 2]).any()


def test_viewer_counts_match_the_analysts_where_shown(
    views: dict[Role, RoleView], units: gpd.GeoDataFrame
) -> None:
    viewer = views["viewer"].case_counts(units, level="kecamatan")
    analyst = views["analyst"].case_counts(units, level="kecamatan")
    shown = ~viewer["suppressed"]
    assert (viewer.loc[shown, "cases"] == analyst.loc[shown, "cases"]).all()
    assert viewer["suppressed"].sum() > 0


def test_totals_trends_and_breakdowns_are_hidden_where_small(
    views: dict[Role, RoleView],
) -> None:
    viewer, analyst = views["viewer"], views["analyst"]
    assert viewer.case_totals().cases == analyst.case_totals().cases == 315
    small_unit = next(
        code
        for code in reference.load_web_layer("kecamatan")["code"]
        if analyst.case_totals(unit=code).cases in (1, 2)
    )
    hidden = viewer.case_totals(unit=small_unit)
    assert (hidden.cases, hidden.victims, hidden.cases_label, hidden.suppressed) == (
        None,
        None,
        "<3",
        True,
    )
    monthly = viewer.case_trend(frequency="month")
    assert not monthly["cases"].isin([1, 2]).any() and monthly["suppressed"].any()
    for column in ("exploitation", "destination", "status", "crossing_type"):
        table = viewer.case_breakdown(column, case_filter=CaseFilter(ages=frozenset({"child"})))
        assert not table[["cases", "victims"]].isin([1, 2]).any().any()
    with pytest.raises(ValueError, match="`column` should be one of"):
        viewer.case_breakdown("note")


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
    # nothing the view holds carries a case id, a note, a point or an incident date
    frames = {name: v for name, v in vars(view).items() if isinstance(v, pd.DataFrame)}
    assert len(frames) == 3
    for name, frame in frames.items():
        assert not {"case_id", "note", "date_incident"} & set(frame.columns), name
        if not {"crossing_id", "shelter_id"} & set(frame.columns):
            assert set(frame.columns) <= {*FACT_COLUMNS, "geometry"}
            assert frame.geometry.isna().all() and len(frame) == len(sample.cases)


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
    original = sample.shelters.set_index("shelter_id")
    for role in AGGREGATE_ROLES:
        shelters = views[role].shelters.set_index("shelter_id")
        secret = original.index[original["confidential"]]
        assert shelters.loc[secret, "location_generalised"].all()
        for shelter_id in secret:
            row = shelters.loc[shelter_id]
            kecamatan = gazetteer.loc[row["admin_code"]]
            assert len(row["admin_code"]) == 8
            assert (row.geometry.x, row.geometry.y) == (kecamatan["lon"], kecamatan["lat"])
            assert (row["lon"], row["lat"]) == (kecamatan["lon"], kecamatan["lat"])
            assert row["name"] != original.loc[shelter_id, "name"]
            assert original.loc[shelter_id, "name"] not in shelters["name"].tolist()
        public = original.index[~original["confidential"]]
        assert not shelters.loc[public, "location_generalised"].any()
    for role in RECORD_ROLES:
        pd.testing.assert_frame_equal(views[role].shelters, sample.shelters)


# --- exports --------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
@pytest.mark.parametrize("role", AGGREGATE_ROLES)
def test_an_aggregate_export_of_cases_holds_only_hidden_where_small_counts(
    views: dict[Role, RoleView], role: Role, fmt: str, units: gpd.GeoDataFrame
) -> None:
    data = export_bytes(views[role], "cases", fmt, units=units, level="kecamatan")  # type: ignore[arg-type]
    text = data.decode("utf-8", errors="ignore") if fmt in ("csv", "geojson") else ""
    for marker in CASE_MARKERS:
        assert marker not in text
    frame = _read(data, fmt)
    assert "case_id" not in frame.columns and "note" not in frame.columns
    assert len(frame) == len(units) and "<3" in set(frame["cases_label"])
    numbers = pd.to_numeric(frame["cases"].replace("", np.nan), errors="coerce")
    assert not numbers.isin([1, 2]).any()
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
    without_point = int(views[role].cases().geometry.isna().sum())
    expected = 315 if fmt in ("csv", "xlsx", "gpkg") else 315 - without_point
    assert len(frame) == expected


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
    assert {f["properties"]["cases_label"] for f in data["features"]} - {"<3", SECONDARY_LABEL} <= {
        str(n) for n in range(3, 400)
    }


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
