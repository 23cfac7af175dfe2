"""`vicon kits fault|faults|repaired`: problems with lent kits, out of service until repaired, and who answers for
them (the device: the office; its handling: the borrowing unit). A report or a repair re-plans at once (unless
`--no-replan`), so the requests that lose their kits are moved or unserved and their PICs are told.

    vicon kits fault CAM --count 1 --cause handling --description "lensa retak" [--request REQ] [--role operator]
    vicon kits fault CAM -d "lensa retak" --request PSR-70:3       in occurrence 3 of a series (or --occurrence 3)
    vicon kits faults [--all] [--json]      open faults (with --all: repaired ones too)
    vicon kits repaired ID [--cause device|handling] [--note TEXT]
"""

from __future__ import annotations

import json
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from allocator.commands.kits import kits_app
from allocator.commands.lang import LangOpt, site_lang
from allocator.commands.messages import error_text
from allocator.commands.store import ActorOpt, DbOpt, _fail, _open
from allocator.kit_fault_service import FaultOutcome, repair_and_replan, report_and_replan
from allocator.planner.domain import zone_abbrev
from allocator.planner.errors import ViconError
from allocator.store.kit_faults import CAUSES, KitFaultView, list_faults

TEXT = {
    "id": {
        "reported": "Gangguan #{id}: {kit} ×{count} tidak dapat dipakai sampai diperbaiki (penyebab: {cause}; "
        "tanggung jawab: {liable}).",
        "repaired": "Gangguan #{id}: {kit} ×{count} sudah diperbaiki dan kembali tersedia.",
        "affected": "Permohonan yang meminjam kit ini: {refs}",
        "occurrence": "Terjadi pada pertemuan ke-{n} ({ref}): pertemuan sebelumnya tidak diubah.",
        "lost": "Tidak lagi terlayani (PIC diberi tahu): {refs}",
        "replanned": "Rencana disusun ulang dan diterbitkan.",
        "none": "Tidak ada gangguan kit yang terbuka.",
        "head": "Gangguan kit:",
        "open": "terbuka",
        "fixed": "diperbaiki",
        "device": "perangkat (tanggung jawab kantor)",
        "handling": "penggunaan (tanggung jawab unit)",
        "unknown": "belum ditentukan",
    },
    "en": {
        "reported": "Fault #{id}: {kit} ×{count} out of service until repaired (cause: {cause}; liable: {liable}).",
        "repaired": "Fault #{id}: {kit} ×{count} repaired and back in service.",
        "affected": "Requests borrowing this kit: {refs}",
        "occurrence": "In occurrence {n} ({ref}): the earlier occurrences are not touched.",
        "lost": "No longer served (their PICs are told): {refs}",
        "replanned": "Plan made again and published.",
        "none": "No open kit faults.",
        "head": "Kit faults:",
        "open": "open",
        "fixed": "repaired",
        "device": "device (the office's responsibility)",
        "handling": "handling (the unit's responsibility)",
        "unknown": "not decided yet",
    },
}
CauseOpt = Annotated[str, typer.Option("--cause", help=f"Who answers for it: {', '.join(CAUSES)}.")]


def _outcome_lines(out: FaultOutcome, t: dict[str, str], *, repaired: bool) -> list[str]:
    f = out.fault
    key = "repaired" if repaired else "reported"
    lines = [t[key].format(id=f.id, kit=f.kit, count=f.count, cause=t[f.cause], liable=t[f.cause])]
    if f.occurrence is not None and not repaired:
        lines.append(t["occurrence"].format(ref=f.ref, n=f.occurrence))
    if out.affected:
        lines.append(t["affected"].format(refs=", ".join(out.affected)))
    if out.lost:
        lines.append(t["lost"].format(refs=", ".join(out.lost)))
    if out.replan is not None:
        lines.append(t["replanned"])
    return lines


@kits_app.command("fault")
def kits_fault(
    kit: Annotated[str, typer.Argument(help="The kit type (id).")],
    description: Annotated[str, typer.Option("--description", "-d", help="What is wrong.")],
    count: Annotated[int, typer.Option("--count", help="How many kits of the type.")] = 1,
    cause: CauseOpt = "unknown",
    request: Annotated[
        str | None, typer.Option("--request", help="The request it was lent to (a series' occurrence: REF:k).")
    ] = None,
    occurrence: Annotated[
        int | None, typer.Option("--occurrence", help="A series: the occurrence it happened in (or --request REF:k).")
    ] = None,
    role: Annotated[str, typer.Option("--role", help="Who reports: operator or admin.")] = "operator",
    replan_now: Annotated[bool, typer.Option("--replan/--no-replan", help="Re-plan and publish at once.")] = True,
    lang: LangOpt = None,
    db: DbOpt = None,
    actor: ActorOpt = "cli",
) -> None:
    """Report a problem with lent kits: out of service until repaired; the plan is made again."""
    if role not in ("operator", "admin"):
        raise _fail(f"--role: operator or admin, not {role!r} (a PIC reports on their request's page)", 2)
    store = _open(db)
    try:
        t = TEXT[site_lang(lang, store.policy())]
        try:
            out = report_and_replan(store, kit=kit, count=count, cause=cause, description=description, actor=actor,
                                    role=role, request=request, occurrence=occurrence,
                                    replan_now=replan_now)  # fmt: skip
        except ViconError as exc:
            raise _fail(error_text(exc), 2) from None
    finally:
        store.close()
    for line in _outcome_lines(out, t, repaired=False):
        typer.echo(line)


@kits_app.command("repaired")
def kits_repaired(
    fault: Annotated[int, typer.Argument(help="The fault's number (`vicon kits faults`).")],
    cause: Annotated[str | None, typer.Option("--cause", help="Settle who answers for it.")] = None,
    note: Annotated[str, typer.Option("--note", help="What was done.")] = "",
    replan_now: Annotated[bool, typer.Option("--replan/--no-replan", help="Re-plan and publish at once.")] = True,
    lang: LangOpt = None,
    db: DbOpt = None,
    actor: ActorOpt = "cli",
) -> None:
    """Record that the kits of a fault are repaired: back in service; the plan is made again."""
    store = _open(db)
    try:
        t = TEXT[site_lang(lang, store.policy())]
        try:
            out = repair_and_replan(store, fault, actor=actor, note=note, cause=cause, replan_now=replan_now)
        except ViconError as exc:
            raise _fail(error_text(exc), 2) from None
    finally:
        store.close()
    for line in _outcome_lines(out, t, repaired=True):
        typer.echo(line)


def _row(f: KitFaultView, zone: str) -> dict[str, object]:
    return {"id": f.id, "kit": f.kit, "count": f.count, "request": f.request, "occurrence": f.occurrence,
            "cause": f.cause, "liable": f.liable,
            "description": f.description, "reported_by": f.reported_by, "reported_role": f.reported_role,
            "reported_at": f.reported_at.astimezone(ZoneInfo(zone)).isoformat(),
            "repaired_at": f.repaired_at.astimezone(ZoneInfo(zone)).isoformat() if f.repaired_at else None,
            "repaired_by": f.repaired_by, "repair_note": f.repair_note}  # fmt: skip


@kits_app.command("faults")
def kits_faults(
    all_: Annotated[bool, typer.Option("--all", help="Repaired faults too.")] = False,
    lang: LangOpt = None,
    db: DbOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="As JSON.")] = False,
) -> None:
    """The open faults (the admin's list): kit, count, request, cause and who answers for it, who reported it."""
    store = _open(db)
    try:
        t = TEXT[site_lang(lang, store.policy())]
        zone = store.policy().timezone
        faults = list_faults(store, open_only=not all_)
    finally:
        store.close()
    if as_json:
        typer.echo(json.dumps({"zone": zone, "faults": [_row(f, zone) for f in faults]}, ensure_ascii=False))
        return
    if not faults:
        typer.echo(t["none"])
        return
    typer.echo(t["head"])
    for f in faults:
        when = f"{f.reported_at.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M} {zone_abbrev(zone)}"
        state = t["open"] if f.open else t["fixed"]
        lent = f" {f.ref}" if f.ref else ""
        typer.echo(f"  #{f.id} [{state}] {f.kit} ×{f.count}{lent}  {t[f.cause]}  {when}  {f.reported_by}"
                   f" ({f.reported_role}): {f.description}")  # fmt: skip
