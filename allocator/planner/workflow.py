"""From requests to the model's positions, and what ties positions together beyond sharing a resource.

A fixed-time request is one position. A flexible request is one position per allowed start, of which at most
one is served. A rehearsal is one position per allowed start, run by the event's own operators; a new venue's
survey is one position per allowed start, by any operator. Kits and travel tie positions that share no host
or operator slot: they are listed here so components and the model see them.
Pure: plain data in, plain data out; times in whole minutes since the epoch as in `candidates`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import repeat
from zoneinfo import ZoneInfo

import numpy as np

from allocator.planner.calendar import duty_rehearsal, office_day
from allocator.planner.candidates import CandidateBuilder, Candidates, Role, kit_pickup_minute, to_minutes
from allocator.planner.domain import (
    Assignment,
    HostKind,
    Problem,
    RehearsalMode,
    Request,
    ServiceType,
    SitePolicy,
    TaskSlot,
)
from allocator.planner.kit_faults import later_faults, working_stock
from allocator.planner.self_operated import mark_positions


@dataclass(frozen=True)
class SearchLimits:
    """How far the search looks. Each limit keeps the model small and is exact on ordinary requests; where one
    cuts options off, the positions it kept say so (`Candidates.restricted`) and no plan built on them is called
    optimal (see allocator.planner.claims). None: no limit."""

    flexible_starts: int | None = 48  # nearest to the preferred start
    rehearsal_starts: int | None = 160  # workable ones, latest first: eight office days of half-hour starts
    survey_starts: int | None = 16  # workable ones before each anchor day, latest first (a survey ties a week)
    survey_anchors: int | None = 3  # survey options before this many of a new venue's first event days


LIMITED, EXACT = SearchLimits(), SearchLimits(None, None, None, None)


def flexible_starts(
    req: Request, policy: SitePolicy, limit: int | None = LIMITED.flexible_starts
) -> tuple[list[tuple[datetime, int]], bool]:
    """Allowed starts of a flexible request with their grain steps from the preferred start, nearest first; and
    whether the window held more than were kept."""
    if req.window_start is None or req.window_end is None:
        return [(req.start, 0)], False
    grain = timedelta(minutes=policy.flexible_grain_min)
    length = req.end - req.start
    lo = -((req.start - req.window_start) // grain)
    hi = (req.window_end - length - req.start) // grain
    steps = sorted(range(lo, hi + 1), key=lambda k: (abs(k), k))
    kept = steps if limit is None else steps[:limit]
    return [(req.start + k * grain, k) for k in kept], len(kept) < len(steps)


def task_grid(
    policy: SitePolicy, earliest: datetime, latest_start: datetime, length: timedelta, any_day: bool = False
) -> Iterator[datetime]:
    """Starts on the site's task grid inside office hours on one local day, in [earliest, latest_start], latest
    first (the caller keeps those at which the task can be done at all); with a working calendar, only on the
    office's working days (docs/calendar.md), unless `any_day` (duty: the office-hours times of every day)."""
    zone = ZoneInfo(policy.timezone)
    grain = timedelta(minutes=policy.task_grain_min)
    opening, closing = policy.office_hours
    day = latest_start.astimezone(zone).date()
    first_day = earliest.astimezone(zone).date()
    while day >= first_day:
        if not any_day and not office_day(policy.calendar, day):
            day -= timedelta(days=1)
            continue
        midnight = datetime.combine(day, time(0), zone)  # the grid counts from the local day's start
        open_at = datetime.combine(day, opening, zone)
        closing_at = datetime.combine(day, closing, zone) if closing != time(0) else midnight + timedelta(days=1)
        last = min(closing_at - length, latest_start)
        k = (last - midnight) // grain
        while (t := midnight + k * grain) >= earliest and t >= open_at:
            yield t
            k -= 1
        day -= timedelta(days=1)


def workable(
    starts: Iterable[datetime], build: Callable[[datetime], Candidates], what: str, limit: int | None
) -> list[Candidates]:
    """The positions at `starts` (latest first) where the task can be done at all (someone works then, a host is
    free of rules against it), at most `limit`; when more were workable the kept ones say so."""
    out: list[Candidates] = []
    for t in starts:
        cand = build(t)
        if not cand.statically_possible:
            continue
        if len(out) == limit:
            note = f"{what}: only the {limit} latest workable starts were searched"
            for kept in out:
                kept.restricted += (note,)
            break
        out.append(cand)
    return out


def rehearsal_request(req: Request, start: datetime) -> Request:
    """The rehearsal as a request of its own: same skills and allowed operators, a tiny meeting or on site."""
    spec = req.rehearsal
    assert spec is not None
    online = spec.mode is RehearsalMode.ONLINE
    return req.model_copy(
        update={
            "start": start,
            "end": start + timedelta(minutes=spec.duration_min),
            "participants": 1,
            "kind": HostKind.MEETING,
            "service": ServiceType.LINK_OPERATOR if online else ServiceType.OPERATOR,
            "remote": online,
            "kits": [],
            "window_start": None,
            "window_end": None,
            "rehearsal": None,
        }
    )


def survey_request(venue: str, start: datetime, policy: SitePolicy, like: Request) -> Request:
    """The survey visit as a request: one operator on site, any skills, no host."""
    return like.model_copy(
        update={
            "ref": f"survey:{venue}",
            "title": f"Survey {venue}",
            "start": start,
            "end": start + timedelta(minutes=policy.survey_duration_min),
            "service": ServiceType.OPERATOR,
            "operators_needed": 1,
            "required_skills": [],
            "allowed_operators": None,
            "venue": venue,
            "remote": False,
            "kits": [],
            "window_start": None,
            "window_end": None,
            "rehearsal": None,
        }
    )


def expand_request(builder: CandidateBuilder, req: Request, limits: SearchLimits = LIMITED) -> list[Candidates]:
    """Every position of one request, regardless of the planning time (the caller drops past ones)."""
    policy = builder.problem.policy
    out: list[Candidates] = []
    starts, cut = flexible_starts(req, policy, limits.flexible_starts)
    for start, shift in starts:
        timed = req if shift == 0 else req.model_copy(update={"start": start, "end": start + (req.end - req.start)})
        cand = builder.build(timed)
        cand.owner, cand.shift = req.ref, shift
        if cut:
            cand.restricted = (f"{req.ref}: only the {len(starts)} starts nearest the requested one were searched",)
        out.append(cand)
    mark_positions(builder.problem, req, out)
    spec = req.rehearsal
    if spec is not None and req.operator_count:
        length = timedelta(minutes=spec.duration_min)
        duty = duty_rehearsal(policy, req)  # on any day, as holiday duty where the office is closed
        grid: set[datetime] = set()
        for ev in out:
            ev_start = ev.request.start
            grid.update(
                task_grid(
                    policy,
                    ev_start - timedelta(minutes=spec.window_start_min_before),
                    ev_start - timedelta(minutes=spec.end_min_before) - length,
                    length,
                    any_day=duty,
                )
            )

        # A rehearsal using the kits holds them from its own pickup until its event's pickup (the model counts the
        # request's loan once: see allocator.planner.model.add_kit_stock); the span reaches the latest event start.
        kits = tuple((k.kit, k.count) for k in req.kits) if spec.uses_kits else ()
        latest_pickup = max((ev.kit_start for ev in out if ev.kits), default=None)

        def rehearsal_at(t: datetime) -> Candidates:
            cand = builder.build(rehearsal_request(req, t), extra_time="duty" if duty else False)
            cand.role, cand.owner, cand.weight = Role.REHEARSAL, req.ref, 0
            if kits and latest_pickup is not None:
                pickup = kit_pickup_minute(policy, t)
                if pickup < latest_pickup:
                    cand.kits, cand.kit_start, cand.kit_end = kits, pickup, latest_pickup
            return cand

        tasks = workable(sorted(grid, reverse=True), rehearsal_at, f"rehearsal of {req.ref}", limits.rehearsal_starts)
        out.extend(sorted(tasks, key=lambda c: c.start))
    return out


def survey_positions(
    builder: CandidateBuilder,
    events: Iterable[Candidates],
    previous: Iterable[Assignment] = (),
    limits: SearchLimits = LIMITED,
) -> list[Candidates]:
    """Survey options for every new venue that has on-site event positions among `events` (and the published
    survey's own time, even if it has begun)."""
    problem = builder.problem
    policy = problem.policy
    new_venues = {v.id for v in problem.venues if not v.surveyed}
    by_venue: dict[str, list[Candidates]] = defaultdict(list)
    for c in events:
        if c.role is Role.EVENT and c.site in new_venues:
            by_venue[c.site].append(c)
    zone = ZoneInfo(policy.timezone)
    length = timedelta(minutes=policy.survey_duration_min)
    out: list[Candidates] = []
    for venue in sorted(by_venue):
        evs = sorted(by_venue[venue], key=lambda c: c.start)
        # Per event day (a flexible event has positions through its window): its earliest and latest start.
        by_day: dict[date, tuple[datetime, datetime]] = {}
        for c in evs:
            day, e = c.request.start.astimezone(zone).date(), c.request.start
            first, last = by_day.get(day, (e, e))
            by_day[day] = (min(first, e), max(last, e))
        anchor_days = sorted(by_day)[: limits.survey_anchors]
        built: dict[datetime, Candidates] = {}

        def survey_at(
            t: datetime, venue: str = venue, like: Request = evs[0].request, built: dict[datetime, Candidates] = built
        ) -> Candidates:
            if t not in built:
                built[t] = builder.build(survey_request(venue, t, policy, like), setup=0, teardown=0, extra_time=False)
            return built[t]

        kept: dict[datetime, Candidates] = {}
        for day in anchor_days:
            first, last = by_day[day]
            grid = task_grid(
                policy,
                max(first - timedelta(minutes=policy.survey_window_min), problem.now + timedelta(minutes=1)),
                last - timedelta(minutes=policy.survey_lead_min) - length,
                length,
            )
            found = workable(grid, survey_at, f"survey of {venue}", limits.survey_starts)
            kept.update((cand.request.start, cand) for cand in found)
        for a in previous:
            if a.survey is not None and a.survey.venue == venue:
                kept.setdefault(a.survey.start, survey_at(a.survey.start))
        reach = to_minutes(datetime.combine(anchor_days[-1] + timedelta(days=1), time(0), zone))
        note = None
        if len(by_day) > len(anchor_days):
            note = f"survey of {venue}: only before its first {len(anchor_days)} event days"
        for t in sorted(kept):
            cand = kept[t]
            cand.role, cand.owner, cand.weight, cand.site, cand.reach = Role.SURVEY, venue, 0, venue, reach
            cand.restricted += (note,) if note else ()
            out.append(cand)
    return out


def keep_current(cands: list[Candidates], now: datetime, previous: dict[str, Assignment]) -> list[Candidates]:
    """Drop positions starting before `now`, except a fixed-time event (the freeze decides about it) and the
    positions a published assignment is at (its chosen time, its rehearsal)."""
    t_now = to_minutes(now)
    out = []
    for c in cands:
        if c.start > t_now:
            out.append(c)
            continue
        a = previous.get(c.ref)
        if c.role is Role.EVENT:
            flexible = c.request.window_start is not None
            if not flexible or (a is not None and a.start is not None and to_minutes(a.start) == c.start):
                out.append(c)
        elif c.role is Role.REHEARSAL and a is not None and a.rehearsal is not None:  # noqa: SIM102
            if to_minutes(a.rehearsal.start) == c.start:
                out.append(c)
    return out


def published_task_slots(cands: Sequence[Candidates], published: Iterable[Assignment]) -> dict[int, TaskSlot]:
    """The positions among `cands` of the published assignments' rehearsals and surveys, with their slots."""
    at: dict[tuple[Role, str, int], int] = {
        (c.role, c.ref, c.start): k for k, c in enumerate(cands) if c.role is not Role.EVENT
    }
    out: dict[int, TaskSlot] = {}
    for a in published:
        for role, slot, ref in ((Role.REHEARSAL, a.rehearsal, a.request), (Role.SURVEY, a.survey, None)):
            if slot is not None and (k := at.get((role, ref or slot.venue or "", to_minutes(slot.start)))) is not None:
                out[k] = slot
    return out


@dataclass(frozen=True)
class KitHold:
    """Kits out that no position of this plan accounts for: from `start` until `end` (None: until returned).
    `request`: the request it belongs to if that request is in play (then it counts only if it goes unserved)."""

    kit: str
    count: int
    start: int
    end: int | None
    request: str | None


def kit_holds(problem: Problem, in_play: set[str]) -> list[KitHold]:
    """Kits out now, and kits broken on a loan still running, held from its return on (kit_faults.later_faults)."""
    now = to_minutes(problem.now)
    out = []
    for k in problem.kits_out:
        due = to_minutes(k.due)
        end = None if due <= now else due
        out.append(KitHold(k.kit, k.count, now, end, k.request if k.request in in_play else None))
    for f, at in later_faults(problem):
        out.append(KitHold(f.kit, f.count, to_minutes(at), None, None))
    return out


def kit_stock(problem: Problem) -> dict[str, int]:
    """The kits the planner may share out: the stock less the kits out of service (see kit_faults)."""
    return working_stock(problem)


def travel_conflicts(problem: Problem, cands: list[Candidates]) -> list[tuple[int, int, int]]:
    """(operator, position, position): two on-site positions at different venues an operator could not do one
    after the other for lack of travel time (their working spans do not overlap; overlaps are ruled out anyway).

    Vectorised per operator: a month has thousands of on-site spans per operator, and each re-plan asks again.
    """
    per_op: dict[int, list[tuple[int, int, int, str, str]]] = defaultdict(list)
    for pos, c in enumerate(cands):
        if c.site is None:
            continue
        for o in c.operators:
            per_op[o.operator].append((o.start, o.end, pos, c.site, c.ref))
    venues = sorted({c.site for c in cands if c.site is not None})
    need = np.array([[problem.travel_min(a, b) for b in venues] for a in venues], dtype=np.int64).reshape(
        len(venues), len(venues)
    )
    longest = int(need.max(initial=0))
    if longest == 0:
        return []
    venue_no = {v: k for k, v in enumerate(venues)}
    ref_no: dict[str, int] = {}
    out: list[tuple[int, int, int]] = []
    for op, spans in per_op.items():
        spans.sort()
        start = np.array([x[0] for x in spans], dtype=np.int64)
        end = np.array([x[1] for x in spans], dtype=np.int64)
        at = np.array([x[2] for x in spans], dtype=np.int64)
        venue = np.array([venue_no[x[3]] for x in spans], dtype=np.int64)
        ref = np.array([ref_no.setdefault(x[4], len(ref_no)) for x in spans], dtype=np.int64)
        # For each span, the spans starting from its end until the longest travel time after it.
        lo = np.searchsorted(start, end, side="left")
        hi = np.searchsorted(start, end + longest, side="left")
        counts = hi - lo
        first = np.repeat(np.arange(len(spans)), counts)
        second = np.repeat(lo, counts) + np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
        v1, v2 = venue[first], venue[second]
        tight = (v1 != v2) & (ref[first] != ref[second]) & (start[second] - end[first] < need[v1, v2])
        out.extend(zip(repeat(op), at[first[tight]].tolist(), at[second[tight]].tolist()))
    return out
