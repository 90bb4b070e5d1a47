"""Access by construction: the import contracts in pyproject.toml ([tool.importlinter]) hold.

- dashboard -> layers -> geodata: a lower layer never imports a higher one, with no
  exceptions (the data layer counts cases with :mod:`geodata.records.cases`, issue 13);
- no dashboard module imports ``geodata.store``, ``geodata.records.datasets``,
  ``geodata.records.loaders`` or ``geodata.synthetic``: pages get data only through
  ``geodata.access.gateway``;
- inside geodata, access -> store -> records | synthetic -> reference -> build (one listed
  exception), nothing imports the build, and the shared plumbing imports no sub-package.

The second test plants a forbidden import in a copy of the code, so a contract that checks
nothing (a wrong module name, a page folder the linter cannot see) fails here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Final

import pytest

ROOT: Final = Path(__file__).resolve().parent.parent
LINT_IMPORTS: Final = Path(sys.executable).with_name("lint-imports")
PACKAGES: Final = ("dashboard", "layers", "geodata")
CONTRACTS: Final = len(
    tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"][
        "contracts"
    ]
)

pytestmark = pytest.mark.skipif(
    not LINT_IMPORTS.exists(),
    reason="import-linter is not installed: run `bash tools/setup.sh --dev`",
)


def _lint_imports(code_root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(code_root)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(ROOT / "pyproject.toml"), "--no-cache", "--no-logo"],
        cwd=code_root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def _copy_code(target: Path) -> None:
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package,
            target / package,
            ignore=lambda _folder, names: [
                name
                for name in names
                if name in {"data", "sample", "static", "__pycache__"} or name.endswith(".pyc")
            ],
        )


def test_the_import_contracts_hold() -> None:
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{CONTRACTS} kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        ("dashboard/views/peta.py", "from geodata.store import open_store", "Pages get data"),
        (
            "dashboard/panel.py",
            "from geodata.records.datasets import load_sample",
            "Pages get data",
        ),
        ("layers/overview.py", "from dashboard import state", "dashboard -> layers"),
        ("geodata/reference/__init__.py", "from layers import styles", "dashboard -> layers"),
        ("geodata/records/loaders.py", "from geodata.store import open_store", "Inside geodata"),
        ("geodata/reference/__init__.py", "from geodata.records.schemas import CASE", "Inside"),
        (
            "geodata/synthetic/__init__.py",
            "from geodata.records.schemas import CASE",
            "Inside geodata",
        ),
        ("layers/risk.py", "from geodata.build import build", "The build is run"),
        ("geodata/store/_base.py", "from geodata.build import build", "The build is run"),
        ("geodata/caching.py", "from geodata.records.schemas import CASE", "Shared plumbing"),
    ],
)
def test_a_forbidden_import_breaks_a_contract(
    tmp_path: Path, module: str, line: str, broken: str
) -> None:
    _copy_code(tmp_path)
    planted = tmp_path / module
    planted.write_text(f"{line}  # planted by the test\n" + planted.read_text(encoding="utf-8"))
    result = _lint_imports(tmp_path)
    assert result.returncode != 0, result.stdout
    assert f"{CONTRACTS - 1} kept, 1 broken" in result.stdout
    report = result.stdout.split("Broken contracts")[1]
    assert report.strip("-\n").startswith(broken)
    importer = module.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
    assert f"{importer} -> {line.split()[1]}" in report
