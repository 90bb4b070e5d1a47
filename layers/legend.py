"""Map legend and the synthetic-data banner, as Leaflet controls (no external assets)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import folium
from branca.element import MacroElement
from jinja2 import Template

from layers._html import escape_text


@dataclass(frozen=True)
class LegendItem:
    """One legend row: a label and how its symbol looks."""

    label: str
    color: str
    shape: str = "square"  # {"square", "circle", "line", "triangle", "diamond", "post", "cluster"}
    dashed: bool = False


def _symbol(item: LegendItem) -> str:
    dash = "stroke-dasharray:3 2;" if item.dashed else ""
    shapes = {
        "square": f'<rect x="2" y="2" width="12" height="12" fill="{item.color}" stroke="#333"/>',
        "circle": f'<circle cx="8" cy="8" r="6" fill="{item.color}" stroke="#333"/>',
        "line": f'<line x1="1" y1="8" x2="15" y2="8" stroke="{item.color}" stroke-width="3"/>',
        "triangle": f'<polygon points="8,1 15,15 1,15" fill="{item.color}" stroke="#333"/>',
        "diamond": f'<polygon points="8,1 15,8 8,15 1,8" fill="{item.color}" stroke="#333"/>',
        "post": f'<rect x="1" y="1" width="14" height="14" rx="2" fill="{item.color}"'
        ' stroke="#111"/><text x="8" y="12" text-anchor="middle" font-size="10"'
        ' font-weight="700" fill="#fff">P</text>',
        "cluster": f'<circle cx="8" cy="8" r="7" fill="{item.color}" stroke="#fff"/>'
        '<text x="8" y="11" text-anchor="middle" font-size="8" fill="#fff">12</text>',
    }
    body = shapes[item.shape].replace("/>", f' style="{dash}"/>', 1)
    return f'<svg width="16" height="16" aria-hidden="true">{body}</svg>'


def legend_html(title: str, sections: dict[str, list[LegendItem]]) -> str:
    """HTML of the legend: a title, then one titled list of symbols per section.

    The legend folds (``<details>``): open at first, closed by :class:`FoldControls` where it
    would cover a point of the map, and the user can open or close it.
    """
    parts = [
        f'<details class="kb-fold" open><summary><strong>{escape_text(title)}</strong></summary>'
    ]
    for heading, items in sections.items():
        if not items:
            continue
        parts.append(f'<div class="kb-legend-head">{escape_text(heading)}</div>')
        parts.extend(
            f'<div class="kb-legend-row">{_symbol(item)} {escape_text(item.label)}</div>'
            for item in items
        )
    parts.append("</details>")
    return "".join(parts)


class _HtmlControl(MacroElement):
    """A Leaflet control holding fixed HTML (already escaped) at a corner of the map."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var control = L.control({position: {{ this.position|tojson }}});
            control.onAdd = function () {
                var div = L.DomUtil.create("div", {{ this.css_class|tojson }});
                div.innerHTML = {{ this.html|tojson }};
                L.DomEvent.disableClickPropagation(div);
                return div;
            };
            control.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, html: str, *, position: str, css_class: str) -> None:
        super().__init__()
        self._name = "HtmlControl"
        self.html = html
        self.position = position
        self.css_class = css_class


def add_legend(m: folium.Map, title: str, sections: dict[str, list[LegendItem]]) -> None:
    """Add the legend to the bottom-right corner of ``m``."""
    _HtmlControl(
        legend_html(title, sections), position="bottomright", css_class="kb-legend"
    ).add_to(m)


def add_banner(m: folium.Map, text: str, *, detail: str = "") -> None:
    """Add a banner at the top of ``m`` (used for "DATA CONTOH / SAMPLE DATA"); its
    ``detail`` folds away (:class:`FoldControls`) where it would cover a point."""
    html = f"<strong>{escape_text(text)}</strong>"
    if detail:
        html = (
            f'<details class="kb-fold" open><summary>{html}</summary>'
            f"<small>{escape_text(detail)}</small></details>"
        )
    _HtmlControl(html, position="topleft", css_class="kb-banner").add_to(m)


def add_caption(m: folium.Map, title: str, lines: Sequence[str] = ()) -> None:
    """Add a heading with ``lines`` beneath (plain text, escaped here) at the top left of
    ``m``: what an exported map shows. It folds like the legend where it covers a point."""
    html = f"<strong>{escape_text(title)}</strong>"
    if lines:
        rows = "".join(f"<div>{escape_text(line)}</div>" for line in lines)
        html = f'<details class="kb-fold" open><summary>{html}</summary><small>{rows}</small>'
        html += "</details>"
    _HtmlControl(html, position="topleft", css_class="kb-legend kb-caption").add_to(m)


class FoldControls(MacroElement):
    """Keeps the map's controls off its points: after the map has drawn (and after each
    zoom until the user folds or unfolds one), a legend or banner (``.kb-fold``) or the
    layer switcher that covers a marker or a chosen unit's centre folds to its title.

    Points are every marker and circle marker the map shows, except the place names
    (which ignore the mouse); chosen units are the shapes drawn with ``className``
    ``kb-focus``.
    """

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>
        .kb-fold > summary { cursor: pointer; list-style-position: inside; }
        .kb-fold:not([open]) > summary { list-style-type: "▸ "; }
        .kb-fold[open] > summary { list-style-type: "▾ "; }
        </style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var touched = false;
            function points() {
                var found = [];
                map.eachLayer(function (layer) {
                    var quiet = layer.options && layer.options.interactive === false;
                    if (layer.getLatLng && !quiet) {
                        found.push(map.latLngToContainerPoint(layer.getLatLng()));
                    } else if (layer.getBounds && layer.options &&
                               layer.options.className === "kb-focus") {
                        found.push(map.latLngToContainerPoint(layer.getBounds().getCenter()));
                    }
                });
                return found;
            }
            function covers(element, found) {
                var box = element.getBoundingClientRect();
                var origin = map.getContainer().getBoundingClientRect();
                return found.some(function (p) {
                    var x = p.x + origin.left, y = p.y + origin.top;
                    return x >= box.left - 4 && x <= box.right + 4 &&
                           y >= box.top - 4 && y <= box.bottom + 4;
                });
            }
            function fold() {
                if (touched) { return; }
                var found = points(), container = map.getContainer();
                container.querySelectorAll("details.kb-fold[open]").forEach(function (d) {
                    if (covers(d.parentNode, found)) { d.open = false; }
                });
                var layers = container.querySelector(".leaflet-control-layers-expanded");
                if (layers && covers(layers, found)) {
                    layers.classList.remove("leaflet-control-layers-expanded");
                    layers.addEventListener("mouseenter", function () {
                        layers.classList.add("leaflet-control-layers-expanded");
                    });
                    layers.addEventListener("mouseleave", function () {
                        layers.classList.remove("leaflet-control-layers-expanded");
                    });
                }
            }
            map.getContainer().addEventListener("click", function (event) {
                if (event.target.closest && event.target.closest(".kb-fold > summary")) {
                    touched = true;
                }
            }, true);
            map.on("zoomend moveend", function () { setTimeout(fold, 50); });
            map.whenReady(function () { setTimeout(fold, 300); setTimeout(fold, 1500); });
        })();
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "FoldControls"


class MetricScale(MacroElement):
    """A scale bar in kilometres only (Leaflet's default also shows miles)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        L.control.scale({metric: true, imperial: false, position: "bottomleft"})
            .addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "MetricScale"
