"""Notifications: meeting links to PICs, host details and agendas to operators, by e-mail with calendar invites
(and optionally chat channels through apprise), recorded in the store so each is sent exactly once.

See docs/notifications.md.
"""

from allocator.notify.config import NotifyConfig, NotifyConfigError, load_notify_config
from allocator.notify.events import (
    notify_plan_changes,
    preview_pic,
    queue_daily_agendas,
    queue_reminders,
    tick,
)
from allocator.notify.model import Contact, EventInfo, JoinDetails, Message, Office, Slot
from allocator.notify.outbox import NotificationStatus, Outbox, SendReport, dedup_key, notification_status
from allocator.notify.startlinks import TenantStartLinks, ZoomStartLinks
from allocator.notify.transport import AppriseTransport, FileTransport, SmtpSettings, SmtpTransport, TransportError

__all__ = [
    "AppriseTransport",
    "Contact",
    "EventInfo",
    "FileTransport",
    "JoinDetails",
    "Message",
    "NotificationStatus",
    "NotifyConfig",
    "NotifyConfigError",
    "Office",
    "Outbox",
    "SendReport",
    "Slot",
    "SmtpSettings",
    "SmtpTransport",
    "TenantStartLinks",
    "TransportError",
    "ZoomStartLinks",
    "dedup_key",
    "load_notify_config",
    "notification_status",
    "notify_plan_changes",
    "preview_pic",
    "queue_daily_agendas",
    "queue_reminders",
    "tick",
]
