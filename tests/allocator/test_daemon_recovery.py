"""The daemon after a crash and through a database outage: nothing stays stuck, nothing is left unplanned,
and the log says what happened in a few lines."""

from __future__ import annotations

from allocator.daemon import Daemon
from allocator.store.repo import Store
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
