"""Check the shape of an uploaded GeoJSON file before GDAL reads it.

GDAL's cost grows with what a file declares: 50,000 property names become 50,000 fields,
100,000 features become 100,000 rows, and each level of nesting costs recursion. So before
any frame is built, :func:`geojson_problem` measures the nesting depth on the raw bytes (a
linear scan with the strings taken out), then parses the JSON once and counts features,
properties per feature and property names in all. A file that is not a GeoJSON
``FeatureCollection`` or ``Feature`` is refused here too, so GDAL never reads what was not
checked.
"""

from __future__ import annotations

import json
import re
from typing import Final

import numpy as np

from geodata.records.report import ParamValue, Problem

#: A JSON string (possessive: linear time even on a 20 MB string without an end).
_STRING: Final = re.compile(rb'"(?:[^"\\]++|\\.)*+"')
_NOT_BRACKETS: Final = bytes(set(range(256)) - set(b"{}[]"))
_OPENING: Final = frozenset(b"{[")


def nesting_depth(data: bytes) -> int:
    """The deepest nesting of objects and arrays in JSON ``data`` (brackets in strings not
    counted); 0 for a file without any."""
    brackets = _STRING.sub(b"", data).translate(None, _NOT_BRACKETS)
    if not brackets:
        return 0
    codes = np.frombuffer(brackets, dtype=np.uint8)
    steps = np.where(np.isin(codes, list(_OPENING)), 1, -1).astype(np.int32)
    return int(np.cumsum(steps).max())


def geojson_problem(
    data: bytes, file: str, *, max_rows: int, max_properties: int, max_depth: int
) -> Problem | None:
    """A file-level problem if ``data`` is not GeoJSON within the limits, else None.

    Parameters
    ----------
    data
        The file's bytes.
    file
        Name shown in messages.
    max_rows
        Most features.
    max_properties
        Most properties one feature may have, and most property names in all.
    max_depth
        Deepest nesting of objects and arrays.
    """
    depth = nesting_depth(data)
    if depth > max_depth:
        return Problem(
            file, None, None, "upload.geojson_depth", {"depth": depth, "limit": max_depth}
        )
    try:
        document = json.loads(data)
    except (ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        return _unreadable(file, f"JSON: {reason}")
    features = _features(document)
    if features is None:
        return _unreadable(file, "no GeoJSON FeatureCollection or Feature")
    if len(features) > max_rows:
        return Problem(
            file, None, None, "too_many_rows", {"count": len(features), "limit": max_rows}
        )
    names: set[str] = set()
    for number, feature in enumerate(features, 1):
        properties = feature.get("properties") if isinstance(feature, dict) else None
        if not isinstance(properties, dict):
            continue
        if len(properties) > max_properties:
            params = {
                "feature": number,
                "count": len(properties),
                "limit": max_properties,
            }
            return Problem(file, None, None, "upload.geojson_properties", params)
        names.update(properties)
        if len(names) > max_properties:
            params = {"feature": number, "count": len(names), "limit": max_properties}
            return Problem(file, None, None, "upload.geojson_names", params)
    return None


def _features(document: object) -> list[object] | None:
    if not isinstance(document, dict):
        return None
    if document.get("type") == "Feature":
        return [document]
    features = document.get("features")
    if document.get("type") == "FeatureCollection" and isinstance(features, list):
        return features
    return None


def _unreadable(file: str, reason: str) -> Problem:
    params: dict[str, ParamValue] = {"reason": reason, "format": "GeoJSON"}
    return Problem(file, None, None, "file_unreadable", params)
