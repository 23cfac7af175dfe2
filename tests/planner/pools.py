"""Helpers of the large-operator-pool tests: each part's model as the solver built it, and random operator-only
mornings for hypothesis."""

from __future__ import annotations

import itertools
from datetime import datetime

import pytest
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from allocator.planner import operator_level
from allocator.planner.domain import Assignment, Plan, Problem, Request, Unserved
from allocator.planner.model import AllocationModel, Var, complete_hint
from allocator.planner.operator_level import OperatorFloor
from allocator.planner.validate import validate_plan
from tests.planner.factories import operator, problem, request


def capture_floors(monkeypatch: pytest.MonkeyPatch) -> list[tuple[AllocationModel, OperatorFloor]]:
    """Each part simple for operators that a solve builds: its model and its operator floor (filled in by the
    solver: its served-weight bound too)."""
    seen: list[tuple[AllocationModel, OperatorFloor]] = []
    real = operator_level.add_operator_floor

    def spy(m: AllocationModel) -> OperatorFloor:
        floor = real(m)
        seen.append((m, floor))
        return floor

    monkeypatch.setattr("allocator.planner.solver.add_operator_floor", spy)
    return seen


def capture_large_parts(monkeypatch: pytest.MonkeyPatch) -> list[tuple[AllocationModel, OperatorFloor]]:
    """`capture_floors` with every part of two or more operators treated as a large operator pool."""
    monkeypatch.setattr(operator_level, "LARGE_OPERATOR_PART", 2)
    return capture_floors(monkeypatch)


def random_morning(data: st.DataObject, most_operators: int, most_requests: int) -> Problem:
    """Operator-only requests on one morning (half-hour starts, 30 minutes to 2 hours, crews of one or two, normal
    or high), each allowed some of the operators."""
    names = [f"O{i}" for i in range(data.draw(st.integers(2, most_operators)))]
    reqs = []
    for k in range(data.draw(st.integers(2, most_requests))):
        start = data.draw(st.integers(0, 8))
        end = start + data.draw(st.integers(1, 4))
        allowed = data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=len(names), unique=True))
        reqs.append(request(f"R{k}", f"{8 + start // 2:02d}:{30 * (start % 2):02d}",
                            f"{8 + end // 2:02d}:{30 * (end % 2):02d}", service="operator",
                            allowed_operators=sorted(allowed), operators_needed=data.draw(st.sampled_from([1, 1, 2])),
                            priority=data.draw(st.sampled_from(["normal", "high"]))))  # fmt: skip
    return problem(operators=[operator(o) for o in names], requests=reqs)


def partly_dropped(m: AllocationModel, plan: Plan, prob: Problem, data: st.DataObject) -> dict[Var, int]:
    """The plan's assignments in this part's model, each kept or dropped at random, completed with every implied
    value: a first plan for the tests of serving more."""
    index = {o.id: i for i, o in enumerate(prob.operators)}
    first = dict.fromkeys(m.variables(), 0)
    at = {c.ref: p for p, c in enumerate(m.cands)}
    for a in plan.assignments:
        if a.request in at and data.draw(st.booleans()):
            first[m.served[at[a.request]]] = 1
            for op in a.operators:
                first[m.operator[at[a.request], m.operator_pool_of[index[op]]]] += 1
    return complete_hint(m, first)


def valid_with(prob: Problem, plan: Plan, done: list[Assignment], parts: list[AllocationModel]) -> bool:
    """Whether the plan with the parts' assignments replaced by `done` (the rest as it was) is valid."""
    inside = {c.ref for m in parts for c in m.cands}
    done = done + [a for a in plan.assignments if a.request not in inside]
    served = {a.request for a in done}
    out = [Unserved(request=r.ref, code="operators_busy", reason="-", reason_id="-") for r in prob.requests
           if r.ref not in served]  # fmt: skip
    return not validate_plan(prob, plan.model_copy(update={"assignments": done, "unserved": out}))


def model_accepts(m: AllocationModel, values: dict[Var, int]) -> bool:
    """Whether the part's model takes `values` as they are (CP-SAT with every hinted value fixed)."""
    check = cp_model.CpSolver()
    check.parameters.fix_variables_to_their_hinted_value = True
    m.model.clear_hints()
    for v, x in values.items():
        m.model.add_hint(v, x)
    return check.solve(m.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)


def brute_force_served(prob: Problem) -> int:
    """The most priority weight any choice of served requests and operators serves: every request unserved or
    given `operators_needed` of its allowed operators, no operator on two overlapping requests."""

    def choices(r: Request) -> list[tuple[str, ...]]:
        allowed = r.allowed_operators or [o.id for o in prob.operators]
        return [(), *itertools.combinations(sorted(allowed), r.operators_needed)]

    best = 0
    for pick in itertools.product(*(choices(r) for r in prob.requests)):
        busy: dict[str, list[tuple[datetime, datetime]]] = {}
        ok = True
        for r, ops in zip(prob.requests, pick, strict=True):
            for o in ops:
                if any(s < r.end and r.start < e for s, e in busy.get(o, [])):
                    ok = False
                busy.setdefault(o, []).append((r.start, r.end))
        if ok:
            best = max(
                best,
                sum(
                    prob.policy.priority_weights[r.priority] for r, ops in zip(prob.requests, pick, strict=True) if ops
                ),
            )
    return best
