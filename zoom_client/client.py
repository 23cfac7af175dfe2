"""`ZoomClient`: typed calls to one Zoom account, with auth, limits, retries and idempotent creates.

One client per Zoom account; it is thread-safe and meant to be shared. `ZoomTenants` holds one per
configured account. Base URLs come from configuration, so the same code talks to Zoom or to the sandbox.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import quote

import requests
import urllib3
from pydantic import BaseModel, ValidationError

from zoom_client.auth import TokenProvider
from zoom_client.config import AccountCategory, ZoomAccountConfig, ZoomConfig
from zoom_client.errors import (
    RequestInfo,
    ZoomAuthError,
    ZoomDailyBudgetExhausted,
    ZoomError,
    ZoomNotFound,
    ZoomOutcomeUnknown,
    ZoomProtocolError,
    ZoomRateLimited,
    ZoomServerError,
    ZoomTransportError,
    error_from_response,
)
from zoom_client.idempotency import key_from_agenda, validate_key
from zoom_client.limits import ApiCategory, DailyBudget, RateLimiter
from zoom_client.models import (
    HostInfo,
    HostKind,
    ListType,
    Meeting,
    MeetingCreate,
    MeetingPage,
    MeetingStatusUpdate,
    MeetingSummary,
    MeetingUpdate,
    UserPage,
    UserSettings,
    ZoomUser,
)
from zoom_client.retry import RetryPolicy

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)

_shared_tokens: dict[tuple[str, str, str, str], TokenProvider] = {}
_shared_lock = threading.Lock()


def shared_token_provider(account: ZoomAccountConfig, session: requests.Session | None = None) -> TokenProvider:
    """The process-wide token provider of a credential set, so every client of it shares one token."""
    secret_hash = hashlib.sha256(account.client_secret.get_secret_value().encode()).hexdigest()
    key = (account.oauth_url, account.account_id, account.client_id, secret_hash)
    with _shared_lock:
        provider = _shared_tokens.get(key)
        if provider is None:
            provider = TokenProvider(account, session=session)
            _shared_tokens[key] = provider
        return provider


def reset_shared_tokens() -> None:
    """Forget every shared token (tests, credential rotation)."""
    with _shared_lock:
        _shared_tokens.clear()


class CallStats:
    """What the client sent: HTTP calls per operation, retries, token renewals, 429s. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.by_operation: Counter[str] = Counter()
        self.retries = 0
        self.auth_refreshes = 0
        self.rate_limited = 0

    @property
    def calls(self) -> int:
        with self._lock:
            return sum(self.by_operation.values())

    def _count(self, field: str, operation: str | None = None) -> None:
        with self._lock:
            if operation is not None:
                self.by_operation[operation] += 1
            else:
                setattr(self, field, getattr(self, field) + 1)

    def as_dict(self) -> dict[str, Any]:
        with self._lock:
            return {
                "calls": sum(self.by_operation.values()),
                "by_operation": dict(self.by_operation),
                "retries": self.retries,
                "auth_refreshes": self.auth_refreshes,
                "rate_limited": self.rate_limited,
            }


def _never_sent(exc: requests.RequestException) -> bool:
    """True when the request certainly did not reach the server (could not connect)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    if isinstance(exc, requests.ConnectionError) and exc.args:
        reason = getattr(exc.args[0], "reason", None)
        return isinstance(reason, urllib3.exceptions.NewConnectionError)
    return False


class ZoomClient:
    """Calls to one Zoom account. Construct freely: nothing touches the network until a call is made."""

    def __init__(
        self,
        account: ZoomAccountConfig,
        *,
        session: requests.Session | None = None,
        tokens: TokenProvider | None = None,
        rate_limiter: RateLimiter | None = None,
        daily_budget: DailyBudget | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.account = account
        self._session = session or _default_session()
        self.tokens = tokens or shared_token_provider(account, self._session)
        self.limiter = rate_limiter or RateLimiter(account.category)  # real time: pass one for fake time
        self._now = now or (lambda: datetime.now(UTC))
        self.budget = daily_budget or DailyBudget(now=self._now)
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self.stats = CallStats()
        self._lock = threading.Lock()
        self._aliases: dict[str, str] = {}  # lower-cased e-mail -> user id
        self._meeting_hosts: dict[int, str] = {}  # meeting id -> host user id

    def __repr__(self) -> str:
        return f"ZoomClient(account={self.account.name!r}, api_base={self.account.api_base!r})"

    @property
    def account_name(self) -> str:
        return self.account.name

    # --- users -----------------------------------------------------------------------------------

    def list_users(self, *, status: str = "active", page_size: int = 300) -> Iterator[ZoomUser]:
        """Every user of the account, across all pages (lazily, page by page)."""
        token = ""
        while True:
            params: dict[str, Any] = {"status": status, "page_size": min(max(page_size, 1), 300)}
            if token:
                params["next_page_token"] = token
            data = self._call("GET", "/users", "list_users", ApiCategory.MEDIUM, params=params)
            page = self._parse(UserPage, data, RequestInfo("GET", "/users"))
            for user in page.users:
                if user.email:
                    self._learn_alias(user.email, user.id)
                yield user
            token = page.next_page_token
            if not token:
                return

    def get_user(self, user_id: str) -> ZoomUser:
        """One user by id or e-mail (`GET /users/{userId}`): checks a configured host exists and is licensed
        without listing the whole account."""
        path = f"/users/{_seg(user_id)}"
        data = self._call("GET", path, "get_user", ApiCategory.LIGHT)
        user = self._parse(ZoomUser, data, RequestInfo("GET", path))
        if user.email:
            self._learn_alias(user.email, user.id)
        return user

    def get_user_settings(self, user_id: str) -> UserSettings:
        path = f"/users/{_seg(user_id)}/settings"
        data = self._call("GET", path, "get_user_settings", ApiCategory.MEDIUM)
        return self._parse(UserSettings, data, RequestInfo("GET", path))

    def discover_hosts(self) -> list[HostInfo]:
        """The account's licences: active licensed users with capacity, kind and concurrency.

        Basic (unlicensed) users are skipped. Concurrency is 2 on Business+ accounts or with the
        Concurrent Meeting add-on, else 1 (never more than 2: Zoom prompts a host to end the first).
        """
        hosts: list[HostInfo] = []
        for user in self.list_users():
            if not user.licensed:
                continue
            feat = self.get_user_settings(user.id).feature
            capacity = feat.meeting_capacity
            if feat.large_meeting and feat.large_meeting_capacity:
                capacity = max(capacity, feat.large_meeting_capacity)
            concurrent = self.account.category is AccountCategory.BUSINESS or feat.concurrent_meeting in (
                "Basic",
                "Plus",
            )
            hosts.append(
                HostInfo(
                    account=self.account.name,
                    user_id=user.id,
                    email=user.email,
                    name=user.name,
                    capacity=capacity,
                    webinar_capacity=feat.webinar_capacity if feat.webinar else None,
                    kind=HostKind.WEBINAR if feat.webinar else HostKind.MEETING,
                    concurrency=2 if concurrent else 1,
                )
            )
        return hosts

    # --- meetings --------------------------------------------------------------------------------

    def create_meeting(self, host: str, meeting: MeetingCreate, *, key: str) -> Meeting:
        """Create a scheduled meeting on `host` (user id or e-mail), tagged with our idempotency `key`.

        Raises `ZoomOutcomeUnknown` when Zoom may have created it but the answer was lost: settle that
        with `find_by_key` (or call `ensure_meeting`) instead of creating again.
        """
        validate_key(key)
        body = meeting.to_zoom(key, self.account.key_tracking_field)
        path = f"/users/{_seg(host)}/meetings"
        info = RequestInfo("POST", path)
        try:
            data = self._call("POST", path, "create_meeting", ApiCategory.MEDIUM, json=body, budget_host=host)
            created = self._parse(Meeting, data, info)
        except (ZoomServerError, ZoomTransportError, ZoomProtocolError) as exc:
            if isinstance(exc, ZoomTransportError) and not exc.sent:
                raise
            raise ZoomOutcomeUnknown(
                f"creating meeting {key} on host {host} may or may not have succeeded "
                f"({type(exc).__name__}); look for it by key before creating again",
                host=host,
                key=key,
                cause=exc,
            ) from exc
        self._learn_meeting(created.id, created.host_id)
        if created.host_email:
            self._learn_alias(created.host_email, created.host_id)
        log.info("zoom meeting %s created on host %s for key %s", created.id, host, key)
        return created

    def ensure_meeting(
        self,
        host: str,
        meeting: MeetingCreate,
        *,
        key: str,
        check_first: bool = False,
        recoveries: int = 1,
        settle_s: float | None = None,
    ) -> Meeting:
        """Create the meeting for `key` exactly once: on an unknown outcome, find it by key before any retry.

        `check_first=True` looks for the key before the first create (use it when replaying work that
        may have been done before a crash). At most `1 + recoveries` creates are sent. A create whose answer
        was lost is looked for at once and, if not there, again after `settle_s` (default: the account's read
        timeout) before another is sent: a lookup right after a timeout can miss a create Zoom is still working
        on, and "not found yet" is not "not created".
        """
        if check_first:
            found = self.find_by_key(host, key)
            if found is not None:
                return found
        settle = self.account.read_timeout_s if settle_s is None else settle_s
        try:
            return self.create_meeting(host, meeting, key=key)
        except ZoomOutcomeUnknown as exc:
            unknown = exc
        for _ in range(recoveries):
            found = self._settled_lookup(host, key, settle)
            if found is not None:
                log.warning("zoom create for key %s was lost in transit but had succeeded: %s", key, found.id)
                return found
            try:
                return self.create_meeting(host, meeting, key=key)
            except ZoomOutcomeUnknown as exc:
                unknown = exc
        found = self._settled_lookup(host, key, settle)
        if found is not None:
            return found
        raise unknown

    def _settled_lookup(self, host: str, key: str, settle_s: float) -> Meeting | None:
        """The meeting for `key`, looked for now and, if not there yet, once more after `settle_s`."""
        found = self.find_by_key(host, key)
        if found is None and settle_s > 0:
            self._sleep(settle_s)
            found = self.find_by_key(host, key)
        return found

    def get_meeting(
        self, meeting_id: int, *, occurrence_id: str | None = None, show_previous_occurrences: bool = False
    ) -> Meeting:
        """The meeting's current details (including a fresh `start_url`, kept secret); of a recurring meeting, its
        occurrences not yet over (all with `show_previous_occurrences`), or one occurrence's time."""
        path = f"/meetings/{int(meeting_id)}"
        params: dict[str, Any] = {}
        if occurrence_id is not None:
            params["occurrence_id"] = occurrence_id
        if show_previous_occurrences:
            params["show_previous_occurrences"] = "true"
        data = self._call("GET", path, "get_meeting", ApiCategory.LIGHT, params=params or None)
        meeting = self._parse(Meeting, data, RequestInfo("GET", path))
        self._learn_meeting(meeting.id, meeting.host_id)
        return meeting

    def update_meeting(
        self,
        meeting_id: int,
        update: MeetingUpdate,
        *,
        host: str | None = None,
        key: str | None = None,
        occurrence_id: str | None = None,
    ) -> None:
        """Apply a partial change (to one occurrence of a recurring meeting with `occurrence_id`: its start_time,
        duration or agenda). Counts against the host's daily budget, so `host` should be given;
        if it is not (and not known from earlier calls) the meeting is fetched first to learn it.
        Changing the agenda needs `key` (the marker is kept)."""
        body = update.to_zoom(key, self.account.key_tracking_field)
        if not body:
            return
        budget_host = host or self._meeting_hosts.get(int(meeting_id)) or self.get_meeting(meeting_id).host_id
        path = f"/meetings/{int(meeting_id)}"
        params = {"occurrence_id": occurrence_id} if occurrence_id is not None else None
        self._call("PATCH", path, "update_meeting", ApiCategory.LIGHT, params=params, json=body,
                   budget_host=budget_host)  # fmt: skip

    def delete_meeting(
        self,
        meeting_id: int,
        *,
        notify_host: bool = False,
        notify_registrants: bool = False,
        missing_ok: bool = True,
        occurrence_id: str | None = None,
    ) -> bool:
        """Delete (cancel) a meeting. Returns False if it was already gone (Zoom code 3001) and `missing_ok`.

        Who Zoom e-mails the cancellation to is two separate flags (Zoom's Meeting API reference):
        `notify_host` sends `schedule_for_reminder` (the host and alternative hosts), `notify_registrants`
        sends `cancel_meeting_reminder` (registrants). Both are always sent, so nobody is mailed by default.
        """
        path = f"/meetings/{int(meeting_id)}"
        params = {
            "schedule_for_reminder": "true" if notify_host else "false",
            "cancel_meeting_reminder": "true" if notify_registrants else "false",
        }
        if occurrence_id is not None:
            params["occurrence_id"] = occurrence_id  # that occurrence only; the series stays
        try:
            self._call("DELETE", path, "delete_meeting", ApiCategory.LIGHT, params=params)
        except ZoomNotFound:
            if not missing_ok:
                raise
            return False
        if occurrence_id is None:
            with self._lock:
                self._meeting_hosts.pop(int(meeting_id), None)
        return True

    def end_meeting(self, meeting_id: int) -> None:
        """End a meeting in progress (`PUT /meetings/{id}/status`, action `end`): an overrunning meeting blocks
        its host's next one. Not a create/update, so no daily budget is spent; resent on 5xx like any PUT."""
        self._set_status(meeting_id, MeetingStatusUpdate(action="end"), "end_meeting")

    def recover_meeting(self, meeting_id: int) -> None:
        """Bring back a meeting deleted by mistake (`PUT /meetings/{id}/status`, action `recover`)."""
        self._set_status(meeting_id, MeetingStatusUpdate(action="recover"), "recover_meeting")

    def _set_status(self, meeting_id: int, update: MeetingStatusUpdate, operation: str) -> None:
        path = f"/meetings/{int(meeting_id)}/status"
        self._call("PUT", path, operation, ApiCategory.LIGHT, json=update.model_dump())

    def list_meetings(
        self, host: str, *, type: ListType = "scheduled", page_size: int = 300
    ) -> Iterator[MeetingSummary]:
        """The host's meetings of `type`, across all pages (lazily; Zoom's page tokens expire in 15 min)."""
        path = f"/users/{_seg(host)}/meetings"
        token = ""
        while True:
            params: dict[str, Any] = {"type": type, "page_size": min(max(page_size, 1), 300)}
            if token:
                params["next_page_token"] = token
            data = self._call("GET", path, "list_meetings", ApiCategory.MEDIUM, params=params)
            page = self._parse(MeetingPage, data, RequestInfo("GET", path))
            for m in page.meetings:
                self._learn_meeting(m.id, m.host_id)
                yield m
            token = page.next_page_token
            if not token:
                return

    def find_all_by_key(self, host: str, key: str) -> list[MeetingSummary]:
        """Every meeting on `host` carrying `key` (more than one means an earlier duplicate)."""
        validate_key(key)
        found = [m for m in self.list_meetings(host, type="scheduled") if key_from_agenda(m.agenda) == key]
        return sorted(found, key=lambda m: (m.created_at or datetime.max.replace(tzinfo=UTC), m.id))

    def find_by_key(self, host: str, key: str) -> Meeting | None:
        """The meeting we created on `host` for `key`, or None. Use before re-sending a create and after a
        crash. If duplicates exist the oldest is returned (`find_all_by_key` lists them all)."""
        for summary in self.find_all_by_key(host, key):
            try:
                return self.get_meeting(summary.id)
            except ZoomNotFound:
                continue  # deleted between list and get
        return None

    def daily_budget_remaining(self, host: str) -> int:
        """Meeting create+update calls left today (UTC) for `host`, as counted by this process."""
        return self.budget.remaining(self._budget_key(host))

    # --- plumbing --------------------------------------------------------------------------------

    def _learn_alias(self, email: str, user_id: str) -> None:
        if not email or not user_id:
            return
        email = email.lower()
        with self._lock:
            known = self._aliases.get(email)
            self._aliases[email] = user_id
        if known is None:
            used_by_email = self.budget.used(email)
            if used_by_email:
                self.budget.set_used(user_id, self.budget.used(user_id) + used_by_email)
                self.budget.set_used(email, 0)

    def _learn_meeting(self, meeting_id: int, host_id: str) -> None:
        if host_id:
            with self._lock:
                self._meeting_hosts[meeting_id] = host_id

    def _budget_key(self, host: str) -> str:
        with self._lock:
            return self._aliases.get(host.lower(), host)

    def _parse(self, model: type[M], data: Any, request: RequestInfo) -> M:
        if not isinstance(data, dict):
            raise ZoomProtocolError(
                f"Zoom's answer is not a JSON object (expected {model.__name__})", status=200, request=request
            )
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            fields = ", ".join(".".join(str(p) for p in e["loc"]) for e in exc.errors(include_input=False))
            raise ZoomProtocolError(
                f"Zoom's answer does not have the expected {model.__name__} shape ({fields})",
                status=200,
                request=request,
            ) from None

    def _call(
        self,
        method: str,
        path: str,
        operation: str,
        category: ApiCategory,
        *,
        params: dict[str, Any] | None = None,
        json: dict[str, Any] | None = None,
        budget_host: str | None = None,
    ) -> Any:
        """Send one logical request: limits, auth (refresh once on 401/124), retry policy, decoding."""
        info = RequestInfo(method, path)
        url = self.account.api_base + path
        budget_key = self._budget_key(budget_host) if budget_host else None
        attempt = 0
        refreshed = False
        while True:
            attempt += 1
            if budget_key is not None:
                self.budget.reserve(budget_key)
            self.limiter.acquire(category)
            token = self.tokens.token()
            started = time.monotonic()
            err: ZoomError
            try:
                resp = self._session.request(
                    method,
                    url,
                    params=params,
                    json=json,
                    headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
                    timeout=self.account.timeout,
                )
            except requests.RequestException as exc:
                sent = not _never_sent(exc)
                self.stats._count("", operation)
                if budget_key is not None and not sent:
                    self.budget.refund(budget_key)
                err = ZoomTransportError(
                    f"no answer from Zoom ({type(exc).__name__}){'' if sent else ', request not sent'}",
                    sent=sent,
                    request=info,
                )
                log.warning("zoom %s failed: %s", info, type(exc).__name__)
            else:
                self.stats._count("", operation)
                elapsed_ms = (time.monotonic() - started) * 1000
                log.debug("zoom %s -> %s in %.0f ms", info, resp.status_code, elapsed_ms)
                if 200 <= resp.status_code < 300:
                    return self._decode(resp, info)
                err = error_from_response(
                    resp.status_code, resp.content, resp.headers, info, now=self._now(), host=budget_host
                )
                if isinstance(err, ZoomAuthError) and (resp.status_code == 401 or err.code == 124):
                    if budget_key is not None:
                        self.budget.refund(budget_key)
                    if not refreshed:
                        refreshed = True
                        attempt -= 1
                        self.stats._count("auth_refreshes")
                        self.tokens.invalidate(token)
                        log.info("zoom token rejected on %s; renewing once", info)
                        continue
                if isinstance(err, ZoomDailyBudgetExhausted) and budget_key is not None:
                    self.budget.exhaust(budget_key)
                elif isinstance(err, ZoomRateLimited):
                    self.stats._count("rate_limited")
                    if budget_key is not None:
                        self.budget.refund(budget_key)
            decision = self.retry.decide(method=method, attempt=attempt, error=err, now=self._now())
            if not decision.retry:
                raise err
            self.stats._count("retries")
            log.info("zoom %s: %s; retrying in %.2f s", info, decision.reason, decision.delay)
            if decision.delay > 0:
                self._sleep(decision.delay)

    def _decode(self, resp: requests.Response, info: RequestInfo) -> Any:
        if resp.status_code == 204 or not resp.content.strip():
            return None
        try:
            return resp.json()
        except ValueError:
            raise ZoomProtocolError(
                f"Zoom answered HTTP {resp.status_code} with a non-JSON body",
                status=resp.status_code,
                request=info,
            ) from None


class ZoomTenants:
    """One `ZoomClient` per configured Zoom account, built on first use."""

    def __init__(self, config: ZoomConfig, **client_kwargs: Any) -> None:
        self.config = config
        self._kwargs = client_kwargs
        self._clients: dict[str, ZoomClient] = {}
        self._lock = threading.Lock()

    def client(self, name: str | None = None) -> ZoomClient:
        account = self.config.account(name)
        with self._lock:
            client = self._clients.get(account.name)
            if client is None:
                client = ZoomClient(account, **self._kwargs)
                self._clients[account.name] = client
            return client

    def clients(self) -> list[ZoomClient]:
        return [self.client(a.name) for a in self.config.accounts]

    def discover_hosts(self) -> list[HostInfo]:
        """Hosts of every account (the pool may span several Zoom accounts)."""
        return [h for c in self.clients() for h in c.discover_hosts()]


def _seg(value: str) -> str:
    """A user id or e-mail as one URL path segment."""
    if not value:
        raise ValueError("empty user id")
    return quote(value, safe="@")


def _default_session() -> requests.Session:
    session = requests.Session()
    adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=16, max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session
