"""Online rehearsals and flexible times against the Zoom sandbox, on SQLite and PostgreSQL: a rehearsal has its
own Zoom meeting (its own key), created, updated, moved and deleted exactly once, like the event's."""

from __future__ import annotations

from datetime import datetime, timedelta

from allocator.planner.domain import Assignment, Plan, RehearsalSpec, Request, ServiceType, SolverStatus, TaskSlot
from allocator.sync import reconcile
from tests.sync.env import Env, sync_env


def _zoom_time(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def _rehearsing(env: Env) -> tuple[Request, Request]:
    """The env's first request, now with an operator and a rehearsal; the second stays a plain link."""
    a, b = env.requests[:2]
    a = Request.model_validate(
        {**a.model_dump(), "service": ServiceType.LINK_OPERATOR, "rehearsal": RehearsalSpec().model_dump()}
    )
    env.store.save_request(a, actor="t")
    return a, b


def _slot(start: datetime, host: str | None = "H300") -> TaskSlot:
    return TaskSlot(start=start, end=start + timedelta(hours=1), host=host, operators=["OP1"])


def _plan(a: Request, b: Request, rehearsal: TaskSlot | None, **b_times: datetime) -> Plan:
    return Plan(
        assignments=[
            Assignment(request=a.ref, host="H100", operators=["OP1"], rehearsal=rehearsal),
            Assignment(request=b.ref, host="H500", **b_times),
        ],
        status=SolverStatus.OPTIMAL,
    )


def test_online_rehearsal_meeting_is_created_updated_moved_and_deleted_exactly_once(db_url: str) -> None:
    with sync_env(db_url, 2) as env:
        a, b = _rehearsing(env)
        slot = _slot(a.start - timedelta(days=1))
        res = env.publish(_plan(a, b, slot))
        assert sorted((x.kind, x.key, x.spec.host) for x in res.actions) == [
            ("create", f"{a.ref}.g1", "H100"),
            ("create", f"{a.ref}.r1", "H300"),
            ("create", f"{b.ref}.g1", "H500"),
        ]
        env.drain()
        env.assert_exactly_once()
        [event] = env.zoom_meetings_by_request()[a.ref]
        [rehearsal] = env.zoom_meetings_by_request("rehearsal")[a.ref]
        assert rehearsal["topic"] == f"Gladi bersih: {a.title}" and rehearsal["host_email"].startswith("h300")
        assert rehearsal["start_time"] == _zoom_time(slot.start) and event["start_time"] == _zoom_time(a.start)
        # The notifier's way to the rehearsal's join link: its own meeting, not the event's.
        rm, em = env.store.rehearsal_meeting_for(a.ref), env.store.meeting_for(a.ref)
        assert rm is not None and em is not None and rm.role == "rehearsal" and em.role == "event"
        assert rm.join_url and rm.join_url != em.join_url and rm.zoom_meeting_id == rehearsal["id"]
        assert env.store.rehearsal_meeting_for(b.ref) is None
        # Re-publishing changes nothing; reconcile sees both of A's meetings as ours and finds nothing to fix.
        assert env.publish(_plan(a, b, slot)).actions == [] and env.worker().run_once().processed == 0
        rec = reconcile(env.store, env.tenants, dry_run=True)
        assert rec.clean and rec.zoom_meetings_seen == 3
        # Moving the rehearsal (same host) updates its meeting in place; the event is untouched.
        later = _slot(slot.start + timedelta(hours=2))
        res = env.publish(_plan(a, b, later))
        assert [(x.kind, x.key, x.changes) for x in res.actions] == [("update", f"{a.ref}.r1", ("start",))]
        report = env.worker().run_once()
        assert report.counts == {"updated": 1}
        [moved] = env.zoom_meetings_by_request("rehearsal")[a.ref]
        assert moved["id"] == rehearsal["id"] and moved["start_time"] == _zoom_time(later.start)
        assert env.zoom_meetings_by_request()[a.ref] == [event]
        # Another host: a new meeting (next generation) on it, then the old one goes.
        other = later.model_copy(update={"host": "H500"})
        res = env.publish(_plan(a, b, other))
        assert [(x.kind, x.key) for x in res.actions] == [("create", f"{a.ref}.r2"), ("delete", f"{a.ref}.r1")]
        env.drain()
        env.assert_exactly_once()
        [again] = env.zoom_meetings_by_request("rehearsal")[a.ref]
        assert again["host_email"].startswith("h500") and again["id"] != rehearsal["id"]
        # Dropped (or on site now): its meeting is deleted; the event's stays.
        res = env.publish(_plan(a, b, None))
        assert [(x.kind, x.key, x.reason) for x in res.actions] == [
            ("delete", f"{a.ref}.r2", "no online rehearsal planned any more")
        ]
        env.drain()
        env.assert_exactly_once()
        assert a.ref not in env.zoom_meetings_by_request("rehearsal")
        assert env.zoom_meetings_by_request()[a.ref] == [event]
        assert env.store.rehearsal_meeting_for(a.ref) is None
        assert env.publish(_plan(a, b, None)).actions == [] and env.worker().run_once().processed == 0
        assert reconcile(env.store, env.tenants, dry_run=True).clean
        audit = [e.action for e in env.store.audit_log(entity="meeting") if e.entity_id.startswith(f"{a.ref}.r")]
        assert audit.count("meeting.created") == 2 and audit.count("meeting.deleted") == 2


def test_cancelling_deletes_the_event_and_its_rehearsal_meeting(db_url: str) -> None:
    with sync_env(db_url, 2) as env:
        a, b = _rehearsing(env)
        env.publish(_plan(a, b, _slot(a.start - timedelta(days=1))))
        env.sandbox.faults.drop_after_create(1)  # a lost answer: found by its key, never created twice
        env.drain()
        env.assert_exactly_once()
        env.store.cancel_request(a.ref, actor="pic")
        assert sorted(o.kind for o in env.store.outbox(request=a.ref, states=["pending"])) == ["delete", "delete"]
        env.drain()
        assert a.ref not in env.zoom_meetings_by_request() and a.ref not in env.zoom_meetings_by_request("rehearsal")
        assert reconcile(env.store, env.tenants, dry_run=True).clean


def test_rehearsal_meeting_deleted_by_hand_is_recreated_by_reconcile(db_url: str) -> None:
    with sync_env(db_url, 2) as env:
        a, b = _rehearsing(env)
        env.publish(_plan(a, b, _slot(a.start - timedelta(days=1))))
        env.drain()
        rm = env.store.rehearsal_meeting_for(a.ref)
        assert rm is not None and rm.zoom_meeting_id is not None
        env.tenants.client("kominfo").delete_meeting(rm.zoom_meeting_id)
        report = reconcile(env.store, env.tenants)
        assert [(f.kind, f.key) for f in report.findings] == [("missing_recreated", f"{a.ref}.r1")]
        env.drain()
        env.assert_exactly_once()


def test_flexible_request_meeting_follows_the_chosen_time(db_url: str) -> None:
    with sync_env(db_url, 2) as env:
        a, b = env.requests[:2]
        flex = Request.model_validate(
            {**b.model_dump(), "window_start": b.start - timedelta(hours=4), "window_end": b.end + timedelta(hours=4)}
        )
        env.store.save_request(flex, actor="t")
        chosen = {"start": b.start + timedelta(hours=2), "end": b.end + timedelta(hours=2)}
        env.publish(_plan(a, flex, None, **chosen))
        env.drain()
        [m] = env.zoom_meetings_by_request()[b.ref]
        assert m["start_time"] == _zoom_time(chosen["start"]) and m["duration"] == 60
        earlier = {"start": b.start - timedelta(hours=1), "end": b.end - timedelta(hours=1)}
        res = env.publish(_plan(a, flex, None, **earlier))
        assert [(x.kind, x.key) for x in res.actions] == [("update", f"{b.ref}.g1")]
        env.drain()
        [m2] = env.zoom_meetings_by_request()[b.ref]
        assert m2["id"] == m["id"] and m2["start_time"] == _zoom_time(earlier["start"])
        assert env.publish(_plan(a, flex, None, **earlier)).actions == []
        env.assert_exactly_once()
