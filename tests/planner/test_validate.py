"""The independent validator catches each kind of broken plan on its own."""

from __future__ import annotations

import pytest

from allocator.planner.domain import Assignment, Pin, Plan, Problem, Unserved, Window
from allocator.planner.validate import validate_plan
from tests.planner.factories import host, operator, policy, problem, request


def plan_of(*assignments: Assignment, unserved: tuple[str, ...] = ()) -> Plan:
    return Plan(
        assignments=list(assignments),
        unserved=[Unserved(request=r, code="hosts_busy", reason="busy", reason_id="sibuk") for r in unserved],
    )


def base(**kw: object) -> Problem:
    defaults: dict[str, object] = {
        "hosts": [
            host("H100", 100),
            host("H2", 300, max_concurrent=2),
            host("W", 500, kind="webinar", max_concurrent=2),
        ],
        "operators": [
            operator("O1", skills=["sound"]),
            operator("O2", shifts=[{"weekdays": [0], "start": "08:00", "end": "12:00"}]),
        ],
        "requests": [
            request("A", "09:00", "10:00", 80, service="link_operator"),
            request("B", "09:30", "10:30", 80, service="link_operator"),
            request("C", "09:45", "11:00", 200, kind="webinar"),
        ],
    }
    defaults.update(kw)
    return problem(**defaults)  # type: ignore[arg-type]


def test_a_good_plan_passes() -> None:
    prob = base()
    plan = plan_of(
        Assignment(request="A", host="H100", operators=["O1"]),
        Assignment(request="B", host="H2", operators=["O2"]),
        Assignment(request="C", host="W"),
    )
    assert validate_plan(prob, plan) == []


@pytest.mark.parametrize(
    ("assignments", "unserved", "expected"),
    [
        (
            [
                Assignment(request="A", host="H100", operators=["O1"]),
                Assignment(request="B", host="H100", operators=["O2"]),
            ],
            ("C",),
            "host H100: 2 meetings at once",
        ),
        (
            [Assignment(request="A", host="H2", operators=["O1"]), Assignment(request="C", host="H2")],
            ("B",),
            "no webinar licence",
        ),
        (
            [Assignment(request="A", host="W", operators=["O1"]), Assignment(request="C", host="W")],
            ("B",),
            "webinar C overlaps A",
        ),
        (
            [
                Assignment(request="A", host="H100", operators=["O1"]),
                Assignment(request="B", host="H2", operators=["O1"]),
            ],
            ("C",),
            "operator O1: A overlaps B",
        ),
        ([Assignment(request="A", host="H100", operators=[])], ("B", "C"), "needs 1 operator(s) but has 0"),
        ([Assignment(request="A", operators=["O1"])], ("B", "C"), "needs a host but has none"),
        ([Assignment(request="A", host="H100", operators=["O1"])], ("B",), "C: neither served nor explained"),
        (
            [
                Assignment(request="A", host="H100", operators=["O1"]),
                Assignment(request="A", host="H2", operators=["O2"]),
            ],
            ("B", "C"),
            "A: assigned twice",
        ),
        ([Assignment(request="A", host="NOPE", operators=["O1"])], ("B", "C"), "unknown host NOPE"),
        ([Assignment(request="A", host="H100", operators=["O1"])], ("A", "B", "C"), "A: both served and unserved"),
    ],
)
def test_each_violation_is_named(assignments: list[Assignment], unserved: tuple[str, ...], expected: str) -> None:
    problems = validate_plan(base(), plan_of(*assignments, unserved=unserved))
    assert any(expected in p for p in problems), problems


def test_capacity_skills_shift_leave_allowed_and_availability() -> None:
    prob = base(
        hosts=[host("H100", 100, blackouts=[Window(start="2027-03-01T09:00+07:00", end="2027-03-01T09:30+07:00")])],
        operators=[
            operator("O1", leave=["2027-03-01"]),
            operator("O2", shifts=[{"weekdays": [1], "start": "08:00", "end": "12:00"}]),
        ],
        requests=[
            request(
                "A", "09:00", "10:00", 150, service="link_operator", required_skills=["sound"], allowed_operators=["O2"]
            ),
        ],
    )
    problems = "\n".join(validate_plan(prob, plan_of(Assignment(request="A", host="H100", operators=["O1"]))))
    for expected in ("seats 100 < 150", "blacked out", "lacks skills ['sound']", "not allowed", "on leave"):
        assert expected in problems
    problems = "\n".join(validate_plan(prob, plan_of(Assignment(request="A", host="H100", operators=["O2"]))))
    assert "off shift" in problems


def test_buffers_and_setup_count_and_touching_is_fine() -> None:
    reqs = [
        request("A", "09:00", "10:00", service="link_operator"),
        request("B", "10:00", "11:00", service="link_operator"),
    ]
    good = plan_of(
        Assignment(request="A", host="H", operators=["O1"]), Assignment(request="B", host="H", operators=["O1"])
    )
    assert validate_plan(problem(hosts=[host("H")], operators=[operator("O1")], requests=reqs), good) == []
    buffered = problem(hosts=[host("H")], operators=[operator("O1")], requests=reqs, pol=policy(buffer_after_min=5))
    assert any("host H" in p for p in validate_plan(buffered, good))
    setup = problem(hosts=[host("H")], operators=[operator("O1")], requests=reqs, pol=policy(operator_setup_min=5))
    assert any("operator O1" in p for p in validate_plan(setup, good))


def test_pins_and_freeze() -> None:
    reqs = [request("A", "09:00", "10:00")]
    prob = problem(hosts=[host("H1"), host("H2")], requests=reqs, pins=[Pin(request="A", host="H1")])
    assert any("pinned" in p for p in validate_plan(prob, plan_of(Assignment(request="A", host="H2"))))
    frozen = problem(
        hosts=[host("H1"), host("H2")],
        requests=reqs,
        previous=[Assignment(request="A", host="H1")],
        pol=policy(freeze_horizon_min=24 * 60),
        now="2027-03-01T07:00:00+07:00",
    )
    assert any("frozen" in p for p in validate_plan(frozen, plan_of(Assignment(request="A", host="H2"))))
    assert validate_plan(frozen, plan_of(Assignment(request="A", host="H1"))) == []


def test_cancelled_or_started_requests() -> None:
    prob = problem(hosts=[host("H")], requests=[request("A", "09:00", "10:00", status="cancelled")])
    assert any("cancelled" in p for p in validate_plan(prob, plan_of(Assignment(request="A", host="H"))))
    started = problem(hosts=[host("H")], requests=[request("A", "09:00", "10:00")], now="2027-03-01T09:10+07:00")
    assert any("newly assigned" in p for p in validate_plan(started, plan_of(Assignment(request="A", host="H"))))
