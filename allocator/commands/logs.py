"""How the long-running commands log: one line per event on stderr, as text or as JSON lines (`--log-format
json`), with the libraries' chatter (APScheduler's per-run lines, Alembic's migration notes) at debug level."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

# what every LogRecord has; anything else on a record came from `extra=` and is the event's data
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}
CHATTY = ("alembic", "apscheduler")


class LogFormat(StrEnum):
    text = "text"
    json = "json"


class JsonLines(logging.Formatter):
    """One JSON object per line: at (UTC, ISO 8601), level, logger, message, the event's fields, an error's
    traceback as `exc`."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        out.update({k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")})
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


def setup_logging(fmt: LogFormat = LogFormat.text, *, debug: bool = False) -> None:
    """The root logger to stderr in `fmt`; the libraries' routine lines only with `debug`."""
    handler = logging.StreamHandler()
    if fmt is LogFormat.json:
        handler.setFormatter(JsonLines())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    for name in CHATTY:
        logging.getLogger(name).setLevel(logging.DEBUG if debug else logging.WARNING)
