"""Coded fields accept the code, the labels the app shows (id, en) and their common variants."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from geodata.i18n import t
from geodata.records.coded_values import (
    LABEL_SECTIONS,
    coded_values,
    country_code,
    read_bool,
    suggest_country,
    value_key,
)
from geodata.records.loaders import load_cases, load_crossings, load_shelters
from geodata.records.schemas import SCHEMAS

TODAY = dt.date(2025, 6, 20)
CODED = sorted(LABEL_SECTIONS)


def test_every_coded_schema_field_has_its_labels() -> None:
    coded = {
        (entity, field.name)
        for entity, schema in SCHEMAS.items()
        for field in schema.fields
        if field.kind in ("choice", "list")
    }
    assert coded == set(LABEL_SECTIONS)


@pytest.mark.parametrize(("entity", "field"), CODED)
def test_code_and_both_labels_read_as_the_code(entity: str, field: str) -> None:
    values = coded_values(entity, field)
    assert set(values.codes) == SCHEMAS[entity].field(field).allowed  # type: ignore[index]
    for code in values.codes:
        assert values.read(code) == code
        for lang in ("id", "en"):
            label = t(f"{LABEL_SECTIONS[(entity, field)]}.{code}", lang)  # type: ignore[index]
            assert values.read(label) == code, (lang, label)
            assert values.read(f"  {label.upper()} ") == code, (lang, label)


@pytest.mark.parametrize(
    ("entity", "field", "written", "code"),
    [
        ("case", "exploitation", "Kerja paksa", "labour"),
        ("case", "exploitation", "Eksploitasi seksual", "sexual"),
        ("case", "exploitation", "eksploitasi  tenaga-kerja", "labour"),
        ("case", "exploitation", "Forced_Marriage", "forced_marriage"),
        ("case", "exploitation", "forced-marriage", "forced_marriage"),
        ("case", "status", "Dilaporkan", "reported"),
        ("case", "status", "Penyidikan", "investigation"),
        ("case", "status", "PENUNTUTAN.", "prosecution"),
        ("case", "status", "lidik", "investigation"),
        ("case", "crossing_type", "Pos resmi", "official"),
        ("case", "crossing_type", "PLBN", "official"),
        ("case", "crossing_type", "jalur tikus", "unofficial"),
        ("case", "location_precision", "Kec.", "kecamatan"),
        ("case", "location_precision", "tepat", "exact"),
        ("crossing", "kind", "jalur tikus", "land_track"),
        ("crossing", "kind", "Jalur sungai tidak resmi", "river_route"),
        ("crossing", "status", "Belum diverifikasi", "unverified"),
        ("shelter", "operator", "LSM", "NGO"),
        ("shelter", "operator", "Dinsos", "Dinas Sosial"),
        ("shelter", "operator", "uptd-ppa", "UPTD PPA"),
        ("shelter", "services", "Bantuan hukum", "legal"),
        ("shelter", "services", "Psikososial", "psychosocial"),
    ],
)
def test_office_spellings(entity: str, field: str, written: str, code: str) -> None:
    assert coded_values(entity, field).read(written) == code


def test_accents_and_punctuation_do_not_matter() -> None:
    assert value_key(" Pénuntutan__(Kasus) ") == "penuntutan kasus"
    assert coded_values("case", "status").read("Pénuntutan") == "prosecution"


def test_near_misses_suggest_the_indonesian_label_and_code() -> None:
    exploitation = coded_values("case", "exploitation")
    assert exploitation.read("Kerja") is None
    assert exploitation.suggest("Kerja") == "Kerja paksa / eksploitasi tenaga kerja = labour"
    assert coded_values("case", "status").suggest("Penyidkan") == "Penyidikan = investigation"
    both = exploitation.suggest("eksploitasi") or ""
    assert "= labour" in both and "= sexual" in both  # a tie names each
    assert exploitation.suggest("slavery") is None and exploitation.suggest("x") is None


def test_a_spelling_shared_by_two_codes_is_not_guessed() -> None:
    # "Lainnya" (other) is unique per field, but "resmi" appears in official and unofficial
    # labels: only the whole labels and the listed synonym decide.
    crossing_type = coded_values("case", "crossing_type")
    assert crossing_type.read("resmi") == "official"
    assert crossing_type.read("tidak resmi") == "unofficial"
    with pytest.raises(ValueError, match="should be a coded field"):
        coded_values("case", "note")


@pytest.mark.parametrize(
    ("written", "value"),
    [("Ya", True), ("ya.", True), ("TRUE", True), ("1", True), ("1.0", True), ("Tidak", False),
     ("tdk", False), ("no", False), ("0", False), ("mungkin", None)],
)  # fmt: skip
def test_yes_no(written: str, value: bool | None) -> None:
    assert read_bool(written) is value


def test_countries_by_name_or_code() -> None:
    assert country_code("Malaysia") == "MY" and country_code(" my ") == "MY"
    assert country_code("Brunei") == "BN" and country_code("Atlantis") is None
    assert suggest_country("Malaysa") == "Malaysia = MY"


# --- through the loaders --------------------------------------------------------------------

CASES = (
    "case_id;date_reported;admin_code;location_precision;victims_female_adult;exploitation;"
    "destination_country;crossing_type;status;synthetic\n"
    "K-1;20/05/2024;61.03.21;Kecamatan;1;Kerja paksa;Malaysia;Jalur tidak resmi;Dilaporkan;Ya\n"
    "K-2;21/05/2024;61.03.21;kec.;2;Eksploitasi seksual;MY;Pos resmi (PLBN);Penyidikan;tidak\n"
    "K-3;22/05/2024;61.03.21;kecamatan;1;Kerja;MY;unknown;reported;ya\n"
    "K-4;22/05/2024;61.03.21;kecamatan;1;slavery;MY;unknown;reported;ya\n"
)


def test_indonesian_labels_import_as_codes_without_any_problem(tmp_path: Path) -> None:
    path = tmp_path / "kasus.csv"
    path.write_text(CASES, encoding="utf-8")
    result = load_cases(path, today=TODAY)
    frame = result.frame
    assert frame["exploitation"].tolist() == ["labour", "sexual"]
    assert frame["status"].tolist() == ["reported", "investigation"]
    assert frame["crossing_type"].tolist() == ["unofficial", "official"]
    assert frame["location_precision"].tolist() == ["kecamatan", "kecamatan"]
    assert frame["destination_country"].tolist() == ["MY", "MY"]
    assert frame["synthetic"].tolist() == [True, False]
    problems = {(p.row, p.field, p.code) for p in result.report}
    assert problems == {(4, "exploitation", "not_allowed"), (5, "exploitation", "not_allowed")}
    kerja, slavery = result.report.errors
    assert kerja.message("id").endswith(
        "Mungkin maksudnya “Kerja paksa / eksploitasi tenaga kerja = labour”?"
    )
    assert "Eksploitasi seksual = sexual" in slavery.message("en") and not slavery.hint("en")


def test_crossing_and_shelter_labels(tmp_path: Path) -> None:
    crossings = tmp_path / "perlintasan.csv"
    crossings.write_text(
        "crossing_id;name;kind;lon;lat;status\n"
        "J-1;Jalur A;Jalur sungai tidak resmi;110,30;0,90;Aktif\n"
        "J-2;Jalur B;jalur tikus;110,20;0,80;Belum diverifikasi\n",
        encoding="utf-8",
    )
    result = load_crossings(crossings, today=TODAY)
    assert result.ok and not result.report.problems
    assert result.frame["kind"].tolist() == ["river_route", "land_track"]
    assert result.frame["status"].tolist() == ["active", "unverified"]
    shelters = tmp_path / "shelter.csv"
    shelters.write_text(
        "shelter_id;name;operator;services;lon;lat;confidential\n"
        'S-1;Rumah Aman;LSM / NGO;"Bantuan hukum; Kesehatan";109,34;-0,02;Ya\n'
        "S-2;Posko;Dinsos;Pemulangan, Kesehatn;109,31;-0,07;tidak\n",
        encoding="utf-8",
    )
    result = load_shelters(shelters)
    assert result.ok
    assert result.frame["operator"].tolist() == ["NGO", "Dinas Sosial"]
    assert result.frame["services"].tolist() == ["legal;health", "repatriation;kesehatn"]
    (warning,) = result.report.warnings
    assert (warning.row, warning.code) == (3, "list_unknown")
    assert warning.hint("id") == "Mungkin maksudnya “Kesehatan = health”?"
