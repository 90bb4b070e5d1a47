"""Case rows for the analyses (risk, patrols, shelters), built from what a role may see.

The analyses in :mod:`layers` (``compute_indicators``, ``HotSpots``, ``backtest``,
``rank_crossings``, ``PatrolPlan``, ``ShelterPlan``) work on case rows. :func:`analysis_cases`
hands every role such rows:

- **records** and **admin** levels: the filtered case records, ``view.cases(case_filter)``.
- **aggregates** (viewer, planner): rows rebuilt *only* from the counts the role is shown.
  For each calendar year the filter reaches, :meth:`geodata.access.RoleView.case_counts`
  gives the published cases and victims per kecamatan (disclosure control applied there; a
  hidden count, NaN, counts as 0). Each published case becomes one row:

  - placed at the kecamatan's representative point (gazetteer ``lon``/``lat``),
    ``location_precision`` ``"kecamatan"``, ``admin_code`` the kecamatan code, no desa;
  - dated in the middle of the part of that year the filter covers (1 or 2 July for a
    whole year), so periods of the analyses must be whole calendar years;
  - naming no crossing (``crossing_id`` empty), with no id, note, category or source;
  - victims: the kecamatan-year's published victims are dealt out over its rows as evenly
    as possible (the first rows get one more when they do not divide), and each row's
    victims likewise over the sex/age columns the filter selects, in the fixed order of
    :data:`~geodata.records.schemas.VICTIM_COLUMNS`. The split carries no information: only the
    totals per kecamatan and year do. A kecamatan-year with published victims but no
    published case yields no row.

  So every figure an analysis derives (a score, its "why", a tooltip, a total) is a function
  of the published kecamatan-by-year counts alone, and no record, point, date, note or id of
  a case reaches the role. The frame's ``attrs["aggregated"]`` says which kind it is.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from functools import lru_cache
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd

from geodata import reference
from geodata.access import RoleView, coarsened_filter
from geodata.records.cases import CaseFilter
from geodata.records.schemas import VICTIM_COLUMNS, VICTIMS_TOTAL
from geodata.settings import CODE_LENGTH, DEFAULT_KABUPATEN, STORAGE_CRS

__all__ = [
    "AGGREGATE_COLUMNS",
    "analysis_cases",
    "analysis_years",
    "busiest_kabupaten",
    "published_counts",
]

log = logging.getLogger(__name__)

#: Aggregate row sets kept (a page's reruns reuse them; views are per level and version).
_CACHED: Final = 16

#: Columns of the rows rebuilt for aggregate roles (plus ``geometry``), and nothing else.
AGGREGATE_COLUMNS: Final = (
    "date_reported",
    "location_precision",
    "admin_code",
    "kabupaten_code",
    "kecamatan_code",
    "desa_code",
    "crossing_id",
    *VICTIM_COLUMNS,
    VICTIMS_TOTAL,
    "victims_selected",
    "synthetic",
)


def analysis_years(view: RoleView, *, case_filter: CaseFilter | None = None) -> list[int]:
    """Calendar years with data that the filter's date range reaches, oldest first."""
    options = view.filter_options()
    if options.first is None or options.last is None:
        return []
    case_filter = case_filter or CaseFilter()
    first, last = options.first.year, options.last.year
    if case_filter.date_from is not None:
        first = max(first, case_filter.date_from.year)
    if case_filter.date_to is not None:
        last = min(last, case_filter.date_to.year)
    return list(range(first, last + 1))


def published_counts(view: RoleView, *, case_filter: CaseFilter | None = None) -> pd.DataFrame:
    """The role's published cases and victims per kecamatan and calendar year.

    Returns
    -------
    pandas.DataFrame
        ``code`` (kecamatan), ``year``, ``cases``, ``victims`` (whole numbers, a hidden
        count as 0) and ``date_reported`` (the middle of the part of the year the filter
        covers); only rows with a published case.
    """
    case_filter = case_filter or CaseFilter()
    units = reference.load_units("kecamatan")
    frames = []
    for year in analysis_years(view, case_filter=case_filter):
        start, end = _year_span(year, case_filter)
        if end < start:
            continue
        one_year = dataclasses.replace(case_filter, date_from=start, date_to=end)
        counted = view.case_counts(units, level="kecamatan", case_filter=one_year)
        frame = pd.DataFrame(
            {
                "code": counted["code"].astype(str).to_numpy(),
                "year": year,
                "cases": _whole(counted["cases"]),
                "victims": _whole(counted["victims"]),
                "date_reported": pd.Timestamp(start + dt.timedelta(days=(end - start).days // 2)),
            }
        )
        frames.append(frame[frame["cases"] > 0])
    if not frames:
        return pd.DataFrame(
            {
                "code": pd.Series(dtype=str),
                "year": pd.Series(dtype="int64"),
                "cases": pd.Series(dtype="int64"),
                "victims": pd.Series(dtype="int64"),
                "date_reported": pd.Series(dtype="datetime64[ns]"),
            }
        )
    return pd.concat(frames, ignore_index=True)


def analysis_cases(view: RoleView, *, case_filter: CaseFilter | None = None) -> gpd.GeoDataFrame:
    """Case rows for the analyses: records where the role may see them, else rebuilt counts.

    Parameters
    ----------
    view
        The role's view (:func:`geodata.access.view_for` or :func:`~geodata.access.demo_view`).
    case_filter
        The user's filter; for aggregate roles it selects the published counts.

    Returns
    -------
    geopandas.GeoDataFrame
        Records (records and admin levels), or one row per published case with
        :data:`AGGREGATE_COLUMNS` (aggregates; see the module docstring). ``attrs`` holds
        ``aggregated`` and, for aggregates, ``data_start``: the first day the counts cover
        (pass it to :func:`layers.indicators.compute_indicators`, whose default would be the
        first row's mid-year date).
    """
    if view.records_allowed:
        cases = view.cases(case_filter=case_filter)
        cases.attrs["aggregated"] = False
        return cases
    # The view answers with whole years whatever the filter asks: the rows say the same.
    return _aggregate_rows(view, coarsened_filter(case_filter)).copy()


def busiest_kabupaten(cases: pd.DataFrame) -> str:
    """Code of the kabupaten with the most rows in ``cases``; :data:`DEFAULT_KABUPATEN` if none.

    Ties go to the smaller code, so the choice is stable.
    """
    codes = cases["kabupaten_code"].dropna().astype(str) if "kabupaten_code" in cases else None
    if codes is None or codes.empty:
        return DEFAULT_KABUPATEN
    counts = codes.value_counts()
    return str(min(counts[counts == counts.max()].index))


# --- private steps --------------------------------------------------------------------------


@lru_cache(maxsize=_CACHED)
def _aggregate_rows(view: RoleView, case_filter: CaseFilter) -> gpd.GeoDataFrame:
    """The rows of an aggregate view, kept per view object (one per level and data version)
    and filter, so a page's rerun does not count again."""
    counts = published_counts(view, case_filter=case_filter)
    rows = _expand(counts, victim_columns=case_filter.victim_columns())
    rows["synthetic"] = view.synthetic
    rows = rows[list(AGGREGATE_COLUMNS)]
    points = _kecamatan_points(rows["kecamatan_code"])
    frame = gpd.GeoDataFrame(rows, geometry=points, crs=STORAGE_CRS)
    frame.attrs["aggregated"] = True
    years = analysis_years(view, case_filter=case_filter)
    frame.attrs["data_start"] = _year_span(years[0], case_filter)[0] if years else None
    log.info("Rebuilt %d case rows from %d published kecamatan-years", len(frame), len(counts))
    return frame


def _year_span(year: int, case_filter: CaseFilter) -> tuple[dt.date, dt.date]:
    """The part of ``year`` the filter's date range covers (end before start: none)."""
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    if case_filter.date_from is not None:
        start = max(start, case_filter.date_from)
    if case_filter.date_to is not None:
        end = min(end, case_filter.date_to)
    return start, end


def _whole(values: pd.Series) -> np.ndarray:
    """Counts as whole numbers of zero or more; NaN (hidden) as 0."""
    numbers = pd.to_numeric(values, errors="coerce").fillna(0).to_numpy(dtype=float)
    return np.clip(np.rint(numbers), 0, None).astype("int64")


def _spread(total: np.ndarray, parts: np.ndarray) -> np.ndarray:
    """``total[i]`` dealt out over ``parts[i]`` slots: each slot's share, slot by slot.

    Slot ``j`` of group ``i`` gets ``total // parts + (j < total % parts)``.
    """
    base = np.repeat(total // parts, parts)
    slot = np.arange(int(parts.sum())) - np.repeat(np.cumsum(parts) - parts, parts)
    return base + (slot < np.repeat(total % parts, parts)).astype("int64")


def _expand(counts: pd.DataFrame, *, victim_columns: list[str]) -> pd.DataFrame:
    """One row per published case, victims spread evenly (see the module docstring)."""
    cases = counts["cases"].to_numpy(dtype="int64")
    victims = _spread(counts["victims"].to_numpy(dtype="int64"), cases)
    code = np.repeat(counts["code"].to_numpy(dtype=object), cases)
    rows = pd.DataFrame(
        {
            "date_reported": np.repeat(
                counts["date_reported"].to_numpy(dtype="datetime64[ns]"), cases
            ),
            "location_precision": "kecamatan",
            "admin_code": pd.array(code, dtype="string"),
            "kabupaten_code": pd.array(
                [c[: CODE_LENGTH["kabupaten"]] for c in code], dtype="string"
            ),
            "kecamatan_code": pd.array(code, dtype="string"),
            "desa_code": pd.array([pd.NA] * len(code), dtype="string"),
            "crossing_id": pd.array([pd.NA] * len(code), dtype="string"),
        }
    )
    chosen = victim_columns or list(VICTIM_COLUMNS)
    per_column = _spread(victims, np.full(len(victims), len(chosen))).reshape(-1, len(chosen))
    for column in VICTIM_COLUMNS:
        rows[column] = (
            per_column[:, chosen.index(column)] if column in chosen else np.zeros(len(rows))
        ).astype("int64")
    rows[VICTIMS_TOTAL] = victims.astype("int64")
    rows["victims_selected"] = victims.astype("int64")
    return rows


def _kecamatan_points(codes: pd.Series) -> gpd.array.GeometryArray:
    """The gazetteer's representative point of each kecamatan code."""
    gazetteer = reference.load_gazetteer().set_index("code")
    centre = gazetteer[["lon", "lat"]].reindex(codes.astype(str).to_numpy())
    return gpd.points_from_xy(centre["lon"], centre["lat"], crs=STORAGE_CRS)
