"""Kill the worker process at injected points (SIGKILL-like `os._exit(137)`), then recover: on SQLite files
and PostgreSQL, with the Zoom sandbox on loopback in this process. Also the leader lock across processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from allocator.store import Store
from allocator.sync import CRASH_ENV, LeaderLock, SyncWorker, reconcile
from tests.store.dbs import plan_of
from tests.sync.env import Env, sync_env

ROOT = Path(__file__).resolve().parents[2]
WORKER = """
import sys
from allocator.store import Store
from allocator.sync import SyncWorker
from zoom_client import ZoomTenants, load_config
store = Store.open(sys.argv[1])
report = SyncWorker(store, ZoomTenants(load_config(sys.argv[2]))).run_once()
print(report.summary())
"""


def _child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != CRASH_ENV}
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra)
    return env


def _zoom_config(env: Env, tmp_path: Path) -> Path:
    path = tmp_path / "zoom.json"
    path.write_text(json.dumps(env.sandbox.config_json()), encoding="utf-8")
    return path


def _queue_mixed_changes(env: Env) -> None:
    """Synced plan for 4 requests; then a cancel, a move, an update and two new requests, all queued."""
    r = env.requests
    env.publish(plan_of({r[0].ref: "H100", r[1].ref: "H100", r[2].ref: "H300", r[3].ref: "H500"}))
    env.drain()
    env.store.cancel_request(r[0].ref, actor="t")
    later = {"start": r[2].start + timedelta(minutes=30), "end": r[2].end + timedelta(minutes=30)}
    env.store.save_request(r[2].model_copy(update=later), actor="t")
    env.publish(plan_of({r[1].ref: "H300", r[2].ref: "H300", r[3].ref: "H500", r[4].ref: "H100", r[5].ref: "H500"}))


def _audit_complete(env: Env) -> None:
    for m in env.store.meetings():
        actions = {e.action for e in env.store.audit_log(entity_id=m.key)}
        if m.state == "active":
            assert actions & {"meeting.created", "reconcile.orphan_adopted", "meeting.updated"}, (m.key, actions)
        if m.state == "deleted" and m.zoom_meeting_id is not None:
            assert "meeting.deleted" in actions, (m.key, actions)
    for r in env.store.list_requests():
        assert env.store.request_history(r.ref), r.ref


@pytest.mark.parametrize(
    ("crash_at", "recovery"),
    [
        ("after_zoom_create:1", "sync"),
        ("after_zoom_create:2", "reconcile"),
        ("after_claim:1", "sync"),
        ("after_zoom_delete:1", "sync"),
        ("after_zoom_update:1", "reconcile"),
    ],
)
def test_kill_the_worker_then_recover(db_url: str, tmp_path: Path, crash_at: str, recovery: str) -> None:
    with sync_env(db_url, 6) as env:
        _queue_mixed_changes(env)
        config = _zoom_config(env, tmp_path)
        child = subprocess.run(
            [sys.executable, "-c", WORKER, db_url, str(config)],
            env=_child_env(**{CRASH_ENV: crash_at}),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert child.returncode == 137, child.stderr[-2000:]
        assert env.store.outbox_counts().get("in_progress", 0) >= 1  # it died holding claims
        # Recovery, as `vicon sync` / `vicon reconcile` do it: become the leader, release dead claims, act.
        with LeaderLock(env.store.engine):
            SyncWorker(env.store, env.tenants).recover(all_in_progress=True)
            if recovery == "reconcile":
                reconcile(env.store, env.tenants)
            env.drain()
        env.assert_exactly_once()
        assert reconcile(env.store, env.tenants, dry_run=True).clean
        by_req = env.zoom_meetings_by_request()
        r = env.requests
        assert r[0].ref not in by_req and by_req[r[1].ref][0]["host_email"].startswith("h300")
        assert by_req[r[2].ref][0]["start_time"] == (r[2].start + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
        _audit_complete(env)


LEADER = """
import sys
from allocator.store import Store
from allocator.sync import LeaderLock
store = Store.open(sys.argv[1])
lock = LeaderLock(store.engine)
print("LEADER" if lock.acquire() else "FOLLOWER", flush=True)
sys.stdin.read()
"""


def _start_leader_candidate(url: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", LEADER, url],
        env=_child_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def test_one_leader_among_processes_and_a_crash_frees_the_lock(db_url: str) -> None:
    Store.open(db_url).close()  # schema first, so the children do not race to create it
    procs = [_start_leader_candidate(db_url) for _ in range(2)]
    store = Store.open(db_url)
    probe = LeaderLock(store.engine)
    try:
        roles = [p.stdout.readline().strip() for p in procs if p.stdout is not None]
        assert sorted(roles) == ["FOLLOWER", "LEADER"]
        leader = procs[roles.index("LEADER")]
        assert not probe.acquire()  # taken, from a third process' view too
        leader.send_signal(signal.SIGKILL)  # crash: no release, no cleanup
        leader.wait(timeout=10)
        assert probe.acquire(wait_s=10), "the lock of a killed leader was not released"
        assert probe.still_held()
        probe.release()
        successor = _start_leader_candidate(db_url)
        procs.append(successor)
        assert successor.stdout is not None and successor.stdout.readline().strip() == "LEADER"
    finally:
        probe.release()
        store.close()
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait(timeout=10)


def test_killed_after_the_zoom_create_then_moved_zoom_gets_the_new_time(db_url: str, tmp_path: Path) -> None:
    """Issue 22, item 1, as reported: a real `sync` process killed right after Zoom accepted a create, the request
    moved by 30 minutes, published, synced again: Zoom has the new time (it kept the old one before)."""
    with sync_env(db_url, 1) as env:
        [r] = env.requests
        env.publish(plan_of({r.ref: "H100"}))
        child = subprocess.run(
            [sys.executable, "-c", WORKER, db_url, str(_zoom_config(env, tmp_path))],
            env=_child_env(**{CRASH_ENV: "after_zoom_create:1"}),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert child.returncode == 137, child.stderr[-2000:]
        later = {"start": r.start + timedelta(minutes=30), "end": r.end + timedelta(minutes=30)}
        env.store.save_request(r.model_copy(update=later), actor="pic")
        assert [a.kind for a in env.publish(plan_of({r.ref: "H100"})).actions] == ["update"]
        with LeaderLock(env.store.engine):
            env.drain(env.recover())
        [m] = env.sandbox.state.meetings()
        assert m["start_time"] == (r.start + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
        env.assert_exactly_once()
        env.assert_zoom_has_the_stores_details()
        assert reconcile(env.store, env.tenants, dry_run=True).clean


def test_a_leader_whose_backend_was_terminated_lets_go_and_leads_again(pg_url: str) -> None:
    """Found by the fault suite: after `pg_terminate_backend` on the lock's connection, asking whether the lock is
    still held broke the connection and `release()` raised PendingRollbackError, so every daemon step that asked
    who leads failed (with a traceback) until the process was restarted."""
    import sqlalchemy as sa

    store = Store.open(pg_url)
    lock = LeaderLock(store.engine)
    try:
        assert lock.acquire()
        assert lock._conn is not None
        pid = lock._conn.execute(sa.text("SELECT pg_backend_pid()")).scalar()
        lock._conn.commit()
        with store.engine.connect() as conn:
            conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            conn.commit()
        assert not lock.still_held()
        lock.release()  # raised PendingRollbackError before
        assert not lock.held and lock.acquire() and lock.still_held()
    finally:
        lock.release()
        store.close()
