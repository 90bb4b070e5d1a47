"""Load case, crossing and shelter files and validate every row against
:mod:`geodata.records.schemas`.

Files may be CSV (UTF-8 with or without BOM, separated by ``,`` ``;`` or tab) or GeoJSON /
GeoPackage (a point geometry gives ``lon`` and ``lat``). Cells are read as Indonesian records
write them (:mod:`geodata.records.parsing`): decimal commas, coordinates in degrees-minutes-seconds
with LU/LS/BT/BB, dates such as ``20 Juni 2025``. Every problem is collected first and
returned in one :class:`~geodata.records.report.Report`; bad data never raises. A row with an error
is left out of the loaded frame and kept, as read, in ``invalid_rows``; a warning keeps it.

:func:`validate_table` runs the same checks on a table read elsewhere: :mod:`geodata.records.intake`
uses it for imports (XLSX, other encodings and headers, place names).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from rapidfuzz import process, utils
from shapely.geometry.base import BaseGeometry

from geodata import reference
from geodata.codes import code_level
from geodata.errors import ArgumentError, ValidationError, not_one_of
from geodata.i18n import today_in_kalbar
from geodata.records._read import Table, failed_table, header_key, read_csv, read_geo
from geodata.records.bounds import (
    KM_PER_DEGREE,
    TOLERANCE_KM,
    Shape,
    km_from_border,
    km_outside,
    outline,
    shown_km,
)
from geodata.records.coded_values import coded_values, country_code, read_bool, suggest_country
from geodata.records.parsing import Axis, parse_coordinate, parse_dates, parse_decimal
from geodata.records.report import ParamValue, Problem, Report, Severity
from geodata.records.schemas import (
    CASE,
    CROSSING,
    LOCATION_PRECISION,
    MIN_DATE,
    SCHEMAS,
    SHELTER,
    VICTIM_COLUMNS,
    VICTIMS_TOTAL,
    Entity,
    Field,
    FieldKind,
    Schema,
)
from geodata.settings import (
    BORDER_BAND_KM,
    CODE_LENGTH,
    DEFAULT_LANGUAGE,
    LEVELS,
    STORAGE_CRS,
)

log = logging.getLogger(__name__)

#: Points closer than this to an outline count as on it (no warning).
_ON_OUTLINE_KM: Final = 0.05

_CSV_SUFFIXES: Final = frozenset({".csv", ".txt"})
_GEO_SUFFIXES: Final = frozenset({".geojson", ".json", ".gpkg"})
_LIST_SEPARATORS: Final = re.compile(r"[;,\n]")
_ADMIN_CODE: Final = r"\d{2}\.\d{2}(?:\.\d{2}(?:\.\d{4})?)?"
_PRECISION_RANK: Final = {"kabupaten": 1, "kecamatan": 2, "desa": 3}
#: The ``crossing_type`` a case should have for each crossing ``kind``.
_CROSSING_TYPE_OF_KIND: Final = {
    "plbn": "official",
    "land_track": "unofficial",
    "river_route": "unofficial",
}
_POINT_FIELD: Final = "lon, lat"
_VICTIMS_FIELD: Final = "victims_*"

PathLike = str | os.PathLike[str]


@dataclass(frozen=True)
class LoadResult:
    """What a loader returns.

    Attributes
    ----------
    frame
        The valid rows, typed as in :mod:`geodata.records.schemas`, point geometry in EPSG:4326
        (empty where a case has no coordinates). The index is the row number of the report.
    report
        Every problem found, errors and warnings.
    invalid_rows
        The rejected rows as read from the file, indexed by the same row numbers.
    """

    frame: gpd.GeoDataFrame
    report: Report
    invalid_rows: pd.DataFrame

    @property
    def ok(self) -> bool:
        """True when the file had no error."""
        return self.report.ok

    def raise_for_errors(self, lang: str = DEFAULT_LANGUAGE) -> None:
        """Raise :class:`~geodata.errors.ValidationError` (with the report) if any error."""
        if not self.report.ok:
            raise ValidationError(self.report.to_text(lang, limit=20), self.report)


# --- reference data -------------------------------------------------------------------------


class _Reference:
    """Province outline, gazetteer and unit geometries, loaded only when a check needs them."""

    def __init__(
        self,
        *,
        province: BaseGeometry | None,
        gazetteer: pd.DataFrame | None,
        units: gpd.GeoDataFrame | None,
    ) -> None:
        self._province = province
        self._gazetteer = gazetteer
        self._units = units

    @cached_property
    def province(self) -> BaseGeometry:
        outline = reference.load_province() if self._province is None else self._province
        shapely.prepare(outline)
        return outline

    @cached_property
    def outline(self) -> Shape:
        """The province outline, for distances (:mod:`geodata.records.bounds`)."""
        return outline(self._province)

    @cached_property
    def names(self) -> pd.Series:
        """Unit name by code."""
        gazetteer = reference.load_gazetteer() if self._gazetteer is None else self._gazetteer
        codes = gazetteer["code"].astype(str)
        names = pd.Series(gazetteer["name"].to_numpy(), index=codes)
        return names[~names.index.duplicated()]

    @cached_property
    def geometries(self) -> pd.Series:
        """Unit geometry by code, all levels."""
        if self._units is None:
            units = pd.concat([reference.load_units(level) for level in LEVELS])
        else:
            units = self._units
        shapes = pd.Series(units.geometry.to_numpy(), index=units["code"].astype(str))
        return shapes[~shapes.index.duplicated()]


def check_arguments(
    *,
    crossings: object = None,
    province: object = None,
    gazetteer: object = None,
    units: object = None,
    today: object = None,
) -> None:
    """Raise TypeError or ValueError for reference data of the wrong type, columns or CRS."""
    expected: list[tuple[str, object, type, tuple[str, ...]]] = [
        ("crossings", crossings, pd.DataFrame, ("crossing_id",)),
        ("province", province, BaseGeometry, ()),
        ("gazetteer", gazetteer, pd.DataFrame, ("code", "name")),
        ("units", units, gpd.GeoDataFrame, ("code",)),
        ("today", today, dt.date, ()),
    ]
    for name, value, kind, columns in expected:
        if value is None:
            continue
        if not isinstance(value, kind):
            raise TypeError(f"`{name}` should be a {kind.__name__}, got {type(value).__name__}")
        missing = [column for column in columns if column not in getattr(value, "columns", ())]
        if missing:
            raise ArgumentError(
                f"`{name}` should have the columns {columns}, it lacks {missing}; pass the "
                "frame as the loaders return it"
            )
    if isinstance(units, gpd.GeoDataFrame) and units.crs is not None and units.crs != STORAGE_CRS:
        raise ArgumentError(
            f"`units` should be in {STORAGE_CRS}, got {units.crs.to_string()}; "
            f"use units.to_crs({STORAGE_CRS!r})"
        )


# --- reading --------------------------------------------------------------------------------


def _read(path: Path) -> Table:
    """Read one of the project's own files strictly: UTF-8 CSV, GeoJSON or GeoPackage."""
    file = path.name
    suffix = path.suffix.lower()
    if not path.is_file():
        return failed_table(file, "file_not_found", path=str(path))
    if suffix not in _CSV_SUFFIXES | _GEO_SUFFIXES:
        allowed = sorted(_CSV_SUFFIXES | _GEO_SUFFIXES)
        return failed_table(file, "file_format", suffix=suffix or "–", allowed=allowed)
    try:
        data = path.read_bytes()
    except OSError as error:
        reason = error.strerror or str(error)
        return failed_table(file, "file_unreadable", reason=reason, format=suffix)
    if not data.removeprefix(b"\xef\xbb\xbf").strip():
        return failed_table(file, "file_empty")
    if suffix in _CSV_SUFFIXES:
        return read_csv(data, file)
    return read_geo(path, file)


# --- columns --------------------------------------------------------------------------------


def _suggest(value: str, choices: Collection[str], *, cutoff: float = 70) -> str | None:
    match = process.extractOne(
        value, list(choices), processor=utils.default_process, score_cutoff=cutoff
    )
    return None if match is None else str(match[0])


def _map_columns(source: Table, schema: Schema) -> pd.DataFrame | None:
    """Rename headers to schema names; report renamed, unknown, duplicate and missing ones.

    Returns the text cells of the known columns, or None when the file cannot be validated.
    """
    file, problems = source.file, source.problems
    if source.failed:
        return None
    if len(source.cells) == 0:
        problems.append(Problem(file, None, None, "file_no_rows", {}, "warning"))
        return None
    headers = [(name, header_key(name)) for name in source.cells.columns]
    known = {name: key for name, key in headers if key in schema.names}
    unknown = [name for name, key in headers if key not in schema.names]
    renamed = [f"{name} → {key}" for name, key in known.items() if name != key]
    if renamed:
        params: dict[str, ParamValue] = {"columns": renamed}
        problems.append(Problem(file, None, None, "columns_renamed", params, "warning"))
    keys = [key for _, key in headers if key in schema.names]
    duplicated = sorted({key for key in keys if keys.count(key) > 1})
    if duplicated:
        problems.append(Problem(file, None, None, "column_duplicate", {"columns": duplicated}))
    missing = [name for name in schema.required_columns if name not in known.values()]
    if missing:
        problems.append(_missing_columns(file, missing, unknown))
    for group in schema.any_of:
        if not set(group) & set(known.values()):
            problems.append(Problem(file, None, None, "columns_none_of", {"columns": list(group)}))
    if unknown and not missing:
        columns: dict[str, ParamValue] = {"columns": unknown}
        problems.append(Problem(file, None, None, "columns_unknown", columns, "warning"))
    if source.failed:
        return None
    cells = source.cells.loc[:, list(known)].rename(columns=known)
    for name in cells.columns:
        if schema.field(name).kind != "free_text":
            cells[name] = cells[name].str.strip()
    return cells


def _missing_columns(file: str, missing: list[str], unknown: list[str]) -> Problem:
    pairs = []
    for name in missing:
        guess = _suggest(name, unknown, cutoff=80)
        if guess is not None:
            pairs.append(f"{guess} → {name}")
    params: dict[str, ParamValue] = {"columns": missing, "suggestion": ", ".join(pairs) or None}
    return Problem(file, None, None, "columns_missing", params)


# --- the validation state -------------------------------------------------------------------


def _plain(value: object) -> ParamValue:
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, str | int | float | bool):
        return value
    return str(value)


class _Check:
    """Validation state of one file: text cells, parsed values, problems and rejected rows."""

    def __init__(self, source: Table, schema: Schema, *, ref: _Reference, today: dt.date) -> None:
        cells = _map_columns(source, schema)
        self.source = source
        self.schema = schema
        self.ref = ref
        self.today = today
        self.file = source.file
        if cells is None:
            cells = pd.DataFrame(columns=list(schema.names), dtype="str")
        self.cells = cells
        self.rows = self.cells.index.to_numpy()
        self.rejected = np.zeros(len(self.cells), dtype=bool)
        self.broken = np.zeros(len(self.cells), dtype=bool)
        self.problems = list(source.problems)
        self.values: dict[str, pd.Series] = {}
        if not source.failed:
            self._reject_broken(source.broken)

    def _reject_broken(self, broken: list[Problem]) -> None:
        """Reject rows that could not be read whole; their cells are not checked further."""
        self.problems += broken
        self.broken = np.isin(self.rows, [p.row for p in broken if p.row is not None])
        self.rejected |= self.broken

    def text(self, name: str) -> pd.Series:
        """Cells of a column, "" where empty or where the file has no such column."""
        if name in self.cells:
            return self.cells[name]
        return pd.Series("", index=self.cells.index, dtype="str")

    def flag(
        self,
        mask: pd.Series | np.ndarray,
        field: str | None,
        code: str,
        *,
        severity: Severity = "error",
        per_row: Mapping[str, pd.Series | np.ndarray] | None = None,
        **params: ParamValue,
    ) -> None:
        """Add one problem per row where ``mask`` is true; an error rejects the row."""
        positions = np.flatnonzero(np.asarray(mask, dtype=bool) & ~self.broken)
        if positions.size == 0:
            return
        if severity == "error":
            self.rejected[positions] = True
        columns = {
            name: np.asarray(values, dtype=object)[positions]
            for name, values in (per_row or {}).items()
        }
        for j, position in enumerate(positions):
            row_params = {**params, **{name: _plain(v[j]) for name, v in columns.items()}}
            self.problems.append(
                Problem(self.file, int(self.rows[position]), field, code, row_params, severity)
            )

    def flag_file(self, code: str, *, severity: Severity = "error", **params: ParamValue) -> None:
        """Add one problem about the whole file."""
        self.problems.append(Problem(self.file, None, None, code, params, severity))


# --- field parsers --------------------------------------------------------------------------


def _parse_text(check: _Check, field: Field, text: pd.Series) -> pd.Series:
    return text.where(text != "")


def _resolve(
    check: _Check,
    field: Field,
    text: pd.Series,
    resolve: Callable[[str], tuple[str | None, str | None]],
    code: str,
    *,
    allowed: list[str] | None = None,
) -> pd.Series:
    """Map each distinct value to its code (:mod:`geodata.records.coded_values`); reject the rest
    with the nearest spellings as a suggestion."""
    blank = text == ""
    resolved = {value: resolve(value) for value in text[~blank].unique()}
    value = text.map({key: accepted for key, (accepted, _) in resolved.items()})
    suggestion = text.map({key: hint for key, (_, hint) in resolved.items()})
    check.flag(
        ~blank & value.isna(),
        field.name,
        code,
        per_row={"value": text, "suggestion": suggestion},
        allowed=allowed,
    )
    return value if field.default is None else value.where(~blank, field.default)


def _parse_choice(check: _Check, field: Field, text: pd.Series) -> pd.Series:
    values = coded_values(check.schema.entity, field.name)

    def resolve(value: str) -> tuple[str | None, str | None]:
        accepted = values.read(value)
        return accepted, None if accepted else values.suggest(value)

    return _resolve(check, field, text, resolve, "not_allowed", allowed=values.allowed)


def _parse_country(check: _Check, field: Field, text: pd.Series) -> pd.Series:
    def resolve(value: str) -> tuple[str | None, str | None]:
        accepted = country_code(value)
        return accepted, None if accepted else suggest_country(value)

    return _resolve(check, field, text, resolve, "country_unknown")


def _parse_date(check: _Check, field: Field, text: pd.Series) -> pd.Series:
    blank = text == ""
    dates = parse_dates(text, excel_serial=check.source.spreadsheet)
    parsed, form = dates.values, dates.form
    serial = form == "serial"
    shown = text.mask(serial, text + " (= " + parsed.dt.strftime("%Y-%m-%d").fillna("") + ")")
    name, value = field.name, {"value": shown}
    check.flag(~blank & form.isna(), name, "not_date", per_row=value)
    check.flag(form.notna() & parsed.isna(), name, "date_impossible", per_row=value)
    today, earliest = pd.Timestamp(check.today), pd.Timestamp(MIN_DATE)
    check.flag(parsed > today, name, "date_future", per_row=value, today=check.today.isoformat())
    check.flag(
        parsed < earliest, name, "date_too_early", per_row=value, minimum=MIN_DATE.isoformat()
    )
    if serial.any():
        first = int(np.flatnonzero(serial.to_numpy())[0])
        params: dict[str, ParamValue] = {
            "count": int(serial.sum()),
            "value": str(shown.iloc[first]),
        }
        check.problems.append(Problem(check.file, None, name, "date_serial", params, "warning"))
    return parsed.where((parsed <= today) & (parsed >= earliest))


def _parse_float(check: _Check, field: Field, text: pd.Series) -> pd.Series:
    if field.name not in ("lon", "lat"):
        number = parse_decimal(text)
        check.flag((text != "") & number.isna(), field.name, "not_number", per_row={"value": text})
        return number
    axis: Axis = "lon" if field.name == "lon" else "lat"
    coordinates = parse_coordinate(text, axis=axis)
    number, wrong = coordinates.values, coordinates.wrong_axis
    check.flag(wrong, field.name, "coordinate_hemisphere", per_row={"value": text})
    unread = (text != "") & number.isna() & ~wrong
    check.flag(unread, field.name, "not_number", per_row={"value": text})
    return number


def _parse_count(check: _Check, field: Field, text: pd.Series) -> pd.Series:
    number = parse_decimal(text)
    whole = number % 1 == 0
    check.flag((text != "") & ~whole, field.name, "not_integer", per_row={"value": text})
    negative = whole & (number < 0)
    check.flag(negative, field.name, "negative", per_row={"value": text})
    number = number.where(whole & ~negative)
    return number if field.default is None else number.where(text != "", field.default)


def _parse_bool(check: _Check, field: Field, text: pd.Series) -> pd.Series:
    value = text.map({cell: read_bool(cell) for cell in text[text != ""].unique()})
    check.flag((text != "") & value.isna(), field.name, "not_bool", per_row={"value": text})
    return value.where(text != "", field.default)


def _known_parent(code: str, names: pd.Series) -> str | None:
    for level in ("kecamatan", "kabupaten"):
        parent = code[: CODE_LENGTH[level]]
        if len(parent) < len(code) and parent in names.index:
            return parent
    return None


def _parse_admin_code(check: _Check, field: Field, text: pd.Series) -> pd.Series:
    well_formed = text.str.fullmatch(_ADMIN_CODE)
    check.flag((text != "") & ~well_formed, field.name, "code_format", per_row={"value": text})
    if not well_formed.any():
        return text.where(well_formed)
    names = check.ref.names
    known = text.isin(names.index)
    unknown = well_formed & ~known
    parent = text[unknown].map(lambda code: _known_parent(code, names))
    with_parent = pd.Series(False, index=text.index)
    with_parent[unknown] = parent.notna()
    check.flag(unknown & ~with_parent, field.name, "code_unknown", per_row={"value": text})
    parent = parent.reindex(text.index)
    check.flag(
        with_parent,
        field.name,
        "code_unknown_parent",
        per_row={
            "value": text,
            "parent": parent,
            "parent_name": parent.map(names),
            "parent_level": code_level(parent),
        },
    )
    return text.where(well_formed & known)


def _parse_list(check: _Check, field: Field, text: pd.Series) -> pd.Series:
    """Items separated by ``;`` (or ``,``), each read as a code; unknown items are kept
    (lower case) with a warning and the nearest spellings."""
    values = coded_values(check.schema.entity, field.name)
    tidy, unknown, hints = {}, {}, {}
    for value in text[text != ""].unique():
        items = [item.strip() for item in _LIST_SEPARATORS.split(value) if item.strip()]
        codes = [values.read(item) or item.casefold() for item in items]
        tidy[value] = ";".join(dict.fromkeys(codes))
        strange = [item for item in items if values.read(item) is None]
        unknown[value] = ", ".join(strange) or None
        hints[value] = "; ".join(filter(None, map(values.suggest, strange))) or None
    strange_items = text.map(unknown)
    check.flag(
        strange_items.notna(),
        field.name,
        "list_unknown",
        severity="warning",
        per_row={"value": strange_items, "suggestion": text.map(hints)},
        allowed=values.allowed,
    )
    return text.map(tidy)


_PARSERS: Final[dict[FieldKind, Callable[[_Check, Field, pd.Series], pd.Series]]] = {
    "text": _parse_text,
    "free_text": _parse_text,
    "choice": _parse_choice,
    "date": _parse_date,
    "float": _parse_float,
    "count": _parse_count,
    "bool": _parse_bool,
    "admin_code": _parse_admin_code,
    "country": _parse_country,
    "list": _parse_list,
}


def _parse_fields(check: _Check) -> None:
    for spec in check.schema.fields:
        text = check.text(spec.name)
        if spec.required:
            check.flag(text == "", spec.name, "required_missing")
        check.values[spec.name] = _PARSERS[spec.kind](check, spec, text)


# --- rules across fields --------------------------------------------------------------------


def _check_ids(check: _Check) -> None:
    name = check.schema.id_field
    ids = check.values[name]
    repeated = ids.notna() & ids.duplicated(keep="first")
    first = ids.notna() & ~repeated
    first_row = pd.Series(check.rows[first.to_numpy()], index=ids[first].to_numpy())
    check.flag(
        repeated,
        name,
        "id_duplicate",
        per_row={"value": ids, "first_row": ids.map(first_row).astype("Int64")},
    )


def _check_pairs(check: _Check) -> None:
    lon, lat = check.text("lon") != "", check.text("lat") != ""
    check.flag(lon & ~lat, "lat", "coordinate_pair", present="lon", missing="lat")
    check.flag(lat & ~lon, "lon", "coordinate_pair", present="lat", missing="lon")


def _distance_km(geometry: BaseGeometry | np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.round(shapely.distance(geometry, shapely.points(x, y)) * KM_PER_DEGREE, 1)


def _check_points(check: _Check, *, at_border: bool = False) -> np.ndarray:
    """Reject swapped, impossible and out-of-Kalbar points; return rows with a usable point.
    ``at_border``: points within :data:`BORDER_BAND_KM` of the land border pass too."""
    lon, lat = check.values["lon"].to_numpy(), check.values["lat"].to_numpy()
    has = ~(np.isnan(lon) | np.isnan(lat))
    if not has.any():
        return has
    province = check.ref.province
    outside = has.copy()
    outside[has] = ~shapely.intersects_xy(province, lon[has], lat[has])
    swapped = outside.copy()
    swapped[outside] = shapely.intersects_xy(province, lat[outside], lon[outside])
    where: dict[str, pd.Series | np.ndarray] = {"lon": check.text("lon"), "lat": check.text("lat")}
    check.flag(swapped, _POINT_FIELD, "coordinates_swapped", per_row=where)
    impossible = outside & ~swapped & ((np.abs(lon) > 180) | (np.abs(lat) > 90))
    check.flag(impossible, _POINT_FIELD, "coordinate_range", per_row=where)
    away = outside & ~swapped & ~impossible
    distance = np.full(len(lon), np.nan)
    distance[away] = km_outside(lon[away], lat[away], check.ref.outline)
    near = away & (distance <= TOLERANCE_KM)
    beyond = away & ~near
    banded = np.zeros(len(lon), dtype=bool)
    border_km = np.full(len(lon), np.nan)
    if at_border and beyond.any():
        border_km[beyond] = km_from_border(lon[beyond], lat[beyond])
        banded = beyond & (border_km <= BORDER_BAND_KM)
    refused = beyond & ~banded
    shown = np.where(refused, shown_km(distance, refused=True), shown_km(distance, refused=False))
    where_far = {**where, "distance_km": shown}
    near_outline = near & (distance >= _ON_OUTLINE_KM)
    check.flag(near_outline, _POINT_FIELD, "near_province", severity="warning", per_row=where_far)
    per_row = {**where_far, "border_km": shown_km(border_km, refused=False)}
    check.flag(banded, _POINT_FIELD, "beyond_border", severity="warning", per_row=per_row)
    check.flag(refused, _POINT_FIELD, "outside_province", per_row=where_far)
    return has & ~outside | near | banded


def _checked_unit(code: str, geometries: pd.Series) -> str | None:
    """The code itself if it has a geometry, else its nearest ancestor that has one."""
    for level in ("desa", "kecamatan", "kabupaten"):
        candidate = code[: CODE_LENGTH[level]]
        if len(candidate) <= len(code) and candidate in geometries.index:
            return candidate
    return None


def _check_in_unit(check: _Check, point: np.ndarray) -> None:
    """Warn where a point lies outside the unit its admin_code names."""
    codes = check.values["admin_code"]
    both = point & codes.notna().to_numpy()
    if not both.any():
        return
    geometries = check.ref.geometries
    unit = codes[both].map(lambda code: _checked_unit(code, geometries))
    shapes = unit.map(geometries).to_numpy()
    testable = pd.notna(shapes)
    x = check.values["lon"].to_numpy()[both][testable]
    y = check.values["lat"].to_numpy()[both][testable]
    shapely.prepare(shapes[testable])
    distance = np.zeros(len(unit))
    outside = ~shapely.intersects_xy(shapes[testable], x, y)
    distance[np.flatnonzero(testable)[outside]] = _distance_km(
        shapes[testable][outside], x[outside], y[outside]
    )
    far = np.zeros(len(codes), dtype=bool)
    far[both] = distance > TOLERANCE_KM
    full = pd.Series(np.nan, index=codes.index, dtype=object)
    full[both] = distance
    unit_code = unit.reindex(codes.index)
    check.flag(
        far,
        "admin_code",
        "outside_unit",
        severity="warning",
        per_row={
            "value": codes,
            "unit": unit_code,
            "unit_name": unit_code.map(check.ref.names),
            "distance_km": full,
            "lon": check.text("lon"),
            "lat": check.text("lat"),
        },
    )


def _check_location(check: _Check) -> None:
    """Cases: the precision must match what is given (point, admin code or both)."""
    precision, code = check.values["location_precision"], check.values["admin_code"]
    no_point = (check.text("lon") == "") & (check.text("lat") == "")
    level = code_level(code)
    exact = (precision == "exact") & no_point
    field = "location_precision"
    check.flag(exact & code.isna(), field, "exact_needs_point")
    check.flag(
        exact & code.notna(),
        field,
        "exact_needs_point_code",
        per_row={"value": code, "level": level},
    )
    missing = precision.isin(LOCATION_PRECISION - {"exact"}) & no_point
    check.flag(missing & (check.text("admin_code") == ""), "admin_code", "location_missing")
    coarser = missing & (precision.map(_PRECISION_RANK) > level.map(_PRECISION_RANK))
    check.flag(
        coarser,
        field,
        "precision_code_level",
        severity="warning",
        per_row={"precision": precision, "value": code, "level": level},
    )
    check.values[field] = precision.mask(coarser, level)


def _check_victims(check: _Check) -> None:
    counts = pd.DataFrame({name: check.values[name] for name in VICTIM_COLUMNS})
    total = counts.sum(axis=1)
    check.flag(counts.notna().all(axis=1) & (total == 0), _VICTIMS_FIELD, "victims_zero")
    check.values[VICTIMS_TOTAL] = total


def _check_date_order(check: _Check) -> None:
    late = check.values["date_incident"] > check.values["date_reported"]
    check.flag(
        late,
        "date_incident",
        "date_order",
        per_row={
            "incident": check.text("date_incident"),
            "reported": check.text("date_reported"),
        },
    )


def _check_crossing_refs(check: _Check, crossings: pd.DataFrame | None) -> None:
    if crossings is None:
        return
    ids = check.values["crossing_id"]
    known = crossings["crossing_id"].astype(str)
    unknown = ids.notna() & ~ids.isin(known)
    hints = {value: _suggest(value, set(known)) for value in ids[unknown].unique()}
    check.flag(
        unknown,
        "crossing_id",
        "crossing_unknown",
        per_row={"value": ids, "suggestion": ids.map(hints)},
    )
    if "kind" not in crossings:
        return
    kind = ids.map(dict(zip(known, crossings["kind"], strict=True)))
    expected = kind.map(_CROSSING_TYPE_OF_KIND)
    given = check.values["crossing_type"]
    mismatch = expected.notna() & given.isin(["official", "unofficial"]) & (given != expected)
    check.flag(
        mismatch,
        "crossing_type",
        "crossing_type_mismatch",
        severity="warning",
        per_row={
            "value": ids,
            "crossing_type": given,
            "kind": kind,
            "expected": expected,
        },
    )


def _check_confidential(check: _Check) -> None:
    if len(check.cells) == 0:
        return
    if "confidential" not in check.cells:
        check.flag_file("confidential_column_missing", severity="warning")
    else:
        blank = check.text("confidential") == ""
        check.flag(blank, "confidential", "confidential_default", severity="warning")


# --- assembling the result ------------------------------------------------------------------


def _typed(values: pd.Series, spec: Field) -> pd.Series:
    if spec.dtype == "Int64":
        return values.astype("float64").astype("Int64")
    return values.astype(pd.api.types.pandas_dtype(spec.dtype))


def _in_column_order(problems: list[Problem], schema: Schema) -> list[Problem]:
    """File problems first, then by row and, within a row, in the order of the columns."""
    position = {name: i for i, name in enumerate(schema.names)}
    position |= {_POINT_FIELD: position["lon"], "geometry": position["lon"]}
    if schema is CASE:
        position[_VICTIMS_FIELD] = position[VICTIM_COLUMNS[0]]
    return sorted(
        problems,
        key=lambda p: (p.row is not None, p.row or 0, position.get(p.field or "", -1)),
    )


def _finish(check: _Check) -> LoadResult:
    keep = ~check.rejected
    columns = {
        spec.name: _typed(check.values[spec.name][keep], spec) for spec in check.schema.fields
    }
    frame = pd.DataFrame(columns, index=check.cells.index[keep])
    if check.schema is CASE:
        after = list(frame.columns).index(VICTIM_COLUMNS[-1]) + 1
        frame.insert(after, VICTIMS_TOTAL, check.values[VICTIMS_TOTAL][keep].astype("int64"))
    has = frame["lon"].notna() & frame["lat"].notna()
    geometry = np.full(len(frame), None, dtype=object)
    geometry[has.to_numpy()] = shapely.points(frame["lon"][has], frame["lat"][has])
    result = gpd.GeoDataFrame(frame, geometry=geometry, crs=STORAGE_CRS)
    result.index.name = "row"
    source = check.source
    if source.failed:
        invalid = source.original
    else:
        invalid = source.original.loc[check.cells.index[check.rejected]]
    report = Report(_in_column_order(check.problems, check.schema))
    log.info(
        "Loaded %d %s rows from %s, rejected %d (%d errors, %d warnings)",
        len(result),
        check.schema.entity,
        check.file,
        len(invalid),
        len(report.errors),
        len(report.warnings),
    )
    return LoadResult(result, report, invalid)


def _path(path: PathLike) -> Path:
    if not isinstance(path, str | os.PathLike):
        raise TypeError(f"`path` should be a str or os.PathLike, got {type(path).__name__}")
    return Path(path)


def _validate(
    table: Table,
    schema: Schema,
    *,
    ref: _Reference,
    today: dt.date | None,
    crossings: pd.DataFrame | None = None,
) -> LoadResult:
    """Every check of ``schema`` on a table read from a file."""
    check = _Check(table, schema, ref=ref, today=today or today_in_kalbar())
    _parse_fields(check)
    _check_ids(check)
    if schema is CASE:
        _check_pairs(check)
        point = _check_points(check)
        _check_in_unit(check, point)
        _check_location(check)
        _check_victims(check)
        _check_date_order(check)
        _check_crossing_refs(check, crossings)
    elif schema is CROSSING:
        _check_points(check, at_border=True)
    else:
        point = _check_points(check)
        _check_in_unit(check, point)
        _check_confidential(check)
    return _finish(check)


# --- public loaders -------------------------------------------------------------------------


def load_cases(
    path: PathLike,
    *,
    crossings: pd.DataFrame | None = None,
    province: BaseGeometry | None = None,
    gazetteer: pd.DataFrame | None = None,
    units: gpd.GeoDataFrame | None = None,
    today: dt.date | None = None,
) -> LoadResult:
    """Load a file of trafficking cases and validate every row (see ``SCHEMAS.md``).

    Parameters
    ----------
    path
        A ``.csv`` (``,`` ``;`` or tab separated, UTF-8), ``.geojson`` or ``.gpkg`` file.
    crossings
        Known crossings (at least ``crossing_id``; with ``kind`` the case's
        ``crossing_type`` is compared with it). None: ``crossing_id`` is not checked.
    province
        Kalbar's outline in EPSG:4326; None: :func:`geodata.reference.load_province`.
    gazetteer
        Codes and names (``code``, ``name``); None: :func:`geodata.reference.load_gazetteer`.
    units
        Unit polygons (``code``, geometry; any levels) in EPSG:4326 for the check that a
        point lies in the unit of its ``admin_code``; None: every level of
        :func:`geodata.reference.load_units`.
    today
        Dates after this are rejected as future; None: today.

    Returns
    -------
    LoadResult
        Valid cases (with ``victims_total``), the report and the rejected rows.
    """
    check_arguments(
        crossings=crossings, province=province, gazetteer=gazetteer, units=units, today=today
    )
    ref = _Reference(province=province, gazetteer=gazetteer, units=units)
    return _validate(_read(_path(path)), CASE, ref=ref, today=today, crossings=crossings)


def load_crossings(
    path: PathLike,
    *,
    province: BaseGeometry | None = None,
    today: dt.date | None = None,
) -> LoadResult:
    """Load a file of border crossings and validate every row (see ``SCHEMAS.md``).

    Parameters
    ----------
    path
        A ``.csv``, ``.geojson`` or ``.gpkg`` file.
    province
        Kalbar's outline in EPSG:4326; None: :func:`geodata.reference.load_province`.
    today
        ``last_verified`` after this is rejected as future; None: today.

    Returns
    -------
    LoadResult
        Valid crossings, the report and the rejected rows.
    """
    check_arguments(province=province, today=today)
    ref = _Reference(province=province, gazetteer=None, units=None)
    return _validate(_read(_path(path)), CROSSING, ref=ref, today=today)


def load_shelters(
    path: PathLike,
    *,
    province: BaseGeometry | None = None,
    gazetteer: pd.DataFrame | None = None,
    units: gpd.GeoDataFrame | None = None,
) -> LoadResult:
    """Load a file of shelters and validate every row (see ``SCHEMAS.md``).

    An empty ``confidential`` cell counts as confidential (with a warning): a shelter's
    exact point is hidden unless the file says it may be shown.

    Parameters
    ----------
    path
        A ``.csv``, ``.geojson`` or ``.gpkg`` file.
    province
        Kalbar's outline in EPSG:4326; None: :func:`geodata.reference.load_province`.
    gazetteer
        Codes and names (``code``, ``name``); None: :func:`geodata.reference.load_gazetteer`.
    units
        Unit polygons (``code``, geometry) in EPSG:4326; None: :func:`geodata.reference.load_units`.

    Returns
    -------
    LoadResult
        Valid shelters, the report and the rejected rows.
    """
    check_arguments(province=province, gazetteer=gazetteer, units=units)
    ref = _Reference(province=province, gazetteer=gazetteer, units=units)
    return _validate(_read(_path(path)), SHELTER, ref=ref, today=None)


def validate_table(
    table: Table,
    *,
    entity: Entity,
    crossings: pd.DataFrame | None = None,
    province: BaseGeometry | None = None,
    gazetteer: pd.DataFrame | None = None,
    units: gpd.GeoDataFrame | None = None,
    today: dt.date | None = None,
) -> LoadResult:
    """Validate a table already read from a file (by :mod:`geodata.records.intake`), as the loaders
    do.

    Parameters
    ----------
    table
        Text cells whose headers are (or are matched loosely to) the schema's column names,
        with the problems found while reading.
    entity
        ``{"case", "crossing", "shelter"}``.
    crossings, province, gazetteer, units, today
        As for :func:`load_cases`; ``crossings`` is used for cases only, ``today`` not for
        shelters.

    Returns
    -------
    LoadResult
        The valid rows, the report (reading problems first) and the rejected rows.
    """
    if entity not in SCHEMAS:
        raise not_one_of("entity", SCHEMAS, entity)
    if not isinstance(table, Table):
        raise TypeError(f"`table` should be a Table, got {type(table).__name__}")
    check_arguments(
        crossings=crossings, province=province, gazetteer=gazetteer, units=units, today=today
    )
    ref = _Reference(province=province, gazetteer=gazetteer, units=units)
    schema = SCHEMAS[entity]
    when = None if schema is SHELTER else today
    return _validate(table, schema, ref=ref, today=when, crossings=crossings)
