"""Border crossings: official posts (PLBN) and unofficial land tracks and river routes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import folium
import geopandas as gpd
import pandas as pd

from geodata.i18n import format_date, t
from layers import styles
from layers._html import table_cells
from layers._inputs import require_frame
from layers._symbols import IconLayer
from layers.legend import LegendItem

_SHAPE = {"plbn": "square", "land_track": "triangle", "river_route": "diamond"}
#: Where a reference post's position comes from, as its tooltip says.
POST_SOURCE: Final = "public: PLBN reference geodata; position derived"


#: An official post's symbol: larger, with a white "P" and a white ring, drawn above the rest.
PLBN_SIZE: Final = 26


def _plbn_svg(status: str) -> str:
    color = styles.CLOSED if status == "closed" else styles.PLBN
    fill, dash = (color, "") if status != "unverified" else ("#ffffff", "stroke-dasharray:3 2;")
    letter = color if status == "unverified" else "#ffffff"
    return (
        f'<svg width="{PLBN_SIZE}" height="{PLBN_SIZE}" viewBox="0 0 26 26">'
        f'<rect x="2" y="2" width="22" height="22" rx="3" fill="{fill}" stroke="#111"'
        f' stroke-width="2" style="{dash}"/>'
        f'<rect x="4" y="4" width="18" height="18" rx="2" fill="none" stroke="#fff"/>'
        f'<text x="13" y="18.5" text-anchor="middle" font-family="system-ui,sans-serif"'
        f' font-size="15" font-weight="700" fill="{letter}">P</text></svg>'
    )


def _icon_svg(kind: str, status: str) -> str:
    if kind == "plbn":
        return _plbn_svg(status)
    color = styles.PLBN if kind == "plbn" else styles.UNOFFICIAL
    if status == "closed":
        color = styles.CLOSED
    fill, dash = (color, "") if status != "unverified" else ("#ffffff", "stroke-dasharray:3 2;")
    stroke = f'stroke="{color if status == "unverified" else "#222"}" stroke-width="2"'
    shapes = {
        "square": f'<rect x="3" y="3" width="14" height="14" fill="{fill}" {stroke}',
        "triangle": f'<polygon points="10,2 18,17 2,17" fill="{fill}" {stroke}',
        "diamond": f'<polygon points="10,1 19,10 10,19 1,10" fill="{fill}" {stroke}',
    }
    shape = shapes[_SHAPE.get(kind, "triangle")]
    return f'<svg width="20" height="20">{shape} style="{dash}"/></svg>'


def crossing_tooltip_rows(crossing: Mapping[str, Any], *, lang: str) -> list[tuple[str, object]]:
    """Label and value of each row of one crossing's tooltip (not yet escaped: see
    :func:`layers._html.html_table` and :func:`layers._html.table_cells`)."""
    verified = crossing.get("last_verified")
    rows: list[tuple[str, object]] = [
        (t("crossing.name", lang), crossing["name"]),
        (t("crossing.kind", lang), t(f"crossing_kind.{crossing['kind']}", lang)),
        (t("crossing.status", lang), t(f"crossing_status.{crossing['status']}", lang)),
        (
            t("crossing.last_verified", lang),
            format_date(pd.Timestamp(verified).date(), lang) if pd.notna(verified) else "–",
        ),
        (t("crossing.source", lang), crossing.get("source", "")),
    ]
    if crossing.get("synthetic"):
        rows.append(("", t("crossing.synthetic_position", lang)))
    return rows


def with_reference_posts(crossings: gpd.GeoDataFrame, posts: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``crossings`` plus every official post of ``posts`` whose id they lack (a new copy).

    The five PLBN are public reference data: the map draws them whatever the store holds.
    A post already among ``crossings`` keeps the store's record (its status, its checks).

    Parameters
    ----------
    crossings
        Crossings as the role's view holds them (possibly empty), EPSG:4326.
    posts
        The committed posts, as from :func:`geodata.reference.load_plbn`.
    """
    require_frame(crossings, "crossings", ["crossing_id"])
    require_frame(posts, "posts", ["crossing_id", "name", "geometry"])
    missing = posts[~posts["crossing_id"].isin(crossings["crossing_id"])]
    if missing.empty:
        return crossings.copy()
    added = gpd.GeoDataFrame(
        {
            "crossing_id": missing["crossing_id"].to_numpy(dtype=object),
            "name": missing["name"].to_numpy(dtype=object),
            "kind": "plbn",
            "status": "active",
            "last_verified": pd.Series(pd.NaT, index=missing.index, dtype="datetime64[ns]"),
            "source": POST_SOURCE,
            "synthetic": False,
        },
        geometry=missing.geometry.to_numpy(),
        crs=posts.crs,
    )
    if crossings.empty:
        return added.reset_index(drop=True)
    return gpd.GeoDataFrame(
        pd.concat([crossings, added], ignore_index=True), geometry="geometry", crs=crossings.crs
    )


def crossings_layer(
    crossings: gpd.GeoDataFrame, *, lang: str, show: bool = True
) -> folium.FeatureGroup:
    """Crossings with distinct symbols: PLBN squares, land-track triangles, river diamonds.

    Unverified crossings are drawn hollow with a dashed outline, closed ones grey.
    """
    icons: dict[str, str] = {}
    rows = []
    for crossing in crossings.to_dict("records"):
        key = f"{crossing['kind']}:{crossing['status']}"
        icons.setdefault(key, _icon_svg(crossing["kind"], crossing["status"]))
        point = crossing["geometry"]
        rows.append(
            [
                round(point.y, 5),
                round(point.x, 5),
                key,
                table_cells(crossing_tooltip_rows(crossing, lang=lang)),
            ]
        )
    posts = [key for key in icons if key.startswith("plbn:")]
    return IconLayer(
        rows,
        icons,
        name=t("map.layer.crossings", lang),
        show=show,
        sizes=dict.fromkeys(posts, PLBN_SIZE),
        z_offsets=dict.fromkeys(posts, 1000),  # official posts above every other symbol
    )


def crossings_legend(*, lang: str) -> list[LegendItem]:
    """Legend rows of :func:`crossings_layer`."""
    return [
        LegendItem(t("crossing_kind.plbn", lang), styles.PLBN, "post"),
        LegendItem(t("crossing_kind.land_track", lang), styles.UNOFFICIAL, "triangle"),
        LegendItem(t("crossing_kind.river_route", lang), styles.UNOFFICIAL, "diamond"),
        LegendItem(t("crossing_status.unverified", lang), "#ffffff", "triangle", dashed=True),
        LegendItem(t("crossing_status.closed", lang), styles.CLOSED, "triangle"),
    ]
