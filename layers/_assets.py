"""Serve Leaflet and its plugins from the local npm install, never from a CDN.

Folium elements declare the JavaScript and CSS they need in ``default_js`` and
``default_css``: lists of ``(name, url)`` pairs pointing at public CDNs. Both
``Map.get_root().render()`` and streamlit-folium (which collects the links of every
element and loads them in its iframe) would fetch them at run time. The dashboard
must work offline, so :func:`use_local_assets` points every link at the files that
``npm ci`` installs in ``dashboard/static/node_modules`` (served by Streamlit at
``/app/static/node_modules``), and :func:`standalone_html` inlines those files into
one HTML document that opens from disk.

Libraries folium asks for but the project does not draw with (Bootstrap, Font
Awesome, Glyphicons, Leaflet.awesome-markers) are dropped. jQuery is kept only when
the map holds a ``folium.Popup``, whose template builds its content with ``$(...)``.
"""

from __future__ import annotations

import base64
import logging
import mimetypes
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit

import branca.colormap
import folium
from branca.element import CssLink, Element, Figure, JavascriptLink, MacroElement
from folium.elements import JSCSSMixin
from folium.plugins import MarkerCluster
from jinja2 import Template

from geodata.errors import GeodataError
from layers._html import escape_text
from layers.legend import add_caption

__all__ = [
    "DEFAULT_BASE_URL",
    "NODE_MODULES_DIR",
    "SETUP_COMMAND",
    "external_urls",
    "local_script",
    "marker_images_from",
    "standalone_html",
    "use_local_assets",
]

logger = logging.getLogger(__name__)

#: Folder that Streamlit serves at ``/app/static`` (``server.enableStaticServing``).
STATIC_DIR: Final = Path(__file__).resolve().parent.parent / "dashboard" / "static"
#: Where ``npm ci`` installs Leaflet and its plugins.
NODE_MODULES_DIR: Final = STATIC_DIR / "node_modules"
#: The command that installs them (and everything else) from a fresh clone.
SETUP_COMMAND: Final = "bash tools/setup.sh"
#: URL of :data:`NODE_MODULES_DIR` as the Streamlit server (and its iframes) see it.
DEFAULT_BASE_URL: Final = "/app/static/node_modules"

_LEAFLET_JS: Final = "leaflet/dist/leaflet.js"
#: Local file (relative to node_modules) for each JS name folium uses; ``None`` drops it.
LOCAL_JS: Final[Mapping[str, str | None]] = {
    "leaflet": _LEAFLET_JS,
    "jquery": "jquery/dist/jquery.min.js",
    "bootstrap": None,
    "awesome_markers": None,
    "markerclusterjs": "leaflet.markercluster/dist/leaflet.markercluster.js",
    "leaflet-heat.js": "leaflet.heat/dist/leaflet-heat.js",
}
#: Local file (relative to node_modules) for each CSS name folium uses; ``None`` drops it.
LOCAL_CSS: Final[Mapping[str, str | None]] = {
    "leaflet_css": "leaflet/dist/leaflet.css",
    "bootstrap_css": None,
    "glyphicons_css": None,
    "awesome_markers_font_css": None,
    "awesome_markers_css": None,
    "awesome_rotate_css": None,
    "markerclustercss": "leaflet.markercluster/dist/MarkerCluster.css",
    "markerclusterdefaultcss": "leaflet.markercluster/dist/MarkerCluster.Default.css",
}
#: Leaflet's default marker images, inlined by :func:`standalone_html`.
_MARKER_IMAGES: Final = {
    "iconUrl": "leaflet/dist/images/marker-icon.png",
    "iconRetinaUrl": "leaflet/dist/images/marker-icon-2x.png",
    "shadowUrl": "leaflet/dist/images/marker-shadow.png",
}
_LEAFLET_IMAGES: Final = "leaflet/dist/images/"
_JQUERY: Final = "jquery"
_ICON_PATH_KEY: Final = "local_icon_image_path"
_LOCAL_HOSTS: Final = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})

_URL: Final = r"""((?:https?:)?//[^\s"'()<>\\]+)"""
_Q: Final = r"""\\?["']?"""
#: Places where a URL makes a browser fetch something.
_URL_REFERENCES: Final = (
    re.compile(rf"\bsrc\s*=\s*{_Q}{_URL}", re.IGNORECASE),
    # href on any tag but <a>: a link is navigation, not a load.
    re.compile(rf"<(?!a\b)[a-z][^<>]*?\bhref\s*=\s*{_Q}{_URL}", re.IGNORECASE),
    re.compile(rf"\burl\(\s*{_Q}{_URL}", re.IGNORECASE),
    re.compile(rf"@import\s+{_Q}{_URL}", re.IGNORECASE),
    re.compile(rf"\bL\.tileLayer(?:\.wms)?\(\s*{_Q}{_URL}", re.IGNORECASE),
)
_SCRIPT_LINK: Final = re.compile(r'<script\s+src="([^"]+)"\s*>\s*</script>', re.IGNORECASE)
_CSS_LINK: Final = re.compile(r'<link\s+rel="stylesheet"\s+href="([^"]+)"\s*/?>', re.IGNORECASE)
_CSS_URL: Final = re.compile(r"""url\(\s*(["']?)([^"')]+)\1\s*\)""")
_SOURCE_MAP: Final = re.compile(r"^\s*//[#@]\s*sourceMappingURL=.*$", re.MULTILINE)


def use_local_assets(
    m: folium.Map, *, base_url: str = DEFAULT_BASE_URL, allow_remote_tiles: bool = True
) -> folium.Map:
    """Point every JS and CSS link of a map at the local npm files.

    Walks the map and all its children and sets each element's ``default_js`` and
    ``default_css`` as instance attributes (the class lists stay untouched): known
    libraries get ``{base_url}/<package>/dist/<file>``, unneeded ones are dropped,
    links that are already local are kept. Links left in the figure header by an
    earlier render are removed, so a render after this call fetches nothing remote.

    The map is changed in place and returned, so the call can be chained into
    ``st_folium(use_local_assets(m), ...)``. Calling it again is harmless.

    Parameters
    ----------
    m
        The map to make offline.
    base_url
        URL under which the browser reaches ``dashboard/static/node_modules``;
        the default is where Streamlit's static serving puts it.
    allow_remote_tiles
        Whether a tile layer may fetch tiles from another host (a basemap the user
        chose, which shows only when online; logged). ``False`` makes it an error.

    Returns
    -------
    folium.Map
        ``m`` itself.

    Raises
    ------
    TypeError
        If ``m`` is not a ``folium.Map``.
    FileNotFoundError
        If the npm packages are not installed; the message names the setup command.
    geodata.errors.GeodataError
        If the map holds something that would still fetch code from the internet (a
        branca colormap, an awesome-markers ``folium.Icon``, a plugin whose library has
        no local copy, or a remote tile layer unless ``allow_remote_tiles``), or a
        MarkerCluster on a map with neither tiles nor ``maxZoom``; every problem is
        listed in one message.
    """
    if not isinstance(m, folium.Map):
        raise TypeError(f"`m` should be a folium.Map, got {type(m).__name__}")
    elements = list(_walk(m))
    problems = _remote_only_problems(elements, allow_remote_tiles=allow_remote_tiles)
    problems += _offline_map_problems(m, elements)
    _log_remote_tiles(elements)
    keep = {_JQUERY} if _needs_jquery(m, elements) else set()
    used: set[str] = set()
    for element in elements:
        if isinstance(element, JSCSSMixin):
            problems += _localise_element(element, base_url=base_url, keep=keep, used=used)
    if problems:
        raise GeodataError(
            "This map cannot be drawn offline (the dashboard must work without internet):"
            "\n- " + "\n- ".join(problems)
        )
    _require_files(used)
    _drop_rendered_links(m)
    marker_images_from(m, base_url)
    logger.debug("Localised %d elements; assets: %s", len(elements), sorted(used))
    return m


def marker_images_from(m: folium.Map, base_url: str) -> folium.Map:
    """Make ``m``'s default markers load Leaflet's images from ``base_url`` (as in
    :func:`use_local_assets`; a server under a base path gives it with its prefix, like
    ``/kalbar/app/static/node_modules``). ``m`` is changed in place and returned."""
    m._children.pop(_ICON_PATH_KEY, None)  # a new path replaces the old one, still first
    m.add_child(
        _IconImagePath(f"{base_url.rstrip('/')}/{_LEAFLET_IMAGES}"), name=_ICON_PATH_KEY, index=0
    )
    return m


def standalone_html(m: folium.Map, *, title: str | None = None, notes: Sequence[str] = ()) -> str:
    """Render a map as one HTML document with every JS, CSS and image inlined.

    With ``title`` the document gets it as its ``<title>`` and the map shows it at the top
    left with the ``notes`` (period, filters, date made: plain text, escaped here) beneath,
    so a copy of the file says what it shows.

    The result opens from disk with no network: Leaflet, its plugins and their
    stylesheets are copied in from ``dashboard/static/node_modules``, the images
    that the CSS references become ``data:`` URIs, and Leaflet's default marker
    icons are set to ``data:`` URIs too. :func:`use_local_assets` is applied to
    ``m`` first (in place, with its default ``base_url``).

    Parameters
    ----------
    m
        The map to export (a heading is added to it when ``title`` is given).
    title, notes
        Heading and lines beneath it (plain text).

    Returns
    -------
    str
        The complete HTML document.

    Raises
    ------
    TypeError, FileNotFoundError, geodata.errors.GeodataError
        As :func:`use_local_assets`.
    """
    if title:
        add_caption(m, title, notes)
        root = m.get_root()
        assert isinstance(root, Figure)
        root.title = escape_text(title)
    use_local_assets(m, base_url=DEFAULT_BASE_URL)
    html = m.get_root().render()
    html = _SCRIPT_LINK.sub(lambda match: _inline_script(match.group(1)), html)
    html = _CSS_LINK.sub(lambda match: _inline_css(match.group(1)), html)
    return html


def external_urls(html: str) -> list[str]:
    """List the remote URLs that a page would fetch.

    Looks for ``src=``, ``href=`` (on any tag but ``<a>``, whose link is only
    followed when clicked), CSS ``url()`` and ``@import``, and Leaflet tile-layer
    templates, with or without quotes or JavaScript-escaped quotes. URLs on
    localhost, relative paths and ``data:`` URIs are not remote.

    Parameters
    ----------
    html
        A page, or any text of HTML, CSS or JavaScript.

    Returns
    -------
    list[str]
        Every remote URL found, in order of first appearance, without repeats.
    """
    found = (match.group(1) for pattern in _URL_REFERENCES for match in pattern.finditer(html))
    return list(dict.fromkeys(url for url in found if _is_remote(url)))


class _IconImagePath(MacroElement):
    """Tell Leaflet where its default marker images are, before any marker is drawn.

    Leaflet guesses the folder from ``leaflet.css``; in streamlit-folium's iframe the
    stylesheet is not applied yet when the first marker is added, and the fallback
    guess drops a slash (``.../distmarker-icon.png``, Leaflet issue 4968). A path set
    earlier (as :func:`standalone_html` does, for inlined images) is kept.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        if (typeof L.Icon.Default.imagePath !== "string") {
            L.Icon.Default.imagePath = {{ this.path|tojson }};
        }
        {% endmacro %}
        """
    )

    def __init__(self, path: str) -> None:
        super().__init__()
        self._name = "IconImagePath"
        self.path = path


def _walk(element: Element) -> Iterator[Element]:
    """Yield ``element`` and all its descendants, depth first."""
    yield element
    for child in element._children.values():
        yield from _walk(child)


def _is_remote(url: str) -> bool:
    """Tell whether ``url`` points at a host other than this machine."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in {"http", "https", ""} or not parts.netloc:
        return False
    return (parts.hostname or "").lower() not in _LOCAL_HOSTS


def _needs_jquery(m: folium.Map, elements: Iterable[Element]) -> bool:
    """Tell whether the map's generated JavaScript calls jQuery's ``$``."""
    has_popup = any(isinstance(element, folium.Popup) for element in elements)
    return has_popup or bool(getattr(m, "objects_to_stay_in_front", None))


def _remote_only_problems(elements: Iterable[Element], *, allow_remote_tiles: bool) -> list[str]:
    """Describe the elements that cannot be drawn from local files."""
    problems = []
    for element in elements:
        label = f"{type(element).__name__} {element.get_name()!r}"
        if isinstance(element, branca.colormap.ColorMap):
            problems.append(
                f"{label}: a branca colormap makes streamlit-folium load d3 from a CDN; "
                "draw the legend as HTML instead"
            )
        elif isinstance(element, folium.Icon):
            problems.append(
                f"{label}: folium.Icon needs Leaflet.awesome-markers, which is not installed "
                "locally; use a default folium.Marker, a CircleMarker or a folium.DivIcon"
            )
        elif (
            isinstance(element, folium.TileLayer)
            and _is_remote(str(element.tiles))
            and not allow_remote_tiles
        ):
            problems.append(
                f"{label}: fetches tiles from {urlsplit(str(element.tiles)).netloc}; "
                "pass tiles=None to folium.Map (or serve tiles from localhost)"
            )
    return problems


def _log_remote_tiles(elements: Iterable[Element]) -> None:
    """Log each tile layer that fetches from another host."""
    for element in elements:
        if isinstance(element, folium.TileLayer) and _is_remote(str(element.tiles)):
            host = urlsplit(str(element.tiles)).netloc
            logger.info(
                "Tile layer %s fetches tiles from %s (online only)", element.tile_name, host
            )


def _offline_map_problems(m: folium.Map, elements: Iterable[Element]) -> list[str]:
    """Describe what breaks on a map without tiles (as an offline map is)."""
    elements = list(elements)
    has_tiles = any(isinstance(element, folium.TileLayer) for element in elements)
    has_cluster = any(isinstance(element, MarkerCluster) for element in elements)
    has_max_zoom = any(key in m.options for key in ("max_zoom", "maxZoom"))
    if has_cluster and not has_tiles and not has_max_zoom:
        return [
            "MarkerCluster throws 'Map has no maxZoom specified' on a map without tiles, and "
            "folium ignores max_zoom when tiles=None; pass folium.Map(tiles=None, maxZoom=18)"
        ]
    return []


def _localise_element(
    element: JSCSSMixin, *, base_url: str, keep: set[str], used: set[str]
) -> list[str]:
    """Set the element's own local link lists; return its links with no local copy."""
    problems: list[str] = []
    for attribute, table in (("default_js", LOCAL_JS), ("default_css", LOCAL_CSS)):
        links: list[tuple[str, str]] = []
        for name, url in getattr(element, attribute):
            path = table.get(name)
            if name == _JQUERY and name not in keep:
                continue
            if path is not None:
                links.append((name, f"{base_url.rstrip('/')}/{path}"))
                used.add(path)
            elif name not in table and not _is_remote(url):
                links.append((name, url))
            elif name not in table:
                problems.append(
                    f"{type(element).__name__} {element.get_name()!r}: {name!r} from {url} "
                    "has no local copy; add its npm package to dashboard/static/package.json "
                    "and its file to layers/_assets.py"
                )
        setattr(element, attribute, links)
    return problems


def _require_files(paths: Iterable[str]) -> None:
    """Raise if any of ``paths`` (relative to node_modules) is not installed."""
    missing = sorted(path for path in paths if not (NODE_MODULES_DIR / path).is_file())
    if missing:
        raise FileNotFoundError(
            f"Leaflet's files are not installed in {NODE_MODULES_DIR} (missing: "
            f"{', '.join(missing)}). Run `{SETUP_COMMAND}` from the repository root "
            "(it runs `npm ci` in dashboard/static)."
        )


def _drop_rendered_links(m: folium.Map) -> None:
    """Remove remote or superseded JS/CSS links that an earlier render left in the header."""
    root = m.get_root()
    if not isinstance(root, Figure):
        return
    header = root.header
    names = set(LOCAL_JS) | set(LOCAL_CSS)
    stale = [
        name
        for name, child in header._children.items()
        if isinstance(child, JavascriptLink | CssLink)
        and (name in names or _is_remote(str(child.url)))
    ]
    for name in stale:
        del header._children[name]


def _local_file(url: str) -> Path:
    """Map a URL under :data:`DEFAULT_BASE_URL` to its installed file."""
    prefix = DEFAULT_BASE_URL + "/"
    if not url.startswith(prefix):
        raise GeodataError(
            f"Cannot inline {url}: standalone_html only inlines files under {prefix}"
        )
    path = NODE_MODULES_DIR / url.removeprefix(prefix)
    _require_files([url.removeprefix(prefix)])
    return path


def local_script(url: str) -> str:
    """The code of the installed library behind ``url`` (a link under
    :data:`DEFAULT_BASE_URL`), without its source-map comment."""
    return _SOURCE_MAP.sub("", _local_file(url).read_text(encoding="utf-8"))


def _inline_script(url: str) -> str:
    """Return a ``<script>`` element holding the file behind ``url``."""
    code = local_script(url).replace("</script", "<\\/script")
    extra = _default_icon_script() if url.endswith("/" + _LEAFLET_JS) else ""
    return f"<script>\n{code}\n</script>{extra}"


def _inline_css(url: str) -> str:
    """Return a ``<style>`` element holding the stylesheet behind ``url``."""
    path = _local_file(url)
    css = _SOURCE_MAP.sub("", path.read_text(encoding="utf-8"))
    css = _CSS_URL.sub(lambda match: _css_url_as_data(match, folder=path.parent), css)
    css = css.replace("</style", "<\\/style")
    return f"<style>\n{css}\n</style>"


def _css_url_as_data(match: re.Match[str], *, folder: Path) -> str:
    """Turn a relative ``url(...)`` in a stylesheet into a ``data:`` URI."""
    target = match.group(2).strip()
    if target.startswith(("#", "data:")) or urlsplit(target).scheme:
        return match.group(0)
    return f'url("{_data_uri(folder / target)}")'


def _data_uri(path: Path) -> str:
    """Encode a file as a base64 ``data:`` URI."""
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} is referenced by Leaflet's CSS but missing. Run `{SETUP_COMMAND}`."
        )
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def _default_icon_script() -> str:
    """Return a script giving ``L.Icon.Default`` inlined marker images.

    Leaflet finds its marker images through the path of ``leaflet.css``; inlined,
    there is no such path, so the images are set explicitly.
    """
    options = ", ".join(
        f'{option}: "{_data_uri(NODE_MODULES_DIR / path)}"'
        for option, path in _MARKER_IMAGES.items()
    )
    return (
        '\n<script>L.Icon.Default.imagePath = "";'
        f" L.Icon.Default.mergeOptions({{{options}}});</script>"
    )
