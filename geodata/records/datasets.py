"""The operational data the app shows: cases, crossings and shelters, validated together.

:func:`load_sample` reads the committed synthetic demo data (``geodata/sample``); the same
:class:`Dataset` shape will hold a user's own store. Crossings load first, so cases can be
checked against the crossing ids they name.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geodata.records.loaders import LoadResult, load_cases, load_crossings, load_shelters
from geodata.records.report import Report
from geodata.settings import DATA_DIR_ENV, SAMPLE_DIR

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Dataset:
    """Validated cases, crossings and shelters (EPSG:4326) and the reports of their files.

    ``rejected_rows`` counts the rows left out because they fail validation: invalid rows of
    the files, or, for :meth:`geodata.store.Store.dataset`, stored rows that an import would
    refuse (pages never see them).
    """

    cases: gpd.GeoDataFrame
    crossings: gpd.GeoDataFrame
    shelters: gpd.GeoDataFrame
    reports: dict[str, Report]
    rejected_rows: int
    synthetic: bool
    version: str
    #: Key of the disclosure control's record keys (the store's own; empty for files).
    secret: bytes = b""
    #: People per kecamatan or desa loaded by the office (:mod:`geodata.records.population`);
    #: None or empty: estimates from the kabupaten totals.
    population: pd.DataFrame | None = None

    @property
    def ok(self) -> bool:
        """True when no file had an error."""
        return all(report.ok for report in self.reports.values())


def load_dataset(folder: Path) -> Dataset:
    """Load ``cases.csv``, ``crossings.csv`` and ``shelters.csv`` from ``folder``.

    The dataset counts as synthetic (and is labelled so) if any loaded record is synthetic.
    """
    crossings = load_crossings(folder / "crossings.csv")
    cases = load_cases(folder / "cases.csv", crossings=crossings.frame)
    shelters = load_shelters(folder / "shelters.csv")
    results: dict[str, LoadResult] = {"cases": cases, "crossings": crossings, "shelters": shelters}
    stamps = "-".join(
        str(int((folder / f"{name}.csv").stat().st_mtime_ns)) for name in sorted(results)
    )
    log.info(
        "Loaded %d cases, %d crossings, %d shelters from %s",
        len(cases.frame),
        len(crossings.frame),
        len(shelters.frame),
        folder,
    )
    return Dataset(
        cases=cases.frame,
        crossings=crossings.frame,
        shelters=shelters.frame,
        reports={name: result.report for name, result in results.items()},
        rejected_rows=sum(len(result.invalid_rows) for result in results.values()),
        synthetic=any(
            bool(frame["synthetic"].any())
            for frame in (cases.frame, crossings.frame, shelters.frame)
            if "synthetic" in frame.columns
        ),
        version=f"{folder.name}-{stamps}",
    )


def load_sample() -> Dataset:
    """The synthetic demo data committed with the project (labelled as such everywhere)."""
    return load_dataset(SAMPLE_DIR)


def load_configured() -> Dataset:
    """The folder named by the ``KALBAR_DATA_DIR`` environment variable, else the sample.

    Used by benchmarks (e.g. a folder of 100,000 synthetic cases) and by deployments that
    keep their files elsewhere.
    """
    folder = os.environ.get(DATA_DIR_ENV)
    return load_dataset(Path(folder)) if folder else load_sample()
