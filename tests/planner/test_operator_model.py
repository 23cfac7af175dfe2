"""The operator level of an operator-only pool on its own compact model (`operator_model`): it reaches the fewest
operators a separately written model finds, never serves less than the served level left, claims a bound only
where the served level leaves no other choice, and every plan passes the validator."""

from __future__ import annotations

import random
import time
from collections import defaultdict
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from allocator.planner import operator_level, operator_model
from allocator.planner.components import maximal_cliques
from allocator.planner.domain import Assignment, Problem, SolverStatus
from allocator.planner.model import AllocationModel, Var, assignments, complete_hint
from allocator.planner.operator_level import OperatorFloor
from allocator.planner.problem_io import parse_problem
from allocator.planner.served_lp import served_relaxation
from allocator.planner.solver import SolveOptions, first_come_first_served, solve
from allocator.planner.validate import validate_claims, validate_plan
from benchmarks.generate import operator_pools
from benchmarks.operator_pools import qualified
from tests.planner.factories import operator, policy, problem, request
from tests.planner.pools import capture_floors as _capture_floors
from tests.planner.pools import capture_large_parts, model_accepts, partly_dropped, random_morning, valid_with


def _capture(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Each call of the compact model: its part's model, the plan it started from, its answer and its workers."""
    seen: list[dict[str, Any]] = []
    real = operator_model.staff_fewest

    def spy(m: AllocationModel, floor: OperatorFloor, start: dict[Var, int], until: float, workers: int,
            seed: int = 0) -> operator_model.Staffing:  # fmt: skip
        out = real(m, floor, start, until, workers, seed)
        seen.append({"m": m, "floor": floor, "start": dict(start), "out": out, "workers": workers})
        return out

    monkeypatch.setattr("allocator.planner.levels.staff_fewest", spy)
    return seen


def _served(m: AllocationModel, values: dict[Var, int]) -> set[int]:
    return {p for p in range(len(m.cands)) if values[m.served[p]]}


def _ring() -> Problem:
    """X (A or B), Y (B or C), Z (C or A), one after another: no two overlap, so the overlap bound is 1, but no one
    may take all three: the fewest is 2."""
    ops = [operator(o) for o in "ABC"]
    reqs = [
        request("X", "08:00", "09:00", service="operator", allowed_operators=["A", "B"]),
        request("Y", "09:00", "10:00", service="operator", allowed_operators=["B", "C"]),
        request("Z", "10:00", "11:00", service="operator", allowed_operators=["C", "A"]),
    ]
    return problem(operators=ops, requests=reqs)


def test_the_compact_model_finds_and_proves_the_fewest_beyond_the_overlap_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """From a plan calling in all three (chains of moves switched off, so the search itself must find it), the
    model calls in two and proves two; the served requests stay exactly as they were."""
    monkeypatch.setattr(operator_level, "LARGE_OPERATOR_PART", 2)
    seen = _capture(monkeypatch)
    plan = solve(_ring())
    assert plan.term("preferences").value == 20 and plan.term("preferences").optimal
    m, floor = seen[0]["m"], seen[0]["floor"]
    pool = {o.id: m.operator_pool_of[i] for i, o in enumerate(m.problem.operators)}
    at = {c.ref: p for p, c in enumerate(m.cands)}
    wasteful = dict.fromkeys(m.variables(), 0)
    for ref, op in (("X", "A"), ("Y", "B"), ("Z", "C")):
        wasteful[m.served[at[ref]]] = 1
        wasteful[m.operator[at[ref], pool[op]]] = 1
    wasteful = complete_hint(m, wasteful)
    assert operator_model.called_in(m, wasteful) == 3
    assert operator_model.overlap_bound(m, sorted(_served(m, wasteful)))[0] == 1
    monkeypatch.setattr(operator_model, "send_home_by_chains", lambda m, values, until: values)
    staffed = operator_model.staff_fewest(m, floor, wasteful, time.monotonic() + 10, workers=1)
    assert (staffed.operator_days, staffed.bound, staffed.optimal) == (2, 2, True)
    assert _served(m, staffed.values) == _served(m, wasteful)
    assert operator_model.called_in(m, staffed.values) == 2


def test_chains_of_moves_send_operators_home_and_keep_everything_served(monkeypatch: pytest.MonkeyPatch) -> None:
    """Three morning meetings only A, B, C may run, four afternoon ones on four others: the afternoon operators'
    meetings move to A, B, C (and one more), so four are called in, not seven."""
    monkeypatch.setattr(operator_level, "LARGE_OPERATOR_PART", 2)
    seen = _capture(monkeypatch)
    ops = [operator(o) for o in "ABCDEFGH"]
    early = [request(f"E{i}", "08:00", "09:00", service="operator", allowed_operators=["A", "B", "C"])
             for i in range(3)]  # fmt: skip
    late = [request(f"L{i}", "13:00", "14:00", service="operator") for i in range(4)]
    solve(problem(operators=ops, requests=[*early, *late]))
    m = seen[0]["m"]
    wasteful = dict.fromkeys(m.variables(), 0)
    for pos in range(len(m.cands)):
        wasteful[m.served[pos]] = 1
        g = min(m.operator_options[pos], key=lambda g: len(m.operator_pools[g].members) == 3)  # not A, B, C's pool
        wasteful[m.operator[pos, g]] = 1
    wasteful = complete_hint(m, wasteful)
    assert operator_model.called_in(m, wasteful) == 7
    home = operator_level.send_home_by_chains(m, wasteful, until=float("inf"))
    assert operator_model.called_in(m, home) == 4
    assert _served(m, home) == _served(m, wasteful)


def _fewest_operators(prob: Problem, refs: set[str]) -> tuple[int, bool]:
    """The fewest operators staffing exactly `refs`, by a model written apart from the planner's (one 0/1 variable
    per session and qualified operator, per operator and moment at most one session and only if called in) on one
    worker: the count, and whether proven."""
    who = qualified(prob)
    setup = timedelta(minutes=prob.policy.operator_setup_min)
    teardown = timedelta(minutes=prob.policy.operator_teardown_min)
    model = cp_model.CpModel()
    x: dict[tuple[str, str], cp_model.IntVar] = {}
    by_op: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    for r in prob.requests:
        if r.ref not in refs:
            continue
        for o in who[r.ref]:
            x[r.ref, o] = model.new_bool_var(f"{r.ref}{o}")
            s, e = r.start - setup, r.end + teardown
            by_op[o].append((int(s.timestamp()) // 60, int(e.timestamp()) // 60, len(by_op[o])))
        model.add_exactly_one(x[r.ref, o] for o in who[r.ref])
    used = {o: model.new_bool_var(o) for o in by_op}
    for o, spans in by_op.items():
        mine = [ref for ref, op in x if op == o]
        for clique in maximal_cliques(spans):
            model.add(sum(x[mine[k], o] for k in clique) <= used[o])
    model.minimize(sum(used.values()))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.linearization_level = 2
    solver.parameters.max_time_in_seconds = 60
    status = solver.solve(model)
    return round(solver.objective_value), status == cp_model.OPTIMAL


@pytest.mark.parametrize("seed", [1, 3])
def test_a_generated_pool_gets_the_fewest_operators_a_separate_model_proves(
    monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    """A province-wide day of 100 sessions and 105 operators, whose first plan calls in more than the overlap bound:
    the planner's operators equal the proven optimum of a separately written model for the same sessions, the
    operator level ran on the compact model with both workers (its part is the only one) and proved it, and the
    plan is valid and claims what it has."""
    seen = _capture(monkeypatch)
    prob = parse_problem(operator_pools(100, seed))
    plan = solve(prob, SolveOptions(time_limit_s=20))
    assert validate_plan(prob, plan) == [] and validate_claims(prob, plan) == []
    (call,) = seen
    assert call["workers"] == SolveOptions().workers
    m = call["m"]
    start = call["start"]
    assert operator_model.called_in(m, start) > operator_model.overlap_bound(m, sorted(_served(m, start)))[0]
    used = len({o for a in plan.assignments for o in a.operators})
    fewest, proven = _fewest_operators(prob, {a.request for a in plan.assignments})
    assert proven and used == fewest
    prefs = plan.term("preferences")
    assert prefs.value == 10 * used and prefs.optimal and prefs.bound == prefs.value


@pytest.mark.parametrize("seed", [1, 2])
def test_an_overloaded_day_never_serves_less_and_claims_no_bound_it_lacks(
    monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    """200 sessions for 30 operators: many stay unserved. The compact model keeps the served level's requests
    exactly; the plan serves at least first come, first served; the operator bound is not the compact model's
    (another choice of requests of the same weight might need fewer operators), so it is not above the value
    and the plan is valid."""
    seen = _capture(monkeypatch)
    prob = parse_problem(operator_pools(200, seed, operators=30))
    plan = solve(prob, SolveOptions(time_limit_s=5))
    assert validate_plan(prob, plan) == [] and validate_claims(prob, plan) == []
    assert plan.unserved
    (call,) = seen
    m = call["m"]
    assert _served(m, call["out"].values) == _served(m, call["start"])
    assert not operator_model.forced_served_set(m, call["start"])
    fcfs = first_come_first_served(prob)
    weights = prob.policy.priority_weights
    fcfs_weight = sum(weights[prob.request(a.request).priority] for a in fcfs.assignments)
    assert plan.term("served_weight").value >= fcfs_weight
    prefs = plan.term("preferences")
    assert prefs.bound <= prefs.value and plan.status is SolverStatus.FEASIBLE


def test_a_bound_only_where_the_served_level_leaves_no_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every request served: the served requests are forced (weights are positive). One left out: another choice
    of the same served weight may exist, so the compact model's bound is no bound of the level."""
    monkeypatch.setattr(operator_level, "LARGE_OPERATOR_PART", 2)
    seen = _capture(monkeypatch)
    solve(_ring())
    m, start = seen[0]["m"], seen[0]["start"]
    assert operator_model.forced_served_set(m, start)
    fewer = dict(start)
    fewer[m.served[0]] = 0
    assert not operator_model.forced_served_set(m, fewer)


@pytest.mark.parametrize("seed", [1, 3])
def test_a_large_day_is_searched_by_local_search_and_still_gets_the_fewest(
    monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    """From `LOCAL_SEARCH_FROM` served positions the compact model is searched by CP-SAT's local search on every
    worker (on days of 800–2,000 sessions it called in 1–3 % fewer operators than the LP's full search did). Set
    to start at once on the 100-session day: the local search runs, reaches the separately written model's proven
    optimum from the same first plan, keeps the served requests and claims no more than it proves."""
    monkeypatch.setattr(operator_model, "LOCAL_SEARCH_FROM", 1)
    seen = _capture(monkeypatch)
    searches: list[bool] = []
    real = cp_model.CpSolver

    class Spy(real):  # type: ignore[misc, valid-type]
        def solve(self, model: Any, *args: Any, **kw: Any) -> Any:
            if not self.parameters.fix_variables_to_their_hinted_value and self.parameters.num_workers > 1:
                searches.append(self.parameters.use_ls_only)
            return super().solve(model, *args, **kw)

    monkeypatch.setattr(cp_model, "CpSolver", Spy)
    prob = parse_problem(operator_pools(100, seed))
    plan = solve(prob, SolveOptions(time_limit_s=20))
    assert validate_plan(prob, plan) == [] and validate_claims(prob, plan) == []
    (call,) = seen
    m = call["m"]
    assert _served(m, call["out"].values) == _served(m, call["start"])
    assert searches == [True]  # the operator level's own search, on both workers, local search only
    used = len({o for a in plan.assignments for o in a.operators})
    monkeypatch.setattr(cp_model, "CpSolver", real)
    fewest, proven = _fewest_operators(prob, {a.request for a in plan.assignments})
    assert proven and used == fewest
    prefs = plan.term("preferences")
    assert prefs.value == 10 * used and prefs.bound <= prefs.value


def _chain(monkeypatch: pytest.MonkeyPatch) -> tuple[AllocationModel, dict[Var, int], dict[str, int]]:
    """Y only A may run; A runs X (B may too), B runs W (C may too): the part's model, the plan leaving Y out, and
    each request's position."""
    monkeypatch.setattr(operator_level, "LARGE_OPERATOR_PART", 2)
    seen = _capture(monkeypatch)
    reqs = [
        request("X", "08:00", "09:00", service="operator", allowed_operators=["A", "B"]),
        request("W", "08:00", "09:00", service="operator", allowed_operators=["B", "C"]),
        request("Y", "08:00", "09:00", service="operator", allowed_operators=["A"]),
    ]
    solve(problem(operators=[operator(o) for o in "ABC"], requests=reqs))
    m = seen[0]["m"]
    pool = {o.id: m.operator_pool_of[i] for i, o in enumerate(m.problem.operators)}
    at = {c.ref: p for p, c in enumerate(m.cands)}
    partial = dict.fromkeys(m.variables(), 0)
    for ref, op in (("X", "A"), ("W", "B")):
        partial[m.served[at[ref]]] = 1
        partial[m.operator[at[ref], pool[op]]] = 1
    return m, complete_hint(m, partial), at


def test_the_compact_served_model_frees_the_only_operator_by_moving_a_chain(monkeypatch: pytest.MonkeyPatch) -> None:
    """Y only A may run; A runs X (B may too), B runs W (C may too); Y is left out. The compact served model serves
    all three (W to C, X to B, Y to A), and the part's model accepts the plan as it is."""
    m, partial, at = _chain(monkeypatch)
    assert operator_model.may_serve_most(m)
    most = operator_model.serve_most(m, partial, 30, time.monotonic() + 10, workers=1)
    assert _served(m, most) == set(at.values())
    assert model_accepts(m, most)
    # With no time left it returns the plan it was given.
    assert operator_model.serve_most(m, partial, 30, time.monotonic() - 1, workers=1) == partial
    # Nor when it already serves what the bound allows.
    assert operator_model.serve_most(m, partial, 20, time.monotonic() + 10, workers=1) == partial


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_the_compact_served_model_never_serves_less_nor_breaks_a_rule(
    monkeypatch: pytest.MonkeyPatch, data: st.DataObject
) -> None:
    """On random operator-only mornings, from the plan with a random part dropped: the compact served model's plan
    serves at least as much weight, and the validator accepts it."""
    monkeypatch.setattr(operator_level, "LARGE_OPERATOR_PART", 2)
    seen = _capture_floors(monkeypatch)
    prob = random_morning(data, most_operators=5, most_requests=9)
    plan = solve(prob, SolveOptions(time_limit_s=5, alternatives=False))
    done: list[Assignment] = []
    for m, _floor in seen:
        first = partly_dropped(m, plan, prob, data)
        most = operator_model.serve_most(m, first, 10**9, time.monotonic() + 5, workers=1)

        def weight(values: dict[Var, int], m: AllocationModel = m) -> int:
            return sum(c.weight for p, c in enumerate(m.cands) if values[m.served[p]])

        assert weight(most) >= weight(first)
        done += assignments(m, most.__getitem__)
    assert valid_with(prob, plan, done, [m for m, _floor in seen])


def _best_weight(model: cp_model.CpModel) -> int | None:
    """The proven best objective of a small model, None when it has no solution."""
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    status = solver.solve(model)
    assert status in (cp_model.OPTIMAL, cp_model.INFEASIBLE)
    return round(solver.objective_value) if status == cp_model.OPTIMAL else None


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_the_search_aimed_by_the_prices_never_fences_off_every_plan_of_its_weight(
    monkeypatch: pytest.MonkeyPatch, data: st.DataObject
) -> None:
    """Random operator-only mornings: per part, the compact served model's best weight (proven by CP-SAT); the copy
    aimed at that weight by the LP's prices (columns fixed, the distances' budget) still holds a plan of it, and
    the copy aimed at the LP's bound holds one exactly when that bound is the best weight."""
    seen = capture_large_parts(monkeypatch)
    prob = random_morning(data, most_operators=4, most_requests=8)
    solve(prob, SolveOptions(time_limit_s=5, alternatives=False))
    for m, _floor in seen:
        relaxed = served_relaxation(m, time.monotonic() + 10)
        assert relaxed is not None
        compact = operator_model._CompactServed(m, complete_hint(m, dict.fromkeys(m.variables(), 0)))
        best = _best_weight(compact.model)
        assert best is not None and best <= relaxed.bound
        assert _best_weight(compact.aimed_at(best, relaxed.prices)) == best
        at_bound = _best_weight(compact.aimed_at(relaxed.bound, relaxed.prices))
        assert at_bound == (best if best == relaxed.bound else None)


def _searches(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Each search of the compact served model, in order: whether it was the whole model (else the aimed copy)."""
    searched: list[bool] = []
    real = operator_model._CompactServed.search

    def spy(
        self: operator_model._CompactServed, model: cp_model.CpModel, *args: Any, **kw: Any
    ) -> dict[Var, int] | None:
        searched.append(model is self.model)
        return real(self, model, *args, **kw)

    monkeypatch.setattr(operator_model._CompactServed, "search", spy)
    return searched


def test_serving_the_bound_is_first_looked_for_where_the_prices_allow(monkeypatch: pytest.MonkeyPatch) -> None:
    """The chain (`_chain`), given the LP's
    prices: the aimed search alone serves all three (the LP's bound, 30), and the whole model is not searched."""
    m, partial, at = _chain(monkeypatch)
    relaxed = served_relaxation(m, time.monotonic() + 10)
    assert relaxed is not None and relaxed.bound == 30
    searched = _searches(monkeypatch)
    most = operator_model.serve_most(m, partial, 30, time.monotonic() + 10, workers=1, prices=relaxed.prices)
    assert _served(m, most) == set(at.values()) and model_accepts(m, most)
    assert searched == [False]


def test_the_full_search_follows_where_the_local_search_has_no_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """The chain again, without prices and with no time for CP-SAT's local search on the whole model: the full
    search after it serves all three."""
    m, partial, at = _chain(monkeypatch)
    monkeypatch.setattr(operator_model, "LOCAL_SHARE", 0.0)
    most = operator_model.serve_most(m, partial, 30, time.monotonic() + 10, workers=1)
    assert _served(m, most) == set(at.values()) and model_accepts(m, most)


def _training_day() -> Problem:
    """A province-wide training day as a Diskominfo writes it: 30 kecamatan, four trained staff each, who may also
    cover the two neighbouring kecamatan; 18–24 breakout sessions per kecamatan, crews of one or two, in WITA, with
    the office's buffers and half an hour's setup."""
    rng = random.Random(7)
    ops = [operator(f"K{i:02d}{j}", shifts=[{"weekdays": [0, 1, 2, 3, 4, 5], "start": "07:00", "end": "17:00"}])
           for i in range(30) for j in range(4)]  # fmt: skip
    reqs = []
    for i in range(30):
        allowed = [o.id for o in ops if int(o.id[1:3]) in {(i - 1) % 30, i, (i + 1) % 30}]
        for k in range(rng.randint(18, 24)):
            start = 8 * 60 + rng.randrange(0, 15) * 30
            end = min(start + rng.choice([60, 90, 120]), 17 * 60)
            reqs.append(request(f"PS-{i:02d}-{k:02d}", f"{start // 60:02d}:{start % 60:02d}",
                                f"{end // 60:02d}:{end % 60:02d}", service="operator",
                                timezone="Asia/Makassar", allowed_operators=allowed,
                                operators_needed=rng.choice([1, 1, 1, 1, 1, 2]),
                                priority=rng.choice(["normal"] * 6 + ["high"])))  # fmt: skip
    rules = policy(timezone="Asia/Makassar", buffer_before_min=15, buffer_after_min=15, operator_setup_min=30,
                   operator_teardown_min=15)  # fmt: skip
    return problem(operators=ops, requests=reqs, pol=rules)


def test_a_kecamatan_training_day_serves_its_bound() -> None:
    """Where CP-SAT's local search falls short (crews of one and two, neighbouring kecamatan's staff), the full
    search of the whole compact model serves the LP's bound: every servable session served, valid, and proven so."""
    prob = _training_day()
    plan = solve(prob, SolveOptions(time_limit_s=20, alternatives=False))
    served = plan.term("served_weight")
    assert validate_plan(prob, plan) == [] and validate_claims(prob, plan) == []
    assert served.value == served.bound


def test_where_the_bound_cannot_be_served_the_whole_model_is_searched_after_the_aimed_copy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An LP bound above every plan: R1 (crew of two) or R0 takes O0 and O1 in the morning, R2 (crew of two) or
    R3 and R5 take O1 and O2 late in the morning, R4 anyone at noon; the LP serves 50 in halves, a plan 40. The
    copy aimed at 50 holds nothing, so the whole model is searched next and serves 40 from nothing served."""
    monkeypatch.setattr(operator_level, "LARGE_OPERATOR_PART", 2)
    seen = _capture_floors(monkeypatch)
    reqs = [
        request("R0", "08:30", "10:30", service="operator", allowed_operators=["O0", "O1"]),
        request("R1", "08:00", "09:00", service="operator", allowed_operators=["O0", "O1"], operators_needed=2),
        request("R2", "10:00", "12:00", service="operator", allowed_operators=["O1", "O2"], operators_needed=2),
        request("R3", "11:00", "12:30", service="operator", allowed_operators=["O1", "O2"]),
        request("R4", "11:30", "13:30", service="operator", allowed_operators=["O0", "O1", "O2"]),
        request("R5", "09:30", "10:30", service="operator", allowed_operators=["O2"]),
    ]
    prob = problem(operators=[operator(o) for o in ("O0", "O1", "O2")], requests=reqs)
    plan = solve(prob)
    ((m, _floor),) = seen
    relaxed = served_relaxation(m, time.monotonic() + 10)
    assert relaxed is not None and relaxed.bound == 50
    searched = _searches(monkeypatch)
    nothing = complete_hint(m, dict.fromkeys(m.variables(), 0))
    most = operator_model.serve_most(m, nothing, 50, time.monotonic() + 2, workers=1, prices=relaxed.prices)
    assert searched == [False, True]
    assert sum(m.cands[p].weight for p in _served(m, most)) == 40
    assert valid_with(prob, plan, assignments(m, most.__getitem__), [m])


def test_the_solver_serves_more_on_the_compact_model_where_the_moves_stop(monkeypatch: pytest.MonkeyPatch) -> None:
    """With the moves of `serve_more` switched off, the greedy plan leaves Y out (A runs X); the solver's compact
    served model is called on the operator-only part and serves all three, and the plan is valid."""
    monkeypatch.setattr(operator_level, "LARGE_OPERATOR_PART", 2)
    monkeypatch.setattr(operator_level, "EJECTION_PASSES", ())
    calls: list[tuple[int, int]] = []
    real = operator_model.serve_most

    def spy(m: AllocationModel, start: dict[Var, int], *args: Any, **kw: Any) -> dict[Var, int]:
        out = real(m, start, *args, **kw)
        calls.append((len(_served(m, start)), len(_served(m, out))))
        return out

    monkeypatch.setattr("allocator.planner.solver.serve_most", spy)
    reqs = [
        request("X", "08:00", "09:00", service="operator", allowed_operators=["A", "B"]),
        request("W", "08:00", "09:00", service="operator", allowed_operators=["B", "C"]),
        request("Y", "08:00", "09:30", service="operator", allowed_operators=["A"]),
    ]
    prob = problem(operators=[operator(o) for o in "ABC"], requests=reqs)
    plan = solve(prob, SolveOptions(time_limit_s=10))
    assert validate_plan(prob, plan) == [] and validate_claims(prob, plan) == []
    assert calls == [(2, 3)]
    assert len(plan.assignments) == 3
