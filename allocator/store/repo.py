"""The store's service API: every read and write of durable state goes through `Store`.

Each public method is one transaction. Every change writes an audit row (who, what, when, old, new) in the
same transaction. Requests keep their full history. `publish_plan` writes the plan and the Zoom actions it
implies (the outbox) atomically; the sync worker (allocator.sync) carries them out.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from allocator.domain import (
    Assignment,
    Operator,
    Pin,
    Plan,
    Problem,
    Request,
    RequestStatus,
    SitePolicy,
    ZoomHost,
)
from allocator.publish import Action, CurrentMeeting, MeetingSpec, desired_meetings, diff_meetings
from allocator.store import migrate
from allocator.store.db import make_engine
from allocator.store.models import (
    AssignmentRow,
    AuditRow,
    HostRow,
    MeetingRow,
    NotificationRow,
    OperatorRow,
    OutboxRow,
    PinRow,
    PlanRow,
    RequestHistoryRow,
    RequestRow,
    SettingRow,
    ZoomBudgetRow,
)

log = logging.getLogger(__name__)

PUBLISH_LOCK_KEY = 0x7669636F6E_02  # transaction-level advisory lock serialising publishes on PostgreSQL
LIVE_MEETING_STATES = ("pending_create", "active")
FINISHED_OUTBOX_STATES = ("done", "failed", "superseded")
#: Meeting fields never copied into the audit log (the join link and passcode are for the PIC only).
_PRIVATE_MEETING_FIELDS = ("join_url", "passcode")


def utcnow() -> datetime:
    return datetime.now(UTC)


def _json(model: Any) -> dict[str, Any]:
    data: dict[str, Any] = model.model_dump(mode="json")
    return data


@dataclass(frozen=True)
class RequestVersion:
    ref: str
    version: int
    change: str
    actor: str
    at: datetime
    request: Request


@dataclass(frozen=True)
class PublishedPlan:
    id: int
    published_at: datetime
    actor: str
    plan: Plan


@dataclass(frozen=True)
class MeetingView:
    """A meeting as the store knows it. `join_url`/`passcode` are for the PIC; the host link is never stored."""

    id: int
    key: str
    request: str
    generation: int
    host: str
    account: str
    zoom_user: str
    state: str
    spec: MeetingSpec
    synced: dict[str, Any] | None
    zoom_meeting_id: int | None
    join_url: str | None
    passcode: str | None


@dataclass(frozen=True)
class OutboxView:
    id: int
    request: str
    meeting_id: int
    kind: str
    reason: str
    state: str
    attempts: int
    not_before: datetime
    last_error: str | None
    result: dict[str, Any] | None
    key: str


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: str
    old: dict[str, Any] | None
    new: dict[str, Any] | None


@dataclass
class PublishResult:
    """What a publish did: the plan's id, the logical actions, and how many outbox rows were queued."""

    plan_id: int
    actions: list[Action] = field(default_factory=list)
    queued: int = 0
    folded: int = 0  # actions absorbed by a create that had not been sent yet
    notes: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out = {"create": 0, "update": 0, "delete": 0}
        for a in self.actions:
            out[a.kind] += 1
        return out


def audit(
    s: Session,
    *,
    at: datetime,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    old: dict[str, Any] | None = None,
    new: dict[str, Any] | None = None,
) -> None:
    s.add(AuditRow(at=at, actor=actor, action=action, entity=entity, entity_id=entity_id, old=old, new=new))


def meeting_audit_view(m: MeetingRow) -> dict[str, Any]:
    return {
        "key": m.key,
        "state": m.state,
        "host": m.host,
        "zoom_meeting_id": m.zoom_meeting_id,
        "start": m.spec.get("start"),
        "topic": m.spec.get("topic"),
        "join_url": "(set)" if m.join_url else None,
    }


def meeting_view(m: MeetingRow) -> MeetingView:
    return MeetingView(
        id=m.id,
        key=m.key,
        request=m.request,
        generation=m.generation,
        host=m.host,
        account=m.account,
        zoom_user=m.zoom_user,
        state=m.state,
        spec=MeetingSpec.model_validate(m.spec),
        synced=m.synced,
        zoom_meeting_id=m.zoom_meeting_id,
        join_url=m.join_url,
        passcode=m.passcode,
    )


_ResourceRow = TypeVar("_ResourceRow", HostRow, OperatorRow)


class Store:
    """Durable state behind one engine. Thread-safe (one session per call). `clock` is injectable."""

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = utcnow) -> None:
        self.engine = engine
        self.clock = clock
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def open(
        cls, url: str | None = None, *, upgrade: bool = True, clock: Callable[[], datetime] = utcnow, **kw: Any
    ) -> Store:
        """Connect to `url` (see `allocator.store.database_url`) and, by default, upgrade the schema."""
        engine = make_engine(url, **kw)
        if upgrade:
            migrate.upgrade(engine)
        return cls(engine, clock=clock)

    def close(self) -> None:
        self.engine.dispose()

    def __repr__(self) -> str:
        return f"Store({self.engine.url.render_as_string(hide_password=True)!r})"

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: committed on success, rolled back on any exception."""
        with self._sessions.begin() as s:
            yield s

    def now(self) -> datetime:
        return self.clock().astimezone(UTC)

    # --- settings -------------------------------------------------------------------------------

    def set_policy(self, policy: SitePolicy, *, actor: str) -> None:
        now = self.now()
        with self.transaction() as s:
            row = s.get(SettingRow, "policy")
            new = _json(policy)
            if row is None:
                s.add(SettingRow(name="policy", value=new, updated_at=now))
                audit(s, at=now, actor=actor, action="policy.set", entity="settings", entity_id="policy", new=new)
            elif row.value != new:
                audit(
                    s,
                    at=now,
                    actor=actor,
                    action="policy.set",
                    entity="settings",
                    entity_id="policy",
                    old=row.value,
                    new=new,
                )
                row.value, row.updated_at = new, now

    def policy(self) -> SitePolicy:
        with self.transaction() as s:
            row = s.get(SettingRow, "policy")
            return SitePolicy.model_validate(row.value) if row else SitePolicy()

    # --- requests -------------------------------------------------------------------------------

    def save_request(self, req: Request, *, actor: str) -> RequestVersion | None:
        """Insert or change a request (a new history version); None if nothing changed. A request that
        stops being active (cancelled, rejected) has its Zoom meetings queued for deletion at once."""
        now = self.now()
        with self.transaction() as s:
            return self._save_request(s, req, actor=actor, now=now)

    def _save_request(self, s: Session, req: Request, *, actor: str, now: datetime) -> RequestVersion | None:
        data = _json(req)
        row = s.get(RequestRow, req.ref)
        if row is not None and row.data == data:
            return None
        if row is None:
            change, old = "created", None
            row = RequestRow(ref=req.ref, version=1, created_at=now)
        else:
            change, old = ("cancelled" if req.status is RequestStatus.CANCELLED else "updated"), row.data
            row.version += 1
        was_active = old is not None and RequestStatus(old["status"]).active
        row.unit, row.status, row.start, row.end = req.unit, req.status.value, req.start, req.end
        row.data, row.updated_at = data, now
        s.add(row)
        s.flush()  # the history row refers to it
        s.add(RequestHistoryRow(ref=req.ref, version=row.version, change=change, actor=actor, at=now, data=data))
        s.flush()
        audit(
            s, at=now, actor=actor, action=f"request.{change}", entity="request", entity_id=req.ref, old=old, new=data
        )
        if was_active and not req.status.active:
            for m in self._live_meetings(s, [req.ref]):
                if m.start > now:
                    self._retire_meeting(s, m, reason=f"request {req.status.value}", actor=actor, now=now)
        return RequestVersion(req.ref, row.version, change, actor, now, req)

    def cancel_request(self, ref: str, *, actor: str, reason: str | None = None) -> RequestVersion | None:
        """Mark a request cancelled (history + audit) and queue the deletion of its Zoom meeting."""
        now = self.now()
        with self.transaction() as s:
            row = s.get(RequestRow, ref)
            if row is None:
                raise KeyError(f"unknown request {ref!r}")
            req = Request.model_validate(row.data)
            if req.status is RequestStatus.CANCELLED:
                return None
            out = self._save_request(
                s, req.model_copy(update={"status": RequestStatus.CANCELLED}), actor=actor, now=now
            )
            if reason:
                audit(
                    s,
                    at=now,
                    actor=actor,
                    action="request.cancel_reason",
                    entity="request",
                    entity_id=ref,
                    new={"reason": reason},
                )
            return out

    def get_request(self, ref: str) -> Request | None:
        with self.transaction() as s:
            row = s.get(RequestRow, ref)
            return Request.model_validate(row.data) if row else None

    def list_requests(
        self,
        *,
        statuses: Collection[RequestStatus] | None = None,
        ends_after: datetime | None = None,
        starts_before: datetime | None = None,
    ) -> list[Request]:
        q = sa.select(RequestRow).order_by(RequestRow.start, RequestRow.ref)
        if statuses is not None:
            q = q.where(RequestRow.status.in_([st.value for st in statuses]))
        if ends_after is not None:
            q = q.where(RequestRow.end > ends_after)
        if starts_before is not None:
            q = q.where(RequestRow.start < starts_before)
        with self.transaction() as s:
            return [Request.model_validate(r.data) for r in s.scalars(q)]

    def request_history(self, ref: str) -> list[RequestVersion]:
        q = sa.select(RequestHistoryRow).where(RequestHistoryRow.ref == ref).order_by(RequestHistoryRow.version)
        with self.transaction() as s:
            return [
                RequestVersion(h.ref, h.version, h.change, h.actor, h.at, Request.model_validate(h.data))
                for h in s.scalars(q)
            ]

    # --- resources ------------------------------------------------------------------------------

    def upsert_hosts(self, hosts: Iterable[ZoomHost], *, actor: str, deactivate_missing: bool = False) -> int:
        """Add or change hosts; returns how many changed."""
        return self._upsert_resources(
            HostRow,
            "host",
            hosts,
            lambda h: {"account": h.account, "zoom_user": h.zoom_user},
            actor,
            deactivate_missing,
        )

    def _upsert_resources(
        self,
        row_type: type[_ResourceRow],
        entity: str,
        items: Iterable[ZoomHost] | Iterable[Operator],
        columns: Callable[[Any], dict[str, Any]],
        actor: str,
        deactivate_missing: bool,
    ) -> int:
        """One resource table's upsert: unchanged rows untouched, every change audited, absent ones deactivated."""
        now = self.now()
        changed = 0
        with self.transaction() as s:
            seen: set[str] = set()
            for item in items:
                seen.add(item.id)
                data = _json(item)
                row = s.get(row_type, item.id)
                if row is not None and row.data == data and row.active:
                    continue
                old = row.data if row else None
                if row is None:
                    row = row_type(id=item.id)
                    s.add(row)
                for name, value in columns(item).items():
                    setattr(row, name, value)
                row.active, row.data, row.updated_at = True, data, now
                audit(
                    s,
                    at=now,
                    actor=actor,
                    action=f"{entity}.saved",
                    entity=entity,
                    entity_id=item.id,
                    old=old,
                    new=data,
                )
                changed += 1
            if deactivate_missing:
                for row in s.scalars(sa.select(row_type).where(row_type.active, row_type.id.not_in(seen))):
                    row.active, row.updated_at = False, now
                    audit(s, at=now, actor=actor, action=f"{entity}.deactivated", entity=entity, entity_id=row.id)
                    changed += 1
        return changed

    def hosts(self, *, include_inactive: bool = False) -> list[ZoomHost]:
        q = sa.select(HostRow).order_by(HostRow.id)
        if not include_inactive:
            q = q.where(HostRow.active)
        with self.transaction() as s:
            return [ZoomHost.model_validate(r.data) for r in s.scalars(q)]

    def upsert_operators(self, operators: Iterable[Operator], *, actor: str, deactivate_missing: bool = False) -> int:
        """Add or change operators; returns how many changed."""
        return self._upsert_resources(OperatorRow, "operator", operators, lambda o: {}, actor, deactivate_missing)

    def operators(self, *, include_inactive: bool = False) -> list[Operator]:
        q = sa.select(OperatorRow).order_by(OperatorRow.id)
        if not include_inactive:
            q = q.where(OperatorRow.active)
        with self.transaction() as s:
            return [Operator.model_validate(r.data) for r in s.scalars(q)]

    # --- pins -----------------------------------------------------------------------------------

    def set_pin(self, pin: Pin, *, actor: str) -> None:
        now = self.now()
        with self.transaction() as s:
            if s.get(RequestRow, pin.request) is None:
                raise KeyError(f"unknown request {pin.request!r}")
            row = s.get(PinRow, pin.request)
            data = _json(pin)
            old = row.data if row else None
            if row is None:
                s.add(PinRow(request=pin.request, data=data, actor=actor, created_at=now))
            else:
                row.data, row.actor, row.created_at = data, actor, now
            audit(s, at=now, actor=actor, action="pin.set", entity="pin", entity_id=pin.request, old=old, new=data)

    def remove_pin(self, ref: str, *, actor: str) -> bool:
        now = self.now()
        with self.transaction() as s:
            row = s.get(PinRow, ref)
            if row is None:
                return False
            audit(s, at=now, actor=actor, action="pin.removed", entity="pin", entity_id=ref, old=row.data)
            s.delete(row)
            return True

    def pins(self) -> list[Pin]:
        with self.transaction() as s:
            return [Pin.model_validate(r.data) for r in s.scalars(sa.select(PinRow).order_by(PinRow.request))]

    # --- problems -------------------------------------------------------------------------------

    def import_problem(self, problem: Problem, *, actor: str) -> dict[str, int]:
        """Load a problem file's site policy, hosts, operators, requests and pins into the store."""
        self.set_policy(problem.policy, actor=actor)
        counts = {
            "hosts": self.upsert_hosts(problem.hosts, actor=actor),
            "operators": self.upsert_operators(problem.operators, actor=actor),
            "requests": 0,
            "pins": 0,
        }
        now = self.now()
        with self.transaction() as s:
            for r in problem.requests:
                if self._save_request(s, r, actor=actor, now=now) is not None:
                    counts["requests"] += 1
        for p in problem.pins:
            self.set_pin(p, actor=actor)
            counts["pins"] += 1
        return counts

    def load_problem(self, now: datetime | None = None, *, until: datetime | None = None) -> Problem:
        """The planning problem at `now`: every request ending after `now` (and starting before `until`),
        the active hosts and operators, the site policy, the published plan's assignments as `previous`
        and the pins (both limited to what still applies)."""
        now = (now or self.now()).astimezone(UTC)
        requests = self.list_requests(ends_after=now, starts_before=until)
        hosts = self.hosts()
        operators = self.operators()
        refs = {r.ref for r in requests if r.status.active}
        host_ids = {h.id for h in hosts}
        op_ids = {o.id for o in operators}

        def usable(a: Assignment | Pin) -> bool:
            return (
                a.request in refs
                and (a.host is None or a.host in host_ids)
                and all(o in op_ids for o in a.operators)
                and len(set(a.operators)) == len(a.operators)
            )

        published = self.published_plan()
        previous = [a for a in (published.plan.assignments if published else []) if usable(a)]
        pins = [p for p in self.pins() if usable(p)]
        return Problem(
            now=now,
            policy=self.policy(),
            hosts=hosts,
            operators=operators,
            requests=requests,
            previous=previous,
            pins=pins,
        )

    # --- plans ----------------------------------------------------------------------------------

    def published_plan(self) -> PublishedPlan | None:
        with self.transaction() as s:
            row = s.scalars(
                sa.select(PlanRow).where(PlanRow.state == "published").order_by(PlanRow.id.desc()).limit(1)
            ).first()
            if row is None:
                return None
            return self._plan_from_row(s, row)

    def plan(self, plan_id: int) -> PublishedPlan | None:
        with self.transaction() as s:
            row = s.get(PlanRow, plan_id)
            return self._plan_from_row(s, row) if row else None

    @staticmethod
    def _plan_from_row(s: Session, row: PlanRow) -> PublishedPlan:
        rows = s.scalars(
            sa.select(AssignmentRow).where(AssignmentRow.plan_id == row.id).order_by(AssignmentRow.request)
        )
        assignments = [Assignment(request=a.request, host=a.host, operators=list(a.operators)) for a in rows]
        plan = Plan.model_validate({**row.data, "assignments": [_json(a) for a in assignments]})
        return PublishedPlan(row.id, row.published_at or row.created_at, row.actor, plan)

    def publish_plan(
        self,
        plan: Plan,
        *,
        actor: str,
        scope: Collection[str] | None = None,
        now: datetime | None = None,
        dry_run: bool = False,
    ) -> PublishResult:
        """Make `plan` the published plan and queue the Zoom actions it implies, in one transaction.

        `scope`: the requests the plan was made for (`Problem.requests`); meetings of requests outside it are
        left alone. Default: every request ending after `now`. With `dry_run` nothing is written (plan id 0).
        """
        now = (now or self.now()).astimezone(UTC)
        with self.transaction() as s:
            if self.dialect == "postgresql":
                s.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": PUBLISH_LOCK_KEY})
            if scope is None:
                scope = list(s.scalars(sa.select(RequestRow.ref).where(RequestRow.end > now)))
            scope_set = set(scope)
            req_rows = s.scalars(sa.select(RequestRow).where(RequestRow.ref.in_(scope_set))).all() if scope_set else []
            requests = {r.ref: Request.model_validate(r.data) for r in req_rows}
            hosts = {r.id: ZoomHost.model_validate(r.data) for r in s.scalars(sa.select(HostRow))}
            live = self._live_meetings(s, scope_set)
            by_ref: dict[str, MeetingRow] = {}
            for m in live:
                if m.request in by_ref:  # never expected: keep the newest, retire the other
                    log.error("request %s has two live meetings (%s, %s)", m.request, by_ref[m.request].key, m.key)
                by_ref[m.request] = m
            current = {
                ref: CurrentMeeting(key=m.key, generation=m.generation, spec=MeetingSpec.model_validate(m.spec))
                for ref, m in by_ref.items()
            }
            gens = self._next_generations(s, scope_set)
            desired = desired_meetings(plan, requests.values(), hosts)
            actions, notes = diff_meetings(
                current,
                desired,
                scope=scope_set & set(requests),
                now=now,
                next_generation=gens,
                requests=requests,
                plan_refs={a.request for a in plan.assignments},
            )
            result = PublishResult(plan_id=0, actions=actions, notes=notes)
            if dry_run:
                s.rollback()
                return result
            plan_row = self._insert_plan(s, plan, actor=actor, now=now)
            result.plan_id = plan_row.id
            for a in actions:
                if a.kind == "create":
                    self._queue_create(s, a, plan_id=plan_row.id, actor=actor, now=now)
                    result.queued += 1
                elif a.kind == "update":
                    if self._queue_update(s, by_ref[a.request], a, plan_id=plan_row.id, actor=actor, now=now):
                        result.queued += 1
                    else:
                        result.folded += 1
                else:
                    if self._retire_meeting(
                        s, by_ref[a.request], reason=a.reason, actor=actor, now=now, plan_id=plan_row.id
                    ):
                        result.queued += 1
                    else:
                        result.folded += 1
            audit(
                s,
                at=now,
                actor=actor,
                action="plan.published",
                entity="plan",
                entity_id=str(plan_row.id),
                new={**plan_row.summary, "actions": result.counts(), "queued": result.queued},
            )
            return result

    def _insert_plan(self, s: Session, plan: Plan, *, actor: str, now: datetime) -> PlanRow:
        for old in s.scalars(sa.select(PlanRow).where(PlanRow.state == "published")):
            old.state = "superseded"
        summary = {
            "served": len(plan.assignments),
            "unserved": len(plan.unserved),
            "status": plan.status.value,
        }
        row = PlanRow(
            state="published",
            created_at=now,
            published_at=now,
            actor=actor,
            solver_status=plan.status.value,
            summary=summary,
            data=plan.model_dump(mode="json", exclude={"assignments"}),
        )
        s.add(row)
        s.flush()
        s.add_all(
            AssignmentRow(plan_id=row.id, request=a.request, host=a.host, operators=list(a.operators))
            for a in plan.assignments
        )
        return row

    @staticmethod
    def _live_meetings(s: Session, refs: Collection[str]) -> list[MeetingRow]:
        if not refs:
            return []
        q = (
            sa.select(MeetingRow)
            .where(MeetingRow.state.in_(LIVE_MEETING_STATES), MeetingRow.request.in_(list(refs)))
            .order_by(MeetingRow.id)
        )
        return list(s.scalars(q))

    @staticmethod
    def _next_generations(s: Session, refs: Collection[str]) -> dict[str, int]:
        if not refs:
            return {}
        q = (
            sa.select(MeetingRow.request, sa.func.max(MeetingRow.generation))
            .where(MeetingRow.request.in_(list(refs)))
            .group_by(MeetingRow.request)
        )
        return {ref: int(gen) + 1 for ref, gen in s.execute(q)}

    @staticmethod
    def _outbox_row(
        s: Session, m: MeetingRow, kind: str, reason: str, payload: dict[str, Any], plan_id: int | None, now: datetime
    ) -> OutboxRow:
        row = OutboxRow(
            request=m.request,
            meeting_id=m.id,
            kind=kind,
            reason=reason[:200],
            payload=payload,
            state="pending",
            attempts=0,
            not_before=now,
            plan_id=plan_id,
            created_at=now,
        )
        s.add(row)
        return row

    def _queue_create(self, s: Session, a: Action, *, plan_id: int | None, actor: str, now: datetime) -> MeetingRow:
        spec = _json(a.spec)
        m = MeetingRow(
            key=a.key,
            request=a.request,
            generation=a.generation,
            host=a.spec.host,
            account=a.spec.account,
            zoom_user=a.spec.zoom_user,
            state="pending_create",
            start=a.spec.start,
            spec=spec,
            synced=None,
            created_at=now,
            updated_at=now,
        )
        s.add(m)
        s.flush()
        self._outbox_row(s, m, "create", a.reason, {"key": a.key, "spec": spec}, plan_id, now)
        audit(
            s,
            at=now,
            actor=actor,
            action="meeting.create_queued",
            entity="meeting",
            entity_id=a.key,
            new={**meeting_audit_view(m), "reason": a.reason},
        )
        return m

    @staticmethod
    def _unsent_create(s: Session, m: MeetingRow) -> OutboxRow | None:
        """The meeting's create row if it has never been handed to a worker (so it can still be changed)."""
        return s.scalars(
            sa.select(OutboxRow).where(
                OutboxRow.meeting_id == m.id,
                OutboxRow.kind == "create",
                OutboxRow.state == "pending",
                OutboxRow.attempts == 0,
            )
        ).first()

    def _queue_update(
        self, s: Session, m: MeetingRow, a: Action, *, plan_id: int | None, actor: str, now: datetime
    ) -> bool:
        """Change the meeting's intended details; queue an update unless its create is still unsent (then the
        create simply sends the new details). Returns whether an outbox row was queued."""
        old = meeting_audit_view(m)
        spec = _json(a.spec)
        queued = True
        if m.state == "pending_create":
            create = self._unsent_create(s, m)
            if create is not None:
                res = s.execute(
                    sa.update(OutboxRow)
                    .where(OutboxRow.id == create.id, OutboxRow.state == "pending", OutboxRow.attempts == 0)
                    .values(payload={"key": m.key, "spec": spec})
                    .execution_options(synchronize_session=False)
                )
                queued = res.rowcount != 1  # type: ignore[attr-defined]
        m.spec, m.start, m.updated_at = spec, a.spec.start, now
        if queued:
            self._outbox_row(
                s, m, "update", a.reason, {"key": m.key, "spec": spec, "changes": list(a.changes)}, plan_id, now
            )
        audit(
            s,
            at=now,
            actor=actor,
            action="meeting.update_queued" if queued else "meeting.update_folded",
            entity="meeting",
            entity_id=m.key,
            old=old,
            new={**meeting_audit_view(m), "changes": list(a.changes)},
        )
        return queued

    def _retire_meeting(
        self, s: Session, m: MeetingRow, *, reason: str, actor: str, now: datetime, plan_id: int | None = None
    ) -> bool:
        """Take a meeting out of service: queue its deletion, or, if its create was never sent, cancel the
        create instead (nothing exists in Zoom). Returns whether an outbox row was queued."""
        old = meeting_audit_view(m)
        if m.state == "pending_create":
            create = self._unsent_create(s, m)
            if create is not None:
                res = s.execute(
                    sa.update(OutboxRow)
                    .where(OutboxRow.id == create.id, OutboxRow.state == "pending", OutboxRow.attempts == 0)
                    .values(state="superseded", done_at=now, last_error=f"superseded: {reason}"[:500])
                    .execution_options(synchronize_session=False)
                )
                if res.rowcount == 1:  # type: ignore[attr-defined]
                    m.state, m.updated_at = "deleted", now
                    audit(
                        s,
                        at=now,
                        actor=actor,
                        action="meeting.create_cancelled",
                        entity="meeting",
                        entity_id=m.key,
                        old=old,
                        new={**meeting_audit_view(m), "reason": reason},
                    )
                    return False
        m.state, m.updated_at = "pending_delete", now
        self._outbox_row(s, m, "delete", reason, {"key": m.key, "zoom_meeting_id": m.zoom_meeting_id}, plan_id, now)
        audit(
            s,
            at=now,
            actor=actor,
            action="meeting.delete_queued",
            entity="meeting",
            entity_id=m.key,
            old=old,
            new={**meeting_audit_view(m), "reason": reason},
        )
        return True

    # --- meetings, outbox, audit (reads) --------------------------------------------------------

    def meetings(self, *, request: str | None = None, states: Collection[str] | None = None) -> list[MeetingView]:
        q = sa.select(MeetingRow).order_by(MeetingRow.request, MeetingRow.generation)
        if request is not None:
            q = q.where(MeetingRow.request == request)
        if states is not None:
            q = q.where(MeetingRow.state.in_(list(states)))
        with self.transaction() as s:
            return [meeting_view(m) for m in s.scalars(q)]

    def meeting_for(self, ref: str) -> MeetingView | None:
        """The request's current meeting (intended or in Zoom), if any."""
        live = self.meetings(request=ref, states=LIVE_MEETING_STATES)
        return live[-1] if live else None

    def outbox(self, *, states: Collection[str] | None = None, request: str | None = None) -> list[OutboxView]:
        q = sa.select(OutboxRow, MeetingRow.key).join(MeetingRow, MeetingRow.id == OutboxRow.meeting_id)
        q = q.order_by(OutboxRow.id)
        if states is not None:
            q = q.where(OutboxRow.state.in_(list(states)))
        if request is not None:
            q = q.where(OutboxRow.request == request)
        with self.transaction() as s:
            return [
                OutboxView(
                    o.id,
                    o.request,
                    o.meeting_id,
                    o.kind,
                    o.reason,
                    o.state,
                    o.attempts,
                    o.not_before,
                    o.last_error,
                    o.result,
                    key,
                )
                for o, key in s.execute(q)
            ]

    def outbox_counts(self) -> dict[str, int]:
        with self.transaction() as s:
            q = sa.select(OutboxRow.state, sa.func.count()).group_by(OutboxRow.state)
            return {state: int(n) for state, n in s.execute(q)}

    def audit_log(self, *, entity: str | None = None, entity_id: str | None = None) -> list[AuditEntry]:
        q = sa.select(AuditRow).order_by(AuditRow.id)
        if entity is not None:
            q = q.where(AuditRow.entity == entity)
        if entity_id is not None:
            q = q.where(AuditRow.entity_id == entity_id)
        with self.transaction() as s:
            return [
                AuditEntry(a.id, a.at, a.actor, a.action, a.entity, a.entity_id, a.old, a.new) for a in s.scalars(q)
            ]

    # --- Zoom budget ------------------------------------------------------------------------------

    def budget_used(self, day: str | None = None) -> dict[str, int]:
        """Meeting create+update calls sent per Zoom user on a UTC day (default today)."""
        day = day or self.now().date().isoformat()
        with self.transaction() as s:
            q = sa.select(ZoomBudgetRow).where(ZoomBudgetRow.day == day)
            return {r.zoom_user: r.used for r in s.scalars(q)}

    # --- notifications --------------------------------------------------------------------------

    def record_notification(
        self,
        *,
        dedup_key: str,
        kind: str,
        channel: str,
        recipient: str,
        payload: dict[str, Any],
        request: str | None = None,
        actor: str = "notifier",
    ) -> bool:
        """Record a notification to send; False if one with this `dedup_key` exists (exactly once)."""
        now = self.now()
        with self.transaction() as s:
            exists = s.scalars(sa.select(NotificationRow.id).where(NotificationRow.dedup_key == dedup_key)).first()
            if exists is not None:
                return False
            s.add(
                NotificationRow(
                    dedup_key=dedup_key,
                    request=request,
                    kind=kind,
                    channel=channel,
                    recipient=recipient,
                    state="pending",
                    payload=payload,
                    created_at=now,
                )
            )
            audit(
                s,
                at=now,
                actor=actor,
                action="notification.recorded",
                entity="notification",
                entity_id=dedup_key,
                new={"kind": kind, "channel": channel, "request": request},
            )
            return True

    def mark_notification(self, dedup_key: str, *, sent: bool, error: str | None = None) -> None:
        now = self.now()
        with self.transaction() as s:
            row = s.scalars(sa.select(NotificationRow).where(NotificationRow.dedup_key == dedup_key)).one()
            row.state = "sent" if sent else "failed"
            row.sent_at = now if sent else None
            row.last_error = error
