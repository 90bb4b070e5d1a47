"""Population per kecamatan or desa loaded by an office (issue 10, item 8), on real geodata.

A loaded figure replaces the equal-share estimate of its unit and moves its rate and rank;
units without a figure share what remains of their kabupaten (never below zero, the
kabupaten total kept); bad files get messages by row and field; the table round-trips
through both store backends with its history; only roles that may import may load it.
"""

from __future__ import annotations

import io
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from geodata import reference
from geodata.access import RoleStore, view_for
from geodata.access.auth import User
from geodata.errors import AccessDeniedError, ValidationError
from geodata.records.datasets import Dataset
from geodata.records.population import (
    POPULATION_COLUMNS,
    empty_table,
    population_note,
    population_template,
    read_population,
    replaced,
    unit_population,
)
from geodata.roles import Role
from geodata.settings import SAMPLE_DIR
from geodata.store import Store, open_store
from layers.indicators import compute_indicators
from layers.periods import Period
from layers.risk import main
from tests._stores import BACKENDS, store_url

PERIOD = Period(pd.Timestamp("2024-01-01").date(), pd.Timestamp("2025-12-31").date())


def _file(text: str) -> bytes:
    return text.encode("utf-8")


def _kabupaten() -> pd.Series:
    return reference.load_units("kabupaten").set_index("code")["population"].astype(float)


# --------------------------------------------------------------------------- reading


def test_a_bps_style_file_is_read_with_thousands_dots_and_codes_without_dots() -> None:
    checked = read_population(
        _file(
            "Kode Wilayah;Nama;Jumlah Penduduk;Tahun;Sumber\n"
            "61.03.21;Entikong;16.512;2024;BPS Sanggau\n"
            "610102;Teluk Keramat;61 002;2024;BPS Sambas\n"
            "61.01.01;Sambas;52,310;;\n"
        ),
        filename="penduduk.csv",
    )
    assert checked.ok, checked.report.to_text("en")
    assert checked.level == "kecamatan"
    frame = checked.frame
    assert tuple(frame.columns) == POPULATION_COLUMNS
    assert frame["code"].tolist() == ["61.03.21", "61.01.02", "61.01.01"]
    assert frame["population"].tolist() == [16512, 61002, 52310]
    assert frame["year"].tolist()[:2] == [2024, 2024] and pd.isna(frame["year"].iloc[2])


def test_malformed_rows_get_messages_by_row_and_field_in_both_languages() -> None:
    checked = read_population(
        _file(
            "code,population,year\n"
            "61.03.21,45.123,2024\n"  # row 2: fine
            "6101010,100,2024\n"  # row 3: 7 digits, no level
            "61.01.01,-5,2024\n"  # row 4: not positive
            "61.01.01.2001,100,2024\n"  # row 5: a desa among kecamatan
            "61.01.02,12,5,2024\n"  # row 6: wrong number of cells
            "61.01.03,1000,3000\n"  # row 7: year out of range
            "61.03.21,45000,2024\n"  # row 8: code of row 2 again
            "99.01.01,10,2024\n"  # row 9: not a Kalbar code
            "61.01.04,12.5,2024\n"  # row 10: not a whole number
            "61.01.05,,2024\n"  # row 11: empty
        ),
        filename="pop.csv",
    )
    found = {(p.row, p.field, p.code) for p in checked.report.errors}
    assert found >= {
        (3, "code", "population_code_level"),
        (4, "population", "population_not_positive"),
        (5, "code", "population_level_mixed"),
        (7, "year", "population_year"),
        (8, "code", "population_duplicate"),
        (9, "code", "population_code_unknown"),
        (10, "population", "population_not_positive"),
        (11, "population", "required_missing"),
    }
    assert 6 in {p.row for p in checked.report.errors}
    assert not checked.ok and checked.frame["code"].tolist() == ["61.03.21"]
    (twice,) = [p for p in checked.report.errors if p.code == "population_duplicate"]
    assert twice.message("id").startswith("pop.csv, baris 8, kolom code")
    assert "baris 2" in twice.message("id") and "row 2" in twice.message("en")
    (mixed,) = [p for p in checked.report.errors if p.code == "population_level_mixed"]
    assert "desa" in mixed.message("en") and "kecamatan" in mixed.message("en")


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "file_empty"),
        (b"\x00\x01\x02binary\xff" * 50, None),
        (b"nama,tahun\nx,2024\n", "population_columns"),
        (b"PK\x03\x04 not a workbook", None),
    ],
)
def test_bad_files_never_crash_and_store_nothing(data: bytes, code: str | None) -> None:
    checked = read_population(data, filename="p.xlsx" if data.startswith(b"PK") else "p.csv")
    assert not checked.ok and checked.frame.empty and checked.report.errors
    if code is not None:
        assert code in {p.code for p in checked.report.errors}


def test_an_xlsx_file_reads_like_the_csv() -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["kode", "jumlah_penduduk", "tahun", "sumber"])
    sheet.append(["61.03.21", 16512, 2024, "BPS"])
    sheet.append(["61.01.01", "52.310", 2024, "BPS"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    checked = read_population(buffer.getvalue(), filename="penduduk.xlsx")
    assert checked.ok, checked.report.to_text("en")
    assert checked.frame["population"].tolist() == [16512, 52310]


def test_a_kabupaten_sum_far_from_kemendagri_is_a_warning_not_an_error() -> None:
    sanggau = int(_kabupaten()["61.03"])
    checked = read_population(
        _file(f"kode,jumlah_penduduk\n61.03.21,{sanggau * 2}\n"), filename="p.csv"
    )
    assert checked.ok
    (warning,) = checked.report.warnings
    assert (warning.code, warning.params["kabupaten"]) == ("population_sum", "61.03")


def test_the_template_lists_every_kecamatan_and_reads_back_as_missing_figures() -> None:
    for fmt in ("csv", "xlsx"):
        data = population_template(fmt, lang="en")
        checked = read_population(data, filename=f"template.{fmt}")
        errors = {p.code for p in checked.report.errors}
        assert errors == {"required_missing"}, fmt
        assert checked.rows_read == len(reference.load_units("kecamatan")), fmt


# --------------------------------------------------------------------------- the analysis


def _table(figures: dict[str, int], *, year: int = 2024, source: str = "BPS") -> pd.DataFrame:
    lines = ["kode,jumlah_penduduk,tahun,sumber"]
    lines += [f"{code},{people},{year},{source}" for code, people in figures.items()]
    checked = read_population(_file("\n".join(lines) + "\n"), filename="p.csv")
    assert not checked.report.errors, checked.report.to_text("en")
    return checked.frame


def test_a_loaded_figure_replaces_the_estimate_and_moves_the_units_rate_and_rank(
    sample: Dataset,
) -> None:
    before = compute_indicators(sample.cases, level="kecamatan", period=PERIOD)
    busiest = before.sort_values("cases", ascending=False).iloc[0]
    code, cases = str(busiest["code"]), int(busiest["cases"])
    figure = round(float(busiest["population"]) * 4)  # four times the equal-share estimate
    after = compute_indicators(
        sample.cases, level="kecamatan", period=PERIOD, population=_table({code: figure})
    )
    row = after.set_index("code").loc[code]
    assert (row["population"], row["population_source"], row["population_year"]) == (
        figure,
        "loaded",
        2024,
    )
    assert not row["population_estimated"]
    assert row["cases_per_100k"] == pytest.approx(cases / figure * 1e5)
    assert row["cases_per_100k"] == pytest.approx(busiest["cases_per_100k"] / 4, rel=1e-4)
    assert row["cases_observed_expected"] < busiest["cases_observed_expected"]
    assert row["cases_rate_eb_per_100k"] < busiest["cases_rate_eb_per_100k"]
    # Its rank on the rate: one more than the units with a higher rate after the change.
    rates = after.set_index("code")["cases_per_100k"]
    rank_before = int((before["cases_per_100k"] > busiest["cases_per_100k"]).sum()) + 1
    rank_after = int((rates > rates[code]).sum()) + 1
    assert rank_after > rank_before
    # The rest of its kabupaten shares what remains; other kabupaten do not change.
    kab = code[:5]
    same = (after["kabupaten_code"] == kab).to_numpy()
    assert after.loc[same, "population"].sum() == pytest.approx(_kabupaten()[kab])
    assert (after.loc[same & (after["code"] != code), "population"] < before.loc[
        same & (before["code"] != code), "population"].to_numpy()).all()  # fmt: skip
    np.testing.assert_allclose(after.loc[~same, "population"], before.loc[~same, "population"])
    assert set(after.loc[same, "population_source"]) == {"loaded", "estimated"}
    assert set(after.loc[~same, "population_source"]) == {"estimated"}


def test_mixed_figures_keep_every_kabupaten_total_and_never_go_negative() -> None:
    kecamatan = reference.load_units("kecamatan")
    totals = _kabupaten()
    sanggau = kecamatan[kecamatan["kabupaten_code"] == "61.03"]["code"].tolist()
    half = {code: 20_000 for code in sanggau[: len(sanggau) // 2]}
    people = unit_population(kecamatan, level="kecamatan", table=_table(half))
    by_kab = people["population"].groupby(kecamatan["kabupaten_code"].to_numpy()).sum()
    np.testing.assert_allclose(by_kab, totals.reindex(by_kab.index))
    assert (people["population"] >= 0).all()
    # Figures above the kabupaten total: the rest gets 0, never less, and analysis still runs.
    too_many = {code: int(totals["61.03"]) for code in sanggau[:2]}
    people = unit_population(kecamatan, level="kecamatan", table=_table(too_many))
    rest = (kecamatan["kabupaten_code"] == "61.03") & ~kecamatan["code"].isin(too_many)
    assert (people.loc[rest, "population"] == 0).all() and (people["population"] >= 0).all()
    # Desa level: a desa of a loaded kecamatan shares that kecamatan's figure.
    desa = reference.load_units("desa")
    people = unit_population(desa, level="desa", table=_table(half))
    inside = desa["kecamatan_code"] == sanggau[0]
    assert people.loc[inside, "population"].sum() == pytest.approx(20_000, rel=0.02)
    assert (people["population"] >= 0).all()


def test_desa_figures_add_up_to_their_kecamatan() -> None:
    gazetteer = reference.load_gazetteer()
    kec = "61.03.21"
    villages = gazetteer[(gazetteer["level"] == "desa") & gazetteer["code"].str.startswith(kec)]
    figures = {code: 1000 + i for i, code in enumerate(villages["code"])}
    kecamatan = reference.load_units("kecamatan")
    people = unit_population(kecamatan, level="kecamatan", table=_table(figures))
    row = people[kecamatan["code"].to_numpy() == kec].iloc[0]
    assert (row["population"], row["population_source"]) == (sum(figures.values()), "loaded")


def test_the_note_says_which_population_is_in_use(sample: Dataset) -> None:
    plain = compute_indicators(sample.cases, level="kecamatan", period=PERIOD)
    assert population_note(plain, level="kecamatan", lang="id") == (
        "Penduduk: perkiraan (jumlah kabupaten Kemendagri 2025 dibagi rata per desa)."
    )
    loaded = compute_indicators(
        sample.cases, level="kecamatan", period=PERIOD,
        population=_table({"61.03.21": 16512, "61.01.01": 52310}, source="BPS"),
    )  # fmt: skip
    assert population_note(loaded, level="kecamatan", lang="id").startswith(
        "Penduduk: data kantor (BPS 2024) untuk 2 dari 174 kecamatan; sisanya perkiraan"
    )
    assert "for 2 of 174 kecamatan" in population_note(loaded, level="kecamatan", lang="en")


# --------------------------------------------------------------------------- the store


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    with store_url(request.param, tmp_path) as url:
        yield open_store(url)


def test_the_table_round_trips_and_a_new_one_replaces_it_with_history(store: Store) -> None:
    assert store.read_population().empty
    first = _table({"61.03.21": 16512, "61.01.01": 52310})
    result = store.replace_population(first, user="ana")
    assert (result.count, result.replaced) == (2, 0)
    pd.testing.assert_frame_equal(store.read_population(), first.reset_index(drop=True))
    second = _table({"61.03.21": 17000}, year=2025, source="BPS 2025")
    version = store.version()
    assert store.replace_population(second, user="budi").replaced == 2
    assert store.version() != version
    back = store.read_population()
    assert back[["code", "population", "year", "source"]].values.tolist() == [
        ["61.03.21", 17000, 2025, "BPS 2025"]
    ]
    log = store.audit_log(entity="population")
    assert sorted(log["action"].value_counts().items()) == [("create", 3), ("retire", 2)]
    assert set(log.loc[log["action"] == "retire", "username"]) == {"budi"}
    assert store.dataset().population["code"].tolist() == ["61.03.21"]


def test_the_store_refuses_a_bad_table_and_writes_nothing(store: Store) -> None:
    good = _table({"61.03.21": 16512})
    store.replace_population(good, user="ana")
    bad = pd.concat([good, good.assign(population=-1)], ignore_index=True)
    with pytest.raises(ValidationError) as raised:
        store.replace_population(bad, user="ana")
    assert {p.code for p in raised.value.report.errors} == {
        "population_duplicate",
        "population_not_positive",
    }
    assert store.read_population()["population"].tolist() == [16512]


def _user(role: Role) -> User:
    return User(username=role, role=role, active=True, created_at=pd.Timestamp.now(tz="UTC"))


def test_only_roles_that_may_import_load_it_and_every_role_reads_it(
    store: Store, sample: Dataset
) -> None:
    table = _table({"61.03.21": 16512})
    for role in ("viewer", "planner", "analyst", "police"):
        with pytest.raises(AccessDeniedError):
            RoleStore(_user(role), store).replace_population(table)
    assert store.read_population().empty
    RoleStore(_user("admin"), store).replace_population(table)
    dataset = Dataset(
        cases=sample.cases, crossings=sample.crossings, shelters=sample.shelters, reports={},
        rejected_rows=0, synthetic=True, version=store.version(), secret=b"k" * 32,
        population=store.read_population(),
    )  # fmt: skip
    units = reference.load_units("kecamatan")
    for role in ("viewer", "analyst", "admin"):
        view = view_for(role, dataset, threshold=3)
        assert view.population()["code"].tolist() == ["61.03.21"]
        counted = view.case_counts(units, level="kecamatan").set_index("code")
        assert counted.loc["61.03.21", "population_source"] == "loaded"
        assert counted.loc["61.03.21", "cases_per_100k"] == pytest.approx(
            counted.loc["61.03.21", "cases"] / 16512 * 1e5
        )
        assert counted.drop(index="61.03.21")["cases_per_100k"].isna().all()


def test_a_store_made_before_the_table_gets_it_when_opened(tmp_path: Path) -> None:
    url = f"gpkg://{tmp_path / 'old.gpkg'}"
    open_store(url)
    with sqlite3.connect(tmp_path / "old.gpkg") as connection:
        connection.execute("DROP TABLE population")
        connection.execute("DELETE FROM gpkg_contents WHERE table_name = 'population'")
    store = open_store(url)
    assert store.read_population().empty
    store.replace_population(_table({"61.03.21": 1}), user="ana")
    assert len(store.read_population()) == 1


# --------------------------------------------------------------------------- command line


def test_cli_reads_a_population_file_and_says_which_population_it_used(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cases = str(SAMPLE_DIR / "cases.csv")
    argv = ["--cases", cases, "--level", "kecamatan", "--format", "json", "--lang", "en"]
    assert main(argv) == 0
    out = capsys.readouterr()
    assert "Population: estimate (Kemendagri 2025 kabupaten totals shared equally per desa)" in (
        out.err
    )
    plain = pd.DataFrame(json.loads(out.out)).set_index("code")
    path = tmp_path / "penduduk.csv"
    path.write_text("kode;jumlah_penduduk;tahun;sumber\n61.03.21;16.512;2024;BPS Sanggau\n")
    assert main([*argv, "--population", str(path)]) == 0
    out = capsys.readouterr()
    assert "office data (BPS Sanggau 2024) for 1 of 174 kecamatan" in out.err
    loaded = pd.DataFrame(json.loads(out.out)).set_index("code")
    assert loaded.loc["61.03.21", "cases"] == plain.loc["61.03.21", "cases"]
    assert loaded.loc["61.03.21", "cases_per_100k"] == pytest.approx(
        plain.loc["61.03.21", "cases"] / 16512 * 1e5, abs=1e-3
    )
    path.write_text("kode;jumlah_penduduk\n61.03.21;nol\n")
    assert main([*argv, "--population", str(path)]) == 1
    out = capsys.readouterr()
    assert out.out == "" and "penduduk.csv, row 2, column population" in out.err


def test_the_preview_says_that_storing_replaces_the_current_table() -> None:
    new = read_population(_file("kode,jumlah_penduduk\n61.03.21,1000\n"), filename="p.csv")
    assert replaced(new, empty_table()) == new
    current = _table({"61.03.21": 900, "61.01.01": 800})
    warned = replaced(new, current)
    (note,) = [p for p in warned.report.warnings if p.code == "population_replaces"]
    assert "2" in note.message("id") and "menggantikan" in note.message("id")
    assert warned.ok  # a warning: the file may still be stored
