"""The architecture as tests: the import contracts hold and catch a violation; the planner stays readable."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PLANNER = ROOT / "allocator" / "planner"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
MAX_FUNCTION_LINES = 80

needs_import_linter = pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter (dev extra) not installed")


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=120)


@needs_import_linter
def test_the_import_contracts_hold() -> None:
    done = _lint_imports(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


@needs_import_linter
@pytest.mark.parametrize(
    ("planted_in", "line", "complaint"),
    [
        (
            "allocator/planner/greedy.py",
            "import allocator.store.repo",
            "allocator.planner is not allowed to import allocator.store",
        ),
        (
            "allocator/planner/explain.py",
            "from pathlib import Path",
            "allocator.planner is not allowed to import pathlib",
        ),
        ("zoom_client/retry.py", "import allocator.planner.domain", "zoom_client is not allowed to import allocator"),
        ("allocator/sync/leader.py", "import allocator.notify.outbox", "allocator.notify"),
        (
            "allocator/store/db.py",
            "import allocator.service",
            "allocator.store is not allowed to import allocator.service",
        ),
    ],
)
def test_a_planted_violation_breaks_a_contract(tmp_path: Path, planted_in: str, line: str, complaint: str) -> None:
    for name in ("allocator", "zoom_client"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    with (tmp_path / planted_in).open("a") as f:
        f.write(f"\n{line}  # planted\n")
    done = _lint_imports(tmp_path)
    assert done.returncode == 1, done.stdout
    assert complaint in done.stdout


def _planner_modules() -> list[Path]:
    return sorted(PLANNER.glob("*.py"))


@pytest.mark.parametrize("path", _planner_modules(), ids=lambda p: p.name)
def test_every_planner_module_says_what_it_decides(path: Path) -> None:
    doc = ast.get_docstring(ast.parse(path.read_text()))
    assert doc and len(doc.split()) >= 5, f"{path.name} opens without a sentence saying what it decides"


@pytest.mark.parametrize("path", _planner_modules(), ids=lambda p: p.name)
def test_no_planner_function_is_longer_than_a_screen(path: Path) -> None:
    """A nested function counts toward the function it is written in."""
    long = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"  # type: ignore[operator]
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES  # type: ignore[operator]
    ]
    assert not long, f"{path.name}: {', '.join(long)}"
