"""The outbox worker against the Zoom sandbox, on SQLite and PostgreSQL: exactly-once under faults."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from allocator.store.models import MeetingRow, OutboxRow
from allocator.sync import reconcile
from tests.store.dbs import plan_of, round_robin
from tests.sync.env import side_by_side, sync_env
from zoom_client import DailyBudget


def test_publish_sync_creates_each_meeting_once_and_stores_links(db_url: str) -> None:
    with sync_env(db_url) as env:
        env.publish()
        report = env.worker().run_once()
        assert len(report.done) == 6 and not report.failed and report.counts == {"created": 6}
        env.assert_exactly_once()
        for m in env.store.meetings():
            assert m.state == "active" and m.join_url and m.passcode and m.synced is not None
        # The host's start_url (with its zak) is never stored anywhere.
        with env.store.engine.connect() as conn:
            for table in ("meetings", "outbox", "audit_log"):
                dump = " ".join(str(r) for r in conn.execute(sa.text(f"SELECT * FROM {table}")))
                assert "zak" not in dump and "start_url" not in dump
        # Nothing to do twice; reconcile finds nothing.
        assert env.publish().actions == [] and env.worker().run_once().processed == 0
        assert reconcile(env.store, env.tenants, dry_run=True).clean
        created = [e for e in env.store.audit_log(entity="meeting") if e.action == "meeting.created"]
        assert len(created) == 6


def test_moves_updates_and_cancels_reach_zoom(db_url: str) -> None:
    with sync_env(db_url, 3) as env:
        a, b, c = env.requests
        env.publish(plan_of({a.ref: "H100", b.ref: "H100", c.ref: "H100"}))
        env.drain()
        env.store.save_request(
            b.model_copy(update={"start": b.start + timedelta(hours=1), "end": b.end + timedelta(hours=1)}), actor="t"
        )
        env.store.cancel_request(c.ref, actor="t")
        res = env.publish(plan_of({a.ref: "H300", b.ref: "H100"}))
        assert [(x.kind, x.key) for x in res.actions] == [
            ("create", f"{a.ref}.g2"),
            ("delete", f"{a.ref}.g1"),
            ("update", f"{b.ref}.g1"),
        ]
        report = env.worker().run_once()
        assert report.counts == {"created": 1, "deleted": 2, "updated": 1}
        env.assert_exactly_once()
        by_req = env.zoom_meetings_by_request()
        assert by_req[a.ref][0]["host_email"].startswith("h300") and c.ref not in by_req
        assert by_req[b.ref][0]["start_time"] == (b.start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        assert [m.state for m in env.store.meetings(request=a.ref)] == ["deleted", "active"]


def test_lost_create_answer_is_found_by_key_not_created_twice(db_url: str) -> None:
    with sync_env(db_url, 4) as env:
        env.publish()
        env.sandbox.faults.drop_after_create(2)
        env.drain()
        env.assert_exactly_once()
        assert len(env.zoom_keys()) == 4


def test_5xx_and_429_storms(db_url: str) -> None:
    with sync_env(db_url, 10) as env:
        env.publish()
        env.sandbox.faults.error_rate = 0.4  # 503 before acting, on any call
        env.sandbox.faults.fail_next(6, status=429)
        env.sandbox.faults.drop_after_create(2)
        env.drain(rounds=60)
        env.sandbox.faults.clear()
        env.assert_exactly_once()
        assert reconcile(env.store, env.tenants, dry_run=True).clean


def test_token_expiry_mid_batch(db_url: str) -> None:
    with sync_env(db_url, 6) as env:
        env.publish()
        created = 0

        def expire(event_: dict[str, Any]) -> None:
            nonlocal created
            if event_["event"] == "meeting.created":
                created += 1
                if created == 3:
                    env.sandbox.state.revoke_tokens()

        env.sandbox.state.event_listeners.append(expire)
        report = env.worker().run_once()
        assert len(report.done) == 6 and not report.retrying
        env.assert_exactly_once()
        assert env.tenants.client("kominfo").stats.auth_refreshes >= 1


def test_daily_budget_defers_and_says_so(db_url: str) -> None:
    with sync_env(db_url, 4) as env:
        env.tenants._kwargs["daily_budget"] = DailyBudget(limit=2, now=env.clock)
        env.publish(round_robin(env.requests, ["H100"]))
        report = env.worker().run_once()
        assert len(report.done) == 2 and len(report.deferred) == 2
        assert all("daily Zoom create/update calls" in line for line in report.deferred)
        assert env.store.budget_used() == {"h100@kominfo.example.go.id": 2}
        assert env.worker().run_once().processed == 0  # deferred to 00:00 UTC
        env.clock.advance(days=1)
        env.sandbox.advance_clock(86400)
        report = env.worker().run_once()
        assert len(report.done) == 2 and not report.deferred
        env.assert_exactly_once()


def test_budget_spent_before_a_restart_is_remembered(db_url: str) -> None:
    with sync_env(db_url, 3) as env:
        env.tenants._kwargs["daily_budget"] = DailyBudget(limit=2, now=env.clock)
        env.publish(round_robin(env.requests[:1], ["H100"]))
        env.worker().run_once()
        # A new process: fresh clients, whose budget is seeded from the store.
        from zoom_client import ZoomTenants

        env.tenants = ZoomTenants(env.sandbox.zoom_config(), daily_budget=DailyBudget(limit=2, now=env.clock))
        env.publish(round_robin(env.requests, ["H100"]))
        report = env.worker().run_once()
        assert len(report.done) == 1 and len(report.deferred) == 1


def test_delete_of_a_meeting_already_gone_counts_as_done(db_url: str) -> None:
    with sync_env(db_url, 2) as env:
        env.publish()
        env.drain()
        gone = env.store.meeting_for(env.requests[0].ref)
        assert gone is not None and gone.zoom_meeting_id is not None
        env.tenants.client("kominfo").delete_meeting(gone.zoom_meeting_id)  # by hand, in Zoom
        env.store.cancel_request(env.requests[0].ref, actor="t")
        report = env.worker().run_once()
        assert report.counts == {"already_gone": 1} and not report.failed
        assert [m.state for m in env.store.meetings(request=env.requests[0].ref)] == ["deleted"]


def test_update_of_a_meeting_deleted_by_hand_recreates_it(db_url: str) -> None:
    with sync_env(db_url, 1) as env:
        [r] = env.requests
        env.publish()
        env.drain()
        m = env.store.meeting_for(r.ref)
        assert m is not None and m.zoom_meeting_id is not None
        env.tenants.client("kominfo").delete_meeting(m.zoom_meeting_id)
        env.store.save_request(r.model_copy(update={"title": "Judul baru"}), actor="t")
        env.publish()
        report = env.worker().run_once()
        assert report.counts == {"recreated": 1}
        env.assert_exactly_once()
        assert env.zoom_meetings_by_request()[r.ref][0]["topic"] == "Judul baru"


def test_permanent_errors_fail_the_row_and_later_rows_still_run(db_url: str) -> None:
    with sync_env(db_url, 1) as env:
        [r] = env.requests
        env.sandbox.fixture.accounts[0].users[0].can_host = False  # H100 may not host (3161)
        env.publish(plan_of({r.ref: "H100"}))
        report = env.worker().run_once()
        assert len(report.failed) == 1 and "3161" in report.failed[0]
        findings = reconcile(env.store, env.tenants, dry_run=True).findings
        assert [f.kind for f in findings] == ["failed_action"]
        env.publish(plan_of({r.ref: "H300"}))  # move elsewhere: create on H300, delete (nothing) on H100
        env.drain()
        env.assert_exactly_once()


def test_database_unavailable_after_zoom_accepted(db_url: str) -> None:
    with sync_env(db_url, 4) as env:
        env.publish()
        down = {"on": False}

        def refuse(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            if down["on"]:
                raise sa.exc.OperationalError(statement, {}, Exception("database is unavailable (injected)"))

        event.listen(env.store.engine, "before_cursor_execute", refuse)
        created = 0

        def cut(event_: dict[str, Any]) -> None:
            nonlocal created
            created += 1
            if created == 2:
                down["on"] = True  # Zoom has the meeting; the database goes away before we record it

        env.sandbox.state.event_listeners.append(cut)
        worker = env.worker()
        with pytest.raises(sa.exc.OperationalError):
            worker.run_once()
        assert len(env.sandbox.state.meetings()) == 2
        down["on"] = False
        env.sandbox.state.event_listeners.clear()
        # The rows stay claimed until their lease ends; then they are replayed, each create looking for its key
        # first (a recovering leader, knowing it is alone, would release them at once: see the kill tests).
        assert env.worker().run_once().processed == 0
        env.clock.advance(seconds=61)
        env.drain()
        env.assert_exactly_once()
        assert len(env.sandbox.state.meetings()) == 4


def test_two_workers_at_once(db_url: str) -> None:
    with sync_env(db_url, 24) as env:
        env.publish()
        env.sandbox.faults.latency_s = 0.01
        workers = [env.worker(worker_id=f"w{i}", batch_size=3) for i in range(2)]
        reports: list[Any] = []
        errors = side_by_side(workers, lambda w: reports.append(w.run_once()))
        assert not errors
        assert sum(len(r.done) for r in reports) == 24
        assert all(len(r.done) > 0 for r in reports)  # both took part
        env.assert_exactly_once()
        with env.store.transaction() as s:
            assert s.scalar(sa.select(sa.func.max(OutboxRow.attempts))) == 1


def test_expired_lease_is_taken_over_and_the_late_worker_does_not_act(db_url: str) -> None:
    """Two claims of one row never both reach Zoom (issue 22, item 9): a worker whose lease ran out before it got
    to a row of its batch finds the row taken over and sends nothing; no duplicate is left for reconcile."""
    with sync_env(db_url, 1) as env:
        env.publish()
        slow = env.worker(worker_id="slow")
        [job] = slow.claim(1)
        env.clock.advance(seconds=61)
        fast = env.worker(worker_id="fast")
        assert len(fast.run_once().done) == 1
        from allocator.sync.worker import SyncReport

        late = SyncReport()
        calls = len(env.sandbox.state.requests)
        slow.execute(job, late)
        assert late.skipped and "taken over before we acted" in late.skipped[0] and not late.done
        assert len(env.sandbox.state.requests) == calls and len(env.sandbox.state.meetings()) == 1
        env.assert_exactly_once()
        assert reconcile(env.store, env.tenants, dry_run=True).clean
        with env.store.transaction() as s:
            assert s.scalar(sa.select(MeetingRow.state)) == "active"


DAILY_LIMIT_400 = "A maximum of 100 meetings can be created/updated for a single user in one day."


def test_daily_limit_answered_as_400_code_300_defers_and_marks_the_host_spent(db_url: str) -> None:
    """Zoom may answer the per-user daily limit with HTTP 400 / code 300: that is the host's day spent (deferred
    to 00:00 UTC, remembered across restarts), not a validation error that fails the row."""
    with sync_env(db_url, 4) as env:
        env.publish(round_robin(env.requests[:3], ["H100"]))
        env.sandbox.faults.fail_next(1, status=400, method="POST", code=300, message=DAILY_LIMIT_400)
        report = env.worker().run_once()
        assert not report.failed and not report.done and len(report.deferred) == 3, report
        assert all("h100@kominfo.example.go.id has used its daily Zoom" in line for line in report.deferred)
        assert len(env.sandbox.state.requests) == 1  # the other two were refused before Zoom was asked
        assert env.store.budget_used() == {"h100@kominfo.example.go.id": 100}
        midnight = (env.clock() + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        assert {o.not_before for o in env.store.outbox()} == {midnight}
        # A restarted worker (fresh clients) knows it from the store: a new create for the host asks Zoom nothing.
        from zoom_client import ZoomTenants

        env.tenants = ZoomTenants(env.sandbox.zoom_config(), now=env.clock)
        env.publish(round_robin(env.requests, ["H100"]))
        report = env.worker().run_once()
        assert len(report.deferred) == 1 and len(env.sandbox.state.requests) == 1
        env.clock.t = midnight
        env.sandbox.advance_clock(86400)
        assert len(env.worker().run_once().done) == 4
        env.assert_exactly_once()
