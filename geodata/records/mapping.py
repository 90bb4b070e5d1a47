"""Match a file's headers to the columns of a record type, and remember confirmed matches.

:func:`suggest_mapping` proposes a target for every header, best method first:

1. ``explicit``: the caller's mapping (the user chose it);
2. ``remembered``: a mapping confirmed before for exactly these headers;
3. ``exact``: the column name itself (``case_id``, ``Case ID``);
4. ``alias``: a known spelling (``tanggal lapor``, ``lintang``, ``kode wilayah``; see
   :data:`geodata.records.schemas.HEADER_ALIASES`);
5. ``fuzzy``: the most similar name or alias (rapidfuzz), applied from
   :data:`FUZZY_APPLY` up; weaker ones are only offered as a ``suggestion``.

A confirmed mapping is stored per header signature (the headers, normalised and sorted)
in a small JSON file (:func:`mappings_path`) by :func:`remember_mapping`, so the next file with
the same headers maps itself (:func:`recall_mapping`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import os
import re
import tempfile
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

from rapidfuzz import fuzz, process

from geodata.errors import ArgumentError, not_one_of
from geodata.records.schemas import HEADER_ALIASES, PLACE_COLUMNS, SCHEMAS, Entity, Schema
from geodata.settings import COLUMN_MAPPINGS_ENV, COLUMN_MAPPINGS_FILE

log = logging.getLogger(__name__)

Method = Literal["explicit", "remembered", "exact", "alias", "fuzzy", "none"]
_PRIORITY: Final[dict[Method, int]] = {
    "explicit": 5,
    "remembered": 4,
    "exact": 3,
    "alias": 3,  # a known spelling is as definite as the name: two of them are a duplicate
    "fuzzy": 1,
    "none": 0,
}
#: Fuzzy matches from this similarity (0–1) up are applied (with a warning); weaker ones
#: down to :data:`FUZZY_SUGGEST` are only suggested.
FUZZY_APPLY: Final = 0.85
FUZZY_SUGGEST: Final = 0.7
#: Most mappings kept in the JSON file (the oldest are dropped).
MAX_REMEMBERED: Final = 200
_FILE_VERSION: Final = 1


def header_words(header: str) -> str:
    """A header reduced for matching: no accents, case, brackets or punctuation.

    ``"Tanggal Lapor"`` → ``"tanggal lapor"``; ``"Lintang (LU/LS)"`` → ``"lintang"``;
    ``"case_id"`` → ``"case id"``; ``"Desa/Kel."`` → ``"desa kel"``.
    """
    plain = unicodedata.normalize("NFKD", str(header))
    plain = "".join(c for c in plain if not unicodedata.combining(c)).casefold()
    plain = re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", plain)
    return " ".join(re.sub(r"[\W_]+", " ", plain).split())


def mapping_targets(entity: Entity) -> tuple[str, ...]:
    """Columns a header may map to: the schema's fields, and place names for admin codes."""
    schema = _schema(entity)
    places = PLACE_COLUMNS if "admin_code" in schema.names else ()
    return schema.names + places


@dataclass(frozen=True, slots=True)
class ColumnMatch:
    """What one header of a file was matched to.

    Attributes
    ----------
    header
        The header as written in the file.
    target
        A column of :func:`mapping_targets`, or None (the column is ignored).
    method
        ``{"explicit", "remembered", "exact", "alias", "fuzzy", "none"}``.
    score
        Similarity 0–1 (1 for exact, alias, remembered and explicit matches).
    suggestion
        For an unmatched header, the most similar target below the apply threshold.
    """

    header: str
    target: str | None
    method: Method
    score: float = 1.0
    suggestion: str | None = None


@dataclass(frozen=True)
class ColumnMapping:
    """Every header of a file and its target column.

    Attributes
    ----------
    entity
        The record type mapped to.
    matches
        One per header, in the file's column order.
    """

    entity: Entity
    matches: tuple[ColumnMatch, ...]

    @property
    def headers(self) -> tuple[str, ...]:
        """The headers in file order."""
        return tuple(match.header for match in self.matches)

    @property
    def mapping(self) -> dict[str, str | None]:
        """Header → target (None: ignored), the form :func:`remember_mapping` stores."""
        return {match.header: match.target for match in self.matches}

    @property
    def renames(self) -> dict[str, str]:
        """Header → target for the mapped headers only."""
        return {m.header: m.target for m in self.matches if m.target is not None}

    @property
    def missing(self) -> tuple[str, ...]:
        """Required columns no header maps to."""
        mapped = set(self.renames.values())
        return tuple(name for name in _schema(self.entity).required_columns if name not in mapped)

    @property
    def duplicates(self) -> dict[str, tuple[str, ...]]:
        """Targets that two or more headers map to equally well (the file is ambiguous)."""
        by_target: dict[str, list[str]] = {}
        for match in self.matches:
            if match.target is not None:
                by_target.setdefault(match.target, []).append(match.header)
        return {target: tuple(h) for target, h in by_target.items() if len(h) > 1}

    @property
    def signature(self) -> str:
        """The key under which this file's headers are remembered."""
        return header_signature(self.headers, entity=self.entity)


def _schema(entity: Entity) -> Schema:
    if entity not in SCHEMAS:
        raise not_one_of("entity", SCHEMAS, entity)
    return SCHEMAS[entity]


def header_signature(headers: Sequence[str], *, entity: Entity) -> str:
    """A stable key for a set of headers: record type and hash of the sorted normalised names."""
    _schema(entity)
    words = sorted(header_words(header) for header in headers)
    digest = hashlib.sha256("\x1f".join(words).encode("utf-8")).hexdigest()[:16]
    return f"{entity}:{digest}"


@dataclass(frozen=True)
class _Vocabulary:
    """Exact names and aliases of one record type, by normalised words."""

    exact: dict[str, str]
    aliases: dict[str, str]

    @property
    def choices(self) -> list[str]:
        return list(self.exact) + list(self.aliases)

    def target(self, words: str) -> str:
        return self.exact.get(words) or self.aliases[words]


def _vocabulary(entity: Entity) -> _Vocabulary:
    targets = mapping_targets(entity)
    exact = {header_words(name): name for name in targets}
    aliases = {
        words: target
        for words, target in HEADER_ALIASES.get(entity, {}).items()
        if target in targets and words not in exact
    }
    return _Vocabulary(exact, aliases)


def _match_one(header: str, vocabulary: _Vocabulary) -> ColumnMatch:
    words = header_words(header)
    if words in vocabulary.exact:
        return ColumnMatch(header, vocabulary.exact[words], "exact")
    if words in vocabulary.aliases:
        return ColumnMatch(header, vocabulary.aliases[words], "alias")
    if not words:
        return ColumnMatch(header, None, "none", 0.0)
    best = process.extractOne(
        words, vocabulary.choices, scorer=fuzz.ratio, score_cutoff=FUZZY_SUGGEST * 100
    )
    if best is None:
        return ColumnMatch(header, None, "none", 0.0)
    score = round(float(best[1]) / 100, 3)
    target = vocabulary.target(str(best[0]))
    if score >= FUZZY_APPLY:
        return ColumnMatch(header, target, "fuzzy", score)
    return ColumnMatch(header, None, "none", score, suggestion=target)


def suggest_mapping(
    headers: Sequence[str],
    *,
    entity: Entity,
    explicit: Mapping[str, str | None] | None = None,
    remembered: Mapping[str, str | None] | None = None,
) -> ColumnMapping:
    """Propose a target column for each header.

    Parameters
    ----------
    headers
        The file's headers, in order.
    entity
        ``{"case", "crossing", "shelter"}``.
    explicit
        Header → target (or None to ignore the column) chosen by the user; wins over all.
    remembered
        A mapping confirmed before for these headers (:func:`recall_mapping`).

    Returns
    -------
    ColumnMapping
        When two headers map to the same target, the better method keeps it and the other
        is left unmapped (with the target as its suggestion); equally good ones are kept and
        listed in :attr:`ColumnMapping.duplicates`.

    Raises
    ------
    ValueError
        If ``explicit`` names a target that is not a column of the record type.
    """
    targets = set(mapping_targets(entity))
    wrong = sorted(str(t) for t in (explicit or {}).values() if t and t not in targets)
    if wrong:
        raise ArgumentError(
            f"`explicit` should map headers to columns of {entity} "
            f"({', '.join(sorted(targets))}) or None, got {wrong}"
        )
    vocabulary = _vocabulary(entity)
    matches: list[ColumnMatch] = []
    for header in headers:
        if explicit is not None and header in explicit:
            matches.append(ColumnMatch(header, explicit[header], "explicit"))
        elif remembered is not None and header in remembered:
            target = remembered[header]
            target = target if target in targets else None
            matches.append(ColumnMatch(header, target, "remembered"))
        else:
            matches.append(_match_one(header, vocabulary))
    return ColumnMapping(entity, _settle(matches))


def _settle(matches: list[ColumnMatch]) -> tuple[ColumnMatch, ...]:
    """Keep the best claim on each target; weaker claims become suggestions."""
    best: dict[str, tuple[int, float]] = {}
    for match in matches:
        if match.target is not None:
            rank = (_PRIORITY[match.method], match.score)
            best[match.target] = max(best.get(match.target, rank), rank)
    settled = []
    for match in matches:
        if match.target is None or (_PRIORITY[match.method], match.score) >= best[match.target]:
            settled.append(match)
        else:
            settled.append(ColumnMatch(match.header, None, "none", match.score, match.target))
    return tuple(settled)


def guess_entity(
    headers: Sequence[str], *, explicit: Mapping[str, str | None] | None = None
) -> Entity | None:
    """The record type whose columns the headers match best, or None if unclear.

    Each matched column counts 1, a required one 2 and the ID column 4 (place-name columns
    do not count); the best record type must score at least 4 and beat the others. With an
    ``explicit`` mapping, only record types that have all its target columns are considered.
    """
    scores: dict[Entity, int] = {}
    for entity, schema in SCHEMAS.items():
        targets = set(mapping_targets(entity))
        if any(
            target is not None and target not in targets for target in (explicit or {}).values()
        ):
            continue
        renames = suggest_mapping(headers, entity=entity, explicit=explicit).renames.values()
        score = 0
        for target in set(renames) & set(schema.names):
            field = schema.field(target)
            score += 4 if target == schema.id_field else 2 if field.required else 1
        scores[entity] = score
    if not scores:
        return None
    best = max(scores, key=scores.__getitem__)
    others = [score for entity, score in scores.items() if entity != best]
    return best if scores[best] >= 4 and scores[best] > max(others, default=-1) else None


# --- remembered mappings --------------------------------------------------------------------


def mappings_path() -> Path:
    """The JSON file of remembered mappings: ``$KALBAR_COLUMN_MAPPINGS`` or the default."""
    configured = os.environ.get(COLUMN_MAPPINGS_ENV)
    return Path(configured).expanduser() if configured else COLUMN_MAPPINGS_FILE


def _load(path: Path) -> dict[str, dict[str, object]]:
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        log.warning("Ignoring unreadable column mappings in %s: %s", path, error)
        return {}
    entries = content.get("mappings") if isinstance(content, dict) else None
    if not isinstance(entries, dict):
        log.warning("Ignoring column mappings in %s: unexpected content", path)
        return {}
    return {key: value for key, value in entries.items() if isinstance(value, dict)}


def recall_mapping(
    headers: Sequence[str], *, entity: Entity, path: Path | None = None
) -> dict[str, str | None] | None:
    """The mapping confirmed before for exactly these headers, or None.

    An unreadable or damaged file counts as empty (logged), never as an error.
    """
    entry = _load(path or mappings_path()).get(header_signature(headers, entity=entity))
    mapping = entry.get("mapping") if entry else None
    if not isinstance(mapping, dict):
        return None
    return {
        str(header): (str(target) if isinstance(target, str) else None)
        for header, target in mapping.items()
        if header in headers
    }


def remember_mapping(
    headers: Sequence[str],
    mapping: Mapping[str, str | None],
    *,
    entity: Entity,
    path: Path | None = None,
) -> Path:
    """Store a confirmed mapping for these headers (atomically); return the file written.

    Parameters
    ----------
    headers
        The file's headers.
    mapping
        Header → target or None, e.g. :attr:`ColumnMapping.mapping`.
    entity
        The record type.
    path
        The JSON file; None: :func:`mappings_path`. Its folder is created (mode 0700).
    """
    targets = set(mapping_targets(entity))
    wrong = sorted(str(t) for t in mapping.values() if t is not None and t not in targets)
    if wrong:
        raise ArgumentError(
            f"`mapping` should map to columns of {entity} ({', '.join(sorted(targets))}), "
            f"got {wrong}; fix or drop those"
        )
    path = path or mappings_path()
    entries = _load(path)
    key = header_signature(headers, entity=entity)
    entries.pop(key, None)
    entries[key] = {
        "entity": entity,
        "headers": list(headers),
        "mapping": {header: mapping.get(header) for header in headers},
        "saved": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    while len(entries) > MAX_REMEMBERED:
        entries.pop(next(iter(entries)))
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    text = json.dumps({"version": _FILE_VERSION, "mappings": entries}, ensure_ascii=False, indent=1)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".mappings-", suffix=".json")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    log.info("Remembered the %s column mapping %s in %s", entity, key, path)
    return path
