"""Tables from layers' frames, with headers from the catalogue and values translated."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import streamlit as st

from dashboard.text import tr


def show_table(
    frame: pd.DataFrame,
    columns: list[str],
    *,
    header_prefix: str,
    value_prefixes: Mapping[str, str] | None = None,
    digits: int = 1,
) -> None:
    """Show ``columns`` of ``frame``: headers from ``<header_prefix>.<column>``, values of the
    columns in ``value_prefixes`` translated with ``<prefix>.<value>``, floats rounded."""
    table = pd.DataFrame(frame[[c for c in columns if c in frame.columns]]).copy()
    for column, prefix in (value_prefixes or {}).items():
        if column in table.columns:
            table[column] = table[column].map(lambda v, p=prefix: tr(f"{p}.{v}"))
    for column in table.select_dtypes(include="datetime").columns:
        table[column] = table[column].dt.date
    table = table.round(digits)
    st.dataframe(
        table.rename(columns={c: tr(f"{header_prefix}.{c}") for c in table.columns}),
        hide_index=True,
        use_container_width=True,
    )
