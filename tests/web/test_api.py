"""The JSON API: requests, admin operations, health, and the OpenAPI document."""

from __future__ import annotations

import re

from fastapi.routing import APIRoute

from allocator.web import api, zoomhook
from tests.web.conftest import Web, good_request


def test_submit_show_list_cancel(web: Web) -> None:
    c = web.client
    r = c.post("/api/requests", json=good_request(ref="SURAT-001"))
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["ref"] == "SURAT-001" and body["status"] == "new" and body["pic_url"].startswith("http://testserver/p/")
    saved = web.store.get_request("SURAT-001")
    assert saved is not None and saved.priority == "normal" and saved.timezone == "Asia/Makassar"
    assert saved.start.isoformat() == "2027-01-06T01:00:00+00:00"  # 09:00 WITA
    assert web.store.audit_log(entity="request", entity_id="SURAT-001")[0].actor == "web:Sari"

    shown = c.get("/api/requests/SURAT-001", headers=web.auth())
    assert shown.status_code == 200 and shown.json()["plan_state"] == "not_planned"
    assert shown.json()["when"] == "Wed 2027-01-06 09:00–10:30 WITA"
    listed = c.get("/api/requests", headers=web.auth()).json()
    assert "SURAT-001" in [x["ref"] for x in listed] and len(listed) == 61

    dup = c.post("/api/requests", json=good_request(ref="SURAT-001"))
    assert dup.status_code == 409 and dup.json()["errors"] == ["ref: request 'SURAT-001' already exists"]

    cancel = c.post("/api/requests/SURAT-001/cancel", json={"reason": "acara ditunda"}, headers=web.auth())
    assert cancel.status_code == 200 and cancel.json()["status"] == "cancelled"
    assert c.post("/api/requests/NOPE/cancel", headers=web.auth()).status_code == 404


def test_generated_reference_and_office_zone(web: Web) -> None:
    r = web.client.post("/api/requests", json=good_request(timezone=None))
    assert r.status_code == 201
    ref = r.json()["ref"]
    assert ref.startswith("WEB-")
    req = web.store.get_request(ref)
    assert req is not None and req.timezone == "Asia/Makassar"  # the office's zone


def test_errors_name_each_field(web: Web) -> None:
    c = web.client
    bad = c.post("/api/requests", json=good_request(participants=0, service="fax", pic={"name": ""}, extra=1))
    assert bad.status_code == 422
    errors = bad.json()["errors"]
    assert any(e.startswith("participants: ") for e in errors)
    assert any(e.startswith("service: ") for e in errors)
    assert any(e.startswith("pic.name: ") for e in errors)
    assert any(e.startswith("extra: ") for e in errors)
    backwards = c.post("/api/requests", json=good_request(start="2027-01-06T11:00", end="2027-01-06T10:00"))
    assert backwards.status_code == 422 and any("end" in e for e in backwards.json()["errors"])
    zone = c.post("/api/requests", json=good_request(timezone="Mars/Olympus"))
    assert zone.status_code == 422 and zone.json()["errors"][0].startswith("timezone: unknown IANA time zone")
    ref = c.post("/api/requests", json=good_request(ref="bad ref!"))
    assert ref.status_code == 422 and ref.json()["errors"][0].startswith("ref: ")
    past = c.post("/api/requests", json=good_request(start="2020-01-06T09:00", end="2020-01-06T10:00"))
    assert past.status_code == 422 and past.json()["errors"] == ["end: the meeting is already over"]
    assert (
        c.post("/api/requests", content=b"{not json", headers={"content-type": "application/json"}).status_code == 422
    )
    assert len(web.store.list_requests()) == 60  # nothing stored from any of these


def test_priority_is_for_admins(web: Web) -> None:
    c = web.client
    r = c.post("/api/requests", json=good_request(priority="head_of_region"))
    assert r.status_code == 403 and "priority" in r.json()["errors"][0]
    r = c.post("/api/requests", json=good_request(priority="head_of_region", ref="GUB-9"), headers=web.auth())
    assert r.status_code == 201
    req = web.store.get_request("GUB-9")
    assert req is not None and req.priority == "head_of_region"
    assert web.store.audit_log(entity="request", entity_id="GUB-9")[0].actor == "admin:budi"
    unknown = c.post("/api/requests", json=good_request(priority="vip"), headers=web.auth())
    assert unknown.status_code == 422 and unknown.json()["errors"][0].startswith("priority: unknown tier 'vip'")


def test_replan_dry_run_then_publish_pins_plan_outbox(web: Web) -> None:
    c, admin = web.client, web.auth()
    dry = c.post("/api/admin/replan", json={"dry_run": True}, headers=admin)
    assert dry.status_code == 200
    d = dry.json()
    assert d["dry_run"] and d["plan_id"] is None and d["served"] == 46 and d["unserved"] == 14
    assert any(ch["line"].startswith("+ PSR-BUPATI-01") for ch in d["changes"])
    assert web.store.published_plan() is None  # nothing published
    assert c.get("/api/admin/plan", headers=admin).status_code == 404

    pub = c.post("/api/admin/replan", json={"dry_run": False}, headers=admin).json()
    published = web.store.published_plan()
    assert published is not None
    meetings = sum(1 for a in published.plan.assignments if a.host) + sum(
        1 for a in published.plan.assignments if a.rehearsal and a.rehearsal.host
    )  # event meetings and online rehearsals
    assert pub["plan_id"] == 1 and pub["zoom_actions"]["create"] == meetings >= 40
    plan = c.get("/api/admin/plan", headers=admin).json()
    assert plan["served"] == 46 and plan["unserved_count"] == 14
    u = plan["unserved"][0]
    assert u["reason"] and u["reason_id"] and isinstance(u["alternatives"], list)

    pin = c.put("/api/admin/pins/PSR-00002", json={"host": "H500"}, headers=admin)
    assert pin.status_code == 200 and pin.json() == {"request": "PSR-00002", "host": "H500", "operators": []}
    bad = c.put("/api/admin/pins/PSR-00002", json={"host": "NOPE", "operators": ["X1"]}, headers=admin)
    assert bad.status_code == 422
    assert bad.json()["errors"] == ["host: unknown host 'NOPE'", "operators: unknown operator(s) X1"]
    assert c.put("/api/admin/pins/NOPE", json={"host": "H500"}, headers=admin).status_code == 404
    again = c.post("/api/admin/replan", json={"dry_run": False}, headers=admin).json()
    assert any(re.match(r"~ PSR-00002: H300[AB] → H500", ch["line"]) for ch in again["changes"])
    assert c.get("/api/admin/pins", headers=admin).json()[0]["request"] == "PSR-00002"
    assert c.delete("/api/admin/pins/PSR-00002", headers=admin).json() == {"request": "PSR-00002", "removed": True}

    res = c.get("/api/admin/resources", headers=admin).json()
    assert [h["id"] for h in res["hosts"]] == ["H100", "H300A", "H300B", "H500"] and len(res["operators"]) == 5
    out = c.get("/api/admin/outbox", headers=admin).json()
    assert out["counts"]["pending"] >= 39 and out["problems"] == []
    link = c.get("/api/requests/PSR-00001/pic-link", headers=admin).json()
    assert link["url"].startswith("http://testserver/p/")


def test_health(web: Web) -> None:
    assert web.client.get("/api/healthz").json() == {"status": "ok", "database": "ok", "plan_id": None}


def test_openapi_document_lists_every_api_route_with_its_errors(web: Web) -> None:
    doc = web.client.get("/api/openapi.json").json()
    routes = [r for router in (api.router, zoomhook.router) for r in router.routes if isinstance(r, APIRoute)]
    assert routes and all(r.path.startswith(("/api", "/webhooks")) for r in routes)
    for r in routes:
        for method in r.methods:
            op = doc["paths"][r.path][method.lower()]
            assert op["responses"], r.path
    submit = doc["paths"]["/api/requests"]["post"]
    assert {"201", "403", "409", "422"} <= set(submit["responses"])
    assert submit["responses"]["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut")
    props = doc["components"]["schemas"]["RequestIn"]["properties"]
    assert {"unit", "title", "pic", "start", "end", "participants", "service"} <= set(props)
    assert set(doc["components"]["schemas"]["ServiceType"]["enum"]) == {"link", "link_operator", "operator"}
    # admin routes declare the bearer requirement's answers
    assert {"401", "403"} <= set(doc["paths"]["/api/admin/replan"]["post"]["responses"])
    assert "/p/{token}" not in doc["paths"]  # pages are not part of the API document
