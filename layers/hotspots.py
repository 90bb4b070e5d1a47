"""Hot and cold spots: Getis-Ord Gi* per unit, with permutation inference and FDR control.

:class:`HotSpots` runs :class:`esda.G_Local` (``star=True``: each unit counts in its own
neighbourhood) on a count or rate per kecamatan or desa, and classes every unit as a hot or
cold spot at 99, 95 or 90 % confidence, like the "Hot Spot Analysis" police analysts know:

- neighbours are Queen contiguity (units sharing an edge or a corner) or every unit whose
  centre lies within a distance band (km, metric CRS); weights are binary;
- a unit with no neighbour (an island such as Pulau Maya, or beyond the band) is joined
  to its nearest unit (by polygon distance) in both directions, so every unit is tested;
- p-values come from conditional permutations (default 999, seeded): two-sided, with
  ties counted on both sides (:func:`permutation_p_values`; the smallest is 0.002 with
  999 permutations);
- the false discovery rate (Benjamini–Hochberg, :func:`esda.fdr`) is controlled at each
  confidence level across all units, so a map of 2,000 desa does not light up by chance.

With few cases the test means little; :func:`small_counts_warning` says when, as a
catalogue key for the UI.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from typing import Final, Literal

import esda
import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from libpysal.weights import Queen, W

from geodata.errors import GeodataError
from geodata.i18n import format_number, t
from geodata.settings import METRIC_CRS
from layers._fill import fill_layer
from layers._html import html_table
from layers._inputs import check_choice, check_positive, require_frame
from layers.legend import LegendItem

log = logging.getLogger(__name__)

Neighbours = Literal["queen", "distance"]
NEIGHBOURS: Final = ("queen", "distance")
#: Permutations for the pseudo p-values (the usual 999), and the seed that makes them repeat.
DEFAULT_PERMUTATIONS: Final = 999
DEFAULT_SEED: Final = 20250620
#: Confidence levels and their class: +3/-3 at 99 %, +2/-2 at 95 %, +1/-1 at 90 %.
CONFIDENCE: Final = ((3, 0.01), (2, 0.05), (1, 0.10))
#: Below this many cases in all, or with more than this share of units at zero, the test
#: has too little to work on (the UI shows :func:`small_counts_warning`).
MIN_TOTAL_CASES: Final = 30
MAX_ZERO_SHARE: Final = 0.5
#: Colour per class, -3..3: RdBu (ColorBrewer, colour-blind safe) with a neutral middle.
CLASS_COLORS: Final = {
    3: "#b2182b",
    2: "#ef8a62",
    1: "#fddbc7",
    0: "#f7f7f7",
    -1: "#d1e5f0",
    -2: "#67a9cf",
    -3: "#2166ac",
}
#: Catalogue key of each class.
CLASS_KEYS: Final = {
    3: "hotspot.hot_99",
    2: "hotspot.hot_95",
    1: "hotspot.hot_90",
    0: "hotspot.not_significant",
    -1: "hotspot.cold_90",
    -2: "hotspot.cold_95",
    -3: "hotspot.cold_99",
}
#: Columns the hot spot test is meant for, the default first: observed ÷ expected cases
#: adjusts for people without smoothing over neighbours. Raw counts flag where people live
#: (Pontianak) under constant risk, and a rate smoothed with a local prior borrows from its
#: neighbours, which makes clusters by itself (RISK_METHOD.md, 3).
HOTSPOT_COLUMNS: Final = ("cases_observed_expected", "cases_rate_eb_per_100k", "cases")
DEFAULT_HOTSPOT_COLUMN: Final = HOTSPOT_COLUMNS[0]
_ESDA_ALTERNATIVE: Final = "The alternative hypothesis for conditional randomization"
RESULT_COLUMNS: Final = ("gi_z", "p_sim", "p_value", "p_threshold", "hotspot_class")


def small_counts_warning(
    counts: pd.Series | np.ndarray,
    *,
    min_total: int = MIN_TOTAL_CASES,
    max_zero_share: float = MAX_ZERO_SHARE,
) -> str | None:
    """Catalogue key of a warning when counts are too small for Gi* to mean much, else None.

    Returns ``"hotspot.no_cases"`` when there is no case at all,
    ``"hotspot.small_counts_total"`` below ``min_total`` cases, and
    ``"hotspot.small_counts_zeros"`` when more than ``max_zero_share`` of the units have
    none (the keys take ``total`` and ``zero_share`` placeholders).
    """
    values = np.asarray(counts, dtype=float)
    total = np.nansum(values)
    if total <= 0:
        return "hotspot.no_cases"
    if total < min_total:
        return "hotspot.small_counts_total"
    if np.mean(values == 0) > max_zero_share:
        return "hotspot.small_counts_zeros"
    return None


def small_counts_message(
    counts: pd.Series | np.ndarray,
    *,
    lang: str,
    min_total: int = MIN_TOTAL_CASES,
    max_zero_share: float = MAX_ZERO_SHARE,
) -> str | None:
    """The text of :func:`small_counts_warning` in ``lang``, or None when counts suffice."""
    key = small_counts_warning(counts, min_total=min_total, max_zero_share=max_zero_share)
    if key is None:
        return None
    values = np.asarray(counts, dtype=float)
    return t(
        key,
        lang,
        total=format_number(float(np.nansum(values)), lang),
        min_total=format_number(min_total, lang),
        zero_share=format_number(100.0 * float(np.mean(values == 0)), lang),
    )


def neighbour_weights(
    units: gpd.GeoDataFrame,
    *,
    neighbours: Neighbours = "queen",
    distance_km: float | None = None,
) -> W:
    """Binary spatial weights of ``units``, with islands joined to their nearest unit.

    Parameters
    ----------
    neighbours
        ``"queen"``: units sharing an edge or corner; ``"distance"``: units whose
        representative points are at most ``distance_km`` apart (metric CRS).
    distance_km
        Band for ``"distance"`` (required there, ignored for ``"queen"``).

    Returns
    -------
    libpysal.weights.W
        Ids 0..n-1 in the order of ``units``; ``w.islands_joined`` lists the positions that
        had no neighbour.
    """
    check_choice(neighbours, "neighbours", NEIGHBOURS)
    metric = units.geometry.to_crs(METRIC_CRS).to_numpy()
    if neighbours == "queen":
        # The island warning is expected here: islands are joined just below.
        queen = Queen.from_iterable(metric, ids=range(len(metric)), silence_warnings=True)
        linked = {i: list(queen.neighbors[i]) for i in range(len(metric))}
    else:
        if distance_km is None:
            raise GeodataError('`distance_km` is needed when `neighbours` is "distance"')
        band = check_positive(distance_km, "distance_km") * 1000.0
        centres = shapely.point_on_surface(metric)
        tree = shapely.STRtree(centres)
        left, right = tree.query(centres, predicate="dwithin", distance=band)
        keep = left != right
        linked = {i: [] for i in range(len(metric))}
        for i, j in zip(left[keep], right[keep], strict=True):
            linked[int(i)].append(int(j))
    islands = [i for i, found in linked.items() if not found]
    if islands and len(metric) > 1:
        tree = shapely.STRtree(metric)
        for i in islands:
            nearest = tree.query_nearest(metric[i], exclusive=True, all_matches=False)
            j = int(np.atleast_1d(nearest)[0])
            linked[i].append(j)
            if i not in linked[j]:
                linked[j].append(i)
    weights = W(linked, silence_warnings=True)
    weights.transform = "B"
    weights.islands_joined = islands
    return weights


class HotSpots:
    """Getis-Ord Gi* hot and cold spots of one column per unit.

    Parameters
    ----------
    neighbours
        ``{"queen", "distance"}``, see :func:`neighbour_weights`.
    distance_km
        Band for ``neighbours="distance"``.
    permutations
        Conditional permutations for the pseudo p-values (99 or more for 99 % classes).
    seed
        Random seed of the permutations.
    fdr
        Control the false discovery rate at each confidence level (recommended).

    Attributes
    ----------
    result_
        ``units`` with :data:`RESULT_COLUMNS`: ``gi_z`` (Gi* z-score against the
        permutations, positive = high values cluster, 0 when neither tail is smaller),
        ``p_sim`` (esda's "directed" pseudo p-value, for reference), ``p_value``
        (two-sided, :func:`permutation_p_values`, used for the classes),
        ``p_threshold`` (the p-value a unit needed for 95 %),
        ``hotspot_class`` (-3..3, see :data:`CLASS_KEYS`).
    warning_
        :func:`small_counts_warning` of the counts tested, or None.
    weights_
        The spatial weights used.
    thresholds_
        ``{99: p, 95: p, 90: p}``: the p-value a unit needed for each class (the FDR bound,
        or 0.01/0.05/0.10 without FDR).
    min_p_value_
        The smallest p-value the permutations can give, ``2 / (permutations + 1)``. With
        FDR control a unit needs ``p <= k / n * alpha``; at 999 permutations and 174
        kecamatan, 95 % needs at least 7 units at the floor, so results can flip with the
        seed. Use 9,999 permutations for kecamatan when that matters (about 0.3 s).
    """

    def __init__(
        self,
        *,
        neighbours: Neighbours = "queen",
        distance_km: float | None = None,
        permutations: int = DEFAULT_PERMUTATIONS,
        seed: int = DEFAULT_SEED,
        fdr: bool = True,
    ) -> None:
        check_choice(neighbours, "neighbours", NEIGHBOURS)
        if neighbours == "distance":
            check_positive(distance_km, "distance_km")
        if isinstance(permutations, bool) or not isinstance(permutations, int):
            raise TypeError(f"`permutations` should be an int, got {type(permutations).__name__}")
        if permutations < 9:
            raise GeodataError(
                f"`permutations` should be 9 or more (999 usual), got {permutations}"
            )
        self.neighbours = neighbours
        self.distance_km = distance_km
        self.permutations = permutations
        self.seed = seed
        self.fdr = fdr

    def fit(
        self,
        units: gpd.GeoDataFrame,
        *,
        column: str = DEFAULT_HOTSPOT_COLUMN,
        counts: str | None = "cases",
    ) -> HotSpots:
        """Test ``column`` of ``units`` (default observed ÷ expected, see :data:`HOTSPOT_COLUMNS`).

        Parameters
        ----------
        units
            Units with ``column`` (from :func:`layers.indicators.compute_indicators`).
        column
            The value tested, zero or more.
        counts
            Column of case counts for :func:`small_counts_warning` (``None``: ``column``).
        """
        require_frame(
            units, "units", ("code", column) if counts is None else ("code", column, counts)
        )
        if len(units) < 3:
            raise GeodataError(f"`units` should have 3 units or more, got {len(units)}")
        y = units[column].to_numpy(dtype=float)
        if not np.isfinite(y).all() or (y < 0).any():
            raise GeodataError(f"`{column}` should be a number of zero or more for every unit")
        self.warning_ = small_counts_warning(units[counts if counts else column])
        self.weights_ = neighbour_weights(
            units, neighbours=self.neighbours, distance_km=self.distance_km
        )
        result = units.copy()
        if y.sum() == 0 or np.ptp(y) == 0:
            z, p_sim, p_value = np.zeros(len(y)), np.ones(len(y)), np.ones(len(y))
        else:
            # Gi*: each unit is its own neighbour (binary self-weight 1), set here so esda
            # need not rebuild the weights (which would warn about disconnected parts).
            with_self = {i: [*found, i] for i, found in self.weights_.neighbors.items()}
            star = W(with_self, silence_warnings=True)
            with warnings.catch_warnings():
                # G_Local takes no `alternative` to pass on, and its "directed" p_sim is
                # not used for the classes (see permutation_p_values).
                warnings.filterwarnings(
                    "ignore", message=_ESDA_ALTERNATIVE, category=DeprecationWarning
                )
                gi = esda.G_Local(
                    y, star, transform="B", star=None, permutations=self.permutations,
                    seed=self.seed, n_jobs=1, keep_simulations=True,
                )  # fmt: skip
            p_sim = np.asarray(gi.p_sim)
            p_value, direction = permutation_p_values(np.asarray(gi.Gs), np.asarray(gi.rGs))
            z = np.where(direction == 0, 0.0, np.abs(_z_scores(gi)) * direction)
        result["gi_z"] = z
        result["p_sim"] = p_sim
        result["p_value"] = p_value
        classes, thresholds = classify_hotspots(z, result["p_value"].to_numpy(), fdr=self.fdr)
        result["p_threshold"] = thresholds[1]
        result["hotspot_class"] = classes
        self.result_ = result
        self.min_p_value_ = 2.0 / (self.permutations + 1)
        self.thresholds_ = dict(zip((99, 95, 90), thresholds, strict=True))
        log.info(
            "Gi* on %s: %d hot, %d cold of %d units",
            column, int((classes > 0).sum()), int((classes < 0).sum()), len(classes),
        )  # fmt: skip
        return self


def permutation_p_values(
    observed: np.ndarray, simulated: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Two-sided pseudo p-values and direction (+1 high, -1 low, 0 neither) per unit.

    ``p = min(1, 2 * min(p_high, p_low))`` with ``p_high = (#sim >= obs + 1) / (R + 1)``
    and ``p_low = (#sim <= obs + 1) / (R + 1)``. Ties count on both sides, so a unit whose
    neighbourhood is zero like almost every permutation of it is not significant (esda's
    "directed" p-value counts such ties as "larger", then folds them into a tiny p: a sea
    of false cold spots on counts that are mostly zero).

    Parameters
    ----------
    observed
        (n,) statistic per unit.
    simulated
        (n, R) statistic of each unit under R conditional permutations.
    """
    observed = np.asarray(observed, dtype=float)[:, None]
    simulated = np.asarray(simulated, dtype=float)
    tolerance = 1e-9 * np.maximum(np.abs(observed), 1e-12)
    permutations = simulated.shape[1]
    high = ((simulated >= observed - tolerance).sum(axis=1) + 1) / (permutations + 1)
    low = ((simulated <= observed + tolerance).sum(axis=1) + 1) / (permutations + 1)
    p_value = np.minimum(1.0, 2.0 * np.minimum(high, low))
    direction = np.where(high < low, 1, np.where(low < high, -1, 0))
    return p_value, direction


def _z_scores(gi: esda.G_Local) -> np.ndarray:
    """Gi* z-score against the permutations (0 where the permutations do not vary)."""
    spread = np.asarray(gi.seG_sim, dtype=float)
    safe = np.where(spread > 0, spread, 1.0)
    return np.where(spread > 0, (np.asarray(gi.Gs) - np.asarray(gi.EG_sim)) / safe, 0.0)


def classify_hotspots(
    z: np.ndarray, p_value: np.ndarray, *, fdr: bool = True
) -> tuple[np.ndarray, tuple[float, ...]]:
    """Class -3..3 per unit from the sign of ``z`` and the two-sided ``p_value``.

    A unit is at confidence level 99/95/90 % if its p-value is at most that level's
    threshold: ``alpha`` (0.01, 0.05, 0.10), or with ``fdr`` the Benjamini–Hochberg
    threshold :func:`esda.fdr` of all p-values at ``alpha``. Returns the classes and the
    thresholds used, for 99, 95 and 90 %.
    """
    z = np.asarray(z, dtype=float)
    p_value = np.asarray(p_value, dtype=float)
    classes = np.zeros(len(z), dtype=int)
    thresholds = []
    for level, alpha in CONFIDENCE:
        threshold = float(esda.fdr(p_value, alpha)) if fdr else alpha
        thresholds.append(threshold)
        reached = (p_value <= threshold) & (classes == 0) & (z != 0)
        classes[reached] = level * np.sign(z[reached]).astype(int)
    return classes, tuple(thresholds)


def hotspot_legend(lang: str) -> list[LegendItem]:
    """Legend rows, hot 99 % to cold 99 %."""
    return [LegendItem(t(CLASS_KEYS[c], lang), CLASS_COLORS[c]) for c in range(3, -4, -1)]


def hotspot_layer(
    result: gpd.GeoDataFrame, *, level: str, lang: str, column: str | None = None
) -> tuple[folium.GeoJson, list[LegendItem]]:
    """Units filled by hot/cold class, with tooltips; returns the layer and its legend.

    Parameters
    ----------
    result
        :attr:`HotSpots.result_`.
    column
        The column that was tested, shown in the tooltip.
    """
    require_frame(result, "result", ("code", "name", "gi_z", "p_value", "hotspot_class"))
    layer = fill_layer(
        result,
        fills=[CLASS_COLORS[int(c)] for c in result["hotspot_class"]],
        tips=_tooltips(result, lang=lang, column=column),
        name=t("hotspot.layer", lang),
        level=level,
    )
    return layer, hotspot_legend(lang)


def _tooltips(result: pd.DataFrame, *, lang: str, column: str | None) -> list[str]:
    tips = []
    for _, unit in result.iterrows():
        rows: Sequence[tuple[str, object]] = [
            (t(f"unit_type.{unit.get('unit_type', 'kecamatan')}", lang), unit["name"]),
            (t("map.code", lang), unit["code"]),
            (t("hotspot.class", lang), t(CLASS_KEYS[int(unit["hotspot_class"])], lang)),
            (t("hotspot.gi_z", lang), format_number(unit["gi_z"], lang, digits=2)),
            (t("hotspot.p_value", lang), format_number(unit["p_value"], lang, digits=3)),
        ]
        if column is not None:
            label = t("indicator." + column, lang)
            rows = [*rows, (label, format_number(unit[column], lang, digits=1))]
        tips.append(html_table(rows))
    return tips
