"""The one door between the dashboard and the data: logins, sessions, views, reads and writes.

No dashboard module imports :mod:`geodata.store`, :mod:`geodata.records.datasets` or
:mod:`geodata.records.loaders`; everything a page needs comes from here, and every function that
hands out data checks the session or the role itself (so a page cannot forget to).

Functions
---------
Sessions and users
    :func:`app_mode` ``{"demo", "setup", "login"}``;
    :func:`login` (username, password, ``client=``) -> :class:`Session`;
    :func:`logout` (token); :func:`user_for_token` (token) -> :class:`User`
    (raises :class:`SessionExpiredError`); :func:`session_for_token` (token) -> :class:`User`
    or None, for the cookie path; :data:`CREATE_ADMIN_COMMAND` (what the setup page shows).
Browser cookie (see docs/ACCESS.md)
    :func:`cookie_code` (session) -> a one-time code the page hands the browser, which
    :func:`redeem_cookie_code` (code) swaps, once and within :data:`CODE_SECONDS`, for the
    token and its lifetime, to be set as an HttpOnly cookie (:mod:`dashboard.cookies`).
Views (what pages may see)
    :func:`role_view` (user or None, ``lang=``) -> :class:`RoleView` (the demo view when
    there is no store); :func:`demo_load_report` (rejected rows and file reports of the demo
    files); :func:`clear_caches`.
Downloads, checked when produced
    :func:`export_bytes` (token, kind, fmt, ...) re-validates the session and the role on
    every call; :func:`checked_bytes` (token, producer) runs any other producer (map HTML,
    layers, briefing) only for a live session.
Reads and writes for editing and management
    :func:`role_store` (user) -> :class:`RoleStore` (checked writes, backup, restore);
    :func:`read_for_edit` (user, kind) (needs ``edit_records``);
    :func:`audit_log` (user, **filters) (needs ``manage_data``);
    :data:`KINDS`, :data:`Kind`.

Caches are process-wide and keyed on the store URL, the data version, the access level and
the language: one level's view is never handed to another, and any write (which changes the
version) makes the next call build fresh views.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Final, TypeVar

import geopandas as gpd
import pandas as pd

from geodata import access, reference
from geodata.access import DEMO_LEVEL, ExportFormat, RoleStore, RoleView, ViewKey, auth
from geodata.access.auth import Mode, Session, SessionExpiredError, User
from geodata.caching import LruCache
from geodata.config import load_config
from geodata.errors import AccessDeniedError
from geodata.records.cases import CaseFilter, destination_label, locate_cases
from geodata.records.report import Report
from geodata.settings import DATA_DIR_ENV, DEFAULT_LANGUAGE, Level
from geodata.store import KINDS, BackupRefusedError, Kind, Store, open_store

if TYPE_CHECKING:
    from geodata.records.datasets import Dataset

__all__ = [
    "CODE_SECONDS",
    "CREATE_ADMIN_COMMAND",
    "KINDS",
    "BackupRefusedError",
    "DemoLoadReport",
    "Kind",
    "Session",
    "SessionExpiredError",
    "User",
    "app_mode",
    "audit_log",
    "checked_bytes",
    "clear_caches",
    "cookie_code",
    "demo_load_report",
    "export_bytes",
    "login",
    "logout",
    "read_for_edit",
    "redeem_cookie_code",
    "role_store",
    "role_view",
    "session_for_token",
    "user_for_token",
    "view_key",
]

#: The command that creates the first administrator, as it works from the repository root.
CREATE_ADMIN_COMMAND: Final = ".venv/bin/python -m geodata.auth create-admin --username admin"
#: How many datasets and views the caches keep (each dataset version x level x language).
_MAX_DATASETS: Final = 2
_MAX_VIEWS: Final = 12
#: How long a one-time cookie code stays valid (the page redeems it at once).
CODE_SECONDS: Final = 60.0
#: Longest text taken as a token or code (longer is refused unread).
_MAX_TOKEN_CHARS: Final = 128

T = TypeVar("T")


_login_modes: set[str] = set()
#: The open store of the configured URL (one per process: opening checks the schema, and a
#: PostgreSQL store keeps a pool of connections), and the lock that guards opening it.
_open_stores: dict[str, Store] = {}
_open_lock = threading.Lock()
_datasets: LruCache[tuple[Dataset, gpd.GeoDataFrame]] = LruCache(_MAX_DATASETS)
_views: LruCache[RoleView] = LruCache(_MAX_VIEWS)


def clear_caches() -> None:
    """Forget the app mode, the open store, the datasets and the views (tests; a store
    switched under us)."""
    _login_modes.clear()
    with _open_lock:
        _close_stores()
    _datasets.clear()
    _views.clear()
    _desa_units.cache_clear()


@cache
def _desa_units() -> gpd.GeoDataFrame:
    return reference.load_units("desa")


def _store() -> Store:
    """The configured store, opened once per process (a store of another URL is closed).

    Opening checks the store's schema (a store newer than this program is refused), so that
    check runs once per process and URL, not on every call; a restart repeats it.
    """
    url = load_config().database_url
    with _open_lock:
        store = _open_stores.get(url)
        if store is None:
            store = open_store(url, pooled=True)
            _close_stores()
            _open_stores[url] = store
    return store


def _close_stores() -> None:
    while _open_stores:
        _open_stores.popitem()[1].close()


# --- sessions -------------------------------------------------------------------------------


def app_mode() -> Mode:
    """``demo`` (no store), ``setup`` (no administrator yet) or ``login``.

    Once a store is in login mode it stays so (cached per store URL); the other modes are
    checked on every call, since a store or an administrator may appear while the app runs.
    """
    url = load_config().database_url
    if url in _login_modes:
        return "login"
    mode = auth.app_mode()
    if mode == "login":
        _login_modes.add(url)
    return mode


def login(username: str, password: str, *, client: str) -> Session:
    """Check the password and start a session (see :func:`geodata.access.auth.login`).

    ``client`` identifies where the attempt came from (the browser's address), for throttling.
    Raises :class:`geodata.access.auth.AuthenticationError` (one message for every refusal).
    """
    return auth.login(_store(), username=username, password=password, client=client)


def logout(token: str) -> None:
    """End the session of ``token`` in the store (an unknown token is ignored)."""
    if token:
        auth.logout(_store(), token)


def user_for_token(token: str) -> User:
    """The active user of a live session; raises :class:`SessionExpiredError` otherwise."""
    return auth.user_for_session(_store(), token)


def session_for_token(token: str) -> User | None:
    """The active user of ``token``, or None when the token is unknown, ended, expired,
    garbled or too long (a forged cookie is just an unknown token)."""
    if not isinstance(token, str) or not token or len(token) > _MAX_TOKEN_CHARS:
        return None
    try:
        return user_for_token(token)
    except SessionExpiredError:
        return None


_codes: dict[str, tuple[str, dt.datetime, float]] = {}
_codes_lock = threading.Lock()


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()


def cookie_code(session: Session) -> str:
    """A random one-time code for ``session``; :func:`redeem_cookie_code` swaps it for the token.

    The page sends the code (never the token) to the browser, which posts it to the cookie
    route; only the code's hash is kept, in this process, for :data:`CODE_SECONDS`.
    """
    code = secrets.token_urlsafe(24)
    now = time.monotonic()
    with _codes_lock:
        for key in [key for key, (_, _, made) in _codes.items() if now - made > CODE_SECONDS]:
            del _codes[key]
        _codes[_digest(code)] = (session.token, session.expires_at, now)
    return code


def redeem_cookie_code(code: str) -> tuple[str, dt.datetime] | None:
    """The token and expiry time of a live one-time ``code`` (then forgotten), else None."""
    if not isinstance(code, str) or not code or len(code) > _MAX_TOKEN_CHARS:
        return None
    with _codes_lock:
        entry = _codes.pop(_digest(code), None)
    if entry is None or time.monotonic() - entry[2] > CODE_SECONDS:
        return None
    token, expires_at, _ = entry
    return (token, expires_at) if session_for_token(token) is not None else None


# --- views ----------------------------------------------------------------------------------


def _located(dataset: Dataset) -> gpd.GeoDataFrame:
    located = locate_cases(dataset.cases, _desa_units())
    located["destination"] = destination_label(located)
    return located


def _demo_dataset() -> tuple[Dataset, gpd.GeoDataFrame]:
    from geodata.records.datasets import load_configured

    def build() -> tuple[Dataset, gpd.GeoDataFrame]:
        dataset = load_configured()
        return dataset, _located(dataset)

    return _datasets.get(("demo", os.environ.get(DATA_DIR_ENV, "")), build)


def _store_dataset(store: Store, version: str) -> tuple[Dataset, gpd.GeoDataFrame]:
    def build() -> tuple[Dataset, gpd.GeoDataFrame]:
        dataset = store.dataset()
        return dataset, _located(dataset)

    return _datasets.get(("store", store.url, version), build)


def view_key(token: str | None) -> ViewKey | None:
    """The key of the view (:attr:`RoleView.key`) the holder of ``token`` sees now: the demo
    view in the demo mode (no token needed), else the view of the token's live session; None
    when a login is needed and ``token`` is not a live session."""
    if app_mode() == "demo":
        dataset, _ = _demo_dataset()
        return ViewKey(True, DEMO_LEVEL, dataset.version)
    user = session_for_token(token or "")
    if user is None:
        return None
    return ViewKey(False, access.access_level(user), _store().version())


def role_view(user: User | None, *, lang: str = DEFAULT_LANGUAGE) -> RoleView:
    """The data a session may see: the demo view (no store, ``user`` None) or the role's view.

    Raises :class:`SessionExpiredError` when ``user`` is None but the app needs a login.
    """
    if user is None:
        if app_mode() != "demo":
            raise SessionExpiredError("the app holds real data; log in to see it")
        dataset, located = _demo_dataset()
        return _views.get(
            ("demo", dataset.version),
            lambda: access.demo_view(dataset, located=located),
        )
    store = _store()
    version = store.version()
    level = access.access_level(user)
    dataset, located = _store_dataset(store, version)
    return _views.get(
        ("store", store.url, version, level, lang),
        lambda: access.view_for(user, dataset, located=located, lang=lang),
    )


@dataclass(frozen=True)
class DemoLoadReport:
    """What loading the demo files found: rows refused and each file's report."""

    rejected_rows: int
    reports: dict[str, Report]


def demo_load_report() -> DemoLoadReport:
    """The demo files' load report (empty outside the demo mode)."""
    if app_mode() != "demo":
        return DemoLoadReport(rejected_rows=0, reports={})
    dataset, _ = _demo_dataset()
    return DemoLoadReport(rejected_rows=dataset.rejected_rows, reports=dict(dataset.reports))


# --- downloads, checked when they are produced ----------------------------------------------


def _live_user(token: str | None) -> User | None:
    """The user of ``token`` now (None in the demo mode); raises SessionExpiredError."""
    if app_mode() == "demo":
        return None
    return user_for_token(token or "")


def export_bytes(
    token: str | None,
    kind: str,
    fmt: ExportFormat,
    *,
    lang: str = DEFAULT_LANGUAGE,
    case_filter: CaseFilter | None = None,
    units: gpd.GeoDataFrame | None = None,
    level: Level = "kabupaten",
    drawn_level: str | None = None,
) -> bytes:
    """A download for the session of ``token``, its session and role checked now.

    Raises :class:`SessionExpiredError` when the session ended, expired or the user was
    disabled since the page was drawn (a demo app needs no token), and
    :class:`~geodata.errors.AccessDeniedError` when the user's access level is no longer
    ``drawn_level`` (the level of the view the page showed).
    """
    view = role_view(_live_user(token), lang=lang)
    if drawn_level is not None and view.level != drawn_level:
        raise AccessDeniedError(
            f"the role changed since the page was drawn ({drawn_level} -> {view.level}); reload"
        )
    return access.export_bytes(view, kind, fmt, units=units, level=level, case_filter=case_filter)


def checked_bytes(
    token: str | None, produce: Callable[[], bytes], *, drawn_level: str | None = None
) -> bytes:
    """``produce()`` if the session of ``token`` is live now (always in the demo mode).

    For downloads built from what the page already holds (the map as HTML, its layers, a
    briefing): the bytes are made only after the session was checked at click time.
    Raises :class:`SessionExpiredError` otherwise, and
    :class:`~geodata.errors.AccessDeniedError` if the user's access level is no longer
    ``drawn_level`` (when given).
    """
    user = _live_user(token)
    level = "records" if user is None else access.access_level(user)
    if drawn_level is not None and level != drawn_level:
        raise AccessDeniedError(
            f"the role changed since the page was drawn ({drawn_level} -> {level}); reload"
        )
    return produce()


# --- reads and writes for editing and management ---------------------------------------------


def role_store(user: User) -> RoleStore:
    """The configured store, every write checked against ``user``'s role and audited."""
    return RoleStore(user, _store())


def read_for_edit(user: User, kind: Kind) -> gpd.GeoDataFrame:
    """Current records of ``kind`` for the record editor (needs ``edit_records``)."""
    access.require(user, "edit_records")
    return access.read_for(user, kind, store=_store())


def audit_log(user: User, **filters: str) -> pd.DataFrame:
    """The audit log, oldest first (needs ``manage_data``); ``filters`` as
    :meth:`geodata.store.Store.audit_log` (``entity``, ``record_id``, ``username``, ``action``)."""
    access.require(user, "manage_data")
    return _store().audit_log(**filters)
