"""What every step of the solver shares: its options, a part and its levels, the time each part gets, a level's
objective, a part's CP-SAT worker, and the ties that keep positions in one part.

A problem is split into parts that cannot influence each other (`allocator.planner.components`); each part goes
through three lexicographic levels (`TERMS`). The modules that decide what a part may reuse (`reuse`), how a
re-plan settles it (`replan`), how one level is solved (`levels`) and what the plan claims (`claims`) all work
on the `Part` defined here, and `solver` runs them.
"""

from __future__ import annotations

import threading
import time as _time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import cast
from zoneinfo import ZoneInfo

from ortools.sat.python import cp_model
from pydantic import BaseModel, ConfigDict, Field

from allocator.planner import self_operated, series
from allocator.planner.candidates import Candidates, Role
from allocator.planner.components import overlap_chains
from allocator.planner.domain import Assignment, PlanWarning
from allocator.planner.greedy import Pools, greedy_hint, letter_key, published_tasks
from allocator.planner.model import (
    AllocationModel,
    Var,
    Workflow,
    changes,
    chosen_pools,
    complete_hint,
    hint,
    moved_from_requested,
    operator_days,
    oversized_licences,
    overtime_minutes,
    served_weight,
    served_weight_of,
)
from allocator.planner.operator_level import OperatorFloor
from allocator.planner.overtime import weekly_overtime_ties
from allocator.planner.workflow import KitHold

TERMS = (("served_weight", "maximize"), ("changes", "minimize"), ("preferences", "minimize"))
# Up to this many requests to plan, every workable time is searched unless asked otherwise (measured: the
# example week of 60 requests 0.5 → 0.75 s; a district month of 220, 1.6 → 10 s).
EXACT_UP_TO = 150


@dataclass(frozen=True)
class Progress:
    """How far a solve is, for a caller that shows it: the level a part just finished (0-based, of `levels`),
    the parts finished of all, and the served weight reached and proven possible so far (parts with a first level).
    The planner only calls back; showing it (or not) is the caller's business."""

    level: int
    levels: int
    parts_done: int
    parts: int
    served: int
    bound: int

    @property
    def gap(self) -> float:
        return (self.bound - self.served) / self.bound if self.bound > 0 else 0.0


class SolveOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    time_limit_s: float = Field(default=20.0, gt=0)
    workers: int = Field(default=2, ge=1, le=64, description="Components solved at once.")
    split_components: bool = True
    pool_interchangeable: bool = Field(default=True, description="Merge identical resources (symmetry removal).")
    redundant_constraints: bool = True
    reuse_unchanged: bool = Field(
        default=True, description="Keep a component's published assignments when they serve all of it."
    )
    seed: int = 0
    alternatives: bool = Field(default=True, description="Search alternatives for every unserved request.")
    offers: bool = Field(
        default=True, description="Work out pre-emption offers (each by a what-if plan with it confirmed)."
    )
    stability: bool = Field(
        default=True, description="Published requests stay (notified ones unmoved) unless a higher tier needs them."
    )
    exact_search: bool | None = Field(
        default=None,
        description="Search every workable time of every rehearsal, survey and flexible request (no search limit): "
        "slower, but the plan may then be proven optimal where a limit would have left it 'restricted'. "
        f"None: exact up to {EXACT_UP_TO} requests to plan, limited above.",
    )
    replan_gap: float = Field(
        default=0.01,
        ge=0,
        le=1,
        description="A re-plan's large changed part may settle for the best plan around its newcomers, the rest "
        "held as published, when its served weight is within this share of the most it could be; 0: only at it.",
    )
    replan_keeps_published_gap: bool = Field(
        default=True,
        description="A re-plan's part settled around its newcomers may also stay as far from its bound as its "
        "published plan was (a part the time limit left short of proof); False: within `replan_gap` only.",
    )
    progress: Callable[[Progress], None] | None = Field(
        default=None, exclude=True, description="Called after each level of each part (from the solver's threads)."
    )


@dataclass
class Level:
    """One objective level of one part: the value its plan reaches, the bound proven for it, and whether equal."""

    value: int
    bound: int
    optimal: bool


@dataclass(frozen=True)
class FitBound:
    """A part made of published parts and newcomers, as its records bound it."""

    served: int  # most served weight it can reach
    preferences: int  # least preferences cost its published parts can have, the newcomers left out
    proven: bool  # every published part's served weight was proven optimal
    newcomers: frozenset[str]
    published_short: int = 0  # how far the published parts' plans were from their recorded bounds (0 when proven)
    disturbed: bool = False  # `newcomers` are published requests that lost their published option (`disturbed_fit`)


@dataclass(eq=False)  # a part is itself: membership tests and removal go by identity, not by comparing fields
class Part:
    """One independent part, carried through the three levels."""

    cands: list[Candidates]
    fixed: dict[int, Assignment]
    previous: dict[int, Assignment]
    fingerprint: str = ""
    reused: bool = False
    stable: bool = True
    released: frozenset[str] | None = None  # published requests the stability rule was lifted from (`release`)
    warnings: list[PlanWarning] = field(default_factory=list)
    workflow: Workflow = field(default_factory=Workflow)
    greedy: dict[Var, int] | None = None  # a quick first plan, kept in case CP-SAT has no time to find one
    fit: FitBound | None = None  # what the records say this part can reach at best (see `replan.fit_bound`)
    rebuild: Callable[[bool], AllocationModel] | None = None
    model: AllocationModel | None = None
    solution: dict[Var, int] | None = None
    result: list[Assignment] | None = None
    levels: list[Level] = field(default_factory=list)
    fallback: bool = False  # the plan in hand is the greedy or the fixed assignments: CP-SAT found none in time
    # The levels as proven for the limited search, before `claims.real_problem_bounds` re-bounds them for the real
    # problem: what the records keep, since a re-plan searches under the same limits (None: no limit cut it).
    limited: list[Level] | None = None
    # The real problem's bounds of the first levels, proven by the part's relaxation with what the search limits
    # cut free (`relaxation.relaxation_bounds`).
    relaxed: tuple[int, ...] = ()
    floor: OperatorFloor | None = None  # the operator level's rows, on a part simple for operators (`operator_level`)


# Of a part's time left when a level starts, the part it may use: a level that finishes early leaves the rest
# to the next.
LEVEL_TIME_SHARES = (0.75, 0.5, 1.0)
# Of the whole time limit: where the levels must end, and where placing optional rehearsals must; what is left
# goes to the alternatives and the validator.
LEVELS_END, REHEARSALS_END = 0.68, 0.8


class Budget:
    """Shares the levels' time among parts by size, as each starts, so one hard part cannot starve the rest;
    what a part leaves unused goes to those after it."""

    def __init__(self, parts: list[Part], end: float, workers: int) -> None:
        self.left = sum(len(c.cands) for c in parts)
        self.end = end
        self.workers = workers
        self.lock = threading.Lock()

    def deadline_for(self, comp: Part) -> float:
        with self.lock:
            now = _time.monotonic()
            share = len(comp.cands) / max(1, self.left)
            self.left -= len(comp.cands)
            return min(self.end, now + (self.end - now) * min(1.0, share * self.workers))


def objective(m: AllocationModel, level: int) -> cp_model.LinearExprT:
    """The term a level optimises: served weight, changes, or the office's weighted preferences."""
    weights = m.problem.policy.preferences
    if level == 0:
        return served_weight(m)
    if level == 1:
        return changes(m)
    prefs = (
        weights.operator_days * operator_days(m)  # type: ignore[operator]
        + weights.oversized_licence * oversized_licences(m)
        + weights.moved_from_requested * moved_from_requested(m)
        + weights.overtime_minute * overtime_minutes(m)
    )
    if m.self_operated:
        prefs = prefs + weights.self_operated * self_operated.count(m)  # type: ignore[operator]
    return cast(cp_model.LinearExprT, prefs)


def letter_order(m: AllocationModel) -> tuple[cp_model.LinearExprT, int]:
    """Among requests of one priority on one day, how late the letters of those served came (their rank in letter
    order, summed), and its most: the tie-break that serves equals first come, first served. Ranked per day (the
    day asked for), as requests compete with those near them; that keeps the objective's numbers small."""
    zone = ZoneInfo(m.problem.policy.timezone)
    groups: dict[tuple[int, date], set[str]] = {}
    for c in m.cands:
        if c.role is Role.EVENT and c.shift == 0:
            groups.setdefault((c.weight, c.request.start.astimezone(zone).date()), set()).add(c.ref)
    rank: dict[str, int] = {}
    for refs in groups.values():
        firsts = {c.ref: letter_key(c) for c in m.cands if c.ref in refs}
        rank.update((ref, k) for k, ref in enumerate(sorted(refs, key=firsts.__getitem__)))
    late = [(k, m.served[pos]) for pos, c in enumerate(m.cands) if c.role is Role.EVENT and (k := rank.get(c.ref))]
    return cast(cp_model.LinearExprT, sum(k * x for k, x in late)), sum(rank.values())


def part_solver(options: SolveOptions, seconds: float, *, light: bool = False) -> cp_model.CpSolver:
    """One CP-SAT worker for one part. The clique rows make the LP strong; linearization level 2 keeps it at every
    node, which proves optimality where the default level stalls on the host–operator coupling.

    `light`: a run that starts from the published plan (the hint is nearly the answer): one presolve pass is
    enough, and looking for symmetries or probing costs more than the search they would shorten."""
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = options.seed
    solver.parameters.linearization_level = 2
    if light:
        solver.parameters.max_presolve_iterations = 1
        solver.parameters.symmetry_level = 0
        solver.parameters.cp_model_probing_level = 0
    solver.parameters.max_time_in_seconds = seconds
    return solver


def published_hint(m: AllocationModel, previous: dict[int, Assignment]) -> dict[Var, int]:
    """Hints the published plan, completed greedily (newcomers fitted around it) with every implied value."""
    values = complete_hint(m, dict(greedy_hint(m, m.kept_as, published_tasks(m, previous))))
    hint(m, values.items())
    return values


def hint_published(comp: Part) -> None:
    """Start the part from the published plan, completed greedily (newcomers fitted around it), kept as its
    first plan in case CP-SAT has no time to find one. A part with nothing published also gets the office's
    own plan (first come, first served) and keeps the better of the two as its floor."""
    m = comp.model
    assert m is not None
    comp.greedy = published_hint(m, comp.previous)
    if comp.previous or comp.fixed:
        return
    by_letter = complete_hint(m, dict(greedy_hint(m, order="letter")))

    if served_weight_of(m, by_letter) > served_weight_of(m, comp.greedy):
        comp.greedy = by_letter
        hint(m, by_letter.items())


def published_tasks_staying(m: AllocationModel, tasks: dict[int, Pools]) -> list[Var]:
    """Published rehearsal and survey positions (with their host and operators by pool): a plan's count of them
    kept, at their time, on their host and with their operators, as a tie-break below the preferences. They are
    not changes the first levels count, but moving one changes an operator's agenda (and an online rehearsal's
    meeting) for nothing."""
    staying = [m.served[k] for k in tasks]
    for k, (host, ops) in tasks.items():
        staying += [m.host[k, host]] if host is not None and (k, host) in m.host else []
        staying += [m.operator[k, g] for g in ops if (k, g) in m.operator]
    return staying


def published_events_partly_kept(m: AllocationModel, previous: dict[int, Assignment]) -> list[Var]:
    """For each published event, at whichever start it is now served: its host kept (counted twice: a new host is
    a new join link for the PIC) and each of its operators kept (an agenda change only the office sees). A
    tie-break below the preferences: among plans of the same changes, the one that changes less of each."""
    out: list[Var] = []
    for pos, before in previous.items():
        host, ops = chosen_pools(m, before)
        for p in m.events_of.get(m.cands[pos].ref, []):
            if host is not None and (p, host) in m.host:
                out += [m.host[p, host]] * 2
            out += [m.operator[p, g] for g in ops if (p, g) in m.operator]
    return out


def ties(cands: list[Candidates], holds: list[KitHold], conflicts: list[tuple[int, int, int]]) -> list[tuple[int, int]]:
    """Pairs of positions that influence each other without sharing a resource slot."""
    links: list[tuple[int, int]] = []
    first_of: dict[str, int] = {}
    venue_events: dict[str, list[int]] = {}
    for pos, c in enumerate(cands):
        key = f"{c.role is Role.SURVEY}:{c.ref}"
        first = first_of.setdefault(key, pos)
        if first != pos:
            links.append((first, pos))  # positions of one request (or one venue's surveys)
        if c.role is Role.REHEARSAL:
            links.append((first_of.setdefault(f"False:{c.ref}", pos), pos))
        if c.role is Role.EVENT and c.site is not None:
            venue_events.setdefault(c.site, []).append(pos)
    for pos, c in enumerate(cands):
        if c.role is Role.SURVEY:
            # Only the events of the anchor days: later ones need just that a survey took place (see `solve`).
            links.extend((pos, e) for e in venue_events.get(c.ref, []) if cands[e].start < c.reach)
    links += _kit_ties(cands, holds, first_of)
    links += series.ties(cands)
    links += self_operated.unit_ties(cands)
    links.extend(dict.fromkeys((a, b) for _op, a, b in conflicts))  # once per pair, not per operator
    links += weekly_overtime_ties(cands)
    return links


def _kit_ties(cands: list[Candidates], holds: list[KitHold], first_of: dict[str, int]) -> list[tuple[int, int]]:
    """Positions whose kit loans overlap, and a request's loans with kits it already holds."""
    links: list[tuple[int, int]] = []
    kits: dict[str, list[tuple[int, int, int]]] = {}
    for pos, c in enumerate(cands):
        for kit, _n in c.kits:
            kits.setdefault(kit, []).append((c.kit_start, c.kit_end, pos))
    for h in holds:
        owner = first_of.get(f"False:{h.request}") if h.request else None
        if owner is not None:
            for s, _e, pos in kits.get(h.kit, []):
                if h.end is None or s < h.end:
                    links.append((owner, pos))
    for spans in kits.values():
        links += overlap_chains(spans)
    return links
