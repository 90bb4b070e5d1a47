"""Translated text and locale formatting (Bahasa Indonesia first, English second).

All user-facing text lives in one catalogue per language, ``geodata/locales/{id,en}.toml``;
code holds dotted keys such as ``"map.layer.cases"``. Numbers and dates are formatted with
Babel for the language's locale: ``1.234,5`` and ``20 Juni 2025`` in Indonesian.
"""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from functools import cache
from typing import Any

from babel.dates import format_date as _babel_date
from babel.numbers import format_decimal

from geodata.settings import DEFAULT_LANGUAGE, LANGUAGES, PACKAGE_DIR

LOCALES_DIR = PACKAGE_DIR / "locales"
_BABEL_LOCALE = {"id": "id_ID", "en": "en_GB"}


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, name + "."))
        else:
            flat[name] = str(value)
    return flat


@cache
def catalogue(lang: str) -> dict[str, str]:
    """Return the flat ``key -> text`` catalogue of one language."""
    if lang not in LANGUAGES:
        raise ValueError(f"`lang` should be one of {set(LANGUAGES)}, got {lang!r}")
    with (LOCALES_DIR / f"{lang}.toml").open("rb") as handle:
        return _flatten(tomllib.load(handle))


def t(key: str, lang: str = DEFAULT_LANGUAGE, /, **params: object) -> str:
    """Translate ``key`` into ``lang`` and fill its ``{placeholders}`` from ``params``.

    A key missing from the catalogue is returned as is, so a gap shows instead of crashing.
    """
    text = catalogue(lang).get(key)
    if text is None:
        return key
    return text.format(**params) if params else text


def format_number(value: float | None, lang: str = DEFAULT_LANGUAGE, *, digits: int = 0) -> str:
    """Format a number for the language's locale (``1.234,5`` in Indonesian); None is "–"."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):  # None, pandas.NA
        return "–"
    if math.isnan(number):
        return "–"
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(number, format=pattern, locale=_BABEL_LOCALE[lang])


def format_date(value: dt.date | None, lang: str = DEFAULT_LANGUAGE, *, style: str = "long") -> str:
    """Format a date for the language's locale (``20 Juni 2025`` in Indonesian)."""
    if value is None:
        return "–"
    return _babel_date(value, format=style, locale=_BABEL_LOCALE[lang])
