"""The office backend: PostgreSQL with PostGIS, through psycopg 3 (imported when used).

Tables are created in the first schema of the connection's ``search_path`` (``public``
unless the URL says otherwise, e.g. ``?options=-csearch_path%3Dkalbar,public``). Geometry is
``geometry(Point, 4326)`` with a GiST index; bulk imports use ``COPY``. Each operation runs
in one transaction on its own connection: a new one (commands and tests), or one borrowed from
the store's pool (``pooled=True``: the app, where every page run reads the store several times
and a new connection each time cost more than the page itself under load).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import shapely

from geodata.config import redact_url
from geodata.store._base import Cursor, Store, StoreError
from geodata.store._schema import TABLES, ColumnType, Table, column_sql

if TYPE_CHECKING:
    import psycopg
    from psycopg_pool import ConnectionPool

SRID: Final = 4326
#: Seconds to wait for the server before giving up.
CONNECT_TIMEOUT_S: Final = 10
#: Connections a pooled store keeps open at most (per process), and how long one stays idle.
POOL_SIZE: Final = 4
POOL_IDLE_S: Final = 300.0

_TYPES: Final[dict[ColumnType, str]] = {
    "serial": "BIGSERIAL PRIMARY KEY",
    "text": "TEXT",
    "date": "DATE",
    "float": "DOUBLE PRECISION",
    "int": "BIGINT",
    "bool": "BOOLEAN",
    "timestamp": "TIMESTAMPTZ",
    "geom": f"geometry(Point, {SRID})",
}


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError as error:  # pragma: no cover - psycopg is in requirements.txt
        raise ImportError(
            "the PostgreSQL store needs psycopg 3: pip install 'psycopg[binary]'"
        ) from error
    return psycopg


def _pool(url: str) -> ConnectionPool:
    """A pool of connections to ``url`` that checks each one before lending it."""
    from psycopg_pool import ConnectionPool

    return ConnectionPool(
        url,
        min_size=1,
        max_size=POOL_SIZE,
        max_idle=POOL_IDLE_S,
        kwargs={"connect_timeout": CONNECT_TIMEOUT_S},
        check=ConnectionPool.check_connection,
        name="kalbar-store",
        open=True,
    )


class PostgisStore(Store):
    """The store in a PostgreSQL database with the PostGIS extension.

    Parameters
    ----------
    url
        ``postgresql://user@host:port/dbname`` (a password belongs in ``~/.pgpass`` or
        ``PGPASSWORD``).
    create
        Create the tables if they do not exist (else raise :class:`StoreError`).
    pooled
        Borrow connections from a pool of at most :data:`POOL_SIZE` (call :meth:`close` when
        done), instead of opening one per operation.
    """

    backend = "postgis"
    _for_update = " FOR UPDATE"

    def __init__(self, url: str, *, create: bool = True, pooled: bool = False) -> None:
        super().__init__(url)
        self._driver = _psycopg()
        self._pool: ConnectionPool | None = None
        if pooled:
            self._connect().close()  # an unreachable server says why at once
            self._pool = _pool(url)
        try:
            self._initialise(create=create)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Close the pool's connections (a store opened without a pool holds none); later
        operations, if any, connect once each."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()

    def _connect(self) -> psycopg.Connection:
        try:
            return self._driver.connect(self.url, connect_timeout=CONNECT_TIMEOUT_S)
        except self._driver.OperationalError as error:
            raise StoreError(
                f"cannot connect to {redact_url(self.url)}: {str(error).strip()}"
            ) from None

    @contextmanager
    def _borrowed(self) -> Iterator[psycopg.Connection]:
        """A connection for one operation: from the pool (which rolls back whatever the
        operation left open when it takes the connection back), else a new one closed
        after (also when the pool was closed meanwhile)."""
        pool = self._pool
        connection = self._from_pool(pool) if pool is not None else None
        if pool is None or connection is None:
            connection = self._connect()
            try:
                yield connection
            finally:
                connection.close()
            return
        try:
            yield connection
        finally:
            pool.putconn(connection)

    def _from_pool(self, pool: ConnectionPool) -> psycopg.Connection | None:
        """A connection of ``pool``; None if the pool has been closed."""
        from psycopg_pool import PoolClosed, PoolTimeout

        try:
            return pool.getconn(timeout=CONNECT_TIMEOUT_S)
        except PoolClosed:
            return None
        except PoolTimeout:
            self._connect().close()  # says why the server cannot be reached, if it cannot
            raise StoreError(
                f"no free connection to {redact_url(self.url)} within {CONNECT_TIMEOUT_S} s"
            ) from None

    @contextmanager
    def _transaction(self, *, write: bool) -> Iterator[Cursor]:
        with self._borrowed() as connection:
            try:
                connection.isolation_level = (
                    None if write else self._driver.IsolationLevel.REPEATABLE_READ
                )
                connection.read_only = not write
                with connection.transaction(), connection.cursor() as cursor:
                    yield cursor
            except self._driver.DatabaseError as error:
                raise StoreError(f"the store could not be used: {str(error).strip()}") from error

    def _sql(self, query: str) -> str:
        return query.replace("?", "%s")

    def _table_exists(self, cursor: Cursor, name: str) -> bool:
        cursor.execute(
            "SELECT 1 FROM information_schema.tables "
            "WHERE table_schema = current_schema() AND table_name = %s",
            (name,),
        )
        return cursor.fetchone() is not None

    def _create_tables(self, cursor: Cursor) -> None:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'postgis'")
        if cursor.fetchone() is None:
            try:
                cursor.execute("CREATE EXTENSION IF NOT EXISTS postgis")
            except self._driver.errors.InsufficientPrivilege:
                raise StoreError(
                    "the database has no PostGIS; ask its administrator to run "
                    "CREATE EXTENSION postgis in it"
                ) from None
        for table in TABLES:
            self._create_table(cursor, table)
        cursor.execute("CREATE INDEX audit_log_record_idx ON audit_log (entity, record_id)")

    def _create_table(self, cursor: Cursor, table: Table) -> None:
        columns = ",\n    ".join(
            column_sql(column, _TYPES, bool_as_integer=False) for column in table.columns
        )
        cursor.execute(f"CREATE TABLE {table.name} (\n    {columns}\n)")
        if table.kind == "features":
            cursor.execute(f"CREATE INDEX {table.name}_geom_idx ON {table.name} USING GIST (geom)")

    def _to_db(self, kind: ColumnType, values: Sequence[object]) -> list[object]:
        if kind != "geom":
            return list(values)
        present = np.array([value is not None for value in values], dtype=bool)
        out: list[object] = [None] * len(values)
        if present.any():
            points = shapely.set_srid(np.asarray(values, dtype=object)[present], SRID)
            encoded = shapely.to_wkb(points, hex=True, include_srid=True, output_dimension=2)
            for position, text in zip(np.flatnonzero(present), encoded, strict=True):
                out[position] = text
        return out

    def _from_db(self, kind: ColumnType, values: Sequence[object]) -> list[object]:
        if kind == "geom":
            wkb = np.empty(len(values), dtype=object)
            wkb[:] = [None if v is None else bytes(v) for v in values]  # type: ignore[call-overload]
            return list(shapely.from_wkb(wkb))
        if kind == "timestamp":
            return [None if v is None else v.astimezone(dt.UTC) for v in values]  # type: ignore[attr-defined]
        return list(values)

    def _select(self, name: str, kind: ColumnType) -> str:
        return f"ST_AsBinary({name}) AS {name}" if kind == "geom" else name

    def _insert_many(
        self, cursor: Cursor, table: Table, names: Sequence[str], rows: list[tuple]
    ) -> None:
        statement = f"COPY {table.name} ({', '.join(names)}) FROM STDIN"
        with cursor.copy(statement) as copy:  # type: ignore[attr-defined]
            for row in rows:
                copy.write_row(row)

    def _after_load(self, cursor: Cursor, table: Table) -> None:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'fid'), "
            f"COALESCE(MAX(fid), 1), MAX(fid) IS NOT NULL) FROM {table.name}"
        )
