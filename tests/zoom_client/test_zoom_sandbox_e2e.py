"""End-to-end: the real client against the sandbox on a free loopback port."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from tests.zoom_client.conftest import sandbox_client
from zoom_client.auth import TokenProvider
from zoom_client.client import ZoomClient
from zoom_client.errors import (
    ZoomAuthError,
    ZoomConflict,
    ZoomDailyBudgetExhausted,
    ZoomNotFound,
    ZoomOutcomeUnknown,
    ZoomTransportError,
    ZoomValidationError,
)
from zoom_client.limits import DailyBudget, RateLimiter
from zoom_client.models import MeetingCreate, MeetingSettings, MeetingUpdate
from zoom_client.retry import RetryPolicy
from zoom_client.sandbox import SANDBOX_HEADER, Sandbox, SandboxClock, generated_fixture, run_sandbox
from zoom_client.webhooks import WebhookVerifier, parse_event

START = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)


def req(topic: str = "Rapat Koordinasi", **kw: Any) -> MeetingCreate:
    return MeetingCreate(topic=topic, start_time=kw.pop("start_time", START), duration=kw.pop("duration", 60), **kw)


# --- the sandbox announces itself ------------------------------------------------------------------


def test_every_response_says_sandbox(sandbox: Sandbox):
    for method, url in [
        ("POST", sandbox.oauth_url),
        ("GET", f"{sandbox.base_url}/users"),
        ("GET", f"{sandbox.url}/nowhere"),
        ("GET", f"{sandbox.url}/_sandbox/"),
    ]:
        resp = requests.request(method, url, timeout=5)
        assert "NOT Zoom" in resp.headers[SANDBOX_HEADER]
    info = requests.get(f"{sandbox.url}/_sandbox/", timeout=5).json()
    assert info["sandbox"] is True and info["accounts"] == ["kominfo", "setda"]


def test_startup_banner_and_loopback_only(caplog):
    with caplog.at_level(logging.WARNING), run_sandbox(port=0) as sb:
        assert sb.port > 0 and sb.base_url.startswith("http://127.0.0.1:")
    assert "ZOOM SANDBOX - NOT ZOOM" in caplog.text
    with pytest.raises(ValueError, match="loopback"):
        Sandbox(host="0.0.0.0")
    with pytest.raises(ValueError, match="loopback"):
        Sandbox(webhook_url="http://192.0.2.1/hook", webhook_secret="s")


# --- discovery and CRUD ----------------------------------------------------------------------------


def test_discover_default_fixture(sandbox: Sandbox):
    hosts = sandbox_client(sandbox).discover_hosts()
    assert [(h.email.split("@")[0], h.capacity, h.kind.value) for h in hosts] == [
        ("zoom01", 100, "meeting"),
        ("zoom02", 300, "meeting"),
        ("zoom03", 500, "meeting"),
        ("zoom04", 1000, "meeting"),
        ("webinar01", 300, "webinar"),
    ]
    assert all(h.concurrency == 2 for h in hosts)  # Business account
    assert "humas" not in {h.email.split("@")[0] for h in hosts}  # Basic user skipped
    pro_hosts = sandbox_client(sandbox, "setda").discover_hosts()
    assert [h.concurrency for h in pro_hosts] == [1, 1]


def test_users_paginate_with_expiring_page_tokens(sandbox: Sandbox):
    client = sandbox_client(sandbox)
    assert len(list(client.list_users(page_size=2))) == 6
    assert sum(1 for m, p, _ in sandbox.state.requests if p == "/users") == 3
    token = client.tokens.token()
    first = requests.get(
        f"{sandbox.base_url}/users", params={"page_size": 2}, headers={"Authorization": f"Bearer {token}"}, timeout=5
    ).json()
    sandbox.advance_clock(16 * 60)  # page tokens live 15 minutes
    with pytest.raises(ZoomValidationError, match="next page token"):
        client._call("GET", "/users", "t", client_category(), params={"next_page_token": first["next_page_token"]})


def client_category():
    from zoom_client.limits import ApiCategory

    return ApiCategory.MEDIUM


def test_start_links_are_fresh_each_time_and_expire_after_two_hours(sandbox: Sandbox):
    """As Zoom's: every GET hands out a new host key, each stops working two hours after it was handed out, and a
    key of one meeting does not start another, nor a deleted one."""
    client = sandbox_client(sandbox)
    one = client.create_meeting("zoom01@kominfo.example.go.id", req(), key="START-1")
    other = client.create_meeting("zoom01@kominfo.example.go.id", req(), key="START-2")
    first = client.get_meeting(one.id).start_url
    sandbox.advance_clock(3600)
    second = client.get_meeting(one.id).start_url
    assert first is not None and second is not None
    a, b = first.get_secret_value(), second.get_secret_value()
    assert a != b and f"/s/{one.id}?zak=" in a
    assert sandbox.state.start_link_state(a) == "valid" and sandbox.state.start_link_state(b) == "valid"
    sandbox.advance_clock(3601)
    assert sandbox.state.start_link_state(a) == "expired"
    assert sandbox.state.start_link_state(b) == "valid"
    assert sandbox.state.start_link_state(b.replace(f"/s/{one.id}", f"/s/{other.id}")) == "unknown"
    assert sandbox.state.start_link_state(b.replace("zak=", "zak=x")) == "unknown"
    client.delete_meeting(one.id)
    assert sandbox.state.start_link_state(b) == "unknown"


def test_meeting_lifecycle(sandbox: Sandbox):
    client = sandbox_client(sandbox)
    created = client.create_meeting(
        "zoom01@kominfo.example.go.id",
        req(
            agenda="Rapat anggaran 2025",
            passcode="Rapat-01",
            settings=MeetingSettings(waiting_room=True, alternative_hosts=("zoom02@kominfo.example.go.id",)),
        ),
        key="REQ-2025-001",
    )
    assert created.host_id == "kmf-zoom01" and created.password == "Rapat-01"
    assert created.start_time == START and created.key == "REQ-2025-001"
    assert created.id >= 10_000_000_000  # 11-digit ids
    got = client.get_meeting(created.id)
    assert got.settings.waiting_room is True and got.agenda_text == "Rapat anggaran 2025"
    assert got.start_url is not None and "zak=" in got.start_url.get_secret_value()
    client.update_meeting(
        created.id, MeetingUpdate(topic="Rapat Koordinasi (diundur)", start_time=START + timedelta(hours=3))
    )
    listed = list(client.list_meetings("kmf-zoom01"))
    assert [(m.id, m.topic, m.start_time) for m in listed] == [
        (created.id, "Rapat Koordinasi (diundur)", START + timedelta(hours=3))
    ]
    assert client.daily_budget_remaining("kmf-zoom01") == 98
    assert sandbox.state.daily_used("kmf-zoom01") == 2
    assert client.delete_meeting(created.id, notify_host=True) is True
    assert sandbox.state.delete_notices[created.id] == {"host": True, "registrants": False}
    assert client.delete_meeting(created.id) is False
    with pytest.raises(ZoomNotFound):
        client.get_meeting(created.id)


def test_sandbox_validation_and_error_codes(sandbox: Sandbox):
    client = sandbox_client(sandbox)
    with pytest.raises(ZoomNotFound) as info:
        client.create_meeting("ghost@nowhere", req(), key="k1")
    assert info.value.code == 1001
    with pytest.raises(ZoomValidationError) as bad:
        client.create_meeting(
            "kmf-zoom01", req(settings=MeetingSettings(alternative_hosts=("humas@kominfo.example.go.id",))), key="k1"
        )
    assert bad.value.code == 300 and bad.value.details[0]["field"] == "settings.alternative_hosts"
    m = client.create_meeting("kmf-zoom01", req(), key="k2")
    sandbox.state.start_meeting(m.id)
    with pytest.raises(ZoomConflict) as busy:
        client.update_meeting(m.id, MeetingUpdate(topic="x"))
    assert busy.value.code == 3000
    with pytest.raises(ZoomConflict) as busy_delete:
        client.delete_meeting(m.id)
    assert busy_delete.value.code == 3002
    sandbox.state.end_meeting(m.id)
    assert client.delete_meeting(m.id)
    # Raw bodies the typed client would never send: non-JSON, wrong type.
    token = client.tokens.token()
    resp = requests.post(
        f"{sandbox.base_url}/users/kmf-zoom01/meetings",
        data=b"not json",
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )
    assert resp.status_code == 400 and resp.json()["code"] == 300


def test_agenda_is_truncated_in_lists_but_the_key_survives(sandbox: Sandbox):
    client = sandbox_client(sandbox)
    client.create_meeting("kmf-zoom02", req(agenda="x" * 1500), key="long-agenda-key")
    [summary] = list(client.list_meetings("kmf-zoom02"))
    assert len(summary.agenda) == 250 and summary.key == "long-agenda-key"
    found = client.find_by_key("kmf-zoom02", "long-agenda-key")
    assert found is not None and len(found.agenda) > 1500


def test_meetings_list_across_pages(sandbox: Sandbox):
    client = sandbox_client(sandbox)
    ids = {client.create_meeting("kmf-zoom03", req(topic=f"m{i}"), key=f"k{i}").id for i in range(5)}
    assert {m.id for m in client.list_meetings("kmf-zoom03", page_size=2)} == ids
    assert sum(1 for _, p, _ in sandbox.state.requests if p == "/users/kmf-zoom03/meetings" and _ == 200) == 3


def test_accounts_are_isolated(sandbox: Sandbox):
    kominfo, setda = sandbox_client(sandbox, "kominfo"), sandbox_client(sandbox, "setda")
    m = kominfo.create_meeting("kmf-zoom01", req(), key="iso-1")
    with pytest.raises(ZoomNotFound):
        setda.get_meeting(m.id)
    with pytest.raises(ZoomNotFound):
        setda.create_meeting("kmf-zoom01", req(), key="iso-2")


# --- auth ------------------------------------------------------------------------------------------


def test_token_expiry_mid_batch_is_healed_by_one_refresh(sandbox: Sandbox):
    client = sandbox_client(sandbox)
    for i in range(3):
        client.create_meeting("kmf-zoom01", req(topic=f"a{i}"), key=f"batch-{i}")
    sandbox.advance_clock(3601)  # the sandbox expires the token; the client still thinks it is valid
    for i in range(3, 6):
        client.create_meeting("kmf-zoom01", req(topic=f"a{i}"), key=f"batch-{i}")
    assert client.tokens.fetches == 2 and client.stats.auth_refreshes == 1
    assert len(sandbox.state.meetings()) == 6


def test_a_newer_token_revoking_older_ones_is_survived(tmp_path):
    with run_sandbox(port=0, max_live_tokens=1) as sb:
        acc = sb.account_config("kominfo")
        a = ZoomClient(acc, tokens=TokenProvider(acc))
        b = ZoomClient(acc, tokens=TokenProvider(acc))  # e.g. another process with its own cache
        a.get_user_settings("kmf-zoom01")
        b.get_user_settings("kmf-zoom01")  # revokes a's token
        a.get_user_settings("kmf-zoom01")
        assert a.stats.auth_refreshes == 1


def test_wrong_credentials(sandbox: Sandbox):
    acc = sandbox.account_config("kominfo", client_secret="wrong")
    with pytest.raises(ZoomAuthError, match="refused the credentials"):
        ZoomClient(acc, tokens=TokenProvider(acc)).get_meeting(1)
    acc = sandbox.account_config("kominfo", account_id="other-account")
    with pytest.raises(ZoomAuthError, match="Account does not exist"):
        ZoomClient(acc, tokens=TokenProvider(acc)).get_meeting(1)


# --- limits ----------------------------------------------------------------------------------------


def test_sandbox_per_second_limit_and_retry_after():
    with run_sandbox(port=0, clock=SandboxClock(frozen=True)) as sb:
        client = sandbox_client(sb, "setda")  # Pro: 20 medium calls per second, no client limiter
        for _ in range(25):
            client.get_user_settings("setda-zoom01")
        assert client.stats.rate_limited == 1  # the 21st waited for Retry-After (the sandbox clock moved)
        assert [s for _, _, s in sb.state.requests].count(429) == 1


def test_client_limiter_keeps_zoom_from_saying_429():
    with run_sandbox(port=0, clock=SandboxClock(frozen=True)) as sb:
        clock = sb.clock

        def mono() -> float:
            return clock.now().timestamp()

        limiter = RateLimiter(sb.account_config("setda").category, clock=mono, sleep=sb.advance_clock)
        client = sandbox_client(sb, "setda", rate_limiter=limiter)
        for _ in range(50):
            client.get_user_settings("setda-zoom01")
        assert client.stats.rate_limited == 0
        assert limiter.waited_s >= 2.0


def test_daily_limit_from_zoom_then_refused_locally_then_reset_next_utc_day():
    with run_sandbox(port=0, daily_limit=3) as sb:
        client = sandbox_client(sb, daily_budget=DailyBudget(now=sb.clock.now))
        for i in range(3):
            client.create_meeting("kmf-zoom01", req(), key=f"d{i}")
        with pytest.raises(ZoomDailyBudgetExhausted) as zoom_said:
            client.create_meeting("kmf-zoom01", req(), key="d3")
        assert zoom_said.value.status == 429
        sent = len(sb.state.requests)
        with pytest.raises(ZoomDailyBudgetExhausted) as we_said:
            client.create_meeting("kmf-zoom01", req(), key="d4")
        assert we_said.value.status is None and len(sb.state.requests) == sent
        assert client.daily_budget_remaining("kmf-zoom01") == 0
        client.create_meeting("kmf-zoom02", req(), key="other-host")  # other hosts unaffected
        sb.advance_clock(24 * 3600)
        assert client.daily_budget_remaining("kmf-zoom01") == 100
        client.create_meeting("kmf-zoom01", req(), key="d5")


def test_local_budget_limit_refuses_before_the_sandbox(sandbox: Sandbox):
    client = sandbox_client(sandbox, daily_budget=DailyBudget(limit=2))
    client.create_meeting("kmf-zoom01", req(), key="b1")
    client.update_meeting(client.find_by_key("kmf-zoom01", "b1").id, MeetingUpdate(duration=30))  # type: ignore[union-attr]
    with pytest.raises(ZoomDailyBudgetExhausted):
        client.create_meeting("kmf-zoom01", req(), key="b2")
    assert sandbox.state.daily_used("kmf-zoom01") == 2


# --- faults and idempotency ------------------------------------------------------------------------


def test_create_interrupted_after_zoom_accepted_it_is_found_by_key_not_duplicated(sandbox: Sandbox):
    client = sandbox_client(sandbox)
    sandbox.faults.drop_after_create()
    with pytest.raises(ZoomOutcomeUnknown) as info:
        client.create_meeting("kmf-zoom01", req(), key="REQ-77")
    assert isinstance(info.value.cause, ZoomTransportError)
    assert len(sandbox.state.meetings_with_key("REQ-77")) == 1  # Zoom did create it
    found = client.find_by_key("kmf-zoom01", "REQ-77")
    assert found is not None and found.key == "REQ-77"
    # And the one-call form: ensure_meeting settles the unknown outcome itself.
    sandbox.faults.drop_after_create()
    ensured = client.ensure_meeting("kmf-zoom01", req(), key="REQ-78")
    assert ensured.key == "REQ-78"
    assert len(sandbox.state.meetings_with_key("REQ-78")) == 1
    # Replaying after a crash (check_first) creates nothing new.
    again = client.ensure_meeting("kmf-zoom01", req(), key="REQ-78", check_first=True)
    assert again.id == ensured.id and len(sandbox.state.meetings_with_key("REQ-78")) == 1


def test_create_dropped_before_zoom_acted_is_created_once(sandbox: Sandbox):
    client = sandbox_client(sandbox)
    sandbox.faults.drop_next(method="POST")
    meeting = client.ensure_meeting("kmf-zoom01", req(), key="REQ-79")
    assert [m["id"] for m in sandbox.state.meetings_with_key("REQ-79")] == [meeting.id]


def test_injected_5xx_and_html_bodies_are_retried_for_reads(sandbox: Sandbox):
    client = sandbox_client(sandbox)
    m = client.create_meeting("kmf-zoom01", req(), key="f1")
    sandbox.faults.fail_next(2, status=503, method="GET")
    sandbox.faults.non_json_next(1, method="GET")
    assert client.get_meeting(m.id).id == m.id
    assert client.stats.retries == 3


def test_injected_5xx_on_create_never_duplicates(sandbox: Sandbox):
    client = sandbox_client(sandbox)
    sandbox.faults.fail_next(1, status=500, method="POST")
    meeting = client.ensure_meeting("kmf-zoom01", req(), key="f2")
    assert [m["id"] for m in sandbox.state.meetings_with_key("f2")] == [meeting.id]


def test_a_create_zoom_finishes_after_the_client_gave_up_is_not_sent_twice():
    """Issue 22, item 9: the create times out on our side while Zoom still carries it out. The look-up right
    after finds nothing yet; `ensure_meeting` looks again after settling instead of creating a second meeting."""
    with run_sandbox(port=0, enforce_rate_limits=False) as sb:
        acc = sb.account_config("kominfo", read_timeout_s=0.5)
        client = ZoomClient(acc, tokens=TokenProvider(acc), retry=RetryPolicy(random=lambda: 0.5))  # real sleep
        sb.faults.slow_next(1, seconds=0.8, method="POST")
        made = client.ensure_meeting("kmf-zoom01", req(), key="SLOW-1")
        time.sleep(0.5)  # anything still in flight has landed by now
        assert [m["id"] for m in sb.state.meetings_with_key("SLOW-1")] == [made.id]
        assert [m for m, p, _ in sb.state.requests if m == "POST"] == ["POST"]


def test_latency_beyond_the_read_timeout_is_a_transport_error():
    with run_sandbox(port=0) as sb:
        acc = sb.account_config("kominfo", read_timeout_s=0.2)
        client = ZoomClient(acc, tokens=TokenProvider(acc), retry=RetryPolicy(max_attempts=2), sleep=lambda s: None)
        client.tokens.token()
        sb.faults.latency_s = 0.5
        with pytest.raises(ZoomTransportError, match="ReadTimeout"):
            client.get_user_settings("kmf-zoom01")
        sb.faults.latency_s = 0.0


def test_many_threads_share_one_client_without_duplicates():
    with run_sandbox(generated_fixture(4), port=0, enforce_rate_limits=False) as sb:
        client = sandbox_client(sb, "bench")
        errors: list[BaseException] = []

        def work(worker: int) -> None:
            try:
                for i in range(10):
                    client.ensure_meeting(f"gen-host-{worker:03d}", req(), key=f"w{worker}-{i}")
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(w,)) for w in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors
        assert len(sb.state.meetings()) == 40 and client.tokens.fetches == 1


# --- outgoing webhooks -----------------------------------------------------------------------------


class _Receiver(BaseHTTPRequestHandler):
    verifier: WebhookVerifier
    received: list[Any]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        try:
            event, reply = self.verifier.handle(body, dict(self.headers.items()))
        except Exception:
            self.send_response(401)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.received.append(event)
        payload = json.dumps(reply or {}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[Any]]]:
    received: list[Any] = []
    handler = type("H", (_Receiver,), {"verifier": WebhookVerifier("hook-secret"), "received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/zoom/webhook", received
    server.shutdown()
    server.server_close()


def test_signed_webhooks_reach_a_verifying_receiver(receiver):
    url, received = receiver
    with run_sandbox(port=0, webhook_url=url, webhook_secret="hook-secret") as sb:
        assert sb.validate_webhook_endpoint()
        client = sandbox_client(sb)
        m = client.create_meeting("kmf-zoom01", req(), key="wh-1")
        client.update_meeting(m.id, MeetingUpdate(topic="Baru"))
        sb.state.start_meeting(m.id)
        sb.state.end_meeting(m.id)
        client.delete_meeting(m.id)
        deliveries = sb.wait_for_deliveries(5)
    assert [d.status for d in deliveries] == [200] * 5
    names = [e.event for e in received if e.event != "endpoint.url_validation"]
    assert names == ["meeting.created", "meeting.updated", "meeting.started", "meeting.ended", "meeting.deleted"]
    updated = received[2]
    assert updated.payload.object.topic == "Baru" and updated.payload.old_object["topic"] == "Rapat Koordinasi"
    assert all(e.payload.object.id == m.id for e in received[1:])


def test_webhooks_with_a_wrong_secret_are_refused_by_the_receiver(receiver):
    url, received = receiver
    with run_sandbox(port=0, webhook_url=url, webhook_secret="not-the-receivers-secret") as sb:
        assert not sb.validate_webhook_endpoint()
        sandbox_client(sb).create_meeting("kmf-zoom01", req(), key="wh-2")
        [delivery] = sb.wait_for_deliveries(1)
    assert delivery.status == 401 and delivery.attempts == 3
    assert received == []


def test_sandbox_events_parse_as_typed_models(sandbox: Sandbox):
    client = sandbox_client(sandbox)
    m = client.create_meeting("kmf-zoom01", req(), key="ev-1")
    sandbox.state.start_meeting(m.id)
    event = parse_event(json.dumps(sandbox.state.events[-1]).encode())
    assert event.event == "meeting.started"


def test_tenants_discover_hosts_across_accounts(sandbox: Sandbox):
    from zoom_client.client import ZoomTenants

    tenants = ZoomTenants(sandbox.zoom_config())
    hosts = tenants.discover_hosts()
    assert {h.account for h in hosts} == {"kominfo", "setda"} and len(hosts) == 7
    assert tenants.client("setda").tokens is not tenants.client("kominfo").tokens
