"""The Data page's one-record form reads what an office types, as an imported file's row.

A new-user run-through found it refused the dd/mm/yyyy dates and decimal commas its own
messages ask for, called every empty optional field an error and offered raw codes.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from streamlit.testing.v1 import AppTest

from geodata.i18n import t
from geodata.store import open_store
from tests.app.test_roles import AppStore, app_store, page_app, run

__all__ = ["app_store"]  # the fixture, used by name below

FORM = "edit_cases_new"
#: Fields every new case below shares, typed as an office writes them (decimal commas).
PLACE = {"location_precision": "exact", "lon": "109,95", "lat": "1,30", "status": "reported"}


def _fill(at: AppTest, **values: str) -> AppTest:
    """Type ``values`` into the new-case form (text fields and choices) and save."""
    for name, value in values.items():
        key = f"{FORM}_{name}"
        widgets = [w for w in at.selectbox if w.key == key]
        if widgets:
            widgets[0].set_value(value)
        else:
            at.text_input(key=key).input(value)
    next(b for b in at.button if b.label == t("editor.save", "id")).click()
    return run(at)


def test_a_new_case_typed_as_an_office_writes_it_is_saved(app_store: AppStore) -> None:
    at = run(page_app(app_store, "data", role="analyst"))
    exploitation = at.selectbox(key=f"{FORM}_exploitation")
    assert t("exploitation.labour", "id") in exploitation.options  # labels, not codes
    at = _fill(
        at,
        case_id="KANTOR-2025-0001",
        date_reported="28/02/2025",
        victims_female_adult="2",
        exploitation="labour",
        **PLACE,
    )
    assert not at.error, [e.value for e in at.error]
    assert any("KANTOR-2025-0001" in s.value for s in at.success)
    cases = open_store(app_store.url).read("cases").set_index("case_id")
    saved = cases.loc["KANTOR-2025-0001"]
    assert pd.Timestamp(saved["date_reported"]).date() == dt.date(2025, 2, 28)
    assert (saved["lon"], saved["lat"]) == (109.95, 1.30)
    assert saved["victims_female_adult"] == 2 and saved["victims_male_child"] == 0
    assert saved["exploitation"] == "labour"


def test_an_impossible_date_is_named_in_indonesian_and_nothing_is_saved(
    app_store: AppStore,
) -> None:
    at = run(page_app(app_store, "data", role="analyst"))
    at = _fill(at, case_id="KANTOR-2025-0002", date_reported="31/02/2025", **PLACE)
    message = " ".join(e.value for e in at.error)
    assert "31/02/2025" in message and t("editor.form_file", "id") in message
    assert "KANTOR-2025-0002" not in set(open_store(app_store.url).read("cases")["case_id"])


def test_an_edit_writes_only_what_changed(app_store: AppStore) -> None:
    """A case's status changed in the form is the one change audited."""
    record = "KANTOR-2025-0003"
    at = _fill(run(page_app(app_store, "data", role="analyst")), case_id=record,
               date_reported="01/03/2025", victims_male_adult="1", **PLACE)  # fmt: skip
    assert not at.error, [e.value for e in at.error]
    at = run(page_app(app_store, "data", role="analyst"))
    at.selectbox(key="edit_id_cases").set_value(record)
    at = run(at)
    at.selectbox(key=f"edit_cases_{record}_status").set_value("investigation")
    next(b for b in at.button if b.label == t("editor.save", "id")).click()
    at = run(at)
    assert not at.error, [e.value for e in at.error]
    store = open_store(app_store.url)
    assert store.read("cases").set_index("case_id").loc[record, "status"] == "investigation"
    changes = store.audit_log(entity="cases", record_id=record, action="update")
    assert changes["field"].tolist() == ["status"], changes


def test_an_empty_form_says_so_and_a_new_shelter_starts_confidential(
    app_store: AppStore,
) -> None:
    at = run(page_app(app_store, "data", role="analyst"))
    next(b for b in at.button if b.label == t("editor.save", "id")).click()
    at = run(at)
    assert [e.value for e in at.error] == [t("editor.empty", "id")]  # not a message of a file
    at.selectbox(key="edit_kind").set_value("shelters")
    at = run(at)
    assert at.checkbox(key="edit_shelters_new_confidential").value is True
