"""The project's exceptions: a small family built on ValueError and TypeError."""

from __future__ import annotations


class GeodataError(ValueError):
    """Base of every value error raised by :mod:`geodata` and :mod:`layers`."""


class SourceError(GeodataError):
    """A raw source file does not have the structure the build expects."""


class ValidationError(GeodataError):
    """A data file failed validation; ``report`` holds every problem found."""

    def __init__(self, message: str, report: object | None = None) -> None:
        super().__init__(message)
        self.report = report


class AccessDeniedError(PermissionError):
    """The caller's role may not read the requested data."""
