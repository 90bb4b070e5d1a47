"""Read the first (or a named) sheet of an XLSX workbook into text cells, safely.

openpyxl reads the workbook in read-only (streaming) mode, formulas as written (never
calculated, never their cached result), links not followed. Before that, the ZIP directory is
checked: a damaged archive, an ODS or zipped shapefile, or content that would unpack to more
than :data:`MAX_UNPACKED_MB` gives one clear file-level problem. The sheet's declared size is
ignored (a tiny file may claim a million rows); rows and columns are counted as read and
capped by :data:`geodata.settings.MAX_IMPORT_ROWS` and ``MAX_IMPORT_COLUMNS``.

Row numbers are the workbook's own (what Excel shows at the left), so messages point at the
right row even when the header is not on row 1.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import warnings
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Final

import openpyxl
import pandas as pd

from geodata._read import Table, blank_rows_warning, cell_too_long, failed_table
from geodata.report import ParamValue, Problem
from geodata.settings import MAX_CELL_CHARS, MAX_IMPORT_COLUMNS, MAX_IMPORT_ROWS

log = logging.getLogger(__name__)

#: Most megabytes a workbook may unpack to (a 50,000-row sheet is about 35 MB).
MAX_UNPACKED_MB: Final = 256
#: Leading rows with at most one filled cell (a title) that may stand above the header.
_MAX_TITLE_ROWS: Final = 5


def _zip_problem(data: bytes, file: str) -> Problem | None:
    """A file-level problem if ``data`` is not a workbook that is safe to open."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
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
    unpacked = sum(entry.file_size for entry in entries)
    if unpacked > MAX_UNPACKED_MB * 1024 * 1024:
        params: dict[str, ParamValue] = {
            "size_mb": round(unpacked / 1024 / 1024),
            "limit_mb": MAX_UNPACKED_MB,
        }
        return Problem(file, None, None, "xlsx_too_large", params)
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
    problem = _zip_problem(data, file)
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
    except Exception as error:  # damaged XML, zlib, KeyError for missing parts, ...
        log.debug("Could not read %s", file, exc_info=True)
        return failed_table(file, "xlsx_corrupt", reason=type(error).__name__)


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
        if sheet is None and len(sheets) > 1:
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
        self.blank: list[int] = []
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
                    self.blank.append(number)
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
        inner = [number for number in self.blank if number < last]
        if inner:
            problems.append(blank_rows_warning(self.file, inner))
        if self.formula_count:
            where = [f"{row}/{names[position]}" for row, position in self.formulas]
            params = {"count": self.formula_count, "cells": where}
            problems.append(Problem(self.file, None, None, "formula_as_text", params, "warning"))
        return problems
