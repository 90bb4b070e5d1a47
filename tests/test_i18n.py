"""The two catalogues match, every key the code asks for exists, and numbers and dates are
formatted for each language."""

from __future__ import annotations

import ast
import csv
import datetime as dt
import io
import itertools
import re
import string
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pandas as pd
import pytest

from geodata import reference
from geodata.i18n import catalogue, format_date, format_number, format_table, t, vega_locale
from geodata.records import schemas
from geodata.records.cases import AGES, SEXES
from geodata.records.export import to_csv_bytes
from geodata.roles import ROLE_LEVEL
from geodata.settings import LANGUAGES, LEVELS
from layers.choropleth import SCHEMES
from layers.mapview import BASEMAPS
from layers.risk import WEIGHTABLE

ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIRS = ("dashboard", "layers", "geodata")
TRANSLATORS = {"t", "tr"}
#: Placeholder written for the formatted parts of an f-string key: f"measure.{v}" -> "measure.{}".
HOLE = "{}"


# --------------------------------------------------------------------------- the catalogues


def test_both_catalogues_have_the_same_keys() -> None:
    indonesian, english = set(catalogue("id")), set(catalogue("en"))
    assert indonesian - english == set(), "keys only in id.toml"
    assert english - indonesian == set(), "keys only in en.toml"
    assert len(indonesian) > 100


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_catalogue_value_is_empty(lang: str) -> None:
    empty = [key for key, text in catalogue(lang).items() if not text.strip()]
    assert empty == []


def test_placeholders_are_the_same_in_both_languages() -> None:
    def fields(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    indonesian, english = catalogue("id"), catalogue("en")
    differ = {
        key: (fields(indonesian[key]), fields(english[key]))
        for key in indonesian.keys() & english.keys()
        if fields(indonesian[key]) != fields(english[key])
    }
    assert differ == {}


def test_the_catalogues_really_differ_by_language() -> None:
    assert t("nav.tentang", "id") == "Tentang"
    assert t("nav.tentang", "en") != "Tentang"
    assert t("no.such.key", "id") == "no.such.key"
    with pytest.raises(ValueError, match="`lang` should be one of"):
        catalogue("fr")


# --------------------------------------------------------------------------- keys in the code


def _sources() -> Iterator[Path]:
    for folder in SOURCE_DIRS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "static" not in path.relative_to(ROOT).parts:
                yield path


@cache
def _translator_keys() -> tuple[frozenset[tuple[str, str]], frozenset[tuple[str, str]]]:
    """``(literal keys, f-string key patterns)`` of every ``t(...)``/``tr(...)`` call,
    each with the file and line it is on."""
    literals: set[tuple[str, str]] = set()
    patterns: set[tuple[str, str]] = set()
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in TRANSLATORS
                and node.args
            ):
                continue
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            key = node.args[0]
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                literals.add((key.value, where))
            elif isinstance(key, ast.JoinedStr):
                pattern = "".join(
                    part.value if isinstance(part, ast.Constant) else HOLE for part in key.values
                )
                patterns.add((pattern, where))
    return frozenset(literals), frozenset(patterns)


def test_the_source_scan_finds_the_keys_it_should() -> None:
    """Guard against a scan that silently finds nothing (a broken regex or path)."""
    literals, patterns = _translator_keys()
    keys = {key for key, _ in literals}
    assert {"peta.no_cases", "nav.peta", "map.layer.cases", "filters.summary_all"} <= keys
    assert {"exploitation.{}", "measure.{}", "schema.{}.{}"} <= {p for p, _ in patterns}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_literal_key_in_the_code_is_in_the_catalogue(lang: str) -> None:
    literals, _ = _translator_keys()
    missing = sorted(f"{where}: {key}" for key, where in literals if key not in catalogue(lang))
    assert missing == []


@cache
def _value_sets() -> dict[str, frozenset[str]]:
    """The values each f-string key prefix is formatted with, from their sources of truth."""
    field_names = {field.name for schema in schemas.SCHEMAS.values() for field in schema.fields}
    return {
        "exploitation": schemas.EXPLOITATION,
        "crossing_type": schemas.CROSSING_TYPE,
        "case_status": schemas.CASE_STATUS,
        "crossing_kind": schemas.CROSSING_KIND,
        "crossing_status": schemas.CROSSING_STATUS,
        "operator": schemas.SHELTER_OPERATOR,
        "service": schemas.SHELTER_SERVICES,
        "victims": frozenset(schemas.VICTIM_COLUMNS),
        "sex": frozenset(SEXES),
        "age": frozenset(AGES),
        "unit_type": frozenset(reference.load_gazetteer()["unit_type"].dropna()),
        "map.layer": frozenset(LEVELS),
        "scheme": frozenset(SCHEMES),
        "basemap": frozenset(BASEMAPS),
        "case_mode": frozenset({"cluster", "heat"}),
        "measure": frozenset(
            {"cases", "victims", "cases_per_100k", "victims_per_100k", "area_km2", "population"}
        ),
        "charts": frozenset({"year", "month"}),
        "data.guide_step": frozenset({"crossings", "shelters", "cases"}),
        "data.guide_help": frozenset({"crossings", "shelters", "cases"}),
        "manage.audit": frozenset(
            {"at", "username", "action", "entity", "record_id", "field", "old_value", "new_value"}
        ),
        "manage.problem": frozenset({"row", "field", "severity", "problem", "suggestion"}),
        "export.format": frozenset({"csv", "csv_excel_id", "xlsx", "geojson", "gpkg"}),
        "export.format_help": frozenset({"csv", "csv_excel_id", "xlsx", "geojson", "gpkg"}),
        "role": frozenset(ROLE_LEVEL),
        "manage": frozenset({"cases", "crossings", "shelters"}),
        "indicator": frozenset(WEIGHTABLE) | {"name", "risk_rank", "risk_score"},
        # The case tooltip's row labels (layers/cases.py).
        "case": frozenset(
            {"case_id", "date_reported", "exploitation", "victims", "destination"}
            | {"crossing", "status", "note", "location", "location_approximate"}
        ),
        "schema.label": frozenset(field_names | {schemas.VICTIMS_TOTAL}),
    }


def _expand(pattern: str) -> set[str]:
    """Every key ``pattern`` can produce, or an empty set if its values are not known here."""
    values = _value_sets()
    if pattern.count(HOLE) == 1 and pattern.endswith("." + HOLE):
        prefix = pattern[: -len("." + HOLE)]
        return {f"{prefix}.{value}" for value in values.get(prefix, ())}
    if pattern == "schema.{}.{}":  # a field's description: schema.<entity>.<field>
        return {
            f"schema.{entity}.{field.name}"
            for entity, schema in schemas.SCHEMAS.items()
            for field in schema.fields
        }
    if pattern == "{}.{}":  # a prefix passed in (filters, tables): any one-word prefix
        return {
            f"{prefix}.{value}"
            for prefix, prefix_values in values.items()
            if "." not in prefix
            for value in prefix_values
        }
    return set()


def test_every_f_string_key_pattern_has_known_values() -> None:
    """A new f-string key needs its value set in ``_value_sets`` (so the next test checks it)."""
    _, patterns = _translator_keys()
    unknown = sorted(f"{where}: {pattern}" for pattern, where in patterns if not _expand(pattern))
    assert unknown == [], "add the values of these keys to _value_sets() in tests/test_i18n.py"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_f_string_key_in_the_code_is_in_the_catalogue(lang: str) -> None:
    _, patterns = _translator_keys()
    known = catalogue(lang)
    missing = sorted(
        f"{where}: {key}" for pattern, where in patterns for key in _expand(pattern) - known.keys()
    )
    assert missing == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_filter_and_description_keys_passed_indirectly_exist(lang: str) -> None:
    """Keys written as plain strings and translated later (``_multiselect("filters.sex", ...)``,
    the ``(label, chosen)`` pairs of ``describe_filter``): any dotted literal whose first part
    is a catalogue section must be a catalogue key, or the prefix of table headers."""
    known = catalogue(lang)
    sections = {key.split(".", 1)[0] for key in known}
    dotted = re.compile(r"^[a-z_]+(\.[A-Za-z0-9_]+)+$")
    file_like = re.compile(r"\.(py|csv|toml|json|geojson|gpkg|png|xlsx|md|html)$")
    missing = []
    for path in (ROOT / "dashboard").rglob("*.py"):
        if "static" in path.relative_to(ROOT).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
                continue
            text = node.value
            if (
                dotted.match(text)
                and not file_like.search(text)
                and text.split(".", 1)[0] in sections
                and text not in known
                and not any(key.startswith(text + ".") for key in known)  # a table's prefix
            ):
                missing.append(f"{path.relative_to(ROOT)}:{node.lineno}: {text}")
    assert missing == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_victim_sex_and_age_combination_has_a_label(lang: str) -> None:
    for sex, age in itertools.product(SEXES, AGES):
        key = f"victims.victims_{sex}_{age}"
        assert key in catalogue(lang)
        assert f"victims_{sex}_{age}" in schemas.VICTIM_COLUMNS


# --------------------------------------------------------------------------- formatting


@pytest.mark.parametrize(
    ("lang", "value", "digits", "expected"),
    [
        ("id", 1234.5, 1, "1.234,5"),
        ("en", 1234.5, 1, "1,234.5"),
        ("id", 1019, 0, "1.019"),
        ("en", 1019, 0, "1,019"),
        ("id", 1234567.891, 2, "1.234.567,89"),
        ("en", 1234567.891, 2, "1,234,567.89"),
        ("id", 0, 1, "0,0"),
        ("id", 7, 0, "7"),
    ],
)
def test_numbers_are_formatted_for_the_locale(
    lang: str, value: float, digits: int, expected: str
) -> None:
    assert format_number(value, lang, digits=digits) == expected


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("value", [None, float("nan")])
def test_a_missing_number_shows_a_dash(lang: str, value: float | None) -> None:
    assert format_number(value, lang) == "–"


@pytest.mark.parametrize(("lang", "expected"), [("id", "20 Juni 2025"), ("en", "20 June 2025")])
def test_dates_are_formatted_for_the_locale(lang: str, expected: str) -> None:
    assert format_date(dt.date(2025, 6, 20), lang) == expected


def test_indonesian_month_names() -> None:
    months = [format_date(dt.date(2024, month, 1), "id").split()[1] for month in range(1, 13)]
    assert months == [
        "Januari", "Februari", "Maret", "April", "Mei", "Juni",
        "Juli", "Agustus", "September", "Oktober", "November", "Desember",
    ]  # fmt: skip


def test_a_missing_date_shows_a_dash() -> None:
    assert format_date(None, "id") == "–"


def test_placeholders_are_filled_in_each_language() -> None:
    text_id = t("filters.summary_all", "id", shown="54", total="315", period="2024")
    text_en = t("filters.summary_all", "en", shown="54", total="315", period="2024")
    for text in (text_id, text_en):
        assert "54" in text and "315" in text and "{" not in text
    assert text_id != text_en


# --------------------------------------------------------------------------- locale formats


def test_format_table_writes_the_kabupaten_table_in_each_locale() -> None:
    units = reference.load_units("kabupaten")
    table = units[["name", "population", "area_official_km2", "touches_border"]].copy()
    table["on"] = dt.date(2025, 6, 20)
    biggest = int(units["population"].idxmax())
    indonesian, english = (format_table(table, lang) for lang in ("id", "en"))
    population = int(units.loc[biggest, "population"])
    assert indonesian.loc[biggest, "population"] == f"{population:,}".replace(",", ".")
    assert english.loc[biggest, "population"] == f"{population:,}"
    area = float(units.loc[biggest, "area_official_km2"])
    assert indonesian.loc[biggest, "area_official_km2"] == (
        f"{area:,.1f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    )
    assert set(indonesian["on"]) == {"20 Juni 2025"} and set(english["on"]) == {"20 June 2025"}
    assert indonesian["touches_border"].tolist() == units["touches_border"].tolist()
    assert table["population"].dtype.kind == "i", "the input is not changed"


def test_format_table_shows_blanks_and_negative_numbers_safely() -> None:
    table = pd.DataFrame({"change": [-1234.5, None], "when": pd.to_datetime(["2025-06-20", None])})
    shown = format_table(table, "id")
    assert shown["change"].tolist() == ["\u22121.234,5", "–"]
    assert shown["when"].tolist() == ["20 Juni 2025", "–"]


@pytest.mark.parametrize(("lang", "decimal", "month"), [("id", ",", "Juni"), ("en", ".", "June")])
def test_vega_locale_of_each_language(lang: str, decimal: str, month: str) -> None:
    locale = vega_locale(lang)
    assert locale["number"]["decimal"] == decimal
    assert locale["time"]["months"][5] == month  # type: ignore[index]
    assert len(locale["time"]["shortDays"]) == 7  # type: ignore[arg-type]


def test_excel_id_csv_of_the_kabupaten_opens_in_columns() -> None:
    units = reference.load_units("kabupaten")
    frame = units[["code", "name", "area_official_km2"]].copy()
    frame.loc[0, "name"] = "=HYPERLINK(1)"
    data = to_csv_bytes(frame, dialect="excel_id")
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows[0] == ["code", "name", "area_official_km2"] and len(rows) == len(units) + 1
    assert rows[1][1] == "'=HYPERLINK(1)", "formulas neutralised as in the standard CSV"
    areas = [float(row[2].replace(",", ".")) for row in rows[1:]]
    assert areas == pytest.approx(units["area_official_km2"].tolist())
    assert all("." not in row[2] for row in rows[1:])
    standard = to_csv_bytes(frame)
    assert standard.decode("utf-8-sig").splitlines()[0] == "code,name,area_official_km2"
    with pytest.raises(ValueError, match="dialect"):
        to_csv_bytes(frame, dialect="excel")


def test_tables_show_moments_in_wib_to_the_minute_and_dates_as_dates() -> None:
    """The audit log's UTC moments read as Kalbar's time; plain dates stay dates."""
    frame = pd.DataFrame(
        {
            "at": pd.to_datetime(["2026-12-07 02:31:00"], utc=True),
            "day": pd.to_datetime(["2025-06-20"]),
        }
    )
    assert format_table(frame, "id").iloc[0].tolist() == [
        "7 Desember 2026 09.31 WIB (UTC+7)",
        "20 Juni 2025",
    ]
    assert format_table(frame, "en").iloc[0, 0] == "7 December 2026 09:31 WIB (UTC+7)"


def test_format_table_never_shows_0_for_a_small_value() -> None:
    """A density of 0,025 cases per 100 km² read "0,0" in the risk ranking, so two units
    with different scores showed the same figure: small values keep two significant digits."""
    values = [0.025, 0.0198, 0.05, 0.0, 1.25, 12.0, -0.004]
    shown = format_table(pd.DataFrame({"v": values}), "id")["v"].tolist()
    assert shown == ["0,025", "0,020", "0,050", "0", "1,2", "12", "\u22120,0040"]
    two = format_table(pd.DataFrame({"v": [0.025, 0.004]}), "en", digits=2)["v"].tolist()
    assert two == ["0.02", "0.0040"]
    noise = format_table(pd.DataFrame({"v": [5.55e-17, 1e-300]}), "id")["v"].tolist()
    assert noise == ["0,000000", "0,000000"]  # rounding noise, not 300 decimals


def test_today_is_kalbar_s_date_not_the_server_s(monkeypatch: pytest.MonkeyPatch) -> None:
    """At 23.30 UTC it is already 06.30 the next day in Kalbar: forms and checks use that."""
    import datetime as dt

    from geodata import i18n

    moment = dt.datetime(2026, 12, 7, 23, 30, tzinfo=dt.UTC)

    class Clock(dt.datetime):
        @classmethod
        def now(cls, tz: dt.tzinfo | None = None) -> Clock:  # type: ignore[override]
            return cls.fromtimestamp(moment.timestamp(), tz)

    monkeypatch.setattr(i18n.dt, "datetime", Clock)
    assert i18n.today_in_kalbar() == dt.date(2026, 12, 8)
