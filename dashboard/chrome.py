"""Streamlit's own English texts on a page in the session's language.

Streamlit cannot translate its widgets' fixed texts. Where the page says the same in the
language they are hidden: the "Press Enter to apply" hints (the date fields say where Enter
matters). Where they must stay, the word is shown in the language: the uploader's "Upload"
button and its "20MB per file" line (each uploader's label or help names the file types).
Streamlit's main menu (English "Print", "Record screen") is off (``client.toolbarMode`` in
``.streamlit/config.toml``).
"""

from __future__ import annotations

import streamlit as st

from dashboard.text import num, tr


def _css_string(text: str) -> str:
    """``text`` as a quoted CSS string: every character but letters, digits and spaces as a
    hex escape (ended by the space CSS takes as its end), so no text can end the string or
    the style element."""
    return '"' + "".join(c if c.isalnum() or c == " " else f"\\{ord(c):x} " for c in text) + '"'


def streamlit_texts_in_language() -> None:
    """Hide or replace Streamlit's English widget texts for this run (one style element)."""
    upload = _css_string(tr("common.upload"))
    limit = _css_string(tr("common.upload_limit", mb=num(st.get_option("server.maxUploadSize"))))
    dropzone = "[data-testid='stFileUploaderDropzone']"
    instructions = "[data-testid='stFileUploaderDropzoneInstructions'] span"
    st.html(
        "<style>"
        "[data-testid='InputInstructions']{display:none}"
        f"{dropzone} button p{{font-size:0}}"
        f"{dropzone} button p::after{{content:{upload};font-size:.875rem}}"
        f"{instructions}{{font-size:0}}"
        f"{instructions}::after{{content:{limit};font-size:.875rem}}"
        "</style>"
    )
