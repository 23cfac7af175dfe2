"""How intake shows up in the command line: the rows a file gives (what would be stored), and the admin's flags."""

from __future__ import annotations

from datetime import datetime

from rich.table import Table

from allocator.commands.fit import Col, fit_table
from allocator.intake import IntakeResult
from allocator.intake.leadtime import lead_working_days, received_day
from allocator.planner.domain import Request, SitePolicy, local, zone_abbrev

FLAG_WORDS = {
    "late_letter": ("late", "late letter"),
    "kit_requested": ("kit?", "equipment asked for, kind not named (choose the kit)"),
}


def flag_words(flags: list[str], *, short: bool = False) -> list[str]:
    return [FLAG_WORDS[f][0 if short else 1] if f in FLAG_WORDS else f for f in flags]


def late_detail(req: Request, policy: SitePolicy, now: datetime | None = None) -> list[str]:
    """The late-letter flag with its numbers: working days it came in before the event, and the site's rule."""
    if "late_letter" not in req.flags:
        return []
    received = received_day(req.submitted_at, req.letter_date, policy.timezone, now or req.start)
    days = lead_working_days(received, local(req.start, req.timezone).date())
    return [f"late letter: came in {days} working day(s) before the event "
            f"(received {received}; the site asks {policy.intake.min_lead_working_days})"]  # fmt: skip


def intake_table(result: IntakeResult, zone: str, width: int) -> Table:
    """What a file would store: each accepted row, whether it is new, changed or unchanged, shown in `zone`.
    Row, ref, change, start and end are never cut; the stated drop order is flags, service, seats, then unit."""
    cols = [Col("row", whole=True, justify="right"), Col("ref", whole=True), Col("change", whole=True),
            Col("when", whole=True), Col("end", whole=True), Col("unit", drop=4),
            Col("seats", drop=3, justify="right"), Col("service", drop=2), Col("flags", drop=1)]  # fmt: skip
    rows = []
    for a in result.rows:
        r = a.request
        start, end = local(r.start, zone), local(r.end, zone)
        written = "" if r.timezone == zone else f" ({local(r.start, r.timezone):%H:%M} {zone_abbrev(r.timezone)})"
        rows.append([str(a.row), r.ref, a.change, f"{start:%a %Y-%m-%d %H:%M}{written}", f"{end:%H:%M}", r.unit,
                     str(r.participants), r.service.value, ", ".join(flag_words(r.flags, short=True))])  # fmt: skip
    return fit_table(f"Rows → requests ({zone_abbrev(zone)})", cols, rows, width)
