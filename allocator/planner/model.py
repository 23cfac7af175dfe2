"""The CP-SAT model of one independent part of the problem, one function per rule.

Start and end times are fixed (the office asked for them), so overlaps are known before solving: every
"at most k at once" rule becomes a sum over the maximal sets of mutually overlapping meetings (the
cliques of an interval graph). That formulation is exact and gives the LP a tight bound.

Interchangeable resources (hosts or operators every request here sees alike, and that no pin, freeze or
previous assignment names) are merged into one pool with their summed capacity. That removes the
symmetry between them outright; it is exact because fixed intervals that never exceed k at once can
always be shared out over k identical slots (interval graphs are perfect), which `assignments` does
afterwards, first-fit in start order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Container, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date
from typing import Protocol

from ortools.sat.python import cp_model

from allocator.planner import self_operated, series
from allocator.planner.candidates import Candidates, HostOption, OperatorOption, Role
from allocator.planner.components import maximal_cliques
from allocator.planner.domain import Assignment, HostKind, Problem, TaskSlot
from allocator.planner.errors import InvalidPlan
from allocator.planner.workflow import KitHold

Var = cp_model.IntVar


@dataclass(frozen=True)
class Pool:
    """Resources (indexes into problem.hosts or problem.operators) the model treats as one."""

    members: tuple[int, ...]
    slots_per_member: int

    @property
    def capacity(self) -> int:
        return len(self.members) * self.slots_per_member


@dataclass(frozen=True)
class Workflow:
    """What ties positions beyond shared resources: kits, kits already out, travel conflicts."""

    kit_stock: Mapping[str, int] = field(default_factory=dict)
    kit_holds: Sequence[KitHold] = ()
    travel: Sequence[tuple[int, int, int]] = ()  # (operator, position, position), positions local to the model
    surveyed: frozenset[str] = frozenset()  # new venues whose survey another, earlier-solved part has placed


@dataclass
class AllocationModel:
    """Variables of one component; positions are indexes into `cands`."""

    problem: Problem
    cands: list[Candidates]
    host_pools: list[Pool] = field(default_factory=list)
    operator_pools: list[Pool] = field(default_factory=list)
    host_pool_of: dict[int, int] = field(default_factory=dict)
    operator_pool_of: dict[int, int] = field(default_factory=dict)
    host_options: list[dict[int, HostOption]] = field(default_factory=list)  # per position: pool -> option
    operator_options: list[dict[int, OperatorOption]] = field(default_factory=list)
    model: cp_model.CpModel = field(default_factory=cp_model.CpModel)
    served: dict[int, Var] = field(default_factory=dict)
    host: dict[tuple[int, int], Var] = field(default_factory=dict)  # (position, host pool): 0/1
    operator: dict[tuple[int, int], Var] = field(default_factory=dict)  # (position, operator pool): how many
    kept: dict[int, Var] = field(default_factory=dict)  # previous assignment kept exactly
    forced_changes: int = 0  # previous assignments that can no longer be kept at all
    called_in: dict[tuple[int, int], Var] = field(default_factory=dict)  # (operator pool, day): how many
    workflow: Workflow = field(default_factory=Workflow)
    events_of: dict[str, list[int]] = field(default_factory=dict)  # request ref -> its event positions
    rehearsals_of: dict[str, list[int]] = field(default_factory=dict)  # request ref -> its rehearsal positions
    surveys_of: dict[str, list[int]] = field(default_factory=dict)  # venue -> its survey positions
    surveyed: dict[str, Var] = field(default_factory=dict)  # new venue -> 1 if one of its surveys is planned
    day_cliques: dict[tuple[int, int], list[list[int]]] = field(default_factory=dict)  # behind called_in
    kept_as: dict[int, tuple[int | None, dict[int, int]]] = field(default_factory=dict)  # pos -> previous pools
    series_events: dict[str, list[int]] = field(default_factory=dict)  # series ref -> its occurrences' positions
    series_host: dict[tuple[str, int], Var] = field(default_factory=dict)  # (series, host pool): the one it takes
    self_operated: dict[int, Var] = field(default_factory=dict)  # position -> 1 if the unit runs it itself
    # (position, index in problem.unit_operators) -> 1 if that trained unit operator runs it (self-operated)
    unit_operator: dict[tuple[int, int], Var] = field(default_factory=dict)
    # (rehearsal positions, event positions whose kits are picked up) -> 1 if the kits are held for the rehearsal
    kit_early: dict[tuple[tuple[int, ...], tuple[int, ...]], Var] = field(default_factory=dict)
    # request ref -> the indexes of its stability rows (`add_published_stay_unless_outranked`), to release them
    stability: dict[str, list[int]] = field(default_factory=dict)

    def served_any(self, ref: str) -> cp_model.LinearExprT:
        """1 if the request is served at any of its allowed starts."""
        return sum(self.served[p] for p in self.events_of.get(ref, []))

    def variables(self) -> list[Var]:
        return [*self.served.values(), *self.host.values(), *self.operator.values(), *self.kept.values(),
                *self.called_in.values(), *self.surveyed.values(), *self.series_host.values(),
                *self.self_operated.values(), *self.unit_operator.values(), *self.kit_early.values()]  # fmt: skip


def _pools(
    signatures: dict[int, tuple[object, ...]], slots: Callable[[int], int], poolable: Callable[[int], bool]
) -> tuple[list[Pool], dict[int, int]]:
    by_signature: dict[tuple[object, ...], list[int]] = defaultdict(list)
    for res in sorted(signatures):
        key = signatures[res] if poolable(res) else ("alone", res)
        by_signature[(slots(res), *key)].append(res)
    pools = [Pool(tuple(members), slots(members[0])) for members in by_signature.values()]
    pools.sort(key=lambda p: p.members)
    return pools, {res: i for i, p in enumerate(pools) for res in p.members}


def pool_interchangeable_resources(
    m: AllocationModel, named_hosts: set[int], named_operators: set[int], enabled: bool
) -> None:
    host_sig: dict[int, list[tuple[int, int, int, int]]] = defaultdict(list)
    op_sig: dict[int, list[tuple[int, int, int, int, int, int]]] = defaultdict(list)
    webinar_seen = any(c.request.kind is HostKind.WEBINAR for c in m.cands)
    for pos, c in enumerate(m.cands):
        for h in c.hosts:
            host_sig[h.host].append((pos, h.start, h.end, h.oversize))
        for o in c.operators:
            op_sig[o.operator].append((pos, o.start, o.end, o.day, o.overtime, o.capped))
    hosts = m.problem.hosts

    def host_poolable(i: int) -> bool:
        # A webinar needs a whole host, which pooled slots of two-meeting hosts cannot promise.
        return enabled and i not in named_hosts and not (webinar_seen and hosts[i].max_concurrent > 1)

    m.host_pools, m.host_pool_of = _pools(
        {i: tuple(s) for i, s in host_sig.items()}, lambda i: hosts[i].max_concurrent, host_poolable
    )
    m.operator_pools, m.operator_pool_of = _pools(
        {i: tuple(s) for i, s in op_sig.items()}, lambda i: 1, lambda i: enabled and i not in named_operators
    )
    for c in m.cands:
        m.host_options.append({m.host_pool_of[h.host]: h for h in c.hosts})
        m.operator_options.append({m.operator_pool_of[o.operator]: o for o in c.operators})


def index_positions(m: AllocationModel) -> None:
    for pos, c in enumerate(m.cands):
        table = {Role.EVENT: m.events_of, Role.REHEARSAL: m.rehearsals_of, Role.SURVEY: m.surveys_of}[c.role]
        table.setdefault(c.ref, []).append(pos)


def create_assignment_variables(m: AllocationModel) -> None:
    for pos, c in enumerate(m.cands):
        ref = c.request.ref
        m.served[pos] = m.model.new_bool_var(f"served[{ref}]")
        for g in m.host_options[pos]:
            m.host[pos, g] = m.model.new_bool_var(f"host[{ref},pool{g}]")
        for g in m.operator_options[pos]:
            most = min(c.operators_needed, len(m.operator_pools[g].members))
            m.operator[pos, g] = m.model.new_int_var(0, most, f"operators[{ref},pool{g}]")
    self_operated.create_variables(m)


def add_served_means_fully_resourced(m: AllocationModel) -> None:
    """A served request has exactly one host (if it needs one) and exactly the operators it asked for (none of ours
    when its unit runs it itself)."""
    for pos, c in enumerate(m.cands):
        served = m.served[pos]
        if c.needs_host:
            m.model.add(sum(m.host[pos, g] for g in m.host_options[pos]) == served)
        if c.operators_needed:
            m.model.add(
                sum(m.operator[pos, g] for g in m.operator_options[pos]) == self_operated.operators_wanted(m, pos)
            )
        if not c.statically_possible:
            m.model.add(served == 0)


class _Span(Protocol):
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...


def _spans_by_pool(options: Sequence[Mapping[int, _Span]]) -> dict[int, list[tuple[int, int, int]]]:
    spans: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for pos, per_pool in enumerate(options):
        for g, opt in per_pool.items():
            spans[g].append((opt.start, opt.end, pos))
    return spans


def add_host_concurrency(m: AllocationModel) -> None:
    """Per host, at most `max_concurrent` meetings at once, buffers included (per pool: the sum)."""
    for g, spans in _spans_by_pool(m.host_options).items():
        limit = m.host_pools[g].capacity
        for clique in maximal_cliques(spans):
            if len(clique) <= limit:
                continue
            lits = [m.host[pos, g] for pos in clique]
            if limit == 1:
                m.model.add_at_most_one(lits)
            else:
                m.model.add(sum(lits) <= limit)


def add_webinar_alone_on_host(m: AllocationModel) -> None:
    """A webinar never shares its host with anything, buffers included."""
    for g, spans in _spans_by_pool(m.host_options).items():
        if m.host_pools[g].slots_per_member == 1:
            continue  # one meeting at a time already keeps everything apart
        for clique in maximal_cliques(spans):
            for w in clique:
                if m.cands[w].request.kind is HostKind.WEBINAR:
                    for other in clique:
                        if other != w:
                            m.model.add_at_most_one([m.host[w, g], m.host[other, g]])


def add_operator_no_overlap(m: AllocationModel) -> None:
    """An operator does one thing at a time, setup and teardown included (a pool: as many as members)."""
    for g, clique in operator_overlaps(m):
        m.model.add(sum(m.operator[pos, g] for pos in clique) <= m.operator_pools[g].capacity)


def operator_overlaps(m: AllocationModel, among: Container[int] | None = None) -> Iterator[tuple[int, list[int]]]:
    """Per operator pool, each maximal set of positions overlapping on it (setup and teardown included) that could
    ask more of the pool than it has: where one thing at a time per operator needs a row. `among`: only these
    positions."""
    for g, spans in _spans_by_pool(m.operator_options).items():
        limit = m.operator_pools[g].capacity
        mine = spans if among is None else [span for span in spans if span[2] in among]
        for clique in maximal_cliques(mine):
            if sum(min(m.cands[pos].operators_needed, limit) for pos in clique) > limit:
                yield g, clique


def add_one_start_per_request(m: AllocationModel) -> None:
    """A flexible request is served at one of its allowed starts at most."""
    for positions in m.events_of.values():
        if len(positions) > 1:
            m.model.add_at_most_one(m.served[p] for p in positions)


def rehearsal_fits(m: AllocationModel, r: int, v: int) -> bool:
    spec = m.cands[v].request.rehearsal
    assert spec is not None
    rc, vc = m.cands[r], m.cands[v]
    return rc.start >= vc.start - spec.window_start_min_before and rc.end <= vc.start - spec.end_min_before


def add_rehearsal_before_event(m: AllocationModel) -> None:
    """One rehearsal at most, only before a served start it fits (inside that start's window), with the very
    operators of the event; a mandatory rehearsal is a condition of serving the event."""
    for ref, rehearsals in m.rehearsals_of.items():
        events = m.events_of.get(ref, [])
        m.model.add_at_most_one(m.served[r] for r in rehearsals)
        for r in rehearsals:
            m.model.add(m.served[r] <= sum(m.served[v] for v in events if rehearsal_fits(m, r, v)))
            for g in m.operator_options[r]:
                on_event = [m.operator[v, g] for v in events if g in m.operator_options[v]]
                m.model.add(m.operator[r, g] <= sum(on_event))
        for v in events:
            spec = m.cands[v].request.rehearsal
            if spec is not None and spec.mandatory:
                m.model.add(m.served[v] <= sum(m.served[r] for r in rehearsals if rehearsal_fits(m, r, v)))
    for ref, events in m.events_of.items():
        spec = m.cands[events[0]].request.rehearsal
        if spec is not None and spec.mandatory and ref not in m.rehearsals_of:
            for v in events:
                m.model.add(m.served[v] == 0)


def add_survey_before_new_venue(m: AllocationModel) -> None:
    """A new venue's on-site events need one survey, ending `survey_lead_min` before the first of them and
    starting at most `survey_window_min` before it."""
    pol = m.problem.policy
    new_venues = {v.id for v in m.problem.venues if not v.surveyed}
    at_venue: dict[str, list[int]] = defaultdict(list)
    for pos, c in enumerate(m.cands):
        if c.role is Role.EVENT and c.site in new_venues:
            at_venue[c.site].append(pos)
    for venue, events in at_venue.items():
        surveys = m.surveys_of.get(venue, [])
        if not surveys and venue in m.workflow.surveyed:
            continue  # surveyed before this part's events, in the part holding the venue's first days
        done = m.model.new_bool_var(f"surveyed[{venue}]")
        m.surveyed[venue] = done
        m.model.add(sum(m.served[s] for s in surveys) == done)  # one survey at most
        for e in events:
            m.model.add_implication(m.served[e], done)
            # The event and every survey option ending too late for it: at most one of them.
            too_late = [m.served[s] for s in surveys if m.cands[e].start < m.cands[s].end + pol.survey_lead_min]
            if too_late:
                m.model.add_at_most_one([m.served[e], *too_late])
        for s in surveys:
            near = [m.served[e] for e in events if m.cands[e].start <= m.cands[s].start + pol.survey_window_min]
            m.model.add(m.served[s] <= sum(near))


def add_kit_stock(m: AllocationModel) -> None:
    """At any moment the kits held (by served requests, and kits already out) stay within stock.

    A request holds its kits once, from their pickup to their return: before its event's own pickup only when
    its rehearsal uses them (`RehearsalSpec.uses_kits`), from that rehearsal's pickup on (see `_held_early`)."""
    wf = m.workflow
    forever = 2**62
    for kit, stock in wf.kit_stock.items():
        spans: list[tuple[int, int, int]] = []
        counts: dict[int, int] = {}
        for pos, c in enumerate(m.cands):
            for k, n in c.kits:
                if k == kit:
                    spans.append((c.kit_start, c.kit_end, pos))
                    counts[pos] = n
        if not spans:
            continue
        holds = [h for h in wf.kit_holds if h.kit == kit]
        for i, h in enumerate(holds):
            spans.append((h.start, forever if h.end is None else h.end, -1 - i))
        starts = {key: s for s, _e, key in spans}
        for clique in maximal_cliques(spans):
            used = [key for key in clique if key >= 0 and m.cands[key].role is not Role.REHEARSAL]
            early: dict[str, list[int]] = defaultdict(list)  # a request's rehearsals holding its kits early
            for key in clique:
                if key >= 0 and m.cands[key].role is Role.REHEARSAL:
                    early[m.cands[key].ref].append(key)
            fixed_out = sum(holds[-1 - key].count for key in clique if key < 0 and holds[-1 - key].request is None)
            in_play = [holds[-1 - key] for key in clique if key < 0 and holds[-1 - key].request is not None]
            most = sum(counts[p] for p in used) + sum(counts[rs[0]] for rs in early.values())
            if most + fixed_out + sum(h.count for h in in_play) <= stock:
                continue
            at = max(starts[key] for key in clique)  # the moment at which the clique's spans all overlap
            terms: list[cp_model.LinearExprT] = [counts[p] * m.served[p] for p in used]
            terms += [counts[rs[0]] * _held_early(m, ref, rs, at) for ref, rs in early.items()]
            terms += [h.count * (1 - m.served_any(h.request or "")) for h in in_play]
            m.model.add(sum(terms) + fixed_out <= stock)


def _held_early(m: AllocationModel, ref: str, rehearsals: list[int], at: int) -> cp_model.LinearExprT:
    """1 if the request holds its kits at minute `at` for its rehearsal only: a rehearsal among `rehearsals` (those
    whose kits are picked up by `at`, before the latest pickup of the request's event starts) is served and the
    served event start's own pickup is still to come. With one event start that is just the rehearsal served;
    a flexible request's served start whose pickup is past holds the kits itself (counted as an event)."""
    rehearsed = sum(m.served[r] for r in rehearsals)
    picked = [v for v in m.events_of.get(ref, []) if m.cands[v].kits and m.cands[v].kit_start <= at]
    if not picked:
        return rehearsed
    key = (tuple(rehearsals), tuple(picked))
    held = m.kit_early.get(key)
    if held is None:
        held = m.model.new_bool_var(f"kits_early[{ref},{at}]")
        m.model.add(held >= rehearsed - sum(m.served[v] for v in picked))
        m.kit_early[key] = held
    return held


def add_travel_time(m: AllocationModel) -> None:
    """An operator cannot do two on-site tasks at different venues with less than the travel time between:
    an on-site task done excludes, for that operator, every task elsewhere starting too soon after it."""
    too_soon: dict[tuple[int, int], list[int]] = defaultdict(list)
    for op, p1, p2 in m.workflow.travel:
        g = m.operator_pool_of.get(op)
        if g is None or (p1, g) not in m.operator or (p2, g) not in m.operator:
            continue
        if len(m.operator_pools[g].members) != 1:
            raise InvalidPlan(f"operator {op} has travel rules but was pooled")
        too_soon[p1, g].append(p2)
    for (p1, g), later in too_soon.items():
        if len(later) == 1:
            m.model.add(m.operator[p1, g] + m.operator[later[0], g] <= 1)
        else:
            m.model.add(sum(m.operator[p2, g] for p2 in later) == 0).only_enforce_if(m.operator[p1, g])


def add_weekly_overtime_cap(m: AllocationModel) -> None:
    """An operator's overtime (holiday duty aside) stays within the site's cap per ISO week (docs/calendar.md)."""
    overtime = m.problem.policy.overtime
    if overtime is None or overtime.max_per_week_min is None:
        return
    per_week: dict[tuple[int, tuple[int, int]], list[tuple[int, int, int]]] = defaultdict(list)
    for pos, per_pool in enumerate(m.operator_options):
        for g, o in per_pool.items():
            if o.capped:
                per_week[g, iso_week(o.day)].append((pos, g, o.capped))
    for terms in per_week.values():
        if sum(minutes for _p, _g, minutes in terms) > overtime.max_per_week_min:
            m.model.add(sum(minutes * m.operator[p, g] for p, g, minutes in terms) <= overtime.max_per_week_min)


def iso_week(day: int) -> tuple[int, int]:
    """The ISO year and week of a date ordinal."""
    year, week, _ = date.fromordinal(day).isocalendar()
    return year, week


def add_series_rules(m: AllocationModel) -> None:
    """A series keeps one host for every occurrence, and an all-or-nothing one is served whole (see `series`)."""
    m.series_events = series.event_groups(m.cands)
    if m.series_events:
        m.series_host = series.add_same_host(m.model, m.series_events, m.host, m.host_options)
        series.add_served_together(m.model, m.series_events, m.served, series.all_or_nothing(m.problem))


def chosen_pools(m: AllocationModel, a: Assignment | TaskSlot) -> tuple[int | None, dict[int, int]]:
    """The host pool and operators by pool of an assignment or a task slot (pool -1: not in this part)."""
    host_index = {h.id: i for i, h in enumerate(m.problem.hosts)}
    op_index = {o.id: i for i, o in enumerate(m.problem.operators)}
    host_pool = m.host_pool_of.get(host_index[a.host], -1) if a.host is not None else None
    ops: dict[int, int] = defaultdict(int)
    for o in a.operators:
        ops[m.operator_pool_of.get(op_index[o], -1)] += 1
    return host_pool, dict(ops)


def add_fixed_assignments(m: AllocationModel, fixed: Mapping[int, Assignment | TaskSlot]) -> None:
    """Pinned and frozen requests (and held tasks) keep exactly their host and operators (never pooled, so named
    exactly)."""
    for pos, a in fixed.items():
        host_pool, ops = chosen_pools(m, a)
        m.model.add(m.served[pos] == 1)
        for g in m.host_options[pos]:
            m.model.add(m.host[pos, g] == int(g == host_pool))
        for g in m.operator_options[pos]:
            m.model.add(m.operator[pos, g] == ops.get(g, 0))


def add_redundant_pool_limits(m: AllocationModel) -> None:
    """At any moment, the meetings needing at least a given size fit in the hosts of that size or larger.

    Implied by the per-host rules; stated once more over the whole pool it lets propagation see an
    overloaded size class before it has tried every host in it.
    """
    hosts = m.problem.hosts
    for level in sorted({h.capacity for h in hosts}):
        pool = sum(h.max_concurrent for h in hosts if h.capacity >= level)
        spans = [
            (c.start, c.end, pos)
            for pos, c in enumerate(m.cands)
            if c.needs_host and c.hosts and min(hosts[h.host].capacity for h in c.hosts) >= level
        ]
        for clique in maximal_cliques(spans):
            if len(clique) > pool:
                m.model.add(sum(m.served[pos] for pos in clique) <= pool)


def link_previous_assignments(m: AllocationModel, previous: dict[int, Assignment]) -> None:
    """`kept[pos]` may be true only when the request has exactly its previous host and operators."""
    for pos, a in previous.items():
        c = m.cands[pos]
        host_pool, ops = chosen_pools(m, a)
        possible = c.needs_host == (a.host is not None) and self_operated.previous_shape_fits(m, pos, a)
        possible = possible and (host_pool is None or host_pool in m.host_options[pos])
        possible = possible and all(g in m.operator_options[pos] for g in ops)
        if not possible:
            m.forced_changes += 1
            continue
        kept = m.model.new_bool_var(f"kept[{c.request.ref}]")
        m.model.add_implication(kept, m.served[pos])
        m.kept_as[pos] = (host_pool, ops)
        if host_pool is not None:
            m.model.add_implication(kept, m.host[pos, host_pool])
        for g, n in ops.items():
            m.model.add(m.operator[pos, g] == n).only_enforce_if(kept)
        self_operated.link_kept(m, pos, kept, a)
        m.kept[pos] = kept


def add_published_stay_unless_outranked(
    m: AllocationModel, previous: dict[int, Assignment], notified: set[str]
) -> None:
    """Stability: a published request stays served, and one whose PIC already has the link keeps its host and
    operators, unless a request of a higher tier that was not served before is served in this part.

    So a new low-priority request never displaces anything, and nobody's link changes to fit a peer.
    """
    # Every published request, not only those free here: a re-plan settled around its newcomers holds the rest as
    # fixed positions, which must not count as newcomers outranking the free ones (they were served before).
    before = {m.cands[pos].ref for pos in previous} | {a.request for a in m.problem.previous}
    newcomers = [
        (c.weight, m.served[pos]) for pos, c in enumerate(m.cands) if c.role is Role.EVENT and c.ref not in before
    ]
    for pos in previous:
        if pos not in m.kept:
            continue  # its published assignment is no longer possible at all
        outranking = [served for weight, served in newcomers if weight > m.cands[pos].weight]
        rows = m.stability.setdefault(m.cands[pos].ref, [])
        rows.append(m.model.add(sum(outranking) >= 1 - m.served_any(m.cands[pos].ref)).index)
        if m.cands[pos].request.ref in notified:
            rows.append(m.model.add(sum(outranking) >= 1 - m.kept[pos]).index)


def release_published(m: AllocationModel, refs: Iterable[str]) -> None:
    """The stability rule lifted for these published requests only (they no longer fit as published: a rule
    tightened), kept for the rest: their rows enforced only by a literal fixed false."""
    off = m.model.new_bool_var("released")
    m.model.add(off == 0)
    for ref in refs:
        for row in m.stability.pop(ref, []):
            m.model.model_proto.constraints[row].enforcement_literal.append(off.index)


def link_operator_days(m: AllocationModel) -> None:
    """`called_in[pool, day]` counts the operators of a pool working that day: its busiest moment."""
    per_day: dict[tuple[int, int], list[tuple[int, int, int]]] = defaultdict(list)
    for pos, per_pool in enumerate(m.operator_options):
        for g, o in per_pool.items():
            per_day[g, o.day].append((o.start, o.end, pos))
    for (g, day), spans in per_day.items():
        size = len(m.operator_pools[g].members)
        count = m.model.new_int_var(0, size, f"called_in[pool{g},{day}]")
        m.called_in[g, day] = count
        m.day_cliques[g, day] = maximal_cliques(spans)
        for clique in m.day_cliques[g, day]:
            m.model.add(count >= sum(m.operator[pos, g] for pos in clique))


def served_weight(m: AllocationModel) -> cp_model.LinearExprT:
    return sum(c.weight * m.served[pos] for pos, c in enumerate(m.cands))


def served_weight_of(m: AllocationModel, values: Mapping[Var, int]) -> int:
    """The served weight of a plan given as the model's values (a variable left out: not served)."""
    return sum(c.weight for pos, c in enumerate(m.cands) if values.get(m.served[pos]))


def rehearsals(m: AllocationModel) -> cp_model.LinearExprT:
    return sum(m.served[p] for positions in m.rehearsals_of.values() for p in positions)


def moved_from_requested(m: AllocationModel) -> cp_model.LinearExprT:
    return sum(abs(c.shift) * m.served[pos] for pos, c in enumerate(m.cands) if c.shift)


def changes(m: AllocationModel) -> cp_model.LinearExprT:
    return m.forced_changes + sum(1 - k for k in m.kept.values())


def operator_days(m: AllocationModel) -> cp_model.LinearExprT:
    return sum(m.called_in.values())


def overtime_minutes(m: AllocationModel) -> cp_model.LinearExprT:
    """Minutes operators work outside working time (overtime, holiday duty; docs/calendar.md)."""
    return sum(
        opt.overtime * m.operator[pos, g]
        for pos, per_pool in enumerate(m.operator_options)
        for g, opt in per_pool.items()
        if opt.overtime
    )


def oversized_licences(m: AllocationModel) -> cp_model.LinearExprT:
    return sum(
        opt.oversize * m.host[pos, g] for pos, per_pool in enumerate(m.host_options) for g, opt in per_pool.items()
    )


def build_model(
    problem: Problem,
    cands: list[Candidates],
    fixed: Mapping[int, Assignment | TaskSlot],
    previous: dict[int, Assignment],
    *,
    pool_interchangeable: bool = True,
    redundant_constraints: bool = True,
    stability: bool = True,
    notified: set[str] | None = None,
    workflow: Workflow | None = None,
) -> AllocationModel:
    m = AllocationModel(problem, cands, workflow=workflow or Workflow())
    named = [*fixed.values(), *previous.values()]
    host_ids = {a.host for a in named} | {problem.hosts[i].id for i in series.hosts_to_name(cands)}
    op_ids = {o for a in named for o in a.operators}
    # Rehearsals need the event's own operator and travel depends on the order of tasks: pooled slots cannot
    # promise either, so the operators involved are modelled one by one.
    personal = {o.operator for c in cands if c.role is Role.REHEARSAL for o in c.operators}
    personal |= {op for op, _p1, _p2 in m.workflow.travel}
    personal |= {o.operator for c in cands for o in c.operators if o.capped}  # a weekly cap is per operator
    pool_interchangeable_resources(
        m,
        {i for i, h in enumerate(problem.hosts) if h.id in host_ids},
        {i for i, o in enumerate(problem.operators) if o.id in op_ids} | personal,
        enabled=pool_interchangeable,
    )
    index_positions(m)
    create_assignment_variables(m)
    add_served_means_fully_resourced(m)
    add_one_start_per_request(m)
    add_rehearsal_before_event(m)
    add_survey_before_new_venue(m)
    add_kit_stock(m)
    add_travel_time(m)
    add_weekly_overtime_cap(m)
    add_host_concurrency(m)
    add_webinar_alone_on_host(m)
    add_operator_no_overlap(m)
    self_operated.add_one_meeting_at_a_time(m)
    add_fixed_assignments(m, fixed)
    add_series_rules(m)
    link_previous_assignments(m, previous)
    if stability:
        add_published_stay_unless_outranked(m, previous, notified or set())
    link_operator_days(m)
    if redundant_constraints:
        add_redundant_pool_limits(m)
    return m


def hint(m: AllocationModel, values: Iterable[tuple[Var, int]]) -> None:
    """The hint written to the model's proto at once: `CpModel.add_hint` per variable took 0.05 s per hint of a
    month's large part (fifteen thousand variables; a re-plan hints it three times)."""
    m.model.clear_hints()  # type: ignore[no-untyped-call]
    index: list[int] = []
    value_of: list[int] = []
    for var, value in values:
        if var.index >= 0:
            index.append(var.index)
            value_of.append(int(value))
        else:  # a negated literal: its variable takes the other value
            index.append(-var.index - 1)
            value_of.append(int(not value))
    proto = m.model.model_proto.solution_hint
    proto.vars.extend(index)
    proto.values.extend(value_of)


def complete_hint(m: AllocationModel, values: Mapping[Var, int]) -> dict[Var, int]:
    """`values` for the assignment variables, with every variable they imply: a complete hint lets CP-SAT
    take it as its first solution straight after presolve instead of searching around it."""
    out = dict(values)
    out.update(self_operated.hint_values(m, values))
    by_ref = {a.request: a for a in m.problem.previous}
    for pos, (host_pool, ops) in m.kept_as.items():
        same_host = host_pool is None or values.get(m.host[pos, host_pool], 0) == 1
        same_ops = all(values.get(m.operator[pos, g], 0) == n for g, n in ops.items())
        if pos in m.self_operated:
            before = by_ref.get(m.cands[pos].ref)
            same_ops = same_ops and out[m.self_operated[pos]] == int(before is not None and before.self_operated)
        out[m.kept[pos]] = int(values.get(m.served[pos], 0) == 1 and same_host and same_ops)
    for (g, day), cliques in m.day_cliques.items():
        busiest = max((sum(values.get(m.operator[pos, g], 0) for pos in c) for c in cliques), default=0)
        out[m.called_in[g, day]] = busiest
    for venue, done in m.surveyed.items():
        out[done] = sum(values.get(m.served[s], 0) for s in m.surveys_of.get(venue, []))
    out |= series.chosen_hint(m.series_host, m.series_events, m.host, values)
    for (rehearsals_, picked), held in m.kit_early.items():
        early = sum(values.get(m.served[r], 0) for r in rehearsals_) - sum(values.get(m.served[v], 0) for v in picked)
        out[held] = max(0, early)
    return out


def _share_out(
    pools: list[Pool],
    options: Sequence[Mapping[int, _Span]],
    table: dict[tuple[int, int], Var],
    value: Callable[[Var], int],
    had: Mapping[int, set[int]],
) -> dict[int, list[int]]:
    """Members chosen per position: each pool's demand, first-fit over its slots in start order, a position's
    published members first (`had`: a new host is a new join link, a new operator a new agenda) and members
    someone else had last otherwise. In start order any free slot serves, so the order never costs a fit."""
    chosen: dict[int, list[int]] = defaultdict(list)
    demand: dict[int, list[tuple[int, int, int, int]]] = defaultdict(list)
    for pos, per_pool in enumerate(options):
        for g, opt in per_pool.items():
            n = value(table[pos, g])
            if n:
                demand[g].append((opt.start, pos, opt.end, n))
    wanted = {res for members in had.values() for res in members}
    for g, items in demand.items():
        pool = pools[g]
        slots = [(res, k) for res in pool.members for k in range(pool.slots_per_member)]
        free_at = dict.fromkeys(slots, -(2**62))
        for start, pos, end, n in sorted(items):
            mine = had.get(pos, set())
            taken: list[int] = []
            for slot in sorted(slots, key=lambda s: (s[0] not in mine, s[0] in wanted)):
                if len(taken) == n:
                    break
                if free_at[slot] <= start and slot[0] not in taken:
                    free_at[slot] = end
                    taken.append(slot[0])
            if len(taken) != n:
                raise InvalidPlan(f"resource pool {g} is over capacity at minute {start}: the model let it through")
            chosen[pos].extend(taken)
    return chosen


def _published_members(m: AllocationModel) -> tuple[dict[int, set[int]], dict[int, set[int]]]:
    """Per position, the hosts and operators its published assignment (or task slot) had."""
    host_no = {h.id: i for i, h in enumerate(m.problem.hosts)}
    op_no = {o.id: i for i, o in enumerate(m.problem.operators)}
    by_ref = {a.request: a for a in m.problem.previous}
    surveys = {a.survey.venue: a.survey for a in m.problem.previous if a.survey is not None}
    hosts: dict[int, set[int]] = {}
    ops: dict[int, set[int]] = {}
    for pos, c in enumerate(m.cands):
        a = by_ref.get(c.ref)
        slot: Assignment | TaskSlot | None = a
        if c.role is Role.REHEARSAL:
            slot = a.rehearsal if a is not None else None
        elif c.role is Role.SURVEY:
            slot = surveys.get(c.ref)
        if slot is not None:
            hosts[pos] = {host_no[slot.host]} if slot.host in host_no else set()
            ops[pos] = {op_no[o] for o in slot.operators if o in op_no}
    return hosts, ops


def assignments(m: AllocationModel, value: Callable[[Var], int]) -> list[Assignment]:
    """Read a solution back, sharing each pool's meetings out over its members (see `_share_out`)."""
    had_hosts, had_ops = _published_members(m)
    hosts = _share_out(m.host_pools, m.host_options, m.host, value, had_hosts)
    ops = _share_out(m.operator_pools, m.operator_options, m.operator, value, had_ops)

    # Built from values the problem already validated, without validating them again: a month's part reads back
    # over a thousand assignments, twice per re-plan (0.1 s each). Every field is given (see `rehearsals._held`).
    def slot(pos: int) -> TaskSlot:
        c = m.cands[pos]
        return TaskSlot.model_construct(
            start=c.request.start.astimezone(UTC),  # task times are built in the site's zone
            end=c.request.end.astimezone(UTC),
            host=m.problem.hosts[hosts[pos][0]].id if hosts.get(pos) else None,
            operators=sorted(m.problem.operators[i].id for i in ops.get(pos, [])),
            venue=c.site,
        )

    served = {pos for pos in range(len(m.cands)) if value(m.served[pos])}
    rehearsal_at = {m.cands[p].ref: p for p in served if m.cands[p].role is Role.REHEARSAL}
    first_at: dict[str, tuple[int, str, int]] = {}  # venue -> its first served event (start, ref, position)
    for p in served:
        c = m.cands[p]
        if c.role is Role.EVENT and c.site in m.surveys_of:
            first_at[c.site] = min(first_at.get(c.site, (c.start, c.ref, p)), (c.start, c.ref, p))
    survey_for: dict[int, int] = {}
    for venue, positions in m.surveys_of.items():
        done = [p for p in positions if p in served]
        if done and venue in first_at:
            survey_for[first_at[venue][2]] = done[0]
    out = []
    for pos in sorted(served):
        c = m.cands[pos]
        if c.role is not Role.EVENT:
            continue
        flexible = c.request.window_start is not None
        out.append(
            Assignment.model_construct(
                request=c.ref,
                host=m.problem.hosts[hosts[pos][0]].id if hosts.get(pos) else None,
                operators=sorted(m.problem.operators[i].id for i in ops.get(pos, [])),
                start=c.request.start.astimezone(UTC) if flexible else None,
                end=c.request.end.astimezone(UTC) if flexible else None,
                rehearsal=slot(rehearsal_at[c.ref]) if c.ref in rehearsal_at else None,
                survey=slot(survey_for[pos]) if pos in survey_for else None,
                self_operated=self_operated.chosen(m, pos, value),
            )
        )
    return out
