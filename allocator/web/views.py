"""What each reader may see, built from the store: shared by the JSON API and the pages."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from allocator.domain import Assignment, Request, Unserved, local
from allocator.explain import when
from allocator.problem_io import validation_messages
from allocator.store.repo import MeetingView, PublishedPlan, Store
from allocator.web.auth import Principal
from allocator.web.schemas import AlternativeOut, MeetingOut, PicStatusOut, RequestIn, RequestOut


class InputError(ValueError):
    """Bad input; `errors` has one line per problem, each starting with the field's name."""

    def __init__(self, errors: list[str], status: int = 422) -> None:
        self.errors = errors
        self.status = status
        super().__init__("; ".join(errors))


@dataclass(frozen=True)
class PlanIndex:
    plan: PublishedPlan | None
    assigned: dict[str, Assignment]
    unserved: dict[str, Unserved]

    @classmethod
    def of(cls, store: Store) -> PlanIndex:
        p = store.published_plan()
        if p is None:
            return cls(None, {}, {})
        return cls(p, {a.request: a for a in p.plan.assignments}, {u.request: u for u in p.plan.unserved})

    def state(self, ref: str) -> str:
        return "served" if ref in self.assigned else "unserved" if ref in self.unserved else "not_planned"


def alternatives(u: Unserved | None) -> list[AlternativeOut]:
    if u is None:
        return []
    return [AlternativeOut(kind=a.kind, start=a.start, end=a.end, text=a.text, text_id=a.text_id)
            for a in u.alternatives]  # fmt: skip


def meeting_out(m: MeetingView | None) -> MeetingOut | None:
    if m is None:
        return None
    return MeetingOut(host=m.host, zoom_user=m.zoom_user, zoom_meeting_id=m.zoom_meeting_id, state=m.state,
                      join_url=m.join_url, passcode=m.passcode)  # fmt: skip


def may_see_host_details(who: Principal, ref: str, idx: PlanIndex) -> bool:
    """Admins see every meeting's host details; an operator only those of requests assigned to them."""
    if who.is_admin:
        return True
    a = idx.assigned.get(ref)
    return a is not None and who.operator in a.operators


def request_out(store: Store, r: Request, idx: PlanIndex, *, with_meeting: bool, lang: str = "en") -> RequestOut:
    a, u = idx.assigned.get(r.ref), idx.unserved.get(r.ref)
    return RequestOut(
        ref=r.ref, unit=r.unit, title=r.title, pic_name=r.pic.name, when=when(r.start, r.end, r.timezone, lang),
        start=r.start, end=r.end, timezone=r.timezone, participants=r.participants, service=r.service, kind=r.kind,
        priority=r.priority, status=r.status.value, venue=r.venue, plan_state=idx.state(r.ref),
        host=a.host if a else None, operators=list(a.operators) if a else [],
        reason=u.reason if u else None, reason_id=u.reason_id if u else None, alternatives=alternatives(u),
        meeting=meeting_out(store.meeting_for(r.ref)) if with_meeting else None,
    )  # fmt: skip


def pic_status(store: Store, r: Request, idx: PlanIndex, lang: str = "id") -> PicStatusOut:
    """The PIC's view: join link and passcode of a served request; no host, no operator contact."""
    u = idx.unserved.get(r.ref)
    m = store.meeting_for(r.ref) if idx.state(r.ref) == "served" and r.status.active else None
    return PicStatusOut(
        ref=r.ref, title=r.title, unit=r.unit, when=when(r.start, r.end, r.timezone, lang), status=r.status.value,
        plan_state=idx.state(r.ref) if r.status.active else "not_planned",
        with_operator=r.operator_count > 0,
        join_url=m.join_url if m else None, passcode=m.passcode if m else None,
        reason=u.reason if u else None, reason_id=u.reason_id if u else None, alternatives=alternatives(u),
    )  # fmt: skip


def new_ref(store: Store) -> str:
    """A fresh reference for a request filed on the web without a letter number."""
    day = local(store.now(), store.policy().timezone)
    while True:
        ref = f"WEB-{day:%Y%m%d}-{secrets.token_hex(3).upper()}"
        if store.get_request(ref) is None:
            return ref


def build_request(store: Store, data: RequestIn, who: Principal | None) -> Request:
    """A `Request` from submitted input, or `InputError` naming each bad field."""
    errors: list[str] = []
    policy = store.policy()
    tiers = policy.priority_weights
    priority = data.priority or "normal"
    if data.priority not in (None, "normal") and (who is None or not who.is_admin):
        raise InputError(["priority: only an admin may set a priority other than 'normal'"], status=403)
    if priority not in tiers:
        errors.append(f"priority: unknown tier {priority!r} (known: {', '.join(sorted(tiers))})")
    ref = data.ref or new_ref(store)
    fields: dict[str, Any] = data.model_dump(exclude={"priority", "ref", "timezone"})
    fields.update(ref=ref, priority=priority if priority in tiers else "normal",
                  timezone=data.timezone or policy.timezone, submitted_at=store.now())  # fmt: skip
    for name in ("start", "end"):
        value: datetime = fields[name]
        if not 2000 <= value.year <= 2100:
            errors.append(f"{name}: year {value.year} is out of range (2000–2100)")
        elif value.tzinfo is None:
            fields[name] = value.isoformat()  # read in the request's zone by Request
    req: Request | None = None
    if not errors:
        try:
            req = Request.model_validate(fields)
        except ValidationError as exc:
            errors.extend(m.replace("(problem): ", "") for m in validation_messages(exc))
        except (OverflowError, ValueError) as exc:  # a time zone pushing an instant out of range
            errors.append(f"start: {exc}")
    if req is not None and req.end <= store.now():
        errors.append("end: the meeting is already over")
    if errors or req is None:
        raise InputError(errors)
    return req


def first_day_with_requests(store: Store, zone: str) -> date:
    now = store.now()
    upcoming = [r for r in store.list_requests(ends_after=now) if r.status.active]
    if upcoming:
        return local(upcoming[0].start, zone).date()
    return local(now, zone).date()


@dataclass(frozen=True)
class Block:
    ref: str
    title: str
    priority: str
    tier: int
    left: float  # percent of the row
    width: float
    label: str  # 09:00–11:00


@dataclass(frozen=True)
class Lane:
    kind: str  # host | operator
    id: str
    label: str
    blocks: list[Block]


@dataclass(frozen=True)
class Timeline:
    day: date
    zone: str
    first_hour: int
    last_hour: int
    lanes: list[Lane]
    tiers: list[str]  # highest weight first

    @property
    def hours(self) -> list[int]:
        return list(range(self.first_hour, self.last_hour))


def timeline(store: Store, day: date, idx: PlanIndex) -> Timeline:
    """Hosts and operators × hours of one local day, from the published plan."""
    policy = store.policy()
    zone = policy.timezone
    tz = ZoneInfo(zone)
    day_start = datetime.combine(day, datetime.min.time(), tz)
    day_end = day_start + timedelta(days=1)
    tiers = sorted(policy.priority_weights, key=lambda t: -policy.priority_weights[t])
    reqs = {r.ref: r for r in store.list_requests(ends_after=day_start, starts_before=day_end)}
    first, last = 7, 18
    for ref in idx.assigned:
        r = reqs.get(ref)
        if r is not None:
            s, e = max(local(r.start, zone), day_start), min(local(r.end, zone), day_end)
            first = min(first, s.hour)
            last = max(last, 24 if e >= day_end else e.hour + (1 if e.minute or e.second else 0))
    span_start = day_start + timedelta(hours=first)
    span_min = (last - first) * 60
    by_lane: dict[tuple[str, str], list[Block]] = {}
    for ref, a in idx.assigned.items():
        r = reqs.get(ref)
        if r is None:
            continue
        s = max(r.start, span_start)
        e = min(r.end, span_start + timedelta(minutes=span_min))
        if e <= s:
            continue
        left = (s - span_start).total_seconds() / 60 / span_min * 100
        width = (e - s).total_seconds() / 60 / span_min * 100
        tier = tiers.index(r.priority) if r.priority in tiers else len(tiers) - 1
        label = f"{local(r.start, zone):%H:%M}–{local(r.end, zone):%H:%M}"
        block = Block(r.ref, r.title, r.priority, tier, round(left, 3), round(width, 3), label)
        if a.host:
            by_lane.setdefault(("host", a.host), []).append(block)
        for op in a.operators:
            by_lane.setdefault(("operator", op), []).append(block)
    lanes = [Lane("host", h.id, f"{h.id} ({h.capacity})", sorted(by_lane.get(("host", h.id), []), key=lambda b: b.left))
             for h in store.hosts()]  # fmt: skip
    lanes += [Lane("operator", o.id, f"{o.id} {o.name}", sorted(by_lane.get(("operator", o.id), []),
                                                                   key=lambda b: b.left))
              for o in store.operators()]  # fmt: skip
    return Timeline(day, zone, first, last, lanes, tiers)
