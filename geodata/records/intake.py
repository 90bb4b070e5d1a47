"""Import a file of cases, crossings or shelters as one checked batch: all of it, or nothing.

:func:`preview_import` reads a file (a path, or bytes and a file name, as uploaded), finds
its record type and maps its headers (:mod:`geodata.records.mapping`), reads Indonesian numbers,
coordinates and dates (:mod:`geodata.records.parsing`), locates rows that have only place names
(:mod:`geodata.reference.geocode`), validates every row as the loaders do, and flags duplicates
within the file and against the records already stored. It changes nothing anywhere: the caller
shows the :class:`ImportPreview`, the user confirms, and the store commits
``preview.frame`` as one transaction only when ``preview.ok``.

Accepted: CSV (UTF-8; also UTF-16 with BOM and clean Windows-1252, with a warning), XLSX
(first sheet or a named one), GeoJSON and GeoPackage, up to
:data:`geodata.settings.MAX_UPLOAD_MB` MB and :data:`geodata.settings.MAX_IMPORT_ROWS` rows.
The file is read in a worker process with a time and a memory limit, after checks made
before any parser runs (:func:`geodata.records._upload.read_upload`): a file that would take the
server down gets one problem naming the limit, and nothing is stored.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import geopandas as gpd
import pandas as pd
from shapely.geometry.base import BaseGeometry

from geodata.codes import code_level
from geodata.errors import ArgumentError, ValidationError
from geodata.records import _duplicates, _places
from geodata.records._read import Table
from geodata.records._upload import read_upload, receive
from geodata.records.loaders import LoadResult, check_arguments, validate_table
from geodata.records.mapping import (
    ColumnMapping,
    guess_entity,
    mappings_path,
    recall_mapping,
    suggest_mapping,
)
from geodata.records.report import ParamValue, Problem, Report
from geodata.records.schemas import SCHEMAS, Entity
from geodata.reference.geocode import PlaceIndex
from geodata.settings import DEFAULT_LANGUAGE, MAX_IMPORT_ROWS, STORAGE_CRS

log = logging.getLogger(__name__)

PathLike = str | os.PathLike[str]
#: Record types by the plural names the command line and the UI use.
ENTITY_OF_KIND: Final[dict[str, Entity]] = {
    "cases": "case",
    "crossings": "crossing",
    "shelters": "shelter",
}


@dataclass(frozen=True)
class ImportPreview:
    """Everything an import would bring in, for the user to confirm before it is stored.

    Attributes
    ----------
    file
        The file's name as shown (base name only).
    entity
        ``{"case", "crossing", "shelter"}``, or None when it could not be told.
    frame
        The valid rows, mapped and typed as :mod:`geodata.records.loaders` returns them (index: row
        number of the report). Commit it only when :attr:`ok`.
    invalid_rows
        The rejected rows as read, same index.
    report
        Every problem: reading, columns, cells, place names, duplicates.
    mapping
        Each header and the column it was read as (None when the file was not read).
    duplicates
        ``row``, ``kind`` {"id", "content"}, ``scope`` {"file", "existing"}, ``other`` (the
        earlier row, or the stored record's ID).
    located
        Rows placed by their place names: ``code``, ``level``, ``confidence``, ``status``,
        ``query`` (index: row number).
    format
        ``{"csv", "xlsx", "geojson", "gpkg"}``, or ``""`` when not read.
    encoding
        Text encoding of a CSV file.
    part
        Sheet or layer read.
    rows_read
        Data rows in the file.
    """

    file: str
    entity: Entity | None
    frame: gpd.GeoDataFrame
    invalid_rows: pd.DataFrame
    report: Report
    mapping: ColumnMapping | None = None
    duplicates: pd.DataFrame = dataclasses.field(
        default_factory=lambda: pd.DataFrame(columns=list(_duplicates.COLUMNS))
    )
    located: pd.DataFrame = dataclasses.field(default_factory=pd.DataFrame)
    format: str = ""
    encoding: str | None = None
    part: str | None = None
    rows_read: int = 0

    @property
    def ok(self) -> bool:
        """True when the whole batch may be committed: no error, no row rejected, some rows."""
        return self.report.ok and len(self.frame) > 0 and self.invalid_rows.empty

    def problems_table(self, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
        """The report as a table: row, field, severity, problem, suggestion (translated)."""
        columns = ["row", "field", "severity", "problem", "suggestion"]
        table = pd.DataFrame(self.report.to_table(lang), columns=columns)
        table["row"] = table["row"].astype("Int64")
        return table

    def raise_for_errors(self, lang: str = DEFAULT_LANGUAGE) -> None:
        """Raise :class:`~geodata.errors.ValidationError` (with the report) unless :attr:`ok`."""
        if not self.ok:
            raise ValidationError(self.report.to_text(lang, limit=20), self.report)


def _entity(kind: str | None) -> Entity | None:
    if kind is None:
        return None
    names: dict[str, Entity] = {**{entity: entity for entity in SCHEMAS}, **ENTITY_OF_KIND}
    if kind not in names:
        raise ArgumentError(
            f"`kind` should be one of {sorted(names)} or None (guess from the headers), "
            f"got {kind!r}"
        )
    return names[kind]


def _failed(
    file: str, entity: Entity | None, problems: list[Problem], **info: object
) -> ImportPreview:
    schema_columns = list(SCHEMAS[entity].names) if entity else []
    frame = gpd.GeoDataFrame(
        pd.DataFrame(columns=schema_columns, index=pd.Index([], name="row")),
        geometry=[],
        crs=STORAGE_CRS,
    )
    return ImportPreview(
        file,
        entity,
        frame,
        pd.DataFrame(index=pd.Index([], name="row")),
        Report(problems),
        **info,  # type: ignore[arg-type]
    )


def _unique_headers(headers: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    unique = []
    for header in headers:
        count = seen.get(header, 0) + 1
        seen[header] = count
        unique.append(header if count == 1 else f"{header} ({count})")
    return unique


def _mapping_problems(file: str, mapping: ColumnMapping) -> list[Problem]:
    problems = []
    duplicates = mapping.duplicates
    if duplicates:
        columns = [f"{', '.join(headers)} → {target}" for target, headers in duplicates.items()]
        problems.append(Problem(file, None, None, "column_duplicate", {"columns": columns}))
    named = [f"{m.header} → {m.target}" for m in mapping.matches if m.method == "alias"]
    if named:
        params: dict[str, ParamValue] = {"columns": named}
        problems.append(Problem(file, None, None, "columns_mapped", params, "warning"))
    fuzzy = [
        f"{m.header} → {m.target} ({round(m.score * 100)}%)"
        for m in mapping.matches
        if m.method == "fuzzy"
    ]
    if fuzzy:
        params = {"columns": fuzzy}
        problems.append(Problem(file, None, None, "columns_mapped_fuzzy", params, "warning"))
    return problems


def _mapped_cells(table: Table, mapping: ColumnMapping) -> pd.DataFrame:
    """Mapped columns renamed to their targets; unmatched ones kept as written (the loaders
    report them as unknown); columns the user chose to ignore dropped."""
    keep, names = [], []
    for position, match in enumerate(mapping.matches):
        if match.target is not None:
            keep.append(position)
            names.append(match.target)
        elif match.method == "none":
            keep.append(position)
            names.append(match.header)
    cells = table.cells.iloc[:, keep].copy()
    cells.columns = names
    return cells


def preview_import(
    source: PathLike | bytes,
    *,
    filename: str | None = None,
    kind: str | None = None,
    sheet: str | None = None,
    layer: str | None = None,
    mapping: Mapping[str, str | None] | None = None,
    remembered: bool = True,
    mappings_file: Path | None = None,
    existing: pd.DataFrame | None = None,
    skip_stored: bool = False,
    crossings: pd.DataFrame | None = None,
    max_bytes: int | None = None,
    max_rows: int = MAX_IMPORT_ROWS,
    today: dt.date | None = None,
    province: BaseGeometry | None = None,
    gazetteer: pd.DataFrame | None = None,
    units: gpd.GeoDataFrame | None = None,
    places: PlaceIndex | None = None,
) -> ImportPreview:
    """Read, map, check and locate a file to import, without storing anything.

    Parameters
    ----------
    source
        A path, or the file's bytes (then ``filename`` is required).
    filename
        The uploaded file's name; only its base name is used, and only to show and to hint
        at the format (the bytes decide).
    kind
        ``{"cases", "crossings", "shelters"}`` (or ``"case"``, ...); None: guessed from the
        headers.
    sheet, layer
        The XLSX sheet or GeoPackage layer to read; None: the first.
    mapping
        Header → column (or None to ignore the header) chosen by the user; overrides the
        suggestions for those headers.
    remembered
        Use the mapping confirmed before for the same headers (:mod:`geodata.records.mapping`).
    mappings_file
        The JSON file of remembered mappings; None: :func:`geodata.records.mapping.mappings_path`.
    existing
        Records already stored (with the ID column; for cases also the date, code, point and
        victim columns), to flag repeated IDs (errors) and repeated content (warnings).
    skip_stored
        Leave out, with a warning each, the rows whose ID ``existing`` already holds, instead
        of refusing them: an office's running spreadsheet brings in its new rows only.
    crossings
        Known crossings, to check the ``crossing_id`` of cases; None: not checked.
    max_bytes
        Largest file accepted; None: ``MAX_UPLOAD_MB`` MB.
    max_rows
        Most data rows accepted.
    today, province, gazetteer, units
        As for :func:`geodata.records.loaders.load_cases`.
    places
        The place-name index; None: :meth:`PlaceIndex.default`.

    Returns
    -------
    ImportPreview
        Never raises for a bad file: every problem is in its report.
    """
    entity = _entity(kind)
    if existing is not None and not isinstance(existing, pd.DataFrame):
        raise TypeError(f"`existing` should be a DataFrame, got {type(existing).__name__}")
    if mapping is not None and not isinstance(mapping, Mapping):
        raise TypeError(f"`mapping` should be a mapping, got {type(mapping).__name__}")
    check_arguments(
        crossings=crossings, province=province, gazetteer=gazetteer, units=units, today=today
    )
    data, file, problem = receive(source, filename=filename, max_bytes=max_bytes)
    if data is None:
        return _failed(file, entity, [problem] if problem else [])
    try:
        return _preview(
            data,
            file,
            entity,
            sheet=sheet,
            layer=layer,
            mapping=mapping,
            remembered=remembered,
            mappings_file=mappings_file,
            existing=existing,
            skip_stored=skip_stored,
            crossings=crossings,
            max_rows=max_rows,
            today=today,
            province=province,
            gazetteer=gazetteer,
            units=units,
            places=places,
        )
    except _ArgumentError as error:
        raise error.original from None
    except Exception:  # a bug, or a library failing on a strange file: never half a result
        log.exception("Import of %s failed unexpectedly", file)
    return _failed(file, entity, [Problem(file, None, None, "import_failed")])


class _ArgumentError(Exception):
    """A wrong argument found once the record type is known (re-raised as it was)."""

    def __init__(self, original: TypeError | ValueError) -> None:
        super().__init__(str(original))
        self.original = original


def _preview(
    data: bytes,
    file: str,
    entity: Entity | None,
    *,
    sheet: str | None,
    layer: str | None,
    mapping: Mapping[str, str | None] | None,
    remembered: bool,
    mappings_file: Path | None,
    existing: pd.DataFrame | None,
    skip_stored: bool,
    crossings: pd.DataFrame | None,
    max_rows: int,
    today: dt.date | None,
    province: BaseGeometry | None,
    gazetteer: pd.DataFrame | None,
    units: gpd.GeoDataFrame | None,
    places: PlaceIndex | None,
) -> ImportPreview:
    table = read_upload(data, file, sheet=sheet, layer=layer, max_rows=max_rows)
    info: dict[str, object] = {
        "format": table.format,
        "encoding": table.encoding,
        "part": table.part,
        "rows_read": len(table.cells),
    }
    if table.failed:
        return _failed(file, entity, table.problems, **info)
    headers = _unique_headers([str(name) for name in table.cells.columns])
    table.cells.columns = headers
    path = mappings_file or mappings_path()
    entity = entity or _remembered_entity(headers, path if remembered else None)
    entity = entity or guess_entity(headers, explicit=mapping)
    if entity is None:
        params: dict[str, ParamValue] = {"columns": headers[:20]}
        unknown = Problem(file, None, None, "kind_unknown", params)
        return _failed(file, None, [*table.problems, unknown], **info)
    if existing is not None and SCHEMAS[entity].id_field not in existing:
        id_field = SCHEMAS[entity].id_field
        raise _ArgumentError(ValueError(f"`existing` should have the column {id_field!r}"))
    recalled = recall_mapping(headers, entity=entity, path=path) if remembered else None
    try:
        columns = suggest_mapping(headers, entity=entity, explicit=mapping, remembered=recalled)
    except ValueError as error:
        raise _ArgumentError(error) from error
    table.problems += _mapping_problems(file, columns)
    if columns.duplicates:
        return _failed(file, entity, table.problems, mapping=columns, **info)
    cells = _mapped_cells(table, columns)
    if entity == "case" and "location_precision" not in cells:
        cells["location_precision"] = _derived_precision(cells)
        table.problems.append(
            Problem(file, None, "location_precision", "precision_derived", {}, "warning")
        )
    index = places or (PlaceIndex(gazetteer) if gazetteer is not None else PlaceIndex.default())
    precision = entity == "case"
    cells, located, place_problems = _places.locate_rows(
        cells, file=file, index=index, precision=precision
    )
    mapped = dataclasses.replace(table, cells=cells)
    result = validate_table(
        mapped,
        entity=entity,
        crossings=crossings,
        province=province,
        gazetteer=gazetteer,
        units=units,
        today=today,
    )
    return _assemble(
        result,
        table,
        entity,
        columns,
        located,
        place_problems,
        existing,
        info,
        skip_stored=skip_stored,
    )


def _assemble(
    result: LoadResult,
    table: Table,
    entity: Entity,
    columns: ColumnMapping,
    located: pd.DataFrame,
    place_problems: list[Problem],
    existing: pd.DataFrame | None,
    info: Mapping[str, object],
    *,
    skip_stored: bool,
) -> ImportPreview:
    file = table.file
    place_errors = {p.row for p in place_problems if p.severity == "error"}
    problems = [
        p
        for p in result.report
        if p.code != "file_no_rows" and not (p.row in place_errors and _follows_place(p))
    ]
    if len(table.cells) == 0 and not result.report.errors:
        problems.append(Problem(file, None, None, "file_no_rows"))
    problems += place_problems
    duplicates, duplicate_problems = _duplicates.find_duplicates(
        result.frame, entity=entity, file=file, existing=existing, skip_stored=skip_stored
    )
    problems += duplicate_problems
    skipped = sorted(
        {p.row for p in duplicate_problems if p.code == "id_stored_skipped" and p.row is not None}
    )
    frame, invalid = result.frame.drop(index=skipped), result.invalid_rows
    rejected = {p.row for p in duplicate_problems if p.severity == "error" and p.row is not None}
    place_rows = {p.row for p in place_problems if p.severity == "error" and p.row is not None}
    rejected |= place_rows & set(frame.index)
    if rejected:
        moved = sorted(rejected)
        frame = frame.drop(index=moved)
        original = table.original.loc[moved]
        invalid = pd.concat([invalid, original]).sort_index() if len(invalid) else original
    duplicates = _id_duplicates_in_file(result.report, duplicates)
    return ImportPreview(
        file,
        entity,
        frame,
        invalid,
        Report(problems),
        columns,
        duplicates,
        located,
        **info,  # type: ignore[arg-type]
    )


def _remembered_entity(headers: list[str], path: Path | None) -> Entity | None:
    """The one record type a mapping was confirmed for with these headers, if any."""
    if path is None:
        return None
    found = [e for e in SCHEMAS if recall_mapping(headers, entity=e, path=path) is not None]
    return found[0] if len(found) == 1 else None


def _derived_precision(cells: pd.DataFrame) -> pd.Series:
    """``exact`` where a point is given, else the level of the area code, else ``""``."""
    blank = pd.Series("", index=cells.index, dtype="str")
    lon = cells["lon"].str.strip() if "lon" in cells else blank
    lat = cells["lat"].str.strip() if "lat" in cells else blank
    code = cells["admin_code"].str.strip() if "admin_code" in cells else blank
    level = code_level(code)
    level = level.where(level != "provinsi").fillna("")
    return level.mask((lon != "") & (lat != ""), "exact").astype("str")


def _follows_place(problem: Problem) -> bool:
    """A problem that only repeats that a row's place name was not found."""
    if problem.code == "location_missing":
        return True
    return problem.code == "required_missing" and problem.field == "location_precision"


def _id_duplicates_in_file(report: Report, duplicates: pd.DataFrame) -> pd.DataFrame:
    repeated = [
        (int(p.row), "id", "file", str(p.params.get("first_row")))
        for p in report
        if p.code == "id_duplicate" and p.row is not None
    ]
    if not repeated:
        return duplicates
    more = pd.DataFrame(repeated, columns=list(_duplicates.COLUMNS))
    table = pd.concat([duplicates, more]) if len(duplicates) else more
    return table.sort_values(["row", "kind"], kind="stable", ignore_index=True)
