"""The solver reports its progress through `SolveOptions.progress` (issue 21, item 4): levels, parts done, the
served weight against its bound; the planner itself prints nothing."""

from __future__ import annotations

from pathlib import Path

from allocator.planner.parts import Progress
from allocator.planner.solver import SolveOptions, solve
from allocator.problem_files import load_problem

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "example-problem.json"


def test_progress_reports_every_part_and_ends_with_the_plans_served_weight() -> None:
    seen: list[Progress] = []
    plan = solve(load_problem(EXAMPLE), SolveOptions(progress=seen.append))
    assert seen, "a solve with parts to solve reports"
    last = seen[-1]
    assert last.parts == plan.components and last.parts_done == last.parts
    assert all(0 <= p.level < p.levels == 3 and p.served <= p.bound for p in seen)
    assert [p.parts_done for p in seen] == sorted(p.parts_done for p in seen)  # never goes back
    assert last.served == plan.term("served_weight").value and last.gap == 0.0


def test_the_callback_is_not_part_of_the_options_dump() -> None:
    assert "progress" not in SolveOptions(progress=print).model_dump()
