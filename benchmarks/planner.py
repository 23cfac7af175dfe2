"""Planner benchmarks: solve time, proven gap, served weight against first-come-first-served, peak memory.

Each measurement runs in a fresh child process so its peak memory is its own. Prints a Markdown report.

    python -m benchmarks.planner            # the full set recorded in docs/benchmarks.md (~10 min)
    python -m benchmarks.planner --quick    # a smoke run (~1 min)
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import subprocess
import sys
import time
from typing import Any

from allocator.planner.candidates import CandidateCache
from allocator.planner.domain import Plan, Problem
from allocator.planner.problem_io import parse_problem
from allocator.planner.solver import SolveOptions, solve
from allocator.planner.validate import validate_claims, validate_plan
from benchmarks.baseline import first_come_first_served, served_weight
from benchmarks.generate import district, ministry

PROFILES = {"district": district, "ministry": ministry}


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_solve(profile: str, n: int, seed: int, repeat: int, options: dict[str, Any]) -> dict[str, Any]:
    prob = parse_problem(PROFILES[profile](n, seed))
    before = _rss_mib()
    times, plan = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        plan = solve(prob, SolveOptions(**options))
        times.append(time.perf_counter() - t)
    assert plan is not None
    assert validate_plan(prob, plan) == [] and validate_claims(prob, plan) == []
    greedy = first_come_first_served(prob)
    assert validate_plan(prob, greedy) == []
    return {
        "requests": len(prob.requests),
        "median_s": statistics.median(times),
        "runs": [round(t, 3) for t in times],
        "status": plan.status.value,
        "gap": plan.gap,
        "weight": plan.term("served_weight").value,
        "bound": plan.term("served_weight").bound,
        "served": len(plan.assignments),
        "greedy_weight": served_weight(prob, greedy),
        "greedy_served": len(greedy.assignments),
        "components": plan.components,
        "rss_before_mib": round(before, 1),
        "peak_rss_mib": round(_rss_mib(), 1),
    }


def _with_new_request(prob: Problem, previous: Plan, priority: str, at: int | None = None) -> Problem:
    """A copy of the request at index `at` (default: the middle one) as a new request of that priority."""
    reqs = prob.requests
    mid = reqs[len(reqs) // 2 if at is None else at]
    newcomer = mid.model_copy(
        update={
            "ref": f"NEW-{priority}",
            "participants": 450 if priority == "head_of_region" else 80,
            "priority": priority,
            "service": mid.service.__class__("link_operator"),
            "operators_needed": 1,
            "required_skills": [],
            "allowed_operators": None,
        }
    )
    return prob.model_copy(
        update={
            "requests": [*reqs, newcomer],
            "previous": previous.assignments,
            "previous_records": previous.records,
            "previous_unserved": previous.unserved,
        }
    )


def measure_replan(profile: str, n: int, seed: int, repeat: int) -> dict[str, Any]:
    prob = parse_problem(PROFILES[profile](n, seed))
    cache = CandidateCache()  # as the daemon keeps it between re-plans
    first = solve(prob, cache=cache)
    out: dict[str, Any] = {"requests": len(prob.requests)}
    for priority in ("normal", "head_of_region"):
        again = _with_new_request(prob, first, priority)
        times, full, plan = [], [], None
        for _ in range(repeat):
            t = time.perf_counter()
            plan = solve(again, SolveOptions(alternatives=False), cache=cache)
            times.append(time.perf_counter() - t)
            t = time.perf_counter()
            solve(again, cache=cache)
            full.append(time.perf_counter() - t)
        assert plan is not None and validate_plan(again, plan) == []
        out[priority] = {
            "median_s": statistics.median(times),
            "with_alternatives_s": statistics.median(full),
            "runs": [round(t, 3) for t in times],
            "changes": plan.term("changes").value,
            "changes_optimal": plan.term("changes").optimal,
            "status": plan.status.value,
            "new_served": plan.assignment_for(f"NEW-{priority}") is not None,
        }
    return out


def _child(kind: str, module: str = "benchmarks.planner", **kw: Any) -> dict[str, Any]:
    """Run one measurement of `module` in a fresh process (its own peak memory); its last line is the JSON result."""
    args = [sys.executable, "-m", module, "--child", json.dumps({"kind": kind, **kw})]
    done = subprocess.run(args, capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def report(quick: bool) -> str:
    lines = [
        f"Python {platform.python_version()}, OR-Tools CP-SAT, {platform.machine()}, 2 shared cores; "
        f"default options (2 components at a time, 1 CP-SAT worker each, 20 s limit, alternatives searched for every "
        f"unserved request).",
        "",
        "| load | requests | solve median (s) | runs | status | gap | served weight (bound) | FCFS weight "
        "| ratio | served / FCFS served | components | peak RSS (MiB) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    loads = [("district", 220, 5), ("ministry", 100, 5), ("ministry", 300, 5), ("ministry", 1500, 5)]
    if not quick:
        loads = [
            ("district", 220, 5),
            ("district", 1000, 5),
            ("ministry", 100, 5),
            ("ministry", 300, 5),
            ("ministry", 1000, 5),
            ("ministry", 1500, 5),
            ("ministry", 3000, 3),
            ("ministry", 5000, 3),
        ]
    for profile, n, repeat in loads:
        r = _child("solve", profile=profile, n=n, seed=1, repeat=repeat, options={})
        lines.append(
            f"| {profile} | {r['requests']} | {r['median_s']:.2f} | {r['runs']} | {r['status']} | {r['gap']:.2%} "
            f"| {r['weight']} ({r['bound']}) | {r['greedy_weight']} | {r['weight'] / max(1, r['greedy_weight']):.3f} "
            f"| {r['served']} / {r['greedy_served']} | {r['components']} | {r['peak_rss_mib']:.0f} |"
        )
    lines += ["", "Re-plan after one new request, the previous plan and its records given, per-request options cached "
              "from the first solve as the daemon keeps them (median of 5):", ""]  # fmt: skip
    lines += ["| load | new request | re-plan median (s) | runs | + alternatives for all unserved (s) | changes "
              "| changes proven minimal | new one served |"]  # fmt: skip
    lines += ["|---|---|---|---|---|---|---|---|"]
    for profile, n in (("district", 220), ("ministry", 1500)):
        r = _child("replan", profile=profile, n=n, seed=1, repeat=5)
        for priority in ("normal", "head_of_region"):
            x = r[priority]
            lines.append(
                f"| {profile} {r['requests']} | {priority} | {x['median_s']:.2f} | {x['runs']} "
                f"| {x['with_alternatives_s']:.2f} | {x['changes']} "
                f"| {x['changes_optimal']} | {x['new_served']} |"
            )
    if not quick:
        lines += ["", "What each structural device buys, ministry month (1,500 requests), one run each:", ""]
        lines += ["| options | solve (s) | status | gap | served weight |", "|---|---|---|---|---|"]
        for label, opts in (
            ("all on (default)", {}),
            ("no component split", {"split_components": False}),
            ("no pooling of identical resources", {"pool_interchangeable": False}),
            ("no redundant pool limits", {"redundant_constraints": False}),
            ("1 component at a time", {"workers": 1}),
        ):
            r = _child("solve", profile="ministry", n=1500, seed=1, repeat=1, options={**opts, "time_limit_s": 60})
            lines.append(f"| {label} | {r['median_s']:.2f} | {r['status']} | {r['gap']:.2%} | {r['weight']} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        spec = json.loads(args.child)
        kind = spec.pop("kind")
        result = measure_solve(**spec) if kind == "solve" else measure_replan(**spec)
        print(json.dumps(result))
        return
    print(report(args.quick))


if __name__ == "__main__":
    main()
