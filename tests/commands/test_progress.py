"""The progress line: on stderr, only on a terminal, only after a second, throttled, cleared at the end, never
with --quiet (issue 21, item 4)."""

from __future__ import annotations

import io
from pathlib import Path

from typer.testing import CliRunner

from allocator.commands.main import app
from allocator.commands.progress import ProgressLine
from allocator.planner.parts import Progress

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "example-problem.json"
STEP = Progress(level=0, levels=3, parts_done=2, parts=5, served=300, bound=320)


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_a_terminal_sees_the_line_after_a_second_throttled_and_cleared() -> None:
    out, clock = Tty(), Clock()
    with ProgressLine("en", stream=out, clock=clock) as line:
        line(STEP)
        assert out.getvalue() == ""  # a quick plan shows nothing
        clock.t += 1.5
        line(STEP)
        assert "planning: level 1/3 (served), parts 2/5, served weight 300 (bound 320, gap 6.2%), 2 s" in out.getvalue()
        before = out.getvalue()
        clock.t += 0.05
        line(STEP)
        assert out.getvalue() == before  # at most five times a second
    assert out.getvalue().endswith("\r\x1b[K")  # the line is cleared at the end


def test_silent_with_quiet_or_without_a_terminal() -> None:
    clock = Clock()
    quiet, piped = Tty(), io.StringIO()
    for stream, flag in ((quiet, True), (piped, False)):
        with ProgressLine("id", stream=stream, quiet=flag, clock=clock) as line:
            clock.t += 5
            line(STEP)
    assert quiet.getvalue() == "" and piped.getvalue() == ""


def test_indonesian_words() -> None:
    out, clock = Tty(), Clock()
    line = ProgressLine("id", stream=out, clock=clock)
    clock.t += 2
    line(STEP)
    assert "merencanakan: tingkat 1/3 (terlayani), bagian 2/5, bobot terlayani 300 (batas 320" in out.getvalue()


def test_the_cli_prints_no_progress_when_output_is_not_a_terminal() -> None:
    result = CliRunner().invoke(app, ["plan", "--problem", str(EXAMPLE), "--quiet"])
    assert result.exit_code == 0 and "planning:" not in result.output and "merencanakan" not in result.output
