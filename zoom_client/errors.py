"""One error hierarchy for every way a Zoom call can fail, and the single mapping that builds it.

Every error carries the HTTP status, Zoom's own code, Zoom's message and the request (method + path only:
never headers, tokens or bodies), so a failure is reported the same way wherever it surfaces.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any


@dataclass(frozen=True)
class RequestInfo:
    """What was asked, safe to log: the method and the path (query strings are dropped)."""

    method: str
    path: str

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


class ZoomError(Exception):
    """Base of every failure raised by `zoom_client`."""

    #: Whether the same request may succeed if simply sent again later.
    transient: bool = False

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: int | None = None,
        request: RequestInfo | None = None,
        details: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.request = request
        self.details: tuple[Mapping[str, Any], ...] = tuple(details)

    def __str__(self) -> str:
        parts = [self.message]
        meta = []
        if self.status is not None:
            meta.append(f"HTTP {self.status}")
        if self.code is not None:
            meta.append(f"Zoom code {self.code}")
        if meta:
            parts.append(f"({', '.join(meta)})")
        if self.request is not None:
            parts.append(f"on {self.request}")
        if self.details:
            fields = "; ".join(f"{d.get('field', '?')}: {d.get('message', '')}" for d in self.details)
            parts.append(f"[{fields}]")
        return " ".join(parts)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"


class ZoomAuthError(ZoomError):
    """Credentials rejected, token invalid or expired (HTTP 401, code 124, OAuth endpoint refusals)."""


class ZoomPermissionError(ZoomError):
    """Authenticated but not allowed: missing scope (4700), user may not host (3161), HTTP 403."""


class ZoomNotFound(ZoomError):
    """The user (1001, 1010) or meeting (3001) does not exist, or no longer does."""


class ZoomConflict(ZoomError):
    """The resource is in a state that forbids the change, e.g. a meeting in progress (3000, 3002, 3003)."""


class ZoomValidationError(ZoomError):
    """Zoom rejected the request's content (HTTP 400, code 300); `details` lists the fields."""


class ZoomRateLimited(ZoomError):
    """HTTP 429: too many calls. `retry_after` is when Zoom says to try again (UTC), if it said."""

    transient = True

    def __init__(
        self,
        message: str,
        *,
        retry_after: datetime | None = None,
        limit_type: str | None = None,
        category: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after
        self.limit_type = limit_type
        self.category = category

    def __str__(self) -> str:
        base = super().__str__()
        if self.retry_after is not None:
            base += f" (retry after {self.retry_after.isoformat()})"
        return base


class ZoomDailyBudgetExhausted(ZoomRateLimited):
    """A host's 100 meeting create+update calls for this UTC day are spent.

    Raised by our own budget before Zoom is asked (status None) or mapped from Zoom's daily-limit answer: a 429,
    or HTTP 400 with code 300 "A maximum of … meetings can be created/updated for a single user in one day".
    `retry_after` is the next 00:00 UTC.
    """

    transient = False

    def __init__(self, message: str, *, host: str | None = None, limit: int | None = None, **kwargs: Any):
        super().__init__(message, limit_type="Daily-limit", **kwargs)
        self.host = host
        self.limit = limit


class ZoomServerError(ZoomError):
    """Zoom failed (HTTP 5xx); the request may or may not have taken effect."""

    transient = True


class ZoomTransportError(ZoomError):
    """No usable HTTP answer: connection refused or dropped, timeout, TLS failure.

    `sent` is False only when the request certainly never reached Zoom (so even a create may be resent).
    """

    transient = True

    def __init__(self, message: str, *, sent: bool = True, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.sent = sent


class ZoomProtocolError(ZoomError):
    """Zoom answered success but with a body we cannot read (not JSON, or not the documented shape)."""


class ZoomOutcomeUnknown(ZoomError):
    """A create whose answer was lost (5xx, timeout, dropped connection): the meeting may exist.

    Never resend blindly: look for it with `ZoomClient.find_by_key(host, key)` first (or use
    `ZoomClient.ensure_meeting`, which does exactly that).
    """

    def __init__(self, message: str, *, host: str, key: str, cause: ZoomError, **kwargs: Any) -> None:
        kwargs.setdefault("status", cause.status)
        kwargs.setdefault("code", cause.code)
        kwargs.setdefault("request", cause.request)
        super().__init__(message, **kwargs)
        self.host = host
        self.key = key
        self.cause = cause


# Zoom error codes that decide the error class whatever (non-5xx, non-429, non-401) status carried them.
_CODE_CLASSES: dict[int, type[ZoomError]] = {
    124: ZoomAuthError,
    300: ZoomValidationError,
    1001: ZoomNotFound,
    1010: ZoomNotFound,
    3000: ZoomConflict,
    3001: ZoomNotFound,
    3002: ZoomConflict,
    3003: ZoomConflict,
    3007: ZoomConflict,
    3161: ZoomPermissionError,
    4700: ZoomPermissionError,
    4711: ZoomPermissionError,
}
_NOT_FOUND_RE = re.compile(r"not found|does not exist|not exist", re.IGNORECASE)
#: Zoom's per-user daily create/update limit, as its Meeting API reference documents it for create and update:
#: HTTP 400, code 300, "A maximum of {rateLimitNumber} meetings can be created/updated for a single user in one day."
_DAILY_MEETING_LIMIT_RE = re.compile(
    r"maximum of\s*(\d+)?[^.]*?meetings?\s+can be created/updated for a single user in one day", re.IGNORECASE
)
_STATUS_CLASSES: dict[int, type[ZoomError]] = {
    400: ZoomValidationError,
    401: ZoomAuthError,
    403: ZoomPermissionError,
    404: ZoomNotFound,
    409: ZoomConflict,
    422: ZoomValidationError,
}


def parse_retry_after(value: str | None, now: datetime) -> datetime | None:
    """Zoom sends `Retry-After` as a date-time; accept ISO 8601, HTTP-date, or plain seconds."""
    if not value:
        return None
    value = value.strip()
    if re.fullmatch(r"\d+(\.\d+)?", value):
        return now + timedelta(seconds=float(value))
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def next_utc_midnight(now: datetime) -> datetime:
    """When Zoom's per-host daily counters reset."""
    day = now.astimezone(UTC).date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _decode_body(body: bytes | str | None) -> tuple[int | None, str | None, list[Mapping[str, Any]]]:
    """(code, message, errors[]) from an error body, tolerating non-JSON and odd shapes."""
    if body is None:
        return None, None, []
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    try:
        data = json.loads(text)
    except ValueError:
        snippet = " ".join(text.split())[:200]
        return None, (f"non-JSON body: {snippet}" if snippet else None), []
    if not isinstance(data, dict):
        return None, None, []
    code: int | None = None
    raw_code = data.get("code")
    if isinstance(raw_code, int) and not isinstance(raw_code, bool):
        code = raw_code
    elif isinstance(raw_code, str) and raw_code.isdigit():
        code = int(raw_code)
    message = data.get("message") or data.get("reason") or data.get("error_description") or data.get("error")
    errors: list[Mapping[str, Any]] = [e for e in data.get("errors", []) or [] if isinstance(e, dict)]
    return code, (str(message) if message is not None else None), errors


def error_from_response(
    status: int,
    body: bytes | str | None,
    headers: Mapping[str, str],
    request: RequestInfo | None,
    *,
    now: datetime,
    host: str | None = None,
) -> ZoomError:
    """The one mapping from an HTTP error answer (status, Zoom code, headers) to a typed `ZoomError`.

    Order: 5xx, 429 and 401 decide by status; then Zoom's daily create/update limit, which also arrives as
    HTTP 400 with code 300 and its own message (so it is not taken for a validation error); otherwise a known
    Zoom code wins (Zoom sometimes sends a
    404-type code on a 400); otherwise the status. A body whose code disagrees with an error status (e.g.
    HTTP 400 carrying code 200) keeps the status' class and drops the meaningless code.
    """
    code, message, details = _decode_body(body)
    if code is not None and code < 300 and code != 124 and status >= 400:
        code = None  # e.g. HTTP 400 with code 200: the status is the truth
    msg = message or f"Zoom answered HTTP {status}"
    common: dict[str, Any] = {"status": status, "code": code, "request": request, "details": details}
    lower = {k.lower(): v for k, v in headers.items()}

    if status >= 500:
        return ZoomServerError(msg, **common)
    if status == 429:
        retry_after = parse_retry_after(lower.get("retry-after"), now)
        limit_type = lower.get("x-ratelimit-type")
        category = lower.get("x-ratelimit-category")
        daily = (limit_type or "").lower().startswith("daily") or "daily rate limit" in msg.lower()
        if daily and ("meeting create/update" in msg.lower() or host is not None):
            return ZoomDailyBudgetExhausted(
                msg,
                host=host,
                limit=_int_or_none(lower.get("x-ratelimit-limit")),
                retry_after=retry_after or next_utc_midnight(now),
                category=category,
                **common,
            )
        return ZoomRateLimited(msg, retry_after=retry_after, limit_type=limit_type, category=category, **common)
    if status == 401:
        return ZoomAuthError(msg, **common)
    day_spent = _DAILY_MEETING_LIMIT_RE.search(msg)
    if day_spent is not None:  # not a validation error: the host's day is spent whatever we send
        return ZoomDailyBudgetExhausted(
            msg,
            host=host,
            limit=int(day_spent.group(1)) if day_spent.group(1) else None,
            retry_after=next_utc_midnight(now),
            **common,
        )
    cls = _CODE_CLASSES.get(code) if code is not None else None
    if cls is None:
        cls = _STATUS_CLASSES.get(status, ZoomError)
    if cls is ZoomValidationError and _NOT_FOUND_RE.search(msg):
        cls = ZoomNotFound  # Zoom has answered a deleted meeting with code 300 "... not found or has expired"
    return cls(msg, **common)


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None
