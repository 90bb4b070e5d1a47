"""Find a place name in Kalbar's gazetteer: exact code, exact name, then fuzzy within the parent.

A query is a Kemendagri code (``61.03.21.2003``), a free text such as ``"Ds. Entikong, Kec.
Entikong, Kab. Sanggau"`` or, without separators, ``"Desa Temajuk Kecamatan Paloh Kabupaten
Sambas"`` (any order, any case, full words or abbreviations), or names per level
(:meth:`PlaceIndex.locate`). Each level is
looked up by its normalised name (:func:`geodata.records.parsing.normalise_place_name`) among the
children of the coarser levels given; a name not found exactly is matched with rapidfuzz
among those children only. The result has a confidence from 0 to 1 (1: every name matched
exactly; a fuzzy match multiplies in its similarity). A name that fits several places equally
(the same desa name in two kecamatan, with no kecamatan given) is *ambiguous*: the candidates
are returned, none is chosen.

Run ``python -m geodata.geocode [--json] [--lang {id,en}] QUERY...`` to look names up.
"""

from __future__ import annotations

import itertools
import json
import logging
import re
import sys
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Final, Literal, cast

import pandas as pd
from rapidfuzz import fuzz, process

from geodata import reference
from geodata._cli import EXIT_INVALID, EXIT_OK, Parser, parse
from geodata.errors import ArgumentError
from geodata.i18n import format_number, t
from geodata.records.parsing import normalise_place_name, split_at_prefixes, split_place_prefix
from geodata.settings import DEFAULT_LANGUAGE, LANGUAGES, LEVELS, Level

log = logging.getLogger(__name__)

Status = Literal["exact", "fuzzy", "ambiguous", "not_found"]

#: Fuzzy matches below this similarity (0–1) are not considered.
FUZZY_CUTOFF: Final = 0.8
#: Two candidates closer than this in confidence are a tie: the name is ambiguous.
TIE_MARGIN: Final = 0.05
#: A query's parts that name the province (ignored).
_PROVINCE_NAMES: Final = frozenset({"kalimantan barat", "kalbar", "kalimantan barat indonesia"})
_CODE: Final = re.compile(r"^\s*(\d{2}(?:\.\d{2}(?:\.\d{2}(?:\.\d{4})?)?)?)\s*$")
_MAX_PARTS: Final = 5
_MAX_READINGS: Final = 8
_MAX_CACHED: Final = 200_000
_COARSE_FIRST: Final[tuple[Level, ...]] = LEVELS
_FINE_FIRST: Final[tuple[Level, ...]] = tuple(reversed(LEVELS))
#: The rank of a lone name found on one chain of nested units (an exact reading).
_BEST_RANK: Final = (1.0, 1.0, 0.0, 1.0, 1.0, 0.0)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A gazetteer unit a query may mean.

    Attributes
    ----------
    code
        Kemendagri code.
    name
        Name as in the gazetteer.
    level
        ``{"kabupaten", "kecamatan", "desa"}``.
    unit_type
        ``{"kabupaten", "kota", "kecamatan", "desa", "kelurahan"}``.
    kecamatan, kabupaten
        Names of the kecamatan and kabupaten it lies in (None at and above its own level).
    score
        Confidence 0–1 that the query means this unit.
    """

    code: str
    name: str
    level: Level
    unit_type: str
    kecamatan: str | None
    kabupaten: str | None
    score: float

    def describe(self, lang: str = DEFAULT_LANGUAGE) -> str:
        """``"Entikong (desa) 61.03.21.2003, Kec. Entikong, Kab. Sanggau"``."""
        text = f"{self.name} ({t('unit_type.' + self.unit_type, lang)}) {self.code}"
        if self.kecamatan:
            text += f", Kec. {self.kecamatan}"
        if self.kabupaten:
            text += f", {self.kabupaten}"
        return text

    def to_dict(self) -> dict[str, object]:
        """Plain values for JSON."""
        return {
            "code": self.code,
            "name": self.name,
            "level": self.level,
            "unit_type": self.unit_type,
            "kecamatan": self.kecamatan,
            "kabupaten": self.kabupaten,
            "score": round(self.score, 3),
        }


@dataclass(frozen=True)
class GeocodeResult:
    """What a query was located as.

    Attributes
    ----------
    query
        The query as given.
    status
        ``{"exact", "fuzzy", "ambiguous", "not_found"}``.
    match
        The unit chosen (None when ambiguous or not found).
    candidates
        Other units the query may mean, best first (for ``ambiguous``: all of them).
    unresolved
        Names in the query that were not found (the match is then at a coarser level).
    """

    query: str
    status: Status
    match: Candidate | None = None
    candidates: tuple[Candidate, ...] = ()
    unresolved: tuple[str, ...] = field(default=())

    @property
    def found(self) -> bool:
        """True when a unit was chosen."""
        return self.match is not None

    @property
    def code(self) -> str | None:
        """The chosen unit's code."""
        return None if self.match is None else self.match.code

    @property
    def level(self) -> Level | None:
        """The chosen unit's level."""
        return None if self.match is None else self.match.level

    @property
    def confidence(self) -> float:
        """0–1; 0 when nothing was chosen."""
        return 0.0 if self.match is None else self.match.score

    def to_dict(self) -> dict[str, object]:
        """Plain values for JSON."""
        return {
            "query": self.query,
            "status": self.status,
            "code": self.code,
            "confidence": round(self.confidence, 3),
            "match": None if self.match is None else self.match.to_dict(),
            "candidates": [candidate.to_dict() for candidate in self.candidates],
            "unresolved": list(self.unresolved),
        }


@dataclass(frozen=True, slots=True)
class _Unit:
    code: str
    name: str
    level: Level
    unit_type: str
    kabupaten_code: str
    kecamatan_code: str | None
    key: str


class PlaceIndex:
    """The gazetteer indexed by normalised name and by parent, for fast lookups.

    Parameters
    ----------
    gazetteer
        Columns ``code``, ``name``, ``level``; optional ``short_name`` (used for kabupaten)
        and ``unit_type``. Parents are read from the codes.
    """

    def __init__(self, gazetteer: pd.DataFrame) -> None:
        missing = {"code", "name", "level"} - set(gazetteer.columns)
        if missing:
            raise ArgumentError(
                f"`gazetteer` should have columns code, name, level; lacks {missing}; "
                "pass reference.load_gazetteer()"
            )
        self._units: dict[str, _Unit] = {}
        self._by_key: dict[Level, dict[str, list[str]]] = {level: {} for level in LEVELS}
        self._children: dict[tuple[str | None, Level], dict[str, str]] = {}
        self._cache: dict[tuple[tuple[str, str], ...], GeocodeResult] = {}
        for row in gazetteer.to_dict("records"):
            self._add(row)

    @classmethod
    def default(cls) -> PlaceIndex:
        """The index of the committed gazetteer (built once)."""
        return _default_index()

    def _add(self, row: Mapping[Hashable, object]) -> None:
        level = str(row["level"])
        if level not in LEVELS:
            return
        level = cast(Level, level)
        code, name = str(row["code"]), str(row["name"])
        # Parents from the code itself: Kemendagri codes nest (61.03.21.2003 is in 61.03.21,
        # in 61.03), and a CSV reader may have turned the parent columns into numbers.
        kabupaten_code = code[:5]
        kecamatan_code = code[:8] if level == "desa" else None
        short = row.get("short_name")
        label = str(short) if level == "kabupaten" and isinstance(short, str) else name
        unit_type = row.get("unit_type")
        unit = _Unit(
            code,
            name,
            level,
            str(unit_type) if isinstance(unit_type, str) else level,
            kabupaten_code,
            kecamatan_code,
            normalise_place_name(label),
        )
        self._units[code] = unit
        self._by_key[unit.level].setdefault(unit.key, []).append(code)
        parents: list[str | None] = [None]
        if level != "kabupaten":
            parents.append(kabupaten_code)
        if kecamatan_code is not None:
            parents.append(kecamatan_code)
        for parent in parents:
            self._children.setdefault((parent, unit.level), {})[code] = unit.key

    def __len__(self) -> int:
        return len(self._units)

    # --- matching one level -----------------------------------------------------------------

    def _inside(self, code: str, parents: set[str] | None) -> bool:
        if parents is None:
            return True
        unit = self._units[code]
        return unit.kabupaten_code in parents or unit.kecamatan_code in parents

    def _match(self, key: str, level: Level, parents: set[str] | None) -> dict[str, float]:
        """Codes at ``level`` inside ``parents`` whose name is ``key`` (1.0) or like it."""
        exact = [c for c in self._by_key[level].get(key, []) if self._inside(c, parents)]
        if exact:
            return dict.fromkeys(exact, 1.0)
        choices: dict[str, str] = {}
        for parent in parents if parents is not None else [None]:
            choices.update(self._children.get((parent, level), {}))
        found = process.extract(
            key, choices, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF * 100, limit=5
        )
        return {str(code): round(score / 100, 3) for _, score, code in found}

    # --- resolving a query ------------------------------------------------------------------

    def _resolve(self, names: Mapping[Level, str]) -> tuple[dict[str, float], list[str]]:
        """Candidates (code → confidence) at the finest level found, and names not found."""
        scores: dict[str, float] = {}
        unresolved: list[str] = []
        found: dict[str, float] = {}
        parents: set[str] | None = None
        for level in _COARSE_FIRST:
            key = names.get(level)
            if not key:
                continue
            matches = self._match(key, level, parents)
            if not matches:
                unresolved.append(key)
                continue
            found = {}
            for code, score in matches.items():
                unit = self._units[code]
                inherited = max(
                    (scores[p] for p in (unit.kabupaten_code, unit.kecamatan_code) if p in scores),
                    default=1.0,
                )
                found[code] = round(score * inherited, 3)
            scores.update(found)
            parents = set(found)
        return found, unresolved

    def _candidate(self, code: str, score: float) -> Candidate:
        unit = self._units[code]
        kecamatan = self._units.get(unit.kecamatan_code or "")
        kabupaten = self._units.get(unit.kabupaten_code)
        return Candidate(
            code=unit.code,
            name=unit.name,
            level=unit.level,
            unit_type=unit.unit_type,
            kecamatan=kecamatan.name if kecamatan is not None else None,
            kabupaten=kabupaten.name if kabupaten and unit.level != "kabupaten" else None,
            score=score,
        )

    def _result(
        self, query: str, found: Mapping[str, float], unresolved: Sequence[str]
    ) -> GeocodeResult:
        ranked = sorted(
            (self._candidate(code, score) for code, score in found.items()),
            key=lambda c: (-c.score, c.code),
        )
        if not ranked:
            return GeocodeResult(query, "not_found", unresolved=tuple(unresolved))
        best, others = ranked[0], tuple(ranked[1:])
        penalty = 0.8 ** len(unresolved)
        if unresolved:
            best = replace(best, score=round(best.score * penalty, 3))
        if others and ranked[0].score - others[0].score < TIE_MARGIN:
            return GeocodeResult(query, "ambiguous", None, tuple(ranked), tuple(unresolved))
        status: Status = "exact" if best.score >= 1.0 else "fuzzy"
        return GeocodeResult(query, status, best, others, tuple(unresolved))

    def locate(
        self,
        *,
        desa: str | None = None,
        kecamatan: str | None = None,
        kabupaten: str | None = None,
        query: str | None = None,
    ) -> GeocodeResult:
        """Locate a place given by its names per level (any may be None).

        Parameters
        ----------
        desa, kecamatan, kabupaten
            Names, with or without their prefix (``"Kec. Entikong"`` or ``"Entikong"``).
        query
            Shown as the result's query; None: the names joined with ``", "``.
        """
        given = {"desa": desa, "kecamatan": kecamatan, "kabupaten": kabupaten}
        names: dict[Level, str] = {}
        for level, name in given.items():
            if name and str(name).strip():
                key = normalise_place_name(str(name))
                if key:
                    names[level] = key  # type: ignore[index]
        shown = query or ", ".join(str(n) for n in given.values() if n and str(n).strip())
        cache_key = tuple(sorted(names.items()))
        cached = self._cache.get(cache_key)
        if cached is None:
            found, unresolved = self._resolve(names)
            cached = self._remember(cache_key, self._result("", found, unresolved))
        return GeocodeResult(
            shown, cached.status, cached.match, cached.candidates, cached.unresolved
        )

    def geocode(self, query: str) -> GeocodeResult:
        """Locate a code (``61.03.21``) or a free text (``"Ds. Entikong, Kec. Entikong"``).

        Parts are separated by ``,`` or ``;``; a prefix (``Ds.``, ``Kec.``, ``Kab.``,
        ``Kota``) fixes a part's level, other parts are tried at each level (finest first,
        in order), and the reading that finds the most parts wins, with the most confident
        match and then the coarser unit on a tie.
        """
        code = _CODE.match(query or "")
        if code is not None:
            unit = self._units.get(code.group(1))
            if unit is None:
                return GeocodeResult(query, "not_found", unresolved=(code.group(1),))
            return GeocodeResult(query, "exact", self._candidate(unit.code, 1.0))
        cache_key = (("", " ".join(query.casefold().split())),)
        cached = self._cache.get(cache_key)
        if cached is None:
            cached = self._remember(cache_key, self._free_text(query))
        return GeocodeResult(
            query, cached.status, cached.match, cached.candidates, cached.unresolved
        )

    def _remember(self, key: tuple[tuple[str, str], ...], result: GeocodeResult) -> GeocodeResult:
        if len(self._cache) >= _MAX_CACHED:
            self._cache.clear()
        self._cache[key] = result
        return result

    def _free_text(self, query: str) -> GeocodeResult:
        """The best reading of a free text: its parts as separated by commas, and each part
        also cut before its inner prefix words
        (:func:`~geodata.records.parsing.split_at_prefixes`)."""
        parts = re.split(r"[,;\n]+", query)[:_MAX_PARTS]
        split = itertools.product(*(split_at_prefixes(part) for part in parts))
        readings = [[piece for pieces in choice for piece in pieces] for choice in split]
        readings = [reading[:_MAX_PARTS] for reading in readings[:_MAX_READINGS]]
        if parts not in readings:
            readings.append(parts)
        best: tuple[tuple[float, ...], GeocodeResult] | None = None
        for reading in readings:
            ranked = self._read_parts(query, reading)
            if ranked is not None and (best is None or ranked[0] > best[0]):
                best = ranked
        return best[1] if best is not None else GeocodeResult(query, "not_found")

    def _read_parts(
        self, query: str, parts: Sequence[str]
    ) -> tuple[tuple[float, ...], GeocodeResult] | None:
        """The best assignment of ``parts`` to levels, with its rank (None: nothing to read)."""
        fixed: dict[Level, str] = {}
        loose: list[str] = []
        for part in parts:
            level, name = split_place_prefix(part)
            key = normalise_place_name(name, strip_prefix=False)
            if not key or level == "provinsi" or key in _PROVINCE_NAMES:
                continue
            if level is None:
                loose.append(key)
            else:
                fixed[level] = key
        if len(loose) == 1 and not fixed:
            chain = self._on_one_chain(query, loose[0])
            if chain is not None:
                return (_BEST_RANK, chain)
        free = [level for level in _FINE_FIRST if level not in fixed]
        best: tuple[tuple[float, ...], GeocodeResult] | None = None
        for assignment in _assignments(loose, free):
            names = {**fixed, **assignment}
            if not names:
                continue
            found, unresolved = self._resolve(names)
            result = self._result(query, found, unresolved)
            top = result.match or (result.candidates[0] if result.candidates else None)
            rank = (
                float(result.status != "not_found"),
                float(len(names) - len(unresolved)),
                -float(len(unresolved)),
                top.score if top is not None else 0.0,
                float(result.status != "ambiguous"),
                float(_COARSE_FIRST.index(top.level)) * -1 if top is not None else 0.0,
            )
            if best is None or rank > best[0]:
                best = (rank, self._with_skipped(result, loose, assignment))
        return best

    def _with_skipped(
        self, result: GeocodeResult, loose: Sequence[str], used: Mapping[Level, str]
    ) -> GeocodeResult:
        """Name the left-out parts that are places (not a street) as not found there."""
        skipped = tuple(
            part
            for part in loose
            if part not in used.values() and any(part in self._by_key[lv] for lv in LEVELS)
        )
        if not skipped:
            return result
        match = result.match
        if match is not None:
            match = replace(match, score=round(match.score * 0.8 ** len(skipped), 3))
        status = result.status
        if match is not None:
            status = "exact" if match.score >= 1.0 else "fuzzy"
        return replace(result, status=status, match=match, unresolved=result.unresolved + skipped)

    def _on_one_chain(self, query: str, key: str) -> GeocodeResult | None:
        """A lone name found at several levels, all nested (kec. and desa Entikong): the
        coarsest, with the finer ones as candidates."""
        found: dict[str, float] = {}
        for level in _COARSE_FIRST:
            found.update(dict.fromkeys(self._by_key[level].get(key, []), 1.0))
        if len(found) < 2:
            return None
        codes = sorted(found, key=len)
        top = codes[0]
        if len([c for c in codes if len(c) == len(top)]) > 1:
            return None
        if not all(code.startswith(top + ".") for code in codes[1:]):
            return None
        others = tuple(self._candidate(code, 1.0) for code in codes[1:])
        return GeocodeResult(query, "exact", self._candidate(top, 1.0), others)


def _assignments(parts: Sequence[str], levels: Sequence[Level]) -> Iterable[dict[Level, str]]:
    """Ways to give ``parts`` (in order) distinct ``levels`` from fine to coarse, using as many
    parts as possible first; a part may be left out (a street name), last of all every part."""
    for count in range(min(len(parts), len(levels)), 0, -1):
        for chosen_parts in itertools.combinations(range(len(parts)), count):
            for chosen_levels in itertools.combinations(range(len(levels)), count):
                yield {
                    levels[level]: parts[part]
                    for part, level in zip(chosen_parts, chosen_levels, strict=True)
                }
    yield {}


@cache
def _default_index() -> PlaceIndex:
    index = PlaceIndex(reference.load_gazetteer())
    log.info("Indexed %d gazetteer units for place-name lookup", len(index))
    return index


def geocode(query: str, *, index: PlaceIndex | None = None) -> GeocodeResult:
    """Locate a code or a free-text place name in Kalbar's gazetteer.

    Parameters
    ----------
    query
        ``"61.03.21.2003"``, ``"Ds. Entikong, Kec. Entikong, Kab. Sanggau"``, ``"Entikong"``.
    index
        None: :meth:`PlaceIndex.default` (the committed gazetteer).

    Examples
    --------
    >>> geocode("Ds. Entikong, Kec. Entikong, Kab. Sanggau").code
    '61.03.21.2003'
    """
    if not isinstance(query, str):
        raise TypeError(f"`query` should be a str, got {type(query).__name__}")
    return (index or PlaceIndex.default()).geocode(query)


def geocode_many(queries: Iterable[str], *, index: PlaceIndex | None = None) -> list[GeocodeResult]:
    """:func:`geocode` for many queries (repeated queries are looked up once)."""
    index = index or PlaceIndex.default()
    return [index.geocode(query) for query in queries]


# --- command line ---------------------------------------------------------------------------


def _text(result: GeocodeResult, lang: str) -> str:
    lines = [result.query]
    if result.match is not None:
        confidence = format_number(result.confidence, lang, digits=2)
        status = t("geocode.status." + result.status, lang)
        lines.append(
            f"  {result.match.describe(lang)} — {t('geocode.confidence', lang)} "
            f"{confidence} ({status})"
        )
    else:
        lines.append("  " + t("geocode.status." + result.status, lang))
    if result.unresolved:
        lines.append("  " + t("geocode.unresolved", lang, names=", ".join(result.unresolved)))
    if result.candidates:
        lines.append("  " + t("geocode.candidates", lang))
        for candidate in result.candidates[:10]:
            score = format_number(candidate.score, lang, digits=2)
            lines.append(f"    - {candidate.describe(lang)} ({score})")
    return "\n".join(lines)


def _parser() -> Parser:
    parser = Parser(
        prog="python -m geodata.geocode",
        description="Look place names or codes up in the Kalbar gazetteer.",
    )
    parser.add_argument("queries", nargs="+", metavar="QUERY")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--lang", choices=LANGUAGES, default=DEFAULT_LANGUAGE)
    parser.add_argument("--debug", action="store_true", help="log details to stderr")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return 0 if every query was located, 1 if not, 2 on bad usage."""
    args, code = parse(_parser(), argv)
    if args is None:
        return code
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING)
    try:
        results = geocode_many(args.queries)
        if args.json:
            output = json.dumps([r.to_dict() for r in results], ensure_ascii=False, indent=1)
        else:
            output = "\n\n".join(_text(result, args.lang) for result in results)
        print(output)
    except Exception:  # the command line never shows a traceback
        log.debug("geocode failed", exc_info=True)
        print(t("cli.unexpected_error", args.lang), file=sys.stderr)
        return EXIT_INVALID
    return EXIT_OK if all(result.found for result in results) else EXIT_INVALID
