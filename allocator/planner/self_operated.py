"""Units that run their own meetings: a request from a unit with a trained operator may be served "self-operated".

The district trains OPD and kecamatan staff to run video conferences because its own operators are too few: when
they are needed elsewhere (the regent first), a trained unit still gets the office's host and kits and runs the
meeting with its own operator, instead of being refused. It is the planner's choice, one more way to serve the
same position, with a preference cost (`PreferenceWeights.self_operated`) above what the office's operators cost
for one request, so it is chosen only when it serves more or the office's operators are needed elsewhere.

Which requests may: the service is a link with our operator (the unit asked for help running it), the unit has a
trained operator with every skill the request needs, and no rehearsal is mandatory (the office's operator runs
rehearsals with the event's own operators; a self-operated event has none of ours). A self-operated event has no
office operator, so no rehearsal of ours and no travel of ours; its venue's survey and its kits stay as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from allocator.planner.domain import Assignment, Problem, Request, ServiceType, UnitOperator

if TYPE_CHECKING:
    from allocator.planner.candidates import Candidates
    from allocator.planner.model import AllocationModel, Var


def trained_operators(unit_operators: Sequence[UnitOperator], req: Request) -> list[UnitOperator]:
    """The unit's own trained operators with every skill the request needs."""
    need = set(req.required_skills)
    return [u for u in unit_operators if u.unit == req.unit and need.issubset(u.skills)]


def may_self_operate(problem: Problem, req: Request) -> bool:
    """Whether the request may be served by its unit's own trained operator on our host."""
    if req.service is not ServiceType.LINK_OPERATOR:
        return False
    if req.rehearsal is not None and req.rehearsal.mandatory:
        return False
    return bool(trained_operators(problem.unit_operators, req))


def unit_trained(problem: Problem, req: Request) -> list[UnitOperator]:
    """The unit's own trained operators, whatever their skills."""
    return [u for u in problem.unit_operators if u.unit == req.unit]


def missing_skills(problem: Problem, req: Request) -> list[str]:
    """The skills the request needs that none of its unit's trained operators has all of, sorted (empty when one
    has every skill, or the unit has none trained)."""
    people = unit_trained(problem, req)
    if not people or trained_operators(people, req):
        return []
    best = min(people, key=lambda u: (len(set(req.required_skills) - set(u.skills)), u.id))
    return sorted(set(req.required_skills) - set(best.skills))


def mark_positions(problem: Problem, req: Request, cands: Sequence[Candidates]) -> None:
    """Marks a request's event positions as self-operable (rehearsals and surveys never are)."""
    if not problem.unit_operators or not may_self_operate(problem, req):
        return
    for c in cands:
        c.self_operable = True


def create_variables(m: AllocationModel) -> None:
    """`self_operated[pos]`: the position is served by the unit's own operator (none of ours)."""
    for pos, c in enumerate(m.cands):
        if c.self_operable:
            var = m.model.new_bool_var(f"self_operated[{c.request.ref}]")
            m.model.add_implication(var, m.served[pos])
            m.self_operated[pos] = var


def operators_wanted(m: AllocationModel, pos: int) -> cp_model.LinearExprT:
    """How many of our operators a position takes: all it asked for when served by us, none when self-operated."""
    c = m.cands[pos]
    own = m.self_operated.get(pos)
    if own is None:
        return c.operators_needed * m.served[pos]
    return c.operators_needed * m.served[pos] - c.operators_needed * own


def count(m: AllocationModel) -> cp_model.LinearExprT:
    return sum(m.self_operated.values())


def previous_shape_fits(m: AllocationModel, pos: int, a: Assignment) -> bool:
    """A published self-operated assignment may be kept only where the position may still be self-operated."""
    if a.self_operated:
        return pos in m.self_operated and not a.operators
    return len(a.operators) == m.cands[pos].operators_needed


def link_kept(m: AllocationModel, pos: int, kept: Var, a: Assignment) -> None:
    """Kept means kept as it was: self-operated or run by us."""
    own = m.self_operated.get(pos)
    if own is not None:
        m.model.add(own == int(a.self_operated)).only_enforce_if(kept)


def hint_values(m: AllocationModel, values: Mapping[Var, int]) -> dict[Var, int]:
    """The self-operated variables a hint implies: served with none of our operators."""
    out: dict[Var, int] = {}
    for pos, own in m.self_operated.items():
        ours = sum(values.get(m.operator[pos, g], 0) for g in m.operator_options[pos])
        out[own] = int(values.get(m.served[pos], 0) == 1 and ours == 0 and m.cands[pos].operators_needed > 0)
    return out


def chosen(m: AllocationModel, pos: int, value: Callable[[Var], int]) -> bool:
    """Whether the solution has the position self-operated."""
    own = m.self_operated.get(pos)
    return own is not None and bool(value(own))
