"""A re-plan changes as little as people feel: a meeting that must move keeps its host (its join link) and its
operator when it can, and a published rehearsal keeps its host."""

from __future__ import annotations

from datetime import datetime

from allocator.planner.domain import Assignment
from allocator.planner.solver import SolveOptions, solve
from allocator.planner.validate import validate_plan
from tests.planner.factories import DAY, host, operator, problem, request


def test_a_moved_meeting_keeps_its_host_and_operator() -> None:
    flexible = request("F", "10:00", "11:00", service="link_operator", window_start=f"{DAY}T10:00",
                       window_end=f"{DAY}T12:00")  # fmt: skip
    other = request("G", "10:30", "11:00", service="link")
    urgent = request("URGENT", "10:00", "11:00", service="link", priority="head_of_region")
    published = [
        Assignment(request="F", host="H1", operators=["A"], start=datetime.fromisoformat(f"{DAY}T10:00+07:00"),
                   end=datetime.fromisoformat(f"{DAY}T11:00+07:00")),
        Assignment(request="G", host="H2"),
    ]  # fmt: skip
    for hosts in (["H1", "H2"], ["H2", "H1"]):  # whichever order the hosts are listed in
        prob = problem(hosts=[host(h) for h in hosts], operators=[operator("A"), operator("B")],
                       requests=[flexible, other, urgent], previous=published, notified=["F", "G"])  # fmt: skip
        plan = solve(prob, SolveOptions(alternatives=False))
        assert validate_plan(prob, plan) == []
        f = plan.assignment_for("F")
        assert plan.assignment_for("URGENT") is not None and f is not None and f.start != published[0].start
        assert (f.host, f.operators) == ("H1", ["A"])  # moved, but the same link and the same operator
        assert plan.term("changes").value == 1
