"""Typed shapes of what we send to and read from Zoom (pydantic v2).

Outgoing models validate Zoom's documented limits before any call; incoming models ignore unknown fields
so a Zoom addition never breaks us. `start_url` (a host credential) is a `SecretStr` hidden from reprs.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from enum import IntEnum, StrEnum
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from zoom_client.idempotency import MARKER_OVERHEAD, key_from_agenda, strip_marker, with_marker

PASSCODE_RE = re.compile(r"^[A-Za-z0-9@\-_*]{1,10}$")
AutoRecording = Literal["local", "cloud", "none"]
ListType = Literal["scheduled", "upcoming", "live", "upcoming_meetings", "previous_meetings"]


def _zoom_time(value: datetime) -> str:
    """Zoom reads `yyyy-MM-ddTHH:mm:ssZ` as UTC whatever `timezone` says: always send that form."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown IANA time zone {value!r}") from None
    return value


def _check_aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("start_time must carry a UTC offset (naive times are ambiguous)")
    return value.astimezone(UTC)


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Out(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


# --- users -----------------------------------------------------------------------------------------


class UserType(IntEnum):
    """Zoom's user types; only licensed users are licences worth sharing."""

    BASIC = 1
    LICENSED = 2
    UNASSIGNED = 4
    NONE = 99


class ZoomUser(_Out):
    """A user from `GET /users` or `GET /users/{userId}`."""

    id: str
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    display_name: str = ""
    type: int = UserType.BASIC
    status: str = "active"
    timezone: str = ""
    account_id: str = ""  # `GET /users/{userId}` only
    pmi: int | None = None  # personal meeting id; `GET /users/{userId}` only

    @property
    def licensed(self) -> bool:
        return self.type == UserType.LICENSED

    @property
    def name(self) -> str:
        return self.display_name or f"{self.first_name} {self.last_name}".strip() or self.email


class UserFeatures(_Out):
    """`feature` block of `GET /users/{userId}/settings`: the licence's capacities."""

    meeting_capacity: int = 0
    large_meeting: bool = False
    large_meeting_capacity: int | None = None
    webinar: bool = False
    webinar_capacity: int | None = None
    concurrent_meeting: str = "None"  # "Basic" | "Plus" | "None"


class UserSettings(_Out):
    """The parts of `GET /users/{userId}/settings` we use."""

    feature: UserFeatures = Field(default_factory=UserFeatures)


class HostKind(StrEnum):
    MEETING = "meeting"
    WEBINAR = "webinar"


class HostInfo(_Out):
    """A discovered licence: a licensed user with what it can host. Input to the planner's host pool."""

    account: str
    user_id: str
    email: str
    name: str
    capacity: int = Field(description="participants in a meeting (largest of base and large-meeting)")
    webinar_capacity: int | None = None
    kind: HostKind
    concurrency: int = Field(ge=1, le=2, description="meetings that may run at once on this host")


# --- meetings: requests ----------------------------------------------------------------------------


class TrackingField(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    field: str
    value: str = ""


class MeetingSettings(_In):
    """Per-meeting settings we control. `None` leaves Zoom's account default."""

    waiting_room: bool | None = None
    join_before_host: bool | None = None
    alternative_hosts: tuple[str, ...] | None = None
    auto_recording: AutoRecording | None = None
    meeting_authentication: bool | None = None

    def to_zoom(self) -> dict[str, Any]:
        out = self.model_dump(exclude_none=True)
        if self.alternative_hosts is not None:
            out["alternative_hosts"] = ";".join(self.alternative_hosts)
        return out


class Recurrence(_In):
    """How a recurring meeting with fixed time (type 8) repeats: Zoom's recurrence object. `weekdays` are
    Python's (0 = Monday); Zoom's `weekly_days` (1 = Sunday) are written from them. Zoom allows 1..50 occurrences,
    a daily interval of at most 90 days, a weekly one of at most 12 weeks and a monthly one of at most 3 months. A
    monthly recurrence (Zoom's type 3) is on a day of the month (`month_day`, Zoom's `monthly_day`) or on one
    weekday (`weekdays`, one) of a week of the month (`month_week`: 1..4, -1 = the last; Zoom's `monthly_week` and
    `monthly_week_day`)."""

    repeat: Literal["daily", "weekly", "monthly"] = "daily"
    every: int = Field(default=1, ge=1, le=90)
    weekdays: tuple[int, ...] = ()
    month_day: int | None = Field(default=None, ge=1, le=31)
    month_week: Literal[-1, 1, 2, 3, 4] | None = None
    end_times: int | None = Field(default=None, ge=1, le=50)
    end_date_time: datetime | None = None

    @model_validator(mode="after")
    def _one_end(self) -> Recurrence:
        if (self.end_times is None) == (self.end_date_time is None):
            raise ValueError("give end_times or end_date_time (not both)")
        if self.repeat == "weekly" and (self.every > 12 or not self.weekdays):
            raise ValueError("a weekly recurrence names its weekdays and repeats at most every 12 weeks")
        if any(not 0 <= d <= 6 for d in self.weekdays):
            raise ValueError("weekdays are 0 (Monday) to 6 (Sunday)")
        if self.repeat == "monthly":
            if self.every > 3:
                raise ValueError("a monthly recurrence repeats at most every 3 months")
            by_week = self.month_week is not None
            if (self.month_day is not None) == by_week or (by_week and len(self.weekdays) != 1):
                raise ValueError("a monthly recurrence is on a month_day, or on one weekday of a month_week")
        elif self.month_day is not None or self.month_week is not None:
            raise ValueError("month_day and month_week are for a monthly recurrence")
        if self.end_date_time is not None:
            _check_aware(self.end_date_time)
        return self

    def to_zoom(self) -> dict[str, Any]:
        body: dict[str, Any] = {"type": {"daily": 1, "weekly": 2, "monthly": 3}[self.repeat],
                                "repeat_interval": self.every}  # fmt: skip
        if self.repeat == "weekly":
            body["weekly_days"] = ",".join(str((d + 1) % 7 + 1) for d in sorted(self.weekdays))
        if self.month_day is not None:
            body["monthly_day"] = self.month_day
        if self.month_week is not None:
            body["monthly_week"] = self.month_week
            body["monthly_week_day"] = (self.weekdays[0] + 1) % 7 + 1
        if self.end_times is not None:
            body["end_times"] = self.end_times
        if self.end_date_time is not None:
            body["end_date_time"] = _zoom_time(self.end_date_time)
        return body


class MeetingCreate(_In):
    """A scheduled meeting (type 2) to create, or a recurring one with fixed time (type 8) when `recurrence` is
    given (`start_time` is then the first occurrence's). `start_time` must be timezone-aware; it is sent in UTC."""

    topic: str = Field(min_length=1, max_length=200)
    start_time: datetime
    duration: int = Field(gt=0, le=24 * 60, description="minutes")
    timezone: str = "Asia/Jakarta"
    agenda: str = Field(default="", max_length=2000 - MARKER_OVERHEAD - 64)
    passcode: str | None = None
    settings: MeetingSettings = Field(default_factory=MeetingSettings)
    tracking_fields: tuple[TrackingField, ...] = ()
    recurrence: Recurrence | None = None

    _tz = field_validator("timezone")(_check_timezone)
    _aware = field_validator("start_time")(_check_aware)

    @field_validator("passcode")
    @classmethod
    def _passcode(cls, value: str | None) -> str | None:
        if value is not None and not PASSCODE_RE.match(value):
            raise ValueError("passcode must be 1-10 characters of [A-Za-z0-9@-_*]")
        return value

    def to_zoom(self, key: str, key_tracking_field: str | None = None) -> dict[str, Any]:
        """The POST body, tagged with our idempotency `key`."""
        body: dict[str, Any] = {
            "topic": self.topic,
            "type": 2 if self.recurrence is None else 8,
            "start_time": _zoom_time(self.start_time),
            "duration": self.duration,
            "timezone": self.timezone,
            "agenda": with_marker(self.agenda, key),
        }
        if self.passcode is not None:
            body["password"] = self.passcode
        if self.recurrence is not None:
            body["recurrence"] = self.recurrence.to_zoom()
        settings = self.settings.to_zoom()
        if settings:
            body["settings"] = settings
        fields = [f.model_dump() for f in self.tracking_fields if f.field != key_tracking_field]
        if key_tracking_field:
            fields.append({"field": key_tracking_field, "value": key})
        if fields:
            body["tracking_fields"] = fields
        return body


class MeetingStatusUpdate(_In):
    """Body of `PUT /meetings/{meetingId}/status`: `end` a meeting in progress, `recover` a deleted one."""

    action: Literal["end", "recover"]


class MeetingUpdate(_In):
    """A partial change (PATCH): only the fields set are sent."""

    topic: str | None = Field(default=None, min_length=1, max_length=200)
    start_time: datetime | None = None
    duration: int | None = Field(default=None, gt=0, le=24 * 60)
    timezone: str | None = None
    agenda: str | None = Field(default=None, max_length=2000 - MARKER_OVERHEAD - 64)
    passcode: str | None = None
    settings: MeetingSettings | None = None
    tracking_fields: tuple[TrackingField, ...] | None = None

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str | None) -> str | None:
        return None if value is None else _check_timezone(value)

    @field_validator("start_time")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        return None if value is None else _check_aware(value)

    @field_validator("passcode")
    @classmethod
    def _passcode(cls, value: str | None) -> str | None:
        if value is not None and not PASSCODE_RE.match(value):
            raise ValueError("passcode must be 1-10 characters of [A-Za-z0-9@-_*]")
        return value

    def to_zoom(self, key: str | None = None, key_tracking_field: str | None = None) -> dict[str, Any]:
        """The PATCH body. Changing the agenda needs `key` so the meeting stays findable by it."""
        body: dict[str, Any] = {}
        if self.topic is not None:
            body["topic"] = self.topic
        if self.start_time is not None:
            body["start_time"] = _zoom_time(self.start_time)
        if self.duration is not None:
            body["duration"] = self.duration
        if self.timezone is not None:
            body["timezone"] = self.timezone
        if self.agenda is not None:
            if key is None:
                raise ValueError("changing the agenda needs the meeting's key (to keep its marker)")
            body["agenda"] = with_marker(self.agenda, key)
        if self.passcode is not None:
            body["password"] = self.passcode
        if self.settings is not None:
            settings = self.settings.to_zoom()
            if settings:
                body["settings"] = settings
        if self.tracking_fields is not None:
            fields = [f.model_dump() for f in self.tracking_fields if f.field != key_tracking_field]
            if key_tracking_field and key:
                fields.append({"field": key_tracking_field, "value": key})
            body["tracking_fields"] = fields
        return body

    def is_empty(self) -> bool:
        return not self.model_fields_set or all(getattr(self, f) is None for f in self.model_fields_set)


# --- meetings: answers -----------------------------------------------------------------------------


class MeetingSettingsOut(_Out):
    waiting_room: bool | None = None
    join_before_host: bool | None = None
    alternative_hosts: str = ""
    auto_recording: str | None = None
    meeting_authentication: bool | None = None

    @property
    def alternative_host_list(self) -> list[str]:
        return [h for h in self.alternative_hosts.split(";") if h]


class _MeetingBase(_Out):
    id: int
    uuid: str = ""
    host_id: str = ""
    topic: str = ""
    type: int = 2
    start_time: datetime | None = None
    duration: int | None = None
    timezone: str | None = None
    agenda: str = ""
    created_at: datetime | None = None
    join_url: str = ""

    @property
    def key(self) -> str | None:
        """Our idempotency key, if we created this meeting."""
        return key_from_agenda(self.agenda)

    @property
    def agenda_text(self) -> str:
        """The agenda without our marker."""
        return strip_marker(self.agenda)


class MeetingSummary(_MeetingBase):
    """A meeting as listed by `GET /users/{userId}/meetings` (agenda cut to 250 characters by Zoom)."""


class Occurrence(_Out):
    """One occurrence of a recurring meeting; `occurrence_id` is what PATCH/DELETE `?occurrence_id=` take."""

    occurrence_id: str
    start_time: datetime
    duration: int = 0
    status: str = "available"  # or "deleted"


class Meeting(_MeetingBase):
    """A meeting as returned by create and `GET /meetings/{id}`. `start_url` is a host credential."""

    host_email: str = ""
    status: str | None = None
    password: str | None = None
    start_url: SecretStr | None = Field(default=None, repr=False)
    settings: MeetingSettingsOut = Field(default_factory=MeetingSettingsOut)
    tracking_fields: tuple[TrackingField, ...] = ()
    occurrences: tuple[Occurrence, ...] = ()
    recurrence: dict[str, Any] | None = None

    def occurrence_at(self, start: datetime) -> Occurrence | None:
        """The available occurrence starting at `start` (or whose id is that start: Zoom keeps the id when one
        occurrence is moved)."""
        wanted = str(int(start.timestamp() * 1000))
        for o in self.occurrences:
            if o.status == "available" and (o.start_time == start or o.occurrence_id == wanted):
                return o
        return None

    def tracking_value(self, field: str) -> str | None:
        for f in self.tracking_fields:
            if f.field == field:
                return f.value
        return None


class MeetingPage(_Out):
    page_size: int = 0
    total_records: int | None = None
    next_page_token: str = ""
    meetings: list[MeetingSummary] = Field(default_factory=list)


class UserPage(_Out):
    page_size: int = 0
    total_records: int | None = None
    next_page_token: str = ""
    users: list[ZoomUser] = Field(default_factory=list)


class OAuthToken(_Out):
    """Reply of the OAuth token endpoint."""

    access_token: SecretStr = Field(repr=False)
    token_type: str = "bearer"
    expires_in: int = Field(default=3600, gt=0)
    scope: str = ""


# --- webhook events --------------------------------------------------------------------------------


class WebhookMeetingObject(_Out):
    """`payload.object` of meeting events (ids arrive as strings or numbers)."""

    id: int
    uuid: str = ""
    host_id: str = ""
    topic: str = ""
    type: int | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    duration: int | None = None
    timezone: str | None = None
    agenda: str | None = None

    @property
    def key(self) -> str | None:
        return key_from_agenda(self.agenda)


class MeetingEventPayload(_Out):
    account_id: str = ""
    operator: str | None = None
    operator_id: str | None = None
    object: WebhookMeetingObject
    old_object: dict[str, Any] | None = None
    time_stamp: int | None = None


class _Event(_Out):
    event_ts: int = 0


class MeetingCreated(_Event):
    event: Literal["meeting.created"]
    payload: MeetingEventPayload


class MeetingStarted(_Event):
    event: Literal["meeting.started"]
    payload: MeetingEventPayload


class MeetingEnded(_Event):
    event: Literal["meeting.ended"]
    payload: MeetingEventPayload


class MeetingDeleted(_Event):
    event: Literal["meeting.deleted"]
    payload: MeetingEventPayload


class MeetingUpdated(_Event):
    """`payload.object` holds only the changed fields (plus id); `old_object` their previous values."""

    event: Literal["meeting.updated"]
    payload: MeetingEventPayload


class UrlValidationPayload(_Out):
    plainToken: str  # Zoom's field name


class UrlValidation(_Event):
    event: Literal["endpoint.url_validation"]
    payload: UrlValidationPayload


class OtherEvent(_Event):
    """Any event we do not act on; kept so callers can log and acknowledge it."""

    event: str
    payload: dict[str, Any] = Field(default_factory=dict)
