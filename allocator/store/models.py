"""Tables of the store (SQLAlchemy 2 declarative). Every instant is a `UtcDateTime`.

Rows carrying a domain record keep it whole as JSON (`data`, validated by the domain model on the way
out) plus the columns we query by. Migrations live in `allocator/store/migrations` and must match.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from allocator.store.db import UtcDateTime

JsonDict = dict[str, Any]


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UtcDateTime(), JsonDict: sa.JSON(), list[str]: sa.JSON()}  # noqa: RUF012


class SettingRow(Base):
    """Site-wide settings by name, e.g. `policy` (the `SitePolicy` JSON)."""

    __tablename__ = "settings"
    name: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    value: Mapped[JsonDict]
    updated_at: Mapped[datetime]


class RequestRow(Base):
    __tablename__ = "requests"
    ref: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    unit: Mapped[str] = mapped_column(sa.String(200))
    status: Mapped[str] = mapped_column(sa.String(16), index=True)
    start: Mapped[datetime] = mapped_column(index=True)
    end: Mapped[datetime] = mapped_column(index=True)
    version: Mapped[int]
    data: Mapped[JsonDict]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class RequestHistoryRow(Base):
    """Every version a request has had, first to last."""

    __tablename__ = "request_history"
    __table_args__ = (sa.UniqueConstraint("ref", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(sa.String(64), sa.ForeignKey("requests.ref"), index=True)
    version: Mapped[int]
    change: Mapped[str] = mapped_column(sa.String(16))  # created | updated | approved | rejected | cancelled
    actor: Mapped[str] = mapped_column(sa.String(128))
    at: Mapped[datetime]
    data: Mapped[JsonDict]


class HostRow(Base):
    __tablename__ = "hosts"
    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    account: Mapped[str] = mapped_column(sa.String(64))
    zoom_user: Mapped[str] = mapped_column(sa.String(200))
    active: Mapped[bool] = mapped_column(default=True)
    data: Mapped[JsonDict]
    updated_at: Mapped[datetime]


class OperatorRow(Base):
    __tablename__ = "operators"
    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    active: Mapped[bool] = mapped_column(default=True)
    data: Mapped[JsonDict]
    updated_at: Mapped[datetime]


class PinRow(Base):
    __tablename__ = "pins"
    #: A request's ref, or an occurrence's of a series ('PSR-70:3', no row of its own): no foreign key (0005).
    request: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    data: Mapped[JsonDict]
    actor: Mapped[str] = mapped_column(sa.String(128))
    created_at: Mapped[datetime]


class PlanRow(Base):
    """A plan as the solver returned it. `state`: draft | published | superseded (one published at most)."""

    __tablename__ = "plans"
    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(sa.String(16), index=True)
    created_at: Mapped[datetime]
    published_at: Mapped[datetime | None]
    actor: Mapped[str] = mapped_column(sa.String(128))
    solver_status: Mapped[str] = mapped_column(sa.String(16))
    summary: Mapped[JsonDict]
    data: Mapped[JsonDict]  # the Plan without its assignments (they have their own table)


class AssignmentRow(Base):
    __tablename__ = "assignments"
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("plans.id", ondelete="CASCADE"), primary_key=True)
    request: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    host: Mapped[str | None] = mapped_column(sa.String(64))
    operators: Mapped[list[str]]
    #: The rest of the `Assignment` (`start`, `end`, `rehearsal`, `survey`) as JSON; NULL when none is set.
    detail: Mapped[JsonDict | None] = mapped_column(sa.JSON(none_as_null=True))


class MeetingRow(Base):
    """One Zoom meeting of ours, intended or real. Identity is `key` (see allocator.publish.meeting_key).

    `role`: event (the request's own meeting) | rehearsal (its online gladi bersih); each role of a request has
    at most one live meeting and its own generations. `state`: pending_create (intended, maybe not yet in
    Zoom) | active (in Zoom, id known) | pending_delete (to be removed from Zoom) | deleted. `spec` is what the
    meeting should look like; `synced` is what we last wrote to Zoom. The host's `start_url` is never stored.
    """

    __tablename__ = "meetings"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    request: Mapped[str] = mapped_column(sa.String(64), sa.ForeignKey("requests.ref"), index=True)
    generation: Mapped[int]
    role: Mapped[str] = mapped_column(sa.String(16), server_default="event")
    host: Mapped[str] = mapped_column(sa.String(64))
    account: Mapped[str] = mapped_column(sa.String(64))
    zoom_user: Mapped[str] = mapped_column(sa.String(200))
    state: Mapped[str] = mapped_column(sa.String(16), index=True)
    start: Mapped[datetime] = mapped_column(index=True)
    spec: Mapped[JsonDict]
    synced: Mapped[JsonDict | None]
    zoom_meeting_id: Mapped[int | None] = mapped_column(sa.BigInteger, index=True)
    join_url: Mapped[str | None] = mapped_column(sa.String(1000))
    passcode: Mapped[str | None] = mapped_column(sa.String(32))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class OutboxRow(Base):
    """An intended Zoom action. Rows of one request run in id order; a row runs only when every earlier
    row of its request is finished (done, failed or superseded).

    `state`: pending | in_progress (claimed until `lease_until`) | done | failed | superseded.
    """

    __tablename__ = "outbox"
    __table_args__ = (sa.Index("ix_outbox_ready", "state", "not_before"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    request: Mapped[str] = mapped_column(sa.String(64), index=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meetings.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16))  # create | update | delete
    reason: Mapped[str] = mapped_column(sa.String(200))
    payload: Mapped[JsonDict]
    state: Mapped[str] = mapped_column(sa.String(16))
    attempts: Mapped[int] = mapped_column(default=0)
    not_before: Mapped[datetime]
    lease_until: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(sa.String(128))
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    result: Mapped[JsonDict | None]
    plan_id: Mapped[int | None] = mapped_column(sa.ForeignKey("plans.id"))
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None]


class KitLoanRow(Base):
    """Kits a served request borrows, as the published plans said: out from `pickup` to `due`.

    Written by `publish_plan` (and by a cancellation): a loan not yet picked up follows the plan; one whose
    pickup has passed is out and stays until its return is recorded (`kit_returns`), even after the request
    has ended and left the plans.
    """

    __tablename__ = "kit_loans"
    #: A request's ref, or an occurrence's of a series ('PSR-70:3', no row of its own): no foreign key (0005).
    request: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    kit: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    count: Mapped[int]
    pickup: Mapped[datetime] = mapped_column(index=True)
    due: Mapped[datetime]
    plan_id: Mapped[int | None] = mapped_column(sa.ForeignKey("plans.id"))
    updated_at: Mapped[datetime]


class KitReturnRow(Base):
    """A loan brought back: recorded by an admin, at most once per request and kit type."""

    __tablename__ = "kit_returns"
    __table_args__ = (sa.UniqueConstraint("request", "kit"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    request: Mapped[str] = mapped_column(sa.String(64), index=True)  # as in kit_loans: no foreign key
    kit: Mapped[str] = mapped_column(sa.String(64))
    count: Mapped[int]
    returned_at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(sa.String(128))


class ZoomBudgetRow(Base):
    """Meeting create+update calls sent per Zoom user per UTC day (seeds the client's budget on start)."""

    __tablename__ = "zoom_budget"
    zoom_user: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    day: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    used: Mapped[int]


class NotificationRow(Base):
    """A message sent (or to send) to a person; `dedup_key` makes each one happen exactly once."""

    __tablename__ = "notifications"
    id: Mapped[int] = mapped_column(primary_key=True)
    dedup_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    request: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    kind: Mapped[str] = mapped_column(sa.String(32))
    channel: Mapped[str] = mapped_column(sa.String(16))
    recipient: Mapped[str] = mapped_column(sa.String(320))
    state: Mapped[str] = mapped_column(sa.String(16))  # pending | sent | failed
    payload: Mapped[JsonDict]
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(sa.Text)


class AuditRow(Base):
    """Who did what, when, with the old and new values."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(sa.String(128))
    action: Mapped[str] = mapped_column(sa.String(64))
    entity: Mapped[str] = mapped_column(sa.String(32))
    entity_id: Mapped[str] = mapped_column(sa.String(128), index=True)
    old: Mapped[JsonDict | None]
    new: Mapped[JsonDict | None]


class UserRow(Base):
    """A person who signs in to the pages with a password: an admin or an operator. `password_hash` is a PHC
    string (argon2id) made by the web layer; `session` is bumped on a password change, reset or disable, which
    ends every session signed before it."""

    __tablename__ = "users"
    name: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    role: Mapped[str] = mapped_column(sa.String(16))  # admin | operator
    operator: Mapped[str | None] = mapped_column(sa.String(64))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    active: Mapped[bool]
    session: Mapped[int]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    last_login_at: Mapped[datetime | None]


class KitFaultRow(Base):
    """A problem reported with lent kits: `count` kits of type `kit` are out of service from `reported_at` until
    `repaired_at`. `cause` says who answers for it, as the ministry's rule says: `device` (the office's
    responsibility), `handling` (the borrowing unit's) or `unknown` until the admin decides."""

    __tablename__ = "kit_faults"
    id: Mapped[int] = mapped_column(primary_key=True)
    kit: Mapped[str] = mapped_column(sa.String(64), index=True)
    count: Mapped[int]
    request: Mapped[str | None] = mapped_column(sa.String(64), sa.ForeignKey("requests.ref"), index=True)
    occurrence: Mapped[int | None]  # the occurrence k of the series `request` it happened in ('PSR-70:k')
    cause: Mapped[str] = mapped_column(sa.String(16))
    description: Mapped[str] = mapped_column(sa.Text)
    reported_by: Mapped[str] = mapped_column(sa.String(128))
    reported_role: Mapped[str] = mapped_column(sa.String(16))
    reported_at: Mapped[datetime]
    repaired_at: Mapped[datetime | None]
    repaired_by: Mapped[str | None] = mapped_column(sa.String(128))
    repair_note: Mapped[str | None] = mapped_column(sa.Text)
