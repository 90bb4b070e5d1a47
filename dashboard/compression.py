"""Streamlit's own scripts and styles sent compressed: a third of their size on a slow link.

Streamlit serves its frontend under ``/static/`` (2.7 MB of scripts and styles that every
first visit downloads) uncompressed, and leaves compression to a proxy in front: compressing
on every request would cost CPU each time (``starlette_gzip_middleware.py`` in Streamlit).
Without the proxy (the README's one-process start) a first visit near the border waits for
every byte: 11 s at 2 Mbit/s. :class:`StaticGzip` (mounted by :mod:`dashboard.server`)
compresses each such file once per process, keeps the result, and so costs a lookup per
later request. Behind Caddy (``deploy/kalbar-app.caddy``) the responses arrive encoded and
Caddy passes them on.

Only these public files, never pages, the websocket or downloads: those may hold victim data
beside text a visitor chose, and compressing the two together would let an eavesdropper
guess the data from the sizes (BREACH; docs/ACCESS.md). Range requests, other statuses and
responses already encoded pass as they are.
"""

from __future__ import annotations

import gzip
from typing import Final

import anyio.to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dashboard.geostatic import base_path

#: Content types worth compressing (fonts and images are compressed already).
_TEXT_TYPES: Final = (b"javascript", b"css", b"json", b"svg", b"text/")
#: Bodies smaller than this go as they are (the header would eat the gain).
MIN_BYTES: Final = 1024
#: Compressed bodies kept per process, in bytes (Streamlit's whole frontend is under 10 MB).
CACHE_BYTES: Final = 32 * 2**20
#: Added to a compressed response's entity tag, and taken off a revalidation's.
_ETAG_SUFFIX: Final = b"-gzip"

#: (path, entity tag of the plain body) -> the compressed body.
_cache: dict[tuple[str, bytes], bytes] = {}


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> bytes:
    return next((value for key, value in headers if key.lower() == name), b"")


def _wanted(scope: Scope) -> bool:
    """A GET of a Streamlit frontend file by a client that accepts gzip, not a range."""
    if scope["type"] != "http" or scope.get("method") != "GET":
        return False
    if not scope.get("path", "").startswith(f"{base_path()}/static/"):
        return False
    headers = scope.get("headers", [])
    return b"gzip" in _header(headers, b"accept-encoding").lower() and not _header(
        headers, b"range"
    )


def _compressible(start: Message, body: bytes) -> bool:
    headers = start.get("headers", [])
    return (
        start["status"] == 200
        and not _header(headers, b"content-encoding")
        and any(kind in _header(headers, b"content-type").lower() for kind in _TEXT_TYPES)
        and len(body) >= MIN_BYTES
    )


async def compressed(path: str, etag: bytes, body: bytes) -> bytes:
    """``body`` gzipped, once per (``path``, ``etag``) while the cache has room."""
    key = (path, etag)
    if key in _cache:
        return _cache[key]
    packed = await anyio.to_thread.run_sync(lambda: gzip.compress(body, 9, mtime=0))
    if etag and sum(map(len, _cache.values())) + len(packed) <= CACHE_BYTES:
        _cache[key] = packed
    return packed


def _tagged(etag: bytes) -> bytes:
    """The entity tag of the compressed body: the plain one with a suffix inside its quotes."""
    return etag[:-1] + _ETAG_SUFFIX + b'"' if etag.endswith(b'"') else etag


def _plain_request(scope: Scope) -> Scope:
    """``scope`` with the suffix taken off ``If-None-Match`` (so a revalidation of the
    compressed body still gets Streamlit's ``304``), and without the server's ``pathsend``
    extension (so the file comes as a body this middleware can compress)."""
    headers = [
        (key, value.replace(_ETAG_SUFFIX + b'"', b'"'))
        if key.lower() == b"if-none-match"
        else (key, value)
        for key, value in scope.get("headers", [])
    ]
    extensions = {
        name: value
        for name, value in scope.get("extensions", {}).items()
        if name != "http.response.pathsend"
    }
    return {**scope, "headers": headers, "extensions": extensions}


class StaticGzip:
    """ASGI middleware: Streamlit's ``/static/`` scripts and styles gzipped, once each."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not _wanted(scope):
            await self.app(scope, receive, send)
            return
        start: Message = {}
        body = bytearray()

        async def buffered_send(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                body.extend(message.get("body", b""))
                if not message.get("more_body", False):
                    await _send(send, scope["path"], start, bytes(body))
            else:
                await send(message)

        await self.app(_plain_request(scope), receive, buffered_send)


async def _send(send: Send, path: str, start: Message, body: bytes) -> None:
    """Send the buffered response, gzipped if it is text worth it."""
    if not _compressible(start, body):
        await send(start)
        await send({"type": "http.response.body", "body": body})
        return
    headers = start.get("headers", [])
    etag = _header(headers, b"etag")
    packed = await compressed(path, etag, body)
    vary = _header(headers, b"vary")
    kept = [
        (key, value)
        for key, value in headers
        if key.lower() not in {b"content-length", b"etag", b"vary", b"accept-ranges"}
    ]
    kept += [
        (b"content-encoding", b"gzip"),
        (b"content-length", str(len(packed)).encode()),
        (b"vary", b", ".join(filter(None, [vary, b"Accept-Encoding"]))),
    ]
    if etag:
        kept.append((b"etag", _tagged(etag)))
    await send({**start, "headers": kept})
    await send({"type": "http.response.body", "body": packed})
