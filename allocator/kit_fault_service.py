"""Reporting a problem with lent kits, shared by the CLI and the pages: record it, then re-plan at once.

The kits go out of service when the report is stored; the re-plan that follows shares out the smaller stock, so a
request that no longer gets its kits is moved or left unserved, and the plan-change notices tell its PIC (the usual
`pic.changed` / `pic.cancelled` mails, sent by the notifier). A repair puts the kits back and re-plans too, so a
request left without them may be served again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from allocator.planner.domain import series_parent
from allocator.planner.kit_faults import holding
from allocator.service import ReplanOutcome, replan
from allocator.store.kit_faults import KitFaultView, record_repair, report_fault
from allocator.store.repo import Store


@dataclass
class FaultOutcome:
    fault: KitFaultView
    affected: list[str]  # the planned requests that borrowed this kit type before the report
    replan: ReplanOutcome | None  # None when re-planning was not asked for

    @property
    def lost(self) -> list[str]:
        """Affected requests the new plan no longer serves (their PICs are told)."""
        if self.replan is None:
            return []
        served = {a.request for a in self.replan.plan.assignments}
        return [ref for ref in self.affected if ref not in served]


def _affected(store: Store, kit: str, ref: str | None, now: datetime | None) -> list[str]:
    """The published plan's requests that borrow this kit and are not over (a series' occurrences from the one
    the fault happened in, `ref`, on)."""
    published = store.published_plan()
    if published is None:
        return []
    problem = store.load_problem(now=now)
    occurrence = ref if ref is not None and series_parent(ref) is not None else None
    return holding(problem, published.plan.assignments, kit, occurrence)


def report_and_replan(
    store: Store,
    *,
    kit: str,
    count: int,
    cause: str,
    description: str,
    actor: str,
    role: str,
    request: str | None = None,
    occurrence: int | None = None,
    now: datetime | None = None,
    replan_now: bool = True,
) -> FaultOutcome:
    """Record the fault (a `KitFaultError` names a bad field), then re-plan and publish (unless `replan_now` is
    False: the daemon's next cycle does it). A series' occurrence is named as `request` 'PSR-70:3' or with
    `occurrence`: the re-plan's affected requests are that occurrence and the later ones (and other loans)."""
    fault = report_fault(store, kit=kit, count=count, cause=cause, description=description, actor=actor, role=role,
                         request=request, occurrence=occurrence, at=now)  # fmt: skip
    affected = _affected(store, kit, fault.ref, now)
    outcome = replan(store, actor=actor, now=now) if replan_now else None
    return FaultOutcome(fault, affected, outcome)


def repair_and_replan(
    store: Store,
    fault_id: int,
    *,
    actor: str,
    note: str = "",
    cause: str | None = None,
    now: datetime | None = None,
    replan_now: bool = True,
) -> FaultOutcome:
    """Record the repair (the kits are back in service), then re-plan and publish."""
    fault = record_repair(store, fault_id, actor=actor, note=note, cause=cause, at=now)
    outcome = replan(store, actor=actor, now=now) if replan_now else None
    return FaultOutcome(fault, [], outcome)
