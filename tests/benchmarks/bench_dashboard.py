"""Benchmark of the Peta page: time to map drawn, rerun time and payload, beside explore().

Run from the repository root (needs ``/usr/bin/chromium``; nothing leaves localhost)::

    . .venv/bin/activate
    python tests/benchmarks/bench_dashboard.py            # about 3-5 minutes
    python tests/benchmarks/bench_dashboard.py --quick    # demo data only, no explore() at 100k
    python tests/benchmarks/bench_dashboard.py --profile  # also cProfile the 100k map build

Not a test: pytest does not collect it (no ``test_`` names) and nothing is asserted. It
starts ``streamlit run dashboard/app.py`` itself on free ports of 127.0.0.1 (once on the
committed demo data, once on ``--cases`` synthetic cases written by ``geodata.synthetic`` to
a temporary folder and named by ``KALBAR_DATA_DIR``) and drives Debian's Chromium headless
with Playwright. It measures, per dataset:

time to map drawn
    From ``page.goto`` until the map iframe holds the boundary polygons, every crossing
    icon and at least one case cluster, and two animation frames have passed (so it was
    painted). *Cold* is the first load after the server started (the server loads and
    validates the data then); *warm* the median of later loads, each in a new browser
    context (a new visitor: no browser cache, server caches warm).
payload
    Bytes the browser received for one warm load: every HTTP response body (page, Streamlit's
    frontend, the map iframe, Leaflet from ``dashboard/static/node_modules``; decoded size,
    and the transferred size) plus every websocket frame (Streamlit's messages, which carry
    the map's script as the component's arguments). Also, computed in-process, the size of
    the map's HTML/script that ``st_folium`` sends.
rerun
    After a filter change (adding a kind of exploitation in the sidebar multiselect):
    *server* is the time from the browser sending ``rerun_script`` to Streamlit's
    ``script_finished`` message, read from the websocket (protobuf); *metrics* the time
    from the click to the headline count showing the new number; *map* to the map holding
    the new number of case markers. *In-process* times the page script's own layer calls
    with the data loaded (as the caches hold it): ``filter_cases``, ``count_by_unit``,
    ``case_points``, ``overview_map`` and the rendering ``st_folium`` does.

Side by side, the same layers drawn as a notebook user would: ``GeoDataFrame.explore()`` per
layer (kabupaten choropleth of cases, kecamatan, Sarawak, border, crossings, shelters, case
points; full-resolution boundaries, default tooltips of every column, no base map like our
page: ``tiles=None``), each adding to one map with ``m=...``, saved as one HTML and served by
a localhost ``http.server``. explore()
links Leaflet and friends from CDNs, which this machine cannot reach: Playwright answers those
requests itself, with the local npm copy where the project has one (Leaflet, jQuery) and an
empty file otherwise (Bootstrap, Font Awesome, glyphicons, awesome-markers, d3); the
``cdn_stubbed`` list in the results names them, and their bytes are *not* counted, so
explore's payload is understated. The choropleth's legend is left out (``legend=False``): it
needs d3, and without it the legend's script would stop every later layer from drawing. The
ratios compare with our page at level=kecamatan, which draws the same layers.

Targets from the issue (reported, not asserted): rerun under 300 ms on demo data; at 100,000
cases a payload of at most 6 MB and a map drawn within 5 s. Numbers print as a table and go to
``tests/artifacts/bench_dashboard.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import functools
import http.server
import io
import json
import os
import platform
import pstats
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import zlib
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

ARTIFACTS = ROOT / "tests" / "artifacts"
APP = ROOT / "dashboard" / "app.py"
NODE_MODULES = ROOT / "dashboard" / "static" / "node_modules"
CHROMIUM = "/usr/bin/chromium"
#: The browser tests' flags (tests/browser/conftest.py): headless, nothing phones home.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})
TARGETS = {"rerun_ms": 300, "payload_100k_mb": 6.0, "map_drawn_100k_s": 5.0}
#: The exploitation kinds added one after another in the rerun measurement.
EXPLOITATION_STEPS = ("sexual", "labour", "other", "forced_marriage")

#: True once the map in this document has its polygons, crossing icons and case clusters.
JS_OURS_DRAWN = """({polygons, icons}) =>
    typeof L !== "undefined"
    && document.querySelectorAll("path.leaflet-interactive").length >= polygons
    && document.querySelectorAll(".leaflet-marker-icon").length >= icons"""
#: True once the explore() page has drawn every feature (polygons, lines and circles).
JS_EXPLORE_DRAWN = """(paths) =>
    typeof L !== "undefined"
    && document.querySelectorAll("path.leaflet-interactive").length >= paths"""
#: Resolves after two animation frames: what was drawn has been painted.
JS_PAINTED = "() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))"
#: Number of case markers in the map's marker-cluster layer.
JS_CASE_MARKERS = """() => {
    const map = Object.values(window).find((v) => v instanceof L.Map);
    let count = -1;
    map.eachLayer((layer) => {
        if (L.MarkerClusterGroup && layer instanceof L.MarkerClusterGroup) {
            count = layer.getLayers().length;
        }
    });
    return count;
}"""


# --- Servers --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def streamlit_server(
    data_dir: Path | None, log: Path, *, timeout_s: float = 120, app: Path = APP
) -> Iterator[str]:
    """``streamlit run app`` (the dashboard by default) on a free localhost port; yield its
    URL, then stop it.

    ``data_dir`` becomes ``KALBAR_DATA_DIR``; ``None`` serves the committed demo data.
    """
    from geodata.settings import DATA_DIR_ENV

    env = {k: v for k, v in os.environ.items() if k != DATA_DIR_ENV}
    if data_dir is not None:
        env[DATA_DIR_ENV] = str(data_dir)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [
        sys.executable, "-m", "streamlit", "run", str(app),
        "--server.address", "127.0.0.1", "--server.port", str(port),
        "--server.headless", "true", "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    with log.open("wb") as out:
        server = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        deadline = time.monotonic() + timeout_s
        while True:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not start; see {log}")
            with (
                contextlib.suppress(urllib.error.URLError, ConnectionError, TimeoutError),
                opener.open(f"{url}/_stcore/health", timeout=2) as response,
            ):
                if response.status == 200:
                    break
            time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=15)


@contextlib.contextmanager
def file_server(folder: Path) -> Iterator[str]:
    """Serve ``folder`` on a free localhost port (for the explore() page)."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


# --- What the browser received --------------------------------------------------------------


@dataclass
class Traffic:
    """Responses and websocket frames of one browser context, with times."""

    responses: list[Any] = field(default_factory=list)
    ws_received: list[tuple[float, bytes]] = field(default_factory=list)
    ws_sent: list[tuple[float, bytes]] = field(default_factory=list)
    external: list[str] = field(default_factory=list)
    #: Folder served at the page's root, to read bodies Chromium did not keep.
    served_from: Path | None = None

    def attach(self, context: Any, page: Any) -> None:
        context.on("response", lambda response: self.responses.append(response))
        context.on("request", self._on_request)
        page.on("websocket", self._on_websocket)

    def _on_request(self, request: Any) -> None:
        parts = urlsplit(request.url)
        local = parts.scheme in {"data", "blob", "about"} or parts.hostname in LOCAL_HOSTS
        if not local:
            self.external.append(request.url)

    def _on_websocket(self, ws: Any) -> None:
        ws.on("framereceived", lambda p: self.ws_received.append((time.perf_counter(), _b(p))))
        ws.on("framesent", lambda p: self.ws_sent.append((time.perf_counter(), _b(p))))

    def http_bytes(self) -> dict[str, int]:
        """Body bytes per part of the page; as transferred; and as gzip would send them.

        ``deflated`` compresses every body (and, in :meth:`ws_bytes`, every frame) with
        zlib level 6: an estimate of the transfer with HTTP gzip (a proxy) and Streamlit's
        ``server.enableWebsocketCompression``, neither of which is on here.
        """
        parts = {
            "streamlit_frontend": 0,
            "map_iframe": 0,
            "other": 0,
            "transferred": 0,
            "deflated": 0,
        }
        for response in self.responses:
            body = _body(response)
            if body is None and self.served_from is not None:
                local = self.served_from / urlsplit(response.url).path.lstrip("/")
                body = local.read_bytes() if local.is_file() else None
            transferred = _transferred(response)
            size = len(body) if body is not None else transferred
            path = urlsplit(response.url).path
            if path.startswith(("/component/", "/app/static/")):
                parts["map_iframe"] += size
            elif path.startswith(("/static/", "/_stcore/")) or path in {"/", ""}:
                parts["streamlit_frontend"] += size
            else:
                parts["other"] += size
            parts["transferred"] += transferred
            parts["deflated"] += len(zlib.compress(body, 6)) if body is not None else size
        return parts

    def ws_bytes(self) -> tuple[int, int]:
        """Websocket bytes received, and deflated (estimate, see :meth:`http_bytes`)."""
        frames = [payload for _, payload in self.ws_received]
        return sum(map(len, frames)), sum(len(zlib.compress(frame, 6)) for frame in frames)

    def largest_frame_at(self) -> float:
        """When the largest websocket frame (the one carrying the map) arrived."""
        return max(self.ws_received, key=lambda item: len(item[1]))[0]


def _body(response: Any) -> bytes | None:
    """The response body, or None (Chromium drops very large bodies from its cache)."""
    try:
        return bytes(response.body())
    except Exception:
        return None


def _transferred(response: Any) -> int:
    with contextlib.suppress(Exception):
        size = int(response.request.sizes()["responseBodySize"])
        if size > 0:
            return size
    return int(response.headers.get("content-length", 0) or 0)


def _b(payload: str | bytes) -> bytes:
    return payload if isinstance(payload, bytes) else payload.encode("utf-8")


def _message_type(payload: bytes, *, forward: bool) -> str | None:
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    message = ForwardMsg() if forward else BackMsg()
    try:
        message.ParseFromString(payload)
    except Exception:
        return None
    return message.WhichOneof("type")


# --- Our page in the browser ------------------------------------------------------------------


def _map_frame(page: Any, timeout_ms: float) -> Any:
    """The map iframe's frame, or None while a rerun replaces the iframe."""
    iframe = page.locator(MAP_IFRAME).filter(visible=True).first
    iframe.wait_for(state="visible", timeout=timeout_ms)
    return iframe.element_handle(timeout=timeout_ms).content_frame()


def wait_in_map(page: Any, script: str, arg: Any = None, *, timeout_s: float = 120) -> Any:
    """Wait until ``script(arg)`` is truthy in the map's iframe (which a rerun may replace)."""
    from playwright.sync_api import Error

    deadline = time.monotonic() + timeout_s
    while True:
        remaining = (deadline - time.monotonic()) * 1000
        if remaining <= 0:
            raise TimeoutError(f"the map never satisfied {script[:60]!r}")
        try:
            frame = _map_frame(page, remaining)
            if frame is None:
                page.wait_for_timeout(50)
                continue
            value = frame.wait_for_function(script, arg=arg, timeout=remaining, polling="raf")
            result = value.json_value()
            frame.evaluate(JS_PAINTED)
            return result
        except Error as error:
            if "Timeout" in str(error):
                raise
            # The iframe was replaced during a rerun: look again.


@dataclass
class Load:
    """One page load: time to map drawn and what the browser received."""

    map_drawn_s: float
    http: dict[str, int]
    websocket_bytes: int
    requests: int
    external_requests: list[str]
    websocket_deflated: int = 0
    map_message_at_s: float | None = None

    @property
    def payload_bytes(self) -> int:
        sizes = (v for k, v in self.http.items() if k not in {"transferred", "deflated"})
        return sum(sizes) + self.websocket_bytes

    @property
    def deflated_bytes(self) -> int:
        return self.http["deflated"] + self.websocket_deflated


def load_ours(browser: Any, url: str, *, polygons: int, icons: int, timeout_s: float = 120) -> Load:
    """Open the dashboard in a new context; time until the map is drawn; count the bytes."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="id-ID")
    page = context.new_page()
    traffic = Traffic()
    traffic.attach(context, page)
    try:
        start = time.perf_counter()
        page.goto(url, wait_until="commit")
        wait_in_map(
            page, JS_OURS_DRAWN, {"polygons": polygons, "icons": icons}, timeout_s=timeout_s
        )
        drawn = time.perf_counter() - start
        page.wait_for_load_state("networkidle", timeout=timeout_s * 1000)
        ws, ws_deflated = traffic.ws_bytes()
        return Load(
            map_drawn_s=drawn,
            http=traffic.http_bytes(),
            websocket_bytes=ws,
            websocket_deflated=ws_deflated,
            requests=len(traffic.responses),
            external_requests=sorted(set(traffic.external)),
            map_message_at_s=traffic.largest_frame_at() - start,
        )
    finally:
        context.close()


@dataclass
class Rerun:
    """One filter change: server script time and what the user waited for."""

    change: str
    server_ms: float
    reruns: int
    metrics_ms: float
    map_ms: float


def measure_reruns(
    browser: Any, url: str, expected: dict[str, tuple[str, int]], *, icons: int, rounds: int
) -> list[Rerun]:
    """Add the exploitation kinds one by one; time each rerun (``expected``: metric, markers)."""
    from playwright.sync_api import expect

    from geodata.i18n import t

    results = []
    for _ in range(rounds):
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="id-ID")
        page = context.new_page()
        traffic = Traffic()
        traffic.attach(context, page)
        try:
            page.goto(url, wait_until="commit")
            wait_in_map(page, JS_OURS_DRAWN, {"polygons": 10, "icons": icons})
            page.wait_for_load_state("networkidle")
            metric = page.get_by_test_id("stMetric").first.get_by_test_id("stMetricValue")
            chosen: list[str] = []
            for kind in EXPLOITATION_STEPS:
                chosen.append(kind)
                text, markers = expected[",".join(sorted(chosen))]
                page.locator(".st-key-f_exploitation").get_by_role("combobox").click()
                option = page.get_by_role("option", name=t(f"exploitation.{kind}", "id"))
                sent_before = len(traffic.ws_sent)
                received_before = len(traffic.ws_received)
                clicked = time.perf_counter()
                option.click()
                expect(metric).to_have_text(text, timeout=120_000)
                metrics_at = time.perf_counter()
                wait_in_map(page, f"() => ({JS_CASE_MARKERS})() === {markers}")
                map_at = time.perf_counter()
                page.keyboard.press("Escape")
                server = _settle(page, traffic, sent_before, received_before)
                results.append(
                    Rerun(
                        change="+" + kind,
                        server_ms=server[0] * 1000 if server else float("nan"),
                        reruns=len(server),
                        metrics_ms=(metrics_at - clicked) * 1000,
                        map_ms=(map_at - clicked) * 1000,
                    )
                )
        finally:
            context.close()
    return results


def _settle(
    page: Any, traffic: Traffic, sent_from: int, received_from: int, *, timeout_s: float = 120
) -> list[float]:
    """Wait until every rerun the change caused has finished; return their server times."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        page.wait_for_timeout(200)
        reruns = sum(
            _message_type(payload, forward=False) == "rerun_script"
            for _, payload in traffic.ws_sent[sent_from:]
        )
        times = _server_times(traffic, sent_from, received_from)
        last = traffic.ws_received[-1][0] if traffic.ws_received else 0.0
        quiet = time.perf_counter() - last > 0.5
        if reruns and len(times) == reruns and quiet:
            return times
    return _server_times(traffic, sent_from, received_from)


def _server_times(traffic: Traffic, sent_from: int, received_from: int) -> list[float]:
    """Seconds from each ``rerun_script`` sent to the next ``script_finished`` received."""
    times = []
    finished = [
        at
        for at, payload in traffic.ws_received[received_from:]
        if _message_type(payload, forward=True) == "script_finished"
    ]
    for at, payload in traffic.ws_sent[sent_from:]:
        if _message_type(payload, forward=False) == "rerun_script":
            after = [f for f in finished if f >= at]
            if after:
                times.append(after[0] - at)
    return times


# --- In-process -------------------------------------------------------------------------------


@dataclass
class Data:
    """A dataset as the page holds it in its caches, and the reference layers."""

    dataset: Any
    cases: Any
    gazetteer: Any
    web: dict[str, Any]
    load_s: float

    @classmethod
    def load(cls, folder: Path | None) -> Data:
        from geodata import reference
        from geodata.records.cases import destination_label, locate_cases
        from geodata.records.datasets import load_dataset, load_sample

        start = time.perf_counter()
        dataset = load_dataset(folder) if folder else load_sample()
        cases = locate_cases(dataset.cases, reference.load_units("desa"))
        cases["destination"] = destination_label(cases)
        web = {name: reference.load_web_layer(name) for name in ("kabupaten", "kecamatan")}
        web |= {name: reference.load_web_layer(name) for name in ("sarawak", "border")}
        return cls(dataset, cases, reference.load_gazetteer(), web, time.perf_counter() - start)

    def expected(self) -> dict[str, tuple[str, int]]:
        """Headline count (formatted) and case markers after each step of the rerun run."""
        from geodata.i18n import format_number
        from geodata.records.cases import CaseFilter, case_points, filter_cases

        result = {}
        for n in range(1, len(EXPLOITATION_STEPS) + 1):
            kinds = frozenset(EXPLOITATION_STEPS[:n])
            filtered = filter_cases(self.cases, CaseFilter(exploitation=kinds))
            markers = len(case_points(filtered, self.gazetteer))
            result[",".join(sorted(kinds))] = (format_number(len(filtered), "id"), markers)
        return result

    def map_objects(self) -> int:
        """Icons the map must show: every crossing and at least one cluster."""
        return len(self.dataset.crossings) + 1

    def case_points(self) -> int:
        """Cases drawn as points with no filter."""
        from geodata.records.cases import CaseFilter, case_points, filter_cases

        return len(case_points(filter_cases(self.cases, CaseFilter()), self.gazetteer))


def render_like_st_folium(m: Any, *, render: bool = False) -> int:
    """Do the rendering ``st_folium(m, render=...)`` does before sending the map.

    Returns the bytes it sends (script, header and HTML). The page passes ``render=False``
    (``True``, streamlit-folium's default, renders the whole figure twice more and sends the
    same text).
    """
    import streamlit_folium as sf

    if render:
        m.render()
        m.get_root().render()
    m.render()
    html = sf._get_html(m)
    header = sf._get_header(m)
    script = sf._get_map_string(m)
    return sum(len(part.encode("utf-8")) for part in (script, header, html))


def page_steps(
    data: Data,
    *,
    level: str = "kabupaten",
    exploitation: frozenset[str] = frozenset(),
    render: bool = False,
) -> tuple[dict[str, float], int]:
    """The page script's layer calls for one rerun, each timed: {step: seconds}, bytes."""
    from geodata.records.cases import CaseFilter, case_points, count_by_unit, filter_cases
    from layers.overview import MapData, MapOptions, overview_map

    times: dict[str, float] = {}

    def timed(name: str, call: Callable[[], Any]) -> Any:
        start = time.perf_counter()
        value = call()
        times[name] = time.perf_counter() - start
        return value

    filtered = timed(
        "filter_cases", lambda: filter_cases(data.cases, CaseFilter(exploitation=exploitation))
    )
    units = timed("count_by_unit", lambda: count_by_unit(filtered, data.web[level], level=level))
    points = timed("case_points", lambda: case_points(filtered, data.gazetteer))
    m = timed(
        "overview_map",
        lambda: overview_map(
            MapData(
                units=units,
                kabupaten=data.web["kabupaten"],
                sarawak=data.web["sarawak"],
                border=data.web["border"],
                crossings=data.dataset.crossings,
                shelters=data.dataset.shelters,
                case_points=points,
                synthetic=data.dataset.synthetic,
            ),
            MapOptions(level=level),  # type: ignore[arg-type]
            lang="id",
        ),
    )
    name = "st_folium_render" + ("(render=True)" if render else "")
    size = timed(name, lambda: render_like_st_folium(m, render=render))
    return times, size


def in_process(data: Data, *, repeat: int) -> dict[str, Any]:
    """Median time of each step over ``repeat`` reruns (after one warm-up), and map bytes.

    The reruns go through the same filters as the browser's rerun measurement.
    """
    page_steps(data)  # warm-up: imports, Jinja templates
    samples: dict[str, list[float]] = {}
    for i in range(repeat):
        kinds = frozenset(EXPLOITATION_STEPS[: 1 + i % len(EXPLOITATION_STEPS)])
        times, _ = page_steps(data, exploitation=kinds)
        for name, value in times.items():
            samples.setdefault(name, []).append(value * 1000)
    medians = {name: statistics.median(values) for name, values in samples.items()}
    medians["total"] = sum(medians.values())
    before = [page_steps(data, render=True)[0] for _ in range(max(1, repeat // 2))]
    medians["st_folium_render(render=True)"] = statistics.median(
        times["st_folium_render(render=True)"] * 1000 for times in before
    )
    _, size = page_steps(data)
    _, size_kecamatan = page_steps(data, level="kecamatan")
    return {
        "median_ms": {k: round(v, 1) for k, v in medians.items()},
        "map_payload_bytes": size,
        "map_payload_kecamatan_bytes": size_kecamatan,
    }


def apptest_reruns(folder: Path | None, *, rounds: int) -> list[float]:
    """The whole page script per filter change, in-process (AppTest: no browser, no socket).

    Milliseconds per rerun, the same exploitation steps as :func:`measure_reruns`.
    """
    import logging

    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from geodata.settings import DATA_DIR_ENV

    saved = os.environ.pop(DATA_DIR_ENV, None)
    if folder is not None:
        os.environ[DATA_DIR_ENV] = str(folder)
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    st.cache_resource.clear()
    st.cache_data.clear()
    times = []
    try:
        for _ in range(rounds):
            at = AppTest.from_file(str(APP), default_timeout=300)
            at.run()
            chosen: list[str] = []
            for kind in EXPLOITATION_STEPS:
                chosen.append(kind)
                at.multiselect(key="f_exploitation").set_value(list(chosen))
                start = time.perf_counter()
                at.run()
                times.append((time.perf_counter() - start) * 1000)
                if at.exception:
                    raise RuntimeError(f"the page raised: {at.exception[0].message}")
    finally:
        os.environ.pop(DATA_DIR_ENV, None)
        if saved is not None:
            os.environ[DATA_DIR_ENV] = saved
        st.cache_resource.clear()
        st.cache_data.clear()
    return times


def point_payload(data: Data) -> dict[str, int]:
    """Evidence for the size of the case layer: the points as sent, and smaller encodings."""
    from geodata.records.cases import CaseFilter, case_points, filter_cases

    points = case_points(filter_cases(data.cases, CaseFilter()), data.gazetteer)
    lat, lon = points.geometry.y.round(5).tolist(), points.geometry.x.round(5).tolist()
    ids = points["case_id"].tolist()
    located = list(zip(lat, lon, strict=True))
    counts: dict[tuple[float, float], int] = {}
    for place in located:
        counts[place] = counts.get(place, 0) + 1
    return {
        "points": len(located),
        "distinct_places": len(counts),
        "rows_with_ids_json_bytes": len(
            json.dumps([[y, x, [i]] for (y, x), i in zip(located, ids, strict=True)])
        ),
        "rows_without_ids_json_bytes": len(json.dumps(located)),
        "distinct_places_with_counts_json_bytes": len(
            json.dumps([[y, x, n] for (y, x), n in counts.items()])
        ),
    }


def profile_map(data: Data, out: Path, *, top: int = 25) -> str:
    """cProfile of one overview_map + st_folium render; the top functions by cumulative time."""
    profiler = cProfile.Profile()
    profiler.enable()
    page_steps(data)
    profiler.disable()
    profiler.dump_stats(out)
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(top)
    return text.getvalue()


# --- explore() ---------------------------------------------------------------------------------


def explore_html(data: Data, out: Path) -> tuple[float, int]:
    """The layers drawn with GeoDataFrame.explore(), saved as one HTML; (seconds, paths)."""
    import folium

    from geodata import reference
    from geodata.records.cases import CaseFilter, case_points, count_by_unit, filter_cases

    start = time.perf_counter()
    filtered = filter_cases(data.cases, CaseFilter())
    points = case_points(filtered, data.gazetteer)
    kabupaten = count_by_unit(filtered, reference.load_units("kabupaten"), level="kabupaten")
    kecamatan = reference.load_units("kecamatan")
    sarawak, border = reference.load_sarawak(), reference.load_border()
    m = kabupaten.explore(
        column="cases",
        scheme="quantiles",
        k=5,
        cmap="YlOrRd",
        legend=False,
        tiles=None,
        name="kabupaten",
    )
    kecamatan.explore(m=m, name="kecamatan", style_kwds={"fill": False})
    sarawak.explore(m=m, name="sarawak", color="#e6e1d3")
    border.explore(m=m, name="border", color="#7b3294")
    data.dataset.crossings.explore(m=m, name="crossings", color="#2c7bb6")
    data.dataset.shelters.explore(m=m, name="shelters", color="#fdae61")
    points.explore(m=m, name="cases", color="#d7191c")
    folium.LayerControl().add_to(m)
    m.save(out)
    seconds = time.perf_counter() - start
    paths = (
        sum(len(frame) for frame in (kabupaten, kecamatan, sarawak, border))
        + len(data.dataset.crossings)
        + len(data.dataset.shelters)
        + len(points)
    )
    return seconds, paths


#: Local copies for CDN files explore() links (by the file name at the end of the URL).
LOCAL_COPIES = {
    "leaflet.js": NODE_MODULES / "leaflet/dist/leaflet.js",
    "leaflet.css": NODE_MODULES / "leaflet/dist/leaflet.css",
    "jquery-3.7.1.min.js": NODE_MODULES / "jquery/dist/jquery.min.js",
}


def load_explore(
    browser: Any, url: str, *, paths: int, timeout_s: float, served_from: Path
) -> tuple[Load, list[str]]:
    """Open the explore() page; CDN requests are answered locally (see the module docstring)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    stubbed: list[str] = []

    def answer_cdn(route: Any) -> None:
        name = urlsplit(route.request.url).path.rsplit("/", 1)[-1]
        local = LOCAL_COPIES.get(name)
        if local is not None and local.exists():
            route.fulfill(status=200, body=local.read_bytes(), content_type=_mime(name))
        else:
            stubbed.append(route.request.url)
            route.fulfill(status=200, body=b"", content_type=_mime(name))

    context.route(
        lambda u: urlsplit(u).hostname not in LOCAL_HOSTS and u.startswith("http"), answer_cdn
    )
    page = context.new_page()
    traffic = Traffic(served_from=served_from)
    traffic.attach(context, page)
    try:
        start = time.perf_counter()
        page.goto(url, wait_until="commit", timeout=timeout_s * 1000)
        page.wait_for_function(JS_EXPLORE_DRAWN, arg=paths, timeout=timeout_s * 1000, polling=200)
        page.evaluate(JS_PAINTED)
        drawn = time.perf_counter() - start
        page.wait_for_load_state("networkidle", timeout=timeout_s * 1000)
        parts = traffic.http_bytes()
        http = {
            "explore_page": parts["other"] + parts["streamlit_frontend"] + parts["map_iframe"],
            "transferred": parts["transferred"],
            "deflated": parts["deflated"],
        }
        return (
            Load(
                map_drawn_s=drawn,
                http=http,
                websocket_bytes=0,
                requests=len(traffic.responses),
                external_requests=[],  # answered by Playwright, never sent
            ),
            sorted({urlsplit(url).path.rsplit("/", 1)[-1] for url in stubbed}),
        )
    finally:
        context.close()


def _mime(name: str) -> str:
    return "text/css" if name.endswith(".css") else "application/javascript"


# --- The run ----------------------------------------------------------------------------------


def bench_dataset(
    browser: Any,
    label: str,
    folder: Path | None,
    work: Path,
    args: argparse.Namespace,
    *,
    with_explore: bool,
) -> dict[str, Any]:
    """Everything measured on one dataset (a fresh server, so the first load is cold)."""
    print(f"\n== {label}: loading data in-process", flush=True)
    data = Data.load(folder)
    result: dict[str, Any] = {"cases": len(data.dataset.cases), "case_points": data.case_points()}
    result["in_process"] = in_process(data, repeat=args.repeat)
    result["in_process"]["load_and_locate_s"] = round(data.load_s, 2)
    page_script = apptest_reruns(folder, rounds=args.rerun_rounds)
    result["in_process"]["page_script_ms"] = {
        "median": round(statistics.median(page_script), 1),
        "max": round(max(page_script), 1),
        "all": [round(v, 1) for v in page_script],
    }
    result["case_layer_size"] = point_payload(data)
    if args.profile and folder is not None:
        profile_out = ARTIFACTS / f"bench_dashboard_{label}.prof"
        result["profile_top"] = profile_map(data, profile_out)
        print(result["profile_top"], flush=True)
    icons = data.map_objects()
    with streamlit_server(folder, ARTIFACTS / f"bench_streamlit_{label}.log") as url:
        print(f"== {label}: browser loads on {url}", flush=True)
        cold = load_ours(browser, url, polygons=10, icons=icons, timeout_s=args.timeout)
        warm = [
            load_ours(browser, url, polygons=10, icons=icons, timeout_s=args.timeout)
            for _ in range(args.warm)
        ]
        print(
            f"   map drawn: cold {cold.map_drawn_s:.2f} s, warm "
            f"{', '.join(f'{load.map_drawn_s:.2f}' for load in warm)} s; "
            f"payload {_mb(warm[-1].payload_bytes)}",
            flush=True,
        )
        kecamatan = load_ours(
            browser, f"{url}/?level=kecamatan", polygons=100, icons=icons, timeout_s=args.timeout
        )
        print(f"== {label}: reruns", flush=True)
        reruns = measure_reruns(
            browser, url, data.expected(), icons=icons, rounds=args.rerun_rounds
        )
    warm_median = statistics.median(load.map_drawn_s for load in warm)
    result["browser"] = {
        "map_drawn_cold_s": round(cold.map_drawn_s, 2),
        "map_drawn_warm_s": round(warm_median, 2),
        "map_drawn_warm_all_s": [round(load.map_drawn_s, 2) for load in warm],
        "map_drawn_kecamatan_s": round(kecamatan.map_drawn_s, 2),
        "map_message_received_s": round(statistics.median(w.map_message_at_s for w in warm), 2),
        "payload_bytes": warm[-1].payload_bytes,
        "payload_deflated_estimate_bytes": warm[-1].deflated_bytes,
        "payload_parts": {
            **warm[-1].http,
            "websocket": warm[-1].websocket_bytes,
            "websocket_deflated": warm[-1].websocket_deflated,
        },
        "payload_kecamatan_bytes": kecamatan.payload_bytes,
        "requests": warm[-1].requests,
        "external_requests": sorted({*cold.external_requests, *warm[-1].external_requests}),
    }
    result["reruns"] = [asdict(rerun) for rerun in reruns]
    result["rerun_summary_ms"] = _summary(reruns)
    print(f"   reruns (ms): {result['rerun_summary_ms']}", flush=True)
    if with_explore:
        print(f"== {label}: explore()", flush=True)
        folder_html = work / f"explore_{label}"
        folder_html.mkdir()
        build_s, paths = explore_html(data, folder_html / "index.html")
        with file_server(folder_html) as url:
            try:
                load, stubbed = load_explore(
                    browser,
                    f"{url}/index.html",
                    paths=paths,
                    timeout_s=args.explore_timeout,
                    served_from=folder_html,
                )
                drawn: float | None = load.map_drawn_s
                payload = load.payload_bytes
                deflated: int | None = load.deflated_bytes
            except Exception as error:  # a timeout at 100k: report what is known
                print(f"   explore() page not drawn: {str(error).splitlines()[0]}", flush=True)
                drawn, stubbed, deflated = None, [], None
                payload = (folder_html / "index.html").stat().st_size
        print(f"   explore(): drawn in {drawn} s, payload {_mb(payload)}", flush=True)
        result["explore"] = {
            "build_and_save_s": round(build_s, 2),
            "html_bytes": (folder_html / "index.html").stat().st_size,
            "payload_bytes": payload,
            "payload_deflated_estimate_bytes": deflated,
            "map_drawn_s": round(drawn, 2) if drawn is not None else None,
            "timed_out_after_s": None if drawn is not None else args.explore_timeout,
            "features": paths,
            "cdn_stubbed": stubbed,
        }
        ours = result["browser"]
        result["ratios_ours_over_explore"] = {
            "payload_kecamatan": round(ours["payload_kecamatan_bytes"] / payload, 3),
            "payload_default": round(ours["payload_bytes"] / payload, 3),
            "map_drawn_kecamatan": round(ours["map_drawn_kecamatan_s"] / drawn, 3)
            if drawn
            else None,
            "map_drawn_warm_default": round(ours["map_drawn_warm_s"] / drawn, 3) if drawn else None,
        }
    return result


def _summary(reruns: list[Rerun]) -> dict[str, float]:
    def median(name: str) -> float:
        return round(statistics.median(getattr(r, name) for r in reruns), 1)

    def worst(name: str) -> float:
        return round(max(getattr(r, name) for r in reruns), 1)

    return {
        "server_median": median("server_ms"),
        "server_max": worst("server_ms"),
        "metrics_median": median("metrics_ms"),
        "map_median": median("map_ms"),
        "map_max": worst("map_ms"),
    }


def _mb(value: float) -> str:
    return f"{value / 1e6:.2f} MB"


def _table_rows(label: str, r: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(measure, value, note) rows of one dataset."""
    b, ip, rs = r["browser"], r["in_process"]["median_ms"], r["rerun_summary_ms"]
    parts = b["payload_parts"]
    big = label != "demo"
    rows = [
        ("cases (drawn as points)", f"{r['cases']:,} ({r['case_points']:,})", ""),
        ("map drawn, cold (first load after start)", f"{b['map_drawn_cold_s']:.2f} s", ""),
        ("map drawn, warm (median)", f"{b['map_drawn_warm_s']:.2f} s", "target ≤ 5 s" * big),
        ("map drawn, level=kecamatan", f"{b['map_drawn_kecamatan_s']:.2f} s", ""),
        ("page payload (warm load)", _mb(b["payload_bytes"]), "target ≤ 6 MB" * big),
        ("  Streamlit frontend (HTTP)", _mb(parts["streamlit_frontend"]), ""),
        ("  map iframe + Leaflet (HTTP)", _mb(parts["map_iframe"]), ""),
        ("  websocket (incl. map script)", _mb(parts["websocket"]), ""),
        ("  HTTP as transferred", _mb(parts["transferred"]), "no compression"),
        ("page payload, gzip/deflate (estimate)", _mb(b["payload_deflated_estimate_bytes"]), ""),
        ("map message received (warm, median)", f"{b['map_message_received_s']:.2f} s", ""),
        ("map HTML/script st_folium sends", _mb(r["in_process"]["map_payload_bytes"]), ""),
        ("  same, level=kecamatan", _mb(r["in_process"]["map_payload_kecamatan_bytes"]), ""),
        (
            "rerun, server (median / max)",
            f"{rs['server_median']:.0f} / {rs['server_max']:.0f} ms",
            "target < 300 ms" * (not big),
        ),
        ("rerun, click → metrics (median)", f"{rs['metrics_median']:.0f} ms", ""),
        (
            "rerun, click → map (median / max)",
            f"{rs['map_median']:.0f} / {rs['map_max']:.0f} ms",
            "",
        ),
    ]
    script = r["in_process"]["page_script_ms"]
    rows.append(
        (
            "rerun, whole page script in-process",
            f"{script['median']:.0f} / {script['max']:.0f} ms",
            "AppTest, median / max",
        )
    )
    rows += [(f"  in-process {name}", f"{value:.1f} ms", "") for name, value in ip.items()]
    if "explore" in r:
        e, q = r["explore"], r["ratios_ours_over_explore"]
        if e["map_drawn_s"] is not None:
            drawn = f"{e['map_drawn_s']:.2f} s"
        else:
            drawn = f"> {e['timed_out_after_s']:.0f} s"
        rows += [
            ("explore(): payload", _mb(e["payload_bytes"]), f"{e['features']:,} features"),
            (
                "explore(): payload, gzip (estimate)",
                _mb(e["payload_deflated_estimate_bytes"] or 0),
                "",
            ),
            ("explore(): map drawn", drawn, ""),
        ]
        for name, key in (
            ("ratio payload ours(kecamatan)/explore", "payload_kecamatan"),
            ("ratio payload ours(default)/explore", "payload_default"),
            ("ratio drawn ours(kecamatan)/explore", "map_drawn_kecamatan"),
            ("ratio drawn ours(default, warm)/explore", "map_drawn_warm_default"),
        ):
            rows.append((name, f"{q[key]:.3f}" if q[key] is not None else "n/a", ""))
    return rows


def print_table(results: dict[str, Any]) -> None:
    rows = [
        (label, *row)
        for label, result in results["datasets"].items()
        for row in _table_rows(label, result)
    ]
    width = max(len(row[1]) for row in rows)
    print()
    for label, name, value, note in rows:
        print(f"{label:<6} {name:<{width}}  {value:>18}  {note}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=100_000, help="synthetic cases (c)")
    parser.add_argument("--warm", type=int, default=3, help="warm loads per dataset")
    parser.add_argument("--repeat", type=int, default=8, help="in-process reruns")
    parser.add_argument("--rerun-rounds", type=int, default=2, help="rounds of 4 filter changes")
    parser.add_argument("--timeout", type=float, default=120, help="seconds per page load")
    parser.add_argument("--explore-timeout", type=float, default=180, help="explore() page")
    parser.add_argument("--quick", action="store_true", help="demo data only")
    parser.add_argument("--no-explore-big", action="store_true", help="skip explore() at --cases")
    parser.add_argument("--profile", action="store_true", help="cProfile the big map build")
    parser.add_argument("--out", type=Path, default=ARTIFACTS / "bench_dashboard.json")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
        "targets": TARGETS,
        "datasets": {},
    }
    work = Path(tempfile.mkdtemp(prefix="bench_dashboard_"))
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=list(CHROMIUM_FLAGS)
            )
            results["machine"]["chromium"] = browser.version
            results["datasets"]["demo"] = bench_dataset(
                browser, "demo", None, work, args, with_explore=True
            )
            _write(results, args.out)
            if not args.quick:
                folder = work / "synthetic"
                start = time.perf_counter()
                subprocess.run(
                    [sys.executable, "-m", "geodata.synthetic", "--out", str(folder),
                     "--cases", str(args.cases)],
                    cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
                )  # fmt: skip
                print(f"synthetic data written in {time.perf_counter() - start:.1f} s")
                label = f"{args.cases // 1000}k"
                results["datasets"][label] = bench_dataset(
                    browser, label, folder, work, args, with_explore=not args.no_explore_big
                )
            browser.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    _write(results, args.out)
    print_table(results)
    print(f"\nwritten to {args.out}")


def _write(results: dict[str, Any], out: Path) -> None:
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
