"""A tampered backup is refused and changes nothing; a good restore keeps the audit history;
one bad record cannot take every page down (issue 9, item 4). Both backends.

Each attack of the issue is made on a real backup file with sqlite3, as an insider with the
file (but not the store's key) would: a new administrator, a viewer promoted, ``confidential``
cleared on every shelter, the audit log cut to 19 rows, a case dated 1900, a changed
signature. Defence in depth is tested too: a backup that verifies but holds impossible values
(signed here with the store's own key, as an old store with bad rows would) is still refused,
and a backup of another store needs ``trust_foreign`` and may not escalate anyone.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest

from geodata.records.datasets import Dataset
from geodata.store import BackupRefusedError, Store, open_store
from geodata.store._backup import SIGNATURE_KEY, sign
from geodata.store._gpkg import GpkgStore
from tests._stores import BACKENDS, store_url

Tamper = Callable[[sqlite3.Connection], object]
AUDIT_KEPT = 19


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path, sample: Dataset) -> Iterator[Store]:
    with store_url(request.param, tmp_path) as url:
        store = open_store(url)
        for kind in ("crossings", "cases", "shelters"):
            store.import_batch(kind, getattr(sample, kind), user="ana")
        store.accounts.add(username="boss", role="admin", password_hash="h-boss", by="setup")
        store.accounts.add(username="vera", role="viewer", password_hash="h-vera", by="boss")
        yield store


@pytest.fixture
def backup(store: Store, tmp_path: Path) -> Path:
    return store.backup(tmp_path / "backup.gpkg")


def _state(store: Store) -> dict[str, object]:
    return {
        "records": {k: store.read(k, include_retired=True) for k in ("cases", "shelters")},
        "crossings": store.read("crossings", include_retired=True),
        "users": store.accounts.all(),
        "audit": store.audit_log(),
        "version": store.version(),
        "secret": store.secret("backup"),
    }


def _assert_same(before: dict[str, object], after: dict[str, object]) -> None:
    for kind, frame in before["records"].items():  # type: ignore[attr-defined]
        pd.testing.assert_frame_equal(after["records"][kind], frame)  # type: ignore[index]
    pd.testing.assert_frame_equal(after["crossings"], before["crossings"])  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(after["audit"], before["audit"])  # type: ignore[arg-type]
    for name in ("users", "version", "secret"):
        assert after[name] == before[name], name


def _edit(path: Path, tamper: Tamper) -> None:
    with sqlite3.connect(path) as connection:
        tamper(connection)


def _resign(path: Path, secret: bytes) -> None:
    """Sign ``path`` again with ``secret`` (what only the store itself can do)."""
    dump = GpkgStore(path, create=False)._dump()
    with sqlite3.connect(path) as connection:
        connection.execute(
            "UPDATE kalbar_meta SET value = ? WHERE key = ?", (sign(dump, secret), SIGNATURE_KEY)
        )


ATTACKS: dict[str, Tamper] = {
    "new_admin": lambda c: c.execute(
        "INSERT INTO users (username, role, password_hash, active, created_at, created_by, "
        "failed_logins) VALUES ('mallory', 'admin', 'h-mallory', 1, "
        "'2025-01-01T00:00:00.000Z', 'boss', 0)"
    ),
    "viewer_promoted": lambda c: c.execute("UPDATE users SET role = 'admin' WHERE username='vera'"),
    "confidential_cleared": lambda c: c.execute("UPDATE shelters SET confidential = 0"),
    "audit_cut": lambda c: c.execute(f"DELETE FROM audit_log WHERE fid > {AUDIT_KEPT}"),
    "case_1900": lambda c: c.execute(
        "UPDATE cases SET date_reported = '1900-01-01' WHERE fid = (SELECT MIN(fid) FROM cases)"
    ),
    "signature_changed": lambda c: c.execute(
        "UPDATE kalbar_meta SET value = ? WHERE key = ?", ("0" * 64, SIGNATURE_KEY)
    ),
}


@pytest.mark.parametrize("attack", ATTACKS)
def test_a_tampered_backup_is_refused_and_changes_nothing(
    store: Store, backup: Path, attack: str
) -> None:
    _edit(backup, ATTACKS[attack])
    store.update("cases", "SYN-2020-0001", {"status": "verdict"}, user="bob")  # after the backup
    before = _state(store)
    with pytest.raises(BackupRefusedError, match="signature does not match") as caught:
        store.restore(backup, user="boss")
    assert caught.value.report.problems[0].code == "backup_signature"
    assert "tidak ada yang diubah" in caught.value.message("id")
    _assert_same(before, _state(store))


DAMAGE: dict[str, Tamper] = {
    "blob_in_text": lambda c: c.execute("UPDATE cases SET note = X'00ff10'"),
    "text_in_date": lambda c: c.execute("UPDATE cases SET date_reported = 'kemarin'"),
    "broken_geometry": lambda c: c.execute("UPDATE shelters SET geom = X'47500001e6100000ff'"),
    "missing_column": lambda c: c.execute("ALTER TABLE users DROP COLUMN locked_until"),
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_damaged_backup_is_refused_with_a_message_not_a_traceback(
    store: Store, backup: Path, damage: str
) -> None:
    _edit(backup, DAMAGE[damage])
    before = _state(store)
    with pytest.raises(BackupRefusedError) as caught:
        store.restore(backup, user="boss")
    assert {p.code for p in caught.value.report} & {"backup_unreadable", "backup_columns"}
    _assert_same(before, _state(store))


def test_a_signed_backup_with_impossible_values_is_still_refused(
    store: Store, backup: Path
) -> None:
    _edit(backup, ATTACKS["case_1900"])
    _edit(backup, lambda c: c.execute("UPDATE audit_log SET at = '1900-01-01T00:00:00.000Z'"))
    _edit(backup, lambda c: c.execute("UPDATE shelters SET admin_code = '99.99.99'"))
    _resign(backup, store.secret("backup"))
    before = _state(store)
    with pytest.raises(BackupRefusedError) as caught:
        store.restore(backup, user="boss")
    codes = {p.code for p in caught.value.report}
    assert {"date_too_early", "backup_out_of_range", "code_unknown"} <= codes
    assert "backup_signature" not in codes
    _assert_same(before, _state(store))


def test_an_unsigned_or_foreign_backup_needs_trust_and_cannot_escalate(
    store: Store, sample: Dataset, tmp_path: Path
) -> None:
    other = open_store(f"gpkg://{tmp_path / 'other.gpkg'}")
    other.import_batch("cases", sample.cases.iloc[:10], user="eve")
    other.accounts.add(username="boss", role="admin", password_hash="h-boss", by="setup")
    other.accounts.add(username="vera", role="viewer", password_hash="h-vera", by="boss")
    foreign = other.backup(tmp_path / "foreign.gpkg")
    unsigned = other.backup(tmp_path / "unsigned.gpkg")
    _edit(unsigned, lambda c: c.execute("DELETE FROM kalbar_meta WHERE key LIKE 'backup_%'"))
    before = _state(store)
    for path, code in ((foreign, "backup_foreign"), (unsigned, "backup_unsigned")):
        with pytest.raises(BackupRefusedError) as caught:
            store.restore(path, user="boss")
        assert [p.code for p in caught.value.report] == [code]
    escalations = {
        "backup_new_admin": ATTACKS["new_admin"],
        "backup_role_raised": ATTACKS["viewer_promoted"],
        "backup_admin_password": lambda c: c.execute(
            "UPDATE users SET password_hash = 'h-known' WHERE username = 'boss'"
        ),
    }
    for code, tamper in escalations.items():
        path = other.backup(tmp_path / f"{code}.gpkg")
        _edit(path, tamper)
        with pytest.raises(BackupRefusedError) as caught:
            store.restore(path, user="boss", trust_foreign=True)
        assert [p.code for p in caught.value.report] == [code]
    _assert_same(before, _state(store))
    store.restore(foreign, user="boss", trust_foreign=True)
    assert store.count("cases") == 10
    entry = store.audit_log(action="restore").iloc[-1]
    assert (entry["field"], entry["username"], entry["new_value"]) == (
        "trust_foreign",
        "boss",
        "foreign.gpkg",
    )
    assert store.secret("backup") == before["secret"]


def test_a_good_restore_keeps_the_audit_history_and_the_store_secrets(
    store: Store, backup: Path, sample: Dataset
) -> None:
    secrets = (store.secret("backup"), store.secret("cell_key"))
    with sqlite3.connect(backup) as connection:
        keys = {row[0] for row in connection.execute("SELECT key FROM kalbar_meta")}
    assert not any(key.startswith("secret_") for key in keys)  # no key travels with a backup
    store.retire("cases", "SYN-2020-0003", user="boss", reason="entered twice")
    store.accounts.add(username="late", role="planner", password_hash="h", by="boss")
    before = store.audit_log()
    store.restore(backup, user="boss")
    after = store.audit_log()
    assert len(after) == len(before) + 1 >= len(sample.cases) + 1
    pd.testing.assert_frame_equal(after.iloc[:-1], before)
    assert after.iloc[-1]["action"] == "restore"
    assert "SYN-2020-0003" in set(store.read("cases")["case_id"])  # the records are restored
    assert store.accounts.get("late") is None  # and so are the users
    assert (store.secret("backup"), store.secret("cell_key")) == secrets


def test_a_restore_appends_the_backups_missing_history(
    store: Store, backup: Path, tmp_path: Path
) -> None:
    """A backup of a store that has history this one lacks brings it in, without repeats."""
    copy = open_store(f"gpkg://{tmp_path / 'copy.gpkg'}")
    copy.restore(backup, user="boss", trust_foreign=True)
    copy.update("cases", "SYN-2020-0001", {"status": "verdict"}, user="bob")
    later = copy.backup(tmp_path / "later.gpkg")
    before, theirs = store.audit_log(), copy.audit_log()
    store.restore(later, user="boss", trust_foreign=True)
    log = store.audit_log()
    pd.testing.assert_frame_equal(log.iloc[: len(before)], before)  # nothing cut
    updates = log[log["action"] == "update"]
    assert updates[["username", "record_id", "new_value"]].values.tolist() == [
        ["bob", "SYN-2020-0001", "verdict"]
    ]
    rows = {tuple(row) for row in log.astype(str).values}
    assert {tuple(row) for row in theirs.astype(str).values} <= rows  # everything of theirs
    assert len(rows) == len(log)  # once each
    assert len(theirs) < len(log) < len(before) + len(theirs)  # the shared part not repeated


def _write_around_the_store(store: Store, query: str, params: tuple) -> None:
    with store._transaction(write=True) as cursor:
        cursor.execute(store._sql(query), params)


def test_one_bad_record_cannot_take_the_pages_down(
    store: Store, sample: Dataset, caplog: pytest.LogCaptureFixture
) -> None:
    day = store._to_db("date", [dt.date(1900, 1, 1)])[0]
    _write_around_the_store(
        store, "UPDATE cases SET date_reported = ? WHERE case_id = ?", (day, "SYN-2020-0005")
    )
    _write_around_the_store(
        store, "UPDATE shelters SET admin_code = ? WHERE shelter_id = ?", ("99.99", "SYN-SH-01")
    )
    with caplog.at_level(logging.WARNING, logger="geodata.store._base"):
        dataset = store.dataset()
    assert dataset.rejected_rows == 2
    assert len(dataset.cases) == len(sample.cases) - 1
    assert "SYN-2020-0005" not in set(dataset.cases["case_id"])
    assert len(dataset.shelters) == len(sample.shelters) - 1
    assert dataset.cases["date_reported"].min() >= pd.Timestamp("2000-01-01")
    assert "SYN-2020-0005" in caplog.text and "date_too_early" in caplog.text
