"""The build sub-package: raw public sources -> the committed geodata under
``geodata/data`` (private steps ``_sources``, ``_coverage``, ``_border``, ``_web``).
Run by hand; nothing in the app imports it.

Build the committed geodata from the raw public sources.

Usage::

    python -m geodata.build --raw ../shared/data/raw [--out geodata/data]

Reads the boundary, code, population and area files of Kalbar and Malaysia's districts
(see ``../shared/data/raw/SOURCES.md``), cleans the coverages, derives the border and the
PLBN positions, and writes ``kalbar.gpkg``, ``gazetteer.csv``, simplified GeoJSON under
``web/`` and ``build_report.json`` with the figures of the build.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from geodata.build import _sources
from geodata.build._border import border_relations, derive_border, place_plbn
from geodata.build._coverage import clean_coverage, nest_coverage, overlap_area
from geodata.build._web import displacement_m, web_version, write_geojson
from geodata.codes import code_level
from geodata.errors import GeodataError
from geodata.settings import (
    CODE_LENGTH,
    DATA_DIR,
    DEFAULT_RAW_DIR,
    METRIC_CRS,
    OFFICIAL_BORDER_LENGTH_KM,
    STORAGE_CRS,
)

log = logging.getLogger(__name__)

#: Web layers: simplification tolerance (metres) and decimals of the written coordinates.
WEB_SIMPLIFY = {
    "kabupaten": (100.0, 4),
    "kecamatan": (100.0, 4),
    "sarawak": (200.0, 4),
    "border": (100.0, 4),
    "desa": (60.0, 4),
}
#: Budgets from the product design: context layers together, and all desa.
WEB_BUDGET_BYTES = {"context": 1_000_000, "desa": 2_500_000}
WEB_MAX_DESA_DISPLACEMENT_M = 250.0

_LICENSES = {
    "id-wilayah-boundaries": "LICENSE",
    "id-wilayah": "LICENSE",
    "my-districts": "LICENSE.md",
}


def _km2(frame: gpd.GeoDataFrame) -> pd.Series:
    return frame.geometry.area / 1e6


def read_raw(raw: Path) -> dict[str, gpd.GeoDataFrame | pd.DataFrame]:
    """Read every raw source the build needs, reprojected to the metric CRS."""
    boundaries = raw / "id-wilayah-boundaries"
    desa_files = sorted((boundaries / "desa_61").glob("*.sql"))
    if not desa_files:
        raise FileNotFoundError(f"no desa files under {boundaries / 'desa_61'}")
    desa = pd.concat([_sources.read_boundaries(p) for p in desa_files], ignore_index=True)
    return {
        "kabupaten": _sources.read_boundaries(boundaries / "kab_61.sql").to_crs(METRIC_CRS),
        "kecamatan": _sources.read_boundaries(boundaries / "kec_61.sql").to_crs(METRIC_CRS),
        "desa": gpd.GeoDataFrame(desa, crs=STORAGE_CRS).to_crs(METRIC_CRS),
        "codes": _sources.read_codes(raw / "id-wilayah" / "wilayah_61.sql"),
        "population": _sources.read_population(raw / "id-wilayah" / "wilayah_penduduk.sql"),
        "area": _sources.read_official_area(raw / "id-wilayah" / "wilayah_luas.sql"),
        "sarawak": _sources.read_malaysia_districts(
            raw / "my-districts" / "district_map.ts"
        ).to_crs(METRIC_CRS),
    }


def _unit_type(code: str, name: str) -> str:
    level = code_level(code)
    if level == "kabupaten":
        return "kota" if name.startswith("Kota ") else "kabupaten"
    if level == "desa":
        return "kelurahan" if code[9] == "1" else "desa"
    return level or "provinsi"


def _short_name(name: str) -> str:
    for prefix in ("Kabupaten ", "Kota "):
        if name.startswith(prefix):
            return name.removeprefix(prefix)
    return name


def _with_parents(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    frame = frame.copy()
    frame["unit_type"] = [_unit_type(c, n) for c, n in zip(frame.code, frame.name, strict=True)]
    frame["kabupaten_code"] = frame.code.str[: CODE_LENGTH["kabupaten"]]
    if frame.code.str.len().max() > CODE_LENGTH["kecamatan"]:
        frame["kecamatan_code"] = frame.code.str[: CODE_LENGTH["kecamatan"]]
    return frame


def build_units(raw: dict) -> tuple[dict[str, gpd.GeoDataFrame], dict[str, float]]:
    """Clean and nest the three levels; return them and the overlap removed (km²)."""
    overlaps = {
        level: round(overlap_area(raw[level].geometry) / 1e6, 1)
        for level in ("kabupaten", "kecamatan", "desa")
    }
    kabupaten = _with_parents(raw["kabupaten"])
    kabupaten["geometry"] = clean_coverage(kabupaten.geometry)
    kecamatan = nest_coverage(
        _with_parents(raw["kecamatan"]), kabupaten, parent_code_column="kabupaten_code"
    )
    desa = nest_coverage(_with_parents(raw["desa"]), kecamatan, parent_code_column="kecamatan_code")
    units = {"kabupaten": kabupaten, "kecamatan": kecamatan, "desa": desa}
    for frame in units.values():
        frame["area_km2"] = _km2(frame)
        del frame["centroid_lat"], frame["centroid_lon"]
    kabupaten["short_name"] = kabupaten.name.map(_short_name)
    kabupaten = kabupaten.merge(raw["population"], on="code", how="left")
    kabupaten = kabupaten.merge(raw["area"], on="code", how="left")
    kabupaten["density_per_km2"] = kabupaten.population / kabupaten.area_official_km2
    units["kabupaten"] = kabupaten
    return units, overlaps


def build_gazetteer(codes: pd.DataFrame, units: dict[str, gpd.GeoDataFrame]) -> pd.DataFrame:
    """Every Kalbar code and name, with level, parents and a representative point."""
    gazetteer = codes.copy()
    gazetteer["level"] = code_level(gazetteer.code)
    gazetteer["unit_type"] = [
        _unit_type(c, n) for c, n in zip(gazetteer.code, gazetteer.name, strict=True)
    ]
    gazetteer["short_name"] = gazetteer.name.map(_short_name)
    gazetteer["parent_code"] = (
        gazetteer.code.str.rsplit(".", n=1).str[0].where(gazetteer.level != "provinsi")
    )
    gazetteer["kabupaten_code"] = gazetteer.code.str[:5].where(gazetteer.code.str.len() >= 5)
    gazetteer["kecamatan_code"] = gazetteer.code.str[:8].where(gazetteer.code.str.len() >= 8)
    points = pd.concat(
        [
            gpd.GeoSeries(
                frame.geometry.representative_point().values, index=frame.code, crs=frame.crs
            ).to_crs(STORAGE_CRS)
            for frame in units.values()
        ]
    )
    gazetteer["has_geometry"] = gazetteer.code.isin(points.index)
    gazetteer["lat"] = gazetteer.code.map(points.y).round(6)
    gazetteer["lon"] = gazetteer.code.map(points.x).round(6)
    columns = ["code", "name", "short_name", "level", "unit_type", "parent_code"]
    return gazetteer[[*columns, "kabupaten_code", "kecamatan_code", "has_geometry", "lat", "lon"]]


def _write_web_layer(
    frame: gpd.GeoDataFrame, name: str, path: Path, *, columns: list[str]
) -> dict[str, float]:
    tolerance_m, decimals = WEB_SIMPLIFY[name]
    web = web_version(frame, tolerance_m=tolerance_m, decimals=decimals)
    sizes = write_geojson(web, path, columns=columns)
    return {
        **sizes,
        "max_displacement_m": round(displacement_m(frame, web), 1),
        "tolerance_m": tolerance_m,
    }


def _write_web(
    units: dict[str, gpd.GeoDataFrame],
    sarawak: gpd.GeoDataFrame,
    border: gpd.GeoDataFrame,
    web_dir: Path,
) -> dict[str, dict]:
    """Write the simplified GeoJSON layers; return size and displacement per layer.

    Desa are written one file per kabupaten (``web/desa/61.01.geojson``) so the map can load
    them on demand; their figures are totals over all files.
    """
    if web_dir.exists():
        shutil.rmtree(web_dir)
    (web_dir / "desa").mkdir(parents=True)
    unit_columns = ["code", "name"]
    figures: dict[str, dict] = {
        "kabupaten": _write_web_layer(
            units["kabupaten"], "kabupaten", web_dir / "kabupaten.geojson", columns=unit_columns
        ),
        "kecamatan": _write_web_layer(
            units["kecamatan"], "kecamatan", web_dir / "kecamatan.geojson", columns=unit_columns
        ),
        "sarawak": _write_web_layer(
            sarawak, "sarawak", web_dir / "sarawak.geojson", columns=["code", "name"]
        ),
        "border": _write_web_layer(
            border, "border", web_dir / "border.geojson", columns=["length_km"]
        ),
    }
    desa = units["desa"]
    tolerance_m, decimals = WEB_SIMPLIFY["desa"]
    web_desa = web_version(desa, tolerance_m=tolerance_m, decimals=decimals)
    per_kabupaten = [
        write_geojson(group, web_dir / "desa" / f"{code}.geojson", columns=unit_columns)
        for code, group in web_desa.groupby("kabupaten_code")
    ]
    figures["desa"] = {
        "bytes": sum(f["bytes"] for f in per_kabupaten),
        "vertices": sum(f["vertices"] for f in per_kabupaten),
        "max_displacement_m": round(displacement_m(desa, web_desa), 1),
        "tolerance_m": tolerance_m,
    }
    _check_web_budgets(figures)
    return figures


def _check_web_budgets(figures: dict[str, dict]) -> None:
    context = sum(figures[n]["bytes"] for n in ("kabupaten", "kecamatan", "sarawak", "border"))
    problems = []
    if context > WEB_BUDGET_BYTES["context"]:
        problems.append(f"context layers {context:,} B > {WEB_BUDGET_BYTES['context']:,} B")
    if figures["desa"]["bytes"] > WEB_BUDGET_BYTES["desa"]:
        problems.append(f"desa {figures['desa']['bytes']:,} B > {WEB_BUDGET_BYTES['desa']:,} B")
    if figures["desa"]["max_displacement_m"] > WEB_MAX_DESA_DISPLACEMENT_M:
        problems.append(f"desa displacement {figures['desa']['max_displacement_m']} m > 250 m")
    if problems:
        raise GeodataError(
            "the web geodata should fit the budget, got " + "; ".join(problems) + "; simplify "
            "more in geodata/build/_web.py or, if the pages stay fast, raise WEB_BUDGET_BYTES"
        )


def _write_attribution(raw: Path, out: Path) -> None:
    licenses = out / "licenses"
    licenses.mkdir(exist_ok=True)
    for folder, filename in _LICENSES.items():
        shutil.copyfile(raw / folder / filename, licenses / f"{folder}-{filename}")


def build(raw: Path, out: Path = DATA_DIR) -> dict:
    """Run the whole build from ``raw`` into ``out`` and return the build report."""
    started = time.perf_counter()
    sources = read_raw(raw)
    units, overlaps = build_units(sources)
    sarawak = sources["sarawak"].rename(columns={"district": "name", "code_state_district": "code"})
    sarawak["geometry"] = clean_coverage(sarawak.geometry)
    sarawak["area_km2"] = _km2(sarawak)
    province = shapely.union_all(units["kabupaten"].geometry.values)
    border_line = derive_border(province, shapely.union_all(sarawak.geometry.values))
    border = gpd.GeoDataFrame(
        {
            "name": ["Batas darat Kalbar–Sarawak (turunan)"],
            "length_km": [round(border_line.length / 1000, 1)],
            "official_length_km": [OFFICIAL_BORDER_LENGTH_KM],
            "source": ["derived from id-wilayah-boundaries and my-districts"],
        },
        geometry=[border_line],
        crs=METRIC_CRS,
    )
    for frame in (*units.values(), sarawak):
        frame[border_relations(frame, border_line).columns] = border_relations(frame, border_line)
    plbn = place_plbn(units["desa"], border_line)
    gazetteer = build_gazetteer(sources["codes"], units)

    out.mkdir(parents=True, exist_ok=True)
    gpkg = out / "kalbar.gpkg"
    gpkg.unlink(missing_ok=True)
    layers = {**units, "sarawak_districts": sarawak, "border": border, "plbn": plbn}
    for name, frame in layers.items():
        frame.to_crs(STORAGE_CRS).to_file(gpkg, layer=name, driver="GPKG")
    gazetteer.to_csv(out / "gazetteer.csv", index=False)
    web = _write_web(units, sarawak, border, out / "web")
    _write_attribution(raw, out)

    report = {
        "features": {name: len(frame) for name, frame in layers.items()},
        "gazetteer_codes": len(gazetteer),
        "desa_without_geometry": int(((gazetteer.level == "desa") & ~gazetteer.has_geometry).sum()),
        "overlap_removed_km2": overlaps,
        "border_length_km": float(border.length_km.iloc[0]),
        "official_border_length_km": OFFICIAL_BORDER_LENGTH_KM,
        "province_area_km2": round(province.area / 1e6, 1),
        "web": web,
        "build_seconds": round(time.perf_counter() - started, 1),
    }
    (out / "build_report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    log.info("Built geodata in %.1f s: %s", report["build_seconds"], report["features"])
    return report


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog="python -m geodata.build", description=__doc__)
    parser.add_argument("--raw", type=Path, default=DEFAULT_RAW_DIR, help="raw sources folder")
    parser.add_argument("--out", type=Path, default=DATA_DIR, help="output folder")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    report = build(args.raw, args.out)
    print(json.dumps(report, indent=2))
    return 0
