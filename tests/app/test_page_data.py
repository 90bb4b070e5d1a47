"""Data: the record tables follow the filters, the file checks show, the page speaks both
languages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from geodata.access import gateway
from geodata.errors import AccessDeniedError
from geodata.i18n import t
from geodata.records.datasets import load_sample
from geodata.records.templates import template_bytes
from tests.app.conftest import NewApp, raw_cases, run, texts, type_dates
from tests.app.office import Downloads, OfficeStore, download, office_store, spy_downloads


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
    type_dates(at, dt.date(2024, 1, 1), dt.date(2024, 12, 31))
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
        "export_cases_csv_excel_id",
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


# --------------------------------------------------------------------------- an office's store


@pytest.fixture
def empty_store(tmp_path: Path) -> Iterator[OfficeStore]:
    """A new store: no unofficial crossings, no shelters, no cases (per test: the app leaves
    login mode only when the store is gone)."""
    with office_store(tmp_path) as store:
        yield store


@pytest.fixture
def crossings_store(tmp_path: Path) -> Iterator[OfficeStore]:
    """A store holding the sample's unofficial crossings only."""
    with office_store(tmp_path, kinds=("crossings",)) as store:
        yield store


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> Downloads:
    return spy_downloads(monkeypatch)


def _subheaders(at: AppTest) -> list[str]:
    return [str(header.value) for header in at.subheader]


def _infos(at: AppTest) -> list[str]:
    return [str(info.value) for info in at.info]


def _download_keys(at: AppTest, prefix: str) -> set[str]:
    return {button.key for button in at.get("download_button") if button.key.startswith(prefix)}


def _unofficial() -> int:
    crossings = load_sample().crossings
    return int((crossings["kind"] != "plbn").sum())


def test_an_empty_store_guides_the_administrator_with_templates(
    empty_store: OfficeStore, downloads: Downloads
) -> None:
    at = run(empty_store.page("data"))
    assert _subheaders(at)[0] == t("data.guide_title", "id")
    steps = [str(m.value) for m in at.markdown if str(m.value).startswith(("1.", "**"))]
    for number, kind in enumerate(("crossings", "shelters", "cases"), start=1):
        step = f"**{number}. {t(f'data.guide_step.{kind}', 'id')}** — {t('data.guide_todo', 'id')}"
        assert step in steps
    assert _download_keys(at, "guide_template_") == {
        f"guide_template_{kind}_{fmt}"
        for kind in ("crossings", "shelters", "cases")
        for fmt in ("xlsx", "csv")
    }
    for kind in ("crossings", "shelters", "cases"):
        for fmt in ("xlsx", "csv"):
            sent = download(at, downloads, f"guide_template_{kind}_{fmt}")
            assert sent == template_bytes(kind, fmt, lang="id"), (kind, fmt)
    assert download(at, downloads, "guide_template_cases_xlsx")[:2] == b"PK"  # a real XLSX
    infos = _infos(at)
    for key in ("data.no_cases_stored", "data.no_crossings", "data.no_shelters"):
        assert t(key, "id") in infos, key
    assert t("peta.no_cases", "id") not in infos  # nothing is filtered away: nothing is there


def test_the_guide_speaks_english(empty_store: OfficeStore, downloads: Downloads) -> None:
    at = run(empty_store.page("data", lang="en"))
    assert _subheaders(at)[0] == t("data.guide_title", "en")
    sent = download(at, downloads, "guide_template_shelters_csv")
    assert sent == template_bytes("shelters", "csv", lang="en")


def test_a_planner_on_an_empty_store_is_told_what_is_missing_not_guided(
    empty_store: OfficeStore,
) -> None:
    at = run(empty_store.page("data", role="planner"))
    assert t("data.guide_title", "id") not in _subheaders(at)
    assert _download_keys(at, "guide_template_") == set()
    missing = ", ".join(t(f"manage.{kind}", "id") for kind in ("crossings", "shelters", "cases"))
    assert t("data.store_lacks", "id", missing=missing) in _infos(at)


def test_a_store_with_crossings_only_marks_that_step_done(crossings_store: OfficeStore) -> None:
    at = run(crossings_store.page("data"))
    unofficial = _unofficial()
    assert unofficial == 72
    text = "\n".join(str(m.value) for m in at.markdown)
    done = t("data.guide_done", "id", count=str(unofficial))
    assert f"**1. {t('data.guide_step.crossings', 'id')}** — {done}" in text
    assert f"**2. {t('data.guide_step.shelters', 'id')}** — {t('data.guide_todo', 'id')}" in text
    infos = _infos(at)
    assert t("data.no_crossings", "id") not in infos
    assert t("data.no_shelters", "id") in infos
    crossings = _tables(at)[1]
    assert len(crossings) >= unofficial  # the store's crossings (and its PLBN, if it holds them)


def test_the_demo_shows_no_guide_but_offers_templates_to_check_a_file(new_app: NewApp) -> None:
    at = run(new_app(page="data"))
    assert t("data.guide_title", "id") not in _subheaders(at)
    assert _download_keys(at, "guide_template_") == set()
    assert _download_keys(at, "import_template_") == {
        "import_template_cases_xlsx",
        "import_template_cases_csv",
    }


def test_the_editor_and_the_audit_log_refuse_a_planner_in_the_data_layer(
    empty_store: OfficeStore,
) -> None:
    planner = gateway.user_for_token(empty_store.tokens["planner"])
    admin = gateway.user_for_token(empty_store.tokens["admin"])
    for kind in ("cases", "crossings", "shelters"):
        with pytest.raises(AccessDeniedError, match="planner"):
            gateway.read_for_edit(planner, kind)
    with pytest.raises(AccessDeniedError, match="planner"):
        gateway.audit_log(planner)
    with pytest.raises(AccessDeniedError, match="planner"):
        gateway.role_store(planner).add("crossings", {"name": "x"})
    # The same calls serve an administrator: the audit log holds the planner's creation.
    assert len(gateway.read_for_edit(admin, "shelters")) == 0
    log = gateway.audit_log(admin)
    assert "planner" in log.to_string()


@pytest.mark.parametrize("role", ["admin", "planner"])
@pytest.mark.parametrize(("page", "title"), [("peta", "peta.title"), ("tentang", "nav.tentang")])
def test_the_other_pages_work_on_an_empty_store(
    empty_store: OfficeStore, role: str, page: str, title: str
) -> None:
    at = run(empty_store.page(page, role=role))
    assert [str(heading.value) for heading in at.title] == [t(title, "id")]
    assert t("common.sample_data", "id") not in texts(at)  # a store is not the demo
    assert not at.error


def test_a_tampered_backup_is_refused_on_the_page_and_nothing_changes(
    crossings_store: OfficeStore, tmp_path: Path
) -> None:
    """The administrator uploads a backup whose users were edited: a translated refusal."""
    import sqlite3

    from geodata.store import open_store

    store = open_store(crossings_store.url)
    backup = store.backup(tmp_path / "backup.gpkg")
    with sqlite3.connect(backup) as connection:  # a viewer made administrator in the file
        connection.execute("UPDATE users SET role = 'admin' WHERE username = 'planner'")
    before = (store.version(), len(store.read("crossings")), len(store.audit_log()))

    at = run(crossings_store.page("data"))
    at.file_uploader(key="restore_file").set_value(
        ("backup.gpkg", backup.read_bytes(), "application/geopackage+sqlite3")
    )
    at.checkbox(key="restore_confirm").check()
    run(at)
    at.button(key="restore_go").click()
    run(at)
    refused = [str(error.value) for error in at.error]
    assert any(t("store.backup_refused", "id", file="restore.gpkg") in e for e in refused)
    after = open_store(crossings_store.url)
    assert (after.version(), len(after.read("crossings")), len(after.audit_log())) == before
