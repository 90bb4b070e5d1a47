"""Administrative boundaries, the Sarawak districts and the land border as map layers."""

from __future__ import annotations

import folium
import geopandas as gpd

from geodata import reference
from geodata.i18n import format_number, t
from layers import styles
from layers._html import html_table
from layers.fetched import mark_reference


def _measure_text(unit: dict, column: str, lang: str) -> str:
    """A count hidden for the role shows its label ("<3"), never a number; whole numbers
    without decimals, rates with one."""
    if unit.get("suppressed") and unit.get(f"{column}_label"):
        return str(unit[f"{column}_label"])
    value = unit.get(column)
    whole = isinstance(value, int | float) and float(value).is_integer()
    return format_number(value, lang, digits=0 if whole else 1)


def unit_tooltip_rows(
    units: gpd.GeoDataFrame, *, lang: str, extra: list[str] | None = None
) -> list[list[tuple[str, object]]]:
    """The rows (label, value; not yet escaped) of each unit's tooltip: name, type, code,
    area and any ``extra`` columns.

    ``extra`` names numeric columns; their labels come from the catalogue key
    ``measure.<column>``.
    """
    tips = []
    for unit in units.drop(columns="geometry").to_dict("records"):
        rows: list[tuple[str, object]] = [
            (t(f"unit_type.{unit.get('unit_type', 'kecamatan')}", lang), unit["name"]),
            (t("map.code", lang), unit["code"]),
            (t("measure.area_km2", lang), format_number(unit.get("area_km2"), lang, digits=1)),
        ]
        for column in extra or []:
            rows.append((t(f"measure.{column}", lang), _measure_text(unit, column, lang)))
        tips.append(rows)
    return tips


def _tooltip_layer(
    frame: gpd.GeoDataFrame, *, name: str, style: dict, show: bool, tips: list[str]
) -> folium.GeoJson:
    data = frame[["code", "geometry"]].copy()
    data["tip"] = tips
    layer = folium.GeoJson(
        data,
        name=name,
        show=show,
        style_function=lambda _feature: style,
        highlight_function=lambda _feature: {"weight": 3, "color": "#000000"},
        tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False, sticky=True),
        zoom_on_click=False,
    )
    return mark_reference(layer)  # codes and public attributes only


def units_layer(
    units: gpd.GeoDataFrame, *, level: str, lang: str, show: bool = True
) -> folium.GeoJson:
    """Outline of the units of one level, with a tooltip each (name, type, code, area)."""
    weight = {"kabupaten": 2.2, "kecamatan": 1.0, "desa": 0.6}.get(level, 1.0)
    style = {"color": styles.KALBAR_LINE, "weight": weight, "fillOpacity": 0.0, "opacity": 0.9}
    if level == "kabupaten":
        style["fillColor"], style["fillOpacity"] = "#ffffff", 0.05
    return _tooltip_layer(
        units,
        name=t(f"map.layer.{level}", lang),
        style=style,
        show=show,
        tips=[html_table(rows) for rows in unit_tooltip_rows(units, lang=lang)],
    )


def sarawak_layer(districts: gpd.GeoDataFrame, *, lang: str, show: bool = True) -> folium.GeoJson:
    """Sarawak's districts as a light context layer."""
    tips = [
        html_table([(t("map.sarawak_district", lang), name), (t("map.country", lang), "Malaysia")])
        for name in districts["name"]
    ]
    style = {
        "color": "#9e9a8c",
        "weight": 0.8,
        "fillColor": styles.SARAWAK_FILL,
        "fillOpacity": 0.9,
    }
    return _tooltip_layer(
        districts, name=t("map.layer.sarawak", lang), style=style, show=show, tips=tips
    )


def border_layer(border: gpd.GeoDataFrame, *, lang: str) -> folium.GeoJson:
    """The Kalbar–Sarawak land border, with its derived and official lengths."""
    length_km = float(border["length_km"].iloc[0])
    tip = html_table(
        [
            (t("map.layer.border", lang), t("map.border_derived", lang)),
            (t("map.border_length", lang), f"{format_number(length_km, lang, digits=1)} km"),
            (t("map.border_official", lang), f"{format_number(966, lang)} km"),
        ]
    )
    data = border[["geometry"]].copy()
    data["tip"] = tip
    layer = folium.GeoJson(
        data,
        name=t("map.layer.border", lang),
        style_function=lambda _feature: {"color": styles.BORDER, "weight": 3.5, "opacity": 0.9},
        tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False, sticky=True),
    )
    return mark_reference(layer)


def add_context(
    m: folium.Map,
    *,
    lang: str,
    sarawak: gpd.GeoDataFrame | None = None,
    kabupaten: gpd.GeoDataFrame | None = None,
    border: gpd.GeoDataFrame | None = None,
) -> None:
    """Draw Sarawak's districts, the kabupaten outlines and the border under other layers.

    Layers left ``None`` come from the committed simplified reference layers.
    """
    sarawak = reference.load_web_layer("sarawak") if sarawak is None else sarawak
    kabupaten = reference.load_web_layer("kabupaten") if kabupaten is None else kabupaten
    border = reference.load_web_layer("border") if border is None else border
    sarawak_layer(sarawak, lang=lang).add_to(m)
    units_layer(kabupaten, level="kabupaten", lang=lang).add_to(m)
    border_layer(border, lang=lang).add_to(m)
