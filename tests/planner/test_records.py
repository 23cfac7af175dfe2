"""Records let a re-plan keep what did not change: they must match across processes and only when nothing moved."""

from __future__ import annotations

import os
import subprocess
import sys
from types import ModuleType
from typing import Any

import pytest
from ortools.sat.python import cp_model

import allocator.planner.levels as levels_module
import allocator.planner.rehearsals as rehearsals_module
import allocator.planner.solver as solver_module
from allocator.planner.domain import Plan, Problem
from allocator.planner.rehearsals import RECORD_PREFIX
from allocator.planner.solver import SolveOptions, solve
from tests.planner.factories import host, operator, problem, request
from tests.planner.test_workflow_rules import OFFICE, _rehearsed, with_

FINGERPRINT_SCRIPT = """
from allocator.planner.model import Workflow
from allocator.planner.parts import Part
from allocator.planner.reuse import fingerprint, site_digest
from tests.planner.factories import problem, request
from allocator.planner.candidates import CandidateBuilder
from dataclasses import replace
prob = problem(requests=[request("A", "09:00", "10:00")])
cands = [replace(CandidateBuilder(prob).build(prob.requests[0]), kits=(("CAM", 1),))]
venues = frozenset(f"VENUE-{i}" for i in range(12))
comp = Part(cands=cands, fixed={}, previous={}, workflow=Workflow(surveyed=venues))
print(fingerprint(prob, comp, site_digest(prob, {"CAM": 2}, [])))
"""


def test_part_fingerprint_is_the_same_in_every_process() -> None:
    """A daemon restarted (another string-hash seed) must still recognise its unchanged parts."""
    digests = set()
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run([sys.executable, "-c", FINGERPRINT_SCRIPT], env=env, capture_output=True, text=True,
                             check=True)  # fmt: skip
        digests.add(out.stdout.strip())
    assert len(digests) == 1


def _with_rehearsals() -> Problem:
    return problem(
        hosts=[host("H1"), host("H2")],
        operators=[operator("A", shifts=OFFICE), operator("B", shifts=OFFICE)],
        requests=[_rehearsed("EV1"), _rehearsed("EV2"), request("OTHER", "09:00", "10:00", service="link_operator")],
    )


def _again(prob: Problem, plan: Plan, **kw: Any) -> Problem:
    kw.setdefault("previous_records", [r.model_dump() for r in plan.records])
    return with_(prob, previous=[a.model_dump() for a in plan.assignments], **kw)


def _count_placement_solves(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = rehearsals_module.build_model

    def counting(*args: Any, **kw: Any) -> Any:
        calls.append(1)
        return real(*args, **kw)

    monkeypatch.setattr(rehearsals_module, "build_model", counting)
    return calls


def test_unchanged_rehearsal_placement_is_kept_without_solving(monkeypatch: pytest.MonkeyPatch) -> None:
    prob = _with_rehearsals()
    first = solve(prob)
    assert any(r.fingerprint.startswith(RECORD_PREFIX) for r in first.records)
    assert {a.request for a in first.assignments if a.rehearsal} == {"EV1", "EV2"}
    calls = _count_placement_solves(monkeypatch)
    again = solve(_again(prob, first))
    assert calls == []
    assert again.assignments == first.assignments
    assert sum(a.rehearsal is not None for a in again.assignments) == 2


def test_rehearsal_placement_is_solved_again_when_its_input_changed(monkeypatch: pytest.MonkeyPatch) -> None:
    prob = _with_rehearsals()
    first = solve(prob)
    calls = _count_placement_solves(monkeypatch)
    # A newcomer in the rehearsals' morning: the published slots may no longer be the best (or even free).
    newcomer = request("NEW", "08:00", "12:00", service="link_operator", priority="high")
    changed = _again(prob, first, requests=[*[r.model_dump() for r in prob.requests], newcomer.model_dump()])
    again = solve(changed)
    assert calls != []
    assert again.assignment_for("NEW") is not None
    assert {a.request for a in again.assignments if a.rehearsal} == {"EV1", "EV2"}


def test_a_part_cut_short_is_kept_unsolved_with_the_bound_it_reached(monkeypatch: pytest.MonkeyPatch) -> None:
    prob = _with_rehearsals()
    first = solve(prob)
    served = first.term("served_weight").value
    parts = [r for r in first.records if not r.fingerprint.startswith(RECORD_PREFIX)]
    assert len(parts) == 1 and parts[0].served_bound is None  # one part, proven: no bound to remember
    # As if the time limit had cut the part short: its record carries the bound it reached.
    cut = [r.model_copy(update={"served_bound": served + 10}) if r in parts else r for r in first.records]
    solved: list[int] = []
    real = solver_module.solve_level
    monkeypatch.setattr(solver_module, "solve_level", lambda *a: solved.append(1) or real(*a))
    again = solve(_again(prob, first, previous_records=[r.model_dump() for r in cut]))
    assert solved == [] and again.assignments == first.assignments
    term = again.term("served_weight")
    # Every request is served: the plan claims that, not the record's bound beyond everything's weight.
    assert (term.value, term.bound, term.optimal) == (served, served, True)
    assert [r.served_bound for r in again.records if r.fingerprint == parts[0].fingerprint] == [served + 10]


def outcomes_of(monkeypatch: pytest.MonkeyPatch, module: ModuleType, name: str) -> list[bool]:
    """What each call of the function `name`, as `module` calls it, returned, in order."""
    outcomes: list[bool] = []
    real = getattr(module, name)

    def spying(*args: Any) -> bool:
        outcomes.append(real(*args))
        return outcomes[-1]

    monkeypatch.setattr(module, name, spying)
    return outcomes


def _fit_attempts(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    return outcomes_of(monkeypatch, levels_module, "fits_around_published")


def _morning(hosts: int) -> tuple[Problem, Plan]:
    prob = problem(
        hosts=[host(f"H{i}") for i in range(1, hosts + 1)],
        operators=[operator("A", shifts=OFFICE), operator("B", shifts=OFFICE)],
        requests=[request(ref, "09:00", "10:00", service="link_operator") for ref in ("X", "Y", "Z")],
    )
    return prob, solve(prob)


def plus_newcomers(prob: Problem, plan: Plan, *newcomers: Any, **kw: Any) -> Problem:
    """A re-plan of `prob` on `plan` (its assignments, records and explanations) with `newcomers` added."""
    return _again(prob, plan, requests=[*[r.model_dump() for r in prob.requests], *[n.model_dump() for n in newcomers]],
                  previous_unserved=[u.model_dump() for u in plan.unserved], **kw)  # fmt: skip


def test_a_newcomer_that_fits_around_the_published_plan_needs_no_search(monkeypatch: pytest.MonkeyPatch) -> None:
    prob, first = _morning(hosts=3)
    assert len(first.unserved) == 1  # two operators for three meetings
    fits = _fit_attempts(monkeypatch)
    changed = plus_newcomers(prob, first, request("NEW", "09:30", "10:30", service="link"))  # the third host is free
    again = solve(changed)
    assert fits == [True]
    fresh = solve(changed, SolveOptions(reuse_unchanged=False))
    for name in ("served_weight", "changes"):
        term = again.term(name)
        assert term.optimal and term.value == term.bound == fresh.term(name).value
    assert again.assignment_for("NEW") is not None
    assert [again.assignment_for(a.request) for a in first.assignments] == first.assignments  # nothing moved


def test_a_newcomer_that_does_not_fit_is_searched_for_as_usual(monkeypatch: pytest.MonkeyPatch) -> None:
    prob, first = _morning(hosts=2)
    fits = _fit_attempts(monkeypatch)
    # Both hosts are taken; a high-priority newcomer may displace a published meeting, which the check rules out.
    changed = plus_newcomers(prob, first, request("NEW", "09:30", "10:30", service="link", priority="high"))
    again = solve(changed)
    assert fits == [False]
    assert again.assignment_for("NEW") is not None and again.term("changes").value == 1
    assert again.term("served_weight").value == solve(changed, SolveOptions(reuse_unchanged=False)).term(
        "served_weight").value  # fmt: skip


def test_without_records_the_served_weight_is_not_assumed(monkeypatch: pytest.MonkeyPatch) -> None:
    prob, first = _morning(hosts=3)
    fits = _fit_attempts(monkeypatch)
    again = solve(plus_newcomers(prob, first, request("NEW", "09:30", "10:30", service="link"), previous_records=[]))
    assert fits == [False] and again.assignment_for("NEW") is not None and again.term("changes").optimal


def test_an_unchanged_placement_is_kept_whole_without_grouping(monkeypatch: pytest.MonkeyPatch) -> None:
    prob = _with_rehearsals()
    first = solve(prob)
    assert any(r.fingerprint.startswith(f"{RECORD_PREFIX}all:") for r in first.records)
    grouped: list[int] = []
    real = rehearsals_module._groups
    monkeypatch.setattr(rehearsals_module, "_groups", lambda *a: grouped.append(1) or real(*a))
    again = solve(_again(prob, first))
    assert grouped == [] and again.assignments == first.assignments
    assert {r.fingerprint for r in again.records} >= {r.fingerprint for r in first.records if
                                                      r.fingerprint.startswith(RECORD_PREFIX)}  # fmt: skip
    # A newcomer that takes an operator's morning changes the input: the groups are formed and placed again.
    newcomer = request("NEW", "08:00", "12:00", service="link_operator", priority="high")
    solve(_again(prob, first, requests=[*[r.model_dump() for r in prob.requests], newcomer.model_dump()]))
    assert grouped != []


@pytest.mark.parametrize(("priority", "eager"), [("normal", True), ("head_of_region", False)])
def test_replan_adds_every_lp_row_at_once_only_where_nothing_published_may_give_way(
    monkeypatch: pytest.MonkeyPatch, priority: str, eager: bool
) -> None:
    """A newcomer that outranks nothing published makes the re-plan's first run a proof: all LP rows up front."""
    old = request("OLD", "09:00", "10:00")
    prob = problem(hosts=[host("H")], requests=[old])
    first = solve(prob)
    new = request("NEW", "09:00", "10:00", priority=priority)
    again = with_(prob, requests=[old, new], previous=first.assignments, previous_records=first.records,
                  previous_unserved=first.unserved)  # fmt: skip
    seen: list[bool] = []
    real = cp_model.CpSolver

    class Spy(real):  # type: ignore[misc, valid-type]
        def solve(self, model: Any, *args: Any, **kw: Any) -> Any:
            if self.parameters.max_presolve_iterations == 1:  # the re-plan's combined first run
                seen.append(not self.parameters.add_lp_constraints_lazily)
            return super().solve(model, *args, **kw)

    monkeypatch.setattr(cp_model, "CpSolver", Spy)
    plan = solve(again)
    assert seen == [eager]
    assert (plan.assignment_for("NEW") is not None) is (priority == "head_of_region")


def test_a_re_plan_records_the_rehearsal_groups_away_from_its_newcomers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Groups without a newcomer's event keep their digest: the next re-plan finds them; the one around the
    newcomer is placed again the next time something near it changes."""
    monday, tuesday = "2027-03-01", "2027-03-02"
    prob = problem(
        hosts=[host("H1"), host("H2")],
        operators=[operator("A", shifts=OFFICE), operator("B", shifts=OFFICE)],
        requests=[_rehearsed("EV1", day=monday), _rehearsed("EV2", day=tuesday)],
    )
    first = solve(prob)
    group_records = [
        r for r in first.records if r.fingerprint.startswith(RECORD_PREFIX) and "all:" not in r.fingerprint
    ]
    assert len(group_records) == 2  # a first plan forms the groups the next placement will
    new = _rehearsed("NEW", day=tuesday)
    plan = solve(plus_newcomers(prob, first, new))
    assert plan.assignment_for("NEW") is not None and plan.assignment_for("NEW").rehearsal is not None  # type: ignore[union-attr]
    kept = [r for r in plan.records if r.fingerprint.startswith(RECORD_PREFIX) and "all:" not in r.fingerprint]
    assert len(kept) == 1 and kept[0] in group_records  # Monday's, as the first plan recorded it
    # Something changes on Wednesday: Monday's group is found by its record, Tuesday's is placed again.
    calls = _count_placement_solves(monkeypatch)
    later = request("LATER", "09:00", "10:00", day="2027-03-03", service="link_operator")
    again = solve(plus_newcomers(with_(prob, requests=[*prob.requests, new]), plan, later))
    assert len(calls) == 1
    assert [again.assignment_for(r) for r in ("EV1", "EV2", "NEW")] == [plan.assignment_for(r) for r in
                                                                          ("EV1", "EV2", "NEW")]  # fmt: skip
