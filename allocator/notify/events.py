"""What to tell whom, derived from the store: the entry points the daemon calls.

- `notify_plan_changes(outbox)` compares what each PIC and operator was last told (kept with the notices in the
  store) with the published plan, the requests and the Zoom meetings, and records the notices that close the gap:
  scheduled, changed (what and why), cancelled / unserved (reason and alternatives) for PICs; assignment, changed
  assignment and release for operators. Running it twice records nothing new; after a crash it picks up where
  it stopped. A PIC is told about a meeting on our hosts only once its join link is known (after the Zoom sync).
- `queue_reminders(outbox)`: H-1 and one hour before, for PICs; one hour before, for operators (with a fresh
  start link).
- `queue_daily_agendas(outbox)`: each operator's agenda for the day, from `agenda_hour` local time.
- `Outbox.send_pending()` then sends what was recorded.

The calendar SEQUENCE of a request is the previous calendar notice's plus one (0 for the first), read from the
store, so it rises on every change and survives restarts.

Everything is said at the request's effective time (the time the plan chose for a flexible request), with its
rehearsal, the survey of its venue and its kits (docs/workflow.md). A planned time that moves is a change like
any other: a `pic.changed` with the next SEQUENCE. A served request whose optional rehearsal found no slot gets
one `pic.rehearsal_missed`; an operator who surveys a venue for an event they do not run gets an `op.survey`.
An online rehearsal's join link comes from the store's rehearsal meeting (`Store.rehearsal_meeting_for`); the
entry points take `rehearsal_join=` to use another source. Venue and kit names come from the store.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from allocator.notify import messages as m
from allocator.notify import series as series_notice
from allocator.notify.model import (
    AgendaItem,
    Contact,
    CrewItem,
    EventInfo,
    HostDetails,
    JoinDetails,
    KitLoan,
    Message,
    Previous,
    Reason,
    Slot,
)
from allocator.notify.outbox import Outbox, Record
from allocator.notify.pic_words import conditions, pic_reason
from allocator.notify.planned import RehearsalJoin, event_info, planned_times
from allocator.planner.domain import (
    Assignment,
    MissedRehearsal,
    Operator,
    Plan,
    Problem,
    Request,
    RequestStatus,
    SitePolicy,
    Unserved,
    ZoomHost,
    local,
    occurrences,
    series_parent,
)
from allocator.planner.overtime import overtime_uses
from allocator.store.repo import MeetingView, Store

_REPLANNED = Reason(
    en="the vicon schedule was re-planned (licence or operator reassigned)",
    id="penyesuaian jadwal layanan vicon (pergantian lisensi Zoom atau operator)",
)
_REQUEST_CHANGED = Reason(en="your unit's request was changed", id="permohonan dari unit Anda diubah")
_TIME_MOVED = Reason(
    en="the vicon schedule was re-planned: the time was moved within the window your unit allowed",
    id="penyesuaian jadwal layanan vicon: waktu dipindahkan dalam rentang waktu yang diizinkan unit Anda",
)
_REHEARSAL_REPLANNED = Reason(en="the rehearsal (gladi bersih) was re-planned", id="penyesuaian jadwal gladi bersih")
_SURVEY_REPLANNED = Reason(en="the venue survey was re-planned", id="penyesuaian jadwal survei lokasi")
_REHEARSAL_LINK = Reason(en="the rehearsal's Zoom meeting is ready", id="rapat Zoom untuk gladi bersih telah disiapkan")
_ASSIGNMENT_KINDS = (m.OP_ASSIGNMENT, m.OP_SURVEY)


def _fingerprint(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _request_fp(req: Request) -> str:
    return _fingerprint(req.model_dump(mode="json", exclude={"status", "pic"}))


@dataclass
class Snapshot:
    """The store's current view, read once per run."""

    now: datetime
    plan: Plan | None
    requests: list[Request]
    operators: dict[str, Operator]
    hosts: dict[str, ZoomHost]
    policy: SitePolicy
    venue_names: dict[str, str] = field(default_factory=dict)
    kit_names: dict[str, str] = field(default_factory=dict)

    def assignment(self, req: Request) -> Assignment | None:
        """The request's assignment if the published plan serves it (and it is active), else None."""
        if self.plan is None or not req.status.active:
            return None
        if series_notice.is_series(req):
            return series_notice.series_assignment(self.plan, req)
        return self.plan.assignment_for(req.ref)

    def assignment_ops(self, req: Request) -> list[str] | None:
        """The request's operators if the published plan serves it (and it is active), else None."""
        a = self.assignment(req)
        return list(a.operators) if a is not None else None

    def parts(self, req: Request) -> list[Request]:
        """What operators work on: a series' occurrences (each with its own time and crew), else the request."""
        return occurrences(req) if series_notice.is_series(req) else [req]

    def unserved(self, ref: str) -> Unserved | None:
        """Why the request is not served; of a series none of whose occurrences is, its first occurrence's reason."""
        if self.plan is None:
            return None
        found = next((u for u in self.plan.unserved if u.request == ref), None)
        if found is None:
            found = next((u for u in self.plan.unserved if series_parent(u.request) == ref), None)
        return found

    def missed(self, ref: str) -> MissedRehearsal | None:
        if self.plan is None:
            return None
        return next((x for x in self.plan.missed_rehearsals if x.request == ref), None)

    def event(self, req: Request, rehearsal_join: RehearsalJoin | None = None) -> EventInfo:
        """The request as people are told it: effective time, rehearsal, survey, kits."""
        a = self.assignment(req)
        join = None
        if rehearsal_join is not None and a is not None and a.rehearsal is not None and a.rehearsal.venue is None:
            join = rehearsal_join(req.ref)
        info = event_info(
            req,
            a,
            self.policy,
            venue_names=self.venue_names,
            kit_names=self.kit_names,
            operator_names={o.id: o.name for o in self.operators.values()},
            missed=self.missed(req.ref),
            rehearsal_join=join,
        )
        return series_notice.with_occurrences(info, req, self.plan) if series_notice.is_series(req) else info


def rehearsal_join_from(store: Store) -> RehearsalJoin:
    """An online rehearsal's Zoom join link: the store's rehearsal meeting once the sync worker has created it
    (None before; the rehearsal is then told without a link, "the link will follow", and the PIC gets a
    `pic.changed` with the link when it appears)."""

    def join(ref: str) -> JoinDetails | None:
        meeting = store.rehearsal_meeting_for(ref)
        if meeting is None or meeting.state != "active" or not meeting.join_url:
            return None
        return JoinDetails(join_url=meeting.join_url, passcode=meeting.passcode, meeting_id=meeting.zoom_meeting_id)

    return join


def upcoming_requests(store: Store, plan: Plan | None, now: datetime) -> list[Request]:
    """Requests ending after `now` at their effective time: the store filters on the requested end, so a flexible
    request the plan put later than asked is added from the plan."""
    requests = store.list_requests(ends_after=now)
    known = {r.ref for r in requests}
    extra = [
        req
        for a in (plan.assignments if plan is not None else [])
        if a.end is not None and a.end > now and a.request not in known
        if (req := store.get_request(a.request)) is not None
    ]
    return sorted([*requests, *extra], key=lambda r: (r.start, r.ref)) if extra else requests


def snapshot(store: Store, now: datetime | None = None) -> Snapshot:
    now = (now or store.now()).astimezone(UTC)
    published = store.published_plan()
    plan = published.plan if published else None
    return Snapshot(
        now=now,
        plan=plan,
        requests=upcoming_requests(store, plan, now),
        operators={o.id: o for o in store.operators(include_inactive=True)},
        hosts={h.id: h for h in store.hosts(include_inactive=True)},
        policy=store.policy(),
        venue_names={v.id: v.name or v.id for v in store.venues()},
        kit_names={k.id: k.name or k.id for k in store.kit_types()},
    )


def meeting_ref(req: Request) -> str:
    """The request whose Zoom meeting serves `req`: an occurrence is held in its series' one meeting."""
    return req.occurrence_of or req.ref


def _join(meeting: MeetingView | None) -> JoinDetails | None:
    if meeting is None or not meeting.join_url:
        return None
    return JoinDetails(join_url=meeting.join_url, passcode=meeting.passcode, meeting_id=meeting.zoom_meeting_id)


def _host(meeting: MeetingView | None, hosts: dict[str, ZoomHost]) -> HostDetails | None:
    if meeting is None:
        return None
    h = hosts.get(meeting.host)
    return HostDetails(
        host=(h.label or h.id) if h else meeting.host,
        account=meeting.account,
        zoom_user=meeting.zoom_user,
        meeting_id=meeting.zoom_meeting_id,
    )


def _task_host(host_id: str | None, hosts: dict[str, ZoomHost]) -> HostDetails | None:
    """The host an online rehearsal runs on, for its operators (never for a PIC)."""
    if host_id is None:
        return None
    h = hosts.get(host_id)
    if h is None:
        return HostDetails(host=host_id, account="-", zoom_user=host_id)
    return HostDetails(host=h.label or h.id, account=h.account, zoom_user=h.zoom_user)


#: Slot fields that only offered alternatives use: left out of snapshots, so the snapshots stored before they existed
#: still compare equal (else every served request would be mailed a "change" after an upgrade).
_NOT_IN_SNAPSHOTS = frozenset({"conditions_id", "conditions_en"})


def _slot_json(slot: Slot | None) -> dict[str, Any] | None:
    return slot.model_dump(mode="json", exclude=set(_NOT_IN_SNAPSHOTS)) if slot is not None else None


def _pic(req: Request) -> Contact:
    return Contact(name=req.pic.name, email=req.pic.email, phone=req.pic.phone, language=req.pic.language)


def _op_contact(op: Operator, outbox: Outbox) -> Contact:
    return Contact.from_operator(op, outbox.config.operator_language)


def _alternatives(u: Unserved | None, req: Request) -> list[Slot]:
    """The offered times with all their conditions (pic_words), so a mail never offers less than it says."""
    raw = getattr(u, "alternatives", None) or []
    out = []
    for a in raw:
        start, end = getattr(a, "start", None), getattr(a, "end", None)
        if isinstance(start, datetime) and isinstance(end, datetime):
            out.append(Slot(start=start, end=end, conditions_id=tuple(conditions(a, req, "id")),
                            conditions_en=tuple(conditions(a, req, "en"))))  # fmt: skip
    return out


@dataclass(frozen=True)
class Notice:
    """A message and its identity, before it is recorded."""

    message: Message
    subject: str
    version: str
    meta: dict[str, Any]


class _Request:
    """Everything about one request that the decisions need."""

    def __init__(
        self, snap: Snapshot, store: Store, outbox: Outbox, req: Request, rehearsal_join: RehearsalJoin | None
    ):
        self.snap, self.outbox, self.req = snap, outbox, req
        self.assignment = snap.assignment(req)
        self.start, self.end = planned_times(req, self.assignment)
        self.event = snap.event(req, rehearsal_join)
        self.op_ids = list(self.assignment.operators) if self.assignment is not None else None
        survey = self.assignment.survey if self.assignment is not None else None
        self.survey_ops = list(survey.operators) if survey is not None else []
        self.meeting = store.meeting_for(meeting_ref(req)) if req.needs_host else None
        self.join = _join(self.meeting)
        self.records = outbox.records(request=req.ref)
        names = self.op_ids or []
        if self.op_ids is not None and series_notice.is_series(req):  # the PIC is told every occurrence's crew
            crews = [a.operators for occ in snap.parts(req) if (a := snap.assignment(occ)) is not None]
            names = list(dict.fromkeys(o for crew in crews for o in crew))
        ops = [snap.operators[o] for o in names if o in snap.operators]
        self.operators = [_op_contact(o, outbox) for o in ops]

    @property
    def served(self) -> bool:
        return self.op_ids is not None

    @property
    def ready(self) -> bool:
        """Served, and (if it needs one of our hosts) its Zoom meeting exists with a join link."""
        if not self.served:
            return False
        if not self.req.needs_host:
            return True
        return self.meeting is not None and self.meeting.state == "active" and self.join is not None

    def calendar_history(self) -> list[Record]:
        return [r for r in self.records if r.primary and r.meta.get("seq") is not None]

    def pic_snapshot(self) -> dict[str, Any]:
        """What the PIC is told, to compare with what they were told last (the keys of the workflow's extras are
        present only when there is something to say, so older snapshots stay equal)."""
        out: dict[str, Any] = {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "venue": self.req.venue,
            "title": self.req.title,
            "join_url": self.join.join_url if self.join else None,
            "passcode": self.join.passcode if self.join else None,
            "operators": [o.name for o in self.operators],
            "rehearsal": _slot_json(self.event.rehearsal),
            "pic_email": (self.req.pic.email or "").lower(),
            "request_fp": _request_fp(self.req),
        }
        if self.event.rehearsal_missed is not None:
            out["rehearsal_missed"] = True
        if self.event.occurrences:
            out["occurrences"] = series_notice.snapshot_of(self.event)
        if self.event.survey is not None:
            out["survey"] = _slot_json(self.event.survey)
        if self.event.kits:
            out["kits"] = [k.model_dump(mode="json") for k in self.event.kits]
        if self.event.self_operated:
            out["self_operated"] = True
        return out

    def operator_snapshot(self, *, survey_only: bool = False) -> dict[str, Any]:
        """What an operator is told (an event's operator, or one who only surveys its venue)."""
        if survey_only:
            return {
                "role": "survey",
                "start": self.start.isoformat(),
                "end": self.end.isoformat(),
                "title": self.req.title,
                "survey": _slot_json(self.event.survey),
            }
        out: dict[str, Any] = {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "venue": self.req.venue,
            "title": self.req.title,
            "meeting": self.meeting.key if self.meeting else None,
            "zoom_meeting_id": self.meeting.zoom_meeting_id if self.meeting else None,
            "join_url": self.join.join_url if self.join else None,
        }
        if self.event.rehearsal is not None:
            out["rehearsal"] = _slot_json(self.event.rehearsal)
            if self.assignment is not None and self.assignment.rehearsal is not None:
                out["rehearsal_host"] = self.assignment.rehearsal.host
        if self.event.survey is not None:
            out["survey"] = _slot_json(self.event.survey)
        return out

    def rehearsal_host(self) -> HostDetails | None:
        a = self.assignment
        if a is None or a.rehearsal is None:
            return None
        return _task_host(a.rehearsal.host, self.snap.hosts)

    def stop_reason(self) -> tuple[Reason, list[Slot], bool]:
        """Why the request is not (or no longer) served: reason, alternatives, and whether it is 'unserved'."""
        req = self.req
        if req.status is RequestStatus.CANCELLED:
            why = self._cancel_reason()
            if why:
                return (
                    Reason(
                        en=f"cancelled at your unit's request ({why})",
                        id=f"dibatalkan atas permintaan unit Anda ({why})",
                    ),
                    [],
                    False,
                )
            return Reason(en="cancelled at your unit's request", id="dibatalkan atas permintaan unit Anda"), [], False
        if req.status is RequestStatus.REJECTED:
            return Reason(en="the request was not approved", id="permohonan tidak disetujui"), [], False
        u = self.snap.unserved(req.ref)
        if u is not None:
            return Reason(en=pic_reason(u, req, "en"), id=pic_reason(u, req, "id")), _alternatives(u, req), True
        return (
            Reason(
                en="the request is no longer in the vicon schedule",
                id="permohonan tidak lagi masuk jadwal layanan vicon",
            ),
            [],
            True,
        )

    def _cancel_reason(self) -> str | None:
        # the store records the reason given with a cancellation in the audit log
        try:
            entries = self.outbox.store.audit_log(entity="request", entity_id=self.req.ref)
        except Exception:  # pragma: no cover - the audit log is optional for this wording
            return None
        for e in reversed(entries):
            if e.action == "request.cancel_reason" and e.new:
                return str(e.new.get("reason") or "") or None
        return None


def _change_reason(old: dict[str, Any], current: dict[str, Any]) -> Reason:
    """Why the PIC's details changed: their own request, or which part of the plan moved."""
    if old.get("request_fp") != current["request_fp"]:
        return _REQUEST_CHANGED
    if (old.get("start"), old.get("end")) != (current["start"], current["end"]):
        return _TIME_MOVED
    if (old.get("rehearsal"), bool(old.get("rehearsal_missed"))) != (
        current.get("rehearsal"),
        bool(current.get("rehearsal_missed")),
    ) and (old.get("operators"), old.get("join_url")) == (current["operators"], current["join_url"]):
        link_only = {"join_url", "passcode"}
        before, after = old.get("rehearsal") or {}, current.get("rehearsal") or {}
        if (
            before
            and after
            and {k: v for k, v in before.items() if k not in link_only}
            == {k: v for k, v in after.items() if k not in link_only}
        ):
            return _REHEARSAL_LINK
        return _REHEARSAL_REPLANNED
    if old.get("survey") != current.get("survey") and old.get("operators") == current["operators"]:
        return _SURVEY_REPLANNED
    return _REPLANNED


def pic_notice(r: _Request) -> Notice | None:
    """The notice the PIC should get now, if any."""
    snap, outbox, req = r.snap, r.outbox, r.req
    office, stamp, pic = outbox.config.office, snap.now, _pic(req)
    history = r.calendar_history()
    last = history[-1] if history else None
    open_ = last is not None and last.kind in (m.PIC_SCHEDULED, m.PIC_CHANGED)
    seq = int(last.meta["seq"]) + 1 if last is not None else 0
    if r.served:
        if not r.ready:
            return None  # wait for the Zoom meeting and its join link
        current = r.pic_snapshot()
        if open_ and last is not None and last.meta.get("snapshot") == current:
            return None
        previous = reason = None
        if open_ and last is not None:
            old = last.meta.get("snapshot") or {}
            previous = Previous(
                start=datetime.fromisoformat(old["start"]),
                end=datetime.fromisoformat(old["end"]),
                venue=old.get("venue"),
                title=old.get("title") or "",
                join_url=old.get("join_url"),
                passcode=old.get("passcode"),
                operators=tuple(old.get("operators") or ()),
                rehearsal=Slot.model_validate(old["rehearsal"]) if old.get("rehearsal") else None,
                rehearsal_missed=bool(old.get("rehearsal_missed")),
                survey=Slot.model_validate(old["survey"]) if old.get("survey") else None,
                kits=tuple(KitLoan.model_validate(k) for k in old.get("kits") or ()),
            )
            reason = _change_reason(old, current)
        msg = m.pic_scheduled(
            r.event,
            pic,
            office=office,
            join=r.join,
            operators=r.operators,
            sequence=seq,
            stamp=stamp,
            previous=previous,
            reason=reason,
        )
        return Notice(msg, req.ref, f"s{seq}", {"seq": seq, "snapshot": current})
    if req.start <= snap.now:
        return None
    reason, alternatives, unserved = r.stop_reason()
    if open_:
        msg = m.pic_cancelled(
            r.event, pic, office=office, reason=reason, alternatives=alternatives, sequence=seq, stamp=stamp
        )
        return Notice(msg, req.ref, f"s{seq}", {"seq": seq})
    if last is None and unserved and req.status.active and snap.unserved(req.ref) is not None:
        msg = m.pic_cancelled(
            r.event,
            pic,
            office=office,
            reason=reason,
            alternatives=alternatives,
            sequence=None,
            stamp=stamp,
            unserved=True,
        )
        return Notice(msg, req.ref, f"u{_request_fp(req)}", {})
    return None


def rehearsal_missed_notice(r: _Request) -> Notice | None:
    """Once per request: the event is served, but its optional rehearsal found no slot (with the reason)."""
    if not r.ready or r.event.rehearsal_missed is None or r.start <= r.snap.now:
        return None
    if any(rec.kind == m.PIC_REHEARSAL_MISSED for rec in r.records):
        return None
    msg = m.pic_rehearsal_missed(r.event, _pic(r.req), office=r.outbox.config.office, stamp=r.snap.now)
    return Notice(msg, r.req.ref, "1", {})


def operator_notices(r: _Request) -> list[Notice]:
    """Assignments, changed assignments and releases for the request's operators (and its survey's)."""
    snap, outbox, req = r.snap, r.outbox, r.req
    if r.end <= snap.now:
        return []
    office, stamp, pic = outbox.config.office, snap.now, _pic(req)
    history: dict[str, list[Record]] = {}
    for rec in r.records:
        if rec.primary and rec.kind in (*_ASSIGNMENT_KINDS, m.OP_RELEASED) and rec.meta.get("operator"):
            history.setdefault(str(rec.meta["operator"]), []).append(rec)
    current = set(r.op_ids or []) if r.ready else set()
    surveying = set(r.survey_ops) - current if r.ready else set()
    out: list[Notice] = []
    host = _host(r.meeting, snap.hosts)
    for op_id in sorted(current | surveying | set(history)):
        op = snap.operators.get(op_id)
        if op is None:
            continue
        recs = history.get(op_id, [])
        last = recs[-1] if recs else None
        n = len(recs)
        contact = _op_contact(op, outbox)
        told = last is not None and last.kind in _ASSIGNMENT_KINDS
        if op_id in current or op_id in surveying:
            survey_only = op_id not in current
            snap_op = r.operator_snapshot(survey_only=survey_only)
            if told and last is not None and last.meta.get("snapshot") == snap_op:
                continue
            if survey_only:
                msg = m.operator_survey(r.event, contact, office=office, pic=pic, stamp=stamp, changed=told,
                                        sequence=n)  # fmt: skip
            else:
                msg = m.operator_assignment(
                    r.event,
                    contact,
                    office=office,
                    pic=pic,
                    host=host,
                    join=r.join,
                    stamp=stamp,
                    changed=told,
                    rehearsal_host=r.rehearsal_host(),
                    sequence=n,  # this operator's notices about the request so far: rises with every change
                )
            out.append(Notice(msg, f"{req.ref}/{op_id}", f"n{n}", {"operator": op_id, "snapshot": snap_op}))
        elif told and r.start > snap.now and (not r.served or r.ready):
            reason = (
                r.stop_reason()[0]
                if not r.served
                else Reason(en="another operator was assigned", id="dialihkan kepada operator lain")
            )
            was_survey = last is not None and last.kind == m.OP_SURVEY
            msg = m.operator_released(r.event, contact, office=office, reason=reason, stamp=stamp, sequence=n,
                                      survey_only=was_survey)  # fmt: skip
            out.append(Notice(msg, f"{req.ref}/{op_id}", f"n{n}", {"operator": op_id}))
    return out


_ANOTHER_OPERATOR = Reason(en="another operator was assigned", id="dialihkan kepada operator lain")


def series_operator_notices(
    snap: Snapshot, outbox: Outbox, req: Request, rehearsal_join: RehearsalJoin | None
) -> list[Notice]:
    """One notice per operator per series and change (crews may differ by occurrence): the first lists every
    occurrence they work, a later one only the occurrences added, changed or released for them. What each operator
    was told is kept per occurrence in the notice's meta (`occurrences`: occurrence ref → snapshot), so a change
    to one occurrence's crew concerns only its operators. Occurrences over have nothing more to tell."""
    parts = [_Request(snap, outbox.store, outbox, occ, rehearsal_join) for occ in snap.parts(req) if occ.end > snap.now]
    if not parts:
        return []
    history: dict[str, list[Record]] = {}
    for rec in outbox.records(request=req.ref):
        if rec.primary and rec.kind == m.OP_SERIES and rec.meta.get("operator"):
            history.setdefault(str(rec.meta["operator"]), []).append(rec)
    legacy = _per_occurrence_history(parts)
    everyone = {o for p in parts if p.ready for o in (*(p.op_ids or []), *p.survey_ops)}
    series = snap.event(req, rehearsal_join)
    meeting = outbox.store.meeting_for(meeting_ref(req)) if req.needs_host else None
    host, join = _host(meeting, snap.hosts), _join(meeting)
    out: list[Notice] = []
    for op_id in sorted(everyone | set(history) | set(legacy)):
        op = snap.operators.get(op_id)
        if op is None:
            continue
        recs, old = history.get(op_id, []), legacy.get(op_id, {})
        told: dict[str, Any] = dict(recs[-1].meta.get("occurrences") or {}) if recs else {
            ref: last.meta.get("snapshot") for ref, lst in old.items() if (last := lst[-1]).kind in _ASSIGNMENT_KINDS
        }  # fmt: skip
        # SEQUENCE: this operator's notices about the series (and, before them, about its occurrences) so far
        n = len(recs) + sum(len(lst) for lst in old.values())
        items: list[CrewItem] = []
        now_told: dict[str, Any] = {}
        for p in parts:
            ref, before = p.req.ref, told.get(p.req.ref)
            runs = p.ready and op_id in (p.op_ids or [])
            if runs or (p.ready and op_id in p.survey_ops):
                current = p.operator_snapshot(survey_only=not runs)
                now_told[ref] = current
                change = "added" if before is None else ("unchanged" if before == current else "changed")
                items.append(CrewItem(event=p.event, role="event" if runs else "survey", change=change,
                                      host=_host(p.meeting, snap.hosts) if runs else None))  # fmt: skip
            elif before is not None:
                if p.start > snap.now and (not p.served or p.ready):
                    why = p.stop_reason()[0] if not p.served else _ANOTHER_OPERATOR
                    role = "survey" if before.get("role") == "survey" else "event"
                    items.append(CrewItem(event=p.event, role=role, change="released", reason=why))
                else:  # under way, or waiting for the meeting: nothing to say yet
                    now_told[ref] = before
        if all(it.change == "unchanged" for it in items):
            continue
        msg = m.operator_series(series, _op_contact(op, outbox), office=outbox.config.office, pic=_pic(req),
                                items=items, host=host, join=join, sequence=n, stamp=snap.now)  # fmt: skip
        out.append(Notice(msg, f"{req.ref}/{op_id}", f"n{n}", {"operator": op_id, "occurrences": now_told}))
    return out


def _per_occurrence_history(parts: Sequence[_Request]) -> dict[str, dict[str, list[Record]]]:
    """Operator → occurrence ref → the notices about that occurrence from before series notices (one per
    occurrence): what they were told then is where a series notice starts, and its SEQUENCE rises above them."""
    out: dict[str, dict[str, list[Record]]] = {}
    for p in parts:
        for rec in p.records:
            if rec.primary and rec.kind in (*_ASSIGNMENT_KINDS, m.OP_RELEASED) and rec.meta.get("operator"):
                out.setdefault(str(rec.meta["operator"]), {}).setdefault(p.req.ref, []).append(rec)
    return out


def _record(outbox: Outbox, notices: Sequence[Notice]) -> list[str]:
    keys: list[str] = []
    for n in notices:
        keys += outbox.record(n.message, subject=n.subject, version=n.version, meta=n.meta)
    return keys


def _joins(outbox: Outbox, rehearsal_join: RehearsalJoin | None) -> RehearsalJoin | None:
    return rehearsal_join if rehearsal_join is not None else rehearsal_join_from(outbox.store)


def notify_plan_changes(
    outbox: Outbox, *, now: datetime | None = None, rehearsal_join: RehearsalJoin | None = None
) -> list[str]:
    """Record the notices the current plan, requests and meetings call for; returns the new dedup keys.

    `rehearsal_join` overrides the store hook for an online rehearsal's join link (see the module doc)."""
    snap = snapshot(outbox.store, now or outbox.now())
    joins = _joins(outbox, rehearsal_join)
    keys: list[str] = []
    for req in snap.requests:
        r = _Request(snap, outbox.store, outbox, req, joins)
        notices: list[Notice] = []
        pn = pic_notice(r)
        if pn is not None:
            notices.append(pn)
        missed = rehearsal_missed_notice(r)
        if missed is not None:
            notices.append(missed)
        if series_notice.is_series(req):
            notices += series_operator_notices(snap, outbox, req, joins)
        else:
            notices += operator_notices(r)
        keys += _record(outbox, notices)
    return keys


def queue_reminders(
    outbox: Outbox, *, now: datetime | None = None, rehearsal_join: RehearsalJoin | None = None
) -> list[str]:
    """Record the reminders due now: the day before (H-1) and an hour before the effective start. A series is
    reminded of before each occurrence it holds (keyed by the occurrence and its start, so once each, restarts
    included), once its PIC has been told of the series."""
    snap = snapshot(outbox.store, now or outbox.now())
    policy = outbox.config.reminders
    joins = _joins(outbox, rehearsal_join)
    keys: list[str] = []
    for req in snap.requests:
        if policy.hour_before:
            keys += _record(outbox, rehearsal_reminders(outbox, snap, req, joins))
        told: _Request | None = None  # the request the PIC's notices are about (a series: the series itself)
        for part in snap.parts(req):
            start, _end = planned_times(part, snap.assignment(part))
            lead = start - snap.now
            if lead <= timedelta(0) or lead > timedelta(hours=24):
                continue
            r = _Request(snap, outbox.store, outbox, part, joins)
            if told is None:
                told = r if part is req else _Request(snap, outbox.store, outbox, req, joins)
            keys += _record(outbox, _reminders(outbox, snap, r, told.calendar_history(), start, lead))
    return keys


def _reminders(
    outbox: Outbox, snap: Snapshot, r: _Request, history: list[Record], start: datetime, lead: timedelta
) -> list[Notice]:
    """The reminders of one meeting (a request, or one occurrence of a series) starting `lead` from now."""
    policy, req = outbox.config.reminders, r.req
    if not history or history[-1].kind not in (m.PIC_SCHEDULED, m.PIC_CHANGED) or not r.ready:
        return []
    office, version = outbox.config.office, start.isoformat()
    notices: list[Notice] = []
    if lead <= timedelta(hours=1):
        if policy.hour_before:
            msg = m.pic_reminder(
                r.event, _pic(req), office=office, join=r.join, operators=r.operators, lead="hour", stamp=snap.now
            )
            notices.append(Notice(msg, req.ref, version, {}))
            host = _host(r.meeting, snap.hosts)
            for op_id in r.op_ids or []:
                op = snap.operators.get(op_id)
                if op is None:
                    continue
                msg = m.operator_assignment(
                    r.event,
                    _op_contact(op, outbox),
                    office=office,
                    pic=_pic(req),
                    host=host,
                    join=r.join,
                    stamp=snap.now,
                    reminder=True,
                    rehearsal_host=r.rehearsal_host(),
                )
                notices.append(Notice(msg, f"{req.ref}/{op_id}", version, {"operator": op_id}))
    elif policy.day_before and history[-1].created_at < start - timedelta(hours=24):
        msg = m.pic_reminder(
            r.event, _pic(req), office=office, join=r.join, operators=r.operators, lead="day", stamp=snap.now
        )
        notices.append(Notice(msg, req.ref, version, {}))
    return notices


def rehearsal_reminders(
    outbox: Outbox, snap: Snapshot, req: Request, rehearsal_join: RehearsalJoin | None
) -> list[Notice]:
    """Within the hour before an online rehearsal: its operators get the rehearsal meeting's host details and a
    fresh start link (fetched by the outbox right before sending). Nothing until the meeting exists in Zoom."""
    a = snap.assignment(req)
    t = a.rehearsal if a is not None else None
    if a is None or t is None or t.venue is not None:
        return []
    lead = t.start - snap.now
    if lead <= timedelta(0) or lead > timedelta(hours=1):
        return []
    meeting = outbox.store.rehearsal_meeting_for(req.ref)
    host = _host(meeting, snap.hosts)
    if meeting is None or meeting.state != "active" or host is None or host.meeting_id is None:
        return []
    event = snap.event(req, rehearsal_join)
    out: list[Notice] = []
    for op_id in t.operators or a.operators:
        op = snap.operators.get(op_id)
        if op is None:
            continue
        msg = m.operator_rehearsal_reminder(
            event, _op_contact(op, outbox), office=outbox.config.office, pic=_pic(req), host=host, stamp=snap.now
        )
        out.append(Notice(msg, f"{req.ref}/{op_id}", t.start.isoformat(), {"operator": op_id}))
    return out


def agenda_for(
    store: Store,
    outbox: Outbox,
    op: Operator,
    day: date,
    *,
    snap: Snapshot,
    rehearsal_join: RehearsalJoin | None = None,
) -> list[AgendaItem]:
    """An operator's items on one local day: their events (at the effective time), the rehearsals they run and
    the venues they survey, each its own item."""
    zone = op.timezone or snap.policy.timezone
    items: list[AgendaItem] = []
    extra = _overtime(store, snap, op.id)
    for req in (part for r in snap.requests for part in snap.parts(r)):  # a series: each occurrence
        a = snap.assignment(req)
        if a is None:
            continue
        runs = op.id in a.operators
        rehearses = a.rehearsal is not None and op.id in (a.rehearsal.operators or a.operators)
        surveys = a.survey is not None and op.id in a.survey.operators
        if not (runs or rehearses or surveys):
            continue
        event = snap.event(req, rehearsal_join)
        pic = _pic(req)
        if runs and local(event.start, zone).date() == day:
            meeting = store.meeting_for(meeting_ref(req)) if req.needs_host else None
            minutes, duty = extra.get(req.ref, (0, False))
            items.append(AgendaItem(event=event, host=_host(meeting, snap.hosts), join=_join(meeting), pic=pic,
                                    overtime_min=minutes, duty=duty))  # fmt: skip
        reh = event.rehearsal
        if rehearses and a.rehearsal is not None and reh is not None and local(reh.start, zone).date() == day:
            join = JoinDetails(join_url=reh.join_url, passcode=reh.passcode) if reh.join_url else None
            host = _task_host(a.rehearsal.host, snap.hosts)
            items.append(AgendaItem(event=event, role="rehearsal", host=host, join=join, pic=pic))
        if surveys and event.survey is not None and local(event.survey.start, zone).date() == day:
            items.append(AgendaItem(event=event, role="survey", pic=pic))
    return items


def _overtime(store: Store, snap: Snapshot, operator: str) -> dict[str, tuple[int, bool]]:
    """The operator's overtime (or holiday duty) minutes per served request of the published plan."""
    pol = snap.policy
    if snap.plan is None or (pol.calendar is None and pol.overtime is None):
        return {}
    mine = [a for a in snap.plan.assignments if operator in a.operators]
    refs = {a.request for a in mine}
    # Built from stored, already validated records, not checked across them again: an agenda must not fail on a
    # travel entry naming a venue since removed.
    problem = Problem.model_construct(
        now=snap.now, policy=pol, operators=list(snap.operators.values()), venues=store.venues(),
        travel=store.travel(), kit_types=store.kit_types(),
        requests=[r for q in snap.requests for r in snap.parts(q) if r.ref in refs],
    )  # fmt: skip
    uses = overtime_uses(problem, mine)
    return {u.request: (u.minutes, u.duty) for u in uses if u.operator == operator and not u.rehearsal}


def queue_daily_agendas(
    outbox: Outbox, *, now: datetime | None = None, rehearsal_join: RehearsalJoin | None = None
) -> list[str]:
    """Record each operator's agenda for their local today, once, from `agenda_hour` local time."""
    snap = snapshot(outbox.store, now or outbox.now())
    joins = _joins(outbox, rehearsal_join)
    keys: list[str] = []
    for op in snap.operators.values():
        zone = op.timezone or snap.policy.timezone
        here = local(snap.now, zone)
        if here.hour < outbox.config.reminders.agenda_hour:
            continue
        items = agenda_for(outbox.store, outbox, op, here.date(), snap=snap, rehearsal_join=joins)
        if not items:
            continue
        msg = m.operator_agenda(
            _op_contact(op, outbox),
            office=outbox.config.office,
            day=here.date(),
            zone=zone,
            items=items,
            stamp=snap.now,
        )
        keys += _record(outbox, [Notice(msg, op.id, here.date().isoformat(), {"operator": op.id})])
    return keys


def preview_pic(outbox: Outbox, ref: str, *, now: datetime | None = None) -> Message | None:
    """The message the PIC of `ref` would get now: the pending notice if there is one, else the current details
    as a scheduled notice (what they were last told, refreshed). Records nothing."""
    snap = snapshot(outbox.store, now or outbox.now())
    req = next((q for q in snap.requests if q.ref == ref), None) or outbox.store.get_request(ref)
    if req is None:
        raise KeyError(ref)
    r = _Request(snap, outbox.store, outbox, req, rehearsal_join_from(outbox.store))
    notice = pic_notice(r)
    if notice is not None:
        return notice.message
    history = r.calendar_history()
    seq = int(history[-1].meta["seq"]) if history else 0
    if r.served:
        return m.pic_scheduled(
            r.event,
            _pic(req),
            office=outbox.config.office,
            join=r.join,
            operators=r.operators,
            sequence=seq,
            stamp=snap.now,
        )
    return None


def tick(outbox: Outbox, *, now: datetime | None = None, rehearsal_join: RehearsalJoin | None = None) -> dict[str, int]:
    """Everything the daemon does on each tick: derive notices, reminders and agendas, then send what is due."""
    when = now or outbox.now()
    recorded = len(notify_plan_changes(outbox, now=when, rehearsal_join=rehearsal_join))
    recorded += len(queue_reminders(outbox, now=when, rehearsal_join=rehearsal_join))
    recorded += len(queue_daily_agendas(outbox, now=when, rehearsal_join=rehearsal_join))
    report = outbox.send_pending()
    return {
        "recorded": recorded,
        "sent": len(report.sent),
        "retrying": len(report.retrying),
        "gave_up": len(report.gave_up),
    }
