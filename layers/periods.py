"""Periods of days compared with the period before: one class for every analysis.

:class:`Period` is what the risk indicators, the patrol ranking and the weekly briefing
count cases in. ``previous()`` compares whole calendar months with the same months before
(the year 2025 with 2024, leap day included), and any other span with as many days just
before it (an ISO week with the week before).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

import pandas as pd

from geodata.errors import GeodataError

__all__ = ["DEFAULT_PERIOD_DAYS", "DEFAULT_PERIOD_MONTHS", "Period"]

#: Length of the risk period when its start is not given: the last 12 calendar months of data.
DEFAULT_PERIOD_MONTHS: Final = 12
#: Length of the patrol period when no start date is given (days up to the latest case).
DEFAULT_PERIOD_DAYS: Final = 365


@dataclass(frozen=True)
class Period:
    """A span of days, both ends included, by date reported.

    Attributes
    ----------
    start, end
        First and last day (inclusive).
    """

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            value = getattr(self, name)
            if not isinstance(value, dt.date):
                raise TypeError(f"`{name}` should be a datetime.date, got {type(value).__name__}")
            if isinstance(value, dt.datetime):
                object.__setattr__(self, name, value.date())
        if self.end < self.start:
            raise GeodataError(
                f"`end` ({self.end}) should not be before `start` ({self.start}); swap them"
            )

    @property
    def days(self) -> int:
        """Number of days, both ends included."""
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same length just before this one.

        A period of whole calendar months (e.g. the year 2025) is compared with the same
        months before (2024), so leap days do not shift it; any other with as many days.
        """
        months = _whole_months(self.start, self.end)
        if months is not None:
            start = (pd.Timestamp(self.start) - pd.DateOffset(months=months)).date()
            return Period(start, self.start - dt.timedelta(days=1))
        end = self.start - dt.timedelta(days=1)
        return Period(end - dt.timedelta(days=self.days - 1), end)

    def contains(self, dates: pd.Series) -> pd.Series:
        """Boolean mask of the ``dates`` (datetime64) that fall in the period."""
        days = pd.to_datetime(dates).dt.normalize()
        return (days >= pd.Timestamp(self.start)) & (days <= pd.Timestamp(self.end))

    @classmethod
    def iso_week(cls, week: str) -> Period:
        """The Monday-to-Sunday ISO week written as ``"2025-W23"``."""
        try:
            year, number = week.upper().split("-W")
            start = dt.date.fromisocalendar(int(year), int(number), 1)
        except ValueError as error:
            raise GeodataError(
                f"`week` should be an ISO week such as '2025-W23', got {week!r}"
            ) from error
        return cls(start, start + dt.timedelta(days=6))

    @classmethod
    def ending(cls, end: dt.date, *, days: int = DEFAULT_PERIOD_DAYS) -> Period:
        """The ``days`` days that end on ``end``."""
        return cls(end - dt.timedelta(days=days - 1), end)

    @classmethod
    def latest(cls, cases: pd.DataFrame, *, days: int = DEFAULT_PERIOD_DAYS) -> Period:
        """The ``days`` days that end on the latest ``date_reported`` of ``cases``."""
        latest = pd.to_datetime(cases["date_reported"]).max()
        if pd.isna(latest):
            raise GeodataError("`cases` has no dated case; pass a period explicitly")
        return cls.ending(latest.date(), days=days)

    @classmethod
    def from_cases(
        cls,
        cases: pd.DataFrame,
        *,
        start: dt.date | None = None,
        end: dt.date | None = None,
        months: int = DEFAULT_PERIOD_MONTHS,
    ) -> Period:
        """The period from ``start`` to ``end``, missing ends filled from ``cases``.

        ``end`` defaults to the last day of the month of the latest date reported;
        ``start`` to ``months`` months before ``end`` (so with neither: the last 12
        calendar months of data, e.g. the year 2025 when the latest case is of December).
        """
        if months < 1:
            raise GeodataError(f"`months` should be 1 or more, got {months}")
        if end is None:
            reported = pd.to_datetime(cases["date_reported"]).dropna()
            if reported.empty:
                raise GeodataError(
                    "`cases` has no date reported, so the period cannot default to the last "
                    "months of data; give `start` and `end`"
                )
            latest = reported.max()
            end = (latest + pd.offsets.MonthEnd(0)).date()
        if start is None:
            after = pd.Timestamp(end + dt.timedelta(days=1))
            start = (after - pd.DateOffset(months=months)).date()
        return cls(start, end)


def _whole_months(start: dt.date, end: dt.date) -> int | None:
    """Number of calendar months if the period is whole months, else None."""
    if start.day != 1 or (end + dt.timedelta(days=1)).day != 1:
        return None
    return (end.year - start.year) * 12 + end.month - start.month + 1
