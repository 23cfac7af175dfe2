"""The example district office shipped inside the package, so `vicon demo` works from any folder after
`pip install` (config/example-problem.json is a link to it for people reading the repository)."""

from __future__ import annotations

import json
from importlib.resources import files

from allocator.planner.domain import Problem
from allocator.planner.problem_io import parse_problem

EXAMPLE_PROBLEM = "example-problem.json"


def example_problem_text() -> str:
    """The example office's problem file as text (read from the installed package)."""
    return files(__package__).joinpath(EXAMPLE_PROBLEM).read_text(encoding="utf-8")


def example_problem() -> Problem:
    """The example office, parsed and validated like any problem file."""
    return parse_problem(json.loads(example_problem_text()))
