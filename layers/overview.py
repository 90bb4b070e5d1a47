"""The main map: boundaries, choropleth, Sarawak, border, crossings, shelters and cases.

Sarawak, the border and the five official posts (PLBN) are reference data: the map draws
them from the committed geodata whatever the store holds, even when it is empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import folium
import geopandas as gpd
import pandas as pd
from branca.element import MacroElement
from jinja2 import Template

from geodata.i18n import t
from geodata.settings import Level
from layers import styles
from layers._assets import use_local_assets
from layers.boundaries import border_layer, sarawak_layer, units_layer
from layers.cases import CaseMode, PublishDetails, cases_layer, cases_legend
from layers.choropleth import Scheme, choropleth_fill, choropleth_shapes
from layers.crossings import crossings_layer, crossings_legend, with_reference_posts
from layers.legend import LegendItem, add_banner, legend_html
from layers.mapview import Basemap, finish_map, new_map
from layers.shelters import shelters_layer, shelters_legend

#: Above this many case points the map shows them on a grid (:func:`on_grid`).
GRID_ABOVE: Final = 20_000
#: Grid cell of :func:`on_grid`, in degrees (0.02 degree is about 2.2 km here).
GRID_DEGREES: Final = 0.02


@dataclass(frozen=True)
class MapOptions:
    """How the main map is drawn (everything the user can switch)."""

    level: Level = "kabupaten"
    measure: str = "cases"
    scheme: Scheme = "quantiles"
    k: int = 5
    case_mode: CaseMode = "cluster"
    basemap: Basemap = "none"
    tile_url: str | None = None


@dataclass(frozen=True)
class MapData:
    """The frames the main map draws, all EPSG:4326, already filtered for the user."""

    units: gpd.GeoDataFrame  # web units of ``MapOptions.level`` with the measure column
    kabupaten: gpd.GeoDataFrame
    sarawak: gpd.GeoDataFrame
    border: gpd.GeoDataFrame
    crossings: gpd.GeoDataFrame
    shelters: gpd.GeoDataFrame
    case_points: gpd.GeoDataFrame
    desa: gpd.GeoDataFrame | None = None  # desa of the selected kabupaten, on demand
    focus: gpd.GeoSeries | None = None  # the selected unit: the map zooms there
    synthetic: bool = True
    posts: gpd.GeoDataFrame | None = None  # reference PLBN, drawn where ``crossings`` lack them


class _GroupExtras(MacroElement):
    """The last child of a feature group: while the group is on the map, its legend shows
    at the bottom right, and (``to_back``) its shapes lie under the outlines and the border.

    The group may be added to a map after this runs (streamlit-folium's dynamic layers) or
    before (a whole map): both are handled, and removing the group removes its legend.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var group = {{ this._parent.get_name() }};
            var legend = L.control({position: "bottomright"});
            legend.onAdd = function () {
                var div = L.DomUtil.create("div", "kb-legend");
                div.innerHTML = {{ this.legend_html|tojson }};
                L.DomEvent.disableClickPropagation(div);
                return div;
            };
            function show() {
                {% if this.to_back %}group.bringToBack();{% endif %}
                {% if this.legend_html %}legend.addTo(group._map);{% endif %}
            }
            group.on("add", show);
            group.on("remove", function () { legend.remove(); });
            if (group._map) { show(); }
        })();
        {% endmacro %}
        """
    )

    def __init__(self, *, legend_html: str = "", to_back: bool = False) -> None:
        super().__init__()
        self._name = "GroupExtras"
        self.legend_html = legend_html
        self.to_back = to_back


def base_map(data: MapData, options: MapOptions, *, lang: str) -> folium.Map:
    """The layers that do not follow the case filter: the shapes of ``data.units`` (hidden
    until :func:`filtered_layers` fills them), Sarawak, outlines, the border, shelters,
    crossings, the selected unit and the demo banner (no layer switcher yet).

    Only the geometry and codes of ``data.units`` are used, and not ``data.case_points``.
    """
    m = new_map(basemap=options.basemap, tile_url=options.tile_url)
    choropleth_shapes(data.units, level=options.level).add_to(m)
    sarawak_layer(data.sarawak, lang=lang).add_to(m)
    if options.level != "kabupaten":
        units_layer(data.kabupaten, level="kabupaten", lang=lang).add_to(m)
    if data.desa is not None and options.level != "desa":
        units_layer(data.desa, level="desa", lang=lang).add_to(m)
    border_layer(data.border, lang=lang).add_to(m)
    shelters_layer(data.shelters, lang=lang).add_to(m)
    crossings = data.crossings
    if data.posts is not None:
        crossings = with_reference_posts(crossings, data.posts)
    crossings_layer(crossings, lang=lang).add_to(m)
    if data.focus is not None and len(data.focus):
        west, south, east, north = data.focus.total_bounds
        m.fit_bounds([[south, west], [north, east]])
        folium.GeoJson(
            data.focus,
            name=t("map.layer.selected", lang),
            style_function=lambda _feature: {
                "color": "#000000",
                "weight": 4,
                "fillOpacity": 0,
                "className": "kb-focus",  # controls fold off it (layers.legend.FoldControls)
            },
            interactive=False,
        ).add_to(m)
    if data.synthetic:
        add_banner(m, t("common.sample_data", lang), detail=t("common.sample_data_note", lang))
    return use_local_assets(m)


def filtered_layers(
    data: MapData,
    options: MapOptions,
    *,
    lang: str,
    publish_details: PublishDetails | None = None,
) -> list[folium.FeatureGroup]:
    """The layers that follow the case filter, each in a feature group: the fill of the
    base's choropleth shapes by ``data.units`` (with the map's legend) and, if any, the
    cases (their tooltips fetched through ``publish_details``, see :func:`cases_layer`).
    Meant for a map made by :func:`base_map` from the same units."""
    fill, classes = choropleth_fill(
        data.units,
        column=options.measure,
        level=options.level,
        lang=lang,
        scheme=options.scheme,
        k=options.k,
    )
    legend = legend_html(
        t("map.legend.title", lang),
        {
            t(f"measure.{options.measure}", lang): list(classes.legend),
            t("map.legend.points", lang): [
                *(cases_legend(lang=lang) if len(data.case_points) else []),
                *shelters_legend(lang=lang),
                *crossings_legend(lang=lang),
                LegendItem(t("map.layer.border", lang), styles.BORDER, "line"),
            ],
        },
    )
    name = f"{t('map.layer.choropleth', lang)}: {t(f'measure.{options.measure}', lang)}"
    units = folium.FeatureGroup(name=name)
    fill.add_to(units)
    _GroupExtras(legend_html=legend, to_back=True).add_to(units)
    groups = [units]
    if len(data.case_points):
        points = on_grid(data.case_points, mode=options.case_mode)
        cases = cases_layer(
            points, lang=lang, mode=options.case_mode, publish_details=publish_details
        )
        group = folium.FeatureGroup(name=cases.layer_name)
        cases.control = False
        cases.add_to(group)
        groups.append(group)
    return groups


def on_grid(points: gpd.GeoDataFrame, *, mode: CaseMode) -> gpd.GeoDataFrame:
    """Case points as the browser gets them: above :data:`GRID_ABOVE` cases each point moves
    to the centre of its :data:`GRID_DEGREES` cell (about 2 km), so the map carries one
    marker per cell with its count, never a million; the heat map gets one weighted point
    per cell (``victims_selected`` summed). Fewer cases are returned unchanged."""
    if len(points) <= GRID_ABOVE:
        return points
    lat = ((points.geometry.y / GRID_DEGREES).round() * GRID_DEGREES).round(5)
    lon = ((points.geometry.x / GRID_DEGREES).round() * GRID_DEGREES).round(5)
    if mode == "heat":
        weight = points.get("victims_selected", pd.Series(1, index=points.index))
        cells = (
            pd.DataFrame({"lat": lat, "lon": lon, "victims_selected": weight})
            .groupby(["lat", "lon"])["victims_selected"]
            .sum()
            .reset_index()
        )
    else:  # one row per case, so the cluster layer still counts cases
        cells = pd.DataFrame({"lat": lat.to_numpy(), "lon": lon.to_numpy()})
    return gpd.GeoDataFrame(
        cells.drop(columns=["lat", "lon"]),
        geometry=gpd.points_from_xy(cells["lon"], cells["lat"]),
        crs=points.crs,
    )


def overview_map(data: MapData, options: MapOptions, *, lang: str) -> folium.Map:
    """Build the main map with a layer switcher, a legend and, for demo data, a banner."""
    m = base_map(data, options, lang=lang)
    for group in filtered_layers(data, options, lang=lang):
        group.add_to(m)
    return finish_map(m)
