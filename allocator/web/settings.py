"""Configuration of the web app, from the environment; a weak or missing secret stops it from starting."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

MIN_SECRET_LEN = 32
#: The largest request file the admin's upload page takes (5 MiB: a form export of thousands of rows is far less).
UPLOAD_MAX_BYTES = 5 * 1024 * 1024
#: Anonymous posts (the form, `POST /api/requests`) per client address per minute; a unit files a few a day.
PUBLIC_POSTS_PER_MINUTE = 10
#: The largest anonymous post body (64 KiB: one request is well under 2 KiB).
PUBLIC_MAX_BODY_BYTES = 64 * 1024
#: Values people leave in place from examples; a secret made of (repeats of) one of these is refused.
KNOWN_DEFAULTS = (
    "changeme", "change-me", "change_me", "secret", "password", "default", "vicon", "test", "example",
    "your-secret-here", "yoursecret", "please-change", "admin", "xxxxxxxx", "12345678", "0000",
)  # fmt: skip


class WebConfigError(ValueError):
    """The web app cannot start with this configuration (the message says which variable and why)."""


def check_secret(secret: str | None, name: str = "VICON_WEB_SECRET") -> str:
    """The secret if it is usable for signing tokens; otherwise `WebConfigError` naming what is wrong."""
    if not secret:
        raise WebConfigError(f"{name} is not set: generate one with `python3 -c 'import secrets; "
                             "print(secrets.token_urlsafe(48))'` and export it")  # fmt: skip
    if len(secret) < MIN_SECRET_LEN:
        raise WebConfigError(f"{name} is too short ({len(secret)} characters; at least {MIN_SECRET_LEN} needed)")
    squashed = re.sub(r"[^a-z0-9]", "", secret.lower())
    for word in KNOWN_DEFAULTS:
        w = re.sub(r"[^a-z0-9]", "", word)
        if w and (squashed == w or (squashed and squashed.replace(w, "") == "")):
            raise WebConfigError(f"{name} is a known default/example value; use a random secret")
    if len(set(secret)) < 8:
        raise WebConfigError(f"{name} has too few distinct characters to be a random secret")
    return secret


def _positive_int(env: Mapping[str, str], name: str, default: int, unit: str = "bytes", minimum: int = 1) -> int:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = int(raw.replace("_", ""))
    except ValueError:
        raise WebConfigError(f"{name} must be a whole number of {unit}, not {raw!r}") from None
    if value < minimum:
        raise WebConfigError(f"{name} must be at least {minimum} ({unit}), not {raw!r}")
    return value


@dataclass(frozen=True)
class WebSettings:
    """What the web app needs besides the store. `secret` signs every token and PIC link (HS256)."""

    secret: str = field(repr=False)
    base_url: str = "http://127.0.0.1:8000"
    zoom_webhook_secret: str | None = field(default=None, repr=False)
    zoom_config: str | None = None
    pic_link_days_after: int = 7
    token_hours: float = 12.0
    secure_cookies: bool = False
    upload_max_bytes: int = UPLOAD_MAX_BYTES
    upload_dir: str | None = None  # None: a private temporary folder of this process
    public_posts_per_minute: int = PUBLIC_POSTS_PER_MINUTE  # 0: no limit
    public_max_body_bytes: int = PUBLIC_MAX_BODY_BYTES

    def __post_init__(self) -> None:
        check_secret(self.secret)
        if self.upload_max_bytes < 1:
            raise WebConfigError(f"upload_max_bytes must be a positive number of bytes, not {self.upload_max_bytes}")
        if self.public_posts_per_minute < 0 or self.public_max_body_bytes < 1:
            raise WebConfigError("public_posts_per_minute must be ≥ 0 and public_max_body_bytes ≥ 1")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> WebSettings:
        """`VICON_WEB_SECRET` (required), `VICON_BASE_URL`, `VICON_ZOOM_WEBHOOK_SECRET`, `VICON_ZOOM_CONFIG`,
        `VICON_UPLOAD_MAX_BYTES`, `VICON_UPLOAD_DIR`, `VICON_PUBLIC_POSTS_PER_MINUTE` (0: no limit),
        `VICON_PUBLIC_MAX_BYTES`."""
        e = os.environ if env is None else env
        values: dict[str, object] = {
            "secret": check_secret(e.get("VICON_WEB_SECRET")),
            "base_url": (e.get("VICON_BASE_URL") or "http://127.0.0.1:8000").rstrip("/"),
            "zoom_webhook_secret": e.get("VICON_ZOOM_WEBHOOK_SECRET") or None,
            "zoom_config": e.get("VICON_ZOOM_CONFIG") or None,
            "secure_cookies": (e.get("VICON_BASE_URL") or "").startswith("https://"),
            "upload_max_bytes": _positive_int(e, "VICON_UPLOAD_MAX_BYTES", UPLOAD_MAX_BYTES),
            "upload_dir": e.get("VICON_UPLOAD_DIR") or None,
            "public_posts_per_minute": _positive_int(
                e, "VICON_PUBLIC_POSTS_PER_MINUTE", PUBLIC_POSTS_PER_MINUTE, unit="posts a minute", minimum=0
            ),
            "public_max_body_bytes": _positive_int(e, "VICON_PUBLIC_MAX_BYTES", PUBLIC_MAX_BODY_BYTES),
        }
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]
