"""Import previews: formats, column mapping, place names, duplicates, all or nothing."""

from __future__ import annotations

import datetime as dt
import io
import json
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from geodata import settings
from geodata.errors import ValidationError
from geodata.records import intake
from geodata.records.intake import ImportPreview, preview_import
from geodata.records.loaders import load_cases
from geodata.records.mapping import (
    guess_entity,
    header_signature,
    header_words,
    mappings_path,
    recall_mapping,
    remember_mapping,
    suggest_mapping,
)

ROOT = Path(__file__).resolve().parents[1]
LOADER_FIXTURES = Path(__file__).parent / "fixtures" / "loaders"
TODAY = dt.date(2025, 7, 1)
HEADER = [
    "case_id",
    "date_reported",
    "lon",
    "lat",
    "admin_code",
    "location_precision",
    "victims_female_adult",
    "status",
    "note",
]
ROWS = [
    ["K-1", "2024-05-01", "110.35", "0.97", "61.03.21", "exact", "1", "reported", "<b>satu</b>"],
    ["K-2", "2024-06-02", "", "", "61.03.21.2003", "desa", "2", "investigation", "dua"],
]


@pytest.fixture(autouse=True)
def private_mappings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Never read or write the user's remembered mappings."""
    path = tmp_path / "mappings" / "column_mappings.json"
    monkeypatch.setenv(settings.COLUMN_MAPPINGS_ENV, str(path))
    yield path


def csv_bytes(header: list[str], rows: list[list[str]], separator: str = ",") -> bytes:
    frame = pd.DataFrame(rows, columns=header)
    return frame.to_csv(index=False, sep=separator).encode("utf-8")


def xlsx_bytes(sheets: Mapping[str, Sequence[Sequence[object]]]) -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="xlsxwriter") as writer:
        for title, rows in sheets.items():
            width = max(len(row) for row in rows)
            padded = [[*row, *[None] * (width - len(row))] for row in rows]
            pd.DataFrame(padded).to_excel(writer, sheet_name=title, index=False, header=False)
    return buffer.getvalue()


def preview(data: bytes, filename: str, **options: object) -> ImportPreview:
    return preview_import(data, filename=filename, today=TODAY, **options)  # type: ignore[arg-type]


def codes(result: ImportPreview) -> set[str]:
    return {problem.code for problem in result.report}


# --- formats --------------------------------------------------------------------------------


def _cases_as_geodata() -> gpd.GeoDataFrame:
    frame = pd.DataFrame(ROWS, columns=HEADER).drop(columns=["lon", "lat"])
    geometry = [shapely.Point(110.35, 0.97), None]
    return gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326")


def _geopackage(frame: gpd.GeoDataFrame, folder: Path) -> bytes:
    path = folder / "layer.gpkg"
    frame.to_file(path, layer="kasus", driver="GPKG")
    return path.read_bytes()


def test_the_same_cases_from_csv_xlsx_geojson_and_geopackage(tmp_path: Path) -> None:
    geodata = _cases_as_geodata()
    files = {
        "cases.csv": csv_bytes(HEADER, ROWS),
        "cases.xlsx": xlsx_bytes({"Kasus": [HEADER, *ROWS]}),
        "cases.geojson": geodata.to_json().encode("utf-8"),
        "cases.gpkg": _geopackage(geodata, tmp_path),
    }
    frames = {}
    for name, data in files.items():
        result = preview(data, name)
        assert result.ok, (name, result.report.to_text("en"))
        assert result.entity == "case" and result.format == name.split(".")[1]
        frames[name] = result.frame.reset_index(drop=True)
    columns = ["case_id", "date_reported", "admin_code", "location_precision", "note", "lon"]
    for frame in frames.values():
        pd.testing.assert_frame_equal(frame[columns], frames["cases.csv"][columns])
        assert frame.geometry.iloc[0].equals(shapely.Point(110.35, 0.97))


def test_crossings_and_shelters_are_recognised(tmp_path: Path) -> None:
    crossings = gpd.GeoDataFrame(
        {"crossing_id": ["J-1"], "name": ["Jalur A"], "kind": ["land_track"], "status": ["active"]},
        geometry=[shapely.Point(110.36, 0.98)],
        crs="EPSG:4326",
    )
    result = preview(_geopackage(crossings, tmp_path), "jalur.gpkg")
    assert result.ok and result.entity == "crossing" and result.part == "kasus"
    shelters = [
        ["ID Shelter", "Nama", "Pengelola", "Kapasitas", "Bujur", "Lintang", "Rahasia"],
        ["SH-1", "Rumah Aman", "NGO", "12", "109,33", "-0,03", "ya"],
    ]
    result = preview(xlsx_bytes({"Shelter": shelters}), "shelter.xlsx")
    assert result.ok and result.entity == "shelter", result.report.to_text("en")
    assert result.frame.iloc[0][["capacity", "confidential", "lon"]].tolist() == [12, True, 109.33]


def test_a_path_reads_like_bytes_and_only_the_base_name_is_shown(tmp_path: Path) -> None:
    path = tmp_path / "kasus.csv"
    path.write_bytes(csv_bytes(HEADER, ROWS))
    assert preview_import(path, today=TODAY).ok
    shown = preview(csv_bytes(HEADER, ROWS), "..\\..\\Windows/../etc/kasus.csv")
    assert shown.ok and shown.file == "kasus.csv"
    passwd = preview(b"root:x:0:0:root:/root:/bin/bash\n", "../../etc/passwd")
    assert passwd.file == "passwd" and codes(passwd) == {"file_format"} and not passwd.ok


def test_upload_limit_is_the_streamlit_limit_and_is_checked_before_reading(tmp_path: Path) -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] == settings.MAX_UPLOAD_MB
    result = preview(csv_bytes(HEADER, ROWS), "cases.csv", max_bytes=100)
    assert codes(result) == {"file_too_large"} and result.frame.empty
    assert "MB" in result.report.problems[0].message("en")


def test_xlsx_rows_dates_formulas_titles_and_sheets() -> None:
    rows: list[Sequence[object]] = [
        ["DATA KASUS TPPO 2024"],
        [],
        HEADER,
        ["X-1", dt.datetime(2024, 5, 1), 110.35, 0.97, "61.03.21", "exact", 1, "reported", "=1+1"],
        ["X-2", 45413, 110.35, 0.97, "61.03.21", "exact", 2.0, "reported", "dua"],
    ]
    data = xlsx_bytes({"Sampul": [["Rekap"]], "Data": rows})
    result = preview(data, "kasus.xlsx")
    assert result.ok, result.report.to_text("en")
    assert list(result.frame.index) == [4, 5]  # Excel's own row numbers
    assert result.part == "Data"
    assert result.frame.loc[5, "date_reported"] == pd.Timestamp("2024-05-01")
    assert result.frame.loc[4, "note"] == "=1+1"  # a formula is kept as its text
    assert {"title_rows_skipped", "sheet_choice", "date_serial", "formula_as_text"} <= codes(result)
    serial = next(p for p in result.report if p.code == "date_serial")
    assert "45413 (= 2024-05-01)" in serial.message("en") and serial.field == "date_reported"
    assert preview(data, "kasus.xlsx", sheet="Data").ok
    missing = preview(data, "kasus.xlsx", sheet="Kasus")
    assert codes(missing) == {"sheet_not_found"} and "Sampul, Data" in missing.report.problems[
        0
    ].message("en")


@pytest.mark.parametrize(
    ("data", "code", "ok"),
    [
        ((LOADER_FIXTURES / "cases_latin1.csv").read_bytes(), "file_encoding_guessed", True),
        ("case_id,note\nA,テスト\n".encode("shift_jis"), "file_encoding", False),
        (csv_bytes(HEADER, ROWS, "\t").decode().encode("utf-16"), None, True),
        (csv_bytes(HEADER, ROWS).decode().encode("utf-16-le"), "file_utf16", False),
    ],
)
def test_encodings(data: bytes, code: str | None, ok: bool) -> None:
    result = preview(data, "cases.csv")
    assert result.ok is ok, result.report.to_text("en")
    if code is not None:
        assert code in codes(result)


# --- column mapping -------------------------------------------------------------------------

INDONESIAN = [
    "No. LP",
    "Tanggal Lapor",
    "Lintang",
    "Bujur",
    "Kode Wilayah",
    "Ketepatan Lokasi",
    "Korban Perempuan Dewasa",
    "Status",
    "Keterangan",
]


def test_indonesian_headers_and_conventions_are_mapped_with_a_warning() -> None:
    rows = [
        [
            "LP-1",
            "20 Juni 2024",
            "0°58'12\" LU",
            "110°21'00\" BT",
            "61.03.21",
            "exact",
            "2",
            "reported",
            "catatan",
        ]
    ]
    result = preview(csv_bytes(INDONESIAN, rows, ";"), "kasus.csv")
    assert result.ok, result.report.to_text("en")
    row = result.frame.iloc[0]
    assert row["lat"] == pytest.approx(0.97) and row["lon"] == pytest.approx(110.35)
    assert row["date_reported"] == pd.Timestamp("2024-06-20") and row["note"] == "catatan"
    assert codes(result) == {"columns_mapped"}
    assert "Tanggal Lapor → date_reported" in result.report.problems[0].message("en")
    assert result.mapping is not None and result.mapping.mapping["Bujur"] == "lon"


def test_fuzzy_headers_are_applied_only_when_close() -> None:
    header = [
        "case_id",
        "tanggal laporn",
        "admin_code",
        "location_precision",
        "victims_female_adult",
        "statuss",
        "catatn kasus",
    ]
    rows = [["F-1", "2024-05-01", "61.03.21", "kecamatan", "1", "reported", "x"]]
    result = preview(csv_bytes(header, rows), "kasus.csv")
    assert result.ok, result.report.to_text("en")
    matches = {m.header: m for m in result.mapping.matches}  # type: ignore[union-attr]
    assert (matches["tanggal laporn"].target, matches["tanggal laporn"].method) == (
        "date_reported",
        "fuzzy",
    )
    assert matches["statuss"].target == "status"
    assert matches["catatn kasus"].target is None  # too far: only reported as unknown
    assert {"columns_mapped_fuzzy", "columns_unknown"} <= codes(result)


def test_explicit_mapping_wins_and_can_drop_a_column() -> None:
    header = ["nomor", "tgl", "kode", "presisi", "korban", "tahap", "lintang"]
    rows = [["E-1", "2024-05-01", "61.03.21", "kecamatan", "1", "reported", "bukan lintang"]]
    explicit = {
        "nomor": "case_id",
        "tgl": "date_reported",
        "kode": "admin_code",
        "presisi": "location_precision",
        "korban": "victims_female_adult",
        "lintang": None,
    }
    result = preview(csv_bytes(header, rows), "kasus.csv", mapping=explicit)
    assert result.ok and result.entity == "case", result.report.to_text("en")
    assert result.frame.iloc[0]["case_id"] == "E-1" and pd.isna(result.frame.iloc[0]["lat"])
    with pytest.raises(ValueError, match="`explicit` should map headers"):
        preview(csv_bytes(header, rows), "kasus.csv", kind="cases", mapping={"nomor": "nama"})


def test_a_confirmed_mapping_is_remembered_for_the_same_headers(private_mappings: Path) -> None:
    header = ["nomor", "tgl", "kode", "presisi", "korban", "tahap"]
    rows = [["R-1", "2024-05-01", "61.03.21", "kecamatan", "1", "reported"]]
    first = preview(csv_bytes(header, rows), "kasus.csv", kind="cases")
    assert not first.ok and "columns_missing" in codes(first)
    chosen = {
        "nomor": "case_id",
        "tgl": "date_reported",
        "kode": "admin_code",
        "presisi": "location_precision",
        "korban": "victims_female_adult",
        "tahap": "status",
    }
    written = remember_mapping(header, chosen, entity="case")
    assert written == private_mappings == mappings_path() and written.exists()
    assert oct(written.parent.stat().st_mode & 0o777) == "0o700"
    again = preview(csv_bytes(header, list(reversed(rows))), "lain.csv")  # kind guessed now
    assert again.ok and again.entity == "case", again.report.to_text("en")
    assert {m.method for m in again.mapping.matches} == {"remembered"}  # type: ignore[union-attr]
    assert recall_mapping(list(reversed(header)), entity="case") == chosen  # order-free
    ignored = preview(csv_bytes(header, rows), "kasus.csv", kind="cases", remembered=False)
    assert not ignored.ok


def test_a_damaged_mappings_file_is_ignored(private_mappings: Path) -> None:
    private_mappings.parent.mkdir(parents=True)
    for content in ("{not json", '{"mappings": []}', "[]", "\xff"):
        private_mappings.write_text(content, encoding="latin-1")
        assert recall_mapping(["a"], entity="case") is None
        assert preview(csv_bytes(HEADER, ROWS), "cases.csv").ok
    remember_mapping(["a"], {"a": "note"}, entity="case")  # replaces the damaged file
    assert json.loads(private_mappings.read_text(encoding="utf-8"))["version"] == 1
    with pytest.raises(ValueError, match="columns of case"):
        remember_mapping(["a"], {"a": "nope"}, entity="case")


def test_mapping_helpers() -> None:
    assert header_words("Lintang (LU/LS)") == "lintang"
    assert header_words("Desa/Kel.") == "desa kel"
    assert header_words("Case_ID") == "case id"
    assert header_signature(["A", "b"], entity="case") == header_signature(
        ["b ", "a"], entity="case"
    )
    assert header_signature(["a"], entity="case") != header_signature(["a"], entity="shelter")
    assert guess_entity(["crossing_id", "name", "kind", "lon", "lat", "status"]) == "crossing"
    assert guess_entity(["shelter_id", "nama", "pengelola", "lon", "lat"]) == "shelter"
    assert guess_entity(INDONESIAN) == "case"
    assert guess_entity(["foo", "bar"]) is None
    both = suggest_mapping(["lat", "Lintang"], entity="case")
    assert both.duplicates == {"lat": ("lat", "Lintang")}
    with pytest.raises(ValueError, match="`entity` should be one of"):
        suggest_mapping(["a"], entity="person")  # type: ignore[arg-type]


def test_two_headers_for_one_column_stop_the_file() -> None:
    result = preview(csv_bytes([*HEADER, "Lintang"], [[*ROWS[0], "0.97"]]), "cases.csv")
    assert "column_duplicate" in codes(result) and result.frame.empty and not result.ok
    assert result.report.errors[0].code == "column_duplicate"
    assert "lat, Lintang → lat" in result.report.problems[0].message("en")


# --- place names ----------------------------------------------------------------------------

PLACE_HEADER = [
    "case_id",
    "date_reported",
    "desa",
    "kecamatan",
    "kabupaten",
    "victims_female_adult",
    "status",
]


def test_rows_with_only_place_names_are_located() -> None:
    rows = [
        ["P-1", "2024-05-01", "Ds. Entikong", "Kec. Entikong", "Kab. Sanggau", "1", "reported"],
        ["P-2", "2024-05-02", "Entikon", "Entikong", "", "2", "reported"],
        ["P-3", "2024-05-03", "", "Entikong", "", "1", "reported"],
    ]
    result = preview(csv_bytes(PLACE_HEADER, rows), "kasus.csv")
    assert result.ok, result.report.to_text("en")
    frame = result.frame
    assert frame["admin_code"].tolist() == ["61.03.21.2003", "61.03.21.2003", "61.03.21"]
    assert frame["location_precision"].tolist() == ["desa", "desa", "kecamatan"]
    located = [p for p in result.report if p.code == "place_located"]
    assert [p.row for p in located] == [2, 3, 4] and all(p.severity == "warning" for p in located)
    assert located[0].params["confidence"] == 100 and located[1].params["confidence"] == 93
    assert "confidence 93%" in located[1].message("en") and "keyakinan 93%" in located[1].message(
        "id"
    )
    assert result.located.loc[3, "status"] == "fuzzy"
    assert "desa" not in frame.columns and "precision_derived" in codes(result)


def test_free_text_location_and_given_codes_or_points_win() -> None:
    header = [
        "case_id",
        "date_reported",
        "lokasi",
        "admin_code",
        "lon",
        "lat",
        "location_precision",
        "victims_female_adult",
        "status",
    ]
    rows = [
        [
            "L-1",
            "2024-05-01",
            "Ds. Entikong, Kec. Entikong, Kab. Sanggau",
            "",
            "",
            "",
            "",
            "1",
            "reported",
        ],
        ["L-2", "2024-05-01", "Tanjung", "61.03", "", "", "kabupaten", "1", "reported"],
        ["L-3", "2024-05-01", "Tanjung", "", "110.35", "0.97", "exact", "1", "reported"],
    ]
    result = preview(csv_bytes(header, rows), "kasus.csv")
    assert result.ok, result.report.to_text("en")
    assert result.frame["admin_code"].tolist()[:2] == ["61.03.21.2003", "61.03"]
    assert pd.isna(result.frame["admin_code"].iloc[2])
    assert list(result.located.index) == [2]


def test_an_ambiguous_place_is_an_error_that_lists_the_candidates() -> None:
    rows = [
        ["A-1", "2024-05-01", "Tanjung", "", "", "1", "reported"],
        ["A-2", "2024-05-01", "Xyzzy", "", "", "1", "reported"],
    ]
    result = preview(csv_bytes(PLACE_HEADER, rows), "kasus.csv")
    assert not result.ok and result.frame.empty and list(result.invalid_rows.index) == [2, 3]
    assert codes(result) == {"place_ambiguous", "place_not_found", "precision_derived"}
    message = next(p for p in result.report if p.code == "place_ambiguous").message("en")
    assert "Tanjung 61.05.07.2028 (Kec. Dedai, Kabupaten Sintang)" in message and "…" in message


def test_a_place_not_found_in_its_parent_is_placed_at_the_parent_with_a_warning() -> None:
    rows = [["Q-1", "2024-05-01", "Xyzzy", "Entikong", "Sanggau", "1", "reported"]]
    result = preview(csv_bytes(PLACE_HEADER, rows), "kasus.csv")
    assert result.ok and result.frame.iloc[0]["admin_code"] == "61.03.21"
    (partial,) = [p for p in result.report if p.code == "place_partial"]
    assert partial.params["names"] == ["xyzzy"] and partial.params["level"] == "kecamatan"


def test_place_names_that_disagree_are_named_where_each_lies() -> None:
    """ "Kecamatan Entikong" under "Kabupaten Sambas": Entikong lies in Sanggau, so this is
    not a misspelling; the row is placed at Sambas and the warning says where Entikong is."""
    rows = [["C-1", "2024-05-01", "", "Entikong", "Sambas", "1", "reported"]]
    result = preview(csv_bytes(PLACE_HEADER, rows), "kasus.csv")
    assert result.ok and result.frame.iloc[0]["admin_code"] == "61.01"
    (conflict,) = [p for p in result.report if p.code == "place_conflict"]
    assert conflict.severity == "warning" and conflict.params["level"] == "kabupaten"
    (elsewhere,) = conflict.params["elsewhere"]
    assert elsewhere.startswith("Entikong 61.03.21") and "Sanggau" in elsewhere
    assert "tidak berada di wilayah itu, tetapi di Entikong 61.03.21" in conflict.message("id")


# --- duplicates and the all-or-nothing batch ------------------------------------------------


def test_duplicates_within_the_file_and_against_the_store() -> None:
    rows = [
        ROWS[0],
        ["K-3", *ROWS[0][1:]],  # same content as K-1
        ROWS[1],
        ROWS[1],  # same id as K-2
    ]
    result = preview(csv_bytes(HEADER, rows), "cases.csv")
    assert not result.ok
    table = result.duplicates.to_dict(orient="records")
    assert {"row": 3, "kind": "content", "scope": "file", "other": "2"} in table
    assert {"row": 5, "kind": "id", "scope": "file", "other": "4"} in table
    stored = preview(csv_bytes(HEADER, ROWS), "cases.csv").frame
    again = preview(
        csv_bytes(HEADER, [["K-9", *ROWS[0][1:]], ROWS[1]]), "cases.csv", existing=stored
    )
    assert not again.ok and list(again.frame.index) == [2] and list(again.invalid_rows.index) == [3]
    by_code = {p.code: p for p in again.report}
    assert by_code["id_exists"].row == 3 and by_code["id_exists"].severity == "error"
    assert by_code["duplicate_existing"].params == {"value": "K-1"}
    assert "K-1" in by_code["duplicate_existing"].message("id")


def test_a_running_spreadsheet_brings_in_its_new_rows_only_when_asked() -> None:
    """An office uploads its spreadsheet again with new rows: by default every stored ID is
    an error; with ``skip_stored`` those rows are left out, each with a warning, and the
    new ones can be imported."""
    stored = preview(csv_bytes(HEADER, ROWS[:1]), "cases.csv").frame
    again = csv_bytes(HEADER, ROWS)
    refused = preview(again, "cases.csv", existing=stored)
    assert not refused.ok and [p.code for p in refused.report.errors] == ["id_exists"]
    kept = preview(again, "cases.csv", existing=stored, skip_stored=True)
    assert kept.ok and list(kept.frame["case_id"]) == [row[0] for row in ROWS[1:]]
    assert kept.invalid_rows.empty
    skipped = [p for p in kept.report if p.code == "id_stored_skipped"]
    assert [(p.row, p.severity) for p in skipped] == [(2, "warning")]
    assert ROWS[0][0] in skipped[0].message("id")


def test_ok_means_every_row_can_be_committed() -> None:
    good = preview(csv_bytes(HEADER, ROWS), "cases.csv")
    assert good.ok and len(good.frame) == 2 and good.invalid_rows.empty
    good.raise_for_errors()
    one_bad = preview(csv_bytes(HEADER, [ROWS[0], ["K-2", "kemarin", *ROWS[1][2:]]]), "cases.csv")
    assert not one_bad.ok and len(one_bad.frame) == 1  # shown, but not to be committed
    with pytest.raises(ValidationError, match=r"kemarin"):
        one_bad.raise_for_errors()
    header_only = preview(csv_bytes(HEADER, []), "cases.csv")
    assert not header_only.ok and codes(header_only) == {"file_no_rows"}
    assert header_only.report.errors


def test_problems_table_in_both_languages() -> None:
    result = preview(
        csv_bytes(HEADER, [["K-1", "2024-05-01", "", "", "61.03.21", "desa", "1", "reportd", ""]]),
        "c.csv",
    )
    for lang in ("id", "en"):
        table = result.problems_table(lang)
        assert list(table.columns) == ["row", "field", "severity", "problem", "suggestion"]
    english, indonesian = result.problems_table("en"), result.problems_table("id")
    row = english[english["field"] == "status"].iloc[0]
    assert row["severity"] == "ERROR"
    assert row["suggestion"] == "Did you mean “Dilaporkan = reported”?"
    assert indonesian[indonesian["field"] == "status"].iloc[0]["severity"] == "KESALAHAN"


def test_programming_errors_raise_and_bad_files_never_do(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(TypeError, match="`filename` should be given"):
        preview_import(b"x")
    with pytest.raises(TypeError, match="`source` should be a path or bytes"):
        preview_import(42)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="`kind` should be one of"):
        preview(b"x", "a.csv", kind="people")
    with pytest.raises(ValueError, match="should have the column 'case_id'"):
        preview(csv_bytes(HEADER, ROWS), "a.csv", existing=pd.DataFrame({"x": [1]}))
    with pytest.raises(TypeError, match="`today` should be a date"):
        preview_import(b"x", filename="a.csv", today="2025-01-01")  # type: ignore[arg-type]

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(intake, "validate_table", broken)
    result = preview(csv_bytes(HEADER, ROWS), "cases.csv")
    assert codes(result) == {"import_failed"} and result.frame.empty and not result.ok


def test_missing_file_and_empty_bytes(tmp_path: Path) -> None:
    assert codes(preview_import(tmp_path / "none.csv")) == {"file_not_found"}
    assert codes(preview(b"\xef\xbb\xbf \n", "a.csv")) == {"file_empty"}


def test_row_limits_refuse_the_whole_file() -> None:
    rows = [[f"K-{i}", *ROWS[0][1:]] for i in range(5)]
    for name, data in (
        ("cases.csv", csv_bytes(HEADER, rows)),
        ("cases.xlsx", xlsx_bytes({"Kasus": [HEADER, *rows]})),
    ):
        result = preview(data, name, max_rows=4)
        assert codes(result) == {"too_many_rows"} and result.frame.empty, name
        assert preview(data, name, max_rows=5).rows_read == 5


def test_long_upload_names_are_shortened_and_keep_their_suffix() -> None:
    result = preview(csv_bytes(HEADER, ROWS), "x" * 300 + ".csv")
    assert result.ok and len(result.file) <= 120 and result.file.endswith("….csv")


def test_the_loaders_read_indonesian_conventions_too(tmp_path: Path) -> None:
    path = tmp_path / "kasus.csv"
    rows = [["I-1", "20 Juni 2024", "110°21'00\" BT", "0°58'12\" LU", "61.03.21", "exact", "1",
             "reported", ""]]  # fmt: skip
    path.write_bytes(csv_bytes(HEADER, rows, ";"))
    result = load_cases(path, today=TODAY)
    assert result.ok, result.report.to_text("en")
    assert result.frame.iloc[0]["lon"] == pytest.approx(110.35)
    assert result.frame.iloc[0]["date_reported"] == pd.Timestamp("2024-06-20")
