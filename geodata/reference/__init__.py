"""The reference sub-package: the committed reference geodata (this module) and the
gazetteer search (:mod:`geodata.reference.geocode`, which borrows the place-name
rules of :mod:`geodata.records.parsing`). Imports no store or access module.

Read the committed reference geodata: units, gazetteer, border, PLBN, Sarawak districts.

Everything here reads only files under ``geodata/data`` (never ``../shared``) and is cached,
so callers may use it freely. Frames are returned as copies: callers may modify them.
"""

from __future__ import annotations

import logging
from functools import cache
from typing import Literal

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from geodata.errors import ArgumentError, not_one_of
from geodata.settings import GAZETTEER_CSV, GEOPACKAGE, LEVELS, WEB_DIR, Level

log = logging.getLogger(__name__)

WebLayer = Literal["kabupaten", "kecamatan", "sarawak", "border"]
WEB_LAYERS: tuple[WebLayer, ...] = ("kabupaten", "kecamatan", "sarawak", "border")


@cache
def _layer(name: str) -> gpd.GeoDataFrame:
    frame = gpd.read_file(GEOPACKAGE, layer=name)
    log.info("Loaded %d %s from %s", len(frame), name, GEOPACKAGE.name)
    return frame


def load_units(level: Level) -> gpd.GeoDataFrame:
    """Clean coverage of one administrative level, EPSG:4326, full resolution.

    Parameters
    ----------
    level
        One of ``{"kabupaten", "kecamatan", "desa"}``.
    """
    if level not in LEVELS:
        raise not_one_of("level", LEVELS, level)
    return _layer(level).copy()


def load_border() -> gpd.GeoDataFrame:
    """The Kalbar–Sarawak land border line derived from the two sources."""
    return _layer("border").copy()


def load_plbn() -> gpd.GeoDataFrame:
    """The five official land border posts (positions derived, see ``position_source``)."""
    return _layer("plbn").copy()


def load_sarawak() -> gpd.GeoDataFrame:
    """Sarawak's 40 districts, as a context layer."""
    return _layer("sarawak_districts").copy()


@cache
def _province() -> BaseGeometry:
    return shapely.union_all(_layer("kabupaten").geometry.values)


def load_province() -> BaseGeometry:
    """Kalbar's outline (union of the kabupaten coverage), EPSG:4326."""
    return _province()


@cache
def _gazetteer() -> pd.DataFrame:
    codes = ("code", "parent_code", "kabupaten_code", "kecamatan_code")
    return pd.read_csv(GAZETTEER_CSV, dtype=dict.fromkeys(codes, str))


def load_gazetteer() -> pd.DataFrame:
    """All 2,334 Kalbar codes and names, with level, parents and centroid where known."""
    return _gazetteer().copy()


@cache
def _web_layer(relative_path: str) -> gpd.GeoDataFrame:
    return gpd.read_file(WEB_DIR / relative_path)


def load_web_layer(name: WebLayer) -> gpd.GeoDataFrame:
    """A simplified layer for the web map (EPSG:4326, 4 decimals), with its attributes.

    Parameters
    ----------
    name
        One of ``{"kabupaten", "kecamatan", "sarawak", "border"}``. Unit layers carry the
        attributes of the full-resolution layer (population, border relations, ...).
    """
    if name not in WEB_LAYERS:
        raise not_one_of("name", WEB_LAYERS, name)
    web = _web_layer(f"{name}.geojson")
    if name in LEVELS:
        attributes = _layer(name).drop(columns="geometry")
        web = web[["code", "geometry"]].merge(attributes, on="code", how="left")
    return web.copy()


def load_web_desa(kabupaten_code: str) -> gpd.GeoDataFrame:
    """Simplified desa of one kabupaten (loaded on demand), with their attributes."""
    path = WEB_DIR / "desa" / f"{kabupaten_code}.geojson"
    if not path.exists():
        raise ArgumentError(
            f"`kabupaten_code` should be a Kalbar kabupaten code such as '61.03', got "
            f"{kabupaten_code!r}; the codes are in reference.load_units('kabupaten')"
        )
    attributes = _layer("desa").drop(columns="geometry")
    web = _web_layer(f"desa/{kabupaten_code}.geojson")
    return web[["code", "geometry"]].merge(attributes, on="code", how="left")
