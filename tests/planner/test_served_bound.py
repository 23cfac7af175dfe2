"""The served-weight bound of a large operator pool from its busiest moments (`served_bound`): never below what a
brute force serves on small random pools, exact where a moment has more requests than operators, and what makes a
plan's "every servable request served" a proven claim."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allocator.planner.served_lp import lp_served_bound
from allocator.planner.solver import SolveOptions, solve
from tests.planner.factories import operator, problem, request
from tests.planner.pools import brute_force_served, capture_large_parts, random_morning


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_the_bound_is_never_below_what_can_be_served(monkeypatch: pytest.MonkeyPatch, data: st.DataObject) -> None:
    """Random operator-only mornings of up to six requests (crews of one or two) and three operators: the
    busiest-moment bound and the LP relaxation's (`served_lp`), each summed over the parts, are at least the brute
    force's best (true bounds), and the plan's served weight never claims more than its bound."""
    seen = capture_large_parts(monkeypatch)
    prob = random_morning(data, most_operators=3, most_requests=6)
    plan = solve(prob, SolveOptions(time_limit_s=5, alternatives=False))
    if not seen:
        return  # nothing for an operator to do (every request statically impossible)
    best = brute_force_served(prob)
    inside = {c.ref for m, _floor in seen for c in m.cands}
    weights = prob.policy.priority_weights
    most = sum(floor.served_most or 0 for _m, floor in seen)
    most += sum(weights[r.priority] for r in prob.requests if r.ref not in inside)  # parts without the bound
    assert all(floor.served_most is not None for _m, floor in seen)
    assert most >= best
    relaxed = [lp_served_bound(m, time.monotonic() + 10) for m, _floor in seen]
    assert all(b is not None for b in relaxed)
    outside = sum(weights[r.priority] for r in prob.requests if r.ref not in inside)
    assert sum(b or 0 for b in relaxed) + outside >= best
    assert plan.term("served_weight").value == best and plan.term("served_weight").bound >= best


def test_a_moment_with_more_requests_than_operators_bounds_exactly(monkeypatch: pytest.MonkeyPatch) -> None:
    """Three requests at 08:00 that only A and B may run, one of them high: any plan leaves a normal one out, and
    the bound says so (every weight together is 130); the plan's served weight is proven at 120."""
    seen = capture_large_parts(monkeypatch)
    reqs = [
        request("N1", "08:00", "09:00", service="operator", allowed_operators=["A", "B"]),
        request("N2", "08:30", "09:30", service="operator", allowed_operators=["A", "B"]),
        request("H", "08:00", "10:00", service="operator", allowed_operators=["A", "B"], priority="high"),
        request("L", "13:00", "14:00", service="operator"),
    ]
    plan = solve(problem(operators=[operator(o) for o in "ABC"], requests=reqs))
    ((_m, floor),) = seen
    assert floor.served_most == 120
    served = plan.term("served_weight")
    assert (served.value, served.bound, served.optimal) == (120, 120, True)
    assert {u.request for u in plan.unserved} in ({"N1"}, {"N2"})


def test_moments_apart_lose_separately(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two requests at 08:00 only A may run, and three at 13:00 A or B may: one lost in the morning and one in the
    afternoon (no request spans both moments), so the bound is every weight (50) less both (30)."""
    seen = capture_large_parts(monkeypatch)
    morning = [request(f"M{k}", "08:00", "09:00", service="operator", allowed_operators=["A"]) for k in range(2)]
    noon = [request(f"P{k}", "13:00", "14:00", service="operator", allowed_operators=["A", "B"]) for k in range(3)]
    plan = solve(problem(operators=[operator(o) for o in "AB"], requests=morning + noon))
    ((_m, floor),) = seen
    assert floor.served_most == 30
    assert plan.term("served_weight").optimal


def test_moments_a_request_spans_lose_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """L (08:00–10:00), E (08:00–09:00) and F (09:00–10:00) only A may run: each hour loses one, but L is under way
    in both, so the two hours count as one loss: serving E and F loses L alone (bound 30 of 40, not 20)."""
    seen = capture_large_parts(monkeypatch)
    reqs = [
        request("L", "08:00", "10:00", service="operator", allowed_operators=["A"]),
        request("E", "08:00", "09:00", service="operator", allowed_operators=["A"]),
        request("F", "09:00", "10:00", service="operator", allowed_operators=["A"]),
        request("X", "13:00", "14:00", service="operator", allowed_operators=["A", "B"]),
    ]
    plan = solve(problem(operators=[operator(o) for o in "AB"], requests=reqs))
    ((_m, floor),) = seen
    assert floor.served_most == 30
    assert plan.term("served_weight").value == 30
