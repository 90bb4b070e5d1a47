"""Keep the dashboard process's long-lived objects out of the garbage collector's way.

Python's cyclic collector walks every tracked object of its oldest generation from time to
time. In a dashboard process most of them belong to the modules of the app and of its
libraries (Streamlit, pandas, GeoPandas, Folium, ...: about 250,000 objects), alive as long
as the process: under 20 sessions each full collection stopped every session's page run for
up to a third of a second (``tests/benchmarks/bench_load.py``). :func:`freeze_app_modules`,
run by ``dashboard/server.py`` when the server starts, imports the modules of ``geodata``
and ``layers`` (and with them the libraries) and moves everything alive then into the
collector's permanent generation (:func:`gc.freeze`), so later collections walk only what
was made since. No session and no data exist yet, so no user's data is ever frozen;
reference counting still frees frozen objects as usual. ``dashboard``'s own modules are left
to the first session: a Streamlit component declared outside a session's run is never
registered with the server (streamlit-folium's map would not load); importing the two
packages frozen imports no Streamlit (``tests/test_memory.py`` checks it).
"""

from __future__ import annotations

import gc
import importlib
import pkgutil
from collections.abc import Iterator
from typing import Final

#: Packages whose modules the pages import, and which never import Streamlit.
PACKAGES: Final = ("geodata", "layers")
#: Never imported by the app: the build (run, never imported: ``pyproject.toml``).
LEFT_OUT: Final = ("geodata.build",)


def app_modules() -> list[str]:
    """The modules of :data:`PACKAGES`, without :data:`LEFT_OUT` and the commands."""
    return [name for package in PACKAGES for name in _modules(package)]


def _modules(package: str) -> Iterator[str]:
    for info in pkgutil.iter_modules(importlib.import_module(package).__path__):
        name = f"{package}.{info.name}"
        if name in LEFT_OUT or info.name == "__main__":
            continue
        yield name
        if info.ispkg:
            yield from _modules(name)


def freeze_app_modules() -> int:
    """Import :func:`app_modules`, collect, and freeze every object alive; how many are
    frozen. Call once, before the server accepts a session."""
    for name in app_modules():
        importlib.import_module(name)
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
