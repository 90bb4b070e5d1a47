"""Cell-key perturbation: the published counts of the aggregate roles.

The method of the ABS TableBuilder (Fraser & Wooton 2005, "A proposed method for
confidentialising tabular output to protect against differencing") as the ONS used it for
the 2021 Census flexible table builder:

1. every case gets a **record key**, the first byte of HMAC-SHA256(secret, case id), 0..255;
   every victim (the ``j``-th of a sex/age column of a case) gets one too, from its own
   message, so the victims of a cell are keyed independently of its cases;
2. a cell's **cell key** is the sum of its records' keys modulo 256: the same set of records
   has the same cell key whatever filter, unit, period or category produced it;
3. the published count is ``ptable(true count, cell key)`` (:data:`PTABLE`, public): 0 stays
   0; a true count from 1 to ``threshold - 1`` is published as 0 or ``threshold`` (never 1
   or 2) with the expected value of the true count; a count of ``threshold`` stays; larger
   counts move by -2..+2 with mean 0 and are never published below ``threshold``.

So the same records always give the same number (asking twice, or through two pages, adds
nothing), and a difference of two published numbers carries the noise of both. The
perturbation table is public; only the secret is not
(:attr:`geodata.records.datasets.Dataset.secret`, or for files without a store a key derived from
the data version).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from functools import cache
from typing import Final

import numpy as np
import pandas as pd

from geodata.errors import ArgumentError

__all__ = [
    "KEY_RANGE",
    "PTABLE",
    "cell_key",
    "dataset_key",
    "perturb",
    "possible_true_counts",
    "ptable_rows",
    "record_keys",
    "shelter_ids",
    "victim_keys",
]

#: Record and cell keys are integers in ``range(KEY_RANGE)``.
KEY_RANGE: Final = 256
#: The perturbation table for the default threshold 3, row by true count: (published, how
#: many of the 256 cell keys give it). Rows from 5 on are 5's shifted (n - 2 .. n + 2).
PTABLE: Final[dict[int, tuple[tuple[int, int], ...]]] = {
    0: ((0, 256),),
    1: ((0, 171), (3, 85)),  # mean 0.996
    2: ((0, 85), (3, 171)),  # mean 2.004
    3: ((3, 256),),
    4: ((3, 64), (4, 144), (5, 32), (6, 16)),  # mean 4
    5: ((3, 16), (4, 64), (5, 96), (6, 64), (7, 16)),  # mean 5
}
#: Perturbation of every count from ``threshold + 2`` on: (change, how many keys).
_SPREAD: Final = ((-2, 16), (-1, 64), (0, 96), (1, 64), (2, 16))
_ABOVE: Final = ((-1, 64), (0, 144), (1, 32), (2, 16))


def ptable_rows(threshold: int) -> dict[int, tuple[tuple[int, int], ...]]:
    """The perturbation table for ``threshold`` (``>= 1``): rows 0 to ``threshold + 2``.

    :data:`PTABLE` is ``ptable_rows(3)``. A row lists (published value, number of the 256
    cell keys that give it), in increasing order of the value; a count above the last row
    is published as the last row's values shifted by the difference.
    """
    if threshold < 1:
        raise ArgumentError(f"`threshold` should be at least 1, got {threshold}")
    rows: dict[int, tuple[tuple[int, int], ...]] = {0: ((0, KEY_RANGE),)}
    for count in range(1, threshold):
        up = round(KEY_RANGE * count / threshold)
        rows[count] = ((0, KEY_RANGE - up), (threshold, up))
    rows[threshold] = ((threshold, KEY_RANGE),)
    rows[threshold + 1] = tuple((threshold + 1 + change, keys) for change, keys in _ABOVE)
    rows[threshold + 2] = tuple((threshold + 2 + change, keys) for change, keys in _SPREAD)
    return rows


@cache
def _lookup(threshold: int) -> np.ndarray:
    """Published value by (row, cell key): shape (threshold + 3, 256)."""
    rows = ptable_rows(threshold)
    return np.array(
        [np.repeat([value for value, _ in row], [keys for _, keys in row]) for row in rows.values()]
    )


def perturb(counts: Iterable[int], keys: Iterable[int], *, threshold: int) -> np.ndarray:
    """Published counts for true ``counts`` with cell ``keys`` (same length), as int64."""
    count = np.asarray(list(counts) if not isinstance(counts, np.ndarray) else counts)
    key = np.asarray(list(keys) if not isinstance(keys, np.ndarray) else keys)
    count, key = count.astype("int64"), key.astype("int64") % KEY_RANGE
    if (count < 0).any():
        raise ArgumentError("`counts` should be whole numbers of at least 0, got a negative one")
    table = _lookup(threshold)
    last = len(table) - 1
    row = np.minimum(count, last)
    return (table[row, key] + (count - row)).astype("int64")


def possible_true_counts(published: int, *, threshold: int, largest: int) -> frozenset[int]:
    """True counts from 0 to ``largest`` that the table can publish as ``published``.

    What an attacker who knows the table learns from one published value.
    """
    counts = np.arange(largest + 1)
    table = _lookup(threshold)
    last = len(table) - 1
    row = np.minimum(counts, last)
    values = table[row] + (counts - row)[:, None]
    return frozenset(int(n) for n in counts[(values == published).any(axis=1)])


def cell_key(record_keys: Iterable[int]) -> int:
    """The cell key of a set of records: the sum of their keys modulo 256."""
    return int(sum(int(key) for key in record_keys) % KEY_RANGE)


def dataset_key(secret: bytes, version: str) -> bytes:
    """The HMAC key: the store's ``secret``, or (files without a store) one from ``version``.

    Files are the synthetic demo data, shown at records level anyway; the derived key only
    keeps the published counts stable for one version of the files.
    """
    if secret:
        return secret
    return hashlib.sha256(f"kalbar cell key for files {version}".encode()).digest()


def _byte(key: bytes, message: str) -> int:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()[0]


def record_keys(key: bytes, ids: Iterable[object]) -> np.ndarray:
    """Record key (0..255) of each case id."""
    return np.array([_byte(key, f"case|{case_id}") for case_id in ids], dtype="int64")


def victim_keys(key: bytes, ids: Iterable[object], victims: pd.Series, column: str) -> np.ndarray:
    """Per case, the sum modulo 256 of the keys of its ``victims`` in ``column``.

    The ``j``-th victim of ``column`` of a case has the key HMAC(key, id, column, j), so a
    cell of victims has a key of its own, independent of the cell key of its cases.
    """
    counts = pd.to_numeric(victims, errors="coerce").fillna(0).astype("int64").to_numpy()
    return np.array(
        [
            sum(_byte(key, f"victim|{case_id}|{column}|{j}") for j in range(count)) % KEY_RANGE
            for case_id, count in zip(ids, counts, strict=True)
        ],
        dtype="int64",
    )


def shelter_ids(key: bytes, ids: Iterable[object]) -> list[str]:
    """A stable id for each shelter id that does not reveal it (``"SH-"`` and 10 hex digits)."""
    return [
        "SH-" + hmac.new(key, f"shelter|{value}".encode(), hashlib.sha256).hexdigest()[:10]
        for value in ids
    ]
