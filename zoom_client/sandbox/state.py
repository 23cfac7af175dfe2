"""The sandbox's in-memory Zoom: accounts, tokens, meetings, limits, page tokens, faults and events.

`SandboxState.handle()` turns one HTTP request into one `Reply`; the HTTP server is a thin shell around it,
so the behaviour is testable without sockets. All state is behind one lock; time comes from
`SandboxClock`, which tests can move forward (token expiry, page-token expiry, the UTC day).
"""

from __future__ import annotations

import base64
import json
import random
import re
import secrets
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal, cast
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from zoom_client.config import AccountCategory
from zoom_client.idempotency import key_from_agenda
from zoom_client.limits import DAILY_MEETING_WRITES, RATES, ApiCategory
from zoom_client.models import PASSCODE_RE
from zoom_client.sandbox import recurrence as rec
from zoom_client.sandbox.fixture import FixtureAccount, FixtureUser, SandboxFixture

SANDBOX_HEADER = "X-Zoom-Sandbox"
SANDBOX_NOTICE = "vicon-allocator local sandbox - NOT Zoom"
PAGE_TOKEN_TTL = timedelta(minutes=15)
LINK_HOST = "https://zoom-sandbox.invalid"  # .invalid: links that can never resolve to a real meeting
#: How long a start link's host key (ZAK) works after Zoom hands it out: two hours, as Zoom's for API users.
START_LINK_TTL = timedelta(hours=2)
SCOPES = "meeting:read:admin meeting:write:admin user:read:admin"
#: Meeting types the sandbox keeps: 1 instant, 2 scheduled, 3 recurring with no fixed time.
MEETING_TYPES = (1, 2, 3, 8)
_START_RE = re.compile(r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(Z|[+-]\d{2}:\d{2})?")


class SandboxClock:
    """Real UTC time plus an offset that tests can advance; `frozen` stops it unless advanced."""

    def __init__(self, start: datetime | None = None, *, frozen: bool = False) -> None:
        self._lock = threading.Lock()
        self._frozen_at: datetime | None = (start or datetime.now(UTC)) if frozen else None
        self._offset = timedelta(0) if (start is None or frozen) else start - datetime.now(UTC)

    def now(self) -> datetime:
        with self._lock:
            if self._frozen_at is not None:
                return self._frozen_at + self._offset
            return datetime.now(UTC) + self._offset

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._offset += timedelta(seconds=seconds)


@dataclass
class Reply:
    status: int
    body: Any = None  # dict/list -> JSON; bytes -> raw; None -> empty
    headers: dict[str, str] = field(default_factory=dict)
    #: Close the connection without answering (after the action, if any, took effect).
    drop: bool = False
    content_type: str = "application/json;charset=UTF-8"


@dataclass
class FaultRule:
    """One injected fault. `phase` "before" acts instead of the request; "after" once it took effect."""

    kind: str  # "error" | "drop" | "non_json" | "delay"
    phase: str = "before"
    method: str | None = None
    path: str | None = None  # regex searched in the path
    remaining: int | None = 1  # None: forever
    status: int = 500
    code: int | None = None  # Zoom's code in the error body (default: the status)
    message: str | None = None  # Zoom's message in the error body
    delay_s: float = 0.0  # "delay": how long the call is held before it is acted on

    def matches(self, method: str, path: str, phase: str) -> bool:
        return (
            self.phase == phase
            and (self.method is None or self.method == method)
            and (self.path is None or re.search(self.path, path) is not None)
            and (self.remaining is None or self.remaining > 0)
        )


WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})
#: Random fault kinds a spec may give a chance to, and what each does to an API call.
FAULT_KINDS = {
    "slow": "held slow_s seconds before it is acted on (a client that stops waiting leaves it running)",
    "lost": "a write takes effect, then the connection closes without an answer",
    "drop": "the connection closes before the call is acted on",
    "5xx": "answered 503 without acting",
    "429": "answered 429 (rate limited) without acting",
}
_FAULT_SETTINGS = {"slow_s": (0.0, 120.0), "latency": (0.0, 30.0), "seed": (0.0, 2.0**31)}


def parse_fault_spec(spec: str) -> tuple[dict[str, float], dict[str, float]]:
    """`kind=chance` and `setting=value` items, comma-separated (see `Faults.configure`)."""
    rates: dict[str, float] = {}
    settings: dict[str, float] = {}
    for item in (p.strip() for p in spec.split(",")):
        if not item:
            continue
        name, sep, text = item.partition("=")
        name = name.strip().lower()
        if not sep:
            raise ValueError(f"faults: {item!r} is not name=value")
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"faults: {name}: {text.strip()!r} is not a number") from None
        if name in FAULT_KINDS:
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"faults: {name}: a chance between 0 and 1, not {text.strip()}")
            rates[name] = value
        elif name in _FAULT_SETTINGS:
            low, high = _FAULT_SETTINGS[name]
            if not low <= value <= high:
                raise ValueError(f"faults: {name}: between {low:g} and {high:g}, not {text.strip()}")
            settings[name] = value
        else:
            known = ", ".join([*FAULT_KINDS, *_FAULT_SETTINGS])
            raise ValueError(f"faults: unknown fault {name!r} (known: {known})")
    return rates, settings


def rule_kind(rule: FaultRule) -> str:
    """A fault's kind as a spec names it (for counts)."""
    if rule.kind == "drop":
        return "lost" if rule.phase == "after" else "drop"
    if rule.kind == "delay":
        return "slow"
    if rule.kind == "error":
        return "429" if rule.status == 429 else "5xx"
    return rule.kind


class Faults:
    """Knobs to make the sandbox misbehave like a real network and a real Zoom on a bad day."""

    def __init__(self, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self.latency_s = 0.0
        self.error_rate = 0.0  # chance of a 5xx on any API call
        self._rng = random.Random(seed)
        self.injected = 0
        self.injected_by_kind: dict[str, int] = {}
        self.rates: dict[str, float] = {}  # random faults by kind (see `configure`)
        self.slow_s = 1.0

    def add(self, rule: FaultRule) -> FaultRule:
        with self._lock:
            self._rules.append(rule)
        return rule

    def fail_next(
        self,
        n: int = 1,
        *,
        status: int = 500,
        method: str | None = None,
        path: str | None = None,
        code: int | None = None,
        message: str | None = None,
    ) -> None:
        """Answer the next `n` matching API calls with `status` (and Zoom's `code`/`message` in the body, for
        answers Zoom gives that the sandbox does not produce by itself), without acting on them."""
        self.add(FaultRule("error", method=method, path=path, remaining=n, status=status, code=code, message=message))

    def non_json_next(
        self, n: int = 1, *, status: int = 502, method: str | None = None, path: str | None = None
    ) -> None:
        """Answer with an HTML gateway page instead of JSON (as proxies in front of Zoom do)."""
        self.add(FaultRule("non_json", method=method, path=path, remaining=n, status=status))

    def drop_next(self, n: int = 1, *, method: str | None = None, path: str | None = None) -> None:
        """Close the connection before acting (the request had no effect)."""
        self.add(FaultRule("drop", method=method, path=path, remaining=n))

    def slow_next(self, n: int = 1, *, seconds: float, method: str | None = None, path: str | None = None) -> None:
        """Hold the next `n` matching calls for `seconds` before acting on them, others staying quick: a client
        that stops waiting meanwhile leaves behind a request Zoom still carries out (a slow create, say)."""
        self.add(FaultRule("delay", method=method, path=path, remaining=n, delay_s=seconds))

    def drop_after_create(self, n: int = 1) -> None:
        """Create the meeting, then close the connection without answering: the lost-response case."""
        self.add(FaultRule("drop", phase="after", method="POST", path=r"/users/[^/]+/meetings$", remaining=n))

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()
            self.latency_s = 0.0
            self.error_rate = 0.0
            self.rates = {}
            self.slow_s = 1.0

    def configure(self, spec: str) -> None:
        """Random faults from a spec such as `slow=0.5,lost=0.1,5xx=0.1,429=0.05` (what `vicon zoom-sandbox
        --faults` and `VICON_SANDBOX_FAULTS` take): each kind's chance per API call, plus `slow_s` (how long a slow
        call is held, default 1), `latency` (seconds added to every call) and `seed`. An empty spec clears
        them. A wrong part raises `ValueError` naming it."""
        rates, settings = parse_fault_spec(spec)
        with self._lock:
            self.rates = rates
            self.error_rate = rates.pop("5xx", 0.0)
            self.slow_s = settings.get("slow_s", 1.0)
            self.latency_s = settings.get("latency", 0.0)
            if "seed" in settings:
                self._rng = random.Random(int(settings["seed"]))

    def describe(self) -> str:
        """The random faults in force, as a spec (empty: none)."""
        parts = [f"{k}={v:g}" for k, v in sorted({**self.rates, "5xx": self.error_rate}.items()) if v > 0]
        if self.rates.get("slow"):
            parts.append(f"slow_s={self.slow_s:g}")
        if self.latency_s:
            parts.append(f"latency={self.latency_s:g}")
        return ",".join(parts)

    def _roll(self, kind: str) -> bool:
        rate = self.rates.get(kind, 0.0)
        return rate > 0 and self._rng.random() < rate

    def take(self, method: str, path: str, phase: str) -> FaultRule | None:
        with self._lock:
            for rule in self._rules:
                if rule.matches(method, path, phase):
                    if rule.remaining is not None:
                        rule.remaining -= 1
                    self.injected += 1
                    return rule
            drawn = self._random(method, phase)
            if drawn is not None:
                self.injected += 1
                self.injected_by_kind[rule_kind(drawn)] = self.injected_by_kind.get(rule_kind(drawn), 0) + 1
            return drawn

    def _random(self, method: str, phase: str) -> FaultRule | None:
        """A fault drawn from the configured chances (under the lock)."""
        if phase == "after":
            lost = method in WRITE_METHODS and self._roll("lost")
            return FaultRule("drop", phase="after") if lost else None
        if self.error_rate > 0 and self._rng.random() < self.error_rate:
            return FaultRule("error", status=503)
        if self._roll("429"):
            return FaultRule("error", status=429, code=429, message="Too many requests (injected by the sandbox)")
        if self._roll("drop"):
            return FaultRule("drop")
        if self._roll("slow"):
            return FaultRule("delay", delay_s=self.slow_s)
        return None


@dataclass
class _Token:
    account: str
    expires_at: datetime


@dataclass
class _PageCursor:
    account: str
    scope: str
    ids: list[Any]
    offset: int
    expires_at: datetime


def _err(
    status: int,
    code: int,
    message: str,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    body: dict[str, Any] = {"code": code, "message": message}
    if errors:
        body["errors"] = errors
    return Reply(status, body, dict(headers or {}))


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class _Invalid(Exception):
    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name
        self.message = message


class SandboxState:
    """Everything the sandbox knows. Thread-safe; every public method takes the lock."""

    def __init__(
        self,
        fixture: SandboxFixture,
        *,
        clock: SandboxClock | None = None,
        token_ttl_s: int = 3600,
        daily_limit: int = DAILY_MEETING_WRITES,
        enforce_rate_limits: bool = True,
        max_live_tokens: int | None = None,
        seed: int = 0,
        api_base: str = "",
    ) -> None:
        self.fixture = fixture
        self.clock = clock or SandboxClock()
        self.token_ttl_s = token_ttl_s
        self.daily_limit = daily_limit
        self.enforce_rate_limits = enforce_rate_limits
        self.max_live_tokens = max_live_tokens
        self.api_base = api_base
        self.faults = Faults(seed)
        self._lock = threading.RLock()
        self._rng = random.Random(seed)
        self._tokens: dict[str, _Token] = {}
        self._token_order: dict[str, list[str]] = {}
        self._meetings: dict[int, dict[str, Any]] = {}
        self._meeting_account: dict[int, str] = {}
        self._deleted: set[int] = set()
        self._deleted_meetings: dict[int, tuple[str, dict[str, Any]]] = {}
        self._daily: dict[tuple[str, date], int] = {}
        self._qps: dict[tuple[str, ApiCategory], tuple[int, int]] = {}
        self._cursors: dict[str, _PageCursor] = {}
        self.events: list[dict[str, Any]] = []
        self.event_listeners: list[Callable[[dict[str, Any]], None]] = []
        #: Every API request seen: (method, path, status). For tests and benchmarks.
        self.requests: list[tuple[str, str, int]] = []
        self.tokens_issued = 0
        #: Who each deletion asked Zoom to e-mail:
        #: {"host": schedule_for_reminder, "registrants": cancel_meeting_reminder}.
        self.delete_notices: dict[int, dict[str, bool]] = {}
        #: Host keys handed out in start links: key -> (meeting id, when it stops working).
        self._zaks: dict[str, tuple[int, datetime]] = {}

    # --- public helpers for tests and demos ------------------------------------------------------

    def start_link_state(self, url: str) -> Literal["valid", "expired", "unknown"]:
        """What Zoom would do with a start link opened now: start the meeting as its host (`valid`), refuse an
        expired host key (`expired`), or not know the key or the meeting (`unknown`, also for a deleted one)."""
        parts = urlsplit(url)
        key = parse_qs(parts.query).get("zak", [""])[0]
        with self._lock:
            found = self._zaks.get(key)
            if found is None or parts.path != f"/s/{found[0]}" or found[0] not in self._meetings:
                return "unknown"
            return "valid" if self.clock.now() < found[1] else "expired"

    def _start_url(self, mid: int) -> str:
        """A start link with a fresh host key that stops working `START_LINK_TTL` from now."""
        key = f"sbx-zak-{secrets.token_urlsafe(12)}"
        now = self.clock.now()
        if len(self._zaks) > 4096:
            self._zaks = {k: v for k, v in self._zaks.items() if v[1] > now}  # forget expired keys
        self._zaks[key] = (mid, now + START_LINK_TTL)
        return f"{LINK_HOST}/s/{mid}?zak={key}"

    def meetings(self, account: str | None = None) -> list[dict[str, Any]]:
        """Live (not deleted) meetings, as Zoom would return them."""
        with self._lock:
            return [
                dict(m) for mid, m in self._meetings.items() if account is None or self._meeting_account[mid] == account
            ]

    def meetings_with_key(self, key: str) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(m) for m in self._meetings.values() if key_from_agenda(m.get("agenda")) == key]

    def daily_used(self, host_id: str) -> int:
        with self._lock:
            return self._daily.get((host_id, self.clock.now().date()), 0)

    def revoke_tokens(self) -> None:
        """Invalidate every issued token (as Zoom does when an app's secret is rotated)."""
        with self._lock:
            self._tokens.clear()

    def start_meeting(self, meeting_id: int) -> None:
        """The host starts the meeting: it becomes 'started', cannot be changed, emits meeting.started."""
        with self._lock:
            m = self._meetings[meeting_id]
            m["status"] = "started"
            self._emit(
                "meeting.started",
                self._meeting_account[meeting_id],
                {**self._event_object(m), "start_time": _iso(self.clock.now())},
            )

    def end_meeting(self, meeting_id: int) -> None:
        """The meeting ends: back to 'waiting' (scheduled meetings can be restarted), emits meeting.ended."""
        with self._lock:
            m = self._meetings[meeting_id]
            m["status"] = "waiting"
            self._emit(
                "meeting.ended",
                self._meeting_account[meeting_id],
                {**self._event_object(m), "end_time": _iso(self.clock.now())},
            )

    # --- request entry point ---------------------------------------------------------------------

    def handle(self, method: str, path: str, query: str, headers: dict[str, str], body: bytes) -> Reply:
        """One HTTP request in, one reply out (or a dropped connection)."""
        method = method.upper()
        lower = {k.lower(): v for k, v in headers.items()}
        if path == "/oauth/token":
            return self._oauth(method, lower, body)
        if not path.startswith("/v2/"):
            return _err(404, 404, f"No such endpoint in the sandbox: {path}")
        api_path = path[3:]
        fault = self.faults.take(method, api_path, "before")
        if fault is not None and fault.kind == "delay":
            time.sleep(fault.delay_s)  # outside the lock: other calls go on meanwhile
            fault = None
        if fault is not None:
            reply = self._fault_reply(fault)
            self._record(method, api_path, reply.status)
            return reply
        reply = self._api(method, api_path, parse_qs(query), lower, body)
        if 200 <= reply.status < 300:
            after = self.faults.take(method, api_path, "after")
            if after is not None:
                reply = Reply(reply.status, drop=True) if after.kind == "drop" else self._fault_reply(after)
        self._record(method, api_path, reply.status)
        return reply

    def _record(self, method: str, path: str, status: int) -> None:
        with self._lock:
            self.requests.append((method, path, status))

    @staticmethod
    def _fault_reply(fault: FaultRule) -> Reply:
        if fault.kind == "drop":
            return Reply(0, drop=True)
        if fault.kind == "non_json":
            page = b"<html><head><title>502 Bad Gateway</title></head><body>Bad Gateway (sandbox)</body></html>"
            return Reply(fault.status, page, content_type="text/html")
        code = fault.code if fault.code is not None else fault.status
        return _err(fault.status, code, fault.message or "Internal error (injected by the sandbox)")

    # --- OAuth -----------------------------------------------------------------------------------

    def _oauth(self, method: str, headers: dict[str, str], body: bytes) -> Reply:
        if method != "POST":
            return Reply(405, {"reason": "Method not allowed", "error": "invalid_request"})
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        client_id, client_secret = self._basic_auth(headers.get("authorization", ""))
        account = next((a for a in self.fixture.accounts if a.client_id == client_id), None)
        if account is None or not secrets.compare_digest(account.client_secret, client_secret):
            return Reply(401, {"reason": "Invalid client_id or client_secret", "error": "invalid_client"})
        if form.get("grant_type") != "account_credentials":
            return Reply(400, {"reason": "Unsupported grant type", "error": "unsupported_grant_type"})
        if form.get("account_id") != account.account_id:
            return Reply(
                400, {"reason": "Invalid request : Bad Request : Account does not exist", "error": "invalid_request"}
            )
        with self._lock:
            token = "sbx." + secrets.token_urlsafe(24)
            self._tokens[token] = _Token(account.name, self.clock.now() + timedelta(seconds=self.token_ttl_s))
            order = self._token_order.setdefault(account.name, [])
            order.append(token)
            if self.max_live_tokens is not None:
                while len(order) > self.max_live_tokens:
                    self._tokens.pop(order.pop(0), None)
            self.tokens_issued += 1
        return Reply(
            200,
            {
                "access_token": token,
                "token_type": "bearer",
                "expires_in": self.token_ttl_s,
                "scope": SCOPES,
                "api_url": self.api_base,
            },
        )

    @staticmethod
    def _basic_auth(value: str) -> tuple[str, str]:
        if not value.lower().startswith("basic "):
            return "", ""
        try:
            decoded = base64.b64decode(value[6:].strip(), validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return "", ""
        client_id, _, secret = decoded.partition(":")
        return client_id, secret

    # --- API routing -----------------------------------------------------------------------------

    def _api(self, method: str, path: str, query: dict[str, list[str]], headers: dict[str, str], body: bytes) -> Reply:
        auth = headers.get("authorization", "")
        if not auth.lower().startswith("bearer "):
            return _err(401, 124, "Invalid access token.")
        with self._lock:
            tok = self._tokens.get(auth[7:].strip())
            if tok is None:
                return _err(401, 124, "Invalid access token.")
            if self.clock.now() >= tok.expires_at:
                return _err(401, 124, "Access token is expired.")
            account = self.fixture.account(tok.account)
            q = {k: v[0] for k, v in query.items()}
            routes: list[tuple[str, str, ApiCategory, Callable[..., Reply]]] = [
                ("GET", r"/users", ApiCategory.MEDIUM, self._list_users),
                ("GET", r"/users/([^/]+)", ApiCategory.LIGHT, self._get_user),
                ("GET", r"/users/([^/]+)/settings", ApiCategory.MEDIUM, self._user_settings),
                ("POST", r"/users/([^/]+)/meetings", ApiCategory.MEDIUM, self._create_meeting),
                ("GET", r"/users/([^/]+)/meetings", ApiCategory.MEDIUM, self._list_meetings),
                ("GET", r"/meetings/(\d+)", ApiCategory.LIGHT, self._get_meeting),
                ("PATCH", r"/meetings/(\d+)", ApiCategory.LIGHT, self._update_meeting),
                ("DELETE", r"/meetings/(\d+)", ApiCategory.LIGHT, self._delete_meeting),
                ("PUT", r"/meetings/(\d+)/status", ApiCategory.LIGHT, self._meeting_status),
            ]
            path_known = False
            for r_method, pattern, category, fn in routes:
                m = re.fullmatch(pattern, path)
                if m is None:
                    continue
                path_known = True
                if r_method != method:
                    continue
                limited = self._rate_limit(account, category)
                if limited is not None:
                    return limited
                return fn(account, q, body, *m.groups())
            if path_known:
                return _err(405, 405, f"Method {method} not allowed on {path}")
            return _err(404, 404, f"No such endpoint in the sandbox: {path}")

    def _rate_limit(self, account: FixtureAccount, category: ApiCategory) -> Reply | None:
        if not self.enforce_rate_limits:
            return None
        now = self.clock.now()
        second = int(now.timestamp())
        limit = RATES[AccountCategory(account.category)][category]
        key = (account.name, category)
        window, count = self._qps.get(key, (second, 0))
        if window != second:
            window, count = second, 0
        if count >= limit:
            retry = datetime.fromtimestamp(second + 1, UTC)
            return _err(
                429,
                429,
                "You have reached the maximum per-second rate limit for this API. Try again later.",
                headers={
                    "X-RateLimit-Category": category.value.capitalize(),
                    "X-RateLimit-Type": "QPS",
                    "X-RateLimit-Limit": str(limit),
                    "X-RateLimit-Remaining": "0",
                    "Retry-After": _iso(retry),
                },
            )
        self._qps[key] = (window, count + 1)
        return None

    def _daily_limit(self, user: FixtureUser) -> Reply | None:
        day = self.clock.now().date()
        used = self._daily.get((user.id, day), 0)
        if used >= self.daily_limit:
            reset = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1)
            return _err(
                429,
                429,
                f"You have exceeded the daily rate limit ({self.daily_limit}) of Meeting "
                "Create/Update API requests permitted for this particular user. You may resume these "
                "requests at GMT 00:00:00.",
                headers={
                    "X-RateLimit-Type": "Daily-limit",
                    "X-RateLimit-Limit": str(self.daily_limit),
                    "X-RateLimit-Remaining": "0",
                    "Retry-After": _iso(reset),
                },
            )
        self._daily[(user.id, day)] = used + 1
        return None

    # --- pagination ------------------------------------------------------------------------------

    def _page(
        self,
        account: FixtureAccount,
        scope: str,
        q: dict[str, str],
        all_ids: Callable[[], list[Any]],
        default_size: int = 30,
    ) -> tuple[list[Any], str, int] | Reply:
        try:
            size = int(q.get("page_size", default_size))
        except ValueError:
            return _err(400, 300, "Invalid field.", [{"field": "page_size", "message": "Invalid field."}])
        size = max(1, min(size, 300))
        token = q.get("next_page_token", "")
        if token:
            cursor = self._cursors.get(token)
            if (
                cursor is None
                or cursor.account != account.name
                or cursor.scope != scope
                or self.clock.now() >= cursor.expires_at
            ):
                self._cursors.pop(token, None)
                return _err(400, 300, "The next page token is invalid or expired.")
            del self._cursors[token]
            ids, offset = cursor.ids, cursor.offset
        else:
            ids, offset = all_ids(), 0
        chunk = ids[offset : offset + size]
        next_token = ""
        if offset + size < len(ids):
            next_token = secrets.token_urlsafe(16)
            self._cursors[next_token] = _PageCursor(
                account.name, scope, ids, offset + size, self.clock.now() + PAGE_TOKEN_TTL
            )
        return chunk, next_token, len(ids)

    # --- users -----------------------------------------------------------------------------------

    def _list_users(self, account: FixtureAccount, q: dict[str, str], body: bytes) -> Reply:
        status = q.get("status", "active")
        paged = self._page(account, f"users:{status}", q, lambda: [u.id for u in account.users if u.status == status])
        if isinstance(paged, Reply):
            return paged
        ids, token, total = paged
        users = [self._user_json(u) for uid in ids if (u := account.user(uid)) is not None]
        return Reply(
            200,
            {
                "page_count": (total + 299) // 300,
                "page_number": 1,
                "page_size": len(ids) or 30,
                "total_records": total,
                "next_page_token": token,
                "users": users,
            },
        )

    @staticmethod
    def _user_json(u: FixtureUser) -> dict[str, Any]:
        return {
            "id": u.id,
            "first_name": u.first_name,
            "last_name": u.last_name,
            "display_name": f"{u.first_name} {u.last_name}".strip(),
            "email": u.email,
            "type": u.type,
            "timezone": u.timezone,
            "verified": 1,
            "status": u.status,
            "role_id": "2",
            "created_at": "2023-01-02T03:04:05Z",
        }

    def _get_user(self, account: FixtureAccount, q: dict[str, str], body: bytes, user_id: str) -> Reply:
        """`GET /users/{userId}` (by id or e-mail): the user, as in the list plus Zoom's per-user fields."""
        user = account.user(user_id)
        if user is None:
            return _err(404, 1001, f"User does not exist: {user_id}.")
        return Reply(
            200,
            {
                **self._user_json(user),
                "account_id": account.account_id,
                "pmi": 1_000_000_000 + zlib.crc32(user.id.encode()) % 9_000_000_000,
                "use_pmi": False,
                "language": "en-US",
                "role_name": "Member",
            },
        )

    def _user_settings(self, account: FixtureAccount, q: dict[str, str], body: bytes, user_id: str) -> Reply:
        user = account.user(user_id)
        if user is None:
            return _err(404, 1001, f"User does not exist: {user_id}.")
        feature = user.feature.model_dump()
        for name in ("meeting_capacity", "large_meeting_capacity", "webinar_capacity"):
            feature[name] = int(feature[name] or 0)  # Zoom's schema: integers, never null
        return Reply(
            200,
            {
                "feature": feature,
                "schedule_meeting": {"host_video": True, "participants_video": False},
                "in_meeting": {"waiting_room": True},
            },
        )

    # --- meetings --------------------------------------------------------------------------------

    def _json_body(self, body: bytes) -> dict[str, Any] | Reply:
        try:
            data = json.loads(body or b"null")
        except ValueError:
            data = None
        if not isinstance(data, dict):
            return _err(400, 300, "Request Body should be a valid JSON object.")
        return data

    def _validate(
        self,
        account: FixtureAccount,
        host: FixtureUser,
        data: dict[str, Any],
        creating: bool,
        current_type: int = 2,
    ) -> dict[str, Any]:
        """Zoom-like checks; returns normalised fields or raises _Invalid. A meeting of type 3 (recurring, no
        fixed time) has no start time; an instant one (type 1) starts now."""
        out: dict[str, Any] = {}
        if "topic" in data or creating:
            topic = data.get("topic", "Zoom meeting")
            if not isinstance(topic, str) or len(topic) > 200:
                raise _Invalid("topic", "Topic must be a string of at most 200 characters.")
            out["topic"] = topic
        mtype = current_type
        if "type" in data or creating:
            mtype = data.get("type", 2)
            if isinstance(mtype, bool) or mtype not in MEETING_TYPES:
                raise _Invalid(
                    "type",
                    "Meeting type must be 1 (instant), 2 (scheduled), 3 (recurring, no fixed time) or 8 (recurring "
                    "with a fixed time).",
                )
            out["type"] = mtype
        if "timezone" in data:
            tz = data["timezone"]
            try:
                ZoneInfo(str(tz))
            except (ZoneInfoNotFoundError, ValueError):
                raise _Invalid("timezone", f"Invalid timezone: {tz}.") from None
            out["timezone"] = tz
        elif creating:
            out["timezone"] = host.timezone
        if mtype == 1 and creating:
            out["start_time"] = _iso(self.clock.now())
        elif mtype == 3:
            out["start_time"] = None  # no fixed time: whatever was sent is not kept
        elif "start_time" in data or creating:
            raw = data.get("start_time")
            if not isinstance(raw, str):
                raise _Invalid("start_time", "start_time is required for a scheduled meeting.")
            out["start_time"] = _iso(
                self._parse_start(raw, out.get("timezone") or data.get("timezone") or host.timezone)
            )
        if mtype == 8 and ("recurrence" in data or creating):
            try:
                out["recurrence"] = rec.check_recurrence(data.get("recurrence"))
            except rec.RecurrenceError as exc:
                raise _Invalid(exc.field, str(exc)) from None
        elif "recurrence" in data and mtype != 8:
            raise _Invalid("recurrence", "Only a recurring meeting with fixed time (type 8) has a recurrence object.")
        if "duration" in data or creating:
            dur = data.get("duration", 60)
            if not isinstance(dur, int) or isinstance(dur, bool) or dur < 0:
                raise _Invalid("duration", "Duration must be a non-negative integer (minutes).")
            out["duration"] = dur
        if "agenda" in data:
            agenda = data["agenda"]
            if not isinstance(agenda, str) or len(agenda) > 2000:
                raise _Invalid("agenda", "Agenda must be a string of at most 2000 characters.")
            out["agenda"] = agenda
        if "password" in data:
            pwd = data["password"]
            if not isinstance(pwd, str) or not PASSCODE_RE.match(pwd):
                raise _Invalid("password", "Password may only contain [a-zA-Z0-9@-_*] and at most 10 characters.")
            out["password"] = pwd
        if "settings" in data:
            settings = data["settings"]
            if not isinstance(settings, dict):
                raise _Invalid("settings", "settings must be an object.")
            checked: dict[str, Any] = {}
            for flag in (
                "waiting_room",
                "join_before_host",
                "meeting_authentication",
                "host_video",
                "participant_video",
                "mute_upon_entry",
            ):
                if flag in settings:
                    if not isinstance(settings[flag], bool):
                        raise _Invalid(f"settings.{flag}", "Must be a boolean.")
                    checked[flag] = settings[flag]
            if "auto_recording" in settings:
                if settings["auto_recording"] not in ("local", "cloud", "none"):
                    raise _Invalid("settings.auto_recording", "Must be local, cloud or none.")
                checked["auto_recording"] = settings["auto_recording"]
            if "alternative_hosts" in settings:
                alt = settings["alternative_hosts"]
                if not isinstance(alt, str):
                    raise _Invalid("settings.alternative_hosts", "Must be a ';'-separated string.")
                for email in filter(None, (a.strip() for a in alt.split(";"))):
                    other = account.user(email)
                    if other is None or other.type != 2 or other.id == host.id:
                        raise _Invalid(
                            "settings.alternative_hosts",
                            f"Alternative host {email} must be another licensed user of this account.",
                        )
                checked["alternative_hosts"] = alt
            out["settings"] = checked
        if "tracking_fields" in data:
            tf = data["tracking_fields"]
            if not isinstance(tf, list) or not all(isinstance(f, dict) and isinstance(f.get("field"), str) for f in tf):
                raise _Invalid("tracking_fields", "tracking_fields must be a list of {field, value}.")
            out["tracking_fields"] = [{"field": f["field"], "value": str(f.get("value", ""))} for f in tf]
        return out

    @staticmethod
    def _parse_start(raw: str, tz: str) -> datetime:
        """Zoom: a trailing Z means UTC, an offset (`+07:00`) that offset; without either, the local time in
        `timezone`."""
        match = _START_RE.fullmatch(raw)
        try:
            if match is None:
                raise ValueError(raw)
            local = datetime.strptime(match.group(1), "%Y-%m-%dT%H:%M:%S")  # refuses month 13, hour 25, ...
            tail = match.group(2)
            if tail == "Z":
                return local.replace(tzinfo=UTC)
            if tail:
                return datetime.fromisoformat(raw)
            return local.replace(tzinfo=ZoneInfo(tz))
        except ValueError:
            raise _Invalid("start_time", "start_time must be yyyy-MM-ddTHH:mm:ss, with Z, an offset or none.") from None

    def _new_id(self) -> int:
        while True:
            mid = self._rng.randrange(80_000_000_000, 99_999_999_999)  # 11 digits, as Zoom's are now
            if mid not in self._meetings and mid not in self._deleted:
                return mid

    def _create_meeting(self, account: FixtureAccount, q: dict[str, str], body: bytes, user_id: str) -> Reply:
        host = account.user(user_id)
        if host is None:
            return _err(404, 1001, f"User does not exist: {user_id}.")
        if not host.can_host:
            return _err(400, 3161, "Meeting hosting and scheduling capabilities are not allowed for your user account.")
        data = self._json_body(body)
        if isinstance(data, Reply):
            return data
        try:
            fields = self._validate(account, host, data, creating=True)
        except _Invalid as exc:
            return _err(400, 300, "Validation Failed.", [{"field": exc.field, "message": exc.message}])
        limited = self._daily_limit(host)
        if limited is not None:
            return limited
        mid = self._new_id()
        pwd = fields.get("password") or "".join(self._rng.choice("abcdefghjkmnpqrstuvwxyz23456789") for _ in range(6))
        settings = {
            "waiting_room": False,
            "join_before_host": False,
            "alternative_hosts": "",
            "auto_recording": "none",
            "meeting_authentication": False,
            "host_video": False,
            "participant_video": False,
            "mute_upon_entry": False,
            **fields.get("settings", {}),
        }
        meeting = {
            "uuid": base64.b64encode(self._rng.randbytes(16)).decode(),
            "id": mid,
            "host_id": host.id,
            "host_email": host.email,
            "topic": fields["topic"],
            "type": fields["type"],
            "status": "waiting",
            "start_time": fields["start_time"],
            "duration": fields["duration"],
            "timezone": fields["timezone"],
            "agenda": fields.get("agenda", ""),
            "created_at": _iso(self.clock.now()),
            "start_url": self._start_url(mid),
            "join_url": f"{LINK_HOST}/j/{mid}?pwd={secrets.token_urlsafe(10)}",
            "password": pwd,
            "h323_password": pwd,
            "pre_schedule": False,
            "settings": settings,
            "tracking_fields": fields.get("tracking_fields", []),
        }
        if meeting["start_time"] is None:
            del meeting["start_time"]  # type 3: Zoom sends no start time
        if meeting["type"] == 8:
            meeting["recurrence"] = fields["recurrence"]
            meeting["occurrences"] = rec.build_occurrences(
                fields["recurrence"], rec.parse_iso(meeting["start_time"]), meeting["timezone"], meeting["duration"]
            )
        self._meetings[mid] = meeting
        self._meeting_account[mid] = account.name
        self._emit("meeting.created", account.name, {k: v for k, v in meeting.items() if k != "start_url"})
        return Reply(201, self._shown(meeting, show_previous=False))

    def _shown(self, m: dict[str, Any], *, show_previous: bool) -> dict[str, Any]:
        """A meeting as Zoom shows it: a recurring one with its occurrences not yet over (every one on request),
        its start_time the next occurrence's."""
        out = dict(m)
        if m.get("type") == 8:
            occurrences = rec.visible(m["occurrences"], self.clock.now(), show_previous)
            out["occurrences"] = occurrences
            upcoming = [o for o in rec.visible(m["occurrences"], self.clock.now(), False) if o["status"] == "available"]
            if upcoming:
                out["start_time"] = upcoming[0]["start_time"]
        return out

    @staticmethod
    def _occurrence(m: dict[str, Any], q: dict[str, str]) -> dict[str, Any] | Reply | None:
        """The occurrence named by `occurrence_id` (None: none named); Zoom's 3001 for one it does not have."""
        oid = q.get("occurrence_id")
        if oid is None:
            return None
        if m.get("type") != 8:
            return _err(400, 300, "Invalid field.", [{"field": "occurrence_id", "message": "Not a recurring meeting."}])
        for o in m["occurrences"]:
            if o["occurrence_id"] == oid and o["status"] == "available":
                return cast(dict[str, Any], o)
        return _err(404, 3001, f"Meeting {m['id']} occurrence {oid} is not found or has expired.")

    def _find(self, account: FixtureAccount, meeting_id: str) -> dict[str, Any] | Reply:
        mid = int(meeting_id)
        m = self._meetings.get(mid)
        if m is None or self._meeting_account.get(mid) != account.name:
            return _err(404, 3001, f"Meeting {meeting_id} is not found or has expired.")
        return m

    def _get_meeting(self, account: FixtureAccount, q: dict[str, str], body: bytes, meeting_id: str) -> Reply:
        m = self._find(account, meeting_id)
        if isinstance(m, Reply):
            return m
        # A fresh host key each time, as Zoom's start_url carries a short-lived ZAK.
        m["start_url"] = self._start_url(m["id"])
        occ = self._occurrence(m, q)
        if isinstance(occ, Reply):
            return occ
        shown = self._shown(m, show_previous=q.get("show_previous_occurrences", "false").lower() == "true")
        if occ is not None:
            shown |= {"start_time": occ["start_time"], "duration": occ["duration"], "occurrences": [dict(occ)]}
        return Reply(200, shown)

    def _update_meeting(self, account: FixtureAccount, q: dict[str, str], body: bytes, meeting_id: str) -> Reply:
        m = self._find(account, meeting_id)
        if isinstance(m, Reply):
            return m
        if m["status"] == "started":
            return _err(400, 3000, "Cannot update a meeting that is in progress.")
        data = self._json_body(body)
        if isinstance(data, Reply):
            return data
        host = account.user(m["host_id"])
        assert host is not None
        occ = self._occurrence(m, q)
        if isinstance(occ, Reply):
            return occ
        if occ is not None:
            return self._update_occurrence(account, host, m, occ, data)
        merged = dict(data)
        if "start_time" in data and "timezone" not in data:
            merged["timezone"] = m["timezone"]
        try:
            fields = self._validate(account, host, merged, creating=False, current_type=m["type"])
            if fields.get("type", m["type"]) == 2 and not (fields.get("start_time") or m.get("start_time")):
                raise _Invalid("start_time", "start_time is required for a scheduled meeting.")
        except _Invalid as exc:
            return _err(400, 300, "Validation Failed.", [{"field": exc.field, "message": exc.message}])
        limited = self._daily_limit(host)
        if limited is not None:
            return limited
        old: dict[str, Any] = {}
        new: dict[str, Any] = {}
        for k, v in fields.items():
            if k == "settings":
                old_s = {sk: m["settings"].get(sk) for sk in v}
                m["settings"] = {**m["settings"], **v}
                old["settings"], new["settings"] = old_s, v
            elif k == "start_time" and v is None:
                if "start_time" in m:
                    old[k], new[k] = m.pop("start_time"), None
            elif m.get(k) != v:
                old[k], new[k] = m.get(k), v
                m[k] = v
        if m["type"] == 8 and ({"recurrence", "start_time", "timezone"} & set(new) or "occurrences" not in m):
            m.setdefault("recurrence", {"type": 1, "repeat_interval": 1, "end_times": 1})
            m["occurrences"] = rec.build_occurrences(
                m["recurrence"], rec.parse_iso(m["start_time"]), m["timezone"], m["duration"]
            )  # Zoom regenerates the occurrences from the new pattern
        elif m["type"] == 8 and "duration" in new:
            for o in m["occurrences"]:
                o["duration"] = m["duration"]
        ident = {"id": m["id"], "uuid": m["uuid"]}
        self._emit(
            "meeting.updated",
            account.name,
            {**ident, **new},
            old_object={**ident, **old},
            time_stamp=int(self.clock.now().timestamp() * 1000),
        )
        return Reply(204)

    def _update_occurrence(
        self, account: FixtureAccount, host: FixtureUser, m: dict[str, Any], occ: dict[str, Any], data: dict[str, Any]
    ) -> Reply:
        """PATCH with `occurrence_id`: that occurrence's start_time, duration or agenda; the rest of the series
        stays."""
        unknown = sorted(set(data) - {"start_time", "duration", "agenda", "timezone"})
        if unknown:
            return _err(400, 300, "Validation Failed.", [{"field": unknown[0], "message": "Cannot be changed for "
                                                          "one occurrence."}])  # fmt: skip
        try:
            fields = self._validate(account, host, {"timezone": m["timezone"], **data}, creating=False,
                                    current_type=2)  # fmt: skip
        except _Invalid as exc:
            return _err(400, 300, "Validation Failed.", [{"field": exc.field, "message": exc.message}])
        limited = self._daily_limit(host)
        if limited is not None:
            return limited
        old = dict(occ)
        if "start_time" in fields:
            occ["start_time"] = fields["start_time"]
        if "duration" in fields:
            occ["duration"] = fields["duration"]
        if "agenda" in fields:
            occ["agenda"] = fields["agenda"]
        ident = {"id": m["id"], "uuid": m["uuid"]}
        self._emit("meeting.updated", account.name, {**ident, "occurrences": [dict(occ)]},
                   old_object={**ident, "occurrences": [old]},
                   time_stamp=int(self.clock.now().timestamp() * 1000))  # fmt: skip
        return Reply(204)

    def _delete_meeting(self, account: FixtureAccount, q: dict[str, str], body: bytes, meeting_id: str) -> Reply:
        m = self._find(account, meeting_id)
        if isinstance(m, Reply):
            return m
        if m["status"] == "started":
            return _err(400, 3002, "Sorry, you cannot delete this meeting since it's in progress.")
        occ = self._occurrence(m, q)
        if isinstance(occ, Reply):
            return occ
        if occ is not None:
            occ["status"] = "deleted"  # one occurrence: the rest of the series stays
            obj = {**self._event_object(m), "occurrences": [{k: occ[k] for k in ("occurrence_id", "start_time")}]}
            self._emit("meeting.deleted", account.name, obj)
            return Reply(204)
        mid = m["id"]
        del self._meetings[mid]
        self._deleted.add(mid)
        self._deleted_meetings[mid] = (account.name, m)  # for `recover`
        self.delete_notices[mid] = {
            "host": q.get("schedule_for_reminder", "false").lower() == "true",
            "registrants": q.get("cancel_meeting_reminder", "false").lower() == "true",
        }
        self._emit("meeting.deleted", account.name, self._event_object(m))
        return Reply(204)

    def _meeting_status(self, account: FixtureAccount, q: dict[str, str], body: bytes, meeting_id: str) -> Reply:
        """`PUT /meetings/{meetingId}/status`: `end` a meeting in progress (one that overruns and blocks its host's
        next meeting), or `recover` a deleted one. Ending a meeting that is not in progress changes nothing."""
        data = self._json_body(body)
        if isinstance(data, Reply):
            return data
        action = data.get("action")
        if action not in ("end", "recover"):
            return _err(400, 300, "Invalid field.", [{"field": "action", "message": "Must be end or recover."}])
        mid = int(meeting_id)
        if action == "recover":
            kept = self._deleted_meetings.get(mid)
            if kept is None or kept[0] != account.name:
                return _err(404, 3001, f"Meeting does not exist: {meeting_id}.")
            del self._deleted_meetings[mid]
            self._meetings[mid], self._meeting_account[mid] = kept[1], account.name
            self._emit("meeting.recovered", account.name, self._event_object(kept[1]))
            return Reply(204)
        m = self._find(account, meeting_id)
        if isinstance(m, Reply):
            return _err(404, 3001, f"Meeting does not exist: {meeting_id}.")
        if m["status"] == "started":
            self.end_meeting(mid)
        return Reply(204)

    def _list_meetings(self, account: FixtureAccount, q: dict[str, str], body: bytes, user_id: str) -> Reply:
        host = account.user(user_id)
        if host is None:
            return _err(404, 1001, f"User does not exist: {user_id}.")
        mtype = q.get("type", "scheduled")
        if mtype not in ("scheduled", "upcoming", "live", "upcoming_meetings", "previous_meetings"):
            return _err(400, 300, "Invalid field.", [{"field": "type", "message": "Invalid field."}])
        now = self.clock.now()

        def wanted(m: dict[str, Any]) -> bool:
            if mtype == "live":
                return bool(m["status"] == "started")
            if "start_time" not in m:  # type 3, no fixed time: always ahead, never past
                return mtype != "previous_meetings"
            start = datetime.strptime(m["start_time"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
            end = start + timedelta(minutes=m["duration"])
            if m["type"] == 8:  # a series is ahead while an occurrence is: from its next one to its last one's end
                ahead = [o for o in m["occurrences"] if o["status"] == "available"]
                last = max((rec.parse_iso(o["start_time"]) + timedelta(minutes=o["duration"]) for o in ahead),
                           default=end)  # fmt: skip
                upcoming = [rec.parse_iso(o["start_time"]) for o in ahead if rec.parse_iso(o["start_time"]) >= now]
                start, end = (min(upcoming) if upcoming else start), last
            if mtype in ("upcoming", "upcoming_meetings"):
                return start >= now or m["status"] == "started"
            if mtype == "previous_meetings":
                return end < now
            return True

        def ids() -> list[int]:
            mine = [m for m in self._meetings.values() if m["host_id"] == host.id and wanted(m)]
            mine.sort(key=lambda m: (m.get("start_time", ""), m["id"]))
            return [m["id"] for m in mine]

        paged = self._page(account, f"meetings:{host.id}:{mtype}", q, ids)
        if isinstance(paged, Reply):
            return paged
        page_ids, token, total = paged
        items = []
        for mid in page_ids:
            m = self._meetings.get(mid)
            if m is None:
                continue  # deleted since the first page
            m = self._shown(m, show_previous=False)
            item = {
                "uuid": m["uuid"],
                "id": m["id"],
                "host_id": m["host_id"],
                "topic": m["topic"],
                "type": m["type"],
                "start_time": m.get("start_time"),
                "duration": m["duration"],
                "timezone": m["timezone"],
                "agenda": m["agenda"][:250],  # Zoom truncates in lists
                "created_at": m["created_at"],
                "join_url": m["join_url"],
            }
            items.append({k: v for k, v in item.items() if not (k == "start_time" and v is None)})
        return Reply(
            200, {"page_size": len(page_ids) or 30, "total_records": total, "next_page_token": token, "meetings": items}
        )

    # --- webhooks --------------------------------------------------------------------------------

    @staticmethod
    def _event_object(m: dict[str, Any]) -> dict[str, Any]:
        keys = ("uuid", "id", "host_id", "topic", "type", "start_time", "duration", "timezone")
        return {k: m[k] for k in keys if k in m}

    def _emit(self, name: str, account_name: str, obj: dict[str, Any], **extra: Any) -> None:
        account = self.fixture.account(account_name)
        payload: dict[str, Any] = {
            "account_id": account.account_id,
            "operator": "api@sandbox.invalid",
            "operator_id": "sbx-api",
            "object": obj,
            **extra,
        }
        event = {"event": name, "event_ts": int(self.clock.now().timestamp() * 1000), "payload": payload}
        self.events.append(event)
        for listener in list(self.event_listeners):
            listener(event)
