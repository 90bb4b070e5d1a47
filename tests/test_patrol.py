"""Patrol priorities and the maximal covering solver: known answers by hand, then the sample."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from geodata.errors import GeodataError
from geodata.i18n import catalogue
from geodata.records.datasets import Dataset
from geodata.settings import LANGUAGES, METRIC_CRS
from layers._assets import external_urls, standalone_html
from layers.coverage import (
    aggregate_demand,
    coverage_matrix,
    recency_weights,
    solve_max_cover,
)
from layers.patrol import PatrolPlan, crossing_links, rank_crossings
from layers.periods import Period
from tests.conftest import MakeCases

#: A metric origin near Entikong (UTM 49N), so toy places lie inside Kalbar.
ORIGIN = (450_000.0, 110_000.0)

# --------------------------------------------------------------------------- the toy MCLP
#
# Five demand points on a line (km) and three candidate sites, radius 3 km:
#
#   L1=0 (w 3)   L2=2.5 (w 2)   M1=5 (w 2.5)   R1=7.5 (w 2)   R2=10 (w 3)
#   site A=1 covers L1, L2 (5)   site M=5 covers L2, M1, R1 (6.5)   site B=9 covers R1, R2 (5)
#
# Greedy takes M first (6.5) and then A or B (+3): 9.5. The optimum with two sites is A + B
# = 10 of 12.5, a covered share of 0.8. With one site it is M (6.5); with three, all 12.5.
TOY_DEMAND_KM = [0.0, 2.5, 5.0, 7.5, 10.0]
TOY_WEIGHTS = [3.0, 2.0, 2.5, 2.0, 3.0]
TOY_SITES_KM = {"M": 5.0, "A": 1.0, "B": 9.0}
TOY_RADIUS_M = 3_000.0


def _line(km: list[float]) -> np.ndarray:
    return np.column_stack([np.asarray(km) * 1000.0, np.zeros(len(km))])


def toy_matrix() -> sparse.csr_array:
    return coverage_matrix(
        _line(TOY_DEMAND_KM), _line(list(TOY_SITES_KM.values())), radius_m=TOY_RADIUS_M
    )


def test_coverage_matrix_of_the_toy_is_as_drawn() -> None:
    expected = [
        # M  A  B
        [0, 1, 0],  # L1
        [1, 1, 0],  # L2
        [1, 0, 0],  # M1
        [1, 0, 1],  # R1
        [0, 0, 1],  # R2
    ]
    assert toy_matrix().toarray().astype(int).tolist() == expected


@pytest.mark.parametrize(
    ("sites", "chosen", "gains", "share"),
    [
        (1, [0], [6.5], 6.5 / 12.5),
        (2, [1, 2], [5.0, 5.0], 0.8),  # exact: beats greedy's 9.5
        (3, [0, 1, 2], [6.5, 3.0, 3.0], 1.0),
    ],
)
def test_mclp_toy_has_the_known_optimum(
    sites: int, chosen: list[int], gains: list[float], share: float
) -> None:
    result = solve_max_cover(toy_matrix(), TOY_WEIGHTS, sites=sites)
    assert result.sites.tolist() == chosen
    assert result.gains == pytest.approx(gains)
    assert result.covered_share == pytest.approx(share)
    assert result.optimal


def test_sites_already_open_are_kept_and_not_counted() -> None:
    result = solve_max_cover(toy_matrix(), TOY_WEIGHTS, sites=1, fixed=[0])
    assert result.covered_before.tolist() == [False, True, True, True, False]
    assert result.sites.tolist() in ([1], [2])  # A or B each add 3
    assert result.gains == pytest.approx([3.0])
    assert result.covered_weight == pytest.approx(9.5)


def test_a_site_that_adds_nothing_is_left_out() -> None:
    # Only site A's demand has weight: asking for 3 sites returns 1.
    result = solve_max_cover(toy_matrix(), [3.0, 2.0, 0.0, 0.0, 0.0], sites=3)
    assert result.sites.tolist() == [1]
    assert result.covered_share == pytest.approx(1.0)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # spopt builds the model with PuLP 3 APIs
@pytest.mark.parametrize("sites", [1, 2, 3])
def test_the_optimum_equals_spopt_mclp(sites: int) -> None:
    import pulp
    from spopt.locate import MCLP

    demand, facilities = _line(TOY_DEMAND_KM), _line(list(TOY_SITES_KM.values()))
    cost = np.hypot(*(demand[:, None, :] - facilities[None, :, :]).transpose(2, 0, 1))
    model = MCLP.from_cost_matrix(
        cost, np.asarray(TOY_WEIGHTS), service_radius=TOY_RADIUS_M, p_facilities=sites
    ).solve(pulp.PULP_CBC_CMD(msg=False))
    ours = solve_max_cover(toy_matrix(), TOY_WEIGHTS, sites=sites)
    assert ours.covered_weight == pytest.approx(pulp.value(model.problem.objective))


def test_solver_arguments_are_checked_together() -> None:
    with pytest.raises(GeodataError) as error:
        solve_max_cover(toy_matrix(), [1.0, -1.0], sites=-1, fixed=[7])
    message = str(error.value)
    for part in ("`weights` should have one value", "finite and 0 or more", "`sites`", "`fixed`"):
        assert part in message


def test_aggregate_demand_adds_weights_of_the_same_place_and_cell() -> None:
    xy = np.array([[0.0, 0.0], [0.2, 0.1], [900.0, 0.0], [5_000.0, 5_000.0]])
    merged, weights, inverse = aggregate_demand(xy, np.array([1.0, 2.0, 4.0, 8.0]))
    assert weights.tolist() == [3.0, 4.0, 8.0]
    assert inverse.tolist() == [0, 0, 1, 2]
    merged, weights, _ = aggregate_demand(xy, np.array([1.0, 2.0, 4.0, 8.0]), grid_km=1.0)
    assert weights.tolist() == [7.0, 8.0]
    assert merged[0].tolist() == [500.0, 500.0]  # the cell centre


# --------------------------------------------------------------------------- recency weights


def test_recency_weights_by_hand() -> None:
    dates = pd.Series(pd.to_datetime(["2025-06-30", "2025-06-20", "2025-06-10", "2025-07-05"]))
    dates = pd.concat([dates, pd.Series([pd.NaT])], ignore_index=True)
    weights = recency_weights(dates, reference_date=dt.date(2025, 6, 30), half_life_days=10)
    # Same day 1; one half-life ½; two ¼; after the reference date 1; no date 0.
    assert weights.tolist() == pytest.approx([1.0, 0.5, 0.25, 1.0, 0.0])


@pytest.mark.parametrize("half_life", [0, -5, float("nan")])
def test_recency_half_life_must_be_positive(half_life: float) -> None:
    with pytest.raises(GeodataError, match="`half_life_days` should be a positive"):
        recency_weights(pd.Series([], dtype="datetime64[ns]"), reference_date=dt.date(2025, 1, 1),
                        half_life_days=half_life)  # fmt: skip


# --------------------------------------------------------------------------- periods


def test_iso_week_and_previous_period() -> None:
    week = Period.iso_week("2025-W23")
    assert (week.start, week.end, week.days) == (dt.date(2025, 6, 2), dt.date(2025, 6, 8), 7)
    assert week.previous() == Period(dt.date(2025, 5, 26), dt.date(2025, 6, 1))
    with pytest.raises(GeodataError, match="ISO week such as '2025-W23'"):
        Period.iso_week("2025-23")
    with pytest.raises(GeodataError, match="should not be before `start`"):
        Period(dt.date(2025, 2, 1), dt.date(2025, 1, 1))


# --------------------------------------------------------------------------- ranking, by hand


def _lonlat(x_km: float, y_km: float = 0.0) -> tuple[float, float]:
    """Lon/lat of a point ``x_km`` east and ``y_km`` north of :data:`ORIGIN`."""
    point = gpd.GeoSeries.from_xy(
        [ORIGIN[0] + x_km * 1000.0], [ORIGIN[1] + y_km * 1000.0], crs=METRIC_CRS
    ).to_crs("EPSG:4326")
    return float(point.x.iloc[0]), float(point.y.iloc[0])


def toy_crossings() -> gpd.GeoDataFrame:
    rows = [("X", "Crossing X", "plbn", 0.0), ("Y", "Crossing Y", "land_track", 30.0)]
    lon_lat = [_lonlat(x) for *_, x in rows]
    frame = pd.DataFrame(
        {
            "crossing_id": [row[0] for row in rows],
            "name": [row[1] for row in rows],
            "kind": [row[2] for row in rows],
            "status": ["active", "active"],
            "last_verified": pd.to_datetime(["2025-06-10", None]),
        }
    )
    return gpd.GeoDataFrame(
        frame, geometry=gpd.points_from_xy(*zip(*lon_lat, strict=True)), crs="EPSG:4326"
    )


def day(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


def toy_cases(make_cases: MakeCases) -> gpd.GeoDataFrame:
    lon_x, lat_x = _lonlat(32.0)  # 2 km from Y, 32 km from X
    lon_far, lat_far = _lonlat(100.0)
    return make_cases(
        # Named X, this period (June 2025) and the one before.
        {"crossing_id": "X", "date_reported": day("2025-06-30"), "victims_female_adult": 2},
        {"crossing_id": "X", "date_reported": day("2025-06-20"), "victims_male_adult": 1},
        {"crossing_id": "X", "date_reported": day("2025-05-25"), "victims_male_adult": 1},
        # Names X but happened next to Y: counts for X only.
        {"crossing_id": "X", "date_reported": day("2025-06-10"), "lon": lon_x,
         "lat": lat_x, "location_precision": "exact", "victims_female_child": 1},
        # Names no crossing, 2 km from Y: counts for Y.
        {"crossing_id": None, "date_reported": day("2025-06-20"), "lon": lon_x,
         "lat": lat_x, "location_precision": "exact", "victims_female_adult": 3},
        # Names none and is far from both: counts for neither.
        {"crossing_id": None, "date_reported": day("2025-06-25"), "lon": lon_far,
         "lat": lat_far, "location_precision": "exact", "victims_female_adult": 1},
    )  # fmt: skip


def test_crossing_links_follow_the_rule(make_cases: MakeCases) -> None:
    links = crossing_links(toy_cases(make_cases), toy_crossings(), near_km=10)
    pairs = sorted(zip(links["case"], links["crossing_id"], links["link"], strict=True))
    assert pairs == [
        (0, "X", "used"), (1, "X", "used"), (2, "X", "used"), (3, "X", "used"), (4, "Y", "near"),
    ]  # fmt: skip
    assert links.loc[links["link"] == "near", "distance_km"].iloc[0] == pytest.approx(2.0, abs=0.01)


def test_ranking_by_hand(make_cases: MakeCases) -> None:
    june = Period(dt.date(2025, 6, 1), dt.date(2025, 6, 30))
    ranked = rank_crossings(
        toy_cases(make_cases), toy_crossings(), period=june, near_km=10, half_life_days=10
    ).set_index("crossing_id")
    x, y = ranked.loc["X"], ranked.loc["Y"]
    # X: 30 June (1), 20 June (½), 10 June (¼), 25 May (36 days: 2^-3.6).
    assert x["risk_weighted_cases"] == pytest.approx(1 + 0.5 + 0.25 + 2**-3.6)
    assert (x["rank"], x["cases"], x["cases_used"], x["cases_near"]) == (1, 3, 3, 0)
    assert (x["victims"], x["cases_previous"], x["change_cases"], x["trend"]) == (4, 1, 2, "up")
    assert x["days_since_verified"] == 20
    assert y["risk_weighted_cases"] == pytest.approx(0.5)
    assert (y["rank"], y["cases"], y["cases_near"], y["victims"]) == (2, 1, 1, 3)
    assert pd.isna(y["days_since_verified"])


def test_ranking_has_units_in_column_names(make_cases: MakeCases) -> None:
    ranked = rank_crossings(toy_cases(make_cases), toy_crossings())
    assert {"risk_weighted_cases", "days_since_verified", "cases_previous"} <= set(ranked.columns)
    assert ranked["rank"].tolist() == [1, 2]


def test_cases_must_be_a_geodataframe(sample: Dataset) -> None:
    with pytest.raises(TypeError, match="`cases` should be a GeoDataFrame, got DataFrame"):
        rank_crossings(pd.DataFrame(sample.cases), sample.crossings)


# --------------------------------------------------------------------------- the patrol plan


def test_patrol_plan_toy_picks_the_exact_pair(make_cases: MakeCases) -> None:
    """The toy MCLP again, through cases and crossings: A and B, not M."""
    crossings = gpd.GeoDataFrame(
        {
            "crossing_id": list(TOY_SITES_KM),
            "name": [f"Site {name}" for name in TOY_SITES_KM],
            "kind": "land_track",
            "status": "active",
        },
        geometry=gpd.points_from_xy(
            *zip(*(_lonlat(x) for x in TOY_SITES_KM.values()), strict=True)
        ),
        crs="EPSG:4326",
    )
    rows = []
    for x_km, weight in zip(TOY_DEMAND_KM, TOY_WEIGHTS, strict=True):
        lon, lat = _lonlat(x_km)
        # Weight w as 2w cases on the reference day (recency weight 1 each).
        rows += [{"lon": lon, "lat": lat, "location_precision": "exact", "crossing_id": None,
                  "date_reported": pd.Timestamp("2025-06-30")}] * int(weight * 2)  # fmt: skip
    plan = PatrolPlan(sites=2, radius_km=3.0).fit(make_cases(*rows), crossings)
    assert plan.sites_["crossing_id"].tolist() == ["A", "B"]
    assert plan.sites_["gain_weighted_cases"].tolist() == pytest.approx([10.0, 10.0])
    assert plan.covered_share_ == pytest.approx(0.8)
    assert plan.sites_["covered_pct"].tolist() == pytest.approx([40.0, 80.0])
    assert plan.reachable_share_ == pytest.approx(1.0)
    assert plan.optimal_ and plan.unplaced_cases_ == 0


def test_entikong_ranks_first_on_the_sample(sample: Dataset) -> None:
    ranked = rank_crossings(sample.cases, sample.crossings)
    top = ranked.iloc[0]
    assert top["crossing_id"] == "PLBN-ENTIKONG"
    assert ranked["risk_weighted_cases"].is_monotonic_decreasing
    period = Period.latest(sample.cases)
    named = sample.cases[
        (sample.cases["crossing_id"] == "PLBN-ENTIKONG")
        & period.contains(sample.cases["date_reported"])
    ]
    assert top["cases_used"] == len(named)
    assert len(ranked) == len(sample.crossings)


def test_patrol_plan_on_the_sample(sample: Dataset) -> None:
    plans = [
        PatrolPlan(sites=k, radius_km=15).fit(sample.cases, sample.crossings) for k in (1, 3, 5)
    ]
    shares = [plan.covered_share_ for plan in plans]
    assert shares == sorted(shares) and shares[0] < shares[-1] <= plans[-1].reachable_share_
    five = plans[-1]
    assert len(five.sites_) == 5 and five.optimal_
    assert (np.diff(five.sites_["gain_weighted_cases"]) <= 1e-9).all()  # order of marginal gain
    assert five.sites_["covered_pct"].iloc[-1] == pytest.approx(five.covered_share_ * 100)
    assert five.demand_["weight"].sum() == pytest.approx(five.total_weight_)
    entikong_area = {"PLBN-ENTIKONG", *(f"JTR-SGU-{n:02d}" for n in range(1, 20))}
    assert set(five.sites_["crossing_id"]) & entikong_area  # the Entikong cluster is covered


def test_a_crossing_over_the_border_says_how_far(sample: Dataset) -> None:
    """A track recorded 2.5 km into Sarawak (north of PLBN Nanga Badau), which the checks
    accept, is ranked and may be chosen; the ranking and the plan say it lies over there."""
    over = sample.crossings.iloc[[0]].copy()
    over["crossing_id"], over["name"], over["kind"] = "JT-OVER", "Jalan ke Lubok Antu", "land_track"
    over["geometry"] = gpd.points_from_xy([111.8804], [1.1003], crs="EPSG:4326")
    crossings = pd.concat([sample.crossings, over], ignore_index=True)
    ranked = rank_crossings(sample.cases, crossings).set_index("crossing_id")
    assert ranked.loc["JT-OVER", "outside_kalbar_km"] == pytest.approx(2.5, abs=0.1)
    assert (ranked.drop(index="JT-OVER")["outside_kalbar_km"] == 0).all()  # PLBN on the line
    only_over = crossings[crossings["crossing_id"] == "JT-OVER"]
    plan = PatrolPlan(sites=1, radius_km=50).fit(sample.cases, only_over)
    assert plan.sites_["outside_kalbar_km"].iloc[0] == pytest.approx(2.5, abs=0.1)
    html = plan.explore(lang="id", crossings=crossings).get_root().render()
    assert "Di seberang perbatasan (km)</th><td>2,5</td>" in html


def test_patrol_map_is_offline_and_escaped(sample: Dataset) -> None:
    crossings = sample.crossings.copy()
    crossings.loc[crossings["crossing_id"] == "PLBN-ENTIKONG", "name"] = "<b>x</b>"
    plan = PatrolPlan(sites=2).fit(sample.cases, crossings)
    html = standalone_html(plan.explore(lang="en", crossings=crossings))
    assert external_urls(html) == []
    assert "<b>x</b>" not in html


@pytest.mark.parametrize(
    ("options", "message"),
    [({"sites": 0}, "`sites` should be a whole number"), ({"radius_km": -1}, "`radius_km`")],
)
def test_patrol_options_are_checked(options: dict[str, float], message: str) -> None:
    with pytest.raises(GeodataError, match=message):
        PatrolPlan(**options)  # type: ignore[arg-type]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_result_column_has_a_label(lang: str, sample: Dataset) -> None:
    """The page shows these frames with ``patrol.column.<name>`` headers."""
    ranked = rank_crossings(sample.cases, sample.crossings)
    plan = PatrolPlan(sites=2).fit(sample.cases, sample.crossings)
    columns = set(ranked.columns[: list(ranked.columns).index("outside_kalbar_km") + 1])
    columns |= {"order", "gain_weighted_cases", "gain_pct", "covered_pct"} & set(plan.sites_)
    missing = {c for c in columns if f"patrol.column.{c}" not in catalogue(lang)}
    assert missing == set()
    assert {f"patrol.trend.{trend}" for trend in ranked["trend"]} <= catalogue(lang).keys()


def test_summary_states_the_covered_share(sample: Dataset) -> None:
    plan = PatrolPlan(sites=5).fit(sample.cases, sample.crossings)
    lines = plan.summary(lang="en")
    share = f"{plan.covered_share_ * 100:.1f} %"
    assert lines[0].startswith("5 patrol locations with a reach of 15 km cover " + share)
    assert any("not part of the total" in line for line in lines)  # 28 unplaced cases
    assert "half as much" in lines[-1]
    assert "within 10 km" in lines[-1]  # the ranking's default radius
    # The method names the radius the ranking on the page used (30 km for viewers).
    assert "within 30 km" in plan.summary(lang="en", near_km=30)[-1]
