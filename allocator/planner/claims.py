"""What a plan may claim: each objective term's value, its proven bound and whether they meet, the status and the
gap, from the parts' levels; and the levels' values recomputed from a set of assignments.

A claim is only as good as its proof: a term is *optimal* only when every part proved its level, and the plan
is *optimal* only when every term is. A part searched under a limit (`Candidates.restricted`: some times of a
task or flexible request were left out) proved its levels only for the limited problem, so its bounds are
replaced by ones true of the real problem (everything servable served, nothing changed, no preference cost)
and it is optimal only where its plan reaches those.
"""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from allocator.planner.candidates import Candidates, Role, all_served_weight, to_minutes
from allocator.planner.domain import Assignment, ObjectiveTerm, Problem, SolverStatus, TaskSlot
from allocator.planner.parts import TERMS, Level, Part


def term_values(
    problem: Problem, cands: list[Candidates], previous: dict[int, Assignment], chosen: list[Assignment]
) -> tuple[int, int, int]:
    """The objective levels of a set of assignments, computed directly."""
    by_ref = {a.request: a for a in chosen}
    weights = problem.policy.preferences
    served = changed = oversize = moved = overtime = own = 0
    days: set[tuple[int, int]] = set()
    survey_of: dict[str | None, TaskSlot] = {}  # venue -> its survey (the first assignment carrying one)
    for x in chosen:
        if x.survey is not None:
            survey_of.setdefault(x.survey.venue, x.survey)
    for pos, c in enumerate(cands):
        a = by_ref.get(c.ref)
        if c.role is Role.EVENT:
            before = previous.get(pos)
            # Without a time of its own an assignment is at the request's (`held`: the published one is then at
            # the preferred start, the only start of a fixed-time request).
            if before is not None and (
                a is None
                or (a.host, set(a.operators), a.start or c.request.start, a.self_operated)
                != (before.host, set(before.operators), before.start or c.request.start, before.self_operated)
            ):
                changed += 1
            if a is None or (a.start is not None and to_minutes(a.start) != c.start):
                continue
            served += c.weight
            moved += abs(c.shift)
            own += a.self_operated
            chosen_ops: list[str] = a.operators
            overtime += sum(o.overtime for o in c.operators if problem.operators[o.operator].id in chosen_ops)
            oversize += sum(h.oversize for h in c.hosts if problem.hosts[h.host].id == a.host)
        else:
            slot = a.rehearsal if (a is not None and c.role is Role.REHEARSAL) else None
            if c.role is Role.SURVEY:
                slot = survey_of.get(c.ref)
            if slot is None or to_minutes(slot.start) != c.start:
                continue
            chosen_ops = slot.operators
            overtime += sum(o.overtime for o in c.operators if problem.operators[o.operator].id in chosen_ops)
        days.update((o.operator, o.day) for o in c.operators if problem.operators[o.operator].id in chosen_ops)
    # An optional rehearsal is placed after the levels, outside the part's positions: its operators' day counts too.
    index = {o.id: i for i, o in enumerate(problem.operators)}
    zone = ZoneInfo(problem.policy.timezone)
    for a in chosen:
        if a.rehearsal is not None:
            day = a.rehearsal.start.astimezone(zone).date().toordinal()
            days.update((index[o], day) for o in a.rehearsal.operators if o in index)
    prefs = weights.operator_days * len(days) + weights.oversized_licence * oversize
    prefs += weights.overtime_minute * overtime
    prefs += weights.self_operated * own  # requests their units run themselves
    return served, changed, prefs + weights.moved_from_requested * moved


def objective_terms(
    parts: Sequence[Part], plan_values: tuple[int, int, int], out_of_reach: int = 0
) -> list[ObjectiveTerm]:
    """The three levels, their bounds summed over the parts and their values those of the whole plan
    (`plan_values`, see `term_values`). `out_of_reach`: published assignments no position can keep
    (`held.out_of_reach`), a change in value and bound alike. An operator working in two parts on one day is
    called in once: the plan's
    value may then fall below the parts' summed bound, which is lowered to it and claims nothing. A part's served
    bound never exceeds the weight of all its requests (a search cut short, or a record of one, can say more).
    Optional rehearsals are no term: they are placed after the levels where they cost nothing
    (`allocator.planner.rehearsals`), and no plan is claimed to place the most of them."""
    terms = []
    for i, (name, sense) in enumerate(TERMS):
        everything = sum(all_served_weight(c.cands) for c in parts)
        bound = sum(min(c.levels[0].bound, all_served_weight(c.cands)) if i == 0 else c.levels[i].bound for c in parts)
        value = plan_values[i]
        if i == 1:
            value, bound = value + out_of_reach, bound + out_of_reach
        proven = (all(c.levels[i].optimal for c in parts) or (i == 0 and value == everything)) and value == bound
        if sense == "minimize" and value < bound:
            bound = value
        terms.append(ObjectiveTerm(name=name, sense=sense, value=value, bound=bound, optimal=proven))
    return terms


def status_of(terms: Sequence[ObjectiveTerm]) -> SolverStatus:
    return SolverStatus.OPTIMAL if all(t.optimal for t in terms) else SolverStatus.FEASIBLE


def gap_of(terms: Sequence[ObjectiveTerm]) -> float:
    """The widest relative distance between a term's value and its bound."""
    return max((abs(t.bound - t.value) / max(1, abs(t.value)) for t in terms), default=0.0)


def restrictions(cands: Sequence[Candidates]) -> list[str]:
    """The search limits that cut options off among `cands`, each named once."""
    return sorted({note for c in cands for note in c.restricted})


def real_problem_bounds(parts: Sequence[Part]) -> None:
    """Each restricted part's levels re-bounded by what is true of the real problem.

    Served weight: a best plan of the real problem that puts a limited task (or flexible request) at a time left
    out loses, once that task is dropped with what depends on it (the event it rehearses, the venue's events it
    surveys — in any part, as later parts rely on the survey —, the flexible request itself), at most that weight,
    and is then a plan of the limited problem: so the limited bound plus those weights bounds the real problem.
    Changes and preferences: only 0 is sure, unless the part's relaxation with what the limits cut free was
    solved (`Part.relaxed`, see `allocator.planner.relaxation`). A part relying on another part's limited survey,
    solved as if it took place, needs no survey there in its model: that is a relaxation already, and it keeps its
    proofs.
    """
    surveyed_under_limit = {c.ref for comp in parts for c in comp.cands if c.restricted and c.role is Role.SURVEY}
    for comp in parts:
        servable: dict[str, int] = {}
        at_venue: dict[str, set[str]] = {}
        for c in comp.cands:
            if c.role is Role.EVENT and c.statically_possible:
                servable[c.ref] = max(servable.get(c.ref, 0), c.weight)
                if c.site is not None:
                    at_venue.setdefault(c.site, set()).add(c.ref)
        # A part whose events at such a venue rely on another part's survey (assumed to take place, none of its
        # own) is solved without needing one there: a relaxation of the real problem, whose proofs stand.
        relying = {v for v in surveyed_under_limit if v in comp.workflow.surveyed and v not in comp_surveys(comp)}
        dropped = {ref for venue in surveyed_under_limit - relying for ref in at_venue.get(venue, set())}
        dropped |= {c.ref for c in comp.cands if c.restricted and c.role is not Role.SURVEY}
        if not comp.levels or (not dropped and not restrictions(comp.cands)):
            continue
        comp.limited = list(comp.levels)
        served, changes, prefs = comp.levels
        limited = served.bound + sum(servable.get(ref, 0) for ref in dropped)
        known = (max(served.value, min(limited, sum(servable.values()))), 0, 0)
        # What the relaxation proved: bounds of the real problem.
        bounds = (*comp.relaxed, *known[len(comp.relaxed) :])
        levels = (served, changes, prefs)
        comp.levels = [Level(lv.value, bound, lv.value == bound) for lv, bound in zip(levels, bounds, strict=True)]


def comp_surveys(comp: Part) -> set[str]:
    """The venues whose survey positions the part holds."""
    return {c.ref for c in comp.cands if c.role is Role.SURVEY}
