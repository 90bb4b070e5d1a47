"""Disclosure control: small counts hidden, confidential shelters moved to their kecamatan.

Used by :mod:`geodata.access` for the aggregate roles; see there for the rules.
"""

from __future__ import annotations

from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geodata import reference
from geodata.i18n import t
from geodata.settings import CODE_LENGTH, DEFAULT_LANGUAGE, STORAGE_CRS

#: Label of a count hidden only so that a ``"<N"`` cannot be worked out from a total.
SECONDARY_LABEL: Final = "*"
_COUNTS: Final = ("cases", "victims")


# --- suppression ----------------------------------------------------------------------------


def suppress_counts(
    frame: pd.DataFrame, *, threshold: int, parent: pd.Series | None = None
) -> pd.DataFrame:
    """Hide small ``cases``/``victims`` counts (and rates) of ``frame``; return a new frame.

    A row is hidden when a count is from 1 to ``threshold - 1`` (label ``"<threshold"``).
    Within each ``parent`` group (one group if None) with exactly one hidden row, the
    smallest other non-zero row is hidden as well (label :data:`SECONDARY_LABEL`). Hidden
    counts become NaN; ``cases_label``, ``victims_label`` and ``suppressed`` are added.
    """
    frame = frame.copy()
    counts = frame[list(_COUNTS)].astype("float64")
    primary = ((counts > 0) & (counts < threshold)).any(axis=1)
    secondary = pd.Series(False, index=frame.index)
    groups = parent if parent is not None else pd.Series("all", index=frame.index)
    for _, members in primary.groupby(groups.to_numpy()):
        if int(members.sum()) != 1:
            continue
        candidates = counts.loc[members.index[~members.to_numpy()], "cases"]
        candidates = candidates[candidates > 0]
        if len(candidates):
            secondary[candidates.idxmin()] = True
    hidden = primary | secondary
    for name in _COUNTS:
        value = counts[name]
        label = value.map(lambda v: "–" if np.isnan(v) else str(int(v)))
        label[primary] = f"<{threshold}"
        label[secondary] = SECONDARY_LABEL
        frame[name] = value.where(~hidden)
        frame[f"{name}_label"] = label.astype("str")
    for name in [c for c in frame.columns if str(c).endswith("_per_100k")]:
        frame[name] = frame[name].astype("float64").where(~hidden)
    frame["suppressed"] = hidden.to_numpy()
    return frame


def unsuppressed_counts(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the labels and ``suppressed`` of :func:`suppress_counts`, none hidden."""
    frame = frame.copy()
    for name in _COUNTS:
        frame[f"{name}_label"] = frame[name].map(lambda v: str(int(v))).astype("str")
    frame["suppressed"] = False
    return frame


def generalise_shelters(
    shelters: gpd.GeoDataFrame, *, lang: str = DEFAULT_LANGUAGE
) -> gpd.GeoDataFrame:
    """Shelters with each confidential one moved to its kecamatan's representative point.

    A confidential shelter gets the kecamatan's point (from the gazetteer) and code, a
    generic name, and ``location_generalised`` True; one whose kecamatan cannot be found is
    left out. Other shelters are kept as they are.
    """
    shelters = shelters.copy()
    shelters["location_generalised"] = False
    confidential = shelters["confidential"].astype(bool)
    if not confidential.any():
        return shelters
    gazetteer = reference.load_gazetteer().set_index("code")
    codes = shelters["admin_code"].astype("string").str.slice(0, CODE_LENGTH["kecamatan"])
    codes = codes.where(shelters["admin_code"].astype("string").str.len() >= 8)
    unknown = confidential & codes.isna() & shelters.geometry.notna()
    if unknown.any():
        kecamatan = reference.load_units("kecamatan")
        tree = shapely.STRtree(kecamatan.geometry.values)
        points, units = tree.query(shelters.geometry[unknown].values, predicate="within")
        found = pd.Series(
            kecamatan["code"].to_numpy()[units], index=shelters.index[unknown][points]
        )
        codes.loc[found.index] = found
    known = codes.isin(gazetteer.index) & codes.notna()
    keep = ~confidential | known
    shelters, codes, confidential = shelters[keep], codes[keep], confidential[keep]
    place = gazetteer.reindex(codes[confidential].astype(str))
    moved = shelters.index[confidential]
    shelters.loc[moved, "lon"] = place["lon"].to_numpy()
    shelters.loc[moved, "lat"] = place["lat"].to_numpy()
    shelters.loc[moved, "admin_code"] = codes[confidential].to_numpy()
    shelters.loc[moved, "name"] = [
        t("access.shelter_generalised", lang, kecamatan=name) for name in place["name"]
    ]
    shelters.loc[moved, "location_generalised"] = True
    geometry = shelters.geometry.copy()
    geometry.loc[moved] = gpd.points_from_xy(place["lon"], place["lat"])
    return shelters.set_geometry(geometry.to_numpy(), crs=STORAGE_CRS)
