"""A map frame's scripts in two links, not one round trip per library.

streamlit-folium loads a map's scripts one after another, each once the one before has run,
and only then does the base map start downloading its public reference geometry
(:mod:`dashboard.geostatic`): on a slow link every step costs a round trip.
:func:`frame_links` gives the component two script links instead:

- a few bytes inline (a ``data:`` URL: no request) that start downloading the geometry files
  at once, while the libraries load; :mod:`layers.fetched` takes the responses up;
- one file holding every library script in order, written under ``dashboard/static/js/``
  (served at ``<baseUrlPath>/app/static/js/``) and named by its content, so a browser keeps
  it for good and every map with the same libraries shares it.

The stylesheets stay links, which streamlit-folium adds once the scripts have run: started
earlier, they would take connections the geometry and the bundle need (over HTTP/1.1, as
Streamlit serves without the proxy, a browser opens six per server), and the map would be
drawn a round trip later. Every link from the server's root gets the server's base path
(``server.baseUrlPath``), as the geometry does.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Final
from urllib.parse import quote

from dashboard.geostatic import base_path, content_named
from layers._assets import DEFAULT_BASE_URL, local_script

#: Where the bundles go (under the folder Streamlit serves at ``/app/static``).
JS_DIR: Final = Path(__file__).resolve().with_name("static") / "js"
#: Their URL path under the server's base path.
URL_PATH: Final = "app/static/js"


@functools.cache
def _bundle_text(js_links: tuple[str, ...]) -> str:
    """The scripts of ``js_links`` in order, each ended so the next starts a statement."""
    return "\n;\n".join(local_script(link) for link in js_links) + "\n"


def bundle_url(js_links: tuple[str, ...], *, folder: Path = JS_DIR) -> str:
    """The URL of one file holding the scripts of ``js_links`` (local library links, see
    :func:`layers._assets.use_local_assets`) in order; written to ``folder`` if missing."""
    return content_named(_bundle_text(js_links), ".js", folder=folder, url_path=URL_PATH)


def _local(link: str) -> bool:
    return link.startswith(f"{DEFAULT_BASE_URL}/")


def _served(link: str, prefix: str) -> str:
    """``link`` under the server's base path ``prefix`` if it starts at the server's root."""
    return prefix + link if link.startswith("/") and not link.startswith("//") else link


def early_fetches(urls: Sequence[str]) -> str:
    """A ``data:`` URL of a script that starts downloading ``urls`` (same-origin files) and
    keeps each response's promise in ``window.kbEarly`` for :mod:`layers.fetched`."""
    script = (
        "window.kbEarly=window.kbEarly||{};"
        f"{json.dumps(list(urls))}.forEach(function(u){{"
        "if(!window.kbEarly[u]){window.kbEarly[u]=fetch(u,{credentials:'same-origin'});}});"
    )
    return "data:text/javascript;charset=utf-8," + quote(script, safe="")


def frame_links(
    css_links: Sequence[str],
    js_links: Sequence[str],
    geometry_urls: Sequence[str],
    *,
    folder: Path = JS_DIR,
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The stylesheet and script links the component loads, from a map's own.

    The scripts: the early geometry downloads (if any), then the libraries as one bundle in
    ``folder`` (each by its own link, if one of them is not a local library).
    """
    prefix = base_path()
    css = tuple(_served(link, prefix) for link in css_links)
    if js_links and all(_local(link) for link in js_links):
        libraries: tuple[str, ...] = (bundle_url(tuple(js_links), folder=folder),)
    else:
        libraries = tuple(_served(link, prefix) for link in js_links)
    early = (early_fetches(geometry_urls),) if geometry_urls else ()
    return css, early + libraries
