"""Commands that need an optional extra say which one to install, instead of an ImportError traceback."""

from __future__ import annotations

import importlib

import typer

from allocator.commands.messages import say

EXTRA_MODULES: dict[str, tuple[str, ...]] = {
    "web": ("fastapi", "uvicorn", "multipart"),
}


def require_extra(extra: str, command: str) -> None:
    """Exit 2 naming the extra when one of its modules cannot be imported."""
    for module in EXTRA_MODULES[extra]:
        try:
            importlib.import_module(module)
        except ImportError:
            message = say("needs_extra", command=command, extra=extra, module=module)
            typer.echo(say("error", message=message), err=True)
            raise typer.Exit(2) from None
