"""Units that run their own meetings: a trained unit may be served self-operated, only when it pays, and the
independent validator checks every rule of it."""

from __future__ import annotations

from typing import Any

from allocator.planner.domain import Assignment, LeavePeriod, Plan, Problem, UnitOperator, Unserved, local
from allocator.planner.solver import solve
from allocator.planner.validate import validate_claims, validate_plan
from tests.planner.factories import host, operator, problem, request

UNIT = "Dinas Uji"  # the factories' unit


def trained(unit: str = UNIT, skills: list[str] | None = None) -> UnitOperator:
    return UnitOperator(id=f"U-{len(unit)}", unit=unit, name="Staf Terlatih", skills=skills or ["zoom"])


def two_at_once(**kw: Any) -> Problem:
    """The regent's meeting and a unit's meeting at the same time, one office operator, two hosts."""
    regent = request("REGENT", "09:00", "11:00", service="link_operator", priority="head_of_region")
    regent = regent.model_copy(update={"unit": "Sekretariat Daerah"})  # no trained operator there
    kw.setdefault("service", "link_operator")
    unit = request("UNIT", "09:00", "11:00", **kw)
    return problem(hosts=[host("H1"), host("H2")], operators=[operator("O1")], requests=[regent, unit],
                   unit_operators=[trained()])  # fmt: skip


def only(plan: Plan, ref: str) -> Assignment:
    a = plan.assignment_for(ref)
    assert a is not None, plan.unserved
    return a


def test_trained_unit_runs_its_own_meeting_when_the_operator_serves_the_regent() -> None:
    prob = two_at_once()
    plan = solve(prob)
    regent, unit = only(plan, "REGENT"), only(plan, "UNIT")
    assert regent.operators == ["O1"] and not regent.self_operated
    assert unit.self_operated and unit.operators == [] and unit.host is not None
    assert validate_plan(prob, plan) == [] and validate_claims(prob, plan) == []
    assert plan.term("preferences").value == 10 + 100  # one operator day, one self-operated request


def test_untrained_unit_is_refused_as_before() -> None:
    prob = two_at_once().model_copy(update={"unit_operators": []})
    plan = solve(prob)
    assert plan.assignment_for("UNIT") is None and only(plan, "REGENT").operators == ["O1"]


def test_trained_operator_without_the_skill_does_not_count() -> None:
    prob = two_at_once(required_skills=["streaming"])
    prob = prob.model_copy(update={"operators": [operator("O1", skills=["streaming"])]})
    assert solve(prob).assignment_for("UNIT") is None


def test_office_operator_preferred_when_free() -> None:
    unit = request("UNIT", "09:00", "11:00", service="link_operator")
    prob = problem(hosts=[host("H1")], operators=[operator("O1")], requests=[unit], unit_operators=[trained()])
    a = only(solve(prob), "UNIT")
    assert a.operators == ["O1"] and not a.self_operated


def test_preference_cost_below_an_operator_day_makes_it_save_operators() -> None:
    unit = request("UNIT", "09:00", "11:00", service="link_operator")
    prob = problem(hosts=[host("H1")], operators=[operator("O1")], requests=[unit], unit_operators=[trained()])
    cheap = prob.policy.model_copy(update={"preferences": prob.policy.preferences.model_copy(
        update={"self_operated": 1})})  # fmt: skip
    a = only(solve(prob.model_copy(update={"policy": cheap})), "UNIT")
    assert a.self_operated and a.operators == []


def test_link_only_and_mandatory_rehearsal_are_never_self_operated() -> None:
    link = two_at_once(service="link")
    assert not only(solve(link), "UNIT").self_operated
    mandatory = two_at_once(rehearsal={"mode": "online", "mandatory": True, "duration_min": 30})
    assert solve(mandatory).assignment_for("UNIT") is None


def test_published_self_operated_request_is_kept() -> None:
    prob = two_at_once()
    first = solve(prob)
    again = solve(prob.model_copy(update={"previous": first.assignments}))
    assert only(again, "UNIT").self_operated and again.term("changes").value == 0


def test_validator_rejects_self_operated_without_a_trained_unit() -> None:
    prob = two_at_once().model_copy(update={"unit_operators": [trained(unit="Kecamatan Lain")]})
    plan = Plan(assignments=[Assignment(request="UNIT", host="H1", self_operated=True)])
    assert any("no trained operator" in v for v in validate_plan(prob, plan))


def test_validator_rejects_self_operated_with_office_operators_or_wrong_service() -> None:
    prob = two_at_once()
    with_ops = Plan(assignments=[Assignment(request="UNIT", host="H1", operators=["O1"], self_operated=True)])
    assert any("lists operators of the office" in v for v in validate_plan(prob, with_ops))
    link = two_at_once(service="link")
    plan = Plan(assignments=[Assignment(request="UNIT", host="H1", self_operated=True)])
    assert any("only link_operator" in v for v in validate_plan(link, plan))


def test_validator_accepts_a_valid_self_operated_assignment() -> None:
    prob = two_at_once()
    plan = Plan(
        assignments=[
            Assignment(request="REGENT", host="H1", operators=["O1"]),
            Assignment(request="UNIT", host="H2", self_operated=True),
        ]
    )
    assert validate_plan(prob, plan) == []


def test_validator_counts_the_preference_cost() -> None:
    prob = two_at_once()
    plan = solve(prob)
    lying = plan.model_copy(
        update={
            "objective": [
                t.model_copy(update={"value": t.value - 100, "bound": t.value - 100}) if t.name == "preferences" else t
                for t in plan.objective
            ]
        }
    )
    assert any("preferences" in v for v in validate_claims(prob, lying))


def test_a_unit_trained_later_is_not_hidden_by_a_reused_part() -> None:
    """The published part's record was made without trained staff: with them, the part is solved again."""
    prob = two_at_once().model_copy(update={"unit_operators": []})
    first = solve(prob)
    assert first.assignment_for("UNIT") is None
    again = prob.model_copy(
        update={
            "unit_operators": [trained()],
            "previous": first.assignments,
            "previous_records": first.records,
            "previous_unserved": first.unserved,
        }
    )
    assert only(solve(again), "UNIT").self_operated


def test_optional_rehearsal_of_a_self_operated_request_is_missed_or_run_by_our_operator() -> None:
    """Our operator runs rehearsals with the event's own operators: a self-operated event gets none (the PIC is
    told), and where placing it makes our operator run the event after all, the plan says so consistently."""
    rehearsal = {"mode": "online", "mandatory": False, "duration_min": 30}
    busy = two_at_once(rehearsal=rehearsal)
    plan = solve(busy)
    assert only(plan, "UNIT").self_operated and only(plan, "UNIT").rehearsal is None
    assert [x.request for x in plan.missed_rehearsals] == ["UNIT"]
    unit = request("UNIT", "09:00", "11:00", service="link_operator", rehearsal=rehearsal)
    cheap = problem(hosts=[host("H1"), host("H2")], operators=[operator("O1")], requests=[unit],
                    unit_operators=[trained()])  # fmt: skip
    prefs = cheap.policy.preferences.model_copy(update={"self_operated": 1})
    cheap = cheap.model_copy(update={"policy": cheap.policy.model_copy(update={"preferences": prefs})})
    placed = solve(cheap)
    a = only(placed, "UNIT")
    assert validate_plan(cheap, placed) == [] and validate_claims(cheap, placed) == []
    assert a.self_operated == (a.operators == []) and (a.rehearsal is None) == a.self_operated


# --- unserved: whether the unit could have run it itself, and why not (issue 18) ----------------------------


def unserved(prob: Problem, ref: str = "UNIT") -> Any:
    plan = solve(prob)
    u = next((x for x in plan.unserved if x.request == ref), None)
    assert u is not None, f"{ref} served"
    return u


def test_unserved_says_the_trained_operator_lacks_the_skill() -> None:
    prob = two_at_once(required_skills=["streaming"])
    prob = prob.model_copy(update={"operators": [operator("O1", skills=["streaming"])]})
    u = unserved(prob)
    assert "Staf Terlatih) cannot run it itself: lacks streaming" in u.reason
    assert "tidak dapat menjalankannya sendiri: tidak menguasai streaming" in u.reason_id
    assert all(a.kind != "self_operated" for a in u.alternatives)


def test_unserved_says_a_mandatory_rehearsal_needs_the_office_operator() -> None:
    u = unserved(two_at_once(rehearsal={"mode": "online", "mandatory": True, "duration_min": 30}))
    assert "cannot run it itself: its mandatory rehearsal needs the office's operator" in u.reason
    assert "gladi wajibnya memerlukan operator kantor" in u.reason_id


def test_unserved_says_self_operation_would_need_a_free_host_too() -> None:
    regent = request("REGENT", "09:00", "11:00", service="link_operator", priority="head_of_region")
    regent = regent.model_copy(update={"unit": "Sekretariat Daerah"})
    unit = request("UNIT", "09:00", "11:00", service="link_operator")
    prob = problem(hosts=[host("H1")], operators=[operator("O1")], requests=[regent, unit],
                   unit_operators=[trained()])  # fmt: skip
    u = unserved(prob)
    assert "could run it itself, but no host is free for it either" in u.reason
    assert "tidak ada host yang kosong juga" in u.reason_id
    # Without trained operators the reason is as before: nothing about the unit running it itself.
    plain = unserved(prob.model_copy(update={"unit_operators": []}))
    assert "trained" not in plain.reason and "terlatih" not in plain.reason_id
    assert u.reason.startswith(plain.reason)


def test_self_operated_is_offered_where_it_would_serve() -> None:
    """Judged from the plan's agendas, not the search: with the office's operator taken and a host free, the
    unit's own trained operator would serve it, and the alternative (and the reason) say so by name."""
    from allocator.planner.alternatives import AlternativeFinder
    from allocator.planner.candidates import CandidateBuilder
    from allocator.planner.explain import agendas, explain_unserved

    prob = two_at_once()
    chosen = [Assignment(request="REGENT", host="H1", operators=["O1"])]
    by_host, by_operator = agendas(prob, chosen)
    builder = CandidateBuilder(prob)
    unit = prob.request("UNIT")
    finder = AlternativeFinder(builder, by_host, by_operator, chosen)
    first = finder.find(unit)[0]
    assert (first.kind, first.host, first.operators) == ("self_operated", "H2", [])
    assert "self-operated: run by the unit's own trained operator (Staf Terlatih)" in first.text
    assert "dijalankan sendiri oleh operator terlatih unit (Staf Terlatih)" in first.text_id
    [why] = explain_unserved(prob, [builder.build(unit)], by_host, by_operator, chosen)
    assert "could run it itself on a free host (self-operated)" in why.reason
    # A unit without trained operators is offered the plain link, as before.
    untrained = prob.model_copy(update={"unit_operators": []})
    plain = AlternativeFinder(CandidateBuilder(untrained), by_host, by_operator, chosen).find(unit)[0]
    assert plain.kind == "without_operator"


# --- a unit's trained operator runs one meeting at a time ----------------------------------------------------------


def _unit_busy(people: list[UnitOperator], skills: dict[str, list[str]] | None = None) -> Problem:
    """Three hosts, no office operator: the unit's meetings are served only self-operated. A 09-11 overlaps B 10-12,
    which overlaps C 11:30-13; A and C do not overlap."""
    skills = skills or {}
    reqs = [
        request("A", "09:00", "11:00", service="link_operator", required_skills=skills.get("A", [])),
        request("B", "10:00", "12:00", service="link_operator", required_skills=skills.get("B", [])),
        request("C", "11:30", "13:00", service="link_operator", required_skills=skills.get("C", [])),
    ]
    return problem(hosts=[host("H1"), host("H2"), host("H3")], operators=[], requests=reqs, unit_operators=people)


def person(pid: str, skills: list[str]) -> UnitOperator:
    return UnitOperator(id=pid, unit=UNIT, name=f"Staf {pid}", skills=skills)


def test_one_trained_operator_runs_no_two_meetings_at_once() -> None:
    prob = _unit_busy([person("U1", ["zoom"])])
    plan = solve(prob)
    assert sorted(a.request for a in plan.assignments) == ["A", "C"]  # B overlaps both
    assert all(a.self_operated for a in plan.assignments)
    two = _unit_busy([person("U1", ["zoom"]), person("U2", ["zoom"])])
    assert sorted(a.request for a in solve(two).assignments) == ["A", "B", "C"]


def test_who_has_the_skills_decides_who_runs_what() -> None:
    # A (09-13) overlaps B (09-10:30) and C (11:30-13), which do not overlap each other. B needs U1 (only U1
    # streams), C needs U2 (only U2 has multi_camera), A either: at any one moment two people suffice, yet whoever
    # runs A clashes with B or C, so not all three can be served.
    people = [person("U1", ["streaming"]), person("U2", ["multi_camera"])]
    reqs = [
        request("A", "09:00", "13:00", service="link_operator"),
        request("B", "09:00", "10:30", service="link_operator", required_skills=["streaming"]),
        request("C", "11:30", "13:00", service="link_operator", required_skills=["multi_camera"]),
    ]
    prob = problem(hosts=[host("H1"), host("H2"), host("H3")], operators=[], requests=reqs, unit_operators=people)
    plan = solve(prob)
    assert len(plan.assignments) == 2  # any two of the three (they weigh the same)
    every = Plan(assignments=[Assignment(request=r, host=h, self_operated=True) for r, h in
                              (("A", "H1"), ("B", "H2"), ("C", "H3"))])  # fmt: skip
    refused = validate_plan(prob, every)
    assert any("trained operators cannot run" in v and "B, A, C" in v for v in refused), refused
    two = Plan(
        assignments=every.assignments[1:],
        unserved=[Unserved(request="A", code="operators_busy", reason="-", reason_id="-")],
    )
    assert validate_plan(prob, two) == []


def test_the_office_plan_and_alternatives_respect_it_too() -> None:
    from allocator.planner.solver import first_come_first_served

    prob = _unit_busy([person("U1", ["zoom"])])
    by_hand = first_come_first_served(prob)  # validated inside: no trained operator twice at once
    assert sorted(a.request for a in by_hand.assignments) == ["A", "C"]
    b = next(u for u in solve(prob).unserved if u.request == "B")
    assert "busy running the unit's other meetings" in b.reason and "sedang menjalankan rapat unit" in b.reason_id
    assert [alt.kind for alt in b.alternatives] == ["without_operator"]  # not "self_operated": Staf U1 is busy


# --- a trained operator's leave: they run none of their unit's meetings on those days -------------------------------


def on_leave(first: str = "2027-03-01", last: str | None = None, **kw: Any) -> UnitOperator:
    """The factories' unit's trained operator, away from `first` to `last` (the factories' day is 2027-03-01)."""
    return trained(**kw).model_copy(update={"leave": [LeavePeriod(first=first, last=last or first)]})


def test_a_trained_operator_on_leave_runs_nothing_that_day() -> None:
    away = two_at_once().model_copy(update={"unit_operators": [on_leave()]})
    plan = solve(away)
    assert plan.assignment_for("UNIT") is None and only(plan, "REGENT").operators == ["O1"]
    assert validate_plan(away, plan) == [] and validate_claims(away, plan) == []
    u = unserved(away)
    assert "the unit's own trained operator (Staf Terlatih) is on leave then" in u.reason
    assert "operator terlatih unit (Staf Terlatih) sedang cuti pada waktu itu" in u.reason_id
    assert all(a.kind != "self_operated" for a in u.alternatives)  # the plain link, the unit finds someone else
    # Leave on other days changes nothing: the same plan as with no leave at all.
    other = two_at_once().model_copy(update={"unit_operators": [on_leave("2027-02-25", "2027-02-28")]})
    plain = solve(two_at_once())
    assert only(solve(other), "UNIT").self_operated and solve(other).assignments == plain.assignments


def test_another_trained_operator_runs_it_when_one_is_on_leave() -> None:
    people = [person("U1", ["zoom"]), person("U2", ["zoom"])]
    people[1] = people[1].model_copy(update={"leave": [LeavePeriod(first="2027-03-01", last="2027-03-03")]})
    prob = _unit_busy(people)
    plan = solve(prob)
    assert sorted(a.request for a in plan.assignments) == ["A", "C"]  # as with U1 alone: U2 is away
    every = Plan(assignments=[Assignment(request=r, host=h, self_operated=True) for r, h in
                              (("A", "H1"), ("B", "H2"), ("C", "H3"))])  # fmt: skip
    refused = validate_plan(prob, every)
    assert any("trained operators cannot run the overlapping" in v for v in refused), refused


def test_validator_rejects_a_plan_using_a_unit_operator_on_leave() -> None:
    prob = two_at_once().model_copy(update={"unit_operators": [on_leave()]})
    plan = Plan(
        assignments=[
            Assignment(request="REGENT", host="H1", operators=["O1"]),
            Assignment(request="UNIT", host="H2", self_operated=True),
        ]
    )
    found = validate_plan(prob, plan)
    assert any("every trained operator of unit 'Dinas Uji' with the skills is on leave (U-9 on 2027-03-01)" in v
               for v in found), found  # fmt: skip
    assert validate_plan(two_at_once(), plan) == []  # the same plan without the leave is valid


def test_the_office_plan_and_alternatives_respect_leave_too() -> None:
    from allocator.planner.solver import first_come_first_served

    away = person("U1", ["zoom"]).model_copy(update={"leave": [LeavePeriod(first="2027-03-01", last="2027-03-01")]})
    prob = _unit_busy([away])
    assert first_come_first_served(prob).assignments == []  # validated inside: nobody runs anything that day
    b = next(u for u in solve(prob).unserved if u.request == "B")
    assert "is on leave then" in b.reason and [alt.kind for alt in b.alternatives] == ["without_operator"]


def test_leave_is_read_in_the_unit_zone_over_the_meeting_days() -> None:
    from allocator.planner.self_operated import on_leave as away

    late = request("LATE", "23:00", "23:59", service="link_operator", timezone="Asia/Jayapura")
    person_ = on_leave("2027-03-02")
    assert not away(person_, late)  # 23:00 WIT on 1 March: the day before the leave
    longer = late.model_copy(update={"end": late.end + (late.end - late.start) * 2})  # runs past midnight WIT
    assert away(person_, longer)


def test_unit_operator_leave_in_a_problem_file_and_its_errors() -> None:
    import pytest
    from pydantic import ValidationError

    prob = two_at_once().model_copy(update={"unit_operators": [on_leave("2027-03-01", "2027-03-05")]})
    again = Problem.model_validate_json(prob.model_dump_json())
    assert again.unit_operators == prob.unit_operators
    assert again.unit_operators[0].leave == [LeavePeriod(first="2027-03-01", last="2027-03-05")]
    raw = again.model_dump(mode="json")
    raw["unit_operators"][0]["leave"] = ["2027-03-01", {"first": "2027-03-05", "last": "2027-03-01"}]
    with pytest.raises(ValidationError) as err:
        Problem.model_validate(raw)
    (e,) = err.value.errors()
    assert e["loc"][:4] == ("unit_operators", 0, "leave", 1) and "last must not be before first" in e["msg"]
    raw["unit_operators"][0]["leave"] = ["2027-03-01"]  # a single day, as office operators' leave is written
    assert Problem.model_validate(raw).unit_operators[0].leave == [LeavePeriod(first="2027-03-01", last="2027-03-01")]


def test_a_flexible_request_is_self_operated_on_a_day_its_trained_operator_is_back() -> None:
    """Leave is judged per position (its own time): of a window over two days, the day they are back."""
    regent = request("REGENT", "00:00", "23:59", service="link_operator", priority="head_of_region",
                     day="2027-03-02").model_copy(update={"unit": "Sekretariat Daerah"})  # fmt: skip
    first = request("REGENT0", "00:00", "23:59", service="link_operator", priority="head_of_region")
    first = first.model_copy(update={"unit": "Sekretariat Daerah"})  # the office's operator is busy both days
    unit = request("UNIT", "09:00", "11:00", service="link_operator", window_start="2027-03-01T08:00:00+07:00",
                   window_end="2027-03-02T12:00:00+07:00")  # fmt: skip
    prob = problem(hosts=[host("H1"), host("H2")], operators=[operator("O1")], requests=[first, regent, unit],
                   unit_operators=[on_leave("2027-03-01")])  # fmt: skip
    plan = solve(prob)
    a = only(plan, "UNIT")
    assert a.self_operated and a.start is not None
    assert local(a.start, "Asia/Jakarta").date().isoformat() == "2027-03-02"  # the day they are back
    assert validate_plan(prob, plan) == []
    moved = Plan(assignments=[*[x for x in plan.assignments if x.request != "UNIT"],
                              a.model_copy(update={"start": unit.start, "end": unit.end})])  # fmt: skip
    assert any("is on leave (U-9 on 2027-03-01)" in v for v in validate_plan(prob, moved))
