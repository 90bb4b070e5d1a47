"""Composite risk index per unit, with each indicator's contribution, a map and a CLI.

:class:`RiskIndex` turns the indicators of :func:`layers.indicators.compute_indicators` into
one score from 0 to 100 per unit: every weighted indicator is transformed to 0–1 on a scale
that keeps magnitudes (a log scale over three orders of magnitude; border distances by a fixed
decay in km), case-driven indicators are 0 for a unit without a case in the period, and the
weighted values are summed. ``explanation_`` gives, per unit and indicator, the value with its
unit, the transformed value, the weight and the points; a unit's points add up to its score.
:func:`ranking_status` says how many cases a ranking rests on (none: show no ranking). Method,
defaults and reasons: ``layers/RISK_METHOD.md``.

Command line (prints one row per unit, by rank)::

    python -m layers.risk --cases FILE --level {kabupaten,kecamatan,desa}
        [--from DATE --to DATE] [--weights k=v,...] [--explain] --format {csv,json}
        [--lang {id,en}]

Examples
--------
>>> from geodata.records.datasets import load_sample
>>> from layers.indicators import compute_indicators
>>> sample = load_sample()
>>> indicators = compute_indicators(sample.cases, level="kabupaten",
...                                 crossings=sample.crossings, shelters=sample.shelters)
>>> index = RiskIndex().fit(indicators)
>>> int(index.scores_["risk_rank"].min()), len(index.scores_)
(1, 14)
"""

from __future__ import annotations

import argparse
import datetime as dt
import difflib
import math
import numbers
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from geodata.errors import GeodataError
from geodata.i18n import format_date, format_number, t
from geodata.records.loaders import load_cases, load_crossings, load_shelters
from geodata.records.population import population_note, read_population
from geodata.settings import DEFAULT_LANGUAGE, LANGUAGES, LEVELS, SAMPLE_DIR, Level
from layers._html import html_table
from layers._inputs import check_choice, require_frame
from layers.indicators import (
    DEFAULT_NEAR_KM,
    INDICATOR_COLUMNS,
    compute_indicators,
)
from layers.periods import Period

if TYPE_CHECKING:
    import altair as alt
    import folium

    from layers.choropleth import Classes, Scheme

Normalisation = Literal["log", "rank", "minmax"]
NORMALISATIONS: Final = ("log", "rank", "minmax")

#: Indicators that may carry a weight (columns of :func:`compute_indicators`).
WEIGHTABLE: Final = (
    "cases",
    "victims",
    "cases_per_100k",
    "victims_per_100k",
    "cases_rate_eb_per_100k",
    "victims_rate_eb_per_100k",
    "cases_eb_per_100km2",
    "cases_change",
    "cases_change_pct",
    "unofficial_crossings",
    "unofficial_crossings_near",
    "dist_border_km",
    "centre_dist_border_km",
    "shelter_dist_km",
)
#: Indicators where a *lower* value means more risk (closer to the border).
LOWER_IS_RISKIER: Final = frozenset({"dist_border_km", "centre_dist_border_km"})

#: Default weights (they sum to 1; any others are rescaled), chosen on simulated worlds by
#: the backtest against raw counts and cases per km² (RISK_METHOD.md 2.2): the smoothed case
#: density says best where the next cases will be; the border term is kept because it costs
#: nothing there and carries the route. Every other indicator (rate, crossings, change,
#: victims, shelter distance) is shown and can be weighted by the user, but weighs nothing
#: by default: the simulations cannot show what they add.
DEFAULT_WEIGHTS: Final[Mapping[str, float]] = {
    "cases_eb_per_100km2": 0.9,
    "centre_dist_border_km": 0.1,
}
#: Default normalisation: a log scale over three orders of magnitude below the top unit,
#: which keeps magnitudes (a tenfold difference is a third of the scale, not one rank step).
DEFAULT_NORMALISATION: Final[Normalisation] = "log"
#: Indicators driven by the period's cases: 0 for a unit with no case in the period.
CASE_DRIVEN: Final = frozenset(
    {
        "cases",
        "victims",
        "cases_per_100k",
        "victims_per_100k",
        "cases_rate_eb_per_100k",
        "victims_rate_eb_per_100k",
        "cases_eb_per_100km2",
        "cases_change",
        "cases_change_pct",
    }
)
#: Orders of magnitude the ``"log"`` scale spans below the top unit (:func:`log_reference`).
LOG_DECADES: Final = 3
#: Distance (km) over which border closeness falls to 1/e on the ``"log"`` scale:
#: ``exp(-km / 25)`` gives 0.67 at 10 km, 0.14 at 50 km and 0.02 at 100 km.
BORDER_DECAY_KM: Final = 25.0
#: Unit of each weightable indicator (its label: :data:`UNIT_KEYS`).
INDICATOR_UNITS: Final[Mapping[str, str]] = {
    "cases": "cases",
    "victims": "victims",
    "cases_per_100k": "per_100k",
    "victims_per_100k": "per_100k",
    "cases_rate_eb_per_100k": "per_100k",
    "victims_rate_eb_per_100k": "per_100k",
    "cases_eb_per_100km2": "per_100km2",
    "cases_change": "cases",
    "cases_change_pct": "percent",
    "unofficial_crossings": "crossings",
    "unofficial_crossings_near": "crossings",
    "dist_border_km": "km",
    "centre_dist_border_km": "km",
    "shelter_dist_km": "km",
}
#: Catalogue key of each unit of :data:`INDICATOR_UNITS`.
UNIT_KEYS: Final[Mapping[str, str]] = {
    "cases": "risk.unit_cases",
    "victims": "risk.unit_victims",
    "per_100k": "risk.unit_per_100k",
    "per_100km2": "risk.unit_per_100km2",
    "percent": "risk.unit_percent",
    "crossings": "risk.unit_crossings",
    "km": "risk.unit_km",
}
#: Columns of the long contribution frame.
CONTRIBUTION_COLUMNS: Final = (
    "code", "name", "indicator", "value", "normalised", "weight", "contribution",
)  # fmt: skip
#: Columns of the explanation frame (:attr:`RiskIndex.explanation_`).
EXPLANATION_COLUMNS: Final = (
    "code", "name", "indicator", "value", "unit", "rule", "reference", "transformed",
    "weight", "points",
)  # fmt: skip
#: Columns the CLI prints, in order.
OUTPUT_COLUMNS: Final = ("code", "name", *INDICATOR_COLUMNS, "risk_score", "risk_rank")


def check_weights(weights: Mapping[str, float]) -> dict[str, float]:
    """Validate ``weights`` and return them rescaled to sum to 1 (zero weights dropped).

    Raises
    ------
    GeodataError
        Every unknown indicator and bad value at once, with the allowed names.
    """
    if not isinstance(weights, Mapping):
        raise TypeError(f"`weights` should be a mapping, got {type(weights).__name__}")
    problems = []
    for name, value in weights.items():
        if name not in WEIGHTABLE:
            close = difflib.get_close_matches(str(name), WEIGHTABLE, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(f"unknown indicator {name!r}{hint}")
        elif isinstance(value, bool) or not isinstance(value, numbers.Real):
            problems.append(f"{name}={value!r} is not a number")
        elif not math.isfinite(value) or value < 0:
            problems.append(f"{name}={value!r} should be zero or more")
    if problems:
        raise GeodataError(
            f"`weights` has problems: {'; '.join(problems)}. "
            f"Indicators that take a weight: {', '.join(WEIGHTABLE)}"
        )
    total = float(sum(weights.values()))
    if total <= 0:
        raise GeodataError("`weights` should give at least one indicator a weight above zero")
    return {name: float(value) / total for name, value in weights.items() if value > 0}


def normalise(
    values: pd.Series,
    *,
    method: Normalisation = "log",
    lower_is_riskier: bool = False,
    reference: float | None = None,
) -> pd.Series:
    """Scale ``values`` to 0–1, 1 for the riskiest unit; NaN and constant columns give 0.

    Parameters
    ----------
    method
        ``"log"`` (default, keeps magnitudes): ``log1p(x / ref) / log1p(max / ref)`` with
        negative values taken as 0 and ``ref`` the largest value ÷ 1,000 (see
        :func:`log_reference`), so each tenfold step is about a third of the scale; with
        ``lower_is_riskier`` (distances, km) the fixed decay ``exp(-x / BORDER_DECAY_KM)``.
        ``"minmax"``: ``(x - min) / (max - min)``; ``"rank"``: percentile rank
        ``(rank - 1) / (n - 1)``, ties at their lowest rank.
    lower_is_riskier
        Reverse the scale (for distances to the border).
    reference
        ``ref`` of the ``"log"`` scale, in the unit of ``values``; ``None``:
        :func:`log_reference`.
    """
    check_choice(method, "method", NORMALISATIONS)
    x = values.astype(float)
    if method == "log":
        if lower_is_riskier:
            return pd.Series(np.exp(-x.clip(lower=0) / BORDER_DECAY_KM), index=x.index).fillna(0.0)
        x = x.clip(lower=0)
        ref = log_reference(x) if reference is None else reference
        high = x.max()
        if not (ref > 0 and high > 0):
            return pd.Series(0.0, index=values.index)
        return pd.Series(np.log1p(x / ref) / math.log1p(high / ref), index=x.index).fillna(0.0)
    if lower_is_riskier:
        x = -x
    low, high = x.min(), x.max()
    if x.notna().sum() < 2 or not high > low:
        return pd.Series(0.0, index=values.index)
    if method == "minmax":
        scaled = (x - low) / (high - low)
    else:
        scaled = (x.rank(method="min") - 1) / (x.notna().sum() - 1)
    return scaled.fillna(0.0)


def log_reference(values: pd.Series) -> float:
    """Reference ``ref`` of the ``"log"`` scale: the largest value ÷ 10^:data:`LOG_DECADES`.

    ``log1p(x / ref) / log1p(max / ref)`` then spans :data:`LOG_DECADES` orders of magnitude
    below the top unit: each tenfold step is about a third of the scale, a unit at a
    thousandth of the top is near 0, and 0 stays 0.
    """
    high = values.astype(float).clip(lower=0).max()
    return float(high) / 10.0**LOG_DECADES if np.isfinite(high) and high > 0 else math.nan


def _rule(name: str, method: Normalisation) -> str:
    """Name of the transform applied to an indicator (column ``rule`` of the explanation)."""
    if method != "log":
        return method
    return "border_decay" if name in LOWER_IS_RISKIER else "log_ratio"


class RiskIndex:
    """Weighted composite risk score (0–100) and rank per unit, with contributions.

    Parameters
    ----------
    weights
        ``{indicator: weight}``, any non-negative numbers (rescaled to sum to 1);
        ``None``: :data:`DEFAULT_WEIGHTS`. Indicators are columns listed in
        :data:`WEIGHTABLE`.
    normalisation
        ``{"log", "rank", "minmax"}``, see :func:`normalise`; default ``"log"``, which keeps
        magnitudes.

    Whatever the normalisation, an indicator in :data:`CASE_DRIVEN` is 0 for a unit with
    no case in the period (when ``indicators`` has a ``cases`` column): smoothing gives
    such units a rate above 0, but they must not outrank a unit with cases on the part of
    the score that cases drive.

    Attributes
    ----------
    weights_
        The weights used, summing to 1 (indicators that are NaN for every unit, e.g. the
        change when the data does not cover the previous period, are left out).
    dropped_
        Weighted indicators left out because they had no value.
    scores_
        The indicators with ``risk_score`` (0–100) and ``risk_rank`` (1 = highest; ties
        broken by more cases, then by code).
    contributions_
        Long frame, one row per unit and weighted indicator: :data:`CONTRIBUTION_COLUMNS`.
        ``contribution`` is in score points; a unit's contributions sum to its score.
    explanation_
        The same numbers, tidy and checkable (:data:`EXPLANATION_COLUMNS`): each
        indicator's ``value`` in its ``unit``, the ``rule`` and ``reference`` that turn it
        into ``transformed`` (0–1), the ``weight`` and the ``points``
        (``100 × weight × transformed``); a unit's points sum to its score.
    """

    def __init__(
        self,
        weights: Mapping[str, float] | None = None,
        *,
        normalisation: Normalisation = DEFAULT_NORMALISATION,
    ) -> None:
        check_choice(normalisation, "normalisation", NORMALISATIONS)
        self.weights = dict(DEFAULT_WEIGHTS if weights is None else weights)
        check_weights(self.weights)
        self.normalisation = normalisation

    def fit(self, indicators: pd.DataFrame) -> RiskIndex:
        """Score every unit of ``indicators`` (from :func:`compute_indicators`)."""
        wanted = [name for name, weight in self.weights.items() if weight > 0]
        require_frame(indicators, "indicators", ("code", "name", *wanted), geo=False)
        self.dropped_ = [name for name in wanted if indicators[name].isna().all()]
        used = {name: w for name, w in self.weights.items() if name not in self.dropped_}
        if not any(weight > 0 for weight in used.values()):
            raise GeodataError(
                f"every weighted indicator is empty ({', '.join(self.dropped_)}); "
                "weight another indicator"
            )
        self.weights_ = check_weights(used)
        no_case = (
            indicators["cases"].fillna(0).to_numpy() <= 0
            if "cases" in indicators
            else np.zeros(len(indicators), dtype=bool)
        )
        references = {
            name: log_reference(indicators[name])
            if self.normalisation == "log" and name not in LOWER_IS_RISKIER
            else math.nan
            for name in self.weights_
        }
        normalised = pd.DataFrame(
            {
                name: normalise(
                    indicators[name],
                    method=self.normalisation,
                    lower_is_riskier=name in LOWER_IS_RISKIER,
                    reference=references[name] if self.normalisation == "log" else None,
                ).where(~(no_case & (name in CASE_DRIVEN)), 0.0)
                for name in self.weights_
            },
            index=indicators.index,
        )
        points = normalised * pd.Series(self.weights_) * 100.0
        scores = indicators.copy()
        scores["risk_score"] = points.sum(axis=1)
        scores["risk_rank"] = _ranks(scores)
        self.scores_ = scores
        self.contributions_ = _long(indicators, normalised, points, self.weights_)
        self.explanation_ = _explanation(
            self.contributions_, references=references, method=self.normalisation,
            no_case=np.tile(no_case, len(self.weights_)),
        )  # fmt: skip
        return self


def _explanation(
    contributions: pd.DataFrame,
    *,
    references: Mapping[str, float],
    method: Normalisation,
    no_case: np.ndarray,
) -> pd.DataFrame:
    """The tidy "why" frame (:data:`EXPLANATION_COLUMNS`) from the long contributions."""
    frame = contributions.rename(columns={"normalised": "transformed", "contribution": "points"})
    indicator = frame["indicator"]
    frame["unit"] = indicator.map(INDICATOR_UNITS)
    rule = indicator.map(lambda name: _rule(name, method))
    gated = no_case & indicator.isin(CASE_DRIVEN).to_numpy()
    frame["rule"] = np.where(gated, "no_case", rule)
    frame["reference"] = indicator.map(references).astype(float)
    return frame[list(EXPLANATION_COLUMNS)]


def _ranks(scores: pd.DataFrame) -> np.ndarray:
    tie_break = scores["cases"] if "cases" in scores else pd.Series(0, index=scores.index)
    order = pd.DataFrame(
        {"score": -scores["risk_score"].round(9), "cases": -tie_break, "code": scores["code"]}
    ).sort_values(["score", "cases", "code"])
    ranks = pd.Series(np.arange(1, len(order) + 1), index=order.index)
    return ranks.reindex(scores.index).to_numpy()


def _long(
    indicators: pd.DataFrame,
    normalised: pd.DataFrame,
    points: pd.DataFrame,
    weights: Mapping[str, float],
) -> pd.DataFrame:
    parts = [
        pd.DataFrame(
            {
                "code": indicators["code"].to_numpy(),
                "name": indicators["name"].to_numpy(),
                "indicator": name,
                "value": indicators[name].to_numpy(dtype=float),
                "normalised": normalised[name].to_numpy(),
                "weight": weights[name],
                "contribution": points[name].to_numpy(),
            }
        )
        for name in weights
    ]
    return pd.concat(parts, ignore_index=True)[list(CONTRIBUTION_COLUMNS)]


# --------------------------------------------------------------------------- how much data


#: Below this many cases in the period, the ranking is said to rest on few cases: with
#: fewer, one report more or less moves a unit across the map (RISK_METHOD.md, 2.1).
MIN_CASES: Final = 20

RankingState = Literal["empty", "few", "enough"]
_STATUS_KEYS: Final[Mapping[RankingState, str]] = {
    "empty": "risk.status_empty",
    "few": "risk.status_few",
    "enough": "risk.status_enough",
}


@dataclass(frozen=True)
class RankingStatus:
    """How many cases a ranking rests on, and what to tell the user.

    Attributes
    ----------
    cases
        Cases of the period placed in a unit of the level (the ranking's data).
    period
        The period, when the indicators carry it (``attrs["period"]``).
    min_cases
        The threshold below which :attr:`state` is ``"few"``.
    """

    cases: int
    period: Period | None
    min_cases: int = MIN_CASES

    @property
    def state(self) -> RankingState:
        """``"empty"`` (no case: show no ranking), ``"few"`` (warn) or ``"enough"``."""
        if self.cases == 0:
            return "empty"
        return "few" if self.cases < self.min_cases else "enough"

    @property
    def ok(self) -> bool:
        """True when there is a ranking to show (at least one case)."""
        return self.state != "empty"

    def message(self, lang: str) -> str:
        """The sentence for the page and the CLI (``risk.status_<state>``)."""
        period = self.period
        return t(
            _STATUS_KEYS[self.state],
            lang,
            cases=format_number(self.cases, lang),
            min_cases=format_number(self.min_cases, lang),
            start=format_date(period.start if period else None, lang),
            end=format_date(period.end if period else None, lang),
        )


def ranking_status(indicators: pd.DataFrame, *, min_cases: int = MIN_CASES) -> RankingStatus:
    """How many cases the ranking of ``indicators`` rests on (see :class:`RankingStatus`).

    Call it before :class:`RiskIndex`: with ``state == "empty"`` show
    ``status.message(lang)`` instead of a ranking; with ``"few"`` show it as a warning.
    """
    require_frame(indicators, "indicators", ("cases",), geo=False)
    if min_cases < 1:
        raise GeodataError(f"`min_cases` should be 1 or more, got {min_cases}")
    period = indicators.attrs.get("period")
    return RankingStatus(
        cases=int(indicators["cases"].fillna(0).sum()),
        period=period if isinstance(period, Period) else None,
        min_cases=min_cases,
    )


def explanation_table(
    explanation: pd.DataFrame, *, lang: str, code: str | None = None
) -> pd.DataFrame:
    """The explanation of :class:`RiskIndex` with translated headers, labels and units.

    One row per unit (or only ``code``) and indicator, largest points first within a unit;
    the numbers are those of ``explanation_`` (and of :func:`contribution_chart`).
    """
    require_frame(explanation, "explanation", EXPLANATION_COLUMNS, geo=False)
    rows = explanation if code is None else explanation[explanation["code"] == code]
    if code is not None and rows.empty:
        raise GeodataError(f"`code` {code!r} is not in `explanation`; check the level")
    rows = rows.sort_values(["code", "points"], ascending=[True, False], kind="stable")
    return pd.DataFrame(
        {
            t("map.code", lang): rows["code"].to_numpy(),
            t("indicator.name", lang): rows["name"].to_numpy(),
            t("risk.indicator", lang): [indicator_label(n, lang) for n in rows["indicator"]],
            t("risk.value", lang): rows["value"].to_numpy(),
            t("risk.unit", lang): [t(UNIT_KEYS[unit], lang) for unit in rows["unit"]],
            t("risk.transformed", lang): rows["transformed"].to_numpy(),
            t("risk.weight", lang): rows["weight"].to_numpy(),
            t("risk.contribution", lang): rows["points"].to_numpy(),
        }
    )


# --------------------------------------------------------------------------- rendering


def indicator_label(indicator: str, lang: str) -> str:
    """The catalogue label of an indicator column (``indicator.<column>``)."""
    return t("indicator." + indicator, lang)


def contribution_data(contributions: pd.DataFrame, *, code: str, lang: str) -> pd.DataFrame:
    """One unit's contributions, largest first, with translated labels (for a bar chart).

    Returns
    -------
    pandas.DataFrame
        ``indicator``, ``label``, ``value``, ``normalised``, ``weight`` and ``contribution``
        (score points).
    """
    require_frame(contributions, "contributions", CONTRIBUTION_COLUMNS, geo=False)
    rows = contributions[contributions["code"] == code]
    if rows.empty:
        raise GeodataError(f"`code` {code!r} is not in `contributions`; check the level")
    rows = rows.sort_values("contribution", ascending=False, kind="stable")
    data = rows[["indicator", "value", "normalised", "weight", "contribution"]].copy()
    data.insert(1, "label", [indicator_label(name, lang) for name in data["indicator"]])
    return data.reset_index(drop=True)


def contribution_chart(contributions: pd.DataFrame, *, code: str, lang: str) -> alt.Chart:
    """Horizontal bar chart of one unit's contributions: "why is this unit red?"."""
    try:
        import altair as alt
    except ImportError as error:  # pragma: no cover - altair comes with streamlit
        raise ImportError("contribution_chart needs altair: pip install altair") from error
    data = contribution_data(contributions, code=code, lang=lang)
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("contribution:Q", title=t("risk.contribution", lang)),
            y=alt.Y("label:N", sort="-x", title=None, axis=alt.Axis(labelLimit=360)),
            tooltip=[
                alt.Tooltip("label:N", title=t("risk.indicator", lang)),
                alt.Tooltip("value:Q", title=t("risk.value", lang), format=",.2f"),
                alt.Tooltip("normalised:Q", title=t("risk.normalised", lang), format=".2f"),
                alt.Tooltip("weight:Q", title=t("risk.weight", lang), format=".2f"),
                alt.Tooltip("contribution:Q", title=t("risk.contribution", lang), format=".1f"),
            ],
        )
        .properties(title=t("risk.chart_title", lang))
    )


def risk_tooltips(
    scores: pd.DataFrame, contributions: pd.DataFrame | None, *, lang: str, top: int = 3
) -> list[str]:
    """Escaped tooltip per unit: name, code, score, rank and the ``top`` contributions."""
    best: dict[str, list[tuple[str, float]]] = {}
    if contributions is not None:
        ordered = contributions.sort_values("contribution", ascending=False, kind="stable")
        for code, group in ordered.groupby("code", sort=False):
            best[str(code)] = list(
                zip(group["indicator"][:top], group["contribution"][:top], strict=True)
            )
    total = format_number(len(scores), lang)
    tips = []
    for _, unit in scores.iterrows():
        rows: list[tuple[str, object]] = [
            (t(f"unit_type.{unit.get('unit_type', 'kecamatan')}", lang), unit["name"]),
            (t("map.code", lang), unit["code"]),
            (t("indicator.risk_score", lang), format_number(unit["risk_score"], lang, digits=1)),
            (
                t("indicator.risk_rank", lang),
                t("risk.rank_of", lang, rank=format_number(unit["risk_rank"], lang), total=total),
            ),
        ]
        rows += [
            (indicator_label(name, lang), f"+{format_number(points, lang, digits=1)}")
            for name, points in best.get(str(unit["code"]), [])
            if points > 0
        ]
        tips.append(html_table(rows))
    return tips


def risk_layer(
    scores: gpd.GeoDataFrame,
    *,
    level: str,
    lang: str,
    contributions: pd.DataFrame | None = None,
    scheme: Scheme = "quantiles",
    k: int = 5,
) -> tuple[folium.GeoJson, Classes]:
    """Units filled by risk score (classes and palette of :func:`layers.choropleth.classify`).

    Tooltips show the score, the rank and the three largest contributions. Returns the
    layer and its classes (``classes.legend`` for :func:`layers.legend.add_legend`).
    """
    from layers._fill import fill_layer  # folium and mapclassify only when drawing
    from layers.choropleth import classify

    require_frame(scores, "scores", ("code", "name", "risk_score", "risk_rank"))
    classes = classify(scores["risk_score"], scheme=scheme, k=k, lang=lang)
    layer = fill_layer(
        scores,
        fills=classes.colors.tolist(),
        tips=risk_tooltips(scores, contributions, lang=lang),
        name=t("risk.layer", lang),
        level=level,
    )
    return layer, classes


# --------------------------------------------------------------------------- command line


def parse_weights(text: str) -> dict[str, float]:
    """Parse ``"name=value,name=value"`` into weights (validated by :func:`check_weights`)."""
    weights: dict[str, float] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, sep, value = item.partition("=")
        try:
            if not sep:
                raise ValueError
            weights[name.strip()] = float(value)
        except ValueError:
            raise GeodataError(
                f"`--weights` should be name=value pairs separated by commas, got {item!r}"
            ) from None
    check_weights(weights)
    return weights


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {text!r}") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m layers.risk",
        description="Print the risk indicators, score and rank of every unit.",
    )
    parser.add_argument("--cases", type=Path, required=True, help="case file (CSV, GeoJSON, GPKG)")
    parser.add_argument("--level", choices=LEVELS, required=True, help="administrative level")
    parser.add_argument("--from", dest="start", type=_date, help="first day (YYYY-MM-DD)")
    parser.add_argument("--to", dest="end", type=_date, help="last day (YYYY-MM-DD)")
    parser.add_argument(
        "--weights", default=None, help=f"name=value,... among: {', '.join(WEIGHTABLE)}"
    )
    parser.add_argument("--normalisation", choices=NORMALISATIONS, default=DEFAULT_NORMALISATION)
    parser.add_argument(
        "--near-km", type=float, default=DEFAULT_NEAR_KM, help="distance for nearby crossings"
    )
    parser.add_argument("--crossings", type=Path, help="crossing file (default: sample data)")
    parser.add_argument("--shelters", type=Path, help="shelter file (default: sample data)")
    parser.add_argument(
        "--population",
        type=Path,
        help="population per kecamatan or desa (CSV/XLSX keyed by Kemendagri code; "
        "default: estimates from the kabupaten totals)",
    )
    parser.add_argument(
        "--explain",
        action="store_true",
        help="print each unit's indicators as value, unit, transformed value, weight and points",
    )
    parser.add_argument("--format", choices=("csv", "json"), default="csv")
    parser.add_argument("--lang", choices=LANGUAGES, default=DEFAULT_LANGUAGE)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns 0 on success, 1 for a bad data file, 2 for bad arguments."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        weights = None if args.weights is None else parse_weights(args.weights)
        period = _cli_period(args.start, args.end)
        if not args.near_km > 0:
            raise GeodataError(f"`--near-km` should be above zero, got {args.near_km}")
    except GeodataError as error:
        parser.error(str(error))
    lang = args.lang
    loaded = {}
    for name, path, loader in (
        ("crossings", args.crossings or SAMPLE_DIR / "crossings.csv", load_crossings),
        ("shelters", args.shelters or SAMPLE_DIR / "shelters.csv", load_shelters),
    ):
        result = loader(path)
        if not result.ok:
            print(result.report.to_text(lang, limit=30), file=sys.stderr)
            return 1
        loaded[name] = result.frame
    if args.crossings is None or args.shelters is None:
        print(t("risk.cli_sample_reference", lang), file=sys.stderr)
    cases = load_cases(args.cases, crossings=loaded["crossings"] if args.crossings else None)
    if not cases.ok:
        print(cases.report.to_text(lang, limit=30), file=sys.stderr)
        return 1
    if cases.report.warnings:
        print(cases.report.to_text(lang, limit=10), file=sys.stderr)
    if cases.frame.empty:
        print(t("risk.cli_no_cases", lang), file=sys.stderr)
        return 1
    population = None
    if args.population is not None:
        people = read_population(args.population)
        if not people.ok:
            print(people.report.to_text(lang, limit=30), file=sys.stderr)
            return 1
        if people.report.warnings:
            print(people.report.to_text(lang, limit=10), file=sys.stderr)
        population = people.frame
    try:
        indicators = _indicators(
            cases.frame, level=args.level, period=period, crossings=loaded["crossings"],
            shelters=loaded["shelters"], near_km=args.near_km, population=population,
        )  # fmt: skip
        print(population_note(indicators, level=args.level, lang=lang), file=sys.stderr)
        status = ranking_status(indicators)
        print(status.message(lang), file=sys.stderr)
        if not status.ok:
            return 1
        index = RiskIndex(weights, normalisation=args.normalisation).fit(indicators)
    except GeodataError as error:  # e.g. every weighted indicator empty
        print(str(error), file=sys.stderr)
        return 1
    if args.explain:
        ranks = index.scores_.set_index("code")["risk_rank"]
        explained = index.explanation_.assign(risk_rank=index.explanation_["code"].map(ranks))
        explained = explained.sort_values(["risk_rank", "points"], ascending=[True, False])
        _print(explained.reset_index(drop=True), fmt=args.format)
    else:
        _print(_ranked(index, indicators), fmt=args.format)
    return 0


def risk_table(
    cases: gpd.GeoDataFrame,
    *,
    level: Level,
    period: Period | tuple[dt.date | None, dt.date | None] | None = None,
    weights: Mapping[str, float] | None = None,
    normalisation: Normalisation = DEFAULT_NORMALISATION,
    crossings: gpd.GeoDataFrame | None = None,
    shelters: gpd.GeoDataFrame | None = None,
    near_km: float | None = None,
    population: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Indicators, score and rank of every unit, sorted by rank (:data:`OUTPUT_COLUMNS`).

    ``period`` may be a :class:`~layers.periods.Period`, a ``(start, end)`` pair with
    either end ``None`` (filled by :meth:`Period.from_cases`), or ``None``. Check
    :func:`ranking_status` of the indicators first when the period may hold no case.
    ``population`` is the office's loaded population (:mod:`geodata.records.population`).
    """
    indicators = _indicators(
        cases, level=level, period=period, crossings=crossings, shelters=shelters,
        near_km=near_km, population=population,
    )  # fmt: skip
    return _ranked(RiskIndex(weights, normalisation=normalisation).fit(indicators), indicators)


def _indicators(
    cases: gpd.GeoDataFrame,
    *,
    level: Level,
    period: Period | tuple[dt.date | None, dt.date | None] | None,
    crossings: gpd.GeoDataFrame | None,
    shelters: gpd.GeoDataFrame | None,
    near_km: float | None,
    population: pd.DataFrame | None = None,
) -> pd.DataFrame:
    if not isinstance(period, Period):
        start, end = period if period is not None else (None, None)
        period = Period.from_cases(cases, start=start, end=end)
    return compute_indicators(
        cases, level=level, period=period, crossings=crossings, shelters=shelters,
        near_km=near_km, population=population,
    )  # fmt: skip


def _ranked(index: RiskIndex, indicators: pd.DataFrame) -> pd.DataFrame:
    table = pd.DataFrame(index.scores_[list(OUTPUT_COLUMNS)])
    table.attrs = dict(indicators.attrs)
    return table.sort_values("risk_rank").reset_index(drop=True)


def _cli_period(
    start: dt.date | None, end: dt.date | None
) -> tuple[dt.date | None, dt.date | None]:
    if start is not None and end is not None and end < start:
        raise GeodataError(f"`--to` ({end}) should not be before `--from` ({start}); swap them")
    return start, end


def _print(frame: pd.DataFrame, *, fmt: str) -> None:
    rounded = frame.round(4)
    if fmt == "json":
        sys.stdout.write(rounded.to_json(orient="records", force_ascii=False, indent=1) + "\n")
    else:
        rounded.to_csv(sys.stdout, index=False, lineterminator="\n")


if __name__ == "__main__":
    sys.exit(main())
