"""The API's input and output shapes (they are what the OpenAPI document says)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from allocator.planner.domain import HostKind, SeriesPattern, ServiceType


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PicIn(_In):
    name: str = Field(min_length=1, max_length=200)
    email: str | None = Field(default=None, max_length=200, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    phone: str | None = Field(default=None, max_length=50)
    language: Literal["id", "en"] = "id"


class RequestIn(_In):
    """A new request. Times without an offset are read in `timezone` (default: the office's zone)."""

    ref: str | None = Field(default=None, max_length=64, description="Letter number; generated if omitted.")
    unit: str = Field(min_length=1, max_length=200, description="Requesting unit (OPD, kecamatan, UKE I).")
    title: str = Field(min_length=1, max_length=200)
    pic: PicIn
    start: datetime = Field(description="e.g. 2027-01-05T09:00 (local) or with an offset.")
    end: datetime
    timezone: str | None = Field(default=None, max_length=64, description="IANA zone, e.g. Asia/Makassar.")
    participants: int = Field(gt=0, le=100_000)
    service: ServiceType = ServiceType.LINK_OPERATOR
    kind: HostKind = HostKind.MEETING
    operators_needed: int = Field(default=1, ge=1, le=5)
    venue: str | None = Field(default=None, max_length=200)
    duty: bool = Field(
        default=False, description="Weekend or holiday duty asked for: served outside working time by duty operators."
    )
    priority: str | None = Field(default=None, max_length=64, description="Admins only; others get 'normal'.")
    series: SeriesPattern | None = Field(
        default=None, description="Repeats: daily or weekly, count or until; one Zoom link for every occurrence."
    )


class CancelIn(_In):
    reason: str | None = Field(default=None, max_length=500)


class PinIn(_In):
    host: str | None = Field(default=None, max_length=64)
    operators: list[str] = Field(default_factory=list, max_length=5)


class ReplanIn(_In):
    dry_run: bool = True


class ErrorOut(BaseModel):
    detail: str
    errors: list[str] = Field(default_factory=list, description="One line per problem, starting with the field.")


class AlternativeOut(BaseModel):
    kind: str
    start: datetime
    end: datetime
    text: str
    text_id: str


class MeetingOut(BaseModel):
    """The Zoom meeting as admins and the request's own operators see it. Never a start (host) link."""

    host: str
    zoom_user: str
    zoom_meeting_id: int | None
    state: str
    join_url: str | None
    passcode: str | None


class PicTaskOut(BaseModel):
    """A rehearsal or a venue survey as the PIC sees it: when and where, and an online rehearsal's own join link
    and passcode once its meeting exists. Never a host, a host key or a start link."""

    start: datetime
    end: datetime
    when: str
    online: bool = False
    venue: str | None = None
    join_url: str | None = None
    passcode: str | None = None


class TaskOut(BaseModel):
    """A rehearsal or a venue survey as admins and operators see it."""

    start: datetime
    end: datetime
    when: str
    host: str | None = Field(default=None, description="The host of an online rehearsal.")
    operators: list[str] = Field(default_factory=list)
    venue: str | None = Field(default=None, description="Set when on site (a survey always is).")
    online: bool = False


class KitLoanOut(BaseModel):
    """Kits lent for a request: picked up before its (planned) start, returned after its end."""

    kit: str
    name: str
    count: int
    pickup: datetime
    due: datetime
    pickup_when: str
    due_when: str


class RequestOut(BaseModel):
    ref: str
    unit: str
    title: str
    pic_name: str
    when: str
    start: datetime
    end: datetime
    timezone: str
    participants: int
    service: ServiceType
    kind: HostKind
    priority: str
    status: str
    venue: str | None
    plan_state: Literal["served", "unserved", "not_planned"]
    host: str | None = None
    operators: list[str] = Field(default_factory=list)
    reason: str | None = None
    reason_id: str | None = None
    alternatives: list[AlternativeOut] = Field(default_factory=list)
    meeting: MeetingOut | None = None
    planned_start: datetime | None = Field(default=None, description="When served: the effective start.")
    planned_end: datetime | None = None
    time_note: str | None = Field(default=None, description="Set when planned at another time than requested.")
    rehearsal: TaskOut | None = None
    rehearsal_meeting: MeetingOut | None = None
    rehearsal_missed: str | None = None
    rehearsal_missed_id: str | None = None
    survey: TaskOut | None = None
    kits: list[KitLoanOut] = Field(default_factory=list)


class SubmitOut(BaseModel):
    ref: str
    status: str
    pic_url: str = Field(description="The PIC's own status page (signed, expiring).")


class PicStatusOut(BaseModel):
    """What a PIC link shows: this request only, its join link and passcode; never host details.

    `when` is the effective time (the planned one when served); `time_note` says so when it differs from the
    requested time."""

    ref: str
    title: str
    unit: str
    when: str
    status: str
    plan_state: Literal["served", "unserved", "not_planned"]
    with_operator: bool
    join_url: str | None
    passcode: str | None
    reason: str | None = None
    reason_id: str | None = None
    alternatives: list[AlternativeOut] = Field(default_factory=list)
    requested_when: str | None = Field(default=None, description="Set when planned at another time.")
    time_note: str | None = Field(default=None, description="'dijadwalkan pukul … (diminta …)', in `lang`.")
    rehearsal: PicTaskOut | None = None
    rehearsal_missed: str | None = Field(default=None, description="Why the rehearsal found no slot, in `lang`.")
    survey: PicTaskOut | None = Field(default=None, description="A survey visit of the venue before the event.")
    kits: list[KitLoanOut] = Field(default_factory=list)
    occurrences: list[str] = Field(
        default_factory=list, description="A series: each occurrence's time, or why it is not held, in `lang`."
    )
    self_operated: bool = Field(
        default=False, description="The unit's own trained operator runs it on the office's host (and kits)."
    )


class AssignmentOut(BaseModel):
    host: str | None
    operators: list[str]


class ChangeOut(BaseModel):
    request: str
    kind: Literal["gained", "lost", "moved", "not_served"]
    before: AssignmentOut | None
    after: AssignmentOut | None
    reason: str
    line: str


class ReplanOut(BaseModel):
    dry_run: bool
    plan_id: int | None
    served: int
    unserved: int
    status: str
    solve_seconds: float
    changes: list[ChangeOut]
    zoom_actions: dict[str, int]
    notes: list[str]


class PinOut(BaseModel):
    request: str
    host: str | None
    operators: list[str]


class UnpinOut(BaseModel):
    request: str
    removed: bool


class UnservedOut(BaseModel):
    request: str
    code: str
    reason: str
    reason_id: str
    alternatives: list[AlternativeOut]


class PlanAssignmentOut(PinOut):
    start: datetime | None = Field(default=None, description="Set for a flexible request: the time chosen.")
    end: datetime | None = None
    rehearsal: TaskOut | None = None
    survey: TaskOut | None = None
    self_operated: bool = Field(default=False, description="The unit's own trained operator runs it (docs/units.md).")


class MissedRehearsalOut(BaseModel):
    request: str
    reason: str
    reason_id: str


class PlanOut(BaseModel):
    id: int
    published_at: datetime
    actor: str
    status: str
    gap: float
    served: int
    unserved_count: int
    assignments: list[PlanAssignmentOut]
    unserved: list[UnservedOut]
    missed_rehearsals: list[MissedRehearsalOut] = Field(default_factory=list)


class HostOut(BaseModel):
    id: str
    account: str
    zoom_user: str
    label: str
    capacity: int
    kind: str
    max_concurrent: int


class OperatorOut(BaseModel):
    id: str
    name: str
    email: str | None
    phone: str | None
    skills: list[str]


class ResourcesOut(BaseModel):
    hosts: list[HostOut]
    operators: list[OperatorOut]


class OutboxProblemOut(BaseModel):
    request: str
    kind: str
    state: str
    attempts: int
    last_error: str | None


class OutboxOut(BaseModel):
    counts: dict[str, int]
    budget_used_today: dict[str, int]
    problems: list[OutboxProblemOut]


class PicLinkOut(BaseModel):
    ref: str
    url: str


class MeOut(BaseModel):
    name: str
    role: str
    operator: str | None
    assignments: list[RequestOut]


class HealthOut(BaseModel):
    status: Literal["ok"]
    database: Literal["ok"]
    plan_id: int | None


class WebhookOut(BaseModel):
    """`status`/`event` for events; exactly `plainToken`/`encryptedToken` for Zoom's URL validation."""

    status: Literal["ok", "duplicate", "ignored"] | None = None
    event: str | None = None
    plainToken: str | None = None  # Zoom's field names (URL validation answer)
    encryptedToken: str | None = None
