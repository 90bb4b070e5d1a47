"""Records as people read them: shelters' services and operators named, not coded."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from geodata.access import auth
from geodata.errors import AuthenticationError
from geodata.i18n import destination_text, t
from geodata.records.datasets import load_sample
from geodata.store import open_store
from layers.tables import audit_table, display_table

PASSWORD = "tables-passphrase-2026"  # pragma: allowlist secret


def test_a_shelter_table_names_its_services_and_operator_in_the_language() -> None:
    """The Data page showed "shelter;legal;health" and "NGO" in the Indonesian page."""
    shelters = load_sample().shelters
    table = display_table(shelters, "shelter", lang="id")
    # Columns: id, name, operator, capacity, services, ... (the order of layers.tables).
    operators, services = set(table.iloc[:, 2]), table.iloc[:, 4]
    first = shelters["services"].iloc[0].split(";")
    assert services.iloc[0] == ", ".join(t(f"service.{code}", "id") for code in first)
    assert not services.str.contains(";").any()
    assert "NGO" not in operators and t("operator.NGO", "id") in operators


def test_a_service_not_in_the_catalogue_shows_as_written() -> None:
    shelters = load_sample().shelters.iloc[:1].copy()
    shelters["services"] = "shelter;konseling trauma"
    services = display_table(shelters, "shelter", lang="id").iloc[0, 4]
    assert services == f"{t('service.shelter', 'id')}, konseling trauma"


def test_destinations_are_countries_named_in_the_language() -> None:
    """The Data page, the filter, the chart and the map's tooltips showed "MY" and "CN"."""
    assert destination_text("MY · Sarawak", "id") == "Malaysia · Sarawak"
    assert [destination_text("SG", lang) for lang in ("id", "en")] == ["Singapura", "Singapore"]
    assert destination_text("CN", "id") == "Tiongkok"
    assert destination_text("XQ", "id") == "XQ"  # no such country: as written
    assert destination_text(None, "id") == "–"
    cases = load_sample().cases
    column = t("schema.label.destination_country", "id").capitalize()
    shown = set(display_table(cases, "case", lang="id")[column])
    assert {"Malaysia", "Indonesia", "Tiongkok"} <= shown
    assert not shown & set(cases["destination_country"].dropna())


def test_the_audit_log_reads_in_the_language(tmp_path: Path) -> None:
    """The administrator's audit table showed "role", "planner", "true" and "closed"."""
    store = open_store(f"gpkg://{tmp_path / 'store.gpkg'}")
    store.import_batch("crossings", load_sample().crossings, user="setup")
    auth.create_admin(store, username="admin", password=PASSWORD, by="setup")
    auth.add_user(store, username="rina", password=PASSWORD, role="planner", by="admin")
    auth.set_active(store, "rina", active=False, by="admin")
    store.mark_crossing("JTR-BKY-09", "closed", user="admin")
    table = audit_table(store.audit_log(), lang="id")
    assert list(table.columns) == [
        "Waktu", "Pengguna", "Tindakan", "Data", "ID catatan", "Kolom", "Nilai lama", "Nilai baru"
    ]  # fmt: skip
    rows = {tuple(row[2:]) for row in table.astype(object).fillna("–").itertuples(index=False)}
    assert ("dibuat", "pengguna", "rina", "peran", "–", "perencana") in rows
    assert ("dinonaktifkan", "pengguna", "rina", "aktif", "ya", "tidak") in rows
    assert ("diubah", "perlintasan", "JTR-BKY-09", "status", "Aktif", "Ditutup") in rows
    sample = load_sample()
    store.import_batch("shelters", sample.shelters, user="admin")
    shelter = sample.shelters.iloc[0]
    changes = {"services": "shelter;legal", "lon": 109.3412}
    store.update("shelters", shelter["shelter_id"], changes, user="admin")
    with pytest.raises(AuthenticationError):
        auth.login(store, username="nobody", password=PASSWORD)
    rows = {tuple(row[1:]) for row in audit_table(store.audit_log(), lang="id").fillna("–").values}
    services = f"{t('service.shelter', 'id')}, {t('service.legal', 'id')}"
    changed = {row[:5] + row[6:] for row in rows}  # (who, what, data, id, field, new value)
    assert ("admin", "diubah", "shelter", shelter["shelter_id"], "layanan", services) in changed
    assert ("admin", "diubah", "shelter", shelter["shelter_id"], "bujur", "109,3412") in changed
    assert any(row[0].startswith("(tak dikenal) ") and row[1] == "gagal masuk" for row in rows)
    english = audit_table(store.audit_log(), lang="en")
    rows = {tuple(row[2:]) for row in english.astype(object).fillna("–").itertuples(index=False)}
    assert ("created", "users", "rina", "role", "–", "planner") in rows


def test_audit_values_not_of_their_field_s_form_stay_as_recorded() -> None:
    """A trusted foreign restore keeps its key and file (not "no"), a number written with an
    exponent stays as written (not "0"), a plain one reads in the locale."""
    log = pd.DataFrame(
        {
            "username": ["admin", "admin"],
            "action": ["restore", "update"],
            "entity": ["store", "cases"],
            "record_id": [None, "K-1"],
            "field": ["trust_foreign", "lat"],
            "old_value": ["ab12cd34", "1e-05"],
            "new_value": ["cadangan.gpkg", "-0.25"],
        }
    )
    table = audit_table(log, lang="id")
    assert table.iloc[0, -2:].tolist() == ["ab12cd34", "cadangan.gpkg"]
    assert table.iloc[1, -2:].tolist() == ["1e-05", "-0,25"]
