"""How much priority weight a part can serve at most, from what its operators can do at single moments.

At any moment, the requests under way need distinct operators qualified for them and on shift (their options): the
weight served among them is at most the best that an assignment of operators at that moment allows, a bipartite
b-matching solved as a flow (requests to operator pools, each request taking up to the operators it needs, each
pool up to its members). Operators taken fractionally by a request needing several count its weight pro rata, a
relaxation, so the matching's weight is at least what any plan serves among them; since the weights sit on the
requests' side only, the matchable sets form a polymatroid and the maximum flow of least cost is the heaviest.

What a moment cannot serve is lost in every plan. Moments whose requests under way are disjoint lose separately,
so the losses of such a set of moments add up (chosen by weighted interval scheduling over the day's maximal
moments in time order). The bound is every request's weight less those losses: a true bound of the part's real
problem, whatever the search found. Only requests with a single position count toward a loss (a flexible request
could go elsewhere), and none its unit could run itself; the others keep their weight in the bound. Hosts, kits
and the rest only take more away.

It proves "every servable request served" where the search cannot: on a day of 800 sessions whose plan leaves four
out, the moments where more sessions are under way than their qualified operators can take show exactly those four.
"""

from __future__ import annotations

import time
from collections import defaultdict

from ortools.graph.python import min_cost_flow

from allocator.planner.candidates import Role, all_served_weight
from allocator.planner.components import maximal_cliques
from allocator.planner.model import AllocationModel

SERVED_BOUND_SHARE = 0.1  # of a part's time at most (0.1–0.3 s on the benchmark's days of 800–2,000 sessions)
_SCALE = 60  # divisible by every operators_needed (1–5): a request's weight per operator stays an integer


def served_weight_bound(m: AllocationModel, until: float) -> int | None:
    """The most served weight any plan of the part can reach (see the module's docstring); None when `until`
    (monotonic seconds) comes first."""
    refs: dict[str, list[int]] = defaultdict(list)
    for p, c in enumerate(m.cands):
        if c.role is Role.EVENT:
            refs[c.ref].append(p)
    lost = 0
    spans: list[tuple[int, int, int]] = []
    for positions in refs.values():
        if len(positions) != 1 or m.cands[positions[0]].self_operable:
            continue  # it could go elsewhere, or its unit could run it without our operators
        p = positions[0]
        c = m.cands[p]
        if not c.statically_possible or (c.operators_needed and not m.operator_options[p]):
            lost += c.weight  # never servable
            continue
        if c.operators_needed:
            opts = m.operator_options[p].values()
            s, e = max(o.start for o in opts), min(o.end for o in opts)
            if s < e:
                spans.append((s, e, p))
    moments = maximal_cliques(spans)
    losses: list[int] = []
    for clique in moments:
        if time.monotonic() > until:
            return None
        losses.append(_lost_at(m, clique))
    return all_served_weight(m.cands) - lost - _most_apart(moments, losses, until)


def _lost_at(m: AllocationModel, clique: list[int]) -> int:
    """The least weight the requests under way at one moment lose in any plan: their weight less the heaviest
    fractional staffing of them by the operators qualified for each."""
    flow = min_cost_flow.SimpleMinCostFlow()
    source, sink = 0, 1
    pools: dict[int, int] = {}
    total = 0
    for k, p in enumerate(clique):
        c = m.cands[p]
        node = 2 + k
        total += c.weight
        flow.add_arc_with_capacity_and_unit_cost(
            source, node, c.operators_needed, -c.weight * _SCALE // c.operators_needed
        )
        for g in m.operator_options[p]:
            if g not in pools:
                pools[g] = 2 + len(clique) + len(pools)
                flow.add_arc_with_capacity_and_unit_cost(pools[g], sink, len(m.operator_pools[g].members), 0)
            flow.add_arc_with_capacity_and_unit_cost(
                node, pools[g], min(c.operators_needed, len(m.operator_pools[g].members)), 0
            )
    demand = sum(m.cands[p].operators_needed for p in clique)
    flow.set_node_supply(source, demand)
    flow.set_node_supply(sink, -demand)
    if flow.solve_max_flow_with_min_cost() != flow.OPTIMAL:
        return 0
    profit = -int(flow.optimal_cost())
    return total - profit // _SCALE  # the loss is whole weight: at least total − ⌊profit⌋


def _most_apart(moments: list[list[int]], losses: list[int], until: float) -> int:
    """The largest sum of losses over moments no request spans two of (moments in time order: a request under way
    at two moments is under way at every moment between them, so the moments apart from one form a prefix)."""
    best = [0] * (len(moments) + 1)  # best[j]: over the first j moments
    for j, clique in enumerate(moments):
        if time.monotonic() > until:
            return 0  # no moment counted: still a bound
        mine = set(clique)
        i = j
        while i > 0 and mine.isdisjoint(moments[i - 1]) is False:
            i -= 1
        best[j + 1] = max(best[j], losses[j] + best[i])
    return best[-1]
