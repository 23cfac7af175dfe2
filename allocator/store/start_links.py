"""The audit of start links handed out on the start-link pages (allocator/web/start_pages.py): who, when, which
meeting, and what was refused. The link itself is never stored: it holds the host's key."""

from __future__ import annotations

from typing import Any

from allocator.store.repo import AuditEntry, Store, audit

SHOWN, REFUSED, FAILED = "zoom.start_link_shown", "zoom.start_link_refused", "zoom.start_link_failed"


def record(store: Store, actor: str, action: str, ref: str, details: dict[str, Any]) -> None:
    """One audit entry on the request `ref` (`details`: meeting id, account, occurrence, reason; never a link)."""
    if action not in (SHOWN, REFUSED, FAILED):
        raise ValueError(f"action: not a start-link audit action: {action!r}")
    with store.transaction() as s:
        audit(s, at=store.now(), actor=actor, action=action, entity="request", entity_id=ref, new=details)


def history(store: Store, ref: str) -> list[AuditEntry]:
    """The start-link entries of the request `ref`, oldest first."""
    return [e for e in store.audit_log(entity="request", entity_id=ref) if e.action in (SHOWN, REFUSED, FAILED)]
