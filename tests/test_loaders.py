"""Loaders: every bad file or row is reported (file, row, column, fix) in both languages.

Most tests use small hand-built reference data (a box around Kalbar, a five-code gazetteer,
three unit boxes) so they state exactly what is inside; the last ones use the committed
reference geodata.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geodata.errors import ValidationError
from geodata.records.loaders import LoadResult, load_cases, load_crossings, load_shelters
from geodata.records.report import Problem, Report
from geodata.records.schemas import CASE, CROSSING, SHELTER, VICTIMS_TOTAL, Schema
from geodata.settings import SAMPLE_DIR

FIXTURES = Path(__file__).parent / "fixtures" / "loaders"
TODAY = dt.date(2025, 6, 20)
PROVINCE = shapely.box(108.5, -3.1, 114.3, 2.1)
GAZETTEER = pd.DataFrame(
    {
        "code": ["61", "61.03", "61.03.21", "61.03.21.2003", "61.03.21.2001"],
        "name": ["Kalimantan Barat", "Kabupaten Sanggau", "Entikong", "Entikong", "Nekan"],
    }
)
#: 61.03.21.2001 (Nekan) has no geometry: its points are checked against its kecamatan.
UNITS = gpd.GeoDataFrame(
    {"code": ["61.03", "61.03.21", "61.03.21.2003"]},
    geometry=[
        shapely.box(109.5, -0.6, 111.0, 1.3),
        shapely.box(110.1, 0.8, 110.6, 1.2),
        shapely.box(110.30, 0.95, 110.40, 1.05),
    ],
    crs="EPSG:4326",
)
CROSSINGS = pd.DataFrame(
    {"crossing_id": ["PLBN-ENTIKONG", "JTR-SGU-01"], "kind": ["plbn", "land_track"]}
)
REFERENCE = {"province": PROVINCE, "gazetteer": GAZETTEER, "units": UNITS}
CASE_HEADER = (
    "case_id,date_reported,lon,lat,admin_code,location_precision,victims_female_adult,status"
)


def cases(path: Path | str, **options: object) -> LoadResult:
    path = path if isinstance(path, Path) else FIXTURES / path
    settings: dict[str, object] = {"crossings": CROSSINGS, "today": TODAY, **REFERENCE}
    return load_cases(path, **(settings | options))  # type: ignore[arg-type]


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(result: LoadResult) -> set[tuple[int | None, str | None, str, str]]:
    return {(p.row, p.field, p.code, p.severity) for p in result.report}


def assert_accounted(result: LoadResult, rows: range | list[int]) -> None:
    """Each row is loaded or rejected, never both, and each rejected row has an error."""
    loaded, rejected = set(result.frame.index), set(result.invalid_rows.index)
    assert loaded | rejected == set(rows)
    assert not loaded & rejected
    error_rows = {p.row for p in result.report.errors}
    assert rejected <= error_rows
    assert not error_rows & loaded


def assert_readable(report: Report) -> None:
    """Every message names file and row, is translated, and has no placeholder left."""
    for problem in report:
        for lang, row_word in (("id", "baris"), ("en", "row")):
            message = problem.message(lang)
            assert message.startswith(problem.file), message
            assert "validation." not in message and "{" not in message, message
            if problem.row is not None and problem.file.endswith(".csv"):
                assert f"{row_word} {problem.row}" in message, message
            if problem.field is not None:
                assert problem.field in message


def assert_schema_frame(frame: gpd.GeoDataFrame, schema: Schema) -> None:
    for field in schema.fields:
        assert str(frame[field.name].dtype) == field.dtype, field.name
    assert frame.crs == "EPSG:4326"
    assert frame.index.name == "row"


# --- good files -----------------------------------------------------------------------------


def test_good_cases_load_typed_with_total_points_and_notes_kept_exactly() -> None:
    result = cases("cases_good.csv")
    assert len(result.report) == 0 and result.ok
    frame = result.frame
    assert_schema_frame(frame, CASE)
    assert list(frame.index) == [2, 3, 4]  # G-1's note spans two lines but is one row
    assert frame[VICTIMS_TOTAL].tolist() == [1, 3, 3]
    assert (
        list(frame.columns).index(VICTIMS_TOTAL)
        == list(frame.columns).index("victims_male_child") + 1
    )
    assert frame.geometry.iloc[0].equals(shapely.Point(110.35, 0.97))
    assert frame.geometry.iloc[1] is None  # desa precision, no point
    assert frame.loc[2, "note"] == 'Note with a comma, a "quote" and\na line break'
    assert frame.loc[3, "note"] == "<script>alert(1)</script>"
    assert frame.loc[4, "crossing_type"] == "unknown"  # empty means unknown
    assert frame["synthetic"].tolist() == [True, True, False]
    assert frame.loc[2, "date_reported"] == pd.Timestamp("2024-05-01")
    assert result.invalid_rows.empty


def test_semicolon_csv_with_bom_decimal_commas_and_day_first_dates() -> None:
    result = cases("cases_semicolon_bom.csv")
    assert result.ok
    assert result.frame["case_id"].tolist() == ["S-1", "S-2"]  # BOM not in the header
    assert result.frame["lon"].tolist() == [110.35, 109.33]
    assert result.frame["lat"].tolist() == [0.97, -0.03]
    assert result.frame.loc[2, "date_reported"] == pd.Timestamp("2025-06-20")
    assert result.frame.loc[3, "date_reported"] == pd.Timestamp("2024-02-01")
    assert problems(result) == {(None, None, "blank_rows_skipped", "warning")}
    assert "(rows 4)" in result.report.problems[0].message("en")


def test_tab_separated_csv_is_read(tmp_path: Path) -> None:
    text = (
        CASE_HEADER.replace(",", "\t") + "\nT-1\t2024-05-01\t\t\t61.03.21\tkecamatan\t1\treported\n"
    )
    result = cases(write(tmp_path, "tab.csv", text))
    assert result.ok and result.frame["admin_code"].tolist() == ["61.03.21"]


# --- bad rows -------------------------------------------------------------------------------

BAD_CASES = {
    (3, "date_reported", "required_missing", "error"),
    (4, "date_reported", "date_impossible", "error"),
    (5, "date_reported", "not_date", "error"),
    (6, "date_reported", "date_future", "error"),
    (7, "date_reported", "date_too_early", "error"),
    (8, "date_incident", "date_order", "error"),
    (9, "victims_female_adult", "negative", "error"),
    (10, "victims_female_adult", "not_integer", "error"),
    (11, "victims_*", "victims_zero", "error"),
    (12, "exploitation", "not_allowed", "error"),
    (14, "case_id", "id_duplicate", "error"),
    (15, "lon, lat", "outside_province", "error"),
    (16, "lon, lat", "coordinates_swapped", "error"),
    (17, "lat", "coordinate_pair", "error"),
    (18, "admin_code", "code_unknown", "error"),
    (19, "admin_code", "code_format", "error"),
    (20, "location_precision", "exact_needs_point_code", "error"),
    (21, "admin_code", "outside_unit", "warning"),
    (22, "crossing_id", "crossing_unknown", "error"),
    (23, "lon", "not_number", "error"),
    (24, "admin_code", "location_missing", "error"),
    (25, "status", "required_missing", "error"),
    (26, "synthetic", "not_bool", "error"),
    (28, "destination_country", "country_unknown", "error"),
    (29, "location_precision", "precision_code_level", "warning"),
    (30, "lon, lat", "coordinate_range", "error"),
    (31, "crossing_type", "crossing_type_mismatch", "warning"),
}


def test_each_bad_row_gets_exactly_its_problem_and_nothing_is_dropped_silently() -> None:
    result = cases("cases_bad.csv")
    assert problems(result) == BAD_CASES
    # Warnings keep the row; 13 ("Forced Marriage") and 27 ("Malaysia") are accepted spellings.
    assert list(result.frame.index) == [2, 13, 21, 27, 29, 31]
    assert_accounted(result, range(2, 32))
    assert_readable(result.report)
    assert not result.ok


def test_fixed_values_are_stored_in_their_normal_form() -> None:
    frame = cases("cases_bad.csv").frame
    assert frame.loc[13, "exploitation"] == "forced_marriage"
    assert frame.loc[27, "destination_country"] == "MY"
    assert frame.loc[29, "location_precision"] == "kabupaten"  # lowered to the code's level


def test_rejected_rows_are_kept_as_read() -> None:
    invalid = cases("cases_bad.csv").invalid_rows
    assert invalid.loc[4, "date_reported"] == "31/02/2024"
    assert invalid.loc[16, "lon"] == "0.97"
    assert invalid.loc[14, "case_id"] == "B-01"
    assert tuple(invalid.columns) == CASE.names


def test_message_names_file_row_column_expected_and_found_in_both_languages() -> None:
    report = cases("cases_bad.csv").report
    impossible = next(p for p in report if p.code == "date_impossible")
    assert impossible.message("id") == (
        "cases_bad.csv, baris 4, kolom date_reported (tanggal laporan): “31/02/2024” bukan "
        "tanggal yang ada di kalender (periksa hari dan bulannya: misalnya 30 Februari tidak "
        "ada). Perbaiki tanggalnya."
    )
    assert impossible.message("en").startswith(
        "cases_bad.csv, row 4, column date_reported (report date): “31/02/2024” is not a real"
    )
    swapped = next(p for p in report if p.code == "coordinates_swapped")
    assert "lon 110.35, lat 0.97" in swapped.message("en")
    assert "Tukar kedua nilai" in swapped.message("id")
    allowed = next(p for p in report if p.code == "not_allowed").message("en")
    assert (
        "Kerja paksa / eksploitasi tenaga kerja = labour, Eksploitasi seksual = sexual" in allowed
    )
    assert "Kawin paksa = forced_marriage, Lainnya = other" in allowed and "“slavery”" in allowed
    duplicate = next(p for p in report if p.code == "id_duplicate").message("id")
    assert "“B-01”" in duplicate and "baris 2" in duplicate
    outside = next(p for p in report if p.code == "outside_province")
    assert outside.params["distance_km"] == 245.0  # 2.2° out: from degrees, rounded up
    assert "245,0 km" in outside.message("id") and "245.0 km" in outside.message("en")


def test_near_misses_get_a_suggestion(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "cases.csv",
        CASE_HEADER + ",exploitation,crossing_id\n"
        "N-1,2024-05-01,,,61.03.21,kecamatan,1,reported,labur,PLBN-ENTIKNG\n",
    )
    result = cases(path)
    by_code = {p.code: p for p in result.report}
    labour = "Kerja paksa / eksploitasi tenaga kerja = labour"
    assert by_code["not_allowed"].params["suggestion"] == labour
    assert by_code["crossing_unknown"].params["suggestion"] == "PLBN-ENTIKONG"
    assert by_code["not_allowed"].message("en").endswith(f"Did you mean “{labour}”?")
    assert by_code["crossing_unknown"].message("id").endswith("Mungkin maksudnya “PLBN-ENTIKONG”?")


def test_unknown_code_names_its_existing_parent(tmp_path: Path) -> None:
    path = write(
        tmp_path, "cases.csv", CASE_HEADER + "\nU-1,2024-05-01,,,61.03.21.9999,desa,1,reported\n"
    )
    (problem,) = cases(path).report
    assert problem.code == "code_unknown_parent"
    assert problem.params == {
        "value": "61.03.21.9999",
        "parent": "61.03.21",
        "parent_name": "Entikong",
        "parent_level": "kecamatan",
    }
    assert "use the kecamatan code 61.03.21" in problem.message("en")


@pytest.mark.parametrize(
    ("lon", "expected"),
    [
        ("114.3", set()),  # on the outline: inside
        ("114.305", {(2, "lon, lat", "near_province", "warning")}),  # about 0.6 km out
        ("114.4", {(2, "lon, lat", "outside_province", "error")}),  # about 11 km out
    ],
)
def test_points_just_outside_the_simplified_outline(
    tmp_path: Path, lon: str, expected: set[tuple[int, str, str, str]]
) -> None:
    path = write(
        tmp_path, "cases.csv", CASE_HEADER + f"\nP-1,2024-05-01,{lon},0.5,,exact,1,reported\n"
    )
    assert problems(cases(path)) == expected


@pytest.mark.parametrize(
    ("point", "warned"),
    [("110.35,1.0", False), ("110.7,1.0", True)],  # Nekan has no geometry: its kecamatan
)
def test_desa_without_geometry_is_checked_against_its_kecamatan(
    tmp_path: Path, point: str, warned: bool
) -> None:
    path = write(
        tmp_path,
        "cases.csv",
        CASE_HEADER + f"\nK-1,2024-05-01,{point},61.03.21.2001,exact,1,reported\n",
    )
    result = cases(path)
    assert result.ok
    assert [p.code for p in result.report] == (["outside_unit"] if warned else [])
    if warned:
        assert result.report.problems[0].params["unit"] == "61.03.21"


def test_crossing_ids_are_not_checked_without_crossings(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "cases.csv",
        CASE_HEADER + ",crossing_id\nC-1,2024-05-01,,,61.03.21,kecamatan,1,reported,ANY\n",
    )
    assert cases(path, crossings=None).ok
    assert not cases(path).ok


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("ya", True), ("Tidak", False), ("1", True), ("no", False), ("TRUE", True), ("", False)],
)
def test_yes_no_cells_in_both_languages(tmp_path: Path, cell: str, expected: bool) -> None:
    path = write(
        tmp_path,
        "cases.csv",
        CASE_HEADER + f",synthetic\nY-1,2024-05-01,,,61.03.21,kecamatan,1,reported,{cell}\n",
    )
    result = cases(path)
    assert result.ok and result.frame["synthetic"].tolist() == [expected]


# --- whole-file problems --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("empty.csv", "file_empty"),
        ("cases_binary.csv", "file_not_text"),
        ("cases_latin1.csv", "file_encoding"),
        ("cases_missing_columns.csv", "columns_missing"),
        ("broken.geojson", "file_unreadable"),
        ("does_not_exist.csv", "file_not_found"),
    ],
)
def test_unusable_file_gives_one_file_problem_and_no_traceback(name: str, code: str) -> None:
    result = cases(name)
    (problem,) = result.report
    assert (problem.row, problem.field, problem.code, problem.severity) == (
        None,
        None,
        code,
        "error",
    )
    assert result.frame.empty
    assert_schema_frame(result.frame, CASE)
    assert_readable(result.report)


def test_file_type_that_cannot_be_read(tmp_path: Path) -> None:
    path = tmp_path / "cases.xlsx"
    path.write_bytes(b"PK\x03\x04")
    (problem,) = cases(path).report
    assert problem.code == "file_format"
    assert "(.xlsx)" in problem.message("en") and "CSV UTF-8" in problem.message("id")


def test_not_utf8_names_the_line_and_the_fix() -> None:
    message = cases("cases_latin1.csv").report.problems[0].message("id")
    assert "baris 2" in message and "CSV UTF-8" in message


def test_missing_columns_are_listed_with_the_likely_typo() -> None:
    result = cases("cases_missing_columns.csv")
    (problem,) = result.report
    assert problem.params["columns"] == ["date_reported", "status"]
    assert problem.params["suggestion"] == "date_reportd → date_reported"
    assert "date_reported, status" in problem.message("en")
    assert "Mungkin maksudnya “date_reportd → date_reported”?" in problem.message("id")
    assert list(result.invalid_rows.index) == [2]  # every row is rejected with the file


def test_header_only_file_loads_nothing_with_a_warning() -> None:
    result = cases("cases_header_only.csv")
    assert result.ok
    assert problems(result) == {(None, None, "file_no_rows", "warning")}
    assert_schema_frame(result.frame, CASE)


def test_row_with_an_unquoted_separator_gets_only_that_problem() -> None:
    result = cases("cases_ragged.csv")
    assert problems(result) == {(3, None, "row_field_count", "error")}
    assert result.frame["case_id"].tolist() == ["R-1"]
    assert_accounted(result, [2, 3])
    message = result.report.problems[0].message("en")
    assert "row 3" in message and "8 cells" in message and "has 7" in message


def test_headers_are_matched_loosely_and_unknown_columns_reported(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "cases.csv",
        "Case ID,date_reported,Longitude,latitude,location_precision,victims_female_adult,"
        "status,remarks\nH-1,2024-05-01,110.35,0.97,exact,1,reported,x\n",
    )
    result = cases(path)
    assert result.ok and result.frame["lon"].tolist() == [110.35]
    renamed, unknown = result.report.warnings
    assert renamed.params["columns"] == ["Case ID → case_id", "Longitude → lon", "latitude → lat"]
    assert unknown.params["columns"] == ["remarks"]


def test_duplicate_and_absent_column_groups_stop_the_file(tmp_path: Path) -> None:
    duplicate = write(
        tmp_path,
        "dup.csv",
        CASE_HEADER + ",longitude\nD-1,2024-05-01,110.35,0.97,,exact,1,reported,110.4\n",
    )
    report = cases(duplicate).report
    assert [p.code for p in report.errors] == ["column_duplicate"]
    assert report.errors[0].params["columns"] == ["lon"]
    same_name = write(tmp_path, "same.csv", CASE_HEADER + ",status\n" + "D-1," * 8 + "x\n")
    (problem,) = cases(same_name).report.errors
    assert problem.code == "column_duplicate" and problem.params["columns"] == ["status"]
    no_victims = write(
        tmp_path,
        "novictims.csv",
        "case_id,date_reported,admin_code,location_precision,status\n"
        "V-1,2024-05-01,61.03.21,kecamatan,reported\n",
    )
    (problem,) = cases(no_victims).report
    assert problem.code == "columns_none_of" and "victims_male_child" in problem.message("en")


# --- GeoJSON and GeoPackage -----------------------------------------------------------------


def test_geojson_points_give_lon_lat_and_other_geometries_are_rejected() -> None:
    result = cases("cases.geojson")
    assert problems(result) == {
        (2, "geometry", "geometry_not_point", "error"),
        (4, "lon, lat", "coordinates_swapped", "error"),
    }
    assert result.frame["case_id"].tolist() == ["J-1", "J-3"]
    assert result.frame.loc[1, "lon"] == 110.35 and result.frame.loc[1, "synthetic"]
    assert result.frame.loc[3, "geometry"] is None
    assert_accounted(result, [1, 2, 3, 4])
    message = result.report.problems[0].message("id")
    assert message.startswith("cases.geojson, fitur ke-2, kolom geometry: ")
    assert "Polygon" in message
    assert result.report.problems[0].message("en").startswith("cases.geojson, feature 2,")


def test_geopackage_in_utm_is_converted_and_its_lon_lat_columns_ignored(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame(
        {
            "crossing_id": ["PLBN-ENTIKONG"],
            "name": ["PLBN Entikong"],
            "kind": ["plbn"],
            "status": ["active"],
            "last_verified": [pd.Timestamp("2024-03-01")],
            "lon": [0.0],
            "lat": [0.0],
        },
        geometry=[shapely.Point(110.325, 0.992)],
        crs="EPSG:4326",
    ).to_crs("EPSG:32649")
    path = tmp_path / "crossings.gpkg"
    frame.to_file(path, layer="crossings")
    frame.to_file(path, layer="old")
    result = load_crossings(path, province=PROVINCE, today=TODAY)
    assert result.ok
    assert {p.code for p in result.report} == {"layer_choice", "crs_reprojected", "lonlat_ignored"}
    assert result.frame.loc[1, "lon"] == pytest.approx(110.325)
    assert result.frame.loc[1, "lat"] == pytest.approx(0.992)
    assert result.frame.loc[1, "last_verified"] == pd.Timestamp("2024-03-01")
    assert_schema_frame(result.frame, CROSSING)


@pytest.mark.filterwarnings("ignore:'crs' was not provided:UserWarning")
def test_geopackage_without_crs_is_read_as_lon_lat_and_a_broken_one_is_reported(
    tmp_path: Path,
) -> None:
    path = tmp_path / "shelters.gpkg"
    gpd.GeoDataFrame(
        {"shelter_id": ["S-1"], "name": ["Rumah"], "operator": ["NGO"], "confidential": [False]},
        geometry=[shapely.Point(109.3, -0.05)],
    ).to_file(path)  # warns that the file will have no CRS: that is the point
    result = load_shelters(path, province=PROVINCE)
    assert problems(result) == {(None, None, "crs_missing", "warning")}
    assert result.frame.loc[1, "lon"] == 109.3 and not result.frame.loc[1, "confidential"]
    broken = tmp_path / "broken.gpkg"
    broken.write_bytes(b"not a GeoPackage, just a renamed text file\n")
    (problem,) = load_shelters(broken, province=PROVINCE).report
    assert problem.code == "file_unreadable" and "broken.gpkg" in problem.message("id")


def test_exact_precision_without_any_location(tmp_path: Path) -> None:
    path = write(tmp_path, "cases.csv", CASE_HEADER + "\nX-1,2024-05-01,,,,exact,1,reported\n")
    (problem,) = cases(path).report
    assert (problem.row, problem.field, problem.code) == (
        2,
        "location_precision",
        "exact_needs_point",
    )
    assert "lon dan lat kosong" in problem.message("id")


# --- crossings and shelters -----------------------------------------------------------------


def test_crossings_file() -> None:
    result = load_crossings(FIXTURES / "crossings.csv", province=PROVINCE, today=TODAY)
    assert problems(result) == {
        (4, "kind", "not_allowed", "error"),
        (5, "name", "required_missing", "error"),
        (5, "lon", "required_missing", "error"),
        (5, "lat", "required_missing", "error"),
        (6, "lon, lat", "coordinates_swapped", "error"),
        (6, "last_verified", "date_future", "error"),
    }
    assert result.frame["crossing_id"].tolist() == ["PLBN-ENTIKONG", "JTR-SGU-01"]
    assert result.frame.loc[3, "status"] == "unverified"
    assert_schema_frame(result.frame, CROSSING)
    assert_accounted(result, range(2, 7))
    assert_readable(result.report)


def test_shelters_file() -> None:
    result = load_shelters(FIXTURES / "shelters.csv", **REFERENCE)  # type: ignore[arg-type]
    assert problems(result) == {
        (3, "services", "list_unknown", "warning"),
        (3, "confidential", "confidential_default", "warning"),
        (4, "operator", "not_allowed", "error"),
        (4, "capacity", "negative", "error"),
        (4, "admin_code", "code_unknown_parent", "error"),
        (5, "lon", "required_missing", "error"),
        (5, "lat", "required_missing", "error"),
    }
    frame = result.frame
    assert_schema_frame(frame, SHELTER)
    assert frame["services"].tolist() == ["shelter;legal;health", "shelter;legal;yoga"]
    assert frame["operator"].tolist() == ["BP3MI", "UPTD PPA"]
    assert frame["confidential"].tolist() == [False, True]  # empty counts as confidential
    assert_accounted(result, range(2, 6))
    assert_readable(result.report)


def test_shelters_without_confidential_column_are_all_confidential(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "shelters.csv",
        "shelter_id,name,operator,lon,lat\nS-1,Rumah,NGO,109.3,-0.05\nS-2,Rumah 2,NGO,109.4,-0.1\n",
    )
    result = load_shelters(path, province=PROVINCE)
    assert result.frame["confidential"].tolist() == [True, True]
    assert problems(result) == {(None, None, "confidential_column_missing", "warning")}
    assert result.frame["capacity"].isna().all()


# --- arguments, report, result --------------------------------------------------------------


def test_wrong_argument_types_are_programmer_errors() -> None:
    with pytest.raises(TypeError, match=r"`path` should be a str or os\.PathLike, got int"):
        load_cases(3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="`province` should be a BaseGeometry, got str"):
        load_cases("x.csv", province="Kalbar")  # type: ignore[arg-type]
    with pytest.raises(
        ValueError, match=r"`gazetteer` should have the columns .* lacks \['name'\]"
    ):
        load_cases("x.csv", gazetteer=pd.DataFrame({"code": ["61"]}))
    with pytest.raises(ValueError, match=r"units\.to_crs"):
        load_shelters("x.csv", units=UNITS.to_crs("EPSG:32649"))


def test_raise_for_errors_carries_the_report() -> None:
    result = cases("cases_bad.csv")
    with pytest.raises(ValidationError, match="24 error") as raised:
        result.raise_for_errors("en")
    assert raised.value.report is result.report
    cases("cases_good.csv").raise_for_errors()


def test_report_text_records_and_json() -> None:
    report = Report(
        [
            Problem("a.csv", 3, "status", "required_missing"),
            Problem("a.csv", None, None, "file_no_rows", {}, "warning"),
            Problem("a.csv", 2, "kind", "not_allowed", {"value": "x", "allowed": ["a", "b"]}),
        ]
    )
    assert not report.ok and len(report.errors) == 2 and len(report.warnings) == 1
    assert report.to_text("id").splitlines() == [
        "2 kesalahan, 1 peringatan.",
        "[PERINGATAN] a.csv: File tidak berisi baris data, jadi tidak ada yang dimuat. Jika ini "
        "tidak disengaja, tambahkan satu baris per data di bawah baris judul.",
        "[KESALAHAN] a.csv, baris 2, kolom kind (jenis): Yang diharapkan salah satu dari a, b, "
        "tetapi isinya “x”. Tulis labelnya atau kodenya (huruf besar/kecil tidak berpengaruh).",
        "[KESALAHAN] a.csv, baris 3, kolom status: Sel ini kosong, padahal kolom ini wajib "
        "diisi. Isi nilainya.",
    ]
    assert report.to_text("en", limit=1).splitlines()[-1] == "… and 2 more problem(s)."
    records = report.to_records("en")
    assert [r["row"] for r in records] == [None, 2, 3]
    assert records[1] == {
        "file": "a.csv",
        "row": 2,
        "field": "kind",
        "code": "not_allowed",
        "severity": "error",
        "message": "a.csv, row 2, column kind: Expected one of a, b, got “x”. "
        "Write the label or the code (case does not matter).",
    }
    assert json.loads(report.to_json("en")) == records
    assert Report().to_text("en") == "No problems found." and Report().ok


def test_long_user_text_is_shortened_in_messages() -> None:
    problem = Problem("a.csv", 2, "kind", "not_allowed", {"value": "x" * 500, "allowed": ["a"]})
    assert len(problem.message("en")) < 200 and "…" in problem.message("en")


def test_fifty_thousand_rows_validate_in_a_few_seconds(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    n = 50_000
    frame = pd.DataFrame(
        {
            "case_id": [f"C-{i}" for i in range(n)],
            "date_reported": "2024-05-01",
            "lon": rng.uniform(109.6, 110.9, n).round(5),
            "lat": rng.uniform(-0.5, 1.2, n).round(5),
            "admin_code": "61.03",
            "location_precision": "exact",
            "victims_female_adult": rng.integers(1, 4, n),
            "exploitation": rng.choice(["labour", "sexual"], n),
            "status": "reported",
            "note": "met an agent, crossed at night",
        }
    )
    frame.loc[::1000, "lon"] = 200.0  # 50 bad rows
    path = tmp_path / "big.csv"
    frame.to_csv(path, index=False)
    start = time.perf_counter()
    result = cases(path)
    elapsed = time.perf_counter() - start
    assert len(result.frame) == n - 50 and len(result.report.errors) == 50
    assert elapsed < 10, f"{elapsed:.1f} s"


# --- the committed reference geodata --------------------------------------------------------


def test_entikong_case_passes_and_the_same_point_swapped_is_reported(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "cases.csv",
        CASE_HEADER + "\nE-1,2024-05-01,110.35,0.97,61.03.21,exact,1,reported\n"
        "E-2,2024-05-01,0.97,110.35,61.03.21,exact,1,reported\n"
        "E-3,2024-05-01,,,61.03.21.2003,desa,1,reported\n"
        "E-4,2024-05-01,110.35,1.55,,exact,1,reported\n",
    )
    result = load_cases(path, today=TODAY)
    assert problems(result) == {
        (3, "lon, lat", "coordinates_swapped", "error"),
        (5, "lon, lat", "outside_province", "error"),  # Kuching, Sarawak
    }
    assert result.frame["case_id"].tolist() == ["E-1", "E-3"]


def test_a_crossing_may_lie_over_the_border_but_a_case_may_not(tmp_path: Path) -> None:
    # North of PLBN Nanga Badau (111.8804, 1.0553), into Sarawak: 2.5 km and 7.1 km out.
    header = "crossing_id,name,kind,lon,lat,status\n"
    path = write(
        tmp_path,
        "crossings.csv",
        header + "JT-1,Jalan ke Lubok Antu,land_track,111.8804,1.1003,active\n"
        "JT-2,Jalan jauh,land_track,111.8804,1.1553,active\n",
    )
    result = load_crossings(path, today=TODAY)
    assert problems(result) == {
        (2, "lon, lat", "beyond_border", "warning"),
        (3, "lon, lat", "outside_province", "error"),
    }
    assert result.frame["crossing_id"].tolist() == ["JT-1"]
    (warning,) = result.report.warnings
    assert warning.params["border_km"] == pytest.approx(2.5, abs=0.1)
    assert "2,5 km dari garis perbatasan dengan Sarawak" in warning.message("id")
    case = write(
        tmp_path, "cases.csv", CASE_HEADER + "\nB-1,2024-05-01,111.8804,1.1003,,exact,1,reported\n"
    )
    assert problems(load_cases(case, today=TODAY)) == {(2, "lon, lat", "outside_province", "error")}


@pytest.mark.parametrize(("lon", "lat"), [(0.0, 0.0), (20.0, 0.0), (-75.0, 40.0)])
def test_a_point_far_away_is_refused_with_a_distance_that_makes_sense(
    tmp_path: Path, lon: float, lat: float
) -> None:
    """UTM 49N is meaningless far from Kalbar (at 20° E it gave "∞ km"): such a point's
    distance is estimated from degrees, only for the message."""
    path = write(
        tmp_path, "cases.csv", CASE_HEADER + f"\nF-1,2024-05-01,{lon},{lat},,exact,1,reported\n"
    )
    (problem,) = load_cases(path, today=TODAY).report
    assert problem.code == "outside_province"
    expected = shapely.distance(shapely.Point(lon, lat), shapely.box(108.6, -3.07, 114.2, 2.08))
    assert problem.params["distance_km"] == pytest.approx(expected * 111.32, rel=0.01)


def test_a_refused_distance_never_reads_as_the_limit() -> None:
    from geodata.records.bounds import shown_km

    km = np.array([1.03, 0.96, 5.0])
    assert shown_km(km, refused=True).tolist() == [1.1, 1.0, 5.0]
    assert shown_km(km, refused=False).tolist() == [1.0, 1.0, 5.0]


def test_point_far_from_its_kecamatan_is_warned_with_real_units(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "cases.csv",
        CASE_HEADER + "\nW-1,2024-05-01,109.34,-0.03,61.03.21,exact,1,reported\n",
    )
    (problem,) = load_cases(path, today=TODAY).report
    assert problem.code == "outside_unit" and problem.params["unit_name"] == "Entikong"
    assert problem.params["distance_km"] > 100


def test_committed_sample_data_passes_validation() -> None:
    crossings = load_crossings(SAMPLE_DIR / "crossings.csv")
    results = [
        crossings,
        load_cases(SAMPLE_DIR / "cases.csv", crossings=crossings.frame),
        load_shelters(SAMPLE_DIR / "shelters.csv"),
    ]
    for result in results:
        assert result.report.ok, result.report.to_text("en", limit=10)
        assert result.invalid_rows.empty and len(result.frame) > 0
        assert result.frame["synthetic"].any()
