"""How much priority weight a part can serve at most, from the linear relaxation of who takes what.

The busiest-moment bound (`served_bound`) sees one moment at a time: an operator who could take either of two
requests at different moments counts for both. On the benchmark's days of 1,600–2,000 sessions it stayed 0.2–0.6 %
above plans that were in fact the best possible, so "every servable request served" could not be claimed there.

The relaxation is the compact served model of `operator_model.serve_most` with its integers made fractional:
per position, served (0–1) and, per qualified operator pool, how many of the pool's operators take it; a served
position takes exactly the operators it needs (none of ours when its unit may run it itself: then it has no such
row); at every maximal set of overlapping positions a pool has no more than its members; a request is served at one
of its positions at most. Every plan of the part meets those rows (its other rules only take more away), so the
relaxation's optimum bounds its served weight. On those days it equals the best plan's weight.

The bound is not the LP solver's number. It is recomputed here from the solver's dual values y by weak duality:
for a plan z, weight·z ≤ y·b + Σ max(0, weight − Aᵀy)·upper, valid for any y (≥ 0 on the ≤ rows) whatever the
solver's tolerances. A plan's served weight is a multiple of the weights' greatest common divisor, so the bound
is rounded down to one.

The same duals say where a plan reaching a given weight can lie (`Prices`, reduced-cost fixing as MIP solvers do
it): the inequality above holds term by term, so a plan of weight ≥ target keeps each column's distance from the
bound its reduced weight pushes it to (1 − z for a positive reduced weight, z for a negative one) within the
ceiling's slack over the target. Where the slack is small, most columns are fixed, and the compact served model's
search for a plan serving the bound (`operator_model.serve_most`) runs on what is left.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from functools import reduce

from ortools.linear_solver import pywraplp

from allocator.planner.model import AllocationModel, operator_overlaps

# Of a part's time left: the relaxation of a 2,000-session day (39,000 columns, 6,500 rows) is built in 0.8 s and
# solved by GLOP in 1.5 s on this project's machine.
SERVED_LP_SHARE = 0.25
_ROUNDING = 1e-6  # far above the sums' floating-point error (exact sums of products of doubles)


@dataclass(frozen=True)
class Prices:
    """The LP's reduced weights (see the module's docstring): every plan z of the part has
    weight·z ≤ ceiling − Σ |reduced_j| · distance_j(z), distance_j being upper_j − z_j where reduced_j > 0 and z_j
    where reduced_j < 0. Columns: a position's served column, or a (position, operator pool) count."""

    ceiling: float
    served: dict[int, float]
    takes: dict[tuple[int, int], tuple[float, float]]  # reduced weight, upper

    def slack(self, target: int) -> float:
        """How much of the ceiling a plan serving `target` may give up, with room for floating-point error."""
        return self.ceiling - target + _ROUNDING * (1.0 + abs(self.ceiling))


@dataclass(frozen=True)
class Relaxation:
    """The part's served bound from the LP, and the prices it was read from."""

    bound: int
    prices: Prices


@dataclass
class _Relaxation:
    """The LP as built, kept beside the solver's copy: the bound is recomputed from these rows, not the solver's."""

    solver: pywraplp.Solver
    upper: list[float] = field(default_factory=list)  # per column
    weight: list[int] = field(default_factory=list)  # per column (0 on an operator count)
    rows: list[tuple[pywraplp.Constraint, float, bool, list[tuple[int, float]]]] = field(default_factory=list)

    def column(self, upper: float, weight: int) -> pywraplp.Variable:
        self.upper.append(upper)
        self.weight.append(weight)
        var = self.solver.NumVar(0.0, upper, "")
        self.solver.Objective().SetCoefficient(var, float(weight))
        return var

    def row(self, terms: list[tuple[pywraplp.Variable, float]], rhs: float, equal: bool) -> None:
        ct = self.solver.Constraint(rhs if equal else -self.solver.infinity(), rhs)
        for var, coef in terms:
            ct.SetCoefficient(var, coef)
        self.rows.append((ct, rhs, equal, [(var.index(), coef) for var, coef in terms]))


def lp_served_bound(m: AllocationModel, until: float) -> int | None:
    """The most served weight any plan of the part can reach (see the module's docstring); None when `until`
    (monotonic seconds) comes first or the LP is not solved."""
    relaxed = served_relaxation(m, until)
    return None if relaxed is None else relaxed.bound


def served_relaxation(m: AllocationModel, until: float) -> Relaxation | None:
    """`lp_served_bound` with the prices behind it."""
    solver = pywraplp.Solver.CreateSolver("GLOP")
    if solver is None:
        return None
    lp = _Relaxation(solver)
    served: dict[int, pywraplp.Variable] = {}
    takes: dict[tuple[int, int], pywraplp.Variable] = {}
    for p, c in enumerate(m.cands):
        ours = c.operators_needed > 0 and not c.self_operable
        possible = c.statically_possible and not (ours and not m.operator_options[p])
        served[p] = lp.column(1.0 if possible else 0.0, c.weight)
        if not ours or not possible:
            continue
        terms = [(served[p], -float(c.operators_needed))]
        for g in m.operator_options[p]:
            takes[p, g] = lp.column(float(min(c.operators_needed, m.operator_pools[g].capacity)), 0)
            terms.append((takes[p, g], 1.0))
        lp.row(terms, 0.0, equal=True)
    if time.monotonic() > until:
        return None
    for table in (m.events_of, m.rehearsals_of):
        for positions in table.values():
            if len(positions) > 1:
                lp.row([(served[p], 1.0) for p in positions], 1.0, equal=False)
    staffed = {p for p, _g in takes}  # positions our operators take (none where its unit may run it itself)
    for g, clique in operator_overlaps(m, staffed):
        lp.row([(takes[p, g], 1.0) for p in clique], float(m.operator_pools[g].capacity), equal=False)
    left = until - time.monotonic()
    if left <= 0.0:
        return None
    solver.Objective().SetMaximization()
    solver.SetTimeLimit(max(1, int(left * 1000)))
    if solver.Solve() != pywraplp.Solver.OPTIMAL:
        return None
    ceiling, reduced = _dual_bound(lp)
    prices = Prices(
        ceiling,
        {p: reduced[var.index()] for p, var in served.items()},
        {k: (reduced[var.index()], lp.upper[var.index()]) for k, var in takes.items()},
    )
    return Relaxation(_rounded(ceiling, [c.weight for c in m.cands]), prices)


def _dual_bound(lp: _Relaxation) -> tuple[float, list[float]]:
    """Weak duality with the solver's dual values: y·b plus every column's positive reduced weight at its upper
    bound (columns start at 0); and each column's reduced weight."""
    reduced: list[list[float]] = [[float(w)] for w in lp.weight]
    bound = []
    for ct, rhs, equal, terms in lp.rows:
        y = ct.dual_value()
        if not equal:
            y = max(0.0, y)  # a ≤ row of a maximisation takes a nonnegative multiplier
        if y == 0.0:
            continue
        bound.append(y * rhs)
        for j, coef in terms:
            reduced[j].append(-coef * y)
    prices = [math.fsum(parts) for parts in reduced]
    bound += [d * lp.upper[j] for j, d in enumerate(prices) if d > 0.0]
    return math.fsum(bound), prices


def _rounded(bound: float, weights: list[int]) -> int:
    """The largest multiple of the weights' common divisor not above `bound` (plus the rounding allowance)."""
    step = reduce(math.gcd, [w for w in weights if w > 0], 0) or 1
    return math.floor((bound + _ROUNDING) / step) * step
