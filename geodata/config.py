"""Local configuration: where the store is, how long sessions last, what is suppressed.

Nothing secret is committed. Settings come, highest priority first, from

1. environment variables: ``KALBAR_DATABASE_URL`` (the store), ``KALBAR_CONFIG`` (another
   config file);
2. the git-ignored local file ``.kalbar/config.toml`` in the repository root::

       [store]
       url = "gpkg:///srv/kalbar/store.gpkg"   # or "postgresql://kalbar@db.local/kalbar"

       [auth]
       session_hours = 8
       min_password_length = 12

       [access]
       suppress_below = 3

3. the defaults below. Without any of them the store is ``.kalbar/store.gpkg`` (created with
   the first administrator by ``python -m geodata.auth create-admin``).

A PostgreSQL password belongs in ``~/.pgpass`` or ``PGPASSWORD``, not in the URL.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit, urlunsplit

from geodata.errors import ConfigError
from geodata.settings import PACKAGE_DIR

#: Environment variable holding the store's database URL.
DATABASE_URL_ENV: Final = "KALBAR_DATABASE_URL"
#: Environment variable naming a config file to read instead of the default one.
CONFIG_ENV: Final = "KALBAR_CONFIG"
#: Git-ignored folder of the local config and of the default store (created mode 0700).
LOCAL_DIR: Final = PACKAGE_DIR.parent / ".kalbar"
#: The local config file.
CONFIG_FILE: Final = LOCAL_DIR / "config.toml"
#: The store used when none is configured.
DEFAULT_STORE: Final = LOCAL_DIR / "store.gpkg"
#: Hours a login session lasts.
SESSION_HOURS: Final = 8.0
#: Counts of cases or victims from 1 to this minus one are shown as "<N" to aggregate roles.
SUPPRESS_BELOW: Final = 3
#: The shortest password accepted.
MIN_PASSWORD_LENGTH: Final = 12

_KNOWN: Final = {
    "store": {"url"},
    "auth": {"session_hours", "min_password_length"},
    "access": {"suppress_below"},
}


@dataclass(frozen=True)
class Config:
    """The settings in force.

    Attributes
    ----------
    database_url
        ``gpkg:///absolute/path.gpkg``, ``gpkg:relative/path.gpkg`` (relative to the config
        file's folder) or ``postgresql://user@host:port/dbname``.
    store_configured
        True when the URL came from the environment or a config file, not the default.
    session_hours
        How long a login lasts.
    suppress_below
        Smallest non-zero count published to aggregate roles (default 3: 1 and 2 publish as 0 or 3).
    min_password_length
        Shortest password accepted for a user.
    source
        The config file read, if any.
    """

    database_url: str
    store_configured: bool = False
    session_hours: float = SESSION_HOURS
    suppress_below: int = SUPPRESS_BELOW
    min_password_length: int = MIN_PASSWORD_LENGTH
    source: Path | None = None


def _read_file(path: Path) -> dict[str, dict[str, object]]:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path} is not valid TOML: {error}; fix the file") from None
    problems = []
    for table, values in data.items():
        if table not in _KNOWN or not isinstance(values, dict):
            problems.append(f"unknown table [{table}]")
            continue
        problems += [f"unknown key {table}.{key}" for key in values if key not in _KNOWN[table]]
    if problems:
        expected = sorted(f"{table}.{key}" for table, keys in _KNOWN.items() for key in keys)
        raise ConfigError(f"{path}: {'; '.join(problems)}; expected keys are {expected}")
    return data


def _setting(
    table: Mapping[str, object], name: str, default: float, kind: type, minimum: float
) -> float:
    value = table.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"`{name}` should be a number, got {value!r}")
    if kind is int and not float(value).is_integer():
        raise ConfigError(f"`{name}` should be a whole number, got {value!r}")
    if value < minimum:
        raise ConfigError(f"`{name}` should be at least {minimum}, got {value!r}")
    return value


def load_config(*, environ: Mapping[str, str] | None = None, path: Path | None = None) -> Config:
    """Read the configuration from the environment, the local file and the defaults.

    Parameters
    ----------
    environ
        Environment variables (default ``os.environ``).
    path
        Config file to read (default ``KALBAR_CONFIG``, else ``.kalbar/config.toml``); a
        missing file is the same as an empty one.
    """
    environ = os.environ if environ is None else environ
    if path is None:
        path = Path(environ[CONFIG_ENV]) if environ.get(CONFIG_ENV) else CONFIG_FILE
    data = _read_file(path) if path.is_file() else {}
    store, auth, access = (data.get(name, {}) for name in ("store", "auth", "access"))
    url = environ.get(DATABASE_URL_ENV) or store.get("url")
    if url is not None and not isinstance(url, str):
        raise ConfigError(f"`store.url` should be text, got {url!r}")
    if url and url.startswith("gpkg:") and not url.startswith("gpkg://"):
        relative = url.removeprefix("gpkg:")
        url = "gpkg://" + str((path.parent / relative).resolve())
    return Config(
        database_url=url or f"gpkg://{DEFAULT_STORE}",
        store_configured=bool(url),
        session_hours=float(_setting(auth, "session_hours", SESSION_HOURS, float, 0.05)),
        suppress_below=int(_setting(access, "suppress_below", SUPPRESS_BELOW, int, 1)),
        min_password_length=int(_setting(auth, "min_password_length", MIN_PASSWORD_LENGTH, int, 8)),
        source=path if path.is_file() else None,
    )


def redact_url(url: str) -> str:
    """``url`` without its password, safe to print or log."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))
