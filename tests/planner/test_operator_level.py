"""The operator level on large operator pools: its lower bound from overlapping requests, its dominance rows (plans
stay valid and as good), its first plan kept when the search finds nothing, and claims checked against the plan."""

from __future__ import annotations

import time
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from allocator.planner import operator_level
from allocator.planner.domain import Assignment, Problem, SolverStatus
from allocator.planner.model import AllocationModel, Var, assignments, complete_hint
from allocator.planner.problem_io import parse_problem
from allocator.planner.solver import SolveOptions, solve
from allocator.planner.validate import validate_claims, validate_plan
from benchmarks.generate import operator_pools
from tests.planner.factories import operator, problem, request
from tests.planner.pools import capture_floors, model_accepts, partly_dropped, random_morning, valid_with


def _two_crews() -> Problem:
    """Three meetings at 08:00 only A, B, C may run and four at 13:00 anyone may: at least four operators a day."""
    ops = [operator(o) for o in "ABCDEFGH"]
    early = [request(f"E{i}", "08:00", "09:00", service="operator", allowed_operators=["A", "B", "C"])
             for i in range(3)]  # fmt: skip
    late = [request(f"L{i}", "13:00", "14:00", service="operator") for i in range(4)]
    return problem(operators=ops, requests=[*early, *late])


def test_the_lower_bound_is_the_most_operators_needed_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(operator_level, "LARGE_OPERATOR_PART", 2)
    seen = capture_floors(monkeypatch)
    prob = _two_crews()
    plan = solve(prob)
    (m, floor), = seen  # fmt: skip
    assert floor.bound(m, set(range(len(m.cands)))) == 4
    group = next(iter(floor.rows.values()))
    assert any(within is not None and len(clique) == 3 for within, clique in group)  # the A, B, C group's own row
    prefs = plan.term("preferences")
    assert prefs.value == prefs.bound == 40 and prefs.optimal and plan.status is SolverStatus.OPTIMAL
    assert len({o for a in plan.assignments for o in a.operators}) == 4


def test_the_bound_counts_only_what_is_served(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(operator_level, "LARGE_OPERATOR_PART", 2)
    seen = capture_floors(monkeypatch)
    solve(_two_crews())
    (m, floor), = seen  # fmt: skip
    early = {p for p, c in enumerate(m.cands) if c.ref.startswith("E")}
    assert floor.bound(m, early) == 3 and floor.bound(m, set()) == 0


@pytest.mark.parametrize("seed", [1, 2])
def test_dominance_rows_keep_plans_valid_and_as_good(monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    prob = parse_problem(operator_pools(40, seed))
    with_rows = solve(prob, SolveOptions(time_limit_s=10))  # 90 operators: the rows are on
    monkeypatch.setattr(operator_level, "LARGE_OPERATOR_PART", 10**6)
    without = solve(prob, SolveOptions(time_limit_s=10))
    for plan in (with_rows, without):
        assert validate_plan(prob, plan) == [] and validate_claims(prob, plan) == []
    assert with_rows.term("served_weight").value == without.term("served_weight").value
    assert with_rows.status is SolverStatus.OPTIMAL and without.status is SolverStatus.OPTIMAL
    assert with_rows.term("preferences").value == without.term("preferences").value


def test_an_operator_level_that_finds_nothing_keeps_the_first_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    """The served level is settled by the checked greedy plan; the operator level's search then comes back with
    nothing: the plan is the fewest-operators first plan, serving everything, and claims only what it has."""
    prob = parse_problem(operator_pools(40, 1))
    real = cp_model.CpSolver

    class Unlucky(real):  # type: ignore[misc, valid-type]
        def solve(self, model: Any, *args: Any, **kw: Any) -> Any:
            if self.parameters.fix_variables_to_their_hinted_value:
                return super().solve(model, *args, **kw)  # the greedy plan's check
            return cp_model.UNKNOWN

    monkeypatch.setattr(cp_model, "CpSolver", Unlucky)
    plan = solve(
        prob, SolveOptions(time_limit_s=5, alternatives=False)
    )  # raises InvalidPlan if a claim contradicted the plan
    assert len(plan.assignments) == len(prob.requests)
    assert plan.term("served_weight").optimal
    used = len({o for a in plan.assignments for o in a.operators})
    prefs = plan.term("preferences")
    assert prefs.value == 10 * used and prefs.bound <= prefs.value
    assert prefs.bound > 0  # the overlap bound, not a bound that claims nothing


def test_the_validator_catches_a_reported_operator_count_the_plan_does_not_have() -> None:
    prob = _two_crews()
    plan = solve(prob)
    terms = [t.model_copy(update={"value": t.value + 10, "bound": t.value + 10}) if t.name == "preferences" else t
             for t in plan.objective]  # fmt: skip
    inflated = plan.model_copy(update={"objective": terms})
    assert any("objective preferences: reports 50, the plan has 40" in v for v in validate_claims(prob, inflated))


def test_alternatives_stop_where_the_time_limit_needs_the_rest(monkeypatch: pytest.MonkeyPatch) -> None:
    """Searching alternatives for many unserved requests must not run the plan past its limit."""
    import time

    from allocator.planner.alternatives import AlternativeFinder

    ops = [operator("A")]
    reqs = [request(f"R{i}", "08:00", "09:00", service="operator") for i in range(6)]  # one operator: five unserved
    real = AlternativeFinder.find

    def slow(self: AlternativeFinder, req: Any) -> Any:
        time.sleep(1.0)
        return real(self, req)

    monkeypatch.setattr(AlternativeFinder, "find", slow)
    plan = solve(problem(operators=ops, requests=reqs), SolveOptions(time_limit_s=1))
    # Searching all five would take 5 s past the limit; stopping at the limit, at most one search (1 s) runs
    # over it. The bound between leaves a loaded machine 2.5 s.
    assert len(plan.unserved) == 5 and plan.solve_seconds < 4.5
    (warning,) = [w for w in plan.warnings if w.code == "alternatives_not_searched"]
    assert warning.count is not None and 1 <= warning.count <= 5  # how many the time limit left depends on load


def test_the_first_plan_calls_in_few_operators_from_a_wasteful_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """Three morning meetings on A, B, C and four afternoon ones on four of the others: seven operators called in.
    The first plan re-staffs them with the four the day needs (A, B, C stay for the afternoon)."""
    monkeypatch.setattr(operator_level, "LARGE_OPERATOR_PART", 2)
    seen = capture_floors(monkeypatch)
    solve(_two_crews())
    (m, _floor), = seen  # fmt: skip
    wasteful = dict.fromkeys(m.variables(), 0)
    for pos in range(len(m.cands)):
        wasteful[m.served[pos]] = 1
        g = min(m.operator_options[pos], key=lambda g: len(m.operator_pools[g].members) == 3)  # not A, B, C's pool
        wasteful[m.operator[pos, g]] = 1
    assert sum(complete_hint(m, wasteful)[v] for v in m.called_in.values()) == 7
    first = operator_level.fewest_operators_plan(m, wasteful, time.monotonic() + 60)
    assert sum(first[v] for v in m.called_in.values()) == 4
    assert all(first[m.served[p]] == 1 for p in range(len(m.cands)))
    # With no time left it changes nothing: under load it ran 2–5 s past a 20 s limit, unchecked.
    assert operator_level.fewest_operators_plan(m, wasteful, time.monotonic() - 1) == wasteful


def _staffed_by_hand(
    monkeypatch: pytest.MonkeyPatch, prob: Problem, staffed: dict[str, str]
) -> tuple[AllocationModel, dict[Var, int]]:
    """The part's model (built by a solve) and the plan serving exactly `staffed` (request -> its operator)."""
    monkeypatch.setattr(operator_level, "LARGE_OPERATOR_PART", 2)
    seen = capture_floors(monkeypatch)
    solve(prob)
    (m, _floor), = seen  # fmt: skip
    pool = {o.id: m.operator_pool_of[i] for i, o in enumerate(prob.operators)}
    at = {c.ref: p for p, c in enumerate(m.cands)}
    partial = dict.fromkeys(m.variables(), 0)
    for ref, op in staffed.items():
        partial[m.served[at[ref]]] = 1
        partial[m.operator[at[ref], pool[op]]] = 1
    return m, complete_hint(m, partial)


def _chain_to_free_a(monkeypatch: pytest.MonkeyPatch) -> tuple[AllocationModel, dict[Var, int]]:
    """Y only A may run; A runs X (B may too), B runs W (C may too); Y is left out. The model and that plan."""
    reqs = [
        request("X", "08:00", "09:00", service="operator", allowed_operators=["A", "B"]),
        request("W", "08:00", "09:00", service="operator", allowed_operators=["B", "C"]),
        request("Y", "08:00", "09:00", service="operator", allowed_operators=["A"]),
    ]
    prob = problem(operators=[operator(o) for o in "ABC"], requests=reqs)
    return _staffed_by_hand(monkeypatch, prob, {"X": "A", "W": "B"})


def test_serving_more_moves_a_chain_of_tasks_to_free_the_only_operator(monkeypatch: pytest.MonkeyPatch) -> None:
    """Moving W to C and X to B frees A for Y: a plan built in one order leaves Y out; serving more finds the
    chain and keeps everything else served."""
    m, partial = _chain_to_free_a(monkeypatch)
    more = operator_level.serve_more(m, partial, until=float("inf"))
    assert all(more[v] == 1 for v in m.served.values())
    staffed = {a.request: a.operators for a in assignments(m, more.__getitem__)}
    assert staffed == {"X": ["B"], "W": ["C"], "Y": ["A"]}
    check = cp_model.CpSolver()
    check.parameters.fix_variables_to_their_hinted_value = True
    m.model.clear_hints()
    for v, x in more.items():
        m.model.add_hint(v, x)
    assert check.solve(m.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)  # the model accepts the plan as it is


def test_serving_more_gives_up_within_its_budget_and_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """With one move allowed, the two-move chain above is out of reach: the plan comes back unchanged."""
    monkeypatch.setattr(operator_level, "EJECTION_PASSES", ((1, 4_000),))
    m, partial = _chain_to_free_a(monkeypatch)
    assert operator_level.serve_more(m, partial, until=float("inf")) == partial


def test_the_deeper_passes_stop_at_their_own_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    """A first pass one move deep misses the two-move chain; the second pass finds it, but only while its own
    deadline (a tenth of the part's time, before the first pass's quarter) has not passed."""
    monkeypatch.setattr(operator_level, "EJECTION_PASSES", ((1, 4_000), (3, 4_000)))
    m, partial = _chain_to_free_a(monkeypatch)
    assert operator_level.serve_more(m, partial, until=float("inf"), deeper_until=time.monotonic() - 1) == partial
    more = operator_level.serve_more(m, partial, until=float("inf"), deeper_until=float("inf"))
    assert all(more[v] == 1 for v in m.served.values())


def test_serving_more_moves_two_tasks_out_of_the_way(monkeypatch: pytest.MonkeyPatch) -> None:
    """Y (08:00–10:00) only A may run; A runs X1 (08:00–09:00, B may too) and X2 (09:00–10:00, C may too). Freeing A
    takes both of A's tasks moved: one task in the way at a time finds nothing (on the 800-session days of the
    benchmark the plain model served one or two sessions more for this reason); two at a time serves Y."""
    reqs = [
        request("X1", "08:00", "09:00", service="operator", allowed_operators=["A", "B"]),
        request("X2", "09:00", "10:00", service="operator", allowed_operators=["A", "C"]),
        request("Y", "08:00", "10:00", service="operator", allowed_operators=["A"]),
    ]
    prob = problem(operators=[operator(o) for o in "ABC"], requests=reqs)
    m, partial = _staffed_by_hand(monkeypatch, prob, {"X1": "A", "X2": "A"})
    monkeypatch.setattr(operator_level, "EJECTION_IN_THE_WAY", 1)
    assert operator_level.serve_more(m, partial, until=float("inf")) == partial
    monkeypatch.setattr(operator_level, "EJECTION_IN_THE_WAY", 2)
    more = operator_level.serve_more(m, partial, until=float("inf"))
    staffed = {a.request: a.operators for a in assignments(m, more.__getitem__)}
    assert staffed == {"X1": ["B"], "X2": ["C"], "Y": ["A"]}
    assert model_accepts(m, more)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_serving_more_never_serves_less_nor_breaks_a_rule(monkeypatch: pytest.MonkeyPatch, data: st.DataObject) -> None:
    """On random operator-only mornings (operators each allowed some requests, random times and crews of one or
    two) and a random part of the plan dropped, serving more keeps every request that was served and gives a plan
    the validator accepts."""
    monkeypatch.setattr(operator_level, "LARGE_OPERATOR_PART", 2)
    seen = capture_floors(monkeypatch)
    prob = random_morning(data, most_operators=5, most_requests=9)
    plan = solve(prob, SolveOptions(time_limit_s=5, alternatives=False))
    done: list[Assignment] = []
    for m, _floor in seen:  # each part simple for operators (none where nothing needs an operator)
        first = partly_dropped(m, plan, prob, data)
        more = operator_level.serve_more(m, first, until=float("inf"))
        assert all(more[m.served[p]] >= first[m.served[p]] for p in range(len(m.cands)))
        done += assignments(m, more.__getitem__)
    assert valid_with(prob, plan, done, [m for m, _floor in seen])
