"""Risiko, Patroli, Shelter: each opens without error for every role and any store content.

Their numbers are tested on the layers (tests/test_risk.py, test_patrol.py,
test_shelter_plan.py) and the rows aggregate roles get in tests/test_analysis_input.py.

Here, besides the demo mode in both languages, each page runs in login mode against three
GeoPackage stores built once for the module: ``empty`` (no record imported), ``cases``
(the sample cases only) and ``full`` (the sample crossings, shelters and cases), once per
role, and must show the right notices: viewers and planners are told the analysis rests
on published counts and never get a case id, note or exact point; an empty store says
what to import; no page fails.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Final

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import session
from geodata.access import auth, gateway
from geodata.config import CONFIG_ENV, DATABASE_URL_ENV
from geodata.i18n import catalogue, t
from geodata.records.datasets import load_sample
from geodata.roles import ROLES
from geodata.store import Kind, open_store
from tests.app.conftest import APP, TIMEOUT, NewApp, run
from tests.app.test_roles import CASE_ID, NOTE_MARKER, everything, exact_points, infos

PAGES: Final = ["risiko", "patroli", "shelter"]
STORES: Final = ("empty", "cases", "full")
AGGREGATE_ROLES: Final = frozenset({"viewer", "planner"})


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("lang", ["id", "en"])
def test_opens_in_each_language(new_app: NewApp, page: str, lang: str) -> None:
    at = run(new_app(page=page, lang=lang))
    titles = [title.value for title in at.title]
    assert titles, "the page has a title"
    assert set(titles) <= set(catalogue(lang).values()), "titles come from the catalogue"


@pytest.mark.parametrize("page", PAGES)
def test_indonesian_by_default(new_app: NewApp, page: str) -> None:
    at = run(new_app(page=page))
    assert at.title[0].value == catalogue("id")[f"nav.{page}"]


# --------------------------------------------------------------------------- stores and roles


@dataclasses.dataclass(frozen=True)
class AppStore:
    url: str
    config: Path
    tokens: dict[str, str]


UseStore = Callable[[str], AppStore]


def _password(role: str) -> str:
    return f"{role}-passphrase-2025"


def _build_store(folder: Path, content: str) -> AppStore:
    url = f"gpkg://{folder / 'store.gpkg'}"
    store = open_store(url)
    sample = load_sample()
    kinds: dict[str, tuple[Kind, ...]] = {
        "empty": (),
        "cases": ("cases",),
        "full": ("crossings", "shelters", "cases"),
    }
    for kind in kinds[content]:
        store.import_batch(kind, getattr(sample, kind), user="test")
    auth.create_admin(store, username="admin", password=_password("admin"), by="test")
    for role in ROLES:
        if role != "admin":
            auth.add_user(store, username=role, password=_password(role), role=role, by="admin")
    tokens: dict[str, str] = {
        role: auth.login(store, username=role, password=_password(role)).token for role in ROLES
    }
    return AppStore(url, folder / "no-config.toml", tokens)


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, AppStore]]:
    """The three stores, each with one user per role."""
    built = {}
    for content in STORES:
        built[content] = _build_store(tmp_path_factory.mktemp(content), content)
    yield built
    gateway.clear_caches()


@pytest.fixture
def use_store(stores: dict[str, AppStore], monkeypatch: pytest.MonkeyPatch) -> Iterator[UseStore]:
    """Point the app at one of the stores (caches cleared before and after)."""

    def point(content: str) -> AppStore:
        store = stores[content]
        monkeypatch.setenv(DATABASE_URL_ENV, store.url)
        monkeypatch.setenv(CONFIG_ENV, str(store.config))
        gateway.clear_caches()
        return store

    yield point
    gateway.clear_caches()


def _page(store: AppStore, page: str, role: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.session_state[session.TOKEN] = store.tokens[role]
    at.switch_page(f"views/{page}.py")
    return at


def _said(at: AppTest, key: str) -> bool:
    return t(key, "id") in infos(at)


@pytest.mark.parametrize("content", STORES)
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", PAGES)
def test_every_role_and_store_content(
    use_store: UseStore, page: str, role: str, content: str
) -> None:
    at = run(_page(use_store(content), page, role))
    assert not at.exception
    aggregated = role in AGGREGATE_ROLES
    assert _said(at, "analysis.aggregated") == aggregated
    assert not _said(at, "access.records_only")
    if content == "empty":
        assert _said(at, "analysis.no_cases")
    if page == "patroli":
        crossing_notice = _said(at, "analysis.no_crossings") or _said(at, "analysis.only_plbn")
        assert crossing_notice == (content != "full")
    if page == "shelter":
        assert _said(at, "analysis.no_shelters") == (content != "full")
    if content == "full":
        assert not _said(at, "analysis.no_cases")
        assert at.main.subheader or at.main.dataframe, "the analysis ran"
    if aggregated:
        shown = everything(at)
        assert CASE_ID.findall(shown) == [] and NOTE_MARKER not in shown
        assert [point for point in exact_points(exact_only=True) if point in shown] == []


@pytest.mark.parametrize("analysis", ["hotspots", "density", "change", "backtest"])
def test_a_viewer_gets_every_risk_view_but_density(use_store: UseStore, analysis: str) -> None:
    at = _page(use_store("full"), "risiko", "viewer")
    at.session_state["risk_view"] = analysis
    run(at)
    assert at.selectbox(key="risk_level").options == [
        t("unit_type.kabupaten", "id"),
        t("unit_type.kecamatan", "id"),
    ]
    assert t("analysis.density_hidden", "id") in [caption.value for caption in at.caption]
    if analysis == "density":  # not offered: the index shows instead
        assert t("risk_page.why", "id") in [header.value for header in at.subheader]
    if analysis == "backtest":
        years = at.selectbox(key="backtest_year").options
        assert years == [str(year) for year in range(2020, 2025)]
        assert at.dataframe, "the backtest table"


def test_patroli_says_which_crossings_lie_over_the_border(
    use_store: UseStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A track the office recorded 2.5 km into Sarawak (accepted by the checks) is ranked
    with its distance over the border; with none over it, the column is not shown."""
    header = t("patrol.column.outside_kalbar_km", "id")

    at = run(_page(use_store("full"), "patroli", "police"))
    assert not any(header in frame.value.columns for frame in at.dataframe)
    store = _build_store(tmp_path, "full")
    over = {"crossing_id": "JT-OVER", "name": "Jalan ke Lubok Antu", "kind": "land_track"}
    over |= {"lon": 111.8804, "lat": 1.1003, "status": "active", "synthetic": True}
    open_store(store.url).add("crossings", over, user="admin")
    monkeypatch.setenv(DATABASE_URL_ENV, store.url)
    monkeypatch.setenv(CONFIG_ENV, str(store.config))
    gateway.clear_caches()
    at = run(_page(store, "patroli", "police"))
    ranking = next(frame.value for frame in at.dataframe if header in frame.value.columns)
    name = t("patrol.column.name", "id")
    assert ranking.set_index(name).loc["Jalan ke Lubok Antu", header] == "2,5"
