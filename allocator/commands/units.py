"""`vicon units`: the units' own trained operators, who let their unit run its meetings itself (self-operated,
and as Zoom alternative host when they hold a licensed user on the office's account; docs/units.md).

    vicon units list [--json]
    vicon units add ID --unit "RSUD Panglima Sebaya" --name "Dedi" [--email E] [--phone P] [--skill S]...
                       [--zoom-user E --zoom-account kominfo] [--leave 2027-01-05[..2027-01-07]]...
    vicon units remove ID
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from pydantic import ValidationError

from allocator.commands.store import ActorOpt, DbOpt, _fail, _open
from allocator.planner.domain import UnitOperator

units_app = typer.Typer(help="Units' own trained operators (they may run their unit's meetings).", no_args_is_help=True)


@units_app.command("list")
def list_cmd(db: DbOpt = None, as_json: Annotated[bool, typer.Option("--json", help="As JSON.")] = False) -> None:
    """The trained operators by unit."""
    store = _open(db)
    try:
        people = store.unit_operators()
    finally:
        store.close()
    if as_json:
        typer.echo(json.dumps([u.model_dump(mode="json") for u in people], ensure_ascii=False))
        return
    if not people:
        typer.echo("no trained unit operators / belum ada operator unit terlatih")
        return
    for u in sorted(people, key=lambda u: (u.unit, u.id)):
        zoom = f"  zoom: {u.zoom_user} ({u.zoom_account})" if u.zoom_user else ""
        skills = f"  [{', '.join(u.skills)}]" if u.skills else ""
        away = ", ".join(str(p.first) if p.first == p.last else f"{p.first}..{p.last}" for p in u.leave)
        typer.echo(f"{u.id}  {u.unit}: {u.name}{skills}{zoom}" + (f"  leave/cuti: {away}" if away else ""))


@units_app.command("add")
def add_cmd(
    ident: Annotated[str, typer.Argument(metavar="ID", help="A short id for the person, e.g. UOP-RSUD-1.")],
    unit: Annotated[str, typer.Option("--unit", help="The unit exactly as its requests name it.")],
    name: Annotated[str, typer.Option("--name", help="The person's name.")],
    email: Annotated[str | None, typer.Option("--email")] = None,
    phone: Annotated[str | None, typer.Option("--phone")] = None,
    skill: Annotated[list[str] | None, typer.Option("--skill", help="A skill (repeat).")] = None,
    zoom_user: Annotated[
        str | None, typer.Option("--zoom-user", help="Their own licensed user on the office's Zoom account.")
    ] = None,
    zoom_account: Annotated[str, typer.Option("--zoom-account", help="The Zoom account holding it.")] = "default",
    leave: Annotated[
        list[str] | None,
        typer.Option("--leave", help="Days away: a date, or FIRST..LAST inclusive, local days (repeat)."),
    ] = None,
    db: DbOpt = None,
    actor: ActorOpt = "cli",
) -> None:
    """Add or replace a trained operator of a unit; the next re-plan may let the unit run its meetings."""
    try:
        person = UnitOperator.model_validate(
            {"id": ident, "unit": unit, "name": name, "email": email, "phone": phone, "skills": skill or [],
             "zoom_user": zoom_user, "zoom_account": zoom_account, "leave": [_period(p) for p in leave or []]}
        )  # fmt: skip
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "ID"
        raise _fail(f"{field}: {first['msg']}", 2) from None
    store = _open(db)
    try:
        others = [u for u in store.unit_operators() if u.id != ident]
        store.set_unit_operators([*others, person], actor=actor)
    finally:
        store.close()
    typer.echo(f"{ident}: trained operator of {unit}")


def _period(text: str) -> dict[str, str] | str:
    """'2027-01-05' (one day) or '2027-01-05..2027-01-07' (first to last), as `LeavePeriod` reads them."""
    first, sep, last = text.partition("..")
    return {"first": first.strip(), "last": last.strip()} if sep else text.strip()


@units_app.command("remove")
def remove_cmd(ident: Annotated[str, typer.Argument(metavar="ID")], db: DbOpt = None, actor: ActorOpt = "cli") -> None:
    """Remove a trained operator (their unit's meetings go back to the office's operators at the next re-plan)."""
    store = _open(db)
    try:
        people = store.unit_operators()
        if ident not in {u.id for u in people}:
            raise _fail(f"ID: unknown trained operator {ident!r}", 2)
        store.set_unit_operators([u for u in people if u.id != ident], actor=actor)
    finally:
        store.close()
    typer.echo(f"{ident}: removed")


def register(app: typer.Typer) -> None:
    app.add_typer(units_app, name="units")
