"""Kits reported broken: out of service until repaired, so the planner shares out only the kits that work.

A fault takes `count` kits of a type out of the stock from the moment it is known (the planner plans from `now`
on, so "until repaired" is "for the whole plan"); the admin's record of the repair puts them back. Loans that no
longer fit the smaller stock are re-planned like any other change: a request that loses its kits is unserved with
the reason `kits_short`, and its PIC is told by the usual plan-change mail.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from allocator.planner.domain import Assignment, KitFault, Problem


def out_of_service(faults: Iterable[KitFault]) -> Counter[str]:
    """Kits out of service per kit type."""
    out: Counter[str] = Counter()
    for f in faults:
        out[f.kit] += f.count
    return out


def working_stock(problem: Problem) -> dict[str, int]:
    """Each kit type's stock less the kits out of service (never below none)."""
    broken = out_of_service(problem.kit_faults)
    return {k.id: max(0, k.stock - broken[k.id]) for k in problem.kit_types}


def holding(problem: Problem, assignments: Iterable[Assignment], kit: str) -> list[str]:
    """The planned requests that borrow this kit type: those a fault may move or leave unserved."""
    wanted = {r.ref for r in problem.requests if any(n.kit == kit for n in r.kits)}
    return sorted(a.request for a in assignments if a.request in wanted)
