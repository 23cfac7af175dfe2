"""A re-plan's shortcuts, each claiming only what it proves: newcomers fitted around the published plan, a large
part settled around its newcomers with the rest held as published, and the bound the records give both.
"""

from __future__ import annotations

import time as _time
from collections.abc import Sequence
from dataclasses import replace

from ortools.sat.python import cp_model

from allocator.planner.candidates import Role
from allocator.planner.claims import term_values
from allocator.planner.components import SpanMemo, split_components
from allocator.planner.domain import Problem
from allocator.planner.model import assignments, build_model, changes, chosen_pools, hint, served_weight
from allocator.planner.neighbourhood import HeldPart, held_as_published, hold_the_rest, near_newcomers, set_aside
from allocator.planner.parts import (
    FitBound,
    Level,
    Part,
    SolveOptions,
    objective,
    part_solver,
    published_hint,
    published_tasks_staying,
    ties,
)
from allocator.planner.reuse import DigestMemo, fingerprint, reuse_record

# Parts smaller than this are searched whole: that proves every level and takes little longer.
SETTLE_LOCALLY_FROM = 150


def may_displace(comp: Part) -> bool:
    """Whether a newcomer of the part outranks a published request of it (the stability rule lets it displace)."""
    published = {c.ref for c in (comp.cands[pos] for pos in comp.previous)}
    lightest = min((comp.cands[pos].weight for pos in comp.previous), default=0)
    return any(c.role is Role.EVENT and c.ref not in published and c.weight > lightest for c in comp.cands)


def fits_around_published(comp: Part, options: SolveOptions, deadline: float) -> bool:
    """The first two levels settled by a quick check, when the newcomers fit around the published plan.

    The records bound the served weight (`fit_bound`); a plan keeping every published assignment that
    reaches that bound is the optimum of both levels (no change, nothing more to serve). Checking whether one
    exists is quick: with every published assignment held, presolve leaves only the newcomers' choices.
    """
    m = comp.model
    assert m is not None
    if comp.fit is None or not comp.fit.proven or m.forced_changes:
        return False
    bound = comp.fit.served
    trial = m.model.clone()
    held = [trial.get_bool_var_from_proto_index(k.index) for k in m.kept.values()]
    trial.add_bool_and(held)
    served = [(c.weight, trial.get_bool_var_from_proto_index(m.served[pos].index)) for pos, c in enumerate(m.cands)]
    trial.add(sum(w * x for w, x in served) >= bound)
    trial.clear_objective()  # type: ignore[no-untyped-call]
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = options.seed
    solver.parameters.max_time_in_seconds = max(0.05, min(1.0, (deadline - _time.monotonic()) / 4))
    if solver.solve(trial) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return False  # infeasible, or not settled quickly: search as usual
    comp.solution = {v: solver.value(v) for v in m.variables()}  # the same variables, by index
    comp.levels += [Level(bound, bound, True), Level(0, 0, True)]
    m.model.add(served_weight(m) >= bound)
    m.model.add(changes(m) <= 0)
    hint(m, comp.solution.items())
    return True


def settle_around_newcomers(
    problem: Problem, comp: Part, options: SolveOptions, notified: set[str], deadline: float
) -> bool:
    """Settle a re-plan's part around its newcomers, everything else held as published, when that plan's
    served weight is within `options.replan_gap` of the most the records say the part can serve.

    Proving that a newcomer cannot be served, or whom it should displace, takes a search of the whole part —
    seconds where rehearsal windows and kit loans tie a week together — while only what is near the newcomer
    could make room for it (`allocator.planner.neighbourhood`). What the plan claims stays provable: served
    weight up to the records' bound; at least one change when it changed something (see below); preferences at
    least the published parts' bound when nothing changed (a newcomer only adds cost), else nothing.
    """
    fit = comp.fit
    if fit is None or len(comp.cands) < SETTLE_LOCALLY_FROM or not options.reuse_unchanged:
        return False  # no records to bound it, small enough to search whole, or asked to solve afresh
    free = near_newcomers(comp.cands, set(fit.newcomers), comp.workflow.travel)
    held = hold_the_rest(problem, comp.cands, comp.fixed, comp.previous, free)
    if held is None:
        return False
    part, aside = set_aside(problem, held, free, _trips(held, comp.workflow.travel), comp.workflow.kit_holds)
    travel = _trips(part, comp.workflow.travel)
    m = build_model(problem, part.cands, part.fixed, part.previous, pool_interchangeable=options.pool_interchangeable,
                    redundant_constraints=options.redundant_constraints, stability=comp.stable, notified=notified,
                    workflow=replace(comp.workflow, travel=travel))  # fmt: skip
    if m.forced_changes and not fit.disturbed:
        return False
    published_hint(m, part.previous)
    weight = len(m.kept) + 1  # served weight first, as in `levels.solve_level`
    m.model.maximize(weight * served_weight(m) - changes(m))  # type: ignore[operator]
    # As in a re-plan's combined run: the hint is nearly the answer, one presolve pass is enough (measured
    # on the month: 0.35 → 0.10 s for the held model of a day tied to its neighbours).
    solver = part_solver(options, max(0.05, min(2.0, (deadline - _time.monotonic()) / 2)), light=True)
    if solver.solve(m.model) != cp_model.OPTIMAL:
        return False
    values = {v: solver.value(v) for v in m.variables()}
    chosen = assignments(m, values.__getitem__) + aside
    served, changed, _prefs = term_values(problem, comp.cands, comp.previous, chosen)
    # As far from the bound as the published plan already was, plus the re-plan's own allowance: a newcomer is
    # no reason to search a part again that its first plan's time limit left short (`vicon replan --fresh` does).
    allowed = options.replan_gap * max(1, served) + (fit.published_short if options.replan_keeps_published_gap else 0)
    if fit.served - served > allowed:
        return False
    held_served, held_changes = round(solver.value(served_weight(m))), round(solver.value(changes(m)))
    # A plan keeping every published assignment serves only published requests and newcomers when the
    # published parts were proven optimal, and all of them are in the held model: had one served as much,
    # the held model's optimum (changes right after served weight) would have changed nothing.
    fewest = 1 if changed and fit.proven else m.forced_changes  # a published option gone is kept by no plan
    m.model.add(served_weight(m) >= held_served)
    m.model.add(changes(m) <= held_changes)
    # Among plans of least cost, the one that moves fewest published rehearsals and surveys.
    staying = published_tasks_staying(m, {k: chosen_pools(m, slot) for k, slot in part.tasks.items()})
    m.model.minimize((len(staying) + 1) * objective(m, 2) - sum(staying))  # type: ignore[operator]
    hint(m, values.items())
    solver = part_solver(options, max(0.05, (deadline - _time.monotonic()) / 2), light=True)
    if solver.solve(m.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        chosen = assignments(m, lambda v: int(solver.value(v))) + aside
    prefs = term_values(problem, comp.cands, comp.previous, chosen)[2]
    least = min(prefs, fit.preferences) if changed == 0 else 0
    comp.result = chosen
    comp.levels = [Level(served, fit.served, served == fit.served), Level(changed, fewest, changed == fewest),
                   Level(prefs, least, prefs == least)]  # fmt: skip
    return True


def _trips(part: HeldPart, travel: Sequence[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """The part's trips (operator, position, position) between positions still in the held part, by its indexes."""
    where = {k: i for i, k in enumerate(part.source)}
    return [(op, where[a], where[b]) for op, a, b in travel if a in where and b in where]


def fit_bound(
    problem: Problem, comp: Part, site: bytes, memo: DigestMemo | None, spans: SpanMemo | None = None
) -> FitBound | None:
    """Most served weight this part can reach, when it is published parts plus newcomers: their served-weight
    bounds (the published served weight where proven optimal) plus the newcomers' weights (taking the newcomers
    out of any plan of this part leaves a plan of those parts, which serves no more than their optimum). None
    when that is not known.

    The published parts are found as the previous solve found them, from the part's positions without the
    newcomers', and recognised by their records."""
    planned_before = {a.request for a in problem.previous} | {u.request for u in problem.previous_unserved}
    old = [k for k, c in enumerate(comp.cands) if c.role is Role.SURVEY or c.ref in planned_before]
    newcomers = {c.ref: c.weight for c in comp.cands if c.role is Role.EVENT and c.ref not in planned_before}
    if not newcomers or not old or any(c.role is not Role.EVENT for c in comp.cands if c.ref in newcomers):
        return None
    served, preferences, proven, short = 0, 0, True, 0
    known = {r.fingerprint: r for r in problem.previous_records}
    for part in _published_parts(problem, comp, old, spans):
        part.fingerprint = fingerprint(problem, part, site, memo)
        record = known.get(part.fingerprint)
        if record is None or record.preferences_bound is None or not reuse_record(problem, part):
            return None
        published = term_values(problem, part.cands, part.previous, list(part.previous.values()))[0]
        served += published if record.served_bound is None else record.served_bound
        short += 0 if record.served_bound is None else max(0, record.served_bound - published)
        proven = proven and record.served_bound is None
        preferences += record.preferences_bound
    return FitBound(served + sum(newcomers.values()), preferences, proven, frozenset(newcomers), short)


def disturbed_fit(problem: Problem, comp: Part) -> FitBound | None:
    """A part whose requests are all published, some of which can no longer keep their published host or operators
    (an operator's leave, a host taken out of service): settled around those, the rest held as published, like a
    newcomer (`settle_around_newcomers`), instead of searched whole. Without records to bound it, it claims only
    the trivial bound, and is kept when it serves at least what the published plan still can (the published served
    weight less the disturbed requests'). None when that does not apply: a request new to the plan (`fit_bound`),
    a published request gone from the problem (what it freed could serve someone), or nothing disturbed (nothing
    new is possible: the part is searched whole)."""
    planned_before = {a.request for a in problem.previous} | {u.request for u in problem.previous_unserved}
    events = [c for c in comp.cands if c.role is Role.EVENT]
    if any(c.ref not in planned_before for c in events if c.statically_possible):
        return None
    active = {r.ref for r in problem.requests if r.status.active}
    if any(a.request not in active and a.request.rpartition(":")[0] not in active for a in problem.previous):
        return None
    published = {a.request for a in problem.previous}
    cands = comp.cands
    kept_refs = {cands[k].ref for k, a in comp.previous.items() if held_as_published(problem, cands[k], a) is not None}
    disturbed = frozenset(c.ref for c in events if c.ref in published and c.ref not in kept_refs)
    if not disturbed:
        return None
    weights: dict[str, int] = {}
    for c in events:
        weights[c.ref] = max(weights.get(c.ref, 0), c.weight if c.statically_possible else 0)
    trivial = sum(weights.values())
    still = sum(weights[ref] for ref in kept_refs)  # what the published plan still serves
    return FitBound(trivial, 0, False, disturbed, trivial - still, disturbed=True)


def _published_parts(problem: Problem, comp: Part, old: list[int], spans: SpanMemo | None) -> list[Part]:
    """The parts the positions `old` of `comp` (its published requests and surveys) formed in the last solve.
    `spans`: the daemon's memo of each position's option rows (a month's large part has thousands)."""
    where = {k: n for n, k in enumerate(old)}
    cands = [comp.cands[k] for k in old]
    travel = [(op, where[a], where[b]) for op, a, b in comp.workflow.travel if a in where and b in where]
    groups = split_components(
        cands,
        couple_operator_days=problem.policy.preferences.operator_days > 0,
        links=ties(cands, list(comp.workflow.kit_holds), travel),
        memo=spans,
    )
    previous_at = {where[k]: a for k, a in comp.previous.items() if k in where}
    new_venues = {v.id for v in problem.venues if not v.surveyed}
    parts = []
    for group in groups:
        local = {n: i for i, n in enumerate(group)}
        sub = [cands[n] for n in group]
        surveys_here = any(c.role is Role.SURVEY for c in sub)
        needs = {c.site for c in sub if c.role is Role.EVENT and c.site in new_venues}
        parts.append(
            Part(
                cands=sub,
                fixed={},
                previous={local[n]: a for n, a in previous_at.items() if n in local},
                workflow=replace(
                    comp.workflow,
                    travel=[(op, local[a], local[b]) for op, a, b in travel if a in local and b in local],
                    surveyed=frozenset() if surveys_here else frozenset(comp.workflow.surveyed & needs),
                ),
            )
        )
    return parts
