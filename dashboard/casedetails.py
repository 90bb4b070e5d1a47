"""Case details behind the login: the map's case tooltips, fetched when one first opens.

A filter change re-sends the map's filtered layers over the websocket; with every case's
tooltip in them (its id, date, victims, note: some 400 bytes a case) that was most of the
message. Instead a :class:`Publisher` keeps a map's details in this process under a random
key, for as long as the map is kept (:mod:`dashboard.mapframe`), and the map carries only
positions and row numbers; the browser fetches the details from
``GET <base path>/_kalbar/details/<key>`` (mounted by :mod:`dashboard.server` through
:func:`routes`) when a case's tooltip first opens, with its login cookie.

The route answers only a request from the dashboard's own pages whose session sees exactly
the view the details were made for (:func:`geodata.access.gateway.view_key`: demo or not,
access level, data version): another role, a logged-out or expired cookie, or details of
data since changed get ``403``. Answers are never stored by the browser (``no-store``).
Details of aggregate views are never published (those views hold no records).
"""

from __future__ import annotations

import secrets
import threading
import weakref
from dataclasses import dataclass
from typing import Final

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from dashboard.cookies import COOKIE, same_origin
from dashboard.geostatic import base_path
from geodata.access import ViewKey, gateway

#: The route, under the server's base path.
DETAILS_PATH: Final = "/_kalbar/details/{key}"
_HEADERS: Final = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


@dataclass(frozen=True, eq=False)
class _Details:
    body: bytes
    view: ViewKey


_lock = threading.Lock()
#: Published details by key, for as long as their :class:`Publisher` is kept (by the map).
_published: weakref.WeakValueDictionary[str, _Details] = weakref.WeakValueDictionary()
_mounted = False


def routes(base_path: str = "") -> tuple[Route, ...]:
    """The details route under the server's ``base_path`` ("" or like "/kalbar"). Once it
    is asked for (by the server that mounts it), maps publish their case details through it;
    without it (``streamlit run dashboard/app.py``) the details stay in the map."""
    global _mounted
    _mounted = True
    return (Route(base_path + DETAILS_PATH, serve_details, methods=["GET"]),)


class Publisher:
    """Publishes one map's case details for sessions of ``view``
    (:data:`layers.cases.PublishDetails`). The details are served as long as the publisher
    is kept: keep it with the map whose script fetches them."""

    def __init__(self, view: ViewKey) -> None:
        self._view = view
        self._kept: list[_Details] = []

    def __call__(self, text: str) -> str:
        """Keep ``text`` under a new random key; its URL."""
        details = _Details(text.encode("utf-8"), self._view)
        key = secrets.token_urlsafe(18)
        with _lock:
            _published[key] = details
        self._kept.append(details)
        return base_path() + DETAILS_PATH.format(key=key)


def publisher(view: ViewKey) -> Publisher | None:
    """A publisher of case details for a map made for ``view``; None when the route is not
    mounted or ``view`` is an aggregate view."""
    if not _mounted or view.level == "aggregates":
        return None
    return Publisher(view)


async def serve_details(request: Request) -> Response:
    """The details at the request's key, as JSON, to a session that sees their view; else
    ``403`` (``404`` for a key this process does not hold)."""
    if not same_origin(request):
        return Response(status_code=403, headers=_HEADERS)
    with _lock:
        details = _published.get(request.path_params["key"])
    if details is None:
        return Response(status_code=404, headers=_HEADERS)
    seen = await run_in_threadpool(gateway.view_key, request.cookies.get(COOKIE))
    if seen != details.view:
        return Response(status_code=403, headers=_HEADERS)
    return Response(details.body, media_type="application/json", headers=_HEADERS)
