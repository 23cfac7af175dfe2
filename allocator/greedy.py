"""A quick first plan for a part, heaviest requests first, given to CP-SAT as a hint.

CP-SAT proves optimality from the LP, but on a large part with flexible starts, kits and travel its own first
solutions can be poor, and under a time limit the plan would be too. A greedy pass over the same model —
highest priority first, preferred start first, smallest fitting host — gives it a good start in milliseconds.
The hint needs no proof of feasibility: CP-SAT checks it and repairs what does not fit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from allocator.candidates import Role
from allocator.domain import HostKind
from allocator.model import AllocationModel, Var


def _peak(spans: list[tuple[int, int]], start: int, end: int) -> int:
    """Most spans overlapping at once inside [start, end)."""
    inside = [(max(s, start), min(e, end)) for s, e in spans if s < end and start < e]
    points = [s for s, _e in inside]
    return max((sum(1 for s, e in inside if s <= t < e) for t in points), default=0)


def greedy_hint(
    m: AllocationModel, published: Mapping[int, tuple[int | None, dict[int, int]]] | None = None
) -> list[tuple[Var, int]]:
    """`published`: positions whose published host pool and operators (by pool) are placed first, as they
    were where they still fit, so a re-plan starts from the published plan with the newcomers fitted around."""
    published = published or {}
    problem = m.problem
    new_venues = {v.id for v in problem.venues if not v.surveyed} - set(m.workflow.surveyed)
    host_busy: dict[int, list[tuple[int, int]]] = defaultdict(list)
    op_busy: dict[int, list[tuple[int, int, str | None]]] = defaultdict(list)
    kit_busy: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    forever = 2**62
    for h in m.workflow.kit_holds:
        if h.request is None:
            kit_busy[h.kit].append((h.start, forever if h.end is None else h.end, h.count))
    order = sorted(
        (pos for pos, c in enumerate(m.cands) if c.role is Role.EVENT),
        key=lambda p: (p not in published, -m.cands[p].weight, abs(m.cands[p].shift), m.cands[p].start, p),
    )
    done: set[str] = set()
    values: dict[Var, int] = dict.fromkeys([*m.served.values(), *m.host.values(), *m.operator.values()], 0)

    def host_for(pos: int) -> int | None:
        c = m.cands[pos]
        options = sorted(m.host_options[pos].items(), key=lambda it: (it[1].oversize, it[0]))
        before = published.get(pos, (None, {}))[0]
        options.sort(key=lambda it: it[0] != before)  # the published pool first, then the smallest that fits
        for g, opt in options:
            pool = m.host_pools[g]
            if c.request.kind is HostKind.WEBINAR and pool.slots_per_member > 1:
                continue
            if _peak(host_busy[g], opt.start, opt.end) < pool.capacity:
                return g
        return None

    def crew_for(pos: int) -> dict[int, int] | None:
        c = m.cands[pos]
        crew: dict[int, int] = {}
        need = c.operators_needed
        before = published.get(pos, (None, {}))[1]
        for g, work in sorted(m.operator_options[pos].items(), key=lambda it: (-before.get(it[0], 0), it[0])):
            if need == 0:
                break
            pool = m.operator_pools[g]
            free = pool.capacity - _peak([(s, e) for s, e, _v in op_busy[g]], work.start, work.end)
            if free <= 0:
                continue
            if c.site is not None and len(pool.members) == 1:
                tight = any(
                    site is not None
                    and site != c.site
                    and (
                        e <= work.start < e + problem.travel_min(site, c.site)
                        or work.end <= s < work.end + problem.travel_min(c.site, site)
                    )
                    for s, e, site in op_busy[g]
                )
                if tight:
                    continue
            take = min(free, need, len(pool.members))
            crew[g] = take
            need -= take
        return None if need else crew

    for pos in order:
        c = m.cands[pos]
        spec = c.request.rehearsal
        if c.ref in done or not c.statically_possible or (spec is not None and spec.mandatory):
            continue
        if c.site in new_venues:
            continue
        if any(
            sum(n for s, e, n in kit_busy[k] if s < c.kit_end and c.kit_start < e) + need
            > m.workflow.kit_stock.get(k, 0)
            for k, need in c.kits
        ):
            continue
        host_pick = host_for(pos) if c.needs_host else None
        if c.needs_host and host_pick is None:
            continue
        crew = crew_for(pos)
        if crew is None:
            continue
        done.add(c.ref)
        values[m.served[pos]] = 1
        if host_pick is not None:
            hosted = m.host_options[pos][host_pick]
            host_busy[host_pick].append((hosted.start, hosted.end))
            values[m.host[pos, host_pick]] = 1
        for g, n in crew.items():
            span = m.operator_options[pos][g]
            op_busy[g].extend([(span.start, span.end, c.site)] * n)
            values[m.operator[pos, g]] = n
        for k, n in c.kits:
            kit_busy[k].append((c.kit_start, c.kit_end, n))
    return list(values.items())
