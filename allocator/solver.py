"""Problem in, Plan out: lexicographic optimisation over independent components.

The three objective levels are solved in order on the same model: first the priority-weighted served
requests, then (with that value held) the fewest changes to the published plan, then the office's
preferences. Each level reports its value and the bound CP-SAT proved for it.
"""

from __future__ import annotations

import time as _time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from ortools.sat.python import cp_model
from pydantic import BaseModel, ConfigDict, Field

from allocator.candidates import Candidates, build_candidates
from allocator.components import split_components
from allocator.domain import Assignment, ObjectiveTerm, Plan, Problem, Request, SolverStatus, Unserved
from allocator.errors import ConflictingPins, InvalidPlan
from allocator.explain import explain_unserved, started_without_plan
from allocator.model import (
    AllocationModel,
    build_model,
    changes,
    hint,
    operator_days,
    oversized_licences,
    served_weight,
)
from allocator.validate import validate_plan

TERMS = ("served_weight", "changes", "preferences")


class SolveOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    time_limit_s: float = Field(default=20.0, gt=0)
    workers: int = Field(default=2, ge=1, le=64, description="Components solved at once.")
    split_components: bool = True
    symmetry_breaking: bool = True
    redundant_constraints: bool = True
    reuse_unchanged: bool = Field(
        default=True, description="Keep a component's published assignments when they serve all of it."
    )
    seed: int = 0


@dataclass
class _StageResult:
    value: int
    bound: int
    optimal: bool


@dataclass
class _ComponentResult:
    assignments: list[Assignment]
    stages: list[_StageResult]
    warnings: list[str] = field(default_factory=list)


def _frozen_and_pinned(
    problem: Problem, cands: list[Candidates]
) -> tuple[dict[int, Assignment], dict[int, Assignment], list[str]]:
    """Positions that must keep an assignment, positions with a previous one, and warnings."""
    pins = {p.request: Assignment(request=p.request, host=p.host, operators=sorted(p.operators)) for p in problem.pins}
    previous = {a.request: a for a in problem.previous}
    freeze_until = problem.now.timestamp() + problem.policy.freeze_horizon_min * 60
    host_ids = [h.id for h in problem.hosts]
    op_ids = [o.id for o in problem.operators]
    fixed: dict[int, Assignment] = {}
    prev_at: dict[int, Assignment] = {}
    warnings: list[str] = []
    for pos, c in enumerate(cands):
        ref = c.request.ref
        usable_hosts = {host_ids[h.host] for h in c.hosts}
        usable_ops = {op_ids[o.operator] for o in c.operators}

        def fits(a: Assignment, c: Candidates = c, hosts: set[str] = usable_hosts, ops: set[str] = usable_ops) -> bool:
            host_ok = (a.host in hosts) if c.needs_host else a.host is None
            return host_ok and len(a.operators) == c.operators_needed and set(a.operators) <= ops

        if ref in previous:
            prev_at[pos] = previous[ref]
        if ref in pins:
            if not fits(pins[ref]):
                raise ConflictingPins(
                    f"pin for {ref} cannot hold: host/operators do not fit the request "
                    "(capacity, kind, availability, skills, shifts or leave)",
                    requests=[ref],
                )
            fixed[pos] = pins[ref]
        elif ref in previous and c.request.start.timestamp() < freeze_until:
            if fits(previous[ref]):
                fixed[pos] = previous[ref]
            else:
                warnings.append(
                    f"{ref} is inside the freeze horizon but its published assignment no longer fits "
                    "(a resource changed); it was re-planned"
                )
    return fixed, prev_at, warnings


def _solve_component(
    problem: Problem,
    cands: list[Candidates],
    fixed: dict[int, Assignment],
    previous: dict[int, Assignment],
    options: SolveOptions,
    deadline: float,
) -> _ComponentResult:
    m = build_model(
        problem,
        cands,
        fixed,
        previous,
        symmetry_breaking=options.symmetry_breaking,
        redundant_constraints=options.redundant_constraints,
    )
    weights = problem.policy.preferences
    objectives: list[tuple[str, cp_model.LinearExprT]] = [
        ("maximize", served_weight(m)),
        ("minimize", changes(m)),
        ("minimize", weights.operator_days * operator_days(m) + weights.oversized_licence * oversized_licences(m)),
    ]
    _hint_previous(m, previous)
    stages: list[_StageResult] = []
    solution: dict[cp_model.IntVar, int] | None = None
    all_vars = [*m.served.values(), *m.host.values(), *m.operator.values(), *m.kept.values(), *m.called_in.values()]
    for level, (sense, expr) in enumerate(objectives):
        remaining = deadline - _time.monotonic()
        if remaining <= 0.0 and solution is not None:
            # Out of time: keep what we have and claim nothing about the remaining levels.
            assignments = _extract(m, solution)
            values = _term_values(problem, cands, previous, assignments)
            trivial = (sum(c.weight for c in cands), m.forced_changes, 0)
            stages.append(_StageResult(values[level], trivial[level], False))
            continue
        if sense == "maximize":
            m.model.maximize(expr)
        else:
            m.model.minimize(expr)
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = options.seed
        solver.parameters.max_time_in_seconds = max(remaining, 0.05)
        status = solver.solve(m.model)
        if status == cp_model.INFEASIBLE:
            raise ConflictingPins(
                "pinned or frozen assignments conflict with each other",
                requests=sorted(m.cands[pos].request.ref for pos in fixed),
            )
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            raise InvalidPlan(f"the solver found no plan in time (status {solver.status_name(status)})")
        value = round(solver.objective_value)
        bound = round(solver.best_objective_bound)
        stages.append(_StageResult(value, bound, status == cp_model.OPTIMAL))
        solution = {v: solver.value(v) for v in all_vars}
        if sense == "maximize":
            m.model.add(expr >= value)
        else:
            m.model.add(expr <= value)
        hint(m, solution.items())
    assert solution is not None
    return _ComponentResult(_extract(m, solution), stages)


def _hint_previous(m: AllocationModel, previous: dict[int, Assignment]) -> None:
    host_index = {h.id: i for i, h in enumerate(m.problem.hosts)}
    op_index = {o.id: i for i, o in enumerate(m.problem.operators)}
    values: list[tuple[cp_model.IntVar, int]] = []
    for pos, a in previous.items():
        values.append((m.served[pos], 1))
        if a.host is not None and (pos, host_index[a.host]) in m.host:
            values.append((m.host[pos, host_index[a.host]], 1))
        for op in a.operators:
            if (pos, op_index[op]) in m.operator:
                values.append((m.operator[pos, op_index[op]], 1))
    hint(m, values)


def _extract(m: AllocationModel, solution: dict[cp_model.IntVar, int]) -> list[Assignment]:
    out: list[Assignment] = []
    for pos, c in enumerate(m.cands):
        if not solution[m.served[pos]]:
            continue
        host = next((m.problem.hosts[h.host].id for h in c.hosts if solution[m.host[pos, h.host]]), None)
        ops = sorted(m.problem.operators[o.operator].id for o in c.operators if solution[m.operator[pos, o.operator]])
        out.append(Assignment(request=c.request.ref, host=host, operators=ops))
    return out


def _previous_serves_all(
    problem: Problem, cands: list[Candidates], fixed: dict[int, Assignment], previous: dict[int, Assignment]
) -> bool:
    """True when every request here keeps a feasible published assignment: that is the lexicographic optimum.

    All served is the best first level can be, no change the best second level can be, and with every
    assignment kept the third level has nothing left to choose.
    """
    if any(pos not in previous for pos in range(len(cands))):
        return False
    if any(fixed[pos] != previous[pos] for pos in fixed):
        return False
    m = build_model(
        problem,
        cands,
        {pos: previous[pos] for pos in range(len(cands))},
        {},
        symmetry_breaking=False,
        redundant_constraints=False,
    )
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 1.0
    return bool(solver.solve(m.model) == cp_model.OPTIMAL)


def active_requests(problem: Problem) -> list[Request]:
    return sorted((r for r in problem.requests if r.status.active), key=lambda r: (r.start, r.end, r.ref))


def solve(
    problem: Problem,
    options: SolveOptions | None = None,
    *,
    clock: Callable[[], float] = _time.perf_counter,
) -> Plan:
    """Plan every active request; raise rather than return a plan the validator rejects."""
    options = options or SolveOptions()
    t0 = clock()
    deadline = _time.monotonic() + options.time_limit_s
    requests = active_requests(problem)
    plannable: list[Request] = []
    unserved: list[Unserved] = []
    previous_refs = {a.request for a in problem.previous}
    pinned_refs = {p.request for p in problem.pins}
    for r in requests:
        if r.start <= problem.now and r.ref not in previous_refs and r.ref not in pinned_refs:
            unserved.append(started_without_plan(problem, r))
        else:
            plannable.append(r)
    cands = build_candidates(problem, plannable)
    fixed, previous, warnings = _frozen_and_pinned(problem, cands)
    weights = problem.policy.preferences
    groups = (
        split_components(cands, couple_operator_days=weights.operator_days > 0)
        if options.split_components
        else ([list(range(len(cands)))] if cands else [])
    )

    def run(group: list[int]) -> _ComponentResult:
        sub = [cands[i] for i in group]
        local = {i: k for k, i in enumerate(group)}
        sub_fixed = {local[i]: a for i, a in fixed.items() if i in local}
        sub_prev = {local[i]: a for i, a in previous.items() if i in local}
        if options.reuse_unchanged and _previous_serves_all(problem, sub, sub_fixed, sub_prev):
            kept = [sub_prev[k] for k in range(len(sub))]
            values = _term_values(problem, sub, sub_prev, kept)
            return _ComponentResult(kept, [_StageResult(v, v, True) for v in values])
        return _solve_component(problem, sub, sub_fixed, sub_prev, options, deadline)

    if options.workers > 1 and len(groups) > 1:
        with ThreadPoolExecutor(max_workers=options.workers) as pool:
            results = list(pool.map(run, groups))
    else:
        results = [run(g) for g in groups]

    assignments = [a for res in results for a in res.assignments]
    served_refs = {a.request for a in assignments}
    unplanned = [c for c in cands if c.request.ref not in served_refs]
    unserved.extend(explain_unserved(problem, unplanned, assignments))
    terms = _combine_terms(results)
    plan = Plan(
        assignments=sorted(assignments, key=lambda a: a.request),
        unserved=sorted(unserved, key=lambda u: u.request),
        objective=terms,
        status=SolverStatus.OPTIMAL if all(t.optimal for t in terms) else SolverStatus.FEASIBLE,
        gap=max((_gap(t) for t in terms), default=0.0),
        solve_seconds=round(clock() - t0, 4),
        components=len(groups),
        warnings=warnings,
    )
    violations = validate_plan(problem, plan)
    if violations:
        raise InvalidPlan("the planner produced a plan that fails validation", violations=violations)
    return plan


def _term_values(
    problem: Problem, cands: list[Candidates], previous: dict[int, Assignment], chosen: list[Assignment]
) -> tuple[int, int, int]:
    """The three objective levels of a set of assignments, computed directly."""
    by_ref = {a.request: a for a in chosen}
    weights = problem.policy.preferences
    served = changed = oversize = 0
    days: set[tuple[int, int]] = set()
    for pos, c in enumerate(cands):
        a = by_ref.get(c.request.ref)
        before = previous.get(pos)
        if before is not None and (a is None or a.host != before.host or set(a.operators) != set(before.operators)):
            changed += 1
        if a is None:
            continue
        served += c.weight
        days.update((o.operator, o.day) for o in c.operators if problem.operators[o.operator].id in a.operators)
        oversize += sum(h.oversize for h in c.hosts if problem.hosts[h.host].id == a.host)
    return served, changed, weights.operator_days * len(days) + weights.oversized_licence * oversize


def _combine_terms(results: list[_ComponentResult]) -> list[ObjectiveTerm]:
    terms = []
    for i, (name, sense) in enumerate(zip(TERMS, ("maximize", "minimize", "minimize"), strict=True)):
        stages = [r.stages[i] for r in results]
        terms.append(
            ObjectiveTerm(
                name=name,
                sense=sense,  # type: ignore[arg-type]
                value=sum(s.value for s in stages),
                bound=sum(s.bound for s in stages),
                optimal=all(s.optimal for s in stages),
            )
        )
    return terms


def _gap(t: ObjectiveTerm) -> float:
    return abs(t.bound - t.value) / max(1, abs(t.value))
