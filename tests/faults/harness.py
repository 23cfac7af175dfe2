"""What the fault-injection suite shares: real `vicon` processes (daemon, sync) started with a fault point and
killed by it, a loopback TCP proxy that cuts the database away, and the end-state checks (Zoom against the store
field by field, one meeting per served request and role, nothing unowned, every PIC mailed)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from allocator.faults import FAULT_ENV
from allocator.planner.domain import Request
from allocator.publish import ROLES, parse_key
from allocator.store.models import NotificationRow
from allocator.store.repo import Store
from allocator.sync import CRASH_ENV, reconcile
from tests.store.dbs import FakeClock
from tests.sync.env import Env
from zoom_client import ZoomTenants
from zoom_client.idempotency import key_from_agenda
from zoom_client.sandbox import Sandbox

ROOT = Path(__file__).resolve().parents[2]


def child_env(fault: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in (CRASH_ENV, FAULT_ENV, "VICON_DATABASE_URL")}
    env["PYTHONPATH"] = str(ROOT)
    env["VICON_LANG"] = "en"  # the harness reads the commands' English lines
    if fault:
        env[FAULT_ENV] = fault
    return env


def vicon(*args: str, fault: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run `vicon ARGS` (as `python -m allocator`) to its end, or to the fault that kills it."""
    cmd = [sys.executable, "-m", "allocator", *args]
    return subprocess.run(cmd, env=child_env(fault), capture_output=True, text=True, timeout=timeout, cwd=ROOT)


@dataclass
class DaemonProcess:
    """`vicon daemon` in a process of its own, its log in a file."""

    db: str
    zoom_config: Path
    workdir: Path
    fault: str | None = None
    proc: subprocess.Popen[bytes] | None = None
    started: float = 0.0

    @property
    def status_file(self) -> Path:
        return self.workdir / "status.json"

    @property
    def mail_dir(self) -> Path:
        return self.workdir / "mail"

    def start(self) -> DaemonProcess:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.status_file.unlink(missing_ok=True)
        log = (self.workdir / "daemon.log").open("ab")
        cmd = [sys.executable, "-m", "allocator", "daemon", "--db", self.db, "--zoom-config", str(self.zoom_config)]
        cmd += ["--mail-dir", str(self.mail_dir), "--debounce", "0.3", "--status-file", str(self.status_file)]
        self.started = time.monotonic()
        self.proc = subprocess.Popen(cmd, env=child_env(self.fault), stdout=log, stderr=log, cwd=ROOT)
        log.close()
        return self

    def status(self) -> dict[str, Any]:
        try:
            data: dict[str, Any] = json.loads(self.status_file.read_text())
        except (OSError, ValueError):
            return {}
        return data

    def wait_dead(self, timeout: float = 90) -> int:
        assert self.proc is not None
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"the daemon did not die at {self.fault}: {self.log_tail()}") from None

    def kill(self) -> None:
        """kill -9."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        """SIGTERM, as a service manager stops it (SIGKILL if it does not stop in time)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    def log_tail(self, n: int = 3000) -> str:
        path = self.workdir / "daemon.log"
        return path.read_text(errors="replace")[-n:] if path.exists() else ""


def wait_for(cond: Callable[[], bool], timeout: float, what: str = "condition") -> float:
    """Seconds until `cond()` held (AssertionError naming `what` after `timeout`)."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        try:
            if cond():
                return time.monotonic() - start
        except sa.exc.OperationalError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{what}: not within {timeout:.0f} s")


def zoom_by_key(sandbox: Sandbox) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for m in sandbox.state.meetings():
        key = key_from_agenda(m.get("agenda"))
        if key:
            out.setdefault(key, []).append(m)
    return out


@dataclass
class Losses:
    """What a run lost or left wrong: every list must be empty."""

    duplicates: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    unmailed: list[str] = field(default_factory=list)

    def total(self) -> int:
        return sum(len(v) for v in (self.duplicates, self.missing, self.orphans, self.stale, self.unmailed))


def losses(store: Store, sandbox: Sandbox, tenants: ZoomTenants, *, mail: bool = False) -> Losses:
    """Compares Zoom (the sandbox) with the store: a served request's meeting missing, twice, or with stale
    details (field by field), a meeting of ours no live row owns, a served request whose PIC got no mail."""
    out = Losses()
    zoom = zoom_by_key(sandbox)
    active = {m.key: m for m in store.meetings(states=["active"])}
    published = store.published_plan()
    served = {a.request for a in published.plan.assignments if a.host} if published else set()
    have = {m.request for m in active.values() if m.role == "event"}
    out.missing += [f"{ref}: served, no meeting" for ref in sorted(served - have)]
    for key, m in active.items():
        found = zoom.get(key, [])
        if len(found) > 1:
            out.duplicates.append(f"{key}: {len(found)} meetings")
        if not found:
            out.missing.append(f"{key}: not in Zoom")
        elif found[0]["id"] != m.zoom_meeting_id or found[0]["host_email"] != m.zoom_user:
            out.stale.append(f"{key}: Zoom has {found[0]['id']} on {found[0]['host_email']}")
    for key in sorted(set(zoom) - set(active)):
        parsed = parse_key(key)
        if parsed is not None and parsed[0] in ROLES:
            out.orphans.append(f"{key}: in Zoom, no live row")
    try:
        Env(store, sandbox, tenants, FakeClock(), []).assert_zoom_has_the_stores_details()
    except (AssertionError, KeyError) as exc:
        out.stale.append(str(exc)[:300])
    if mail:
        with store.transaction() as s:
            sent = set(s.scalars(sa.select(NotificationRow.request).where(NotificationRow.state == "sent")))
        out.unmailed += sorted(ref for ref in have if ref not in sent)
    return out


def assert_nothing_lost(store: Store, sandbox: Sandbox, tenants: ZoomTenants, *, mail: bool = False) -> Losses:
    lost = losses(store, sandbox, tenants, mail=mail)
    assert lost.total() == 0, lost
    rec = reconcile(store, tenants, dry_run=True)
    assert rec.clean, rec.summary()
    return lost


def moved(req: Request, minutes: int) -> Request:
    shift = timedelta(minutes=minutes)
    return req.model_copy(update={"start": req.start + shift, "end": req.end + shift})


class DbProxy:
    """A loopback TCP proxy in front of PostgreSQL that the test stops (every connection cut, new ones refused)
    and starts again: the database unreachable for as long as the test says. Knows the local ports of its
    upstream connections, so the test can find (and terminate) exactly the daemon's server backends."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self._listener: socket.socket | None = None
        self._conns: set[socket.socket] = set()
        self._lock = threading.Lock()
        self.upstream_ports: set[int] = set()

    def start(self) -> None:
        lst = socket.socket()
        lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        lst.bind(("127.0.0.1", self.port))
        lst.listen(64)
        self._listener = lst
        threading.Thread(target=self._accept, args=(lst,), daemon=True).start()

    def stop(self) -> None:
        lst, self._listener = self._listener, None
        if lst is not None:
            lst.close()
        with self._lock:
            conns, self._conns = self._conns, set()
        for c in conns:
            with contextlib.suppress(OSError):
                c.shutdown(socket.SHUT_RDWR)
            c.close()

    def _accept(self, lst: socket.socket) -> None:
        while True:
            try:
                client, _ = lst.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self._lock:
                if self._listener is not lst:  # stopped meanwhile
                    client.close()
                    server.close()
                    return
                self._conns |= {client, server}
                self.upstream_ports.add(server.getsockname()[1])
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
