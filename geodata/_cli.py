"""Shared parts of the command lines: translated argument errors, never a traceback."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

from geodata.i18n import t
from geodata.settings import DEFAULT_LANGUAGE, LANGUAGES

#: Exit codes: success, a problem with the data, a problem with the command.
EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """The command line's arguments were not understood."""


class Parser(argparse.ArgumentParser):
    """An argument parser that raises :class:`UsageError` instead of exiting."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def language(argv: Sequence[str]) -> str:
    """The ``--lang`` asked for in ``argv`` (read before parsing, for error messages)."""
    for position, argument in enumerate(argv):
        value = None
        if argument == "--lang" and position + 1 < len(argv):
            value = argv[position + 1]
        elif argument.startswith("--lang="):
            value = argument.split("=", 1)[1]
        if value in LANGUAGES:
            return value
    return DEFAULT_LANGUAGE


def parse(parser: Parser, argv: Sequence[str] | None) -> tuple[argparse.Namespace | None, int]:
    """Parse ``argv``; on a usage error print a translated message and return the exit code.

    Returns
    -------
    tuple
        ``(arguments, EXIT_OK)``, or ``(None, code)``: ``EXIT_OK`` after ``--help``,
        ``EXIT_USAGE`` after an error.
    """
    for stream in (sys.stdout, sys.stderr):  # a terminal that cannot show “ or ° gets \u201c
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    arguments = list(sys.argv[1:] if argv is None else argv)
    try:
        return parser.parse_args(arguments), EXIT_OK
    except UsageError as error:
        lang = language(arguments)
        print(t("cli.bad_arguments", lang, details=str(error)), file=sys.stderr)
        print(parser.format_usage().rstrip(), file=sys.stderr)
        return None, EXIT_USAGE
    except SystemExit as exit_:  # --help
        return None, EXIT_OK if exit_.code in (0, None) else EXIT_USAGE
