"""`vicon users add|list|disable|enable|reset-password`: the admins and operators who sign in to the pages.

Passwords are asked twice without echo (or read from standard input with `--password-stdin`, for scripts), checked
by the same rule as the page's password change, and stored only as an argon2id hash."""

from __future__ import annotations

import getpass
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from allocator.commands.store import DbOpt, _fail, _open
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
        password = getpass.getpass("password: ")
        repeat = getpass.getpass("password again: ")
    try:
        check_new_password(name, password, repeat)
    except PasswordRejected as exc:
        raise _fail(f"password: {TEXT['en'][exc.key]}", 2) from None
    return password


@users_app.command("add")
def add_cmd(
    name: Annotated[str, typer.Argument(help="User name to sign in with.")],
    role: Annotated[str, typer.Option("--role", help="admin | operator")],
    operator: Annotated[str | None, typer.Option("--operator", help="Operator id (operator accounts).")] = None,
    password_stdin: StdinOpt = False,
    db: DbOpt = None,
) -> None:
    """Add an account; it can sign in at /login at once."""
    store = _open(db)
    password = _password(name, password_stdin)
    try:
        user = add_user(store, name, role, hash_password(password), operator=operator, actor=ACTOR)
    except UserError as exc:
        raise _fail(str(exc), 2) from None
    typer.echo(f"added {user.name} ({user.role}{', ' + user.operator if user.operator else ''})")


@users_app.command("list")
def list_cmd(db: DbOpt = None) -> None:
    """Every account: role, operator, active, created, last sign-in (UTC). Never a password or hash."""
    store = _open(db)
    table = Table(title="users", title_justify="left")
    for col in ("name", "role", "operator", "active", "created (UTC)", "last sign-in (UTC)"):
        table.add_column(col)
    for u in list_users(store):
        last = u.last_login_at.strftime("%Y-%m-%d %H:%M") if u.last_login_at else "-"
        table.add_row(u.name, u.role, u.operator or "-", "yes" if u.active else "no",
                      u.created_at.strftime("%Y-%m-%d %H:%M"), last)  # fmt: skip
    Console(width=120).print(table)


@users_app.command("disable")
def disable_cmd(name: str, db: DbOpt = None) -> None:
    """The account can no longer sign in; its open sessions end at once."""
    try:
        disable_user(_open(db), name, actor=ACTOR)
    except UserError as exc:
        raise _fail(str(exc), 2) from None
    typer.echo(f"disabled {name}; its sessions have ended")


@users_app.command("enable")
def enable_cmd(name: str, db: DbOpt = None) -> None:
    """A disabled account may sign in again."""
    try:
        enable_user(_open(db), name, actor=ACTOR)
    except UserError as exc:
        raise _fail(str(exc), 2) from None
    typer.echo(f"enabled {name}")


@users_app.command("reset-password")
def reset_cmd(name: str, password_stdin: StdinOpt = False, db: DbOpt = None) -> None:
    """Set a new password (someone forgot theirs); the account's open sessions end."""
    store = _open(db)
    password = _password(name, password_stdin)
    try:
        set_password(store, name, hash_password(password), actor=ACTOR)
    except UserError as exc:
        raise _fail(str(exc), 2) from None
    typer.echo(f"password of {name} reset; its sessions have ended")


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
