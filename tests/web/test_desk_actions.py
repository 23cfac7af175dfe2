"""The request desk's actions on a request's page: approve/reject, pin/unpin (an impossible pin refused in words and
never stored), offering an alternative to the PIC (the mail states every condition and links to accept it), the
PIC accepting it (a new version, seen on the desk), confirming a pre-emption; every action CSRF-protected, audited
and in the page's history; the desk's letter filter."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

from fastapi.testclient import TestClient

from allocator.planner.domain import Pin, RequestStatus, ServiceType
from allocator.service import replan
from allocator.store import Store
from allocator.web.app import create_app
from allocator.web.settings import WebSettings
from tests.web.conftest import SAME_ORIGIN, Web

_ROW = re.compile(r'<tr data-ref="([^"]+)">')


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m, "the page's forms carry the CSRF token"
    return m.group(1)


def _post(web: Web, path: str, data: dict[str, object] | None = None, csrf: str | None = None) -> object:
    """A form post as the browser sends it: the hidden csrf field, no header."""
    body = dict(data or {})
    if csrf is not None:
        body["csrf"] = csrf
    return web.client.post(path, data=body, headers={"x-csrf-token": ""}, follow_redirects=True)


def test_approve_and_reject_need_the_csrf_token_and_show_in_history(web: Web) -> None:
    replan(web.store, actor="test", dry_run=False)
    web.sign_in(web.client, web.token())
    page = web.client.get("/admin/requests/PSR-00004").text
    csrf = _csrf(page)
    r = web.client.post("/admin/requests/PSR-00004/approve", data={}, headers={"x-csrf-token": ""})
    assert r.status_code == 403  # no token: refused, nothing changed
    assert (req := web.store.get_request("PSR-00004")) is not None and req.status is RequestStatus.NEW
    r = _post(web, "/admin/requests/PSR-00004/approve", csrf=csrf)
    assert r.status_code == 200 and "Permohonan disetujui" in r.text  # type: ignore[attr-defined]
    assert (req := web.store.get_request("PSR-00004")) is not None and req.status is RequestStatus.APPROVED
    assert 'id="approve"' not in r.text  # type: ignore[attr-defined]
    assert ">disetujui<" in r.text  # type: ignore[attr-defined]  # the history names the decision
    r = _post(web, "/admin/requests/PSR-00004/reject", {"reason": "surat tidak lengkap"}, csrf)
    assert (req := web.store.get_request("PSR-00004")) is not None and req.status is RequestStatus.REJECTED
    text = r.text  # type: ignore[attr-defined]
    assert "surat tidak lengkap" in text and 'id="reject-form"' not in text
    assert [h.change for h in web.store.request_history("PSR-00004")][-2:] == ["approved", "rejected"]
    actions = [e.action for e in web.store.audit_log(entity="request", entity_id="PSR-00004")]
    assert "request.approved" in actions and "request.rejected_reason" in actions
    assert _post(web, "/admin/requests/PSR-00004/approve", csrf=csrf).status_code == 409  # type: ignore[attr-defined]
    assert _post(web, "/admin/requests/NOPE/approve", csrf=csrf).status_code == 404  # type: ignore[attr-defined]


def test_an_impossible_pin_is_refused_in_words_and_never_stored(web: Web) -> None:
    replan(web.store, actor="test", dry_run=False)
    web.sign_in(web.client, web.token())
    csrf = _csrf(web.client.get("/admin/requests/PSR-00002").text)
    # PSR-00001 (05:00-07:00 UTC) is pinned to H100, which takes one meeting at a time; PSR-00002 overlaps it
    web.store.set_pin(Pin(request="PSR-00001", host="H100", operators=["OP04"]), actor="test")
    r = _post(web, "/admin/requests/PSR-00002/pin", {"host": "H100"}, csrf)
    assert r.status_code == 422  # type: ignore[attr-defined]
    text = r.text  # type: ignore[attr-defined]
    assert "Patokan untuk PSR-00002 tidak disimpan" in text and "PSR-00001" in text and "bentrok" in text
    assert [p.request for p in web.store.pins()] == ["PSR-00001"]
    replan(web.store, actor="test", dry_run=True)  # the next re-plan still works
    # what the request and the resources say on their own, in English too
    r = web.client.post("/admin/requests/PSR-00001/pin?lang=en", data={"host": "H100", "csrf": csrf},
                        headers={"x-csrf-token": ""})  # fmt: skip
    assert r.status_code == 422 and "needs 1 different operator(s), 0 chosen" in r.text
    r = _post(web, "/admin/requests/PSR-00004/pin", {"host": "NOHOST", "operators": ["OP01"]}, csrf)
    assert r.status_code == 422  # type: ignore[attr-defined]
    r = _post(web, "/admin/requests/PSR-00004/pin", {"host": "H 1", "operators": ["OP01"]}, csrf)
    assert r.status_code == 422 and "host" in r.text  # type: ignore[attr-defined]


def test_a_possible_pin_is_stored_kept_by_the_plan_and_released(web: Web) -> None:
    replan(web.store, actor="test", dry_run=False)
    web.sign_in(web.client, web.token())
    csrf = _csrf(web.client.get("/admin/requests/PSR-00002").text)
    r = _post(web, "/admin/requests/PSR-00002/pin", {"host": "H300B"}, csrf)
    assert r.status_code == 200 and "Dipatok" in r.text  # type: ignore[attr-defined]
    assert web.store.pins() == [Pin(request="PSR-00002", host="H300B", operators=[])]
    out = replan(web.store, actor="test", dry_run=True)
    assert next(a for a in out.plan.assignments if a.request == "PSR-00002").host == "H300B"
    page = web.client.get("/admin/requests/PSR-00002").text
    assert 'id="pin-now"' in page and "H300B" in page and "dipatok" in page
    r = _post(web, "/admin/requests/PSR-00002/unpin", csrf=csrf)
    assert web.store.pins() == [] and "patokan dilepas" in r.text  # type: ignore[attr-defined]


def test_an_offered_alternative_is_mailed_with_its_conditions_and_the_pic_accepts_it(web: Web) -> None:
    replan(web.store, actor="test", dry_run=False)
    plan = web.store.published_plan()
    assert plan is not None
    u = next(u for u in plan.plan.unserved if any(a.kind == "without_operator" for a in u.alternatives))
    i = next(i for i, a in enumerate(u.alternatives) if a.kind == "without_operator")
    web.sign_in(web.client, web.token())
    csrf = _csrf(web.client.get(f"/admin/requests/{u.request}").text)
    r = _post(web, f"/admin/requests/{u.request}/offer", {"alt": str(i)}, csrf)
    assert r.status_code == 200 and "Alternatif dikirim" in r.text  # type: ignore[attr-defined]
    from allocator.notify.config import NotifyConfig
    from allocator.notify.outbox import Outbox
    from allocator.web.desk_actions import RecordOnlyMail

    outbox = Outbox(web.store, NotifyConfig(), mail=RecordOnlyMail())
    recs = outbox.records(request=u.request, kinds=["pic.alternative"])
    assert len(recs) == 1
    msg = recs[0].message()
    assert "tanpa operator: unit Anda menjalankan rapat sendiri" in msg.text and "/p/offer/" in msg.text
    for secret in ("H100", "H300", "H500", "OP0"):
        assert secret not in msg.text and secret not in msg.html  # no host or operator ids to the PIC
    for bad in ("99", "-1", "x"):
        assert _post(web, f"/admin/requests/{u.request}/offer", {"alt": bad}, csrf).status_code == 422  # type: ignore[attr-defined]
    url = re.search(r"(https?://\S+/p/offer/\S+)", msg.text)
    assert url
    path = urlsplit(url.group(1)).path
    pic = TestClient(web.client.app)  # the PIC: no cookie, no CSRF token, only the link
    page = pic.get(path)
    assert page.status_code == 200 and "tanpa operator" in page.text and 'id="accept"' in page.text
    assert web.store.get_request(u.request).service.value == "link_operator"  # type: ignore[union-attr]
    assert pic.post(path[:-3] + "xyz").status_code == 401  # a tampered link changes nothing
    assert pic.post(path).status_code == 200
    req = web.store.get_request(u.request)
    assert (
        req is not None
        and req.service.value == "link"
        and web.store.request_history(u.request)[-1].actor == (f"pic:{u.request}")
    )
    assert pic.post(path).status_code == 200  # twice: nothing more
    assert sum(e.action == "request.alternative_accepted" for e in web.store.audit_log(entity="request")) == 1
    desk = web.client.get("/admin/requests").text
    assert 'id="accepted"' in desk and u.request in desk.split('id="accepted"')[1].split("</div>")[0]
    page = web.client.get(f"/admin/requests/{u.request}").text
    assert "alternatif ditawarkan ke PIC" in page and "PIC menerima alternatif" in page
    replan(web.store, actor="test", dry_run=False)  # the re-plan it asked for
    assert 'id="accepted"' not in web.client.get("/admin/requests").text


def test_the_desk_filters_by_the_letters_lead_time(web: Web) -> None:
    r = web.store.get_request("PSR-00005")
    assert r is not None
    web.store.save_request(r.model_copy(update={"flags": ["late_letter"]}), actor="test")
    web.sign_in(web.client, web.token())
    late = _ROW.findall(web.client.get("/admin/requests?date_from=2027-01-01&letter=late").text)
    assert late == ["PSR-00005"]
    others = _ROW.findall(web.client.get("/admin/requests?date_from=2027-01-01&letter=none").text)
    assert "PSR-00005" not in others and len(others) == 59
    assert web.client.get("/admin/requests?letter=soon").status_code == 422


def test_a_confirmed_preemption_is_published_and_audited(db_url: str, settings: WebSettings) -> None:
    """Two hours before the example week a head-of-region visit asks for PSR-00006's time and its 500-seat host,
    frozen by then: the plan offers the pre-emption, the admin confirms it from the request's page, and a plan
    serving it is published."""
    first = min(r.start for r in Store.open(db_url).list_requests())
    store = Store.open(db_url, clock=lambda: first - timedelta(hours=2))
    replan(store, actor="test", dry_run=False)
    r = store.get_request("PSR-00006")
    assert r is not None
    store.save_request(r.model_copy(update={"ref": "GOV-1", "priority": "head_of_region", "participants": 400,
                                            "service": ServiceType.LINK, "title": "Kunjungan gubernur",
                                            "rehearsal": None, "kits": [], "venue": None}), actor="test")  # fmt: skip
    published = replan(store, actor="test", dry_run=False)
    assert [(o.request, o.displaces) for o in published.plan.preemption_offers] == [("GOV-1", ["PSR-00006"])]
    with TestClient(create_app(store, settings), headers=SAME_ORIGIN) as client:
        web = Web(client, store, settings)
        web.sign_in(client, web.token())
        page = client.get("/admin/requests/GOV-1").text
        assert 'id="preempt-form"' in page and "PSR-00006" in page.split('id="preemption"')[1]
        assert client.post("/admin/requests/GOV-1/preempt", headers={"x-csrf-token": ""}).status_code == 403
        r2 = _post(web, "/admin/requests/GOV-1/preempt", csrf=_csrf(page))
        assert r2.status_code == 200 and "Pre-emption dikonfirmasi; rencana baru terbit" in r2.text  # type: ignore[attr-defined]
        after = store.published_plan()
        assert after is not None and any(a.request == "GOV-1" and a.host == "H500" for a in after.plan.assignments)
        entry = store.audit_log(entity="preemption", entity_id="GOV-1")
        assert len(entry) == 1 and entry[0].new is not None and entry[0].new["displaces"] == ["PSR-00006"]
        assert "pre-emption dikonfirmasi" in client.get("/admin/requests/GOV-1").text
        other = _csrf(client.get("/admin/requests/PSR-00001").text)
        assert _post(web, "/admin/requests/PSR-00001/preempt", csrf=other).status_code == 409  # type: ignore[attr-defined]


def test_one_occurrence_of_a_series_is_pinned_on_the_series_host(web: Web) -> None:
    from tests.web.conftest import good_request

    body = good_request(ref="LAT-PIN", start="2027-01-13T09:00", end="2027-01-13T11:00", service="link_operator",
                        series={"repeat": "daily", "count": 3})  # fmt: skip
    assert web.client.post("/api/requests", json=body).status_code == 201
    replan(web.store, actor="test", dry_run=False)
    published = web.store.published_plan()
    assert published is not None
    occ = {a.request: a for a in published.plan.assignments if a.request.startswith("LAT-PIN:")}
    assert sorted(occ) == ["LAT-PIN:1", "LAT-PIN:2", "LAT-PIN:3"]
    host = occ["LAT-PIN:1"].host
    assert host is not None
    web.sign_in(web.client, web.token())
    page = web.client.get("/admin/requests/LAT-PIN").text
    assert 'id="pin-occurrence"' in page and 'id="series-pin-note"' in page
    csrf = _csrf(page)
    op = next(o for o in ("OP02", "OP03", "OP04") if o not in occ["LAT-PIN:2"].operators)
    # The series as a whole: refused, saying why and what to do.
    r = _post(web, "/admin/requests/LAT-PIN/pin", {"host": host, "operators": [op]}, csrf)
    assert r.status_code == 422 and "LAT-PIN adalah seri: patok pertemuannya satu per satu" in r.text  # type: ignore[attr-defined]
    # One occurrence on another host than the series': refused (one meeting, one link).
    other = next(h for h in ("H300A", "H300B", "H500", "H100") if h != host)
    r = _post(web, "/admin/requests/LAT-PIN/pin", {"occurrence": "2", "host": other, "operators": [op]}, csrf)
    assert r.status_code == 422 and f"seri ini di {host}" in r.text  # type: ignore[attr-defined]
    r = _post(web, "/admin/requests/LAT-PIN/pin", {"occurrence": "x2", "operators": [op]}, csrf)
    assert r.status_code == 422 and "occurrence" in r.text  # type: ignore[attr-defined]
    assert web.store.pins() == []
    # Day 2 with another operator, no host named: pinned on the series' host, kept by the next plan.
    r = _post(web, "/admin/requests/LAT-PIN/pin", {"occurrence": "2", "operators": [op]}, csrf)
    assert r.status_code == 200 and "Dipatok" in r.text  # type: ignore[attr-defined]
    assert web.store.pins() == [Pin(request="LAT-PIN:2", host=host, operators=[op])]
    out = replan(web.store, actor="test", dry_run=True)
    again = {a.request: a for a in out.plan.assignments if a.request.startswith("LAT-PIN:")}
    assert again["LAT-PIN:2"].operators == [op] and {a.host for a in again.values()} == {host}
    page = web.client.get("/admin/requests/LAT-PIN").text
    assert "LAT-PIN:2" in page and "occurrence-pin" in page
    r = _post(web, "/admin/requests/LAT-PIN:2/unpin", csrf=csrf)
    assert r.status_code == 200 and web.store.pins() == []  # type: ignore[attr-defined]
    # The API the same way.
    admin = web.auth()
    put = web.client.put("/api/admin/pins/LAT-PIN:3", json={"operators": [op]}, headers=admin)
    assert put.status_code == 200 and put.json()["host"] == host, put.text
    whole = web.client.put("/api/admin/pins/LAT-PIN", json={"host": host, "operators": [op]}, headers=admin)
    assert whole.status_code == 422 and "LAT-PIN is a series" in whole.text
    elsewhere = web.client.put("/api/admin/pins/LAT-PIN:1", json={"host": other, "operators": [op]}, headers=admin)
    assert elsewhere.status_code == 422 and f"this series is on {host}" in elsewhere.text
    assert web.client.put("/api/admin/pins/LAT-PIN:7", json={"operators": [op]}, headers=admin).status_code == 404
    # An occurrence's page (the timeline links each occurrence) is its series' page, where it is pinned.
    hop = web.client.get("/admin/requests/LAT-PIN:2", follow_redirects=False)
    assert hop.status_code == 303 and hop.headers["location"].startswith("/admin/requests/LAT-PIN?")
    assert web.client.get("/admin/requests/LAT-PIN:9").status_code == 404
