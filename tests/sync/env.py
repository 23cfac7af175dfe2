"""A store, a Zoom sandbox on loopback with our hosts, and clients for it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from allocator.planner.domain import Request
from allocator.store import Store
from allocator.sync import SyncWorker
from allocator.sync.sandbox import fixture_for_hosts
from tests.store.dbs import FakeClock, hosts, requests_from, round_robin
from zoom_client import UnlimitedRateLimiter, ZoomTenants
from zoom_client.sandbox import Sandbox, SandboxClock, run_sandbox


@dataclass
class Env:
    store: Store
    sandbox: Sandbox
    tenants: ZoomTenants
    clock: FakeClock
    requests: list[Request]

    def worker(self, **kw: Any) -> SyncWorker:
        kw.setdefault("lease_s", 60)
        return SyncWorker(self.store, self.tenants, **kw)

    def zoom_keys(self) -> list[str]:
        """Our key of every live meeting in the sandbox (sorted; duplicates show twice)."""
        from zoom_client.idempotency import key_from_agenda

        return sorted(k for m in self.sandbox.state.meetings() if (k := key_from_agenda(m.get("agenda"))))

    def zoom_meetings_by_request(self, role: str = "event") -> dict[str, list[dict[str, Any]]]:
        """The sandbox's meetings carrying our key in `role` (event or rehearsal), by request reference."""
        from allocator.publish import parse_key
        from zoom_client.idempotency import key_from_agenda

        out: dict[str, list[dict[str, Any]]] = {}
        for m in self.sandbox.state.meetings():
            key = key_from_agenda(m.get("agenda"))
            parsed = parse_key(key) if key else None
            if key and parsed and parsed[0] == role:
                out.setdefault(key.rpartition(".")[0], []).append(m)
        return out

    def publish(self, plan: Any = None) -> Any:
        return self.store.publish_plan(plan or round_robin(self.requests), actor="test")

    def drain(self, worker: SyncWorker | None = None, *, rounds: int = 20, step_s: float = 1000) -> None:
        """Run the worker until the outbox is empty, moving the clock past retry delays."""
        w = worker or self.worker()
        for _ in range(rounds):
            w.run_once()
            counts = self.store.outbox_counts()
            if not counts.get("pending") and not counts.get("in_progress"):
                return
            self.clock.advance(seconds=step_s)
        raise AssertionError(f"outbox not drained: {self.store.outbox_counts()}")

    def assert_exactly_once(self) -> None:
        """One Zoom meeting per scheduled request and role (on the host the store names), none for the others."""
        from allocator.publish import ROLES

        for role in ROLES:
            by_req = self.zoom_meetings_by_request(role)
            expected = {m.request: m for m in self.store.meetings(states=["active"], role=role)}
            assert set(by_req) == set(expected), (role, sorted(by_req), sorted(expected))
            for ref, found in by_req.items():
                assert len(found) == 1, f"{ref}: {len(found)} {role} meetings"
                m = expected[ref]
                assert found[0]["id"] == m.zoom_meeting_id and found[0]["host_email"] == m.zoom_user
        expected_events = {m.request for m in self.store.meetings(states=["active"], role="event")}
        for r in self.store.list_requests():
            if r.status.active and r.needs_host:
                assert r.ref in expected_events, f"{r.ref} lost"


@contextmanager
def sync_env(db_url: str, n: int = 6, *, sandbox_kw: dict[str, Any] | None = None, **client_kw: Any) -> Iterator[Env]:
    clock = FakeClock()
    store = Store.open(db_url, clock=clock)
    store.upsert_hosts(hosts(), actor="test")
    reqs = requests_from(clock(), n)
    for r in reqs:
        store.save_request(r, actor="test")
    kw: dict[str, Any] = {"enforce_rate_limits": False, "clock": SandboxClock(clock(), frozen=True)}
    kw.update(sandbox_kw or {})
    client_kw.setdefault("sleep", lambda s: None)
    client_kw.setdefault("rate_limiter", UnlimitedRateLimiter())
    client_kw.setdefault("now", clock)
    with run_sandbox(fixture_for_hosts(hosts()), **kw) as sb:
        tenants = ZoomTenants(sb.zoom_config(), **client_kw)
        try:
            yield Env(store, sb, tenants, clock, reqs)
        finally:
            store.close()
