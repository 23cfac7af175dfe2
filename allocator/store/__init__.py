"""The durable state of the service: requests (with history), resources, plans, Zoom meetings, the outbox of
Zoom actions, notifications and the audit log. SQLite by default, PostgreSQL by URL. See docs/store.md."""

from allocator.store.db import DEFAULT_DB_PATH, ENV_DATABASE_URL, database_url, make_engine
from allocator.store.migrate import current_revision, head_revision, upgrade
from allocator.store.repo import (
    AuditEntry,
    MeetingView,
    OutboxView,
    PublishedPlan,
    PublishResult,
    RequestVersion,
    Store,
)

__all__ = [
    "DEFAULT_DB_PATH",
    "ENV_DATABASE_URL",
    "AuditEntry",
    "MeetingView",
    "OutboxView",
    "PublishResult",
    "PublishedPlan",
    "RequestVersion",
    "Store",
    "current_revision",
    "database_url",
    "head_revision",
    "make_engine",
    "upgrade",
]
