"""Every endpoint and error path of `ZoomClient`, against `responses` (no sockets)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from pydantic import SecretStr

from tests.zoom_client.conftest import API, OAUTH, token_reply
from zoom_client.config import AccountCategory
from zoom_client.errors import (
    ZoomAuthError,
    ZoomConflict,
    ZoomDailyBudgetExhausted,
    ZoomNotFound,
    ZoomOutcomeUnknown,
    ZoomPermissionError,
    ZoomProtocolError,
    ZoomRateLimited,
    ZoomServerError,
    ZoomTransportError,
    ZoomValidationError,
)
from zoom_client.models import HostKind, MeetingCreate, MeetingSettings, MeetingUpdate, TrackingField
from zoom_client.retry import RetryPolicy

START = datetime(2025, 3, 11, 2, 0, tzinfo=UTC)


def meeting_json(mid: int = 85746065432, key: str = "req-1", **extra):
    base = {
        "uuid": "abc==",
        "id": mid,
        "host_id": "u1",
        "host_email": "zoom01@kominfo.go.id",
        "topic": "Rapat",
        "type": 2,
        "status": "waiting",
        "start_time": "2025-03-11T02:00:00Z",
        "duration": 60,
        "timezone": "Asia/Jakarta",
        "agenda": f"[vicon:{key}]\nBahas anggaran",
        "created_at": "2025-03-10T08:00:00Z",
        "join_url": f"https://zoom.us/j/{mid}?pwd=x",
        "start_url": f"https://zoom.us/s/{mid}?zak=SECRET-ZAK",
        "password": "abc123",
        "settings": {"waiting_room": True, "join_before_host": False, "alternative_hosts": "a@x;b@x"},
    }
    base.update(extra)
    return base


def create_request(**overrides) -> MeetingCreate:
    values = {"topic": "Rapat", "start_time": START, "duration": 60, "agenda": "Bahas anggaran"}
    values.update(overrides)
    return MeetingCreate(**values)


def query(call) -> dict[str, list[str]]:
    return parse_qs(urlsplit(call.request.url).query)


def api_calls(rsps) -> list:
    return [c for c in rsps.calls if c.request.url.startswith(API)]


@pytest.fixture
def authed(rsps):
    rsps.post(OAUTH, json=token_reply("tok-1"))
    return rsps


# --- users and discovery ---------------------------------------------------------------------------


def test_list_users_follows_all_pages_lazily(authed, make_client):
    authed.get(
        f"{API}/users",
        match=[responses.matchers.query_param_matcher({"status": "active", "page_size": "300"})],
        json={"next_page_token": "p2", "users": [{"id": "u1", "email": "A@x", "type": 2}]},
    )
    authed.get(
        f"{API}/users",
        match=[
            responses.matchers.query_param_matcher({"status": "active", "page_size": "300", "next_page_token": "p2"})
        ],
        json={"next_page_token": "", "users": [{"id": "u2", "email": "b@x", "type": 1}]},
    )
    client = make_client()
    users = client.list_users()
    assert api_calls(authed) == []  # an iterator: nothing sent until consumed
    assert [u.id for u in users] == ["u1", "u2"]
    assert len(api_calls(authed)) == 2
    call = api_calls(authed)[0]
    assert call.request.headers["Authorization"] == "Bearer tok-1"
    assert call.request.headers["Accept"] == "application/json"


def test_discover_hosts_reads_capacities_and_skips_basic_users(authed, make_client):
    authed.get(
        f"{API}/users",
        json={
            "users": [
                {"id": "u1", "email": "pro@x", "first_name": "Pro", "last_name": "One", "type": 2},
                {"id": "u2", "email": "large@x", "type": 2},
                {"id": "u3", "email": "web@x", "type": 2},
                {"id": "u4", "email": "basic@x", "type": 1},
            ]
        },
    )
    authed.get(f"{API}/users/u1/settings", json={"feature": {"meeting_capacity": 100}})
    authed.get(
        f"{API}/users/u2/settings",
        json={
            "feature": {
                "meeting_capacity": 300,
                "large_meeting": True,
                "large_meeting_capacity": 1000,
                "concurrent_meeting": "Basic",
            }
        },
    )
    authed.get(
        f"{API}/users/u3/settings",
        json={"feature": {"meeting_capacity": 300, "webinar": True, "webinar_capacity": 500}},
    )
    hosts = make_client().discover_hosts()
    assert [(h.user_id, h.capacity, h.kind, h.concurrency, h.webinar_capacity) for h in hosts] == [
        ("u1", 100, HostKind.MEETING, 1, None),
        ("u2", 1000, HostKind.MEETING, 2, None),
        ("u3", 300, HostKind.WEBINAR, 1, 500),
    ]
    assert hosts[0].name == "Pro One" and hosts[0].account == "kominfo"
    assert not any("u4" in c.request.url for c in authed.calls)


def test_business_account_hosts_run_two_meetings(authed, make_client, account):
    authed.get(f"{API}/users", json={"users": [{"id": "u1", "email": "a@x", "type": 2}]})
    authed.get(f"{API}/users/u1/settings", json={"feature": {"meeting_capacity": 300}})
    biz = account.model_copy(update={"category": AccountCategory.BUSINESS})
    assert make_client(biz).discover_hosts()[0].concurrency == 2


def test_user_settings_unknown_user(authed, make_client):
    authed.get(f"{API}/users/nobody@x/settings", status=404, json={"code": 1001, "message": "User does not exist"})
    with pytest.raises(ZoomNotFound) as info:
        make_client().get_user_settings("nobody@x")
    assert info.value.code == 1001


# --- create ----------------------------------------------------------------------------------------


def test_create_sends_a_tagged_scheduled_meeting(authed, make_client, account):
    authed.post(f"{API}/users/zoom01@kominfo.go.id/meetings", status=201, json=meeting_json())
    client = make_client(account.model_copy(update={"key_tracking_field": "vicon_key"}))
    request = create_request(
        start_time=datetime(2025, 3, 11, 9, 0, tzinfo=__import__("zoneinfo").ZoneInfo("Asia/Jakarta")),
        passcode="abc123",
        settings=MeetingSettings(
            waiting_room=True, join_before_host=False, alternative_hosts=("a@x", "b@x"), auto_recording="cloud"
        ),
        tracking_fields=(TrackingField(field="unit", value="Diskominfo"),),
    )
    meeting = client.create_meeting("zoom01@kominfo.go.id", request, key="req-1")
    body = json.loads(api_calls(authed)[0].request.body)
    assert body == {
        "topic": "Rapat",
        "type": 2,
        "start_time": "2025-03-11T02:00:00Z",  # always UTC with Z
        "duration": 60,
        "timezone": "Asia/Jakarta",
        "agenda": "[vicon:req-1]\nBahas anggaran",
        "password": "abc123",
        "settings": {
            "waiting_room": True,
            "join_before_host": False,
            "alternative_hosts": "a@x;b@x",
            "auto_recording": "cloud",
        },
        "tracking_fields": [{"field": "unit", "value": "Diskominfo"}, {"field": "vicon_key", "value": "req-1"}],
    }
    assert meeting.id == 85746065432 and meeting.key == "req-1"
    assert meeting.agenda_text == "Bahas anggaran"
    assert meeting.settings.alternative_host_list == ["a@x", "b@x"]
    assert isinstance(meeting.start_url, SecretStr)
    assert "SECRET-ZAK" not in repr(meeting) and "SECRET-ZAK" not in meeting.model_dump_json()
    # the e-mail is now known to be u1: the budget is counted on the id
    assert client.daily_budget_remaining("u1") == 99
    assert client.daily_budget_remaining("zoom01@kominfo.go.id") == 99


def test_create_rejects_bad_input_before_any_call(make_client):
    with pytest.raises(ValueError):
        create_request(start_time=datetime(2025, 3, 11, 9, 0))  # naive
    with pytest.raises(ValueError):
        create_request(timezone="Mars/Olympus")
    with pytest.raises(ValueError):
        create_request(passcode="way-too-long-passcode")
    with pytest.raises(ValueError):
        create_request(topic="x" * 201)
    with pytest.raises(ValueError, match="invalid meeting key"):
        make_client().create_meeting("u1", create_request(), key="bad key with spaces")


def test_create_validation_error_carries_field_details(authed, make_client):
    authed.post(
        f"{API}/users/u1/meetings",
        status=400,
        json={"code": 300, "message": "Validation Failed.", "errors": [{"field": "start_time", "message": "Invalid"}]},
    )
    with pytest.raises(ZoomValidationError) as info:
        make_client().create_meeting("u1", create_request(), key="k1")
    assert info.value.details[0]["field"] == "start_time"
    assert "POST /users/u1/meetings" in str(info.value)


def test_create_user_may_not_host(authed, make_client):
    authed.post(f"{API}/users/u1/meetings", status=400, json={"code": 3161, "message": "not allowed"})
    with pytest.raises(ZoomPermissionError):
        make_client().create_meeting("u1", create_request(), key="k1")


def test_create_5xx_is_outcome_unknown_and_not_resent(authed, make_client):
    authed.post(f"{API}/users/u1/meetings", status=502, json={"code": 502, "message": "Bad gateway"})
    with pytest.raises(ZoomOutcomeUnknown) as info:
        make_client().create_meeting("u1", create_request(), key="k1")
    assert info.value.key == "k1" and info.value.host == "u1"
    assert isinstance(info.value.cause, ZoomServerError)
    assert len(api_calls(authed)) == 1


def test_create_dropped_connection_is_outcome_unknown(authed, make_client):
    authed.post(f"{API}/users/u1/meetings", body=requests.ConnectionError("Connection aborted"))
    with pytest.raises(ZoomOutcomeUnknown):
        make_client().create_meeting("u1", create_request(), key="k1")
    assert len(api_calls(authed)) == 1


def test_create_connect_timeout_was_never_sent_so_it_is_retried(authed, make_client, fake_time):
    authed.post(f"{API}/users/u1/meetings", body=requests.ConnectTimeout("no route"))
    authed.post(f"{API}/users/u1/meetings", status=201, json=meeting_json(key="k1"))
    client = make_client()
    meeting = client.create_meeting("u1", create_request(), key="k1")
    assert meeting.key == "k1"
    assert len(api_calls(authed)) == 2 and fake_time.sleeps == [0.5]
    assert client.daily_budget_remaining("u1") == 99  # the unsent attempt was refunded


def test_create_success_with_unreadable_body_is_outcome_unknown(authed, make_client):
    authed.post(f"{API}/users/u1/meetings", status=201, body="<html>ok</html>")
    with pytest.raises(ZoomOutcomeUnknown) as info:
        make_client().create_meeting("u1", create_request(), key="k1")
    assert isinstance(info.value.cause, ZoomProtocolError)


def test_ensure_meeting_finds_the_lost_create_instead_of_duplicating(authed, make_client):
    authed.post(f"{API}/users/u1/meetings", body=requests.ConnectionError("reset after send"))
    authed.get(
        f"{API}/users/u1/meetings",
        json={
            "meetings": [{"id": 1, "agenda": "[vicon:other]\n..."}, {"id": 85746065432, "agenda": "[vicon:k1]\nBahas"}]
        },
    )
    authed.get(f"{API}/meetings/85746065432", json=meeting_json(key="k1"))
    meeting = make_client().ensure_meeting("u1", create_request(), key="k1")
    assert meeting.id == 85746065432
    methods = [c.request.method for c in api_calls(authed)]
    assert methods.count("POST") == 1


def test_ensure_meeting_recreates_once_when_the_key_is_absent(authed, make_client, fake_time, account):
    authed.post(f"{API}/users/u1/meetings", status=500, json={"code": 500, "message": "oops"})
    authed.post(f"{API}/users/u1/meetings", status=201, json=meeting_json(key="k1"))
    authed.get(f"{API}/users/u1/meetings", json={"meetings": []})
    meeting = make_client().ensure_meeting("u1", create_request(), key="k1")
    assert meeting.key == "k1"
    # Looked for at once, and again after settling (a create Zoom is still working on lands meanwhile):
    # only then sent again.
    assert [c.request.method for c in api_calls(authed)] == ["POST", "GET", "GET", "POST"]
    assert account.read_timeout_s in fake_time.sleeps


def test_ensure_meeting_check_first_skips_create_when_present(authed, make_client):
    authed.get(f"{API}/users/u1/meetings", json={"meetings": [{"id": 85746065432, "agenda": "[vicon:k1]"}]})
    authed.get(f"{API}/meetings/85746065432", json=meeting_json(key="k1"))
    make_client().ensure_meeting("u1", create_request(), key="k1", check_first=True)
    assert "POST" not in [c.request.method for c in api_calls(authed)]


def test_ensure_meeting_gives_up_with_outcome_unknown(authed, make_client):
    authed.post(f"{API}/users/u1/meetings", status=500, json={"code": 500, "message": "oops"})
    authed.get(f"{API}/users/u1/meetings", json={"meetings": []})
    with pytest.raises(ZoomOutcomeUnknown):
        make_client().ensure_meeting("u1", create_request(), key="k1", recoveries=1, settle_s=5)
    assert [c.request.method for c in api_calls(authed)] == ["POST", "GET", "GET", "POST", "GET", "GET"]


# --- get / update / delete -------------------------------------------------------------------------


def test_get_meeting_and_timeouts_on_every_call(authed, make_client, account):
    authed.get(f"{API}/meetings/85746065432", json=meeting_json())
    meeting = make_client().get_meeting(85746065432)
    assert meeting.password == "abc123" and meeting.start_time == START
    assert all(c.request.req_kwargs["timeout"] == account.timeout for c in authed.calls)


def test_get_meeting_not_found(authed, make_client):
    authed.get(
        f"{API}/meetings/1", status=404, json={"code": 3001, "message": "Meeting 1 is not found or has expired."}
    )
    with pytest.raises(ZoomNotFound) as info:
        make_client().get_meeting(1)
    assert (info.value.status, info.value.code) == (404, 3001)


def test_non_json_success_body_is_a_protocol_error(authed, make_client):
    authed.get(f"{API}/meetings/1", status=200, body="<html>Zoom maintenance</html>")
    with pytest.raises(ZoomProtocolError, match="non-JSON"):
        make_client().get_meeting(1)


def test_wrong_shape_is_a_protocol_error(authed, make_client):
    authed.get(f"{API}/meetings/1", json={"topic": "no id"})
    with pytest.raises(ZoomProtocolError, match="Meeting shape"):
        make_client().get_meeting(1)
    authed.get(f"{API}/meetings/2", json=[1, 2, 3])
    with pytest.raises(ZoomProtocolError, match="not a JSON object"):
        make_client().get_meeting(2)


def test_update_sends_only_changes_and_counts_the_budget(authed, make_client):
    authed.patch(f"{API}/meetings/85746065432", status=204)
    client = make_client()
    client.update_meeting(85746065432, MeetingUpdate(topic="Baru", duration=90), host="u1")
    body = json.loads(api_calls(authed)[0].request.body)
    assert body == {"topic": "Baru", "duration": 90}
    assert client.daily_budget_remaining("u1") == 99


def test_update_learns_the_host_with_one_get_when_not_given(authed, make_client):
    authed.get(f"{API}/meetings/85746065432", json=meeting_json())
    authed.patch(f"{API}/meetings/85746065432", status=204)
    client = make_client()
    client.update_meeting(85746065432, MeetingUpdate(start_time=START + timedelta(hours=1)))
    client.update_meeting(85746065432, MeetingUpdate(duration=30))  # host now cached: no second GET
    assert [c.request.method for c in api_calls(authed)] == ["GET", "PATCH", "PATCH"]
    assert json.loads(api_calls(authed)[1].request.body) == {"start_time": "2025-03-11T03:00:00Z"}
    assert client.daily_budget_remaining("u1") == 98


def test_update_agenda_keeps_the_marker_and_needs_the_key(authed, make_client):
    authed.patch(f"{API}/meetings/5", status=204)
    client = make_client()
    with pytest.raises(ValueError, match="key"):
        client.update_meeting(5, MeetingUpdate(agenda="new"), host="u1")
    client.update_meeting(5, MeetingUpdate(agenda="new"), host="u1", key="k1")
    assert json.loads(api_calls(authed)[0].request.body) == {"agenda": "[vicon:k1]\nnew"}


def test_empty_update_sends_nothing(authed, make_client):
    make_client().update_meeting(5, MeetingUpdate(), host="u1")
    assert api_calls(authed) == []


def test_update_in_progress_is_a_conflict(authed, make_client):
    authed.patch(f"{API}/meetings/5", status=400, json={"code": 3000, "message": "Cannot update meeting in progress"})
    with pytest.raises(ZoomConflict):
        make_client().update_meeting(5, MeetingUpdate(topic="x"), host="u1")


def test_delete_with_notice_and_already_gone(authed, make_client):
    authed.delete(f"{API}/meetings/5", status=204)
    authed.delete(f"{API}/meetings/6", status=404, json={"code": 3001, "message": "Meeting 6 is not found"})
    client = make_client()
    assert client.delete_meeting(5, notify_host=True) is True
    assert query(api_calls(authed)[0]) == {"schedule_for_reminder": ["true"], "cancel_meeting_reminder": ["false"]}
    assert client.delete_meeting(6) is False
    with pytest.raises(ZoomNotFound):
        client.delete_meeting(6, missing_ok=False)


def test_delete_in_progress_is_a_conflict(authed, make_client):
    authed.delete(f"{API}/meetings/5", status=400, json={"code": 3002, "message": "in progress"})
    with pytest.raises(ZoomConflict):
        make_client().delete_meeting(5)


# --- listing and find_by_key -----------------------------------------------------------------------


def test_list_meetings_iterates_across_pages(authed, make_client):
    for token, nxt, ids in [(None, "t2", [1, 2]), ("t2", "t3", [3, 4]), ("t3", "", [5])]:
        params = {"type": "upcoming", "page_size": "2"}
        if token:
            params["next_page_token"] = token
        authed.get(
            f"{API}/users/u1/meetings",
            match=[responses.matchers.query_param_matcher(params)],
            json={
                "next_page_token": nxt,
                "total_records": 5,
                "meetings": [{"id": i, "host_id": "u1", "topic": f"m{i}"} for i in ids],
            },
        )
    it = make_client().list_meetings("u1", type="upcoming", page_size=2)
    first = next(it)
    assert first.id == 1 and len(api_calls(authed)) == 1
    assert [m.id for m in it] == [2, 3, 4, 5]
    assert len(api_calls(authed)) == 3


def test_expired_page_token_is_a_validation_error(authed, make_client):
    authed.get(
        f"{API}/users/u1/meetings",
        match=[responses.matchers.query_param_matcher({"type": "scheduled", "page_size": "300"})],
        json={"next_page_token": "old", "meetings": [{"id": 1}]},
    )
    authed.get(
        f"{API}/users/u1/meetings",
        status=400,
        json={"code": 300, "message": "The next page token is invalid or expired."},
    )
    with pytest.raises(ZoomValidationError, match="next page token"):
        list(make_client().list_meetings("u1"))


def test_find_by_key_returns_the_oldest_of_duplicates(authed, make_client):
    authed.get(
        f"{API}/users/u1/meetings",
        json={
            "meetings": [
                {"id": 20, "agenda": "[vicon:k1]", "created_at": "2025-03-10T09:00:00Z"},
                {"id": 10, "agenda": "[vicon:k1]\nx", "created_at": "2025-03-10T08:00:00Z"},
                {"id": 30, "agenda": "[vicon:k10]", "created_at": "2025-03-10T07:00:00Z"},
            ]
        },
    )
    authed.get(f"{API}/meetings/10", json=meeting_json(mid=10, key="k1"))
    client = make_client()
    assert [m.id for m in client.find_all_by_key("u1", "k1")] == [10, 20]
    found = client.find_by_key("u1", "k1")
    assert found is not None and found.id == 10
    assert client.find_by_key("u1", "absent") is None


# --- auth refresh, rate limits, retries ------------------------------------------------------------


def test_token_expiring_mid_batch_is_refreshed_once_and_the_call_retried(rsps, make_client):
    rsps.post(OAUTH, json=token_reply("tok-1"))
    rsps.post(OAUTH, json=token_reply("tok-2"))
    expired = {"code": 124, "message": "Access token is expired."}
    rsps.get(
        f"{API}/meetings/1",
        json=meeting_json(mid=1),
        match=[responses.matchers.header_matcher({"Authorization": "Bearer tok-1"})],
    )
    rsps.get(
        f"{API}/meetings/2",
        status=401,
        json=expired,
        match=[responses.matchers.header_matcher({"Authorization": "Bearer tok-1"})],
    )
    for mid in (2, 3):
        rsps.get(
            f"{API}/meetings/{mid}",
            json=meeting_json(mid=mid),
            match=[responses.matchers.header_matcher({"Authorization": "Bearer tok-2"})],
        )
    client = make_client()
    assert [client.get_meeting(i).id for i in (1, 2, 3)] == [1, 2, 3]
    assert client.tokens.fetches == 2
    assert client.stats.auth_refreshes == 1


def test_a_second_401_after_refresh_is_an_auth_error(rsps, make_client):
    rsps.post(OAUTH, json=token_reply("tok-1"))
    rsps.get(f"{API}/meetings/1", status=401, json={"code": 124, "message": "Invalid access token."})
    client = make_client()
    with pytest.raises(ZoomAuthError) as info:
        client.get_meeting(1)
    assert info.value.code == 124
    assert client.tokens.fetches == 2 and len(api_calls(rsps)) == 2


def test_429_with_retry_after_waits_then_succeeds(authed, make_client, fake_time):
    retry_at = (fake_time.now() + timedelta(seconds=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    authed.get(
        f"{API}/meetings/1",
        status=429,
        headers={"Retry-After": retry_at, "X-RateLimit-Type": "QPS"},
        json={"code": 429, "message": "You have reached the maximum per-second rate limit for this API."},
    )
    authed.get(f"{API}/meetings/1", json=meeting_json(mid=1))
    client = make_client()
    assert client.get_meeting(1).id == 1
    assert fake_time.sleeps == [pytest.approx(2.0)]
    assert client.stats.rate_limited == 1 and client.stats.retries == 1


def test_429_on_create_is_safe_to_resend(authed, make_client, fake_time):
    authed.post(f"{API}/users/u1/meetings", status=429, json={"code": 429, "message": "per-second limit"})
    authed.post(f"{API}/users/u1/meetings", status=201, json=meeting_json(key="k1"))
    client = make_client()
    assert client.create_meeting("u1", create_request(), key="k1").key == "k1"
    assert client.daily_budget_remaining("u1") == 99  # the refused attempt is not counted


def test_429_far_in_the_future_is_raised_with_retry_after(authed, make_client, fake_time):
    later = fake_time.now() + timedelta(minutes=10)
    authed.get(
        f"{API}/meetings/1",
        status=429,
        headers={"Retry-After": later.strftime("%Y-%m-%dT%H:%M:%SZ")},
        json={"code": 429, "message": "slow down"},
    )
    with pytest.raises(ZoomRateLimited) as info:
        make_client().get_meeting(1)
    assert info.value.retry_after == later.replace(microsecond=0)
    assert fake_time.sleeps == []


def test_zoom_daily_limit_exhausts_our_budget_too(authed, make_client):
    authed.post(
        f"{API}/users/u1/meetings",
        status=429,
        headers={"X-RateLimit-Type": "Daily-limit"},
        json={
            "code": 429,
            "message": "You have exceeded the daily rate limit (100) of Meeting Create/Update API requests "
            "permitted for this particular user. You may resume these requests at GMT 00:00:00.",
        },
    )
    client = make_client()
    with pytest.raises(ZoomDailyBudgetExhausted) as info:
        client.create_meeting("u1", create_request(), key="k1")
    assert info.value.status == 429
    assert client.daily_budget_remaining("u1") == 0
    with pytest.raises(ZoomDailyBudgetExhausted) as again:
        client.create_meeting("u1", create_request(), key="k2")
    assert again.value.status is None  # refused locally
    assert len(api_calls(authed)) == 1


def test_local_budget_refuses_before_zoom(authed, make_client):
    client = make_client()
    client.budget.set_used("u1", 100)
    with pytest.raises(ZoomDailyBudgetExhausted, match="refused before calling Zoom"):
        client.update_meeting(5, MeetingUpdate(topic="x"), host="u1")
    assert len(authed.calls) == 0  # not even a token was fetched


def test_5xx_on_get_backs_off_and_recovers(authed, make_client, fake_time):
    authed.get(f"{API}/meetings/1", status=503, body="<html>Service Unavailable</html>")
    authed.get(f"{API}/meetings/1", status=500, json={"code": 500, "message": "err"})
    authed.get(f"{API}/meetings/1", json=meeting_json(mid=1))
    assert make_client().get_meeting(1).id == 1
    assert fake_time.sleeps == [pytest.approx(0.5), pytest.approx(1.0)]


def test_persistent_5xx_raises_server_error_after_max_attempts(authed, make_client, fake_time):
    authed.get(f"{API}/meetings/1", status=502, body="Bad Gateway")
    with pytest.raises(ZoomServerError, match="non-JSON body: Bad Gateway") as info:
        make_client(retry=RetryPolicy(max_attempts=3, random=lambda: 0.5)).get_meeting(1)
    assert info.value.status == 502
    assert len(api_calls(authed)) == 3


def test_connection_errors_on_get_are_retried_then_reported(authed, make_client):
    authed.get(f"{API}/meetings/1", body=requests.ReadTimeout("slow"))
    with pytest.raises(ZoomTransportError, match="ReadTimeout"):
        make_client().get_meeting(1)
    assert len(api_calls(authed)) == 4


def test_stats_count_calls_per_operation(authed, make_client):
    authed.get(f"{API}/meetings/1", json=meeting_json(mid=1))
    authed.delete(f"{API}/meetings/1", status=204)
    client = make_client()
    client.get_meeting(1)
    client.delete_meeting(1)
    assert client.stats.as_dict()["by_operation"] == {"get_meeting": 1, "delete_meeting": 1}
    assert client.stats.calls == 2
