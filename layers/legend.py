"""Map legend and the synthetic-data banner, as Leaflet controls (no external assets)."""

from __future__ import annotations

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
    shape: str = "square"  # {"square", "circle", "line", "triangle", "diamond"}
    dashed: bool = False


def _symbol(item: LegendItem) -> str:
    dash = "stroke-dasharray:3 2;" if item.dashed else ""
    shapes = {
        "square": f'<rect x="2" y="2" width="12" height="12" fill="{item.color}" stroke="#333"/>',
        "circle": f'<circle cx="8" cy="8" r="6" fill="{item.color}" stroke="#333"/>',
        "line": f'<line x1="1" y1="8" x2="15" y2="8" stroke="{item.color}" stroke-width="3"/>',
        "triangle": f'<polygon points="8,1 15,15 1,15" fill="{item.color}" stroke="#333"/>',
        "diamond": f'<polygon points="8,1 15,8 8,15 1,8" fill="{item.color}" stroke="#333"/>',
    }
    body = shapes[item.shape].replace("/>", f' style="{dash}"/>')
    return f'<svg width="16" height="16" aria-hidden="true">{body}</svg>'


def legend_html(title: str, sections: dict[str, list[LegendItem]]) -> str:
    """HTML of the legend: a title, then one titled list of symbols per section."""
    parts = [f"<strong>{escape_text(title)}</strong>"]
    for heading, items in sections.items():
        if not items:
            continue
        parts.append(f'<div class="kb-legend-head">{escape_text(heading)}</div>')
        parts.extend(
            f'<div class="kb-legend-row">{_symbol(item)} {escape_text(item.label)}</div>'
            for item in items
        )
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
    """Add a banner at the top of ``m`` (used for "DATA CONTOH / SAMPLE DATA")."""
    html = f"<strong>{escape_text(text)}</strong>"
    if detail:
        html += f"<br><small>{escape_text(detail)}</small>"
    _HtmlControl(html, position="topleft", css_class="kb-banner").add_to(m)
