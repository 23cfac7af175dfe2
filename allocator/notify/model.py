"""Plain data the notifier works from and produces: who, what event, which link, and the message itself.

Pure pydantic models, no I/O. The host's start link is deliberately absent from every model here: operator
messages carry a placeholder that the outbox replaces with a link fetched fresh from Zoom right before sending
(`StartLinkRef`), so the link is never stored, logged or rendered for anyone else.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from allocator.planner.domain import Operator, Request, UtcDatetime

Language = Literal["id", "en"]
Audience = Literal["pic", "operator"]

#: Stands for the host's start link in an operator message until the outbox fetches the real one.
START_LINK_PLACEHOLDER = "[[vicon-start-link]]"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Contact(_Model):
    """A person to write to (a PIC or an operator)."""

    name: str
    email: str | None = None
    phone: str | None = None
    language: Language = "id"

    @classmethod
    def from_operator(cls, op: Operator, language: Language = "id") -> Contact:
        return cls(name=op.name, email=op.email, phone=op.phone, language=language)


class Office(_Model):
    """The office that sends the messages (the From address, the calendar ORGANIZER, the signature)."""

    name: str = "Layanan Vicon"
    email: str = "vicon@localhost"
    phone: str | None = None


class Slot(_Model):
    """A span of time: a rehearsal (gladi bersih), a venue survey, or an alternative slot offered.

    For a rehearsal: `online` (on one of our hosts) or on site (`venue` set); `join_url`/`passcode` are the
    online rehearsal's participant link once the store knows it. For a survey: `venue` and `people` (who goes).
    """

    start: UtcDatetime
    end: UtcDatetime
    venue: str | None = None
    online: bool = False
    join_url: str | None = None
    passcode: str | None = None
    people: tuple[str, ...] = ()
    #: An offered alternative's conditions besides its time ("untuk paling banyak 300 peserta"), by language.
    conditions_id: tuple[str, ...] = ()
    conditions_en: tuple[str, ...] = ()


class KitLoan(_Model):
    """Equipment the unit picks up before its event and returns after it, in the request's own zone."""

    kit: str
    name: str
    count: int
    pickup: UtcDatetime
    due: UtcDatetime


class Reason(_Model):
    """Why something happened, in both languages."""

    en: str
    id: str

    def text(self, lang: Language) -> str:
        return self.id if lang == "id" else self.en


class OccurrenceInfo(_Model):
    """One occurrence of a series as people are told it: held at `start`-`end`, or not held (None)."""

    number: int
    nominal: UtcDatetime = Field(description="Where the series' pattern puts it (the calendar's RECURRENCE-ID).")
    start: UtcDatetime | None = None
    end: UtcDatetime | None = None


class EventInfo(_Model):
    """What a notice is about: the request as the PIC knows it, at the time the plan chose.

    `start`/`end` are the effective (planned) times; `requested_start`/`requested_end` are set only when a
    flexible request was planned at another time than the one asked for.
    """

    ref: str
    title: str
    unit: str
    timezone: str
    start: UtcDatetime
    end: UtcDatetime
    venue: str | None = None
    participants: int = 0
    needs_host: bool = True
    rehearsal: Slot | None = Field(default=None, description="The rehearsal, if there is one.")
    requested_start: UtcDatetime | None = None
    requested_end: UtcDatetime | None = None
    rehearsal_missed: Reason | None = Field(default=None, description="An optional rehearsal found no slot.")
    survey: Slot | None = Field(default=None, description="A survey visit of the (new) venue before the event.")
    kits: tuple[KitLoan, ...] = ()
    occurrences: tuple[OccurrenceInfo, ...] = Field(default=(), description="A series: every occurrence.")
    recurrence: dict[str, Any] | None = Field(default=None, description="A series: its calendar RRULE parts.")
    self_operated: bool = Field(
        default=False, description="The unit's own trained operator runs it; the office lends the host (and kits)."
    )

    @property
    def moved(self) -> bool:
        """Planned at another time than requested (a flexible request)."""
        return self.requested_start is not None

    @classmethod
    def from_request(cls, req: Request, rehearsal: Slot | None = None) -> EventInfo:
        return cls(
            ref=req.ref,
            title=req.title,
            unit=req.unit,
            timezone=req.timezone,
            start=req.start,
            end=req.end,
            venue=req.venue,
            participants=req.participants,
            needs_host=req.needs_host,
            rehearsal=rehearsal,
        )


class JoinDetails(_Model):
    """What a participant needs: the join link and passcode. Never a start link or host key."""

    join_url: str
    passcode: str | None = None
    meeting_id: int | None = None


class HostDetails(_Model):
    """What an operator needs to run the meeting, apart from the start link (fetched at send time)."""

    host: str
    account: str
    zoom_user: str
    meeting_id: int | None = None


class StartLinkRef(_Model):
    """Where the outbox fetches the start link for an operator message: an account and a Zoom meeting id."""

    account: str
    meeting_id: int


class Previous(_Model):
    """What the PIC was told last, to say what changed."""

    start: UtcDatetime
    end: UtcDatetime
    venue: str | None = None
    title: str = ""
    join_url: str | None = None
    passcode: str | None = None
    operators: tuple[str, ...] = ()
    rehearsal: Slot | None = None
    rehearsal_missed: bool = False
    survey: Slot | None = None
    kits: tuple[KitLoan, ...] = ()


class AgendaItem(_Model):
    """One line of an operator's day: the event itself, its rehearsal, or the survey of its venue."""

    event: EventInfo
    role: Literal["event", "rehearsal", "survey"] = "event"
    host: HostDetails | None = None
    join: JoinDetails | None = None
    pic: Contact | None = None
    overtime_min: int = 0  # minutes of it outside the operator's working time (docs/calendar.md)
    duty: bool = False  # those minutes are holiday duty, not overtime

    @property
    def slot(self) -> Slot | None:
        if self.role == "rehearsal":
            return self.event.rehearsal
        return self.event.survey if self.role == "survey" else None

    @property
    def start(self) -> datetime:
        slot = self.slot
        return slot.start if slot is not None else self.event.start

    @property
    def end(self) -> datetime:
        slot = self.slot
        return slot.end if slot is not None else self.event.end

    @property
    def venue(self) -> str | None:
        """Where: the event's venue, the survey's venue, an on-site rehearsal's venue (None when online)."""
        slot = self.slot
        return slot.venue if slot is not None else self.event.venue


class CrewItem(_Model):
    """One occurrence of a series in its operator's series notice: what they do there and what became of it."""

    event: EventInfo = Field(description="The occurrence as planned (its own ref, `REF:k`, and time).")
    role: Literal["event", "survey"] = "event"
    change: Literal["added", "changed", "unchanged", "released"] = "added"
    host: HostDetails | None = None
    reason: Reason | None = Field(default=None, description="Why a released occurrence no longer needs them.")


class CalendarPart(_Model):
    """An .ics attachment: its text and its iTIP method."""

    method: Literal["REQUEST", "CANCEL"]
    uid: str
    sequence: int
    content: str
    filename: str = "undangan.ics"


class Message(_Model):
    """One rendered message to one person: everything a transport needs except the sender's envelope."""

    kind: str
    audience: Audience
    request: str | None = None
    to: Contact
    language: Language
    subject: str
    text: str
    html: str
    short: str = Field(description="A few lines for chat channels (apprise).")
    calendar: CalendarPart | None = None
    #: Further invites, one VEVENT each (the rehearsal's, the survey's): attached as their own .ics files.
    more_calendars: tuple[CalendarPart, ...] = ()
    start_link: StartLinkRef | None = None
    created_at: datetime | None = None

    def with_start_link(self, url: str) -> Message:
        """The message with the placeholder replaced by the host's start link (escaped for HTML)."""
        from html import escape

        if self.start_link is None:
            return self
        return self.model_copy(
            update={
                "text": self.text.replace(START_LINK_PLACEHOLDER, url),
                "html": self.html.replace(START_LINK_PLACEHOLDER, escape(url, quote=True)),
                "short": self.short.replace(START_LINK_PLACEHOLDER, url),
            }
        )
