"""Run one function in a worker process with a wall-time and a memory limit.

Reading an uploaded file is the one place where a stranger's bytes meet parsers (zlib,
XML, JSON, SQLite, GDAL) whose cost grows with what the bytes say, not with their size. So
:func:`run_bounded` runs the parse in a fresh worker process, forked from a server process
that has the parsing libraries loaded already (``forkserver``: about 10 ms a call, and no
thread of the web server is copied). The worker

- may use at most ``memory_mb`` MB of address space on top of what it holds at start
  (``RLIMIT_AS``, Linux): a bigger allocation raises ``MemoryError`` inside the worker;
- runs at a lower priority (``nice`` 10), so other users' pages keep their share of the CPU;
- is killed (``SIGKILL``) once ``seconds`` of wall time have passed, and cannot use more
  CPU time than that either (``RLIMIT_CPU``), even if the web server itself goes away.

At most :data:`geodata.settings.UPLOAD_WORKERS` workers run at once per server process; a
further call waits for a free one, at most ``seconds``. Neither the fork server nor a worker
imports the main module (under Streamlit that is the app script, which must not run again in
a worker): workers are started without it, and the fork server preloads only the function's
module. The result comes back pickled, with the worker's log
records (handled here, so ``--debug`` and the server log show them); whatever the function
raised comes back as a :class:`RuntimeError`. A limit reached is a
:class:`LimitExceededError`, never a crash of the caller. The worker's memory allocators are
switched to ones that reserve only what they use (Arrow's system pool, two glibc arenas), so
the address-space limit measures memory.
"""

from __future__ import annotations

import ctypes
import logging
import math
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from multiprocessing import spawn
from multiprocessing.connection import Connection
from multiprocessing.context import ForkServerContext, SpawnContext
from typing import Any, Final, Literal, TypeVar

from geodata.errors import ArgumentError
from geodata.settings import UPLOAD_WORKERS

try:
    import resource
except ImportError:  # Windows: no limits but time
    resource = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

T = TypeVar("T")
Limit = Literal["time", "memory", "crashed", "busy"]

_FORKSERVER: Final = "forkserver" in multiprocessing.get_all_start_methods()
_CONTEXT: Final[SpawnContext | ForkServerContext] = (
    multiprocessing.get_context("forkserver")
    if _FORKSERVER
    else multiprocessing.get_context("spawn")
)
_NICENESS: Final = 10
#: Name of the worker processes (their start-up data leaves the main module out).
_WORKER_NAME: Final = "geodata-bounded"
#: ``mallopt`` parameter of glibc: most malloc arenas.
_M_ARENA_MAX: Final = -8
_MB: Final = 1024 * 1024
_slots = threading.BoundedSemaphore(UPLOAD_WORKERS)
_preload_lock = threading.Lock()
_preloaded: set[str] = set()


class LimitExceededError(Exception):
    """The worker reached a limit and was stopped; nothing it did is kept.

    Attributes
    ----------
    limit
        ``{"time", "memory", "crashed", "busy"}``: too slow, too much memory, ended without
        an answer (exit code in ``exit_code``), or no worker free in time.
    allowed
        The limit: seconds for ``time`` and ``busy``, MB for ``memory`` and ``crashed``.
    used
        Seconds the worker ran (``time``), else None.
    exit_code
        The worker's exit code (negative: the signal) when it ``crashed``, else None.
    """

    def __init__(
        self,
        limit: Limit,
        allowed: float,
        *,
        used: float | None = None,
        exit_code: int | None = None,
    ) -> None:
        super().__init__(f"{limit} limit reached (allowed {allowed}, used {used})")
        self.limit: Limit = limit
        self.allowed = allowed
        self.used = used
        self.exit_code = exit_code


def run_bounded(
    function: Callable[..., T], /, *args: Any, seconds: float, memory_mb: int, **kwargs: Any
) -> T:
    """``function(*args, **kwargs)``, computed in a worker process within the limits.

    Parameters
    ----------
    function
        A module-level function (it is imported by name in the worker).
    seconds
        Wall-time limit, also the CPU-time limit and the longest wait for a free worker.
    memory_mb
        Most MB of address space the call may add to the worker's loaded libraries.

    Raises
    ------
    LimitExceededError
        If a limit was reached; the worker is gone when this is raised.
    RuntimeError
        If ``function`` raised (its type and message are in the text).
    """
    if seconds <= 0 or memory_mb <= 0:
        raise ArgumentError(f"`seconds` and `memory_mb` should be > 0, got {seconds}, {memory_mb}")
    _preload(function.__module__)
    if not _slots.acquire(timeout=seconds):
        raise LimitExceededError("busy", seconds)
    try:
        return _run(function, args, kwargs, seconds=seconds, memory_mb=memory_mb)
    finally:
        _slots.release()


def _preload(module: str) -> None:
    """Load ``module`` (and what it imports) once in the fork server, before it starts, so a
    worker does not import it again; never the main module."""
    with _preload_lock:
        if _FORKSERVER and module not in _preloaded:
            _preloaded.add(module)
            _CONTEXT.set_forkserver_preload(sorted(_preloaded))  # no effect once it runs


_stdlib_preparation = spawn.get_preparation_data


def _preparation_data(name: str) -> dict[str, Any]:
    """multiprocessing's start-up data of a new process, without the main module for ours.

    A new process rebuilds ``__main__`` from it; under ``streamlit run`` that is the app
    script, which a worker must not execute (it would run the whole app in bare mode).
    Other processes get the standard data.
    """
    data: dict[str, Any] = _stdlib_preparation(name)
    if name == _WORKER_NAME:
        data.pop("init_main_from_path", None)
        data.pop("init_main_from_name", None)
    return data


spawn.get_preparation_data = _preparation_data


def _run(
    function: Callable[..., T],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    *,
    seconds: float,
    memory_mb: int,
) -> T:
    receiver, sender = _CONTEXT.Pipe(duplex=False)
    worker = _CONTEXT.Process(
        target=_work,
        args=(sender, function, args, kwargs, memory_mb * _MB, seconds, _log_level()),
        name=_WORKER_NAME,
        daemon=True,
    )
    started = time.monotonic()
    worker.start()
    sender.close()
    try:
        if not receiver.poll(seconds):
            used = round(time.monotonic() - started, 1)
            log.warning("Stopped %s after %.1f s (limit %s s)", function.__name__, used, seconds)
            raise LimitExceededError("time", seconds, used=used)
        try:
            status, value, records = receiver.recv()
        except EOFError:
            worker.join()
            raise _ended(worker.exitcode, seconds=seconds, memory_mb=memory_mb) from None
    finally:
        if worker.is_alive():
            worker.kill()
        worker.join()
        receiver.close()
    for record in records:  # the worker's log, through this process's logging set-up
        logging.getLogger(record.name).handle(record)
    if status == "memory":
        raise LimitExceededError("memory", memory_mb)
    if status == "error":
        raise RuntimeError(f"{function.__name__} failed in the worker: {value}")
    result: T = value
    return result


def _ended(exit_code: int | None, *, seconds: float, memory_mb: int) -> LimitExceededError:
    """The limit a worker that ended without an answer most likely reached."""
    cpu_signal = getattr(signal, "SIGXCPU", None)
    if cpu_signal is not None and exit_code == -cpu_signal:
        return LimitExceededError("time", seconds, used=seconds)
    log.warning("The bounded worker ended without an answer (exit code %s)", exit_code)
    return LimitExceededError("crashed", memory_mb, exit_code=exit_code)


def _log_level() -> int:
    """The level from which this process logs records of ``geodata`` (and the root)."""
    root, package = logging.getLogger(), logging.getLogger("geodata")
    return min(root.getEffectiveLevel(), package.getEffectiveLevel())


class _Collect(logging.Handler):
    """Keeps the worker's log records, made picklable, to send them back with the result."""

    def __init__(self, level: int) -> None:
        super().__init__(level)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        record.msg, record.args = record.getMessage(), None
        if record.exc_info:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        self.records.append(record)


def _work(
    sender: Connection,
    function: Callable[..., object],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    memory_bytes: int,
    seconds: float,
    log_level: int,
) -> None:
    """In the worker: set the limits, call, send ``(status, value, log records)`` back."""
    collect = _Collect(log_level)
    root = logging.getLogger()
    root.handlers, root.level = [collect], log_level
    _limit_self(memory_bytes, seconds)
    try:
        outcome: tuple[str, object] = ("ok", function(*args, **kwargs))
    except MemoryError:
        outcome = ("memory", None)
    except BaseException as error:  # everything goes back to the caller as text
        outcome = ("error", f"{type(error).__name__}: {error}")
    try:
        sender.send((*outcome, collect.records))
    except MemoryError:  # the result itself was too big to send
        sender.send(("memory", None, []))
    finally:
        sender.close()


def _limit_self(memory_bytes: int, seconds: float) -> None:
    os.nice(_NICENESS)
    if resource is None:
        return
    _plain_allocators()
    cpu = math.ceil(seconds) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    limit = _address_space() + memory_bytes
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _plain_allocators() -> None:
    """Allocators that reserve only what they use, so the address-space limit measures
    memory: Arrow's default pool (behind pandas' text columns) reserves gigabytes up front,
    and glibc reserves 64 MB per thread arena; use the system pool and two arenas."""
    try:
        import pyarrow
    except ImportError:
        pass
    else:
        pyarrow.set_memory_pool(pyarrow.system_memory_pool())
    try:
        libc = ctypes.CDLL(None)
        libc.mallopt(_M_ARENA_MAX, 2)
    except (OSError, AttributeError):  # not glibc
        pass


def _address_space() -> int:
    """The bytes of address space this process holds now (0 where /proc is missing)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0
