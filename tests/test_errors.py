"""One public error module (geodata.errors): the family, its messages, and no stray classes."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Final

import pandas as pd
import pytest

from geodata import errors
from geodata.access.auth import check_new_password, normalise_username
from geodata.errors import AccountError, ArgumentError, ConfigError, GeodataError, not_one_of
from geodata.records.export import to_csv_bytes
from geodata.store import open_store

ROOT: Final = Path(__file__).resolve().parent.parent
#: Exceptions that are signals inside one module, never shown to a user as such.
INTERNAL_SIGNALS: Final = {
    ("geodata/_cli.py", "UsageError"),  # the parser's message, printed by run_cli
    ("geodata/records/_sandbox.py", "LimitExceededError"),  # becomes a problem of the uploaded file
    ("geodata/records/intake.py", "_ArgumentError"),  # carries an argument error out of a worker
}
#: ``raise ValueError`` kept on purpose: caught a few lines below and turned into a message.
INTERNAL_VALUE_ERRORS: Final = {"geodata/records/_xlsx.py", "layers/risk.py"}


def _modules() -> list[tuple[str, ast.Module]]:
    paths = sorted([*ROOT.glob("geodata/**/*.py"), *ROOT.glob("layers/**/*.py")])
    return [(str(p.relative_to(ROOT)), ast.parse(p.read_text(encoding="utf-8"))) for p in paths]


def test_every_exception_class_lives_in_the_error_module() -> None:
    elsewhere = {
        (path, node.name)
        for path, tree in _modules()
        if path != "geodata/errors.py"
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
        and any(getattr(base, "id", "").endswith(("Error", "Exception")) for base in node.bases)
    }
    assert elsewhere == INTERNAL_SIGNALS


def test_no_bare_value_error_is_raised() -> None:
    raising = {
        path
        for path, tree in _modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.Raise)
        and node.exc is not None
        and "ValueError"
        in {getattr(node.exc, "id", None), getattr(getattr(node.exc, "func", None), "id", None)}
    }
    assert raising == INTERNAL_VALUE_ERRORS


def test_the_family_keeps_value_error_and_permission_error_callers_working() -> None:
    for name in errors.__all__:
        error = getattr(errors, name)
        if isinstance(error, type):
            assert issubclass(error, ValueError | PermissionError), name
    assert issubclass(errors.RecordNotFoundError, KeyError)
    assert issubclass(errors.SessionExpiredError, errors.AccessDeniedError)


def test_a_wrong_choice_says_expected_got_and_what_to_do() -> None:
    error = not_one_of("fmt", ["xlsx", "csv"], "pdf")
    assert isinstance(error, ArgumentError)
    assert str(error) == "`fmt` should be one of 'csv', 'xlsx', got 'pdf'; pass one of them"
    with pytest.raises(ArgumentError, match=r"`dialect` should be one of .*got 'tsv'; pass one"):
        to_csv_bytes(pd.DataFrame({"a": [1]}), dialect="tsv")


def test_account_rules_raise_account_errors_with_the_fix() -> None:
    with pytest.raises(AccountError, match="at least 12 characters, got 5; choose a longer"):
        check_new_password("short", username="budi", min_length=12)
    with pytest.raises(AccountError, match="should not be the user name; choose another"):
        check_new_password("budi.santoso", username="Budi.Santoso", min_length=8)
    with pytest.raises(ValueError, match="user name should be 3 to 64 characters"):
        normalise_username("x")


def test_a_wrong_store_url_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="should start with gpkg:// or postgresql://"):
        open_store("mysql://localhost/kalbar")
    assert issubclass(ConfigError, GeodataError)
