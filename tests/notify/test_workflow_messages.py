"""The office's workflow in notices: a flexible request at its planned time, rehearsals (gladi bersih), venue
surveys and kit loans, for PICs and operators, in Bahasa Indonesia and English.

Plans are built by hand (the solver is not asked to produce these features). The first half checks the pure
builders; the second half runs the store + Zoom sandbox + SMTP path end to end."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from allocator.notify import messages as m
from allocator.notify.events import _slot_json, notify_plan_changes, queue_daily_agendas, queue_reminders
from allocator.notify.model import AgendaItem, Contact, HostDetails, JoinDetails, Message, Office, Previous, Slot
from allocator.notify.planned import event_info, kit_loans, planned_times
from allocator.planner.domain import Assignment, MissedRehearsal, Plan, Request, SitePolicy, TaskSlot
from allocator.sync.worker import SyncWorker

from .conftest import Received, World, make_request

WITA = ZoneInfo("Asia/Makassar")
START_LINK = re.compile(r"/s/\d+|zak=|start_url", re.I)
OFFICE = Office(name="Dinas Kominfo Kabupaten Contoh", email="vicon@kominfo.example.go.id")
STAMP = datetime(2027, 1, 1, 0, 0, tzinfo=UTC)
JOIN = JoinDetails(join_url="https://zoom.example/j/85123456789?pwd=abc", passcode="428133", meeting_id=85123456789)
HOST = HostDetails(host="H500", account="kominfo", zoom_user="zoom500@kominfo.example.go.id", meeting_id=85123456789)
POLICY = SitePolicy(kit_pickup_min=60, kit_return_min=90)


def wita(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2027, 1, day, hour, minute, tzinfo=WITA)


def flexible(lang: str = "id", **kw: Any) -> Request:
    """Asked for Tue 5 Jan 09.00–11.00 WITA, any time between 08.00 and 14.00."""
    kw.setdefault("window_start", "2027-01-05T08:00")
    kw.setdefault("window_end", "2027-01-05T14:00")
    return make_request("REQ-F", "Asia/Makassar", "2027-01-05T09:00", "2027-01-05T11:00", lang=lang, **kw)


def planned(**kw: Any) -> Assignment:
    """Served at 10.00–12.00 WITA instead (the plan's choice)."""
    base: dict[str, Any] = {
        "request": "REQ-F",
        "host": "H500",
        "operators": ["OP1"],
        "start": wita(5, 10),
        "end": wita(5, 12),
    }
    base.update(kw)
    return Assignment(**base)


def online_rehearsal() -> TaskSlot:
    return TaskSlot(start=wita(4, 14), end=wita(4, 15), host="H100", operators=["OP1"])


def on_site_rehearsal() -> TaskSlot:
    return TaskSlot(start=wita(4, 9), end=wita(4, 10), operators=["OP1"], venue="Aula Kantor Bupati")


def survey() -> TaskSlot:
    return TaskSlot(start=wita(4, 10, 30), end=wita(4, 11, 30), operators=["OP2"], venue="Gedung Serbaguna")


def pic_of(req: Request) -> Contact:
    return Contact(name=req.pic.name, email=req.pic.email, language=req.pic.language)


def everything(msg: Message) -> str:
    cals = [c.content for c in ([msg.calendar] if msg.calendar else []) + list(msg.more_calendars)]
    return "\n".join([msg.subject, msg.text, msg.html, msg.short, *cals])


def vevents(msg: Message) -> list[Any]:
    """The events of the message's invites: the main one first, then the rehearsal's, each a file of its own with
    exactly one VEVENT (Outlook imports only the first event of a file)."""
    assert msg.calendar is not None
    out = []
    for part in (msg.calendar, *msg.more_calendars):
        (ev,) = Calendar.from_ical(part.content).walk("VEVENT")
        out.append(ev)
    return out


def assert_no_host_secrets(msg: Message) -> None:
    blob = everything(msg)
    assert not START_LINK.search(blob), msg.kind
    assert "zoom500@kominfo" not in blob and "zoom100@kominfo" not in blob, msg.kind
    assert m.START_LINK_PLACEHOLDER not in blob


# --- pure builders ------------------------------------------------------------------------------------


def test_planned_times_and_kit_window() -> None:
    req = flexible(kits=[{"kit": "CAM", "count": 2}])
    assert planned_times(req, None) == (req.start, req.end)
    assert planned_times(req, Assignment(request="REQ-F")) == (req.start, req.end)
    assert planned_times(req, planned()) == (wita(5, 10), wita(5, 12))
    (loan,) = kit_loans(req, wita(5, 10), wita(5, 12), POLICY, {"CAM": "Kamera konferensi"})
    assert (loan.name, loan.count) == ("Kamera konferensi", 2)
    assert loan.pickup == wita(5, 9) and loan.due == wita(5, 13, 30)
    assert kit_loans(req, wita(5, 10), wita(5, 12), POLICY)[0].name == "CAM"  # no name known: the id


def test_flexible_request_is_told_at_its_planned_time_in_both_languages() -> None:
    for lang, subject, when, note in (
        (
            "id",
            "Tautan Zoom: Rapat REQ-F – Selasa, 5 Januari 2027 pukul 10.00 WITA",
            "Selasa, 5 Januari 2027 pukul 10.00–12.00 WITA",
            "dijadwalkan pukul 10.00–12.00 WITA (diminta pukul 09.00–11.00 WITA)",
        ),
        (
            "en",
            "Zoom link: Rapat REQ-F – Tuesday, 5 January 2027, 10:00 WITA",
            "Tuesday, 5 January 2027, 10:00–12:00 WITA",
            "scheduled at 10:00–12:00 WITA (requested 09:00–11:00 WITA)",
        ),
    ):
        req = flexible(lang)
        event = event_info(req, planned(), POLICY)
        assert event.moved and event.start == wita(5, 10) and event.requested_start == wita(5, 9)
        msg = m.pic_scheduled(event, pic_of(req), office=OFFICE, join=JOIN, sequence=0, stamp=STAMP)
        assert msg.subject == subject
        for part in (msg.text, msg.html, msg.short):
            assert when in part and note in part, (lang, part)
        (ev,) = vevents(msg)
        assert ev.decoded("DTSTART") == wita(5, 10) and ev.decoded("DTEND") == wita(5, 12)
        assert note in str(ev["DESCRIPTION"])
        assert_no_host_secrets(msg)

        reminder = m.pic_reminder(event, pic_of(req), office=OFFICE, join=JOIN, lead="day", stamp=STAMP)
        assert when in reminder.text and note in reminder.text and note in reminder.html
        assert_no_host_secrets(reminder)

    # a planned day other than the requested one names both dates
    other_day = planned(start=wita(6, 9), end=wita(6, 11))
    req = flexible(window_end="2027-01-06T14:00")
    event = event_info(req, other_day, POLICY)
    msg = m.pic_scheduled(event, pic_of(req), office=OFFICE, join=JOIN, sequence=0, stamp=STAMP)
    assert "dijadwalkan Rabu, 6 Januari 2027 pukul 09.00–11.00 WITA " in msg.text
    assert "(diminta Selasa, 5 Januari 2027 pukul 09.00–11.00 WITA)" in msg.text


def test_a_request_at_its_own_time_says_nothing_about_moving() -> None:
    req = flexible()
    event = event_info(req, planned(start=None, end=None), POLICY)
    assert not event.moved
    msg = m.pic_scheduled(event, pic_of(req), office=OFFICE, join=JOIN, sequence=0, stamp=STAMP)
    assert "dijadwalkan pukul" not in msg.text and "diminta" not in msg.text
    assert "Selasa, 5 Januari 2027 pukul 09.00–11.00 WITA" in msg.text


def test_rehearsal_in_pic_mail_and_as_an_invite_of_its_own() -> None:
    req = flexible(rehearsal={"mode": "online"})
    rehearsal_join = JoinDetails(join_url="https://zoom.example/j/86000000001?pwd=gladi", passcode="777")
    event = event_info(req, planned(rehearsal=online_rehearsal()), POLICY, rehearsal_join=rehearsal_join)
    msg = m.pic_scheduled(event, pic_of(req), office=OFFICE, join=JOIN, sequence=3, stamp=STAMP)
    assert "Gladi bersih: Senin, 4 Januari 2027 pukul 14.00–15.00 WITA, daring (Zoom)" in msg.text
    assert "Tautan gladi: https://zoom.example/j/86000000001?pwd=gladi (kode sandi 777)" in msg.text
    assert "Gladi bersih: Senin, 4 Januari 2027 pukul 14.00–15.00 WITA, daring (Zoom)" in msg.short
    assert 'href="https://zoom.example/j/86000000001?pwd=gladi"' in msg.html
    main, gladi = vevents(msg)
    assert str(main["UID"]) == "REQ-F@vicon-allocator" and str(gladi["UID"]) == "REQ-F.gladi@vicon-allocator"
    assert int(main["SEQUENCE"]) == int(gladi["SEQUENCE"]) == 3
    assert str(gladi["SUMMARY"]) == "Gladi bersih: Rapat REQ-F"
    assert gladi.decoded("DTSTART") == wita(4, 14) and gladi["DTSTART"].params["TZID"] == "Asia/Makassar"
    # the rehearsal is its own Zoom meeting: its own link, never the event's
    assert str(gladi["URL"]) == rehearsal_join.join_url == str(gladi["LOCATION"])
    assert JOIN.join_url not in str(gladi.get("DESCRIPTION")) and str(gladi["STATUS"]) == "CONFIRMED"
    assert_no_host_secrets(msg)

    # without the rehearsal's link yet: said to follow, and the calendar names Zoom as the place
    event = event_info(req, planned(rehearsal=online_rehearsal()), POLICY)
    msg = m.pic_scheduled(event, pic_of(req), office=OFFICE, join=JOIN, sequence=0, stamp=STAMP)
    assert "tautan Zoom gladi bersih akan dikirim tersendiri" in msg.text
    _main, gladi = vevents(msg)
    assert "URL" not in gladi and str(gladi["LOCATION"]) == "Zoom (daring)"

    # English, on site
    req_en = flexible("en", rehearsal={"mode": "on_site"})
    event = event_info(req_en, planned(rehearsal=on_site_rehearsal()), POLICY)
    msg = m.pic_scheduled(event, pic_of(req_en), office=OFFICE, join=JOIN, sequence=0, stamp=STAMP)
    assert "Rehearsal   : Monday, 4 January 2027, 09:00–10:00 WITA, on site (Aula Kantor Bupati)" in msg.text
    _main, gladi = vevents(msg)
    assert str(gladi["SUMMARY"]) == "Rehearsal: Rapat REQ-F" and str(gladi["LOCATION"]) == "Aula Kantor Bupati"
    assert "URL" not in gladi


def test_kits_survey_and_operators_in_pic_mail() -> None:
    req = flexible(kits=[{"kit": "CAM", "count": 2}, {"kit": "MIC", "count": 1}])
    names = {"CAM": "Kamera konferensi", "MIC": "Mikrofon meja"}
    ops = {"OP1": "Sari Dewi", "OP2": "Andi Wijaya"}
    event = event_info(req, planned(survey=survey()), POLICY, kit_names=names, operator_names=ops)
    msg = m.pic_scheduled(event, pic_of(req), office=OFFICE, join=JOIN, sequence=0, stamp=STAMP)
    assert "Peralatan yang dipinjamkan: 2 × Kamera konferensi, 1 × Mikrofon meja" in msg.text
    # pickup = planned start 10.00 − 60 min; return = planned end 12.00 + 90 min, in the request's zone
    assert "diambil di kantor kami mulai Selasa, 5 Januari 2027 pukul 09.00 WITA" in msg.text
    assert "dikembalikan paling lambat Selasa, 5 Januari 2027 pukul 13.30 WITA" in msg.text
    assert "Senin, 4 Januari 2027 pukul 10.30–11.30 WITA, Gedung Serbaguna, oleh Andi Wijaya" in msg.text
    assert "Survei lokasi" in msg.text and "Survei lokasi" in msg.html
    assert "Peralatan: 2 × Kamera konferensi" in msg.short
    assert "Peralatan: 2 × Kamera konferensi, 1 × Mikrofon meja" in str(vevents(msg)[0]["DESCRIPTION"])

    req_en = flexible("en", kits=[{"kit": "CAM", "count": 2}])
    event = event_info(req_en, planned(survey=survey()), POLICY, kit_names=names, operator_names=ops)
    msg = m.pic_scheduled(event, pic_of(req_en), office=OFFICE, join=JOIN, sequence=0, stamp=STAMP)
    assert "Equipment lent to you: 2 × Kamera konferensi" in msg.text
    assert "pick it up at our office from Tuesday, 5 January 2027, 09:00 WITA" in msg.text
    assert "return it by Tuesday, 5 January 2027, 13:30 WITA" in msg.text
    assert "Venue survey: Monday, 4 January 2027, 10:30–11:30 WITA, Gedung Serbaguna, by Andi Wijaya" in msg.text
    day = m.pic_reminder(event, pic_of(req_en), office=OFFICE, join=JOIN, lead="day", stamp=STAMP)
    assert "2 × Kamera konferensi (pick up from Tuesday, 5 January 2027, 09:00 WITA" in day.text


def test_changes_of_time_rehearsal_survey_say_what_changed() -> None:
    req = flexible(rehearsal={"mode": "online"})
    before = event_info(req, planned(rehearsal=online_rehearsal()), POLICY)
    moved = planned(start=wita(5, 12), end=wita(5, 14), rehearsal=None, survey=survey())
    after = event_info(req, moved, POLICY, operator_names={"OP2": "Andi Wijaya"})
    previous = Previous(start=before.start, end=before.end, venue=before.venue, title=before.title,
                        rehearsal=before.rehearsal)  # fmt: skip
    msg = m.pic_scheduled(after, pic_of(req), office=OFFICE, join=JOIN, sequence=1, stamp=STAMP, previous=previous)
    assert msg.kind == m.PIC_CHANGED
    assert msg.subject == "Perubahan jadwal vicon: Rapat REQ-F – Selasa, 5 Januari 2027 pukul 12.00 WITA"
    assert "- Waktu: semula Selasa, 5 Januari 2027 pukul 10.00–12.00 WITA, menjadi Selasa, 5 Januari 2027 " in msg.text
    assert "- Gladi bersih dibatalkan (semula Senin, 4 Januari 2027 pukul 14.00–15.00 WITA, daring (Zoom))" in msg.text
    assert "- Survei lokasi: Senin, 4 Januari 2027 pukul 10.30–11.30 WITA" in msg.text
    # the rehearsal that is gone is sent as cancelled on its own UID, so calendars drop it
    main, gladi = vevents(msg)
    assert int(main["SEQUENCE"]) == 1 and str(main["STATUS"]) == "CONFIRMED"
    assert str(gladi["UID"]) == "REQ-F.gladi@vicon-allocator" and str(gladi["STATUS"]) == "CANCELLED"

    # a rehearsal newly placed, in English
    req_en = flexible("en", rehearsal={"mode": "online"})
    now_with = event_info(req_en, planned(rehearsal=online_rehearsal()), POLICY)
    previous = Previous(start=now_with.start, end=now_with.end, venue=now_with.venue, title=now_with.title,
                        rehearsal_missed=True)  # fmt: skip
    msg = m.pic_scheduled(now_with, pic_of(req_en), office=OFFICE, join=JOIN, sequence=2, stamp=STAMP,
                          previous=previous)  # fmt: skip
    assert "- Rehearsal scheduled: Monday, 4 January 2027, 14:00–15:00 WITA, online (Zoom)" in msg.text
    assert "Time:" not in msg.text


def test_missed_rehearsal_notice_in_the_pic_language() -> None:
    missed = MissedRehearsal(
        request="REQ-F",
        reason="no operator of the event is free for 60 min between Sat 2 Jan and Tue 5 Jan",
        reason_id="tidak ada operator acara yang kosong 60 menit antara Sab 2 Jan dan Sel 5 Jan",
    )
    for lang, subject, says in (
        ("id", "Gladi bersih tidak dapat dijadwalkan: Rapat REQ-F", "gladi bersih yang diminta tidak dapat"),
        ("en", "Rehearsal could not be scheduled: Rapat REQ-F", "the rehearsal you asked for could not be scheduled"),
    ):
        req = flexible(lang, rehearsal={"mode": "online"})
        event = event_info(req, planned(), POLICY, missed=missed)
        msg = m.pic_rehearsal_missed(event, pic_of(req), office=OFFICE, stamp=STAMP)
        assert msg.kind == m.PIC_REHEARSAL_MISSED and msg.calendar is None
        assert msg.subject.startswith(subject)
        assert says in msg.text and says in msg.html
        assert (missed.reason_id if lang == "id" else missed.reason) in msg.text
        assert (missed.reason if lang == "id" else missed.reason_id) not in msg.text
        assert_no_host_secrets(msg)
        # the confirmation says it too
        sched = m.pic_scheduled(event, pic_of(req), office=OFFICE, join=JOIN, sequence=0, stamp=STAMP)
        assert (missed.reason_id if lang == "id" else missed.reason) in sched.text
        assert len(vevents(sched)) == 1
    with pytest.raises(ValueError):
        m.pic_rehearsal_missed(event_info(flexible(), planned(), POLICY), pic_of(flexible()), office=OFFICE,
                               stamp=STAMP)  # fmt: skip


def test_operator_notices_and_agenda_have_rehearsal_and_survey_as_their_own_items() -> None:
    req = flexible(rehearsal={"mode": "online"})
    a = planned(rehearsal=online_rehearsal(), survey=survey())
    event = event_info(req, a, POLICY, operator_names={"OP2": "Andi Wijaya"})
    op = Contact(name="Sari Dewi", email="sari@kominfo.example.go.id")
    rehearsal_host = HostDetails(host="H100", account="kominfo", zoom_user="zoom100@kominfo.example.go.id")
    msg = m.operator_assignment(event, op, office=OFFICE, pic=pic_of(req), host=HOST, join=JOIN, stamp=STAMP,
                                rehearsal_host=rehearsal_host)  # fmt: skip
    assert "Waktu        : Selasa, 5 Januari 2027 pukul 10.00–12.00 WITA" in msg.text  # planned, not requested
    assert "Gladi bersih : Senin, 4 Januari 2027 pukul 14.00–15.00 WITA, daring (Zoom)" in msg.text
    assert "Host Zoom gladi: zoom100@kominfo.example.go.id" in msg.text
    assert "Survei lokasi: Senin, 4 Januari 2027 pukul 10.30–11.30 WITA, Gedung Serbaguna, oleh Andi Wijaya" in msg.text

    surveyor = Contact(name="Andi Wijaya", email="andi@kominfo.example.go.id", language="en")
    sv = m.operator_survey(event, surveyor, office=OFFICE, pic=pic_of(req), stamp=STAMP)
    assert sv.kind == m.OP_SURVEY and sv.start_link is None
    assert sv.subject == "Venue survey assignment: Gedung Serbaguna – Monday, 4 January 2027, 10:30 WITA"
    assert "Survey       : Monday, 4 January 2027, 10:30–11:30 WITA, Gedung Serbaguna" in sv.text
    assert "Event time   : Tuesday, 5 January 2027, 10:00–12:00 WITA" in sv.text
    sv_id = m.operator_survey(event, op, office=OFFICE, pic=pic_of(req), stamp=STAMP, changed=True)
    assert sv_id.subject.startswith("Perubahan penugasan survei: Gedung Serbaguna")

    day = datetime(2027, 1, 4).date()
    items = [
        AgendaItem(event=event, role="rehearsal", host=rehearsal_host, pic=pic_of(req)),
        AgendaItem(event=event, role="survey", pic=pic_of(req)),
    ]
    agenda = m.operator_agenda(op, office=OFFICE, day=day, zone="Asia/Makassar", items=items, stamp=STAMP)
    lines = agenda.text.splitlines()
    survey_line = next(i for i, line in enumerate(lines) if "Survei lokasi: Gedung Serbaguna" in line)
    gladi_line = next(i for i, line in enumerate(lines) if "Gladi bersih: Rapat REQ-F (daring)" in line)
    assert survey_line < gladi_line  # in time order: the survey at 10.30, the rehearsal at 14.00
    assert lines[survey_line].startswith("1. 10.30–11.30 WITA")
    assert lines[gladi_line].startswith("2. 14.00–15.00 WITA")
    assert "- 10.30–11.30 WITA Survei lokasi: Rapat REQ-F @ Gedung Serbaguna" in agenda.short
    assert "- 14.00–15.00 WITA Gladi bersih: Rapat REQ-F (daring)" in agenda.short
    en = m.operator_agenda(surveyor, office=OFFICE, day=day, zone="Asia/Makassar", items=items, stamp=STAMP)
    assert "Venue survey: Gedung Serbaguna, for Rapat REQ-F" in en.text and "Rehearsal (online)" in en.html


# --- store + Zoom sandbox + SMTP ------------------------------------------------------------------------


def publish(world: World, plan: Plan) -> None:
    """Publish a hand-built plan (kept whole by the store) and sync its meetings to the Zoom sandbox."""
    world.store.publish_plan(plan, actor="test", now=world.clock())
    report = SyncWorker(world.store, world.tenants, clock=world.clock).run_once()
    assert not report.failed, report.failed
    stored = world.store.published_plan()
    assert stored is not None
    assert stored.plan.assignments == sorted(plan.assignments, key=lambda a: a.request)
    assert stored.plan.missed_rehearsals == plan.missed_rehearsals


def run(world: World) -> list[str]:
    ob = world.outbox()
    keys = notify_plan_changes(ob)
    report = ob.send_pending()
    assert not report.gave_up and not report.retrying, (report, ob.status().problems)
    return keys


def text(r: Received) -> str:
    for part in r.msg.walk():
        if part.get_content_type() == "text/plain":
            return str(part.get_content())
    raise AssertionError("no text part")


def invite(r: Received) -> Calendar:
    """The mail's invites (the inline one and each attached .ics, one VEVENT per file) as one calendar to read."""
    (inline,) = [p for p in r.msg.walk() if p.get_content_type() == "text/calendar"]
    files = [p for p in r.msg.walk() if (p.get_filename() or "").endswith(".ics")]
    assert files[0].get_content().decode() == inline.get_content()
    out = Calendar()
    for f in files:
        (ev,) = Calendar.from_ical(f.get_content().decode()).walk("VEVENT")
        out.add_component(ev)
    return out


def test_planned_time_change_is_a_change_with_a_new_sequence(world: World) -> None:
    req = flexible()
    pic = req.pic.email or ""
    world.store.save_request(req, actor="test")
    publish(world, Plan(assignments=[planned()]))
    run(world)
    (first,) = world.inbox.to(pic)
    assert first.msg["Subject"] == "Tautan Zoom: Rapat REQ-F – Selasa, 5 Januari 2027 pukul 10.00 WITA"
    assert "dijadwalkan pukul 10.00–12.00 WITA (diminta pukul 09.00–11.00 WITA)" in text(first)
    (ev,) = invite(first).walk("VEVENT")
    assert ev.decoded("DTSTART") == wita(5, 10) and int(ev["SEQUENCE"]) == 0
    (op_mail,) = world.inbox.to("sari@kominfo.example.go.id")
    assert "Selasa, 5 Januari 2027 pukul 10.00–12.00 WITA" in text(op_mail)

    # nothing changed: nothing new
    assert run(world) == []

    # the plan moves the meeting within the window; the request itself is unchanged
    world.clock.advance(hours=1)
    publish(world, Plan(assignments=[planned(start=wita(5, 12), end=wita(5, 14))]))
    run(world)
    second = world.inbox.to(pic)[1]
    assert second.msg["Subject"] == "Perubahan jadwal vicon: Rapat REQ-F – Selasa, 5 Januari 2027 pukul 12.00 WITA"
    body = text(second)
    assert (
        "semula Selasa, 5 Januari 2027 pukul 10.00–12.00 WITA, menjadi Selasa, 5 Januari 2027 pukul 12.00–14.00" in body
    )
    assert "waktu dipindahkan dalam rentang waktu yang diizinkan unit Anda" in body
    assert "dijadwalkan pukul 12.00–14.00 WITA (diminta pukul 09.00–11.00 WITA)" in body
    (ev2,) = invite(second).walk("VEVENT")
    assert str(ev2["UID"]) == "REQ-F@vicon-allocator" and int(ev2["SEQUENCE"]) == 1
    assert ev2.decoded("DTSTART") == wita(5, 12)
    changed_op = world.inbox.to("sari@kominfo.example.go.id")[-1]
    assert changed_op.msg["Subject"].startswith(
        "Perubahan penugasan operator: Rapat REQ-F – Selasa, 5 Januari 2027 pukul 12.00"
    )

    # reminders follow the planned time, not the requested one
    ob = world.outbox()
    world.clock.t = wita(5, 9, 30).astimezone(UTC)  # 30 min after the requested start, 2.5 h before the planned
    (day_before,) = queue_reminders(ob)  # H-1 (the last notice is older than a day): keyed by the planned start
    assert day_before.startswith("pic.reminder_day:REQ-F:2027-01-05T04:00:00+00:00:")
    world.clock.t = wita(5, 11, 15).astimezone(UTC)
    assert len(queue_reminders(ob)) == 2  # PIC and operator, an hour before 12.00
    ob.send_pending()
    assert world.inbox.to(pic)[-1].msg["Subject"] == "Pengingat: Rapat REQ-F dimulai pukul 12.00 WITA"
    for r in world.inbox.to(pic):
        assert not START_LINK.search(r.raw.decode("utf-8", "replace")), r.msg["Subject"]
        assert b"zoom500@kominfo" not in r.raw


def test_rehearsal_survey_and_missed_rehearsal_end_to_end(world: World) -> None:
    event_req = make_request("REQ-G", "Asia/Makassar", "2027-01-05T09:00", "2027-01-05T11:00",
                             rehearsal={"mode": "online"}, kits=[{"kit": "CAM", "count": 1}])  # fmt: skip
    missed_req = make_request("REQ-M", "Asia/Makassar", "2027-01-06T09:00", "2027-01-06T11:00", lang="en",
                              rehearsal={"mode": "on_site"})  # fmt: skip
    for r in (event_req, missed_req):
        world.store.save_request(r, actor="test")
    rehearsal = TaskSlot(start=wita(4, 14), end=wita(4, 15), host="H100", operators=["OP1"])
    visit = TaskSlot(start=wita(4, 9), end=wita(4, 10), operators=["OP2"], venue="Aula Kantor Bupati")
    missed = MissedRehearsal(request="REQ-M", reason="no free slot for the rehearsal",
                             reason_id="tidak ada waktu kosong untuk gladi bersih")  # fmt: skip
    plan = Plan(
        assignments=[
            Assignment(request="REQ-G", host="H500", operators=["OP1"], rehearsal=rehearsal, survey=visit),
            Assignment(request="REQ-M", host="H100", operators=["OP1"]),
        ],
        missed_rehearsals=[missed],
    )
    publish(world, plan)
    run(world)
    run(world)  # nothing twice

    # the PIC: rehearsal, survey and kits in the mail, the rehearsal as an invite of its own
    (g,) = world.inbox.to(event_req.pic.email or "")
    body = text(g)
    assert "Gladi bersih: Senin, 4 Januari 2027 pukul 14.00–15.00 WITA, daring (Zoom)" in body
    assert "Survei lokasi: Senin, 4 Januari 2027 pukul 09.00–10.00 WITA, Aula Kantor Bupati, oleh Andi Wijaya" in body
    assert "Peralatan yang dipinjamkan: 1 × " in body
    assert "diambil di kantor kami mulai Selasa, 5 Januari 2027 pukul 08.00 WITA" in body  # default 60 min
    uids = [str(ev["UID"]) for ev in invite(g).walk("VEVENT")]
    assert uids == ["REQ-G@vicon-allocator", "REQ-G.gladi@vicon-allocator"]
    # the online rehearsal is its own Zoom meeting (made by the store and the sync worker): its link, not the event's
    gladi_meeting, event_meeting = world.store.rehearsal_meeting_for("REQ-G"), world.store.meeting_for("REQ-G")
    assert gladi_meeting is not None and gladi_meeting.join_url and event_meeting is not None
    assert gladi_meeting.join_url != event_meeting.join_url
    assert f"Tautan gladi: {gladi_meeting.join_url}" in body
    _main, gladi = invite(g).walk("VEVENT")
    assert str(gladi["URL"]) == gladi_meeting.join_url and str(_main["URL"]) == event_meeting.join_url
    assert not START_LINK.search(g.raw.decode("utf-8", "replace")) and b"zoom100@kominfo" not in g.raw

    # the missed rehearsal: the confirmation and one notice, in the PIC's language
    m_mails = world.inbox.to(missed_req.pic.email or "")
    assert [r.msg["X-Vicon-Kind"] for r in m_mails] == ["pic.scheduled", "pic.rehearsal_missed"]
    assert m_mails[1].msg["Subject"].startswith("Rehearsal could not be scheduled: Rapat REQ-M")
    assert "no free slot for the rehearsal" in text(m_mails[1])
    assert "tidak ada waktu kosong" not in text(m_mails[1])

    # the operators: OP1 runs the event and its rehearsal; OP2 only surveys the venue
    op1 = [r for r in world.inbox.to("sari@kominfo.example.go.id") if "REQ-G" in r.msg["Subject"]]
    assert len(op1) == 1 and "Gladi bersih : Senin, 4 Januari 2027 pukul 14.00–15.00 WITA" in text(op1[0])
    (op2,) = world.inbox.to("andi@kominfo.example.go.id")
    assert op2.msg["X-Vicon-Kind"] == "op.survey"
    assert op2.msg["Subject"] == "Penugasan survei lokasi: Aula Kantor Bupati – Senin, 4 Januari 2027 pukul 09.00 WITA"
    assert not START_LINK.search(op2.raw.decode("utf-8", "replace"))
    # each operator mail carries its own invites, one event per file, with the operator's own stable UIDs
    op1_events = {str(ev["UID"]): ev for ev in invite(op1[0]).walk("VEVENT")}
    assert set(op1_events) == {"REQ-G.op@vicon-allocator", "REQ-G.gladi.op@vicon-allocator"}
    assert all(int(ev["SEQUENCE"]) == 0 for ev in op1_events.values())
    assert op1_events["REQ-G.gladi.op@vicon-allocator"].decoded("DTSTART") == wita(4, 14)
    assert [p.get_filename() for p in op1[0].msg.walk() if p.get_filename()] == ["undangan.ics", "gladi.ics"]
    ics_text = "".join(p.get_content().decode() for p in op1[0].msg.walk() if p.get_filename())
    assert not START_LINK.search(ics_text) and m.START_LINK_PLACEHOLDER not in ics_text
    (survey_ev,) = invite(op2).walk("VEVENT")
    assert str(survey_ev["UID"]) == "REQ-G.survei.op@vicon-allocator"
    assert "Aula Kantor Bupati" in str(survey_ev["LOCATION"])

    # their agendas for Monday 4 January: the survey and the rehearsal as their own items
    world.clock.t = datetime(2027, 1, 4, 0, 30, tzinfo=UTC)  # 07.30 WIB (the site's zone)
    ob = world.outbox()
    assert len(queue_daily_agendas(ob)) == 2
    ob.send_pending()
    a1 = world.inbox.to("sari@kominfo.example.go.id")[-1]
    assert a1.msg["Subject"] == "Agenda vicon Senin, 4 Januari 2027"
    assert "1. 14.00–15.00 WITA — Gladi bersih: Rapat REQ-G (daring)" in text(a1)
    assert "Host Zoom: zoom100@kominfo.example.go.id" in text(a1)
    a2 = world.inbox.to("andi@kominfo.example.go.id")[-1]
    assert "1. 09.00–10.00 WITA — Survei lokasi: Aula Kantor Bupati, untuk Rapat REQ-G" in text(a2)

    # the survey moves to another operator: OP2 is released, OP1's assignment changes (it now has the survey)
    world.clock.t = datetime(2027, 1, 1, 2, 0, tzinfo=UTC)
    moved_visit = visit.model_copy(update={"operators": ["OP1"]})
    plan2 = plan.model_copy(
        update={"assignments": [plan.assignments[0].model_copy(update={"survey": moved_visit}), plan.assignments[1]]}
    )
    publish(world, plan2)
    run(world)
    released = world.inbox.to("andi@kominfo.example.go.id")[-1]
    assert released.msg["X-Vicon-Kind"] == "op.released"
    (gone,) = invite(released).walk("VEVENT")  # the survey invite sent before is cancelled, SEQUENCE raised
    assert str(gone["UID"]) == "REQ-G.survei.op@vicon-allocator" and str(gone["STATUS"]) == "CANCELLED"
    assert int(gone["SEQUENCE"]) == 1
    op1_change = world.inbox.to("sari@kominfo.example.go.id")[-1]
    uids = {str(ev["UID"]): int(ev["SEQUENCE"]) for ev in invite(op1_change).walk("VEVENT")}
    assert uids == {"REQ-G.op@vicon-allocator": 1, "REQ-G.gladi.op@vicon-allocator": 1,
                    "REQ-G.survei.op@vicon-allocator": 1}  # fmt: skip
    assert "Survei lokasi: Senin, 4 Januari 2027 pukul 09.00–10.00 WITA, Aula Kantor Bupati, oleh Sari Dewi" in text(
        world.inbox.to("sari@kominfo.example.go.id")[-1]
    )
    changed = world.inbox.to(event_req.pic.email or "")[-1]
    assert changed.msg["X-Vicon-Kind"] == "pic.changed"
    assert int(next(iter(invite(changed).walk("VEVENT")))["SEQUENCE"]) == 1
    assert len(world.inbox.to(missed_req.pic.email or "")) == 2  # the missed-rehearsal notice stays once

    # an hour before the online rehearsal: its operator gets the rehearsal meeting's own fresh start link
    ob = world.outbox()
    world.clock.t = (rehearsal.start - timedelta(minutes=50)).astimezone(UTC)
    keys = queue_reminders(ob)
    assert [k for k in keys if k.startswith("op.reminder_rehearsal:")] == [
        f"op.reminder_rehearsal:REQ-G/OP1:{rehearsal.start.isoformat()}:sari@kominfo.example.go.id"
    ]
    assert not [k for k in queue_reminders(ob) if k.startswith("op.reminder_rehearsal:")]  # once
    ob.send_pending()
    (host_mail,) = [
        r for r in world.inbox.to("sari@kominfo.example.go.id") if r.msg["X-Vicon-Kind"] == "op.reminder_rehearsal"
    ]
    assert host_mail.msg["Subject"] == "Tautan host gladi bersih: Rapat REQ-G – Senin, 4 Januari 2027 pukul 14.00 WITA"
    body = text(host_mail)
    assert "Host Zoom    : zoom100@kominfo.example.go.id" in body and m.START_LINK_PLACEHOLDER not in body
    assert gladi_meeting.zoom_meeting_id is not None and re.search(rf"/s/{gladi_meeting.zoom_meeting_id}\?zak=", body)
    for r in world.inbox.to(event_req.pic.email or ""):  # the PIC never gets a start link, a reminder included
        assert not START_LINK.search(r.raw.decode("utf-8", "replace")) and b"zoom100@kominfo" not in r.raw


def test_rehearsal_join_link_arriving_later_is_a_change(world: World) -> None:
    req = make_request("REQ-J", "Asia/Jakarta", "2027-01-05T09:00", "2027-01-05T11:00", rehearsal={"mode": "online"})
    world.store.save_request(req, actor="test")
    rehearsal = TaskSlot(start=req.start - timedelta(days=1), end=req.start - timedelta(days=1, minutes=-60),
                         host="H100", operators=["OP1"])  # fmt: skip
    publish(world, Plan(assignments=[Assignment(request="REQ-J", host="H500", operators=["OP1"],
                                                             rehearsal=rehearsal)]))  # fmt: skip
    ob = world.outbox()
    links: dict[str, JoinDetails] = {}
    notify_plan_changes(ob, rehearsal_join=links.get)
    ob.send_pending()
    (first,) = world.inbox.to(req.pic.email or "")
    assert "tautan Zoom gladi bersih akan dikirim tersendiri" in text(first)
    links["REQ-J"] = JoinDetails(join_url="https://zoom.example/j/86011112222?pwd=gladi")
    notify_plan_changes(ob, rehearsal_join=links.get)
    ob.send_pending()
    pic_mails = world.inbox.to(req.pic.email or "")
    assert len(pic_mails) == 2
    body = text(pic_mails[1])
    assert "Tautan gladi: https://zoom.example/j/86011112222?pwd=gladi" in body
    assert "Alasan perubahan: rapat Zoom untuk gladi bersih telah disiapkan" in body
    assert "- Tautan Zoom gladi bersih: https://zoom.example/j/86011112222?pwd=gladi" in body
    assert "semula" not in body
    _main, gladi = invite(pic_mails[1]).walk("VEVENT")
    assert str(gladi["URL"]) == "https://zoom.example/j/86011112222?pwd=gladi"


def test_snapshots_keep_the_keys_stored_before_alternatives_had_conditions() -> None:
    """A snapshot stored by an older version must still compare equal, or every PIC would get a "change" mail."""
    got = _slot_json(Slot(start=wita(4, 9), end=wita(4, 10), venue="Aula"))
    assert got is not None and set(got) == {"start", "end", "venue", "online", "join_url", "passcode", "people"}
