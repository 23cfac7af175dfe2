"""What each reader may see, built from the store: shared by the JSON API and the pages."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from pydantic import ValidationError

from allocator.notify.events import upcoming_requests
from allocator.notify.pic_words import pic_alternative, pic_reason
from allocator.notify.planned import kit_loans, planned_times, rehearsal_start
from allocator.notify.timefmt import moved_text, when_text
from allocator.planner.domain import (
    Assignment,
    MissedRehearsal,
    Request,
    SitePolicy,
    TaskSlot,
    Unserved,
    local,
    occurrences,
)
from allocator.planner.explain import when
from allocator.planner.problem_io import validation_messages
from allocator.store.repo import MeetingView, PublishedPlan, Store
from allocator.web.auth import Principal
from allocator.web.schemas import (
    AlternativeOut,
    KitLoanOut,
    MeetingOut,
    PicStatusOut,
    PicTaskOut,
    RequestIn,
    RequestOut,
    TaskOut,
)


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
    missed: dict[str, MissedRehearsal] = field(default_factory=dict)
    policy: SitePolicy = field(default_factory=SitePolicy)
    venue_names: dict[str, str] = field(default_factory=dict)
    kit_names: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, store: Store) -> PlanIndex:
        p = store.published_plan()
        extra: dict[str, Any] = {
            "policy": store.policy(),
            "venue_names": {v.id: v.name or v.id for v in store.venues()},
            "kit_names": {k.id: k.name or k.id for k in store.kit_types()},
        }
        if p is None:
            return cls(None, {}, {}, **extra)
        return cls(p, {a.request: a for a in p.plan.assignments}, {u.request: u for u in p.plan.unserved},
                   {x.request: x for x in p.plan.missed_rehearsals}, **extra)  # fmt: skip

    def venue(self, vid: str | None) -> str | None:
        return self.venue_names.get(vid, vid) if vid else None

    def state(self, ref: str) -> str:
        return "served" if ref in self.assigned else "unserved" if ref in self.unserved else "not_planned"


def pic_alternatives(u: Unserved | None, r: Request) -> list[AlternativeOut]:
    """The alternatives as the PIC reads them: every condition stated, no host or operator ids."""
    if u is None:
        return []
    return [AlternativeOut(kind=a.kind, start=a.start, end=a.end, text=pic_alternative(a, r, "en"),
                           text_id=pic_alternative(a, r, "id")) for a in u.alternatives]  # fmt: skip


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


def task_out(t: TaskSlot, zone: str, idx: PlanIndex, lang: str) -> TaskOut:
    """A rehearsal or survey for staff: when, host (online rehearsal), operators, venue."""
    return TaskOut(
        start=t.start,
        end=t.end,
        when=when(t.start, t.end, zone, lang),
        host=t.host,
        operators=list(t.operators),
        venue=idx.venue(t.venue),
        online=t.venue is None and t.host is not None,
    )


def kits_out(r: Request, a: Assignment | None, idx: PlanIndex, lang: str) -> list[KitLoanOut]:
    """The request's kit loans when served: pickup before the effective start, return after the effective end."""
    if a is None:
        return []
    start, end = planned_times(r, a)
    return [KitLoanOut(kit=k.kit, name=k.name, count=k.count, pickup=k.pickup, due=k.due,
                       pickup_when=when_text(k.pickup, r.timezone, lang), due_when=when_text(k.due, r.timezone, lang))
            for k in kit_loans(r, start, end, idx.policy, idx.kit_names, rehearsal=rehearsal_start(a))]  # fmt: skip


def _time_note(r: Request, start: datetime, end: datetime, lang: str) -> str | None:
    if (start, end) == (r.start, r.end):
        return None
    return moved_text(start, end, r.start, r.end, r.timezone, lang)


def request_out(store: Store, r: Request, idx: PlanIndex, *, with_meeting: bool, lang: str = "en") -> RequestOut:
    """A request for admins and operators: at its planned time when served, with rehearsal, survey and kits."""
    a, u = idx.assigned.get(r.ref), idx.unserved.get(r.ref)
    start, end = planned_times(r, a)
    missed = idx.missed.get(r.ref) if a else None
    online_rehearsal = a is not None and a.rehearsal is not None and a.rehearsal.venue is None
    return RequestOut(
        ref=r.ref, unit=r.unit, title=r.title, pic_name=r.pic.name, when=when(start, end, r.timezone, lang),
        start=r.start, end=r.end, timezone=r.timezone, participants=r.participants, service=r.service, kind=r.kind,
        priority=r.priority, status=r.status.value, venue=r.venue, plan_state=idx.state(r.ref),
        host=a.host if a else None, operators=list(a.operators) if a else [],
        reason=u.reason if u else None, reason_id=u.reason_id if u else None, alternatives=alternatives(u),
        meeting=meeting_out(store.meeting_for(r.occurrence_of or r.ref)) if with_meeting else None,  # a series': one
        planned_start=start if a else None, planned_end=end if a else None,
        time_note=_time_note(r, start, end, lang) if a else None,
        rehearsal=task_out(a.rehearsal, r.timezone, idx, lang) if a and a.rehearsal else None,
        rehearsal_meeting=meeting_out(store.rehearsal_meeting_for(r.ref)) if with_meeting and online_rehearsal
        else None,
        rehearsal_missed=missed.reason if missed else None, rehearsal_missed_id=missed.reason_id if missed else None,
        survey=task_out(a.survey, r.timezone, idx, lang) if a and a.survey else None,
        kits=kits_out(r, a, idx, lang),
    )  # fmt: skip


def _pic_task(t: TaskSlot, zone: str, idx: PlanIndex, lang: str, meeting: MeetingView | None = None) -> PicTaskOut:
    """A rehearsal or survey for the PIC: when, where, an online rehearsal's own join link. No host."""
    live = meeting is not None and meeting.state == "active" and bool(meeting.join_url)
    return PicTaskOut(start=t.start, end=t.end, when=when(t.start, t.end, zone, lang), online=t.venue is None,
                      venue=idx.venue(t.venue), join_url=meeting.join_url if live and meeting else None,
                      passcode=meeting.passcode if live and meeting else None)  # fmt: skip


def pic_status(store: Store, r: Request, idx: PlanIndex, lang: str = "id") -> PicStatusOut:
    """The PIC's view: join link and passcode of a served request at its planned time, its rehearsal (with the
    rehearsal's own join link), the survey visit and the kits to pick up; no host, no operator contact."""
    if r.series is not None and r.occurrence is None:
        return _series_status(store, r, idx, lang)
    u = idx.unserved.get(r.ref)
    served = idx.state(r.ref) == "served" and r.status.active
    a = idx.assigned.get(r.ref) if served else None
    m = store.meeting_for(r.ref) if served else None
    start, end = planned_times(r, a)
    note = _time_note(r, start, end, lang)
    rehearsal = survey = None
    if a is not None and a.rehearsal is not None:
        rm = store.rehearsal_meeting_for(r.ref) if a.rehearsal.venue is None else None
        rehearsal = _pic_task(a.rehearsal, r.timezone, idx, lang, rm)
    if a is not None and a.survey is not None:
        survey = _pic_task(a.survey, r.timezone, idx, lang)
    missed = idx.missed.get(r.ref) if a is not None else None
    return PicStatusOut(
        ref=r.ref, title=r.title, unit=r.unit, when=when(start, end, r.timezone, lang), status=r.status.value,
        plan_state=idx.state(r.ref) if r.status.active else "not_planned",
        with_operator=r.operator_count > 0 and not (a is not None and a.self_operated),
        self_operated=a is not None and a.self_operated,
        join_url=m.join_url if m else None, passcode=m.passcode if m else None,
        reason=pic_reason(u, r, "en") if u else None, reason_id=pic_reason(u, r, "id") if u else None,
        alternatives=pic_alternatives(u, r),
        requested_when=when(r.start, r.end, r.timezone, lang) if note else None, time_note=note,
        rehearsal=rehearsal, survey=survey, kits=kits_out(r, a, idx, lang),
        rehearsal_missed=(missed.reason if lang == "en" else missed.reason_id) if missed else None,
    )  # fmt: skip


def _series_status(store: Store, r: Request, idx: PlanIndex, lang: str) -> PicStatusOut:
    """A series' PIC page: the one join link, each occurrence's time or why it is not held."""
    occ = occurrences(r)
    held = [o for o in occ if o.ref in idx.assigned and o.status.active and r.status.active]
    m = store.meeting_for(r.ref) if held else None
    lines = []
    for o in occ:
        text = f"{o.occurrence}. {when(o.start, o.end, r.timezone, lang)}"
        if o in held:
            lines.append(text)
            continue
        u = idx.unserved.get(o.ref)
        why = pic_reason(u, o, lang) if u is not None else TEXT_NOT_HELD[lang]
        lines.append(f"{text}: {why}")
    first = held[0] if held else occ[0]
    now = store.now()  # the kits of the held occurrence at hand (under way or next): what a fault report is about
    at_hand = next((o for o in held if o.end > now), held[-1] if held else None)
    state = "served" if held else ("unserved" if any(o.ref in idx.unserved for o in occ) else "not_planned")
    return PicStatusOut(
        ref=r.ref, title=r.title, unit=r.unit, when=when(first.start, first.end, r.timezone, lang),
        status=r.status.value, plan_state=state if r.status.active else "not_planned",
        with_operator=r.operator_count > 0, join_url=m.join_url if m else None, passcode=m.passcode if m else None,
        occurrences=lines, kits=kits_out(at_hand, idx.assigned.get(at_hand.ref), idx, lang) if at_hand else [],
    )  # fmt: skip


TEXT_NOT_HELD = {"id": "tidak dilaksanakan", "en": "not held"}


def request_or_occurrence(store: Store, ref: str) -> Request | None:
    """The stored request, or the occurrence of a stored series a plan names ('PSR-70:2')."""
    return store.get_occurrence(ref)


def assigned_to(a: Assignment | None, operator: str | None) -> str | None:
    """How an operator takes part in a served request: 'event' (runs it, and its rehearsal), 'survey' (only
    surveys its venue), or None."""
    if a is None or operator is None:
        return None
    if operator in a.operators or (a.rehearsal is not None and operator in a.rehearsal.operators):
        return "event"
    if a.survey is not None and operator in a.survey.operators:
        return "survey"
    return None


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
class TaskRow:
    kind: str  # rehearsal | survey
    ref: str
    title: str
    start: datetime
    when: str
    where: str | None  # a venue; None for an online rehearsal
    host: str | None
    operators: list[str]


@dataclass(frozen=True)
class Workflow:
    """For the admin's plan view: upcoming rehearsals and surveys, rehearsals not scheduled, kit loans."""

    tasks: list[TaskRow]
    missed: list[dict[str, str]]
    loans: list[dict[str, Any]]


def workflow(
    store: Store,
    idx: PlanIndex,
    lang: str,
    period: tuple[datetime, datetime] | None = None,
    keep: Callable[[Request, Assignment], bool] | None = None,
) -> Workflow:
    """Upcoming rehearsals, surveys and kit loans (those touching `period` only, of the requests `keep` keeps)."""
    now = store.now()
    lo, hi = period or (now, datetime.max.replace(tzinfo=UTC))

    def touches(start: datetime, end: datetime) -> bool:
        return start < hi and end > max(lo, now)

    zone = idx.policy.timezone
    reqs = {r.ref: r for r in upcoming_requests(store, idx.plan.plan if idx.plan else None, now)}
    tasks: list[TaskRow] = []
    missed: list[dict[str, str]] = []
    loans: list[dict[str, Any]] = []
    for ref, a in idx.assigned.items():
        r = reqs.get(ref)
        if r is None or not r.status.active or (keep is not None and not keep(r, a)):
            continue
        for kind, t in (("rehearsal", a.rehearsal), ("survey", a.survey)):
            if t is not None and touches(t.start, t.end):
                tasks.append(TaskRow(kind, ref, r.title, t.start, when(t.start, t.end, zone, lang), idx.venue(t.venue),
                                     t.host, list(t.operators or a.operators)))  # fmt: skip
        mr = idx.missed.get(ref)
        start, end = planned_times(r, a)
        if mr is not None and touches(start, end):
            missed.append({"ref": ref, "title": r.title, "reason": mr.reason if lang == "en" else mr.reason_id})
        items = kits_out(r, a, idx, lang)
        if items and touches(items[0].pickup, items[0].due):
            loans.append({"ref": ref, "title": r.title, "start": start,
                          "kits": ", ".join(f"{k.count} × {k.name}" for k in items),
                          "pickup": when_text(items[0].pickup, zone, lang),
                          "due": when_text(items[0].due, zone, lang)})  # fmt: skip
    tasks.sort(key=lambda x: (x.start, x.ref, x.kind))
    missed.sort(key=lambda x: x["ref"])
    loans.sort(key=lambda x: (x["start"], x["ref"]))
    return Workflow(tasks, missed, loans)
