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

#: Interface languages, the first is the default.
LANGUAGES: Final = ("id", "en")
DEFAULT_LANGUAGE: Final = "id"

#: Git-ignored folder of per-installation files (local config, store, remembered mappings).
LOCAL_DIR: Final = PACKAGE_DIR.parent / ".kalbar"
#: Environment variable naming the JSON file of remembered column mappings.
COLUMN_MAPPINGS_ENV: Final = "KALBAR_COLUMN_MAPPINGS"
#: Where confirmed column mappings of imported files are remembered (``geodata.mapping``).
COLUMN_MAPPINGS_FILE: Final = LOCAL_DIR / "column_mappings.json"
#: Largest file accepted for import, in MB: ``server.maxUploadSize`` in .streamlit/config.toml.
MAX_UPLOAD_MB: Final = 20
#: Most data rows one import may hold (50,000 validate in a few seconds).
MAX_IMPORT_ROWS: Final = 100_000
#: Most columns a file to import may have.
MAX_IMPORT_COLUMNS: Final = 200
#: Longest cell accepted, in characters: the most an Excel cell can hold.
MAX_CELL_CHARS: Final = 32_767
