"""One objective level of one part: optimise its term, record the value and the bound CP-SAT proved, and hold
the value for the levels below.

In a re-plan the first two levels are solved at once, the changes weighted below one unit of served weight: one
presolve instead of two, on a model whose published hint is nearly the answer.
"""

from __future__ import annotations

import time as _time

from ortools.sat.python import cp_model

from allocator.planner.candidates import all_served_weight
from allocator.planner.claims import term_values
from allocator.planner.domain import Assignment, PlanWarning
from allocator.planner.errors import ConflictingPins
from allocator.planner.greedy import published_tasks
from allocator.planner.model import AllocationModel, Var, assignments, changes, hint
from allocator.planner.operator_level import fewest_operators_plan, worth_a_first_plan
from allocator.planner.operator_model import forced_served_set, has_own_model, staff_fewest
from allocator.planner.parts import (
    TERMS,
    Level,
    Part,
    SolveOptions,
    hint_published,
    letter_order,
    objective,
    part_solver,
    published_events_partly_kept,
    published_tasks_staying,
)
from allocator.planner.release import release_what_no_longer_fits
from allocator.planner.replan import fits_around_published, may_displace

# Of the operator level's time, the most its first plan (`operator_level.fewest_operators_plan`) may take: the
# search after it needs the rest.
FIRST_PLAN_SHARE = 0.3


def trivial_bound(comp: Part, level: int) -> int:
    """What a level could be at best without a search: every request's weight (on a large operator pool, less what
    its busiest moments lose in any plan: `served_bound`), the changes no plan avoids, the overlap bound."""
    m = comp.model
    assert m is not None
    if level == 2:
        return _floor_bound(comp)
    if level == 1:
        return m.forced_changes
    everything = all_served_weight(comp.cands)
    most = comp.floor.served_most if comp.floor is not None else None
    return everything if most is None else min(everything, most)


def _floor_bound(comp: Part) -> int:
    """The operator level's bound from overlapping requests, once the served level is held at serving everything
    (then every request with one position is served); 0 otherwise."""
    m = comp.model
    assert m is not None
    if comp.floor is None or not comp.levels or comp.levels[0].value < all_served_weight(comp.cands):
        return 0
    return m.problem.policy.preferences.operator_days * comp.floor.bound(m, set(range(len(m.cands))))


def restate_levels(comp: Part) -> None:
    """Each level's value recomputed from the part's final plan: the solver's own count of a term may run above what
    the plan has (an operator counted as called in who does nothing), and the plan is what is claimed."""
    m = comp.model
    assert m is not None and comp.result is not None
    values = term_values(m.problem, comp.cands, comp.previous, comp.result)
    for lvl, value in zip(comp.levels, values, strict=False):
        lvl.value = value
        lvl.optimal = lvl.optimal and value == lvl.bound


def only_fixed(m: AllocationModel, fixed: dict[int, Assignment]) -> dict[Var, int]:
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


def _claim_nothing(comp: Part, level: int) -> None:
    """Records the level's value in the plan in hand, with the bound known without solving (out of time): optimal
    only where the two meet."""
    m = comp.model
    assert m is not None and comp.solution is not None
    value = term_values(m.problem, comp.cands, comp.previous, assignments(m, comp.solution.__getitem__))[level]
    bound = trivial_bound(comp, level)
    comp.levels.append(Level(value, bound, value == bound))


def solve_level(comp: Part, level: int, options: SolveOptions, deadline: float, workers: int = 1) -> None:
    """Optimise one level of one component, then hold its value for the levels below. `workers`: the CP-SAT
    workers the operator level of an operator-only pool may use (the solve's own when its part is the only one
    left); every other level's search runs on one."""
    m = comp.model
    assert m is not None
    if level == 1 and len(comp.levels) > 1:
        return  # solved with the first level
    remaining = deadline - _time.monotonic()
    if level == 1 and not m.kept and comp.solution is not None:
        comp.levels.append(Level(m.forced_changes, m.forced_changes, True))  # nothing published to keep
        return
    if remaining <= 0.0 and comp.solution is not None:
        _claim_nothing(comp, level)
        return
    if level == 0 and _greedy_serves_all(comp, remaining):
        return
    if level == 2 and comp.floor is not None and comp.solution is not None:
        _start_from_floor(comp, _time.monotonic() + FIRST_PLAN_SHARE * remaining)
        if has_own_model(m):
            _staff_fewest(comp, options, deadline, workers)
            return
    together = level == 0 and bool(m.kept)
    if together and fits_around_published(comp, options, deadline):
        return
    expr, scale, slack = _set_objective(comp, level, together)
    solver = part_solver(options, max(remaining, 0.05 if comp.solution is not None else 0.5), light=together)
    if together and not may_displace(comp):
        # Nothing published may give way, so the run is mostly a proof that the newcomers fit no better
        # than the hint: every LP row from the start closes the bound sooner (measured: 0.44–0.76 of the
        # time). Where a newcomer may displace someone the search matters more and it was mixed (0.56–1.36).
        solver.parameters.add_lp_constraints_lazily = False
    status = solver.solve(m.model)
    if status == cp_model.INFEASIBLE and level == 0 and comp.stable:
        if comp.released is None and _release(comp, options, deadline):
            solve_level(comp, level, options, deadline)
        else:
            _without_stability(comp, level, options, deadline)
        return
    if status == cp_model.INFEASIBLE and comp.fallback:
        _claim_nothing(comp, level)  # nothing better than the plan in hand, whose value is held
        return
    if status == cp_model.INFEASIBLE:
        raise ConflictingPins(
            "pinned or frozen assignments conflict with each other",
            requests=sorted(comp.cands[pos].request.ref for pos in comp.fixed),
        )
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        if comp.solution is None:
            # The greedy plan (in a re-plan: the published plan completed greedily), checked against the model, is
            # the plan to fall back on; only what is pinned when it breaks a rule (a pin, the stability rule).
            comp.solution = _checked_greedy(comp, remaining) or only_fixed(m, comp.fixed)
            comp.fallback = True
            _claim_nothing(comp, level)
            _hold(comp, level, expr)
            return
        _claim_nothing(comp, level)
        return
    _record(comp, level, solver, status, together, (expr, scale, slack), remaining)


def _greedy_serves_all(comp: Part, seconds: float) -> bool:
    """On a part simple for operators, a greedy plan that serves every request, or as much as the part's busiest
    moments allow (`served_bound`), checked against the model, is the served level's optimum: no search, the
    level's time goes to the operator level."""
    m = comp.model
    assert m is not None
    if comp.floor is None or comp.greedy is None or m.kept:
        return False
    values = comp.floor.respect(m, comp.greedy)
    best = trivial_bound(comp, 0)
    if term_values(m.problem, comp.cands, comp.previous, assignments(m, values.__getitem__))[0] != best:
        return False
    checked, _status = _as_hinted(m, values, max(0.05, seconds / 4))
    if checked is None:
        return False
    comp.solution = checked
    comp.levels.append(Level(best, best, True))
    m.model.add(objective(m, 0) >= best)
    return True


def _start_from_floor(comp: Part, until: float) -> None:
    """The operator level starts from the better of the plan in hand and the fewest-operators first plan (built by
    `until`, monotonic seconds), and never ends above it (the floor)."""
    m = comp.model
    assert m is not None and comp.solution is not None and comp.floor is not None
    current = comp.floor.respect(m, comp.solution)
    first = comp.floor.respect(m, fewest_operators_plan(m, current, until)) if worth_a_first_plan(m) else current

    def prefs(values: dict[Var, int]) -> int:
        return term_values(m.problem, comp.cands, comp.previous, assignments(m, values.__getitem__))[2]

    best = current if prefs(first) >= prefs(current) else first
    comp.solution = best
    hint(m, best.items())
    m.model.add(objective(m, 2) <= prefs(best))


def _staff_fewest(comp: Part, options: SolveOptions, deadline: float, workers: int) -> None:
    """The operator level of an operator-only pool on its own compact model (`operator_model`): the served
    requests as the served level left them, their operators re-chosen to call in the fewest. Its bound counts only
    where the served level leaves no other choice of requests; elsewhere the level claims what is known without it
    (the overlap bound once everything is served, else 0)."""
    m = comp.model
    assert m is not None and comp.solution is not None and comp.floor is not None
    staffed = staff_fewest(m, comp.floor, comp.solution, deadline, workers, options.seed)
    comp.solution = staffed.values
    plan = assignments(m, comp.solution.__getitem__)
    prefs = term_values(m.problem, comp.cands, comp.previous, plan)[2]
    per_day = m.problem.policy.preferences.operator_days
    days = _operator_days(m, comp.solution, plan)
    bound = min(trivial_bound(comp, 2), prefs)
    if forced_served_set(m, comp.solution):
        # prefs = per_day × days + what the served positions alone cost (the same for every staffing of them)
        bound = max(bound, prefs - per_day * (days - staffed.bound))
    comp.levels.append(Level(prefs, bound, prefs == bound))


def _operator_days(m: AllocationModel, values: dict[Var, int], plan: list[Assignment]) -> int:
    """Distinct (operator, site-local day) pairs of a plan of events, as `claims.term_values` counts them."""
    index = {o.id: i for i, o in enumerate(m.problem.operators)}
    at = {m.cands[p].ref: p for p in range(len(m.cands)) if values[m.served[p]]}
    return len({(index[o], m.cands[at[a.request]].operators[0].day) for a in plan for o in a.operators})


def _hold(comp: Part, level: int, expr: cp_model.LinearExprT) -> None:
    """Holds the value of a plan the search did not find (the greedy one, or only what is fixed), so the levels
    below cannot trade it away: without it, the preferences level would "save" operators by serving less."""
    m = comp.model
    assert m is not None and comp.solution is not None
    value = comp.levels[-1].value
    m.model.add(expr >= value if TERMS[level][1] == "maximize" else expr <= value)
    hint(m, comp.solution.items())


def _set_objective(comp: Part, level: int, together: bool) -> tuple[cp_model.LinearExprT, int, int]:
    """Sets the level's objective; returns the level's term, its scale in the objective and the most the
    tie-breaks below it add (see `_record`). Below the preferences: equals served in letter order, then the
    published rehearsals and surveys kept where they were."""
    m = comp.model
    assert m is not None
    expr = objective(m, level)
    weight = len(m.kept) + 1  # more than every change there could be: served weight still comes first
    if together:
        m.model.maximize(weight * expr - changes(m))  # type: ignore[operator]
        return expr, 1, 0
    if TERMS[level][1] == "maximize":
        m.model.maximize(expr)
        return expr, 1, 0
    if level < 2:
        m.model.minimize(expr)
        return expr, 1, 0
    staying = published_tasks_staying(m, published_tasks(m, comp.previous))
    staying += published_events_partly_kept(m, comp.previous)
    late, latest = letter_order(m)
    step = len(staying) + 1  # one letter rank outweighs every published task kept
    scale = step * latest + len(staying) + 1  # one unit of preferences outweighs both tie-breaks
    m.model.minimize(scale * expr + step * late - sum(staying))  # type: ignore[operator]
    return expr, scale, step * latest


def _release(comp: Part, options: SolveOptions, deadline: float) -> bool:
    """Published assignments can no longer all stay: the stability rule lifted from those that no longer fit only
    (`release`), kept for the rest, and the plan says which; False when that does not make the part plannable."""
    found = release_what_no_longer_fits(comp, deadline)
    if found is None:
        return False
    comp.released, comp.greedy = found
    comp.warnings.append(PlanWarning(code="published_no_longer_fits", refs=sorted(comp.released)))
    assert comp.model is not None
    hint(comp.model, comp.greedy.items())
    return True


def _without_stability(comp: Part, level: int, options: SolveOptions, deadline: float) -> None:
    """Published assignments can no longer all stay and releasing those that no longer fit did not help (`_release`):
    plan this part without the stability rule rather than fail, and say so."""
    comp.stable = False
    comp.warnings.append(PlanWarning(code="replanned_freely", refs=sorted({c.request.ref for c in comp.cands})[:5]))
    assert comp.rebuild is not None
    comp.model = comp.rebuild(False)
    hint_published(comp)
    solve_level(comp, level, options, deadline)


def _at_least_the_greedy_plan(comp: Part, value: int, seconds: float) -> int:
    """The served weight of the plan kept: the search's, or the greedy plan's (checked against the model) when the
    time limit cut the search short below it. The greedy plan is the better of heaviest-first and first come, first
    served; in a re-plan, the published plan completed greedily."""
    m = comp.model
    assert m is not None
    if not comp.greedy:
        return value
    floor = term_values(m.problem, comp.cands, comp.previous, assignments(m, comp.greedy.__getitem__))[0]
    if floor <= value:
        return value
    checked = _checked_greedy(comp, seconds)
    if checked is None:
        return value
    comp.solution = checked
    return floor


def _checked_greedy(comp: Part, seconds: float) -> dict[Var, int] | None:
    """The greedy plan completed by CP-SAT with every hinted value fixed, or None when it breaks a rule of the
    model (a pin, the stability rule): a plan kept without a search must still be one the model allows.

    A first plan's greedy is built to keep every rule but pins: when the check runs out of time it is kept as
    it is (the validator still checks the final plan); a re-plan's or a pinned part's only when checked."""
    m = comp.model
    assert m is not None
    if not comp.greedy:
        return None
    built_to_keep_the_rules = not comp.fixed and not (comp.previous and comp.stable)
    # Presolve of a month's part with its values fixed takes ≈ 0.3 s, 1 s under load: the time over the limit is
    # worth it where the alternative is keeping only what is pinned.
    checked, status = _as_hinted(m, comp.greedy, max(0.5 if built_to_keep_the_rules else 3.0, seconds / 4))
    if checked is not None:
        return checked
    return dict(comp.greedy) if status == cp_model.UNKNOWN and built_to_keep_the_rules else None


def _as_hinted(
    m: AllocationModel, values: dict[Var, int], seconds: float
) -> tuple[dict[Var, int] | None, cp_model.CpSolverStatus]:
    """`values` completed by CP-SAT with every one of them fixed (None when the model does not allow them, or the
    check ran out of time), and the check's status."""
    check = cp_model.CpSolver()
    check.parameters.num_workers = 1
    check.parameters.fix_variables_to_their_hinted_value = True
    check.parameters.max_time_in_seconds = seconds
    hint(m, values.items())
    status = check.solve(m.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, status
    return {v: check.value(v) for v in m.variables()}, status


def _record(
    comp: Part,
    level: int,
    solver: cp_model.CpSolver,
    status: cp_model.CpSolverStatus,
    together: bool,
    term: tuple[cp_model.LinearExprT, int, int],
    seconds: float,
) -> None:
    """Keeps the solution, records the level (both first levels when solved together) and holds its value.
    `term`: the level's term, its scale in the objective and the tie-breaks' most (see `_set_objective`);
    `seconds`: the level's time, a share of which may go to checking the greedy plan."""
    m = comp.model
    assert m is not None
    expr, scale, slack = term
    comp.solution = {v: solver.value(v) for v in m.variables()}
    if comp.fallback:  # a later level improved on the fallback plan: the levels above report what it now has
        values = term_values(m.problem, comp.cands, comp.previous, assignments(m, comp.solution.__getitem__))
        for done, lvl in enumerate(comp.levels):
            lvl.value = values[done]
    value = round(solver.value(expr))
    optimal = status == cp_model.OPTIMAL
    if together:
        # bound ≥ weight·served* − changes*, and changes* ≤ len(kept): served* ≤ (bound + len(kept)) / weight
        weight = len(m.kept) + 1
        served_bound = (round(solver.best_objective_bound) + len(m.kept)) // weight
        if not optimal:
            value = _at_least_the_greedy_plan(comp, value, seconds)
        comp.levels.append(Level(value, served_bound if not optimal else value, optimal))
        if optimal:
            held = round(solver.value(changes(m)))
            comp.levels.append(Level(held, held, True))
            m.model.add(changes(m) <= held)
    elif level == 0:
        value = _at_least_the_greedy_plan(comp, value, seconds) if not optimal else value
        # CP-SAT's bound of a search cut short can exceed every request's weight: never claim more than that
        bound = min(round(solver.best_objective_bound), trivial_bound(comp, 0))
        comp.levels.append(Level(value, bound, optimal or value == bound))
    else:
        # scale·prefs + slack ≥ scale·prefs + tie-breaks ≥ bound for every plan: prefs ≥ ⌈(bound − slack) / scale⌉
        bound = -(-(round(solver.best_objective_bound) - slack) // scale)
        if level == 2:
            bound = max(bound, _floor_bound(comp))
        comp.levels.append(Level(value, bound, optimal or value == bound))
    if level < len(TERMS) - 1:  # hold the value and start the next level from this plan
        m.model.add(expr >= value if TERMS[level][1] == "maximize" else expr <= value)
        hint(m, comp.solution.items())
