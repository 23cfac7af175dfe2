"""click's own words (typer vendors click, whose strings do not go through gettext) in Bahasa Indonesia for a run
in that language: the usage line's "Usage:" and placeholders, and the parse errors ("No such option", "Missing
argument", "Invalid value for …", typer's pydantic-checked values). English runs keep click's text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from pydantic import ValidationError
from typer import _click, rich_utils

from allocator.commands.lang import LangCode
from allocator.validation_words import pydantic_detail

_USAGE_WORDS = (("[OPTIONS]", "[OPSI]"), ("COMMAND [ARGS]...", "PERINTAH [ARG]..."))


class IndonesianFormatter(_click.formatting.HelpFormatter):
    """click's help formatter with the usage line in Bahasa Indonesia ("Pemakaian: vicon plan [OPSI]")."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        for en, id_ in _USAGE_WORDS:
            args = args.replace(en, id_)
        super().write_usage(prog, args, "Pemakaian: " if prefix is None else prefix)


_MESSAGES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p, re.S), r) for p, r in (
        (r"^No such option: (\S+) \(Possible options: (.+)\)$", "Opsi tidak dikenal: {0} (yang mirip: {1})"),
        (r"^No such option: (\S+) \(Did you mean (\S+)\?\)$", "Opsi tidak dikenal: {0} (maksudnya {1}?)"),
        (r"^No such option: (\S+)$", "Opsi tidak dikenal: {0}"),
        (r"^No such command '(.+)'\.$", "Perintah tidak dikenal '{0}'."),
        (r"^Missing command\.$", "Perintah belum diberikan."),
        (r"^Missing argument (.+)\.$", "Argumen {0} belum diberikan."),
        (r"^Missing option (.+)\.$", "Opsi {0} belum diberikan."),
        (r"^Missing parameter:? (.+)$", "Parameter {0} belum diberikan."),
        (r"^Got unexpected extra arguments? \((.*)\)$", "Ada argumen lebih yang tidak dikenal ({0})"),
        (r"^Option '(.+)' does not take a value\.$", "Opsi '{0}' tidak menerima nilai."),
        (r"^Option '(.+)' requires an argument\.$", "Opsi '{0}' memerlukan nilai."),
        (r"^Option '(.+)' requires (\d+) arguments\.$", "Opsi '{0}' memerlukan {1} nilai."),
        (r"^Argument '(.+)' takes (\d+) values\.$", "Argumen '{0}' memerlukan {1} nilai."),
        (r"^Could not open file '(.+)': (.*)$", "Berkas '{0}' tidak dapat dibuka: {1}"),
        (r"^(?:File|Directory|Path) '(.+)' does not exist\.$", "'{0}' tidak ada."),
        (r"^(?:File|Directory|Path) '(.+)' is a file\.$", "'{0}' adalah berkas."),
        (r"^(?:File|Directory|Path) '(.+)' is a directory\.$", "'{0}' adalah direktori."),
        (r"^(?:File|Directory|Path) '(.+)' is not readable\.$", "'{0}' tidak dapat dibaca."),
        (r"^(?:File|Directory|Path) '(.+)' is not writable\.$", "'{0}' tidak dapat ditulis."),
        (r"^Value (.+) is not a valid (\w+)\.$", "Nilai {0} bukan {1} yang sah."),
        (r"^Value must be an iterable\.$", "Nilainya harus berupa daftar."),
    )
]  # fmt: skip


def _words(text: str) -> str:
    for pattern, template in _MESSAGES:
        m = pattern.match(text)
        if m:
            return template.format(*m.groups())
    return text


def click_message_id(exc: _click.ClickException) -> str:
    """A click error's message (as click would print it) in Bahasa Indonesia."""
    text = exc.format_message()
    cause = exc.__cause__
    detail: str | None = None
    if isinstance(cause, ValidationError) and cause.errors():
        detail = pydantic_detail(cause.errors()[0], "id")
    m = re.match(r"^Invalid value for (.+?): (.*)$", text, re.S)
    if m:
        return f"Nilai tidak sah untuk {m[1]}: {detail or _words(m[2])}"
    m = re.match(r"^Invalid value: (.*)$", text, re.S)
    if m:
        return f"Nilai tidak sah: {detail or _words(m[1])}"
    return _words(text)


@contextmanager
def click_speaking(lang: LangCode) -> Iterator[None]:
    """click's usage line and parse errors in `lang` for the run (English: click's own, untouched)."""
    if lang == "en":
        yield
        return
    old_formatter = _click.core.Context.formatter_class
    old_error = rich_utils.rich_format_error

    def format_error(exc: _click.ClickException) -> None:
        text = click_message_id(exc)
        exc.format_message = lambda: text  # type: ignore[method-assign]
        old_error(exc)

    _click.core.Context.formatter_class = IndonesianFormatter
    rich_utils.rich_format_error = format_error  # type: ignore[assignment]
    try:
        yield
    finally:
        _click.core.Context.formatter_class = old_formatter
        rich_utils.rich_format_error = old_error
