"""The independent validator checks the workflow rules of docs/workflow.md: flexible times, rehearsals, venue
surveys, equipment kits and travel. Plans are built by hand: each valid plan passes, each minimal break is named."""

from __future__ import annotations

from typing import Any

import pytest

from allocator.planner.domain import (
    Assignment,
    KitOut,
    KitType,
    MissedRehearsal,
    Plan,
    Problem,
    Request,
    SitePolicy,
    TaskSlot,
    TravelTime,
    Unserved,
    Venue,
    Window,
)
from allocator.planner.validate import validate_plan
from tests.planner.factories import host, operator, policy, request

MON = "2027-03-01"  # the event day, a Monday
FRI = "2027-02-26"  # the Friday before
NOW = "2027-02-20T08:00:00+07:00"


def at(day: str, hm: str) -> str:
    """An instant in WIB, the site zone of these tests."""
    return f"{day}T{hm}:00+07:00"


def slot(day: str, start: str, end: str, **kw: Any) -> TaskSlot:
    return TaskSlot(start=at(day, start), end=at(day, end), **kw)


def prob(requests: list[Request], *, pol: SitePolicy | None = None, **kw: Any) -> Problem:
    kw.setdefault("hosts", [host("H1"), host("H2")])
    kw.setdefault("operators", [operator("O1"), operator("O2")])
    return Problem(now=kw.pop("now", NOW), policy=pol or policy(), requests=requests, **kw)


def plan_of(*assignments: Assignment, unserved: tuple[str, ...] = (), **kw: Any) -> Plan:
    return Plan(
        assignments=list(assignments),
        unserved=[Unserved(request=r, code="hosts_busy", reason="busy", reason_id="sibuk") for r in unserved],
        **kw,
    )


def caught(problem: Problem, plan: Plan, expected: str) -> None:
    problems = validate_plan(problem, plan)
    assert any(expected in p for p in problems), problems


# --- Flexible times ------------------------------------------------------------------------------------------


def flexible(ref: str = "F", **kw: Any) -> Request:
    return request(ref, "10:00", "11:00", day=MON, window_start=f"{MON}T08:00", window_end=f"{MON}T14:00", **kw)


def moved(start: str, end: str, ref: str = "F", **kw: Any) -> Assignment:
    kw.setdefault("host", "H1")
    return Assignment(request=ref, start=at(MON, start), end=at(MON, end), **kw)


def test_a_flexible_request_moved_on_the_grain_inside_its_window_passes() -> None:
    assert validate_plan(prob([flexible()]), plan_of(moved("09:15", "10:15"))) == []
    assert validate_plan(prob([flexible()]), plan_of(moved("08:00", "09:00"))) == []
    assert validate_plan(prob([flexible()]), plan_of(moved("13:00", "14:00"))) == []


@pytest.mark.parametrize(
    ("assignment", "expected"),
    [
        (Assignment(request="F", host="H1"), "F: is flexible but the assignment carries no start and end"),
        (Assignment(request="F", host="H1", start=at(MON, "09:00")), "F: has only one of start and end"),
        (moved("09:15", "10:45"), "F: flexible: lasts 1:30:00 instead of 1:00:00"),
        (moved("13:30", "14:30"), "F: flexible: 2027-03-01T06:30:00+00:00-2027-03-01T07:30:00+00:00 leaves its window"),
        (moved("07:45", "08:45"), "leaves its window"),
        (moved("09:10", "10:10"), "F: flexible: start 2027-03-01T02:10:00+00:00 is not a whole number of 15-min"),
    ],
)
def test_each_flexible_break_is_named(assignment: Assignment, expected: str) -> None:
    caught(prob([flexible()]), plan_of(assignment), expected)


def test_a_fixed_request_keeps_its_time() -> None:
    prob_ = prob([request("A", "10:00", "11:00", day=MON)])
    same = Assignment(request="A", host="H1", start=at(MON, "10:00"), end=at(MON, "11:00"))
    assert validate_plan(prob_, plan_of(same)) == []
    caught(prob_, plan_of(moved("09:00", "10:00", ref="A")), "A: is not flexible but was moved from its requested time")


def test_host_and_operator_checks_use_the_effective_time() -> None:
    reqs = [request("G", "08:00", "09:00", day=MON), flexible(service="link_operator")]
    prob_ = prob(reqs, hosts=[host("H1")], operators=[operator("O1")])
    g = Assignment(request="G", host="H1")
    assert validate_plan(prob_, plan_of(g, moved("09:00", "10:00", operators=["O1"]))) == []
    caught(prob_, plan_of(g, moved("08:30", "09:30", operators=["O1"])), "host H1: 2 meetings at once")

    late_shift = [operator("O1", shifts=[{"weekdays": [0], "start": "10:00", "end": "17:00"}])]
    prob_ = prob(reqs, hosts=[host("H1")], operators=late_shift)
    assert validate_plan(prob_, plan_of(g, moved("10:00", "11:00", operators=["O1"]))) == []
    caught(prob_, plan_of(g, moved("09:00", "10:00", operators=["O1"])), "F: operator O1 is off shift then")

    dark = Window(start=at(MON, "12:00"), end=at(MON, "13:00"))
    prob_ = prob([flexible()], hosts=[host("H1", blackouts=[dark])])
    caught(prob_, plan_of(moved("12:30", "13:30")), "F: host H1 is blacked out then")


def test_a_flexible_request_newly_placed_must_not_have_started() -> None:
    prob_ = prob([flexible()], now="2027-03-01T09:30:00+07:00")
    assert validate_plan(prob_, plan_of(moved("10:00", "11:00"))) == []
    caught(prob_, plan_of(moved("09:15", "10:15")), "F: newly assigned although it started at 2027-03-01T02:15:00")


def test_a_published_flexible_request_inside_the_freeze_horizon_keeps_its_time() -> None:
    published = moved("09:00", "10:00")
    prob_ = prob(
        [flexible()], previous=[published], pol=policy(freeze_horizon_min=24 * 60), now="2027-03-01T07:00:00+07:00"
    )
    assert validate_plan(prob_, plan_of(published)) == []
    caught(prob_, plan_of(moved("10:00", "11:00")), "F: frozen")


# --- Rehearsals ----------------------------------------------------------------------------------------------

ONLINE = {"duration_min": 60, "window_start_min_before": 4 * 24 * 60, "end_min_before": 60}  # from Thu 10:00


def rehearsed(ref: str = "R", *, spec: dict[str, Any] | None = None, **kw: Any) -> Request:
    kw.setdefault("service", "link_operator")
    return request(ref, "10:00", "11:00", day=MON, rehearsal=spec or ONLINE, **kw)


def with_rehearsal(rehearsal: TaskSlot | None, ref: str = "R", **kw: Any) -> Assignment:
    kw.setdefault("host", "H1")
    kw.setdefault("operators", ["O1"])
    return Assignment(request=ref, rehearsal=rehearsal, **kw)


GOOD_REHEARSAL = slot(FRI, "09:00", "10:00", host="H2", operators=["O1"])


def test_a_good_online_rehearsal_passes() -> None:
    assert validate_plan(prob([rehearsed()]), plan_of(with_rehearsal(GOOD_REHEARSAL))) == []
    # on the event's own host, ending exactly end_min_before the event
    late = slot(MON, "08:00", "09:00", host="H1", operators=["O1"])
    assert validate_plan(prob([rehearsed()]), plan_of(with_rehearsal(late))) == []


@pytest.mark.parametrize(
    ("rehearsal", "expected"),
    [
        (slot(FRI, "09:00", "10:00", host="H2", operators=["O2"]), "R: rehearsal operators ['O2'] are not the event"),
        (slot(FRI, "09:00", "10:00", host="H2", operators=["O1", "O2"]), "are not the event's operators"),
        (slot(FRI, "09:00", "10:30", host="H2", operators=["O1"]), "R: rehearsal lasts 1:30:00 instead of 60 min"),
        (slot(MON, "08:30", "09:30", host="H2", operators=["O1"]), "R: rehearsal 2027-03-01T01:30:00+00:00"),
        (slot(MON, "08:30", "09:30", host="H2", operators=["O1"]), "is outside its window"),
        (slot("2027-02-25", "09:00", "10:00", host="H2", operators=["O1"]), "is outside its window"),
        (slot(FRI, "16:30", "17:30", host="H2", operators=["O1"]), "R: rehearsal 2027-02-26 16:30-2027-02-26 17:30"),
        (slot(FRI, "16:30", "17:30", host="H2", operators=["O1"]), "is not inside office hours 07:00-17:00"),
        (slot(FRI, "09:15", "10:15", host="H2", operators=["O1"]), "R: rehearsal starts at 09:15 Asia/Jakarta, off"),
        (slot(FRI, "09:00", "10:00", operators=["O1"]), "R: rehearsal is online but has no host"),
        (slot(FRI, "09:00", "10:00", host="NOPE", operators=["O1"]), "R: rehearsal on unknown host NOPE"),
        (slot(FRI, "09:00", "10:00", host="H2", operators=["O1"], venue="V1"), "is online but names venue V1"),
    ],
)
def test_each_rehearsal_break_is_named(rehearsal: TaskSlot, expected: str) -> None:
    caught(prob([rehearsed()]), plan_of(with_rehearsal(rehearsal)), expected)


def test_a_rehearsal_window_follows_the_effective_start() -> None:
    req = rehearsed(window_start=f"{MON}T08:00", window_end=f"{MON}T14:00")
    rehearsal = slot(MON, "08:00", "09:00", host="H2", operators=["O1"])
    at_ten = with_rehearsal(rehearsal, start=at(MON, "10:00"), end=at(MON, "11:00"))
    assert validate_plan(prob([req]), plan_of(at_ten)) == []
    at_nine = with_rehearsal(rehearsal, start=at(MON, "09:00"), end=at(MON, "10:00"))
    caught(prob([req]), plan_of(at_nine), "R: rehearsal 2027-03-01T01:00:00+00:00-2027-03-01T02:00:00+00:00 is outside")


def test_an_online_rehearsal_occupies_its_host_with_buffers() -> None:
    other = request("X", "10:00", "11:00", day=FRI)
    x = Assignment(request="X", host="H2")
    prob_ = prob([rehearsed(), other])
    assert validate_plan(prob_, plan_of(with_rehearsal(GOOD_REHEARSAL), x)) == []
    caught(prob(prob_.requests, pol=policy(buffer_after_min=15)), plan_of(with_rehearsal(GOOD_REHEARSAL), x), "host H2")
    clash = Assignment(request="X", host="H2")
    prob_ = prob([rehearsed(), request("X", "09:30", "10:30", day=FRI)])
    caught(prob_, plan_of(with_rehearsal(GOOD_REHEARSAL), clash), "host H2: 2 meetings at once")
    caught(prob_, plan_of(with_rehearsal(GOOD_REHEARSAL), clash), "rehearsal of R")

    webinar = request("W", "09:30", "10:30", day=FRI, kind="webinar")
    prob_ = prob([rehearsed(), webinar], hosts=[host("H1"), host("H2", kind="webinar", max_concurrent=2)])
    caught(prob_, plan_of(with_rehearsal(GOOD_REHEARSAL), Assignment(request="W", host="H2")), "webinar W overlaps")


def test_an_online_rehearsal_respects_host_availability_and_blackouts() -> None:
    dark = Window(start=at(FRI, "09:30"), end=at(FRI, "09:45"))
    prob_ = prob([rehearsed()], hosts=[host("H1"), host("H2", blackouts=[dark])])
    caught(prob_, plan_of(with_rehearsal(GOOD_REHEARSAL)), "R: rehearsal: host H2 is blacked out then")
    only_monday = [Window(start=at(MON, "00:00"), end=at(MON, "23:00"))]
    prob_ = prob([rehearsed()], hosts=[host("H1"), host("H2", available=only_monday)])
    caught(prob_, plan_of(with_rehearsal(GOOD_REHEARSAL)), "R: rehearsal: host H2 is not available then")


def test_a_rehearsal_occupies_its_operators_with_setup_within_shift_and_off_leave() -> None:
    other = request("Y", "10:30", "11:00", day=FRI, service="operator")
    y = Assignment(request="Y", operators=["O1"])
    prob_ = prob([rehearsed(), other])
    assert validate_plan(prob_, plan_of(with_rehearsal(GOOD_REHEARSAL), y)) == []
    setup = prob(prob_.requests, pol=policy(operator_setup_min=15, operator_teardown_min=30))
    caught(setup, plan_of(with_rehearsal(GOOD_REHEARSAL), y), "operator O1: rehearsal of R overlaps Y")

    weekdays_9_to_5 = [{"weekdays": [0, 1, 2, 3, 4], "start": "09:00", "end": "17:00"}]
    prob_ = prob([rehearsed()], operators=[operator("O1", shifts=weekdays_9_to_5)])
    assert validate_plan(prob_, plan_of(with_rehearsal(GOOD_REHEARSAL))) == []
    setup = prob([rehearsed()], operators=[operator("O1", shifts=weekdays_9_to_5)], pol=policy(operator_setup_min=30))
    caught(setup, plan_of(with_rehearsal(GOOD_REHEARSAL)), "R: rehearsal: operator O1 is off shift then")
    on_leave = prob([rehearsed()], operators=[operator("O1", leave=[FRI])])
    caught(on_leave, plan_of(with_rehearsal(GOOD_REHEARSAL)), "R: rehearsal: operator O1 is on leave on 2027-02-26")


ON_SITE = {**ONLINE, "mode": "on_site"}


def test_an_on_site_rehearsal_is_at_the_venue_without_a_host() -> None:
    prob_ = prob([rehearsed(spec=ON_SITE, venue="V1")], venues=[Venue(id="V1")])
    good = slot(FRI, "09:00", "10:00", operators=["O1"], venue="V1")
    assert validate_plan(prob_, plan_of(with_rehearsal(good))) == []
    hosted = slot(FRI, "09:00", "10:00", operators=["O1"], venue="V1", host="H2")
    caught(prob_, plan_of(with_rehearsal(hosted)), "R: rehearsal is on site but was given host H2")
    elsewhere = slot(FRI, "09:00", "10:00", operators=["O1"], venue="V2")
    caught(prob_, plan_of(with_rehearsal(elsewhere)), "R: rehearsal is on site at V2 instead of the request's venue V1")


def missed(ref: str = "R") -> MissedRehearsal:
    return MissedRehearsal(request=ref, reason="no slot", reason_id="tidak ada slot")


def test_a_rehearsal_is_planned_or_listed_as_missed() -> None:
    prob_ = prob([rehearsed()])
    assert validate_plan(prob_, plan_of(with_rehearsal(None), missed_rehearsals=[missed()])) == []
    caught(prob_, plan_of(with_rehearsal(None)), "R: rehearsal neither planned nor listed as missed")
    both = plan_of(with_rehearsal(GOOD_REHEARSAL), missed_rehearsals=[missed()])
    caught(prob_, both, "R: rehearsal both planned and listed as missed")
    twice = plan_of(with_rehearsal(None), missed_rehearsals=[missed(), missed()])
    caught(prob_, twice, "R: listed as a missed rehearsal twice")
    blank = MissedRehearsal(request="R", reason=" ", reason_id="x")
    caught(prob_, plan_of(with_rehearsal(None), missed_rehearsals=[blank]), "R: missed rehearsal without a reason")


def test_a_mandatory_rehearsal_cannot_be_missed() -> None:
    prob_ = prob([rehearsed(spec={**ONLINE, "mandatory": True})])
    assert validate_plan(prob_, plan_of(with_rehearsal(GOOD_REHEARSAL))) == []
    caught(prob_, plan_of(with_rehearsal(None)), "R: served without its mandatory rehearsal")
    listed = plan_of(with_rehearsal(None), missed_rehearsals=[missed()])
    caught(prob_, listed, "R: its rehearsal is mandatory")
    unserved = Plan(unserved=[Unserved(request="R", code="no_rehearsal", reason="no slot", reason_id="tidak ada slot")])
    assert validate_plan(prob_, unserved) == []


def test_no_rehearsal_without_a_spec_and_missed_ones_must_be_served_with_a_spec() -> None:
    plain = request("A", "10:00", "11:00", day=MON, service="link_operator")
    prob_ = prob([plain, rehearsed()])
    a = Assignment(request="A", host="H2", operators=["O2"], rehearsal=slot(FRI, "09:00", "10:00", host="H1"))
    caught(prob_, plan_of(a, with_rehearsal(GOOD_REHEARSAL)), "A: rehearsal planned although the request asks for none")
    a = Assignment(request="A", host="H2", operators=["O2"])
    listed = plan_of(a, with_rehearsal(GOOD_REHEARSAL), missed_rehearsals=[missed("A")])
    caught(prob_, listed, "A: listed as a missed rehearsal but asks for no rehearsal")
    unserved_r = plan_of(a, unserved=("R",), missed_rehearsals=[missed("R")])
    caught(prob_, unserved_r, "R: listed as a missed rehearsal but the request is not served")
    caught(prob_, plan_of(a, with_rehearsal(GOOD_REHEARSAL), missed_rehearsals=[missed("Z")]), "Z: missed rehearsal of")


# --- Venue surveys -------------------------------------------------------------------------------------------

SURVEY_VENUES = [Venue(id="NEW", surveyed=False), Venue(id="OLD")]


def at_venue(ref: str, day: str, venue: str = "NEW", **kw: Any) -> Request:
    kw.setdefault("service", "operator")
    return request(ref, "10:00", "11:00", day=day, venue=venue, **kw)


def on_site(ref: str, survey: TaskSlot | None = None, operator_: str = "O1", **kw: Any) -> Assignment:
    return Assignment(request=ref, operators=[operator_], survey=survey, **kw)


SURVEY = slot(FRI, "09:00", "10:00", operators=["O2"], venue="NEW")
TUE = "2027-03-02"


def surveyed_problem(**kw: Any) -> Problem:
    kw.setdefault("venues", SURVEY_VENUES)
    return prob([at_venue("S1", MON), at_venue("S2", TUE)], **kw)


def test_a_new_venue_gets_one_survey_before_its_first_on_site_request() -> None:
    assert validate_plan(surveyed_problem(), plan_of(on_site("S1", SURVEY), on_site("S2"))) == []
    # the latest allowed: ending survey_lead_min (60) before the event
    late = slot(MON, "08:00", "09:00", operators=["O2"], venue="NEW")
    assert validate_plan(surveyed_problem(), plan_of(on_site("S1", late), on_site("S2"))) == []
    # a surveyed venue needs none
    old = prob([at_venue("S1", MON, venue="OLD")], venues=SURVEY_VENUES)
    assert validate_plan(old, plan_of(on_site("S1"))) == []
    # a remote request at a new venue needs none
    remote = prob([at_venue("S1", MON, remote=True)], venues=SURVEY_VENUES)
    assert validate_plan(remote, plan_of(on_site("S1"))) == []


@pytest.mark.parametrize(
    ("assignments", "expected"),
    [
        ([on_site("S1"), on_site("S2")], "venue NEW: new venue without a survey before S1"),
        ([on_site("S1"), on_site("S2", SURVEY)], "venue NEW: survey is attached to S2, not to the earliest on-site"),
        ([on_site("S1", SURVEY), on_site("S2", SURVEY)], "venue NEW: 2 surveys (attached to S1, S2), one expected"),
        (
            [on_site("S1", slot(FRI, "09:00", "10:30", operators=["O2"], venue="NEW")), on_site("S2")],
            "venue NEW: survey lasts 1:30:00 instead of 60 min",
        ),
        (
            [on_site("S1", slot(MON, "08:30", "09:30", operators=["O2"], venue="NEW")), on_site("S2")],
            "venue NEW: survey ends at 2027-03-01T02:30:00+00:00, after 2027-03-01T02:00:00+00:00 (lead time)",
        ),
        (
            [on_site("S1", slot("2027-02-21", "09:00", "10:00", operators=["O2"], venue="NEW")), on_site("S2")],
            "venue NEW: survey starts at 2027-02-21T02:00:00+00:00, before 2027-02-22T03:00:00+00:00",
        ),
        (
            [on_site("S1", slot(FRI, "06:00", "07:00", operators=["O2"], venue="NEW")), on_site("S2")],
            "venue NEW: survey 2027-02-26 06:00-2027-02-26 07:00 Asia/Jakarta is not inside office hours",
        ),
        (
            [on_site("S1", slot(FRI, "09:45", "10:45", operators=["O2"], venue="NEW")), on_site("S2")],
            "venue NEW: survey starts at 09:45 Asia/Jakarta, off the 30-min task grid",
        ),
        (
            [on_site("S1", slot(FRI, "09:00", "10:00", operators=["O1", "O2"], venue="NEW")), on_site("S2")],
            "venue NEW: survey needs exactly 1 operator but has 2",
        ),
        (
            [on_site("S1", slot(FRI, "09:00", "10:00", operators=["O2"], venue="NEW", host="H1")), on_site("S2")],
            "venue NEW: survey was given host H1",
        ),
        (
            [on_site("S1", slot(FRI, "09:00", "10:00", operators=["O2"])), on_site("S2")],
            "S1: survey without a venue",
        ),
        (
            [on_site("S1", SURVEY), on_site("S2", slot(FRI, "09:00", "10:00", operators=["O1"], venue="OLD"))],
            "S2: survey at venue OLD, which is not a new (unsurveyed) venue",
        ),
        (
            [on_site("S1", SURVEY), on_site("S2", slot(FRI, "09:00", "10:00", operators=["O1"], venue="ELSE"))],
            "S2: survey at venue ELSE, which is not a new (unsurveyed) venue",
        ),
        (
            [on_site("S1", slot(FRI, "09:00", "10:00", operators=["GHOST"], venue="NEW")), on_site("S2")],
            "venue NEW: survey by unknown operator GHOST",
        ),
    ],
)
def test_each_survey_break_is_named(assignments: list[Assignment], expected: str) -> None:
    caught(surveyed_problem(), plan_of(*assignments), expected)


def test_no_survey_where_no_on_site_request_is_served() -> None:
    remote = prob([at_venue("S1", MON, remote=True)], venues=SURVEY_VENUES)
    caught(remote, plan_of(on_site("S1", SURVEY)), "venue NEW: survey (attached to S1) but no served on-site request")
    unserved = prob([at_venue("S1", MON), request("A", "10:00", "11:00", day=MON)], venues=SURVEY_VENUES)
    survey_on_a = Assignment(request="A", host="H1", survey=SURVEY)
    caught(unserved, plan_of(survey_on_a, unserved=("S1",)), "venue NEW: survey (attached to A) but no served on-site")


def test_the_earliest_on_site_request_is_taken_at_its_effective_start() -> None:
    flex_s2 = at_venue("S2", TUE, window_start=f"{MON}T07:00", window_end=f"{TUE}T17:00")
    prob_ = prob([at_venue("S1", MON), flex_s2], venues=SURVEY_VENUES)
    s2_monday = on_site("S2", start=at(MON, "07:00"), end=at(MON, "08:00"), operator_="O2")
    caught(prob_, plan_of(on_site("S1", SURVEY), s2_monday), "venue NEW: survey is attached to S1, not to the earliest")
    survey_before = slot(FRI, "09:00", "10:00", operators=["O1"], venue="NEW")
    good = on_site("S2", survey_before, start=at(MON, "07:00"), end=at(MON, "08:00"), operator_="O2")
    assert validate_plan(prob_, plan_of(on_site("S1"), good)) == []


def test_a_survey_occupies_its_operator_exactly_within_shift_and_off_leave() -> None:
    # O2's remote meeting right after the survey: its setup touches the survey's end, no setup/teardown for surveys
    remote = request("Z", "10:30", "11:00", day=FRI, service="operator")
    pol = policy(operator_setup_min=30, operator_teardown_min=15)
    prob_ = prob([at_venue("S1", MON), remote], venues=SURVEY_VENUES, pol=pol)
    z = Assignment(request="Z", operators=["O2"])
    assert validate_plan(prob_, plan_of(on_site("S1", SURVEY), z)) == []
    clash = prob(
        [at_venue("S1", MON), request("Z", "10:15", "11:00", day=FRI, service="operator")],
        pol=pol,
        venues=SURVEY_VENUES,
    )
    caught(clash, plan_of(on_site("S1", SURVEY), z), "operator O2: survey of NEW (with S1) overlaps Z")

    nine_to_five = [{"weekdays": [0, 1, 2, 3, 4], "start": "09:00", "end": "17:00"}]
    prob_ = prob(
        [at_venue("S1", MON)], venues=SURVEY_VENUES, operators=[operator("O1"), operator("O2", shifts=nine_to_five)]
    )
    assert validate_plan(prob_, plan_of(on_site("S1", SURVEY))) == []
    early = slot(FRI, "08:00", "09:00", operators=["O2"], venue="NEW")
    caught(prob_, plan_of(on_site("S1", early)), "venue NEW: survey: operator O2 is off shift then")
    prob_ = prob([at_venue("S1", MON)], venues=SURVEY_VENUES, operators=[operator("O1"), operator("O2", leave=[FRI])])
    caught(prob_, plan_of(on_site("S1", SURVEY)), "venue NEW: survey: operator O2 is on leave on 2027-02-26")


# --- Equipment kits ------------------------------------------------------------------------------------------

CAM = [KitType(id="CAM", stock=2)]


def kit_problem(pickup: int = 15, give_back: int = 15, kits_out: list[KitOut] | None = None) -> Problem:
    reqs = [
        request("K1", "09:00", "10:00", day=MON, kits=[{"kit": "CAM", "count": 1}]),
        request("K2", "10:30", "11:30", day=MON, kits=[{"kit": "CAM", "count": 2}]),
    ]
    pol = policy(kit_pickup_min=pickup, kit_return_min=give_back)
    return prob(reqs, kit_types=CAM, kits_out=kits_out or [], pol=pol)


KITS_PLAN = plan_of(Assignment(request="K1", host="H1"), Assignment(request="K2", host="H2"))


def test_kits_within_stock_pass_and_pickup_and_return_count() -> None:
    assert validate_plan(kit_problem(), KITS_PLAN) == []  # K1 back at 10:15, K2 picked up at 10:15
    caught(
        kit_problem(pickup=30), KITS_PLAN, "kit CAM: 3 held at 2027-03-01T03:00:00+00:00 but the stock is 2 (K1, K2)"
    )
    caught(kit_problem(give_back=30), KITS_PLAN, "kit CAM: 3 held")


def test_kits_follow_the_effective_time() -> None:
    reqs = [
        request("K1", "09:00", "10:00", day=MON, kits=[{"kit": "CAM", "count": 1}]),
        request(
            "K2",
            "12:00",
            "13:00",
            day=MON,
            kits=[{"kit": "CAM", "count": 2}],
            window_start=f"{MON}T08:00",
            window_end=f"{MON}T14:00",
        ),
    ]
    prob_ = prob(reqs, kit_types=CAM, pol=policy(kit_pickup_min=0, kit_return_min=0))
    k1 = Assignment(request="K1", host="H1")
    assert validate_plan(prob_, plan_of(k1, moved("10:00", "11:00", ref="K2", host="H2"))) == []
    caught(prob_, plan_of(k1, moved("09:30", "10:30", ref="K2", host="H2")), "kit CAM: 3 held")


def loan(due: str, request_: str | None = "EARLIER", count: int = 1) -> KitOut:
    return KitOut(kit="CAM", count=count, request=request_, due=due)


def test_kits_out_are_held_until_due_or_forever_when_overdue() -> None:
    assert validate_plan(kit_problem(kits_out=[loan(at(MON, "10:15"))]), KITS_PLAN) == []
    caught(kit_problem(kits_out=[loan(at(MON, "10:30"))]), KITS_PLAN, "kit CAM: 3 held")
    caught(kit_problem(kits_out=[loan(at(MON, "10:30"))]), KITS_PLAN, "loan to EARLIER")
    overdue = kit_problem(kits_out=[loan(at("2027-02-19", "09:00"), request_=None)])
    caught(overdue, KITS_PLAN, "kit CAM: 3 held")
    caught(overdue, KITS_PLAN, "(K2, loan)")


def test_a_served_requests_own_loan_is_not_counted_twice() -> None:
    own = kit_problem(kits_out=[loan(at(MON, "11:45"), request_="K2", count=2)])
    assert validate_plan(own, KITS_PLAN) == []
    # the same loan for a request not served in this plan holds stock
    caught(own, plan_of(Assignment(request="K1", host="H1"), unserved=("K2",)), "kit CAM: 3 held")


# --- Travel --------------------------------------------------------------------------------------------------

TRAVEL_VENUES = [
    Venue(id="V1", travel_from_base_min=30),
    Venue(id="V2", travel_from_base_min=20),
    Venue(id="V3", travel_from_base_min=60),
    Venue(id="N", travel_from_base_min=10, surveyed=False),
]
MATRIX = [TravelTime(a="V3", b="V1", minutes=10)]


def trip(ref: str, start: str, end: str, venue: str | None, **kw: Any) -> Request:
    kw.setdefault("service", "operator")
    return request(ref, start, end, day=MON, venue=venue, **kw)


def travel_problem(*requests: Request, pol: SitePolicy | None = None) -> Problem:
    return prob(list(requests), venues=TRAVEL_VENUES, travel=MATRIX, pol=pol)


def by_o1(*refs: str) -> Plan:
    return plan_of(*(Assignment(request=r, operators=["O1"]) for r in refs))


def test_travel_between_venues_via_the_office_or_the_matrix() -> None:
    t1 = trip("T1", "09:00", "10:00", "V1")
    assert validate_plan(travel_problem(t1, trip("T2", "10:50", "11:30", "V2")), by_o1("T1", "T2")) == []
    caught(
        travel_problem(t1, trip("T2", "10:30", "11:30", "V2")),
        by_o1("T1", "T2"),
        "operator O1: travel from V1 (T1) to V2 (T2) needs 0:50:00 but only 0:30:00 is left",
    )
    # the matrix entry (either direction) replaces the way via the office (90 min)
    assert validate_plan(travel_problem(t1, trip("T3", "10:15", "11:00", "V3")), by_o1("T1", "T3")) == []
    caught(travel_problem(t1, trip("T3", "10:05", "11:00", "V3")), by_o1("T1", "T3"), "travel from V1 (T1) to V3 (T3)")
    # the same venue needs none
    assert validate_plan(travel_problem(t1, trip("T4", "10:00", "11:00", "V1")), by_o1("T1", "T4")) == []


def test_travel_counts_setup_and_teardown() -> None:
    reqs = (trip("T1", "09:00", "10:00", "V1"), trip("T2", "11:00", "12:00", "V2"))
    assert validate_plan(travel_problem(*reqs), by_o1("T1", "T2")) == []
    pol = policy(operator_setup_min=15, operator_teardown_min=15)
    caught(travel_problem(*reqs, pol=pol), by_o1("T1", "T2"), "needs 0:50:00 but only 0:30:00 is left")


def test_remote_work_needs_no_travel() -> None:
    t1 = trip("T1", "09:00", "10:00", "V1")
    assert validate_plan(travel_problem(t1, trip("T2", "10:00", "11:00", "V2", remote=True)), by_o1("T1", "T2")) == []
    assert validate_plan(travel_problem(t1, trip("T2", "10:00", "11:00", None)), by_o1("T1", "T2")) == []
    # a link-only request has no operator on site
    link = trip("T2", "10:00", "11:00", "V2", service="link")
    assert (
        validate_plan(
            travel_problem(t1, link),
            plan_of(Assignment(request="T1", operators=["O1"]), Assignment(request="T2", host="H1")),
        )
        == []
    )


def test_consecutive_on_site_tasks_only() -> None:
    # a remote meeting between two on-site ones changes nothing: V1 -> V2 still needs 50 min
    reqs = (
        trip("T1", "09:00", "10:00", "V1"),
        trip("R", "10:00", "10:20", "V3", remote=True),
        trip("T2", "10:30", "11:00", "V2"),
    )
    caught(travel_problem(*reqs), by_o1("T1", "R", "T2"), "travel from V1 (T1) to V2 (T2)")


def test_on_site_rehearsals_and_surveys_need_travel() -> None:
    spec = {"duration_min": 30, "window_start_min_before": 24 * 60, "end_min_before": 0, "mode": "on_site"}
    t1 = trip("T1", "09:00", "10:00", "V1")
    t2 = trip("T2", "11:00", "12:00", "V2", rehearsal=spec)
    at_v2 = slot(MON, "10:30", "11:00", operators=["O1"], venue="V2")
    plan = plan_of(
        Assignment(request="T1", operators=["O1"]), Assignment(request="T2", operators=["O1"], rehearsal=at_v2)
    )
    caught(travel_problem(t1, t2), plan, "travel from V1 (T1) to V2 (rehearsal of T2) needs 0:50:00 but only 0:30:00")
    online = {**spec, "mode": "online"}
    t2_online = trip("T2", "11:00", "12:00", "V2", service="link_operator", rehearsal=online)
    remote = slot(MON, "10:00", "10:30", operators=["O1"], host="H1")
    plan = plan_of(
        Assignment(request="T1", operators=["O1"]),
        Assignment(request="T2", host="H2", operators=["O1"], rehearsal=remote),
    )
    assert validate_plan(travel_problem(t1, t2_online), plan) == []

    # a survey at the new venue N right after T1 at V1: via the office 30 + 10 min
    t3 = request("T3", "10:00", "11:00", day=TUE, venue="N", service="operator")
    survey = slot(MON, "10:30", "11:30", operators=["O1"], venue="N")
    plan = plan_of(
        Assignment(request="T1", operators=["O1"]), Assignment(request="T3", operators=["O2"], survey=survey)
    )
    caught(travel_problem(t1, t3), plan, "travel from V1 (T1) to N (survey of N (with T3)) needs 0:40:00")
    survey = slot(MON, "11:00", "12:00", operators=["O1"], venue="N")
    plan = plan_of(
        Assignment(request="T1", operators=["O1"]), Assignment(request="T3", operators=["O2"], survey=survey)
    )
    assert validate_plan(travel_problem(t1, t3), plan) == []
