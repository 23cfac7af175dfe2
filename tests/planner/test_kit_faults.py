"""Kits out of service: the planner shares out only the kits that work, and the validator counts the same."""

from __future__ import annotations

from datetime import datetime

from allocator.planner.domain import Assignment, KitFault, KitType, Plan, Problem
from allocator.planner.kit_faults import holding, leaves_stock_at, working_stock
from allocator.planner.solver import solve
from allocator.planner.validate import validate_plan
from tests.planner.factories import host, policy, problem, request


def kits_problem(stock: int = 2, broken: int = 0) -> Problem:
    a = request("A", "09:00", "11:00", kits=[{"kit": "CAM"}], priority="high")
    b = request("B", "09:30", "11:30", kits=[{"kit": "CAM"}])
    return problem(
        hosts=[host("H1"), host("H2")],
        requests=[a, b],
        pol=policy(kit_pickup_min=60, kit_return_min=60),
        kit_types=[KitType(id="CAM", name="Kamera", stock=stock)],
        kit_faults=[KitFault(kit="CAM", count=broken)] if broken else [],
    )


def test_working_kits_serve_both() -> None:
    plan = solve(kits_problem())
    assert sorted(a.request for a in plan.assignments) == ["A", "B"]


def test_a_broken_kit_leaves_the_lower_tier_without_one_and_the_replan_says_so() -> None:
    before = solve(kits_problem())
    prob = kits_problem(broken=1).model_copy(update={"previous": before.assignments})
    plan = solve(prob)
    assert [a.request for a in plan.assignments] == ["A"]
    assert next(u.code for u in plan.unserved if u.request == "B") == "kits_short"
    assert holding(prob, before.assignments, "CAM") == ["A", "B"]


def test_every_kit_broken_serves_none_that_needs_one() -> None:
    plan = solve(kits_problem(broken=5))
    assert plan.assignments == [] and working_stock(kits_problem(broken=5)) == {"CAM": 0}


def test_validator_counts_kits_out_of_service() -> None:
    both = Plan(assignments=[Assignment(request="A", host="H1"), Assignment(request="B", host="H2")])
    assert validate_plan(kits_problem(), both) == []
    found = validate_plan(kits_problem(broken=1), both)
    assert any("the stock is 1, 1 of 2 out of service" in v for v in found)


def test_fault_of_an_unknown_kit_type_is_refused() -> None:
    import pytest
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match=r"kit_faults\[0\]\.kit"):
        Problem.model_validate({**kits_problem().model_dump(), "kit_faults": [{"kit": "MIC", "count": 1}]})


def at_time(prob: Problem, now: str, previous: list[Assignment], *faults: KitFault) -> Problem:
    """The problem as the store gives it at `now`: the requests not over, the published plan, the open faults."""
    when = datetime.fromisoformat(now)
    reqs = [r for r in prob.requests if r.end > when]
    kept = [a for a in previous if a.request in {r.ref for r in reqs}]
    return prob.model_copy(update={"now": when, "requests": reqs, "previous": kept, "kit_faults": list(faults)})


def test_a_fault_in_an_occurrence_concerns_that_occurrence_and_the_later_ones() -> None:
    """A three-day training borrows the only camera each day; during day 2 its PIC reports it broken in occurrence
    2: day 1 is history, day 2 keeps the camera it has in hand until its return (no re-plan can take it from a
    meeting under way), day 3 loses it."""
    series = {"repeat": "daily", "count": 3, "policy": "partial"}
    training = request("LAT", "09:00", "11:00", series=series, kits=[{"kit": "CAM"}])
    base = problem(hosts=[host("H1")], requests=[training], pol=policy(kit_pickup_min=60, kit_return_min=60),
                   kit_types=[KitType(id="CAM", name="Kamera", stock=1)], now="2027-02-20T08:00:00+07:00")  # fmt: skip
    before = solve(base)
    assert [a.request for a in before.assignments] == ["LAT:1", "LAT:2", "LAT:3"]
    fault = KitFault(kit="CAM", count=1, request="LAT:2")
    during = at_time(base, "2027-03-02T09:30:00+07:00", before.assignments, fault)
    assert holding(during, before.assignments, "CAM", "LAT:2") == ["LAT:2", "LAT:3"]
    assert leaves_stock_at(during, fault) == datetime.fromisoformat("2027-03-02T12:00:00+07:00")
    assert working_stock(during) == {"CAM": 1}  # out of service from day 2's return on, not before
    after = solve(during)
    assert validate_plan(during, after) == []
    assert [a.request for a in after.assignments] == ["LAT:2"]
    assert [(u.request, u.code) for u in after.unserved] == [("LAT:3", "kits_short")]
    # The validator holds the broken camera out from that return on: day 3 keeping it is refused.
    kept = after.model_copy(update={"assignments": before.assignments[1:], "unserved": []})
    assert any("kit CAM" in v for v in validate_plan(during, kept))
    # Named ahead, occurrence 3 would leave occurrence 2 alone (the store refuses it while 2 is not over).
    assert holding(during, before.assignments, "CAM", "LAT:3") == ["LAT:3"]
    # Reported before day 2 begins (no kit out for it yet), the camera is out of service at once: day 2 loses it.
    early = at_time(base, "2027-03-02T07:00:00+07:00", before.assignments, fault)
    assert {u.request: u.code for u in solve(early).unserved} == {"LAT:2": "kits_short", "LAT:3": "kits_short"}
