"""The planner with the office's whole workflow on: rehearsals, new-venue surveys, kits, travel, flexible windows.

Each measurement runs in a fresh child process so its peak memory is its own. Prints a Markdown report.

    python -m benchmarks.workflow            # the set recorded in docs/benchmarks.md (~8 min)
    python -m benchmarks.workflow --quick    # district month only (~1 min)
    python -m benchmarks.workflow --every    # with every other part on too (calendar, overtime, series, units…)
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections import Counter
from typing import Any

from allocator.planner.candidates import CandidateCache
from allocator.planner.domain import Assignment, Plan, Problem, Request, ServiceType
from allocator.planner.problem_io import parse_problem
from allocator.planner.solver import SolveOptions, first_come_first_served, solve
from allocator.planner.validate import validate_plan
from benchmarks.baseline import served_weight
from benchmarks.generate import add_every_part, add_workflow, district, ministry
from benchmarks.planner import _child as planner_child
from benchmarks.planner import _rss_mib, _with_new_request


def load(profile: str, n: int, seed: int) -> Problem:
    """`profile`: district or ministry, with the workflow on; "+every" adds every other part (`add_every_part`)."""
    name, _, every = profile.partition("+")
    base = (district if name == "district" else ministry)(n, seed)
    field = 0.4 if name == "district" else 0.15
    data = add_workflow(base, random.Random(seed + 1000), field_share=field)
    if every:
        data = add_every_part(data, random.Random(seed + 2000))
    return parse_problem(data)


def measure(profile: str, n: int, seed: int, repeat: int, time_limit_s: float) -> dict[str, Any]:
    prob = load(profile, n, seed)
    times, plan = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        plan = solve(prob, SolveOptions(time_limit_s=time_limit_s))
        times.append(time.perf_counter() - t)
    assert plan is not None and validate_plan(prob, plan) == []
    rss = _rss_mib()  # the plan's own peak, before the baseline and the exact search below
    by_hand = first_come_first_served(prob)  # validated inside: every rule kept
    checked: tuple[object, ...] = ("-", "-", "-", "-")  # the exact search of a ministry month takes too long
    if plan.restrictions and n <= 300:
        exact = solve(prob, SolveOptions(time_limit_s=time_limit_s * 3, exact_search=True))
        served_term = exact.term("served_weight")
        checked = (exact.status.value, served_term.value, served_term.bound, round(exact.solve_seconds, 1))
    reqs = {r.ref: r for r in prob.requests}
    terms = {t.name: (t.value, t.bound) for t in plan.objective}
    return {
        "fcfs_weight": served_weight(prob, by_hand),
        "fcfs_served": len(by_hand.assignments),
        "restrictions": len(plan.restrictions),
        "exact": checked,
        "requests": len(prob.requests),
        "flexible": sum(1 for r in prob.requests if r.flexible),
        "rehearsal_asked": sum(1 for r in prob.requests if r.rehearsal),
        "kits_asked": sum(1 for r in prob.requests if r.kits),
        "median_s": statistics.median(times),
        "runs": [round(t, 2) for t in times],
        "status": plan.status.value,
        "terms": terms,
        "served_gap": abs(terms["served_weight"][1] - terms["served_weight"][0]) / max(1, terms["served_weight"][0]),
        "gap": plan.gap,
        "served": len(plan.assignments),
        "rehearsals": sum(1 for a in plan.assignments if a.rehearsal),
        "missed_rehearsals": len(plan.missed_rehearsals),
        "surveys": sum(1 for a in plan.assignments if a.survey),
        "moved": sum(1 for a in plan.assignments if a.start is not None and a.start != _request(reqs, a).start),
        "loans": sum(1 for a in plan.assignments if _request(reqs, a).kits),
        "series": sum(1 for r in prob.requests if getattr(r, "series", None) is not None),
        "self_operated": sum(1 for a in plan.assignments if getattr(a, "self_operated", False)),
        "unserved": dict(Counter(u.code for u in plan.unserved)),
        "with_alternative": sum(1 for u in plan.unserved if u.alternatives),
        "peak_rss_mib": round(rss, 1),
    }


def _request(reqs: dict[str, Request], a: Assignment) -> Request:
    """The request an assignment serves (an occurrence 'REF:3' of a series: the series)."""
    return reqs.get(a.request) or reqs[a.request.rpartition(":")[0]]


NEWCOMERS = ("normal", "head_of_region", "fits")


def _with_fitting_request(prob: Problem, previous: Plan) -> Problem:
    """A small link-only meeting at the month's middle request's time: a host is free, nothing need move."""
    mid = prob.requests[len(prob.requests) // 2]
    newcomer = mid.model_copy(
        update={"ref": "NEW-fits", "participants": 20, "priority": "normal", "service": ServiceType.LINK,
                "operators_needed": 0, "required_skills": [], "allowed_operators": None, "rehearsal": None,
                "kits": [], "window_start": None, "window_end": None}
    )  # fmt: skip
    again = _with_new_request(prob, previous, "normal")
    return again.model_copy(update={"requests": [*prob.requests, newcomer]})


def measure_replan(profile: str, n: int, seed: int, repeat: int, spread: bool = False) -> dict[str, Any]:
    prob = load(profile, n, seed)
    cache = CandidateCache()
    first = solve(prob, SolveOptions(time_limit_s=60), cache=cache)
    out: dict[str, Any] = {}
    for priority in NEWCOMERS:
        again = _with_fitting_request(prob, first) if priority == "fits" else _with_new_request(prob, first, priority)
        times, plan = [], None
        for _ in range(repeat):
            t = time.perf_counter()
            plan = solve(again, SolveOptions(alternatives=False), cache=cache)
            times.append(time.perf_counter() - t)
        assert plan is not None and validate_plan(again, plan) == []
        newcomer = next(r.ref for r in again.requests if r.ref.startswith("NEW-"))
        out[priority] = {"median_s": statistics.median(times), "runs": [round(t, 2) for t in times],
                         "changes": plan.term("changes").value, "status": plan.status.value,
                         "served": plan.assignment_for(newcomer) is not None}  # fmt: skip
    if spread:
        out["spread"] = _spread(prob, first, cache)
    return out


SPREAD = 8  # newcomers copied from requests at 1/8, 2/8 … 7/8 of the month's list


def _spread(prob: Problem, first: Plan, cache: CandidateCache) -> list[dict[str, Any]]:
    """The same re-plan with the newcomer on other days: how long depends on the part the newcomer joins. Each is
    also planned once with its changed part searched whole (`replan_gap=0`), to compare what settling finds."""
    rows = []
    for k in range(1, SPREAD):
        at = len(prob.requests) * k // SPREAD
        for priority in ("normal", "head_of_region"):
            again = _with_new_request(prob, first, priority, at=at)
            times = []
            for _ in range(3):
                t = time.perf_counter()
                plan = solve(again, SolveOptions(alternatives=False), cache=cache)
                times.append(time.perf_counter() - t)
            assert validate_plan(again, plan) == []
            t = time.perf_counter()
            whole = solve(
                again, SolveOptions(alternatives=False, replan_gap=0.0, replan_keeps_published_gap=False), cache=cache
            )
            whole_s = time.perf_counter() - t
            served = plan.term("served_weight")
            rows.append({"day": prob.requests[at].start.date().isoformat(), "priority": priority,
                         "median_s": statistics.median(times), "runs": [round(t, 2) for t in times],
                         "served": plan.assignment_for(f"NEW-{priority}") is not None,
                         "changes": plan.term("changes").value, "served_weight": served.value,
                         "served_bound": served.bound, "gap": plan.gap,
                         "whole_served_weight": whole.term("served_weight").value,
                         "whole_optimal": whole.term("served_weight").optimal, "whole_s": whole_s})  # fmt: skip
    return rows


def _child(kind: str, **kw: Any) -> dict[str, Any]:
    return planner_child(kind, module="benchmarks.workflow", **kw)


def report(quick: bool, every: bool = False) -> str:
    """The Markdown report; `every`: with every other part on too (calendar, overtime, duty, series, units'
    own operators, kit faults), at the 20 s limit only."""
    tag = "+every" if every else ""
    loads = [("district" + tag, 220, 3, 20.0)]
    if not quick:
        loads += [("ministry" + tag, 1500, 3, 20.0)] + ([] if every else [("ministry", 1500, 3, 60.0)])
    lines = [
        "| load | requests (flexible / rehearsal / kits) | limit (s) | median (s) | runs | status "
        "| served weight (bound) | served-weight gap | preferences (bound) | rehearsals placed (optional missed) "
        "| served "
        "| FCFS weight (served) | search limits hit | exact search: status, served weight (bound), s "
        "| surveys | moved | kit loans | unserved by reason | unserved with an alternative | peak RSS (MiB) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for profile, n, repeat, limit in loads:
        r = _child("solve", profile=profile, n=n, seed=1, repeat=repeat, time_limit_s=limit)
        t = r["terms"]
        lines.append(
            f"| {profile} | {r['requests']} ({r['flexible']} / {r['rehearsal_asked']} / {r['kits_asked']}"
            + (f"; {r['series']} series, {r['self_operated']} run by their unit" if every else "")
            + ") "
            f"| {limit:.0f} "
            f"| {r['median_s']:.2f} | {r['runs']} | {r['status']} | {t['served_weight'][0]} ({t['served_weight'][1]}) "
            f"| {r['served_gap']:.2%} | {t['preferences'][0]} ({t['preferences'][1]}) "
            f"| {r['rehearsals']} ({r['missed_rehearsals']}) | {r['served']} "
            f"| {r['fcfs_weight']} ({r['fcfs_served']}) | {r['restrictions']} "
            f"| {r['exact'][0]}, {r['exact'][1]} ({r['exact'][2]}), {r['exact'][3]} "
            f"| {r['surveys']} | {r['moved']} "
            f"| {r['loans']} | {r['unserved']} | {r['with_alternative']} of {sum(r['unserved'].values())} "
            f"| {r['peak_rss_mib']:.0f} |"
        )
    lines += ["", "Re-plan after one new request with the workflow on (previous plan, records and cache given):", ""]
    lines += ["| load | new request | re-plan median (s) | runs | changes | newcomer served | status |",
              "|---|---|---|---|---|---|---|"]  # fmt: skip
    for profile, n in (("district" + tag, 220),) if quick else (("district" + tag, 220), ("ministry" + tag, 1500)):
        r = _child("replan", profile=profile, n=n, seed=1, repeat=5)
        for priority in NEWCOMERS:
            x = r[priority]
            lines.append(
                f"| {profile} {n} | {priority} | {x['median_s']:.2f} | {x['runs']} | {x['changes']} "
                f"| {'yes' if x['served'] else 'no'} | {x['status']} |"
            )
    if not quick:
        r = _child("replan", profile="ministry" + tag, n=1500, seed=1, repeat=1, spread=True)
        lines += [
            "",
            "The same re-plan with the newcomer copied from other requests of the month (3 runs each), and "
            "once more with its changed part searched whole (`replan_gap=0`):",
            "",
        ]
        lines += ["| newcomer's day | newcomer | median (s) | runs | served | changes | served weight (bound) "
                  "| plan gap | whole part searched: served weight | proven | s |",
                  "|---|---|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
        for x in r["spread"]:
            lines.append(
                f"| {x['day']} | {x['priority']} | {x['median_s']:.2f} | {x['runs']} "
                f"| {'yes' if x['served'] else 'no'} | {x['changes']} | {x['served_weight']} ({x['served_bound']}) "
                f"| {x['gap']:.2%} "
                f"| {x['whole_served_weight']} | {'yes' if x['whole_optimal'] else 'no'} | {x['whole_s']:.2f} |"
            )
        every = [x["median_s"] for x in r["spread"]]
        within = sum(t <= 1.0 for t in every)
        same = sum(x["served_weight"] == x["whole_served_weight"] for x in r["spread"])
        lines += ["", f"Across these {len(every)} cases: median {statistics.median(every):.2f} s, "
                      f"{within} of {len(every)} within 1 s, slowest {max(every):.2f} s; the served weight of the "
                      f"whole search in {same} of {len(every)}."]  # fmt: skip
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--every", action="store_true", help="every other part on too (see benchmarks.generate)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        spec = json.loads(args.child)
        kind = spec.pop("kind")
        print(json.dumps(measure(**spec) if kind == "solve" else measure_replan(**spec)))
        return
    print(report(args.quick, args.every))


if __name__ == "__main__":
    main()
