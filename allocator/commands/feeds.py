"""`vicon feeds add|list|revoke`: the subscribable iCal feeds per host and per operator (secret URLs; the store
keeps only each secret's hash, so the URL is printed once, when the feed is made)."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from allocator.commands.store import DbOpt, _fail, _open
from allocator.store.feeds import FeedError, create_feed, feeds, revoke_feed

feeds_app = typer.Typer(help="Subscribable iCal feeds per host and per operator.", no_args_is_help=True)
ACTOR = "cli:feeds"


@feeds_app.command("add")
def add_cmd(
    kind: Annotated[str, typer.Argument(help="host | operator")],
    target: Annotated[str, typer.Argument(help="The host's or operator's id.")],
    db: DbOpt = None,
) -> None:
    """Make a feed and print its URL (under VICON_BASE_URL); it is not shown again."""
    try:
        f, secret = create_feed(_open(db), kind, target, actor=ACTOR)
    except FeedError as exc:
        raise _fail(str(exc), 2) from None
    base = (os.environ.get("VICON_BASE_URL") or "http://127.0.0.1:8000").rstrip("/")
    typer.echo(f"feed {f.id} for {f.kind} {f.target}: {base}/feeds/{secret}.ics")


@feeds_app.command("list")
def list_cmd(db: DbOpt = None) -> None:
    """Every feed: id, for whom, made when and by whom, active or revoked (never the URL)."""
    for f in feeds(_open(db)):
        state = "active" if f.active else f"revoked {f.revoked_at:%Y-%m-%d %H:%M} UTC"
        typer.echo(f"{f.id}  {f.kind} {f.target}  made {f.created_at:%Y-%m-%d %H:%M} UTC by {f.actor}  {state}")


@feeds_app.command("revoke")
def revoke_cmd(feed_id: Annotated[str, typer.Argument(help="The feed's id (from `vicon feeds list`).")],
               db: DbOpt = None) -> None:  # fmt: skip
    """Revoke a feed: its URL answers 404 from now on."""
    try:
        f = revoke_feed(_open(db), feed_id, actor=ACTOR)
    except FeedError as exc:
        raise _fail(str(exc), 2) from None
    typer.echo(f"feed {f.id} ({f.kind} {f.target}) revoked")


def register(app: typer.Typer) -> None:
    app.add_typer(feeds_app, name="feeds")
