"""Check a file of cases, crossings or shelters before importing it, from the command line.

Usage::

    python -m geodata.validate FILE [--kind {cases,crossings,shelters}] [--sheet NAME]
                               [--format {text,json}] [--lang {id,en}] [--debug]

The file is read and checked exactly as the import does
(:func:`geodata.records.intake.preview_import`: in a worker process within the upload limits of
:mod:`geodata.settings`) but nothing is stored. The record type is guessed from the headers when
``--kind`` is not given. Exit codes: 0 the file can be imported (warnings are printed), 1 it cannot
(the full report is printed), 2 the arguments were not understood. No traceback is ever shown; with
``--debug`` the details go to the log (stderr).
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Sequence

from geodata._cli import EXIT_INVALID, EXIT_OK, Parser, parse
from geodata.i18n import format_number, t
from geodata.records.intake import ENTITY_OF_KIND, ImportPreview, preview_import
from geodata.settings import DEFAULT_LANGUAGE, LANGUAGES

log = logging.getLogger(__name__)


def _parser() -> Parser:
    parser = Parser(
        prog="python -m geodata.validate",
        description="Check a file of cases, crossings or shelters before importing it.",
    )
    parser.add_argument("file", metavar="FILE")
    parser.add_argument("--kind", choices=sorted(ENTITY_OF_KIND), help="guessed when absent")
    parser.add_argument("--sheet", help="XLSX sheet or GeoPackage layer (default: the first)")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--lang", choices=LANGUAGES, default=DEFAULT_LANGUAGE)
    parser.add_argument("--debug", action="store_true", help="log details to stderr")
    return parser


def preview_to_json(preview: ImportPreview, lang: str = DEFAULT_LANGUAGE) -> str:
    """The preview as JSON: file, kind, ok, counts, mapping, duplicates, located, problems."""
    located = preview.located.reset_index() if len(preview.located) else None
    content = {
        "file": preview.file,
        "kind": preview.entity,
        "ok": preview.ok,
        "format": preview.format,
        "encoding": preview.encoding,
        "part": preview.part,
        "rows_read": preview.rows_read,
        "rows_valid": len(preview.frame),
        "rows_rejected": len(preview.invalid_rows),
        "mapping": None if preview.mapping is None else preview.mapping.mapping,
        "duplicates": preview.duplicates.to_dict(orient="records"),
        "located": [] if located is None else json.loads(located.to_json(orient="records")),
        "problems": preview.report.to_records(lang),
    }
    return json.dumps(content, ensure_ascii=False, indent=1, default=str)


def preview_to_text(preview: ImportPreview, lang: str = DEFAULT_LANGUAGE) -> str:
    """A heading (rows read and valid), the report, and whether the file can be imported."""
    rows = format_number(preview.rows_read, lang)
    if preview.entity is None:
        heading = t("cli.checked_unknown", lang, file=preview.file, rows=rows)
    else:
        heading = t(
            "cli.checked",
            lang,
            file=preview.file,
            rows=rows,
            kind=t("cli.kind." + preview.entity, lang),
            valid=format_number(len(preview.frame), lang),
        )
    verdict = t("cli.valid", lang) if preview.ok else t("cli.invalid", lang)
    return "\n".join([heading, preview.report.to_text(lang), verdict])


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code (0 valid, 1 not valid, 2 bad usage)."""
    args, code = parse(_parser(), argv)
    if args is None:
        return code
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING)
    try:
        preview = preview_import(args.file, kind=args.kind, sheet=args.sheet, layer=args.sheet)
        if args.format == "json":
            print(preview_to_json(preview, args.lang))
        else:
            print(preview_to_text(preview, args.lang))
    except Exception:  # the command line never shows a traceback
        log.debug("validate failed on %s", args.file, exc_info=True)
        print(t("cli.unexpected_error", args.lang), file=sys.stderr)
        return EXIT_INVALID
    return EXIT_OK if preview.ok else EXIT_INVALID
