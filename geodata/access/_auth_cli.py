"""``.venv/bin/python -m geodata.auth``: create the first administrator, manage users.

Messages go to stderr with exit code 1 (refused) or 2 (bad usage), never a traceback. A
command that fails leaves nothing behind: the password and user name are checked before the
store is opened, only ``create-admin`` may create a new store, and a store file it created
is removed again if the command then fails.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from geodata.access.auth import (
    add_user,
    check_new_password,
    create_admin,
    list_users,
    normalise_username,
    set_active,
    set_password,
    unlock,
)
from geodata.config import load_config, redact_url
from geodata.errors import AccountError, GeodataError
from geodata.roles import ROLES
from geodata.store import StoreError, open_store, store_path

#: How the command is run, as it works from the repository root.
PROG: Final = ".venv/bin/python -m geodata.auth"
_WITH_PASSWORD: Final = ("create-admin", "add-user", "set-password")


def _read_password(*, from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        if not sys.stdin.isatty():
            raise AccountError("no terminal to ask the password on; pass it with --password-stdin")
        password = getpass.getpass("Password: ")
        if getpass.getpass("Password again: ") != password:
            raise AccountError(
                "the two passwords differ; nothing was changed, run the command again"
            )
    if not password:
        raise AccountError(
            "the password should not be empty; type one, or pipe it to --password-stdin"
        )
    return password


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description="Manage the dashboard's users.")
    parser.add_argument("--database-url", help="store URL (default: the configured store)")
    commands = parser.add_subparsers(dest="command", required=True)
    for name in (*_WITH_PASSWORD, "disable-user", "enable-user", "unlock"):
        command = commands.add_parser(name)
        command.add_argument("--username", required=True)
        if name in _WITH_PASSWORD:
            command.add_argument(
                "--password-stdin",
                action="store_true",
                help="read the password from the first line of stdin",
            )
        if name == "add-user":
            command.add_argument("--role", required=True, choices=ROLES)
    commands.add_parser("list-users")
    return parser


def _list(store_url: str) -> str:
    store = open_store(store_url, create=False)
    lines = [f"{'username':<24} {'role':<8} {'active':<6} last login (UTC)"]
    for user in list_users(store):
        last = user.last_login_at.strftime("%Y-%m-%d %H:%M") if user.last_login_at else "–"
        lines.append(f"{user.username:<24} {user.role:<8} {user.active!s:<6} {last}")
    return "\n".join(lines)


def _run(args: argparse.Namespace, url: str) -> str:
    by = f"cli:{getpass.getuser()}"
    if args.command == "list-users":
        return _list(url)
    if args.command not in _WITH_PASSWORD:
        store = open_store(url, create=False)
        if args.command == "unlock":
            unlock(store, args.username, by=by)
            return f"{args.username}: login back-off cleared"
        user = set_active(store, args.username, active=args.command == "enable-user", by=by)
        return f"{user.username}: {'enabled' if user.active else 'disabled'}"
    password = _read_password(from_stdin=args.password_stdin)
    if args.command == "set-password":
        set_password(open_store(url, create=False), args.username, password, by=by)
        return f"{args.username}: password changed, sessions ended"
    # Everything that can be checked without the store is checked before it is opened.
    name = normalise_username(args.username)
    check_new_password(password, username=name, min_length=load_config().min_password_length)
    if args.command == "create-admin":
        user = create_admin(open_store(url), username=name, password=password, by=by)
    else:
        store = open_store(url, create=False)
        user = add_user(store, username=name, password=password, role=args.role, by=by)
    return f"{user.username}: {user.role} created in {redact_url(url)}"


def _remove_new_store(path: Path, *, folder: Path | None) -> None:
    """Remove a store file (and SQLite's side files, and its folder) this command created."""
    for leftover in (
        path,
        *(path.with_name(path.name + end) for end in ("-wal", "-shm", "-journal")),
    ):
        leftover.unlink(missing_ok=True)
    if folder is not None and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (0 done, 1 refused, 2 bad usage)."""
    args = _parser().parse_args(argv)
    url = args.database_url or load_config().database_url
    path = store_path(url)
    new_file: Path | None = path if path is not None and not path.exists() else None
    new_folder = new_file.parent if new_file is not None and not new_file.parent.exists() else None
    try:
        print(_run(args, url))
    except (ValueError, GeodataError, StoreError, OSError) as error:
        if new_file is not None:
            _remove_new_store(new_file, folder=new_folder)
        message = str(error)
        if isinstance(error, StoreError) and new_file is not None:
            message = (
                f"there is no store at {redact_url(url)} yet; create it with "
                f"{PROG} create-admin --username NAME"
            )
        print(f"error: {message}", file=sys.stderr)
        return 1
    return 0
