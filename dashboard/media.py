"""Short-lived download URLs: a guard in front of Streamlit's ``/media/`` route.

A download button's bytes are served by Streamlit at ``/media/<id>``; Streamlit keeps the
file until two later script runs (of any session) have passed, so the URL could otherwise be
fetched again, by anyone holding it, for as long as the server is quiet. :class:`MediaGuard`
(mounted by :mod:`dashboard.server`) answers a download (``Content-Disposition:
attachment``) only

1. when the store needs a login: to a browser whose login cookie is a live session (so not
   after logout, expiry or disabling, and not to a client without the cookie), and the
   session that produced the download (another user's live cookie opens nothing), and
2. for :data:`DOWNLOAD_SECONDS` after the download was produced (:func:`note_download`,
   called when a checked download's bytes are made) or, for a file whose production was not
   noted, after it was first served; an expired URL never opens again.

Anything else gets ``403`` with a one-line text. Images and other inline media pass as they
are (the favicon, say). Downloads are never compressed nor cut: the guard takes
``Accept-Encoding`` and ``Range`` off ``/media/`` requests (and refuses an attachment that
comes back encoded), so the length a production was noted with is the length served, and
the owner check always applies.
"""

from __future__ import annotations

import hashlib
import threading
import time
from typing import Final
from urllib.parse import unquote

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dashboard.cookies import COOKIE
from geodata.access import gateway

#: Request headers taken off ``/media/`` requests: compression and ranges.
_UNSERVED: Final = frozenset({b"accept-encoding", b"range", b"if-range"})
#: How long a download URL answers after its bytes were produced (or first served).
DOWNLOAD_SECONDS: Final = 60.0
#: Productions older than this are forgotten (their URLs are refused anyway).
_FORGET_SECONDS: Final = 10 * DOWNLOAD_SECONDS
#: Served paths remembered (oldest dropped first): an expired path stays expired.
_PATHS_KEPT: Final = 100_000

_lock = threading.Lock()
#: (file name, size in bytes) -> (when a checked download with them was last produced,
#: SHA-256 of the session token that produced it).
_produced: dict[tuple[str, int], tuple[float, str]] = {}
#: /media/ path -> when it was first served (insertion order: oldest first).
_first_served: dict[str, float] = {}


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _forget_old(now: float) -> None:
    for key in [key for key, (at, _) in _produced.items() if now - at > _FORGET_SECONDS]:
        del _produced[key]
    while len(_first_served) > _PATHS_KEPT:
        del _first_served[next(iter(_first_served))]


def note_download(file_name: str, data: bytes, *, token: str) -> None:
    """Record that session ``token`` just produced a download ``file_name`` with ``data``."""
    now = time.monotonic()
    with _lock:
        _forget_old(now)
        _produced[(file_name, len(data))] = (now, _digest(token))


def _attachment(headers: list[tuple[bytes, bytes]]) -> tuple[str, int] | None:
    """(file name, length) of an attachment response, else None."""
    values = {name.lower(): value.decode("latin-1") for name, value in headers}
    disposition = values.get(b"content-disposition", "")
    if not disposition.lower().startswith("attachment"):
        return None
    name = ""
    for part in disposition.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "filename*":
            name = unquote(value.split("''", 1)[-1])
        elif key.lower() == "filename" and not name:
            name = value.strip('"')
    length = values.get(b"content-length", "")
    return name, int(length) if length.isdigit() else -1


def _allowed(scope: Scope, path: str, attachment: tuple[str, int], now: float) -> bool:
    """True if this browser may fetch the attachment at ``path`` now (see the module)."""
    with _lock:
        _forget_old(now)
        produced = _produced.get(attachment)
        first = _first_served.setdefault(path, now)
    start, owner = produced if produced is not None else (first, None)
    if now - start > DOWNLOAD_SECONDS:
        return False
    if gateway.app_mode() == "demo":
        return True
    token = HTTPConnection(scope).cookies.get(COOKIE, "")
    if owner is not None and _digest(token) != owner:
        return False
    return gateway.session_for_token(token) is not None


class MediaGuard:
    """ASGI middleware: refuse stale or session-less download responses from ``/media/``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or "/media/" not in scope.get("path", ""):
            await self.app(scope, receive, send)
            return
        # Downloads hold data: never compressed, and always whole (a compressed or partial
        # length would not match the length the production was noted with, and so skip the
        # owner check).
        headers = [(k, v) for k, v in scope.get("headers", []) if k.lower() not in _UNSERVED]
        scope = {**scope, "headers": headers}
        refused = False

        async def guarded_send(message: Message) -> None:
            nonlocal refused
            if message["type"] == "http.response.start":
                sent = list(message.get("headers", []))
                attachment = _attachment(sent)
                encoded = any(k.lower() == b"content-encoding" for k, _ in sent)
                if attachment is not None and (
                    encoded or not _allowed(scope, scope["path"], attachment, time.monotonic())
                ):
                    refused = True
                    await send(
                        {
                            "type": "http.response.start",
                            "status": 403,
                            "headers": [(b"content-type", b"text/plain; charset=utf-8")],
                        }
                    )
                    await send({"type": "http.response.body", "body": b"download expired\n"})
                    return
            if not refused:
                await send(message)

        await self.app(scope, receive, guarded_send)
