"""Read a data file into text cells before validation: CSV, GeoJSON, GeoPackage (XLSX: _xlsx).

A :class:`Table` holds every cell as text (``""`` for empty), indexed by the row number shown
in messages, with the file-level problems found while reading. A file that cannot be read
gives one file-level problem and an empty table: never an exception, never half a table.

Two modes: the loaders read the project's own files strictly (UTF-8 only); an import
(``lenient=True``) also reads UTF-16 with a byte-order mark and Windows-1252 text whose bytes
decode cleanly (with a warning), checks for NUL bytes anywhere and caps rows and cell sizes.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import itertools
import logging
import re
import unicodedata
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from geodata.records.report import ParamValue, Problem
from geodata.records.schemas import COLUMN_ALIASES
from geodata.settings import (
    MAX_BLANK_ROWS,
    MAX_CELL_CHARS,
    MAX_IMPORT_COLUMNS,
    MAX_IMPORT_ROWS,
    STORAGE_CRS,
)

log = logging.getLogger(__name__)

SEPARATORS: Final = (",", ";", "\t")
_BINARY_PROBE_BYTES: Final = 8192
#: Share of control bytes in the first 8 KB above which a file counts as binary, not text.
_BINARY_SHARE: Final = 0.05
_CONTROL_BYTES: Final = bytes(set(range(32)) - {9, 10, 12, 13})
_UTF16_BOMS: Final = (b"\xff\xfe", b"\xfe\xff")
_FIELD_LIMIT: Final = re.compile(r"field larger than field limit")
#: Non-ASCII characters that Western (Windows-1252) text about Kalbar may hold.
_NON_ASCII: Final = re.compile(r"[^\x00-\x7f]")
_WESTERN_SYMBOLS: Final = frozenset("°²³±·µ½¼¾’‘“”–—…•€™©®§¶«»\u00a0")


@dataclass
class Table:
    """A file read as text cells (one column per header, ``""`` for empty), not yet validated.

    Attributes
    ----------
    file
        The file's name as shown in messages.
    original
        The table as read (a GeoDataFrame for geodata), indexed like ``cells``.
    cells
        Text cells, one column per header (headers as written), index ``row``.
    problems
        File-level problems (an error means no row can be used).
    broken
        Row errors found while reading (a row with the wrong number of cells).
    spreadsheet
        True for cells from a workbook: numbers in date columns are Excel serial dates.
    format
        ``{"csv", "xlsx", "geojson", "gpkg"}``, or ``""`` when not read.
    encoding
        The text encoding used (CSV), else None.
    part
        The sheet (XLSX) or layer (GeoPackage) read, else None.
    """

    file: str
    original: pd.DataFrame
    cells: pd.DataFrame
    problems: list[Problem] = dataclasses.field(default_factory=list)
    broken: list[Problem] = dataclasses.field(default_factory=list)
    spreadsheet: bool = False
    format: str = ""
    encoding: str | None = None
    part: str | None = None

    @property
    def failed(self) -> bool:
        """True when a whole-file error means no row can be validated."""
        return any(p.row is None and p.severity == "error" for p in self.problems)


def failed_table(file: str, code: str, **params: ParamValue) -> Table:
    """An empty table with one file-level error."""
    empty = pd.DataFrame()
    return Table(file, empty, empty, [Problem(file, None, None, code, params)])


def header_key(name: str) -> str:
    """A header as the loaders match it: trimmed, lower-cased, spaces as ``_``, aliases read."""
    key = re.sub(r"[\s\-]+", "_", name.strip()).casefold()
    return COLUMN_ALIASES.get(key, key)


def blank_rows_warning(file: str, rows: list[int], *, count: int | None = None) -> Problem:
    """One warning naming the (first ten) empty rows that were skipped; ``count``: how many
    there were in all (default ``len(rows)``)."""
    total = len(rows) if count is None else count
    shown = [str(row) for row in rows[:10]] + (["…"] if total > 10 else [])
    params: dict[str, ParamValue] = {"count": total, "rows": shown}
    return Problem(file, None, None, "blank_rows_skipped", params, "warning")


class BlankRows:
    """Blank rows kept as runs ``[first, last]``: a million in a row take a few bytes."""

    def __init__(self) -> None:
        self.runs: list[list[int]] = []

    def add(self, number: int) -> int:
        """Note blank row ``number`` (numbers only grow); return the length of its run."""
        if self.runs and self.runs[-1][1] == number - 1:
            self.runs[-1][1] = number
        else:
            self.runs.append([number, number])
        first, last = self.runs[-1]
        return last - first + 1

    def warning(self, file: str, *, before: int | None = None) -> Problem | None:
        """The blank-rows warning for the rows before row ``before`` (None: all), or None."""
        runs = [run for run in self.runs if before is None or run[1] < before]
        if not runs:
            return None
        count = sum(last - first + 1 for first, last in runs)
        shown: list[int] = []
        for first, last in runs:
            shown += range(first, min(last, first + 10 - len(shown)) + 1)
            if len(shown) >= 10:
                break
        return blank_rows_warning(file, shown, count=count)


def cell_too_long(file: str, row: int, column: str, length: int) -> Problem:
    """A row error for a cell longer than a spreadsheet cell can be."""
    params: dict[str, ParamValue] = {"length": length, "limit": MAX_CELL_CHARS}
    return Problem(file, row, column, "cell_too_long", params)


# --- text -----------------------------------------------------------------------------------


def looks_binary(data: bytes) -> bool:
    """True when the start of ``data`` has many control bytes (NUL, ...), unlike any text."""
    probe = data[:_BINARY_PROBE_BYTES]
    if not probe:
        return False
    controls = len(probe) - len(probe.translate(None, _CONTROL_BYTES))
    return controls / len(probe) > _BINARY_SHARE


def looks_utf16(data: bytes) -> bool:
    """Text saved as UTF-16 without a byte-order mark: every other byte is NUL."""
    probe = data[: _BINARY_PROBE_BYTES & ~1]
    if len(probe) < 4:
        return False
    even, odd = probe[0::2].count(0), probe[1::2].count(0)
    return max(even, odd) / (len(probe) / 2) > 0.3 and min(even, odd) < len(probe) / 20


def _clean_western(text: str) -> bool:
    """True when ``text`` (decoded as Windows-1252) looks like Western text, not mojibake.

    Every non-ASCII character must be a Latin letter or a common symbol (``°``, ``’``, ``–``),
    few of them, and rarely two in a row; Shift-JIS or UTF-16 read this way fail.
    """
    foreign = [match.start() for match in _NON_ASCII.finditer(text)]
    if not foreign:
        return True
    if len(foreign) > 0.1 * len(text):
        return False
    for i in foreign:
        char = text[i]
        if char in _WESTERN_SYMBOLS:
            continue
        if char == "ƒ" or not unicodedata.name(char, "").startswith("LATIN"):
            return False
    adjacent = sum(1 for a, b in itertools.pairwise(foreign) if b == a + 1)
    return adjacent <= 0.1 * len(foreign)


def decode_text(
    data: bytes, file: str, *, lenient: bool
) -> tuple[str | None, str | None, list[Problem]]:
    """Decode a text file: UTF-8 (with or without BOM); leniently also UTF-16 and cp1252.

    Returns
    -------
    tuple
        ``(text, encoding, problems)``; ``text`` is None when the file cannot be decoded and
        ``problems`` then holds the reason (one file-level error).
    """
    if lenient and data.startswith(_UTF16_BOMS):
        try:
            return data.decode("utf-16"), "utf-16", []
        except UnicodeDecodeError:
            return None, None, [Problem(file, None, None, "file_utf16")]
    if b"\x00" in (data if lenient else data[:_BINARY_PROBE_BYTES]):
        if not lenient or looks_binary(data):
            code = "file_utf16" if lenient and looks_utf16(data) else "file_not_text"
            return None, None, [Problem(file, None, None, code)]
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        return None, None, [Problem(file, None, None, "file_nul", {"line": line})]
    try:
        return data.decode("utf-8-sig"), "utf-8", []
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        unreadable = [Problem(file, None, None, "file_encoding", {"line": line})]
    if not lenient:
        return None, None, unreadable
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return None, None, unreadable
    if not _clean_western(text):
        return None, None, unreadable
    guessed = Problem(
        file, None, None, "file_encoding_guessed", {"encoding": "Windows-1252"}, "warning"
    )
    return text, "cp1252", [guessed]


def detect_separator(header_line: str) -> str:
    """The separator used most in the header line: ``,``, ``;`` or tab."""
    counts = {separator: header_line.count(separator) for separator in SEPARATORS}
    return max(SEPARATORS, key=lambda separator: counts[separator])


def read_csv(
    data: bytes, file: str, *, lenient: bool = False, max_rows: int = MAX_IMPORT_ROWS
) -> Table:
    """Read CSV bytes into text cells; rows with the wrong number of cells are ``broken``.

    Rows are read one by one and only the filled ones are kept, so reading stops early at a
    limit instead of holding the whole file as rows.

    Parameters
    ----------
    data
        The file's bytes (not empty).
    file
        Name shown in messages.
    lenient
        Also read UTF-16 (BOM) and clean Windows-1252, report NUL bytes anywhere, refuse
        more than ``max_rows`` rows, more than :data:`~geodata.settings.MAX_BLANK_ROWS`
        blank rows in a row, too many columns and cells longer than a spreadsheet cell.
    max_rows
        Most data rows (``lenient`` only).
    """
    text, encoding, problems = decode_text(data, file, lenient=lenient)
    if text is None:
        return Table(file, pd.DataFrame(), pd.DataFrame(), problems)
    end = text.find("\n")
    separator = detect_separator(text if end < 0 else text[:end])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    try:
        header = next(reader, None)
        if header is None:
            return failed_table(file, "file_empty")
        if lenient and len(header) > MAX_IMPORT_COLUMNS:
            return failed_table(file, "too_many_columns", limit=MAX_IMPORT_COLUMNS)
        rows = _CsvRows(file, header, separator)
        if lenient:
            rows.read(reader, max_rows=max_rows, max_blank=MAX_BLANK_ROWS)
        else:
            rows.read(reader, max_rows=None, max_blank=None)
    except csv.Error as error:
        if lenient and _FIELD_LIMIT.search(str(error)):
            limit = csv.field_size_limit()
            return failed_table(file, "cell_too_long_line", line=reader.line_num, limit=limit)
        return failed_table(file, "file_unreadable", reason=str(error), format="CSV")
    if rows.problem is not None:
        return Table(file, pd.DataFrame(), pd.DataFrame(), [rows.problem])
    table = rows.table()
    table.problems[:0] = problems
    table.encoding = encoding
    if lenient:
        table.broken += _long_cells(table.cells, file)
    return table


class _CsvRows:
    """The filled rows of a CSV file, read one by one; blank rows only counted."""

    def __init__(self, file: str, header: list[str], separator: str) -> None:
        self.file = file
        self.header = header
        self.separator = separator
        self.numbers: list[int] = []
        self.records: list[list[str]] = []
        self.broken: list[Problem] = []
        self.blank = BlankRows()
        self.problem: Problem | None = None

    def read(
        self, reader: Iterator[list[str]], *, max_rows: int | None, max_blank: int | None
    ) -> None:
        """Consume the rows after the header; stop at the first limit reached."""
        width = len(self.header)
        for number, record in enumerate(reader, 2):
            if not any(cell.strip() for cell in record):
                run = self.blank.add(number)
                if max_blank is not None and run > max_blank:
                    params: dict[str, ParamValue] = {
                        "row": number - run + 1,
                        "count": run,
                        "limit": max_blank,
                    }
                    self.problem = Problem(self.file, None, None, "upload.blank_rows", params)
                    return
                continue
            if max_rows is not None and len(self.records) >= max_rows:
                self.problem = Problem(
                    self.file,
                    None,
                    None,
                    "too_many_rows",
                    {"count": max_rows + 1, "limit": max_rows},
                )
                return
            if len(record) != width:
                params = {
                    "expected": width,
                    "got": len(record),
                    "separator": "tab" if self.separator == "\t" else self.separator,
                }
                self.broken.append(Problem(self.file, number, None, "row_field_count", params))
                record = (record + [""] * width)[:width]
            self.numbers.append(number)
            self.records.append(record)

    def table(self) -> Table:
        """The rows read as a table of text cells (unnamed empty columns left out)."""
        header = [name.strip() or f"column_{i}" for i, name in enumerate(self.header, 1)]
        unnamed = [i for i, name in enumerate(self.header) if not name.strip()]
        index = pd.Index(self.numbers, name="row", dtype="int64")
        frame = pd.DataFrame(self.records, columns=header, index=index, dtype="str")
        unused = [i for i in unnamed if (frame.iloc[:, i] == "").all()]
        frame = frame.iloc[:, [i for i in range(len(header)) if i not in unused]]
        blank = self.blank.warning(self.file)
        problems = [] if blank is None else [blank]
        return Table(self.file, frame, frame, problems, self.broken, format="csv")


def _long_cells(cells: pd.DataFrame, file: str) -> list[Problem]:
    problems = []
    for position in range(cells.shape[1]):
        lengths = cells.iloc[:, position].str.len()
        long = lengths > MAX_CELL_CHARS
        for row, length in zip(cells.index[long].tolist(), lengths[long].tolist(), strict=True):
            problems.append(cell_too_long(file, row, str(cells.columns[position]), length))
    return problems


# --- geodata --------------------------------------------------------------------------------


def read_geo(
    source: Path | bytes, file: str, *, layer: str | None = None, kind: str | None = None
) -> Table:
    """Read a GeoJSON or GeoPackage layer; a point geometry gives ``lon`` and ``lat``.

    Parameters
    ----------
    source
        A path, or the file's bytes.
    file
        Name shown in messages.
    layer
        The layer to read; None: the first (a warning names the others).
    kind
        ``{"geojson", "gpkg"}``; None: from the file name's suffix.
    """
    suffix = Path(file).suffix.lower()
    kind = kind or ("gpkg" if suffix == ".gpkg" else "geojson")
    handle = io.BytesIO(source) if isinstance(source, bytes) else source
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            layers = pyogrio.list_layers(handle)
            names = [str(name) for name, _ in layers]
            if layer is not None and layer not in names:
                return failed_table(file, "layer_not_found", layer=layer, layers=names)
            chosen = names[0] if layer is None else layer
            if isinstance(handle, io.BytesIO):  # each read gets a new in-memory name
                handle.seek(0)
                frame = pyogrio.read_dataframe(handle, layer=names.index(chosen))
            else:
                frame = pyogrio.read_dataframe(handle, layer=chosen)
    except MemoryError:  # the worker's memory limit (geodata.records._sandbox) says why
        raise
    except Exception as error:  # GDAL raises many kinds for damaged files
        log.debug("Could not read %s", file, exc_info=True)
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        shown = {"gpkg": "GeoPackage", "geojson": "GeoJSON"}.get(kind, kind)
        return failed_table(file, "file_unreadable", reason=reason, format=shown)
    frame.index = pd.RangeIndex(1, len(frame) + 1, name="row")
    cells = pd.DataFrame(
        {name: _as_text(frame[name]) for name in frame.columns if name != "geometry"},
        index=frame.index,
    )
    part = chosen if kind == "gpkg" else None
    layers = names if layer is None else []
    return geo_table(frame, cells, file, kind=kind, part=part, layers=layers)


def geo_table(
    frame: pd.DataFrame,
    cells: pd.DataFrame,
    file: str,
    *,
    kind: str,
    part: str | None,
    layers: list[str],
) -> Table:
    """The table of a layer read: ``cells`` (text, one per column but the geometry) with
    ``lon``/``lat`` from point geometries, a warning naming the other ``layers`` when there
    are several, and a row error for each geometry that is not a point."""
    frame.index = cells.index = pd.RangeIndex(1, len(frame) + 1, name="row")
    problems = []
    if len(layers) > 1:
        params: dict[str, ParamValue] = {"layer": part or layers[0], "layers": layers}
        problems.append(Problem(file, None, None, "layer_choice", params, "warning"))
    broken: list[Problem] = []
    if isinstance(frame, gpd.GeoDataFrame) and frame.geometry.notna().any():
        cells, more, broken = _points_from_geometry(frame, cells, file)
        problems += more
    return Table(file, frame, cells, problems, broken, format=kind, part=part)


def _as_text(column: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(column):
        text = column.dt.strftime("%Y-%m-%d")
    elif pd.api.types.is_bool_dtype(column):
        text = column.map({True: "true", False: "false"})
    else:
        text = column.astype("str")
    return text.fillna("").astype("str")


def _points_from_geometry(
    frame: gpd.GeoDataFrame, cells: pd.DataFrame, file: str
) -> tuple[pd.DataFrame, list[Problem], list[Problem]]:
    problems = []
    if frame.crs is None:
        problems.append(Problem(file, None, None, "crs_missing", {}, "warning"))
    elif frame.crs != STORAGE_CRS:
        params: dict[str, ParamValue] = {"crs": frame.crs.to_string()}
        problems.append(Problem(file, None, None, "crs_reprojected", params, "warning"))
        frame = frame.to_crs(STORAGE_CRS)
    if {"lon", "lat"} & {header_key(name) for name in cells.columns}:
        problems.append(Problem(file, None, None, "lonlat_ignored", {}, "warning"))
        cells = cells.loc[:, [header_key(name) not in {"lon", "lat"} for name in cells.columns]]
    geometry = frame.geometry.to_numpy()
    present = ~(shapely.is_missing(geometry) | shapely.is_empty(geometry))
    point = present & (shapely.get_type_id(geometry) == shapely.GeometryType.POINT)
    broken = [
        Problem(file, int(row), "geometry", "geometry_not_point", {"geom_type": kind})
        for row, kind in zip(
            frame.index[present & ~point], frame.geom_type[present & ~point], strict=True
        )
    ]
    x = np.where(point, shapely.get_x(geometry), np.nan)
    y = np.where(point, shapely.get_y(geometry), np.nan)
    cells = cells.assign(
        lon=pd.Series(x, index=cells.index).astype("str").fillna(""),
        lat=pd.Series(y, index=cells.index).astype("str").fillna(""),
    )
    return cells, problems, broken
