"""Problem in, Plan out: lexicographic optimisation over independent components.

The three objective levels are solved in order on the same model: first the priority-weighted served
requests, then (with that value held) the fewest changes to the published plan, then the office's
preferences. Each part gets a share of the time by its size when it starts, and inside it the first level
gets most of that share, so a time limit cuts the least important level first. Parts run side by side, a
part waiting only for the parts that plan the surveys its venues need. Each level reports its value and
the bound CP-SAT proved for it. The levels end early enough to leave time for placing optional rehearsals
and searching alternatives inside the limit.
"""

from __future__ import annotations

import hashlib
import threading
import time as _time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from typing import cast

from ortools.sat.python import cp_model
from pydantic import BaseModel, ConfigDict, Field

from allocator.planner.alternatives import AlternativeFinder
from allocator.planner.candidates import (
    CandidateBuilder,
    CandidateCache,
    Candidates,
    Role,
    kept_by_identity,
    to_minutes,
)
from allocator.planner.components import split_components
from allocator.planner.domain import (
    Assignment,
    ComponentRecord,
    MissedRehearsal,
    ObjectiveTerm,
    Pin,
    Plan,
    PreemptionOffer,
    Problem,
    Request,
    SolverStatus,
    Unserved,
)
from allocator.planner.errors import ConflictingPins, InvalidPlan
from allocator.planner.explain import agendas, explain_unserved, started_without_plan
from allocator.planner.greedy import greedy_hint, published_tasks
from allocator.planner.model import (
    AllocationModel,
    Var,
    Workflow,
    assignments,
    build_model,
    changes,
    chosen_pools,
    complete_hint,
    hint,
    moved_from_requested,
    operator_days,
    oversized_licences,
    served_weight,
)
from allocator.planner.neighbourhood import hold_the_rest, near_newcomers
from allocator.planner.rehearsals import place_optional_rehearsals
from allocator.planner.validate import validate_plan
from allocator.planner.workflow import (
    KitHold,
    expand_request,
    keep_current,
    kit_holds,
    kit_stock,
    survey_positions,
    travel_conflicts,
)

TERMS = (("served_weight", "maximize"), ("changes", "minimize"), ("preferences", "minimize"))


class SolveOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    time_limit_s: float = Field(default=20.0, gt=0)
    workers: int = Field(default=2, ge=1, le=64, description="Components solved at once.")
    split_components: bool = True
    pool_interchangeable: bool = Field(default=True, description="Merge identical resources (symmetry removal).")
    redundant_constraints: bool = True
    reuse_unchanged: bool = Field(
        default=True, description="Keep a component's published assignments when they serve all of it."
    )
    seed: int = 0
    alternatives: bool = Field(default=True, description="Search alternatives for every unserved request.")
    stability: bool = Field(
        default=True, description="Published requests stay (notified ones unmoved) unless a higher tier needs them."
    )
    replan_gap: float = Field(
        default=0.01,
        ge=0,
        le=1,
        description="A re-plan's large changed part may settle for the best plan around its newcomers, the rest "
        "held as published, when its served weight is within this share of the most it could be; 0: only at it.",
    )


@dataclass
class _Level:
    value: int
    bound: int
    optimal: bool


@dataclass(frozen=True)
class _FitBound:
    """A part made of published parts and newcomers, as its records bound it."""

    served: int  # most served weight it can reach
    preferences: int  # least preferences cost its published parts can have, the newcomers left out
    proven: bool  # every published part's served weight was proven optimal
    newcomers: frozenset[str]


@dataclass(eq=False)  # a part is itself: membership tests and removal go by identity, not by comparing fields
class _Component:
    """One independent part, carried through the three levels."""

    cands: list[Candidates]
    fixed: dict[int, Assignment]
    previous: dict[int, Assignment]
    fingerprint: str = ""
    reused: bool = False
    stable: bool = True
    warnings: list[str] = field(default_factory=list)
    workflow: Workflow = field(default_factory=Workflow)
    greedy: dict[Var, int] | None = None  # a quick first plan, kept in case CP-SAT has no time to find one
    fit: _FitBound | None = None  # what the records say this part can reach at best (see `_fit_bound`)
    rebuild: Callable[[bool], AllocationModel] | None = None
    model: AllocationModel | None = None
    solution: dict[Var, int] | None = None
    result: list[Assignment] | None = None
    levels: list[_Level] = field(default_factory=list)


# Of a part's time left when a level starts, the part it may use: a level that finishes early leaves the rest
# to the next.
LEVEL_TIME_SHARES = (0.75, 0.5, 1.0)
# Of the whole time limit: where the levels must end, and where placing optional rehearsals must; what is left
# goes to the alternatives and the validator.
LEVELS_END, REHEARSALS_END = 0.68, 0.8


class _Budget:
    """Shares the levels' time among parts by size, as each starts, so one hard part cannot starve the rest;
    what a part leaves unused goes to those after it."""

    def __init__(self, parts: list[_Component], end: float, workers: int) -> None:
        self.left = sum(len(c.cands) for c in parts)
        self.end = end
        self.workers = workers
        self.lock = threading.Lock()

    def deadline_for(self, comp: _Component) -> float:
        with self.lock:
            now = _time.monotonic()
            share = len(comp.cands) / max(1, self.left)
            self.left -= len(comp.cands)
            return min(self.end, now + (self.end - now) * min(1.0, share * self.workers))


def _fixed_and_previous(
    problem: Problem, cands: list[Candidates]
) -> tuple[dict[int, Assignment], dict[int, Assignment], list[str]]:
    """Positions that must keep an assignment (pins, freeze), positions with a previous one, warnings.

    A request's previous assignment belongs to the event position at its published time; a frozen event's
    published rehearsal and a survey already under way or inside the freeze horizon are held too.
    """
    pins = {p.request: p for p in problem.pins}
    previous = {a.request: a for a in problem.previous}
    freeze_until = problem.now.timestamp() + problem.policy.freeze_horizon_min * 60
    host_ids = [h.id for h in problem.hosts]
    op_ids = [o.id for o in problem.operators]
    fixed: dict[int, Assignment] = {}
    prev_at: dict[int, Assignment] = {}
    warnings: list[str] = []
    frozen_refs: set[str] = set()
    published_surveys = {a.survey.venue: a.survey for a in problem.previous if a.survey and a.survey.venue}

    def fits(a: Assignment | Pin, c: Candidates) -> bool:
        hosts = {host_ids[h.host] for h in c.hosts}
        ops = {op_ids[o.operator] for o in c.operators}
        host_ok = (a.host in hosts) if c.needs_host else a.host is None
        return host_ok and len(a.operators) == c.operators_needed and set(a.operators) <= ops

    def at_published_time(c: Candidates, a: Assignment) -> bool:
        return a.start is None or to_minutes(a.start) == c.start

    for pos, c in enumerate(cands):
        if c.role is not Role.EVENT:
            continue
        ref = c.ref
        if ref in previous and at_published_time(c, previous[ref]):
            prev_at[pos] = previous[ref]
        if ref in pins:
            pin_start = pins[ref].start
            if c.shift != 0 and pin_start is None:
                continue  # a pin without a time holds the preferred start
            if pin_start is not None and to_minutes(pin_start) != c.start:
                continue
            if not fits(pins[ref], c):
                raise ConflictingPins(
                    "a pin cannot hold: its host or operators do not fit the request "
                    "(capacity, kind, availability, skills, shifts or leave)",
                    requests=[ref],
                )
            fixed[pos] = Assignment(request=ref, host=pins[ref].host, operators=sorted(pins[ref].operators))
            frozen_refs.add(ref)
        elif pos in prev_at and c.request.start.timestamp() < freeze_until:
            taker = _preempted_by(problem, c.request)
            if taker is not None:
                warnings.append(
                    f"{ref} was inside the freeze horizon but may give way to {taker} (confirmed by an admin)"
                )
            elif fits(previous[ref], c):
                fixed[pos] = previous[ref]
                frozen_refs.add(ref)
            else:
                warnings.append(
                    f"{ref} is inside the freeze horizon but its published assignment no longer fits "
                    "(a resource changed); it was re-planned"
                )
    for pos, c in enumerate(cands):
        if c.role is Role.REHEARSAL and c.ref in frozen_refs:
            slot = previous[c.ref].rehearsal if c.ref in previous else None
            if slot is not None and to_minutes(slot.start) == c.start:
                held = Assignment(request=c.ref, host=slot.host, operators=slot.operators)
                if fits(held, c):
                    fixed[pos] = held
        elif c.role is Role.SURVEY:
            slot = published_surveys.get(c.ref)
            if slot is not None and to_minutes(slot.start) == c.start and slot.start.timestamp() < freeze_until:
                held = Assignment(request=c.request.ref, host=None, operators=slot.operators)
                if fits(held, c):
                    fixed[pos] = held
    return fixed, prev_at, warnings


def _margin_min(problem: Problem) -> int:
    """How far around a meeting another can still collide with it (buffers, setup, teardown)."""
    pol = problem.policy
    pads = [pol.buffer_before_min + pol.buffer_after_min, pol.operator_setup_min + pol.operator_teardown_min]
    pads += [sum(pol.host_buffers(h)) for h in problem.hosts]
    return max(pads)


def _preempted_by(problem: Problem, req: Request) -> str | None:
    """A confirmed request of a higher tier, at or above the pre-emption tier, that `req` could be in the way of."""
    pol = problem.policy
    if pol.preempt_min_tier is None or not problem.confirmed_preemptions:
        return None
    weights = pol.priority_weights
    floor = weights[pol.preempt_min_tier]
    margin = _margin_min(problem) * 60
    mine = weights[req.priority]
    by_ref = {r.ref: r for r in problem.requests}
    for ref in problem.confirmed_preemptions:
        other = by_ref[ref]
        w = weights[other.priority]
        near = (
            other.start.timestamp() - margin < req.end.timestamp()
            and req.start.timestamp() - margin < other.end.timestamp()
        )
        if other.status.active and w >= floor and w > mine and near:
            return ref
    return None


def _preemption_offers(problem: Problem, unserved: list[Unserved], fixed_refs: set[str]) -> list[PreemptionOffer]:
    """Unserved requests of the pre-emption tier or above that frozen, lower-tier meetings keep out."""
    pol = problem.policy
    if pol.preempt_min_tier is None:
        return []
    weights = pol.priority_weights
    floor = weights[pol.preempt_min_tier]
    by_ref = {r.ref: r for r in problem.requests}
    pinned = {p.request for p in problem.pins}
    out = []
    for u in unserved:
        mine = weights[by_ref[u.request].priority]
        if mine < floor or u.request in problem.confirmed_preemptions:
            continue
        frozen = sorted(
            {
                r
                for b in u.blockers
                for r in b.requests
                if r in fixed_refs and r not in pinned and weights[by_ref[r].priority] < mine
            }
        )
        if frozen:
            out.append(
                PreemptionOffer(
                    request=u.request,
                    displaces=frozen,
                    text=f"{u.request} could be served inside the freeze horizon by displacing {', '.join(frozen)}; "
                    f"an admin confirms with: vicon replan --confirm {u.request}",
                    text_id=f"{u.request} dapat dilayani dengan menggeser {', '.join(frozen)} (dalam masa kunci "
                    f"jadwal); admin mengonfirmasi dengan: vicon replan --confirm {u.request}",
                )
            )
    return out


def _objective(m: AllocationModel, level: int) -> cp_model.LinearExprT:
    weights = m.problem.policy.preferences
    if level == 0:
        return served_weight(m)
    if level == 1:
        return changes(m)
    prefs = (
        weights.operator_days * operator_days(m)  # type: ignore[operator]
        + weights.oversized_licence * oversized_licences(m)
        + weights.moved_from_requested * moved_from_requested(m)
    )
    return cast(cp_model.LinearExprT, prefs)


def _trivial_bound(comp: _Component, level: int) -> int:
    """What a level could be at best without solving: claims nothing."""
    m = comp.model
    assert m is not None
    best: dict[str, int] = {}
    for c in comp.cands:
        if c.role is Role.EVENT:
            best[c.ref] = max(best.get(c.ref, 0), c.weight)  # a flexible request is served at one start at most
    return (sum(best.values()), m.forced_changes, 0)[level]


def _solve_level(comp: _Component, level: int, options: SolveOptions, deadline: float) -> None:
    """Optimise one level of one component, then hold its value for the levels below.

    In a re-plan the first two levels are solved at once, the changes weighted below one unit of served
    weight: one presolve instead of two, on a model whose published hint is nearly the answer.
    """
    m = comp.model
    assert m is not None
    if level == 1 and len(comp.levels) > 1:
        return  # solved with the first level
    sense = TERMS[level][1]
    expr = _objective(m, level)
    remaining = deadline - _time.monotonic()
    if level == 1 and not m.kept and comp.solution is not None:
        comp.levels.append(_Level(m.forced_changes, m.forced_changes, True))  # nothing published to keep
        return
    if remaining <= 0.0 and comp.solution is not None:
        value = _term_values(m.problem, comp.cands, comp.previous, assignments(m, comp.solution.__getitem__))[level]
        comp.levels.append(_Level(value, _trivial_bound(comp, level), False))  # out of time: claim nothing
        return
    together = level == 0 and bool(m.kept)
    if together and _fits_around_published(comp, options, deadline):
        return
    weight = len(m.kept) + 1  # more than every change there could be: served weight still comes first
    staying: list[Var] = []
    if level == 2:
        staying = _published_tasks_staying(m, {k: ops for k, (_h, ops) in published_tasks(m, comp.previous).items()})
    scale = len(staying) + 1  # the preferences first, then the published tasks kept
    if together:
        m.model.maximize(weight * expr - changes(m))  # type: ignore[operator]
    elif sense == "maximize":
        m.model.maximize(expr)
    elif staying:
        m.model.minimize(scale * expr - sum(staying))  # type: ignore[operator]
    else:
        m.model.minimize(expr)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = options.seed
    # The clique rows make the LP strong; level 2 keeps it at every node, which proves optimality
    # where the default level stalls on the host–operator coupling.
    solver.parameters.linearization_level = 2
    if together:
        # A re-plan's part starts from the published plan: one presolve pass is enough, and looking for
        # symmetries or probing costs more than the search they would shorten. (The last level, with the
        # first two held, is the other way round: full presolve fixes most of it.)
        solver.parameters.max_presolve_iterations = 1
        solver.parameters.symmetry_level = 0
        solver.parameters.cp_model_probing_level = 0
        if not _may_displace(comp):
            # Nothing published may give way, so the run is mostly a proof that the newcomers fit no better
            # than the hint: every LP row from the start closes the bound sooner (measured: 0.44–0.76 of the
            # time). Where a newcomer may displace someone the search matters more and it was mixed (0.56–1.36).
            solver.parameters.add_lp_constraints_lazily = False
    # A part without any plan yet gets long enough to load and presolve its model.
    solver.parameters.max_time_in_seconds = max(remaining, 0.05 if comp.solution is not None else 0.5)
    status = solver.solve(m.model)
    if status == cp_model.INFEASIBLE and level == 0 and comp.stable:
        # Published assignments can no longer all stay (a request's time or a resource changed):
        # plan this part without the stability rule rather than fail, and say so.
        comp.stable = False
        comp.warnings.append(
            "the published plan could not be kept as it was for "
            + ", ".join(sorted(c.request.ref for c in comp.cands)[:5])
            + "; that part was re-planned freely"
        )
        assert comp.rebuild is not None
        comp.model = comp.rebuild(False)
        _hint_published(comp)
        _solve_level(comp, level, options, deadline)
        return
    if status == cp_model.INFEASIBLE:
        raise ConflictingPins(
            "pinned or frozen assignments conflict with each other",
            requests=sorted(comp.cands[pos].request.ref for pos in comp.fixed),
        )
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        if comp.solution is None:
            usable = comp.greedy and not comp.fixed and not comp.previous  # a re-plan's greedy may break stability
            comp.solution = comp.greedy if usable and comp.greedy else _only_fixed(m, comp.fixed)
        value = _term_values(m.problem, comp.cands, comp.previous, assignments(m, comp.solution.__getitem__))[level]
        comp.levels.append(_Level(value, _trivial_bound(comp, level), False))
        return
    comp.solution = {v: solver.value(v) for v in m.variables()}
    value = round(solver.value(expr))
    optimal = status == cp_model.OPTIMAL
    if together:
        # bound ≥ weight·served* − changes*, and changes* ≤ len(kept): served* ≤ (bound + len(kept)) / weight
        served_bound = (round(solver.best_objective_bound) + len(m.kept)) // weight
        comp.levels.append(_Level(value, served_bound if not optimal else value, optimal))
        if optimal:
            held = round(solver.value(changes(m)))
            comp.levels.append(_Level(held, held, True))
            m.model.add(changes(m) <= held)
    else:
        # scale·prefs ≥ scale·prefs − kept ≥ bound for every plan: prefs ≥ ⌈bound / scale⌉
        comp.levels.append(_Level(value, -(-round(solver.best_objective_bound) // scale), optimal))
    if level < len(TERMS) - 1:  # hold the value and start the next level from this plan
        m.model.add(expr >= value if sense == "maximize" else expr <= value)
        hint(m, comp.solution.items())


def _may_displace(comp: _Component) -> bool:
    """Whether a newcomer of the part outranks a published request of it (the stability rule lets it displace)."""
    published = {c.ref for c in (comp.cands[pos] for pos in comp.previous)}
    lightest = min((comp.cands[pos].weight for pos in comp.previous), default=0)
    return any(c.role is Role.EVENT and c.ref not in published and c.weight > lightest for c in comp.cands)


def _hint_published(comp: _Component) -> None:
    """Start from the published plan, completed greedily (newcomers fitted around it) with every implied value."""
    m = comp.model
    assert m is not None
    comp.greedy = complete_hint(m, dict(greedy_hint(m, m.kept_as, published_tasks(m, comp.previous))))
    hint(m, comp.greedy.items())


def _fits_around_published(comp: _Component, options: SolveOptions, deadline: float) -> bool:
    """The first two levels settled by a quick check, when the newcomers fit around the published plan.

    The records bound the served weight (`_fit_bound`); a plan keeping every published assignment that
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
    comp.levels += [_Level(bound, bound, True), _Level(0, 0, True)]
    m.model.add(served_weight(m) >= bound)
    m.model.add(changes(m) <= 0)
    hint(m, comp.solution.items())
    return True


# Parts smaller than this are searched whole: that proves every level and takes little longer.
SETTLE_LOCALLY_FROM = 150


def _settle_around_newcomers(
    problem: Problem, comp: _Component, options: SolveOptions, notified: set[str], deadline: float
) -> bool:
    """Settle a re-plan's part around its newcomers, everything else held as published, when that plan's
    served weight is within `options.replan_gap` of the most the records say the part can serve.

    Proving that a newcomer cannot be served, or whom it should displace, takes a search of the whole part —
    seconds where rehearsal windows and kit loans tie a week together — while only what is near the newcomer
    could make room for it (`allocator.planner.neighbourhood`). What the plan claims stays provable: served weight up
    to the records' bound; at least one change when it changed something (see below); preferences at least
    the published parts' bound when nothing changed (a newcomer only adds cost), else nothing.
    """
    fit = comp.fit
    if fit is None or len(comp.cands) < SETTLE_LOCALLY_FROM or not options.reuse_unchanged:
        return False  # no records to bound it, small enough to search whole, or asked to solve afresh
    free = near_newcomers(comp.cands, set(fit.newcomers), comp.workflow.travel)
    part = hold_the_rest(problem, comp.cands, comp.fixed, comp.previous, free)
    if part is None:
        return False
    where = {k: i for i, k in enumerate(part.source)}
    travel = [(op, where[a], where[b]) for op, a, b in comp.workflow.travel if a in where and b in where]
    m = build_model(problem, part.cands, part.fixed, part.previous, pool_interchangeable=options.pool_interchangeable,
                    redundant_constraints=options.redundant_constraints, stability=comp.stable, notified=notified,
                    workflow=replace(comp.workflow, travel=travel))  # fmt: skip
    if m.forced_changes:
        return False
    hint(m, complete_hint(m, dict(greedy_hint(m, m.kept_as, published_tasks(m, part.previous)))).items())
    weight = len(m.kept) + 1  # served weight first, as in `_solve_level`
    m.model.maximize(weight * served_weight(m) - changes(m))  # type: ignore[operator]
    solver = _part_solver(options, max(0.05, min(2.0, (deadline - _time.monotonic()) / 2)))
    # As in a re-plan's combined run: the hint is nearly the answer, one presolve pass is enough (measured
    # on the month: 0.35 → 0.10 s for the held model of a day tied to its neighbours).
    solver.parameters.max_presolve_iterations = 1
    solver.parameters.symmetry_level = 0
    solver.parameters.cp_model_probing_level = 0
    if solver.solve(m.model) != cp_model.OPTIMAL:
        return False
    values = {v: solver.value(v) for v in m.variables()}
    chosen = assignments(m, values.__getitem__)
    served, changed, _prefs = _term_values(problem, comp.cands, comp.previous, chosen)
    if fit.served - served > options.replan_gap * max(1, served):
        return False
    held_served, held_changes = round(solver.value(served_weight(m))), round(solver.value(changes(m)))
    # A plan keeping every published assignment serves only published requests and newcomers when the
    # published parts were proven optimal, and all of them are in the held model: had one served as much,
    # the held model's optimum (changes right after served weight) would have changed nothing.
    fewest = 1 if changed and fit.proven else 0
    m.model.add(served_weight(m) >= held_served)
    m.model.add(changes(m) <= held_changes)
    # Among plans of least cost, the one that moves fewest published rehearsals and surveys.
    staying = _published_tasks_staying(m, {k: chosen_pools(m, slot)[1] for k, slot in part.tasks.items()})
    m.model.minimize((len(staying) + 1) * _objective(m, 2) - sum(staying))  # type: ignore[operator]
    hint(m, values.items())
    solver = _part_solver(options, max(0.05, (deadline - _time.monotonic()) / 2))
    if solver.solve(m.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        chosen = assignments(m, lambda v: int(solver.value(v)))
    prefs = _term_values(problem, comp.cands, comp.previous, chosen)[2]
    least = min(prefs, fit.preferences) if changed == 0 else 0
    comp.result = chosen
    comp.levels = [_Level(served, fit.served, served == fit.served), _Level(changed, fewest, changed == fewest),
                   _Level(prefs, least, prefs == least)]  # fmt: skip
    return True


def _published_tasks_staying(m: AllocationModel, tasks: dict[int, dict[int, int]]) -> list[Var]:
    """Published rehearsal and survey positions (with their operators by pool): a plan's count of them kept, at
    their time and with their operators, as a tie-break below the preferences. They are not changes the first
    levels count, but moving one changes an operator's agenda (and an online rehearsal's meeting) for nothing."""
    staying = [m.served[k] for k in tasks]
    for k, ops in tasks.items():
        staying += [m.operator[k, g] for g in ops if (k, g) in m.operator]
    return staying


def _part_solver(options: SolveOptions, seconds: float) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = options.seed
    solver.parameters.linearization_level = 2
    solver.parameters.max_time_in_seconds = seconds
    return solver


def _fit_bound(
    problem: Problem, comp: _Component, site: bytes, memo: dict[int, tuple[Candidates, bytes]] | None
) -> _FitBound | None:
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
    where = {k: n for n, k in enumerate(old)}
    cands = [comp.cands[k] for k in old]
    travel = [(op, where[a], where[b]) for op, a, b in comp.workflow.travel if a in where and b in where]
    groups = split_components(
        cands,
        couple_operator_days=problem.policy.preferences.operator_days > 0,
        links=_ties(cands, list(comp.workflow.kit_holds), travel),
    )
    known = {r.fingerprint: r for r in problem.previous_records}
    previous_at = {where[k]: a for k, a in comp.previous.items() if k in where}
    new_venues = {v.id for v in problem.venues if not v.surveyed}
    served, preferences, proven = 0, 0, True
    for group in groups:
        local = {n: i for i, n in enumerate(group)}
        sub = [cands[n] for n in group]
        surveys_here = any(c.role is Role.SURVEY for c in sub)
        needs = {c.site for c in sub if c.role is Role.EVENT and c.site in new_venues}
        part = _Component(
            cands=sub,
            fixed={},
            previous={local[n]: a for n, a in previous_at.items() if n in local},
            workflow=replace(
                comp.workflow,
                travel=[(op, local[a], local[b]) for op, a, b in travel if a in local and b in local],
                surveyed=frozenset() if surveys_here else frozenset(comp.workflow.surveyed & needs),
            ),
        )
        part.fingerprint = _fingerprint(problem, part, site, memo)
        record = known.get(part.fingerprint)
        if record is None or record.preferences_bound is None or not _reuse_record(problem, part):
            return None
        published = _term_values(problem, part.cands, part.previous, list(part.previous.values()))[0]
        served += published if record.served_bound is None else record.served_bound
        proven = proven and record.served_bound is None
        preferences += record.preferences_bound
    return _FitBound(served + sum(newcomers.values()), preferences, proven, frozenset(newcomers))


def _only_fixed(m: AllocationModel, fixed: dict[int, Assignment]) -> dict[Var, int]:
    """A plan that is always valid: serve only what is pinned or frozen (used only if CP-SAT finds nothing)."""
    values = dict.fromkeys(m.variables(), 0)
    for pos, a in fixed.items():
        values[m.served[pos]] = 1
        for (p, g), var in m.host.items():
            if p == pos and a.host in [m.problem.hosts[i].id for i in m.host_pools[g].members]:
                values[var] = 1
        for (p, g), var in m.operator.items():
            if p == pos:
                members = {m.problem.operators[i].id for i in m.operator_pools[g].members}
                values[var] = len(members & set(a.operators))
    return values


def _position_digest(problem: Problem, c: Candidates) -> bytes:
    """What one position contributes to its part's fingerprint (pins and confirmations aside)."""
    r = c.request
    request = repr(
        (r.ref, r.status.value, r.start.timestamp(), r.end.timestamp(), r.participants, r.kind.value,
         r.service.value, r.operators_needed, r.required_skills, r.allowed_operators, r.priority,
         c.role.value, c.owner, c.shift, c.site, c.kits, c.kit_start, c.kit_end,
         r.rehearsal and r.rehearsal.model_dump_json())
    )  # fmt: skip
    hosts = [
        (problem.hosts[o.host].id, problem.hosts[o.host].max_concurrent, problem.hosts[o.host].kind.value, o.start,
         o.end, o.oversize)
        for o in c.hosts
    ]  # fmt: skip
    ops = [(problem.operators[o.operator].id, o.start, o.end, o.day) for o in c.operators]
    return hashlib.sha256(repr((request, c.weight, hosts, ops)).encode()).digest()


def _digest_of(problem: Problem, c: Candidates, memo: dict[int, tuple[Candidates, bytes]] | None) -> bytes:
    """`_position_digest`, kept in `memo` by the position's identity (the object kept to make that safe)."""
    return kept_by_identity(memo, c, lambda position: _position_digest(problem, position))


def _site_digest(problem: Problem, stock: dict[str, int], holds: list[KitHold]) -> bytes:
    """What every part's optimum depends on alike (once per solve, not per part)."""
    h = hashlib.sha256(problem.policy.preferences.model_dump_json().encode())
    h.update(repr((sorted(stock.items()), holds, problem.policy.survey_lead_min, problem.policy.survey_window_min,
                   [v.model_dump_json() for v in problem.venues])).encode())  # fmt: skip
    return h.digest()


def _fingerprint(
    problem: Problem, comp: _Component, site: bytes, memo: dict[int, tuple[Candidates, bytes]] | None = None
) -> str:
    """Digest of everything this part's optimum depends on (previous assignments aside: see `_reuse_record`).
    `site`: what all parts depend on alike (`_site_digest`); `memo` keeps each position's own digest between
    re-plans (the cache's positions are the same objects)."""
    h = hashlib.sha256(problem.policy.preferences.model_dump_json().encode())
    if any(c.kits or c.site or c.role is not Role.EVENT for c in comp.cands):
        wf = comp.workflow  # spelled out: a frozenset's repr follows the process's string hashing
        h.update(site)
        h.update(repr((wf.travel, sorted(wf.surveyed))).encode())
    pins = {p.request: p for p in problem.pins}
    confirmed = set(problem.confirmed_preemptions)
    for c in comp.cands:
        h.update(_digest_of(problem, c, memo))
        pin = pins.get(c.ref) if c.role is Role.EVENT else None
        pin_key = pin and (pin.host, sorted(pin.operators), pin.start)
        h.update(repr((pin_key, c.ref in confirmed)).encode())
    return h.hexdigest()[:32]


def _result_digest(cands: list[Candidates], chosen: dict[str, Assignment]) -> str:
    h = hashlib.sha256()
    for c in cands:
        if c.role is not Role.EVENT or c.shift:
            continue
        a = chosen.get(c.ref)
        h.update(repr((c.ref, a and a.host, a and sorted(a.operators))).encode())
        if a is not None and (a.start or a.survey):  # an optional rehearsal is placed afterwards, every time
            h.update(a.model_dump_json(include={"start", "survey"}).encode())
    return h.hexdigest()[:32]


def _reuse_record(problem: Problem, comp: _Component) -> bool:
    """An unchanged part keeps its published result, unsolved.

    Proven optimal, it stays optimal: same inputs give the same first-level optimum, which the published result
    reaches; keeping it is no change, the best the second level can do; and with everything kept the third
    level has no choice left. Cut short by the time limit, solving it again would most likely be cut short
    too: it keeps its result and the bound it reached, and the published plan does not change for nothing.
    Frozen assignments are the published ones, so they hold too.
    """
    known = {r.fingerprint: r for r in problem.previous_records}
    record = known.get(comp.fingerprint)
    if record is None or record.requests != len(comp.cands):
        return False
    published = {a.request: a for a in comp.previous.values()}
    return _result_digest(comp.cands, published) == record.result


def _reused_levels(problem: Problem, comp: _Component) -> list[_Level]:
    """The levels of a part kept as published: its record's proven preferences bound, when it has one."""
    values = _term_values(problem, comp.cands, comp.previous, comp.result or [])
    record = {r.fingerprint: r for r in problem.previous_records}.get(comp.fingerprint)
    bound = values[2] if record is None or record.preferences_bound is None else record.preferences_bound
    served = values[0] if record is None or record.served_bound is None else record.served_bound
    return [_Level(values[0], served, values[0] == served), _Level(values[1], values[1], True),
            _Level(values[2], bound, values[2] == bound)]  # fmt: skip


def _previous_serves_all(problem: Problem, comp: _Component) -> bool:
    """True when every request here keeps a feasible published assignment: that is the lexicographic optimum.

    All served is the best the first level can be, no change the best the second can be, and with every
    assignment kept the third level has nothing left to choose.
    """
    n = len(comp.cands)
    if len(comp.previous) != n or any(comp.fixed[pos] != comp.previous[pos] for pos in comp.fixed):
        return False
    if any(c.role is not Role.EVENT or c.request.window_start or c.request.rehearsal for c in comp.cands):
        return False  # rehearsals, surveys and other starts are choices the published plan may not have made best
    m = build_model(
        problem,
        comp.cands,
        comp.previous,
        {},
        pool_interchangeable=False,
        redundant_constraints=False,
        workflow=comp.workflow,
    )
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 5.0
    return bool(solver.solve(m.model) == cp_model.OPTIMAL)


def _positions(
    problem: Problem, builder: CandidateBuilder, plannable: list[Request], cache: CandidateCache | None
) -> list[Candidates]:
    """Every position of the model: each request's allowed starts and rehearsal starts, then new venues' surveys."""
    if cache is not None:
        cands = cache.build_all(builder, plannable, lambda r: expand_request(builder, r))
    else:
        cands = [c for r in plannable for c in expand_request(builder, r)]
    cands = keep_current(cands, problem.now, {a.request: a for a in problem.previous})
    cands += survey_positions(builder, cands, problem.previous)
    return cands  # indexed by the caller, once the positions in play are chosen


def _ties(
    cands: list[Candidates], holds: list[KitHold], conflicts: list[tuple[int, int, int]]
) -> list[tuple[int, int]]:
    """Pairs of positions that influence each other without sharing a resource slot."""
    links: list[tuple[int, int]] = []
    first_of: dict[str, int] = {}
    venue_events: dict[str, list[int]] = {}
    for pos, c in enumerate(cands):
        key = f"{c.role is Role.SURVEY}:{c.ref}"
        first = first_of.setdefault(key, pos)
        if first != pos:
            links.append((first, pos))  # positions of one request (or one venue's surveys)
        if c.role is Role.REHEARSAL:
            links.append((first_of.setdefault(f"False:{c.ref}", pos), pos))
        if c.role is Role.EVENT and c.site is not None:
            venue_events.setdefault(c.site, []).append(pos)
    for pos, c in enumerate(cands):
        if c.role is Role.SURVEY:
            # Only the events of the anchor days: later ones need just that a survey took place (see `solve`).
            links.extend((pos, e) for e in venue_events.get(c.ref, []) if cands[e].start < c.reach)
    kits: dict[str, list[tuple[int, int, int]]] = {}
    for pos, c in enumerate(cands):
        for kit, _n in c.kits:
            kits.setdefault(kit, []).append((c.kit_start, c.kit_end, pos))
    for h in holds:
        owner = first_of.get(f"False:{h.request}") if h.request else None
        if owner is not None:
            for s, _e, pos in kits.get(h.kit, []):
                if h.end is None or s < h.end:
                    links.append((owner, pos))
    for spans in kits.values():
        spans.sort()
        reach, anchor = None, -1
        for s, e, pos in spans:
            if reach is not None and s < reach:
                links.append((anchor, pos))
                reach = max(reach, e)
            else:
                anchor, reach = pos, e
    links.extend(dict.fromkeys((a, b) for _op, a, b in conflicts))  # once per pair, not per operator
    return links


def _unplanned(cands: list[Candidates], served_refs: set[str]) -> list[Candidates]:
    """One position per unserved request, the one at its preferred time (or nearest to it) to explain."""
    best: dict[str, Candidates] = {}
    for c in cands:
        if (
            c.role is Role.EVENT
            and c.ref not in served_refs
            and (c.ref not in best or abs(c.shift) < abs(best[c.ref].shift))
        ):
            best[c.ref] = c
    return list(best.values())


def _missed_rehearsals(problem: Problem, chosen: list[Assignment]) -> list[MissedRehearsal]:
    by_ref = {r.ref: r for r in problem.requests}
    out = []
    for a in chosen:
        spec = by_ref[a.request].rehearsal
        if spec is not None and a.rehearsal is None:
            crew = ", ".join(a.operators) or "-"
            out.append(
                MissedRehearsal(
                    request=a.request,
                    reason=f"no slot in the rehearsal window where {crew} (and a host, if online) is free; "
                    "the event itself is served",
                    reason_id=f"tidak ada waktu dalam rentang gladi bersih saat {crew} (dan host, bila daring) "
                    "kosong; acaranya sendiri tetap dilayani",
                )
            )
    return sorted(out, key=lambda x: x.request)


def active_requests(problem: Problem) -> list[Request]:
    return sorted((r for r in problem.requests if r.status.active), key=lambda r: (r.start, r.end, r.ref))


def solve(
    problem: Problem,
    options: SolveOptions | None = None,
    *,
    clock: Callable[[], float] = _time.perf_counter,
    cache: CandidateCache | None = None,
) -> Plan:
    """Plan every active request; raise rather than return a plan the validator rejects."""
    options = options or SolveOptions()
    t0 = clock()
    deadline = _time.monotonic() + options.time_limit_s
    plannable: list[Request] = []
    unserved: list[Unserved] = []
    earlier = {a.request for a in problem.previous} | {p.request for p in problem.pins}
    for r in active_requests(problem):
        if r.start <= problem.now and r.ref not in earlier:
            unserved.append(started_without_plan(problem, r))
        else:
            plannable.append(r)
    builder = CandidateBuilder(problem)
    every = _positions(problem, builder, plannable, cache)
    # Optional rehearsals are placed after the levels, around the planned events (see allocator.planner.rehearsals).
    mandatory = {r.ref for r in plannable if r.rehearsal is not None and r.rehearsal.mandatory}
    cands = [c for c in every if c.role is not Role.REHEARSAL or c.ref in mandatory]
    optional = [c for c in every if c.role is Role.REHEARSAL and c.ref not in mandatory]
    fixed, previous, warnings = _fixed_and_previous(problem, cands)
    notified = set(problem.notified)
    holds = kit_holds(problem, {r.ref for r in plannable})
    conflicts = travel_conflicts(problem, cands)
    if options.split_components:
        groups = split_components(
            cands,
            couple_operator_days=problem.policy.preferences.operator_days > 0,
            links=_ties(cands, holds, conflicts),
            memo=cache.spans if cache is not None else None,
        )
    else:
        groups = [list(range(len(cands)))] if cands else []
    stock = kit_stock(problem)
    site = _site_digest(problem, stock, holds)
    memo = cache.digests if cache is not None else None
    group_of = {i: g for g, group in enumerate(groups) for i in group}
    travel_in: dict[int, list[tuple[int, int, int]]] = {}
    for op, a, b in conflicts:
        travel_in.setdefault(group_of[a], []).append((op, a, b))
    comps: list[_Component] = []
    for g, group in enumerate(groups):
        local = {i: k for k, i in enumerate(group)}
        comps.append(
            _Component(
                cands=[cands[i] for i in group],
                fixed={local[i]: a for i, a in fixed.items() if i in local},
                previous={local[i]: a for i, a in previous.items() if i in local},
                workflow=Workflow(
                    kit_stock=stock,
                    kit_holds=holds,
                    travel=[(op, local[a], local[b]) for op, a, b in travel_in.get(g, [])],
                ),
            )
        )

    def keep_published(comp: _Component) -> None:
        comp.reused = True
        comp.result = [comp.previous[k] for k in sorted(comp.previous)]
        comp.levels = _reused_levels(problem, comp)

    def prepare(comp: _Component) -> None:
        if comp.reused:
            return  # recognised before the parts started
        if not comp.fingerprint:  # not yet taken for this part as it now is
            comp.fingerprint = _fingerprint(problem, comp, site, memo)
        if options.reuse_unchanged and (_reuse_record(problem, comp) or _previous_serves_all(problem, comp)):
            keep_published(comp)
            return

        def rebuild(stable: bool, comp: _Component = comp) -> AllocationModel:
            return build_model(
                problem,
                comp.cands,
                comp.fixed,
                comp.previous,
                pool_interchangeable=options.pool_interchangeable,
                redundant_constraints=options.redundant_constraints,
                stability=stable,
                notified=notified,
                workflow=comp.workflow,
            )

        comp.rebuild = rebuild
        comp.stable = options.stability
        if comp.previous and problem.previous_records:
            comp.fit = _fit_bound(problem, comp, site, memo)

    def pipeline(comp: _Component, budget: _Budget) -> None:
        """One part through its three levels, within the time its budget gives it."""
        prepare(comp)
        if comp.result is None:
            until = budget.deadline_for(comp)
            if _settle_around_newcomers(problem, comp, options, notified, until):
                return
            assert comp.rebuild is not None
            comp.model = comp.rebuild(comp.stable)
            _hint_published(comp)
            for level, share in enumerate(LEVEL_TIME_SHARES):
                now = _time.monotonic()
                _solve_level(comp, level, options, now + max(0.0, until - now) * share)
            assert comp.model is not None and comp.solution is not None
            comp.result = assignments(comp.model, comp.solution.__getitem__)
        else:
            budget.deadline_for(comp)  # its share goes to the others

    # A part with events at a new venue whose survey another part plans depends on that part: the venue's later
    # events may be served only if the survey took place. It does not wait: it is solved at once assuming every
    # survey it could rely on takes place, and solved again in the rare case one did not.
    survey_venues = {id(c): {x.ref for x in c.cands if x.role is Role.SURVEY} for c in comps}
    new_venues = {v.id for v in problem.venues if not v.surveyed}
    surveying = [c for c in comps if survey_venues[id(c)]]
    published_surveys = {a.survey.venue for a in problem.previous if a.survey and a.survey.venue}
    needs: dict[int, set[str]] = {}
    relies_on: dict[int, list[_Component]] = {}
    for comp in comps:
        if survey_venues[id(comp)]:
            continue  # a part planning surveys itself relies on no other (so nothing waits in a circle)
        needs[id(comp)] = {x.site for x in comp.cands if x.role is Role.EVENT and x.site and x.site in new_venues}
        relies_on[id(comp)] = [o for o in surveying if survey_venues[id(o)] & needs[id(comp)]]
        assumed = {v for o in relies_on[id(comp)] for v in survey_venues[id(o)]} & needs[id(comp)]
        if problem.previous:  # a re-plan: the best guess is what the published plan surveyed
            assumed &= published_surveys
        comp.workflow = replace(comp.workflow, surveyed=frozenset(assumed))

    def surveys_held(comp: _Component) -> bool:
        """The surveys a finished part relied on took place; if not, it is reset to be solved again."""
        done = {a.survey.venue for o in relies_on.get(id(comp), []) for a in o.result or [] if a.survey}
        actual = frozenset(v for v in done & needs.get(id(comp), set()) if v is not None)
        if actual == comp.workflow.surveyed:
            return True
        comp.workflow = replace(comp.workflow, surveyed=actual)
        comp.reused, comp.greedy, comp.model, comp.solution, comp.result = False, None, None, None, None
        comp.fingerprint = ""  # its surveys changed: taken again
        comp.levels, comp.warnings = [], []
        return False

    levels_end = max(_time.monotonic(), deadline - (1 - LEVELS_END) * options.time_limit_s)
    budget = _Budget(comps, levels_end, options.workers)
    if options.reuse_unchanged and problem.previous_records:
        # The parts a record shows unchanged are recognised first, here: the changed ones then get both cores
        # at once instead of waiting behind the bookkeeping of the rest.
        for comp in comps:
            comp.fingerprint = _fingerprint(problem, comp, site, memo)
            if _reuse_record(problem, comp):
                keep_published(comp)
    pending = sorted(comps, key=lambda c: (c.reused, not survey_venues[id(c)], -len(c.cands)))
    finished: list[_Component] = []
    with ThreadPoolExecutor(max_workers=options.workers) as pool:
        running: dict[Future[None], _Component] = {}
        while pending or running:
            while pending and len(running) < options.workers:
                comp = pending.pop(0)
                running[pool.submit(pipeline, comp, budget)] = comp
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                future.result()  # re-raise what went wrong in the part
                finished.append(running.pop(future))
            if not any(c in surveying for c in [*pending, *running.values()]):
                for comp in [c for c in finished if c not in surveying]:
                    finished.remove(comp)
                    if not surveys_held(comp):
                        budget.left += len(comp.cands)
                        pending.append(comp)

    chosen = [a for comp in comps for a in (comp.result or [])]
    frozen_refs = {cands[i].ref for i in fixed if cands[i].role is Role.EVENT}
    placement = place_optional_rehearsals(
        problem,
        cands,
        chosen,
        optional,
        deadline=deadline - (1 - REHEARSALS_END) * options.time_limit_s,
        seed=options.seed,
        frozen=frozen_refs,
        records=problem.previous_records,
        workers=options.workers,
        digest_of=lambda c: _digest_of(problem, c, memo),
    )
    final = {a.request: a for a in placement.assignments}
    if placement.assignments != chosen:
        # Placing rehearsals may have given an event other operators: the preferences are what the plan now has.
        for comp in comps:
            mine = [final[a.request] for a in comp.result or []]
            if mine != comp.result:
                level = comp.levels[2]
                level.value = _term_values(problem, comp.cands, comp.previous, mine)[2]
                level.optimal = level.optimal and level.value == level.bound
    chosen = placement.assignments
    served_refs = {a.request for a in chosen}
    by_host, by_operator = agendas(problem, chosen)
    # An unchanged part keeps its published explanations: its reasons cannot have changed (they depend only on
    # its own requests), and searching alternatives again for every unserved request would cost more than the
    # re-plan itself.
    carried = {u.request: u for u in problem.previous_unserved}
    unchanged = {c.ref for comp in comps if comp.reused for c in comp.cands} & set(carried)
    unplanned = _unplanned(cands, served_refs)
    fresh = explain_unserved(problem, [c for c in unplanned if c.ref not in unchanged], by_host, by_operator, chosen)
    if options.alternatives:
        finder = AlternativeFinder(builder, by_host, by_operator, chosen)
        fresh = [u.model_copy(update={"alternatives": finder.find(problem.request(u.request))}) for u in fresh]
    unserved += fresh + [carried[c.ref] for c in unplanned if c.ref in unchanged]
    fixed_refs = {cands[i].ref for i in fixed if cands[i].role is Role.EVENT}
    offers = _preemption_offers(problem, unserved, fixed_refs)
    terms = [
        ObjectiveTerm(
            name=name,
            sense=sense,
            value=sum(c.levels[i].value for c in comps),
            bound=sum(c.levels[i].bound for c in comps),
            optimal=all(c.levels[i].optimal for c in comps),
        )
        for i, (name, sense) in enumerate(TERMS)
    ]
    mandatory_placed = sum(1 for a in chosen if a.request in mandatory and a.rehearsal is not None)
    terms.append(
        ObjectiveTerm(
            name="rehearsals",
            sense="maximize",
            value=mandatory_placed + placement.placed,
            bound=mandatory_placed + placement.bound,
            optimal=placement.optimal,
        )
    )
    plan = Plan(
        assignments=sorted(chosen, key=lambda a: a.request),
        unserved=sorted(unserved, key=lambda u: u.request),
        objective=terms,
        status=SolverStatus.OPTIMAL if all(t.optimal for t in terms) else SolverStatus.FEASIBLE,
        gap=max((abs(t.bound - t.value) / max(1, abs(t.value)) for t in terms), default=0.0),
        solve_seconds=round(clock() - t0, 4),
        components=len(comps),
        warnings=warnings + [w for c in comps for w in c.warnings],
        preemption_offers=offers,
        missed_rehearsals=_missed_rehearsals(problem, chosen),
        records=[
            ComponentRecord(
                fingerprint=c.fingerprint,
                result=_result_digest(c.cands, final),  # as published, rehearsals' operator changes included
                requests=len(c.cands),
                preferences_bound=c.levels[2].bound,
                served_bound=None if c.levels[0].optimal else c.levels[0].bound,
            )
            for c in comps
        ]
        + placement.records,
    )
    violations = validate_plan(problem, plan)
    if violations:
        raise InvalidPlan("the planner produced a plan that fails validation", violations=violations)
    return plan


def _term_values(
    problem: Problem, cands: list[Candidates], previous: dict[int, Assignment], chosen: list[Assignment]
) -> tuple[int, int, int]:
    """The objective levels of a set of assignments, computed directly."""
    by_ref = {a.request: a for a in chosen}
    weights = problem.policy.preferences
    served = changed = oversize = moved = 0
    days: set[tuple[int, int]] = set()
    for pos, c in enumerate(cands):
        a = by_ref.get(c.ref)
        if c.role is Role.EVENT:
            before = previous.get(pos)
            if before is not None and (
                a is None or (a.host, set(a.operators), a.start) != (before.host, set(before.operators), before.start)
            ):
                changed += 1
            if a is None or (a.start is not None and to_minutes(a.start) != c.start):
                continue
            served += c.weight
            moved += abs(c.shift)
            chosen_ops: list[str] = a.operators
            oversize += sum(h.oversize for h in c.hosts if problem.hosts[h.host].id == a.host)
        else:
            slot = a.rehearsal if (a is not None and c.role is Role.REHEARSAL) else None
            if c.role is Role.SURVEY:
                slot = next((x.survey for x in chosen if x.survey and x.survey.venue == c.ref), None)
            if slot is None or to_minutes(slot.start) != c.start:
                continue
            chosen_ops = slot.operators
        days.update((o.operator, o.day) for o in c.operators if problem.operators[o.operator].id in chosen_ops)
    prefs = weights.operator_days * len(days) + weights.oversized_licence * oversize
    return served, changed, prefs + weights.moved_from_requested * moved
