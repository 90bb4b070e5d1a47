"""An office's store as a new administrator finds it: empty, or partly filled.

:func:`office_store` makes a GeoPackage store in a folder holding only the given kinds of
the committed sample (crossings without the five PLBN, which a store holds from the start or
the map adds from the reference geodata), one administrator and one planner, and points the
app at it. The data layer's caches are cleared before and after, so the demo-mode tests in
other modules are not run against this store, nor these against the demo.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Block, Node

from dashboard import session
from geodata.access import auth, gateway
from geodata.config import CONFIG_ENV, DATABASE_URL_ENV
from geodata.records.datasets import load_sample
from geodata.store import open_store
from tests.app.conftest import APP, TIMEOUT

ROLES = ("admin", "planner")


def password(role: str) -> str:
    return f"{role}-office-passphrase-2025"


@dataclasses.dataclass(frozen=True)
class OfficeStore:
    url: str
    tokens: dict[str, str]

    def page(self, page: str, *, role: str = "admin", lang: str | None = None) -> AppTest:
        """A not yet run AppTest on ``page``, logged in as ``role``."""
        at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
        at.session_state[session.TOKEN] = self.tokens[role]
        if lang is not None:
            at.session_state["lang"] = lang
        at.switch_page(f"views/{page}.py")
        return at


@contextmanager
def office_store(folder: Path, *, kinds: tuple[str, ...] = ()) -> Iterator[OfficeStore]:
    """A new store holding ``kinds`` of the sample ``{"crossings", "shelters", "cases"}``."""
    url = f"gpkg://{folder / 'store.gpkg'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(DATABASE_URL_ENV, url)
        patch.setenv(CONFIG_ENV, str(folder / "no-config.toml"))  # not the developer's file
        store = open_store(url)
        sample = load_sample()
        for kind in kinds:
            frame = getattr(sample, kind)
            if kind == "crossings":
                frame = frame[frame["kind"] != "plbn"]
            store.import_batch(kind, frame, user="test")
        auth.create_admin(store, username="admin", password=password("admin"), by="test")
        auth.add_user(
            store, username="planner", password=password("planner"), role="planner", by="admin"
        )
        tokens = {
            role: auth.login(store, username=role, password=password(role)).token for role in ROLES
        }
        gateway.clear_caches()
        try:
            yield OfficeStore(url, tokens)
        finally:
            gateway.clear_caches()


# --------------------------------------------------------------------------- page contents

Downloads = dict[str, Callable[[], object]]


def spy_downloads(monkeypatch: pytest.MonkeyPatch) -> Downloads:
    """Deferred download callables registered from now on, by their file id (for a fixture)."""
    found: Downloads = {}
    register = MediaFileManager.add_deferred

    def spy(self: MediaFileManager, data_callable: Any, *args: Any, **kwargs: Any) -> str:
        file_id = register(self, data_callable, *args, **kwargs)
        found[file_id] = data_callable
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", spy)
    return found


def download(at: AppTest, found: Downloads, key: str) -> bytes:
    """What clicking the download button ``key`` would send."""
    (button,) = [button for button in at.get("download_button") if button.key == key]
    data = found[button.proto.deferred_file_id]()
    return data if isinstance(data, bytes) else str(data).encode("utf-8")


def _nodes(node: Node) -> Iterator[Node]:
    yield node
    if isinstance(node, Block):
        for child in node.children.values():
            yield from _nodes(child)


def everything(at: AppTest) -> str:
    """Every element's message as text, the map component's script included."""
    return "\n".join(
        str(node.proto)
        for root in (at.main, at.sidebar)
        for node in _nodes(root)
        if getattr(node, "proto", None) is not None
    )
