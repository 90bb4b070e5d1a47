"""Who is using the app, and the view of the data their role allows.

Three modes (:func:`geodata.gateway.app_mode`): ``demo`` (no store configured: the synthetic
sample, no login), ``setup`` (a store without an administrator: the page says which command
to run) and ``login`` (a store with users: a login form, then the user's role decides what
the data layer hands out). Everything goes through :mod:`geodata.gateway`: pages only ever
get a :class:`geodata.access.RoleView`, and the caches live in the data layer.
"""

from __future__ import annotations

from typing import Final

import streamlit as st

from dashboard import state
from dashboard.text import tr
from geodata import gateway
from geodata.access import RoleView
from geodata.auth import AuthenticationError, SessionExpiredError, User

TOKEN: Final = "_session_token"


def client_address() -> str:
    """Where this session connects from (the throttling key); ``local`` on this machine."""
    return st.context.ip_address or "local"


def token() -> str:
    """This session's login token ('' in the demo mode or before a login)."""
    return str(st.session_state.get(TOKEN, ""))


def _login_form() -> None:
    st.title(tr("login.title"))
    with st.form("login"):
        username = st.text_input(tr("login.username"), key="login_username")
        password = st.text_input(tr("login.passcode_label"), type="password", key="login_password")
        submitted = st.form_submit_button(tr("login.submit"))
    if submitted:
        try:
            session = gateway.login(username, password, client=client_address())
        except AuthenticationError:
            st.error(tr("auth.login_failed"))
            return
        st.session_state[TOKEN] = session.token
        st.rerun()


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
    current = token()
    try:
        return gateway.user_for_token(current)
    except SessionExpiredError:
        st.session_state.pop(TOKEN, None)
        if current:
            st.info(tr("auth.session_expired"))
        _login_form()
        st.stop()
    raise AssertionError("unreachable")  # pragma: no cover


def logout_button(user: User | None) -> None:
    """In the sidebar: who is logged in, and a button to log out."""
    if user is None:
        return
    st.sidebar.caption(tr("login.signed_in", user=user.username, role=tr(f"role.{user.role}")))
    if st.sidebar.button(tr("login.logout"), key="logout"):
        gateway.logout(st.session_state.pop(TOKEN, ""))
        st.rerun()


def role_view(user: User | None) -> RoleView:
    """The data this session may see: the demo view, or the user's role view of the store."""
    return gateway.role_view(user, lang=state.language())
