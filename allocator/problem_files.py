"""Reading a problem file (the planner itself reads nothing): a clear error for a missing file or bad JSON."""

from __future__ import annotations

import json
from pathlib import Path

from allocator.planner.domain import Problem
from allocator.planner.errors import InvalidProblem
from allocator.planner.problem_io import parse_problem


def load_problem(path: Path) -> Problem:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidProblem([f"{path}: cannot read the file ({exc.strerror})"]) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidProblem([f"{path}: not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"]) from None
    return parse_problem(data)
