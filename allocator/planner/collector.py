"""Python's cyclic garbage collector paused while a plan is made.

A solve allocates millions of short-lived objects. Each allocation burst lets the collector walk the whole heap,
which in a daemon holds the candidate cache and the problem: measured on the ministry month, one full collection
per re-plan took 0.25-0.35 s of its 1.5 s. Reference counting still frees everything but cycles, and the collector
resumes when the last solve running ends, so a solve's few cycles are collected then. What a plan is does not
depend on it.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_solves = 0  # solves running now, in any thread
_was_enabled = False  # whether the collector ran before the first of them paused it


@contextmanager
def collector_paused() -> Iterator[None]:
    """The collector off for as long as any solve runs (solves may run in several threads at once)."""
    global _solves, _was_enabled
    with _lock:
        if _solves == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _solves += 1
    try:
        yield
    finally:
        with _lock:
            _solves -= 1
            if _solves == 0 and _was_enabled:
                gc.enable()
