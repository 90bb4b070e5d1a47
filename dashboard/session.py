"""Who is using the app, and the view of the data their role allows.

Three modes (:func:`geodata.access.gateway.app_mode`): ``demo`` (no store configured: the synthetic
sample, no login), ``setup`` (a store without an administrator: the page says which command
to run) and ``login`` (a store with users: a login form, then the user's role decides what
the data layer hands out). Everything goes through :mod:`geodata.access.gateway`: pages only ever
get a :class:`geodata.access.RoleView`, and the caches live in the data layer.

A login survives a reload through an HttpOnly cookie (:mod:`dashboard.cookies`): after the
login the page hands the browser a one-time code, which the browser swaps for the cookie;
on a new page load the token comes back in ``st.context.cookies``. This session keeps the
token in its server-side state meanwhile. A cookie whose session ended, expired or never
existed gets the "session ended" message and the login form.
"""

from __future__ import annotations

import json
from typing import Final

import streamlit as st

from dashboard import state
from dashboard.cookies import COOKIE, LOGOUT_PATH, SESSION_PATH
from dashboard.geostatic import base_path
from dashboard.text import tr
from geodata.access import RoleView, gateway
from geodata.access.auth import AuthenticationError, User

TOKEN: Final = "_session_token"
#: A one-time code to hand to the browser on the next run (after a login).
_CODE: Final = "_cookie_code"
#: Set after a logout: tell the browser to delete its cookie on the next run.
_CLEAR: Final = "_cookie_clear"
#: The cookie value this session already found ended (not announced twice, not reused).
_DEAD_COOKIE: Final = "_cookie_dead"


#: Addresses of a reverse proxy on this machine (deploy/Caddyfile), whose X-Forwarded-For
#: is believed; the dashboard itself listens on 127.0.0.1 only.
_LOCAL_PROXIES: Final = frozenset({"127.0.0.1", "::1"})


def client_address() -> str:
    """Where this session connects from (the login throttle's key).

    The connection's address; behind the local reverse proxy, the last address the proxy
    added to ``X-Forwarded-For`` (Caddy replaces whatever the browser sent). ``local`` for a
    browser on this machine without a proxy.
    """
    address = st.context.ip_address
    if address is None or address in _LOCAL_PROXIES:
        forwarded = st.context.headers.get("X-Forwarded-For")
        if isinstance(forwarded, str) and forwarded.strip():
            return forwarded.split(",")[-1].strip()[:64]
    return address if isinstance(address, str) else "local"


def token() -> str:
    """This session's login token ('' in the demo mode or before a login)."""
    return str(st.session_state.get(TOKEN, ""))


def browser_cookie() -> str:
    """The login cookie the browser sent when this page was loaded ('' if none).

    Only text counts (AppTest's stand-in client answers with a mock object).
    """
    value = st.context.cookies.get(COOKIE)
    return value if isinstance(value, str) else ""


def _post_script(path: str, body: str) -> None:
    """Let the browser POST ``body`` to ``path`` on this server (same origin, no output)."""
    url = json.dumps(base_path() + path)
    st.html(
        f"<script>fetch({url}, {{method: 'POST', credentials: 'same-origin', "
        f"headers: {{'Content-Type': 'text/plain'}}, body: {json.dumps(body)}}});</script>",
        unsafe_allow_javascript=True,
    )


def _browser_token() -> str:
    """The token to check: this session's, else the browser's cookie unless it was found dead."""
    current = token()
    if current:
        return current
    cookie = browser_cookie()
    if cookie and cookie != st.session_state.get(_DEAD_COOKIE):
        st.session_state[TOKEN] = cookie
        return cookie
    return ""


def _login_form() -> None:
    st.title(tr("login.title"))
    with st.form(state.LOGIN_FORM):
        username = st.text_input(tr("login.username"), key=state.LOGIN_USERNAME)
        password = st.text_input(
            tr("login.passcode_label"), type="password", key=state.LOGIN_PASSWORD
        )
        submitted = st.form_submit_button(tr("login.submit"))
    if submitted:
        try:
            session = gateway.login(username, password, client=client_address())
        except AuthenticationError:
            st.error(tr("auth.login_failed"))
            return
        st.session_state[TOKEN] = session.token
        st.session_state[_CODE] = gateway.cookie_code(session)
        st.session_state.pop(_DEAD_COOKIE, None)
        st.rerun()


def _forget_user_work() -> None:
    """Drop everything of the session but its language: nothing of one user's work (a
    briefing, an import preview, a chosen filter) stays for whoever logs in next."""
    for key in [key for key in st.session_state if key != state.LANG]:
        del st.session_state[key]


def current_user() -> User | None:
    """The logged-in user; draws the login form and stops the page when there is none."""
    mode = gateway.app_mode()
    if mode == "demo":
        return None
    if mode == "setup":
        st.title(tr("login.title"))
        st.warning(tr("login.setup_needed"))
        st.code(gateway.CREATE_ADMIN_COMMAND, language="bash")
        st.stop()
    current = _browser_token()
    user = gateway.session_for_token(current)
    if user is not None:
        if _CODE in st.session_state:
            _post_script(SESSION_PATH, st.session_state.pop(_CODE))
        return user
    st.session_state.pop(TOKEN, None)
    if current:  # the session ended (expired, disabled, logged out elsewhere)
        _forget_user_work()
        if current == browser_cookie():
            st.session_state[_DEAD_COOKIE] = current
        st.info(tr("auth.session_expired"))
    if st.session_state.pop(_CLEAR, False) or current:
        _post_script(LOGOUT_PATH, "")
    _login_form()
    st.stop()
    raise AssertionError("unreachable")  # pragma: no cover


def logout_button(user: User | None) -> None:
    """In the sidebar: who is logged in, and a button to log out."""
    if user is None:
        return
    st.sidebar.caption(tr("login.signed_in", user=user.username, role=tr(f"role.{user.role}")))
    if st.sidebar.button(tr("login.logout"), key=state.LOGOUT):
        gateway.logout(st.session_state.pop(TOKEN, ""))
        _forget_user_work()
        st.session_state[_CLEAR] = True
        if browser_cookie():
            st.session_state[_DEAD_COOKIE] = browser_cookie()
        st.rerun()


def role_view(user: User | None) -> RoleView:
    """The data this session may see: the demo view, or the user's role view of the store."""
    return gateway.role_view(user, lang=state.language())
