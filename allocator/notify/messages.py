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

from allocator.notify import calendar
from allocator.notify.model import (
    START_LINK_PLACEHOLDER,
    AgendaItem,
    CalendarPart,
    Contact,
    CrewItem,
    EventInfo,
    HostDetails,
    JoinDetails,
    KitLoan,
    Language,
    Message,
    Office,
    Previous,
    Reason,
    Slot,
    StartLinkRef,
)
from allocator.notify.timefmt import clock_span, date_text, moved_text, span_text, when_text
from allocator.planner.domain import zone_abbrev

PIC_SCHEDULED = "pic.scheduled"
PIC_CHANGED = "pic.changed"
PIC_CANCELLED = "pic.cancelled"
PIC_UNSERVED = "pic.unserved"
PIC_REMINDER_DAY = "pic.reminder_day"
PIC_REMINDER_HOUR = "pic.reminder_hour"
PIC_REHEARSAL_MISSED = "pic.rehearsal_missed"
OP_ASSIGNMENT = "op.assignment"
OP_SURVEY = "op.survey"
OP_RELEASED = "op.released"
OP_REMINDER_HOUR = "op.reminder_hour"
OP_REMINDER_REHEARSAL = "op.reminder_rehearsal"
OP_AGENDA = "op.agenda"
OP_SERIES = "op.series"  # one notice per operator per series and change: the occurrences they work
PIC_ALTERNATIVE = "pic.alternative"  # an admin offers the PIC one alternative, with a link to accept it

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


def moved_note(event: EventInfo, lang: Language) -> str:
    """'dijadwalkan pukul 10.00–12.00 WITA (diminta pukul 09.00–11.00 WITA)', or '' when not moved."""
    if event.requested_start is None or event.requested_end is None:
        return ""
    return moved_text(event.start, event.end, event.requested_start, event.requested_end, event.timezone, lang)


def rehearsal_text(slot: Slot, zone: str, lang: Language) -> str:
    """'Senin, 4 Januari 2027 pukul 10.00–11.00 WITA, daring (Zoom)' / '…, on site at Aula'."""
    span = span_text(slot.start, slot.end, zone, lang)
    if slot.online:
        return f"{span}, daring (Zoom)" if lang == "id" else f"{span}, online (Zoom)"
    if slot.venue:
        return f"{span}, di lokasi ({slot.venue})" if lang == "id" else f"{span}, on site ({slot.venue})"
    return span


def survey_text(slot: Slot, zone: str, lang: Language) -> str:
    """'Senin, 4 Januari 2027 pukul 10.00–11.00 WITA, Gedung Serbaguna, oleh Sari Dewi'."""
    out = span_text(slot.start, slot.end, zone, lang)
    if slot.venue:
        out += f", {slot.venue}"
    if slot.people:
        out += (", oleh " if lang == "id" else ", by ") + ", ".join(slot.people)
    return out


def kits_text(kits: Sequence[KitLoan]) -> str:
    """'2 × Kamera konferensi, 1 × Mikrofon meja'."""
    return ", ".join(f"{k.count} × {k.name}" for k in kits)


def _helpers(lang: Language, zone: str) -> dict[str, Any]:
    return {
        "span": lambda s, e: span_text(s, e, zone, lang),
        "when": lambda d: when_text(d, zone, lang),
        "day": lambda d: date_text(d, zone, lang),
        "hours": lambda s, e: clock_span(s, e, zone, lang),
        "hours_in": lambda s, e, z: clock_span(s, e, z, lang),
        "zone_name": zone_abbrev(zone),
        "moved": lambda ev: moved_note(ev, lang),
        "rehearsal_text": lambda sl: rehearsal_text(sl, zone, lang),
        "survey_text": lambda sl: survey_text(sl, zone, lang),
        "kits_text": kits_text,
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
    cancelled_rehearsal: Slot | None = None,
) -> tuple[CalendarPart, tuple[CalendarPart, ...]]:
    """The event's invite, and its rehearsal's as an invite of its own (a cancelled one when it was dropped)."""
    lang = pic.language
    main = calendar.invite(event, method=method, sequence=sequence, stamp=stamp, organizer=office, attendee=pic,
                           join=join, description=text)  # fmt: skip
    slot = event.rehearsal or cancelled_rehearsal
    if slot is None:
        return main, ()
    rehearsal = "Gladi bersih" if lang == "id" else "Rehearsal"
    gladi = calendar.slot_invite(
        slot, uid=calendar.rehearsal_uid(event.ref), summary=f"{rehearsal}: {event.title}", zone=event.timezone,
        method=method, sequence=sequence, stamp=stamp, organizer=office, attendee=pic,
        description=_rehearsal_description(event, slot, lang), filename="gladi.ics",
        online_location="Zoom (daring)" if lang == "id" else "Zoom (online)", cancelled=event.rehearsal is None,
    )  # fmt: skip
    return main, (gladi,)


def operator_invites(
    event: EventInfo,
    operator: Contact,
    *,
    office: Office,
    sequence: int,
    stamp: datetime,
    join: JoinDetails | None,
    runs_event: bool,
    method: Literal["REQUEST", "CANCEL"] = "REQUEST",
) -> tuple[CalendarPart | None, tuple[CalendarPart, ...]]:
    """An operator's own invites for a request: the event they run, its rehearsal and the venue survey, each a
    file of its own with a stable UID of the operator's (`<ref>.op`, `<ref>.gladi.op`, `<ref>.survei.op`) and the
    SEQUENCE of their notices about it. Never a start link: the host's link stays in the mail's text."""
    lang = operator.language
    id_ = lang == "id"
    parts: list[CalendarPart] = []
    main = None
    if runs_event:
        main = calendar.invite(event, method=method, sequence=sequence, stamp=stamp, organizer=office,
                               attendee=operator, join=join, description=_ics_description(event, join, lang),
                               uid=calendar.part_uid(event.ref, "op"))  # fmt: skip
        if event.rehearsal is not None:
            parts.append(calendar.slot_invite(
                event.rehearsal, uid=calendar.part_uid(event.ref, "gladi.op"),
                summary=f"{'Gladi bersih' if id_ else 'Rehearsal'}: {event.title}", zone=event.timezone,
                method=method, sequence=sequence, stamp=stamp, organizer=office, attendee=operator,
                description=_rehearsal_description(event, event.rehearsal, lang), filename="gladi.ics",
            ))  # fmt: skip
    survey = event.survey
    if survey is not None and (not runs_event or operator.name in survey.people or not survey.people):
        parts.append(calendar.slot_invite(
            survey, uid=calendar.part_uid(event.ref, "survei.op"),
            summary=f"{'Survei lokasi' if id_ else 'Venue survey'}: {event.title}", zone=event.timezone,
            method=method, sequence=sequence, stamp=stamp, organizer=office, attendee=operator,
            description=(f"Survei lokasi untuk {event.title} ({event.ref})" if id_
                         else f"Venue survey for {event.title} ({event.ref})"),
            filename="survei.ics",
        ))  # fmt: skip
    if main is None and parts:
        main, parts = parts[0], parts[1:]
    return main, tuple(parts)


def _rehearsal_description(event: EventInfo, slot: Slot | None, lang: Language) -> str:
    if slot is None:
        return ""
    id_ = lang == "id"
    lines = [(f"Gladi bersih untuk {event.title}" if id_ else f"Rehearsal for {event.title}") + f" ({event.ref})"]
    if event.rehearsal is None:
        lines.append("Gladi bersih ini dibatalkan." if id_ else "This rehearsal is cancelled.")
    elif slot.online:
        lines.append("Daring lewat Zoom." if id_ else "Online on Zoom.")
        if slot.join_url:
            lines.append(("Tautan Zoom gladi: " if id_ else "Rehearsal Zoom link: ") + slot.join_url)
            if slot.passcode:
                lines.append(("Kode sandi: " if id_ else "Passcode: ") + slot.passcode)
        else:
            lines.append("Tautan Zoom gladi menyusul." if id_ else "The rehearsal's Zoom link will follow.")
    elif slot.venue:
        lines.append(("Tempat: " if id_ else "Venue: ") + slot.venue)
    return "\n".join(lines)


def _ics_description(event: EventInfo, join: JoinDetails | None, lang: Language) -> str:
    id_ = lang == "id"
    lines = [f"{event.title} ({event.unit}, {event.ref})"]
    if event.moved:
        lines.append(moved_note(event, lang))
    if join is not None:
        lines.append(("Tautan Zoom: " if id_ else "Zoom link: ") + join.join_url)
        if join.passcode:
            lines.append(("Kode sandi: " if id_ else "Passcode: ") + join.passcode)
        if join.meeting_id:
            lines.append(("ID rapat: " if id_ else "Meeting ID: ") + format_meeting_id(join.meeting_id))
    if event.venue:
        lines.append(("Tempat: " if id_ else "Venue: ") + event.venue)
    if event.rehearsal is not None:
        lines.append(
            ("Gladi bersih: " if id_ else "Rehearsal: ") + rehearsal_text(event.rehearsal, event.timezone, lang)
        )
    if event.kits:
        lines.append(("Peralatan: " if id_ else "Equipment: ") + kits_text(event.kits))
        k = event.kits[0]
        if id_:
            lines.append(
                f"Diambil mulai {when_text(k.pickup, event.timezone, lang)}, "
                f"dikembalikan paling lambat {when_text(k.due, event.timezone, lang)}"
            )
        else:
            lines.append(
                f"Pick up from {when_text(k.pickup, event.timezone, lang)}, "
                f"return by {when_text(k.due, event.timezone, lang)}"
            )
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
    if previous.rehearsal != event.rehearsal or previous.rehearsal_missed != (event.rehearsal_missed is not None):
        out.append("rehearsal")
    if previous.survey != event.survey:
        out.append("survey")
    if tuple(previous.kits) != tuple(event.kits) and not ("time" in out and _same_kits(previous.kits, event.kits)):
        out.append("kits")
    return out


def _same_kits(a: Sequence[KitLoan], b: Sequence[KitLoan]) -> bool:
    """The same kits and counts (their times follow the event's, said by the time change)."""
    return [(k.kit, k.count) for k in a] == [(k.kit, k.count) for k in b]


def _message(
    kind: str,
    audience: Literal["pic", "operator"],
    event: EventInfo,
    to: Contact,
    stamp: datetime,
    parts: dict[str, str],
    *,
    calendar: CalendarPart | None = None,
    more_calendars: tuple[CalendarPart, ...] = (),
    start_link: StartLinkRef | None = None,
) -> Message:
    """One message about one request, in its recipient's language."""
    return Message(
        kind=kind,
        audience=audience,
        request=event.ref,
        to=to,
        language=to.language,
        calendar=calendar,
        more_calendars=more_calendars,
        start_link=start_link,
        created_at=stamp,
        **parts,
    )


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
    dropped = previous.rehearsal if previous is not None and event.rehearsal is None else None
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
    ics, more = _ics(
        event,
        method="REQUEST",
        sequence=sequence,
        stamp=stamp,
        office=office,
        pic=pic,
        join=join,
        text=_ics_description(event, join, pic.language),
        cancelled_rehearsal=dropped,
    )
    return _message(kind, "pic", event, pic, stamp, parts, calendar=ics, more_calendars=more)


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
    ics: CalendarPart | None = None
    more: tuple[CalendarPart, ...] = ()
    if sequence is not None:
        ics, more = _ics(
            event,
            method="CANCEL",
            sequence=sequence,
            stamp=stamp,
            office=office,
            pic=pic,
            join=None,
            text=reason.text(pic.language),
        )
    return _message(kind, "pic", event, pic, stamp, parts, calendar=ics, more_calendars=more)


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
    return _message(kind, "pic", event, pic, stamp, parts)


def pic_alternative_offer(
    event: EventInfo,
    pic: Contact,
    *,
    office: Office,
    alternative: Slot,
    accept_url: str,
    reason: Reason,
    stamp: datetime,
) -> Message:
    """An admin's offer of one alternative to a request that cannot be served as asked: its time and every
    condition (participant cap, no operator), and the signed link that accepts it."""
    ctx = {"to": pic, "office": office, "event": event, "alternative": alternative, "accept_url": accept_url,
           "reason": reason.text(pic.language)}  # fmt: skip
    parts = render_parts("alternative", PIC_ALTERNATIVE, pic.language, event.timezone, ctx)
    return _message(PIC_ALTERNATIVE, "pic", event, pic, stamp, parts)


def pic_rehearsal_missed(event: EventInfo, pic: Contact, *, office: Office, stamp: datetime) -> Message:
    """The PIC's notice that the event is served but its (optional) rehearsal could not be scheduled."""
    if event.rehearsal_missed is None:
        raise ValueError(f"{event.ref}: no missed rehearsal to tell")
    ctx = {"to": pic, "office": office, "event": event, "reason": event.rehearsal_missed.text(pic.language)}
    parts = render_parts("rehearsal_missed", PIC_REHEARSAL_MISSED, pic.language, event.timezone, ctx)
    return _message(PIC_REHEARSAL_MISSED, "pic", event, pic, stamp, parts)


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
    rehearsal_host: HostDetails | None = None,
    sequence: int | None = None,
) -> Message:
    """An operator's assignment (or its change, or the reminder an hour before) with the host details, the
    rehearsal (and the host it runs on, when online) and the venue survey, if any.

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
        "rehearsal_host": rehearsal_host if event.rehearsal is not None else None,
    }
    parts = render_parts("assignment", kind, operator.language, event.timezone, ctx)
    ics: CalendarPart | None = None
    more: tuple[CalendarPart, ...] = ()
    if sequence is not None:  # the assignment and its changes carry invites; the hour-before reminder does not
        ics, more = operator_invites(event, operator, office=office, sequence=sequence, stamp=stamp, join=join,
                                     runs_event=True)  # fmt: skip
    return _message(kind, "operator", event, operator, stamp, parts, start_link=start_ref, calendar=ics,
                    more_calendars=more)  # fmt: skip


def operator_survey(
    event: EventInfo,
    operator: Contact,
    *,
    office: Office,
    pic: Contact,
    stamp: datetime,
    changed: bool = False,
    sequence: int | None = None,
) -> Message:
    """An operator's survey visit of a new venue before an event they do not run themselves."""
    if event.survey is None:
        raise ValueError(f"{event.ref}: no survey planned")
    ctx = {"to": operator, "office": office, "event": event, "pic": pic, "changed": changed}
    parts = render_parts("survey", OP_SURVEY, operator.language, event.timezone, ctx)
    ics: CalendarPart | None = None
    more: tuple[CalendarPart, ...] = ()
    if sequence is not None:
        ics, more = operator_invites(event, operator, office=office, sequence=sequence, stamp=stamp, join=None,
                                     runs_event=False)  # fmt: skip
    return _message(OP_SURVEY, "operator", event, operator, stamp, parts, calendar=ics, more_calendars=more)


def operator_rehearsal_reminder(
    event: EventInfo,
    operator: Contact,
    *,
    office: Office,
    pic: Contact,
    host: HostDetails,
    stamp: datetime,
) -> Message:
    """An hour before an online rehearsal: its own Zoom meeting's host details and a fresh start link (the
    placeholder, filled in by the outbox right before sending)."""
    if event.rehearsal is None or host.meeting_id is None:
        raise ValueError(f"{event.ref}: no online rehearsal meeting")
    start_ref = StartLinkRef(account=host.account, meeting_id=host.meeting_id)
    ctx = {
        "to": operator,
        "office": office,
        "event": event,
        "pic": pic,
        "host": host,
        "meeting_id": format_meeting_id(host.meeting_id),
        "start_link": START_LINK_PLACEHOLDER,
    }
    parts = render_parts("rehearsal_reminder", OP_REMINDER_REHEARSAL, operator.language, event.timezone, ctx)
    return _message(OP_REMINDER_REHEARSAL, "operator", event, operator, stamp, parts, start_link=start_ref)


def operator_released(
    event: EventInfo,
    operator: Contact,
    *,
    office: Office,
    reason: Reason,
    stamp: datetime,
    sequence: int | None = None,
    survey_only: bool = False,
) -> Message:
    """An operator is no longer needed for a request: with a `sequence`, the invites sent before are cancelled
    (METHOD:CANCEL on the same UIDs)."""
    ctx = {"to": operator, "office": office, "event": event, "reason": reason.text(operator.language)}
    parts = render_parts("released", OP_RELEASED, operator.language, event.timezone, ctx)
    ics: CalendarPart | None = None
    more: tuple[CalendarPart, ...] = ()
    if sequence is not None:
        ics, more = operator_invites(event, operator, office=office, sequence=sequence, stamp=stamp, join=None,
                                     runs_event=not survey_only, method="CANCEL")  # fmt: skip
    return _message(OP_RELEASED, "operator", event, operator, stamp, parts, calendar=ics, more_calendars=more)


def operator_series(
    series: EventInfo,
    operator: Contact,
    *,
    office: Office,
    pic: Contact,
    items: Sequence[CrewItem],
    host: HostDetails | None,
    join: JoinDetails | None,
    sequence: int,
    stamp: datetime,
) -> Message:
    """An operator's one notice about a series: the first lists every occurrence they work; a later one only the
    occurrences added, changed or released for them (the others are named as unchanged). One .ics holds a VEVENT
    per occurrence added or changed (UID `<ref>:<k>.op@…`, or `.survei.op` for a survey), SEQUENCE `sequence`; a
    second, METHOD:CANCEL, the released ones. The series' one meeting: one start-link placeholder, filled in by
    the outbox right before sending, when they run an occurrence."""
    lang = operator.language
    told = [it for it in items if it.change != "unchanged"]
    if not told:
        raise ValueError(f"{series.ref}: nothing to tell {operator.name}")
    working = [it for it in items if it.change != "released"]
    runs = any(it.role == "event" for it in working)
    start_ref = (
        StartLinkRef(account=host.account, meeting_id=host.meeting_id)
        if runs and host is not None and host.meeting_id is not None
        else None
    )
    ctx = {
        "to": operator,
        "office": office,
        "event": series,
        "pic": pic,
        "items": told,
        "kept": [it.event.ref for it in items if it.change == "unchanged"],
        "first": sequence == 0 and all(it.change == "added" for it in told),
        "released_only": all(it.change == "released" for it in told),
        "host": host if runs else None,
        "join": join if runs else None,
        "meeting_id": format_meeting_id(host.meeting_id) if runs and host and host.meeting_id else None,
        "start_link": START_LINK_PLACEHOLDER if start_ref else None,
        "working": len(working),
    }
    parts = render_parts("series_assignment", OP_SERIES, lang, series.timezone, ctx)
    invites = [p for it in told if it.change != "released" for p in _crew_invites(it, operator, office, sequence,
                                                                                  stamp, join, "REQUEST")]  # fmt: skip
    cancels = [p for it in told if it.change == "released" for p in _crew_invites(it, operator, office, sequence,
                                                                                 stamp, None, "CANCEL")]  # fmt: skip
    files = [calendar.bundle(invites, filename="undangan.ics")] if invites else []
    if cancels:
        files.append(calendar.bundle(cancels, filename="batal.ics"))
    return _message(OP_SERIES, "operator", series, operator, stamp, parts, calendar=files[0] if files else None,
                    more_calendars=tuple(files[1:]), start_link=start_ref)  # fmt: skip


def _crew_invites(
    item: CrewItem,
    operator: Contact,
    office: Office,
    sequence: int,
    stamp: datetime,
    join: JoinDetails | None,
    method: Literal["REQUEST", "CANCEL"],
) -> list[CalendarPart]:
    """The VEVENTs of one occurrence in an operator's calendar (the same UIDs as `operator_invites`)."""
    main, more = operator_invites(item.event, operator, office=office, sequence=sequence, stamp=stamp, join=join,
                                  runs_event=item.role == "event", method=method)  # fmt: skip
    return [p for p in (main, *more) if p is not None]


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
    ordered = sorted(items, key=lambda it: (it.start, it.event.ref, it.role))
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
