"""The greedy first plan handed to CP-SAT: feasible as it stands, heaviest first."""

from __future__ import annotations

from typing import Any

from ortools.sat.python import cp_model

from allocator.candidates import CandidateBuilder
from allocator.domain import Assignment
from allocator.greedy import greedy_hint
from allocator.model import Workflow, assignments, build_model
from allocator.solver import active_requests
from allocator.workflow import expand_request
from tests.allocator.factories import host, operator, problem, request


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
