"""The web pages and API show the office's workflow: a flexible request at its planned time, its rehearsal (with
the rehearsal's own join link once the meeting exists), the venue survey and the kits, in Bahasa Indonesia and
English; the admin's plan view lists rehearsals, surveys, missed rehearsals and kit loans. A PIC never sees a host,
a host key or a start link. Plans are built by hand."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from allocator.planner.domain import Assignment, KitType, MissedRehearsal, Plan, Request, TaskSlot, Venue
from allocator.sync.sandbox import fixture_for_hosts
from allocator.sync.worker import SyncWorker
from allocator.web.auth import pic_url
from tests.web.conftest import Web
from zoom_client import ZoomTenants
from zoom_client.sandbox import run_sandbox

WITA = ZoneInfo("Asia/Makassar")
START_LINK = re.compile(r"start_url|zak=|/s/\d+")


def wita(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2027, 2, day, hour, minute, tzinfo=WITA)


def request(ref: str, day: int, start: int, end: int, lang: str = "id", **kw: Any) -> Request:
    return Request.model_validate({
        "ref": ref, "unit": "Bappeda", "title": f"Rapat {ref}", "timezone": "Asia/Makassar",
        "pic": {"name": f"PIC {ref}", "email": f"pic.{ref.lower()}@unit.example.go.id", "language": lang},
        "start": wita(day, start), "end": wita(day, end), "participants": 40, "status": "approved",
        "service": "link_operator", **kw,
    })  # fmt: skip


def plan_for_workflow() -> tuple[list[Request], Plan]:
    flex = request("WF-FLEX", 8, 9, 11, window_start=wita(8, 8), window_end=wita(8, 15), venue="GSG",
                   rehearsal={"mode": "online"}, kits=[{"kit": "CAM", "count": 2}])  # fmt: skip
    missed = request("WF-MISS", 9, 13, 14, lang="en", rehearsal={"mode": "online"})
    plan = Plan(
        assignments=[
            Assignment(
                request="WF-FLEX",
                host="H300A",
                operators=["OP01"],
                start=wita(8, 10),
                end=wita(8, 12),
                rehearsal=TaskSlot(start=wita(5, 14), end=wita(5, 15), host="H100", operators=["OP01"]),
                survey=TaskSlot(start=wita(5, 9), end=wita(5, 10), operators=["OP02"], venue="GSG"),
            ),
            Assignment(request="WF-MISS", host="H300B", operators=["OP03"]),
        ],
        missed_rehearsals=[
            MissedRehearsal(
                request="WF-MISS",
                reason="no operator is free for the rehearsal",
                reason_id="tidak ada operator yang kosong untuk gladi bersih",
            )
        ],
    )
    return [flex, missed], plan


@pytest.fixture
def wf(web: Web) -> Iterator[Any]:
    """The workflow plan published over the example office and synced to the Zoom sandbox."""
    store = web.store
    store.set_venues([Venue(id="GSG", name="Gedung Serbaguna", surveyed=False)], actor="test")
    store.set_kit_types([KitType(id="CAM", name="Kamera konferensi", stock=4)], actor="test")
    requests, plan = plan_for_workflow()
    for r in requests:
        store.save_request(r, actor="test")
    store.publish_plan(plan, actor="test", scope=[r.ref for r in requests])
    stored = store.published_plan()
    assert stored is not None and stored.plan.missed_rehearsals == plan.missed_rehearsals
    assert [a for a in stored.plan.assignments if a.request.startswith("WF-")] == plan.assignments
    sandbox = run_sandbox(fixture_for_hosts(store.hosts()), port=0)
    try:
        SyncWorker(store, ZoomTenants(sandbox.zoom_config())).run_once()
        yield sandbox
    finally:
        sandbox.stop()


def pic_path(web: Web, ref: str, lang: str = "id") -> str:
    r = web.store.get_request(ref)
    assert r is not None
    url = pic_url(web.settings, ref, r.end, web.store.now())
    return url.replace("http://testserver", "") + f"?lang={lang}"


def no_start_links(sandbox: Any, text: str) -> None:
    assert not START_LINK.search(text)
    starts = [m["start_url"] for m in sandbox.state.meetings() if m.get("start_url")]
    assert starts  # the sandbox made meetings: there are start links that must not leak
    assert not any(s in text for s in starts)


def no_host_secrets(web: Web, sandbox: Any, text: str) -> None:
    """A PIC's page: no start link, no host key, no host account."""
    no_start_links(sandbox, text)
    for h in web.store.hosts():
        assert h.zoom_user not in text


def test_pic_page_shows_planned_time_rehearsal_survey_and_kits(web: Web, wf: Any) -> None:
    page = web.client.get(pic_path(web, "WF-FLEX"))
    assert page.status_code == 200
    text = page.text
    assert "Sen 2027-02-08 10:00–12:00 WITA" in text  # the planned time, not the requested 09:00–11:00
    assert "dijadwalkan pukul 10.00–12.00 WITA (diminta pukul 09.00–11.00 WITA)" in text
    assert 'id="rehearsal">Jum 2027-02-05 14:00–15:00 WITA, daring (Zoom)' in text
    assert 'id="survey">Jum 2027-02-05 09:00–10:00 WITA, Gedung Serbaguna' in text
    assert "Petugas kami akan meninjau lokasi" in text
    assert "2 × Kamera konferensi" in text
    assert "Diambil mulai: Senin, 8 Februari 2027 pukul 09.00 WITA" in text  # 10.00 − 60 min (default)
    assert "Dikembalikan paling lambat: Senin, 8 Februari 2027 pukul 13.00 WITA" in text  # 12.00 + 60 min
    event = web.store.meeting_for("WF-FLEX")
    assert event is not None and event.join_url and event.join_url.replace("&", "&amp;") in text
    rehearsal = web.store.rehearsal_meeting_for("WF-FLEX")  # the rehearsal's own Zoom meeting, on H100
    assert rehearsal is not None and rehearsal.join_url and rehearsal.join_url != event.join_url
    assert 'id="rehearsal-url"' in text and rehearsal.join_url.replace("&", "&amp;") in text
    assert "Link Zoom gladi sedang disiapkan" not in text
    assert "OP01" not in text and "OP02" not in text  # no operator ids or host on a PIC page
    no_host_secrets(web, wf, text)

    en = web.client.get(pic_path(web, "WF-FLEX", "en")).text
    assert "Mon 2027-02-08 10:00–12:00 WITA" in en
    assert "scheduled at 10:00–12:00 WITA (requested 09:00–11:00 WITA)" in en
    assert "Fri 2027-02-05 14:00–15:00 WITA, online (Zoom)" in en and "Venue survey" in en
    assert "Pick up from: Monday, 8 February 2027, 09:00 WITA" in en and "Return by:" in en
    no_host_secrets(web, wf, en)


def test_pic_page_and_api_of_a_missed_rehearsal(web: Web, wf: Any) -> None:
    en = web.client.get(pic_path(web, "WF-MISS", "en")).text
    assert 'id="rehearsal-missed">The rehearsal could not be scheduled: no operator is free for the rehearsal' in en
    assert "dijadwalkan pukul" not in en and "scheduled at" not in en  # at its own time: nothing to say
    id_ = web.client.get(pic_path(web, "WF-MISS", "id")).text
    assert "Gladi bersih tidak dapat dijadwalkan: tidak ada operator yang kosong untuk gladi bersih" in id_

    token = pic_path(web, "WF-FLEX").split("?")[0].rsplit("/", 1)[1]
    body = web.client.get(f"/api/pic/{token}").json()
    assert (
        body["when"] == "Sen 2027-02-08 10:00–12:00 WITA"
        and body["requested_when"] == "Sen 2027-02-08 09:00–11:00 WITA"
    )
    assert body["time_note"] == "dijadwalkan pukul 10.00–12.00 WITA (diminta pukul 09.00–11.00 WITA)"
    assert body["rehearsal"]["online"] is True and "host" not in body["rehearsal"]
    assert body["survey"]["venue"] == "Gedung Serbaguna" and "operators" not in body["survey"]
    assert [(k["name"], k["count"]) for k in body["kits"]] == [("Kamera konferensi", 2)]
    raw = web.client.get(f"/api/pic/{token}?lang=en").text
    no_host_secrets(web, wf, raw)


def test_admin_plan_view_lists_rehearsals_surveys_missed_and_loans(web: Web, wf: Any) -> None:
    c = web.client
    web.sign_in(c, web.token())
    day = c.get("/admin/timeline?day=2027-02-05").text
    assert re.search(r'data-lane="H100".*?data-kind="rehearsal"', day, re.S)  # the online rehearsal's host
    assert re.search(r'data-lane="OP01".*?data-ref="WF-FLEX" data-kind="rehearsal"', day, re.S)
    assert re.search(r'data-lane="OP02".*?data-ref="WF-FLEX" data-kind="survey"', day, re.S)
    assert "Survei lokasi: WF-FLEX</b>Gedung Serbaguna" in day and "Gladi bersih: WF-FLEX" in day
    assert 'id="tasks"' in day
    assert re.search(r'data-ref="WF-FLEX" data-kind="rehearsal"><td>Gladi bersih</td><td>Jum 2027-02-05 14:00', day)
    assert re.search(r'data-ref="WF-FLEX" data-kind="survey"><td>Survei lokasi</td><td>Jum 2027-02-05 09:00', day)
    # only the period shown is listed below the grid: the missed rehearsal (event on the 9th) and the kit loan
    # (picked up on the 8th) are in the week of the 8th, not on the 5th
    assert "tidak ada operator yang kosong" not in day and 'class="loan"' not in day
    week = c.get("/admin/timeline?day=2027-02-08&view=week").text
    assert "tidak ada operator yang kosong untuk gladi bersih" in week
    assert re.search(r'class="loan"><td><b>WF-FLEX</b>.*?2 × Kamera konferensi', week, re.S)
    assert 'data-kind="survey"' not in week.split('id="tasks"')[1]  # the survey was on the 5th
    event_day = c.get("/admin/timeline?day=2027-02-08").text
    assert re.search(r'data-ref="WF-FLEX" data-kind="event" data-row="0" title="WF-FLEX 10:00–12:00', event_day)
    en = c.get("/admin/timeline?day=2027-02-05&lang=en").text
    assert "Rehearsals &amp; venue surveys" in en and "Venue survey: WF-FLEX" in en
    assert "Kit loans" in c.get("/admin/timeline?day=2027-02-08&lang=en").text
    assert "no operator is free for the rehearsal" in c.get("/admin/timeline?day=2027-02-09&lang=en").text

    plan = c.get("/api/admin/plan", headers=web.auth()).json()
    (flex,) = [a for a in plan["assignments"] if a["request"] == "WF-FLEX"]
    assert flex["start"].startswith("2027-02-08T02:00") and flex["rehearsal"]["host"] == "H100"
    assert flex["survey"]["operators"] == ["OP02"] and flex["survey"]["venue"] == "Gedung Serbaguna"
    (missed,) = plan["missed_rehearsals"]
    assert missed == {"request": "WF-MISS", "reason": "no operator is free for the rehearsal",
                      "reason_id": "tidak ada operator yang kosong untuk gladi bersih"}  # fmt: skip
    for text in (day, week, en, str(plan)):
        no_start_links(wf, text)


def test_operators_see_their_rehearsal_and_survey(web: Web, wf: Any) -> None:
    c = web.client
    runner = web.auth("operator", operator="OP01")
    mine = c.get("/api/requests/WF-FLEX", headers=runner).json()
    assert mine["planned_start"].startswith("2027-02-08T02:00") and mine["meeting"] is not None
    assert mine["when"] == "Mon 2027-02-08 10:00–12:00 WITA" and mine["rehearsal"]["host"] == "H100"
    # OP02 only surveys the venue: they see the request, not the meeting's host details
    surveyor = web.auth("operator", operator="OP02")
    seen = c.get("/api/requests/WF-FLEX", headers=surveyor)
    assert seen.status_code == 200 and seen.json()["meeting"] is None
    assert seen.json()["survey"]["when"] == "Fri 2027-02-05 09:00–10:00 WITA"
    assert "WF-FLEX" in {r["ref"] for r in c.get("/api/me", headers=surveyor).json()["assignments"]}
    assert c.get("/api/requests/WF-FLEX", headers=web.auth("operator", operator="OP04")).status_code == 404
    web.sign_in(c, web.token("operator", operator="OP02"))
    page = c.get("/me").text
    assert "Survei lokasi: Jum 2027-02-05 09:00–10:00 WITA, Gedung Serbaguna" in page and "hanya survei lokasi" in page
    assert not START_LINK.search(page)
    web.sign_in(c, web.token("operator", operator="OP01"))
    page = c.get("/me").text
    assert "Sen 2027-02-08 10:00–12:00 WITA" in page and "dijadwalkan pukul 10.00–12.00 WITA" in page
    assert "Gladi bersih: Jum 2027-02-05 14:00–15:00 WITA, daring (Zoom) (H100)" in page
