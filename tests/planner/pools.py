"""Helpers of the large-operator-pool tests: each part's model as the solver built it, and random operator-only
mornings for hypothesis."""

from __future__ import annotations

import pytest
from hypothesis import strategies as st

from allocator.planner import operator_level
from allocator.planner.domain import Problem
from allocator.planner.model import AllocationModel
from allocator.planner.operator_level import OperatorFloor
from tests.planner.factories import operator, problem, request


def capture_floors(monkeypatch: pytest.MonkeyPatch) -> list[tuple[AllocationModel, OperatorFloor]]:
    """Each part simple for operators that a solve builds: its model and its operator floor (filled in by the
    solver: its served-weight bound too)."""
    seen: list[tuple[AllocationModel, OperatorFloor]] = []
    real = operator_level.add_operator_floor

    def spy(m: AllocationModel) -> OperatorFloor:
        floor = real(m)
        seen.append((m, floor))
        return floor

    monkeypatch.setattr("allocator.planner.solver.add_operator_floor", spy)
    return seen


def random_morning(data: st.DataObject, most_operators: int, most_requests: int) -> Problem:
    """Operator-only requests on one morning (half-hour starts, 30 minutes to 2 hours, crews of one or two, normal
    or high), each allowed some of the operators."""
    names = [f"O{i}" for i in range(data.draw(st.integers(2, most_operators)))]
    reqs = []
    for k in range(data.draw(st.integers(2, most_requests))):
        start = data.draw(st.integers(0, 8))
        end = start + data.draw(st.integers(1, 4))
        allowed = data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=len(names), unique=True))
        reqs.append(request(f"R{k}", f"{8 + start // 2:02d}:{30 * (start % 2):02d}",
                            f"{8 + end // 2:02d}:{30 * (end % 2):02d}", service="operator",
                            allowed_operators=sorted(allowed), operators_needed=data.draw(st.sampled_from([1, 1, 2])),
                            priority=data.draw(st.sampled_from(["normal", "high"]))))  # fmt: skip
    return problem(operators=[operator(o) for o in names], requests=reqs)
