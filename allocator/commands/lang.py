"""One language per run: `--lang id|en`, else `VICON_LANG`, else the site's (`policy.intake.language`).

The run's language is chosen once, before the command line is parsed (`choose_run_lang`), and held for the run
(`RUN_LANG`): help texts, errors, status lines and tables all read it, so no line of another language slips in.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

import typer

from allocator.planner.domain import ZONE_WORDS, SitePolicy, local, zone_abbrev, zone_info


class Lang(StrEnum):
    id = "id"
    en = "en"


LangOpt = Annotated[
    Lang | None, typer.Option("--lang", help="id (Bahasa Indonesia) or en; default: the site's language.")
]


LangCode = Literal["id", "en"]
RUN_LANG: ContextVar[LangCode | None] = ContextVar("vicon_run_lang", default=None)


def site_lang(value: Lang | str | None, policy: SitePolicy) -> LangCode:
    """The language asked for, else the run's, else the site's."""
    chosen = str(value.value if isinstance(value, Lang) else value) if value is not None else RUN_LANG.get()
    return "en" if (chosen or policy.intake.language) == "en" else "id"


def run_lang() -> LangCode:
    """The run's language (Bahasa Indonesia when nothing chose one)."""
    return RUN_LANG.get() or "id"


@contextmanager
def speaking(lang: LangCode) -> Iterator[None]:
    """Hold `lang` as the run's language for the block."""
    token = RUN_LANG.set(lang)
    try:
        yield
    finally:
        RUN_LANG.reset(token)


def lang_arg(args: Sequence[str]) -> tuple[str | None, list[str]]:
    """`--lang X` / `--lang=X` anywhere before `--` (the value, and the arguments without it): one option for
    every command, so `vicon import --lang en` works like `vicon --lang en import`."""
    rest: list[str] = []
    value: str | None = None
    items = list(args)
    i = 0
    while i < len(items):
        a = items[i]
        if a == "--":
            rest += items[i:]
            break
        if a == "--lang" and i + 1 < len(items):
            value, i = items[i + 1], i + 2
            continue
        if a.startswith("--lang="):
            value, i = a.split("=", 1)[1], i + 1
            continue
        rest.append(a)
        i += 1
    return value, rest


def _problem_arg(args: Sequence[str]) -> Path | None:
    for i, a in enumerate(args):
        if a in ("--problem", "-p", "--example") and i + 1 < len(args):
            return Path(args[i + 1])
        if a.startswith(("--problem=", "--example=")):
            return Path(a.split("=", 1)[1])
    return None


def _db_arg(args: Sequence[str], env: Mapping[str, str]) -> str | None:
    for i, a in enumerate(args):
        if a == "--db" and i + 1 < len(args):
            return args[i + 1]
        if a.startswith("--db="):
            return a.split("=", 1)[1]
    return env.get("VICON_DATABASE_URL") or None


def stored_site_lang(url: str | None) -> str | None:
    """The stored site's language, when a database is there to ask (a missing SQLite file is not created)."""
    from sqlalchemy.engine import make_url

    from allocator.store.db import DEFAULT_DB_PATH, normalise_url

    target = normalise_url(url) if url else f"sqlite:///{DEFAULT_DB_PATH}"
    try:
        parsed = make_url(target)
        if parsed.drivername.startswith("sqlite") and not (parsed.database and Path(parsed.database).is_file()):
            return None
        from allocator.store.repo import Store

        kw: dict[str, Any] = {} if parsed.drivername.startswith("sqlite") else {"connect_args": {"connect_timeout": 3}}
        store = Store.open(target, upgrade=False, **kw)
        try:
            return store.policy().intake.language
        finally:
            store.close()
    except Exception:  # an unreadable database says nothing about the language; the command will say more
        return None


def choose_run_lang(args: Sequence[str], env: Mapping[str, str] | None = None) -> tuple[LangCode, list[str]]:
    """The run's language and the arguments without `--lang`: `--lang`, else `VICON_LANG`, else the site's
    (the `--problem` file's policy, else the stored office's), else Bahasa Indonesia. An unknown `--lang` value is
    kept in the arguments for the option's own check."""
    env = os.environ if env is None else env
    value, rest = lang_arg(args)
    if value is not None and value not in ("id", "en"):
        return "id", list(args)
    chosen = value or env.get("VICON_LANG", "").strip().lower() or None
    if chosen not in ("id", "en"):
        chosen = None
        problem = _problem_arg(rest)
        if problem is not None:
            try:
                chosen = json.loads(problem.read_text(encoding="utf-8"))["policy"]["intake"]["language"]
            except (OSError, ValueError, KeyError, TypeError):
                chosen = None
        if chosen is None:
            chosen = stored_site_lang(_db_arg(rest, env))
    return ("en" if chosen == "en" else "id"), rest


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
        # a request version's change, a Zoom meeting's state in the store
        "created": "dibuat", "updated": "diubah",
        "pending_create": "menunggu dibuat", "active": "aktif", "deleted": "dihapus", "retired": "dihentikan",
    },
    "en": {"head_of_region": "head of region", "not planned": "not planned", "pending_create": "to be created"},
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
