"""Folium maps load Leaflet and its plugins from the local npm install only."""

from __future__ import annotations

import re
from pathlib import Path

import branca.colormap
import folium
import pytest
from folium.plugins import Fullscreen, HeatMap, MarkerCluster

from geodata.errors import GeodataError
from layers import _assets
from layers._assets import DEFAULT_BASE_URL, external_urls, standalone_html, use_local_assets

SCRIPT_OR_LINK = re.compile(r'<script src="([^"]+)"|<link rel="stylesheet" href="([^"]+)"')


def _square(name: str, lon: float) -> dict[str, object]:
    ring = [[lon, 1.0], [lon + 0.2, 1.0], [lon + 0.2, 1.2], [lon, 1.2], [lon, 1.0]]
    return {
        "type": "Feature",
        "properties": {"name": name},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def typical_map(*, popup: bool = True) -> folium.Map:
    """Build a map with the elements the dashboard uses."""
    m = folium.Map(location=[1.0, 110.0], zoom_start=7, tiles=None, maxZoom=18)
    desa = {"type": "FeatureCollection", "features": [_square("Entikong", 109.0)]}
    folium.GeoJson(
        desa,
        name="desa",
        tooltip=folium.GeoJsonTooltip(["name"]),
        popup=folium.GeoJsonPopup(["name"]),
    ).add_to(m)
    folium.CircleMarker(
        [1.1, 109.1], radius=6, tooltip="PLBN", popup="PLBN Entikong" if popup else None
    ).add_to(m)
    cluster = MarkerCluster(name="cases").add_to(m)
    folium.Marker([1.05, 109.05]).add_to(cluster)
    HeatMap([[1.0, 109.0, 1.0], [1.01, 109.01, 0.5]], name="heat").add_to(m)
    folium.LayerControl().add_to(m)
    return m


def loaded_urls(html: str) -> list[str]:
    """Return the URLs of every <script src> and stylesheet <link> in ``html``."""
    return [js or css for js, css in SCRIPT_OR_LINK.findall(html)]


def test_typical_map_renders_without_external_urls() -> None:
    m = use_local_assets(typical_map())
    html = m.get_root().render()
    assert external_urls(html) == []
    urls = loaded_urls(html)
    assert urls[0] == f"{DEFAULT_BASE_URL}/leaflet/dist/leaflet.js"
    assert f"{DEFAULT_BASE_URL}/leaflet.heat/dist/leaflet-heat.js" in urls
    assert f"{DEFAULT_BASE_URL}/leaflet.markercluster/dist/MarkerCluster.css" in urls
    for url in urls:
        assert (_assets.NODE_MODULES_DIR / url.removeprefix(DEFAULT_BASE_URL + "/")).is_file()


def test_unneeded_libraries_are_dropped() -> None:
    html = use_local_assets(typical_map(popup=False)).get_root().render()
    for name in ("jquery", "bootstrap", "awesome-markers", "fontawesome", "glyphicons"):
        assert name not in " ".join(loaded_urls(html)).lower()


def test_jquery_is_kept_for_folium_popup() -> None:
    # folium.Popup's template builds its content with jQuery's $(...).
    html = use_local_assets(typical_map(popup=True)).get_root().render()
    assert f"{DEFAULT_BASE_URL}/jquery/dist/jquery.min.js" in loaded_urls(html)


def test_class_link_lists_are_untouched() -> None:
    use_local_assets(typical_map())
    assert any("cdn" in url for _, url in folium.Map.default_js)
    assert any("cdn" in url for _, url in MarkerCluster.default_js)


def test_earlier_render_and_repeated_calls_leave_no_remote_link() -> None:
    m = typical_map()
    assert external_urls(m.get_root().render()) != []
    use_local_assets(m)
    first = m.get_root().render()
    use_local_assets(m)
    assert external_urls(first) == []
    assert loaded_urls(m.get_root().render()) == loaded_urls(first)


def test_default_marker_images_are_found_in_the_iframe() -> None:
    # Leaflet's own guess drops a slash when leaflet.css is not applied yet.
    script = use_local_assets(typical_map()).get_root().render()
    assert f'L.Icon.Default.imagePath = "{DEFAULT_BASE_URL}/leaflet/dist/images/"' in script
    assert (_assets.NODE_MODULES_DIR / "leaflet/dist/images/marker-icon.png").is_file()


def test_base_url_is_used_for_every_link() -> None:
    html = use_local_assets(typical_map(), base_url="/vendor/").get_root().render()
    urls = loaded_urls(html)
    assert urls and all(re.match(r"/vendor/(leaflet|jquery)[^/]*/dist/", url) for url in urls)


def test_streamlit_folium_collects_only_local_links() -> None:
    # The same walk as streamlit_folium.st_folium, which loads these in its iframe.
    m = use_local_assets(typical_map())
    links = [
        url
        for element in _assets._walk(m)
        for _, url in [*getattr(element, "default_js", []), *getattr(element, "default_css", [])]
    ]
    assert links and all(url.startswith(DEFAULT_BASE_URL + "/") for url in links)


def test_everything_that_would_fetch_remotely_is_reported_together() -> None:
    m = folium.Map(location=[1.0, 110.0])  # OpenStreetMap tiles by default
    folium.Marker([1.0, 110.0], icon=folium.Icon(color="red")).add_to(m)
    branca.colormap.LinearColormap(["white", "red"], vmin=0, vmax=1).add_to(m)
    Fullscreen().add_to(m)
    with pytest.raises(GeodataError) as caught:
        use_local_assets(m, allow_remote_tiles=False)
    message = str(caught.value)
    assert "tile.openstreetmap.org" in message and "tiles=None" in message
    assert "folium.Icon" in message
    assert "branca colormap" in message
    assert "Fullscreen" in message and "no local copy" in message


def test_remote_tiles_are_allowed_by_default(caplog: pytest.LogCaptureFixture) -> None:
    m = folium.Map(location=[1.0, 110.0])  # OpenStreetMap tiles by default
    with caplog.at_level("INFO", logger="layers._assets"):
        html = use_local_assets(m).get_root().render()
    assert "tile.openstreetmap.org" in caplog.text
    assert external_urls(html) == ["https://tile.openstreetmap.org/{z}/{x}/{y}.png"]


def test_marker_cluster_without_tiles_needs_max_zoom() -> None:
    m = folium.Map(location=[1.0, 110.0], tiles=None)
    MarkerCluster().add_to(m)
    with pytest.raises(GeodataError, match=r"maxZoom=18"):
        use_local_assets(m)


def test_wrong_type_is_a_type_error() -> None:
    with pytest.raises(TypeError, match=r"`m` should be a folium.Map, got FeatureGroup"):
        use_local_assets(folium.FeatureGroup())  # type: ignore[arg-type]


def test_missing_node_modules_names_the_setup_command(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(_assets, "NODE_MODULES_DIR", tmp_path)
    with pytest.raises(FileNotFoundError, match=r"bash tools/setup\.sh"):
        use_local_assets(typical_map())
    with pytest.raises(FileNotFoundError, match=r"bash tools/setup\.sh"):
        standalone_html(typical_map())


def test_standalone_html_inlines_everything() -> None:
    html = standalone_html(typical_map())
    assert external_urls(html) == []
    assert loaded_urls(html) == []
    assert not re.search(r"/app/static/\S+\.(js|css)", html)
    leaflet = (_assets.NODE_MODULES_DIR / "leaflet/dist/leaflet.js").read_text(encoding="utf-8")
    assert 't.version="1.9.4"' in leaflet and 't.version="1.9.4"' in html
    assert "L.heatLayer" in html and "L.MarkerClusterGroup" in html
    # Leaflet's CSS images and the default marker icons are data URIs.
    assert "url(images/" not in html
    assert 'url("data:image/png;base64,' in html
    assert 'L.Icon.Default.mergeOptions({iconUrl: "data:image/png;base64,' in html
    assert "sourceMappingURL" not in html


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ('<script src="https://cdn.example.org/a.js"></script>', ["https://cdn.example.org/a.js"]),
        ("<link rel='stylesheet' href='//cdn.example.org/a.css'>", ["//cdn.example.org/a.css"]),
        ("div { background: url(https://x.example.org/i.png) }", ["https://x.example.org/i.png"]),
        ('@import "https://x.example.org/b.css";', ["https://x.example.org/b.css"]),
        (
            'L.tileLayer("https://tile.example.org/{z}/{x}/{y}.png")',
            ["https://tile.example.org/{z}/{x}/{y}.png"],
        ),
        (
            'e.innerHTML = "<img src=\\"http://x.example.org/p.gif\\">"',
            ["http://x.example.org/p.gif"],
        ),
        ('<script src="http://localhost:8501/app/static/a.js"></script>', []),
        ('<script src="http://127.0.0.1/a.js"></script>', []),
        ('<script src="/app/static/node_modules/leaflet/dist/leaflet.js"></script>', []),
        ('<img src="data:image/png;base64,AAAA">', []),
        ('<a href="https://leafletjs.com">Leaflet</a>', []),
    ],
)
def test_external_urls(html: str, expected: list[str]) -> None:
    assert external_urls(html) == expected


def test_an_exported_map_says_what_it_shows() -> None:
    from layers.mapview import analysis_map

    m = analysis_map([], legend_title="x", legend=[], lang="id", synthetic=True)
    html = standalone_html(
        m,
        title="Peta <TPPO>",
        notes=["Periode 1 Januari 2024 sampai 31 Desember 2024", "<img src=x>"],
    )
    assert "<title>Peta &lt;TPPO&gt;</title>" in html
    assert "Periode 1 Januari 2024 sampai 31 Desember 2024" in html
    assert "<img src=x>" not in html and "kb-caption" in html
    assert external_urls(html) == []
