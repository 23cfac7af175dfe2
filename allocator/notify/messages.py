"""Building messages: plain data in, a rendered `Message` (subject, text, HTML, short form, .ics) out. No I/O.

Templates live in `allocator/notify/templates`, one per kind, language (`id`, `en`) and form (`.txt`, `.html`);
`subject.<lang>.txt` and `short.<lang>.txt` hold every kind's subject line and chat-sized form. The language is
the recipient's (`Contact.language`). Times are shown in the request's own zone (WIB/WITA/WIT).

PIC messages never receive a start link or host details: the builders for PICs take no such input, and the
templates for PICs have no variable for them. Operator messages about a meeting carry `START_LINK_PLACEHOLDER`
and a `StartLinkRef`; the outbox fetches the link from Zoom right before sending.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from functools import cache
from typing import Any, Literal

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from allocator.domain import zone_abbrev
from allocator.notify import calendar
from allocator.notify.model import (
    START_LINK_PLACEHOLDER,
    AgendaItem,
    CalendarPart,
    Contact,
    EventInfo,
    HostDetails,
    JoinDetails,
    Language,
    Message,
    Office,
    Previous,
    Reason,
    Slot,
    StartLinkRef,
)
from allocator.notify.timefmt import clock_span, date_text, span_text, when_text

PIC_SCHEDULED = "pic.scheduled"
PIC_CHANGED = "pic.changed"
PIC_CANCELLED = "pic.cancelled"
PIC_UNSERVED = "pic.unserved"
PIC_REMINDER_DAY = "pic.reminder_day"
PIC_REMINDER_HOUR = "pic.reminder_hour"
OP_ASSIGNMENT = "op.assignment"
OP_RELEASED = "op.released"
OP_REMINDER_HOUR = "op.reminder_hour"
OP_AGENDA = "op.agenda"

#: The kinds that carry a calendar invite and so count towards a request's SEQUENCE.
CALENDAR_KINDS = (PIC_SCHEDULED, PIC_CHANGED, PIC_CANCELLED)


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("allocator.notify", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["zone"] = zone_abbrev
    return env


def _helpers(lang: Language, zone: str) -> dict[str, Any]:
    return {
        "span": lambda s, e: span_text(s, e, zone, lang),
        "when": lambda d: when_text(d, zone, lang),
        "day": lambda d: date_text(d, zone, lang),
        "hours": lambda s, e: clock_span(s, e, zone, lang),
        "hours_in": lambda s, e, z: clock_span(s, e, z, lang),
        "zone_name": zone_abbrev(zone),
    }


def render_parts(template: str, kind: str, lang: Language, zone: str, context: dict[str, Any]) -> dict[str, str]:
    """Subject, text, HTML and short form of one message."""
    env = environment()
    ctx = {**_helpers(lang, zone), **context, "kind": kind, "lang": lang}
    subject = " ".join(env.get_template(f"subject.{lang}.txt").render(ctx).split())
    ctx["subject"] = subject
    return {
        "subject": subject,
        "text": env.get_template(f"{template}.{lang}.txt").render(ctx),
        "html": env.get_template(f"{template}.{lang}.html").render(ctx),
        "short": env.get_template(f"short.{lang}.txt").render(ctx).strip() + "\n",
    }


def _ics(
    event: EventInfo,
    *,
    method: Literal["REQUEST", "CANCEL"],
    sequence: int,
    stamp: datetime,
    office: Office,
    pic: Contact,
    join: JoinDetails | None,
    text: str,
) -> CalendarPart:
    lang = pic.language
    rehearsal = "Gladi bersih" if lang == "id" else "Rehearsal"
    return calendar.invite(
        event,
        method=method,
        sequence=sequence,
        stamp=stamp,
        organizer=office,
        attendee=pic,
        join=join,
        description=text,
        rehearsal_summary=f"{rehearsal}: {event.title}",
    )


def _ics_description(event: EventInfo, join: JoinDetails | None, lang: Language) -> str:
    lines = [f"{event.title} ({event.unit}, {event.ref})"]
    if join is not None:
        lines.append(("Tautan Zoom: " if lang == "id" else "Zoom link: ") + join.join_url)
        if join.passcode:
            lines.append(("Kode sandi: " if lang == "id" else "Passcode: ") + join.passcode)
        if join.meeting_id:
            lines.append(("ID rapat: " if lang == "id" else "Meeting ID: ") + format_meeting_id(join.meeting_id))
    if event.venue:
        lines.append(("Tempat: " if lang == "id" else "Venue: ") + event.venue)
    return "\n".join(lines)


def format_meeting_id(meeting_id: int) -> str:
    """Zoom's grouping: '851 2345 6789'."""
    s = str(meeting_id)
    if len(s) == 11:
        return f"{s[:3]} {s[3:7]} {s[7:]}"
    if len(s) == 10:
        return f"{s[:3]} {s[3:6]} {s[6:]}"
    return s


def _changes(previous: Previous, event: EventInfo, join: JoinDetails | None, operators: Sequence[Contact]) -> list[str]:
    """The names of what changed since `previous` (the template words them)."""
    out: list[str] = []
    if (previous.start, previous.end) != (event.start, event.end):
        out.append("time")
    if (previous.venue or None) != (event.venue or None):
        out.append("venue")
    if previous.title and previous.title != event.title:
        out.append("title")
    if join is not None and previous.join_url and previous.join_url != join.join_url:
        out.append("link")
    elif join is not None and (previous.passcode or None) != (join.passcode or None):
        out.append("passcode")
    if tuple(o.name for o in operators) != previous.operators:
        out.append("operators")
    return out


def pic_scheduled(
    event: EventInfo,
    pic: Contact,
    *,
    office: Office,
    join: JoinDetails | None,
    operators: Sequence[Contact] = (),
    sequence: int,
    stamp: datetime,
    previous: Previous | None = None,
    reason: Reason | None = None,
) -> Message:
    """The PIC's confirmation (or, with `previous`, the notice of a change) with a calendar invite."""
    kind = PIC_CHANGED if previous is not None else PIC_SCHEDULED
    changes = _changes(previous, event, join, operators) if previous is not None else []
    ctx = {
        "to": pic,
        "office": office,
        "event": event,
        "join": join,
        "meeting_id": format_meeting_id(join.meeting_id) if join and join.meeting_id else None,
        "operators": list(operators),
        "previous": previous,
        "changes": changes,
        "reason": reason.text(pic.language) if reason else None,
    }
    parts = render_parts("scheduled", kind, pic.language, event.timezone, ctx)
    ics = _ics(
        event,
        method="REQUEST",
        sequence=sequence,
        stamp=stamp,
        office=office,
        pic=pic,
        join=join,
        text=_ics_description(event, join, pic.language),
    )
    return Message(
        kind=kind,
        audience="pic",
        request=event.ref,
        to=pic,
        language=pic.language,
        calendar=ics,
        created_at=stamp,
        **parts,
    )


def pic_cancelled(
    event: EventInfo,
    pic: Contact,
    *,
    office: Office,
    reason: Reason,
    alternatives: Sequence[Slot] = (),
    sequence: int | None,
    stamp: datetime,
    unserved: bool = False,
) -> Message:
    """The PIC's notice that a request is cancelled or cannot be served, with the reason and alternatives.

    With a `sequence` (an invite was sent before) it carries METHOD:CANCEL for the same calendar event."""
    kind = PIC_UNSERVED if unserved else PIC_CANCELLED
    ctx = {
        "to": pic,
        "office": office,
        "event": event,
        "reason": reason.text(pic.language),
        "alternatives": list(alternatives),
        "unserved": unserved,
    }
    parts = render_parts("cancelled", kind, pic.language, event.timezone, ctx)
    ics = None
    if sequence is not None:
        ics = _ics(
            event,
            method="CANCEL",
            sequence=sequence,
            stamp=stamp,
            office=office,
            pic=pic,
            join=None,
            text=reason.text(pic.language),
        )
    return Message(
        kind=kind,
        audience="pic",
        request=event.ref,
        to=pic,
        language=pic.language,
        calendar=ics,
        created_at=stamp,
        **parts,
    )


def pic_reminder(
    event: EventInfo,
    pic: Contact,
    *,
    office: Office,
    join: JoinDetails | None,
    operators: Sequence[Contact] = (),
    lead: Literal["day", "hour"],
    stamp: datetime,
) -> Message:
    """A reminder the day before (H-1) or an hour before, with the join link."""
    kind = PIC_REMINDER_DAY if lead == "day" else PIC_REMINDER_HOUR
    ctx = {
        "to": pic,
        "office": office,
        "event": event,
        "join": join,
        "meeting_id": format_meeting_id(join.meeting_id) if join and join.meeting_id else None,
        "operators": list(operators),
        "lead": lead,
    }
    parts = render_parts("reminder", kind, pic.language, event.timezone, ctx)
    return Message(
        kind=kind, audience="pic", request=event.ref, to=pic, language=pic.language, created_at=stamp, **parts
    )


def operator_assignment(
    event: EventInfo,
    operator: Contact,
    *,
    office: Office,
    pic: Contact,
    host: HostDetails | None,
    join: JoinDetails | None,
    stamp: datetime,
    changed: bool = False,
    reminder: bool = False,
    account: str | None = None,
) -> Message:
    """An operator's assignment (or its change, or the reminder an hour before) with the host details.

    When the meeting is on one of our hosts the message carries the start-link placeholder; the outbox puts in a
    link fetched fresh from Zoom right before sending."""
    kind = OP_REMINDER_HOUR if reminder else OP_ASSIGNMENT
    start_ref = (
        StartLinkRef(account=host.account, meeting_id=host.meeting_id)
        if host is not None and host.meeting_id is not None
        else None
    )
    ctx = {
        "to": operator,
        "office": office,
        "event": event,
        "pic": pic,
        "host": host,
        "join": join,
        "meeting_id": format_meeting_id(host.meeting_id) if host and host.meeting_id else None,
        "start_link": START_LINK_PLACEHOLDER if start_ref else None,
        "changed": changed,
        "reminder": reminder,
    }
    parts = render_parts("assignment", kind, operator.language, event.timezone, ctx)
    return Message(
        kind=kind,
        audience="operator",
        request=event.ref,
        to=operator,
        language=operator.language,
        start_link=start_ref,
        created_at=stamp,
        **parts,
    )


def operator_released(
    event: EventInfo, operator: Contact, *, office: Office, reason: Reason, stamp: datetime
) -> Message:
    """An operator is no longer needed for a request."""
    ctx = {"to": operator, "office": office, "event": event, "reason": reason.text(operator.language)}
    parts = render_parts("released", OP_RELEASED, operator.language, event.timezone, ctx)
    return Message(
        kind=OP_RELEASED,
        audience="operator",
        request=event.ref,
        to=operator,
        language=operator.language,
        created_at=stamp,
        **parts,
    )


def operator_agenda(
    operator: Contact,
    *,
    office: Office,
    day: date,
    zone: str,
    items: Sequence[AgendaItem],
    stamp: datetime,
) -> Message:
    """An operator's agenda for one local day, in time order. No start links: they expire long before."""
    ordered = sorted(
        items,
        key=lambda it: it.event.rehearsal.start if it.role == "rehearsal" and it.event.rehearsal else it.event.start,
    )
    midday = datetime(day.year, day.month, day.day, 12, tzinfo=_zone(zone))
    ctx = {
        "to": operator,
        "office": office,
        "items": ordered,
        "day_text": date_text(midday, zone, operator.language),
        "format_meeting_id": format_meeting_id,
    }
    parts = render_parts("agenda", OP_AGENDA, operator.language, zone, ctx)
    return Message(
        kind=OP_AGENDA, audience="operator", to=operator, language=operator.language, created_at=stamp, **parts
    )


def _zone(name: str) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)
