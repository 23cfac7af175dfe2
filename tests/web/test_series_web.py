"""A series filed on the web form and the API, and its PIC page: one join link, each occurrence's time."""

from __future__ import annotations

import re

from allocator.planner.domain import Assignment, Plan
from tests.web.conftest import Web, good_request
from tests.web.test_pages import FORM


def test_api_takes_a_series_and_names_its_bad_fields(web: Web) -> None:
    c = web.client
    r = c.post("/api/requests", json=good_request(ref="LAT-API", series={"repeat": "daily", "count": 3}))
    assert r.status_code == 201, r.text
    saved = web.store.get_request("LAT-API")
    assert saved is not None and saved.series is not None and saved.series.count == 3
    bad = c.post("/api/requests", json=good_request(ref="LAT-BAD", series={"repeat": "daily", "count": 99}))
    assert bad.status_code == 422 and any("series" in e and "count" in e for e in bad.json()["errors"])


def test_form_files_a_series_and_the_pic_page_lists_its_occurrences(web: Web) -> None:
    c = web.client
    page = c.get("/form").text
    assert "Pengulangan" in page and "Jumlah pertemuan" in page
    ok = c.post("/form", data={**FORM, "repeat": "weekly", "count": "3", "series_policy": "partial"})
    assert ok.status_code == 201, ok.text
    ref = re.search(r'id="ref">([^<]+)<', ok.text).group(1)  # type: ignore[union-attr]
    req = web.store.get_request(ref)
    assert req is not None and req.series is not None and req.series.repeat.value == "weekly"
    assert req.series.policy.value == "partial"
    link = re.search(r'id="pic-link" href="([^"]+)"', ok.text).group(1)  # type: ignore[union-attr]
    web.store.publish_plan(Plan(assignments=[Assignment(request=f"{ref}:{k}", host="H100") for k in (1, 3)]),
                           actor="test")  # fmt: skip
    pic = c.get(link).text
    assert 'id="occurrences"' in pic, pic[pic.find("<table") :]
    assert pic.count("<li>") >= 3 and "tidak dilaksanakan" in pic
    assert "Terjadwal" in pic or "Link Zoom" in pic
    bad = c.post("/form", data={**FORM, "repeat": "daily", "count": "", "until": ""})
    errors = bad.text[bad.text.find('role="alert"') : bad.text.find("</ul>")]
    assert bad.status_code == 422 and "count or until" in errors, errors


def test_admin_timeline_draws_a_series_as_its_occurrences(web: Web) -> None:
    from allocator.planner.domain import Unserved

    c = web.client
    series = {"repeat": "daily", "count": 2, "policy": "partial"}
    body = good_request(ref="LAT-T", start="2027-01-13T09:00", end="2027-01-13T12:00", series=series)
    r = c.post("/api/requests", json=body)
    assert r.status_code == 201, r.text
    gone = Unserved(request="LAT-T:2", code="hosts_busy", reason="the series' host is busy",
                    reason_id="host seri sedang dipakai")  # fmt: skip
    web.store.publish_plan(Plan(assignments=[Assignment(request="LAT-T:1", host="H100")], unserved=[gone]),
                           actor="test")  # fmt: skip
    web.sign_in(c, web.token("admin"))
    day = c.get("/admin/timeline?day=2027-01-13").text
    assert "LAT-T:1" in day
    assert "LAT-T:2" in c.get("/admin/timeline?day=2027-01-14").text and "host seri sedang dipakai" in c.get(
        "/admin/timeline?day=2027-01-14").text  # fmt: skip


def test_form_files_a_monthly_series(web: Web) -> None:
    """Issue 18: 'Bulanan' on the form repeats on the same day of the month."""
    c = web.client
    assert "Bulanan (tanggal yang sama)" in c.get("/form").text
    ok = c.post("/form", data={**FORM, "repeat": "monthly", "count": "4"})
    assert ok.status_code == 201, ok.text
    ref = re.search(r'id="ref">([^<]+)<', ok.text).group(1)  # type: ignore[union-attr]
    req = web.store.get_request(ref)
    assert req is not None and req.series is not None and req.series.repeat.value == "monthly"
    assert req.series.count == 4


def test_an_operators_page_lists_the_occurrences_they_run(web: Web) -> None:
    c = web.client
    body = good_request(ref="LAT-ME", start="2027-01-13T09:00", end="2027-01-13T12:00", service="link_operator",
                        series={"repeat": "daily", "count": 3})  # fmt: skip
    assert c.post("/api/requests", json=body).status_code == 201
    crews = {1: "OP01", 2: "OP02", 3: "OP01"}
    web.store.publish_plan(Plan(assignments=[Assignment(request=f"LAT-ME:{k}", host="H100", operators=[op])
                                             for k, op in crews.items()]), actor="test")  # fmt: skip
    web.sign_in(c, web.token("operator", name="andi", operator="OP02"))
    mine = c.get("/me").text
    assert "LAT-ME:2" in mine and "LAT-ME:1" not in mine and "LAT-ME:3" not in mine
    web.sign_in(c, web.token("operator", name="sari", operator="OP01"))
    hers = c.get("/me").text
    assert "LAT-ME:1" in hers and "LAT-ME:3" in hers and "LAT-ME:2" not in hers
