"""Problem in, Plan out: the active requests' positions split into independent parts, each part taken through the
lexicographic levels, optional rehearsals placed around the result, every unserved request explained, and the plan
checked by the independent validator before it is handed on.

The three objective levels are solved in order on the same model: first the priority-weighted served requests,
then (with that value held) the fewest changes to the published plan, then the office's preferences
(`allocator.planner.levels`). Each part gets a share of the time by its size when it starts (`parts.Budget`), and
inside it the first level gets most of that share, so a time limit cuts the least important level first. Parts
run side by side, a part waiting only for the parts that plan the surveys its venues need
(`survey_reliance`). An unchanged part keeps its published result (`reuse`); a re-plan's changed part may settle
around its newcomers (`replan`). The levels end early enough to leave time for placing optional rehearsals and
searching alternatives inside the limit.
"""

from __future__ import annotations

import threading
import time as _time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass

from allocator.planner import series
from allocator.planner.alternatives import AlternativeFinder
from allocator.planner.candidates import CandidateBuilder, CandidateCache, Candidates, Role, all_served_weight
from allocator.planner.claims import (
    gap_of,
    objective_terms,
    real_problem_bounds,
    restrictions,
    status_of,
    term_values,
)
from allocator.planner.collector import collector_paused
from allocator.planner.components import SpanMemo, split_components
from allocator.planner.domain import (
    Assignment,
    Plan,
    PlanWarning,
    PreemptionOffer,
    Problem,
    Request,
    SolverStatus,
    Unserved,
)
from allocator.planner.errors import InvalidPlan
from allocator.planner.explain import (
    Standing,
    agendas,
    explain_unserved,
    missed_rehearsals,
    started_without_plan,
)
from allocator.planner.greedy import greedy_hint
from allocator.planner.held import fixed_and_previous, out_of_reach
from allocator.planner.levels import restate_levels, solve_level
from allocator.planner.model import (
    AllocationModel,
    Var,
    Workflow,
    assignments,
    build_model,
    chosen_pools,
    hint,
    served_weight_of,
)
from allocator.planner.operator_level import (
    DEEPER_SHARE,
    LARGE_OPERATOR_PART,
    OPERATOR_LEVEL_TIME_SHARES,
    OPERATOR_LEVELS_END,
    OPERATOR_ONLY_TIME_SHARES,
    SERVE_MORE_SHARE,
    add_operator_floor,
    serve_more,
    simple_for_operators,
)
from allocator.planner.operator_model import SERVE_MOST_SHARE, has_own_model, may_serve_most, serve_most
from allocator.planner.parts import (
    EXACT_UP_TO,
    LEVEL_TIME_SHARES,
    LEVELS_END,
    REHEARSALS_END,
    Budget,
    Part,
    Progress,
    SolveOptions,
    hint_published,
    ties,
)
from allocator.planner.preempt import offer_text, preemption_offers
from allocator.planner.rehearsals import Placement, place_optional_rehearsals
from allocator.planner.relaxation import MIN_LEFT, relaxable, relaxation_bounds
from allocator.planner.replan import disturbed_fit, fit_bound, settle_around_newcomers
from allocator.planner.reuse import (
    DigestMemo,
    digest_of,
    fingerprint,
    keep_published,
    part_records,
    previous_serves_all,
    reuse_record,
    site_digest,
)
from allocator.planner.served_bound import SERVED_BOUND_SHARE, served_weight_bound
from allocator.planner.served_lp import SERVED_LP_SHARE, served_relaxation
from allocator.planner.survey_reliance import SurveyReliance
from allocator.planner.validate import validate_claims, validate_plan
from allocator.planner.workflow import (
    EXACT,
    LIMITED,
    expand_request,
    keep_current,
    kit_holds,
    kit_stock,
    survey_positions,
    travel_conflicts,
)

__all__ = ["SolveOptions", "active_requests", "first_come_first_served", "solve"]


def active_requests(problem: Problem) -> list[Request]:
    return sorted((r for r in problem.requests if r.status.active), key=lambda r: (r.start, r.end, r.ref))


@dataclass
class _Positions:
    """The positions in play, with what holds them: the model's input before it is split into parts."""

    cands: list[Candidates]  # events, mandatory rehearsals and surveys
    optional: list[Candidates]  # optional rehearsals, placed after the levels
    mandatory: set[str]  # requests whose rehearsal is mandatory
    fixed: dict[int, Assignment]
    previous: dict[int, Assignment]
    warnings: list[PlanWarning]


def _plannable(problem: Problem) -> tuple[list[Request], list[Unserved]]:
    """The active requests that can still be planned, and those that started without an assignment."""
    plannable: list[Request] = []
    unserved: list[Unserved] = []
    earlier = {a.request for a in problem.previous} | {p.request for p in problem.pins}
    for r in active_requests(problem):
        if r.start <= problem.now and r.ref not in earlier:
            unserved.append(started_without_plan(problem, r))
        else:
            plannable.append(r)
    return plannable, unserved


def _positions(
    problem: Problem, builder: CandidateBuilder, plannable: list[Request], cache: CandidateCache | None, exact: bool
) -> _Positions:
    """Every position of the model: each request's allowed starts and rehearsal starts, then new venues' surveys."""
    limits = EXACT if exact else LIMITED
    if cache is not None:
        every = cache.build_all(builder, plannable, lambda r: expand_request(builder, r, limits), variant=limits)
    else:
        every = [c for r in plannable for c in expand_request(builder, r, limits)]
    every = keep_current(every, problem.now, {a.request: a for a in problem.previous})
    every += survey_positions(builder, every, problem.previous, limits)
    # Optional rehearsals are placed after the levels, around the planned events (see allocator.planner.rehearsals).
    mandatory = {r.ref for r in plannable if r.rehearsal is not None and r.rehearsal.mandatory}
    cands = [c for c in every if c.role is not Role.REHEARSAL or c.ref in mandatory]
    optional = [c for c in every if c.role is Role.REHEARSAL and c.ref not in mandatory]
    fixed, previous, warnings = fixed_and_previous(problem, cands)
    return _Positions(cands, optional, mandatory, fixed, previous, warnings)


def _exact(options: SolveOptions, plannable: list[Request]) -> bool:
    return options.exact_search if options.exact_search is not None else len(plannable) <= EXACT_UP_TO


def _split(
    problem: Problem, options: SolveOptions, at: _Positions, plannable: list[Request], cache: CandidateCache | None
) -> tuple[list[Part], bytes]:
    """The positions split into parts that cannot influence each other, each with its own workflow ties; and the
    digest of what every part depends on alike (see `reuse.site_digest`)."""
    cands = at.cands
    holds = kit_holds(problem, {r.ref for r in plannable})
    conflicts = travel_conflicts(problem, cands)
    if options.split_components:
        groups = split_components(
            cands,
            couple_operator_days=problem.policy.preferences.operator_days > 0,
            links=ties(cands, holds, conflicts),
            memo=cache.spans if cache is not None else None,
        )
    else:
        groups = [list(range(len(cands)))] if cands else []
    stock = kit_stock(problem)
    group_of = {i: g for g, group in enumerate(groups) for i in group}
    travel_in: dict[int, list[tuple[int, int, int]]] = {}
    for op, a, b in conflicts:
        travel_in.setdefault(group_of[a], []).append((op, a, b))
    parts: list[Part] = []
    for g, group in enumerate(groups):
        local = {i: k for k, i in enumerate(group)}
        parts.append(
            Part(
                cands=[cands[i] for i in group],
                fixed={local[i]: a for i, a in at.fixed.items() if i in local},
                previous={local[i]: a for i, a in at.previous.items() if i in local},
                workflow=Workflow(
                    kit_stock=stock,
                    kit_holds=holds,
                    travel=[(op, local[a], local[b]) for op, a, b in travel_in.get(g, [])],
                ),
            )
        )
    return parts, site_digest(problem, stock, holds)


class _Run:
    """The parts through their levels, side by side, within the time limit."""

    def __init__(self, problem: Problem, options: SolveOptions, parts: list[Part], site: bytes,
                 memo: DigestMemo | None, spans: SpanMemo | None = None) -> None:  # fmt: skip
        self.problem, self.options, self.parts, self.site, self.memo = problem, options, parts, site, memo
        self.spans = spans
        self.notified = set(problem.notified)
        self.parts_done = 0
        self.unfinished = len(parts)  # parts not yet through their levels (a part solved again counts again)
        self.lock = threading.Lock()

    def report(self, level: int, *, part_done: bool = False) -> None:
        """Tells the caller's progress callback, if any, how far the parts are."""
        callback = self.options.progress
        if callback is None:
            return
        with self.lock:
            self.parts_done = min(len(self.parts), self.parts_done + part_done)  # a part solved again counts once
            firsts = [c.levels[0] for c in self.parts if c.levels]
            now = Progress(level=level, levels=len(LEVEL_TIME_SHARES), parts_done=self.parts_done,
                           parts=len(self.parts), served=sum(x.value for x in firsts),
                           bound=sum(x.bound for x in firsts))  # fmt: skip
            callback(now)

    def prepare(self, comp: Part) -> None:
        """Keeps an unchanged part as published, or gets it ready to be solved."""
        problem, options = self.problem, self.options
        if comp.reused:
            return  # recognised before the parts started
        if not comp.fingerprint:  # not yet taken for this part as it now is
            comp.fingerprint = fingerprint(problem, comp, self.site, self.memo)
        if options.reuse_unchanged and (reuse_record(problem, comp) or previous_serves_all(problem, comp)):
            keep_published(problem, comp)
            return

        def rebuild(stable: bool, comp: Part = comp) -> AllocationModel:
            return build_model(
                problem,
                comp.cands,
                comp.fixed,
                comp.previous,
                pool_interchangeable=options.pool_interchangeable,
                redundant_constraints=options.redundant_constraints,
                stability=stable,
                notified=self.notified,
                workflow=comp.workflow,
            )

        comp.rebuild = rebuild
        comp.stable = options.stability
        if comp.previous and problem.previous_records:
            comp.fit = fit_bound(problem, comp, self.site, self.memo, self.spans) or disturbed_fit(problem, comp)

    def pipeline(self, comp: Part, budget: Budget) -> None:
        """One part through its three levels, within the time its budget gives it; the caller told when done."""
        self._pipeline(comp, budget)
        with self.lock:
            self.unfinished -= 1
        self.report(len(LEVEL_TIME_SHARES) - 1, part_done=True)

    def workers_for(self) -> int:
        """CP-SAT workers a part's operator-only operator level may use: every one of the solve's when no other
        part is waiting or running, else one (the other parts have the rest)."""
        with self.lock:
            return self.options.workers if self.unfinished <= 1 else 1

    def _pipeline(self, comp: Part, budget: Budget) -> None:
        self.prepare(comp)
        if comp.result is None:
            until = budget.deadline_for(comp)
            if settle_around_newcomers(self.problem, comp, self.options, self.notified, until):
                return
            assert comp.rebuild is not None
            comp.model = comp.rebuild(comp.stable)
            if simple_for_operators(comp.model, bool(comp.fixed), bool(comp.previous)):
                comp.floor = add_operator_floor(comp.model)
                now = _time.monotonic()
                comp.floor.served_most = served_weight_bound(
                    comp.model, now + SERVED_BOUND_SHARE * max(0.0, until - now)
                )
            hint_published(comp)
            if comp.floor is not None and comp.greedy is not None:  # a hint that meets the dominance rows
                now, left = _time.monotonic(), max(0.0, until - _time.monotonic())
                more = serve_more(comp.model, comp.greedy, now + SERVE_MORE_SHARE * left, now + DEEPER_SHARE * left)
                if has_own_model(comp.model) and may_serve_most(comp.model):
                    more = self._serve_most(comp, more, until)
                comp.greedy = comp.floor.respect(comp.model, more)
                hint(comp.model, comp.greedy.items())
            for level, share in enumerate(_time_shares(comp)):
                now = _time.monotonic()
                workers = self.workers_for() if level == len(LEVEL_TIME_SHARES) - 1 else 1
                solve_level(comp, level, self.options, now + max(0.0, until - now) * share, workers)
                if level < len(LEVEL_TIME_SHARES) - 1:
                    self.report(level)
            assert comp.model is not None and comp.solution is not None
            comp.result = assignments(comp.model, comp.solution.__getitem__)
            restate_levels(comp)
        else:
            budget.deadline_for(comp)  # its share goes to the others

    def _serve_most(self, comp: Part, start: dict[Var, int], until: float) -> dict[Var, int]:
        """`start` serving more by the compact served model (`operator_model.serve_most`), which stops at the
        tighter of the busiest-moment bound and the LP relaxation's (`served_lp`, solved only while `start` is
        below the first); the tighter one becomes the part's served bound, and the LP's prices aim the search."""
        m, floor = comp.model, comp.floor
        assert m is not None and floor is not None
        most = all_served_weight(comp.cands)
        most = most if floor.served_most is None else min(most, floor.served_most)
        have = served_weight_of(m, start)
        prices = None
        if have < most:
            now = _time.monotonic()
            relaxed = served_relaxation(m, now + SERVED_LP_SHARE * max(0.0, until - now))
            if relaxed is not None and relaxed.bound >= have:  # below a plan in hand it could only be wrong
                most = floor.served_most = min(most, relaxed.bound)
                prices = relaxed.prices
        now = _time.monotonic()
        until_most = now + SERVE_MOST_SHARE * max(0.0, until - now)
        return serve_most(m, start, most, until_most, self.workers_for(), self.options.seed, prices)

    def run(self, deadline: float, levels_end_share: float = LEVELS_END) -> None:
        """Every part solved (or kept), surveying parts first and largest first; a part whose assumed surveys did
        not take place is solved again. The levels end at `levels_end_share` of the time limit."""
        problem, options = self.problem, self.options
        reliance = SurveyReliance(problem, self.parts)
        levels_end = max(_time.monotonic(), deadline - (1 - levels_end_share) * options.time_limit_s)
        budget = Budget(self.parts, levels_end, options.workers)
        if options.reuse_unchanged and problem.previous_records:
            # The parts a record shows unchanged are recognised first, here: the changed ones then get both cores
            # at once instead of waiting behind the bookkeeping of the rest.
            for comp in self.parts:
                comp.fingerprint = fingerprint(problem, comp, self.site, self.memo)
                if reuse_record(problem, comp):
                    keep_published(problem, comp)
        pending = sorted(self.parts, key=lambda c: (c.reused, not reliance.plans_surveys(c), -len(c.cands)))
        finished: list[Part] = []
        with ThreadPoolExecutor(max_workers=options.workers) as pool:
            running: dict[Future[None], Part] = {}
            while pending or running:
                while pending and len(running) < options.workers:
                    comp = pending.pop(0)
                    running[pool.submit(self.pipeline, comp, budget)] = comp
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    future.result()  # re-raise what went wrong in the part
                    finished.append(running.pop(future))
                if not any(c in reliance.surveying for c in [*pending, *running.values()]):
                    for comp in [c for c in finished if c not in reliance.surveying]:
                        finished.remove(comp)
                        if not reliance.held(comp):
                            budget.left += len(comp.cands)
                            with self.lock:
                                self.unfinished += 1
                            pending.append(comp)


def _time_shares(comp: Part) -> tuple[float, float, float]:
    """Each level's share of a part's time left when it starts: on an operator-only pool whose operator level has
    its own model, the served level's search (which on such a day rarely gets past the plan it starts from) gets a
    tenth, and the operator level the rest; on another large operator pool half; elsewhere three quarters."""
    if comp.floor is None:
        return LEVEL_TIME_SHARES
    assert comp.model is not None
    return OPERATOR_ONLY_TIME_SHARES if has_own_model(comp.model) else OPERATOR_LEVEL_TIME_SHARES


def _levels_end_share(at: _Positions) -> float:
    """Where the levels end: later on an operator-only load of many operators (no rehearsal to place, nothing
    held), whose operator level needs the time, than where rehearsals and alternatives need theirs."""
    simple = not at.optional and not at.fixed and not at.previous and all(c.role is Role.EVENT for c in at.cands)
    many = len({o.operator for c in at.cands for o in c.operators}) >= LARGE_OPERATOR_PART
    return OPERATOR_LEVELS_END if simple and many else LEVELS_END


def _relax_limited_searches(
    options: SolveOptions, parts: list[Part], deadline: float, every_survey: Callable[[], list[Candidates]]
) -> None:
    """Each part whose levels are proven for the search limits, solved again with the limited surveys free and the
    flexible requests' far starts stood in for: its bounds for the real problem (`relaxation`), while the time limit
    leaves its alternatives and validation their share. `every_survey`: the survey starts of the search without
    limits (built only if a part needs them)."""
    until = deadline - MIN_LEFT * options.time_limit_s
    workable: list[Candidates] | None = None
    for comp in sorted(parts, key=lambda c: len(c.cands)):
        cut = relaxable(comp)
        if cut is None or comp.reused or comp.model is None or not all(lv.optimal for lv in comp.levels):
            continue
        if _time.monotonic() >= until:
            return
        if cut[0] and workable is None:
            workable = every_survey()
        comp.relaxed = relaxation_bounds(comp, cut, workable or [], options, until)


def _place_rehearsals(
    problem: Problem, options: SolveOptions, at: _Positions, parts: list[Part], deadline: float, memo: DigestMemo | None
) -> Placement:
    """Optional rehearsals placed around the parts' events; a part's preferences updated where placing them gave
    an event other operators (the preferences are what the plan now has)."""
    chosen = [a for comp in parts for a in (comp.result or [])]
    placement = place_optional_rehearsals(
        problem,
        at.cands,
        chosen,
        at.optional,
        deadline=deadline - (1 - REHEARSALS_END) * options.time_limit_s,
        seed=options.seed,
        frozen={at.cands[i].ref for i in at.fixed if at.cands[i].role is Role.EVENT},
        records=problem.previous_records,
        workers=options.workers,
        digest_of=lambda c: digest_of(problem, c, memo),
    )
    if placement.assignments != chosen:
        final = {a.request: a for a in placement.assignments}
        for comp in parts:
            mine = [final[a.request] for a in comp.result or []]
            if mine != comp.result:
                level = comp.levels[2]
                level.value = term_values(problem, comp.cands, comp.previous, mine)[2]
                level.optimal = level.optimal and level.value == level.bound
    return placement


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


def _explain(
    problem: Problem, options: SolveOptions, builder: CandidateBuilder, at: _Positions, parts: list[Part],
    chosen: list[Assignment], until: float,
) -> tuple[list[Unserved], int]:  # fmt: skip
    """Why each planned request is unserved, with its alternatives, and how many were left without alternatives
    because the time limit came first (`until`: the plan must still be checked inside the limit). An unchanged part
    keeps its published explanations: its reasons cannot have changed (they depend only on its own requests), and
    searching alternatives again for every unserved request would cost more than the re-plan itself."""
    served_refs = {a.request for a in chosen}
    by_host, by_operator = agendas(problem, chosen)
    carried = {u.request: u for u in problem.previous_unserved}
    unchanged = {c.ref for comp in parts if comp.reused for c in comp.cands} & set(carried)
    unplanned = _unplanned(at.cands, served_refs)
    held = {at.cands[i].ref for i in at.fixed if at.cands[i].role is Role.EVENT}
    pinned = {p.request for p in problem.pins}
    standing = Standing(
        pinned=frozenset(held & pinned),
        frozen=frozenset(held - pinned),
        proven=bool(parts) and all(c.levels and c.levels[0].optimal for c in parts),
        settled=bool(parts) and all(c.levels and all(lv.optimal for lv in c.levels) for c in parts),
    )
    fresh = explain_unserved(
        problem, [c for c in unplanned if c.ref not in unchanged], by_host, by_operator, chosen, standing
    )
    skipped = 0
    if options.alternatives:
        finder = AlternativeFinder(builder, by_host, by_operator, chosen)
        searched = []
        for u in fresh:
            if _time.monotonic() >= until:
                skipped += 1
                searched.append(u)
            else:
                searched.append(u.model_copy(update={"alternatives": finder.find(problem.request(u.request))}))
        fresh = searched
    explained = series.explain_partners(
        problem, fresh + [carried[c.ref] for c in unplanned if c.ref in unchanged], chosen
    )
    return explained, skipped


def solve(
    problem: Problem,
    options: SolveOptions | None = None,
    *,
    clock: Callable[[], float] = _time.perf_counter,
    cache: CandidateCache | None = None,
) -> Plan:
    """Plan every active request; raise rather than return a plan the validator rejects."""
    with collector_paused():
        return _solve(problem, options or SolveOptions(), clock, cache)


def _solve(problem: Problem, options: SolveOptions, clock: Callable[[], float], cache: CandidateCache | None) -> Plan:
    t0 = clock()
    deadline = _time.monotonic() + options.time_limit_s
    plannable, unserved = _plannable(problem)
    builder = CandidateBuilder(problem)
    at = _positions(problem, builder, plannable, cache, _exact(options, plannable))
    parts, site = _split(problem, options, at, plannable, cache)
    memo = cache.digests if cache is not None else None
    spans = cache.spans if cache is not None else None
    _Run(problem, options, parts, site, memo, spans).run(deadline, _levels_end_share(at))
    _relax_limited_searches(
        options, parts, deadline, lambda: survey_positions(builder, at.cands, problem.previous, EXACT)
    )
    placement = _place_rehearsals(problem, options, at, parts, deadline, memo)
    chosen = placement.assignments
    real_problem_bounds(parts)
    # The validator's share of the limit: about a second per thousand assignments on this machine.
    checking = min(0.5 + len(chosen) / 1000, 0.1 * options.time_limit_s)
    explained, skipped = _explain(problem, options, builder, at, parts, chosen, deadline - checking)
    unserved += explained
    terms = objective_terms(
        parts, term_values(problem, at.cands, at.previous, chosen), out_of_reach(problem, at.cands, at.previous)
    )
    plan = Plan(
        assignments=sorted(chosen, key=lambda a: a.request),
        unserved=sorted(unserved, key=lambda u: u.request),
        objective=terms,
        status=status_of(terms),
        gap=gap_of(terms),
        solve_seconds=round(clock() - t0, 4),
        components=len(parts),
        warnings=at.warnings
        + [w for c in parts for w in c.warnings]
        + ([PlanWarning(code="alternatives_not_searched", count=skipped)] * bool(skipped)),
        restrictions=restrictions([*at.cands, *at.optional]),
        preemption_offers=_smallest_displacements(
            problem,
            options,
            preemption_offers(problem, unserved, {at.cands[i].ref for i in at.fixed if at.cands[i].role is Role.EVENT}),
            deadline,
        ),
        missed_rehearsals=missed_rehearsals(problem, chosen),
        records=part_records(parts, {a.request: a for a in chosen}) + placement.records,
    )
    violations = validate_plan(problem, plan) + validate_claims(problem, plan)
    if violations:
        raise InvalidPlan("the planner produced a plan that fails validation", violations=violations)
    return plan


def _smallest_displacements(
    problem: Problem, options: SolveOptions, offers: list[PreemptionOffer], deadline: float
) -> list[PreemptionOffer]:
    """Each offer checked by the plan that its confirmation would give: it names the frozen meetings that plan
    displaces (the fewest, as its changes level is minimised after the served weight), and is dropped when even
    confirmed the request would not be served. Offers stand as found when no time is left to check them."""
    if not options.offers or not offers:
        return offers
    out = []
    for offer in offers:
        left = deadline - _time.monotonic()
        if left < 0.2:
            out.append(offer)
            continue
        confirmed = [*problem.confirmed_preemptions, offer.request]
        what_if = problem.model_copy(update={"confirmed_preemptions": confirmed})
        quick = {"time_limit_s": left, "alternatives": False, "offers": False}
        trial = solve(what_if, options.model_copy(update=quick))
        if trial.assignment_for(offer.request) is None:
            continue
        before = {a.request: a for a in problem.previous}
        moved = [r for r in offer.displaces if trial.assignment_for(r) != before.get(r)]
        proven = trial.term("changes").optimal
        out.append(offer_text(offer.request, moved, proven))
    return out


def first_come_first_served(problem: Problem, options: SolveOptions | None = None) -> Plan:
    """What an office does by hand, under every rule the planner keeps: requests in letter order, each given the
    smallest free host that fits, the first free operators who may take it, its mandatory rehearsal and its new
    venue's survey, or nothing; none moved for a later one. The floor no plan of `solve` goes below."""
    options = (options or SolveOptions()).model_copy(update={"alternatives": False})
    plannable, unserved = _plannable(problem)
    builder = CandidateBuilder(problem)
    at = _positions(problem, builder, plannable, None, _exact(options, plannable))
    parts, _site = _split(problem, options, at, plannable, None)
    chosen: list[Assignment] = []
    for comp in parts:
        m = build_model(problem, comp.cands, comp.fixed, comp.previous, workflow=comp.workflow)
        # What is pinned or frozen stays where it is, as it would by hand; the rest in letter order around it.
        events = {k: chosen_pools(m, a) for k, a in comp.fixed.items() if comp.cands[k].role is Role.EVENT}
        tasks = {k: chosen_pools(m, a) for k, a in comp.fixed.items() if comp.cands[k].role is not Role.EVENT}
        values = dict(greedy_hint(m, events, tasks, order="letter"))
        chosen += assignments(m, lambda v, values=values: values.get(v, 0))  # type: ignore[misc]
    unserved += _explain(problem, options, builder, at, parts, chosen, float("inf"))[0]
    plan = Plan(
        assignments=sorted(chosen, key=lambda a: a.request),
        unserved=sorted(unserved, key=lambda u: u.request),
        status=SolverStatus.FEASIBLE,
        components=len(parts),
        missed_rehearsals=missed_rehearsals(problem, chosen),
    )
    violations = validate_plan(problem, plan)
    if violations:
        raise InvalidPlan("the first-come-first-served plan fails validation", violations=violations)
    return plan
