"""Receive a file to import (a path, or bytes and a name) and read it by what it contains.

The name shown in messages is the file's base name only (``../../etc/passwd`` shows as
``passwd``); nothing is ever opened or written under a name that came with an upload. The
size is checked before anything is read. The format comes from the bytes: a ZIP with a
workbook is read as XLSX even when named ``.csv`` (with a warning), an old ``.xls``, an ODS
or a zipped shapefile gets a message that says how to save it instead.

Every upload is read by :func:`read_upload`, for every role, in demo mode, by the import and
by ``python -m geodata.validate`` alike: in a worker process with a time and a memory limit
(:mod:`geodata.records._sandbox`, limits in :mod:`geodata.settings`), after checks made before any
parser runs (the XLSX ZIP directory, the shape of a GeoJSON file); GeoPackages are read by
SQLite with views and triggers ignored (:mod:`geodata.records._gpkg`). A limit reached gives one
file-level problem that says which limit, the limit and what the file needed.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path, PurePosixPath
from typing import Final

import pandas as pd

from geodata.records._geojson import geojson_problem
from geodata.records._gpkg import read_gpkg
from geodata.records._read import Table, failed_table, looks_binary, looks_utf16, read_csv, read_geo
from geodata.records._sandbox import LimitExceededError, run_bounded
from geodata.records._xlsx import read_xlsx
from geodata.records.report import ParamValue, Problem
from geodata.settings import (
    GEOJSON_MAX_DEPTH,
    MAX_IMPORT_COLUMNS,
    MAX_IMPORT_ROWS,
    MAX_UPLOAD_MB,
    UPLOAD_MEMORY_LIMIT_MB,
    UPLOAD_TIME_LIMIT_S,
)

log = logging.getLogger(__name__)

TEXT_SUFFIXES: Final = frozenset({".csv", ".txt", ".tsv"})
GEOJSON_SUFFIXES: Final = frozenset({".geojson", ".json"})
XLSX_SUFFIXES: Final = frozenset({".xlsx", ".xlsm"})
ALLOWED_SUFFIXES: Final = TEXT_SUFFIXES | GEOJSON_SUFFIXES | XLSX_SUFFIXES | {".gpkg"}
_MAX_NAME_CHARS: Final = 120
#: Control and text-direction characters, removed from file names (``exe\u202etxt.csv``).
_HIDDEN: Final = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_OLE2: Final = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SQLITE: Final = b"SQLite format 3\x00"
_ZIP: Final = (b"PK\x03\x04", b"PK\x05\x06")

PathLike = str | os.PathLike[str]


def display_name(name: str) -> str:
    """The base name of an uploaded file, without control or direction characters, at most
    120 characters."""
    base = PurePosixPath(str(name).replace("\\", "/")).name
    base = _HIDDEN.sub("", base).strip() or "file"
    if len(base) > _MAX_NAME_CHARS:
        stem, dot, suffix = base.rpartition(".")
        keep = _MAX_NAME_CHARS - len(suffix) - 2
        base = f"{stem[:keep]}….{suffix}" if dot and len(suffix) <= 8 else base[:_MAX_NAME_CHARS]
    return base


def receive(
    source: PathLike | bytes, *, filename: str | None, max_bytes: int | None
) -> tuple[bytes | None, str, Problem | None]:
    """The file's bytes and display name, or a file-level problem (missing, too large, empty).

    Raises
    ------
    TypeError
        If ``source`` is neither a path nor bytes, or bytes come without a ``filename``.
    """
    limit = max_bytes if max_bytes is not None else MAX_UPLOAD_MB * 1024 * 1024
    if isinstance(source, bytes | bytearray | memoryview):
        if not isinstance(filename, str):
            raise TypeError("`filename` should be given (a str) when `source` is bytes")
        file, data = display_name(filename), bytes(source)
        if len(data) > limit:
            return None, file, _too_large(file, len(data), limit)
    elif isinstance(source, str | os.PathLike):
        path = Path(source)
        file = display_name(filename or path.name)
        if not path.is_file():
            return None, file, Problem(file, None, None, "file_not_found", {"path": file})
        try:
            size = path.stat().st_size
            if size > limit:
                return None, file, _too_large(file, size, limit)
            data = path.read_bytes()
        except OSError as error:
            reason = error.strerror or type(error).__name__
            params: dict[str, ParamValue] = {"reason": reason, "format": path.suffix or "–"}
            return None, file, Problem(file, None, None, "file_unreadable", params)
    else:
        raise TypeError(f"`source` should be a path or bytes, got {type(source).__name__}")
    if not data.removeprefix(b"\xef\xbb\xbf").strip(b" \t\r\n\x00"):
        return None, file, Problem(file, None, None, "file_empty")
    return data, file, None


def _too_large(file: str, size: int, limit: int) -> Problem:
    params: dict[str, ParamValue] = {
        "size_mb": round(size / 1024 / 1024, 1),
        "limit_mb": round(limit / 1024 / 1024, 1),
    }
    return Problem(file, None, None, "file_too_large", params)


def sniff(data: bytes) -> str:
    """What the bytes are: ``{"zip", "ole2", "sqlite", "pdf", "utf16", "binary", "text"}``."""
    if data.startswith(_ZIP):
        return "zip"
    if data.startswith(_OLE2):
        return "ole2"
    if data.startswith(_SQLITE):
        return "sqlite"
    if data.startswith(b"%PDF"):
        return "pdf"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "text"
    if looks_utf16(data):
        return "utf16"
    if looks_binary(data):
        return "binary"
    return "text"


def read_upload(
    data: bytes,
    file: str,
    *,
    sheet: str | None = None,
    layer: str | None = None,
    max_rows: int = MAX_IMPORT_ROWS,
    seconds: float | None = None,
    memory_mb: int | None = None,
) -> Table:
    """Read the bytes of a file to import by their content, its name's suffix as a hint, in
    a worker process within the upload limits.

    Parameters
    ----------
    data, file
        The file's bytes and the name shown in messages.
    sheet, layer
        The XLSX sheet or GeoPackage layer to read; None: the first.
    max_rows
        Larger files are refused with one file-level problem.
    seconds, memory_mb
        Wall-time and memory limits of the worker; None:
        :data:`~geodata.settings.UPLOAD_TIME_LIMIT_S`, ``UPLOAD_MEMORY_LIMIT_MB``.

    Returns
    -------
    Table
        A limit reached gives an empty table with one file-level error.
    """
    seconds = UPLOAD_TIME_LIMIT_S if seconds is None else seconds
    memory_mb = UPLOAD_MEMORY_LIMIT_MB if memory_mb is None else memory_mb
    try:
        return run_bounded(
            read_content,
            data,
            file,
            sheet=sheet,
            layer=layer,
            max_rows=max_rows,
            seconds=seconds,
            memory_mb=memory_mb,
        )
    except LimitExceededError as error:
        log.warning("Reading %s stopped: %s", file, error)
        return _limit_table(file, error)


def _limit_table(file: str, error: LimitExceededError) -> Table:
    if error.limit == "time":
        return failed_table(file, "upload.time_limit", seconds=error.used, limit=error.allowed)
    if error.limit == "busy":
        return failed_table(file, "upload.busy", limit=error.allowed)
    if error.limit == "memory":
        return failed_table(file, "upload.memory_limit", limit_mb=round(error.allowed))
    exit_code = "–" if error.exit_code is None else str(error.exit_code)
    return failed_table(
        file, "upload.worker_crashed", limit_mb=round(error.allowed), exit_code=exit_code
    )


def read_content(
    data: bytes,
    file: str,
    *,
    sheet: str | None = None,
    layer: str | None = None,
    max_rows: int = MAX_IMPORT_ROWS,
) -> Table:
    """Read the bytes in this process, after the checks made before parsing (what
    :func:`read_upload` runs in the worker; call that instead)."""
    suffix = Path(file).suffix.lower()
    kind = sniff(data)
    if kind == "zip":
        table = read_xlsx(data, file, sheet=sheet, max_rows=max_rows)
        detected = ".xlsx"
    elif kind == "sqlite":
        table = read_gpkg(data, file, layer=layer, max_rows=max_rows)
        detected = ".gpkg"
    elif kind == "ole2":
        return failed_table(file, "file_xls_old")
    elif kind == "utf16":
        return failed_table(file, "file_utf16")
    elif kind in ("pdf", "binary"):
        if suffix not in ALLOWED_SUFFIXES:
            return _wrong_suffix(file, suffix)
        return failed_table(file, "file_not_text")
    elif suffix in GEOJSON_SUFFIXES:
        problem = geojson_problem(
            data,
            file,
            max_rows=max_rows,
            max_properties=MAX_IMPORT_COLUMNS,
            max_depth=GEOJSON_MAX_DEPTH,
        )
        if problem is not None:
            return Table(file, pd.DataFrame(), pd.DataFrame(), [problem])
        return read_geo(data, file, layer=layer, kind="geojson")
    elif suffix in TEXT_SUFFIXES | XLSX_SUFFIXES:  # a CSV saved under an .xlsx name
        table = read_csv(data, file, lenient=True, max_rows=max_rows)
        detected = ".csv"
    else:
        return _wrong_suffix(file, suffix)
    expected = {".xlsx": XLSX_SUFFIXES, ".gpkg": {".gpkg"}}.get(detected, TEXT_SUFFIXES)
    if not table.failed and suffix not in expected:
        params: dict[str, ParamValue] = {"suffix": suffix or "–", "detected": detected}
        table.problems.insert(
            0, Problem(file, None, None, "format_from_content", params, "warning")
        )
    return table


def _wrong_suffix(file: str, suffix: str) -> Table:
    return failed_table(file, "file_format", suffix=suffix or "–", allowed=sorted(ALLOWED_SUFFIXES))
