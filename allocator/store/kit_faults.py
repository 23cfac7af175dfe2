"""Problems reported with lent kits: who reported what, who answers for it, and when it was repaired.

A PIC (on the signed page of their request), an operator or an admin reports that kits of a type are broken; they
are out of service (`load_problem` gives them to the planner as `kit_faults`) until an admin records the repair.
The report records the cause as the ministry's rule divides liability: `device` (a fault of the equipment, the
office's responsibility), `handling` (damage in the borrowing unit's hands, the unit's), or `unknown` until the
admin decides. Every change is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, get_args

import sqlalchemy as sa

from allocator.planner.errors import ViconError
from allocator.store.models import KitFaultRow, RequestRow
from allocator.store.repo import Store, audit

Cause = Literal["device", "handling", "unknown"]
Role = Literal["pic", "operator", "admin"]
CAUSES: tuple[str, ...] = get_args(Cause)
ROLES: tuple[str, ...] = get_args(Role)
MAX_DESCRIPTION = 2000


class KitFaultError(ViconError):
    """A fault cannot be reported or repaired as asked (the message names the field)."""


@dataclass(frozen=True)
class KitFaultView:
    id: int
    kit: str
    count: int
    request: str | None
    cause: str
    description: str
    reported_by: str
    reported_role: str
    reported_at: datetime
    repaired_at: datetime | None
    repaired_by: str | None
    repair_note: str | None

    @property
    def open(self) -> bool:
        return self.repaired_at is None

    @property
    def liable(self) -> str:
        """Who answers for it: the office (device), the borrowing unit (handling), or not decided yet."""
        return {"device": "office", "handling": "unit"}.get(self.cause, "undecided")


def _view(r: KitFaultRow) -> KitFaultView:
    return KitFaultView(r.id, r.kit, r.count, r.request, r.cause, r.description, r.reported_by, r.reported_role,
                        r.reported_at, r.repaired_at, r.repaired_by, r.repair_note)  # fmt: skip


def _json(r: KitFaultRow) -> dict[str, Any]:
    return {
        "kit": r.kit,
        "count": r.count,
        "request": r.request,
        "cause": r.cause,
        "description": r.description,
        "reported_by": r.reported_by,
        "reported_role": r.reported_role,
        "repaired_at": r.repaired_at.isoformat() if r.repaired_at else None,
        "repair_note": r.repair_note,
    }


def report_fault(
    store: Store,
    *,
    kit: str,
    count: int,
    cause: str,
    description: str,
    actor: str,
    role: str,
    request: str | None = None,
    at: datetime | None = None,
) -> KitFaultView:
    """Record that `count` kits of type `kit` are broken (lent to `request`, if given): out of service from now."""
    kit_ids = {k.id: k.stock for k in store.kit_types()}
    if kit not in kit_ids:
        raise KitFaultError(f"kit: unknown kit type {kit!r} (known: {', '.join(sorted(kit_ids)) or 'none'})")
    if not 1 <= count <= max(1, kit_ids[kit]):
        raise KitFaultError(f"count: between 1 and the stock of {kit} ({kit_ids[kit]}), not {count}")
    if cause not in CAUSES:
        raise KitFaultError(f"cause: one of {', '.join(CAUSES)}, not {cause!r}")
    if role not in ROLES:
        raise KitFaultError(f"role: one of {', '.join(ROLES)}, not {role!r}")
    text = description.strip()
    if not text or len(text) > MAX_DESCRIPTION or "\x00" in text:
        raise KitFaultError(f"description: say what is wrong (1 to {MAX_DESCRIPTION} characters)")
    when = at or store.now()
    with store.transaction() as s:
        if request is not None and s.get(RequestRow, request) is None:
            raise KitFaultError(f"request: unknown request {request!r}")
        row = KitFaultRow(kit=kit, count=count, request=request, cause=cause, description=text, reported_by=actor,
                          reported_role=role, reported_at=when, repaired_at=None, repaired_by=None,
                          repair_note=None)  # fmt: skip
        s.add(row)
        s.flush()
        audit(s, at=when, actor=actor, action="kit.fault_reported", entity="kit_fault", entity_id=str(row.id),
              new=_json(row))  # fmt: skip
        return _view(row)


def record_repair(
    store: Store, fault_id: int, *, actor: str, note: str = "", cause: str | None = None, at: datetime | None = None
) -> KitFaultView:
    """The kits are repaired (back in service); `cause` settles who answered for the fault if given."""
    if cause is not None and cause not in CAUSES:
        raise KitFaultError(f"cause: one of {', '.join(CAUSES)}, not {cause!r}")
    when = at or store.now()
    with store.transaction() as s:
        row = s.get(KitFaultRow, fault_id)
        if row is None:
            raise KitFaultError(f"fault: unknown fault {fault_id}")
        if row.repaired_at is not None:
            raise KitFaultError(f"fault: {fault_id} was already recorded as repaired")
        old = _json(row)
        row.repaired_at, row.repaired_by, row.repair_note = when, actor, note.strip() or None
        if cause is not None:
            row.cause = cause
        audit(s, at=when, actor=actor, action="kit.repaired", entity="kit_fault", entity_id=str(row.id), old=old,
              new=_json(row))  # fmt: skip
        return _view(row)


def list_faults(store: Store, *, open_only: bool = False, request: str | None = None) -> list[KitFaultView]:
    with store.transaction() as s:
        q = sa.select(KitFaultRow).order_by(KitFaultRow.reported_at, KitFaultRow.id)
        if open_only:
            q = q.where(KitFaultRow.repaired_at.is_(None))
        if request is not None:
            q = q.where(KitFaultRow.request == request)
        return [_view(r) for r in s.scalars(q)]
