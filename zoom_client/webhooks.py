"""Zoom webhooks: signature verification (pure, injected clock), URL validation, typed events.

Zoom signs `"v0:" + x-zm-request-timestamp + ":" + raw_body` with HMAC-SHA256 under the app's secret token
and sends `x-zm-signature: v0=<hex>`. We hash the raw bytes (never re-serialised JSON), compare in
constant time, and refuse timestamps outside a 5-minute window to stop replays. Zoom retries deliveries
not answered within 3 s, so the same event can arrive twice: handlers must be idempotent.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Mapping
from typing import Annotated, Any

from pydantic import Field, SecretStr, TypeAdapter, ValidationError

from zoom_client.models import (
    MeetingCreated,
    MeetingDeleted,
    MeetingEnded,
    MeetingStarted,
    MeetingUpdated,
    OtherEvent,
    UrlValidation,
)

SIGNATURE_HEADER = "x-zm-signature"
TIMESTAMP_HEADER = "x-zm-request-timestamp"
DEFAULT_TOLERANCE_S = 300.0

KnownEvent = Annotated[
    MeetingCreated | MeetingStarted | MeetingEnded | MeetingDeleted | MeetingUpdated | UrlValidation,
    Field(discriminator="event"),
]
WebhookEvent = (
    MeetingCreated | MeetingStarted | MeetingEnded | MeetingDeleted | MeetingUpdated | UrlValidation | OtherEvent
)
_known: TypeAdapter[Any] = TypeAdapter(KnownEvent)
_KNOWN_NAMES = frozenset(
    {
        "meeting.created",
        "meeting.started",
        "meeting.ended",
        "meeting.deleted",
        "meeting.updated",
        "endpoint.url_validation",
    }
)


class WebhookVerificationError(Exception):
    """The request is not a genuine, fresh Zoom delivery (answer 401 and ignore it)."""


def _secret_bytes(secret: SecretStr | str) -> bytes:
    raw = secret.get_secret_value() if isinstance(secret, SecretStr) else secret
    if not raw:
        raise ValueError("webhook secret token is empty")
    return raw.encode("utf-8")


def compute_signature(secret: SecretStr | str, timestamp: str | int, body: bytes) -> str:
    """`v0=<hex>` for a body sent at `timestamp` (used by the sandbox and tests to sign)."""
    message = b"v0:" + str(timestamp).encode("ascii") + b":" + body
    return "v0=" + hmac.new(_secret_bytes(secret), message, hashlib.sha256).hexdigest()


def url_validation_response(secret: SecretStr | str, plain_token: str) -> dict[str, str]:
    """The JSON body answering `endpoint.url_validation` (must be sent with HTTP 200 within 3 s)."""
    encrypted = hmac.new(_secret_bytes(secret), plain_token.encode("utf-8"), hashlib.sha256).hexdigest()
    return {"plainToken": plain_token, "encryptedToken": encrypted}


class WebhookVerifier:
    """Checks `x-zm-signature` and freshness of an incoming delivery. No I/O; the clock is injected."""

    def __init__(
        self,
        secret: SecretStr | str,
        *,
        clock: Callable[[], float] = time.time,
        tolerance_s: float = DEFAULT_TOLERANCE_S,
    ) -> None:
        self._secret = secret if isinstance(secret, SecretStr) else SecretStr(secret)
        _secret_bytes(self._secret)
        self._clock = clock
        self._tolerance = tolerance_s

    def __repr__(self) -> str:
        return f"WebhookVerifier(tolerance_s={self._tolerance})"

    def verify(self, body: bytes, headers: Mapping[str, str]) -> None:
        """Raise `WebhookVerificationError` unless the delivery is signed by our secret and fresh."""
        lower = {k.lower(): v for k, v in headers.items()}
        signature = lower.get(SIGNATURE_HEADER)
        timestamp = lower.get(TIMESTAMP_HEADER)
        if not signature or not timestamp:
            raise WebhookVerificationError("missing x-zm-signature or x-zm-request-timestamp header")
        try:
            sent_at = float(timestamp)
        except ValueError:
            raise WebhookVerificationError("x-zm-request-timestamp is not a number") from None
        if sent_at > 1e11:  # milliseconds
            sent_at /= 1000.0
        if abs(self._clock() - sent_at) > self._tolerance:
            raise WebhookVerificationError("webhook timestamp outside the accepted window (replay?)")
        expected = compute_signature(self._secret, timestamp, body)
        if not hmac.compare_digest(expected.encode("ascii"), signature.strip().encode("ascii", "replace")):
            raise WebhookVerificationError("webhook signature does not match")

    def is_valid(self, body: bytes, headers: Mapping[str, str]) -> bool:
        try:
            self.verify(body, headers)
        except WebhookVerificationError:
            return False
        return True

    def url_validation_response(self, plain_token: str) -> dict[str, str]:
        return url_validation_response(self._secret, plain_token)

    def handle(self, body: bytes, headers: Mapping[str, str]) -> tuple[WebhookEvent, dict[str, str] | None]:
        """Verify then parse; returns the event and, for URL validation, the body to answer with."""
        self.verify(body, headers)
        event = parse_event(body)
        if isinstance(event, UrlValidation):
            return event, self.url_validation_response(event.payload.plainToken)
        return event, None


def parse_event(body: bytes) -> WebhookEvent:
    """Typed event from a raw body; unknown event names become `OtherEvent`. Raises ValueError."""
    try:
        data = json.loads(body)
    except ValueError:
        raise ValueError("webhook body is not JSON") from None
    if not isinstance(data, dict) or not isinstance(data.get("event"), str):
        raise ValueError("webhook body has no 'event'")
    try:
        if data["event"] in _KNOWN_NAMES:
            event: WebhookEvent = _known.validate_python(data)
            return event
        return OtherEvent.model_validate(data)
    except ValidationError as exc:
        fields = ", ".join(".".join(str(p) for p in e["loc"]) for e in exc.errors(include_input=False))
        raise ValueError(f"webhook {data['event']} has an unexpected shape ({fields})") from None
