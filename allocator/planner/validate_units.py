"""The validator's rules for units that run their own meetings and for kits out of service.

Part of the independent judge (allocator/planner/validate.py): written from the problem alone, sharing no code
with the solver (not self_operated.py, not kit_faults.py), so one mistake cannot hide in both.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from allocator.planner.domain import Assignment, KitFault, Problem, Request, ServiceType, UnitOperator
from allocator.planner.validate_calendar import kit_span


def self_operated_problems(problem: Problem, req: Request, a: Assignment) -> list[str]:
    """A self-operated request: one its unit asked us to operate, whose unit has a trained operator with the
    skills it needs; it has our host, none of our operators, and no rehearsal of ours (none may be mandatory)."""
    if not a.self_operated:
        return []
    out = []
    if req.service != ServiceType.LINK_OPERATOR:
        out.append(f"is self-operated but its service is {req.service.value} (only link_operator may be)")
    trained = [
        u for u in problem.unit_operators if u.unit == req.unit and all(s in u.skills for s in req.required_skills)
    ]
    if not trained:
        out.append(f"is self-operated but unit {req.unit!r} has no trained operator with skills {req.required_skills}")
    start, end = a.start or req.start, a.end or req.end
    away = [(u.id, day) for u in trained if (day := leave_day(u, req.timezone, start, end)) is not None]
    if trained and len(away) == len(trained):
        names = ", ".join(f"{who} on {day.isoformat()}" for who, day in away)
        out.append(f"is self-operated but every trained operator of unit {req.unit!r} with the skills is on leave "
                   f"({names})")  # fmt: skip
    if a.operators:
        out.append("is self-operated but lists operators of the office")
    if a.rehearsal is not None:
        out.append("is self-operated but has a rehearsal of the office")
    if req.rehearsal is not None and req.rehearsal.mandatory:
        out.append("is self-operated but its rehearsal is mandatory (run by the office's operator)")
    return out


def unit_operator_overlaps(problem: Problem, meetings: list[tuple[Request, datetime, datetime]]) -> list[str]:
    """Each unit's self-operated meetings (request, start, end) can be shared out over its trained operators with
    the skills and not on leave then, one meeting at a time per person: checked by trying every way to share out
    each run of meetings that overlap one another (a unit has a few trained operators and a few meetings at
    once)."""
    out = []
    by_unit: dict[str, list[tuple[Request, datetime, datetime]]] = {}
    for m in meetings:
        by_unit.setdefault(m[0].unit, []).append(m)
    for unit, mine in sorted(by_unit.items()):
        mine.sort(key=lambda m: (m[1], m[2], m[0].ref))
        runs: list[list[tuple[Request, datetime, datetime]]] = []
        for m in mine:
            if runs and m[1] < max(r[2] for r in runs[-1]):
                runs[-1].append(m)
            else:
                runs.append([m])
        for run in runs:
            if len(run) > 1 and not _shared_out(problem, run):
                refs = ", ".join(r[0].ref for r in run)
                out.append(f"unit {unit}: its trained operators cannot run the overlapping self-operated {refs}")
    return out


def _shared_out(problem: Problem, run: list[tuple[Request, datetime, datetime]], given: tuple[str, ...] = ()) -> bool:
    """Whether the meetings of `run` from `len(given)` on can each get a trained operator with the skills who runs no
    overlapping meeting of those before it (`given`: the persons given to the earlier ones, in order)."""
    if len(given) == len(run):
        return True
    req, start, end = run[len(given)]
    for person in problem.unit_operators:
        if person.unit != req.unit or not set(req.required_skills) <= set(person.skills):
            continue
        if leave_day(person, req.timezone, start, end) is not None:
            continue
        clash = any(who == person.id and s < end and start < e for who, (_r, s, e) in zip(given, run, strict=False))
        if not clash and _shared_out(problem, run, (*given, person.id)):
            return True
    return False


def leave_day(person: UnitOperator, zone: str, start: datetime, end: datetime) -> date | None:
    """The first local day (in `zone`, the unit's requests') of [start, end) the person is on leave, or None."""
    tz = ZoneInfo(zone)
    day, last = start.astimezone(tz).date(), (end - timedelta(microseconds=1)).astimezone(tz).date()
    while day <= last:
        if any(p.first <= day <= p.last for p in person.leave):
            return day
        day += timedelta(days=1)
    return None


def operators_wanted(req: Request, a: Assignment) -> int:
    """Office operators an assignment must list."""
    if req.service == ServiceType.LINK or a.self_operated:
        return 0
    return req.operators_needed


def kits_in_service(problem: Problem, kit: str, stock: int) -> int:
    """The stock of a kit type less every kit of it reported broken and not repaired, but those still on the loan
    they broke on (`broken_on_loan`: they leave the stock at its return)."""
    broken = 0
    for fault in problem.kit_faults:
        if fault.kit == kit and _on_loan_until(problem, fault) is None:
            broken += fault.count
    return stock - broken if stock > broken else 0


def broken_on_loan(problem: Problem, kit: str) -> list[tuple[str, int, datetime]]:
    """Kits of a type broken on a loan that still runs: (whose loan, how many, its return: when they leave stock)."""
    out = []
    for fault in problem.kit_faults:
        until = _on_loan_until(problem, fault) if fault.kit == kit else None
        if until is not None:
            out.append((str(fault.request), fault.count, until))
    return out


def _on_loan_until(problem: Problem, fault: KitFault) -> datetime | None:
    """The return of the loan a fault's kits broke on, if that loan is out now (a kit out for the request, or the
    request itself begun); None when the kits are in the office already."""
    if fault.request is None:
        return None
    ends = [k.due for k in problem.kits_out if k.kit == fault.kit and k.request == fault.request]
    for r in problem.requests:
        if r.ref != fault.request or r.start > problem.now or fault.kit not in {n.kit for n in r.kits}:
            continue
        ends.append(kit_span(problem, r.start, r.end)[1])
    later = [e for e in ends if e > problem.now]
    return max(later) if later else None


def self_operated_cost(problem: Problem, assignments: list[Assignment]) -> int:
    """The preference cost of the self-operated requests."""
    return problem.policy.preferences.self_operated * len([a for a in assignments if a.self_operated])
