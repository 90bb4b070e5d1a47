"""Writing a briefing to a file, and the command line.

Command line::

    python -m layers.briefing --kabupaten 61.03 --week 2025-W23 [--cases FILE]
        [--crossings FILE] [--lang id|en] --out briefing.html|briefing.pdf
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd

from geodata.errors import GeodataError
from geodata.settings import DEFAULT_LANGUAGE, LANGUAGES
from layers.briefing.model import Briefing, build_briefing
from layers.briefing.page import briefing_html
from layers.briefing.pdf import html_to_pdf
from layers.periods import Period


def write_briefing(
    briefing: Briefing, path: Path | str, *, chromium: Path | str | None = None
) -> Path:
    """Write the briefing as HTML or PDF, chosen by the suffix of ``path`` (.html / .pdf)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in {".html", ".htm", ".pdf"}:
        raise GeodataError(f"`path` should end in .html or .pdf, got {path.name!r}")
    html = briefing_html(briefing)
    if suffix == ".pdf":
        return html_to_pdf(html, path, chromium=chromium)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: write a briefing for ``--kabupaten`` and ``--week`` (or a date range)."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.week is None and args.date_to is None:
        parser.error("--from needs --to")
    if args.week is not None and args.date_to is not None:
        parser.error("--to goes with --from, not with --week")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        period = Period.iso_week(args.week) if args.week else Period(args.date_from, args.date_to)
        cases, crossings = _load_inputs(args.cases, args.crossings, lang=args.lang)
        briefing = build_briefing(
            cases, crossings, kabupaten=args.kabupaten, period=period, lang=args.lang
        )
        written = write_briefing(briefing, args.out)
    except (GeodataError, FileNotFoundError, RuntimeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(written)
    return 0


def _load_inputs(
    cases_path: Path | None, crossings_path: Path | None, *, lang: str
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Cases and crossings from files, or the committed sample for what is not given."""
    from geodata.records.datasets import load_sample
    from geodata.records.loaders import load_cases, load_crossings

    sample = load_sample() if cases_path is None or crossings_path is None else None
    if crossings_path is None:
        assert sample is not None
        crossings = sample.crossings
    else:
        loaded = load_crossings(crossings_path)
        _warn_rejected(loaded.report, crossings_path, lang=lang)
        crossings = loaded.frame
    if cases_path is None:
        assert sample is not None
        return sample.cases, crossings
    result = load_cases(cases_path, crossings=crossings)
    _warn_rejected(result.report, cases_path, lang=lang)
    return result.frame, crossings


def _warn_rejected(report: object, path: Path, *, lang: str) -> None:
    """Print the validation report to stderr when the file had errors."""
    if not getattr(report, "ok", True):
        text = report.to_text(lang, limit=10)  # type: ignore[attr-defined]
        print(f"warning: {path}: rows with errors are left out\n{text}", file=sys.stderr)


def _date(text: str) -> dt.date:
    """An ISO date for argparse."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {text!r}") from error


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m layers.briefing",
        description="Write a one-page patrol briefing for a kabupaten and a week (HTML or PDF).",
    )
    parser.add_argument("--kabupaten", required=True, help="Kemendagri code (61.03) or name")
    when = parser.add_mutually_exclusive_group(required=True)
    when.add_argument("--week", help="ISO week, e.g. 2025-W23")
    when.add_argument("--from", dest="date_from", type=_date, help="first day (YYYY-MM-DD)")
    parser.add_argument("--to", dest="date_to", type=_date, help="last day, with --from")
    parser.add_argument("--cases", type=Path, help="case file (default: the sample data)")
    parser.add_argument("--crossings", type=Path, help="crossing file (default: the sample)")
    parser.add_argument("--lang", choices=LANGUAGES, default=DEFAULT_LANGUAGE)
    parser.add_argument("--out", type=Path, required=True, help="briefing.html or briefing.pdf")
    return parser
