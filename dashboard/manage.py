"""Data management on the Data page: import with a preview, crossing checks, audit, backup.

Every read and write goes through :mod:`geodata.access.gateway`, which checks the role and puts
the user's name in the audit log (the role checks here only decide what to draw). In the
demo mode a file can be checked but nothing is saved.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from functools import partial
from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from dashboard import data, session, state
from dashboard.exports import checked_download_button
from dashboard.guide import template_buttons
from dashboard.tables import show_dataframe
from dashboard.text import day, error_text, num, tr
from geodata.access import allowed, gateway
from geodata.access.auth import User
from geodata.access.gateway import Kind
from geodata.errors import GeodataError
from geodata.i18n import today_in_kalbar
from geodata.records.intake import ImportPreview, preview_import
from geodata.records.mapping import remember_mapping
from geodata.records.schemas import CROSSING_STATUS
from layers.tables import audit_table

_KINDS: tuple[Kind, ...] = ("cases", "crossings", "shelters")


def _problems_table(preview: ImportPreview, lang: str) -> pd.DataFrame:
    table = preview.problems_table(lang)
    return table.rename(columns={c: tr(f"manage.problem.{c}") for c in table.columns})


def _preview(upload: UploadedFile, kind: Kind, *, skip_stored: bool) -> ImportPreview:
    view = session.role_view(session.current_user())
    # The five PLBN are reference data every store holds: a file may list them again (the
    # store skips identical ones and refuses changed ones), so they are no duplicates here.
    existing = {
        "cases": view.cases() if view.records_allowed else None,
        "crossings": view.crossings[view.crossings["kind"] != "plbn"],
        "shelters": view.shelters,
    }[kind]
    return preview_import(
        upload.getvalue(),
        filename=upload.name,
        kind=kind,
        existing=existing,
        skip_stored=skip_stored,
        crossings=view.crossings,
        gazetteer=data.gazetteer(),
    )


def import_section(user: User | None) -> None:
    """Upload a file, show every problem (row, field, suggestion), and import all or nothing."""
    st.subheader(tr("manage.import_title"))
    can_save = user is not None and allowed(user, "manage_data")
    st.caption(tr("manage.import_help" if can_save else "manage.import_check_only"))
    kind: Kind = st.selectbox(
        tr("manage.kind"),
        _KINDS,
        key=state.IMPORT_KIND,
        format_func=lambda k: tr(f"manage.{k}"),
        placeholder=tr("common.choose"),
    )
    st.caption(tr("manage.template_help"))
    template_buttons(kind, lang=state.language(), key=f"{state.IMPORT_TEMPLATE}_{kind}")
    # The drop zone names no file types in the language (dashboard/chrome.py): the caption does.
    st.caption(tr("manage.file_help"))
    upload = st.file_uploader(
        tr("manage.file"), type=["csv", "xlsx", "geojson", "json", "gpkg"], key=state.IMPORT_FILE
    )
    skip_stored = st.checkbox(
        tr("manage.skip_stored"), key=state.IMPORT_SKIP_STORED, help=tr("manage.skip_stored_help")
    )
    if upload is None:
        return
    with st.spinner(tr("manage.checking")):
        preview = _preview(upload, kind, skip_stored=skip_stored)
    lang = state.language()
    st.markdown(
        tr("manage.preview", valid=num(len(preview.frame)), invalid=num(len(preview.invalid_rows)))
    )
    skipped = sum(p.code == "id_stored_skipped" for p in preview.report.problems)
    if skipped:
        st.info(tr("manage.stored_skipped", count=num(skipped)))
    if len(preview.report.problems):
        show_dataframe(_problems_table(preview, lang))
    if skipped and preview.frame.empty and preview.report.ok and preview.invalid_rows.empty:
        st.info(tr("manage.nothing_new"))  # every row left out as already stored
        return
    if not preview.ok:
        st.error(tr("manage.not_imported"))
        return
    st.success(tr("manage.ready", count=num(len(preview.frame))))
    if can_save and user is not None and st.button(tr("manage.confirm"), key=state.IMPORT_CONFIRM):
        try:
            result = gateway.role_store(user).import_batch(
                kind, preview.frame, skip_stored=skip_stored
            )
        except GeodataError as error:
            st.error(f"{tr('manage.not_imported')}\n\n{error_text(error)}")
            return
        if preview.mapping is not None:
            remember_mapping(
                preview.mapping.headers, preview.mapping.mapping, entity=preview.mapping.entity
            )
        st.success(tr("manage.imported", count=num(result.count)))
        if result.skipped:
            st.info(tr("manage.skipped_rows", count=num(len(result.skipped)),
                       names=", ".join(result.skipped)))  # fmt: skip


def crossing_section(user: User) -> None:
    """Mark a crossing verified active, closed or unverified (audited)."""
    if not allowed(user, "edit_records"):
        return
    st.subheader(tr("manage.crossing_title"))
    crossings = session.role_view(user).crossings
    names = dict(zip(crossings["crossing_id"], crossings["name"], strict=True))
    left, middle, right = st.columns(3)
    crossing = left.selectbox(
        tr("crossing.name"),
        list(names),
        key=state.MARK_CROSSING,
        format_func=lambda c: names[c],
        placeholder=tr("common.choose"),
    )
    status = middle.selectbox(
        tr("crossing.status"),
        sorted(CROSSING_STATUS),
        key=state.MARK_STATUS,
        format_func=lambda s: tr(f"crossing_status.{s}"),
        placeholder=tr("common.choose"),
    )
    # The last 90 days as a list in the language (Streamlit's calendar is English only).
    today = today_in_kalbar()
    days = [today - dt.timedelta(days=back) for back in range(90)]
    on = right.selectbox(
        tr("crossing.last_verified"),
        days,
        key=state.MARK_ON,
        format_func=lambda d: tr("manage.today", date=day(d)) if d == today else day(d),
    )
    if st.button(tr("manage.mark"), key=state.MARK_SUBMIT):
        try:
            gateway.role_store(user).mark_crossing(
                crossing, status, on=on if isinstance(on, dt.date) else None
            )
        except GeodataError as error:
            st.error(error_text(error))
        else:
            st.success(tr("manage.marked", name=names[crossing]))


def admin_section(user: User) -> None:
    """The audit log and a backup of the whole store (administrators only)."""
    if not allowed(user, "manage_data"):
        return
    st.subheader(tr("manage.audit_title"))
    newest = gateway.audit_log(user).tail(200).iloc[::-1]
    show_dataframe(audit_table(newest, lang=state.language()))
    st.markdown(f"**{tr('manage.backup')}**")
    checked_download_button(  # made on click, only for a live administrator's session
        tr("manage.backup_download"),
        partial(_backup_bytes, user),
        file_name=f"kalbar-backup-{today_in_kalbar().isoformat()}.gpkg",
        mime="application/geopackage+sqlite3",
        key=state.BACKUP_DOWNLOAD,
        drawn_level="admin",
    )


def _backup_bytes(user: User) -> bytes:
    """A signed backup of the whole store, as the bytes of a GeoPackage."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "backup.gpkg"
        gateway.role_store(user).backup(str(path))
        return path.read_bytes()
