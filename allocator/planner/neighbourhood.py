"""The positions a re-plan's newcomers can touch, and the rest of their part held as published.

A newcomer in a large part (rehearsal windows and kit loans tie days together) changes nothing far from it:
whatever could make room for it overlaps one of its options in time, shares a kit loan with it, or is an
operator's trip to or from it. Holding everything else (events, rehearsals and surveys) at its published host,
operators and time gives a model a fraction of the part's size, whose best plan a re-plan may settle for (see
`replan.settle_around_newcomers`).
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from allocator.planner import series
from allocator.planner.candidates import Candidates, Role
from allocator.planner.domain import Assignment, Problem, TaskSlot
from allocator.planner.model import iso_week
from allocator.planner.workflow import KitHold, published_task_slots

Key = tuple[bool, str]  # (a survey?, request ref or venue id): positions that come and go together


def key_of(c: Candidates) -> Key:
    return (c.role is Role.SURVEY, c.ref)


def _merged(spans: Iterable[tuple[int, int]]) -> tuple[list[int], list[int]]:
    starts: list[int] = []
    ends: list[int] = []
    for s, e in sorted(spans):
        if ends and s <= ends[-1]:
            ends[-1] = max(ends[-1], e)
        else:
            starts.append(s)
            ends.append(e)
    return starts, ends


def _meets(merged: tuple[list[int], list[int]], s: int, e: int) -> bool:
    starts, ends = merged
    i = bisect.bisect_left(ends, s + 1)  # the first merged span ending after s
    return i < len(starts) and starts[i] < e


def _option_spans(c: Candidates) -> list[tuple[int, int]]:
    return [(h.start, h.end) for h in c.hosts] + [(o.start, o.end) for o in c.operators]


def near_newcomers(
    cands: Sequence[Candidates], newcomers: set[str], travel: Iterable[tuple[int, int, int]]
) -> set[Key]:
    """Whose positions may change when the newcomers come in: theirs, and every request (or venue's surveys)
    with an option overlapping one of theirs in time, a kit of the same type out at the same time, a trip to or
    from one of them, or the survey of a new venue they go to."""
    mine = [k for k, c in enumerate(cands) if c.role is not Role.SURVEY and c.ref in newcomers]
    busy = _merged(s for k in mine for s in _option_spans(cands[k]))
    kit_spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for k in mine:
        for kit, _n in cands[k].kits:
            kit_spans[kit].append((cands[k].kit_start, cands[k].kit_end))
    kits = {kit: _merged(spans) for kit, spans in kit_spans.items()}
    near = {key_of(cands[k]) for k in mine}
    near.update((True, site) for k in mine if (site := cands[k].site) is not None)
    for c in cands:
        if any(_meets(busy, s, e) for s, e in _option_spans(c)) or any(
            kit in kits and _meets(kits[kit], c.kit_start, c.kit_end) for kit, _n in c.kits
        ):
            near.add(key_of(c))
    at = set(mine)
    for _op, a, b in travel:
        if a in at or b in at:
            near.update((key_of(cands[a]), key_of(cands[b])))
    return series.widen_to_series(cands, near)


@dataclass(frozen=True)
class HeldPart:
    """A part reduced to what may move: `cands` (positions kept, as indexes `source` into the part's), the held
    events and tasks cut down to their published host and operators (a task to its published time) and `fixed`
    there; of the free ones, the `previous` assignments of events and the published `tasks` (rehearsals,
    surveys)."""

    cands: list[Candidates]
    source: list[int]
    fixed: dict[int, Assignment | TaskSlot]
    previous: dict[int, Assignment]
    tasks: dict[int, TaskSlot]


def held_as_published(problem: Problem, c: Candidates, a: Assignment | TaskSlot) -> Candidates | None:
    """The position cut down to its published host and operators; None when they are no longer among its options
    (an operator's leave, a host out of service)."""
    hosts = [h for h in c.hosts if problem.hosts[h.host].id == a.host]
    ops = [o for o in c.operators if problem.operators[o.operator].id in a.operators]
    if (a.host is not None and not hosts) or len(ops) != len(a.operators):
        return None
    return replace(c, hosts=hosts, operators=ops)


def hold_the_rest(
    problem: Problem,
    cands: Sequence[Candidates],
    fixed: Mapping[int, Assignment],
    previous: Mapping[int, Assignment],
    free: set[Key],
) -> HeldPart | None:
    """The part with every event outside `free` held as published (unpublished ones left out: they stay
    unserved), and so are the rehearsals and surveys outside `free` (`held_tasks`). None when an event cannot be
    held (its published option is gone, or it is pinned without having been published): the part is then
    searched whole."""
    tasks = published_task_slots(cands, previous.values())
    published = {cands[k].ref for k in previous}
    holding = held_tasks(problem, cands, tasks, free)
    out = HeldPart([], [], {}, {}, {})
    for k, c in enumerate(cands):
        here = len(out.cands)
        if c.role is Role.REHEARSAL and key_of(c) not in free and c.ref not in published:
            continue  # the rehearsal of an event left out
        if (c.role, c.ref) in holding:
            at, published_only = holding[c.role, c.ref]
            if k != at:
                continue  # a held task's other times
            c, out.fixed[here] = published_only, tasks[k]
        elif key_of(c) in free or c.role is not Role.EVENT:
            out.fixed.update({here: fixed[k]} if k in fixed else {})
            out.previous.update({here: previous[k]} if k in previous else {})
            out.tasks.update({here: tasks[k]} if k in tasks else {})
        else:
            held = previous.get(k)
            if held is None:
                if k in fixed:
                    return None
                continue
            cut = held_as_published(problem, c, held)
            if cut is None:
                return None
            c = cut
            out.fixed[here] = held
        out.cands.append(c)
        out.source.append(k)
    return out


def held_tasks(
    problem: Problem, cands: Sequence[Candidates], tasks: Mapping[int, TaskSlot], free: set[Key]
) -> dict[tuple[Role, str], tuple[int, Candidates]]:
    """The rehearsals and surveys outside `free`, each with its published position cut down to its published host
    and operators: they stay there. Only a task near a newcomer can make room for it (its options overlap the
    newcomer's in time), and moving one far away changes an operator's agenda, or an online rehearsal's meeting,
    for a preference the newcomer did not bring. A task with no published position left, or whose published host
    or operators are no longer among its options, stays free: its event still needs it. Each with its published
    position's index."""
    out: dict[tuple[Role, str], tuple[int, Candidates]] = {}
    for k, slot in tasks.items():
        c = cands[k]
        if key_of(c) in free:
            continue
        cut = held_as_published(problem, c, slot)
        if cut is not None:
            out[c.role, c.ref] = (k, cut)
    return out


def set_aside(
    problem: Problem,
    part: HeldPart,
    free: set[Key],
    travel: Sequence[tuple[int, int, int]],
    kit_holds: Sequence[KitHold],
) -> tuple[HeldPart, list[Assignment]]:
    """The held part without the held positions no rule ties to a free one, and the published assignments of the
    events left out (as the held model would read them back: an optional rehearsal is placed later).

    A held position takes its host and operators at its time and nothing else moves it. A free position's choices
    depend on it only through a host or an operator at overlapping times, an operator's day (the preferences count
    operator-days) or week (the overtime cap), a kit type at overlapping loan times, an operator's trip, a unit's
    own operator, a kit out for it, or its request and new venue (a rehearsal before its event, a survey before the
    venue's events: left out together or not at all). Left out, it is a constant of the held model's objective and
    rows, so no choice changes; on the ministry month a held model keeps a quarter of its held events. `travel`:
    the trips between positions of `part`."""
    cands = part.cands
    roots = _Roots()
    survey_sites = {c.ref for c in cands if c.role is Role.SURVEY}
    for c in cands:
        if c.role is Role.EVENT and c.site in survey_sites:
            roots.join(key_of(c), (True, c.site))
    loose = {k for k in range(len(cands)) if k not in part.fixed or key_of(cands[k]) in free}
    touch = _Touch(problem, [cands[k] for k in sorted(loose)])
    lent = {h.request for h in kit_holds if h.request is not None}
    tripped = {b for _op, a, b in travel if a in loose} | {a for _op, a, b in travel if b in loose}
    kept = {roots.find(key_of(cands[k])) for k in loose}
    for k, c in enumerate(cands):
        if k in tripped or c.self_operable or c.ref in lent or c.request.ref in lent or touch.touches(c):
            kept.add(roots.find(key_of(c)))
    out = HeldPart([], [], {}, {}, {})
    aside: list[Assignment] = []
    for k, c in enumerate(cands):
        if roots.find(key_of(c)) not in kept:
            a = part.fixed[k]
            if c.role is Role.EVENT and isinstance(a, Assignment):
                optional = c.request.rehearsal is not None and not c.request.rehearsal.mandatory
                aside.append(a.model_copy(update={"rehearsal": None}) if optional and a.rehearsal else a)
            continue
        here = len(out.cands)
        out.cands.append(c)
        out.source.append(part.source[k])
        if k in part.fixed:
            out.fixed[here] = part.fixed[k]
        if k in part.previous:
            out.previous[here] = part.previous[k]
        if k in part.tasks:
            out.tasks[here] = part.tasks[k]
    return out, aside


class _Roots:
    """Keys that are left out together (a request's positions, a new venue's events and surveys)."""

    def __init__(self) -> None:
        self.parent: dict[Key, Key] = {}

    def find(self, key: Key) -> Key:
        while (up := self.parent.get(key, key)) != key:
            self.parent[key] = self.parent.get(up, up)
            key = up
        return key

    def join(self, a: Key, b: Key) -> None:
        self.parent[self.find(a)] = self.find(b)


class _Touch:
    """What the free positions could take: each host's and operator's spans, operators' days and capped weeks,
    kit types' loan spans."""

    def __init__(self, problem: Problem, free: Sequence[Candidates]) -> None:
        overtime = problem.policy.overtime
        self.capped = overtime is not None and overtime.max_per_week_min is not None
        hosts: dict[int, list[tuple[int, int]]] = defaultdict(list)
        operators: dict[int, list[tuple[int, int]]] = defaultdict(list)
        kits: dict[str, list[tuple[int, int]]] = defaultdict(list)
        self.days: set[tuple[int, int]] = set()
        self.weeks: set[tuple[int, tuple[int, int]]] = set()
        for c in free:
            for h in c.hosts:
                hosts[h.host].append((h.start, h.end))
            for o in c.operators:
                operators[o.operator].append((o.start, o.end))
                self.days.add((o.operator, o.day))
                if o.capped:
                    self.weeks.add((o.operator, iso_week(o.day)))
            for kit, _n in c.kits:
                kits[kit].append((c.kit_start, c.kit_end))
        self.hosts = {h: _merged(spans) for h, spans in hosts.items()}
        self.operators = {o: _merged(spans) for o, spans in operators.items()}
        self.kits = {kit: _merged(spans) for kit, spans in kits.items()}

    def touches(self, c: Candidates) -> bool:
        return (
            any(h.host in self.hosts and _meets(self.hosts[h.host], h.start, h.end) for h in c.hosts)
            or any(
                (o.operator, o.day) in self.days
                or (o.operator in self.operators and _meets(self.operators[o.operator], o.start, o.end))
                or (self.capped and o.capped and (o.operator, iso_week(o.day)) in self.weeks)
                for o in c.operators
            )
            or any(kit in self.kits and _meets(self.kits[kit], c.kit_start, c.kit_end) for kit, _n in c.kits)
        )
