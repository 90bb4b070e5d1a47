"""Data: the record tables follow the filters, the file checks show, the page speaks both
languages."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from streamlit.testing.v1 import AppTest

from geodata.i18n import t
from tests.app.conftest import NewApp, raw_cases, run, texts


def _tables(at: AppTest) -> list[pd.DataFrame]:
    """The cases, crossings and shelters tables, in tab order."""
    return [frame.value for frame in at.dataframe[:3]]


def _case_ids(at: AppTest) -> list[str]:
    """The case table's first column: the case ids."""
    return _tables(at)[0].iloc[:, 0].tolist()


def test_default_tables_in_indonesian(new_app: NewApp) -> None:
    raw = raw_cases()
    at = run(new_app(page="data"))
    assert [title.value for title in at.title] == ["Data"]
    assert [tab.label for tab in at.tabs] == [
        t("map.layer.cases", "id"),
        t("map.layer.crossings", "id"),
        t("map.layer.shelters", "id"),
        t("data.checks", "id"),
        t("manage.tab", "id"),
    ]
    cases, crossings, shelters = _tables(at)
    assert (len(cases), len(crossings), len(shelters)) == (315, 77, 14)
    assert _case_ids(at) == raw["case_id"].tolist()
    assert "Tanggal laporan" in cases.columns
    assert "315 dari 315 kasus" in texts(at)
    # Every committed file passed its checks.
    assert [box.value for box in at.success] == [t("data.file_ok", "id")] * 3


def test_case_table_follows_the_date_filter(new_app: NewApp) -> None:
    raw = raw_cases()
    at = run(new_app(page="data"))
    at.date_input(key="dates").set_value((dt.date(2024, 1, 1), dt.date(2024, 12, 31)))
    run(at)
    expected = raw.loc[raw["date_reported"].str.startswith("2024"), "case_id"].tolist()
    assert len(expected) == 54
    assert _case_ids(at) == expected
    crossings, shelters = _tables(at)[1:]
    assert (len(crossings), len(shelters)) == (77, 14)  # not case filters


def test_case_table_follows_the_other_filters(new_app: NewApp) -> None:
    raw = raw_cases()
    at = run(new_app(page="data"))
    at.multiselect(key="f_exploitation").set_value(["sexual"])
    at.multiselect(key="f_destinations").set_value(["MY · Sarawak"])
    run(at)
    chosen = (raw["exploitation"] == "sexual") & (raw["destination_state"] == "Sarawak")
    assert 0 < chosen.sum() < 88
    assert _case_ids(at) == raw.loc[chosen, "case_id"].tolist()


def test_age_filter_from_a_link(new_app: NewApp) -> None:
    raw = raw_cases()
    children = raw["victims_female_child"].astype(int) + raw["victims_male_child"].astype(int)
    at = run(new_app(page="data", f_ages="child"))
    assert _case_ids(at) == raw.loc[children > 0, "case_id"].tolist()


def test_an_empty_table_says_why_and_disables_its_downloads(new_app: NewApp) -> None:
    at = run(new_app(page="data", f_exploitation="sexual", f_destinations="CN"))
    assert _tables(at)[0].empty
    assert t("peta.no_cases", "id") in [info.value for info in at.info]
    buttons = {button.key: button for button in at.get("download_button")}
    assert {key for key in buttons if key.startswith("export_cases_")} == {
        "export_cases_csv",
        "export_cases_xlsx",
        "export_cases_geojson",
        "export_cases_gpkg",
    }
    assert all(buttons[f"export_cases_{ext}"].proto.disabled for ext in ("csv", "gpkg"))
    assert not buttons["export_crossings_csv"].proto.disabled


def test_english(new_app: NewApp) -> None:
    at = run(new_app(page="data", lang="en"))
    assert [title.value for title in at.title] == [t("nav.data", "en")]
    assert at.tabs[0].label == t("map.layer.cases", "en")
    cases = _tables(at)[0]
    assert len(cases) == 315
    assert "Report date" in cases.columns
    assert "315 of 315 cases" in texts(at)
    assert "Tanggal" not in " ".join(cases.columns)
