"""The issue-12 ratios in one run: time to map / an empty Streamlit page, payload, rerun.

Run from the repository root (needs ``/usr/bin/chromium``; nothing leaves 127.0.0.1)::

    . .venv/bin/activate
    python tests/benchmarks/bench_ratios.py                       # demo and 100,000 cases
    python tests/benchmarks/bench_ratios.py --cases 100000 1000000 --rounds 5
    python tests/benchmarks/bench_ratios.py --label before        # name the JSON written
    python tests/benchmarks/bench_ratios.py --baseline /tmp/old   # an older checkout beside
    python tests/benchmarks/bench_ratios.py --cases --latency-ms 300 --mbps 2   # a slow link

Not a test (nothing is asserted). It starts, side by side on free ports of 127.0.0.1:

the floor
    a Streamlit page with a title and four ``st.metric`` (written to a temporary file);
the floor, our server
    the same page served as the dashboard serves itself: TCP_NODELAY on its connections
    (:mod:`dashboard.nodelay`) and Streamlit's scripts gzipped
    (:mod:`dashboard.compression`); how much of the dashboard's ratio those server fixes
    alone give (column ``/floor*``);
the floor with a map, our server
    the floor plus one ``st_folium`` map of the 14 kabupaten (Leaflet served locally), served
    the same way: a lower reference for any page with a Folium map on this stack;
the dashboard
    ``streamlit run dashboard/server.py`` (as the README starts it; ``app.py`` in a baseline
    checkout older than it) on the committed demo data, and once per ``--cases``
    on synthetic data (``python -m geodata.synthetic --cases N``, kept in a temporary folder
    between runs and named by ``KALBAR_DATA_DIR``).

Every server gets one cold load first (not counted), then ``--rounds`` rounds load each app
once, interleaved, each load in a new browser context (a new visitor). *Time to map* is
the time until the four metrics are painted, Streamlit's ``script_finished`` message has
arrived and, for an app with a map, the map has been painted with its polygons. It is
measured two ways:

painted (the ratios that count)
    in the browser's own clock, from its navigation start: the first frame after the
    fourth metric entered the page, the map frame's first contentful paint (that frame
    shows nothing before the map: its page holds empty elements and a non-breaking space
    until the map's script adds the map with all its layers at once), and the
    ``script_finished`` frame (when Playwright saw it arrive);
seen
    as this script sees it over Playwright, from ``page.goto``: until the metrics are
    visible, ``script_finished`` has arrived and the map iframe holds its polygons (and two
    animation frames passed). Each check is a round trip to a busy browser, so this adds
    0.1-0.4 s to the floor and the map alike, unevenly: noisier, and kept for comparison
    with earlier runs.

*Payload* is every HTTP body plus every websocket frame the browser received for one load.
*Rerun* is the server time of a filter change (adding an exploitation kind in the
sidebar): from the browser's ``rerun_script`` to the ``script_finished`` it gets back.
``--latency-ms`` and ``--mbps`` make every page load go over an emulated slow link
(Chromium's network emulation: that much time before each response, that much bandwidth
down and up), as near the border; reruns are not slowed. The machine is shared: single
numbers are noisy; the ratios against the floor measured in the same rounds are what
count.

Prints a table and writes ``tests/artifacts/bench_ratios[_LABEL].json``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_dashboard import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_FLAGS,
    EXPLOITATION_STEPS,
    ROOT,
    Traffic,
    _map_frame,
    _message_type,
    _settle,
    streamlit_server,
    wait_in_map,
)

FLOOR_APP = """import streamlit as st

st.title("Floor")
for column, (label, value) in zip(
    st.columns(4), [("Kasus", "1.234"), ("Korban", "2.345"), ("Jalur", "77"), ("Shelter", "9")]
):
    column.metric(label, value)
"""
#: A page served like ``dashboard/server.py``: an ``st.App`` whose connections send each
#: response at once and whose Streamlit scripts go gzipped.
OUR_SERVER_APP = """import sys
from pathlib import Path

sys.path.insert(0, {root!r})
import streamlit as st
from starlette.middleware import Middleware

from dashboard.compression import PublicCompression
from dashboard.nodelay import disable_nagle

disable_nagle()
app = st.App(Path(__file__).with_name({page!r}), middleware=[Middleware(PublicCompression)])
"""
#: The floor plus the least map: the 14 kabupaten in one ``st_folium``, Leaflet served
#: locally (the page's folder gets a copy of ``dashboard/static/node_modules``).
FLOOR_MAP_APP = (
    """import sys

sys.path.insert(0, {root!r})
import folium
from streamlit_folium import st_folium

from geodata.reference import load_web_layer
from layers._assets import use_local_assets

"""
    + FLOOR_APP
    + """
figure = folium.Map(location=[0.0, 111.0], zoom_start=7, tiles=None)
folium.GeoJson(st.cache_resource(load_web_layer)("kabupaten"), name="kabupaten").add_to(figure)
use_local_assets(figure)
st_folium(figure, height=680, returned_objects=[], use_container_width=True)
"""
)
FLOORS = ("floor", "floor, our server")
MAP_FLOOR = "floor + map, our server"
#: Records, in the top page, when a frame was first painted after its fourth metric came.
JS_WATCH_METRICS = """(() => {
    if (window !== window.top) return;
    new MutationObserver((_, observer) => {
        if (document.querySelectorAll('[data-testid="stMetric"]').length < 4) return;
        observer.disconnect();
        requestAnimationFrame(() => setTimeout(() => {
            window.kbMetricsPainted = performance.timeOrigin + performance.now();
        }, 0));
    }).observe(document, {childList: true, subtree: true});
})();"""
#: The map frame's first contentful paint, epoch milliseconds.
JS_FIRST_PAINT = """() => {
    const paint = performance.getEntriesByName("first-contentful-paint")[0];
    return paint ? performance.timeOrigin + paint.startTime : null;
}"""
#: Boundary polygons the dashboard's default map must hold (14 kabupaten, some split).
POLYGONS = 10
JS_POLYGONS = """(n) => typeof L !== "undefined"
    && document.querySelectorAll("path.leaflet-interactive").length >= n"""
VIEWPORT = {"width": 1400, "height": 1000}


@dataclass
class Sample:
    """One page load: seconds to drawn (as seen, as painted), bytes received (HTTP bodies,
    websocket)."""

    drawn_s: float
    painted_s: float
    http_bytes: int
    ws_bytes: int

    @property
    def payload_bytes(self) -> int:
        return self.http_bytes + self.ws_bytes


def synthetic_folder(cases: int) -> Path:
    """Synthetic data with ``cases`` cases, written once per machine (a fixed seed)."""
    folder = Path(tempfile.gettempdir()) / f"kalbar_bench_{cases}"
    if not (folder / "cases.csv").is_file():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "geodata.synthetic",
                "--out",
                str(folder),
                "--cases",
                str(cases),
            ],
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return folder


def _finished_at(traffic: Traffic, *, timeout_s: float, page: Any) -> float:
    """When the first ``script_finished`` message arrived (waits for it)."""
    checked = 0
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        frames = traffic.ws_received
        for at, payload in frames[checked:]:
            if _message_type(payload, forward=True) == "script_finished":
                return at
        checked = len(frames)
        page.wait_for_timeout(25)
    raise TimeoutError("the script never finished")


@dataclass(frozen=True)
class Link:
    """An emulated network link: milliseconds before each response, megabits per second."""

    latency_ms: float = 0.0
    mbps: float = 0.0

    def apply(self, context: Any, page: Any) -> None:
        """Slow ``page``'s network (and its same-origin map frame's) down to this link."""
        if not (self.latency_ms or self.mbps):
            return
        rate = self.mbps * 1e6 / 8 if self.mbps else -1  # bytes per second; -1: no limit
        session = context.new_cdp_session(page)
        session.send("Network.enable")
        session.send(
            "Network.emulateNetworkConditions",
            {
                "offline": False,
                "latency": self.latency_ms,
                "downloadThroughput": rate,
                "uploadThroughput": rate,
            },
        )


def _painted_s(page: Any, *, has_map: bool, finished_epoch_s: float, timeout_s: float) -> float:
    """Seconds from navigation start until the metrics and (if any) the map were painted and
    the script had finished, in the browser's clock."""
    page.wait_for_function("() => window.kbMetricsPainted", timeout=timeout_s * 1000)
    origin_ms, metrics_ms = page.evaluate("[performance.timeOrigin, window.kbMetricsPainted]")
    ends = [metrics_ms / 1000, finished_epoch_s]
    if has_map:
        map_ms = _map_frame(page, timeout_s * 1000).evaluate(JS_FIRST_PAINT)
        if map_ms is None:
            raise RuntimeError("the map frame holds its polygons but never painted")
        ends.append(map_ms / 1000)
    return max(ends) - origin_ms / 1000


def load(browser: Any, url: str, *, has_map: bool, timeout_s: float, link: Link = Link()) -> Sample:
    """Open ``url`` in a new context over ``link``; time until metrics, script end and (if
    any) map."""
    context = browser.new_context(viewport=VIEWPORT, locale="id-ID")
    context.add_init_script(JS_WATCH_METRICS)
    page = context.new_page()
    link.apply(context, page)
    traffic = Traffic()
    traffic.attach(context, page)
    try:
        epoch_offset_s = time.time() - time.perf_counter()
        start = time.perf_counter()
        page.goto(url, wait_until="commit")
        page.get_by_test_id("stMetric").nth(3).wait_for(state="visible", timeout=timeout_s * 1000)
        metrics_at = time.perf_counter()
        map_at = start
        if has_map:
            wait_in_map(page, JS_POLYGONS, POLYGONS, timeout_s=timeout_s)
            map_at = time.perf_counter()
        finished_at = _finished_at(traffic, timeout_s=timeout_s, page=page)
        drawn = max(metrics_at, map_at, finished_at) - start
        painted = _painted_s(
            page,
            has_map=has_map,
            finished_epoch_s=finished_at + epoch_offset_s,
            timeout_s=timeout_s,
        )
        page.wait_for_load_state("networkidle", timeout=timeout_s * 1000)
        http = traffic.http_bytes()
        ws, _ = traffic.ws_bytes()
        return Sample(
            drawn_s=drawn,
            painted_s=painted,
            http_bytes=sum(v for k, v in http.items() if k not in {"transferred", "deflated"}),
            ws_bytes=ws,
        )
    finally:
        context.close()


def reruns(browser: Any, url: str, *, steps: int, timeout_s: float) -> tuple[list[float], int]:
    """Server milliseconds of ``steps`` filter changes, and websocket bytes they received."""
    from geodata.i18n import t

    context = browser.new_context(viewport=VIEWPORT, locale="id-ID")
    page = context.new_page()
    traffic = Traffic()
    traffic.attach(context, page)
    times: list[float] = []
    received = 0
    try:
        page.goto(url, wait_until="commit")
        wait_in_map(page, JS_POLYGONS, POLYGONS, timeout_s=timeout_s)
        _settle(page, traffic, 0, 0, timeout_s=timeout_s)
        for kind in EXPLOITATION_STEPS[:steps]:
            page.locator(".st-key-f_exploitation").get_by_role("combobox").click()
            option = page.get_by_role("option", name=t(f"exploitation.{kind}", "id"))
            sent_before, received_before = len(traffic.ws_sent), len(traffic.ws_received)
            option.click()
            page.keyboard.press("Escape")
            server = _settle(page, traffic, sent_before, received_before, timeout_s=timeout_s)
            times.extend(ms * 1000 for ms in server)
            received += sum(len(p) for _, p in traffic.ws_received[received_before:])
    finally:
        context.close()
    return times, received


def _entry(checkout: Path) -> Path:
    """What the README starts in ``checkout``: ``dashboard/server.py`` (the app with its
    routes), or ``dashboard/app.py`` in a checkout older than it."""
    server = checkout / "dashboard" / "server.py"
    return server if server.is_file() else checkout / "dashboard" / "app.py"


def _map_floor(folder: Path) -> contextlib.AbstractContextManager[str]:
    """The floor with a map, served like the dashboard from ``folder``."""
    shutil.copytree(ROOT / "dashboard/static/node_modules", folder / "static/node_modules")
    page = folder / "floor_map.py"
    page.write_text(FLOOR_MAP_APP.format(root=str(ROOT)), encoding="utf-8")
    server = folder / "floor_map_server.py"
    server.write_text(OUR_SERVER_APP.format(root=str(ROOT), page=page.name), "utf-8")
    return streamlit_server(None, folder / "floor_map.log", app=server)


@contextlib.contextmanager
def servers(cases: list[int], work: Path, baseline: Path | None) -> Iterator[dict[str, str]]:
    """The floor, the dashboard on demo data (and the ``baseline`` checkout's, if given) and
    on each synthetic size: {label: url}."""
    floor = work / "floor.py"
    floor.write_text(FLOOR_APP, encoding="utf-8")
    with contextlib.ExitStack() as stack:
        urls = {"floor": stack.enter_context(streamlit_server(None, work / "floor.log", app=floor))}
        ours = work / "floor_server.py"
        ours.write_text(OUR_SERVER_APP.format(root=str(ROOT), page=floor.name), "utf-8")
        log = work / "floor_our_server.log"
        urls[FLOORS[1]] = stack.enter_context(streamlit_server(None, log, app=ours))
        urls[MAP_FLOOR] = stack.enter_context(_map_floor(work / "map_floor"))
        if baseline is not None:
            app = _entry(baseline)
            log = ARTIFACTS / "ratios_baseline.log"
            urls["baseline demo"] = stack.enter_context(streamlit_server(None, log, app=app))
        app = _entry(ROOT)
        log = ARTIFACTS / "ratios_demo.log"
        urls["demo"] = stack.enter_context(streamlit_server(None, log, app=app))
        for n in cases:
            folder = synthetic_folder(n)
            log = ARTIFACTS / f"ratios_{n}.log"
            server = streamlit_server(folder, log, timeout_s=600, app=app)
            urls[f"{n:,}"] = stack.enter_context(server)
        yield urls


def measure(args: argparse.Namespace) -> dict[str, Any]:
    """Cold loads, then ``args.rounds`` interleaved rounds, then reruns; the summary."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    link = Link(latency_ms=args.latency_ms, mbps=args.mbps)
    samples: dict[str, list[Sample]] = {}
    cold: dict[str, float] = {}
    rerun_ms: dict[str, list[float]] = {}
    rerun_bytes: dict[str, int] = {}
    with (
        tempfile.TemporaryDirectory() as tmp,
        servers(args.cases, Path(tmp), args.baseline) as urls,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_FLAGS))
        for label, url in urls.items():
            cold[label] = load(
                browser, url, has_map=label not in FLOORS, timeout_s=args.timeout, link=link
            ).drawn_s
            print(f"cold {label}: {cold[label]:.2f} s", flush=True)
        for i in range(args.rounds):
            for label, url in urls.items():
                sample = load(
                    browser, url, has_map=label not in FLOORS, timeout_s=args.timeout, link=link
                )
                samples.setdefault(label, []).append(sample)
            print(f"round {i + 1}: " + ", ".join(
                f"{label} {s[-1].drawn_s:.2f} s" for label, s in samples.items()
            ), flush=True)  # fmt: skip
        for label, url in urls.items():
            if label not in (*FLOORS, MAP_FLOOR):  # no filters to change
                rerun_ms[label], rerun_bytes[label] = reruns(
                    browser, url, steps=args.rerun_steps, timeout_s=args.timeout
                )
                print(f"reruns {label}: {[round(v) for v in rerun_ms[label]]} ms", flush=True)
        browser.close()
    return summarise(samples, cold, rerun_ms, rerun_bytes)


def summarise(
    samples: dict[str, list[Sample]],
    cold: dict[str, float],
    rerun_ms: dict[str, list[float]],
    rerun_bytes: dict[str, int],
) -> dict[str, Any]:
    def median(label: str, timing: str) -> float:
        return statistics.median(getattr(sample, timing) for sample in samples[label])

    rows: dict[str, dict[str, Any]] = {}
    for label, loads in samples.items():
        rows[label] = {"cold_s": round(cold[label], 2)}
        for timing, name in (("painted_s", "painted"), ("drawn_s", "seen")):
            drawn = median(label, timing)
            rows[label] |= {
                f"{name}_median_s": round(drawn, 2),
                f"{name}_all_s": [round(getattr(s, timing), 2) for s in loads],
                f"{name}_ratio_to_floor": round(drawn / median(FLOORS[0], timing), 2),
                f"{name}_ratio_to_our_floor": round(drawn / median(FLOORS[1], timing), 2),
                f"{name}_ratio_to_demo": round(drawn / median("demo", timing), 2),
            }
        rows[label] |= {
            "http_bytes": loads[-1].http_bytes,
            "ws_bytes": loads[-1].ws_bytes,
            "rerun_server_ms_median": round(statistics.median(rerun_ms[label]), 1)
            if rerun_ms.get(label)
            else None,
            "rerun_server_ms_all": [round(v, 1) for v in rerun_ms.get(label, [])],
            "rerun_ws_bytes_per_change": rerun_bytes[label] // max(1, len(rerun_ms[label]))
            if rerun_ms.get(label)
            else None,
        }
    return {"rows": rows}


def print_table(result: dict[str, Any]) -> None:
    head = (
        "app",
        "painted s",
        "/floor",
        "/floor*",
        "/demo",
        "seen s",
        "/floor",
        "/floor*",
        "cold s",
        "HTTP MB",
        "ws MB",
        "rerun ms",
        "rerun ws KB",
    )
    print("\n| " + " | ".join(head) + " |\n|" + "---|" * len(head))
    for label, r in result["rows"].items():
        rerun = r["rerun_server_ms_median"]
        per_change = r["rerun_ws_bytes_per_change"]
        timings = " | ".join(
            f"{r[f'{name}_median_s']:.2f} | {r[f'{name}_ratio_to_floor']:.2f} | "
            f"{r[f'{name}_ratio_to_our_floor']:.2f}"
            + (f" | {r[f'{name}_ratio_to_demo']:.2f}" if name == "painted" else "")
            for name in ("painted", "seen")
        )
        print(
            f"| {label} | {timings} | {r['cold_s']:.2f} | {r['http_bytes'] / 1e6:.2f} | "
            f"{r['ws_bytes'] / 1e6:.3f} | {'-' if rerun is None else f'{rerun:.0f}'} | "
            f"{'-' if per_change is None else f'{per_change / 1e3:.1f}'} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, nargs="*", default=[100_000])
    parser.add_argument("--rounds", type=int, default=3, help="interleaved warm loads per app")
    parser.add_argument("--rerun-steps", type=int, default=3, help="filter changes per app")
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds per load")
    parser.add_argument("--label", default="", help="suffix of the JSON file written")
    parser.add_argument(
        "--latency-ms", type=float, default=0.0, help="emulated time before each response"
    )
    parser.add_argument(
        "--mbps", type=float, default=0.0, help="emulated bandwidth down and up (0: no limit)"
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        help="another checkout (e.g. `git archive REV | tar -x -C DIR`, with "
        "dashboard/static/node_modules copied in: Streamlit refuses symlinked static files) "
        "served beside, on the demo data",
    )
    args = parser.parse_args()
    options = {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()}
    result = measure(args) | {"args": options, "when": time.strftime("%Y-%m-%d %H:%M:%S")}
    print_table(result)
    name = f"bench_ratios_{args.label}.json" if args.label else "bench_ratios.json"
    (ARTIFACTS / name).write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(f"\nwritten: {ARTIFACTS / name}")


if __name__ == "__main__":
    main()
