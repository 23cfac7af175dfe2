"""Calendar invites (iCalendar, RFC 5545, with iTIP methods of RFC 5546). Pure: data in, .ics text out.

- One stable UID per request, `<ref>@vicon-allocator`, so every update and the cancellation land on the same
  calendar event; the rehearsal (gladi bersih) is its own invite, `<ref>.gladi@vicon-allocator` (one VEVENT per
  .ics: Outlook imports only the first event of a file). An operator's invites carry their own UIDs
  (`<ref>.op@…`, `<ref>.gladi.op@…`, `<ref>.survei.op@…`), so they never collide with the PIC's.
- SEQUENCE is given by the caller and must rise with every change (the outbox derives it from the store).
- METHOD:REQUEST for an invite or update, METHOD:CANCEL (with STATUS:CANCELLED) for a cancellation.
- Times carry the request's IANA zone (DTSTART;TZID=Asia/Makassar) with a VTIMEZONE, so a calendar shows them
  right in any zone.
- LOCATION is the venue (or the join link when there is no venue); URL and DESCRIPTION carry the join link and
  passcode. Never a start link.
- The rehearsal's event has its own place: the venue when on site, its own join link (or "Zoom") when online;
  it never carries the main meeting's link. A rehearsal the PIC was told about and that is no longer planned is
  sent once more with STATUS:CANCELLED, so calendars drop it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from icalendar import Calendar, Component, Event, vCalAddress, vText

from allocator.notify.model import CalendarPart, Contact, EventInfo, JoinDetails, Office, Slot

PRODID = "-//vicon-allocator//notify//ID"
UID_DOMAIN = "vicon-allocator"
_UNSAFE = re.compile(r"[^A-Za-z0-9._:/-]")


def event_uid(ref: str) -> str:
    """The stable UID of a request's calendar event."""
    return f"{_UNSAFE.sub('_', ref)}@{UID_DOMAIN}"


def rehearsal_uid(ref: str) -> str:
    """The stable UID of a request's rehearsal event."""
    return f"{_UNSAFE.sub('_', ref)}.gladi@{UID_DOMAIN}"


def part_uid(ref: str, part: str) -> str:
    """The stable UID of one part of a request in someone's calendar (`op`, `gladi.op`, `survei.op`)."""
    return f"{_UNSAFE.sub('_', ref)}.{part}@{UID_DOMAIN}"


def _address(email: str, name: str) -> vCalAddress:
    addr = vCalAddress(f"mailto:{email}")
    addr.params["CN"] = vText(name)
    return addr


def _vevent(
    *,
    uid: str,
    summary: str,
    start: datetime,
    end: datetime,
    zone: str,
    sequence: int,
    stamp: datetime,
    method: Literal["REQUEST", "CANCEL"],
    organizer: Office,
    attendee: Contact | None,
    location: str | None,
    description: str,
    url: str | None,
    cancelled: bool = False,
) -> Event:
    tz = ZoneInfo(zone)
    ev = Event()
    ev.add("uid", uid)
    ev.add("dtstamp", stamp)
    ev.add("sequence", sequence)
    ev.add("dtstart", start.astimezone(tz))
    ev.add("dtend", end.astimezone(tz))
    ev.add("summary", summary)
    ev.add("status", "CANCELLED" if method == "CANCEL" or cancelled else "CONFIRMED")
    ev.add("transp", "OPAQUE")
    ev.add("organizer", _address(organizer.email, organizer.name))
    if attendee is not None and attendee.email:
        att = _address(attendee.email, attendee.name)
        att.params["ROLE"] = vText("REQ-PARTICIPANT")
        att.params["PARTSTAT"] = vText("NEEDS-ACTION")
        att.params["RSVP"] = vText("FALSE")
        ev.add("attendee", att)
    if location:
        ev.add("location", location)
    if url:
        ev.add("url", url)
    if description:
        ev.add("description", description)
    return ev


def invite(
    event: EventInfo,
    *,
    method: Literal["REQUEST", "CANCEL"],
    sequence: int,
    stamp: datetime,
    organizer: Office,
    attendee: Contact | None = None,
    join: JoinDetails | None = None,
    description: str = "",
    summary: str | None = None,
    uid: str | None = None,
) -> CalendarPart:
    """The .ics for a request's event; its rehearsal is `rehearsal_invite`, a file of its own."""
    if sequence < 0:
        raise ValueError("SEQUENCE starts at 0")
    if stamp.tzinfo is None:
        raise ValueError("stamp must be timezone-aware")
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    location = event.venue or (join.join_url if join else None)
    url = join.join_url if join else None
    uid = uid or event_uid(event.ref)
    main = _vevent(
        uid=uid,
        summary=summary or event.title,
        start=event.start,
        end=event.end,
        zone=event.timezone,
        sequence=sequence,
        stamp=stamp,
        method=method,
        organizer=organizer,
        attendee=attendee,
        location=location,
        description=description,
        url=url,
    )
    cal.add_component(main)
    if event.recurrence is not None:
        _repeat(cal, main, event, uid=uid, sequence=sequence, stamp=stamp, method=method, organizer=organizer,
                attendee=attendee, location=location, description=description, url=url)  # fmt: skip
    cal.add_missing_timezones()
    content = cal.to_ical().decode("utf-8")
    filename = "batal.ics" if method == "CANCEL" else "undangan.ics"
    return CalendarPart(method=method, uid=uid, sequence=sequence, content=content, filename=filename)


def _repeat(cal: Calendar, main: Event, event: EventInfo, **same: object) -> None:
    """A series: one event that repeats (RRULE), the occurrences not held left out (EXDATE), a moved one as an
    exception of the same UID (RECURRENCE-ID), so the PIC's calendar holds one series with one link."""
    tz = ZoneInfo(event.timezone)
    assert event.recurrence is not None
    main.add("rrule", {k: v for k, v in event.recurrence.items()})
    skipped = [o.nominal.astimezone(tz) for o in event.occurrences if o.start is None]
    if skipped:
        main.add("exdate", skipped)
    length = event.end - event.start
    for o in event.occurrences:
        if o.start is None or o.end is None or (o.start == o.nominal and o.end - o.start == length):
            continue  # not held (EXDATE), or held as the rule says
        moved = _vevent(start=o.start, end=o.end, zone=event.timezone, summary=str(main["summary"]),
                        **same)  # type: ignore[arg-type]  # fmt: skip
        moved.add("recurrence-id", o.nominal.astimezone(tz))
        cal.add_component(moved)


def slot_invite(
    slot: Slot,
    *,
    uid: str,
    summary: str,
    zone: str,
    method: Literal["REQUEST", "CANCEL"],
    sequence: int,
    stamp: datetime,
    organizer: Office,
    attendee: Contact | None,
    description: str,
    filename: str,
    online_location: str = "Zoom",
    cancelled: bool = False,
) -> CalendarPart:
    """One .ics with one VEVENT for a rehearsal or a survey: on site at its venue, online at its own join link
    (never the main meeting's). `cancelled`: told before and no longer planned, sent again as cancelled."""
    if sequence < 0:
        raise ValueError("SEQUENCE starts at 0")
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    cal.add_component(
        _vevent(
            uid=uid, summary=summary, start=slot.start, end=slot.end, zone=zone, sequence=sequence, stamp=stamp,
            method=method, organizer=organizer, attendee=attendee,
            location=slot.venue if not slot.online else (slot.join_url or online_location),
            description=description, url=slot.join_url if slot.online else None, cancelled=cancelled,
        )
    )  # fmt: skip
    cal.add_missing_timezones()
    name = f"batal-{filename}" if method == "CANCEL" or cancelled else filename
    return CalendarPart(method=method, uid=uid, sequence=sequence, content=cal.to_ical().decode("utf-8"),
                        filename=name)  # fmt: skip


def bundle(parts: Sequence[CalendarPart], *, filename: str) -> CalendarPart:
    """Several invites of one method in one .ics, one VEVENT each with its own UID and SEQUENCE (RFC 6047 §4.4):
    a series' occurrences an operator works, in one file. Calendars that read only a file's first event (Outlook)
    still have every occurrence in the mail's text."""
    if not parts:
        raise ValueError("nothing to bundle")
    methods = {p.method for p in parts}
    if len(methods) != 1:
        raise ValueError("one method per .ics")
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", parts[0].method)
    zones: dict[str, Component] = {}
    events: list[Component] = []
    for p in parts:
        for comp in Calendar.from_ical(p.content).subcomponents:
            if comp.name == "VTIMEZONE":
                zones.setdefault(str(comp["TZID"]), comp)
            elif comp.name == "VEVENT":
                events.append(comp)
    for comp in [*zones.values(), *events]:
        cal.add_component(comp)
    return CalendarPart(method=parts[0].method, uid=parts[0].uid, sequence=max(p.sequence for p in parts),
                        content=cal.to_ical().decode("utf-8"), filename=filename)  # fmt: skip
