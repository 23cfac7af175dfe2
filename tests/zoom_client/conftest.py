"""Shared helpers for the zoom_client tests: fake time, a configured account, clients, a sandbox."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import responses
from pydantic import SecretStr

from zoom_client.auth import TokenProvider
from zoom_client.client import ZoomClient, reset_shared_tokens
from zoom_client.config import AccountCategory, ZoomAccountConfig
from zoom_client.limits import DailyBudget, UnlimitedRateLimiter
from zoom_client.retry import RetryPolicy
from zoom_client.sandbox import Sandbox, run_sandbox

API = "https://api.zoom.test/v2"
OAUTH = "https://zoom.test/oauth/token"
SECRET = "s3cr3t-client-secret-value"


class FakeTime:
    """One fake timeline for monotonic time, wall-clock time and sleep."""

    def __init__(self, start: datetime | None = None) -> None:
        self.start = start or datetime(2025, 3, 10, 8, 0, tzinfo=UTC)
        self.elapsed = 0.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return 1000.0 + self.elapsed

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.elapsed)

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.elapsed += seconds

    def advance(self, seconds: float) -> None:
        self.elapsed += seconds


@pytest.fixture(autouse=True)
def _fresh_tokens() -> Iterator[None]:
    reset_shared_tokens()
    yield
    reset_shared_tokens()


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def account() -> ZoomAccountConfig:
    return ZoomAccountConfig(
        name="kominfo",
        account_id="acc-123",
        client_id="client-abc",
        client_secret=SecretStr(SECRET),
        category=AccountCategory.PRO,
        api_base=API,
        oauth_url=OAUTH,
    )


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def token_reply(token: str = "tok-1", expires_in: int = 3600) -> dict[str, Any]:
    return {"access_token": token, "token_type": "bearer", "expires_in": expires_in, "scope": "meeting:write:admin"}


@pytest.fixture
def make_client(account: ZoomAccountConfig, fake_time: FakeTime) -> Callable[..., ZoomClient]:
    """A client on fake time, with no client-side rate limit and deterministic retry jitter."""

    def build(acc: ZoomAccountConfig | None = None, **overrides: Any) -> ZoomClient:
        acc = acc or account
        kwargs: dict[str, Any] = {
            "tokens": TokenProvider(acc, clock=fake_time.monotonic),
            "rate_limiter": UnlimitedRateLimiter(),
            "daily_budget": DailyBudget(now=fake_time.now),
            "retry": RetryPolicy(random=lambda: 0.5),
            "sleep": fake_time.sleep,
            "now": fake_time.now,
        }
        kwargs.update(overrides)
        return ZoomClient(acc, **kwargs)

    return build


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with run_sandbox(port=0) as sb:
        yield sb


def sandbox_client(sb: Sandbox, name: str = "kominfo", **overrides: Any) -> ZoomClient:
    """A real client (real limiter) against the sandbox; sleeping moves the sandbox clock instead."""
    acc = sb.account_config(name)
    kwargs: dict[str, Any] = {
        "tokens": TokenProvider(acc),
        "rate_limiter": UnlimitedRateLimiter(),
        "sleep": lambda s: sb.advance_clock(s),
        "now": sb.clock.now,
        "retry": RetryPolicy(random=lambda: 0.5),
    }
    kwargs.update(overrides)
    return ZoomClient(acc, **kwargs)
