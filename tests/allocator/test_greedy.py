"""The greedy first plan handed to CP-SAT: feasible as it stands, heaviest first."""

from __future__ import annotations

from ortools.sat.python import cp_model

from allocator.candidates import CandidateBuilder
from allocator.greedy import greedy_hint
from allocator.model import Workflow, build_model
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
