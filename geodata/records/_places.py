"""Fill ``admin_code`` (and a case's ``location_precision``) from place-name columns.

Used by :mod:`geodata.records.intake` on the text cells of an import, before validation. Only rows
without a point and without an ``admin_code`` are looked up; each distinct combination of
names is looked up once. Every located row gets a warning that says where it was placed and
how sure the match is; an ambiguous or unknown name is an error that lists the candidates.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import pandas as pd

from geodata.records.parsing import split_place_prefix
from geodata.records.report import ParamValue, Problem
from geodata.records.schemas import PLACE_COLUMNS
from geodata.reference.geocode import GeocodeResult, PlaceIndex

#: Most candidates named in a message.
_SHOWN: Final = 5
_COLUMNS: Final = ("code", "level", "confidence", "status", "query")


def _named(prefix: str, name: str) -> str:
    """``name`` with ``prefix`` unless it already starts with a place word ("Desa Temajuk",
    or "Desa Temajuk Kecamatan Paloh" written whole in the desa column)."""
    if not name:
        return ""
    return name if split_place_prefix(name)[0] is not None else f"{prefix} {name}"


def _query(row: Sequence[str]) -> str:
    desa, kecamatan, kabupaten, lokasi = row
    parts = [_named("Ds.", desa), _named("Kec.", kecamatan), kabupaten]
    shown = ", ".join(part for part in parts if part)
    return shown or lokasi


def locate_rows(
    cells: pd.DataFrame, *, file: str, index: PlaceIndex, precision: bool
) -> tuple[pd.DataFrame, pd.DataFrame, list[Problem]]:
    """Look up the place names of rows that have no point and no ``admin_code``.

    Parameters
    ----------
    cells
        Text cells with schema column names and some of :data:`PLACE_COLUMNS`.
    file
        Name shown in messages.
    index
        The gazetteer index.
    precision
        Also fill an empty ``location_precision`` with the level found (cases).

    Returns
    -------
    tuple
        The cells without the place columns (``admin_code`` filled where located), a table of
        the rows looked up (``code``, ``level``, ``confidence``, ``status``, ``query``) and
        the problems (one per row looked up).
    """
    places = [name for name in PLACE_COLUMNS if name in cells]
    out = cells.drop(columns=places)
    located = pd.DataFrame(columns=list(_COLUMNS), index=pd.Index([], name="row"))
    if not places:
        return out, located, []
    names = pd.DataFrame({name: _column(cells, name) for name in PLACE_COLUMNS})
    blank = pd.Series("", index=cells.index)
    no_point = (_column(cells, "lon") == "") & (_column(cells, "lat") == "")
    wanted = no_point & (_column(cells, "admin_code") == "") & (names != "").any(axis=1)
    if not wanted.any():
        return out, located, []
    keys = list(zip(*(names.loc[wanted, name].tolist() for name in PLACE_COLUMNS), strict=True))
    results: dict[tuple[str, ...], GeocodeResult] = {}
    for key in keys:
        if key not in results:
            results[key] = _lookup(key, index)
    rows = pd.Series([results[key] for key in keys], index=cells.index[wanted], dtype=object)
    problems = [
        _problem(file, row, result, index)
        for row, result in zip(rows.index.tolist(), rows.tolist(), strict=True)
    ]
    codes = rows.map(lambda r: r.code)
    found = codes.notna()
    if "admin_code" not in out:
        out["admin_code"] = blank
    out.loc[codes.index[found], "admin_code"] = codes[found].astype(str)
    if precision:
        if "location_precision" not in out:
            out["location_precision"] = blank
        levels = rows.map(lambda r: r.level)
        empty = out.loc[levels.index, "location_precision"] == ""
        fill = levels.index[found.to_numpy() & empty.to_numpy()]
        out.loc[fill, "location_precision"] = levels[fill].astype(str)
    located = pd.DataFrame(
        {
            "code": codes,
            "level": rows.map(lambda r: r.level),
            "confidence": rows.map(lambda r: r.confidence),
            "status": rows.map(lambda r: r.status),
            "query": rows.map(lambda r: r.query),
        }
    )
    located.index.name = "row"
    return out, located, problems


def _column(cells: pd.DataFrame, name: str) -> pd.Series:
    if name in cells:
        return cells[name].astype("str").str.strip()
    return pd.Series("", index=cells.index, dtype="str")


def _lookup(key: tuple[str, ...], index: PlaceIndex) -> GeocodeResult:
    desa, kecamatan, kabupaten, lokasi = key
    if desa or kecamatan or kabupaten:
        result = index.locate(
            desa=desa or None,
            kecamatan=kecamatan or None,
            kabupaten=kabupaten or None,
            query=_query(key),
        )
        if result.found:
            return result
        # A whole place written in one column ("Desa Temajuk Kecamatan Paloh" under Desa):
        # read the cells together as one free text, as a location column is read.
        whole = index.geocode(_query(key))
        return whole if whole.found else result
    return index.geocode(lokasi)


def _problem(file: str, row: int, result: GeocodeResult, index: PlaceIndex) -> Problem:
    params: dict[str, ParamValue] = {"value": result.query}
    if result.match is not None:
        params |= {
            "code": result.match.code,
            "place": result.match.describe("id").split(" (", 1)[0],
            "level": result.match.level,
            "confidence": round(result.confidence * 100),
        }
        if result.unresolved:
            params["names"] = list(result.unresolved)
            elsewhere = _elsewhere(result.unresolved, index)
            if elsewhere:  # the names disagree ("Kec. Entikong" under "Kab. Sambas")
                params["elsewhere"] = elsewhere
                return Problem(file, row, "admin_code", "place_conflict", params, "warning")
            return Problem(file, row, "admin_code", "place_partial", params, "warning")
        return Problem(file, row, "admin_code", "place_located", params, "warning")
    candidates = [
        f"{c.name} {c.code}" + _parents(c.kecamatan, c.kabupaten) for c in result.candidates
    ]
    if result.status == "ambiguous":
        shown = candidates[:_SHOWN] + (["…"] if len(candidates) > _SHOWN else [])
        params |= {"candidates": shown, "count": len(candidates)}
        return Problem(file, row, "admin_code", "place_ambiguous", params)
    return Problem(file, row, "admin_code", "place_not_found", params)


def _elsewhere(names: tuple[str, ...], index: PlaceIndex) -> list[str]:
    """Where the ``names`` not found under a row's other names lie instead, as candidates
    are listed (``Entikong 61.03.21 (Kabupaten Sanggau)``); empty when they lie nowhere."""
    places = []
    for name in names:
        other = index.geocode(name)
        if other.match is not None:
            unit = other.match
            places.append(f"{unit.name} {unit.code}" + _parents(unit.kecamatan, unit.kabupaten))
    return places


def _parents(kecamatan: str | None, kabupaten: str | None) -> str:
    parents = [f"Kec. {kecamatan}" if kecamatan else "", kabupaten or ""]
    shown = ", ".join(part for part in parents if part)
    return f" ({shown})" if shown else ""
