"""The population in use is said on Analisis risiko, and Data offers the population import.

Demo mode (no loaded table): the risk page says the rates rest on estimates. An office store
with a population table for some kecamatan: the page says office data for how many of the
174 kecamatan, with its source and year, in both languages; a planner reads the same
sentence (population is public) but may not store a table.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from geodata import reference
from geodata.i18n import t
from geodata.records.population import read_population
from geodata.store import open_store
from tests.app.conftest import NewApp, run, texts
from tests.app.office import Downloads, download, office_store, spy_downloads

#: Three real kecamatan of Sanggau and Sambas with BPS-style figures.
_FILE = (
    "kode;nama;jumlah_penduduk;tahun;sumber\n"
    "61.03.21;Entikong;36.512;2024;BPS\n"
    "61.01.01;Sambas;52.310;2024;BPS\n"
    "610102;Teluk Keramat;61.002;2024;BPS\n"
)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_risk_page_says_estimates_are_in_use_without_a_table(new_app: NewApp, lang: str) -> None:
    at = run(new_app(page="risiko", lang=lang))
    basis = t("population.basis_desa_count", lang)
    assert t("population.note_estimated", lang, basis=basis) in texts(at)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_risk_page_says_office_figures_are_in_use(tmp_path: Path, lang: str) -> None:
    kinds = ("crossings", "shelters", "cases")
    with office_store(tmp_path, kinds=kinds) as office:
        checked = read_population(_FILE.encode(), filename="penduduk.csv")
        assert checked.ok, checked.report.to_text("en")
        open_store(office.url).replace_population(checked.frame, user="admin")
        total = len(reference.load_units("kecamatan"))
        expected = t(
            "population.note_loaded",
            lang,
            origin="BPS 2024",
            loaded="3",
            total=str(total),
            units=t("population.units_kecamatan", lang),
            basis=t("population.basis_desa_count", lang),
        )
        for role in ("admin", "planner"):
            at = run(office.page("risiko", role=role, lang=lang))
            assert expected in texts(at), role


def test_data_page_offers_the_population_template_and_import(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    found: Downloads = spy_downloads(monkeypatch)
    with office_store(tmp_path) as office:
        at = run(office.page("data", role="admin"))
        shown = texts(at)
        assert t("population.import_title", "id") in shown
        assert t("population.none", "id") in shown
        template = download(at, found, "population_template_csv").decode("utf-8-sig")
        header, first = template.splitlines()[:2]
        assert header == "kode,nama,jumlah_penduduk,tahun,sumber"
        assert first.startswith("61.01.01,")
        assert any(u.key == "population_file" for u in at.get("file_uploader"))
        planner = run(office.page("data", role="planner"))
        assert t("population.not_allowed", "id") in texts(planner)


def test_peta_offers_kecamatan_rates_from_loaded_figures_and_says_so(tmp_path: Path) -> None:
    with office_store(tmp_path, kinds=("crossings", "shelters", "cases")) as office:
        at = run(office.page("peta", role="planner"))
        at.selectbox(key="level").set_value("kecamatan")
        run(at)
        rate = t("measure.cases_per_100k", "id")
        assert rate not in at.selectbox(key="measure").options  # no figures yet
        checked = read_population(_FILE.encode(), filename="penduduk.csv")
        open_store(office.url).replace_population(checked.frame, user="admin")
        at = run(office.page("peta", role="planner"))
        at.selectbox(key="level").set_value("kecamatan")
        run(at)
        assert rate in at.selectbox(key="measure").options
        at.selectbox(key="measure").set_value("cases_per_100k")
        run(at)
        total = len(reference.load_units("kecamatan"))
        assert f"data kantor (BPS 2024) untuk 3 dari {total} kecamatan" in texts(at)
