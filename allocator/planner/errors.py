"""Typed errors of the planning core; each carries what a person needs to act on it."""

from __future__ import annotations

from typing import Any


class ViconError(Exception):
    """Base of every error this product raises on purpose."""


class InvalidProblem(ViconError):
    """The input is not a valid problem; `errors` names each offending field (in English). `details`: pydantic's
    errors behind them (loc, type, msg, ctx), when pydantic found them, so a shell can word them in its language."""

    def __init__(self, errors: list[str], details: list[dict[str, Any]] | None = None) -> None:
        self.errors = errors
        self.details = details or []
        super().__init__("invalid problem:\n" + "\n".join(f"  - {e}" for e in errors))


class ConflictingPins(ViconError):
    """Pinned or frozen assignments cannot all hold at once. `message` (English, without the refs) is what a shell
    words in its reader's language (allocator.error_words)."""

    def __init__(self, message: str, requests: list[str]) -> None:
        self.message = message
        self.requests = requests
        super().__init__(f"{message}: {', '.join(requests)}")


class InvalidPlan(ViconError):
    """A plan broke a hard rule; the planner never hands such a plan on. `message`: what happened (English, worded
    by a shell), `violations`: the validator's findings."""

    def __init__(self, message: str, violations: list[str] | None = None) -> None:
        self.message = message
        self.violations = violations or []
        detail = "".join(f"\n  - {v}" for v in self.violations[:20])
        super().__init__(message + detail)
