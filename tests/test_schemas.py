"""The data model: field names others rely on, translated labels, and SCHEMAS.md in step."""

from __future__ import annotations

import string
from pathlib import Path

import pytest

from geodata.i18n import catalogue
from geodata.records.schemas import (
    CASE,
    CROSSING,
    SCHEMAS,
    SHELTER,
    VICTIM_COLUMNS,
    Field,
    Schema,
)

SCHEMAS_MD = Path(__file__).parents[1] / "geodata" / "SCHEMAS.md"
ALL_FIELDS = [field for schema in SCHEMAS.values() for field in schema.fields]


def test_columns_other_modules_rely_on_keep_their_names() -> None:
    assert CASE.names == (
        "case_id",
        "date_reported",
        "date_incident",
        "lon",
        "lat",
        "admin_code",
        "location_precision",
        *VICTIM_COLUMNS,
        "exploitation",
        "destination_country",
        "destination_state",
        "crossing_type",
        "crossing_id",
        "status",
        "source",
        "note",
        "synthetic",
    )
    assert CROSSING.names[:3] == ("crossing_id", "name", "kind")
    assert {"status", "last_verified", "lon", "lat", "source", "synthetic"} <= set(CROSSING.names)
    assert {
        "shelter_id",
        "name",
        "operator",
        "capacity",
        "services",
        "confidential",
        "admin_code",
    } <= set(SHELTER.names)


def test_allowed_values_are_the_documented_sets() -> None:
    assert CASE.field("location_precision").allowed == {"exact", "desa", "kecamatan", "kabupaten"}
    assert CASE.field("exploitation").allowed == {"labour", "sexual", "forced_marriage", "other"}
    assert CASE.field("crossing_type").allowed == {"official", "unofficial", "unknown"}
    assert CASE.field("status").allowed == {"reported", "investigation", "prosecution", "verdict"}
    assert CROSSING.field("kind").allowed == {"plbn", "land_track", "river_route"}
    assert CROSSING.field("status").allowed == {"active", "closed", "unverified"}
    assert SHELTER.field("operator").allowed == {
        "BP3MI",
        "Dinas Sosial",
        "UPTD PPA",
        "NGO",
        "other",
    }


def test_required_columns_and_dtypes() -> None:
    assert CASE.required_columns == ("case_id", "date_reported", "location_precision", "status")
    assert CROSSING.required_columns == ("crossing_id", "name", "kind", "lon", "lat", "status")
    assert CASE.field("victims_male_child").dtype == "int64"
    assert SHELTER.field("capacity").dtype == "Int64"  # unknown capacity stays missing
    assert CASE.field("date_reported").dtype == "datetime64[ns]"
    assert SHELTER.field("confidential").default is True  # a forgotten cell hides the point


def test_choice_fields_have_allowed_values_and_ids_are_required() -> None:
    for schema in SCHEMAS.values():
        assert schema.field(schema.id_field).required
        for field in schema.fields:
            assert (field.allowed is not None) == (field.kind in {"choice", "list"}), field
            if field.default is not None and field.allowed is not None:
                assert field.default in field.allowed


def test_unknown_field_name_raises_key_error_naming_the_fields() -> None:
    with pytest.raises(KeyError, match="case has no field 'victims'"):
        CASE.field("victims")


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("field", ALL_FIELDS, ids=lambda f: f"{f.entity}.{f.name}")
def test_every_field_has_a_translated_label_and_description(field: Field, lang: str) -> None:
    texts = catalogue(lang)
    assert texts.get(f"schema.label.{field.name}"), "label missing"
    assert texts.get(f"schema.{field.entity}.{field.name}"), "description missing"
    assert field.label(lang) == texts[f"schema.label.{field.name}"]
    assert len(field.description(lang)) > 20


def _keys(lang: str, prefixes: tuple[str, ...]) -> set[str]:
    return {key for key in catalogue(lang) if key.startswith(prefixes)}


def test_validation_and_schema_keys_are_the_same_in_both_catalogues() -> None:
    prefixes = ("validation.", "schema.")
    assert _keys("id", prefixes) == _keys("en", prefixes)
    assert len(_keys("id", ("validation.",))) > 50


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("key", sorted(_keys("en", ("validation.",))))
def test_messages_use_the_same_placeholders_in_both_languages(key: str) -> None:
    assert _placeholders(catalogue("id")[key]) == _placeholders(catalogue("en")[key])
    assert catalogue("id")[key] != catalogue("en")[key] or key.startswith("validation.where.file")


@pytest.mark.parametrize("lang", ["id", "en"])
def test_schemas_md_shows_the_catalogue_descriptions(lang: str) -> None:
    text = SCHEMAS_MD.read_text(encoding="utf-8")
    for field in ALL_FIELDS:
        assert f"| `{field.name}` | {field.kind} (`{field.dtype}`)" in text
        assert field.description(lang) in text, f"{field.entity}.{field.name} out of date"


def test_schemas_md_lists_every_problem_code() -> None:
    text = SCHEMAS_MD.read_text(encoding="utf-8")
    meta = {"did_you_mean", "summary", "summary_none", "more"}
    codes = {
        key.split(".")[1]
        for key in _keys("en", ("validation.",))
        if key.count(".") == 1 and key.split(".")[1] not in meta
    }
    assert sorted(code for code in codes if f"`{code}`" not in text) == []


def test_schema_is_immutable() -> None:
    with pytest.raises(AttributeError):
        CASE.id_field = "other"  # type: ignore[misc]
    assert isinstance(SCHEMAS["shelter"], Schema)
