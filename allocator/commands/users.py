"""`vicon users add|list|disable|enable|reset-password`: the admins and operators who sign in to the pages.

Passwords are asked twice without echo (or read from standard input with `--password-stdin`, for scripts), checked
by the same rule as the page's password change, and stored only as an argon2id hash."""

from __future__ import annotations

import getpass
import sys
from dataclasses import replace
from typing import Annotated

import typer

from allocator.commands.fit import Col, fit_table, terminal
from allocator.commands.lang import run_lang
from allocator.commands.messages import say
from allocator.commands.store import DbOpt, _fail, _open
from allocator.planner.domain import local, zone_abbrev
from allocator.store.users import UserError, add_user, disable_user, enable_user, list_users, set_password
from allocator.web.accounts import PasswordRejected, check_new_password, hash_password
from allocator.web.i18n import TEXT

users_app = typer.Typer(help="Accounts that sign in to the pages (admins, operators).", no_args_is_help=True)
ACTOR = "cli:users"
StdinOpt = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from the first line of standard input.")
]


def _password(name: str, from_stdin: bool) -> str:
    """The new password, asked twice (or one line of stdin), or exit 2 naming the rule it breaks."""
    if from_stdin:
        password, repeat = sys.stdin.readline().rstrip("\r\n"), None
    else:
        password = getpass.getpass(say("password"))
        repeat = getpass.getpass(say("password_again"))
    try:
        check_new_password(name, password, repeat)
    except PasswordRejected as exc:
        raise _fail(say("password_bad", why=TEXT[run_lang()][exc.key]), 2) from None
    return password


@users_app.command("add")
def add_cmd(
    name: Annotated[str, typer.Argument(help="User name to sign in with.")],
    role: Annotated[str, typer.Option("--role", help="admin | operator | unit")],
    operator: Annotated[str | None, typer.Option("--operator", help="Operator id (operator accounts).")] = None,
    unit_operator: Annotated[
        str | None,
        typer.Option("--unit-operator", help="A unit's trained operator id (unit accounts: start links only)."),
    ] = None,
    password_stdin: StdinOpt = False,
    db: DbOpt = None,
) -> None:
    """Add an account; it can sign in at /login at once."""
    store = _open(db)
    if unit_operator and role != "unit":
        raise _fail("unit_operator: only a unit account (--role unit) names a unit operator", 2)
    if role == "unit" and operator:
        raise _fail("operator: a unit account names its unit operator with --unit-operator, not --operator", 2)
    password = _password(name, password_stdin)
    try:
        user = add_user(store, name, role, hash_password(password), operator=operator or unit_operator, actor=ACTOR)
    except UserError as exc:
        raise _fail(str(exc), 2) from None
    typer.echo(
        say("user_added", name=user.name, role=user.role, operator=f", {user.operator}" if user.operator else "")
    )


@users_app.command("list")
def list_cmd(db: DbOpt = None) -> None:
    """Every account: role, operator, active, created, last sign-in (site's zone). Never a password or hash."""
    store = _open(db)
    zone = store.policy().timezone
    rows = [
        [u.name, u.role, u.operator or "-", say("yes" if u.active else "no"),
         f"{local(u.created_at, zone):%Y-%m-%d %H:%M}",
         f"{local(u.last_login_at, zone):%Y-%m-%d %H:%M}" if u.last_login_at else "-"]
        for u in list_users(store)
    ]  # fmt: skip
    cols = [replace(c, header=h) for c, h in zip(USER_COLS, USER_HEADERS[run_lang()], strict=True)]
    console = terminal()
    console.print(fit_table(say("users_title", zone=zone_abbrev(zone)), cols, rows, console.width))


# name and times are never cut; operator, then role, then active go first when the terminal is narrow
USER_COLS = [Col("name", whole=True), Col("role", drop=2), Col("operator", drop=1), Col("active", drop=3),
             Col("created", whole=True), Col("last", whole=True)]  # fmt: skip
USER_HEADERS = {
    "id": ("nama", "peran", "operator", "aktif", "dibuat", "terakhir masuk"),
    "en": ("name", "role", "operator", "active", "created", "last sign-in"),
}


@users_app.command("disable")
def disable_cmd(name: str, db: DbOpt = None) -> None:
    """The account can no longer sign in; its open sessions end at once."""
    try:
        disable_user(_open(db), name, actor=ACTOR)
    except UserError as exc:
        raise _fail(str(exc), 2) from None
    typer.echo(say("user_disabled", name=name))


@users_app.command("enable")
def enable_cmd(name: str, db: DbOpt = None) -> None:
    """A disabled account may sign in again."""
    try:
        enable_user(_open(db), name, actor=ACTOR)
    except UserError as exc:
        raise _fail(str(exc), 2) from None
    typer.echo(say("user_enabled", name=name))


@users_app.command("reset-password")
def reset_cmd(name: str, password_stdin: StdinOpt = False, db: DbOpt = None) -> None:
    """Set a new password (someone forgot theirs); the account's open sessions end."""
    store = _open(db)
    password = _password(name, password_stdin)
    try:
        set_password(store, name, hash_password(password), actor=ACTOR)
    except UserError as exc:
        raise _fail(str(exc), 2) from None
    typer.echo(say("user_reset", name=name))


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
