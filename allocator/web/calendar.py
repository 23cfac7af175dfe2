"""The admin's calendar: hosts and operators × the hours of a day or of a week, from the published plan.

Meetings that overlap on one host (a host may run two at once) or on one operator are drawn in separate lanes of
its row, so a correct plan never looks like a double booking. Filters keep the requests of one host, operator,
unit or priority tier; the lists below the grid hold only the period shown."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from allocator.notify.events import upcoming_requests
from allocator.notify.planned import kit_loans, planned_times, rehearsal_start
from allocator.planner.domain import Assignment, Request, expand_series, local
from allocator.store.repo import Store
from allocator.web.views import PlanIndex

DAY_HOURS = (7, 18)  # widened to fit the meetings shown


@dataclass(frozen=True)
class CalendarFilter:
    """Which requests to show; empty fields keep every request."""

    host: str | None = None
    operator: str | None = None
    unit: str | None = None  # a part of the unit's name, any case
    priority: str | None = None

    @property
    def active(self) -> bool:
        return any((self.host, self.operator, self.unit, self.priority))

    def keeps(self, r: Request, a: Assignment | None) -> bool:
        if self.unit and self.unit.casefold() not in r.unit.casefold():
            return False
        if self.priority and r.priority != self.priority:
            return False
        if self.host and (a is None or self.host not in {a.host, a.rehearsal.host if a.rehearsal else None}):
            return False
        if self.operator:
            ops = set(a.operators) if a else set()
            for t in (a.rehearsal, a.survey) if a else ():
                ops |= set(t.operators) if t else set()
            if self.operator not in ops:
                return False
        return True

    def query(self) -> str:
        """These filters as a query string suffix (`&host=…`), for the period links."""
        from urllib.parse import urlencode

        pairs = [(k, v) for k, v in vars(self).items() if v]
        return "&" + urlencode(pairs) if pairs else ""


@dataclass(frozen=True)
class Block:
    ref: str
    title: str
    priority: str
    tier: int
    left: float  # percent of the row
    width: float
    label: str  # 09:00–11:00
    kind: str = "event"  # event | rehearsal | survey | kit (a loan, pickup to return)
    venue: str | None = None  # a survey's venue, an on-site rehearsal's
    lane: int = 0  # the lane of its row: overlapping blocks never share one


@dataclass(frozen=True)
class Row:
    kind: str  # host | operator | kit
    id: str
    label: str
    blocks: list[Block]

    @property
    def lanes(self) -> int:
        return 1 + max((b.lane for b in self.blocks), default=0)


@dataclass(frozen=True)
class Calendar:
    days: list[date]
    zone: str
    first_hour: int
    last_hour: int
    rows: list[Row]
    tiers: list[tuple[str, str]]  # (key, label in the page's language), highest weight first
    start: datetime  # the period shown, [start, end)
    end: datetime

    @property
    def hours(self) -> list[int]:
        return list(range(self.first_hour, self.last_hour))


#: (kind, start, end, rows as (host|operator, id), venue) of one block
Span = tuple[str, datetime, datetime, list[tuple[str, str]], str | None]


def spans(r: Request, a: Assignment) -> list[Span]:
    """What an assignment puts on the calendar: the event at its planned time, its rehearsal and its survey."""
    s, e = planned_times(r, a)
    rows = ([("host", a.host)] if a.host else []) + [("operator", o) for o in a.operators]
    out: list[Span] = [("event", s, e, rows, None)]
    if a.rehearsal is not None:
        t = a.rehearsal
        rows = ([("host", t.host)] if t.host else []) + [("operator", o) for o in (t.operators or a.operators)]
        out.append(("rehearsal", t.start, t.end, rows, t.venue))
    if a.survey is not None:
        out.append(("survey", a.survey.start, a.survey.end, [("operator", o) for o in a.survey.operators],
                    a.survey.venue))  # fmt: skip
    return out


def kit_spans(served: list[tuple[Request, Assignment]], idx: PlanIndex) -> list[tuple[Request, Span]]:
    """Each kit loan of a served request, from pickup to return, on its kit type's row."""
    out: list[tuple[Request, Span]] = []
    for r, a in served:
        s, e = planned_times(r, a)
        for k in kit_loans(r, s, e, idx.policy, idx.kit_names, rehearsal=rehearsal_start(a)):
            out.append((r, ("kit", k.pickup, k.due, [("kit", k.kit)], None)))
    return out


def _lanes(blocks: list[Block]) -> list[Block]:
    """Each block in the first lane free at its start (interval partitioning: as few lanes as overlaps need)."""
    ends: list[float] = []
    out = []
    for b in sorted(blocks, key=lambda b: (b.left, -b.width, b.ref)):
        lane = next((i for i, end in enumerate(ends) if end <= b.left + 1e-6), len(ends))
        if lane == len(ends):
            ends.append(0.0)
        ends[lane] = b.left + b.width
        out.append(Block(**{**vars(b), "lane": lane}))
    return out


KIT_RETURN_REACH = timedelta(days=7)


def period(day: date, view: str) -> list[date]:
    """The days shown: the day, or the week (Monday to Sunday) holding it."""
    if view != "week":
        return [day]
    monday = day - timedelta(days=day.weekday())
    return [monday + timedelta(days=i) for i in range(7)]


def calendar(store: Store, days: list[date], idx: PlanIndex, lang: str, only: CalendarFilter | None = None) -> Calendar:
    """Hosts and operators × the hours of `days` (each day its own column of the same hours)."""
    only = only or CalendarFilter()
    policy = idx.policy
    zone = policy.timezone
    tz = ZoneInfo(zone)
    start = datetime.combine(days[0], datetime.min.time(), tz)
    end = datetime.combine(days[-1] + timedelta(days=1), datetime.min.time(), tz)
    tiers = sorted(policy.priority_weights, key=lambda t: -policy.priority_weights[t])
    # A kit comes back after its event (the next office-hours morning, over a weekend or holidays): requests that
    # ended up to a week before the period still draw their loans in it.
    upcoming = upcoming_requests(store, idx.plan.plan if idx.plan else None, start - KIT_RETURN_REACH)
    reqs = {r.ref: r for r in expand_series(upcoming)}  # a series is drawn as its occurrences
    shown = [(reqs[ref], sp) for ref, a in idx.assigned.items()
             if ref in reqs and only.keeps(reqs[ref], a) for sp in spans(reqs[ref], a)]  # fmt: skip
    shown += kit_spans([(reqs[ref], a) for ref, a in idx.assigned.items()
                        if ref in reqs and only.keeps(reqs[ref], a)], idx)  # fmt: skip
    shown = [(r, sp) for r, sp in shown if sp[1] < end and sp[2] > start]
    first, last = DAY_HOURS
    for _r, (_kind, s0, e0, _rows, _venue) in shown:
        for d in days:
            d0 = datetime.combine(d, datetime.min.time(), tz)
            d1 = d0 + timedelta(days=1)
            s, e = max(local(s0, zone), d0), min(local(e0, zone), d1)
            if s < e:
                first = min(first, s.hour)
                last = max(last, 24 if e >= d1 else e.hour + (1 if e.minute or e.second else 0))
    day_min = (last - first) * 60
    total = day_min * len(days)
    by_row: dict[tuple[str, str], list[Block]] = {}
    for r, (kind, s0, e0, rows, venue) in shown:
        tier = tiers.index(r.priority) if r.priority in tiers else len(tiers) - 1
        label = f"{local(s0, zone):%H:%M}–{local(e0, zone):%H:%M}"
        for i, d in enumerate(days):  # a block over midnight is drawn on each day it touches
            w0 = datetime.combine(d, datetime.min.time(), tz) + timedelta(hours=first)
            w1 = w0 + timedelta(minutes=day_min)
            s, e = max(s0, w0), min(e0, w1)
            if e <= s:
                continue
            left = (i * day_min + (s - w0).total_seconds() / 60) / total * 100
            width = (e - s).total_seconds() / 60 / total * 100
            block = Block(r.ref, r.title, policy.tier_label(r.priority, lang), tier, round(left, 3), round(width, 3),
                          label, kind, idx.venue(venue))  # fmt: skip
            for row in rows:
                by_row.setdefault(row, []).append(block)
    out = [Row("host", h.id, f"{h.id} ({h.capacity})", _lanes(by_row.get(("host", h.id), [])))
           for h in store.hosts()]  # fmt: skip
    out += [Row("operator", o.id, f"{o.id} {o.name}", _lanes(by_row.get(("operator", o.id), [])))
            for o in store.operators()]  # fmt: skip
    out += [Row("kit", k.id, k.name or k.id, _lanes(by_row.get(("kit", k.id), []))) for k in store.kit_types()]
    if only.host:  # one host's calendar: its row, and the operators' rows of its requests
        out = [x for x in out if x.kind != "host" or x.id == only.host]
    if only.operator:
        out = [x for x in out if x.kind != "operator" or x.id == only.operator]
    if only.active:  # the rows with something to show, and the one asked for
        out = [x for x in out if x.blocks or x.id in (only.host, only.operator)]
    out = [x for x in out if x.kind != "kit" or x.blocks]  # kits only when lent in the period
    return Calendar(days, zone, first, last, out, [(t, policy.tier_label(t, lang)) for t in tiers], start, end)


@dataclass(frozen=True)
class Entry:
    """One line of the period's export: an event, a rehearsal, a survey or a kit loan."""

    kind: str
    start: datetime  # in the site's zone
    end: datetime
    ref: str
    title: str
    unit: str
    tier: str
    hosts: str
    operators: str
    where: str


def entries(
    store: Store, days: list[date], idx: PlanIndex, lang: str, only: CalendarFilter | None = None
) -> list[Entry]:
    """What the calendar shows for `days`, as lines in time order (for the XLSX and the printable page)."""
    only = only or CalendarFilter()
    zone = idx.policy.timezone
    tz = ZoneInfo(zone)
    start = datetime.combine(days[0], datetime.min.time(), tz)
    end = datetime.combine(days[-1] + timedelta(days=1), datetime.min.time(), tz)
    reqs = {r.ref: r for r in upcoming_requests(store, idx.plan.plan if idx.plan else None, start)}
    served = [(reqs[ref], a) for ref, a in idx.assigned.items() if ref in reqs and only.keeps(reqs[ref], a)]
    shown = [(r, sp) for r, a in served for sp in spans(r, a)] + kit_spans(served, idx)
    out = []
    for r, (kind, s, e, rows, venue) in shown:
        if s >= end or e <= start:
            continue
        hosts = ", ".join(i for k, i in rows if k == "host")
        ops = ", ".join(i for k, i in rows if k == "operator")
        where = idx.venue(venue) or (idx.kit_names.get(rows[0][1], rows[0][1]) if kind == "kit" else "") or ""
        out.append(Entry(kind, local(s, zone), local(e, zone), r.ref, r.title, r.unit,
                         idx.policy.tier_label(r.priority, lang), hosts, ops, where))  # fmt: skip
    out.sort(key=lambda x: (x.start, x.ref, x.kind))
    return out
