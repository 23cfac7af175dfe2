"""The operator level on large operator pools: lower bounds from overlapping requests, dominance among operators,
and a first plan calling in few operators.

The preferences level counts operators called in per local day. With hundreds of operators each qualified for a
subset of requests, the per-operator rows (`model.link_operator_days`) leave the LP with almost nothing to prove
and CP-SAT with a huge symmetric search. Three things make it competitive with a dedicated model:

- *Overlap bounds*: at any moment, the operators working are distinct, so a day's operators called in are at least
  the operators needed by any set of pairwise-overlapping requests served that day; among requests that only a
  group of operators can take (their qualifications), at least that many of the group's operators.
- *Dominance*: an operator qualified for everything another one is (same times) can take the other's whole day, so
  a plan never needs the lesser operator on a day the greater one stays home: one row per pair removes that
  symmetry without losing any plan's value.
- *A first plan*: the served requests' operators re-chosen in start order, reusing an operator already called in
  (the least qualified free one) before calling in another (the most qualified one), kept as the level's floor.

All of it applies only to a part that is *simple for operators*: no rehearsal or survey (an operator's tasks on
other days tie to the event), no travel rules, nothing pinned, frozen or published (named operators are not
interchangeable with others), and at least `LARGE_OPERATOR_PART` operators. Smaller parts are solved as before,
so their plans do not change.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from allocator.planner.candidates import Role
from allocator.planner.model import AllocationModel, Var, complete_hint, maximal_cliques

LARGE_OPERATOR_PART = 24  # operators in a part from which the operator level gets its bounds and dominance rows
# On such a load the operator level decides most of the plan: the served level gets half of a part's time (not
# three quarters), and the levels end at 0.85 of the limit (not 0.68): no optional rehearsal is placed after them.
OPERATOR_LEVEL_TIME_SHARES = (0.5, 0.5, 1.0)
OPERATOR_LEVELS_END = 0.85
GLOBAL_CLIQUES_PER_DAY = 8  # the busiest moments of a day stated as rows (each row is as long as the moment)


@dataclass
class OperatorFloor:
    """Rows that bound the operator level: per day, the sets of positions that need distinct operators at once, and
    the pools that may take them (None: any pool)."""

    rows: dict[int, list[tuple[frozenset[int] | None, list[int]]]] = field(default_factory=dict)

    def bound(self, m: AllocationModel, served: set[int]) -> int:
        """The fewest operator-days any plan serving at least `served` can have."""
        total = 0
        for rows in self.rows.values():
            total += max((sum(m.cands[p].operators_needed for p in clique if p in served) for _, clique in rows),
                         default=0)  # fmt: skip
        return total


def simple_for_operators(m: AllocationModel, fixed: bool, previous: bool) -> bool:
    """Whether the operator level's rows and first plan apply to this part (see the module's docstring)."""
    if fixed or previous or m.workflow.travel:
        return False
    if any(c.role is not Role.EVENT for c in m.cands):
        return False
    return sum(len(p.members) for p in m.operator_pools) >= LARGE_OPERATOR_PART


def _single_positions(m: AllocationModel) -> list[int]:
    """Events with operators whose request has only this position: served or not, nothing else can stand in."""
    return [
        pos
        for pos, c in enumerate(m.cands)
        if c.operators_needed and m.operator_options[pos] and len(m.events_of.get(c.ref, [])) == 1
    ]


def _common_span(m: AllocationModel, pos: int) -> tuple[int, int, int]:
    """The span every operator option of a position covers (start, end) and its day."""
    opts = list(m.operator_options[pos].values())
    return max(o.start for o in opts), min(o.end for o in opts), opts[0].day


def add_operator_floor(m: AllocationModel) -> OperatorFloor:
    """Adds the overlap rows (whole day, and per group of qualified operators) and the dominance rows."""
    floor = OperatorFloor()
    by_day: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for pos in _single_positions(m):
        s, e, day = _common_span(m, pos)
        if s < e:
            by_day[day].append((s, e, pos))
    need = {pos: m.cands[pos].operators_needed for pos in range(len(m.cands))}
    for day, spans in by_day.items():
        rows: list[tuple[frozenset[int] | None, list[int]]] = []
        cliques = sorted(maximal_cliques(spans), key=lambda c: -sum(need[p] for p in c))
        rows += [(None, c) for c in cliques[:GLOBAL_CLIQUES_PER_DAY]]
        groups: dict[frozenset[int], list[tuple[int, int, int]]] = defaultdict(list)
        for s, e, pos in spans:
            groups[frozenset(m.operator_options[pos])].append((s, e, pos))
        for group in groups:
            inside = [sp for g2, members in groups.items() if g2 <= group for sp in members]
            best = max(maximal_cliques(inside), key=lambda c: sum(need[p] for p in c))
            if sum(need[p] for p in best) > 1:
                rows.append((group, best))
        floor.rows[day] = rows
        for within, clique in rows:
            pools = within if within is not None else {g for p in clique for g in m.operator_options[p]}
            counts = [m.called_in[g, day] for g in sorted(pools) if (g, day) in m.called_in]
            m.model.add(sum(counts) >= sum(need[p] * m.served[p] for p in clique))
    _add_dominance(m)
    return floor


def _add_dominance(m: AllocationModel) -> None:
    """Per day, an operator never stays home while one qualified for less of that day (at the same times) works.
    One row per lesser operator, to the smallest greater one: a chain, not every pair."""
    options: dict[tuple[int, int], set[tuple[int, int, int]]] = defaultdict(set)
    for pos, per_pool in enumerate(m.operator_options):
        for g, o in per_pool.items():
            if len(m.operator_pools[g].members) == 1:
                options[g, o.day].add((pos, o.start, o.end))
    by_day: dict[int, list[int]] = defaultdict(list)
    for g, day in options:
        by_day[day].append(g)
    for day, pools in by_day.items():
        pools.sort(key=lambda g: (len(options[g, day]), g))
        for i, lesser in enumerate(pools):
            mine = options[lesser, day]
            greater = next((g for g in pools[i + 1:] if mine <= options[g, day]), None)
            if greater is not None:
                m.model.add(m.called_in[greater, day] >= m.called_in[lesser, day])


def fewest_operators_plan(m: AllocationModel, solution: dict[Var, int]) -> dict[Var, int] | None:
    """The same served requests and hosts, operators re-chosen to call in few: in start order, an operator already
    called in that day and free (the least qualified, then the one free the latest) before a new one (the most
    qualified). None when it cannot staff every served request (the plan in hand stays)."""
    qualified: dict[int, int] = defaultdict(int)
    for per_pool in m.operator_options:
        for g in per_pool:
            qualified[g] += 1
    free_at: dict[int, dict[int, int]] = defaultdict(dict)  # pool -> member slot -> minute it is free again
    called: dict[tuple[int, int], set[int]] = defaultdict(set)  # (pool, day) -> member slots called in
    values = dict(solution)
    served = sorted((m.cands[p].start, m.cands[p].end, p) for p in range(len(m.cands)) if solution[m.served[p]])
    for _s, _e, pos in served:
        for g in m.operator_options[pos]:
            values[m.operator[pos, g]] = 0
        for _ in range(m.cands[pos].operators_needed):
            slot = _pick(m, pos, free_at, called, qualified)
            if slot is None:
                return None
            g, k = slot
            opt = m.operator_options[pos][g]
            free_at[g][k] = opt.end
            called[g, opt.day].add(k)
            values[m.operator[pos, g]] += 1
    return complete_hint(m, values)


def _pick(
    m: AllocationModel,
    pos: int,
    free_at: dict[int, dict[int, int]],
    called: dict[tuple[int, int], set[int]],
    qualified: dict[int, int],
) -> tuple[int, int] | None:
    """The operator (pool, member slot) to take this position's next seat, see `fewest_operators_plan`."""
    reuse: list[tuple[int, int, int, int]] = []
    fresh: list[tuple[int, int, int]] = []
    for g, opt in m.operator_options[pos].items():
        busy_until = free_at[g]
        for k in range(len(m.operator_pools[g].members)):
            if busy_until.get(k, -(2**62)) > opt.start:
                continue
            if k in called[g, opt.day]:
                reuse.append((qualified[g], -busy_until.get(k, 0), g, k))
            else:
                fresh.append((-qualified[g], g, k))
                break  # the pool's other uncalled members are the same
    if reuse:
        _q, _f, g, k = min(reuse)
        return g, k
    if fresh:
        _q, g, k = min(fresh)
        return g, k
    return None

