"""Only public files travel compressed; Streamlit's scripts and styles do, gzipped once each.

A stand-in for Streamlit's server: its own static handler (``/static/``, with its fallback
page for a missing file) and its gzip middleware, a route answering a case's details as
JSON (as :mod:`dashboard.casedetails` does), behind
:class:`dashboard.compression.PublicCompression`.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route, Router
from streamlit.web.server.starlette.starlette_gzip_middleware import SelectiveGZipMiddleware
from streamlit.web.server.starlette.starlette_static_routes import (
    create_streamlit_static_handler,
)

from dashboard import compression
from dashboard.compression import PublicCompression, accepts_gzip
from tests._asgi import get_scope, request
from tests.test_mapassets import base_path

__all__ = ["base_path"]  # the fixture, used by name below

#: Larger than a file response's chunk (64 KiB): the body comes in several parts.
SCRIPT = ("const message = 'Peta risiko TPPO Kalimantan Barat';\n" * 2000).encode()
DETAILS = {"victims": 3, "notes": "dibawa lewat jalur tikus " * 100}


def _server(folder: Path, prefix: str = "") -> PublicCompression:
    """Streamlit's static route on ``folder`` and a details route under ``prefix``, behind
    Streamlit's gzip middleware, behind the middleware under test."""
    (folder / "index.js").write_bytes(SCRIPT)
    (folder / "tiny.js").write_bytes(b"let x = 1;\n")
    (folder / "font.woff2").write_bytes(bytes(range(256)) * 20)
    (folder / "index.html").write_bytes(b"<html><body>Streamlit</body></html>" * 100)

    async def details(_: Request) -> JSONResponse:
        return JSONResponse(DETAILS)

    routes = [
        Mount(f"{prefix}/static", create_streamlit_static_handler(str(folder), prefix)),
        Route(f"{prefix}/_kalbar/details/{{key}}", details),
    ]
    inner = SelectiveGZipMiddleware(ExceptionMiddleware(Router(routes)), base_url=prefix)
    return PublicCompression(inner)


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> PublicCompression:
    monkeypatch.setattr(compression, "_cache", {})
    return _server(tmp_path)


def _get(app: PublicCompression, path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    return request(app, get_scope(path, [(k.replace("_", "-"), v) for k, v in headers.items()]))


def test_a_script_goes_gzipped_to_a_browser_that_accepts_it(server: PublicCompression) -> None:
    scope = get_scope("/static/index.js", [("accept-encoding", "gzip, br")])
    # A server that can send a file by its path gets a body to compress instead.
    scope["extensions"] = {"http.response.pathsend": {}}
    status, headers, body = request(server, scope)
    assert status == 200
    assert headers["content-encoding"] == "gzip"
    assert gzip.decompress(body) == SCRIPT
    assert int(headers["content-length"]) == len(body) < len(SCRIPT) / 10
    assert "Accept-Encoding" in headers["vary"]
    assert "accept-ranges" not in headers
    plain_status, plain, plain_body = _get(server, "/static/index.js")
    assert (plain_status, plain_body) == (200, SCRIPT)
    assert "content-encoding" not in plain
    assert "Accept-Encoding" in plain["vary"]  # a shared cache keeps both apart
    assert headers["etag"] == plain["etag"][:-1] + '-gzip"'


def test_each_file_is_compressed_once(
    server: PublicCompression, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []
    real = gzip.compress
    monkeypatch.setattr(gzip, "compress", lambda *a, **k: calls.append(1) or real(*a, **k))
    bodies = {_get(server, "/static/index.js", accept_encoding="gzip")[2] for _ in range(3)}
    assert len(bodies) == 1
    assert len(calls) == 1
    assert [path for path, _ in compression._cache] == ["/static/index.js"]


def test_a_revalidation_of_the_compressed_script_gets_not_modified_with_its_tag(
    server: PublicCompression,
) -> None:
    _, headers, _ = _get(server, "/static/index.js", accept_encoding="gzip")
    status, revalidated, body = _get(
        server, "/static/index.js", accept_encoding="gzip", if_none_match=headers["etag"]
    )
    assert (status, body) == (304, b"")
    assert revalidated["etag"] == headers["etag"]
    assert "Accept-Encoding" in revalidated["vary"]


@pytest.mark.parametrize(
    ("path", "headers", "status"),
    [
        ("/static/index.js", {"accept_encoding": "gzip", "range": "bytes=0-99"}, 206),
        ("/static/index.js", {"accept_encoding": "gzip;q=0, br"}, 200),
        ("/static/tiny.js", {"accept_encoding": "gzip"}, 200),  # the header would eat the gain
        ("/static/font.woff2", {"accept_encoding": "gzip"}, 200),  # compressed already
        ("/static/missing.js", {"accept_encoding": "gzip"}, 200),  # Streamlit's page instead
        ("/static/./index.js", {"accept_encoding": "gzip"}, 200),  # not the file's own path
        ("/static/js//../index.js", {"accept_encoding": "gzip"}, 400),
    ],
)
def test_ranges_refusals_small_files_fonts_pages_and_other_spellings_go_plain(
    server: PublicCompression, path: str, headers: dict[str, str], status: int
) -> None:
    got, sent, _ = _get(server, path, **headers)
    assert got == status
    assert "content-encoding" not in sent
    assert compression._cache == {}


def test_a_case_s_details_are_never_compressed(server: PublicCompression) -> None:
    """Streamlit's gzip middleware would compress them (data beside what a visitor chose)."""
    status, headers, body = _get(server, "/_kalbar/details/abc", accept_encoding="gzip")
    assert status == 200 and b"jalur tikus" in body
    assert "content-encoding" not in headers
    for disguised in ("/static/../_kalbar/details/abc", "/app/static/./../_kalbar/details/x"):
        _, sent, _ = _get(server, disguised, accept_encoding="gzip")
        assert "content-encoding" not in sent
    streamlit_alone = server.app
    _, compressed, _ = request(
        streamlit_alone, get_scope("/_kalbar/details/abc", [("accept-encoding", "gzip")])
    )
    assert compressed["content-encoding"] == "gzip"  # what the middleware prevents


def test_under_a_base_path_the_frontend_is_compressed_there(
    tmp_path: Path, base_path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(compression, "_cache", {})
    app = _server(tmp_path, base_path)
    status, headers, body = _get(app, f"{base_path}/static/index.js", accept_encoding="gzip")
    assert status == 200 and headers["content-encoding"] == "gzip"
    assert gzip.decompress(body) == SCRIPT
    _, details, _ = _get(app, f"{base_path}/_kalbar/details/abc", accept_encoding="gzip")
    assert "content-encoding" not in details


@pytest.mark.parametrize(
    ("value", "accepted"),
    [
        (b"gzip, deflate, br", True),
        (b"br;q=1.0, gzip;q=0.8", True),
        (b"*", True),
        (b"gzip;q=0", False),
        (b"br", False),
        (b"", False),
    ],
)
def test_accept_encoding_is_read_with_its_weights(value: bytes, accepted: bool) -> None:
    assert accepts_gzip(value) is accepted
