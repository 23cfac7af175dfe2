"""The `vicon` command line: the office's way in to every part of the product."""

from __future__ import annotations

import typer

from zoom_client.cli import register as register_zoom_commands

app = typer.Typer(
    name="vicon",
    help="Share Zoom licences and vicon operators among many units, without double-booking.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

register_zoom_commands(app)
