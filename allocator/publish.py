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

Meeting identity: every meeting we create carries a key (`meeting_key`), written by zoom_client into the
agenda marker `[vicon:<key>]`. The key is the request's reference plus a per-request generation,
`<ref>.g<generation>`; the generation grows by one each time the request gets a new Zoom meeting (a move to
another host, or a new meeting after a cancellation was undone). A key therefore names exactly one intended
meeting forever, so an old meeting left on the previous host after a crash is recognisable as obsolete,
and a lost create is found on its host by key instead of being created twice. References that contain
characters Zoom's marker cannot carry ("/") or that are too long use `x-<sha256(ref)[:20]>.g<generation>`.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Collection, Iterable, Mapping
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

from allocator.domain import Plan, Request, RequestStatus, UtcDatetime, ZoomHost, zone_abbrev

_KEY_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")
_KEY_MAX = 64
ActionKind = Literal["create", "update", "delete"]


def meeting_key(ref: str, generation: int) -> str:
    """Our idempotency key for the `generation`-th Zoom meeting of request `ref` (see the module doc)."""
    if generation < 1:
        raise ValueError("generation starts at 1")
    suffix = f".g{generation}"
    if _KEY_SAFE.match(ref) and len(ref) + len(suffix) <= _KEY_MAX:
        return ref + suffix
    return f"x-{hashlib.sha256(ref.encode()).hexdigest()[:20]}{suffix}"


def parse_generation(key: str) -> int | None:
    """The generation a key carries, or None if it is not one of ours."""
    head, sep, gen = key.rpartition(".g")
    if not sep or not head or not gen.isdigit():
        return None
    return int(gen)


class MeetingSpec(BaseModel):
    """What one Zoom meeting should look like."""

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

    def zoom_fields(self) -> dict[str, object]:
        """The fields Zoom holds and an update can change."""
        return {
            "topic": self.topic,
            "start": self.start,
            "duration_min": self.duration_min,
            "timezone": self.timezone,
            "agenda": self.agenda,
        }

    def same_host(self, other: MeetingSpec) -> bool:
        return (self.host, self.account, self.zoom_user.lower()) == (other.host, other.account, other.zoom_user.lower())


class CurrentMeeting(BaseModel):
    """A meeting the store holds for a request (intended or already in Zoom)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str
    generation: int
    spec: MeetingSpec


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

    def describe(self) -> str:
        detail = f" ({', '.join(self.changes)})" if self.changes else ""
        return f"{self.kind} {self.key} on {self.spec.host}: {self.reason}{detail}"


def duration_minutes(req: Request) -> int:
    """The meeting's length in whole minutes (rounded up), within Zoom's 1..1440."""
    return max(1, min(24 * 60, math.ceil((req.end - req.start).total_seconds() / 60)))


def agenda_for(req: Request, host: ZoomHost) -> str:
    """The agenda text (zoom_client puts our key marker in front of it)."""
    when = req.start.astimezone(ZoneInfo(req.timezone))
    lines = [
        f"{req.unit} - PIC: {req.pic.name}",
        f"{when:%Y-%m-%d %H:%M} {zone_abbrev(req.timezone)}; {req.participants} peserta",
        f"Host {host.label or host.id} ({host.capacity} peserta); ref {req.ref}",
    ]
    if req.venue:
        lines.append(f"Tempat: {req.venue}")
    return "\n".join(lines)[:1800]


def spec_for(req: Request, host: ZoomHost) -> MeetingSpec:
    return MeetingSpec(
        request=req.ref,
        host=host.id,
        account=host.account,
        zoom_user=host.zoom_user,
        topic=req.title[:200],
        start=req.start,
        duration_min=duration_minutes(req),
        timezone=req.timezone,
        agenda=agenda_for(req, host),
    )


def desired_meetings(plan: Plan, requests: Iterable[Request], hosts: Mapping[str, ZoomHost]) -> dict[str, MeetingSpec]:
    """The meeting each request served by a host in `plan` should have, by request reference."""
    by_ref = {r.ref: r for r in requests}
    out: dict[str, MeetingSpec] = {}
    for a in plan.assignments:
        req = by_ref.get(a.request)
        if req is None or not req.status.active or not req.needs_host or a.host is None:
            continue
        host = hosts.get(a.host)
        if host is None:
            continue
        out[req.ref] = spec_for(req, host)
    return out


def _gone_reason(req: Request | None, plan_refs: Collection[str]) -> str:
    if req is None:
        return "request no longer known"
    if req.status is RequestStatus.CANCELLED:
        return "request cancelled"
    if req.status is RequestStatus.REJECTED:
        return "request rejected"
    if not req.needs_host:
        return "request no longer needs a Zoom host"
    if req.ref not in plan_refs:
        return "request not served by the new plan"
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
) -> tuple[list[Action], list[str]]:
    """Actions that turn `current` into `desired` for the requests in `scope`, and notes on what was left
    alone (meetings already started). `next_generation[ref]` is the generation a new meeting of `ref` gets
    (default: one more than the current meeting's, or 1)."""
    next_generation = next_generation or {}
    requests = requests or {}
    actions: list[Action] = []
    notes: list[str] = []
    for ref in sorted(set(scope)):
        cur = current.get(ref)
        want = desired.get(ref)
        if cur is None and want is None:
            continue
        if cur is not None and cur.spec.start <= now:
            if want is None or want != cur.spec:
                notes.append(f"{ref}: meeting {cur.key} has already started; left as it is")
            continue
        gen = next_generation.get(ref, (cur.generation + 1) if cur is not None else 1)
        if cur is None:
            assert want is not None
            if want.start <= now:
                notes.append(f"{ref}: starts before now; no meeting created")
                continue
            actions.append(
                Action(
                    kind="create",
                    request=ref,
                    key=meeting_key(ref, gen),
                    generation=gen,
                    reason="newly served",
                    spec=want,
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
                    reason=_gone_reason(requests.get(ref), plan_refs),
                    spec=cur.spec,
                )
            )
            continue
        if not cur.spec.same_host(want):
            reason = f"moved from {cur.spec.host} to {want.host}"
            actions.append(
                Action(kind="create", request=ref, key=meeting_key(ref, gen), generation=gen, reason=reason, spec=want)
            )
            actions.append(
                Action(kind="delete", request=ref, key=cur.key, generation=cur.generation, reason=reason, spec=cur.spec)
            )
            continue
        old, new = cur.spec.zoom_fields(), want.zoom_fields()
        changed = tuple(k for k in new if old[k] != new[k])
        if changed:
            actions.append(
                Action(
                    kind="update",
                    request=ref,
                    key=cur.key,
                    generation=cur.generation,
                    reason="meeting details changed",
                    spec=want,
                    changes=changed,
                )
            )
    return actions, notes
