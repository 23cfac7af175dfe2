"""The documented command sequence, end to end against the sandbox (SQLite and PostgreSQL):

    vicon sandbox-fixture --problem config/example-problem.json --out F
    vicon zoom-sandbox --fixture F --port N --write-config Z      (here: the same sandbox, in-process)
    vicon db upgrade && vicon import --problem config/example-problem.json && vicon publish \\
        && vicon sync --zoom-config Z && vicon reconcile --dry-run --zoom-config Z

including a `vicon sync` process killed right after Zoom accepted a create, and the rerun that heals it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from allocator.commands.main import app
from allocator.store import Store, head_revision
from allocator.sync import CRASH_ENV
from zoom_client.idempotency import key_from_agenda
from zoom_client.sandbox import load_fixture, run_sandbox

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "config" / "example-problem.json"


def _vicon(*args: str, db: str, code: int = 0) -> str:
    result = CliRunner().invoke(app, [*args, "--db", db, "--lang", "en"])
    assert result.exit_code == code, (args, result.output, result.exception)
    return result.output


def test_plan_publish_sync_crash_rerun_reconcile(db_url: str, tmp_path: Path) -> None:
    fixture = tmp_path / "fixture.json"
    out = CliRunner().invoke(app, ["sandbox-fixture", "--problem", str(EXAMPLE), "--out", str(fixture)])
    assert out.exit_code == 0, out.output
    with run_sandbox(load_fixture(fixture), enforce_rate_limits=False) as sb:
        zoom = tmp_path / "zoom.json"
        zoom.write_text(json.dumps(sb.config_json()), encoding="utf-8")
        assert f"revision {head_revision()}" in _vicon("db", "upgrade", db=db_url)
        assert "60 requests" in _vicon("import", "--problem", str(EXAMPLE), db=db_url)
        published = _vicon("publish", "--time-limit", "10", db=db_url)
        assert "published plan 1" in published and "create" in published
        store = Store.open(db_url)
        wanted = len(store.outbox())
        assert wanted > 20
        # A sync process killed right after Zoom accepted its 5th create (before recording it).
        env = {**os.environ, CRASH_ENV: "after_zoom_create:5", "PYTHONPATH": str(ROOT)}
        child = subprocess.run(
            [sys.executable, "-m", "allocator", "sync", "--zoom-config", str(zoom), "--db", db_url],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert child.returncode == 137, child.stderr[-2000:]
        assert len(sb.state.meetings()) == 5
        # Run it all again.
        assert "queued 0 Zoom actions" in _vicon("publish", "--time-limit", "10", db=db_url)
        synced = _vicon("sync", "--zoom-config", str(zoom), db=db_url)
        assert "recovered" in synced and "0 failed" in synced
        report = _vicon("reconcile", "--dry-run", "--zoom-config", str(zoom), db=db_url)
        assert "nothing to fix" in report and "0 findings" in report
        keys = [key_from_agenda(m["agenda"]) for m in sb.state.meetings()]
        assert len(keys) == len(set(keys)) == wanted  # exactly one meeting per scheduled request
        assert {m.key for m in store.meetings(states=["active"])} == set(keys)
        store.close()
        # Reconcile (not dry) and a later sync have nothing to do either.
        assert "nothing to fix" in _vicon("reconcile", "--zoom-config", str(zoom), db=db_url)
        assert "0 done" in _vicon("sync", "--zoom-config", str(zoom), db=db_url)


def test_cli_errors_are_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VICON_LANG", "en")
    db = f"sqlite:///{tmp_path / 'x.db'}"
    result = CliRunner().invoke(app, ["sync", "--zoom-config", str(tmp_path / "missing.json"), "--db", db])
    assert result.exit_code == 2 and "not found" in result.output
    result = CliRunner().invoke(app, ["import", "--problem", str(tmp_path / "none.json"), "--db", db])
    assert result.exit_code == 2 and "cannot read" in result.output
    assert _vicon("db", "current", db=db, code=2).startswith("error: no database at")  # not made by a look
    _vicon("db", "upgrade", db=db)
    assert _vicon("db", "current", db=db).startswith(head_revision())
    result = CliRunner().invoke(app, ["publish", "--now", "garbage", "--db", db])
    assert result.exit_code == 2 and "--now: not a date-time: 'garbage'" in result.output, result.output
    naive = CliRunner().invoke(app, ["publish", "--now", "2027-01-01T08:00", "--dry-run", "--db", db])
    assert naive.exit_code == 2 and "needs an offset or a zone" in naive.output
    worded = CliRunner().invoke(app, ["publish", "--now", "2027-01-01T08:00 WITA", "--dry-run", "--db", db])
    assert worded.exit_code == 0, worded.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_command_never_makes_an_empty_database_by_itself(tmp_path: Path) -> None:
    """`vicon status` pointed at a missing SQLite file says how to make one instead of planning an empty office."""
    missing = tmp_path / "nothing-here.db"
    result = CliRunner().invoke(app, ["status", "--db", f"sqlite:///{missing}", "--lang", "en"])
    assert result.exit_code == 2 and "no database at" in result.output and "vicon db upgrade" in result.output
    assert not missing.exists()
    _vicon("db", "upgrade", db=f"sqlite:///{missing}")  # the commands that create may
    assert missing.exists()
    assert CliRunner().invoke(app, ["status", "--db", f"sqlite:///{missing}"]).exit_code == 0


def test_a_command_that_needs_the_leader_lock_exits_3_while_another_holds_it(tmp_path: Path) -> None:
    from allocator.sync.leader import LeaderLock

    db = f"sqlite:///{tmp_path / 'v.db'}"
    _vicon("import", "--problem", str(EXAMPLE), db=db)
    store = Store.open(db)
    lock = LeaderLock(store.engine)
    assert lock.acquire(wait_s=0)
    try:
        out = _vicon("publish", "--time-limit", "2", db=db, code=3)
        assert "another vicon instance is the leader" in out
    finally:
        lock.release()
        store.close()
