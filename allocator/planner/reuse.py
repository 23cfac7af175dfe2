"""Which parts may keep their published result unsolved: a fingerprint of everything a part's optimum depends on,
and the records of earlier solves that prove the published result still optimal (or as good as a search would
find).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from ortools.sat.python import cp_model

from allocator.planner.candidates import Candidates, Role, kept_by_identity
from allocator.planner.claims import term_values
from allocator.planner.domain import Assignment, ComponentRecord, Problem
from allocator.planner.model import build_model
from allocator.planner.parts import Level, Part
from allocator.planner.workflow import KitHold

DigestMemo = dict[int, tuple[Candidates, bytes]]


def _position_digest(problem: Problem, c: Candidates) -> bytes:
    """What one position contributes to its part's fingerprint (pins and confirmations aside)."""
    r = c.request
    request = repr(
        (r.ref, r.status.value, r.start.timestamp(), r.end.timestamp(), r.participants, r.kind.value,
         r.service.value, r.operators_needed, r.required_skills, r.allowed_operators, r.priority,
         c.role.value, c.owner, c.shift, c.site, c.kits, c.kit_start, c.kit_end,
         r.rehearsal and r.rehearsal.digest_json())
    )  # fmt: skip
    hosts = [
        (problem.hosts[o.host].id, problem.hosts[o.host].max_concurrent, problem.hosts[o.host].kind.value, o.start,
         o.end, o.oversize)
        for o in c.hosts
    ]  # fmt: skip
    # Overtime only where there is some, so a part without any keeps the digest its records were made with.
    ops = [(problem.operators[o.operator].id, o.start, o.end, o.day, *((o.overtime, o.capped) if o.overtime else ()))
           for o in c.operators]  # fmt: skip
    # A unit that may run it itself changes the optimum (only added when so: other digests stay as they were).
    own = ("self_operable",) if c.self_operable else ()
    return hashlib.sha256(repr((request, c.weight, hosts, ops, *own)).encode()).digest()


def digest_of(problem: Problem, c: Candidates, memo: DigestMemo | None) -> bytes:
    """`_position_digest`, kept in `memo` by the position's identity (the object kept to make that safe)."""
    return kept_by_identity(memo, c, lambda position: _position_digest(problem, position))


def site_digest(problem: Problem, stock: dict[str, int], holds: list[KitHold]) -> bytes:
    """What every part's optimum depends on alike (once per solve, not per part)."""
    h = hashlib.sha256(problem.policy.preferences.model_dump_json().encode())
    h.update(repr((sorted(stock.items()), holds, problem.policy.survey_lead_min, problem.policy.survey_window_min,
                   [v.model_dump_json() for v in problem.venues])).encode())  # fmt: skip
    if problem.policy.overtime is not None:  # its weekly cap ties a part's choices beyond its positions
        h.update(problem.policy.overtime.model_dump_json().encode())
    return h.digest()


def fingerprint(problem: Problem, comp: Part, site: bytes, memo: DigestMemo | None = None) -> str:
    """Digest of everything this part's optimum depends on (previous assignments aside: see `reuse_record`).
    `site`: what all parts depend on alike (`site_digest`); `memo` keeps each position's own digest between
    re-plans (the cache's positions are the same objects)."""
    h = hashlib.sha256(problem.policy.preferences.model_dump_json().encode())
    if any(c.kits or c.site or c.role is not Role.EVENT for c in comp.cands):
        wf = comp.workflow  # spelled out: a frozenset's repr follows the process's string hashing
        h.update(site)
        h.update(repr((wf.travel, sorted(wf.surveyed))).encode())
    pins = {p.request: p for p in problem.pins}
    confirmed = set(problem.confirmed_preemptions)
    for c in comp.cands:
        h.update(digest_of(problem, c, memo))
        pin = pins.get(c.ref) if c.role is Role.EVENT else None
        pin_key = pin and (pin.host, sorted(pin.operators), pin.start)
        h.update(repr((pin_key, c.ref in confirmed)).encode())
    return h.hexdigest()[:32]


def result_digest(cands: list[Candidates], chosen: dict[str, Assignment]) -> str:
    """A part's result as the next solve will compare it with its published assignments."""
    h = hashlib.sha256()
    for c in cands:
        if c.role is not Role.EVENT or c.shift:
            continue
        a = chosen.get(c.ref)
        h.update(repr((c.ref, a and a.host, a and sorted(a.operators))).encode())
        if a is not None and a.self_operated:
            h.update(b"self_operated")
        if a is not None and (a.start or a.survey):  # an optional rehearsal is placed afterwards, every time
            h.update(a.model_dump_json(include={"start", "survey"}).encode())
    return h.hexdigest()[:32]


def reuse_record(problem: Problem, comp: Part) -> bool:
    """An unchanged part keeps its published result, unsolved.

    Proven optimal, it stays optimal: same inputs give the same first-level optimum, which the published result
    reaches; keeping it is no change, the best the second level can do; and with everything kept the third
    level has no choice left. Cut short by the time limit, solving it again would most likely be cut short
    too: it keeps its result and the bound it reached, and the published plan does not change for nothing.
    Frozen assignments are the published ones, so they hold too.
    """
    known = {r.fingerprint: r for r in problem.previous_records}
    record = known.get(comp.fingerprint)
    if record is None or record.requests != len(comp.cands):
        return False
    published = {a.request: a for a in comp.previous.values()}
    return result_digest(comp.cands, published) == record.result


def reused_levels(problem: Problem, comp: Part) -> list[Level]:
    """The levels of a part kept as published: its record's proven preferences bound, when it has one."""
    values = term_values(problem, comp.cands, comp.previous, comp.result or [])
    record = {r.fingerprint: r for r in problem.previous_records}.get(comp.fingerprint)
    bound = values[2] if record is None or record.preferences_bound is None else record.preferences_bound
    served = values[0] if record is None or record.served_bound is None else record.served_bound
    return [Level(values[0], served, values[0] == served), Level(values[1], values[1], True),
            Level(values[2], bound, values[2] == bound)]  # fmt: skip


def keep_published(problem: Problem, comp: Part) -> None:
    """The part keeps its published assignments, with the levels its record proves."""
    comp.reused = True
    comp.result = [comp.previous[k] for k in sorted(comp.previous)]
    comp.levels = reused_levels(problem, comp)


def previous_serves_all(problem: Problem, comp: Part) -> bool:
    """True when every request here keeps a feasible published assignment: that is the lexicographic optimum.

    All served is the best the first level can be, no change the best the second can be, and with every
    assignment kept the third level has nothing left to choose.
    """
    n = len(comp.cands)
    if len(comp.previous) != n or any(comp.fixed[pos] != comp.previous[pos] for pos in comp.fixed):
        return False
    if any(c.role is not Role.EVENT or c.request.window_start or c.request.rehearsal for c in comp.cands):
        return False  # rehearsals, surveys and other starts are choices the published plan may not have made best
    m = build_model(
        problem,
        comp.cands,
        comp.previous,
        {},
        pool_interchangeable=False,
        redundant_constraints=False,
        workflow=comp.workflow,
    )
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 5.0
    return bool(solver.solve(m.model) == cp_model.OPTIMAL)


def part_records(parts: Sequence[Part], final: dict[str, Assignment]) -> list[ComponentRecord]:
    """What the next re-plan may reuse of each part: its fingerprint, its result as published, its bounds (those
    of the search as limited, which the next re-plan's search shares: see `Part.limited`)."""
    out = []
    for c in parts:
        levels = c.limited or c.levels
        out.append(
            ComponentRecord(
                fingerprint=c.fingerprint,
                result=result_digest(c.cands, final),  # as published, rehearsals' operator changes included
                requests=len(c.cands),
                preferences_bound=levels[2].bound,
                served_bound=None if levels[0].optimal else levels[0].bound,
            )
        )
    return out
