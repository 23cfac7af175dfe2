"""Reading a problem file (the planner itself reads nothing): a clear error for a missing, oversized, non-UTF-8,
too deeply nested or otherwise bad JSON file."""

from __future__ import annotations

from pathlib import Path

from allocator.jsontext import JsonTextError, read_json_file
from allocator.planner.domain import Problem
from allocator.planner.errors import InvalidProblem
from allocator.planner.problem_io import parse_problem

#: A year of a ministry's requests with every resource is a few MiB; far beyond that is not a problem file.
MAX_PROBLEM_BYTES = 64 * 1024 * 1024


def load_problem(path: Path) -> Problem:
    try:
        data = read_json_file(path, max_bytes=MAX_PROBLEM_BYTES)
    except JsonTextError as exc:
        raise InvalidProblem([str(exc)]) from None
    try:
        return parse_problem(data)
    except RecursionError:  # nested below what the JSON parser allows, deeper than any model walks
        raise InvalidProblem([f"{path}: nested too deeply to be a problem file"]) from None
