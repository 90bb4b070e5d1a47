"""Run the dashboard with Streamlit and drive it in headless Chromium (Playwright).

Fixtures
--------
app_url
    Base URL of ``streamlit run dashboard/server.py`` on a free localhost port (session).
browser
    Debian's ``/usr/bin/chromium`` launched by Playwright (session).
request_log
    Every URL the page asks for, from every frame, with :meth:`RequestLog.assert_local`
    and :meth:`RequestLog.assert_no_failures`.
page
    A fresh page whose requests go to ``request_log``; a failing test leaves a
    screenshot in ``tests/artifacts/``.
artifacts_dir
    ``tests/artifacts/`` (git-ignored), for screenshots.

Without ``/usr/bin/chromium`` (or the playwright package) the tests are skipped, except
under CI (``CI`` set), where they fail: CI installs Chromium with ``tools/setup.sh --dev``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import urlsplit

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import (
        Browser,
        BrowserContext,
        ConsoleMessage,
        Page,
        Request,
        Response,
        WebError,
        WebSocket,
    )

REPO_ROOT = Path(__file__).resolve().parents[2]
APP_SCRIPT = REPO_ROOT / "dashboard" / "server.py"
ARTIFACTS_DIR = REPO_ROOT / "tests" / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
#: Headless, and nothing that phones home (the machine has no network beyond localhost).
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
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})
LOCAL_SCHEMES = frozenset({"data", "blob", "about"})
STARTUP_TIMEOUT_S = 90.0


def _in_ci() -> bool:
    """Tell whether we run under CI (``CI`` set to anything but empty, 0 or false)."""
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false"}


def _unavailable(reason: str) -> NoReturn:
    """Skip the test locally, but fail it under CI, where the setup must provide it."""
    if _in_ci():
        pytest.fail(f"{reason} (CI=true: `bash tools/setup.sh --dev` should have installed it)")
    pytest.skip(f"{reason}; run `bash tools/setup.sh --dev`")


def is_local_url(url: str) -> bool:
    """Tell whether a request URL stays on this machine (``data:``/``blob:`` included)."""
    parts = urlsplit(url)
    if parts.scheme in LOCAL_SCHEMES:
        return True
    return (parts.hostname or "").lower() in LOCAL_HOSTS


@dataclass
class RequestLog:
    """URLs requested by a page and all its frames (iframes, workers, websockets)."""

    urls: list[str] = field(default_factory=list)
    #: Requests that failed or were answered with an HTTP error, as "status URL".
    failures: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def external(self) -> list[str]:
        """Return the requested URLs that left localhost, without repeats."""
        return list(dict.fromkeys(url for url in self.urls if not is_local_url(url)))

    def assert_local(self) -> None:
        """Fail if any request went outside localhost/127.0.0.1."""
        assert self.urls, "no request was recorded at all"
        external = self.external()
        assert not external, f"{len(external)} request(s) left localhost: {external}"

    def attach(self, context: BrowserContext) -> None:
        """Record the requests, failures and errors of every page in ``context``."""
        context.on("request", self._on_request)
        context.on("requestfailed", self._on_request_failed)
        context.on("response", self._on_response)
        context.on("console", self._on_console)
        context.on("weberror", self._on_web_error)
        context.on("page", lambda page: page.on("websocket", self._on_websocket))

    def _on_request(self, request: Request) -> None:
        self.urls.append(request.url)

    def _on_websocket(self, websocket: WebSocket) -> None:
        self.urls.append(websocket.url)

    def _on_request_failed(self, request: Request) -> None:
        # A request the page itself cancelled (a rerun replacing the map iframe, a
        # navigation) is not a failure of the app; every other failure is.
        if request.failure != "net::ERR_ABORTED":
            self.failures.append(f"{request.failure} {request.url}")

    def _on_response(self, response: Response) -> None:
        if response.status >= 400:
            self.failures.append(f"{response.status} {response.url}")

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)

    def _on_web_error(self, error: WebError) -> None:
        self.console_errors.append(str(error.error))

    def assert_no_failures(self) -> None:
        """Fail if a request failed or got an HTTP error (a missing local file, say)."""
        assert not self.failures, f"failed requests: {self.failures}"


def _free_port() -> int:
    """Return a TCP port that is free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _log_tail(log: Path, lines: int = 40) -> str:
    """Return the end of the server log, for failure messages."""
    text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    return "\n".join(text.splitlines()[-lines:])


def _wait_healthy(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    """Poll Streamlit's health endpoint until it answers ``ok``, or fail."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"streamlit exited with {server.returncode}:\n{_log_tail(log)}")
        try:
            with opener.open(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    pytest.fail(f"streamlit was not healthy after {STARTUP_TIMEOUT_S:.0f} s:\n{_log_tail(log)}")


def _stop(server: subprocess.Popen[bytes]) -> None:
    """Stop the server process, killing it if it does not exit in time."""
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """``tests/artifacts/``, created if needed."""
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS_DIR


@pytest.fixture(scope="session")
def app_url(artifacts_dir: Path) -> Iterator[str]:
    """Start ``streamlit run dashboard/server.py`` headless on a free port; yield its URL."""
    if not APP_SCRIPT.is_file():
        pytest.fail(f"{APP_SCRIPT} does not exist")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = artifacts_dir / "streamlit.log"
    command = [
        sys.executable, "-m", "streamlit", "run", str(APP_SCRIPT),
        "--server.address", "127.0.0.1",
        "--server.port", str(port),
        "--server.headless", "true",
        "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    with log.open("wb") as out:
        server = subprocess.Popen(
            command, cwd=REPO_ROOT, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        _wait_healthy(url, server, log)
        yield url
    finally:
        _stop(server)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, driven by Playwright's sync API."""
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is not installed")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=list(CHROMIUM_FLAGS)
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def request_log() -> RequestLog:
    """An empty log, filled by the ``page`` fixture."""
    return RequestLog()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the test item, so fixtures can see a failure."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def page(
    browser: Browser, request_log: RequestLog, artifacts_dir: Path, request: pytest.FixtureRequest
) -> Iterator[Page]:
    """A new page in a fresh context, recording every request into ``request_log``."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="id-ID")
    request_log.attach(context)
    new_page = context.new_page()
    try:
        yield new_page
    finally:
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            new_page.screenshot(path=artifacts_dir / f"{request.node.name}-failure.png")
        context.close()


# --- A second server on a hostile dataset (tests/browser/test_dashboard.py) ---------------

#: User text that would run script if any layer wrote it into the page unescaped: HTML
#: event handlers, a JS template-literal interpolation, backticks and a Jinja expression
#: (branca compiles rendered scripts as Jinja templates once more).
XSS_TEXT = (
    "<img src=x onerror=alert(1)><img src=x onerror=window.__xss=1> "
    "${document.title='x'} `${window.__xss=2}` {{ 7*7 }} backtick`"
)
#: Marks starting each hostile text, so a test can find the marker that carries it.
XSS_MARKS = {"case": "XSS-CASE", "crossing": "XSS-CROSSING", "shelter": "XSS-SHELTER"}


@dataclass(frozen=True)
class HostileData:
    """A copy of the committed sample with ``XSS_TEXT`` in one case, crossing and shelter."""

    folder: Path
    #: The full hostile text of each record kind, as the tooltip must show it.
    texts: dict[str, str]
    #: The id of the record that carries it, per kind.
    ids: dict[str, str]


def _most_isolated(frame: Any) -> int:
    """Position of the point farthest from its nearest neighbour (its marker stands alone)."""
    import numpy as np

    xy = np.column_stack([frame.geometry.x, frame.geometry.y])
    distances = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    np.fill_diagonal(distances, np.inf)
    return int(distances.min(axis=1).argmax())


def _rewrite_csv(source: Path, target: Path, *, id_column: str, row_id: str, **values: str) -> None:
    """Copy a CSV, setting ``values`` in the row whose ``id_column`` is ``row_id``."""
    import csv

    with source.open(newline="", encoding="utf-8") as file:
        reader = csv.DictReader(file)
        fields, rows = list(reader.fieldnames or []), list(reader)
    hits = [row for row in rows if row[id_column] == row_id]
    assert len(hits) == 1, f"{source.name}: expected one row with {id_column}={row_id}"
    hits[0].update(values)
    with target.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture(scope="session")
def hostile_data(tmp_path_factory: pytest.TempPathFactory) -> HostileData:
    """The sample data with ``XSS_TEXT`` in a case note, a crossing name and a shelter name.

    Each goes to the point that stands farthest from the others, so its marker can be
    hovered alone; the case is one with an exact point (drawn where it is).
    """
    from geodata.records.datasets import load_sample
    from geodata.settings import SAMPLE_DIR

    sample = load_sample()
    exact = sample.cases[
        (sample.cases["location_precision"] == "exact") & sample.cases.geometry.notna()
    ]
    ids = {
        "case": str(exact["case_id"].iloc[_most_isolated(exact)]),
        "crossing": str(sample.crossings["crossing_id"].iloc[_most_isolated(sample.crossings)]),
        "shelter": str(sample.shelters["shelter_id"].iloc[_most_isolated(sample.shelters)]),
    }
    texts = {kind: f"{mark} {XSS_TEXT}" for kind, mark in XSS_MARKS.items()}
    folder = tmp_path_factory.mktemp("hostile")
    for kind, file, id_column, column in (
        ("case", "cases.csv", "case_id", "note"),
        ("crossing", "crossings.csv", "crossing_id", "name"),
        ("shelter", "shelters.csv", "shelter_id", "name"),
    ):
        _rewrite_csv(
            SAMPLE_DIR / file, folder / file, id_column=id_column, row_id=ids[kind],
            **{column: texts[kind]},
        )  # fmt: skip
    return HostileData(folder=folder, texts=texts, ids=ids)


@contextmanager
def serve_streamlit(
    log: Path, *, env: dict[str, str], script: Path = APP_SCRIPT, base_url_path: str = ""
) -> Iterator[str]:
    """Run ``streamlit run <script>`` with extra ``env``, under ``base_url_path`` (like
    ``/kalbar``) if given; yield its URL, then stop it."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}{base_url_path}"
    command = [
        sys.executable, "-m", "streamlit", "run", str(script),
        "--server.address", "127.0.0.1",
        "--server.port", str(port),
        "--server.headless", "true",
        "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false",
        "--server.baseUrlPath", base_url_path,
    ]  # fmt: skip
    with log.open("wb") as out:
        server = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            env={**os.environ, **env},
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_healthy(url, server, log)
        yield url
    finally:
        _stop(server)


@pytest.fixture(scope="session")
def hostile_app_url(hostile_data: HostileData, artifacts_dir: Path) -> Iterator[str]:
    """The dashboard on :func:`hostile_data` (``KALBAR_DATA_DIR``); log in streamlit-hostile.log."""
    from geodata.settings import DATA_DIR_ENV

    with serve_streamlit(
        artifacts_dir / "streamlit-hostile.log", env={DATA_DIR_ENV: str(hostile_data.folder)}
    ) as url:
        yield url
