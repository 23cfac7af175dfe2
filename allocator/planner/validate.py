"""An independent judge of plans: re-checks every hard rule from the problem, sharing no code with the solver.

Written deliberately in a different style from the solver (date-time arithmetic, pairwise and point checks
instead of minute integers and cliques), so that one mistake cannot hide in both.

The workflow rules of docs/workflow.md are checked here too: flexible times (every check uses a request's
effective time, the one the plan chose), rehearsals, venue surveys, equipment kits and travel between venues.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from datetime import datetime, time, timedelta
from itertools import pairwise
from typing import Literal, NamedTuple
from zoneinfo import ZoneInfo

from allocator.planner import validate_units
from allocator.planner.domain import (
    Assignment,
    HostKind,
    Operator,
    Plan,
    Problem,
    RehearsalMode,
    Request,
    ServiceType,
    TaskSlot,
    ZoomHost,
)
from allocator.planner.validate_calendar import (
    event_overtime,
    extra_time,
    kit_span,
    office_day_problems,
    rehearsal_is_duty,
    rehearsal_overtime,
    trip,
    weekly_overtime_problems,
)


class _Busy(NamedTuple):
    """One span a resource is occupied: `label` names it in messages ("A", "rehearsal of A", "survey of V")."""

    label: str
    start: datetime
    end: datetime
    kind: HostKind = HostKind.MEETING
    venue: str | None = None  # set when the operator is at a venue (travel applies)


def _spans_overlap(a0: datetime, a1: datetime, b0: datetime, b1: datetime) -> bool:
    return a0 < b1 and b0 < a1


def _effective(req: Request, a: Assignment) -> tuple[datetime, datetime]:
    """The time the plan chose: the assignment's own start/end when given (flexible), else the request's."""
    if a.start is not None and a.end is not None:
        return a.start, a.end
    return req.start, req.end


def _host_window(problem: Problem, host: ZoomHost, start: datetime, end: datetime) -> tuple[datetime, datetime]:
    pol = problem.policy
    before = host.buffer_before_min if host.buffer_before_min is not None else pol.buffer_before_min
    after = host.buffer_after_min if host.buffer_after_min is not None else pol.buffer_after_min
    return start - timedelta(minutes=before), end + timedelta(minutes=after)


def _operator_window(problem: Problem, start: datetime, end: datetime) -> tuple[datetime, datetime]:
    pol = problem.policy
    return start - timedelta(minutes=pol.operator_setup_min), end + timedelta(minutes=pol.operator_teardown_min)


def _host_time_problems(host: ZoomHost, start: datetime, end: datetime) -> list[str]:
    out = []
    if host.available is not None:
        inside = [w for w in host.available if w.start <= start and end <= w.end]
        if not inside:
            out.append(f"host {host.id} is not available then")
    for w in host.blackouts:
        if _spans_overlap(w.start, w.end, start, end):
            out.append(f"host {host.id} is blacked out then")
    return out


def _static_host_problems(host: ZoomHost, req: Request, start: datetime, end: datetime) -> list[str]:
    out = []
    if host.capacity < req.participants:
        out.append(f"host {host.id} seats {host.capacity} < {req.participants} participants")
    if req.kind == HostKind.WEBINAR and host.kind != HostKind.WEBINAR:
        out.append(f"host {host.id} has no webinar licence")
    out.extend(_host_time_problems(host, start, end))
    return out


def _operator_time_problems(
    problem: Problem,
    op: Operator,
    w0: datetime,
    w1: datetime,
    req: Request | None = None,
    venue: str | None = None,
    extra: bool | Literal["duty"] = False,
) -> list[str]:
    """Leave and shift for a span the operator is busy (setup and teardown already included by the caller); with
    a working calendar or overtime, working time as docs/calendar.md has it (`venue`: the trip from the base to it
    counts, `extra`: an event, which holiday duty or overtime may serve)."""
    out = []
    if problem.policy.calendar is not None or problem.policy.overtime is not None:
        w0 -= trip(problem, op, venue)
    zone = ZoneInfo(op.timezone or problem.policy.timezone)
    lw0, lw1 = w0.astimezone(zone), w1.astimezone(zone)
    day = lw0.date()
    last_day = (lw1 - timedelta(microseconds=1)).date()
    d = day
    while d <= last_day:
        if any(p.first <= d <= p.last for p in op.leave):
            out.append(f"operator {op.id} is on leave on {d.isoformat()}")
            break
        d += timedelta(days=1)
    if problem.policy.calendar is not None or problem.policy.overtime is not None:
        found, _minutes, _duty = extra_time(problem, op, req, w0, w1, extra)
        return out + ([found] if found else [])
    in_shift = False
    for shift in op.shifts:
        if day.weekday() not in shift.weekdays:
            continue
        s0 = datetime(day.year, day.month, day.day, shift.start.hour, shift.start.minute, tzinfo=zone)
        if shift.end.hour == 0 and shift.end.minute == 0:
            s1 = datetime(day.year, day.month, day.day, tzinfo=zone) + timedelta(days=1)
        else:
            s1 = datetime(day.year, day.month, day.day, shift.end.hour, shift.end.minute, tzinfo=zone)
        if s0 <= lw0 and lw1 <= s1:
            in_shift = True
    if not in_shift:
        out.append(f"operator {op.id} is off shift then")
    return out


def _static_operator_problems(
    problem: Problem, op: Operator, req: Request, start: datetime, end: datetime
) -> list[str]:
    out = []
    missing = sorted(set(req.required_skills) - set(op.skills))
    if missing:
        out.append(f"operator {op.id} lacks skills {missing}")
    if req.allowed_operators is not None and op.id not in req.allowed_operators:
        out.append(f"operator {op.id} is not allowed")
    venue = req.venue if req.on_site else None
    out.extend(_operator_time_problems(problem, op, *_operator_window(problem, start, end), req, venue, extra=True))
    return out


def _shape_problems(req: Request, a: Assignment) -> list[str]:
    out = []
    wants_host = req.service in (ServiceType.LINK, ServiceType.LINK_OPERATOR)
    if wants_host and a.host is None:
        out.append("needs a host but has none")
    if not wants_host and a.host is not None:
        out.append("is operator-only but was given a host")
    wanted_ops = validate_units.operators_wanted(req, a)
    if len(a.operators) != wanted_ops:
        out.append(f"needs {wanted_ops} operator(s) but has {len(a.operators)}")
    if len(set(a.operators)) != len(a.operators):
        out.append("lists an operator twice")
    return out


def _own_problems(problem: Problem, req: Request, a: Assignment) -> list[str]:
    return validate_units.self_operated_problems(problem, req, a)


def _time_problems(problem: Problem, req: Request, a: Assignment) -> list[str]:
    """Flexible times: the chosen start/end keep the duration, stay in the window and on the grain."""
    out = []
    if (a.start is None) != (a.end is None):
        out.append("has only one of start and end (they go together)")
        return out
    if not req.flexible or req.window_start is None or req.window_end is None:
        if a.start is not None and (a.start != req.start or a.end != req.end):
            out.append("is not flexible but was moved from its requested time")
        return out
    if a.start is None or a.end is None:
        out.append("is flexible but the assignment carries no start and end")
        return out
    if a.end - a.start != req.end - req.start:
        out.append(f"flexible: lasts {a.end - a.start} instead of {req.end - req.start}")
    if a.start < req.window_start or a.end > req.window_end:
        out.append(
            f"flexible: {a.start.isoformat()}-{a.end.isoformat()} leaves its window "
            f"{req.window_start.isoformat()}-{req.window_end.isoformat()}"
        )
    grain = timedelta(minutes=problem.policy.flexible_grain_min)
    if (a.start - req.start) % grain != timedelta(0):
        out.append(
            f"flexible: start {a.start.isoformat()} is not a whole number of {problem.policy.flexible_grain_min}-min "
            f"steps from the preferred {req.start.isoformat()}"
        )
    return out


def _assignment_fits(problem: Problem, req: Request, a: Assignment) -> bool:
    """Whether an assignment satisfies every rule that does not involve other requests."""
    hosts = {h.id: h for h in problem.hosts}
    ops = {o.id: o for o in problem.operators}
    if _shape_problems(req, a) or _time_problems(problem, req, a) or _own_problems(problem, req, a):
        return False
    start, end = _effective(req, a)
    if a.host is not None and (a.host not in hosts or _static_host_problems(hosts[a.host], req, start, end)):
        return False
    return all(o in ops and not _static_operator_problems(problem, ops[o], req, start, end) for o in a.operators)


def validate_plan(problem: Problem, plan: Plan) -> list[str]:
    """Every hard rule the plan breaks, as sentences; empty means the plan is valid."""
    v: list[str] = []
    reqs = {r.ref: r for r in problem.requests}
    hosts = {h.id: h for h in problem.hosts}
    ops = {o.id: o for o in problem.operators}
    seen: set[str] = set()
    valid: list[tuple[Request, Assignment]] = []
    for a in plan.assignments:
        req = reqs.get(a.request)
        if req is None:
            v.append(f"{a.request}: assignment for an unknown request")
            continue
        if a.request in seen:
            v.append(f"{a.request}: assigned twice")
            continue
        seen.add(a.request)
        if req.status.value not in ("new", "approved"):
            v.append(f"{a.request}: assigned although it is {req.status.value}")
        for msg in _shape_problems(req, a) + _time_problems(problem, req, a) + _own_problems(problem, req, a):
            v.append(f"{a.request}: {msg}")
        start, end = _effective(req, a)
        if a.host is not None:
            if a.host not in hosts:
                v.append(f"{a.request}: unknown host {a.host}")
                continue
            v.extend(f"{a.request}: {m}" for m in _static_host_problems(hosts[a.host], req, start, end))
        for o in a.operators:
            if o not in ops:
                v.append(f"{a.request}: unknown operator {o}")
                continue
            v.extend(f"{a.request}: {m}" for m in _static_operator_problems(problem, ops[o], req, start, end))
        valid.append((req, a))

    v.extend(_rehearsals(problem, plan, valid))
    v.extend(_surveys(problem, valid))
    v.extend(_host_overlaps(problem, valid))
    by_op = _involving(valid, hosts=False)
    busy = {op.id: _operator_busy(problem, op, by_op.get(op.id, [])) for op in problem.operators}
    v.extend(_operator_overlaps(problem, busy))
    v.extend(_travel(problem, busy))
    v.extend(_kits(problem, valid))
    v.extend(weekly_overtime_problems(problem, [(req, *_effective(req, a), a.operators) for req, a in valid]))
    v.extend(_pins_and_freeze(problem, plan))
    v.extend(_coverage(problem, plan))
    v.extend(_series(problem, plan))
    own = [(req, *_effective(req, a)) for req, a in valid if a.self_operated]
    v.extend(validate_units.unit_operator_overlaps(problem, own))
    return v


def _series(problem: Problem, plan: Plan) -> list[str]:
    """A series: its served occurrences share one host (one Zoom meeting, one link); an all-or-nothing series that
    has not begun (nothing pinned, started, or published inside the freeze horizon) is served whole or not at all."""
    out: list[str] = []
    got = {a.request: a for a in plan.assignments}
    members: dict[str, list[Request]] = {}
    for r in problem.requests:
        if r.occurrence_of is not None and r.status.value in ("new", "approved"):
            members.setdefault(r.occurrence_of, []).append(r)
    pinned = {p.request for p in problem.pins}
    published = {a.request for a in problem.previous}
    limit = problem.now + timedelta(minutes=problem.policy.freeze_horizon_min)
    for ref, occ in sorted(members.items()):
        hosts = sorted({got[r.ref].host or "" for r in occ if r.ref in got} - {""})
        if len(hosts) > 1:
            out.append(f"series {ref}: occurrences on different hosts ({', '.join(hosts)}), so several links")
        begun = any(r.ref in pinned or r.start <= problem.now or (r.ref in published and r.start < limit) for r in occ)
        whole = all(r.series is not None and r.series.policy.value == "all_or_nothing" for r in occ)
        served = [r.ref for r in occ if r.ref in got]
        if whole and not begun and 0 < len(served) < len(occ):
            out.append(f"series {ref}: all or nothing, but only {len(served)} of {len(occ)} occurrences are served")
    return out


def validate_claims(problem: Problem, plan: Plan) -> list[str]:
    """What the plan says of itself must be true of it: the served weight, changes (published assignments not kept
    exactly), preferences (operators called in per day, oversized licences, moved starts) it reports are those
    of its assignments, no value lies
    beyond its bound, no served bound beyond every request's weight, and only a term whose value meets its bound is
    called optimal.
    Apart from `validate_plan`: a plan edited by hand (an accepted alternative) can be valid and no longer claim
    anything of itself."""
    out = []
    weights = problem.policy.priority_weights
    reqs = {r.ref: r for r in problem.requests}
    actual = {
        "served_weight": sum(weights.get(reqs[a.request].priority, 0) for a in plan.assignments if a.request in reqs),
        "changes": _changes(problem, plan),
        "preferences": _preferences(problem, plan),
    }
    for t in plan.objective:
        if t.name == "changes" and t.value != actual[t.name]:
            out.append(
                f"objective changes: reports {t.value}, but {actual[t.name]} of the {len(problem.previous)} published "
                "assignments are not kept exactly (same host, operators and time)"
            )
        elif t.name in actual and t.value != actual[t.name]:
            out.append(f"objective {t.name}: reports {t.value}, the plan has {actual[t.name]}")
        beyond = t.value > t.bound if t.sense == "maximize" else t.value < t.bound
        if beyond:
            out.append(f"objective {t.name}: value {t.value} beyond its bound {t.bound}")
        if t.optimal and t.value != t.bound:
            out.append(f"objective {t.name}: called optimal with value {t.value} and bound {t.bound}")
    everything = sum(weights.get(r.priority, 0) for r in problem.requests if r.status.active)
    served = next((t for t in plan.objective if t.name == "served_weight"), None)
    if served is not None and served.bound > everything:
        out.append(f"objective served_weight: bound {served.bound} above the weight of every request ({everything})")
    if plan.status.value == "optimal" and not all(t.optimal for t in plan.objective):
        out.append("status: optimal although a term is not proven")
    return out


def _changes(problem: Problem, plan: Plan) -> int:
    """Published assignments (`problem.previous`) of requests still active that the plan does not keep exactly: the
    request unserved, or another host, other operators, the unit instead of us (or back), or another time. Times are
    compared as they are: the assignment's own start when it carries one (flexible), else the request's (a request
    the office moved is the office's change, not the plan's). A cancelled request's assignment is nothing to keep."""
    reqs = {r.ref: r for r in problem.requests if r.status.value in ("new", "approved")}
    got = {a.request: a for a in plan.assignments}
    changed = 0
    for before in problem.previous:
        req = reqs.get(before.request)
        if req is None:
            continue
        a = got.get(before.request)
        if a is None or (a.host, sorted(a.operators), a.self_operated, a.start or req.start) != (
            before.host,
            sorted(before.operators),
            before.self_operated,
            before.start or req.start,
        ):
            changed += 1
    return changed


def _preferences(problem: Problem, plan: Plan) -> int:
    """The preferences level of the plan's assignments: operators called in per site-local day (events, rehearsals,
    surveys), host capacity steps above the smallest size that fits, flexible grain steps from the preferred start."""
    zone = ZoneInfo(problem.policy.timezone)
    weights = problem.policy.preferences
    reqs = {r.ref: r for r in problem.requests}
    hosts = {h.id: h for h in problem.hosts}
    levels = sorted({h.capacity for h in problem.hosts})
    days: set[tuple[str, object]] = set()
    oversize = moved = 0
    for a in plan.assignments:
        req = reqs.get(a.request)
        if req is None:
            continue
        start = a.start or req.start
        days.update((o, start.astimezone(zone).date()) for o in a.operators)
        for slot in (a.rehearsal, a.survey):
            if slot is not None:
                days.update((o, slot.start.astimezone(zone).date()) for o in slot.operators)
        if a.host in hosts:
            smallest = next((i for i, lv in enumerate(levels) if lv >= req.participants), 0)
            oversize += levels.index(hosts[a.host].capacity) - smallest
        moved += abs(int((start - req.start) / timedelta(minutes=problem.policy.flexible_grain_min)))
    prefs = weights.operator_days * len(days) + weights.oversized_licence * oversize
    overtime = sum(
        event_overtime(problem, reqs[a.request], o, *_effective(reqs[a.request], a))[0]
        for a in plan.assignments
        if a.request in reqs
        for o in problem.operators
        if o.id in a.operators
    )
    overtime += sum(
        rehearsal_overtime(problem, reqs[a.request], o, a.rehearsal.start, a.rehearsal.end)
        for a in plan.assignments
        if a.request in reqs and a.rehearsal is not None
        for o in problem.operators
        if o.id in a.rehearsal.operators
    )
    prefs += weights.overtime_minute * overtime
    prefs += validate_units.self_operated_cost(problem, plan.assignments)
    return prefs + weights.moved_from_requested * moved


def _office_day_problems(problem: Problem, slot: TaskSlot, any_day: bool = False) -> list[str]:
    """Inside office hours on one local day of the site, starting on the task grid of that day; on a working day
    of the office unless `any_day` (a rehearsal that may be holiday duty)."""
    out = []
    pol = problem.policy
    zone = ZoneInfo(pol.timezone)
    ls, le = slot.start.astimezone(zone), slot.end.astimezone(zone)
    day = ls.date()
    open_at, close_at = pol.office_hours
    o0 = datetime(day.year, day.month, day.day, open_at.hour, open_at.minute, tzinfo=zone)
    if close_at == time(0):
        o1 = datetime(day.year, day.month, day.day, tzinfo=zone) + timedelta(days=1)
    else:
        o1 = datetime(day.year, day.month, day.day, close_at.hour, close_at.minute, tzinfo=zone)
    if not (o0 <= ls and le <= o1):
        out.append(
            f"{ls:%Y-%m-%d %H:%M}-{le:%Y-%m-%d %H:%M} {pol.timezone} is not inside office hours "
            f"{open_at:%H:%M}-{close_at:%H:%M} on one local day"
        )
    if not any_day:
        out.extend(office_day_problems(problem, slot.start))
    since_midnight = ls.replace(tzinfo=None) - datetime(day.year, day.month, day.day)
    if since_midnight % timedelta(minutes=pol.task_grain_min) != timedelta(0):
        out.append(f"starts at {ls:%H:%M} {pol.timezone}, off the {pol.task_grain_min}-min task grid")
    return out


def _rehearsals(problem: Problem, plan: Plan, valid: list[tuple[Request, Assignment]]) -> list[str]:
    out = []
    reqs = {r.ref: r for r in problem.requests}
    hosts = {h.id: h for h in problem.hosts}
    ops = {o.id: o for o in problem.operators}
    served = {req.ref for req, _ in valid}
    missed = [m.request for m in plan.missed_rehearsals]
    listed: set[str] = set()
    for m in plan.missed_rehearsals:
        ref = m.request
        req = reqs.get(ref)
        if ref in listed:
            out.append(f"{ref}: listed as a missed rehearsal twice")
            continue
        listed.add(ref)
        if req is None:
            out.append(f"{ref}: missed rehearsal of an unknown request")
            continue
        if ref not in served:
            out.append(f"{ref}: listed as a missed rehearsal but the request is not served")
        if req.rehearsal is None:
            out.append(f"{ref}: listed as a missed rehearsal but asks for no rehearsal")
        elif req.rehearsal.mandatory:
            out.append(f"{ref}: its rehearsal is mandatory, so it cannot be served with the rehearsal missed")
        if not m.reason.strip() or not m.reason_id.strip():
            out.append(f"{ref}: missed rehearsal without a reason")
    for req, a in valid:
        spec, slot = req.rehearsal, a.rehearsal
        if spec is None:
            if slot is not None:
                out.append(f"{req.ref}: rehearsal planned although the request asks for none")
            continue
        if slot is None:
            if spec.mandatory:
                out.append(f"{req.ref}: served without its mandatory rehearsal")
            elif req.ref not in missed:
                out.append(f"{req.ref}: rehearsal neither planned nor listed as missed")
            continue
        if req.ref in missed:
            out.append(f"{req.ref}: rehearsal both planned and listed as missed")
        say = f"{req.ref}: rehearsal"
        start, _ = _effective(req, a)
        if slot.end - slot.start != timedelta(minutes=spec.duration_min):
            out.append(f"{say} lasts {slot.end - slot.start} instead of {spec.duration_min} min")
        if len(set(slot.operators)) != len(slot.operators) or set(slot.operators) != set(a.operators):
            out.append(f"{say} operators {sorted(slot.operators)} are not the event's operators {sorted(a.operators)}")
        w0 = start - timedelta(minutes=spec.window_start_min_before)
        w1 = start - timedelta(minutes=spec.end_min_before)
        if slot.start < w0 or slot.end > w1:
            out.append(
                f"{say} {slot.start.isoformat()}-{slot.end.isoformat()} is outside its window "
                f"{w0.isoformat()}-{w1.isoformat()} before the event at {start.isoformat()}"
            )
        duty = rehearsal_is_duty(problem, req)
        out.extend(f"{say} {m}" for m in _office_day_problems(problem, slot, any_day=duty))
        if spec.mode is RehearsalMode.ONLINE:
            if slot.venue is not None:
                out.append(f"{say} is online but names venue {slot.venue}")
            if slot.host is None:
                out.append(f"{say} is online but has no host")
            elif slot.host not in hosts:
                out.append(f"{say} on unknown host {slot.host}")
            else:
                out.extend(f"{say}: {m}" for m in _host_time_problems(hosts[slot.host], slot.start, slot.end))
        else:
            if slot.host is not None:
                out.append(f"{say} is on site but was given host {slot.host}")
            if slot.venue != req.venue:
                out.append(f"{say} is on site at {slot.venue} instead of the request's venue {req.venue}")
        for o in slot.operators:
            if o not in ops:
                out.append(f"{say} by unknown operator {o}")
                continue
            busy = _operator_window(problem, slot.start, slot.end)
            where = req.venue if spec.mode is RehearsalMode.ON_SITE else None
            out.extend(
                f"{say}: {m}"
                for m in _operator_time_problems(problem, ops[o], *busy, req, where, extra="duty" if duty else False)
            )
    return out


def _surveys(problem: Problem, valid: list[tuple[Request, Assignment]]) -> list[str]:
    out = []
    ops = {o.id: o for o in problem.operators}
    pol = problem.policy
    new_venues = [v.id for v in problem.venues if not v.surveyed]
    attached = [(req, a.survey) for req, a in valid if a.survey is not None]
    for req, slot in attached:
        if slot.venue is None:
            out.append(f"{req.ref}: survey without a venue")
        elif slot.venue not in new_venues:
            out.append(f"{req.ref}: survey at venue {slot.venue}, which is not a new (unsurveyed) venue")
    for venue in new_venues:
        on_site = [(req, _effective(req, a)[0]) for req, a in valid if req.on_site and req.venue == venue]
        surveys = [(req, slot) for req, slot in attached if slot.venue == venue]
        if not on_site:
            for req, _ in surveys:
                out.append(f"venue {venue}: survey (attached to {req.ref}) but no served on-site request there")
            continue
        first = min(s for _, s in on_site)
        earliest = sorted(r.ref for r, s in on_site if s == first)
        if not surveys:
            out.append(f"venue {venue}: new venue without a survey before {', '.join(earliest)}")
            continue
        if len(surveys) > 1:
            names = ", ".join(r.ref for r, _ in surveys)
            out.append(f"venue {venue}: {len(surveys)} surveys (attached to {names}), one expected")
        latest_end = first - timedelta(minutes=pol.survey_lead_min)
        earliest_start = first - timedelta(minutes=pol.survey_window_min)
        for req, slot in surveys:
            say = f"venue {venue}: survey"
            if req.ref not in earliest:
                out.append(f"{say} is attached to {req.ref}, not to the earliest on-site request {earliest[0]}")
            if slot.end - slot.start != timedelta(minutes=pol.survey_duration_min):
                out.append(f"{say} lasts {slot.end - slot.start} instead of {pol.survey_duration_min} min")
            if slot.end > latest_end:
                out.append(f"{say} ends at {slot.end.isoformat()}, after {latest_end.isoformat()} (lead time)")
            if slot.start < earliest_start:
                out.append(f"{say} starts at {slot.start.isoformat()}, before {earliest_start.isoformat()}")
            if slot.host is not None:
                out.append(f"{say} was given host {slot.host}")
            out.extend(f"{say} {m}" for m in _office_day_problems(problem, slot))
            if len(slot.operators) != 1:
                out.append(f"{say} needs exactly 1 operator but has {len(slot.operators)}")
            for o in slot.operators:
                if o not in ops:
                    out.append(f"{say} by unknown operator {o}")
                    continue
                problems = _operator_time_problems(problem, ops[o], slot.start, slot.end, None, slot.venue)
                out.extend(f"{say}: {m}" for m in problems)
    return out


def _host_busy(problem: Problem, host: ZoomHost, valid: list[tuple[Request, Assignment]]) -> list[_Busy]:
    """Meetings and online rehearsals on a host, with the host's buffers."""
    out = []
    for req, a in valid:
        if a.host == host.id:
            out.append(_Busy(req.ref, *_host_window(problem, host, *_effective(req, a)), kind=req.kind))
        if a.rehearsal is not None and a.rehearsal.host == host.id:
            s, e = _host_window(problem, host, a.rehearsal.start, a.rehearsal.end)
            out.append(_Busy(f"rehearsal of {req.ref}", s, e))
    return out


def _involving(valid: list[tuple[Request, Assignment]], hosts: bool) -> dict[str, list[tuple[Request, Assignment]]]:
    """The assignments that name each host (or each operator) anywhere, so each is scanned once, not once per
    resource."""
    out: dict[str, list[tuple[Request, Assignment]]] = {}
    for req, a in valid:
        slots = [s for s in (a.rehearsal, a.survey) if s is not None]
        if hosts:
            names = {a.host, *(s.host for s in slots)} - {None}
        else:
            names = {*a.operators, *(o for s in slots for o in s.operators)}
        for name in names:
            out.setdefault(str(name), []).append((req, a))
    return out


def _host_overlaps(problem: Problem, valid: list[tuple[Request, Assignment]]) -> list[str]:
    out = []
    by_host = _involving(valid, hosts=True)
    for host in problem.hosts:
        mine = _host_busy(problem, host, by_host.get(host.id, []))
        # Only spans starting within the longest span's length before a start can still be running at it.
        by_start = sorted(mine, key=lambda b: b.start)
        starts = [b.start for b in by_start]
        longest = max((b.end - b.start for b in mine), default=timedelta(0))
        for item in mine:
            earliest = bisect_left(starts, item.start - longest)
            at_start = [b for b in by_start[earliest : bisect_right(starts, item.start)] if item.start < b.end]
            if len(at_start) > host.max_concurrent:
                names = ", ".join(sorted(b.label for b in at_start))
                msg = f"host {host.id}: {len(at_start)} meetings at once at {item.start.isoformat()} ({names})"
                if msg not in out:  # items starting together would each report the same set
                    out.append(msg)
            if item.kind == HostKind.WEBINAR:
                for other in mine:
                    if other is not item and _spans_overlap(item.start, item.end, other.start, other.end):
                        out.append(f"host {host.id}: webinar {item.label} overlaps {other.label}")
    return out


def _operator_busy(problem: Problem, op: Operator, valid: list[tuple[Request, Assignment]]) -> list[_Busy]:
    """Everything an operator does: events and rehearsals with setup and teardown, surveys exactly."""
    out = []
    for req, a in valid:
        if op.id in a.operators:
            venue = req.venue if req.on_site else None
            out.append(_Busy(req.ref, *_operator_window(problem, *_effective(req, a)), venue=venue))
        r = a.rehearsal
        if r is not None and op.id in r.operators:
            spec = req.rehearsal
            on_site = spec is not None and spec.mode is RehearsalMode.ON_SITE
            venue = (r.venue or req.venue) if on_site else None
            out.append(_Busy(f"rehearsal of {req.ref}", *_operator_window(problem, r.start, r.end), venue=venue))
        s = a.survey
        if s is not None and op.id in s.operators:
            out.append(_Busy(f"survey of {s.venue} (with {req.ref})", s.start, s.end, venue=s.venue))
    return out


def _operator_overlaps(problem: Problem, busy: dict[str, list[_Busy]]) -> list[str]:
    out = []
    for op in problem.operators:
        mine = busy[op.id]
        # In start order a span can only overlap those starting before it ends; pairs reported in listed order.
        by_start = sorted(range(len(mine)), key=lambda i: mine[i].start)
        pairs = []
        for k, i in enumerate(by_start):
            for j in by_start[k + 1 :]:
                if mine[j].start >= mine[i].end:
                    break
                if _spans_overlap(mine[i].start, mine[i].end, mine[j].start, mine[j].end):
                    pairs.append((min(i, j), max(i, j)))
        out += [f"operator {op.id}: {mine[i].label} overlaps {mine[j].label}" for i, j in sorted(pairs)]
    return out


def _travel(problem: Problem, busy: dict[str, list[_Busy]]) -> list[str]:
    """Between an operator's consecutive on-site tasks at different venues, at least the travel time."""
    out = []
    for op in problem.operators:
        on_site = sorted(
            (b for b in busy[op.id] if b.venue is not None),
            key=lambda b: (b.start, b.end),
        )
        for b1, b2 in pairwise(on_site):
            if b1.venue == b2.venue:
                continue
            need = timedelta(minutes=problem.travel_min(b1.venue, b2.venue))
            if b2.start - b1.end < need:
                out.append(
                    f"operator {op.id}: travel from {b1.venue} ({b1.label}) to {b2.venue} ({b2.label}) needs "
                    f"{need} but only {b2.start - b1.end} is left"
                )
    return out


def _kits(problem: Problem, valid: list[tuple[Request, Assignment]]) -> list[str]:
    """At every instant, kits held by served requests and by other loans stay within the stock."""
    out = []
    served = {req.ref for req, _ in valid}
    for kit in problem.kit_types:
        held: list[tuple[str, int, datetime, datetime | None]] = []  # who, count, from, until (None: indefinitely)
        for req, a in valid:
            for need in req.kits:
                if need.kit == kit.id:
                    start, end = _effective(req, a)
                    spec, rehearsal = req.rehearsal, a.rehearsal
                    if spec is not None and spec.uses_kits and rehearsal is not None and rehearsal.start < start:
                        start = rehearsal.start  # the kits are picked up for the rehearsal, held through the event
                    s, e = kit_span(problem, start, end)
                    held.append((req.ref, need.count, s, e))
        for loan in problem.kits_out:
            if loan.kit != kit.id or (loan.request is not None and loan.request in served):
                continue
            who = f"loan to {loan.request}" if loan.request else "loan"
            held.append((who, loan.count, problem.now, loan.due if loan.due > problem.now else None))
        for whose, count, back in validate_units.broken_on_loan(problem, kit.id):
            held.append((f"broken on loan to {whose}", count, back, None))  # out of service from that return
        stock = validate_units.kits_in_service(problem, kit.id, kit.stock)
        for _, _, at, _ in sorted(held, key=lambda h: h[2]):
            now_held = [(w, c) for w, c, s, e in held if s <= at and (e is None or at < e)]
            total = sum(c for _, c in now_held)
            if total > stock:
                names = ", ".join(sorted(w for w, _ in now_held))
                broken = f", {kit.stock - stock} of {kit.stock} out of service" if stock < kit.stock else ""
                out.append(f"kit {kit.id}: {total} held at {at.isoformat()} but the stock is {stock}{broken} ({names})")
                break
    return out


def _same(a: Assignment, b: Assignment) -> bool:
    return a.host == b.host and sorted(a.operators) == sorted(b.operators)


def _pins_and_freeze(problem: Problem, plan: Plan) -> list[str]:
    out = []
    got = {a.request: a for a in plan.assignments}
    reqs = {r.ref: r for r in problem.requests}
    pinned = set()
    for pin in problem.pins:
        req = reqs[pin.request]
        if req.status.value not in ("new", "approved"):
            continue
        pinned.add(pin.request)
        a = got.get(pin.request)
        expected = Assignment(request=pin.request, host=pin.host, operators=pin.operators)
        if a is None or not _same(a, expected):
            out.append(f"{pin.request}: pinned assignment not kept")
    limit = problem.now + timedelta(minutes=problem.policy.freeze_horizon_min)
    for prev in problem.previous:
        if prev.request not in reqs:
            continue  # the request itself is gone from the problem: nothing of it can be frozen
        req = reqs[prev.request]
        published = _effective(req, prev)
        if prev.request in pinned or req.status.value not in ("new", "approved") or published[0] >= limit:
            continue
        if not _assignment_fits(problem, req, prev):
            continue  # the published assignment became impossible; the planner may re-plan it
        if req.start > problem.now and {n.kit for n in req.kits} & {f.kit for f in problem.kit_faults}:
            continue  # not begun, and kits of a type it borrows are out of service: no promise of its kits
        if _may_give_way(problem, req, published):
            continue  # an admin confirmed a higher-tier request that may displace it
        a = got.get(prev.request)
        if a is None or not _same(a, prev) or _effective(req, a) != published:
            out.append(f"{prev.request}: frozen (starts before {limit.isoformat()}) but was changed")
    return out


def _may_give_way(problem: Problem, req: Request, span: tuple[datetime, datetime]) -> bool:
    """Pre-emption, confirmed: a frozen request near a confirmed one of a higher tier (at or above the pre-emption
    tier) is not bound to its published assignment. "Near" is within the widest buffer or setup span (a flexible
    confirmed request counts with its whole window), or borrowing kits of one type over loans that could overlap."""
    pol = problem.policy
    if pol.preempt_min_tier is None:
        return False
    w = pol.priority_weights
    widest = max(
        [pol.buffer_before_min + pol.buffer_after_min, pol.operator_setup_min + pol.operator_teardown_min]
        + [(h.buffer_before_min if h.buffer_before_min is not None else pol.buffer_before_min)
           + (h.buffer_after_min if h.buffer_after_min is not None else pol.buffer_after_min) for h in problem.hosts]
    )  # fmt: skip
    margin = timedelta(minutes=widest)
    start, end = span
    for other in problem.requests:
        if other.ref not in problem.confirmed_preemptions or other.status.value not in ("new", "approved"):
            continue
        higher = w[other.priority] >= w[pol.preempt_min_tier] and w[other.priority] > w[req.priority]
        o0 = other.window_start if other.window_start is not None else other.start
        o1 = other.window_end if other.window_end is not None else other.end
        if higher and ((o0 - margin < end and start - margin < o1) or _loans_may_cross(problem, req, other)):
            return True
    return False


def _loans_may_cross(problem: Problem, req: Request, other: Request) -> bool:
    """Both borrow kits of one type, and their loans could overlap wherever in their windows they are placed: the
    kits held from their pickup before the rehearsal window opens when the rehearsal uses them."""
    if not {k.kit for k in req.kits} & {k.kit for k in other.kits}:
        return False
    spans = []
    for r in (req, other):
        first = r.window_start if r.window_start is not None else r.start
        spec = r.rehearsal
        if spec is not None and spec.uses_kits:
            first -= timedelta(minutes=spec.window_start_min_before)
        spans.append(kit_span(problem, first, r.window_end if r.window_end is not None else r.end))
    (s0, e0), (s1, e1) = spans
    return s0 < e1 and s1 < e0


def _coverage(problem: Problem, plan: Plan) -> list[str]:
    out = []
    got = {a.request: a for a in plan.assignments}
    unserved = [u.request for u in plan.unserved]
    if len(set(unserved)) != len(unserved):
        out.append("a request is listed as unserved twice")
    earlier = {a.request for a in problem.previous} | {p.request for p in problem.pins}
    for r in problem.requests:
        active = r.status.value in ("new", "approved")
        if active and r.ref not in got and r.ref not in unserved:
            out.append(f"{r.ref}: neither served nor explained")
        if r.ref in got and r.ref in unserved:
            out.append(f"{r.ref}: both served and unserved")
        if not active and r.ref in unserved:
            out.append(f"{r.ref}: listed as unserved although it is {r.status.value}")
        if r.ref in got and r.ref not in earlier:
            start = _effective(r, got[r.ref])[0]
            if start <= problem.now:
                out.append(f"{r.ref}: newly assigned although it started at {start.isoformat()}")
    for u in plan.unserved:
        if not u.reason.strip() or not u.reason_id.strip():
            out.append(f"{u.request}: unserved without a reason")
    return out
