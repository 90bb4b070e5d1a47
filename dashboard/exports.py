"""Download buttons: tables as CSV, XLSX, GeoJSON and GeoPackage; the map as HTML.

Every download is produced when it is clicked (``data=callable``) through
:mod:`geodata.access.gateway`, which checks the session and the role at that moment: a session
that ended, expired or whose user was disabled or given another role since the page was
drawn gets a small text file saying so (translated), never the data. The ``/media/`` URL
the browser then fetches is guarded by :mod:`dashboard.media`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Final

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from dashboard import media, session, state
from dashboard.text import tr
from geodata.access import ExportFormat, RoleView, gateway
from geodata.errors import AccessDeniedError
from geodata.i18n import t
from geodata.records.cases import CaseFilter

#: Format, MIME type; the button's label is ``export.format.<format>`` (it says which CSV it is).
_FORMATS: Final[tuple[tuple[ExportFormat, str], ...]] = (
    ("csv", "text/csv"),
    ("csv_excel_id", "text/csv"),
    ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("geojson", "application/geo+json"),
    ("gpkg", "application/geopackage+sqlite3"),
)
_EXTENSIONS: Final = {
    "csv": "csv",
    "csv_excel_id": "excel-id.csv",
    "xlsx": "xlsx",
    "geojson": "geojson",
    "gpkg": "gpkg",
}


def checked_download(
    produce: Callable[[], bytes], *, file_name: str, lang: str, token: str
) -> bytes:
    """``produce()``, or the translated refusal text when the session or role no longer
    allows it (the callable runs outside the page, so ``lang`` is fixed when it is drawn).

    The download's URL then answers only the session ``token`` that made it
    (:func:`dashboard.media.note_download`).
    """
    try:
        data = produce()
    except AccessDeniedError:  # SessionExpiredError included
        return t("auth.download_refused", lang).encode("utf-8")
    media.note_download(file_name, data, token=token)
    return data


def export_buttons(
    view: RoleView,
    kind: str,
    *,
    key: str,
    case_filter: CaseFilter | None = None,
    disabled: bool = False,
) -> None:
    """Download buttons (two CSV forms, XLSX, GeoJSON, GeoPackage) for ``kind`` as this
    role may have it (a viewer's ``cases`` are counts per kabupaten with small counts
    hidden, never records).

    ``view`` is the view the page was drawn with: a download is refused if the user's
    access level differs from it when clicked.
    """
    labels = [tr("data.download", format=tr(f"export.format.{fmt}")) for fmt, _ in _FORMATS]
    columns = st.columns([len(label) + 6 for label in labels])  # no label is cut
    lang, token = state.language(), session.token()
    for column, label, (fmt, mime) in zip(columns, labels, _FORMATS, strict=True):
        file_name = f"{kind}.{_EXTENSIONS[fmt]}"
        produce = partial(
            gateway.export_bytes,
            token,
            kind,
            fmt,
            lang=lang,
            case_filter=case_filter,
            drawn_level=view.level,
        )
        column.download_button(
            label,
            data=partial(checked_download, produce, file_name=file_name, lang=lang, token=token),
            file_name=file_name,
            mime=mime,
            key=f"{key}_{fmt}",
            on_click="ignore",
            disabled=disabled,
            help=tr(f"export.format_help.{fmt}"),
        )
    st.caption(tr("export.csv_note"))


def checked_download_button(
    label: str,
    produce: Callable[[], bytes],
    *,
    file_name: str,
    mime: str,
    key: str,
    disabled: bool = False,
    container: DeltaGenerator | None = None,
    drawn_level: str | None = None,
) -> None:
    """A download button whose bytes ``produce()`` makes on click, only for a live session.

    For downloads built from what the page holds (the map, its layers, a briefing): the
    session (and, with ``drawn_level``, the access level the page was drawn for, e.g.
    ``view.level``) is checked through :func:`geodata.access.gateway.checked_bytes` when clicked.
    """
    lang, token = state.language(), session.token()
    (container or st).download_button(
        label,
        data=partial(
            checked_download,
            partial(gateway.checked_bytes, token, produce, drawn_level=drawn_level),
            file_name=file_name,
            lang=lang,
            token=token,
        ),
        file_name=file_name,
        mime=mime,
        key=key,
        on_click="ignore",
        disabled=disabled,
    )
