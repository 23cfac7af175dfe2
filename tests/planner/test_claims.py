"""A plan's claims hold of the plan itself: the values it reports are those of its assignments, a part whose
search found nothing keeps the greedy plan it had and says so, and the validator rejects any contradiction."""

from __future__ import annotations

from typing import Any

import pytest
from ortools.sat.python import cp_model

from allocator.planner.domain import Plan, Problem, Request, SolverStatus
from allocator.planner.solver import SolveOptions, solve
from allocator.planner.validate import validate_claims, validate_plan
from tests.planner.factories import DAY, host, operator, problem, request


def _busy_day() -> Problem:
    """Six operator meetings on one host pool and three operators: every one can be served."""
    times = [("08:00", "09:00"), ("08:30", "09:30"), ("10:00", "11:00"), ("10:30", "11:30"), ("13:00", "14:00"),
             ("13:30", "14:30")]  # fmt: skip
    return problem(
        hosts=[host("H1"), host("H2")],
        operators=[operator("A"), operator("B"), operator("C")],
        requests=[request(f"R{i}", s, e, service="link_operator") for i, (s, e) in enumerate(times)],
    )


def _first_search_finds_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The served level's search comes back with no plan, as a part cut short by its time limit does."""
    real = cp_model.CpSolver
    calls: list[int] = []

    class Unlucky(real):  # type: ignore[misc, valid-type]
        def solve(self, model: Any, *args: Any, **kw: Any) -> Any:
            calls.append(1)
            if len(calls) == 1:
                return cp_model.UNKNOWN
            return super().solve(model, *args, **kw)

    monkeypatch.setattr(cp_model, "CpSolver", Unlucky)


def test_a_part_whose_search_found_nothing_keeps_its_greedy_plan_and_claims_no_proof(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    prob = _busy_day()
    best = solve(prob)
    assert len(best.assignments) == 6 and best.status is SolverStatus.OPTIMAL
    _first_search_finds_nothing(monkeypatch)
    plan = solve(prob)  # raises InvalidPlan if a reported value contradicted the plan
    served = plan.term("served_weight")
    assert served.value == 10 * len(plan.assignments)  # what it reports is what it serves
    assert len(plan.assignments) == 6  # the greedy plan served all: the preferences level could not trade it away
    # Its bound is the one known without solving (all requests' weight): serving them all meets it, and only then is
    # the level called optimal.
    assert served.bound >= served.value and served.optimal == (served.value == served.bound)
    assert plan.status is SolverStatus.FEASIBLE or served.optimal


def _with_term(plan: Plan, name: str, **change: Any) -> Plan:
    terms = [t.model_copy(update=change) if t.name == name else t for t in plan.objective]
    return plan.model_copy(update={"objective": terms})


def test_the_validator_rejects_a_plan_that_contradicts_its_claims() -> None:
    prob = _busy_day()
    plan = solve(prob)
    assert validate_plan(prob, plan) == [] and validate_claims(prob, plan) == []
    served = plan.term("served_weight").value
    inflated = _with_term(plan, "served_weight", value=served + 10, bound=served + 10)
    assert any("reports 70, the plan has 60" in v for v in validate_claims(prob, inflated))
    beyond = _with_term(plan, "served_weight", bound=served - 1, optimal=False)
    assert any("beyond its bound" in v for v in validate_claims(prob, beyond))
    unproven = _with_term(plan, "preferences", bound=0, optimal=True)
    assert any("called optimal" in v for v in validate_claims(prob, unproven))
    status = _with_term(plan, "changes", optimal=False)
    assert any("status: optimal although" in v for v in validate_claims(prob, status))
    everything = sum(prob.policy.priority_weights[r.priority] for r in prob.requests)
    above = _with_term(plan, "served_weight", bound=everything + 1, optimal=False)
    assert any("above the weight of every request" in v for v in validate_claims(prob, above))
    assert not any(
        "above the weight" in v
        for v in validate_claims(prob, _with_term(plan, "served_weight", bound=everything, optimal=False))
    )


class _NothingButChecks(cp_model.CpSolver):  # type: ignore[misc]
    """Every search comes back with no plan in time; a check of a plan with its values fixed still runs."""

    def solve(self, model: Any, *args: Any, **kw: Any) -> Any:
        if self.parameters.fix_variables_to_their_hinted_value:
            return super().solve(model, *args, **kw)
        return cp_model.UNKNOWN


def test_a_re_plan_without_the_stability_rule_whose_search_finds_nothing_keeps_the_published_plan(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """When the published plan cannot all stay, the part is re-planned freely; if that search is cut short with no
    plan, the part keeps the published plan completed greedily. Before, it kept only what was pinned: a re-plan
    under time pressure unpublished nearly a whole month (1,136 of 1,160 meetings)."""
    prob = _busy_day()
    first = solve(prob)
    late = request("R6", "15:00", "16:00", service="link_operator")
    again = prob.model_copy(update={"requests": [*prob.requests, late],
                                    "previous": first.assignments})  # fmt: skip
    monkeypatch.setattr(cp_model, "CpSolver", _NothingButChecks)
    plan = solve(again, SolveOptions(stability=False, reuse_unchanged=False, alternatives=False))
    kept = {a.request for a in plan.assignments}
    assert {a.request for a in first.assignments} <= kept


def test_a_re_plan_under_the_stability_rule_whose_search_finds_nothing_keeps_the_published_plan(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Under the stability rule too, a re-plan cut short with no plan keeps the published plan completed greedily
    (checked against the model), never only what is pinned: under load a month's re-plan once kept 24 of 1,160."""
    prob = _busy_day()
    first = solve(prob)
    late = request("R6", "15:00", "16:00", service="link_operator")
    again = prob.model_copy(update={"requests": [*prob.requests, late], "previous": first.assignments})
    monkeypatch.setattr(cp_model, "CpSolver", _NothingButChecks)
    plan = solve(again, SolveOptions(reuse_unchanged=False, alternatives=False))
    assert {a.request for a in first.assignments} | {"R6"} == {a.request for a in plan.assignments}
    assert validate_plan(again, plan) == []


def test_a_greedy_plan_that_breaks_a_rule_is_not_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    """The greedy plan is kept without a search only when the model allows it: a hint with two meetings on one
    operator at once is refused, and the part keeps only what is pinned."""
    import allocator.planner.parts as parts_module

    prob = problem(
        hosts=[host("H1"), host("H2")],
        operators=[operator("A")],
        requests=[request("R1", "09:00", "10:00", service="link_operator"),
                  request("R2", "09:30", "10:30", service="link_operator")],
    )  # fmt: skip
    real = parts_module.published_hint

    def both_on_a(m: Any, previous: Any) -> Any:
        values = real(m, previous)
        for pos in m.served:
            values[m.served[pos]] = 1
        for key in m.operator:
            values[m.operator[key]] = 1
        for key in m.host:
            values[m.host[key]] = int(key[1] == key[0] % 2)
        return values

    monkeypatch.setattr(parts_module, "published_hint", both_on_a)
    monkeypatch.setattr(cp_model, "CpSolver", _NothingButChecks)
    plan = solve(prob, SolveOptions(alternatives=False))
    assert plan.assignments == [] and validate_plan(prob, plan) == []


def test_a_re_plans_greedy_plan_keeps_the_published_survey_as_the_venues_only_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The published plan completed greedily held the venue's published survey but did not know it was there: an
    event there that the first plan left out was fitted with a second, earlier survey (a venue has one), the check
    refused the whole plan, and a re-plan cut short kept nothing. Now the later event is left out instead."""
    from tests.planner.test_workflow_rules import OFFICE, with_

    prob = with_(
        problem(
            hosts=[host("H1")],
            operators=[operator("A", shifts=OFFICE)],
            requests=[request("BLOCK", "07:00", "12:00", service="operator", priority="head_of_region"),
                      request("EARLY", "10:00", "11:00", service="operator", venue="GOR", priority="low"),
                      request("LATE", "15:00", "16:00", service="operator", venue="GOR")],
        ),
        venues=[{"id": "GOR", "surveyed": False}],
    )  # fmt: skip
    first = solve(prob)
    late = first.assignment_for("LATE")
    assert first.assignment_for("EARLY") is None and late is not None and late.survey is not None
    freed = prob.model_copy(
        update={"requests": [r for r in prob.requests if r.ref != "BLOCK"], "previous": first.assignments}
    )
    monkeypatch.setattr(cp_model, "CpSolver", _NothingButChecks)
    plan = solve(freed, SolveOptions(reuse_unchanged=False, alternatives=False))
    assert plan.assignment_for("LATE") == late and validate_plan(freed, plan) == []


def _re_plan_with_a_governor() -> tuple[Problem, Plan]:
    """The busy day published, then a head-of-region meeting that only fits by displacing one published meeting."""
    only = _busy_day().model_copy(update={"hosts": [host("H1")], "operators": [operator("A")]})
    first = solve(only)
    governor = request("GOV", "08:00", "09:30", service="link_operator", priority="head_of_region")
    again = only.model_copy(update={"requests": [*only.requests, governor], "previous": first.assignments})
    return again, solve(again, SolveOptions(alternatives=False))


def test_the_validator_recomputes_a_re_plans_changes_and_rejects_a_tampered_count() -> None:
    """The changes level is recomputed from the published plan (`Problem.previous`) and the plan alone: a plan that
    under-reports the published meetings it moves is rejected, saying how many were not kept."""
    prob, plan = _re_plan_with_a_governor()
    assert plan.assignment_for("GOV") is not None
    published = {a.request: a for a in prob.previous}
    moved = [ref for ref, a in published.items() if plan.assignment_for(ref) != a]
    changes = plan.term("changes")
    assert changes.value == len(moved) >= 1
    assert validate_claims(prob, plan) == []
    hidden = _with_term(plan, "changes", value=0, bound=0, optimal=True)
    found = validate_claims(prob, hidden)
    assert any(
        f"objective changes: reports 0, but {len(moved)} of the {len(published)} published assignments" in v
        for v in found
    ), found
    above = _with_term(plan, "changes", bound=changes.value + 1, optimal=False)
    assert any("objective changes: value" in v and "beyond its bound" in v for v in validate_claims(prob, above))


def test_changes_count_a_published_time_the_request_can_no_longer_take() -> None:
    """A flexible meeting published at 10:00 whose window the office then moved to the afternoon cannot keep its
    time: one change, in the value and in the bound alike (no position could keep it), and the validator agrees.
    One published before the request was made flexible is at its preferred time, and is kept there."""
    moved = request("MOVED", "10:00", "11:00", window_start=f"{DAY}T08:00", window_end=f"{DAY}T12:00")
    made = request("MADE", "09:00", "10:00")
    prob = problem(hosts=[host("H1"), host("H2")], requests=[moved, made])
    first = solve(prob)
    afternoon = {"start": f"{DAY}T14:00", "end": f"{DAY}T15:00", "window_start": f"{DAY}T13:00",
                 "window_end": f"{DAY}T17:00"}  # fmt: skip
    flexible = {"window_start": f"{DAY}T08:00", "window_end": f"{DAY}T12:00"}
    requests = [
        Request.model_validate(moved.model_dump() | afternoon),
        Request.model_validate(made.model_dump() | flexible),
    ]
    again = prob.model_copy(update={"requests": requests, "previous": first.assignments})
    plan = solve(again, SolveOptions(alternatives=False))
    changes = plan.term("changes")
    assert (changes.value, changes.bound, changes.optimal) == (1, 1, True)
    kept, published = plan.assignment_for("MADE"), first.assignment_for("MADE")
    assert kept is not None and published is not None and published.start is None
    assert (kept.host, kept.start) == (published.host, requests[1].start)  # kept, at its preferred time: no change
    assert validate_claims(again, plan) == []
