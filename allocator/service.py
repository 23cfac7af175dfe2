"""The office's actions on the stored state, shared by the CLI, the daemon and the HTTP API.

Re-planning reads the problem from the store (with the published plan's records, so unchanged parts are
not solved again, and the requests whose PIC already has the link, which stability protects), solves,
describes the difference from the published plan in words, and publishes it with its Zoom actions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

import sqlalchemy as sa

from allocator.notify.messages import PIC_CHANGED, PIC_SCHEDULED
from allocator.plan_words import offer_words, warning_text
from allocator.planner.candidates import CandidateCache
from allocator.planner.domain import Assignment, Plan, Problem
from allocator.planner.solver import SolveOptions, solve
from allocator.store.models import NotificationRow
from allocator.store.repo import PublishedPlan, PublishResult, Store

NOTIFIED_KINDS = (PIC_SCHEDULED, PIC_CHANGED)


@dataclass(frozen=True)
class Change:
    """One request whose outcome differs between the published plan and the new one."""

    request: str
    kind: Literal["gained", "lost", "moved", "not_served"]  # not_served: a newcomer this plan cannot serve
    before: Assignment | None
    after: Assignment | None
    reason: str

    def line(self) -> str:
        def show(a: Assignment | None) -> str:
            if a is None:
                return "-"
            return f"{a.host or 'no host'}" + (f" + {', '.join(a.operators)}" if a.operators else "")

        arrow = {"gained": "+", "lost": "-", "moved": "~", "not_served": "!"}[self.kind]
        return f"{arrow} {self.request}: {show(self.before)} → {show(self.after)}" + (
            f" ({self.reason})" if self.reason else ""
        )


@dataclass
class ReplanOutcome:
    problem: Problem
    plan: Plan
    changes: list[Change]
    published: PublishResult | None = None
    notes: list[str] = field(default_factory=list)  # in English, for logs and the API: `notes_in` words them

    def notes_in(self, lang: str) -> list[str]:
        """The plan's warnings and pre-emption offers in `lang` ('id' or 'en')."""
        return [*(warning_text(w, lang) for w in self.plan.warnings),
                *(offer_words(o, lang) for o in self.plan.preemption_offers)]  # fmt: skip


def _same(a: Assignment, b: Assignment) -> bool:
    """Same host, operators and (for a flexible request) time: what the PIC and operators were told."""
    return a.host == b.host and sorted(a.operators) == sorted(b.operators) and (a.start, a.end) == (b.start, b.end)


def plan_changes(problem: Problem, before: list[Assignment], after: Plan) -> list[Change]:
    """Gains, losses and moves between two plans for the problem's requests, each with its reason."""
    old = {a.request: a for a in before}
    new = {a.request: a for a in after.assignments}
    reqs = {r.ref: r for r in problem.requests}
    unserved = {u.request: u for u in after.unserved}
    newcomers = [ref for ref in new if ref not in old and ref in reqs]
    out: list[Change] = []
    for ref in sorted(set(old) | set(new)):
        if ref not in reqs:
            continue
        a, b = old.get(ref), new.get(ref)
        if a is not None and b is not None and _same(a, b):
            continue
        if a is None:
            out.append(Change(ref, "gained", None, b, f"priority {reqs[ref].priority}"))
            continue
        if b is None:
            u = unserved.get(ref)
            why = u.reason if u else f"request is {reqs[ref].status.value}"
            if u and u.alternatives:
                why += f"; offered instead: {u.alternatives[0].text}"
            out.append(Change(ref, "lost", a, None, why))
            continue
        taker = [
            n
            for n in newcomers
            if (new[n].host == a.host and a.host is not None and a.host != b.host)
            or (set(new[n].operators) & (set(a.operators) - set(b.operators)))
        ]
        overlapping = [n for n in taker if reqs[n].start < reqs[ref].end and reqs[ref].start < reqs[n].end]
        why = (
            "its resources now serve " + ", ".join(f"{n} ({reqs[n].priority})" for n in overlapping)
            if overlapping
            else "re-planned around other changes"
        )
        out.append(Change(ref, "moved", a, b, why))
    return out + _newcomers_unserved(problem, old, after)


def _newcomers_unserved(problem: Problem, old: dict[str, Assignment], after: Plan) -> list[Change]:
    """Requests neither published nor explained by the published plan that this plan cannot serve: a re-plan that
    leaves a new request out says so, with why, instead of reporting no change."""
    reqs = {r.ref: r for r in problem.requests}
    known = set(old) | {u.request for u in problem.previous_unserved}
    out = []
    for u in after.unserved:
        if u.request in known or u.request not in reqs:
            continue
        why = u.reason + (f"; offered instead: {u.alternatives[0].text}" if u.alternatives else "")
        out.append(Change(u.request, "not_served", None, None, why))
    return out


def notified_requests(store: Store) -> list[str]:
    """Requests whose PIC has been sent the link (stability keeps them unless a higher tier needs them)."""
    with store.transaction() as s:
        rows = s.scalars(
            sa.select(NotificationRow.request)
            .where(NotificationRow.state == "sent", NotificationRow.kind.in_(NOTIFIED_KINDS))
            .distinct()
        )
        return sorted(r for r in rows if r)


def current_problem(
    store: Store, now: datetime | None = None, horizon_days: int | None = None, published: PublishedPlan | None = None
) -> Problem:
    now = now or store.now()
    until = now + timedelta(days=horizon_days) if horizon_days else None
    problem = store.load_problem(now, until=until)
    published = published or store.published_plan()
    refs = {r.ref for r in problem.requests}
    return problem.model_copy(
        update={
            "previous_records": published.plan.records if published else [],
            "previous_unserved": published.plan.unserved if published else [],
            "notified": [r for r in notified_requests(store) if r in refs],
        }
    )


def replan(
    store: Store,
    *,
    actor: str,
    now: datetime | None = None,
    dry_run: bool = False,
    options: SolveOptions | None = None,
    horizon_days: int | None = None,
    confirm: list[str] | None = None,
    cache: CandidateCache | None = None,
) -> ReplanOutcome:
    """Plan the stored requests again; publish (queueing Zoom actions) unless `dry_run`.

    `confirm`: requests an admin allows to displace lower tiers inside the freeze horizon (this re-plan only).
    """
    published = store.published_plan()
    problem = current_problem(store, now, horizon_days, published)
    if confirm:
        problem = Problem.model_validate({**problem.model_dump(), "confirmed_preemptions": confirm})
    plan = solve(problem, options, cache=cache)
    changes = plan_changes(problem, published.plan.assignments if published else [], plan)
    outcome = ReplanOutcome(problem, plan, changes, notes=[])
    outcome.notes = outcome.notes_in("en")
    outcome.published = store.publish_plan(
        plan, actor=actor, scope=[r.ref for r in problem.requests], now=problem.now, dry_run=dry_run
    )
    return outcome
