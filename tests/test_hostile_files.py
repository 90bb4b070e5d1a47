"""Malformed and hostile files through the validate entry point: a clear message, never a crash.

Each file in ``tests/fixtures/hostile/`` (written by ``tests/fixtures/make_hostile.py``) goes
through ``python -m geodata.validate``'s :func:`~geodata.records.validate.main` and through
:func:`~geodata.records.intake.preview_import`. For each: no exception escapes, the exit code is the
expected one (0 only for files that are legitimately valid, see ``VALID``), the expected
problems are reported in Indonesian and English, no message carries a raw control character,
and user text is kept exactly as typed (escaping HTML is the renderer's job, neutralising
formulas the exporter's). Two big files are made at test time: one over the upload limit and
one with a 1 MB cell.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest

from geodata import settings
from geodata.records.intake import ImportPreview, preview_import
from geodata.records.validate import main
from tests.fixtures.make_hostile import (
    CONTROL_NOTE,
    FORMULAS,
    HOSTILE_DIR,
    HTML,
    JINJA,
    PATHS,
    XLSX_FORMULA_NOTE,
    corpus,
    huge_cell_csv,
    over_limit_csv,
)


@dataclass(frozen=True)
class Expect:
    """What a hostile file should give: exit code, problem codes, text kept as typed."""

    exit: int
    codes: frozenset[str]
    kept: Mapping[str, str] = field(default_factory=dict)


def expect(exit: int, *codes: str, kept: Mapping[str, str] | None = None) -> Expect:
    return Expect(exit, frozenset(codes), kept or {})


SHELTER_TEXT = {
    "shelter_id": "SH-<b>1</b>",
    "name": "<script>alert('shelter')</script>",
    "source": "{{ 7*7 }}",
}
CROSSING_TEXT = {
    "crossing_id": "<script>alert('x')</script>",
    "name": "<b onmouseover=alert(1)>PLBN</b>",
}

#: Files that are legitimately valid (exit 0), with what must be kept exactly.
VALID: dict[str, Expect] = {
    "bom_semicolons.csv": expect(0),
    "csv_named.xlsx": expect(0, "format_from_content"),
    "data_on_second_sheet.xlsx": expect(0, "sheet_choice"),
    "declared_huge_dimensions.xlsx": expect(0),
    "duplicate_content.csv": expect(0, "duplicate_record"),
    "excel_dates_and_dms.xlsx": expect(0, "date_serial"),
    "formula_in_note.xlsx": expect(0, "formula_as_text", kept={"note": XLSX_FORMULA_NOTE}),
    "formulas_in_text_fields.csv": expect(0, kept=FORMULAS),
    "html_crossings.gpkg": expect(0, kept=CROSSING_TEXT),
    "html_in_every_text_field.csv": expect(0, kept=HTML),
    "html_in_every_text_field.xlsx": expect(0, kept=HTML),
    "html_shelters.csv": expect(0, kept=SHELTER_TEXT),
    "indonesian_conventions.csv": expect(
        0, "columns_mapped", kept={"note": "catatan; dengan ; titik koma"}
    ),
    "jinja_in_text_fields.csv": expect(0, kept=JINJA),
    "path_like_values.csv": expect(0, kept=PATHS),
    "place_names_only.csv": expect(0, "place_located", "precision_derived"),
    "title_rows.xlsx": expect(0, "title_rows_skipped"),
    "utf16_with_bom.txt": expect(0),
    "utm_declared.geojson": expect(0, "crs_reprojected"),
    "valid_cases.xlsx": expect(0),
    "windows_1252.csv": expect(0, "file_encoding_guessed", kept={"note": "café – sudah dicek"}),
    "workbook_named.csv": expect(0, "format_from_content"),
}
#: Files that must be refused (exit 1), with the problem that says why.
INVALID: dict[str, Expect] = {
    "ambiguous_place.csv": expect(1, "place_ambiguous"),
    "billion_laughs.xlsx": expect(1, "xlsx_corrupt"),
    "binary_garbage.csv": expect(1, "file_not_text"),
    "control_characters.csv": expect(1, "not_allowed", kept={"note": CONTROL_NOTE}),
    "coordinates_as_text.csv": expect(1, "not_number"),
    "coordinates_swapped.csv": expect(1, "coordinates_swapped"),
    "coordinates_swapped_dms.csv": expect(1, "coordinate_hemisphere"),
    "duplicate_ids.csv": expect(1, "id_duplicate"),
    "empty.csv": expect(1, "file_empty"),
    "far_away_cell.xlsx": expect(1, "too_many_columns"),
    "formula_in_count.csv": expect(1, "not_integer"),
    "formula_in_count.xlsx": expect(1, "not_integer", "formula_as_text"),
    "future_and_ancient_dates.csv": expect(1, "date_future", "date_too_early"),
    "header_only.csv": expect(1, "file_no_rows"),
    "long_cell.csv": expect(1, "cell_too_long"),
    "many_columns.csv": expect(1, "too_many_columns"),
    "non_point_geometry.geojson": expect(1, "geometry_not_point"),
    "not_geojson.json": expect(1, "file_unreadable"),
    "nul_byte.csv": expect(1, "file_nul"),
    "old_excel.xls": expect(1, "file_xls_old"),
    "outside_kalbar.csv": expect(1, "outside_province"),
    "pdf_named.csv": expect(1, "file_not_text"),
    "ragged_rows.csv": expect(1, "row_field_count"),
    "shapefile.zip": expect(1, "file_shapefile"),
    "shift_jis.csv": expect(1, "file_encoding"),
    "spreadsheet.ods": expect(1, "file_ods"),
    "truncated.geojson": expect(1, "file_unreadable"),
    "truncated.gpkg": expect(1, "file_unreadable"),
    "truncated.xlsx": expect(1, "xlsx_corrupt"),
    "unknown_kind.csv": expect(1, "kind_unknown"),
    "utf16_without_bom.csv": expect(1, "file_utf16"),
    "utm_undeclared.geojson": expect(1, "coordinate_range"),  # GeoJSON is lon/lat by definition
    "whitespace_only.csv": expect(1, "file_empty"),
    "word_document.docx": expect(1, "file_zip"),
    "wrong_types.csv": expect(1, "not_integer", "not_date", "not_number", "not_allowed"),
}
EXPECTED = {**VALID, **INVALID}
_RAW_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e]")


@pytest.fixture(autouse=True)
def private_mappings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(settings.COLUMN_MAPPINGS_ENV, str(tmp_path / "mappings.json"))


def test_the_corpus_is_committed_as_generated_and_fully_covered() -> None:
    generated = corpus()
    committed = {path.name for path in HOSTILE_DIR.iterdir() if path.is_file()}
    assert committed == set(generated) == set(EXPECTED)
    assert len(committed) >= 30
    for name, data in generated.items():
        if not name.endswith(".gpkg"):  # SQLite stamps the time of writing
            assert (HOSTILE_DIR / name).read_bytes() == data, f"regenerate {name}"
    assert sum(path.stat().st_size for path in HOSTILE_DIR.iterdir()) < 500_000


def validate(path: Path, lang: str) -> tuple[int, dict[str, object], str]:
    """Run the command line in-process: exit code, JSON report, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(path), "--format", "json", "--lang", lang])
    return code, json.loads(out.getvalue()), err.getvalue()


@cache
def previewed(name: str) -> ImportPreview:
    return preview_import(HOSTILE_DIR / name, remembered=False)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_hostile_file(name: str) -> None:
    expected = EXPECTED[name]
    path = HOSTILE_DIR / name
    before = _digest(path)
    code, report, stderr = validate(path, "en")
    assert code == expected.exit, report["problems"]
    assert stderr == ""
    problems = report["problems"]
    assert isinstance(problems, list)
    found = {problem["code"] for problem in problems}
    assert expected.codes <= found, found
    assert "import_failed" not in found
    assert report["ok"] is (expected.exit == 0)
    if expected.exit == 1:
        assert any(problem["severity"] == "error" for problem in problems)
    assert _digest(path) == before  # nothing written, not even the file read
    _assert_messages(previewed(name))
    _assert_kept(previewed(name), expected.kept)


def _assert_messages(result: ImportPreview) -> None:
    """Every message is translated, names the file, and shows control characters escaped."""
    for problem in result.report:
        indonesian, english = problem.message("id"), problem.message("en")
        for message in (indonesian, english):
            assert message.startswith(result.file) and "validation." not in message
            assert not _RAW_CONTROL.search(message), message
        assert problem.text("id") != problem.text("en"), problem.code


def _assert_kept(result: ImportPreview, kept: Mapping[str, str]) -> None:
    for column, value in kept.items():
        assert value in result.frame[column].tolist(), (column, result.frame[column].tolist())


def test_control_characters_are_escaped_in_messages_and_kept_in_data() -> None:
    result = previewed("control_characters.csv")
    (problem,) = [p for p in result.report if p.code == "not_allowed"]
    assert "reported\\x1b[2J\\x1b[31m" in problem.message("en")
    assert result.frame.loc[3, "note"] == CONTROL_NOTE


def test_a_file_over_the_upload_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = over_limit_csv(tmp_path)
    assert path.stat().st_size > settings.MAX_UPLOAD_MB * 1024 * 1024
    code, report, _ = validate(path, "id")
    assert code == 1
    problems = report["problems"]
    assert isinstance(problems, list) and [p["code"] for p in problems] == ["file_too_large"]
    assert f"{settings.MAX_UPLOAD_MB}" in problems[0]["message"]


def test_a_one_megabyte_cell_is_refused(tmp_path: Path) -> None:
    code, report, _ = validate(huge_cell_csv(tmp_path), "en")
    assert code == 1
    problems = report["problems"]
    assert isinstance(problems, list)
    assert [p["code"] for p in problems] == ["cell_too_long_line"]
    assert "Line 2 " in problems[0]["message"]


def test_a_path_like_upload_name_is_reduced_to_its_base_name() -> None:
    workbook = (HOSTILE_DIR / "valid_cases.xlsx").read_bytes()
    result = preview_import(workbook, filename="../../../etc/cron.d/kasus.xlsx", remembered=False)
    assert result.ok and result.file == "kasus.xlsx"
    text = (HOSTILE_DIR / "html_in_every_text_field.csv").read_bytes()
    refused = preview_import(text, filename="..\\..\\etc\\passwd", remembered=False)
    assert refused.file == "passwd" and not refused.ok
    assert [p.code for p in refused.report] == ["file_format"]
    by_content = preview_import(workbook, filename="../../etc/passwd", remembered=False)
    assert by_content.ok and [p.code for p in by_content.report] == ["format_from_content"]
    odd = preview_import(workbook, filename="a\x00b\u202egpj.xlsx", remembered=False)
    assert odd.file == "abgpj.xlsx"
