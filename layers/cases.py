"""Trafficking cases: filtering, placing in units, counting per unit, and the map layer.

Cases come from :func:`geodata.loaders.load_cases` (validated, EPSG:4326). A case may have an
exact point, or only an admin code at desa, kecamatan or kabupaten precision; counts per
unit use both, points on the map only the cases whose place is known to the desa.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geodata.i18n import format_date, format_number, t
from geodata.schemas import VICTIM_COLUMNS
from geodata.settings import CODE_LENGTH, LEVELS, Level
from layers import styles
from layers._html import escape_text

if TYPE_CHECKING:
    import folium

    from layers.legend import LegendItem

CaseMode = Literal["cluster", "heat"]
SEXES: Final = ("female", "male")
AGES: Final = ("adult", "child")
#: Above this many cases the markers carry only a short tooltip, to keep the page light.
DETAILED_TOOLTIP_LIMIT: Final = 3_000
#: Zoom from which clustered cases show as single points.
UNCLUSTER_ZOOM: Final = 11


@dataclass(frozen=True)
class CaseFilter:
    """What the user chose to see. An empty set means "all" for every set-valued filter."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    exploitation: frozenset[str] = frozenset()
    sexes: frozenset[str] = frozenset(SEXES)
    ages: frozenset[str] = frozenset(AGES)
    destinations: frozenset[str] = frozenset()
    statuses: frozenset[str] = frozenset()
    crossing_types: frozenset[str] = frozenset()
    sources: frozenset[str] = frozenset()

    def victim_columns(self) -> list[str]:
        """The victims_* columns selected by sex and age."""
        return [
            f"victims_{sex}_{age}"
            for sex in SEXES
            for age in AGES
            if sex in self.sexes and age in self.ages
        ]


def destination_label(cases: pd.DataFrame) -> pd.Series:
    """``"MY · Sarawak"`` style label of each case's destination (country, state)."""
    country = cases["destination_country"].fillna("").astype(str)
    state = cases["destination_state"].fillna("").astype(str)
    return (country + np.where(state.str.len() > 0, " · " + state, "")).str.strip()


def filter_cases(cases: gpd.GeoDataFrame, case_filter: CaseFilter) -> gpd.GeoDataFrame:
    """Cases matching ``case_filter``, with ``victims_selected`` (victims of the chosen sex/age).

    A case stays only if it has at least one victim of the chosen sex and age group.
    """
    cases = cases.copy()
    reported = pd.to_datetime(cases["date_reported"])
    keep = pd.Series(True, index=cases.index)
    if case_filter.date_from is not None:
        keep &= reported >= pd.Timestamp(case_filter.date_from)
    if case_filter.date_to is not None:
        keep &= reported <= pd.Timestamp(case_filter.date_to)
    choices = {
        "exploitation": case_filter.exploitation,
        "status": case_filter.statuses,
        "crossing_type": case_filter.crossing_types,
        "source": case_filter.sources,
    }
    for column, allowed in choices.items():
        if allowed:
            keep &= cases[column].isin(allowed)
    if case_filter.destinations:
        keep &= destination_label(cases).isin(case_filter.destinations)
    cases["victims_selected"] = cases[case_filter.victim_columns()].sum(axis=1).astype("int64")
    keep &= cases["victims_selected"] > 0
    return cases[keep]


def locate_cases(cases: gpd.GeoDataFrame, desa: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Add ``kabupaten_code``, ``kecamatan_code`` and ``desa_code`` to every case.

    A case with precision ``exact`` and a point is placed by point-in-polygon in the clean
    desa coverage; any other case by its ``admin_code``. Levels finer than the case's
    precision stay empty.
    """
    cases = cases.copy()
    unit_code = cases["admin_code"].astype("string")
    exact = (cases["location_precision"] == "exact") & ~cases.geometry.isna()
    if exact.any():
        points = cases.geometry[exact].values
        tree = shapely.STRtree(desa.geometry.values)
        point_index, desa_index = tree.query(points, predicate="within")
        found = pd.Series(
            desa["code"].to_numpy()[desa_index], index=cases.index[exact][point_index]
        )
        unit_code.loc[found.index] = found.astype("string")
    for level in LEVELS:
        length = CODE_LENGTH[level]
        code = unit_code.str.slice(0, length)
        cases[f"{level}_code"] = code.where(unit_code.str.len() >= length)
    return cases


def count_by_unit(
    cases: pd.DataFrame, units: gpd.GeoDataFrame, *, level: Level, victims: str = "victims_selected"
) -> gpd.GeoDataFrame:
    """Units of ``level`` with ``cases``, ``victims`` and, where population is known,
    ``cases_per_100k`` and ``victims_per_100k``.

    ``cases`` must have been through :func:`locate_cases`; cases known only at a coarser
    level are not counted at a finer one.
    """
    key = f"{level}_code"
    grouped = cases.groupby(key)[victims].agg(["size", "sum"])
    grouped.columns = pd.Index(["cases", "victims"])
    counted = units.merge(grouped, left_on="code", right_index=True, how="left")
    counted[["cases", "victims"]] = counted[["cases", "victims"]].fillna(0).astype("int64")
    if "population" in counted.columns:
        population = counted["population"].where(counted["population"] > 0)
        counted["cases_per_100k"] = counted["cases"] / population * 1e5
        counted["victims_per_100k"] = counted["victims"] / population * 1e5
    return counted


def case_points(cases: gpd.GeoDataFrame, gazetteer: pd.DataFrame) -> gpd.GeoDataFrame:
    """Cases that can be drawn as points: exact ones, and desa-level ones at the desa's centre.

    Adds ``approximate``: True unless the case's precision is ``exact`` (a desa-level case is
    drawn at its point if it has one, else at the desa's representative point).
    """
    centres = gazetteer.set_index("code")[["lon", "lat"]]
    drawable = cases[~cases.geometry.isna() | cases["desa_code"].notna()].copy()
    missing = drawable.geometry.isna()
    centre = centres.reindex(drawable.loc[missing, "desa_code"])
    drawable.loc[missing, "geometry"] = gpd.points_from_xy(centre["lon"], centre["lat"])
    drawable["approximate"] = drawable["location_precision"] != "exact"
    located = ~drawable.geometry.isna() & ~drawable.geometry.is_empty
    located &= np.isfinite(shapely.get_x(drawable.geometry.values)) & np.isfinite(
        shapely.get_y(drawable.geometry.values)
    )
    return drawable[located]


def _tooltip_labels(lang: str) -> list[str]:
    keys = ["case_id", "date_reported", "exploitation", "victims", "destination", "crossing"]
    keys += ["status", "note", "location"]
    return [escape_text(t(f"case.{key}", lang)) for key in keys] + [""]


#: The columns :func:`case_tooltip_values` reads.
_TOOLTIP_COLUMNS: Final = (
    *VICTIM_COLUMNS,
    "case_id",
    "date_reported",
    "exploitation",
    "destination",
    "crossing_type",
    "status",
    "note",
    "approximate",
    "synthetic",
)


def case_tooltip_values(case: Mapping[str, Any], *, lang: str) -> list[str]:
    """Escaped tooltip values of one case, in the order of the tooltip's labels.

    Every value is escaped here (user text included); empty values are left out of the
    tooltip by the map's JavaScript.
    """
    victims = " · ".join(
        f"{t(f'victims.{column}', lang)} {int(case[column])}"
        for column in VICTIM_COLUMNS
        if case[column]
    )
    reported = pd.Timestamp(case["date_reported"]).date()
    values = [
        case["case_id"],
        format_date(reported, lang),
        t(f"exploitation.{case['exploitation']}", lang),
        victims,
        case.get("destination", ""),
        t(f"crossing_type.{case['crossing_type']}", lang),
        t(f"case_status.{case['status']}", lang),
        str(case.get("note") or "")[:240],
        t("case.location_approximate", lang) if case.get("approximate") else "",
        t("common.sample_data", lang) if case.get("synthetic") else "",
    ]
    return [escape_text(value) for value in values]


def _cluster_callback(labels: list[str]) -> str:
    """JS that draws one case: a circle with a tooltip table built from escaped values."""
    return f"""
function (row) {{
    var labels = {json.dumps(labels)};
    var marker = L.circleMarker(new L.LatLng(row[0], row[1]), {{
        radius: 6, color: "#ffffff", weight: 1, fillColor: "{styles.CASE}", fillOpacity: 0.9,
        cases: row[3] || 1
    }});
    var cells = "";
    for (var i = 0; i < row[2].length; i++) {{
        if (row[2][i]) {{
            cells += "<tr><th>" + labels[i] + "</th><td>" + row[2][i] + "</td></tr>";
        }}
    }}
    marker.bindTooltip('<table class="kb-table">' + cells + "</table>");
    return marker;
}}
"""


# Clusters count cases, not markers: a marker may stand for several cases at one place.
_CLUSTER_ICON: Final = """
function (cluster) {
    var total = 0;
    cluster.getAllChildMarkers().forEach(function (m) { total += m.options.cases || 1; });
    // Neutral grey, so a group of cases is not read as a choropleth class.
    var size = total < 10 ? 34 : total < 100 ? 40 : 46;
    return L.divIcon({
        html: '<div style="background:{CLUSTER};color:#fff;width:' + (size - 10) +
            "px;height:" + (size - 10) + 'px;border:2px solid #fff"><span style="line-height:' +
            (size - 14) + 'px">' + total + "</span></div>",
        className: "marker-cluster kb-cluster",
        iconSize: new L.Point(size, size)
    });
}
""".replace("{CLUSTER}", styles.CLUSTER)


def cases_legend(*, lang: str) -> list[LegendItem]:
    """Legend rows of :func:`cases_layer` in cluster mode: one case, a group of cases."""
    from layers.legend import LegendItem  # imports folium: only when drawing

    return [
        LegendItem(t("map.layer.cases", lang), styles.CASE, "circle"),
        LegendItem(t("map.legend.cluster", lang), styles.CLUSTER, "cluster"),
    ]


def _places(cases: gpd.GeoDataFrame, lang: str) -> list[list]:
    """One row per distinct place: ``[lat, lon, [tooltip], cases]`` (for many cases)."""
    places = (
        pd.DataFrame({"lat": cases.geometry.y.round(4), "lon": cases.geometry.x.round(4)})
        .value_counts()
        .reset_index(name="cases")
    )
    label = t("map.cases_here", lang)
    return [
        [float(y), float(x), [escape_text(label.format(count=format_number(n, lang)))], int(n)]
        for y, x, n in places[["lat", "lon", "cases"]].itertuples(index=False)
    ]


def cases_layer(
    cases: gpd.GeoDataFrame, *, lang: str, mode: CaseMode = "cluster", show: bool = True
) -> folium.map.Layer:
    """Cases as clustered points (single points from zoom 11) or as a heat map.

    ``cases`` come from :func:`case_points`; tooltips are escaped. Above
    ``DETAILED_TOOLTIP_LIMIT`` cases one marker stands for each distinct place (about 10 m),
    with the number of its cases, so the page stays light; clusters count cases either way.
    """
    from folium.plugins import FastMarkerCluster, HeatMap  # only when drawing

    name = t("map.layer.cases", lang)
    lat = cases.geometry.y.round(5).to_numpy()
    lon = cases.geometry.x.round(5).to_numpy()
    if mode == "heat":
        weights = cases.get("victims_selected", pd.Series(1, index=cases.index)).to_numpy()
        data = np.column_stack([lat, lon, weights]).tolist()
        return HeatMap(data, name=name, show=show, radius=14, blur=18, min_opacity=0.3)
    if len(cases) > DETAILED_TOOLTIP_LIMIT:
        data = _places(cases, lang)
        labels = [escape_text(t("map.layer.cases", lang))]
    else:
        columns = {c: cases[c].tolist() for c in _TOOLTIP_COLUMNS if c in cases.columns}
        records = (
            dict(zip(columns, row, strict=True)) for row in zip(*columns.values(), strict=True)
        )
        values = [case_tooltip_values(case, lang=lang) for case in records]
        data = [[float(y), float(x), v, 1] for y, x, v in zip(lat, lon, values, strict=True)]
        labels = _tooltip_labels(lang)
    return FastMarkerCluster(
        data,
        callback=_cluster_callback(labels),
        name=name,
        show=show,
        icon_create_function=_CLUSTER_ICON,
        options={"disableClusteringAtZoom": UNCLUSTER_ZOOM, "chunkedLoading": True},
    )
