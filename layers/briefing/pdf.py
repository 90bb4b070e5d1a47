"""Printing the briefing page to PDF with headless Chromium (``--print-to-pdf``)."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path
from typing import Final

log = logging.getLogger(__name__)

#: Seconds Chromium may take to print.
PDF_TIMEOUT_S: Final = 120.0
#: Executables tried, in order, when no Chromium path is given.
CHROMIUM_NAMES: Final = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
#: Debian's Chromium, tried last (it may be off the PATH of a service).
_SYSTEM_CHROMIUM: Final = Path("/usr/bin/chromium")


def html_to_pdf(
    html: str,
    path: Path | str,
    *,
    chromium: Path | str | None = None,
    timeout_s: float = PDF_TIMEOUT_S,
) -> Path:
    """Print an HTML page to PDF with headless Chromium.

    Parameters
    ----------
    html
        The page; it should need no network (Chromium runs with networking features off).
    path
        Where to write the PDF.
    chromium
        The Chromium executable; ``None`` looks for ``chromium``, ``chromium-browser`` and
        Google Chrome on the PATH, then ``/usr/bin/chromium``.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    FileNotFoundError
        If Chromium is not installed (the message names the package).
    RuntimeError
        If Chromium fails or times out, or writes no PDF.
    """
    executable = _find_chromium(chromium)
    path = Path(path).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="briefing-") as folder:
        page = Path(folder) / "briefing.html"
        page.write_text(html, encoding="utf-8")
        command = [
            executable,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--no-pdf-header-footer",
            f"--user-data-dir={Path(folder) / 'profile'}",
            f"--print-to-pdf={path}",
            page.as_uri(),
        ]
        _run_chromium(command, timeout_s=timeout_s)
    if not path.is_file() or path.read_bytes()[:5] != b"%PDF-":
        raise RuntimeError(f"Chromium ran but wrote no PDF to {path}")
    log.info("Printed the briefing to %s (%d bytes)", path, path.stat().st_size)
    return path


def pdf_bytes(html: str, *, chromium: Path | str | None = None) -> bytes:
    """Print an HTML page to PDF and return the file's bytes (for a download button).

    See :func:`html_to_pdf` for ``chromium`` and the errors raised.
    """
    with tempfile.TemporaryDirectory(prefix="briefing-pdf-") as folder:
        return html_to_pdf(html, Path(folder) / "briefing.pdf", chromium=chromium).read_bytes()


def _find_chromium(chromium: Path | str | None) -> str:
    """The Chromium executable to use, or a FileNotFoundError that says what to install."""
    if chromium is not None:
        if Path(chromium).is_file() or shutil.which(str(chromium)):
            return str(chromium)
        raise FileNotFoundError(f"`chromium` should be a Chromium executable, got {chromium!r}")
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    if _SYSTEM_CHROMIUM.is_file():
        return str(_SYSTEM_CHROMIUM)
    raise FileNotFoundError(
        "Printing the briefing to PDF needs Chromium, which is not installed. Install the "
        "`chromium` package (Debian/Ubuntu: `sudo apt-get install chromium`), or write "
        ".html and print it from a browser."
    )


def _run_chromium(command: list[str], *, timeout_s: float) -> None:
    """Run Chromium in its own process group; kill the whole group if it hangs."""
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        text=True,
    )
    try:
        _, stderr = process.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise RuntimeError(f"Chromium did not finish printing within {timeout_s:g} s") from None
    if process.returncode != 0:
        tail = "\n".join(stderr.strip().splitlines()[-5:])
        raise RuntimeError(f"Chromium failed (exit {process.returncode}):\n{tail}")
