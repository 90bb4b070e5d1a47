"""Disclosure control for the aggregate roles: perturbed counts, generalised shelters.

Used by :mod:`geodata.access` (see there for the rules). Counts go through the cell-key
perturbation of :mod:`geodata.access._cellkey`; shelters through an allow-list of fields, with
confidential ones moved to their kecamatan.
"""

from __future__ import annotations

from functools import cache
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geodata import reference
from geodata.access._cellkey import perturb, ptable_rows, shelter_ids
from geodata.i18n import t
from geodata.settings import CODE_LENGTH, DEFAULT_LANGUAGE, STORAGE_CRS

#: Columns holding the cell keys of cases and victims while a frame is being published.
CASE_KEY: Final = "_case_key"
VICTIM_KEY: Final = "_victim_key"
#: The only shelter fields an aggregate role gets (``shelter_id`` replaced by a keyed one).
SHELTER_FIELDS: Final = (
    "shelter_id",
    "name",
    "operator",
    "capacity",
    "services",
    "lon",
    "lat",
    "admin_code",
    "confidential",
    "location_generalised",
    "synthetic",
)
#: A confidential shelter's capacity is shown rounded to this step (at least one step).
CAPACITY_STEP: Final = 10
_COUNTS: Final = ("cases", "victims")


# --- counts ---------------------------------------------------------------------------------


@cache
def small_stand_ins(threshold: int) -> frozenset[int]:
    """Published values that may stand for a true count from 1 to ``threshold - 1``."""
    rows = ptable_rows(threshold)
    return frozenset(value for count in range(1, threshold) for value, _ in rows[count])


def publish_counts(frame: pd.DataFrame, *, threshold: int) -> pd.DataFrame:
    """``frame`` with its ``cases``/``victims`` perturbed by their cell keys; a new frame.

    ``frame`` holds the true counts and their cell keys (:data:`CASE_KEY`,
    :data:`VICTIM_KEY`, dropped here). Victims follow the cases' zero: where the cases
    publish as 0 the victims do too, elsewhere they publish as at least ``threshold``
    (a count of victims next to 0 cases, or 0 victims next to cases, would tell that the
    true count is small but not 0). Rates per 100k are computed again from the published
    counts (where ``population`` is known); ``cases_label``, ``victims_label`` (the
    published number) and ``suppressed`` (True where a published value may stand for a
    true count from 1 to ``threshold - 1``) are added.
    """
    frame = frame.copy()
    true_cases, true_victims = (
        pd.to_numeric(frame[name]).fillna(0).astype("int64").to_numpy() for name in _COUNTS
    )
    keys = (frame[key].fillna(0).astype("int64").to_numpy() for key in (CASE_KEY, VICTIM_KEY))
    case_keys, victim_keys = keys
    cases = perturb(true_cases, case_keys, threshold=threshold)
    # A small cell published as ``threshold`` cases stands for itself and the cells published
    # as 0: its victims are scaled by the same factor, so victims keep their expected value.
    small = (true_cases > 0) & (true_cases < threshold)
    scale = np.where(small, cases / np.maximum(true_cases, 1), 1.0)
    victims = perturb(np.rint(true_victims * scale), victim_keys, threshold=threshold)
    victims = np.where(cases == 0, 0, np.maximum(victims, threshold))
    victims = np.where(true_victims == 0, 0, victims)
    stand_ins = list(small_stand_ins(threshold))
    frame["cases"], frame["victims"] = cases, victims
    for name, published in (("cases", cases), ("victims", victims)):
        frame[f"{name}_label"] = [str(value) for value in published]
    if "population" in frame.columns:
        population = frame["population"].where(frame["population"] > 0)
        for name in _COUNTS:
            if f"{name}_per_100k" in frame.columns:
                frame[f"{name}_per_100k"] = frame[name] / population * 1e5
    frame["suppressed"] = np.isin(cases, stand_ins) | np.isin(victims, stand_ins)
    return frame.drop(columns=[CASE_KEY, VICTIM_KEY])


def exact_counts(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the labels and ``suppressed`` of :func:`publish_counts`, as counted."""
    frame = frame.copy()
    for name in _COUNTS:
        frame[f"{name}_label"] = frame[name].map(lambda v: str(int(v))).astype("str")
    frame["suppressed"] = False
    return frame.drop(columns=[CASE_KEY, VICTIM_KEY], errors="ignore")


# --- shelters -------------------------------------------------------------------------------


def shelters_for_aggregates(
    shelters: gpd.GeoDataFrame, *, key: bytes, lang: str = DEFAULT_LANGUAGE
) -> gpd.GeoDataFrame:
    """Shelters as an aggregate role sees them: :data:`SHELTER_FIELDS` only.

    Confidential ones are generalised (:func:`generalise_shelters`) and their capacity
    rounded to :data:`CAPACITY_STEP`; every ``shelter_id`` is replaced by a keyed one that
    does not reveal it (stable for one ``key``); ``source`` and any other field are dropped.
    """
    shelters = generalise_shelters(shelters, lang=lang)
    shelters["shelter_id"] = shelter_ids(key, shelters["shelter_id"])
    secret = shelters["confidential"].astype(bool)
    capacity = pd.to_numeric(shelters["capacity"], errors="coerce").astype("Float64")
    banded = (capacity / CAPACITY_STEP).round().clip(lower=1) * CAPACITY_STEP
    shelters["capacity"] = capacity.where(~secret, banded).round().astype("Int64")
    columns = [name for name in SHELTER_FIELDS if name in shelters.columns]
    return gpd.GeoDataFrame(shelters[columns], geometry=shelters.geometry, crs=shelters.crs)


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
