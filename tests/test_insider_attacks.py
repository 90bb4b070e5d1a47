"""Fresh-eyes attacks of an insider with the lowest role (viewer) on the data layer.

Issues 8 and 9 promise that a viewer can never single out a victim, whatever links,
filters or downloads they combine. A GeoPackage store holds real desa of the committed
geodata: ordinary adult labour cases in 2023 and 2024, and one hidden case, alone in its
kecamatan (``HIDDEN_UNIT``) and alone in 2025: a female child, sexual exploitation, to
Brunei (``BN``, no other case goes there), with a free-text destination state and source.

Each attack asks what a viewer's page or link can ask of :class:`geodata.access.RoleView`,
the exports and :mod:`geodata.access.analysis_input`. Where a published 0 can hide the case (two
store keys in three), the attack picks such a key: the hidden case then must leave no trace.
Each hole found by attacking the first version is a test here; all are closed now.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import re
from collections.abc import Callable
from typing import Any, Final

import pandas as pd
import pytest

from geodata import reference
from geodata.access import EXPORT_FORMATS, MIN_BREAKDOWN_CASES, RoleView, export_bytes, view_for
from geodata.access.analysis_input import analysis_cases, analysis_years, published_counts
from geodata.errors import AccessDeniedError
from geodata.records.cases import CaseFilter
from geodata.records.datasets import Dataset
from geodata.store import open_store

THRESHOLD: Final = 3
KABUPATEN: Final = "61.03"
UNITS: Final = ("61.03.01", "61.03.02", "61.03.03")
HIDDEN_UNIT: Final = UNITS[2]
HIDDEN_DAY: Final = dt.date(2025, 3, 14)
HIDDEN_COUNTRY: Final = "BN"
HIDDEN_STATE: Final = "Bandar Seri Begawan - rumah Tn. Z"
HIDDEN_SOURCE: Final = "Laporan bibi korban, Dusun W"
#: The hidden case's own filter: only it matches.
HIDDEN_FILTER: Final = CaseFilter(
    exploitation=frozenset({"sexual"}),
    sexes=frozenset({"female"}),
    ages=frozenset({"child"}),
    destinations=frozenset({HIDDEN_COUNTRY}),
)
YEAR_2025: Final = CaseFilter(date_from=dt.date(2025, 1, 1), date_to=dt.date(2025, 12, 31))
SECRETS: Final = tuple(bytes([n]) * 32 for n in range(1, 41))


def _first_desa(kecamatan: str) -> str:
    desa = reference.load_units("desa")
    return str(desa.loc[desa["code"].str.startswith(kecamatan + "."), "code"].iloc[0])


@pytest.fixture(scope="module")
def dataset(
    make_cases: Callable[..., Any], sample: Dataset, tmp_path_factory: pytest.TempPathFactory
) -> Dataset:
    """28 ordinary cases in 2023-2024 and the hidden one in 2025, in a GeoPackage store."""
    adult = {
        "victims_female_adult": 1,
        "victims_male_adult": 1,
        "exploitation": "labour",
        "destination_country": "MY",
        "destination_state": "Sarawak",
        "location_precision": "desa",
        "source": "Polda Kalbar",
    }
    others = ["61.01.01", "61.02.01", "61.04.01", "61.05.01", "61.06.01", "61.07.01"]
    places = [UNITS[0]] * 6 + [UNITS[1]] * 4 + [others[n % 6] for n in range(18)]
    rows: list[dict[str, Any]] = [
        {
            **adult,
            "admin_code": _first_desa(place),
            "date_reported": pd.Timestamp(dt.date(2023 + n % 2, 1, 9) + dt.timedelta(days=11 * n)),
        }
        for n, place in enumerate(places)
    ]
    # 2023 statuses: 1 case under investigation, 3 reported, the rest in prosecution.
    for n, status in ((0, "investigation"), (2, "reported"), (4, "reported"), (6, "reported")):
        rows[n]["status"] = status
    rows.append(
        {
            "admin_code": _first_desa(HIDDEN_UNIT),
            "location_precision": "desa",
            "date_reported": pd.Timestamp(HIDDEN_DAY),
            "victims_female_child": 1,
            "exploitation": "sexual",
            "destination_country": HIDDEN_COUNTRY,
            "destination_state": HIDDEN_STATE,
            "source": HIDDEN_SOURCE,
        }
    )
    cases = make_cases(*rows)
    store = open_store(f"gpkg://{tmp_path_factory.mktemp('insider') / 'store.gpkg'}")
    store.import_batch("crossings", sample.crossings, user="test")
    store.import_batch("shelters", sample.shelters, user="test")
    store.import_batch("cases", cases, user="test")
    stored = store.dataset()
    assert len(stored.cases) == 29, f"expected the 29 cases stored, got {len(stored.cases)}"
    return stored


@pytest.fixture(scope="module")
def viewer(dataset: Dataset) -> RoleView:
    return view_for("viewer", dataset, threshold=THRESHOLD)


@pytest.fixture(scope="module")
def hiding_viewer(dataset: Dataset) -> RoleView:
    """A viewer of the store under the first key whose published counts hide the case."""
    for secret in SECRETS:
        view = view_for("viewer", dataclasses.replace(dataset, secret=secret), threshold=THRESHOLD)
        if view.case_totals(case_filter=YEAR_2025).cases == 0:
            return view
    raise AssertionError(f"no key of {len(SECRETS)} hides the case (1 in 3 should)")


def _hidden_trace(frame: pd.DataFrame) -> str:
    """Text of a frame, for searching the hidden case's free text, id and day."""
    return frame.astype(str).to_csv()


# --------------------------------------------------------------------------- holes


def test_a_breakdown_row_published_as_zero_does_not_exist(hiding_viewer: RoleView) -> None:
    """The page's charts (drawn when the page total is not 0) must not list the hidden
    case's destination or exploitation with 0: a true 0 has no row."""
    assert hiding_viewer.case_totals().cases > 0  # the charts are drawn
    for column in ("destination", "exploitation"):
        rows = hiding_viewer.case_breakdown(column)
        assert rows["cases"].gt(0).all(), f"a {column} row published as 0:\n{rows}"


def test_a_trend_does_not_reach_a_year_with_no_published_case(hiding_viewer: RoleView) -> None:
    assert hiding_viewer.case_totals(case_filter=YEAR_2025).cases == 0
    whole = hiding_viewer.case_trend()
    years = set(pd.to_datetime(whole["period"]).dt.year)
    assert 2025 not in years, f"expected no 2025 period (published 0), got\n{whole}"


def test_no_destination_is_offered_and_none_is_applied(hiding_viewer: RoleView) -> None:
    assert hiding_viewer.filter_options().destinations == ()
    shown = CaseFilter(destinations=frozenset({HIDDEN_COUNTRY}))
    assert hiding_viewer.case_totals(case_filter=shown) == hiding_viewer.case_totals()


#: Filters a link can set that single out the hidden case, or leave it out, or pad it with
#: others (a red-team run read a lone case's profile and tested for a case's existence by
#: comparing such filters' counts, at kabupaten, kecamatan and desa level).
PROBES: Final = (
    HIDDEN_FILTER,
    CaseFilter(exploitation=frozenset({"labour"})),
    CaseFilter(destinations=frozenset({"MY", "CN", "ID"})),
    CaseFilter(sexes=frozenset({"male"}), ages=frozenset({"adult"})),
    CaseFilter(statuses=frozenset({"investigation", "reported"})),
    CaseFilter(crossing_types=frozenset({"official"})),
    CaseFilter(sources=frozenset({HIDDEN_SOURCE})),
)


@pytest.mark.parametrize("probe", PROBES, ids=lambda probe: str(sorted(probe.__dict__.items())))
def test_no_filter_but_the_period_changes_any_number_a_viewer_sees(
    viewer: RoleView, probe: CaseFilter
) -> None:
    """Whatever a link asks besides the period, every count, total, trend and breakdown
    is the unfiltered one: no attribute is read off a small area, and no pair of filters
    tells whether a case with a given profile exists."""
    for year in (None, YEAR_2025):
        asked = dataclasses.replace(probe, date_from=year and year.date_from,
                                    date_to=year and year.date_to)  # fmt: skip
        plain = year or CaseFilter()
        for level in ("kabupaten", "kecamatan", "desa"):
            units = reference.load_units(level)
            got = viewer.case_counts(units, level=level, case_filter=asked)
            expected = viewer.case_counts(units, level=level, case_filter=plain)
            assert got.drop(columns="geometry").equals(expected.drop(columns="geometry")), level
        for unit in (None, KABUPATEN, HIDDEN_UNIT):
            assert viewer.case_totals(case_filter=asked, unit=unit) == viewer.case_totals(
                case_filter=plain, unit=unit
            )
            assert viewer.case_trend(case_filter=asked, unit=unit).equals(
                viewer.case_trend(case_filter=plain, unit=unit)
            )
        for column in ("exploitation", "destination", "status", "crossing_type"):
            assert viewer.case_breakdown(column, case_filter=asked).equals(
                viewer.case_breakdown(column, case_filter=plain)
            )
        rows = analysis_cases(viewer, case_filter=asked).drop(columns="geometry")
        assert rows.equals(analysis_cases(viewer, case_filter=plain).drop(columns="geometry"))


def test_a_desa_counts_all_years_and_has_no_trend(hiding_viewer: RoleView) -> None:
    """A desa's count per year would date its few cases: a viewer's desa counts cover all
    years whatever the period, and a desa has no trend."""
    desa = reference.load_units("desa")
    hidden_desa = _first_desa(HIDDEN_UNIT)
    in_2025 = hiding_viewer.case_counts(desa, level="desa", case_filter=YEAR_2025)
    assert in_2025.drop(columns="geometry").equals(
        hiding_viewer.case_counts(desa, level="desa").drop(columns="geometry")
    )
    assert hiding_viewer.case_trend(unit=hidden_desa).empty
    assert hiding_viewer.case_totals(case_filter=YEAR_2025, unit=hidden_desa) == (
        hiding_viewer.case_totals(unit=hidden_desa)
    )


def test_breakdowns_cover_the_province_and_all_years_only(viewer: RoleView) -> None:
    """An area's breakdowns, or a year's with few cases, would each tell one attribute of
    its few cases, and two periods' the attributes of the cases one adds (a review read 42
    of 48 attributes of lone 2020 cases from 2020-2021 against 2021): a viewer gets the
    province's over all years, whatever the period, and no area's."""
    both = CaseFilter(date_from=dt.date(2024, 1, 1), date_to=dt.date(2025, 12, 31))
    assert viewer.case_totals(case_filter=YEAR_2025).cases < MIN_BREAKDOWN_CASES
    for column in ("exploitation", "destination", "status", "crossing_type"):
        whole = viewer.case_breakdown(column)
        assert not whole.empty
        for period in (YEAR_2025, both):
            assert viewer.case_breakdown(column, case_filter=period).equals(whole)
        for unit in (KABUPATEN, UNITS[0], HIDDEN_UNIT):
            assert viewer.case_breakdown(column, unit=unit).empty, (column, unit)


def test_the_year_range_does_not_reach_a_year_published_as_zero(
    hiding_viewer: RoleView,
) -> None:
    assert hiding_viewer.case_totals(case_filter=YEAR_2025).cases == 0
    last = hiding_viewer.filter_options().last
    assert last is not None and last.year < 2025, f"the year range reaches {last}"
    assert 2025 not in analysis_years(hiding_viewer), "analysis years reach 2025"


def test_breakdown_rows_are_not_ordered_by_true_counts(dataset: Dataset) -> None:
    """2023 holds 1 case under investigation and 3 reported: when both publish as 3, the
    rows must not say which is larger (published order, then the value's name)."""
    year_2023 = CaseFilter(date_from=dt.date(2023, 1, 1), date_to=dt.date(2023, 12, 31))
    told, equal = 0, 0
    for secret in SECRETS:
        view = view_for("viewer", dataclasses.replace(dataset, secret=secret), threshold=THRESHOLD)
        rows = view.case_breakdown("status", case_filter=year_2023)
        published = rows.set_index("status")["cases"]
        if published.get("investigation") == published.get("reported") == THRESHOLD:
            equal += 1
            names = list(rows["status"])
            told += names.index("reported") < names.index("investigation")
    assert equal, "no key published both statuses as 3 (1 key in 3 should)"
    assert told == 0, f"{told} of {equal} keys ordered equal published counts by true counts"


# --------------------------------------------------------------------------- attacks that held


def test_records_and_points_are_refused(viewer: RoleView, dataset: Dataset) -> None:
    with pytest.raises(AccessDeniedError):
        viewer.cases()
    with pytest.raises(AccessDeniedError):
        viewer.case_points(reference.load_gazetteer())
    assert not viewer.records_allowed


def test_a_day_range_and_a_source_in_a_link_are_not_honoured(viewer: RoleView) -> None:
    """A URL may put any dates and sources in the filter; the counts follow whole years."""
    the_day = CaseFilter(date_from=HIDDEN_DAY, date_to=HIDDEN_DAY)
    sourced = CaseFilter(sources=frozenset({HIDDEN_SOURCE}))
    units = reference.load_units("kecamatan")
    for asked, meant in ((the_day, YEAR_2025), (sourced, CaseFilter())):
        assert viewer.case_totals(case_filter=asked) == viewer.case_totals(case_filter=meant)
        got = viewer.case_counts(units, level="kecamatan", case_filter=asked)
        want = viewer.case_counts(units, level="kecamatan", case_filter=meant)
        pd.testing.assert_frame_equal(got, want)


def test_a_monthly_trend_is_yearly_for_a_viewer(viewer: RoleView) -> None:
    trend = viewer.case_trend(frequency="month")
    periods = pd.to_datetime(trend["period"])
    assert (periods.dt.month == 1).all() and (periods.dt.day == 1).all(), trend


def test_no_free_text_day_or_id_reaches_any_viewer_surface(
    viewer: RoleView, dataset: Dataset
) -> None:
    ids = set(dataset.cases["case_id"].astype(str))
    options = viewer.filter_options()
    assert options.sources == () and options.years_only
    assert options.first == dt.date(2023, 1, 1) and options.last.month == 12  # type: ignore[union-attr]
    surfaces = [
        viewer.case_breakdown(column, unit=unit)
        for column in ("destination", "exploitation", "status", "crossing_type")
        for unit in (None, KABUPATEN, HIDDEN_UNIT)
    ]
    surfaces += [viewer.case_trend(unit=unit) for unit in (None, KABUPATEN, HIDDEN_UNIT)]
    surfaces += [analysis_cases(viewer), published_counts(viewer), viewer.shelters]
    text = "\n".join(_hidden_trace(frame) for frame in surfaces)
    for secret in (HIDDEN_STATE, HIDDEN_SOURCE, "Polda Kalbar", "Sarawak", HIDDEN_DAY.isoformat()):
        assert secret not in text, f"{secret!r} reached a viewer surface"
    assert not ids & set(re.findall(r"T-\d{3}", text)), "a case id reached a viewer surface"


@pytest.mark.parametrize("fmt", [*EXPORT_FORMATS, "csv_excel_id"])
def test_every_export_holds_published_counts_only(
    viewer: RoleView, dataset: Dataset, fmt: Any
) -> None:
    for level in ("kabupaten", "kecamatan", "desa"):
        data = export_bytes(viewer, "cases", fmt, level=level, case_filter=HIDDEN_FILTER)
        blob = data.decode("latin-1")
        for secret in (HIDDEN_STATE, HIDDEN_SOURCE, HIDDEN_DAY.isoformat(), "T-029"):
            assert secret not in blob, f"{secret!r} in the {fmt} export at {level}"
        if fmt == "geojson":
            features = json.loads(data)["features"]
            got = {f["properties"]["code"]: f["properties"]["cases"] for f in features}
            units = reference.load_units(level)
            want = viewer.case_counts(units, level=level, case_filter=HIDDEN_FILTER)
            assert got == dict(zip(want["code"], want["cases"], strict=True))
        if fmt == "csv":
            frame = pd.read_csv(io.BytesIO(data), dtype={"code": str})
            assert set(frame["cases"]) <= {0} | set(range(THRESHOLD, 100)), "a 1 or 2 published"


def test_every_surface_publishes_the_same_number_for_the_same_cases(viewer: RoleView) -> None:
    """Map row, unit panel, one-unit trend, analysis rows and the export agree."""
    units = reference.load_units("kecamatan")
    for case_filter in (
        YEAR_2025,
        HIDDEN_FILTER,
        CaseFilter(date_from=dt.date(2024, 1, 1), date_to=dt.date(2024, 12, 31)),
    ):
        counted = viewer.case_counts(units, level="kecamatan", case_filter=case_filter)
        counted = counted.set_index("code")
        for unit in UNITS:
            panel = viewer.case_totals(case_filter=case_filter, unit=unit).cases
            assert counted.loc[unit, "cases"] == panel, (unit, case_filter)
        rows = analysis_cases(viewer, case_filter=case_filter)
        per_unit = rows.groupby("kecamatan_code").size()
        shown = counted["cases"][counted["cases"] > 0]
        if case_filter.date_from is not None:  # one year: rows are that year's counts
            assert per_unit.sort_index().to_dict() == shown.sort_index().to_dict()


def test_a_viewer_sees_no_shelter_source_and_generalised_confidential_ones(
    viewer: RoleView, dataset: Dataset
) -> None:
    assert "source" not in viewer.shelters.columns
    secret = viewer.shelters["confidential"].astype(bool)
    assert viewer.shelters.loc[secret, "location_generalised"].all()
    true_ids = set(dataset.shelters["shelter_id"].astype(str))
    assert not true_ids & set(viewer.shelters["shelter_id"].astype(str))
