"""Send every response at once: TCP_NODELAY on the server's connections.

asyncio turns Nagle's algorithm off on each TCP connection it makes, but only for a socket
whose protocol number says TCP; Streamlit's listening socket is made with ``socket.socket
(family)``, protocol 0, and the connections it accepts inherit that, so Nagle stays on. On
a connection the browser keeps open, each response after the first is then written as a
header and a small body, and the body waits for the ACK of the header, which the browser
delays by 40 ms: every static file but the first on a connection took 42 ms, and the page's
fifty script chunks queued behind six connections for about 0.4 s before the map's frame
was even made (measured with ``tests/benchmarks/bench_ratios.py``).

:func:`disable_nagle` (run by ``dashboard/server.py`` before the server accepts anyone)
makes asyncio turn Nagle off for every TCP socket, whatever its protocol number says.
"""

from __future__ import annotations

import socket
from asyncio import base_events

_TCP_FAMILIES = frozenset({socket.AF_INET, socket.AF_INET6})


def _set_nodelay(sock: socket.socket) -> None:
    """Nagle off for a TCP socket (asyncio's check without its protocol-number test)."""
    if sock.family in _TCP_FAMILIES and sock.type == socket.SOCK_STREAM:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def disable_nagle() -> None:
    """Make asyncio set TCP_NODELAY on every TCP connection it opens or accepts from now on.

    Affects the whole process (asyncio's private hook, which its socket transports call for
    each new connection); ``tests/test_nodelay.py`` checks it against Streamlit's own
    listening socket.
    """
    base_events._set_nodelay = _set_nodelay  # type: ignore[attr-defined]
