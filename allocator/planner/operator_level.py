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

import heapq
import time
from collections import defaultdict
from dataclasses import dataclass, field

from allocator.planner.candidates import Role
from allocator.planner.components import maximal_cliques
from allocator.planner.greedy import letter_key
from allocator.planner.model import AllocationModel, Var, assignments, complete_hint

LARGE_OPERATOR_PART = 24  # operators in a part from which the operator level gets its bounds and dominance rows
# On such a load the operator level decides most of the plan: the served level gets half of a part's time (not
# three quarters), and the levels end at 0.8 of the limit (not 0.68): no optional rehearsal is placed after them.
OPERATOR_LEVEL_TIME_SHARES = (0.5, 0.5, 1.0)
# On an operator-only pool the operator level has its own model (`operator_model`) and gets the most of the time.
OPERATOR_ONLY_TIME_SHARES = (0.1, 0.5, 1.0)
OPERATOR_LEVELS_END = 0.8
GLOBAL_CLIQUES_PER_DAY = 8  # the busiest moments of a day stated as rows (each row is as long as the moment)
MAX_POOL_FOR_FIRST_PLAN = 8  # identical operators in one pool beyond which no first plan is built


@dataclass
class OperatorFloor:
    """Rows that bound the operator level: per day, the sets of positions that need distinct operators at once, and
    the pools that may take them (None: any pool)."""

    rows: dict[int, list[tuple[frozenset[int] | None, list[int]]]] = field(default_factory=dict)
    dominance: list[tuple[int, int, int]] = field(default_factory=list)  # (lesser pool, greater pool, day)
    served_most: int | None = None  # the most served weight any plan of the part reaches (`served_bound`)

    def respect(self, m: AllocationModel, values: dict[Var, int]) -> dict[Var, int]:
        """The same plan with each lesser operator's day given to its greater one where only the lesser works: a
        plan as good that meets the dominance rows, so a hint or a floor is taken as it is."""
        out = dict(values)
        at: dict[tuple[int, int], list[int]] = defaultdict(list)
        for p, per_pool in enumerate(m.operator_options):
            for g, o in per_pool.items():
                at[g, o.day].append(p)
        changed = True
        while changed:
            changed = False
            for lesser, greater, day in self.dominance:
                mine = [p for p in at[lesser, day] if out[m.operator[p, lesser]]]
                if mine and not any(out[m.operator[p, greater]] for p in at[greater, day]):
                    for p in mine:
                        out[m.operator[p, lesser]], out[m.operator[p, greater]] = 0, 1
                    changed = True
        return complete_hint(m, out)

    def bound(self, m: AllocationModel, served: set[int]) -> int:
        """The fewest operator-days any plan serving at least `served` can have."""
        total = 0
        for rows in self.rows.values():
            total += max((sum(m.cands[p].operators_needed for p in clique if p in served) for _, clique in rows),
                         default=0)  # fmt: skip
        return total


def simple_for_operators(m: AllocationModel, fixed: bool, previous: bool) -> bool:
    """Whether the operator level's rows and first plan apply to this part (see the module's docstring)."""
    if fixed or previous or m.workflow.travel or m.self_operated:
        return False  # (a self-operated request needs none of ours: the overlap rows would not hold)
    if any(c.role is not Role.EVENT for c in m.cands):
        return False
    if any(o.overtime for c in m.cands for o in c.operators):
        return False  # an operator's overtime costs apart from their day: dominance between operators fails
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
    floor.dominance = _add_dominance(m)
    return floor


def _add_dominance(m: AllocationModel) -> list[tuple[int, int, int]]:
    """Per day, an operator never stays home while one qualified for less of that day (at the same times) works.
    One row per lesser operator, to the smallest greater one: a chain, not every pair."""
    options: dict[tuple[int, int], set[tuple[int, int, int]]] = defaultdict(set)
    for pos, per_pool in enumerate(m.operator_options):
        for g, o in per_pool.items():
            if len(m.operator_pools[g].members) == 1:
                options[g, o.day].add((pos, o.start, o.end))
    pairs: list[tuple[int, int, int]] = []
    by_day: dict[int, list[int]] = defaultdict(list)
    for g, day in options:
        by_day[day].append(g)
    for day, pools in by_day.items():
        pools.sort(key=lambda g: (len(options[g, day]), g))
        for i, lesser in enumerate(pools):
            mine = options[lesser, day]
            greater = next((g for g in pools[i + 1 :] if mine <= options[g, day]), None)
            if greater is not None:
                m.model.add(m.called_in[greater, day] >= m.called_in[lesser, day])
                pairs.append((lesser, greater, day))
    return pairs


Seat = tuple[int, int]  # (operator pool, member slot)


class _Crews:
    """Who does what in the first plan being built: each operator's (pool member's) tasks and days called in."""

    def __init__(self, m: AllocationModel, values: dict[Var, int]) -> None:
        self.m, self.values = m, values
        self.qualified: dict[int, int] = defaultdict(int)
        for per_pool in m.operator_options:
            for g in per_pool:
                self.qualified[g] += 1
        self.tasks: dict[Seat, list[int]] = defaultdict(list)
        self.called: set[tuple[int, int, int]] = set()  # (pool, member, day)

    def free(self, seat: Seat, pos: int) -> bool:
        opt = self.m.operator_options[pos][seat[0]]
        return all(
            self.m.operator_options[q][seat[0]].end <= opt.start or opt.end <= self.m.operator_options[q][seat[0]].start
            for q in self.tasks[seat]
        )

    def seats(self, pos: int) -> list[tuple[Seat, bool]]:
        """Every operator qualified for the position, whether called in that day; one uncalled member per pool."""
        out: list[tuple[Seat, bool]] = []
        for g, opt in self.m.operator_options[pos].items():
            for k in range(len(self.m.operator_pools[g].members)):
                called = (g, k, opt.day) in self.called
                out.append(((g, k), called))
                if not called and not self.tasks[g, k]:
                    break  # the pool's other idle members are the same
        return out

    def take(self, seat: Seat, pos: int) -> None:
        g, k = seat
        self.tasks[seat].append(pos)
        self.called.add((g, k, self.m.operator_options[pos][g].day))
        self.values[self.m.operator[pos, g]] += 1

    def drop(self, seat: Seat, pos: int) -> None:
        self.tasks[seat].remove(pos)
        self.values[self.m.operator[pos, seat[0]]] -= 1

    def pick(self, pos: int, avoid: Seat | None = None, fresh_ok: bool = True) -> Seat | None:
        """A free operator for the position: one already called in (the least qualified, then the one whose last
        task ends latest) before a new one (the most qualified)."""
        reuse: list[tuple[int, int, Seat]] = []
        fresh: list[tuple[int, Seat]] = []
        for seat, called in self.seats(pos):
            if seat == avoid or pos in self.tasks[seat] or not self.free(seat, pos):
                continue
            if called:
                last = max((self.m.operator_options[q][seat[0]].end for q in self.tasks[seat]), default=0)
                reuse.append((self.qualified[seat[0]], -last, seat))
            else:
                fresh.append((-self.qualified[seat[0]], seat))
        if reuse:
            return min(reuse)[2]
        return min(fresh)[1] if fresh and fresh_ok else None

    def shed(self, until: float) -> None:
        """Sends operators home where the others already called in that day can take all their tasks (a task may
        push one of theirs on to a third one called in), the least busy first: each one is one operator-day less.
        Stops at `until` (monotonic seconds) with those sent home so far: each one is sent home whole or not."""
        for g, k, day in sorted(self.called, key=lambda c: (len(self.tasks[c[0], c[1]]), c)):
            if time.monotonic() > until:
                return
            seat = (g, k)
            mine = [q for q in self.tasks[seat] if self.m.operator_options[q][g].day == day]
            self.called.discard((g, k, day))
            undo: list[tuple[Seat, Seat, int]] = []  # (from, to, task) in the order moved
            for q in mine:
                if not self._rehome(seat, q, undo):
                    self.called.add((g, k, day))
                    for source, target, task in reversed(undo):
                        self.drop(target, task)
                        self.take(source, task)
                    break

    def _rehome(self, seat: Seat, q: int, undo: list[tuple[Seat, Seat, int]]) -> bool:
        """Moves task `q` off `seat` to another operator called in, directly or by moving the one task in the way."""
        other = self.pick(q, avoid=seat, fresh_ok=False)
        if other is None:
            for target, called in self.seats(q):
                if not called or target == seat or q in self.tasks[target]:
                    continue
                g = target[0]
                opt = self.m.operator_options[q][g]
                blocking = [r for r in self.tasks[target] if self.m.operator_options[r][g].start < opt.end
                            and opt.start < self.m.operator_options[r][g].end]  # fmt: skip
                if len(blocking) != 1:
                    continue
                third = self.pick(blocking[0], avoid=target, fresh_ok=False)
                if third is not None and third != seat:
                    self.drop(target, blocking[0])
                    self.take(third, blocking[0])
                    undo.append((target, third, blocking[0]))
                    other = target
                    break
        if other is None:
            return False
        self.drop(seat, q)
        self.take(other, q)
        undo.append((seat, other, q))
        return True

    def swap(self, pos: int) -> Seat | None:
        """Frees an operator for the position by moving the one task in the way to another free operator."""
        for seat, called in self.seats(pos):
            if not called or pos in self.tasks[seat]:
                continue
            opt = self.m.operator_options[pos][seat[0]]
            blocking = [q for q in self.tasks[seat] if self.m.operator_options[q][seat[0]].start < opt.end
                        and opt.start < self.m.operator_options[q][seat[0]].end]  # fmt: skip
            if len(blocking) != 1:
                continue
            other = self.pick(blocking[0], avoid=seat)
            if other is not None:
                self.drop(seat, blocking[0])
                self.take(other, blocking[0])
                return seat
        return None


def worth_a_first_plan(m: AllocationModel) -> bool:
    """Whether `fewest_operators_plan` pays: operators mostly distinct. A big pool of identical operators is already
    free of symmetry and its count is what the LP bounds tightly (a 2,000-request day on one pool of 400 is proven
    optimal without it), while building the first plan seat by seat over 400 members took 8 s."""
    return max((len(p.members) for p in m.operator_pools), default=0) <= MAX_POOL_FOR_FIRST_PLAN


def fewest_operators_plan(m: AllocationModel, solution: dict[Var, int], until: float) -> dict[Var, int]:
    """The same served requests and hosts, operators re-chosen to call in few; the fewer of two constructions, each
    followed by sending home the operators whose tasks the others can take:

    - in start order, an operator already called in that day and free (the least qualified, then the one free the
      latest) before a new one (the most qualified); where none is free, the one task in the way of a qualified
      operator moves to another (once more with the requests fewest operators may take first if that fails);
    - operator by operator, the one who can take the longest run of non-overlapping open requests takes it.

    When neither staffs every served request, the plan in hand with operators sent home the same way. Every step
    stops at `until` (monotonic seconds): a construction cut short counts as none, sending home keeps what it did,
    and out of time the plan in hand is returned as it is (seen: 22–25 s of a 20 s limit before it had one)."""
    served = [p for p in range(len(m.cands)) if solution[m.served[p]]]
    found = [plan for build in (_in_order, _by_runs) if (plan := build(m, solution, served, until)) is not None]
    if found:
        return min(found, key=lambda v: _operator_days(m, v))
    return _shed_from(m, solution, served, until) if time.monotonic() < until else solution


def _operator_days(m: AllocationModel, values: dict[Var, int]) -> int:
    return sum(values[v] for v in m.called_in.values())


def _cleared(m: AllocationModel, solution: dict[Var, int], served: list[int]) -> dict[Var, int]:
    values = dict(solution)
    for pos in served:
        for g in m.operator_options[pos]:
            values[m.operator[pos, g]] = 0
    return values


def _in_order(m: AllocationModel, solution: dict[Var, int], served: list[int], until: float) -> dict[Var, int] | None:
    in_time = sorted(served, key=lambda p: (m.cands[p].start, m.cands[p].end, p))
    scarce = sorted(served, key=lambda p: (len(m.operator_options[p]), m.cands[p].start, p))
    for order in (in_time, scarce):
        values = _cleared(m, solution, served)
        crews = _Crews(m, values)
        if all(time.monotonic() <= until and _staff(crews, pos) for pos in order):
            crews.shed(until)
            return complete_hint(m, values)
        if time.monotonic() > until:
            break
    return None


def _by_runs(m: AllocationModel, solution: dict[Var, int], served: list[int], until: float) -> dict[Var, int] | None:
    """Lazy greedy covering: each operator's run is the most open requests it can take one after another (earliest
    end first); the operator with the longest run takes it, runs only shrink, so a stale length is an upper bound."""
    values = _cleared(m, solution, served)
    open_seats = {p: m.cands[p].operators_needed for p in served}
    on_day: dict[tuple[int, int], list[int]] = defaultdict(list)
    for p in served:
        for g, o in m.operator_options[p].items():
            on_day[g, o.day].append(p)
    for key in on_day:
        on_day[key].sort(key=lambda p: (m.operator_options[p][key[0]].end, len(m.operator_options[p]), p))

    def run(g: int, day: int) -> list[int]:
        out: list[int] = []
        free_from = -(2**62)
        for p in on_day[g, day]:
            opt = m.operator_options[p][g]
            if open_seats[p] and opt.start >= free_from:
                out.append(p)
                free_from = opt.end
        return out

    heap = [(-len(on_day[g, day]), g, day, k) for (g, day) in on_day for k in range(len(m.operator_pools[g].members))]
    heapq.heapify(heap)
    left = sum(open_seats.values())
    while heap and left:
        if time.monotonic() > until:
            return None
        _stale, g, day, k = heapq.heappop(heap)
        mine = run(g, day)
        if not mine:
            continue
        if heap and len(mine) < -heap[0][0]:
            heapq.heappush(heap, (-len(mine), g, day, k))
            continue
        for p in mine:
            open_seats[p] -= 1
            values[m.operator[p, g]] += 1
        left -= len(mine)
    if left:
        return None
    return _shed_from(m, complete_hint(m, values), served, until)


def _shed_from(m: AllocationModel, solution: dict[Var, int], served: list[int], until: float) -> dict[Var, int]:
    """The plan in hand with operators sent home where the others can take their tasks (until `until`): always a
    plan."""
    values, crews = _crews_of(m, solution, served)
    crews.shed(until)
    return complete_hint(m, values)


def _crews_of(m: AllocationModel, solution: dict[Var, int], served: list[int]) -> tuple[dict[Var, int], _Crews]:
    """The plan in hand seat by seat: its served positions' operator counts cleared and taken again by the
    operators the plan names (the values the crews then change)."""
    values = _cleared(m, solution, served)
    crews = _Crews(m, values)
    index = {o.id: i for i, o in enumerate(m.problem.operators)}
    for pos, ops in zip(sorted(served), _events_of(m, solution), strict=True):
        for op in ops:
            g = m.operator_pool_of[index[op]]
            crews.take((g, m.operator_pools[g].members.index(index[op])), pos)
    return values, crews


def _events_of(m: AllocationModel, solution: dict[Var, int]) -> list[list[str]]:
    """The operators of each served position of the plan in hand, in position order (all are events here)."""
    return [a.operators for a in assignments(m, solution.__getitem__)]


def _staff(crews: _Crews, pos: int) -> bool:
    for _ in range(crews.m.cands[pos].operators_needed):
        seat = crews.pick(pos) or crews.swap(pos)
        if seat is None:
            return False
        crews.take(seat, pos)
    return True


# Passes of serving more, each deeper than the one before and trying only what is still unserved: (tasks moved
# one after another to free an operator for an unserved request, seats looked at per unserved request). Measured
# on the benchmark's 1,600-session day of seed 1, without a time limit: 28,240 after the first pass, 28,250 after
# the second, 28,360 after the third (0.2, 0.6 and 2.7 s); within the limit, mostly the first two.
EJECTION_PASSES = ((3, 4_000), (4, 20_000), (6, 100_000))
EJECTION_IN_THE_WAY = 2  # tasks of one operator that may give way to an unserved request, each placed elsewhere
# Of a part's time at most, before its served level: the first pass a quarter, the deeper ones only while a tenth
# has not gone (a quarter for all took time the operator level needed: up to 2 % more operators called in on the
# benchmark's largest days, for one to five sessions more served).
SERVE_MORE_SHARE, DEEPER_SHARE = 0.25, 0.1


def serve_more(
    m: AllocationModel, values: dict[Var, int], until: float, deeper_until: float | None = None
) -> dict[Var, int]:
    """The plan in hand serving more where operators were the obstacle: each unserved operator-only request (the
    heaviest, then the earliest letter, first) gets an operator already free, a new one, or one freed by moves:
    the tasks in the way on a qualified operator (at most `EJECTION_IN_THE_WAY`) each go to another operator, whose
    tasks in the way go to a third, and so on (`EJECTION_PASSES`: deeper each pass). The greedy plans place
    requests once, in one order; a later, heavier one then stays out although re-staffing a few earlier ones would
    fit it. Served requests stay served, hosts untouched: only more is served. Stops at `until` (monotonic seconds)
    with what it has; the passes after the first stop at `deeper_until` too."""
    for k, (depth, nodes) in enumerate(EJECTION_PASSES):
        end = until if k == 0 or deeper_until is None else min(until, deeper_until)
        if time.monotonic() > end:
            break
        values = _serve_more_pass(m, values, end, depth, nodes)
    return values


def _serve_more_pass(
    m: AllocationModel, values: dict[Var, int], until: float, depth: int, nodes: int
) -> dict[Var, int]:
    """One pass of `serve_more`, with moves `depth` deep and `nodes` seats looked at per request."""
    served = [p for p in range(len(m.cands)) if values[m.served[p]]]
    done = {m.cands[p].ref for p in served}
    open_ = [
        p
        for p, c in enumerate(m.cands)
        if c.ref not in done and c.operators_needed and m.operator_options[p] and not m.host_options[p]
        and not c.request.kits
    ]  # fmt: skip
    if not open_:
        return values
    out, crews = _crews_of(m, values, served)
    open_.sort(key=lambda p: (-m.cands[p].weight, letter_key(m.cands[p]), abs(m.cands[p].shift), p))
    gained = False
    for pos in open_:
        if m.cands[pos].ref in done:
            continue
        if time.monotonic() > until:
            break
        moves: list[tuple[Seat, Seat | None, int]] = []
        if all(
            _place(crews, pos, depth, [nodes], moves, most_in_the_way=EJECTION_IN_THE_WAY)
            for _ in range(m.cands[pos].operators_needed)
        ):
            out[m.served[pos]] = 1
            done.add(m.cands[pos].ref)
            gained = True
        else:
            _undo(crews, moves)
    return complete_hint(m, out) if gained else values


def _place(
    crews: _Crews,
    pos: int,
    depth: int,
    budget: list[int],
    moves: list[tuple[Seat, Seat | None, int]],
    home: Seat | None = None,
    most_in_the_way: int = 1,
) -> bool:
    """Gives `pos` an operator: a free one (called in already first), else one whose overlapping tasks (at most
    `most_in_the_way` of them, fewest first) can each be placed elsewhere in turn (to `depth` moves, `budget` seats
    looked at). `moves` records (seat, _, task) to undo: a task >= 0 was taken, -1 - task was dropped. `home`: an
    operator being sent home; then only the others already called in may take a task."""
    options = crews.m.operator_options
    opt_of = options[pos]
    free: list[tuple[int, int, Seat]] = []
    in_the_way: list[tuple[int, Seat, list[int]]] = []
    for seat, called in crews.seats(pos):
        budget[0] -= 1
        if pos in crews.tasks[seat] or (home is not None and (seat == home or not called)):
            continue
        opt = opt_of[seat[0]]
        blocking = [q for q in crews.tasks[seat]
                    if options[q][seat[0]].start < opt.end and opt.start < options[q][seat[0]].end]  # fmt: skip
        if not blocking:
            free.append((0 if called else 1, crews.qualified[seat[0]] * (1 if called else -1), seat))
        elif len(blocking) <= most_in_the_way:
            in_the_way.append((len(blocking), seat, blocking))
    if free:
        seat = min(free)[2]
        crews.take(seat, pos)
        moves.append((seat, None, pos))
        return True
    if depth == 0:
        return False
    in_the_way.sort(key=lambda w: w[0])  # stable: one task in the way before two
    for _n, seat, blocking in in_the_way:
        if budget[0] < 0:
            return False
        mark = len(moves)
        for q in blocking:
            crews.drop(seat, q)
            moves.append((seat, None, -1 - q))
        crews.take(seat, pos)
        moves.append((seat, None, pos))
        if all(_place(crews, q, depth - 1, budget, moves, home, most_in_the_way) for q in blocking):
            return True
        _undo(crews, moves, mark)
    return False


def _undo(crews: _Crews, moves: list[tuple[Seat, Seat | None, int]], mark: int = 0) -> None:
    """Reverses the moves recorded after `mark`."""
    while len(moves) > mark:
        seat, _to, task = moves.pop()
        if task >= 0:
            crews.drop(seat, task)
        else:
            crews.take(seat, -1 - task)


HOME_DEPTH = 3  # tasks moved one after another to send one operator home
HOME_NODES = 2_000  # seats looked at per task of the operator being sent home
HOME_IN_THE_WAY = 1  # tasks of one operator that may give way to a task of the one being sent home


def send_home_by_chains(m: AllocationModel, values: dict[Var, int], until: float) -> dict[Var, int]:
    """The plan in hand with operators sent home where the others already called in that day can take all their
    tasks, each by a chain of moves (the task in the way goes to a third operator, whose task in the way goes to a
    fourth…; `HOME_DEPTH`), the least busy first, in passes until a pass sends no one home or `until` (monotonic
    seconds). Served requests stay served with as many operators: each success is one operator-day less."""
    served = [p for p in range(len(m.cands)) if values[m.served[p]]]
    out, crews = _crews_of(m, values, served)
    gained = False
    progress = True
    while progress and time.monotonic() < until:
        progress = False
        for g, k, day in sorted(crews.called, key=lambda c: (len(crews.tasks[c[0], c[1]]), c)):
            if time.monotonic() > until:
                break
            seat = (g, k)
            if (g, k, day) not in crews.called:
                continue
            mine = [q for q in crews.tasks[seat] if m.operator_options[q][g].day == day]
            moves: list[tuple[Seat, Seat | None, int]] = []
            ok = True
            for q in mine:
                crews.drop(seat, q)
                moves.append((seat, None, -1 - q))
                if time.monotonic() > until or not _place(
                    crews, q, HOME_DEPTH, [HOME_NODES], moves, home=seat, most_in_the_way=HOME_IN_THE_WAY
                ):
                    ok = False
                    break
            if ok:
                crews.called.discard((g, k, day))
                progress = gained = True
            else:
                _undo(crews, moves)
    return complete_hint(m, out) if gained else values
