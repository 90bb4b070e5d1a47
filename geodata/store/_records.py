"""Records between frames and the store: check and convert a frame, rebuild it from columns.

A frame going in may come from :mod:`geodata.records.loaders` (already validated) or be built from a
form; either way every row is checked here against :mod:`geodata.records.schemas` (types, required
fields, allowed values, ranges) and every problem is collected in one
:class:`~geodata.records.report.Report`. Values are converted to plain Python values (``str``,
``datetime.date``, ``float``, ``int``, ``bool``, shapely points, ``None``) that each backend
then adapts.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Hashable, Sequence
from functools import cache
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geodata import reference
from geodata.errors import GeodataError
from geodata.i18n import today_in_kalbar
from geodata.records.bounds import TOLERANCE_KM, km_from_border, km_outside, shown_km
from geodata.records.report import ParamValue, Problem, Report
from geodata.records.schemas import MIN_DATE, VICTIM_COLUMNS, VICTIMS_TOTAL, Field, Schema
from geodata.settings import BORDER_BAND_KM, MAX_CELL_CHARS, STORAGE_CRS
from geodata.store._schema import POINT_FIELDS, SCHEMA_OF, Kind

Columns = dict[str, list[object]]

_ADMIN_CODE: Final = re.compile(r"^\d{2}\.\d{2}(?:\.\d{2}(?:\.\d{4})?)?$")
_COUNTRY: Final = re.compile(r"^[A-Z]{2}$")


@cache
def _plbn_columns() -> tuple[tuple[str, tuple[object, ...]], ...]:
    from geodata.synthetic import plbn_crossings

    columns, report = check_frame("crossings", plbn_crossings())
    if not report.ok:  # the committed reference data itself is broken
        raise GeodataError(f"the reference PLBN fail the crossing checks: {report.to_text('en')}")
    return tuple((name, tuple(values)) for name, values in columns.items())


def plbn_columns() -> Columns:
    """The five PLBN as checked crossing columns (from :func:`geodata.synthetic.plbn_crossings`):
    the reference data every store starts with and :meth:`Store.dataset` always includes."""
    return {name: list(values) for name, values in _plbn_columns()}


def plbn_ids() -> frozenset[str]:
    """The crossing ids of the five PLBN."""
    return frozenset(str(value) for value in dict(_plbn_columns())["crossing_id"])


@cache
def _gazetteer_codes() -> frozenset[str]:
    return frozenset(reference.load_gazetteer()["code"].astype(str))


def _row_numbers(frame: pd.DataFrame) -> list[int]:
    index = frame.index
    if pd.api.types.is_integer_dtype(index) and index.is_unique:
        return [int(value) for value in index]
    return list(range(1, len(frame) + 1))


def _missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float | np.floating):
        return bool(np.isnan(value))
    return isinstance(value, np.datetime64) and bool(np.isnat(value))


def _plain(values: Sequence[object]) -> pd.Series:
    """An object series that keeps None (pandas would turn it into NaN in some paths)."""
    series = pd.Series([None] * len(values), dtype="object")
    series[:] = values
    return series


def _text(series: pd.Series, *, strip: bool) -> pd.Series:
    text = series.astype("string")
    if strip:
        text = text.str.strip()
    text = text.mask(text == "")
    return _plain([None if value is pd.NA else value for value in text.tolist()])


def _blank(series: pd.Series) -> pd.Series:
    """True where a cell is missing or only spaces."""
    empty = series.astype("string").str.strip() == ""
    return series.isna() | empty.fillna(False).astype(bool)


def _date(value: object) -> pd.Timestamp | None:
    if isinstance(value, dt.date | pd.Timestamp | np.datetime64):
        stamp = pd.Timestamp(value)
        return None if pd.isna(stamp) else stamp
    if isinstance(value, str):
        try:
            return pd.Timestamp(dt.date.fromisoformat(value.strip()))
        except ValueError:
            return None
    return None


def _dates(series: pd.Series) -> pd.Series:
    """Dates as timestamps (NaT where missing or unreadable): ISO text, dates, timestamps."""
    if pd.api.types.is_datetime64_any_dtype(series):
        return series.dt.tz_localize(None) if series.dt.tz is not None else series
    values = series.astype("object").map(_date)
    return pd.Series(pd.to_datetime(values.astype("object")), index=series.index)


class _Checker:
    """Collects the problems of one frame, field by field."""

    def __init__(self, kind: Kind, frame: pd.DataFrame) -> None:
        self.kind = kind
        self.rows = _row_numbers(frame)
        self.problems: list[Problem] = []

    def add(
        self,
        mask: np.ndarray,
        field: str,
        code: str,
        values: pd.Series | None = None,
        **params: ParamValue,
    ) -> None:
        for position in np.flatnonzero(mask):
            extra = dict(params)
            if values is not None:
                extra["value"] = str(values.iloc[position])
            self.problems.append(Problem(self.kind, self.rows[position], field, code, extra))


def _convert(field: Field, series: pd.Series, check: _Checker, today: dt.date) -> pd.Series:
    """The column as plain values (None when missing), problems added to ``check``."""
    kind = field.kind
    if kind in ("text", "free_text", "choice", "admin_code", "country", "list"):
        values = _text(series, strip=kind != "free_text")
        if field.default is not None:
            values = _plain([field.default if v is None else v for v in values.tolist()])
        present = values.notna().to_numpy()
        if kind == "choice" and field.allowed:
            bad = present & ~values.isin(field.allowed).to_numpy()
            check.add(bad, field.name, "not_allowed", values, allowed=sorted(field.allowed))
        elif kind == "admin_code":
            text = values.astype("string")
            form = text.str.fullmatch(_ADMIN_CODE).fillna(True).to_numpy(bool)
            check.add(present & ~form, field.name, "code_format", values)
            known = values.isin(_gazetteer_codes()).to_numpy(bool)
            check.add(present & form & ~known, field.name, "code_unknown", values)
        elif kind == "country":
            text = values.astype("string")
            form = text.str.fullmatch(_COUNTRY).fillna(True).to_numpy(bool)
            check.add(present & ~form, field.name, "country_unknown", values)
        return values
    if kind == "date":
        parsed = _dates(series)
        bad = (~_blank(series) & parsed.isna()).to_numpy()
        check.add(bad, field.name, "not_date", series)
        parsed = parsed.astype("datetime64[ns]").dt.normalize()
        day = _plain([None if _missing(v) else v.date() for v in parsed.tolist()])
        early = (parsed < pd.Timestamp(MIN_DATE)).to_numpy()
        check.add(early, field.name, "date_too_early", day, minimum=MIN_DATE.isoformat())
        late = (parsed > pd.Timestamp(today)).to_numpy()
        check.add(late, field.name, "date_future", day, today=today.isoformat())
        return day
    if kind == "bool":
        raw = [None if _missing(v) else v for v in series.tolist()]
        bad = np.array([v is not None and not isinstance(v, bool | np.bool_) for v in raw])
        check.add(bad, field.name, "not_bool", series)
        return _plain([field.default if v is None else bool(v) for v in raw])
    number = pd.to_numeric(series.astype("object"), errors="coerce").astype("float64")
    given = series.notna().to_numpy()
    check.add(given & number.isna().to_numpy(), field.name, "not_number", series)
    number = number.where(np.isfinite(number))
    if kind == "count":
        whole = number.isna() | (number == np.floor(number))
        check.add(~whole.to_numpy(), field.name, "not_integer", series)
        check.add((number < 0).to_numpy(), field.name, "negative", series)
        if isinstance(field.default, int | float):
            number = number.fillna(float(field.default))
        if not number.isna().any():
            return _plain(number.astype("int64").tolist())
        return _plain([None if v != v else int(v) for v in number.tolist()])
    return _plain([None if v != v else v for v in number.tolist()])


def check_frame(
    kind: Kind, frame: pd.DataFrame, *, today: dt.date | None = None
) -> tuple[Columns, Report]:
    """Check ``frame`` against the schema of ``kind`` and convert it to plain column values.

    Parameters
    ----------
    kind
        ``{"cases", "crossings", "shelters"}``.
    frame
        One row per record, with the schema's column names. ``lon``/``lat`` give the point;
        a frame without them but with a point geometry takes them from it.
    today
        Latest date allowed (default: today in Kalbar, WIB).

    Returns
    -------
    columns, report
        Values by column (``geom`` holds shapely points or None), and every problem found.
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"`frame` should be a DataFrame, got {type(frame).__name__}")
    schema = SCHEMA_OF[kind]
    not_points = _not_points(frame)
    frame = _with_point_columns(frame)
    check = _Checker(kind, frame)
    for position in np.flatnonzero(not_points.notna().to_numpy()):
        params: dict[str, ParamValue] = {"geom_type": str(not_points.iloc[position])}
        check.problems.append(
            Problem(kind, check.rows[position], "geometry", "geometry_not_point", params)
        )
    today = today or today_in_kalbar()  # what the forms and file checks call today
    missing = [name for name in schema.required_columns if name not in frame.columns]
    if missing:
        check.problems.append(Problem(kind, None, None, "columns_missing", {"columns": missing}))
        return {}, Report(check.problems)
    columns: Columns = {}
    length = len(frame)
    for field in schema.fields:
        series = (
            frame[field.name]
            if field.name in frame.columns
            else pd.Series([None] * length, index=frame.index, dtype="object")
        )
        series = series.reset_index(drop=True)
        values = _convert(field, series, check, today)
        if field.required:
            empty = (values.isna() & _blank(series)).to_numpy()
            check.add(empty, field.name, "required_missing")
        columns[field.name] = values.tolist()
    _check_ids(schema, columns, check)
    columns["geom"] = _points(columns, check)
    _check_places(columns, check)
    return columns, Report(check.problems)


def _not_points(frame: pd.DataFrame) -> pd.Series:
    """Per row, the geometry type where it is not a single point (a polygon cannot be a
    record's place), else None."""
    if not isinstance(frame, gpd.GeoDataFrame):
        return pd.Series([None] * len(frame), dtype="object")
    types = frame.geometry.geom_type.reset_index(drop=True)
    return types.where(types.notna() & (types != "Point"), None)


def _check_places(columns: Columns, check: _Checker) -> None:
    """The checks an import makes that do not depend on the file: cells no longer than a
    spreadsheet allows, admin codes in the gazetteer, points in Kalbar or, for a crossing,
    near its border (the loaders' limits, computed alike: :mod:`geodata.records.bounds`)."""
    for name, values in columns.items():
        lengths = np.array([len(v) if isinstance(v, str) else 0 for v in values])
        check.add(lengths > MAX_CELL_CHARS, name, "cell_too_long", limit=MAX_CELL_CHARS)
    if "admin_code" in columns:
        known = set(reference.load_gazetteer()["code"])
        codes = pd.Series(columns["admin_code"], dtype="object")
        unknown = (codes.notna() & ~codes.isin(known)).to_numpy()
        check.add(unknown, "admin_code", "code_unknown", codes)
    points = np.array(columns["geom"], dtype=object)
    present = np.flatnonzero([point is not None for point in points])
    if present.size:
        lon, lat = shapely.get_x(points[present]), shapely.get_y(points[present])
        distance_km = km_outside(lon, lat)
        refused = distance_km > TOLERANCE_KM
        if check.kind == "crossings" and refused.any():  # a crossing may lie over the border
            refused[refused] = km_from_border(lon[refused], lat[refused]) > BORDER_BAND_KM
        shown = shown_km(distance_km, refused=True)
        for position in np.flatnonzero(refused):
            params: dict[str, ParamValue] = {
                "lon": round(float(lon[position]), 6),
                "lat": round(float(lat[position]), 6),
                "distance_km": float(shown[position]),
            }
            row = check.rows[present[position]]
            check.problems.append(Problem(check.kind, row, "lon, lat", "outside_province", params))


def _with_point_columns(frame: pd.DataFrame) -> pd.DataFrame:
    if not {"lon", "lat"} - set(frame.columns) or not isinstance(frame, gpd.GeoDataFrame):
        return frame
    geometry = frame.geometry.to_numpy()
    present = ~(shapely.is_missing(geometry) | shapely.is_empty(geometry))
    frame = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    frame["lon"] = np.where(present, shapely.get_x(geometry), np.nan)
    frame["lat"] = np.where(present, shapely.get_y(geometry), np.nan)
    return frame


def _check_ids(schema: Schema, columns: Columns, check: _Checker) -> None:
    first: dict[Hashable, int] = {}
    for position, value in enumerate(columns[schema.id_field]):
        if value is None:
            continue
        if value in first:
            params: dict[str, ParamValue] = {"value": str(value), "first_row": first[value]}
            check.problems.append(
                Problem(check.kind, check.rows[position], schema.id_field, "id_duplicate", params)
            )
        else:
            first[value] = check.rows[position]


def _points(columns: Columns, check: _Checker) -> list[object]:
    lon = np.array([np.nan if v is None else v for v in columns["lon"]], dtype=float)
    lat = np.array([np.nan if v is None else v for v in columns["lat"]], dtype=float)
    for present, missing, mask in (
        ("lon", "lat", ~np.isnan(lon) & np.isnan(lat)),
        ("lat", "lon", np.isnan(lon) & ~np.isnan(lat)),
    ):
        check.add(mask, "lon, lat", "coordinate_pair", present=present, missing=missing)
    both = ~np.isnan(lon) & ~np.isnan(lat)
    out_of_range = both & ((np.abs(lon) > 180) | (np.abs(lat) > 90))
    for position in np.flatnonzero(out_of_range):
        params: dict[str, ParamValue] = {"lon": float(lon[position]), "lat": float(lat[position])}
        check.problems.append(
            Problem(check.kind, check.rows[position], "lon, lat", "coordinate_range", params)
        )
    points = shapely.points(lon, lat)
    return [point if keep else None for point, keep in zip(points, both, strict=True)]


def columns_to_frame(
    kind: Kind, columns: Columns, *, extra: tuple[str, ...] = ()
) -> gpd.GeoDataFrame:
    """Rebuild a frame shaped like :mod:`geodata.records.loaders` output from plain column values.

    ``columns`` holds every schema field but ``lon``/``lat``, ``geom`` (shapely points or
    None) and the ``extra`` columns, which are appended as they are.
    """
    schema = SCHEMA_OF[kind]
    geometry = gpd.GeoSeries(list(columns["geom"]), crs=STORAGE_CRS)
    present = geometry.notna().to_numpy()
    data: dict[str, object] = {}
    for field in schema.fields:
        if field.name in POINT_FIELDS:
            axis = shapely.get_x if field.name == "lon" else shapely.get_y
            values = geometry.to_numpy()
            data[field.name] = np.where(present, axis(values), np.nan).astype("float64")
        else:
            data[field.name] = _typed(field, columns[field.name])
        if field.name == VICTIM_COLUMNS[-1]:
            total = sum(np.asarray(data[name], dtype="int64") for name in VICTIM_COLUMNS)
            data[VICTIMS_TOTAL] = pd.Series(total, dtype="int64")
    for name in extra:
        data[name] = columns[name]
    frame = pd.DataFrame(data)
    return gpd.GeoDataFrame(frame, geometry=geometry.to_numpy(), crs=STORAGE_CRS)


def _typed(field: Field, values: list[object]) -> pd.Series:
    dtype = field.dtype
    if dtype == "datetime64[ns]":
        return pd.Series(pd.to_datetime(pd.Series(values, dtype="object"))).astype(
            pd.api.types.pandas_dtype(dtype)
        )
    if dtype == "bool":
        return pd.Series([bool(v) for v in values], dtype="bool")
    if dtype in ("int64", "Int64", "float64"):
        return pd.Series(values, dtype="object").astype(pd.api.types.pandas_dtype(dtype))
    return pd.Series(values, dtype="str")
