"""AppTest fixtures: the dashboard run in-process by ``streamlit.testing.v1.AppTest``.

The app shows the committed synthetic sample (``KALBAR_DATA_DIR`` is cleared). Expected
figures come from the sample CSV read as plain text, formatted here by hand.

AppTest limits worth knowing
----------------------------
- A ``format_func`` that calls ``tr()`` runs in the test thread after the script, where
  session state is unavailable, so it formats in Indonesian. After a run in English, a
  further ``run()`` fails with ``ValueError: '<Indonesian label>' is not in list``. English
  is therefore tested by setting ``lang`` before the first run (in session state or the
  URL query), or by switching the language radio as the *last* interaction.
- The map itself (``st_folium``) is a custom component AppTest does not render; the
  browser tests cover it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from geodata.i18n import t
from geodata.records.schemas import VICTIM_COLUMNS
from geodata.settings import DATA_DIR_ENV, SAMPLE_DIR

APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"
TIMEOUT = 60

NewApp = Callable[..., AppTest]


@pytest.fixture(autouse=True)
def _sample_data(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)


@pytest.fixture
def new_app() -> NewApp:
    """A fresh, not yet run AppTest; ``lang``/``page``/``query`` are set before the first run."""

    def make(*, lang: str | None = None, page: str | None = None, **query: str) -> AppTest:
        at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
        if lang is not None:
            at.session_state["lang"] = lang
        for key, value in query.items():
            at.query_params[key] = value
        if page is not None:
            at.switch_page(f"views/{page}.py")
        return at

    return make


def run(at: AppTest) -> AppTest:
    """Run and fail if the script raised, or if a page failed (app.py catches page errors
    and shows a translated message instead)."""
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    failed = {t("common.unexpected_error", lang) for lang in ("id", "en")}
    assert not failed & {e.value for e in at.error}, "a page failed: see the server log"
    return at


def type_dates(at: AppTest, start: dt.date, end: dt.date) -> AppTest:
    """Type a period into the sidebar's date fields as a user would (dd/mm/yyyy, Enter)."""
    at.text_input(key="date_from").input(start.strftime("%d/%m/%Y"))
    at.text_input(key="date_to").input(end.strftime("%d/%m/%Y"))
    return run(at)


def shown_dates(at: AppTest) -> tuple[dt.date, dt.date]:
    """The period the date fields show, read back from their text."""
    start, end = (
        dt.datetime.strptime(at.text_input(key=key).value, "%d/%m/%Y").date()
        for key in ("date_from", "date_to")
    )
    return start, end


def metrics(at: AppTest) -> list[tuple[str, str]]:
    """(label, value) of every metric on the page, in order."""
    return [(m.label, m.value) for m in at.metric]


def texts(at: AppTest) -> str:
    """All titles, headers, markdown, captions, infos and warnings, one per line."""
    parts: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning"):
        parts.extend(str(element.value) for element in getattr(at, kind))
    return "\n".join(parts)


def id_number(value: int) -> str:
    """An integer as Indonesian writes it (1.019), independent of the app's formatting."""
    return f"{value:,}".replace(",", ".")


def en_number(value: int) -> str:
    return f"{value:,}"


@cache
def raw_cases() -> pd.DataFrame:
    """The committed cases as text, with ``victims`` (the four counts summed)."""
    raw = pd.read_csv(SAMPLE_DIR / "cases.csv", dtype=str, keep_default_na=False)
    raw["victims"] = raw[list(VICTIM_COLUMNS)].replace("", "0").astype(int).sum(axis=1)
    return raw


def fetched_files(script: str) -> dict[str, str]:
    """The reference layer files a map ``script`` fetches (URL: the served file's text)."""
    from dashboard.geostatic import GEO_DIR, URL_PATH

    urls = re.findall(r'kbFetchInOrder\(\\*"([^"\\]+)\\*"', script)  # quotes may be escaped
    assert all(f"/{URL_PATH}/" in url for url in urls), urls
    return {url: (GEO_DIR / url.rsplit("/", 1)[1]).read_text(encoding="utf-8") for url in urls}
