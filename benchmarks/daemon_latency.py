"""Daemon benchmark: from a new request to its Zoom meeting existing, with a ministry-sized month loaded.

    python -m benchmarks.daemon_latency [--requests 1500] [--samples 50] [--debounce 1.0] [--idle 30]

Loads the ministry profile into a SQLite store, starts the Zoom sandbox (with Zoom's limits) and the daemon,
waits for the month to be planned and synced, then adds requests one at a time and measures the time until the
sandbox holds the meeting; finally measures the daemon's CPU use while nothing happens.
"""

from __future__ import annotations

import argparse
import logging
import resource
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from allocator.daemon import Daemon, DaemonSettings
from allocator.planner.problem_io import parse_problem
from allocator.store.repo import Store
from allocator.sync.sandbox import fixture_for_hosts
from benchmarks.generate import ministry
from zoom_client import ZoomTenants
from zoom_client.idempotency import key_from_agenda
from zoom_client.sandbox import run_sandbox


def _cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=1500)
    ap.add_argument("--samples", type=int, default=50)
    ap.add_argument("--debounce", type=float, default=1.0)
    ap.add_argument("--idle", type=float, default=30.0)
    args = ap.parse_args()
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    logging.getLogger("zoom_client.sandbox").setLevel(logging.ERROR)
    problem = parse_problem(ministry(args.requests, seed=1))
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(f"sqlite:///{Path(tmp) / 'bench.db'}")
        store.import_problem(problem, actor="bench")
        sandbox = run_sandbox(fixture_for_hosts(problem.hosts), port=0)
        tenants = ZoomTenants(sandbox.zoom_config())
        settings = DaemonSettings(debounce_s=args.debounce, watch_every_s=0.2, sync_every_s=1.0, notify_every_s=60)
        daemon = Daemon(store, tenants, settings)
        t0 = time.monotonic()
        daemon.start()
        while daemon.state.replans < 1 or not daemon.wait_idle(600):
            time.sleep(0.2)
        initial = time.monotonic() - t0
        plan = store.published_plan()
        assert plan is not None
        served = len(plan.plan.assignments)

        def meeting_exists(ref: str) -> bool:
            return any(
                (key_from_agenda(m.get("agenda")) or "").startswith(ref + ".g") for m in sandbox.state.meetings()
            )

        base = [r for r in problem.requests if r.service.value == "link"]
        latencies = []
        for i in range(args.samples):
            model = base[(i * 37) % len(base)]
            req = model.model_copy(
                update={
                    "ref": f"LAT-{i:03d}",
                    "priority": "head_of_region",
                    "participants": 40,
                    "end": model.start + timedelta(minutes=30),
                }
            )
            t = time.monotonic()
            store.save_request(req, actor="bench")
            while not meeting_exists(req.ref):
                if time.monotonic() - t > 60:
                    raise SystemExit(f"{req.ref}: no meeting after 60 s")
                time.sleep(0.02)
            latencies.append(time.monotonic() - t)
        daemon.wait_idle(60)
        # Idle is measured at the daemon's default tick rates (the latency runs above watch every 0.2 s).
        defaults = DaemonSettings()
        daemon.scheduler.reschedule_job("watch", trigger="interval", seconds=defaults.watch_every_s)
        daemon.scheduler.reschedule_job("sync", trigger="interval", seconds=defaults.sync_every_s)
        time.sleep(2)
        c0, w0 = _cpu_s(), time.monotonic()
        time.sleep(args.idle)
        idle_cpu = (_cpu_s() - c0) / (time.monotonic() - w0)
        daemon.stop()
        sandbox.stop()
        store.close()
    lat = sorted(latencies)
    median = statistics.median(lat)
    p90 = lat[int(0.9 * (len(lat) - 1))]
    print(
        f"| {args.requests} requests ({served} served) | initial plan+sync {initial:.1f} s "
        f"| debounce {args.debounce:.1f} s | latency median {median:.2f} s, p90 {p90:.2f} s, worst {lat[-1]:.2f} s "
        f"(n={len(lat)}) | beyond debounce median {median - args.debounce:.2f} s "
        f"| idle CPU {idle_cpu:.2%} of one core over {args.idle:.0f} s at default tick rates (sandbox in-process) |"
    )


if __name__ == "__main__":
    main()
