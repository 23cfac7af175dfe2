"""The `vicon` app's root group: it chooses the run's language before parsing, so help screens, typer's own
headings, errors and output all speak it (`allocator.commands.lang.choose_run_lang`).

click's own words follow too: the usage line ("Pemakaian: vicon plan [OPSI]") and its parse errors ("Opsi tidak
dikenal", "Argumen … belum diberikan"), worded by `allocator.commands.click_words` (typer vendors click, whose
strings do not go through gettext, so no catalogue could be installed for them).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import typer
from typer import rich_utils
from typer.core import TyperGroup

from allocator.commands.click_words import click_speaking
from allocator.commands.help_id import HELP_ID, PANELS
from allocator.commands.lang import LangCode, choose_run_lang, lang_arg, speaking
from allocator.commands.zoom_words import zoom_error
from zoom_client.cli import speaking as zoom_speaking


def help_texts(command: Any) -> Iterator[tuple[Any, str]]:
    """(object, attribute) of every help text in a command tree: commands' help and short help, options' and
    arguments' help, and each command's `--help` option."""
    for attr in ("help", "short_help"):
        if getattr(command, attr, None):
            yield command, attr
    for param in command.params:
        if getattr(param, "help", None):
            yield param, "help"
    option = _help_option(command)
    if option is not None:
        yield option, "help"
    for sub in getattr(command, "commands", {}).values():
        yield from help_texts(sub)


def _help_option(command: Any) -> Any:
    """The command's `--help` option, made now (click makes it lazily, with an English help text)."""
    if not getattr(command, "add_help_option", False) or not hasattr(command, "_help_option"):
        return None
    if command._help_option is None:
        from typer._click.decorators import help_option

        help_option(["--help"])(command)
        command._help_option = command.params.pop()
    return command._help_option


def translate_help(command: Any, lang: LangCode) -> list[str]:
    """Put the help texts of the tree in `lang` (English is how they are written); the English texts that have no
    translation are returned (none, when `HELP_ID` is complete)."""
    missing: list[str] = []
    if lang == "en":
        return missing
    for obj, attr in help_texts(command):
        text = getattr(obj, attr)
        if text in HELP_ID:
            setattr(obj, attr, HELP_ID[text])
        elif text not in HELP_ID.values():
            missing.append(text)
    return missing


@contextmanager
def typer_headings(lang: LangCode) -> Iterator[None]:
    """typer's help headings ("Options", "[default: …]") and error panel in `lang` for the run."""
    old = {name: getattr(rich_utils, name) for name in PANELS[lang]}
    for name, text in PANELS[lang].items():
        setattr(rich_utils, name, text)
    try:
        yield
    finally:
        for name, text in old.items():
            setattr(rich_utils, name, text)


class LangGroup(TyperGroup):
    """The root group: one language per run, chosen from `--lang` (anywhere on the line), `VICON_LANG` or the
    site's configuration before anything is parsed."""

    def main(self, args: Sequence[str] | None = None, *rest: Any, **kwargs: Any) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        value, _ = lang_arg(argv)
        if value is not None and value not in ("id", "en"):
            typer.echo(f"error: '--lang': use id or en, not {value!r} / galat: '--lang': pakai id atau en", err=True)
            raise SystemExit(2)
        lang, argv = choose_run_lang(argv)
        translate_help(self, lang)
        with speaking(lang), typer_headings(lang), click_speaking(lang), zoom_speaking(lang, zoom_error):
            return super().main(argv, *rest, **kwargs)
