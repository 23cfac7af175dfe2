from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from zoom_client.errors import (
    RequestInfo,
    ZoomAuthError,
    ZoomConflict,
    ZoomDailyBudgetExhausted,
    ZoomError,
    ZoomNotFound,
    ZoomPermissionError,
    ZoomRateLimited,
    ZoomServerError,
    ZoomValidationError,
    error_from_response,
    next_utc_midnight,
    parse_retry_after,
)

NOW = datetime(2025, 3, 10, 8, 30, 15, tzinfo=UTC)
REQ = RequestInfo("POST", "/users/u1/meetings")


def _map(status: int, body: bytes | str | None, headers: dict[str, str] | None = None, host: str | None = None):
    return error_from_response(status, body, headers or {}, REQ, now=NOW, host=host)


@pytest.mark.parametrize(
    ("status", "body", "cls", "code"),
    [
        (400, b'{"code": 300, "message": "Validation Failed."}', ZoomValidationError, 300),
        (401, b'{"code": 124, "message": "Invalid access token."}', ZoomAuthError, 124),
        (400, b'{"code": 124, "message": "Invalid access token."}', ZoomAuthError, 124),
        (
            403,
            b'{"code": 4700, "message": "Invalid access token, does not contain scopes."}',
            ZoomPermissionError,
            4700,
        ),
        (404, b'{"code": 1001, "message": "User does not exist: x."}', ZoomNotFound, 1001),
        (400, b'{"code": 1001, "message": "User does not exist: x."}', ZoomNotFound, 1001),
        (400, b'{"code": 1010, "message": "User does not belong to this account."}', ZoomNotFound, 1010),
        (404, b'{"code": 3001, "message": "Meeting 1 is not found or has expired."}', ZoomNotFound, 3001),
        (400, b'{"code": 3000, "message": "Cannot update a meeting in progress."}', ZoomConflict, 3000),
        (400, b'{"code": 3002, "message": "cannot delete this meeting since it is in progress"}', ZoomConflict, 3002),
        (400, b'{"code": 3161, "message": "hosting not allowed"}', ZoomPermissionError, 3161),
        (409, b'{"code": 9999, "message": "conflict"}', ZoomConflict, 9999),
        (400, b'{"code": 300, "message": "Meeting 5 is not found or has expired."}', ZoomNotFound, 300),
        (500, b'{"code": 3001, "message": "whatever"}', ZoomServerError, 3001),
        (503, b"", ZoomServerError, None),
        (418, b'{"code": 5, "message": "teapot"}', ZoomError, None),
    ],
)
def test_status_and_code_map_to_one_error_class(status, body, cls, code):
    err = _map(status, body)
    assert type(err) is cls
    assert err.status == status
    assert err.code == code
    assert err.request == REQ


def test_http_400_with_code_200_keeps_the_status_class_and_drops_the_code():
    err = _map(400, b'{"code": 200, "message": "No permission."}')
    assert type(err) is ZoomValidationError
    assert err.code is None
    assert err.message == "No permission."


def test_non_json_body_is_reported_with_a_snippet():
    err = _map(502, b"<html><body>Bad   Gateway</body></html>")
    assert isinstance(err, ZoomServerError)
    assert err.code is None
    assert "non-JSON body" in err.message and "Bad Gateway" in err.message


def test_json_that_is_not_an_object_and_empty_bodies_are_tolerated():
    assert isinstance(_map(404, b"[1, 2]"), ZoomNotFound)
    assert isinstance(_map(400, None), ZoomValidationError)
    assert _map(400, None).message == "Zoom answered HTTP 400"
    assert _map(400, b'{"code": "300", "message": "x"}').code == 300


def test_validation_details_are_kept_and_printed():
    body = b'{"code": 300, "message": "Validation Failed.", "errors": [{"field": "topic", "message": "too long"}]}'
    err = _map(400, body)
    assert err.details == ({"field": "topic", "message": "too long"},)
    assert "topic: too long" in str(err)


def test_str_names_status_code_and_request_but_no_headers():
    err = _map(404, b'{"code": 1001, "message": "User does not exist: u1."}', {"Authorization": "Bearer tok"})
    text = str(err)
    assert text == "User does not exist: u1. (HTTP 404, Zoom code 1001) on POST /users/u1/meetings"
    assert "tok" not in text and "tok" not in repr(err)


def test_429_with_retry_after_date_time():
    headers = {"Retry-After": "2025-03-10T08:30:16Z", "X-RateLimit-Type": "QPS", "X-RateLimit-Category": "Medium"}
    err = _map(429, b'{"code": 429, "message": "You have reached the maximum per-second rate limit"}', headers)
    assert type(err) is ZoomRateLimited
    assert err.retry_after == datetime(2025, 3, 10, 8, 30, 16, tzinfo=UTC)
    assert err.limit_type == "QPS" and err.category == "Medium"
    assert err.transient


def test_429_without_headers_has_no_retry_after():
    err = _map(429, b"")
    assert type(err) is ZoomRateLimited and err.retry_after is None


def test_daily_limit_429_maps_to_budget_exhausted_even_without_headers():
    msg = (
        b'{"code": 429, "message": "You have exceeded the daily rate limit (100) of Meeting Create/Update API '
        b'requests permitted for this particular user. You may resume these requests at GMT 00:00:00."}'
    )
    err = _map(429, msg, {"x-ratelimit-category": "Light", "x-ratelimit-remaining": "5893"}, host="u1")
    assert isinstance(err, ZoomDailyBudgetExhausted)
    assert err.host == "u1"
    assert err.retry_after == datetime(2025, 3, 11, tzinfo=UTC)
    assert not err.transient


def test_daily_limit_type_header_with_host():
    headers = {"X-RateLimit-Type": "Daily-limit", "X-RateLimit-Limit": "100", "Retry-After": "2025-03-11T00:00:00Z"}
    err = _map(429, b'{"code": 429, "message": "limit"}', headers, host="u1")
    assert isinstance(err, ZoomDailyBudgetExhausted) and err.limit == 100


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-03-10T08:31:00Z", datetime(2025, 3, 10, 8, 31, tzinfo=UTC)),
        ("2025-03-10T15:31:00+07:00", datetime(2025, 3, 10, 8, 31, tzinfo=UTC)),
        ("2025-03-10T08:31:00", datetime(2025, 3, 10, 8, 31, tzinfo=UTC)),
        ("Mon, 10 Mar 2025 08:31:00 GMT", datetime(2025, 3, 10, 8, 31, tzinfo=UTC)),
        ("5", NOW + timedelta(seconds=5)),
        ("", None),
        (None, None),
        ("soon", None),
    ],
)
def test_parse_retry_after(value, expected):
    assert parse_retry_after(value, NOW) == expected


def test_next_utc_midnight_from_another_zone():
    from zoneinfo import ZoneInfo

    jakarta_morning = datetime(2025, 3, 11, 6, 0, tzinfo=ZoneInfo("Asia/Jakarta"))  # 23:00 UTC on the 10th
    assert next_utc_midnight(jakarta_morning) == datetime(2025, 3, 11, tzinfo=UTC)
