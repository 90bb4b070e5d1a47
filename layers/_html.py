"""Escaping of user-supplied text before it reaches HTML or JavaScript.

Folium writes tooltip and popup text unescaped into HTML and into JavaScript template
literals, and GeoJSON tooltips insert property values as HTML. Worse, branca compiles every
rendered script as a Jinja template once more, so ``{{ 7*7 }}`` in a note would be evaluated
on the server. Every text that did not come from the project itself goes through
:func:`escape_text` first.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from typing import Final

# Characters that end or interpolate a JavaScript template literal (` ${ \), and the braces
# that open Jinja syntax ({{ {% {#), as HTML character references. (A regular expression:
# ``str.translate`` with these multi-character replacements took most of a map's tooltips.)
_TEMPLATE_LITERAL: Final = {"`": "&#96;", "$": "&#36;", "\\": "&#92;", "{": "&#123;", "}": "&#125;"}
_TEMPLATE_LITERAL_CHARS: Final = re.compile("[" + re.escape("".join(_TEMPLATE_LITERAL)) + "]")


def escape_text(value: object) -> str:
    """Return ``value`` as text that shows literally in HTML and inside a JS template literal.

    ``<img src=x onerror=alert(1)>``, ``${document.title='x'}``, backticks and
    ``{{ 7*7 }}`` are all shown as typed and run nothing, in the browser or on the server.
    """
    if value is None or (isinstance(value, float) and value != value):
        return ""
    text = html.escape(str(value), quote=True)
    return _TEMPLATE_LITERAL_CHARS.sub(lambda match: _TEMPLATE_LITERAL[match[0]], text)


#: Defines ``kbTable(cells)`` in the page: the table of :func:`table_cells`, the same markup
#: as :func:`html_table` (every label and value arrived escaped).
TABLE_JS: Final = """
window.kbTable = function (cells) {
    var rows = "";
    for (var i = 0; i + 1 < cells.length; i += 2) {
        rows += "<tr><th>" + cells[i] + "</th><td>" + cells[i + 1] + "</td></tr>";
    }
    return '<table class="kb-table">' + rows + "</table>";
};
"""


def html_table(rows: Iterable[tuple[str, object]]) -> str:
    """A small two-column table of label and value, both escaped, for tooltips and popups."""
    cells = "".join(
        f"<tr><th>{escape_text(label)}</th><td>{escape_text(value)}</td></tr>"
        for label, value in rows
    )
    return f'<table class="kb-table">{cells}</table>'


def table_cells(rows: Iterable[tuple[str, object]]) -> list[str]:
    """The escaped label, value, label, value, ... of :func:`html_table`'s table without its
    markup, for layers with many tooltips: :data:`TABLE_JS` draws the table in the browser.
    A page then carries a few bytes per row instead of the tags, which JSON in a script
    writes six characters each (``\\u003c``)."""
    return [escape_text(text) for label, value in rows for text in (label, value)]
