"""The host's start link, fetched fresh from Zoom right before an operator's message is sent.

`start_url` embeds a short-lived host key (ZAK): whoever holds it joins as host. It is never stored, logged or
sent to a PIC; the outbox asks this port for it at the last moment and puts it only into the operator's e-mail.
"""

from __future__ import annotations

from typing import Protocol

from zoom_client import ZoomClient


class ZoomStartLinks(Protocol):
    """Gives the current start link of a meeting on one of our Zoom accounts."""

    def start_url(self, account: str, meeting_id: int) -> str: ...


class ZoomClients(Protocol):
    """Where to get a Zoom client for an account (`zoom_client.ZoomTenants` fits)."""

    def client(self, name: str | None = None) -> ZoomClient: ...


class StartLinkUnavailable(LookupError):
    """Zoom gave no start link for the meeting."""


class TenantStartLinks:
    """`ZoomStartLinks` over the configured Zoom accounts: one `GET /meetings/{id}` per message."""

    def __init__(self, tenants: ZoomClients) -> None:
        self.tenants = tenants

    def start_url(self, account: str, meeting_id: int) -> str:
        meeting = self.tenants.client(account).get_meeting(meeting_id)
        if meeting.start_url is None:
            raise StartLinkUnavailable(f"Zoom returned no start link for meeting {meeting_id} ({account})")
        return meeting.start_url.get_secret_value()
