"""Population per kecamatan or desa that an office loads, and the people behind every rate.

Kemendagri publishes people per kabupaten only (in the reference data). An office may load
its own figures per kecamatan *or* per desa, e.g. from BPS *Kecamatan Dalam Angka*: a CSV or
XLSX file keyed by Kemendagri code (:func:`read_population`), stored as its own table
(:meth:`geodata.store.Store.replace_population`). :func:`unit_population` then gives every
unit its people and says where each figure comes from:

- ``loaded``: the office's figure for the unit (a kecamatan with no figure of its own but
  figures for all its desa gets their sum);
- ``estimated``: what remains of the kabupaten (its Kemendagri total minus the loaded units,
  never below zero) shared out among the units without a figure, by ``basis``;
- ``kabupaten``: the Kemendagri 2025 total of a kabupaten.

Population is not sensitive: every role may read it; only roles that may import load it.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import logging
import os
import re
from dataclasses import dataclass
from functools import cache
from typing import Final, Literal, cast

import numpy as np
import pandas as pd

from geodata import reference
from geodata.codes import code_level
from geodata.errors import not_one_of
from geodata.i18n import format_number, t
from geodata.records._read import Table, header_key
from geodata.records.parsing import parse_decimal
from geodata.records.report import ParamValue, Problem, Report
from geodata.settings import CODE_LENGTH, DEFAULT_LANGUAGE, Level

__all__ = [
    "POPULATION_BASES",
    "POPULATION_COLUMNS",
    "SOURCES",
    "PopulationFile",
    "check_table",
    "empty_table",
    "population_note",
    "population_template",
    "rate_levels",
    "rates_note",
    "read_population",
    "replaced",
    "unit_population",
]

log = logging.getLogger(__name__)

PopulationBasis = Literal["desa_count", "area"]
#: How people are shared out among units without a loaded figure.
POPULATION_BASES: Final = ("desa_count", "area")
#: Where a unit's figure comes from (``population_source``).
SOURCES: Final = ("loaded", "estimated", "kabupaten")
#: Columns of a checked population table (as stored).
POPULATION_COLUMNS: Final = ("code", "level", "population", "year", "source")
#: Header (as :func:`geodata.records._read.header_key` reads it) -> column; Indonesian first.
HEADERS: Final = {
    "kode": "code",
    "kode_wilayah": "code",
    "kode_kemendagri": "code",
    "code": "code",
    "admin_code": "code",
    "jumlah_penduduk": "population",
    "penduduk": "population",
    "population": "population",
    "tahun": "year",
    "year": "year",
    "sumber": "source",
    "source": "source",
    "nama": "name",
    "name": "name",
}
#: Headers of the template, per language.
TEMPLATE_HEADERS: Final = {
    "id": ("kode", "nama", "jumlah_penduduk", "tahun", "sumber"),
    "en": ("code", "name", "population", "year", "source"),
}
#: A kabupaten whose loaded sum differs from its Kemendagri total by more than this share
#: (or, with every unit of it loaded, falls short by more) gets a warning.
SUM_TOLERANCE: Final = 0.25
#: Years accepted in ``tahun``.
YEARS: Final = (1961, 2100)
_DOTTED: Final = re.compile(r"^\d{1,3}(?:\.\d{3})+$")
_COMMAS: Final = re.compile(r"^\d{1,3}(?:,\d{3})+$")
_SPACED: Final = re.compile(r"^\d{1,3}(?:[ \u00a0\u202f]\d{3})+$")
#: The levels a population file may hold.
FILE_LEVELS: Final = ("kecamatan", "desa")


@dataclass(frozen=True)
class PopulationFile:
    """A population file read and checked, not stored.

    Attributes
    ----------
    file
        The file's name as shown.
    frame
        The valid rows: :data:`POPULATION_COLUMNS` (index: row number of the report).
    report
        Every problem, by file, row and field.
    level
        ``"kecamatan"`` or ``"desa"`` (the level of most rows), or None when none was read.
    rows_read
        Data rows in the file.
    """

    file: str
    frame: pd.DataFrame
    report: Report
    level: Level | None = None
    rows_read: int = 0

    @property
    def ok(self) -> bool:
        """True when the table may be stored: no error, no row left out, some rows."""
        return self.report.ok and len(self.frame) == self.rows_read and len(self.frame) > 0


def empty_table() -> pd.DataFrame:
    """A population table with no row."""
    return pd.DataFrame(
        {
            "code": pd.Series(dtype=str),
            "level": pd.Series(dtype=str),
            "population": pd.Series(dtype="int64"),
            "year": pd.Series(dtype="Int64"),
            "source": pd.Series(dtype=str),
        }
    )


def read_population(
    source: str | os.PathLike[str] | bytes,
    *,
    filename: str | None = None,
    max_bytes: int | None = None,
) -> PopulationFile:
    """Read and check a population file (CSV or XLSX) without storing it; never raises for a
    bad file: every problem is in the report.

    Columns (Indonesian or English headers): ``kode``/``code`` (Kemendagri code of a kecamatan
    ``61.03.21`` or desa ``61.03.21.2003``, dots optional), ``jumlah_penduduk``/``population``
    (a positive whole number, ``12.345`` read as twelve thousand), optional ``tahun``/``year``
    and ``sumber``/``source``; ``nama``/``name`` is ignored.
    """
    from geodata.records._upload import read_upload, receive  # a worker process: only when reading

    data, file, problem = receive(source, filename=filename, max_bytes=max_bytes)
    if data is None:
        return PopulationFile(file, empty_table(), Report([problem] if problem else []))
    try:
        return _check(read_upload(data, file))
    except MemoryError:
        raise
    except Exception:  # a bug, or a library failing on a strange file: never half a result
        log.exception("Reading the population file %s failed unexpectedly", file)
    return PopulationFile(file, empty_table(), Report([Problem(file, None, None, "import_failed")]))


def _check(table: Table) -> PopulationFile:
    file = table.file
    problems = list(table.problems) + list(table.broken)
    if table.failed:
        return PopulationFile(file, empty_table(), Report(problems))
    cells = table.cells.rename(columns=lambda name: HEADERS.get(header_key(str(name)), name))
    missing = [name for name in ("code", "population") if name not in cells.columns]
    if missing:
        found = [str(name) for name in table.cells.columns][:20]
        problems.append(
            Problem(file, None, None, "population_columns", {"missing": missing, "found": found})
        )
        return PopulationFile(file, empty_table(), Report(problems), rows_read=len(cells))
    cells = cells.loc[:, ~cells.columns.duplicated()]
    rows = [int(row) for row in cells.index]
    code = _codes(cells["code"].astype(str).str.strip())
    level = code_level(code).where(lambda levels: levels.isin(FILE_LEVELS))
    bad: set[int] = {problem.row for problem in table.broken if problem.row is not None}

    def flag(mask: pd.Series, field: str, problem: str, **params: object) -> None:
        for row in mask[mask].index:
            values = {name: _plain(value[row] if isinstance(value, pd.Series) else value)
                      for name, value in params.items()}  # fmt: skip
            problems.append(Problem(file, int(row), field, problem, values))
            bad.add(int(row))

    text = cells["code"].astype(str).str.strip()
    known = code.isin(_known_codes())
    flag(text == "", "code", "required_missing")
    flag((text != "") & level.isna(), "code", "population_code_level", value=text)
    flag(level.notna() & ~known, "code", "population_code_unknown", value=text)
    main = level[known].mode()
    main_level: Level | None = cast(Level, main.iloc[0]) if len(main) else None
    if main_level is not None:
        other = "desa" if main_level == "kecamatan" else "kecamatan"
        flag(known & (level != main_level), "code", "population_level_mixed",
             value=text, level=other, expected=main_level)  # fmt: skip
    repeated = known & code.duplicated(keep=False) & code.duplicated()
    first = pd.Series(rows, index=cells.index).groupby(code.to_numpy()).transform("min")
    flag(repeated, "code", "population_duplicate", value=text, first_row=first)

    people_text = cells["population"].astype(str).str.strip()
    people = _whole_numbers(people_text)
    flag(people_text == "", "population", "required_missing")
    flag((people_text != "") & ~(people > 0), "population", "population_not_positive",
         value=people_text)  # fmt: skip
    year = pd.Series(pd.NA, index=cells.index, dtype="Int64")
    if "year" in cells:
        year_text = cells["year"].astype(str).str.strip()
        number = _whole_numbers(year_text)
        wrong = (year_text != "") & ~number.between(*YEARS)
        flag(wrong, "year", "population_year", value=year_text, first=YEARS[0], last=YEARS[1])
        year = number.where(~wrong).round().astype("Int64")
    sources = cells["source"].astype(str).str.strip() if "source" in cells else ""
    frame = pd.DataFrame(
        {"code": code, "level": level, "population": people, "year": year, "source": sources},
        index=cells.index,
    )
    frame = frame.loc[~frame.index.isin(list(bad))]
    frame["population"] = frame["population"].round().astype("int64")
    problems += _sum_warnings(file, frame)
    return PopulationFile(file, frame, Report(problems), level=main_level, rows_read=len(cells))


def _codes(text: pd.Series) -> pd.Series:
    """Codes with their dots: ``6103212003`` -> ``61.03.21.2003``; others as written."""
    digits = text.str.fullmatch(r"\d{6}|\d{10}")
    dotted = text.str.slice(0, 2) + "." + text.str.slice(2, 4) + "." + text.str.slice(4, 6)
    dotted = dotted.where(text.str.len() == 6, dotted + "." + text.str.slice(6))
    return text.where(~digits, dotted)


def _whole_numbers(text: pd.Series) -> pd.Series:
    """Numbers as offices write them; thousands separators (``12.345``, ``12,345``,
    ``12 345``) read as such, not as decimals. NaN where not a whole number."""
    thousands = text.str.fullmatch(_DOTTED) | text.str.fullmatch(_COMMAS)
    thousands |= text.str.fullmatch(_SPACED)
    plain = text.where(~thousands, text.str.replace(r"[.,\s\u00a0\u202f]", "", regex=True))
    number = parse_decimal(plain)
    return number.where(number % 1 == 0)


def _sum_warnings(file: str, frame: pd.DataFrame) -> list[Problem]:
    """A warning for each kabupaten whose loaded sum is far from its Kemendagri total."""
    totals = reference.load_units("kabupaten").set_index("code")["population"]
    per_unit = _units_per_kabupaten()
    problems = []
    kabupaten = frame["code"].str.slice(0, CODE_LENGTH["kabupaten"])
    for code, rows in frame.groupby(kabupaten):
        loaded, known = int(rows["population"].sum()), float(totals.get(code, np.nan))
        if not np.isfinite(known):
            continue
        complete = len(rows) >= per_unit.get((code, rows["level"].iloc[0]), np.inf)
        over = loaded > known * (1 + SUM_TOLERANCE)
        short = complete and loaded < known * (1 - SUM_TOLERANCE)
        if over or short:
            params: dict[str, ParamValue] = {
                "kabupaten": str(code), "loaded": loaded, "known": int(known)
            }  # fmt: skip
            problems.append(Problem(file, None, "population", "population_sum", params, "warning"))
    return problems


@cache
def _known_codes() -> frozenset[str]:
    gazetteer = reference.load_gazetteer()
    codes = gazetteer.loc[gazetteer["level"].isin(["kecamatan", "desa"]), "code"]
    return frozenset(codes.astype(str))


@cache
def _units_per_kabupaten() -> dict[tuple[str, str], int]:
    """Gazetteer kecamatan and desa per kabupaten: ``(kabupaten code, level) -> count``."""
    gazetteer = reference.load_gazetteer()
    units = gazetteer[gazetteer["level"].isin(["kecamatan", "desa"])]
    kabupaten = units["code"].astype(str).str.slice(0, CODE_LENGTH["kabupaten"])
    counts = units.groupby([kabupaten, units["level"]]).size()
    return {(str(key[0]), str(key[1])): int(n) for key, n in counts.items()}  # type: ignore[index]


@cache
def _villages_per_unit() -> pd.Series:
    """Number of desa/kelurahan per kabupaten and per kecamatan code (gazetteer)."""
    gazetteer = reference.load_gazetteer()
    codes = gazetteer.loc[gazetteer["level"] == "desa", "code"].astype(str)
    per_kabupaten = codes.str.slice(0, CODE_LENGTH["kabupaten"]).value_counts()
    per_kecamatan = codes.str.slice(0, CODE_LENGTH["kecamatan"]).value_counts()
    return pd.concat([per_kabupaten, per_kecamatan]).astype(float)


def _loaded_for(codes: pd.Series, table: pd.DataFrame, *, level: Level) -> pd.DataFrame:
    """``population`` and ``year`` loaded for each code of ``level`` (NaN where none).

    A kecamatan with no figure of its own gets the sum of its desa when all its gazetteer
    desa have one.
    """
    rows = table.set_index("code")
    people = rows["population"].astype(float).reindex(codes)
    year = pd.to_numeric(rows["year"], errors="coerce").reindex(codes)
    if level == "kecamatan":
        desa = table[code_level(table["code"]) == "desa"]
        kecamatan = desa["code"].str.slice(0, CODE_LENGTH["kecamatan"])
        grouped = desa.groupby(kecamatan)
        sums = grouped["population"].sum().astype(float)
        complete = grouped.size() >= _villages_per_unit().reindex(sums.index)
        years = pd.to_numeric(desa["year"], errors="coerce").groupby(kecamatan).max()
        fill = sums[complete].reindex(codes)
        year = year.where(people.notna(), years.reindex(codes).where(fill.notna()))
        people = people.fillna(fill)
    return pd.DataFrame(
        {"population": people.to_numpy(), "year": year.to_numpy()}, index=codes.index
    )


def unit_population(
    units: pd.DataFrame,
    *,
    level: Level,
    table: pd.DataFrame | None = None,
    basis: PopulationBasis = "desa_count",
) -> pd.DataFrame:
    """People per unit of ``level`` and where each figure comes from.

    Parameters
    ----------
    units
        Units with ``code`` (and ``area_km2`` for ``basis="area"``; ``population`` for
        kabupaten).
    table
        The loaded population (:data:`POPULATION_COLUMNS`, e.g.
        :meth:`geodata.access.RoleView.population`); None or empty: estimates only.
    basis
        How a kabupaten's remaining people are shared out among its units without a figure:
        ``"desa_count"`` (every desa/kelurahan of the gazetteer the same share; a kecamatan
        the sum of its desa) or ``"area"`` (in proportion to area).

    Returns
    -------
    pandas.DataFrame
        Indexed like ``units``: ``population`` (float), ``population_source`` (one of
        :data:`SOURCES`) and ``population_year`` (Int64; the loaded figure's year, else
        2025 for Kemendagri totals and estimates).
    """
    if basis not in POPULATION_BASES:
        raise not_one_of("basis", POPULATION_BASES, basis)
    code = units["code"].astype(str)
    if level == "kabupaten":
        return pd.DataFrame(
            {
                "population": units["population"].astype(float).to_numpy(),
                "population_source": "kabupaten",
                "population_year": pd.array([2025] * len(units), dtype="Int64"),
            },
            index=units.index,
        )
    kabupaten = reference.load_units("kabupaten").set_index("code")
    kab_code = code.str.slice(0, CODE_LENGTH["kabupaten"])
    share = _shares(units, code, kab_code, kabupaten, level=level, basis=basis)
    table = empty_table() if table is None else table
    loaded = _loaded_for(code, table, level=level)
    has = loaded["population"].notna().to_numpy()
    group, pool, whole = _pools(code, kab_code, table, kabupaten, level=level, basis=basis)
    # Share each pool among its units that have no figure of their own: a unit gets its
    # share of the group (of all the group's gazetteer units) less the loaded units' shares.
    taken = pd.Series(np.where(has, share, 0.0), index=units.index)
    open_total = whole - taken.groupby(group).transform("sum").to_numpy()
    open_share = pd.Series(np.where(has, 0.0, share), index=units.index)
    safe_total = np.where(open_total > 0, open_total, 1.0)
    estimate = np.where(open_total > 0, pool * open_share.to_numpy() / safe_total, 0.0)
    people = np.where(has, loaded["population"].to_numpy(dtype=float), np.maximum(estimate, 0.0))
    year = pd.array(np.where(has, loaded["year"].to_numpy(dtype=float), 2025.0))
    return pd.DataFrame(
        {
            "population": people,
            "population_source": np.where(has, "loaded", "estimated"),
            "population_year": pd.array(
                [None if pd.isna(value) else int(value) for value in year], dtype="Int64"
            ),
        },
        index=units.index,
    )


def _shares(
    units: pd.DataFrame,
    code: pd.Series,
    kab_code: pd.Series,
    kabupaten: pd.DataFrame,
    *,
    level: Level,
    basis: PopulationBasis,
) -> np.ndarray:
    """Each unit's share of its kabupaten's people by ``basis`` (all units, loaded or not)."""
    if basis == "area":
        return units["area_km2"].to_numpy() / kabupaten["area_km2"].reindex(kab_code).to_numpy()
    villages = _villages_per_unit()
    unit_villages = villages.reindex(code).fillna(0).to_numpy() if level != "desa" else 1.0
    return np.asarray(unit_villages / villages.reindex(kab_code).to_numpy(), dtype=float)


def _pools(
    code: pd.Series,
    kab_code: pd.Series,
    table: pd.DataFrame,
    kabupaten: pd.DataFrame,
    *,
    level: Level,
    basis: PopulationBasis,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each unit: the group it shares people in, the people that group shares, and the
    group's share of its kabupaten (1 for a kabupaten; by ``basis`` for a kecamatan).

    The group is the unit's kabupaten, sharing its Kemendagri people minus every loaded
    figure in it (never below zero); at desa level a desa of a kecamatan with a loaded
    figure shares that figure with the other desa of its kecamatan instead.
    """
    total = kabupaten["population"].astype(float)
    kab = table["code"].str.slice(0, CODE_LENGTH["kabupaten"])
    if level == "kecamatan":
        codes = pd.Series(pd.concat([
            table.loc[table["code"].str.len() == CODE_LENGTH["kecamatan"], "code"],
            table["code"].str.slice(0, CODE_LENGTH["kecamatan"]),
        ]).unique(), dtype=str)  # fmt: skip
        used = _loaded_for(codes, table, level="kecamatan")["population"].to_numpy()
        loaded = pd.Series(used).groupby(codes.str.slice(0, CODE_LENGTH["kabupaten"])).sum()
    else:
        loaded = table["population"].astype(float).groupby(kab.to_numpy()).sum()
    remaining = (total - loaded.reindex(total.index).fillna(0.0)).clip(lower=0.0)
    group = kab_code.to_numpy(dtype=object)
    pool = remaining.reindex(kab_code).to_numpy(dtype=float)
    whole = np.ones(len(code))
    if level == "desa":
        figures = table[table["code"].str.len() == CODE_LENGTH["kecamatan"]].set_index("code")
        kecamatan = code.str.slice(0, CODE_LENGTH["kecamatan"])
        inside = kecamatan.isin(figures.index).to_numpy()
        group = np.where(inside, kecamatan.to_numpy(dtype=object), group)
        parent = figures["population"].astype(float).reindex(kecamatan).to_numpy()
        pool = np.where(inside, parent, pool)
        if inside.any():
            parents = pd.DataFrame({"code": kecamatan[inside].to_numpy()})
            if basis == "area":
                areas = reference.load_units("kecamatan").set_index("code")["area_km2"]
                parents["area_km2"] = areas.reindex(parents["code"]).to_numpy()
            parent_code = parents["code"].str.slice(0, CODE_LENGTH["kabupaten"])
            whole[inside] = _shares(parents, parents["code"], parent_code, kabupaten,
                                    level="kecamatan", basis=basis)  # fmt: skip
    return group, np.nan_to_num(pool), whole


def population_note(frame: pd.DataFrame, *, level: Level, lang: str = DEFAULT_LANGUAGE) -> str:
    """One sentence saying which population the rates of ``frame`` rest on.

    ``frame`` has ``population_source`` and ``population_year`` (e.g. from
    :func:`unit_population` or :func:`layers.indicators.compute_indicators`) and, in
    ``attrs``, optionally ``population_basis`` and ``population_sources`` (the loaded
    table's source names).
    """
    if level == "kabupaten" or "population_source" not in frame:
        return t("population.note_kabupaten", lang)
    basis = str(frame.attrs.get("population_basis", "desa_count"))
    basis_key = {"area": "population.basis_area"}.get(basis, "population.basis_desa_count")
    basis_text = t(basis_key, lang)
    loaded = frame["population_source"] == "loaded"
    if not loaded.any():
        return t("population.note_estimated", lang, basis=basis_text)
    return t(
        "population.note_loaded",
        lang,
        origin=_origin(frame, loaded, lang),
        loaded=format_number(int(loaded.sum()), lang),
        total=format_number(len(frame), lang),
        units=t("population.units_desa" if level == "desa" else "population.units_kecamatan", lang),
        basis=basis_text,
    )


def rate_levels(table: pd.DataFrame) -> frozenset[str]:
    """Levels whose units may show rates per 100k on the map: kabupaten (Kemendagri) and the
    levels the loaded ``table`` gives figures for (desa figures also give kecamatan ones)."""
    levels = set(table["level"].astype(str)) if not table.empty else set()
    if "desa" in levels:
        levels.add("kecamatan")
    return frozenset({"kabupaten", *levels})


def rates_note(
    units: pd.DataFrame, *, level: Level, table: pd.DataFrame, lang: str = DEFAULT_LANGUAGE
) -> str:
    """What the map's rates per 100k of ``units`` rest on: Kemendagri per kabupaten, or the
    office's figures for how many of the units (the others get no rate)."""
    if level == "kabupaten":
        return t("population.note_kabupaten", lang)
    people = unit_population(units, level=level, table=table)
    loaded = people["population_source"] == "loaded"
    frame = people.assign(population_year=people["population_year"])
    frame.attrs["population_sources"] = tuple(
        dict.fromkeys(str(name) for name in table.get("source", pd.Series(dtype=str)) if name)
    )
    return t(
        "population.note_rates",
        lang,
        origin=_origin(frame, loaded, lang),
        loaded=format_number(int(loaded.sum()), lang),
        total=format_number(len(units), lang),
        units=t("population.units_desa" if level == "desa" else "population.units_kecamatan", lang),
    )


def _origin(frame: pd.DataFrame, loaded: pd.Series, lang: str) -> str:
    """``BPS 2024``: the loaded table's source names and the years of its figures."""
    names = [str(name) for name in frame.attrs.get("population_sources", ()) if str(name)]
    years = sorted({int(y) for y in frame.loc[loaded, "population_year"].dropna()})
    origin = ", ".join(names) or t("population.no_source", lang)
    if years:
        origin += " " + "–".join(str(y) for y in dict.fromkeys((years[0], years[-1])))
    return origin


def population_template(fmt: str = "csv", *, lang: str = DEFAULT_LANGUAGE) -> bytes:
    """A population file to fill in: the headers of ``lang`` and every kecamatan of the
    gazetteer with its code and name (population, year and source left empty).

    ``fmt`` is ``"csv"`` or ``"xlsx"``.
    """
    headers = TEMPLATE_HEADERS["en" if lang == "en" else "id"]
    gazetteer = reference.load_gazetteer()
    kecamatan = gazetteer[gazetteer["level"] == "kecamatan"]
    rows = [[code, name, "", "", ""] for code, name in zip(
        kecamatan["code"].astype(str), kecamatan["name"].astype(str), strict=True)]  # fmt: skip
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerows([list(headers), *rows])
        return buffer.getvalue().encode("utf-8-sig")
    if fmt != "xlsx":
        raise not_one_of("fmt", ("csv", "xlsx"), fmt)
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = t("population.sheet", lang)
    sheet.append(list(headers))
    for row in rows:
        sheet.append(row)
    buffer_bytes = io.BytesIO()
    workbook.save(buffer_bytes)
    return buffer_bytes.getvalue()


def replaced(new: PopulationFile, current: pd.DataFrame) -> PopulationFile:
    """``new`` with a warning that storing it replaces the ``current`` table (if any)."""
    if current.empty:
        return new
    params = {"count": len(current)}
    note = Problem(new.file, None, None, "population_replaces", params, "warning")
    return dataclasses.replace(new, report=Report([*new.report, note]))


def _plain(value: object) -> str | int:
    """A message parameter as plain text or int (numpy scalars become Python ints)."""
    return int(value) if isinstance(value, np.integer | int) else str(value)


def check_table(frame: pd.DataFrame) -> Report:
    """Errors of a population table about to be stored (the rules of
    :func:`read_population`, on typed values): columns, known codes of one level matching
    ``level``, no code twice, people a whole number above 0, years in :data:`YEARS`."""
    file = "population"
    missing = [name for name in POPULATION_COLUMNS if name not in frame.columns]
    if missing:
        found = [str(name) for name in frame.columns][:20]
        columns: dict[str, ParamValue] = {"missing": missing, "found": found}
        return Report([Problem(file, None, None, "population_columns", columns)])
    problems: list[Problem] = []
    levels = set(frame["level"].astype(str))
    code = frame["code"].astype(str)
    people = pd.to_numeric(frame["population"], errors="coerce")
    year = pd.to_numeric(frame["year"], errors="coerce")
    first_row = {value: int(i) for i, value in reversed(list(enumerate(code, start=1)))}
    for row, (value, level, number, when) in enumerate(
        zip(code, frame["level"].astype(str), people, year, strict=True), start=1
    ):
        if value not in _known_codes() or code_level(value) != level:
            problems.append(Problem(file, row, "code", "population_code_unknown", {"value": value}))
        elif len(levels) > 1:
            mixed: dict[str, ParamValue] = {"value": value, "level": level}
            mixed["expected"] = sorted(levels)[0]
            problems.append(Problem(file, row, "code", "population_level_mixed", mixed))
        if first_row[value] != row:
            twice: dict[str, ParamValue] = {"value": value, "first_row": first_row[value]}
            problems.append(Problem(file, row, "code", "population_duplicate", twice))
        if not (number > 0 and number % 1 == 0):
            wrong: dict[str, ParamValue] = {"value": str(number)}
            problems.append(Problem(file, row, "population", "population_not_positive", wrong))
        if pd.notna(when) and not YEARS[0] <= when <= YEARS[1]:
            years: dict[str, ParamValue] = {"value": str(when), "first": YEARS[0]}
            years["last"] = YEARS[1]
            problems.append(Problem(file, row, "year", "population_year", years))
    return Report(problems)
