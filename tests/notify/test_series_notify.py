"""A series' PIC gets one mail with one join link and one repeating calendar event (RRULE, EXDATE for an occurrence
not held, RECURRENCE-ID for a moved one); a change is the same UID with a higher SEQUENCE."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Calendar

from allocator.notify.events import notify_plan_changes, queue_daily_agendas, queue_reminders
from allocator.planner.domain import Assignment, OccurrenceChange

from .conftest import Received, World, make_request

WITA = ZoneInfo("Asia/Makassar")


def _run(world: World) -> None:
    ob = world.outbox()
    notify_plan_changes(ob)
    report = ob.send_pending()
    assert not report.gave_up and not report.retrying


def _calendar(r: Received) -> Calendar:
    (part,) = [p for p in r.msg.walk() if p.get_content_type() == "text/calendar"]
    return Calendar.from_ical(part.get_content())


def _text(r: Received) -> str:
    return next(p.get_content() for p in r.msg.walk() if p.get_content_type() == "text/plain")


def test_one_mail_one_link_one_repeating_event(world: World) -> None:
    series = {"repeat": "daily", "count": 3}
    req = make_request("LAT", "Asia/Makassar", "2027-01-05T09:00", "2027-01-05T12:00", title="Pelatihan Operator",
                       series=series)  # fmt: skip
    pic = req.pic.email
    assert pic is not None
    world.store.save_request(req, actor="test")
    world.publish(*[Assignment(request=f"LAT:{k}", host="H100", operators=["OP1"]) for k in (1, 2, 3)])
    meeting = world.store.meeting_for("LAT")
    assert meeting is not None and meeting.join_url
    _run(world)
    (first,) = world.inbox.to(pic)
    text = _text(first)
    assert text.count(meeting.join_url) == 1 and "3 pertemuan, satu tautan Zoom" in text
    assert "Kamis, 7 Januari 2027 pukul 09.00–12.00 WITA" in text
    (ev,) = list(_calendar(first).walk("VEVENT"))
    assert str(ev["UID"]) == "LAT@vicon-allocator" and int(ev["SEQUENCE"]) == 0
    rule = ev["RRULE"]
    assert rule["FREQ"] == ["DAILY"] and rule["COUNT"] == [3]
    assert ev.decoded("DTSTART") == datetime(2027, 1, 5, 9, 0, tzinfo=WITA)

    # The second day is cancelled and the third moved: the same event, a higher SEQUENCE, EXDATE and an exception.
    changes = [
        {"occurrence": 2, "cancelled": True},
        {"occurrence": 3, "start": "2027-01-07T13:00:00+08:00", "end": "2027-01-07T15:00:00+08:00"},
    ]
    assert req.series is not None
    pattern = req.series.model_copy(update={"changes": [OccurrenceChange.model_validate(c) for c in changes]})
    world.store.save_request(req.model_copy(update={"series": pattern}), actor="test")
    world.plan.pop("LAT:2")
    world.publish()
    _run(world)
    first_mail, changed = world.inbox.to(pic)
    assert first_mail is first
    events = list(_calendar(changed).walk("VEVENT"))
    main = next(e for e in events if "RECURRENCE-ID" not in e)
    moved = next(e for e in events if "RECURRENCE-ID" in e)
    assert str(main["UID"]) == str(moved["UID"]) == "LAT@vicon-allocator" and int(main["SEQUENCE"]) == 1
    assert [d.dt for d in main["EXDATE"].dts] == [datetime(2027, 1, 6, 9, 0, tzinfo=WITA)]
    assert moved.decoded("RECURRENCE-ID") == datetime(2027, 1, 7, 9, 0, tzinfo=WITA)
    assert moved.decoded("DTSTART") == datetime(2027, 1, 7, 13, 0, tzinfo=WITA)
    assert "tidak dilaksanakan" in _text(changed) and meeting.join_url in _text(changed)
    # Zoom has the same: the second occurrence deleted, the third moved, one meeting throughout.
    zoom = world.tenants.client("kominfo").get_meeting(meeting.zoom_meeting_id or 0)
    assert [o.status for o in zoom.occurrences] == ["available", "deleted", "available"]
    assert zoom.join_url == meeting.join_url


def test_a_series_not_served_at_all_is_told_why(world: World) -> None:
    from allocator.planner.domain import Plan, Unserved

    req = make_request("LAT2", "Asia/Makassar", "2027-01-05T09:00", "2027-01-05T12:00",
                       series={"repeat": "daily", "count": 2})  # fmt: skip
    world.store.save_request(req, actor="test")
    why = [Unserved(request=f"LAT2:{k}", code="hosts_busy", reason="no host with 80 seats is free",
                    reason_id="tidak ada host 80 peserta yang kosong") for k in (1, 2)]  # fmt: skip
    world.store.publish_plan(Plan(assignments=[], unserved=why), actor="test", now=world.clock())
    _run(world)
    (mail,) = world.inbox.to(req.pic.email or "")
    assert "belum dapat kami layani" in _text(mail) and "lisensi Zoom kami untuk 80 peserta" in _text(mail)


def test_a_monthly_series_repeats_monthly_in_the_calendar(world: World) -> None:
    """Issue 18: every first Tuesday (BYDAY=1TU) or the same day of the month (BYMONTHDAY), as the planner's
    occurrences: the calendar's own expansion of the rule gives exactly their dates."""
    from dateutil.rrule import rrulestr

    from allocator.planner.domain import occurrences

    for ref, series, want in [
        ("BUL-1", {"repeat": "monthly", "count": 3, "month_week": 1}, {"BYDAY": ["1TU"]}),
        ("BUL-2", {"repeat": "monthly", "count": 3, "every": 2}, {"BYMONTHDAY": [5]}),
    ]:
        req = make_request(ref, "Asia/Makassar", "2027-01-05T09:00", "2027-01-05T11:00", title="Rapat Bulanan",
                           series=series)  # fmt: skip
        world.store.save_request(req, actor="test")
        world.publish(*[Assignment(request=f"{ref}:{k}", host="H100", operators=["OP1"]) for k in (1, 2, 3)])
        _run(world)
        mail = world.inbox.to(req.pic.email or "")[-1]
        (ev,) = [e for e in _calendar(mail).walk("VEVENT") if str(e["UID"]) == f"{ref}@vicon-allocator"]
        rule = ev["RRULE"]
        assert rule["FREQ"] == ["MONTHLY"] and rule["COUNT"] == [3]
        assert {k: rule[k] for k in want} == want
        start = ev.decoded("DTSTART")
        expanded = list(rrulestr(rule.to_ical().decode(), dtstart=start))
        assert expanded == [o.start.astimezone(WITA) for o in occurrences(req)]


SARI, ANDI = "sari@kominfo.example.go.id", "andi@kominfo.example.go.id"


def _subjects(world: World, address: str) -> list[str]:
    return [str(r.msg["Subject"]).strip() for r in world.inbox.to(address)]


def _series_with_crews(world: World, ref: str = "LAT3") -> None:
    """A three-day training: days 1 and 2 run by OP1 (Sari), day 3 by OP2 (Andi)."""
    req = make_request(ref, "Asia/Makassar", "2027-01-05T09:00", "2027-01-05T12:00", title="Pelatihan Operator",
                       series={"repeat": "daily", "count": 3})  # fmt: skip
    world.store.save_request(req, actor="test")
    world.publish(
        Assignment(request=f"{ref}:1", host="H100", operators=["OP1"]),
        Assignment(request=f"{ref}:2", host="H100", operators=["OP1"]),
        Assignment(request=f"{ref}:3", host="H100", operators=["OP2"]),
    )


def _events(r: Received, method: str = "REQUEST") -> list[Any]:
    """The VEVENTs of the mail's .ics attachment of one METHOD."""
    out = []
    for part in r.msg.iter_attachments():
        if part.get_content_type() == "application/ics":
            cal = Calendar.from_ical(part.get_payload(decode=True))
            if str(cal["METHOD"]) == method:
                out += list(cal.walk("VEVENT"))
    return out


def test_one_operator_mail_per_series_with_a_vevent_per_occurrence(world: World) -> None:
    """Issue 18: a 3-day training with the same operator: ONE mail listing the three days, one .ics with three
    VEVENTs (a stable UID each); a change to one day: one mail naming that day only, SEQUENCE 1."""
    req = make_request("LAT7", "Asia/Makassar", "2027-01-05T09:00", "2027-01-05T12:00", title="Pelatihan Operator",
                       series={"repeat": "daily", "count": 3})  # fmt: skip
    world.store.save_request(req, actor="test")
    world.publish(*[Assignment(request=f"LAT7:{k}", host="H100", operators=["OP1"]) for k in (1, 2, 3)])
    _run(world)
    (mail,) = world.inbox.to(SARI)
    assert str(mail.msg["Subject"]).strip() == (
        "Penugasan operator: Pelatihan Operator – 3 pertemuan, mulai Selasa, 5 Januari 2027 pukul 09.00 WITA"
    )
    text = _text(mail)
    for k, day in ((1, "Selasa, 5 Januari 2027"), (2, "Rabu, 6 Januari 2027"), (3, "Kamis, 7 Januari 2027")):
        assert f"- LAT7:{k}: {day} pukul 09.00–12.00 WITA, Aula Kantor Bupati" in text
    assert text.count("Peran: operator; host Zoom zoom100@kominfo.example.go.id") == 3
    meeting = world.store.meeting_for("LAT7")
    assert meeting is not None and meeting.join_url is not None and meeting.join_url in text
    # The start link is fetched at send time (the series' one meeting), never the placeholder, never stored.
    assert meeting.zoom_meeting_id is not None and "[[vicon-start-link]]" not in text
    assert text.count(f"/s/{meeting.zoom_meeting_id}?zak=sbx-zak-") == 1
    stored = world.outbox().records(request="LAT7")
    assert stored and not any("zak=" in str(rec.payload) for rec in stored)
    events = _events(mail)
    assert [str(e["UID"]) for e in events] == [f"LAT7:{k}.op@vicon-allocator" for k in (1, 2, 3)]
    assert {int(e["SEQUENCE"]) for e in events} == {0}
    assert [e.decoded("DTSTART") for e in events] == [datetime(2027, 1, 5 + k, 9, 0, tzinfo=WITA) for k in range(3)]
    assert len(world.inbox.to("pic.lat7@unit.example.go.id")) == 1  # the PIC's one notice, as before

    # Day 2 moves to the afternoon: one mail to Sari naming day 2 only, its VEVENT alone with SEQUENCE 1.
    assert req.series is not None
    moved = OccurrenceChange(occurrence=2, start=datetime(2027, 1, 6, 5, 0, tzinfo=UTC),
                             end=datetime(2027, 1, 6, 8, 0, tzinfo=UTC))  # fmt: skip
    world.store.save_request(req.model_copy(update={"series": req.series.model_copy(update={"changes": [moved]})}),
                             actor="test")  # fmt: skip
    world.publish()
    _run(world)
    first, changed = world.inbox.to(SARI)
    assert first is mail
    assert str(changed.msg["Subject"]).strip() == "Perubahan penugasan operator: Pelatihan Operator – 1 pertemuan"
    text = _text(changed)
    assert "- LAT7:2: Rabu, 6 Januari 2027 pukul 13.00–16.00 WITA" in text and "Berubah" in text
    assert "- LAT7:1" not in text and "- LAT7:3" not in text
    assert "tidak berubah (LAT7:1, LAT7:3)" in text
    (ev,) = _events(changed)
    assert str(ev["UID"]) == "LAT7:2.op@vicon-allocator" and int(ev["SEQUENCE"]) == 1
    assert ev.decoded("DTSTART") == datetime(2027, 1, 6, 13, 0, tzinfo=WITA)
    _run(world)
    assert len(world.inbox.to(SARI)) == 2  # nothing twice


def test_an_operator_on_two_of_three_occurrences_is_told_only_theirs(world: World) -> None:
    _series_with_crews(world)
    _run(world)
    (sari,), (andi,) = world.inbox.to(SARI), world.inbox.to(ANDI)
    assert "- LAT3:1: Selasa, 5 Januari 2027" in _text(sari) and "- LAT3:2: Rabu, 6 Januari 2027" in _text(sari)
    assert "LAT3:3" not in _text(sari) and "2 pertemuan" in str(sari.msg["Subject"])
    assert [str(e["UID"]) for e in _events(sari)] == ["LAT3:1.op@vicon-allocator", "LAT3:2.op@vicon-allocator"]
    assert "- LAT3:3: Kamis, 7 Januari 2027" in _text(andi) and "LAT3:1" not in _text(andi)
    meeting = world.store.meeting_for("LAT3")
    assert meeting is not None and meeting.join_url is not None
    assert all(meeting.join_url in _text(r) for r in (sari, andi))  # the series' one meeting
    # The PIC's one notice names every occurrence's crew.
    (pic_mail,) = world.inbox.to("pic.lat3@unit.example.go.id")
    assert "Sari Dewi" in _text(pic_mail) and "Andi Wijaya" in _text(pic_mail)

    # Day 2 goes to Andi: Sari is released from day 2 only, Andi gets day 2; no one else hears anything.
    world.publish(Assignment(request="LAT3:2", host="H100", operators=["OP2"]))
    _run(world)
    (new_sari,), (new_andi,) = world.inbox.to(SARI)[1:], world.inbox.to(ANDI)[1:]
    assert str(new_sari.msg["Subject"]).strip() == "Penugasan dibatalkan: Pelatihan Operator – 1 pertemuan"
    assert "- LAT3:2: Rabu" in _text(new_sari) and "dialihkan kepada operator lain" in _text(new_sari)
    assert "- LAT3:1" not in _text(new_sari) and not _events(new_sari)
    (cancel,) = _events(new_sari, "CANCEL")
    assert str(cancel["UID"]) == "LAT3:2.op@vicon-allocator" and int(cancel["SEQUENCE"]) == 1
    assert "- LAT3:2: Rabu" in _text(new_andi) and "Baru untuk Anda" in _text(new_andi)
    assert "- LAT3:3" not in _text(new_andi)
    assert [str(e["UID"]) for e in _events(new_andi)] == ["LAT3:2.op@vicon-allocator"]
    assert len(world.inbox.to("pic.lat3@unit.example.go.id")) == 1  # the same people, the same link: no change
    _run(world)
    assert len(world.inbox.messages) == 5  # nothing twice


def test_an_operator_series_notice_in_english(world: World) -> None:
    world.config = world.config.model_copy(update={"operator_language": "en"})
    _series_with_crews(world, "LAT8")
    _run(world)
    (sari,) = world.inbox.to(SARI)
    assert str(sari.msg["Subject"]).strip() == (
        "Operator assignment: Pelatihan Operator – 2 sessions, from Tuesday, 5 January 2027, 09:00 WITA"
    )
    assert "You are assigned to this vicon series, 2 sessions" in _text(sari)
    assert "Role: operator; Zoom host zoom100@kominfo.example.go.id" in _text(sari)
    assert sari.msg["Content-Language"] == "en"


def test_operators_told_per_occurrence_before_get_the_rest_as_changes(world: World) -> None:
    """An operator told of each occurrence under its own reference (before series notices) is not told again of
    what they know; a later change carries a SEQUENCE above those notices'."""
    from allocator.notify import events

    _series_with_crews(world, "LAT9")
    ob = world.outbox()
    snap = events.snapshot(world.store, world.clock())
    (req,) = [r for r in snap.requests if r.ref == "LAT9"]
    for occ in snap.parts(req):  # what the previous version recorded: one notice per occurrence
        events._record(ob, events.operator_notices(events._Request(snap, world.store, ob, occ, None)))
    _run(world)
    before = len(world.inbox.to(SARI))
    assert before == 2 and all(str(r.msg["Subject"]).startswith("Penugasan operator:") for r in world.inbox.to(SARI))
    world.publish(Assignment(request="LAT9:2", host="H100", operators=["OP2"]))
    _run(world)
    (released,) = world.inbox.to(SARI)[before:]
    (cancel,) = _events(released, "CANCEL")
    assert str(cancel["UID"]) == "LAT9:2.op@vicon-allocator" and int(cancel["SEQUENCE"]) == 2


def test_a_cancelled_occurrence_releases_only_its_crew(world: World) -> None:
    _series_with_crews(world, "LAT4")
    _run(world)
    stored = world.store.get_request("LAT4")
    assert stored is not None and stored.series is not None
    pattern = stored.series.model_copy(update={"changes": [OccurrenceChange(occurrence=3, cancelled=True)]})
    world.store.save_request(stored.model_copy(update={"series": pattern}), actor="test")
    world.plan.pop("LAT4:3")
    world.publish()
    _run(world)
    assert _subjects(world, ANDI)[-1] == "Penugasan dibatalkan: Pelatihan Operator – 1 pertemuan"
    assert "dibatalkan atas permintaan unit Anda" in _text(world.inbox.to(ANDI)[-1])
    assert len(world.inbox.to(SARI)) == 1  # days 1 and 2 unchanged: nothing more


def test_reminders_before_every_occurrence_once_each_across_restarts(world: World) -> None:
    _series_with_crews(world, "LAT5")
    _run(world)
    pic = "pic.lat5@unit.example.go.id"
    first = datetime(2027, 1, 5, 9, 0, tzinfo=WITA)
    expected: list[tuple[str, str]] = []  # (recipient, subject start) of each reminder, in order
    for k, op in ((1, SARI), (2, SARI), (3, ANDI)):
        start = first + timedelta(days=k - 1)
        for at, wanted in ((start - timedelta(hours=20), [(pic, "Pengingat: Pelatihan Operator besok")]),
                           (start - timedelta(minutes=50), [(pic, "Pengingat: Pelatihan Operator dimulai pukul 09.00"),
                                                            (op, "Tautan host: Pelatihan Operator")])):  # fmt: skip
            world.clock.t = at
            for _restart in range(2):  # a daemon restarted: a new outbox over the same store records nothing new
                ob = world.outbox()
                queue_reminders(ob)
                ob.send_pending()
            expected += wanted
    got = [(m.rcpt[0], str(m.msg["Subject"]).strip()) for m in world.inbox.messages[3:]]  # after the 3 notices
    assert len(got) == len(expected) == 9
    for (to, subject), (want_to, prefix) in zip(got, expected, strict=True):
        assert to == want_to and subject.startswith(prefix), (to, subject)
    # Each reminder names its own occurrence's day; the host link goes to that day's operator only.
    day3 = [m for m in world.inbox.to(ANDI) if str(m.msg["Subject"]).startswith("Tautan host")]
    assert len(day3) == 1 and "Kamis, 7 Januari 2027" in _text(day3[0])
    assert "Rabu, 6 Januari 2027" in str(world.inbox.to(pic)[3].msg["Subject"])  # day 2's H-1


def test_an_occurrence_crew_gets_it_in_their_daily_agenda(world: World) -> None:
    _series_with_crews(world, "LAT6")
    _run(world)
    world.clock.t = datetime(2027, 1, 7, 0, 30, tzinfo=UTC)  # 07.30 WIB on day 3
    ob = world.outbox()
    queue_daily_agendas(ob)
    ob.send_pending()
    assert _subjects(world, SARI)[-1] != "Agenda vicon Kamis, 7 Januari 2027"  # Sari has nothing on day 3
    agenda = world.inbox.to(ANDI)[-1]
    assert str(agenda.msg["Subject"]).strip() == "Agenda vicon Kamis, 7 Januari 2027"
    assert "09.00–12.00 WITA" in _text(agenda) and "LAT6:3" in _text(agenda)
