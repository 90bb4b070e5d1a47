"""The dashboard process freezes its loaded data once, and only after a page loaded data."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from dashboard import memory


@pytest.fixture
def fresh_process(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The module as in a new process; the collector unfrozen again afterwards."""
    monkeypatch.setattr(memory, "_loaded", False)
    monkeypatch.setattr(memory, "_frozen", False)
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_nothing_is_frozen_before_a_page_loaded_data(fresh_process: None) -> None:
    memory.freeze_loaded_data()  # e.g. the login page's run
    assert gc.get_freeze_count() == 0


def test_the_data_alive_after_the_first_data_page_is_frozen_once(fresh_process: None) -> None:
    loaded = [{"code": f"61.{i:02d}"} for i in range(1_000)]  # dicts the collector tracks
    memory.note_data_loaded()
    memory.freeze_loaded_data()
    frozen = gc.get_freeze_count()
    assert frozen >= len(loaded)
    later = [{"code": str(i)} for i in range(1_000)]
    memory.freeze_loaded_data()  # every later run: nothing more is frozen
    assert gc.get_freeze_count() == frozen
    assert len(later) == len(loaded)
