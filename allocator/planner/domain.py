"""The office's vocabulary as data: hosts, operators, requests, the site policy, a problem and its plan.

Pure and timezone-aware. Every instant is stored in UTC; each record also keeps the IANA zone it is shown in,
because Indonesia spans three zones (WIB, WITA, WIT) and people read times in their own.
Intervals are half-open: [start, end).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    field_validator,
    model_validator,
)

UTC = UTC


# The zone words offices write, accepted wherever a zone is (stored as the IANA name).
ZONE_WORDS = {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}


def zone_info(name: str) -> ZoneInfo:
    """The zone of a name a person typed; a `ValueError` naming it for anything that is not one. `ZoneInfo` alone
    raises other kinds for some input: a directory of the zone database ("Asia") gives IsADirectoryError, a NUL
    byte a bare ValueError."""
    unknown = f"unknown IANA time zone {name!r} (e.g. Asia/Jakarta, Asia/Makassar, Asia/Jayapura, or WIB/WITA/WIT)"
    if not 0 < len(name) <= 64 or "\x00" in name:
        raise ValueError(unknown)
    try:
        return ZoneInfo(ZONE_WORDS.get(name.upper(), name))
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise ValueError(unknown) from exc


def _check_zone(name: str) -> str:
    zone_info(name)
    return ZONE_WORDS.get(name.upper(), name)


TimeZoneName = Annotated[str, AfterValidator(_check_zone)]
Ident = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:/-]*$")]


def _to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


UtcDatetime = Annotated[AwareDatetime, AfterValidator(_to_utc)]


def _no_nul(value: Any) -> Any:
    """Text with a NUL byte is refused where it comes in: PostgreSQL stores no NUL (in text or JSON), so it would
    otherwise fail at the database, after some of a file was saved (issue 22, item 5)."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("contains a NUL byte (\\x00), which no text field may hold")
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            _no_nul(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _no_nul(key)
            _no_nul(item)
    return value


class Model(BaseModel):
    """Base for every boundary model: unknown fields are errors, so a typo never passes silently; no text holds
    a NUL byte."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _text_without_nul(cls, value: Any) -> Any:
        return _no_nul(value)


def localize_naive(data: Any, zone_name: Any, fields: tuple[str, ...]) -> Any:
    """Read naive date-times in the record's own zone, as an office writes them ("09:00 WITA"); a local time the
    zone's clocks skip (the change to daylight saving time, in a zone that has one) is an error, not a guess."""
    if not isinstance(data, dict) or not isinstance(zone_name, str):
        return data
    try:
        zone = zone_info(zone_name)
    except ValueError:
        return data  # the zone field's own validator reports it
    out = dict(data)
    for name in fields:
        raw = out.get(name)
        parsed: datetime | None = None
        if isinstance(raw, datetime):
            parsed = raw
        elif isinstance(raw, str):
            try:
                parsed = datetime.fromisoformat(raw)
            except ValueError:
                continue  # pydantic names the field and the problem
        if parsed is not None and parsed.tzinfo is None:
            local = parsed.replace(tzinfo=zone)
            if local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != parsed:
                # Python would quietly move it by the clock change: say so instead.
                raise ValueError(f"{name}: {parsed:%Y-%m-%d %H:%M} does not exist in {zone_name} (the clocks skip it)")
            out[name] = local
    return out


class Window(Model):
    """A half-open span of time, [start, end)."""

    start: UtcDatetime
    end: UtcDatetime

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if self.end <= self.start:
            raise ValueError(f"end ({self.end.isoformat()}) must be after start ({self.start.isoformat()})")
        return self


class HostKind(StrEnum):
    MEETING = "meeting"
    WEBINAR = "webinar"


class ZoomHost(Model):
    """A licensed Zoom user that hosts meetings; what the office calls a licence or an account."""

    id: Ident = Field(description="Our short name for the licence, e.g. 'H500'.")
    account: str = Field(default="default", min_length=1, description="Which Zoom account (credential set) holds it.")
    zoom_user: str = Field(min_length=1, description="Zoom user id or e-mail of the licensed host.")
    label: str = ""
    capacity: int = Field(gt=0, le=100_000, description="Participant capacity (100, 300, 500, 1000, ...).")
    kind: HostKind = HostKind.MEETING
    max_concurrent: Literal[1, 2] = Field(default=1, description="1 on Pro, up to 2 on Business and above.")
    available: list[Window] | None = Field(
        default=None, description="If given, the host may only be used inside these windows."
    )
    blackouts: list[Window] = Field(default_factory=list, description="Windows when the host must not be used.")
    buffer_before_min: int | None = Field(default=None, ge=0, le=24 * 60, description="Overrides the site default.")
    buffer_after_min: int | None = Field(default=None, ge=0, le=24 * 60, description="Overrides the site default.")


class WeeklyShift(Model):
    """A recurring working window in the operator's local time; `end` may be 24:00 written as 00:00."""

    weekdays: list[Annotated[int, Field(ge=0, le=6)]] = Field(min_length=1, description="0 = Monday ... 6 = Sunday.")
    start: time
    end: time

    @model_validator(mode="after")
    def _ordered(self) -> WeeklyShift:
        if self.end != time(0) and self.end <= self.start:
            raise ValueError("end must be after start (shifts across midnight are written as two shifts)")
        return self


class LeavePeriod(Model):
    """Whole local days away, first to last inclusive."""

    first: date
    last: date

    @model_validator(mode="before")
    @classmethod
    def _single_day(cls, data: Any) -> Any:
        if isinstance(data, (str, date)):
            return {"first": data, "last": data}
        return data

    @model_validator(mode="after")
    def _ordered(self) -> LeavePeriod:
        if self.last < self.first:
            raise ValueError("last must not be before first")
        return self


class Operator(Model):
    """A trained staff member who runs a vicon, on site or remotely."""

    id: Ident
    name: str = Field(min_length=1)
    email: str | None = None
    phone: str | None = None
    skills: list[str] = Field(default_factory=list)
    timezone: TimeZoneName | None = Field(default=None, description="Zone of the shifts; the site zone if omitted.")
    shifts: list[WeeklyShift] = Field(min_length=1)
    leave: list[LeavePeriod] = Field(default_factory=list)
    base: str | None = Field(default=None, description="Where the operator starts the day (office or venue).")


class Venue(Model):
    """A place the office works at; on-site tasks there need travel, and a new one needs a survey first."""

    id: Ident
    name: str = ""
    travel_from_base_min: int = Field(default=0, ge=0, le=24 * 60, description="One way, from the office.")
    surveyed: bool = Field(default=True, description="False: the office has never worked here (survey needed).")


class TravelTime(Model):
    """Travel between two venues (or a venue and `base`, the office), either direction, in minutes."""

    a: Ident
    b: Ident
    minutes: int = Field(ge=0, le=24 * 60)


class KitType(Model):
    """Equipment lent to units (camera + speaker set, conference mic...), counted, not tracked per item."""

    id: Ident
    name: str = ""
    stock: int = Field(ge=0, le=10_000)


class KitFault(Model):
    """Kits reported broken and not yet repaired: out of the stock the planner shares out until an admin records
    the repair (see allocator/planner/kit_faults.py)."""

    kit: Ident
    count: int = Field(default=1, ge=1, le=10_000)
    since: UtcDatetime | None = Field(default=None, description="When it was reported (informative).")
    request: str | None = Field(
        default=None,
        max_length=80,
        description="The request (or series occurrence, 'PSR-70:3') it broke on loan to: while that loan runs it "
        "holds the kits, which leave the stock at its return (allocator/planner/kit_faults.py).",
    )


class UnitOperator(Model):
    """A unit's own staff member trained by the office to run a vicon: their unit may run its meetings itself on
    the office's host ("self-operated", see allocator/planner/self_operated.py)."""

    id: Ident
    unit: str = Field(min_length=1, description="The unit exactly as its requests name it.")
    name: str = Field(min_length=1)
    email: str | None = None
    phone: str | None = None
    skills: list[str] = Field(default_factory=list)
    zoom_user: str | None = Field(
        default=None,
        max_length=254,
        description="Their own licensed user on the office's Zoom account (e-mail): made alternative host of the "
        "meetings their unit runs itself on that account's hosts (docs/lent_accounts.md).",
    )
    zoom_account: str = Field(default="default", min_length=1, description="Which Zoom account holds that user.")
    leave: list[LeavePeriod] = Field(
        default_factory=list,
        description="Whole days away, first to last inclusive, local days in the zone of their unit's requests: "
        "they run none of its meetings touching those days.",
    )


class KitNeed(Model):
    kit: Ident
    count: int = Field(default=1, ge=1, le=100)


class KitOut(Model):
    """Kits lent and not yet back. Past `due` they are overdue: out of stock until an admin records the return."""

    kit: Ident
    count: int = Field(ge=1, le=10_000)
    request: str | None = None
    due: UtcDatetime


class RehearsalMode(StrEnum):
    ONLINE = "online"  # on one of our hosts; the operator works remotely
    ON_SITE = "on_site"  # at the event's venue; no host


class RehearsalSpec(Model):
    """A rehearsal (gladi bersih) before the event, run by the event's own operator(s)."""

    duration_min: int = Field(default=60, ge=15, le=8 * 60)
    window_start_min_before: int = Field(
        default=3 * 24 * 60, ge=15, le=30 * 24 * 60, description="It may start this long before the event at most."
    )
    end_min_before: int = Field(default=60, ge=0, le=30 * 24 * 60, description="It ends at least this long before.")
    mode: RehearsalMode = RehearsalMode.ONLINE
    mandatory: bool = Field(default=False, description="True: no rehearsal, no event. False: the PIC is told.")
    uses_kits: bool = Field(
        default=False,
        description="The rehearsal uses the request's kits: they are picked up before it and held through the event "
        "(one loan).",
    )

    def digest_json(self) -> str:
        """The spec as plan digests take it: `uses_kits` only when set, so digests of plans made before it existed
        (records of published plans) stay the same."""
        return self.model_dump_json(exclude=None if self.uses_kits else {"uses_kits"})

    @model_validator(mode="after")
    def _fits(self) -> RehearsalSpec:
        if self.window_start_min_before < self.end_min_before + self.duration_min:
            raise ValueError(
                "window_start_min_before must leave room for the rehearsal: at least end_min_before + duration_min "
                f"({self.end_min_before + self.duration_min} min)"
            )
        return self


class ServiceType(StrEnum):
    LINK = "link"  # a Zoom meeting on one of our hosts, the unit runs it
    LINK_OPERATOR = "link_operator"  # our host and our operator(s)
    OPERATOR = "operator"  # operator(s) only; the meeting is on someone else's account


class RequestStatus(StrEnum):
    NEW = "new"
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"

    @property
    def active(self) -> bool:
        return self in (RequestStatus.NEW, RequestStatus.APPROVED)


_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
#: What an e-mail address a PIC can be sent the link at looks like: a local part, @, a dotted domain. Checked where a
#: request comes in (typed, or a row of a file); stored requests are not re-checked.
EMAIL = re.compile(rf"[^@\s<>(),;:\"]+@{_LABEL}(?:\.{_LABEL})+")


class Pic(Model):
    """The person in charge named by the requesting unit; receives the join link."""

    name: str = Field(min_length=1)
    email: str | None = None
    phone: str | None = None
    language: Literal["id", "en"] = "id"


MIN_DURATION_MIN = 5  # shortest meeting a request may ask for

#: Zoom's own limits on a recurring meeting with fixed time (type 8): at most 50 occurrences, a daily interval of at
#: most 90 days, a weekly one of at most 12 weeks.
SERIES_MAX_OCCURRENCES = 50
SERIES_MAX_EVERY = {"daily": 90, "weekly": 12, "monthly": 3}


class SeriesRepeat(StrEnum):
    DAILY = "daily"  # consecutive days (every = 1), e.g. a three-day training
    WEEKLY = "weekly"  # on given weekdays every `every` weeks, e.g. a weekly staff meeting
    MONTHLY = "monthly"  # the same day of the month, or e.g. the first Monday (`month_week`), every `every` months


class SeriesPolicy(StrEnum):
    ALL_OR_NOTHING = "all_or_nothing"  # a training is of no use in part: every occurrence, or none
    PARTIAL = "partial"  # serve what can be served; the PIC is told which occurrences are not, and why


class OccurrenceChange(Model):
    """One occurrence changed or cancelled on its own (Zoom: PATCH/DELETE with its occurrence_id)."""

    occurrence: int = Field(ge=1, le=SERIES_MAX_OCCURRENCES, description="1 is the first occurrence.")
    cancelled: bool = False
    start: AwareDatetime | None = Field(default=None, description="Moved: the occurrence's own start.")
    end: AwareDatetime | None = Field(default=None, description="Moved: the occurrence's own end.")
    operators_needed: int | None = Field(default=None, ge=1, le=5)
    kits: list[KitNeed] | None = Field(default=None, description="This occurrence's kits instead of the series'.")

    @model_validator(mode="after")
    def _moved_whole(self) -> OccurrenceChange:
        if (self.start is None) != (self.end is None):
            raise ValueError("start and end go together (a moved occurrence gives both)")
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class SeriesPattern(Model):
    """How a request repeats: served all together by one Zoom host, so the PIC gets one meeting and one link.

    The request's own start/end is the first occurrence; the others keep its local wall-clock times."""

    repeat: SeriesRepeat = SeriesRepeat.DAILY
    every: int = Field(default=1, ge=1, le=90, description="Every so many days (daily) or weeks (weekly).")
    weekdays: list[Annotated[int, Field(ge=0, le=6)]] | None = Field(
        default=None, description="Weekly: 0 = Monday ... 6 = Sunday; the first occurrence's weekday if omitted."
    )
    month_week: Literal[-1, 1, 2, 3, 4] | None = Field(
        default=None,
        description="Monthly: on this week of the month (1 = first … 4, -1 = last) of the first occurrence's "
        "weekday, e.g. 1 with a Monday start: every first Monday. Omitted: the first occurrence's day of the month.",
    )
    count: int | None = Field(default=None, ge=1, le=SERIES_MAX_OCCURRENCES, description="Occurrences in all.")
    until: date | None = Field(default=None, description="Or: the last local date an occurrence may fall on.")
    policy: SeriesPolicy = SeriesPolicy.ALL_OR_NOTHING
    changes: list[OccurrenceChange] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_end(self) -> SeriesPattern:
        if (self.count is None) == (self.until is None):
            raise ValueError("give either count or until (how the series ends)")
        if self.every > SERIES_MAX_EVERY[self.repeat.value]:
            raise ValueError(f"every: Zoom repeats {self.repeat.value} at most every {SERIES_MAX_EVERY[self.repeat]}")
        if self.weekdays is not None and self.repeat is not SeriesRepeat.WEEKLY:
            raise ValueError("weekdays: only a weekly series names weekdays")
        if self.month_week is not None and self.repeat is not SeriesRepeat.MONTHLY:
            raise ValueError("month_week: only a monthly series names a week of the month")
        if self.weekdays is not None and len(set(self.weekdays)) != len(self.weekdays):
            raise ValueError("weekdays: a weekday is listed twice")
        if len({c.occurrence for c in self.changes}) != len(self.changes):
            raise ValueError("changes: an occurrence is changed twice")
        return self

    def local_dates(self, first: date) -> list[date]:
        """The local dates of the occurrences, `first` being the first one's (pure; at most Zoom's 50)."""
        out: list[date] = []
        limit = self.count or SERIES_MAX_OCCURRENCES + 1
        last = self.until or date.max
        if self.repeat is SeriesRepeat.DAILY:
            day = first
            while len(out) < limit and day <= last:
                out.append(day)
                day += timedelta(days=self.every)
            return out
        if self.repeat is SeriesRepeat.MONTHLY:
            k = 0
            while len(out) < limit:
                year, month = divmod(first.month - 1 + k * self.every, 12)
                day = month_day(first.year + year, month + 1, first, self.month_week)
                if day > last:
                    break
                out.append(day)
                k += 1
            return out
        days = sorted(self.weekdays or [first.weekday()])
        monday = first - timedelta(days=first.weekday())
        while len(out) < limit:
            week = [monday + timedelta(days=d) for d in days]
            for day in week:
                if first <= day <= last and len(out) < limit:
                    out.append(day)
            if monday + timedelta(days=6) >= last:
                break
            monday += timedelta(weeks=self.every)
        return out

    def change(self, occurrence: int) -> OccurrenceChange | None:
        return next((c for c in self.changes if c.occurrence == occurrence), None)


def week_of_month(day: date) -> int:
    """Which of its weekday the date is in its month: 1 (first) … 5."""
    return (day.day - 1) // 7 + 1


def is_last_of_month(day: date) -> bool:
    """The last of its weekday in its month."""
    return (day + timedelta(days=7)).month != day.month


def month_day(year: int, month: int, first: date, month_week: int | None) -> date:
    """A monthly series' date in `month`: `first`'s day of the month, or (`month_week`) its weekday in that week
    of the month (-1: the last)."""
    if month_week is None:
        return date(year, month, first.day)
    start = date(year, month, 1)
    day = start + timedelta(days=(first.weekday() - start.weekday()) % 7)  # the first such weekday
    if month_week > 0:
        return day + timedelta(weeks=month_week - 1)
    while (day + timedelta(days=7)).month == month:
        day += timedelta(days=7)
    return day


def occurrence_ref(series_ref: str, occurrence: int) -> str:
    """The reference of one occurrence of a series: 'PSR-70:3' is the third."""
    return f"{series_ref}:{occurrence}"


def series_parent(ref: str) -> str | None:
    """The series a reference names an occurrence of, by its form ('PSR-70:3' -> 'PSR-70'), else None."""
    head, sep, tail = ref.rpartition(":")
    return head if sep and head and tail.isdigit() else None


class Request(Model):
    """One facilitation request (surat permohonan)."""

    ref: Ident = Field(description="Reference number, e.g. 'REQ-2026-0042'.")
    unit: str = Field(min_length=1, description="Requesting unit (OPD, kecamatan, UKE I).")
    pic: Pic
    title: str = Field(min_length=1, max_length=200)
    timezone: TimeZoneName = Field(description="IANA zone the request was written in and is shown in.")
    start: UtcDatetime
    end: UtcDatetime
    participants: int = Field(gt=0, le=100_000)
    kind: HostKind = HostKind.MEETING
    service: ServiceType = ServiceType.LINK_OPERATOR
    operators_needed: int = Field(default=1, ge=1, le=5, description="Used when the service includes an operator.")
    required_skills: list[str] = Field(default_factory=list)
    allowed_operators: list[Ident] | None = Field(default=None, description="If given, only these may be assigned.")
    priority: str = Field(default="normal", description="A tier named in the site policy's priority weights.")
    status: RequestStatus = RequestStatus.NEW
    venue: str | None = Field(default=None, description="A venue id from the site's venues (or free text).")
    remote: bool = Field(default=False, description="The operator works remotely: no travel to the venue.")
    window_start: UtcDatetime | None = Field(
        default=None, description="Flexible: the meeting may start at or after this (start/end are preferred)."
    )
    window_end: UtcDatetime | None = Field(default=None, description="Flexible: the meeting must end by this.")
    rehearsal: RehearsalSpec | None = None
    kits: list[KitNeed] = Field(default_factory=list, description="Equipment to lend, picked up before the event.")
    submitted_at: UtcDatetime | None = None
    letter_number: str | None = Field(default=None, max_length=120, description="The letter's number (Nomor Surat).")
    letter_date: date | None = Field(default=None, description="The letter's date (Tanggal Surat).")
    notes: dict[str, str] = Field(
        default_factory=dict, description="Columns of an intake file that name no field, kept by header."
    )
    flags: list[str] = Field(
        default_factory=list, description="Remarks for the admin set at intake, e.g. 'late_letter', 'kit_requested'."
    )
    duty: bool = Field(
        default=False, description="Weekend or holiday duty asked for: served outside working time by duty operators."
    )
    series: SeriesPattern | None = Field(
        default=None, description="A multi-day or recurring event served by one host with one link (docs/series.md)."
    )
    occurrence_of: Ident | None = Field(
        default=None, description="Set on an occurrence read from a series: the series' own ref."
    )
    occurrence: int | None = Field(default=None, ge=1, le=SERIES_MAX_OCCURRENCES, description="Its number, from 1.")

    @model_validator(mode="before")
    @classmethod
    def _local_times(cls, data: Any) -> Any:
        zone = data.get("timezone") if isinstance(data, dict) else None
        return localize_naive(data, zone, ("start", "end", "submitted_at", "window_start", "window_end"))

    @model_validator(mode="after")
    def _ordered(self) -> Request:
        if self.end <= self.start:
            zone = ZoneInfo(self.timezone)  # shown as the office wrote it, not in UTC
            end, start = self.end.astimezone(zone), self.start.astimezone(zone)
            # Named by its field: with no field in front a shell showing the field's path found none ("end" is the
            # field, not the sentence's first word). An hour from a local time the clocks skip lands here too.
            raise ValueError(
                f"end: must be after start (end {end:%Y-%m-%d %H:%M}, start {start:%Y-%m-%d %H:%M}, in {self.timezone})"
            )
        if self.end - self.start < timedelta(minutes=MIN_DURATION_MIN):
            # The planner works in whole minutes: a meeting of seconds would be no meeting at all.
            raise ValueError(f"end: a meeting lasts at least {MIN_DURATION_MIN} minutes (start to end)")
        if (self.window_start is None) != (self.window_end is None):
            missing = "window_start" if self.window_start is None else "window_end"
            raise ValueError(f"{missing}: window_start and window_end go together (a flexible request gives both)")
        if (
            self.window_start is not None
            and self.window_end is not None
            and not (self.window_start <= self.start and self.end <= self.window_end)
        ):
            raise ValueError("start: the preferred start-end must lie inside window_start-window_end")
        if self.rehearsal is not None and self.operator_count == 0:
            raise ValueError("rehearsal: it is run by the event's operator, so the service must include one")
        if len({k.kit for k in self.kits}) != len(self.kits):
            raise ValueError("kits: a kit type is listed twice")
        _series_problems(self)
        return self

    @property
    def flexible(self) -> bool:
        return self.window_start is not None

    @property
    def on_site(self) -> bool:
        """An operator goes to the venue (travel, surveys apply)."""
        return self.venue is not None and not self.remote and self.operator_count > 0

    @property
    def needs_host(self) -> bool:
        return self.service in (ServiceType.LINK, ServiceType.LINK_OPERATOR)

    @property
    def operator_count(self) -> int:
        return self.operators_needed if self.service in (ServiceType.LINK_OPERATOR, ServiceType.OPERATOR) else 0

    @property
    def last_end(self) -> datetime:
        """When the request is over: its end; a series' last occurrence's."""
        if self.series is None or self.occurrence is not None:
            return self.end
        return max(o.end for o in occurrences(self))

    @property
    def letter_order(self) -> tuple[date, datetime, str]:
        """First come, first served among equals: the letter's date, then when the request was entered (else its
        start), then its reference."""
        came = self.submitted_at or self.start
        return (self.letter_date or came.date(), came, self.ref)


_WEEK_WORD = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}


def _series_problems(r: Request) -> None:
    """A series' own rules, each naming its field: fixed times (Zoom's recurring meeting with fixed time), an
    occurrence ref that still fits, the first occurrence on its own date, at most Zoom's 50 occurrences."""
    if (r.occurrence_of is None) != (r.occurrence is None):
        raise ValueError("occurrence: occurrence_of and occurrence go together (set on an occurrence read from a "
                         "series)")  # fmt: skip
    if r.occurrence_of is not None and r.series is None:
        raise ValueError("occurrence_of: an occurrence keeps its series' pattern in series")
    pattern = r.series
    if pattern is None:
        return
    if r.flexible:
        raise ValueError("series: a series has fixed times, so window_start/window_end are not for series")
    if r.rehearsal is not None:
        raise ValueError("series: a rehearsal is not planned per occurrence: ask for it as a request of its own")
    if r.occurrence is None and len(r.ref) > 60:
        raise ValueError("ref: a series' ref has at most 60 characters (its occurrences add ':N')")
    first = r.start.astimezone(ZoneInfo(r.timezone)).date()
    if pattern.weekdays is not None and first.weekday() not in pattern.weekdays:
        raise ValueError("series.weekdays: the first occurrence (start) falls on a weekday not listed")
    if pattern.repeat is SeriesRepeat.MONTHLY and pattern.month_week is None and first.day > 28:
        raise ValueError("series.repeat: a monthly series on a day of the month starts on day 1 to 28 (not every "
                         "month has a 29th to 31st), or give month_week (e.g. -1: the last Friday)")  # fmt: skip
    week = pattern.month_week
    if week is not None and not (is_last_of_month(first) if week == -1 else week_of_month(first) == week):
        raise ValueError(f"series.month_week: the first occurrence (start) is not the {_WEEK_WORD[week]} "
                         f"of its weekday in its month")  # fmt: skip
    if pattern.until is not None and pattern.until < first:
        raise ValueError("series.until: before the first occurrence")
    dates = pattern.local_dates(first)
    if len(dates) > SERIES_MAX_OCCURRENCES:
        raise ValueError(f"series.until: more than {SERIES_MAX_OCCURRENCES} occurrences (Zoom's limit)")
    for change in pattern.changes:
        if change.occurrence > len(dates):
            raise ValueError(f"series.changes: occurrence {change.occurrence} is past the last ({len(dates)})")


def expand_series(requests: list[Request]) -> list[Request]:
    """Each series request read as its occurrences, in order; other requests (and occurrences already read) as
    they are. Pure: the occurrences keep the first one's local wall-clock times, each change applied."""
    out: list[Request] = []
    for r in requests:
        if r.series is None or r.occurrence is not None:
            out.append(r)
            continue
        out.extend(occurrences(r))
    return out


def occurrences(r: Request) -> list[Request]:
    """The occurrences of one series request (`r.series` set, not itself an occurrence)."""
    pattern = r.series
    assert pattern is not None and r.occurrence is None
    zone = ZoneInfo(r.timezone)
    start, end = r.start.astimezone(zone), r.end.astimezone(zone)
    out: list[Request] = []
    for k, day in enumerate(pattern.local_dates(start.date()), start=1):
        shift = day - start.date()
        s = datetime.combine(start.date() + shift, start.timetz()).astimezone(UTC)
        e = datetime.combine(end.date() + shift, end.timetz()).astimezone(UTC)
        update: dict[str, Any] = {"ref": occurrence_ref(r.ref, k), "start": s, "end": e, "occurrence_of": r.ref,
                                  "occurrence": k}  # fmt: skip
        change = pattern.change(k)
        if change is not None:
            if change.start is not None and change.end is not None:
                update |= {"start": change.start.astimezone(UTC), "end": change.end.astimezone(UTC)}
            if change.operators_needed is not None:
                update["operators_needed"] = change.operators_needed
            if change.kits is not None:
                update["kits"] = change.kits
            if change.cancelled:
                update["status"] = RequestStatus.CANCELLED
        out.append(r.model_copy(update=update))
    return out


DEFAULT_PRIORITY_WEIGHTS: dict[str, int] = {"head_of_region": 1000, "high": 100, "normal": 10, "low": 1}
#: What people read for each default tier, by language (a site names its own tiers in `priority_labels`).
DEFAULT_PRIORITY_LABELS: dict[str, dict[str, str]] = {
    "head_of_region": {"id": "Kepala daerah", "en": "Head of region"},
    "high": {"id": "Tinggi", "en": "High"},
    "normal": {"id": "Biasa", "en": "Normal"},
    "low": {"id": "Rendah", "en": "Low"},
}


class PreferenceWeights(Model):
    """Weights of the office's preferences, the last level of the lexicographic objective."""

    operator_days: int = Field(default=10, ge=0, description="Per operator called in on a local day.")
    oversized_licence: int = Field(default=1, ge=0, description="Per capacity step above the smallest host that fits.")
    moved_from_requested: int = Field(
        default=2, ge=0, description="Per grain step a flexible request starts away from its preferred time."
    )
    overtime_minute: int = Field(
        default=3, ge=0, description="Per minute an operator works outside working time (overtime, holiday duty)."
    )
    self_operated: int = Field(
        default=100,
        ge=0,
        description="Per request a unit runs itself with its trained operator instead of the office's: above what "
        "the office's operators cost for one request, so it is chosen when they are needed elsewhere.",
    )


class ClosedDay(Model):
    """A day the office is closed beyond the national holidays: collective leave (cuti bersama), a local holiday."""

    day: date
    name: str = ""

    @model_validator(mode="before")
    @classmethod
    def _bare_date(cls, data: Any) -> Any:
        if isinstance(data, (str, date)):
            return {"day": data}
        return data


class WorkingCalendar(Model):
    """When the office works (docs/calendar.md): its office days less the national holidays and collective leave
    (from the `holidays` library), with the site's own closed days added and its open days taken back."""

    country: str | None = Field(
        default="ID", min_length=2, max_length=3, description="Country of the national holidays; None: none."
    )
    collective_leave: bool = Field(
        default=True, description="Also the country's collective leave days (cuti bersama) the library knows."
    )
    closed: list[ClosedDay] = Field(default_factory=list, description="The site's own closed days (e.g. SKB).")
    open: list[date] = Field(default_factory=list, description="Holidays the site works on all the same.")
    office_days: list[Annotated[int, Field(ge=0, le=6)]] = Field(
        default_factory=lambda: [0, 1, 2, 3, 4], min_length=1, description="Weekdays the office is open, 0 = Monday."
    )
    any_day_tiers: list[str] = Field(
        default_factory=lambda: ["head_of_region"],
        description="Tiers served on any day: on a closed day or outside shifts it is duty, by a duty operator.",
    )
    duty_operators: list[Ident] = Field(
        default_factory=list, description="Operators who may take such duty (one not in the problem takes none)."
    )
    travel_in_working_time: bool = Field(
        default=True, description="An operator's trip from their base to a venue falls inside working time too."
    )


class OvertimePolicy(Model):
    """Overtime as a decision: who may work past their shift, how far, and for which tiers."""

    operators: list[Ident] = Field(
        default_factory=list,
        description="Operators who may work overtime (one not in the problem, say inactive, works none).",
    )
    tiers: list[str] = Field(default_factory=lambda: ["head_of_region"], description="Requests of these tiers only.")
    before_shift_min: int = Field(default=0, ge=0, le=12 * 60, description="At most this long before a shift.")
    after_shift_min: int = Field(default=60, ge=0, le=12 * 60, description="At most this long after a shift.")
    max_per_week_min: int | None = Field(
        default=None, ge=0, le=7 * 24 * 60, description="Overtime per operator per ISO week at most (duty aside)."
    )


class IntakePolicy(Model):
    """How request files are read: the letters' lead time, the admin's language, the length of an open end."""

    min_lead_working_days: int = Field(
        default=0, ge=0, le=60, description="Working days a request must come in before its event (0: no rule)."
    )
    late_letters: Literal["flag", "reject"] = Field(
        default="flag", description="A late request is accepted with the flag 'late_letter', or rejected."
    )
    default_duration_min: int = Field(
        default=120, ge=15, le=24 * 60, description="Length given to '09.00 s/d selesai' or a row without an end."
    )
    language: Literal["id", "en"] = Field(default="id", description="Language of reasons and reports.")


class SitePolicy(Model):
    """How one office runs its vicon service."""

    timezone: TimeZoneName = "Asia/Jakarta"
    buffer_before_min: int = Field(default=15, ge=0, le=24 * 60, description="Host kept free before a meeting.")
    buffer_after_min: int = Field(default=15, ge=0, le=24 * 60, description="Host kept free after a meeting.")
    operator_setup_min: int = Field(default=30, ge=0, le=24 * 60)
    operator_teardown_min: int = Field(default=15, ge=0, le=24 * 60)
    freeze_horizon_min: int = Field(
        default=24 * 60, ge=0, description="Published assignments starting sooner than this never move."
    )
    office_hours: tuple[time, time] = Field(
        default=(time(7, 0), time(17, 0)), description="Local hours in which alternative times are offered."
    )
    alternative_grain_min: int = Field(default=30, gt=0, le=240, description="Step between alternative starts.")
    alternative_days: int = Field(default=2, ge=0, le=14, description="Days after the requested one to search.")
    flexible_grain_min: int = Field(default=15, gt=0, le=240, description="Step between a flexible request's starts.")
    task_grain_min: int = Field(default=30, gt=0, le=240, description="Step between rehearsal and survey starts.")
    survey_duration_min: int = Field(default=60, ge=15, le=8 * 60)
    survey_window_min: int = Field(
        default=7 * 24 * 60, ge=60, le=30 * 24 * 60, description="A survey starts at most this long before the event."
    )
    survey_lead_min: int = Field(default=60, ge=0, le=30 * 24 * 60, description="It ends at least this long before.")
    kit_pickup_min: int = Field(default=60, ge=0, le=7 * 24 * 60, description="Kits leave stock this long before.")
    kit_return_min: int = Field(default=60, ge=0, le=7 * 24 * 60, description="Kits are back this long after.")
    preempt_min_tier: str | None = Field(
        default="head_of_region",
        description="Tiers at least this heavy may displace lower ones inside the freeze horizon, once confirmed.",
    )
    priority_weights: dict[str, Annotated[int, Field(gt=0, le=1_000_000)]] = Field(
        default_factory=lambda: dict(DEFAULT_PRIORITY_WEIGHTS)
    )
    priority_labels: dict[str, dict[str, str]] = Field(
        default_factory=lambda: {k: dict(v) for k, v in DEFAULT_PRIORITY_LABELS.items()},
        description="Each tier's name as people read it, by language code (id, en); a tier without one shows its key.",
    )
    preferences: PreferenceWeights = Field(default_factory=PreferenceWeights)
    intake: IntakePolicy = Field(default_factory=IntakePolicy)
    calendar: WorkingCalendar | None = Field(
        default=None, description="Holidays, office days, duty and handovers in office hours (None: none of it)."
    )
    overtime: OvertimePolicy | None = Field(default=None, description="None: no overtime.")

    def tier_label(self, tier: str, lang: str) -> str:
        """The tier's name in `lang` (else in Bahasa Indonesia, else its key)."""
        names = self.priority_labels.get(tier) or DEFAULT_PRIORITY_LABELS.get(tier) or {}
        return names.get(lang) or names.get("id") or tier

    @field_validator("priority_weights")
    @classmethod
    def _not_empty(cls, value: dict[str, int]) -> dict[str, int]:
        if not value:
            raise ValueError("at least one priority tier is needed")
        return value

    @model_validator(mode="after")
    def _known_preempt_tier(self) -> SitePolicy:
        if self.preempt_min_tier is not None and self.preempt_min_tier not in self.priority_weights:
            raise ValueError(f"preempt_min_tier: unknown tier {self.preempt_min_tier!r}")
        named = [("calendar.any_day_tiers", self.calendar.any_day_tiers if self.calendar else [])]
        named.append(("overtime.tiers", self.overtime.tiers if self.overtime else []))
        for field_name, tiers in named:
            for tier in tiers:
                if tier not in self.priority_weights:
                    raise ValueError(f"{field_name}: unknown tier {tier!r}")
        return self

    def host_buffers(self, host: ZoomHost) -> tuple[int, int]:
        before = self.buffer_before_min if host.buffer_before_min is None else host.buffer_before_min
        after = self.buffer_after_min if host.buffer_after_min is None else host.buffer_after_min
        return before, after


class TaskSlot(Model):
    """A rehearsal or a venue survey as planned: when, on which host (online rehearsal), by whom, where."""

    start: UtcDatetime
    end: UtcDatetime
    host: Ident | None = None
    operators: list[Ident] = Field(default_factory=list)
    venue: str | None = Field(default=None, description="Set when on site.")


class Assignment(Model):
    """What one served request gets: a host (unless operator-only) and its operators.

    `start`/`end` are set for a flexible request (the time chosen); `rehearsal` and `survey` when planned.
    """

    request: Ident
    host: Ident | None = None
    operators: list[Ident] = Field(default_factory=list)
    start: UtcDatetime | None = None
    end: UtcDatetime | None = None
    rehearsal: TaskSlot | None = None
    survey: TaskSlot | None = Field(default=None, description="The survey of a new venue, done before this event.")
    self_operated: bool = Field(
        default=False, description="The unit's own trained operator runs it on our host: no office operator."
    )


class Pin(Model):
    """An admin's decision that a request must keep exactly this host and these operators."""

    request: Ident
    host: Ident | None = None
    operators: list[Ident] = Field(default_factory=list)
    start: UtcDatetime | None = Field(default=None, description="For a flexible request: the start to hold.")


class Blocker(Model):
    """A resource that could have served a request, and what keeps it busy."""

    resource: str
    requests: list[str] = Field(default_factory=list)
    reason: str


class Alternative(Model):
    """A concrete way the request could be served now, without moving anything already planned."""

    kind: Literal["other_time", "fewer_participants", "without_operator", "with_overtime", "self_operated"]
    start: UtcDatetime
    end: UtcDatetime
    host: Ident | None = None
    operators: list[Ident] = Field(default_factory=list)
    participants: int = Field(gt=0)
    text: str = Field(description="In English.")
    text_id: str = Field(description="The same in Bahasa Indonesia.")


class Unserved(Model):
    request: Ident
    code: Literal[
        "no_capacity",
        "no_kind",
        "host_unavailable",
        "hosts_busy",
        "no_skill",
        "operator_unavailable",
        "operators_busy",
        "not_allowed",
        "time_limit",
        "started",
        "kits_short",
        "no_rehearsal",
        "no_survey",
        "travel",
        "series_incomplete",
    ]
    reason: str = Field(description="In English.")
    reason_id: str = Field(description="The same in Bahasa Indonesia.")
    blockers: list[Blocker] = Field(default_factory=list)
    alternatives: list[Alternative] = Field(default_factory=list, description="Nearest first; none if none exist.")


class MissedRehearsal(Model):
    """A served request whose optional rehearsal found no slot: the PIC is told."""

    request: Ident
    reason: str
    reason_id: str


class ObjectiveTerm(Model):
    """One level of the lexicographic objective, with what the solver proved about it."""

    name: str
    sense: Literal["maximize", "minimize"]
    value: int
    bound: int
    optimal: bool


class SolverStatus(StrEnum):
    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    EMPTY = "empty"


class ComponentRecord(Model):
    """An independent part of a plan, remembered so an unchanged part is not solved again.

    `fingerprint` digests everything the part's solution depends on; `result` digests what was chosen.
    A part the time limit cut short is remembered with the served-weight bound it reached: kept unchanged
    it is not solved again (a published plan is not churned for nothing), and it reports that bound.
    """

    fingerprint: str
    result: str
    requests: int = Field(ge=0)
    preferences_bound: int | None = Field(
        default=None, description="The preferences bound proven for the part (rehearsal placement may exceed it)."
    )
    served_bound: int | None = Field(
        default=None,
        description="The served-weight bound when it was not proven optimal (None: it was), as proven for the "
        "search's own limits (a re-plan searches under the same; the plan's claims re-bound it for the real problem).",
    )


class PreemptionOffer(Model):
    """A request above the pre-emption tier that could be served by displacing frozen lower-tier meetings."""

    request: Ident
    displaces: list[Ident]
    text: str
    text_id: str


class PlanWarning(Model):
    """Something the plan could not do as the rules ask, as a code and its parameters; the shell words it in the
    run's language (allocator.plan_words). A plan stored before warnings had codes reads back with its English
    sentence recognised (`legacy_warning`), else as code `text` holding the sentence."""

    code: Literal["freeze_may_give_way", "freeze_no_longer_fits", "published_no_longer_fits", "replanned_freely",
                  "alternatives_not_searched", "text"]  # fmt: skip
    refs: list[Ident] = Field(default_factory=list, description="The requests it is about.")
    by: Ident | None = Field(default=None, description="freeze_may_give_way: the request it may give way to.")
    count: int | None = Field(default=None, ge=0, description="alternatives_not_searched: unserved requests left.")
    text: str = Field(default="", description="code `text` only: an old record's sentence, as it was.")


_LEGACY_WARNINGS: list[tuple[str, str]] = [
    (r"^(\S+) was inside the freeze horizon but may give way to (\S+) \(confirmed by an admin\)$",
     "freeze_may_give_way"),
    (r"^(\S+) is inside the freeze horizon but its published assignment no longer fits", "freeze_no_longer_fits"),
    (r"^the published plan could not be kept as it was for (.+); that part was re-planned freely$",
     "replanned_freely"),
    (r"^alternatives not searched for (\d+) unserved requests", "alternatives_not_searched"),
]  # fmt: skip


def legacy_warning(text: str) -> dict[str, Any]:
    """A warning a plan held as an English sentence (records made before codes), as a PlanWarning's fields."""
    for pattern, code in _LEGACY_WARNINGS:
        m = re.match(pattern, text)
        if m is None:
            continue
        if code == "freeze_may_give_way":
            return {"code": code, "refs": [m.group(1)], "by": m.group(2)}
        if code == "replanned_freely":
            return {"code": code, "refs": m.group(1).split(", ")}
        if code == "alternatives_not_searched":
            return {"code": code, "count": int(m.group(1))}
        return {"code": code, "refs": [m.group(1)]}
    return {"code": "text", "text": text}


class Plan(Model):
    assignments: list[Assignment] = Field(default_factory=list)
    unserved: list[Unserved] = Field(default_factory=list)
    objective: list[ObjectiveTerm] = Field(default_factory=list)
    status: SolverStatus = SolverStatus.EMPTY
    gap: float = Field(default=0.0, ge=0.0, description="Largest relative gap over the objective terms.")
    solve_seconds: float = 0.0
    components: int = 0
    warnings: list[PlanWarning] = Field(default_factory=list)
    restrictions: list[str] = Field(
        default_factory=list,
        description="Search limits that left some times of a task or flexible request out: no claim of optimality "
        "or bound covers what they left out (docs/planner.md).",
    )
    preemption_offers: list[PreemptionOffer] = Field(
        default_factory=list, description="Unserved high-tier requests that frozen lower ones keep out, if confirmed."
    )
    missed_rehearsals: list[MissedRehearsal] = Field(default_factory=list)
    records: list[ComponentRecord] = Field(
        default_factory=list, description="Pass back as Problem.previous_records to re-plan only what changed."
    )

    @field_validator("warnings", mode="before")
    @classmethod
    def _coded_warnings(cls, value: Any) -> Any:
        """A stored plan's warnings from before codes (English sentences) read as codes where recognised."""
        if isinstance(value, list):
            return [legacy_warning(w) if isinstance(w, str) else w for w in value]
        return value

    def assignment_for(self, ref: str) -> Assignment | None:
        for a in self.assignments:
            if a.request == ref:
                return a
        return None

    def term(self, name: str) -> ObjectiveTerm:
        for t in self.objective:
            if t.name == name:
                return t
        raise KeyError(name)


class Problem(Model):
    """Everything the planner needs, and nothing it must fetch: it never reads a clock or a database."""

    now: UtcDatetime
    policy: SitePolicy = Field(default_factory=SitePolicy)
    hosts: list[ZoomHost] = Field(default_factory=list)
    operators: list[Operator] = Field(default_factory=list)
    requests: list[Request] = Field(default_factory=list)
    venues: list[Venue] = Field(default_factory=list)
    travel: list[TravelTime] = Field(default_factory=list, description="Between venues; else via the office.")
    kit_types: list[KitType] = Field(default_factory=list)
    kits_out: list[KitOut] = Field(default_factory=list, description="Lent kits not yet returned.")
    kit_faults: list[KitFault] = Field(default_factory=list, description="Kits out of service until repaired.")
    unit_operators: list[UnitOperator] = Field(
        default_factory=list, description="Units' own trained operators: their units may run meetings themselves."
    )
    previous: list[Assignment] = Field(default_factory=list, description="The published plan's assignments.")
    previous_records: list[ComponentRecord] = Field(
        default_factory=list, description="The published plan's records: parts whose inputs are unchanged are reused."
    )
    previous_unserved: list[Unserved] = Field(
        default_factory=list, description="The published plan's unserved entries, kept for unchanged parts."
    )
    pins: list[Pin] = Field(default_factory=list)
    confirmed_preemptions: list[Ident] = Field(
        default_factory=list, description="Requests an admin allowed to displace lower tiers inside the freeze horizon."
    )
    notified: list[Ident] = Field(
        default_factory=list, description="Requests whose PIC already has the link: moved only for a higher tier."
    )
    _travel_cache: tuple[object, object, tuple[dict[tuple[str, str], int], dict[str, int]]] | None = PrivateAttr(
        default=None
    )

    _series: tuple[Request, ...] = PrivateAttr(default=())

    @model_validator(mode="after")
    def _series_as_occurrences(self) -> Problem:
        """A series is planned, published and shown as its occurrences (allocator.planner.series); the series
        requests themselves are kept for storing (`stored_requests`). Set in place, once, while the problem is
        being made (it is frozen afterwards)."""
        written = [r for r in self.requests if r.series is not None and r.occurrence is None]
        if written:
            self.__dict__["requests"] = expand_series(self.requests)
            self._series = (*self._series, *written)
        return self

    def stored_requests(self) -> list[Request]:
        """The requests as they are stored: a series as itself (when this problem was read from it), not as its
        occurrences."""
        series = {r.ref: r for r in self._series}
        out = [r for r in self.requests if r.occurrence_of not in series]
        return out + list(series.values())

    @model_validator(mode="before")
    @classmethod
    def _local_now(cls, data: Any) -> Any:
        zone = None
        if isinstance(data, dict) and isinstance(data.get("policy"), dict):
            zone = data["policy"].get("timezone")
        return localize_naive(data, zone or "Asia/Jakarta", ("now",))

    @model_validator(mode="after")
    def _references(self) -> Problem:
        problems = list(_reference_errors(self))
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def request(self, ref: str) -> Request:
        for r in self.requests:
            if r.ref == ref:
                return r
        raise KeyError(ref)

    def travel_min(self, a: str | None, b: str | None) -> int:
        """Minutes from venue `a` to venue `b` (`base` is the office): the matrix, else via the office."""
        if a is None or b is None or a == b:
            return 0
        matrix, legs = self._travel_tables
        found = matrix.get((a, b))
        return found if found is not None else legs.get(a, 0) + legs.get(b, 0)

    @property
    def _travel_tables(self) -> tuple[dict[tuple[str, str], int], dict[str, int]]:
        """Travel lookups, built once per travel and venue lists (the planner asks per pair of tasks); a copy
        with other lists builds its own."""
        cached = self._travel_cache
        if cached is not None and cached[0] is self.travel and cached[1] is self.venues:
            return cached[2]
        matrix: dict[tuple[str, str], int] = {}
        for t in reversed(self.travel):  # the first entry for a pair wins, as the list is read
            matrix[t.a, t.b] = matrix[t.b, t.a] = t.minutes
        tables = matrix, {v.id: v.travel_from_base_min for v in self.venues}
        self._travel_cache = (self.travel, self.venues, tables)
        return tables


def _duplicates(values: list[str]) -> list[str]:
    seen: set[str] = set()
    dups: list[str] = []
    for v in values:
        if v in seen and v not in dups:
            dups.append(v)
        seen.add(v)
    return dups


def _reference_errors(p: Problem) -> list[str]:
    """Cross-record checks pydantic cannot do field by field; each message names the field."""
    out: list[str] = []
    for label, ids in (
        ("hosts", [h.id for h in p.hosts]),
        ("operators", [o.id for o in p.operators]),
        ("requests", [r.ref for r in expand_series(p.requests)]),
        ("venues", [v.id for v in p.venues]),
        ("kit_types", [k.id for k in p.kit_types]),
        ("unit_operators", [u.id for u in p.unit_operators]),
    ):
        for dup in _duplicates(ids):
            out.append(f"{label}: duplicate id {dup!r}")
    host_ids = {h.id for h in p.hosts}
    op_ids = {o.id for o in p.operators}
    refs = {r.ref for r in expand_series(p.requests)}
    kit_ids = {k.id for k in p.kit_types}
    venue_ids = {v.id for v in p.venues}
    tiers = p.policy.priority_weights
    for i, r in enumerate(p.requests):
        if r.priority not in tiers:
            out.append(f"requests[{i}].priority: unknown tier {r.priority!r} (known: {', '.join(sorted(tiers))})")
        for op in r.allowed_operators or []:
            if op not in op_ids:
                out.append(f"requests[{i}].allowed_operators: unknown operator {op!r}")
        for j, need in enumerate(r.kits):
            if need.kit not in kit_ids:
                out.append(f"requests[{i}].kits[{j}].kit: unknown kit type {need.kit!r}")
        if r.rehearsal is not None and r.rehearsal.mode is RehearsalMode.ON_SITE and r.venue is None:
            out.append(f"requests[{i}].rehearsal.mode: an on-site rehearsal needs the request's venue")
    for i, t in enumerate(p.travel):
        for side in ("a", "b"):
            if getattr(t, side) not in venue_ids | {"base"}:
                out.append(f"travel[{i}].{side}: unknown venue {getattr(t, side)!r}")
    for i, k in enumerate(p.kits_out):
        if k.kit not in kit_ids:
            out.append(f"kits_out[{i}].kit: unknown kit type {k.kit!r}")
    for i, f in enumerate(p.kit_faults):
        if f.kit not in kit_ids:
            out.append(f"kit_faults[{i}].kit: unknown kit type {f.kit!r}")
    named: list[tuple[str, int, Assignment | Pin]] = [("previous", i, a) for i, a in enumerate(p.previous)]
    named += [("pins", i, pin) for i, pin in enumerate(p.pins)]
    for field, i, a in named:
        if a.request not in refs:
            out.append(f"{field}[{i}].request: unknown request {a.request!r}")
        if a.host is not None and a.host not in host_ids:
            out.append(f"{field}[{i}].host: unknown host {a.host!r}")
        for op in a.operators:
            if op not in op_ids:
                out.append(f"{field}[{i}].operators: unknown operator {op!r}")
        if len(set(a.operators)) != len(a.operators):
            out.append(f"{field}[{i}].operators: an operator is listed twice")
    for i, ref in enumerate(p.confirmed_preemptions):
        if ref not in refs:
            out.append(f"confirmed_preemptions[{i}]: unknown request {ref!r}")
    for dup in _duplicates([pin.request for pin in p.pins]):
        out.append(f"pins: request {dup!r} is pinned twice")
    for dup in _duplicates([a.request for a in p.previous]):
        out.append(f"previous: request {dup!r} appears twice")
    return out


def local(dt: datetime, zone: str) -> datetime:
    """Show an instant in a zone."""
    return dt.astimezone(ZoneInfo(zone))


def zone_abbrev(zone: str) -> str:
    """WIB/WITA/WIT for Indonesia's zones, the tz abbreviation otherwise."""
    return {"Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}.get(
        zone, datetime(2026, 1, 1, 12, tzinfo=ZoneInfo(zone)).tzname() or zone
    )
