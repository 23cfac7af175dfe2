"""Exactly-once delivery of notifications through the store's `notifications` table.

Each notice is recorded with a dedup key — (kind, subject, version, recipient[, channel]) — as a `pending` row
in its own transaction BEFORE anything is sent; recording the same key again is a no-op. Sending a row:

1. claim it (own transaction): attempts + 1 and a lease (`claimed_until`) in the row's payload;
2. fetch the host's start link if it is an operator message about one of our meetings (never stored);
3. hand the message to the transport (SMTP: until the server's 250 reply to DATA);
4. mark it `sent` (own transaction).

A failure records `last_error`, the attempt count and the next attempt time (exponential back-off, in the
payload: the table belongs to the store) and leaves the row `failed` until it is due again; a permanent
failure or too many attempts gives up (reported by `status`).

SMTP has no idempotency key. A crash after the server accepted a message (3) and before the commit (4) leaves a
claimed, unsent row; it cannot be told apart from a crash before (3). On restart such a row is "in doubt" and,
by default (`in_doubt = "resend"`), sent once more — at least once, never lost; the copy carries the same
Message-ID (derived from the dedup key), so mail systems that fold duplicates by Message-ID show it once. With
`in_doubt = "hold"` it is held for a person instead (at most once; `vicon notify retry KEY` releases it). The
window is kept to the few milliseconds between the 250 reply and a one-row commit. A row marked `sent` is never
sent again.

Run `send_pending` in one process at a time (the leader); a second sender would skip rows under a live lease.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from allocator.notify.config import NotifyConfig
from allocator.notify.mime import to_email
from allocator.notify.model import Message
from allocator.notify.startlinks import ZoomStartLinks
from allocator.notify.transport import MailTransport, ShortTransport, TransportError
from allocator.store.models import NotificationRow
from allocator.store.repo import Store, audit

log = logging.getLogger(__name__)

CHANNEL_EMAIL = "email"
CHANNEL_CHAT = "chat"
_KEY_MAX = 200


def dedup_key(kind: str, subject: str, version: str | int, recipient: str, channel: str = CHANNEL_EMAIL) -> str:
    """The identity of one notice to one recipient on one channel; at most 200 characters."""
    raw = f"{kind}:{subject}:{version}:{recipient.lower()}"
    if channel != CHANNEL_EMAIL:
        raw += f":{channel}"
    if len(raw) <= _KEY_MAX:
        return raw
    return f"{kind}:{subject[:60]}:{hashlib.sha256(raw.encode()).hexdigest()[:40]}"


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat()


def _parse(value: Any) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(str(value)).astimezone(UTC)


@dataclass(frozen=True)
class Record:
    """A notification row as the notifier reads it."""

    id: int
    key: str
    request: str | None
    kind: str
    channel: str
    recipient: str
    state: str
    created_at: datetime
    sent_at: datetime | None
    last_error: str | None
    payload: dict[str, Any]

    @property
    def meta(self) -> dict[str, Any]:
        meta: dict[str, Any] = self.payload.get("meta") or {}
        return meta

    @property
    def primary(self) -> bool:
        return bool(self.payload.get("primary"))

    @property
    def attempts(self) -> int:
        return int(self.payload.get("attempts", 0))

    def message(self) -> Message:
        return Message.model_validate(self.payload["message"])


def _record(row: NotificationRow) -> Record:
    return Record(
        row.id,
        row.dedup_key,
        row.request,
        row.kind,
        row.channel,
        row.recipient,
        row.state,
        row.created_at,
        row.sent_at,
        row.last_error,
        dict(row.payload or {}),
    )


@dataclass
class SendReport:
    sent: list[str] = field(default_factory=list)
    retrying: list[str] = field(default_factory=list)
    gave_up: list[str] = field(default_factory=list)
    held: list[str] = field(default_factory=list)
    resent_in_doubt: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"{len(self.sent)} sent"]
        if self.resent_in_doubt:
            parts.append(f"{len(self.resent_in_doubt)} of them again after an interrupted send")
        parts.append(f"{len(self.retrying)} to retry")
        parts.append(f"{len(self.gave_up)} given up")
        if self.held:
            parts.append(f"{len(self.held)} held (in doubt)")
        return ", ".join(parts)


@dataclass
class NotificationStatus:
    """For `vicon status` / `vicon notify status`."""

    pending: int = 0
    sent: int = 0
    retrying: int = 0
    gave_up: int = 0
    held: int = 0
    in_flight: int = 0
    next_attempt_at: datetime | None = None
    problems: list[tuple[str, str]] = field(default_factory=list)  # (dedup key, last error)

    @property
    def healthy(self) -> bool:
        return not (self.gave_up or self.held)

    def summary(self) -> str:
        out = (
            f"notifications: {self.sent} sent, {self.pending} pending, {self.retrying} retrying, "
            f"{self.gave_up} failed (given up), {self.held} held"
        )
        if self.next_attempt_at is not None and self.retrying:
            out += f"; next retry {self.next_attempt_at:%Y-%m-%d %H:%M} UTC"
        return out


class Outbox:
    """Records notices and sends them exactly once (see the module doc for the one exception)."""

    def __init__(
        self,
        store: Store,
        config: NotifyConfig,
        *,
        mail: MailTransport | None,
        chat: ShortTransport | None = None,
        start_links: ZoomStartLinks | None = None,
        clock: Callable[[], datetime] | None = None,
        hook: Callable[[str, str], None] | None = None,
        worker_id: str | None = None,
    ) -> None:
        self.store = store
        self.config = config
        self.mail = mail
        self.chat = chat
        self.start_links = start_links
        self.clock = clock or store.now
        self.hook = hook  # test seam: called as hook(point, key) at "after_claim" and "after_send"
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}"

    def now(self) -> datetime:
        return self.clock().astimezone(UTC)

    # --- recording ------------------------------------------------------------------------------

    def record(
        self, message: Message, *, subject: str, version: str | int, meta: dict[str, Any] | None = None
    ) -> list[str]:
        """Record a notice: its e-mail and (if chat channels are configured) its chat form, in one transaction.
        Returns the keys newly recorded ([] if this notice was recorded before)."""
        now = self.now()
        rows: list[tuple[str, str, str]] = []  # (key, channel, recipient)
        if message.to.email and self.mail is not None:
            rows.append((dedup_key(message.kind, subject, version, message.to.email), CHANNEL_EMAIL, message.to.email))
        if self.chat is not None and (message.to.phone or message.to.email):
            who = message.to.phone or message.to.email or ""
            rows.append((dedup_key(message.kind, subject, version, who, CHANNEL_CHAT), CHANNEL_CHAT, who))
        if not rows:
            log.warning("%s for %s: %s has no address to write to", message.kind, subject, message.to.name)
            return []
        body = message.model_dump(mode="json")
        keys = [k for k, _c, _r in rows]
        try:
            with self.store.transaction() as s:
                existing = set(
                    s.scalars(sa.select(NotificationRow.dedup_key).where(NotificationRow.dedup_key.in_(keys)))
                )
                new: list[str] = []
                for i, (key, channel, recipient) in enumerate(rows):
                    if key in existing:
                        continue
                    payload = {
                        "message": body,
                        "primary": i == 0,
                        "meta": meta or {},
                        "attempts": 0,
                        "next_attempt_at": _iso(now),
                        "claimed_until": None,
                    }
                    s.add(
                        NotificationRow(
                            dedup_key=key,
                            request=message.request,
                            kind=message.kind,
                            channel=channel,
                            recipient=recipient[:320],
                            state="pending",
                            payload=payload,
                            created_at=now,
                        )
                    )
                    audit(
                        s,
                        at=now,
                        actor="notifier",
                        action="notification.recorded",
                        entity="notification",
                        entity_id=key,
                        new={"kind": message.kind, "channel": channel, "request": message.request},
                    )
                    new.append(key)
                return new
        except IntegrityError:  # another process recorded the same notice at the same moment
            return []

    def records(
        self, *, request: str | None = None, kinds: Iterable[str] | None = None, states: Iterable[str] | None = None
    ) -> list[Record]:
        q = sa.select(NotificationRow).order_by(NotificationRow.id)
        if request is not None:
            q = q.where(NotificationRow.request == request)
        if kinds is not None:
            q = q.where(NotificationRow.kind.in_(list(kinds)))
        if states is not None:
            q = q.where(NotificationRow.state.in_(list(states)))
        with self.store.transaction() as s:
            return [_record(r) for r in s.scalars(q)]

    def exists(self, key: str) -> bool:
        with self.store.transaction() as s:
            return s.scalars(sa.select(NotificationRow.id).where(NotificationRow.dedup_key == key)).first() is not None

    # --- sending --------------------------------------------------------------------------------

    def due(self, now: datetime | None = None) -> list[Record]:
        """Rows to send now, oldest first."""
        now = now or self.now()
        out = []
        for r in self.records(states=("pending", "failed")):
            p = r.payload
            if p.get("gave_up") or p.get("held"):
                continue
            nxt = _parse(p.get("next_attempt_at"))
            claimed = _parse(p.get("claimed_until"))
            if (nxt is None or nxt <= now) and (claimed is None or claimed <= now):
                out.append(r)
        return out

    def recover(self) -> int:
        """For a sender that just started (and is the only one): end every lease now, so rows interrupted by a
        crash are handled at once as in doubt (see the module doc). Returns how many."""
        now = self.now()
        n = 0
        with self.store.transaction() as s:
            for row in s.scalars(sa.select(NotificationRow).where(NotificationRow.state.in_(("pending", "failed")))):
                claimed = _parse((row.payload or {}).get("claimed_until"))
                if claimed is not None and claimed > now:
                    row.payload = {**row.payload, "claimed_until": _iso(now)}
                    n += 1
        return n

    def send_pending(self, *, limit: int | None = None) -> SendReport:
        """Send every due row (at most `limit`)."""
        report = SendReport()
        for rec in self.due():
            if limit is not None and len(report.sent) + len(report.retrying) + len(report.gave_up) >= limit:
                break
            self.send_one(rec.key, report)
        return report

    def send_one(self, key: str, report: SendReport | None = None) -> str:
        """Claim, send and settle one row; returns what happened (sent, retrying, gave_up, held, skipped)."""
        report = report if report is not None else SendReport()
        claimed = self._claim(key)
        if claimed is None:
            return "skipped"
        rec, in_doubt = claimed
        if in_doubt and self.config.in_doubt == "hold":
            report.held.append(key)
            return "held"
        self._hook("after_claim", key)
        secret: str | None = None
        try:
            secret = self._deliver(rec)
        except TransportError as exc:
            return self._settle_failure(rec, str(exc), exc.permanent, report)
        except Exception as exc:  # the start-link fetch, a bad row: record, never crash the batch
            msg = f"{type(exc).__name__}: {exc}"
            if secret:
                msg = msg.replace(secret, "[start link]")
            return self._settle_failure(rec, msg, False, report)
        self._hook("after_send", key)
        self._mark_sent(rec)
        report.sent.append(key)
        if in_doubt:
            report.resent_in_doubt.append(key)
        return "sent"

    def _hook(self, point: str, key: str) -> None:
        if self.hook is not None:
            self.hook(point, key)

    def _claim(self, key: str) -> tuple[Record, bool] | None:
        now = self.now()
        with self.store.transaction() as s:
            q = sa.select(NotificationRow).where(NotificationRow.dedup_key == key)
            if self.store.dialect == "postgresql":
                q = q.with_for_update(skip_locked=True)
            row = s.scalars(q).first()
            if row is None or row.state == "sent":
                return None
            p = dict(row.payload or {})
            if p.get("gave_up") or p.get("held"):
                return None
            claimed = _parse(p.get("claimed_until"))
            if claimed is not None and claimed > now:
                return None  # another sender holds it
            in_doubt = claimed is not None
            if in_doubt and self.config.in_doubt == "hold":
                p.update(held=True, claimed_until=None)
                row.payload = p
                row.state = "failed"
                row.last_error = (
                    "in doubt: an earlier send was interrupted after it may have reached the server; "
                    "check with the recipient, then `vicon notify retry` to send it again"
                )
                log.warning("notification %s held: earlier send interrupted", key)
                return _record(row), True
            if in_doubt:
                p["resends"] = int(p.get("resends", 0)) + 1
                log.warning("notification %s: earlier send was interrupted; sending again (same Message-ID)", key)
            p.update(
                attempts=int(p.get("attempts", 0)) + 1,
                claimed_until=_iso(now + timedelta(seconds=self.config.claim_lease_s)),
                claimed_by=self.worker_id,
            )
            row.payload = p
            return _record(row), in_doubt

    def _deliver(self, rec: Record) -> str | None:
        """Send one row's message; returns the start link it used (to scrub it from any error)."""
        msg = rec.message()
        now = self.now()
        if rec.channel == CHANNEL_CHAT:
            if self.chat is None:
                raise TransportError("no chat channel is configured")
            self.chat.send_short(msg.to, msg.subject, msg.short)
            return None
        if self.mail is None:
            raise TransportError("no mail transport is configured")
        secret: str | None = None
        if msg.start_link is not None:
            if self.start_links is None:
                raise TransportError("no Zoom connection to fetch the host's start link")
            secret = self.start_links.start_url(msg.start_link.account, msg.start_link.meeting_id)
            msg = msg.with_start_link(secret)
        email = to_email(msg, sender=self.config.office, dedup_key=rec.key, date=now, reply_to=self.config.reply_to)
        try:
            self.mail.send(email)
        except TransportError as exc:
            if secret and secret in str(exc):
                raise TransportError(str(exc).replace(secret, "[start link]"), permanent=exc.permanent) from None
            raise
        return secret

    def _mark_sent(self, rec: Record) -> None:
        now = self.now()
        with self.store.transaction() as s:
            row = s.scalars(sa.select(NotificationRow).where(NotificationRow.dedup_key == rec.key)).one()
            row.state, row.sent_at, row.last_error = "sent", now, None
            row.payload = {**row.payload, "claimed_until": None, "claimed_by": None}

    def _settle_failure(self, rec: Record, error: str, permanent: bool, report: SendReport) -> str:
        now = self.now()
        error = error[:1000]
        with self.store.transaction() as s:
            row = s.scalars(sa.select(NotificationRow).where(NotificationRow.dedup_key == rec.key)).one()
            p = dict(row.payload or {})
            attempts = int(p.get("attempts", 1))
            give_up = permanent or attempts >= self.config.retry.max_attempts
            p.update(claimed_until=None, claimed_by=None)
            if give_up:
                p["gave_up"] = True
            else:
                p["next_attempt_at"] = _iso(now + timedelta(seconds=self.config.retry.delay_s(attempts)))
            row.payload, row.state, row.last_error = p, "failed", error
        log.warning("notification %s failed (attempt %d): %s", rec.key, attempts, error)
        if give_up:
            report.gave_up.append(rec.key)
            return "gave_up"
        report.retrying.append(rec.key)
        return "retrying"

    def retry(self, key: str) -> bool:
        """Release a held or given-up row for another attempt now. False if there is no such row."""
        now = self.now()
        with self.store.transaction() as s:
            row = s.scalars(sa.select(NotificationRow).where(NotificationRow.dedup_key == key)).first()
            if row is None or row.state == "sent":
                return False
            p = dict(row.payload or {})
            p.update(gave_up=False, held=False, claimed_until=None, next_attempt_at=_iso(now), attempts=0)
            row.payload, row.state = p, "pending"
            return True

    # --- reporting ------------------------------------------------------------------------------

    def status(self) -> NotificationStatus:
        return notification_status(self.store, now=self.now())


def notification_status(store: Store, *, now: datetime | None = None) -> NotificationStatus:
    """Counts for `vicon status`: sent, pending, retrying, failed for good, held; the newest problems."""
    now = now or store.now()
    st = NotificationStatus()
    with store.transaction() as s:
        q = sa.select(NotificationRow.state, sa.func.count()).group_by(NotificationRow.state)
        counts = {str(state): int(n) for state, n in s.execute(q)}
        st.sent = int(counts.get("sent", 0))
        st.pending = int(counts.get("pending", 0))
        for row in s.scalars(
            sa.select(NotificationRow)
            .where(NotificationRow.state.in_(("pending", "failed")))
            .order_by(NotificationRow.id)
        ):
            p = row.payload or {}
            claimed = _parse(p.get("claimed_until"))
            if claimed is not None and claimed > now:
                st.in_flight += 1
            if row.state != "failed":
                continue
            if p.get("held"):
                st.held += 1
            elif p.get("gave_up"):
                st.gave_up += 1
            else:
                st.retrying += 1
                nxt = _parse(p.get("next_attempt_at"))
                if nxt is not None and (st.next_attempt_at is None or nxt < st.next_attempt_at):
                    st.next_attempt_at = nxt
            if row.last_error:
                st.problems.append((row.dedup_key, row.last_error))
    st.problems = st.problems[-20:]
    return st
