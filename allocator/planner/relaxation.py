"""Proving a part searched under the survey or flexible-start limits optimal for the real problem.

The search tries a new venue's survey only at some of its workable times, and a flexible request only at the
starts nearest its wish (`workflow.SearchLimits`), so its levels are proven for that limited problem only. The
same part with those surveys *free* — still one before the venue's first served event, inside the survey window,
at any workable time, but taking no operator — is a relaxation of the real problem: every real plan is one of it
(its surveys unstaffed), serving the same weight with the same changes and no more preference cost (a survey only
adds an operator's day). Free surveys that precede the same of the venue's events are interchangeable, so one
start per such class is enough. A flexible request's starts left out are relaxed alike: one stand-in for all of
them, taking no resource and needing no rehearsal or survey, at the nearest one's cost. What the relaxation proves
bounds the real problem, level by level, as long as the levels above meet (`claims.real_problem_bounds`). Where
the limited plan reaches those bounds it is optimal for the real problem: the common case of an office's month,
whose surveys go on days their operator works anyway.
"""

from __future__ import annotations

import time as _time
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import replace

from ortools.sat.python import cp_model

from allocator.planner.candidates import Candidates, Role, to_minutes
from allocator.planner.domain import Assignment, ServiceType, SitePolicy
from allocator.planner.levels import only_fixed
from allocator.planner.model import build_model, hint
from allocator.planner.parts import TERMS, Part, SolveOptions, objective, part_solver
from allocator.planner.workflow import flexible_starts

# Below this share of the whole time limit left, no relaxation is solved: the alternatives and the validator
# need the rest.
MIN_LEFT = 0.25


def relaxable(comp: Part) -> tuple[set[str], set[str]] | None:
    """The venues whose surveys and the flexible requests whose starts a limit cut in this part, when only those
    were cut and a relaxation covers them (else None): a flexible request's far starts only in a first plan (a
    re-plan counts a published far start as kept, which its free stand-in is not), and not of a series (whose
    occurrences share one host)."""
    cut = [c for c in comp.cands if c.restricted]
    if not cut:
        return None
    venues = {c.ref for c in cut if c.role is Role.SURVEY}
    flexible = {c.ref for c in cut if c.role is Role.EVENT and c.request.window_start is not None}
    if any(c.role is Role.REHEARSAL or (c.role is Role.EVENT and c.ref not in flexible) for c in cut):
        return None
    if flexible and (comp.previous or any(c.request.series is not None or c.request.occurrence_of is not None
                                          for c in cut if c.ref in flexible)):  # fmt: skip
        return None
    return venues, flexible


def free_far_starts(comp: Part, flexible: set[str], policy: SitePolicy) -> list[Candidates]:
    """For each flexible request, one stand-in for every start the limit left out: served by no host, operator or
    kit, needing no rehearsal or survey, costing the fewest grain steps any of those starts is away."""
    out: list[Candidates] = []
    for ref in sorted(flexible):
        mine = [c for c in comp.cands if c.role is Role.EVENT and c.ref == ref]
        kept = {c.shift for c in mine}
        every, _cut = flexible_starts(mine[0].request, policy, None)
        far = [shift for _start, shift in every if shift not in kept]
        if not far:
            continue
        like = min(mine, key=lambda c: abs(c.shift))
        request = like.request.model_copy(update={"service": ServiceType.OPERATOR, "operators_needed": 0,
                                                  "rehearsal": None, "kits": [], "venue": None})  # fmt: skip
        out.append(replace(like, request=request, hosts=[], operators=[], host_exclusions={},
                           operator_exclusions={}, site=None, kits=(), shift=min(far, key=abs), restricted=(),
                           self_operable=False))  # fmt: skip
    return out


def free_surveys(comp: Part, venues: set[str], workable: Sequence[Candidates], policy: SitePolicy) -> list[Candidates]:
    """For each venue, its workable survey starts (`workable`, from the search without limits) taking no
    operator, one per class of the part's events there that each start may precede (the latest of the class)."""
    events: dict[str, list[int]] = {}
    for c in comp.cands:
        if c.role is Role.EVENT and c.site in venues:
            events.setdefault(c.site, []).append(c.start)
    for starts in events.values():
        starts.sort()
    best: dict[tuple[str, int, int], Candidates] = {}
    for c in workable:
        if c.ref not in venues:
            continue
        mine = events.get(c.ref, [])
        too_late = bisect_left(mine, c.end + policy.survey_lead_min)  # the events it comes too late for
        near = bisect_right(mine, c.start + policy.survey_window_min)  # the events it is near enough to
        key = (c.ref, too_late, near)
        if key not in best or c.start > best[key].start:
            best[key] = c
    free = [replace(c, operators=[], operator_exclusions={}, restricted=(),
                    request=c.request.model_copy(update={"operators_needed": 0}))
            for c in best.values()]  # fmt: skip
    return sorted(free, key=lambda c: (c.ref, c.start))


def relax(comp: Part, venues: set[str], flexible: set[str], workable: Sequence[Candidates], policy: SitePolicy) -> Part:
    """The part with the surveys of `venues` free and the far starts of `flexible` requests stood in for (see the
    module)."""
    keep = [k for k, c in enumerate(comp.cands) if not (c.role is Role.SURVEY and c.ref in venues)]
    local = {k: i for i, k in enumerate(keep)}
    wf = comp.workflow
    added = free_surveys(comp, venues, workable, policy) + free_far_starts(comp, flexible, policy)
    return Part(
        cands=[comp.cands[k] for k in keep] + added,
        fixed={local[k]: a for k, a in comp.fixed.items() if k in local},
        previous={local[k]: a for k, a in comp.previous.items() if k in local},
        stable=comp.stable,
        workflow=replace(wf, travel=[(op, local[a], local[b]) for op, a, b in wf.travel if a in local and b in local]),
    )


def _as_assignments(comp: Part, relaxed: Part) -> dict[int, Assignment]:
    """The part's plan on the relaxation's positions (events at their chosen start, rehearsals at theirs)."""
    chosen = {a.request: a for a in comp.result or []}
    out: dict[int, Assignment] = {}
    for k, c in enumerate(relaxed.cands):
        a = chosen.get(c.ref)
        if a is None:
            continue
        if c.role is Role.EVENT and (a.start is None or to_minutes(a.start) == c.start):
            out[k] = a
        elif c.role is Role.REHEARSAL and a.rehearsal is not None and to_minutes(a.rehearsal.start) == c.start:
            out[k] = Assignment.model_construct(request=a.request, host=a.rehearsal.host,
                                                operators=a.rehearsal.operators)  # fmt: skip
    return out


def relaxation_bounds(
    comp: Part, cut: tuple[set[str], set[str]], workable: Sequence[Candidates], options: SolveOptions, deadline: float
) -> tuple[int, ...]:
    """The real problem's bounds of the part's levels that the relaxation proves, from the first: a level's own
    value where the relaxation, holding the levels above, does no better; then, for the first level it does
    better on (or did not finish), its proven bound when that is the preferences'; nothing below. `cut`: the
    venues and flexible requests a limit cut (`relaxable`); `workable`: every workable survey start of the real
    problem."""
    assert comp.model is not None
    problem = comp.model.problem
    relaxed = relax(comp, *cut, workable, problem.policy)
    m = build_model(problem, relaxed.cands, relaxed.fixed, relaxed.previous, stability=relaxed.stable,
                    pool_interchangeable=options.pool_interchangeable,
                    redundant_constraints=options.redundant_constraints, workflow=relaxed.workflow)  # fmt: skip
    hint(m, only_fixed(m, _as_assignments(comp, relaxed)).items())  # the part's plan, with the surveys free
    bounds: list[int] = []
    for level, (_name, sense) in enumerate(TERMS):
        value = comp.levels[level].value
        if level == 1 and not m.kept:
            if value != m.forced_changes:
                break
            bounds.append(value)  # nothing published: the changes are what no plan avoids
            continue
        expr = objective(m, level)
        # One worker, as in the levels: a portfolio of two closed the preferences' bound far later (measured).
        solver = part_solver(options, max(0.05, (deadline - _time.monotonic()) / (len(TERMS) - level)))
        if level < 2:
            # Served weight and changes: "better than the plan" found infeasible is the quicker proof.
            better = m.model.new_bool_var(f"better[{level}]")
            m.model.add(expr >= value + 1 if sense == "maximize" else expr <= value - 1).only_enforce_if(better)
            m.model.add_assumptions([better])
            proven = solver.solve(m.model) == cp_model.INFEASIBLE
            m.model.clear_assumptions()
            if not proven:
                break
        else:
            # The preferences: minimised from the plan's own, the bound closes as in the levels.
            m.model.minimize(expr)
            status = solver.solve(m.model)
            bound = -round(-solver.best_objective_bound)
            # A bound above the part's own value would contradict it (the part's plan is one of the relaxation's):
            # then nothing is claimed.
            if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) and bound <= value:
                bounds.append(bound)
            break
        bounds.append(value)
        m.model.add(expr >= value if sense == "maximize" else expr <= value)  # held, as the levels hold it
    return tuple(bounds)
