"""End to end: store + Zoom sandbox + a real SMTP server on loopback; every mail parsed with `email` and every
invite with `icalendar.Calendar.from_ical`."""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from allocator.notify.events import notify_plan_changes, queue_daily_agendas, queue_reminders
from allocator.notify.outbox import notification_status
from allocator.planner.domain import Alternative, Assignment, Plan, Unserved

from .conftest import Received, World, make_request

START_LINK = re.compile(rb"/s/\d+|zak=", re.I)


def parts(r: Received) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in r.msg.walk():
        ctype = part.get_content_type()
        if part.is_multipart() or ctype in out:
            continue
        out[ctype] = part.get_content()
    return out


def invite(r: Received) -> Calendar:
    cal_parts = [p for p in r.msg.walk() if p.get_content_type() == "text/calendar"]
    assert len(cal_parts) == 1
    assert cal_parts[0].get_param("method") in ("REQUEST", "CANCEL")
    attached = [p for p in r.msg.walk() if p.get_filename() and p.get_filename().endswith(".ics")]
    assert len(attached) == 1
    assert attached[0].get_content().decode() == cal_parts[0].get_content()
    return Calendar.from_ical(cal_parts[0].get_content())


def vevents(cal: Calendar) -> list:
    return list(cal.walk("VEVENT"))


def run(world: World) -> None:
    ob = world.outbox()
    notify_plan_changes(ob)
    report = ob.send_pending()
    assert not report.gave_up and not report.retrying, (report, ob.status().problems)


def test_schedule_change_cancel_keeps_uid_and_raises_sequence(world: World) -> None:
    req = make_request("REQ-1", "Asia/Makassar", "2027-01-05T09:00", "2027-01-05T11:00", pic_name="Budi Santoso")
    pic = req.pic.email
    assert pic is not None
    world.store.save_request(req, actor="test")
    world.publish(Assignment(request="REQ-1", host="H500", operators=["OP1"]))
    meeting = world.store.meeting_for("REQ-1")
    assert meeting is not None and meeting.join_url and meeting.passcode
    run(world)

    # scheduled: one mail to the PIC with the link, passcode, time in WITA, operator, and an invite
    (first,) = world.inbox.to(pic)
    assert first.rcpt == [pic]
    p = parts(first)
    assert first.msg["Subject"] == "Tautan Zoom: Rapat REQ-1 – Selasa, 5 Januari 2027 pukul 09.00 WITA"
    assert meeting.join_url in p["text/plain"] and meeting.passcode in p["text/plain"]
    assert "Yth. Bapak/Ibu Budi Santoso" in p["text/plain"]
    assert "Selasa, 5 Januari 2027 pukul 09.00–11.00 WITA" in p["text/plain"]
    assert "Sari Dewi" in p["text/plain"] and "0812-1111-2222" in p["text/plain"]
    assert meeting.join_url.replace("&", "&amp;") in p["text/html"]
    cal = invite(first)
    assert str(cal["METHOD"]) == "REQUEST"
    (ev,) = vevents(cal)
    assert str(ev["UID"]) == "REQ-1@vicon-allocator"
    assert int(ev["SEQUENCE"]) == 0
    assert ev["DTSTART"].params["TZID"] == "Asia/Makassar"
    assert ev.decoded("DTSTART") == datetime(2027, 1, 5, 9, 0, tzinfo=ZoneInfo("Asia/Makassar"))
    assert str(ev["LOCATION"]) == "Aula Kantor Bupati"
    assert str(ev["URL"]) == meeting.join_url
    assert meeting.passcode in str(ev["DESCRIPTION"])
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Asia/Makassar"]

    # the operator got the host details with a start link fetched from Zoom
    (assignment,) = world.inbox.to("sari@kominfo.example.go.id")
    op_text = parts(assignment)["text/plain"]
    assert "zoom500@kominfo.example.go.id" in op_text
    assert re.search(r"/s/\d+\?zak=sbx-zak-", op_text)
    assert "[[vicon-start-link]]" not in op_text

    # change: the unit moves the event one hour later
    world.clock.advance(hours=1)
    moved = req.model_copy(update={"start": req.start + timedelta(hours=1), "end": req.end + timedelta(hours=1)})
    world.store.save_request(moved, actor="unit")
    world.publish()
    run(world)
    second = world.inbox.to(pic)[1]
    p2 = parts(second)
    assert second.msg["Subject"].startswith("Perubahan jadwal vicon: Rapat REQ-1")
    assert "semula Selasa, 5 Januari 2027 pukul 09.00–11.00 WITA" in p2["text/plain"]
    assert "menjadi Selasa, 5 Januari 2027 pukul 10.00–12.00 WITA" in p2["text/plain"]
    assert "permohonan dari unit Anda diubah" in p2["text/plain"]
    (ev2,) = vevents(invite(second))
    assert str(ev2["UID"]) == "REQ-1@vicon-allocator" and int(ev2["SEQUENCE"]) == 1
    assert ev2.decoded("DTSTART") == datetime(2027, 1, 5, 10, 0, tzinfo=ZoneInfo("Asia/Makassar"))
    assert len(world.inbox.to("sari@kominfo.example.go.id")) == 2  # changed assignment

    # nothing new to say: nothing is recorded or sent
    before = len(world.inbox.messages)
    run(world)
    assert len(world.inbox.messages) == before

    # cancel
    world.clock.advance(hours=1)
    world.store.cancel_request("REQ-1", actor="unit", reason="acara ditunda")
    world.unpublish("REQ-1")
    run(world)
    third = world.inbox.to(pic)[2]
    assert third.msg["Subject"] == "Pembatalan vicon: Rapat REQ-1"
    assert "acara ditunda" in parts(third)["text/plain"]
    cal3 = invite(third)
    assert str(cal3["METHOD"]) == "CANCEL"
    (ev3,) = vevents(cal3)
    assert str(ev3["UID"]) == "REQ-1@vicon-allocator" and int(ev3["SEQUENCE"]) == 2
    assert str(ev3["STATUS"]) == "CANCELLED"
    released = world.inbox.to("sari@kominfo.example.go.id")[-1]
    assert released.msg["Subject"] == "Penugasan dibatalkan: Rapat REQ-1"

    # the PIC never received a start link or host key, in any byte of any mail
    for r in world.inbox.to(pic):
        assert not START_LINK.search(r.raw), r.msg["Subject"]
        assert b"zoom500@kominfo" not in r.raw
    assert notification_status(world.store).healthy


def test_language_and_zone_per_recipient(world: World) -> None:
    en = make_request("REQ-EN", "Asia/Jakarta", "2027-01-05T13:00", "2027-01-05T14:00", lang="en")
    wit = make_request("REQ-WIT", "Asia/Jayapura", "2027-01-06T10:00", "2027-01-06T12:00", venue=None)
    for r in (en, wit):
        world.store.save_request(r, actor="test")
    world.publish(
        Assignment(request="REQ-EN", host="H100", operators=["OP2"]),
        Assignment(request="REQ-WIT", host="H500", operators=[]),
    )
    run(world)
    (m_en,) = world.inbox.to(en.pic.email or "")
    assert m_en.msg["Subject"] == "Zoom link: Rapat REQ-EN – Tuesday, 5 January 2027, 13:00 WIB"
    assert m_en.msg["Content-Language"] == "en"
    assert "Dear PIC REQ-EN" in parts(m_en)["text/plain"]
    (m_wit,) = world.inbox.to(wit.pic.email or "")
    assert m_wit.msg["Subject"] == "Tautan Zoom: Rapat REQ-WIT – Rabu, 6 Januari 2027 pukul 10.00 WIT"
    (ev,) = vevents(invite(m_wit))
    assert ev["DTSTART"].params["TZID"] == "Asia/Jayapura"
    assert "LOCATION" in ev  # no venue: the join link is the location
    # operators read Bahasa Indonesia by default
    (op,) = world.inbox.to("andi@kominfo.example.go.id")
    assert op.msg["Subject"].startswith("Penugasan operator: Rapat REQ-EN")


def test_unserved_request_gets_reason_without_invite(world: World) -> None:
    req = make_request("REQ-U", "Asia/Makassar", "2027-01-05T09:00", "2027-01-05T11:00")
    world.store.save_request(req, actor="test")
    u = Unserved(
        request="REQ-U",
        code="hosts_busy",
        reason="no host with ≥ 80 seats is free Tue 2027-01-05 09:00–11:00 WITA",
        reason_id="tidak ada host berkapasitas ≥ 80 yang kosong Sel 2027-01-05 09:00–11:00 WITA",
    )
    world.store.publish_plan(Plan(unserved=[u]), actor="test", now=world.clock())
    run(world)
    run(world)  # once only
    (mail,) = world.inbox.to(req.pic.email or "")
    assert mail.msg["Subject"] == "Permohonan vicon belum dapat dilayani: Rapat REQ-U"
    # in words for the PIC: no host ids or other requests (notify.pic_words)
    text = parts(mail)["text/plain"]
    assert "semua lisensi Zoom kami untuk 80 peserta atau lebih sudah dipakai pada waktu itu" in text
    assert not [p for p in mail.msg.walk() if p.get_content_type() == "text/calendar"]


def test_unserved_mail_states_every_condition_of_an_alternative_and_no_ids(world: World) -> None:
    req = make_request("REQ-A", "Asia/Makassar", "2027-01-05T09:00", "2027-01-05T11:00")
    req = req.model_copy(update={"participants": 350})
    world.store.save_request(req, actor="test")
    at = dict(start=req.start, end=req.end)
    u = Unserved(
        request="REQ-A", code="hosts_busy",
        reason="no host with ≥ 350 seats is free: H500 has PSR-GUB-01",
        reason_id="tidak ada host berkapasitas ≥ 350 yang kosong: H500 dipakai PSR-GUB-01",
        alternatives=[Alternative(kind="fewer_participants", host="H300A", operators=["OP01"], participants=300,
                                  text="as requested on H300A, for at most 300 participants",
                                  text_id="sesuai waktu yang diminta di H300A, untuk paling banyak 300 peserta", **at)],
    )  # fmt: skip
    world.store.publish_plan(Plan(unserved=[u]), actor="test", now=world.clock())
    run(world)
    (mail,) = world.inbox.to(req.pic.email or "")
    for kind in ("text/plain", "text/html"):
        text = parts(mail)[kind]
        assert "untuk paling banyak 300 peserta" in text, kind
        assert "H500" not in text and "H300A" not in text and "PSR-GUB-01" not in text and "OP01" not in text


def test_reminders_and_daily_agenda(world: World) -> None:
    req = make_request("REQ-R", "Asia/Makassar", "2027-01-05T09:00", "2027-01-05T11:00")
    world.store.save_request(req, actor="test")
    world.publish(Assignment(request="REQ-R", host="H500", operators=["OP1"]))
    run(world)
    pic, op = req.pic.email or "", "sari@kominfo.example.go.id"
    ob = world.outbox()

    world.clock.t = req.start - timedelta(hours=20)  # H-1
    assert len(queue_reminders(ob)) == 1
    assert queue_reminders(ob) == []
    ob.send_pending()
    assert world.inbox.to(pic)[-1].msg["Subject"].startswith("Pengingat: Rapat REQ-R besok")

    world.clock.t = datetime(2027, 1, 5, 0, 30, tzinfo=ZoneInfo("UTC"))  # 07.30 WIB, the site's zone
    assert len(queue_daily_agendas(ob)) == 1
    assert queue_daily_agendas(ob) == []
    ob.send_pending()
    agenda = world.inbox.to(op)[-1]
    assert agenda.msg["Subject"] == "Agenda vicon Selasa, 5 Januari 2027"
    assert "09.00–11.00 WITA" in parts(agenda)["text/plain"]
    assert not START_LINK.search(agenda.raw)  # start links expire: never in an agenda

    world.clock.t = req.start - timedelta(minutes=50)
    assert len(queue_reminders(ob)) == 2  # PIC and operator
    ob.send_pending()
    assert world.inbox.to(pic)[-1].msg["Subject"] == "Pengingat: Rapat REQ-R dimulai pukul 09.00 WITA"
    assert not START_LINK.search(world.inbox.to(pic)[-1].raw)
    host_mail = world.inbox.to(op)[-1]
    assert host_mail.msg["Subject"].startswith("Tautan host: Rapat REQ-R")
    assert re.search(r"zak=sbx-zak-", parts(host_mail)["text/plain"])


class Crash(Exception):
    pass


def _three_scheduled(world: World) -> list[str]:
    refs = ["REQ-A", "REQ-B", "REQ-C"]
    for i, ref in enumerate(refs):
        r = make_request(ref, "Asia/Jakarta", f"2027-01-0{5 + i}T09:00", f"2027-01-0{5 + i}T10:00")
        world.store.save_request(r, actor="test")
    world.publish(*(Assignment(request=ref, host="H100", operators=[]) for ref in refs))
    return refs


def test_restart_mid_batch_sends_no_duplicates_of_sent_rows(world: World) -> None:
    _three_scheduled(world)
    ob = world.outbox()
    keys = notify_plan_changes(ob)
    assert len(keys) == 3

    def crash_after_second_send(point: str, key: str) -> None:
        if point == "after_send" and key == keys[1]:
            raise Crash  # the process dies after the SMTP 250, before the commit

    with pytest.raises(Crash):
        world.outbox(hook=crash_after_second_send).send_pending()
    assert len(world.inbox.messages) == 2

    restarted = world.outbox()
    assert notify_plan_changes(restarted) == []  # the notices are already recorded
    assert restarted.recover() == 1
    report = restarted.send_pending()
    assert report.sent == [keys[1], keys[2]]
    assert report.resent_in_doubt == [keys[1]]
    ids = Counter(m.msg["Message-ID"] for m in world.inbox.messages)
    by_key = {k: world.inbox.to(k.rsplit(":", 1)[1]) for k in keys}
    assert len(by_key[keys[0]]) == 1  # marked sent before the crash: never again
    assert len(by_key[keys[1]]) == 2  # in doubt: sent once more, with the same Message-ID
    assert by_key[keys[1]][0].msg["Message-ID"] == by_key[keys[1]][1].msg["Message-ID"]
    assert len(by_key[keys[2]]) == 1
    assert sum(ids.values()) == 4 and len(ids) == 3

    # a further run sends nothing
    assert world.outbox().send_pending().sent == []
    assert len(world.inbox.messages) == 4


def test_crash_before_send_and_hold_policy(world: World) -> None:
    _three_scheduled(world)
    ob = world.outbox()
    keys = notify_plan_changes(ob)

    def crash_before_send(point: str, key: str) -> None:
        if point == "after_claim" and key == keys[0]:
            raise Crash

    with pytest.raises(Crash):
        world.outbox(hook=crash_before_send).send_pending()
    assert world.inbox.messages == []

    cautious = world.outbox()
    cautious.config = cautious.config.model_copy(update={"in_doubt": "hold"})
    cautious.recover()
    report = cautious.send_pending()
    assert report.held == [keys[0]] and report.sent == keys[1:]
    st = notification_status(world.store)
    assert st.held == 1 and not st.healthy and st.problems[0][0] == keys[0]
    assert cautious.retry(keys[0])
    assert cautious.send_pending().sent == [keys[0]]
    assert len(world.inbox.messages) == 3  # each exactly once


def test_failures_retry_with_backoff_and_are_reported(world: World) -> None:
    (ref, *_rest) = _three_scheduled(world)
    ob = world.outbox()
    keys = notify_plan_changes(ob)
    world.inbox.refuse_next = 1
    report = ob.send_pending()
    assert report.retrying == [keys[0]] and report.sent == keys[1:]
    st = ob.status()
    assert st.retrying == 1 and st.next_attempt_at == world.clock() + timedelta(seconds=60)
    assert "451" in st.problems[0][1]
    assert ob.send_pending().sent == []  # not due yet
    world.clock.advance(seconds=61)
    assert ob.send_pending().sent == [keys[0]]

    # a server that keeps refusing: back-off doubles, then the row gives up and is reported
    world.store.save_request(
        make_request("REQ-D", "Asia/Jakarta", "2027-01-09T09:00", "2027-01-09T10:00"), actor="test"
    )
    world.publish(Assignment(request="REQ-D", host="H100", operators=[]))
    (key,) = notify_plan_changes(ob)
    world.inbox.refuse_next = 99
    assert ob.send_pending().retrying == [key]
    world.clock.advance(seconds=61)
    assert ob.send_pending().retrying == [key]
    assert ob.status().next_attempt_at == world.clock() + timedelta(seconds=120)
    world.clock.advance(seconds=121)
    assert ob.send_pending().gave_up == [key]
    st = ob.status()
    assert st.gave_up == 1 and not st.healthy
    assert ref
