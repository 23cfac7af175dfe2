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

from allocator.planner.domain import Request, occurrence_ref, occurrences, series_parent
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
    request: str | None  # the request it was lent to (a series: the series itself)
    cause: str
    description: str
    reported_by: str
    reported_role: str
    reported_at: datetime
    repaired_at: datetime | None
    repaired_by: str | None
    repair_note: str | None
    occurrence: int | None = None  # the occurrence k of the series `request` it happened in

    @property
    def ref(self) -> str | None:
        """The request or the series occurrence ('PSR-70:3') it was lent to."""
        if self.request is None or self.occurrence is None:
            return self.request
        return occurrence_ref(self.request, self.occurrence)

    @property
    def open(self) -> bool:
        return self.repaired_at is None

    @property
    def liable(self) -> str:
        """Who answers for it: the office (device), the borrowing unit (handling), or not decided yet."""
        return {"device": "office", "handling": "unit"}.get(self.cause, "undecided")


def _view(r: KitFaultRow) -> KitFaultView:
    return KitFaultView(r.id, r.kit, r.count, r.request, r.cause, r.description, r.reported_by, r.reported_role,
                        r.reported_at, r.repaired_at, r.repaired_by, r.repair_note, r.occurrence)  # fmt: skip


def _json(r: KitFaultRow) -> dict[str, Any]:
    return {
        "kit": r.kit,
        "count": r.count,
        "request": r.request,
        **({"occurrence": r.occurrence} if r.occurrence is not None else {}),
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
    occurrence: int | None = None,
) -> KitFaultView:
    """Record that `count` kits of type `kit` are broken (lent to `request`, if given): out of service from now.

    A series' PIC names the occurrence it happened in: `request` 'PSR-70:3', or 'PSR-70' with `occurrence` 3. The
    re-plan then concerns that occurrence and the later ones; the earlier ones are history."""
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
    request, occurrence = _occurrence_named(request, occurrence)
    with store.transaction() as s:
        row_of = s.get(RequestRow, request) if request is not None else None
        if request is not None and row_of is None:
            raise KitFaultError(f"request: unknown request {request!r}")
        if occurrence is not None:
            assert row_of is not None and request is not None
            _check_occurrence(Request.model_validate(row_of.data), occurrence, when)
        row = KitFaultRow(kit=kit, count=count, request=request, occurrence=occurrence, cause=cause,
                          description=text, reported_by=actor, reported_role=role, reported_at=when,
                          repaired_at=None, repaired_by=None, repair_note=None)  # fmt: skip
        s.add(row)
        s.flush()
        audit(s, at=when, actor=actor, action="kit.fault_reported", entity="kit_fault", entity_id=str(row.id),
              new=_json(row))  # fmt: skip
        return _view(row)


def _occurrence_named(request: str | None, occurrence: int | None) -> tuple[str | None, int | None]:
    """The request and the occurrence a report names: 'PSR-70:3' is the series PSR-70, occurrence 3."""
    parent = series_parent(request) if request is not None else None
    if parent is not None:
        number = int(str(request).rpartition(":")[2])
        if occurrence is not None and occurrence != number:
            raise KitFaultError(f"occurrence: {request} is occurrence {number}, not {occurrence}")
        return parent, number
    if occurrence is not None and request is None:
        raise KitFaultError("occurrence: name the series it belongs to (request)")
    return request, occurrence


def _check_occurrence(req: Request, occurrence: int, when: datetime) -> None:
    """The series has that occurrence, and every earlier one is over: they are history, which a fault in this one
    does not touch (a fault is reported in the occurrence it happened in)."""
    if req.series is None:
        raise KitFaultError(f"occurrence: {req.ref} is not a series")
    held = occurrences(req)
    if occurrence not in [o.occurrence for o in held]:
        raise KitFaultError(f"occurrence: {req.ref} has occurrences 1 to {len(held)}, not {occurrence}")
    running = [o.ref for o in held if o.occurrence is not None and o.occurrence < occurrence and o.end > when]
    if running:
        raise KitFaultError(f"occurrence: {', '.join(running)} before it is not over yet; report the fault in the "
                            "occurrence it happened in")  # fmt: skip


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
