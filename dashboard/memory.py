"""Keep the process's long-lived data out of the garbage collector's way.

Python's cyclic collector walks every tracked object in its oldest generation from time to
time. In a dashboard process that is hundreds of thousands of objects (boundaries, the
gazetteer, the role's view of the store, rendered maps) which live as long as the process:
under load each full collection stopped every session's page run for up to a third of a
second (``tests/benchmarks/bench_load.py``, 20 sessions). Once a page has drawn data, the
end of that run calls :func:`freeze_loaded_data`, which moves everything alive then into the
collector's permanent generation (:func:`gc.freeze`), so later collections only walk what
was made since. Reference counting still frees frozen objects; only a reference cycle among
them that becomes garbage later is kept, and this happens once per process.
"""

from __future__ import annotations

import gc
import threading

_lock = threading.Lock()
_loaded = False
_frozen = False


def note_data_loaded() -> None:
    """A page has the process's data (its view of the store or the demo) in hand."""
    global _loaded
    _loaded = True


def freeze_loaded_data() -> None:
    """At the end of a page run: once per process, when data has been loaded, collect and
    then freeze every object alive."""
    global _frozen
    if _frozen or not _loaded:
        return
    with _lock:
        if not _frozen:
            gc.collect()
            gc.freeze()
            _frozen = True
