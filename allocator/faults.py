"""Named fault points: a process told so by `VICON_FAULT` kills itself (SIGKILL, as `kill -9` does) at a chosen
step of the sync worker or the daemon, so the fault-injection suite can prove that nothing is lost, stuck or wrong
in Zoom whatever step a crash interrupts. Unset (production), every point is a dictionary look-up and nothing else.

`VICON_FAULT=<point>[@<n>]:kill[,...]` kills the process the n-th time (default 1st) it passes `<point>`;
`:exit` leaves with status 137 without the signal (for in-process tests that intercept `os._exit`).
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from dataclasses import dataclass

log = logging.getLogger(__name__)

FAULT_ENV = "VICON_FAULT"

#: Every named point, and where it is (docs/store.md lists them too).
POINTS: dict[str, str] = {
    "sync.after_claim": "rows claimed (in_progress, lease taken), nothing sent to Zoom",
    "sync.before_zoom_call": "claim renewed, the Zoom call not made yet",
    "sync.after_zoom_call": "Zoom did the create, update or delete; nothing recorded",
    "series.between_occurrences": "one occurrence of a series changed or deleted in Zoom, the others not yet",
    "sync.before_commit": "the result written in the record transaction, not committed",
    "sync.after_commit": "the result committed; nothing after it (duplicate sweep, report) done",
    "daemon.after_publish": "a re-plan published (plan and outbox rows committed), its sync not started",
    "daemon.after_lead": "the leader lock taken and dead claims released, nothing else done",
}
ACTIONS = ("kill", "exit")


class FaultSpecError(ValueError):
    """`VICON_FAULT` names no known point or action (the message says which part)."""


@dataclass(frozen=True)
class _Rule:
    point: str
    nth: int
    action: str


def parse(spec: str) -> list[_Rule]:
    """`point[@n]:action` items, comma-separated; a clear error naming the wrong part."""
    rules: list[_Rule] = []
    for item in (part.strip() for part in spec.split(",")):
        if not item:
            continue
        where, sep, action = item.rpartition(":")
        if not sep:
            where, action = action, "kill"
        point, at, nth_text = where.partition("@")
        if point not in POINTS:
            raise FaultSpecError(f"{FAULT_ENV}: unknown point {point!r} (known: {', '.join(POINTS)})")
        if action not in ACTIONS:
            raise FaultSpecError(f"{FAULT_ENV}: unknown action {action!r} for {point} (known: {', '.join(ACTIONS)})")
        if at and not (nth_text.isdigit() and int(nth_text) >= 1):
            raise FaultSpecError(f"{FAULT_ENV}: {item!r}: the count after @ must be a whole number ≥ 1")
        rules.append(_Rule(point, int(nth_text) if at else 1, action))
    return rules


class FaultPoints:
    """The process's fault points, read from `VICON_FAULT` once (or given)."""

    def __init__(self, spec: str | None = None) -> None:
        self.rules = parse(spec if spec is not None else os.environ.get(FAULT_ENV, ""))
        self._seen: dict[str, int] = {}
        self._lock = threading.Lock()

    def hit(self, point: str) -> None:
        """Pass `point`: if a rule says so, the process dies here."""
        if not self.rules:
            return
        assert point in POINTS, point
        with self._lock:
            self._seen[point] = seen = self._seen.get(point, 0) + 1
        for rule in self.rules:
            if rule.point == point and seen == rule.nth:
                log.error("fault injected: %s at %s (pass %d, %s)", rule.action, point, seen, FAULT_ENV)
                for handler in logging.getLogger().handlers:  # the line above reaches the log before we die
                    handler.flush()
                if rule.action == "exit":
                    os._exit(137)
                else:
                    os.kill(os.getpid(), signal.SIGKILL)


_PROCESS: FaultPoints | None = None


def hit(point: str) -> None:
    """Pass the process-wide fault point `point` (`VICON_FAULT` read at the first call)."""
    configure().hit(point)


def configure() -> FaultPoints:
    """Read `VICON_FAULT` now (a command calls it at start, so a wrong value is a clear error, not a dead step)."""
    global _PROCESS
    if _PROCESS is None:
        _PROCESS = FaultPoints()
    return _PROCESS
