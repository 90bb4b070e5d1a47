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
the floor, Nagle off
    the same page served as the dashboard serves itself, with TCP_NODELAY on its connections
    (:mod:`dashboard.nodelay`): how much of the dashboard's ratio that server fix alone gives
    (column ``/floor*``);
the dashboard
    ``streamlit run dashboard/server.py`` (as the README starts it; ``app.py`` in a baseline
    checkout older than it) on the committed demo data, and once per ``--cases``
    on synthetic data (``python -m geodata.synthetic --cases N``, kept in a temporary folder
    between runs and named by ``KALBAR_DATA_DIR``).

Every server gets one cold load first (not counted), then ``--rounds`` rounds load each app
once, interleaved, each load in a new browser context (a new visitor). *Time to map* runs
from ``page.goto`` until the four metrics are visible, Streamlit's ``script_finished``
message has arrived and, for the dashboard, the map iframe holds its polygons (and two
animation frames passed). *Payload* is every HTTP body plus every websocket frame the
browser received for one load. *Rerun* is the server time of a filter change (adding an
exploitation kind in the sidebar): from the browser's ``rerun_script`` to the
``script_finished`` it gets back. ``--latency-ms`` and ``--mbps`` make every page load go
over an emulated slow link (Chromium's network emulation: that much time before each
response, that much bandwidth down and up), as near the border; reruns are not slowed.
The machine is shared: single numbers are noisy; the ratios against the floor measured in
the same rounds are what count.

Prints a table and writes ``tests/artifacts/bench_ratios[_LABEL].json``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
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
#: The floor served like ``dashboard/server.py``: an ``st.App`` whose connections send each
#: response at once.
FLOOR_NODELAY_APP = """import sys
from pathlib import Path

sys.path.insert(0, {root!r})
import streamlit as st

from dashboard.nodelay import disable_nagle

disable_nagle()
app = st.App(Path(__file__).with_name("floor.py"))
"""
FLOORS = ("floor", "floor, Nagle off")
#: Boundary polygons the dashboard's default map must hold (14 kabupaten, some split).
POLYGONS = 10
JS_POLYGONS = """(n) => typeof L !== "undefined"
    && document.querySelectorAll("path.leaflet-interactive").length >= n"""
VIEWPORT = {"width": 1400, "height": 1000}


@dataclass
class Sample:
    """One page load: seconds to drawn, bytes received (HTTP bodies, websocket)."""

    drawn_s: float
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


def load(browser: Any, url: str, *, has_map: bool, timeout_s: float, link: Link = Link()) -> Sample:
    """Open ``url`` in a new context over ``link``; time until metrics, script end and (if
    any) map."""
    context = browser.new_context(viewport=VIEWPORT, locale="id-ID")
    page = context.new_page()
    link.apply(context, page)
    traffic = Traffic()
    traffic.attach(context, page)
    try:
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
        page.wait_for_load_state("networkidle", timeout=timeout_s * 1000)
        http = traffic.http_bytes()
        ws, _ = traffic.ws_bytes()
        return Sample(
            drawn_s=drawn,
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


@contextlib.contextmanager
def servers(cases: list[int], work: Path, baseline: Path | None) -> Iterator[dict[str, str]]:
    """The floor, the dashboard on demo data (and the ``baseline`` checkout's, if given) and
    on each synthetic size: {label: url}."""
    floor = work / "floor.py"
    floor.write_text(FLOOR_APP, encoding="utf-8")
    with contextlib.ExitStack() as stack:
        urls = {"floor": stack.enter_context(streamlit_server(None, work / "floor.log", app=floor))}
        nodelay = work / "floor_server.py"
        nodelay.write_text(FLOOR_NODELAY_APP.format(root=str(ROOT)), encoding="utf-8")
        log = work / "floor_nodelay.log"
        urls[FLOORS[1]] = stack.enter_context(streamlit_server(None, log, app=nodelay))
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
            if label not in FLOORS:
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
    floor = statistics.median(s.drawn_s for s in samples["floor"])
    floor_nodelay = statistics.median(s.drawn_s for s in samples[FLOORS[1]])
    demo = statistics.median(s.drawn_s for s in samples["demo"])
    rows = {}
    for label, loads in samples.items():
        drawn = statistics.median(s.drawn_s for s in loads)
        rows[label] = {
            "drawn_median_s": round(drawn, 2),
            "drawn_all_s": [round(s.drawn_s, 2) for s in loads],
            "cold_s": round(cold[label], 2),
            "ratio_to_floor": round(drawn / floor, 2),
            "ratio_to_floor_nodelay": round(drawn / floor_nodelay, 2),
            "ratio_to_demo": round(drawn / demo, 2),
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
        "map s",
        "/floor",
        "/floor*",
        "/demo",
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
        print(
            f"| {label} | {r['drawn_median_s']:.2f} | {r['ratio_to_floor']:.2f} | "
            f"{r['ratio_to_floor_nodelay']:.2f} | "
            f"{r['ratio_to_demo']:.2f} | {r['cold_s']:.2f} | {r['http_bytes'] / 1e6:.2f} | "
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
        "dashboard/static/node_modules linked in) served beside, on the demo data",
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
