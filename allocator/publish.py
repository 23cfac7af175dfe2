"""From plans to intended Zoom actions: a pure diff, no I/O and no clock of its own.

`desired_meetings` says which Zoom meeting each served request should have (host, topic, time, agenda);
`diff_meetings` compares that with the meetings the store already has (or intends) and returns the actions
that close the gap, per request in order:

- create: a request newly served by a host;
- update: same host, but time, topic, time zone or agenda changed (the agenda names the host's capacity
  and the participants, so a capacity change is an update too);
- move: another host. Zoom cannot move a meeting between hosts, so a move is a create on the new host
  followed by a delete on the old one (in that order: the request is never without a meeting);
- delete: the request was cancelled or rejected, is no longer served, or no longer needs a host.

Unchanged meetings produce no action. Meetings that have already started are never touched.

Times: a flexible request's meeting is at the time the plan chose (`Assignment.start`/`end`), otherwise at
the request's own `start`/`end`.

Roles: a request has at most one live meeting per role. `event` is the meeting itself; `rehearsal` is the
Zoom meeting of an online rehearsal (gladi bersih: `Assignment.rehearsal` with a host), on the rehearsal's
host at the rehearsal's time, topic "Gladi bersih: <title>". Each role is diffed on its own (create, update,
move, delete exactly as above) and has its own keys and generations.

Meeting identity: every meeting we create carries a key (`meeting_key`), written by zoom_client into the
agenda marker `[vicon:<key>]`. The key is the request's reference plus a role marker and a per-request,
per-role generation: `<ref>.g<generation>` for the event, `<ref>.r<generation>` for the rehearsal. The
generation grows by one each time the request gets a new Zoom meeting in that role (a move to another host,
or a new meeting after a cancellation was undone). A key therefore names exactly one intended meeting
forever, so an old meeting left on the previous host after a crash is recognisable as obsolete, and a lost
create is found on its host by key instead of being created twice. The last dot-separated part alone says
the role and generation (`g<n>` / `r<n>`), and everything before it is the reference, so the two roles'
keys never collide, whatever the reference contains. References that contain characters Zoom's marker
cannot carry ("/") or that are too long use `x-<sha256(ref)[:20]>.g<generation>` (`.r<generation>`).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

from allocator.lent_hosts import alternative_hosts
from allocator.planner.domain import (
    Assignment,
    Plan,
    Request,
    RequestStatus,
    SeriesRepeat,
    TaskSlot,
    UnitOperator,
    UtcDatetime,
    ZoomHost,
    occurrences,
    zone_abbrev,
)

_KEY_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")
_KEY_MAX = 64
ActionKind = Literal["create", "update", "delete"]
MeetingRole = Literal["event", "rehearsal"]
ROLES: tuple[MeetingRole, ...] = ("event", "rehearsal")
_ROLE_MARK: dict[str, str] = {"event": "g", "rehearsal": "r"}
_MARK_ROLE: dict[str, MeetingRole] = {"g": "event", "r": "rehearsal"}
REHEARSAL_TOPIC_PREFIX = "Gladi bersih: "


def meeting_key(ref: str, generation: int, role: MeetingRole = "event") -> str:
    """Our idempotency key for the `generation`-th Zoom meeting of request `ref` in `role` (see the module doc)."""
    if generation < 1:
        raise ValueError("generation starts at 1")
    suffix = f".{_ROLE_MARK[role]}{generation}"
    if _KEY_SAFE.match(ref) and len(ref) + len(suffix) <= _KEY_MAX:
        return ref + suffix
    return f"x-{hashlib.sha256(ref.encode()).hexdigest()[:20]}{suffix}"


def parse_key(key: str) -> tuple[MeetingRole, int] | None:
    """The role and generation a key carries, or None if it is not one of ours."""
    head, sep, last = key.rpartition(".")
    if not sep or not head or len(last) < 2 or last[0] not in _MARK_ROLE or not last[1:].isdigit():
        return None
    return _MARK_ROLE[last[0]], int(last[1:])


def parse_generation(key: str) -> int | None:
    """The generation a key carries (either role), or None if it is not one of ours."""
    parsed = parse_key(key)
    return parsed[1] if parsed else None


class SeriesShape(BaseModel):
    """How a series' Zoom meeting repeats (a recurring meeting with fixed time): changing it makes a new meeting."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    repeat: Literal["daily", "weekly", "monthly"]
    every: int = Field(ge=1, le=90)
    weekdays: tuple[int, ...] = ()  # weekly: its weekdays; monthly by week: the one weekday (0 = Monday)
    count: int = Field(ge=1, le=50)
    month_day: int | None = Field(default=None, ge=1, le=31)  # monthly: on this day of the month
    month_week: int | None = Field(default=None, ge=-1, le=4)  # or: on `weekdays[0]` of this week (-1: the last)


class OccurrenceSpec(BaseModel):
    """One occurrence of a series' meeting: where the recurrence puts it (`nominal`, which is Zoom's occurrence
    id), and when it is held (None: cancelled or not served, so deleted in Zoom)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    number: int = Field(ge=1)
    nominal: UtcDatetime
    start: UtcDatetime | None = None
    duration_min: int = Field(default=60, gt=0, le=24 * 60)

    @property
    def occurrence_id(self) -> str:
        return str(int(self.nominal.timestamp() * 1000))


class MeetingSpec(BaseModel):
    """What one Zoom meeting should look like (a series': `series` and its `occurrences` set)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    request: str
    host: str
    account: str
    zoom_user: str
    topic: str = Field(min_length=1, max_length=200)
    start: UtcDatetime
    duration_min: int = Field(gt=0, le=24 * 60)
    timezone: str
    agenda: str
    series: SeriesShape | None = None
    occurrences: tuple[OccurrenceSpec, ...] = ()
    alternative_hosts: tuple[str, ...] = Field(
        default=(), description="The unit's own user(s) who may start it (a meeting their unit runs itself)."
    )

    def zoom_fields(self) -> dict[str, object]:
        """The fields Zoom holds and an update can change (of a series, its occurrences too; alternative hosts only
        where a unit runs its own)."""
        fields: dict[str, object] = {
            "topic": self.topic,
            "start": self.start,
            "duration_min": self.duration_min,
            "timezone": self.timezone,
            "agenda": self.agenda,
        }
        if self.series is not None:
            fields["occurrences"] = self.occurrences
        if self.alternative_hosts:
            fields["alternative_hosts"] = self.alternative_hosts
        return fields

    def begun(self, now: datetime) -> bool:
        """Started: a single meeting at its start; a series once no held occurrence is still ahead."""
        if self.series is None:
            return self.start <= now
        return all(o.start is None or o.start <= now for o in self.occurrences)

    def same_host(self, other: MeetingSpec) -> bool:
        return (self.host, self.account, self.zoom_user.lower()) == (other.host, other.account, other.zoom_user.lower())


class CurrentMeeting(BaseModel):
    """A meeting the store holds for a request (intended or already in Zoom)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str
    generation: int
    spec: MeetingSpec
    role: MeetingRole = "event"


class Action(BaseModel):
    """One intended Zoom action."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: ActionKind
    request: str
    key: str
    generation: int
    reason: str
    spec: MeetingSpec
    changes: tuple[str, ...] = ()
    role: MeetingRole = "event"

    def describe(self) -> str:
        detail = f" ({', '.join(self.changes)})" if self.changes else ""
        what = "rehearsal " if self.role == "rehearsal" else ""
        return f"{self.kind} {what}{self.key} on {self.spec.host}: {self.reason}{detail}"


def _minutes(start: datetime, end: datetime) -> int:
    """A length in whole minutes (rounded up), within Zoom's 1..1440."""
    return max(1, min(24 * 60, math.ceil((end - start).total_seconds() / 60)))


def effective_times(req: Request, a: Assignment | None) -> tuple[datetime, datetime]:
    """When the request takes place in the plan: the chosen time of a flexible request, else its own."""
    if a is not None and a.start is not None and a.end is not None:
        return a.start, a.end
    return req.start, req.end


def duration_minutes(req: Request, a: Assignment | None = None) -> int:
    """The meeting's length in whole minutes (rounded up), within Zoom's 1..1440."""
    return _minutes(*effective_times(req, a))


def agenda_for(req: Request, host: ZoomHost, start: datetime | None = None) -> str:
    """The agenda text (zoom_client puts our key marker in front of it)."""
    when = (start or req.start).astimezone(ZoneInfo(req.timezone))
    lines = [
        f"{req.unit} - PIC: {req.pic.name}",
        f"{when:%Y-%m-%d %H:%M} {zone_abbrev(req.timezone)}; {req.participants} peserta",
        f"Host {host.label or host.id} ({host.capacity} peserta); ref {req.ref}",
    ]
    if req.venue:
        lines.append(f"Tempat: {req.venue}")
    return "\n".join(lines)[:1800]


def spec_for(
    req: Request, host: ZoomHost, a: Assignment | None = None, alternative_hosts: tuple[str, ...] = ()
) -> MeetingSpec:
    """The event meeting of `req` on `host`, at the time `a` chose (flexible) or the request's own;
    `alternative_hosts`: the unit's own users who may start it (allocator/lent_hosts.py)."""
    start, end = effective_times(req, a)
    return MeetingSpec(
        request=req.ref,
        host=host.id,
        account=host.account,
        zoom_user=host.zoom_user,
        topic=req.title[:200],
        start=start,
        duration_min=_minutes(start, end),
        timezone=req.timezone,
        agenda=agenda_for(req, host, start),
        alternative_hosts=alternative_hosts,
    )


def rehearsal_spec_for(req: Request, host: ZoomHost, slot: TaskSlot, a: Assignment | None = None) -> MeetingSpec:
    """The Zoom meeting of `req`'s online rehearsal (`slot`) on `host`."""
    zone = ZoneInfo(req.timezone)
    event_start, _ = effective_times(req, a)
    lines = [
        f"Gladi bersih untuk / rehearsal for: {req.title}"[:300],
        f"Acara / event: {event_start.astimezone(zone):%Y-%m-%d %H:%M} {zone_abbrev(req.timezone)}",
        f"{req.unit} - PIC: {req.pic.name}",
        f"Host {host.label or host.id}; ref {req.ref}",
    ]
    if slot.operators:
        lines.append(f"Operator: {', '.join(slot.operators)}")
    return MeetingSpec(
        request=req.ref,
        host=host.id,
        account=host.account,
        zoom_user=host.zoom_user,
        topic=(REHEARSAL_TOPIC_PREFIX + req.title)[:200],
        start=slot.start,
        duration_min=_minutes(slot.start, slot.end),
        timezone=req.timezone,
        agenda="\n".join(lines)[:1800],
    )


def _series_groups(requests: Iterable[Request]) -> dict[str, tuple[Request, list[Request]]]:
    """Each series among `requests` (given whole, or as its occurrences): the series request and its occurrences."""
    out: dict[str, tuple[Request, list[Request]]] = {}
    loose: dict[str, list[Request]] = {}
    for r in requests:
        if r.series is not None and r.occurrence is None:
            out[r.ref] = (r, occurrences(r))
        elif r.occurrence_of is not None:
            loose.setdefault(r.occurrence_of, []).append(r)
    for ref, occ in loose.items():
        if ref not in out:
            occ.sort(key=lambda r: r.occurrence or 0)
            base = occ[0].model_copy(update={"ref": ref, "occurrence_of": None, "occurrence": None})
            out[ref] = (base, occ)
    return out


def series_spec_for(
    base: Request,
    occ: list[Request],
    assigned: Mapping[str, Assignment],
    hosts: Mapping[str, ZoomHost],
    unit_operators: Sequence[UnitOperator] = (),
) -> MeetingSpec | None:
    """The one recurring Zoom meeting of a series: on the host its served occurrences share, repeating as the
    series does; each occurrence held at its own time, or deleted when cancelled or not served. None when no
    occurrence is served. When the unit runs any served occurrence itself (a link-only series, or an occurrence
    served self-operated), its own users of the host's account are the recurring meeting's alternative hosts, as
    for a single meeting (allocator/lent_hosts.py): Zoom's alternative hosts belong to the whole series."""
    pattern = base.series
    served = [o for o in occ if o.status.active and (a := assigned.get(o.ref)) is not None and a.host is not None]
    if pattern is None or not served or not base.needs_host:
        return None
    host = hosts.get(assigned[served[0].ref].host or "")
    if host is None:
        return None
    plain = base.model_copy(update={"series": pattern.model_copy(update={"changes": []}), "status": base.status})
    nominal = [o.start for o in occurrences(plain)]
    held = {o.ref for o in served}
    weekly = pattern.repeat is SeriesRepeat.WEEKLY
    monthly = pattern.repeat is SeriesRepeat.MONTHLY
    first = base.start.astimezone(ZoneInfo(base.timezone))
    by_week = monthly and pattern.month_week is not None
    days = tuple(sorted(pattern.weekdays or [first.weekday()])) if weekly else (first.weekday(),) if by_week else ()
    alternates = sorted({u for o in served for u in alternative_hosts(o, assigned[o.ref], host, unit_operators)})
    return MeetingSpec(
        request=base.ref,
        host=host.id,
        account=host.account,
        zoom_user=host.zoom_user,
        topic=base.title[:200],
        start=nominal[0],
        duration_min=_minutes(base.start, base.end),
        timezone=base.timezone,
        agenda=agenda_for(base, host, nominal[0]),
        series=SeriesShape(
            repeat=pattern.repeat.value,
            every=pattern.every,
            weekdays=days,
            count=len(nominal),
            month_day=first.day if monthly and not by_week else None,
            month_week=pattern.month_week if by_week else None,
        ),
        occurrences=tuple(
            OccurrenceSpec(
                number=k,
                nominal=nominal[k - 1],
                start=o.start if o.ref in held else None,
                duration_min=_minutes(o.start, o.end),
            )
            for k, o in enumerate(occ, start=1)
        ),
        alternative_hosts=tuple(alternates),
    )


def desired_meetings(
    plan: Plan,
    requests: Iterable[Request],
    hosts: Mapping[str, ZoomHost],
    unit_operators: Sequence[UnitOperator] = (),
) -> dict[str, MeetingSpec]:
    """The (event) meeting each request served by a host in `plan` should have, by request reference; a series has
    one, under its own reference (see `series_spec_for`); a meeting a unit runs itself names the unit's own user of
    the host's account as alternative host (`unit_operators`)."""
    requests = list(requests)
    by_ref = {r.ref: r for r in requests}
    out: dict[str, MeetingSpec] = {}
    assigned = {a.request: a for a in plan.assignments}
    for ref, (base, occ) in _series_groups(requests).items():
        if base.status.active:
            spec = series_spec_for(base, occ, assigned, hosts, unit_operators)
            if spec is not None:
                out[ref] = spec
    for a in plan.assignments:
        req = by_ref.get(a.request)
        if req is None or not req.status.active or not req.needs_host or a.host is None or req.series is not None:
            continue
        host = hosts.get(a.host)
        if host is None:
            continue
        out[req.ref] = spec_for(req, host, a, alternative_hosts(req, a, host, unit_operators))
    return out


def desired_rehearsals(
    plan: Plan, requests: Iterable[Request], hosts: Mapping[str, ZoomHost]
) -> dict[str, MeetingSpec]:
    """The rehearsal meeting of each request whose planned rehearsal is online (has a host), by reference.

    Independent of the event's own service: an operator-only request may rehearse on one of our hosts."""
    by_ref = {r.ref: r for r in requests}
    out: dict[str, MeetingSpec] = {}
    for a in plan.assignments:
        req = by_ref.get(a.request)
        slot = a.rehearsal
        if req is None or not req.status.active or slot is None or slot.host is None:
            continue
        host = hosts.get(slot.host)
        if host is None:
            continue
        out[req.ref] = rehearsal_spec_for(req, host, slot, a)
    return out


def _gone_reason(req: Request | None, plan_refs: Collection[str], role: MeetingRole = "event") -> str:
    if req is None:
        return "request no longer known"
    if req.status is RequestStatus.CANCELLED:
        return "request cancelled"
    if req.status is RequestStatus.REJECTED:
        return "request rejected"
    if role == "event" and not req.needs_host:
        return "request no longer needs a Zoom host"
    if req.ref not in plan_refs:
        return "request not served by the new plan"
    if role == "rehearsal":
        return "no online rehearsal planned any more"
    return "no host assigned"


def diff_meetings(
    current: Mapping[str, CurrentMeeting],
    desired: Mapping[str, MeetingSpec],
    *,
    scope: Collection[str],
    now: datetime,
    next_generation: Mapping[str, int] | None = None,
    requests: Mapping[str, Request] | None = None,
    plan_refs: Collection[str] = (),
    role: MeetingRole = "event",
) -> tuple[list[Action], list[str]]:
    """Actions that turn `current` into `desired` for the requests in `scope`, and notes on what was left
    alone (meetings already started). `next_generation[ref]` is the generation a new meeting of `ref` gets
    (default: one more than the current meeting's, or 1). All meetings given are of one `role`."""
    next_generation = next_generation or {}
    requests = requests or {}
    actions: list[Action] = []
    notes: list[str] = []
    for ref in sorted(set(scope)):
        cur = current.get(ref)
        want = desired.get(ref)
        if cur is None and want is None:
            continue
        what = "rehearsal meeting" if role == "rehearsal" else "meeting"
        if cur is not None and cur.spec.begun(now):
            if want is None or want != cur.spec:
                notes.append(f"{ref}: {what} {cur.key} has already started; left as it is")
            continue
        gen = next_generation.get(ref, (cur.generation + 1) if cur is not None else 1)
        if cur is None:
            assert want is not None
            if want.begun(now):
                notes.append(
                    f"{ref}: {'rehearsal ' if role == 'rehearsal' else ''}starts before now; no {what} created"
                )
                continue
            actions.append(
                Action(
                    kind="create",
                    request=ref,
                    key=meeting_key(ref, gen, role),
                    generation=gen,
                    reason="rehearsal planned online" if role == "rehearsal" else "newly served",
                    spec=want,
                    role=role,
                )
            )
            continue
        if want is None:
            actions.append(
                Action(
                    kind="delete",
                    request=ref,
                    key=cur.key,
                    generation=cur.generation,
                    reason=_gone_reason(requests.get(ref), plan_refs, role),
                    spec=cur.spec,
                    role=role,
                )
            )
            continue
        if not cur.spec.same_host(want) or cur.spec.series != want.series:
            reason = (
                f"moved from {cur.spec.host} to {want.host}"
                if not cur.spec.same_host(want)
                else "the series repeats differently"
            )
            key = meeting_key(ref, gen, role)
            actions.append(
                Action(kind="create", request=ref, key=key, generation=gen, reason=reason, spec=want, role=role)
            )
            actions.append(
                Action(
                    kind="delete",
                    request=ref,
                    key=cur.key,
                    generation=cur.generation,
                    reason=reason,
                    spec=cur.spec,
                    role=role,
                )
            )
            continue
        old, new = cur.spec.zoom_fields(), want.zoom_fields()
        changed = tuple(k for k in [*new, *(k for k in old if k not in new)] if old.get(k) != new.get(k))
        if changed:
            actions.append(
                Action(
                    kind="update",
                    request=ref,
                    key=cur.key,
                    generation=cur.generation,
                    reason=f"{what} details changed",
                    spec=want,
                    changes=changed,
                    role=role,
                )
            )
    return actions, notes
