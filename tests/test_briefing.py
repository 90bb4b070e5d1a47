"""The one-page briefing: right kabupaten and figures, sample label, offline, escaped, PDF."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from geodata.errors import GeodataError
from geodata.i18n import catalogue
from geodata.records.datasets import Dataset
from geodata.settings import LANGUAGES, SAMPLE_DIR
from layers._assets import external_urls
from layers.briefing import (
    Briefing,
    briefing_html,
    build_briefing,
    case_weeks,
    default_week,
    html_to_pdf,
    main,
    pdf_bytes,
    write_briefing,
)
from layers.briefing.page import CHANGE_KEYS, KIND_KEYS, PAGE_TEXT_KEYS
from layers.periods import Period

HOSTILE = "<img src=x onerror=alert(1)>"
CHROMIUM = Path("/usr/bin/chromium")
#: Sanggau's busiest week in the sample: two cases, one through PLBN Aruk.
WEEK = Period.iso_week("2024-W48")
GENERATED = dt.datetime(2025, 6, 9, 7, 30, tzinfo=dt.timezone(dt.timedelta(hours=7)))


@pytest.fixture(scope="module")
def hostile_briefing(sample: Dataset) -> Briefing:
    """Sanggau, 2024-W48, with PLBN Entikong renamed to an HTML injection."""
    crossings = sample.crossings.copy()
    crossings.loc[crossings["crossing_id"] == "PLBN-ENTIKONG", "name"] = HOSTILE
    cases = sample.cases.copy()
    week_cases = WEEK.contains(cases["date_reported"]) & cases["admin_code"].str.startswith("61.03")
    cases.loc[week_cases.idxmax(), "case_id"] = HOSTILE
    return build_briefing(
        cases, crossings, kabupaten="61.03", period=WEEK, lang="en", generated_at=GENERATED
    )


@pytest.fixture(scope="module")
def html(hostile_briefing: Briefing) -> str:
    return briefing_html(hostile_briefing)


def test_briefing_is_about_the_right_kabupaten_and_week(html: str) -> None:
    assert "Kabupaten Sanggau" in html and "(61.03)" in html
    assert "25 November 2024 – 1 December 2024 (2024-W48)" in html
    assert "18 November 2024 – 24 November 2024 (2024-W47)" in html  # previous week
    assert "9 June 2025 07:30 WIB (UTC+7)" in html


def test_briefing_carries_the_sample_label(html: str, sample: Dataset) -> None:
    assert "DATA CONTOH / SAMPLE DATA" in html
    real = sample.crossings[~sample.crossings["synthetic"]]
    cases = sample.cases.assign(synthetic=False)
    plain = briefing_html(
        build_briefing(cases, real, kabupaten="61.03", period=WEEK, generated_at=GENERATED)
    )
    assert "DATA CONTOH / SAMPLE DATA" not in plain


def test_briefing_has_no_external_url_and_no_script(html: str) -> None:
    assert external_urls(html) == []
    urls = re.findall(r"https?://[^\s\"'<>]+", html)
    assert [url for url in urls if not re.match(r"https?://(localhost|127\.0\.0\.1)", url)] == []
    assert "<script" not in html.lower()


def test_user_text_is_escaped(html: str) -> None:
    assert HOSTILE not in html
    escaped = "&lt;img src=x onerror=alert(1)&gt;"
    assert html.count(escaped) >= 3  # priority table, patrol table, case list, map titles


def test_priorities_and_changes_are_right(hostile_briefing: Briefing, sample: Dataset) -> None:
    priorities = hostile_briefing.priorities
    assert priorities.iloc[0]["crossing_id"] == "PLBN-ENTIKONG"
    assert {"PLBN-ENTIKONG", "PLBN-ARUK"} <= set(priorities["crossing_id"])
    changes = hostile_briefing.changes.set_index("measure")
    sanggau = sample.cases[sample.cases["admin_code"].str.startswith("61.03")]
    this_week = sanggau[WEEK.contains(sanggau["date_reported"])]
    last_week = sanggau[WEEK.previous().contains(sanggau["date_reported"])]
    assert changes.loc["cases", "this_period"] == len(this_week) == 2
    assert changes.loc["victims", "this_period"] == this_week["victims_total"].sum()
    assert changes.loc["cases", "previous_period"] == len(last_week)
    assert changes.loc["cases", "change"] == len(this_week) - len(last_week)
    assert len(hostile_briefing.cases) == 2
    assert hostile_briefing.patrol is not None and len(hostile_briefing.patrol.sites_) == 3


def test_a_kabupaten_without_border_lists_the_crossings_its_cases_named(sample: Dataset) -> None:
    briefing = build_briefing(
        sample.cases, sample.crossings, kabupaten="Pontianak", period=WEEK, generated_at=GENERATED
    )
    assert briefing.kabupaten["code"] == "61.71"
    assert "PLBN-ENTIKONG" in set(briefing.priorities["crossing_id"])
    assert "Kota Pontianak" in briefing_html(briefing)


def test_unknown_kabupaten_names_the_choices(sample: Dataset) -> None:
    with pytest.raises(GeodataError, match=r"`kabupaten` should be .*61\.03 \(Kabupaten Sanggau\)"):
        build_briefing(sample.cases, sample.crossings, kabupaten="61.99", period=WEEK)


def test_write_briefing_refuses_other_suffixes(hostile_briefing: Briefing, tmp_path: Path) -> None:
    with pytest.raises(GeodataError, match=r"should end in \.html or \.pdf"):
        write_briefing(hostile_briefing, tmp_path / "briefing.docx")


def test_missing_chromium_says_what_to_install(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="should be a Chromium executable"):
        html_to_pdf("<p>x</p>", tmp_path / "x.pdf", chromium=tmp_path / "no-chromium")


def test_missing_chromium_on_the_path_names_the_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("layers.briefing.pdf.shutil.which", lambda _name: None)
    monkeypatch.setattr("layers.briefing.pdf._SYSTEM_CHROMIUM", tmp_path / "absent")
    with pytest.raises(FileNotFoundError, match="apt-get install chromium"):
        html_to_pdf("<p>x</p>", tmp_path / "x.pdf")


def test_command_line_writes_html(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "briefing.html"
    cases = SAMPLE_DIR / "cases.csv"
    code = main(["--kabupaten", "61.03", "--week", "2025-W23", "--cases", str(cases),
                 "--lang", "en", "--out", str(out)])  # fmt: skip
    assert code == 0
    assert capsys.readouterr().out.strip() == str(out)
    page = out.read_text(encoding="utf-8")
    assert "Kabupaten Sanggau" in page and "DATA CONTOH / SAMPLE DATA" in page


def test_command_line_reports_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["--kabupaten", "Atlantis", "--week", "2025-W23", "--out", str(tmp_path / "b.html")]
    )
    assert code == 2
    assert "error: `kabupaten` should be" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--kabupaten", "61.03", "--from", "2025-06-01", "--out", str(tmp_path / "b.html")])


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium (CI installs it)")
def test_pdf_is_one_page(hostile_briefing: Briefing, tmp_path: Path) -> None:
    path = write_briefing(hostile_briefing, tmp_path / "briefing.pdf")
    data = path.read_bytes()
    assert data.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page(?![s\w])", data)) == 1
    assert pdf_bytes(briefing_html(hostile_briefing)).startswith(b"%PDF")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_page_text_is_in_the_catalogue(lang: str) -> None:
    keys = {*PAGE_TEXT_KEYS, *CHANGE_KEYS.values(), *KIND_KEYS.values(), "briefing.kind_other"}
    assert sorted(keys - catalogue(lang).keys()) == []


def test_the_default_week_is_the_last_whole_week_with_cases(sample: Dataset) -> None:
    dates = sample.cases["date_reported"]
    week = default_week(dates)
    last = dates.max().date()
    assert week.start.weekday() == 0 and week.days == 7 and week.end <= last
    assert week.contains(dates).any()
    later = dates[dates.dt.date > week.end]
    # No whole week with a case lies between this week and the end of the data.
    assert all(
        (day - dt.timedelta(days=day.weekday()) + dt.timedelta(days=6)) > last
        for day in later.dt.date
    )
    with pytest.raises(GeodataError, match="no date"):
        default_week(dates.iloc[:0])


def test_the_briefing_time_is_western_indonesian_time(sample: Dataset) -> None:
    utc = dt.datetime(2025, 6, 9, 0, 30, tzinfo=dt.UTC)
    briefing = build_briefing(
        sample.cases, sample.crossings, kabupaten="61.03", period=WEEK, lang="id", generated_at=utc
    )
    assert "9 Juni 2025 07.30 WIB (UTC+7)" in briefing_html(briefing)


def test_case_weeks_are_the_weeks_with_cases_newest_first(sample: Dataset) -> None:
    dates = sample.cases["date_reported"]
    weeks = case_weeks(dates)
    assert [w.start for w in weeks] == sorted({w.start for w in weeks}, reverse=True)
    assert all(w.start.weekday() == 0 and w.days == 7 for w in weeks)
    assert all(w.contains(dates).any() for w in weeks)
    assert sum(int(w.contains(dates).sum()) for w in weeks) == int(dates.notna().sum())
    assert default_week(dates) in weeks
