"""Dates and times as people in the office write them, in the reader's own zone.

Bahasa Indonesia: "Selasa, 5 Januari 2027 pukul 09.00–11.00 WITA"; English: "Tuesday, 5 January 2027,
09:00–11:00 WITA". No locale is needed (the names are here), so the output never depends on the machine.
"""

from __future__ import annotations

from datetime import datetime

from allocator.planner.domain import local, zone_abbrev

DAYS = {
    "id": ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
MONTHS = {
    "id": (
        "Januari",
        "Februari",
        "Maret",
        "April",
        "Mei",
        "Juni",
        "Juli",
        "Agustus",
        "September",
        "Oktober",
        "November",
        "Desember",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}


def _lang(lang: str) -> str:
    return "id" if lang == "id" else "en"


def date_text(dt: datetime, zone: str, lang: str = "id") -> str:
    """'Selasa, 5 Januari 2027' / 'Tuesday, 5 January 2027' (the local date in `zone`)."""
    lg = _lang(lang)
    d = local(dt, zone)
    return f"{DAYS[lg][d.weekday()]}, {d.day} {MONTHS[lg][d.month - 1]} {d.year}"


def clock_text(dt: datetime, zone: str, lang: str = "id") -> str:
    """'09.00' (Indonesian style) / '09:00'."""
    d = local(dt, zone)
    return f"{d:%H.%M}" if _lang(lang) == "id" else f"{d:%H:%M}"


def when_text(dt: datetime, zone: str, lang: str = "id") -> str:
    """'Selasa, 5 Januari 2027 pukul 09.00 WITA' / 'Tuesday, 5 January 2027, 09:00 WITA'."""
    sep = " pukul " if _lang(lang) == "id" else ", "
    return f"{date_text(dt, zone, lang)}{sep}{clock_text(dt, zone, lang)} {zone_abbrev(zone)}"


def span_text(start: datetime, end: datetime, zone: str, lang: str = "id") -> str:
    """'Selasa, 5 Januari 2027 pukul 09.00–11.00 WITA'; a span over midnight names both days."""
    s, e = local(start, zone), local(end, zone)
    if s.date() != e.date():
        sep = " pukul " if _lang(lang) == "id" else ", "
        return (
            f"{date_text(start, zone, lang)}{sep}{clock_text(start, zone, lang)} – "
            f"{date_text(end, zone, lang)}{sep}{clock_text(end, zone, lang)} {zone_abbrev(zone)}"
        )
    sep = " pukul " if _lang(lang) == "id" else ", "
    hours = f"{clock_text(start, zone, lang)}–{clock_text(end, zone, lang)}"
    return f"{date_text(start, zone, lang)}{sep}{hours} {zone_abbrev(zone)}"


def clock_span(start: datetime, end: datetime, zone: str, lang: str = "id") -> str:
    """'09.00–11.00 WITA' (for a day's agenda)."""
    return f"{clock_text(start, zone, lang)}–{clock_text(end, zone, lang)} {zone_abbrev(zone)}"


def moved_text(
    start: datetime, end: datetime, requested_start: datetime, requested_end: datetime, zone: str, lang: str = "id"
) -> str:
    """'dijadwalkan pukul 10.00–12.00 WITA (diminta pukul 09.00–11.00 WITA)' / 'scheduled at 10:00–12:00 WITA
    (requested 09:00–11:00 WITA)'; the dates are named when the planned and requested days differ."""
    if local(start, zone).date() == local(requested_start, zone).date():
        planned, asked = clock_span(start, end, zone, lang), clock_span(requested_start, requested_end, zone, lang)
        if _lang(lang) == "id":
            return f"dijadwalkan pukul {planned} (diminta pukul {asked})"
        return f"scheduled at {planned} (requested {asked})"
    planned, asked = span_text(start, end, zone, lang), span_text(requested_start, requested_end, zone, lang)
    if _lang(lang) == "id":
        return f"dijadwalkan {planned} (diminta {asked})"
    return f"scheduled for {planned} (requested {asked})"
