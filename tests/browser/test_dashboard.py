"""The Peta dashboard in a real browser: map, drill-down, filters, languages, links, escaping.

Every test opens its own page (a new Streamlit session) on the session's server, so the
URL is the only state carried in; every test ends by asserting that nothing the page
asked for left localhost. Expected figures are computed in-process with the same
``layers`` functions the page calls, on the same data (``KALBAR_DATA_DIR`` or the
committed sample), so the tests follow the data instead of hard-coding it.

Screenshots of the main views go to ``tests/artifacts/dashboard_*.png``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd
    from playwright.sync_api import Frame, Locator, Page

    from geodata.records.datasets import Dataset

    from .conftest import HostileData, RequestLog

pytestmark = pytest.mark.browser

MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
APP_ERROR = '[data-testid="stException"]'
TIMEOUT_MS = 60_000
#: More boundary polygons than this mean the coverage layer was drawn.
MIN_POLYGONS = 10
#: The kabupaten clicked in the drill-down test: Sanggau, home of PLBN Entikong.
CLICK_KABUPATEN = "61.03"
#: The view of the shared-link test: English, kecamatan level, Entikong selected, 2024 only.
SHARED_QUERY = "lang=en&level=kecamatan&selected=61.03.21&dates=2024-01-01..2024-12-31"
YEAR_2024 = (dt.date(2024, 1, 1), dt.date(2024, 12, 31))
#: Streamlit's search for its base path when a page is opened at its own URL path.
_BASE_PATH_PROBE = re.compile(r"^404 http://[^/]+/[a-z]+/_stcore/(health|host-config)$")

# JavaScript run inside the map's iframe. streamlit-folium renames folium's variables, so
# the map is found as the one L.Map among the window's properties.
_JS_MAP = "Object.values(window).find((v) => v instanceof L.Map)"
#: Number of case markers the map holds (the marker-cluster layer), null without one.
_JS_CASE_MARKERS = f"""() => {{
    const map = {_JS_MAP};
    let count = null;
    map.eachLayer((layer) => {{
        if (L.MarkerClusterGroup && layer instanceof L.MarkerClusterGroup) {{
            count = layer.getLayers().length;
        }}
    }});
    return count;
}}"""
#: Zoom of the map.
_JS_ZOOM = f"() => {_JS_MAP}.getZoom()"
#: Page coordinates (inside the iframe) of a point where the polygon of unit ``code`` is
#: the topmost element, so a real mouse click there hits it; null if none is visible.
_JS_UNIT_POINT = f"""(code) => {{
    const map = {_JS_MAP};
    let path = null;
    map.eachLayer((layer) => {{
        const props = layer.feature && layer.feature.properties;
        if (props && props.code === code && props.fill && layer._path) path = layer._path;
    }});
    if (!path) return null;
    const box = path.getBoundingClientRect();
    for (let i = 1; i < 12; i++) {{
        for (let j = 1; j < 12; j++) {{
            const x = box.left + (box.width * i) / 12, y = box.top + (box.height * j) / 12;
            if (document.elementFromPoint(x, y) === path) return {{x, y}};
        }}
    }}
    return null;
}}"""
#: The text of a layer's tooltip ("" without one); a case's tooltip is a function that
#: shows the details its layer fetched (dashboard/casedetails.py).
_JS_TIP = """(layer) => {
        const tooltip = layer.getTooltip && layer.getTooltip();
        const content = tooltip ? tooltip.getContent() : "";
        return String(typeof content === "function" ? content(layer) : content);
    }"""
#: Centre the map, zoomed in, on the marker whose tooltip holds ``mark`` (the case layers'
#: details fetched first); tell if found.
_JS_SHOW_MARKER = f"""async ([mark, zoom]) => {{
    const map = {_JS_MAP};
    const tip = {_JS_TIP};
    const loads = [];
    map.eachLayer((layer) => {{
        if (L.MarkerClusterGroup && layer instanceof L.MarkerClusterGroup) {{
            const fetching = layer.getLayers().find((marker) => marker.kbDetails);
            if (fetching) loads.push(fetching.kbDetails());
        }}
    }});
    await Promise.all(loads);
    const holds = (layer) => tip(layer).includes(mark);
    let found = null;
    map.eachLayer((layer) => {{
        if (L.MarkerClusterGroup && layer instanceof L.MarkerClusterGroup) {{
            found = layer.getLayers().find(holds) || found;
        }} else if (!found && !(layer instanceof L.LayerGroup) && holds(layer)) {{
            found = layer;
        }}
    }});
    if (!found) return false;
    map.setView(found.getLatLng(), zoom, {{animate: false}});
    return true;
}}"""
#: Where (inside the iframe) the marker holding ``mark`` is drawn, once it is the topmost
#: element there (markers move with a CSS transition after the view changes).
_JS_MARKER_POINT = f"""(mark) => {{
    const map = {_JS_MAP};
    const tip = {_JS_TIP};
    let found = null;
    map.eachLayer((layer) => {{
        if (!(layer instanceof L.LayerGroup) && tip(layer).includes(mark)) found = layer;
    }});
    const element = found && (found._icon || found._path);
    if (!element) return null;
    const frame = map.getContainer().getBoundingClientRect();
    const point = map.latLngToContainerPoint(found.getLatLng());
    const x = frame.left + point.x, y = frame.top + point.y;
    const top = document.elementFromPoint(x, y);
    return top && (top === element || element.contains(top)) ? {{x, y}} : null;
}}"""


# --- Expected figures, computed in-process ----------------------------------------------


@dataclass(frozen=True)
class Figures:
    """What the page should show for one filter: counts and the number of case markers."""

    cases: int
    victims: int
    markers: int


@dataclass(frozen=True)
class UnitFigures:
    """What the panel of a selected unit should show."""

    name: str
    cases: int
    victims: int
    crossings_near: int


@dataclass(frozen=True)
class Expected:
    """The dataset the server shows, its cases located, and the figures of a filter."""

    dataset: Dataset
    cases: gpd.GeoDataFrame
    gazetteer: pd.DataFrame

    def figures(self, **case_filter: Any) -> Figures:
        from geodata.records.cases import CaseFilter, case_points, filter_cases

        filtered = filter_cases(self.cases, CaseFilter(**case_filter))
        return Figures(
            cases=len(filtered),
            victims=int(filtered["victims_selected"].sum()),
            markers=len(case_points(filtered, self.gazetteer)),
        )

    def unit_figures(self, code: str, **case_filter: Any) -> UnitFigures:
        """The panel of kabupaten or kecamatan ``code``, on the map's simplified units."""
        from geodata import reference
        from geodata.records.cases import CaseFilter, filter_cases
        from layers.profile import unit_profile

        units = reference.load_web_layer("kabupaten" if len(code) == 5 else "kecamatan")
        unit = units[units["code"] == code].iloc[0]
        profile = unit_profile(
            unit,
            cases=filter_cases(self.cases, CaseFilter(**case_filter)),
            crossings=self.dataset.crossings,
            shelters=self.dataset.shelters,
        )
        return UnitFigures(
            name=str(unit["name"]),
            cases=profile.case_count,
            victims=profile.victim_count,
            crossings_near=len(profile.crossings),
        )


@pytest.fixture(scope="module")
def expected() -> Expected:
    """The dataset the server shows (the same ``KALBAR_DATA_DIR`` or the sample), located."""
    from geodata import reference
    from geodata.records.cases import destination_label, locate_cases
    from geodata.records.datasets import load_configured

    dataset = load_configured()
    cases = locate_cases(dataset.cases, reference.load_units("desa"))
    cases["destination"] = destination_label(cases)
    return Expected(dataset=dataset, cases=cases, gazetteer=reference.load_gazetteer())


def _num(value: float, lang: str = "id") -> str:
    from geodata.i18n import format_number

    return format_number(value, lang)


def _t(key: str, lang: str = "id", **params: object) -> str:
    from geodata.i18n import t

    return t(key, lang, **params)


# --- Page helpers -----------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _stays_local(request_log: RequestLog) -> Iterator[None]:
    """After every test: nothing left localhost and no request failed.

    Opened at a page's own path (``/data``), Streamlit's frontend first looks for its
    server under that path (``/data/_stcore/health``, a 404) before trying ``/``: those
    probes are not failures of the app.
    """
    yield
    request_log.assert_local()
    failures = [url for url in request_log.failures if not _BASE_PATH_PROBE.search(url)]
    assert not failures, f"failed requests: {failures}"


def _server_log(artifacts_dir: Path, name: str = "streamlit.log") -> str:
    log = artifacts_dir / name
    return log.read_text(encoding="utf-8", errors="replace")[-3000:] if log.exists() else ""


def _map_iframe(page: Page) -> Locator:
    """The map's iframe (during a rerun Streamlit may keep an old one at height 0)."""
    return page.locator(MAP_IFRAME).filter(visible=True).first


def _map_frame(page: Page) -> Frame:
    """The map iframe's document (waiting while a rerun replaces the iframe)."""
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while time.monotonic() < deadline:
        frame = _map_iframe(page).element_handle(timeout=TIMEOUT_MS).content_frame()
        if frame is not None:
            return frame
        page.wait_for_timeout(50)
    pytest.fail("the map iframe never got a document")


def open_dashboard(
    page: Page, url: str, artifacts_dir: Path, *, log: str = "streamlit.log"
) -> Frame:
    """Open ``url`` and wait until the map has drawn its polygons; return the map's frame.

    If the app shows an exception, fail with the end of the server's ``log``.
    """
    from playwright.sync_api import expect

    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_selector(f"{MAP_IFRAME}, {APP_ERROR}", state="attached", timeout=TIMEOUT_MS)
    if page.locator(APP_ERROR).count():
        pytest.fail("the app raised an exception; server log:\n" + _server_log(artifacts_dir, log))
    iframe = _map_iframe(page)
    expect(iframe).to_be_visible(timeout=TIMEOUT_MS)
    polygons = iframe.content_frame.locator("path.leaflet-interactive")
    expect(polygons.nth(MIN_POLYGONS)).to_be_attached(timeout=TIMEOUT_MS)
    return _map_frame(page)


def wait_in_map(page: Page, script: str, arg: Any = None, *, timeout_ms: int = TIMEOUT_MS) -> Any:
    """Wait until ``script(arg)`` is truthy in the map's frame; return its value.

    The map's iframe may be replaced during a rerun; then the wait goes on in the new one.
    """
    from playwright.sync_api import Error

    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        remaining = int((deadline - time.monotonic()) * 1000)
        if remaining <= 0:
            pytest.fail(f"the map never satisfied: {script[:200]}")
        try:
            handle = _map_frame(page).wait_for_function(script, arg=arg, timeout=remaining)
            return handle.json_value()
        except Error as error:
            if "Timeout" in str(error):
                raise
            # The frame was detached or navigated by a rerun: look again.


def case_markers_drawn(frame: Frame) -> int:
    """Cases the map shows at this zoom: cluster counts plus single case markers."""
    from layers import styles

    clusters = frame.locator(".marker-cluster").all_inner_texts()
    singles = frame.locator(f'path.leaflet-interactive[fill="{styles.CASE}"]').count()
    return sum(int(text.strip()) for text in clusters) + singles


def metric(page: Page, index: int) -> Locator:
    """The value of the ``index``-th metric on the page (0-3: headline, 4-6: the panel)."""
    return page.get_by_test_id("stMetric").nth(index).get_by_test_id("stMetricValue")


def metric_label(page: Page, index: int) -> Locator:
    return page.get_by_test_id("stMetric").nth(index).get_by_test_id("stMetricLabel")


def expect_headline(page: Page, figures: Figures, lang: str = "id") -> None:
    """The headline metrics show ``figures`` (cases, victims)."""
    from playwright.sync_api import expect

    expect(metric(page, 0)).to_have_text(_num(figures.cases, lang), timeout=TIMEOUT_MS)
    expect(metric(page, 1)).to_have_text(_num(figures.victims, lang), timeout=TIMEOUT_MS)


def choose(page: Page, key: str, option: str) -> None:
    """Pick ``option`` (its shown text) in the selectbox or multiselect with ``key``."""
    page.locator(f".st-key-{key}").get_by_role("combobox").click()
    page.get_by_role("option", name=option, exact=True).click()
    page.keyboard.press("Escape")


def shot(page: Page, artifacts_dir: Path, name: str, target: Locator | None = None) -> None:
    """Save a screenshot of the viewport, scrolled to ``target`` if given."""
    if target is not None:
        target.scroll_into_view_if_needed()
    page.screenshot(path=artifacts_dir / f"dashboard_{name}.png")


# --- Tests ------------------------------------------------------------------------------


def test_map_draws_layers_and_headline(
    page: Page, app_url: str, expected: Expected, request_log: RequestLog, artifacts_dir: Path
) -> None:
    from playwright.sync_api import expect

    frame = open_dashboard(page, app_url, artifacts_dir)
    everything = expected.figures()
    expect_headline(page, everything)
    expect(metric(page, 2)).to_have_text(_num(len(expected.dataset.crossings)))
    expect(metric(page, 3)).to_have_text(_num(len(expected.dataset.shelters)))

    assert wait_in_map(page, _JS_CASE_MARKERS) == everything.markers
    # Crossings are div icons, one per crossing; the legend and the layer switcher draw.
    expect(frame.locator(".leaflet-marker-icon.kb-icon")).to_have_count(
        len(expected.dataset.crossings)
    )
    expect(frame.locator(".kb-legend")).to_contain_text(_t("map.legend.title"))
    expect(frame.locator(".leaflet-control-layers")).to_contain_text(_t("map.layer.cases"))
    assert case_markers_drawn(frame) == everything.markers
    page.wait_for_load_state("networkidle", timeout=TIMEOUT_MS)
    shot(page, artifacts_dir, "map", _map_iframe(page))
    assert not request_log.console_errors, f"errors in the page: {request_log.console_errors}"


def test_click_on_a_kabupaten_opens_its_panel(
    page: Page, app_url: str, expected: Expected, artifacts_dir: Path
) -> None:
    from playwright.sync_api import expect

    open_dashboard(page, app_url, artifacts_dir)
    iframe = _map_iframe(page)
    iframe.scroll_into_view_if_needed()
    start_zoom = wait_in_map(page, _JS_ZOOM)
    point = wait_in_map(page, _JS_UNIT_POINT, CLICK_KABUPATEN)
    box = iframe.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])

    page.wait_for_url(re.compile(rf"[?&]selected={re.escape(CLICK_KABUPATEN)}(&|$)"))
    unit = expected.unit_figures(CLICK_KABUPATEN)
    # The panel: its three figures, the unit chosen in its list, the trend chart.
    expect(metric(page, 4)).to_have_text(_num(unit.cases), timeout=TIMEOUT_MS)
    expect(metric(page, 5)).to_have_text(_num(unit.victims))
    expect(metric(page, 6)).to_have_text(_num(unit.crossings_near))
    expect(metric_label(page, 6)).to_have_text(_t("panel.crossings_near"))
    expect(page.locator(".st-key-selected input[role=combobox]")).to_have_value(unit.name)
    trend = page.get_by_role("img", name=_t("charts.title"))
    expect(trend.first).to_be_visible()
    expect(trend.first.locator("circle").first).to_be_attached()
    # The map zoomed to the kabupaten.
    wait_in_map(page, f"() => ({_JS_ZOOM})() > {start_zoom}")
    shot(page, artifacts_dir, "selected_map", _map_iframe(page))
    shot(page, artifacts_dir, "selected_panel", page.get_by_test_id("stMetric").nth(4))


def test_exploitation_filter_changes_page_and_map(
    page: Page, app_url: str, expected: Expected, artifacts_dir: Path
) -> None:
    from playwright.sync_api import expect

    frame = open_dashboard(page, app_url, artifacts_dir)
    everything = expected.figures()
    expect_headline(page, everything)
    assert wait_in_map(page, _JS_CASE_MARKERS) == everything.markers
    legend_before = frame.locator(".kb-legend").inner_text()

    sexual = expected.figures(exploitation=frozenset({"sexual"}))
    assert sexual.cases < everything.cases, "the data should have cases of other kinds"
    choose(page, "f_exploitation", _t("exploitation.sexual"))

    expect_headline(page, sexual)
    caption = page.get_by_test_id("stMain").get_by_test_id("stCaptionContainer").first
    expect(caption).to_contain_text(_t("filters.exploitation"))
    expect(caption).to_contain_text(f"{_num(sexual.cases)} ")
    page.wait_for_url(re.compile(r"[?&]f_exploitation=sexual(&|$)"))
    assert wait_in_map(page, f"() => ({_JS_CASE_MARKERS})() === {sexual.markers}")
    frame = _map_frame(page)
    expect(frame.locator(".kb-legend")).not_to_have_text(legend_before)
    assert case_markers_drawn(frame) == sexual.markers


def test_date_range_in_the_link_filters_page_and_map(
    page: Page, app_url: str, expected: Expected, artifacts_dir: Path
) -> None:
    from playwright.sync_api import expect

    frame = open_dashboard(page, f"{app_url}/?dates=2024-01-01..2024-12-31", artifacts_dir)
    year = expected.figures(date_from=YEAR_2024[0], date_to=YEAR_2024[1])
    assert year.cases < len(expected.cases)
    expect_headline(page, year)
    expect(page.locator(".st-key-date_from input")).to_have_value("01/01/2024")
    expect(page.locator(".st-key-date_to input")).to_have_value("31/12/2024")
    assert wait_in_map(page, f"() => ({_JS_CASE_MARKERS})() === {year.markers}")
    assert case_markers_drawn(frame) == year.markers


@pytest.mark.parametrize("lang", ["id", "en"])
def test_typed_dates_apply_on_enter_in_the_language(
    lang: str, page: Page, app_url: str, expected: Expected, artifacts_dir: Path
) -> None:
    """The period typed as dd/mm/yyyy applies on Enter (headline, link); no English hint
    ("Press Enter to apply") and no calendar; a bad date says why in the language."""
    from playwright.sync_api import expect

    page.set_viewport_size({"width": 1440, "height": 900})
    open_dashboard(page, f"{app_url}/?lang={lang}", artifacts_dir)
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_text(_t("filters.date_hint", lang))).to_be_visible()
    start, end = page.locator(".st-key-date_from input"), page.locator(".st-key-date_to input")
    start.fill("1/1/2024")
    start.press("Enter")
    page.wait_for_url(re.compile(r"[?&]dates=2024-01-01\.\.2025-"), timeout=TIMEOUT_MS)
    end.fill("31/12/2024")  # typed, not yet applied: Streamlit's English hint stays hidden
    expect(sidebar.get_by_test_id("InputInstructions").filter(visible=True)).to_have_count(0)
    assert "Press Enter" not in sidebar.inner_text()
    end.press("Enter")
    year = expected.figures(date_from=YEAR_2024[0], date_to=YEAR_2024[1])
    expect_headline(page, year, lang)
    page.wait_for_url(re.compile(r"[?&]dates=2024-01-01\.\.2024-12-31(&|$)"))
    expect(start).to_have_value("01/01/2024")
    assert page.locator('[data-testid="stDateInput"]').count() == 0
    shot(page, artifacts_dir, f"dates_{lang}", sidebar)
    start.fill("31/02/2024")
    start.press("Enter")
    unreadable = _t("filters.date_unreadable", lang, value="31/02/2024", period="")
    expect(sidebar.get_by_test_id("stAlertContentError")).to_contain_text(
        unreadable.split(":")[0], timeout=TIMEOUT_MS
    )
    expect_headline(page, year, lang)  # the filter stays until the date is corrected
    shot(page, artifacts_dir, f"dates_error_{lang}", sidebar)


def test_language_switch_changes_the_text(
    page: Page, app_url: str, expected: Expected, artifacts_dir: Path
) -> None:
    from playwright.sync_api import expect

    open_dashboard(page, app_url, artifacts_dir)
    nav = page.get_by_test_id("stSidebarNav")
    expect(nav).to_contain_text(_t("nav.peta", "id"))
    expect(metric_label(page, 0)).to_have_text(_t("measure.cases", "id"))

    page.locator(".st-key-lang").get_by_text("English", exact=True).click()

    expect(metric_label(page, 0)).to_have_text(_t("measure.cases", "en"), timeout=TIMEOUT_MS)
    expect(metric_label(page, 1)).to_have_text(_t("measure.victims", "en"))
    expect(nav.get_by_text(_t("nav.peta", "en"), exact=True)).to_be_visible()
    expect(nav.get_by_text(_t("nav.peta", "id"), exact=True)).to_have_count(0)
    expect(page.get_by_role("heading", level=1)).to_contain_text(_t("peta.title", "en"))
    expect(metric(page, 1)).to_have_text(_num(expected.figures().victims, "en"))
    page.wait_for_url(re.compile(r"[?&]lang=en(&|$)"))
    # The map's legend and layer switcher follow.
    wait_in_map(
        page,
        "(title) => document.querySelector('.kb-legend')?.textContent.includes(title)",
        _t("map.legend.title", "en"),
    )
    expect(_map_frame(page).locator(".leaflet-control-layers")).to_contain_text(
        _t("map.layer.cases", "en")
    )
    shot(page, artifacts_dir, "english")


def test_shared_link_reopens_the_same_view(
    page: Page, app_url: str, expected: Expected, artifacts_dir: Path
) -> None:
    from playwright.sync_api import expect

    open_dashboard(page, f"{app_url}/?{SHARED_QUERY}", artifacts_dir)
    year = expected.figures(date_from=YEAR_2024[0], date_to=YEAR_2024[1])
    unit = expected.unit_figures("61.03.21", date_from=YEAR_2024[0], date_to=YEAR_2024[1])
    expect(page.locator(".st-key-lang").get_by_role("radio", name="English")).to_be_checked()
    expect(page.locator(".st-key-level input[role=combobox]")).to_have_value(
        _t("unit_type.kecamatan", "en")
    )
    expect(page.locator(".st-key-date_from input")).to_have_value("01/01/2024")
    expect(page.locator(".st-key-date_to input")).to_have_value("31/12/2024")
    expect_headline(page, year, "en")
    expect(page.locator(".st-key-selected input[role=combobox]")).to_have_value(
        re.compile(re.escape(unit.name))
    )
    expect(metric(page, 4)).to_have_text(_num(unit.cases, "en"))
    expect(metric(page, 5)).to_have_text(_num(unit.victims, "en"))
    expect(metric(page, 6)).to_have_text(_num(unit.crossings_near, "en"))
    # The map shows kecamatan, zoomed on the selection; the link keeps its state.
    assert wait_in_map(page, _JS_ZOOM) > 9
    polygons = _map_frame(page).locator("path.leaflet-interactive")
    assert polygons.count() > 100, "the kecamatan choropleth was not drawn"
    for part in SHARED_QUERY.split("&"):
        assert part in page.url, f"{part} missing from {page.url}"
    shot(page, artifacts_dir, "shared_link")


def _reruns(frames: list[bytes | str]) -> int:
    """How many of the browser's websocket messages asked Streamlit to rerun the script."""
    from streamlit.proto.BackMsg_pb2 import BackMsg

    count = 0
    for frame in frames:
        if isinstance(frame, bytes):
            message = BackMsg()
            message.ParseFromString(frame)
            count += message.WhichOneof("type") == "rerun_script"
    return count


def test_pan_and_zoom_do_not_rerun_the_script(
    page: Page, app_url: str, artifacts_dir: Path
) -> None:
    sent: list[bytes | str] = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda frame: sent.append(frame)))
    open_dashboard(page, app_url, artifacts_dir)
    page.wait_for_load_state("networkidle", timeout=TIMEOUT_MS)
    iframe = _map_iframe(page)
    iframe.scroll_into_view_if_needed()
    start_zoom = wait_in_map(page, _JS_ZOOM)
    sent.clear()

    iframe.content_frame.locator(".leaflet-control-zoom-in").click()
    wait_in_map(page, f"() => ({_JS_ZOOM})() > {start_zoom}")
    box = iframe.bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] * 0.4, box["y"] + box["height"] * 0.6
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 150, y - 80, steps=8)
    page.mouse.up()
    page.mouse.wheel(0, -300)
    # A rerun would be asked for within a few frames; give it a second to show up.
    page.wait_for_timeout(1000)
    assert _reruns(sent) == 0, "panning or zooming the map reran the script"


@pytest.mark.parametrize("kind", ["case", "crossing", "shelter"])
def test_hostile_text_shows_as_text_and_runs_nothing(
    kind: str,
    page: Page,
    hostile_app_url: str,
    hostile_data: HostileData,
    request_log: RequestLog,
    artifacts_dir: Path,
) -> None:
    from playwright.sync_api import expect

    from .conftest import XSS_MARKS

    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    frame = open_dashboard(page, hostile_app_url, artifacts_dir, log="streamlit-hostile.log")
    title = page.title()
    frame_title = frame.evaluate("document.title")
    mark = XSS_MARKS[kind]
    _map_iframe(page).scroll_into_view_if_needed()

    assert wait_in_map(page, _JS_SHOW_MARKER, [mark, 13]), f"no marker carries {mark}"
    point = wait_in_map(page, _JS_MARKER_POINT, mark)
    box = _map_iframe(page).bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + point["x"], box["y"] + point["y"])
    tooltip = _map_frame(page).locator(".leaflet-tooltip").filter(has_text=mark)
    expect(tooltip).to_be_visible(timeout=10_000)
    text = tooltip.text_content() or ""
    assert hostile_data.texts[kind] in text, f"the tooltip does not show it as typed: {text!r}"
    assert tooltip.locator("img").count() == 0
    shot(page, artifacts_dir, f"xss_{kind}")

    frame = _map_frame(page)
    for where, context in (("page", page), ("map", frame)):
        assert context.evaluate("typeof window.__xss") == "undefined", f"script ran in the {where}"
        assert context.locator('img[src="x"]').count() == 0, f"an <img> was made in the {where}"
    assert page.title() == title
    assert frame.evaluate("document.title") == frame_title
    assert not dialogs, f"dialogs opened: {dialogs}"
    assert not [url for url in request_log.urls if url.rstrip("/").endswith("/x")]


def test_the_filters_follow_the_user_from_page_to_page(
    page: Page, app_url: str, artifacts_dir: Path
) -> None:
    """A period and a filter chosen on Peta stay in the sidebar on every page the user opens
    next (they went blank, with a red error, on every second page)."""
    from playwright.sync_api import expect

    open_dashboard(page, app_url, artifacts_dir)
    sidebar = page.get_by_test_id("stSidebar")
    start = page.locator(".st-key-date_from input")
    start.fill("05/03/2022")
    start.press("Enter")
    page.wait_for_url(re.compile(r"[?&]dates=2022-03-05\.\."), timeout=TIMEOUT_MS)
    for path in ("risiko", "patroli", "shelter", "data", "tentang", "peta"):
        sidebar.get_by_role("link", name=_t(f"nav.{path}")).first.click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(
            _t(f"nav.{path}") if path != "peta" else _t("peta.title"), timeout=TIMEOUT_MS
        )
        if path == "tentang":  # no case filters there
            continue
        expect(start).to_have_value("05/03/2022", timeout=TIMEOUT_MS)
        expect(sidebar.get_by_test_id("stAlertContentError")).to_have_count(0)
    page.wait_for_url(re.compile(r"[?&]dates=2022-03-05\.\."), timeout=TIMEOUT_MS)  # Peta's link
    shot(page, artifacts_dir, "filters_after_pages", sidebar)


#: Zoom to the first case marker until it is drawn alone; its point (inside the iframe)
#: once it is the topmost element there, else null.
_JS_FIRST_CASE_POINT = f"""async () => {{
    const map = {_JS_MAP};
    let cluster = null;
    map.eachLayer((layer) => {{
        if (L.MarkerClusterGroup && layer instanceof L.MarkerClusterGroup) cluster = layer;
    }});
    const marker = cluster && cluster.getLayers()[0];
    if (!marker) return null;
    if (!marker._map) await new Promise((done) => cluster.zoomToShowLayer(marker, done));
    if (!marker._path) return null;
    const frame = map.getContainer().getBoundingClientRect();
    const point = map.latLngToContainerPoint(marker.getLatLng());
    const x = frame.left + point.x, y = frame.top + point.y;
    return document.elementFromPoint(x, y) === marker._path ? {{x, y}} : null;
}}"""


def test_a_case_tooltip_fetches_its_details_when_it_opens(
    page: Page, app_url: str, artifacts_dir: Path
) -> None:
    """The map carries case positions only; hovering a case fetches its layer's details
    once, from the details route (never kept by the browser), and shows them."""
    from playwright.sync_api import expect

    received: list[bytes | str] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda f: received.append(f)))
    fetched: list[tuple[int, str | None]] = []
    page.on(
        "response",
        lambda response: (
            fetched.append((response.status, response.headers.get("cache-control")))
            if "/_kalbar/details/" in response.url
            else None
        ),
    )
    open_dashboard(page, app_url, artifacts_dir)
    page.wait_for_load_state("networkidle", timeout=TIMEOUT_MS)
    case_ids = re.compile(rb"SYN-\d{4}-\d{4}")
    frames = [f if isinstance(f, bytes) else f.encode() for f in received]
    assert not any(case_ids.search(f) for f in frames), "case details went over the websocket"
    assert fetched == [], "details were fetched before any tooltip opened"

    _map_iframe(page).scroll_into_view_if_needed()
    point = wait_in_map(page, _JS_FIRST_CASE_POINT)
    box = _map_iframe(page).bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + point["x"], box["y"] + point["y"])
    tooltip = _map_frame(page).locator(".leaflet-tooltip")
    expect(tooltip).to_contain_text(_t("case.case_id"), timeout=10_000)
    assert case_ids.search((tooltip.text_content() or "").encode())
    assert fetched == [(200, "no-store")]
    shot(page, artifacts_dir, "case_details_tooltip")


@pytest.mark.parametrize("path", ["data", "tentang"])
def test_other_pages_open(path: str, page: Page, app_url: str, artifacts_dir: Path) -> None:
    from playwright.sync_api import expect

    page.goto(f"{app_url}/{path}", wait_until="domcontentloaded")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text(_t(f"nav.{path}"), timeout=TIMEOUT_MS)
    if page.locator(APP_ERROR).count():
        pytest.fail("the app raised an exception; server log:\n" + _server_log(artifacts_dir))
    if path == "data":
        expect(page.get_by_test_id("stDataFrame").first).to_be_visible(timeout=TIMEOUT_MS)
    page.wait_for_load_state("networkidle", timeout=TIMEOUT_MS)
    shot(page, artifacts_dir, path)


def test_language_switch_keeps_the_map_options(
    page: Page, app_url: str, artifacts_dir: Path
) -> None:
    from playwright.sync_api import expect

    open_dashboard(page, f"{app_url}/?measure=victims&case_mode=heat", artifacts_dir)
    measure = page.locator(".st-key-measure input[role=combobox]")
    heat = page.locator(".st-key-case_mode").get_by_role("radio", name=_t("case_mode.heat", "id"))
    expect(measure).to_have_value(_t("measure.victims", "id"), timeout=TIMEOUT_MS)
    expect(heat).to_be_checked()

    page.locator(".st-key-lang").get_by_text("English", exact=True).click()
    expect(metric_label(page, 0)).to_have_text(_t("measure.cases", "en"), timeout=TIMEOUT_MS)
    heat = page.locator(".st-key-case_mode").get_by_role("radio", name=_t("case_mode.heat", "en"))
    expect(measure).to_have_value(_t("measure.victims", "en"))
    expect(heat).to_be_checked()
    # Another widget change must neither lose them nor break the page.
    choose(page, "classes", "4")
    expect(page.locator(".st-key-classes input[role=combobox]")).to_have_value("4")
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("stAlertContentError")).to_have_count(0)
    expect(_map_iframe(page)).to_be_visible()
    expect(measure).to_have_value(_t("measure.victims", "en"))
    expect(heat).to_be_checked()


def test_map_option_change_updates_the_link(page: Page, app_url: str, artifacts_dir: Path) -> None:
    open_dashboard(page, app_url, artifacts_dir)
    page.wait_for_load_state("networkidle")  # as a user would: the page has settled
    choose(page, "classes", "4")
    page.wait_for_url(re.compile(r"[?&]classes=4(&|$)"), timeout=10_000)


#: The choropleth's drawn shapes: code -> [fill colour, tooltip text] (fetched features).
_JS_FILLED_SHAPES = f"""() => {{
    const map = {_JS_MAP};
    const shapes = {{}};
    map.eachLayer((layer) => {{
        const props = layer.feature && layer.feature.properties;
        if (props && props.code && "fill" in props && layer._path) {{
            shapes[props.code] = [props.fill, props.tip];
        }}
    }});
    return Object.keys(shapes).length ? shapes : null;
}}"""


def test_the_map_draws_its_shapes_from_fetched_files_and_a_click_selects(
    page: Page, app_url: str, expected: Expected, artifacts_dir: Path
) -> None:
    from geodata import reference

    fetched: list[str] = []
    page.on(
        "response",
        lambda r: fetched.append(r.url) if "/app/static/geo/" in r.url and r.ok else None,
    )
    open_dashboard(page, app_url, artifacts_dir)
    # The choropleth, Sarawak and the border arrive as files; the fill colours the shapes
    # and gives each its tooltip whether it came before the file or after.
    wait_in_map(page, f"() => ({_JS_FILLED_SHAPES})() !== null")
    assert len(set(fetched)) == 3, fetched
    assert all(url.endswith(".geojson") for url in fetched)
    shapes = wait_in_map(page, _JS_FILLED_SHAPES)
    assert set(shapes) == set(reference.load_web_layer("kabupaten")["code"])
    assert all(tip for _fill, tip in shapes.values())
    assert len({fill for fill, _tip in shapes.values()}) > 1  # classes, not the placeholder
    # A filter change refills the shapes already in the browser (the fill after the file).
    choose(page, "f_exploitation", _t("exploitation.sexual"))
    page.wait_for_url(re.compile(r"[?&]f_exploitation=sexual(&|$)"))
    changed = wait_in_map(
        page,
        f"""(before) => {{
            const now = ({_JS_FILLED_SHAPES})();
            return now !== null && JSON.stringify(now) !== before ? now : null;
        }}""",
        json.dumps(shapes),
    )
    assert set(changed) == set(shapes)  # the same shapes, not fetched again
    assert len(set(fetched)) == 3
    # A click on a fetched shape returns its unit (streamlit-folium's last_active_drawing).
    iframe = _map_iframe(page)
    iframe.scroll_into_view_if_needed()
    point = wait_in_map(page, _JS_UNIT_POINT, CLICK_KABUPATEN)
    box = iframe.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
    page.wait_for_url(re.compile(rf"[?&]selected={re.escape(CLICK_KABUPATEN)}(&|$)"))
