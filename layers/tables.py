"""Records as readable tables: chosen columns, translated headers and values."""

from __future__ import annotations

import pandas as pd

from geodata.i18n import destination_text, t

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
