"""Benchmark: publish and sync a 1,500-request month into the Zoom sandbox, then re-publish and re-plan.

Steps (one fresh database and one sandbox on a free loopback port, Zoom's per-second limits enforced by the
sandbox and respected by the client's limiter):
  1. import a generated ministry month (benchmarks.generate ministry, 1,500 requests, 25 hosts, 2 accounts);
  2. plan it (first-come-first-served by default, or the CP-SAT planner) and publish: time, actions queued;
  3. sync: wall time, Zoom API calls, actions per request;
  4. re-publish the unchanged plan: actions (must be 0);
  5. cancel 5% of the served requests and move 2%, re-publish and sync: actions and time;
  6. reconcile --dry-run: time, findings (must be none).

    .venv/bin/python -m benchmarks.store_sync_bench [--requests 1500] [--db URL] [--planner fcfs|solver]
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from allocator.planner.domain import Assignment, Plan, Problem
from allocator.planner.problem_io import parse_problem
from allocator.store import Store
from allocator.sync import SyncWorker, reconcile
from allocator.sync.sandbox import fixture_for_hosts
from benchmarks.baseline import first_come_first_served
from benchmarks.generate import ministry
from zoom_client import ZoomTenants
from zoom_client.sandbox import run_sandbox


def _plan(problem: Problem, planner: str, time_limit: float) -> Plan:
    if planner == "solver":
        from allocator.planner.solver import SolveOptions, solve

        return solve(problem, SolveOptions(time_limit_s=time_limit))
    return first_come_first_served(problem)


def _calls(tenants: ZoomTenants) -> int:
    return sum(c.stats.calls for c in tenants.clients())


def run(requests: int, db: str | None, planner: str, time_limit: float, seed: int) -> dict[str, Any]:
    problem = parse_problem(ministry(requests, seed=seed))
    now = problem.now
    tmp = tempfile.TemporaryDirectory()
    url = db or f"sqlite:///{Path(tmp.name) / 'bench.db'}"
    store = Store.open(url, clock=lambda: now)
    out: dict[str, Any] = {"requests": len(problem.requests), "hosts": len(problem.hosts), "db": store.dialect}
    t = time.perf_counter()
    store.import_problem(problem, actor="bench")
    out["import_s"] = round(time.perf_counter() - t, 2)
    prob = store.load_problem(now)
    plan = _plan(prob, planner, time_limit)
    with_host = sum(1 for a in plan.assignments if a.host is not None)
    out["served"], out["served_with_host"] = len(plan.assignments), with_host
    t = time.perf_counter()
    res = store.publish_plan(plan, actor="bench", scope=[r.ref for r in prob.requests], now=now)
    out["publish_s"] = round(time.perf_counter() - t, 2)
    out["publish_actions"] = res.counts()
    out["queued"] = res.queued
    with run_sandbox(fixture_for_hosts(store.hosts()), announce=None) as sb:
        tenants = ZoomTenants(sb.zoom_config(), now=lambda: now)  # one clock: the budget's day is the store's
        worker = SyncWorker(store, tenants, batch_size=50)
        t = time.perf_counter()
        report = worker.run_once()
        out["sync_s"] = round(time.perf_counter() - t, 2)
        out["sync"] = {"done": len(report.done), "deferred": len(report.deferred), "failed": len(report.failed)}
        out["zoom_calls"] = _calls(tenants)
        out["zoom_calls_per_meeting"] = round(out["zoom_calls"] / max(1, len(report.done)), 3)
        out["actions_per_request"] = round(res.queued / len(prob.requests), 3)
        out["meetings_in_zoom"] = len(sb.state.meetings())
        # Re-publish the same plan, and re-plan from the store (previous = published plan).
        t = time.perf_counter()
        again = store.publish_plan(plan, actor="bench", scope=[r.ref for r in prob.requests], now=now)
        out["republish_s"] = round(time.perf_counter() - t, 2)
        out["republish_actions"] = len(again.actions)
        replanned = _plan(store.load_problem(now), planner, time_limit)
        out["replan_unchanged_actions"] = len(
            store.publish_plan(replanned, actor="bench", scope=[r.ref for r in prob.requests], now=now).actions
        )
        # Changes: cancel 5% of the served requests, move 2% to another host of the same capacity.
        rng = random.Random(seed)
        served = [a for a in replanned.assignments if a.host is not None]
        cancelled = rng.sample(served, len(served) // 20)
        for a in cancelled:
            store.cancel_request(a.request, actor="bench")
        hosts_by_cap: dict[tuple[int, str], list[str]] = {}
        for h in prob.hosts:
            hosts_by_cap.setdefault((h.capacity, h.kind.value), []).append(h.id)
        host_of = {h.id: h for h in prob.hosts}
        gone = {a.request for a in cancelled}
        moved = 0
        assignments = []
        for a in replanned.assignments:
            if a.request in gone:
                continue
            if a.host is not None and moved < len(served) // 50 and rng.random() < 0.05:
                h = host_of[a.host]
                others = [x for x in hosts_by_cap[(h.capacity, h.kind.value)] if x != a.host]
                if others:
                    a = Assignment(request=a.request, host=others[0], operators=a.operators)
                    moved += 1
            assignments.append(a)
        changed_plan = replanned.model_copy(update={"assignments": assignments})
        t = time.perf_counter()
        change = store.publish_plan(changed_plan, actor="bench", scope=[r.ref for r in prob.requests], now=now)
        out["change"] = {
            "cancelled": len(cancelled),
            "moved": moved,
            "publish_s": round(time.perf_counter() - t, 2),
            "deletes_queued_by_cancel": len(cancelled),
            "publish_actions": change.counts(),
        }
        calls0 = _calls(tenants)
        t = time.perf_counter()
        report2 = worker.run_once()
        out["change"]["sync_s"] = round(time.perf_counter() - t, 2)
        out["change"]["sync_done"] = len(report2.done)
        out["change"]["zoom_calls"] = _calls(tenants) - calls0
        counts = store.outbox_counts()
        out["still_queued"] = counts.get("pending", 0) + counts.get("in_progress", 0)  # deferred: host budget
        t = time.perf_counter()
        rec = reconcile(store, tenants, dry_run=True, now=now)
        out["reconcile_s"] = round(time.perf_counter() - t, 2)
        out["reconcile_findings"] = len(rec.findings) + len(rec.errors)
        keys = [m.get("agenda", "").split("]")[0] for m in sb.state.meetings()]
        out["duplicates"] = len(keys) - len(set(keys))
        out["meetings_in_zoom_after_change"] = len(sb.state.meetings())
        out["active_meetings_in_store"] = len(store.meetings(states=["active"]))
    store.close()
    tmp.cleanup()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=1500)
    ap.add_argument("--db", default=None, help="database URL (default: a temporary SQLite file)")
    ap.add_argument("--planner", choices=["fcfs", "solver"], default="fcfs")
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    print(json.dumps(run(args.requests, args.db, args.planner, args.time_limit, args.seed), indent=2))


if __name__ == "__main__":
    main()
