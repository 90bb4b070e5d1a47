"""The many-users deployment: several Streamlit processes behind Caddy with sticky sessions.

The configuration (deploy/Caddyfile, deploy/kalbar-app.caddy) and tools/serve.sh are checked
as text without Caddy; with the ``caddy`` binary installed, Caddy's own parser checks the
configuration, and a smoke test starts two processes and the proxy on free loopback ports
and talks to the app through the proxy (health, sticky cookie, websocket upgrade, which
responses are compressed and cached).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dashboard.geostatic import GEO_DIR
from dashboard.mapassets import JS_DIR

ROOT = Path(__file__).resolve().parents[1]
CADDYFILE = ROOT / "deploy" / "Caddyfile"
APP_SNIPPET = ROOT / "deploy" / "kalbar-app.caddy"
SERVE = ROOT / "tools" / "serve.sh"
CADDY = shutil.which("caddy")
needs_caddy = pytest.mark.skipif(
    CADDY is None, reason="caddy not installed (apt-get install caddy)"
)


def _directives(text: str) -> list[str]:
    """The configuration's lines without comments and blank lines."""
    lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return [line for line in lines if line]


def _upstreams(*, processes: int, first_port: int) -> str:
    result = subprocess.run(
        ["bash", str(SERVE), "--print-upstreams", "--processes", str(processes),
         "--first-port", str(first_port)],
        capture_output=True, text=True, check=True, timeout=30,
    )  # fmt: skip
    return result.stdout.strip()


def test_proxy_is_sticky_by_cookie_and_serves_every_process() -> None:
    snippet = _directives(APP_SNIPPET.read_text(encoding="utf-8"))
    assert snippet[0] == "reverse_proxy {$KALBAR_UPSTREAMS:127.0.0.1:8501} {", snippet[0]
    assert "lb_policy cookie kalbar_lb" in snippet
    assert "health_uri {$KALBAR_BASE_PATH:}/_stcore/health" in snippet
    assert "header_up X-Forwarded-Proto https" in snippet
    # Caddy passes the websocket upgrade on by itself; overriding these headers would break it.
    assert not [line for line in snippet if re.search(r"header_up\s+-?(Connection|Upgrade)", line)]
    office = _directives(CADDYFILE.read_text(encoding="utf-8"))
    assert "import kalbar-app.caddy" in office
    assert not [line for line in office if line.startswith("reverse_proxy")], (
        "the office site should import kalbar-app.caddy rather than proxy on its own"
    )


def test_office_site_keeps_https_and_security_headers() -> None:
    office = _directives(CADDYFILE.read_text(encoding="utf-8"))
    for line in [
        "admin off",
        'Strict-Transport-Security "max-age=31536000; includeSubDomains"',
        'X-Frame-Options "DENY"',
        "Content-Security-Policy \"frame-ancestors 'none'\"",
        'X-Content-Type-Options "nosniff"',
        'Referrer-Policy "no-referrer"',
        "redir https://{host}{uri} permanent",
    ]:
        assert line in office, f"deploy/Caddyfile should keep {line!r}"


def test_serve_script_lists_every_process_on_loopback() -> None:
    upstreams = _upstreams(processes=3, first_port=9100).split(" ")
    assert upstreams == ["127.0.0.1:9100", "127.0.0.1:9101", "127.0.0.1:9102"]
    assert _upstreams(processes=1, first_port=8501) == "127.0.0.1:8501"


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--processes", "0", "whole number from 1"),
        ("--first-port", "80", "from 1024 to 65535"),
        ("--base-path", "kal bar", "should look like /kalbar"),
        ("--base-path", "/intranet/static", "not static"),  # would compress pages (BREACH)
    ],
)
def test_serve_script_refuses_bad_options(option: str, value: str, message: str) -> None:
    result = subprocess.run(
        ["bash", str(SERVE), "--print-upstreams", option, value],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert result.returncode != 0
    assert message in result.stderr, result.stderr


def _adapt(config: Path, upstreams: str) -> dict[str, Any]:
    assert CADDY is not None
    result = subprocess.run(
        [CADDY, "adapt", "--config", str(config), "--adapter", "caddyfile"],
        capture_output=True, text=True, timeout=60,
        env={**os.environ, "KALBAR_UPSTREAMS": upstreams},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[0])


def _proxies(tree: Any) -> Iterator[dict[str, Any]]:
    """Every reverse_proxy handler in Caddy's JSON configuration."""
    if isinstance(tree, dict):
        if tree.get("handler") == "reverse_proxy":
            yield tree
        for value in tree.values():
            yield from _proxies(value)
    elif isinstance(tree, list):
        for value in tree:
            yield from _proxies(value)


@needs_caddy
def test_caddy_reads_the_office_configuration_with_every_upstream() -> None:
    upstreams = _upstreams(processes=4, first_port=8501)
    (proxy,) = _proxies(_adapt(CADDYFILE, upstreams))
    assert [u["dial"] for u in proxy["upstreams"]] == upstreams.split(" ")
    assert proxy["load_balancing"]["selection_policy"] == {"policy": "cookie", "name": "kalbar_lb"}
    assert proxy["headers"]["request"]["set"]["X-Forwarded-Proto"] == ["https"]
    assert proxy["health_checks"]["active"]["uri"] == "/_stcore/health"


def _free_ports(count: int) -> int:
    """The first of ``count`` consecutive free loopback ports."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            first = int(probe.getsockname()[1])
        if first + count > 65535:
            continue
        with contextlib.ExitStack() as stack:
            try:
                for port in range(first, first + count):
                    sock = stack.enter_context(socket.socket())
                    sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        return first
    raise RuntimeError(f"no {count} consecutive free ports on 127.0.0.1")


def _headers(url: str, *, cookie: str) -> dict[str, str]:
    """Response headers of a GET that accepts gzip (lower-case names; body not decoded)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(url, headers={"Cookie": cookie, "Accept-Encoding": "gzip"})
    with opener.open(request, timeout=5) as response:
        response.read()
        return {name.lower(): value for name, value in response.headers.items()}


def _get(url: str, *, cookie: str = "") -> tuple[int, str, str]:
    """Status, body and the proxy's ``kalbar_lb`` Set-Cookie ('' if none) of a GET (no
    proxy from the environment)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    with opener.open(request, timeout=5) as response:
        body = response.read().decode("utf-8", "replace")
        sticky = [c for c in response.headers.get_all("Set-Cookie") or [] if "kalbar_lb=" in c]
        return response.status, body, sticky[0] if sticky else ""


@contextlib.contextmanager
def _served(tmp_path: Path, *, processes: int, base_path: str = "") -> Iterator[str]:
    """tools/serve.sh with ``processes`` processes and a plain-HTTP loopback site, under
    ``base_path`` (like ``/kalbar``) if given; its URL, the base path included."""
    first, proxy_port = _free_ports(processes + 1), 0
    proxy_port = first + processes
    config = tmp_path / "Caddyfile"
    config.write_text(
        "{\n\tadmin off\n\tauto_https off\n}\n\n"
        f"http://127.0.0.1:{proxy_port} {{\n\tbind 127.0.0.1\n\timport {APP_SNIPPET}\n}}\n",
        encoding="utf-8",
    )
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen(
        ["bash", str(SERVE), "--processes", str(processes), "--first-port", str(first),
         "--caddyfile", str(config), "--base-path", base_path],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{proxy_port}{base_path}"
    try:
        deadline = time.monotonic() + 180
        while True:
            assert server.poll() is None, (tmp_path / "serve.log").read_text()
            assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
            with contextlib.suppress(OSError, urllib.error.URLError):
                if _get(f"{url}/_stcore/health")[0] == 200:
                    break
            time.sleep(0.5)
        yield url
    finally:
        server.send_signal(signal.SIGTERM)  # serve.sh stops its own processes
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)
        log.close()


@needs_caddy
def test_two_processes_behind_the_proxy(tmp_path: Path) -> None:
    with _served(tmp_path, processes=2) as url:
        status, body, cookie = _get(f"{url}/_stcore/health")
        assert (status, body) == (200, "ok")
        assert cookie.startswith("kalbar_lb="), cookie
        # Without the cookie the proxy spreads visitors over both processes ...
        cookies = {_get(f"{url}/_stcore/health")[2].split(";")[0] for _ in range(30)}
        assert len(cookies) == 2, cookies
        # ... with it, a visitor stays with one (no new cookie is handed out).
        sticky = cookie.split(";")[0]
        assert {_get(f"{url}/_stcore/health", cookie=sticky)[2] for _ in range(5)} == {""}
        _check_page_and_websocket(url, sticky)


@needs_caddy
def test_one_process_under_a_path_behind_the_proxy(tmp_path: Path) -> None:
    """Served under /kalbar (an office intranet's path): Caddy's health checks find the
    process there, so the page, the websocket and the map files all answer under it."""
    with _served(tmp_path, processes=1, base_path="/kalbar") as url:
        # Past Caddy's next health check (every 10 s): a check at the wrong address would
        # have marked the process down by now, and every answer would be a 503.
        time.sleep(11)
        status, body, cookie = _get(f"{url}/_stcore/health")
        assert (status, body) == (200, "ok")
        _check_page_and_websocket(url, cookie.split(";")[0])
        # The login-cookie route is there too: a forged code is refused by it (403), where a
        # missing route would get Streamlit's 404 or 405.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        forged = urllib.request.Request(f"{url}/_kalbar/session", data=b"forged", method="POST")
        with pytest.raises(urllib.error.HTTPError) as answer:
            opener.open(forged, timeout=5)
        answer.value.close()
        assert answer.value.code == 403


def _check_page_and_websocket(url: str, cookie: str) -> None:
    """The page and the websocket Streamlit talks over answer through the proxy, with the
    public files' compression and caching (:func:`_check_compression_and_caching`)."""
    from websockets.sync.client import connect

    page = _get(f"{url}/", cookie=cookie)
    assert page[0] == 200 and "<noscript>" in page[1]
    ws_url = url.replace("http://", "ws://") + "/_stcore/stream"
    with connect(
        ws_url, subprotocols=["streamlit"], additional_headers={"Cookie": cookie},  # type: ignore[list-item]
        open_timeout=10, proxy=None,
    ) as ws:  # fmt: skip
        assert ws.subprotocol == "streamlit"
    _check_compression_and_caching(url, cookie, page[1])


def _check_compression_and_caching(url: str, cookie: str, page: str) -> None:
    """Public code and geometry go compressed, files named by their content (geometry, the
    map's script bundles) cached for good, but not a missing one; the page and the app's own
    answers never compressed (they may hold victim data: BREACH)."""
    script = re.search(r'src="\.?(/static/js/[^"]+\.js)"', page)
    assert script is not None, page[:500]
    leaflet = "/app/static/node_modules/leaflet/dist/leaflet.js"
    for path in (script.group(1), leaflet):
        assert _headers(f"{url}{path}", cookie=cookie).get("content-encoding") == "gzip", path
    for path in ("/", "/_stcore/host-config"):
        assert "content-encoding" not in _headers(f"{url}{path}", cookie=cookie), path
    for path in ("/", leaflet):  # not named by content: never kept for good
        assert "immutable" not in _headers(f"{url}{path}", cookie=cookie).get("cache-control", "")
    for folder, suffix in ((GEO_DIR, ".geojson"), (JS_DIR, ".js")):  # named by content
        folder.mkdir(parents=True, exist_ok=True)  # made when a map first needs it
        named = folder / f"deploy-test-{os.getpid()}{suffix}"
        named.write_text("{}", encoding="utf-8")
        try:
            headers = _headers(f"{url}/app/static/{folder.name}/{named.name}", cookie=cookie)
        finally:
            named.unlink()
        assert headers.get("cache-control") == "public, max-age=31536000, immutable", named
        # A file that is not there (yet, or on this machine) is not kept: asked again, it may be.
        missing = f"{url}/app/static/{folder.name}/deploy-test-missing-{os.getpid()}{suffix}"
        with pytest.raises(urllib.error.HTTPError) as answer:
            _headers(missing, cookie=cookie)
        answer.value.close()
        assert answer.value.code == 404
        assert "immutable" not in (answer.value.headers.get("cache-control") or ""), missing
