"""Risiko, Patroli, Shelter: each opens without error, in Indonesian by default and in English.

Their numbers are tested on the layers (tests/test_risk.py, test_patrol.py,
test_shelter_plan.py) and per role in tests/app/test_roles.py.
"""

from __future__ import annotations

import pytest

from geodata.i18n import catalogue
from tests.app.conftest import NewApp, run

PAGES = ["risiko", "patroli", "shelter"]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("lang", ["id", "en"])
def test_opens_in_each_language(new_app: NewApp, page: str, lang: str) -> None:
    at = run(new_app(page=page, lang=lang))
    titles = [title.value for title in at.title]
    assert titles, "the page has a title"
    assert set(titles) <= set(catalogue(lang).values()), "titles come from the catalogue"


@pytest.mark.parametrize("page", PAGES)
def test_indonesian_by_default(new_app: NewApp, page: str) -> None:
    at = run(new_app(page=page))
    assert at.title[0].value == catalogue("id")[f"nav.{page}"]
