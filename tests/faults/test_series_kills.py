"""`vicon sync` killed with SIGKILL between two occurrences of a series (after Zoom deleted one, before the others),
then restarted: the series is still one recurring meeting, every occurrence as the store says, nothing twice."""

from __future__ import annotations

import json
import signal
from datetime import timedelta
from pathlib import Path

from tests.faults.harness import vicon
from tests.store.dbs import plan_of, request
from tests.sync.env import sync_env


def test_vicon_sync_killed_between_occurrences_then_restarted(pg_url: str, tmp_path: Path) -> None:
    with sync_env(pg_url, 0) as env:
        config = tmp_path / "zoom.json"
        config.write_text(json.dumps(env.sandbox.config_json()), encoding="utf-8")
        start = env.clock().replace(hour=2, minute=0, second=0, microsecond=0) + timedelta(days=3)
        series = {"repeat": "daily", "count": 5, "policy": "partial"}
        env.store.save_request(request("LAT", start, hours=3, series=series), actor="test")
        env.publish(plan_of({"LAT:1": "H300", "LAT:5": "H300"}))
        run = vicon("sync", "--db", pg_url, "--zoom-config", str(config), fault="series.between_occurrences@2:kill")
        assert run.returncode == -signal.SIGKILL, (run.stdout, run.stderr[-2000:])
        mid = [m for m in env.sandbox.state.meetings() if m["type"] == 8]
        assert len(mid) == 1 and [o["status"] for o in mid[0]["occurrences"]].count("deleted") == 2
        last = vicon("sync", "--db", pg_url, "--zoom-config", str(config))
        assert last.returncode == 0, last.stdout + last.stderr[-2000:]
        (meeting,) = [m for m in env.sandbox.state.meetings() if m["type"] == 8]
        assert [o["status"] for o in meeting["occurrences"]] == ["available", "deleted", "deleted", "deleted",
                                                                 "available"]  # fmt: skip
        deletes = [e for e in env.sandbox.state.events if e["event"] == "meeting.deleted"]
        assert len(deletes) == 3  # each unserved occurrence deleted once, nothing twice
        (stored,) = env.store.meetings(states=["active"])
        assert stored.zoom_meeting_id == meeting["id"] and not env.store.outbox_counts().get("pending")
