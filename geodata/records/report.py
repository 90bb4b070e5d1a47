"""Validation problems and the report that collects them, in Indonesian and English.

A :class:`Problem` holds a catalogue code and its parameters, never a sentence:
``problem.message("id")`` builds the text from ``validation.<code>`` in the catalogue,
prefixed by where it happened (file, row, column) and followed by a suggestion when known.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Final, Literal

from geodata.i18n import catalogue, format_number, t
from geodata.settings import DEFAULT_LANGUAGE

Severity = Literal["error", "warning"]
ParamValue = str | int | float | bool | None | Sequence[str]

#: Files whose records are features (QGIS attribute table), not spreadsheet rows.
_FEATURE_SUFFIXES: Final = frozenset({".geojson", ".json", ".gpkg"})
#: Control and text-direction characters, shown as escapes in messages.
_CONTROL: Final = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
#: User text longer than this is cut in messages.
_MAX_VALUE_CHARS: Final = 60


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    # Control characters (a terminal escape, a bell) are shown, not sent to the screen.
    text = _CONTROL.sub(_escaped, text)
    if len(text) <= _MAX_VALUE_CHARS:
        return text
    return text[: _MAX_VALUE_CHARS - 1] + "…"


def _format_param(value: ParamValue, lang: str) -> str:
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int):
        return format_number(value, lang)
    if isinstance(value, float):
        return format_number(value, lang, digits=1)
    if isinstance(value, str):
        return _shorten(value)
    return ", ".join(_shorten(item) for item in value)


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem found in a data file.

    Attributes
    ----------
    file
        Name of the file, as shown to the user.
    row
        Spreadsheet row number of the record (the header is row 1, so the first record is
        row 2) in a CSV file, or the 1-based feature number in a GeoJSON or GeoPackage file;
        ``None`` for a problem of the whole file.
    field
        Column the problem is about, or ``None``.
    code
        Catalogue key under ``validation.``, e.g. ``"not_allowed"``.
    params
        Values for the message placeholders: plain text, numbers and lists of text.
    severity
        ``{"error", "warning"}``: an error rejects the row (or the file), a warning does not.
    """

    file: str
    row: int | None
    field: str | None
    code: str
    params: Mapping[str, ParamValue] = dataclasses.field(default_factory=dict)
    severity: Severity = "error"

    def where(self, lang: str = DEFAULT_LANGUAGE) -> str:
        """Where the problem is, e.g. ``"cases.csv, baris 5, kolom lat (lintang)"``."""
        unit = "feature" if PurePath(self.file).suffix.lower() in _FEATURE_SUFFIXES else "row"
        key = "validation.where." + ("file" if self.row is None else unit)
        if self.field is None:
            return t(key, lang, file=self.file, row=self._row_text(lang))
        row, field = self._row_text(lang), self._field_text(lang)
        return t(key + "_field", lang, file=self.file, row=row, field=field)

    def message(self, lang: str = DEFAULT_LANGUAGE) -> str:
        """The full translated message: where, what was expected and found, how to fix it.

        Parameters
        ----------
        lang
            ``{"id", "en"}``.
        """
        text = f"{self.where(lang)}: {self.text(lang)}"
        hint = self.hint(lang)
        return f"{text} {hint}" if hint else text

    def text(self, lang: str = DEFAULT_LANGUAGE) -> str:
        """What is wrong and how to fix it, without where (``message`` without its prefix)."""
        params = {name: _format_param(value, lang) for name, value in self.params.items()}
        return t("validation." + self.code, lang, **params)

    def hint(self, lang: str = DEFAULT_LANGUAGE) -> str:
        """The suggestion (``Did you mean “labour”?``), or ``""`` when there is none."""
        suggestion = self.params.get("suggestion")
        if not suggestion:
            return ""
        return t("validation.did_you_mean", lang, suggestion=_format_param(suggestion, lang))

    def _row_text(self, lang: str) -> str:
        return "" if self.row is None else format_number(self.row, lang)

    def _field_text(self, lang: str) -> str:
        label_key = f"schema.label.{self.field}"
        label = catalogue(lang).get(label_key)
        return f"{self.field} ({label})" if label and label != self.field else str(self.field)


@dataclass
class Report:
    """Every problem found while loading one or more files, errors and warnings together.

    Attributes
    ----------
    problems
        In the order found; :meth:`to_text` and :meth:`to_records` sort by file and row.
    """

    problems: list[Problem] = dataclasses.field(default_factory=list)

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.problems)

    def __len__(self) -> int:
        return len(self.problems)

    @property
    def ok(self) -> bool:
        """True when there is no error (warnings allowed)."""
        return not self.errors

    @property
    def errors(self) -> list[Problem]:
        """The problems with severity ``"error"``."""
        return [problem for problem in self.problems if problem.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        """The problems with severity ``"warning"``."""
        return [problem for problem in self.problems if problem.severity == "warning"]

    def sorted(self) -> list[Problem]:
        """Problems by file, then whole-file problems, then by row (stable within a row)."""
        return sorted(self.problems, key=lambda p: (p.file, p.row is not None, p.row or 0))

    def summary(self, lang: str = DEFAULT_LANGUAGE) -> str:
        """One line: how many errors and warnings, e.g. ``"2 kesalahan, 1 peringatan."``."""
        if not self.problems:
            return t("validation.summary_none", lang)
        return t(
            "validation.summary",
            lang,
            errors=format_number(len(self.errors), lang),
            warnings=format_number(len(self.warnings), lang),
        )

    def to_text(self, lang: str = DEFAULT_LANGUAGE, *, limit: int | None = None) -> str:
        """The summary, then one line per problem, errors marked apart from warnings.

        Parameters
        ----------
        lang
            ``{"id", "en"}``.
        limit
            Show at most this many problems and say how many more there are.
        """
        problems = self.sorted()
        shown = problems if limit is None else problems[:limit]
        lines = [self.summary(lang)]
        lines += [
            f"[{t('validation.severity.' + p.severity, lang)}] {p.message(lang)}" for p in shown
        ]
        if len(shown) < len(problems):
            more = format_number(len(problems) - len(shown), lang)
            lines.append(t("validation.more", lang, count=more))
        return "\n".join(lines)

    def to_records(self, lang: str = DEFAULT_LANGUAGE) -> list[dict[str, object]]:
        """One dict per problem (file, row, field, code, severity, message), sorted."""
        return [
            {
                "file": p.file,
                "row": p.row,
                "field": p.field,
                "code": p.code,
                "severity": p.severity,
                "message": p.message(lang),
            }
            for p in self.sorted()
        ]

    def to_table(self, lang: str = DEFAULT_LANGUAGE) -> list[dict[str, object]]:
        """One dict per problem for a report table: row, field, severity, problem, suggestion.

        ``severity`` and ``problem`` are translated; ``row`` is None for a whole-file problem.
        """
        return [
            {
                "row": p.row,
                "field": p.field,
                "severity": t("validation.severity." + p.severity, lang),
                "problem": p.text(lang),
                "suggestion": p.hint(lang),
            }
            for p in self.sorted()
        ]

    def to_json(self, lang: str = DEFAULT_LANGUAGE) -> str:
        """:meth:`to_records` as a JSON array (UTF-8 text, not ASCII-escaped)."""
        return json.dumps(self.to_records(lang), ensure_ascii=False, indent=1)
