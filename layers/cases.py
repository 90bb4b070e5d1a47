"""Trafficking cases on the map: tooltips, the clustered or heat layer, and its legend.

The cases' data work (filtering, placing in units, counting, drawable points) lives in
:mod:`geodata.records.cases`, where the data layer's role views use it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final, Literal

import numpy as np
import pandas as pd

from geodata.i18n import destination_text, format_date, format_number, t
from geodata.records.schemas import VICTIM_COLUMNS
from layers import styles
from layers._html import escape_text

if TYPE_CHECKING:
    import folium
    import geopandas as gpd

    from layers.legend import LegendItem

CaseMode = Literal["cluster", "heat"]
#: Publishes a map's case details (their JSON text) where the browser can fetch them, with
#: the login: returns the URL (:func:`cases_layer`).
PublishDetails = Callable[[str], str]
#: Above this many cases the markers carry only a short tooltip, to keep the page light.
DETAILED_TOOLTIP_LIMIT: Final = 3_000
#: Zoom from which clustered cases show as single points.
UNCLUSTER_ZOOM: Final = 11


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
    destination = case.get("destination")
    values = [
        case["case_id"],
        format_date(reported, lang),
        t(f"exploitation.{case['exploitation']}", lang),
        victims,
        destination_text(destination, lang) if isinstance(destination, str) and destination else "",
        t(f"crossing_type.{case['crossing_type']}", lang),
        t(f"case_status.{case['status']}", lang),
        str(case.get("note") or "")[:240],
        t("case.location_approximate", lang) if case.get("approximate") else "",
        t("common.sample_data", lang) if case.get("synthetic") else "",
    ]
    return [escape_text(value) for value in values]


#: JS: the tooltip table of one case from its escaped labels and values (empty values left out).
_TABLE_JS: Final = """function (labels, values) {
    var cells = "";
    for (var i = 0; i < values.length; i++) {
        if (values[i]) {
            cells += "<tr><th>" + labels[i] + "</th><td>" + values[i] + "</td></tr>";
        }
    }
    return '<table class="kb-table">' + cells + "</table>";
}"""
#: JS: the circle of one case (or of ``row[3]`` cases at one place).
_CIRCLE_JS: Final = f"""L.circleMarker(new L.LatLng(row[0], row[1]), {{
        radius: 6, color: "#ffffff", weight: 1, fillColor: "{styles.CASE}", fillOpacity: 0.9,
        cases: row[3] || 1
    }})"""


def _cluster_callback(labels: list[str]) -> str:
    """JS that draws one case: a circle with a tooltip table of the values in ``row[2]``."""
    return f"""(function () {{
    var labels = {json.dumps(labels)};
    var table = {_TABLE_JS};
    return function (row) {{
        var marker = {_CIRCLE_JS};
        marker.bindTooltip(table(labels, row[2]));
        return marker;
    }};
}})()"""


def _fetching_callback(labels: list[str], url: str, lang: str) -> str:
    """JS that draws one case: a circle whose tooltip shows the values of case ``row[2]`` in
    the details at ``url``, fetched (with the login cookie) when a tooltip first opens."""
    texts = {
        "loading": escape_text(t("map.details_loading", lang)),
        "failed": escape_text(t("map.details_failed", lang)),
    }
    return f"""(function () {{
    var labels = {json.dumps(labels)}, texts = {json.dumps(texts)};
    var table = {_TABLE_JS};
    var details = null, failed = false, pending = null;
    function load() {{
        if (!pending) {{
            failed = false;
            pending = fetch({json.dumps(url)}, {{credentials: "same-origin"}})
                .then(function (response) {{
                    if (!response.ok) {{ throw new Error("HTTP " + response.status); }}
                    return response.json();
                }})
                .then(function (rows) {{ details = rows; }},
                      function () {{ failed = true; pending = null; }});
        }}
        return pending;
    }}
    return function (row) {{
        var marker = {_CIRCLE_JS};
        function tip() {{
            if (details) {{ return table(labels, details[row[2]] || []); }}
            return failed ? texts.failed : texts.loading;
        }}
        marker.bindTooltip(tip);
        marker.kbDetails = load;
        marker.on("tooltipopen", function () {{
            if (!details) {{ load().then(function () {{ marker.setTooltipContent(tip); }}); }}
        }});
        return marker;
    }};
}})()"""


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
    cases: gpd.GeoDataFrame,
    *,
    lang: str,
    mode: CaseMode = "cluster",
    show: bool = True,
    publish_details: PublishDetails | None = None,
) -> folium.map.Layer:
    """Cases as clustered points (single points from zoom 11) or as a heat map.

    ``cases`` come from :func:`case_points`; tooltips are escaped. Above
    ``DETAILED_TOOLTIP_LIMIT`` cases one marker stands for each distinct place (about 10 m),
    with the number of its cases, so the page stays light; clusters count cases either way.
    With ``publish_details``, the detailed tooltips are not in the layer: they are handed to
    it as JSON (one list of escaped values per case) and fetched from the URL it returns
    when a tooltip first opens, so the map carries only positions.
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
        callback = _cluster_callback([escape_text(t("map.layer.cases", lang))])
    else:
        values = case_details(cases, lang=lang)
        if publish_details is None:
            data = [[float(y), float(x), v, 1] for y, x, v in zip(lat, lon, values, strict=True)]
            callback = _cluster_callback(_tooltip_labels(lang))
        else:
            url = publish_details(json.dumps(values, ensure_ascii=False))
            points = zip(lat.tolist(), lon.tolist(), strict=True)
            data = [[y, x, index, 1] for index, (y, x) in enumerate(points)]
            callback = _fetching_callback(_tooltip_labels(lang), url, lang)
    return FastMarkerCluster(
        data,
        callback=callback,
        name=name,
        show=show,
        icon_create_function=_CLUSTER_ICON,
        options={"disableClusteringAtZoom": UNCLUSTER_ZOOM, "chunkedLoading": True},
    )


def case_details(cases: gpd.GeoDataFrame, *, lang: str) -> list[list[str]]:
    """The escaped tooltip values of every case (:func:`case_tooltip_values`), in order."""
    columns = {c: cases[c].tolist() for c in _TOOLTIP_COLUMNS if c in cases.columns}
    records = (dict(zip(columns, row, strict=True)) for row in zip(*columns.values(), strict=True))
    return [case_tooltip_values(case, lang=lang) for case in records]
