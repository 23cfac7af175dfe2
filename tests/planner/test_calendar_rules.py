"""Working time (docs/calendar.md): closed days, holiday duty, rehearsals on working days, kit handovers in office
hours, the trip from the base inside working time, overtime — a case each rule allows and one it forbids, and the
independent validator catching a plan that breaks it. Every solved plan is also checked by the validator inside
`solve`."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allocator.planner.calendar import closed_day, pickup_time, return_time
from allocator.planner.candidates import CandidateBuilder
from allocator.planner.domain import (
    Assignment,
    KitType,
    Plan,
    Problem,
    SitePolicy,
    TaskSlot,
    WorkingCalendar,
)
from allocator.planner.overtime import closed_days, overtime_uses
from allocator.planner.solver import SolveOptions, first_come_first_served, solve
from allocator.planner.validate import validate_claims, validate_plan
from tests.planner.factories import host, operator, policy, problem, request

WIB = "+07:00"
WEEKDAYS = [{"weekdays": [0, 1, 2, 3, 4], "start": "07:00", "end": "16:00"}]
INDEPENDENCE = "2027-08-17"  # a Tuesday, a national holiday
MONDAY = "2027-08-16"


def at(day: str, hhmm: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{hhmm}:00{WIB}")


def cal_policy(calendar: dict[str, Any] | None = None, **kw: Any) -> SitePolicy:
    return policy(calendar=calendar if calendar is not None else {}, **kw)


def ops(*ids: str) -> list[Any]:
    return [operator(i, shifts=WEEKDAYS) for i in ids]


def served(plan: Plan) -> list[str]:
    return [a.request for a in plan.assignments]


def unserved(plan: Plan, ref: str) -> tuple[str, str]:
    u = next(u for u in plan.unserved if u.request == ref)
    return u.code, u.reason


def hand_plan(prob: Problem, *assignments: Assignment) -> Plan:
    return Plan(assignments=list(assignments))


# --- the calendar itself ------------------------------------------------------------------------------------


def test_national_holidays_and_collective_leave_come_from_the_library() -> None:
    cal = WorkingCalendar()
    assert closed_day(cal, date(2027, 8, 17))  # Independence Day
    assert closed_day(cal, date(2027, 3, 9))  # collective leave (cuti bersama) before Eid al-Fitr
    assert not closed_day(WorkingCalendar(collective_leave=False), date(2027, 3, 9))
    assert not closed_day(cal, date(2027, 8, 16))


def test_the_site_adds_and_removes_closed_days() -> None:
    cal = WorkingCalendar(closed=[{"day": "2027-08-16", "name": "Cuti bersama (SKB)"}], open=["2027-08-17"])
    assert closed_day(cal, date(2027, 8, 16)) and not closed_day(cal, date(2027, 8, 17))
    assert not closed_day(WorkingCalendar(country=None), date(2027, 8, 17))


# --- operators on closed days, holiday duty -------------------------------------------------------------------


def test_no_operator_works_on_a_holiday() -> None:
    req = request("A", "09:00", "10:00", day=INDEPENDENCE, service="operator")
    without = problem(operators=ops("O1"), requests=[req])
    assert served(solve(without)) == ["A"]  # no calendar: an ordinary Tuesday
    plan = solve(problem(operators=ops("O1"), requests=[req], pol=cal_policy()))
    code, reason = unserved(plan, "A")
    assert code == "operator_unavailable" and "holiday" in reason


def test_a_site_open_day_takes_a_holiday_back() -> None:
    req = request("A", "09:00", "10:00", day=INDEPENDENCE, service="operator")
    plan = solve(problem(operators=ops("O1"), requests=[req], pol=cal_policy({"open": [INDEPENDENCE]})))
    assert served(plan) == ["A"]


def test_the_regents_ceremony_is_served_as_holiday_duty_by_a_duty_operator_only() -> None:
    ceremony = request("UPACARA", "07:00", "09:00", day=INDEPENDENCE, service="operator", priority="head_of_region")
    duty = cal_policy({"duty_operators": ["O2"]})
    plan = solve(problem(operators=ops("O1", "O2"), requests=[ceremony], pol=duty))
    assert served(plan) == ["UPACARA"] and plan.assignments[0].operators == ["O2"]
    # Two hours of duty, all of it overtime, in the preferences: one operator day plus 120 overtime minutes.
    prefs = duty.preferences
    assert plan.term("preferences").value == prefs.operator_days + prefs.overtime_minute * 120
    nobody = solve(problem(operators=ops("O1", "O2"), requests=[ceremony], pol=cal_policy()))
    assert served(nobody) == []


def test_a_normal_request_asking_for_duty_is_duty_too() -> None:
    req = request("A", "09:00", "10:00", day=INDEPENDENCE, service="operator", duty=True)
    plan = solve(problem(operators=ops("O1"), requests=[req], pol=cal_policy({"duty_operators": ["O1"]})))
    assert served(plan) == ["A"]
    plain = req.model_copy(update={"duty": False})
    assert (
        served(solve(problem(operators=ops("O1"), requests=[plain], pol=cal_policy({"duty_operators": ["O1"]})))) == []
    )


def test_weekend_duty_by_a_duty_operator_without_a_weekend_shift() -> None:
    req = request("A", "09:00", "10:00", day="2027-08-21", service="operator", priority="head_of_region")  # Saturday
    assert served(solve(problem(operators=ops("O1"), requests=[req], pol=cal_policy({"duty_operators": ["O1"]})))) == [
        "A"
    ]
    assert served(solve(problem(operators=ops("O1"), requests=[req], pol=cal_policy()))) == []


def test_the_validator_refuses_work_on_a_holiday_without_duty() -> None:
    req = request("A", "09:00", "10:00", day=INDEPENDENCE, service="operator", priority="head_of_region")
    bad = hand_plan(None, Assignment(request="A", operators=["O1"]))  # type: ignore[arg-type]
    prob = problem(operators=ops("O1"), requests=[req], pol=cal_policy())
    assert any("holiday" in v and "O1" in v for v in validate_plan(prob, bad))
    duty = problem(operators=ops("O1"), requests=[req], pol=cal_policy({"duty_operators": ["O1"]}))
    assert validate_plan(duty, bad) == []


# --- rehearsals and surveys on working days ----------------------------------------------------------------


def test_a_rehearsal_skips_the_holiday_before_the_event() -> None:
    rehearsal = {"duration_min": 60, "window_start_min_before": 2 * 24 * 60, "end_min_before": 60, "mode": "on_site"}
    req = request("A", "10:00", "12:00", day="2027-08-18", service="operator", venue="AULA", rehearsal=rehearsal)
    prob = problem(operators=ops("O1"), requests=[req], pol=cal_policy(), venues=[{"id": "AULA"}])
    plan = solve(prob)
    slot = plan.assignments[0].rehearsal
    assert slot is not None and slot.start.date() != date(2027, 8, 17)
    moved = plan.assignments[0].model_copy(
        update={
            "rehearsal": TaskSlot(
                start=at(INDEPENDENCE, "10:00"), end=at(INDEPENDENCE, "11:00"), operators=["O1"], venue="AULA"
            )
        }
    )
    assert any("not a working day" in v for v in validate_plan(prob, Plan(assignments=[moved])))


def _weekend_rehearsal(priority: str, mandatory: bool = True, **kw: Any) -> Any:
    """A Monday 09:00 meeting whose rehearsal must end by 08:00 that day and may start from Saturday 09:00: only
    the weekend is inside its window (the operators' shifts start at 07:00, the setup takes 30 minutes)."""
    spec = {"duration_min": 60, "window_start_min_before": 2 * 24 * 60, "end_min_before": 60, "mode": "on_site",
            "mandatory": mandatory}  # fmt: skip
    return request("RAKOR", "09:00", "11:00", day=MONDAY, service="operator", venue="AULA", priority=priority,
                   rehearsal=spec, **kw)  # fmt: skip


def _duty_problem(req: Any, duty_operators: list[str]) -> Problem:
    return problem(operators=ops("O1", "O2"), requests=[req], venues=[{"id": "AULA"}],
                   pol=cal_policy({"duty_operators": duty_operators}, operator_setup_min=30))  # fmt: skip


def test_a_duty_events_mandatory_rehearsal_is_holiday_duty_on_the_weekend() -> None:
    prob = _duty_problem(_weekend_rehearsal("head_of_region"), ["O2"])
    plan = solve(prob)
    a = plan.assignment_for("RAKOR")
    assert a is not None and a.rehearsal is not None and a.operators == ["O2"] and a.rehearsal.operators == ["O2"]
    assert a.rehearsal.start.astimezone(at(MONDAY, "00:00").tzinfo).weekday() in (5, 6)  # Saturday or Sunday
    # The rehearsal's minutes (setup, an hour, teardown) are duty: in the preferences and in the overtime shown.
    uses = [u for u in overtime_uses(prob, plan.assignments) if u.rehearsal]
    assert [(u.operator, u.duty) for u in uses] == [("O2", True)] and uses[0].minutes > 60
    pol = prob.policy.preferences
    assert plan.term("preferences").value == 2 * pol.operator_days + pol.overtime_minute * uses[0].minutes
    assert validate_claims(prob, plan) == []


def test_no_weekend_rehearsal_without_duty() -> None:
    # A normal meeting: its rehearsal is office work, and the weekend is no office day.
    assert served(solve(_duty_problem(_weekend_rehearsal("normal"), ["O1", "O2"]))) == []
    # The regent's meeting, but no operator may take duty.
    assert served(solve(_duty_problem(_weekend_rehearsal("head_of_region"), []))) == []
    # An optional rehearsal is never duty: the event is served without it.
    plan = solve(_duty_problem(_weekend_rehearsal("head_of_region", mandatory=False), ["O2"]))
    a = plan.assignment_for("RAKOR")
    assert a is not None and a.rehearsal is None


def test_the_validator_takes_a_duty_rehearsal_only_from_a_duty_operator() -> None:
    prob = _duty_problem(_weekend_rehearsal("head_of_region"), ["O2"])
    saturday = "2027-08-14"

    def with_rehearsal_by(op: str) -> Plan:
        slot = TaskSlot(start=at(saturday, "10:00"), end=at(saturday, "11:00"), operators=[op], venue="AULA")
        return Plan(assignments=[Assignment(request="RAKOR", operators=[op], rehearsal=slot)])

    assert validate_plan(prob, with_rehearsal_by("O2")) == []
    refused = validate_plan(prob, with_rehearsal_by("O1"))
    assert any("O1" in v and "duty" in v for v in refused), refused
    normal = _duty_problem(_weekend_rehearsal("normal"), ["O1", "O2"])
    assert any("not a working day" in v for v in validate_plan(normal, with_rehearsal_by("O2")))


# --- kit handovers in office hours ------------------------------------------------------------------------


def _kit_problem(*reqs: Any, calendar: bool = True) -> Problem:
    return problem(
        hosts=[host("H1"), host("H2")],
        requests=list(reqs),
        pol=cal_policy(office_hours=("07:00", "17:00")) if calendar else policy(office_hours=("07:00", "17:00")),
        kit_types=[KitType(id="CAM", name="Kamera", stock=1)],
    )


def test_handovers_fall_in_office_hours_of_working_days() -> None:
    pol = cal_policy(office_hours=("07:00", "17:00"))
    # Due back at 17:30 on Monday: the office is closed, it comes back Wednesday 07:00 (Tuesday is a holiday).
    assert return_time(pol, at(MONDAY, "16:30"), 60) == at("2027-08-18", "07:00")
    # Needed at 07:30 on Wednesday: picked up at the last office time before 06:30, Monday's closing.
    assert pickup_time(pol, at("2027-08-18", "07:30"), 60) == at(MONDAY, "17:00")
    # Inside office hours: the policy's offsets as before.
    assert pickup_time(pol, at(MONDAY, "10:00"), 60) == at(MONDAY, "09:00")
    req = request("A", "16:00", "16:30", day=MONDAY, kits=[{"kit": "CAM"}])
    cand = CandidateBuilder(_kit_problem(req)).build(req)
    assert cand.kit_end == int(at("2027-08-18", "07:00").timestamp()) // 60


def test_a_kit_back_only_next_morning_cannot_serve_an_early_loan() -> None:
    a = request("A", "16:00", "16:30", day="2027-08-19", kits=[{"kit": "CAM"}], priority="high")  # Thursday
    b = request("B", "07:30", "08:00", day="2027-08-20", kits=[{"kit": "CAM"}])  # Friday, early
    assert served(solve(_kit_problem(a, b, calendar=False))) == ["A", "B"]  # fixed offsets: back 17:30, out 06:30
    plan = solve(_kit_problem(a, b))
    assert served(plan) == ["A"] and unserved(plan, "B")[0] == "kits_short"
    both = Plan(assignments=[Assignment(request="A", host="H1"), Assignment(request="B", host="H2")])
    assert any("kit CAM" in v for v in validate_plan(_kit_problem(a, b), both))


# --- the trip from the base inside working time ---------------------------------------------------------------


def _trip_problem(req: Any, **kw: Any) -> Problem:
    return problem(
        operators=ops("O1"),
        requests=[req],
        pol=cal_policy(**kw),
        venues=[{"id": "PENDOPO", "travel_from_base_min": 90}],
    )


def test_the_first_trip_of_the_day_falls_in_working_time() -> None:
    early = request("A", "08:00", "09:00", day=MONDAY, service="operator", venue="PENDOPO")  # leave 06:30
    assert served(solve(_trip_problem(early))) == []
    assert served(solve(_trip_problem(early.model_copy(update={"start": at(MONDAY, "08:30"),
                                                              "end": at(MONDAY, "09:30")})))) == ["A"]  # fmt: skip
    bad = Plan(assignments=[Assignment(request="A", operators=["O1"])])
    assert any("off shift" in v for v in validate_plan(_trip_problem(early), bad))
    off = _trip_problem(early, calendar={"travel_in_working_time": False})
    assert served(solve(off)) == ["A"]


# --- overtime -----------------------------------------------------------------------------------------------


def _ot_problem(*reqs: Any, **overtime: Any) -> Problem:
    overtime.setdefault("operators", ["O1"])
    return problem(
        operators=ops("O1"),
        requests=list(reqs),
        pol=policy(operator_teardown_min=15, overtime=overtime),
    )


def test_overtime_serves_a_head_of_region_meeting_running_past_the_shift() -> None:
    meeting = request("RAKOR", "13:00", "16:00", day=MONDAY, service="operator", priority="head_of_region")
    plan = solve(_ot_problem(meeting))
    assert served(plan) == ["RAKOR"]
    assert validate_claims(_ot_problem(meeting), plan) == []
    assert plan.term("preferences").value == 10 + 3 * 15  # one operator day, 15 minutes of overtime
    assert served(solve(_ot_problem(meeting, operators=[]))) == []  # nobody may
    assert served(solve(_ot_problem(meeting, after_shift_min=10))) == []  # beyond the cap
    normal = meeting.model_copy(update={"priority": "normal"})
    assert served(solve(_ot_problem(normal))) == []  # not a tier the site allows
    bad = Plan(assignments=[Assignment(request="RAKOR", operators=["O1"])])
    assert any("overtime" in v for v in validate_plan(_ot_problem(normal), bad))
    assert any("overtime" in v for v in validate_plan(_ot_problem(meeting, after_shift_min=10), bad))


def test_overtime_only_where_it_serves_more() -> None:
    meeting = request("RAKOR", "13:00", "16:00", day=MONDAY, service="operator", priority="head_of_region")
    late = operator("O1", shifts=WEEKDAYS)
    longer = operator("O2", shifts=[{"weekdays": [0, 1, 2, 3, 4], "start": "08:00", "end": "17:00"}])
    prob = problem(
        operators=[late, longer],
        requests=[meeting],
        pol=policy(operator_teardown_min=15, overtime={"operators": ["O1", "O2"]}),
    )
    plan = solve(prob)
    assert plan.assignments[0].operators == ["O2"]  # in O2's shift: no overtime needed


# --- every part on: no invalid plan -------------------------------------------------------------------------


@st.composite
def working_time_problems(draw: st.DrawFn) -> Problem:
    ops_ = [operator(f"O{i}", shifts=WEEKDAYS, base="base") for i in range(draw(st.integers(1, 3)))]
    ids = [o.id for o in ops_]
    hosts = [host(f"H{i}", 300) for i in range(draw(st.integers(1, 2)))]
    venues = ["V1", "V2"]
    days = [MONDAY, INDEPENDENCE, "2027-08-20", "2027-08-21"]  # Monday, holiday, Friday, Saturday
    reqs = []
    for i in range(draw(st.integers(1, 6))):
        start = draw(st.integers(12, 34)) * 30
        length = draw(st.sampled_from([60, 120, 180]))
        kw: dict[str, Any] = {
            "service": draw(st.sampled_from(["link", "link_operator", "operator"])),
            "venue": draw(st.sampled_from([None, *venues])),
            "priority": draw(st.sampled_from(["head_of_region", "high", "normal"])),
            "kits": draw(st.sampled_from([[], [{"kit": "CAM"}]])),
            "day": draw(st.sampled_from(days)),
            "duty": draw(st.booleans()),
        }
        if draw(st.booleans()):
            kw["window_start"], kw["window_end"] = f"{kw['day']}T06:00", f"{kw['day']}T21:00"
        if kw["service"] != "link" and draw(st.booleans()):
            kw["rehearsal"] = {"duration_min": 30, "window_start_min_before": 3 * 24 * 60, "end_min_before": 30,
                               "mode": draw(st.sampled_from(["online", "on_site"])) if kw["venue"] else "online",
                               "mandatory": draw(st.booleans()), "uses_kits": draw(st.booleans())}  # fmt: skip
        end = start + length
        reqs.append(request(f"R{i}", f"{start // 60:02d}:{start % 60:02d}", f"{end // 60:02d}:{end % 60:02d}",
                            80, **kw))  # fmt: skip
    calendar = {
        "duty_operators": draw(st.lists(st.sampled_from(ids), unique=True)),
        "closed": draw(st.sampled_from([[], [MONDAY]])),
        "travel_in_working_time": draw(st.booleans()),
    }
    overtime = {
        "operators": draw(st.lists(st.sampled_from(ids), unique=True)),
        "tiers": draw(st.sampled_from([["head_of_region"], ["head_of_region", "high"]])),
        "before_shift_min": draw(st.sampled_from([0, 30])),
        "after_shift_min": draw(st.sampled_from([30, 90])),
        "max_per_week_min": draw(st.sampled_from([None, 45, 120])),
    }
    pol = policy(operator_setup_min=15, operator_teardown_min=15, buffer_after_min=15, calendar=calendar,
                 overtime=overtime, office_hours=("07:00", "17:00"))  # fmt: skip
    return problem(
        hosts=hosts, operators=ops_, requests=reqs, pol=pol,
        venues=[{"id": v, "travel_from_base_min": draw(st.sampled_from([0, 30, 90])), "surveyed": draw(st.booleans())}
                for v in venues],
        kit_types=[{"id": "CAM", "stock": draw(st.integers(0, 2))}],
        now="2027-08-10T08:00:00+07:00",
    )  # fmt: skip


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(working_time_problems())
def test_random_problems_with_every_working_time_rule_give_valid_plans(prob: Problem) -> None:
    plan = solve(prob, SolveOptions(time_limit_s=10))
    assert validate_plan(prob, plan) == []
    assert validate_claims(prob, plan) == []
    assert {a.request for a in plan.assignments} | {u.request for u in plan.unserved} == {r.ref for r in prob.requests}
    letter = first_come_first_served(prob)
    assert validate_plan(prob, letter) == []


# --- overtime read back: uses, closed days, the alternative that needs approval ------------------------------


def test_an_unserved_request_that_overtime_would_serve_says_so() -> None:
    meeting = request("RAKOR", "13:00", "16:00", day=MONDAY, service="operator")  # normal: not an overtime tier
    plan = solve(_ot_problem(meeting))
    assert served(plan) == []
    alts = plan.unserved[0].alternatives
    extra = [a for a in alts if a.kind == "with_overtime"]
    assert extra and extra[0].operators == ["O1"] and (extra[0].start, extra[0].end) == (meeting.start, meeting.end)
    assert "O1 15 min" in extra[0].text and "lembur" in extra[0].text_id
    # Approved (the tier allowed), the plan serves it just so.
    approved = solve(_ot_problem(meeting, tiers=["head_of_region", "normal"]))
    assert served(approved) == ["RAKOR"] and approved.assignments[0].operators == ["O1"]
    # Without an overtime policy, nothing of the kind is offered.
    plain = solve(problem(operators=ops("O1"), requests=[meeting], pol=policy(operator_teardown_min=15)))
    assert not [a for u in plain.unserved for a in u.alternatives if a.kind == "with_overtime"]


def test_overtime_uses_and_closed_days_as_people_read_them() -> None:
    meeting = request("RAKOR", "13:00", "16:00", day=MONDAY, service="operator", priority="head_of_region")
    ceremony = request("UPACARA", "07:00", "09:00", day=INDEPENDENCE, service="operator", priority="head_of_region")
    pol = policy(operator_teardown_min=15, overtime={"operators": ["O1"]}, calendar={"duty_operators": ["O1"]})
    prob = problem(operators=ops("O1"), requests=[meeting, ceremony], pol=pol)
    plan = solve(prob)
    assert served(plan) == ["RAKOR", "UPACARA"]
    uses = overtime_uses(prob, plan.assignments)
    assert [(u.request, u.operator, u.minutes, u.duty) for u in uses] == [
        ("RAKOR", "O1", 15, False),
        ("UPACARA", "O1", 135, True),
    ]
    assert closed_days(pol, date(2027, 8, 16), date(2027, 8, 18), "en") == [(date(2027, 8, 17), "Independence Day")]
    assert closed_days(pol, date(2027, 8, 17), date(2027, 8, 17)) == [
        (date(2027, 8, 17), "Hari Kemerdekaan Republik Indonesia")
    ]  # in Bahasa Indonesia unless asked otherwise


def test_a_weekly_overtime_cap_holds_across_days() -> None:
    # Monday and Tuesday (an ordinary week: 2027-08-09/10), each 45 minutes past the 16:00 shift end.
    mon = request("SEN", "13:00", "16:30", day="2027-08-09", service="operator", priority="head_of_region")
    tue = request("SEL", "13:00", "16:30", day="2027-08-10", service="operator", priority="head_of_region")
    assert sorted(served(solve(_ot_problem(mon, tue, max_per_week_min=90)))) == ["SEL", "SEN"]
    capped = _ot_problem(mon, tue, max_per_week_min=60)
    plan = solve(capped)
    assert len(plan.assignments) == 1
    assert served(first_come_first_served(capped)) in (["SEN"], ["SEL"])
    both = Plan(assignments=[Assignment(request="SEN", operators=["O1"]), Assignment(request="SEL", operators=["O1"])])
    assert any("90 min of overtime in week" in v for v in validate_plan(capped, both))
    # The next week is a week of its own.
    later = tue.model_copy(update={"start": at("2027-08-16", "13:00"), "end": at("2027-08-16", "16:30")})
    assert len(solve(_ot_problem(mon, later, max_per_week_min=60)).assignments) == 2
