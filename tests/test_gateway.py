"""The gateway: the dashboard's one door to sessions, views, reads and downloads.

A GeoPackage store in a temporary folder holds the committed sample and one user per role;
``KALBAR_DATABASE_URL`` points the gateway at it. Tested here: views never cross access
levels, reads check the role in the data layer, the login cookie's one-time code and its two
HTTP routes (called as ASGI, as Streamlit's server calls them), the cookie -> session path of
the app (AppTest), and downloads that check the session when they are produced.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Final

import pytest
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send
from streamlit.testing.v1 import AppTest

from dashboard import cookies, exports, media, session
from geodata.access import auth, gateway
from geodata.config import CONFIG_ENV, DATABASE_URL_ENV
from geodata.errors import AccessDeniedError
from geodata.i18n import t
from geodata.records.datasets import load_sample
from geodata.roles import ROLES
from geodata.store import open_store
from tests._asgi import run_async
from tests.app.conftest import APP, TIMEOUT

PASSWORD: Final = "gateway-passphrase-2025"


@dataclasses.dataclass(frozen=True)
class GatewayStore:
    url: str
    folder: Path


@pytest.fixture(scope="module")
def gw_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GatewayStore]:
    """The sample in a new store with a user per role, the gateway pointed at it."""
    folder = tmp_path_factory.mktemp("gateway")
    url = f"gpkg://{folder / 'store.gpkg'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(DATABASE_URL_ENV, url)
        patch.setenv(CONFIG_ENV, str(folder / "no-config.toml"))
        store = open_store(url)
        sample = load_sample()
        for kind in ("crossings", "shelters", "cases"):
            store.import_batch(kind, getattr(sample, kind), user="test")
        auth.create_admin(store, username="admin", password=PASSWORD, by="test")
        for role in ROLES:
            if role != "admin":
                auth.add_user(store, username=role, password=PASSWORD, role=role, by="admin")
        gateway.clear_caches()
        try:
            yield GatewayStore(url, folder)
        finally:
            gateway.clear_caches()


def _login(role: str) -> auth.Session:
    return gateway.login(role, PASSWORD, client="test")


# --- views and reads ------------------------------------------------------------------------


def test_the_store_needs_a_login_and_views_never_cross_levels(gw_store: GatewayStore) -> None:
    assert gateway.app_mode() == "login"
    with pytest.raises(auth.SessionExpiredError):
        gateway.role_view(None)
    gateway.clear_caches()
    admin = gateway.user_for_token(_login("admin").token)
    viewer = gateway.user_for_token(_login("viewer").token)
    admin_view = gateway.role_view(admin)  # built first, so a wrong key would hand it on
    viewer_view = gateway.role_view(viewer)
    assert admin_view.records_allowed and not viewer_view.records_allowed
    assert viewer_view is not admin_view
    assert gateway.role_view(viewer) is viewer_view  # cached per level and version
    with pytest.raises(AccessDeniedError):
        viewer_view.cases()


def test_reads_for_editing_and_the_audit_log_check_the_role_here(gw_store: GatewayStore) -> None:
    users = {role: gateway.user_for_token(_login(role).token) for role in ROLES}
    for role in ("viewer", "planner"):
        with pytest.raises(AccessDeniedError):
            gateway.read_for_edit(users[role], "cases")
    assert len(gateway.read_for_edit(users["police"], "cases")) == len(load_sample().cases)
    for role in ROLES:
        if role != "admin":
            with pytest.raises(AccessDeniedError):
                gateway.audit_log(users[role])
    log = gateway.audit_log(users["admin"], action="login")
    assert set(log["username"]) >= set(ROLES)


# --- the login cookie -----------------------------------------------------------------------


def test_a_cookie_code_works_once_and_only_for_a_live_session(gw_store: GatewayStore) -> None:
    login = _login("analyst")
    code = gateway.cookie_code(login)
    assert login.token not in code
    assert gateway.redeem_cookie_code(code) == (login.token, login.expires_at)
    assert gateway.redeem_cookie_code(code) is None  # one use
    for garbled in ("", "x" * 500, "ÿ\x00;=", login.token):
        assert gateway.redeem_cookie_code(garbled) is None
    ended = gateway.cookie_code(login)
    gateway.logout(login.token)
    assert gateway.redeem_cookie_code(ended) is None


def test_a_cookie_code_expires(gw_store: GatewayStore, monkeypatch: pytest.MonkeyPatch) -> None:
    code = gateway.cookie_code(_login("analyst"))
    later = gateway.time.monotonic() + gateway.CODE_SECONDS + 1
    monkeypatch.setattr(gateway.time, "monotonic", lambda: later)
    assert gateway.redeem_cookie_code(code) is None


def _call(
    handler: object,
    *,
    body: str = "",
    headers: dict[str, str] | None = None,
    path: str = cookies.SESSION_PATH,
) -> Response:
    """Call a route handler as Streamlit's server would (an ASGI HTTP request to ``path``)."""
    sent = {"host": "localhost:8501", "sec-fetch-site": "same-origin", **(headers or {})}
    scope = {
        "type": "http",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "query_string": b"",
        "server": ("localhost", 8501),
        "headers": [(k.encode(), v.encode()) for k, v in sent.items()],
    }

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": body.encode(), "more_body": False}

    return run_async(handler(Request(scope, receive)))  # type: ignore[operator]


def _set_cookie(response: Response) -> str:
    values = [v.decode() for k, v in response.raw_headers if k == b"set-cookie"]
    assert len(values) == 1, values
    return values[0]


def test_the_cookie_route_sets_an_httponly_strict_cookie(gw_store: GatewayStore) -> None:
    login = _login("planner")
    response = _call(cookies.set_session_cookie, body=gateway.cookie_code(login))
    assert response.status_code == 204 and login.token.encode() not in bytes(response.body)
    cookie = _set_cookie(response)
    assert cookie.startswith(f"{cookies.COOKIE}={login.token};")
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "path", "max-age", "samesite"} <= attributes and "secure" not in attributes
    assert "samesite=strict" in cookie.lower()
    max_age = int(cookie.lower().split("max-age=")[1].split(";")[0])
    assert 0 < max_age <= 8 * 3600
    behind_https = _call(
        cookies.set_session_cookie,
        body=gateway.cookie_code(login),
        headers={"x-forwarded-proto": "https"},
    )
    assert "secure" in _set_cookie(behind_https).lower()


def test_under_a_base_path_the_routes_and_the_cookie_are_there(gw_store: GatewayStore) -> None:
    """Served under /kalbar (server.baseUrlPath), the page posts to /kalbar/_kalbar/...: the
    routes answer there, and the cookie is for /kalbar only (not the intranet's other apps)."""
    assert [route.path for route in cookies.routes("/kalbar")] == [
        f"/kalbar{cookies.SESSION_PATH}",
        f"/kalbar{cookies.LOGOUT_PATH}",
    ]
    assert [route.path for route in cookies.routes()] == [cookies.SESSION_PATH, cookies.LOGOUT_PATH]
    login = _login("planner")
    code = gateway.cookie_code(login)
    response = _call(cookies.set_session_cookie, body=code, path=f"/kalbar{cookies.SESSION_PATH}")
    assert "path=/kalbar;" in _set_cookie(response).lower()
    at_root = _call(cookies.set_session_cookie, body=gateway.cookie_code(login))
    assert "path=/;" in _set_cookie(at_root).lower()
    cookie = {"cookie": f"{cookies.COOKIE}={login.token}"}
    logout = _call(
        cookies.clear_session_cookie, headers=cookie, path=f"/kalbar{cookies.LOGOUT_PATH}"
    )
    assert "path=/kalbar;" in _set_cookie(logout).lower()


def test_the_cookie_routes_refuse_other_sites_and_bad_codes(gw_store: GatewayStore) -> None:
    login = _login("planner")
    for headers in ({"sec-fetch-site": "cross-site"}, {"sec-fetch-site": "same-site"}):
        code = gateway.cookie_code(login)
        refused = _call(cookies.set_session_cookie, body=code, headers=headers)
        assert refused.status_code == 403 and not refused.raw_headers[1:]
    for body in ("", "forged", login.token, "A" * 10_000):
        assert _call(cookies.set_session_cookie, body=body).status_code == 403


def test_the_logout_route_ends_the_session_and_deletes_the_cookie(gw_store: GatewayStore) -> None:
    login = _login("police")
    response = _call(
        cookies.clear_session_cookie, headers={"cookie": f"{cookies.COOKIE}={login.token}"}
    )
    assert response.status_code == 204
    assert "max-age=0" in _set_cookie(response).lower()
    assert gateway.session_for_token(login.token) is None


# --- the app: cookie -> session -------------------------------------------------------------


def _app(monkeypatch: pytest.MonkeyPatch, cookie: str) -> AppTest:
    monkeypatch.setattr(session, "browser_cookie", lambda: cookie)
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.switch_page("views/tentang.py")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _login_form(at: AppTest) -> bool:
    return {"login_username", "login_password"} <= {text.key for text in at.text_input}


def test_a_live_cookie_logs_the_page_in(
    gw_store: GatewayStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    login = _login("analyst")
    at = _app(monkeypatch, login.token)
    assert not _login_form(at)
    assert at.session_state[session.TOKEN] == login.token
    caption = t("login.signed_in", "id", user="analyst", role=t("role.analyst", "id"))
    assert caption in [c.value for c in at.sidebar.caption]


@pytest.mark.parametrize("cookie", ["forged-token", "ÿ%00<script>", "x" * 4000, "ended"])
def test_a_forged_or_ended_cookie_gets_a_message_and_the_form(
    gw_store: GatewayStore, monkeypatch: pytest.MonkeyPatch, cookie: str
) -> None:
    if cookie == "ended":
        login = _login("analyst")
        gateway.logout(login.token)
        cookie = login.token
    at = _app(monkeypatch, cookie)
    assert _login_form(at)
    assert [i.value for i in at.info] == [t("auth.session_expired", "id")]
    assert session.TOKEN not in at.session_state


def test_an_expired_cookie_gets_the_form(
    gw_store: GatewayStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = open_store(gw_store.url)
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    old = auth.login(store, username="viewer", password=PASSWORD, now=long_ago)
    at = _app(monkeypatch, old.token)
    assert _login_form(at) and [i.value for i in at.info] == [t("auth.session_expired", "id")]


# --- downloads checked when produced, and short-lived /media/ URLs --------------------------


def test_a_download_checks_the_session_when_it_is_produced(gw_store: GatewayStore) -> None:
    store = open_store(gw_store.url)
    auth.add_user(store, username="leaver", password=PASSWORD, role="analyst", by="admin")
    token = _login("leaver").token
    csv = gateway.export_bytes(token, "cases", "csv", drawn_level="records")
    assert csv.count(b"\n") == len(load_sample().cases) + 1
    with pytest.raises(AccessDeniedError, match="role changed"):
        gateway.export_bytes(token, "cases", "csv", drawn_level="aggregates")
    assert gateway.checked_bytes(token, lambda: b"briefing", drawn_level="records") == b"briefing"
    with pytest.raises(AccessDeniedError, match="role changed"):
        gateway.checked_bytes(token, lambda: b"briefing", drawn_level="aggregates")
    auth.set_active(store, "leaver", active=False, by="admin")
    with pytest.raises(auth.SessionExpiredError):
        gateway.export_bytes(token, "cases", "csv", drawn_level="records")
    with pytest.raises(auth.SessionExpiredError):
        gateway.checked_bytes(token, lambda: b"map")
    with pytest.raises(auth.SessionExpiredError):
        gateway.export_bytes(None, "crossings", "csv")


def test_a_refused_download_is_a_translated_note(gw_store: GatewayStore) -> None:
    def ended() -> bytes:
        raise auth.SessionExpiredError("ended")

    for lang in ("id", "en"):
        note = exports.checked_download(ended, file_name="cases.csv", lang=lang, token="t")
        assert note.decode("utf-8") == t("auth.download_refused", lang)
    made = exports.checked_download(lambda: b"a,b\n", file_name="x.csv", lang="id", token="t")
    assert made == b"a,b\n"


def _media_response(
    path: str, *, file_name: str, body: bytes, cookie: str = "", inline: bool = False
) -> tuple[int, bytes]:
    """What MediaGuard lets through of a /media/ response made by a stand-in for Streamlit."""
    disposition = "inline" if inline else f'attachment; filename="{file_name}"'

    async def streamlit_media(scope: Scope, receive: Receive, send: Send) -> None:
        headers = [
            (b"content-disposition", disposition.encode()),
            (b"content-length", str(len(body)).encode()),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    headers = [(b"cookie", f"{cookies.COOKIE}={cookie}".encode())] if cookie else []
    scope = {"type": "http", "method": "GET", "path": path, "headers": headers}
    run_async(media.MediaGuard(streamlit_media)(scope, receive, send))
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


def test_a_media_download_needs_a_live_session_and_a_fresh_url(
    gw_store: GatewayStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = _login("police").token
    body = b"case_id\nSYN-2024-0001\n"
    media.note_download("cases.csv", body, token=token)
    path = "/media/abc123.csv"
    assert _media_response(path, file_name="cases.csv", body=body, cookie=token) == (200, body)
    for cookie in ("", "forged"):  # no cookie, or a forged one: nothing, while the session lives
        status, sent = _media_response(path, file_name="cases.csv", body=body, cookie=cookie)
        assert status == 403 and body not in sent
    assert _media_response("/media/icon.png", file_name="", body=b"png", inline=True)[0] == 200
    later = time.monotonic() + media.DOWNLOAD_SECONDS + 1
    monkeypatch.setattr(media.time, "monotonic", lambda: later)
    assert _media_response(path, file_name="cases.csv", body=body, cookie=token)[0] == 403
    media.note_download("cases.csv", body, token=token)  # clicked again: produced anew
    assert _media_response(path, file_name="cases.csv", body=body, cookie=token)[0] == 200
    gateway.logout(token)
    assert _media_response(path, file_name="cases.csv", body=body, cookie=token)[0] == 403


def test_a_media_download_answers_only_the_session_that_made_it_and_never_reopens(
    gw_store: GatewayStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    police, viewer = _login("police").token, _login("viewer").token
    body = b"case_id\nSYN-2024-0002\n"
    media.note_download("records.csv", body, token=police)
    path = "/media/def456.csv"
    # Another user's live cookie gets nothing of the police officer's records.
    assert _media_response(path, file_name="records.csv", body=body, cookie=viewer)[0] == 403
    assert _media_response(path, file_name="records.csv", body=body, cookie=police)[0] == 200
    # Long after, when the production is forgotten, the served path stays expired.
    much_later = time.monotonic() + 20 * media.DOWNLOAD_SECONDS
    monkeypatch.setattr(media.time, "monotonic", lambda: much_later)
    assert _media_response(path, file_name="records.csv", body=body, cookie=police)[0] == 403
