"""Stores for tests: a GeoPackage in a temporary folder, or a fresh PostgreSQL schema.

The PostGIS backend needs ``KALBAR_TEST_POSTGRES_URL`` (``bash tools/postgres.sh start DIR``
prints it; ``.ci/run`` exports it). Without it the PostGIS tests skip, except under
``CI=true``, where they fail: CI must test both backends.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest

POSTGRES_ENV = "KALBAR_TEST_POSTGRES_URL"
BACKENDS = ("gpkg", "postgis")


def postgres_base_url() -> str:
    """The test server's URL, or skip (fail under CI) when there is none."""
    url = os.environ.get(POSTGRES_ENV)
    if url:
        return url
    reason = f"{POSTGRES_ENV} is not set: start a server with `bash tools/postgres.sh start DIR`"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI must test the PostGIS backend, but {reason}")
    pytest.skip(reason)


@contextmanager
def postgres_schema() -> Iterator[str]:
    """A URL whose tables go into a new, empty schema (dropped afterwards)."""
    import psycopg

    base = postgres_base_url()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(base, autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in base else "?"
    options = quote(f"-csearch_path={schema},public")
    try:
        yield f"{base}{separator}options={options}"
    finally:
        with psycopg.connect(base, autocommit=True) as connection:
            connection.execute(f"DROP SCHEMA {schema} CASCADE")


@contextmanager
def store_url(backend: str, folder: Path) -> Iterator[str]:
    """A URL of an empty store of ``backend`` ``{"gpkg", "postgis"}``."""
    if backend == "gpkg":
        yield f"gpkg://{folder / 'store.gpkg'}"
    else:
        with postgres_schema() as url:
            yield url
