"""`vicon` sub-commands for Zoom: host discovery, meetings, and the local sandbox."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Attach the Zoom commands to the main `vicon` app."""
