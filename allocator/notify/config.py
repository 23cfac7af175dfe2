"""The notifier's configuration: a `notify` section of a JSON or TOML file, secrets from the environment.

```toml
[notify]
transport = "smtp"            # or "file": write .eml files into `mail_dir` instead of sending
mail_dir = "var/mail"
operator_language = "id"
channels = ["tgram://BOT_TOKEN/CHAT_ID"]   # optional apprise URLs; {phone} / {email} name the recipient

[notify.office]
name = "Dinas Kominfo Kabupaten Contoh"
email = "vicon@kominfo.example.go.id"
phone = "0411-123456"

[notify.smtp]
host = "smtp.example.go.id"
port = 587
security = "starttls"         # none | starttls | ssl
user = "vicon@kominfo.example.go.id"
```

Environment (wins over the file): `VICON_SMTP_HOST`, `VICON_SMTP_PORT`, `VICON_SMTP_SECURITY`, `VICON_SMTP_USER`,
`VICON_SMTP_PASSWORD`, `VICON_SMTP_TIMEOUT`, `VICON_SMTP_FROM` (the office's address), `VICON_NOTIFY_TRANSPORT`,
`VICON_NOTIFY_MAIL_DIR`. The file path may come from `VICON_NOTIFY_CONFIG`.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from allocator.notify.model import Language, Office
from allocator.notify.transport import SmtpSettings
from allocator.planner.errors import ViconError

ENV_CONFIG = "VICON_NOTIFY_CONFIG"


class NotifyConfigError(ViconError, ValueError):
    """The notifier's configuration is unusable; the message names the field, never a secret's value."""


class RetryPolicy(BaseModel):
    """Exponential back-off for failed sends: base × 2^(attempt-1), capped; give up after `max_attempts`."""

    model_config = ConfigDict(extra="forbid")

    base_s: float = Field(default=60.0, gt=0)
    max_s: float = Field(default=3600.0, gt=0)
    max_attempts: int = Field(default=10, ge=1)

    def delay_s(self, attempts: int) -> float:
        return float(min(self.max_s, self.base_s * 2 ** max(0, attempts - 1)))


class ReminderPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    day_before: bool = True
    hour_before: bool = True
    agenda_hour: int = Field(default=6, ge=0, le=23, description="Local hour from which the day's agenda goes out.")


class NotifyConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    office: Office = Field(default_factory=Office)
    reply_to: str | None = None
    transport: Literal["smtp", "file"] = "smtp"
    smtp: SmtpSettings = Field(default_factory=SmtpSettings)
    mail_dir: Path = Path("var") / "mail"
    channels: list[str] = Field(default_factory=list, description="apprise URLs (optional, `channels` extra).")
    operator_language: Language = "id"
    retry: RetryPolicy = Field(default_factory=RetryPolicy)
    reminders: ReminderPolicy = Field(default_factory=ReminderPolicy)
    in_doubt: Literal["resend", "hold"] = Field(
        default="resend",
        description="A send interrupted between the SMTP reply and the commit: send again (at least once) "
        "or hold it for a person to check (at most once).",
    )
    claim_lease_s: float = Field(default=300.0, gt=0)


_ENV_SMTP = {
    "VICON_SMTP_HOST": "host",
    "VICON_SMTP_PORT": "port",
    "VICON_SMTP_SECURITY": "security",
    "VICON_SMTP_USER": "user",
    "VICON_SMTP_PASSWORD": "password",
    "VICON_SMTP_TIMEOUT": "timeout_s",
}


def _read(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise NotifyConfigError(f"cannot read notification config {path}: {exc.strerror}") from None
    try:
        data: Any = tomllib.loads(raw.decode("utf-8")) if path.suffix == ".toml" else json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise NotifyConfigError(f"{path}: not valid {'TOML' if path.suffix == '.toml' else 'JSON'}: {exc}") from None
    if not isinstance(data, dict):
        raise NotifyConfigError(f"{path}: expected an object at the top level")
    section = data.get("notify", data)
    if not isinstance(section, dict):
        raise NotifyConfigError(f"{path}: `notify` must be an object")
    return {k: v for k, v in section.items() if not k.startswith("_")}


def load_notify_config(path: Path | str | None = None, *, env: Mapping[str, str] | None = None) -> NotifyConfig:
    """The configuration from `path` (or `$VICON_NOTIFY_CONFIG`, or defaults), with the environment on top."""
    env = os.environ if env is None else env
    if path is None and env.get(ENV_CONFIG):
        path = env[ENV_CONFIG]
    data: dict[str, Any] = _read(Path(path)) if path is not None else {}
    smtp = dict(data.get("smtp") or {})
    for var, field in _ENV_SMTP.items():
        if env.get(var):
            smtp[field] = env[var]
    data["smtp"] = smtp
    if env.get("VICON_SMTP_FROM"):
        data["office"] = {**(data.get("office") or {}), "email": env["VICON_SMTP_FROM"]}
    if env.get("VICON_NOTIFY_TRANSPORT"):
        data["transport"] = env["VICON_NOTIFY_TRANSPORT"]
    if env.get("VICON_NOTIFY_MAIL_DIR"):
        data["mail_dir"] = env["VICON_NOTIFY_MAIL_DIR"]
    try:
        return NotifyConfig.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise NotifyConfigError(f"notification config: {problems}") from None
