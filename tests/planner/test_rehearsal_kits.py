"""A rehearsal that uses the event's kits (`RehearsalSpec.uses_kits`, docs/calendar.md): the kits are picked up
before the rehearsal and held through the event, one loan counted once — in the model, in the optional
rehearsals' placement, in the first-come-first-served pass and in the independent validator; and the PIC's mail,
the explanations and the store name the real pickup."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from allocator.notify.planned import event_info, kit_loans
from allocator.planner.domain import Assignment, KitType, Plan, Problem, TaskSlot
from allocator.planner.explain import kit_loans as plan_loans
from allocator.planner.solver import first_come_first_served, solve
from allocator.planner.validate import validate_claims, validate_plan
from tests.planner.factories import host, operator, policy, problem, request

MON, TUE = "2027-03-01", "2027-03-02"
WIB = "+07:00"


def at(day: str, hhmm: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{hhmm}:00{WIB}")


def rehearsal(uses_kits: bool = True, **kw: Any) -> dict[str, Any]:
    spec = {"duration_min": 60, "window_start_min_before": 2 * 24 * 60, "end_min_before": 60, "mode": "on_site",
            "mandatory": True, "uses_kits": uses_kits}  # fmt: skip
    spec.update(kw)
    return spec


def event(ref: str = "A", start: str = "10:00", end: str = "11:00", day: str = TUE, **kw: Any) -> Any:
    kw.setdefault("rehearsal", rehearsal())
    return request(ref, start, end, day=day, service="operator", venue="AULA", kits=[{"kit": "CAM"}], **kw)


def early_loan(start: str = "07:00", end: str = "07:30") -> Any:
    """A high-priority meeting borrowing the only camera early on Tuesday (out 06:00, back 08:30)."""
    return request("B", start, end, day=TUE, kits=[{"kit": "CAM"}], priority="high")


def kit_problem(*reqs: Any, stock: int = 1, operators: list[Any] | None = None, **pol: Any) -> Problem:
    return problem(
        hosts=[host("H1")],
        operators=operators or [operator("O1")],
        requests=list(reqs),
        pol=policy(kit_pickup_min=60, kit_return_min=60, **pol),
        venues=[{"id": "AULA"}, {"id": "GOR"}],
        kit_types=[KitType(id="CAM", name="Kamera", stock=stock)],
    )


def served(plan: Plan) -> list[str]:
    return [a.request for a in plan.assignments]


def checked(prob: Problem, plan: Plan) -> Plan:
    assert validate_plan(prob, plan) == [] and validate_claims(prob, plan) == []
    return plan


# --- the loan starts before the rehearsal ---------------------------------------------------------------------


def test_kits_are_picked_up_before_a_rehearsal_that_uses_them() -> None:
    prob = kit_problem(event())
    plan = checked(prob, solve(prob))
    a = plan.assignment_for("A")
    assert a is not None and a.rehearsal is not None and a.rehearsal.start == at(TUE, "08:00")
    req = prob.request("A")
    (loan,) = event_info(req, a, prob.policy).kits  # the PIC's mail
    assert loan.pickup == at(TUE, "07:00") and loan.due == at(TUE, "12:00")
    assert kit_loans(req, req.start, req.end, prob.policy)[0].pickup == at(TUE, "09:00")  # no rehearsal given
    assert plan_loans(prob, plan.assignments)["CAM"] == [(at(TUE, "07:00"), at(TUE, "12:00"), 1, "A")]
    # A rehearsal that does not use the kits leaves the pickup before the event.
    plain = kit_problem(event(rehearsal=rehearsal(uses_kits=False)))
    b = solve(plain).assignment_for("A")
    assert b is not None and event_info(plain.request("A"), b, plain.policy).kits[0].pickup == at(TUE, "09:00")


def test_a_rehearsal_whose_kits_are_out_cannot_take_place() -> None:
    # B holds the only camera until 08:30; A's rehearsal must end by 09:00, so its kits would leave by 07:00.
    prob = kit_problem(event(), early_loan())
    plan = checked(prob, solve(prob))
    assert served(plan) == ["B"]
    u = next(u for u in plan.unserved if u.request == "A")
    assert u.code == "kits_short" and "picked up for its rehearsal" in u.reason  # B named: see below
    # The same rehearsal without the kits: both served, as before.
    assert served(solve(kit_problem(event(rehearsal=rehearsal(uses_kits=False)), early_loan()))) == ["A", "B"]
    # First come, first served keeps the rule too.
    assert validate_plan(prob, first_come_first_served(prob)) == []


def test_a_rehearsal_takes_the_kits_as_soon_as_they_are_back() -> None:
    # Ending 30 min before the event, the rehearsal may start at 09:30: its kits leave at 08:30, as B's come back.
    prob = kit_problem(event(start="11:00", end="12:00", rehearsal=rehearsal(end_min_before=30)), early_loan())
    plan = checked(prob, solve(prob))
    a = plan.assignment_for("A")
    assert served(plan) == ["A", "B"] and a is not None and a.rehearsal is not None
    assert a.rehearsal.start == at(TUE, "09:30")
    assert validate_plan(prob, first_come_first_served(prob)) == []


def test_a_flexible_event_moves_so_that_its_rehearsal_has_the_kits() -> None:
    flexible = event(window_start=f"{TUE}T07:00", window_end=f"{TUE}T18:00")
    prob = kit_problem(flexible, early_loan(), flexible_grain_min=30)
    plan = checked(prob, solve(prob))
    a = plan.assignment_for("A")
    assert served(plan) == ["A", "B"] and a is not None and a.rehearsal is not None
    # The rehearsal's kits leave at 08:30 at the earliest: rehearsal 09:30, event an hour after it ends.
    assert a.rehearsal.start == at(TUE, "09:30") and a.start == at(TUE, "11:30")
    assert plan.term("served_weight").optimal


def test_rehearsal_and_event_hold_the_kits_once() -> None:
    # One camera for a rehearsal on Monday and the event on Tuesday: one loan, not two.
    prob = kit_problem(event(day=TUE, start="08:00", end="09:00", rehearsal=rehearsal(end_min_before=20 * 60)))
    plan = checked(prob, solve(prob))
    a = plan.assignment_for("A")
    assert a is not None and a.rehearsal is not None and a.rehearsal.end <= at(MON, "12:00")
    (loan,) = plan_loans(prob, plan.assignments)["CAM"]
    assert loan[0] == a.rehearsal.start - timedelta(hours=1) and loan[1] == at(TUE, "10:00")


# --- the optional rehearsals' placement ------------------------------------------------------------------------


def test_an_optional_rehearsal_is_placed_only_where_its_kits_are_in_stock() -> None:
    optional = event(rehearsal=rehearsal(mandatory=False))
    prob = kit_problem(optional, early_loan())
    plan = checked(prob, solve(prob))
    a = plan.assignment_for("A")
    assert served(plan) == ["A", "B"] and a is not None and a.rehearsal is None
    (missed,) = plan.missed_rehearsals
    assert missed.request == "A" and "kits" in missed.reason
    # Without B the rehearsal is placed, its kits picked up before it.
    alone = kit_problem(optional)
    a = checked(alone, solve(alone)).assignment_for("A")
    assert a is not None and a.rehearsal is not None
    assert event_info(alone.request("A"), a, alone.policy).kits[0].pickup == a.rehearsal.start - timedelta(hours=1)


def test_optional_rehearsals_competing_for_the_kits_are_placed_together() -> None:
    # Two cameras; A1 and A2 (each with its own operator) rehearse on Monday morning with them and hold them to
    # Tuesday; C borrows one on Monday afternoon: only one of the two rehearsals can have its camera.
    spec = rehearsal(mandatory=False, window_start_min_before=26 * 60, end_min_before=24 * 60)
    a1 = event("A1", day=TUE, rehearsal=spec, allowed_operators=["O1"])
    a2 = event("A2", day=TUE, rehearsal=spec, allowed_operators=["O2"]).model_copy(update={"venue": "GOR"})
    c = request("C", "13:00", "14:00", day=MON, kits=[{"kit": "CAM"}], priority="high")
    # O1 and O2 work on Monday anyway, so a rehearsal there calls no one in.
    m1, m2 = (request(f"M{k}", "15:00", "16:00", day=MON, service="operator", allowed_operators=[f"O{k}"])
              for k in (1, 2))  # fmt: skip
    prob = kit_problem(a1, a2, c, m1, m2, stock=2, operators=[operator("O1"), operator("O2")])
    plan = checked(prob, solve(prob))
    assert served(plan) == ["A1", "A2", "C", "M1", "M2"]
    rehearsed = [a.request for a in plan.assignments if a.rehearsal is not None]
    assert len(rehearsed) == 1 and [m.request for m in plan.missed_rehearsals] == sorted({"A1", "A2"} - {*rehearsed})
    # With three cameras both rehearse.
    more = kit_problem(a1, a2, c, m1, m2, stock=3, operators=[operator("O1"), operator("O2")])
    assert checked(more, solve(more)).missed_rehearsals == []


# --- the independent validator ------------------------------------------------------------------------------


def test_the_validator_refuses_a_rehearsal_whose_kits_are_not_yet_back() -> None:
    prob = kit_problem(event(), early_loan())
    slot = TaskSlot(start=at(TUE, "08:00"), end=at(TUE, "09:00"), operators=["O1"], venue="AULA")
    both = Plan(assignments=[Assignment(request="A", operators=["O1"], rehearsal=slot),
                             Assignment(request="B", host="H1")])  # fmt: skip
    problems = validate_plan(prob, both)
    assert any("kit CAM: 2 held" in v and "A" in v and "B" in v for v in problems), problems
    plain = kit_problem(event(rehearsal=rehearsal(uses_kits=False)), early_loan())
    assert validate_plan(plain, both) == []


# --- alternatives, reasons and pre-emption count the rehearsal's pickup ---------------------------------------


def test_the_reason_names_the_loan_in_the_way_of_the_rehearsal_pickup() -> None:
    # B holds the only camera until 08:30; A's latest rehearsal (08:00) would take it at 07:00.
    plan = solve(kit_problem(event(), early_loan()))
    u = next(u for u in plan.unserved if u.request == "A")
    assert u.code == "kits_short" and u.blockers[0].requests == ["B"]
    assert "Tue 2027-03-02 07:00–12:00 WIB (picked up for its rehearsal)" in u.reason
    assert "(diambil untuk gladi)" in u.reason_id
    # An optional rehearsal may be missed: the event alone fits, and is served.
    optional = solve(kit_problem(event(rehearsal=rehearsal(mandatory=False)), early_loan()))
    assert served(optional) == ["A", "B"]


def test_alternatives_leave_room_for_the_rehearsal_pickup() -> None:
    # Moved to 10:30 or 11:00 A's rehearsal would still take the camera before B brings it back at 08:30: the
    # nearest time that works is 11:30 (rehearsal 09:30, pickup 08:30).
    prob = kit_problem(event(), early_loan(), alternative_days=0)
    u = next(u for u in solve(prob).unserved if u.request == "A")
    times = [alt.start for alt in u.alternatives]
    assert times and times[0] == at(TUE, "11:30") and all(t >= at(TUE, "11:30") for t in times)
    # Each really is free: the event at that time is served with its rehearsal.
    moved = event(start="11:30", end="12:30")
    plan = checked(kit_problem(moved, early_loan()), solve(kit_problem(moved, early_loan())))
    assert served(plan) == ["A", "B"]
    # Without the rehearsal's pickup the nearest time would have been offered.
    plain = kit_problem(event(rehearsal=rehearsal(uses_kits=False, mandatory=True)), early_loan())
    assert served(solve(plain)) == ["A", "B"]


def boss_and_frozen(confirm: list[str]) -> tuple[Problem, Plan]:
    """BOSS (head of region, Tuesday 10:00) must rehearse on Monday by 14:00 with the only camera, held from its
    pickup (Monday 12:00 at the latest) to Tuesday; OLD, published and frozen, borrows it Monday 14:00–15:00."""
    boss = event("BOSS", rehearsal=rehearsal(end_min_before=20 * 60), priority="head_of_region")
    old = request("OLD", "14:00", "15:00", day=MON, kits=[{"kit": "CAM"}])
    prob = kit_problem(boss, old, freeze_horizon_min=48 * 60).model_copy(
        update={
            "hosts": [host("H1")],
            "previous": [Assignment(request="OLD", host="H1")],
            "now": datetime.fromisoformat("2027-02-28T09:00:00+07:00"),
            "confirmed_preemptions": confirm,
        }
    )
    return prob, solve(prob)


def test_a_frozen_loan_in_the_way_of_a_rehearsal_pickup_is_offered_for_pre_emption() -> None:
    _prob, plan = boss_and_frozen([])
    assert served(plan) == ["OLD"]
    u = next(u for u in plan.unserved if u.request == "BOSS")
    assert u.code == "kits_short" and u.blockers[0].requests == ["OLD"]
    (offer,) = plan.preemption_offers
    assert offer.request == "BOSS" and offer.displaces == ["OLD"]


def test_a_frozen_loan_in_the_way_of_a_rehearsal_pickup_gives_way_when_confirmed() -> None:
    prob, plan = boss_and_frozen(["BOSS"])
    assert served(checked(prob, plan)) == ["BOSS"]
    assert [(w.code, w.refs, w.by) for w in plan.warnings] == [("freeze_may_give_way", ["OLD"], "BOSS")]
    # The validator lets it give way only because the loans could cross: not without the confirmation.
    assert any("frozen" in v for v in validate_plan(prob.model_copy(update={"confirmed_preemptions": []}), plan))
