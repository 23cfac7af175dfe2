"""How intake shows up in the command line: the rows a file gives (what would be stored), and the admin's flags."""

from __future__ import annotations

from datetime import datetime

from rich.console import RenderableType

from allocator.commands.fit import Col, fit_table
from allocator.commands.lang import DAYS, run_lang
from allocator.intake import IntakeResult
from allocator.intake.leadtime import lead_working_days, received_day
from allocator.planner.domain import Request, SitePolicy, local, zone_abbrev

FLAG_WORDS = {
    "id": {
        "late_letter": ("telat", "surat terlambat"),
        "kit_requested": ("kit?", "peralatan diminta, jenisnya tidak disebut (pilih kitnya)"),
    },
    "en": {
        "late_letter": ("late", "late letter"),
        "kit_requested": ("kit?", "equipment asked for, kind not named (choose the kit)"),
    },
}
LATE = {
    "id": "surat terlambat: masuk {days} hari kerja sebelum acara (diterima {received}; kantor meminta {asks})",
    "en": "late letter: came in {days} working day(s) before the event (received {received}; the site asks {asks})",
}
CHANGE = {"id": {"new": "baru", "changed": "berubah", "unchanged": "tetap"}, "en": {}}
HEADERS = {
    "id": ("baris", "nomor", "perubahan", "waktu", "unit", "peserta", "layanan", "tanda"),
    "en": ("row", "ref", "change", "when", "unit", "seats", "service", "flags"),
}
TITLE = {"id": "Baris → permohonan ({zone})", "en": "Rows → requests ({zone})"}


def flag_words(flags: list[str], *, short: bool = False, lang: str | None = None) -> list[str]:
    words = FLAG_WORDS[lang or run_lang()]
    return [words[f][0 if short else 1] if f in words else f for f in flags]


def late_detail(req: Request, policy: SitePolicy, now: datetime | None = None, lang: str | None = None) -> list[str]:
    """The late-letter flag with its numbers: working days it came in before the event, and the site's rule."""
    if "late_letter" not in req.flags:
        return []
    received = received_day(req.submitted_at, req.letter_date, policy.timezone, now or req.start)
    days = lead_working_days(received, local(req.start, req.timezone).date())
    return [LATE[lang or run_lang()].format(days=days, received=received, asks=policy.intake.min_lead_working_days)]


def intake_table(result: IntakeResult, zone: str, width: int) -> RenderableType:
    """What a file would store: each accepted row, whether it is new, changed or unchanged, shown in `zone`.
    Row, ref and the time are never cut; the stated drop order is flags, service, seats, unit, then change."""
    lang = run_lang()
    h = HEADERS[lang]
    cols = [Col(h[0], whole=True, justify="right"), Col(h[1], whole=True), Col(h[2], whole=True, drop=5),
            Col(h[3], whole=True), Col(h[4], drop=4), Col(h[5], drop=3, justify="right"), Col(h[6], drop=2),
            Col(h[7], drop=1)]  # fmt: skip
    rows = []
    for a in result.rows:
        r = a.request
        start, end = local(r.start, zone), local(r.end, zone)
        written = "" if r.timezone == zone else f" ({local(r.start, r.timezone):%H:%M} {zone_abbrev(r.timezone)})"
        day = DAYS[lang][start.weekday()]
        span = f"{day} {start:%Y-%m-%d %H:%M}–{end:%H:%M}{written}"
        rows.append([str(a.row), r.ref, CHANGE[lang].get(a.change, a.change), span, r.unit,
                     str(r.participants), r.service.value, ", ".join(flag_words(r.flags, short=True))])  # fmt: skip
    return fit_table(TITLE[lang].format(zone=zone_abbrev(zone)), cols, rows, width)
