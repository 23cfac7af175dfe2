"""The outbox worker: claims intended Zoom actions, carries them out exactly once, records the result.

A row is claimed in one transaction (state `in_progress`, `attempts` + 1, a lease; `FOR UPDATE SKIP LOCKED`
on PostgreSQL so several workers never take the same row), Zoom is called outside any transaction, and the
result is written in a second transaction. Crash safety comes from the meeting key:

- a create whose row was claimed before (attempts > 1: an earlier worker may have created it and died before
  recording it) first looks for the key on the host;
- a create whose answer is lost is settled by a lookup, never by a blind second create: found, it is recorded;
  not found (or the lookup fails), the row waits `settle_s` — long enough for a create Zoom was still working
  on to land — and is replayed, looking first;
- a meeting found by its key is recorded with the details Zoom has (not the ones we meant to send): `synced`
  always means what Zoom holds, so the update that follows (or a repair the worker queues when none is queued)
  brings Zoom to the store's details;
- a replayed create that recorded its meeting deletes any other meeting carrying the key on the host (a
  duplicate a lost answer or a takeover left behind), so Zoom is clean without waiting for reconcile;
- a delete of a meeting that is already gone counts as done; a delete also deletes every other meeting
  carrying the key on the host (and, if we never learned the meeting's id, whatever carries it);
- an update of a meeting deleted by hand recreates it (looking for the key first);
- a worker renews its claim just before calling Zoom and does nothing if the row was taken over meanwhile (its
  lease ran out, or a recovering leader released it), so two workers never act on one row; a worker whose
  lease ran out *during* its Zoom call and that made a meeting the store did not record deletes that meeting.

Only what is safe is retried: rate limits, 5xx, transport errors, token trouble, meetings in progress. A
host out of its daily create/update budget defers the row to the next UTC midnight and says so. Errors that
another try cannot fix (validation, unknown user, permissions) fail the row, which is reported.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.orm import Session

from allocator import faults
from allocator.publish import MeetingSpec
from allocator.store.models import MeetingRow, OutboxRow, ZoomBudgetRow
from allocator.store.repo import FINISHED_OUTBOX_STATES, Store, audit, meeting_audit_view
from allocator.sync.occurrences import sync_occurrences
from zoom_client import (
    Meeting,
    MeetingCreate,
    MeetingSettings,
    MeetingUpdate,
    Recurrence,
    ZoomClient,
    ZoomDailyBudgetExhausted,
    ZoomError,
    ZoomNotFound,
    ZoomOutcomeUnknown,
    ZoomPermissionError,
    ZoomValidationError,
)

log = logging.getLogger(__name__)

#: Test hook: `<point>[:<n>]` makes the process exit (status 137, as if killed) at the n-th time it passes
#: `point` (after_claim, after_zoom_create, after_zoom_update, after_zoom_delete).
CRASH_ENV = "VICON_SYNC_CRASH_AT"


class ZoomGateway(Protocol):
    """Where the worker gets a Zoom client for an account (`zoom_client.ZoomTenants` fits)."""

    def client(self, name: str | None = None) -> ZoomClient: ...


@dataclass(frozen=True)
class Job:
    """A claimed outbox row with what is needed to carry it out (read in the claiming transaction)."""

    outbox_id: int
    kind: str
    attempts: int
    request: str
    meeting_id: int
    key: str
    account: str
    zoom_user: str
    meeting_state: str
    spec: MeetingSpec
    synced: dict[str, Any] | None
    zoom_meeting_id: int | None
    #: The key may already be in Zoom (e.g. reconcile recreating a meeting deleted by hand): look before creating.
    look_first: bool = False


@dataclass
class SyncReport:
    """What one run did. Each entry is one readable line."""

    done: list[str] = field(default_factory=list)
    deferred: list[str] = field(default_factory=list)
    retrying: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    #: Rows taken over by another worker (or released by a recovering leader) before this one acted.
    skipped: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def count(self, what: str) -> None:
        self.counts[what] = self.counts.get(what, 0) + 1

    @property
    def processed(self) -> int:
        return len(self.done) + len(self.deferred) + len(self.retrying) + len(self.failed) + len(self.skipped)

    def summary(self) -> str:
        parts = [f"{len(self.done)} done", f"{len(self.deferred)} deferred", f"{len(self.retrying)} to retry"]
        parts.append(f"{len(self.failed)} failed")
        if self.skipped:
            parts.append(f"{len(self.skipped)} taken over")
        extra = ", ".join(f"{k}: {v}" for k, v in sorted(self.counts.items()))
        return "; ".join(parts) + (f" ({extra})" if extra else "")


def zoom_view(meeting: Meeting, spec: MeetingSpec) -> MeetingSpec:
    """`spec` with the details Zoom actually has for `meeting` (a full meeting: create answer or GET), which is what
    `synced` must hold. A field Zoom did not send keeps `spec`'s value."""
    start = meeting.start_time.astimezone(UTC) if meeting.start_time is not None else spec.start
    if spec.series is not None:
        start = spec.start  # Zoom shows a series' next occurrence as its start; its occurrences are synced apart
    alternates = tuple(sorted(h.strip().lower() for h in meeting.settings.alternative_host_list))
    return spec.model_copy(
        update={
            "topic": meeting.topic or spec.topic,
            "start": start,
            "duration_min": meeting.duration if meeting.duration is not None else spec.duration_min,
            "timezone": meeting.timezone or spec.timezone,
            "agenda": meeting.agenda_text.replace("\r\n", "\n"),
            "alternative_hosts": alternates or spec.alternative_hosts,
        }
    )


def differs(a: MeetingSpec, b: MeetingSpec) -> list[str]:
    """The Zoom fields in which `a` and `b` differ (empty: Zoom would show the same meeting)."""
    fa, fb = a.zoom_fields(), b.zoom_fields()
    return [k for k in [*fa, *(k for k in fb if k not in fa)] if fa.get(k) != fb.get(k)]


class _Outcome(Exception):
    """Internal: how a job ended when it did not simply succeed."""

    def __init__(
        self,
        state: str,
        message: str,
        *,
        delay: timedelta | None = None,
        at: datetime | None = None,
        budget_spent: int | None = None,
    ):
        super().__init__(message)
        self.state = state  # "retry" | "defer" | "fail"
        self.message = message
        self.delay = delay
        self.at = at
        self.budget_spent = budget_spent  # the host's daily calls known to be used up (Zoom or we said so)


def _spec_fields(spec: MeetingSpec) -> dict[str, Any]:
    data: dict[str, Any] = spec.model_dump(mode="json")
    return data


class SyncWorker:
    """Carries out outbox rows. Construct one per process (it is thread-safe: each run uses its own sessions).

    `lease_s`: how long a claim is exclusive before another worker may take the row over (a worker that
    died mid-action is taken over after this; a leader that knows it is alone calls `recover(all=True)`).
    `settle_s`: how long a create whose answer was lost waits before it is looked for again (and only then,
    if still not found, sent again): Zoom may still be working on a create we stopped waiting for.
    """

    def __init__(
        self,
        store: Store,
        zoom: ZoomGateway,
        *,
        worker_id: str | None = None,
        lease_s: float = 300.0,
        batch_size: int = 20,
        max_attempts: int = 12,
        retry_base_s: float = 5.0,
        retry_max_s: float = 900.0,
        settle_s: float = 60.0,
        clock: Callable[[], datetime] | None = None,
        crash_at: str | None = None,
    ) -> None:
        self.store = store
        self.zoom = zoom
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.lease = timedelta(seconds=lease_s)
        self.batch_size = batch_size
        self.max_attempts = max_attempts
        self.retry_base_s = retry_base_s
        self.retry_max_s = retry_max_s
        self.settle = timedelta(seconds=settle_s)
        self._clock = clock or store.now
        self._crash_at = crash_at if crash_at is not None else os.environ.get(CRASH_ENV)
        self._crash_seen: dict[str, int] = {}
        self._seeded: set[tuple[str, str, str]] = set()
        self._lock = threading.Lock()

    def now(self) -> datetime:
        return self._clock().astimezone(UTC)

    # --- public ---------------------------------------------------------------------------------

    def recover(self, *, all_in_progress: bool = False) -> int:
        """Put claimed rows back to pending: those whose lease ran out, or (`all_in_progress`, for a leader
        that holds the leader lock and so knows no other worker runs) every one. Their next create looks for
        the key first. Returns how many rows were released."""
        now = self.now()
        with self.store.transaction() as s:
            q = sa.update(OutboxRow).where(OutboxRow.state == "in_progress")
            if not all_in_progress:
                q = q.where(OutboxRow.lease_until < now)
            res = s.execute(
                q.values(state="pending", lease_until=None, claimed_by=None, not_before=now).execution_options(
                    synchronize_session=False
                )
            )
            n = int(res.rowcount)  # type: ignore[attr-defined]
            if n:
                audit(
                    s,
                    at=now,
                    actor=self.worker_id,
                    action="outbox.recovered",
                    entity="outbox",
                    entity_id="*",
                    new={"released": n, "all": all_in_progress},
                )
        return n

    def run_once(self, *, limit: int | None = None) -> SyncReport:
        """Carry out every row that is due (at most `limit`), batch by batch; returns what happened."""
        report = SyncReport()
        seen: set[int] = set()  # each row at most once per run, whatever its new not_before says
        while limit is None or report.processed < limit:
            want = self.batch_size if limit is None else min(self.batch_size, limit - report.processed)
            jobs = self.claim(want, exclude=seen)
            if not jobs:
                break
            for job in jobs:
                seen.add(job.outbox_id)
                self.execute(job, report)
        return report

    def claim(self, n: int, *, exclude: Collection[int] = ()) -> list[Job]:
        """Claim up to `n` due rows whose earlier rows (same request) are all finished (not those in `exclude`)."""
        now = self.now()
        earlier = sa.orm.aliased(OutboxRow)
        blocked = (
            sa.select(earlier.id)
            .where(
                earlier.request == OutboxRow.request,
                earlier.id < OutboxRow.id,
                earlier.state.not_in(FINISHED_OUTBOX_STATES),
            )
            .exists()
        )
        due = sa.or_(
            sa.and_(OutboxRow.state == "pending", OutboxRow.not_before <= now),
            sa.and_(OutboxRow.state == "in_progress", OutboxRow.lease_until < now),
        )
        q = sa.select(OutboxRow).where(due, ~blocked).order_by(OutboxRow.id).limit(n)
        if exclude:
            q = q.where(OutboxRow.id.not_in(list(exclude)))
        jobs: list[Job] = []
        with self.store.transaction() as s:
            if s.bind is not None and s.get_bind().dialect.name == "postgresql":
                q = q.with_for_update(skip_locked=True, of=OutboxRow)
            for row in s.scalars(q).all():
                m = s.get(MeetingRow, row.meeting_id)
                assert m is not None
                row.state, row.attempts = "in_progress", row.attempts + 1
                row.claimed_by, row.lease_until = self.worker_id, now + self.lease
                jobs.append(
                    Job(
                        outbox_id=row.id,
                        kind=row.kind,
                        attempts=row.attempts,
                        request=row.request,
                        meeting_id=m.id,
                        key=m.key,
                        account=m.account,
                        zoom_user=m.zoom_user,
                        meeting_state=m.state,
                        spec=MeetingSpec.model_validate(m.spec),
                        synced=m.synced,
                        zoom_meeting_id=m.zoom_meeting_id,
                        look_first=bool((row.payload or {}).get("look_first")),
                    )
                )
        if jobs:
            self._maybe_crash("after_claim")
            faults.hit("sync.after_claim")
        return jobs

    def execute(self, job: Job, report: SyncReport) -> None:
        """Carry out one claimed job and record its outcome (database errors propagate: the row stays claimed
        and is taken over when its lease ends, or at once by a recovering leader)."""
        if not self._renew(job):
            line = f"{job.kind} {job.key} ({job.request}): taken over before we acted; nothing sent to Zoom"
            report.skipped.append(line)
            log.warning("sync %s", line)
            return
        client = self.zoom.client(job.account)
        self._seed_budget(client, job.zoom_user)
        faults.hit("sync.before_zoom_call")
        try:
            if job.kind == "create":
                self._create(client, job, report)
            elif job.kind == "update":
                self._update(client, job, report)
            elif job.kind == "delete":
                self._delete(client, job, report)
            else:
                raise _Outcome("fail", f"unknown action kind {job.kind!r}")
        except _Outcome as out:
            self._finish_unsuccessfully(job, out, report)
        except ZoomDailyBudgetExhausted as exc:
            at = exc.retry_after or self.now() + timedelta(hours=1)
            msg = (
                f"deferred: host {job.zoom_user} has used its daily Zoom create/update calls; "
                f"{job.kind} {job.key} waits until {at.isoformat()}"
            )
            # Remembered in the store too, so a restarted worker does not spend a call to be told again.
            spent = client.budget.limit
            self._finish_unsuccessfully(job, _Outcome("defer", msg, at=at, budget_spent=spent), report)
        except ZoomOutcomeUnknown as exc:
            msg = f"outcome of create {job.key} unknown ({type(exc.cause).__name__}); will look for the key first"
            self._finish_unsuccessfully(job, _Outcome("retry", msg, delay=self.settle), report)
        except (ZoomValidationError, ZoomPermissionError, ZoomNotFound, ValidationError, ValueError) as exc:
            self._finish_unsuccessfully(job, _Outcome("fail", f"{type(exc).__name__}: {exc}"), report)
        except ZoomError as exc:  # rate limits, 5xx, transport, auth, meeting in progress: try again later
            self._finish_unsuccessfully(job, _Outcome("retry", f"{type(exc).__name__}: {exc}"), report)

    def _renew(self, job: Job) -> bool:
        """Extend our claim to a full lease right before acting; False if the row is no longer ours. A batch is
        claimed at once, so without this a row whose lease ran out while we worked on the rows before it could
        be acted on by us and by the worker that took it over."""
        now = self.now()
        with self.store.transaction() as s:
            res = s.execute(
                sa.update(OutboxRow)
                .where(
                    OutboxRow.id == job.outbox_id,
                    OutboxRow.state == "in_progress",
                    OutboxRow.claimed_by == self.worker_id,
                )
                .values(lease_until=now + self.lease)
                .execution_options(synchronize_session=False)
            )
            return int(res.rowcount) == 1  # type: ignore[attr-defined]

    # --- the three actions ----------------------------------------------------------------------

    def _create(self, client: ZoomClient, job: Job, report: SyncReport) -> None:
        if job.zoom_meeting_id is not None:
            self._record(job, report, result={"zoom_meeting_id": job.zoom_meeting_id, "note": "already created"})
            return
        if job.meeting_state == "pending_delete":
            # Retired before it was made: making it only to delete it would spend a call and mail nobody; the
            # delete that follows removes whatever an earlier attempt may have left under the key.
            self._record(job, report, result={"note": "meeting retired before it was created; nothing to create"})
            return
        if job.meeting_state != "pending_create":
            self._record(job, report, result={"note": f"meeting is {job.meeting_state}; nothing to create"})
            return
        look_first = job.attempts > 1 or job.look_first
        meeting, found = self._create_or_find(client, job, job.spec, look_first=look_first)
        self._maybe_crash("after_zoom_create")
        faults.hit("sync.after_zoom_call")
        # A series' cancelled, unserved or moved occurrences, before the create is recorded: a replay finds the
        # meeting by its key and does what is left.
        done = sync_occurrences(client, meeting.id, job.spec, host=job.zoom_user, key=job.key)
        synced = zoom_view(meeting, job.spec) if found else job.spec
        result = {"zoom_meeting_id": meeting.id, "looked_first": look_first, "found": found, **done}
        if self._record(job, report, created=meeting, synced=synced, result=result) and look_first:
            self._sweep(client, job, keep=meeting.id, report=report)
        report.count("found" if found else "created")

    def _create_or_find(
        self, client: ZoomClient, job: Job, spec: MeetingSpec, *, look_first: bool
    ) -> tuple[Meeting, bool]:
        """The job's meeting in Zoom: the one carrying its key (when `look_first`, or when the create's answer was
        lost), else a new one. Returns it and whether it was found (then what Zoom holds may not be `spec`)."""
        if look_first:
            found = client.find_by_key(job.zoom_user, job.key)
            if found is not None:
                return found, True
        try:
            try:
                return client.create_meeting(job.zoom_user, _create_body(spec), key=job.key), False
            except ZoomValidationError as exc:
                if not _refused_alternative_hosts(exc, spec):
                    raise
                _warn_alternative_hosts(job, spec, exc)
                plain = spec.model_copy(update={"alternative_hosts": ()})
                return client.create_meeting(job.zoom_user, _create_body(plain), key=job.key), False
        except ZoomOutcomeUnknown as exc:
            unknown = exc
        cause = type(unknown.cause).__name__
        try:
            found = client.find_by_key(job.zoom_user, job.key)
        except ZoomError as exc:
            msg = f"outcome of create {job.key} unknown ({cause}) and the look-up failed ({type(exc).__name__})"
            raise _Outcome("retry", f"{msg}; will look first again", delay=self.settle) from None
        if found is None:
            # Not there *yet* is not "not created": Zoom may still be working on it. Look again after settling.
            msg = f"outcome of create {job.key} unknown ({cause}); not in Zoom yet"
            raise _Outcome("retry", f"{msg}; will look first again", delay=self.settle)
        log.warning("zoom create for key %s was lost in transit but had succeeded: %s", job.key, found.id)
        return found, True

    def _update(self, client: ZoomClient, job: Job, report: SyncReport) -> None:
        with self.store.transaction() as s:
            m = s.get(MeetingRow, job.meeting_id)
            assert m is not None
            state, zoom_id, synced = m.state, m.zoom_meeting_id, m.synced
            spec = MeetingSpec.model_validate(m.spec)
        if state != "active" or zoom_id is None:
            if state in ("pending_delete", "deleted"):
                self._record(job, report, result={"note": "meeting retired; update skipped"})
                return
            raise _Outcome("fail", f"meeting {job.key} was never created in Zoom; cannot update it")
        update = _update_body(spec, synced)
        if update is None:
            self._record(job, report, result={"note": "Zoom already has these details"}, synced=spec)
            return
        try:
            try:
                client.update_meeting(zoom_id, update, host=job.zoom_user, key=job.key)
            except ZoomValidationError as exc:
                if update.settings is None or not _refused_alternative_hosts(exc, spec):
                    raise
                _warn_alternative_hosts(job, spec, exc)
                rest = update.model_copy(update={"settings": None})
                if rest.model_dump(exclude_none=True):
                    client.update_meeting(zoom_id, rest, host=job.zoom_user, key=job.key)
            done = sync_occurrences(client, zoom_id, spec, host=job.zoom_user, key=job.key)
        except ZoomNotFound:
            # Deleted in Zoom by hand: recreate it (with its key, looking for it first).
            meeting, found = self._create_or_find(client, job, spec, look_first=True)
            self._maybe_crash("after_zoom_create")
            faults.hit("sync.after_zoom_call")
            done = sync_occurrences(client, meeting.id, spec, host=job.zoom_user, key=job.key)
            synced_now = zoom_view(meeting, spec) if found else spec
            result = {"zoom_meeting_id": meeting.id, "recreated": True, "found": found, **done}
            if self._record(job, report, created=meeting, synced=synced_now, result=result):
                self._sweep(client, job, keep=meeting.id, report=report)
            report.count("recreated")
            return
        self._maybe_crash("after_zoom_update")
        faults.hit("sync.after_zoom_call")
        self._record(job, report, synced=spec, result={"zoom_meeting_id": zoom_id, "updated": True, **done})
        report.count("updated")

    def _delete(self, client: ZoomClient, job: Job, report: SyncReport) -> None:
        with self.store.transaction() as s:
            m = s.get(MeetingRow, job.meeting_id)
            assert m is not None
            zoom_id = m.zoom_meeting_id
        deleted: list[int] = []
        gone: list[int] = []
        if zoom_id is not None:
            (deleted if client.delete_meeting(zoom_id, missing_ok=True) else gone).append(zoom_id)
        # Whatever else carries the key on the host goes too: a create whose answer was lost, or a duplicate.
        for summary in client.find_all_by_key(job.zoom_user, job.key):
            if summary.id != zoom_id:
                (deleted if client.delete_meeting(summary.id, missing_ok=True) else gone).append(summary.id)
        self._maybe_crash("after_zoom_delete")
        faults.hit("sync.after_zoom_call")
        self._record(job, report, deleted=True, result={"deleted": deleted, "already_gone": gone})
        report.count("deleted" if deleted else "already_gone")

    def _sweep(self, client: ZoomClient, job: Job, *, keep: int, report: SyncReport) -> None:
        """After a replayed create was recorded (`keep`), delete every other meeting carrying its key on the host:
        duplicates a lost answer or a takeover left. Done after the commit, so a worker that made one and could
        not record it either finds `keep` recorded (and deletes its own) or made it before this listing."""
        try:
            others = [m.id for m in client.find_all_by_key(job.zoom_user, job.key) if m.id != keep]
            removed = [mid for mid in others if client.delete_meeting(mid, missing_ok=True)]
        except ZoomError as exc:
            log.warning("sync: duplicates of %s not checked (%s); reconcile will", job.key, type(exc).__name__)
            return
        if removed:
            self._audit_duplicates(job, {"kept": keep, "deleted": removed, "outbox": job.outbox_id})
            report.count("duplicates_deleted")

    # --- recording ------------------------------------------------------------------------------

    def _own_row(self, s: Session, job: Job) -> OutboxRow | None:
        """The job's row if this worker still holds it (a row whose lease ran out may have been taken over)."""
        row = s.get(OutboxRow, job.outbox_id, with_for_update=s.get_bind().dialect.name == "postgresql")
        if row is None or row.state != "in_progress" or row.claimed_by != self.worker_id:
            log.warning("outbox row %s was taken over by another worker; not recording", job.outbox_id)
            return None
        return row

    def _record(
        self,
        job: Job,
        report: SyncReport,
        *,
        result: dict[str, Any],
        created: Meeting | None = None,
        synced: MeetingSpec | None = None,
        deleted: bool = False,
    ) -> bool:
        """Mark the row done and the meeting as Zoom now has it (`synced`: the details Zoom holds — those we sent
        and it accepted, or those of a meeting found by key). If a meeting just created or found holds other
        details than the store now wants and no update is queued after this row, queue the repair. Returns
        whether it recorded (False: the row was taken over; a meeting we made that the store does not hold is
        deleted)."""
        now = self.now()
        client_used = self._budget_snapshot(job)
        recorded: int | None = None
        with self.store.transaction() as s:
            row = self._own_row(s, job)
            if row is None:  # taken over while we were calling Zoom: the holder records its own result
                recorded = s.scalar(sa.select(MeetingRow.zoom_meeting_id).where(MeetingRow.id == job.meeting_id))
                audit(
                    s,
                    at=now,
                    actor=self.worker_id,
                    action="outbox.late_result",
                    entity="meeting",
                    entity_id=job.key,
                    new={"outbox": job.outbox_id, "result": result},
                )
            else:
                result = self._record_in(s, job, row, now, result, created, synced, deleted, client_used)
                s.flush()
                faults.hit("sync.before_commit")
        if row is not None:
            faults.hit("sync.after_commit")
        if row is None:
            line = f"{job.kind} {job.key} ({job.request}): lease lost; result not recorded"
            if created is not None and recorded is not None and recorded != created.id:
                line += self._delete_late_duplicate(job, created.id, recorded)
            report.retrying.append(line)
            return False
        report.done.append(f"{job.kind} {job.key} ({job.request}): {_short(result)}")
        return True

    def _record_in(
        self,
        s: Session,
        job: Job,
        row: OutboxRow,
        now: datetime,
        result: dict[str, Any],
        created: Meeting | None,
        synced: MeetingSpec | None,
        deleted: bool,
        client_used: int | None,
    ) -> dict[str, Any]:
        """`_record`'s writes, in its transaction; returns the result as stored (a queued repair noted)."""
        m = s.get(MeetingRow, job.meeting_id)
        assert m is not None
        old = meeting_audit_view(m)
        if created is not None:
            m.zoom_meeting_id, m.join_url, m.passcode = created.id, created.join_url or None, created.password
            if m.state == "pending_create":
                m.state = "active"
        if synced is not None:
            m.synced = _spec_fields(synced)
        if created is not None and synced is not None and m.state == "active":
            changes = differs(synced, MeetingSpec.model_validate(m.spec))
            if changes and not self._update_queued(s, m.id, after=job.outbox_id):
                payload = {"key": m.key, "spec": m.spec, "changes": changes}
                Store._outbox_row(s, m, "update", "repair: Zoom holds other details", payload, None, now)
                result = {**result, "repair_queued": True}
        if deleted and m.state == "pending_delete":
            m.state = "deleted"
        m.updated_at = now
        row.state, row.done_at, row.lease_until, row.result, row.last_error = "done", now, None, result, None
        if client_used is not None:
            self._store_budget(s, job.zoom_user, now, client_used)
        action = {"create": "meeting.created", "update": "meeting.updated", "delete": "meeting.deleted"}[job.kind]
        audit(
            s,
            at=now,
            actor=self.worker_id,
            action=action,
            entity="meeting",
            entity_id=job.key,
            old=old,
            new={**meeting_audit_view(m), "result": result, "outbox": job.outbox_id},
        )
        return result

    def _delete_late_duplicate(self, job: Job, made: int, recorded: int) -> str:
        """Our create landed after our lease ran out and another worker recorded another meeting for the key:
        ours is a duplicate nobody holds; delete it now rather than leave it to the next reconcile."""
        try:
            self.zoom.client(job.account).delete_meeting(made, missing_ok=True)
        except ZoomError as exc:
            return f"; our late meeting {made} could not be deleted ({type(exc).__name__}), reconcile will"
        self._audit_duplicates(job, {"kept": recorded, "deleted": [made], "outbox": job.outbox_id, "late": True})
        return f"; our late meeting {made} deleted (the store holds {recorded})"

    def _audit_duplicates(self, job: Job, what: dict[str, Any]) -> None:
        """Records duplicates of a key deleted from Zoom (which was kept, which went), for the audit log."""
        with self.store.transaction() as s:
            audit(s, at=self.now(), actor=self.worker_id, action="meeting.duplicates_deleted", entity="meeting",
                  entity_id=job.key, new=what)  # fmt: skip

    @staticmethod
    def _update_queued(s: Session, meeting_id: int, *, after: int) -> bool:
        """Whether an update of the meeting is waiting behind outbox row `after` (it will bring Zoom in line)."""
        waiting = s.scalar(
            sa.select(OutboxRow.id)
            .where(
                OutboxRow.meeting_id == meeting_id,
                OutboxRow.kind == "update",
                OutboxRow.id > after,
                OutboxRow.state.not_in(FINISHED_OUTBOX_STATES),
            )
            .limit(1)
        )
        return waiting is not None

    def _finish_unsuccessfully(self, job: Job, out: _Outcome, report: SyncReport) -> None:
        now = self.now()
        state = out.state
        if state == "retry" and job.attempts >= self.max_attempts:
            state = "fail"
            out.message = f"gave up after {job.attempts} attempts: {out.message}"
        with self.store.transaction() as s:
            row = self._own_row(s, job)
            if row is None:
                return
            row.last_error = out.message[:2000]
            row.lease_until, row.claimed_by = None, None
            if out.budget_spent is not None:
                self._store_budget(s, job.zoom_user, now, out.budget_spent)
            if state == "fail":
                row.state, row.done_at = "failed", now
                audit(
                    s,
                    at=now,
                    actor=self.worker_id,
                    action="outbox.failed",
                    entity="meeting",
                    entity_id=job.key,
                    new={"outbox": job.outbox_id, "kind": job.kind, "error": out.message[:500]},
                )
            else:
                row.state = "pending"
                if out.at is not None:
                    row.not_before = max(out.at, now + timedelta(seconds=1))
                else:
                    delay = min(self.retry_max_s, self.retry_base_s * 2 ** max(0, job.attempts - 1))
                    row.not_before = now + (out.delay or timedelta(seconds=delay))
                audit(
                    s,
                    at=now,
                    actor=self.worker_id,
                    action=f"outbox.{'deferred' if state == 'defer' else 'retry'}",
                    entity="meeting",
                    entity_id=job.key,
                    new={
                        "outbox": job.outbox_id,
                        "kind": job.kind,
                        "error": out.message[:500],
                        "not_before": row.not_before.isoformat(),
                    },
                )
        line = f"{job.kind} {job.key} ({job.request}): {out.message}"
        {"fail": report.failed, "defer": report.deferred, "retry": report.retrying}[state].append(line)
        log.warning("sync %s", line)

    # --- daily budget ---------------------------------------------------------------------------

    def _seed_budget(self, client: ZoomClient, zoom_user: str) -> None:
        """After a restart, tell the client what the store knows was spent today for this host."""
        day = self.now().date().isoformat()
        key = (client.account_name, zoom_user.lower(), day)
        with self._lock:
            if key in self._seeded:
                return
            self._seeded.add(key)
        stored = self.store.budget_used(day).get(zoom_user.lower(), 0)
        used = client.budget.limit - client.daily_budget_remaining(zoom_user)
        if stored > used:
            client.budget.set_used(zoom_user, stored)

    def _budget_snapshot(self, job: Job) -> int | None:
        if job.kind not in ("create", "update"):
            return None
        client = self.zoom.client(job.account)
        return client.budget.limit - client.daily_budget_remaining(job.zoom_user)

    @staticmethod
    def _store_budget(s: Session, zoom_user: str, now: datetime, used: int) -> None:
        """Remember today's count for the host (an upsert keeping the larger number; races are harmless)."""
        values = {"zoom_user": zoom_user.lower(), "day": now.date().isoformat(), "used": used}
        dialect = s.get_bind().dialect.name
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            pg = pg_insert(ZoomBudgetRow).values(**values)
            s.execute(
                pg.on_conflict_do_update(
                    index_elements=["zoom_user", "day"],
                    set_={"used": sa.func.greatest(ZoomBudgetRow.used, pg.excluded.used)},
                )
            )
        elif dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert as sqlite_insert

            lite = sqlite_insert(ZoomBudgetRow).values(**values)
            s.execute(
                lite.on_conflict_do_update(
                    index_elements=["zoom_user", "day"],
                    set_={"used": sa.func.max(ZoomBudgetRow.used, lite.excluded.used)},
                )
            )
        else:
            row = s.get(ZoomBudgetRow, (values["zoom_user"], values["day"]))
            if row is None:
                s.add(ZoomBudgetRow(**values))
            elif used > row.used:
                row.used = used

    # --- test hook ------------------------------------------------------------------------------

    def _maybe_crash(self, point: str) -> None:
        if not self._crash_at:
            return
        name, _, nth = self._crash_at.partition(":")
        if name != point:
            return
        self._crash_seen[point] = self._crash_seen.get(point, 0) + 1
        if self._crash_seen[point] >= int(nth or 1):
            log.error("crash injected at %s (%s)", point, CRASH_ENV)
            os._exit(137)


def _refused_alternative_hosts(exc: ZoomValidationError, spec: MeetingSpec) -> bool:
    """Zoom refused the meeting only for its alternative hosts (not a licensed user of the account)."""
    return bool(spec.alternative_hosts) and "alternative_hosts" in str(exc)


def _warn_alternative_hosts(job: Job, spec: MeetingSpec, exc: ZoomValidationError) -> None:
    """A unit's user Zoom will not take as alternative host must not cost the PIC their meeting: it is made (or
    changed) without them, and the admin is told to fix the unit's `zoom_user` (docs/units.md)."""
    log.warning(
        "Zoom refused alternative host(s) %s for %s (%s): the meeting goes ahead without them; check the unit "
        "operator's zoom_user (a licensed user of the host's account)",
        ", ".join(spec.alternative_hosts),
        job.key,
        exc,
        extra={"event": "zoom_alternative_host_refused"},
    )


def _create_body(spec: MeetingSpec) -> MeetingCreate:
    """A single meeting, or a series' recurring meeting with fixed time (its occurrences follow, one by one)."""
    shape = spec.series
    settings = MeetingSettings(alternative_hosts=spec.alternative_hosts) if spec.alternative_hosts else None
    return MeetingCreate(
        topic=spec.topic,
        start_time=spec.start,
        duration=spec.duration_min,
        timezone=spec.timezone,
        agenda=spec.agenda,
        recurrence=None
        if shape is None
        else Recurrence(
            repeat=shape.repeat,
            every=shape.every,
            weekdays=shape.weekdays,
            end_times=shape.count,
            month_day=shape.month_day,
            month_week=shape.month_week,
        ),
        **({"settings": settings} if settings is not None else {}),
    )


def _update_body(spec: MeetingSpec, synced: dict[str, Any] | None) -> MeetingUpdate | None:
    """Only what differs from what we last wrote to Zoom (everything if unknown)."""
    before = MeetingSpec.model_validate(synced).zoom_fields() if synced else {}
    after = spec.zoom_fields()
    changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
    if not changed:
        return None
    fields: dict[str, Any] = {}
    if "topic" in changed:
        fields["topic"] = spec.topic
    if "start" in changed or "timezone" in changed:
        fields["start_time"] = spec.start
        fields["timezone"] = spec.timezone
    if "duration_min" in changed:
        fields["duration"] = spec.duration_min
    if "agenda" in changed:
        fields["agenda"] = spec.agenda
    if "alternative_hosts" in changed:  # an empty list clears them (the unit no longer runs it)
        fields["settings"] = MeetingSettings(alternative_hosts=spec.alternative_hosts)
    return MeetingUpdate(**fields)


def _short(result: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in result.items())
