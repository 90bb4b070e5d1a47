"""Users and logins: scrypt hashes, wrong passwords, lockout, expiring sessions, the audit
trail, and the admin command (which ships no default password)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from geodata import auth
from geodata.auth import (
    AuthenticationError,
    SessionExpiredError,
    add_user,
    create_admin,
    hash_password,
    login,
    logout,
    set_active,
    set_password,
    user_for_session,
    verify_password,
)
from geodata.config import Config
from geodata.store import Store, open_store
from tests._stores import BACKENDS, store_url

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"
CONFIG = Config(database_url="unused", session_hours=8.0, min_password_length=12)


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """A low scrypt cost keeps the tests fast (one test checks the real default)."""
    monkeypatch.setattr(auth, "SCRYPT_N", 2**10)


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    with store_url(request.param, tmp_path) as url:
        yield open_store(url)


@pytest.fixture
def gpkg(tmp_path: Path) -> Store:
    return open_store(f"gpkg://{tmp_path / 'store.gpkg'}")


def _admin(store: Store) -> None:
    create_admin(store, username="Admin", password=PASSWORD, by="test", config=CONFIG)


# --- passwords ------------------------------------------------------------------------------


def test_passwords_are_salted_scrypt_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.undo()
    encoded = hash_password(PASSWORD)
    scheme, n, r, p, _salt, _key = encoded.split("$")
    assert (scheme, int(n), int(r), int(p)) == ("scrypt", 2**15, 8, 1)
    assert PASSWORD not in encoded
    assert verify_password(PASSWORD, encoded)
    assert not verify_password(PASSWORD + " ", encoded)
    assert hash_password(PASSWORD) != encoded  # a new salt each time


def test_a_damaged_hash_never_verifies() -> None:
    encoded = hash_password(PASSWORD)
    for broken in (
        "",
        "plain",
        encoded.replace("scrypt", "md5"),
        encoded[:-8] + "AAAAAAA=",
        encoded.replace("$8$", "$x$"),
    ):
        assert not verify_password(PASSWORD, broken)
    with pytest.raises(ValueError, match="non-empty"):
        hash_password("")


# --- users ----------------------------------------------------------------------------------


def test_users_are_added_with_checked_names_roles_and_passwords(gpkg: Store) -> None:
    _admin(gpkg)
    user = add_user(
        gpkg, username="Siti.R", password=PASSWORD, role="planner", by="admin", config=CONFIG
    )
    assert (user.username, user.role, user.level, user.active) == (
        "siti.r",
        "planner",
        "aggregates",
        True,
    )
    stored = gpkg.accounts.get("siti.r")
    assert stored is not None and stored["password_hash"].startswith("scrypt$")
    with pytest.raises(ValueError, match="exists already"):
        add_user(
            gpkg, username="SITI.R", password=PASSWORD, role="viewer", by="admin", config=CONFIG
        )
    with pytest.raises(ValueError, match="at least 12"):
        add_user(gpkg, username="budi", password="short", role="viewer", by="a", config=CONFIG)
    with pytest.raises(ValueError, match="not be the user name"):
        name = "budi.santoso1"
        add_user(gpkg, username=name, password=name.title(), role="viewer", by="a", config=CONFIG)
    with pytest.raises(ValueError, match="`role` should be one of"):
        add_user(
            gpkg,
            username="budi",
            password=PASSWORD,
            role="root",  # type: ignore[arg-type]
            by="a",
            config=CONFIG,
        )
    with pytest.raises(ValueError, match="user name should be"):
        add_user(gpkg, username="<script>", password=PASSWORD, role="viewer", by="a", config=CONFIG)


def test_only_the_first_administrator_comes_from_create_admin(gpkg: Store) -> None:
    _admin(gpkg)
    with pytest.raises(ValueError, match="administrator exists already"):
        create_admin(gpkg, username="other", password=PASSWORD, by="x", config=CONFIG)
    with pytest.raises(ValueError, match="last active administrator"):
        set_active(gpkg, "admin", active=False, by="admin")


def test_user_changes_are_audited_without_passwords(gpkg: Store) -> None:
    _admin(gpkg)
    add_user(gpkg, username="ana", password=PASSWORD, role="analyst", by="admin", config=CONFIG)
    set_password(gpkg, "ana", PASSWORD + "!", by="admin", config=CONFIG)
    set_active(gpkg, "ana", active=False, by="admin")
    log = gpkg.audit_log(entity="users", record_id="ana")
    assert log["action"].tolist() == ["create", "create", "update", "disable"]
    assert log["field"].tolist()[1:] == ["role", "password", "active"]
    text = log.to_csv()
    assert PASSWORD not in text and "scrypt" not in text


# --- logins and sessions --------------------------------------------------------------------


def test_a_login_gives_an_expiring_session(store: Store) -> None:
    _admin(store)
    start = dt.datetime(2025, 6, 20, 8, tzinfo=dt.UTC)
    session = login(store, username="ADMIN ", password=PASSWORD, now=start, config=CONFIG)
    assert (session.username, session.role) == ("admin", "admin")
    assert session.expires_at == start + dt.timedelta(hours=8)
    assert session.token not in repr(session)
    stored = store.accounts.session(auth._token_hash(session.token))
    assert stored is not None and session.token not in str(stored)
    assert user_for_session(store, session.token, now=start + dt.timedelta(hours=7)).role == "admin"
    with pytest.raises(SessionExpiredError, match="expired"):
        user_for_session(store, session.token, now=start + dt.timedelta(hours=8))
    with pytest.raises(SessionExpiredError):
        user_for_session(store, "forged-token", now=start)


def test_a_wrong_password_or_unknown_user_gets_one_message(store: Store) -> None:
    _admin(store)
    for username, password in (
        ("admin", "wrong password!"),
        ("nobody", PASSWORD),
        ("admin", ""),
        ("admin", "admin"),
    ):
        with pytest.raises(AuthenticationError, match="wrong user name or password"):
            login(store, username=username, password=password, config=CONFIG)
    failed = store.audit_log(action="login_failed")
    assert len(failed) == 4
    assert PASSWORD not in failed.to_csv()


def test_five_wrong_passwords_lock_a_user_for_a_while(gpkg: Store) -> None:
    _admin(gpkg)
    now = dt.datetime(2025, 6, 20, 8, tzinfo=dt.UTC)
    for _ in range(auth.MAX_FAILED_LOGINS):
        with pytest.raises(AuthenticationError):
            login(gpkg, username="admin", password="guess guess guess", now=now, config=CONFIG)
    with pytest.raises(AuthenticationError):
        login(gpkg, username="admin", password=PASSWORD, now=now, config=CONFIG)
    later = now + auth.LOCKOUT + dt.timedelta(seconds=1)
    assert login(gpkg, username="admin", password=PASSWORD, now=later, config=CONFIG)


def test_logout_and_disabling_end_sessions(gpkg: Store) -> None:
    _admin(gpkg)
    add_user(gpkg, username="ana", password=PASSWORD, role="analyst", by="admin", config=CONFIG)
    first = login(gpkg, username="ana", password=PASSWORD, config=CONFIG)
    second = login(gpkg, username="ana", password=PASSWORD, config=CONFIG)
    logout(gpkg, first.token)
    with pytest.raises(SessionExpiredError):
        user_for_session(gpkg, first.token)
    assert user_for_session(gpkg, second.token).username == "ana"
    set_active(gpkg, "ana", active=False, by="admin")
    with pytest.raises(SessionExpiredError):
        user_for_session(gpkg, second.token)
    with pytest.raises(AuthenticationError):
        login(gpkg, username="ana", password=PASSWORD, config=CONFIG)
    assert gpkg.audit_log(entity="users")["action"].tolist().count("logout") == 1


# --- modes and the command line -------------------------------------------------------------


def test_the_app_is_in_demo_mode_until_a_store_exists(tmp_path: Path) -> None:
    path = tmp_path / "store.gpkg"
    assert auth.app_mode(config=Config(database_url=f"gpkg://{path}")) == "demo"
    store = open_store(f"gpkg://{path}")
    assert auth.app_mode(config=Config(database_url=f"gpkg://{path}")) == "setup"
    _admin(store)
    assert auth.app_mode(config=Config(database_url=f"gpkg://{path}")) == "login"


def _cli(*args: str, url: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KALBAR_DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "geodata.auth", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_admin_command_needs_a_password_and_ships_none(tmp_path: Path) -> None:
    url = f"gpkg://{tmp_path / 'store.gpkg'}"
    no_password = _cli("create-admin", "--username", "admin", url=url)
    assert no_password.returncode == 1 and "--password-stdin" in no_password.stderr
    empty = _cli("create-admin", "--username", "admin", "--password-stdin", url=url)
    assert empty.returncode == 1 and "empty" in empty.stderr
    assert "Traceback" not in no_password.stderr + empty.stderr
    assert open_store(url).accounts.all() == []

    created = _cli(
        "create-admin", "--username", "admin", "--password-stdin", url=url, stdin=PASSWORD + "\n"
    )
    assert created.returncode == 0, created.stderr
    assert "admin: admin created" in created.stdout
    again = _cli(
        "create-admin", "--username", "root", "--password-stdin", url=url, stdin=PASSWORD + "\n"
    )
    assert again.returncode == 1 and "exists already" in again.stderr

    added = _cli(
        "add-user",
        "--username",
        "siti",
        "--role",
        "planner",
        "--password-stdin",
        url=url,
        stdin=PASSWORD + "\n",
    )
    assert added.returncode == 0, added.stderr
    disabled = _cli("disable-user", "--username", "siti", url=url)
    assert disabled.returncode == 0 and "disabled" in disabled.stdout
    listed = _cli("list-users", url=url)
    assert listed.returncode == 0
    assert [line.split()[:3] for line in listed.stdout.splitlines()[1:]] == [
        ["admin", "admin", "True"],
        ["siti", "planner", "False"],
    ]
    assert PASSWORD not in listed.stdout + created.stdout
    store = open_store(url)
    assert login(store, username="admin", password=PASSWORD).role == "admin"
    bad_role = _cli("add-user", "--username", "x1x", "--role", "root", url=url)
    assert bad_role.returncode == 2
