"""A Zoom sandbox fixture made from our own hosts, so the sandbox knows the users a problem file names."""

from __future__ import annotations

import re
from collections.abc import Iterable

from allocator.planner.domain import HostKind, UnitOperator, ZoomHost
from zoom_client.config import AccountCategory
from zoom_client.sandbox import FixtureAccount, FixtureFeatures, FixtureUser, SandboxFixture


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


def fixture_for_hosts(hosts: Iterable[ZoomHost], unit_operators: Iterable[UnitOperator] = ()) -> SandboxFixture:
    """One sandbox account per host account, one licensed user per host (capacity, webinar, concurrency), and one
    licensed user per unit operator's own `zoom_user` on a host's account (they are made alternative hosts)."""
    by_account: dict[str, list[ZoomHost]] = {}
    for h in hosts:
        by_account.setdefault(h.account, []).append(h)
    accounts = []
    for name, members in sorted(by_account.items()):
        users = []
        for h in members:
            large = h.capacity > 300
            users.append(
                FixtureUser(
                    id=f"sbx-{_slug(name)}-{_slug(h.id)}",
                    email=h.zoom_user if "@" in h.zoom_user else f"{_slug(h.zoom_user)}@sandbox.example",
                    first_name="Zoom",
                    last_name=h.label or h.id,
                    feature=FixtureFeatures(
                        meeting_capacity=min(h.capacity, 300),
                        large_meeting=large,
                        large_meeting_capacity=h.capacity if large else None,
                        webinar=h.kind is HostKind.WEBINAR,
                        webinar_capacity=h.capacity if h.kind is HostKind.WEBINAR else None,
                        concurrent_meeting="Basic" if h.max_concurrent > 1 else "None",
                    ),
                )
            )
        taken = {u.email.lower() for u in users}
        for u in unit_operators:
            if u.zoom_user and u.zoom_account == name and u.zoom_user.lower() not in taken:
                taken.add(u.zoom_user.lower())
                users.append(FixtureUser(id=f"sbx-{_slug(name)}-unit-{_slug(u.id)}", email=u.zoom_user,
                                         first_name=u.name, last_name=u.unit))  # fmt: skip
        business = any(h.max_concurrent > 1 for h in members)
        accounts.append(
            FixtureAccount(
                name=name,
                account_id=f"sbx-{_slug(name)}-acct",
                client_id=f"sbx-{_slug(name)}-client",
                client_secret=f"sbx-{_slug(name)}-secret-not-real",
                category=AccountCategory.BUSINESS if business else AccountCategory.PRO,
                users=users,
            )
        )
    return SandboxFixture(description="SANDBOX FIXTURE generated from the store's hosts - not real", accounts=accounts)
