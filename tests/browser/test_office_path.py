"""The office path end to end in Chromium, on both store backends (issue 8, item 10).

A fresh store, as an office starts: ``create-admin`` (a failed one first, which must leave
nothing behind), the administrator logs in, downloads the cases template from the first-run
guide, fills it as an office would (Indonesian headers and labels, whole place names written
out in words, decimal commas, one impossible date), uploads it: the bad row is reported and
nothing is written; the fixed file is imported on confirm. The records then show on Peta,
Analisis risiko, Patroli, Shelter and Data; a reload (F5) keeps the login. A planner and a
police officer are added with the command line, and each opens every page and every export
of the Data page: the planner sees counts only (no case id, note or exact date anywhere,
in the page or in a download), the police officer sees the records. Logging out kills the
token: the old cookie sent again opens nothing.

Screenshots of every step: ``tests/artifacts/office-<backend>-<step>.png``.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Final

import pytest

from tests._stores import BACKENDS, store_url
from tests.browser.conftest import REPO_ROOT, RequestLog, serve_streamlit

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

pytestmark = pytest.mark.browser

SERVER_SCRIPT: Final = REPO_ROOT / "dashboard" / "server.py"
PASSWORD: Final = "kantor-kalbar-2025!"
COOKIE: Final = "kalbar_session"
TIMEOUT_MS: Final = 90_000
PAGES: Final = ("peta", "risiko", "patroli", "shelter", "data", "tentang")
#: The office's cases, by the template's Indonesian headers: labels as the app shows them
#: (in any case), places written out in words, a GPS point with decimal commas.
OFFICE_CASES: Final[tuple[dict[str, object], ...]] = (
    {"ID kasus": "KB-2025-001", "Tanggal laporan": "12/02/2025",
     "Desa/Kelurahan": "Desa Temajuk Kecamatan Paloh", "Korban perempuan dewasa": 2,
     "Korban laki-laki dewasa": 1, "Bentuk eksploitasi": "Kerja paksa",
     "Status": "Dilaporkan", "Catatan": "Laporan keluarga korban"},
    {"ID kasus": "KB-2025-002", "Tanggal laporan": "03/03/2025",
     "Desa/Kelurahan": "Desa Entikong", "Kecamatan": "Kecamatan Entikong",
     "Korban anak perempuan": 1, "Bentuk eksploitasi": "Eksploitasi seksual",
     "Status": "Penyidikan", "Catatan": "Dijemput di terminal"},
    {"ID kasus": "KB-2025-003", "Tanggal laporan": "17/04/2025", "Bujur": "109,9741",
     "Lintang": "1,0613", "Ketepatan lokasi": "tepat (titik)", "Korban perempuan dewasa": 1,
     "Korban laki-laki dewasa": 2, "Bentuk eksploitasi": "kerja paksa",
     "Status": "dilaporkan", "Catatan": "Titik dari GPS petugas"},
    {"ID kasus": "KB-2025-004", "Tanggal laporan": "05/05/2025",
     "Desa/Kelurahan": "Desa Badau Kecamatan Badau", "Korban perempuan dewasa": 3,
     "Bentuk eksploitasi": "Kerja Paksa", "Status": "Penyidikan"},
    {"ID kasus": "KB-2025-005", "Tanggal laporan": "31/02/2025",
     "Desa/Kelurahan": "Desa Sebunga", "Kecamatan": "Kecamatan Sajingan Besar",
     "Korban perempuan dewasa": 1, "Bentuk eksploitasi": "Kerja paksa",
     "Status": "Dilaporkan", "Catatan": "Tanggal salah ketik"},
    {"ID kasus": "KB-2025-006", "Tanggal laporan": "21/06/2025",
     "Desa/Kelurahan": "Desa Jagoi", "Kecamatan": "Kecamatan Jagoi Babang",
     "Korban laki-laki dewasa": 2, "Bentuk eksploitasi": "Eksploitasi seksual",
     "Status": "Dilaporkan", "Catatan": "Lewat jalan setapak"},
)  # fmt: skip
CASE_IDS: Final = tuple(str(case["ID kasus"]) for case in OFFICE_CASES)
BAD_ID: Final = "KB-2025-005"
FIXED_DATE: Final = "28/02/2025"


def _t(key: str, lang: str = "id", **values: object) -> str:
    from geodata.i18n import t

    return t(key, lang, **values)


@pytest.fixture(scope="module", params=BACKENDS)
def office(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    """(backend, URL) of a new, empty store of each backend."""
    folder = tmp_path_factory.mktemp(f"office-{request.param}")
    with store_url(request.param, folder) as url:
        yield request.param, url


def _auth_cli(url: str, *args: str, password: str) -> subprocess.CompletedProcess[str]:
    """``python -m geodata.auth`` on the store, the password on standard input."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "geodata.auth",
            "--database-url",
            url,
            *args,
            "--password-stdin",
        ],
        input=f"{password}\n",
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=120,
        check=False,
    )


def _shot(page: Page, artifacts: Path, backend: str, step: str) -> None:
    page.screenshot(path=artifacts / f"office-{backend}-{step}.png", full_page=True)


def _settled(page: Page) -> None:
    """Wait until Streamlit has finished running the script, then fail on a page error."""
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(
        timeout=TIMEOUT_MS
    )
    page.wait_for_timeout(300)
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(
        timeout=TIMEOUT_MS
    )
    text = page.locator("body").inner_text()
    assert not page.locator('[data-testid="stException"]').count(), text[:2000]
    for lang in ("id", "en"):
        assert _t("common.unexpected_error", lang) not in text, f"a page failed: {text[:2000]}"


def _text(page: Page) -> str:
    """What the page shows: its text, and the cells of its tables (drawn on a canvas, with
    an accessible table behind; only the rows in view are there, enough for small tables).

    Tried again when a rerun replaces an element while it is read.
    """
    from playwright.sync_api import Error

    for _ in range(5):
        try:
            cells = []
            for frame in page.locator('[data-testid="stDataFrame"]').all():
                if not frame.is_visible():
                    continue  # in a tab not shown
                frame.scroll_into_view_if_needed()
                table = frame.locator("table").first
                table.wait_for(state="attached", timeout=TIMEOUT_MS)
                cells.append(str(table.evaluate("e => e.textContent")))
            return f"{page.locator('body').inner_text()}\n" + "\n".join(cells)
        except Error:
            _settled(page)
    pytest.fail("the page kept changing while it was read")


def _open(page: Page, base: str, name: str) -> str:
    page.goto(f"{base}/{name}")
    page.locator('[data-testid="stSidebar"]').wait_for(timeout=TIMEOUT_MS)
    _settled(page)
    return _text(page)


def _shows(page: Page, needle: str) -> bool:
    """Whether the page shows ``needle`` within the timeout: a table's accessible cells can
    arrive a moment after the script has finished."""
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while needle not in _text(page):
        if time.monotonic() > deadline:
            return False
        page.wait_for_timeout(250)
    return True


def _login(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/tentang")
    page.locator(".st-key-login_username input").wait_for(timeout=TIMEOUT_MS)
    page.locator(".st-key-login_username input").fill(username)
    page.locator(".st-key-login_password input").fill(PASSWORD)
    page.locator(".st-key-login_password input").press("Enter")
    _wait_signed_in(page, username)
    _session_token(page.context)  # the page swaps its one-time code for the cookie


def _wait_signed_in(page: Page, username: str) -> None:
    page.get_by_text(f"{username} (", exact=False).first.wait_for(timeout=TIMEOUT_MS)


def _download(page: Page, selector: str) -> bytes:
    """The bytes a download button gives. A click that lands while a rerun replaces the
    button starts no download (seen once in CI under load): then it is clicked again."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for _ in range(3):
        button = page.locator(f"{selector} button").first
        button.wait_for(timeout=TIMEOUT_MS)
        try:
            with page.expect_download(timeout=TIMEOUT_MS // 3) as caught:
                button.click()
            break
        except PlaywrightTimeout:
            _settled(page)
    else:
        shown = page.locator(f"{selector} [data-testid=stDownloadButtonError]").all_inner_texts()
        pytest.fail(f"three clicks on {selector} started no download; the button said {shown}")
    path = caught.value.path()
    assert path is not None
    return Path(path).read_bytes()


def _office_workbook(template: bytes, *, fixed: bool) -> bytes:
    """The downloaded template with the example row replaced by the office's cases."""
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(template))
    sheet = book.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    sheet.delete_rows(2, sheet.max_row)
    used = {name for case in OFFICE_CASES for name in case}
    missing = sorted(used - set(headers))
    assert not missing, f"the template lacks the headers {missing}: {headers}"
    for case in OFFICE_CASES:
        values = {**case, "Negara tujuan": "Malaysia", "Data sintetis": "tidak"}
        if fixed and values["ID kasus"] == BAD_ID:
            values["Tanggal laporan"] = FIXED_DATE
        sheet.append([values.get(str(header), "") for header in headers])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _upload(page: Page, path: Path) -> str:
    page.get_by_role("tab", name=_t("manage.tab")).click()
    page.locator(".st-key-import_file input[type=file]").set_input_files(str(path))
    page.get_by_text(path.name, exact=False).first.wait_for(timeout=TIMEOUT_MS)
    _settled(page)
    return _text(page)


def _session_token(context: BrowserContext) -> str:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = [c for c in context.cookies() if c["name"] == COOKIE]
        if found:
            return str(found[0]["value"])
        time.sleep(0.2)
    pytest.fail(f"no {COOKIE} cookie after the login")


def _readable(name: str, data: bytes) -> str:
    """A download's cells as text: XLSX unzipped, GeoPackage tables read, text decoded."""
    if name == "xlsx":
        import openpyxl

        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
        return "\n".join(
            str(cell) for sheet in book.worksheets for row in sheet.values for cell in row
        )
    if name == "gpkg":
        import sqlite3
        import tempfile

        with tempfile.NamedTemporaryFile(suffix=".gpkg") as file:
            file.write(data)
            file.flush()
            with sqlite3.connect(file.name) as connection:
                tables = [
                    row[0] for row in connection.execute("SELECT table_name FROM gpkg_contents")
                ]
                return "\n".join(
                    str(row)
                    for table in tables
                    for row in connection.execute(f'SELECT * FROM "{table}"')
                )
    return data.decode("utf-8-sig", errors="replace")


def _ids_in(text: str) -> int:
    """How many of the office's case ids ``text`` shows."""
    return sum(case_id in text for case_id in CASE_IDS)


def _csv_rows(data: bytes) -> list[dict[str, str]]:
    text = data.decode("utf-8-sig")
    dialect = csv.Sniffer().sniff(text.splitlines()[0], delimiters=",;")
    return list(csv.DictReader(io.StringIO(text), dialect=dialect))


def test_the_office_path_from_a_fresh_store_to_every_role(
    office: tuple[str, str],
    browser: Browser,
    request_log: RequestLog,
    artifacts_dir: Path,
    tmp_path: Path,
) -> None:
    from geodata.access import auth
    from geodata.store import open_store

    backend, url = office
    shots = {"artifacts": artifacts_dir, "backend": backend}

    # 1. create-admin: a too-short password fails and leaves no store behind.
    failed = _auth_cli(url, "create-admin", "--username", "admin", password="pendek")
    assert failed.returncode != 0 and "Traceback" not in failed.stderr, failed.stderr
    if backend == "gpkg":
        assert not Path(url.removeprefix("gpkg://")).exists(), "a failed create-admin left a store"
    created = _auth_cli(url, "create-admin", "--username", "admin", password=PASSWORD)
    assert created.returncode == 0, created.stderr
    store = open_store(url)
    assert store.count("cases") == 0 and store.count("crossings") == 5  # the five PLBN

    env = {"KALBAR_DATABASE_URL": url, "KALBAR_CONFIG": str(tmp_path / "none.toml")}
    with serve_streamlit(
        artifacts_dir / f"streamlit-office-{backend}.log", env=env, script=SERVER_SCRIPT
    ) as base:
        context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="id-ID")
        request_log.attach(context)
        page = context.new_page()

        # 2. The administrator logs in; the first-run guide offers the templates.
        _login(page, base, "admin")
        text = _open(page, base, "data")
        _shot(page, step="01-admin-guide", **shots)
        template = _download(page, ".st-key-guide_template_cases_xlsx")
        assert template[:2] == b"PK"

        # 3. An office file with one impossible date: reported, nothing written.
        bad = tmp_path / "salah.xlsx"
        bad.write_bytes(_office_workbook(template, fixed=False))
        text = _upload(page, bad)
        page.locator(".st-key-import_file").scroll_into_view_if_needed()
        _shot(page, step="02-import-bad-row", **shots)
        assert _t("manage.not_imported") in text
        assert "31/02/2025" in text
        assert open_store(url).count("cases") == 0

        # 4. The fixed file: preview, then all rows on confirm.
        good = tmp_path / "benar.xlsx"
        good.write_bytes(_office_workbook(template, fixed=True))
        text = _upload(page, good)
        assert _t("manage.ready", count=len(OFFICE_CASES)) in text, text[:3000]
        assert open_store(url).count("cases") == 0  # nothing before the confirm
        page.locator(".st-key-import_confirm button").click()
        page.get_by_text(_t("manage.imported", count=len(OFFICE_CASES))).wait_for(
            timeout=TIMEOUT_MS
        )
        page.locator(".st-key-import_file").scroll_into_view_if_needed()
        _shot(page, step="03-imported", **shots)
        cases = open_store(url).read("cases")
        assert sorted(cases["case_id"]) == sorted(CASE_IDS)
        assert set(cases["exploitation"]) == {"labour", "sexual"}
        assert set(cases["status"]) == {"reported", "investigation"}
        assert cases["admin_code"].notna().sum() >= 5

        # 4b. The same spreadsheet again, its stored rows left out when asked: nothing new.
        page.locator(".st-key-import_skip_stored label").click()
        again = tmp_path / "benar-lagi.xlsx"
        again.write_bytes(_office_workbook(template, fixed=True))
        text = _upload(page, again)
        assert _t("manage.stored_skipped", count=len(OFFICE_CASES)) in text, text[:3000]
        assert _t("manage.nothing_new") in text
        assert page.locator(".st-key-import_confirm button").count() == 0

        # 5. The records on every page; F5 keeps the login.
        measured: dict[str, dict[str, int]] = {"admin": {}}
        for name in PAGES:
            text = _open(page, base, name)
            if name == "data" and _shows(page, CASE_IDS[0]):
                text = _text(page)  # the table's cells, once drawn
            measured["admin"][name] = _ids_in(text)
            _shot(page, step=f"04-admin-{name}", **shots)
        _open(page, base, "data")
        assert _shows(page, "KB-2025-001")
        page.reload()
        _wait_signed_in(page, "admin")
        assert not page.locator(".st-key-login_username input").count()
        _shot(page, step="05-admin-after-reload", **shots)
        context.close()

        # 6. A planner and a police officer, each on every page and every export.
        tokens: list[str] = []
        for username, role in (("siti", "planner"), ("budi", "police")):
            added = _auth_cli(
                url, "add-user", "--username", username, "--role", role, password=PASSWORD
            )
            assert added.returncode == 0, added.stderr
            context = browser.new_context(viewport={"width": 1440, "height": 900})
            request_log.attach(context)
            page = context.new_page()
            _login(page, base, username)
            seen = ""
            measured[role] = {}
            for name in PAGES:
                text = _open(page, base, name)
                if name == "data" and role != "planner" and _shows(page, CASE_IDS[0]):
                    text = _text(page)  # the table's cells, once drawn
                measured[role][name] = _ids_in(text)
                seen += text
                _shot(page, step=f"06-{role}-{name}", **shots)
            _open(page, base, "data")
            downloads = {
                fmt: _download(page, f".st-key-export_cases_{fmt}")
                for fmt in ("csv", "csv_excel_id", "xlsx", "geojson", "gpkg")
            }
            for kind, tab in (
                ("crossings", "map.layer.crossings"),
                ("shelters", "map.layer.shelters"),
            ):
                page.get_by_role("tab", name=_t(tab)).click()
                downloads[f"{kind}_csv"] = _download(page, f".st-key-export_{kind}_csv")
            readable = {name: _readable(name, data) for name, data in downloads.items()}
            for name, text in readable.items():
                measured[role][f"export {name}"] = _ids_in(text)
            everything = seen + "".join(readable.values())
            exported = _csv_rows(downloads["csv"])
            if role == "planner":
                for case in OFFICE_CASES:
                    for field in ("ID kasus", "Catatan", "Tanggal laporan"):
                        value = str(case.get(field, ""))
                        assert not value or value not in everything, f"the planner saw {value}"
                assert exported and "case_id" not in exported[0]
            else:
                assert all(case_id in seen for case_id in CASE_IDS)
                assert {row["case_id"] for row in exported} == set(CASE_IDS)
            token = _session_token(context)
            tokens.append(token)

            # 7. Logout kills the token: the old cookie sent again opens nothing.
            _open(page, base, "tentang")
            page.locator(".st-key-logout button").click()
            page.locator(".st-key-login_username input").wait_for(timeout=TIMEOUT_MS)
            with pytest.raises(auth.SessionExpiredError):
                auth.user_for_session(open_store(url), token)
            stale = browser.new_context()
            stale.add_cookies([{"name": COOKIE, "value": token, "url": base, "httpOnly": True}])
            stale_page = stale.new_page()
            stale_page.goto(f"{base}/data")
            stale_page.locator(".st-key-login_username input").wait_for(timeout=TIMEOUT_MS)
            _shot(stale_page, step=f"07-{role}-old-token", **shots)
            stale.close()
            context.close()
    # The role x page x export table of the closing note: case ids each surface shows.
    (artifacts_dir / f"office-{backend}-roles.json").write_text(json.dumps(measured, indent=1))
    request_log.assert_local()
    assert not [url for url in request_log.urls for token in tokens if token in url]
