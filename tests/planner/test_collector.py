"""The cyclic collector is paused while plans are made, and runs again once the last one ends."""

from __future__ import annotations

import gc
import threading

import pytest

from allocator.planner import solver as solver_module
from allocator.planner.collector import collector_paused
from allocator.planner.solver import SolveOptions, solve
from tests.planner.factories import host, problem, request


def test_paused_during_a_solve_and_running_after(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bool] = []
    real = solver_module._split

    def spy(*args: object, **kwargs: object) -> object:
        seen.append(gc.isenabled())
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(solver_module, "_split", spy)
    assert gc.isenabled()
    plan = solve(problem(hosts=[host("H1")], requests=[request("R1", "09:00", "10:00")]), SolveOptions(time_limit_s=5))
    assert plan.assignments and seen == [False]
    assert gc.isenabled()


def test_runs_again_when_a_solve_fails() -> None:
    with pytest.raises(RuntimeError), collector_paused():
        assert not gc.isenabled()
        raise RuntimeError("the solve failed")
    assert gc.isenabled()


def test_stays_paused_until_the_last_of_overlapping_solves_ends() -> None:
    first_in, second_done, states = threading.Event(), threading.Event(), []

    def first() -> None:
        with collector_paused():
            first_in.set()
            second_done.wait(5)
            states.append(("first, after the second ended", gc.isenabled()))

    t = threading.Thread(target=first)
    t.start()
    first_in.wait(5)
    with collector_paused():
        states.append(("second", gc.isenabled()))
    second_done.set()
    t.join(5)
    assert states == [("second", False), ("first, after the second ended", False)]
    assert gc.isenabled()


def test_left_off_when_it_was_off_before() -> None:
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
