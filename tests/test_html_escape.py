"""User-supplied text shows as text and runs nothing, in tooltips and in the whole map.

Folium writes tooltip text unescaped into HTML and into JavaScript template literals, and
FastMarkerCluster puts it into a JSON array whose strings become tooltip HTML. The checks
here mimic the browser: take the string the page hands to ``bindTooltip`` and see which
elements it would create and what text it would show.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser

import folium
import geopandas as gpd
import pytest

from geodata import reference
from geodata.records.cases import case_points, count_by_unit, destination_label, locate_cases
from geodata.records.datasets import Dataset
from layers import cases as cases_module
from layers._html import TABLE_JS, escape_text, html_table, table_cells
from layers.cases import case_tooltip_values, cases_layer
from layers.choropleth import choropleth_fill
from layers.crossings import crossing_tooltip_rows, crossings_layer
from layers.mapview import new_map
from layers.overview import MapData, MapOptions, overview_map
from layers.shelters import shelter_tooltip_rows, shelters_layer
from tests.conftest import MakeCases

IMG = "<img src=x onerror=alert(1)>"
TEMPLATE = "${document.title='x'}"
BACKTICK = "`); alert(2); (`"
BACKSLASH = "C:\\temp\\` \\u0060"
#: branca compiles rendered scripts as Jinja once more: this must not run on the server.
JINJA = "{{ 7*7 }}{% if true %}jinja-ran{% endif %}{# c #}"
PAYLOADS = (IMG, TEMPLATE, BACKTICK, BACKSLASH, JINJA)
#: Everything at once, as one note might be typed.
EVIL = f"{IMG} {TEMPLATE} {BACKTICK} {BACKSLASH} {JINJA}"
#: Tags the project's own tooltip markup uses; anything else came from user text.
OWN_TAGS = {"div", "table", "tr", "th", "td"}


class _Elements(HTMLParser):
    """What a browser would build from an HTML fragment: tags, attributes and text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes.extend(name for name, _ in attrs if name != "class")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(fragment: str) -> _Elements:
    parser = _Elements()
    parser.feed(fragment)
    parser.close()
    return parser


def _assert_shows_as_text(fragment: str, *texts: str) -> None:
    """``fragment`` builds only the project's own elements and shows each of ``texts``."""
    parsed = _parse(fragment)
    assert set(parsed.tags) <= OWN_TAGS, parsed.tags
    assert parsed.attributes == []
    shown = "".join(parsed.text)
    for text in texts:
        assert text in shown


def _assert_safe_in_template_literal(fragment: str) -> None:
    """``fragment`` can sit between backticks in JS: it cannot end or interpolate it."""
    assert "`" not in fragment
    assert "${" not in fragment
    assert "\\" not in fragment


# --------------------------------------------------------------------------- escape_text


@pytest.mark.parametrize("payload", PAYLOADS)
def test_escape_text_leaves_nothing_html_or_a_template_literal_would_run(payload: str) -> None:
    escaped = escape_text(payload)
    _assert_safe_in_template_literal(escaped)
    assert "<" not in escaped and ">" not in escaped
    assert "{" not in escaped and "}" not in escaped
    assert html.unescape(escaped) == payload


def test_escape_text_exact_output() -> None:
    assert escape_text(IMG) == "&lt;img src=x onerror=alert(1)&gt;"
    assert escape_text(TEMPLATE) == "&#36;&#123;document.title=&#x27;x&#x27;&#125;"
    assert escape_text('a`b\\c"d') == "a&#96;b&#92;c&quot;d"


@pytest.mark.parametrize("missing", [None, float("nan")])
def test_escape_text_of_missing_is_empty(missing: object) -> None:
    assert escape_text(missing) == ""


def test_escape_text_keeps_plain_text_and_numbers() -> None:
    assert escape_text("Entikong – Tebedu") == "Entikong – Tebedu"
    assert escape_text(175) == "175"


def test_html_table_escapes_labels_and_values() -> None:
    table = html_table([(IMG, EVIL), ("plain", 3)])
    _assert_shows_as_text(table, IMG, EVIL, "plain", "3")
    _assert_safe_in_template_literal(table)


# --------------------------------------------------------------------------- one record


@pytest.fixture(scope="module")
def evil_case(make_cases: MakeCases) -> gpd.GeoDataFrame:
    """One desa-precision case at Entikong whose free-text fields all carry payloads."""
    cases = make_cases(
        {
            "case_id": f"KB-{IMG}",
            "note": EVIL,
            "source": f"{TEMPLATE}{BACKTICK}",
            "destination_state": IMG,
            "admin_code": "61.03.21.2003",
            "location_precision": "desa",
            "victims_female_adult": 2,
            "lon": 110.354,
            "lat": 0.948,
        }
    )
    cases = locate_cases(cases, reference.load_units("desa"))
    cases["destination"] = destination_label(cases)
    cases["victims_selected"] = cases["victims_total"]
    return case_points(cases, reference.load_gazetteer())


@pytest.fixture(scope="module")
def evil_crossing(sample: Dataset) -> gpd.GeoDataFrame:
    crossings = sample.crossings.iloc[[0]].copy()
    crossings["name"] = EVIL
    crossings["source"] = IMG
    return crossings


@pytest.fixture(scope="module")
def evil_shelter(sample: Dataset) -> gpd.GeoDataFrame:
    shelters = sample.shelters.iloc[[0]].copy()
    shelters["name"] = EVIL
    shelters["services"] = f"shelter;{IMG}"
    return shelters


@pytest.mark.parametrize("lang", ["id", "en"])
def test_case_tooltip_values_are_escaped(evil_case: gpd.GeoDataFrame, lang: str) -> None:
    values = case_tooltip_values(evil_case.iloc[0].to_dict(), lang=lang)
    for value in values:
        _assert_safe_in_template_literal(value)
        assert _parse(value).tags == []
    shown = [html.unescape(value) for value in values]
    assert f"KB-{IMG}" in shown
    assert EVIL in shown
    assert f"Malaysia · {IMG}" in shown  # the country named, the state as typed


def test_the_browsers_tooltip_table_is_html_tables_markup() -> None:
    """``kbTable`` (``TABLE_JS``), run by Node.js as the browser runs it, writes exactly the
    markup of ``html_table`` from ``table_cells``: hostile text stays escaped text."""
    node = shutil.which("node")
    assert node, "Node.js is needed (tools/setup.sh installs the map's npm packages with it)"
    rows: list[tuple[str, object]] = [(IMG, EVIL), ("plain", 3), ("", "sintetis")]
    program = (
        "var window = globalThis;" + TABLE_JS + "process.stdout.write(window.kbTable("
        "JSON.parse(require('fs').readFileSync(0, 'utf8'))));"
    )
    drawn = subprocess.run(
        [node, "-e", program], input=json.dumps(table_cells(rows)), capture_output=True,
        text=True, check=True, timeout=30,
    ).stdout  # fmt: skip
    assert drawn == html_table(rows) == _kb_table(table_cells(rows))
    _assert_shows_as_text(drawn, EVIL, IMG)


def test_crossing_tooltip_shows_payloads_as_text(evil_crossing: gpd.GeoDataFrame) -> None:
    tip = _kb_table(table_cells(crossing_tooltip_rows(evil_crossing.iloc[0], lang="id")))
    _assert_shows_as_text(tip, EVIL, IMG)
    _assert_safe_in_template_literal(tip)


def test_shelter_tooltip_shows_payloads_as_text(evil_shelter: gpd.GeoDataFrame) -> None:
    tip = _kb_table(table_cells(shelter_tooltip_rows(evil_shelter.iloc[0], lang="id")))
    _assert_shows_as_text(tip, EVIL, IMG)
    _assert_safe_in_template_literal(tip)


# --------------------------------------------------------------------------- rendered pages


def _render(*layers: folium.map.Layer) -> str:
    m = folium.Map(tiles=None)
    for layer in layers:
        layer.add_to(m)
    return m.get_root().render()


def _data_tooltips(page: str) -> list[str]:
    """Tooltip HTML of markers drawn by JavaScript from JSON rows, built as the page builds it.

    Rows are JSON arrays (``var data = [[...]];`` of FastMarkerCluster, ``[[...]].forEach``
    of the project's point layers). A case's tooltip is a list of values that the callback
    joins with ``var labels`` into table rows; a point layer's is the cells (label, value,
    ...) that ``kbTable`` (``layers._html.TABLE_JS``) makes a table of.
    """
    labels_found = re.findall(r"var labels = (\[.*?\]);", page)
    labels = json.loads(labels_found[0]) if labels_found else []
    tips = []
    # JSON rows are written on one line.
    rows = r"var data = (\[\[[^\n]*?\]\]);|(\[\[[^\n]*?\]\])\.forEach\("
    for match in re.finditer(rows, page):
        for row in json.loads(match.group(1) or match.group(2)):
            for item in row:
                if isinstance(item, list) and match.group(2):
                    tips.append(_kb_table(item))
                elif isinstance(item, list):
                    cells = "".join(
                        f"<tr><th>{labels[i]}</th><td>{value}</td></tr>"
                        for i, value in enumerate(item)
                        if value
                    )
                    tips.append(f'<table class="kb-table">{cells}</table>')
    return tips


def _kb_table(cells: list[str]) -> str:
    """What ``kbTable(cells)`` returns in the browser (checked against it below)."""
    rows = "".join(
        f"<tr><th>{label}</th><td>{value}</td></tr>"
        for label, value in zip(cells[::2], cells[1::2], strict=True)
    )
    return f'<table class="kb-table">{rows}</table>'


def _template_literal_tooltips(page: str) -> list[str]:
    """The template literals handed to ``bindTooltip(`...`)`` / ``bindPopup(`...`)``."""
    return re.findall(r"\.bind(?:Tooltip|Popup)\(\s*`(.*?)`\s*,", page, flags=re.DOTALL)


def _tooltips(page: str) -> list[str]:
    """Every marker tooltip of ``page``, however the layer puts it on the page."""
    return _data_tooltips(page) + _template_literal_tooltips(page)


def _decoded(page: str) -> str:
    """``page`` with JSON ``\\uXXXX`` escapes decoded, as the browser's JS would see strings."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), page)


def _assert_no_raw_payload(page: str) -> None:
    for text in (page, _decoded(page)):
        assert "<img src=x" not in text
        assert "${document" not in text
        assert "`); alert(2)" not in text
        assert "{{ 7*7 }}" not in text  # escaped; evaluated it would vanish from the text


@pytest.mark.parametrize("limit", [cases_module.DETAILED_TOOLTIP_LIMIT, 0])
def test_cases_layer_renders_payloads_as_text(
    evil_case: gpd.GeoDataFrame, limit: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The detailed tooltips show user text as text; large layers (one marker per place,
    with its number of cases) carry no user text at all."""
    monkeypatch.setattr(cases_module, "DETAILED_TOOLTIP_LIMIT", limit)
    page = _render(cases_layer(evil_case, lang="id"))
    _assert_no_raw_payload(page)
    (tip,) = _tooltips(page)
    if limit:
        _assert_shows_as_text(tip, f"KB-{IMG}")
        _assert_shows_as_text(tip, EVIL)
    else:
        assert "1 kasus di titik ini" in tip
        assert "KB-" not in page


def test_crossing_and_shelter_layers_render_payloads_as_text(
    evil_crossing: gpd.GeoDataFrame, evil_shelter: gpd.GeoDataFrame
) -> None:
    page = _render(
        crossings_layer(evil_crossing, lang="id"), shelters_layer(evil_shelter, lang="id")
    )
    _assert_no_raw_payload(page)
    tips = _tooltips(page)
    assert len(tips) == 2
    for tip in tips:
        _assert_shows_as_text(tip, EVIL)
    for literal in _template_literal_tooltips(page):
        _assert_safe_in_template_literal(literal)


def test_choropleth_tooltips_show_a_hostile_unit_name_as_text() -> None:
    """The fill's table of tooltip cells (code: [colour, cells]) escapes what a unit shows."""
    kabupaten = reference.load_web_layer("kabupaten")
    units = kabupaten.assign(cases=range(len(kabupaten)), name=EVIL)
    fill, _ = choropleth_fill(units, column="cases", level="kabupaten", lang="id")
    folium.FeatureGroup(name="fill").add_child(fill)
    script = fill._template.module.script(fill, {})
    _assert_no_raw_payload(script)
    found = re.search(r"var table = (\{[^\n]*\});", script)
    assert found is not None
    table = json.loads(found.group(1))
    assert set(table) == set(units["code"])
    for _colour, cells in table.values():
        _assert_shows_as_text(_kb_table(cells), EVIL)


def _overview(
    cases: gpd.GeoDataFrame, crossings: gpd.GeoDataFrame, shelters: gpd.GeoDataFrame
) -> str:
    kabupaten = reference.load_web_layer("kabupaten")
    m = overview_map(
        MapData(
            units=count_by_unit(cases, kabupaten, level="kabupaten"),
            kabupaten=kabupaten,
            sarawak=reference.load_web_layer("sarawak"),
            border=reference.load_web_layer("border"),
            crossings=crossings,
            shelters=shelters,
            case_points=cases,
        ),
        MapOptions(),
        lang="id",
    )
    return m.get_root().render()


def test_full_map_shows_payloads_as_text_and_adds_no_backtick(
    evil_case: gpd.GeoDataFrame,
    evil_crossing: gpd.GeoDataFrame,
    evil_shelter: gpd.GeoDataFrame,
) -> None:
    def plain(frame: gpd.GeoDataFrame, *columns: str) -> gpd.GeoDataFrame:
        frame = frame.copy()
        for column in columns:
            frame[column] = "plain"
        return frame

    page = _overview(evil_case, evil_crossing, evil_shelter)
    _assert_no_raw_payload(page)
    tips = _tooltips(page)
    assert len(tips) == 3, "one case, one crossing, one shelter"
    for tip in tips:
        _assert_shows_as_text(tip, EVIL)
    assert any(f"KB-{IMG}" in "".join(_parse(tip).text) for tip in tips)
    for literal in _template_literal_tooltips(page):
        _assert_safe_in_template_literal(literal)
    # The user's backticks add none to the page: same count as with plain text.
    control = _overview(
        plain(evil_case, "case_id", "note", "source", "destination"),
        plain(evil_crossing, "name", "source"),
        plain(evil_shelter, "name", "services"),
    )
    assert page.count("`") == control.count("`")
    assert page.count("${") == control.count("${")


def test_a_page_with_a_raw_payload_would_fail_these_checks() -> None:
    """The checks themselves catch what they are meant to (a raw, unescaped tooltip)."""
    raw = folium.Marker([0.9, 110.3], tooltip=folium.Tooltip(f"<div>{EVIL}</div>"))
    with pytest.raises(AssertionError):
        _assert_no_raw_payload(_render(raw))
    for payload in (TEMPLATE, BACKTICK, BACKSLASH):
        with pytest.raises(AssertionError):
            _assert_safe_in_template_literal(f"<div>{payload}</div>")
    with pytest.raises(AssertionError):
        _assert_shows_as_text(f"<div>{IMG}</div>", IMG)


def test_a_local_tile_url_cannot_break_out_of_the_script() -> None:
    url = 'http://localhost:8080/{z}/{x}/{y}.png"</script><script>alert(3)</script>'
    page = new_map(basemap="custom", tile_url=url).get_root().render()
    assert "<script>alert(3)" not in page
