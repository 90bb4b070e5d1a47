"""Streamlit's scripts and styles leave the server gzipped, once each; nothing else does.

The files are served by Starlette's ``StaticFiles`` (what Streamlit's own static route is
built on) from a temporary folder, through :class:`dashboard.compression.StaticGzip`.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.routing import Mount, Router
from starlette.staticfiles import StaticFiles

from dashboard import compression
from dashboard.compression import StaticGzip
from tests._asgi import get_scope, request
from tests.test_mapassets import base_path

__all__ = ["base_path"]  # the fixture, used by name below

SCRIPT = ("const message = 'Peta risiko TPPO Kalimantan Barat';\n" * 400).encode()


@pytest.fixture
def frontend(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> StaticGzip:
    """A stand-in for Streamlit's frontend under ``/static/``, behind the middleware (with an
    empty cache)."""
    monkeypatch.setattr(compression, "_cache", {})
    (tmp_path / "index.js").write_bytes(SCRIPT)
    (tmp_path / "tiny.js").write_bytes(b"let x = 1;\n")
    (tmp_path / "font.woff2").write_bytes(bytes(range(256)) * 20)
    (tmp_path / "page.html").write_bytes(b"<p>" + SCRIPT + b"</p>")
    files = StaticFiles(directory=tmp_path)
    routes = [Mount("/static", files), Mount("/media", files)]
    return StaticGzip(ExceptionMiddleware(Router(routes=routes)))  # a 404 as a response


def _get(app: StaticGzip, path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    scope = get_scope(path, [(k.replace("_", "-"), v) for k, v in headers.items()])
    return request(app, scope)


def test_a_script_goes_gzipped_to_a_browser_that_accepts_it(frontend: StaticGzip) -> None:
    status, headers, body = _get(frontend, "/static/index.js", accept_encoding="gzip, br")
    assert status == 200
    assert headers["content-encoding"] == "gzip"
    assert gzip.decompress(body) == SCRIPT
    assert int(headers["content-length"]) == len(body) < len(SCRIPT) / 10
    assert "Accept-Encoding" in headers["vary"]
    assert headers["etag"].endswith('-gzip"')
    assert "accept-ranges" not in headers
    plain_status, plain, plain_body = _get(frontend, "/static/index.js")
    assert (plain_status, plain_body) == (200, SCRIPT)
    assert "content-encoding" not in plain
    assert headers["etag"] == plain["etag"][:-1] + '-gzip"'


def test_each_file_is_compressed_once(
    frontend: StaticGzip, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []
    real = gzip.compress
    monkeypatch.setattr(gzip, "compress", lambda *a, **k: calls.append(1) or real(*a, **k))
    bodies = {_get(frontend, "/static/index.js", accept_encoding="gzip")[2] for _ in range(3)}
    assert len(bodies) == 1
    assert len(calls) == 1


def test_a_revalidation_of_the_compressed_script_gets_not_modified(
    frontend: StaticGzip,
) -> None:
    _, headers, _ = _get(frontend, "/static/index.js", accept_encoding="gzip")
    status, _, body = _get(
        frontend, "/static/index.js", accept_encoding="gzip", if_none_match=headers["etag"]
    )
    assert (status, body) == (304, b"")


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/static/index.js", {"accept_encoding": "gzip", "range": "bytes=0-99"}),
        ("/static/tiny.js", {"accept_encoding": "gzip"}),  # the header would eat the gain
        ("/static/font.woff2", {"accept_encoding": "gzip"}),  # compressed already
        ("/media/page.html", {"accept_encoding": "gzip"}),  # may hold data (BREACH)
        ("/static/missing.js", {"accept_encoding": "gzip"}),
    ],
)
def test_ranges_small_files_fonts_other_routes_and_errors_pass_as_they_are(
    frontend: StaticGzip, path: str, headers: dict[str, str]
) -> None:
    status, sent, _ = _get(frontend, path, **headers)
    assert "content-encoding" not in sent
    assert status == (206 if "range" in headers else 404 if "missing" in path else 200)


def test_under_a_base_path_the_frontend_is_compressed_there(tmp_path: Path, base_path: str) -> None:
    (tmp_path / "index.js").write_bytes(SCRIPT)
    files = StaticFiles(directory=tmp_path)
    app = StaticGzip(Router(routes=[Mount(f"{base_path}/static", files), Mount("/static", files)]))
    status, headers, body = _get(app, f"{base_path}/static/index.js", accept_encoding="gzip")
    assert status == 200 and headers["content-encoding"] == "gzip"
    assert gzip.decompress(body) == SCRIPT
    _, outside, _ = _get(app, "/static/index.js", accept_encoding="gzip")
    assert "content-encoding" not in outside  # not the frontend when it lives under the path
