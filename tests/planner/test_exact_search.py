"""The search covers the real problem: a restriction of where a rehearsal, survey or flexible request may go never
hides a plan the validator would accept, or the plan says it was restricted instead of optimal."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings

from allocator.planner.domain import Problem, SolverStatus
from allocator.planner.solver import SolveOptions, solve
from allocator.planner.validate import validate_claims, validate_plan
from tests.planner.factories import host, operator, problem, request
from tests.planner.test_workflow_rules import workflow_problems

WIB = ZoneInfo("Asia/Jakarta")
WEEKDAYS = [{"weekdays": [0, 1, 2, 3, 4], "start": "08:00", "end": "16:00"}]


def test_a_monday_event_gets_its_rehearsal_on_friday() -> None:
    # Monday 09:00, rehearsal in the three days before and ending an hour before: the latest half-hour starts fall on
    # the weekend and at 07:00 Monday, when nobody works. Friday afternoon is free.
    bupati = request(
        "BUPATI",
        "09:00",
        "11:00",
        service="link_operator",
        priority="head_of_region",
        rehearsal={"duration_min": 60, "mandatory": True},
    )
    prob = problem(hosts=[host("H1")], operators=[operator("A", shifts=WEEKDAYS)], requests=[bupati])
    plan = solve(prob)
    a = plan.assignment_for("BUPATI")
    assert a is not None and a.rehearsal is not None, plan.unserved
    local = a.rehearsal.start.astimezone(WIB)
    assert local.date() == datetime(2027, 2, 26).date() and local.hour >= 8  # Friday, in the shift
    assert validate_plan(prob, plan) == [] and plan.status is SolverStatus.OPTIMAL


def _long_rehearsal_window() -> Problem:
    """A rehearsal allowed any time in the ten days before: more half-hour starts than the search takes."""
    event = request(
        "EV",
        "09:00",
        "11:00",
        service="link_operator",
        rehearsal={"duration_min": 60, "window_start_min_before": 12 * 24 * 60, "mandatory": True},
    )
    return problem(hosts=[host("H1")], operators=[operator("A")], requests=[event])


def test_a_limited_search_is_not_called_optimal_and_its_bounds_hold_of_the_real_problem() -> None:
    prob = _long_rehearsal_window()
    plan = solve(prob, SolveOptions(exact_search=False))
    assert plan.restrictions == ["rehearsal of EV: only the 160 latest workable starts were searched"]
    assert plan.status is SolverStatus.FEASIBLE and validate_claims(prob, plan) == []
    exact = solve(prob, SolveOptions(exact_search=True))
    assert exact.restrictions == [] and exact.status is SolverStatus.OPTIMAL
    for limited, real in zip(plan.objective, exact.objective, strict=True):  # each bound holds of the real optimum
        assert (limited.bound >= real.value) if limited.sense == "maximize" else (limited.bound <= real.value)


def test_a_limited_survey_search_names_the_venue() -> None:
    events = [
        request(f"E{k}", "09:00", "10:00", service="operator", venue="GOR", day=f"2027-03-{10 + k:02d}")
        for k in range(5)
    ]
    prob = problem(operators=[operator("A")], requests=events, venues=[{"id": "GOR", "surveyed": False}])
    plan = solve(prob, SolveOptions(exact_search=False))
    assert any(r.startswith("survey of GOR") for r in plan.restrictions), plan.restrictions
    assert validate_claims(prob, plan) == [] and validate_plan(prob, plan) == []
    assert solve(prob, SolveOptions(exact_search=True)).restrictions == []
    assert solve(prob).restrictions == []  # a problem this small is searched whole by default


def test_between_equals_the_earlier_letter_is_served() -> None:
    # Two normal meetings at the same time, one host: the letter dated first wins, whichever was entered first
    # and whatever its reference.
    early = request("B-EARLY", "09:00", "10:00", letter_date="2027-02-01")
    late = request("A-LATE", "09:30", "10:30", letter_date="2027-02-05")
    for order in ([early, late], [late, early]):
        plan = solve(problem(hosts=[host("H1")], requests=order))
        assert [a.request for a in plan.assignments] == ["B-EARLY"] and plan.status is SolverStatus.OPTIMAL
        (why,) = plan.unserved
        assert why.request == "A-LATE" and "B-EARLY" in why.reason
        assert "B-EARLY: same priority, earlier letter" in why.reason and "surat lebih dulu" in why.reason_id


def test_a_limited_survey_search_is_proven_optimal_by_its_relaxation() -> None:
    """The survey of GOR is searched at its 16 latest workable starts only; the same part with the survey free (any
    workable time, no operator) can do no better on any level, so the limited plan is optimal for the real problem,
    as the search without limits confirms."""
    events = [
        request(f"E{k}", "09:00", "10:00", service="operator", venue="GOR", day=f"2027-03-{10 + k:02d}")
        for k in range(5)
    ]
    prob = problem(operators=[operator("A")], requests=events, venues=[{"id": "GOR", "surveyed": False}])
    plan = solve(prob, SolveOptions(exact_search=False))
    assert any(r.startswith("survey of GOR") for r in plan.restrictions)
    assert plan.status is SolverStatus.OPTIMAL and validate_claims(prob, plan) == []
    exact = solve(prob, SolveOptions(exact_search=True))
    assert [(t.value, t.bound) for t in plan.objective] == [(t.value, t.value) for t in exact.objective]


def test_a_survey_the_limits_push_onto_a_day_off_is_not_called_optimal() -> None:
    """Monday's event at a new venue: the survey's latest workable starts are Friday's and Thursday's, days A does not
    otherwise work; on Wednesday A works anyway. The limited plan calls A in for a day the real problem does not
    need: its preferences are not called optimal, and the bound the relaxation proves is the real optimum's."""
    monday = request("MON", "09:00", "10:00", service="operator", venue="GOR", day="2027-03-08")
    wednesday = request("WED", "10:00", "11:00", service="operator", day="2027-03-03")
    prob = problem(operators=[operator("A", shifts=WEEKDAYS)], requests=[monday, wednesday],
                   venues=[{"id": "GOR", "surveyed": False}])  # fmt: skip
    plan = solve(prob, SolveOptions(exact_search=False))
    exact = solve(prob, SolveOptions(exact_search=True))
    survey = next(a.survey for a in exact.assignments if a.survey is not None)
    assert survey.start.astimezone(WIB).date() == datetime(2027, 3, 3).date()  # with WED, on Wednesday
    assert exact.status is SolverStatus.OPTIMAL and exact.term("preferences").value == 20
    assert plan.term("preferences").value == 30 and plan.term("preferences").bound == 20
    assert plan.status is SolverStatus.FEASIBLE and plan.term("served_weight").optimal
    assert validate_claims(prob, plan) == []


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(workflow_problems())
def test_what_a_limited_search_claims_holds_against_the_search_without_limits(prob: Problem) -> None:
    """Bounds from the limits' arithmetic or from the surveys' relaxation: each is true of the real optimum (as the
    search without limits proves it), level by level while the levels above agree; a term called optimal is it."""
    limited = solve(prob, SolveOptions(exact_search=False, time_limit_s=10))
    exact = solve(prob, SolveOptions(exact_search=True, time_limit_s=10))
    if exact.status is not SolverStatus.OPTIMAL:
        return
    for mine, real in zip(limited.objective, exact.objective, strict=True):
        assert (mine.bound >= real.value) if mine.sense == "maximize" else (mine.bound <= real.value), mine
        if mine.optimal:
            assert mine.value == real.value, (mine, limited.restrictions)
        if mine.value != real.value:
            break  # the levels below compare plans of different served weight (or changes)


def test_a_wide_flexible_window_searched_near_its_wish_is_proven_by_its_relaxation() -> None:
    """A request that may move anywhere in three days is searched at its 48 nearest starts; its wished time is
    free, so the same part with every start left out served free of resources does no better: optimal."""
    flex = request("FLEX", "10:00", "11:00", service="link_operator", window_start="2027-03-01T07:00",
                   window_end="2027-03-03T17:00")  # fmt: skip
    prob = problem(hosts=[host("H1")], operators=[operator("A")], requests=[flex])
    plan = solve(prob, SolveOptions(exact_search=False))
    assert plan.restrictions == ["FLEX: only the 48 starts nearest the requested one were searched"]
    assert plan.status is SolverStatus.OPTIMAL and validate_claims(prob, plan) == []


def test_a_flexible_request_served_only_far_from_its_wish_is_not_called_optimal() -> None:
    """The only host is busy from 04:00 to 22:00 (a higher-priority meeting): the 48 starts nearest the wished
    10:00 all collide, the late evening is free. The limited search cannot serve it, and the relaxation's bound
    says a plan may: feasible, with a bound the search without limits reaches."""
    busy = request("BUSY", "04:00", "22:00", priority="high")
    flex = request("FLEX", "10:00", "11:00", window_start="2027-03-01T00:00", window_end="2027-03-01T23:45")
    prob = problem(hosts=[host("H1", max_concurrent=1)], requests=[busy, flex])
    plan = solve(prob, SolveOptions(exact_search=False))
    exact = solve(prob, SolveOptions(exact_search=True))
    assert plan.assignment_for("FLEX") is None and exact.assignment_for("FLEX") is not None
    served = plan.term("served_weight")
    assert plan.status is SolverStatus.FEASIBLE and not served.optimal
    assert served.bound >= exact.term("served_weight").value > served.value
