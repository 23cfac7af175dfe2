"""From a `Message` to an RFC 5322 e-mail: text and HTML alternatives, the invite both inline (text/calendar
with its METHOD, which mail clients show as an invitation) and as an .ics attachment. Pure.

The Message-ID is derived from the notification's dedup key, so if a crash makes the outbox send a message a
second time (see docs/notifications.md), the copy carries the same Message-ID and receivers may fold them.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from allocator.notify.model import Message, Office


def message_id(dedup_key: str, domain: str = "vicon-allocator") -> str:
    """A stable Message-ID for a notification."""
    digest = hashlib.sha256(dedup_key.encode("utf-8")).hexdigest()[:32]
    return f"<{digest}@{domain}>"


def _domain(email: str) -> str:
    return email.rpartition("@")[2] or "vicon-allocator"


def to_email(
    msg: Message, *, sender: Office, dedup_key: str, date: datetime, reply_to: str | None = None
) -> EmailMessage:
    """The e-mail for `msg` (its start-link placeholder must already be filled in by the caller, or absent)."""
    if not msg.to.email:
        raise ValueError(f"{msg.to.name} has no e-mail address")
    em = EmailMessage()
    em["Subject"] = msg.subject
    em["From"] = Address(display_name=sender.name, addr_spec=sender.email)
    em["To"] = Address(display_name=msg.to.name, addr_spec=msg.to.email)
    if reply_to:
        em["Reply-To"] = reply_to
    em["Date"] = format_datetime(date)
    em["Message-ID"] = message_id(dedup_key, _domain(sender.email))
    em["X-Vicon-Kind"] = msg.kind
    if msg.request:
        em["X-Vicon-Request"] = msg.request
    em["Auto-Submitted"] = "auto-generated"
    em.set_content(msg.text, subtype="plain", charset="utf-8")
    em.add_alternative(msg.html, subtype="html", charset="utf-8")
    if msg.calendar is not None:
        em.add_alternative(
            msg.calendar.content, subtype="calendar", charset="utf-8", params={"method": msg.calendar.method}
        )
        em.add_attachment(
            msg.calendar.content.encode("utf-8"),
            maintype="application",
            subtype="ics",
            filename=msg.calendar.filename,
        )
    for part in msg.more_calendars:  # each its own file: calendars import one event per .ics reliably
        em.add_attachment(part.content.encode("utf-8"), maintype="application", subtype="ics", filename=part.filename)
    em["Content-Language"] = msg.language  # after the body: set_content/make_mixed move Content-* headers
    return em
