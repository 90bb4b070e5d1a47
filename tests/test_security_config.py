"""Security configuration: Streamlit's committed settings, no secret in the repository, and
local config and secret files kept out of git."""

from __future__ import annotations

import base64
import os
import re
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Final

import pytest

ROOT = Path(__file__).resolve().parent.parent
STREAMLIT_CONFIG = ROOT / ".streamlit" / "config.toml"
#: Largest upload the dashboard may accept, in MB (real case spreadsheets are small).
MAX_UPLOAD_MB: Final = 50
#: Files that hold secret-looking text on purpose: this test and hostile input fixtures.
SKIPPED: Final = re.compile(r"(^tests/test_security_config\.py$|hostile)")
_BINARY_PROBE: Final = 8192
#: Marks a line whose secret-looking text is a deliberate fake (as detect-secrets does).
ALLOW_MARK: Final = "pragma: allowlist secret"

#: What a committed secret looks like (name and pattern).
SECRET_PATTERNS: Final = {
    "private key block": re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY( BLOCK)?-----"),
    "AWS access key": re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
    "GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),
    "Slack token": re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
    "password in a URL": re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@'\"]+:[^/\s@'\"*$<{]{3,}@"),
    "assigned secret": re.compile(
        r"(?i)\b(password|passwd|secret|api[_-]?key|token|private[_-]?key)\w*\s*[:=]\s*"
        r"[\"']([^\"'\s$<{][^\"'\s]{7,})[\"']"
    ),
}


@cache
def _candidate_files() -> tuple[str, ...]:
    """Tracked files and new files that are not ignored (what the next commit may hold)."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    return tuple(sorted({name for name in listed if (ROOT / name).is_file()}))


def _text(name: str) -> str | None:
    data = (ROOT / name).read_bytes()
    if b"\x00" in data[:_BINARY_PROBE]:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def find_secrets(text: str) -> list[str]:
    """Names of the secret patterns found in ``text``.

    A line marked ``pragma: allowlist secret`` (a fake secret in a test) is not searched.
    """
    if ALLOW_MARK in text:
        text = "\n".join(line for line in text.splitlines() if ALLOW_MARK not in line)
    return [name for name, pattern in SECRET_PATTERNS.items() if pattern.search(text)]


# --- Streamlit ------------------------------------------------------------------------------


def test_streamlit_sends_no_tracebacks_or_statistics_and_caps_uploads() -> None:
    with STREAMLIT_CONFIG.open("rb") as handle:
        config = tomllib.load(handle)
    assert config["client"]["showErrorDetails"] in (False, "none")
    assert config["browser"]["gatherUsageStats"] is False
    assert 1 <= config["server"]["maxUploadSize"] <= MAX_UPLOAD_MB


def test_the_streamlit_config_is_committed() -> None:
    assert ".streamlit/config.toml" in _candidate_files()


# --- secrets --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn", ["private key block"]),
        ("-----BEGIN RSA PRIVATE KEY-----", ["private key block"]),
        ('url = "postgresql://kalbar:S3cret-pw@db.local/kalbar"', ["password in a URL"]),
        ('password = "hunter2hunter2"', ["assigned secret"]),
        ("API_KEY: 'abcd1234efgh5678'", ["assigned secret"]),
        ("aws = AKIAABCDEFGHIJKLMNOP", ["AWS access key"]),
        ('url = "postgresql://kalbar@db.local/kalbar"', []),
        ("password = getpass.getpass('Password: ')", []),
        ('password="$(python3 -c "import secrets")"', []),
        ('redacted = "postgresql://kalbar:***@127.0.0.1/x"', []),
        ('token: "{token}"', []),
        ('PASSWORD = "short"', []),
        ('password = "hunter2hunter2"  # pragma: allowlist secret', []),
    ],
)
def test_the_secret_patterns_catch_secrets_not_code(text: str, found: list[str]) -> None:
    assert find_secrets(text) == found


def test_no_secret_is_committed() -> None:
    files = [name for name in _candidate_files() if not SKIPPED.search(name)]
    assert len(files) > 50
    leaks = {}
    for name in files:
        text = _text(name)
        if text is not None and (found := find_secrets(text)):
            leaks[name] = found
    assert leaks == {}, "secrets (or secret-looking text) in files that git would commit"


def test_no_local_config_store_or_secret_file_is_committed() -> None:
    forbidden = re.compile(
        r"(^|/)(\.kalbar/|secrets\.toml$|\.env$|[^/]*\.local\.toml$|[^/]*\.pem$|id_rsa)"
    )
    assert [name for name in _candidate_files() if forbidden.search(name)] == []


@pytest.mark.parametrize(
    "path",
    [
        ".kalbar/config.toml",
        ".kalbar/store.gpkg",
        ".kalbar/store.gpkg-journal",
        ".streamlit/secrets.toml",
        "deploy.local.toml",
    ],
)
def test_local_config_and_secret_files_are_git_ignored(path: str) -> None:
    result = subprocess.run(
        ["git", "check-ignore", "--no-index", "-q", path], cwd=ROOT, check=False
    )
    assert result.returncode == 0, f"{path} is not ignored by .gitignore"


# --- no outside call ------------------------------------------------------------------------

#: Started in a subprocess: every socket connect to a host other than this machine is
#: printed (and refused), then Streamlit starts as `streamlit run` would.
_WATCHED_START: Final = """
import socket, sys
_connect = socket.socket.connect
def connect(self, address):
    host = address[0] if isinstance(address, tuple) else str(address)
    if host not in ("127.0.0.1", "::1", "localhost") and not str(host).startswith("/"):
        print(f"OUTSIDE CALL {address!r}", flush=True)
        raise OSError("outside call refused by the test")
    return _connect(self, address)
socket.socket.connect = connect
from streamlit.web.cli import main
sys.argv = ["streamlit", "run", "dashboard/server.py", "--server.port", sys.argv[1]]
main()
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_server_listens_on_this_machine_only_and_asks_no_outside_host() -> None:
    with STREAMLIT_CONFIG.open("rb") as handle:
        config = tomllib.load(handle)
    assert config["server"]["address"] == "127.0.0.1"
    assert config["server"]["port"] == 8501
    # A manually set address stops Streamlit's external-IP lookup at start.
    assert config["browser"]["serverAddress"] == "127.0.0.1"
    assert config["browser"]["gatherUsageStats"] is False


def _serve(visit: Callable[[int], object]) -> str:
    """Start the server (watched), wait until it answers, ``visit(port)``, stop; the log."""
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("KALBAR_")}
    process = subprocess.Popen(
        [sys.executable, "-c", _WATCHED_START, str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        health = ""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/_stcore/health", timeout=2
                ) as response:
                    health = response.read().decode()
                break
            except OSError:
                time.sleep(0.5)
        assert health == "ok", "the server did not answer on 127.0.0.1"
        visit(port)
        time.sleep(2)  # the start-up banner (and any lookup behind it) comes after the listen
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
    assert f"URL: http://127.0.0.1:{port}" in output
    return output


def _open_websocket(port: int, *, origin: str) -> bytes:
    """Ask for the app's WebSocket as a browser on ``origin`` would; the first response bytes."""
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        f"GET /_stcore/stream HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
        f"Origin: {origin}\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(request.encode())
        return connection.recv(200)


def _no_outside_call(output: str) -> None:
    assert "OUTSIDE CALL" not in output
    assert "External URL" not in output and "Did not auto detect external IP" not in output


def test_starting_and_using_the_server_makes_no_outside_connection() -> None:
    def visit(port: int) -> None:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as response:
            assert response.status == 200
        answer = _open_websocket(port, origin=f"http://127.0.0.1:{port}")
        assert answer.startswith(b"HTTP/1.1 101")  # the app's own page is let in

    _no_outside_call(_serve(visit))


def test_a_refused_cross_site_websocket_makes_no_outside_connection() -> None:
    def visit(port: int) -> None:
        answer = _open_websocket(port, origin="http://attacker.example")
        assert not answer.startswith(b"HTTP/1.1 101")  # refused

    _no_outside_call(_serve(visit))
