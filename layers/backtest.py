"""How good is a ranking? Flag the top units up to a share of the area, score the next period.

Rank units with the data up to a cut-off, flag the best-ranked units until they cover 10 %
(or 20 %) of the area, and count the next period's cases in them:

- **hit rate**: share of the next period's cases that fall in the flagged units;
- **PAI** (Predictive Accuracy Index, Chainey et al. 2008): hit rate divided by the share
  of the area flagged. PAI 1 is no better than chance; higher is better.

Units are flagged in rank order while the flagged area stays within the target share
(the reported ``area_share`` is the share actually flagged, and PAI uses it). Equal scores
are broken by the smaller area first, for every ranking alike; this favours rankings with
many ties (raw counts), so comparisons with the index are conservative.

:func:`backtest` compares the default risk index with ranking by raw case counts and by
cases per km² (raw density, a stronger baseline).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd

from geodata import reference
from geodata.errors import GeodataError
from geodata.i18n import format_date, format_number, t
from geodata.settings import Level
from layers._inputs import check_level, require_frame
from layers.indicators import compute_indicators
from layers.periods import Period
from layers.risk import DEFAULT_NORMALISATION, Normalisation, RiskIndex

log = logging.getLogger(__name__)

#: Shares of the area flagged (the usual 10 % and 20 %).
DEFAULT_AREA_SHARES: Final = (0.10, 0.20)
#: Length of the period scored after the cut-off.
DEFAULT_HORIZON_MONTHS: Final = 12
#: Names of the compared rankings (``method`` column) and their catalogue keys.
METHOD_KEYS: Final = {
    "index": "backtest.method_index",
    "counts": "backtest.method_counts",
    "density": "backtest.method_density",
}
TABLE_COLUMNS: Final = (
    "method",
    "area_share_target",
    "units_flagged",
    "area_share",
    "cases_captured",
    "cases_total",
    "hit_rate",
    "pai",
)


@dataclass(frozen=True)
class BacktestResult:
    """What :func:`backtest` returns.

    Attributes
    ----------
    table
        One row per method and area share: :data:`TABLE_COLUMNS`.
    train, test
        The period ranked on and the period scored.
    units
        Per unit: code, name, area_km2, ``risk_score``, ``cases`` (training period) and
        ``cases_next`` (test period).
    """

    table: pd.DataFrame
    train: Period
    test: Period
    units: pd.DataFrame

    def display_table(self, *, lang: str) -> pd.DataFrame:
        """The table with translated method names and headers, shares in %, for the app."""
        table = self.table
        shown = pd.DataFrame(
            {
                t("backtest.method", lang): [t(METHOD_KEYS[m], lang) for m in table["method"]],
                t("backtest.area_share_target", lang): 100.0 * table["area_share_target"],
                t("backtest.units_flagged", lang): table["units_flagged"],
                t("backtest.area_share", lang): 100.0 * table["area_share"],
                t("backtest.cases_captured", lang): table["cases_captured"].astype("int64"),
                t("backtest.hit_rate", lang): 100.0 * table["hit_rate"],
                t("backtest.pai", lang): table["pai"],
            }
        )
        return shown.round(2)

    def summary(self, *, lang: str, share: float = DEFAULT_AREA_SHARES[0]) -> str:
        """One sentence comparing the index with raw counts at ``share`` of the area."""
        rows = self.table[np.isclose(self.table["area_share_target"], share)]
        hit = dict(zip(rows["method"], rows["hit_rate"].astype(float), strict=True))
        pai = dict(zip(rows["method"], rows["pai"].astype(float), strict=True))
        return t(
            "backtest.summary",
            lang,
            share=format_number(100.0 * share, lang),
            test_start=format_date(self.test.start, lang),
            test_end=format_date(self.test.end, lang),
            index_hit=format_number(100.0 * hit["index"], lang),
            index_pai=format_number(pai["index"], lang, digits=2),
            counts_hit=format_number(100.0 * hit["counts"], lang),
            counts_pai=format_number(pai["counts"], lang, digits=2),
        )

    def gain(self, *, share: float = DEFAULT_AREA_SHARES[0]) -> float:
        """PAI of the index minus PAI of raw counts at ``share`` of the area."""
        rows = self.table[np.isclose(self.table["area_share_target"], share)]
        pai = rows.set_index("method")["pai"]
        return float(pai["index"] - pai["counts"])


def flag_top_area(
    scores: pd.Series | np.ndarray, area_km2: pd.Series | np.ndarray, *, share: float
) -> np.ndarray:
    """Boolean mask of the best-scored units whose total area stays within ``share``.

    Units are taken in order of score (highest first; equal scores smaller area first)
    while the running area is at most ``share`` of the total.
    """
    if not 0 < share <= 1:
        raise GeodataError(f"`share` should be above 0 and at most 1, got {share}")
    score = np.asarray(scores, dtype=float)
    area = np.asarray(area_km2, dtype=float)
    if score.shape != area.shape:
        raise GeodataError("`scores` and `area_km2` should have one value per unit")
    order = np.lexsort((area, -np.nan_to_num(score, nan=-np.inf)))
    running = np.cumsum(area[order])
    # The run stops at the first unit that does not fit: no smaller unit further down the
    # ranking is packed into the space left.
    fits = int(np.searchsorted(running, share * area.sum() * (1 + 1e-12), side="right"))
    flagged = np.zeros(len(score), dtype=bool)
    flagged[order[:fits]] = True
    return flagged


def capture(
    scores: pd.Series | np.ndarray,
    area_km2: pd.Series | np.ndarray,
    future_cases: pd.Series | np.ndarray,
    *,
    share: float,
) -> dict[str, float]:
    """Hit rate and PAI of flagging the top ``share`` of the area by ``scores``.

    Returns
    -------
    dict
        ``units_flagged``, ``area_share`` (actually flagged), ``cases_captured``,
        ``cases_total``, ``hit_rate`` and ``pai`` (NaN when nothing is flagged or there is
        no case to capture).
    """
    flagged = flag_top_area(scores, area_km2, share=share)
    area = np.asarray(area_km2, dtype=float)
    future = np.asarray(future_cases, dtype=float)
    total = float(future.sum())
    captured = float(future[flagged].sum())
    area_share = float(area[flagged].sum() / area.sum())
    hit_rate = captured / total if total > 0 else np.nan
    pai = hit_rate / area_share if area_share > 0 and total > 0 else np.nan
    return {
        "units_flagged": float(flagged.sum()),
        "area_share": area_share,
        "cases_captured": captured,
        "cases_total": total,
        "hit_rate": hit_rate,
        "pai": pai,
    }


def compare_rankings(
    rankings: Mapping[str, pd.Series | np.ndarray],
    *,
    area_km2: pd.Series | np.ndarray,
    future_cases: pd.Series | np.ndarray,
    shares: Sequence[float] = DEFAULT_AREA_SHARES,
) -> pd.DataFrame:
    """:func:`capture` of every ranking at every share, as one table (:data:`TABLE_COLUMNS`)."""
    rows = [
        {"method": method, "area_share_target": share,
         **capture(scores, area_km2, future_cases, share=share)}
        for method, scores in rankings.items()
        for share in shares
    ]  # fmt: skip
    table = pd.DataFrame(rows, columns=list(TABLE_COLUMNS))
    table["units_flagged"] = table["units_flagged"].astype("int64")
    return table


def backtest(
    cases: gpd.GeoDataFrame,
    *,
    cutoff: dt.date,
    level: Level = "kecamatan",
    horizon_months: int = DEFAULT_HORIZON_MONTHS,
    train_start: dt.date | None = None,
    weights: Mapping[str, float] | None = None,
    normalisation: Normalisation = DEFAULT_NORMALISATION,
    units: gpd.GeoDataFrame | None = None,
    crossings: gpd.GeoDataFrame | None = None,
    shelters: gpd.GeoDataFrame | None = None,
    shares: Sequence[float] = DEFAULT_AREA_SHARES,
    population: pd.DataFrame | None = None,
) -> BacktestResult:
    """Rank units on the data up to ``cutoff``, score on the ``horizon_months`` after it.

    Parameters
    ----------
    cases
        All cases, as loaded (not filtered by date).
    cutoff
        Last day of the training data.
    level
        ``{"kabupaten", "kecamatan", "desa"}``; kecamatan is where the area shares mean most.
    horizon_months
        Length of the scored period, starting the day after ``cutoff``.
    train_start
        First day of the training data; ``None``: the first day of the month of the
        earliest date reported.
    weights, normalisation
        Of the index (:class:`layers.risk.RiskIndex`); ``None``: the defaults.
    units, crossings, shelters, population
        As for :func:`layers.indicators.compute_indicators`.
    shares
        Shares of the area flagged.
    """
    check_level(level)
    require_frame(cases, "cases", ("date_reported",))
    if not isinstance(cutoff, dt.date):
        raise TypeError(f"`cutoff` should be a datetime.date, got {type(cutoff).__name__}")
    if horizon_months < 1:
        raise GeodataError(f"`horizon_months` should be 1 or more, got {horizon_months}")
    reported = pd.to_datetime(cases["date_reported"])
    if train_start is None:
        if reported.dropna().empty:
            raise GeodataError("`cases` has no date reported; give `train_start`")
        train_start = reported.min().date().replace(day=1)
    train = Period(train_start, cutoff)
    after = pd.Timestamp(cutoff + dt.timedelta(days=1))
    test = Period(
        after.date(), (after + pd.DateOffset(months=horizon_months)).date() - dt.timedelta(days=1)
    )
    units = reference.load_units(level) if units is None else units
    options = {
        "level": level, "units": units, "crossings": crossings, "shelters": shelters,
        "population": population,
    }  # fmt: skip
    past = compute_indicators(cases, period=train, **options)
    future = compute_indicators(cases, period=test, **options)
    index = RiskIndex(weights, normalisation=normalisation).fit(past)
    rankings = {
        "index": index.scores_["risk_score"],
        "counts": past["cases"],
        "density": past["cases"] / past["area_km2"],  # cases per km², the stronger baseline
    }
    table = compare_rankings(
        rankings, area_km2=past["area_km2"], future_cases=future["cases"], shares=shares
    )
    per_unit = pd.DataFrame(
        {
            "code": past["code"],
            "name": past["name"],
            "area_km2": past["area_km2"],
            "risk_score": index.scores_["risk_score"],
            "cases": past["cases"],
            "cases_next": future["cases"],
        }
    )
    log.info(
        "Backtest %s: train %s–%s, test %s–%s", level, train.start, train.end, test.start, test.end
    )
    return BacktestResult(table=table, train=train, test=test, units=per_unit)
