"""A series reaches Zoom as one recurring meeting with one link: created once, one occurrence changed, one
cancelled, the series deleted — exactly once, also when the worker is killed between occurrences."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from allocator.planner.domain import Request
from tests.store.dbs import plan_of, request
from tests.sync.env import Env, sync_env

HOST = "H300"
LICENSED = "h500@kominfo.example.go.id"  # a licensed user of the hosts' account, standing for the unit's own


def training(env: Env, **series: Any) -> Request:
    start = env.clock().replace(hour=2, minute=0, second=0, microsecond=0) + timedelta(days=3)
    pattern = {"repeat": "daily", "count": 3} | series
    return request("LAT", start, hours=3, title="Pelatihan Operator", series=pattern)


def plan_for(*served: int) -> Any:
    return plan_of({f"LAT:{k}": HOST for k in served})


def zoom_series(env: Env) -> dict[str, Any]:
    found = [m for m in env.sandbox.state.meetings() if m["type"] == 8]
    assert len(found) == 1, f"{len(found)} recurring meetings in Zoom"
    return found[0]


def occurrence_states(env: Env) -> list[tuple[str, str]]:
    return [(o["start_time"], o["status"]) for o in zoom_series(env)["occurrences"]]


def test_series_lifecycle_reaches_zoom_once(db_url: str) -> None:
    with sync_env(db_url, 0) as env:
        lat = training(env)
        env.store.save_request(lat, actor="test")
        result = env.publish(plan_for(1, 2, 3))
        assert [(a.kind, a.request) for a in result.actions] == [("create", "LAT")]
        env.drain()
        meeting = zoom_series(env)
        assert meeting["recurrence"]["end_times"] == 3 and len(meeting["occurrences"]) == 3
        stored = env.store.meetings(states=["active"])
        assert [m.request for m in stored] == ["LAT"] and stored[0].join_url == meeting["join_url"]
        assert env.publish(plan_for(1, 2, 3)).actions == []  # nothing twice

        # The second occurrence moves to the afternoon: that occurrence alone changes, the link stays.
        moved = lat.start + timedelta(days=1, hours=4)
        change = {"occurrence": 2, "start": moved.isoformat(), "end": (moved + timedelta(hours=2)).isoformat()}
        env.store.save_request(training(env, changes=[change]), actor="test")
        assert [a.kind for a in env.publish(plan_for(1, 2, 3)).actions] == ["update"]
        env.drain()
        states = occurrence_states(env)
        assert states[1] == (moved.strftime("%Y-%m-%dT%H:%M:%SZ"), "available")
        assert zoom_series(env)["occurrences"][1]["duration"] == 120
        assert zoom_series(env)["join_url"] == meeting["join_url"]

        # The third is cancelled: deleted in Zoom through its occurrence id, the others stay.
        env.store.save_request(training(env, changes=[change, {"occurrence": 3, "cancelled": True}]), actor="test")
        env.publish(plan_for(1, 2))
        env.drain()
        assert [s for _t, s in occurrence_states(env)] == ["available", "available", "deleted"]
        updated = [e for e in env.sandbox.state.events if e["event"] == "meeting.updated"]
        assert len(updated) == 1  # one occurrence PATCH, nothing sent twice

        # The whole series cancelled: the meeting is deleted.
        env.store.cancel_request("LAT", actor="test")
        env.publish(plan_of({}))
        env.drain()
        assert [m for m in env.sandbox.state.meetings() if m["type"] == 8] == []


def test_unserved_occurrences_of_a_partial_series_are_deleted_at_creation(db_url: str) -> None:
    with sync_env(db_url, 0) as env:
        env.store.save_request(training(env, policy="partial"), actor="test")
        env.publish(plan_for(1, 3))
        env.drain()
        assert [s for _t, s in occurrence_states(env)] == ["available", "deleted", "available"]


@pytest.mark.parametrize("point", ["after_zoom_create", "series.between_occurrences"])
def test_killed_while_creating_the_series_replays_without_a_second_meeting(db_url: str, point: str) -> None:
    with sync_env(db_url, 0) as env:
        env.store.save_request(training(env, count=4, policy="partial"), actor="test")
        env.publish(plan_for(1, 4))
        if point.startswith("series."):
            from tests.sync.env import Killed

            with pytest.MonkeyPatch.context() as mp:
                mp.setattr("allocator.faults.hit", lambda p: (_ for _ in ()).throw(Killed()) if p == point else None)
                with pytest.raises(Killed):
                    env.worker().run_once()
        else:
            env.crash(point)
        env.drain(env.recover())
        assert [s for _t, s in occurrence_states(env)] == ["available", "deleted", "deleted", "available"]
        assert len(env.store.meetings(states=["active"])) == 1


def test_reconcile_finds_a_series_clean_after_its_first_occurrence_is_cancelled(db_url: str) -> None:
    from allocator.sync import reconcile

    with sync_env(db_url, 0) as env:
        env.store.save_request(training(env, changes=[{"occurrence": 1, "cancelled": True}]), actor="test")
        env.publish(plan_for(2, 3))
        env.drain()
        assert [s for _t, s in occurrence_states(env)] == ["deleted", "available", "available"]
        assert reconcile(env.store, env.tenants, dry_run=True).clean


def test_a_published_series_is_the_next_plans_previous_and_a_replan_keeps_it(db_url: str) -> None:
    """The store gives the planner the published occurrences as `previous`: a re-plan keeps the series' host and
    queues nothing."""
    from allocator.planner.solver import SolveOptions, solve

    with sync_env(db_url, 0) as env:
        env.store.save_request(training(env), actor="test")
        problem = env.store.load_problem()
        assert [r.ref for r in problem.requests] == ["LAT:1", "LAT:2", "LAT:3"]
        assert [r.ref for r in problem.stored_requests()] == ["LAT"]
        plan = solve(problem, SolveOptions(time_limit_s=5, workers=1))
        env.publish(plan)
        env.drain()
        again = env.store.load_problem()
        assert sorted(a.request for a in again.previous) == ["LAT:1", "LAT:2", "LAT:3"]
        replanned = solve(again, SolveOptions(time_limit_s=5, workers=1))
        assert {a.request: a.host for a in replanned.assignments} == {a.request: a.host for a in plan.assignments}
        assert env.publish(replanned).actions == []


def test_a_series_the_unit_runs_itself_names_its_licensed_user_alternative_host(db_url: str) -> None:
    """Issue 18: a recurring meeting run by its own unit gets the same alternative host as a single lent meeting
    (the unit's licensed user on the host's account), added and cleared by updates of the one recurring meeting,
    whose link and occurrences stay."""
    from allocator.planner.domain import UnitOperator

    own = UnitOperator(id="U1", unit="Dinas Kominfo", name="Staf Terlatih", zoom_user="h500@kominfo.example.go.id",
                       zoom_account="default")  # fmt: skip
    with sync_env(db_url, 0) as env:
        own = own.model_copy(update={"zoom_account": env.store.hosts()[0].account})
        env.store.set_unit_operators([own], actor="t")
        env.store.save_request(training(env), actor="test")  # service `link`: the unit runs it itself
        env.publish(plan_for(1, 2, 3))
        env.drain()
        meeting = zoom_series(env)
        assert meeting["settings"]["alternative_hosts"] == "h500@kominfo.example.go.id"
        assert env.publish(plan_for(1, 2, 3)).actions == []  # nothing twice
        # The unit no longer has a licensed user: an update of the recurring meeting clears it, link unchanged.
        env.store.set_unit_operators([], actor="t")
        assert [a.kind for a in env.publish(plan_for(1, 2, 3)).actions] == ["update"]
        env.drain()
        after = zoom_series(env)
        assert not after["settings"].get("alternative_hosts") and after["join_url"] == meeting["join_url"]
        assert [s for _t, s in occurrence_states(env)] == ["available"] * 3
        env.assert_exactly_once()


def test_a_series_our_operators_run_has_no_alternative_host_unless_an_occurrence_is_self_operated(
    db_url: str,
) -> None:
    from allocator.planner.domain import Assignment, Plan, ServiceType, SolverStatus, UnitOperator

    with sync_env(db_url, 0) as env:
        account = env.store.hosts()[0].account
        own = UnitOperator(id="U1", unit="Dinas Kominfo", name="Staf", zoom_user=LICENSED, zoom_account=account)
        env.store.set_unit_operators([own], actor="t")
        ours = training(env).model_copy(update={"service": ServiceType.LINK_OPERATOR})
        env.store.save_request(ours, actor="test")
        env.publish(plan_for(1, 2, 3))
        env.drain()
        assert not zoom_series(env)["settings"].get("alternative_hosts")

        def plan(self_run: set[int]) -> Plan:
            return Plan(assignments=[Assignment(request=f"LAT:{k}", host=HOST, self_operated=k in self_run)
                                     for k in (1, 2, 3)], status=SolverStatus.OPTIMAL)  # fmt: skip

        env.publish(plan({2}))  # the unit's own operator runs the second day: it must be able to start it
        env.drain()
        assert zoom_series(env)["settings"]["alternative_hosts"] == "h500@kominfo.example.go.id"


def test_a_monthly_series_reaches_zoom_as_type_3_with_the_planners_occurrences(db_url: str) -> None:
    """Issue 18: a monthly series (here on the start's weekday of its week of the month, e.g. every second
    Tuesday) is one recurring meeting with Zoom's monthly recurrence, whose occurrences are the planner's; one
    cancelled is deleted through its occurrence id, exactly once."""
    from zoneinfo import ZoneInfo

    from allocator.planner.domain import occurrences

    with sync_env(db_url, 0) as env:
        first = training(env).start.astimezone(ZoneInfo("Asia/Jakarta")).date()
        week = (first.day - 1) // 7 + 1
        pattern = {"repeat": "monthly", "count": 3, "month_week": week if week <= 4 else -1, "policy": "partial"}
        lat = training(env, **pattern)
        env.store.save_request(lat, actor="test")
        env.publish(plan_for(1, 2, 3))
        env.drain()
        meeting = zoom_series(env)
        rec = meeting["recurrence"]
        assert rec["type"] == 3 and rec["monthly_week"] == pattern["month_week"]
        assert rec["monthly_week_day"] == (first.weekday() + 1) % 7 + 1
        planned = [o.start.strftime("%Y-%m-%dT%H:%M:%SZ") for o in occurrences(lat)]
        assert [t for t, _s in occurrence_states(env)] == planned
        env.store.save_request(training(env, **pattern, changes=[{"occurrence": 2, "cancelled": True}]), actor="t")
        env.publish(plan_for(1, 3))
        env.drain()
        assert [s for _t, s in occurrence_states(env)] == ["available", "deleted", "available"]
        assert zoom_series(env)["join_url"] == meeting["join_url"]
        env.assert_exactly_once()
