"""The served-weight bound from the LP relaxation of who takes what (`served_lp`): tighter than the busiest moments
where one operator is counted at two of them, and what makes "every servable request served" a proven claim there.
That it is never below what a brute force serves on small random pools is checked with the busiest-moment bound's
(`test_served_bound.py`)."""

from __future__ import annotations

import time

import pytest

from allocator.planner.candidates import CandidateBuilder
from allocator.planner.domain import UnitOperator
from allocator.planner.model import build_model
from allocator.planner.served_bound import served_weight_bound
from allocator.planner.served_lp import _rounded, lp_served_bound
from allocator.planner.solver import active_requests, solve
from allocator.planner.workflow import expand_request
from tests.planner.factories import host, operator, problem, request
from tests.planner.pools import capture_large_parts


def test_an_operator_counted_at_two_moments_is_counted_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """R1 (08:00–09:00) only A may run, R3 (09:30–10:30) only B, R2 (08:30–10:00) either: at each busiest moment
    both requests under way can be staffed, so the moments bound every weight (30); but R2 overlaps both others,
    so any plan serves two. The LP sees it: the plan's 20 is proven, where the moments alone could not prove it."""
    seen = capture_large_parts(monkeypatch)
    reqs = [
        request("R1", "08:00", "09:00", service="operator", allowed_operators=["A"]),
        request("R2", "08:30", "10:00", service="operator", allowed_operators=["A", "B"]),
        request("R3", "09:30", "10:30", service="operator", allowed_operators=["B"]),
    ]
    plan = solve(problem(operators=[operator(o) for o in "AB"], requests=reqs))
    ((m, floor),) = seen
    assert served_weight_bound(m, time.monotonic() + 10) == 30
    assert lp_served_bound(m, time.monotonic() + 10) == 20
    assert floor.served_most == 20
    served = plan.term("served_weight")
    assert (served.value, served.bound, served.optimal) == (20, 20, True)


def test_no_time_no_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    """Out of time before the LP is solved: no bound rather than a guess."""
    seen = capture_large_parts(monkeypatch)
    reqs = [request(f"R{k}", "08:00", "09:00", service="operator") for k in range(3)]
    solve(problem(operators=[operator(o) for o in "AB"], requests=reqs))
    ((m, _floor),) = seen
    assert lp_served_bound(m, time.monotonic() - 1) is None


def test_the_bound_is_rounded_down_to_a_servable_weight() -> None:
    """Served weights are multiples of the weights' common divisor: 29.5 bounds 20 when weights are 10 and 20, and
    an LP optimum a hair under a whole weight (floating point) still bounds that weight."""
    assert _rounded(29.5, [10, 20, 0]) == 20
    assert _rounded(19.9999999, [10, 20]) == 20
    assert _rounded(7.2, [0]) == 7


def test_a_meeting_its_unit_may_run_needs_none_of_our_operators() -> None:
    """Two meetings at 08:00 on two hosts that only A of ours may run, and the unit has a trained operator: both
    can be served (one by A, one by the unit), and the bound allows both rather than counting A twice (the LP
    applies to any part: it leaves hosts out, which only takes more away)."""
    reqs = [request(f"R{k}", "08:00", "09:00", service="link_operator", allowed_operators=["A"]) for k in range(2)]
    trained = UnitOperator(id="U-1", unit=reqs[0].unit, name="Staf Terlatih", skills=["zoom"])
    prob = problem(hosts=[host("H1"), host("H2")], operators=[operator(o) for o in "AB"], requests=reqs,
                   unit_operators=[trained])  # fmt: skip
    builder = CandidateBuilder(prob)
    cands = [c for r in active_requests(prob) for c in expand_request(builder, r)]
    assert all(c.self_operable for c in cands)
    m = build_model(prob, cands, {}, {})
    assert lp_served_bound(m, time.monotonic() + 10) == 20
    served = solve(prob).term("served_weight")
    assert (served.value, served.bound) == (20, 20)
