"""Each role against each page and each export, with the app reading a real store.

A GeoPackage store in a temporary folder holds the committed synthetic sample and one user
per role; ``KALBAR_DATABASE_URL`` points the app at it, so the app runs in login mode.

- The login form itself is driven once per role (:func:`test_each_role_logs_in_through_the_form`).
  The page tests then put a token from :func:`geodata.access.auth.login` in session state before
  their only run: one run per test instead of two, and no AppTest shared between tests.
- ``dashboard.session`` caches the app mode and the store's dataset in ``st.cache_resource``,
  which lives for the whole pytest process (AppTest isolates ``st.cache_data`` per run, not
  ``st.cache_resource``). The module fixture clears those three caches before and after, so
  the demo-mode tests in the other modules are not run in login mode, nor these in demo mode.
- Expected figures come from the sample CSV read as plain text (``raw_cases``): which units
  have 1 or 2 cases is worked out here, not through the app's code.
- "Anything on the page" is every element's protobuf message as text (``everything``),
  which includes table bytes, chart data and the map component's script; on the map the same
  search finds the case ids and points for record roles, so it is not searching blind.
- Download buttons hand Streamlit a callable; the ``downloads`` fixture catches it where
  Streamlit registers it, so a test gets the bytes a click would send.
- app.py catches a page's exception and shows ``common.unexpected_error``, so ``at.exception``
  stays empty: ``run`` here also fails on that message.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import tempfile
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Block, Node

from dashboard import session
from geodata import reference
from geodata.access import (
    EXPORT_FORMATS,
    DemoDataError,
    ExportFormat,
    RoleView,
    auth,
    demo_view,
    export_bytes,
    gateway,
    view_for,
)
from geodata.access._cellkey import possible_true_counts
from geodata.config import CONFIG_ENV, DATABASE_URL_ENV, Config
from geodata.i18n import t
from geodata.records.cases import CaseFilter
from geodata.records.datasets import load_sample
from geodata.roles import ROLES, Role
from geodata.settings import Level
from geodata.store import open_store
from tests.app import conftest
from tests.app.conftest import APP, TIMEOUT, metrics, raw_cases, shown_dates
from tests.app.office import Downloads, download, spy_downloads

AGGREGATE_ROLES: Final[tuple[Role, ...]] = ("viewer", "planner")
RECORD_ROLES: Final[tuple[Role, ...]] = ("analyst", "police", "admin")
PAGES: Final = ("peta", "risiko", "patroli", "shelter", "data", "tentang")
#: Analysis pages: aggregate roles get them from published counts, with a notice.
RECORD_PAGES: Final = ("risiko", "patroli", "shelter")
KINDS: Final = ("cases", "crossings", "shelters")
#: Counts from 1 to THRESHOLD - 1 are never published to aggregate roles (the default).
THRESHOLD: Final = 3
YEAR_2024: Final = (dt.date(2024, 1, 1), dt.date(2024, 12, 31))
#: Text that only a case record holds: its id and the marker every sample note starts with.
CASE_ID: Final = re.compile(r"SYN-20\d\d-\d{4}")
NOTE_MARKER: Final = "[SINTETIS]"


#: What app.py shows when a page raised (it catches the exception and logs it).
PAGE_FAILED: Final = {t("common.unexpected_error", lang) for lang in ("id", "en")}


def run(at: AppTest) -> AppTest:
    """Run and fail if the script raised, or if a page failed into app.py's error box (its
    traceback is in the captured log)."""
    conftest.run(at)
    assert not PAGE_FAILED & {str(error.value) for error in at.error}, "the page failed"
    return at


def password(role: str) -> str:
    return f"{role}-passphrase-2025"


# --------------------------------------------------------------------------- the store


@dataclasses.dataclass(frozen=True)
class AppStore:
    url: str
    folder: Path
    tokens: dict[str, str]


def _clear_session_caches() -> None:
    gateway.clear_caches()


@pytest.fixture(scope="module")
def app_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppStore]:
    """The sample in a new GeoPackage store, a user per role, the app pointed at it."""
    folder = tmp_path_factory.mktemp("roles")
    url = f"gpkg://{folder / 'store.gpkg'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(DATABASE_URL_ENV, url)
        patch.setenv(CONFIG_ENV, str(folder / "no-config.toml"))  # not the developer's file
        store = open_store(url)
        sample = load_sample()
        for kind in ("crossings", "shelters", "cases"):
            store.import_batch(kind, getattr(sample, kind), user="test")
        auth.create_admin(store, username="admin", password=password("admin"), by="test")
        for role in ROLES:
            if role != "admin":
                auth.add_user(store, username=role, password=password(role), role=role, by="admin")
        tokens: dict[str, str] = {
            role: auth.login(store, username=role, password=password(role)).token for role in ROLES
        }
        _clear_session_caches()
        try:
            yield AppStore(url, folder, tokens)
        finally:
            _clear_session_caches()


def page_app(
    store: AppStore,
    page: str,
    *,
    role: str | None = None,
    token: str | None = None,
    lang: str | None = None,
    query: dict[str, str] | None = None,
) -> AppTest:
    """A not yet run AppTest on ``page``, logged in as ``role`` (or with ``token``)."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    if role is not None:
        token = store.tokens[role]
    if token is not None:
        at.session_state[session.TOKEN] = token
    if lang is not None:
        at.session_state["lang"] = lang
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.switch_page(f"views/{page}.py")
    return at


# --------------------------------------------------------------------------- page contents


def _nodes(node: Node) -> Iterator[Node]:
    yield node
    if isinstance(node, Block):
        for child in node.children.values():
            yield from _nodes(child)


def everything(at: AppTest) -> str:
    """Every element's message as text (main area and sidebar): markdown, tables (their Arrow
    bytes), charts, and the map component's arguments (its whole script)."""
    return "\n".join(
        str(node.proto)
        for root in (at.main, at.sidebar)
        for node in _nodes(root)
        if getattr(node, "proto", None) is not None
    )


def infos(at: AppTest) -> list[str]:
    return [str(info.value) for info in at.info]


def is_login_form(at: AppTest) -> bool:
    keys = {text.key for text in at.text_input}
    return {"login_username", "login_password"} <= keys


@cache
def exact_points(*, exact_only: bool = False) -> tuple[str, ...]:
    """Sample cases with coordinates (``exact_only``: placed exactly, not at a desa centre),
    as the map script writes a marker: ``[lat, lon``."""
    raw = raw_cases()
    placed = raw[raw["lon"] != ""]
    if exact_only:
        placed = placed[placed["location_precision"] == "exact"]
    return tuple(
        f"[{float(np.round(float(lat), 5))}, {float(np.round(float(lon), 5))}"  # as pandas rounds
        for lon, lat in zip(placed["lon"], placed["lat"], strict=True)
    )


# --------------------------------------------------------------------------- expected counts


def unit_counts(level: Level, *, dates: tuple[dt.date, dt.date] | None = None) -> pd.DataFrame:
    """Cases and victims per reference unit of ``level`` from the raw sample (0 where none)."""
    raw = raw_cases()
    if dates is not None:
        day = pd.to_datetime(raw["date_reported"]).dt.date
        raw = raw[(day >= dates[0]) & (day <= dates[1])]
    width = {"kabupaten": 5, "kecamatan": 8}[level]
    raw = raw[raw["admin_code"].str.len() >= width]
    grouped = raw.groupby(raw["admin_code"].str[:width]).agg(
        cases=("case_id", "size"), victims=("victims", "sum")
    )
    codes = reference.load_units(level)["code"]
    counts = grouped.reindex(codes, fill_value=0)
    assert len(counts) == len(codes) and counts["cases"].sum() == len(raw)
    return counts


def small(counts: pd.DataFrame) -> pd.Series:
    """True where a count is from 1 to THRESHOLD - 1 (cases or victims)."""
    return ((counts >= 1) & (counts < THRESHOLD)).any(axis=1)


def check_labels(labels: dict[str, str], counts: pd.DataFrame) -> None:
    """``labels`` (code -> cases label) are published counts: never 1 or 2, and each one a
    value the public perturbation table gives for the unit's true count (0 for 0, 0 or 3
    for 1 and 2, within 2 otherwise)."""
    assert set(labels) == set(counts.index)
    for code, label in labels.items():
        true = int(counts.loc[code, "cases"])
        assert int(label) not in range(1, THRESHOLD), code
        assert true in possible_true_counts(int(label), threshold=THRESHOLD, largest=400), code


# --------------------------------------------------------------------------- login


@pytest.mark.parametrize("role", ROLES)
def test_each_role_logs_in_through_the_form(app_store: AppStore, role: Role) -> None:
    at = run(page_app(app_store, "data"))
    assert is_login_form(at)
    assert [title.value for title in at.title] == [t("login.title", "id")]
    assert CASE_ID.search(everything(at)) is None  # nothing of the data before a login
    at.text_input(key="login_username").set_value(role)
    at.text_input(key="login_password").set_value(password(role))
    at.button[0].click()
    run(at)
    assert not is_login_form(at)
    assert at.session_state[session.TOKEN]
    signed_in = t("login.signed_in", "id", user=role, role=t(f"role.{role}", "id"))
    assert signed_in in [caption.value for caption in at.sidebar.caption]
    assert [title.value for title in at.title] == [t("nav.data", "id")]
    log = open_store(app_store.url).audit_log(username=role, action="login")
    assert len(log) >= 1


def test_a_wrong_password_is_refused_with_one_message(app_store: AppStore) -> None:
    at = run(page_app(app_store, "data"))
    at.text_input(key="login_username").set_value("nobody-here")
    at.text_input(key="login_password").set_value("not the password")
    at.button[0].click()
    run(at)
    assert is_login_form(at)
    assert [error.value for error in at.error] == [t("auth.login_failed", "id")]
    assert session.TOKEN not in at.session_state
    assert CASE_ID.search(everything(at)) is None


# --------------------------------------------------------------------------- every page


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("role", ROLES)
def test_every_role_opens_every_page(app_store: AppStore, role: Role, page: str) -> None:
    at = run(page_app(app_store, page, role=role))
    assert not is_login_form(at)
    shown = everything(at)
    records_only = t("access.records_only", "id")
    if role in AGGREGATE_ROLES:
        assert CASE_ID.search(shown) is None, CASE_ID.search(shown)
        assert NOTE_MARKER not in shown
        # desa-level sample cases sit on public desa centres, which Shelter may suggest
        centres = page == "shelter"
        assert not [point for point in exact_points(exact_only=centres) if point in shown]
        if page in RECORD_PAGES:  # the analysis runs on published counts
            assert t("analysis.aggregated", "id") in infos(at)
            assert at.main.subheader or at.main.slider
        if page != "tentang":
            suppressed_note = t("access.suppressed_note", "id", below=2, threshold=THRESHOLD)
            assert suppressed_note in [caption.value for caption in at.caption]
    else:
        assert records_only not in infos(at)
        if page in RECORD_PAGES:
            assert at.main.subheader or at.main.slider  # the analysis ran


@pytest.mark.parametrize("role", ROLES)
def test_only_record_roles_see_case_points_on_the_map(app_store: AppStore, role: Role) -> None:
    at = run(page_app(app_store, "peta", role=role))
    shown = everything(at)
    assert [label for label, _ in metrics(at)[:2]] == ["Jumlah kasus", "Jumlah korban"]
    cases, victims = (int(value.replace(".", "")) for _, value in metrics(at)[:2])
    if role in AGGREGATE_ROLES:  # published: within 2 of the true 315 and 1,019
        assert abs(cases - 315) <= 2 and abs(victims - 1019) <= 2
    else:
        assert (cases, victims) == (315, 1019)
    ids = set(CASE_ID.findall(shown))
    points = [point for point in exact_points() if point in shown]
    # How to draw the cases is offered only where they are drawn.
    assert _has_radio(at, "case_mode") == (role not in AGGREGATE_ROLES)
    if role in AGGREGATE_ROLES:
        assert (ids, points) == (set(), [])
    else:  # the same search finds them where they belong: the search is not blind
        assert len(ids) > 200 and NOTE_MARKER in shown
        assert len(points) == len(exact_points())


def _has_radio(at: AppTest, key: str) -> bool:
    return any(radio.key == key for radio in at.radio)


# --------------------------------------------------------------------------- the Data page


def _case_table(at: AppTest) -> pd.DataFrame:
    return at.dataframe[0].value


@pytest.mark.parametrize("role", RECORD_ROLES)
def test_record_roles_see_the_case_records(app_store: AppStore, role: Role) -> None:
    at = run(page_app(app_store, "data", role=role))
    table = _case_table(at)
    assert len(table) == 315
    assert table.iloc[:, 0].tolist() == raw_cases()["case_id"].tolist()
    assert t("data.counts_only", "id") not in [caption.value for caption in at.caption]


def _count_labels(at: AppTest) -> dict[str, str]:
    table = _case_table(at)
    code, cases = t("map.code", "id"), t("measure.cases", "id")
    return dict(zip(table[code], table[cases], strict=True))


@pytest.mark.parametrize("role", AGGREGATE_ROLES)
def test_aggregate_roles_see_counts_per_kabupaten(app_store: AppStore, role: Role) -> None:
    counts = unit_counts("kabupaten")
    assert not small(counts).any()  # no kabupaten has 1 or 2 cases in the whole sample
    at = run(page_app(app_store, "data", role=role))
    assert t("data.counts_only", "id") in [caption.value for caption in at.caption]
    table = _case_table(at)
    assert len(table) == 14 and "case_id" not in table.columns
    check_labels(_count_labels(at), counts)


@pytest.mark.parametrize("role", AGGREGATE_ROLES)
def test_aggregate_roles_see_small_counts_as_0_or_3(app_store: AppStore, role: Role) -> None:
    counts = unit_counts("kabupaten", dates=YEAR_2024)
    hidden = set(counts.index[small(counts)])
    assert hidden == {"61.02", "61.04", "61.09", "61.12"}  # 1 or 2 cases each in 2024
    at = run(page_app(app_store, "data", role=role, query={"dates": "2024-01-01..2024-12-31"}))
    labels = _count_labels(at)
    check_labels(labels, counts)
    assert {labels[code] for code in hidden} <= {"0", "3"}
    assert CASE_ID.search(everything(at)) is None


def test_a_small_kecamatan_shows_0_or_3_in_the_panel(app_store: AppStore) -> None:
    counts = unit_counts("kecamatan")
    entikong = "61.03.21"
    assert (counts.at[entikong, "cases"], counts.at[entikong, "victims"]) == (2, 12)
    viewer = run(page_app(app_store, "peta", role="viewer", query={"selected": entikong}))
    analyst = run(page_app(app_store, "peta", role="analyst", query={"selected": entikong}))
    cases, victims = (value for _, value in metrics(viewer)[4:6])
    assert cases in {"0", "3"} and (cases == "0") == (victims == "0")
    assert [value for _, value in metrics(analyst)[4:6]] == ["2", "12"]


@pytest.mark.parametrize("role", ["viewer", "analyst"])
def test_aggregate_filters_offer_years_only(app_store: AppStore, role: Role) -> None:
    """A viewer's sidebar: a year range (no day) and a note why there is nothing else; a
    link with days, a destination, a status and a source changes nothing of that."""
    link = {
        "dates": "2024-03-05..2024-06-01",
        "f_destinations": "MY · Sarawak",
        "f_statuses": "verdict",
        "f_sources": "x",
    }
    at = run(page_app(app_store, "peta", role=role, query=link))
    keys = {widget.key for widget in at.sidebar.multiselect}
    raw = raw_cases()
    states = set(raw["destination_state"]) - {""}
    free_text = {f"· {state}" for state in states} | {f'"{source}"' for source in raw["source"]}
    shown = everything(at)
    found = [text for text in free_text if text in shown]
    if role == "analyst":  # records roles keep the days and every filter (the search sees)
        assert shown_dates(at) == (dt.date(2024, 3, 5), dt.date(2024, 6, 1))
        assert "f_sources" in keys and len(found) == len(free_text)
        return
    assert not at.sidebar.text_input and not keys and found == []
    assert t("filters.aggregate_note", "id") in [caption.value for caption in at.sidebar.caption]
    assert at.select_slider(key="f_years").value == (2024, 2024)
    assert at.button_group(key="quick_period").value == "previous_year", "2024, the year before"
    plain = run(page_app(app_store, "peta", role=role, query={"dates": "2024-01-01..2024-12-31"}))
    assert [m.value for m in at.metric] == [m.value for m in plain.metric]  # nothing else applied
    assert dict(at.query_params)["dates"] == "2024-01-01..2024-12-31"
    days = {day for day in raw["date_reported"] if not day.endswith(("-01-01", "-12-31"))}
    assert not [day for day in days if day in shown]


@pytest.mark.parametrize("role", ROLES)
def test_only_the_admin_sees_the_audit_log_and_backup(app_store: AppStore, role: Role) -> None:
    at = run(page_app(app_store, "data", role=role))
    admin = role == "admin"
    audit = t("manage.audit_title", "id") in [header.value for header in at.subheader]
    backup = "backup_download" in {button.key for button in at.get("download_button")}
    assert (audit, backup) == (admin, admin)
    import_help = t("manage.import_help" if admin else "manage.import_check_only", "id")
    assert import_help in [caption.value for caption in at.caption]


def test_a_tampered_session_state_still_gets_aggregates(app_store: AppStore) -> None:
    at = page_app(app_store, "data", role="viewer")
    for key in ("role", "_role", "level", "access_level", "user", "username", "_user"):
        at.session_state[key] = "admin"
    at.session_state["records_allowed"] = True
    run(at)
    assert len(_case_table(at)) == 14  # counts per kabupaten, not 315 records
    assert CASE_ID.search(everything(at)) is None
    assert "backup_download" not in {button.key for button in at.get("download_button")}


def test_a_link_cannot_carry_a_login(app_store: AppStore) -> None:
    """Only the keys of ``state.URL_KEYS`` are read from a link, never a token or a role."""
    link = {"_session_token": app_store.tokens["admin"], "role": "admin"}
    at = run(page_app(app_store, "data", query=link))
    assert is_login_form(at) and CASE_ID.search(everything(at)) is None


def test_one_roles_cached_view_never_reaches_another(app_store: AppStore) -> None:
    """The role views are cached per access level: an admin's run, then a viewer's."""
    gateway.clear_caches()  # the admin's view is built first, whatever ran before
    rows = {}
    for role in ("admin", "viewer", "police", "planner"):
        rows[role] = len(_case_table(run(page_app(app_store, "data", role=role))))
    assert rows == {"admin": 315, "viewer": 14, "police": 315, "planner": 14}


# --------------------------------------------------------------------------- sessions


@pytest.mark.parametrize("lang", ["id", "en"])
def test_a_bogus_token_shows_the_login_form_and_says_why(app_store: AppStore, lang: str) -> None:
    bogus = "x" * 43  # as long as a real token, but no session has it
    at = run(page_app(app_store, "peta", token=bogus, lang=lang))
    assert is_login_form(at)
    assert infos(at) == [t("auth.session_expired", lang)]
    assert [title.value for title in at.title] == [t("login.title", lang)]
    assert session.TOKEN not in at.session_state
    assert not at.metric and CASE_ID.search(everything(at)) is None


def test_an_expired_or_ended_session_shows_the_login_form(app_store: AppStore) -> None:
    store = open_store(app_store.url)
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=9)
    expired = auth.login(store, username="analyst", password=password("analyst"), now=long_ago)
    at = run(page_app(app_store, "data", token=expired.token))
    assert is_login_form(at) and infos(at) == [t("auth.session_expired", "id")]

    auth.add_user(store, username="leaver", password=password("leaver"), role="police", by="admin")
    token = auth.login(store, username="leaver", password=password("leaver")).token
    assert len(_case_table(run(page_app(app_store, "data", token=token)))) == 315
    auth.set_active(store, "leaver", active=False, by="admin")
    at = run(page_app(app_store, "data", token=token))
    assert is_login_form(at) and infos(at) == [t("auth.session_expired", "id")]


def test_logging_out_ends_the_session(app_store: AppStore) -> None:
    store = open_store(app_store.url)
    token = auth.login(store, username="planner", password=password("planner")).token
    at = run(page_app(app_store, "data", token=token))
    at.button(key="logout").click()
    run(at)
    assert is_login_form(at) and infos(at) == []  # logged out, not expired
    assert session.TOKEN not in at.session_state
    with pytest.raises(auth.SessionExpiredError):
        auth.user_for_session(store, token)


def test_no_token_shows_the_login_form_without_a_message(app_store: AppStore) -> None:
    at = run(page_app(app_store, "risiko"))
    assert is_login_form(at) and infos(at) == []


# --------------------------------------------------------------------------- exports


@pytest.fixture(scope="module")
def views(app_store: AppStore) -> dict[Role, RoleView]:
    """Each role's view of the store, built as the app builds it (user from the token)."""
    store = open_store(app_store.url)
    dataset = store.dataset()
    users = {role: auth.user_for_session(store, app_store.tokens[role]) for role in ROLES}
    assert {role: user.role for role, user in users.items()} == {role: role for role in ROLES}
    return {role: view_for(users[role], dataset) for role in ROLES}


def read_export(data: bytes, fmt: str, *, layer: str) -> pd.DataFrame:
    if fmt == "csv":
        return pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
    if fmt == "xlsx":
        return pd.read_excel(io.BytesIO(data), dtype=str, sheet_name=layer).fillna("")
    if fmt == "geojson":
        return gpd.read_file(io.BytesIO(data))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.gpkg"
        path.write_bytes(data)
        return gpd.read_file(path, layer=layer)


def gpkg_layers(data: bytes) -> dict[str, gpd.GeoDataFrame]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.gpkg"
        path.write_bytes(data)
        names = [str(name) for name, _ in pyogrio.list_layers(path)]
        return {name: gpd.read_file(path, layer=name) for name in names}


def _cells(frame: pd.DataFrame) -> set[str]:
    return {str(value) for value in frame.drop(columns="geometry", errors="ignore").to_numpy().flat}


def _rounded(xy: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
    return [(round(float(x), 5), round(float(y), 5)) for x, y in xy]


def _points(frame: pd.DataFrame) -> list[tuple[float, float]]:
    """(lon, lat) of each row, from the geometry or the lon/lat columns, rounded to 1 m."""
    if isinstance(frame, gpd.GeoDataFrame):
        return _rounded(
            (g.x, g.y) for g in frame.geometry if g is not None and g.geom_type == "Point"
        )
    pairs = zip(frame["lon"], frame["lat"], strict=True)
    return _rounded((lon, lat) for lon, lat in pairs if lon != "" and lat != "")


def _true(value: object) -> bool:
    return str(value).lower() in {"true", "1"}


def check_case_export(
    frame: pd.DataFrame,
    role: Role,
    fmt: ExportFormat,
    *,
    level: Level = "kabupaten",
    dates: tuple[dt.date, dt.date] | None = None,
) -> None:
    """Aggregate roles: published counts per unit, nothing of a record. Record roles: the
    records."""
    raw = raw_cases()
    if role in RECORD_ROLES:
        if fmt == "geojson":  # GeoJSON holds the cases that have a point
            assert set(frame["case_id"]) <= set(raw["case_id"]) and len(frame) > 200
        else:
            assert frame["case_id"].tolist() == raw["case_id"].tolist()
            assert frame["note"].str.startswith(NOTE_MARKER).all()
        return
    assert not {"case_id", "note", "date_incident", "lon", "lat"} & set(frame.columns)
    assert not [cell for cell in _cells(frame) if CASE_ID.search(cell) or NOTE_MARKER in cell]
    if isinstance(frame, gpd.GeoDataFrame):
        assert not (frame.geom_type == "Point").any()
    numbers = pd.to_numeric(frame["cases"].replace("", None), errors="coerce")
    assert not numbers.isin(range(1, THRESHOLD)).any()
    counts = unit_counts(level, dates=dates)
    labels = dict(zip(frame["code"], frame["cases_label"].astype(str), strict=True))
    check_labels(labels, counts)
    assert list(labels.values()) == [str(int(n)) for n in numbers]


def check_shelter_export(frame: pd.DataFrame, role: Role) -> None:
    """Aggregate roles: confidential shelters renamed and moved. Record roles: as they are."""
    sample = load_sample().shelters
    assert len(frame) == len(sample)
    if role in RECORD_ROLES:
        assert frame["name"].tolist() == sample["name"].tolist()
        assert _points(frame) == _rounded(zip(sample["lon"], sample["lat"], strict=True))
        assert "location_generalised" not in frame.columns
        return
    secret = sample[sample["confidential"]]
    assert len(secret) > 0
    generalised = frame["location_generalised"].map(_true)
    assert generalised.tolist() == [_true(value) for value in sample["confidential"]]
    secret_points = set(_rounded(zip(secret["lon"], secret["lat"], strict=True)))
    assert not set(_points(frame)) & secret_points
    assert not set(secret["name"]) & set(frame["name"])


def check_crossing_export(frame: pd.DataFrame) -> None:
    assert frame["crossing_id"].tolist() == load_sample().crossings["crossing_id"].tolist()


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
@pytest.mark.parametrize("role", ROLES)
def test_export_bytes_follows_the_role(
    views: dict[Role, RoleView], role: Role, fmt: ExportFormat
) -> None:
    view = views[role]
    cuts: list[tuple[Level, tuple[dt.date, dt.date] | None]] = [
        ("kabupaten", None),
        ("kabupaten", YEAR_2024),
        ("kecamatan", None),
    ]
    for level, dates in cuts:
        case_filter = None if dates is None else CaseFilter(date_from=dates[0], date_to=dates[1])
        data = export_bytes(view, "cases", fmt, level=level, case_filter=case_filter)
        if fmt in ("csv", "geojson") and role in AGGREGATE_ROLES:
            assert CASE_ID.search(data.decode("utf-8")) is None
        frame = read_export(data, fmt, layer="cases")
        check_case_export(frame, role, fmt, level=level, dates=dates)
        if role in RECORD_ROLES:
            break  # records do not depend on the level
    shelters = read_export(export_bytes(view, "shelters", fmt), fmt, layer="shelters")
    check_shelter_export(shelters, role)
    check_crossing_export(read_export(export_bytes(view, "crossings", fmt), fmt, layer="crossings"))


# The download buttons hand Streamlit a callable (deferred download); catching it where
# Streamlit registers it lets a test call it as a click would, with the page's own view.


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> Downloads:
    """Deferred download callables registered during the test, by their file id."""
    return spy_downloads(monkeypatch)


@pytest.mark.parametrize("role", ROLES)
def test_every_download_on_the_data_page_follows_the_role(
    app_store: AppStore, downloads: Downloads, role: Role
) -> None:
    at = run(page_app(app_store, "data", role=role))
    for kind in KINDS:
        for fmt in EXPORT_FORMATS:
            frame = read_export(download(at, downloads, f"export_{kind}_{fmt}"), fmt, layer=kind)
            if kind == "cases":
                check_case_export(frame, role, fmt)
            elif kind == "shelters":
                check_shelter_export(frame, role)
            else:
                check_crossing_export(frame)


@pytest.mark.parametrize("role", ROLES)
def test_the_map_downloads_follow_the_role(
    app_store: AppStore, downloads: Downloads, role: Role
) -> None:
    """The Peta page's layer GeoPackage and standalone map HTML (built from the page's view,
    not through ``export_bytes``)."""
    at = run(page_app(app_store, "peta", role=role))
    layers = gpkg_layers(download(at, downloads, "export_map_gpkg"))
    html = download(at, downloads, "export_map_html").decode("utf-8")
    check_shelter_export(layers["shelter"], role)
    check_crossing_export(layers["jalur"])
    if role in RECORD_ROLES:
        assert set(layers) == {"wilayah_kabupaten", "jalur", "shelter", "kasus"}
        assert layers["kasus"]["case_id"].tolist() == raw_cases()["case_id"].tolist()
        assert CASE_ID.search(html)  # the control: the same search finds them
        return
    assert set(layers) == {"wilayah_kabupaten", "jalur", "shelter"}
    for name, layer in layers.items():
        assert not [cell for cell in _cells(layer) if CASE_ID.search(cell)], name
    assert CASE_ID.search(html) is None and NOTE_MARKER not in html
    assert not [point for point in exact_points() if point in html]


# --------------------------------------------------------------------------- demo mode


def test_demo_mode_refuses_a_dataset_with_a_real_case(app_store: AppStore) -> None:
    dataset = open_store(app_store.url).dataset()
    cases = dataset.cases.copy()
    cases.loc[cases.index[0], "synthetic"] = False
    with pytest.raises(DemoDataError, match="cases"):
        demo_view(dataclasses.replace(dataset, cases=cases))
    assert auth.app_mode() == "login"
    nowhere = Config(database_url=f"gpkg://{app_store.folder / 'absent.gpkg'}")
    assert auth.app_mode(config=nowhere) == "demo"
    assert not (app_store.folder / "absent.gpkg").exists()
    # a store file with no administrator yet
    empty = Config(database_url=f"gpkg://{app_store.folder / 'empty.gpkg'}", store_configured=True)
    assert auth.app_mode(config=empty) == "setup"
