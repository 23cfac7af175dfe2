"""Working time in what people receive (docs/calendar.md): the PIC's kit pickup and return in office hours, and
overtime or holiday duty named in an operator's agenda."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from allocator.notify import messages as m
from allocator.notify.events import queue_daily_agendas
from allocator.notify.model import AgendaItem, Contact, Office
from allocator.notify.planned import event_info, kit_loans
from allocator.planner.domain import Assignment, SitePolicy

from .conftest import World, make_request

WITA = ZoneInfo("Asia/Makassar")
OFFICE = Office(name="Dinas Kominfo Kabupaten Contoh", email="vicon@kominfo.example.go.id")
STAMP = datetime(2027, 1, 1, 0, 0, tzinfo=UTC)
CALENDAR = SitePolicy(timezone="Asia/Makassar", kit_pickup_min=60, kit_return_min=60, calendar={})


def test_kits_for_a_holiday_event_are_handed_over_in_office_hours() -> None:
    # Tue 5 January 2027 is a holiday: picked up at Monday's closing, back at Wednesday's opening.
    req = make_request("UPACARA", "Asia/Makassar", "2027-01-05T07:30", "2027-01-05T09:00", kits=[{"kit": "CAM"}])
    (loan,) = kit_loans(req, req.start, req.end, CALENDAR)
    assert loan.pickup == datetime(2027, 1, 4, 17, 0, tzinfo=WITA)
    assert loan.due == datetime(2027, 1, 6, 7, 0, tzinfo=WITA)
    (plain,) = kit_loans(req, req.start, req.end, CALENDAR.model_copy(update={"calendar": None}))
    assert plain.pickup == datetime(2027, 1, 5, 6, 30, tzinfo=WITA)  # no calendar: the fixed offset, as before


def test_an_operators_agenda_names_overtime_and_holiday_duty() -> None:
    req = make_request("RAKOR", "Asia/Makassar", "2027-01-04T13:00", "2027-01-04T16:00")
    a = Assignment(request="RAKOR", host="H500", operators=["OP1"])
    event = event_info(req, a, CALENDAR)
    op = Contact(name="Sari Dewi", email="sari@kominfo.example.go.id")
    day = date(2027, 1, 4)
    overtime = [AgendaItem(event=event, overtime_min=15)]
    text = m.operator_agenda(op, office=OFFICE, day=day, zone="Asia/Makassar", items=overtime, stamp=STAMP)
    assert "(lembur 15 menit)" in text.text and "(lembur 15 menit)" in text.html
    duty = [AgendaItem(event=event, overtime_min=120, duty=True)]
    en = m.operator_agenda(op.model_copy(update={"language": "en"}), office=OFFICE, day=day, zone="Asia/Makassar",
                           items=duty, stamp=STAMP)  # fmt: skip
    assert "(holiday duty, 120 min)" in en.text
    plain = m.operator_agenda(op, office=OFFICE, day=day, zone="Asia/Makassar", items=[AgendaItem(event=event)],
                              stamp=STAMP)  # fmt: skip
    assert "lembur" not in plain.text and "piket" not in plain.text


def test_the_daily_agenda_from_the_store_names_holiday_duty(world: World) -> None:
    world.store.set_policy(SitePolicy(calendar={"duty_operators": ["OP1"]}), actor="test")
    req = make_request("UPACARA", "Asia/Makassar", "2027-01-05T09:00", "2027-01-05T11:00", priority="head_of_region")
    world.store.save_request(req, actor="test")
    world.publish(Assignment(request="UPACARA", host="H500", operators=["OP1"]))
    ob = world.outbox()
    world.clock.t = datetime(2027, 1, 5, 0, 30, tzinfo=UTC)  # 07.30 WIB on the holiday
    assert len(queue_daily_agendas(ob)) == 1
    ob.send_pending()
    agenda = world.inbox.to("sari@kominfo.example.go.id")[-1]
    text = agenda.msg.get_body(preferencelist=("plain",)).get_content()
    assert "(piket hari libur 165 menit)" in text  # 30 min setup, 2 hours, 15 min teardown
