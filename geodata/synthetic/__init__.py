"""The synthetic sub-package: the seeded generator of the demo data (cases, crossings,
shelters), every record labelled synthetic. Reads the reference data and the record
schemas; the store and the app never depend on it except to show the demo.

Synthetic demo data: invented trafficking cases, border crossings and shelters.

There are no real case records in this project. Everything this module writes is invented,
seeded and reproducible, and every invented record carries ``synthetic = true``. The only
real records are the five official border posts (PLBN) from :func:`geodata.reference.load_plbn`,
which keep ``synthetic = false`` and their derived positions. The positions of the unofficial
crossings are invented: they are never intelligence.

The committed sample (``geodata/sample``) is written by ``python -m geodata.synthetic``. Its
2024 totals equal the public Kalimantan Barat figures (54 cases, 175 victims); other years
are plausible but invented. ``generate_cases(100_000, seed=...)`` makes a large set for
benchmarks in a few seconds.

Examples
--------
>>> from geodata.synthetic import generate_sample
>>> sample = generate_sample(seed=1)
>>> sample.cases["synthetic"].all()
np.True_
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final, TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from geodata import reference
from geodata.errors import GeodataError
from geodata.settings import METRIC_CRS, SAMPLE_DIR, STORAGE_CRS

log = logging.getLogger(__name__)
_K = TypeVar("_K")

#: Seed of the committed sample (the date of the Anti-TPPO Declaration, 20 June 2025).
DEFAULT_SEED: Final = 20250620
#: Years of the sample, by date reported (inclusive).
DEFAULT_YEARS: Final = (2020, 2025)
#: Public Kalbar figures the sample must match exactly: year -> (cases, victims) (FACTS.md).
PUBLIC_TOTALS: Final[Mapping[int, tuple[int, int]]] = {2024: (54, 175)}
#: Number of invented unofficial crossings ("more than 70", Minister P2MI, June 2025).
DEFAULT_UNOFFICIAL_CROSSINGS: Final = 72
#: Range of cases per year in years without a public figure (inclusive).
CASES_PER_YEAR_RANGE: Final = (35, 70)
#: Expected cases in years without a public figure: fewer while the border was closed
#: (COVID-19, 2020–2021), more as mobility returned. Other years expect 50.
EXPECTED_CASES_PER_YEAR: Final[Mapping[int, float]] = {
    2020: 44.0,
    2021: 38.0,
    2022: 49.0,
    2023: 58.0,
    2025: 61.0,
}

SOURCE_SYNTHETIC: Final = "synthetic: geodata.synthetic seed={seed}"
SOURCE_CROSSING: Final = "synthetic: invented position, not intelligence; seed={seed}"
SOURCE_PLBN: Final = "public: FACTS.md; position derived"
NOTE_PREFIX: Final = "[SINTETIS]"

CASE_COLUMNS: Final = (
    "case_id", "date_reported", "date_incident", "lon", "lat", "admin_code",
    "location_precision", "victims_female_adult", "victims_female_child",
    "victims_male_adult", "victims_male_child", "exploitation", "destination_country",
    "destination_state", "crossing_type", "crossing_id", "status", "source", "note",
    "synthetic",
)  # fmt: skip
CROSSING_COLUMNS: Final = (
    "crossing_id", "name", "kind", "lon", "lat", "status", "last_verified", "source",
    "synthetic",
)  # fmt: skip
SHELTER_COLUMNS: Final = (
    "shelter_id", "name", "operator", "capacity", "services", "lon", "lat", "admin_code",
    "confidential", "source", "synthetic",
)  # fmt: skip

_VICTIM_COLUMNS: Final = CASE_COLUMNS[7:11]
_COORD_DECIMALS: Final = 6
# Independent random streams, so each table depends only on the seed, not on the others.
_STREAM: Final = {"crossings": 1, "shelters": 2, "cases": 3}

# Kabupaten on the land border, with the abbreviation used in crossing names.
_BORDER_KABUPATEN: Final = {
    "61.01": "SBS",  # Sambas
    "61.07": "BKY",  # Bengkayang
    "61.03": "SGU",  # Sanggau
    "61.05": "STG",  # Sintang
    "61.06": "KPH",  # Kapuas Hulu
}
# Known origin areas of victims (Pontianak, Kubu Raya, Singkawang, Sambas).
_ORIGIN_KABUPATEN: Final = frozenset({"61.71", "61.12", "61.72", "61.01"})

# How often each PLBN is used by cases that cross officially (Entikong carries most traffic).
_PLBN_USE: Final = {
    "PLBN-ENTIKONG": 4.0,
    "PLBN-ARUK": 1.5,
    "PLBN-JAGOI-BABANG": 1.0,
    "PLBN-NANGA-BADAU": 1.0,
    "PLBN-JASA": 0.3,
}
# Weight of each PLBN as a corridor that attracts unofficial crossings.
_PLBN_CORRIDOR: Final = {
    "PLBN-ENTIKONG": 0.32,
    "PLBN-ARUK": 0.22,
    "PLBN-JAGOI-BABANG": 0.2,
    "PLBN-NANGA-BADAU": 0.16,
    "PLBN-JASA": 0.1,
}

_EXPLOITATION: Final = {"labour": 0.58, "sexual": 0.27, "forced_marriage": 0.07, "other": 0.08}
# Victim sex/age shares by exploitation: female adult, female child, male adult, male child.
_VICTIM_SHARES: Final = {
    "labour": (0.36, 0.08, 0.46, 0.10),
    "sexual": (0.62, 0.34, 0.02, 0.02),
    "forced_marriage": (0.55, 0.45, 0.0, 0.0),
    "other": (0.35, 0.2, 0.3, 0.15),
}
# Victims per case, 1 to 10, skewed small (mean about 3.3).
_VICTIMS_PER_CASE: Final = (0.30, 0.20, 0.14, 0.10, 0.08, 0.06, 0.04, 0.03, 0.03, 0.02)
# Destination (country, state) shares; forced-marriage cases have their own.
_DESTINATIONS: Final = {
    ("MY", "Sarawak"): 0.60,
    ("MY", "Sabah"): 0.10,
    ("MY", "Kuala Lumpur"): 0.05,
    ("MY", "Johor"): 0.03,
    ("MY", "Selangor"): 0.02,
    ("ID", ""): 0.20,
}
_DESTINATIONS_MARRIAGE: Final = {("CN", ""): 0.6, ("ID", ""): 0.25, ("MY", "Sarawak"): 0.15}
# How a Malaysia-bound case crossed: about one official for every three non-procedural.
_CROSSING_TYPE: Final = {"unofficial": 0.55, "official": 0.22, "unknown": 0.23}
_PRECISION: Final = {"desa": 0.6, "exact": 0.2, "kecamatan": 0.12, "kabupaten": 0.08}
_STATUS: Final = ("reported", "investigation", "prosecution", "verdict")
# Case status shares by age of the case at the end of the period (years, upper bound).
_STATUS_BY_AGE: Final = (
    (0.5, (0.5, 0.4, 0.1, 0.0)),
    (1.5, (0.15, 0.45, 0.25, 0.15)),
    (3.0, (0.05, 0.25, 0.25, 0.45)),
    (np.inf, (0.03, 0.12, 0.15, 0.70)),
)
_INCIDENT_MISSING: Final = 0.05
_INCIDENT_LAG_MEAN_DAYS: Final = 45
_INCIDENT_LAG_MAX_DAYS: Final = 730

_NOTES: Final = {
    "labour": (
        "Korban dijanjikan kerja di perkebunan sawit",
        "Korban dijanjikan kerja di proyek konstruksi",
        "Korban dijanjikan kerja sebagai asisten rumah tangga",
        "Korban direkrut untuk kerja di kapal penangkap ikan",
        "Korban dijanjikan kerja di pabrik, upah tidak dibayar dan dokumen ditahan",
    ),
    "sexual": (
        "Korban dijanjikan kerja di restoran, lalu dieksploitasi secara seksual",
        "Korban direkrut melalui media sosial untuk kerja di tempat hiburan",
        "Korban dijanjikan kerja di salon, lalu dieksploitasi secara seksual",
    ),
    "forced_marriage": (
        "Korban dijodohkan melalui perantara dengan imbalan uang",
        "Korban dijanjikan pernikahan dan kehidupan layak oleh perantara",
    ),
    "other": (
        "Korban dijanjikan pekerjaan yang tidak sesuai kenyataan",
        "Rincian eksploitasi belum dicatat",
    ),
}
_NOTE_ROUTE: Final = {
    "unofficial": "berangkat melalui jalur tidak resmi",
    "official": "berangkat melalui PLBN tanpa dokumen kerja",
    "unknown": "jalur keberangkatan tidak diketahui",
}

# Share of the unofficial crossings in each border kabupaten: by border length, raised
# where a PLBN corridor and roads meet the border (Sambas, Bengkayang, Sanggau).
_CROSSING_SHARE: Final = {"61.01": 0.16, "61.07": 0.16, "61.03": 0.22, "61.05": 0.14, "61.06": 0.32}
_CROSSING_STATUS: Final = {"active": 0.7, "unverified": 0.2, "closed": 0.1}
_RIVER_SHARE: Final = {"61.05": 0.3, "61.06": 0.3}
_RIVER_SHARE_DEFAULT: Final = 0.1
_CROSSING_OFFSET_KM: Final = (0.3, 5.0)
_CROSSING_MIN_SPACING_KM: Final = 2.0
_CORRIDOR_SHARE: Final = 0.55
_CORRIDOR_SIGMA_KM: Final = 15.0
_VERIFIED_RANGE: Final = (dt.date(2023, 1, 1), dt.date(2025, 12, 31))

# Synthetic shelters: (id, name, operator, capacity, services, desa code, confidential).
# The names are invented; a "Rumah Ramah"-type service exists in Pontianak (KP2MI news).
_SHELTERS: Final = (
    ("SYN-SH-01", "Layanan tipe Rumah Ramah Pontianak (sintetis)", "BP3MI", 40,
     "shelter;legal;health;repatriation", "61.71.01.1005", False),
    ("SYN-SH-02", "Rumah Aman UPTD PPA Provinsi (sintetis)", "UPTD PPA", 24,
     "shelter;legal;psychosocial;health", "61.71.05.1003", True),
    ("SYN-SH-03", "Rumah Perlindungan Sosial Pontianak (sintetis)", "Dinas Sosial", 60,
     "shelter;reintegration;other", "61.71.04.1002", False),
    ("SYN-SH-04", "Rumah Singgah LSM Pontianak Timur (sintetis)", "NGO", 12,
     "shelter;psychosocial;reintegration", "61.71.02.1003", True),
    ("SYN-SH-05", "Pos Layanan Pekerja Migran Entikong (sintetis)", "BP3MI", 30,
     "shelter;repatriation;health", "61.03.21.2003", False),
    ("SYN-SH-06", "Rumah Aman LSM Entikong (sintetis)", "NGO", 8,
     "shelter;psychosocial;legal", "61.03.21.2002", True),
    ("SYN-SH-07", "Rumah Aman UPTD PPA Sanggau (sintetis)", "UPTD PPA", 15,
     "shelter;legal;psychosocial", "61.03.01.1005", True),
    ("SYN-SH-08", "Pos Layanan Pekerja Migran Sambas (sintetis)", "BP3MI", 20,
     "shelter;repatriation;legal", "61.01.01.2005", False),
    ("SYN-SH-09", "Pos Singgah Aruk (sintetis)", "Dinas Sosial", 10,
     "shelter;repatriation", "61.01.09.2002", False),
    ("SYN-SH-10", "Pos Singgah Jagoi Babang (sintetis)", "other", 6,
     "shelter;health", "61.07.07.2001", False),
    ("SYN-SH-11", "Pos Singgah Badau (sintetis)", "Dinas Sosial", 10,
     "shelter;repatriation;health", "61.06.14.2001", False),
    ("SYN-SH-12", "Rumah Aman Putussibau (sintetis)", "UPTD PPA", 8,
     "shelter;psychosocial", "61.06.01.1002", True),
    ("SYN-SH-13", "Rumah Perlindungan Sosial Sintang (sintetis)", "Dinas Sosial", 20,
     "shelter;health;reintegration", "61.05.01.1003", False),
    ("SYN-SH-14", "Rumah Aman LSM Singkawang (sintetis)", "NGO", 10,
     "shelter;legal;psychosocial;reintegration", "61.72.01.1001", True),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class SyntheticSample:
    """The three synthetic tables, with the columns of :mod:`geodata.records.schemas`.

    Attributes
    ----------
    cases
        Trafficking cases, one row per case.
    crossings
        The five PLBN (real, ``synthetic = false``) and the invented unofficial crossings.
    shelters
        Invented shelters and service posts.
    seed
        The seed they were generated with.
    """

    cases: pd.DataFrame
    crossings: pd.DataFrame
    shelters: pd.DataFrame
    seed: int


# --------------------------------------------------------------------------- public API


def generate_sample(*, seed: int | None = None) -> SyntheticSample:
    """Generate the committed demo sample: cases, crossings and shelters.

    Parameters
    ----------
    seed
        Random seed; ``None`` uses :data:`DEFAULT_SEED`. The same seed gives the same tables.

    Returns
    -------
    SyntheticSample
        Cases 2020–2025 whose 2024 totals equal :data:`PUBLIC_TOTALS`, the crossings and
        the shelters.
    """
    seed = _check_seed(seed)
    crossings = generate_crossings(seed=seed)
    cases = generate_cases(seed=seed, crossings=crossings)
    shelters = generate_shelters(seed=seed)
    return SyntheticSample(cases=cases, crossings=crossings, shelters=shelters, seed=seed)


def generate_cases(
    n: int | None = None,
    *,
    seed: int | None = None,
    crossings: pd.DataFrame | None = None,
    years: tuple[int, int] = DEFAULT_YEARS,
    pinned: Mapping[int, tuple[int, int]] | None = None,
) -> pd.DataFrame:
    """Generate synthetic trafficking cases.

    Parameters
    ----------
    n
        Number of cases. ``None`` draws 35–70 cases for each year without a pinned figure
        around :data:`EXPECTED_CASES_PER_YEAR` (the demo sample); an integer spreads ``n``
        cases evenly over the years (benchmarks).
    seed
        Random seed; ``None`` uses :data:`DEFAULT_SEED`.
    crossings
        Crossings the cases may refer to, as from :func:`generate_crossings`; ``None``
        generates them with the same seed.
    years
        First and last year of ``date_reported``, inclusive; the last year must be over.
    pinned
        ``{year: (cases, victims)}`` totals to match exactly. ``None`` uses
        :data:`PUBLIC_TOTALS` when ``n`` is ``None`` and nothing when ``n`` is given; pass
        ``{}`` to pin nothing.

    Returns
    -------
    pandas.DataFrame
        One row per case, columns :data:`CASE_COLUMNS`, sorted by ``case_id``.
    """
    started = time.perf_counter()
    seed = _check_seed(seed)
    if pinned is None:
        pinned = PUBLIC_TOTALS if n is None else {}
    _check_case_options(n, years=years, pinned=pinned)
    if crossings is None:
        crossings = generate_crossings(seed=seed)
    _check_crossings(crossings)
    rng = _rng(seed, "cases")
    year_counts = _cases_per_year(n, years=years, pinned=pinned, rng=rng)
    frame = _build_cases(year_counts, pinned=pinned, crossings=crossings, seed=seed, rng=rng)
    log.info("Generated %d synthetic cases in %.2f s", len(frame), time.perf_counter() - started)
    return frame


def generate_crossings(
    *, seed: int | None = None, n_unofficial: int = DEFAULT_UNOFFICIAL_CROSSINGS
) -> pd.DataFrame:
    """The five PLBN and invented unofficial crossings along the land border.

    Unofficial crossings lie inside Kalbar, 0.3–5 km from the border line, spread along it
    and denser near the PLBN corridors. Their positions are invented, never intelligence.

    Parameters
    ----------
    seed
        Random seed; ``None`` uses :data:`DEFAULT_SEED`.
    n_unofficial
        Number of unofficial crossings (land tracks and river routes).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`CROSSING_COLUMNS`: the PLBN first, then the unofficial crossings by
        kabupaten and along the border.
    """
    seed = _check_seed(seed)
    if isinstance(n_unofficial, bool) or not isinstance(n_unofficial, int):
        raise TypeError(f"`n_unofficial` should be an int, got {type(n_unofficial).__name__}")
    if not 0 <= n_unofficial <= 500:
        raise GeodataError(f"`n_unofficial` should be between 0 and 500, got {n_unofficial}")
    rng = _rng(seed, "crossings")
    unofficial = _unofficial_crossings(n_unofficial, rng=rng, seed=seed)
    frame = pd.concat([plbn_crossings(), unofficial], ignore_index=True)
    log.info("Generated %d crossings (%d unofficial)", len(frame), len(unofficial))
    return _with_columns(frame, CROSSING_COLUMNS)


def generate_shelters(*, seed: int | None = None) -> pd.DataFrame:
    """Invented shelters and service posts in Pontianak and the border towns.

    Parameters
    ----------
    seed
        Random seed; ``None`` uses :data:`DEFAULT_SEED`. It places each shelter at a random
        point inside its desa.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SHELTER_COLUMNS`.
    """
    seed = _check_seed(seed)
    rng = _rng(seed, "shelters")
    desa = _desa_table()
    frame = pd.DataFrame(
        list(_SHELTERS),
        columns=["shelter_id", "name", "operator", "capacity", "services", "admin_code",
                 "confidential"],
    )  # fmt: skip
    rows = desa.index_of(frame["admin_code"].to_numpy())
    lon, lat = sample_points_in(desa.geometry[rows], rng=rng)
    frame["lon"] = lon
    frame["lat"] = lat
    frame["capacity"] = frame["capacity"].astype("int64")
    frame["source"] = SOURCE_SYNTHETIC.format(seed=seed)
    frame["synthetic"] = True
    return _with_columns(frame, SHELTER_COLUMNS)


def sample_points_in(
    geometries: np.ndarray | Sequence[BaseGeometry],
    *,
    rng: np.random.Generator,
    max_rounds: int = 500,
) -> tuple[np.ndarray, np.ndarray]:
    """One uniform random point inside each polygon, vectorised.

    Each point first picks one part of its (multi)polygon, with probability proportional
    to the part's area, so island villages do not waste draws on open sea. Then each round
    draws one candidate per pending point inside its part's bounding box, rounds it to 6
    decimals and keeps those the part contains (``shapely.contains_xy`` on prepared
    geometries). 100,000 points take well under a second.

    Parameters
    ----------
    geometries
        Polygons or multipolygons in EPSG:4326, one per wanted point (repeat a polygon to
        get more points in it).
    rng
        Random generator.
    max_rounds
        Rounds before the points still pending get their part's ``point_on_surface``.

    Returns
    -------
    tuple of numpy.ndarray
        Longitudes and latitudes, rounded to 6 decimals.
    """
    parts = _pick_parts(np.asarray(geometries, dtype=object), rng=rng)
    shapely.prepare(parts)
    bounds = shapely.bounds(parts)
    lon = np.full(len(parts), np.nan)
    lat = np.full(len(parts), np.nan)
    pending = np.arange(len(parts))
    for _ in range(max_rounds):
        if not len(pending):
            break
        box = bounds[pending]
        x = np.round(rng.uniform(box[:, 0], box[:, 2]), _COORD_DECIMALS)
        y = np.round(rng.uniform(box[:, 1], box[:, 3]), _COORD_DECIMALS)
        inside = shapely.contains_xy(parts[pending], x, y)
        lon[pending[inside]] = x[inside]
        lat[pending[inside]] = y[inside]
        pending = pending[~inside]
    if len(pending):
        log.warning("%d points fell back to point_on_surface", len(pending))
        fallback = shapely.point_on_surface(parts[pending])
        lon[pending] = shapely.get_x(fallback)
        lat[pending] = shapely.get_y(fallback)
    return lon, lat


def _pick_parts(geoms: np.ndarray, *, rng: np.random.Generator) -> np.ndarray:
    """For each geometry, one of its polygon parts, chosen with probability ∝ area."""
    keys = np.fromiter((id(geom) for geom in geoms), dtype=np.int64, count=len(geoms))
    _, first, owner_of_point = np.unique(keys, return_index=True, return_inverse=True)
    parts, owner = shapely.get_parts(geoms[first], return_index=True)
    area = shapely.area(parts)
    total = np.bincount(owner, weights=area, minlength=len(first))
    # Cumulative area share within each owner, offset by the owner's number: one sorted
    # array in which ``owner + u`` (u uniform in [0, 1)) falls into a part of that owner.
    within = pd.Series(area).groupby(owner).cumsum().to_numpy() / total[owner]
    cumulative = owner + within
    u = rng.random(len(geoms))
    picked = np.searchsorted(cumulative, owner_of_point + u, side="right")
    # Guard against rounding at the top of an owner's range.
    last_part = np.searchsorted(owner, owner_of_point, side="right") - 1
    return parts[np.minimum(picked, last_part)]


def write_sample(
    out_dir: Path | str | None = None,
    *,
    seed: int | None = None,
    n_cases: int | None = None,
) -> dict[str, Path]:
    """Generate and write ``cases.csv``, ``crossings.csv`` and ``shelters.csv``.

    The same seed writes byte-identical files (UTF-8, ``\\n`` line ends, coordinates with 6
    decimals, dates ``YYYY-MM-DD``, booleans ``true``/``false``, empty cells for missing).

    Parameters
    ----------
    out_dir
        Folder to write to; ``None`` uses ``settings.SAMPLE_DIR``. Created if missing.
    seed
        Random seed; ``None`` uses :data:`DEFAULT_SEED`.
    n_cases
        Number of cases; ``None`` writes the demo sample pinned to the public 2024 figures.

    Returns
    -------
    dict of str to pathlib.Path
        ``{"cases": ..., "crossings": ..., "shelters": ...}``.
    """
    seed = _check_seed(seed)
    folder = Path(out_dir) if out_dir is not None else SAMPLE_DIR
    folder.mkdir(parents=True, exist_ok=True)
    crossings = generate_crossings(seed=seed)
    tables = {
        "cases": generate_cases(n_cases, seed=seed, crossings=crossings),
        "crossings": crossings,
        "shelters": generate_shelters(seed=seed),
    }
    paths = {}
    for name, frame in tables.items():
        paths[name] = folder / f"{name}.csv"
        write_csv(frame, paths[name])
        log.info("Wrote %d rows to %s", len(frame), paths[name])
    return paths


def write_csv(frame: pd.DataFrame, path: Path | str) -> Path:
    """Write a synthetic table as a byte-stable CSV.

    Parameters
    ----------
    frame
        A table from one of the ``generate_*`` functions.
    path
        Destination file.

    Returns
    -------
    pathlib.Path
        The path written.
    """
    path = Path(path)
    _format_for_csv(frame).to_csv(path, index=False, lineterminator="\n", encoding="utf-8")
    return path


def summarise(sample: SyntheticSample) -> dict[str, object]:
    """Figures of a sample: cases and victims per year, top kabupaten, crossings, shelters.

    Parameters
    ----------
    sample
        A generated sample.

    Returns
    -------
    dict
        Plain figures, ready to print or compare.
    """
    cases = sample.cases
    victims = cases.loc[:, list(_VICTIM_COLUMNS)].sum(axis=1)
    year = cases["date_reported"].dt.year
    kabupaten = cases["admin_code"].str.slice(0, 5)
    crossings = sample.crossings
    return {
        "cases_per_year": year.value_counts().sort_index().to_dict(),
        "victims_per_year": victims.groupby(year).sum().to_dict(),
        "victims_by_group": cases.loc[:, list(_VICTIM_COLUMNS)].sum().to_dict(),
        "top_kabupaten": kabupaten.value_counts().head(5).to_dict(),
        "crossings_by_kind_status": crossings.groupby(["kind", "status"]).size().to_dict(),
        "shelters_by_operator": sample.shelters["operator"].value_counts().to_dict(),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m geodata.synthetic [--seed N] [--out DIR] [--cases N]``."""
    parser = argparse.ArgumentParser(
        prog="python -m geodata.synthetic",
        description="Write the synthetic demo data (every record is invented).",
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
    parser.add_argument("--out", type=Path, default=SAMPLE_DIR, help="output folder")
    parser.add_argument(
        "--cases", type=int, default=None, help="number of cases (default: the demo sample)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    started = time.perf_counter()
    paths = write_sample(args.out, seed=args.seed, n_cases=args.cases)
    elapsed = time.perf_counter() - started
    for name, path in paths.items():
        print(f"{name:<10} {path}")
    print(f"done in {elapsed:.2f} s (seed {args.seed})")
    return 0


# --------------------------------------------------------------------------- validation


def _check_seed(seed: int | None) -> int:
    if seed is None:
        return DEFAULT_SEED
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise TypeError(f"`seed` should be an int or None, got {type(seed).__name__}")
    if seed < 0:
        raise GeodataError(f"`seed` should be >= 0, got {seed}")
    return int(seed)


def _check_crossings(crossings: object) -> None:
    if not isinstance(crossings, pd.DataFrame):
        raise TypeError(f"`crossings` should be a DataFrame, got {type(crossings).__name__}")
    needed = ("crossing_id", "kind", "lon", "lat", "status")
    missing = [column for column in needed if column not in crossings.columns]
    if missing:
        raise GeodataError(
            f"`crossings` should have the columns {needed}, it lacks {missing}; "
            "pass a frame from generate_crossings() or load_crossings().frame"
        )


def _check_case_options(
    n: int | None, *, years: tuple[int, int], pinned: Mapping[int, tuple[int, int]]
) -> None:
    if n is not None and (isinstance(n, bool) or not isinstance(n, int | np.integer)):
        raise TypeError(f"`n` should be an int or None, got {type(n).__name__}")
    problems: list[str] = []
    first, last = years
    if not 2000 <= first <= last:
        problems.append(f"`years` should be (first, last) with 2000 <= first <= last, got {years}")
    if dt.date(last, 12, 31) >= dt.date.today():
        problems.append(f"`years` should end with a finished year, got {last}")
    for year, (cases, victims) in pinned.items():
        if not first <= year <= last:
            problems.append(f"`pinned` year {year} is outside `years` {years}")
        if not 1 <= cases <= victims <= 10 * cases:
            problems.append(
                f"`pinned` {year}: expected 1 <= cases <= victims <= 10 * cases "
                f"(1 to 10 victims a case), got {cases} cases and {victims} victims"
            )
    pinned_cases = sum(cases for cases, _ in pinned.values())
    free_years = (last - first + 1) - len(pinned)
    if n is not None and (n < pinned_cases or (free_years == 0 and n != pinned_cases)):
        problems.append(
            f"`n` should be at least the {pinned_cases} pinned cases (exactly, if every year "
            f"is pinned), got {n}; pass `pinned={{}}` to pin nothing"
        )
    if n is not None and n < 1:
        problems.append(f"`n` should be >= 1, got {n}")
    if problems:
        raise GeodataError("Invalid options for generate_cases:\n- " + "\n- ".join(problems))


# --------------------------------------------------------------------------- reference tables


def _rng(seed: int, stream: str) -> np.random.Generator:
    return np.random.default_rng([seed, _STREAM[stream]])


@dataclass(frozen=True)
class _DesaTable:
    """Desa arrays used by the generators (read-only, cached)."""

    code: np.ndarray
    kecamatan_code: np.ndarray
    kabupaten_code: np.ndarray
    geometry: np.ndarray
    label_lon: np.ndarray
    label_lat: np.ndarray
    label_xy: np.ndarray  # label points in METRIC_CRS, metres
    weight: np.ndarray  # probability of being a case's place of origin

    def index_of(self, codes: np.ndarray) -> np.ndarray:
        """Row of each desa code (raises KeyError for an unknown code)."""
        lookup = pd.Index(self.code)
        rows = lookup.get_indexer(codes)
        if (rows < 0).any():
            raise KeyError(f"unknown desa codes: {sorted(set(codes[rows < 0]))}")
        return rows


@cache
def _desa_table() -> _DesaTable:
    desa = reference.load_units("desa").sort_values("code", ignore_index=True)
    geoms = desa.geometry.to_numpy()
    labels = shapely.point_on_surface(geoms)
    lon = np.round(shapely.get_x(labels), _COORD_DECIMALS)
    lat = np.round(shapely.get_y(labels), _COORD_DECIMALS)
    outside = ~shapely.contains_xy(geoms, lon, lat)
    if outside.any():  # rounding moved a label point out of its (tiny) desa
        lon[outside], lat[outside] = sample_points_in(geoms[outside], rng=np.random.default_rng(0))
    xy = shapely.get_coordinates(_to_metric(shapely.points(lon, lat)))
    for array in (lon, lat, xy):
        array.flags.writeable = False
    return _DesaTable(
        code=desa["code"].to_numpy(dtype=object),
        kecamatan_code=desa["kecamatan_code"].to_numpy(dtype=object),
        kabupaten_code=desa["kabupaten_code"].to_numpy(dtype=object),
        geometry=geoms,
        label_lon=lon,
        label_lat=lat,
        label_xy=xy,
        weight=_origin_weights(desa),
    )


def _to_metric(points: np.ndarray) -> np.ndarray:
    series = gpd.GeoSeries(points, crs=STORAGE_CRS).to_crs(METRIC_CRS)
    return series.to_numpy()


def _origin_weights(desa: pd.DataFrame) -> np.ndarray:
    """Probability of each desa being a case's place of origin.

    A kabupaten's share grows with its population, its closeness to the border, and is
    raised for the five border kabupaten and the known origin areas. Within a kabupaten a
    desa weighs more near the border and in towns (kelurahan).
    """
    kab = reference.load_units("kabupaten").set_index("code")
    closeness = 1.0 + np.exp(-kab["centre_dist_border_km"] / 100.0)
    factor = np.where(kab.index.isin(list(_BORDER_KABUPATEN)), 1.6, 0.7)
    factor = factor * np.where(kab.index.isin(list(_ORIGIN_KABUPATEN)), 1.4, 1.0)
    kab_weight = kab["population"] * closeness * factor
    kab_share = kab_weight / kab_weight.sum()

    near = 1.0 + 3.0 * np.exp(-desa["centre_dist_border_km"].to_numpy() / 25.0)
    town = np.where(desa["unit_type"].to_numpy() == "kelurahan", 2.0, 1.0)
    within = pd.Series(near * town, index=desa.index)
    within = within / within.groupby(desa["kabupaten_code"]).transform("sum")
    weight = within.to_numpy() * kab_share.reindex(desa["kabupaten_code"]).to_numpy()
    weight = weight / weight.sum()
    weight.flags.writeable = False
    return weight


# --------------------------------------------------------------------------- crossings


def plbn_crossings() -> pd.DataFrame:
    """The five PLBN as crossing records (public, ``synthetic = false``): the reference data
    every store starts with, and the first rows of the committed sample."""
    plbn = reference.load_plbn()
    lon, lat = _round_into(
        plbn.geometry.x.to_numpy(), plbn.geometry.y.to_numpy(), reference.load_province()
    )
    return pd.DataFrame(
        {
            "crossing_id": plbn["crossing_id"].to_numpy(dtype=object),
            "name": plbn["name"].to_numpy(dtype=object),
            "kind": "plbn",
            "lon": lon,
            "lat": lat,
            "status": "active",
            "last_verified": pd.Series(pd.NaT, index=plbn.index, dtype="datetime64[ns]"),
            "source": SOURCE_PLBN,
            "synthetic": False,
        }
    )


def _round_into(
    lon: np.ndarray, lat: np.ndarray, area: BaseGeometry
) -> tuple[np.ndarray, np.ndarray]:
    """Round to 6 decimals, choosing the nearest grid corner that lies inside ``area``.

    The PLBN are derived as points on the border line, i.e. on Kalbar's outline; plain
    rounding puts some a few centimetres outside. Moving them at most 0.15 m to the
    Kalbar side keeps their derived position and lets them pass the loaders' outline check.
    """
    scale = 10.0**_COORD_DECIMALS
    out_lon = np.round(lon, _COORD_DECIMALS)
    out_lat = np.round(lat, _COORD_DECIMALS)
    for i, (x, y) in enumerate(zip(lon, lat, strict=True)):
        corners = [
            (float(np.floor(x * scale) + dx) / scale, float(np.floor(y * scale) + dy) / scale)
            for dx in (0, 1)
            for dy in (0, 1)
        ]
        inside = [c for c in corners if area.contains(shapely.Point(c))]
        if inside:
            out_lon[i], out_lat[i] = min(inside, key=lambda c: (c[0] - x) ** 2 + (c[1] - y) ** 2)
    return out_lon, out_lat


@dataclass(frozen=True)
class _BorderGeometry:
    """The border line, province and border kabupaten in METRIC_CRS."""

    line: BaseGeometry
    province: BaseGeometry
    kabupaten: np.ndarray
    kabupaten_code: np.ndarray
    plbn_along: dict[str, float]


def _border_geometry() -> _BorderGeometry:
    border = reference.load_border().to_crs(METRIC_CRS)
    merged = shapely.line_merge(shapely.union_all(border.geometry.to_numpy()))
    parts = shapely.get_parts(merged)
    line = parts[np.argmax(shapely.length(parts))]  # the tiny leftovers carry no tracks
    kab = reference.load_units("kabupaten").to_crs(METRIC_CRS)
    kab = kab[kab["code"].isin(list(_BORDER_KABUPATEN))].sort_values("code")
    province = shapely.union_all(reference.load_units("kabupaten").to_crs(METRIC_CRS).geometry)
    plbn = reference.load_plbn().to_crs(METRIC_CRS)
    along = {
        cid: float(line.project(point))
        for cid, point in zip(plbn["crossing_id"], plbn.geometry, strict=True)
    }
    kab_geoms = kab.geometry.to_numpy()
    shapely.prepare(kab_geoms)
    shapely.prepare(province)
    return _BorderGeometry(line, province, kab_geoms, kab["code"].to_numpy(dtype=object), along)


def _unofficial_crossings(n: int, *, rng: np.random.Generator, seed: int) -> pd.DataFrame:
    geo = _border_geometry()
    xy, along, kab_code = _place_crossings(n, geo=geo, rng=rng)
    frame = pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1], "along": along, "kab": kab_code})
    frame = frame.sort_values(["kab", "along"], ignore_index=True)
    number = frame.groupby("kab").cumcount() + 1
    label = [
        f"{_BORDER_KABUPATEN[kab]}-{num:02d}" for kab, num in zip(frame["kab"], number, strict=True)
    ]
    river_share = frame["kab"].map(_RIVER_SHARE).fillna(_RIVER_SHARE_DEFAULT).to_numpy()
    is_river = rng.random(len(frame)) < river_share
    status = _choose(_CROSSING_STATUS, len(frame), rng=rng)
    verified = _random_dates(*_VERIFIED_RANGE, size=len(frame), rng=rng)
    verified = verified.where(status != "unverified")
    lonlat = _to_storage(frame[["x", "y"]].to_numpy())
    kind_name = {True: "Jalur sungai tidak resmi", False: "Jalur tidak resmi"}
    return pd.DataFrame(
        {
            "crossing_id": np.array([f"JTR-{text}" for text in label], dtype=object),
            "name": np.array(
                [
                    f"{kind_name[bool(river)]} {text}"
                    for river, text in zip(is_river, label, strict=True)
                ],
                dtype=object,
            ),
            "kind": np.where(is_river, "river_route", "land_track").astype(object),
            "lon": lonlat[:, 0],
            "lat": lonlat[:, 1],
            "status": status,
            "last_verified": verified,
            "source": SOURCE_CROSSING.format(seed=seed),
            "synthetic": True,
        }
    )


def _place_crossings(
    n: int, *, geo: _BorderGeometry, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Draw positions along the border, offset inland, until each kabupaten's quota is met.

    A candidate is kept when it lies inside Kalbar and inside a border kabupaten whose
    quota is not full, 0.3–5 km from the line, and at least 2 km from every kept crossing.
    """
    low, high = (km * 1000.0 for km in _CROSSING_OFFSET_KM)
    spacing = _CROSSING_MIN_SPACING_KM * 1000.0
    quota = _crossing_quotas(n)
    kept_xy: list[tuple[float, float]] = []
    kept_along: list[float] = []
    kept_kab: list[str] = []
    for _ in range(200):
        if len(kept_xy) >= n:
            break
        along = _draw_along(4 * n, geo=geo, rng=rng)
        offset = rng.uniform(low, high, size=len(along))
        points = _offset_inland(along, offset, geo=geo)
        dist = shapely.distance(geo.line, points)
        ok = shapely.contains(geo.province, points) & (dist >= low) & (dist <= high)
        for point, s in zip(points[ok], along[ok], strict=True):
            x, y = point.x, point.y
            kab = geo.kabupaten_code[shapely.contains(geo.kabupaten, point)]
            if len(kab) != 1 or quota[str(kab[0])] == 0:
                continue
            if any((x - kx) ** 2 + (y - ky) ** 2 < spacing**2 for kx, ky in kept_xy):
                continue
            quota[str(kab[0])] -= 1
            kept_xy.append((x, y))
            kept_along.append(float(s))
            kept_kab.append(str(kab[0]))
    if len(kept_xy) < n:
        raise GeodataError(f"could place only {len(kept_xy)} of {n} unofficial crossings")
    return np.array(kept_xy).reshape(-1, 2), np.array(kept_along), np.array(kept_kab, object)


def _crossing_quotas(n: int) -> dict[str, int]:
    """Unofficial crossings per border kabupaten (largest-remainder rounding of the shares)."""
    codes = list(_CROSSING_SHARE)
    exact = np.array([_CROSSING_SHARE[code] for code in codes]) * n
    counts = np.floor(exact).astype(int)
    by_remainder = np.argsort(-(exact - counts), kind="stable")
    counts[by_remainder[: n - counts.sum()]] += 1
    return dict(zip(codes, (int(c) for c in counts), strict=True))


def _draw_along(size: int, *, geo: _BorderGeometry, rng: np.random.Generator) -> np.ndarray:
    """Positions along the line: a share around the PLBN corridors, the rest uniform."""
    length = geo.line.length
    ids = list(_PLBN_CORRIDOR)
    weights = np.array([_PLBN_CORRIDOR[cid] for cid in ids])
    centre = np.array([geo.plbn_along[cid] for cid in ids])
    corridor = rng.random(size) < _CORRIDOR_SHARE
    which = rng.choice(len(ids), size=size, p=weights / weights.sum())
    near = centre[which] + rng.normal(0.0, _CORRIDOR_SIGMA_KM * 1000.0, size=size)
    anywhere = rng.uniform(0.0, length, size=size)
    return np.clip(np.where(corridor, near, anywhere), 0.0, length)


def _offset_inland(along: np.ndarray, offset: np.ndarray, *, geo: _BorderGeometry) -> np.ndarray:
    """Move each point on the line ``offset`` metres along the normal, to the Kalbar side."""
    step = 50.0
    ahead = shapely.line_interpolate_point(geo.line, np.minimum(along + step, geo.line.length))
    behind = shapely.line_interpolate_point(geo.line, np.maximum(along - step, 0.0))
    base = shapely.get_coordinates(shapely.line_interpolate_point(geo.line, along))
    tangent = shapely.get_coordinates(ahead) - shapely.get_coordinates(behind)
    tangent /= np.linalg.norm(tangent, axis=1, keepdims=True)
    normal = np.column_stack([-tangent[:, 1], tangent[:, 0]])
    left = base + normal * offset[:, None]
    right = base - normal * offset[:, None]
    left_inside = shapely.contains_xy(geo.province, left[:, 0], left[:, 1])
    chosen = np.where(left_inside[:, None], left, right)
    return shapely.points(chosen)


def _to_storage(xy: np.ndarray) -> np.ndarray:
    series = gpd.GeoSeries(shapely.points(xy), crs=METRIC_CRS).to_crs(STORAGE_CRS)
    coords = shapely.get_coordinates(series.to_numpy())
    return np.round(coords, _COORD_DECIMALS)


# --------------------------------------------------------------------------- cases


def _cases_per_year(
    n: int | None,
    *,
    years: tuple[int, int],
    pinned: Mapping[int, tuple[int, int]],
    rng: np.random.Generator,
) -> dict[int, int]:
    all_years = list(range(years[0], years[1] + 1))
    free = [year for year in all_years if year not in pinned]
    if n is None:
        expected = [EXPECTED_CASES_PER_YEAR.get(year, 50.0) for year in free]
        drawn = list(np.clip(rng.poisson(expected), *CASES_PER_YEAR_RANGE))
    else:
        rest = int(n) - sum(cases for cases, _ in pinned.values())
        drawn = list(rng.multinomial(rest, np.full(len(free), 1.0 / len(free)))) if free else []
    counts = {year: int(count) for year, count in zip(free, drawn, strict=True)}
    counts.update({year: cases for year, (cases, _) in pinned.items()})
    return {year: counts[year] for year in all_years}


def _build_cases(
    year_counts: Mapping[int, int],
    *,
    pinned: Mapping[int, tuple[int, int]],
    crossings: pd.DataFrame,
    seed: int,
    rng: np.random.Generator,
) -> pd.DataFrame:
    year = np.repeat(np.array(list(year_counts), dtype=int), list(year_counts.values()))
    size = len(year)
    reported = _dates_in_years(year, rng=rng)
    order = np.lexsort((rng.random(size), reported))
    year, reported = year[order], reported[order]

    desa = _desa_table()
    origin = rng.choice(len(desa.code), size=size, p=desa.weight)
    exploitation = _choose(_EXPLOITATION, size, rng=rng)
    victims = _victim_counts(year, exploitation, pinned=pinned, rng=rng)
    country, state = _destinations(exploitation, rng=rng)
    crossing_type, crossing_id = _crossings_used(country, origin, crossings, desa, rng=rng)
    precision, admin_code, lon, lat = _locations(origin, desa, rng=rng)
    end = np.datetime64(f"{max(year_counts)}-12-31")

    frame = pd.DataFrame(
        {
            "case_id": _case_ids(year),
            "date_reported": pd.to_datetime(reported).as_unit("ns"),
            "date_incident": _incident_dates(reported, rng=rng),
            "lon": lon,
            "lat": lat,
            "admin_code": admin_code,
            "location_precision": precision,
            **dict(zip(_VICTIM_COLUMNS, victims.T, strict=True)),
            "exploitation": exploitation,
            "destination_country": country,
            "destination_state": state,
            "crossing_type": crossing_type,
            "crossing_id": crossing_id,
            "status": _statuses(reported, end, rng=rng),
            "source": SOURCE_SYNTHETIC.format(seed=seed),
            "note": _notes(exploitation, crossing_type, rng=rng),
            "synthetic": True,
        }
    )
    return _with_columns(frame, CASE_COLUMNS)


def _with_columns(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """The columns in schema order, text columns as pandas ``str`` (missing stays missing)."""
    frame = frame.loc[:, list(columns)].copy()
    for name in columns:
        if frame[name].dtype == object:
            frame[name] = frame[name].astype("str")
    return frame


def _choose(shares: Mapping[_K, float], size: int, *, rng: np.random.Generator) -> np.ndarray:
    keys = list(shares)
    p = np.array([shares[key] for key in keys], dtype=float)
    picked = rng.choice(len(keys), size=size, p=p / p.sum())
    values = np.empty(len(keys), dtype=object)
    values[:] = keys
    return values[picked]


def _dates_in_years(year: np.ndarray, *, rng: np.random.Generator) -> np.ndarray:
    start = (year - 1970).astype("datetime64[Y]").astype("datetime64[D]")
    stop = (year - 1969).astype("datetime64[Y]").astype("datetime64[D]")
    days = (stop - start).astype(int)
    return start + np.floor(rng.random(len(year)) * days).astype("timedelta64[D]")


def _random_dates(
    first: dt.date, last: dt.date, *, size: int, rng: np.random.Generator
) -> pd.Series:
    span = (last - first).days + 1
    days = rng.integers(0, span, size=size)
    values = np.datetime64(first, "D") + days.astype("timedelta64[D]")
    return pd.Series(pd.to_datetime(values).as_unit("ns"))


def _incident_dates(reported: np.ndarray, *, rng: np.random.Generator) -> pd.Series:
    size = len(reported)
    lag = np.minimum(rng.geometric(1.0 / _INCIDENT_LAG_MEAN_DAYS, size=size) - 1,
                     _INCIDENT_LAG_MAX_DAYS)  # fmt: skip
    incident = pd.Series(pd.to_datetime(reported - lag.astype("timedelta64[D]")).as_unit("ns"))
    return incident.where(rng.random(size) >= _INCIDENT_MISSING)


def _case_ids(year: np.ndarray) -> np.ndarray:
    sequence = pd.Series(year).groupby(year).cumcount().to_numpy() + 1
    width = max(4, len(str(int(sequence.max())))) if len(sequence) else 4
    ids = [f"SYN-{y}-{s:0{width}d}" for y, s in zip(year.tolist(), sequence.tolist(), strict=True)]
    return np.array(ids, dtype=object)


def _victim_counts(
    year: np.ndarray,
    exploitation: np.ndarray,
    *,
    pinned: Mapping[int, tuple[int, int]],
    rng: np.random.Generator,
) -> np.ndarray:
    """Victims per case (1–10) split by sex and age; pinned years hit their total exactly."""
    p = np.array(_VICTIMS_PER_CASE)
    total = rng.choice(np.arange(1, 11), size=len(year), p=p / p.sum())
    for pin_year, (_, victims) in sorted(pinned.items()):
        rows = np.flatnonzero(year == pin_year)
        total[rows] = _adjust_total(total[rows], victims, rng=rng)
    shares = np.array([_VICTIM_SHARES[str(kind)] for kind in exploitation])
    return rng.multinomial(total, shares).astype("int64")


def _adjust_total(counts: np.ndarray, target: int, *, rng: np.random.Generator) -> np.ndarray:
    """Add or remove single victims at random cases (staying within 1–10) to reach target."""
    counts = counts.copy()
    while (gap := target - int(counts.sum())) != 0:
        step = 1 if gap > 0 else -1
        eligible = np.flatnonzero(counts < 10) if step > 0 else np.flatnonzero(counts > 1)
        chosen = rng.choice(eligible, size=min(abs(gap), len(eligible)), replace=False)
        counts[chosen] += step
    return counts


def _destinations(
    exploitation: np.ndarray, *, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    size = len(exploitation)
    general = _choose(_DESTINATIONS, size, rng=rng)
    marriage = _choose(_DESTINATIONS_MARRIAGE, size, rng=rng)
    picked = np.where(exploitation == "forced_marriage", marriage, general)
    country = np.array([pair[0] for pair in picked], dtype=object)
    state = np.array([pair[1] or None for pair in picked], dtype=object)
    return country, state


def _crossings_used(
    country: np.ndarray,
    origin: np.ndarray,
    crossings: pd.DataFrame,
    desa: _DesaTable,
    *,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Crossing type and id: Malaysia-bound cases cross, preferring crossings near home."""
    size = len(country)
    to_malaysia = country == "MY"
    crossing_type = np.where(to_malaysia, _choose(_CROSSING_TYPE, size, rng=rng), "unknown").astype(
        object
    )
    crossing_id = np.full(size, None, dtype=object)
    xy = _crossing_xy(crossings)
    for kind, scale_km, use in (
        ("unofficial", 40.0, _unofficial_use(crossings)),
        ("official", 80.0, crossings["crossing_id"].map(_PLBN_USE).fillna(0.0).to_numpy()),
    ):
        rows = np.flatnonzero(crossing_type == kind)
        if not use.any():  # no crossing of this kind to refer to
            crossing_type[rows] = "unknown"
            continue
        crossing_id[rows] = _nearby_choice(
            desa.label_xy[origin[rows]], xy, use, scale_km=scale_km,
            ids=crossings["crossing_id"].to_numpy(dtype=object), rng=rng,
        )  # fmt: skip
    return crossing_type, crossing_id


def _crossing_xy(crossings: pd.DataFrame) -> np.ndarray:
    points = shapely.points(crossings["lon"].to_numpy(), crossings["lat"].to_numpy())
    return shapely.get_coordinates(_to_metric(points))


def _unofficial_use(crossings: pd.DataFrame) -> np.ndarray:
    synthetic = crossings["kind"].to_numpy() != "plbn"
    closed = crossings["status"].to_numpy() == "closed"
    return np.where(synthetic, np.where(closed, 0.4, 1.0), 0.0)


def _nearby_choice(
    origin_xy: np.ndarray,
    crossing_xy: np.ndarray,
    use: np.ndarray,
    *,
    scale_km: float,
    ids: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Pick a crossing per row with weight ``use * exp(-distance / scale)``, vectorised."""
    result = np.empty(len(origin_xy), dtype=object)
    for start in range(0, len(origin_xy), 20_000):  # bounded memory for large n
        block = origin_xy[start : start + 20_000]
        dist_km = (
            np.hypot(
                block[:, None, 0] - crossing_xy[None, :, 0],
                block[:, None, 1] - crossing_xy[None, :, 1],
            )
            / 1000.0
        )
        # Subtract the nearest distance so remote origins (Ketapang) do not underflow to 0.
        nearest = dist_km.min(axis=1, where=use > 0, initial=np.inf, keepdims=True)
        weight = use[None, :] * np.exp(-(dist_km - nearest) / scale_km)
        cumulative = np.cumsum(weight, axis=1)
        u = rng.random(len(block)) * cumulative[:, -1]
        picked = (cumulative < u[:, None]).sum(axis=1)
        result[start : start + len(block)] = ids[np.minimum(picked, len(ids) - 1)]
    return result


def _locations(
    origin: np.ndarray, desa: _DesaTable, *, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Precision, admin code and point of each case; coarse precisions have no point."""
    size = len(origin)
    precision = _choose(_PRECISION, size, rng=rng)
    admin_code = np.select(
        [precision == "kecamatan", precision == "kabupaten"],
        [desa.kecamatan_code[origin], desa.kabupaten_code[origin]],
        default=desa.code[origin],
    ).astype(object)
    lon = np.where(precision == "desa", desa.label_lon[origin], np.nan)
    lat = np.where(precision == "desa", desa.label_lat[origin], np.nan)
    exact = np.flatnonzero(precision == "exact")
    lon[exact], lat[exact] = sample_points_in(desa.geometry[origin[exact]], rng=rng)
    return precision, admin_code, lon, lat


def _statuses(reported: np.ndarray, end: np.datetime64, *, rng: np.random.Generator) -> np.ndarray:
    age_years = (end - reported).astype(int) / 365.25
    bounds = np.array([bound for bound, _ in _STATUS_BY_AGE])
    table = np.array([shares for _, shares in _STATUS_BY_AGE])
    rows = table[np.searchsorted(bounds, age_years)]
    cumulative = np.cumsum(rows, axis=1)
    u = rng.random(len(reported)) * cumulative[:, -1]
    picked = np.minimum((cumulative < u[:, None]).sum(axis=1), len(_STATUS) - 1)
    return np.array(_STATUS, dtype=object)[picked]


def _notes(
    exploitation: np.ndarray, crossing_type: np.ndarray, *, rng: np.random.Generator
) -> np.ndarray:
    u = rng.random(len(exploitation))
    notes = []
    for kind, route, x in zip(exploitation, crossing_type, u, strict=True):
        options = _NOTES[str(kind)]
        text = options[int(x * len(options))]
        notes.append(f"{NOTE_PREFIX} {text}; {_NOTE_ROUTE[str(route)]}. Data fiktif untuk demo.")
    return np.array(notes, dtype=object)


# --------------------------------------------------------------------------- CSV


def _format_for_csv(frame: pd.DataFrame) -> pd.DataFrame:
    """Text form of every column, so the bytes written never depend on pandas defaults."""
    out = pd.DataFrame(index=frame.index)
    for name in frame.columns:
        column = frame[name]
        text: pd.Series
        if pd.api.types.is_float_dtype(column):
            values = column.to_numpy(dtype=float)
            text = pd.Series(
                np.where(np.isnan(values), "", np.char.mod(f"%.{_COORD_DECIMALS}f", values)),
                index=frame.index,
            )
        elif pd.api.types.is_datetime64_any_dtype(column):
            text = column.dt.strftime("%Y-%m-%d").fillna("")
        elif pd.api.types.is_bool_dtype(column):
            text = column.map({True: "true", False: "false"})
        else:
            text = column.astype("str").fillna("")
        out[name] = text.astype(object)
    return out
