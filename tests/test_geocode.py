"""Place-name lookup on the real gazetteer: exact, fuzzy within the parent, ambiguous, CLI."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from geodata.reference.geocode import PlaceIndex, geocode, geocode_many, main

ENTIKONG_DESA = "61.03.21.2003"
ENTIKONG_KEC = "61.03.21"


def test_full_free_text_is_exact() -> None:
    result = geocode("Ds. Entikong, Kec. Entikong, Kab. Sanggau")
    assert (result.status, result.code, result.confidence) == ("exact", ENTIKONG_DESA, 1.0)
    assert result.match is not None
    assert (result.match.kecamatan, result.match.kabupaten) == ("Entikong", "Kabupaten Sanggau")
    assert result.level == "desa" and result.candidates == () and result.unresolved == ()


def test_misspelt_desa_within_its_kecamatan_is_fuzzy() -> None:
    result = geocode("Ds. Entikon, Kec. Entikong")
    assert result.status == "fuzzy" and result.code == ENTIKONG_DESA
    assert 0.8 <= result.confidence < 1


def test_fuzzy_matching_stays_within_the_parent() -> None:
    # "Entikong" exists as a desa only in Kec. Entikong: not found inside Kec. Sekayam.
    result = geocode("Ds. Entikong, Kec. Sekayam")
    assert result.level == "kecamatan" and result.code == "61.03.07"
    assert result.unresolved == ("entikong",) and result.confidence < 1


def test_same_desa_name_in_several_kecamatan_is_ambiguous() -> None:
    result = geocode("Ds. Tanjung")
    assert result.status == "ambiguous" and result.code is None and result.confidence == 0
    codes = {candidate.code for candidate in result.candidates}
    assert {"61.05.07.2028", "61.09.01.2003"} <= codes and len(codes) >= 6
    assert all(candidate.score == 1.0 for candidate in result.candidates)


def test_a_kecamatan_name_in_two_kabupaten_is_ambiguous_until_the_kabupaten_is_given() -> None:
    ambiguous = geocode("Kec. Sungai Raya")
    assert ambiguous.status == "ambiguous"
    assert {c.code for c in ambiguous.candidates} == {"61.07.01", "61.12.01"}
    assert geocode("Kec. Sungai Raya, Kab. Kubu Raya").code == "61.12.01"
    assert geocode("Sei Raya, Kubu Raya").code == "61.12.01"  # Sei = Sungai, no prefixes


def test_a_child_name_settles_an_ambiguous_parent() -> None:
    desa = _gazetteer().query("level == 'desa'")
    unique = desa[desa["name"].map(desa["name"].value_counts()) == 1]
    name, code = unique.loc[unique["kecamatan_code"] == "61.12.01", ["name", "code"]].iloc[0]
    result = PlaceIndex.default().locate(desa=name, kecamatan="Sungai Raya")
    assert result.code == code and result.confidence == 1.0


def test_codes_are_looked_up_directly() -> None:
    assert geocode(ENTIKONG_DESA).code == ENTIKONG_DESA
    assert geocode(" 61.03 ").match.name == "Kabupaten Sanggau"  # type: ignore[union-attr]
    missing = geocode("61.03.21.9999")
    assert missing.status == "not_found" and missing.unresolved == ("61.03.21.9999",)


def test_a_lone_name_on_one_chain_gives_the_coarsest_unit() -> None:
    result = geocode("Entikong")
    assert result.code == ENTIKONG_KEC and result.confidence == 1.0
    assert [c.code for c in result.candidates] == [ENTIKONG_DESA]


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("Kota Pontianak", "61.71"),
        ("Kec. Nanga Pinoh, Kab. Melawi", "61.10.02"),  # 61.10, not 61.1: parents from codes
        ("Ng. Pinoh", "61.10.02"),
        ("Kab. Sangau", "61.03"),  # fuzzy kabupaten
        ("Entikong, Entikong, Sanggau", ENTIKONG_DESA),  # no prefixes: fine to coarse
        ("Jl. Raya 5, Ds. Entikong, Kec. Entikong, Kab. Sanggau, Kalimantan Barat", ENTIKONG_DESA),
        ("DS. ENTIKONG; KEC. ENTIKONG", ENTIKONG_DESA),
    ],
)
def test_free_text_variants(query: str, code: str) -> None:
    assert geocode(query).code == code


@pytest.mark.parametrize("query", ["", "   ", "zzzz qqqq", "Kalimantan Barat"])
def test_nothing_found(query: str) -> None:
    result = geocode(query)
    assert result.status == "not_found" and result.code is None and not result.found


def test_locate_by_columns_strips_prefixes() -> None:
    index = PlaceIndex.default()
    result = index.locate(desa="Ds. Entikong", kecamatan="Kec. Entikong", kabupaten="Kab. Sanggau")
    assert result.code == ENTIKONG_DESA and result.query.startswith("Ds. Entikong")
    assert index.locate(kecamatan="Entikong").code == ENTIKONG_KEC
    assert index.locate().status == "not_found"


def _gazetteer() -> pd.DataFrame:
    from geodata.reference import load_gazetteer

    return load_gazetteer()


def test_a_small_hand_built_gazetteer() -> None:
    gazetteer = pd.DataFrame(
        {
            "code": ["61.03", "61.03.21", "61.03.21.2001", "61.03.22", "61.03.22.2001"],
            "name": ["Kabupaten Sanggau", "Entikong", "Nekan", "Sekayam", "Nekan"],
            "short_name": ["Sanggau", "Entikong", "Nekan", "Sekayam", "Nekan"],
            "level": ["kabupaten", "kecamatan", "desa", "kecamatan", "desa"],
        }
    )
    index = PlaceIndex(gazetteer)
    assert len(index) == 5
    assert geocode("Nekan", index=index).status == "ambiguous"
    assert geocode("Ds. Nekan, Kec. Sekayam", index=index).code == "61.03.22.2001"
    assert geocode("Ds. Nekn, Kec. Entikong", index=index).code == "61.03.21.2001"
    with pytest.raises(ValueError, match="lacks"):
        PlaceIndex(gazetteer.drop(columns="level"))
    with pytest.raises(TypeError, match="`query` should be a str"):
        geocode(61, index=index)  # type: ignore[arg-type]


def test_results_serialise() -> None:
    data = geocode("Ds. Entikon, Kec. Entikong").to_dict()
    assert data["code"] == ENTIKONG_DESA and data["status"] == "fuzzy"
    assert json.loads(json.dumps(data))["match"]["kecamatan"] == "Entikong"


def test_ten_thousand_names_are_looked_up() -> None:
    gazetteer = _gazetteer()
    desa = gazetteer[gazetteer["level"] == "desa"].head(2_000)
    kecamatan = gazetteer.set_index("code")["name"]
    queries = [
        f"Ds. {name}, Kec. {kecamatan[parent]}"
        for name, parent in zip(desa["name"], desa["kecamatan_code"], strict=True)
    ] * 5
    results = geocode_many(queries)
    assert len(results) == 10_000
    assert (
        sum(
            result.code == code
            for result, code in zip(results, list(desa["code"]) * 5, strict=True)
        )
        >= 9_900
    )


# --- command line ---------------------------------------------------------------------------


def test_cli_text_in_both_languages(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            [
                "--lang",
                "en",
                "Ds. Entikong, Kec. Entikong, Kab. Sanggau",
                "Ds. Entikon, Kec. Entikong",
            ]
        )
        == 0
    )
    english = capsys.readouterr().out
    assert english.count(ENTIKONG_DESA) == 2 and "confidence 1.00 (exact match)" in english
    assert "Kec. Entikong, Kabupaten Sanggau" in english
    assert main(["Ds. Entikon, Kec. Entikong"]) == 0
    indonesian = capsys.readouterr().out
    assert "keyakinan 0,93" in indonesian and "nama mirip" in indonesian


def test_cli_json_lists_candidates_and_fails_when_not_located(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--json", "Tanjung", ENTIKONG_KEC]) == 1
    results = json.loads(capsys.readouterr().out)
    assert results[0]["status"] == "ambiguous" and len(results[0]["candidates"]) >= 6
    assert results[1]["code"] == ENTIKONG_KEC


def test_cli_bad_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert main(["--lang", "en", "--nope", "x"]) == 2
    error = capsys.readouterr().err
    assert "was not understood" in error and "Traceback" not in error
    assert main(["--help"]) == 0


# --- names written with full words and no separators ----------------------------------------


def _code_of(name: str, level: str, parent: str | None = None) -> str:
    gazetteer = _gazetteer()
    rows = gazetteer[(gazetteer["name"] == name) & (gazetteer["level"] == level)]
    if parent is not None:
        rows = rows[rows["code"].str.startswith(parent + ".")]
    (code,) = rows["code"]
    return str(code)


@pytest.mark.parametrize(
    "query",
    [
        "Desa Temajuk Kecamatan Paloh",
        "Temajuk Kecamatan Paloh Kabupaten Sambas",
        "Kecamatan Paloh Desa Temajuk",  # coarse first
        "Kabupaten Sambas Kecamatan Paloh Desa Temajuk",
        "desa temajuk kec paloh kab sambas",
        "DESA TEMAJUK KECAMATAN PALOH KABUPATEN SAMBAS KALIMANTAN BARAT",
        "Ds. Temajuk Kec. Paloh Kab. Sambas",
        "Ds.Temajuk Kec.Paloh",
        "Kabupaten Sambas, Kecamatan Paloh Desa Temajuk",  # commas and words mixed
        "Ds. Temajuk, Kec. Paloh",  # today's comma form
    ],
)
def test_full_words_without_separators(query: str) -> None:
    result = geocode(query)
    paloh = _code_of("Paloh", "kecamatan")
    assert (result.status, result.code) == ("exact", _code_of("Temajuk", "desa", paloh))
    assert result.unresolved == () and result.confidence == 1.0


def test_names_that_end_or_start_with_a_prefix_word() -> None:
    pemangkat = _code_of("Pemangkat", "kecamatan")
    desa = geocode("Desa Pemangkat Kota Kecamatan Pemangkat")
    assert desa.code == _code_of("Pemangkat Kota", "desa", pemangkat)
    kecamatan = geocode("Kecamatan Pontianak Kota Kota Pontianak")
    assert kecamatan.code == _code_of("Pontianak Kota", "kecamatan")
    assert geocode("Kota Singkawang").code == _code_of("Kota Singkawang", "kabupaten")


def test_a_kelurahan_written_out_in_its_kota() -> None:
    gazetteer = _gazetteer()
    kelurahan = gazetteer[(gazetteer["unit_type"] == "kelurahan")]
    unique = kelurahan[kelurahan["name"].map(gazetteer["name"].value_counts()) == 1]
    name, code = unique.loc[unique["code"].str.startswith("61.71."), ["name", "code"]].iloc[0]
    result = geocode(f"Kelurahan {name} Kota Pontianak")
    assert (result.status, result.code) == ("exact", code)


def test_an_ambiguous_name_in_full_words_still_lists_its_candidates() -> None:
    result = geocode("Desa Tanjung")
    assert result.status == "ambiguous" and result.code is None
    assert {"61.05.07.2028", "61.09.01.2003"} <= {c.code for c in result.candidates}
    settled = geocode("Desa Tanjung Kecamatan " + geocode("61.05.07").match.name)  # type: ignore[union-attr]
    assert settled.code == "61.05.07.2028"


def test_every_desa_written_out_in_full_words() -> None:
    gazetteer = _gazetteer()
    desa = gazetteer[gazetteer["level"] == "desa"]
    names = gazetteer.set_index("code")["name"]
    queries = [
        f"Desa {name} Kecamatan {names[kecamatan]} {names[kecamatan[:5]]}"
        for name, kecamatan in zip(desa["name"], desa["kecamatan_code"], strict=True)
    ]
    results = geocode_many(queries)
    right = sum(r.code == code for r, code in zip(results, desa["code"], strict=True))
    assert right >= 0.99 * len(desa), right


def test_an_import_places_full_word_names_on_their_desa() -> None:
    from geodata.records.intake import preview_import

    text = (
        "id kasus;tanggal laporan;lokasi;korban perempuan dewasa;status\n"
        "W-1;01/05/2024;Desa Temajuk Kecamatan Paloh Kabupaten Sambas;1;Dilaporkan\n"
        "W-2;02/05/2024;KECAMATAN PALOH DESA TEMAJUK;2;Penyidikan\n"
    )
    preview = preview_import(text.encode(), filename="kasus.csv", remembered=False)
    assert preview.ok, preview.report.to_text("en")
    temajuk = _code_of("Temajuk", "desa", _code_of("Paloh", "kecamatan"))
    assert preview.frame["admin_code"].tolist() == [temajuk, temajuk]
    assert preview.frame["location_precision"].tolist() == ["desa", "desa"]


def test_an_import_reads_a_whole_place_written_in_the_desa_column() -> None:
    """Offices fill the template's Desa column with the whole place, or prefix each column."""
    from geodata.records.intake import preview_import

    text = (
        "id kasus;tanggal laporan;desa/kelurahan;kecamatan;korban perempuan dewasa;status\n"
        "W-1;01/05/2024;Desa Temajuk Kecamatan Paloh;;1;Dilaporkan\n"
        "W-2;02/05/2024;Desa Temajuk;Kecamatan Paloh;2;Penyidikan\n"
        "W-3;03/05/2024;Temajuk;Paloh;2;Penyidikan\n"
    )
    preview = preview_import(text.encode(), filename="kasus.csv", remembered=False)
    assert preview.ok, preview.report.to_text("en")
    temajuk = _code_of("Temajuk", "desa", _code_of("Paloh", "kecamatan"))
    assert preview.frame["admin_code"].tolist() == [temajuk] * 3
