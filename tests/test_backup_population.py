"""The population table in signed backups, on both backends and real gazetteer codes.

A backup signs the office's population figures; a restore verifies them like a load does
and makes them the store's (the store's rows retired, audited); a changed figure is refused;
a backup made before the table was signed still restores and leaves the store's table as is.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from geodata import reference
from geodata.records.datasets import Dataset
from geodata.records.population import read_population
from geodata.store import BackupRefusedError, Store, open_store
from geodata.store._backup import POPULATION_KEY, SIGNATURE_KEY, sign
from geodata.store._gpkg import GpkgStore
from tests._stores import BACKENDS, store_url


def _table(codes: list[str], *, people: int, source: str) -> pd.DataFrame:
    """Figures for real kecamatan ``codes``, read as an office's file is."""
    lines = ["kode,jumlah_penduduk,tahun,sumber"]
    lines += [f"{code},{people + 137 * i},2024,{source}" for i, code in enumerate(codes)]
    checked = read_population(("\n".join(lines) + "\n").encode(), filename="p.csv")
    assert not checked.report.errors, checked.report.to_text("en")
    return checked.frame.reset_index(drop=True)


@pytest.fixture
def codes() -> list[str]:
    return reference.load_units("kecamatan")["code"].astype(str).tolist()[:6]


@pytest.fixture(params=BACKENDS)
def store(
    request: pytest.FixtureRequest, tmp_path: Path, sample: Dataset, codes: list[str]
) -> Iterator[Store]:
    with store_url(request.param, tmp_path) as url:
        store = open_store(url)
        store.import_batch("cases", sample.cases, user="ana")
        store.accounts.add(username="boss", role="admin", password_hash="h-boss", by="setup")
        store.replace_population(_table(codes, people=15000, source="BPS"), user="ana")
        yield store


def _resign(path: Path, secret: bytes) -> None:
    dump = GpkgStore(path, create=False)._dump()
    with sqlite3.connect(path) as connection:
        connection.execute(
            "UPDATE kalbar_meta SET value = ? WHERE key = ?", (sign(dump, secret), SIGNATURE_KEY)
        )


def test_a_restore_brings_the_population_back_audited_and_into_a_new_store(
    store: Store, codes: list[str], tmp_path: Path
) -> None:
    saved = store.read_population()
    backup = store.backup(tmp_path / "backup.gpkg")
    store.replace_population(_table(codes[:2], people=999, source="guess"), user="budi")
    before = store.audit_log(entity="population")
    store.restore(backup, user="boss")
    pd.testing.assert_frame_equal(store.read_population(), saved)
    log = store.audit_log(entity="population").iloc[len(before) :]
    assert set(log["username"]) == {"boss"}
    assert log["batch"].nunique() == 1
    assert sorted(log["action"].value_counts().items()) == [
        ("create", len(saved)),
        ("retire", 2),
    ]
    store.restore(backup, user="boss")  # the same figures: nothing retired, nothing logged
    assert len(store.audit_log(entity="population")) == len(before) + len(log)
    fresh = open_store(f"gpkg://{tmp_path / 'new.gpkg'}")  # an office's new store
    fresh.restore(backup, user="boss", trust_foreign=True)
    pd.testing.assert_frame_equal(fresh.read_population(), saved)


def test_a_changed_population_figure_is_refused_and_changes_nothing(
    store: Store, tmp_path: Path
) -> None:
    backup = store.backup(tmp_path / "backup.gpkg")
    with sqlite3.connect(backup) as connection:
        connection.execute(
            "UPDATE population SET population = population * 10 "
            "WHERE fid = (SELECT MIN(fid) FROM population)"
        )
    store.replace_population(_table(store.read_population()["code"].tolist()[:1],
                                    people=5, source="x"), user="budi")  # fmt: skip
    held = store.read_population()
    with pytest.raises(BackupRefusedError) as caught:
        store.restore(backup, user="boss")
    assert [p.code for p in caught.value.report] == ["backup_signature"]
    assert "signature does not match" in caught.value.message("en")
    pd.testing.assert_frame_equal(store.read_population(), held)
    # Dropping the marker that signs the table is a change too.
    other = store.backup(tmp_path / "other.gpkg")
    with sqlite3.connect(other) as connection:
        connection.execute("DELETE FROM kalbar_meta WHERE key = ?", (POPULATION_KEY,))
    with pytest.raises(BackupRefusedError, match="signature does not match"):
        store.restore(other, user="boss")


def test_impossible_figures_are_refused_by_row_and_field_even_when_signed(
    store: Store, tmp_path: Path
) -> None:
    backup = store.backup(tmp_path / "backup.gpkg")
    with sqlite3.connect(backup) as connection:
        fids = [row[0] for row in connection.execute(
            "SELECT fid FROM population WHERE retired_at IS NULL ORDER BY fid")]  # fmt: skip
        connection.execute("UPDATE population SET year = 1890 WHERE fid = ?", (fids[0],))
        connection.execute("UPDATE population SET code = '61.99.99' WHERE fid = ?", (fids[1],))
    _resign(backup, store.secret("backup"))
    held = store.read_population()
    with pytest.raises(BackupRefusedError) as caught:
        store.restore(backup, user="boss")
    found = {(p.code, p.row, p.field) for p in caught.value.report}
    assert found == {
        ("population_year", fids[0], "population.year"),
        ("population_code_unknown", fids[1], "population.code"),
    }
    text = caught.value.message("en")
    assert "61.99.99" in text and "1890" in text
    pd.testing.assert_frame_equal(store.read_population(), held)


@pytest.mark.parametrize("made", ["unsigned_population", "no_population_table"])
def test_a_backup_from_before_the_change_restores_and_keeps_the_stores_population(
    store: Store, codes: list[str], tmp_path: Path, made: str
) -> None:
    backup = store.backup(tmp_path / "old.gpkg")
    with sqlite3.connect(backup) as connection:
        connection.execute("DELETE FROM kalbar_meta WHERE key = ?", (POPULATION_KEY,))
        if made == "unsigned_population":  # its copy was for reference: changed, not read
            connection.execute("UPDATE population SET population = 1")
        else:
            connection.execute("DROP TABLE population")
            connection.execute("DELETE FROM gpkg_contents WHERE table_name = 'population'")
    _resign(backup, store.secret("backup"))  # signed the old way, population left out
    store.replace_population(_table(codes[2:4], people=777, source="BPS 2025"), user="budi")
    held, audited = store.read_population(), len(store.audit_log(entity="population"))
    store.retire("cases", store.read("cases")["case_id"].iloc[0], user="boss", reason="twice")
    count = store.count("cases")
    store.restore(backup, user="boss")
    assert store.count("cases") == count + 1  # the records came back
    pd.testing.assert_frame_equal(store.read_population(), held)
    assert len(store.audit_log(entity="population")) == audited
