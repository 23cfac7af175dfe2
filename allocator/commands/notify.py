"""`vicon notify …`: send what is due, preview a PIC's mail, show and retry failures.

Database: `--db URL` or `$VICON_DATABASE_URL`. Notifier: `--config F` or `$VICON_NOTIFY_CONFIG` (JSON or TOML,
secrets from `VICON_SMTP_*`). Zoom (for operators' start links): `--zoom-config F` or `$VICON_ZOOM_CONFIG`.
`--mail-dir DIR` writes .eml files there instead of using SMTP (the demo's captured mail).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from allocator.commands.lang import run_lang, stamp
from allocator.commands.messages import say, store_line
from allocator.commands.store import _open
from allocator.notify.config import NotifyConfig, NotifyConfigError, load_notify_config
from allocator.notify.events import notify_plan_changes, preview_pic, queue_daily_agendas, queue_reminders
from allocator.notify.outbox import NotificationStatus, Outbox, notification_status
from allocator.notify.startlinks import TenantStartLinks, ZoomStartLinks
from allocator.notify.wiring import build_outbox

__all__ = ["build_outbox", "notify_app", "register"]

DbOpt = Annotated[str | None, typer.Option("--db", envvar="VICON_DATABASE_URL", help="Database URL.")]
ConfigOpt = Annotated[
    Path | None, typer.Option("--config", envvar="VICON_NOTIFY_CONFIG", help="Notifier config (JSON or TOML).")
]
ZoomOpt = Annotated[
    Path | None,
    typer.Option("--zoom-config", envvar="VICON_ZOOM_CONFIG", help="Zoom accounts JSON (for start links)."),
]
MailDirOpt = Annotated[
    Path | None, typer.Option("--mail-dir", help="Write .eml files here instead of sending over SMTP.")
]

notify_app = typer.Typer(
    help="Notifications to PICs and operators (e-mail with calendar invites).", no_args_is_help=True
)


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(say("error", message=message), err=True)
    return typer.Exit(code)


def _config(path: Path | None) -> NotifyConfig:
    try:
        return load_notify_config(path)
    except NotifyConfigError as exc:
        raise _fail(str(exc)) from None


def _start_links(zoom_config: Path | None) -> ZoomStartLinks | None:
    if zoom_config is None:
        return None
    from zoom_client import ConfigError, ZoomTenants, load_config

    try:
        return TenantStartLinks(ZoomTenants(load_config(zoom_config)))
    except ConfigError as exc:
        raise _fail(str(exc)) from None


@notify_app.command("send-pending")
def send_pending_cmd(
    db: DbOpt = None,
    config: ConfigOpt = None,
    zoom_config: ZoomOpt = None,
    mail_dir: MailDirOpt = None,
    derive: Annotated[
        bool, typer.Option("--derive/--no-derive", help="First record what the plan, reminders and agendas call for.")
    ] = True,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="Send at most this many.")] = None,
) -> None:
    """Record the notices the published plan calls for (and due reminders and agendas), then send what is due."""
    cfg = _config(config)
    store = _open(db)
    try:
        outbox = build_outbox(store, cfg, start_links=_start_links(zoom_config), mail_dir=mail_dir)
        recovered = outbox.recover()
        if recovered:
            typer.echo(say("in_doubt", n=recovered))
        recorded = 0
        if derive:
            recorded += len(notify_plan_changes(outbox))
            recorded += len(queue_reminders(outbox))
            recorded += len(queue_daily_agendas(outbox))
        report = outbox.send_pending(limit=limit)
        status = outbox.status()
        zone = store.policy().timezone
    finally:
        store.close()
    again = say("sent_again", n=len(report.resent_in_doubt)) if report.resent_in_doubt else ""
    held = say("sent_held", n=len(report.held)) if report.held else ""
    typer.echo(say("sent", recorded=recorded, sent=len(report.sent), again=again, retrying=len(report.retrying),
                   gave_up=len(report.gave_up), held=held))  # fmt: skip
    for key in report.retrying:
        typer.echo(say("retry_later", line=key))
    for key in report.gave_up + report.held:
        typer.echo(say("failed", line=key))
    typer.echo(status_line(status, zone))
    if report.gave_up or report.held:
        raise typer.Exit(1)


@notify_app.command("preview")
def preview_cmd(
    ref: Annotated[str, typer.Argument(help="Request reference.")],
    db: DbOpt = None,
    config: ConfigOpt = None,
    html: Annotated[bool, typer.Option("--html", help="Print the HTML body instead of the text.")] = False,
    ics: Annotated[bool, typer.Option("--ics", help="Also print the calendar invite.")] = False,
) -> None:
    """Print the mail the PIC of a request would get now (nothing is recorded or sent)."""
    cfg = _config(config)
    store = _open(db)
    try:
        outbox = Outbox(store, cfg, mail=None)
        try:
            msg = preview_pic(outbox, ref)
        except KeyError:
            raise _fail(say("unknown_request", ref=ref)) from None
    finally:
        store.close()
    if msg is None:
        typer.echo(say("nothing_for_pic", ref=ref))
        return
    typer.echo(say("mail_to", name=msg.to.name, email=msg.to.email or "-", kind=msg.kind, lang=msg.language))
    typer.echo(say("mail_subject", subject=msg.subject))
    if msg.calendar is not None:
        c = msg.calendar
        typer.echo(say("mail_invite", file=c.filename, method=c.method, uid=c.uid, seq=c.sequence))
    typer.echo("")
    typer.echo(msg.html if html else msg.text)
    if ics and msg.calendar is not None:
        typer.echo(msg.calendar.content)


@notify_app.command("status")
def status_cmd(db: DbOpt = None) -> None:
    """Counts of sent, pending, retrying and failed notifications, with the latest errors. Exit 1 if any failed."""
    store = _open(db)
    try:
        st = notification_status(store)
        zone = store.policy().timezone
    finally:
        store.close()
    typer.echo(status_line(st, zone))
    for key, err in st.problems:
        typer.echo(say("problem_line", key=key, error=store_line(err)))
    if not st.healthy:
        raise typer.Exit(1)


@notify_app.command("retry")
def retry_cmd(key: Annotated[str, typer.Argument(help="The notification's dedup key.")], db: DbOpt = None) -> None:
    """Release a failed or held notification for another attempt at the next send."""
    store = _open(db)
    try:
        ok = Outbox(store, NotifyConfig(), mail=None).retry(key)
    finally:
        store.close()
    if not ok:
        raise _fail(say("no_unsent", key=key), 1)
    typer.echo(say("will_send", key=key))


def status_line(st: NotificationStatus, zone: str) -> str:
    """The notifications' counts in the run's language, the next retry in the site's zone."""
    line = say("notes", sent=st.sent, pending=st.pending, retrying=st.retrying, gave_up=st.gave_up, held=st.held)
    if st.next_attempt_at is not None and st.retrying:
        line += say("next_retry", at=stamp(st.next_attempt_at, zone, run_lang()))
    return line


def register(app: typer.Typer) -> None:
    """Add `vicon notify …` to the `vicon` app."""
    app.add_typer(notify_app, name="notify")
