"""Client-side limits that refuse or wait before Zoom would answer 429.

- `RateLimiter`: per account, per API category (light/medium/heavy), at most N calls in any 1-second
  window (Pro 30/20/10, Business+ 80/60/40), blocking the caller until a slot frees.
- `DailyBudget`: per host user, at most 100 meeting create + update calls per UTC day; raises
  `ZoomDailyBudgetExhausted` before the call and says how many are left.

Both are thread-safe and take injectable clocks, so tests never sleep.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import UTC, date, datetime
from enum import StrEnum

from zoom_client.config import AccountCategory
from zoom_client.errors import ZoomDailyBudgetExhausted, next_utc_midnight


class ApiCategory(StrEnum):
    """Zoom's rate-limit label of an endpoint."""

    LIGHT = "light"
    MEDIUM = "medium"
    HEAVY = "heavy"


#: Calls per second by plan and label (Zoom's published limits, shared by every app on the account).
RATES: dict[AccountCategory, dict[ApiCategory, int]] = {
    AccountCategory.PRO: {ApiCategory.LIGHT: 30, ApiCategory.MEDIUM: 20, ApiCategory.HEAVY: 10},
    AccountCategory.BUSINESS: {ApiCategory.LIGHT: 80, ApiCategory.MEDIUM: 60, ApiCategory.HEAVY: 40},
}
#: Zoom's per-host limit on meeting create + update calls per UTC day.
DAILY_MEETING_WRITES = 100


class RateLimiter:
    """Sliding 1-second window per category: any 1 s interval holds at most `rate * headroom` calls."""

    def __init__(
        self,
        category: AccountCategory,
        *,
        headroom: float = 0.9,
        rates: dict[ApiCategory, int] | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        window: float = 1.0,
    ) -> None:
        base = rates if rates is not None else RATES[category]
        self.limits = {cat: max(1, int(n * headroom)) for cat, n in base.items()}
        self._window = window
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._sent: dict[ApiCategory, deque[float]] = {cat: deque() for cat in ApiCategory}
        self.waited_s = 0.0

    def _reserve(self, category: ApiCategory) -> float:
        """Take a slot now (returns 0) or say how long until one frees."""
        limit = self.limits.get(category)
        if limit is None:
            return 0.0
        with self._lock:
            now = self._clock()
            sent = self._sent[category]
            while sent and sent[0] <= now - self._window:
                sent.popleft()
            if len(sent) < limit:
                sent.append(now)
                return 0.0
            return max(sent[0] + self._window - now, 1e-4)

    def try_acquire(self, category: ApiCategory) -> bool:
        return self._reserve(category) == 0.0

    def acquire(self, category: ApiCategory) -> float:
        """Block until a call in `category` is allowed; returns the seconds waited."""
        waited = 0.0
        while (delay := self._reserve(category)) > 0:
            self._sleep(delay)
            waited += delay
        if waited:
            with self._lock:
                self.waited_s += waited
        return waited


class UnlimitedRateLimiter(RateLimiter):
    """For tests and for a sandbox run without limits."""

    def __init__(self) -> None:
        super().__init__(AccountCategory.BUSINESS, rates={})


class DailyBudget:
    """Counts meeting create + update calls per host per UTC day and refuses the 101st.

    Hosts are keyed case-insensitively by whatever the caller uses (user id or e-mail); the client
    maps e-mails to ids it has seen. `set_used` lets a store seed counts after a restart.
    """

    def __init__(self, limit: int = DAILY_MEETING_WRITES, *, now: Callable[[], datetime] | None = None):
        self.limit = limit
        self._now = now or (lambda: datetime.now(UTC))
        self._lock = threading.Lock()
        self._used: dict[str, tuple[date, int]] = {}

    def _day(self) -> date:
        return self._now().astimezone(UTC).date()

    def used(self, host: str) -> int:
        with self._lock:
            return self._used_locked(host.lower(), self._day())

    def _used_locked(self, host: str, day: date) -> int:
        entry = self._used.get(host)
        return entry[1] if entry and entry[0] == day else 0

    def remaining(self, host: str) -> int:
        return max(0, self.limit - self.used(host))

    def resets_at(self) -> datetime:
        return next_utc_midnight(self._now())

    def reserve(self, host: str) -> None:
        """Count one call for `host`, or raise `ZoomDailyBudgetExhausted` without counting."""
        key, day = host.lower(), self._day()
        with self._lock:
            used = self._used_locked(key, day)
            if used >= self.limit:
                raise ZoomDailyBudgetExhausted(
                    f"host {host} has used its {self.limit} meeting create/update calls for "
                    f"{day.isoformat()} (UTC); refused before calling Zoom",
                    host=host,
                    limit=self.limit,
                    retry_after=next_utc_midnight(self._now()),
                )
            self._used[key] = (day, used + 1)

    def refund(self, host: str) -> None:
        """Give back a reserved call that certainly never reached Zoom."""
        key, day = host.lower(), self._day()
        with self._lock:
            used = self._used_locked(key, day)
            if used > 0:
                self._used[key] = (day, used - 1)

    def set_used(self, host: str, used: int) -> None:
        """Record what is known to be spent today (from a store, or from Zoom's own 429)."""
        with self._lock:
            self._used[host.lower()] = (self._day(), max(0, min(used, self.limit)))

    def exhaust(self, host: str) -> None:
        """Zoom said this host is out for today: believe it."""
        self.set_used(host, self.limit)

    def snapshot(self) -> dict[str, int]:
        """Calls used today per host."""
        day = self._day()
        with self._lock:
            return {h: n for h, (d, n) in self._used.items() if d == day}
