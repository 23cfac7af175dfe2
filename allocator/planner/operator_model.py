"""The operator level of an operator-only pool, solved as its own compact model.

On a part that is simple for operators (`operator_level.simple_for_operators`) and operator-only — no request needs a
host, so the served requests and their operators are all the operator level can change — what is left once the
served level is held is a staffing problem: give each served request its operators, one thing at a time per operator,
fewest operators called in per day. The part's full model carries every unserved position, the served level's rows
and its held value, and was searched on one worker; a day of 800–2,000 sessions then mostly kept its first plan
(docs/benchmarks.md: 192 operators where a plain model on two workers staffs the same sessions with 174).

So the level is solved on a model of the served requests only, built in time linear in its size:

- per served position and operator pool, how many of the pool's operators take it (0/1 for a single operator; pools
  of identical operators are already merged, which removes their symmetry outright);
- per pool and day, the operators called in: at least what every maximal set of overlapping positions on the pool
  asks of it (the one-thing-at-a-time rule and the day count in one row);
- the overlap rows: per day, the operators called in are at least the most operators needed at one moment, over all
  and within each group of positions whose qualified operators are the same set (and its subgroups);
- the dominance rows of `OperatorFloor` (an operator qualified for everything another is, at the same times, never
  stays home while the other works);
- the served requests fixed at the served level's result (nothing served less), the objective never above the plan
  in hand (the floor), which is the hint.

Before it, operators are sent home by chains of moves (`operator_level.send_home_by_chains`, a fifth of the time
at most), which starts the search lower. It runs on every worker the solve has when its part is the only one left
(the full search with the LP of every row, CP-SAT's neighbourhood searches on the other worker; from
`LOCAL_SEARCH_FROM` served positions CP-SAT's local search on every worker, as no proof is within reach there),
within the part's time, model build included; the result is mapped back onto the part's model. Its bound is a
bound for the served requests it was given; it is a bound of the level only when the served level leaves no other
choice (every position served, none of weight 0): otherwise the caller claims only what is known without it.

Its served level has a compact model too (`serve_most`): positions served or not, the same staffing rows, the most
served weight, searched by CP-SAT's local search from the plan serving more by moves; the caller checks it against
the part's model like any greedy plan. Given the LP relaxation's prices (`served_lp.Prices`), the search first looks
for a plan serving the bound only where such a plan can lie (`_CompactServed.aimed_at`).
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import dataclass

from ortools.sat.python import cp_model

from allocator.planner.components import maximal_cliques
from allocator.planner.model import AllocationModel, Var, complete_hint, served_weight_of
from allocator.planner.operator_level import OperatorFloor, send_home_by_chains
from allocator.planner.served_lp import Prices

CHAINS_SHARE = 0.2  # of the level's time at most, sending operators home by chains of moves before the search
# Served positions from which the search is CP-SAT's local search on every worker instead of the LP's full search
# with neighbourhood searches beside it. Measured on the benchmark's days (20 s, same runs): 800 sessions 174 and 189
# operators (176 and 189 with the LP), 1,200: 258 and 295 (268, 295), 1,600 seed 1: 336 (340), 2,000 seed 1: 386
# (391–398); at 400 the counts were the same (95, 88) but only the LP proved 88 optimal.
LOCAL_SEARCH_FROM = 600


@dataclass(frozen=True)
class Staffing:
    """The compact model's answer: the part's values with the served positions' operators re-chosen, the operator-days
    they call in, the fewest operator-days proven for these served positions, and whether the two meet."""

    values: dict[Var, int]
    operator_days: int
    bound: int
    optimal: bool


def operator_only(m: AllocationModel) -> bool:
    """Whether no position of the part needs a host: its served requests' operators are all the level may change."""
    return all(not c.needs_host and not m.host_options[p] for p, c in enumerate(m.cands))


def has_own_model(m: AllocationModel) -> bool:
    """Whether a part simple for operators has its operator level solved here: operator-only, operator-days counted."""
    return operator_only(m) and m.problem.policy.preferences.operator_days > 0


def forced_served_set(m: AllocationModel, values: dict[Var, int]) -> bool:
    """Whether every plan holding this served weight serves exactly these positions: every position served and none
    of weight 0 (a request of weight 0 could be left out at no cost to the served level)."""
    return all(values[m.served[p]] and c.weight > 0 for p, c in enumerate(m.cands))


def called_in(m: AllocationModel, values: dict[Var, int]) -> int:
    """Operator-days of a plan on the part's model (its busiest moment per pool and day)."""
    full = complete_hint(m, values)
    return sum(full[v] for v in m.called_in.values())


Rows = dict[int, list[tuple[frozenset[int] | None, int]]]  # per day: (operator pools, or None: all; operators needed)


def overlap_bound(m: AllocationModel, served: list[int]) -> tuple[int, Rows]:
    """The fewest operator-days any staffing of `served` can have, from overlapping positions: per day, the most
    operators needed at one moment, over all positions and within each group of positions whose qualified operator
    pools are the same set (with its subgroups). Returns the bound and each day's rows (pools or None: all; need)."""
    need = {p: m.cands[p].operators_needed for p in served}
    by_day: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for p in served:
        opts = list(m.operator_options[p].values())
        s, e = max(o.start for o in opts), min(o.end for o in opts)
        if s < e:
            by_day[opts[0].day].append((s, e, p))
    total = 0
    rows: Rows = {}
    for day, spans in by_day.items():
        mine: list[tuple[frozenset[int] | None, int]] = [(None, _most(maximal_cliques(spans), need))]
        groups: dict[frozenset[int], list[tuple[int, int, int]]] = defaultdict(list)
        for s, e, p in spans:
            groups[frozenset(m.operator_options[p])].append((s, e, p))
        for group in groups:
            inside = [sp for g2, members in groups.items() if g2 <= group for sp in members]
            most = _most(maximal_cliques(inside), need)
            if most > 1:
                mine.append((group, most))
        rows[day] = mine
        total += max(n for _, n in mine)
    return total, rows


def _most(cliques: list[list[int]], need: dict[int, int]) -> int:
    return max((sum(need[p] for p in c) for c in cliques), default=0)


def staff_fewest(
    m: AllocationModel, floor: OperatorFloor, start: dict[Var, int], until: float, workers: int, seed: int = 0
) -> Staffing:
    """The served positions of `start` staffed with the fewest operator-days found by `until` (monotonic seconds,
    model build included), never more than `start` calls in; `start` itself when nothing better is found."""
    served = [p for p in range(len(m.cands)) if start[m.served[p]] and m.operator_options[p]]
    lower, rows = overlap_bound(m, served)
    if called_in(m, start) > lower:
        now = time.monotonic()
        start = floor.respect(m, send_home_by_chains(m, start, now + CHAINS_SHARE * max(0.0, until - now)))
    have = called_in(m, start)
    if have <= lower or time.monotonic() >= until:
        return Staffing(dict(start), have, min(lower, have), have <= lower)
    model = cp_model.CpModel()
    x: dict[tuple[int, int], cp_model.IntVar] = {}
    spans: dict[tuple[int, int], list[tuple[int, int, int]]] = defaultdict(list)
    for p in served:
        n = m.cands[p].operators_needed
        for g, o in m.operator_options[p].items():
            x[p, g] = model.new_int_var(0, min(n, len(m.operator_pools[g].members)), f"x[{p},{g}]")
            spans[g, o.day].append((o.start, o.end, p))
        model.add(sum(x[p, g] for g in m.operator_options[p]) == n)
    count: dict[tuple[int, int], cp_model.IntVar] = {}
    for (g, day), mine in spans.items():
        count[g, day] = model.new_int_var(0, len(m.operator_pools[g].members), f"called_in[{g},{day}]")
        for clique in maximal_cliques(mine):
            model.add(sum(x[p, g] for p in clique) <= count[g, day])
    on_day: dict[int, list[tuple[int, cp_model.IntVar]]] = defaultdict(list)
    for (g, day), var in count.items():
        on_day[day].append((g, var))
    for day, day_rows in rows.items():
        for pools, most in day_rows:
            model.add(sum(var for g, var in on_day[day] if pools is None or g in pools) >= most)
    for lesser, greater, day in floor.dominance:
        if (lesser, day) in count and (greater, day) in count:
            model.add(count[greater, day] >= count[lesser, day])
    total = sum(count.values())
    model.add(total <= have)
    model.minimize(total)
    full = complete_hint(m, start)
    for (p, g), var in x.items():
        model.add_hint(var, start[m.operator[p, g]])
    for (g, day), var in count.items():
        model.add_hint(var, full[m.called_in[g, day]])
    left = until - time.monotonic()
    if left <= 0.05:
        return Staffing(dict(start), have, lower, have <= lower)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    solver.parameters.max_time_in_seconds = left
    if len(served) >= LOCAL_SEARCH_FROM:
        # No proof is within reach on such a day (the LP's bound stays at the overlap rows): every worker runs
        # CP-SAT's local search from the plan in hand, which is where the improvements came from.
        solver.parameters.use_ls_only = True
    else:
        # The LP with every clique and overlap row (linearization level 2) proves a day of 100 sessions in a second
        # or two; on two workers CP-SAT's default full search runs without it and proved none of three in 7 s.
        solver.parameters.linearization_level = 2
        solver.parameters.subsolvers.append("max_lp")
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Staffing(dict(start), have, lower, have <= lower)
    values = dict(start)
    for (p, g), var in x.items():
        values[m.operator[p, g]] = solver.value(var)
    values = complete_hint(m, values)
    days = sum(values[v] for v in m.called_in.values())
    if days > have:  # the model's counts may run above the plan's; the plan is never worse than the start
        return Staffing(dict(start), have, lower, have <= lower)
    bound = min(days, max(lower, math.ceil(solver.best_objective_bound - 1e-6)))
    return Staffing(values, days, bound, days == bound)


# Of a part's time left, the compact served model (after serving more by moves and the LP bound): about 5 s on the
# benchmark's 2,000-session days, a fifth of it building the model. It stops where it meets the bound: 1.5 s at
# 1,600 sessions, 3.4–4.0 s at 2,000 (at 0.25, 3.3 s before the LP bound and 2.4 s after it, it stopped one request
# short on both 2,000-session days; at 0.15 it found nothing on one of them in some runs).
SERVE_MOST_SHARE = 0.5


def may_serve_most(m: AllocationModel) -> bool:
    """Whether the compact served model holds every rule of the part that the served requests decide: no kits to
    share, no series to serve whole (hosts, rehearsals, travel and overtime are already out of such a part)."""
    return not m.series_events and not any(c.request.kits for c in m.cands)


class _StopAt(cp_model.CpSolverSolutionCallback):
    """Ends a local search once it serves `most`, a bound: the local search itself never proves it."""

    def __init__(self, most: int) -> None:
        super().__init__()
        self.most = most

    def on_solution_callback(self) -> None:
        if self.objective_value >= self.most:
            self.stop_search()


def serve_most(
    m: AllocationModel,
    start: dict[Var, int],
    most: int,
    until: float,
    workers: int,
    seed: int = 0,
    prices: Prices | None = None,
) -> dict[Var, int]:
    """`start` serving more where a compact model of the part's operators finds it by `until` (monotonic seconds);
    `start` itself when it already serves `most` (a bound of the served weight: nothing to gain).
    The model:
    per position served or not and how many of each qualified pool take it, one thing at a time per operator, at
    most one position per request, the most served weight, by CP-SAT's local search from `start`. Served requests
    may change for heavier ones; the caller checks the result against the part's model and keeps it only if it is
    allowed and serves more.
    With the LP's `prices` (`served_lp`), a plan serving `most` is first looked for where any such plan must lie
    (`aimed_at`), for `AIMED_SHARE` of the time at most; the whole model is searched only if none is found there."""
    have = served_weight_of(m, start)
    if have >= most:
        return start
    compact = _CompactServed(m, start)
    if not compact.s:
        return start
    if prices is not None:
        now = time.monotonic()
        aimed = compact.aimed_at(most, prices)
        found = compact.search(aimed, most, now + AIMED_SHARE * (until - now), workers, seed, local_share=1.0)
        if found is not None:
            return found
    found = compact.search(compact.model, most, until, workers, seed, local_share=LOCAL_SHARE)
    return start if found is None else found


# Of serve_most's time, the search aimed at the bound on the columns the LP's prices leave free. On the benchmark's
# 2,000-session day of seed 3 (the LP bound's slack 0: 1,341 positions must be served, 2 must not) it met the bound
# in 0.3–0.4 s in every run, where the whole model's local search took 2.5 s to more than its 5.7 s (two runs of six).
AIMED_SHARE = 0.5
# Of the whole model's search, CP-SAT's local search before its full search (`_CompactServed.search`; the aimed
# copy gets the local search alone). The local search is what served the bound on the benchmark's 1,600–2,000-session
# days (the full search stopped short there); on kecamatan training days of 620–630 positions (crews of one and two,
# each kecamatan's staff also covering its neighbours) it found nothing in 10 s on the aimed copy and stopped one
# session short on the whole model, where the full search on the whole model proved the bound in 0.6–1.0 s.
LOCAL_SHARE = 0.3
_PRICE_SCALE = 1000  # reduced weights to integer coefficients (rounded down: the budget row stays implied)


class _CompactServed:
    """The compact served model: per position served or not and how many of each qualified pool take it."""

    def __init__(self, m: AllocationModel, start: dict[Var, int]) -> None:
        self.m, self.start, self.have = m, start, served_weight_of(m, start)
        model = self.model = cp_model.CpModel()
        s: dict[int, cp_model.IntVar] = {}
        x: dict[tuple[int, int], cp_model.IntVar] = {}
        self.s, self.x = s, x
        spans: dict[tuple[int, int], list[tuple[int, int, int]]] = defaultdict(list)
        for p, c in enumerate(m.cands):
            if not m.operator_options[p] or not c.operators_needed or not c.statically_possible:
                continue
            s[p] = model.new_bool_var(f"s[{p}]")
            model.add_hint(s[p], start[m.served[p]])
            for g, o in m.operator_options[p].items():
                top = min(c.operators_needed, len(m.operator_pools[g].members))
                x[p, g] = model.new_int_var(0, top, f"x[{p},{g}]")
                model.add_hint(x[p, g], start[m.operator[p, g]])
                spans[g, o.day].append((o.start, o.end, p))
            model.add(sum(x[p, g] for g in m.operator_options[p]) == c.operators_needed * s[p])
        for positions in m.events_of.values():
            mine = [s[p] for p in positions if p in s]
            if len(mine) > 1:
                model.add_at_most_one(mine)
        for (g, _day), busy in spans.items():
            for clique in maximal_cliques(busy):
                model.add(sum(x[p, g] for p in clique) <= len(m.operator_pools[g].members))
        # What `start` serves outside the model (a position needing none of our operators) stays served as it is.
        self.outside = self.have - sum(m.cands[p].weight * start[m.served[p]] for p in s)
        weight = self._weight(model)
        model.add(weight >= self.have)
        model.maximize(weight)

    def _weight(self, model: cp_model.CpModel) -> cp_model.LinearExprT:
        """The served weight of a plan of `model` (this one or a copy)."""
        var = model.get_int_var_from_proto_index
        return self.outside + sum(self.m.cands[p].weight * var(v.index) for p, v in self.s.items())

    def aimed_at(self, target: int, prices: Prices) -> cp_model.CpModel:
        """A copy serving `target` at least, on the columns where the prices allow a plan of that weight: a column
        whose reduced weight exceeds the slack stays at its bound, and the distances together stay within it."""
        aimed = self.model.clone()
        var = aimed.get_int_var_from_proto_index
        slack = prices.slack(target)
        budget: list[tuple[int, cp_model.LinearExpr]] = []

        def keep(column: cp_model.IntVar, reduced: float, upper: float) -> None:
            if reduced == 0.0:
                return
            distance = (int(upper) - column) if reduced > 0 else column
            furthest = math.floor(slack / abs(reduced))
            if furthest < upper:
                aimed.add(distance <= furthest)
            budget.append((math.floor(_PRICE_SCALE * abs(reduced)), distance))

        for p, served in self.s.items():
            if p in prices.served:
                keep(var(served.index), prices.served[p], 1.0)
        for key, take in self.x.items():
            if key in prices.takes:
                keep(var(take.index), *prices.takes[key])
        terms = [(k, d) for k, d in budget if k > 0]
        if terms:
            aimed.add(sum(k * d for k, d in terms) <= math.floor(_PRICE_SCALE * slack))
        aimed.add(self._weight(aimed) >= target)
        return aimed

    def search(
        self, model: cp_model.CpModel, most: int, until: float, workers: int, seed: int, local_share: float
    ) -> dict[Var, int] | None:
        """The plan CP-SAT finds on `model` (this one or a copy) by `until`, if it serves more: its local search
        from the hint for `local_share` of the time, then, unless that met `most`, its full search from the best
        plan found for the rest."""
        now = time.monotonic()
        quick = self._solved(model, most, now + local_share * (until - now), workers, seed, local=True)
        if quick is not None and served_weight_of(self.m, quick) >= most:
            return quick
        if quick is not None:
            self._hint(model, quick)
        full = self._solved(model, most, until, workers, seed, local=False)
        if full is None or (quick is not None and served_weight_of(self.m, quick) >= served_weight_of(self.m, full)):
            return quick
        return full

    def _hint(self, model: cp_model.CpModel, values: dict[Var, int]) -> None:
        var = model.get_int_var_from_proto_index
        model.clear_hints()  # type: ignore[no-untyped-call]  # (untyped in ortools)
        for p, v in self.s.items():
            model.add_hint(var(v.index), values[self.m.served[p]])
        for (p, g), v in self.x.items():
            model.add_hint(var(v.index), values[self.m.operator[p, g]])

    def _solved(
        self, model: cp_model.CpModel, most: int, until: float, workers: int, seed: int, local: bool
    ) -> dict[Var, int] | None:
        left = until - time.monotonic()
        if left <= 0.05:
            return None
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = workers
        solver.parameters.random_seed = seed
        solver.parameters.max_time_in_seconds = left
        if local:
            solver.parameters.use_ls_only = True
            # Presolve of a 2,000-session day's model took its whole second: the local search starts from the hint.
            solver.parameters.cp_model_presolve = False
        if solver.solve(model, _StopAt(most)) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        var = model.get_int_var_from_proto_index
        if solver.value(self._weight(model)) <= self.have:
            return None
        values = dict(self.start)
        for p, v in self.s.items():
            values[self.m.served[p]] = solver.value(var(v.index))
        for (p, g), v in self.x.items():
            values[self.m.operator[p, g]] = solver.value(var(v.index))
        return complete_hint(self.m, values)
