"""The map frame's links: one bundle of the installed libraries, geometry downloads started
before them, the server's base path on every local link, and the fetched layers taking the
downloads up (run by Node.js)."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest
import streamlit as st

from dashboard.mapassets import URL_PATH, bundle_url, early_fetches, frame_links
from layers._assets import DEFAULT_BASE_URL, NODE_MODULES_DIR
from layers.fetched import _IN_ORDER

LEAFLET = f"{DEFAULT_BASE_URL}/leaflet/dist/leaflet.js"
CLUSTER = f"{DEFAULT_BASE_URL}/leaflet.markercluster/dist/leaflet.markercluster.js"
CSS = [f"{DEFAULT_BASE_URL}/leaflet/dist/leaflet.css", f"{DEFAULT_BASE_URL}/x/dist/x.css"]
GEOMETRY = ["/app/static/geo/a1.geojson", "/app/static/geo/b2.geojson"]


@pytest.fixture
def base_path() -> Iterator[str]:
    """The server runs under ``/kalbar`` (``server.baseUrlPath``) during the test."""
    old = st.get_option("server.baseUrlPath")
    st.config.set_option("server.baseUrlPath", "/kalbar/")
    try:
        yield "/kalbar"
    finally:
        st.config.set_option("server.baseUrlPath", old)


def test_the_bundle_holds_each_library_once_in_order(tmp_path: Path) -> None:
    url = bundle_url((LEAFLET, CLUSTER), folder=tmp_path)
    assert url.startswith(f"/{URL_PATH}/") and url.endswith(".js")
    (written,) = tmp_path.iterdir()
    assert url.endswith(written.name)
    text = written.read_text(encoding="utf-8")
    leaflet = (NODE_MODULES_DIR / "leaflet/dist/leaflet.js").read_text(encoding="utf-8")
    first_line = leaflet.splitlines()[0]
    assert text.count(first_line) == 1
    assert text.index(first_line) < text.index("MarkerClusterGroup")
    assert "sourceMappingURL" not in text  # the libraries' maps are not beside the bundle
    # Named by content: the same libraries give the same file, another order another one.
    assert bundle_url((LEAFLET, CLUSTER), folder=tmp_path) == url
    assert bundle_url((CLUSTER, LEAFLET), folder=tmp_path) != url
    assert len(list(tmp_path.iterdir())) == 2


def test_the_component_gets_the_downloads_then_the_bundle(tmp_path: Path) -> None:
    css, js = frame_links(CSS, [LEAFLET, CLUSTER], GEOMETRY, folder=tmp_path)
    assert css == tuple(CSS)  # left to streamlit-folium, after the scripts
    assert js == (early_fetches(GEOMETRY), bundle_url((LEAFLET, CLUSTER), folder=tmp_path))
    nothing_early = frame_links([], [LEAFLET], [], folder=tmp_path)
    assert nothing_early == ((), (bundle_url((LEAFLET,), folder=tmp_path),))


def test_a_library_from_elsewhere_is_loaded_as_it_is(tmp_path: Path) -> None:
    other = "/component/some/plugin.js"
    assert frame_links([], [LEAFLET, other], [], folder=tmp_path) == ((), (LEAFLET, other))
    assert list(tmp_path.iterdir()) == []


def test_every_local_link_is_under_the_server_base_path(tmp_path: Path, base_path: str) -> None:
    remote = "https://example.org/plugin.css"
    css, js = frame_links([*CSS, remote], [LEAFLET, CLUSTER], GEOMETRY, folder=tmp_path)
    assert css == (*(base_path + link for link in CSS), remote)
    assert js[1].startswith(f"{base_path}/{URL_PATH}/")
    other, remote_js = "/component/some/plugin.js", "https://example.org/plugin.js"
    libraries = frame_links([], [LEAFLET, other, remote_js], [], folder=tmp_path)[1]
    assert libraries == (base_path + LEAFLET, base_path + other, remote_js)


def _node() -> str:
    node = shutil.which("node")
    assert node, "Node.js is needed (tools/setup.sh installs the map's npm packages with it)"
    return node


@pytest.mark.parametrize("early", [True, False])
def test_the_fetched_layers_take_up_a_started_download_once(early: bool) -> None:
    """In the page's order: the early script (if any), then a layer fetching each file. Each
    file is downloaded exactly once and reaches its layer."""
    started = unquote(early_fetches(GEOMETRY).split(",", 1)[1]) if early else ""
    program = (
        "var window = globalThis; var calls = [];"
        "globalThis.fetch = function (url, options) { calls.push([url, options.credentials]);"
        "  return Promise.resolve({ok: true, json: function () { return Promise.resolve("
        "    {url: url}); }}); };"
        f"{started}"
        f"{_IN_ORDER}"
        "var added = [];"
        "var layer = {bringToBack: function () {}};"
        f"{json.dumps(GEOMETRY)}.forEach(function (url) {{"
        "  window.kbFetchInOrder(url, function (f) { added.push(f.url); }, layer); });"
        "setTimeout(function () { process.stdout.write(JSON.stringify({calls: calls,"
        "  added: added, left: Object.keys(window.kbEarly || {})})); }, 50);"
    )
    out = subprocess.run(
        [_node(), "-e", program], capture_output=True, text=True, check=True, timeout=30
    ).stdout
    result = json.loads(out)
    assert result["calls"] == [[url, "same-origin"] for url in GEOMETRY]
    assert result["added"] == GEOMETRY
    assert result["left"] == []  # each started download is taken once
