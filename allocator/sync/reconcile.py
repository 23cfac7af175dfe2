"""Compare Zoom's view with the store's and fix the difference.

For every host we know (and every host one of our meetings is on), list its upcoming meetings and keep
those carrying one of our keys (`[vicon:<ref>.g<n>]`). Then, meeting by meeting:

- orphan: a meeting in Zoom whose store row has no Zoom id yet (a create that succeeded before a crash
  lost its answer) -> adopt it (record id, join link, passcode; finish its create action);
- duplicate: several meetings with one key, or our key on a host other than the one the store names ->
  keep the recorded (or oldest) one, delete the others;
- not owned: a meeting with our key that no live meeting row claims (deleted, or unknown) -> delete it;
- missing: a meeting the store says exists in Zoom (upcoming) but Zoom no longer has (deleted by hand) ->
  queue a create again (the sync worker recreates it);
- drift: the meeting the store recorded, with our key, on the host the store names (so provably ours), shows
  another topic, start, duration or time zone than the store wants, and no queued update explains it (changed
  by hand, or an update the store wrongly believed done) -> the store records what Zoom has and queues the
  update that brings Zoom back (the worker carries it out); the finding says what differed;
- failed actions: outbox rows that gave up -> reported.

Meetings with an action currently claimed by a worker are skipped. `dry_run` changes nothing and reports
what would be done. Hosts whose listing fails are reported and their meetings are not judged.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from allocator.publish import MeetingSpec, parse_generation
from allocator.store.models import HostRow, MeetingRow, OutboxRow
from allocator.store.repo import FINISHED_OUTBOX_STATES, Store, audit, meeting_audit_view
from allocator.sync.worker import ZoomGateway, differs, zoom_view
from zoom_client import MeetingSummary, ZoomError

log = logging.getLogger(__name__)

FindingKind = Literal[
    "orphan_adopted", "duplicate_deleted", "not_owned_deleted", "missing_recreated", "drift_repaired", "failed_action"
]
ACTOR = "reconcile"


@dataclass(frozen=True)
class Finding:
    kind: FindingKind
    key: str
    request: str | None
    host: str
    zoom_meeting_id: int | None
    detail: str
    fixed: bool

    def line(self) -> str:
        mid = f" meeting {self.zoom_meeting_id}" if self.zoom_meeting_id else ""
        state = "fixed" if self.fixed else "to fix"
        return f"[{state}] {self.kind}: {self.key}{mid} on {self.host}: {self.detail}"


@dataclass
class ReconcileReport:
    dry_run: bool
    findings: list[Finding] = field(default_factory=list)
    hosts_checked: int = 0
    zoom_meetings_seen: int = 0
    errors: list[str] = field(default_factory=list)
    pending_actions: int = 0

    @property
    def clean(self) -> bool:
        """Nothing to fix and nothing that could not be checked."""
        return not self.findings and not self.errors

    def summary(self) -> str:
        head = (
            f"{self.hosts_checked} hosts checked, {self.zoom_meetings_seen} of our meetings in Zoom, "
            f"{len(self.findings)} findings, {len(self.errors)} errors, {self.pending_actions} actions queued"
        )
        return head + (" (dry run)" if self.dry_run else "")


@dataclass
class _Row:
    id: int
    key: str
    request: str
    state: str
    account: str
    zoom_user: str
    zoom_meeting_id: int | None
    start: datetime
    spec: MeetingSpec
    synced: dict[str, object] | None
    busy: bool
    unfinished_kinds: set[str]


def reconcile(
    store: Store,
    zoom: ZoomGateway,
    *,
    dry_run: bool = False,
    now: datetime | None = None,
    clock: Callable[[], datetime] | None = None,
) -> ReconcileReport:
    now = (now or (clock or store.now)()).astimezone(UTC)
    report = ReconcileReport(dry_run=dry_run)
    rows, hosts = _load(store, now)
    by_key = {r.key: r for r in rows}
    # 1. Zoom's view, host by host.
    seen: dict[str, list[tuple[str, str, MeetingSummary]]] = defaultdict(list)  # key -> (account, user, m)
    listed: set[tuple[str, str]] = set()
    for account, user in sorted(hosts):
        try:
            found = list(zoom.client(account).list_meetings(user, type="upcoming"))
        except ZoomError as exc:
            report.errors.append(f"cannot list meetings of {user} ({account}): {type(exc).__name__}: {exc}")
            continue
        listed.add((account, user.lower()))
        report.hosts_checked += 1
        for m in found:
            key = m.key
            if key is None or parse_generation(key) is None:
                continue
            report.zoom_meetings_seen += 1
            seen[key].append((account, user, m))
    # 2. Meetings with our key.
    for key, hits in sorted(seen.items()):
        row = by_key.get(key)
        if row is not None and row.busy:
            continue
        if row is None or row.state == "deleted":
            why = "no request owns this key" if row is None else "the store deleted this meeting"
            for account, user, m in hits:
                _delete(store, zoom, report, "not_owned_deleted", key, row, account, user, m.id, why, dry_run, now)
            continue
        if row.state == "pending_delete":
            if "delete" in row.unfinished_kinds:
                continue  # the sync worker will delete it
            for account, user, m in hits:
                why = "its deletion was not carried out"
                _delete(store, zoom, report, "not_owned_deleted", key, row, account, user, m.id, why, dry_run, now)
            continue
        right_host = [h for h in hits if h[0] == row.account and h[1].lower() == row.zoom_user.lower()]
        for account, user, m in hits:
            if (account, user, m) not in right_host:
                why = f"our key on {user}, but the store has this meeting on {row.zoom_user}"
                _delete(store, zoom, report, "duplicate_deleted", key, row, account, user, m.id, why, dry_run, now)
        if not right_host:
            continue  # judged below as missing (its own host does not have it)
        ordered = sorted(right_host, key=lambda h: (h[2].created_at or datetime.max.replace(tzinfo=UTC), h[2].id))
        keep = next((h for h in ordered if h[2].id == row.zoom_meeting_id), None)
        if keep is None:
            keep = ordered[0]
            _adopt(store, zoom, report, row, keep[2], dry_run, now)
        for account, user, m in ordered:
            if m.id != keep[2].id:
                why = f"another meeting with this key ({keep[2].id}) is the one we keep"
                _delete(store, zoom, report, "duplicate_deleted", key, row, account, user, m.id, why, dry_run, now)
        if row.state == "active" and keep[2].id == row.zoom_meeting_id:
            _repair_drift(store, zoom, report, row, keep[2], dry_run, now)
    # 3. Meetings the store has in Zoom that Zoom does not.
    for row in rows:
        if row.busy or row.state != "active" or row.start <= now or row.zoom_meeting_id is None:
            continue
        if (row.account, row.zoom_user.lower()) not in listed:
            continue
        on_host = [h for h in seen.get(row.key, []) if h[0] == row.account and h[1].lower() == row.zoom_user.lower()]
        if on_host:
            continue
        _recreate(store, report, row, dry_run, now)
    # 4. Actions that gave up.
    with store.transaction() as s:
        failed = s.execute(
            sa.select(OutboxRow, MeetingRow)
            .join(MeetingRow, MeetingRow.id == OutboxRow.meeting_id)
            .where(OutboxRow.state == "failed", MeetingRow.start > now, MeetingRow.state != "deleted")
        ).all()
        for o, mr in failed:
            if mr.state == "pending_delete" and o.kind != "delete":
                continue
            report.findings.append(
                Finding(
                    "failed_action",
                    mr.key,
                    mr.request,
                    mr.zoom_user,
                    mr.zoom_meeting_id,
                    f"{o.kind} failed: {o.last_error or '?'}",
                    fixed=False,
                )
            )
        report.pending_actions = int(
            s.scalar(
                sa.select(sa.func.count()).select_from(OutboxRow).where(OutboxRow.state.in_(["pending", "in_progress"]))
            )
            or 0
        )
    return report


def _load(store: Store, now: datetime) -> tuple[list[_Row], set[tuple[str, str]]]:
    with store.transaction() as s:
        unfinished: dict[int, set[str]] = defaultdict(set)
        busy: set[int] = set()
        for o in s.scalars(sa.select(OutboxRow).where(OutboxRow.state.not_in(FINISHED_OUTBOX_STATES))):
            unfinished[o.meeting_id].add(o.kind)
            if o.state == "in_progress" and o.lease_until is not None and o.lease_until >= now:
                busy.add(o.meeting_id)
        rows = [
            _Row(
                id=m.id,
                key=m.key,
                request=m.request,
                state=m.state,
                account=m.account,
                zoom_user=m.zoom_user,
                zoom_meeting_id=m.zoom_meeting_id,
                start=m.start,
                spec=MeetingSpec.model_validate(m.spec),
                synced=m.synced,
                busy=m.id in busy,
                unfinished_kinds=unfinished.get(m.id, set()),
            )
            for m in s.scalars(sa.select(MeetingRow).where(MeetingRow.start > now - timedelta(days=1)))
        ]
        hosts = {(h.account, h.zoom_user) for h in s.scalars(sa.select(HostRow))}
    lowered = {(a, u.lower()) for a, u in hosts}
    for r in rows:
        if r.state != "deleted" and (r.account, r.zoom_user.lower()) not in lowered:
            hosts.add((r.account, r.zoom_user))
            lowered.add((r.account, r.zoom_user.lower()))
    return rows, hosts


def _drift(want: MeetingSpec, m: MeetingSummary) -> list[str]:
    """How the listed meeting differs from `want`, in words (topic, start, duration, time zone: what a list shows
    in full; the agenda is cut to 250 characters there, so it is compared only when a repair reads the meeting)."""
    diffs = []
    if m.topic and m.topic != want.topic:
        diffs.append(f"topic {m.topic!r} in Zoom, the store wants {want.topic!r}")
    # A series' listed start is its next occurrence's: its occurrences are compared by the worker, one by one.
    if m.start_time is not None and want.series is None and m.start_time.astimezone(UTC) != want.start:
        diffs.append(
            f"start {m.start_time.astimezone(UTC).isoformat()} in Zoom, the store wants {want.start.isoformat()}"
        )
    if m.duration is not None and m.duration != want.duration_min:
        diffs.append(f"duration {m.duration} min in Zoom, the store wants {want.duration_min}")
    if m.timezone and m.timezone != want.timezone:
        diffs.append(f"time zone {m.timezone} in Zoom, the store wants {want.timezone}")
    return diffs


def _update_waiting(s: Session, meeting_id: int) -> bool:
    """Whether an update of the meeting is waiting in the outbox."""
    found = s.scalar(
        sa.select(OutboxRow.id)
        .where(
            OutboxRow.meeting_id == meeting_id,
            OutboxRow.kind == "update",
            OutboxRow.state.not_in(FINISHED_OUTBOX_STATES),
        )
        .limit(1)
    )
    return found is not None


def _repair_drift(
    store: Store, zoom: ZoomGateway, report: ReconcileReport, row: _Row, m: MeetingSummary, dry_run: bool, now: datetime
) -> None:
    """Bring a recorded meeting of ours (our key, our host) back to the store's details if Zoom shows others.
    A meeting that has started (by the store's time or Zoom's) is left alone, as publishing leaves it: an
    overrun extended by hand is the operator's call, and Zoom refuses to change a meeting in progress."""
    zoom_start = m.start_time.astimezone(UTC) if m.start_time is not None else None
    if row.start <= now or (zoom_start is not None and zoom_start <= now):
        return
    diffs = _drift(row.spec, m)
    if not diffs:
        return
    synced = MeetingSpec.model_validate(row.synced) if row.synced else None
    if "update" in row.unfinished_kinds and synced is not None and not _drift(synced, m):
        return  # Zoom is as we last wrote it; the queued update brings the rest
    detail = "; ".join(diffs)
    if dry_run:
        report.findings.append(
            Finding("drift_repaired", row.key, row.request, row.zoom_user, m.id, f"would repair: {detail}", False)
        )
        return
    try:
        full = zoom.client(row.account).get_meeting(m.id)
    except ZoomError as exc:
        report.errors.append(f"cannot read meeting {m.id} ({row.key}): {type(exc).__name__}: {exc}")
        report.findings.append(Finding("drift_repaired", row.key, row.request, row.zoom_user, m.id, detail, False))
        return
    with store.transaction() as s:
        mr = s.get(MeetingRow, row.id)
        assert mr is not None
        if mr.state != "active" or mr.zoom_meeting_id != m.id:
            return  # changed meanwhile; the next reconcile judges it again
        old = meeting_audit_view(mr)
        spec = MeetingSpec.model_validate(mr.spec)
        actual = zoom_view(full, spec)
        mr.synced, mr.updated_at = actual.model_dump(mode="json"), now
        waiting = _update_waiting(s, mr.id)
        if not waiting:
            payload = {"key": mr.key, "spec": mr.spec, "changes": differs(actual, spec)}
            Store._outbox_row(s, mr, "update", "repair: Zoom differs from the store", payload, None, now)
        audit(
            s,
            at=now,
            actor=ACTOR,
            action="reconcile.drift_repaired",
            entity="meeting",
            entity_id=row.key,
            old=old,
            new={**meeting_audit_view(mr), "reason": detail},
        )
    how = "the queued update brings it back" if waiting else "update queued"
    report.findings.append(
        Finding("drift_repaired", row.key, row.request, row.zoom_user, m.id, f"{detail}; {how}", fixed=True)
    )


def _delete(
    store: Store,
    zoom: ZoomGateway,
    report: ReconcileReport,
    kind: FindingKind,
    key: str,
    row: _Row | None,
    account: str,
    user: str,
    meeting_id: int,
    why: str,
    dry_run: bool,
    now: datetime,
) -> None:
    request = row.request if row else None
    if dry_run:
        report.findings.append(Finding(kind, key, request, user, meeting_id, f"would delete: {why}", fixed=False))
        return
    try:
        zoom.client(account).delete_meeting(meeting_id, missing_ok=True)
    except ZoomError as exc:
        report.errors.append(f"cannot delete meeting {meeting_id} ({key}) on {user}: {type(exc).__name__}: {exc}")
        report.findings.append(Finding(kind, key, request, user, meeting_id, why, fixed=False))
        return
    with store.transaction() as s:
        audit(
            s,
            at=now,
            actor=ACTOR,
            action=f"reconcile.{kind}",
            entity="meeting",
            entity_id=key,
            old={"zoom_meeting_id": meeting_id, "host": user},
            new={"reason": why},
        )
    report.findings.append(Finding(kind, key, request, user, meeting_id, f"deleted: {why}", fixed=True))


def _adopt(
    store: Store, zoom: ZoomGateway, report: ReconcileReport, row: _Row, m: MeetingSummary, dry_run: bool, now: datetime
) -> None:
    why = (
        "created in Zoom but never recorded (crash or lost answer)"
        if row.zoom_meeting_id is None
        else f"the recorded meeting {row.zoom_meeting_id} is gone; this one carries the key"
    )
    if dry_run:
        report.findings.append(
            Finding("orphan_adopted", row.key, row.request, row.zoom_user, m.id, f"would adopt: {why}", fixed=False)
        )
        return
    try:
        full = zoom.client(row.account).get_meeting(m.id)
    except ZoomError as exc:
        report.errors.append(f"cannot read meeting {m.id} ({row.key}): {type(exc).__name__}: {exc}")
        return
    with store.transaction() as s:
        mr = s.get(MeetingRow, row.id)
        assert mr is not None
        old = meeting_audit_view(mr)
        mr.zoom_meeting_id, mr.join_url, mr.passcode = full.id, full.join_url or None, full.password
        if mr.state == "pending_create":
            mr.state = "active"
        mr.updated_at = now
        creates = s.scalars(
            sa.select(OutboxRow).where(
                OutboxRow.meeting_id == row.id,
                OutboxRow.kind == "create",
                OutboxRow.state.not_in(FINISHED_OUTBOX_STATES),
            )
        ).all()
        # What Zoom holds (read just now), not what some create meant to send; an update follows if it differs.
        spec = MeetingSpec.model_validate(mr.spec)
        actual = zoom_view(full, spec)
        mr.synced = actual.model_dump(mode="json")
        for o in creates:
            o.state, o.done_at, o.lease_until = "done", now, None
            o.result = {"zoom_meeting_id": full.id, "adopted_by": ACTOR}
        audit(
            s,
            at=now,
            actor=ACTOR,
            action="reconcile.orphan_adopted",
            entity="meeting",
            entity_id=row.key,
            old=old,
            new={**meeting_audit_view(mr), "reason": why},
        )
        changes = differs(actual, spec)
        if changes and mr.state == "active" and not _update_waiting(s, mr.id):
            payload = {"key": mr.key, "spec": mr.spec, "changes": changes}
            Store._outbox_row(s, mr, "update", "adopted meeting differs from the plan", payload, None, now)
    report.findings.append(Finding("orphan_adopted", row.key, row.request, row.zoom_user, m.id, why, fixed=True))


def _recreate(store: Store, report: ReconcileReport, row: _Row, dry_run: bool, now: datetime) -> None:
    why = f"meeting {row.zoom_meeting_id} is no longer in Zoom (deleted by hand?)"
    if dry_run:
        report.findings.append(
            Finding(
                "missing_recreated",
                row.key,
                row.request,
                row.zoom_user,
                row.zoom_meeting_id,
                f"would recreate: {why}",
                fixed=False,
            )
        )
        return
    with store.transaction() as s:
        mr = s.get(MeetingRow, row.id)
        assert mr is not None
        if mr.state != "active" or mr.zoom_meeting_id != row.zoom_meeting_id:
            return  # changed meanwhile
        old = meeting_audit_view(mr)
        mr.state, mr.zoom_meeting_id, mr.join_url, mr.passcode, mr.synced = "pending_create", None, None, None, None
        mr.updated_at = now
        payload = {"key": mr.key, "spec": mr.spec, "look_first": True}  # in case Zoom's list only lagged
        Store._outbox_row(s, mr, "create", "recreate: deleted in Zoom", payload, None, now)
        audit(
            s,
            at=now,
            actor=ACTOR,
            action="reconcile.missing_recreated",
            entity="meeting",
            entity_id=row.key,
            old=old,
            new={**meeting_audit_view(mr), "reason": why},
        )
    report.findings.append(
        Finding(
            "missing_recreated",
            row.key,
            row.request,
            row.zoom_user,
            row.zoom_meeting_id,
            f"create queued: {why}",
            fixed=True,
        )
    )
