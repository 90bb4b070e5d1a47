"""Kemendagri area codes: which level a code is at, worked out in one place.

A code's level is its length: ``"61"`` provinsi, ``"61.03"`` kabupaten, ``"61.03.01"``
kecamatan, ``"61.03.01.2001"`` desa (:data:`geodata.settings.CODE_LENGTH`).
"""

from __future__ import annotations

from typing import Final, Literal, overload

import pandas as pd

from geodata.settings import CODE_LENGTH

__all__ = ["LEVEL_BY_LENGTH", "AnyLevel", "code_level"]

AnyLevel = Literal["provinsi", "kabupaten", "kecamatan", "desa"]
#: The level of a code of each length.
LEVEL_BY_LENGTH: Final[dict[int, AnyLevel]] = {
    CODE_LENGTH[level]: level for level in ("provinsi", "kabupaten", "kecamatan", "desa")
}


@overload
def code_level(code: str) -> AnyLevel | None: ...
@overload
def code_level(code: pd.Series) -> pd.Series: ...
def code_level(code: str | pd.Series) -> AnyLevel | pd.Series | None:
    """The level of a Kemendagri code (``"61.03"`` is a ``"kabupaten"``), None if none.

    A Series of codes gives a Series of levels, NaN where a code (or a missing value) has
    no level. Codes are taken as written: strip spaces first.
    """
    if isinstance(code, pd.Series):
        return code.astype("string").str.len().map(LEVEL_BY_LENGTH)
    return LEVEL_BY_LENGTH.get(len(code))
