"""Public reference layers that the browser fetches as GeoJSON files instead of inlining them.

The layer builders of public reference geometry (unit outlines, the choropleth's shapes,
Sarawak, the border) mark their layers with :func:`mark_reference`. A caller that serves
files (the dashboard) writes :func:`geojson_text` of each marked layer to a URL and calls
:func:`fetch_from`: the layer's script then creates the (empty) layer at once, so layer
switchers, legends and fills find it, and adds the features when the file arrives. Files
are added in the order the layers were declared, so the drawing order stays the map's.

Only the properties in :data:`REFERENCE_PROPERTIES` may leave this way; a layer with others
is refused. A map never passed to :func:`fetch_from` (an offline export) embeds everything.
"""

from __future__ import annotations

import json
import re
from typing import Any, Final

import folium
from jinja2 import Environment

from geodata.errors import GeodataError
from layers import styles

#: Feature properties a fetched file may hold: unit code, tooltip of public attributes
#: (name, type, code, area), the choropleth's placeholder fill.
REFERENCE_PROPERTIES: Final = frozenset({"code", "tip", "fill"})
_MARK: Final = "kb_public_reference"

_AJAX: Final = re.compile(
    r"\$\.ajax\((?P<url>\"[^\"]*\"), \{dataType: 'json', async: false\}\)\s*"
    r"\.done\((?P<layer>\w+)_add\);"
)
#: Fetches start at once (or were started earlier by the page: a promise of the response in
#: ``window.kbEarly[url]``, taken once); each file's features are added after the previous
#: file's, and the fetched layers then go back under what the map drew meanwhile (markers,
#: the selection, the cases), in their own order, as if they had been there from the start.
_IN_ORDER: Final = """
window.kbFetchInOrder = window.kbFetchInOrder || (function () {
    var chain = Promise.resolve();
    var loaded = [];
    return function (url, add, layer) {
        var early = window.kbEarly && window.kbEarly[url];  // a download started already
        if (early) { delete window.kbEarly[url]; }
        var data = (early || fetch(url, {credentials: "same-origin"})).then(function (response) {
            if (!response.ok) { throw new Error(url + ": HTTP " + response.status); }
            return response.json();
        });
        chain = chain.then(function () { return data; }).then(function (features) {
            add(features);
            loaded.push(layer);
            for (var i = loaded.length - 1; i >= 0; i--) { loaded[i].bringToBack(); }
        }).catch(function (error) {
            console.error("map layer not loaded:", error);
        });
    };
})();
"""


def _fetching_script(this: folium.GeoJson, kwargs: Any) -> str:
    """Folium's script of ``this`` with its jQuery download replaced by an ordered fetch."""
    script = str(folium.GeoJson._template.module.script(this, kwargs))
    script, found = _AJAX.subn(
        lambda m: f"window.kbFetchInOrder({m['url']}, {m['layer']}_add, {m['layer']});", script
    )
    if found != 1:
        raise GeodataError(
            f"expected one download in folium's GeoJson script, got {found}; folium's "
            "template changed: update layers/fetched.py"
        )
    return _IN_ORDER + script


_TEMPLATE: Final = Environment().from_string(
    "{% macro script(this, kwargs) %}{{ fetching(this, kwargs) }}{% endmacro %}",
    globals={"fetching": _fetching_script},
)


def mark_reference(layer: folium.GeoJson) -> folium.GeoJson:
    """Mark ``layer`` as public reference geometry that may be served as a file."""
    setattr(layer, _MARK, True)
    return layer


def reference_layers(m: folium.Map) -> list[folium.GeoJson]:
    """The layers of ``m`` marked by :func:`mark_reference`, in drawing order."""
    found: list[folium.GeoJson] = []
    stack: list[Any] = [m]
    while stack:
        element = stack.pop(0)
        if isinstance(element, folium.GeoJson) and getattr(element, _MARK, False):
            found.append(element)
        stack[0:0] = list(getattr(element, "_children", {}).values())
    return found


def geojson_text(layer: folium.GeoJson) -> str:
    """The features of a marked ``layer`` as compact GeoJSON text (what its file holds).

    Raises :class:`GeodataError` for an unmarked layer or properties outside
    :data:`REFERENCE_PROPERTIES`: nothing else may become a public file.
    """
    if not getattr(layer, _MARK, False):
        raise GeodataError(
            f"expected a layer marked as public reference geometry, got {layer.get_name()}; "
            "only layers built by layers.boundaries or layers.choropleth may be served"
        )
    for feature in layer.data["features"]:
        properties = feature.get("properties") or {}
        extra = set(properties) - REFERENCE_PROPERTIES
        if extra:
            raise GeodataError(
                f"expected only the properties {sorted(REFERENCE_PROPERTIES)} in a public "
                f"reference layer, got also {sorted(extra)}; keep them out of served files"
            )
        if properties.get("fill", styles.NO_DATA) != styles.NO_DATA:
            raise GeodataError(  # a class colour would publish what the counts are
                f"expected the no-data fill {styles.NO_DATA} in a public reference layer, got "
                f"{properties['fill']}; send a unit's colour in the page's fill, not the file"
            )
    return json.dumps(layer.data, separators=(",", ":"), ensure_ascii=False)


def fetch_from(layer: folium.GeoJson, url: str) -> None:
    """Make ``layer``'s script fetch its features from ``url`` (holding
    :func:`geojson_text` of it) instead of holding them. Styles, highlights and tooltips
    stay as folium renders them."""
    geojson_text(layer)  # refuses what may not be served
    layer.embed = False
    layer.embed_link = url
    layer._template = _TEMPLATE


def fetched_urls(m: folium.Map) -> list[str]:
    """The URLs the reference layers of ``m`` fetch (those given to :func:`fetch_from`),
    in drawing order."""
    return [
        str(layer.embed_link)
        for layer in reference_layers(m)
        if not layer.embed and layer.embed_link
    ]
