"""The risk page's data work without Streamlit: rank units, and put results on map units.

:func:`rank_units` computes the indicators of one level and period, says how many cases
the ranking rests on (:func:`layers.risk.ranking_status`) and, when there are enough,
fits the index: the page shows what it returns and merges nothing itself.
:func:`on_units` puts any result (scores, hot spots, change) on the geometry the map draws.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from geodata.settings import Level
from layers.indicators import compute_indicators
from layers.periods import Period
from layers.risk import RankingStatus, RiskIndex, ranking_status

__all__ = [
    "RiskInputs",
    "UnitRanking",
    "backtest_level",
    "hotspot_level",
    "on_units",
    "rank_units",
]


@dataclass(frozen=True)
class RiskInputs:
    """What every view of the risk page computes on.

    Attributes
    ----------
    cases
        Case rows (records, or rows rebuilt from published counts).
    period
        The period counted, compared with ``period.previous()``.
    crossings, shelters
        As :func:`layers.indicators.compute_indicators`.
    data_start
        First day the data covers (counts per year cover whole years); ``None``: from
        ``cases``.
    population
        The office's people per kecamatan or desa
        (:func:`geodata.records.population.unit_population`); ``None`` or empty: estimated from the
        kabupaten totals.
    """

    cases: gpd.GeoDataFrame
    period: Period
    crossings: gpd.GeoDataFrame | None = None
    shelters: gpd.GeoDataFrame | None = None
    data_start: dt.date | None = None
    population: pd.DataFrame | None = None

    def indicators(self, level: Level) -> gpd.GeoDataFrame:
        """The indicators of every unit of ``level`` (:func:`compute_indicators`)."""
        return compute_indicators(
            self.cases,
            level=level,
            period=self.period,
            crossings=self.crossings,
            shelters=self.shelters,
            data_start=self.data_start,
            population=self.population,
        )


@dataclass(frozen=True)
class UnitRanking:
    """Units of one level ranked by the risk index, or why they are not.

    Attributes
    ----------
    indicators
        The indicators of every unit.
    status
        How many cases the ranking rests on; show ``status.message(lang)``.
    index
        The fitted index, or ``None`` when ``status.ok`` is false (no ranking to show).
    """

    indicators: gpd.GeoDataFrame
    status: RankingStatus
    index: RiskIndex | None

    def ranked(self) -> gpd.GeoDataFrame:
        """The index's scores, first rank first (empty without an index)."""
        if self.index is None:
            return self.indicators.iloc[0:0]
        return self.index.scores_.sort_values("risk_rank")

    def labels(self) -> dict[str, str]:
        """``{code: "1. Name"}`` in rank order, for a list of the units (empty without an index)."""
        if self.index is None:
            return {}
        ranked = self.ranked()
        return {
            code: f"{rank}. {name}"
            for code, name, rank in zip(
                ranked["code"], ranked["name"], ranked["risk_rank"], strict=True
            )
        }


def rank_units(inputs: RiskInputs, *, level: Level, weights: Mapping[str, float]) -> UnitRanking:
    """The indicators of ``level``, their ranking status and, when it is ok, the fitted index."""
    indicators = inputs.indicators(level)
    status = ranking_status(indicators)
    index = RiskIndex(weights).fit(indicators) if status.ok else None
    return UnitRanking(indicators, status, index)


def on_units(units: gpd.GeoDataFrame, result: pd.DataFrame) -> gpd.GeoDataFrame:
    """``result``'s rows on the geometry of ``units`` (e.g. the simplified web layer).

    Joined by ``code``; a unit or row that is not in both is left out. The geometry of
    ``result``, if any, is dropped for that of ``units``.
    """
    values = pd.DataFrame(result).drop(columns="geometry", errors="ignore")
    return units[["code", "geometry"]].merge(values, on="code", how="inner")


def hotspot_level(level: Level) -> Level:
    """The level hot spots are looked for at: desa when desa are shown, else kecamatan."""
    return "desa" if level == "desa" else "kecamatan"


def backtest_level(level: Level) -> Level:
    """The level the backtest scores: kecamatan when kabupaten are shown, else ``level``."""
    return "kecamatan" if level == "kabupaten" else level
