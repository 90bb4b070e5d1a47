"""A one-page patrol briefing for a kabupaten and a week, as printable HTML and PDF.

One module per job:

- :mod:`~layers.briefing.model`: what is on the page (:class:`Briefing`,
  :func:`build_briefing`) and which week (:func:`case_weeks`, :func:`default_week`);
- :mod:`~layers.briefing.page`: the HTML page (:func:`briefing_html`);
- :mod:`~layers.briefing.svg`: its map, an inline SVG (:func:`briefing_svg`);
- :mod:`~layers.briefing.pdf`: printing to PDF with headless Chromium;
- :mod:`~layers.briefing.cli`: writing a file, and ``python -m layers.briefing``.
"""

from __future__ import annotations

from layers.briefing.cli import main, write_briefing
from layers.briefing.model import (
    DEFAULT_BRIEFING_PATROL_SITES,
    DEFAULT_TOP_CROSSINGS,
    Briefing,
    build_briefing,
    case_weeks,
    default_week,
)
from layers.briefing.page import briefing_html, period_label
from layers.briefing.pdf import html_to_pdf, pdf_bytes
from layers.briefing.svg import briefing_svg

__all__ = [
    "DEFAULT_BRIEFING_PATROL_SITES",
    "DEFAULT_TOP_CROSSINGS",
    "Briefing",
    "briefing_html",
    "briefing_svg",
    "build_briefing",
    "case_weeks",
    "default_week",
    "html_to_pdf",
    "main",
    "pdf_bytes",
    "period_label",
    "write_briefing",
]
