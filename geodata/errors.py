"""Every exception the project raises on purpose, in one public module.

A small family, so a caller catches what it can handle and a user reads what to do::

    ValueError
    └── GeodataError                 any value the data layer or an analysis refuses
        ├── ArgumentError            an argument is not one of the accepted values
        ├── AccountError             a user account change breaks a rule (password, name)
        ├── ConfigError              the configuration file or a setting is invalid
        ├── SourceError              a raw source file lacks the structure the build expects
        ├── ValidationError          a data file failed validation (``report``)
        │   └── DuplicateRecordError an added record's id is held already
        └── StoreError               the store cannot do what was asked
            ├── RecordNotFoundError  (also a KeyError) no current record has the id
            └── BackupRefusedError   a backup failed a check; nothing changed (``report``)
    PermissionError
    └── AccessDeniedError            the caller's role may not read the data
        ├── DemoDataError            demo mode was given records that are not synthetic
        └── AuthenticationError      wrong name or password, disabled or locked user
            └── SessionExpiredError  the session ended: log in again

A wrong type stays a plain ``TypeError``. Every message says what was expected, what came
and what to do; :func:`not_one_of` writes the most common one. All of them are
``ValueError`` (or ``PermissionError``), so code that caught those keeps working.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from geodata.records.report import Report

__all__ = [
    "AccessDeniedError",
    "AccountError",
    "ArgumentError",
    "AuthenticationError",
    "BackupRefusedError",
    "ConfigError",
    "DemoDataError",
    "DuplicateRecordError",
    "GeodataError",
    "RecordNotFoundError",
    "SessionExpiredError",
    "SourceError",
    "StoreError",
    "ValidationError",
    "not_one_of",
]


class GeodataError(ValueError):
    """Base of every value error raised by :mod:`geodata` and :mod:`layers`."""


class ArgumentError(GeodataError):
    """An argument (of a function, a command line or a form) is not an accepted value."""


class AccountError(GeodataError):
    """A user account change breaks a rule: password too short, name taken, last admin."""


class ConfigError(GeodataError):
    """The configuration file or a setting is invalid."""


class SourceError(GeodataError):
    """A raw source file does not have the structure the build expects."""


class ValidationError(GeodataError):
    """A data file failed validation; ``report`` holds every problem found."""

    def __init__(self, message: str, report: object | None = None) -> None:
        super().__init__(message)
        self.report = report


class DuplicateRecordError(ValidationError):
    """An imported or added record has an id that the store already holds."""


class StoreError(GeodataError):
    """The store cannot do what was asked (missing, newer, or unreachable database)."""


class RecordNotFoundError(StoreError, KeyError):
    """No (current) record has the given id."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class BackupRefusedError(StoreError):
    """A backup failed a check before :meth:`Store.restore`; nothing changed.

    ``report`` lists every reason (catalogue codes, so it reads in both languages);
    :meth:`message` is the translated text for the administrator.
    """

    def __init__(self, file: str, report: Report) -> None:
        self.file = file
        self.report = report
        super().__init__(self.message("en"))

    def message(self, lang: str | None = None) -> str:
        """``store.backup_refused`` followed by every problem, in ``lang`` ``{"id", "en"}``.

        ``None`` is the default language.
        """
        from geodata.i18n import t  # the catalogue imports this module
        from geodata.settings import DEFAULT_LANGUAGE

        lang = DEFAULT_LANGUAGE if lang is None else lang
        headline = t("store.backup_refused", lang, file=self.file)
        return f"{headline}\n{self.report.to_text(lang, limit=20)}"


class AccessDeniedError(PermissionError):
    """The caller's role may not read the requested data."""


class DemoDataError(AccessDeniedError):
    """The demo mode was given records that are not synthetic."""


class AuthenticationError(AccessDeniedError):
    """Wrong user name or password, disabled or locked user: one message for all of them."""

    key = "auth.login_failed"


class SessionExpiredError(AuthenticationError):
    """The session token is unknown, ended or expired: log in again."""

    key = "auth.session_expired"


def not_one_of(name: str, allowed: Iterable[object], got: object) -> ArgumentError:
    """The error for an argument that is not one of ``allowed``: expected, got and the fix.

    >>> str(not_one_of("fmt", ["csv", "xlsx"], "pdf"))
    "`fmt` should be one of 'csv', 'xlsx', got 'pdf'; pass one of them"
    """
    choices = ", ".join(repr(value) for value in sorted(allowed, key=str))
    return ArgumentError(f"`{name}` should be one of {choices}, got {got!r}; pass one of them")
