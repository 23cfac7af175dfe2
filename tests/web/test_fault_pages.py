"""Kit faults on the pages: a PIC reports on their signed page, staff on /admin/faults, the admin records repairs;
every report re-plans. A PIC sees when their unit runs its own meeting."""

from __future__ import annotations

from typing import Any

from allocator.store.kit_faults import list_faults
from allocator.store.repo import PublishedPlan
from tests.web.conftest import Web


def _pic_path(web: Web, ref: str) -> str:
    url: str = web.client.get(f"/api/requests/{ref}/pic-link", headers=web.auth()).json()["url"]
    return url.replace("http://testserver", "")


def _replanned_pic_page(web: Web, ref: str, served: str) -> tuple[PublishedPlan, str, Any]:
    """An admin re-plans (`served` is in the published plan); then the PIC of `ref` opens their page, signed out."""
    c = web.client
    web.sign_in(c, web.token())
    c.post("/admin/replan")
    published = web.store.published_plan()
    assert published is not None and published.plan.assignment_for(served) is not None
    path = _pic_path(web, ref)
    c.cookies.clear()
    return published, path, c.get(path)


def test_pic_reports_a_broken_kit_and_the_plan_is_made_again(web: Web) -> None:
    c = web.client
    first, path, page = _replanned_pic_page(web, "PSR-BUPATI-01", "PSR-BUPATI-01")
    assert page.status_code == 200 and 'id="fault-form"' in page.text and "Laporkan gangguan kit" in page.text
    bad = c.post(f"{path}/fault", data={"kit": "PTZ", "count": "1", "description": "x"})
    assert bad.status_code == 422 and list_faults(web.store) == []  # a kit this request does not borrow
    sent = c.post(f"{path}/fault", data={"kit": "CAM", "count": "1", "cause": "handling", "description": "lensa retak"})
    assert sent.status_code == 200 and "Laporan gangguan #1 diterima" in sent.text
    [fault] = list_faults(web.store, open_only=True)
    assert (fault.kit, fault.request, fault.reported_role, fault.liable) == ("CAM", "PSR-BUPATI-01", "pic", "unit")
    again = web.store.published_plan()
    assert again is not None and again.id != first.id  # re-planned at once
    assert web.store.load_problem().kit_faults[0].kit == "CAM"
    forged = c.post("/p/not-a-token/fault", data={"kit": "CAM", "description": "x"})
    assert forged.status_code == 401 and len(list_faults(web.store)) == 1


def test_staff_report_admin_sees_open_faults_and_records_the_repair(web: Web) -> None:
    c = web.client
    web.sign_in(c, web.token(role="operator", operator="OP01"))
    page = c.get("/admin/faults")
    assert page.status_code == 200 and "Tidak ada gangguan kit yang terbuka." in page.text
    made = c.post("/admin/faults", data={"kit": "SPK", "count": "1", "cause": "device", "description": "dengung"},
                  follow_redirects=False)  # fmt: skip
    assert made.status_code == 303
    [fault] = list_faults(web.store, open_only=True)
    assert fault.reported_role == "operator" and fault.liable == "office"
    assert c.post(f"/admin/faults/{fault.id}/repaired", data={}).status_code == 403  # only an admin repairs
    bad = c.post("/admin/faults", data={"kit": "SPK", "count": "lots", "description": "x"})
    assert bad.status_code == 422 and "count" in bad.text
    web.sign_in(c, web.token())
    listed = c.get("/admin/faults?lang=en")
    assert "Open faults" in listed.text and "dengung" in listed.text and "Record as repaired" in listed.text
    done = c.post(f"/admin/faults/{fault.id}/repaired", data={"note": "kabel diganti"}, follow_redirects=False)
    assert done.status_code == 303 and list_faults(web.store, open_only=True) == []
    cross = c.post("/admin/faults", data={"kit": "SPK", "description": "x"}, headers={"origin": "https://evil.example"})
    assert cross.status_code == 403 and len(list_faults(web.store)) == 1


def test_pic_page_says_the_unit_runs_its_own_meeting(web: Web) -> None:
    """In the example office RSUD Panglima Sebaya has a trained operator: its request the regent's day leaves
    without an office operator is served self-operated, and its PIC reads so."""
    c = web.client
    web.sign_in(c, web.token())
    c.post("/admin/replan")
    published = web.store.published_plan()
    assert published is not None
    own = [a.request for a in published.plan.assignments if a.self_operated]
    assert "PSR-00015" in own
    path = _pic_path(web, "PSR-00015")
    c.cookies.clear()
    page = c.get(path)
    assert 'id="self-operated"' in page.text and "operator terlatih dari unit Anda sendiri" in page.text
    assert "Operator kami akan mendampingi." not in page.text
    ours = c.get(_pic_path(web, "PSR-BUPATI-01"))
    assert 'id="self-operated"' not in ours.text


def test_a_series_pic_names_the_occurrence_the_kit_broke_in(web: Web) -> None:
    """A series' PIC page offers the fault form with its occurrences; the report names the one chosen (an
    occurrence whose earlier ones are not over is refused, naming them), and staff may name one too."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from allocator.planner.domain import KitNeed, Request, SeriesPattern

    wita = ZoneInfo("Asia/Makassar")
    series = Request(
        ref="SER-KIT", unit="Dinas Kominfo", pic={"name": "Sari", "email": "sari@example.go.id"},
        title="Pelatihan Kamera", timezone="Asia/Makassar", start=datetime(2027, 1, 19, 9, tzinfo=wita),
        end=datetime(2027, 1, 19, 11, tzinfo=wita), participants=30, service="link", status="approved",
        kits=[KitNeed(kit="CAM")], series=SeriesPattern(repeat="daily", count=2, policy="partial"),
    )  # fmt: skip
    web.store.save_request(series, actor="test")
    c = web.client
    _published, path, page = _replanned_pic_page(web, "SER-KIT", "SER-KIT:2")
    assert 'id="fault-form"' in page.text and '<select name="occurrence">' in page.text
    assert "Terjadi pada pertemuan" in page.text
    report = {"kit": "CAM", "count": "1", "cause": "device", "description": "lensa retak"}
    early = c.post(f"{path}/fault", data=report | {"occurrence": "2"})
    assert early.status_code == 422 and "SER-KIT:1 before it is not over yet" in early.text
    assert list_faults(web.store) == []
    sent = c.post(f"{path}/fault", data=report | {"occurrence": "1"})
    assert sent.status_code == 200, sent.text
    [fault] = list_faults(web.store)
    assert (fault.request, fault.occurrence, fault.ref, fault.reported_role) == ("SER-KIT", 1, "SER-KIT:1", "pic")
    web.sign_in(c, web.token())
    listed = c.get("/admin/faults?lang=en")
    assert "SER-KIT:1" in listed.text and 'name="occurrence"' in listed.text
    staff = c.post("/admin/faults", data=report | {"request": "SER-KIT", "occurrence": "1"}, follow_redirects=False)
    assert staff.status_code == 303 and [f.ref for f in list_faults(web.store)] == ["SER-KIT:1", "SER-KIT:1"]
    bad = c.post("/admin/faults", data=report | {"request": "SER-KIT", "occurrence": "zwei"})
    assert bad.status_code == 422 and "occurrence" in bad.text
