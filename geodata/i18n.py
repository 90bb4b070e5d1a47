"""Translated text and locale formatting (Bahasa Indonesia first, English second).

All user-facing text lives in one catalogue per language, ``geodata/locales/{id,en}.toml``;
code holds dotted keys such as ``"map.layer.cases"``. Numbers and dates are formatted with
Babel for the language's locale: ``1.234,5`` and ``20 Juni 2025`` in Indonesian.
"""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from functools import cache, lru_cache
from typing import Any, Final
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from babel import Locale
from babel.dates import format_date as _babel_date
from babel.numbers import format_decimal

from geodata.errors import not_one_of
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
        raise not_one_of("lang", LANGUAGES, lang)
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
    return _date_text(value, lang, style)


@lru_cache(maxsize=8192)
def _date_text(value: dt.date, lang: str, style: str) -> str:
    """Babel's date text (memoised: a map's tooltips format hundreds of dates)."""
    return _babel_date(value, format=style, locale=_BABEL_LOCALE[lang])


def destination_text(value: object, lang: str = DEFAULT_LANGUAGE) -> str:
    """A destination (an ISO 3166 country code, or a label ``MY · Sarawak``) with its country
    named in ``lang`` by Babel's data (``Malaysia · Sarawak``; ``SG`` is Singapura in
    Indonesian); an unknown code as written, a missing value as "–"."""
    if value is None or value is pd.NA or value is pd.NaT:
        return "–"
    if isinstance(value, float | np.floating) and math.isnan(value):
        return "–"
    country, dot, rest = str(value).partition(" · ")
    territories = Locale.parse(_BABEL_LOCALE[lang]).territories
    return territories.get(country.strip().upper(), country) + dot + rest


#: Western Indonesian Time (UTC+7), Kalbar's time zone.
WIB: Final = ZoneInfo("Asia/Jakarta")


def today_in_kalbar() -> dt.date:
    """Today's date in Kalbar (WIB), whatever the server's clock zone (often UTC: until 07.00
    WIB its date is still yesterday's)."""
    return dt.datetime.now(WIB).date()


def format_timestamp(moment: dt.datetime, lang: str = DEFAULT_LANGUAGE) -> str:
    """Date and time of ``moment`` in Western Indonesian Time ("9 Juni 2025 07.30 WIB
    (UTC+7)"); a naive ``moment`` is taken as WIB already."""
    local = moment.astimezone(WIB) if moment.tzinfo is not None else moment
    clock = f"{local:%H.%M}" if lang == "id" else f"{local:%H:%M}"
    return f"{format_date(local.date(), lang)} {clock} WIB (UTC+7)"


#: Most decimals a table shows (rounding noise like 5.6e-17 reads 0,000000).
_MAX_DECIMALS: Final = 6


def _decimals(number: float, digits: int) -> int:
    """Decimals to show ``number`` with: none if whole, else ``digits``, or more for a small
    number that would show as 0 (two significant digits: 0,025 not 0,0)."""
    if number.is_integer() or not math.isfinite(number):
        return 0
    if abs(number) >= 10.0**-digits:
        return digits
    return min(max(digits, 1 - math.floor(math.log10(abs(number)))), _MAX_DECIMALS)


def _format_cell(value: object, lang: str, digits: int) -> object:
    """One table cell for people: dates and numbers in the locale, blanks as "–"."""
    if isinstance(value, bool) or value is None:
        return "–" if value is None else value
    if isinstance(value, dt.datetime | pd.Timestamp):
        if pd.isna(value):
            return "–"
        if value.tzinfo is None and value.time() == dt.time(0):  # a date
            return format_date(value.date(), lang)
        return format_timestamp(value, lang)  # a moment (audit log): in WIB, to the minute
    if isinstance(value, dt.date):
        return format_date(value, lang)
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
        text = format_number(number, lang, digits=_decimals(number, digits))
        return "\u2212" + text[1:] if text.startswith("-") else text  # minus sign, not a formula
    try:
        return "–" if pd.isna(value) else value  # type: ignore[call-overload]
    except (TypeError, ValueError):  # lists and other containers
        return value


def format_table(
    frame: pd.DataFrame, lang: str = DEFAULT_LANGUAGE, *, digits: int = 1
) -> pd.DataFrame:
    """A copy of ``frame`` for display: numbers as ``1.234,5`` and dates as ``20 Juni 2025``
    in Indonesian, missing values as "–"; yes/no columns and other text unchanged.

    Floats keep ``digits`` decimals unless whole; a small one that would show as 0 keeps two
    significant digits (0,025), so a table never shows 0 for a value that is not. The cells
    become text, so a table built from it sorts numbers as text: meant for what people read,
    not for further analysis.
    """
    table = frame.copy()
    for position in range(table.shape[1]):
        column = table.iloc[:, position]
        if pd.api.types.is_bool_dtype(column.dtype):
            continue
        types = pd.api.types
        if (
            types.is_numeric_dtype(column.dtype)
            or types.is_datetime64_any_dtype(column.dtype)
            or types.is_object_dtype(column.dtype)
            or types.is_string_dtype(column.dtype)
        ):
            cells = [_format_cell(v, lang, digits) for v in column.tolist()]
            table.isetitem(position, cells)
    return table


@cache
def vega_locale(lang: str) -> dict[str, dict[str, object]]:
    """Vega's ``config.locale`` (number and time formats) for ``lang``, from Babel's data,
    so chart axes and tooltips read ``1.234,5`` and ``Juni 2025`` in Indonesian."""
    if lang not in LANGUAGES:
        raise not_one_of("lang", LANGUAGES, lang)
    locale = Locale.parse(_BABEL_LOCALE[lang])
    symbols = locale.number_symbols.get("latn", locale.number_symbols)
    months = locale.months["stand-alone"]
    days = locale.days["stand-alone"]
    order = [6, 0, 1, 2, 3, 4, 5]  # Vega starts the week on Sunday, Babel on Monday
    return {
        "number": {
            "decimal": symbols["decimal"],
            "thousands": symbols["group"],
            "grouping": [3],
            "currency": ["Rp", ""] if lang == "id" else ["£", ""],
        },
        "time": {
            "dateTime": "%A, %e %B %Y %X",
            "date": "%d/%m/%Y",
            "time": "%H.%M.%S" if lang == "id" else "%H:%M:%S",
            "periods": ["AM", "PM"],
            "days": [days["wide"][i] for i in order],
            "shortDays": [days["abbreviated"][i] for i in order],
            "months": [months["wide"][i] for i in range(1, 13)],
            "shortMonths": [months["abbreviated"][i] for i in range(1, 13)],
        },
    }
