"""Argument checks shared by the analysis layers (indicators, risk, hot spots, density).

Each check raises at the first bad argument, with a message that names the parameter, says
what was expected and what came, and how to fix it. A wrong type is a ``TypeError``, a wrong
value a :class:`~geodata.errors.GeodataError` (a ``ValueError``).
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Sequence

import geopandas as gpd
import pandas as pd

from geodata.errors import GeodataError
from geodata.settings import LEVELS, STORAGE_CRS


def require_frame(frame: object, name: str, columns: Sequence[str], *, geo: bool = True) -> None:
    """Check that ``frame`` is a (Geo)DataFrame with ``columns``, in EPSG:4326 if ``geo``."""
    kind = gpd.GeoDataFrame if geo else pd.DataFrame
    if not isinstance(frame, kind):
        raise TypeError(f"`{name}` should be a {kind.__name__}, got {type(frame).__name__}")
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise GeodataError(
            f"`{name}` should have the columns {list(columns)}, it lacks {missing}; "
            "load it with geodata.records.loaders or geodata.reference"
        )
    if geo:
        require_storage_crs(frame, name)


def require_storage_crs(frame: gpd.GeoDataFrame, name: str) -> None:
    """Check that ``frame`` is in the storage CRS (EPSG:4326) and say how to fix it if not."""
    if frame.crs is None:
        raise GeodataError(
            f"`{name}` has no CRS; set it with `.set_crs({STORAGE_CRS!r})` if it holds lon/lat"
        )
    if frame.crs != STORAGE_CRS:
        raise GeodataError(
            f"`{name}` should be in {STORAGE_CRS}, got {frame.crs.to_string()}; "
            f"use `.to_crs({STORAGE_CRS!r})`"
        )


def check_choice(value: object, name: str, allowed: Collection[str]) -> None:
    """Check that ``value`` is one of ``allowed``, suggesting the closest if it is not."""
    if value in allowed:
        return
    close = difflib.get_close_matches(str(value), [str(a) for a in allowed], n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise GeodataError(f"`{name}` should be one of {sorted(allowed)}, got {value!r}{hint}")


def check_level(level: object) -> None:
    """Check that ``level`` is one of ``{"kabupaten", "kecamatan", "desa"}``."""
    check_choice(level, "level", LEVELS)


def check_positive(value: object, name: str, *, allow_zero: bool = False) -> float:
    """Check that ``value`` is a real number above zero (or at least zero); return it."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"`{name}` should be a number, got {type(value).__name__}")
    if value != value or (value < 0 if allow_zero else value <= 0):
        bound = "zero or more" if allow_zero else "above zero"
        raise GeodataError(f"`{name}` should be {bound}, got {value!r}")
    return float(value)
