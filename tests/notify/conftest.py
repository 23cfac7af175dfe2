"""Fixtures for notifier tests: a real SMTP server on loopback (aiosmtpd), a real SQLite store, the Zoom
sandbox with our hosts, and a small world (hosts, operators, requests in WIB/WITA/WIT) with a published plan."""

from __future__ import annotations

import email
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from allocator.notify.config import NotifyConfig, RetryPolicy
from allocator.notify.model import Office
from allocator.notify.outbox import Outbox
from allocator.notify.startlinks import TenantStartLinks
from allocator.notify.transport import SmtpSettings, SmtpTransport
from allocator.planner.domain import Assignment, Operator, Plan, Request, WeeklyShift, ZoomHost
from allocator.store.repo import Store
from allocator.sync.sandbox import fixture_for_hosts
from allocator.sync.worker import SyncWorker
from zoom_client import ZoomTenants
from zoom_client.sandbox import run_sandbox


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Received:
    envelope_from: str
    rcpt: list[str]
    raw: bytes

    @property
    def msg(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.raw, policy=default_policy)
        assert isinstance(parsed, EmailMessage)
        return parsed


class Inbox:
    """aiosmtpd handler keeping every message; can refuse the next N with a temporary error."""

    def __init__(self) -> None:
        self.messages: list[Received] = []
        self.refuse_next = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            if self.refuse_next > 0:
                self.refuse_next -= 1
                return "451 4.3.0 try again later"
            self.messages.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.original_content))
            )
        return "250 OK"

    def to(self, address: str) -> list[Received]:
        return [m for m in self.messages if address in m.rcpt]


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, SmtpSettings]]:
    inbox = Inbox()
    port = free_port()
    ctl = Controller(inbox, hostname="127.0.0.1", port=port)
    ctl.start()
    try:
        yield inbox, SmtpSettings(host="127.0.0.1", port=port, security="none", timeout_s=5)
    finally:
        ctl.stop()


class Clock:
    def __init__(self, now: datetime) -> None:
        self.t = now

    def __call__(self) -> datetime:
        return self.t

    def advance(self, **kw: float) -> None:
        self.t += timedelta(**kw)


NOW = datetime(2027, 1, 1, 0, 0, tzinfo=UTC)  # Friday 1 January 2027, 07.00 WIB
HOSTS = [
    ZoomHost(id="H100", account="kominfo", zoom_user="zoom100@kominfo.example.go.id", capacity=100),
    ZoomHost(id="H500", account="kominfo", zoom_user="zoom500@kominfo.example.go.id", capacity=500, max_concurrent=2),
]
SHIFT = [WeeklyShift(weekdays=[0, 1, 2, 3, 4, 5, 6], start="06:00", end="00:00")]
OPERATORS = [
    Operator(id="OP1", name="Sari Dewi", email="sari@kominfo.example.go.id", phone="0812-1111-2222", shifts=SHIFT),
    Operator(id="OP2", name="Andi Wijaya", email="andi@kominfo.example.go.id", phone="0813-3333-4444", shifts=SHIFT),
]


def make_request(ref: str, zone: str, start: str, end: str, *, lang: str = "id", **kw: Any) -> Request:
    data: dict[str, Any] = {
        "ref": ref,
        "unit": kw.pop("unit", "Bappeda"),
        "pic": {
            "name": kw.pop("pic_name", f"PIC {ref}"),
            "email": kw.pop("pic_email", f"pic.{ref.lower()}@unit.example.go.id"),
            "phone": "0811-000",
            "language": lang,
        },
        "title": kw.pop("title", f"Rapat {ref}"),
        "timezone": zone,
        "start": start,
        "end": end,
        "participants": kw.pop("participants", 80),
        "venue": kw.pop("venue", "Aula Kantor Bupati"),
        "status": "approved",
    }
    data.update(kw)
    return Request.model_validate(data)


@dataclass
class World:
    store: Store
    clock: Clock
    inbox: Inbox
    smtp: SmtpSettings
    tenants: ZoomTenants
    sandbox: Any
    config: NotifyConfig
    plan: dict[str, Assignment] = field(default_factory=dict)

    def outbox(self, **kw: Any) -> Outbox:
        return Outbox(
            self.store,
            self.config,
            mail=SmtpTransport(self.smtp),
            start_links=TenantStartLinks(self.tenants),
            clock=self.clock,
            **kw,
        )

    def publish(self, *assignments: Assignment) -> None:
        for a in assignments:
            self.plan[a.request] = a
        self.store.publish_plan(Plan(assignments=list(self.plan.values())), actor="test", now=self.clock())
        report = SyncWorker(self.store, self.tenants, clock=self.clock).run_once()
        assert not report.failed, report.failed

    def unpublish(self, ref: str) -> None:
        self.plan.pop(ref, None)
        self.store.publish_plan(Plan(assignments=list(self.plan.values())), actor="test", now=self.clock())
        SyncWorker(self.store, self.tenants, clock=self.clock).run_once()

    def start_url(self, ref: str) -> str:
        m = self.store.meeting_for(ref)
        assert m is not None and m.zoom_meeting_id is not None
        su = self.tenants.client(m.account).get_meeting(m.zoom_meeting_id).start_url
        assert su is not None
        return su.get_secret_value()


@pytest.fixture
def world(tmp_path: Path, smtp: tuple[Inbox, SmtpSettings]) -> Iterator[World]:
    inbox, settings = smtp
    clock = Clock(NOW)
    store = Store.open(f"sqlite:///{tmp_path / 'vicon.db'}", clock=clock)
    store.upsert_hosts(HOSTS, actor="test")
    store.upsert_operators(OPERATORS, actor="test")
    config = NotifyConfig(
        office=Office(name="Dinas Kominfo Kabupaten Contoh", email="vicon@kominfo.example.go.id", phone="0411-123"),
        smtp=settings,
        retry=RetryPolicy(base_s=60, max_s=600, max_attempts=3),
    )
    with run_sandbox(fixture_for_hosts(HOSTS), port=0, announce=lambda *_a: None) as sb:
        tenants = ZoomTenants(sb.zoom_config())
        yield World(store, clock, inbox, settings, tenants, sb, config)
    store.close()
