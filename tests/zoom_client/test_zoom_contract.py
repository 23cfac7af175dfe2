"""Zoom's published contract, checked where the client or the sandbox once got it wrong (issue 22, item 11):
who a delete notifies, the daily limit answered as HTTP 400 / code 300, integer capacities in user settings,
start times with an offset, meeting type 3, `GET /users/{userId}` and `PUT /meetings/{meetingId}/status`."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import typer
from typer.testing import CliRunner

from tests.zoom_client.conftest import API, OAUTH, sandbox_client, token_reply
from zoom_client.cli import register
from zoom_client.errors import (
    ZoomDailyBudgetExhausted,
    ZoomNotFound,
    ZoomRateLimited,
    ZoomValidationError,
    next_utc_midnight,
)
from zoom_client.models import MeetingCreate, MeetingUpdate, UserType
from zoom_client.sandbox import Sandbox, SandboxClock, run_sandbox

DAILY_400 = {
    "code": 300,
    "message": "A maximum of 100 meetings can be created/updated for a single user in one day.",
}
START = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)


@pytest.fixture
def authed(rsps):
    rsps.post(OAUTH, json=token_reply("tok-1"))
    return rsps


def _api_calls(rsps) -> list:
    return [c for c in rsps.calls if c.request.url.startswith(API)]


def _query(call) -> dict[str, list[str]]:
    return parse_qs(urlsplit(call.request.url).query)


def _create() -> MeetingCreate:
    return MeetingCreate(topic="Rapat", start_time=START, duration=60)


# --- delete: who is told -----------------------------------------------------------------------------


def test_delete_notifies_the_host_with_schedule_for_reminder_not_registrants(authed, make_client):
    """`schedule_for_reminder` mails the host and alternative hosts; `cancel_meeting_reminder` the registrants."""
    authed.delete(f"{API}/meetings/5", status=204)
    authed.delete(f"{API}/meetings/6", status=204)
    authed.delete(f"{API}/meetings/7", status=204)
    client = make_client()
    assert client.delete_meeting(5, notify_host=True) is True
    assert client.delete_meeting(6) is True
    assert client.delete_meeting(7, notify_registrants=True) is True
    first, second, third = (_query(c) for c in _api_calls(authed))
    assert first == {"schedule_for_reminder": ["true"], "cancel_meeting_reminder": ["false"]}
    assert second == {"schedule_for_reminder": ["false"], "cancel_meeting_reminder": ["false"]}  # nobody, explicitly
    assert third == {"schedule_for_reminder": ["false"], "cancel_meeting_reminder": ["true"]}


def test_cli_delete_notify_tells_the_host(sandbox: Sandbox, tmp_path: Path):
    config = tmp_path / "zoom.json"
    config.write_text(json.dumps(sandbox.config_json()))
    made = sandbox_client(sandbox).create_meeting("kmf-zoom01", _create(), key="NOTIFY-1")
    app = typer.Typer()
    register(app)
    args = ["meetings", "delete", str(made.id), "--zoom-config", str(config), "--account", "kominfo", "--notify"]
    result = CliRunner().invoke(app, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert sandbox.state.delete_notices[made.id] == {"host": True, "registrants": False}


# --- the per-user daily limit as HTTP 400 / code 300 -------------------------------------------------


@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_daily_limit_as_400_code_300_is_the_budget_spent_not_a_validation_error(authed, make_client, fake_time, method):
    if method == "POST":
        authed.post(f"{API}/users/u1/meetings", status=400, json=DAILY_400)
    else:
        authed.patch(f"{API}/meetings/5", status=400, json=DAILY_400)
    client = make_client()
    with pytest.raises(ZoomDailyBudgetExhausted) as info:
        if method == "POST":
            client.create_meeting("u1", _create(), key="k1")
        else:
            client.update_meeting(5, MeetingUpdate(duration=30), host="u1")
    err = info.value
    assert not isinstance(err, ZoomValidationError) and isinstance(err, ZoomRateLimited)
    assert err.status == 400 and err.code == 300 and err.host == "u1" and err.limit == 100
    assert err.retry_after == next_utc_midnight(fake_time.now())
    assert client.daily_budget_remaining("u1") == 0  # marked spent: the next call is refused before Zoom
    assert len(_api_calls(authed)) == 1  # and this one was not resent
    with pytest.raises(ZoomDailyBudgetExhausted) as local:
        client.create_meeting("u1", _create(), key="k2")
    assert local.value.status is None and len(_api_calls(authed)) == 1


def test_other_code_300_answers_stay_validation_errors(authed, make_client):
    authed.post(f"{API}/users/u1/meetings", status=400, json={"code": 300, "message": "Invalid field."})
    client = make_client()
    with pytest.raises(ZoomValidationError):
        client.create_meeting("u1", _create(), key="k1")
    assert client.daily_budget_remaining("u1") == 99  # one call spent, not the whole day


# --- users ------------------------------------------------------------------------------------------


def test_get_user_is_typed(authed, make_client):
    authed.get(
        f"{API}/users/zoom01@kominfo.go.id",
        json={
            "id": "u1",
            "email": "zoom01@kominfo.go.id",
            "first_name": "Zoom",
            "last_name": "Satu",
            "type": 2,
            "status": "active",
            "timezone": "Asia/Jakarta",
            "pmi": 1234567890,
            "account_id": "acc-123",
        },
    )
    authed.get(f"{API}/users/ghost", status=404, json={"code": 1001, "message": "User does not exist: ghost."})
    client = make_client()
    user = client.get_user("zoom01@kominfo.go.id")
    assert user.id == "u1" and user.licensed and user.name == "Zoom Satu" and user.timezone == "Asia/Jakarta"
    assert _api_calls(authed)[0].request.url.endswith("/users/zoom01@kominfo.go.id")
    with pytest.raises(ZoomNotFound) as info:
        client.get_user("ghost")
    assert info.value.code == 1001


def test_sandbox_get_user_auth_errors_and_limits():
    with run_sandbox(port=0, clock=SandboxClock(frozen=True)) as sandbox:
        client = sandbox_client(sandbox)
        user = client.get_user("zoom01@kominfo.example.go.id")
        assert user.id == "kmf-zoom01" and user.type == UserType.LICENSED
        assert client.get_user("kmf-zoom01").email == "zoom01@kominfo.example.go.id"
        with pytest.raises(ZoomNotFound) as info:
            client.get_user("ghost@nowhere")
        assert info.value.code == 1001
        # Like every other endpoint: a valid bearer token is required, and the per-second limit applies.
        assert requests.get(f"{sandbox.base_url}/users/kmf-zoom01", timeout=5).json()["code"] == 124
        wrong = {"Authorization": "Bearer not-a-token"}
        assert requests.get(f"{sandbox.base_url}/users/kmf-zoom01", headers=wrong, timeout=5).status_code == 401
        token = {"Authorization": f"Bearer {client.tokens.token()}"}
        answers = [requests.get(f"{sandbox.base_url}/users/kmf-zoom01", headers=token, timeout=5) for _ in range(90)]
        limited = [a for a in answers if a.status_code == 429]
        assert limited and limited[0].headers["X-RateLimit-Category"] == "Light"  # Business: 80 light calls/s


def test_sandbox_user_settings_capacities_are_integers(sandbox: Sandbox):
    token = sandbox_client(sandbox).tokens.token()
    for user in ("kmf-zoom01", "kmf-zoom03", "kmf-webinar01"):
        resp = requests.get(
            f"{sandbox.base_url}/users/{user}/settings", headers={"Authorization": f"Bearer {token}"}, timeout=5
        )
        feature = resp.json()["feature"]
        for name in ("meeting_capacity", "large_meeting_capacity", "webinar_capacity"):
            assert isinstance(feature[name], int) and not isinstance(feature[name], bool), (user, name, feature)


# --- meetings: start times with an offset, type 3 ---------------------------------------------------


def _raw(sandbox: Sandbox, method: str, path: str, body: dict[str, object] | None = None) -> requests.Response:
    token = sandbox_client(sandbox).tokens.token()
    return requests.request(
        method, f"{sandbox.base_url}{path}", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=5
    )


@pytest.mark.parametrize(
    ("start_time", "timezone", "utc"),
    [
        ("2031-05-04T09:00:00+07:00", "Asia/Jakarta", "2031-05-04T02:00:00Z"),
        ("2031-05-04T09:00:00-03:30", "America/St_Johns", "2031-05-04T12:30:00Z"),
        ("2031-05-04T09:00:00+00:00", "UTC", "2031-05-04T09:00:00Z"),
        ("2031-05-04T02:00:00Z", "Asia/Jakarta", "2031-05-04T02:00:00Z"),
        ("2031-05-04T09:00:00", "Asia/Jakarta", "2031-05-04T02:00:00Z"),
    ],
)
def test_sandbox_accepts_start_times_with_an_offset(sandbox: Sandbox, start_time, timezone, utc):
    body = {"topic": "Rapat", "type": 2, "start_time": start_time, "duration": 30, "timezone": timezone}
    resp = _raw(sandbox, "POST", "/users/kmf-zoom01/meetings", body)
    assert resp.status_code == 201, resp.text
    assert resp.json()["start_time"] == utc
    patched = _raw(sandbox, "PATCH", f"/meetings/{resp.json()['id']}", {"start_time": start_time})
    assert patched.status_code == 204, patched.text


@pytest.mark.parametrize(
    "start_time", ["2031-05-04T09:00:00+7", "2031-05-04 09:00:00", "tomorrow", "2031-13-04T09:00:00Z"]
)
def test_sandbox_still_refuses_malformed_start_times(sandbox: Sandbox, start_time):
    body = {"topic": "Rapat", "type": 2, "start_time": start_time, "duration": 30}
    resp = _raw(sandbox, "POST", "/users/kmf-zoom01/meetings", body)
    assert resp.status_code == 400 and resp.json()["errors"][0]["field"] == "start_time"


def test_sandbox_accepts_meeting_type_3_recurring_without_a_fixed_time(sandbox: Sandbox):
    resp = _raw(sandbox, "POST", "/users/kmf-zoom01/meetings", {"topic": "Ruang rapat tetap", "type": 3})
    assert resp.status_code == 201, resp.text
    made = resp.json()
    assert made["type"] == 3 and "start_time" not in made
    client = sandbox_client(sandbox)
    got = client.get_meeting(made["id"])
    assert got.type == 3 and got.start_time is None
    assert [m.id for m in client.list_meetings("kmf-zoom01", type="scheduled")] == [made["id"]]
    assert [m.id for m in client.list_meetings("kmf-zoom01", type="upcoming")] == [made["id"]]
    bad = _raw(sandbox, "POST", "/users/kmf-zoom01/meetings", {"topic": "x", "type": 7})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "type"


# --- ending a meeting: PUT /meetings/{meetingId}/status -----------------------------------------------


def test_end_meeting_is_typed(authed, make_client):
    authed.put(f"{API}/meetings/5/status", status=204)
    authed.put(f"{API}/meetings/6/status", status=404, json={"code": 3001, "message": "Meeting does not exist: 6."})
    client = make_client()
    client.end_meeting(5)
    call = _api_calls(authed)[0]
    assert call.request.method == "PUT" and json.loads(call.request.body) == {"action": "end"}
    with pytest.raises(ZoomNotFound):
        client.end_meeting(6)
    assert client.daily_budget_remaining("u1") == 100  # not a create/update: no daily budget spent


def test_end_meeting_is_retried_on_5xx_like_other_idempotent_calls(authed, make_client):
    authed.put(f"{API}/meetings/5/status", status=503, json={"code": 503, "message": "busy"})
    authed.put(f"{API}/meetings/5/status", status=204)
    client = make_client()
    client.end_meeting(5)
    assert len(_api_calls(authed)) == 2 and client.stats.retries == 1


def test_sandbox_ends_an_overrunning_meeting_so_the_host_is_free(sandbox: Sandbox):
    client = sandbox_client(sandbox)
    m = client.create_meeting("kmf-zoom01", _create(), key="END-1")
    sandbox.state.start_meeting(m.id)
    assert [x.id for x in client.list_meetings("kmf-zoom01", type="live")] == [m.id]
    client.end_meeting(m.id)
    assert list(client.list_meetings("kmf-zoom01", type="live")) == []
    assert client.get_meeting(m.id).status == "waiting"
    assert [e["event"] for e in sandbox.state.events][-1] == "meeting.ended"
    client.end_meeting(m.id)  # not in progress any more: nothing to end, and no error
    with pytest.raises(ZoomNotFound) as gone:
        client.end_meeting(123)
    assert gone.value.code == 3001
    bad = _raw(sandbox, "PUT", f"/meetings/{m.id}/status", {"action": "pause"})
    assert bad.status_code == 400 and bad.json()["code"] == 300
    unauth = requests.put(f"{sandbox.base_url}/meetings/{m.id}/status", json={"action": "end"}, timeout=5)
    assert unauth.status_code == 401


def test_sandbox_recovers_a_deleted_meeting(sandbox: Sandbox):
    client = sandbox_client(sandbox)
    m = client.create_meeting("kmf-zoom01", _create(), key="REC-1")
    assert client.delete_meeting(m.id)
    resp = _raw(sandbox, "PUT", f"/meetings/{m.id}/status", {"action": "recover"})
    assert resp.status_code == 204, resp.text
    assert client.get_meeting(m.id).key == "REC-1"


def test_sandbox_fault_injection_reaches_the_new_endpoints():
    with run_sandbox(port=0) as sb:
        client = sandbox_client(sb)
        sb.faults.fail_next(1, status=503, method="PUT")
        m = client.create_meeting("kmf-zoom01", _create(), key="F-1")
        client.end_meeting(m.id)  # retried after the injected 503
        assert ("PUT", f"/meetings/{m.id}/status", 503) in sb.state.requests
        sb.faults.fail_next(1, status=400, method="GET", path=r"^/users/[^/]+$", code=1001, message="User gone")
        with pytest.raises(ZoomNotFound, match="User gone"):
            client.get_user("kmf-zoom01")


def test_cli_ends_an_overrunning_meeting(sandbox: Sandbox, tmp_path: Path):
    config = tmp_path / "zoom.json"
    config.write_text(json.dumps(sandbox.config_json()))
    made = sandbox_client(sandbox).create_meeting("kmf-zoom01", _create(), key="END-CLI")
    sandbox.state.start_meeting(made.id)
    app = typer.Typer()
    register(app)
    base = ["--zoom-config", str(config), "--account", "kominfo"]
    result = CliRunner().invoke(app, ["meetings", "end", str(made.id), *base], catch_exceptions=False)
    assert result.exit_code == 0 and "ended" in result.output, result.output
    assert sandbox.state.meetings_with_key("END-CLI")[0]["status"] == "waiting"
    missing = CliRunner().invoke(app, ["meetings", "end", "123", *base])
    assert (
        missing.exit_code == 1
        and missing.output.startswith("error: ZoomNotFound")
        and "Traceback" not in missing.output
    )
