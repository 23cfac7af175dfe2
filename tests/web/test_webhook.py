"""The Zoom webhook: signature, URL validation, duplicates ignored, deleted/changed meetings feed reconciliation."""

from __future__ import annotations

import json
import time
from pathlib import Path

from fastapi.testclient import TestClient

from allocator.service import replan
from allocator.sync import SyncWorker
from allocator.sync.sandbox import fixture_for_hosts
from allocator.web.app import create_app
from allocator.web.settings import WebSettings
from tests.web.conftest import HOOK_SECRET, SECRET, Web
from zoom_client import ZoomTenants
from zoom_client.sandbox import run_sandbox
from zoom_client.webhooks import compute_signature, url_validation_response


def signed(body: bytes, secret: str = HOOK_SECRET) -> dict[str, str]:
    ts = str(int(time.time()))
    return {"x-zm-request-timestamp": ts, "x-zm-signature": compute_signature(secret, ts, body),
            "content-type": "application/json"}  # fmt: skip


def event(name: str, meeting_id: int, ts: int = 1_800_000_000_000) -> bytes:
    return json.dumps({"event": name, "event_ts": ts, "payload": {"account_id": "acc", "object": {
        "id": meeting_id, "uuid": "u", "host_id": "h", "topic": "x"}}}).encode()  # fmt: skip


def test_url_validation_and_signature(web: Web) -> None:
    c = web.client
    body = json.dumps({"event": "endpoint.url_validation", "payload": {"plainToken": "abc123"}}).encode()
    r = c.post("/webhooks/zoom", content=body, headers=signed(body))
    assert r.status_code == 200 and r.json() == url_validation_response(HOOK_SECRET, "abc123")
    assert c.post("/webhooks/zoom", content=body, headers=signed(body, "wrong")).status_code == 401
    assert c.post("/webhooks/zoom", content=body).status_code == 401
    stale = {**signed(body), "x-zm-request-timestamp": "1000"}
    assert c.post("/webhooks/zoom", content=body, headers=stale).status_code == 401
    junk = b"[1, 2]"
    assert c.post("/webhooks/zoom", content=junk, headers=signed(junk)).status_code == 400
    assert web.store.audit_log(entity="zoom_webhook") == []


def test_without_a_secret_the_endpoint_is_closed(web: Web) -> None:
    app = create_app(web.store, WebSettings(secret=SECRET))
    with TestClient(app) as c:
        body = event("meeting.deleted", 1)
        assert c.post("/webhooks/zoom", content=body, headers=signed(body)).status_code == 503


def test_deleted_meeting_is_recorded_once_and_reconciled(web: Web, tmp_path: Path) -> None:
    replan(web.store, actor="test")
    sandbox = run_sandbox(fixture_for_hosts(web.store.hosts()), port=0)
    try:
        tenants = ZoomTenants(sandbox.zoom_config())
        SyncWorker(web.store, tenants).run_once()
        m = web.store.meetings(states=["active"])[0]
        assert m.zoom_meeting_id is not None
        # no Zoom configuration here: the request is left for the daemon's reconcile
        body = event("meeting.deleted", m.zoom_meeting_id)
        r = web.client.post("/webhooks/zoom", content=body, headers=signed(body))
        assert r.status_code == 200 and r.json() == {"status": "ok", "event": "meeting.deleted",
                                                     "plainToken": None, "encryptedToken": None}  # fmt: skip
        again = web.client.post("/webhooks/zoom", content=body, headers=signed(body))
        assert again.json()["status"] == "duplicate"
        log = web.store.audit_log(entity="zoom_webhook")
        assert [e.action for e in log] == ["zoom_webhook.meeting.deleted", "zoom_webhook.reconcile_requested"]
        assert log[0].new is not None and log[0].new["request"] == m.request
        # a restarted app (fresh in-memory set) still knows the delivery from the store
        with TestClient(create_app(web.store, web.settings)) as c2:
            assert c2.post("/webhooks/zoom", content=body, headers=signed(body)).json()["status"] == "duplicate"
        # events about meetings that are not ours are acknowledged and only recorded
        other = event("meeting.updated", 999_999_999)
        assert web.client.post("/webhooks/zoom", content=other, headers=signed(other)).json()["status"] == "ok"
        started = event("meeting.started", m.zoom_meeting_id)
        assert web.client.post("/webhooks/zoom", content=started, headers=signed(started)).json()["status"] == "ignored"

        # with a Zoom configuration the app reconciles at once: the meeting deleted by hand is queued again
        config = tmp_path / "zoom.json"
        config.write_text(json.dumps(sandbox.config_json()))
        settings = WebSettings(secret=SECRET, zoom_webhook_secret=HOOK_SECRET, zoom_config=str(config))
        app = create_app(web.store, settings)
        with TestClient(app) as c3:
            body2 = event("meeting.updated", m.zoom_meeting_id, ts=1_800_000_000_001)
            assert c3.post("/webhooks/zoom", content=body2, headers=signed(body2)).json()["status"] == "ok"
            for t in app.state.reconciler.threads:
                t.join(timeout=30)
        last = web.store.audit_log(entity="zoom_webhook")[-1]
        assert last.action == "zoom_webhook.reconciled" and last.new is not None, last
        assert "4 hosts checked" in last.new["summary"] and " 0 errors" in last.new["summary"], last.new
    finally:
        sandbox.stop()
