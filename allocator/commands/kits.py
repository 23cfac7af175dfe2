"""`vicon kits`: equipment kit stock and loans, returns, overdue kits; in the site's language by default
(`--lang id|en`), `--json` for scripts.

    vicon kits [--from D] [--to D]      per kit type: stock, overdue, minimum free over the range; the loans in it
    vicon kits return REQ [--kit K]     record that the request's kits (or one kit type) are back
    vicon kits overdue                  loans past their return time: request, unit, PIC, kit, due

Dates are local to the site (`policy.timezone`): `2027-01-05` (a whole day; as `--to`, up to the end of that
day) or `2027-01-05T09:00`; an explicit offset is honoured. Default range: today 00:00 to 7 days later.
Bad input exits 2 naming the option or field.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from allocator.commands.lang import LangOpt, site_lang, zone_suffix
from allocator.commands.messages import say
from allocator.commands.report_rows import loan_row
from allocator.commands.reports import KitRow, KitsOverdueReport, KitsReport
from allocator.commands.store import ActorOpt, DbOpt, _fail, _open
from allocator.planner.domain import local, zone_abbrev
from allocator.store.repo import KitLoan, KitLoanState, Store

NowOpt = Annotated[
    str | None, typer.Option("--now", help="As of this instant (ISO 8601; local to the site without an offset).")
]

TEXT: dict[str, dict[str, str]] = {
    "id": {
        "title": "Kit peralatan {start} – {end} {zone}",
        "kit": "jenis kit",
        "stock": "stok",
        "overdue": "terlambat",
        "min_free": "sisa min.",
        "loans": "Peminjaman dalam rentang:",
        "no_loans": "Tidak ada peminjaman dalam rentang ini.",
        "no_types": "Belum ada jenis kit (impor masalah dengan kit_types).",
        "pickup": "ambil",
        "back": "kembali",
        "planned": "dijadwalkan",
        "out": "dipinjam",
        "late": "terlambat",
        "returned": "dikembalikan",
        "overdue_title": "Kit terlambat dikembalikan (per {now} {zone}):",
        "no_overdue": "Tidak ada kit yang terlambat dikembalikan.",
        "due": "seharusnya kembali",
        "ago": "terlambat {h} jam {m} menit",
        "returned_line": "{ref}: {kit} ×{count} dicatat kembali {at} {zone}",
        "returned_late": " (terlambat {h} jam {m} menit)",
        "already": "{ref}: kit sudah dicatat kembali sebelumnya",
        "unknown_kit": "tidak dikenal",
    },
    "en": {
        "title": "Equipment kits {start} – {end} {zone}",
        "kit": "kit type",
        "stock": "stock",
        "overdue": "overdue",
        "min_free": "min. free",
        "loans": "Loans in the range:",
        "no_loans": "No loans in this range.",
        "no_types": "No kit types yet (import a problem with kit_types).",
        "pickup": "pickup",
        "back": "back",
        "planned": "planned",
        "out": "out",
        "late": "overdue",
        "returned": "returned",
        "overdue_title": "Kits overdue (as of {now} {zone}):",
        "no_overdue": "No overdue kits.",
        "due": "due",
        "ago": "{h} h {m} min late",
        "returned_line": "{ref}: {kit} ×{count} recorded as back at {at} {zone}",
        "returned_late": " ({h} h {m} min late)",
        "already": "{ref}: the kits had already been recorded as back",
        "unknown_kit": "unknown",
    },
}
OVERDUE: tuple[KitLoanState, ...] = ("overdue",)
_STATE_KEY = {"planned": "planned", "out": "out", "overdue": "late", "returned": "returned"}

kits_app = typer.Typer(
    help="Equipment kits: stock and loans (default), `return`, `overdue`; in the site's language unless --lang.",
    no_args_is_help=False,
)


JsonOpt = Annotated[bool, typer.Option("--json", help="As JSON (`vicon schema kits` / `kits-overdue`).")]


def parse_local(value: str, zone: ZoneInfo, option: str, *, end_of_day: bool = False) -> datetime:
    """A site-local date (`2027-01-05`: its 00:00, or with `end_of_day` the next 00:00) or date-time (naive:
    local to the site; with an offset: as given), as aware UTC; a zone word after it (`2027-01-05T09:00 WIB`) says
    whose local time. Bad input exits 2 naming `option`."""
    text, named = zone_suffix(value)
    zone = named or zone
    try:
        if len(text) == 10 and "T" not in text and " " not in text:
            day = date.fromisoformat(text)
            if end_of_day:
                day += timedelta(days=1)
            return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise _fail(say("kit_bad_time", option=option, value=value), 2) from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=zone)
    return dt.astimezone(UTC)


def _now(store: Store, value: str | None, zone: ZoneInfo) -> datetime:
    return parse_local(value, zone, "--now") if value is not None else store.now()


def _fmt(dt: datetime, zone: ZoneInfo) -> str:
    return f"{dt.astimezone(zone):%Y-%m-%d %H:%M}"


def _late(t: dict[str, str], key: str, due: datetime, now: datetime) -> str:
    minutes = max(0, int((now - due).total_seconds() // 60))
    return t[key].format(h=minutes // 60, m=minutes % 60)


def max_held(loans: list[KitLoan], start: datetime, end: datetime) -> int:
    """The most kits the loans hold at any instant of [start, end) (holdings only rise at pickups)."""
    points = {start} | {loan.pickup for loan in loans if start <= loan.pickup < end}
    return max((sum(loan.count for loan in loans if loan.holds_at(p)) for p in points), default=0)


@kits_app.callback(invoke_without_command=True)
def kits_overview(
    ctx: typer.Context,
    from_: Annotated[str | None, typer.Option("--from", help="Local date or date-time (default: today 00:00).")] = None,
    to: Annotated[
        str | None, typer.Option("--to", help="Local date (to the end of that day) or date-time (default: +7 days).")
    ] = None,
    lang: LangOpt = None,
    now: NowOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Per kit type: stock, how many are overdue, and the fewest free over the range; then the loans in it."""
    if ctx.invoked_subcommand is not None:
        return
    store = _open(db)
    try:
        t = TEXT[site_lang(lang, store.policy())]
        site = store.policy().timezone
        zone = ZoneInfo(site)
        at = _now(store, now, zone)
        start = (
            parse_local(from_, zone, "--from")
            if from_ is not None
            else datetime.combine(at.astimezone(zone).date(), time(0), tzinfo=zone).astimezone(UTC)
        )
        end = parse_local(to, zone, "--to", end_of_day=True) if to is not None else start + timedelta(days=7)
        if end <= start:
            raise _fail(say("kit_to_before", start=_fmt(start, zone), zone=zone_abbrev(site)), 2)
        types = store.kit_types()
        loans = store.kit_loans(at, between=(start, end))
        overdue = store.kit_loans(at, states=OVERDUE)
    finally:
        store.close()
    names = {k.id: k.name or k.id for k in types}
    stock = {k.id: k.stock for k in types}
    ids = [k.id for k in types] + sorted({x.kit for x in loans + overdue} - set(stock))
    rows = [
        KitRow(kit=kit, name=names.get(kit, t["unknown_kit"]), stock=stock.get(kit, 0),
               overdue=sum(x.count for x in overdue if x.kit == kit),
               min_free=stock.get(kit, 0) - max_held([x for x in loans if x.kit == kit], start, end))
        for kit in ids
    ]  # fmt: skip
    if as_json:
        KitsReport(zone=site, zone_abbrev=zone_abbrev(site), start=local(start, site), end=local(end, site), kits=rows,
                   loans=[loan_row(x, site) for x in loans]).emit()  # fmt: skip
        return
    typer.echo(t["title"].format(start=_fmt(start, zone), end=_fmt(end, zone), zone=zone_abbrev(site)))
    if not ids:
        typer.echo(t["no_types"])
        return
    width = max(len(t["kit"]), *(len(f"{i} ({names.get(i, t['unknown_kit'])})") for i in ids))
    typer.echo(f"{t['kit']:<{width}}  {t['stock']:>5}  {t['overdue']:>9}  {t['min_free']:>9}")
    for row in rows:
        label = f"{row.kit} ({row.name})"
        typer.echo(f"{label:<{width}}  {row.stock:>5}  {row.overdue:>9}  {row.min_free:>9}")
    typer.echo("")
    if not loans:
        typer.echo(t["no_loans"])
        return
    typer.echo(t["loans"])
    for x in loans:
        back = x.returned_at or x.due
        typer.echo(
            f"  {x.request}  {x.kit} ×{x.count}  {t['pickup']} {_fmt(x.pickup, zone)} – {t['back']} "
            f"{_fmt(back, zone)} {zone_abbrev(site)}  [{t[_STATE_KEY[x.state]]}]"
        )


@kits_app.command("return")
def kits_return(
    ref: Annotated[str, typer.Argument(help="The request whose kits are back.")],  # or an occurrence: REF:k
    kit: Annotated[
        str | None, typer.Option("--kit", help="Only this kit type (default: all the request's kits).")
    ] = None,
    lang: LangOpt = None,
    now: NowOpt = None,
    db: DbOpt = None,
    actor: ActorOpt = "cli",
) -> None:
    """Record that a request's borrowed kits are back in stock."""
    store = _open(db)
    try:
        t = TEXT[site_lang(lang, store.policy())]
        site = store.policy().timezone
        zone = ZoneInfo(site)
        at = _now(store, now, zone)
        if store.get_occurrence(ref) is None:  # a request, or an occurrence of a series (REF:k) lending its kits
            raise _fail(say("request_unknown", ref=ref), 2)
        if kit is not None and kit not in {k.id for k in store.kit_types()} and not store.kit_loans(at, kit=kit):
            raise _fail(say("kit_unknown", kit=kit), 2)
        try:
            closed = store.record_kit_return(ref, kit=kit, actor=actor, at=at)
        except (KeyError, ValueError) as exc:
            option = "--kit" if kit is not None else "request"
            raise _fail(f"{option}: {exc.args[0] if exc.args else exc}", 2) from None
    finally:
        store.close()
    if not closed:
        typer.echo(t["already"].format(ref=ref))
        return
    for x in closed:
        line = t["returned_line"].format(ref=ref, kit=x.kit, count=x.count, at=_fmt(at, zone), zone=zone_abbrev(site))
        if x.due <= at:
            line += _late(t, "returned_late", x.due, at)
        typer.echo(line)


@kits_app.command("overdue")
def kits_overdue(lang: LangOpt = None, now: NowOpt = None, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Loans past their return time: request, unit, PIC, kit, count, due."""
    store = _open(db)
    try:
        t = TEXT[site_lang(lang, store.policy())]
        site = store.policy().timezone
        zone = ZoneInfo(site)
        at = _now(store, now, zone)
        loans = store.kit_loans(at, states=OVERDUE)
        requests = {ref: store.get_occurrence(ref) for ref in {x.request for x in loans}}
    finally:
        store.close()
    if as_json:
        KitsOverdueReport(zone=site, zone_abbrev=zone_abbrev(site), now=local(at, site),
                          loans=[loan_row(x, site) for x in loans]).emit()  # fmt: skip
        return
    if not loans:
        typer.echo(t["no_overdue"])
        return
    typer.echo(t["overdue_title"].format(now=_fmt(at, zone), zone=zone_abbrev(site)))
    for x in sorted(loans, key=lambda x: (x.due, x.request, x.kit)):
        req = requests.get(x.request)
        unit, pic = (req.unit, req.pic.name + (f" {req.pic.phone}" if req.pic.phone else "")) if req else ("?", "?")
        typer.echo(
            f"  {x.request}  {unit}  PIC {pic}  {x.kit} ×{x.count}  {t['due']} {_fmt(x.due, zone)} "
            f"{zone_abbrev(site)} ({_late(t, 'ago', x.due, at)})"
        )
