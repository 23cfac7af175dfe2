"""An operator's agenda on their page: what they do today and in the next seven days — the events they run, their
rehearsals, the venue surveys they go on and the kit handovers of their events (pickup before, return after) — one
line each, in time order, at the site's zone (the office's day, whatever the request's own zone)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from allocator.notify.planned import kit_loans, planned_times, rehearsal_start
from allocator.notify.timefmt import when_text
from allocator.planner.domain import Assignment, Request
from allocator.planner.explain import when
from allocator.web.views import PlanIndex

DAYS_AHEAD = 7


@dataclass(frozen=True)
class AgendaLine:
    start: datetime
    end: datetime
    kind: str  # event | rehearsal | survey | kit_pickup | kit_return
    ref: str
    title: str
    when: str
    where: str


def _lines(r: Request, a: Assignment, operator: str, idx: PlanIndex, zone: str, lang: str) -> list[AgendaLine]:
    out = []
    start, end = planned_times(r, a)

    def line(s: datetime, e: datetime, kind: str, where: str) -> AgendaLine:
        said = when(s, e, zone, lang) if e > s else when_text(s, zone, lang)  # a handover is a moment
        return AgendaLine(s, e, kind, r.ref, r.title, said, where)

    runs = operator in a.operators
    if runs:
        out.append(line(start, end, "event", idx.venue(r.venue) or (a.host or "")))
        for k in kit_loans(r, start, end, idx.policy, idx.kit_names, rehearsal=rehearsal_start(a)):
            out.append(line(k.pickup, k.pickup, "kit_pickup", f"{k.count} × {k.name}"))
            out.append(line(k.due, k.due, "kit_return", f"{k.count} × {k.name}"))
    if a.rehearsal is not None and operator in a.rehearsal.operators:
        where = idx.venue(a.rehearsal.venue) or (a.rehearsal.host or "")
        out.append(line(a.rehearsal.start, a.rehearsal.end, "rehearsal", where))
    if a.survey is not None and operator in a.survey.operators:
        out.append(line(a.survey.start, a.survey.end, "survey", idx.venue(a.survey.venue) or ""))
    return out


def operator_agenda(
    requests: list[Request], idx: PlanIndex, operator: str, now: datetime, lang: str
) -> tuple[date, list[AgendaLine], list[AgendaLine]]:
    """Today's lines (those not yet over) and the next seven days' lines, at the site's zone."""
    zone = idx.policy.timezone
    tz = ZoneInfo(zone)
    today = now.astimezone(tz).date()
    tomorrow = datetime.combine(today + timedelta(days=1), time.min, tz)
    week_end = datetime.combine(today + timedelta(days=1 + DAYS_AHEAD), time.min, tz)
    lines: list[AgendaLine] = []
    for r in requests:
        a = idx.assigned.get(r.ref)
        if a is not None and r.status.active:
            lines.extend(_lines(r, a, operator, idx, zone, lang))
    lines.sort(key=lambda x: (x.start, x.ref, x.kind))
    todays = [x for x in lines if x.end >= now and x.start < tomorrow]
    week = [x for x in lines if tomorrow <= x.start < week_end]
    return today, todays, week
