"""A re-plan settled around its newcomers: what counts as near, what is held, and that the plan claims no more
than a search of the whole part proves."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import allocator.planner.replan as replan_module
import allocator.planner.solver as solver_module
from allocator.planner.candidates import CandidateBuilder, CandidateCache, Candidates, Role, to_minutes
from allocator.planner.domain import Plan, Problem
from allocator.planner.neighbourhood import hold_the_rest, near_newcomers, set_aside
from allocator.planner.solver import SolveOptions, solve
from allocator.planner.validate import validate_claims, validate_plan
from allocator.planner.workflow import KitHold, expand_request, survey_positions, travel_conflicts
from benchmarks.planner import _with_new_request
from benchmarks.workflow import load
from tests.planner.factories import host, operator, policy, problem, request
from tests.planner.test_properties import problems
from tests.planner.test_records import outcomes_of, plus_newcomers
from tests.planner.test_workflow_rules import OFFICE, with_, workflow_problems

LOCAL = SolveOptions(replan_gap=1.0)  # settle whatever the gap, to see what settling does
WHOLE = SolveOptions(reuse_unchanged=False)  # the whole part searched, every level proven


def _positions(prob: Problem) -> list[Candidates]:
    builder = CandidateBuilder(prob)
    return [c for r in prob.requests for c in expand_request(builder, r)]


def _refs(keys: set[tuple[bool, str]]) -> set[str]:
    return {ref for survey, ref in keys if not survey}


def test_near_is_what_overlaps_in_time_or_shares_a_kit_loan() -> None:
    prob = problem(
        hosts=[host("H")],
        requests=[
            request("NEW", "09:00", "10:00", kits=[{"kit": "CAM"}]),
            request("SAME_TIME", "09:30", "10:30"),
            request("CAM_AFTER", "10:30", "11:30", kits=[{"kit": "CAM"}]),  # loans 08–11 and 09:30–12:30
            request("MIC_AFTER", "10:30", "11:30", kits=[{"kit": "MIC"}]),
            request("AFTERNOON", "13:00", "14:00"),
        ],
        pol=policy(kit_pickup_min=60, kit_return_min=60),
        kit_types=[{"id": "CAM", "name": "Kamera", "stock": 1}, {"id": "MIC", "name": "Mik", "stock": 1}],
    )
    assert _refs(near_newcomers(_positions(prob), {"NEW"}, [])) == {"NEW", "SAME_TIME", "CAM_AFTER"}


def test_near_includes_trips_to_and_from_the_newcomer_and_its_new_venues_survey() -> None:
    prob = with_(
        problem(
            operators=[operator("O", shifts=OFFICE)],
            requests=[
                request("NEW", "13:00", "14:00", service="operator", venue="PENDOPO"),
                request("TRIP", "14:15", "15:00", service="operator", venue="KANTOR_CAMAT"),  # 45 min away
                request("REMOTE", "14:15", "15:00", service="operator", venue="KANTOR_CAMAT", remote=True),
            ],
        ),
        venues=[{"id": "KANTOR_CAMAT", "travel_from_base_min": 40}, {"id": "PENDOPO", "surveyed": False}],
        travel=[{"a": "KANTOR_CAMAT", "b": "PENDOPO", "minutes": 45}],
    )
    cands = _positions(prob)
    near = near_newcomers(cands, {"NEW"}, travel_conflicts(prob, cands))
    assert _refs(near) == {"NEW", "TRIP"} and (True, "PENDOPO") in near


def _published_day() -> tuple[Problem, Plan]:
    prob = problem(
        hosts=[host("H1"), host("H2")],
        operators=[operator("A", shifts=OFFICE), operator("B", shifts=OFFICE)],
        requests=[
            request("MORNING", "09:00", "10:00", service="link_operator"),
            request("NOON", "12:00", "13:00", service="link_operator"),
            request("NOON_TOO", "12:00", "13:00", service="link_operator"),
            request("NOON_THIRD", "12:00", "13:00", service="link_operator"),  # two operators: one waits
        ],
    )
    return prob, solve(prob)


def test_the_rest_is_held_at_its_published_host_and_operators() -> None:
    prob, first = _published_day()
    cands = _positions(prob)
    previous = {k: first.assignment_for(c.ref) for k, c in enumerate(cands) if first.assignment_for(c.ref)}
    held = hold_the_rest(prob, cands, {}, previous, {(False, "MORNING")})  # type: ignore[arg-type]
    assert held is not None
    unserved = {u.request for u in first.unserved}
    assert [c.ref for c in held.cands] == [c.ref for c in cands if c.ref not in unserved]  # unpublished: left out
    free = held.cands[0]
    assert free.ref == "MORNING" and free.hosts == cands[0].hosts and 0 not in held.fixed and 0 in held.previous
    for k, c in enumerate(held.cands[1:], start=1):
        a = held.fixed[k]
        assert [prob.hosts[h.host].id for h in c.hosts] == [a.host]
        assert [prob.operators[o.operator].id for o in c.operators] == a.operators


def test_a_held_position_whose_published_option_is_gone_is_not_held() -> None:
    prob, first = _published_day()
    cands = _positions(prob)
    previous = {k: first.assignment_for(c.ref) for k, c in enumerate(cands) if first.assignment_for(c.ref)}
    noon = next(k for k in previous if cands[k].ref.startswith("NOON"))
    gone = previous[noon].model_copy(update={"host": "H9"})  # type: ignore[union-attr]
    assert hold_the_rest(prob, cands, {}, {**previous, noon: gone}, set()) is None  # type: ignore[dict-item]


REHEARSED = {"duration_min": 60, "window_start_min_before": 360, "end_min_before": 60, "mandatory": True}


def _rehearsed_day() -> tuple[Problem, Plan, list[Candidates]]:
    prob = problem(
        hosts=[host("H")],
        operators=[operator("A", shifts=OFFICE)],
        requests=[request("EV", "13:00", "15:00", service="link_operator", rehearsal=REHEARSED),
                  request("GONE", "16:00", "17:00", service="link_operator", rehearsal=REHEARSED)],
    )  # fmt: skip
    first = solve(prob)
    return prob, first, _positions(prob)


def test_a_far_events_rehearsal_is_held_at_its_published_slot() -> None:
    """Moved far from the newcomers, a rehearsal changes an operator's agenda (an online one, its meeting) for a
    preference the newcomer did not bring."""
    prob, first, cands = _rehearsed_day()
    a = first.assignment_for("EV")
    assert a is not None and a.rehearsal is not None
    event = next(k for k, c in enumerate(cands) if c.role is Role.EVENT and c.ref == "EV")
    held = hold_the_rest(prob, cands, {}, {event: a}, set())
    assert held is not None and list(held.fixed.values()) == [a, a.rehearsal]  # the event, then its rehearsal
    ((k, c),) = [(k, c) for k, c in enumerate(held.cands) if c.role is Role.REHEARSAL]  # GONE's left out too
    assert c.start == to_minutes(a.rehearsal.start) and held.fixed[k] == a.rehearsal and not held.tasks
    assert [prob.hosts[h.host].id for h in c.hosts] == [a.rehearsal.host]
    assert [prob.operators[o.operator].id for o in c.operators] == a.rehearsal.operators


def test_a_near_events_rehearsal_stays_free_with_its_published_slot_known() -> None:
    """Near a newcomer, a rehearsal may move to make room for it, with no event changed."""
    prob, first, cands = _rehearsed_day()
    a = first.assignment_for("EV")
    assert a is not None and a.rehearsal is not None
    event = next(k for k, c in enumerate(cands) if c.role is Role.EVENT and c.ref == "EV")
    held = hold_the_rest(prob, cands, {}, {event: a}, {(False, "EV")})
    assert held is not None and not held.fixed
    rehearsals = [c for c in cands if c.role is Role.REHEARSAL and c.ref == "EV"]
    assert [c for c in held.cands if c.role is Role.REHEARSAL] == rehearsals  # every option
    ((k, slot),) = held.tasks.items()
    assert slot == a.rehearsal and held.cands[k].start == to_minutes(slot.start)


def test_a_far_rehearsal_that_cannot_stay_where_it_was_stays_free() -> None:
    """Its published operator gone from it (leave, say), or its slot no longer among its times: its held event
    still needs it, so it may move."""
    prob, first, cands = _rehearsed_day()
    a = first.assignment_for("EV")
    assert a is not None and a.rehearsal is not None
    event = next(k for k, c in enumerate(cands) if c.role is Role.EVENT and c.ref == "EV")
    rehearsals = [c for c in cands if c.role is Role.REHEARSAL and c.ref == "EV"]
    for changed in ({"operators": ["B"]}, {"start": a.rehearsal.start.replace(year=2020)}):
        moved = a.model_copy(update={"rehearsal": a.rehearsal.model_copy(update=changed)})
        held = hold_the_rest(prob, cands, {}, {event: moved}, set())
        assert held is not None and list(held.fixed.values()) == [moved]  # the event only
        assert [c for c in held.cands if c.role is Role.REHEARSAL] == rehearsals


NEXT = "2027-03-02"


def _set_aside(prob: Problem, newcomer: str, kit_holds: list[KitHold] | None = None) -> tuple[set[str], list[Any]]:
    """The held part around `newcomer` (published: the rest, as first planned without it) after `set_aside`: the
    requests still in it, and the assignments set aside."""
    first = solve(prob.model_copy(update={"requests": [r for r in prob.requests if r.ref != newcomer]}))
    cands = _positions(prob)
    cands += survey_positions(CandidateBuilder(prob), cands, first.assignments)
    previous = {k: a for k, c in enumerate(cands) if c.role is Role.EVENT and (a := first.assignment_for(c.ref))}
    free = near_newcomers(cands, {newcomer}, [])
    held = hold_the_rest(prob, cands, {}, previous, free)
    assert held is not None
    part, aside = set_aside(prob, held, free, [], kit_holds or [])
    assert [first.assignment_for(a.request) for a in aside] == aside
    return {c.ref for c in part.cands}, aside


def test_a_held_meeting_no_rule_ties_to_a_free_one_is_set_aside() -> None:
    """The next day, on its own: out of the held model, kept as published. The same day, with an operator the
    newcomer could take (an operator-day the preferences count): in."""
    prob = problem(
        hosts=[host("H1"), host("H2")],
        operators=[operator("A", shifts=OFFICE), operator("B", shifts=OFFICE)],
        requests=[request("NEW", "09:00", "10:00", service="link_operator"),
                  request("NOON", "12:00", "13:00", service="link_operator"),
                  request("TOMORROW", "09:00", "10:00", service="link_operator", day=NEXT)],
    )  # fmt: skip
    kept, aside = _set_aside(prob, "NEW")
    assert kept == {"NEW", "NOON"} and [a.request for a in aside] == ["TOMORROW"]
    # A kit out for it counts against the stock unless it is served: it stays in.
    hold = KitHold("CAM", 1, 0, None, "TOMORROW")
    assert _set_aside(prob, "NEW", [hold]) == ({"NEW", "NOON", "TOMORROW"}, [])


def test_a_held_meeting_stays_with_its_rehearsal_and_its_new_venues_survey() -> None:
    """TOMORROW's rehearsal this afternoon takes the operator the newcomer could take this morning (an
    operator-day): the event stays in with it. THERE, at a new venue two days on, is set aside with its survey."""
    rehearsal = {"duration_min": 60, "window_start_min_before": 20 * 60, "end_min_before": 16 * 60,
                 "mandatory": True}  # 13:00–17:00 the day before  # fmt: skip
    requests = [request("NEW", "09:00", "10:00", service="operator"),
                request("TOMORROW", "09:00", "10:00", service="operator", day=NEXT, rehearsal=rehearsal),
                request("THERE", "15:00", "16:00", service="operator", day="2027-03-04", venue="PENDOPO")]  # fmt: skip
    prob = with_(
        problem(hosts=[host("H1"), host("H2")], operators=[operator("A", shifts=OFFICE)], requests=requests),
        venues=[{"id": "PENDOPO", "surveyed": False}],
    )
    kept, aside = _set_aside(prob, "NEW")
    assert kept == {"NEW", "TOMORROW"} and [a.request for a in aside] == ["THERE"] and aside[0].survey is not None


def _settled(changed: Problem, aside: bool, **kw: Any) -> tuple[Plan | None, list[Any]]:
    """The re-plan of `changed` settled locally, with the held positions no rule ties to a free one set aside or
    not, and what was set aside. None when it was not settled."""
    taken: list[Any] = []

    def spying(*args: Any) -> tuple[Any, list[Any]]:
        part, out = set_aside(*args) if aside else (args[1], [])
        taken.extend(out)
        return part, out

    with pytest.MonkeyPatch.context() as mp:
        calls = _settle_calls(mp)
        mp.setattr(replan_module, "set_aside", spying)
        plan = solve(changed, SolveOptions(replan_gap=1.0, alternatives=False), **kw)
    return (plan if calls and calls[0] else None), taken


def _check_set_aside(prob: Problem, newcomer: Any) -> None:
    first = solve(prob)
    if first.status.value != "optimal":
        return
    _same_with_or_without_set_aside(plus_newcomers(prob, first, newcomer))


def _same_with_or_without_set_aside(changed: Problem, **kw: Any) -> int:
    """Settled with and without setting aside: the same served weight, changes and preferences, and what was set
    aside has in the plan the assignment the held model gives it. How many were set aside."""
    plan, aside = _settled(changed, True, **kw)
    whole, _ = _settled(changed, False, **kw)
    assert (plan is None) == (whole is None)
    if plan is None or whole is None:
        return 0
    for name in ("served_weight", "changes", "preferences"):
        assert plan.term(name).value == whole.term(name).value, name
    for a in aside:
        b = whole.assignment_for(a.request)
        assert b is not None
        assert (a.host, a.operators, a.start, a.end, a.survey) == (b.host, b.operators, b.start, b.end, b.survey)
    return len(aside)


def test_the_district_month_re_planned_with_what_no_rule_ties_set_aside_changes_no_level() -> None:
    """Small random problems rarely hold anything far from a newcomer (their parts are a day at most); a month's
    parts tie days together, and most of a held part is set aside there."""
    prob = load("district+every", 220, 1)
    cache = CandidateCache()
    first = solve(prob, cache=cache)
    aside = 0
    for k in range(1, 8):
        at = len(prob.requests) * k // 8
        for tier in ("normal", "head_of_region"):
            aside += _same_with_or_without_set_aside(_with_new_request(prob, first, tier, at=at), cache=cache)
    assert aside > 0


@st.composite
def _workflow_newcomers(draw: st.DrawFn) -> tuple[Problem, Any]:
    """A workflow problem and a newcomer copied from one of its requests, of the head of region's tier or normal."""
    prob = draw(workflow_problems())
    base = draw(st.sampled_from(prob.requests))
    tier = draw(st.sampled_from(["head_of_region", "normal"]))
    return prob, base.model_copy(update={"ref": "NEWCOMER", "priority": tier})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_workflow_newcomers())
def test_setting_aside_in_the_workflow_changes_no_level(case: tuple[Problem, Any]) -> None:
    _check_set_aside(*case)


def _settle_calls(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    monkeypatch.setattr(replan_module, "SETTLE_LOCALLY_FROM", 0)
    return outcomes_of(monkeypatch, solver_module, "settle_around_newcomers")


def test_a_higher_tier_newcomer_displaces_only_what_is_near(monkeypatch: pytest.MonkeyPatch) -> None:
    prob, first = _published_day()
    calls = _settle_calls(monkeypatch)
    changed = plus_newcomers(prob, first, request("NEW", "12:00", "13:00", service="link_operator", priority="high"))
    plan = solve(changed, LOCAL)
    assert calls == [True]
    assert plan.assignment_for("NEW") is not None and plan.assignment_for("MORNING") == first.assignment_for("MORNING")
    whole = solve(changed, WHOLE)
    for name in ("served_weight", "changes"):
        assert plan.term(name).value == whole.term(name).value
    assert plan.term("changes").optimal  # keeping everything cannot serve it: one change at least
    # Something changed, so the published parts' preferences bound no longer holds: nothing is claimed.
    assert plan.term("preferences").bound == 0 < plan.term("preferences").value


def test_a_part_once_cut_short_bounds_by_its_record_and_claims_no_change_is_needed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    prob, first = _published_day()
    served = first.term("served_weight").value
    cut = first.model_copy(
        update={"records": [r.model_copy(update={"served_bound": served + 5}) for r in first.records]}
    )
    calls = _settle_calls(monkeypatch)
    changed = plus_newcomers(prob, cut, request("NEW", "12:00", "13:00", service="link_operator", priority="high"))
    plan = solve(changed, LOCAL)
    assert calls == [True] and plan.assignment_for("NEW") is not None
    new_weight = changed.policy.priority_weights["high"]
    assert plan.term("served_weight").bound == served + 5 + new_weight  # the record's bound, not its plan's
    # Unproven, the published part might serve more with nothing changed: one change is not claimed necessary.
    assert plan.term("changes").value == 1 and plan.term("changes").bound == 0


def test_a_part_its_first_plan_left_short_is_settled_within_that_gap(monkeypatch: pytest.MonkeyPatch) -> None:
    """A newcomer is no reason to search again a part whose first plan the time limit left short of proof: settled
    around the newcomer, the part may stay as far from its bound as the published plan was (plus `replan_gap`).
    Asked to keep to `replan_gap` alone, such a part is searched whole, as before."""
    prob, first = _published_day()
    served = first.term("served_weight").value
    short = 50 * served  # far more than the 1 % a re-plan may give up
    cut = first.model_copy(
        update={"records": [r.model_copy(update={"served_bound": served + short}) for r in first.records]}
    )
    calls = _settle_calls(monkeypatch)
    changed = plus_newcomers(prob, cut, request("NEW", "15:00", "16:00", service="link_operator"))  # fits
    plan = solve(changed)
    assert calls == [True] and plan.assignment_for("NEW") is not None
    # The record's bound, capped at every request's weight (the plan never claims more than that)
    assert plan.term("served_weight").bound == changed.policy.priority_weights["normal"] * len(changed.requests)
    assert [a for a in plan.assignments if a.request != "NEW"] == first.assignments
    solve(changed, SolveOptions(replan_keeps_published_gap=False))
    assert calls == [True, False]


def _shorter_shift_for_the_noon_operator(prob: Problem, first: Plan) -> tuple[Problem, str]:
    """The re-plan after the operator of a noon meeting was given a shift ending at 11:00: that meeting can no
    longer keep its operator, the morning meeting can."""
    noon = next(a for a in first.assignments if a.request.startswith("NOON"))
    (who,) = noon.operators
    morning = [{"weekdays": [0, 1, 2, 3, 4, 5, 6], "start": "07:00", "end": "11:00"}]
    ops = [o.model_dump() | ({"shifts": morning} if o.id == who else {}) for o in prob.operators]
    return plus_newcomers(prob, first, operators=ops), noon.request


def test_a_part_disturbed_by_a_shorter_shift_is_settled_around_what_it_disturbed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An operator's leave or shorter shift takes published meetings from them: the part is settled around those,
    everything else held as published, like a newcomer, instead of searched whole (a month's part: 15 s and 134
    changes for one operator's day of leave, against 1.9 s and 8). It claims only the trivial bound."""
    prob, first = _published_day()
    calls = _settle_calls(monkeypatch)
    changed, disturbed = _shorter_shift_for_the_noon_operator(prob, first)
    plan = solve(changed)
    assert calls == [True]
    assert plan.assignment_for("MORNING") == first.assignment_for("MORNING")
    assert plan.assignment_for(disturbed) != first.assignment_for(disturbed)
    served, changes = plan.term("served_weight"), plan.term("changes")
    assert served.bound == changed.policy.priority_weights["normal"] * len(changed.requests) and not served.optimal
    assert changes.bound == 1 <= changes.value  # the disturbed meeting's published operator is gone: forced
    assert validate_plan(changed, plan) == [] and validate_claims(changed, plan) == []


def test_a_cancellation_is_no_disturbance_to_settle_around(monkeypatch: pytest.MonkeyPatch) -> None:
    """What a cancelled meeting freed could serve a waiting request anywhere its time reaches: searched whole."""
    prob, first = _published_day()
    calls = _settle_calls(monkeypatch)
    changed, _disturbed = _shorter_shift_for_the_noon_operator(prob, first)
    gone = first.assignments[0].request
    changed = with_(changed, requests=[r.model_dump() | ({"status": "cancelled"} if r.ref == gone else {})
                                       for r in changed.requests])  # fmt: skip
    solve(changed)
    assert calls == [False]


def test_published_surveys_and_rehearsals_stay_where_they_were(monkeypatch: pytest.MonkeyPatch) -> None:
    """Moving them costs nothing the levels count, but would change an operator's agenda for nothing."""
    rehearsal = {
        "duration_min": 60,
        "window_start_min_before": 480,
        "end_min_before": 60,
        "mandatory": True,
        "mode": "on_site",
    }
    prob = with_(
        problem(
            operators=[operator("A", shifts=OFFICE), operator("B", shifts=OFFICE)],
            requests=[request("E1", "15:00", "16:00", service="operator", venue="GOR", rehearsal=rehearsal),
                      request("E2", "15:00", "16:00", service="operator", venue="GOR")],
        ),
        venues=[{"id": "GOR", "surveyed": False}],
    )  # fmt: skip
    first = solve(prob)
    assert [a.request for a in first.assignments] == ["E1", "E2"]
    calls = _settle_calls(monkeypatch)
    newcomer = request("NEW", "15:00", "16:00", service="operator", venue="GOR", priority="low")
    plan = solve(plus_newcomers(prob, first, newcomer), LOCAL)
    assert calls == [True] and plan.assignment_for("NEW") is None
    assert plan.assignments == first.assignments  # the survey and the rehearsal included


def _events(plan: Plan) -> dict[str, tuple[object, ...]]:
    return {a.request: (a.host, tuple(sorted(a.operators)), a.start, a.self_operated) for a in plan.assignments}


@pytest.mark.parametrize("settled", [True, False])
def test_a_month_re_planned_around_newcomers_that_fit_nowhere_is_the_published_plan(settled: bool) -> None:
    """On a generated month (workflow on), newcomers copied from across it that cannot be served leave every
    published event as it was (host, operators, time), whether the part is settled around the newcomer or searched
    whole.

    Published rehearsals and surveys are kept by a tie-break below the preferences, searched in the time left;
    with a first plan cut short by its 20 s, a survey was seen to move in every re-plan of its part (on the base
    commit too), so they are not asserted here (docs/planner.md, "Re-plans")."""
    prob = load("ministry", 300, 1)
    first = solve(prob, SolveOptions(time_limit_s=20))
    kept = 0
    with pytest.MonkeyPatch.context() as mp:
        calls = _settle_calls(mp)
        if not settled:
            mp.setattr(replan_module, "SETTLE_LOCALLY_FROM", 10**9)
        for k in range(1, 7):
            again = _with_new_request(prob, first, "low", at=len(prob.requests) * k // 7)
            again = again.model_copy(update={"previous_unserved": first.unserved})
            plan = solve(again, SolveOptions(alternatives=False, replan_gap=1.0))
            prefs = plan.term("preferences")
            assert prefs.bound <= prefs.value  # the tie-break's scale taken out of the bound
            if plan.assignment_for("NEW-low") is None and plan.term("changes").value == 0:
                kept += 1
                assert _events(plan) == _events(first)
    assert kept >= 3 and any(calls) is settled


def test_settling_is_refused_when_the_gap_is_too_wide(monkeypatch: pytest.MonkeyPatch) -> None:
    prob, first = _published_day()
    calls = _settle_calls(monkeypatch)
    changed = plus_newcomers(prob, first, request("NEW", "12:00", "13:00", service="link_operator"))  # cannot be served
    plan = solve(changed)  # the newcomer's weight is far more than 1 % of this small part's
    assert calls == [False] and plan.term("served_weight").optimal
    assert solve(changed, SolveOptions(replan_gap=1.0)).term("served_weight").bound > plan.term("served_weight").value
    assert calls == [False, True]
    # Asked to solve afresh (`vicon replan --fresh`), the part is searched whole whatever the gap allows.
    assert solve(changed, SolveOptions(replan_gap=1.0, reuse_unchanged=False)).term("served_weight").optimal
    assert calls == [False, True, False]


def _settled_against_whole(changed: Problem) -> Plan | None:
    """The re-plan of `changed` settled locally, checked against the whole search (every level proven): no claim
    the whole search contradicts. None when it was not settled or the whole search proved nothing."""
    with pytest.MonkeyPatch.context() as mp:
        calls = _settle_calls(mp)
        local = solve(changed, LOCAL)
    whole = solve(changed, WHOLE)
    if not calls or not calls[0] or whole.status.value != "optimal":
        return None
    served, fewest, least = (local.term(n) for n in ("served_weight", "changes", "preferences"))
    best = whole.term("served_weight").value
    assert served.value <= best <= served.bound
    if best == served.value:
        assert fewest.bound <= whole.term("changes").value
        if whole.term("changes").value == fewest.value:
            assert least.bound <= whole.term("preferences").value
    return local


def _check_claims(prob: Problem, newcomer: Any) -> None:
    first = solve(prob)
    if first.status.value != "optimal":
        return
    changed = plus_newcomers(prob, first, newcomer)
    local = _settled_against_whole(changed)
    if local is None:
        return
    # No published event far from the newcomer moved.
    near = _refs(near_newcomers(_positions(changed), {newcomer.ref}, travel_conflicts(changed, _positions(changed))))
    for a in first.assignments:
        after = local.assignment_for(a.request)
        if a.request not in near:
            assert after is not None and (after.host, after.operators, after.start) == (a.host, a.operators, a.start)


def test_a_held_published_meeting_is_no_newcomer_that_outranks_a_free_one() -> None:
    """Found by hypothesis: settled around a newcomer, the held head-of-region meetings counted as newcomers for the
    stability rule, so a free published normal webinar (R2) was dropped for two normal meetings (the newcomer and one
    unserved before): more served weight than the whole search may find, and a published meeting lost to peers."""

    def at(ref: str, start: str, end: str, tier: str, **kw: Any) -> Any:
        return request(ref, start, end, priority=tier, **kw)

    reqs = [
        at("R1", "06:00", "06:30", "head_of_region"), at("R2", "07:00", "08:00", "normal", kind="webinar"),
        at("R3", "08:00", "08:30", "normal"), at("R4", "07:00", "07:30", "head_of_region"),
        at("R5", "07:00", "07:30", "head_of_region"), at("R6", "08:00", "08:30", "head_of_region", kind="webinar"),
    ]  # fmt: skip
    prob = problem(hosts=[host("H0", kind="webinar"), host("H1", kind="webinar", max_concurrent=2)], requests=reqs,
                   pol=policy(buffer_before_min=0, buffer_after_min=15))  # fmt: skip
    first = solve(prob)
    assert first.assignment_for("R2") is not None and first.assignment_for("R3") is None
    changed = plus_newcomers(prob, first, reqs[2].model_copy(update={"ref": "NEWCOMER"}))
    with pytest.MonkeyPatch.context() as mp:
        calls = _settle_calls(mp)
        local = solve(changed, LOCAL)
    assert calls == [True] and local.assignment_for("R2") == first.assignment_for("R2")
    assert local.term("served_weight").value <= solve(changed, WHOLE).term("served_weight").value


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_requests=8), st.data())
def test_settled_plans_claim_no_more_than_the_whole_search(prob: Problem, data: st.DataObject) -> None:
    base = data.draw(st.sampled_from(prob.requests))
    tier = data.draw(st.sampled_from(["head_of_region", "high", "normal", "low"]))
    _check_claims(prob.model_copy(update={"previous": []}),
                  base.model_copy(update={"ref": "NEWCOMER", "priority": tier}))  # fmt: skip


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_workflow_newcomers())
def test_settled_workflow_plans_claim_no_more_than_the_whole_search(case: tuple[Problem, Any]) -> None:
    _check_claims(*case)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])  # about one in six settles
@given(problems(max_requests=8), st.data())
def test_plans_settled_around_a_disturbance_claim_no_more_than_the_whole_search(
    prob: Problem, data: st.DataObject
) -> None:
    """An operator of the published plan takes the day off: the part settled around what that disturbed claims
    nothing the whole search (every level proven) contradicts, and holds the rest as published."""
    prob = prob.model_copy(update={"previous": []})
    first = solve(prob)
    used = sorted({o for a in first.assignments for o in a.operators})
    if first.status.value != "optimal" or not used:
        return
    away = data.draw(st.sampled_from(used))
    day = first.assignments[0].start or prob.request(first.assignments[0].request).start
    leave = [{"first": str(day.date()), "last": str(day.date())}]
    ops = [o.model_dump() | ({"leave": leave} if o.id == away else {}) for o in prob.operators]
    changed = plus_newcomers(prob, first, operators=ops)
    local = _settled_against_whole(changed)
    if local is not None:
        assert validate_claims(changed, local) == []
