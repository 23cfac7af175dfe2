"""The CP-SAT model of one independent part of the problem, one function per rule.

Start and end times are fixed (the office asked for them), so overlaps are known before solving: every
"at most k at once" rule becomes a sum over the maximal sets of mutually overlapping meetings (the
cliques of an interval graph). That formulation is exact and gives the LP a tight bound.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from allocator.candidates import Candidates
from allocator.domain import Assignment, HostKind, Problem

Literal_ = cp_model.IntVar


@dataclass
class AllocationModel:
    """Variables of one component; positions are indexes into `cands`."""

    problem: Problem
    cands: list[Candidates]
    model: cp_model.CpModel = field(default_factory=cp_model.CpModel)
    served: dict[int, Literal_] = field(default_factory=dict)
    host: dict[tuple[int, int], Literal_] = field(default_factory=dict)  # (position, host index)
    operator: dict[tuple[int, int], Literal_] = field(default_factory=dict)  # (position, operator index)
    kept: dict[int, Literal_] = field(default_factory=dict)  # previous assignment kept exactly
    forced_changes: int = 0  # previous assignments that can no longer be kept at all
    called_in: dict[tuple[int, int], Literal_] = field(default_factory=dict)  # (operator, day)


def create_assignment_variables(m: AllocationModel) -> None:
    for pos, c in enumerate(m.cands):
        ref = c.request.ref
        m.served[pos] = m.model.new_bool_var(f"served[{ref}]")
        for h in c.hosts:
            m.host[pos, h.host] = m.model.new_bool_var(f"host[{ref},{m.problem.hosts[h.host].id}]")
        for o in c.operators:
            m.operator[pos, o.operator] = m.model.new_bool_var(f"operator[{ref},{m.problem.operators[o.operator].id}]")


def add_served_means_fully_resourced(m: AllocationModel) -> None:
    """A served request has exactly one host (if it needs one) and exactly the operators it asked for."""
    for pos, c in enumerate(m.cands):
        served = m.served[pos]
        if c.needs_host:
            m.model.add(sum(m.host[pos, h.host] for h in c.hosts) == served)
        if c.operators_needed:
            m.model.add(sum(m.operator[pos, o.operator] for o in c.operators) == c.operators_needed * served)
        if not c.statically_possible:
            m.model.add(served == 0)


def maximal_cliques(spans: Sequence[tuple[int, int, int]]) -> list[list[int]]:
    """Maximal sets of pairwise-overlapping half-open spans (start, end, key), by a sweep."""
    events = sorted(
        [(s, 1, k) for s, _e, k in spans] + [(e, 0, k) for _s, e, k in spans],
        key=lambda ev: (ev[0], ev[1]),  # at equal times, ends first: [a, b) and [b, c) do not meet
    )
    active: dict[int, None] = {}
    cliques: list[list[int]] = []
    grew = False
    for _t, is_start, key in events:
        if is_start:
            active[key] = None
            grew = True
        else:
            if grew:
                cliques.append(list(active))
                grew = False
            del active[key]
    return cliques


def add_host_concurrency(m: AllocationModel) -> None:
    """Per host, at most `max_concurrent` meetings at once, buffers included."""
    spans: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for pos, c in enumerate(m.cands):
        for h in c.hosts:
            spans[h.host].append((h.start, h.end, pos))
    for hi, host_spans in spans.items():
        limit = m.problem.hosts[hi].max_concurrent
        for clique in maximal_cliques(host_spans):
            if len(clique) <= limit:
                continue
            lits = [m.host[pos, hi] for pos in clique]
            if limit == 1:
                m.model.add_at_most_one(lits)
            else:
                m.model.add(sum(lits) <= limit)


def add_webinar_alone_on_host(m: AllocationModel) -> None:
    """A webinar never shares its host with anything, buffers included."""
    spans: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for pos, c in enumerate(m.cands):
        for h in c.hosts:
            spans[h.host].append((h.start, h.end, pos))
    for hi, host_spans in spans.items():
        if m.problem.hosts[hi].max_concurrent == 1:
            continue  # concurrency already keeps everything apart
        for clique in maximal_cliques(host_spans):
            webinars = [pos for pos in clique if m.cands[pos].request.kind is HostKind.WEBINAR]
            for w in webinars:
                for other in clique:
                    if other != w:
                        m.model.add_at_most_one([m.host[w, hi], m.host[other, hi]])


def add_operator_no_overlap(m: AllocationModel) -> None:
    """An operator does one thing at a time, setup and teardown included."""
    spans: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for pos, c in enumerate(m.cands):
        for o in c.operators:
            spans[o.operator].append((o.start, o.end, pos))
    for oi, op_spans in spans.items():
        for clique in maximal_cliques(op_spans):
            if len(clique) > 1:
                m.model.add_at_most_one(m.operator[pos, oi] for pos in clique)


def add_fixed_assignments(m: AllocationModel, fixed: dict[int, Assignment]) -> None:
    """Pinned and frozen requests keep exactly their host and operators."""
    host_index = {h.id: i for i, h in enumerate(m.problem.hosts)}
    op_index = {o.id: i for i, o in enumerate(m.problem.operators)}
    for pos, a in fixed.items():
        c = m.cands[pos]
        m.model.add(m.served[pos] == 1)
        if c.needs_host:
            chosen = host_index[a.host] if a.host is not None else -1
            for h in c.hosts:
                m.model.add(m.host[pos, h.host] == int(h.host == chosen))
        wanted = {op_index[o] for o in a.operators}
        for o in c.operators:
            m.model.add(m.operator[pos, o.operator] == int(o.operator in wanted))


def add_symmetry_breaking(m: AllocationModel, untouchable_hosts: set[int], untouchable_ops: set[int]) -> None:
    """Interchangeable resources are used in order: resource k serves something only after k-1 has.

    Two resources are interchangeable in this component when every request sees them alike and no pin,
    freeze or previous assignment names either, so any solution can be relabelled to satisfy the order.
    """
    for table, option_lists, limits, untouchable in (
        (
            m.host,
            [[(h.host, h.start, h.end, h.oversize) for h in c.hosts] for c in m.cands],
            {i: (h.max_concurrent,) for i, h in enumerate(m.problem.hosts)},
            untouchable_hosts,
        ),
        (
            m.operator,
            [[(o.operator, o.start, o.end, o.day) for o in c.operators] for c in m.cands],
            {i: () for i in range(len(m.problem.operators))},
            untouchable_ops,
        ),
    ):
        signature: dict[int, list[tuple[int, int, int, int]]] = defaultdict(list)
        for pos, options in enumerate(option_lists):
            for res, start, end, extra in options:
                signature[res].append((pos, start, end, extra))
        classes: dict[tuple[object, ...], list[int]] = defaultdict(list)
        for res, sig in signature.items():
            if res not in untouchable:
                classes[(limits[res], tuple(sig))].append(res)
        for members in classes.values():
            members.sort()
            positions = [pos for pos, *_ in signature[members[0]]]
            for prev_res, res in itertools.pairwise(members):
                for j, pos in enumerate(positions):
                    earlier = [table[p, prev_res] for p in positions[: j + 1]]
                    m.model.add(table[pos, res] <= sum(earlier))


def add_redundant_pool_limits(m: AllocationModel) -> None:
    """At any moment, the meetings needing at least a given size fit in the hosts of that size or larger.

    Implied by the per-host rules; stated once more over the whole pool it lets propagation see an
    overloaded size class before it has tried every host in it.
    """
    hosts = m.problem.hosts
    for level in sorted({h.capacity for h in hosts}):
        pool = sum(h.max_concurrent for h in hosts if h.capacity >= level)
        spans = [
            (c.start, c.end, pos)
            for pos, c in enumerate(m.cands)
            if c.needs_host and c.hosts and min(hosts[h.host].capacity for h in c.hosts) >= level
        ]
        for clique in maximal_cliques(spans):
            if len(clique) > pool:
                m.model.add(sum(m.served[pos] for pos in clique) <= pool)


def served_weight(m: AllocationModel) -> cp_model.LinearExprT:
    return sum(c.weight * m.served[pos] for pos, c in enumerate(m.cands))


def link_previous_assignments(m: AllocationModel, previous: dict[int, Assignment]) -> None:
    """`kept[pos]` may be true only when the request has exactly its previous host and operators."""
    host_index = {h.id: i for i, h in enumerate(m.problem.hosts)}
    op_index = {o.id: i for i, o in enumerate(m.problem.operators)}
    for pos, a in previous.items():
        c = m.cands[pos]
        lits: list[Literal_] = [m.served[pos]]
        possible = c.needs_host == (a.host is not None) and len(a.operators) == c.operators_needed
        if a.host is not None and possible:
            key = (pos, host_index[a.host])
            possible = key in m.host
            if possible:
                lits.append(m.host[key])
        for op in a.operators:
            key = (pos, op_index[op])
            if key not in m.operator:
                possible = False
                break
            lits.append(m.operator[key])
        if not possible:
            m.forced_changes += 1
            continue
        kept = m.model.new_bool_var(f"kept[{c.request.ref}]")
        for lit in lits:
            m.model.add_implication(kept, lit)
        m.kept[pos] = kept


def changes(m: AllocationModel) -> cp_model.LinearExprT:
    return m.forced_changes + sum(1 - k for k in m.kept.values())


def link_operator_days(m: AllocationModel) -> None:
    for pos, c in enumerate(m.cands):
        for o in c.operators:
            key = (o.operator, o.day)
            if key not in m.called_in:
                m.called_in[key] = m.model.new_bool_var(f"called_in[{m.problem.operators[o.operator].id},{o.day}]")
            m.model.add_implication(m.operator[pos, o.operator], m.called_in[key])


def operator_days(m: AllocationModel) -> cp_model.LinearExprT:
    return sum(m.called_in.values())


def oversized_licences(m: AllocationModel) -> cp_model.LinearExprT:
    return sum(h.oversize * m.host[pos, h.host] for pos, c in enumerate(m.cands) for h in c.hosts if h.oversize)


def build_model(
    problem: Problem,
    cands: list[Candidates],
    fixed: dict[int, Assignment],
    previous: dict[int, Assignment],
    *,
    symmetry_breaking: bool = True,
    redundant_constraints: bool = True,
) -> AllocationModel:
    m = AllocationModel(problem, cands)
    create_assignment_variables(m)
    add_served_means_fully_resourced(m)
    add_host_concurrency(m)
    add_webinar_alone_on_host(m)
    add_operator_no_overlap(m)
    add_fixed_assignments(m, fixed)
    link_previous_assignments(m, previous)
    link_operator_days(m)
    if symmetry_breaking:
        named = list(fixed.values()) + list(previous.values())
        host_ids = {a.host for a in named}
        op_ids = {o for a in named for o in a.operators}
        add_symmetry_breaking(
            m,
            {i for i, h in enumerate(problem.hosts) if h.id in host_ids},
            {i for i, o in enumerate(problem.operators) if o.id in op_ids},
        )
    if redundant_constraints:
        add_redundant_pool_limits(m)
    return m


def hint(m: AllocationModel, values: Iterable[tuple[Literal_, int]]) -> None:
    m.model.clear_hints()
    for var, value in values:
        m.model.add_hint(var, value)
