"""Working time as the office lives it: closed days, office hours, holiday duty and overtime (docs/calendar.md).

A site's `WorkingCalendar` closes its office on the national holidays and collective leave days (cuti bersama)
the `holidays` library knows for its country, plus the days the site adds, less the days it takes back. On a
closed day no shift applies: operators, rehearsals, surveys and kit handovers wait for the next working day,
unless the work is *duty* (the request asks for it, or its tier is one the site serves on any day), which a duty
operator may take on a closed day or outside their shifts, every minute of it counted as overtime. The site's
`OvertimePolicy` lets named operators work a little before or after a shift for the tiers it names; the
minutes past the shift are overtime, a preference the planner pays only where it serves more.

Pure: the library computes the holidays (no I/O); everything is cached per year.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from allocator.planner.domain import Request, SitePolicy, WorkingCalendar


@lru_cache(maxsize=64)
def library_holidays(country: str, year: int, collective_leave: bool) -> frozenset[date]:
    """The country's public holidays of a year (with its collective leave days, the library's 'government'
    category, when asked); a country the library does not know has none."""
    categories: tuple[str, ...] = ("public", "government") if collective_leave else ("public",)
    try:
        found = holidays.country_holidays(country, years=year, categories=categories)
    except (NotImplementedError, KeyError, ValueError):
        try:
            found = holidays.country_holidays(country, years=year)
        except (NotImplementedError, KeyError, ValueError):
            return frozenset()
    return frozenset(found)


def closed_day(cal: WorkingCalendar, day: date) -> bool:
    """The office is closed all day: a national holiday or collective leave day, or one of the site's own closed
    days, and not one the site opens all the same. (Weekends are a matter of office days and shifts.)"""
    if day in cal.open:
        return False
    if any(c.day == day for c in cal.closed):
        return True
    return cal.country is not None and day in library_holidays(cal.country, day.year, cal.collective_leave)


def holiday_name(cal: WorkingCalendar, day: date, lang: str = "id") -> str | None:
    """What closes the office that day, as people read it in `lang` (id, en; None: it is open)."""
    if not closed_day(cal, day):
        return None
    for c in cal.closed:
        if c.day == day:
            return c.name or "closed"
    assert cal.country is not None
    categories: tuple[str, ...] = ("public", "government") if cal.collective_leave else ("public",)
    try:
        found = holidays.country_holidays(
            cal.country, years=day.year, categories=categories, language="en_US" if lang == "en" else lang
        )
    except (NotImplementedError, KeyError, ValueError):
        return "libur" if lang == "id" else "holiday"
    return str(found.get(day) or ("libur" if lang == "id" else "holiday"))


def office_day(cal: WorkingCalendar | None, day: date) -> bool:
    """A day on which the office works (handovers, rehearsals, surveys); any day without a calendar."""
    return cal is None or (day.weekday() in cal.office_days and not closed_day(cal, day))


def is_duty(policy: SitePolicy, req: Request) -> bool:
    """The request may be served outside working time as duty: it asks for it, or the site serves its tier on
    any day."""
    cal = policy.calendar
    return cal is not None and (req.duty or req.priority in cal.any_day_tiers)


def duty_rehearsal(policy: SitePolicy, req: Request) -> bool:
    """The request's rehearsal may itself be duty: it is mandatory (the event is not served without it) and the
    event is duty. A Monday ceremony of the regent whose rehearsal window holds only the weekend is then rehearsed
    on Saturday by a duty operator rather than left out (docs/calendar.md)."""
    return req.rehearsal is not None and req.rehearsal.mandatory and is_duty(policy, req)


def may_work_overtime(policy: SitePolicy, req: Request, operator: str) -> bool:
    ot = policy.overtime
    return ot is not None and operator in ot.operators and req.priority in ot.tiers


def _office_span(policy: SitePolicy, day: date) -> tuple[datetime, datetime]:
    zone = ZoneInfo(policy.timezone)
    opening, closing = policy.office_hours
    start = datetime.combine(day, opening, zone)
    end = datetime.combine(day + timedelta(days=1), time(0), zone) if closing == time(0) else None
    return start, end or datetime.combine(day, closing, zone)


def kits_needed_at(req: Request, start: datetime, rehearsal: datetime | None) -> datetime:
    """When the request's kits are first needed: the start of its rehearsal when the rehearsal uses them
    (`RehearsalSpec.uses_kits`) and is planned (`rehearsal`: its start), else the event's (effective) `start`."""
    spec = req.rehearsal
    if rehearsal is not None and spec is not None and spec.uses_kits and req.kits and rehearsal < start:
        return rehearsal
    return start


def widest_kit_span(policy: SitePolicy, req: Request) -> tuple[datetime, datetime]:
    """The longest `req` may hold its kits anywhere it may be placed: from their pickup before its earliest start
    (before its rehearsal window opens when the rehearsal uses them) to their return after its latest end."""
    first = req.window_start if req.window_start is not None else req.start
    last = req.window_end if req.window_end is not None else req.end
    spec = req.rehearsal
    if spec is not None and spec.uses_kits:
        first -= timedelta(minutes=spec.window_start_min_before)
    return pickup_time(policy, first, policy.kit_pickup_min), return_time(policy, last, policy.kit_return_min)


def pickup_time(policy: SitePolicy, needed: datetime, lead_min: int) -> datetime:
    """A kit leaves stock `lead_min` before it is needed, or at the last office-hours time before that (the
    previous working day's closing) when that falls outside office hours. Without a calendar: exactly then."""
    wanted = needed - timedelta(minutes=lead_min)
    cal = policy.calendar
    if cal is None:
        return wanted
    day = wanted.astimezone(ZoneInfo(policy.timezone)).date()
    for _ in range(400):
        if office_day(cal, day):
            start, end = _office_span(policy, day)
            if start <= wanted:
                return min(wanted, end)
        day -= timedelta(days=1)
    return wanted  # no office day in a year: nothing sensible to snap to


def return_time(policy: SitePolicy, ended: datetime, lag_min: int) -> datetime:
    """A kit is back `lag_min` after the event, or at the first office-hours time after that (the next working
    day's opening) when that falls outside office hours. Without a calendar: exactly then."""
    wanted = ended + timedelta(minutes=lag_min)
    cal = policy.calendar
    if cal is None:
        return wanted
    day = wanted.astimezone(ZoneInfo(policy.timezone)).date()
    for _ in range(400):
        if office_day(cal, day):
            start, end = _office_span(policy, day)
            if wanted < end:
                return max(wanted, start)
        day += timedelta(days=1)
    return wanted


def extra_minutes(
    policy: SitePolicy,
    req: Request,
    operator: str,
    windows: list[tuple[datetime, datetime]],
    closed: bool,
    span: tuple[datetime, datetime],
) -> tuple[int, bool] | None:
    """Minutes of overtime at which `operator` may still do work spanning `span` outside their working `windows`
    of its day (`closed`: the office is closed that day), or None if they may not: duty on a closed day or a day
    without shifts (all of it overtime), else overtime just before or after one window, within the site's caps.
    With the minutes: whether it is duty (which no weekly overtime cap counts)."""
    start, end = span
    length = int((end - start).total_seconds()) // 60
    if (closed or not windows) and is_duty(policy, req):
        cal = policy.calendar
        return (length, True) if cal is not None and operator in cal.duty_operators else None
    ot = policy.overtime
    if ot is None or not may_work_overtime(policy, req, operator):
        return None
    best: int | None = None
    for w0, w1 in windows:
        before = max(0, int((w0 - start).total_seconds()) // 60)
        after = max(0, int((end - w1).total_seconds()) // 60)
        if before <= ot.before_shift_min and after <= ot.after_shift_min and start < w1 and w0 < end:
            best = before + after if best is None else min(best, before + after)
    return None if best is None else (best, False)
