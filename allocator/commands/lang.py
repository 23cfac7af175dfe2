"""One language per run: `--lang id|en`, by default the site's (`policy.intake.language`)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

import typer

from allocator.planner.domain import ZONE_WORDS, SitePolicy, local, zone_abbrev, zone_info


class Lang(StrEnum):
    id = "id"
    en = "en"


LangOpt = Annotated[
    Lang | None, typer.Option("--lang", help="id (Bahasa Indonesia) or en; default: the site's language.")
]


def site_lang(value: Lang | None, policy: SitePolicy) -> Literal["id", "en"]:
    """The language asked for, else the site's."""
    return "en" if (value.value if value is not None else policy.intake.language) == "en" else "id"


DAYS = {
    "id": ("Sen", "Sel", "Rab", "Kam", "Jum", "Sab", "Min"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}


def stamp(dt: datetime, zone: str, lang: str) -> str:
    """An instant as the site reads it: 'Sen 2027-01-04 08:30 WITA'."""
    t = local(dt, zone)
    return f"{DAYS[lang][t.weekday()]} {t:%Y-%m-%d %H:%M} {zone_abbrev(zone)}"


WORDS: dict[str, dict[str, str]] = {
    "id": {
        # priority tiers (a site's own tier shows as it is named)
        "head_of_region": "kepala daerah", "high": "tinggi", "normal": "biasa", "low": "rendah",
        # request states and their place in the published plan
        "new": "baru", "approved": "disetujui", "rejected": "ditolak", "cancelled": "dibatalkan",
        "served": "terlayani", "unserved": "tidak terlayani", "not planned": "belum direncanakan",
    },
    "en": {"head_of_region": "head of region", "not planned": "not planned"},
}  # fmt: skip


def word(value: str, lang: str) -> str:
    """A tier or state name as people of `lang` say it (an unknown name as it is)."""
    return WORDS[lang].get(value, value)


def zone_suffix(text: str) -> tuple[str, ZoneInfo | None]:
    """'2027-01-05T09:00 WITA' → ('2027-01-05T09:00', Asia/Makassar): a zone word (WIB/WITA/WIT) or IANA name
    after a space names the zone of a typed time; without one, (text, None)."""
    head, _, last = text.strip().rpartition(" ")
    if not head or (last.upper() not in ZONE_WORDS and "/" not in last):
        return text.strip(), None
    try:
        return head.strip(), zone_info(last)
    except ValueError:
        return text.strip(), None
