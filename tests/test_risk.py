"""Risk indicators, Empirical Bayes, the composite index, its map and chart, and the CLI.

Hand-built data with answers worked out in the comments first; then the committed sample
cases on the real geodata.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from esda.smoothing import Empirical_Bayes

from geodata import reference
from geodata.errors import GeodataError
from geodata.i18n import catalogue
from geodata.records.datasets import Dataset
from geodata.settings import LANGUAGES, SAMPLE_DIR, Level
from layers.change import change_classes, change_layer
from layers.indicators import (
    CHANGE_COLUMNS,
    INDICATOR_COLUMNS,
    OPEN_STATUSES,
    UNOFFICIAL_KINDS,
    change_by_unit,
    compute_indicators,
    empirical_bayes_rates,
    estimate_population,
    poisson_gamma_rates,
    queen_neighbours,
    shelter_sites,
    smooth_rates,
)
from layers.periods import Period
from layers.risk import (
    BORDER_DECAY_KM,
    CASE_DRIVEN,
    CONTRIBUTION_COLUMNS,
    DEFAULT_WEIGHTS,
    EXPLANATION_COLUMNS,
    MIN_CASES,
    OUTPUT_COLUMNS,
    WEIGHTABLE,
    RiskIndex,
    check_weights,
    contribution_chart,
    contribution_data,
    explanation_table,
    log_reference,
    main,
    normalise,
    parse_weights,
    ranking_status,
    risk_layer,
    risk_table,
    risk_tooltips,
)

from .conftest import MakeCases

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures" / "loaders"

# --------------------------------------------------------------------------- Empirical Bayes


def test_eb_shrinks_equal_populations_by_the_textbook_factor() -> None:
    # e = 0, 10, 20, 30 events in four units of 1,000 people.
    # theta = 60 / 4,000 = 0.015; raw rates 0, 0.01, 0.02, 0.03.
    # s2 = sum(n (r - theta)^2) / sum(n) = 1,000 (0.015² + 0.005² + 0.005² + 0.015²) / 4,000
    #    = 1.25e-4; theta / mean(n) = 1.5e-5; phi = 1.25e-4 - 1.5e-5 = 1.1e-4.
    # C = phi / (phi + theta / n) = 1.1e-4 / 1.25e-4 = 0.88; eb = theta + 0.88 (r - theta).
    eb = empirical_bayes_rates([0, 10, 20, 30], [1000, 1000, 1000, 1000])
    np.testing.assert_allclose(eb, [0.0018, 0.0106, 0.0194, 0.0282], rtol=1e-9)
    np.testing.assert_allclose(eb, Empirical_Bayes([0, 10, 20, 30], [1000] * 4).r.ravel())


def test_eb_pulls_small_units_harder_and_agrees_with_esda() -> None:
    events = np.array([0, 20, 30, 12, 5])
    people = np.array([200, 1_000, 5_000, 2_000, 100])
    eb = empirical_bayes_rates(events, people)
    np.testing.assert_allclose(eb, Empirical_Bayes(events, people).r.ravel())
    theta = events.sum() / people.sum()
    raw = events / people
    shrink = (eb - theta) / (raw - theta)  # C_i = phi / (phi + theta / n_i)
    assert np.all(np.diff(shrink[np.argsort(people)]) > 0)  # more people, less shrinkage
    # 5 events in 100 people: raw 0.05, pulled two thirds of the way to theta (~0.008).
    assert shrink[4] == pytest.approx(0.324, abs=0.001)


def test_eb_truncates_a_negative_variance_to_the_overall_rate() -> None:
    # e = 1, 3, 6, 10 in 100, 100, 200, 400 people: theta = 20 / 800 = 0.025,
    # s2 = (100·0.015² + 100·0.005² + 200·0.005² + 0) / 800 = 3.75e-5,
    # theta / mean(n) = 0.025 / 200 = 1.25e-4 > s2: phi < 0 -> 0, every rate is theta.
    eb = empirical_bayes_rates([1, 3, 6, 10], [100, 100, 200, 400])
    np.testing.assert_allclose(eb, [0.025] * 4)
    # esda leaves phi negative and pushes the first rate *away* from theta.
    assert Empirical_Bayes([1, 3, 6, 10], [100, 100, 200, 400]).r[0, 0] > 0.03


def test_eb_edge_cases() -> None:
    assert empirical_bayes_rates([0, 0], [10, 20]).tolist() == [0.0, 0.0]
    assert empirical_bayes_rates([], []).size == 0
    with pytest.raises(GeodataError, match="`population` should be above zero"):
        empirical_bayes_rates([1, 2], [10, 0])
    with pytest.raises(GeodataError, match="same length"):
        empirical_bayes_rates([1, 2], [10])


def test_poisson_gamma_keeps_units_apart_where_global_eb_flattens() -> None:
    # The data where moments truncate the prior variance to 0 (test above): every rate 0.025.
    events, people = np.array([1, 3, 6, 10]), np.array([100, 100, 200, 400])
    assert np.ptp(empirical_bayes_rates(events, people)) == 0
    for rates in (
        poisson_gamma_rates(events, people),
        poisson_gamma_rates(events, people, neighbours={0: [1], 1: [0, 2], 2: [1, 3], 3: [2]}),
    ):
        raw = events / people
        assert np.all(np.diff(rates[np.argsort(raw, kind="stable")]) >= 0)  # order kept
        # Raw 0.01, 0.03, 0.03, 0.025: units 1 and 2 share a rate, not a population.
        assert len(set(np.round(rates, 12))) == 4
        assert (rates > raw.min()).all() and (rates < raw.max()).all()  # pulled inwards
    assert poisson_gamma_rates([0, 0], [10, 20]).tolist() == [0.0, 0.0]
    with pytest.raises(GeodataError, match="`population` should be above zero"):
        poisson_gamma_rates([1, 2], [10, 0])
    with pytest.raises(GeodataError, match="`neighbours` is needed"):
        smooth_rates([1, 2], [10, 20], method="poisson_gamma_local")


def test_poisson_gamma_ml_prior_beats_every_other_prior_on_likelihood() -> None:
    # Overdispersed counts in equal units: the fitted (mean, shape) maximise the negative
    # binomial likelihood, so a grid of other priors never does better.
    from layers.indicators import _negbin_loglik

    events = np.array([0, 0, 0, 1, 0, 7, 2, 0, 0, 12, 1, 0], dtype=float)
    people = np.full(len(events), 1000.0)
    rates = poisson_gamma_rates(events, people)
    # Posterior mean (e + a) / (n + a / m), n the same for all: two units give (a, m).
    denominator = (events[5] - events[0]) / (rates[5] - rates[0])  # n + a / m
    a = rates[0] * denominator - events[0]
    m = a / (denominator - people[0])
    assert 0 < a <= events.sum()  # the shape is bounded by the number of events
    best = _negbin_loglik(events, people * m, a)
    for mean in m * np.array([0.7, 0.9, 1.1, 1.3]):
        for shape in a * np.array([0.5, 0.8, 1.25, 2.0]):
            assert _negbin_loglik(events, people * mean, shape) <= best + 1e-9


def test_queen_neighbours_match_libpysal_on_real_kecamatan() -> None:
    from layers.hotspots import neighbour_weights

    kecamatan = reference.load_units("kecamatan")
    mine = queen_neighbours(kecamatan)
    theirs = neighbour_weights(kecamatan).neighbors
    assert {i: sorted(v) for i, v in mine.items()} == {i: sorted(theirs[i]) for i in mine}
    assert all(mine.values())  # Pulau Maya and Karimata joined to their nearest unit


def test_default_smoothing_does_not_flatten_the_sample(sample: Dataset) -> None:
    for level in ("kabupaten", "kecamatan"):
        frame = compute_indicators(sample.cases, level=level, period=YEAR_2025)  # type: ignore[arg-type]
        smoothed = frame["cases_rate_eb_per_100k"]
        with_cases = frame["cases"] > 0
        assert smoothed.nunique() > with_cases.sum() / 2
        # Smoothing moves a rate, never turns the order of two units in one neighbourhood
        # upside down on average: units with cases stay above those without.
        assert smoothed[with_cases].mean() > smoothed[~with_cases].mean()


# --------------------------------------------------------------------------- population


def test_population_below_kabupaten_is_shared_by_villages_and_adds_up() -> None:
    kabupaten = reference.load_units("kabupaten").set_index("code")["population"]
    kecamatan = reference.load_units("kecamatan")
    people = estimate_population(kecamatan, level="kecamatan")
    by_kabupaten = people.groupby(kecamatan["kabupaten_code"].to_numpy()).sum()
    np.testing.assert_allclose(by_kabupaten, kabupaten.reindex(by_kabupaten.index))

    gazetteer = reference.load_gazetteer()
    villages = gazetteer[gazetteer["level"] == "desa"]
    sambas = villages["code"].str.startswith("61.01.").sum()
    desa = reference.load_units("desa")
    desa_people = estimate_population(desa, level="desa")
    in_sambas = desa["kabupaten_code"] == "61.01"
    np.testing.assert_allclose(desa_people[in_sambas], kabupaten["61.01"] / sambas)


def test_population_by_area_spreads_people_evenly() -> None:
    kabupaten = reference.load_units("kabupaten").set_index("code")
    kecamatan = reference.load_units("kecamatan")
    people = estimate_population(kecamatan, level="kecamatan", basis="area")
    first = kecamatan.iloc[0]
    kab = kabupaten.loc[first["kabupaten_code"]]
    assert people.iloc[0] == pytest.approx(kab["population"] * first["area_km2"] / kab["area_km2"])
    with pytest.raises(GeodataError, match="`basis` should be one of"):
        estimate_population(kecamatan, level="kecamatan", basis="people")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- periods


def test_a_calendar_year_is_compared_with_the_year_before_leap_day_included() -> None:
    year = Period(dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    assert year.days == 365
    assert year.previous() == Period(dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    quarter = Period(dt.date(2024, 4, 1), dt.date(2024, 6, 30))
    assert quarter.previous() == Period(dt.date(2024, 1, 1), dt.date(2024, 3, 31))
    odd = Period(dt.date(2025, 3, 10), dt.date(2025, 3, 19))  # 10 days
    assert odd.previous() == Period(dt.date(2025, 2, 28), dt.date(2025, 3, 9))


def test_the_default_period_is_the_last_twelve_calendar_months_of_data() -> None:
    frame = pd.DataFrame({"date_reported": pd.to_datetime(["2023-02-01", "2025-11-13"])})
    assert Period.from_cases(frame) == Period(dt.date(2024, 12, 1), dt.date(2025, 11, 30))
    assert Period.from_cases(frame, start=dt.date(2025, 1, 1)).end == dt.date(2025, 11, 30)
    assert Period.from_cases(frame, end=dt.date(2025, 6, 30)).start == dt.date(2024, 7, 1)
    dates = pd.Series(pd.to_datetime(["2025-06-30 23:00", "2025-07-01 00:00"]))
    assert Period(dt.date(2025, 1, 1), dt.date(2025, 6, 30)).contains(dates).tolist() == [
        True,
        False,
    ]


def test_period_arguments_are_checked() -> None:
    with pytest.raises(GeodataError, match="should not be before `start`"):
        Period(dt.date(2025, 2, 1), dt.date(2025, 1, 1))
    with pytest.raises(TypeError, match=r"`start` should be a datetime\.date, got str"):
        Period("2025-01-01", dt.date(2025, 1, 1))  # type: ignore[arg-type]
    with pytest.raises(GeodataError, match="no date reported"):
        Period.from_cases(pd.DataFrame({"date_reported": pd.to_datetime([])}))


# --------------------------------------------------------------------------- indicators


def _box_units() -> gpd.GeoDataFrame:
    """Three ~11 km boxes near Entikong: A and B touch, C is 33 km east of B."""
    return gpd.GeoDataFrame(
        {
            "code": ["61.03.21", "61.03.07", "61.03.08"],
            "name": ["A", "B", "C"],
            "unit_type": "kecamatan",
            "kabupaten_code": "61.03",
            "area_km2": [123.0, 123.0, 123.0],
            "dist_border_km": [0.0, 5.0, 40.0],
            "centre_dist_border_km": [4.0, 9.0, 45.0],
        },
        geometry=[
            shapely.box(110.0, 0.9, 110.1, 1.0),
            shapely.box(110.1, 0.9, 110.2, 1.0),
            shapely.box(110.5, 0.9, 110.6, 1.0),
        ],
        crs="EPSG:4326",
    )


def _box_crossings() -> gpd.GeoDataFrame:
    # Counted: X1 (track, active, in A) and X4 (track, unverified, 5.6 km east of B).
    # Not counted: X2 (closed) and X3 (an official PLBN).
    return gpd.GeoDataFrame(
        {
            "crossing_id": ["X1", "X2", "X3", "X4"],
            "kind": ["land_track", "river_route", "plbn", "land_track"],
            "status": ["active", "closed", "active", "unverified"],
        },
        geometry=gpd.points_from_xy([110.05, 110.06, 110.15, 110.25], [0.95] * 4),
        crs="EPSG:4326",
    )


def _located_cases(make_cases: MakeCases) -> gpd.GeoDataFrame:
    # 2025: three cases in A (one with an exact point), one in B; 2024: one in A, two in B.
    rows = [
        ("2025-02-01", "61.03.21", 3, (110.05, 0.95)),
        ("2025-03-01", "61.03.21", 2, None),
        ("2025-04-01", "61.03.21", 1, None),
        ("2025-05-01", "61.03.07", 4, None),
        ("2024-05-01", "61.03.21", 1, None),
        ("2024-06-01", "61.03.07", 1, None),
        ("2024-07-01", "61.03.07", 1, None),
    ]
    cases = make_cases(
        *[
            {
                "date_reported": pd.Timestamp(day),
                "admin_code": code,
                "location_precision": "exact" if point else "kecamatan",
                "victims_female_adult": victims,
                **({"lon": point[0], "lat": point[1]} if point else {}),
            }
            for day, code, victims, point in rows
        ]
    )
    cases["kabupaten_code"] = "61.03"
    cases["kecamatan_code"] = cases["admin_code"]
    cases["desa_code"] = pd.Series([None] * len(cases), dtype="string")
    return cases


YEAR_2025 = Period(dt.date(2025, 1, 1), dt.date(2025, 12, 31))


def test_a_crossing_over_the_border_counts_in_the_kecamatan_it_leads_into(
    sample: Dataset,
) -> None:
    """2.5 km north of PLBN Nanga Badau, in Sarawak, a track counts in Badau; 7 km in, none."""
    crossings = gpd.GeoDataFrame(
        {"crossing_id": ["JT-1", "JT-2"], "kind": "land_track", "status": "active"},
        geometry=gpd.points_from_xy([111.8804, 111.8804], [1.1003, 1.1553]),
        crs="EPSG:4326",
    )

    def counts(given: gpd.GeoDataFrame) -> pd.Series:
        options = {"level": "kecamatan", "period": YEAR_2025, "crossings": given}
        return compute_indicators(sample.cases, **options).set_index("code")["unofficial_crossings"]

    stored = sample.crossings
    before = counts(stored)
    is_open = stored["kind"].isin(UNOFFICIAL_KINDS) & stored["status"].isin(OPEN_STATUSES)
    assert before.sum() == is_open.sum()  # every open unofficial crossing in one kecamatan
    after = counts(pd.concat([stored, crossings.iloc[[0]]], ignore_index=True))
    assert (after - before).to_dict() == {code: int(code == "61.06.14") for code in before.index}
    assert counts(crossings.iloc[[1]]).sum() == 0
    # Given only Sambas' first kecamatan, 280 km away, the track counts nowhere.
    sambas = reference.load_units("kecamatan").query("code == '61.01.01'")
    options = {"level": "kecamatan", "period": YEAR_2025, "units": sambas}
    far = compute_indicators(sample.cases, crossings=crossings.iloc[[0]], **options)
    assert far["unofficial_crossings"].sum() == 0


def test_indicators_of_hand_built_units(make_cases: MakeCases) -> None:
    shelter = gpd.GeoDataFrame(
        {"shelter_id": ["S1"], "confidential": [False]},
        geometry=gpd.points_from_xy([110.55], [0.95]),
        crs="EPSG:4326",
    )
    frame = compute_indicators(
        _located_cases(make_cases),
        level="kecamatan",
        period=YEAR_2025,
        units=_box_units(),
        crossings=_box_crossings(),
        shelters=shelter,
        near_km=10,
        data_start=dt.date(2024, 1, 1),
    )
    assert set(INDICATOR_COLUMNS) <= set(frame.columns)
    row = frame.set_index("name")
    assert row["cases"].tolist() == [3, 1, 0]
    assert row["victims"].tolist() == [6, 4, 0]
    assert row["cases_previous"].tolist() == [1.0, 2.0, 0.0]
    assert row["cases_change"].tolist() == [2.0, -1.0, 0.0]
    assert row.loc["A", "cases_change_pct"] == pytest.approx(200.0)
    assert row.loc["B", "cases_change_pct"] == pytest.approx(-50.0)
    assert np.isnan(row.loc["C", "cases_change_pct"])  # nothing to compare with
    assert row["unofficial_crossings"].tolist() == [1.0, 0.0, 0.0]
    # X1 is also 5.6 km from B's west edge, so B has X1 and X4 within 10 km.
    assert row["unofficial_crossings_near"].tolist() == [1.0, 2.0, 0.0]
    assert (row["crossings_near_km"] == 10.0).all()
    assert row["population_estimated"].all()
    people = row["population"]
    np.testing.assert_allclose(row["cases_per_100k"], row["cases"] / people * 1e5)
    # Smoothed by default with a local Poisson–gamma prior over Queen neighbours: A-B touch,
    # C (an island here) is joined to its nearest unit, B.
    assert queen_neighbours(_box_units()) == {0: [1], 1: [0, 2], 2: [1]}
    eb = smooth_rates(row["cases"], people, neighbours={0: [1], 1: [0, 2], 2: [1]}) * 1e5
    np.testing.assert_allclose(row["cases_rate_eb_per_100k"], eb)
    assert frame.attrs["smoother"] == "poisson_gamma_local"
    np.testing.assert_allclose(row["cases_eb_per_100km2"], eb * people / 1e5 / 123.0 * 100)
    # A: its exact case is 0.5° of longitude (~55.7 km) west of the shelter; its two other
    # cases sit at A's centre, also ~55.7 km away. C has no case: its centre is ~0 km away.
    assert row.loc["A", "shelter_dist_km"] == pytest.approx(55.7, abs=1.0)
    assert row.loc["C", "shelter_dist_km"] < 1.0
    assert frame.attrs["period"] == YEAR_2025
    assert frame.attrs["previous_covered"]


def test_change_is_unknown_when_the_data_starts_after_the_previous_period(
    make_cases: MakeCases,
) -> None:
    cases = _located_cases(make_cases)
    frame = compute_indicators(
        cases, level="kecamatan", period=YEAR_2025, units=_box_units(),
        data_start=dt.date(2024, 3, 1),
    )  # fmt: skip
    assert frame["cases_change"].isna().all()
    assert frame["unofficial_crossings"].isna().all()  # no crossings given
    assert frame["shelter_dist_km"].isna().all()  # no shelters given


def test_confidential_shelters_count_at_their_kecamatan_centre() -> None:
    entikong = reference.load_units("kecamatan").set_index("code").loc["61.03.21"]
    point = shapely.Point(110.33, 0.99)  # inside Entikong
    shelters = gpd.GeoDataFrame(
        {"confidential": [True, False]}, geometry=[point, point], crs="EPSG:4326"
    )
    hidden, shown = shelter_sites(shelters)
    centre = gpd.GeoSeries([entikong.geometry], crs="EPSG:4326").to_crs("EPSG:32649")
    assert hidden.equals(centre.representative_point().iloc[0])
    assert not shown.equals(hidden)
    exact = shelter_sites(shelters, exact_confidential=True)
    assert exact[0].equals(exact[1])


def test_indicator_arguments_are_checked(make_cases: MakeCases) -> None:
    cases = _located_cases(make_cases)
    with pytest.raises(GeodataError, match="`level` should be one of"):
        compute_indicators(cases, level="province")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="`cases` should be a GeoDataFrame, got DataFrame"):
        compute_indicators(pd.DataFrame(cases), level="kecamatan")  # type: ignore[arg-type]
    with pytest.raises(GeodataError, match=r"should be in EPSG:4326.*to_crs"):
        compute_indicators(cases.to_crs("EPSG:32649"), level="kecamatan")
    with pytest.raises(GeodataError, match="`near_km` should be above zero"):
        compute_indicators(cases, level="kecamatan", near_km=0, units=_box_units())


def test_change_by_unit_and_its_map(make_cases: MakeCases) -> None:
    frame = change_by_unit(
        _located_cases(make_cases), level="kecamatan", period=YEAR_2025, units=_box_units(),
        data_start=dt.date(2024, 1, 1),
    )  # fmt: skip
    assert list(frame.columns[-len(CHANGE_COLUMNS) :]) == list(CHANGE_COLUMNS)
    assert frame["cases_change"].tolist() == [2.0, -1.0, 0.0]
    assert frame["victims_change"].tolist() == [5.0, 2.0, 0.0]
    classes, step = change_classes(frame["cases_change"])
    assert step == 2  # half the largest change (2), at least 2
    assert classes.tolist() == [2, -1, 0]
    layer, legend = change_layer(frame, level="kecamatan", lang="en")
    assert len(legend) == 5
    assert "Up by 2 cases or more" in legend[-1].label
    folium_map = folium.Map()
    layer.add_to(folium_map)
    assert "#ca0020" in folium_map.get_root().render()


# --------------------------------------------------------------------------- the index


def _toy_indicators() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "code": ["u1", "u2", "u3"],
            "name": ["One", "Two", "Three"],
            "cases": [0.0, 5.0, 10.0],
            "centre_dist_border_km": [10.0, 60.0, 110.0],
            "shelter_dist_km": [np.nan] * 3,
        }
    )


def test_min_max_index_by_hand() -> None:
    # Weights 1 and 3 -> 0.25 and 0.75. cases min-max: 0, 0.5, 1. Border distance reversed
    # (closer is riskier): 1, 0.5, 0. Score = 100 (0.25 cases + 0.75 border):
    # u1 = 75, u2 = 50, u3 = 25.
    index = RiskIndex({"cases": 1, "centre_dist_border_km": 3}, normalisation="minmax").fit(
        _toy_indicators()
    )
    assert index.weights_ == {"cases": 0.25, "centre_dist_border_km": 0.75}
    np.testing.assert_allclose(index.scores_["risk_score"], [75.0, 50.0, 25.0])
    assert index.scores_["risk_rank"].tolist() == [1, 2, 3]
    parts = index.contributions_
    assert list(parts.columns) == list(CONTRIBUTION_COLUMNS)
    assert len(parts) == 6
    one = parts[parts["code"] == "u1"].set_index("indicator")
    assert one.loc["centre_dist_border_km", "contribution"] == pytest.approx(75.0)
    assert one.loc["cases", "normalised"] == 0.0
    totals = parts.groupby("code")["contribution"].sum()
    np.testing.assert_allclose(totals.reindex(["u1", "u2", "u3"]), [75.0, 50.0, 25.0])


def test_empty_indicators_are_left_out_and_weights_rescaled() -> None:
    index = RiskIndex({"cases": 1, "shelter_dist_km": 1}).fit(_toy_indicators())
    assert index.dropped_ == ["shelter_dist_km"]
    assert index.weights_ == {"cases": 1.0}
    with pytest.raises(GeodataError, match="every weighted indicator is empty"):
        RiskIndex({"shelter_dist_km": 1}).fit(_toy_indicators())


def test_ties_rank_by_cases_then_code() -> None:
    frame = _toy_indicators().assign(centre_dist_border_km=50.0)
    index = RiskIndex({"centre_dist_border_km": 1}).fit(frame)
    # Every centre 50 km from the border: 100 exp(-50 / 25) points each, a three-way tie.
    np.testing.assert_allclose(index.scores_["risk_score"], 100 * np.exp(-2.0))
    assert index.scores_["risk_rank"].tolist() == [3, 2, 1]


def test_rank_normalisation_keeps_zeros_at_zero() -> None:
    values = pd.Series([0.0, 0.0, 0.0, 2.0, 7.0])
    assert normalise(values, method="rank").tolist() == [0.0, 0.0, 0.0, 0.75, 1.0]
    assert normalise(values, method="minmax").tolist() == [0.0, 0.0, 0.0, 2 / 7, 1.0]
    # Reversed: -7 ranks 1, -2 ranks 2, the zeros 3: (rank - 1) / 4.
    reversed_ = normalise(values, method="rank", lower_is_riskier=True)
    assert reversed_.tolist() == [0.5, 0.5, 0.5, 0.25, 0.0]
    assert normalise(pd.Series([3.0, 3.0]), method="rank").tolist() == [0.0, 0.0]


def test_log_scale_keeps_magnitudes_by_hand() -> None:
    # ref = max / 1,000 = 1; t = log1p(x) / log1p(1,000): a tenfold step is ~a third.
    values = pd.Series([0.0, 1.0, 10.0, 1000.0, -3.0, np.nan])
    assert log_reference(values) == 1.0
    expected = [0.0, np.log(2), np.log(11), np.log(1001), 0.0, 0.0] / np.log(1001)
    np.testing.assert_allclose(normalise(values, method="log"), expected)
    # Distances: a fixed decay with units, exp(-km / 25), not relative to the other units.
    km = pd.Series([0.0, 25.0, 100.0])
    np.testing.assert_allclose(
        normalise(km, method="log", lower_is_riskier=True), np.exp(-km / BORDER_DECAY_KM)
    )
    assert BORDER_DECAY_KM == 25.0
    # Percentile ranks make the 1,000-fold gap one step, as large as the 1-to-10 one.
    ranks = normalise(values.iloc[:4], method="rank")
    assert ranks[3] - ranks[2] == pytest.approx(ranks[2] - ranks[1])
    assert normalise(pd.Series([0.0, 0.0]), method="log").tolist() == [0.0, 0.0]


def _case_points(index: RiskIndex) -> pd.Series:
    explained = index.explanation_
    return explained[explained["indicator"].isin(CASE_DRIVEN)].groupby("code")["points"].sum()


@pytest.mark.parametrize("normalisation", ["log", "rank", "minmax"])
def test_units_without_cases_score_no_case_points_on_the_sample(
    sample: Dataset, normalisation: str
) -> None:
    indicators = compute_indicators(
        sample.cases, level="kecamatan", period=YEAR_2025, crossings=sample.crossings
    )
    index = RiskIndex(normalisation=normalisation).fit(indicators)  # type: ignore[arg-type]
    points = _case_points(index).reindex(indicators["code"]).to_numpy()
    has_cases = indicators["cases"].to_numpy() > 0
    assert 0 < has_cases.sum() < len(indicators)
    # Smoothing gives every unit a rate above 0, but no case means no case points ...
    assert (indicators.loc[~has_cases, "cases_rate_eb_per_100k"] > 0).all()
    assert (points[~has_cases] == 0).all()
    # ... and every unit with a case has some, so none without a case outranks it there.
    assert (points[has_cases] > 0).all()


@pytest.mark.parametrize("level", ["kecamatan", "desa"])
def test_all_cases_in_one_unit_rank_it_first(sample: Dataset, level: Level) -> None:
    """The issue's example: all 25 cases of 2025 in Jongkat (Mempawah), none elsewhere."""
    kecamatan = reference.load_units("kecamatan")
    jongkat = kecamatan.loc[kecamatan["name"] == "Jongkat", "code"].item()
    desa = reference.load_units("desa")
    target = jongkat if level == "kecamatan" else desa.loc[
        desa["kecamatan_code"] == jongkat, "code"].iloc[0]  # fmt: skip
    reported = pd.to_datetime(sample.cases["date_reported"])
    moved = sample.cases[reported.dt.year == 2025].head(25).copy()
    moved[["admin_code", "location_precision", "lon", "lat"]] = [target, level, None, None]
    moved = moved.set_geometry(gpd.GeoSeries([None] * len(moved), index=moved.index))
    cases = pd.concat([sample.cases[reported.dt.year != 2025], moved], ignore_index=True)
    indicators = compute_indicators(
        gpd.GeoDataFrame(cases, crs=sample.cases.crs), level=level, period=YEAR_2025,
        crossings=sample.crossings,
    )  # fmt: skip
    assert indicators.loc[indicators["code"] == target, "cases"].item() == 25
    assert indicators["cases"].sum() == 25
    index = RiskIndex().fit(indicators)
    points = _case_points(index)
    assert points.idxmax() == target
    assert (points.drop(target) == 0).all()
    scores = index.scores_.set_index("code")
    assert scores.loc[target, "risk_rank"] == 1
    # Under the old percentile ranks a unit with no case still outranked it; no more.
    assert (scores.loc[scores["cases"] == 0, "risk_score"] < scores.loc[target, "risk_score"]).all()


def test_explanation_adds_up_and_can_be_recomputed(sample: Dataset) -> None:
    indicators = compute_indicators(
        sample.cases, level="kecamatan", period=YEAR_2025, crossings=sample.crossings
    )
    five = {"cases_eb_per_100km2": 5, "cases_rate_eb_per_100k": 2, "cases_change": 1,
            "unofficial_crossings_near": 1, "centre_dist_border_km": 1}  # fmt: skip
    index = RiskIndex(five).fit(indicators)
    explained = index.explanation_
    assert list(explained.columns) == list(EXPLANATION_COLUMNS)
    assert set(explained["rule"]) == {"log_ratio", "border_decay", "no_case"}
    assert len(explained) == len(indicators) * len(index.weights_)
    totals = explained.groupby("code")["points"].sum()
    scores = index.scores_.set_index("code")["risk_score"]
    np.testing.assert_allclose(totals.reindex(scores.index), scores, atol=1e-9)
    # Every transformed value follows from value, rule and reference as RISK_METHOD.md says.
    high = explained.groupby("indicator")["value"].transform("max").clip(lower=0)
    value, ref = explained["value"].clip(lower=0), explained["reference"]
    expected = np.select(
        [explained["rule"] == "no_case", explained["rule"] == "border_decay"],
        [0.0, np.exp(-value / BORDER_DECAY_KM)],
        np.log1p(value / ref) / np.log1p(high / ref),
    )
    np.testing.assert_allclose(explained["transformed"], expected, atol=1e-12)
    np.testing.assert_allclose(
        explained["points"], 100 * explained["weight"] * explained["transformed"]
    )
    units = dict(zip(explained["indicator"], explained["unit"], strict=False))
    assert units["cases_eb_per_100km2"] == "per_100km2"
    assert units["centre_dist_border_km"] == "km"
    # The same numbers in the long contributions, the chart and the translated table.
    sekayam = indicators.loc[indicators["name"] == "Sekayam", "code"].item()
    chart = contribution_chart(index.contributions_, code=sekayam, lang="en").to_dict()
    charted = pd.DataFrame(next(iter(chart["datasets"].values()))).set_index("indicator")
    mine = explained[explained["code"] == sekayam].set_index("indicator")
    np.testing.assert_allclose(charted["contribution"], mine["points"].reindex(charted.index))
    np.testing.assert_allclose(charted["value"], mine["value"].reindex(charted.index))
    table = explanation_table(explained, lang="id", code=sekayam)
    assert {"kasus per 100 km²", "per 100.000 penduduk", "km", "jalur"} <= set(table["Satuan"])
    assert table["Sumbangan ke skor (poin)"].is_monotonic_decreasing
    assert table["Sumbangan ke skor (poin)"].sum() == pytest.approx(scores[sekayam])
    with pytest.raises(GeodataError, match="'u9' is not in `explanation`"):
        explanation_table(explained, lang="en", code="u9")


def test_ranking_status_says_how_many_cases(sample: Dataset) -> None:
    year = compute_indicators(sample.cases, level="kabupaten", period=YEAR_2025)
    status = ranking_status(year)
    assert (status.cases, status.state, status.ok) == (68, "enough", True)
    assert "68 kasus" in status.message("id") and "68 cases" in status.message("en")
    march = Period(dt.date(2025, 3, 1), dt.date(2025, 3, 31))
    few = ranking_status(compute_indicators(sample.cases, level="kabupaten", period=march))
    assert 0 < few.cases < MIN_CASES == 20
    assert few.state == "few"
    assert "choose a longer period" in few.message("en")
    assert "pilih periode yang lebih panjang" in few.message("id")
    empty_period = Period(dt.date(2010, 1, 1), dt.date(2010, 12, 31))
    empty = ranking_status(compute_indicators(sample.cases, level="kabupaten", period=empty_period))
    assert (empty.cases, empty.state, empty.ok) == (0, "empty", False)
    assert "Tidak ada kasus" in empty.message("id") and "no case" in empty.message("en")
    with pytest.raises(GeodataError, match="`min_cases` should be 1 or more, got 0"):
        ranking_status(year, min_cases=0)


def test_weights_are_checked_all_at_once() -> None:
    assert sum(check_weights(DEFAULT_WEIGHTS).values()) == pytest.approx(1.0)
    assert set(DEFAULT_WEIGHTS) <= set(WEIGHTABLE)
    with pytest.raises(
        GeodataError,
        match=r"'csaes' \(did you mean 'cases'\?\); unknown .* 'x'; cases_change=-1 should",
    ):
        check_weights({"csaes": 1, "cases": 1, "x": -1} | {"cases_change": -1})
    with pytest.raises(GeodataError, match="at least one indicator a weight above zero"):
        check_weights({"cases": 0})
    with pytest.raises(TypeError, match="`weights` should be a mapping"):
        check_weights([("cases", 1)])  # type: ignore[arg-type]
    assert parse_weights("cases=2, cases_change=1") == {"cases": 2.0, "cases_change": 1.0}
    assert check_weights({"cases": np.int64(3), "victims": np.float32(1)})["cases"] == 0.75
    with pytest.raises(GeodataError, match="name=value pairs"):
        parse_weights("cases:2")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_indicator_and_class_has_a_label(lang: str) -> None:
    """Labels are looked up as "indicator." + column, so check them here."""
    known = catalogue(lang)
    columns = {*INDICATOR_COLUMNS, *WEIGHTABLE, *CHANGE_COLUMNS, "risk_score", "risk_rank"}
    assert {f"indicator.{column}" for column in columns} - known.keys() == set()


def test_contribution_chart_explains_one_unit() -> None:
    index = RiskIndex({"cases": 1, "centre_dist_border_km": 3}, normalisation="minmax")
    parts = index.fit(_toy_indicators()).contributions_
    data = contribution_data(parts, code="u1", lang="id")
    assert data["indicator"].tolist() == ["centre_dist_border_km", "cases"]
    assert data["label"].iloc[0] == "Jarak titik tengah wilayah ke perbatasan (km)"
    chart = contribution_chart(parts, code="u1", lang="en").to_dict()
    assert chart["mark"]["type"] == "bar"
    assert chart["title"].startswith("Why does this area score high")
    with pytest.raises(GeodataError, match="'u9' is not in `contributions`"):
        contribution_data(parts, code="u9", lang="en")


def test_risk_layer_escapes_names_and_shows_top_contributions() -> None:
    units = _box_units()
    units.loc[0, "name"] = "<img src=x onerror=alert(1)>"
    indicators = units.assign(cases=[5.0, 1.0, 0.0])
    index = RiskIndex({"cases": 2, "centre_dist_border_km": 1}).fit(indicators)
    layer, classes = risk_layer(
        index.scores_, level="kecamatan", lang="en", contributions=index.contributions_
    )
    folium_map = folium.Map()
    layer.add_to(folium_map)
    assert "<img src=x" not in folium_map.get_root().render()
    tips = risk_tooltips(index.scores_, index.contributions_, lang="en")
    assert "</th><td>&lt;img src=x onerror=alert(1)&gt;</td>" in tips[0]
    assert "1 of 3" in tips[0]
    assert "Cases</th><td>+" in tips[0]  # its largest contribution
    assert classes.legend


# --------------------------------------------------------------------------- real data


@pytest.fixture(scope="module")
def sample_scores(sample: Dataset) -> pd.DataFrame:
    return risk_table(
        sample.cases, level="kecamatan", crossings=sample.crossings, shelters=sample.shelters
    )


def test_sample_kecamatan_ranking(sample_scores: pd.DataFrame) -> None:
    assert len(sample_scores) == 174
    assert sorted(sample_scores["risk_rank"]) == list(range(1, 175))
    assert list(sample_scores.columns) == list(OUTPUT_COLUMNS)
    assert sample_scores["risk_score"].between(0, 100).all()
    top = sample_scores.head(25)
    # Border kecamatan of the Entikong corridor (Sanggau) and of Sambas rank high, and no
    # unit without a case of the period reaches the top 25.
    assert {"Sekayam", "Entikong", "Sambas"} <= set(top["name"])
    assert (top["cases"] > 0).all()
    assert sample_scores.attrs["period"] == YEAR_2025


def test_real_kabupaten_rates_match_the_published_population(sample: Dataset) -> None:
    frame = compute_indicators(sample.cases, level="kabupaten", period=YEAR_2025)
    kabupaten = reference.load_units("kabupaten")
    np.testing.assert_allclose(frame["population"], kabupaten["population"])
    assert not frame["population_estimated"].any()
    np.testing.assert_allclose(
        frame["cases_per_100k"], frame["cases"] / kabupaten["population"] * 1e5
    )
    assert frame["cases"].sum() == 68  # every 2025 case is known to its kabupaten
    # Smoothed rates lie between each raw rate and the overall rate.
    overall = frame["cases"].sum() / frame["population"].sum() * 1e5
    raw, eb = frame["cases_per_100k"], frame["cases_rate_eb_per_100k"]
    assert ((eb - overall) * (raw - overall) >= -1e-12).all()
    assert (abs(eb - overall) <= abs(raw - overall) + 1e-12).all()


def test_sample_desa_indicators(sample: Dataset) -> None:
    frame = compute_indicators(sample.cases, level="desa", period=YEAR_2025)
    assert len(frame) == 2130
    assert frame["cases"].sum() + frame.attrs["cases_not_placed"] == 68


# --------------------------------------------------------------------------- command line


def test_cli_prints_every_kecamatan(capsys: pytest.CaptureFixture[str]) -> None:
    cases = str(SAMPLE_DIR / "cases.csv")
    assert main(["--cases", cases, "--level", "kecamatan", "--format", "json"]) == 0
    out = capsys.readouterr()
    rows = json.loads(out.out)
    assert len(rows) == 174
    assert [row["risk_rank"] for row in rows] == list(range(1, 175))
    assert set(OUTPUT_COLUMNS) == set(rows[0])
    assert "data contoh sintetis" in out.err


def test_cli_csv_with_dates_and_weights(capsys: pytest.CaptureFixture[str]) -> None:
    cases = str(SAMPLE_DIR / "cases.csv")
    argv = ["--cases", cases, "--level", "kabupaten", "--from", "2024-01-01", "--to",
            "2024-12-31", "--weights", "cases=1", "--format", "csv"]  # fmt: skip
    assert main(argv) == 0
    table = pd.read_csv(pd.io.common.StringIO(capsys.readouterr().out))
    assert len(table) == 14
    assert table["cases"].sum() == 54  # the public 2024 figure
    assert table.iloc[0]["cases"] == table["cases"].max()


def test_cli_says_how_many_cases_and_explains(capsys: pytest.CaptureFixture[str]) -> None:
    cases = str(SAMPLE_DIR / "cases.csv")
    argv = ["--cases", cases, "--level", "kabupaten", "--from", "2025-01-01", "--to",
            "2025-12-31", "--format", "json"]  # fmt: skip
    assert main([*argv, "--lang", "en"]) == 0
    out = capsys.readouterr()
    assert "rests on 68 cases" in out.err and "Caution" not in out.err
    ranking = pd.DataFrame(json.loads(out.out)).set_index("code")
    assert main([*argv, "--explain"]) == 0
    explained = pd.DataFrame(json.loads(capsys.readouterr().out))
    assert set(EXPLANATION_COLUMNS) <= set(explained.columns)
    totals = explained.groupby("code")["points"].sum()
    np.testing.assert_allclose(totals.reindex(ranking.index), ranking["risk_score"], atol=1e-3)
    march = ["--from", "2025-03-01", "--to", "2025-03-31"]
    assert main(["--cases", cases, "--level", "kabupaten", *march, "--lang", "en"]) == 0
    assert "Caution: this ranking rests on only" in capsys.readouterr().err


@pytest.mark.parametrize(("lang", "message"), [("id", "Tidak ada kasus"), ("en", "no case")])
def test_cli_empty_period_exits_1_without_a_ranking(
    lang: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    cases = str(SAMPLE_DIR / "cases.csv")
    argv = ["--cases", cases, "--level", "kecamatan", "--from", "2010-01-01", "--to",
            "2010-12-31", "--lang", lang]  # fmt: skip
    assert main(argv) == 1
    out = capsys.readouterr()
    assert out.out == ""
    assert message in out.err


def test_cli_does_not_import_folium_or_mapclassify() -> None:
    script = (
        "import sys\nfrom layers.risk import main\n"
        f"code = main(['--cases', {str(SAMPLE_DIR / 'cases.csv')!r}, '--level', 'kecamatan'])\n"
        "print(code, sorted({'folium', 'mapclassify'} & set(sys.modules)))"
    )
    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=False,
        timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().splitlines()[-1] == "0 []"


def test_cli_bad_file_prints_the_report_in_indonesian_or_english(
    capsys: pytest.CaptureFixture[str],
) -> None:
    bad = str(FIXTURES / "cases_missing_columns.csv")
    assert main(["--cases", bad, "--level", "kecamatan"]) == 1
    assert "kesalahan" in capsys.readouterr().err
    assert main(["--cases", bad, "--level", "kecamatan", "--lang", "en"]) == 1
    err = capsys.readouterr().err
    assert "error" in err and "Traceback" not in err
    assert main(["--cases", "/no/such/file.csv", "--level", "desa", "--lang", "en"]) == 1
    assert "not found" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--level", "kecamatan"], "required: --cases"),
        (["--cases", "x.csv", "--level", "provinsi"], "invalid choice: 'provinsi'"),
        (["--cases", "x.csv", "--level", "desa", "--from", "2025-13-01"], "YYYY-MM-DD"),
        (["--cases", "x.csv", "--level", "desa", "--weights", "csaes=1"], "unknown indicator"),
        (["--cases", "x.csv", "--level", "desa", "--from", "2025-02-01", "--to",
          "2025-01-01"], "should not be before"),
        (["--cases", "x.csv", "--level", "desa", "--format", "xml"], "invalid choice: 'xml'"),
    ],
)  # fmt: skip
def test_cli_bad_arguments_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_cli_runs_as_a_module_without_a_traceback() -> None:
    bad = str(FIXTURES / "cases_bad.csv")
    run = subprocess.run(
        [sys.executable, "-m", "layers.risk", "--cases", bad, "--level", "kecamatan"],
        capture_output=True, text=True, cwd=ROOT, check=False, timeout=120,
    )  # fmt: skip
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr
    assert run.stdout == ""
