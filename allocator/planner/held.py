"""What must stay where it is before any search: pinned requests, meetings inside the freeze horizon (with their
published rehearsal and a survey already due), and the published assignment each event position starts from.
"""

from __future__ import annotations

from allocator.planner.candidates import Candidates, Role, to_minutes
from allocator.planner.domain import Assignment, Pin, PlanWarning, Problem
from allocator.planner.errors import ConflictingPins
from allocator.planner.kit_faults import freeze_cannot_hold
from allocator.planner.preempt import preempted_by


def _fits(problem: Problem, a: Assignment | Pin, c: Candidates) -> bool:
    """The assignment's host and operators are among the position's options."""
    hosts = {problem.hosts[h.host].id for h in c.hosts}
    ops = {problem.operators[o.operator].id for o in c.operators}
    host_ok = (a.host in hosts) if c.needs_host else a.host is None
    if isinstance(a, Assignment) and a.self_operated:  # the unit's own operator: none of ours
        return host_ok and c.self_operable and not a.operators
    return host_ok and len(a.operators) == c.operators_needed and set(a.operators) <= ops


def fixed_and_previous(
    problem: Problem, cands: list[Candidates]
) -> tuple[dict[int, Assignment], dict[int, Assignment], list[PlanWarning]]:
    """Positions that must keep an assignment (pins, freeze), positions with a previous one, warnings.

    A request's previous assignment belongs to the event position at its published time (at its preferred time
    when the assignment carries none); a frozen event's
    published rehearsal and a survey already under way or inside the freeze horizon are held too.
    """
    freeze_until = problem.now.timestamp() + problem.policy.freeze_horizon_min * 60
    fixed, prev_at, warnings, frozen_refs = _held_events(problem, cands, freeze_until)
    _held_tasks(problem, cands, freeze_until, frozen_refs, fixed)
    return fixed, prev_at, warnings


def _held_events(
    problem: Problem, cands: list[Candidates], freeze_until: float
) -> tuple[dict[int, Assignment], dict[int, Assignment], list[PlanWarning], set[str]]:
    """Pinned and frozen event positions, each event's published position, warnings, the refs held."""
    pins = {p.request: p for p in problem.pins}
    previous = {a.request: a for a in problem.previous}
    fixed: dict[int, Assignment] = {}
    prev_at: dict[int, Assignment] = {}
    warnings: list[PlanWarning] = []
    frozen_refs: set[str] = set()
    for pos, c in enumerate(cands):
        if c.role is not Role.EVENT:
            continue
        ref = c.ref
        published = previous.get(ref)
        # A published time, or none (a request published before it was made flexible): its preferred start.
        at = c.shift == 0 if published is None or published.start is None else to_minutes(published.start) == c.start
        if published is not None and at:
            prev_at[pos] = published
        if ref in pins:
            pin_start = pins[ref].start
            if c.shift != 0 and pin_start is None:
                continue  # a pin without a time holds the preferred start
            if pin_start is not None and to_minutes(pin_start) != c.start:
                continue
            if not _fits(problem, pins[ref], c):
                raise ConflictingPins(
                    "a pin cannot hold: its host or operators do not fit the request "
                    "(capacity, kind, availability, skills, shifts or leave)",
                    requests=[ref],
                )
            fixed[pos] = Assignment(request=ref, host=pins[ref].host, operators=sorted(pins[ref].operators))
            frozen_refs.add(ref)
        elif pos in prev_at and c.request.start.timestamp() < freeze_until:
            taker = preempted_by(problem, c.request)
            if taker is not None:
                warnings.append(PlanWarning(code="freeze_may_give_way", refs=[ref], by=taker))
            elif _fits(problem, previous[ref], c) and not freeze_cannot_hold(problem, c.request):
                fixed[pos] = previous[ref]
                frozen_refs.add(ref)
            else:
                warnings.append(PlanWarning(code="freeze_no_longer_fits", refs=[ref]))
    return fixed, prev_at, warnings, frozen_refs


def _held_tasks(
    problem: Problem, cands: list[Candidates], freeze_until: float, frozen_refs: set[str], fixed: dict[int, Assignment]
) -> None:
    """Adds to `fixed` the published rehearsals of frozen events and the surveys due inside the freeze horizon."""
    previous = {a.request: a for a in problem.previous}
    published_surveys = {a.survey.venue: a.survey for a in problem.previous if a.survey and a.survey.venue}
    for pos, c in enumerate(cands):
        if c.role is Role.REHEARSAL and c.ref in frozen_refs:
            slot = previous[c.ref].rehearsal if c.ref in previous else None
            if slot is not None and to_minutes(slot.start) == c.start:
                held = Assignment(request=c.ref, host=slot.host, operators=slot.operators)
                if _fits(problem, held, c):
                    fixed[pos] = held
        elif c.role is Role.SURVEY:
            slot = published_surveys.get(c.ref)
            if slot is not None and to_minutes(slot.start) == c.start and slot.start.timestamp() < freeze_until:
                held = Assignment(request=c.request.ref, host=None, operators=slot.operators)
                if _fits(problem, held, c):
                    fixed[pos] = held


def out_of_reach(problem: Problem, cands: list[Candidates], previous: dict[int, Assignment]) -> int:
    """Published assignments of active requests that no position can keep (a flexible request's published time left
    its window, or a request now fixed at another time than it was published at): a change every plan makes."""
    placed = {cands[pos].ref for pos in previous}
    active = {r.ref for r in problem.requests if r.status.active}
    return sum(1 for a in problem.previous if a.request in active and a.request not in placed)
