"""Who is using the app, and the view of the data their role allows.

Three modes (:func:`geodata.auth.app_mode`): ``demo`` (no store configured: the synthetic
sample, no login), ``setup`` (a store without an administrator: the page says which command
to run) and ``login`` (a store with users: a login form, then the user's role decides what
the data layer hands out). Pages only ever get a :class:`geodata.access.RoleView`; the raw
dataset stays inside the caches here, keyed on access level and data version.
"""

from __future__ import annotations

from typing import Final

import geopandas as gpd
import streamlit as st

from dashboard import data
from dashboard.text import tr
from geodata import auth
from geodata.access import RoleView, access_level, demo_view, view_for
from geodata.auth import User
from geodata.datasets import Dataset
from geodata.store import open_store
from layers.cases import destination_label, locate_cases

TOKEN: Final = "_session_token"


@st.cache_resource(show_spinner=False)
def _mode() -> str:
    return auth.app_mode()


@st.cache_resource(show_spinner=False, max_entries=4)
def _store_dataset(version: str) -> tuple[Dataset, gpd.GeoDataFrame]:
    dataset = open_store().dataset()
    located = locate_cases(dataset.cases, data.desa_units())
    located["destination"] = destination_label(located)
    return dataset, located


@st.cache_resource(show_spinner=False, max_entries=8)
def _role_view(level: str, version: str, _user: User) -> RoleView:
    """One view per access level and data version (the key never mixes roles)."""
    dataset, located = _store_dataset(version)
    return view_for(_user, dataset, located=located)


@st.cache_resource(show_spinner=False)
def _demo_view(version: str) -> RoleView:
    dataset = data.dataset()
    return demo_view(dataset, located=data.located_cases(version, dataset))


def _login_form() -> None:
    st.title(tr("login.title"))
    with st.form("login"):
        username = st.text_input(tr("login.username"), key="login_username")
        password = st.text_input(tr("login.passcode_label"), type="password", key="login_password")
        submitted = st.form_submit_button(tr("login.submit"))
    if submitted:
        try:
            session = auth.login(open_store(), username=username, password=password)
        except auth.AuthenticationError:
            st.error(tr("auth.login_failed"))
            return
        st.session_state[TOKEN] = session.token
        st.rerun()


def current_user() -> User | None:
    """The logged-in user; draws the login form and stops the page when there is none."""
    mode = _mode()
    if mode != "login":  # a store or an administrator may appear while the server runs
        _mode.clear()
    if mode == "demo":
        return None
    if mode == "setup":
        st.title(tr("login.title"))
        st.warning(tr("login.setup_needed"))
        st.code("python -m geodata.auth create-admin --username admin", language="bash")
        st.stop()
    token = st.session_state.get(TOKEN, "")
    try:
        return auth.user_for_session(open_store(), token)
    except auth.SessionExpiredError:
        st.session_state.pop(TOKEN, None)
        if token:
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
        auth.logout(open_store(), st.session_state.pop(TOKEN, ""))
        st.rerun()


def role_view(user: User | None) -> RoleView:
    """The data this session may see: the demo view, or the user's role view of the store."""
    if user is None:
        return _demo_view(data.dataset().version)
    return _role_view(access_level(user), open_store().version(), user)
