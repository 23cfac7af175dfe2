"""Random offices with trained units, kits and kits out of service, some of the plan published: the planner never
gives a plan the independent validator rejects, and every plan's claims hold."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allocator.planner.domain import Assignment, KitFault, KitType, Problem, UnitOperator
from allocator.planner.solver import first_come_first_served, solve
from allocator.planner.validate import validate_claims, validate_plan
from tests.planner.factories import host, operator, policy, problem, request

UNITS = ["Dinas A", "Kecamatan B", "Sekretariat"]


@st.composite
def offices(draw: st.DrawFn) -> Problem:
    hosts = [host(f"H{i}", draw(st.sampled_from([100, 300]))) for i in range(draw(st.integers(1, 3)))]
    operators = [
        operator(f"O{i}", skills=draw(st.lists(st.sampled_from(["sound"]), unique=True)))
        for i in range(draw(st.integers(0, 2)))
    ]
    requests = []
    for i in range(draw(st.integers(1, 7))):
        start = draw(st.integers(14, 30)) * 30
        length = draw(st.sampled_from([60, 120]))
        service = draw(st.sampled_from(["link", "link_operator", "link_operator", "operator"]))
        rehearsal = None
        if service != "link":
            mandatory = draw(st.sampled_from([None, None, False, True]))
            if mandatory is not None:
                rehearsal = {"mode": "online", "mandatory": mandatory, "duration_min": 30}
        r = request(
            f"R{i}",
            f"{start // 60:02d}:{start % 60:02d}",
            f"{(start + length) // 60:02d}:{(start + length) % 60:02d}",
            draw(st.sampled_from([40, 250])),
            service=service,
            rehearsal=rehearsal,
            operators_needed=draw(st.sampled_from([1, 1, 2])),
            required_skills=draw(st.sampled_from([[], ["sound"]])),
            priority=draw(st.sampled_from(["head_of_region", "normal", "low"])),
            kits=draw(st.sampled_from([[], [{"kit": "CAM"}]])),
        )
        requests.append(r.model_copy(update={"unit": draw(st.sampled_from(UNITS))}))
    stock = draw(st.integers(0, 3))
    trained = [
        UnitOperator(id=f"U{i}", unit=unit, name=f"Staf {i}", skills=draw(st.sampled_from([[], ["sound"]])))
        for i, unit in enumerate(draw(st.lists(st.sampled_from(UNITS), unique=True, max_size=2)))
    ]
    faults = [KitFault(kit="CAM", count=n) for n in draw(st.lists(st.integers(1, 2), max_size=2))]
    prob = problem(
        now="2027-02-26T08:00:00+07:00",  # rehearsals may fall on the days before
        hosts=hosts,
        operators=operators,
        requests=requests,
        pol=policy(kit_pickup_min=30, kit_return_min=30),
        kit_types=[KitType(id="CAM", stock=stock)],
        kit_faults=faults,
        unit_operators=trained,
    )
    if draw(st.booleans()):
        # A published plan from before some of the faults or trained staff: the re-plan starts from it.
        earlier = prob.model_copy(update={"kit_faults": [], "unit_operators": trained[:1]})
        published: list[Assignment] = solve(earlier).assignments
        prob = prob.model_copy(update={"previous": published})
    return prob


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(offices())
def test_plans_with_trained_units_and_broken_kits_are_valid(prob: Problem) -> None:
    plan = solve(prob)
    assert validate_plan(prob, plan) == []
    assert validate_claims(prob, plan) == []
    assert {a.request for a in plan.assignments} | {u.request for u in plan.unserved} == {r.ref for r in prob.requests}
    letters = first_come_first_served(prob)  # the greedy pass in letter order stays valid too
    assert validate_plan(prob, letters) == []
    trained_units = {u.unit for u in prob.unit_operators}
    reqs = {r.ref: r for r in prob.requests}
    for a in plan.assignments:
        if a.self_operated:
            assert reqs[a.request].unit in trained_units and a.operators == []
