"""A sliding-window counter in this process's memory, for the anonymous post limit and the sign-in throttle."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable


class RateLimiter:
    """At most `per_minute` hits per key in any `window_s` (a sliding window) in this process's memory. Keys idle
    for a window are forgotten and at most `max_keys` are kept (least recently seen dropped first), so a flood of
    addresses cannot grow it without bound."""

    def __init__(
        self,
        per_minute: int,
        *,
        window_s: float = 60.0,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_minute, self.window_s, self.max_keys, self.clock = per_minute, window_s, max_keys, clock
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def wait(self, key: str) -> float:
        """Seconds until a hit on `key` would be allowed (0: now); counts nothing."""
        with self._lock:
            now = self.clock()
            hits = self._hits.get(key)
            if not hits:
                return 0.0
            while hits and hits[0] <= now - self.window_s:
                hits.popleft()
            return max(hits[0] + self.window_s - now, 0.001) if len(hits) >= self.per_minute else 0.0

    def hit(self, key: str) -> float:
        """Count one hit; 0 when allowed, else the seconds until the next one would be (the hit is not counted)."""
        with self._lock:
            now = self.clock()
            hits = self._hits.pop(key, None) or deque()
            while hits and hits[0] <= now - self.window_s:
                hits.popleft()
            self._hits[key] = hits
            if len(hits) >= self.per_minute:
                return max(hits[0] + self.window_s - now, 0.001)
            hits.append(now)
            while len(self._hits) > self.max_keys:
                self._hits.popitem(last=False)
            return 0.0
