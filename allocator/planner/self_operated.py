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

A unit's trained operator is one person: they run one meeting at a time (its own start to end). The model gives
each self-operated position one of its unit's trained operators with the skills (`unit_operator`), never two
overlapping positions the same one, so a unit with one trained operator runs two simultaneous meetings only with
the office's help. A trained operator on leave (`UnitOperator.leave`, whole local days in the unit's zone) runs
nothing on those days.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from ortools.sat.python import cp_model

from allocator.planner.candidates import to_minutes
from allocator.planner.components import maximal_cliques, overlap_chains
from allocator.planner.domain import Assignment, Problem, Request, ServiceType, UnitOperator

if TYPE_CHECKING:
    from allocator.planner.candidates import Candidates
    from allocator.planner.model import AllocationModel, Var


def skilled(person: UnitOperator, req: Request) -> bool:
    """A trained operator of the request's unit with every skill it needs (whether or not they are away)."""
    return person.unit == req.unit and set(req.required_skills).issubset(person.skills)


def on_leave(person: UnitOperator, req: Request) -> bool:
    """The person is on leave on a local day (the request's zone: the unit's) the meeting touches, at the time the
    request carries (a position's own time)."""
    if not person.leave:
        return False
    zone = ZoneInfo(req.timezone)
    first = req.start.astimezone(zone).date()
    last = (req.end - timedelta(microseconds=1)).astimezone(zone).date()
    return any(p.first <= last and first <= p.last for p in person.leave)


def may_run(person: UnitOperator, req: Request) -> bool:
    """A trained operator of the request's unit with every skill it needs, not on leave then."""
    return skilled(person, req) and not on_leave(person, req)


def trained_operators(unit_operators: Sequence[UnitOperator], req: Request) -> list[UnitOperator]:
    """The unit's own trained operators with every skill the request needs, not on leave then."""
    return [u for u in unit_operators if may_run(u, req)]


def away(problem: Problem, req: Request) -> list[UnitOperator]:
    """The unit's trained operators with the skills who are on leave at the request's time: when they are all the
    skilled ones, leave is why the unit cannot run it itself."""
    return [u for u in problem.unit_operators if skilled(u, req) and on_leave(u, req)]


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
    if not people or any(skilled(u, req) for u in people):
        return []
    best = min(people, key=lambda u: (len(set(req.required_skills) - set(u.skills)), u.id))
    return sorted(set(req.required_skills) - set(best.skills))


def mark_positions(problem: Problem, req: Request, cands: Sequence[Candidates]) -> None:
    """Marks a request's event positions as self-operable (rehearsals and surveys never are): each at its own time,
    so a flexible request may be at a time its unit's trained operator is not on leave."""
    if not problem.unit_operators:
        return
    for c in cands:
        c.self_operable = may_self_operate(problem, c.request)


def create_variables(m: AllocationModel) -> None:
    """`self_operated[pos]`: the position is served by the unit's own operator (none of ours);
    `unit_operator[pos, k]`: by the problem's `unit_operators[k]`, one of them exactly when self-operated."""
    for pos, c in enumerate(m.cands):
        if c.self_operable:
            var = m.model.new_bool_var(f"self_operated[{c.request.ref}]")
            m.model.add_implication(var, m.served[pos])
            m.self_operated[pos] = var
            who = []
            for k in qualified(m.problem, c.request):
                m.unit_operator[pos, k] = m.model.new_bool_var(f"unit_operator[{c.request.ref},{k}]")
                who.append(m.unit_operator[pos, k])
            m.model.add(sum(who) == var)


def qualified(problem: Problem, req: Request) -> list[int]:
    """Indexes in `problem.unit_operators` of the request's unit's trained operators with every skill it needs."""
    return [k for k, u in enumerate(problem.unit_operators) if may_run(u, req)]


def add_one_meeting_at_a_time(m: AllocationModel) -> None:
    """A unit's trained operator runs at most one of the overlapping meetings they could run."""
    spans: dict[int, list[tuple[int, int, int]]] = {}
    for (pos, k), _var in m.unit_operator.items():
        c = m.cands[pos]
        spans.setdefault(k, []).append((c.start, c.end, pos))
    for k, mine in spans.items():
        for clique in maximal_cliques(mine):
            if len(clique) > 1:
                m.model.add(sum(m.unit_operator[pos, k] for pos in clique) <= 1)


def unit_ties(cands: Sequence[Candidates]) -> list[tuple[int, int]]:
    """Overlapping self-operable positions of one unit: they may need the same trained operator, so one part
    weighs them together."""
    by_unit: dict[str, list[tuple[int, int, int]]] = {}
    for pos, c in enumerate(cands):
        if c.self_operable:
            by_unit.setdefault(c.request.unit, []).append((c.start, c.end, pos))
    return [link for spans in by_unit.values() for link in overlap_chains(spans)]


class UnitOperatorsBusy:
    """Which trained unit operator runs which self-operated meeting, kept as a plan is built (greedy, alternatives):
    the same rule as the model's, worked out one meeting at a time."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.busy: dict[int, list[tuple[int, int]]] = {}

    @classmethod
    def in_plan(cls, problem: Problem, plan: Sequence[Assignment]) -> UnitOperatorsBusy:
        """Who runs the plan's self-operated meetings, shared out in start order (as the greedy plan does)."""
        busy = cls(problem)
        reqs = {r.ref: r for r in problem.requests}
        own = [a for a in plan if a.self_operated and a.request in reqs]
        for a in sorted(own, key=lambda a: (a.start or reqs[a.request].start, a.request)):
            req = reqs[a.request]
            if a.start is not None and a.end is not None:  # a flexible request: at the time the plan gave it
                req = req.model_copy(update={"start": a.start, "end": a.end})
            s, e = to_minutes(req.start), to_minutes(req.end)
            k = busy.free_for(req, s, e)
            if k is not None:
                busy.take(k, s, e)
        return busy

    def free_then(self, req: Request) -> bool:
        """A trained operator of the unit with the skills is free over the request's own time."""
        return self.free_for(req, to_minutes(req.start), to_minutes(req.end)) is not None

    def free_for(self, req: Request, start: int, end: int) -> int | None:
        """A trained operator of the unit with the skills, free over [start, end) (minutes) and not on leave at the
        request's time (which `start`, `end` are), or None."""
        for k in qualified(self.problem, req):
            if all(e <= start or end <= s for s, e in self.busy.get(k, [])):
                return k
        return None

    def take(self, k: int, start: int, end: int) -> None:
        self.busy.setdefault(k, []).append((start, end))


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
    """The self-operated variables a hint implies: served with none of our operators, by a trained operator of the
    unit free then (the hint's own choice where it made one)."""
    out: dict[Var, int] = {}
    busy = UnitOperatorsBusy(m.problem)
    for pos, own in sorted(m.self_operated.items(), key=lambda it: m.cands[it[0]].start):
        ours = sum(values.get(m.operator[pos, g], 0) for g in m.operator_options[pos])
        out[own] = int(values.get(m.served[pos], 0) == 1 and ours == 0 and m.cands[pos].operators_needed > 0)
        c = m.cands[pos]
        people = qualified(m.problem, c.request)
        given = [k for k in people if values.get(m.unit_operator[pos, k], 0)]
        k = given[0] if given else busy.free_for(c.request, c.start, c.end) if out[own] else None
        for q in people:
            out[m.unit_operator[pos, q]] = int(out[own] == 1 and q == k)
        if out[own] and k is not None:
            busy.take(k, c.start, c.end)
    return out


def chosen(m: AllocationModel, pos: int, value: Callable[[Var], int]) -> bool:
    """Whether the solution has the position self-operated."""
    own = m.self_operated.get(pos)
    return own is not None and bool(value(own))
