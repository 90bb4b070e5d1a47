"""The Peta map in two parts, each rendered once and shared by sessions: geometry drawn once.

The *base* (the choropleth's shapes, boundaries, Sarawak, the border, shelters, crossings,
the selection, the demo banner) does not follow the case filter; the *filtered layers* (the
choropleth's colours and tooltips with the legend, the cases) do. :func:`map_frame` renders
each part once and keeps it, keyed by everything it shows: the data version, the access
level (one level's map is never handed to another), the language, the selected unit, the
map level and base map and, for the filtered layers, the case filter and the other map
options. :func:`show_map` hands both to streamlit-folium's component: the base script stays
the same after a filter change, so the browser keeps its map and only swaps the filtered
layers (streamlit-folium's dynamic ``feature_group``); panning and zooming never rerun the
page. Bounds of every feature (which ``st_folium`` computes for its ``bounds`` return value,
not asked for here) are skipped.

Streamlit sends a component's arguments as one message, so a filter change still carries
the base script over the websocket (the browser does not redraw it): the base's public
reference geometry is therefore not in it but in static files the browser fetches once
(:mod:`dashboard.geostatic`), which keeps that message small. The component loads the
libraries as one file and starts those downloads before them (:mod:`dashboard.mapassets`).
The analysis pages use :func:`whole_map` (a map without filtered layers) and
:func:`computed` (their plans).

Cached frames are shared between sessions: callers must not modify them.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Final, NamedTuple, TypeVar, cast

import folium
import geopandas as gpd
import streamlit as st
import streamlit_folium as sf

from dashboard.geostatic import base_path, serve_reference_layers
from dashboard.mapassets import frame_links
from geodata.caching import LruCache
from layers._assets import DEFAULT_BASE_URL, marker_images_from, use_local_assets
from layers.fetched import fetched_urls

#: Base maps kept per process (each holds its map objects, a few MB at most).
MAX_BASES: Final = 16
#: Filtered layers and whole maps kept per process (text only).
MAX_LAYERS: Final = 64
#: Analysis results kept per process (:func:`computed`).
MAX_RESULTS: Final = 64

T = TypeVar("T")


@dataclass(frozen=True)
class BaseFrame:
    """A rendered base map: the map (renamed in place by the rendering), its text and the
    URLs of the geometry files its script fetches."""

    folium_map: folium.Map
    script: str
    header: str
    html: str
    map_id: str
    geometry_urls: tuple[str, ...]


class Layers(NamedTuple):
    """The filtered layers of one state: their feature groups, the units the map counts and
    what must live as long as the frame (the publisher of the case details its script
    fetches, :mod:`dashboard.casedetails`)."""

    groups: list[folium.FeatureGroup]
    units: gpd.GeoDataFrame
    keep: object = None


@dataclass(frozen=True)
class MapFrame:
    """What the map component needs for one state, the units the map counts and what the
    frame keeps alive (:attr:`Layers.keep`)."""

    base: BaseFrame
    units: gpd.GeoDataFrame
    feature_groups: str
    layer_control: str
    css_links: tuple[str, ...]
    js_links: tuple[str, ...]
    keep: object = None

    @property
    def size_bytes(self) -> int:
        """Bytes of map text sent when the map is first drawn (base and filtered layers)."""
        parts = (self.base.script, self.base.header, self.base.html, self.feature_groups)
        return sum(len(part.encode("utf-8")) for part in (*parts, self.layer_control))


_bases: LruCache[BaseFrame] = LruCache(MAX_BASES)
_frames: LruCache[MapFrame] = LruCache(MAX_LAYERS)
_results: LruCache[Any] = LruCache(MAX_RESULTS)
#: Rendering renames elements in place, and filtered layers join a shared base map while
#: they are rendered: one rendering at a time.
_render_lock = threading.Lock()


def _links(m: folium.Map) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The CSS and JS links of every element of ``m``, deduplicated, in st_folium's order."""
    css: list[str] = []
    js: list[str] = []
    stack: list[Any] = [m]
    while stack:
        element = stack.pop(0)
        css.extend(href for _, href in getattr(element, "default_css", []))
        js.extend(src for _, src in getattr(element, "default_js", []))
        stack[0:0] = list(getattr(element, "_children", {}).values())
    return tuple(dict.fromkeys(css)), tuple(dict.fromkeys(js))


def _render_base(m: folium.Map) -> BaseFrame:
    marker_images_from(m, base_path() + DEFAULT_BASE_URL)  # under the server's base path
    with _render_lock:
        m.render()
        html = sf._get_html(m)
        header = sf._get_header(m)
        map_id = sf.get_full_id(m)
        script = sf._get_map_string(m)
    return BaseFrame(m, script, header, html, map_id, tuple(fetched_urls(m)))


def _render_layers(base: BaseFrame, layers: Layers) -> MapFrame:
    """The filtered layers' script and a layer switcher listing them with the base's layers."""
    m = base.folium_map
    with _render_lock:
        added = []
        try:
            script = ""
            for index, group in enumerate(layers.groups):
                script += sf._get_feature_group_string(group, map=m, idx=index)
                added.append(group.get_name())
            control = folium.LayerControl(collapsed=False, position="topright")
            layer_control = sf._get_layer_control_string(control, m)
            added.append(control.get_name())
            use_local_assets(m)  # the filtered layers' plugins too
            css, js = _links(m)
        finally:
            for name in added:
                m._children.pop(name, None)
    css, js = frame_links(css, js, base.geometry_urls)
    return MapFrame(base, layers.units, script, layer_control, css, js, layers.keep)


def map_frame(
    base_key: Hashable,
    build_base: Callable[[], folium.Map],
    layers_key: Hashable,
    build_layers: Callable[[], Layers],
) -> MapFrame:
    """The map of one state: the base of ``base_key`` (built by ``build_base()`` when
    missing) and the filtered layers of ``layers_key`` (built by ``build_layers()``).

    ``base_key`` must hold everything the base shows, the access level and data version
    included; ``layers_key`` what the filtered layers add (the case filter). The base's
    public reference layers are fetched by the browser as files.
    """
    base = _bases.get(base_key, lambda: _render_base(serve_reference_layers(build_base())))

    def build() -> MapFrame:
        return _render_layers(base, build_layers())

    return _frames.get((base_key, layers_key), build)


def whole_map(key: Hashable, build: Callable[[], folium.Map]) -> MapFrame:
    """A map without filtered layers (an analysis page's), rendered once per ``key``;
    ``key`` must hold everything the map shows, the access level and data version included.
    """

    def render() -> MapFrame:
        m = build()
        base = _render_base(m)
        css, js = _links(m)
        css, js = frame_links(css, js, base.geometry_urls)
        return MapFrame(base, gpd.GeoDataFrame(geometry=[]), "", "", css, js)

    return _frames.get(("whole", key), render)


def computed(key: Hashable, build: Callable[[], T]) -> T:
    """``build()``, kept per process under ``key`` and shared by sessions (callers must
    not modify it): an analysis page's plan or ranking is not refitted on every rerun.
    ``key`` must hold everything the result depends on, the access level and data version
    included (:attr:`dashboard.context.PageData.cache_key`).
    """
    return cast(T, _results.get(key, build))


def clear() -> None:
    """Forget every frame and result (tests)."""
    _bases.clear()
    _frames.clear()
    _results.clear()


def show_map(
    frame: MapFrame, *, key: str, height: int, returned_objects: Sequence[str]
) -> dict[str, Any] | None:
    """Show ``frame`` in streamlit-folium's component (full width); its return value.

    The component keeps its map while the base and the scripts it loads stay the same; then
    only the filtered layers change. Only ``returned_objects`` rerun the page.
    """
    loads = hashlib.sha256("\n".join(frame.css_links + frame.js_links).encode()).hexdigest()
    hash_key = sf.generate_js_hash(frame.base.script + loads, key, False)

    def keep_value() -> None:
        st.session_state[key] = st.session_state.get(hash_key, {})

    value = sf._component_func(
        script=frame.base.script,
        header=frame.base.header,
        html=frame.base.html,
        id=frame.base.map_id,
        key=hash_key,
        height=height,
        width=None,
        returned_objects=list(returned_objects),
        default={name: None for name in returned_objects},
        zoom=None,
        center=None,
        feature_group=frame.feature_groups,
        return_on_hover=False,
        layer_control=frame.layer_control,
        pixelated=False,
        css_links=list(frame.css_links),
        js_links=list(frame.js_links),
        on_change=keep_value,
        wrap_longitude=False,
    )
    return value if isinstance(value, dict) else None
