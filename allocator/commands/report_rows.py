"""The `--json` reports filled in from plans, re-plans, kit loans and the store's status (models in `reports`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from allocator.commands.render import PlanView, _on
from allocator.commands.reports import (
    AssignmentRow,
    ChangeRow,
    DaemonRow,
    ExplainReport,
    LoanRow,
    PlanFilters,
    PlanSummary,
    ReplanReport,
    UnservedRow,
    WarningRow,
)
from allocator.notify.planned import planned_times
from allocator.plan_words import warning_text
from allocator.planner.domain import Plan, PlanWarning, Problem, Unserved, local, zone_abbrev
from allocator.service import ReplanOutcome
from allocator.store.repo import KitLoan


def warning_rows(warnings: list[PlanWarning]) -> list[WarningRow]:
    return [WarningRow(code=w.code, refs=list(w.refs), by=w.by, count=w.count, text=warning_text(w, "en"),
                       text_id=warning_text(w, "id")) for w in warnings]  # fmt: skip


def unserved_row(u: Unserved) -> UnservedRow:
    return UnservedRow(request=u.request, code=u.code, reason=u.reason, reason_id=u.reason_id,
                       alternatives=[a.text for a in u.alternatives])  # fmt: skip


def plan_summary(problem: Problem, plan: Plan, view: PlanView | None = None) -> PlanSummary:
    """The plan for a script. `view` (the filters of `vicon plan`) picks the listed assignments and unserved
    requests as it picks the table's rows; `served` and `unserved` stay the whole plan's counts."""
    view = view or PlanView()
    zone = problem.policy.timezone
    reqs = {r.ref: r for r in problem.requests}
    rows = []
    for a in plan.assignments:
        r = reqs.get(a.request)
        if r is None or view.unserved_only:
            continue
        s, e = planned_times(r, a)
        if not view.keeps(r, s, zone) or not _on(view, a):
            continue
        rows.append(AssignmentRow(request=a.request, host=a.host, operators=list(a.operators), start=local(s, zone),
                                  end=local(e, zone), moved=(s, e) != (r.start, r.end)))  # fmt: skip
    return PlanSummary(
        zone=zone, zone_abbrev=zone_abbrev(zone), status=plan.status.value, served=len(plan.assignments),
        unserved=len(plan.unserved), gap=plan.gap, solve_seconds=plan.solve_seconds,
        warnings=[warning_text(w, "en") for w in plan.warnings],
        warning_details=warning_rows(plan.warnings), restrictions=list(plan.restrictions), assignments=rows,
        unserved_requests=[
            unserved_row(u) for u in plan.unserved
            if view.host is None and view.operator is None  # the unserved have neither
            and (u.request not in reqs or view.keeps(reqs[u.request], reqs[u.request].start, zone))
        ],
        filters=PlanFilters(day=view.day.isoformat() if view.day else None, host=view.host, operator=view.operator,
                            unit=view.unit, unserved=view.unserved_only),
    )  # fmt: skip


def explain_report(problem: Problem, plan: Plan, ref: str, *, preview: bool) -> ExplainReport | None:
    """One request's outcome in `plan` (None when the office does not know it)."""
    req = next((r for r in problem.requests if r.ref == ref), None)
    if req is None:
        return None
    zone = problem.policy.timezone
    a = plan.assignment_for(ref)
    u = next((u for u in plan.unserved if u.request == ref), None)
    planned = planned_times(req, a) if a is not None else None
    return ExplainReport(
        zone=zone, zone_abbrev=zone_abbrev(zone), request=ref,
        outcome="served" if a is not None else ("unserved" if u is not None else "not planned"), preview=preview,
        title=req.title, unit=req.unit, start=local(req.start, zone), end=local(req.end, zone),
        participants=req.participants, host=a.host if a else None, operators=list(a.operators) if a else [],
        planned_start=local(planned[0], zone) if planned else None,
        planned_end=local(planned[1], zone) if planned else None,
        code=u.code if u else None, reason=u.reason if u else None, reason_id=u.reason_id if u else None,
        alternatives=[x.text for x in u.alternatives] if u else [],
        alternatives_id=[x.text_id for x in u.alternatives] if u else [],
    )  # fmt: skip


def replan_report(out: ReplanOutcome, *, dry_run: bool) -> ReplanReport:
    plan = out.plan
    changes = [
        ChangeRow(request=c.request, kind=c.kind, before_host=c.before.host if c.before else None,
                  before_operators=list(c.before.operators) if c.before else [],
                  after_host=c.after.host if c.after else None,
                  after_operators=list(c.after.operators) if c.after else [], reason=c.reason)
        for c in out.changes
    ]  # fmt: skip
    return ReplanReport(
        dry_run=dry_run, plan_id=None if dry_run or out.published is None else out.published.plan_id,
        status=plan.status.value, served=len(plan.assignments), unserved=len(plan.unserved),
        solve_seconds=plan.solve_seconds, notes=list(out.notes), changes=changes,
        warning_details=warning_rows(plan.warnings),
        zoom_actions=out.published.counts() if out.published is not None else {},
    )  # fmt: skip


def loan_row(x: KitLoan, zone: str) -> LoanRow:
    return LoanRow(request=x.request, kit=x.kit, count=x.count, pickup=local(x.pickup, zone), due=local(x.due, zone),
                   returned_at=local(x.returned_at, zone) if x.returned_at else None, state=x.state)  # fmt: skip


def daemon_row(status: dict[str, Any], zone: str) -> DaemonRow:
    """The daemon's status file (UTC ISO strings) in the site's zone."""

    def at(value: object) -> datetime | None:
        return local(datetime.fromisoformat(value), zone) if isinstance(value, str) and value else None

    jobs = status.get("next_jobs") or {}
    return DaemonRow(
        leader=status.get("leader"), last_replan=at(status.get("last_replan")),
        last_replan_summary=str(status.get("last_replan_summary") or ""),
        database_down_since=at(status.get("database_down_since")),
        next_jobs={job: t for job, when in jobs.items() if (t := at(when)) is not None},
        errors=[str(e) for e in status.get("errors") or []], written_at=at(status.get("written_at")),
    )  # fmt: skip
