"""Working time on the admin's calendar page (docs/calendar.md): the closed days of the period shown and the
overtime and holiday duty the published plan decided in it."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from allocator.planner.domain import Problem
from allocator.planner.overtime import closed_days, overtime_uses
from allocator.store.repo import Store
from allocator.web.i18n import DAYS
from allocator.web.views import PlanIndex

_WORDS = {
    "id": {
        "closed": "Libur (kantor tutup)",
        "overtime": "Lembur",
        "duty": "piket hari libur",
        "min": "menit",
        "rehearsal": "gladi",
    },
    "en": {
        "closed": "Holiday (office closed)",
        "overtime": "Overtime",
        "duty": "holiday duty",
        "min": "min",
        "rehearsal": "rehearsal",
    },
}


def working_time_lines(store: Store, idx: PlanIndex, days: list[date], lang: str) -> list[str]:
    """One line per closed day of `days`, then one per operator working overtime or duty on a served request
    starting in them."""
    w = _WORDS.get(lang, _WORDS["id"])
    policy = idx.policy
    out = [
        f"{w['closed']}: {DAYS[lang][d.weekday()]} {d.isoformat()} — {name}"
        for d, name in closed_days(policy, days[0], days[-1], lang)
    ]
    if idx.plan is None or (policy.calendar is None and policy.overtime is None):
        return out
    requests = [r for a in idx.assigned.values() if (r := store.get_request(a.request)) is not None]
    zone = policy.timezone
    shown = [r for r in requests if days[0] <= r.start.astimezone(ZoneInfo(zone)).date() <= days[-1]]
    refs = {r.ref for r in shown}
    # Built from stored, already validated records, not checked across them again: a page must not fail on a
    # travel entry naming a venue since removed.
    problem = Problem.model_construct(
        now=store.now(), policy=policy, operators=store.operators(include_inactive=True), venues=store.venues(),
        travel=store.travel(), kit_types=store.kit_types(), requests=shown,
    )  # fmt: skip
    for u in overtime_uses(problem, [a for a in idx.assigned.values() if a.request in refs]):
        kind = w["duty"] if u.duty else w["overtime"].lower()
        ref = f"{u.request} ({w['rehearsal']})" if u.rehearsal else u.request
        out.append(f"{w['overtime']}: {u.operator} — {ref}, {u.minutes} {w['min']} ({kind})")
    return out
