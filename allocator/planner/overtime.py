"""Overtime and holiday duty as people read them: who works outside working time in a plan, for which request and
how long; the closed days a plan spans; and the overtime an unserved request would need (docs/calendar.md).

The planner decides overtime through each operator option's minutes (`candidates.OperatorOption.overtime`); this
module reads a plan back in those terms for timelines, agendas and the alternatives an admin is offered.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from allocator.planner.calendar import duty_rehearsal, holiday_name, is_duty
from allocator.planner.candidates import CandidateBuilder, Candidates
from allocator.planner.domain import Assignment, OvertimePolicy, Problem, Request, SitePolicy
from allocator.planner.workflow import rehearsal_request

RELAXED_CAP_MIN = 4 * 60  # how far past a shift an alternative may look: what the site would have to allow


@dataclass(frozen=True)
class OvertimeUse:
    """An operator working outside working time on a served request: overtime, or duty on a closed day."""

    request: str
    operator: str
    start: datetime
    minutes: int
    duty: bool
    rehearsal: bool = False  # the event's mandatory rehearsal, as holiday duty (`calendar.duty_rehearsal`)


def _effective(req: Request, a: Assignment) -> Request:
    if a.start is not None and a.end is not None:
        return req.model_copy(update={"start": a.start, "end": a.end})
    return req


def overtime_uses(problem: Problem, assignments: Iterable[Assignment]) -> list[OvertimeUse]:
    """The overtime each served event's operators work, in start order (none without calendar or overtime)."""
    pol = problem.policy
    if pol.calendar is None and pol.overtime is None:
        return []
    builder = CandidateBuilder(problem)
    reqs = {r.ref: r for r in problem.requests}
    out: list[OvertimeUse] = []
    for a in assignments:
        req = reqs.get(a.request)
        if req is None or not (a.operators or a.rehearsal):
            continue
        timed = _effective(req, a)
        cand = builder.build(timed)
        for opt in cand.operators:
            op = problem.operators[opt.operator].id
            if op in a.operators and opt.overtime:
                cal = builder.calendars[opt.operator]
                day = (timed.start - timedelta(minutes=pol.operator_setup_min)).astimezone(cal.zone).date()
                duty = is_duty(pol, req) and (cal.closed(day) or not cal.windows(day))
                out.append(OvertimeUse(req.ref, op, timed.start, opt.overtime, duty))
        slot = a.rehearsal
        if slot is not None and duty_rehearsal(pol, req):
            task = builder.build(rehearsal_request(req, slot.start), extra_time="duty")
            out += [
                OvertimeUse(req.ref, problem.operators[opt.operator].id, slot.start, opt.overtime, True, True)
                for opt in task.operators
                if problem.operators[opt.operator].id in slot.operators and opt.overtime
            ]
    return sorted(out, key=lambda u: (u.start, u.request, u.operator))


def weekly_overtime_ties(cands: Sequence[Candidates]) -> list[tuple[int, int]]:
    """Positions an operator could work overtime at in one ISO week, tied so that one part weighs them against the
    week's cap (only with a weekly cap: otherwise no option counts toward one)."""
    first: dict[tuple[int, tuple[int, int]], int] = {}
    links: list[tuple[int, int]] = []
    for pos, c in enumerate(cands):
        for o in c.operators:
            if o.capped:
                year, week, _ = date.fromordinal(o.day).isocalendar()
                at = first.setdefault((o.operator, (year, week)), pos)
                if at != pos:
                    links.append((at, pos))
    return links


def closed_days(policy: SitePolicy, first: date, last: date, lang: str = "id") -> list[tuple[date, str]]:
    """The site's closed days from `first` to `last`, with what closes them (in `lang`)."""
    cal = policy.calendar
    if cal is None:
        return []
    out = []
    day = first
    while day <= last:
        name = holiday_name(cal, day, lang)
        if name is not None:
            out.append((day, name))
        day += timedelta(days=1)
    return out


def relaxed_problem(problem: Problem, req: Request) -> Problem:
    """The problem as it would be if the site let every operator work up to `RELAXED_CAP_MIN` of overtime on
    `req`'s tier: what an admin would have to approve for an overtime alternative."""
    pol = problem.policy
    now = pol.overtime or OvertimePolicy(before_shift_min=0, after_shift_min=0)
    relaxed = OvertimePolicy(
        operators=[o.id for o in problem.operators],
        tiers=sorted({*now.tiers, req.priority}),
        before_shift_min=max(now.before_shift_min, RELAXED_CAP_MIN),
        after_shift_min=max(now.after_shift_min, RELAXED_CAP_MIN),
    )
    return problem.model_copy(update={"policy": pol.model_copy(update={"overtime": relaxed})})


def overtime_needed(builder: CandidateBuilder, req: Request, operators: Sequence[str]) -> dict[str, int]:
    """Minutes of overtime each of `operators` would work on `req` under the rules `builder` holds."""
    cand = builder.build(req)
    problem = builder.problem
    return {
        problem.operators[o.operator].id: o.overtime
        for o in cand.operators
        if problem.operators[o.operator].id in operators
    }
