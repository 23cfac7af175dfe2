"""An independent judge of plans: re-checks every hard rule from the problem, sharing no code with the solver.

Written deliberately in a different style from the solver (date-time arithmetic, pairwise and point checks
instead of minute integers and cliques), so that one mistake cannot hide in both.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from allocator.domain import Assignment, HostKind, Operator, Plan, Problem, Request, ServiceType, ZoomHost


def _spans_overlap(a0: datetime, a1: datetime, b0: datetime, b1: datetime) -> bool:
    return a0 < b1 and b0 < a1


def _host_window(problem: Problem, host: ZoomHost, req: Request) -> tuple[datetime, datetime]:
    pol = problem.policy
    before = host.buffer_before_min if host.buffer_before_min is not None else pol.buffer_before_min
    after = host.buffer_after_min if host.buffer_after_min is not None else pol.buffer_after_min
    return req.start - timedelta(minutes=before), req.end + timedelta(minutes=after)


def _operator_window(problem: Problem, req: Request) -> tuple[datetime, datetime]:
    pol = problem.policy
    return req.start - timedelta(minutes=pol.operator_setup_min), req.end + timedelta(minutes=pol.operator_teardown_min)


def _static_host_problems(host: ZoomHost, req: Request) -> list[str]:
    out = []
    if host.capacity < req.participants:
        out.append(f"host {host.id} seats {host.capacity} < {req.participants} participants")
    if req.kind == HostKind.WEBINAR and host.kind != HostKind.WEBINAR:
        out.append(f"host {host.id} has no webinar licence")
    if host.available is not None:
        inside = [w for w in host.available if w.start <= req.start and req.end <= w.end]
        if not inside:
            out.append(f"host {host.id} is not available then")
    for w in host.blackouts:
        if _spans_overlap(w.start, w.end, req.start, req.end):
            out.append(f"host {host.id} is blacked out then")
    return out


def _static_operator_problems(problem: Problem, op: Operator, req: Request) -> list[str]:
    out = []
    missing = sorted(set(req.required_skills) - set(op.skills))
    if missing:
        out.append(f"operator {op.id} lacks skills {missing}")
    if req.allowed_operators is not None and op.id not in req.allowed_operators:
        out.append(f"operator {op.id} is not allowed")
    zone = ZoneInfo(op.timezone or problem.policy.timezone)
    w0, w1 = _operator_window(problem, req)
    lw0, lw1 = w0.astimezone(zone), w1.astimezone(zone)
    day = lw0.date()
    last_day = (lw1 - timedelta(microseconds=1)).date()
    d = day
    while d <= last_day:
        if any(p.first <= d <= p.last for p in op.leave):
            out.append(f"operator {op.id} is on leave on {d.isoformat()}")
            break
        d += timedelta(days=1)
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


def _shape_problems(req: Request, a: Assignment) -> list[str]:
    out = []
    wants_host = req.service in (ServiceType.LINK, ServiceType.LINK_OPERATOR)
    if wants_host and a.host is None:
        out.append("needs a host but has none")
    if not wants_host and a.host is not None:
        out.append("is operator-only but was given a host")
    wanted_ops = 0 if req.service == ServiceType.LINK else req.operators_needed
    if len(a.operators) != wanted_ops:
        out.append(f"needs {wanted_ops} operator(s) but has {len(a.operators)}")
    if len(set(a.operators)) != len(a.operators):
        out.append("lists an operator twice")
    return out


def _assignment_fits(problem: Problem, req: Request, a: Assignment) -> bool:
    """Whether an assignment satisfies every rule that does not involve other requests."""
    hosts = {h.id: h for h in problem.hosts}
    ops = {o.id: o for o in problem.operators}
    if _shape_problems(req, a):
        return False
    if a.host is not None and (a.host not in hosts or _static_host_problems(hosts[a.host], req)):
        return False
    return all(o in ops and not _static_operator_problems(problem, ops[o], req) for o in a.operators)


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
        for msg in _shape_problems(req, a):
            v.append(f"{a.request}: {msg}")
        if a.host is not None:
            if a.host not in hosts:
                v.append(f"{a.request}: unknown host {a.host}")
                continue
            v.extend(f"{a.request}: {m}" for m in _static_host_problems(hosts[a.host], req))
        for o in a.operators:
            if o not in ops:
                v.append(f"{a.request}: unknown operator {o}")
                continue
            v.extend(f"{a.request}: {m}" for m in _static_operator_problems(problem, ops[o], req))
        valid.append((req, a))

    v.extend(_host_overlaps(problem, valid))
    v.extend(_operator_overlaps(problem, valid))
    v.extend(_pins_and_freeze(problem, plan))
    v.extend(_coverage(problem, plan))
    return v


def _host_overlaps(problem: Problem, valid: list[tuple[Request, Assignment]]) -> list[str]:
    out = []
    for host in problem.hosts:
        mine = [(req, *_host_window(problem, host, req)) for req, a in valid if a.host == host.id]
        for req, s, e in mine:
            at_start = [r for r, s2, e2 in mine if s2 <= s < e2]
            if len(at_start) > host.max_concurrent:
                names = ", ".join(sorted(r.ref for r in at_start))
                out.append(f"host {host.id}: {len(at_start)} meetings at once at {s.isoformat()} ({names})")
            if req.kind == HostKind.WEBINAR:
                for other, s2, e2 in mine:
                    if other.ref != req.ref and _spans_overlap(s, e, s2, e2):
                        out.append(f"host {host.id}: webinar {req.ref} overlaps {other.ref}")
    return out


def _operator_overlaps(problem: Problem, valid: list[tuple[Request, Assignment]]) -> list[str]:
    out = []
    for op in problem.operators:
        mine = [(req, *_operator_window(problem, req)) for req, a in valid if op.id in a.operators]
        for i, (r1, s1, e1) in enumerate(mine):
            for r2, s2, e2 in mine[i + 1 :]:
                if _spans_overlap(s1, e1, s2, e2):
                    out.append(f"operator {op.id}: {r1.ref} overlaps {r2.ref}")
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
        req = reqs[prev.request]
        if prev.request in pinned or req.status.value not in ("new", "approved") or req.start >= limit:
            continue
        if not _assignment_fits(problem, req, prev):
            continue  # the published assignment became impossible; the planner may re-plan it
        if _may_give_way(problem, req):
            continue  # an admin confirmed a higher-tier request that may displace it
        a = got.get(prev.request)
        if a is None or not _same(a, prev):
            out.append(f"{prev.request}: frozen (starts before {limit.isoformat()}) but was changed")
    return out


def _may_give_way(problem: Problem, req: Request) -> bool:
    """Pre-emption, confirmed: a frozen request near a confirmed one of a higher tier (at or above the pre-emption
    tier) is not bound to its published assignment. "Near" is within the widest buffer or setup span."""
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
    for other in problem.requests:
        if other.ref not in problem.confirmed_preemptions or other.status.value not in ("new", "approved"):
            continue
        higher = w[other.priority] >= w[pol.preempt_min_tier] and w[other.priority] > w[req.priority]
        if higher and other.start - margin < req.end and req.start - margin < other.end:
            return True
    return False


def _coverage(problem: Problem, plan: Plan) -> list[str]:
    out = []
    assigned = {a.request for a in plan.assignments}
    unserved = [u.request for u in plan.unserved]
    if len(set(unserved)) != len(unserved):
        out.append("a request is listed as unserved twice")
    earlier = {a.request for a in problem.previous} | {p.request for p in problem.pins}
    for r in problem.requests:
        active = r.status.value in ("new", "approved")
        if active and r.ref not in assigned and r.ref not in unserved:
            out.append(f"{r.ref}: neither served nor explained")
        if r.ref in assigned and r.ref in unserved:
            out.append(f"{r.ref}: both served and unserved")
        if not active and r.ref in unserved:
            out.append(f"{r.ref}: listed as unserved although it is {r.status.value}")
        if r.ref in assigned and r.start <= problem.now and r.ref not in earlier:
            out.append(f"{r.ref}: newly assigned although it started at {r.start.isoformat()}")
    for u in plan.unserved:
        if not u.reason.strip() or not u.reason_id.strip():
            out.append(f"{u.request}: unserved without a reason")
    return out
