"""The store: cases, crossings and shelters with their full history, in one of two backends.

- **GeoPackage** (embedded default, ``gpkg:///path/to/store.gpkg``): one file that opens in
  QGIS, written with the standard library's sqlite3.
- **PostgreSQL + PostGIS** (``postgresql://user@host/dbname``): for an office with many users.

Both have the same interface (:class:`Store`) and pass the same tests. Every write is one
transaction and lands in the audit log; nothing is ever hard-deleted (records are retired).
Which backend is used is configuration (:mod:`geodata.config`): ``KALBAR_DATABASE_URL`` or
``[store] url`` in ``.kalbar/config.toml``.

>>> from geodata.store import open_store
>>> store = open_store("gpkg:///tmp/kalbar-doctest.gpkg")  # doctest: +SKIP
>>> store.import_batch("cases", load_cases("cases.csv").frame, user="ana")  # doctest: +SKIP

Reads here are unrestricted: pages and exports read through :mod:`geodata.access`, which
applies each role's rules.
"""

from __future__ import annotations

from pathlib import Path

from geodata.config import load_config, redact_url
from geodata.errors import (
    BackupRefusedError,
    ConfigError,
    DuplicateRecordError,
    RecordNotFoundError,
    StoreError,
)
from geodata.store._base import ImportResult, PopulationResult, Store
from geodata.store._gpkg import GpkgStore
from geodata.store._schema import KINDS, SCHEMA_VERSION, Kind

__all__ = [
    "KINDS",
    "SCHEMA_VERSION",
    "BackupRefusedError",
    "DuplicateRecordError",
    "GpkgStore",
    "ImportResult",
    "Kind",
    "PopulationResult",
    "RecordNotFoundError",
    "Store",
    "StoreError",
    "open_store",
    "store_path",
]


def store_path(url: str) -> Path | None:
    """The file of a ``gpkg://`` URL, or None for another backend."""
    if not url.startswith("gpkg://"):
        return None
    return Path(url.removeprefix("gpkg://"))


def open_store(url: str | None = None, *, create: bool = True, pooled: bool = False) -> Store:
    """Open the store at ``url`` (default: the configured one, see :mod:`geodata.config`).

    Parameters
    ----------
    url
        ``gpkg:///absolute/path.gpkg`` or ``postgresql://user@host:port/dbname``.
    create
        Create the tables (and the GeoPackage file) if they do not exist yet; if False, a
        missing store raises :class:`StoreError` and nothing is written.
    pooled
        Keep connections open between operations (PostgreSQL; call :meth:`Store.close`):
        for a long-running process that reads the store on every page run.
    """
    url = url or load_config().database_url
    path = store_path(url)
    if path is not None:
        return GpkgStore(path, create=create)
    if url.startswith(("postgresql://", "postgres://")):
        from geodata.store._postgis import PostgisStore

        return PostgisStore(url, create=create, pooled=pooled)
    raise ConfigError(
        f"`url` should start with gpkg:// or postgresql://, got {redact_url(url)!r}; "
        "for example gpkg:///srv/kalbar/store.gpkg"
    )
