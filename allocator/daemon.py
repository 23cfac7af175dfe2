"""`vicon daemon`: keeps the plan fresh as requests arrive, and Zoom in step with it.

APScheduler 3 runs module-level job functions with explicit ids, `coalesce`, `max_instances=1` and a
deliberate misfire grace: intake (inbox folder), watch (store changes → debounced re-plan), re-plan, sync,
reconcile, notifications. Only the leader (see `allocator.sync.leader`) plans, syncs and notifies; another
daemon on the same PostgreSQL waits as a follower. SIGTERM/SIGINT stop it after the running step.
"""

from __future__ import annotations

import json
import logging
import shutil
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from apscheduler.schedulers.background import BackgroundScheduler
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError, SQLAlchemyError

from allocator import faults
from allocator.intake import IntakeFileError, file_digest, read_file, write_rejects
from allocator.notify.events import tick
from allocator.notify.outbox import Outbox
from allocator.planner.candidates import CandidateCache
from allocator.planner.solver import SolveOptions
from allocator.service import ReplanOutcome, replan
from allocator.store import start_links
from allocator.store.models import AuditRow
from allocator.store.repo import Store, audit
from allocator.sync.leader import LeaderLock
from allocator.sync.reconcile import reconcile
from allocator.sync.worker import SyncWorker, ZoomGateway

log = logging.getLogger("vicon.daemon")

INTAKE_SUFFIXES = (".csv", ".xlsx", ".json")
INTAKE_TRIES = 3  # a file that fails this many ticks in a row is set aside, so the files after it are read
WATCHED_ENTITIES = ("request", "pin", "host", "operator", "policy", "settings", "kit_return", "kit_fault")
#: Audit entries on a watched entity that change nothing a plan reads: a start link handed out or refused.
UNWATCHED_ACTIONS = (start_links.SHOWN, start_links.REFUSED, start_links.FAILED)
WATCH_LOOKBACK_IDS = 200  # audit ids re-read below the highest seen (late commits on PostgreSQL)


#: What a lost or refused database connection raises (as opposed to a wrong statement): an outage, waited out.
_DB_DOWN = (OperationalError, InterfaceError, DisconnectionError, sa.exc.TimeoutError)


def database_down(exc: BaseException) -> bool:
    """True if `exc` (or what caused it) says the database cannot be reached right now."""
    seen: BaseException | None = exc
    for _ in range(10):  # a chain is short; a cyclic one must not hang the daemon
        if seen is None:
            return False
        if isinstance(seen, _DB_DOWN) or (isinstance(seen, DBAPIError) and seen.connection_invalidated):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return (text.splitlines() or [""])[0][:200]


class _QuietScheduler(logging.Filter):
    """APScheduler logs two lines for every run of every job ("Running job", "executed successfully") and,
    while steps hang on a dead database, "skipped: maximum number of running instances" and "missed by" every
    second. The daemon reports its steps itself, so these pass only when the daemon's log is at debug level."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.ERROR or log.isEnabledFor(logging.DEBUG)


def _quiet_apscheduler() -> None:
    for name in ("apscheduler.scheduler", "apscheduler.executors.default"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _QuietScheduler) for f in logger.filters):
            logger.addFilter(_QuietScheduler())


@dataclass
class _Retry:
    """One step's run of failures: how many, and the monotonic time before which it is not tried again."""

    failures: int = 0
    not_before: float = 0.0


class DaemonSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    debounce_s: float = Field(default=5.0, gt=0, le=300, description="Quiet time after a change before re-planning.")
    watch_every_s: float = Field(default=1.0, gt=0)
    sync_every_s: float = Field(default=5.0, gt=0)
    intake_every_s: float = Field(default=5.0, gt=0)
    reconcile_every_min: float = Field(default=15.0, gt=0)
    notify_every_s: float = Field(default=30.0, gt=0)
    horizon_days: int | None = Field(default=90, ge=1, description="Plan requests starting within this many days.")
    time_limit_s: float = Field(default=20.0, gt=0)
    inbox: Path | None = None
    status_file: Path | None = None
    misfire_grace_s: int = Field(default=30, ge=1)
    retry_base_s: float = Field(default=1.0, gt=0, description="A failed step is tried again after this, doubling.")
    retry_max_s: float = Field(default=30.0, gt=0, description="The longest wait between tries of a failed step.")


@dataclass
class DaemonState:
    """What `vicon status` shows about a running daemon."""

    started_at: datetime
    leader: bool = False
    last_replan: datetime | None = None
    last_replan_summary: str = ""
    last_sync: str = ""
    last_reconcile: str = ""
    last_intake: str = ""
    replans: int = 0
    errors: list[str] = field(default_factory=list)
    database_down_since: datetime | None = None


class MailNotifier:
    """The daemon's mail to PICs and operators: each notify step records what the published plan, reminders and
    agendas call for and sends what is due, exactly once, through one `allocator.notify` outbox. `where` says
    where mail goes (no secret in it), for the start-up log."""

    def __init__(self, outbox: Outbox, where: str) -> None:
        self.outbox = outbox
        self.where = where

    def __call__(self, store: Store, outcome: ReplanOutcome | None) -> dict[str, int]:
        """One tick: how many notices were recorded, sent, left to retry and given up."""
        return tick(self.outbox)

    def recover(self) -> int:
        """On taking the lead (the only sender now): sends a dead leader left mid-way are handled as in doubt."""
        return self.outbox.recover()


_DAEMONS: dict[str, Daemon] = {}


def _each(name: str) -> Callable[[str], None]:
    """A module-level job function for APScheduler: looks the daemon up by id and runs one step (never raises)."""

    def job(daemon_id: str) -> None:
        daemon = _DAEMONS.get(daemon_id)
        if daemon is None or daemon.stopping.is_set():
            return
        daemon.run_step(name)

    job.__name__ = f"job_{name}"
    job.__qualname__ = f"job_{name}"
    return job


job_watch = _each("watch")
job_replan = _each("replan")
job_sync = _each("sync")
job_reconcile = _each("reconcile")
job_intake = _each("intake")
job_notify = _each("notify")


class Daemon:
    def __init__(
        self,
        store: Store,
        zoom: ZoomGateway | None,
        settings: DaemonSettings | None = None,
        *,
        notifier: Callable[[Store, ReplanOutcome | None], object] | None = None,
        on_replan: Callable[[ReplanOutcome], None] | None = None,
    ) -> None:
        self.store = store
        self.zoom = zoom
        self.settings = settings or DaemonSettings()
        self._intake_failures: dict[str, int] = {}
        self.notifier = notifier
        self.on_replan = on_replan
        self.id = f"daemon-{id(self):x}"
        self.state = DaemonState(started_at=store.now())
        self.stopping = threading.Event()
        self.lock = LeaderLock(store.engine)
        self.scheduler = BackgroundScheduler(
            timezone=UTC, job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 30}
        )
        self._seen_audit = self._audit_high_water()
        self._seen_ids: set[int] = set(range(self._seen_audit - WATCH_LOOKBACK_IDS, self._seen_audit + 1))
        self._replan_pending = False
        self._replanning = False  # a re-plan step is running (its one-shot job is gone from the scheduler)
        self._replan_owed = False  # a re-plan asked for while following, to run on taking the lead
        self._last_outcome: ReplanOutcome | None = None
        self._busy = threading.Lock()
        self._lead_guard = threading.Lock()
        self._cache = CandidateCache()  # per-request options, reused while requests and resources are unchanged
        self._retries: dict[str, _Retry] = {}
        self._outage_steps: set[str] = set()  # steps that failed since the database went away
        self._outage_started = 0.0
        self._outage_ended = -1.0  # when a step last found the database back (monotonic)
        self._outage_guard = threading.Lock()

    # --- lifecycle ---------------------------------------------------------------------------------

    def start(self, *, replan_now: bool = True) -> None:
        _DAEMONS[self.id] = self
        _quiet_apscheduler()  # before add_job: its "Adding job tentatively" lines are chatter too
        s = self.settings
        grace = s.misfire_grace_s
        add = self.scheduler.add_job
        add(job_watch, "interval", seconds=s.watch_every_s, id="watch", args=[self.id], misfire_grace_time=grace)
        add(job_sync, "interval", seconds=s.sync_every_s, id="sync", args=[self.id], misfire_grace_time=grace)
        add(job_reconcile, "interval", minutes=s.reconcile_every_min, id="reconcile", args=[self.id],
            misfire_grace_time=grace * 10)  # fmt: skip
        add(job_notify, "interval", seconds=s.notify_every_s, id="notify", args=[self.id], misfire_grace_time=grace)
        if s.inbox is not None:
            s.inbox.mkdir(parents=True, exist_ok=True)
            add(job_intake, "interval", seconds=s.intake_every_s, id="intake", args=[self.id], misfire_grace_time=grace)
        self.scheduler.start()
        if replan_now:
            self.request_replan(delay_s=0.0)
        jobs = [j.id for j in self.scheduler.get_jobs()]
        log.info("daemon started (%s)", ", ".join(jobs), extra={"event": "started", "jobs": jobs})
        if isinstance(self.notifier, MailNotifier):
            log.info("mail: %s", self.notifier.where, extra={"event": "mail_config"})
        elif self.notifier is None:
            log.warning("mail: not configured: PICs and operators are sent nothing (give --notify-config or "
                        "VICON_SMTP_HOST; see docs/daemon.md)", extra={"event": "mail_config"})  # fmt: skip

    def stop(self, wait: bool = True) -> None:
        """Finish the running step, then stop; the leader lock is released."""
        self.stopping.set()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=wait)
        self.lock.release()
        self.state.leader = False
        _DAEMONS.pop(self.id, None)
        self.write_status()

    def run_forever(self) -> None:
        """Block until SIGTERM or SIGINT."""
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: self.stopping.set())
        self.start()
        try:
            while not self.stopping.wait(1.0):
                self.write_status()
        finally:
            self.stop()

    # --- running a step: retried with back-off, a database outage reported once -----------------

    def run_step(self, name: str) -> bool:
        """Run `step_<name>`. A step that fails is tried again after `retry_base_s`, doubling up to
        `retry_max_s`, until it succeeds; a re-plan that fails stays owed and is rescheduled for then (a
        one-shot job would otherwise never come back). True if the step ran and succeeded."""
        if name == "replan" and not self._replan_pending:
            # A second job for a re-plan that has run: `_replan_not_lost` may schedule one in the moment between
            # APScheduler taking the first job off its list and the step starting. Nothing is owed: no re-plan.
            return False
        retry = self._retries.setdefault(name, _Retry())
        started = time.monotonic()
        wait = retry.not_before - started
        if wait > 0:
            if name == "replan":
                self.request_replan(delay_s=wait)
            return False
        try:
            getattr(self, f"step_{name}")()
        except Exception as exc:  # one failed step must not stop the daemon; it is retried and reported
            self._step_failed(name, retry, exc, started)
            return False
        self._step_succeeded(name, retry)
        if name == "replan" and self._replan_pending and not self._replan_owed:
            # Asked for again while this one ran: its one-shot job fired meanwhile and APScheduler skipped it
            # (one instance at a time) and dropped it, so it is scheduled again now.
            self.request_replan()
        return True

    def _step_failed(self, name: str, retry: _Retry, exc: Exception, started: float) -> None:
        """Back off; log the start of an outage once (tracebacks at debug), other errors once per run of them. A
        step that began before the database came back and failed after another step had found it back is a
        leftover of that outage, not a new one (on a loaded machine it once logged a third outage)."""
        retry.failures += 1
        delay = min(self.settings.retry_max_s, self.settings.retry_base_s * 2 ** (retry.failures - 1))
        retry.not_before = time.monotonic() + delay
        if name == "replan":
            self.request_replan(delay_s=delay)
        if retry.failures == 1:
            self.state.errors = [*self.state.errors[-9:], f"{datetime.now(UTC):%H:%M:%S} {name}: {_first_line(exc)}"]
        if database_down(exc):
            with self._outage_guard:  # steps fail in several threads at once; the outage starts once
                if not self._outage_steps and started < self._outage_ended:
                    retry.not_before = 0.0  # the database is back: tried again at its next turn
                    log.debug("%s: failed before the database came back; tried again", name, exc_info=exc)
                    return
                if not self._outage_steps:
                    self._outage_started = time.monotonic()
                    self.state.database_down_since = datetime.now(UTC)
                    log.warning("the database is unavailable (%s: %s); every step waits and is retried with "
                                "back-off", type(exc).__name__, _first_line(exc),
                                extra={"event": "database_down", "step": name})  # fmt: skip
                self._outage_steps.add(name)
            log.debug("%s: the database is unavailable; next try in %.1f s", name, delay, exc_info=exc)
        elif retry.failures == 1:
            log.error("%s failed; retrying with back-off", name, exc_info=exc,
                      extra={"event": "error", "step": name, "error": _first_line(exc)})  # fmt: skip
        else:
            log.debug("%s failed again (%d times); next try in %.1f s", name, retry.failures, delay, exc_info=exc)

    def _step_succeeded(self, name: str, retry: _Retry) -> None:
        """A step that failed in an outage works again: the outage is over; every waiting step may run now."""
        if retry.failures:
            log.debug("%s works again after %d failed tries", name, retry.failures)
        retry.failures, retry.not_before = 0, 0.0
        with self._outage_guard:
            if name not in self._outage_steps:
                return
            down_s = round(time.monotonic() - self._outage_started, 1)
            log.info("the database is back after %.0f s; resuming", down_s,
                     extra={"event": "database_back", "down_s": down_s})  # fmt: skip
            self._outage_steps.clear()
            self._outage_ended = time.monotonic()
            self.state.database_down_since = None
        for other in self._retries.values():
            other.not_before = 0.0
        if self._replan_pending:
            self.request_replan()

    # --- leadership --------------------------------------------------------------------------------

    def lead(self) -> bool:
        with self._lead_guard:
            if self.stopping.is_set():
                return False
            if not self.lock.held:
                if self.lock.acquire():
                    self._took_lead()
            elif not self.lock.still_held():
                self.lock.release()
            self.state.leader = self.lock.held
            return self.lock.held

    def _took_lead(self) -> None:
        """Called once each time this daemon becomes the leader. Holding the lock means no other worker is
        alive, so whatever a dead leader (a crashed daemon, a killed `vicon sync`) left claimed is released
        now rather than when its lease runs out; a re-plan this daemon owes (seen while following) is run.
        If this fails (the database is down), the lock is let go, so the next try does it all again."""
        try:
            if self.zoom is not None:
                released = SyncWorker(self.store, self.zoom).recover(all_in_progress=True)
                if released:
                    log.info(
                        "leading: released %d Zoom actions claimed by a worker that is gone",
                        released,
                        extra={"event": "lead_recovered", "zoom_actions": released},
                    )
            faults.hit("daemon.after_lead")
            if isinstance(self.notifier, MailNotifier):
                interrupted = self.notifier.recover()
                if interrupted:
                    log.info(
                        "leading: %d notifications were interrupted mid-send; handled as in doubt",
                        interrupted,
                        extra={"event": "lead_recovered", "notifications": interrupted},
                    )
        except BaseException:
            self.lock.release()
            raise
        if self._replan_owed:
            self.request_replan()

    # --- triggers ----------------------------------------------------------------------------------

    def request_replan(self, delay_s: float | None = None) -> None:
        """Debounce: each change pushes the re-plan back, so a burst of requests yields one re-plan."""
        delay = self.settings.debounce_s if delay_s is None else delay_s
        self._replan_pending = True
        if not self.scheduler.running:
            return
        self.scheduler.add_job(
            job_replan,
            "date",
            run_date=datetime.now(UTC) + timedelta(seconds=delay),
            id="replan",
            args=[self.id],
            replace_existing=True,
            misfire_grace_time=self.settings.misfire_grace_s,
        )

    def _audit_high_water(self) -> int:
        with self.store.transaction() as s:
            return int(s.scalar(sa.select(sa.func.max(AuditRow.id))) or 0)

    # --- steps (each runs in a job; each is safe to run again) -------------------------------------

    def step_watch(self) -> None:
        """Notice new audit entries. Read in one statement, and re-read a window below the highest id seen:
        on PostgreSQL ids are drawn before commit, so a lower id can become visible after a higher one."""
        floor = self._seen_audit - WATCH_LOOKBACK_IDS
        with self.store.transaction() as s:
            rows = s.execute(sa.select(AuditRow.id, AuditRow.entity, AuditRow.action).where(AuditRow.id > floor)).all()
        fresh = [(i, entity, action) for i, entity, action in rows if i not in self._seen_ids]
        self._seen_ids.update(i for i, _e, _a in fresh)
        self._seen_audit = max([self._seen_audit, *(i for i, _e, _a in fresh)])
        self._seen_ids = {i for i in self._seen_ids if i > self._seen_audit - WATCH_LOOKBACK_IDS}
        self._replan_not_lost()
        entities = {entity for _i, entity, action in fresh if action not in UNWATCHED_ACTIONS}
        if "zoom_webhook" in entities and self.scheduler.running and self.zoom is not None:
            log.info("Zoom reported a meeting change or deletion: reconcile now", extra={"event": "zoom_changed"})
            self.scheduler.modify_job("reconcile", next_run_time=datetime.now(UTC))
        if entities & set(WATCHED_ENTITIES):
            log.info(
                "requests or resources changed: re-plan in %.1f s",
                self.settings.debounce_s,
                extra={"event": "change_seen"},
            )
            self.request_replan()

    def _replan_not_lost(self) -> None:
        """A re-plan that is owed but neither scheduled nor running is scheduled (a one-shot job can be dropped:
        skipped while another re-plan ran, or missed beyond its grace time on a starved machine)."""
        if not self._replan_pending or self._replan_owed or self._replanning or not self.scheduler.running:
            return
        if self.scheduler.get_job("replan") is None:
            log.debug("a re-plan was owed but not scheduled; scheduling it")
            self.request_replan()

    def step_replan(self) -> ReplanOutcome | None:
        self._replan_owed = False
        if not self.lead():
            self._replan_owed = True  # a follower keeps it: run when this daemon takes the lead
            return None
        self._replanning = True
        try:
            return self._replan_and_sync()
        finally:
            self._replanning = False

    def _replan_and_sync(self) -> ReplanOutcome:
        with self._busy:
            self._replan_pending = False
            options = SolveOptions(time_limit_s=self.settings.time_limit_s)
            outcome = replan(
                self.store, actor="daemon", options=options, horizon_days=self.settings.horizon_days, cache=self._cache
            )
            self._last_outcome = outcome
            plan = outcome.plan
            summary = (
                f"plan {outcome.published.plan_id if outcome.published else '-'}: {len(plan.assignments)} served, "
                f"{len(plan.unserved)} unserved, {len(outcome.changes)} changed, "
                f"{outcome.published.queued if outcome.published else 0} Zoom actions queued, {plan.status.value}"
            )
            self.state.last_replan, self.state.last_replan_summary = self.store.now(), summary
            self.state.replans += 1
            log.info("re-planned: %s", summary, extra={
                "event": "replan", "plan_id": outcome.published.plan_id if outcome.published else None,
                "served": len(plan.assignments), "unserved": len(plan.unserved), "changed": len(outcome.changes),
                "zoom_actions": outcome.published.queued if outcome.published else 0, "status": plan.status.value,
                "seconds": plan.solve_seconds,
            })  # fmt: skip
        faults.hit("daemon.after_publish")
        if self.on_replan is not None:
            self.on_replan(outcome)
        self.run_step("sync")  # the new meetings should exist in Zoom within seconds, not at the next tick
        if self.notifier is not None and self.zoom is None:
            self.run_step("notify")  # without Zoom no sync follows to trigger it: tell the unserved now
        return outcome

    def step_sync(self) -> None:
        if self.zoom is None or not self.lead():
            return
        with self._busy:
            report = SyncWorker(self.store, self.zoom).run_once()
        if report.processed:
            self.state.last_sync = report.summary()
            counts = {"done": len(report.done), "deferred": len(report.deferred), "retrying": len(report.retrying),
                      "failed": len(report.failed)}  # fmt: skip
            log.info("sync: %s", report.summary(), extra={"event": "zoom_sync", **counts})
            for line in report.failed:
                log.warning("Zoom action failed: %s", line, extra={"event": "zoom_failed"})
        if self.notifier is not None and report.processed:
            self.run_step("notify")

    def step_reconcile(self) -> None:
        if self.zoom is None or not self.lead():
            return
        with self._busy:
            report = reconcile(self.store, self.zoom, dry_run=False)
        self.state.last_reconcile = report.summary()
        if report.findings or report.errors:
            log.info("reconcile: %s", report.summary(), extra={"event": "reconcile",
                     "findings": len(report.findings), "errors": len(report.errors)})  # fmt: skip

    def step_notify(self) -> None:
        if self.notifier is None or not self.lead():
            return
        with self._busy:
            counts = self.notifier(self.store, self._last_outcome)
        if isinstance(counts, dict) and any(counts.values()):
            log.info("mail: %s", ", ".join(f"{n} {k}" for k, n in counts.items()), extra={"event": "mail", **counts})

    def step_intake(self) -> None:
        inbox = self.settings.inbox
        if inbox is None:
            return
        for path in sorted(p for p in inbox.iterdir() if p.is_file() and p.suffix.lower() in INTAKE_SUFFIXES):
            try:
                self.state.last_intake = ingest_file(self.store, path)
            except SQLAlchemyError:  # the database, not the file: the step is retried with back-off (run_step)
                raise
            except Exception as exc:  # one bad file must not block the inbox: count it, set it aside, go on
                self.state.last_intake = self._intake_failed(path, exc)
                log.warning("intake: %s", self.state.last_intake, extra={"event": "intake_failed", "file": path.name})

    def _intake_failed(self, path: Path, exc: Exception) -> str:
        """A file that could not be taken: tried again on the next ticks, then moved to rejects/ with why."""
        log.debug("intake: %s failed", path.name, exc_info=exc)
        tries = self._intake_failures[path.name] = self._intake_failures.get(path.name, 0) + 1
        what = f"{type(exc).__name__}: {exc}"[:300]
        if tries < INTAKE_TRIES:
            return f"{path.name}: failed ({what}); try {tries} of {INTAKE_TRIES}"
        rejects = path.parent / "rejects"
        rejects.mkdir(exist_ok=True)
        (rejects / f"{path.name}.error.txt").write_text(
            f"Berkas tidak dapat dibaca setelah {tries} kali percobaan / could not be read after {tries} tries: "
            f"{what}\n",
            encoding="utf-8",
        )
        shutil.move(str(path), rejects / path.name)
        del self._intake_failures[path.name]
        return f"{path.name}: set aside in rejects/ after {tries} failed tries ({what})"

    # --- status ------------------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        jobs = self.scheduler.get_jobs() if self.scheduler.running else []
        st = self.state
        return {
            "started_at": st.started_at.isoformat(),
            "leader": st.leader,
            "replans": st.replans,
            "last_replan": st.last_replan.isoformat() if st.last_replan else None,
            "last_replan_summary": st.last_replan_summary,
            "replan_pending": self._replan_pending,
            "last_sync": st.last_sync,
            "last_reconcile": st.last_reconcile,
            "last_intake": st.last_intake,
            "errors": st.errors,
            "database_down_since": st.database_down_since.isoformat() if st.database_down_since else None,
            "next_jobs": {j.id: j.next_run_time.isoformat() for j in jobs if j.next_run_time},
            "written_at": datetime.now(UTC).isoformat(),
        }

    def write_status(self) -> None:
        if self.settings.status_file is not None:
            tmp = self.settings.status_file.with_suffix(".tmp")
            tmp.write_text(json.dumps(self.status(), indent=1))
            tmp.replace(self.settings.status_file)

    def wait_idle(self, timeout_s: float = 30.0) -> bool:
        """For tests and the demo: until no re-plan is pending and the outbox is drained (or timeout)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            counts = self.store.outbox_counts()
            if not self._replan_pending and not counts.get("pending") and not counts.get("in_progress"):
                return True
            time.sleep(0.1)
        return False


def ingest_file(store: Store, path: Path) -> str:
    """Take one inbox file: save its good rows, write its bad rows to rejects/, never process it twice.

    The file's digest is recorded in the audit log after its rows are saved; saving a row again is a
    no-op, so a crash anywhere in between only repeats harmless work.
    """
    inbox = path.parent
    done, rejects = inbox / "processed", inbox / "rejects"
    digest = file_digest(path)
    with store.transaction() as s:
        seen = s.scalar(
            sa.select(AuditRow.id).where(AuditRow.entity == "intake_file", AuditRow.entity_id == digest).limit(1)
        )
    if seen is not None:
        done.mkdir(exist_ok=True)
        shutil.move(str(path), done / path.name)
        log.info("intake: %s: already processed", path.name, extra={"event": "intake", "file": path.name})
        return f"{path.name}: already processed"
    try:
        result = read_file(path, store.policy(), now=store.now(), known=store.requests_by_ref)
    except IntakeFileError as exc:
        rejects.mkdir(exist_ok=True)
        (rejects / f"{path.name}.error.txt").write_text(str(exc) + "\n", encoding="utf-8")
        shutil.move(str(path), rejects / path.name)
        log.info("intake: %s", exc, extra={"event": "intake_refused", "file": path.name})
        return str(exc)
    log.debug("intake report\n%s", result.report.render(result.lang))  # the counts follow in one info line
    changed = [a.request for a in result.to_save]
    saved = sum(1 for v in store.save_requests(changed, actor=f"intake:{path.name}") if v is not None)
    if result.rejected:
        rejects.mkdir(exist_ok=True)
        suffix = path.suffix.lower() if path.suffix.lower() in (".xlsx", ".json") else ".csv"
        write_rejects(rejects / f"{path.stem}.rejects{suffix}", result)  # the admin fixes it and drops it back
    with store.transaction() as s:
        audit(
            s,
            at=store.now(),
            actor="intake",
            action="intake.file",
            entity="intake_file",
            entity_id=digest,
            new={"file": path.name, "accepted": len(result.accepted), "saved": saved, "rejected": len(result.rejected)},
        )
    done.mkdir(exist_ok=True)
    shutil.move(str(path), done / path.name)
    line = f"{path.name}: {len(result.accepted)} accepted ({saved} new or changed), {len(result.rejected)} rejected"
    log.info("intake: %s", line, extra={"event": "intake", "file": path.name, "accepted": len(result.accepted),
                                        "saved": saved, "rejected": len(result.rejected)})  # fmt: skip
    return line
