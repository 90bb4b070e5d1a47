"""Read values the way Indonesian records write them: numbers, coordinates, dates, place names.

Every parser takes a column of text cells (a ``pd.Series`` of ``str``, ``""`` for empty) and
works on the whole column at once, so 50,000 rows take a fraction of a second:

- :func:`parse_decimal`: ``0,1234`` (decimal comma), ``1.234.567`` and ``1.234,5`` (thousands
  dots, where unambiguous), ``1,234.5``; a lone ``1.234`` is read as a decimal point.
- :func:`parse_coordinate`: decimal degrees or degrees-minutes-seconds with a hemisphere,
  ``1°02'15" LU``, ``110°21'30" BT``, ``1 02 15 LU``, ``1°2,25' LU``, ``N 1°2'15"``
  (LU/LS/BT/BB and N/S/E/W; LS, BB, S and W are negative).
- :func:`parse_dates`: ``2025-06-20``, ``20/06/2025`` (also ``-`` or ``.``), ``20 Juni 2025``,
  ``20 Jun 2025``, ``Jumat, 20 Juni 2025``, English month names, and Excel serial numbers
  (``45828``) when asked to.
- :func:`split_place_prefix` and :func:`normalise_place_name`: ``Kab.``, ``Kabupaten``,
  ``Kota``, ``Kec.``, ``Kecamatan``, ``Ds.``, ``Desa``, ``Kel.``, ``Kelurahan`` are taken off
  (and say which level is meant); case, accents, apostrophes and punctuation are ignored and
  the usual abbreviations (``Sei``/``Sui`` = Sungai, ``Tj`` = Tanjung) are spelt out;
  :func:`split_at_prefixes` cuts ``Desa Temajuk Kecamatan Paloh`` into its names.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from typing import Final, Literal, NamedTuple

import numpy as np
import pandas as pd

from geodata.errors import not_one_of

Axis = Literal["lat", "lon"]
PlaceLevel = Literal["provinsi", "kabupaten", "kecamatan", "desa"]

# --- numbers --------------------------------------------------------------------------------

_DECIMAL_COMMA: Final = r"^([-+]?\d+),(\d+)$"
_DOTS_AND_COMMA: Final = r"^[-+]?\d{1,3}(?:\.\d{3})+,\d+$"
_DOTS_ONLY: Final = r"^[-+]?\d{1,3}(?:\.\d{3}){2,}$"
_COMMAS_AND_DOT: Final = r"^[-+]?\d{1,3}(?:,\d{3})+\.\d+$"
_COMMAS_ONLY: Final = r"^[-+]?\d{1,3}(?:,\d{3}){2,}$"


def parse_decimal(text: pd.Series) -> pd.Series:
    """Numbers written with a decimal comma or point, with thousands separators if unambiguous.

    Parameters
    ----------
    text
        Text cells, ``""`` where empty.

    Returns
    -------
    pd.Series
        ``float64`` on the same index; NaN where the cell is empty, not a number, or not finite.

    Examples
    --------
    ``"0,1234"`` → 0.1234, ``"1.234,5"`` → 1234.5, ``"1.234.567"`` → 1234567,
    ``"1,234.5"`` → 1234.5, ``"110.35"`` → 110.35, ``"1,5"`` → 1.5.
    """
    text = text.astype("str")
    plain = text.str.replace(_DECIMAL_COMMA, r"\1.\2", regex=True)
    dotted = text.str.fullmatch(_DOTS_AND_COMMA) | text.str.fullmatch(_DOTS_ONLY)
    plain = plain.mask(dotted, text.str.replace(".", "", regex=False).str.replace(",", "."))
    commas = text.str.fullmatch(_COMMAS_AND_DOT) | text.str.fullmatch(_COMMAS_ONLY)
    plain = plain.mask(commas, text.str.replace(",", "", regex=False))
    number = pd.to_numeric(plain.where(text != ""), errors="coerce").astype("float64")
    return number.where(np.isfinite(number))


# --- coordinates ----------------------------------------------------------------------------

#: Hemisphere letters: the axis each names and its sign.
HEMISPHERES: Final[dict[str, tuple[Axis, int]]] = {
    "LU": ("lat", 1),  # lintang utara
    "LS": ("lat", -1),  # lintang selatan
    "N": ("lat", 1),
    "S": ("lat", -1),
    "BT": ("lon", 1),  # bujur timur
    "BB": ("lon", -1),  # bujur barat
    "E": ("lon", 1),
    "W": ("lon", -1),
}
_HEMI: Final = r"(?:LU|LS|BT|BB|N|S|E|W)"
_NUMBER: Final = r"\d+(?:\.\d+)?"
_DMS: Final = (
    rf"^\s*(?P<h1>{_HEMI})?\s*(?P<sign>[-+])?\s*"
    rf"(?P<deg>{_NUMBER})\s*(?:°|\s)\s*"
    rf"(?:(?P<min>{_NUMBER})\s*(?:'|\s)?\s*)?"
    rf"(?:(?P<sec>{_NUMBER})\s*\"?\s*)?"
    rf"(?P<h2>{_HEMI})?\s*$"
)
#: Look-alike characters people type for degree, minute and second marks.
_MARKS: Final = str.maketrans(
    {"º": "°", "˚": "°", "′": "'", "’": "'", "‘": "'", "´": "'", "`": "'", "″": '"', "”": '"'}
)


class Coordinates(NamedTuple):
    """What :func:`parse_coordinate` found in a column.

    Attributes
    ----------
    values
        Decimal degrees (``float64``), NaN where unreadable or for the wrong axis.
    dms
        True where the cell was written in degrees-minutes-seconds or with a hemisphere.
    wrong_axis
        True where the hemisphere names the other axis (``BT`` in a latitude column).
    """

    values: pd.Series
    dms: pd.Series
    wrong_axis: pd.Series


def parse_coordinate(text: pd.Series, *, axis: Axis) -> Coordinates:
    """Decimal degrees or degrees-minutes-seconds (with LU/LS/BT/BB or N/S/E/W) as decimals.

    Parameters
    ----------
    text
        Text cells, ``""`` where empty.
    axis
        ``{"lat", "lon"}``: which hemisphere letters belong to this column.

    Returns
    -------
    Coordinates
        Values, the cells written as DMS, and the cells whose letter names the other axis.
        Minutes and seconds must be below 60; a fraction is allowed only in the last part.

    Examples
    --------
    ``1°02'15" LU`` → 1.0375, ``1 02 15 LS`` → -1.0375, ``1°2,25' LU`` → 1.0375,
    ``110°21'30" BT`` → 110.358333, ``0,97`` → 0.97.
    """
    if axis not in ("lat", "lon"):
        raise not_one_of("axis", ("lat", "lon"), axis)
    text = text.astype("str")
    values = parse_decimal(text)
    false = pd.Series(False, index=text.index)
    rest = values.isna() & (text != "")
    if not rest.any():
        return Coordinates(values, false, false.copy())
    cells = text[rest].str.translate(_MARKS).str.replace("''", '"', regex=False)
    cells = cells.str.replace(r"(?<=\d),(?=\d)", ".", regex=True).str.upper()
    parts = cells.str.extract(_DMS)
    degrees = pd.to_numeric(parts["deg"], errors="coerce")
    minutes = pd.to_numeric(parts["min"], errors="coerce")
    seconds = pd.to_numeric(parts["sec"], errors="coerce")
    letter = parts["h1"].fillna(parts["h2"])
    both_letters = parts["h1"].notna() & parts["h2"].notna()
    fraction_too_early = (parts["deg"].str.contains(".", regex=False) & minutes.notna()) | (
        parts["min"].str.contains(".", regex=False) & seconds.notna()
    )
    marked = letter.notna() | minutes.notna()  # a bare number was handled as a decimal
    valid = (
        degrees.notna()
        & marked
        & ~both_letters
        & ~fraction_too_early.fillna(False).astype(bool)
        & ~(minutes >= 60)
        & ~(seconds >= 60)
    )
    letter_axis = letter.map({key: value[0] for key, value in HEMISPHERES.items()})
    letter_sign = letter.map({key: value[1] for key, value in HEMISPHERES.items()}).fillna(1)
    negative = parts["sign"] == "-"
    contradicts = negative & (letter_sign > 0) & letter.notna()
    wrong = valid & letter_axis.notna() & (letter_axis != axis)
    valid &= ~contradicts & ~wrong
    magnitude = degrees + minutes.fillna(0) / 60 + seconds.fillna(0) / 3600
    sign = np.where(negative | (letter_sign < 0), -1.0, 1.0)
    decoded = (magnitude * sign).where(valid)
    values = values.copy()
    values[rest] = decoded.to_numpy(dtype="float64")
    dms = false.copy()
    dms[rest] = valid.to_numpy()
    wrong_axis = false.copy()
    wrong_axis[rest] = wrong.to_numpy()
    return Coordinates(values, dms, wrong_axis)


# --- dates ----------------------------------------------------------------------------------

#: Month names and abbreviations, Indonesian (incl. older spellings) and English.
MONTHS: Final[dict[str, int]] = {
    **dict.fromkeys(("januari", "january", "jan"), 1),
    **dict.fromkeys(("februari", "pebruari", "february", "feb", "peb"), 2),
    **dict.fromkeys(("maret", "march", "mar"), 3),
    **dict.fromkeys(("april", "apr"), 4),
    **dict.fromkeys(("mei", "may"), 5),
    **dict.fromkeys(("juni", "june", "jun"), 6),
    **dict.fromkeys(("juli", "july", "jul"), 7),
    **dict.fromkeys(("agustus", "august", "agu", "agt", "ags", "aug"), 8),
    **dict.fromkeys(("september", "sept", "sep"), 9),
    **dict.fromkeys(("oktober", "october", "okt", "oct"), 10),
    **dict.fromkeys(("november", "nopember", "nov", "nop"), 11),
    **dict.fromkeys(("desember", "december", "des", "dec"), 12),
}
_WEEKDAYS: Final = (
    "senin|selasa|rabu|kamis|jumat|jum'at|sabtu|minggu|ahad|"
    "monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    "sen|sel|rab|kam|jum|sab|min|mon|tue|wed|thu|fri|sat|sun"
)
_TIME: Final = r"(?:[Tt ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_ISO: Final = rf"^(?P<y>\d{{4}})-(?P<m>\d{{1,2}})-(?P<d>\d{{1,2}}){_TIME}$"
_DMY: Final = r"^(?P<d>\d{1,2})(?P<s>[/.\-])(?P<m>\d{1,2})(?P=s)(?P<y>\d{4})$"
_NAMED: Final = (
    rf"^(?:(?:{_WEEKDAYS})\.?,?\s+)?"
    r"(?P<d>\d{1,2})[\s\-.]+(?P<month>[a-z]+)\.?[\s\-.,]+(?P<y>\d{4})$"
)
_SERIAL: Final = r"^\d{1,7}(?:\.\d+)?$"
#: Day 0 of Excel's (1900) date system, accounting for its phantom 29 February 1900.
EXCEL_EPOCH: Final = pd.Timestamp("1899-12-30")
#: The largest Excel serial date (9999-12-31).
EXCEL_MAX_SERIAL: Final = 2_958_465

DateForm = Literal["iso", "dmy", "named", "serial"]


class Dates(NamedTuple):
    """What :func:`parse_dates` found in a column.

    Attributes
    ----------
    values
        ``datetime64[ns]`` at midnight; NaT where empty, unreadable or impossible (31/02).
    form
        ``{"iso", "dmy", "named", "serial"}`` where the cell has a date's form, else NaN. A
        cell with a form but no value is an impossible date.
    """

    values: pd.Series
    form: pd.Series


def _named_months(month: pd.Series) -> pd.Series:
    return month.map(MONTHS, na_action="ignore")


def parse_dates(text: pd.Series, *, excel_serial: bool = False) -> Dates:
    """Dates written as Indonesians write them, from one column of text cells.

    Parameters
    ----------
    text
        Text cells, ``""`` where empty.
    excel_serial
        Read plain numbers as Excel serial dates (``45828`` → 2025-06-20): true for cells
        from a spreadsheet, where a date column formatted as a number shows them.

    Returns
    -------
    Dates
        The dates and the form each cell was read in. Day first always: ``06/07/2025`` is
        6 July. A time after an ISO date (``2025-06-20 14:30``) is dropped.
    """
    text = text.astype("str").str.strip()
    lowered = text.str.casefold().reset_index(drop=True)
    size = len(text)
    year, month, day = (np.full(size, np.nan) for _ in range(3))
    form = np.full(size, None, dtype=object)
    for name, pattern in (("iso", _ISO), ("dmy", _DMY), ("named", _NAMED)):
        todo = pd.isna(form) & (lowered != "").to_numpy()
        if not todo.any():
            break
        parts = lowered[todo].str.extract(pattern)
        if name == "named":
            parts["m"] = _named_months(parts["month"])
        found = (parts["y"].notna() & parts["m"].notna()).to_numpy()
        at = parts.index.to_numpy()[found]
        year[at] = pd.to_numeric(parts["y"][found]).to_numpy()
        month[at] = pd.to_numeric(parts["m"][found]).to_numpy()
        day[at] = pd.to_numeric(parts["d"][found]).to_numpy()
        form[at] = name
    known = ~pd.isna(form)
    values = np.full(size, np.datetime64("NaT"), dtype="datetime64[ns]")
    if known.any():
        parts = pd.DataFrame({"year": year[known], "month": month[known], "day": day[known]})
        values[known] = pd.to_datetime(parts, errors="coerce").to_numpy(dtype="datetime64[ns]")
    if excel_serial:
        serial = ~known & lowered.str.fullmatch(_SERIAL).to_numpy(dtype=bool)
        number = pd.to_numeric(lowered.where(serial), errors="coerce").to_numpy()
        serial &= (number >= 1) & (number <= EXCEL_MAX_SERIAL)
        if serial.any():
            days = np.floor(number[serial]).astype("int64")
            values[serial] = (EXCEL_EPOCH + pd.to_timedelta(days, unit="D")).to_numpy()
            form[serial] = "serial"
    return Dates(
        pd.Series(values, index=text.index, dtype="datetime64[ns]"),
        pd.Series(form, index=text.index, dtype=object),
    )


# --- place names ----------------------------------------------------------------------------

#: Prefixes of unit names, with the level each names (``Kota`` is a kabupaten-level city).
PLACE_PREFIXES: Final[dict[str, PlaceLevel]] = {
    "provinsi": "provinsi",
    "propinsi": "provinsi",
    "prov": "provinsi",
    "kabupaten": "kabupaten",
    "kab": "kabupaten",
    "kota": "kabupaten",
    "kecamatan": "kecamatan",
    "kec": "kecamatan",
    "kelurahan": "desa",
    "kel": "desa",
    "desa": "desa",
    "ds": "desa",
}
_PREFIX: Final = re.compile(
    r"^\s*(" + "|".join(sorted(PLACE_PREFIXES, key=len, reverse=True)) + r")\b\.?\s*(?=\S)",
    re.IGNORECASE,
)
#: A prefix word inside a text, after a space and before a name ("... Kec. Paloh"), or the
#: province's name at the end of a text.
_INNER_PREFIX: Final = re.compile(
    r"(?<=\s)(?:(?:" + "|".join(sorted(PLACE_PREFIXES, key=len, reverse=True)) + r")"
    r"(?:\.\s*|\s+)(?=\S)|(?:kalimantan\s+barat|kalbar)\b)",
    re.IGNORECASE,
)
#: Most readings :func:`split_at_prefixes` returns.
_MAX_READINGS: Final = 8
#: Abbreviations spelt out before matching (both the query and the gazetteer).
PLACE_ABBREVIATIONS: Final = {
    "sei": "sungai",
    "sui": "sungai",
    "sg": "sungai",
    "sng": "sungai",
    "tj": "tanjung",
    "tg": "tanjung",
    "tjg": "tanjung",
    "kp": "kampung",
    "kpg": "kampung",
    "ng": "nanga",
}
_APOSTROPHES: Final = str.maketrans("", "", "'’‘`´")


def split_place_prefix(name: str) -> tuple[PlaceLevel | None, str]:
    """The level a name's prefix names, and the name without it, as written.

    ``"Kab. Sanggau"`` → ``("kabupaten", "Sanggau")``; ``"Ds. Entikong"`` → ``("desa",
    "Entikong")``; ``"Entikong"`` → ``(None, "Entikong")``. A name that is only a prefix
    (``"Desa"``) is left as it is.
    """
    match = _PREFIX.match(name)
    if match is None:
        return None, name.strip()
    return PLACE_PREFIXES[match.group(1).casefold()], name[match.end() :].strip()


def split_at_prefixes(text: str) -> list[list[str]]:
    """Ways to read a text without separators as names with their prefixes, likeliest first.

    The text is cut before every prefix word that follows a space (``Kecamatan``, ``Kec.``,
    ``Kabupaten``, ``Kota``, ``Desa``, ``Ds.``, ``Kelurahan``, ...) and before the province's
    name. A piece that is only a prefix word belongs either to the name before it (the desa
    ``Pemangkat Kota``) or to the one after it (``Desa Kota Bangun``): each way is a reading.

    Examples
    --------
    ``"Desa Temajuk Kecamatan Paloh"`` → ``[["Desa Temajuk", "Kecamatan Paloh"]]``;
    ``"Temajuk Kec. Paloh Kab. Sambas"`` → ``[["Temajuk", "Kec. Paloh", "Kab. Sambas"]]``;
    ``"Ds. Entikong"`` → ``[["Ds. Entikong"]]``.
    """
    cuts = [0, *(match.start() for match in _INNER_PREFIX.finditer(text)), len(text)]
    pieces = [text[a:b].strip() for a, b in itertools.pairwise(cuts) if text[a:b].strip()]
    readings: list[list[str]] = [[]]
    for position, piece in enumerate(pieces):
        alone = re.sub(r"\W+", "", piece).casefold() in PLACE_PREFIXES
        grown: list[list[str]] = []
        for reading in readings:
            if alone and reading:  # the end of the name before
                grown.append([*reading[:-1], f"{reading[-1]} {piece}"])
            if alone and position + 1 < len(pieces):  # the start of the name after
                grown.append([*reading, piece + "\x00"])
            if not alone or not grown:
                grown.append([*reading, piece])
        readings = [_joined(reading) for reading in grown][:_MAX_READINGS]
    unique = list(dict.fromkeys(tuple(reading) for reading in readings if reading))
    return [list(reading) for reading in unique] or [[text.strip()]]


def _joined(reading: list[str]) -> list[str]:
    """Join a piece marked to start the next name (``\\x00``) with that name."""
    joined: list[str] = []
    for piece in reading:
        if joined and joined[-1].endswith("\x00"):
            joined[-1] = f"{joined[-1][:-1]} {piece}"
        else:
            joined.append(piece)
    return joined


def normalise_place_name(name: str, *, strip_prefix: bool = True) -> str:
    """A place name reduced to what matters for matching.

    Case, accents, apostrophes (``Sapa'``), hyphens and other punctuation are dropped, spaces
    collapsed, abbreviations spelt out (``Sei``, ``Sui`` → ``sungai``; ``Tj`` → ``tanjung``),
    and a leading ``Kab.``/``Kec.``/``Ds.``/... removed unless ``strip_prefix`` is false.

    Examples
    --------
    ``"Kec. Entikong"`` → ``"entikong"``; ``"Sei. Ambawang"`` → ``"sungai ambawang"``;
    ``"Tua' Abang"`` → ``"tua abang"``; ``"Bum-bun"`` → ``"bum bun"``.
    """
    if strip_prefix:
        _, name = split_place_prefix(name)
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = plain.translate(_APOSTROPHES).casefold()
    words = re.sub(r"[\W_]+", " ", plain).split()
    return " ".join(PLACE_ABBREVIATIONS.get(word, word) for word in words)
