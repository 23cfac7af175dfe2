"""When to send a failed request again, and after how long: a pure policy, no I/O, no clock of its own.

- 429: Zoom refused without acting, so any method (even a create) may be resent after `Retry-After`.
- 5xx and transport errors: only idempotent methods are resent, with capped exponential backoff. A create
  (POST) is never resent blindly: its outcome is unknown and must be settled by looking for its key.
- A transport error that certainly never reached Zoom (`sent=False`) is safe for every method.
- Everything else (4xx, daily budget) is final.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from zoom_client.errors import (
    ZoomDailyBudgetExhausted,
    ZoomError,
    ZoomRateLimited,
    ZoomServerError,
    ZoomTransportError,
)

#: Methods whose repetition cannot create a second resource (PATCH here always sets absolute values).
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class RetryDecision:
    retry: bool
    delay: float = 0.0
    reason: str = ""


@dataclass(frozen=True)
class RetryPolicy:
    """Decides per failed attempt; `attempt` counts from 1 (the first try)."""

    max_attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 20.0
    #: A 429 asking us to wait longer than this is raised instead (the caller can reschedule).
    max_rate_limit_wait: float = 60.0
    #: Fraction of each backoff randomised, so many workers do not retry in step.
    jitter: float = 0.2
    random: Callable[[], float] = field(default=random.random, compare=False)

    def backoff(self, attempt: int) -> float:
        delay: float = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return delay * (1 - self.jitter + 2 * self.jitter * self.random())

    def decide(self, *, method: str, attempt: int, error: ZoomError, now: datetime) -> RetryDecision:
        if attempt >= self.max_attempts:
            return RetryDecision(False, reason="attempts exhausted")
        if isinstance(error, ZoomDailyBudgetExhausted):
            return RetryDecision(False, reason="daily budget exhausted")
        if isinstance(error, ZoomRateLimited):
            if error.retry_after is None:
                return RetryDecision(True, self.backoff(attempt), "rate limited, no Retry-After")
            wait = max(0.0, (error.retry_after - now).total_seconds())
            if wait > self.max_rate_limit_wait:
                return RetryDecision(False, reason=f"Retry-After too far ({wait:.0f} s)")
            return RetryDecision(True, wait, "rate limited")
        idempotent = method.upper() in IDEMPOTENT_METHODS
        if isinstance(error, ZoomTransportError):
            if not error.sent or idempotent:
                return RetryDecision(True, self.backoff(attempt), "transport error")
            return RetryDecision(False, reason="non-idempotent request may have been applied")
        if isinstance(error, ZoomServerError):
            if idempotent:
                return RetryDecision(True, self.backoff(attempt), "server error")
            return RetryDecision(False, reason="non-idempotent request may have been applied")
        return RetryDecision(False, reason="not retryable")


NO_RETRY = RetryPolicy(max_attempts=1)
