"""Find records of an import that repeat one another or records already stored.

Two kinds: the same ID (an error: an ID names one record), and the same content (a warning:
the same case may have been reported by two agencies). Same content means, for a case, the
same report date, place (the point to about 10 m, else the area code) and four victim
counts; for a crossing or shelter, the same name and point (to about 100 m).
"""

from __future__ import annotations

import logging
from typing import Final

import numpy as np
import pandas as pd

from geodata.records.parsing import normalise_place_name
from geodata.records.report import ParamValue, Problem
from geodata.records.schemas import SCHEMAS, VICTIM_COLUMNS, Entity

log = logging.getLogger(__name__)

COLUMNS: Final = ("row", "kind", "scope", "other")


def _rounded(frame: pd.DataFrame, name: str, digits: int) -> pd.Series:
    if name in frame:
        values = pd.to_numeric(frame[name], errors="coerce")
    elif "geometry" in frame and hasattr(frame, "geometry"):
        geometry = frame.geometry
        points = geometry.notna() & (geometry.geom_type == "Point")
        values = pd.Series(np.nan, index=frame.index)
        coordinate = geometry[points].x if name == "lon" else geometry[points].y
        values[points] = coordinate
    else:
        values = pd.Series(np.nan, index=frame.index)
    text = values.round(digits).map(lambda v: "" if pd.isna(v) else f"{v:.{digits}f}")
    return text.astype("str")


def content_key(frame: pd.DataFrame, *, entity: Entity) -> pd.Series | None:
    """A text key per row, equal for records with the same content; None if the frame lacks
    the columns to tell (then content is not compared)."""
    if frame.empty:
        return pd.Series([], index=frame.index, dtype="str")
    if entity == "case":
        needed = {"date_reported", "admin_code", *VICTIM_COLUMNS}
        if not needed <= set(frame.columns):
            return None
        date = pd.to_datetime(frame["date_reported"], errors="coerce").dt.strftime("%Y-%m-%d")
        point = _rounded(frame, "lon", 4) + "," + _rounded(frame, "lat", 4)
        code = frame["admin_code"].astype("str").fillna("")
        key = date.fillna("") + "|" + point.where(point != ",", code)
        for column in VICTIM_COLUMNS:
            count = pd.to_numeric(frame[column], errors="coerce").fillna(0).astype("int64")
            key = key + "|" + count.astype("str")
        return key
    if "name" not in frame:
        return None
    name = frame["name"].astype("str").fillna("").map(normalise_place_name)
    return name + "|" + _rounded(frame, "lon", 3) + "," + _rounded(frame, "lat", 3)


def find_duplicates(
    frame: pd.DataFrame,
    *,
    entity: Entity,
    file: str,
    existing: pd.DataFrame | None = None,
    skip_stored: bool = False,
) -> tuple[pd.DataFrame, list[Problem]]:
    """Repeated content within ``frame``, and IDs and content already in ``existing``.

    Parameters
    ----------
    frame
        The valid rows of an import (index: row number).
    entity
        ``{"case", "crossing", "shelter"}``.
    file
        Name shown in messages.
    existing
        Records already stored (at least the ID column), or None.
    skip_stored
        An ID already stored is ``id_stored_skipped`` (a warning: the row is left out),
        not ``id_exists`` (an error).

    Returns
    -------
    tuple
        A table (``row``, ``kind`` {"id", "content"}, ``scope`` {"file", "existing"},
        ``other``: the first row or the stored ID) and one problem per duplicate:
        ``id_exists`` (error), ``duplicate_record`` and ``duplicate_existing`` (warnings).
    """
    id_field = SCHEMAS[entity].id_field
    found: list[tuple[int, str, str, str]] = []
    problems: list[Problem] = []
    key = content_key(frame, entity=entity)
    if key is not None and len(key):
        repeated = key.duplicated(keep="first")
        first = dict(zip(key[~repeated].tolist(), key.index[~repeated].tolist(), strict=True))
        for row, value in zip(key.index[repeated].tolist(), key[repeated].tolist(), strict=True):
            params: dict[str, ParamValue] = {"first_row": first[value]}
            problems.append(Problem(file, row, None, "duplicate_record", params, "warning"))
            found.append((row, "content", "file", str(first[value])))
    if existing is not None and len(existing) and len(frame):
        stored_ids = set(existing[id_field].dropna().astype("str"))
        ids = frame[id_field].astype("str")
        for row, value in zip(ids.index.tolist(), ids.tolist(), strict=True):
            if value in stored_ids:
                params = {"value": value}
                if skip_stored:  # left out, with a warning: the stored record stays as it is
                    problem = Problem(file, row, id_field, "id_stored_skipped", params, "warning")
                else:
                    problem = Problem(file, row, id_field, "id_exists", params)
                problems.append(problem)
                found.append((row, "id", "existing", value))
        stored = content_key(existing, entity=entity)
        if key is not None and stored is not None:
            owner: dict[str, str] = {}
            for value, stored_id in zip(
                stored.tolist(), existing[id_field].astype("str").tolist(), strict=True
            ):
                owner.setdefault(value, stored_id)
            known = {row for row, *_ in found}
            for row, value in zip(key.index.tolist(), key.tolist(), strict=True):
                if value in owner and row not in known:
                    params = {"value": owner[value]}
                    problems.append(
                        Problem(file, row, None, "duplicate_existing", params, "warning")
                    )
                    found.append((row, "content", "existing", owner[value]))
        elif stored is None:
            log.info("Existing %s records lack the columns to compare content", entity)
    table = pd.DataFrame(found, columns=list(COLUMNS))
    return table.sort_values(["row", "kind"], kind="stable", ignore_index=True), problems
