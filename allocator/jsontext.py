"""JSON read from a file someone sent (a problem file, an intake file): a clear error for what `json` would turn
into a traceback — bytes that are not UTF-8, nesting so deep the parser runs out of stack (RecursionError), a file
far larger than any office's data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


class JsonTextError(ValueError):
    """The file is not JSON we can read; the message names the file and why."""


def read_json_file(path: Path, *, max_bytes: int) -> Any:
    """The parsed content of `path`, refusing a file over `max_bytes` before reading it."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise JsonTextError(f"{path}: {size:,} bytes, more than the {max_bytes:,} a file of this kind may have")
        raw = path.read_bytes()
    except OSError as exc:
        raise JsonTextError(f"{path}: cannot read the file ({exc.strerror})") from None
    return parse_json(raw, name=str(path))


def parse_json(raw: bytes, *, name: str) -> Any:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise JsonTextError(f"{name}: not UTF-8 text (byte {exc.start}); save it as UTF-8 JSON") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise JsonTextError(f"{name}: not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    except RecursionError:
        raise JsonTextError(f"{name}: nested too deeply to be a file of this kind") from None
