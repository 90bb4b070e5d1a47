"""Backup and restore: the whole store as one GeoPackage, from and to either backend.

A backup is a store in the GeoPackage layout (records, retired ones, audit log, users and
meta, without login sessions), so it opens in QGIS and restores into a GeoPackage or a
PostgreSQL store alike. Both directions read in one transaction and write in one.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from geodata.store._base import StoreError
from geodata.store._gpkg import GpkgStore
from geodata.store._schema import BACKUP_TABLES, META, SCHEMA_VERSION, SESSIONS

if TYPE_CHECKING:
    from geodata.store._base import Dump, Store

log = logging.getLogger(__name__)


def backup_store(store: Store, path: Path, *, overwrite: bool = False) -> Path:
    """Write ``store`` to a new GeoPackage at ``path`` (see :meth:`Store.backup`)."""
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists; choose another name or pass overwrite=True")
    if path.exists():
        path.unlink()
    dump = store._dump()
    target = GpkgStore(path)
    with target._transaction(write=True) as cursor:
        target._load(cursor, dump)
        target._touch(cursor, [table.name for table in BACKUP_TABLES])
    log.info("Backed up the %s store to %s", store.backend, path)
    return path


def _data_version(dump: Dump) -> int:
    meta = dump[META.name]
    versions = [v for k, v in zip(meta["key"], meta["value"], strict=True) if k == "data_version"]
    if not versions:
        raise StoreError("the backup has no data_version in kalbar_meta; is it a Kalbar backup?")
    return int(str(versions[0]))


def restore_store(store: Store, path: Path, *, user: str) -> None:
    """Replace everything in ``store`` by the backup at ``path`` (see :meth:`Store.restore`)."""
    if not path.is_file():
        raise FileNotFoundError(f"the backup {path} does not exist")
    source = GpkgStore(path, create=False)
    version = int(source._meta("schema_version"))
    if version != SCHEMA_VERSION:
        raise StoreError(
            f"the backup {path.name} has schema version {version}; this program reads "
            f"version {SCHEMA_VERSION}"
        )
    dump = source._dump()
    restored = _data_version(dump)
    with store._transaction(write=True) as cursor:
        current = int(store._meta("data_version", cursor))
        store._load(cursor, dump)
        cursor.execute(store._sql(f"DELETE FROM {SESSIONS.name}"))
        cursor.execute(
            store._sql(f"UPDATE {META.name} SET value = ? WHERE key = 'data_version'"),
            (str(max(current, restored)),),
        )
        store._audit(cursor, [("restore", "store", None, None, None, path.name)], user=user)
        store._bump_version(cursor, [table.name for table in BACKUP_TABLES])
    log.info("Restored the %s store from %s", store.backend, path)
