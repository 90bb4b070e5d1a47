"""Add, edit and retire one record (case, crossing or shelter); restore a backup.

The form is built from the schema; the store checks the record exactly as an import does,
and every change lands in the audit log under the user's name. Nothing is ever deleted:
a record is retired with a reason. Reads and writes go through :mod:`geodata.access.gateway`,
which checks the role itself; the role checks here only decide what to draw.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Final

import pandas as pd
import streamlit as st

from dashboard import data, session, state
from dashboard.text import error_text, tr
from geodata.access import allowed, gateway
from geodata.access.auth import User
from geodata.access.gateway import Kind
from geodata.errors import GeodataError
from geodata.records.coded_values import LABEL_SECTIONS
from geodata.records.intake import ImportPreview, preview_import
from geodata.records.report import Report
from geodata.records.schemas import SCHEMAS, Entity, Field

_ENTITY: Final[dict[Kind, Entity]] = {
    "cases": "case",
    "crossings": "crossing",
    "shelters": "shelter",
}
_NEW: Final = ""


def _text(value: object) -> str:
    """A stored value as the form shows it: dates as YYYY-MM-DD, missing as empty."""
    if isinstance(value, pd.Timestamp):
        return "" if pd.isna(value) else value.date().isoformat()
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float) and value != value:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a count read as 2.0 is the stored 2
    return str(value)


def _field_input(entity: Entity, field: Field, value: object, *, key: str) -> object:
    label = field.label(state.language()) + (" *" if field.required else "")
    if field.kind == "bool":
        # A new record starts at the schema's default: a new shelter is confidential.
        start = bool(value) if _text(value) else bool(field.default)
        return st.checkbox(label, value=start, key=key)
    if field.kind == "choice" and field.allowed:
        options = ["", *sorted(field.allowed)]
        current = _text(value)
        section = LABEL_SECTIONS.get((entity, field.name))
        return st.selectbox(
            label,
            options,
            index=options.index(current) if current in options else 0,
            key=key,
            placeholder=tr("common.choose"),
            format_func=lambda code: tr(f"{section}.{code}") if section and code else code,
        )
    return st.text_input(
        label, value=_text(value), key=key, help=field.description(state.language())
    )


def _checked(kind: Kind, values: dict[str, object]) -> ImportPreview:
    """The form's values read and checked exactly as a row of an imported file: dates as
    dd/mm/yyyy, decimal commas, labels for codes, blanks for optional fields."""
    cells = {
        name: ("ya" if value else "tidak") if isinstance(value, bool) else _text(value)
        for name, value in values.items()
    }
    view = session.role_view(session.current_user())
    return preview_import(
        pd.DataFrame([cells]).to_csv(index=False).encode("utf-8"),
        filename=f"{tr('editor.form_file')}.csv",
        kind=kind,
        remembered=False,
        crossings=view.crossings,
        gazetteer=data.gazetteer(),
    )


def _record_form(kind: Kind, record: dict[str, object], *, new: bool) -> dict[str, object] | None:
    schema = SCHEMAS[_ENTITY[kind]]
    record_id = _text(record.get(schema.id_field)) or "new"
    # Widget keys name the record, so choosing another record shows its own values.
    form = f"{state.EDIT_FORM}_{kind}_{record_id}"
    with st.form(form):
        values = {
            field.name: _field_input(
                schema.entity, field, record.get(field.name), key=f"{form}_{field.name}"
            )
            for field in schema.fields
            if field.name != "synthetic" and (new or field.name != schema.id_field)
        }
        if st.form_submit_button(tr("editor.save")):
            return values
    return None


def record_editor(user: User) -> None:
    """Choose a kind and a record (or a new one); save it through the user's role."""
    if not allowed(user, "edit_records"):
        return
    st.subheader(tr("editor.title"))
    kind: Kind = st.selectbox(
        tr("manage.kind"),
        list(_ENTITY),
        key=state.EDIT_KIND,
        format_func=lambda k: tr(f"manage.{k}"),
    )
    schema = SCHEMAS[_ENTITY[kind]]
    records = gateway.read_for_edit(user, kind)
    ids = [_NEW, *records[schema.id_field].astype(str)]
    chosen = st.selectbox(
        tr("editor.record"),
        ids,
        key=f"{state.EDIT_ID}_{kind}",
        format_func=lambda i: tr("editor.new") if i == _NEW else i,
        placeholder=tr("common.choose"),
    )
    current = (
        {}
        if chosen == _NEW
        else records[records[schema.id_field].astype(str) == chosen].iloc[0].to_dict()
    )
    values = _record_form(kind, current, new=chosen == _NEW)
    if values is not None:
        _save(user, kind, chosen, current, values)
    if chosen != _NEW and allowed(user, "manage_data"):
        reason = st.text_input(tr("editor.retire_reason"), key=f"{state.RETIRE_REASON}_{kind}")
        if st.button(
            tr("editor.retire"), key=f"{state.RETIRE}_{kind}", disabled=not reason.strip()
        ):
            gateway.role_store(user).retire(kind, chosen, reason=reason)
            st.success(tr("editor.retired", record=chosen))


def _save(
    user: User, kind: Kind, chosen: str, current: dict[str, object], values: dict[str, object]
) -> None:
    """Check the form as an imported row, then add the record or write what changed."""
    schema = SCHEMAS[_ENTITY[kind]]
    if chosen != _NEW:
        values = {**values, schema.id_field: chosen}
    lang = state.language()
    if not any(_text(value) for name, value in values.items() if not isinstance(value, bool)):
        st.error(tr("editor.empty"))
        return
    preview = _checked(kind, values)
    if not preview.ok:
        st.error(preview.report.to_text(lang))
        return
    if preview.report.warnings:  # what the checks changed or doubt, said before saving
        st.warning(Report(preview.report.warnings).to_text(lang))
    role_store = gateway.role_store(user)
    row = preview.frame.iloc[0]
    read = {name: row[name] for name in values if name in row.index}
    try:
        if chosen == _NEW:
            saved = role_store.add(kind, {**read, "synthetic": False})
        else:
            changes = {k: v for k, v in read.items() if _text(v) != _text(current.get(k))}
            if changes:
                role_store.update(kind, chosen, changes)
            saved = chosen
    except GeodataError as error:
        st.error(error_text(error))
    else:
        st.success(tr("editor.saved", record=saved))


def restore_section(user: User) -> None:
    """Replace the whole store with a backup (administrators; audited, sessions end)."""
    if not allowed(user, "manage_data"):
        return
    st.subheader(tr("editor.restore_title"))
    st.caption(tr("editor.restore_help"))
    upload = st.file_uploader(tr("manage.file"), type=["gpkg"], key=state.RESTORE_FILE)
    confirmed = st.checkbox(tr("editor.restore_confirm"), key=state.RESTORE_CONFIRM)
    if upload is not None and confirmed and st.button(tr("editor.restore"), key=state.RESTORE_GO):
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "restore.gpkg"
            path.write_bytes(upload.getvalue())
            try:
                gateway.role_store(user).restore(str(path))
            except gateway.BackupRefusedError as refused:  # checked first: nothing changed
                st.error(refused.message(state.language()))
                return
        st.session_state.pop(session.TOKEN, None)
        st.success(tr("editor.restored"))
