"""The CLI timeline (`vicon plan`) and `vicon explain` show the office's workflow: flexible requests at their
planned time, rehearsals and venue surveys as their own entries, missed rehearsals, kit loans and the new
unserved codes. Plans are built by hand (the solver is not asked to produce these features)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Console

from allocator.commands.render import explain_request, host_entries, operator_entries, print_plan
from allocator.planner.domain import (
    Assignment,
    KitType,
    MissedRehearsal,
    ObjectiveTerm,
    Operator,
    Plan,
    Problem,
    Request,
    SitePolicy,
    SolverStatus,
    TaskSlot,
    Unserved,
    Venue,
    ZoomHost,
)

WIB = ZoneInfo("Asia/Jakarta")
ALL_WEEK = [{"weekdays": [0, 1, 2, 3, 4, 5, 6], "start": "00:00", "end": "00:00"}]


def wib(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2027, 3, day, hour, minute, tzinfo=WIB)


def req(ref: str, day: int, start: int, end: int, **kw: Any) -> Request:
    kw.setdefault("service", "link_operator")
    return Request(
        ref=ref,
        unit="Dinas Uji",
        pic={"name": "PIC Uji", "email": "pic@example.go.id"},
        title=f"Rapat {ref}",
        timezone="Asia/Jakarta",
        start=wib(day, start),
        end=wib(day, end),
        participants=50,
        **kw,
    )


def world() -> tuple[Problem, Plan]:
    flex = req("REQ-FLEX", 2, 9, 11, window_start=wib(2, 8), window_end=wib(2, 15), kits=[{"kit": "CAM", "count": 2}])
    gladi = req("REQ-GLADI", 3, 13, 15, rehearsal={"mode": "online"})
    site = req("REQ-SITE", 4, 9, 10, venue="GSG", rehearsal={"mode": "on_site"})
    missed = req("REQ-MISS", 4, 13, 14, rehearsal={"mode": "online"})
    short = req("REQ-KIT", 5, 9, 10, kits=[{"kit": "CAM", "count": 5}])
    problem = Problem(
        now=wib(1, 8),
        policy=SitePolicy(operator_setup_min=30, operator_teardown_min=15, kit_pickup_min=60, kit_return_min=30),
        hosts=[
            ZoomHost(id="H100", zoom_user="h100@example.go.id", capacity=100),
            ZoomHost(id="H300", zoom_user="h300@example.go.id", capacity=300),
        ],
        operators=[Operator(id="OP1", name="Sari", shifts=ALL_WEEK), Operator(id="OP2", name="Andi", shifts=ALL_WEEK)],
        requests=[flex, gladi, site, missed, short],
        venues=[Venue(id="GSG", name="Gedung Serbaguna", surveyed=False)],
        kit_types=[KitType(id="CAM", name="Kamera konferensi", stock=3)],
    )
    plan = Plan(
        status=SolverStatus.OPTIMAL,
        assignments=[
            Assignment(request="REQ-FLEX", host="H100", operators=["OP1"], start=wib(2, 10), end=wib(2, 12)),
            Assignment(
                request="REQ-GLADI",
                host="H300",
                operators=["OP1"],
                rehearsal=TaskSlot(start=wib(2, 14), end=wib(2, 15), host="H300", operators=["OP1"]),
            ),
            Assignment(
                request="REQ-SITE",
                operators=["OP1"],
                host="H100",
                rehearsal=TaskSlot(start=wib(3, 9), end=wib(3, 10), operators=["OP1"], venue="GSG"),
                survey=TaskSlot(start=wib(3, 10, 30), end=wib(3, 11, 30), operators=["OP2"], venue="GSG"),
            ),
            Assignment(request="REQ-MISS", host="H300", operators=["OP2"]),
        ],
        missed_rehearsals=[
            MissedRehearsal(
                request="REQ-MISS",
                reason="no free time for the rehearsal with OP2",
                reason_id="tidak ada waktu kosong untuk gladi bersih dengan OP2",
            )
        ],
        unserved=[
            Unserved(
                request="REQ-KIT",
                code="kits_short",
                reason="5 × Kamera konferensi needed, 3 in stock Fri 2027-03-05 08:00–10:30 WIB",
                reason_id="perlu 5 × Kamera konferensi, stok 3 pada Jum 2027-03-05 08:00–10:30 WIB",
            )
        ],
        objective=[
            ObjectiveTerm(name="served_weight", sense="maximize", value=40, bound=50, optimal=True),
            ObjectiveTerm(name="changes", sense="minimize", value=0, bound=0, optimal=True),
            ObjectiveTerm(name="preferences", sense="minimize", value=4, bound=4, optimal=True),
        ],
    )
    return problem, plan


def printed(lang: str) -> str:
    problem, plan = world()
    console = Console(record=True, width=260, color_system=None)
    print_plan(problem, plan, console, lang=lang)
    return console.export_text()


def lines_with(out: str, *words: str) -> list[str]:
    return [line for line in out.splitlines() if all(w in line for w in words)]


def test_entries_per_host_and_operator() -> None:
    problem, plan = world()
    h300 = host_entries(problem, plan, "H300")
    assert [(x.kind, x.request.ref, x.label) for x in h300] == [
        ("rehearsal", "REQ-GLADI", "Gladi: REQ-GLADI"),
        ("event", "REQ-GLADI", "Rapat REQ-GLADI"),
        ("event", "REQ-MISS", "Rapat REQ-MISS"),
    ]
    (flex, _site) = host_entries(problem, plan, "H100")
    assert flex.moved and (flex.start, flex.end) == (wib(2, 10), wib(2, 12))  # planned, not requested
    op1 = operator_entries(problem, plan, "OP1", "en")
    assert [(x.kind, x.label) for x in op1] == [
        ("event", "Rapat REQ-FLEX"),
        ("rehearsal", "Rehearsal: REQ-GLADI"),
        ("rehearsal", "Rehearsal: REQ-SITE"),
        ("event", "Rapat REQ-GLADI"),
        ("event", "Rapat REQ-SITE"),
    ]
    assert (op1[0].start, op1[0].end) == (wib(2, 9, 30), wib(2, 12, 15))  # setup and teardown around 10–12
    assert (op1[1].start, op1[1].end) == (wib(2, 13, 30), wib(2, 15, 15))  # a rehearsal has them too
    (survey, miss) = operator_entries(problem, plan, "OP2")
    assert (survey.kind, survey.label) == ("survey", "Survei: Gedung Serbaguna")
    assert (survey.start, survey.end) == (wib(3, 10, 30), wib(3, 11, 30))  # a survey: exactly its time
    assert miss.request.ref == "REQ-MISS"


def test_timeline_in_bahasa_indonesia() -> None:
    out = printed("id")
    assert "gladi terjadwal 2;" in out
    (flex,) = lines_with(out, "H100 (100)")
    assert "10:00–12:00*" in flex and "REQ-FLEX" in flex  # the planned time, marked
    assert "* dijadwalkan pada waktu lain dari yang diminta" in out
    (gladi_host,) = lines_with(out, "Gladi: REQ-GLADI", "14:00–15:00")  # on H300, without setup
    assert "OP1" in gladi_host
    (gladi_op,) = lines_with(out, "Gladi: REQ-GLADI", "13:30–15:15")  # OP1, setup and teardown included
    assert "H300" in gladi_op and "daring" in gladi_op
    (site_op,) = lines_with(out, "Gladi: REQ-SITE")
    assert "08:30–10:15" in site_op and "Gedung Serbaguna" in site_op
    (survey,) = lines_with(out, "Survei: Gedung Serbaguna")
    assert "OP2 Andi" in survey and "Rab 2027-03-03" in survey and "10:30–11:30" in survey
    assert "Permohonan fleksibel pada waktu lain" in out
    (moved,) = lines_with(out, "REQ-FLEX", "Sel 2027-03-02 09:00–11:00 WIB", "Sel 2027-03-02 10:00–12:00 WIB")
    assert moved
    assert "Gladi bersih tidak terjadwal" in out
    assert lines_with(out, "REQ-MISS", "tidak ada waktu kosong untuk gladi bersih dengan OP2")
    assert "Peminjaman peralatan" in out
    (loan,) = lines_with(out, "REQ-FLEX", "2 × Kamera konferensi")
    assert "Sel 2027-03-02 09:00" in loan and "Sel 2027-03-02 12:30" in loan  # 10.00 − 60 min, 12.00 + 30 min
    assert lines_with(out, "REQ-KIT", "perlu 5 × Kamera konferensi")  # the unserved reason


def test_timeline_in_english() -> None:
    out = printed("en")
    assert "rehearsals placed 2;" in out
    assert lines_with(out, "Rehearsal: REQ-GLADI", "14:00–15:00")
    assert lines_with(out, "Survey: Gedung Serbaguna", "10:30–11:30")
    assert "* planned at another time than requested" in out and "Flexible requests at another time" in out
    assert "Rehearsals not scheduled" in out and lines_with(out, "REQ-MISS", "no free time for the rehearsal")
    assert "Kit loans" in out and lines_with(out, "REQ-FLEX", "2 × Kamera konferensi", "Tue 2027-03-02 09:00")
    assert lines_with(out, "REQ-KIT", "5 × Kamera konferensi needed")


def test_plan_without_workflow_has_no_extra_sections() -> None:
    problem, plan = world()
    plain = plan.model_copy(update={"assignments": [plan.assignments[3]], "missed_rehearsals": [], "unserved": []})
    console = Console(record=True, width=200, color_system=None)
    print_plan(problem, plain, console, lang="id")
    out = console.export_text()
    for section in ("Permohonan fleksibel", "Gladi bersih tidak terjadwal", "Peminjaman peralatan", "Gladi:", "*"):
        assert section not in out


def test_explain_served_and_unserved_with_workflow() -> None:
    problem, plan = world()
    flex = explain_request(problem, plan, "REQ-FLEX", "id")
    assert "terlayani: host H100, operator OP1" in flex
    assert "dijadwalkan Sel 2027-03-02 10:00–12:00 WIB (diminta Sel 2027-03-02 09:00–11:00 WIB)" in flex
    assert "peralatan: 2 × Kamera konferensi; ambil Sel 2027-03-02 09:00 WIB, kembali Sel 2027-03-02 12:30 WIB" in flex
    site = explain_request(problem, plan, "REQ-SITE", "en")
    assert "rehearsal: Wed 2027-03-03 09:00–10:00 WIB, Gedung Serbaguna" in site
    assert "venue survey: Wed 2027-03-03 10:30–11:30 WIB, Gedung Serbaguna, by OP2" in site
    gladi = explain_request(problem, plan, "REQ-GLADI", "id")
    assert "gladi bersih: Sel 2027-03-02 14:00–15:00 WIB, daring (H300)" in gladi
    miss = explain_request(problem, plan, "REQ-MISS", "en")
    assert "rehearsal not scheduled: no free time for the rehearsal with OP2" in miss
    kit = explain_request(problem, plan, "REQ-KIT", "id")
    assert "tidak terlayani: perlu 5 × Kamera konferensi, stok 3" in kit and "[kits_short]" in kit
    assert "not served: 5 × Kamera konferensi needed" in explain_request(problem, plan, "REQ-KIT", "en")
    for code in ("no_rehearsal", "no_survey", "travel"):
        u = Unserved(request="REQ-KIT", code=code, reason=f"because {code}", reason_id=f"karena {code}")
        other = plan.model_copy(update={"unserved": [u]})
        assert f"karena {code} [{code}]" in explain_request(problem, other, "REQ-KIT", "id")
        assert f"because {code} [{code}]" in explain_request(problem, other, "REQ-KIT", "en")
