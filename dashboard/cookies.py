"""The login cookie: two small HTTP routes that set and clear it, HttpOnly and SameSite=Strict.

Streamlit talks to the browser over a websocket, which cannot set a cookie, and a cookie set
by page JavaScript could not be HttpOnly. So :mod:`dashboard.server` mounts these routes on
Streamlit's own server (``st.App(routes=...)``), under its base path if it has one
(``server.baseUrlPath``, like ``/kalbar``; shown here without):

- ``POST /_kalbar/session`` with a one-time code (:func:`geodata.access.gateway.cookie_code`) in the
  body: the code is swapped for the session token, which comes back only as
  ``Set-Cookie: kalbar_session=...; HttpOnly; SameSite=Strict; Path=/`` (``Path=/kalbar``
  under a base path; ``Secure`` behind HTTPS), lasting as long as the session. The token is
  never in a URL, the page or a log.
- ``POST /_kalbar/logout``: ends the cookie's session in the store and deletes the cookie.

Both refuse a request from another site (``Sec-Fetch-Site``/``Origin`` checked). On the next
page load the websocket carries the cookie and :func:`dashboard.session.current_user` reads it
from ``st.context.cookies``.
"""

from __future__ import annotations

import datetime as dt
from typing import Final
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from geodata.access import gateway

COOKIE: Final = "kalbar_session"
SESSION_PATH: Final = "/_kalbar/session"
LOGOUT_PATH: Final = "/_kalbar/logout"
#: Largest request body read (a code is 32 characters).
_MAX_BODY: Final = 256


def same_origin(request: Request) -> bool:
    """True unless the browser says the request came from another site."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site in {"same-origin", "none"}
    origin = request.headers.get("origin")
    if origin is None:
        return True
    return urlsplit(origin).netloc == request.headers.get("host", "")


def _cookie_path(request: Request, route: str) -> str:
    """The server's base path, which the cookie is for: what precedes ``route`` ("/" if none)."""
    path = request.url.path
    return path[: -len(route)] if path.endswith(route) and len(path) > len(route) else "/"


def _secure(request: Request) -> bool:
    """True behind HTTPS (directly, or a proxy that says so)."""
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto", "") == "https"


async def set_session_cookie(request: Request) -> Response:
    """Swap a one-time code for the HttpOnly session cookie (204), or refuse (403)."""
    if not same_origin(request):
        return Response(status_code=403)
    body = await request.body()
    code = body[:_MAX_BODY].decode("ascii", "replace").strip()
    redeemed = gateway.redeem_cookie_code(code) if len(body) <= _MAX_BODY else None
    if redeemed is None:
        return Response(status_code=403)
    token, expires_at = redeemed
    seconds = max(0, int((expires_at - dt.datetime.now(dt.UTC)).total_seconds()))
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    response.set_cookie(
        COOKIE,
        token,
        max_age=seconds,
        path=_cookie_path(request, SESSION_PATH),
        secure=_secure(request),
        httponly=True,
        samesite="strict",
    )
    return response


async def clear_session_cookie(request: Request) -> Response:
    """End the cookie's session in the store and delete the cookie (204)."""
    if not same_origin(request):
        return Response(status_code=403)
    token = request.cookies.get(COOKIE, "")
    if gateway.session_for_token(token) is not None:
        gateway.logout(token)
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    response.delete_cookie(
        COOKIE,
        path=_cookie_path(request, LOGOUT_PATH),
        secure=_secure(request),
        httponly=True,
        samesite="strict",
    )
    return response


def routes(base_path: str = "") -> tuple[Route, ...]:
    """The two routes, under the server's ``base_path`` ("" or like "/kalbar"): Streamlit's
    ``st.App`` mounts its users' routes as they are, not under ``server.baseUrlPath``."""
    return (
        Route(base_path + SESSION_PATH, set_session_cookie, methods=["POST"]),
        Route(base_path + LOGOUT_PATH, clear_session_cookie, methods=["POST"]),
    )
