from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from zoom_client.config import AccountCategory
from zoom_client.errors import (
    ZoomDailyBudgetExhausted,
    ZoomNotFound,
    ZoomRateLimited,
    ZoomServerError,
    ZoomTransportError,
    ZoomValidationError,
)
from zoom_client.limits import ApiCategory, DailyBudget, RateLimiter
from zoom_client.retry import RetryPolicy

NOW = datetime(2025, 3, 10, 8, 0, tzinfo=UTC)
policy = RetryPolicy(random=lambda: 0.5)


def decide(method: str, error, attempt: int = 1):
    return policy.decide(method=method, attempt=attempt, error=error, now=NOW)


# --- retry policy ----------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_server_errors_are_retried_for_idempotent_methods(method):
    d = decide(method, ZoomServerError("boom", status=503))
    assert d.retry and d.delay == pytest.approx(0.5)


def test_server_error_on_create_is_never_retried():
    assert not decide("POST", ZoomServerError("boom", status=500)).retry


def test_transport_error_on_create_only_retried_when_never_sent():
    assert not decide("POST", ZoomTransportError("reset", sent=True)).retry
    assert decide("POST", ZoomTransportError("refused", sent=False)).retry
    assert decide("GET", ZoomTransportError("reset", sent=True)).retry


def test_rate_limit_honours_retry_after_even_for_create():
    d = decide("POST", ZoomRateLimited("slow down", retry_after=NOW + timedelta(seconds=2)))
    assert d.retry and d.delay == pytest.approx(2.0)


def test_retry_after_in_the_past_means_retry_now():
    d = decide("GET", ZoomRateLimited("slow down", retry_after=NOW - timedelta(seconds=2)))
    assert d.retry and d.delay == 0


def test_retry_after_too_far_is_raised_not_waited():
    assert not decide("GET", ZoomRateLimited("slow", retry_after=NOW + timedelta(minutes=5))).retry


def test_rate_limit_without_retry_after_backs_off():
    d = decide("GET", ZoomRateLimited("slow"), attempt=2)
    assert d.retry and d.delay == pytest.approx(1.0)


def test_daily_budget_and_client_errors_are_final():
    assert not decide("POST", ZoomDailyBudgetExhausted("out", retry_after=NOW + timedelta(seconds=1))).retry
    assert not decide("GET", ZoomNotFound("gone")).retry
    assert not decide("PATCH", ZoomValidationError("bad")).retry


def test_attempts_are_bounded_and_backoff_capped():
    assert not decide("GET", ZoomServerError("x"), attempt=4).retry
    p = RetryPolicy(max_attempts=20, base_delay=1, max_delay=8, jitter=0.0)
    assert [p.backoff(a) for a in range(1, 7)] == [1, 2, 4, 8, 8, 8]


def test_jitter_stays_within_bounds():
    lo = RetryPolicy(random=lambda: 0.0, jitter=0.2).backoff(1)
    hi = RetryPolicy(random=lambda: 1.0, jitter=0.2).backoff(1)
    assert lo == pytest.approx(0.4) and hi == pytest.approx(0.6)


# --- rate limiter ----------------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.t = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.t

    def sleep(self, s: float) -> None:
        self.sleeps.append(s)
        self.t += s


def test_pro_medium_limit_allows_its_rate_then_waits():
    clock = Clock()
    lim = RateLimiter(AccountCategory.PRO, headroom=1.0, clock=clock, sleep=clock.sleep)
    assert lim.limits[ApiCategory.MEDIUM] == 20
    for _ in range(20):
        assert lim.acquire(ApiCategory.MEDIUM) == 0
    assert not lim.try_acquire(ApiCategory.MEDIUM)
    waited = lim.acquire(ApiCategory.MEDIUM)
    assert waited == pytest.approx(1.0)
    assert lim.waited_s == pytest.approx(1.0)


def test_categories_are_independent_and_business_is_faster():
    clock = Clock()
    pro = RateLimiter(AccountCategory.PRO, headroom=1.0, clock=clock, sleep=clock.sleep)
    biz = RateLimiter(AccountCategory.BUSINESS, headroom=1.0, clock=clock, sleep=clock.sleep)
    assert biz.limits == {ApiCategory.LIGHT: 80, ApiCategory.MEDIUM: 60, ApiCategory.HEAVY: 40}
    for _ in range(20):
        pro.acquire(ApiCategory.MEDIUM)
    assert pro.try_acquire(ApiCategory.LIGHT)


def test_sliding_window_never_exceeds_rate_in_any_second():
    clock = Clock()
    lim = RateLimiter(AccountCategory.PRO, headroom=0.9, clock=clock, sleep=clock.sleep)
    stamps = []
    for _ in range(100):
        lim.acquire(ApiCategory.HEAVY)
        stamps.append(clock.t)
        clock.t += 0.013
    limit = lim.limits[ApiCategory.HEAVY]
    assert limit == 9
    for i, t in enumerate(stamps):
        assert sum(1 for s in stamps[i:] if s < t + 1.0) <= limit


def test_limiter_is_thread_safe():
    lim = RateLimiter(AccountCategory.PRO, headroom=1.0, clock=lambda: 0.0, sleep=lambda s: None)
    granted = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(50):
            if lim.try_acquire(ApiCategory.LIGHT):
                with lock:
                    granted.append(1)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(granted) == 30


# --- daily budget ----------------------------------------------------------------------------------


def test_budget_refuses_the_101st_call_and_says_when_it_resets():
    now = [datetime(2025, 3, 10, 23, 59, tzinfo=UTC)]
    budget = DailyBudget(now=lambda: now[0])
    for _ in range(100):
        budget.reserve("Host@X")
    assert budget.remaining("host@x") == 0
    with pytest.raises(ZoomDailyBudgetExhausted) as info:
        budget.reserve("host@x")
    assert info.value.status is None  # refused before Zoom
    assert info.value.retry_after == datetime(2025, 3, 11, tzinfo=UTC)
    assert "host@x" in str(info.value)
    now[0] = datetime(2025, 3, 11, 0, 0, 1, tzinfo=UTC)  # new UTC day
    assert budget.remaining("host@x") == 100
    budget.reserve("host@x")
    assert budget.used("host@x") == 1


def test_budget_refund_set_used_exhaust_and_snapshot():
    budget = DailyBudget(limit=5, now=lambda: NOW)
    budget.reserve("a")
    budget.reserve("a")
    budget.refund("a")
    assert budget.used("a") == 1
    budget.set_used("b", 3)
    budget.exhaust("c")
    assert budget.snapshot() == {"a": 1, "b": 3, "c": 5}
    assert budget.remaining("c") == 0
    budget.refund("zzz")
    assert budget.used("zzz") == 0


def test_budget_is_thread_safe():
    budget = DailyBudget(limit=100, now=lambda: NOW)
    refused = []

    def worker() -> None:
        for _ in range(30):
            try:
                budget.reserve("h")
            except ZoomDailyBudgetExhausted:
                refused.append(1)

    threads = [threading.Thread(target=worker) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert budget.used("h") == 100 and len(refused) == 50
