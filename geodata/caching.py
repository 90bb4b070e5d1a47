"""A small process-wide cache shared by every session of the server.

Streamlit runs each session in its own thread; what is built once (a role's view of a data
version, a rendered base map) is kept here and handed to every session that asks with the
same key. The key must hold everything the value depends on, the access level included.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

__all__ = ["LruCache"]

T = TypeVar("T")


class LruCache(Generic[T]):
    """A lock-protected dict that forgets its least recently used entries past ``size``."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[Hashable, T] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, build: Callable[[], T]) -> T:
        """The value of ``key``, built by ``build()`` the first time (outside the lock, so a
        slow build does not hold up other sessions; two may build the same key at once, and
        both then get the value stored first)."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = build()
        with self._lock:
            if key in self._items:  # built meanwhile by another session: keep that one, so
                self._items.move_to_end(key)  # what one session holds is what is stored
                return self._items[key]
            self._items[key] = value
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._items.clear()
