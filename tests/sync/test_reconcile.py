"""Reconciling Zoom's view with the store, on SQLite and PostgreSQL."""

from __future__ import annotations

from allocator.sync import reconcile
from allocator.sync.worker import _create_body
from tests.sync.env import Env, sync_env
from zoom_client import MeetingCreate, MeetingUpdate


def _synced(env: Env) -> None:
    env.publish()
    env.drain()


def test_orphan_from_a_crash_is_adopted_not_duplicated(db_url: str) -> None:
    with sync_env(db_url, 2) as env:
        env.publish()
        m = env.store.meeting_for(env.requests[0].ref)
        assert m is not None and m.zoom_meeting_id is None
        # Zoom accepted the create, the process died before recording it:
        client = env.tenants.client("kominfo")
        made = client.create_meeting(m.zoom_user, _create_body(m.spec), key=m.key)
        before = env.sandbox.state.meetings()
        dry = reconcile(env.store, env.tenants, dry_run=True)
        assert [(f.kind, f.fixed) for f in dry.findings] == [("orphan_adopted", False)]
        assert env.sandbox.state.meetings() == before and env.store.meeting_for(m.request) == m  # nothing changed
        report = reconcile(env.store, env.tenants)
        assert [(f.kind, f.fixed, f.zoom_meeting_id) for f in report.findings] == [("orphan_adopted", True, made.id)]
        adopted = env.store.meeting_for(m.request)
        assert adopted is not None and adopted.zoom_meeting_id == made.id and adopted.join_url == made.join_url
        assert [o.state for o in env.store.outbox(request=m.request)] == ["done"]
        env.drain()
        env.assert_exactly_once()
        assert reconcile(env.store, env.tenants, dry_run=True).clean
        assert any(e.action == "reconcile.orphan_adopted" for e in env.store.audit_log(entity_id=m.key))


def test_meeting_deleted_by_hand_is_recreated(db_url: str) -> None:
    with sync_env(db_url, 3) as env:
        _synced(env)
        m = env.store.meeting_for(env.requests[1].ref)
        assert m is not None and m.zoom_meeting_id is not None
        env.tenants.client("kominfo").delete_meeting(m.zoom_meeting_id)
        report = reconcile(env.store, env.tenants)
        assert [(f.kind, f.key) for f in report.findings] == [("missing_recreated", m.key)]
        assert report.pending_actions == 1
        env.drain()
        env.assert_exactly_once()
        again = env.store.meeting_for(m.request)
        assert again is not None and again.key == m.key and again.zoom_meeting_id != m.zoom_meeting_id


def test_meetings_no_request_owns_and_duplicates_are_deleted(db_url: str) -> None:
    with sync_env(db_url, 2) as env:
        _synced(env)
        client = env.tenants.client("kominfo")
        m = env.store.meeting_for(env.requests[0].ref)
        assert m is not None
        body = _create_body(m.spec)
        ghost = client.create_meeting("h100@kominfo.example.go.id", body, key="GHOST-1.g1")
        dup = client.create_meeting(m.zoom_user, body, key=m.key)
        other = m.zoom_user.replace("h100", "h500") if "h100" in m.zoom_user else "h100@kominfo.example.go.id"
        wrong_host = client.create_meeting(other, body, key=m.key)
        foreign = client.create_meeting(
            other, MeetingCreate(topic="Rapat lain", start_time=m.spec.start, duration=30), key="not-our-scheme"
        )
        report = reconcile(env.store, env.tenants)
        deleted = sorted((f.kind, f.zoom_meeting_id) for f in report.findings)
        assert deleted == sorted(
            [("not_owned_deleted", ghost.id), ("duplicate_deleted", dup.id), ("duplicate_deleted", wrong_host.id)]
        )
        left = {x["id"] for x in env.sandbox.state.meetings()}
        assert foreign.id in left and not {ghost.id, dup.id, wrong_host.id} & left
        env.assert_exactly_once()


def test_changes_by_hand_to_our_meeting_are_repaired(db_url: str) -> None:
    """Our key, on our host, recorded by the store: provably ours, so the store's details win (issue 22, item 1)."""
    with sync_env(db_url, 1) as env:
        _synced(env)
        m = env.store.meeting_for(env.requests[0].ref)
        assert m is not None and m.zoom_meeting_id is not None
        env.tenants.client("kominfo").update_meeting(
            m.zoom_meeting_id, MeetingUpdate(topic="Diubah manual", duration=15), host=m.zoom_user
        )
        report = reconcile(env.store, env.tenants)
        [f] = report.findings
        assert f.kind == "drift_repaired" and f.fixed and "Diubah manual" in f.detail and "duration 15" in f.detail
        env.drain()
        assert env.zoom_meetings_by_request()[m.request][0]["topic"] == m.spec.topic
        env.assert_zoom_has_the_stores_details()


def test_listing_errors_are_reported_and_judge_nothing(db_url: str) -> None:
    with sync_env(db_url, 2) as env:
        _synced(env)
        env.sandbox.faults.fail_next(20, status=400, method="GET")
        report = reconcile(env.store, env.tenants, dry_run=True)
        assert report.errors and not report.findings and not report.clean
