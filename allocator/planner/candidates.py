"""Which host and which operators could serve each request, judged one request at a time.

Everything that does not depend on other requests (capacity, kind, availability, blackouts, skills, shifts,
leave, the allowed list) is settled here, before any model is built, so the model only has to arbitrate
between requests. Each exclusion keeps its reason, for the explanations people read.
Times are integer minutes since the Unix epoch; intervals are half-open.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Literal, TypeVar
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from allocator.planner.calendar import closed_day, extra_minutes, pickup_time, return_time
from allocator.planner.domain import HostKind, Operator, Problem, Request, SitePolicy, ZoomHost


def to_minutes(dt: datetime) -> int:
    return int(dt.timestamp()) // 60


def to_minutes_ceil(dt: datetime) -> int:
    return -(-int(dt.timestamp()) // 60)


class HostExclusion(StrEnum):
    CAPACITY = "capacity"
    KIND = "kind"
    UNAVAILABLE = "unavailable"
    BLACKOUT = "blackout"


class OperatorExclusion(StrEnum):
    NOT_ALLOWED = "not_allowed"
    SKILL = "skill"
    LEAVE = "leave"
    SHIFT = "shift"
    HOLIDAY = "holiday"  # the office is closed that day (docs/calendar.md)


@dataclass(frozen=True, slots=True)
class HostOption:
    host: int  # index into problem.hosts
    start: int  # with the host's buffer before
    end: int  # with the host's buffer after
    oversize: int  # capacity steps above the smallest host size that fits


@dataclass(frozen=True, slots=True)
class OperatorOption:
    operator: int  # index into problem.operators
    start: int  # with setup
    end: int  # with teardown
    day: int  # the site-local day the request starts on, as a date ordinal
    overtime: int = 0  # minutes outside the operator's working time (overtime, holiday duty; docs/calendar.md)
    capped: int = 0  # of those, the minutes a weekly overtime cap counts (overtime, not duty; only with a cap)


class Role(StrEnum):
    EVENT = "event"  # the meeting itself (one position per allowed start of a flexible request)
    REHEARSAL = "rehearsal"  # one position per allowed rehearsal start
    SURVEY = "survey"  # one position per allowed survey start at a new venue


@dataclass(slots=True)
class Candidates:
    """One position of the model: a request at one time (or one rehearsal/survey time), its options, and the
    reasons for every resource left out. `request` carries the position's own times."""

    index: int  # the request's place in the list it was built for (informative only; positions are list indexes)
    request: Request
    start: int
    end: int
    weight: int
    hosts: list[HostOption] = field(default_factory=list)
    operators: list[OperatorOption] = field(default_factory=list)
    host_exclusions: dict[int, HostExclusion] = field(default_factory=dict)
    operator_exclusions: dict[int, OperatorExclusion] = field(default_factory=dict)
    role: Role = Role.EVENT
    owner: str = ""  # the request's ref (events, rehearsals) or the venue id (surveys)
    shift: int = 0  # grain steps away from the preferred start (flexible events)
    site: str | None = None  # the venue an operator must be at (None: remote, no travel)
    kits: tuple[tuple[str, int], ...] = ()
    kit_start: int = 0  # the kits' pickup-to-return span
    kit_end: int = 0  # (a rehearsal using the kits: from its own pickup to the latest pickup of its event's starts)
    reach: int = 0  # a survey: it is tied to the venue's events starting before this minute (its anchor days)
    restricted: tuple[str, ...] = ()  # the search limits that left out other times of this task (see workflow)
    self_operable: bool = False  # the unit's own trained operator may run it (see allocator.planner.self_operated)

    @property
    def ref(self) -> str:
        return self.owner or self.request.ref

    @property
    def needs_host(self) -> bool:
        return self.request.needs_host

    @property
    def operators_needed(self) -> int:
        return self.request.operator_count

    @property
    def statically_possible(self) -> bool:
        return (not self.needs_host or bool(self.hosts)) and (
            len(self.operators) >= self.operators_needed or self.self_operable
        )


def capacity_levels(hosts: list[ZoomHost]) -> list[int]:
    return sorted({h.capacity for h in hosts})


def host_exclusion(request: Request, host: ZoomHost) -> HostExclusion | None:
    if host.capacity < request.participants:
        return HostExclusion.CAPACITY
    if request.kind is HostKind.WEBINAR and host.kind is not HostKind.WEBINAR:
        return HostExclusion.KIND
    if host.available is not None and not any(
        w.start <= request.start and request.end <= w.end for w in host.available
    ):
        return HostExclusion.UNAVAILABLE
    if any(w.start < request.end and request.start < w.end for w in host.blackouts):
        return HostExclusion.BLACKOUT
    return None


class OperatorCalendar:
    """An operator's rules in a form cheap to ask many times: skills as a set, shift windows by local day."""

    def __init__(self, op: Operator, policy: SitePolicy) -> None:
        self.op = op
        self.zone = ZoneInfo(op.timezone or policy.timezone)
        self.skills = set(op.skills)
        self.calendar = policy.calendar
        self._windows: dict[date, list[tuple[datetime, datetime]]] = {}

    def closed(self, day: date) -> bool:
        """The office is closed that day (a holiday of the site's calendar): no shift applies."""
        return self.calendar is not None and closed_day(self.calendar, day)

    def windows(self, day: date) -> list[tuple[datetime, datetime]]:
        found = self._windows.get(day)
        if found is None:
            found = []
            for shift in [] if self.closed(day) else self.op.shifts:
                if day.weekday() in shift.weekdays:
                    start = datetime.combine(day, shift.start, self.zone)
                    end_day = day + timedelta(days=1) if shift.end == time(0) else day
                    found.append((start, datetime.combine(end_day, shift.end, self.zone)))
            self._windows[day] = found
        return found


def operator_exclusion(
    request: Request,
    op: Operator,
    policy: SitePolicy,
    calendar: OperatorCalendar | None = None,
    work: tuple[datetime, datetime] | None = None,
    trip_min: int = 0,
) -> OperatorExclusion | None:
    """Why `op` cannot take `request` on its own merits; `work` is the setup-to-teardown span in op's zone,
    `trip_min` the trip from the operator's base that working time must hold before it (docs/calendar.md)."""
    cal = calendar or OperatorCalendar(op, policy)
    if request.allowed_operators is not None and op.id not in request.allowed_operators:
        return OperatorExclusion.NOT_ALLOWED
    if not cal.skills.issuperset(request.required_skills):
        return OperatorExclusion.SKILL
    work_start, work_end = work or working_span(request, policy, cal.zone)
    last_day = (work_end - timedelta(microseconds=1)).date()
    for period in op.leave:
        if period.first <= last_day and work_start.date() <= period.last:
            return OperatorExclusion.LEAVE
    work_start -= timedelta(minutes=trip_min)
    if not any(s <= work_start and work_end <= e for s, e in cal.windows(work_start.date())):
        return OperatorExclusion.HOLIDAY if cal.closed(work_start.date()) else OperatorExclusion.SHIFT
    return None


def working_span(request: Request, policy: SitePolicy, zone: ZoneInfo) -> tuple[datetime, datetime]:
    return (
        (request.start - timedelta(minutes=policy.operator_setup_min)).astimezone(zone),
        (request.end + timedelta(minutes=policy.operator_teardown_min)).astimezone(zone),
    )


def kit_pickup_minute(policy: SitePolicy, needed: datetime) -> int:
    """The minute kits first needed at `needed` leave stock (in office hours with a calendar)."""
    if policy.calendar is None:
        return to_minutes(needed) - policy.kit_pickup_min
    return to_minutes(pickup_time(policy, needed, policy.kit_pickup_min))


class CandidateBuilder:
    """Builds `Candidates` for one request at a time, keeping per-problem work (calendars, sizes) once."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.levels = capacity_levels(problem.hosts)
        self.site_zone = ZoneInfo(problem.policy.timezone)
        self.calendars = [OperatorCalendar(op, problem.policy) for op in problem.operators]
        # Per host, once: (index, capacity, size step, buffers, whether only a time check remains to be done).
        self.host_facts = [
            (hi, h.capacity, self.levels.index(h.capacity), *problem.policy.host_buffers(h),
             h.available is None and not h.blackouts)
            for hi, h in enumerate(problem.hosts)
        ]  # fmt: skip

    def build(
        self,
        req: Request,
        index: int = 0,
        *,
        setup: int | None = None,
        teardown: int | None = None,
        extra_time: bool | Literal["duty"] = True,
    ) -> Candidates:
        """The options of `req` at its own times; `setup`/`teardown` override the policy's (surveys have none);
        `extra_time`: overtime and holiday duty may apply (events; rehearsals and surveys are office work), or
        "duty": holiday duty only (the mandatory rehearsal of a duty event, `calendar.duty_rehearsal`)."""
        policy = self.problem.policy
        if setup is not None or teardown is not None:
            policy = policy.model_copy(
                update={"operator_setup_min": setup or 0, "operator_teardown_min": teardown or 0}
            )
        start, end = to_minutes(req.start), to_minutes_ceil(req.end)
        cand = Candidates(index, req, start, end, policy.priority_weights.get(req.priority, 0))
        if req.needs_host:
            smallest = next((i for i, lv in enumerate(self.levels) if lv >= req.participants), 0)
            webinar = req.kind is HostKind.WEBINAR
            hosts = self.problem.hosts
            for hi, capacity, step, before, after, always_open in self.host_facts:
                if capacity < req.participants or webinar or not always_open:
                    why = host_exclusion(req, hosts[hi])  # the full rule, with its reason
                    if why is not None:
                        cand.host_exclusions[hi] = why
                        continue
                cand.hosts.append(HostOption(host=hi, start=start - before, end=end + after, oversize=step - smallest))
        if req.kits:
            cand.kits = tuple((k.kit, k.count) for k in req.kits)
            cand.kit_start = kit_pickup_minute(policy, req.start)
            if policy.calendar is None:
                cand.kit_end = end + policy.kit_return_min
            else:  # handovers in office hours (docs/calendar.md)
                cand.kit_end = to_minutes_ceil(return_time(policy, req.end, policy.kit_return_min))
        if req.on_site:
            cand.site = req.venue
        if req.operator_count:
            day = req.start.astimezone(self.site_zone).date().toordinal()
            spans: dict[ZoneInfo, tuple[datetime, datetime]] = {}
            for oi, op in enumerate(self.problem.operators):
                cal = self.calendars[oi]
                if cal.zone not in spans:
                    spans[cal.zone] = working_span(req, policy, cal.zone)
                trip = self.trip_min(op, req)
                why_op = operator_exclusion(req, op, policy, cal, spans[cal.zone], trip)
                overtime = capped = 0
                if why_op in (OperatorExclusion.SHIFT, OperatorExclusion.HOLIDAY) and extra_time:
                    extra = self.extra_time(req, cal, spans[cal.zone], trip)
                    if extra is not None and (extra_time is True or extra[1]):
                        why_op, overtime = None, extra[0]
                        weekly = policy.overtime is not None and policy.overtime.max_per_week_min is not None
                        capped = overtime if weekly and not extra[1] else 0
                if why_op is not None:
                    cand.operator_exclusions[oi] = why_op
                    continue
                cand.operators.append(
                    OperatorOption(
                        operator=oi,
                        start=start - policy.operator_setup_min,
                        end=end + policy.operator_teardown_min,
                        day=day,
                        overtime=overtime,
                        capped=capped,
                    )
                )
        return cand

    def trip_min(self, op: Operator, req: Request) -> int:
        """The trip from the operator's base to the venue that working time must hold (docs/calendar.md)."""
        cal = self.problem.policy.calendar
        if cal is None or not cal.travel_in_working_time or not req.on_site:
            return 0
        return self.problem.travel_min(op.base or "base", req.venue)

    def extra_time(
        self, req: Request, cal: OperatorCalendar, span: tuple[datetime, datetime], trip: int
    ) -> tuple[int, bool] | None:
        """Overtime minutes at which the operator may still take `req` and whether it is duty, else None."""
        policy = self.problem.policy
        if policy.calendar is None and policy.overtime is None:
            return None
        work = (span[0] - timedelta(minutes=trip), span[1])
        day = work[0].date()
        for period in cal.op.leave:  # leave is never overtime
            if period.first <= (work[1] - timedelta(microseconds=1)).date() and day <= period.last:
                return None
        return extra_minutes(policy, req, cal.op.id, cal.windows(day), cal.closed(day), work)


T = TypeVar("T")


def kept_by_identity(memo: dict[int, tuple[Candidates, T]] | None, c: Candidates, make: Callable[[Candidates], T]) -> T:
    """`make(c)` for position `c`, kept in `memo` by the position's identity; the position itself is kept beside
    the value, so a new object given a freed one's address is not mistaken for it."""
    known = memo.get(id(c)) if memo is not None else None
    if known is None or known[0] is not c:
        known = (c, make(c))
        if memo is not None:
            memo[id(c)] = known
    return known[1]


class CandidateCache:
    """Per-request options kept between re-plans by a long-lived caller (the daemon), keyed by content.

    An entry is used only when both the request and every resource and policy setting are as they were, so a
    cached option list is exactly what `CandidateBuilder.build` would return.
    """

    def __init__(self, max_entries: int = 50_000) -> None:
        self.max_entries = max_entries
        self._resources = ""
        self._entries: dict[tuple[object, ...], list[Candidates]] = {}
        # Per position (by identity, the object kept to make the identity safe): its fingerprint digest.
        self.digests: dict[int, tuple[Candidates, bytes]] = {}
        # Per position, likewise: its options as rows (see allocator.planner.components).
        self.spans: dict[int, tuple[Candidates, npt.NDArray[np.int64]]] = {}

    @staticmethod
    def resources_key(problem: Problem) -> str:
        parts = [problem.policy.model_dump_json(), *(h.model_dump_json() for h in problem.hosts)]
        parts += [o.model_dump_json() for o in problem.operators]
        parts += [u.model_dump_json() for u in problem.unit_operators]  # who may run their own meetings
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()

    def build_all(
        self,
        builder: CandidateBuilder,
        requests: list[Request],
        expand: Callable[[Request], list[Candidates]],
        variant: object = None,
    ) -> list[Candidates]:
        """`expand(req)` for each request (its positions), from the cache when nothing it depends on changed;
        `variant`: anything else `expand` depends on (how far it searches)."""
        key = self.resources_key(builder.problem)
        if key != self._resources or len(self.digests) > self.max_entries:
            self._resources, self._entries, self.digests, self.spans = key, {}, {}, {}
        out: list[Candidates] = []
        for req in requests:
            req_key = (req.model_dump_json(), variant)
            found = self._entries.get(req_key)
            if found is None:
                found = expand(req)
                if len(self._entries) < self.max_entries:
                    self._entries[req_key] = found
            out.extend(found)
        return out


def build_candidates(problem: Problem, requests: list[Request]) -> list[Candidates]:
    """Options for each given request (the caller decides which requests are in play)."""
    builder = CandidateBuilder(problem)
    return [builder.build(req, index) for index, req in enumerate(requests)]


def all_served_weight(cands: Sequence[Candidates]) -> int:
    """The served weight of serving every request among `cands` (a flexible request counts once): no plan of them
    serves more, so no bound of theirs claims more."""
    best: dict[str, int] = {}
    for c in cands:
        if c.role is Role.EVENT:
            best[c.ref] = max(best.get(c.ref, 0), c.weight)
    return sum(best.values())
