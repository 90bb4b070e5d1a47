"""Risiko: the page opens without error, in Indonesian by default and in English."""

from __future__ import annotations

import pytest

from geodata.i18n import catalogue
from tests.app.conftest import NewApp, run

PAGE = "risiko"


@pytest.mark.parametrize("lang", ["id", "en"])
def test_opens_in_each_language(new_app: NewApp, lang: str) -> None:
    at = run(new_app(page=PAGE, lang=lang))
    titles = [title.value for title in at.title]
    assert titles, "the page has a title"
    assert set(titles) <= set(catalogue(lang).values()), "titles come from the catalogue"


def test_indonesian_by_default(new_app: NewApp) -> None:
    at = run(new_app(page=PAGE))
    assert at.title[0].value == catalogue("id")[f"nav.{PAGE}"]
