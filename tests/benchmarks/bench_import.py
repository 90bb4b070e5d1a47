"""Benchmark the import: validate 50,000 case rows (CSV and XLSX), geocode 10,000 place names.

Run ``python tests/benchmarks/bench_import.py [--rows 50000] [--names 10000]``. The files are
made in a temporary folder from the real gazetteer (every case at a desa's centre, with its
code), so every row is valid and the whole import path runs: reading, mapping, parsing,
point-in-unit checks, duplicates. Prints one table; asserts nothing (targets from issue 5:
50,000 rows under 10 s, 10,000 names under 5 s).
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import random
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from geodata import reference
from geodata.records.intake import preview_import
from geodata.records.loaders import load_cases
from geodata.reference.geocode import PlaceIndex

SEED = 5


def _desa() -> pd.DataFrame:
    gazetteer = reference.load_gazetteer()
    desa = gazetteer[(gazetteer["level"] == "desa") & gazetteer["has_geometry"].astype(bool)]
    return desa.dropna(subset=["lat", "lon"]).reset_index(drop=True)


def make_cases(rows: int) -> pd.DataFrame:
    """``rows`` valid cases at desa centres, Indonesian dates and decimal commas mixed in."""
    rng = np.random.default_rng(SEED)
    desa = _desa()
    pick = desa.iloc[rng.integers(0, len(desa), rows)].reset_index(drop=True)
    days = pd.to_datetime("2020-01-01") + pd.to_timedelta(rng.integers(0, 1900, rows), unit="D")
    return pd.DataFrame(
        {
            "case_id": [f"B-{i:06d}" for i in range(rows)],
            "date_reported": days.strftime("%Y-%m-%d"),
            "lon": pick["lon"].round(6).astype("str"),
            "lat": pick["lat"].round(6).astype("str"),
            "admin_code": pick["code"],
            "location_precision": "exact",
            "victims_female_adult": rng.integers(0, 3, rows),
            "victims_female_child": rng.integers(0, 2, rows),
            "victims_male_adult": rng.integers(1, 3, rows),
            "victims_male_child": 0,
            "exploitation": rng.choice(["labour", "sexual", "forced_marriage", "other"], rows),
            "destination_country": "MY",
            "destination_state": "Sarawak",
            "crossing_type": rng.choice(["official", "unofficial", "unknown"], rows),
            "status": rng.choice(["reported", "investigation", "prosecution", "verdict"], rows),
            "source": "benchmark",
            "note": "bertemu calo, menyeberang malam hari",
            "synthetic": "true",
        }
    )


def make_names(count: int) -> list[str]:
    """Place names as people write them: full, misspelt, lone names, codes, unknown."""
    rng = random.Random(SEED)
    desa = _desa()
    names = reference.load_gazetteer().set_index("code")["name"]
    queries = []
    for _ in range(count):
        unit = desa.iloc[rng.randrange(len(desa))]
        code = str(unit["code"])
        name, kecamatan = str(unit["name"]), str(names[code[:8]])
        kabupaten = str(names[code[:5]]).removeprefix("Kabupaten ")
        roll = rng.random()
        if roll < 0.4:
            queries.append(f"Ds. {name}, Kec. {kecamatan}, Kab. {kabupaten}")
        elif roll < 0.7:  # one letter dropped
            cut = rng.randrange(len(name))
            queries.append(f"Desa {name[:cut] + name[cut + 1 :]}, Kecamatan {kecamatan}")
        elif roll < 0.85:
            queries.append(name)
        elif roll < 0.95:
            queries.append(str(unit["code"]))
        else:
            queries.append(f"Kampung {rng.randrange(10**6)}")
    return queries


def timed(action: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--names", type=int, default=10_000)
    args = parser.parse_args(argv)
    lines: list[tuple[str, str, float, str]] = []
    cases = make_cases(args.rows)
    with tempfile.TemporaryDirectory() as folder:
        csv_path = Path(folder) / "cases.csv"
        cases.to_csv(csv_path, index=False)
        buffer = io.BytesIO()
        cases.to_excel(buffer, index=False, engine="xlsxwriter")
        xlsx_path = Path(folder) / "cases.xlsx"
        xlsx_path.write_bytes(buffer.getvalue())
        reference.load_province(), reference.load_units("desa")  # warm the reference cache
        seconds, loaded = timed(lambda: load_cases(csv_path))
        lines.append(("loaders.load_cases, CSV", f"{args.rows:,} rows", seconds, _ok(loaded)))
        for label, path in (("CSV", csv_path), ("XLSX", xlsx_path)):
            seconds, preview = timed(partial(preview_import, path, remembered=False))
            size = f"{path.stat().st_size / 1e6:.1f} MB"
            lines.append(
                (f"preview_import, {label} ({size})", f"{args.rows:,} rows", seconds, _ok(preview))
            )
        names = make_names(args.names)
        seconds, index = timed(lambda: PlaceIndex(reference.load_gazetteer()))
        lines.append(("PlaceIndex (gazetteer)", f"{len(index):,} units", seconds, ""))  # type: ignore[arg-type]
        seconds, results = timed(lambda: [index.geocode(q) for q in names])  # type: ignore[attr-defined]
        found = sum(r.found for r in results)  # type: ignore[attr-defined]
        lines.append(
            ("geocode, free text (cold)", f"{len(names):,} names", seconds, f"{found:,} located")
        )
        seconds, _ = timed(lambda: [index.geocode(q) for q in names])  # type: ignore[attr-defined]
        lines.append(("geocode, same names again", f"{len(names):,} names", seconds, "cached"))
        places = pd.DataFrame(
            {
                "case_id": [f"P-{i}" for i in range(len(names))],
                "date_reported": cases["date_reported"].iloc[: len(names)].to_numpy(),
                "lokasi": names,
                "victims_female_adult": 1,
                "status": "reported",
            }
        )
        places_path = Path(folder) / "places.csv"
        places.to_csv(places_path, index=False)
        seconds, preview = timed(
            lambda: preview_import(places_path, remembered=False, places=PlaceIndex.default())
        )
        lines.append(
            ("preview_import, by place name", f"{len(names):,} rows", seconds, _ok(preview))
        )
    print(f"Python {platform.python_version()}, {os.cpu_count()} CPU, {platform.machine()}")
    print(f"{'step':45} {'size':>15} {'seconds':>8}  result")
    for step, size, seconds, result in lines:
        print(f"{step:45} {size:>15} {seconds:8.2f}  {result}")
    return 0


def _ok(result: object) -> str:
    report = result.report  # type: ignore[attr-defined]
    frame = result.frame  # type: ignore[attr-defined]
    return f"{len(frame):,} valid, {len(report.errors):,} errors, {len(report.warnings):,} warnings"


if __name__ == "__main__":
    sys.exit(main())
