"""The level of a Kemendagri code, worked out once (geodata.codes.code_level)."""

from __future__ import annotations

import pandas as pd
import pytest

from geodata import reference
from geodata.codes import code_level
from geodata.settings import DEFAULT_KABUPATEN, LEVELS, PROVINCE_CODE


@pytest.mark.parametrize("level", LEVELS)
def test_every_committed_unit_code_is_at_its_level(level: str) -> None:
    codes = reference.load_units(level)["code"]
    assert code_level(codes).eq(level).all()
    assert {code_level(code) for code in codes} == {level}


def test_codes_of_no_level_and_missing_values() -> None:
    assert code_level(PROVINCE_CODE) == "provinsi"
    assert code_level(DEFAULT_KABUPATEN) == "kabupaten"
    assert code_level("61.03.0") is None
    assert code_level("") is None
    levels = code_level(pd.Series(["61.03.01", None, "6103"], dtype="string"))
    assert levels.iloc[0] == "kecamatan"
    assert levels.iloc[1:].isna().all()


def test_the_gazetteer_level_is_the_code_level() -> None:
    gazetteer = reference.load_gazetteer()
    assert (code_level(gazetteer["code"]) == gazetteer["level"]).all()
