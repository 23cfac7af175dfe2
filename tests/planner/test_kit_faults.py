"""Kits out of service: the planner shares out only the kits that work, and the validator counts the same."""

from __future__ import annotations

from allocator.planner.domain import Assignment, KitFault, KitType, Plan, Problem
from allocator.planner.kit_faults import holding, working_stock
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
