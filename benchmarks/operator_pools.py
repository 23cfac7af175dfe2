"""Large operator pools: the planner against a plain CP-SAT model of the same load, side by side in one run.

For each province-wide event day (`benchmarks.generate.operator_pools`: hundreds of operators, each trained for a
few kecamatan and skills, 40–2,000 operator-only sessions in one day) it runs `solve` at the time limit, then a
plain model written here from the problem's own fields — one 0/1 variable per session and qualified operator, at
most one of the sessions overlapping at any moment (setup and teardown included) per operator, maximise the served
priority weight then minimise the operators called in — at the same limit, and reports per instance:

- valid: the independent validator accepts the plan and its claims;
- served: the planner's served weight against the plain model's (every servable request: not below it), and the
  bound the planner proves for it (the smaller of `served_bound`'s and `served_lp`'s: equal to the served weight,
  every servable request is served);
- operators used by the plan, the lower bound from overlapping sessions (the most sessions served at once, over all
  and per group of sessions only the same operators may take), and the plain model's best;
- wall time of `solve` (model build included) and the process's peak memory.

    python -m benchmarks.operator_pools            # sizes 40…2,000, three seeds, 20 s each
    python -m benchmarks.operator_pools --quick    # four instances
"""

from __future__ import annotations

import argparse
import resource
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from ortools.sat.python import cp_model

from allocator.planner.components import maximal_cliques
from allocator.planner.domain import Plan, Problem
from allocator.planner.problem_io import parse_problem
from allocator.planner.solver import SolveOptions, solve
from allocator.planner.validate import validate_claims, validate_plan
from benchmarks.generate import operator_pools

SIZES = (40, 100, 200, 400, 800, 1200, 1600, 2000)
SEEDS = (1, 2, 3)


@dataclass
class Plain:
    served: int
    operators: int
    bound: int  # the plain model's proven fewest operators (at its served weight, when proven)


def _spans(problem: Problem) -> dict[str, tuple[datetime, datetime]]:
    before = timedelta(minutes=problem.policy.operator_setup_min)
    after = timedelta(minutes=problem.policy.operator_teardown_min)
    return {r.ref: (r.start - before, r.end + after) for r in problem.requests}


def qualified(problem: Problem) -> dict[str, list[str]]:
    """Who may take each session: allowed, skilled, and on shift for the whole span (one-day loads, no leave)."""
    zone = ZoneInfo(problem.policy.timezone)
    spans = _spans(problem)
    out: dict[str, list[str]] = {}
    for r in problem.requests:
        s, e = (t.astimezone(zone) for t in spans[r.ref])
        who = []
        for op in problem.operators:
            if r.allowed_operators is not None and op.id not in r.allowed_operators:
                continue
            if not set(r.required_skills) <= set(op.skills):
                continue
            if any(s.weekday() in sh.weekdays and sh.start <= s.time() and e.time() <= sh.end for sh in op.shifts):
                who.append(op.id)
        out[r.ref] = who
    return out


def plain_model(problem: Problem, seconds: float, workers: int = 2, only: set[str] | None = None) -> Plain:
    """The dedicated model: assignment variables, no overlap per operator, served weight first, then operators.
    CP-SAT's own portfolio on `workers` threads (the machine's two cores by default): with one worker it finds no
    plan at all from 800 sessions up, which compares with nothing. `only`: exactly these sessions served (the
    fewest operators for the planner's own served set, when the plain model served less)."""
    spans = _spans(problem)
    who = qualified(problem)
    weights = problem.policy.priority_weights
    model = cp_model.CpModel()
    x: dict[tuple[str, str], cp_model.IntVar] = {}
    served: dict[str, cp_model.IntVar] = {}
    by_op: dict[str, list[str]] = defaultdict(list)
    for r in problem.requests:
        served[r.ref] = model.new_bool_var(f"s{r.ref}")
        for o in who[r.ref]:
            x[r.ref, o] = model.new_bool_var(f"x{r.ref}{o}")
            by_op[o].append(r.ref)
        model.add(sum(x[r.ref, o] for o in who[r.ref]) == served[r.ref])
        if only is not None:
            model.add(served[r.ref] == int(r.ref in only))
    used = {o: model.new_bool_var(f"u{o}") for o in by_op}
    for o, refs in by_op.items():
        minutes = [(int(spans[r][0].timestamp() // 60), int(spans[r][1].timestamp() // 60), r) for r in refs]
        for clique in maximal_cliques(minutes):  # at most one of the sessions overlapping at any moment
            model.add_at_most_one(x[r, o] for r in clique)
        for ref in refs:
            model.add_implication(x[ref, o], used[o])
    weight = sum(weights.get(r.priority, 0) * served[r.ref] for r in problem.requests)
    big = len(used) + 1
    model.maximize(big * weight - sum(used.values()))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = workers
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Plain(0, 0, 0)
    value = round(solver.value(weight))
    ops = sum(solver.value(u) for u in used.values())
    # big·w − ops ≤ bound and w = value (when the served weight is proven): ops ≥ big·value − bound
    bound = max(0, big * value - int(solver.best_objective_bound))
    return Plain(value, ops, bound)


def overlap_bound(problem: Problem, plan: Plan) -> int:
    """The most served sessions at one moment, over all and within each group of sessions whose qualified
    operators are the same set: no plan serving these can call in fewer operators."""
    spans = _spans(problem)
    who = qualified(problem)
    served = [a.request for a in plan.assignments]
    groups: dict[frozenset[str], list[str]] = defaultdict(list)
    for ref in served:
        groups[frozenset(who[ref])].append(ref)
    best = _most_at_once([spans[r] for r in served])
    for group in groups:
        inside = [spans[r] for g2, refs in groups.items() if g2 <= group for r in refs]
        best = max(best, _most_at_once(inside))
    return best


def _most_at_once(spans: list[tuple[datetime, datetime]]) -> int:
    events = sorted([(s, 1) for s, _ in spans] + [(e, -1) for _, e in spans])  # ends first at equal times
    now = top = 0
    for _t, d in events:
        now += d
        top = max(top, now)
    return top


def run(sizes: tuple[int, ...], seeds: tuple[int, ...], limit: float, workers: int) -> None:
    print(
        "| requests | seed | operators | valid | served (plan / plain) | served bound | used | lower bound "
        "| plain best | planner status | wall s | peak MB |"
    )
    print("|---:|---:|---:|:-:|---:|---:|---:|---:|---:|:-:|---:|---:|")
    tally = Tally()
    for n in sizes:
        for seed in seeds:
            problem = parse_problem(operator_pools(n, seed))
            t0 = time.perf_counter()
            plan = solve(problem, SolveOptions(time_limit_s=limit))
            wall = time.perf_counter() - t0
            valid = not validate_plan(problem, plan) and not validate_claims(problem, plan)
            served, served_bound = plan.term("served_weight").value, plan.term("served_weight").bound
            plain = plain_model(problem, limit, workers)
            # Its operators compare only at the same service: where it served less, the plain model staffs the
            # planner's own served sessions with the fewest operators it can (marked *).
            staffing = plain
            if plain.served < served:
                staffing = plain_model(problem, limit, workers, {a.request for a in plan.assignments})
            used = len({o for a in plan.assignments for o in a.operators})
            bound = overlap_bound(problem, plan)
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            mark = "*" if staffing is not plain else ""
            print(f"| {n} | {seed} | {len(problem.operators)} | {'yes' if valid else 'NO'} | {served} / "
                  f"{plain.served} | {served_bound} | {used} | {bound} | {staffing.operators}{mark} "
                  f"(≥ {staffing.bound}) "
                  f"| {plan.status.value} | {wall:.1f} | {peak:.0f} |", flush=True)  # fmt: skip
            tally.add(valid, served >= plain.served, used, staffing.operators or bound, wall - limit)
            tally.proven += served == served_bound
    tally.report()


@dataclass
class Tally:
    """The targets over all instances: valid, served not below the plain model, operators at most the best known
    (the plain model's at the same service, else the overlap bound) and how far above it, wall time over the
    limit."""

    instances: int = 0
    valid: int = 0
    served_ok: int = 0
    at_best: int = 0
    worst_excess: float = 0.0
    worst_overrun: float = -1e9
    proven: int = 0  # served weight equal to its proven bound: every servable request served

    def add(self, valid: bool, served_ok: bool, used: int, best: int, overrun: float) -> None:
        self.instances += 1
        self.valid += valid
        self.served_ok += served_ok
        self.at_best += used <= best
        self.worst_excess = max(self.worst_excess, (used - best) / best * 100 if best else 0.0)
        self.worst_overrun = max(self.worst_overrun, overrun)

    def report(self) -> None:
        n = self.instances
        print(
            f"\nvalid {self.valid}/{n}; served at least the plain model's {self.served_ok}/{n}; every servable "
            f"request served (proven) {self.proven}/{n}; operators at most "
            f"the best known {self.at_best}/{n} ({self.at_best / max(1, n):.0%}); most above it "
            f"{self.worst_excess:+.1f} %; wall beyond the limit at most {self.worst_overrun:+.1f} s"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limit", type=float, default=20.0, help="seconds for the planner and for the plain model")
    ap.add_argument("--plain-workers", type=int, default=2, help="CP-SAT workers of the plain model (default 2)")
    ap.add_argument("--quick", action="store_true", help="four instances (sizes 40, 400, 1,200, 2,000; seed 1)")
    ap.add_argument("--sizes", type=int, nargs="*", help="instead of the default sizes")
    ap.add_argument("--seeds", type=int, nargs="*", help="instead of the default seeds")
    args = ap.parse_args()
    sizes = tuple(args.sizes) if args.sizes else ((40, 400, 1200, 2000) if args.quick else SIZES)
    seeds = tuple(args.seeds) if args.seeds else ((1,) if args.quick else SEEDS)
    run(sizes, seeds, args.limit, args.plain_workers)


if __name__ == "__main__":
    main()
