"""Records as readable tables: chosen columns, translated headers and values."""

from __future__ import annotations

import datetime as dt
import re
from typing import Final

import pandas as pd

from geodata.i18n import destination_text, format_date, format_number, t
from geodata.records.schemas import SCHEMAS

_COLUMNS = {
    "case": [
        "case_id",
        "date_reported",
        "date_incident",
        "admin_code",
        "location_precision",
        "victims_female_adult",
        "victims_female_child",
        "victims_male_adult",
        "victims_male_child",
        "exploitation",
        "destination_country",
        "destination_state",
        "crossing_type",
        "crossing_id",
        "status",
        "source",
        "note",
        "synthetic",
    ],
    "crossing": ["crossing_id", "name", "kind", "status", "last_verified", "source", "synthetic"],
    "shelter": [
        "shelter_id",
        "name",
        "operator",
        "capacity",
        "services",
        "admin_code",
        "confidential",
        "source",
        "synthetic",
    ],
}
_TRANSLATED_VALUES = {
    "exploitation": "exploitation",
    "crossing_type": "crossing_type",
    "kind": "crossing_kind",
    "operator": "operator",
    "location_precision": "precision",
}


def _capitalised(label: str) -> str:
    """First letter upper case, the rest as written ("ID kasus" stays "ID kasus")."""
    return label[:1].upper() + label[1:]


def _services(value: object, lang: str) -> object:
    """``"shelter;legal"`` as ``"Rumah aman, Bantuan hukum"`` (blank stays blank)."""
    if not isinstance(value, str) or not value:
        return value
    codes = [code.strip() for code in value.split(";") if code.strip()]
    return ", ".join(_label(f"service.{code}", code, lang) for code in codes)


def _label(key: str, fallback: str, lang: str) -> str:
    """The catalogue text of ``key``, or ``fallback`` (as written) when there is none."""
    text = t(key, lang)
    return fallback if text == key else text


def display_table(frame: pd.DataFrame, entity: str, *, lang: str) -> pd.DataFrame:
    """``frame`` as a table for people: the entity's columns, headers in ``lang``.

    Values stay text (tables in Streamlit show text, never HTML), dates without time.
    """
    columns = [c for c in _COLUMNS[entity] if c in frame.columns]
    table = pd.DataFrame(frame[columns]).copy()
    for column in table.columns:
        if pd.api.types.is_datetime64_any_dtype(table[column]):
            table[column] = table[column].dt.date
        if column in _TRANSLATED_VALUES:
            prefix = _TRANSLATED_VALUES[column]
            table[column] = table[column].map(lambda v, p=prefix: t(f"{p}.{v}", lang))
    if "destination_country" in table.columns:
        table["destination_country"] = table["destination_country"].map(
            lambda v: destination_text(v, lang)
        )
    if "services" in table.columns:  # a list written "shelter;legal": each one named
        table["services"] = table["services"].map(lambda v: _services(v, lang))
    if entity == "case" and "status" in table.columns:
        table["status"] = table["status"].map(lambda v: t(f"case_status.{v}", lang))
    if entity == "crossing" and "status" in table.columns:
        table["status"] = table["status"].map(lambda v: t(f"crossing_status.{v}", lang))
    headers = {c: _capitalised(t(f"schema.label.{c}", lang)) for c in table.columns}
    return table.rename(columns=headers)


def suppressed_counts_table(counts: pd.DataFrame, *, lang: str) -> pd.DataFrame:
    """Counts per unit as a role that sees aggregates gets them: the published labels.

    ``counts`` come from :meth:`geodata.access.RoleView.case_counts`; at aggregate level
    their labels are the perturbed counts (never 1 or 2), so no true count is shown.
    """
    table = pd.DataFrame(
        {
            t("map.code", lang): counts["code"],
            t("schema.label.name", lang).capitalize(): counts["name"],
            t("measure.cases", lang): counts["cases_label"],
            t("measure.victims", lang): counts["victims_label"],
        }
    )
    return table.reset_index(drop=True)


#: Audit log columns shown, in order (headers: ``manage.audit.<column>``).
AUDIT_COLUMNS: Final = (
    "at",
    "username",
    "action",
    "entity",
    "record_id",
    "field",
    "old_value",
    "new_value",
)
#: A number as the log writes it without an exponent (``-0.5``, ``12``); others as recorded.
_PLAIN_NUMBER: Final = re.compile(r"-?\d+(?:\.\d+)?")
#: How each recorded field's values read (the records' fields from their schemas).
_FIELD_KINDS: Final = {
    **{field.name: field.kind for schema in SCHEMAS.values() for field in schema.fields},
    "active": "bool",
    "population": "count",
}


def audit_table(log: pd.DataFrame, *, lang: str) -> pd.DataFrame:
    """The audit log as people read it, in ``lang``: headers, actions, kinds of data, field
    names, unknown login names and the values (coded ones named; yes/no, dates and numbers
    in the locale); free text and names as recorded."""
    table = pd.DataFrame(log[[c for c in AUDIT_COLUMNS if c in log.columns]]).copy()
    if {"entity", "field"} <= set(table.columns):
        for column in ("old_value", "new_value"):
            if column in table.columns:
                values = zip(table["entity"], table["field"], table[column], strict=True)
                shown = [_audit_value(entity, field, v, lang) for entity, field, v in values]
                table[column] = pd.Series(shown, index=table.index, dtype="object")
        names = [_field_name(field, lang) for field in table["field"]]
        table["field"] = pd.Series(names, index=table.index, dtype="object")
    if "username" in table.columns:
        table["username"] = table["username"].map(lambda name: _username(name, lang))
    for column, prefix in (("action", "manage.action"), ("entity", "manage.entity")):
        if column in table.columns:
            table[column] = table[column].map(lambda v, p=prefix: _label(f"{p}.{v}", v, lang))
    return table.rename(columns={c: t(f"manage.audit.{c}", lang) for c in table.columns})


def _field_name(field: object, lang: str) -> object:
    """A recorded field by its label (``status`` as "status"), an account's own fields too."""
    if not isinstance(field, str):
        return field
    text = _label(f"manage.audit_field.{field}", "", lang)
    return text or _label(f"schema.label.{field}", field, lang)


def _audit_value(entity: object, field: object, value: object, lang: str) -> object:
    """A recorded value in ``lang``: coded values named, yes/no, dates and numbers in the
    locale; free text and names as recorded."""
    if not isinstance(value, str) or not isinstance(field, str):
        return value
    kind = _FIELD_KINDS.get(field)
    if kind == "bool" and value in ("true", "false"):
        return t("template.yes", lang) if value == "true" else t("template.no", lang)
    if kind == "date":
        try:
            return format_date(dt.date.fromisoformat(value[:10]), lang)
        except ValueError:
            return value
    if kind in ("float", "count") and _PLAIN_NUMBER.fullmatch(value):
        return format_number(float(value), lang, digits=len(value.partition(".")[2]))
    if kind == "country":
        return destination_text(value, lang)
    if kind == "list":
        return _services(value, lang)
    prefix = {
        "role": "role",
        "status": "case_status" if entity == "cases" else "crossing_status",
        "login_backoff": "manage.audit_value",
        **_TRANSLATED_VALUES,
    }.get(field)
    return _label(f"{prefix}.{value}", value, lang) if prefix else value


def _username(name: object, lang: str) -> object:
    """A failed login's unknown name (``(unknown) 1a2b3c4d``) in ``lang``; others as kept."""
    if isinstance(name, str) and name.startswith("(unknown) "):
        return t("manage.audit_value.unknown", lang) + name.removeprefix("(unknown)")
    return name
