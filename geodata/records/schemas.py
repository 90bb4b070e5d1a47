"""Field definitions of the three record types: trafficking cases, border crossings, shelters.

A :class:`Schema` lists typed :class:`Field` objects; :mod:`geodata.records.loaders` validates files
against them and returns frames whose columns have exactly these names and dtypes. Labels
and descriptions (Bahasa Indonesia and English) live in the catalogues under
``schema.label.<field>`` and ``schema.<entity>.<field>``; ``geodata/SCHEMAS.md`` documents
every field for people who fill in the files.

The case record follows IOM's Human Trafficking Case Data Standard (HTCDS v2) where it
applies, but counts victims per case by sex and age group instead of one row per victim.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final, Literal

from geodata.i18n import t

Entity = Literal["case", "crossing", "shelter"]

FieldKind = Literal[
    "text", "free_text", "choice", "date", "float", "count", "bool", "admin_code", "country", "list"
]
"""How a field is read and checked:

- ``text``: trimmed text; ``free_text``: user text kept exactly as typed (a note).
- ``choice``: one value of ``allowed``, written as the code or as its Indonesian or English
  label, in any case and spacing (:mod:`geodata.records.coded_values`).
- ``date``: ``YYYY-MM-DD`` or ``DD/MM/YYYY``, from 2000-01-01 to today.
- ``float``: decimal number, point or comma as the decimal mark.
- ``count``: whole number >= 0.
- ``bool``: yes/no in English or Indonesian (``true``/``false``, ``ya``/``tidak``, ``1``/``0``).
- ``admin_code``: Kemendagri area code of a kabupaten, kecamatan or desa in the gazetteer.
- ``country``: ISO 3166-1 alpha-2 code (``MY``, ``ID``), or the country's English or
  Indonesian name (``Malaysia``).
- ``list``: items separated by ``;`` (or ``,``), each read as a ``choice``; items outside
  ``allowed`` are kept, with a warning.
"""

_DTYPES: Final[dict[FieldKind, str]] = {
    "text": "str",
    "free_text": "str",
    "choice": "str",
    "date": "datetime64[ns]",
    "float": "float64",
    "count": "int64",
    "bool": "bool",
    "admin_code": "str",
    "country": "str",
    "list": "str",
}

#: The earliest date any record may carry.
MIN_DATE: Final = dt.date(2000, 1, 1)

LOCATION_PRECISION: Final = frozenset({"exact", "desa", "kecamatan", "kabupaten"})
EXPLOITATION: Final = frozenset({"labour", "sexual", "forced_marriage", "other"})
CROSSING_TYPE: Final = frozenset({"official", "unofficial", "unknown"})
CASE_STATUS: Final = frozenset({"reported", "investigation", "prosecution", "verdict"})
CROSSING_KIND: Final = frozenset({"plbn", "land_track", "river_route"})
CROSSING_STATUS: Final = frozenset({"active", "closed", "unverified"})
SHELTER_OPERATOR: Final = frozenset({"BP3MI", "Dinas Sosial", "UPTD PPA", "NGO", "other"})
SHELTER_SERVICES: Final = frozenset(
    {"shelter", "legal", "health", "psychosocial", "repatriation", "reintegration", "other"}
)

#: Victim count columns of a case, by sex and age group (child = under 18).
VICTIM_COLUMNS: Final = (
    "victims_female_adult",
    "victims_female_child",
    "victims_male_adult",
    "victims_male_child",
)

#: Header spellings read as a schema column (after trimming and lower-casing).
COLUMN_ALIASES: Final = {
    "longitude": "lon",
    "lng": "lon",
    "long": "lon",
    "latitude": "lat",
}


@dataclass(frozen=True, slots=True)
class Field:
    """One column of a record type.

    Attributes
    ----------
    entity
        The record type the field belongs to.
    name
        Column name, exactly as in files and loaded frames.
    kind
        How the field is read and checked (see :data:`FieldKind`).
    required
        The column must exist and no cell may be empty.
    allowed
        Allowed values of a ``choice`` field, or the known items of a ``list`` field.
    default
        Value used for an empty cell of an optional field (``None``: missing).
    """

    entity: Entity
    name: str
    kind: FieldKind
    required: bool = False
    allowed: frozenset[str] | None = None
    default: object = None

    @property
    def dtype(self) -> str:
        """The pandas dtype of the column in a loaded frame."""
        if self.kind == "count" and self.default is None:
            return "Int64"
        return _DTYPES[self.kind]

    def label(self, lang: str) -> str:
        """Short translated name of the field, e.g. ``"tanggal laporan"``."""
        return t(f"schema.label.{self.name}", lang)

    def description(self, lang: str) -> str:
        """Translated description of the field for people who fill in the files."""
        return t(f"schema.{self.entity}.{self.name}", lang)


@dataclass(frozen=True, slots=True)
class Schema:
    """A record type: its fields in column order and the rules across columns.

    Attributes
    ----------
    entity
        ``{"case", "crossing", "shelter"}``.
    id_field
        The column whose values must be unique.
    fields
        Every field, in the column order of loaded frames.
    any_of
        Groups of columns of which at least one must be in a file.
    """

    entity: Entity
    id_field: str
    fields: tuple[Field, ...]
    any_of: tuple[tuple[str, ...], ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """Column names in order."""
        return tuple(field.name for field in self.fields)

    @property
    def required_columns(self) -> tuple[str, ...]:
        """Columns that every file must have."""
        return tuple(field.name for field in self.fields if field.required)

    def field(self, name: str) -> Field:
        """Return the field called ``name``."""
        for field in self.fields:
            if field.name == name:
                return field
        raise KeyError(f"{self.entity} has no field {name!r}; fields are {self.names}")


def _fields(entity: Entity, *specs: tuple) -> tuple[Field, ...]:
    return tuple(Field(entity, *spec) for spec in specs)


CASE: Final = Schema(
    entity="case",
    id_field="case_id",
    fields=_fields(
        "case",
        ("case_id", "text", True),
        ("date_reported", "date", True),
        ("date_incident", "date"),
        ("lon", "float"),
        ("lat", "float"),
        ("admin_code", "admin_code"),
        ("location_precision", "choice", True, LOCATION_PRECISION),
        *((name, "count", False, None, 0) for name in VICTIM_COLUMNS),
        ("exploitation", "choice", False, EXPLOITATION),
        ("destination_country", "country"),
        ("destination_state", "text"),
        ("crossing_type", "choice", False, CROSSING_TYPE, "unknown"),
        ("crossing_id", "text"),
        ("status", "choice", True, CASE_STATUS),
        ("source", "text"),
        ("note", "free_text"),
        ("synthetic", "bool", False, None, False),
    ),
    any_of=(VICTIM_COLUMNS, ("lon", "lat", "admin_code")),
)
"""A trafficking (TPPO) case: when it was reported, where, how many victims, which route."""

CROSSING: Final = Schema(
    entity="crossing",
    id_field="crossing_id",
    fields=_fields(
        "crossing",
        ("crossing_id", "text", True),
        ("name", "text", True),
        ("kind", "choice", True, CROSSING_KIND),
        ("lon", "float", True),
        ("lat", "float", True),
        ("status", "choice", True, CROSSING_STATUS),
        ("last_verified", "date"),
        ("source", "text"),
        ("synthetic", "bool", False, None, False),
    ),
)
"""A border crossing: an official post (PLBN), a land track or a river route."""

SHELTER: Final = Schema(
    entity="shelter",
    id_field="shelter_id",
    fields=_fields(
        "shelter",
        ("shelter_id", "text", True),
        ("name", "text", True),
        ("operator", "choice", True, SHELTER_OPERATOR),
        ("capacity", "count"),
        ("services", "list", False, SHELTER_SERVICES),
        ("lon", "float", True),
        ("lat", "float", True),
        ("admin_code", "admin_code"),
        ("confidential", "bool", False, None, True),
        ("source", "text"),
        ("synthetic", "bool", False, None, False),
    ),
)
"""A shelter or service post for victims; a confidential one's point is not shown to all."""

#: Every schema by entity name.
SCHEMAS: Final[dict[Entity, Schema]] = {"case": CASE, "crossing": CROSSING, "shelter": SHELTER}

#: Derived column added to loaded cases: the sum of the four victim counts.
VICTIMS_TOTAL: Final = "victims_total"

#: Columns of place names an import may carry instead of coordinates or a code (desa,
#: kecamatan, kabupaten/kota, or one free-text ``lokasi``); see :mod:`geodata.reference.geocode`.
PLACE_COLUMNS: Final = ("desa", "kecamatan", "kabupaten", "lokasi")

_SHARED_ALIASES: Final = {
    "bujur": "lon",
    "longitude": "lon",
    "lng": "lon",
    "long": "lon",
    "koordinat x": "lon",
    "x": "lon",
    "lintang": "lat",
    "latitude": "lat",
    "koordinat y": "lat",
    "y": "lat",
    "sumber": "source",
    "sumber data": "source",
    "sumber informasi": "source",
    "instansi": "source",
    "sintetis": "synthetic",
    "data sintetis": "synthetic",
    "synthetic data": "synthetic",
    "data contoh": "synthetic",
}
_PLACE_ALIASES: Final = {
    "desa": "desa",
    "kelurahan": "desa",
    "desa kelurahan": "desa",
    "desa kel": "desa",
    "nama desa": "desa",
    "village": "desa",
    "kecamatan": "kecamatan",
    "kec": "kecamatan",
    "nama kecamatan": "kecamatan",
    "subdistrict": "kecamatan",
    "district": "kecamatan",
    "kabupaten": "kabupaten",
    "kab": "kabupaten",
    "kabupaten kota": "kabupaten",
    "kab kota": "kabupaten",
    "kota": "kabupaten",
    "nama kabupaten": "kabupaten",
    "regency": "kabupaten",
    "lokasi": "lokasi",
    "lokasi kejadian": "lokasi",
    "tempat kejadian": "lokasi",
    "tempat kejadian perkara": "lokasi",
    "tkp": "lokasi",
    "alamat": "lokasi",
    "tempat": "lokasi",
    "location": "lokasi",
    "place": "lokasi",
}

#: Header spellings (lower case, words separated by one space, no punctuation) read as a
#: column of each record type: Indonesian headers as found in police and agency
#: spreadsheets, English ones, and the place-name columns of :data:`PLACE_COLUMNS`.
HEADER_ALIASES: Final[dict[Entity, dict[str, str]]] = {
    "case": {
        **_SHARED_ALIASES,
        **_PLACE_ALIASES,
        "id kasus": "case_id",
        "kode kasus": "case_id",
        "no kasus": "case_id",
        "nomor kasus": "case_id",
        "no registrasi": "case_id",
        "nomor registrasi": "case_id",
        "no laporan": "case_id",
        "nomor laporan": "case_id",
        "no lp": "case_id",
        "nomor lp": "case_id",
        "case number": "case_id",
        "tanggal lapor": "date_reported",
        "tanggal laporan": "date_reported",
        "tanggal dilaporkan": "date_reported",
        "tanggal pelaporan": "date_reported",
        "tgl lapor": "date_reported",
        "tgl laporan": "date_reported",
        "report date": "date_reported",
        "date of report": "date_reported",
        "tanggal kejadian": "date_incident",
        "tgl kejadian": "date_incident",
        "waktu kejadian": "date_incident",
        "incident date": "date_incident",
        "date of incident": "date_incident",
        "kode wilayah": "admin_code",
        "kode kemendagri": "admin_code",
        "kode wilayah kemendagri": "admin_code",
        "kode desa": "admin_code",
        "kode kecamatan": "admin_code",
        "area code": "admin_code",
        "ketepatan lokasi": "location_precision",
        "presisi lokasi": "location_precision",
        "tingkat lokasi": "location_precision",
        "akurasi lokasi": "location_precision",
        "precision": "location_precision",
        "korban perempuan dewasa": "victims_female_adult",
        "perempuan dewasa": "victims_female_adult",
        "korban wanita dewasa": "victims_female_adult",
        "wanita dewasa": "victims_female_adult",
        "female adult": "victims_female_adult",
        "women": "victims_female_adult",
        "korban anak perempuan": "victims_female_child",
        "anak perempuan": "victims_female_child",
        "korban perempuan anak": "victims_female_child",
        "perempuan anak": "victims_female_child",
        "female child": "victims_female_child",
        "girls": "victims_female_child",
        "korban laki laki dewasa": "victims_male_adult",
        "laki laki dewasa": "victims_male_adult",
        "korban pria dewasa": "victims_male_adult",
        "pria dewasa": "victims_male_adult",
        "male adult": "victims_male_adult",
        "men": "victims_male_adult",
        "korban anak laki laki": "victims_male_child",
        "anak laki laki": "victims_male_child",
        "korban laki laki anak": "victims_male_child",
        "laki laki anak": "victims_male_child",
        "male child": "victims_male_child",
        "boys": "victims_male_child",
        "jenis eksploitasi": "exploitation",
        "bentuk eksploitasi": "exploitation",
        "eksploitasi": "exploitation",
        "type of exploitation": "exploitation",
        "negara tujuan": "destination_country",
        "destination country": "destination_country",
        "negara bagian tujuan": "destination_state",
        "provinsi tujuan": "destination_state",
        "daerah tujuan": "destination_state",
        "negara bagian": "destination_state",
        "destination state": "destination_state",
        "jenis perlintasan": "crossing_type",
        "jalur perlintasan": "crossing_type",
        "jenis jalur": "crossing_type",
        "id perlintasan": "crossing_id",
        "kode perlintasan": "crossing_id",
        "status kasus": "status",
        "tahap": "status",
        "tahap penanganan": "status",
        "catatan": "note",
        "keterangan": "note",
        "ket": "note",
        "notes": "note",
        "remarks": "note",
    },
    "crossing": {
        **_SHARED_ALIASES,
        "id perlintasan": "crossing_id",
        "kode perlintasan": "crossing_id",
        "nama": "name",
        "nama perlintasan": "name",
        "nama jalur": "name",
        "jenis": "kind",
        "jenis perlintasan": "kind",
        "tipe": "kind",
        "keadaan": "status",
        "status perlintasan": "status",
        "terakhir diverifikasi": "last_verified",
        "verifikasi terakhir": "last_verified",
        "tanggal verifikasi": "last_verified",
        "tgl verifikasi": "last_verified",
    },
    "shelter": {
        **_SHARED_ALIASES,
        **_PLACE_ALIASES,
        "id shelter": "shelter_id",
        "kode shelter": "shelter_id",
        "id rumah aman": "shelter_id",
        "nama": "name",
        "nama shelter": "name",
        "nama rumah aman": "name",
        "pengelola": "operator",
        "penyelenggara": "operator",
        "kapasitas": "capacity",
        "daya tampung": "capacity",
        "layanan": "services",
        "jenis layanan": "services",
        "rahasia": "confidential",
        "dirahasiakan": "confidential",
        "kerahasiaan": "confidential",
        "kode wilayah": "admin_code",
        "kode kemendagri": "admin_code",
        "area code": "admin_code",
    },
}
