"""`vicon sync` killed with SIGKILL at every named fault point (after the claim, before and after the Zoom call,
before and after the commit), one after another on PostgreSQL, with the requests changing between the kills; a
last `vicon sync` then drains the outbox and Zoom holds exactly what the store says: no duplicate, nothing
missing, nothing stale, nothing unowned."""

from __future__ import annotations

import json
import signal
from pathlib import Path

from allocator.faults import POINTS
from tests.faults.harness import assert_nothing_lost, moved, vicon
from tests.store.dbs import plan_of
from tests.sync.env import Env, sync_env

SYNC_POINTS = [p for p in POINTS if p.startswith("sync.")]
HOSTS = ["H100", "H300", "H500"]


def _change(env: Env, step: int) -> None:
    """Between two kills: a move, a change of host, a cancellation or a request back in the plan, then publish."""
    active = [r for r in env.store.list_requests() if r.status.active]
    r = active[step % len(active)]
    if step % 3 == 0:
        env.store.save_request(moved(r, 30), actor="pic")
    elif step % 3 == 2 and len(active) > 3:
        env.store.cancel_request(r.ref, actor="pic", reason="test")
    active = [r for r in env.store.list_requests() if r.status.active]
    hosts = {x.ref: HOSTS[(i + (step if step % 3 == 1 else 0)) % 3] for i, x in enumerate(active)}
    env.publish(plan_of(dict(hosts)))


def test_vicon_sync_killed_at_every_point_then_restarted(pg_url: str, tmp_path: Path) -> None:
    with sync_env(pg_url, 8) as env:
        config = tmp_path / "zoom.json"
        config.write_text(json.dumps(env.sandbox.config_json()), encoding="utf-8")
        env.publish(plan_of({r.ref: HOSTS[i % 3] for i, r in enumerate(env.requests)}))
        kills = 0
        for step, point in enumerate(SYNC_POINTS * 2):  # each point twice: on creates, then on later changes
            run = vicon("sync", "--db", pg_url, "--zoom-config", str(config), fault=f"{point}:kill")
            if run.returncode == -signal.SIGKILL:
                kills += 1
            else:  # nothing left to do reached the point: the outbox was empty
                assert run.returncode == 0 and "0 done" in run.stdout, (point, run.stdout, run.stderr[-2000:])
            _change(env, step)
        print(f"fault suite (sync): {kills} kills of vicon sync, {2 * len(SYNC_POINTS)} changes, "
              f"{len(env.store.meetings())} meetings")  # fmt: skip
        assert kills >= len(SYNC_POINTS) + 2, kills
        last = vicon("sync", "--db", pg_url, "--zoom-config", str(config))
        assert last.returncode == 0, last.stdout + last.stderr[-2000:]
        assert "still queued" not in last.stdout, last.stdout
        assert not env.store.outbox_counts().get("failed"), env.store.outbox(states=["failed"])
        env.assert_exactly_once()
        assert_nothing_lost(env.store, env.sandbox, env.tenants)
