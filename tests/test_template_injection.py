"""User text must not be evaluated as a Jinja template when folium renders the map.

branca compiles every rendered script as a Jinja template once more, so a note holding
``{{ 7*7 }}`` would come out as ``49`` (and worse expressions would run on the server)
unless the project escapes the braces.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

from layers.cases import cases_layer
from layers.crossings import crossings_layer
from layers.mapview import new_map
from layers.shelters import shelters_layer

PAYLOAD = "{{ 6*7 }} {% if true %}ran{% endif %}"


def _assert_shown_as_text(html: str) -> None:
    # Evaluated, the payload would leave "42 ran" and lose its template syntax.
    assert "6*7" in html
    assert "if true" in html and "endif" in html
    assert "{{ 6*7 }}" not in html  # the braces themselves are escaped too


def _render(layer: object) -> str:
    m = new_map()
    layer.add_to(m)  # type: ignore[attr-defined]
    return m.get_root().render()


def test_case_note_with_jinja_syntax_is_not_evaluated() -> None:
    cases = gpd.GeoDataFrame(
        {
            "case_id": ["K-1"],
            "date_reported": pd.to_datetime(["2024-03-01"]),
            "exploitation": ["labour"],
            "victims_female_adult": [1],
            "victims_female_child": [0],
            "victims_male_adult": [0],
            "victims_male_child": [0],
            "destination": ["MY · Sarawak"],
            "crossing_type": ["unknown"],
            "status": ["reported"],
            "note": [PAYLOAD],
            "location_precision": ["exact"],
            "synthetic": [True],
        },
        geometry=[shapely.Point(110.35, 0.95)],
        crs="EPSG:4326",
    )
    _assert_shown_as_text(_render(cases_layer(cases, lang="id")))


def test_crossing_and_shelter_names_with_jinja_syntax_are_not_evaluated() -> None:
    point = [shapely.Point(110.35, 0.95)]
    crossings = gpd.GeoDataFrame(
        {
            "name": [PAYLOAD],
            "kind": ["land_track"],
            "status": ["active"],
            "last_verified": [pd.NaT],
            "source": ["x"],
            "synthetic": [True],
        },
        geometry=point,
        crs="EPSG:4326",
    )
    shelters = gpd.GeoDataFrame(
        {
            "name": [PAYLOAD],
            "operator": ["NGO"],
            "capacity": [10],
            "services": ["legal"],
            "synthetic": [True],
        },
        geometry=point,
        crs="EPSG:4326",
    )
    for html in (
        _render(crossings_layer(crossings, lang="en")),
        _render(shelters_layer(shelters, lang="en")),
    ):
        _assert_shown_as_text(html)
