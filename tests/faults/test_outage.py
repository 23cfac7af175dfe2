"""Database outages under a real `vicon daemon` on PostgreSQL: its server backends terminated
(`pg_terminate_backend`), and the database unreachable for seconds (a loopback TCP proxy between the daemon and
PostgreSQL, stopped and started by the test). Every request committed just before or during an outage is planned,
synced and mailed within a bounded time after it ends."""

from __future__ import annotations

import time
from pathlib import Path

import sqlalchemy as sa

from allocator.planner.domain import Request
from allocator.store.repo import Store
from tests.faults.harness import DaemonProcess, DbProxy, assert_nothing_lost, losses, wait_for
from tests.faults.test_daemon_kills import Office, office  # noqa: F401  (fixture)
from tests.store.dbs import pg_base_url

#: After an outage ends, how long until everything committed meanwhile is planned, in Zoom and mailed: the
#: steps' back-off is at most 30 s (`DaemonSettings.retry_max_s`), and a re-plan, a sync and a notify follow.
BOUND_S = 45.0


def _late(store: Store, ref: str, n: int) -> Request:
    """A short head-of-region request at a served request's time: a re-plan serves it with a meeting."""
    published = store.published_plan()
    assert published is not None
    victim = store.get_request(sorted(a.request for a in published.plan.assignments if a.host)[n])
    assert victim is not None
    return victim.model_copy(update={"ref": ref, "priority": "head_of_region", "participants": 20,
                                     "end": victim.start + (victim.end - victim.start) / 2})  # fmt: skip


def _served_synced_mailed(store: Store, refs: list[str]) -> bool:
    published = store.published_plan()
    if published is None or not {a.request for a in published.plan.assignments if a.host} >= set(refs):
        return False
    with store.transaction() as s:
        rows = s.execute(sa.text("SELECT request FROM notifications WHERE state = 'sent'")).scalars().all()
    active = {m.request for m in store.meetings(states=["active"], role="event") if m.zoom_meeting_id}
    return set(refs) <= active and set(refs) <= set(rows)


def _terminate(admin: sa.Engine, ports: set[int]) -> int:
    """Terminates the server backends of the daemon's connections (found by the proxy's upstream ports)."""
    with admin.connect() as conn:
        pids = (
            conn.execute(
                sa.text("SELECT pid FROM pg_stat_activity WHERE client_port = ANY(:ports) AND pid <> pg_backend_pid()"),
                {"ports": sorted(ports)},
            )
            .scalars()
            .all()
        )
        for pid in pids:
            conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    return len(pids)


def test_requests_committed_before_and_during_outages_are_planned_synced_and_mailed(
    office: Office,  # noqa: F811
    tmp_path: Path,
) -> None:
    store, sandbox, tenants, config = office
    real = store.engine.url
    proxy = DbProxy((real.host or "127.0.0.1", real.port or 5432))
    proxy.start()
    via_proxy = real.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    admin = sa.create_engine(pg_base_url(), isolation_level="AUTOCOMMIT")
    daemon = DaemonProcess(via_proxy, config, tmp_path / "daemon").start()
    figures: list[str] = []
    try:
        wait_for(lambda: _served_synced_mailed(store, []) and not daemon.status().get("replan_pending")
                 and daemon.status().get("replans", 0) >= 1 and not store.outbox_counts().get("pending"),
                 90, "the first plan is published, synced and mailed")  # fmt: skip

        # 1. Its backends terminated, twice, with a request committed in between.
        store.save_request(_late(store, "TERM-1", 0), actor="test")
        time.sleep(0.2)
        killed = _terminate(admin, proxy.upstream_ports)
        time.sleep(0.5)
        killed += _terminate(admin, proxy.upstream_ports)
        took = wait_for(lambda: _served_synced_mailed(store, ["TERM-1"]), BOUND_S, "TERM-1 after terminations")
        figures.append(f"{killed} backends terminated: planned, synced, mailed {took:.1f} s later")
        assert killed >= 1

        # 2. Unreachable for 8 s: one request committed just before (the daemon sees it, its re-plan fails),
        # one during.
        for outage_s in (8.0, 3.0):
            before, during = f"BEFORE-{outage_s:.0f}", f"DURING-{outage_s:.0f}"
            store.save_request(_late(store, before, 1), actor="test")
            time.sleep(0.6)  # seen by watch, the debounced re-plan starting
            proxy.stop()
            time.sleep(outage_s / 2)
            store.save_request(_late(store, during, 2), actor="test")
            time.sleep(outage_s / 2)
            proxy.start()
            took = wait_for(lambda: _served_synced_mailed(store, [before, during]), BOUND_S,  # noqa: B023
                            f"{before} and {during} after a {outage_s:.0f} s outage")  # fmt: skip
            figures.append(f"unreachable {outage_s:.0f} s: planned, synced, mailed {took:.1f} s after it ended")
        wait_for(lambda: losses(store, sandbox, tenants, mail=True).total() == 0
                 and not {"pending", "in_progress"} & set(store.outbox_counts()), 60, "drained")  # fmt: skip
    finally:
        daemon.stop()
        proxy.stop()
        admin.dispose()
    print("fault suite (outages): " + "; ".join(figures))
    assert daemon.proc is not None and daemon.proc.returncode == 0, daemon.log_tail()
    log = daemon.log_tail(200_000)
    assert log.count("Traceback") == 0, log[-3000:]
    assert_nothing_lost(store, sandbox, tenants, mail=True)
