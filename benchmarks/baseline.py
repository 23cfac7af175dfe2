"""First come, first served: what an office does by hand, as a baseline for the planner.

The planner's own `first_come_first_served` (letter order, every rule kept: rehearsals, surveys, kits, travel,
flexible windows), so the baseline is a plan the validator accepts, not one no office could run.
"""

from __future__ import annotations

from allocator.planner.domain import Plan, Problem
from allocator.planner.solver import first_come_first_served

__all__ = ["first_come_first_served", "served_weight"]


def served_weight(problem: Problem, plan: Plan) -> int:
    weights = problem.policy.priority_weights
    by_ref = {r.ref: r for r in problem.requests}
    return sum(weights[by_ref[a.request].priority] for a in plan.assignments)
