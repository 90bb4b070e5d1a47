"""Only public files travel compressed, and Streamlit's own scripts and styles do.

Two rules, one middleware (:class:`PublicCompression`, mounted by :mod:`dashboard.server`):

1. **Nothing that may hold data is compressed.** Pages, the websocket, downloads and the
   dashboard's own routes (a case's details, the login cookie) may hold victim data beside
   text a visitor chose; compressed together, the sizes would let an eavesdropper guess the
   data (BREACH; docs/ACCESS.md). Streamlit's gzip middleware compresses every route but the
   page and ``/static/``, so every request outside the public files (:data:`PUBLIC`) reaches
   it without ``Accept-Encoding``.
2. **Streamlit's frontend is.** Streamlit serves its frontend under ``/static/`` (2.7 MB
   that every first visit downloads) uncompressed and leaves compression to a proxy:
   compressing on every request would cost CPU each time. Without the proxy (the README's
   one-process start) a first visit near the border waited for every byte: 11 s at
   2 Mbit/s. Each such script or style is gzipped once per process, on one thread of its
   own, and kept; a later request costs a lookup. Only the files themselves: a path not
   written as the file's own (``/static/./x.js``), Streamlit's page for a missing file, a
   range and anything already encoded pass as they are.

Behind Caddy (``deploy/kalbar-app.caddy``) the responses arrive encoded and Caddy passes
them on.
"""

from __future__ import annotations

import asyncio
import functools
import gzip
import posixpath
from concurrent.futures import ThreadPoolExecutor
from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dashboard.geostatic import base_path

#: Public files (under the server's base path): Streamlit's frontend, components' files and
#: the app's own static folder (the map's libraries and reference geometry).
PUBLIC: Final = ("/static/", "/component/", "/app/static/")
#: Content types worth compressing (fonts and images are compressed already; no page).
_TEXT_TYPES: Final = (b"javascript", b"css", b"json", b"svg")
#: Bodies smaller than this go as they are (the header would eat the gain).
MIN_BYTES: Final = 1024
#: Compressed bodies kept per process, in bytes (Streamlit's scripts and styles: under 10 MB).
CACHE_BYTES: Final = 32 * 2**20
#: Added to a compressed response's entity tag, and taken off a revalidation's.
_ETAG_SUFFIX: Final = b"-gzip"

#: (path, entity tag of the plain body) -> the compressed body.
_cache: dict[tuple[str, bytes], bytes] = {}
#: Compressions under way, so that visitors arriving together share one.
_jobs: dict[tuple[str, bytes], asyncio.Future[bytes]] = {}
#: One thread compresses, one file at a time: no visitor can keep more cores busy.
_compressor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gzip")


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> bytes:
    return next((value for key, value in headers if key.lower() == name), b"")


def accepts_gzip(accept_encoding: bytes) -> bool:
    """Whether an ``Accept-Encoding`` value allows gzip (``gzip;q=0`` does not)."""
    for coding in accept_encoding.lower().split(b","):
        name, _, params = coding.strip().partition(b";")
        if name.strip() in (b"gzip", b"*"):
            quality = params.strip().removeprefix(b"q=").strip() if b"q=" in params else b"1"
            try:
                return float(quality) > 0
            except ValueError:
                return False
    return False


def _frontend_file(scope: Scope, prefix: str) -> bool:
    """A GET of a Streamlit frontend file (by a path :func:`_public` let through), under the
    server's base path ``prefix``."""
    return scope.get("method") == "GET" and scope["path"].startswith(f"{prefix}/static/")


def _public(path: str, prefix: str) -> bool:
    """Under a public folder of the base path ``prefix``, and written as the file's own path
    (not ``/static/./x``)."""
    under = any(path.startswith(prefix + folder) for folder in PUBLIC)
    return under and posixpath.normpath(path) == path


def _without_accept_encoding(scope: Scope) -> Scope:
    headers = [(k, v) for k, v in scope.get("headers", []) if k.lower() != b"accept-encoding"]
    return {**scope, "headers": headers}


def _compressible(start: Message) -> bool:
    headers = start.get("headers", [])
    length = _header(headers, b"content-length")
    return (
        start["status"] == 200
        and not _header(headers, b"content-encoding")
        and any(kind in _header(headers, b"content-type").lower() for kind in _TEXT_TYPES)
        and length.isdigit()
        and int(length) >= MIN_BYTES
    )


async def compressed(path: str, etag: bytes, body: bytes) -> bytes:
    """``body`` gzipped, once per (``path``, ``etag``) while the cache has room."""
    key = (path, etag)
    if key in _cache:
        return _cache[key]
    job = _jobs.get(key)
    if job is None:
        gzipped = functools.partial(gzip.compress, body, 9, mtime=0)
        job = asyncio.get_running_loop().run_in_executor(_compressor, gzipped)
        _jobs[key] = job
        job.add_done_callback(lambda _: _jobs.pop(key, None))
    packed = await asyncio.shield(job)
    if etag and key not in _cache and sum(map(len, _cache.values())) + len(packed) <= CACHE_BYTES:
        _cache[key] = packed
    return packed


def _tagged(etag: bytes) -> bytes:
    """The entity tag of the compressed body: the plain one with a suffix inside its quotes."""
    return etag[:-1] + _ETAG_SUFFIX + b'"' if etag.endswith(b'"') else etag


def _restarted(
    start: Message, *, dropped: frozenset[bytes], added: list[tuple[bytes, bytes]]
) -> Message:
    """``start`` without the ``dropped`` headers and its ``Vary``, with ``added`` and a
    ``Vary`` that names ``Accept-Encoding`` (the same file goes either way)."""
    headers = start.get("headers", [])
    vary = b", ".join(filter(None, [_header(headers, b"vary"), b"Accept-Encoding"]))
    kept = [(key, value) for key, value in headers if key.lower() not in {*dropped, b"vary"}]
    return {**start, "headers": [*kept, *added, (b"vary", vary)]}


def _retagged(start: Message) -> list[tuple[bytes, bytes]]:
    """The entity tag of the compressed body, if the plain one has a tag."""
    etag = _header(start.get("headers", []), b"etag")
    return [(b"etag", _tagged(etag))] if etag else []


def _gzip_headers(start: Message, packed: bytes) -> Message:
    """``start`` of the plain file, made the start of its compressed body."""
    sent_as = [(b"content-encoding", b"gzip"), (b"content-length", str(len(packed)).encode())]
    dropped = frozenset({b"content-length", b"etag", b"accept-ranges"})
    return _restarted(start, dropped=dropped, added=[*sent_as, *_retagged(start)])


def _revalidated(start: Message) -> Message:
    """A ``304`` for the compressed body: its entity tag, and ``Vary``."""
    return _restarted(start, dropped=frozenset({b"etag"}), added=_retagged(start))


def _plain_request(scope: Scope) -> tuple[Scope, bool]:
    """``scope`` with the suffix taken off ``If-None-Match`` (so a revalidation of the
    compressed body still gets Streamlit's ``304``) and without the server's ``pathsend``
    extension (so the file comes as a body); and whether the suffix was there."""
    tagged = False
    headers = []
    for key, value in scope.get("headers", []):
        if key.lower() == b"if-none-match" and _ETAG_SUFFIX + b'"' in value:
            tagged = True
            value = value.replace(_ETAG_SUFFIX + b'"', b'"')
        headers.append((key, value))
    extensions = {
        name: value
        for name, value in scope.get("extensions", {}).items()
        if name != "http.response.pathsend"
    }
    return {**scope, "headers": headers, "extensions": extensions}, tagged


class PublicCompression:
    """ASGI middleware: compression only for public files; Streamlit's scripts and styles
    gzipped, once each."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        prefix = base_path()
        if not _public(scope.get("path", ""), prefix):
            await self.app(_without_accept_encoding(scope), receive, send)
        elif not _frontend_file(scope, prefix):
            await self.app(scope, receive, send)
        else:
            await self._frontend(scope, receive, send)

    async def _frontend(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = scope.get("headers", [])
        wants_gzip = accepts_gzip(_header(headers, b"accept-encoding"))
        whole = not _header(headers, b"range")
        plain_scope, tagged = _plain_request(scope)
        start: Message = {}
        body = bytearray()
        state = "pass"  # or "gzip" (gathering the body), "sent" (sent from the cache)

        async def send_compressed(message: Message) -> None:
            nonlocal start, state
            if message["type"] == "http.response.start":
                start = message
                if message["status"] == 304 and tagged:
                    await send(_revalidated(message))
                elif not _compressible(message):
                    await send(message)
                elif not (wants_gzip and whole):
                    await send(_restarted(message, dropped=frozenset(), added=[]))
                else:
                    state = "gzip"
                    key = (scope["path"], _header(message["headers"], b"etag"))
                    if key in _cache:
                        state = "sent"
                        await send(_gzip_headers(message, _cache[key]))
                        await send({"type": "http.response.body", "body": _cache[key]})
            elif message["type"] == "http.response.body" and state != "pass":
                if state == "sent":
                    return
                body.extend(message.get("body", b""))
                if not message.get("more_body", False):
                    etag = _header(start["headers"], b"etag")
                    packed = await compressed(scope["path"], etag, bytes(body))
                    await send(_gzip_headers(start, packed))
                    await send({"type": "http.response.body", "body": packed})
            else:
                await send(message)

        await self.app(plain_scope, receive, send_compressed)
