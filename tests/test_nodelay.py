"""The server's connections send each response at once (dashboard/nodelay.py)."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from asyncio import base_events
from pathlib import Path

import pytest
from streamlit.web.server.starlette import starlette_server

from dashboard import nodelay
from tests._asgi import run_async

ROOT = Path(__file__).resolve().parents[1]
#: asyncio's own hook, as collected (before any test could have replaced it).
ASYNCIO_SET_NODELAY = base_events._set_nodelay  # type: ignore[attr-defined]


def _accepted_nodelay() -> int:
    """TCP_NODELAY of a connection accepted on a listening socket bound as Streamlit binds
    its own (``_bind_socket``: ``socket.socket(family)``, protocol 0)."""

    async def main() -> int:
        listener = starlette_server._bind_socket("127.0.0.1", 0, 8)
        accepted: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            sock = writer.get_extra_info("socket")
            accepted.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        server = await asyncio.start_server(on_connect, sock=listener)
        async with server:
            port = listener.getsockname()[1]
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            value = await asyncio.wait_for(accepted, 10)
            writer.close()
            return value

    return run_async(main(), timeout_s=30)


@pytest.fixture
def asyncio_hook():
    """asyncio's own hook during the test, whatever was there before (put back after)."""
    before = base_events._set_nodelay
    base_events._set_nodelay = ASYNCIO_SET_NODELAY
    yield
    base_events._set_nodelay = before


@pytest.mark.usefixtures("asyncio_hook")
def test_streamlit_connections_keep_nagle_on_without_the_fix():
    """The premise: asyncio leaves Nagle on for the connections Streamlit accepts. Should a
    newer asyncio or Streamlit turn it off, this fails, and dashboard/nodelay.py can go."""
    assert _accepted_nodelay() == 0


@pytest.mark.usefixtures("asyncio_hook")
def test_disable_nagle_turns_it_off_for_accepted_connections():
    nodelay.disable_nagle()
    assert _accepted_nodelay() != 0


def test_the_server_entry_point_disables_nagle():
    """``dashboard/server.py``, which the README starts, installs the hook when Streamlit
    loads it (in a new interpreter: loading it freezes the app's modules)."""
    check = (
        "import runpy; from asyncio import base_events; from dashboard import nodelay;"
        "runpy.run_path('dashboard/server.py');"
        "print(base_events._set_nodelay is nodelay._set_nodelay)"
    )
    result = subprocess.run(
        [sys.executable, "-c", check], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.stdout.strip().splitlines()[-1] == "True", result.stderr
