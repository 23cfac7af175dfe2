"""Optional rehearsals, placed around the planned events without moving any of them.

An optional rehearsal never decides whether an event is served (the event is served without it and the PIC
is told), so it is placed after the three objective levels, with every event, survey and mandatory rehearsal
held where the plan put them. That keeps the month's parts small: a rehearsal on the day before would
otherwise tie each day's part to the previous day's. Within that placement the count is maximised and proven,
then published rehearsal slots are kept where possible.

A group proven optimal leaves a record (in a re-plan, a group away from the newcomers' events): the digest of
what the next placement would be given if nothing changed (its events held as now placed) and of the slots
chosen. A later placement given that very input keeps
the published slots unsolved: they were the best then and the input is the same.
"""

from __future__ import annotations

import hashlib
import time as _time
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from itertools import accumulate, pairwise

from ortools.sat.python import cp_model

from allocator.planner.candidates import Candidates, Role, to_minutes
from allocator.planner.components import overlap_chains, split_components
from allocator.planner.domain import Assignment, ComponentRecord, HostKind, Problem, TaskSlot
from allocator.planner.model import AllocationModel, Var, Workflow, assignments, build_model, chosen_pools, hint
from allocator.planner.workflow import KitHold, kit_holds, kit_stock, travel_conflicts


@dataclass
class Placement:
    assignments: list[Assignment]
    records: list[ComponentRecord]  # the proven groups' (see the module), for the next placement


RECORD_PREFIX = "rehearsals:"


def _site_digest(problem: Problem, kits: bool = False) -> bytes:
    """What every group's placement depends on beyond its own positions: the venues and travel times (and, when
    a rehearsal to place uses kits, the kits in stock, out and out of service)."""
    h = hashlib.sha256(RECORD_PREFIX.encode())
    h.update(repr([v.model_dump_json() for v in problem.venues]).encode())
    h.update(repr([t.model_dump_json() for t in problem.travel]).encode())
    if kits:
        h.update(repr(sorted(kit_stock(problem).items())).encode())
        h.update(repr([k.model_dump_json() for k in problem.kits_out]).encode())
    return h.digest()


def _group_digest(
    problem: Problem,
    site: bytes,
    sub: Sequence[Candidates],
    held: dict[int, Assignment],
    loose: set[int],
    fixed: set[int],
    kits: Sequence[KitHold] = (),
) -> str:
    """Everything a group's placement depends on: its positions, what holds the background, what may move, and
    the kits others hold when a rehearsal of the group uses kits."""
    h = hashlib.sha256(site)
    if kits:
        h.update(repr(list(kits)).encode())
    for k, c in enumerate(sub):
        a = held.get(k)
        hosts = [(problem.hosts[o.host].id, o.start, o.end) for o in c.hosts]
        ops = [(problem.operators[o.operator].id, o.start, o.end) for o in c.operators]
        spec = c.request.rehearsal.digest_json() if c.request.rehearsal else None
        h.update(
            repr(
                (c.ref, c.role.value, c.start, c.end, c.site, c.operators_needed, c.needs_host, hosts, ops, spec,
                 a and (a.host, sorted(a.operators)), k in loose, k in fixed)
            ).encode()
        )  # fmt: skip
    return RECORD_PREFIX + h.hexdigest()[:32]


def _whole_digest(
    site: bytes,
    positions: Sequence[Candidates],
    held: Sequence[Assignment],
    fixed: Mapping[int, Assignment],
    digest_of: Callable[[Candidates], bytes],
) -> str:
    """The whole placement's input: every position (with its options), what holds it, and what may move."""
    h = hashlib.sha256(site)
    for i, c in enumerate(positions):
        a = held[i] if i < len(held) else None
        h.update(digest_of(c))
        h.update(repr((c.role.value, a and (a.host, sorted(a.operators)), i in fixed)).encode())
    return f"{RECORD_PREFIX}all:{h.hexdigest()[:32]}"


def _slots_digest(refs: Sequence[str], by_ref: dict[str, Assignment]) -> str:
    h = hashlib.sha256()
    for ref in sorted(set(refs)):
        slot = by_ref[ref].rehearsal if ref in by_ref else None
        h.update(repr((ref, slot and slot.model_dump_json())).encode())
    return h.hexdigest()[:32]


def _held(cands: Sequence[Candidates], chosen: dict[str, Assignment]) -> tuple[list[Candidates], list[Assignment]]:
    """The positions the plan took, each with the assignment that holds it."""

    def hold(ref: str, host: str | None, operators: list[str]) -> Assignment:
        # From assignments already validated: built without validating again (a month has over a thousand), every
        # field given, as pydantic resolves a missing one's default slowly (0.3 of the re-plan's 1.5 s here).
        return Assignment.model_construct(request=ref, host=host, operators=operators, start=None, end=None,
                                          rehearsal=None, survey=None, self_operated=False)  # fmt: skip

    out: list[Candidates] = []
    held: list[Assignment] = []
    surveys = {a.survey.venue: a.survey for a in chosen.values() if a.survey is not None}
    for c in cands:
        a = chosen.get(c.ref)
        if c.role is Role.EVENT and a is not None and (a.start is None or to_minutes(a.start) == c.start):
            out.append(c)
            held.append(hold(c.ref, a.host, a.operators))
        elif c.role is Role.REHEARSAL and a is not None and a.rehearsal and to_minutes(a.rehearsal.start) == c.start:
            out.append(c)
            held.append(hold(c.ref, a.rehearsal.host, a.rehearsal.operators))
        elif c.role is Role.SURVEY and c.ref in surveys and to_minutes(surveys[c.ref].start) == c.start:
            out.append(replace(c, role=Role.EVENT))  # only the operator's time it takes matters here
            held.append(hold(c.request.ref, None, surveys[c.ref].operators))
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
    digest_of: Callable[[Candidates], bytes] | None = None,
) -> Placement:
    """`cands`: the positions of the solved levels; `optional`: rehearsal positions of optional rehearsals.
    `frozen`: requests whose published rehearsal must stay (inside the freeze horizon or pinned);
    `records`: the published plan's records (see the module's docstring); `digest_of`: a digest of everything
    a position's options depend on, which lets a placement whose whole input is unchanged be kept at once."""
    optional_refs = {c.ref for c in optional}
    chosen = [a.model_copy(update={"rehearsal": None}) if a.request in optional_refs else a for a in chosen]
    by_ref = {a.request: a for a in chosen}
    wanted = [c for c in optional if c.ref in by_ref]
    if not wanted:
        return Placement(chosen, [])
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
    site = _site_digest(problem, kits=any(c.kits for c in wanted))
    known = {r.fingerprint: r for r in records if r.fingerprint.startswith(RECORD_PREFIX)}
    previous = {a.request: a for a in problem.previous}
    refs_wanted = [c.ref for c in wanted]
    if digest_of is not None:
        # Nothing the placement depends on changed (no event moved, no option changed): keep it all, unsolved,
        # with its groups' records for the next time something does change.
        whole = known.get(_whole_digest(site, positions, held, fixed, digest_of))
        if whole is not None and whole.result == _slots_digest(refs_wanted, previous):
            kept = {ref for ref in refs_wanted if previous[ref].rehearsal is not None}
            kept_by = {ref: by_ref[ref].model_copy(update={"rehearsal": previous[ref].rehearsal}) for ref in kept}
            return Placement([kept_by.get(a.request, a) for a in chosen], list(known.values()))
    placer = _Placer(problem, len(background), positions, held, fixed, loose, published, previous, known, site,
                     dict(by_ref), seed=seed, deadline=deadline)  # fmt: skip
    return placer.run(chosen, workers, digest_of, refs_wanted)


class _Placer:
    """One placement's shared state, so that placing a group and making the records are methods, not closures."""

    def __init__(
        self,
        problem: Problem,
        background: int,
        every: list[Candidates],
        held: list[Assignment],
        fixed: dict[int, Assignment],
        loose: dict[int, Assignment],
        published: dict[str, TaskSlot],
        previous: dict[str, Assignment],
        known: dict[str, ComponentRecord],
        site: bytes,
        result: dict[str, Assignment],
        *,
        seed: int,
        deadline: float,
    ) -> None:
        self.problem = problem
        self.background = background  # the number of background positions: those of the wanted come after them
        self.held = held
        self.fixed = fixed
        self.loose = loose
        self.published = published
        self.previous = previous
        self.known = known
        self.site = site
        self.seed = seed
        self.deadline = deadline
        self.every, self.all_conflicts = every, travel_conflicts(problem, every)
        self.held_spans = _HeldSpans(problem, every, fixed)
        self.positions, self.conflicts = _within_what_is_held(
            problem, every, fixed, self.held_spans, self.all_conflicts, _working_days(problem, every, held), loose
        )
        self.result = result
        self.digests: dict[tuple[int, ...], str] = {}
        self.loans = _loans(problem, every[:background], held) if any(c.kits for c in every[background:]) else []

    def stripped(
        self, group: list[int], fixing: Mapping[int, Assignment], among: Sequence[Candidates] | None = None
    ) -> list[Candidates]:
        """A held position needs only the host and operators it holds: the model stays small."""
        among = self.positions if among is None else among
        return [_holding_only(self.problem, among[i], fixing[i]) if i in fixing else among[i] for i in group]

    def digest(
        self,
        group: list[int],
        holding: Sequence[Assignment],
        fixing: Mapping[int, Assignment],
        among: Sequence[Candidates] | None = None,
    ) -> str:
        """The group's record fingerprint, for `holding` and `fixing` (the positions `among`, by default these)."""
        local = {i: k for k, i in enumerate(group)}
        held_here = {k: holding[i] for i, k in local.items() if i < len(holding)}  # background positions first
        fixed_here = {local[i] for i in fixing if i in local}
        loose_here = {k for i, k in local.items() if i < len(holding) and i not in fixing}
        sub = self.stripped(group, fixing, among)
        among = self.positions if among is None else among
        kits = self.kits_elsewhere(group, among)
        return _group_digest(self.problem, self.site, sub, held_here, loose_here, fixed_here, kits)

    def kits_elsewhere(self, group: list[int], among: Sequence[Candidates]) -> list[KitHold]:
        """When a rehearsal of the group uses kits: the kits held outside the group (the plan's other loans, as
        fixed now; kits out not for a served request), which its rehearsals must leave in stock. Else none."""
        if not any(among[i].kits and among[i].role is Role.REHEARSAL for i in group):
            return []
        mine = {among[i].ref for i in group if among[i].role is not Role.SURVEY}
        return [h for h in self.loans if h.request not in mine]

    def refs_in(self, group: list[int]) -> list[str]:
        """The requests whose optional rehearsal the group places."""
        positions = self.positions
        return [positions[i].ref for i in group if positions[i].role is Role.REHEARSAL and i >= self.background]

    def run(
        self,
        chosen: list[Assignment],
        workers: int,
        digest_of: Callable[[Candidates], bytes] | None,
        refs_wanted: list[str],
    ) -> Placement:
        """Place every group with a wanted rehearsal, then leave the records for the next placement."""
        groups = [
            g
            for g in _groups(self.problem, self.positions, self.fixed, self.held_spans, self.conflicts)
            if any(i >= self.background for i in g)
        ]
        groups.sort(key=lambda g: -len(g))
        # The groups a record keeps are kept first, in this thread: most of a re-plan's are, and each takes
        # a moment of Python, which threads would only share out. The others are solved side by side (CP-SAT
        # lets go of the interpreter); groups share no request, so each writes only its own entries of `result`.
        kept = {tuple(g) for g in groups if self.keep_recorded(g)}
        unsolved = [g for g in groups if tuple(g) not in kept]
        if len(unsolved) > 1 and workers > 1:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                solved = dict(zip(map(tuple, unsolved), pool.map(self.place, unsolved), strict=True))
        else:
            solved = {tuple(g): self.place(g) for g in unsolved}
        outcomes = [tuple(g) in kept or solved[tuple(g)] for g in groups]
        optimal = all(outcomes)
        now_held = [a.model_copy(update={"operators": self.result[a.request].operators}) if i in self.loose else a
                    for i, a in enumerate(self.held)]  # fmt: skip
        next_fixed = {**dict(enumerate(now_held)), **{i: a for i, a in self.fixed.items() if i >= self.background}}
        made = self.records(groups, outcomes, now_held, next_fixed)
        if digest_of is not None and optimal:
            whole_next = _whole_digest(self.site, self.every, now_held, next_fixed, digest_of)
            made.append(
                ComponentRecord(
                    fingerprint=whole_next, result=_slots_digest(refs_wanted, self.result), requests=len(self.every)
                )
            )
        return Placement([self.result[a.request] for a in chosen], made)

    def records(
        self,
        groups: list[list[int]],
        outcomes: list[bool],
        now_held: list[Assignment],
        next_fixed: dict[int, Assignment],
    ) -> list[ComponentRecord]:
        """The groups' records, apart from `run` so that it stays short."""
        # Records for the next placement as it will see things if nothing changes: every event held with the
        # operators it has now (published by then, none may change any more). In a re-plan only the newcomers'
        # events could change operators: a group proven here without one keeps its digest while nothing it holds
        # changes, so the next placement finds it, and the few groups around newcomers get no record (forming the
        # month's groups again as the next placement will, ≈ 0.1 s on every re-plan, costs more than placing those
        # few again when something near them changes). A first plan, whose events could all change, forms them:
        # each of those groups lies inside one of these; one proven here is proven there too, since placing more of
        # its rehearsals would have placed more here.
        fixed, result = self.fixed, self.result
        if self.loose and not self.problem.previous:
            proven = {i for g, o in zip(groups, outcomes, strict=True) if o for i in g if i not in fixed}
            next_spans = _HeldSpans(self.problem, self.every, next_fixed)
            after, after_conflicts = _within_what_is_held(
                self.problem,
                self.every,
                next_fixed,
                next_spans,
                self.all_conflicts,
                _working_days(self.problem, self.every, now_held),
            )
            next_groups = [g for g in _groups(self.problem, after, next_fixed, next_spans, after_conflicts)
                           if any(i >= self.background for i in g)]  # fmt: skip
            return [ComponentRecord(fingerprint=self.digest(g, now_held, next_fixed, after),
                                    result=_slots_digest(self.refs_in(g), result), requests=len(g))
                    for g in next_groups if all(i in proven for i in g if i not in next_fixed)]  # fmt: skip
        return [ComponentRecord(fingerprint=self.digests[tuple(g)], result=_slots_digest(self.refs_in(g), result),
                                requests=len(g))
                for g, o in zip(groups, outcomes, strict=True) if o and self.loose.keys().isdisjoint(g)]  # fmt: skip

    def keep_recorded(self, group: list[int]) -> bool:
        """The group's published slots kept, when a record shows it placed from this very input (see the
        module); whether it was."""
        refs = self.refs_in(group)
        self.digests[tuple(group)] = self.digest(group, self.held, self.fixed)
        record = self.known.get(self.digests[tuple(group)])
        if record is None or record.result != _slots_digest(refs, self.previous):
            return False
        for ref in refs:
            if self.previous[ref].rehearsal is not None:
                self.result[ref] = self.result[ref].model_copy(update={"rehearsal": self.previous[ref].rehearsal})
        return True

    def place(self, group: list[int]) -> bool:
        """One group, placed the most it can be and proven so or not; writes its requests' assignments into
        `result`."""
        local = {i: k for k, i in enumerate(group)}
        sub = self.stripped(group, self.fixed)
        elsewhere = self.kits_elsewhere(group, self.positions)
        # A rehearsal using kits counts the stock even when every loan it could clash with is in the group.
        kits_used = any(self.positions[i].kits and self.positions[i].role is Role.REHEARSAL for i in group)
        m = build_model(
            self.problem,
            sub,
            {local[i]: a for i, a in self.fixed.items() if i in local},
            {},
            stability=False,
            # The surveys were settled with the events: here they only keep their operator busy. Kits count only
            # where a rehearsal uses them (the events' own loans are fixed and were counted with them).
            workflow=Workflow(
                kit_stock=kit_stock(self.problem) if kits_used else {},
                kit_holds=[replace(h, request=None) for h in elsewhere],
                travel=[(op, local[a], local[b]) for op, a, b in self.conflicts if a in local and b in local],
                surveyed=frozenset(v.id for v in self.problem.venues),
            ),
        )
        options = [k for k, c in enumerate(sub) if c.role is Role.REHEARSAL and group[k] >= self.background]
        self.steer(m, sub, local, options)
        return self.solve(m)

    def steer(self, m: AllocationModel, sub: list[Candidates], local: dict[int, int], options: list[int]) -> None:
        """The group's objective and hint, apart from `place` so that it stays short."""
        at_published = {k: slot for k in options if (slot := self.published.get(sub[k].ref)) is not None
                        and to_minutes(slot.start) == sub[k].start}  # fmt: skip
        # A published slot kept at its time, and on its host (an online rehearsal's Zoom meeting stays put).
        keep = [m.served[k] for k in at_published]
        for k, slot in at_published.items():
            g = chosen_pools(m, slot)[0]
            keep += [m.host[k, g]] if g is not None and (k, g) in m.host else []
        same_crew: list[Var] = []
        for i, a in self.loose.items():
            if i not in local:
                continue
            k = local[i]
            host_pool, ops = chosen_pools(m, a)
            m.model.add(m.served[k] == 1)
            if k in m.self_operated:  # run as the levels chose: by the unit itself or by our operators
                m.model.add(m.self_operated[k] == int(self.result[a.request].self_operated))
            for g in m.host_options[k]:
                m.model.add(m.host[k, g] == int(g == host_pool))
            same_crew += [m.operator[k, g] for g in ops if (k, g) in m.operator]
        # One more rehearsal beats keeping every published slot and every operator the levels chose.
        weight = len(keep) + len(same_crew) + 1
        m.model.maximize(weight * sum(m.served[k] for k in options) + sum(keep) + sum(same_crew))
        hint(m, [(v, 1) for v in [*keep, *same_crew]])

    def solve(self, m: AllocationModel) -> bool:
        """The group's solve, apart from `place` so that it stays short: whether it was proven."""
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = self.seed
        solver.parameters.max_time_in_seconds = max(self.deadline - _time.monotonic(), 0.05)
        status = solver.solve(m.model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return False
        loose_refs = {a.request for a in self.loose.values()}
        for a in assignments(m, solver.value):
            if a.rehearsal is not None or a.request in loose_refs:  # everything else stays as the levels left it
                update = {"rehearsal": a.rehearsal, "operators": a.operators, "self_operated": a.self_operated}
                self.result[a.request] = self.result[a.request].model_copy(update=update)
        return bool(status == cp_model.OPTIMAL)


def _holding_only(problem: Problem, c: Candidates, a: Assignment) -> Candidates:
    hosts = [o for o in c.hosts if problem.hosts[o.host].id == a.host]
    operators = [o for o in c.operators if problem.operators[o.operator].id in a.operators]
    return replace(c, hosts=hosts, operators=operators, host_exclusions={}, operator_exclusions={})


class _HeldSpans:
    """The held positions by the host or operator they hold, to find those overlapping a span."""

    def __init__(self, problem: Problem, positions: Sequence[Candidates], fixed: Mapping[int, Assignment]) -> None:
        host_ids = [h.id for h in problem.hosts]
        op_ids = [o.id for o in problem.operators]
        spans: dict[tuple[str, int], list[tuple[int, int, int]]] = defaultdict(list)
        for i, a in fixed.items():
            c = positions[i]
            for h in c.hosts:
                if host_ids[h.host] == a.host:
                    spans["h", h.host].append((h.start, h.end, i))
            for o in c.operators:
                if op_ids[o.operator] in a.operators:
                    spans["o", o.operator].append((o.start, o.end, i))
        self.spans = {key: sorted(v) for key, v in spans.items()}
        self.starts = {key: [s for s, _e, _i in v] for key, v in self.spans.items()}
        self.longest = {key: max(e - s for s, e, _i in v) for key, v in self.spans.items()}
        self.reach = {key: list(accumulate((e for _s, e, _i in v), max)) for key, v in self.spans.items()}

    def busy(self, key: tuple[str, int], start: int, end: int) -> bool:
        """Whether a held span overlaps [start, end): the latest end among those starting before `end`."""
        starts = self.starts.get(key)
        if not starts:
            return False
        k = bisect_left(starts, end)
        return k > 0 and self.reach[key][k - 1] > start

    def on(self, key: tuple[str, int], start: int, end: int) -> list[int]:
        spans = self.spans.get(key)
        if not spans:
            return []
        hi = bisect_left(self.starts[key], end)
        lo = bisect_left(self.starts[key], start - self.longest[key])
        return [i for s, e, i in spans[lo:hi] if s < end and start < e]


def _within_what_is_held(
    problem: Problem,
    positions: Sequence[Candidates],
    fixed: Mapping[int, Assignment],
    held: _HeldSpans,
    conflicts: list[tuple[int, int, int]],
    working: set[tuple[int, int]],
    loose: Mapping[int, Assignment] | None = None,
) -> tuple[list[Candidates], list[tuple[int, int, int]]]:
    """The positions that may move keep only the options the held ones leave them: an operator not busy with a
    held task then (nor too far away from one), a host with a free slot, and for the rehearsal of a held
    event only that event's operators. The model would rule out the rest anyway; left out, the held positions
    need not be in the model with them (except on hosts that take several meetings at once), and a group is
    small. Also returns the travel conflicts that still matter. `held`: the spans of `fixed`.

    And nothing placed here may cost a preference the levels did not: an option must fall on a day its operator
    already works (`working`: operator, site-local day) and add no overtime. The preferences come before the
    rehearsals, so an optional rehearsal never calls an operator in (docs/planner.md). An event that may change
    operators (`loose`) keeps its own."""
    op_ids = [o.id for o in problem.operators]
    own = {i: set(a.operators) for i, a in (loose or {}).items()}
    crew_of = {positions[i].ref: set(a.operators) for i, a in fixed.items() if positions[i].role is Role.EVENT}
    too_far = {(i, op) for op, a, b in conflicts for i, j in ((a, b), (b, a))
               if i not in fixed and j in fixed and op_ids[op] in fixed[j].operators}  # fmt: skip

    def webinar(i: int) -> bool:
        return positions[i].request.kind is HostKind.WEBINAR

    out = list(positions)
    for i, c in enumerate(positions):
        if i in fixed:
            continue
        crew = crew_of.get(c.ref) if c.role is Role.REHEARSAL else None
        operators = [
            o
            for o in c.operators
            if (crew is None or op_ids[o.operator] in crew)
            and (((o.operator, o.day) in working and o.overtime == 0) or op_ids[o.operator] in own.get(i, ()))
            and (i, o.operator) not in too_far
            and not held.busy(("o", o.operator), o.start, o.end)
        ]
        hosts = []
        for h in c.hosts:
            if held.busy(("h", h.host), h.start, h.end):
                if problem.hosts[h.host].max_concurrent == 1 or webinar(i):
                    continue
                if any(map(webinar, held.on(("h", h.host), h.start, h.end))):
                    continue
            hosts.append(h)
        out[i] = replace(c, hosts=hosts, operators=operators)
    has = {(i, o.operator) for i, c in enumerate(out) for o in c.operators}
    return out, [(op, a, b) for op, a, b in conflicts if (a, op) in has and (b, op) in has]


def _working_days(
    problem: Problem, positions: Sequence[Candidates], held: Sequence[Assignment]
) -> set[tuple[int, int]]:
    """(operator, site-local day) for every operator the held plan already calls in, as `claims.term_values`
    counts them."""
    op_ids = [o.id for o in problem.operators]
    return {(o.operator, o.day) for c, a in zip(positions, held, strict=False) for o in c.operators
            if op_ids[o.operator] in a.operators}  # fmt: skip


def _groups(
    problem: Problem,
    positions: Sequence[Candidates],
    fixed: Mapping[int, Assignment],
    held: _HeldSpans,
    conflicts: list[tuple[int, int, int]],
) -> list[list[int]]:
    """Groups placed independently: what may move (rehearsal options, events that may change operators), split
    where nothing ties it together, each with the held positions that constrain it: those on its hosts taking
    several meetings at once at overlapping times, those it must leave travel time to, and the rest of its
    requests. `positions` are reduced by `_within_what_is_held` for the same `fixed` (whose spans `held` has),
    so no other held position overlaps an option.

    A held position only takes capacity; it passes no influence from one group to another, so it does not join
    them: a day's rehearsals are not tied to the next day's through the events in between.
    """
    free = [i for i in range(len(positions)) if i not in fixed]
    local = {i: k for k, i in enumerate(free)}
    of_ref: dict[str, list[int]] = defaultdict(list)
    for i, c in enumerate(positions):
        if c.role is not Role.SURVEY:
            of_ref[c.ref].append(i)
    links: list[tuple[int, int]] = []
    for members in of_ref.values():
        mine = [local[i] for i in members if i in local]
        links += pairwise(mine)
    links += [(local[a], local[b]) for _op, a, b in conflicts if a in local and b in local]
    links += _kit_links([positions[i] for i in free])
    parts = split_components([positions[i] for i in free], couple_operator_days=False, links=links)
    shared = [h.max_concurrent > 1 for h in problem.hosts]
    travel: dict[int, list[int]] = defaultdict(list)
    for _op, x, y in conflicts:
        travel[x].append(y)
        travel[y].append(x)
    out = []
    for part in parts:
        members = [free[k] for k in part]
        attached: set[int] = set()
        for i in members:
            # Reduced by `_within_what_is_held`, an option overlaps held spans only on a host taking several
            # meetings at once.
            for h in positions[i].hosts:
                if shared[h.host]:
                    attached.update(held.on(("h", h.host), h.start, h.end))
            attached.update(j for j in travel.get(i, []) if j in fixed)
        refs = {positions[i].ref for i in [*members, *attached] if positions[i].role is not Role.SURVEY}
        attached.update(j for ref in refs for j in of_ref[ref] if j in fixed)
        out.append(sorted({*members, *attached}))
    return out


def _kit_links(free: Sequence[Candidates]) -> list[tuple[int, int]]:
    """Rehearsals using kits whose loans could overlap share the stock: they are placed together."""
    by_kit: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    for k, c in enumerate(free):
        if c.role is Role.REHEARSAL:
            for kit, _n in c.kits:
                by_kit[kit].append((c.kit_start, c.kit_end, k))
    return [link for spans in by_kit.values() for link in overlap_chains(spans)]


def _loans(problem: Problem, background: Sequence[Candidates], held: Sequence[Assignment]) -> list[KitHold]:
    """The kits the plan holds while optional rehearsals are placed: each served request's loan (from its
    mandatory rehearsal's pickup when that uses the kits), and the kits out that no served request accounts for.
    A loan's `request` names whose it is."""
    pickup: dict[str, int] = {}
    for c in background:
        if c.role is Role.REHEARSAL and c.kits:
            pickup[c.ref] = c.kit_start
    out: list[KitHold] = []
    for c, a in zip(background, held, strict=True):
        if c.role is Role.EVENT:
            start = min(pickup.get(c.ref, c.kit_start), c.kit_start)
            out += [KitHold(kit, n, start, c.kit_end, a.request) for kit, n in c.kits]
    served = {a.request for c, a in zip(background, held, strict=True) if c.role is Role.EVENT}
    return out + [h for h in kit_holds(problem, served) if h.request is None]  # named: a served request's
