"""A login survives a reload (F5) through an HttpOnly cookie, and logout kills the token;
a download's /media/ URL answers only that live session.

The dashboard runs as ``streamlit run dashboard/server.py`` (the app plus its cookie routes)
on a GeoPackage store made here, with the sample and one analyst. Chromium logs in through the
form, reloads, is still logged in, logs out; the old token is then dead in the store, and a
browser that sends it again gets the "session ended" message and the login form.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Final
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import REPO_ROOT, RequestLog, serve_streamlit

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

SERVER_SCRIPT: Final = REPO_ROOT / "dashboard" / "server.py"
PASSWORD: Final = "analyst-passphrase-2025"
COOKIE: Final = "kalbar_session"


@pytest.fixture(scope="module")
def store_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    from geodata.access import auth
    from geodata.records.datasets import load_sample
    from geodata.store import open_store

    url = f"gpkg://{tmp_path_factory.mktemp('session') / 'store.gpkg'}"
    store = open_store(url)
    sample = load_sample()
    for kind in ("crossings", "shelters", "cases"):
        store.import_batch(kind, getattr(sample, kind), user="test")
    auth.create_admin(store, username="admin", password=PASSWORD, by="test")
    auth.add_user(store, username="analyst", password=PASSWORD, role="analyst", by="admin")
    return url


@pytest.fixture(scope="module", params=["", "/kalbar"], ids=["root", "base-path"])
def server_url(
    store_url: str,
    artifacts_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
) -> Iterator[str]:
    """``streamlit run dashboard/server.py`` on the store, on a free localhost port: at the
    server's root, and under a base path (``server.baseUrlPath``) as an intranet serves it."""
    env = {
        "KALBAR_DATABASE_URL": store_url,
        "KALBAR_CONFIG": str(tmp_path_factory.mktemp("cfg") / "none.toml"),
    }
    with serve_streamlit(
        artifacts_dir / "streamlit-session.log",
        env=env,
        script=SERVER_SCRIPT,
        base_url_path=request.param,
    ) as url:
        yield url


def _session_cookie(context: BrowserContext, *, present: bool, timeout_s: float = 20) -> dict:
    """Wait until the session cookie is (or is no longer) in the browser; return it."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = [c for c in context.cookies() if c["name"] == COOKIE]
        if bool(found) == present:
            return dict(found[0]) if found else {}
        time.sleep(0.2)
    pytest.fail(f"the {COOKIE} cookie was {'not set' if present else 'not deleted'}")


def _login_form_visible(page: Page) -> bool:
    return page.locator(".st-key-login_username input").is_visible()


def _wait_logged_in(page: Page) -> None:
    page.get_by_text("analyst (analis)", exact=False).first.wait_for(timeout=60_000)


def test_a_login_survives_a_reload_until_logout(
    server_url: str,
    browser: Browser,
    page: Page,
    request_log: RequestLog,
    store_url: str,
    artifacts_dir: Path,
) -> None:
    from geodata.access import auth
    from geodata.store import open_store

    page.goto(f"{server_url}/tentang")
    page.locator(".st-key-login_username input").wait_for(timeout=60_000)
    page.locator(".st-key-login_username input").fill("analyst")
    page.locator(".st-key-login_password input").fill(PASSWORD)
    # Streamlit's English "Press Enter to submit form" is not shown in the Indonesian page.
    hints = page.get_by_test_id("InputInstructions").filter(visible=True)
    assert hints.count() == 0 and "Press Enter" not in page.inner_text("body")
    page.locator(".st-key-login_password input").press("Enter")
    _wait_logged_in(page)
    cookie = _session_cookie(page.context, present=True)
    token = str(cookie["value"])
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert cookie["path"] == (urlsplit(server_url).path or "/")  # this app's path only
    assert cookie["expires"] > time.time() + 3600  # as long as the session (8 h)
    assert token not in page.evaluate("document.cookie")  # page script cannot read it
    assert open_store(store_url).accounts.session(auth._token_hash(token)) is not None

    page.reload()  # F5
    _wait_logged_in(page)
    assert not _login_form_visible(page)
    page.screenshot(path=artifacts_dir / "session-after-reload.png")

    # A download: its /media/ URL answers this session, and no client without the cookie.
    page.goto(f"{server_url}/data")
    button = page.locator(".st-key-export_cases_csv button").first  # (the help icon is one too)
    button.wait_for(timeout=90_000)
    with page.expect_download(timeout=60_000) as caught:
        button.click()
    media_url = caught.value.url
    assert "/media/" in media_url and caught.value.suggested_filename == "cases.csv"
    assert page.request.get(media_url).status == 200
    gzip = {"accept-encoding": "gzip, deflate, br"}  # as every browser asks
    mine = page.request.get(media_url, headers=gzip)
    assert mine.status == 200 and "content-encoding" not in mine.headers  # data: never compressed
    other = auth.login(open_store(store_url), username="analyst", password=PASSWORD).token
    stranger = browser.new_context()
    try:
        assert stranger.request.get(media_url).status == 403
        ranged = {"range": "bytes=0-10"}  # a part of the file would not match its length
        for headers in ({}, gzip, ranged):  # another live session (the user's, even): nothing
            sent = {"cookie": f"{COOKIE}={other}", **headers}
            assert stranger.request.get(media_url, headers=sent).status == 403, headers
    finally:
        stranger.close()
    page.goto(f"{server_url}/tentang")
    _wait_logged_in(page)

    page.locator(".st-key-logout button").click()
    page.locator(".st-key-login_username input").wait_for(timeout=60_000)
    _session_cookie(page.context, present=False)
    with pytest.raises(auth.SessionExpiredError):
        auth.user_for_session(open_store(store_url), token)

    # The old token sent again (a copied cookie) opens nothing.
    page.context.add_cookies([{**cookie, "name": COOKIE, "value": token}])
    page.reload()
    page.locator(".st-key-login_username input").wait_for(timeout=60_000)
    from geodata.i18n import t

    page.get_by_text(t("auth.session_expired", "id")).wait_for(timeout=30_000)
    assert page.request.get(media_url).status in {403, 404}  # gone with the session
    assert all(token not in url for url in request_log.urls)  # never in a URL
    request_log.assert_local()
