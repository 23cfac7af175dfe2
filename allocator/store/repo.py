"""The store's service API: every read and write of durable state goes through `Store`.

Each public method is one transaction. Every change writes an audit row (who, what, when, old, new) in the
same transaction. Requests keep their full history. `publish_plan` writes the plan and the Zoom actions it
implies (the outbox) atomically; the sync worker (allocator.sync) carries them out.

Besides requests and resources the store keeps the site's venues, travel times and kit types (settings rows,
audited), the kits each served request borrows (`kit_loans`, written at publish) and their returns
(`kit_returns`), and which new venues have been surveyed (`surveyed_venues`, noticed from published surveys).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from allocator.planner.calendar import kits_needed_at, pickup_time, return_time
from allocator.planner.domain import (
    Assignment,
    KitFault,
    KitOut,
    KitType,
    Operator,
    Pin,
    Plan,
    Problem,
    Request,
    RequestStatus,
    SitePolicy,
    TravelTime,
    UnitOperator,
    Venue,
    ZoomHost,
    expand_series,
    occurrence_ref,
    occurrences,
    series_parent,
)
from allocator.publish import (
    ROLES,
    Action,
    CurrentMeeting,
    MeetingRole,
    MeetingSpec,
    desired_meetings,
    desired_rehearsals,
    diff_meetings,
    effective_times,
)
from allocator.store import migrate
from allocator.store.db import make_engine
from allocator.store.models import (
    AssignmentRow,
    AuditRow,
    HostRow,
    KitFaultRow,
    KitLoanRow,
    KitReturnRow,
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
#: The actor of changes the store notices by itself (a survey that has taken place).
SYSTEM_ACTOR = "system"
KitLoanState = Literal["planned", "out", "overdue", "returned"]
KIT_LOAN_STATES: tuple[KitLoanState, ...] = ("planned", "out", "overdue", "returned")


def utcnow() -> datetime:
    return datetime.now(UTC)


def _json(model: Any) -> dict[str, Any]:
    data: dict[str, Any] = model.model_dump(mode="json")
    return data


_ASSIGNMENT_DETAIL = {"start", "end", "rehearsal", "survey"}


def assignment_detail(a: Assignment) -> dict[str, Any] | None:
    """What the `assignments` row keeps beyond host and operators (None when nothing is set)."""
    data: dict[str, Any] = a.model_dump(mode="json", include=_ASSIGNMENT_DETAIL, exclude_none=True)
    if a.self_operated:  # kept only when set, so rows of plans without it stay as they were
        data["self_operated"] = True
    return data or None


def assignment_from_row(row: AssignmentRow) -> Assignment:
    return Assignment.model_validate(
        {"request": row.request, "host": row.host, "operators": list(row.operators), **(row.detail or {})}
    )


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
    role: MeetingRole = "event"


@dataclass(frozen=True)
class KitLoan:
    """Kits one request borrows, and their state at the time asked for.

    `state`: planned (pickup still ahead) | out | overdue (`due` passed, not back) | returned.
    """

    request: str
    kit: str
    count: int
    pickup: datetime
    due: datetime
    state: KitLoanState
    returned_at: datetime | None = None
    returned_by: str | None = None

    @property
    def held_until(self) -> datetime | None:
        """When the kits are back in stock: the return, else `due`; None (indefinitely) when overdue."""
        if self.returned_at is not None:
            return self.returned_at
        return None if self.state == "overdue" else self.due

    def holds_at(self, t: datetime) -> bool:
        end = self.held_until
        return self.pickup <= t and (end is None or t < end)


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
    kit_loans: int = 0  # requests whose kit loans were planned, changed or dropped

    def counts(self) -> dict[str, int]:
        out = {"create": 0, "update": 0, "delete": 0}
        for a in self.actions:
            out[a.kind] += 1
        return out


def _unit_operators(s: Session) -> list[UnitOperator]:
    """The units' trained operators, read in the caller's transaction."""
    row = s.get(SettingRow, "unit_operators")
    return [UnitOperator.model_validate(i) for i in (row.value.get("items", []) if row else [])]


def _change_of(before: RequestStatus, after: RequestStatus) -> str:
    """How a new version is named in the history: the decision when the status changed, else "updated"."""
    if after is not before and after in (RequestStatus.CANCELLED, RequestStatus.REJECTED, RequestStatus.APPROVED):
        return after.value
    return "updated"


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
        "role": m.role,
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
        role="rehearsal" if m.role == "rehearsal" else "event",
    )


def _loan_json(r: KitLoanRow) -> dict[str, Any]:
    """A loan as compared and audited: instants in UTC, as the store reads them back (a pickup moved into office
    hours is worked out in the site's zone; the same instant must not count as a change at every publish)."""
    return {"count": r.count, "pickup": r.pickup.astimezone(UTC).isoformat(), "due": r.due.astimezone(UTC).isoformat()}


def _loan_view(r: KitLoanRow, ret: KitReturnRow | None, at: datetime) -> KitLoan:
    state: KitLoanState
    if ret is not None and ret.returned_at <= at:
        state = "returned"
    elif r.pickup > at:
        state = "planned"
    elif r.due <= at:
        state = "overdue"
    else:
        state = "out"
    returned = ret is not None and state == "returned"
    return KitLoan(
        request=r.request,
        kit=r.kit,
        count=r.count,
        pickup=r.pickup,
        due=r.due,
        state=state,
        returned_at=ret.returned_at if returned and ret else None,
        returned_by=ret.actor if returned and ret else None,
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
            self._set_setting(s, "policy", _json(policy), actor=actor, now=now)

    @staticmethod
    def _set_setting(s: Session, name: str, new: dict[str, Any], *, actor: str, now: datetime) -> bool:
        """Write one settings row (audited as `<name>.set`, entity `settings`); False if unchanged."""
        row = s.get(SettingRow, name)
        if row is None:
            s.add(SettingRow(name=name, value=new, updated_at=now))
            audit(s, at=now, actor=actor, action=f"{name}.set", entity="settings", entity_id=name, new=new)
            return True
        if row.value == new:
            return False
        audit(s, at=now, actor=actor, action=f"{name}.set", entity="settings", entity_id=name, old=row.value, new=new)
        row.value, row.updated_at = new, now
        return True

    def policy(self) -> SitePolicy:
        with self.transaction() as s:
            return self._policy(s)

    @staticmethod
    def _policy(s: Session) -> SitePolicy:
        row = s.get(SettingRow, "policy")
        return SitePolicy.model_validate(row.value) if row else SitePolicy()

    # --- venues, travel, kit types (settings rows `venues`, `travel`, `kit_types`: {"items": [...]}) ------

    def _set_items(
        self, name: str, items: list[dict[str, Any]], key: Callable[[dict[str, Any]], Any], actor: str
    ) -> int:
        """Replace a list setting; returns how many items are new, changed or gone (0: nothing written)."""
        now = self.now()
        with self.transaction() as s:
            row = s.get(SettingRow, name)
            old = {key(i): i for i in (row.value.get("items", []) if row else [])}
            new = {key(i): i for i in items}
            changed = sum(1 for k in old.keys() | new.keys() if old.get(k) != new.get(k))
            if (row is None and items) or (row is not None and list(row.value.get("items", [])) != items):
                self._set_setting(s, name, {"items": items}, actor=actor, now=now)
            return changed

    def _items(self, name: str) -> list[dict[str, Any]]:
        with self.transaction() as s:
            row = s.get(SettingRow, name)
            return list(row.value.get("items", [])) if row else []

    def set_venues(self, venues: Iterable[Venue], *, actor: str) -> int:
        """The site's venues as configured (a venue surveyed since stays surveyed, see `surveyed_venues`)."""
        return self._set_items("venues", [_json(v) for v in venues], lambda v: v["id"], actor)

    def venues(self) -> list[Venue]:
        """The venues, with `surveyed` true for every venue whose survey has taken place."""
        surveyed = self.surveyed_venues()
        out = []
        for v in (Venue.model_validate(i) for i in self._items("venues")):
            out.append(v.model_copy(update={"surveyed": True}) if v.id in surveyed and not v.surveyed else v)
        return out

    def set_travel(self, travel: Iterable[TravelTime], *, actor: str) -> int:
        return self._set_items("travel", [_json(t) for t in travel], lambda t: tuple(sorted((t["a"], t["b"]))), actor)

    def travel(self) -> list[TravelTime]:
        return [TravelTime.model_validate(i) for i in self._items("travel")]

    def set_kit_types(self, kit_types: Iterable[KitType], *, actor: str) -> int:
        return self._set_items("kit_types", [_json(k) for k in kit_types], lambda k: k["id"], actor)

    def kit_types(self) -> list[KitType]:
        return [KitType.model_validate(i) for i in self._items("kit_types")]

    def set_unit_operators(self, people: Iterable[UnitOperator], *, actor: str) -> int:
        """The units' own trained operators (settings row `unit_operators`): their units may run meetings."""
        return self._set_items("unit_operators", [_json(u) for u in people], lambda u: u["id"], actor)

    def unit_operators(self) -> list[UnitOperator]:
        with self.transaction() as s:
            return _unit_operators(s)

    # --- surveyed venues ------------------------------------------------------------------------

    def surveyed_venues(self) -> dict[str, dict[str, Any]]:
        """Venues whose survey has taken place: venue id -> {"at": survey end, "request", "noticed_at"}."""
        with self.transaction() as s:
            row = s.get(SettingRow, "surveyed_venues")
            return dict(row.value.get("venues", {})) if row else {}

    def note_surveys(self, now: datetime | None = None, *, actor: str = SYSTEM_ACTOR) -> list[str]:
        """Record as surveyed every venue whose survey in the published plan has ended by `now` (for an active
        request); returns the venues newly recorded. `load_problem` and `publish_plan` call it."""
        now = (now or self.now()).astimezone(UTC)
        with self.transaction() as s:
            row = s.scalars(sa.select(PlanRow).where(PlanRow.state == "published").order_by(PlanRow.id.desc())).first()
            if row is None:
                return []
            return self._note_surveys(s, self._assignments(s, row.id), now=now, actor=actor)

    @staticmethod
    def _note_surveys(s: Session, assignments: Iterable[Assignment], *, now: datetime, actor: str) -> list[str]:
        done = [a for a in assignments if a.survey is not None and a.survey.venue and a.survey.end <= now]
        if not done:
            return []
        row = s.get(SettingRow, "surveyed_venues")
        known: dict[str, Any] = dict(row.value.get("venues", {})) if row else {}
        fresh: dict[str, Any] = {}
        for a in sorted(done, key=lambda a: (a.survey.end if a.survey else now, a.request)):
            assert a.survey is not None and a.survey.venue is not None
            venue = a.survey.venue
            if venue in known or venue in fresh:
                continue
            req = s.get(RequestRow, a.request)
            if req is None or not RequestStatus(req.status).active:
                continue  # a survey of a cancelled request may never have happened
            fresh[venue] = {
                "at": a.survey.end.isoformat(),
                "request": a.request,
                "operators": list(a.survey.operators),
                "noticed_at": now.isoformat(),
            }
        if not fresh:
            return []
        value = {"venues": {**known, **fresh}}
        if row is None:
            s.add(SettingRow(name="surveyed_venues", value=value, updated_at=now))
        else:
            row.value, row.updated_at = value, now
        for venue, info in fresh.items():
            audit(s, at=now, actor=actor, action="venue.surveyed", entity="venue", entity_id=venue, new=info)
        return sorted(fresh)

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
        if row is not None and (row.data == data or _json(Request.model_validate(row.data)) == data):
            return None  # the same request (stored before a field was added reads back with that field's default)
        if row is None:
            change, old = "created", None
            row = RequestRow(ref=req.ref, version=1, created_at=now)
        else:
            change, old = _change_of(RequestStatus(row.status), req.status), row.data
            row.version += 1
        was_active = old is not None and RequestStatus(old["status"]).active
        # The columns bound where a request can be: a flexible one anywhere in its window.
        row.unit, row.status = req.unit, req.status.value
        row.start, row.end = req.window_start or req.start, req.window_end or req.end
        if req.series is not None and req.occurrence is None:  # a series lasts until its last occurrence
            row.end = max(o.end for o in occurrences(req))
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
            self._drop_unpicked_loans(s, req.ref, actor=actor, now=now, reason=f"request {req.status.value}")
        return RequestVersion(req.ref, row.version, change, actor, now, req)

    def save_requests(self, reqs: list[Request], *, actor: str) -> list[RequestVersion | None]:
        """Save several requests in one transaction (a file's accepted rows): all of them, or none."""
        now = self.now()
        with self.transaction() as s:
            return [self._save_request(s, req, actor=actor, now=now) for req in reqs]

    def requests_by_ref(self, refs: Collection[str]) -> dict[str, Request]:
        """The stored requests among `refs` (one query per thousand), for an intake file's re-import."""
        wanted, out = sorted(set(refs)), {}
        with self.transaction() as s:
            for i in range(0, len(wanted), 1000):
                rows = s.scalars(sa.select(RequestRow).where(RequestRow.ref.in_(wanted[i : i + 1000])))
                out.update({row.ref: Request.model_validate(row.data) for row in rows})
        return out

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

    def set_request_status(
        self, ref: str, status: RequestStatus, *, actor: str, reason: str | None = None
    ) -> RequestVersion | None:
        """An admin's decision on a request (approved, rejected; cancelling has `cancel_request`): a new version
        named by the decision, its reason audited; None if it already had that status."""
        if status is RequestStatus.CANCELLED:
            return self.cancel_request(ref, actor=actor, reason=reason)
        now = self.now()
        with self.transaction() as s:
            row = s.get(RequestRow, ref)
            if row is None:
                raise KeyError(f"unknown request {ref!r}")
            req = Request.model_validate(row.data)
            if req.status is status:
                return None
            out = self._save_request(s, req.model_copy(update={"status": status}), actor=actor, now=now)
            if reason:
                audit(s, at=now, actor=actor, action=f"request.{status.value}_reason", entity="request",
                      entity_id=ref, new={"reason": reason})  # fmt: skip
            return out

    def get_request(self, ref: str) -> Request | None:
        with self.transaction() as s:
            row = s.get(RequestRow, ref)
            return Request.model_validate(row.data) if row else None

    def get_occurrence(self, ref: str) -> Request | None:
        """A stored request, or one occurrence of a stored series by its reference ('PSR-70:3'); None if neither."""
        with self.transaction() as s:
            return self._known_ref(s, ref)

    @staticmethod
    def _known_ref(s: Session, ref: str) -> Request | None:
        row = s.get(RequestRow, ref)
        if row is not None:
            return Request.model_validate(row.data)
        parent = series_parent(ref)
        row = s.get(RequestRow, parent) if parent is not None else None
        if row is None:
            return None
        req = Request.model_validate(row.data)
        if req.series is None or req.occurrence is not None:
            return None
        return next((o for o in occurrences(req) if o.ref == ref), None)

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
            req = self._known_ref(s, pin.request)  # a request, or one occurrence of a series ('PSR-70:3')
            if req is None:
                raise KeyError(f"unknown request {pin.request!r}")
            if req.series is not None and req.occurrence is None:
                raise ValueError(f"{pin.request} is a series: pin its occurrences one at a time ({pin.request}:1 …)")
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
        """Load a problem file's site policy, hosts, operators, venues, travel times, kit types, requests and
        pins into the store (counts: new or changed). Venues surveyed since stay surveyed."""
        self.set_policy(problem.policy, actor=actor)
        counts = {
            "hosts": self.upsert_hosts(problem.hosts, actor=actor),
            "operators": self.upsert_operators(problem.operators, actor=actor),
            "venues": self.set_venues(problem.venues, actor=actor),
            "travel": self.set_travel(problem.travel, actor=actor),
            "kit_types": self.set_kit_types(problem.kit_types, actor=actor),
            "unit_operators": self.set_unit_operators(problem.unit_operators, actor=actor),
            "requests": 0,
            "pins": 0,
        }
        now = self.now()
        with self.transaction() as s:
            for r in problem.stored_requests():
                if self._save_request(s, r, actor=actor, now=now) is not None:
                    counts["requests"] += 1
        for p in problem.pins:
            self.set_pin(p, actor=actor)
            counts["pins"] += 1
        return counts

    def load_problem(self, now: datetime | None = None, *, until: datetime | None = None) -> Problem:
        """The planning problem at `now`: every request ending after `now` (and starting before `until`),
        the active hosts and operators, the site policy, venues (surveyed ones marked, after noticing surveys
        that have ended), travel times, kit types, the kits out at `now` (picked up and not returned, also of
        requests that have ended), the published plan's assignments as `previous` and the pins (both limited
        to what still applies)."""
        now = (now or self.now()).astimezone(UTC)
        self.note_surveys(now)
        requests = self.list_requests(ends_after=now, starts_before=until)
        hosts = self.hosts()
        operators = self.operators()
        refs = {r.ref for r in expand_series(requests) if r.status.active}  # a series' plan names its occurrences
        host_ids = {h.id for h in hosts}
        op_ids = {o.id for o in operators}

        def usable(a: Assignment | Pin) -> bool:
            return (
                a.request in refs
                and (a.host is None or a.host in host_ids)
                and all(o in op_ids for o in a.operators)
                and len(set(a.operators)) == len(a.operators)
            )

        def tasks_usable(a: Assignment) -> Assignment:
            """Drop a rehearsal or survey that names a host or operator no longer active."""
            update: dict[str, Any] = {}
            for name in ("rehearsal", "survey"):
                t = getattr(a, name)
                if t is not None and (
                    (t.host is not None and t.host not in host_ids) or any(o not in op_ids for o in t.operators)
                ):
                    update[name] = None
            return a.model_copy(update=update) if update else a

        published = self.published_plan()
        previous = [tasks_usable(a) for a in (published.plan.assignments if published else []) if usable(a)]
        pins = [p for p in self.pins() if usable(p)]
        kit_types = self.kit_types()
        kit_ids = {k.id for k in kit_types}
        kits_out = []
        for loan in self.kit_loans(now, states=("out", "overdue")):
            if loan.kit not in kit_ids:
                log.warning("kit loan %s/%s: kit type %r is not configured; ignored", loan.request, loan.kit, loan.kit)
                continue
            kits_out.append(KitOut(kit=loan.kit, count=loan.count, request=loan.request, due=loan.due))
        return Problem(
            now=now,
            policy=self.policy(),
            hosts=hosts,
            operators=operators,
            requests=requests,
            venues=self.venues(),
            travel=self.travel(),
            kit_types=kit_types,
            kits_out=kits_out,
            kit_faults=self._kit_faults(kit_ids),
            unit_operators=self.unit_operators(),
            previous=previous,
            pins=pins,
        )

    def _kit_faults(self, kit_ids: set[str]) -> list[KitFault]:
        """Kits out of service: the open faults of configured kit types (allocator/store/kit_faults.py)."""
        with self.transaction() as s:
            rows = s.scalars(sa.select(KitFaultRow).where(KitFaultRow.repaired_at.is_(None)).order_by(KitFaultRow.id))
            return [KitFault(kit=r.kit, count=r.count, since=r.reported_at, request=_fault_ref(r))
                    for r in rows if r.kit in kit_ids]  # fmt: skip

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
    def _assignments(s: Session, plan_id: int) -> list[Assignment]:
        rows = s.scalars(
            sa.select(AssignmentRow).where(AssignmentRow.plan_id == plan_id).order_by(AssignmentRow.request)
        )
        return [assignment_from_row(a) for a in rows]

    @classmethod
    def _plan_from_row(cls, s: Session, row: PlanRow) -> PublishedPlan:
        assignments = cls._assignments(s, row.id)
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
            # A series' occurrences are planned one by one but published as the series' one meeting.
            parents = {parent for ref in scope_set if (parent := series_parent(ref)) is not None} - scope_set
            wanted = scope_set | parents
            req_rows = s.scalars(sa.select(RequestRow).where(RequestRow.ref.in_(wanted))).all() if wanted else []
            requests = {r.ref: Request.model_validate(r.data) for r in req_rows}
            requests = {ref: r for ref, r in requests.items() if ref not in parents or r.series is not None}
            scope_set |= parents & set(requests)
            hosts = {r.id: ZoomHost.model_validate(r.data) for r in s.scalars(sa.select(HostRow))}
            live = self._live_meetings(s, scope_set)
            by_key: dict[tuple[str, str], MeetingRow] = {}
            for m in live:
                if (m.request, m.role) in by_key:  # never expected: keep the newest, retire the other
                    other = by_key[(m.request, m.role)].key
                    log.error("request %s has two live %s meetings (%s, %s)", m.request, m.role, other, m.key)
                by_key[(m.request, m.role)] = m
            gens = self._next_generations(s, scope_set)
            desired = {"event": desired_meetings(plan, requests.values(), hosts, _unit_operators(s))}
            desired["rehearsal"] = desired_rehearsals(plan, requests.values(), hosts)
            actions: list[Action] = []
            notes: list[str] = []
            for role in ROLES:
                current = {
                    ref: CurrentMeeting(
                        key=m.key, generation=m.generation, spec=MeetingSpec.model_validate(m.spec), role=role
                    )
                    for (ref, r), m in by_key.items()
                    if r == role
                }
                role_actions, role_notes = diff_meetings(
                    current,
                    desired[role],
                    scope=scope_set & set(requests),
                    now=now,
                    next_generation={ref: g for (ref, r), g in gens.items() if r == role},
                    requests=requests,
                    plan_refs={a.request for a in plan.assignments},
                    role=role,
                )
                actions += role_actions
                notes += role_notes
            actions.sort(key=lambda a: a.request)  # stable: per request, event actions before rehearsal ones
            result = PublishResult(plan_id=0, actions=actions, notes=notes)
            if dry_run:
                s.rollback()
                return result
            outgoing = s.scalars(sa.select(PlanRow.id).where(PlanRow.state == "published")).all()
            for plan_id in outgoing:  # surveys done under the plan being replaced count before it goes
                self._note_surveys(s, self._assignments(s, plan_id), now=now, actor=SYSTEM_ACTOR)
            plan_row = self._insert_plan(s, plan, actor=actor, now=now)
            result.plan_id = plan_row.id
            for a in actions:
                if a.kind == "create":
                    self._queue_create(s, a, plan_id=plan_row.id, actor=actor, now=now)
                    result.queued += 1
                elif a.kind == "update":
                    m = by_key[(a.request, a.role)]
                    if self._queue_update(s, m, a, plan_id=plan_row.id, actor=actor, now=now):
                        result.queued += 1
                    else:
                        result.folded += 1
                else:
                    m = by_key[(a.request, a.role)]
                    if self._retire_meeting(s, m, reason=a.reason, actor=actor, now=now, plan_id=plan_row.id):
                        result.queued += 1
                    else:
                        result.folded += 1
            result.kit_loans = self._plan_kit_loans(
                s, plan, requests, scope=scope_set & set(requests), plan_id=plan_row.id, actor=actor, now=now
            )
            audit(
                s,
                at=now,
                actor=actor,
                action="plan.published",
                entity="plan",
                entity_id=str(plan_row.id),
                new={
                    **plan_row.summary,
                    "actions": result.counts(),
                    "queued": result.queued,
                    "kit_loans_changed": result.kit_loans,
                },
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
            AssignmentRow(
                plan_id=row.id,
                request=a.request,
                host=a.host,
                operators=list(a.operators),
                detail=assignment_detail(a),
            )
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
    def _next_generations(s: Session, refs: Collection[str]) -> dict[tuple[str, str], int]:
        """The generation the next new meeting of each (request, role) gets."""
        if not refs:
            return {}
        q = (
            sa.select(MeetingRow.request, MeetingRow.role, sa.func.max(MeetingRow.generation))
            .where(MeetingRow.request.in_(list(refs)))
            .group_by(MeetingRow.request, MeetingRow.role)
        )
        return {(ref, role): int(gen) + 1 for ref, role, gen in s.execute(q)}

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
            role=a.role,
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
        """Take a meeting out of service: queue its deletion (superseding its waiting creates and updates), or, if
        its create was never sent, cancel the create instead (nothing exists in Zoom). Returns whether an outbox
        row was queued."""
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
        # Its creates and updates still waiting (a retry's back-off, a deferral to the next UTC day) are pointless
        # now, and would hold the delete back behind them: supersede them, so the meeting leaves Zoom at the next
        # sync. The delete looks for the key, so a create that reached Zoom unrecorded is removed too. One
        # conditional UPDATE: a row a worker has claimed meanwhile is left to finish first.
        s.execute(
            sa.update(OutboxRow)
            .where(
                OutboxRow.meeting_id == m.id,
                OutboxRow.state == "pending",
                OutboxRow.kind.in_(("create", "update")),
            )
            .values(state="superseded", done_at=now, last_error=f"superseded: {reason}"[:500])
            .execution_options(synchronize_session=False)
        )
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

    def meetings(
        self,
        *,
        request: str | None = None,
        states: Collection[str] | None = None,
        role: MeetingRole | None = None,
    ) -> list[MeetingView]:
        """Meetings (every role unless `role` is given), by request, event before rehearsal, oldest first."""
        q = sa.select(MeetingRow).order_by(MeetingRow.request, MeetingRow.role, MeetingRow.generation)
        if request is not None:
            q = q.where(MeetingRow.request == request)
        if states is not None:
            q = q.where(MeetingRow.state.in_(list(states)))
        if role is not None:
            q = q.where(MeetingRow.role == role)
        with self.transaction() as s:
            return [meeting_view(m) for m in s.scalars(q)]

    def meeting_for(self, ref: str, role: MeetingRole = "event") -> MeetingView | None:
        """The request's current meeting (intended or in Zoom) in `role`, if any: by default the event's."""
        live = self.meetings(request=ref, states=LIVE_MEETING_STATES, role=role)
        return live[-1] if live else None

    def rehearsal_meeting_for(self, ref: str) -> MeetingView | None:
        """The Zoom meeting of the request's online rehearsal (gladi bersih), if one is planned.

        `join_url`/`passcode` are set once the sync worker has created it (None before: send nothing yet);
        `spec.start` is the rehearsal's start, `spec.host` its host. For the operators and the PIC."""
        return self.meeting_for(ref, "rehearsal")

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

    # --- kit loans and returns ---------------------------------------------------------------------

    def _plan_kit_loans(
        self,
        s: Session,
        plan: Plan,
        requests: dict[str, Request],
        *,
        scope: Collection[str],
        plan_id: int,
        actor: str,
        now: datetime,
    ) -> int:
        """Make the loans of the requests in `scope` what `plan` says. A loan already picked up (pickup <= now)
        is out: it is never dropped (the kits must come back) and keeps its pickup; its count and due follow
        the plan while the plan still lends that kit. Returns how many requests' loans changed."""
        if not scope:
            return 0
        policy = self._policy(s)
        assigned = {a.request: a for a in plan.assignments}
        # A series lends per occurrence (each its own pickup and return, as the planner holds kits per
        # occurrence), under the occurrence's reference.
        lenders: dict[str, Request] = {}
        for ref in scope:
            req = requests[ref]
            is_series = req.series is not None and req.occurrence is None
            lenders.update({o.ref: o for o in occurrences(req)} if is_series else {ref: req})
        series = [ref for ref in scope if ref not in lenders]
        rows: dict[str, dict[str, KitLoanRow]] = {}
        for row in s.scalars(sa.select(KitLoanRow).where(KitLoanRow.request.in_(list(lenders)))):
            rows.setdefault(row.request, {})[row.kit] = row
        for ref in series:  # occurrences a series no longer has (fewer of them now) lend nothing more
            gone = sa.select(KitLoanRow).where(KitLoanRow.request.startswith(f"{ref}:", autoescape=True))
            for row in s.scalars(gone):
                if series_parent(row.request) == ref and row.request not in lenders:
                    lenders[row.request] = requests[ref].model_copy(update={"status": RequestStatus.CANCELLED})
                    rows.setdefault(row.request, {})[row.kit] = row
        changed = 0
        for ref in sorted(lenders):
            req, a = lenders[ref], assigned.get(ref)
            want: dict[str, tuple[int, datetime, datetime]] = {}
            if a is not None and req.status.active:
                start, end = effective_times(req, a)
                rehearsal = a.rehearsal.start if a.rehearsal is not None else None  # kits it uses leave before it
                needed = kits_needed_at(req, start, rehearsal)
                pickup = pickup_time(policy, needed, policy.kit_pickup_min)  # in office hours with a calendar
                due = return_time(policy, end, policy.kit_return_min)
                want = {k.kit: (k.count, pickup, due) for k in req.kits}
            have = rows.get(ref, {})
            old = {kit: _loan_json(r) for kit, r in have.items()}
            new: dict[str, dict[str, Any]] = {}
            for kit, row in have.items():
                if kit in want:
                    count, pickup, due = want[kit]
                    if row.pickup > now:  # not out yet: it follows the plan entirely
                        row.pickup = pickup
                    row.count, row.due = count, due
                    new[kit] = _loan_json(row)
                    if new[kit] != old[kit]:
                        row.plan_id, row.updated_at = plan_id, now
                elif row.pickup > now:
                    s.delete(row)
                else:
                    new[kit] = old[kit]  # out: it stays until returned
            for kit, (count, pickup, due) in want.items():
                if kit not in have:
                    row = KitLoanRow(
                        request=ref, kit=kit, count=count, pickup=pickup, due=due, plan_id=plan_id, updated_at=now
                    )
                    s.add(row)
                    new[kit] = _loan_json(row)
            if new != old:
                changed += 1
                audit(
                    s,
                    at=now,
                    actor=actor,
                    action="kit_loan.planned",
                    entity="kit_loan",
                    entity_id=ref,
                    old=old or None,
                    new={**new, "plan": plan_id} if new else None,
                )
        return changed

    def _drop_unpicked_loans(self, s: Session, ref: str, *, actor: str, now: datetime, reason: str) -> None:
        """A request no longer active lends nothing that has not left yet (what is out stays out); a series, nothing
        for any of its occurrences."""
        mine = sa.or_(KitLoanRow.request == ref, KitLoanRow.request.startswith(f"{ref}:", autoescape=True))
        found = s.scalars(sa.select(KitLoanRow).where(mine, KitLoanRow.pickup > now)).all()
        by_ref: dict[str, list[KitLoanRow]] = {}
        for r in found:
            if r.request == ref or series_parent(r.request) == ref:
                by_ref.setdefault(r.request, []).append(r)
        for lender, rows in sorted(by_ref.items()):
            old = {r.kit: _loan_json(r) for r in rows}
            for r in rows:
                s.delete(r)
            audit(
                s,
                at=now,
                actor=actor,
                action="kit_loan.dropped",
                entity="kit_loan",
                entity_id=lender,
                old=old,
                new={"reason": reason},
            )

    def kit_loans(
        self,
        at: datetime | None = None,
        *,
        states: Collection[KitLoanState] | None = None,
        request: str | None = None,
        kit: str | None = None,
        between: tuple[datetime, datetime] | None = None,
    ) -> list[KitLoan]:
        """Kit loans with their state at `at` (default now): planned, out, overdue or returned.

        `between=(start, end)`: only loans holding kits at some instant of [start, end) (an overdue loan holds
        them until it is returned). Ordered by pickup, request, kit."""
        at = (at or self.now()).astimezone(UTC)
        q = (
            sa.select(KitLoanRow, KitReturnRow)
            .outerjoin(
                KitReturnRow, sa.and_(KitReturnRow.request == KitLoanRow.request, KitReturnRow.kit == KitLoanRow.kit)
            )
            .order_by(KitLoanRow.pickup, KitLoanRow.request, KitLoanRow.kit)
        )
        if request is not None:
            q = q.where(KitLoanRow.request == request)
        if kit is not None:
            q = q.where(KitLoanRow.kit == kit)
        if between is not None:
            q = q.where(KitLoanRow.pickup < between[1])
        elif states is not None and "planned" not in states:
            q = q.where(KitLoanRow.pickup <= at)
        out: list[KitLoan] = []
        with self.transaction() as s:
            for loan, ret in s.execute(q):
                view = _loan_view(loan, ret, at)
                if states is not None and view.state not in states:
                    continue
                if between is not None:
                    end = view.held_until
                    if end is not None and end <= between[0]:
                        continue
                out.append(view)
        return out

    def record_kit_return(
        self, ref: str, *, actor: str, kit: str | None = None, at: datetime | None = None
    ) -> list[KitLoan]:
        """Record that the request's kits (or only kit type `kit`) are back; returns the loans closed now (empty
        if they had been returned already). Raises KeyError for an unknown request, ValueError when the request
        borrows no such kit or it has not been picked up yet."""
        at = (at or self.now()).astimezone(UTC)
        with self.transaction() as s:
            if self._known_ref(s, ref) is None:
                raise KeyError(f"unknown request {ref!r}")
            q = sa.select(KitLoanRow).where(KitLoanRow.request == ref).order_by(KitLoanRow.kit)
            if kit is not None:
                q = q.where(KitLoanRow.kit == kit)
            loans = s.scalars(q).all()
            if not loans:
                what = f"kit {kit!r}" if kit is not None else "any kit"
                raise ValueError(f"{ref} does not borrow {what} in the published plans")
            done = set(s.scalars(sa.select(KitReturnRow.kit).where(KitReturnRow.request == ref)))
            open_ = [r for r in loans if r.kit not in done]
            if not open_:
                return []
            out = [r for r in open_ if r.pickup <= at]
            if not out or (kit is not None and len(out) < len(open_)):
                first = min(r.pickup for r in open_)
                raise ValueError(f"{ref}: the kits have not been picked up yet (pickup {first.isoformat()})")
            closed = []
            for r in out:
                ret = KitReturnRow(request=ref, kit=r.kit, count=r.count, returned_at=at, actor=actor)
                s.add(ret)
                closed.append(_loan_view(r, ret, at))
                audit(
                    s,
                    at=at,
                    actor=actor,
                    action="kit.returned",
                    entity="kit_return",
                    entity_id=ref,
                    old=_loan_json(r),
                    new={"kit": r.kit, "count": r.count, "returned_at": at.isoformat(), "overdue": r.due <= at},
                )
            return closed

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


def _fault_ref(row: KitFaultRow) -> str | None:
    """The request or series occurrence ('PSR-70:3') a fault's kits broke on loan to."""
    if row.request is None or row.occurrence is None:
        return row.request
    return occurrence_ref(row.request, row.occurrence)
