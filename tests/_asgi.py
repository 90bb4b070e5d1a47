"""Driving an ASGI app or middleware in a test, without a server or an HTTP client."""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Coroutine, Iterable
from typing import Any, TypeVar

from starlette.types import ASGIApp, Message

T = TypeVar("T")


def run_async(coroutine: Coroutine[Any, Any, T], *, timeout_s: float | None = None) -> T:
    """Run ``coroutine`` to the end in a thread of its own (waiting at most ``timeout_s``):
    the browser tests' Playwright may have left an event loop running in this one, where
    ``asyncio.run`` refuses to start."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result(timeout=timeout_s)


def get_scope(path: str, headers: Iterable[tuple[str, str]] = ()) -> dict[str, Any]:
    """The scope of a GET of ``path`` from Streamlit's server on localhost:8501."""
    return {
        "type": "http",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "server": ("localhost", 8501),
        "headers": [(name.lower().encode(), value.encode()) for name, value in headers],
    }


def request(app: ASGIApp, scope: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
    """Send ``app`` one request (``scope``, no body); its status, headers (lower-case names)
    and whole body. The client disconnects once the response is complete (an app that
    listens for the disconnect, as Starlette's file responses do, waits until then)."""
    sent: list[Message] = []

    async def exchange() -> None:
        complete = asyncio.Event()
        asked = False

        async def receive() -> Message:
            nonlocal asked
            if not asked:
                asked = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await complete.wait()
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            sent.append(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                complete.set()

        await app(scope, receive, send)

    run_async(exchange())
    start, body = sent[0], b"".join(m.get("body", b"") for m in sent[1:])
    names = {k.decode().lower(): v.decode() for k, v in start.get("headers", [])}
    return start["status"], names, body
