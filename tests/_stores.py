"""Stores for tests: a GeoPackage in a temporary folder, or a fresh PostgreSQL schema.

The PostGIS backend uses ``KALBAR_TEST_POSTGRES_URL`` when it is set. Otherwise the first
PostGIS test starts a throw-away PostgreSQL + PostGIS server for the whole test session
(``bash tools/postgres.sh start DIR``, on a free port on 127.0.0.1), and the session stops it
(:func:`stop_server`, called from ``tests/conftest.py``). When no server can be started (no
PostgreSQL binaries, no ``postgres`` user when run as root, ...) the PostGIS tests skip with
the reason, the terminal summary says so plainly, and under ``CI=true`` they fail: CI must
test both backends.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final
from urllib.parse import quote

import pytest

POSTGRES_ENV: Final = "KALBAR_TEST_POSTGRES_URL"
BACKENDS: Final = ("gpkg", "postgis")
#: Every PostGIS skip reason starts with this, so the summary can count them.
SKIP_PREFIX: Final = "PostGIS store tests need a server:"
ROOT: Final = Path(__file__).resolve().parent.parent
SCRIPT: Final = ROOT / "tools" / "postgres.sh"
#: Seconds initdb and the first start may take on a slow machine.
START_TIMEOUT_S: Final = 180


@dataclass
class _Server:
    """The session's own server: its folder and URL, or why it could not start."""

    folder: Path | None = None
    url: str | None = None
    error: str | None = None
    tried: bool = False


_SERVER = _Server()


def _start_server() -> None:
    _SERVER.tried = True
    folder = Path(tempfile.mkdtemp(prefix="kalbar-test-pg-", dir="/tmp"))
    try:
        done = subprocess.run(
            ["bash", str(SCRIPT), "start", str(folder)],
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        done = None
        _SERVER.error = f"tools/postgres.sh start failed: {error}"
    if done is not None and done.returncode == 0:
        line = done.stdout.strip().removeprefix("export ")
        _SERVER.folder, _SERVER.url = folder, shlex.split(line)[0].split("=", 1)[1]
        return
    if done is not None:
        _SERVER.error = _start_error(done.stderr, done.returncode)
    subprocess.run(["bash", str(SCRIPT), "stop", str(folder)], capture_output=True, check=False)


def _start_error(stderr: str, returncode: int) -> str:
    """The script's own error line, with the server's FATAL reason when it gave one."""
    lines = stderr.splitlines()
    errors = [line.strip() for line in lines if line.startswith("[postgres] ERROR")]
    fatal = [line.split("FATAL:", 1)[1].strip() for line in lines if "FATAL:" in line]
    others = [line.strip() for line in lines if line.strip()]
    error = (errors or others or [f"tools/postgres.sh exited with status {returncode}"])[-1]
    return f"{error} ({fatal[0]})" if fatal else error


def stop_server() -> None:
    """Stop the session's own server (if one was started) and remove its folder."""
    if _SERVER.folder is not None:
        subprocess.run(
            ["bash", str(SCRIPT), "stop", str(_SERVER.folder)], capture_output=True, check=False
        )
        _SERVER.folder = _SERVER.url = None


def postgres_problem() -> str | None:
    """Why the PostGIS tests could not run in this session, or None (they ran or were not
    asked for)."""
    return _SERVER.error


def postgres_base_url() -> str:
    """The test server's URL: ``KALBAR_TEST_POSTGRES_URL``, else the session's own server
    (started on first use); skip (fail under CI) when there is none."""
    url = os.environ.get(POSTGRES_ENV)
    if url:
        return url
    if not _SERVER.tried:
        _start_server()
    if _SERVER.url:
        return _SERVER.url
    reason = (
        f"{SKIP_PREFIX} {_SERVER.error}. Fix that (PostgreSQL and PostGIS come with "
        f"bash tools/setup.sh --dev), or set {POSTGRES_ENV} to a server with PostGIS"
    )
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
