"""What a re-plan lifts the stability rule from when the published plan can no longer all stay (a rule tightened:
a holiday, an operator's leave, a host gone, a request's new time): only the published requests that no longer fit.

Planning the whole part without the rule instead lets a search cut short move anything in it: a month's part once
came back with 1,150 changes. The published plan completed greedily (`parts.hint_published`: the published
assignments placed first, as published, where they still fit) shows which no longer fit: the published requests
whose stability rows it breaks (left unserved, or a notified one given another host or operators). The rule is
lifted from those only, once CP-SAT confirms that this plan keeps every other rule with the rest held to it (a
check with every value fixed, as quick as presolve). When it does not, the release grows outward, one ring at a
time, to the published requests near those released (an option overlapping theirs in time, a kit loan, a trip:
`neighbourhood.near_newcomers`), each ring checked by a short search. Only when that fails too is the part planned
without the rule (`levels._without_stability`).
"""

from __future__ import annotations

import time as _time

from ortools.sat.python import cp_model

from allocator.planner.model import AllocationModel, Var, release_published
from allocator.planner.neighbourhood import held_as_published, near_newcomers
from allocator.planner.parts import Part

# Rings grown around what no longer fits before the part is planned without the rule.
RINGS = 3


def _breaks(m: AllocationModel, values: dict[Var, int]) -> set[str]:
    """The published requests whose stability rows `values` break."""
    by_index = {v.index: x for v, x in values.items()}

    def value(i: int) -> int:
        return by_index.get(i, 0) if i >= 0 else 1 - by_index.get(-i - 1, 0)

    out = set()
    for ref, rows in m.stability.items():
        for row in rows:
            if not m.model.model_proto.constraints[row].has_linear():
                out.add(ref)  # not a row this reads (none so far): released, to be safe
                continue
            lin = m.model.model_proto.constraints[row].linear
            total = sum(c * value(i) for i, c in zip(lin.vars, lin.coeffs, strict=True))
            bounds = list(lin.domain)
            if not any(lo <= total <= hi for lo, hi in zip(bounds[::2], bounds[1::2], strict=True)):
                out.add(ref)
    return out


def _holds(
    m: AllocationModel, released: set[str], values: dict[Var, int], seconds: float, fixed: bool
) -> dict[Var, int] | None:
    """A plan of the model with the rule lifted from `released` (`values` hinted; `fixed`: held to them, a check
    as quick as presolve), or None when none was found in `seconds`."""
    trial = m.model.clone()
    trial.clear_objective()  # type: ignore[no-untyped-call]
    off = trial.new_bool_var("released")
    trial.add(off == 0)
    for ref in released:
        for row in m.stability.get(ref, []):
            trial.model_proto.constraints[row].enforcement_literal.append(off.index)
    trial.clear_hints()  # type: ignore[no-untyped-call]
    trial.model_proto.solution_hint.vars.extend(v.index for v in values)  # the model's own variables: positive
    trial.model_proto.solution_hint.values.extend(int(x) for x in values.values())
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.fix_variables_to_their_hinted_value = fixed
    solver.parameters.max_time_in_seconds = seconds
    if solver.solve(trial) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return {v: int(solver.value(v)) for v in m.variables()}  # the same variables, by index


def _disturbed(comp: Part) -> set[str]:
    """Published requests whose published host or operators are no longer among their options."""
    m = comp.model
    assert m is not None
    return {
        comp.cands[k].ref for k, a in comp.previous.items() if held_as_published(m.problem, comp.cands[k], a) is None
    }


def _around(comp: Part, refs: set[str]) -> set[str]:
    """`refs` and the published requests near them: an option overlapping one of theirs in time, a kit loan, a
    trip."""
    published = {comp.cands[k].ref for k in comp.previous}
    near = near_newcomers(comp.cands, refs, comp.workflow.travel)
    return {ref for survey, ref in near if not survey and ref in published} | refs


def release_what_no_longer_fits(comp: Part, deadline: float) -> tuple[frozenset[str], dict[Var, int]] | None:
    """Lifts the stability rule in the part's model from the published requests that no longer fit, and returns
    them with a plan that keeps every rule for the rest (the part's new first plan); None, the model untouched,
    when no release found in the time left makes the part plannable."""
    m = comp.model
    assert m is not None and comp.greedy is not None
    released = _breaks(m, comp.greedy)
    plan = _holds(m, released, comp.greedy, max(0.5, (deadline - _time.monotonic()) / 4), fixed=True)
    if plan is None:  # the greedy plan breaks another rule (it does not model them all): searched from it
        plan = _holds(m, released, comp.greedy, max(0.05, (deadline - _time.monotonic()) / 4), fixed=False)
    rings = 0
    while plan is None and rings < RINGS:
        wider = _around(comp, released or _disturbed(comp))
        left = deadline - _time.monotonic()
        if wider <= released or left <= 0:
            return None
        released, rings = wider, rings + 1
        plan = _holds(m, released, comp.greedy, left / 3, fixed=False)
    if plan is None:
        return None
    release_published(m, released)
    return frozenset(released), plan
