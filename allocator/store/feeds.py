"""Subscribable iCal feeds, one per host or operator, each behind a secret URL (`/feeds/<secret>.ics`).

The store keeps only the SHA-256 of each secret (256 random bits, so a plain hash cannot be searched back), in the
`settings` row `ical_feeds`; the secret is shown once, when the feed is made. Revoking a feed makes its URL answer
404 at once. Every change is audited (entity `ical_feed`, without the secret or its hash): a feed is no input to
the planner, so making one never triggers a re-plan."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from allocator.planner.errors import ViconError
from allocator.store.models import SettingRow
from allocator.store.repo import Store, audit

SETTING = "ical_feeds"
KINDS = ("host", "operator")


class FeedError(ViconError):
    """A feed cannot be made or revoked as asked (the message names the field)."""


@dataclass(frozen=True)
class Feed:
    id: str  # a short public id, to name the feed when revoking it (not the secret)
    kind: str  # host | operator
    target: str  # the host's or operator's id
    created_at: datetime
    actor: str
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _rows(value: dict[str, Any] | None) -> list[dict[str, Any]]:
    return list((value or {}).get("feeds", []))


def _feed(d: dict[str, Any]) -> Feed:
    revoked = d.get("revoked_at")
    return Feed(d["id"], d["kind"], d["target"], datetime.fromisoformat(d["created_at"]), d.get("actor", ""),
                datetime.fromisoformat(revoked) if revoked else None)  # fmt: skip


def feeds(store: Store) -> list[Feed]:
    with store.transaction() as s:
        row = s.get(SettingRow, SETTING)
        return [_feed(d) for d in _rows(row.value if row else None)]


def create_feed(store: Store, kind: str, target: str, *, actor: str) -> tuple[Feed, str]:
    """A new feed and its secret (shown once; only its hash is kept)."""
    if kind not in KINDS:
        raise FeedError(f"kind: {kind!r} is not one of {', '.join(KINDS)}")
    known = {h.id for h in store.hosts()} if kind == "host" else {o.id for o in store.operators()}
    if target not in known:
        raise FeedError(f"{kind}: unknown {kind} {target!r}")
    secret = secrets.token_urlsafe(32)
    now = store.now()
    with store.transaction() as s:
        row = s.get(SettingRow, SETTING)
        rows = _rows(row.value if row else None)
        taken = {d["id"] for d in rows}
        fid = next(f for f in (secrets.token_hex(4) for _ in range(100)) if f not in taken)
        entry = {"id": fid, "kind": kind, "target": target, "hash": digest(secret), "created_at": now.isoformat(),
                 "actor": actor, "revoked_at": None}  # fmt: skip
        value = {"feeds": [*rows, entry]}
        if row is None:
            s.add(SettingRow(name=SETTING, value=value, updated_at=now))
        else:
            row.value, row.updated_at = value, now
        audit(s, at=now, actor=actor, action="ical_feed.created", entity="ical_feed", entity_id=fid,
              new={"kind": kind, "target": target})  # fmt: skip
    return _feed(entry), secret


def revoke_feed(store: Store, feed_id: str, *, actor: str) -> Feed:
    now = store.now()
    with store.transaction() as s:
        row = s.get(SettingRow, SETTING)
        rows = _rows(row.value if row else None)
        hit = next((d for d in rows if d["id"] == feed_id), None)
        if row is None or hit is None:
            raise FeedError(f"feed: no feed {feed_id!r}")
        if hit.get("revoked_at") is None:
            hit = {**hit, "revoked_at": now.isoformat()}
            row.value = {"feeds": [hit if d["id"] == feed_id else d for d in rows]}
            row.updated_at = now
            audit(s, at=now, actor=actor, action="ical_feed.revoked", entity="ical_feed", entity_id=feed_id,
                  new={"kind": hit["kind"], "target": hit["target"]})  # fmt: skip
        return _feed(hit)


def feed_for_secret(store: Store, secret: str) -> Feed | None:
    """The active feed this secret opens, else None (compared in constant time)."""
    want = digest(secret)
    with store.transaction() as s:
        row = s.get(SettingRow, SETTING)
        for d in _rows(row.value if row else None):
            if hmac.compare_digest(d["hash"], want) and d.get("revoked_at") is None:
                return _feed(d)
    return None
