"""Users and logins: scrypt hashes (and their upgrade), wrong passwords, throttling that an
attacker cannot turn into a lockout, expiring sessions, the audit trail, and the admin command
(which ships no default password and leaves nothing behind when it fails)."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Final

import pytest

from geodata.access import auth
from geodata.access.auth import (
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


@pytest.fixture(autouse=True)
def fresh_throttle() -> Iterator[None]:
    """Each test starts and ends with no client's failures remembered."""
    auth.THROTTLE.clear()
    yield
    auth.THROTTLE.clear()


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
    assert (scheme, int(n), int(r), int(p)) == ("scrypt", 2**17, 8, 1)
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
    assert stored is not None and str(stored["password_hash"]).startswith("scrypt$")
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


AT: Final = dt.datetime(2025, 6, 20, 8, tzinfo=dt.UTC)


def _try(store: Store, password: str, *, client: str, at: dt.datetime, name: str = "admin") -> bool:
    """One login attempt; True if it got a session."""
    try:
        login(store, username=name, password=password, client=client, now=at, config=CONFIG)
    except AuthenticationError:
        return False
    return True


def test_wrong_passwords_slow_down_that_client_with_doubling_waits(gpkg: Store) -> None:
    _admin(gpkg)
    for _ in range(auth.FREE_ATTEMPTS):
        assert not _try(gpkg, "guess guess guess", client="10.0.0.9", at=AT)
    # The right password from that client is not even checked until the wait has passed ...
    assert not _try(gpkg, PASSWORD, client="10.0.0.9", at=AT + dt.timedelta(seconds=0.5))
    # ... and each further failure doubles it: 1 s, 2 s, 4 s.
    at = AT
    for wait in (1, 2, 4):
        at += dt.timedelta(seconds=wait)
        assert not _try(gpkg, "guess guess guess", client="10.0.0.9", at=at)
        assert not _try(gpkg, PASSWORD, client="10.0.0.9", at=at + dt.timedelta(seconds=wait))
    assert _try(gpkg, PASSWORD, client="10.0.0.9", at=at + dt.timedelta(seconds=8))


def test_one_attacking_client_never_locks_out_the_owner(gpkg: Store) -> None:
    _admin(gpkg)
    at = AT
    for _ in range(200):  # hammering for hours, as fast as the back-off lets it
        _try(gpkg, "guess guess guess", client="203.0.113.7", at=at)
        at += auth.MAX_CLIENT_WAIT
    row = gpkg.accounts.get("admin")
    assert row is not None and row["failed_logins"] == auth.CLIENT_SHARE
    assert row["locked_until"] is None
    assert _try(gpkg, PASSWORD, client="192.168.1.20", at=at)  # the owner, from their desk


def test_many_clients_slow_the_account_for_a_while_and_unlock_clears_it(gpkg: Store) -> None:
    _admin(gpkg)
    clients = [f"198.51.100.{i}" for i in range(4)]  # 4 x 3 counted failures >= 10
    for client in clients:
        for _ in range(auth.CLIENT_SHARE):
            _try(gpkg, "guess guess guess", client=client, at=AT)
    row = gpkg.accounts.get("admin")
    assert row is not None and row["failed_logins"] == auth.ACCOUNT_FREE
    assert row["locked_until"] == AT + dt.timedelta(seconds=1)
    assert not _try(gpkg, PASSWORD, client="192.168.1.20", at=AT)  # every client waits
    assert _try(gpkg, PASSWORD, client="192.168.1.20", at=AT + dt.timedelta(seconds=2))
    row = gpkg.accounts.get("admin")
    assert row is not None and row["failed_logins"] == 0 and row["locked_until"] is None
    # The way back without waiting: unlock (here after the back-off reached its cap).
    gpkg.accounts.change(
        "admin", {"failed_logins": 40, "locked_until": AT.replace(year=2099)}, by="t"
    )
    assert not _try(gpkg, PASSWORD, client="192.168.1.20", at=AT)
    auth.unlock(gpkg, "admin", by="cli:root")
    assert _try(gpkg, PASSWORD, client="192.168.1.20", at=AT)
    cleared = gpkg.audit_log(action="update", record_id="admin")
    assert cleared[["username", "field", "new_value"]].values.tolist()[-1] == [
        "cli:root",
        "login_backoff",
        "cleared",
    ]


def test_failed_login_names_are_stored_safely(gpkg: Store) -> None:
    _admin(gpkg)
    typed = ("=cmd|' /C calc'!A0", "+1+1", "@SUM(A1)", "\r=1+1", "nobody", PASSWORD)
    for name in typed:
        assert not _try(gpkg, "wrong wrong wrong", client="10.1.1.1", at=AT, name=name)
    assert not _try(gpkg, "wrong wrong wrong", client="=HYPERLINK(1)", at=AT)
    log = gpkg.audit_log(action="login_failed")
    text = log.to_csv()
    for name in typed:
        assert name not in text
    assert log["username"].tolist()[:-1] == [
        f"(unknown) {hashlib.sha256(name.strip().lower().encode()).hexdigest()[:8]}"
        for name in typed
    ]
    assert log["username"].tolist()[-1] == "admin"  # a user's own name stays readable
    assert log["new_value"].tolist() == ["10.1.1.1"] * len(typed) + ["HYPERLINK1"]
    cells = log[["username", "record_id", "new_value"]].fillna("").to_numpy().ravel()
    assert not [cell for cell in cells if cell[:1] in {"=", "+", "-", "@", "\t", "\r"}]


def test_an_old_cheaper_hash_is_upgraded_on_login(gpkg: Store) -> None:
    _admin(gpkg)
    old = hash_password(PASSWORD, n=2**8)
    gpkg.accounts.change("admin", {"password_hash": old}, by="test")
    audited = len(gpkg.audit_log())
    assert auth.needs_rehash(old) and not auth.needs_rehash(hash_password(PASSWORD))
    assert not _try(gpkg, "wrong wrong wrong", client="c", at=AT)  # no upgrade on a failure
    row = gpkg.accounts.get("admin")
    assert row is not None and row["password_hash"] == old
    assert _try(gpkg, PASSWORD, client="c", at=AT + dt.timedelta(seconds=1))
    row = gpkg.accounts.get("admin")
    assert row is not None
    upgraded = str(row["password_hash"])
    assert upgraded.split("$")[1] == str(auth.SCRYPT_N) and verify_password(PASSWORD, upgraded)
    assert "update" not in gpkg.audit_log().iloc[audited:]["action"].tolist()  # not a change
    assert _try(gpkg, PASSWORD, client="c", at=AT + dt.timedelta(seconds=2))


def test_the_real_cost_fits_its_memory_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.undo()
    encoded = hash_password(PASSWORD)  # scrypt refuses (ValueError) if maxmem were too small
    assert encoded.split("$")[1:4] == [str(2**17), "8", "1"]
    assert verify_password(PASSWORD, encoded) and not auth.needs_rehash(encoded)


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


def test_a_failed_create_admin_leaves_nothing_behind(tmp_path: Path) -> None:
    folder = tmp_path / ".kalbar"
    url = f"gpkg://{folder / 'store.gpkg'}"
    short = _cli(
        "create-admin", "--username", "admin", "--password-stdin", url=url, stdin="short\n"
    )
    assert short.returncode == 1 and "at least" in short.stderr
    same = _cli("create-admin", "--username", "admin1234567", "--password-stdin", url=url,
                stdin="ADMIN1234567\n")  # fmt: skip
    assert same.returncode == 1 and "user name" in same.stderr
    bad_name = _cli(
        "create-admin", "--username", "<x>", "--password-stdin", url=url, stdin=PASSWORD
    )
    assert bad_name.returncode == 1 and "user name should be" in bad_name.stderr
    listed = _cli("list-users", url=url)
    assert listed.returncode == 1
    assert ".venv/bin/python -m geodata.auth create-admin --username NAME" in listed.stderr
    for result in (short, same, bad_name, listed):
        assert "Traceback" not in result.stderr
    assert not folder.exists()  # no store file, no folder: the demo keeps running


def test_two_different_passwords_on_the_terminal_leave_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from geodata.access import _auth_cli

    answers = iter([PASSWORD, PASSWORD + "x"])
    monkeypatch.setattr(_auth_cli.getpass, "getpass", lambda prompt: next(answers))
    monkeypatch.setattr(_auth_cli.sys.stdin, "isatty", lambda: True, raising=False)
    path = tmp_path / "store.gpkg"
    code = _auth_cli.main(["--database-url", f"gpkg://{path}", "create-admin", "--username", "a1b"])
    assert code == 1 and "differ" in capsys.readouterr().err
    assert not path.exists()


def test_the_suggested_commands_work_from_the_repository_root(tmp_path: Path) -> None:
    from geodata.access.gateway import CREATE_ADMIN_COMMAND

    url = f"gpkg://{tmp_path / 'store.gpkg'}"
    env = {**os.environ, "KALBAR_DATABASE_URL": url}
    created = subprocess.run(
        [*CREATE_ADMIN_COMMAND.split(), "--password-stdin"],
        cwd=ROOT, env=env, input=PASSWORD + "\n", capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    store = open_store(url)
    store.accounts.change(
        "admin", {"failed_logins": 99, "locked_until": AT.replace(year=2099)}, by="t"
    )
    unlocked = _cli("unlock", "--username", "admin", url=url)
    assert unlocked.returncode == 0 and "cleared" in unlocked.stdout
    assert login(store, username="admin", password=PASSWORD, config=CONFIG).role == "admin"
    usage = _cli("--help", url=url)
    assert usage.stdout.startswith("usage: .venv/bin/python -m geodata.auth")
