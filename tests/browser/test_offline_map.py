"""The dashboard's map draws in a real browser with no request leaving localhost."""

from __future__ import annotations

import gzip
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.browser.conftest import RequestLog, serve_streamlit

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

#: streamlit-folium's iframe (Streamlit titles a component's iframe after the component).
MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
#: Streamlit's box for an uncaught exception in the script (details only in the server log).
APP_ERROR = '[data-testid="stException"]'
#: More boundary polygons than this mean the coverage layer was drawn, not just a marker.
MIN_POLYGONS = 10
TIMEOUT_MS = 60_000


def _drawn_map(page: Page, url: str, log: Path, artifacts_dir: Path, name: str) -> Any:
    """Open ``url`` and wait for the map's polygons; the map's frame (screenshots saved as
    ``<name>_page.png`` and ``<name>.png``). ``log`` is the server's, shown if it fails."""
    from playwright.sync_api import expect

    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_selector(f"{MAP_IFRAME}, {APP_ERROR}", state="attached", timeout=TIMEOUT_MS)
    if page.locator(APP_ERROR).count():
        text = log.read_text(encoding="utf-8", errors="replace")
        pytest.fail("the app raised an exception; server log:\n" + text[-3000:])
    # During a rerun Streamlit may briefly keep the old iframe at height 0.
    map_iframe = page.locator(MAP_IFRAME).filter(visible=True).first
    expect(map_iframe).to_be_visible(timeout=TIMEOUT_MS)
    frame = map_iframe.content_frame
    expect(frame.locator(".leaflet-container")).to_be_visible(timeout=TIMEOUT_MS)
    polygons = frame.locator("path.leaflet-interactive")
    expect(polygons.nth(MIN_POLYGONS)).to_be_attached(timeout=TIMEOUT_MS)
    # Let late requests (images, plugin files) show up in the log before asserting.
    page.wait_for_load_state("networkidle", timeout=TIMEOUT_MS)
    map_iframe.scroll_into_view_if_needed()
    page.screenshot(path=artifacts_dir / f"{name}_page.png")
    map_iframe.screenshot(path=artifacts_dir / f"{name}.png")
    assert polygons.count() > MIN_POLYGONS
    return frame


def test_map_draws_offline(
    page: Page, app_url: str, request_log: RequestLog, artifacts_dir: Path
) -> None:
    _drawn_map(page, app_url, artifacts_dir / "streamlit.log", artifacts_dir, "offline_map")
    request_log.assert_local()
    request_log.assert_no_failures()
    # An uncaught error in the map script stops every layer after it from drawing.
    assert not request_log.console_errors, f"errors in the page: {request_log.console_errors}"


def test_streamlits_frontend_comes_gzipped_and_the_page_plain(app_url: str) -> None:
    """``dashboard/server.py`` compresses Streamlit's scripts (dashboard/compression.py), which
    Streamlit sends uncompressed; the page, which may carry data, stays plain."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    gzip_ok = {"Accept-Encoding": "gzip"}
    with opener.open(urllib.request.Request(f"{app_url}/", headers=gzip_ok), timeout=30) as page:
        assert page.headers.get("Content-Encoding") is None
        script = page.read().decode().split('src="./static/js/', 1)[1].split('"', 1)[0]
    url = f"{app_url}/static/js/{script}"
    with opener.open(urllib.request.Request(url, headers=gzip_ok), timeout=30) as response:
        assert response.headers["Content-Encoding"] == "gzip"
        packed = response.read()
    with opener.open(url, timeout=30) as response:
        assert gzip.decompress(packed) == response.read()


def test_map_draws_whole_under_a_base_path(
    page: Page, request_log: RequestLog, artifacts_dir: Path
) -> None:
    """An office serving the dashboard under a path (``server.baseUrlPath``) gets every map
    file from under that path: Leaflet's stylesheet applies and nothing is missing."""
    log = artifacts_dir / "streamlit-base-path.log"
    with serve_streamlit(log, env={}, base_url_path="/kalbar") as url:
        frame = _drawn_map(page, url + "/", log, artifacts_dir, "base_path_map")
        # leaflet.css places the panes; without it they are static and the map falls apart.
        position = frame.locator(".leaflet-map-pane").evaluate("e => getComputedStyle(e).position")
        assert position == "absolute"
        request_log.assert_no_failures()
        assert not request_log.console_errors, f"errors in the page: {request_log.console_errors}"
