"""A series as its PIC is told it: one notice, one join link, every occurrence listed, one calendar event that
repeats (RRULE), with the occurrences not held left out (EXDATE) and moved ones as exceptions (RECURRENCE-ID).
Pure: the request, the plan and the event as planned in; the event with its occurrences out."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from allocator.notify.model import EventInfo, OccurrenceInfo
from allocator.planner.domain import Assignment, Plan, Request, SeriesRepeat, occurrences

_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def is_series(req: Request) -> bool:
    return req.series is not None and req.occurrence is None


def series_assignment(plan: Plan | None, req: Request) -> Assignment | None:
    """The series counts as served when one of its occurrences is: the first served occurrence's assignment, under
    the series' own reference."""
    if plan is None or not req.status.active:
        return None
    for occ in occurrences(req):
        a = plan.assignment_for(occ.ref)
        if a is not None and occ.status.active:
            return a.model_copy(update={"request": req.ref, "start": None, "end": None, "rehearsal": None})
    return None


def with_occurrences(event: EventInfo, req: Request, plan: Plan | None) -> EventInfo:
    """`event` (the series' first occurrence as planned) with every occurrence and the calendar's repeat rule."""
    pattern = req.series
    assert pattern is not None
    plain = req.model_copy(update={"series": pattern.model_copy(update={"changes": []})})
    nominal = occurrences(plain)
    served = {a.request for a in plan.assignments} if plan is not None else set()
    infos = []
    for nom, occ in zip(nominal, occurrences(req), strict=True):
        held = occ.ref in served and occ.status.active
        infos.append(OccurrenceInfo(number=occ.occurrence or 0, nominal=nom.start, start=occ.start if held else None,
                                    end=occ.end if held else None))  # fmt: skip
    rule: dict[str, Any] = {"freq": pattern.repeat.value, "interval": pattern.every, "count": len(nominal)}
    if pattern.repeat is SeriesRepeat.WEEKLY:
        day = req.start.astimezone(ZoneInfo(req.timezone)).weekday()
        rule["byday"] = [_DAYS[d] for d in sorted(pattern.weekdays or [day])]
    if pattern.repeat is SeriesRepeat.MONTHLY:
        first = req.start.astimezone(ZoneInfo(req.timezone))
        if pattern.month_week is None:
            rule["bymonthday"] = [first.day]
        else:  # e.g. BYDAY=1MO (the first Monday), -1FR (the last Friday)
            rule["byday"] = [f"{pattern.month_week}{_DAYS[first.weekday()]}"]
    return event.model_copy(
        update={"start": nominal[0].start, "end": nominal[0].end, "occurrences": tuple(infos), "recurrence": rule}
    )


def snapshot_of(event: EventInfo) -> list[list[str | None]]:
    """The occurrences as a PIC's snapshot compares them: a change to one is a change to tell."""
    return [[o.start.isoformat() if o.start else None, o.end.isoformat() if o.end else None] for o in event.occurrences]
