"""What the dashboard server freezes at start: the app's modules, never Streamlit's
components, never the build, and everything the pages import from geodata and layers."""

from __future__ import annotations

import ast
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

from dashboard.memory import PACKAGES, app_modules

ROOT = Path(__file__).resolve().parent.parent


def test_a_fresh_process_freezes_the_modules_and_no_streamlit() -> None:
    """As ``dashboard/server.py`` does at start, in a new interpreter: the libraries' objects
    are frozen; Streamlit is not imported (a component declared now would never be
    registered with the server), nor is the build."""
    program = (
        "import json, sys; from dashboard.memory import freeze_app_modules;"
        "frozen = freeze_app_modules();"
        "print(json.dumps([frozen, sorted(m for m in sys.modules if m.split('.')[0] in "
        "('streamlit', 'streamlit_folium') or m.startswith('geodata.build'))]))"
    )
    run = subprocess.run(
        [sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True, check=True
    )
    frozen, unwanted = json.loads(run.stdout.splitlines()[-1])
    assert frozen > 100_000  # pandas, GeoPandas, Folium, ... and the app's own modules
    assert unwanted == []


def _imported_by_pages() -> set[str]:
    names: set[str] = set()
    for page in (ROOT / "dashboard" / "views").glob("*.py"):
        for node in ast.walk(ast.parse(page.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)  # and a module imported from a package by name:
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
    ours = {name for name in names if name.split(".")[0] in PACKAGES}
    return {name for name in ours if name not in PACKAGES and _is_module(name)}


def _is_module(name: str) -> bool:
    """``name`` is a module (not a function or class imported from one)."""
    parent = importlib.import_module(name.rpartition(".")[0])
    return hasattr(parent, "__path__") and importlib.util.find_spec(name) is not None


def test_every_module_a_page_imports_from_geodata_or_layers_is_frozen() -> None:
    imported = _imported_by_pages()
    assert "layers.overview" in imported  # the pages do import from them
    assert imported <= set(app_modules())
