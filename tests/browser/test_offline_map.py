"""The dashboard's map draws in a real browser with no request leaving localhost."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from .conftest import RequestLog

pytestmark = pytest.mark.browser

#: streamlit-folium's iframe (Streamlit titles a component's iframe after the component).
MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
#: Streamlit's box for an uncaught exception in the script (details only in the server log).
APP_ERROR = '[data-testid="stException"]'
#: More boundary polygons than this mean the coverage layer was drawn, not just a marker.
MIN_POLYGONS = 10
TIMEOUT_MS = 60_000


def test_map_draws_offline(
    page: Page, app_url: str, request_log: RequestLog, artifacts_dir: Path
) -> None:
    from playwright.sync_api import expect

    page.goto(app_url, wait_until="domcontentloaded")
    page.wait_for_selector(f"{MAP_IFRAME}, {APP_ERROR}", state="attached", timeout=TIMEOUT_MS)
    if page.locator(APP_ERROR).count():
        log = (artifacts_dir / "streamlit.log").read_text(encoding="utf-8", errors="replace")
        pytest.fail("the app raised an exception; server log:\n" + log[-3000:])
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
    page.screenshot(path=artifacts_dir / "offline_map_page.png")
    map_iframe.screenshot(path=artifacts_dir / "offline_map.png")

    assert polygons.count() > MIN_POLYGONS
    request_log.assert_local()
    request_log.assert_no_failures()
    # An uncaught error in the map script stops every layer after it from drawing.
    assert not request_log.console_errors, f"errors in the page: {request_log.console_errors}"
