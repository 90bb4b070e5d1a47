"""Serve the dashboard with its login-cookie routes: ``streamlit run dashboard/server.py``.

The same app as ``dashboard/app.py`` (which still runs alone, but then a login does not
survive a reload, download URLs are not guarded and the map carries its case details):
Streamlit's ``st.App`` adds the two routes of :mod:`dashboard.cookies` to its own server, so
the session token can live in an HttpOnly, SameSite=Strict cookie, the route of
:mod:`dashboard.casedetails`, so the map fetches a case's details when its tooltip first
opens, and :class:`dashboard.media.MediaGuard` in front of it, so a download URL answers
only a live session and only for a minute. Its connections send each response at once
(:mod:`dashboard.nodelay`); only public files go compressed, Streamlit's own scripts and
styles among them (:class:`dashboard.compression.PublicCompression`). Before any session it
imports the app's modules and freezes them out of the garbage collector's way
(:mod:`dashboard.memory`).
"""

from __future__ import annotations

import sys
from pathlib import Path

# The packages live one level above this file's folder.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import streamlit as st
from starlette.middleware import Middleware
from streamlit import net_util

from dashboard import casedetails, cookies
from dashboard.compression import PublicCompression
from dashboard.geostatic import base_path
from dashboard.media import MediaGuard
from dashboard.memory import freeze_app_modules
from dashboard.nodelay import disable_nagle

# Streamlit checks a refused cross-site WebSocket against this machine's addresses, which it
# would learn by asking checkip.amazonaws.com and by routing to 8.8.8.8: an office server
# makes no outside call; the address users reach it by is browser.serverAddress in
# .streamlit/config.toml. (Private attributes: tests/test_security_config.py guards them.)
net_util._external_ip = net_util._internal_ip = "127.0.0.1"
# Responses leave at once, not 40 ms later on a kept-open connection (nodelay.py).
disable_nagle()

app = st.App(
    Path(__file__).with_name("app.py"),
    routes=[*cookies.routes(base_path()), *casedetails.routes(base_path())],
    middleware=[Middleware(MediaGuard), Middleware(PublicCompression)],
)
# Before any session: the app's modules out of the garbage collector's way (memory.py).
freeze_app_modules()
