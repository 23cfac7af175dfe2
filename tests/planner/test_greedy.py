"""The greedy first plan handed to CP-SAT: feasible as it stands, heaviest first."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from ortools.sat.python import cp_model

from allocator.planner.candidates import CandidateBuilder, Candidates, Role, to_minutes
from allocator.planner.domain import Assignment, Problem, TaskSlot
from allocator.planner.greedy import greedy_hint, published_tasks
from allocator.planner.model import AllocationModel, Workflow, assignments, build_model
from allocator.planner.solver import active_requests, solve
from allocator.planner.workflow import expand_request, survey_positions
from tests.planner.factories import host, operator, problem, request


def test_greedy_hint_is_feasible_and_serves_the_heavier_request() -> None:
    reqs = [
        request("LOW", "09:00", "11:00", service="link_operator", priority="low"),
        request("BOSS", "10:00", "12:00", service="link_operator", priority="head_of_region"),
        request("FLEX", "10:00", "11:00", window_start="2027-03-01T08:00", window_end="2027-03-01T13:00",
                kits=[{"kit": "CAM"}]),
    ]  # fmt: skip
    prob = problem(hosts=[host("H1"), host("H2")], operators=[operator("A")], requests=reqs,
                   kit_types=[{"id": "CAM", "stock": 1}])  # fmt: skip
    builder = CandidateBuilder(prob)
    cands = [c for r in active_requests(prob) for c in expand_request(builder, r)]
    m = build_model(prob, cands, {}, {}, workflow=Workflow(kit_stock={"CAM": 1}))
    values = dict(greedy_hint(m))
    served = {cands[p].ref for p, v in m.served.items() if values[v]}
    assert "BOSS" in served and "LOW" not in served and "FLEX" in served
    for var, value in values.items():
        m.model.add(var == value)
    assert cp_model.CpSolver().solve(m.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)


def test_greedy_hint_places_the_published_plan_first_and_fits_newcomers_around_it() -> None:
    """A re-plan's hint: published assignments as they were (the host and operator they had), the newcomer on
    what is left."""
    reqs = [request("OLD", "09:00", "10:00", service="link_operator"), request("NEW", "09:00", "10:00")]
    prob = problem(hosts=[host("SMALL", 100), host("BIG", 500)], operators=[operator("A"), operator("B")],
                   requests=reqs)  # fmt: skip
    builder = CandidateBuilder(prob)
    cands = [c for r in active_requests(prob) for c in expand_request(builder, r)]
    old = next(pos for pos, c in enumerate(cands) if c.ref == "OLD")
    published = {old: Assignment(request="OLD", host="SMALL", operators=["B"])}
    m = build_model(prob, cands, {}, published)

    def chosen(values: dict[Any, int]) -> dict[str, tuple[str, list[str]]]:
        return {a.request: (a.host or "", a.operators) for a in assignments(m, lambda v: values.get(v, 0))}

    fresh = chosen(dict(greedy_hint(m)))
    assert fresh["OLD"] == ("BIG", ["A"])  # on its own: NEW comes first (by start, then ref) and takes SMALL
    replan = chosen(dict(greedy_hint(m, m.kept_as)))
    assert replan == {"OLD": ("SMALL", ["B"]), "NEW": ("BIG", [])}


def _model(prob: Problem, published: dict[str, Assignment] | None = None) -> tuple[list[Candidates], AllocationModel]:
    builder = CandidateBuilder(prob)
    cands = [c for r in active_requests(prob) for c in expand_request(builder, r)]
    cands += survey_positions(builder, cands, [])
    published = published or {}
    previous = {
        pos: published[c.ref]
        for pos, c in enumerate(cands)
        if c.role is Role.EVENT and c.ref in published and c.start == to_minutes(c.request.start)
    }
    stock = {k.id: k.stock for k in prob.kit_types}
    return cands, build_model(prob, cands, {}, previous, workflow=Workflow(kit_stock=stock))


def _served(cands: list[Candidates], m: AllocationModel, values: dict[Any, int]) -> set[str]:
    return {f"{cands[p].role.value}:{cands[p].ref}" for p, v in m.served.items() if values.get(v)}


def _feasible(m: AllocationModel, values: dict[Any, int]) -> bool:
    for var, value in values.items():
        m.model.add(var == value)
    return cp_model.CpSolver().solve(m.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)


def test_greedy_hint_counts_kits_at_their_busiest_moment() -> None:
    """Two short loans at either end of a long one: at most two kits out at once, so all three fit two kits."""
    reqs = [
        request("EARLY", "07:00", "08:00", kits=[{"kit": "CAM"}]),
        request("LATE", "15:00", "16:00", kits=[{"kit": "CAM"}]),
        request("LONG", "07:30", "15:30", kits=[{"kit": "CAM"}], priority="low"),
    ]
    prob = problem(hosts=[host("H1"), host("H2"), host("H3")], requests=reqs, kit_types=[{"id": "CAM", "stock": 2}])
    cands, m = _model(prob)
    values = dict(greedy_hint(m))
    assert _served(cands, m, values) == {"event:EARLY", "event:LATE", "event:LONG"}
    assert _feasible(m, values)


def test_greedy_hint_keeps_a_published_event_with_its_mandatory_rehearsal() -> None:
    """The published rehearsal is placed too, so the event that cannot be served without it stays in the hint."""
    ev = request("EV", "13:00", "15:00", service="link_operator", venue="AULA",
                 rehearsal={"duration_min": 60, "window_start_min_before": 360, "end_min_before": 60,
                            "mode": "online", "mandatory": True})  # fmt: skip
    prob = problem(hosts=[host("H1"), host("H2")], operators=[operator("A")], requests=[ev])
    slot = TaskSlot(start=ev.start - timedelta(hours=3), end=ev.start - timedelta(hours=2), host="H2", operators=["A"])
    cands, m = _model(prob, {"EV": Assignment(request="EV", host="H1", operators=["A"], rehearsal=slot)})
    tasks = published_tasks(m, {p: Assignment(request="EV", host="H1", operators=["A"], rehearsal=slot)
                                for p in m.kept_as})  # fmt: skip
    assert [(cands[k].role, to_minutes(slot.start) == cands[k].start) for k in tasks] == [(Role.REHEARSAL, True)]
    # Without the published slot the pass places a rehearsal of its own (the latest that fits), not none.
    assert _served(cands, m, dict(greedy_hint(m, m.kept_as))) == {"event:EV", "rehearsal:EV"}
    values = dict(greedy_hint(m, m.kept_as, tasks))
    assert _served(cands, m, values) == {"event:EV", "rehearsal:EV"}
    assert _feasible(m, values)


def test_greedy_hint_lets_a_higher_tier_newcomer_displace_a_published_request() -> None:
    old = request("OLD", "09:00", "10:00")
    for priority, expected in (("normal", {"event:OLD"}), ("head_of_region", {"event:NEW"})):
        new = request("NEW", "09:00", "10:00", priority=priority)
        cands, m = _model(problem(hosts=[host("H")], requests=[old, new]),
                          {"OLD": Assignment(request="OLD", host="H")})  # fmt: skip
        values = dict(greedy_hint(m, m.kept_as))
        assert _served(cands, m, values) == expected
        assert _feasible(m, values)


def test_greedy_hint_keeps_a_published_event_at_a_new_venue_with_its_survey() -> None:
    ev = request("E1", "13:00", "15:00", service="operator", venue="GOR")
    base = problem(operators=[operator("A")], requests=[ev])
    prob = Problem.model_validate({**base.model_dump(), "venues": [{"id": "GOR", "surveyed": False}]})
    published = solve(prob).assignment_for("E1")
    assert published is not None and published.survey is not None
    cands, m = _model(prob, {"E1": published})
    tasks = published_tasks(m, {p: published for p in m.kept_as})
    assert [cands[k].role for k in tasks] == [Role.SURVEY]
    alone = dict(greedy_hint(m, m.kept_as))  # without the published survey the pass places one of its own
    assert _served(cands, m, alone) == {"event:E1", "survey:GOR"}
    values = dict(greedy_hint(m, m.kept_as, tasks))
    assert _served(cands, m, values) == {"event:E1", "survey:GOR"}
    assert _feasible(m, values)


def test_the_letter_order_pass_places_rehearsals_and_surveys_and_stays_feasible() -> None:
    """First come, first served with every rule on: the earlier letter wins the clash, the new venue gets its
    survey, the mandatory rehearsal its slot, and the pass is a plan the model accepts as it stands."""
    rehearsal = {"duration_min": 60, "window_start_min_before": 360, "end_min_before": 60, "mandatory": True}
    first = request("FIRST", "13:00", "15:00", service="operator", venue="GOR", priority="low",
                    letter_date="2027-02-01", rehearsal={**rehearsal, "mode": "on_site"})  # fmt: skip
    later = request("LATER", "13:30", "14:30", service="operator", letter_date="2027-02-05", priority="high")
    base = problem(operators=[operator("A")], requests=[later, first])
    prob = Problem.model_validate({**base.model_dump(), "venues": [{"id": "GOR", "surveyed": False}]})
    cands, m = _model(prob)
    by_letter = dict(greedy_hint(m, order="letter"))
    assert _served(cands, m, by_letter) == {"event:FIRST", "rehearsal:FIRST", "survey:GOR"}
    assert _served(cands, m, dict(greedy_hint(m))) == {"event:LATER"}  # heaviest first
    assert _feasible(m, by_letter)
