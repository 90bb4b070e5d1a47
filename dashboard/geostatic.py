"""Public reference geometry as static files the browser fetches once and caches.

:func:`serve_reference_layers` writes each public reference layer of a map (see
:mod:`layers.fetched`: unit outlines, the choropleth's shapes, Sarawak, the border; never
cases, counts or shelters) to :data:`GEO_DIR`, which Streamlit serves at
``<baseUrlPath>/app/static/geo/`` (``server.enableStaticServing``), and makes the map fetch
it from there. The file name holds a hash of the content: new data or another language
gives a new name, so a browser never keeps an outdated copy, and a copy it has is never
fetched again. Files are written when a map first needs them (the folder is ignored by
git), atomically, so several server processes may share the folder.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Final

import folium
import streamlit as st

from layers.fetched import fetch_from, geojson_text, reference_layers

#: Where the files go (under the folder Streamlit serves at ``/app/static``).
GEO_DIR: Final = Path(__file__).resolve().with_name("static") / "geo"
#: Their URL path under the server's base path.
URL_PATH: Final = "app/static/geo"


def _write(path: Path, text: str) -> None:
    """Write ``path`` unless a complete copy is there (atomic: no reader sees half a file)."""
    data = text.encode("utf-8")
    if path.is_file() and path.stat().st_size == len(data):
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def base_path() -> str:
    """The server's base URL path ("" or "/prefix"), from ``server.baseUrlPath``."""
    prefix = str(st.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{prefix}" if prefix else ""


def serve_reference_layers(m: folium.Map, *, folder: Path = GEO_DIR) -> folium.Map:
    """Write ``m``'s public reference layers to ``folder`` and make ``m`` fetch them from
    there (changed in place and returned); its other layers stay in its script."""
    for layer in reference_layers(m):
        url = content_named(geojson_text(layer), ".geojson", folder=folder, url_path=URL_PATH)
        fetch_from(layer, url)
    return m


def content_named(text: str, suffix: str, *, folder: Path, url_path: str) -> str:
    """Write ``text`` to ``folder`` as a file named by its content (unless there) and return
    its URL: ``url_path`` (under the server's base path) and that name."""
    name = f"{hashlib.sha256(text.encode('utf-8')).hexdigest()[:24]}{suffix}"
    _write(folder / name, text)
    return f"{base_path()}/{url_path}/{name}"
