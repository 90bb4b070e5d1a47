"""The map frame: base map (none by default, so it works offline), CSS, layer control."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, Literal

import folium
from branca.element import Element, Figure

from geodata.errors import GeodataError, not_one_of
from geodata.i18n import t
from layers import styles
from layers._assets import use_local_assets
from layers.boundaries import add_context
from layers.labels import add_reading_aids
from layers.legend import LegendItem, add_banner, add_legend

Basemap = Literal["none", "osm", "satellite", "custom"]
BASEMAPS: Final[tuple[Basemap, ...]] = ("none", "osm", "satellite", "custom")

#: Kalbar and the Sarawak side, south-west and north-east corners (lat, lon).
KALBAR_BOUNDS: Final = [[-3.1, 108.5], [2.3, 114.3]]

_TILES: Final = {
    "osm": (
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "&copy; OpenStreetMap contributors",
    ),
    "satellite": (
        "https://server.arcgisonline.com/ArcGIS/rest/services/World_Imagery/MapServer/tile/"
        "{z}/{y}/{x}",
        "Imagery &copy; Esri",
    ),
}

_CSS: Final = f"""
<style>
.leaflet-container {{ background: {styles.SEA}; font: 13px/1.35 system-ui, sans-serif; }}
.kb-legend, .kb-banner {{ background: rgba(255,255,255,.93); padding: 5px 8px;
  border-radius: 4px; box-shadow: 0 1px 4px rgba(0,0,0,.35); max-width: 230px;
  font-size: 11.5px; }}
.kb-legend {{ max-height: 330px; overflow-y: auto; }}
.kb-banner {{ background: #fff3cd; border: 1px solid #e0b100; max-width: 210px; }}
.leaflet-control-layers {{ font-size: 11.5px; }}
.kb-legend-head {{ margin-top: 5px; font-weight: 600; }}
.kb-legend-row svg {{ vertical-align: middle; }}
.leaflet-tooltip, .kb-table {{ font-size: 12px; }}
.kb-table th {{ text-align: left; padding-right: 8px; font-weight: 600; }}
.kb-table td {{ white-space: normal; max-width: 260px; }}
.kb-icon svg {{ display: block; }}
</style>
"""


def new_map(*, basemap: Basemap = "none", tile_url: str | None = None) -> folium.Map:
    """A map of Kalbar with no tile layer by default (vector boundaries draw offline), with
    place names, a scale bar in km and controls that keep off its points
    (:func:`layers.labels.add_reading_aids`).

    Parameters
    ----------
    basemap
        One of ``{"none", "osm", "satellite", "custom"}``; tiles need a connection, except
        a ``"custom"`` local tile server given by ``tile_url`` (``.../{z}/{x}/{y}.png``).
    tile_url
        The tile URL template used with ``basemap="custom"``.
    """
    if basemap not in BASEMAPS:
        raise not_one_of("basemap", BASEMAPS, basemap)
    if basemap == "custom" and not tile_url:
        raise GeodataError(
            "`tile_url` is needed with basemap='custom', e.g. http://localhost:8080/{z}/{x}/{y}.png"
        )
    m = folium.Map(
        location=[0.0, 111.0],
        zoom_start=7,
        tiles=None,
        # folium drops max_zoom without tiles; MarkerCluster needs maxZoom on the map.
        maxZoom=18,
        minZoom=5,
        control_scale=False,  # layers.legend.MetricScale draws km only
    )
    m.fit_bounds(KALBAR_BOUNDS)
    if basemap == "custom" and tile_url:
        folium.TileLayer(tile_url, attr="Local tiles", name="Tiles", control=False).add_to(m)
    elif basemap in _TILES:
        url, attribution = _TILES[basemap]
        folium.TileLayer(url, attr=attribution, name=basemap, control=False).add_to(m)
    root = m.get_root()
    assert isinstance(root, Figure)
    root.header.add_child(Element(_CSS))
    return add_reading_aids(m)  # place names, a km scale, controls that keep off the points


def finish_map(m: folium.Map) -> folium.Map:
    """Add the layer switcher and point every JS/CSS asset at the local copies."""
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    return use_local_assets(m)


def analysis_map(
    layers: Sequence[folium.map.Layer],
    *,
    legend_title: str,
    legend: Sequence[LegendItem],
    lang: str,
    synthetic: bool,
) -> folium.Map:
    """A map of one analysis: Sarawak, kabupaten outlines and border for context, the
    analysis ``layers`` on top, a legend, and the sample-data banner where it applies."""
    m = new_map()
    add_context(m, lang=lang)
    for layer in layers:
        layer.add_to(m)
    add_legend(m, t("map.legend.title", lang), {legend_title: list(legend)})
    if synthetic:
        add_banner(m, t("common.sample_data", lang), detail=t("common.sample_data_note", lang))
    return finish_map(m)
