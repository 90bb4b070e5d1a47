"""Paths and documented defaults shared by the build, the loaders and the layers.

Every default here is used where an argument is left ``None``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final, Literal

PACKAGE_DIR: Final = Path(__file__).resolve().parent
#: Derived, committed geodata (built by ``python -m geodata.build``).
DATA_DIR: Final = PACKAGE_DIR / "data"
#: The GeoPackage with the full-resolution clean coverages, border, PLBN and Sarawak.
GEOPACKAGE: Final = DATA_DIR / "kalbar.gpkg"
#: Gazetteer of all Kalbar codes and names (villages without geometry included).
GAZETTEER_CSV: Final = DATA_DIR / "gazetteer.csv"
#: Simplified GeoJSON for the web map.
WEB_DIR: Final = DATA_DIR / "web"
#: Figures of the last build (counts, overlap removed, sizes, displacement, timing).
BUILD_REPORT: Final = DATA_DIR / "build_report.json"
#: Synthetic demo data (every record carries ``synthetic = true``).
SAMPLE_DIR: Final = PACKAGE_DIR / "sample"
#: Environment variable naming a folder of cases/crossings/shelters CSV files to load
#: instead of the sample (used by benchmarks).
DATA_DIR_ENV: Final = "KALBAR_DATA_DIR"
#: Default location of the raw public sources, relative to the repository root.
DEFAULT_RAW_DIR: Final = PACKAGE_DIR.parent.parent / "shared" / "data" / "raw"

#: Coordinates are stored in WGS 84.
STORAGE_CRS: Final = "EPSG:4326"
#: Distances and areas are computed in UTM zone 49N, which covers Kalbar.
METRIC_CRS: Final = "EPSG:32649"

Level = Literal["kabupaten", "kecamatan", "desa"]
#: Administrative levels with geometry, coarse to fine.
LEVELS: Final[tuple[Level, ...]] = ("kabupaten", "kecamatan", "desa")
#: Length of the Kemendagri code at each level ("61.01", "61.01.09", "61.01.09.2002").
CODE_LENGTH: Final = {"provinsi": 2, "kabupaten": 5, "kecamatan": 8, "desa": 13}

#: Kalbar's province code.
PROVINCE_CODE: Final = "61"
#: Kabupaten shown first where one must be chosen and the data suggest none: Sanggau, the
#: kabupaten of the Entikong PLBN, the busiest official crossing.
DEFAULT_KABUPATEN: Final = "61.03"
#: Land border length used by KP2MI (the simplified sources give a shorter line).
OFFICIAL_BORDER_LENGTH_KM: Final = 966.0

#: Crossings this far or less from the Kalbar–Sarawak land border are accepted wherever they
#: lie, and the risk indicators count one there in its nearest unit: a crossing is a
#: path over the border, its point may be taken on either side, and the public border line
#: is coarse.
BORDER_BAND_KM: Final = 5.0

#: Interface languages, the first is the default.
LANGUAGES: Final = ("id", "en")
DEFAULT_LANGUAGE: Final = "id"

#: Git-ignored folder of per-installation files (local config, store, remembered mappings).
LOCAL_DIR: Final = PACKAGE_DIR.parent / ".kalbar"
#: Environment variable naming the JSON file of remembered column mappings.
COLUMN_MAPPINGS_ENV: Final = "KALBAR_COLUMN_MAPPINGS"
#: Where confirmed column mappings of imported files are remembered (``geodata.records.mapping``).
COLUMN_MAPPINGS_FILE: Final = LOCAL_DIR / "column_mappings.json"
#: Largest file accepted for import, in MB: ``server.maxUploadSize`` in .streamlit/config.toml.
MAX_UPLOAD_MB: Final = 20
#: Most data rows one import may hold (50,000 validate in a few seconds).
MAX_IMPORT_ROWS: Final = 100_000
#: Most columns a file to import may have.
MAX_IMPORT_COLUMNS: Final = 200
#: Longest cell accepted, in characters: the most an Excel cell can hold.
MAX_CELL_CHARS: Final = 32_767

# Bounded uploads (geodata.records._upload, geodata.records._sandbox): every file to import or
# check, for every role and in demo mode, is read in a worker process that is killed over these
# limits.
#: Most seconds (wall time) reading one file may take: 100,000 XLSX rows take 7 s on an idle
#: server and 35 s on a busy one; the bombs of issue 9 took 89 s to over 300 s.
UPLOAD_TIME_LIMIT_S: Final = 120.0
#: Most memory, in MB, reading one file may add to the worker's loaded libraries (address
#: space, Linux ``RLIMIT_AS``): 100,000 XLSX rows need less than 512 MB, a 34 MB GeoJSON of
#: 100,000 points more than 512 MB.
UPLOAD_MEMORY_LIMIT_MB: Final = 1024
#: Most files one server process reads at the same time; a further upload waits, at most
#: ``UPLOAD_TIME_LIMIT_S``, then is asked to try again.
UPLOAD_WORKERS: Final = 2
#: Most blank rows in a row in a CSV file (a sheet saved with formatting down to row 65,536
#: stays under it); reading stops there.
MAX_BLANK_ROWS: Final = 100_000
#: Most MB an XLSX workbook may unpack to in all (100,000 rows of 13 columns: about 50 MB).
XLSX_MAX_UNPACKED_MB: Final = 256
#: Most MB each part of a workbook may unpack to, checked in the ZIP directory before it is
#: opened: styles (Excel's own are well under 1 MB), shared strings, each worksheet.
XLSX_MAX_PART_MB: Final = {"styles": 16, "shared_strings": 64, "worksheet": 160}
#: Most entries (files) in a workbook's ZIP archive.
XLSX_MAX_ENTRIES: Final = 1_000
#: Highest compression ratio of a workbook entry over 1 MB (real sheets: 10-20 to 1).
XLSX_MAX_RATIO: Final = 200
#: Deepest nesting of objects and arrays in a GeoJSON file (a multipolygon feature: 8).
GEOJSON_MAX_DEPTH: Final = 20
