"""Exports: CSV and XLSX neutralise formulas and keep other text; GeoJSON holds only located
rows in lon/lat order; a GeoPackage reads back the same. The dashboard's tables (whose
built-in download hands out what they show) and the audit log are neutralised the same way."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import geopandas as gpd
import openpyxl
import pandas as pd
import pyogrio
import pytest
import shapely

from geodata.access import auth
from geodata.records.cases import CaseFilter, filter_cases
from geodata.records.datasets import Dataset
from geodata.records.export import (
    is_formula_like,
    neutralise_formula,
    spreadsheet_safe,
    to_csv_bytes,
    to_geojson_bytes,
    to_geopackage_bytes,
    to_xlsx_bytes,
)
from geodata.settings import SAMPLE_DIR
from geodata.store import open_store

FORMULAS = ["=1+1", "+SUM(A1:A9)", "-2+3", "@cmd", '=HYPERLINK("http://x","klik")']
#: Text that must come out exactly as it went in.
PLAIN = ["Entikong", "Kab. Sanggau – 2 korban", "a=b", "x+y", "e-mail@host", "", "[SINTETIS] 5"]


@pytest.fixture
def table() -> gpd.GeoDataFrame:
    """Formula-like and plain text side by side, numbers, a date and mixed geometries."""
    texts = FORMULAS + PLAIN
    count = len(texts)
    geometry = [shapely.Point(110.354 + i / 100, 0.948) for i in range(count)]
    geometry[1] = None  # a row without a place
    return gpd.GeoDataFrame(
        {
            "case_id": [f"T-{i}" for i in range(count)],
            "note": texts,
            "victims": list(range(-1, count - 1)),  # a negative *number* stays a number
            "date_reported": pd.to_datetime(["2024-06-20"] * count),
        },
        geometry=geometry,
        crs="EPSG:4326",
    )


# --------------------------------------------------------------------------- neutralise_formula


@pytest.mark.parametrize("text", [*FORMULAS, "\t=1+1", "\r=1+1"])
def test_formula_like_text_gets_an_apostrophe(text: str) -> None:
    assert neutralise_formula(text) == "'" + text


@pytest.mark.parametrize("value", [*PLAIN, 3, -4.5, None])
def test_other_values_are_unchanged(value: object) -> None:
    assert neutralise_formula(value) == value


# Formulas hidden behind blanks (issue 9, item 5): a spreadsheet skips them.
HIDDEN = ["\r=1+1", "\t=1", " @SUM(A1)", "+1", "-1+2", "\n\n=2*3", "\r\n -1", "\uff1d1+1"]
LOGIN_NAME = "=cmd|' /C calc'!A0"


@pytest.mark.parametrize("text", HIDDEN)
def test_formulas_behind_blanks_are_neutralised(text: str) -> None:
    assert is_formula_like(text)
    assert neutralise_formula(text) == "'" + text


def _hidden_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "note": [*HIDDEN, LOGIN_NAME, "Entikong"],
            "count": [-5, *range(len(HIDDEN)), 7],
        }
    )


def _csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_neutralises_formulas_behind_blanks_and_keeps_numbers() -> None:
    table = _hidden_table()
    header, *rows = _csv_rows(to_csv_bytes(table))
    assert header == ["note", "count"]
    assert [row[0] for row in rows] == ["'" + t for t in [*HIDDEN, LOGIN_NAME]] + ["Entikong"]
    assert rows[0][1] == "-5"  # a negative number is written as a number, no apostrophe


def test_xlsx_neutralises_formulas_behind_blanks_and_keeps_numbers() -> None:
    header, rows = _sheet(to_xlsx_bytes(_hidden_table()))
    assert header == ["note", "count"]
    notes = [row[0] for row in rows]
    assert all(cell.data_type == "s" for cell in notes)
    # XlsxWriter stores a carriage return as the OOXML escape _x000D_, which Excel reads back.
    values = [re.sub("_x000D_", "\r", str(cell.value)) for cell in notes]
    assert values[:-1] == ["'" + t for t in [*HIDDEN, LOGIN_NAME]]
    first_count = rows[0][1]
    assert first_count.value == -5 and first_count.data_type == "n"


def test_xlsx_writes_links_as_plain_text() -> None:
    frame = pd.DataFrame({"note": ["http://evil.example/?leak=1"]})
    workbook = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(frame)))
    cell = workbook.worksheets[0]["A2"]
    assert cell.value == "http://evil.example/?leak=1" and cell.hyperlink is None


def test_spreadsheet_safe_covers_names_index_and_categories() -> None:
    frame = pd.DataFrame(
        {"=bad": pd.Categorical(["@x", "ok"]), "n": [-1.5, 2.0]},
        index=pd.Index(["-1+2", "a"], name="row"),
    )
    safe = spreadsheet_safe(frame)
    assert list(safe.columns) == ["'=bad", "n"]
    assert safe["'=bad"].tolist() == ["'@x", "ok"]
    assert safe.index.tolist() == ["'-1+2", "a"]
    assert safe["n"].tolist() == [-1.5, 2.0]
    assert list(frame.columns) == ["=bad", "n"], "the input is not changed"
    with pytest.raises(TypeError, match="`frame` should be a DataFrame, got list"):
        spreadsheet_safe([1, 2])  # type: ignore[arg-type]


def test_the_audit_log_stores_no_typed_name_and_exports_values_neutralised(
    tmp_path: Path, sample: Dataset
) -> None:
    store = open_store(f"gpkg://{tmp_path / 'store.gpkg'}")
    with pytest.raises(auth.AuthenticationError):
        auth.login(store, username=LOGIN_NAME, password="wrong password")
    failed = store.audit_log(action="login_failed")["username"].astype(str).tolist()
    assert failed and not [name for name in failed if "cmd" in name or is_formula_like(name)]
    crossing = str(sample.crossings["crossing_id"].iloc[-1])
    store.import_batch("crossings", sample.crossings, user="test")
    store.update("crossings", crossing, {"name": "=1+1"}, user="test")
    log = store.audit_log()
    stored = [value for value in log["new_value"].tolist() if isinstance(value, str)]
    assert "=1+1" in stored  # the store keeps what was typed; exports neutralise it
    header, *rows = _csv_rows(to_csv_bytes(log))
    assert "'=1+1" in [row[header.index("new_value")] for row in rows]
    for row in rows:
        assert not any(is_formula_like(cell) for cell in row), row
    sheet_header, sheet_rows = _sheet(to_xlsx_bytes(log))
    cells = [row[sheet_header.index("new_value")].value for row in sheet_rows]
    assert "'=1+1" in cells and "=1+1" not in cells


def test_the_dashboard_table_hands_streamlit_neutralised_cells() -> None:
    from streamlit.testing.v1 import AppTest

    def page() -> None:
        import pandas as pd

        from dashboard.tables import show_dataframe

        show_dataframe(pd.DataFrame({"note": ["\r=1+1", "Entikong"], "count": [-5, 3]}))

    app = AppTest.from_function(page).run()
    assert not app.exception
    (shown,) = app.dataframe
    assert shown.value["note"].tolist() == ["'\r=1+1", "Entikong"]
    # Numbers are shown in the locale as text; a negative one starts with the minus sign
    # (U+2212), which no spreadsheet runs as a formula, so it needs no apostrophe.
    assert shown.value["count"].tolist() == ["\u22125", "3"]
    assert not any(is_formula_like(cell) for cell in shown.value["count"])


# --------------------------------------------------------------------------- CSV


def _read_csv(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str, keep_default_na=False)


def test_csv_neutralises_formulas_and_keeps_other_text(table: gpd.GeoDataFrame) -> None:
    data = to_csv_bytes(table)
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 BOM, so Excel reads the accents"
    read = _read_csv(data)
    assert read["note"].tolist() == ["'" + f for f in FORMULAS] + PLAIN
    assert read["victims"].tolist() == [str(v) for v in table["victims"]]
    assert "geometry" not in read.columns
    assert len(read) == len(table)


def test_csv_does_not_modify_the_frame(table: gpd.GeoDataFrame) -> None:
    before = table.copy()
    to_csv_bytes(table)
    to_xlsx_bytes(table)
    pd.testing.assert_frame_equal(pd.DataFrame(table), pd.DataFrame(before))


def test_csv_of_the_filtered_sample(located: gpd.GeoDataFrame) -> None:
    filtered = filter_cases(located, CaseFilter(exploitation=frozenset({"sexual"})))
    read = _read_csv(to_csv_bytes(filtered))
    assert len(read) == len(filtered) == 88
    assert read["case_id"].tolist() == filtered["case_id"].tolist()
    assert read["note"].tolist() == filtered["note"].tolist()  # no note starts like a formula


# --------------------------------------------------------------------------- XLSX


def _sheet(data: bytes) -> tuple[list[str], list[list[openpyxl.cell.cell.Cell]]]:
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    sheet = workbook.worksheets[0]
    rows = list(sheet.iter_rows())
    return [str(cell.value) for cell in rows[0]], rows[1:]


def test_xlsx_neutralises_formulas_as_text_cells(table: gpd.GeoDataFrame) -> None:
    header, rows = _sheet(to_xlsx_bytes(table, sheet="cases"))
    note = [row[header.index("note")] for row in rows]
    for cell, text in zip(note[: len(FORMULAS)], FORMULAS, strict=True):
        assert cell.data_type == "s", f"{text!r} was stored as {cell.data_type!r}"
        assert cell.value == "'" + text
    assert all(cell.data_type != "f" for row in rows for cell in row)


def test_xlsx_keeps_plain_text_numbers_and_dates(table: gpd.GeoDataFrame) -> None:
    header, rows = _sheet(to_xlsx_bytes(table))
    note = [row[header.index("note")].value for row in rows]
    # openpyxl reads an empty text cell back as None.
    assert [value or "" for value in note[len(FORMULAS) :]] == PLAIN
    victims = [row[header.index("victims")] for row in rows]
    assert [cell.value for cell in victims] == table["victims"].tolist()
    assert {cell.data_type for cell in victims} == {"n"}
    dates = {row[header.index("date_reported")].value for row in rows}
    assert {value.date().isoformat() for value in dates} == {"2024-06-20"}


def test_xlsx_sheet_name_is_cut_to_excels_limit(table: gpd.GeoDataFrame) -> None:
    workbook = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(table, sheet="k" * 40)))
    assert workbook.sheetnames == ["k" * 31]


def test_xlsx_of_the_sample_cases(located: gpd.GeoDataFrame) -> None:
    filtered = filter_cases(located, CaseFilter(statuses=frozenset({"reported"})))
    header, rows = _sheet(to_xlsx_bytes(filtered, sheet="cases"))
    assert len(rows) == len(filtered) == 34
    ids = [row[header.index("case_id")].value for row in rows]
    assert ids == filtered["case_id"].tolist()


# --------------------------------------------------------------------------- GeoJSON


def test_geojson_keeps_every_row_in_lon_lat_order(table: gpd.GeoDataFrame) -> None:
    collection = json.loads(to_geojson_bytes(table))
    features = collection["features"]
    assert [feature["properties"]["case_id"] for feature in features] == list(table["case_id"])
    first = features[0]
    assert first["geometry"] == {"type": "Point", "coordinates": [110.354, 0.948]}
    assert first["properties"]["note"] == FORMULAS[0]  # GeoJSON is data, not a spreadsheet
    assert first["properties"]["date_reported"].startswith("2024-06-20")
    assert features[1]["geometry"] is None  # placed by its code only: kept, without a point


def test_geojson_writes_empty_geometries_as_null_without_warning(
    table: gpd.GeoDataFrame,
) -> None:
    table.loc[2, "geometry"] = shapely.Point()  # empty: not located either
    features = json.loads(to_geojson_bytes(table))["features"]
    assert [feature["properties"]["case_id"] for feature in features] == list(table["case_id"])
    assert [f["geometry"] is None for f in features[:3]] == [False, True, True]


def test_geojson_is_written_in_wgs84(table: gpd.GeoDataFrame) -> None:
    metric = table.to_crs("EPSG:32649")
    features = json.loads(to_geojson_bytes(metric))["features"]
    lon, lat = features[0]["geometry"]["coordinates"]
    assert (lon, lat) == pytest.approx((110.354, 0.948), abs=1e-7)


def test_geojson_of_the_sample_cases(located: gpd.GeoDataFrame) -> None:
    raw = pd.read_csv(SAMPLE_DIR / "cases.csv", dtype=str, keep_default_na=False)
    features = json.loads(to_geojson_bytes(located))["features"]
    assert len(features) == len(raw)
    placed = [feature for feature in features if feature["geometry"] is not None]
    assert len(placed) == (raw["lon"] != "").sum()
    by_id = raw.set_index("case_id")
    for feature in placed[:20]:
        lon, lat = feature["geometry"]["coordinates"]
        row = by_id.loc[feature["properties"]["case_id"]]
        assert (lon, lat) == pytest.approx((float(row["lon"]), float(row["lat"])), abs=1e-6)
    assert min(f["geometry"]["coordinates"][0] for f in placed) > 108.0


# --------------------------------------------------------------------------- GeoPackage


def test_geopackage_round_trips(table: gpd.GeoDataFrame, sample: Dataset, tmp_path: Path) -> None:
    path = tmp_path / "export.gpkg"
    path.write_bytes(to_geopackage_bytes({"cases": table, "crossings": sample.crossings}))
    assert sorted(pyogrio.list_layers(path)[:, 0]) == ["cases", "crossings"]
    cases = gpd.read_file(path, layer="cases")
    assert cases.crs.to_epsg() == 4326
    assert len(cases) == len(table), "rows without a place are kept"
    assert cases["case_id"].tolist() == table["case_id"].tolist()
    assert cases["note"].tolist() == table["note"].tolist()
    assert cases["victims"].tolist() == table["victims"].tolist()
    assert cases.geometry.isna().tolist() == table.geometry.isna().tolist()
    assert cases.geometry.iloc[0].equals_exact(table.geometry.iloc[0], 1e-9)
    crossings = gpd.read_file(path, layer="crossings")
    assert len(crossings) == len(sample.crossings) == 77
    assert crossings["crossing_id"].tolist() == sample.crossings["crossing_id"].tolist()
    assert shapely.equals_exact(
        crossings.geometry.values, sample.crossings.geometry.values, tolerance=1e-9
    ).all()
