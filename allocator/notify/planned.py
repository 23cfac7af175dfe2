"""The plan as people are told it: a request at its effective (planned) time, its rehearsal, the survey of its
venue and the kits it borrows. Pure: domain objects in, notifier data out. Used by the notifier, the web pages
and the CLI timeline, so all three say the same thing.

"Effective time" (docs/workflow.md): `Assignment.start`/`end` when the plan chose a time (flexible requests),
otherwise the request's own `start`/`end`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from allocator.notify.model import EventInfo, JoinDetails, KitLoan, Reason, Slot
from allocator.planner.calendar import kits_needed_at, pickup_time, return_time
from allocator.planner.domain import Assignment, MissedRehearsal, Request, SitePolicy, TaskSlot

#: The hook for an online rehearsal's participant link: request ref -> join details (None while unknown).
RehearsalJoin = Callable[[str], JoinDetails | None]


def planned_times(req: Request, a: Assignment | None) -> tuple[datetime, datetime]:
    """The effective start and end: the time the plan chose, else the time requested."""
    if a is not None and a.start is not None and a.end is not None:
        return a.start, a.end
    return req.start, req.end


def moved(req: Request, a: Assignment | None) -> bool:
    """True when the plan put the request at another time than the one asked for."""
    return planned_times(req, a) != (req.start, req.end)


def kit_loans(
    req: Request,
    start: datetime,
    end: datetime,
    policy: SitePolicy,
    kit_names: Mapping[str, str] | None = None,
    *,
    rehearsal: datetime | None = None,
) -> tuple[KitLoan, ...]:
    """The request's kits: picked up `kit_pickup_min` before the effective start (before the planned rehearsal's
    start `rehearsal` when the rehearsal uses them), back `kit_return_min` after the effective end."""
    names = kit_names or {}
    needed = kits_needed_at(req, start, rehearsal)
    pickup = pickup_time(policy, needed, policy.kit_pickup_min)  # in office hours with a calendar
    due = return_time(policy, end, policy.kit_return_min)
    return tuple(
        KitLoan(kit=k.kit, name=names.get(k.kit) or k.kit, count=k.count, pickup=pickup, due=due) for k in req.kits
    )


def rehearsal_start(a: Assignment | None) -> datetime | None:
    """The planned rehearsal's start (kits a rehearsal uses are picked up before it), None without one."""
    return a.rehearsal.start if a is not None and a.rehearsal is not None else None


def _name(names: Mapping[str, str] | None, key: str | None) -> str | None:
    if key is None:
        return None
    return (names or {}).get(key) or key


def rehearsal_slot(t: TaskSlot, venue_names: Mapping[str, str] | None = None, join: JoinDetails | None = None) -> Slot:
    """A planned rehearsal as people read it: on site at a venue, or online (with its join link once known)."""
    online = t.venue is None
    return Slot(
        start=t.start,
        end=t.end,
        venue=_name(venue_names, t.venue),
        online=online,
        join_url=join.join_url if online and join is not None else None,
        passcode=join.passcode if online and join is not None else None,
    )


def survey_slot(
    t: TaskSlot, venue_names: Mapping[str, str] | None = None, operator_names: Mapping[str, str] | None = None
) -> Slot:
    """A planned venue survey: where, when and who goes."""
    people = tuple(_name(operator_names, o) or o for o in t.operators)
    return Slot(start=t.start, end=t.end, venue=_name(venue_names, t.venue), people=people)


def event_info(
    req: Request,
    a: Assignment | None,
    policy: SitePolicy,
    *,
    venue_names: Mapping[str, str] | None = None,
    kit_names: Mapping[str, str] | None = None,
    operator_names: Mapping[str, str] | None = None,
    missed: MissedRehearsal | None = None,
    rehearsal_join: JoinDetails | None = None,
) -> EventInfo:
    """What the PIC and the operators are told about a request under assignment `a` (None: not served, the
    requested time)."""
    start, end = planned_times(req, a)
    was_moved = (start, end) != (req.start, req.end)
    return EventInfo(
        ref=req.ref,
        title=req.title,
        unit=req.unit,
        timezone=req.timezone,
        start=start,
        end=end,
        venue=_name(venue_names, req.venue),
        participants=req.participants,
        needs_host=req.needs_host,
        rehearsal=rehearsal_slot(a.rehearsal, venue_names, rehearsal_join) if a and a.rehearsal else None,
        requested_start=req.start if was_moved else None,
        requested_end=req.end if was_moved else None,
        rehearsal_missed=Reason(en=missed.reason, id=missed.reason_id) if missed is not None and a else None,
        survey=survey_slot(a.survey, venue_names, operator_names) if a and a.survey else None,
        kits=kit_loans(req, start, end, policy, kit_names, rehearsal=rehearsal_start(a)) if a is not None else (),
        self_operated=a is not None and a.self_operated,
    )
