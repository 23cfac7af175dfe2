"""Kits reported broken: out of service until repaired, so the planner shares out only the kits that work.

A fault takes `count` kits of a type out of the stock from the moment it is known (the planner plans from `now`
on, so "until repaired" is "for the whole plan"); the admin's record of the repair puts them back. Loans that no
longer fit the smaller stock are re-planned like any other change: a request that loses its kits is unserved with
the reason `kits_short`, and its PIC is told by the usual plan-change mail. A fault reported in one occurrence of a
series concerns the loans from that occurrence on; the earlier occurrences are over (the store checks) and are
history, which the plan does not touch.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime

from allocator.planner.calendar import return_time
from allocator.planner.domain import Assignment, KitFault, Problem, Request, series_parent


def out_of_service(faults: Iterable[KitFault]) -> Counter[str]:
    """Kits out of service per kit type."""
    out: Counter[str] = Counter()
    for f in faults:
        out[f.kit] += f.count
    return out


def leaves_stock_at(problem: Problem, fault: KitFault) -> datetime:
    """When a fault's kits leave the stock: now, or, while the loan they broke on (`fault.request`) still runs, at
    its return (the kit out, or the request's planned return): until then that loan holds them, and counting them
    twice would leave the running meeting without the kit it has in hand."""
    if fault.request is None:
        return problem.now
    back = [k.due for k in problem.kits_out if k.request == fault.request and k.kit == fault.kit]
    pol = problem.policy
    for r in problem.requests:
        if r.ref == fault.request and any(n.kit == fault.kit for n in r.kits) and r.start <= problem.now:
            back.append(return_time(pol, r.end, pol.kit_return_min))
    return max([problem.now, *back])


def later_faults(problem: Problem) -> list[tuple[KitFault, datetime]]:
    """The faults whose kits leave the stock after now (at the return of the loan they broke on), with when."""
    out = []
    for f in problem.kit_faults:
        at = leaves_stock_at(problem, f)
        if at > problem.now:
            out.append((f, at))
    return out


def working_stock(problem: Problem) -> dict[str, int]:
    """Each kit type's stock less the kits out of service now (never below none); kits that broke on a loan still
    running leave it at that loan's return (`later_faults`, counted as kits held from then on)."""
    later = {id(f) for f, _at in later_faults(problem)}
    broken = out_of_service(f for f in problem.kit_faults if id(f) not in later)
    return {k.id: max(0, k.stock - broken[k.id]) for k in problem.kit_types}


def holding(problem: Problem, assignments: Iterable[Assignment], kit: str, occurrence: str | None = None) -> list[str]:
    """The planned requests that borrow this kit type and are not over: those a fault may move or leave unserved.
    A fault in one occurrence of a series (`occurrence`, 'PSR-70:3') concerns that occurrence and the later ones:
    the series' earlier occurrences are history and are not among them."""
    series = series_parent(occurrence) if occurrence is not None else None
    first = int(occurrence.rpartition(":")[2]) if occurrence is not None and series is not None else 0
    wanted = {
        r.ref: r
        for r in problem.requests
        if any(n.kit == kit for n in r.kits) and not (r.occurrence_of == series and (r.occurrence or 0) < first)
    }
    return sorted(
        a.request for a in assignments if a.request in wanted and (a.end or wanted[a.request].end) > problem.now
    )


def freeze_cannot_hold(problem: Problem, req: Request) -> bool:
    """`req` has not begun and borrows a kit type some of which is out of service: the freeze cannot promise it
    its kits (the smaller stock may not hold every published loan), so it is planned again like a changed request;
    moving it still costs a change, so it keeps its assignment wherever the stock allows."""
    faulty = {f.kit for f in problem.kit_faults}
    return req.start > problem.now and any(n.kit in faulty for n in req.kits)
