"""A store, a Zoom sandbox on loopback with our hosts, and clients for it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from unittest import mock

import pytest

from allocator.planner.domain import Request
from allocator.store import Store
from allocator.sync import SyncWorker
from allocator.sync.sandbox import fixture_for_hosts
from tests.store.dbs import FakeClock, hosts, requests_from, round_robin
from zoom_client import UnlimitedRateLimiter, ZoomConfig, ZoomTenants
from zoom_client.sandbox import Sandbox, SandboxClock, run_sandbox


class Killed(BaseException):
    """The worker died at a crash point: the in-process stand-in for `_maybe_crash`'s `os._exit(137)` (its claims
    stay `in_progress`, nothing after the point is recorded). A BaseException, so no handler of the worker eats it."""


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

    def crash(self, point: str, **kw: Any) -> None:
        """Run a worker that dies at `point` (`after_claim`, `after_zoom_create`, ...), as `VICON_SYNC_CRASH_AT`
        does in a real process, but in this one: the worker's `os._exit` raises `Killed` instead."""
        worker = self.worker(crash_at=point, **kw)
        with mock.patch("allocator.sync.worker.os._exit", side_effect=Killed), pytest.raises(Killed):
            worker.run_once()

    def recover(self) -> SyncWorker:
        """A restarted leader: releases the dead worker's claims at once (it knows it is alone)."""
        worker = self.worker()
        worker.recover(all_in_progress=True)
        return worker

    def assert_zoom_has_the_stores_details(self) -> None:
        """Every active meeting in Zoom carries, field by field, what the store wants (`spec`): nothing stale."""
        from allocator.publish import MeetingSpec
        from zoom_client.idempotency import strip_marker

        live = {m["id"]: m for m in self.sandbox.state.meetings()}
        for view in self.store.meetings(states=["active"]):
            spec = view.spec
            got = live[view.zoom_meeting_id]
            start = datetime.strptime(got["start_time"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
            zoom = (got["topic"], start, got["duration"], got["timezone"], strip_marker(got["agenda"]))
            want = (spec.topic, spec.start, spec.duration_min, spec.timezone, spec.agenda)
            assert zoom == want, (view.key, zoom, want)
            synced = MeetingSpec.model_validate(view.synced) if view.synced else None
            assert synced == spec, (view.key, "the store's record of Zoom is not what Zoom has", synced)

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
def sync_env(
    db_url: str,
    n: int = 6,
    *,
    sandbox_kw: dict[str, Any] | None = None,
    read_timeout_s: float | None = None,
    **client_kw: Any,
) -> Iterator[Env]:
    """A store with our hosts and `n` requests, a sandbox whose users are those hosts, clients on the store's fake
    clock (`read_timeout_s`: how long a client waits for Zoom's answer, for slow-reply tests)."""
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
        config = sb.zoom_config()
        if read_timeout_s is not None:
            accounts = [sb.account_config(a.name, read_timeout_s=read_timeout_s) for a in sb.fixture.accounts]
            config = ZoomConfig(accounts=accounts)
        tenants = ZoomTenants(config, **client_kw)
        try:
            yield Env(store, sb, tenants, clock, reqs)
        finally:
            store.close()


def side_by_side(workers: list[Any], step: Callable[[Any], None]) -> list[BaseException]:
    """Runs `step(worker)` for every worker at once, each in its own thread; what any of them raised."""
    errors: list[BaseException] = []

    def run(w: Any) -> None:
        try:
            step(w)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors
