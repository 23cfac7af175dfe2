"""Our own idempotency key on every meeting we create, since Zoom's create has none.

The key is written at the very start of the agenda (Zoom truncates agendas to 250 characters in meeting
lists, so the marker must come first) and, when the account has one configured, in a tracking field.
"""

from __future__ import annotations

import re

KEY_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}"
_KEY_RE = re.compile(rf"^{KEY_PATTERN}$")
_MARKER_RE = re.compile(rf"\[vicon:({KEY_PATTERN})\]")
#: Characters the marker and its separating newline take from the agenda's 2,000.
MARKER_OVERHEAD = len("[vicon:]\n")


def validate_key(key: str) -> str:
    """Keys are short and plain so they survive Zoom's agenda handling and list truncation."""
    if not _KEY_RE.match(key):
        raise ValueError(f"invalid meeting key {key!r}: 1-64 chars of [A-Za-z0-9._:-], starting alphanumeric")
    return key


def marker(key: str) -> str:
    """The text that tags a meeting's agenda with `key`."""
    return f"[vicon:{validate_key(key)}]"


def with_marker(agenda: str | None, key: str) -> str:
    """The agenda with our marker first (any older marker removed)."""
    rest = strip_marker(agenda or "")
    return f"{marker(key)}\n{rest}" if rest else marker(key)


def strip_marker(agenda: str) -> str:
    """The agenda as the humans wrote it."""
    return _MARKER_RE.sub("", agenda, count=1).lstrip("\n")


def key_from_agenda(agenda: str | None) -> str | None:
    """The key our marker carries, or None for meetings we did not create."""
    if not agenda:
        return None
    m = _MARKER_RE.search(agenda)
    return m.group(1) if m else None
