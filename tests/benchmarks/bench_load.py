"""Load test: concurrent sessions of the running dashboard logging in and changing filters
(localhost only).

Run from the repository root::

    python tests/benchmarks/bench_load.py [--sessions 20] [--duration 120] [--max-reruns 40]
    python tests/benchmarks/bench_load.py --sessions 20 50 --targets floor one many \\
        --store postgis --duration 60

``--targets`` picks what is loaded, one after another with the same sessions: ``one`` (one
dashboard process), ``many`` (the many-users deployment: ``tools/serve.sh`` with
``--processes`` processes behind Caddy, sticky sessions, on free loopback ports; needs the
``caddy`` binary) and ``floor`` (a Streamlit page with a title, four metrics and one filter
widget, one process: what Streamlit itself costs under the same load). With more than one
target or session count it ends with a side-by-side table. ``--warm`` first runs the page
once on each process, so the figures leave out the one-time data load of a fresh process.

``--store`` says what the dashboard reads: ``none`` (the demo mode: the synthetic sample, no
login) or ``postgis``: a throw-away PostgreSQL + PostGIS server (``tools/postgres.sh``, on a
free loopback port, stopped and removed at the end) holding a new store, into which the
committed synthetic sample (``geodata/sample``) is imported as an office would (the intake's
preview, then the administrator's import), with an analyst and a planner for every five
sessions (password: ``KALBAR_BENCH_PASSWORD``, else a random one). Every dashboard process of
every target (``one``, and each process of ``many``) is pointed at that same store
(``KALBAR_DATABASE_URL``), and each session first logs in through the login form (session
``i`` as the ``i``-th of those users, in turn). The ``floor`` page has no login.

Not a test. It starts ``streamlit run dashboard/server.py`` itself on a free port of 127.0.0.1
(nothing else is ever contacted), then opens ``--sessions`` websocket clients that speak
Streamlit's own protocol (the protobuf messages of ``/_stcore/stream``, as the browser does,
without drawing anything). Sessions start one after another (``--ramp`` seconds apart); each
loads the page with a link holding a random filter (``?level=…&f_exploitation=…``), logs
in if there is a store (fills in and submits the form, as the browser does; the websocket
session holds the token from then on), then changes sidebar filters (exploitation, sex, age,
map level) with a short pause between reruns, until ``--duration`` seconds or
``--max-reruns`` reruns. Everything is bounded: every run waits at most ``--timeout``
seconds, and the servers are stopped at the end.

It prints the p50/p95/max page load time (connect to script finished), login time (form
submitted to the logged-in page finished), rerun time (widget change to script finished), the
errors (exceptions on the page, the app's "unexpected error" message, a refused login,
timeouts, dropped connections; target 0) and the server's memory (RSS of the Streamlit
processes) per added session: from the first session to the last of one run (which counts the
per-process caches filling as the sessions explore filters), and, in the closing table, from a
target's smallest run to each larger one (what one more session costs once they are full).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import secrets
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from dashboard import state  # noqa: E402
from geodata.config import CONFIG_ENV, DATABASE_URL_ENV  # noqa: E402
from geodata.i18n import t  # noqa: E402

HOST = "127.0.0.1"
#: Links a session may be opened with (filters mirrored in the URL by dashboard/state.py).
LINKS = (
    "",
    "level=kecamatan",
    "f_exploitation=labour",
    "f_exploitation=sexual&level=kecamatan",
    "f_ages=child&lang=en",
    "f_sexes=female&measure=victims",
)
#: Sidebar and map widgets a session changes, by key (dashboard/state.py), and their kind.
FILTER_WIDGETS = {
    "f_exploitation": "multiselect",
    "f_sexes": "multiselect",
    "f_ages": "multiselect",
    "level": "selectbox",
    "measure": "selectbox",
}
#: The login form's submit button, as :func:`_element_widget` names it.
LOGIN_SUBMIT = f"submit:{state.LOGIN_FORM}"
#: Texts the app shows when a page failed (counted as errors).
ERROR_TEXTS = {t("common.unexpected_error", "id"), t("common.unexpected_error", "en")}
#: Texts the app shows when a login was refused.
LOGIN_REFUSED = {t("auth.login_failed", "id"), t("auth.login_failed", "en")}
#: Sessions per analyst and planner account of the ``postgis`` store.
SESSIONS_PER_USER = 5


@dataclass
class Results:
    """What all sessions measured."""

    page_loads: list[float] = field(default_factory=list)
    reruns: list[float] = field(default_factory=list)
    logins: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    memory: list[tuple[int, int]] = field(default_factory=list)  # (sessions loaded, RSS bytes)


@dataclass
class Run:
    """One script run as seen by the client: widgets drawn and problems shown."""

    widgets: dict[str, Any] = field(default_factory=dict)  # user key -> element proto
    problems: list[str] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class BenchStore:
    """The throw-away store every dashboard process reads: its URL, users and password."""

    url: str
    users: tuple[str, ...]
    password: str


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def _rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def _element_widget(element: Any) -> tuple[str, Any] | None:
    kind = element.WhichOneof("type")
    if kind not in ("multiselect", "selectbox", "radio", "text_input", "button"):
        return None
    proto = getattr(element, kind)
    widget_id = getattr(proto, "id", "")
    if not widget_id:
        return None
    if kind == "button" and proto.is_form_submitter:
        return f"submit:{proto.form_id}", proto
    return widget_id.rsplit("-", 1)[-1], proto


async def _run_script(ws: Any, message: BackMsg, *, timeout: float) -> Run:
    """Send one rerun and read messages until the script finished (reruns included)."""
    await ws.send(message.SerializeToString())
    run = Run()
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"no script_finished within {timeout:.0f} s")
        forward = ForwardMsg()
        forward.ParseFromString(await asyncio.wait_for(ws.recv(), remaining))
        kind = forward.WhichOneof("type")
        if kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
            element = forward.delta.new_element
            if element.WhichOneof("type") == "exception":
                run.problems.append(f"exception: {element.exception.message[:120]}")
            elif element.WhichOneof("type") == "alert":
                run.alerts.append(element.alert.body)
                if element.alert.body in ERROR_TEXTS:
                    run.problems.append("the page showed the unexpected-error message")
            found = _element_widget(element)
            if found:
                key, proto = found
                run.widgets[key] = proto
        elif kind == "script_finished":
            status = ForwardMsg.ScriptFinishedStatus.Name(forward.script_finished)
            if status == "FINISHED_SUCCESSFULLY":
                return run
            if status != "FINISHED_EARLY_FOR_RERUN":
                run.problems.append(f"script finished with {status}")
                return run
            run.widgets.clear()  # the page of the run that follows counts, not this one's
            run.alerts.clear()


def _rerun(query: str, states: list[WidgetState] | None = None) -> BackMsg:
    message = BackMsg()
    message.rerun_script.query_string = query
    for widget in states or []:
        message.rerun_script.widget_states.widgets.append(widget)
    return message


def _change(widgets: dict[str, Any], rng: random.Random) -> WidgetState | None:
    """A new value for one of the filter widgets on the page."""
    present = [key for key in FILTER_WIDGETS if key in widgets]
    if not present:
        return None
    key = rng.choice(present)
    proto = widgets[key]
    options = list(proto.options)
    state = WidgetState(id=proto.id)
    if FILTER_WIDGETS[key] == "multiselect":
        chosen = rng.sample(options, k=rng.randint(0, min(2, len(options))))
        state.string_array_value.data.extend(chosen)
    elif options:
        state.string_value = rng.choice(options)
    return state


class LoginError(Exception):
    """The login form was missing or the login was refused."""


async def log_in(
    ws: Any, run: Run, query: str, username: str, password: str, *, timeout: float
) -> Run:
    """Fill in and submit the login form of ``run``'s page (dashboard/session.py); return
    the run of the logged-in page. Raises :class:`LoginError` when the form is not there or
    the page after it is still the form."""
    keys = (state.LOGIN_USERNAME, state.LOGIN_PASSWORD, LOGIN_SUBMIT)
    missing = [key for key in keys if key not in run.widgets]
    if missing:
        raise LoginError(f"expected the login form's widgets {list(keys)}, missing {missing}")
    states = [
        WidgetState(id=run.widgets[state.LOGIN_USERNAME].id, string_value=username),
        WidgetState(id=run.widgets[state.LOGIN_PASSWORD].id, string_value=password),
        WidgetState(id=run.widgets[LOGIN_SUBMIT].id, trigger_value=True),
    ]
    after = await _run_script(ws, _rerun(query, states), timeout=timeout)
    if LOGIN_REFUSED & set(after.alerts) or LOGIN_SUBMIT in after.widgets:
        raise LoginError(f"{username!r} was not logged in: the page still shows the login form")
    return after


async def session(
    number: int,
    args: argparse.Namespace,
    port: int,
    pid: int,
    results: Results,
    loaded: list[int],
    store: BenchStore | None,
) -> None:
    """One user: load the page, log in if there is a store, then change filters until time
    is up."""
    rng = random.Random(args.seed + number)
    query = rng.choice(LINKS)
    await asyncio.sleep(number * args.ramp)
    stop_at = time.monotonic() + args.duration - number * args.ramp
    try:
        async with websockets.connect(
            f"ws://{HOST}:{port}/_stcore/stream",
            subprotocols=["streamlit"],  # type: ignore[list-item]
            max_size=None,
            open_timeout=args.timeout,
        ) as ws:
            start = time.perf_counter()
            run = await _run_script(ws, _rerun(query), timeout=args.timeout)
            results.page_loads.append(time.perf_counter() - start)
            results.errors += [f"session {number} load: {p}" for p in run.problems]
            loaded[0] += 1
            results.memory.append((loaded[0], _streamlit_rss(pid)))
            if store is not None:
                username = store.users[number % len(store.users)]
                start = time.perf_counter()
                run = await log_in(ws, run, query, username, store.password, timeout=args.timeout)
                results.logins.append(time.perf_counter() - start)
                results.errors += [f"session {number} login: {p}" for p in run.problems]
            reruns = 0
            while time.monotonic() < stop_at and reruns < args.max_reruns:
                await asyncio.sleep(rng.uniform(0.5, 2.0))
                change = _change(run.widgets, rng)
                if change is None:
                    results.errors.append(f"session {number}: no filter widget on the page")
                    return
                start = time.perf_counter()
                run = await _run_script(ws, _rerun(query, [change]), timeout=args.timeout)
                results.reruns.append(time.perf_counter() - start)
                results.errors += [f"session {number} rerun: {p}" for p in run.problems]
                reruns += 1
    except (TimeoutError, OSError, LoginError, websockets.WebSocketException) as error:
        results.errors.append(f"session {number}: {type(error).__name__}: {error}")


FLOOR_APP = """import streamlit as st

st.title("Floor")
st.sidebar.multiselect("Eksploitasi", ["sexual", "labour", "other"], key="f_exploitation")
for column, label in zip(st.columns(4), ["Kasus", "Korban", "Jalur", "Shelter"]):
    column.metric(label, "1.234")
"""


def _wait_healthy(url: str, server: subprocess.Popen[bytes], log: Path, *, timeout: float) -> None:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with opener.open(f"{url}/_stcore/health", timeout=2):
                return
        except OSError:
            if server.poll() is not None:
                break
            time.sleep(0.5)
    _stop(server)
    raise RuntimeError(f"{url} did not answer /_stcore/health; see {log}")


def _app_env(work: Path, store: BenchStore | None) -> dict[str, str]:
    """The environment of every dashboard process: the store's URL, or none (the demo mode);
    never a local config file."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", CONFIG_ENV: str(work / "no-config.toml")}
    env.pop(DATABASE_URL_ENV, None)
    if store is not None:
        env[DATABASE_URL_ENV] = store.url
    return env


def _start_server(
    port: int, log: Path, *, env: dict[str, str], app: str = "dashboard/server.py"
) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        app,
        "--server.address",
        HOST,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        # No file watcher: an edit to a module while sessions run unloads it under them.
        "--server.fileWatcherType",
        "none",
    ]
    with log.open("wb") as handle:
        server = subprocess.Popen(
            command,
            cwd=ROOT,
            stdout=handle,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    _wait_healthy(f"http://{HOST}:{port}", server, log, timeout=60)
    return server


def _start_deployment(
    processes: int, work: Path, *, env: dict[str, str]
) -> tuple[subprocess.Popen[bytes], int, int]:
    """tools/serve.sh with ``processes`` processes and a plain-HTTP loopback site, every
    process given ``env`` (the store); (it, the proxy's port, the first process's port)."""
    if shutil.which("caddy") is None:
        raise RuntimeError("the 'many' target needs caddy: apt-get install -y caddy")
    first = _free_port()
    while any(_port_taken(port) for port in range(first, first + processes + 1)):
        first = _free_port()
    proxy_port = first + processes
    config = work / "Caddyfile"
    config.write_text(
        "{\n\tadmin off\n\tauto_https off\n}\n\n"
        f"http://{HOST}:{proxy_port} {{\n\tbind {HOST}\n"
        f"\timport {ROOT / 'deploy' / 'kalbar-app.caddy'}\n}}\n",
        encoding="utf-8",
    )
    log = work / "serve.log"
    with log.open("wb") as handle:
        server = subprocess.Popen(
            ["bash", str(ROOT / "tools" / "serve.sh"), "--processes", str(processes),
             "--first-port", str(first), "--caddyfile", str(config)],
            cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True, env=env,
        )  # fmt: skip
    _wait_healthy(f"http://{HOST}:{proxy_port}", server, log, timeout=180)
    return server, proxy_port, first


async def _warm_up(ports: list[int], store: BenchStore | None, *, timeout: float) -> None:
    """One page run on each process (logged in if there is a store: its data caches
    filled), before the sessions come."""
    for port in ports:
        async with websockets.connect(
            f"ws://{HOST}:{port}/_stcore/stream",
            subprotocols=["streamlit"],  # type: ignore[list-item]
            max_size=None,
            open_timeout=timeout,
        ) as ws:
            run = await _run_script(ws, _rerun(""), timeout=timeout)
            if store is not None:
                await log_in(ws, run, "", store.users[0], store.password, timeout=timeout)


def _port_taken(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind((HOST, port))
        except OSError:
            return True
        return False


def _stop(server: subprocess.Popen[bytes]) -> None:
    server.send_signal(signal.SIGTERM)  # serve.sh stops the processes it started
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)


def _descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (Linux /proc)."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            with contextlib.suppress(OSError):
                queue += [int(child) for child in (task / "children").read_text().split()]
    return found


def _streamlit_rss(pid: int) -> int:
    """RSS of every Streamlit process under ``pid`` (the proxy and the shell not counted)."""
    total = 0
    for child in _descendants(pid):
        with contextlib.suppress(OSError):
            if b"streamlit" in Path(f"/proc/{child}/cmdline").read_bytes():
                total += _rss_bytes(child)
    return total


def _percentiles(values: list[float]) -> str:
    if not values:
        return "–"
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return (
        f"n={len(values):4d}  p50 {statistics.median(values):6.2f} s  "
        f"p95 {p95:6.2f} s  max {ordered[-1]:6.2f} s"
    )


async def _measure(
    target: str, sessions: int, args: argparse.Namespace, store: BenchStore | None
) -> Results:
    """``sessions`` sessions against ``target`` (``one``, ``many`` or ``floor``), logged in to
    ``store`` (not on the floor page, which has no login)."""
    results = Results()
    work = Path(tempfile.mkdtemp(prefix=f"kalbar-load-{target}-"))
    env = _app_env(work, store)
    store = None if target == "floor" else store
    if target == "many":
        server, port, first = _start_deployment(args.processes, work, env=env)
        processes = list(range(first, first + args.processes))
    else:
        port = _free_port()
        app = "dashboard/server.py"
        if target == "floor":
            (work / "floor.py").write_text(FLOOR_APP, encoding="utf-8")
            app = str(work / "floor.py")
        server = _start_server(port, work / "streamlit.log", env=env, app=app)
        processes = [port]
    try:
        if args.warm:
            await _warm_up(processes, store, timeout=args.timeout * 3)
        idle = _streamlit_rss(server.pid)
        results.memory.append((0, idle))
        loaded = [0]
        await asyncio.wait_for(
            asyncio.gather(
                *(
                    session(i, args, port, server.pid, results, loaded, store)
                    for i in range(sessions)
                )
            ),
            timeout=args.duration + args.timeout + 30,
        )
        results.memory.append((loaded[0], _streamlit_rss(server.pid)))
    finally:
        _stop(server)
        print(f"server log: {work}")
    return results


@contextlib.contextmanager
def _postgis_store(sessions: int) -> Iterator[BenchStore]:
    """A throw-away PostGIS server holding a new store with the committed sample and an
    analyst and a planner per :data:`SESSIONS_PER_USER` sessions; stopped at the end."""
    from geodata.access import RoleStore, auth
    from geodata.records.intake import preview_import
    from geodata.store import open_store

    script = ROOT / "tools" / "postgres.sh"
    folder = Path(tempfile.mkdtemp(prefix="kalbar-load-pg-", dir="/tmp"))
    try:
        started = subprocess.run(
            ["bash", str(script), "start", str(folder)],
            capture_output=True, text=True, timeout=180, check=False,
        )  # fmt: skip
        if started.returncode != 0:
            raise RuntimeError(f"tools/postgres.sh start failed: {started.stderr.strip()}")
        url = shlex.split(started.stdout.strip().removeprefix("export "))[0].split("=", 1)[1]
        password = os.environ.get("KALBAR_BENCH_PASSWORD") or secrets.token_urlsafe(18)
        store = open_store(url)
        admin = auth.create_admin(store, username="bench-admin", password=password, by="bench")
        office = RoleStore(admin, store)
        for kind in ("crossings", "shelters", "cases"):
            existing = {"crossings": store.read("crossings")} if kind == "cases" else {}
            preview = preview_import(ROOT / "geodata" / "sample" / f"{kind}.csv", kind=kind,
                                     **existing)  # fmt: skip
            preview.raise_for_errors("en")
            office.import_batch(kind, preview.frame)
        users = []
        for number in range(1, -(-sessions // SESSIONS_PER_USER) + 1):
            for role in ("analyst", "planner"):
                user = auth.add_user(store, username=f"bench-{role}-{number:02d}",
                                     password=password, role=role, by=admin.username)  # fmt: skip
                users.append(user.username)
        print(f"store: PostGIS in {folder}, the sample imported, {len(users)} users")
        yield BenchStore(url=url, users=tuple(users), password=password)
    finally:
        subprocess.run(["bash", str(script), "stop", str(folder)], capture_output=True, check=False)


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] if values else 0.0


def _report(target: str, sessions: int, args: argparse.Namespace, results: Results) -> dict:
    """Print one run's figures; return its row of the side-by-side table."""
    print(f"\n== {target}: {sessions} sessions, {args.duration:.0f} s, ", end="")
    print(f"up to {args.max_reruns} reruns each")
    print(f"page load  {_percentiles(results.page_loads)}")
    if results.logins:
        print(f"login      {_percentiles(results.logins)}")
    print(f"rerun      {_percentiles(results.reruns)}")
    memory = sorted(results.memory)
    idle, first, last = memory[0][1], memory[1][1] if len(memory) > 1 else 0, memory[-1]
    print(
        f"server RSS idle {idle / 2**20:.0f} MiB, after 1 session {first / 2**20:.0f} MiB, "
        f"after {last[0]} sessions {last[1] / 2**20:.0f} MiB"
    )
    per_session = (last[1] - first) / (last[0] - 1) / 2**20 if last[0] > 1 else float("nan")
    print(f"memory per added session: {per_session:.1f} MiB")
    print(f"errors: {len(results.errors)}")
    for error in results.errors[:20]:
        print(f"  {error}")
    return {
        "target": target if target != "many" else f"many ({args.processes} processes)",
        "sessions": sessions,
        "p95 load s": _p95(results.page_loads),
        "p95 login s": _p95(results.logins) if results.logins else float("nan"),
        "p95 rerun s": _p95(results.reruns),
        "reruns": len(results.reruns),
        "errors": len(results.errors),
        "MiB/session": per_session,
        "RSS MiB": last[1] / 2**20,
    }


def _with_marginal_memory(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` with the memory each session beyond a target's smallest run added: the
    difference of the final RSS over the difference of sessions (caches that fill once per
    process and the first sessions' warm-up cancel out)."""
    out = []
    for row in rows:
        same = [r for r in rows if r["target"] == row["target"]]
        fewest = min(same, key=lambda r: r["sessions"])
        added = row["sessions"] - fewest["sessions"]
        marginal = (row["RSS MiB"] - fewest["RSS MiB"]) / added if added else float("nan")
        out.append(row | {"MiB/session beyond fewest": marginal})
    return out


def main(argv: list[str] | None = None) -> int:
    """Run the load test(s) and print the report; exit 1 if there were errors."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[20])
    parser.add_argument("--targets", nargs="+", choices=["one", "many", "floor"], default=["one"])
    parser.add_argument("--processes", type=int, default=2, help="processes of the 'many' target")
    parser.add_argument("--duration", type=float, default=120.0, help="seconds, all sessions")
    parser.add_argument("--max-reruns", type=int, default=40, help="per session")
    parser.add_argument("--ramp", type=float, default=1.0, help="seconds between session starts")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per script run")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--warm", action="store_true", help="one page run per process before the sessions"
    )
    parser.add_argument(
        "--store",
        choices=["none", "postgis"],
        default="none",
        help="none: the demo mode; postgis: a throw-away shared store, sessions log in",
    )
    args = parser.parse_args(argv)
    if not all(1 <= n <= 50 for n in args.sessions) or not 0 < args.duration <= 600:
        parser.error("keep it bounded: 1 to 50 sessions, at most 600 seconds")
    if not 1 <= args.processes <= 8:
        parser.error(f"--processes should be from 1 to 8, got {args.processes}")
    rows = []
    with contextlib.ExitStack() as stack:
        store = None
        if args.store == "postgis":
            store = stack.enter_context(_postgis_store(max(args.sessions)))
        for sessions in args.sessions:
            for target in args.targets:
                results = asyncio.run(_measure(target, sessions, args, store))
                rows.append(_report(target, sessions, args, results))
    rows = _with_marginal_memory(rows)
    if len(rows) > 1:
        print("\n| " + " | ".join(rows[0]) + " |\n|" + "---|" * len(rows[0]))
        for row in rows:
            cells = (f"{v:.2f}" if isinstance(v, float) else str(v) for v in row.values())
            print("| " + " | ".join(cells) + " |")
    return 1 if any(row["errors"] for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
