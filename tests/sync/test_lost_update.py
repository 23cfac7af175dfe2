"""A Zoom update must never be lost (issue 22, item 1), on SQLite and PostgreSQL.

A create reaches Zoom without being recorded (the worker dies, or Zoom's answer is lost); the request then moves.
The replayed create finds the meeting by its key: it must record what Zoom really holds (the old time), so the
queued update — or a repair the worker queues itself — brings Zoom to the store's details. Reconcile repairs
drift it can prove is ours (our key, on our host) instead of only reporting it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from allocator.publish import MeetingSpec
from allocator.sync import reconcile
from tests.store.dbs import plan_of
from tests.sync.env import Env, sync_env
from zoom_client import MeetingUpdate


def _move(env: Env, minutes: int = 30) -> None:
    """The request moves by `minutes` and the plan is published again: an update is queued."""
    [r] = env.requests
    later = {"start": r.start + timedelta(minutes=minutes), "end": r.end + timedelta(minutes=minutes)}
    env.store.save_request(r.model_copy(update=later), actor="pic")
    res = env.publish(plan_of({r.ref: "H100"}))
    assert [a.kind for a in res.actions] == ["update"]


def _zoom_start(env: Env) -> str:
    [m] = env.sandbox.state.meetings()
    return str(m["start_time"])


@pytest.mark.parametrize("recovery", ["sync", "reconcile"])
def test_create_crashed_after_zoom_then_moved_reaches_zoom(db_url: str, recovery: str) -> None:
    """The issue's reproduction: crash after the Zoom create, move the request, publish, sync."""
    with sync_env(db_url, 1) as env:
        [r] = env.requests
        env.publish(plan_of({r.ref: "H100"}))
        env.crash("after_zoom_create")
        assert _zoom_start(env) == r.start.strftime("%Y-%m-%dT%H:%M:%SZ")  # Zoom has it; the store does not know
        _move(env)
        worker = env.recover()
        if recovery == "reconcile":
            reconcile(env.store, env.tenants)
        env.drain(worker)
        assert _zoom_start(env) == (r.start + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
        env.assert_exactly_once()
        env.assert_zoom_has_the_stores_details()
        assert reconcile(env.store, env.tenants, dry_run=True).clean


def test_lost_create_answer_then_moved_reaches_zoom(db_url: str) -> None:
    """No crash: Zoom's answer to the create is lost and the look-up fails too, so the row waits; the request
    moves meanwhile. The replay finds the meeting with the old time and Zoom still ends up with the new one."""
    with sync_env(db_url, 1) as env:
        [r] = env.requests
        env.publish(plan_of({r.ref: "H100"}))
        env.sandbox.faults.drop_after_create()
        env.sandbox.faults.fail_next(8, status=503, method="GET")  # the look-up after the lost answer fails too
        report = env.worker().run_once()
        assert report.retrying and not report.done
        assert len(env.sandbox.state.meetings()) == 1
        env.sandbox.faults.clear()
        _move(env)
        env.drain()
        assert _zoom_start(env) == (r.start + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
        env.assert_exactly_once()
        env.assert_zoom_has_the_stores_details()


def test_found_meeting_is_recorded_as_zoom_has_it_and_repaired(db_url: str) -> None:
    """No update is queued: the meeting found by key was changed in Zoom before we recorded it. The store records
    what Zoom has and the worker queues the repair itself."""
    with sync_env(db_url, 1) as env:
        [r] = env.requests
        env.publish(plan_of({r.ref: "H100"}))
        env.crash("after_zoom_create")
        [made] = env.sandbox.state.meetings()
        client = env.tenants.client("kominfo")
        client.update_meeting(
            made["id"], MeetingUpdate(topic="Diubah di Zoom", duration=15), host="h100@kominfo.example.go.id"
        )
        env.drain(env.recover())
        [m] = env.sandbox.state.meetings()
        assert m["topic"] == r.title and m["duration"] == 60
        env.assert_zoom_has_the_stores_details()
        outbox = env.store.outbox(request=r.ref)
        assert [(o.kind, o.state) for o in outbox] == [("create", "done"), ("update", "done")]
        created = next(e for e in env.store.audit_log(entity_id=f"{r.ref}.g1") if e.action == "meeting.created")
        assert created.new is not None
        assert created.new["result"]["found"] is True and created.new["result"]["repair_queued"] is True


def test_reconcile_repairs_drift_it_can_prove_is_ours(db_url: str) -> None:
    """A synced meeting changed in Zoom (by hand, or by an update the store wrongly believed done): reconcile
    says what differs and queues the repair; the worker carries it out; a dry run changes nothing."""
    with sync_env(db_url, 2) as env:
        a, b = env.requests
        env.publish(plan_of({a.ref: "H100", b.ref: "H300"}))
        env.drain()
        m = env.store.meeting_for(a.ref)
        assert m is not None and m.zoom_meeting_id is not None
        client = env.tenants.client("kominfo")
        client.update_meeting(
            m.zoom_meeting_id, MeetingUpdate(start_time=a.start - timedelta(hours=1), topic="Lain"), host=m.zoom_user
        )
        before = env.sandbox.state.meetings()
        dry = reconcile(env.store, env.tenants, dry_run=True)
        [f] = dry.findings
        assert (f.kind, f.fixed, f.key) == ("drift_repaired", False, m.key) and "would repair" in f.detail
        assert env.sandbox.state.meetings() == before and dry.pending_actions == 0
        report = reconcile(env.store, env.tenants)
        [f] = report.findings
        assert (f.kind, f.fixed, f.zoom_meeting_id) == ("drift_repaired", True, m.zoom_meeting_id)
        assert (
            "topic 'Lain' in Zoom, the store wants" in f.detail and "start" in f.detail and "update queued" in f.detail
        )
        assert report.pending_actions == 1
        synced = env.store.meeting_for(a.ref)
        assert synced is not None and synced.synced is not None
        assert MeetingSpec.model_validate(synced.synced).topic == "Lain"  # the store now knows what Zoom has
        env.drain()
        env.assert_zoom_has_the_stores_details()
        assert reconcile(env.store, env.tenants, dry_run=True).clean
        assert any(e.action == "reconcile.drift_repaired" for e in env.store.audit_log(entity_id=m.key))


def test_reconcile_leaves_a_meeting_whose_update_is_already_queued_to_the_worker(db_url: str) -> None:
    """Zoom differs from the store only because an update is waiting in the outbox: not drift, nothing to do."""
    with sync_env(db_url, 1) as env:
        [r] = env.requests
        env.publish(plan_of({r.ref: "H100"}))
        env.drain()
        _move(env)
        report = reconcile(env.store, env.tenants)
        assert not report.findings and not report.errors
        assert report.pending_actions == 1
        env.drain()
        env.assert_zoom_has_the_stores_details()


def test_reconcile_leaves_a_meeting_that_has_started_alone(db_url: str) -> None:
    """Publishing never touches a started meeting; neither does a repair (an overrun extended by hand in Zoom)."""
    with sync_env(db_url, 1) as env:
        [r] = env.requests
        env.publish(plan_of({r.ref: "H100"}))
        env.drain()
        m = env.store.meeting_for(r.ref)
        assert m is not None and m.zoom_meeting_id is not None
        env.tenants.client("kominfo").update_meeting(m.zoom_meeting_id, MeetingUpdate(duration=120), host=m.zoom_user)
        env.clock.t = r.start + timedelta(minutes=50)
        report = reconcile(env.store, env.tenants)
        assert not report.findings and report.pending_actions == 0
