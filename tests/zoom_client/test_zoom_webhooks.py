from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from zoom_client.models import MeetingDeleted, MeetingEnded, MeetingStarted, MeetingUpdated, OtherEvent, UrlValidation
from zoom_client.webhooks import (
    WebhookVerificationError,
    WebhookVerifier,
    compute_signature,
    parse_event,
    url_validation_response,
)

SECRET = "wh-secret-token"
NOW = 1_741_600_000.0
BODY = (
    b'{"event":"meeting.started","event_ts":1741600000123,"payload":{"account_id":"acc",'
    b'"object":{"id":"85746065432","uuid":"u==","host_id":"h1","topic":"Rapat","type":2,'
    b'"start_time":"2025-03-10T09:46:40Z","timezone":"Asia/Jakarta","duration":60}}}'
)


def signed_headers(body: bytes = BODY, ts: float | str = NOW, secret: str = SECRET) -> dict[str, str]:
    ts = str(int(ts)) if isinstance(ts, float) else ts
    mac = hmac.new(secret.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    return {"x-zm-request-timestamp": ts, "x-zm-signature": f"v0={mac}"}


@pytest.fixture
def verifier() -> WebhookVerifier:
    return WebhookVerifier(SECRET, clock=lambda: NOW)


def test_genuine_delivery_is_accepted(verifier):
    verifier.verify(BODY, signed_headers())
    assert verifier.is_valid(BODY, {k.upper(): v for k, v in signed_headers().items()})  # header case


def test_signature_helper_matches_zoom_formula():
    assert compute_signature(SECRET, int(NOW), BODY) == signed_headers()["x-zm-signature"]


@pytest.mark.parametrize(
    ("body", "headers", "reason"),
    [
        (BODY + b" ", signed_headers(), "does not match"),  # re-serialised / tampered body
        (BODY, signed_headers(secret="other"), "does not match"),
        (BODY, {"x-zm-signature": signed_headers()["x-zm-signature"]}, "missing"),
        (BODY, {"x-zm-request-timestamp": str(int(NOW))}, "missing"),
        (BODY, {**signed_headers(), "x-zm-request-timestamp": "yesterday"}, "not a number"),
        (BODY, signed_headers(ts=NOW - 301), "window"),
        (BODY, signed_headers(ts=NOW + 301), "window"),
        (BODY, {**signed_headers(), "x-zm-signature": "v0=ünïcode"}, "does not match"),
    ],
)
def test_forged_stale_or_incomplete_deliveries_are_refused(verifier, body, headers, reason):
    with pytest.raises(WebhookVerificationError, match=reason):
        verifier.verify(body, headers)
    assert not verifier.is_valid(body, headers)


def test_window_edges_and_millisecond_timestamps(verifier):
    verifier.verify(BODY, signed_headers(ts=NOW - 300))
    ms = str(int(NOW * 1000))
    verifier.verify(BODY, signed_headers(ts=ms))


def test_url_validation_reply():
    expected = hmac.new(SECRET.encode(), b"qgg8vlvZRS6UYooatFL8Aw", hashlib.sha256).hexdigest()
    assert url_validation_response(SECRET, "qgg8vlvZRS6UYooatFL8Aw") == {
        "plainToken": "qgg8vlvZRS6UYooatFL8Aw",
        "encryptedToken": expected,
    }


def test_handle_answers_url_validation(verifier):
    body = b'{"event":"endpoint.url_validation","event_ts":1,"payload":{"plainToken":"abc"}}'
    event, reply = verifier.handle(body, signed_headers(body))
    assert isinstance(event, UrlValidation)
    assert reply == url_validation_response(SECRET, "abc")
    event, reply = verifier.handle(BODY, signed_headers())
    assert isinstance(event, MeetingStarted) and reply is None


def test_handle_verifies_before_parsing(verifier):
    with pytest.raises(WebhookVerificationError):
        verifier.handle(b"not json", signed_headers(b"something else"))


def test_parse_meeting_events():
    started = parse_event(BODY)
    assert isinstance(started, MeetingStarted)
    assert started.payload.object.id == 85746065432  # string id coerced
    ended = parse_event(
        json.dumps(
            {
                "event": "meeting.ended",
                "event_ts": 2,
                "payload": {
                    "account_id": "a",
                    "object": {"id": 5, "uuid": "x", "host_id": "h", "end_time": "2025-03-10T11:00:00Z"},
                },
            }
        ).encode()
    )
    assert isinstance(ended, MeetingEnded) and ended.payload.object.end_time is not None
    deleted = parse_event(
        json.dumps(
            {
                "event": "meeting.deleted",
                "payload": {"operator": "admin@x", "object": {"id": 5, "uuid": "x", "host_id": "h"}},
            }
        ).encode()
    )
    assert isinstance(deleted, MeetingDeleted) and deleted.payload.operator == "admin@x"
    updated = parse_event(
        json.dumps(
            {
                "event": "meeting.updated",
                "payload": {
                    "object": {"id": 5, "topic": "new", "agenda": "[vicon:k9]\nx"},
                    "old_object": {"id": 5, "topic": "old"},
                    "time_stamp": 1741600000000,
                },
            }
        ).encode()
    )
    assert isinstance(updated, MeetingUpdated)
    assert updated.payload.object.key == "k9" and updated.payload.old_object == {"id": 5, "topic": "old"}


def test_unknown_events_are_kept_and_bad_bodies_rejected():
    other = parse_event(b'{"event":"meeting.participant_joined","payload":{"object":{}}}')
    assert isinstance(other, OtherEvent) and other.event == "meeting.participant_joined"
    for bad in (b"not json", b"[]", b'{"payload": {}}', b'{"event":"meeting.started","payload":{"object":{}}}'):
        with pytest.raises(ValueError):
            parse_event(bad)


def test_empty_secret_is_refused_and_repr_hides_secret():
    with pytest.raises(ValueError):
        WebhookVerifier("")
    assert SECRET not in repr(WebhookVerifier(SECRET))
