"""Shared fixtures: the committed sample data (loaded once) and hand-built cases.

Fixtures
--------
sample
    The committed synthetic :class:`~geodata.datasets.Dataset` (session).
located
    Its cases through :func:`layers.cases.locate_cases`, with ``destination`` (session).
make_cases
    Build a small case frame from dicts of overrides, on the columns and dtypes of a loaded
    case (``lon``/``lat`` give the point; leave them out for a case without one).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest

from geodata import reference
from geodata.datasets import Dataset, load_sample
from geodata.schemas import VICTIM_COLUMNS
from layers.cases import destination_label, locate_cases

MakeCases = Callable[..., gpd.GeoDataFrame]


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
