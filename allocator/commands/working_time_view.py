"""Working time in a printed plan (docs/calendar.md): the closed days the plan spans and who works overtime or
holiday duty on what, so an admin sees every overtime decision the planner made."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from rich.console import Console

from allocator.commands.fit import Col, fit_table
from allocator.planner.domain import Plan, Problem, Request, local
from allocator.planner.overtime import closed_days, overtime_uses

WEEKDAYS = {
    "id": ["Sen", "Sel", "Rab", "Kam", "Jum", "Sab", "Min"],
    "en": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
}
_TEXT: dict[str, dict[str, str]] = {
    "id": {
        "closed": "Hari libur / kantor tutup",
        "overtime": "Lembur dan piket hari libur (keputusan perencana)",
        "cols": "operator|tanggal|permohonan|menit|jenis",
        "duty": "piket hari libur",
        "extra": "lembur",
        "rehearsal": "gladi",
    },
    "en": {
        "closed": "Holidays / office closed",
        "overtime": "Overtime and holiday duty (the planner's decisions)",
        "cols": "operator|date|request|minutes|kind",
        "duty": "holiday duty",
        "extra": "overtime",
        "rehearsal": "rehearsal",
    },
}


def print_working_time(
    problem: Problem,
    plan: Plan,
    console: Console,
    lang: str = "id",
    *,
    day: date | None = None,
    keep: Callable[[Request, datetime, str], bool] | None = None,
) -> None:
    """The closed days from the first to the last request of the problem (`day`: that day only), then every
    overtime use of the plan that `keep(request, start, operator)` keeps (all without it)."""
    t = _TEXT.get(lang, _TEXT["id"])
    days = WEEKDAYS.get(lang, WEEKDAYS["id"])
    zone = problem.policy.timezone
    if problem.policy.calendar is not None and problem.requests:
        first = min(local(r.start, zone).date() for r in problem.requests)
        last = max(local(r.end, zone).date() for r in problem.requests)
        closed = closed_days(problem.policy, day or first - timedelta(days=1), day or last, lang)
        if closed:
            listed = "; ".join(f"{days[d.weekday()]} {d:%Y-%m-%d} {name}" for d, name in closed)
            console.print(f"{t['closed']}: {listed}", highlight=False)
    reqs = {r.ref: r for r in problem.requests}
    uses = [
        u
        for u in overtime_uses(problem, plan.assignments)
        if keep is None or (u.request in reqs and keep(reqs[u.request], u.start, u.operator))
    ]
    if not uses:
        return
    rows = []
    for u in uses:
        s = local(u.start, zone)
        ref = f"{u.request} ({t['rehearsal']})" if u.rehearsal else u.request
        rows.append([u.operator, f"{days[s.weekday()]} {s:%Y-%m-%d}", ref, str(u.minutes),
                     t["duty"] if u.duty else t["extra"]])  # fmt: skip
    cols = [Col(h, whole=True) for h in t["cols"].split("|")]
    console.print(fit_table(t["overtime"], cols, rows, console.width))
