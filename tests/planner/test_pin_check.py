"""A pin is checked before it is stored: what the request and the named resources say on their own, then the
planner on the problem with the pin added. Every refusal is in words, in both languages, naming what clashes."""

from __future__ import annotations

from pathlib import Path

import pytest

from allocator.planner.domain import Pin, Problem
from allocator.planner.pin_check import pin_refusals, with_series_host
from allocator.planner.solver import solve
from allocator.problem_files import load_problem

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "example-problem.json"


@pytest.fixture(scope="module")
def planned() -> Problem:
    """The example with its plan published (as `previous`), as the store hands it to a re-plan."""
    problem = load_problem(EXAMPLE)
    plan = solve(problem)
    return problem.model_copy(update={"previous": plan.assignments})


def _texts(problem: Problem, pin: Pin) -> list[str]:
    return [r.text("en") for r in pin_refusals(problem, pin)]


def test_a_pin_where_the_plan_has_it_holds(planned: Problem) -> None:
    a = next(a for a in planned.previous if a.request == "PSR-00001")
    assert pin_refusals(planned, Pin(request=a.request, host=a.host, operators=a.operators)) == []


def test_what_the_request_and_resources_say_on_their_own(planned: Problem) -> None:
    big = next(r for r in planned.requests if r.participants > 300 and r.needs_host)
    ops = ["OP01"][: big.operator_count]
    assert any("it seats 100" in t for t in _texts(planned, Pin(request=big.ref, host="H100", operators=ops)))
    assert _texts(planned, Pin(request="PSR-00001", host="H500", operators=[])) == [
        "the request needs 1 different operator(s), 0 chosen"
    ]
    assert _texts(planned, Pin(request="PSR-00001", host="NOPE", operators=["OP04"])) == [
        "host NOPE is unknown or inactive"
    ]
    ids = [r.text("id") for r in pin_refusals(planned, Pin(request="PSR-00001", host="NOPE", operators=["OP04"]))]
    assert ids == ["host NOPE tidak dikenal atau tidak aktif"]


def test_a_pin_that_clashes_with_another_pin_names_it(planned: Problem) -> None:
    held = planned.model_copy(update={"pins": [Pin(request="PSR-00001", host="H100", operators=["OP04"])]})
    texts = _texts(held, Pin(request="PSR-00002", host="H100", operators=[]))
    assert len(texts) == 1 and "(PSR-00001)" in texts[0] and "clashes" in texts[0]
    # the problem's own pins are untouched, and a pin elsewhere holds
    assert [p.request for p in held.pins] == ["PSR-00001"]
    assert pin_refusals(held, Pin(request="PSR-00002", host="H300B", operators=[])) == []


def test_one_occurrence_of_a_series_is_pinned_on_the_series_host() -> None:
    from tests.planner.factories import host, operator, problem, request

    series = {"repeat": "daily", "count": 3, "policy": "all_or_nothing"}
    p = problem(hosts=[host("H1"), host("H2")], operators=[operator("OP1"), operator("OP2")],
                requests=[request("LAT", "09:00", "12:00", service="link_operator", series=series)])  # fmt: skip
    plan = solve(p)
    assert sorted(a.request for a in plan.assignments) == ["LAT:1", "LAT:2", "LAT:3"]
    on = plan.assignments[0].host
    assert on is not None
    other = "H2" if on == "H1" else "H1"
    published = p.model_copy(update={"previous": plan.assignments})
    # No host named: the series' host from the published plan, then from another occurrence's pin.
    assert with_series_host(published, Pin(request="LAT:2", operators=["OP2"])).host == on
    pinned = p.model_copy(update={"pins": [Pin(request="LAT:1", host=other, operators=["OP1"])]})
    assert with_series_host(pinned, Pin(request="LAT:2", operators=["OP2"])).host == other
    assert with_series_host(p, Pin(request="LAT:2", operators=["OP2"])).host is None  # nothing holds it yet
    assert pin_refusals(published, Pin(request="LAT:2", host=on, operators=["OP2"])) == []
    moved = _texts(published, Pin(request="LAT:2", host=other, operators=["OP2"]))
    assert moved and f"this series is on {on}" in moved[0]
    whole = _texts(published, Pin(request="LAT", host=on, operators=["OP1"]))
    assert whole == ["LAT is a series: pin its occurrences one at a time (LAT:1 … LAT:3); the series' host holds "
                     "for all"]  # fmt: skip
    # A plain request is none of this: its pin keeps the host it names.
    solo = load_problem(EXAMPLE)
    assert with_series_host(solo, Pin(request="PSR-00001", operators=["OP01"])).host is None
