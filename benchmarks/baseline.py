"""First come, first served: what an office does by hand, as a baseline for the planner.

Requests are taken in the order their letters arrived; each gets the smallest free host that fits and the
first free operators who may take it, or nothing. No request is ever moved for a later one.
"""

from __future__ import annotations

from allocator.planner.candidates import build_candidates
from allocator.planner.domain import Assignment, HostKind, Plan, Problem, Unserved
from allocator.planner.solver import active_requests


def first_come_first_served(problem: Problem) -> Plan:
    reqs = [r for r in active_requests(problem) if r.start > problem.now]
    order = sorted(range(len(reqs)), key=lambda i: (reqs[i].submitted_at or reqs[i].start, reqs[i].ref))
    cands = build_candidates(problem, reqs)
    host_busy: dict[int, list[tuple[int, int, bool]]] = {}
    op_busy: dict[int, list[tuple[int, int]]] = {}
    chosen: list[Assignment] = []
    unserved: list[Unserved] = []
    for i in order:
        c = cands[i]
        webinar = c.request.kind is HostKind.WEBINAR
        host = None
        if c.needs_host:
            for h in sorted(c.hosts, key=lambda h: (problem.hosts[h.host].capacity, h.host)):
                busy = [b for b in host_busy.get(h.host, []) if b[0] < h.end and h.start < b[1]]
                limit = problem.hosts[h.host].max_concurrent
                if (webinar and busy) or any(b[2] for b in busy):
                    continue
                points = {h.start} | {max(b[0], h.start) for b in busy}
                if all(sum(1 for b in busy if b[0] <= t < b[1]) < limit for t in points):
                    host = h
                    break
        ops = [o for o in c.operators if not any(s < o.end and o.start < e for s, e in op_busy.get(o.operator, []))][
            : c.operators_needed
        ]
        if (c.needs_host and host is None) or len(ops) < c.operators_needed:
            unserved.append(
                Unserved(
                    request=c.request.ref,
                    code="hosts_busy",
                    reason="taken first by earlier letters",
                    reason_id="sudah dipakai permohonan yang lebih dulu",
                )
            )
            continue
        if host is not None:
            host_busy.setdefault(host.host, []).append((host.start, host.end, webinar))
        for o in ops:
            op_busy.setdefault(o.operator, []).append((o.start, o.end))
        chosen.append(
            Assignment(
                request=c.request.ref,
                host=problem.hosts[host.host].id if host else None,
                operators=sorted(problem.operators[o.operator].id for o in ops),
            )
        )
    return Plan(assignments=chosen, unserved=unserved)


def served_weight(problem: Problem, plan: Plan) -> int:
    weights = problem.policy.priority_weights
    by_ref = {r.ref: r for r in problem.requests}
    return sum(weights[by_ref[a.request].priority] for a in plan.assignments)
