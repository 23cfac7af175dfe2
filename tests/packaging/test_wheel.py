"""The built wheel works outside the repository: `vicon demo` from an empty folder, the example office read from
the installed package (issue 21, item 7)."""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_wheel_installed_in_a_fresh_venv_runs_the_demo_from_an_empty_folder(tmp_path: Path) -> None:
    wheels, src = tmp_path / "wheels", tmp_path / "src"
    # built from a copy: setuptools writes build/ and *.egg-info next to the sources it builds
    shutil.copytree(ROOT, src, symlinks=True, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "dist", "var", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis"))  # fmt: skip
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(wheels), str(src)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    (wheel,) = wheels.glob("vicon_allocator-*.whl")
    assert "allocator/examples/example-problem.json" in zipfile.ZipFile(wheel).namelist()

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    py = env_dir / "bin" / "python"
    # the dependencies come from this venv's site-packages (no download); the package itself only from the wheel
    purelib = Path(subprocess.check_output([str(py), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                                           text=True).strip())  # fmt: skip
    (purelib / "deps.pth").write_text("\n".join(site.getsitepackages()) + "\n", encoding="utf-8")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(py), "install", "-q", "--no-deps", str(wheel)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    here = tmp_path / "empty"
    here.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("VICON_DATABASE_URL", "PYTHONPATH")}
    where = subprocess.run([str(py), "-c", "import allocator; print(allocator.__file__)"], cwd=here, env=env,
                           capture_output=True, text=True, check=True)  # fmt: skip
    assert str(env_dir) in where.stdout, "the package must come from the wheel, not the checkout"
    done = subprocess.run([str(env_dir / "bin" / "vicon"), "demo", "--quiet"], cwd=here, env=env,
                          capture_output=True, text=True, timeout=180)  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    db = (here / "var" / "demo" / "vicon.db").resolve()
    assert db.exists()
    assert f"export VICON_DATABASE_URL=sqlite:///{db}" in done.stdout.replace("\n", " ") or str(db) in done.stdout
    status = subprocess.run([str(env_dir / "bin" / "vicon"), "status", "--db", f"sqlite:///{db}"], cwd=here,
                            env=env, capture_output=True, text=True, timeout=60)  # fmt: skip
    assert status.returncode == 0, status.stderr
