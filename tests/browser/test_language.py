"""Every page in each language, as a new user sees it at 1440×900 (demo mode).

The Indonesian interface must show no English interface words (Streamlit's own included)
and no dot-decimal numbers; the English one no Indonesian words. Each page's screenshot
is saved as ``tests/artifacts/lang_<lang>_<page>.png`` to be looked at.

Text inside Streamlit's file drop zone is left out: Streamlit (1.67) offers no way to
translate it, so its words stay English in the page's text, but what the drop zone shows
comes from the app's style sheet in the language (dashboard/chrome.py; tested here).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from geodata.i18n import t

if TYPE_CHECKING:
    from playwright.sync_api import Page

TIMEOUT_MS = 60_000
APP_ERROR = '[data-testid="stException"]'
MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
PAGES = ("peta", "risiko", "patroli", "shelter", "data", "tentang")
#: English interface words Streamlit or a careless string shows (whole words, case-sensitive).
ENGLISH_WORDS = (
    "Choose an option", "No options to select", "Page not found", "None", "Download",
    "rows", "Select", "Search", "Clear", "Loading", "Upload", "January", "December",
    "Yes", "No results", "Show", "Hide", "Cases", "Victims", "Map", "Legend", "Filters",
)  # fmt: skip
#: Common Indonesian words that no English interface text holds.
INDONESIAN_WORDS = (
    "yang", "dan", "dengan", "untuk", "tidak", "Unduh", "Pilih", "Semua", "Jumlah",
    "Korban", "Kasus", "Tahun", "Bulan", "Peta", "Legenda", "Periode",
)  # fmt: skip
#: A number with a dot before one or two decimals ("86.8"), or a "0.x" number: in
#: Indonesian the dot groups thousands ("1.234") and the comma marks decimals ("86,8").
DOT_DECIMAL = re.compile(r"(?<![\d.,])(?:\d+\.\d{1,2}|0\.\d+)(?![\d.])")
#: Elements whose text is not the interface's own: Streamlit's drop zone (see module),
#: the language switch (it names both languages).
SKIPPED = (
    '[data-testid="stFileUploaderDropzone"]',
    '[data-testid="stSidebar"] .stRadio',
)
WIDTH, HEIGHT = 1440, 900


def _visible_text(page: Page) -> str:
    """The text of the page (dialogs too) and of its map frames, without :data:`SKIPPED`."""
    body = page.locator("body").inner_text()  # dialogs ("Page not found") included
    for selector in SKIPPED:
        for element in page.locator(selector).all():
            body = body.replace(element.inner_text(), "")
    frames = [
        frame.locator("body").inner_text()
        for frame in page.frames
        if frame != page.main_frame and frame.url.startswith(("http", "about:srcdoc"))
    ]
    return "\n".join([body, *frames])


def _words(text: str, words: tuple[str, ...]) -> list[str]:
    return [word for word in words if re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text)]


def _open(page: Page, app_url: str, name: str, lang: str, artifacts_dir: Path) -> str:
    """Open page ``name`` in ``lang``, wait until it has drawn, screenshot it, return text."""
    from playwright.sync_api import expect

    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    page.goto(f"{app_url}/{name}?lang={lang}", wait_until="domcontentloaded")
    heading = page.get_by_role("heading", level=1)
    title = t("peta.title" if name == "peta" else f"nav.{name}", lang)
    expect(heading).to_contain_text(title, timeout=TIMEOUT_MS)
    page.wait_for_load_state("networkidle", timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=TIMEOUT_MS)
    page.wait_for_timeout(1500)  # the map frame draws its labels after load
    assert page.locator(APP_ERROR).count() == 0, f"{name} ({lang}) raised an exception"
    page.screenshot(path=artifacts_dir / f"lang_{lang}_{name}.png")
    maps = page.locator(MAP_IFRAME).filter(visible=True)
    if maps.count():
        maps.first.scroll_into_view_if_needed()
        page.wait_for_timeout(500)
        maps.first.screenshot(path=artifacts_dir / f"lang_{lang}_{name}_map.png")
    return _visible_text(page)


@pytest.mark.parametrize("name", PAGES)
def test_indonesian_interface_has_no_english_and_no_dot_decimals(
    name: str, page: Page, app_url: str, artifacts_dir: Path
) -> None:
    text = _open(page, app_url, name, "id", artifacts_dir)
    assert _words(text, ENGLISH_WORDS) == [], f"English on {name}"
    assert DOT_DECIMAL.findall(text) == [], f"dot decimals on {name}"


@pytest.mark.parametrize("name", PAGES)
def test_english_interface_has_no_indonesian(
    name: str, page: Page, app_url: str, artifacts_dir: Path
) -> None:
    text = _open(page, app_url, name, "en", artifacts_dir)
    assert _words(text, INDONESIAN_WORDS) == [], f"Indonesian on {name}"


#: What the drop zone's button and its size line show (CSS ``content`` of ``::after``).
JS_DROPZONE_WORDS = """() => Array.from(document.querySelectorAll(
    '[data-testid="stFileUploaderDropzone"] button p, '
    + '[data-testid="stFileUploaderDropzoneInstructions"] span'
), (element) => [getComputedStyle(element).fontSize,
                 getComputedStyle(element, "::after").content])"""


@pytest.mark.parametrize("lang", ["id", "en"])
def test_streamlits_uploader_speaks_the_language_and_its_menu_is_gone(
    lang: str, page: Page, app_url: str, artifacts_dir: Path
) -> None:
    """The uploader showed "Upload" and "20MB per file • CSV", the menu "Print"."""
    _open(page, app_url, "data", lang, artifacts_dir)
    shown = page.evaluate(JS_DROPZONE_WORDS)
    upload, limit = t("common.upload", lang), t("common.upload_limit", lang, mb="20")
    assert len(shown) >= 2  # the drop zones of the file check and of the population table
    assert {tuple(words) for words in shown} == {("0px", f'"{upload}"'), ("0px", f'"{limit}"')}
    assert page.get_by_test_id("stMainMenu").count() == 0


def test_desa_level_without_a_kabupaten_draws_the_kecamatan_map(
    page: Page, app_url: str, artifacts_dir: Path
) -> None:
    """The notice says the kecamatan map shows meanwhile: it must, with its polygons."""
    from playwright.sync_api import expect

    from geodata import reference

    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    page.goto(f"{app_url}/peta?level=desa", wait_until="domcontentloaded")
    expect(page.get_by_text(t("peta.desa_needs_kabupaten", "id"))).to_be_visible(timeout=TIMEOUT_MS)
    frame = page.locator(MAP_IFRAME).filter(visible=True).first.content_frame
    kecamatan = len(reference.load_units("kecamatan"))
    expect(frame.locator("path.leaflet-interactive").nth(kecamatan - 1)).to_be_attached(
        timeout=TIMEOUT_MS
    )
    page.locator(MAP_IFRAME).filter(visible=True).first.screenshot(
        path=artifacts_dir / "lang_id_peta_desa_map.png"
    )


#: In the map frame: the centres of ``selector``'s elements and the boxes of the controls.
_COVER_SCRIPT = """(selector) => {
    const box = (e) => { const r = e.getBoundingClientRect();
        return {left: r.left, top: r.top, right: r.right, bottom: r.bottom}; };
    const map = box(document.querySelector(".leaflet-container"));
    const points = [...document.querySelectorAll(selector)].map((e) => { const r = box(e);
        return {x: (r.left + r.right) / 2, y: (r.top + r.bottom) / 2}; });
    const controls = [...document.querySelectorAll(".leaflet-control")]
        .filter((e) => e.offsetWidth > 0).map(box);
    return {map, points, controls};
}"""


def _covered(layout: dict) -> list[dict]:
    """Points outside the map or under a control."""
    inside = layout["map"]
    return [
        point
        for point in layout["points"]
        if not (inside["left"] <= point["x"] <= inside["right"])
        or not (inside["top"] <= point["y"] <= inside["bottom"])
        or any(
            c["left"] <= point["x"] <= c["right"] and c["top"] <= point["y"] <= c["bottom"]
            for c in layout["controls"]
        )
    ]


@pytest.mark.parametrize(
    ("path", "selector", "least"),
    [
        ("patroli", '.leaflet-marker-icon div[style*="background:#d7191c"]', 5),
        ("peta?selected=61.03", "path.kb-focus", 1),
        ("peta?selected=61.06", "path.kb-focus", 1),
    ],
)
def test_no_control_covers_a_patrol_site_or_the_selected_unit(
    path: str, selector: str, least: int, page: Page, app_url: str, artifacts_dir: Path
) -> None:
    """Every chosen patrol site and the selected unit (its box's centre) lie inside the
    visible map and under no control (legend, banner, layer switcher, zoom, scale)."""
    from playwright.sync_api import expect

    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    page.goto(f"{app_url}/{path}", wait_until="domcontentloaded")
    iframe = page.locator(MAP_IFRAME).filter(visible=True).first
    expect(iframe).to_be_visible(timeout=TIMEOUT_MS)
    frame = iframe.content_frame
    expect(frame.locator(selector).nth(least - 1)).to_be_attached(timeout=TIMEOUT_MS)
    iframe.scroll_into_view_if_needed()
    page.wait_for_timeout(2500)  # the controls fold after the map has drawn
    name = path.replace("?selected=", "_").replace(".", "")
    iframe.screenshot(path=artifacts_dir / f"uncovered_{name}.png")
    layout = iframe.element_handle().content_frame().evaluate(_COVER_SCRIPT, selector)
    assert len(layout["points"]) >= least
    assert _covered(layout) == []


def _inside_viewport(box: dict[str, float] | None) -> bool:
    return (
        box is not None
        and box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= WIDTH
        and box["y"] + box["height"] <= HEIGHT
    )


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("code", ["61.03", "61.03.21"])
def test_the_selected_units_panel_shows_without_scrolling(
    lang: str, code: str, page: Page, app_url: str, artifacts_dir: Path
) -> None:
    """At 1440×900 a selected kabupaten's or kecamatan's panel heading and its first
    figures (cases, victims) lie inside the viewport, beside a map still wide enough to
    read, before any scrolling."""
    from playwright.sync_api import expect

    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    page.goto(f"{app_url}/peta?lang={lang}&selected={code}", wait_until="domcontentloaded")
    figures = page.get_by_test_id("stMetric")
    expect(figures.nth(5)).to_be_visible(timeout=TIMEOUT_MS)
    iframe = page.locator(MAP_IFRAME).filter(visible=True).first
    expect(iframe).to_be_visible(timeout=TIMEOUT_MS)
    page.wait_for_timeout(1000)
    assert (
        page.evaluate("() => document.querySelector('[data-testid=stMain]')?.scrollTop ?? 0") == 0
    )
    assert page.evaluate("() => window.scrollY") == 0
    heading = page.get_by_role("heading", name=t("panel.title", lang))
    labels = [figures.nth(i).get_by_test_id("stMetricLabel").inner_text() for i in (4, 5)]
    assert labels == [t("measure.cases", lang), t("measure.victims", lang)]
    page.screenshot(path=artifacts_dir / f"panel_{lang}_{code.replace('.', '')}.png")
    outside = [
        name
        for name, box in (
            ("heading", heading.bounding_box()),
            ("cases", figures.nth(4).bounding_box()),
            ("victims", figures.nth(5).bounding_box()),
        )
        if not _inside_viewport(box)
    ]
    assert outside == [], f"outside the 1440×900 viewport before scrolling: {outside}"
    map_box, panel_box = iframe.bounding_box(), heading.bounding_box()
    assert map_box is not None and panel_box is not None
    assert map_box["width"] >= 550, "the map beside the panel stays wide enough to read"
    assert panel_box["x"] >= map_box["x"] + map_box["width"], "the panel is beside the map"
    assert map_box["y"] + 300 <= HEIGHT, "at least 300 px of the map show before scrolling"
