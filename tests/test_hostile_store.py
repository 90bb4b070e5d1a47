"""Hostile files change nothing in the store: the store checks every batch itself.

The Data page only imports a file whose preview has no error, but the store must not rely
on that: handed the rejected rows of a hostile file directly, it refuses the whole batch and
its records and audit log stay exactly as they were.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from geodata.records.datasets import load_sample
from geodata.records.intake import preview_import
from geodata.store import Store, open_store
from tests.fixtures.make_hostile import HOSTILE_DIR

KIND_OF_ENTITY = {"case": "cases", "crossing": "crossings", "shelter": "shelters"}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    store = open_store(f"gpkg://{tmp_path_factory.mktemp('store') / 'store.gpkg'}")
    sample = load_sample()
    store.import_batch("crossings", sample.crossings, user="test")
    store.import_batch("shelters", sample.shelters, user="test")
    store.import_batch("cases", sample.cases, user="test")
    return store


def _state(store: Store) -> tuple[int, int, int, int]:
    return (
        len(store.read("cases")),
        len(store.read("crossings")),
        len(store.read("shelters")),
        len(store.audit_log()),
    )


def _rejected_files() -> list[Path]:
    return sorted(p for p in HOSTILE_DIR.iterdir() if p.is_file() and not p.name.startswith("."))


@pytest.mark.parametrize("path", _rejected_files(), ids=lambda p: p.name)
def test_a_hostile_batch_forced_into_the_store_changes_nothing(store: Store, path: Path) -> None:
    preview = preview_import(path)
    if preview.ok or preview.entity is None or preview.invalid_rows.empty:
        pytest.skip("valid, unreadable or of no known kind: nothing to force into the store")
    if {p.code for p in preview.report.errors} <= {"id_duplicate"}:
        pytest.skip("rows rejected only as repeats of others in the file: each is fine alone")
    kind = KIND_OF_ENTITY[preview.entity]
    batch = preview.invalid_rows  # the rejected rows as read, geometry included
    before = _state(store)
    with pytest.raises(Exception):  # noqa: B017 - any refusal will do; nothing may land
        store.import_batch(kind, batch, user="test")
    assert _state(store) == before
