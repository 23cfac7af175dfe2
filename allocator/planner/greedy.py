"""A quick first plan for a part, heaviest requests first, given to CP-SAT as a hint and kept as a floor.

CP-SAT proves optimality from the LP, but on a large part with flexible starts, kits and travel its own first
solutions can be poor, and under a time limit the plan would be too. A greedy pass over the same model —
highest priority first, preferred start first, smallest fitting host, a mandatory rehearsal and a new venue's
survey placed with the event — gives it a good start in milliseconds. The same pass in letter order is what an
office does by hand (first come, first served): the planner keeps the better of the two as the plan it returns
if its search does worse, so no plan is below the office's own.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date, datetime
from typing import Literal

from allocator.planner import series
from allocator.planner.candidates import Candidates, Role
from allocator.planner.domain import Assignment, HostKind
from allocator.planner.model import AllocationModel, Var, chosen_pools, iso_week, rehearsal_fits
from allocator.planner.self_operated import UnitOperatorsBusy
from allocator.planner.workflow import published_task_slots


def _peak(spans: list[tuple[int, int]], start: int, end: int) -> int:
    """Most spans overlapping at once inside [start, end)."""
    return _peak_count([(s, e, 1) for s, e in spans], start, end)


def _peak_count(spans: list[tuple[int, int, int]], start: int, end: int) -> int:
    """Most units in use at once inside [start, end), each span using its count."""
    # A sweep, not a sum per start: a pool of many identical operators holds hundreds of spans, and asking each of
    # them at each start made the greedy plan quadratic per request (14 of 16 s of a 1,200-request day).
    events: list[tuple[int, int]] = []
    for s, e, n in spans:
        if s < end and start < e:
            events += [(max(s, start), n), (min(e, end), -n)]
    events.sort()  # at equal times the ends (negative) first: [a, b) and [b, c) do not meet
    now = top = 0
    for _t, n in events:
        now += n
        top = max(top, now)
    return top


Pools = tuple[int | None, dict[int, int]]  # a host pool (None: no host) and operators by pool


def published_tasks(m: AllocationModel, previous: Mapping[int, Assignment]) -> dict[int, Pools]:
    """The positions of the published rehearsals and surveys of the events that may keep their assignment,
    with the pools they had."""
    keeping = [a for pos, a in previous.items() if pos in m.kept_as]
    return {k: chosen_pools(m, slot) for k, slot in published_task_slots(m.cands, keeping).items()}


Order = Literal["priority", "letter"]


def letter_key(c: Candidates) -> tuple[date, datetime, str]:
    """A position's request in letter order (`Request.letter_order`)."""
    return c.request.letter_order


def greedy_hint(
    m: AllocationModel,
    published: Mapping[int, Pools] | None = None,
    tasks: Mapping[int, Pools] | None = None,
    order: Order = "priority",
) -> list[tuple[Var, int]]:
    """`published`: event positions whose published host pool and operators are placed first, as they were
    where they still fit, so a re-plan starts from the published plan with the newcomers fitted around.
    `tasks`: their published rehearsals and surveys, placed before them, so that a published event that
    needs one (a mandatory rehearsal, a new venue) stays in the hint and the hint stays feasible.
    `order`: "letter" takes the requests as their letters came (the office's own way, a floor for the plan)."""
    left_out: set[str] = set()
    together = series.all_or_nothing(m.problem) if m.series_events else set()
    while True:
        greedy = _Greedy(m, published or {})
        greedy.done |= {m.cands[p].ref for ref in left_out for p in m.series_events[ref]}
        order_ = greedy.order() if order == "priority" else greedy.letter_order()
        greedy.hold_tasks(tasks or {})
        for pos in order_:
            greedy.try_event(pos)
        # An all-or-nothing series served in part is left out, and the pass made again without it.
        served = (pos for pos, var in m.served.items() if greedy.values[var])
        broken = series.broken_series(m.cands, served, together)
        if not broken:
            return list(greedy.values.items())
        left_out |= broken


class _Greedy:
    """One greedy pass's state (what is busy when, the values so far), so that its steps are methods, not closures."""

    def __init__(self, m: AllocationModel, published: Mapping[int, Pools]) -> None:
        self.m = m
        self.published = published
        problem = m.problem
        self.new_venues = {v.id for v in problem.venues if not v.surveyed} - set(m.workflow.surveyed)
        self.host_busy: dict[int, list[tuple[int, int]]] = defaultdict(list)
        self.op_busy: dict[int, list[tuple[int, int, str | None]]] = defaultdict(list)
        self.kit_busy: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
        forever = 2**62
        for h in m.workflow.kit_holds:
            if h.request is None:
                self.kit_busy[h.kit].append((h.start, forever if h.end is None else h.end, h.count))
        self.done: set[str] = set()
        self.values: dict[Var, int] = dict.fromkeys(
            [*m.served.values(), *m.host.values(), *m.operator.values(), *m.self_operated.values(),
             *m.unit_operator.values()], 0
        )  # fmt: skip
        self.unit_operators = UnitOperatorsBusy(problem)  # the units' trained operators, one meeting at a time
        self.held_tasks: set[tuple[Role, str]] = set()
        self.survey_at: dict[str, int] = {}  # new venue -> the survey position placed for it
        self.series_pool: dict[str, int] = {}  # series -> the host pool its first placed occurrence took
        self.venue_first: dict[str, int] = {}  # new venue -> the earliest start of an event placed there
        self.overtime_used: dict[tuple[int, tuple[int, int]], int] = defaultdict(int)  # (pool, ISO week) -> min
        cap = problem.policy.overtime.max_per_week_min if problem.policy.overtime is not None else None
        self.overtime_cap = cap

    def order(self) -> list[int]:
        """The events in the order they are tried, apart from `greedy_hint` so that it stays short."""
        m, published = self.m, self.published
        # A newcomer of a tier above some published request may displace it (the stability rule lets it): it goes
        # first with the published ones, which then fit around it where they can.
        lightest = min((m.cands[p].weight for p in published), default=0)
        return sorted(
            (pos for pos, c in enumerate(m.cands) if c.role is Role.EVENT),
            key=lambda p: (
                p not in published and m.cands[p].weight <= lightest,
                -m.cands[p].weight,
                p not in published,
                abs(m.cands[p].shift),
                m.cands[p].start,
                p,
            ),
        )

    def letter_order(self) -> list[int]:
        """The events as their letters came, each request at its preferred start first; what is held (pinned or
        frozen, `published`) first, with the rest of its series, as an office keeps a series it has begun."""
        m = self.m
        held_series = {series.series_of(m.cands[p]) for p in self.published} - {None}

        def held(p: int) -> bool:
            return p in self.published or series.series_of(m.cands[p]) in held_series

        events = (pos for pos, c in enumerate(m.cands) if c.role is Role.EVENT)
        return sorted(
            events, key=lambda p: (not held(p), letter_key(m.cands[p]), abs(m.cands[p].shift), m.cands[p].start, p)
        )

    def host_for(self, pos: int) -> int | None:
        """The host pool the event takes: the published one first, then the smallest that fits."""
        m = self.m
        c = m.cands[pos]
        options = sorted(m.host_options[pos].items(), key=lambda it: (it[1].oversize, it[0]))
        before = self.published.get(pos, (None, {}))[0]
        options.sort(key=lambda it: it[0] != before)  # the published pool first, then the smallest that fits
        ref = series.series_of(c)
        if ref is not None and ref in self.series_pool:
            options = [it for it in options if it[0] == self.series_pool[ref]]  # one host for the whole series
        elif ref is not None:
            options.sort(key=lambda it: -self.free_for_series(ref, it[0]))  # the host free for most occurrences
        for g, opt in options:
            pool = m.host_pools[g]
            if c.request.kind is HostKind.WEBINAR and pool.slots_per_member > 1:
                continue
            if _peak(self.host_busy[g], opt.start, opt.end) < pool.capacity:
                return g
        return None

    def free_for_series(self, ref: str, g: int) -> int:
        """How many occurrences of the series the host pool could still take."""
        m = self.m
        pool = m.host_pools[g]
        fits = 0
        for pos in m.series_events.get(ref, []):
            opt = m.host_options[pos].get(g)
            fits += opt is not None and _peak(self.host_busy[g], opt.start, opt.end) < pool.capacity
        return fits

    def crew_for(self, pos: int) -> dict[int, int] | None:
        """The operators the event takes by pool, the published ones first; None when too few are free."""
        m = self.m
        c = m.cands[pos]
        crew: dict[int, int] = {}
        need = c.operators_needed
        before = self.published.get(pos, (None, {}))[1]
        options = sorted(m.operator_options[pos].items(), key=lambda it: (-before.get(it[0], 0), it[1].overtime, it[0]))
        for g, work in options:
            if need == 0:
                break
            if work.capped and not self.overtime_left(g, work.day, work.capped):
                continue
            free = self.free_in(g, work.start, work.end, c.site)
            if free <= 0:
                continue
            take = min(free, need, len(m.operator_pools[g].members))
            crew[g] = take
            need -= take
        return None if need else crew

    def overtime_left(self, g: int, day: int, minutes: int) -> bool:
        """The operator's weekly overtime cap leaves room for `minutes` more in the week of `day`."""
        cap = self.overtime_cap
        return cap is None or self.overtime_used[g, iso_week(day)] + minutes <= cap

    def free_in(self, g: int, start: int, end: int, site: str | None) -> int:
        """Members of the pool free over [start, end) and, for on-site work by one operator, able to travel."""
        m = self.m
        pool = m.operator_pools[g]
        busy = self.op_busy[g]
        free = pool.capacity - _peak([(s, e) for s, e, _v in busy], start, end)
        if free > 0 and site is not None and len(pool.members) == 1:
            tight = any(
                there is not None
                and there != site
                and (
                    e <= start < e + m.problem.travel_min(there, site)
                    or end <= s < end + m.problem.travel_min(site, there)
                )
                for s, e, there in busy
            )
            return 0 if tight else free
        return free

    def place(self, pos: int, host_pool: int | None, crew: dict[int, int]) -> None:
        """Serve the position on that host pool with that crew, and mark them busy for what comes after."""
        m = self.m
        c = m.cands[pos]
        self.values[m.served[pos]] = 1
        if host_pool is not None:
            ref = series.series_of(c)
            if ref is not None:
                self.series_pool.setdefault(ref, host_pool)
            hosted = m.host_options[pos][host_pool]
            self.host_busy[host_pool].append((hosted.start, hosted.end))
            self.values[m.host[pos, host_pool]] = 1
        for g, n in crew.items():
            span = m.operator_options[pos][g]
            self.op_busy[g].extend([(span.start, span.end, c.site)] * n)
            self.values[m.operator[pos, g]] = n
            self.overtime_used[g, iso_week(span.day)] += span.capped * n

    def unplace(self, pos: int, host_pool: int | None, crew: dict[int, int]) -> None:
        """Undo `place` (the spans it added are the last of their lists)."""
        m = self.m
        self.values[m.served[pos]] = 0
        if host_pool is not None:
            self.host_busy[host_pool].pop()
            self.values[m.host[pos, host_pool]] = 0
        for g, n in crew.items():
            del self.op_busy[g][-n:]
            self.values[m.operator[pos, g]] = 0
            span = m.operator_options[pos][g]
            self.overtime_used[g, iso_week(span.day)] -= span.capped * n

    def hold_tasks(self, tasks: Mapping[int, Pools]) -> None:
        """Place the published rehearsals and surveys that still fit, before the events that need them."""
        m = self.m
        for pos, (host_pool, ops) in tasks.items():
            c = m.cands[pos]
            if c.needs_host != (host_pool is not None) or (
                host_pool is not None and host_pool not in m.host_options[pos]
            ):
                continue
            if any(g not in m.operator_options[pos] for g in ops):
                continue
            self.held_tasks.add((c.role, c.ref))
            self.place(pos, host_pool, ops)
            if c.role is Role.SURVEY:  # a venue has one survey: an event placed later must come after this one
                self.survey_at[c.ref] = pos

    def try_event(self, pos: int) -> None:
        """Place the event if it may be served and fits, with its mandatory rehearsal and its venue's survey."""
        m, published, held_tasks = self.m, self.published, self.held_tasks
        c = m.cands[pos]
        spec = c.request.rehearsal
        if c.ref in self.done or not c.statically_possible:
            return
        held_early = self.early_pickup(pos)  # a held rehearsal using the kits: they leave stock before it
        if not self.kits_free(c, c.kit_start if held_early is None else min(held_early, c.kit_start)):
            return
        host_pick = self.host_for(pos) if c.needs_host else None
        if c.needs_host and host_pick is None:
            return
        found = self.crew_for(pos)
        unit_operator = None
        if found is None:  # none of ours: the unit's own trained operator, if one is free then
            unit_operator = self.unit_operators.free_for(c.request, c.start, c.end) if c.self_operable else None
            if unit_operator is None:
                return
        crew = found if found is not None else {}  # none of ours: the unit's own trained operator runs it
        was_published = pos in published
        rehearsal = None
        if spec is not None and spec.mandatory and not (was_published and (Role.REHEARSAL, c.ref) in held_tasks):
            rehearsal = self.rehearsal_for(pos, crew)
            if rehearsal is None:
                return
            self.place(*rehearsal)
        venue = c.site
        surveyed = (was_published and (Role.SURVEY, venue) in held_tasks) or venue not in self.new_venues
        if not surveyed and not self.survey_before(pos):
            if rehearsal is not None:
                self.unplace(*rehearsal)
            return
        if venue is not None:
            self.venue_first[venue] = min(self.venue_first.get(venue, c.start), c.start)
        self.done.add(c.ref)
        self.place(pos, host_pick, crew)
        if unit_operator is not None:
            self.values[m.self_operated[pos]] = 1
            self.values[m.unit_operator[pos, unit_operator]] = 1
            self.unit_operators.take(unit_operator, c.start, c.end)
        pickup = self.early_pickup(pos)
        for k, n in c.kits:
            self.kit_busy[k].append((c.kit_start if pickup is None else min(pickup, c.kit_start), c.kit_end, n))

    def kits_free(self, c: Candidates, pickup: int) -> bool:
        """The event's kits are in stock from `pickup` (its own, or its rehearsal's) until their return."""
        stock = self.m.workflow.kit_stock
        return all(_peak_count(self.kit_busy[k], pickup, c.kit_end) + need <= stock.get(k, 0) for k, need in c.kits)

    def early_pickup(self, pos: int) -> int | None:
        """The pickup of the event's kits for its placed rehearsal, when that rehearsal uses them."""
        m = self.m
        placed = [r for r in m.rehearsals_of.get(m.cands[pos].ref, []) if self.values[m.served[r]] and m.cands[r].kits]
        return m.cands[placed[0]].kit_start if placed else None

    def rehearsal_for(self, pos: int, crew: dict[int, int]) -> tuple[int, int | None, dict[int, int]] | None:
        """The latest rehearsal position before the event with a free host (online) and the event's own crew."""
        m = self.m
        options = [r for r in m.rehearsals_of.get(m.cands[pos].ref, []) if rehearsal_fits(m, r, pos)]
        for r in sorted(options, key=lambda r: -m.cands[r].start):
            host = self.host_for(r) if m.cands[r].needs_host else None
            if m.cands[r].needs_host and host is None:
                continue
            ops = m.operator_options[r]
            site = m.cands[r].site
            if m.cands[r].kits and not self.kits_free(m.cands[pos], min(m.cands[r].kit_start, m.cands[pos].kit_start)):
                continue
            if all(g in ops and self.free_in(g, ops[g].start, ops[g].end, site) >= n for g, n in crew.items()):
                return r, host, crew
        return None

    def survey_before(self, pos: int) -> bool:
        """The venue's survey is placed and early enough for this event, or is placed now (the latest that suits
        every event placed there): False when none can be."""
        m = self.m
        c = m.cands[pos]
        assert c.site is not None
        pol = m.problem.policy
        placed = self.survey_at.get(c.site)
        if placed is not None:
            return m.cands[placed].end + pol.survey_lead_min <= c.start
        first = min(self.venue_first.get(c.site, c.start), c.start)
        for s in sorted(m.surveys_of.get(c.site, []), key=lambda s: -m.cands[s].start):
            sc = m.cands[s]
            if sc.end + pol.survey_lead_min > first or first > sc.start + pol.survey_window_min:
                continue
            crew = self.crew_for(s)
            if crew is not None:
                self.place(s, None, crew)
                self.survey_at[c.site] = s
                return True
        return False
