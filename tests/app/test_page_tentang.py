"""Tentang: the method and sources, with the geodata figures from the build report."""

from __future__ import annotations

import json

import pytest

from geodata.i18n import t
from geodata.settings import BUILD_REPORT
from tests.app.conftest import NewApp, run, texts


@pytest.fixture(scope="module")
def report() -> dict:
    return json.loads(BUILD_REPORT.read_text(encoding="utf-8"))


def test_indonesian(new_app: NewApp, report: dict) -> None:
    at = run(new_app(page="tentang"))
    assert [title.value for title in at.title] == ["Tentang"]
    shown = texts(at)
    border = f"{report['border_length_km']:.1f}".replace(".", ",")
    assert border == "865,8"
    assert f"{border} km" in shown
    assert "966 km" in shown  # the official length (KP2MI)
    assert "2.130 desa" in shown and "2.334 kode" in shown
    for key in ("geodata_title", "method_title", "sources_title", "privacy_title"):
        assert t(f"tentang.{key}", "id") in [header.value for header in at.header]
    assert "cahyadsn/wilayah_boundaries" in shown


def test_english(new_app: NewApp, report: dict) -> None:
    at = run(new_app(page="tentang", lang="en"))
    assert [title.value for title in at.title] == [t("nav.tentang", "en")]
    shown = texts(at)
    assert f"{report['border_length_km']:.1f} km" in shown
    assert "865.8 km" in shown
    assert "2,130" in shown
    assert t("tentang.method_title", "en") in [header.value for header in at.header]
