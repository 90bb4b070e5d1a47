"""``python -m geodata.auth``: create the first administrator, add, list and disable users.

Messages go to stderr with exit code 1 (refused) or 2 (bad usage), never a traceback.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Sequence

from geodata._errors import GeodataError
from geodata.auth import (
    add_user,
    create_admin,
    list_users,
    set_active,
    set_password,
)
from geodata.config import redact_url
from geodata.roles import ROLES
from geodata.store import StoreError, open_store


def _read_password(*, from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        if not sys.stdin.isatty():
            raise ValueError("no terminal to ask the password on; pass it with --password-stdin")
        password = getpass.getpass("Password: ")
        if getpass.getpass("Password again: ") != password:
            raise ValueError("the two passwords differ")
    if not password:
        raise ValueError("the password is empty")
    return password


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m geodata.auth", description="Manage the dashboard's users."
    )
    parser.add_argument("--database-url", help="store URL (default: the configured store)")
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("create-admin", "add-user", "disable-user", "enable-user", "set-password"):
        command = commands.add_parser(name)
        command.add_argument("--username", required=True)
        if name in ("create-admin", "add-user", "set-password"):
            command.add_argument(
                "--password-stdin",
                action="store_true",
                help="read the password from the first line of stdin",
            )
        if name == "add-user":
            command.add_argument("--role", required=True, choices=ROLES)
    commands.add_parser("list-users")
    return parser


def _run(args: argparse.Namespace) -> str:
    store = open_store(args.database_url)
    by = f"cli:{getpass.getuser()}"
    if args.command == "list-users":
        lines = [f"{'username':<24} {'role':<8} {'active':<6} last login (UTC)"]
        for user in list_users(store):
            last = user.last_login_at.strftime("%Y-%m-%d %H:%M") if user.last_login_at else "–"
            lines.append(f"{user.username:<24} {user.role:<8} {user.active!s:<6} {last}")
        return "\n".join(lines)
    if args.command in ("disable-user", "enable-user"):
        user = set_active(store, args.username, active=args.command == "enable-user", by=by)
        return f"{user.username}: {'enabled' if user.active else 'disabled'}"
    password = _read_password(from_stdin=args.password_stdin)
    if args.command == "set-password":
        set_password(store, args.username, password, by=by)
        return f"{args.username}: password changed, sessions ended"
    if args.command == "create-admin":
        user = create_admin(store, username=args.username, password=password, by=by)
    else:
        user = add_user(store, username=args.username, password=password, role=args.role, by=by)
    return f"{user.username}: {user.role} created in {redact_url(store.url)}"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (0 done, 1 refused, 2 bad usage)."""
    args = _parser().parse_args(argv)
    try:
        print(_run(args))
    except (ValueError, GeodataError, StoreError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0

