"""Translated text for the current session (keys live in geodata/locales/*.toml)."""

from __future__ import annotations

import datetime as dt

from dashboard.state import language
from geodata.i18n import format_date, format_number, t


def tr(key: str, /, **params: object) -> str:
    """Text of ``key`` in the session's language."""
    return t(key, language(), **params)


def num(value: float | None, *, digits: int = 0) -> str:
    """A number formatted for the session's language (1.234,5 in Indonesian)."""
    return format_number(value, language(), digits=digits)


def day(value: dt.date | None) -> str:
    """A date formatted for the session's language (20 Juni 2025 in Indonesian)."""
    return format_date(value, language())


def count_text(value: int | None, label: str) -> str:
    """A count for the session's language, or its label ("<3") where the role sees it hidden."""
    return label if value is None else num(value)


def error_text(error: Exception) -> str:
    """A refused change for the page: its report in the session's language when it has one
    (a store's checks, a duplicate id), else its message."""
    report = getattr(error, "report", None)
    return report.to_text(language()) if report is not None else str(error)
