"""Optional rehearsals, placed around the planned events without moving any of them.

An optional rehearsal never decides whether an event is served (the event is served without it and the PIC
is told), so it is placed after the three objective levels, with every event, survey and mandatory rehearsal
held where the plan put them. That keeps the month's parts small: a rehearsal on the day before would
otherwise tie each day's part to the previous day's. Within that placement the count is maximised and proven,
then published rehearsal slots are kept where possible.

A group proven optimal leaves a record: the digest of what the next placement would be given if nothing
changed (its events held as now placed) and of the slots chosen. A later placement given that very input keeps
the published slots unsolved: they were the best then and the input is the same.
"""

from __future__ import annotations

import hashlib
import time as _time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

from ortools.sat.python import cp_model

from allocator.candidates import Candidates, Role, to_minutes
from allocator.components import split_components
from allocator.domain import Assignment, ComponentRecord, Problem
from allocator.model import Var, Workflow, assignments, build_model, chosen_pools, hint
from allocator.workflow import travel_conflicts


@dataclass
class Placement:
    assignments: list[Assignment]
    placed: int  # optional rehearsals placed
    bound: int  # proven most that could be placed around these events
    optimal: bool
    records: list[ComponentRecord]


RECORD_PREFIX = "rehearsals:"


def _group_digest(
    problem: Problem, sub: Sequence[Candidates], held: dict[int, Assignment], loose: set[int], fixed: set[int]
) -> str:
    """Everything a group's placement depends on: its positions, what holds the background, what may move."""
    h = hashlib.sha256(RECORD_PREFIX.encode())
    h.update(repr([v.model_dump_json() for v in problem.venues]).encode())
    h.update(repr([t.model_dump_json() for t in problem.travel]).encode())
    for k, c in enumerate(sub):
        a = held.get(k)
        hosts = [(problem.hosts[o.host].id, o.start, o.end) for o in c.hosts]
        ops = [(problem.operators[o.operator].id, o.start, o.end) for o in c.operators]
        spec = c.request.rehearsal.model_dump_json() if c.request.rehearsal else None
        h.update(
            repr(
                (c.ref, c.role.value, c.start, c.end, c.site, c.operators_needed, c.needs_host, hosts, ops, spec,
                 a and (a.host, sorted(a.operators)), k in loose, k in fixed)
            ).encode()
        )  # fmt: skip
    return RECORD_PREFIX + h.hexdigest()[:32]


def _slots_digest(refs: Sequence[str], by_ref: dict[str, Assignment]) -> str:
    h = hashlib.sha256()
    for ref in sorted(set(refs)):
        slot = by_ref[ref].rehearsal if ref in by_ref else None
        h.update(repr((ref, slot and slot.model_dump_json())).encode())
    return h.hexdigest()[:32]


def _held(cands: Sequence[Candidates], chosen: dict[str, Assignment]) -> tuple[list[Candidates], list[Assignment]]:
    """The positions the plan took, each with the assignment that holds it."""
    out: list[Candidates] = []
    held: list[Assignment] = []
    surveys = {a.survey.venue: a.survey for a in chosen.values() if a.survey is not None}
    for c in cands:
        a = chosen.get(c.ref)
        if c.role is Role.EVENT and a is not None and (a.start is None or to_minutes(a.start) == c.start):
            out.append(c)
            held.append(Assignment(request=c.ref, host=a.host, operators=a.operators))
        elif c.role is Role.REHEARSAL and a is not None and a.rehearsal and to_minutes(a.rehearsal.start) == c.start:
            out.append(c)
            held.append(Assignment(request=c.ref, host=a.rehearsal.host, operators=a.rehearsal.operators))
        elif c.role is Role.SURVEY and c.ref in surveys and to_minutes(surveys[c.ref].start) == c.start:
            out.append(replace(c, role=Role.EVENT))  # only the operator's time it takes matters here
            held.append(Assignment(request=c.request.ref, operators=surveys[c.ref].operators))
    return out, held


def place_optional_rehearsals(
    problem: Problem,
    cands: Sequence[Candidates],
    chosen: list[Assignment],
    optional: Sequence[Candidates],
    *,
    deadline: float,
    seed: int = 0,
    frozen: set[str] | frozenset[str] = frozenset(),
    records: Sequence[ComponentRecord] = (),
    workers: int = 1,
) -> Placement:
    """`cands`: the positions of the solved levels; `optional`: rehearsal positions of optional rehearsals.
    `frozen`: requests whose published rehearsal must stay (inside the freeze horizon or pinned);
    `records`: the published plan's records (see the module's docstring)."""
    optional_refs = {c.ref for c in optional}
    chosen = [a.model_copy(update={"rehearsal": None}) if a.request in optional_refs else a for a in chosen]
    by_ref = {a.request: a for a in chosen}
    wanted = [c for c in optional if c.ref in by_ref]
    if not wanted:
        return Placement(chosen, 0, 0, True, [])
    background, held = _held(cands, by_ref)
    positions = [*background, *wanted]
    # An event whose rehearsal is wanted may change operators (never its time or host) to make room for it,
    # unless it is held (pinned, frozen) or was published (its operators are what people were told).
    published_refs = {a.request for a in problem.previous}
    movable = {c.ref for c in wanted} - set(frozen) - published_refs
    fixed = {pos: a for pos, a in enumerate(held) if not (positions[pos].role is Role.EVENT and a.request in movable)}
    loose = {pos: a for pos, a in enumerate(held) if pos not in fixed}
    published = {a.request: a.rehearsal for a in problem.previous if a.rehearsal is not None}
    for pos in range(len(background), len(positions)):
        c = positions[pos]
        slot = published.get(c.ref)
        if c.ref in frozen and slot is not None and to_minutes(slot.start) == c.start:
            fixed[pos] = Assignment(request=c.ref, host=slot.host, operators=slot.operators)
    conflicts = travel_conflicts(problem, positions)
    first_of: dict[str, int] = {}
    links = [(first_of.setdefault(c.ref, pos), pos) for pos, c in enumerate(positions) if c.role is not Role.SURVEY]
    links += [(a, b) for _op, a, b in conflicts]
    result = dict(by_ref)
    known = {r.fingerprint: r for r in records if r.fingerprint.startswith(RECORD_PREFIX)}
    previous = {a.request: a for a in problem.previous}

    def place(group: list[int]) -> tuple[int, int, bool, ComponentRecord | None]:
        """One group: (placed, bound, proven, record); writes its requests' assignments into `result`."""
        local = {i: k for k, i in enumerate(group)}
        sub = [positions[i] for i in group]
        held_here = {k: held[i] for i, k in local.items() if i < len(held)}  # background positions come first
        fixed_here = {local[i] for i in fixed if i in local}
        loose_here = {local[i] for i in loose if i in local}
        refs = [c.ref for c in sub if c.role is Role.REHEARSAL and c.ref in optional_refs]
        record = known.get(_group_digest(problem, sub, held_here, loose_here, fixed_here))
        if record is not None and record.result == _slots_digest(refs, previous):
            kept = {ref for ref in refs if previous[ref].rehearsal is not None}
            for ref in kept:
                result[ref] = result[ref].model_copy(update={"rehearsal": previous[ref].rehearsal})
            return len(kept), len(kept), True, record
        m = build_model(
            problem,
            sub,
            {local[i]: a for i, a in fixed.items() if i in local},
            {},
            stability=False,
            # The surveys were settled with the events: here they only keep their operator busy.
            workflow=Workflow(
                travel=[(op, local[a], local[b]) for op, a, b in conflicts if a in local],
                surveyed=frozenset(v.id for v in problem.venues),
            ),
        )
        options = [k for k, c in enumerate(sub) if c.role is Role.REHEARSAL and group[k] >= len(background)]
        keep = [
            m.served[k]
            for k in options
            if (slot := published.get(sub[k].ref)) is not None and to_minutes(slot.start) == sub[k].start
        ]
        same_crew: list[Var] = []
        for i, a in loose.items():
            if i not in local:
                continue
            k = local[i]
            host_pool, ops = chosen_pools(m, a)
            m.model.add(m.served[k] == 1)
            for g in m.host_options[k]:
                m.model.add(m.host[k, g] == int(g == host_pool))
            same_crew += [m.operator[k, g] for g in ops if (k, g) in m.operator]
        # One more rehearsal beats keeping every published slot and every operator the levels chose.
        weight = len(keep) + len(same_crew) + 1
        m.model.maximize(weight * sum(m.served[k] for k in options) + sum(keep) + sum(same_crew))
        hint(m, [(v, 1) for v in [*keep, *same_crew]])
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = seed
        solver.parameters.max_time_in_seconds = max(deadline - _time.monotonic(), 0.05)
        status = solver.solve(m.model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return 0, len({sub[k].ref for k in options}), False, None
        loose_refs = {a.request for a in loose.values()}
        for a in assignments(m, solver.value):
            if a.rehearsal is not None or a.request in loose_refs:  # everything else stays as the levels left it
                update = {"rehearsal": a.rehearsal, "operators": a.operators}
                result[a.request] = result[a.request].model_copy(update=update)
        placed = sum(solver.value(m.served[k]) for k in options)
        bound = int(solver.best_objective_bound) // weight
        if status != cp_model.OPTIMAL:
            return placed, bound, False, None
        # What the next placement will be given if nothing changes: these events held as placed now.
        now_held = {k: result[sub[k].ref] if k in loose_here else a for k, a in held_here.items()}
        now_held = {k: Assignment(request=a.request, host=a.host, operators=a.operators)
                    for k, a in now_held.items()}  # fmt: skip
        record = ComponentRecord(
            fingerprint=_group_digest(problem, sub, now_held, set(), fixed_here | loose_here),
            result=_slots_digest(refs, result),
            requests=len(sub),
        )
        return placed, bound, True, record

    groups = [g for g in split_components(positions, couple_operator_days=False, links=links)
              if any(i >= len(background) for i in g)]  # fmt: skip
    groups.sort(key=lambda g: -len(g))
    # Groups share no request, so each writes only its own entries of `result`.
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        outcomes = list(pool.map(place, groups))
    placed = sum(o[0] for o in outcomes)
    bound = sum(o[1] for o in outcomes)
    optimal = all(o[2] for o in outcomes)
    made = [o[3] for o in outcomes if o[3] is not None]
    return Placement([result[a.request] for a in chosen], placed, bound, optimal, made)
