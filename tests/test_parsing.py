"""Indonesian writing conventions: numbers, coordinates, dates and place names, column-wise."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from geodata.records.parsing import (
    normalise_place_name,
    parse_coordinate,
    parse_dates,
    parse_decimal,
    split_at_prefixes,
    split_place_prefix,
)


def column(*cells: str) -> pd.Series:
    return pd.Series(list(cells), index=range(2, 2 + len(cells)), dtype="str")


# --- numbers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("0,1234", 0.1234),  # decimal comma
        ("-0,5", -0.5),
        ("110,35", 110.35),
        ("110.35", 110.35),
        ("1.234,5", 1234.5),  # thousands dot and decimal comma
        ("1.234.567", 1234567.0),  # several thousands dots: unambiguous
        ("1,234.5", 1234.5),  # English thousands comma
        ("1,234,567", 1234567.0),
        ("1.234", 1.234),  # ambiguous: read as a decimal point
        ("1,5", 1.5),
        ("3", 3.0),
        ("+2", 2.0),
    ],
)
def test_decimal_commas_and_unambiguous_thousands(cell: str, expected: float) -> None:
    assert parse_decimal(column(cell)).iloc[0] == pytest.approx(expected)


@pytest.mark.parametrize("cell", ["", "abc", "1,2,3", "1.2.3,4,5", "inf", "nan", "12 ribu", "1..2"])
def test_not_a_number_is_nan(cell: str) -> None:
    assert math.isnan(parse_decimal(column(cell)).iloc[0])


def test_decimal_keeps_the_index() -> None:
    values = parse_decimal(column("1", "2,5"))
    assert list(values.index) == [2, 3] and values.dtype == "float64"


# --- coordinates ----------------------------------------------------------------------------

LAT = 1 + 2 / 60 + 15 / 3600  # 1°02'15"
LON = 110 + 21 / 60 + 30 / 3600  # 110°21'30"


@pytest.mark.parametrize(
    ("cell", "axis", "expected"),
    [
        ("1°02'15\" LU", "lat", LAT),
        ("1°02'15\"LU", "lat", LAT),
        ("1 02 15 LU", "lat", LAT),
        ("1°2,25' LU", "lat", LAT),  # decimal minutes with a comma
        ("1°2.25' LU", "lat", LAT),
        ("1°02'15\" LS", "lat", -LAT),
        ("1°02'15\" S", "lat", -LAT),
        ("N 1°2'15\"", "lat", LAT),
        ("LS 1°2'15\"", "lat", -LAT),
        ("1°02′15″ LU", "lat", LAT),  # prime and double prime
        ("1º 2' 15\" N", "lat", LAT),  # ordinal sign typed for the degree sign
        ("1°02'15'' LU", "lat", LAT),  # two apostrophes for seconds
        ("-1°02'15\"", "lat", -LAT),
        ("1.0375 LU", "lat", 1.0375),
        ("0,97", "lat", 0.97),
        ("110°21'30\" BT", "lon", LON),
        ("110 21 30 BT", "lon", LON),
        ("110°21'30\" E", "lon", LON),
        ("110°21'30\" BB", "lon", -LON),
        ("110°21'30\" W", "lon", -LON),
        ("110,358333", "lon", 110.358333),
    ],
)
def test_degrees_minutes_seconds_with_hemispheres(cell: str, axis: str, expected: float) -> None:
    parsed = parse_coordinate(column(cell), axis=axis)  # type: ignore[arg-type]
    assert parsed.values.iloc[0] == pytest.approx(expected, abs=1e-9)
    assert not parsed.wrong_axis.iloc[0]
    plain_decimal = re.fullmatch(r"[-+]?\d+(?:[.,]\d+)?", cell) is not None
    assert parsed.dms.iloc[0] == (not plain_decimal)


@pytest.mark.parametrize(
    "cell",
    [
        "1°65' LU",  # 65 minutes
        "1°02'75\" LU",  # 75 seconds
        "1.5°30' LU",  # fraction before the last part
        "LU 1°02'15\" LS",  # two hemispheres
        "-1°02'15\" LU",  # minus and north disagree
        "satu derajat",
        "1°02'15\" LX",
    ],
)
def test_impossible_dms_is_unreadable(cell: str) -> None:
    parsed = parse_coordinate(column(cell), axis="lat")
    assert math.isnan(parsed.values.iloc[0]) and not parsed.wrong_axis.iloc[0]


@pytest.mark.parametrize(("cell", "axis"), [("110°21'30\" BT", "lat"), ("1°02'15\" LU", "lon")])
def test_a_hemisphere_of_the_other_axis_is_flagged_not_read(cell: str, axis: str) -> None:
    parsed = parse_coordinate(column(cell), axis=axis)  # type: ignore[arg-type]
    assert math.isnan(parsed.values.iloc[0]) and parsed.wrong_axis.iloc[0]


def test_coordinate_axis_is_checked() -> None:
    with pytest.raises(ValueError, match="`axis` should be one of"):
        parse_coordinate(column("1"), axis="x")  # type: ignore[arg-type]


def test_fifty_thousand_mixed_coordinates_are_read_column_wise() -> None:
    cells = ["0,97", "1°02'15\" LU", "", "0.5"] * 12_500
    parsed = parse_coordinate(pd.Series(cells, dtype="str"), axis="lat")
    assert parsed.values.notna().sum() == 37_500
    assert parsed.dms.sum() == 12_500
    assert parsed.values.iloc[1] == pytest.approx(LAT)


# --- dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "form"),
    [
        ("20 Juni 2025", "named"),
        ("20 Jun 2025", "named"),
        ("20 JUNI 2025", "named"),
        ("20-Jun-2025", "named"),
        ("20 June 2025", "named"),
        ("Jumat, 20 Juni 2025", "named"),
        ("Jum'at, 20 Juni 2025", "named"),
        ("20/06/2025", "dmy"),
        ("20-06-2025", "dmy"),
        ("20.06.2025", "dmy"),
        ("2025-06-20", "iso"),
        ("2025-06-20 14:30:00", "iso"),
        ("2025-06-20T14:30", "iso"),
    ],
)
def test_dates_as_indonesians_write_them(cell: str, form: str) -> None:
    dates = parse_dates(column(cell))
    assert dates.values.iloc[0] == pd.Timestamp("2025-06-20")
    assert dates.form.iloc[0] == form


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("1 Januari 2024", "2024-01-01"),
        ("29 Pebruari 2024", "2024-02-29"),
        ("17 Agustus 2024", "2024-08-17"),
        ("17 Agt 2024", "2024-08-17"),
        ("17 Ags 2024", "2024-08-17"),
        ("1 Okt 2024", "2024-10-01"),
        ("10 Nopember 2024", "2024-11-10"),
        ("25 Des 2024", "2024-12-25"),
        ("5 Mei 2024", "2024-05-05"),
        ("06/07/2025", "2025-07-06"),  # day first, always
    ],
)
def test_indonesian_month_names_and_day_first(cell: str, expected: str) -> None:
    assert parse_dates(column(cell)).values.iloc[0] == pd.Timestamp(expected)


@pytest.mark.parametrize("cell", ["31/02/2024", "30 Februari 2024", "2024-13-01", "06/20/2025"])
def test_impossible_dates_have_a_form_but_no_value(cell: str) -> None:
    dates = parse_dates(column(cell))
    assert pd.isna(dates.values.iloc[0]) and dates.form.iloc[0] in {"dmy", "named", "iso"}


@pytest.mark.parametrize("cell", ["kemarin", "20 Foo 2025", "2025", "20/06/25", "Juni 2025", ""])
def test_unreadable_dates_have_no_form(cell: str) -> None:
    dates = parse_dates(column(cell))
    assert pd.isna(dates.values.iloc[0]) and pd.isna(dates.form.iloc[0])


def test_excel_serial_dates_only_when_asked() -> None:
    cells = column("45828", "45828.75", "45828,5", "0", "1")
    assert parse_dates(cells).form.isna().all()
    dates = parse_dates(cells, excel_serial=True)
    assert list(dates.values[:2]) == [pd.Timestamp("2025-06-20")] * 2
    assert list(dates.form) == ["serial", "serial", None, None, "serial"]
    assert dates.values.iloc[4] == pd.Timestamp("1899-12-31")  # Excel's day 1


def test_dates_keep_any_index_and_dtype() -> None:
    cells = pd.Series(["20 Juni 2025", "x"], index=[7, 7], dtype="str")  # a repeated label
    dates = parse_dates(cells)
    assert list(dates.values.index) == [7, 7] and dates.values.dtype == "datetime64[ns]"
    assert dates.values.iloc[0] == pd.Timestamp("2025-06-20") and pd.isna(dates.values.iloc[1])


def test_fifty_thousand_dates_in_four_forms() -> None:
    cells = pd.Series(["20 Juni 2025", "20/06/2025", "2025-06-20", "45828"] * 12_500)
    dates = parse_dates(cells, excel_serial=True)
    assert (dates.values == pd.Timestamp("2025-06-20")).all()
    assert np.array_equal(dates.form.value_counts().to_numpy(), [12_500] * 4)


# --- place names ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "level", "rest"),
    [
        ("Kab. Sanggau", "kabupaten", "Sanggau"),
        ("Kabupaten Kubu Raya", "kabupaten", "Kubu Raya"),
        ("KAB Sambas", "kabupaten", "Sambas"),
        ("Kota Pontianak", "kabupaten", "Pontianak"),
        ("Kec. Entikong", "kecamatan", "Entikong"),
        ("Kec.Entikong", "kecamatan", "Entikong"),
        ("Kecamatan Sekayam", "kecamatan", "Sekayam"),
        ("Ds. Entikong", "desa", "Entikong"),
        ("Desa Suka Maju", "desa", "Suka Maju"),
        ("Kel. Tanjung", "desa", "Tanjung"),
        ("Kelurahan Tanjung", "desa", "Tanjung"),
        ("Prov. Kalimantan Barat", "provinsi", "Kalimantan Barat"),
        ("Entikong", None, "Entikong"),
        ("Kelam Permai", None, "Kelam Permai"),  # "Kel" only as a whole word
        ("Dusun Kecil", None, "Dusun Kecil"),  # a desa's name, not a prefix
        ("Desa", None, "Desa"),  # only a prefix: left alone
    ],
)
def test_prefixes_name_the_level(name: str, level: str | None, rest: str) -> None:
    assert split_place_prefix(name) == (level, rest)


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Ds. Entikong", "entikong"),
        ("  KEC.  Entikong ", "entikong"),
        ("Sei. Ambawang", "sungai ambawang"),
        ("Sui Raya", "sungai raya"),
        ("Tj. Harapan", "tanjung harapan"),
        ("Ng. Pinoh", "nanga pinoh"),
        ("Tua' Abang", "tua abang"),
        ("Sungai Sapa’", "sungai sapa"),
        ("Bum-bun", "bum bun"),
        ("Sungai Mata-Mata", "sungai mata mata"),
        ("Kaliaú", "kaliau"),
    ],
)
def test_names_are_normalised_for_matching(name: str, key: str) -> None:
    assert normalise_place_name(name) == key


def test_prefix_is_kept_on_request() -> None:
    assert normalise_place_name("Kota Pontianak", strip_prefix=False) == "kota pontianak"


@pytest.mark.parametrize(
    ("text", "readings"),
    [
        ("Desa Temajuk Kecamatan Paloh", [["Desa Temajuk", "Kecamatan Paloh"]]),
        ("temajuk kec. paloh kab sambas", [["temajuk", "kec. paloh", "kab sambas"]]),
        ("Ds.Temajuk Kec.Paloh", [["Ds.Temajuk", "Kec.Paloh"]]),
        ("Temajuk Kalimantan Barat", [["Temajuk", "Kalimantan Barat"]]),
        ("Kota Pontianak", [["Kota Pontianak"]]),
        ("Pontianak Kota", [["Pontianak Kota"]]),  # a name ending in a prefix word
        ("Kabut Raya", [["Kabut Raya"]]),  # "Kab" only as a whole word
        ("Desa Kota Bangun Kec. X", [["Desa Kota Bangun", "Kec. X"]]),
        (
            "Desa Pemangkat Kota Kecamatan Pemangkat",
            [
                ["Desa Pemangkat Kota", "Kecamatan Pemangkat"],
                ["Desa Pemangkat", "Kota Kecamatan Pemangkat"],
            ],
        ),
    ],
)
def test_full_words_are_cut_before_each_prefix(text: str, readings: list[list[str]]) -> None:
    assert split_at_prefixes(text) == readings
