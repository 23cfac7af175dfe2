"""The daemon after a crash and through a database outage: nothing stays stuck, nothing is left unplanned,
and the log says what happened in a few lines."""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from allocator.daemon import Daemon, _Retry
from allocator.planner.domain import Request
from allocator.store.repo import Store
from allocator.sync.leader import LeaderLock
from allocator.sync.worker import SyncWorker
from tests.allocator.test_daemon import FAST, meetings_by_request, office, wait_for  # noqa: F401
from tests.store.dbs import db_url  # noqa: F401  (fixture)
from zoom_client import ZoomTenants
from zoom_client.sandbox import Sandbox

Office = tuple[Store, Sandbox, ZoomTenants]


def test_a_daemon_taking_the_lead_releases_a_dead_workers_claims_at_once(office: Office) -> None:  # noqa: F811
    store, sandbox, tenants = office
    first = Daemon(store, None, FAST)  # plans and publishes; without Zoom the actions wait in the outbox
    first.step_replan()
    first.stop()
    dead = SyncWorker(store, tenants, worker_id="gone:4242:dead00", lease_s=300)
    claimed = dead.claim(5)  # claimed, then the process was killed: the leases run for five more minutes
    assert len(claimed) == 5 and store.outbox_counts().get("in_progress") == 5
    daemon = Daemon(store, tenants, FAST)
    daemon.start(replan_now=False)
    try:
        wait_for(lambda: not store.outbox_counts().get("in_progress"), timeout=10)
        assert daemon.wait_idle(30)
    finally:
        daemon.stop()
    zoom = meetings_by_request(sandbox)
    assert all(zoom.get(job.request) == 1 for job in claimed if job.kind == "create")
    assert any(e.action == "outbox.recovered" for e in store.audit_log(entity="outbox"))


class Outage:
    """Makes one engine's database unreachable while on: idle connections are dropped and new ones refused."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine, self.on = engine, False
        self.dbapi_error = engine.dialect.loaded_dbapi.OperationalError
        sa.event.listen(engine, "do_connect", self._connect)

    def _connect(self, *_: Any) -> None:
        if self.on:
            raise self.dbapi_error("could not connect to server: Connection refused (test outage)")

    def start(self) -> None:
        self.on = True
        self.engine.dispose()  # a new, empty pool: connections checked out now are not reused

    def end(self) -> None:
        self.on = False


def _late_request(store: Store, ref: str) -> Request:
    """A short head-of-region request at a served request's time: the re-plan serves it with a meeting."""
    published = store.published_plan()
    assert published is not None
    victim = store.get_request(sorted(a.request for a in published.plan.assignments if a.host)[0])
    assert victim is not None
    return victim.model_copy(update={"ref": ref, "priority": "head_of_region", "participants": 20,
                                     "end": victim.start + timedelta(minutes=30)})  # fmt: skip


def test_a_replan_that_fails_in_a_database_outage_is_retried_and_the_log_stays_short(
    office: Office,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    store, sandbox, tenants = office
    own = Store.open(store.engine.url.render_as_string(hide_password=False))  # the daemon's own connections
    outage = Outage(own.engine)
    settings = FAST.model_copy(update={"debounce_s": 1.0, "retry_base_s": 0.2, "retry_max_s": 1.0})
    daemon = Daemon(own, tenants, settings)
    # The re-plan waits at this gate, so the one of OUT-BEFORE surely runs in the outage: with a fixed debounce
    # a starved test thread once started the outage only after that re-plan had run (and it never failed).
    gate, at_gate = threading.Event(), threading.Event()
    gate.set()
    replan_step = daemon.step_replan

    def gated_replan() -> Any:
        at_gate.set()
        assert gate.wait(60)
        return replan_step()

    daemon.step_replan = gated_replan  # type: ignore[method-assign]
    daemon.start()
    try:
        wait_for(lambda: daemon.state.replans >= 1)
        assert daemon.wait_idle(30)
        caplog.clear()
        caplog.set_level(logging.INFO)
        # Committed just before the outage: the daemon sees it, and its re-plan then fails.
        gate.clear()
        at_gate.clear()
        store.save_request(_late_request(store, "OUT-BEFORE"), actor="test")
        wait_for(at_gate.is_set, timeout=30)  # seen, its re-plan due
        outage.start()
        gate.set()
        wait_for(lambda: any(" replan: " in e for e in daemon.state.errors), timeout=30)
        assert daemon.status()["database_down_since"] is not None
        # The outage goes on: the re-plan fails a few times (backing off), not once.
        wait_for(lambda: daemon._retries["replan"].failures >= 3, timeout=30)
        assert daemon.status()["database_down_since"] is not None
        outage.end()
        wait_for(lambda: meetings_by_request(sandbox).get("OUT-BEFORE") == 1, timeout=30)

        # Committed during an outage: noticed and planned once the database is back.
        outage.start()
        wait_for(lambda: daemon.status()["database_down_since"] is not None, timeout=30)
        watch_failures = daemon._retries["watch"].failures
        store.save_request(_late_request(store, "OUT-DURING"), actor="test")
        wait_for(lambda: daemon._retries["watch"].failures > watch_failures, timeout=30)  # looked, and failed
        outage.end()
        wait_for(lambda: meetings_by_request(sandbox).get("OUT-DURING") == 1, timeout=30)
        assert daemon.wait_idle(30) and daemon.status()["database_down_since"] is None
    finally:
        daemon.stop()
        own.close()
    ours = [r for r in caplog.records if r.name.startswith(("vicon.daemon", "apscheduler"))]
    assert [r.levelno for r in ours if "unavailable" in r.getMessage()] == [logging.WARNING, logging.WARNING]
    assert sum("database is back" in r.getMessage() for r in ours) == 2
    assert not [r for r in ours if r.levelno >= logging.ERROR or r.exc_info]  # tracebacks only at debug
    assert len(ours) < 20, [r.getMessage() for r in ours]


def test_a_step_that_failed_before_the_database_came_back_starts_no_new_outage(
    office: Office,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Steps run in several threads: one that tried the database in the outage may fail only after another has
    found it back. That is the outage's tail, not a new outage (a loaded machine once logged a third one)."""
    store, _, _ = office
    daemon = Daemon(store, None, FAST)
    caplog.set_level(logging.INFO, logger="vicon.daemon")
    down = sa.exc.OperationalError("SELECT 1", {}, Exception("could not connect to server (test outage)"))
    watch, sync = daemon._retries.setdefault("watch", _Retry()), daemon._retries.setdefault("sync", _Retry())
    began_in_outage = time.monotonic()
    daemon._step_failed("watch", watch, down, began_in_outage)
    assert daemon.status()["database_down_since"] is not None
    daemon._step_succeeded("watch", watch)  # the database is back
    assert daemon.status()["database_down_since"] is None
    daemon._step_failed("sync", sync, down, began_in_outage)  # began before that, failed after
    assert daemon.status()["database_down_since"] is None and sync.not_before == 0.0
    daemon._step_failed("sync", sync, down, time.monotonic())  # began after: a new outage
    assert daemon.status()["database_down_since"] is not None
    warned = [r for r in caplog.records if r.levelno == logging.WARNING and "unavailable" in r.getMessage()]
    assert len(warned) == 2, [r.getMessage() for r in warned]


def test_a_replan_job_with_nothing_owed_plans_nothing(office: Office) -> None:  # noqa: F811
    """A second re-plan job, scheduled as the first fired, found nothing pending and re-planned all the same: a
    burst of requests then gave two re-plans on a loaded machine."""
    store, _, _ = office
    daemon = Daemon(store, None, FAST)
    assert not daemon.run_step("replan") and daemon.state.replans == 0
    daemon.request_replan()  # owed (the scheduler is not running: only marked)
    assert daemon.run_step("replan") and daemon.state.replans == 1
    assert not daemon.run_step("replan") and daemon.state.replans == 1
    daemon.stop()


def test_a_follower_plans_what_it_saw_once_it_takes_over(office: Office) -> None:  # noqa: F811
    """A leader that dies before re-planning leaves the follower's seen change owed, not dropped."""
    store, sandbox, tenants = office
    first = Daemon(store, None, FAST)
    first.step_replan()  # a published plan to start from
    first.stop()
    dead_leader = LeaderLock(store.engine)
    assert dead_leader.acquire()
    follower = Daemon(Store(store.engine), tenants, FAST)
    follower.start(replan_now=False)
    try:
        store.save_request(_late_request(store, "SEEN-1"), actor="test")
        wait_for(lambda: follower.status()["replan_pending"] and not follower.state.leader, timeout=10)
        wait_for(lambda: follower._replan_owed, timeout=30)  # its re-plan came while it followed: owed, not run
        assert follower.state.replans == 0
        dead_leader.release()  # the leader is gone without having planned the change
        wait_for(lambda: meetings_by_request(sandbox).get("SEEN-1") == 1, timeout=20)
        assert follower.state.leader and follower.state.replans == 1
    finally:
        follower.stop()


def test_a_change_made_while_a_replan_runs_is_planned(office: Office) -> None:  # noqa: F811
    """Found by the fault suite: a change seen while a re-plan (with its sync) ran asked for a one-shot re-plan job
    that fired during the run; APScheduler skipped it (one instance at a time) and dropped it, so the change was
    planned only when some later change came (never, in a quiet office)."""
    store, sandbox, tenants = office
    slow, running, done = threading.Event(), threading.Event(), threading.Event()

    def on_replan(_: Any) -> None:
        if slow.is_set():
            running.set()
            assert done.wait(60)  # a re-plan and its sync that take a while (a month of requests, a slow Zoom)

    daemon = Daemon(store, tenants, FAST, on_replan=on_replan)
    daemon.start()
    try:
        wait_for(lambda: daemon.state.replans >= 1)
        assert daemon.wait_idle(30)
        slow.set()
        store.save_request(_late_request(store, "RUN-1"), actor="test")
        wait_for(running.is_set, timeout=10)
        store.save_request(_late_request(store, "RUN-2"), actor="test")  # its re-plan falls due mid-run
        # Seen, and its one-shot re-plan job fired (and was skipped) while the re-plan still runs.
        wait_for(lambda: daemon.scheduler.get_job("replan") is not None, timeout=30)
        wait_for(lambda: daemon.scheduler.get_job("replan") is None, timeout=30)
        assert daemon.status()["replan_pending"] and running.is_set() and not done.is_set()
        slow.clear()
        done.set()
        wait_for(lambda: meetings_by_request(sandbox).get("RUN-2") == 1, timeout=20)
        assert daemon.wait_idle(30)
    finally:
        daemon.stop()
