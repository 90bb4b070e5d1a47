"""Benchmark: validate and import 50,000 case rows into both store backends.

Run from the repository root::

    python tests/benchmarks/bench_store.py [--cases 50000] [--postgres-url URL]

Not a test: it writes synthetic data with ``python -m geodata.synthetic --out DIR --cases N``,
loads (validates) it with :func:`geodata.records.loaders.load_cases`, then imports it into a new
GeoPackage store and, when a PostgreSQL URL is given (``--postgres-url`` or
``KALBAR_TEST_POSTGRES_URL``; start one with ``bash tools/postgres.sh start DIR``), into a
fresh schema of that database. The issue's target: validate + import under 10 s per backend.
Each import is one transaction with one audit entry per row.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from geodata.records.loaders import load_cases, load_crossings  # noqa: E402
from geodata.store import Store, open_store  # noqa: E402

T = TypeVar("T")
TARGET_S = 10.0


def _timed(label: str, action: Callable[[], T], rows: list[tuple[str, float]]) -> T:
    start = time.perf_counter()
    result = action()
    rows.append((label, time.perf_counter() - start))
    return result


def _postgres_schema(url: str) -> tuple[str, Callable[[], None]]:
    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")

    def drop() -> None:
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(f"DROP SCHEMA {schema} CASCADE")

    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options={quote(f'-csearch_path={schema},public')}", drop


def _bench_backend(
    name: str, url: str, frame: object, crossings: object, rows: list[tuple[str, float]]
) -> None:
    store: Store = _timed(f"{name}: open (create tables)", lambda: open_store(url), rows)
    store.import_batch("crossings", crossings, user="bench")  # type: ignore[arg-type]
    result = _timed(
        f"{name}: import cases", lambda: store.import_batch("cases", frame, user="bench"), rows
    )  # type: ignore[arg-type]
    cases = _timed(f"{name}: read cases", lambda: store.read("cases"), rows)
    assert len(cases) == result.count, (len(cases), result.count)
    audit = _timed(f"{name}: read audit log", store.audit_log, rows)
    assert len(audit) >= result.count


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print one table of timings."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=50_000)
    parser.add_argument("--postgres-url", default=os.environ.get("KALBAR_TEST_POSTGRES_URL"))
    args = parser.parse_args(argv)
    rows: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "data"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "geodata.synthetic",
                "--out",
                str(data),
                "--cases",
                str(args.cases),
            ],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        crossings = load_crossings(data / "crossings.csv").frame
        loaded = _timed(
            "load + validate cases (geodata.records.loaders)",
            lambda: load_cases(data / "cases.csv", crossings=crossings),
            rows,
        )
        frame = loaded.frame
        print(
            f"{len(frame):,} valid case rows of {args.cases:,} "
            f"({len(loaded.invalid_rows):,} rejected)"
        )
        _bench_backend("gpkg", f"gpkg://{Path(folder) / 'store.gpkg'}", frame, crossings, rows)
        size = (Path(folder) / "store.gpkg").stat().st_size / 1e6
        if args.postgres_url:
            url, drop = _postgres_schema(args.postgres_url)
            try:
                _bench_backend("postgis", url, frame, crossings, rows)
            finally:
                drop()
        else:
            print("PostGIS skipped: give --postgres-url or set KALBAR_TEST_POSTGRES_URL")
    width = max(len(label) for label, _ in rows)
    for label, seconds in rows:
        print(f"{label:<{width}}  {seconds:7.2f} s")
    load_s = rows[0][1]
    for backend in ("gpkg", "postgis"):
        imports = [s for label, s in rows if label == f"{backend}: import cases"]
        if imports:
            total = load_s + imports[0]
            verdict = "OK" if total < TARGET_S else "OVER TARGET"
            print(
                f"{backend}: validate + import {total:.2f} s (target < {TARGET_S:.0f} s) {verdict}"
            )
    print(f"GeoPackage size: {size:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
