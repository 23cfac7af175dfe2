"""`POST /webhooks/zoom`: Zoom's signed deliveries.

Checked with `zoom_client.webhooks.WebhookVerifier` (secret `VICON_ZOOM_WEBHOOK_SECRET`; without it the endpoint
answers 503). `endpoint.url_validation` is answered. Every other delivery is recorded once in the audit log
(entity `zoom_webhook`, id = event name + event_ts + meeting id); a delivery seen before (Zoom retries
unanswered ones) is acknowledged as `duplicate` and does nothing. A `meeting.deleted` or `meeting.updated` of one
of our meetings asks for reconciliation: with a Zoom configuration (`VICON_ZOOM_CONFIG`) and the leader lock
free, `allocator.sync.reconcile.reconcile(..., dry_run=False)` runs in the background at once; otherwise
(the daemon is the leader, or no Zoom configuration here) a `zoom_webhook.reconcile_requested` audit entry is
left and the daemon's periodic reconcile repairs it.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from allocator.store.models import AuditRow
from allocator.store.repo import Store, audit
from allocator.web.schemas import ErrorOut, WebhookOut
from allocator.web.settings import WebSettings
from zoom_client.models import MeetingDeleted, MeetingUpdated, OtherEvent
from zoom_client.webhooks import WebhookEvent, WebhookVerificationError, WebhookVerifier

log = logging.getLogger(__name__)
ENTITY = "zoom_webhook"
ACTOR = "zoom-webhook"

router = APIRouter()


class SeenEvents:
    """A small in-memory set of recent delivery ids in front of the store-backed check."""

    def __init__(self, size: int = 2048) -> None:
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def add(self, key: str) -> bool:
        """True if new."""
        with self._lock:
            if key in self._ids:
                return False
            self._ids[key] = None
            while len(self._ids) > self._size:
                self._ids.popitem(last=False)
            return True


def event_key(event: WebhookEvent, body: bytes) -> str:
    if isinstance(event, OtherEvent) or not hasattr(event, "payload") or not hasattr(event.payload, "object"):
        return f"{event.event}:{hashlib.sha256(body).hexdigest()[:40]}"
    return f"{event.event}:{event.event_ts}:{event.payload.object.id}"


class Reconciler:
    """Runs reconciliation after a meeting changed in Zoom, once at a time, when this process may lead."""

    def __init__(self, store: Store, settings: WebSettings) -> None:
        self.store = store
        self.settings = settings
        self._running = threading.Lock()
        self.threads: list[threading.Thread] = []

    def request(self, why: dict[str, Any]) -> str:
        if not self.settings.zoom_config or not Path(self.settings.zoom_config).exists():
            self._note("reconcile_requested", {**why, "note": "no Zoom configuration here; the daemon reconciles"})
            return "requested"
        t = threading.Thread(target=self._run, args=(why,), name="vicon-webhook-reconcile", daemon=True)
        self.threads.append(t)
        t.start()
        return "started"

    def _note(self, action: str, new: dict[str, Any]) -> None:
        now = self.store.now()
        with self.store.transaction() as s:
            audit(s, at=now, actor=ACTOR, action=f"{ENTITY}.{action}", entity=ENTITY,
                  entity_id=str(new.get("key", "reconcile"))[:128], new=new)  # fmt: skip

    def _run(self, why: dict[str, Any]) -> None:
        from allocator.sync.leader import LeaderLock
        from allocator.sync.reconcile import reconcile
        from zoom_client import ZoomTenants, load_config

        if not self._running.acquire(blocking=False):
            self._note("reconcile_requested", {**why, "note": "a reconcile is already running here"})
            return
        lock = LeaderLock(self.store.engine)
        try:
            if not lock.acquire(wait_s=0):
                self._note("reconcile_requested", {**why, "note": "another instance leads; its reconcile repairs it"})
                return
            assert self.settings.zoom_config is not None
            tenants = ZoomTenants(load_config(Path(self.settings.zoom_config)))
            report = reconcile(self.store, tenants, dry_run=False)
            self._note("reconciled", {**why, "summary": report.summary()})
        except Exception as exc:  # reported, never raised into the server
            log.exception("reconcile after a Zoom webhook failed")
            self._note("reconcile_failed", {**why, "error": f"{type(exc).__name__}: {exc}"[:500]})
        finally:
            lock.release()
            self._running.release()


def record_once(store: Store, key: str, event: WebhookEvent) -> tuple[bool, dict[str, Any]]:
    """Record the delivery in the audit log unless it is there already; (new?, what was recorded)."""
    info: dict[str, Any] = {"key": key, "event": event.event}
    if isinstance(event, MeetingDeleted | MeetingUpdated):
        mid = event.payload.object.id
        info["zoom_meeting_id"] = mid
        ours = [m for m in store.meetings() if m.zoom_meeting_id == mid]
        if ours:
            info["request"] = ours[-1].request
            info["meeting_key"] = ours[-1].key
    now = store.now()
    with store.transaction() as s:
        seen = s.scalars(
            sa.select(AuditRow.id).where(AuditRow.entity == ENTITY, AuditRow.entity_id == key[:128]).limit(1)
        ).first()
        if seen is not None:
            return False, info
        audit(s, at=now, actor=ACTOR, action=f"{ENTITY}.{event.event}"[:64], entity=ENTITY, entity_id=key[:128],
              new=info)  # fmt: skip
    return True, info


@router.post(
    "/webhooks/zoom",
    response_model=WebhookOut,
    tags=["zoom"],
    responses={
        400: {"model": ErrorOut, "description": "Not a Zoom event"},
        401: {"model": ErrorOut, "description": "Signature missing, wrong or stale"},
        503: {"model": ErrorOut, "description": "VICON_ZOOM_WEBHOOK_SECRET is not configured"},
    },
)
async def zoom_webhook(request: Request) -> Any:
    """Zoom event notifications (signed with the app's secret token)."""
    verifier: WebhookVerifier | None = request.app.state.webhook_verifier
    if verifier is None:
        raise HTTPException(503, "Zoom webhooks are not configured (VICON_ZOOM_WEBHOOK_SECRET)")
    body = await request.body()
    try:
        event, answer = verifier.handle(body, request.headers)
    except WebhookVerificationError as exc:
        raise HTTPException(401, str(exc)) from None
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from None
    if answer is not None:
        return JSONResponse(answer)
    key = event_key(event, body)
    seen: SeenEvents = request.app.state.webhook_seen
    if not seen.add(key):
        return WebhookOut(status="duplicate", event=event.event)
    store: Store = request.app.state.store
    new, info = await run_in_threadpool(record_once, store, key, event)
    if not new:
        return WebhookOut(status="duplicate", event=event.event)
    if isinstance(event, MeetingDeleted | MeetingUpdated) and "request" in info:
        reconciler: Reconciler = request.app.state.reconciler
        await run_in_threadpool(reconciler.request, info)
        return WebhookOut(status="ok", event=event.event)
    return WebhookOut(status="ok" if isinstance(event, MeetingDeleted | MeetingUpdated) else "ignored",
                      event=event.event)  # fmt: skip
