"""The sandbox's random faults set from the command line (`vicon zoom-sandbox --faults ...`), not from Python: the
sync worker runs against a sandbox that holds calls, loses answers, answers 5xx and 429; exactly-once holds and
what a lost answer leaves behind (a meeting created but not recorded, a duplicate) is repaired by the worker
itself: Zoom matches the store field by field before any reconcile runs."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import requests

from allocator.store import Store
from allocator.sync import SyncWorker, reconcile
from allocator.sync.sandbox import fixture_for_hosts
from tests.faults.harness import ROOT, child_env, losses, moved
from tests.store.dbs import FakeClock, hosts, plan_of, requests_from
from zoom_client import UnlimitedRateLimiter, ZoomConfig, ZoomTenants

SPEC = "slow=0.15,lost=0.15,5xx=0.1,429=0.05,slow_s=0.6,seed=7"
HOSTS = ["H100", "H300", "H500"]


def _start_sandbox(tmp_path: Path) -> tuple[subprocess.Popen[bytes], dict[str, Any]]:
    fixture, config = tmp_path / "fixture.json", tmp_path / "zoom.json"
    fixture.write_text(fixture_for_hosts(hosts()).model_dump_json(), encoding="utf-8")
    cmd = [sys.executable, "-m", "allocator", "zoom-sandbox", "--port", "0", "--fixture", str(fixture),
           "--write-config", str(config), "--no-rate-limits", "--faults", SPEC]  # fmt: skip
    proc = subprocess.Popen(cmd, env=child_env(), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while not config.exists() or not config.read_text().strip().endswith("}"):
        assert proc.poll() is None and time.monotonic() < deadline, "the sandbox did not start"
        time.sleep(0.05)
    return proc, json.loads(config.read_text())


def _drain(store: Store, worker: SyncWorker, clock: FakeClock) -> int:
    """Runs the worker until nothing waits (moving the clock past back-offs and the settle time); the rounds."""
    for rounds in range(1, 60):
        worker.run_once()
        counts = store.outbox_counts()
        if not counts.get("pending") and not counts.get("in_progress"):
            return rounds
        clock.advance(seconds=1000)
    raise AssertionError(f"outbox not drained: {store.outbox_counts()}")


def test_sync_against_a_sandbox_with_faults_from_the_command_line(pg_url: str, tmp_path: Path) -> None:
    proc, config_json = _start_sandbox(tmp_path)
    base = config_json["accounts"][0]["api_base"].removesuffix("/v2")
    clock = FakeClock()
    store = Store.open(pg_url, clock=clock)
    try:
        store.upsert_hosts(hosts(), actor="test")
        reqs = requests_from(clock(), 10)
        for r in reqs:
            store.save_request(r, actor="test")
        accounts = [{**a, "read_timeout_s": 0.4} for a in config_json["accounts"]]  # a slow call's answer is lost
        tenants = ZoomTenants(ZoomConfig.model_validate({"accounts": accounts}), sleep=lambda s: None,
                              rate_limiter=UnlimitedRateLimiter(), now=clock)  # fmt: skip
        worker = SyncWorker(store, tenants, lease_s=60)
        store.publish_plan(plan_of({r.ref: HOSTS[i % 3] for i, r in enumerate(reqs)}), actor="test")
        rounds = _drain(store, worker, clock)
        # Changes under the same faults: moves, a change of host, a cancellation.
        store.save_request(moved(reqs[0], 30), actor="pic")
        store.save_request(moved(reqs[1], -60), actor="pic")
        store.cancel_request(reqs[2].ref, actor="pic", reason="test")
        live = [r.ref for r in reqs[3:]] + [reqs[0].ref, reqs[1].ref]
        store.publish_plan(plan_of({ref: HOSTS[(i + 1) % 3] for i, ref in enumerate(sorted(live))}), actor="test")
        rounds += _drain(store, worker, clock)

        injected = requests.get(f"{base}/_sandbox/faults", timeout=5).json()
        assert requests.post(f"{base}/_sandbox/faults", params={"spec": ""}, timeout=5).json() == {"spec": ""}
        meetings = requests.get(f"{base}/_sandbox/meetings", timeout=5).json()["meetings"]
        assert all("start_url" not in m for m in meetings)
        zoom = SimpleNamespace(state=SimpleNamespace(meetings=lambda: meetings))
        lost = losses(store, zoom, tenants)  # type: ignore[arg-type]
        print(f"fault suite (sandbox --faults {SPEC}): {injected['by_kind']} injected, {rounds} sync rounds, "
              f"{len(meetings)} meetings, lost {lost.total()}")  # fmt: skip
        assert lost.total() == 0, lost  # before any reconcile: the worker repaired it all itself
        assert injected["by_kind"].get("lost", 0) >= 1 and injected["by_kind"].get("5xx", 0) >= 1, injected
        assert not store.outbox_counts().get("failed"), store.outbox(states=["failed"])
        assert len(meetings) == len(live)
        assert reconcile(store, tenants, dry_run=True).clean
    finally:
        store.close()
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()
