"""Read coded values the way an office writes them: code, Indonesian label, English label.

Every coded field (a ``choice`` or ``list`` field of :mod:`geodata.records.schemas`) has its labels
in the catalogues, under the section named in :data:`LABEL_SECTIONS` (``exploitation.labour =
"Kerja paksa / eksploitasi tenaga kerja"``). :func:`coded_values` builds, once per field, a
lookup from every accepted spelling to the code:

- the code itself (``labour``, ``forced_marriage``);
- the Indonesian and English labels the app shows, whole and by their parts (a label
  ``"Kerja paksa / eksploitasi tenaga kerja"`` also gives ``"Kerja paksa"``; ``"Pos resmi
  (PLBN)"`` also gives ``"Pos resmi"`` and ``"PLBN"``);
- a few words offices use that are not labels (:data:`SYNONYMS`: ``lidik``, ``PSK``,
  ``Dinsos``);

all compared by :func:`value_key`, so case, extra spaces, punctuation, hyphens, underscores
and accents do not matter. A spelling shared by two codes of a field is dropped (it would
be a guess). An unknown value gets the nearest labels as a suggestion (rapidfuzz), written
``"Kerja paksa / eksploitasi tenaga kerja = labour"``.

Yes/no fields (:data:`TRUE_WORDS`, :data:`FALSE_WORDS`) and countries (:func:`country_code`)
are read the same way.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Final

from babel import Locale
from rapidfuzz import fuzz, process

from geodata.errors import ArgumentError
from geodata.i18n import catalogue, t
from geodata.records.schemas import SCHEMAS, Entity
from geodata.settings import DEFAULT_LANGUAGE, LANGUAGES

#: The catalogue section holding the labels of each coded field's values.
LABEL_SECTIONS: Final[dict[tuple[Entity, str], str]] = {
    ("case", "location_precision"): "precision",
    ("case", "exploitation"): "exploitation",
    ("case", "crossing_type"): "crossing_type",
    ("case", "status"): "case_status",
    ("crossing", "kind"): "crossing_kind",
    ("crossing", "status"): "crossing_status",
    ("shelter", "operator"): "operator",
    ("shelter", "services"): "service",
}

#: Words offices write that are neither a code nor a label, by field and code.
SYNONYMS: Final[dict[tuple[Entity, str], dict[str, tuple[str, ...]]]] = {
    ("case", "location_precision"): {
        "exact": ("koordinat", "gps", "lokasi tepat"),
        "desa": ("kelurahan", "kel", "ds"),
        "kecamatan": ("kec",),
        "kabupaten": ("kab", "kota", "kabupaten kota"),
    },
    ("case", "exploitation"): {
        "labour": ("labor", "eksploitasi kerja"),
        "sexual": ("eksploitasi seks", "prostitusi", "pelacuran", "psk"),
        "forced_marriage": ("perkawinan paksa", "kawin kontrak", "pengantin pesanan"),
    },
    ("case", "crossing_type"): {
        "official": ("resmi",),
        "unofficial": ("tidak resmi", "ilegal", "jalur tikus"),
    },
    ("case", "status"): {
        "reported": ("lapor", "laporan"),
        "investigation": ("penyelidikan", "lidik", "sidik"),
        "prosecution": ("tuntutan", "p21", "sidang", "persidangan"),
        "verdict": ("vonis", "inkracht"),
    },
    ("crossing", "kind"): {
        "plbn": ("pos lintas batas", "resmi"),
        "land_track": ("jalur darat", "jalan tikus", "darat"),
        "river_route": ("jalur sungai", "sungai"),
    },
    ("crossing", "status"): {"active": ("buka", "dibuka"), "closed": ("tutup",)},
    ("shelter", "operator"): {"Dinas Sosial": ("dinsos",), "UPTD PPA": ("p2tp2a",)},
    ("shelter", "services"): {
        "shelter": ("rumah aman", "penampungan"),
        "legal": ("hukum",),
        "repatriation": ("repatriasi",),
    },
}

#: Spellings read as yes and as no (compared by :func:`value_key`).
TRUE_WORDS: Final = frozenset({"true", "yes", "ya", "iya", "y", "t", "1", "1 0", "benar"})
FALSE_WORDS: Final = frozenset({"false", "no", "tidak", "tdk", "n", "f", "0", "0 0", "salah"})

#: Suggestions need this similarity (0–100) and a value of at least this many characters.
SUGGEST_CUTOFF: Final = 75.0
_MIN_SUGGEST_CHARS: Final = 3
#: Codes within this many points of the best are suggested together (at most three).
_TIE_POINTS: Final = 5.0
_MAX_SUGGESTIONS: Final = 3
_PARTS: Final = re.compile(r"\s*/\s*|\s*\(\s*|\s*\)\s*")


def value_key(value: str) -> str:
    """A value reduced for comparison: no accents, case, punctuation or extra spaces.

    ``"Kerja-Paksa "`` → ``"kerja paksa"``; ``"forced_marriage"`` → ``"forced marriage"``;
    ``"Pos resmi (PLBN)"`` → ``"pos resmi plbn"``.
    """
    plain = unicodedata.normalize("NFKD", str(value))
    plain = "".join(c for c in plain if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[\W_]+", " ", plain).split())


def _label_spellings(label: str) -> list[str]:
    """A label and its parts: ``"LSM / NGO"`` → the whole, ``"LSM"`` and ``"NGO"``."""
    parts = [part for part in _PARTS.split(label) if part.strip()]
    return [label, *parts] if len(parts) > 1 else [label]


@dataclass(frozen=True)
class CodedValues:
    """The accepted spellings of one coded field and the code each stands for.

    Attributes
    ----------
    entity, field
        The record type and the field.
    codes
        The allowed codes, in the catalogue's order (as the app lists them).
    lookup
        :func:`value_key` of each accepted spelling → code.
    """

    entity: Entity
    field: str
    codes: tuple[str, ...]
    lookup: dict[str, str]

    def label(self, code: str, lang: str = DEFAULT_LANGUAGE) -> str:
        """The label the app shows for ``code`` (``"Dilaporkan"`` for ``reported``)."""
        return t(f"{LABEL_SECTIONS[(self.entity, self.field)]}.{code}", lang)

    def described(self, code: str) -> str:
        """``"Kerja paksa / eksploitasi tenaga kerja = labour"``: Indonesian label and code."""
        label = self.label(code, "id")
        return code if value_key(label) == value_key(code) else f"{label} = {code}"

    @property
    def allowed(self) -> list[str]:
        """Every code with its Indonesian label, for messages and templates."""
        return [self.described(code) for code in self.codes]

    def read(self, value: str) -> str | None:
        """The code ``value`` stands for, or None when it is not an accepted spelling."""
        return self.lookup.get(value_key(value))

    def suggest(self, value: str) -> str | None:
        """The nearest codes (label and code), or None when nothing is near enough."""
        key = value_key(value)
        if len(key) < _MIN_SUGGEST_CHARS:
            return None
        found = process.extract(
            key, list(self.lookup), scorer=fuzz.WRatio, score_cutoff=SUGGEST_CUTOFF, limit=None
        )
        best: dict[str, float] = {}
        for spelling, score, _ in found:
            code = self.lookup[spelling]
            best[code] = max(best.get(code, 0.0), float(score))
        if not best:
            return None
        top = max(best.values())
        near = sorted(
            (c for c, s in best.items() if s >= top - _TIE_POINTS), key=lambda c: (-best[c], c)
        )
        return ", ".join(self.described(code) for code in near[:_MAX_SUGGESTIONS])


@cache
def coded_values(entity: Entity, field: str) -> CodedValues:
    """The accepted spellings of a coded field (see the module docstring), built once.

    Raises
    ------
    ValueError
        If the field is not a coded field of the record type.
    """
    if (entity, field) not in LABEL_SECTIONS:
        coded = sorted(f"{e}.{f}" for e, f in LABEL_SECTIONS)
        raise ArgumentError(
            f"`{entity}.{field}` should be a coded field, one of {coded}; pick one of them"
        )
    section = LABEL_SECTIONS[(entity, field)]
    allowed = SCHEMAS[entity].field(field).allowed or frozenset()
    prefix = section + "."
    listed = [key[len(prefix) :] for key in catalogue(DEFAULT_LANGUAGE) if key.startswith(prefix)]
    order = {code: position for position, code in enumerate(listed)}
    codes = tuple(sorted(allowed, key=lambda code: (order.get(code, len(order)), code)))
    claims: dict[str, set[str]] = {}
    for code in codes:
        spellings = [code]
        for lang in LANGUAGES:
            spellings += _label_spellings(t(f"{section}.{code}", lang))
        spellings += SYNONYMS.get((entity, field), {}).get(code, ())
        for spelling in spellings:
            claims.setdefault(value_key(spelling), set()).add(code)
    lookup = {key: next(iter(c)) for key, c in claims.items() if key and len(c) == 1}
    for code in codes:  # a code always reads as itself
        lookup[value_key(code)] = code
    return CodedValues(entity, field, codes, lookup)


def read_bool(value: str) -> bool | None:
    """True or False for a yes/no spelling (``ya``, ``Tidak``, ``TRUE``, ``1``), else None."""
    key = value_key(value)
    if key in TRUE_WORDS:
        return True
    if key in FALSE_WORDS:
        return False
    return None


@cache
def _countries() -> dict[str, str]:
    """ISO alpha-2 code by :func:`value_key` of the code and the English and Indonesian names."""
    lookup: dict[str, str] = {}
    for lang in LANGUAGES:
        for code, name in Locale.parse(lang).territories.items():
            if len(code) == 2 and code.isalpha():
                lookup[value_key(name)] = code
                lookup[value_key(code)] = code
    return lookup


def country_code(value: str) -> str | None:
    """The ISO alpha-2 code of a country written as a code or its English or Indonesian name."""
    return _countries().get(value_key(value))


def suggest_country(value: str) -> str | None:
    """The nearest country name and code (``"Malaysia = MY"``), or None."""
    key = value_key(value)
    if len(key) < _MIN_SUGGEST_CHARS:
        return None
    lookup = _countries()
    names = [name for name in lookup if len(name) > 2]
    found = process.extractOne(key, names, scorer=fuzz.ratio, score_cutoff=80)
    if found is None:
        return None
    code = lookup[str(found[0])]
    return f"{Locale.parse('id').territories[code]} = {code}"
