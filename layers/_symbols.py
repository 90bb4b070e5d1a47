"""Many point symbols as one layer: the rows go to the page as data, JavaScript draws them.

A folium ``Marker`` with its own icon and tooltip element per point costs a Jinja template
compile each (about 0.4 ms) and repeats the markup on the page; these layers send one
array and let Leaflet build the markers and their tooltip tables, so reruns stay fast and
pages light.
"""

from __future__ import annotations

import folium
from jinja2 import Template

from layers._html import TABLE_JS


class IconLayer(folium.FeatureGroup):
    """Markers whose icon is one of a few SVG snippets, each with a tooltip table.

    Parameters
    ----------
    rows
        ``[lat, lon, icon_key, tooltip_cells]`` per point: the tooltip as
        :func:`layers._html.table_cells` (escaped).
    icons
        SVG markup per icon key (project-made, not user text).
    sizes
        Size in pixels per icon key (default 20).
    z_offsets
        Leaflet ``zIndexOffset`` per icon key: higher draws on top (default 0).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.featureGroup({});
        {{ this.table_js }}
        (function () {
            var icons = {{ this.icons|tojson }};
            var sizes = {{ this.sizes|tojson }}, offsets = {{ this.z_offsets|tojson }};
            {{ this.rows|tojson }}.forEach(function (row) {
                var size = sizes[row[2]] || 20;
                var icon = L.divIcon({
                    html: icons[row[2]], className: "kb-icon",
                    iconSize: [size, size], iconAnchor: [size / 2, size / 2]
                });
                L.marker([row[0], row[1]], {icon: icon, zIndexOffset: offsets[row[2]] || 0})
                    .bindTooltip(window.kbTable(row[3]), {sticky: true})
                    .addTo({{ this.get_name() }});
            });
        })();
        {% endmacro %}
        """
    )

    def __init__(
        self,
        rows: list[list],
        icons: dict[str, str],
        *,
        name: str,
        show: bool = True,
        sizes: dict[str, int] | None = None,
        z_offsets: dict[str, int] | None = None,
    ) -> None:
        super().__init__(name=name, show=show)
        self._name = "IconLayer"
        self.rows = rows
        self.icons = icons
        self.sizes = sizes or {}
        self.z_offsets = z_offsets or {}
        self.table_js = TABLE_JS


class CircleLayer(folium.FeatureGroup):
    """Circle markers with a radius and style per point, each with a tooltip table.

    Parameters
    ----------
    rows
        ``[lat, lon, radius_px, dashed, tooltip_cells]`` per point: the tooltip as
        :func:`layers._html.table_cells` (escaped).
    style
        Leaflet path options shared by every circle (colour, fill, weight, ...).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.featureGroup({});
        {{ this.table_js }}
        (function () {
            var style = {{ this.style|tojson }};
            {{ this.rows|tojson }}.forEach(function (row) {
                var options = Object.assign({}, style, {radius: row[2]});
                if (row[3]) { options.dashArray = "4 3"; }
                L.circleMarker([row[0], row[1]], options)
                    .bindTooltip(window.kbTable(row[4]), {sticky: true})
                    .addTo({{ this.get_name() }});
            });
        })();
        {% endmacro %}
        """
    )

    def __init__(
        self, rows: list[list], style: dict[str, object], *, name: str, show: bool = True
    ) -> None:
        super().__init__(name=name, show=show)
        self._name = "CircleLayer"
        self.rows = rows
        self.style = style
        self.table_js = TABLE_JS
