"""The independent judge's view of working time (docs/calendar.md), apart from the solver's `calendar` module.

Closed days, office days, holiday duty, overtime caps, the trip from an operator's base and kit handovers in office
hours, each worked out again here from the problem with date-time arithmetic, day by day.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo

import holidays

from allocator.planner.domain import Operator, Problem, Request


@lru_cache(maxsize=64)
def _listed(country: str, year: int, category: str) -> frozenset[date]:
    """The library's days of one category (kept: the library builds a year in about a millisecond)."""
    try:
        return frozenset(holidays.country_holidays(country, years=year, categories=(category,)))
    except (NotImplementedError, KeyError, ValueError):
        return frozenset()


def is_closed(problem: Problem, day: date) -> bool:
    cal = problem.policy.calendar
    if cal is None or day in cal.open:
        return False
    if day in {c.day for c in cal.closed}:
        return True
    if cal.country is None:
        return False
    if day in _listed(cal.country, day.year, "public"):
        return True
    return cal.collective_leave and day in _listed(cal.country, day.year, "government")


def is_office_day(problem: Problem, day: date) -> bool:
    cal = problem.policy.calendar
    return cal is None or (day.weekday() in cal.office_days and not is_closed(problem, day))


def office_day_problems(problem: Problem, start: datetime) -> list[str]:
    """A rehearsal or survey on a day the office does not work."""
    day = start.astimezone(ZoneInfo(problem.policy.timezone)).date()
    if is_office_day(problem, day):
        return []
    return [f"falls on {day.isoformat()}, which is not a working day of the office"]


def _shift_spans(op: Operator, day: date, zone: ZoneInfo) -> list[tuple[datetime, datetime]]:
    spans = []
    for shift in op.shifts:
        if day.weekday() in shift.weekdays:
            s0 = datetime(day.year, day.month, day.day, shift.start.hour, shift.start.minute, tzinfo=zone)
            if shift.end == time(0):
                s1 = datetime(day.year, day.month, day.day, tzinfo=zone) + timedelta(days=1)
            else:
                s1 = datetime(day.year, day.month, day.day, shift.end.hour, shift.end.minute, tzinfo=zone)
            spans.append((s0, s1))
    return spans


def trip(problem: Problem, op: Operator, venue: str | None) -> timedelta:
    """The trip from the operator's base to `venue` that working time must hold (none without the rule)."""
    cal = problem.policy.calendar
    if cal is None or not cal.travel_in_working_time or venue is None:
        return timedelta(0)
    return timedelta(minutes=problem.travel_min(op.base or "base", venue))


def extra_time(
    problem: Problem, op: Operator, req: Request | None, w0: datetime, w1: datetime, extra: bool | Literal["duty"]
) -> tuple[str | None, int, bool]:
    """Whether the operator may work [w0, w1) (trip included by the caller) and the minutes of it that are overtime:
    (a problem, 0) if not. In a shift on an open day: none. Otherwise, for an event (`extra`): holiday duty on a
    closed day or one without shifts, by a duty operator, all overtime; or overtime by an operator the site allows,
    for a tier it allows, at most its minutes before or after one shift. `extra="duty"` (the mandatory rehearsal of a
    duty event): holiday duty only. Last: whether it is holiday duty."""
    pol = problem.policy
    zone = ZoneInfo(op.timezone or pol.timezone)
    lw0, lw1 = w0.astimezone(zone), w1.astimezone(zone)
    day = lw0.date()
    closed = is_closed(problem, day)
    spans = [] if closed else _shift_spans(op, day, zone)
    if any(s0 <= lw0 and lw1 <= s1 for s0, s1 in spans):
        return None, 0, False
    where = f"on {day.isoformat()}, a holiday," if closed else "then"
    if not extra or req is None:
        return f"operator {op.id} is off shift {where} (outside working time)", 0, False
    cal, ot = pol.calendar, pol.overtime
    duty = cal is not None and (req.duty or req.priority in cal.any_day_tiers)
    if duty and (closed or not spans):
        assert cal is not None
        if op.id not in cal.duty_operators:
            return f"operator {op.id} is off shift {where} and may not take holiday duty", 0, False
        return None, round((lw1 - lw0).total_seconds() / 60), True
    if extra == "duty":
        return f"operator {op.id} is off shift {where} (a rehearsal is duty only on a holiday or a day off)", 0, False
    if ot is None or op.id not in ot.operators or req.priority not in ot.tiers:
        return f"operator {op.id} is off shift {where} (no overtime allowed for it)", 0, False
    fits = []
    for s0, s1 in spans:
        before = max(timedelta(0), s0 - lw0)
        after = max(timedelta(0), lw1 - s1)
        touching = lw0 < s1 and s0 < lw1
        if (
            touching
            and before <= timedelta(minutes=ot.before_shift_min)
            and after <= timedelta(minutes=ot.after_shift_min)
        ):
            fits.append(round((before + after).total_seconds() / 60))
    if not fits:
        return f"operator {op.id} is off shift {where}, beyond the overtime the site allows", 0, False
    return None, min(fits), False


def rehearsal_is_duty(problem: Problem, req: Request) -> bool:
    """A mandatory rehearsal of a duty event (it asks for duty, or the site serves its tier on any day) may itself be
    holiday duty: on any day, at office-hours times, by a duty operator where the day is closed or has no shift."""
    cal = problem.policy.calendar
    spec = req.rehearsal
    return cal is not None and spec is not None and spec.mandatory and (req.duty or req.priority in cal.any_day_tiers)


def rehearsal_overtime(problem: Problem, req: Request, op: Operator, start: datetime, end: datetime) -> int:
    """Minutes of holiday duty of an operator on the rehearsal [start, end) of `req` (0 unless it is duty)."""
    if not rehearsal_is_duty(problem, req):
        return 0
    pol = problem.policy
    on_site = req.rehearsal is not None and req.rehearsal.mode.value == "on_site"
    w0 = start - timedelta(minutes=pol.operator_setup_min) - trip(problem, op, req.venue if on_site else None)
    w1 = end + timedelta(minutes=pol.operator_teardown_min)
    _problem, minutes, _duty = extra_time(problem, op, req, w0, w1, extra="duty")
    return minutes


def event_overtime(problem: Problem, req: Request, op: Operator, start: datetime, end: datetime) -> tuple[int, bool]:
    """Minutes of overtime of an operator on an event at [start, end) (0 if it is not allowed at all), and whether
    they are holiday duty."""
    pol = problem.policy
    w0 = start - timedelta(minutes=pol.operator_setup_min) - trip(problem, op, req.venue if req.on_site else None)
    w1 = end + timedelta(minutes=pol.operator_teardown_min)
    _problem, minutes, duty = extra_time(problem, op, req, w0, w1, extra=True)
    return minutes, duty


def weekly_overtime_problems(
    problem: Problem, served: list[tuple[Request, datetime, datetime, list[str]]]
) -> list[str]:
    """Each operator's overtime (holiday duty aside) per ISO week of the events' site-local days, within the cap."""
    ot = problem.policy.overtime
    if ot is None or ot.max_per_week_min is None:
        return []
    zone = ZoneInfo(problem.policy.timezone)
    ops = {o.id: o for o in problem.operators}
    used: dict[tuple[str, int, int], int] = {}
    for req, start, end, operators in served:
        year, week, _ = start.astimezone(zone).date().isocalendar()
        for name in operators:
            if name not in ops:
                continue
            minutes, duty = event_overtime(problem, req, ops[name], start, end)
            if minutes and not duty:
                used[name, year, week] = used.get((name, year, week), 0) + minutes
    return [
        f"operator {name}: {minutes} min of overtime in week {week} of {year}, above the site's {ot.max_per_week_min}"
        for (name, year, week), minutes in sorted(used.items())
        if minutes > ot.max_per_week_min
    ]


def _office_span(problem: Problem, day: date) -> tuple[datetime, datetime]:
    pol = problem.policy
    zone = ZoneInfo(pol.timezone)
    opening, closing = pol.office_hours
    o0 = datetime(day.year, day.month, day.day, opening.hour, opening.minute, tzinfo=zone)
    if closing == time(0):
        o1 = datetime(day.year, day.month, day.day, tzinfo=zone) + timedelta(days=1)
    else:
        o1 = datetime(day.year, day.month, day.day, closing.hour, closing.minute, tzinfo=zone)
    return o0, o1


def kit_span(problem: Problem, start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """Pickup and return of an event's kits: the policy's offsets, moved into office hours of working days (the
    pickup back to the last such moment, the return on to the next) when the site has a calendar."""
    pol = problem.policy
    pickup = start - timedelta(minutes=pol.kit_pickup_min)
    back = end + timedelta(minutes=pol.kit_return_min)
    if pol.calendar is None:
        return pickup, back
    zone = ZoneInfo(pol.timezone)
    for k in range(400):
        day = pickup.astimezone(zone).date() - timedelta(days=k)
        o0, o1 = _office_span(problem, day)
        if is_office_day(problem, day) and o0 <= pickup:
            pickup = pickup if pickup <= o1 else o1
            break
    for k in range(400):
        day = back.astimezone(zone).date() + timedelta(days=k)
        o0, o1 = _office_span(problem, day)
        if is_office_day(problem, day) and back < o1:
            back = back if back >= o0 else o0
            break
    return pickup, back
