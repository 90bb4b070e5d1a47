"""Import templates: a filled template imports as it is, onto the desa its example names."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import shapely

from geodata import reference
from geodata.records.intake import ImportPreview, preview_import
from geodata.records.schemas import SCHEMAS
from geodata.records.templates import (
    ENTITY_OF_KIND,
    main,
    media_type,
    template_bytes,
    template_filename,
)

KINDS = sorted(ENTITY_OF_KIND)
CASES = [(kind, fmt, lang) for kind in KINDS for fmt in ("xlsx", "csv") for lang in ("id", "en")]


def _preview(kind: str, fmt: str, lang: str, *, guess: bool = False) -> ImportPreview:
    data = template_bytes(kind, fmt, lang=lang)
    return preview_import(
        data, filename=f"template.{fmt}", kind=None if guess else kind, remembered=False
    )


def _sheets(kind: str, lang: str = "id") -> dict[str, list[tuple[object, ...]]]:
    book = openpyxl.load_workbook(io.BytesIO(template_bytes(kind, "xlsx", lang=lang)))
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}


def _desa(name: str, kecamatan: str) -> pd.Series:
    gazetteer = reference.load_gazetteer()
    parent = gazetteer.loc[
        (gazetteer["level"] == "kecamatan") & (gazetteer["name"] == kecamatan), "code"
    ]
    (code,) = gazetteer.loc[
        (gazetteer["name"] == name) & (gazetteer["kecamatan_code"].isin(parent)), "code"
    ]
    units = reference.load_units("desa")
    return units.set_index("code").loc[code]


@pytest.mark.parametrize(("kind", "fmt", "lang"), CASES)
def test_the_example_row_imports_without_errors_or_manual_mapping(
    kind: str, fmt: str, lang: str
) -> None:
    preview = _preview(kind, fmt, lang, guess=True)
    assert preview.entity == ENTITY_OF_KIND[kind]  # the kind is told from the headers
    assert preview.ok and preview.report.errors == [] and len(preview.frame) == 1
    assert preview.mapping is not None
    assert {m.method for m in preview.mapping.matches} <= {"exact", "alias"}
    assert all(match.target is not None for match in preview.mapping.matches)
    row = preview.frame.iloc[0]
    assert bool(row["synthetic"]) and str(row[SCHEMAS[preview.entity].id_field]).startswith(
        "CONTOH"
    )


@pytest.mark.parametrize(("fmt", "lang"), [("xlsx", "id"), ("csv", "id"), ("csv", "en")])
def test_the_case_example_is_placed_on_its_desa_by_name(fmt: str, lang: str) -> None:
    preview = _preview("cases", fmt, lang)
    row = preview.frame.iloc[0]
    temajuk = _desa("Temajuk", "Paloh")
    assert row["admin_code"] == temajuk.name and row["location_precision"] == "desa"
    assert (row["exploitation"], row["status"], row["crossing_type"]) == (
        "labour",
        "reported",
        "unofficial",
    )
    assert row["destination_country"] == "MY" and row["victims_total"] == 3
    assert row["date_reported"] == pd.Timestamp("2025-03-15")  # day first


def test_crossing_and_shelter_examples_lie_in_their_desa() -> None:
    crossing = _preview("crossings", "csv", "id").frame.iloc[0]
    assert crossing["kind"] == "land_track" and crossing["status"] == "unverified"
    assert _desa("Temajuk", "Paloh").geometry.contains(crossing.geometry)
    shelter = _preview("shelters", "xlsx", "id").frame.iloc[0]
    akcaya = _desa("Akcaya", "Pontianak Selatan")
    assert akcaya.geometry.contains(shelter.geometry) and shelter["admin_code"] == akcaya.name
    assert shelter["services"] == "shelter;legal;health" and shelter["operator"] == "UPTD PPA"
    assert isinstance(shelter.geometry, shapely.Point)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("lang", ["id", "en"])
def test_allowed_values_sheet_lists_exactly_the_schema_codes(kind: str, lang: str) -> None:
    data, allowed, _ = _sheets(kind, lang).values()
    schema = SCHEMAS[ENTITY_OF_KIND[kind]]
    headers = {str(header): position for position, header in enumerate(data[0])}
    mapping = _preview(kind, "xlsx", lang).mapping
    assert mapping is not None
    target = mapping.renames
    listed: dict[str, set[str]] = {}
    for column, label, code in allowed[1:]:
        assert column in headers and label and code
        listed.setdefault(target[str(column)], set()).add(str(code))
    coded = {f.name: set(f.allowed or ()) for f in schema.fields if f.kind in ("choice", "list")}
    assert listed == coded


@pytest.mark.parametrize("kind", KINDS)
def test_the_guide_explains_every_column(kind: str) -> None:
    data, _, guide = _sheets(kind).values()
    assert [row[0] for row in guide[1:]] == list(data[0])
    assert all(row[1] in ("ya", "tidak") and row[2] and row[3] for row in guide[1:])
    schema = SCHEMAS[ENTITY_OF_KIND[kind]]
    required = {row[0] for row in guide[1:] if row[1] == "ya"}
    assert len(required) == len(schema.required_columns)
    dates = [row for row in guide[1:] if "HH/BB/TTTT" in str(row[2])]
    assert len(dates) == sum(f.kind == "date" for f in schema.fields)
    text = " ".join(str(cell) for rows in _sheets(kind).values() for row in rows for cell in row)
    assert "template." not in text and "schema." not in text  # no untranslated key


def test_csv_is_the_indonesian_excel_form() -> None:
    data = template_bytes("crossings", "csv")
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    header, example = rows
    assert header == list(_sheets("crossings")["Perlintasan"][0])
    values = dict(zip(header, example, strict=True))
    assert values["Bujur"] == "109,5094" and values["Lintang"] == "1,9732"
    assert values["Jenis"] == "Jalur darat tidak resmi (jalur tikus)"
    assert values["Terakhir diverifikasi"] == "10/01/2025"


def test_command_line_writes_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "kasus.xlsx"
    assert main(["--kind", "cases", "--format", "xlsx", "--out", str(out)]) == 0
    assert out.read_bytes()[:2] == b"PK" and str(out) in capsys.readouterr().out
    assert main(["--kind", "people", "--out", str(out)]) == 2
    missing = tmp_path / "no" / "such" / "folder.csv"
    assert main(["--kind", "cases", "--format", "csv", "--out", str(missing), "--lang", "en"]) == 1
    assert "could not be written" in capsys.readouterr().err


def test_wrong_arguments_raise() -> None:
    with pytest.raises(ValueError, match="`kind` should be one of"):
        template_bytes("case", "xlsx")
    with pytest.raises(ValueError, match="`fmt` should be one of"):
        template_bytes("cases", "ods")
    with pytest.raises(ValueError, match="`lang` should be one of"):
        template_bytes("cases", "csv", lang="fr")


def test_download_names_and_types() -> None:
    assert template_filename("cases", "xlsx") == "template_kasus.xlsx"
    assert template_filename("crossings", "csv", lang="en") == "template_crossings.csv"
    assert media_type("csv") == "text/csv" and media_type("xlsx").endswith(".sheet")
    with pytest.raises(ValueError, match="`fmt` should be one of"):
        template_filename("cases", "pdf")


@pytest.mark.parametrize("lang", ["id", "en"])
def test_a_filled_in_xlsx_template_reads_without_a_sheet_warning(lang: str) -> None:
    """Its help sheets are the template's own: no "choose another sheet" warning, which the
    Data page could not act on (it has no sheet picker; found by a new-user run-through)."""
    data = template_bytes("cases", "xlsx", lang=lang)
    result = preview_import(data, filename="kasus.xlsx", kind="cases")
    assert "sheet_choice" not in {problem.code for problem in result.report}
    book = openpyxl.load_workbook(io.BytesIO(data))
    book.create_sheet("Catatan kantor")  # an office's own sheet: the warning is right there
    out = io.BytesIO()
    book.save(out)
    other = preview_import(out.getvalue(), filename="kasus.xlsx", kind="cases")
    assert "sheet_choice" in {problem.code for problem in other.report}
