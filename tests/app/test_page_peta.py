"""Peta (home page): the headline figures follow the filters, the panel follows the chosen
unit, the view survives a link, and the page speaks Indonesian by default and English on
request."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geodata import reference
from geodata.i18n import t
from geodata.records.datasets import load_sample
from tests.app.conftest import (
    APP,
    TIMEOUT,
    NewApp,
    en_number,
    fetched_files,
    id_number,
    metrics,
    raw_cases,
    run,
    shown_dates,
    texts,
    type_dates,
)
from tests.app.office import OfficeStore, everything, office_store

YEAR_2024 = (dt.date(2024, 1, 1), dt.date(2024, 12, 31))
SANGGAU, ENTIKONG = "61.03", "61.03.21"


def _headline(at: AppTest) -> tuple[str, str]:
    """The page's case and victim counts (the first two metrics)."""
    shown = metrics(at)
    return shown[0][1], shown[1][1]


def _panel(at: AppTest) -> list[tuple[str, str]]:
    """The selected unit's metrics (after the page's four)."""
    return metrics(at)[4:]


# --------------------------------------------------------------------------- default view


@pytest.fixture(scope="module")
def default_view() -> AppTest:
    """The page as it first opens (shared by the tests that only read it)."""
    return run(AppTest.from_file(str(APP), default_timeout=TIMEOUT))


def test_default_view_in_indonesian(default_view: AppTest) -> None:
    raw = raw_cases()
    at = default_view
    assert [title.value for title in at.title] == ["Peta risiko TPPO perbatasan Kalbar–Sarawak"]
    assert metrics(at) == [
        ("Jumlah kasus", "315"),
        ("Jumlah korban", "1.019"),
        (t("map.layer.crossings", "id"), "77"),
        (t("map.layer.shelters", "id"), "14"),
    ]
    assert (len(raw), raw["victims"].sum()) == (315, 1019)
    shown = texts(at)
    assert "315 dari 315 kasus, periode 13 Januari 2020 – 29 Desember 2025" in shown
    assert t("peta.no_cases", "id") not in shown
    assert t("common.sample_data", "id") in shown  # the synthetic-data warning
    assert shown_dates(at) == (dt.date(2020, 1, 13), dt.date(2025, 12, 29))


def test_the_chart_by_destination_names_the_countries(default_view: AppTest) -> None:
    """It showed the sample's destinations as "MY", "ID" and "CN"."""
    charts = [m.value for m in default_view.markdown if "<svg" in m.value]
    by_destination = next(c for c in charts if "Malaysia" in c)
    assert "Tiongkok" in by_destination and not re.search(r">(MY|ID|CN)\b", by_destination)


def test_no_unit_is_chosen_at_first(default_view: AppTest) -> None:
    assert _panel(default_view) == []
    assert t("panel.hint", "id") in texts(default_view)


def test_default_view_is_mirrored_in_the_url(default_view: AppTest) -> None:
    query = dict(default_view.query_params)
    assert query["lang"] == "id"
    assert query["level"] == "kabupaten"
    assert query["dates"] == "2020-01-13..2025-12-29"


# --------------------------------------------------------------------------- filters


def test_date_filter_2024_gives_the_public_figures(new_app: NewApp) -> None:
    at = run(new_app())
    type_dates(at, *YEAR_2024)
    assert _headline(at) == ("54", "175")
    assert "54 dari 315 kasus, periode 1 Januari 2024 – 31 Desember 2024" in texts(at)
    assert dict(at.query_params)["dates"] == "2024-01-01..2024-12-31"


def test_exploitation_filter_reduces_the_counts_and_clearing_restores_them(
    new_app: NewApp,
) -> None:
    raw = raw_cases()
    sexual = raw[raw["exploitation"] == "sexual"]
    at = run(new_app())
    at.multiselect(key="f_exploitation").set_value(["sexual"])
    run(at)
    assert _headline(at) == (id_number(len(sexual)), id_number(sexual["victims"].sum()))
    assert 0 < len(sexual) < 315
    caption = texts(at)
    assert f"{len(sexual)} dari 315 kasus" in caption
    assert t("filters.exploitation", "id") in caption  # says what is filtered
    assert dict(at.query_params)["f_exploitation"] == "sexual"
    at.multiselect(key="f_exploitation").set_value([])
    run(at)
    assert _headline(at) == ("315", "1.019")


def test_sex_filter_counts_only_the_chosen_victims(new_app: NewApp) -> None:
    raw = raw_cases()
    female = raw["victims_female_adult"].astype(int) + raw["victims_female_child"].astype(int)
    at = run(new_app(f_sexes="female"))
    assert at.multiselect(key="f_sexes").value == ["female"]
    assert _headline(at) == (id_number((female > 0).sum()), id_number(female.sum()))
    assert female.sum() < 1019


def test_filters_combine_with_the_dates(new_app: NewApp) -> None:
    raw = raw_cases()
    chosen = raw[raw["date_reported"].str.startswith("2024") & (raw["status"] == "verdict")]
    at = run(new_app(dates="2024-01-01..2024-12-31", f_statuses="verdict"))
    assert _headline(at) == (id_number(len(chosen)), id_number(chosen["victims"].sum()))
    assert 0 < len(chosen) < 54


def test_a_filter_matching_nothing_says_so(new_app: NewApp) -> None:
    raw = raw_cases()
    matching = raw[(raw["exploitation"] == "sexual") & (raw["destination_country"] == "CN")]
    assert matching.empty  # so the page must say why it shows nothing
    at = run(new_app())
    # The choices are countries named in the language, their values the codes links carry.
    assert {"Tiongkok", "Malaysia · Sarawak"} <= set(at.multiselect(key="f_destinations").options)
    at.multiselect(key="f_exploitation").set_value(["sexual"])
    at.multiselect(key="f_destinations").set_value(["CN"])
    at.selectbox(key="selected").set_value(SANGGAU)
    run(at)
    assert _headline(at) == ("0", "0")
    infos = [info.value for info in at.info]
    assert t("peta.no_cases", "id") in infos
    assert "0 dari 315 kasus" in texts(at)
    # The chosen unit's panel says so too.
    assert _panel(at)[:2] == [("Jumlah kasus", "0"), ("Jumlah korban", "0")]
    assert t("panel.no_cases", "id") in infos


# --------------------------------------------------------------------------- the panel


def test_choosing_a_kabupaten_shows_its_panel(new_app: NewApp) -> None:
    raw = raw_cases()
    sanggau = raw[raw["admin_code"].str.startswith(SANGGAU)]
    at = run(new_app())
    at.selectbox(key="selected").set_value(SANGGAU)
    run(at)
    assert _panel(at) == [
        ("Jumlah kasus", id_number(len(sanggau))),
        ("Jumlah korban", id_number(sanggau["victims"].sum())),
        (t("panel.crossings_near", "id"), "17"),
    ]
    crossings, shelters = (frame.value for frame in at.dataframe[-2:])
    assert len(crossings) == 17
    assert "PLBN Entikong" in crossings.iloc[:, 0].tolist()
    assert len(shelters) == 3
    assert dict(at.query_params)["selected"] == SANGGAU
    # The panel follows the filters too.
    type_dates(at, *YEAR_2024)
    in_2024 = sanggau[sanggau["date_reported"].str.startswith("2024")]
    assert _panel(at)[:2] == [
        ("Jumlah kasus", id_number(len(in_2024))),
        ("Jumlah korban", id_number(in_2024["victims"].sum())),
    ]
    assert (len(in_2024), in_2024["victims"].sum()) == (13, 41)


def test_a_kecamatan_from_a_link_shows_its_panel(new_app: NewApp) -> None:
    raw = raw_cases()
    entikong = raw[raw["admin_code"].str.startswith(ENTIKONG)]
    at = run(new_app(selected=ENTIKONG))
    assert at.selectbox(key="selected").value == ENTIKONG
    assert _panel(at)[:2] == [
        ("Jumlah kasus", id_number(len(entikong))),
        ("Jumlah korban", id_number(entikong["victims"].sum())),
    ]


# --------------------------------------------------------------------------- map options


def test_every_map_option_runs(new_app: NewApp) -> None:
    at = run(new_app())
    at.selectbox(key="measure").set_value("cases_per_100k")
    at.selectbox(key="scheme").set_value("natural_breaks")
    at.selectbox(key="classes").set_value(7)
    at.radio(key="case_mode").set_value("heat")
    run(at)
    at.selectbox(key="level").set_value("desa")
    run(at)
    assert at.selectbox(key="measure").value == "cases"  # no population below kabupaten
    assert t("peta.desa_needs_kabupaten", "id") in [info.value for info in at.info]
    at.selectbox(key="selected").set_value(SANGGAU)
    at.radio(key="basemap").set_value("custom")
    run(at)
    infos = [info.value for info in at.info]
    assert t("peta.desa_needs_kabupaten", "id") not in infos
    assert t("peta.tile_url_needed", "id") in infos
    assert _headline(at) == ("315", "1.019")  # options change the map, not the counts


# --------------------------------------------------------------------------- links and language


def test_a_link_reopens_the_same_view(new_app: NewApp) -> None:
    raw = raw_cases()
    chosen = raw["date_reported"].str.startswith("2024") & (raw["exploitation"] == "labour")
    labour_2024 = raw[chosen]
    at = run(new_app(dates="2024-01-01..2024-12-31", f_exploitation="labour", selected=SANGGAU))
    assert _headline(at) == (id_number(len(labour_2024)), id_number(labour_2024["victims"].sum()))
    assert at.multiselect(key="f_exploitation").value == ["labour"]
    assert at.selectbox(key="selected").value == SANGGAU
    assert len(_panel(at)) == 3


def test_a_malformed_link_is_ignored(new_app: NewApp) -> None:
    at = run(new_app(dates="2024-13-45..soon", classes="many"))
    assert _headline(at) == ("315", "1.019")


def test_english_after_switching_the_language(new_app: NewApp) -> None:
    at = run(new_app(dates="2024-01-01..2024-12-31"))
    assert _headline(at) == ("54", "175")
    at.radio(key="lang").set_value("en")  # last interaction: see tests/app/conftest.py
    run(at)
    assert [title.value for title in at.title] == [t("peta.title", "en")]
    assert metrics(at)[:2] == [("Cases", "54"), ("Victims", "175")]
    assert "54 of 315 cases, period 1 January 2024 – 31 December 2024" in texts(at)
    assert dict(at.query_params)["lang"] == "en"


def test_english_numbers_use_commas(new_app: NewApp) -> None:
    at = run(new_app(lang="en"))
    assert metrics(at)[:2] == [("Cases", "315"), ("Victims", en_number(1019))]
    assert metrics(at)[1][1] == "1,019"
    assert "Jumlah" not in texts(at)


# --------------------------------------------------------------------------- an office's store


@pytest.fixture
def empty_store(tmp_path: Path) -> Iterator[OfficeStore]:
    """A new store: no unofficial crossings, no shelters, no cases (per test: the app leaves
    login mode only when the store is gone)."""
    with office_store(tmp_path) as store:
        yield store


#: A crossing marker in the map script: ``[lat, lon, "kind:status"`` (quotes escaped).
CROSSING_MARKER = re.compile(r'\[(-?\d+\.\d+), (-?\d+\.\d+), \\*"(plbn|land_track|river_route):')


def _crossing_markers(page: str) -> list[tuple[float, float, str]]:
    return [(float(y), float(x), kind) for y, x, kind in CROSSING_MARKER.findall(page)]


def _near(markers: list[tuple[float, float, str]], point: object, kind: str) -> bool:
    """A marker of ``kind`` within 2e-5 degrees (about 2 m) of ``point``."""
    y, x = point.y, point.x  # type: ignore[attr-defined]
    return any(k == kind and abs(my - y) < 2e-5 and abs(mx - x) < 2e-5 for my, mx, k in markers)


def _posts_drawn(page: str) -> list[tuple[float, float, str]]:
    """Check the five PLBN markers, the border line and Sarawak; return the markers."""
    markers = _crossing_markers(page)
    for post in reference.load_plbn().itertuples():
        assert post.name in page
        assert _near(markers, post.geometry, "plbn"), post.name
    assert sum(kind == "plbn" for *_, kind in markers) == 5
    border = reference.load_web_layer("border").geometry.iloc[0].geoms[0]
    first = border.coords[0]
    files = "\n".join(fetched_files(page).values())  # reference geometry is fetched
    assert f"[{first[0]},{first[1]}]" in files  # the border line itself
    assert "Kuching" in files  # a Sarawak district
    return markers


@pytest.mark.parametrize("role", ["admin", "planner"])
def test_an_empty_store_draws_the_reference_layers_and_says_what_is_missing(
    empty_store: OfficeStore, role: str
) -> None:
    at = run(empty_store.page("peta", role=role))
    assert _headline(at) == ("0", "0")
    _posts_drawn(everything(at))
    infos = [str(info.value) for info in at.info]
    assert t("peta.no_cases_stored", "id") in infos
    assert t("peta.no_cases", "id") not in infos
    missing = ", ".join(t(f"manage.{kind}", "id") for kind in ("crossings", "shelters", "cases"))
    pointer = "peta.guide_pointer" if role == "admin" else "data.store_lacks"
    assert t(pointer, "id", missing=missing) in infos


def test_an_empty_store_shows_a_units_panel(empty_store: OfficeStore) -> None:
    at = run(empty_store.page("peta"))
    at.selectbox(key="selected").set_value(SANGGAU)
    run(at)
    assert _panel(at)[:2] == [("Jumlah kasus", "0"), ("Jumlah korban", "0")]


def test_a_store_with_crossings_only_draws_them_with_the_posts(
    tmp_path: Path,
) -> None:
    crossings = load_sample().crossings
    unofficial = crossings[crossings["kind"] != "plbn"]
    with office_store(tmp_path, kinds=("crossings",)) as store:
        at = run(store.page("peta", lang="en"))
    markers = _posts_drawn(everything(at))
    assert len(markers) == len(unofficial) + 5
    for crossing in unofficial.itertuples():
        assert _near(markers, crossing.geometry, crossing.kind), crossing.crossing_id
    missing = ", ".join(t(f"manage.{kind}", "en") for kind in ("shelters", "cases"))
    assert t("peta.guide_pointer", "en", missing=missing) in [str(i.value) for i in at.info]
    assert int(metrics(at)[2][1].replace(",", "")) >= len(unofficial)
