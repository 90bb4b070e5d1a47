"""Place names drawn on the map itself, so a map without tiles can be read without hovering.

Kabupaten names show at every zoom, kecamatan names from :data:`KECAMATAN_ZOOM`, PLBN names
always (first in line). After every zoom or pan a small script (shipped in the page, no
external file) shows the labels in order of rank and hides any that would overlap one
already shown, so names never sit on each other. Labels have a white halo (CSS text
shadow) and ignore the mouse, so they never block a click or a tooltip.
"""

from __future__ import annotations

from functools import cache
from typing import Final

import folium
import geopandas as gpd
from branca.element import MacroElement
from jinja2 import Template
from shapely.ops import polylabel

from geodata import reference
from geodata.settings import Level
from layers._inputs import require_frame
from layers.legend import FoldControls, MetricScale

#: Zoom from which kecamatan names show (Kalbar fills the map at about zoom 7).
KECAMATAN_ZOOM: Final = 9
#: Rank of each kind of label: lower ranks are placed first and win an overlap.
RANK: Final = {"plbn": 0, "kabupaten": 1, "kecamatan": 2}
#: Label styles (kept here with the script that needs them; the halo makes any fill readable).
LABEL_CSS: Final = """
.kb-label { pointer-events: none; }
.kb-label span { position: absolute; transform: translate(-50%, -50%); white-space: nowrap;
  font: 600 12px/1.1 system-ui, sans-serif; color: #222;
  text-shadow: 0 0 2px #fff, 0 0 3px #fff, 1px 1px 2px #fff, -1px -1px 2px #fff; }
.kb-label-kabupaten span { font-size: 13px; letter-spacing: .02em; }
.kb-label-kecamatan span { font-weight: 500; font-size: 11px; color: #333; }
.kb-label-plbn span { color: #0b5d1e; font-weight: 700; font-size: 11px; }
"""


class PlaceLabels(MacroElement):
    """Labels ``[lat, lon, text, kind, min_zoom]`` placed without overlap (see module)."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>{{ this.css }}</style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var rows = {{ this.rows|tojson }};
            var group = L.layerGroup();
            // Where a name may sit, tried in turn: a post's name beside its symbol, a
            // unit's name on its point or just above or below it.
            var POST_SPOTS = ["translate(-50%, 15px)", "translate(-50%, calc(-100% - 15px))",
                              "translate(16px, -50%)", "translate(calc(-100% - 16px), -50%)"];
            var UNIT_SPOTS = ["translate(-50%, -50%)", "translate(-50%, 16px)",
                              "translate(-50%, calc(-100% - 16px))", "translate(24px, -50%)",
                              "translate(calc(-100% - 24px), -50%)"];
            var labels = rows.map(function (row) {
                var span = document.createElement("span");
                span.textContent = row[2];
                var post = row[3] === "plbn";
                var marker = L.marker([row[0], row[1]], {
                    icon: L.divIcon({className: "kb-label kb-label-" + row[3], html: span,
                                     iconSize: null}),
                    interactive: false, keyboard: false,
                    // Post names above the crossing symbols, unit names under every symbol.
                    zIndexOffset: post ? 900 : -1000
                });
                group.addLayer(marker);
                return {marker: marker, minZoom: row[4], span: span,
                        spots: post ? POST_SPOTS : UNIT_SPOTS};
            });
            function overlaps(a, b) {
                return !(a.right + 3 < b.left || b.right + 3 < a.left ||
                         a.bottom + 1 < b.top || b.bottom + 1 < a.top);
            }
            function place() {
                // Names keep off each other and off the case groups (drawn after a zoom).
                var zoom = map.getZoom(), shown = [];
                map.getContainer().querySelectorAll(".marker-cluster").forEach(function (e) {
                    shown.push(e.getBoundingClientRect());
                });
                labels.forEach(function (label) {
                    var element = label.marker.getElement();
                    if (!element) { return; }
                    if (zoom < label.minZoom) { element.style.display = "none"; return; }
                    element.style.display = "";
                    var placed = label.spots.some(function (spot) {
                        label.span.style.transform = spot;
                        var box = label.span.getBoundingClientRect();
                        if (shown.some(function (other) { return overlaps(box, other); })) {
                            return false;
                        }
                        shown.push(box);
                        return true;
                    });
                    if (!placed && label.spots === POST_SPOTS) {
                        label.span.style.transform = POST_SPOTS[0];  // a post is always named
                    } else if (!placed) {
                        element.style.display = "none";
                    }
                });
            }
            group.addTo(map);
            var pending = null;
            function later() {
                clearTimeout(pending);
                pending = setTimeout(place, 80);
            }
            map.on("zoomend moveend resize layeradd", later);
            map.whenReady(later);
        })();
        {% endmacro %}
        """
    )

    def __init__(self, rows: list[list]) -> None:
        super().__init__()
        self._name = "PlaceLabels"
        self.rows = rows
        self.css = LABEL_CSS


@cache
def _unit_label_rows(level: Level) -> tuple[tuple[float, float, str], ...]:
    """(lat, lon, name) of each unit of ``level``, at a point inside the unit."""
    units = reference.load_units(level).to_crs("EPSG:4326")
    # The centre of the largest circle inside the unit's largest part: far from its edges.
    points = [
        polylabel(max(getattr(shape, "geoms", [shape]), key=lambda part: part.area), 0.01)
        for shape in units.geometry
    ]
    names = units["name"].astype(str)
    if "short_name" in units.columns:  # "Sanggau", but "Kota Pontianak" stays a city
        names = names.where(names.str.startswith("Kota "), units["short_name"].astype(str))
    return tuple(
        (round(float(p.y), 5), round(float(p.x), 5), name)
        for p, name in zip(points, names, strict=True)
    )


def label_rows(posts: gpd.GeoDataFrame | None = None) -> list[list]:
    """Rows for :class:`PlaceLabels`: PLBN names from ``posts`` (crossings of kind "plbn",
    EPSG:4326; default the committed reference posts), then the kabupaten, then the
    kecamatan (from :data:`KECAMATAN_ZOOM`)."""
    rows: list[list] = []
    posts = reference.load_plbn() if posts is None else posts
    if len(posts):
        require_frame(posts, "posts", ["name", "geometry"])
        rows.extend(
            [round(p.y, 5), round(p.x, 5), str(name), "plbn", 0]
            for p, name in zip(posts.geometry, posts["name"], strict=True)
        )
    levels: tuple[tuple[Level, int], ...] = (("kabupaten", 0), ("kecamatan", KECAMATAN_ZOOM))
    for level, min_zoom in levels:
        rows.extend([lat, lon, name, level, min_zoom] for lat, lon, name in _unit_label_rows(level))
    return rows


def add_reading_aids(m: folium.Map, *, posts: gpd.GeoDataFrame | None = None) -> folium.Map:
    """Add what makes ``m`` readable without hovering: kabupaten, kecamatan and PLBN names
    (see the module; ``posts`` as in :func:`label_rows`), a scale bar in km, and controls
    that fold off the map's points (:class:`layers.legend.FoldControls`); returns ``m``."""
    PlaceLabels(label_rows(posts)).add_to(m)
    MetricScale().add_to(m)
    FoldControls().add_to(m)
    return m
