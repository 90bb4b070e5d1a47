"""Blank import templates for cases, crossings and shelters, in XLSX or CSV.

A template has the headers the importer recognises by itself (:mod:`geodata.records.mapping`), in
Indonesian by default, and one example row: synthetic, marked ``CONTOH`` (example), placed in
a real desa of Kalbar and written as an office would write it (Indonesian labels, day-first
dates, decimal commas, place names). An XLSX template has two more sheets: the allowed values
of each coded field (Indonesian label and code, :mod:`geodata.records.coded_values`) and a short
guide to each column (required or not, format). A CSV template is the Indonesian Excel form:
``;``-separated, decimal comma, UTF-8 with a BOM.

Usage: ``st.download_button(label, template_bytes("cases", "xlsx"),
template_filename("cases", "xlsx"), mime=media_type("xlsx"))``, or
``python -m geodata.templates --kind cases --format xlsx --out template_kasus.xlsx``.
"""

from __future__ import annotations

import csv
import io
import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from geodata._cli import EXIT_INVALID, EXIT_OK, Parser, parse
from geodata.errors import not_one_of
from geodata.i18n import t
from geodata.records.coded_values import LABEL_SECTIONS, coded_values
from geodata.records.mapping import header_words
from geodata.records.schemas import HEADER_ALIASES, SCHEMAS, Entity, Field, FieldKind
from geodata.settings import DEFAULT_LANGUAGE, LANGUAGES

log = logging.getLogger(__name__)

#: Record type of each template kind.
ENTITY_OF_KIND: Final[dict[str, Entity]] = {
    "cases": "case",
    "crossings": "crossing",
    "shelters": "shelter",
}
FORMATS: Final = ("xlsx", "csv")
#: Place-name columns in the case template, before ``admin_code``.
_CASE_PLACES: Final = ("desa", "kecamatan", "kabupaten")
#: Catalogue keys: each place column's header and description, each field kind's format,
#: each kind's data sheet (literal keys, so the catalogue test sees them).
_PLACE_KEYS: Final = {
    "desa": ("template.place.desa", "template.about.desa"),
    "kecamatan": ("template.place.kecamatan", "template.about.kecamatan"),
    "kabupaten": ("template.place.kabupaten", "template.about.kabupaten"),
}
_FORMAT_KEYS: Final[dict[FieldKind, str]] = {
    "text": "template.format.text",
    "free_text": "template.format.free_text",
    "choice": "template.format.choice",
    "date": "template.format.date",
    "float": "template.format.float",
    "count": "template.format.count",
    "bool": "template.format.bool",
    "admin_code": "template.format.admin_code",
    "country": "template.format.country",
    "list": "template.format.list",
}
_SHEET_KEYS: Final = {
    "cases": "template.sheet.cases",
    "crossings": "template.sheet.crossings",
    "shelters": "template.sheet.shelters",
}
_MIME: Final = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
}

#: The example row of each template: synthetic, in a real desa (Temajuk, Kec. Paloh, Kab.
#: Sambas, on the border; Akcaya, Kec. Pontianak Selatan, Kota Pontianak). Coded values are
#: codes here and written as their Indonesian labels in the template.
EXAMPLES: Final[dict[Entity, dict[str, object]]] = {
    "case": {
        "case_id": "CONTOH-001",
        "date_reported": "15/03/2025",
        "date_incident": "02/03/2025",
        "desa": "Temajuk",
        "kecamatan": "Paloh",
        "kabupaten": "Sambas",
        "location_precision": "desa",
        "victims_female_adult": 1,
        "victims_female_child": 0,
        "victims_male_adult": 2,
        "victims_male_child": 0,
        "exploitation": "labour",
        "destination_country": "Malaysia",
        "destination_state": "Sarawak",
        "crossing_type": "unofficial",
        "status": "reported",
        "source": "CONTOH",
        "synthetic": True,
    },
    "crossing": {
        "crossing_id": "CONTOH-JT-01",
        "name": "CONTOH jalur Temajuk",
        "kind": "land_track",
        "lon": 109.5094,
        "lat": 1.9732,
        "status": "unverified",
        "last_verified": "10/01/2025",
        "source": "CONTOH",
        "synthetic": True,
    },
    "shelter": {
        "shelter_id": "CONTOH-SH-01",
        "name": "CONTOH rumah aman",
        "operator": "UPTD PPA",
        "capacity": 12,
        "services": "shelter;legal;health",
        "lon": 109.3309,
        "lat": -0.0471,
        "admin_code": "61.71.01.1006",
        "confidential": True,
        "source": "CONTOH",
        "synthetic": True,
    },
}


@dataclass(frozen=True, slots=True)
class _Column:
    """One column of a template: the schema column (or place column) and its header."""

    target: str
    header: str
    field: Field | None


def _kind(kind: str) -> Entity:
    if kind not in ENTITY_OF_KIND:
        raise not_one_of("kind", ENTITY_OF_KIND, kind)
    return ENTITY_OF_KIND[kind]


def _header(entity: Entity, target: str, lang: str) -> str:
    """The translated label of a column if the importer reads it as that column, else its name."""
    if target in _PLACE_KEYS:
        label = t(_PLACE_KEYS[target][0], lang)
    else:
        label = t(f"schema.label.{target}", lang)
    words = header_words(label)
    known = words == header_words(target) or HEADER_ALIASES[entity].get(words) == target
    return label[:1].upper() + label[1:] if known else target


def _columns(entity: Entity, lang: str) -> list[_Column]:
    schema = SCHEMAS[entity]
    targets: list[str] = []
    for name in schema.names:
        if entity == "case" and name == "admin_code":
            targets += _CASE_PLACES
        targets.append(name)
    fields = {field.name: field for field in schema.fields}
    return [_Column(name, _header(entity, name, lang), fields.get(name)) for name in targets]


def _example(entity: Entity, column: _Column, lang: str) -> object:
    """The example value of a column as an office writes it (labels, ``ya``); a case's note
    says that the row is an example."""
    if column.target == "note":
        return t("template.example_note", lang)
    value = EXAMPLES[entity].get(column.target)
    field = column.field
    if value is None or field is None:
        return "" if value is None else value
    if field.kind == "bool":
        return t("template.yes" if value else "template.no", lang)
    if field.kind == "choice":
        return coded_values(entity, field.name).label(str(value), lang)
    if field.kind == "list":
        values = coded_values(entity, field.name)
        return "; ".join(values.label(code, lang) for code in str(value).split(";"))
    return value


def allowed_values(kind: str, *, lang: str = DEFAULT_LANGUAGE) -> list[tuple[str, str, str]]:
    """``(header, label, code)`` for every allowed value of each coded column of a template."""
    entity = _kind(kind)
    rows: list[tuple[str, str, str]] = []
    for column in _columns(entity, lang):
        if (entity, column.target) in LABEL_SECTIONS:
            values = coded_values(entity, column.target)
            rows += [(column.header, values.label(code, lang), code) for code in values.codes]
    return rows


def column_guide(kind: str, *, lang: str = DEFAULT_LANGUAGE) -> list[tuple[str, str, str, str]]:
    """``(header, required, format, description)`` for every column of a template."""
    entity = _kind(kind)
    rows: list[tuple[str, str, str, str]] = []
    for column in _columns(entity, lang):
        field = column.field
        if field is None:
            required, form = t("template.no", lang), t("template.format.place", lang)
            about = t(_PLACE_KEYS[column.target][1], lang)
        else:
            required = t("template.yes" if field.required else "template.no", lang)
            form = t(_FORMAT_KEYS[field.kind], lang)
            about = field.description(lang)
        rows.append((column.header, required, form, about))
    return rows


def template_bytes(kind: str, fmt: str, *, lang: str = DEFAULT_LANGUAGE) -> bytes:
    """An import template: headers the importer recognises and one example row.

    Parameters
    ----------
    kind
        ``{"cases", "crossings", "shelters"}``.
    fmt
        ``{"xlsx", "csv"}``: a workbook with the sheets data, allowed values and column guide,
        or a ``;``-separated UTF-8 CSV (with BOM) with a decimal comma.
    lang
        ``{"id", "en"}``: language of the headers, labels and guide.

    Returns
    -------
    bytes
        The file's content.

    Examples
    --------
    >>> template_bytes("cases", "csv")[:3] == b"\\xef\\xbb\\xbf"
    True
    """
    entity = _kind(kind)
    if fmt not in FORMATS:
        raise not_one_of("fmt", FORMATS, fmt)
    if lang not in LANGUAGES:
        raise not_one_of("lang", LANGUAGES, lang)
    columns = _columns(entity, lang)
    example = [_example(entity, column, lang) for column in columns]
    if fmt == "csv":
        return _csv(columns, example)
    return _xlsx(kind, columns, example, lang)


def media_type(fmt: str) -> str:
    """The MIME type of a template format, for a download button."""
    if fmt not in _MIME:
        raise not_one_of("fmt", FORMATS, fmt)
    return _MIME[fmt]


def template_filename(kind: str, fmt: str, *, lang: str = DEFAULT_LANGUAGE) -> str:
    """A file name for a download: ``template_kasus.xlsx``, ``template_crossings.csv``."""
    _kind(kind)
    media_type(fmt)
    return f"template_{t(_SHEET_KEYS[kind], lang).casefold()}.{fmt}"


def _csv(columns: list[_Column], example: list[object]) -> bytes:
    """Indonesian Excel's CSV: ``;`` between cells, decimal comma, UTF-8 with a BOM."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([column.header for column in columns])
    writer.writerow([str(v).replace(".", ",") if isinstance(v, float) else v for v in example])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _xlsx(kind: str, columns: list[_Column], example: list[object], lang: str) -> bytes:
    """Sheets: the data (headers, example row in grey), allowed values, column guide."""
    buffer = io.BytesIO()
    with xlsxwriter.Workbook(buffer, {"in_memory": True}) as book:
        bold = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        text = book.add_format({"num_format": "@"})
        sample = book.add_format({"italic": True, "font_color": "#7F7F7F", "num_format": "@"})
        number = book.add_format({"italic": True, "font_color": "#7F7F7F"})
        data = book.add_worksheet(t(_SHEET_KEYS[kind], lang))
        for position, (column, value) in enumerate(zip(columns, example, strict=True)):
            data.write_string(0, position, column.header, bold)
            data.set_column(position, position, max(12, len(column.header) + 2), text)
            if isinstance(value, int | float):
                data.write_number(1, position, value, number)
            else:
                data.write_string(1, position, str(value), sample)
        data.freeze_panes(1, 0)
        heading = t("template.heading.column", lang)
        _table(
            book.add_worksheet(t("template.sheet.allowed", lang)),
            [heading, t("template.heading.label", lang), t("template.heading.code", lang)],
            allowed_values(kind, lang=lang),
            bold,
        )
        guide = [
            heading,
            t("template.heading.required", lang),
            t("template.heading.format", lang),
            t("template.heading.about", lang),
        ]
        _table(
            book.add_worksheet(t("template.sheet.guide", lang)),
            guide,
            column_guide(kind, lang=lang),
            bold,
        )
    return buffer.getvalue()


def _table(
    sheet: Worksheet, headings: list[str], rows: Sequence[Sequence[str]], bold: Format
) -> None:
    """A sheet of plain text rows under bold headings, columns wide enough to read."""
    sheet.write_row(0, 0, headings, bold)
    for number, row in enumerate(rows, start=1):
        sheet.write_row(number, 0, [str(cell) for cell in row])
    widths = [max(len(str(row[i])) for row in [headings, *rows]) for i in range(len(headings))]
    for position, width in enumerate(widths):
        sheet.set_column(position, position, min(max(width + 2, 10), 80))
    sheet.freeze_panes(1, 0)


# --- command line ---------------------------------------------------------------------------


def _parser() -> Parser:
    parser = Parser(
        prog="python -m geodata.templates",
        description="Write a blank import template (headers, one example row, allowed values).",
    )
    parser.add_argument("--kind", choices=sorted(ENTITY_OF_KIND), required=True)
    parser.add_argument("--format", choices=FORMATS, default="xlsx", dest="fmt")
    parser.add_argument("--out", type=Path, required=True, help="the file to write")
    parser.add_argument("--lang", choices=LANGUAGES, default=DEFAULT_LANGUAGE)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return 0 when the template was written, 1 if not, 2 on bad usage."""
    args, code = parse(_parser(), argv)
    if args is None:
        return code
    try:
        args.out.write_bytes(template_bytes(args.kind, args.fmt, lang=args.lang))
    except OSError as error:
        reason = error.strerror or str(error)
        print(
            t("template.write_failed", args.lang, file=str(args.out), reason=reason),
            file=sys.stderr,
        )
        return EXIT_INVALID
    print(t("template.written", args.lang, file=str(args.out)))
    return EXIT_OK
