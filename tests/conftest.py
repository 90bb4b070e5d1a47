"""Shared fixtures: the committed sample data (loaded once) and hand-built cases.

Fixtures
--------
sample
    The committed synthetic :class:`~geodata.records.datasets.Dataset` (session).
located
    Its cases through :func:`geodata.records.cases.locate_cases`, with ``destination`` (session).
make_cases
    Build a small case frame from dicts of overrides, on the columns and dtypes of a loaded
    case (``lon``/``lat`` give the point; leave them out for a case without one).

Hooks
-----
The session stops the PostgreSQL server that the PostGIS tests started (``tests/_stores.py``),
and the terminal summary says plainly which tests did not run and why: the PostGIS store tests
(no server could be started) and the tests marked ``raw`` (``../shared/data/raw`` is absent).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest

from geodata import reference
from geodata.records.cases import destination_label, locate_cases
from geodata.records.datasets import Dataset, load_sample
from geodata.records.schemas import VICTIM_COLUMNS
from geodata.settings import DEFAULT_RAW_DIR
from tests._stores import SKIP_PREFIX, stop_server

MakeCases = Callable[..., gpd.GeoDataFrame]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    stop_server()


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple):
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """Say which whole groups of tests did not run, and why (after pytest's own summary)."""
    skipped: list[pytest.TestReport] = terminalreporter.stats.get("skipped", [])
    postgis = [r for r in skipped if _skip_reason(r).startswith(SKIP_PREFIX)]
    raw = [r for r in skipped if "raw" in r.keywords]
    if postgis:
        terminalreporter.write_sep("=", "PostGIS backend NOT tested", yellow=True, bold=True)
        terminalreporter.write_line(
            f"{len(postgis)} PostGIS store tests were skipped. {_skip_reason(postgis[0])}"
        )
    if raw:
        terminalreporter.write_sep("=", "geodata build NOT tested", yellow=True, bold=True)
        terminalreporter.write_line(
            f"{len(raw)} tests marked raw were skipped: the raw sources {DEFAULT_RAW_DIR} "
            "(../shared next to the repository) are absent, so the build of the committed "
            "geodata was not checked."
        )


@pytest.fixture(scope="session")
def sample() -> Dataset:
    return load_sample()


@pytest.fixture(scope="session")
def located(sample: Dataset) -> gpd.GeoDataFrame:
    cases = locate_cases(sample.cases, reference.load_units("desa"))
    cases["destination"] = destination_label(cases)
    return cases


@pytest.fixture(scope="session")
def make_cases(sample: Dataset) -> MakeCases:
    template = sample.cases.iloc[[0]].reset_index(drop=True)
    no_victims = dict.fromkeys(VICTIM_COLUMNS, 0)

    def make(*overrides: dict[str, Any]) -> gpd.GeoDataFrame:
        rows = []
        for number, override in enumerate(overrides, start=1):
            row = template.drop(columns="geometry").iloc[0].to_dict()
            row.update(no_victims)
            row.update({"case_id": f"T-{number:03d}", "lon": None, "lat": None})
            row.update(override)
            rows.append(row)
        dtypes = template.drop(columns="geometry").dtypes.to_dict()
        frame = pd.DataFrame(rows).astype(dtypes)
        frame["victims_total"] = frame[list(no_victims)].sum(axis=1)
        has_point = frame["lon"].notna().to_numpy()
        points = gpd.points_from_xy(frame["lon"], frame["lat"])
        geometry = [point if keep else None for keep, point in zip(has_point, points, strict=True)]
        return gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326")

    return make
