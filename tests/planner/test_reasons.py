"""Reasons that hold: each meeting named as being in the way really is (releasing them serves the request), and
one the request outranks, or an equal, comes with why it stays."""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allocator.planner.domain import Problem
from allocator.planner.solver import SolveOptions, solve
from tests.planner.factories import host, operator, problem, request

PRIORITIES = ["low", "normal", "high", "head_of_region"]


@st.composite
def contested_mornings(draw: st.DrawFn) -> Problem:
    reqs = []
    for i in range(draw(st.integers(2, 6))):
        start = draw(st.integers(16, 22)) * 30
        length = draw(st.sampled_from([60, 90, 120]))
        kw: dict[str, Any] = {
            "service": draw(st.sampled_from(["link", "link_operator"])),
            "priority": draw(st.sampled_from(PRIORITIES)),
            "letter_date": f"2027-02-{draw(st.integers(1, 9)):02d}",
        }
        reqs.append(request(f"R{i}", f"{start // 60:02d}:{start % 60:02d}",
                            f"{(start + length) // 60:02d}:{(start + length) % 60:02d}", **kw))  # fmt: skip
    hosts = [host(f"H{i}") for i in range(draw(st.integers(1, 2)))]
    operators = [operator(f"O{i}") for i in range(draw(st.integers(0, 2)))]
    return problem(hosts=hosts, operators=operators, requests=reqs)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(contested_mornings())
def test_named_blockers_are_the_real_ones_and_outranked_ones_say_why_they_stay(prob: Problem) -> None:
    plan = solve(prob, SolveOptions(time_limit_s=10, alternatives=False))
    weights = prob.policy.priority_weights
    for u in plan.unserved:
        req = prob.request(u.request)
        named = {r for b in u.blockers for r in b.requests}
        for ref in named:
            if weights[prob.request(ref).priority] <= weights[req.priority]:
                assert ref in u.reason.split(":", 1)[-1].split("; ", 1)[-1], (ref, u.reason)
                assert "bobot" in u.reason_id or "surat" in u.reason_id or "sama" in u.reason_id, u.reason_id
        alone = solve(prob.model_copy(update={"requests": [req]}), SolveOptions(alternatives=False))
        if not named or alone.assignment_for(u.request) is None:
            continue  # it cannot be served even alone: no meeting is really in its way
        # Released, and put above every other request (a tier of its own: no preference can outweigh it).
        first = {"priority": "released", "letter_date": date(2027, 1, 1)}
        released = [r.model_copy(update=first) if r.ref == u.request else r
                    for r in prob.requests if r.ref not in named]  # fmt: skip
        weights = {**prob.policy.priority_weights, "released": 1_000_000}
        pol = prob.policy.model_copy(update={"priority_weights": weights})
        again = solve(prob.model_copy(update={"requests": released, "policy": pol}),
                      SolveOptions(time_limit_s=10, alternatives=False))  # fmt: skip
        assert again.assignment_for(u.request) is not None, (u.request, u.reason)
