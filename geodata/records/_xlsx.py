"""Read the first (or a named) sheet of an XLSX workbook into text cells, safely.

openpyxl reads the workbook in read-only (streaming) mode, formulas as written (never
calculated, never their cached result), links not followed. Before openpyxl sees it, the ZIP
directory is checked (:func:`zip_problem`): a damaged archive, an ODS or zipped shapefile,
too many entries, content that would unpack to more than
:data:`~geodata.settings.XLSX_MAX_UNPACKED_MB`, a styles, shared-strings or worksheet part
over its own limit (:data:`~geodata.settings.XLSX_MAX_PART_MB`) or an entry packed
suspiciously tightly (a ZIP bomb) gives one clear file-level problem. The sizes come from the
directory; Python's ``zipfile`` never unpacks more than an entry declares. The sheet's
declared size is ignored (a tiny file may claim a million rows); rows and columns are counted
as read and capped by :data:`geodata.settings.MAX_IMPORT_ROWS` and ``MAX_IMPORT_COLUMNS``.

Row numbers are the workbook's own (what Excel shows at the left), so messages point at the
right row even when the header is not on row 1.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import warnings
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import replace
from functools import cache
from typing import Final

import openpyxl
import pandas as pd

from geodata.i18n import t
from geodata.records._read import BlankRows, Table, cell_too_long, failed_table
from geodata.records.report import ParamValue, Problem
from geodata.settings import (
    LANGUAGES,
    MAX_CELL_CHARS,
    MAX_IMPORT_COLUMNS,
    MAX_IMPORT_ROWS,
    XLSX_MAX_ENTRIES,
    XLSX_MAX_PART_MB,
    XLSX_MAX_RATIO,
    XLSX_MAX_UNPACKED_MB,
)

log = logging.getLogger(__name__)

_MB: Final = 1024 * 1024
#: The styles part openpyxl reads (always this name).
_STYLES: Final = "xl/styles.xml"
_CONTENT_TYPES: Final = "[Content_Types].xml"
_SHARED_STRINGS_TYPE: Final = "spreadsheetml.sharedStrings+xml"
_OVERRIDE: Final = re.compile(r"<(?:\w+:)?Override\b[^>]*>")
_PART_NAME: Final = re.compile(r"""PartName\s*=\s*["']/?([^"']+)["']""")
#: Leading rows with at most one filled cell (a title) that may stand above the header.
_MAX_TITLE_ROWS: Final = 5


def zip_problem(data: bytes, file: str) -> Problem | None:
    """A file-level problem if ``data`` is not a workbook that is safe to open, from the ZIP
    directory alone (nothing is unpacked but ``[Content_Types].xml``, at most 1 MB)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            shared = _shared_strings_parts(archive)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        log.debug("Could not read %s as a ZIP archive", file, exc_info=True)
        return Problem(file, None, None, "xlsx_corrupt", {"reason": "ZIP"})
    names = {entry.filename for entry in entries}
    if "xl/workbook.xml" not in names:
        if "mimetype" in names and any(name.endswith("content.xml") for name in names):
            return Problem(file, None, None, "file_ods")
        if any(name.lower().endswith(".shp") for name in names):
            return Problem(file, None, None, "file_shapefile")
        return Problem(file, None, None, "file_zip")
    if len(entries) > XLSX_MAX_ENTRIES:
        params: dict[str, ParamValue] = {"count": len(entries), "limit": XLSX_MAX_ENTRIES}
        return Problem(file, None, None, "upload.zip_entries", params)
    unpacked = sum(entry.file_size for entry in entries)
    if unpacked > XLSX_MAX_UNPACKED_MB * _MB:
        params = {"size_mb": round(unpacked / _MB), "limit_mb": XLSX_MAX_UNPACKED_MB}
        return Problem(file, None, None, "xlsx_too_large", params)
    for entry in entries:
        problem = _entry_problem(entry, file, shared=entry.filename in shared)
        if problem is not None:
            return problem
    return None


def _shared_strings_parts(archive: zipfile.ZipFile) -> set[str]:
    """Names of the shared-strings parts: by name, and as ``[Content_Types].xml`` declares
    them (openpyxl finds them there, so a renamed part is still found)."""
    parts = {name for name in archive.namelist() if "sharedstrings" in name.lower()}
    try:
        info = archive.getinfo(_CONTENT_TYPES)
    except KeyError:
        return parts
    if info.file_size > _MB:
        raise ValueError(f"{_CONTENT_TYPES} is {info.file_size} bytes")
    manifest = archive.read(info).decode("utf-8", errors="replace")
    for override in _OVERRIDE.findall(manifest):
        name = _PART_NAME.search(override)
        if name is not None and _SHARED_STRINGS_TYPE in override:
            parts.add(name.group(1))
    return parts


def _entry_problem(entry: zipfile.ZipInfo, file: str, *, shared: bool) -> Problem | None:
    """A problem if one entry unpacks to more than its part may, or is packed like a bomb."""
    part = "styles" if entry.filename == _STYLES else "shared_strings" if shared else "worksheet"
    limit_mb = XLSX_MAX_PART_MB[part]
    if entry.file_size > limit_mb * _MB:
        params: dict[str, ParamValue] = {
            "part": entry.filename,
            "size_mb": round(entry.file_size / _MB, 1),
            "limit_mb": limit_mb,
        }
        return Problem(file, None, None, "upload.xlsx_part_too_large", params)
    ratio = entry.file_size / max(entry.compress_size, 1)
    if entry.file_size > _MB and ratio > XLSX_MAX_RATIO:
        params = {"part": entry.filename, "ratio": round(ratio), "limit": XLSX_MAX_RATIO}
        return Problem(file, None, None, "upload.zip_ratio", params)
    return None


def cell_text(value: object) -> str:
    """A cell value as text: dates as ``YYYY-MM-DD``, whole floats without ``.0``."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def read_xlsx(
    data: bytes,
    file: str,
    *,
    sheet: str | None = None,
    max_rows: int = MAX_IMPORT_ROWS,
    max_columns: int = MAX_IMPORT_COLUMNS,
) -> Table:
    """Read one sheet of an XLSX workbook as text cells.

    Parameters
    ----------
    data
        The workbook's bytes.
    file
        Name shown in messages.
    sheet
        The sheet to read; None: the first (a warning names the others).
    max_rows, max_columns
        Larger sheets are refused with one file-level problem.

    Returns
    -------
    Table
        Cells indexed by the workbook's row numbers; a formula is kept as its text
        (``=SUM(A1:A3)``), with one warning.
    """
    problem = zip_problem(data, file)
    if problem is not None:
        return Table(file, pd.DataFrame(), pd.DataFrame(), [problem])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about unsupported extensions
            workbook = openpyxl.load_workbook(
                io.BytesIO(data), read_only=True, data_only=False, keep_links=False
            )
            try:
                return _read_workbook(workbook, file, sheet, max_rows, max_columns)
            finally:
                workbook.close()
    except MemoryError:  # the worker's memory limit (geodata.records._sandbox) says why
        raise
    except Exception as error:  # damaged XML, zlib, KeyError for missing parts, ...
        log.debug("Could not read %s", file, exc_info=True)
        return failed_table(file, "xlsx_corrupt", reason=type(error).__name__)


@cache
def _template_help_sheets() -> frozenset[str]:
    """The help sheets of the app's own XLSX templates, in every language: a workbook whose
    other sheets are these is a filled-in template (no "choose another sheet" warning)."""
    keys = ("template.sheet.allowed", "template.sheet.guide")
    return frozenset(t(key, lang) for key in keys for lang in LANGUAGES)


def _read_workbook(
    workbook: openpyxl.Workbook, file: str, sheet: str | None, max_rows: int, max_columns: int
) -> Table:
    """Read the named sheet, or the first sheet that has a header row (a cover sheet with
    only a title is passed over, with a warning naming the sheet read)."""
    sheets = [worksheet.title for worksheet in workbook.worksheets]
    if not sheets:
        return failed_table(file, "xlsx_corrupt", reason="no worksheet")
    if sheet is not None and sheet not in sheets:
        return failed_table(file, "sheet_not_found", sheet=sheet, sheets=sheets)
    for title in [sheet] if sheet is not None else sheets:
        worksheet = workbook[title]
        worksheet.reset_dimensions()  # ignore the declared size: read only the rows there
        rows = _Rows(file, max_rows=max_rows, max_columns=max_columns)
        rows.read(worksheet.iter_rows(values_only=True))
        if rows.problem is not None:
            return Table(file, pd.DataFrame(), pd.DataFrame(), [rows.problem])
        if rows.header is None:
            continue
        table = rows.table()
        others = set(sheets) - {title}
        if sheet is None and others and not others <= _template_help_sheets():
            params: dict[str, ParamValue] = {"sheet": title, "sheets": sheets}
            table.problems.insert(0, Problem(file, None, None, "sheet_choice", params, "warning"))
        table.part = title
        return table
    return failed_table(file, "sheet_empty", sheet=sheet or sheets[0], sheets=sheets)


class _Rows:
    """Collects a sheet's rows as text: header, data rows, blank rows, formulas, long cells."""

    def __init__(self, file: str, *, max_rows: int, max_columns: int) -> None:
        self.file = file
        self.max_rows = max_rows
        self.max_columns = max_columns
        self.header: list[str] | None = None
        self.header_row = 0
        self.titles: list[tuple[int, str]] = []
        self.numbers: list[int] = []
        self.records: list[list[str]] = []
        self.blank = BlankRows()
        self.formulas: list[tuple[int, int]] = []
        self.formula_count = 0
        self.long: list[Problem] = []
        self.width = 0
        self.problem: Problem | None = None

    def read(self, values: Iterable[Sequence[object]]) -> None:
        """Consume the sheet's rows (stops at the first file-level problem)."""
        for number, row in enumerate(values, start=1):
            cells = [cell_text(value) for value in row]
            while cells and not cells[-1].strip():
                cells.pop()
            if len(cells) > self.max_columns:
                self.problem = Problem(
                    self.file, None, None, "too_many_columns", {"limit": self.max_columns}
                )
                return
            if not cells:
                if self.header is not None:
                    self.blank.add(number)
                continue
            if self.header is None:
                self._header_or_title(number, cells)
                continue
            if len(self.records) >= self.max_rows:
                params: dict[str, ParamValue] = {"count": self.max_rows + 1, "limit": self.max_rows}
                self.problem = Problem(self.file, None, None, "too_many_rows", params)
                return
            self._record(number, cells)

    def _header_or_title(self, number: int, cells: list[str]) -> None:
        filled = [cell for cell in cells if cell.strip()]
        if len(filled) == 1 and len(self.titles) < _MAX_TITLE_ROWS:
            self.titles.append((number, filled[0]))
            return
        self.header, self.header_row = cells, number
        self.width = len(cells)

    def _record(self, number: int, cells: list[str]) -> None:
        for position, cell in enumerate(cells):
            if cell.startswith("="):
                self.formula_count += 1
                if len(self.formulas) < 3:
                    self.formulas.append((number, position))
            if len(cell) > MAX_CELL_CHARS:
                self.long.append(cell_too_long(self.file, number, str(position), len(cell)))
        self.width = max(self.width, len(cells))
        self.numbers.append(number)
        self.records.append(cells)

    def table(self) -> Table:
        """The cells as a table (only valid after :meth:`read` without a problem)."""
        header, width = self.header or [], self.width
        names = [
            (header[i].strip() if i < len(header) else "") or f"column_{i + 1}"
            for i in range(width)
        ]
        records = [cells + [""] * (width - len(cells)) for cells in self.records]
        index = pd.Index(self.numbers, name="row", dtype="int64")
        frame = pd.DataFrame(records, columns=names, index=index, dtype="str")
        unnamed = [i for i in range(width) if i >= len(header) or not header[i].strip()]
        unused = [i for i in unnamed if (frame.iloc[:, i] == "").all()]
        frame = frame.iloc[:, [i for i in range(width) if i not in unused]]
        long = [replace(problem, field=names[int(problem.field or 0)]) for problem in self.long]
        return Table(
            self.file,
            frame,
            frame,
            self._warnings(names),
            long,
            spreadsheet=True,
            format="xlsx",
        )

    def _warnings(self, names: list[str]) -> list[Problem]:
        problems = []
        if self.titles:
            params: dict[str, ParamValue] = {
                "rows": [str(number) for number, _ in self.titles],
                "header_row": self.header_row,
                "text": [text for _, text in self.titles],
            }
            problems.append(Problem(self.file, None, None, "title_rows_skipped", params, "warning"))
        last = self.numbers[-1] if self.numbers else 0
        blank = self.blank.warning(self.file, before=last)
        if blank is not None:
            problems.append(blank)
        if self.formula_count:
            where = [f"{row}/{names[position]}" for row, position in self.formulas]
            params = {"count": self.formula_count, "cells": where}
            problems.append(Problem(self.file, None, None, "formula_as_text", params, "warning"))
        return problems
