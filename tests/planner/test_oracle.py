"""An exhaustive oracle for tiny problems: every combination of starts, hosts, operators, rehearsal and survey
slots is tried, each judged by the independent validator only (no planner code), and the most priority weight a
valid plan can serve is compared with what the planner serves, bounds and calls optimal — limited search or not.

The options are generated here from the rules as an office states them (the site's task grid in office hours,
flexible starts on their grain), not from the planner's candidate code.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allocator.planner.domain import Assignment, Plan, Problem, Request, TaskSlot, Unserved
from allocator.planner.solver import SolveOptions, solve
from allocator.planner.validate import validate_claims, validate_plan
from tests.planner.factories import host, operator, policy, problem, request

WEEKDAYS = [{"weekdays": [0, 1, 2, 3, 4], "start": "08:00", "end": "16:00"}]
MONDAY, FRIDAY = "2027-03-01", "2027-02-26"


def _grid(prob: Problem, earliest: datetime, latest: datetime, minutes: int) -> Iterator[datetime]:
    """Task-grid starts in office hours, each local day counted from its midnight."""
    pol = prob.policy
    zone = ZoneInfo(pol.timezone)
    day = earliest.astimezone(zone).date()
    while day <= latest.astimezone(zone).date():
        midnight = datetime.combine(day, time(0), zone)
        t = midnight
        while t.date() == day:
            opening, closing = (datetime.combine(day, h, zone) for h in pol.office_hours)
            if earliest <= t <= latest and opening <= t and t + timedelta(minutes=minutes) <= closing:
                yield t
            t += timedelta(minutes=pol.task_grain_min)
        day += timedelta(days=1)


def _options(prob: Problem, req: Request) -> list[Assignment]:
    """Every way to serve `req` on its own terms (time, host, crew, rehearsal, survey), unchecked."""
    starts = [req.start]
    if req.window_start is not None and req.window_end is not None:
        step, length = timedelta(minutes=prob.policy.flexible_grain_min), req.end - req.start
        moves = [req.start + k * step for k in range(-8, 9)]
        starts = [t for t in moves if req.window_start <= t and t + length <= req.window_end]
    hosts = [h.id for h in prob.hosts] if req.needs_host else [None]
    crews = [list(c) for c in itertools.combinations([o.id for o in prob.operators], req.operator_count)]
    new_venue = req.on_site and any(v.id == req.venue and not v.surveyed for v in prob.venues)
    out = []
    for start, hid, crew in itertools.product(starts, hosts, crews):
        # A flexible request's assignment always carries its start, at the requested time too (the validator's rule)
        moved = {"start": start, "end": start + (req.end - req.start)} if req.window_start is not None else {}
        rehearsals: list[TaskSlot | None] = [None]
        if req.rehearsal is not None:
            spec = req.rehearsal
            length = timedelta(minutes=spec.duration_min)
            latest = start - timedelta(minutes=spec.end_min_before) - length
            grid = _grid(prob, start - timedelta(minutes=spec.window_start_min_before), latest, spec.duration_min)
            rehearsals = [TaskSlot(start=t, end=t + length, host=h.id, operators=crew)
                          for t in grid for h in prob.hosts]  # fmt: skip
            if not spec.mandatory:
                rehearsals.append(None)
        surveys: list[TaskSlot | None] = [None]
        if new_venue:
            pol = prob.policy
            length = timedelta(minutes=pol.survey_duration_min)
            grid = _grid(prob, start - timedelta(minutes=pol.survey_window_min),
                         start - timedelta(minutes=pol.survey_lead_min) - length, pol.survey_duration_min)  # fmt: skip
            surveys += [TaskSlot(start=t, end=t + length, operators=[o.id], venue=req.venue)
                        for t in grid for o in prob.operators]  # another event there may carry it  # fmt: skip
        for r, s in itertools.product(rehearsals, surveys):
            out.append(Assignment(request=req.ref, host=hid, operators=crew, rehearsal=r, survey=s, **{
                k: v for k, v in moved.items()}) if moved else Assignment(request=req.ref, host=hid, operators=crew,
                                                                          rehearsal=r, survey=s))  # fmt: skip
    return out


def _plan(prob: Problem, chosen: list[Assignment]) -> Plan:
    served = {a.request for a in chosen}
    left = [Unserved(request=r.ref, code="hosts_busy", reason="-", reason_id="-")
            for r in prob.requests if r.ref not in served]  # fmt: skip
    return Plan(assignments=chosen, unserved=left)


def best_served_weight(prob: Problem) -> int:
    """The most priority weight any plan the validator accepts serves."""
    weights = prob.policy.priority_weights

    def broken(chosen: list[Assignment]) -> bool:
        """Broken whatever else is added: every rule but a missing survey (a later event may carry it)."""
        return any("without a survey" not in v for v in validate_plan(prob, _plan(prob, chosen)))

    options = {r.ref: [a for a in _options(prob, r) if not broken([a])] for r in prob.requests}
    refs = [r.ref for r in prob.requests]
    subsets = sorted((s for k in range(len(refs) + 1) for s in itertools.combinations(refs, k)),
                     key=lambda s: -sum(weights[prob.request(r).priority] for r in s))  # fmt: skip

    def fits(todo: list[str], chosen: list[Assignment]) -> bool:
        """Partial plans are pruned by every rule but the surveys (a later event may carry the survey); a whole
        one is judged by all of them."""
        if not todo:
            return not validate_plan(prob, _plan(prob, chosen))
        for a in options[todo[0]]:
            trial = [*chosen, a]
            if not broken(trial) and fits(todo[1:], trial):
                return True
        return False

    for subset in subsets:
        if fits(list(subset), []):
            return sum(weights[prob.request(r).priority] for r in subset)
    return 0


@st.composite
def tiny_problems(draw: st.DrawFn, late: bool = False) -> Problem:
    """`late`: starts past the shift's end too (overtime; see `tiny_working_time_problems`)."""
    reqs = []
    for i in range(draw(st.integers(2, 3))):
        day = draw(st.sampled_from([MONDAY, FRIDAY]))
        start = draw(st.sampled_from([9 * 60, 10 * 60, 13 * 60, *([15 * 60] if late else [])]))
        kw: dict[str, Any] = {
            "service": draw(st.sampled_from(["link", "link_operator", "operator"])),
            "priority": draw(st.sampled_from(["normal", "high", "head_of_region"])),
            "letter_date": f"2027-02-{draw(st.integers(1, 3)):02d}",
            "kits": draw(st.sampled_from([[], [{"kit": "CAM"}]])),
            "day": day,
        }
        if kw["service"] == "operator":
            kw["venue"] = "GOR"
        elif kw["service"] == "link_operator" and draw(st.booleans()):
            kw["rehearsal"] = {"duration_min": 60, "window_start_min_before": 3 * 24 * 60, "end_min_before": 60,
                               "mandatory": True, "uses_kits": draw(st.booleans())}  # fmt: skip
        if draw(st.booleans()):
            kw["window_start"] = f"{day}T{(start - 30) // 60:02d}:{(start - 30) % 60:02d}"
            kw["window_end"] = f"{day}T{(start + 90) // 60:02d}:{(start + 90) % 60:02d}"
        end = start + 60
        reqs.append(request(f"R{i}", f"{start // 60:02d}:{start % 60:02d}", f"{end // 60:02d}:00", **kw))
    return problem(
        hosts=[host(f"H{i}") for i in range(draw(st.integers(1, 2)))],
        operators=[operator(f"O{i}", shifts=WEEKDAYS) for i in range(draw(st.integers(1, 2)))],
        requests=reqs,
        pol=policy(
            task_grain_min=60, survey_window_min=24 * 60, flexible_grain_min=30, kit_pickup_min=30, kit_return_min=30
        ),
        venues=[{"id": "GOR", "surveyed": draw(st.booleans())}],
        kit_types=[{"id": "CAM", "stock": 1}],
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(tiny_problems(), st.sampled_from([None, False]))
def test_every_claim_holds_against_an_exhaustive_search(prob: Problem, exact: bool | None) -> None:
    best = best_served_weight(prob)
    plan = solve(prob, SolveOptions(exact_search=exact, alternatives=False))
    served = plan.term("served_weight")
    assert validate_plan(prob, plan) == [] and validate_claims(prob, plan) == []
    assert served.value <= best <= served.bound, (served, best, plan.restrictions)
    if served.optimal:
        assert served.value == best
    if exact is None:  # a problem this small is searched whole: nothing is missed
        assert plan.restrictions == [] and served.value == best


@st.composite
def tiny_working_time_problems(draw: st.DrawFn) -> Problem:
    """Tiny problems with a working calendar (Monday closed by the site, or Friday, or neither), holiday duty and
    overtime: the oracle's options are judged by the validator's own working-time rules."""
    prob = draw(tiny_problems(late=True))
    ops = [o.id for o in prob.operators]
    calendar = {
        "country": None,
        "closed": draw(st.sampled_from([[], [MONDAY], [FRIDAY]])),
        "duty_operators": draw(st.lists(st.sampled_from(ops), unique=True)),
    }
    overtime = {
        "operators": draw(st.lists(st.sampled_from(ops), unique=True)),
        "tiers": draw(st.sampled_from([["head_of_region"], ["head_of_region", "high", "normal"]])),
        "after_shift_min": draw(st.sampled_from([30, 60])),
    }
    pol = {**prob.policy.model_dump(), "calendar": calendar, "overtime": overtime}
    return Problem.model_validate({**prob.model_dump(), "policy": pol})


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(tiny_working_time_problems())
def test_every_claim_holds_against_an_exhaustive_search_with_working_time(prob: Problem) -> None:
    best = best_served_weight(prob)
    plan = solve(prob, SolveOptions(alternatives=False))
    served = plan.term("served_weight")
    assert validate_plan(prob, plan) == [] and validate_claims(prob, plan) == []
    assert plan.restrictions == [] and served.value == best, (served, best)


def test_the_oracle_finds_the_monday_rehearsal_on_friday() -> None:
    """The case that started it: the planner once left this out and called its plan optimal."""
    bupati = request("BUPATI", "09:00", "11:00", service="link_operator", priority="head_of_region", day=MONDAY,
                     rehearsal={"duration_min": 60, "mandatory": True})  # fmt: skip
    prob = problem(hosts=[host("H1")], operators=[operator("A", shifts=WEEKDAYS)], requests=[bupati],
                   pol=policy(task_grain_min=60))  # fmt: skip
    assert best_served_weight(prob) == 1000


def test_the_oracle_serves_a_flexible_request_at_its_requested_time() -> None:
    """Found by hypothesis: the oracle gave an unmoved flexible request no start, which the validator refuses, so
    it missed the plan that surveys GOR at 08:00, serves R1 at 09:00 as requested and R0 at 10:00."""
    ops = [operator("O0", shifts=[{"weekdays": [0, 1, 2, 3, 4], "start": "08:00", "end": "16:00"}])]
    r0 = request("R0", "10:00", "11:00", service="operator", venue="GOR", day=MONDAY)
    r1 = request("R1", "09:00", "10:00", service="link_operator", day=MONDAY,
                 window_start=f"{MONDAY}T08:30", window_end=f"{MONDAY}T10:30")  # fmt: skip
    prob = problem(hosts=[host("H0")], operators=ops, requests=[r0, r1], venues=[{"id": "GOR", "surveyed": False}],
                   pol=policy(task_grain_min=60, survey_window_min=24 * 60, flexible_grain_min=30))  # fmt: skip
    assert best_served_weight(prob) == 20 == solve(prob, SolveOptions(alternatives=False)).term("served_weight").value
