"""Zoom is left clean by the worker itself, not by the 15-minute reconcile (issue 22, item 9), on SQLite and
PostgreSQL: no second meeting when Zoom answers slowly or a claim is taken over, every meeting carrying a
deleted key removed, and a cancelled request's meeting deleted at the next sync whatever waits before it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from allocator.sync import reconcile
from allocator.sync.worker import SyncReport, _create_body
from tests.store.dbs import plan_of
from tests.sync.env import Env, side_by_side, sync_env
from zoom_client import DailyBudget


def _wait_for(what: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not what():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def _no_reconcile_needed(env: Env) -> None:
    env.assert_exactly_once()
    report = reconcile(env.store, env.tenants, dry_run=True)
    assert report.clean, [f.line() for f in report.findings]


# --- a second meeting ---------------------------------------------------------------------------------


def test_a_slow_create_is_not_taken_for_not_created(db_url: str) -> None:
    """Zoom carries out a create after the client stopped waiting. The look-up right after the timeout finds
    nothing *yet*; before, the worker then created the meeting again at once and Zoom ended with two."""
    with sync_env(db_url, 1, read_timeout_s=0.5) as env:
        env.publish()
        env.sandbox.faults.slow_next(1, seconds=1.5, method="POST")
        report = env.worker().run_once()
        assert not report.done and report.retrying and "not in Zoom yet" in report.retrying[0], report
        _wait_for(lambda: len(env.sandbox.state.meetings()) == 1)  # the slow create lands
        time.sleep(0.3)
        assert env.worker().run_once().processed == 0  # it settles before looking again
        env.clock.advance(seconds=60)
        report = env.worker().run_once()
        assert report.counts == {"found": 1}, report
        assert len(env.sandbox.state.meetings()) == 1
        _no_reconcile_needed(env)
        env.assert_zoom_has_the_stores_details()


def test_a_late_meeting_of_a_worker_whose_lease_ran_out_mid_call_is_deleted_by_that_worker(db_url: str) -> None:
    """One Zoom call outlives the lease: another worker takes the row over and records its own meeting; the
    late worker's meeting lands afterwards. The late worker deletes it (before: left for reconcile)."""
    with sync_env(db_url, 1) as env:
        env.publish()
        late, holder = env.worker(worker_id="late"), env.worker(worker_id="holder")
        client = env.tenants.client("kominfo")
        real_create = client.create_meeting
        calls: list[str] = []

        def create_while_taken_over(*args: Any, **kw: Any) -> Any:
            calls.append("create")
            if len(calls) == 1:  # the late worker's call: meanwhile its lease runs out and the holder acts
                env.clock.advance(seconds=61)
                assert holder.run_once().counts == {"created": 1}
            return real_create(*args, **kw)

        client.create_meeting = create_while_taken_over  # type: ignore[method-assign]
        [job] = late.claim(1)
        report = SyncReport()
        late.execute(job, report)
        assert "lease lost" in report.retrying[0] and "deleted (the store holds" in report.retrying[0], report
        assert len(env.sandbox.state.meetings()) == 1
        _no_reconcile_needed(env)
        assert any(e.action == "meeting.duplicates_deleted" for e in env.store.audit_log(entity_id=job.key))


def test_a_replayed_create_removes_duplicates_of_its_key(db_url: str) -> None:
    """The replay after a crash finds two meetings with its key (a lost answer resent long ago, say): it records
    the oldest and deletes the other itself."""
    with sync_env(db_url, 1) as env:
        [r] = env.requests
        env.publish(plan_of({r.ref: "H100"}))
        env.crash("after_zoom_create")
        m = env.store.meeting_for(r.ref)
        assert m is not None
        [first] = env.sandbox.state.meetings()
        env.sandbox.advance_clock(60)  # the duplicate is the younger one
        env.tenants.client("kominfo").create_meeting(m.zoom_user, _create_body(m.spec), key=m.key)
        assert len(env.sandbox.state.meetings()) == 2
        report = env.recover().run_once()
        assert report.counts == {"found": 1, "duplicates_deleted": 1}, report
        assert [x["id"] for x in env.sandbox.state.meetings()] == [first["id"]]
        _no_reconcile_needed(env)


def test_storm_of_lost_answers_failures_and_takeovers_between_two_workers(db_url: str) -> None:
    """Two workers, leases running out mid-run (the clock jumps on every read), lost create answers and 5xx on
    any call: after draining, one meeting per request with the store's details, and reconcile has nothing."""
    with sync_env(db_url, 12) as env:
        env.publish()
        base = env.clock

        class Jumpy:
            """Every read of the time moves it on 7 s, so 60 s leases run out while the workers work."""

            def __init__(self) -> None:
                self.lock = threading.Lock()

            def __call__(self) -> Any:
                with self.lock:
                    base.advance(seconds=7)
                    return base()

        jumpy = Jumpy()
        env.sandbox.faults.drop_after_create(4)
        env.sandbox.faults.error_rate = 0.15
        workers = [env.worker(worker_id=f"w{i}", batch_size=4, clock=jumpy) for i in range(2)]

        def six_runs(w: Any) -> None:
            for _ in range(6):
                w.run_once()

        errors = side_by_side(workers, six_runs)
        assert not errors, errors
        env.sandbox.faults.clear()
        env.drain(rounds=40)
        _no_reconcile_needed(env)
        env.assert_zoom_has_the_stores_details()


# --- deletes ------------------------------------------------------------------------------------------


def test_a_delete_removes_every_meeting_carrying_the_key(db_url: str) -> None:
    """As the docs always said: a delete also removes other meetings with the key on the host (before: only the
    recorded one; the duplicate stayed live until reconcile)."""
    with sync_env(db_url, 2) as env:
        env.publish()
        env.drain()
        a = env.requests[0]
        m = env.store.meeting_for(a.ref)
        assert m is not None
        dup = env.tenants.client("kominfo").create_meeting(m.zoom_user, _create_body(m.spec), key=m.key)
        env.store.cancel_request(a.ref, actor="pic")
        report = env.worker().run_once()
        assert report.counts == {"deleted": 1}, report
        assert a.ref not in env.zoom_meetings_by_request()
        assert str(dup.id) in report.done[0]  # says what it deleted
        _no_reconcile_needed(env)


# --- cancellations reach Zoom at the next sync --------------------------------------------------------


def test_a_cancelled_requests_meeting_is_deleted_at_once_though_its_create_waits_to_be_retried(db_url: str) -> None:
    """The create reached Zoom but its answer was lost and the look-up failed, so the create row waits (back-off,
    up to 15 minutes). The request is cancelled: the delete must not wait behind that create (before, the
    meeting stayed live until the create's retry, or the 15-minute reconcile)."""
    with sync_env(db_url, 1) as env:
        [r] = env.requests
        env.publish(plan_of({r.ref: "H100"}))
        env.sandbox.faults.drop_after_create()
        env.sandbox.faults.fail_next(8, status=503, method="GET")
        assert env.worker().run_once().retrying
        assert len(env.sandbox.state.meetings()) == 1  # live in Zoom, unknown to the store
        env.sandbox.faults.clear()
        env.store.cancel_request(r.ref, actor="pic")
        report = env.worker().run_once()  # the next sync, no time passing
        assert report.counts == {"deleted": 1}, report
        assert env.sandbox.state.meetings() == []
        assert [(o.kind, o.state) for o in env.store.outbox(request=r.ref)] == [
            ("create", "superseded"),
            ("delete", "done"),
        ]
        _no_reconcile_needed(env)


def test_a_cancelled_requests_update_waiting_for_retry_does_not_hold_its_delete(db_url: str) -> None:
    with sync_env(db_url, 1) as env:
        [r] = env.requests
        env.publish(plan_of({r.ref: "H100"}))
        env.drain()
        later = {"start": r.start + timedelta(hours=1), "end": r.end + timedelta(hours=1)}
        env.store.save_request(r.model_copy(update=later), actor="pic")
        env.publish(plan_of({r.ref: "H100"}))
        env.sandbox.faults.fail_next(8, status=503, method="PATCH")
        assert env.worker().run_once().retrying
        env.sandbox.faults.clear()
        env.store.cancel_request(r.ref, actor="pic")
        assert env.worker().run_once().counts == {"deleted": 1}
        assert env.sandbox.state.meetings() == []
        _no_reconcile_needed(env)


def test_a_cancelled_requests_create_deferred_to_tomorrow_is_dropped_without_a_zoom_create(db_url: str) -> None:
    with sync_env(db_url, 2) as env:
        env.tenants._kwargs["daily_budget"] = DailyBudget(limit=1, now=env.clock)
        a, b = env.requests
        env.publish(plan_of({a.ref: "H100", b.ref: "H100"}))
        report = env.worker().run_once()
        assert len(report.done) == 1 and len(report.deferred) == 1
        waiting = next(o for o in env.store.outbox() if o.state == "pending")
        env.store.cancel_request(waiting.request, actor="pic")
        posts = sum(1 for m, _, _ in env.sandbox.state.requests if m == "POST")
        report = env.worker().run_once()
        assert report.counts == {"already_gone": 1}, report
        assert sum(1 for m, _, _ in env.sandbox.state.requests if m == "POST") == posts
        assert env.store.outbox_counts().get("pending", 0) == 0
        _no_reconcile_needed(env)


@pytest.mark.parametrize("point", ["after_claim", "after_zoom_create"])
def test_cancelled_while_its_create_was_claimed_by_a_dead_worker(db_url: str, point: str) -> None:
    """The create was claimed (and maybe sent) by a worker that died; the request is cancelled; the restarted
    leader deletes whatever reached Zoom and creates nothing."""
    with sync_env(db_url, 1) as env:
        [r] = env.requests
        env.publish(plan_of({r.ref: "H100"}))
        env.crash(point)
        env.store.cancel_request(r.ref, actor="pic")
        posts = sum(1 for m, _, _ in env.sandbox.state.requests if m == "POST")
        env.drain(env.recover())
        assert env.sandbox.state.meetings() == []
        assert sum(1 for m, _, _ in env.sandbox.state.requests if m == "POST") == posts  # nothing created anew
        _no_reconcile_needed(env)
