"""Tables from layers' frames, with headers from the catalogue and values translated.

Every table goes through :func:`show_dataframe`: Streamlit's built-in "Download as CSV"
hands out the cells as shown, so they are made spreadsheet-safe first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import streamlit as st

from dashboard.state import language
from dashboard.text import tr
from geodata.i18n import format_table
from geodata.records.export import spreadsheet_safe


def show_dataframe(
    frame: pd.DataFrame | Sequence[Mapping[str, object]], *, digits: int = 1, **kwargs: Any
) -> Any:
    """``st.dataframe`` of ``frame`` (or records) as people read it in the session's language
    (numbers ``1.234,5``, dates ``20 Juni 2025``, blanks "–": :func:`geodata.i18n.format_table`,
    floats with ``digits`` decimals), every text cell a spreadsheet would run as a formula
    neutralised (:func:`geodata.records.export.spreadsheet_safe`), so the table's "Download as CSV"
    is as safe as the app's own exports. ``kwargs`` go to ``st.dataframe`` (``hide_index``
    defaults to True; the table fills the width; the deprecated ``use_container_width`` is
    accepted and ignored)."""
    table = frame if isinstance(frame, pd.DataFrame) else pd.DataFrame(list(frame))
    kwargs.pop("use_container_width", None)
    kwargs.setdefault("hide_index", True)
    kwargs.setdefault("width", "stretch")
    shown = format_table(table, language(), digits=digits)
    return st.dataframe(spreadsheet_safe(shown), **kwargs)


def show_table(
    frame: pd.DataFrame,
    columns: list[str],
    *,
    header_prefix: str,
    value_prefixes: Mapping[str, str] | None = None,
    digits: int = 1,
) -> None:
    """Show ``columns`` of ``frame``: headers from ``<header_prefix>.<column>``, values of the
    columns in ``value_prefixes`` translated with ``<prefix>.<value>``, floats with
    ``digits`` decimals (more for a small one: :func:`geodata.i18n.format_table`)."""
    table = pd.DataFrame(frame[[c for c in columns if c in frame.columns]]).copy()
    for column, prefix in (value_prefixes or {}).items():
        if column in table.columns:
            table[column] = table[column].map(lambda v, p=prefix: tr(f"{p}.{v}"))
    for column in table.select_dtypes(include="datetime").columns:
        table[column] = table[column].dt.date
    headers = {c: tr(f"{header_prefix}.{c}") for c in table.columns}
    show_dataframe(table.rename(columns=headers), digits=digits)
