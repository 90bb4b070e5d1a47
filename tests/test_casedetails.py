"""The case-details route: a map's case tooltips go only to sessions of the view they were made for.

Real store (a GeoPackage with the sample records and a user per role), real role views and
the real cases layer; the route is called as Streamlit's server calls it (an ASGI request).
"""

from __future__ import annotations

import gc
import json
from pathlib import Path
from typing import Final

import folium
import pytest
from starlette.routing import Router

from dashboard import casedetails, cookies
from geodata import reference
from geodata.access import RoleView, ViewKey, gateway
from geodata.config import CONFIG_ENV, DATABASE_URL_ENV
from geodata.settings import DATA_DIR_ENV
from geodata.store import open_store
from layers.cases import case_details, cases_layer
from tests._asgi import get_scope, request
from tests.test_gateway import PASSWORD, GatewayStore, gw_store

__all__ = ["gw_store"]  # the fixture, used by name below

SAME_SITE: Final = {"sec-fetch-site": "same-origin"}


@pytest.fixture(scope="module")
def store_url(gw_store: GatewayStore) -> str:
    """The sample in a new store with a user per role, the gateway pointed at it."""
    return gw_store.url


@pytest.fixture(autouse=True)
def mounted(monkeypatch: pytest.MonkeyPatch) -> None:
    """The route is mounted, as ``streamlit run dashboard/server.py`` does."""
    monkeypatch.setattr(casedetails, "_mounted", True)


def _get(path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    """GET ``path`` from the details route as Streamlit's server would call it: status,
    headers and body."""
    router = Router(routes=list(casedetails.routes()))
    scope = get_scope(path, {"host": "localhost:8501", **headers}.items())
    return request(router, scope)


def _cookie(role: str) -> dict[str, str]:
    token = gateway.login(role, PASSWORD, client="test").token
    return {**SAME_SITE, "cookie": f"{cookies.COOKIE}={token}"}


def _view(role: str) -> RoleView:
    return gateway.role_view(
        gateway.user_for_token(gateway.login(role, PASSWORD, client="t").token)
    )


def _published(view: RoleView) -> tuple[casedetails.Publisher, str, list[list[str]]]:
    """The police map's cases layer with its details published: publisher, URL, details."""
    publish = casedetails.publisher(view.key)
    assert publish is not None
    points = view.case_points(reference.load_gazetteer())
    layer = cases_layer(points, lang="id", publish_details=publish)
    html = folium.Map(tiles=None).add_child(layer).get_root().render()
    url = next(part for part in html.split('"') if part.startswith(casedetails.DETAILS_PATH[:16]))
    assert not any(case_id in html for case_id in points["case_id"])  # not in the map itself
    return publish, url, case_details(points, lang="id")


def test_records_roles_get_the_details_of_their_view_and_nobody_else(store_url: str) -> None:
    publish, url, details = _published(_view("police"))
    status, headers, body = _get(url, _cookie("analyst"))  # the same level: the same view
    assert status == 200 and json.loads(body) == details and len(details) > 100
    assert headers["cache-control"] == "no-store" and headers["x-content-type-options"] == "nosniff"
    assert headers["content-type"].startswith("application/json")
    assert _get(url, _cookie("police"))[0] == 200
    for role in ("viewer", "planner", "admin"):  # other levels see other views
        assert _get(url, _cookie(role))[0] == 403, role
    assert _get(url, SAME_SITE)[0] == 403  # no cookie
    assert _get(url, {**SAME_SITE, "cookie": f"{cookies.COOKIE}=forged"})[0] == 403
    ended = _cookie("police")
    gateway.logout(ended["cookie"].split("=", 1)[1])
    assert _get(url, ended)[0] == 403
    assert _get(url, {**_cookie("police"), "sec-fetch-site": "cross-site"})[0] == 403
    assert _get(url.rsplit("/", 1)[0] + "/unknown-key", _cookie("police"))[0] == 404
    del publish


def test_details_end_with_their_map_and_with_the_data_they_came_from(store_url: str) -> None:
    publish, url, _ = _published(_view("police"))
    cookie = _cookie("police")
    assert _get(url, cookie)[0] == 200
    store = open_store(store_url)
    case = store.read("cases").iloc[0]
    store.retire("cases", case["case_id"], user="admin", reason="test: data changed")
    gateway.clear_caches()
    assert _get(url, cookie)[0] == 403  # made from the data before the change
    publish_again, url_again, details = _published(_view("police"))
    assert _get(url_again, cookie)[0] == 200
    assert case["case_id"] not in json.dumps(details)
    del publish, publish_again
    gc.collect()
    assert _get(url_again, cookie)[0] == 404  # the map that held them is gone


def test_aggregate_views_publish_nothing_and_without_the_route_maps_keep_details(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert casedetails.publisher(_view("viewer").key) is None
    assert casedetails.publisher(_view("planner").key) is None
    monkeypatch.setattr(casedetails, "_mounted", False)  # streamlit run dashboard/app.py
    assert casedetails.publisher(_view("police").key) is None


def test_the_demo_serves_its_synthetic_details_without_a_login(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(DATABASE_URL_ENV, raising=False)
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    monkeypatch.setenv(CONFIG_ENV, str(tmp_path / "no-config.toml"))
    gateway.clear_caches()
    try:
        assert gateway.app_mode() == "demo"
        view = gateway.role_view(None)
        publish, url, details = _published(view)
        assert json.loads(_get(url, SAME_SITE)[2]) == details
        forged = ViewKey(True, view.level, "another version")
        stale = casedetails.publisher(forged)
        assert stale is not None
        assert _get(stale("[]"), SAME_SITE)[0] == 403
        del publish
    finally:
        gateway.clear_caches()
