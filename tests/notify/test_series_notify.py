"""A series' PIC gets one mail with one join link and one repeating calendar event (RRULE, EXDATE for an occurrence
not held, RECURRENCE-ID for a moved one); a change is the same UID with a higher SEQUENCE."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar

from allocator.notify.events import notify_plan_changes
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
