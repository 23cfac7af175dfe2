"""Every benchmark plan, written down without its timings, so two versions of the planner can be compared.

A refactoring of the planner must not change a single assignment. This writes the plans of the benchmark loads —
district and ministry months with and without the workflow, and their re-plans after one new request — as JSON
(assignments, unserved requests with their reason codes, objective values and bounds, status), one case per key:

    python -m benchmarks.plan_snapshot --out before.json          # on the old code
    python -m benchmarks.plan_snapshot --out after.json           # on the new code
    python -m benchmarks.plan_snapshot --compare before.json after.json

A part cut short by its time limit may end elsewhere from run to run on a shared machine (the ministry month with the
workflow at 60 s is: run the old code twice to see its spread); `--compare` names each case whose plan differs, how
many assignments differ and whether both plans claimed to be optimal (a proven-optimal plan that differs is a real
change), and says "same plan" where only the bounds of a level cut short differ.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from allocator.planner.candidates import CandidateCache
from allocator.planner.domain import Plan, Problem
from allocator.planner.problem_io import parse_problem
from allocator.planner.solver import SolveOptions, solve
from benchmarks.generate import district, ministry
from benchmarks.planner import _with_new_request
from benchmarks.workflow import _with_fitting_request, load


def _digest(plan: Plan) -> dict[str, Any]:
    return {
        "status": plan.status.value,
        "objective": [[t.name, t.value, t.bound, t.optimal] for t in plan.objective],
        "assignments": [a.model_dump(mode="json") for a in plan.assignments],
        "unserved": [[u.request, u.code] for u in plan.unserved],
        "records": sorted([r.fingerprint, r.result] for r in plan.records),
    }


def _cases(quick: bool) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    plain = [("district", 220, district), ("ministry", 1500, ministry)]
    for name, n, make in plain[:1] if quick else plain:
        prob = parse_problem(make(n, 1))
        cache = CandidateCache()
        first = solve(prob, cache=cache)
        out[f"{name}-{n}"] = _digest(first)
        for priority in ("normal", "head_of_region"):
            again = _with_new_request(prob, first, priority)
            out[f"{name}-{n} re-plan {priority}"] = _digest(solve(again, SolveOptions(alternatives=False), cache=cache))
    for name, n, limit in [("district", 220, 20.0)] if quick else [("district", 220, 20.0), ("ministry", 1500, 60.0)]:
        wf: Problem = load(name, n, 1)
        cache = CandidateCache()
        first = solve(wf, SolveOptions(time_limit_s=limit), cache=cache)
        out[f"{name}-{n} workflow"] = _digest(first)
        for priority in ("normal", "head_of_region", "fits"):
            again = _with_fitting_request(wf, first) if priority == "fits" else _with_new_request(wf, first, priority)
            plan = solve(again, SolveOptions(alternatives=False), cache=cache)
            out[f"{name}-{n} workflow re-plan {priority}"] = _digest(plan)
    return out


def compare(before: dict[str, Any], after: dict[str, Any]) -> int:
    """Prints one line per case; returns how many differ in their assignments or unserved requests."""
    differ = 0
    for case in sorted(set(before) | set(after)):
        a, b = before.get(case), after.get(case)
        if a == b:
            print(f"same       {case} ({len(a['assignments']) if a else 0} assignments, {a and a['status']})")
            continue
        proven = bool(a and b and a["status"] == "optimal" and b["status"] == "optimal")
        claims = "both proven optimal" if proven else "not both proven optimal"
        if a and b and (a["assignments"], a["unserved"]) == (b["assignments"], b["unserved"]):
            print(f"same plan  {case} (bounds differ: {claims}, a time limit cut a level short)")
            continue
        differ += 1
        moved = _changed_assignments(a, b)
        print(f"DIFFERENT  {case} ({moved} assignments differ; {claims})")
    print(f"{len(set(before) | set(after)) - differ} with the same plan, {differ} different")
    return differ


def _changed_assignments(a: dict[str, Any] | None, b: dict[str, Any] | None) -> int:
    old = {x["request"]: x for x in (a or {}).get("assignments", [])}
    new = {x["request"]: x for x in (b or {}).get("assignments", [])}
    return sum(1 for r in set(old) | set(new) if old.get(r) != new.get(r))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", help="write the snapshot here")
    ap.add_argument("--quick", action="store_true", help="the district month only")
    ap.add_argument("--compare", nargs=2, metavar=("BEFORE", "AFTER"))
    args = ap.parse_args()
    if args.compare:
        with open(args.compare[0]) as f, open(args.compare[1]) as g:
            sys.exit(1 if compare(json.load(f), json.load(g)) else 0)
    snapshot = _cases(args.quick)
    text = json.dumps(snapshot, indent=1, sort_keys=True)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    else:
        print(text)


if __name__ == "__main__":
    main()
