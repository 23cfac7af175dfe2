"""The sandbox's accounts and users: a JSON fixture (a realistic default ships with the package)."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from zoom_client.config import AccountCategory, ConfigError

DEFAULT_FIXTURE = "default_fixture.json"


class FixtureFeatures(BaseModel):
    model_config = ConfigDict(extra="forbid")

    meeting_capacity: int = 100
    large_meeting: bool = False
    large_meeting_capacity: int | None = None
    webinar: bool = False
    webinar_capacity: int | None = None
    concurrent_meeting: str = "None"


class FixtureUser(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    email: str = Field(min_length=3)
    first_name: str = ""
    last_name: str = ""
    type: int = 2
    status: str = "active"
    timezone: str = "Asia/Jakarta"
    #: False makes meeting creation fail with Zoom's code 3161 (user may not host).
    can_host: bool = True
    feature: FixtureFeatures = Field(default_factory=FixtureFeatures)


class FixtureAccount(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    account_id: str = Field(min_length=1)
    client_id: str = Field(min_length=1)
    client_secret: str = Field(min_length=1)
    category: AccountCategory = AccountCategory.PRO
    users: list[FixtureUser] = Field(default_factory=list)

    def user(self, user_id_or_email: str) -> FixtureUser | None:
        needle = user_id_or_email.lower()
        for u in self.users:
            if u.id.lower() == needle or u.email.lower() == needle:
                return u
        return None


class SandboxFixture(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: str = ""
    accounts: list[FixtureAccount] = Field(min_length=1)

    @field_validator("accounts")
    @classmethod
    def _unique(cls, value: list[FixtureAccount]) -> list[FixtureAccount]:
        for attr in ("name", "account_id", "client_id"):
            seen = [getattr(a, attr) for a in value]
            if len(seen) != len(set(seen)):
                raise ValueError(f"duplicate account {attr}")
        user_ids = [u.id for a in value for u in a.users]
        if len(user_ids) != len(set(user_ids)):
            raise ValueError("duplicate user id")
        return value

    def account(self, name: str) -> FixtureAccount:
        for a in self.accounts:
            if a.name == name:
                return a
        raise KeyError(name)


def fixture_from_dict(data: dict[str, Any]) -> SandboxFixture:
    try:
        return SandboxFixture.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors(include_input=False)
        )
        raise ConfigError(f"invalid sandbox fixture: {problems}") from None


def load_fixture(path: str | Path | None = None) -> SandboxFixture:
    """Read a fixture file, or the packaged default (an Indonesian office) when `path` is None."""
    if path is None:
        text = resources.files(__package__).joinpath(DEFAULT_FIXTURE).read_text(encoding="utf-8")
        where = f"packaged {DEFAULT_FIXTURE}"
    else:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read sandbox fixture {path}: {exc.strerror or exc}") from None
        where = str(path)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"sandbox fixture {where} is not valid JSON (line {exc.lineno})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"sandbox fixture {where} must be a JSON object")
    return fixture_from_dict(data)


def generated_fixture(hosts: int, *, category: AccountCategory = AccountCategory.BUSINESS) -> SandboxFixture:
    """A one-account fixture with `hosts` licensed users (benchmarks, load tests)."""
    users = [
        FixtureUser(
            id=f"gen-host-{i:03d}",
            email=f"host{i:03d}@sandbox.example",
            first_name="Host",
            last_name=str(i),
            feature=FixtureFeatures(meeting_capacity=(100, 300, 500, 1000)[i % 4]),
        )
        for i in range(hosts)
    ]
    return SandboxFixture(
        description="generated sandbox fixture",
        accounts=[
            FixtureAccount(
                name="bench",
                account_id="sbx-bench-acct",
                client_id="sbx-bench-client",
                client_secret="sbx-bench-secret-not-real",
                category=category,
                users=users,
            )
        ],
    )
