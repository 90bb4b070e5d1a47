"""The analyses' case rows: records for record roles, published counts only for aggregates.

Real geodata: the committed synthetic sample, the reference kecamatan and the gazetteer.
The published counts are read through the viewer's own view (``case_counts``), whatever
disclosure control it applies; the true counts through an analyst's view.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from functools import cache

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from geodata import reference
from geodata.access import RoleView, view_for
from geodata.access.analysis_input import (
    AGGREGATE_COLUMNS,
    analysis_cases,
    analysis_years,
    busiest_kabupaten,
)
from geodata.records.cases import CaseFilter
from geodata.records.datasets import Dataset, load_sample
from geodata.records.schemas import VICTIM_COLUMNS
from geodata.roles import Role
from geodata.settings import DEFAULT_KABUPATEN
from layers.indicators import compute_indicators
from layers.periods import Period


@cache
def sample() -> Dataset:
    return load_sample()


def viewer(dataset: Dataset | None = None) -> RoleView:
    return view_for("viewer", dataset or sample())


def published(view: RoleView, year: int, case_filter: CaseFilter | None = None) -> pd.DataFrame:
    """The viewer's published kecamatan counts of one year, hidden (NaN) as 0."""
    one_year = dataclasses.replace(
        case_filter or CaseFilter(), date_from=dt.date(year, 1, 1), date_to=dt.date(year, 12, 31)
    )
    counts = view.case_counts(reference.load_units("kecamatan"), level="kecamatan",
                              case_filter=one_year)  # fmt: skip
    frame = pd.DataFrame(counts[["code", "cases", "victims"]]).set_index("code")
    return frame.fillna(0).round().astype("int64")


def per_kecamatan(rows: pd.DataFrame, year: int) -> pd.DataFrame:
    mine = rows[rows["date_reported"].dt.year == year]
    grouped = mine.groupby(mine["kecamatan_code"].astype(str))["victims_total"].agg(["size", "sum"])
    return grouped.set_axis(["cases", "victims"], axis=1)


def test_record_roles_get_their_filtered_records() -> None:
    case_filter = CaseFilter(exploitation=frozenset({"labour"}))
    for role in ("analyst", "police", "admin"):
        view = view_for(role, sample())
        rows = analysis_cases(view, case_filter=case_filter)
        expected = view.cases(case_filter=case_filter)
        assert list(rows["case_id"]) == list(expected["case_id"]) and len(rows) > 50
        assert rows.attrs["aggregated"] is False


def test_a_viewers_rows_hold_only_kecamatan_year_counts() -> None:
    rows = analysis_cases(viewer())
    assert rows.attrs["aggregated"] is True
    assert list(rows.columns) == [*AGGREGATE_COLUMNS, "geometry"]
    assert len(rows) > 0
    assert set(rows["location_precision"]) == {"kecamatan"}
    assert (rows["admin_code"] == rows["kecamatan_code"]).all()
    assert rows["admin_code"].str.len().eq(8).all()
    assert rows["desa_code"].isna().all() and rows["crossing_id"].isna().all()
    # dated in the middle of the year, placed at the gazetteer's point of the kecamatan
    dates = rows["date_reported"]
    assert set(zip(dates.dt.month, dates.dt.day, strict=True)) <= {(7, 1), (7, 2)}
    gazetteer = reference.load_gazetteer().set_index("code")
    centre = gazetteer.loc[rows["kecamatan_code"].astype(str), ["lon", "lat"]].to_numpy()
    assert np.allclose(np.column_stack([rows.geometry.x, rows.geometry.y]), centre)
    # no value of a record: ids, notes, exact points, report dates
    records = sample().cases
    text = rows.drop(columns="geometry").to_csv()
    assert not any(case_id in text for case_id in records["case_id"])
    assert "[SINTETIS]" not in text
    exact = records[records["location_precision"] == "exact"].geometry
    assert not set(zip(rows.geometry.x, rows.geometry.y, strict=True)) & set(
        zip(exact.x, exact.y, strict=True)
    )


def test_a_viewers_rows_do_not_change_with_any_record_field_but_place_and_year() -> None:
    """Notes, categories, status and the day within the year of a case leave the rows alone."""
    cases = sample().cases.copy()
    cases["note"] = "changed"
    cases["exploitation"] = "labour"
    cases["status"] = "reported"
    reported = pd.to_datetime(cases["date_reported"])
    cases["date_reported"] = reported.map(lambda day: day.replace(month=3, day=15))
    changed = dataclasses.replace(sample(), cases=gpd.GeoDataFrame(cases, crs=cases.crs))
    before, after = analysis_cases(viewer()), analysis_cases(viewer(changed))
    pd.testing.assert_frame_equal(before, after)


def test_totals_equal_the_published_kecamatan_counts() -> None:
    view = viewer()
    rows = analysis_cases(view)
    years = analysis_years(view)
    assert years == list(range(2020, 2026))
    for year in years:
        counts = published(view, year)
        counts = counts[counts["cases"] > 0]
        built = per_kecamatan(rows, year).reindex(counts.index).fillna(0).astype("int64")
        pd.testing.assert_frame_equal(built, counts, check_names=False)
        assert per_kecamatan(rows, year).index.isin(counts.index).all()


def test_a_kecamatan_with_one_true_case_yields_only_its_published_count() -> None:
    truth = view_for("analyst", sample()).cases()
    truth = truth.assign(year=pd.to_datetime(truth["date_reported"]).dt.year)
    sizes = truth.groupby(["kecamatan_code", "year"]).size()
    singles = sizes[sizes == 1].index
    assert len(singles) > 5, "the sample has kecamatan-years with one case"
    view = viewer()
    rows = analysis_cases(view)
    rows = rows.assign(year=rows["date_reported"].dt.year)
    built = rows.groupby([rows["kecamatan_code"].astype(str), "year"]).size()
    for code, year in singles:
        says = int(published(view, int(year)).loc[code, "cases"])
        assert int(built.get((code, year), 0)) == says


def test_victims_are_dealt_out_evenly_and_a_sex_or_age_filter_is_not_applied() -> None:
    """A viewer's rows ignore a sex and age filter (its counts would tell single victims);
    each kecamatan-year's published victims are dealt out evenly over its rows."""
    view = viewer()
    rows = analysis_cases(view)
    chosen = CaseFilter(sexes=frozenset({"female"}), ages=frozenset({"child"}))
    assert len(rows) > 0
    assert (
        analysis_cases(view, case_filter=chosen)
        .drop(columns="geometry")
        .equals(rows.drop(columns="geometry"))
    )
    assert (rows[list(VICTIM_COLUMNS)].sum(axis=1) == rows["victims_total"]).all()
    assert (rows["victims_selected"] == rows["victims_total"]).all()
    year = int(rows["date_reported"].dt.year.max())
    counts = published(view, year, None)
    for code, group in rows[rows["date_reported"].dt.year == year].groupby("kecamatan_code"):
        victims = group["victims_total"]
        assert victims.sum() == counts.loc[str(code), "victims"]
        assert victims.max() - victims.min() <= 1  # dealt out evenly


def test_a_part_of_a_year_counts_and_is_dated_as_the_whole_year() -> None:
    """The view publishes whole years for a part-year filter; the rows say so too."""
    part = CaseFilter(date_from=dt.date(2025, 1, 1), date_to=dt.date(2025, 4, 30))
    whole = CaseFilter(date_from=dt.date(2025, 1, 1), date_to=dt.date(2025, 12, 31))
    rows = analysis_cases(viewer(), case_filter=part)
    assert len(rows) > 0
    assert set(rows["date_reported"].dt.date) == {dt.date(2025, 7, 2)}  # day 182 of 0..364
    assert rows.attrs["data_start"] == dt.date(2025, 1, 1)
    assert rows.drop(columns="geometry").equals(
        analysis_cases(viewer(), case_filter=whole).drop(columns="geometry")
    )


def test_no_case_gives_an_empty_frame_with_the_columns() -> None:
    empty = sample().cases.iloc[0:0]
    dataset = dataclasses.replace(sample(), cases=empty)
    for role in ("viewer", "analyst"):
        rows = analysis_cases(view_for(role, dataset))
        assert rows.empty and "date_reported" in rows.columns and rows.crs is not None
    rows = analysis_cases(viewer(), case_filter=CaseFilter(date_from=dt.date(2030, 1, 1)))
    assert rows.empty and list(rows.columns) == [*AGGREGATE_COLUMNS, "geometry"]


def test_the_busiest_kabupaten_has_the_most_rows() -> None:
    truth = view_for("analyst", sample()).cases()
    counts = truth["kabupaten_code"].value_counts()
    assert busiest_kabupaten(truth) == min(counts[counts == counts.max()].index)
    assert busiest_kabupaten(truth.iloc[0:0]) == DEFAULT_KABUPATEN


@pytest.mark.parametrize("role", ["viewer", "planner"])
def test_aggregate_rows_feed_the_analyses(role: Role) -> None:
    """The layers take the rows as they take records (no error, totals kept)."""
    rows = analysis_cases(view_for(role, sample()))
    year = int(rows["date_reported"].dt.year.max())
    period = Period(dt.date(year, 1, 1), dt.date(year, 12, 31))
    indicators = compute_indicators(rows, level="kabupaten", period=period)
    assert indicators["cases"].sum() == (rows["date_reported"].dt.year == year).sum()


def test_a_caller_changing_the_rows_does_not_change_the_next_callers() -> None:
    view = viewer()
    first = analysis_cases(view)
    first["admin_code"] = "changed"
    assert not analysis_cases(view)["admin_code"].eq("changed").any()


def test_the_rows_say_from_when_the_counts_cover_whole_years() -> None:
    """The first row is dated mid-year; ``data_start`` lets the change to the year before
    be computed from the first year on."""
    case_filter = CaseFilter(date_from=dt.date(2024, 1, 1))
    rows = analysis_cases(viewer(), case_filter=case_filter)
    assert rows.attrs["data_start"] == dt.date(2024, 1, 1)
    period = Period(dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    with_start = compute_indicators(
        rows, level="kabupaten", period=period, data_start=rows.attrs["data_start"]
    )
    assert with_start["cases_previous"].sum() == (rows["date_reported"].dt.year == 2024).sum()
    assert compute_indicators(rows, level="kabupaten", period=period)["cases_previous"].isna().all()
