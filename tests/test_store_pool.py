"""The app's store: opened once per process, and on PostgreSQL a pool of connections that
keeps reads read-only, rolls back failures and lets go when closed."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest

from geodata.access import gateway
from geodata.config import DATABASE_URL_ENV
from geodata.records.datasets import Dataset
from geodata.store import StoreError, open_store
from geodata.store._postgis import POOL_SIZE
from tests._stores import BACKENDS, postgres_schema, store_url


def _backends_of_the_server(url: str) -> int:
    """Connections of this database other than the one asking."""
    with psycopg.connect(url.split("?")[0], autocommit=True) as connection:
        row = connection.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()
    assert row is not None
    return int(row[0])


@pytest.fixture
def pg_url() -> Iterator[str]:
    with postgres_schema() as url:
        yield url


def test_a_pooled_store_reuses_a_few_connections(pg_url: str, sample: Dataset) -> None:
    before = _backends_of_the_server(pg_url)
    store = open_store(pg_url, pooled=True)
    try:
        store.import_batch("cases", sample.cases.head(5), user="ana")
        for _ in range(30):
            store.version()
        assert len(store.dataset().cases) == 5
        opened = _backends_of_the_server(pg_url) - before
        assert 1 <= opened <= POOL_SIZE
    finally:
        store.close()
    assert _backends_of_the_server(pg_url) == before


def test_a_pooled_read_stays_read_only_after_a_write(pg_url: str, sample: Dataset) -> None:
    store = open_store(pg_url, pooled=True)
    try:
        store.import_batch("cases", sample.cases.head(3), user="ana")
        with (
            pytest.raises(StoreError, match="read-only"),
            store._transaction(write=False) as cursor,
        ):
            cursor.execute("DELETE FROM cases")
        with store._transaction(write=True) as cursor:  # the next write may write again
            cursor.execute("SELECT count(*) FROM cases")
            assert cursor.fetchone()[0] == 3
        with pytest.raises(StoreError), store._transaction(write=True) as cursor:
            cursor.execute("DELETE FROM cases")
            cursor.execute("SELECT * FROM no_such_table")  # fails: the delete is rolled back
        assert len(store.dataset().cases) == 3
    finally:
        store.close()


def test_a_closed_store_still_answers_one_connection_at_a_time(
    pg_url: str, sample: Dataset
) -> None:
    """A session may hold the store the gateway has just closed (the configuration changed):
    its next read connects once instead of failing on the closed pool."""
    before = _backends_of_the_server(pg_url)
    store = open_store(pg_url, pooled=True)
    store.import_batch("cases", sample.cases.head(4), user="ana")
    store.close()
    assert _backends_of_the_server(pg_url) == before
    assert len(store.dataset().cases) == 4
    assert _backends_of_the_server(pg_url) == before  # nothing left open


def test_a_pooled_store_that_cannot_connect_says_so() -> None:
    with pytest.raises(StoreError, match="cannot connect"):
        open_store("postgresql://nobody@127.0.0.1:1/none", pooled=True)


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_gateway_opens_the_configured_store_once(
    backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with store_url(backend, tmp_path) as url:
        monkeypatch.setenv(DATABASE_URL_ENV, url)
        gateway.clear_caches()
        try:
            first = gateway._store()
            assert gateway._store() is first
            with store_url("gpkg", tmp_path / "other") as other:  # the URL changes: a new store
                monkeypatch.setenv(DATABASE_URL_ENV, other)
                assert gateway._store() is not first
        finally:
            gateway.clear_caches()


@pytest.mark.parametrize("backend", BACKENDS)
def test_sessions_asking_at_once_for_a_new_secret_get_the_same_one(
    backend: str, tmp_path: Path
) -> None:
    """The first page runs of a new store ask for its cell-key secret at the same moment (a
    load test found one of them failing on the unique key)."""
    with store_url(backend, tmp_path) as url:
        store = open_store(url, pooled=True)
        try:
            start = threading.Barrier(6)

            def ask() -> bytes:
                start.wait()
                return store.secret("cell_key")

            with ThreadPoolExecutor(6) as pool:
                found = list(pool.map(lambda _: ask(), range(6)))
            assert len(set(found)) == 1 and len(found[0]) == 32
            assert store.secret("cell_key") == found[0]
        finally:
            store.close()
