"""Alternatives offered for unserved requests are concrete, nearest first, and really free."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from allocator.planner.domain import Alternative, Assignment, Plan, Problem, ServiceType
from allocator.planner.solver import solve
from allocator.planner.validate import validate_plan
from tests.planner.factories import host, operator, problem, request
from tests.planner.test_properties import problems


def adopt(prob: Problem, plan: Plan, ref: str, alt: Alternative) -> tuple[Problem, Plan]:
    """The problem and plan as they would be if the office accepted the alternative."""
    changes: dict[str, object] = {"start": alt.start, "end": alt.end, "participants": alt.participants}
    if alt.kind == "without_operator":
        changes["service"] = ServiceType.LINK
    requests = [r.model_copy(update=changes) if r.ref == ref else r for r in prob.requests]
    accepted = plan.model_copy(
        update={
            "assignments": [*plan.assignments, Assignment(request=ref, host=alt.host, operators=alt.operators)],
            "unserved": [u for u in plan.unserved if u.request != ref],
        }
    )
    return prob.model_copy(update={"requests": requests}), accepted


def test_busy_host_gets_the_nearest_free_time() -> None:
    prob = problem(
        hosts=[host("H")], requests=[request("A", "09:00", "10:00", priority="high"), request("B", "09:00", "10:00")]
    )
    plan = solve(prob)
    (u,) = plan.unserved
    assert u.request == "B" and u.alternatives
    first = u.alternatives[0]
    assert first.kind == "other_time" and first.host == "H"
    assert "Mon 2027-03-01 08:00–09:00 WIB on H" in first.text  # an hour away; the earlier of the two nearest
    assert "pada waktu lain" in first.text_id


def test_busy_operators_offer_link_only_first() -> None:
    prob = problem(
        hosts=[host("H1"), host("H2")],
        operators=[operator("O1")],
        requests=[
            request("A", "09:00", "10:00", service="link_operator", priority="high"),
            request("B", "09:00", "10:00", service="link_operator"),
        ],
    )
    alternatives = solve(prob).unserved[0].alternatives
    assert alternatives[0].kind == "without_operator" and alternatives[0].operators == []
    assert "without an operator" in alternatives[0].text and "tanpa operator" in alternatives[0].text_id


def test_too_many_participants_offers_the_largest_free_host() -> None:
    prob = problem(hosts=[host("H100", 100), host("H300", 300)], requests=[request("A", "09:00", "10:00", 800)])
    (alt, *_rest) = solve(prob).unserved[0].alternatives
    assert alt.kind == "fewer_participants" and alt.host == "H300" and alt.participants == 300


def test_no_alternative_when_nothing_could_ever_serve_it() -> None:
    prob = problem(hosts=[], requests=[request("A", "09:00", "10:00")])
    assert solve(prob).unserved[0].alternatives == []


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_requests=8))
def test_every_alternative_is_valid_if_accepted(prob: Problem) -> None:
    plan = solve(prob)
    for u in plan.unserved:
        for alt in u.alternatives:
            changed, accepted = adopt(prob, plan, u.request, alt)
            assert validate_plan(changed, accepted) == [], (u.request, alt.text)
