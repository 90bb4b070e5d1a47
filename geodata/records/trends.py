"""Cases and victims over time and by category, for charts."""

from __future__ import annotations

from typing import Literal

import pandas as pd

from geodata.errors import not_one_of

Frequency = Literal["year", "month"]


def cases_over_time(
    cases: pd.DataFrame, *, frequency: Frequency = "year", victims: str = "victims_selected"
) -> pd.DataFrame:
    """Cases and victims per year or month of report, with empty periods filled with 0.

    Returns a frame with ``period`` (timestamp of the period's start), ``cases``, ``victims``.
    """
    if frequency not in ("year", "month"):
        raise not_one_of("frequency", ("year", "month"), frequency)
    columns = ["period", "cases", "victims"]
    if cases.empty:
        return pd.DataFrame(columns=columns)
    rule = "YS" if frequency == "year" else "MS"
    reported = pd.to_datetime(cases["date_reported"])
    frame = pd.DataFrame({"_date": reported, "victims": cases[victims].to_numpy()})
    counted = frame.resample(rule, on="_date").agg(
        cases=("victims", "size"), victims=("victims", "sum")
    )
    counted = counted.reset_index().rename(columns={"_date": "period"})
    return counted[columns]


def cases_by(
    cases: pd.DataFrame, column: str, *, victims: str = "victims_selected"
) -> pd.DataFrame:
    """Cases and victims per value of ``column``, most cases first."""
    grouped = cases.groupby(column)[victims].agg(cases="size", victims="sum").reset_index()
    return grouped.sort_values(["cases", column], ascending=[False, True], ignore_index=True)
