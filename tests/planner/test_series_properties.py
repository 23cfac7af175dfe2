"""Invariants with series on: every plan keeps one host per series and all-or-nothing, and passes the validator."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allocator.planner.domain import Assignment, Plan, Problem
from allocator.planner.solver import SolveOptions, first_come_first_served, solve
from allocator.planner.validate import validate_plan
from tests.planner.factories import host, operator, policy, problem, request

DAYS = ["2027-03-01", "2027-03-02", "2027-03-03", "2027-03-04"]


@st.composite
def problems_with_series(draw: st.DrawFn) -> Problem:
    hosts = [host(f"H{i}", draw(st.sampled_from([100, 300])), max_concurrent=draw(st.sampled_from([1, 1, 2])))
             for i in range(draw(st.integers(1, 3)))]  # fmt: skip
    operators = [operator(f"O{i}") for i in range(draw(st.integers(0, 2)))]
    requests = []
    for i in range(draw(st.integers(1, 3))):
        start = draw(st.integers(16, 30)) * 30
        length = draw(st.sampled_from([60, 120, 180]))
        repeat = draw(st.sampled_from(["daily", "weekly"]))
        series = {
            "repeat": repeat,
            "count": draw(st.integers(1, 4)),
            "policy": draw(st.sampled_from(["all_or_nothing", "partial"])),
        }
        if draw(st.booleans()):
            series["changes"] = [{"occurrence": 1, "cancelled": True}] if draw(st.booleans()) else [
                {"occurrence": 1, "operators_needed": 2}]  # fmt: skip
        requests.append(
            request(
                f"S{i}",
                f"{start // 60:02d}:{start % 60:02d}",
                f"{(start + length) // 60:02d}:{(start + length) % 60:02d}",
                draw(st.sampled_from([50, 200])),
                day=draw(st.sampled_from(DAYS)),
                service=draw(st.sampled_from(["link", "link_operator", "operator"])),
                priority=draw(st.sampled_from(["high", "normal", "low"])),
                series=series,
            )
        )
    for i in range(draw(st.integers(0, 6))):
        start = draw(st.integers(14, 32)) * 30
        length = draw(st.sampled_from([60, 120, 240]))
        requests.append(
            request(
                f"R{i}",
                f"{start // 60:02d}:{start % 60:02d}",
                f"{(start + length) // 60:02d}:{(start + length) % 60:02d}",
                draw(st.sampled_from([50, 200])),
                day=draw(st.sampled_from(DAYS)),
                service=draw(st.sampled_from(["link", "link_operator"])),
                priority=draw(st.sampled_from(["head_of_region", "high", "normal", "low"])),
            )
        )
    p = problem(hosts=hosts, operators=operators, requests=requests, pol=policy(buffer_after_min=draw(
        st.sampled_from([0, 15]))))  # fmt: skip
    if draw(st.booleans()):
        # A published plan, possibly breaking the series' rules itself (an edited file): the planner still
        # returns a valid plan.
        previous = [
            Assignment(request=r.ref, host=draw(st.sampled_from([h.id for h in hosts])) if r.needs_host else None)
            for r in p.requests
            if r.status.active and r.operator_count == 0 and draw(st.booleans())
        ]
        p = p.model_copy(update={"previous": previous})
    elif draw(st.booleans()):
        # A consistent published plan (one host per series), part of it inside the freeze horizon: a series under
        # way keeps what is held and serves the rest as far as it can.
        first = solve(p, SolveOptions(time_limit_s=5, workers=1, alternatives=False))
        held = {
            "previous": first.assignments,
            "now": p.now.replace(year=2027, month=3, day=1, hour=draw(st.sampled_from([0, 4]))),
            "policy": policy(freeze_horizon_min=draw(st.sampled_from([0, 24 * 60]))),
        }
        p = p.model_copy(update=held)
    return p


def _check(p: Problem, plan: Plan) -> None:
    assert validate_plan(p, plan) == []
    got = {a.request: a for a in plan.assignments}
    for r in p.requests:
        if r.occurrence_of is None:
            continue
        mates = [m for m in p.requests if m.occurrence_of == r.occurrence_of and m.status.active]
        hosts = {got[m.ref].host for m in mates if m.ref in got}
        assert len(hosts) <= 1
        if r.series is not None and r.series.policy.value == "all_or_nothing":
            assert len([m for m in mates if m.ref in got]) in (0, len(mates))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems_with_series())
def test_series_plans_are_valid(p: Problem) -> None:
    _check(p, solve(p, SolveOptions(time_limit_s=5, workers=1, alternatives=False)))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems_with_series())
def test_first_come_first_served_keeps_series_whole(p: Problem) -> None:
    _check(p, first_come_first_served(p))


@st.composite
def problems_with_monthly_series(draw: st.DrawFn) -> Problem:
    """Monthly series (same day of the month, or e.g. the first Monday) among single meetings on the same days."""
    hosts = [host(f"H{i}", 300) for i in range(draw(st.integers(1, 2)))]
    requests = []
    for i in range(draw(st.integers(1, 3))):
        series: dict[str, object] = {"repeat": "monthly", "count": draw(st.integers(1, 4)),
                                     "every": draw(st.integers(1, 3)),
                                     "policy": draw(st.sampled_from(["all_or_nothing", "partial"]))}  # fmt: skip
        if draw(st.booleans()):
            series["month_week"] = 1  # DAYS are the first of their weekday in March 2027
        requests.append(request(f"M{i}", "09:00", "11:00", day=draw(st.sampled_from(DAYS)), series=series))
    for i in range(draw(st.integers(0, 4))):
        day = draw(st.sampled_from(["2027-04-01", "2027-04-05", "2027-05-03", "2027-06-01"]))
        requests.append(request(f"R{i}", "09:30", "10:30", day=day, priority=draw(st.sampled_from(["high", "low"]))))
    return problem(hosts=hosts, requests=requests)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems_with_monthly_series())
def test_monthly_series_plans_are_valid(p: Problem) -> None:
    _check(p, solve(p, SolveOptions(time_limit_s=5, workers=1, alternatives=False)))


def _held_series(count: int, rival: tuple[str, str, str, str]) -> Problem:
    """A one-host day: R1 published at 07:00, the series S0 published from 08:00 (its first occurrence inside the
    freeze horizon), and a rival R0 whose letter comes first, at S0's time on day `rival[0]`."""
    day, start, end, tier = rival
    s0 = request("S0", "08:00", "09:00", day="2027-03-01", priority="high",
                 series={"repeat": "daily", "count": count, "policy": "all_or_nothing"})  # fmt: skip
    p = problem(
        hosts=[host("H0", 100)],
        requests=[s0, request("R0", start, end, day=day, priority=tier), request("R1", "07:00", "08:00",
                  day="2027-03-01", priority="head_of_region")],
        pol=policy(freeze_horizon_min=24 * 60),
    )  # fmt: skip
    occurrences = [r.ref for r in p.requests if r.occurrence_of == "S0"]
    previous = [Assignment(request=ref, host="H0") for ref in ["R1", *occurrences]]
    return p.model_copy(update={"now": p.now.replace(year=2027, month=3, day=1, hour=0), "previous": previous})


def test_first_come_first_served_keeps_a_frozen_occurrence_before_an_earlier_letter() -> None:
    """Found by hypothesis: in letter order the rival took the host at the frozen occurrence's time, which an
    office would never give away."""
    p = _held_series(1, ("2027-03-01", "08:00", "09:00", "normal"))
    plan = first_come_first_served(p)
    _check(p, plan)
    assert plan.assignment_for("S0:1") is not None and plan.assignment_for("R0") is None


def test_first_come_first_served_completes_a_series_it_must_keep() -> None:
    """Found by hypothesis: the first occurrence frozen, the second lost to a rival of a higher tier whose letter
    came first, so an all-or-nothing series was served in half."""
    p = _held_series(2, ("2027-03-02", "07:00", "09:00", "head_of_region"))
    plan = first_come_first_served(p)
    _check(p, plan)
    assert plan.assignment_for("S0:2") is not None
