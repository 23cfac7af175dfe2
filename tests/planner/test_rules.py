"""Each hard rule and each objective level, with a case it allows and a case it forbids."""

from __future__ import annotations

import pytest

from allocator.planner.domain import Assignment, Pin, Plan, Unserved
from allocator.planner.errors import ConflictingPins
from allocator.planner.problem_io import parse_problem
from allocator.planner.solver import SolveOptions, solve
from allocator.planner.validate import validate_plan
from benchmarks.generate import district
from tests.planner.factories import host, operator, policy, problem, request


def served(plan: Plan) -> set[str]:
    return {a.request for a in plan.assignments}


def unserved_code(plan: Plan, ref: str) -> str:
    return next(u.code for u in plan.unserved if u.request == ref)


# --- capacity and kind -------------------------------------------------------------------------------


def test_capacity_fits_exactly() -> None:
    plan = solve(problem(hosts=[host("H100", 100)], requests=[request("A", "09:00", "10:00", 100)]))
    assert plan.assignment_for("A") == Assignment(request="A", host="H100")


def test_capacity_too_small_is_unserved_with_reason() -> None:
    plan = solve(problem(hosts=[host("H100", 100)], requests=[request("A", "09:00", "10:00", 101)]))
    assert served(plan) == set()
    assert unserved_code(plan, "A") == "no_capacity"
    assert "101 seats" in plan.unserved[0].reason and "H100" in plan.unserved[0].reason


def test_webinar_needs_webinar_licence() -> None:
    hosts = [host("M", 500), host("W", 500, kind="webinar")]
    plan = solve(problem(hosts=hosts, requests=[request("A", "09:00", "10:00", 300, kind="webinar")]))
    assert plan.assignment_for("A").host == "W"  # type: ignore[union-attr]
    plan = solve(problem(hosts=hosts[:1], requests=[request("A", "09:00", "10:00", 300, kind="webinar")]))
    assert unserved_code(plan, "A") == "no_kind"


def test_smallest_fitting_host_is_preferred() -> None:
    hosts = [host("H1000", 1000), host("H100", 100), host("H300", 300)]
    plan = solve(problem(hosts=hosts, requests=[request("A", "09:00", "10:00", 80)]))
    assert plan.assignment_for("A").host == "H100"  # type: ignore[union-attr]
    assert plan.term("preferences").value == 0


# --- host concurrency, buffers, webinars -------------------------------------------------------------


def test_back_to_back_meetings_share_a_host_when_buffers_are_zero() -> None:
    plan = solve(
        problem(hosts=[host("H", 100)], requests=[request("A", "09:00", "10:00"), request("B", "10:00", "11:00")])
    )
    assert served(plan) == {"A", "B"}


def test_overlapping_meetings_cannot_share_a_pro_host() -> None:
    plan = solve(
        problem(hosts=[host("H", 100)], requests=[request("A", "09:00", "10:00"), request("B", "09:59", "11:00")])
    )
    assert len(served(plan)) == 1
    u = plan.unserved[0]
    assert u.code == "hosts_busy" and u.blockers[0].resource == "H"


def test_buffers_separate_back_to_back_meetings() -> None:
    reqs = [request("A", "09:00", "10:00"), request("B", "10:20", "11:00")]
    both = policy(buffer_after_min=10, buffer_before_min=10)  # [08:50, 10:10) and [10:10, 11:10) just touch
    assert served(solve(problem(hosts=[host("H")], requests=reqs, pol=both))) == {"A", "B"}
    wide = policy(buffer_after_min=15, buffer_before_min=15)
    plan = solve(problem(hosts=[host("H")], requests=reqs, pol=wide))
    assert len(served(plan)) == 1 and plan.unserved[0].code == "hosts_busy"


def test_per_host_buffer_override() -> None:
    reqs = [request("A", "09:00", "10:00"), request("B", "10:05", "11:00")]
    tight = host("H", buffer_after_min=0, buffer_before_min=0)
    assert served(solve(problem(hosts=[tight], requests=reqs, pol=policy(buffer_after_min=30)))) == {"A", "B"}


def test_business_host_takes_two_at_once_but_not_three() -> None:
    reqs = [request("A", "09:00", "11:00"), request("B", "09:30", "10:30"), request("C", "10:00", "12:00")]
    plan = solve(problem(hosts=[host("H", max_concurrent=2)], requests=reqs))
    assert len(served(plan)) == 2
    plan = solve(problem(hosts=[host("H", max_concurrent=2)], requests=reqs[:2]))
    assert served(plan) == {"A", "B"}


def test_webinar_never_shares_its_host() -> None:
    w = host("W", 500, kind="webinar", max_concurrent=2)
    reqs = [request("A", "09:00", "11:00", 200, kind="webinar"), request("B", "10:00", "12:00", 50)]
    plan = solve(problem(hosts=[w], requests=reqs))
    assert len(served(plan)) == 1
    two_meetings = [request("A", "09:00", "11:00", 200), request("B", "10:00", "12:00", 50)]
    assert served(solve(problem(hosts=[w], requests=two_meetings))) == {"A", "B"}


def test_blackout_and_availability() -> None:
    from allocator.planner.domain import Window

    win = Window(start="2027-03-01T09:30:00+07:00", end="2027-03-01T10:30:00+07:00")
    plan = solve(problem(hosts=[host("H", blackouts=[win])], requests=[request("A", "09:00", "10:00")]))
    assert unserved_code(plan, "A") == "host_unavailable"
    plan = solve(problem(hosts=[host("H", available=[win])], requests=[request("A", "09:30", "10:30")]))
    assert served(plan) == {"A"}
    plan = solve(problem(hosts=[host("H", available=[win])], requests=[request("A", "09:00", "10:00")]))
    assert unserved_code(plan, "A") == "host_unavailable"


# --- operators ---------------------------------------------------------------------------------------


def test_operator_cannot_be_in_two_places() -> None:
    reqs = [request("A", "09:00", "10:00", service="operator"), request("B", "09:30", "11:00", service="operator")]
    plan = solve(problem(operators=[operator("O1")], requests=reqs))
    assert len(served(plan)) == 1
    assert plan.unserved[0].code == "operators_busy"


def test_setup_and_teardown_keep_operator_busy() -> None:
    reqs = [request("A", "09:00", "10:00", service="operator"), request("B", "10:30", "11:00", service="operator")]
    assert served(solve(problem(operators=[operator("O1")], requests=reqs))) == {"A", "B"}
    pol = policy(operator_setup_min=20, operator_teardown_min=15)
    assert len(served(solve(problem(operators=[operator("O1")], requests=reqs, pol=pol)))) == 1


def test_shift_bounds_include_setup() -> None:
    shift = [{"weekdays": [0], "start": "08:00", "end": "12:00"}]
    reqs = [request("A", "08:00", "12:00", service="operator")]
    assert served(solve(problem(operators=[operator("O1", shifts=shift)], requests=reqs))) == {"A"}
    pol = policy(operator_setup_min=15)
    plan = solve(problem(operators=[operator("O1", shifts=shift)], requests=reqs, pol=pol))
    assert unserved_code(plan, "A") == "operator_unavailable"
    assert "off shift" in plan.unserved[0].reason


def test_shift_read_in_operator_zone() -> None:
    """09:00 WIB is 11:00 WIT: an operator in Jayapura on an 08:00–10:00 shift cannot take it."""
    shift = [{"weekdays": [0], "start": "08:00", "end": "10:00"}]
    reqs = [request("A", "09:00", "09:30", service="operator")]
    west = operator("O1", shifts=shift, timezone="Asia/Jakarta")
    east = operator("O2", shifts=shift, timezone="Asia/Jayapura")
    assert solve(problem(operators=[west], requests=reqs)).assignment_for("A") is not None
    assert solve(problem(operators=[east], requests=reqs)).assignment_for("A") is None


def test_leave_blocks_the_whole_local_day() -> None:
    reqs = [request("A", "09:00", "10:00", service="operator")]
    assert served(solve(problem(operators=[operator("O1", leave=["2027-03-02"])], requests=reqs))) == {"A"}
    plan = solve(problem(operators=[operator("O1", leave=["2027-03-01"])], requests=reqs))
    assert unserved_code(plan, "A") == "operator_unavailable"
    plan = solve(
        problem(operators=[operator("O1", leave=[{"first": "2027-02-27", "last": "2027-03-03"}])], requests=reqs)
    )
    assert unserved_code(plan, "A") == "operator_unavailable"


def test_required_skills_and_allowed_operators() -> None:
    ops = [operator("O1", skills=["sound"]), operator("O2", skills=["streaming", "sound"])]
    reqs = [request("A", "09:00", "10:00", service="operator", required_skills=["streaming"])]
    assert solve(problem(operators=ops, requests=reqs)).assignment_for("A").operators == ["O2"]  # type: ignore
    plan = solve(problem(operators=ops[:1], requests=reqs))
    assert unserved_code(plan, "A") == "no_skill"
    reqs = [request("A", "09:00", "10:00", service="operator", allowed_operators=["O1"])]
    assert solve(problem(operators=ops, requests=reqs)).assignment_for("A").operators == ["O1"]  # type: ignore
    reqs = [request("A", "09:00", "10:00", service="operator", allowed_operators=["O1"], required_skills=["x"])]
    assert solve(problem(operators=ops, requests=reqs)).assignment_for("A") is None


def test_service_types_take_what_they_ask_for() -> None:
    hosts, ops = [host("H")], [operator("O1"), operator("O2")]
    reqs = [
        request("L", "09:00", "10:00", service="link"),
        request("LO", "11:00", "12:00", service="link_operator", operators_needed=2),
        request("O", "13:00", "14:00", service="operator"),
    ]
    plan = solve(problem(hosts=hosts, operators=ops, requests=reqs))
    assert plan.assignment_for("L") == Assignment(request="L", host="H")
    assert plan.assignment_for("LO") == Assignment(request="LO", host="H", operators=["O1", "O2"])
    assert plan.assignment_for("O").host is None and len(plan.assignment_for("O").operators) == 1  # type: ignore


def test_link_operator_is_all_or_nothing() -> None:
    """A host alone is no service for a request that asked for an operator too."""
    reqs = [request("A", "09:00", "10:00", service="link_operator")]
    plan = solve(problem(hosts=[host("H")], operators=[], requests=reqs))
    assert plan.assignments == [] and unserved_code(plan, "A") == "operator_unavailable"


# --- priorities and lexicographic objective -----------------------------------------------------------


def test_head_of_region_displaces_two_normals() -> None:
    reqs = [
        request("N1", "09:00", "10:00"),
        request("N2", "10:00", "11:00"),
        request("BUP", "09:30", "10:30", priority="head_of_region"),
    ]
    plan = solve(problem(hosts=[host("H")], requests=reqs))
    assert served(plan) == {"BUP"}
    assert plan.term("served_weight").value == 1000
    blocked = {u.request: u for u in plan.unserved}
    assert blocked["N1"].blockers[0].requests == ["BUP"]


def test_priority_weights_are_configurable() -> None:
    reqs = [
        request("N1", "09:00", "10:00"),
        request("N2", "10:00", "11:00"),
        request("BUP", "09:30", "10:30", priority="head_of_region"),
    ]
    pol = policy(priority_weights={"head_of_region": 15, "normal": 10})
    assert served(solve(problem(hosts=[host("H")], requests=reqs, pol=pol))) == {"N1", "N2"}


def test_previous_plan_is_kept_when_nothing_forces_a_change() -> None:
    hosts = [host("H1"), host("H2")]
    reqs = [request("A", "09:00", "10:00"), request("B", "09:00", "10:00")]
    previous = [Assignment(request="A", host="H2"), Assignment(request="B", host="H1")]
    plan = solve(problem(hosts=hosts, requests=reqs, previous=previous))
    assert plan.assignment_for("A").host == "H2" and plan.assignment_for("B").host == "H1"  # type: ignore
    assert plan.term("changes").value == 0


def test_changes_only_what_a_higher_priority_needs() -> None:
    hosts = [host("H100", 100), host("H500", 500)]
    reqs = [
        request("SMALL", "09:00", "10:00", 80),
        request("MID", "13:00", "14:00", 80),
        request("BIG", "09:30", "10:30", 450, priority="high"),
    ]
    previous = [Assignment(request="SMALL", host="H500"), Assignment(request="MID", host="H500")]
    plan = solve(problem(hosts=hosts, requests=reqs, previous=previous))
    assert plan.assignment_for("BIG").host == "H500"  # type: ignore[union-attr]
    assert plan.assignment_for("SMALL").host == "H100"  # type: ignore[union-attr]
    assert plan.assignment_for("MID").host == "H500"  # kept, though H100 would be the right size
    assert plan.term("changes").value == 1


def test_fewest_operators_called_in() -> None:
    reqs = [request("A", "09:00", "10:00", service="operator"), request("B", "13:00", "14:00", service="operator")]
    plan = solve(problem(operators=[operator("O1"), operator("O2")], requests=reqs))
    ops = {o for a in plan.assignments for o in a.operators}
    assert len(ops) == 1


# --- pins, freeze, time ------------------------------------------------------------------------------


def test_pin_is_honoured_even_against_priority() -> None:
    reqs = [
        request("LOW", "09:00", "10:00", priority="low"),
        request("BUP", "09:00", "10:00", priority="head_of_region"),
    ]
    plan = solve(problem(hosts=[host("H")], requests=reqs, pins=[Pin(request="LOW", host="H")]))
    assert served(plan) == {"LOW"}


def test_conflicting_pins_raise_with_the_requests_named() -> None:
    reqs = [request("A", "09:00", "10:00"), request("B", "09:00", "10:00")]
    pins = [Pin(request="A", host="H"), Pin(request="B", host="H")]
    with pytest.raises(ConflictingPins) as exc:
        solve(problem(hosts=[host("H")], requests=reqs, pins=pins))
    assert exc.value.requests == ["A", "B"]


def test_pin_that_breaks_a_rule_is_refused() -> None:
    with pytest.raises(ConflictingPins, match="A"):
        solve(
            problem(
                hosts=[host("H", 100)],
                requests=[request("A", "09:00", "10:00", 300)],
                pins=[Pin(request="A", host="H")],
            )
        )


def test_frozen_assignment_does_not_move_for_higher_priority() -> None:
    reqs = [request("OLD", "09:00", "10:00"), request("BUP", "09:00", "10:00", priority="head_of_region")]
    previous = [Assignment(request="OLD", host="H")]
    pol = policy(freeze_horizon_min=48 * 60)
    plan = solve(problem(hosts=[host("H")], requests=reqs, previous=previous, pol=pol, now="2027-02-28T09:00:00+07:00"))
    assert served(plan) == {"OLD"}
    # Outside the freeze horizon the head of region wins.
    plan = solve(problem(hosts=[host("H")], requests=reqs, previous=previous, pol=pol, now="2027-02-20T09:00:00+07:00"))
    assert served(plan) == {"BUP"}


def test_frozen_assignment_that_no_longer_fits_is_replanned_with_warning() -> None:
    reqs = [request("OLD", "09:00", "10:00", 250)]
    previous = [Assignment(request="OLD", host="H100")]
    plan = solve(
        problem(
            hosts=[host("H100", 100), host("H300", 300)],
            requests=reqs,
            previous=previous,
            pol=policy(freeze_horizon_min=48 * 60),
            now="2027-02-28T09:00:00+07:00",
        )
    )
    assert plan.assignment_for("OLD").host == "H300"  # type: ignore[union-attr]
    assert plan.warnings and plan.warnings[0].code == "freeze_no_longer_fits" and plan.warnings[0].refs == ["OLD"]


def test_started_request_without_plan_is_not_newly_served() -> None:
    plan = solve(problem(hosts=[host("H")], requests=[request("A", "09:00", "10:00")], now="2027-03-01T09:30:00+07:00"))
    assert unserved_code(plan, "A") == "started"


def test_cancelled_requests_are_ignored_and_free_their_host() -> None:
    reqs = [request("A", "09:00", "10:00", status="cancelled"), request("B", "09:00", "10:00")]
    plan = solve(problem(hosts=[host("H")], requests=reqs, previous=[Assignment(request="A", host="H")]))
    assert served(plan) == {"B"} and [u.request for u in plan.unserved] == []


# --- structure ---------------------------------------------------------------------------------------


def test_results_do_not_depend_on_splitting_symmetry_or_redundancy() -> None:
    prob = parse_problem(district(60, seed=3))
    base = solve(prob, SolveOptions(split_components=False, pool_interchangeable=False, redundant_constraints=False))
    fast = solve(prob, SolveOptions())
    assert [t.value for t in base.objective] == [t.value for t in fast.objective]
    assert fast.status.value == "optimal" and fast.components > 1
    assert validate_plan(prob, fast) == []


def test_same_input_same_plan() -> None:
    prob = parse_problem(district(80, seed=5))
    a, b = solve(prob), solve(prob)
    assert a.assignments == b.assignments and a.unserved == b.unserved


def test_replan_with_previous_keeps_everything_and_serves_newcomer() -> None:
    data = district(80, seed=11)
    prob = parse_problem(data)
    first = solve(prob)
    newcomer = dict(
        data["requests"][0],
        ref="NEW-1",
        start="2027-01-04T07:30",
        end="2027-01-04T08:00",
        participants=20,
        service="link",
        priority="low",
    )
    data2 = dict(data, requests=[*data["requests"], newcomer], previous=[a.model_dump() for a in first.assignments])
    second = solve(parse_problem(data2))
    assert second.term("changes").value == 0
    assert {a.request for a in first.assignments} <= {a.request for a in second.assignments}
    assert second.term("served_weight").value >= first.term("served_weight").value


def test_replan_reuses_unchanged_parts_and_matches_a_full_solve() -> None:
    data = district(150, seed=4)
    first = solve(parse_problem(data))
    assert first.records and sum(r.requests for r in first.records) == len(data["requests"])
    newcomer = dict(data["requests"][40], ref="NEW-1", priority="head_of_region", participants=90)
    later = dict(data, requests=[*data["requests"], newcomer], previous=[a.model_dump() for a in first.assignments])
    full = solve(parse_problem(later))
    quick = solve(
        parse_problem(
            dict(
                later,
                previous_records=[r.model_dump() for r in first.records],
                previous_unserved=[u.model_dump() for u in first.unserved],
            )
        )
    )
    assert [t.value for t in quick.objective] == [t.value for t in full.objective]
    assert quick.assignments == full.assignments and quick.status.value == "optimal"
    assert [(u.request, u.code, u.reason) for u in quick.unserved] == [
        (u.request, u.code, u.reason) for u in full.unserved
    ]
    # A record whose result no longer matches the published assignments is not trusted.
    tampered = [dict(r.model_dump(), result="0" * 32) for r in first.records]
    again = solve(parse_problem(dict(later, previous_records=tampered)))
    assert [t.value for t in again.objective] == [t.value for t in full.objective]


def test_new_low_priority_request_never_displaces() -> None:
    reqs = [
        request("OLD", "09:00", "10:00", priority="normal"),
        request("N1", "09:00", "09:30"),
        request("N2", "09:30", "10:00"),
    ]
    previous = [Assignment(request="OLD", host="H")]
    plan = solve(problem(hosts=[host("H")], requests=reqs, previous=previous))
    assert served(plan) == {"OLD"}  # two peers would weigh more, but peers do not displace
    plan = solve(problem(hosts=[host("H")], requests=reqs, previous=previous), SolveOptions(stability=False))
    assert served(plan) == {"N1", "N2"}


def test_notified_request_moves_only_for_a_higher_tier() -> None:
    hosts = [host("H1", 300), host("H2", 100)]
    previous = [Assignment(request="OLD", host="H1")]
    peer = [request("OLD", "09:00", "10:00", 80), request("PEER", "09:00", "10:00", 250)]
    plan = solve(
        problem(hosts=hosts, requests=peer, previous=previous, pins=[]).model_copy(update={"notified": ["OLD"]})
    )
    assert plan.assignment_for("OLD").host == "H1" and plan.assignment_for("PEER") is None  # type: ignore
    boss = [request("OLD", "09:00", "10:00", 80), request("BOSS", "09:00", "10:00", 250, priority="high")]
    plan = solve(problem(hosts=hosts, requests=boss, previous=previous).model_copy(update={"notified": ["OLD"]}))
    assert plan.assignment_for("OLD").host == "H2" and plan.assignment_for("BOSS").host == "H1"  # type: ignore


# --- pre-emption inside the freeze horizon -------------------------------------------------------------


def _frozen_clash(confirm: list[str], boss_priority: str = "head_of_region") -> Plan:
    reqs = [request("OLD", "09:00", "10:00"), request("BOSS", "09:30", "11:00", priority=boss_priority)]
    prob = problem(
        hosts=[host("H")],
        requests=reqs,
        previous=[Assignment(request="OLD", host="H")],
        pol=policy(freeze_horizon_min=48 * 60),
        now="2027-02-28T09:00:00+07:00",
    )
    return solve(prob.model_copy(update={"confirmed_preemptions": confirm}))


def test_high_tier_is_offered_preemption_but_needs_confirmation() -> None:
    plan = _frozen_clash([])
    assert served(plan) == {"OLD"}
    (offer,) = plan.preemption_offers
    assert offer.request == "BOSS" and offer.displaces == ["OLD"] and "vicon replan --confirm BOSS" in offer.text
    assert "fewest" in offer.text  # checked by the plan its confirmation would give


def test_confirmed_preemption_displaces_the_frozen_meeting_and_offers_it_alternatives() -> None:
    plan = _frozen_clash(["BOSS"])
    assert served(plan) == {"BOSS"} and plan.preemption_offers == []
    (old,) = plan.unserved
    assert old.request == "OLD" and old.alternatives  # the displaced request is told where it could go
    assert [(w.code, w.refs, w.by) for w in plan.warnings] == [("freeze_may_give_way", ["OLD"], "BOSS")]


def test_confirmation_does_not_let_a_lower_tier_preempt() -> None:
    plan = _frozen_clash(["BOSS"], boss_priority="high")
    assert served(plan) == {"OLD"} and plan.preemption_offers == []


def test_validator_holds_frozen_requests_unless_a_confirmed_higher_tier_is_near() -> None:
    reqs = [request("OLD", "09:00", "10:00"), request("BOSS", "09:30", "11:00", priority="head_of_region")]
    base = problem(
        hosts=[host("H")], requests=reqs, previous=[Assignment(request="OLD", host="H")],
        pol=policy(freeze_horizon_min=48 * 60), now="2027-02-28T09:00:00+07:00",
    )  # fmt: skip
    displaced = Plan(
        assignments=[Assignment(request="BOSS", host="H")],
        unserved=[Unserved(request="OLD", code="hosts_busy", reason="-", reason_id="-")],
    )
    assert any("frozen" in v for v in validate_plan(base, displaced))
    assert validate_plan(base.model_copy(update={"confirmed_preemptions": ["BOSS"]}), displaced) == []


def test_candidate_cache_changes_nothing_but_time() -> None:
    from allocator.planner.candidates import CandidateCache

    data = district(120, seed=9)
    prob = parse_problem(data)
    cache = CandidateCache()
    first = solve(prob, cache=cache)
    assert first.assignments == solve(prob).assignments
    # A resource change empties the cache: an operator on leave all month gets no options.
    ops = [dict(o, leave=[{"first": "2027-01-01", "last": "2027-02-28"}]) if o["id"] == "OP01" else o
           for o in data["operators"]]  # fmt: skip
    changed = parse_problem(dict(data, operators=ops))
    cached, fresh = solve(changed, cache=cache), solve(changed)
    assert cached.assignments == fresh.assignments and cached.unserved == fresh.unserved
    assert all("OP01" not in a.operators for a in cached.assignments)


def test_a_preemption_offer_names_only_the_meetings_that_must_give_way() -> None:
    """Three frozen meetings could each make room on their host; one giving way is enough, and the offer says
    which, proven by the plan its confirmation would give."""
    old = [request(f"OLD{i}", "09:00", "10:00") for i in range(3)]
    boss = request("BOSS", "09:30", "11:00", priority="head_of_region")
    prob = problem(
        hosts=[host(f"H{i}") for i in range(3)],
        requests=[*old, boss],
        previous=[Assignment(request=f"OLD{i}", host=f"H{i}") for i in range(3)],
        pol=policy(freeze_horizon_min=48 * 60),
        now="2027-02-28T09:00:00+07:00",
    )
    (offer,) = solve(prob).preemption_offers
    assert offer.request == "BOSS" and len(offer.displaces) == 1 and "fewest" in offer.text
    confirmed = solve(prob.model_copy(update={"confirmed_preemptions": ["BOSS"]}))
    assert {a.request for a in confirmed.assignments} == {"BOSS", *(f"OLD{i}" for i in range(3))} - set(offer.displaces)
