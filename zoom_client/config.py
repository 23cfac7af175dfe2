"""Zoom account configuration: one credential set per Zoom account (tenant), loaded from JSON + environment.

Secrets live in `SecretStr` so they never show in reprs, logs or tracebacks; they can be kept out of the
file entirely and supplied through environment variables (see `load_config`).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

DEFAULT_API_BASE = "https://api.zoom.us/v2"
DEFAULT_OAUTH_URL = "https://zoom.us/oauth/token"
ENV_PREFIX = "VICON_ZOOM_"
_SECRET_FIELDS = ("account_id", "client_id", "client_secret", "webhook_secret")


class ConfigError(ValueError):
    """The Zoom configuration file or environment is unusable (raised before any network call)."""


class AccountCategory(StrEnum):
    """Zoom plan family; it decides the account's per-second API rate limits."""

    PRO = "pro"
    BUSINESS = "business"  # Business, Education, Enterprise, Partners ("Business+")


class ZoomAccountConfig(BaseModel):
    """Credentials and endpoints of one Zoom account's Server-to-Server OAuth app."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    account_id: str = Field(min_length=1)
    client_id: str = Field(min_length=1)
    client_secret: SecretStr
    category: AccountCategory = AccountCategory.PRO
    api_base: str = DEFAULT_API_BASE
    oauth_url: str = DEFAULT_OAUTH_URL
    webhook_secret: SecretStr | None = None
    #: Name of an account-level tracking field that also carries our idempotency key (None: agenda only).
    key_tracking_field: str | None = None
    connect_timeout_s: float = Field(default=5.0, gt=0)
    read_timeout_s: float = Field(default=30.0, gt=0)

    @field_validator("api_base", "oauth_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^/\s]+", value):
            raise ValueError("must be an http(s) URL")
        return value.rstrip("/")

    @field_validator("client_secret")
    @classmethod
    def _non_empty_secret(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value():
            raise ValueError("must not be empty")
        return value

    @property
    def timeout(self) -> tuple[float, float]:
        """(connect, read) timeout passed to every HTTP call."""
        return (self.connect_timeout_s, self.read_timeout_s)


class ZoomConfig(BaseModel):
    """Every Zoom account the product may use, by name."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    accounts: list[ZoomAccountConfig] = Field(min_length=1)

    @field_validator("accounts")
    @classmethod
    def _unique_names(cls, value: list[ZoomAccountConfig]) -> list[ZoomAccountConfig]:
        names = [a.name for a in value]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"duplicate account names: {', '.join(dupes)}")
        return value

    def account(self, name: str | None = None) -> ZoomAccountConfig:
        """The named account, or the only one when `name` is None."""
        if name is None:
            if len(self.accounts) == 1:
                return self.accounts[0]
            raise ConfigError(
                "several Zoom accounts configured; choose one of: " + ", ".join(a.name for a in self.accounts)
            )
        for acc in self.accounts:
            if acc.name == name:
                return acc
        raise ConfigError(f"no Zoom account named {name!r}; known: " + ", ".join(a.name for a in self.accounts))


def env_var_name(account_name: str, field: str) -> str:
    """`VICON_ZOOM_<ACCOUNT>_<FIELD>`, account name upper-cased with non-alphanumerics as `_`."""
    return f"{ENV_PREFIX}{re.sub(r'[^A-Za-z0-9]', '_', account_name).upper()}_{field.upper()}"


def config_from_dict(data: Mapping[str, Any], env: Mapping[str, str] | None = None) -> ZoomConfig:
    """Build a `ZoomConfig` from parsed JSON, letting environment variables supply or override secrets."""
    env = os.environ if env is None else env
    raw_accounts = data.get("accounts")
    if not isinstance(raw_accounts, list):
        raise ConfigError("Zoom config needs an 'accounts' list")
    accounts: list[dict[str, Any]] = []
    for raw in raw_accounts:
        if not isinstance(raw, dict):
            raise ConfigError("each entry of 'accounts' must be an object")
        acc = {k: v for k, v in raw.items() if not str(k).startswith("_")}  # "_comment" keys are notes
        name = str(acc.get("name", ""))
        for field in _SECRET_FIELDS:
            value = env.get(env_var_name(name, field))
            if value:
                acc[field] = value
        accounts.append(acc)
    try:
        top = {k: v for k, v in data.items() if not str(k).startswith("_")}
        return ZoomConfig.model_validate({**top, "accounts": accounts})
    except ValidationError as exc:
        # Pydantic's message would echo input values (secrets): report locations and reasons only.
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors(include_input=False)
        )
        raise ConfigError(f"invalid Zoom config: {problems}") from None


def load_config(path: str | Path, env: Mapping[str, str] | None = None) -> ZoomConfig:
    """Read a Zoom config JSON file; secrets may come from `VICON_ZOOM_<ACCOUNT>_<FIELD>` variables."""
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"Zoom config file not found: {p}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read Zoom config {p}: {exc.__class__.__name__}") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"Zoom config {p} is not valid JSON (line {exc.lineno})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"Zoom config {p} must be a JSON object")
    return config_from_dict(data, env)
