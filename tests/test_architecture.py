"""The architecture of docs/architecture.md holds in the imports (`.importlinter`), and a change that breaks
it fails: the contracts are run here on the code, and on a copy of the code with deliberate violations."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT = Path(sys.executable).parent / "lint-imports"
MAX_LINES = 500


def _lint(cwd: Path, src: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": f"{src}{os.pathsep}{cwd}", "COLUMNS": "200"}
    return subprocess.run([str(LINT), "--no-cache"], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300)


def test_the_import_contracts_hold():
    result = _lint(ROOT, ROOT / "src")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize("module, line, contract", [
    ("core/scratch.py", "from govdata.sharing import service", "The kernel (core) knows no context"),
    ("org/scratch.py", "from govdata.sharing import service", "Contexts are layered"),
    ("catalog/service/__init__.py", "from govdata.aggregation import service as _later", "Contexts are layered"),
    ("sharing/scratch.py", "from govdata.catalog import search", "only through its public modules"),
    ("aggregation/service/scratch.py", "from govdata.web import render", "Only the edges"),
])
def test_a_deliberate_violation_breaks_its_contract(tmp_path, module, line, contract):
    src = tmp_path / "src"
    shutil.copytree(ROOT / "src" / "govdata", src / "govdata",
                    ignore=shutil.ignore_patterns("__pycache__", "static", "templates"))
    (tmp_path / "tests").mkdir()
    for name in ("__init__.py", "import_contracts.py"):
        shutil.copy(ROOT / "tests" / name, tmp_path / "tests" / name)
    shutil.copy(ROOT / ".importlinter", tmp_path / ".importlinter")
    target = src / "govdata" / module
    target.write_text((target.read_text() if target.exists() else "") + f"\n{line}\n")
    result = _lint(tmp_path, src)
    assert result.returncode != 0
    broken = result.stdout.split("Broken contracts", 1)[-1]
    assert contract in broken, result.stdout


def test_no_module_outgrows_one_topic():
    """Modules past ~500 lines are split by what they are about (generated migrations excepted)."""
    long = {str(p.relative_to(ROOT)): n for p in (ROOT / "src" / "govdata").rglob("*.py")
            if "migrations" not in p.parts and (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}
