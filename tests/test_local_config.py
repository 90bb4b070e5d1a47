"""Local configuration: environment first, then the git-ignored file, then the defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from geodata.config import DEFAULT_STORE, ConfigError, load_config, redact_url


def test_defaults_without_environment_or_file(tmp_path: Path) -> None:
    config = load_config(environ={}, path=tmp_path / "missing.toml")
    assert config.database_url == f"gpkg://{DEFAULT_STORE}"
    assert not config.store_configured and config.source is None
    assert (config.session_hours, config.suppress_below, config.min_password_length) == (8, 3, 12)


def test_the_file_then_the_environment_choose_the_store(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[store]\nurl = "gpkg:data/store.gpkg"\n[auth]\nsession_hours = 2\n'
        "[access]\nsuppress_below = 5\n",
        encoding="utf-8",
    )
    config = load_config(environ={}, path=path)
    assert config.database_url == f"gpkg://{tmp_path / 'data' / 'store.gpkg'}"
    assert (config.store_configured, config.session_hours, config.suppress_below) == (True, 2, 5)
    environ = {
        "KALBAR_DATABASE_URL": "postgresql://kalbar@db.local/kalbar",
        "KALBAR_CONFIG": str(path),
    }
    assert load_config(environ=environ).database_url == "postgresql://kalbar@db.local/kalbar"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[store]\nurl = 3\n", "should be text"),
        ("[store]\nuri = 'x'\n", "unknown key store.uri"),
        ("[sever]\nx = 1\n", r"unknown table \[sever\]"),
        ("[access]\nsuppress_below = 2.5\n", "whole number"),
        ("[access]\nsuppress_below = 0\n", "at least 1"),
        ("[auth]\nsession_hours = 'long'\n", "should be a number"),
        ("[auth]\nmin_password_length = 4\n", "at least 8"),
        ("[store\n", "not valid TOML"),
    ],
)
def test_a_bad_file_is_refused_with_the_fix(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_config(environ={}, path=path)


def test_passwords_are_redacted_from_urls() -> None:
    url = "postgresql://kalbar:pw-123@db.local:5433/kalbar"  # pragma: allowlist secret
    assert redact_url(url) == "postgresql://kalbar:***@db.local:5433/kalbar"
    assert redact_url("gpkg:///srv/store.gpkg") == "gpkg:///srv/store.gpkg"
