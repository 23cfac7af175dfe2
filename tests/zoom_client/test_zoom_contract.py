"""Zoom's published contract, checked where the client or the sandbox once got it wrong (issue 22, item 11):
who a delete notifies, the daily limit answered as HTTP 400 / code 300, integer capacities in user settings,
start times with an offset, meeting type 3, `GET /users/{userId}` and `PUT /meetings/{meetingId}/status`."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import typer
from typer.testing import CliRunner

from tests.zoom_client.conftest import API, OAUTH, sandbox_client, token_reply
from zoom_client.cli import register
from zoom_client.errors import (
    ZoomDailyBudgetExhausted,
    ZoomRateLimited,
    ZoomValidationError,
    next_utc_midnight,
)
from zoom_client.models import MeetingCreate
from zoom_client.sandbox import Sandbox

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
            from zoom_client.models import MeetingUpdate

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
