"""The store, on both backends: round trip, all-or-nothing writes (a killed import too), audit
log, retiring instead of deleting, crossings' status, backup and restore."""

from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyogrio
import pytest

from geodata import reference
from geodata.errors import ValidationError
from geodata.records.datasets import Dataset
from geodata.store import (
    DuplicateRecordError,
    GpkgStore,
    RecordNotFoundError,
    Store,
    StoreError,
    open_store,
)
from tests._stores import BACKENDS, store_url

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with store_url(request.param, tmp_path) as store_url_:
        yield store_url_


@pytest.fixture
def store(url: str) -> Store:
    return open_store(url)


@pytest.fixture
def filled(store: Store, sample: Dataset) -> Store:
    for kind in ("crossings", "cases", "shelters"):
        store.import_batch(kind, getattr(sample, kind), user="ana")
    return store


def _same(stored: pd.DataFrame, loaded: pd.DataFrame) -> None:
    stored, loaded = stored.reset_index(drop=True), loaded.reset_index(drop=True)
    pd.testing.assert_frame_equal(stored.drop(columns="geometry"), loaded.drop(columns="geometry"))
    assert (stored.geometry.isna() == loaded.geometry.isna()).all()
    both = stored.geometry.notna()
    assert stored.geometry[both].geom_equals_exact(loaded.geometry[both], 1e-9).all()


# --- round trip and import ------------------------------------------------------------------


def test_records_come_back_as_the_loaders_gave_them(filled: Store, sample: Dataset) -> None:
    for kind in ("cases", "crossings", "shelters"):
        _same(filled.read(kind), getattr(sample, kind))
    assert filled.read("cases").crs == "EPSG:4326"


def test_an_import_is_audited_one_create_per_record(filled: Store, sample: Dataset) -> None:
    log = filled.audit_log(entity="cases")
    assert len(log) == len(sample.cases)
    assert set(log["action"]) == {"create"} and set(log["username"]) == {"ana"}
    assert log["batch"].nunique() == 1
    assert sorted(log["record_id"]) == sorted(sample.cases["case_id"])
    assert (log["at"] > pd.Timestamp.now(tz="UTC") - pd.Timedelta(minutes=5)).all()


def test_a_bad_row_rejects_the_whole_batch(store: Store, sample: Dataset) -> None:
    cases = sample.cases.copy()
    cases["status"] = cases["status"].astype(object)
    cases.iloc[-1, cases.columns.get_loc("status")] = "<script>"
    with pytest.raises(ValidationError, match="status") as caught:
        store.import_batch("cases", cases, user="ana")
    report = caught.value.report
    problems = [(p.row, p.field, p.code) for p in report]
    assert problems == [(cases.index[-1], "status", "not_allowed")]
    assert store.count("cases") == 0 and store.audit_log(entity="cases").empty


def test_an_id_already_stored_rejects_the_whole_batch(filled: Store, sample: Dataset) -> None:
    version = filled.version()
    more = sample.cases.iloc[:3].copy()
    more["case_id"] = ["NEW-1", "NEW-2", sample.cases["case_id"].iloc[0]]
    with pytest.raises(DuplicateRecordError, match=sample.cases["case_id"].iloc[0]):
        filled.import_batch("cases", more, user="ana")
    assert filled.count("cases") == len(sample.cases) and filled.version() == version


def test_a_failure_inside_the_transaction_writes_nothing(
    store: Store, sample: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(type(store), "_audit", broken)
    with pytest.raises(OSError, match="disk full"):
        store.import_batch("cases", sample.cases, user="ana")
    monkeypatch.undo()
    assert store.count("cases", include_retired=True) == 0
    assert store.import_batch("cases", sample.cases, user="ana").count == len(sample.cases)


def test_a_frame_without_required_columns_is_refused(store: Store, sample: Dataset) -> None:
    with pytest.raises(ValidationError, match="case_id"):
        store.import_batch("cases", sample.cases.drop(columns="case_id"), user="ana")
    with pytest.raises(TypeError, match="DataFrame"):
        store.import_batch("cases", [1, 2], user="ana")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="`kind` should be one of"):
        store.import_batch("victims", sample.cases, user="ana")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="`user`"):
        store.import_batch("cases", sample.cases, user=" ")


KILLED_IMPORT = textwrap.dedent(
    """
    import sys, time
    from geodata.records.datasets import load_sample
    from geodata.store import open_store
    from geodata.store._base import Store

    def pause(self, cursor, tables):
        print("inserted", flush=True)
        time.sleep(120)

    Store._bump_version = pause
    store = open_store(sys.argv[1])
    store.import_batch("cases", load_sample().cases, user="killed")
    """
)


def test_a_killed_import_leaves_the_store_as_it_was(url: str, sample: Dataset) -> None:
    store = open_store(url)
    store.import_batch("crossings", sample.crossings, user="ana")
    version = store.version()
    with subprocess.Popen(
        [sys.executable, "-c", KILLED_IMPORT, url],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as process:
        try:
            assert process.stdout is not None
            line = process.stdout.readline()  # returns once every row is inserted, uncommitted
        finally:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
    assert line.strip() == "inserted"
    assert process.returncode == -signal.SIGKILL
    time.sleep(0.2)  # PostgreSQL ends the dead client's transaction when it sees the socket close
    reopened = open_store(url)
    assert reopened.count("cases", include_retired=True) == 0
    assert reopened.count("crossings") == len(sample.crossings)
    assert reopened.audit_log(username="killed").empty
    assert reopened.version() == version
    if isinstance(reopened, GpkgStore):
        assert reopened.integrity_check() == "ok"
    assert reopened.import_batch("cases", sample.cases, user="ana").count == len(sample.cases)


# --- reference data: the five PLBN ---------------------------------------------------------

PLBN = sorted(reference.load_plbn()["crossing_id"])


def test_a_new_store_starts_with_the_five_plbn(store: Store, sample: Dataset) -> None:
    crossings = store.read("crossings")
    assert sorted(crossings["crossing_id"]) == PLBN and set(crossings["kind"]) == {"plbn"}
    committed = sample.crossings[sample.crossings["kind"] == "plbn"]
    _same(crossings, committed)  # the same rows as the committed reference data
    log = store.audit_log()
    assert log[["action", "username", "entity"]].drop_duplicates().values.tolist() == [
        ["create", "system", "crossings"]
    ]
    assert sorted(log["record_id"]) == PLBN


def test_an_import_leaves_out_the_plbn_the_store_holds(store: Store, sample: Dataset) -> None:
    result = store.import_batch("crossings", sample.crossings, user="ana")
    assert (result.count, result.skipped) == (len(sample.crossings) - 5, tuple(PLBN))
    _same(store.read("crossings"), sample.crossings)
    changed = sample.crossings[sample.crossings["crossing_id"] == "PLBN-ARUK"].copy()
    changed["status"] = "closed"
    with pytest.raises(DuplicateRecordError, match="five PLBN") as caught:
        store.import_batch("crossings", changed, user="ana")
    assert [p.code for p in caught.value.report] == ["id_exists_reference"]
    with pytest.raises(ValueError, match="mark it closed"):
        store.retire("crossings", "PLBN-ARUK", user="admin", reason="gone")


def test_the_dataset_always_has_the_five_plbn(filled: Store) -> None:
    crossings = filled.dataset().crossings
    assert crossings["crossing_id"].is_unique and set(PLBN) <= set(crossings["crossing_id"])
    with filled._transaction(write=True) as cursor:  # an older store, made without them
        cursor.execute("DELETE FROM crossings WHERE kind = 'plbn' AND crossing_id <> 'PLBN-JASA'")
    assert sorted(filled.read("crossings").query("kind == 'plbn'")["crossing_id"]) == ["PLBN-JASA"]
    again = filled.dataset().crossings
    assert again["crossing_id"].is_unique and len(again) == len(crossings)
    pd.testing.assert_frame_equal(
        again.set_index("crossing_id").loc[PLBN], crossings.set_index("crossing_id").loc[PLBN]
    )


# --- edits ----------------------------------------------------------------------------------


def test_an_update_is_audited_field_by_field(filled: Store) -> None:
    version = filled.version()
    changed = filled.update(
        "cases",
        "SYN-2020-0001",
        {
            "status": "verdict",
            "lon": 109.3,
            "lat": 1.2,
            "location_precision": "exact",
            "exploitation": "labour",
        },
        user="bob",
    )
    assert changed == {
        "status": ("prosecution", "verdict"),
        "lon": (None, 109.3),
        "lat": (None, 1.2),
        "location_precision": ("kecamatan", "exact"),
    }
    log = filled.audit_log(action="update")
    assert log[["username", "entity", "record_id"]].drop_duplicates().values.tolist() == [
        ["bob", "cases", "SYN-2020-0001"]
    ]
    rows = log.set_index("field")[["old_value", "new_value"]].fillna("∅")
    assert rows.to_dict("index") == {
        "status": {"old_value": "prosecution", "new_value": "verdict"},
        "lon": {"old_value": "∅", "new_value": "109.3"},
        "lat": {"old_value": "∅", "new_value": "1.2"},
        "location_precision": {"old_value": "kecamatan", "new_value": "exact"},
    }
    case = filled.read("cases").set_index("case_id").loc["SYN-2020-0001"]
    assert (case.geometry.x, case.geometry.y, case["lon"]) == (109.3, 1.2, 109.3)
    assert filled.version() != version
    assert filled.update("cases", "SYN-2020-0001", {"status": "verdict"}, user="bob") == {}


def test_a_bad_update_changes_nothing(filled: Store) -> None:
    before = filled.read("cases")
    with pytest.raises(ValidationError, match="victims_female_adult"):
        filled.update("cases", "SYN-2020-0001", {"victims_female_adult": -1}, user="bob")
    with pytest.raises(ValidationError, match="date_reported"):
        future = dt.date.today() + dt.timedelta(days=400)
        filled.update("cases", "SYN-2020-0001", {"date_reported": future}, user="bob")
    with pytest.raises(ValueError, match="should not change case_id"):
        filled.update("cases", "SYN-2020-0001", {"case_id": "X"}, user="bob")
    with pytest.raises(ValueError, match="should name fields"):
        filled.update("cases", "SYN-2020-0001", {"victim_name": "X"}, user="bob")
    with pytest.raises(RecordNotFoundError, match="NOPE"):
        filled.update("cases", "NOPE", {"status": "verdict"}, user="bob")
    pd.testing.assert_frame_equal(filled.read("cases"), before)
    assert filled.audit_log(action="update").empty


def test_add_checks_and_audits_one_record(filled: Store) -> None:
    record = {
        "shelter_id": "NEW-SH",
        "name": "<b>Rumah</b>",
        "operator": "NGO",
        "lon": 109.33,
        "lat": -0.03,
        "admin_code": "61.71.05",
        "confidential": True,
        "synthetic": True,
    }
    assert filled.add("shelters", record, user="cy") == "NEW-SH"
    stored = filled.read("shelters").set_index("shelter_id").loc["NEW-SH"]
    assert stored["name"] == "<b>Rumah</b>" and pd.isna(stored["capacity"])
    assert filled.audit_log(record_id="NEW-SH")["action"].tolist() == ["create"]
    with pytest.raises(ValidationError, match="lon"):
        filled.add("shelters", record | {"shelter_id": "NEW-2", "lat": None}, user="cy")
    with pytest.raises(DuplicateRecordError):
        filled.add("shelters", record, user="cy")
    case = {
        "case_id": "NEW-C",
        "date_reported": "2025-01-02",
        "admin_code": "61.03.21",
        "location_precision": "kecamatan",
        "victims_female_adult": 2,
        "status": "reported",
    }
    filled.add("cases", case, user="cy")
    stored = filled.read("cases").set_index("case_id").loc["NEW-C"]
    assert (stored["crossing_type"], stored["victims_male_child"], stored["synthetic"]) == (
        "unknown",
        0,
        False,
    )


def test_a_crossing_is_marked_checked_or_unverified(filled: Store) -> None:
    day = dt.date(2025, 5, 1)
    assert filled.mark_crossing("PLBN-ARUK", "closed", user="pol", on=day) == {
        "status": ("active", "closed"),
        "last_verified": (None, day),
    }
    changed = filled.mark_crossing("PLBN-ARUK", "unverified", user="pol")
    assert changed == {"status": ("closed", "unverified")}
    crossing = filled.read("crossings").set_index("crossing_id").loc["PLBN-ARUK"]
    assert crossing["status"] == "unverified"
    assert crossing["last_verified"] == pd.Timestamp(day)
    filled.mark_crossing("PLBN-ARUK", "active", user="pol")
    today = dt.datetime.now(dt.UTC).date()
    assert filled.read("crossings").set_index("crossing_id").loc[
        "PLBN-ARUK", "last_verified"
    ] == pd.Timestamp(today)
    with pytest.raises(ValueError, match="`status` should be one of"):
        filled.mark_crossing("PLBN-ARUK", "verified", user="pol")


def test_a_retired_record_is_hidden_but_kept(filled: Store, sample: Dataset) -> None:
    filled.retire("cases", "SYN-2020-0002", user="admin", reason="entered twice")
    assert "SYN-2020-0002" not in set(filled.read("cases")["case_id"])
    assert filled.count("cases") == len(sample.cases) - 1
    everything = filled.read("cases", include_retired=True).set_index("case_id")
    assert len(everything) == len(sample.cases)
    retired = everything.loc["SYN-2020-0002"]
    assert (retired["retired_by"], retired["retired_reason"]) == ("admin", "entered twice")
    assert pd.notna(retired["retired_at"])
    entry = filled.audit_log(action="retire").iloc[0]
    assert (entry["record_id"], entry["new_value"]) == ("SYN-2020-0002", "entered twice")
    with pytest.raises(RecordNotFoundError, match="retired"):
        filled.update("cases", "SYN-2020-0002", {"status": "verdict"}, user="bob")
    with pytest.raises(RecordNotFoundError, match="retired"):
        filled.retire("cases", "SYN-2020-0002", user="admin", reason="again")
    with pytest.raises(ValueError, match="`reason`"):
        filled.retire("cases", "SYN-2020-0003", user="admin", reason="  ")
    with pytest.raises(DuplicateRecordError):
        filled.import_batch("cases", sample.cases.iloc[[1]], user="ana")


# --- backup and restore ---------------------------------------------------------------------


def test_backup_and_restore_round_trip(filled: Store, sample: Dataset, tmp_path: Path) -> None:
    filled.retire("shelters", "SYN-SH-02", user="admin", reason="closed")
    filled.accounts.add(username="ana", role="analyst", password_hash="x", by="admin")
    backup = filled.backup(tmp_path / "backup.gpkg")
    before = {kind: filled.read(kind, include_retired=True) for kind in ("cases", "shelters")}
    log_before = filled.audit_log()
    filled.update("cases", "SYN-2020-0001", {"status": "verdict"}, user="bob")
    filled.retire("cases", "SYN-2020-0003", user="admin", reason="test")
    filled.accounts.add_session(
        token_hash="h",
        username="ana",
        created_at=dt.datetime.now(dt.UTC),
        expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1),
    )
    log_current = filled.audit_log()
    version = filled.version()
    filled.restore(backup, user="admin")
    for kind, frame in before.items():
        pd.testing.assert_frame_equal(filled.read(kind, include_retired=True), frame)
    log = filled.audit_log()
    # The history made after the backup stays: a restore appends, never cuts.
    assert len(log_current) > len(log_before)
    pd.testing.assert_frame_equal(log.iloc[:-1], log_current)
    assert log.iloc[-1][["action", "username", "new_value"]].tolist() == [
        "restore",
        "admin",
        "backup.gpkg",
    ]
    assert log.iloc[-1]["field"] != "trust_foreign"  # signed by this store
    assert filled.accounts.get("ana")["role"] == "analyst"
    assert filled.accounts.session("h") is None
    assert filled.version() != version
    with pytest.raises(FileExistsError):
        filled.backup(backup)


def test_a_backup_opens_in_gis_programs(filled: Store, tmp_path: Path) -> None:
    path = filled.backup(tmp_path / "backup.gpkg")
    layers = {name: kind for name, kind in pyogrio.list_layers(path)}
    assert layers == {
        "crossings": "Point",
        "cases": "Point",
        "shelters": "Point",
        "audit_log": None,
        "population": None,
    }
    info = pyogrio.read_info(path, layer="cases")
    assert (info["crs"], info["geometry_type"], info["features"]) == ("EPSG:4326", "Point", 315)
    gis = pyogrio.read_dataframe(path, layer="crossings")
    assert gis.crs == "EPSG:4326" and len(gis) == 77
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []


def test_restore_refuses_what_is_not_a_backup(store: Store, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        store.restore(tmp_path / "missing.gpkg", user="admin")
    other = tmp_path / "other.gpkg"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE x (a)")
    with pytest.raises(StoreError, match="kalbar_meta"):
        store.restore(other, user="admin")


# --- GeoPackage specifics and opening -------------------------------------------------------


def test_a_new_geopackage_is_private_to_its_owner(tmp_path: Path) -> None:
    store = GpkgStore(tmp_path / "private" / "store.gpkg")
    assert (store.path.stat().st_mode & 0o777) == 0o600
    assert (store.path.parent.stat().st_mode & 0o777) == 0o700


def test_a_newer_store_is_refused(tmp_path: Path) -> None:
    store = GpkgStore(tmp_path / "store.gpkg")
    with sqlite3.connect(store.path) as connection:
        connection.execute("UPDATE kalbar_meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(StoreError, match="newer"):
        GpkgStore(store.path)


def test_open_store_names_what_it_expects(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="gpkg:// or postgresql://"):
        open_store("mysql://db/x")
    with pytest.raises(ValueError, match=r"root:\*\*\*@db"):
        open_store("mysql://root:hunter2@db/x")  # pragma: allowlist secret
    with pytest.raises(StoreError, match="no store"):
        open_store(f"gpkg://{tmp_path / 'none.gpkg'}", create=False)


def test_the_store_s_today_is_kalbar_s(monkeypatch: pytest.MonkeyPatch) -> None:
    """Before 07.00 WIB the server's UTC date is yesterday: a case reported this morning,
    accepted by the form's and the file's checks, must not be refused by the store."""
    import datetime as dt

    from geodata.records.datasets import load_sample
    from geodata.store import _records

    kalbar_today = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)
    monkeypatch.setattr(_records, "today_in_kalbar", lambda: kalbar_today)
    case = load_sample().cases.iloc[[0]].copy()
    case["date_reported"] = pd.Timestamp(kalbar_today)
    _, report = _records.check_frame("cases", case)
    assert report.ok, report.to_text("en")
    case["date_reported"] = pd.Timestamp(kalbar_today + dt.timedelta(days=1))
    assert not _records.check_frame("cases", case)[1].ok


def test_the_store_takes_a_crossing_over_the_border_but_no_case_there() -> None:
    """The store's own check agrees with the loader's: north of PLBN Nanga Badau, 2.5 km
    into Sarawak a crossing is kept, 7.1 km in it is refused, and a case 2.5 km in too."""
    from geodata.records.datasets import load_sample
    from geodata.store import _records

    sample = load_sample()
    crossings = sample.crossings.iloc[[0, 0]].copy()
    crossings["crossing_id"] = ["JT-NEAR", "JT-FAR"]
    crossings["lon"], crossings["lat"] = [111.8804, 111.8804], [1.1003, 1.1553]
    _, report = _records.check_frame("crossings", crossings)
    assert [(p.row, p.code) for p in report.errors] == [(2, "outside_province")]
    case = sample.cases.iloc[[0]].copy()
    case["lon"], case["lat"], case["admin_code"] = 111.8804, 1.1003, None
    _, report = _records.check_frame("cases", case)
    assert [p.code for p in report.errors] == ["outside_province"]


def test_the_loader_and_the_store_agree_at_the_limits(tmp_path: Path) -> None:
    """Around 5 km north of PLBN Nanga Badau (the border band) and 1 km east of Kalbar's
    outline (its tolerance), every point the file check accepts the store accepts too:
    else an import the preview passed would fail as a whole."""
    from geodata.records.datasets import load_sample
    from geodata.records.loaders import load_crossings
    from geodata.store import _records

    band = [(111.8804, 1.0553 + k * 0.0004) for k in range(160, 190)]  # about 4.7-5.4 km
    edge = [(109.165 - k * 0.0003, 0.0) for k in range(1, 60)]  # up to 2 km off the coast
    points = band + edge
    rows = [f"JT-{i},T{i},land_track,{x:.6f},{y:.6f},active" for i, (x, y) in enumerate(points)]
    path = tmp_path / "crossings.csv"
    path.write_text("crossing_id,name,kind,lon,lat,status\n" + "\n".join(rows) + "\n", "utf-8")
    loaded = set(load_crossings(path).frame["crossing_id"])
    frame = load_sample().crossings.iloc[[0] * len(points)].copy()
    frame["crossing_id"] = [f"JT-{i}" for i in range(len(points))]
    frame["lon"], frame["lat"] = [x for x, _ in points], [y for _, y in points]
    _, report = _records.check_frame("crossings", frame)
    refused = {f"JT-{p.row - 1}" for p in report.errors}
    assert 0 < len(loaded) < len(points)  # the points straddle a limit
    assert loaded == set(frame["crossing_id"]) - refused


def test_a_running_spreadsheet_imports_its_new_rows_past_stored_and_retired_ids(
    filled: Store, sample: Dataset
) -> None:
    """``skip_stored`` leaves out every stored id, a retired one too (the role's view, which
    the preview checks against, does not hold it), and names them; nothing stored changes."""
    cases = sample.cases.iloc[:3].copy()
    retired, stored = str(cases["case_id"].iloc[0]), str(cases["case_id"].iloc[1])
    filled.retire("cases", retired, user="ana", reason="a duplicate")
    cases.loc[cases.index[2], "case_id"] = "KANTOR-BARU-1"
    with pytest.raises(DuplicateRecordError):
        filled.import_batch("cases", cases, user="ana")
    result = filled.import_batch("cases", cases, user="ana", skip_stored=True)
    assert result.count == 1 and set(result.skipped) == {retired, stored}
    assert "KANTOR-BARU-1" in set(filled.read("cases")["case_id"])
    assert retired not in set(filled.read("cases")["case_id"])  # still retired
