"""A progress line on stderr for a plan that takes more than a moment: the level, the parts done, the served
weight against its bound and the gap. Silent when stderr is not a terminal or with `--quiet`; the planner only
calls back (`SolveOptions.progress`), the printing is here."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import TextIO

from allocator.planner.parts import Progress

SHOW_AFTER_S = 1.0  # a plan done sooner than this shows no progress at all
EVERY_S = 0.2  # at most this often

LEVELS = {"id": ("terlayani", "perubahan", "preferensi"), "en": ("served", "changes", "preferences")}
TEXT = {
    "id": "merencanakan: tingkat {level}/{levels} ({name}), bagian {done}/{parts}, bobot terlayani {served} "
    "(batas {bound}, celah {gap:.1%}), {secs:.0f} dtk",
    "en": "planning: level {level}/{levels} ({name}), parts {done}/{parts}, served weight {served} "
    "(bound {bound}, gap {gap:.1%}), {secs:.0f} s",
}


class ProgressLine:
    """Rewrites one stderr line as the solver reports; `close()` clears it. Use as a context manager."""

    def __init__(
        self,
        lang: str = "id",
        *,
        quiet: bool = False,
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream or sys.stderr
        self.on = not quiet and self.stream.isatty()
        self.lang, self.clock = lang, clock
        self.start = clock()
        self.last = float("-inf")
        self.shown = False
        self.lock = threading.Lock()

    def __call__(self, p: Progress) -> None:
        now = self.clock()
        if not self.on or now - self.start < SHOW_AFTER_S or now - self.last < EVERY_S:
            return
        text = TEXT[self.lang].format(level=p.level + 1, levels=p.levels, name=LEVELS[self.lang][p.level],
                                      done=p.parts_done, parts=p.parts, served=p.served, bound=p.bound, gap=p.gap,
                                      secs=now - self.start)  # fmt: skip
        with self.lock:
            self.last = now
            self.shown = True
            self.stream.write("\r" + text + "\x1b[K")
            self.stream.flush()

    def close(self) -> None:
        with self.lock:
            if self.shown:
                self.stream.write("\r\x1b[K")
                self.stream.flush()
                self.shown = False

    def __enter__(self) -> ProgressLine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
