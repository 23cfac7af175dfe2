"""Typed client for the subset of Zoom's REST API the product needs, plus a local sandbox of it.

    from zoom_client import ZoomClient, load_config, MeetingCreate
    client = ZoomClient(load_config("zoom.json").account("kominfo"))
    meeting = client.ensure_meeting("host@office.go.id", MeetingCreate(...), key="REQ-2025-001")

See docs/zoom_client.md.
"""

from zoom_client.auth import TokenProvider
from zoom_client.client import CallStats, ZoomClient, ZoomTenants, reset_shared_tokens, shared_token_provider
from zoom_client.config import (
    AccountCategory,
    ConfigError,
    ZoomAccountConfig,
    ZoomConfig,
    config_from_dict,
    load_config,
)
from zoom_client.errors import (
    RequestInfo,
    ZoomAuthError,
    ZoomConflict,
    ZoomDailyBudgetExhausted,
    ZoomError,
    ZoomNotFound,
    ZoomOutcomeUnknown,
    ZoomPermissionError,
    ZoomProtocolError,
    ZoomRateLimited,
    ZoomServerError,
    ZoomTransportError,
    ZoomValidationError,
)
from zoom_client.limits import ApiCategory, DailyBudget, RateLimiter, UnlimitedRateLimiter
from zoom_client.models import (
    HostInfo,
    HostKind,
    Meeting,
    MeetingCreate,
    MeetingSettings,
    MeetingStatusUpdate,
    MeetingSummary,
    MeetingUpdate,
    Occurrence,
    Recurrence,
    TrackingField,
    UserSettings,
    ZoomUser,
)
from zoom_client.retry import RetryPolicy
from zoom_client.webhooks import WebhookVerificationError, WebhookVerifier, parse_event

__all__ = [
    "AccountCategory",
    "ApiCategory",
    "CallStats",
    "ConfigError",
    "DailyBudget",
    "HostInfo",
    "HostKind",
    "Meeting",
    "MeetingCreate",
    "MeetingSettings",
    "MeetingStatusUpdate",
    "MeetingSummary",
    "MeetingUpdate",
    "Occurrence",
    "RateLimiter",
    "Recurrence",
    "RequestInfo",
    "RetryPolicy",
    "TokenProvider",
    "TrackingField",
    "UnlimitedRateLimiter",
    "UserSettings",
    "WebhookVerificationError",
    "WebhookVerifier",
    "ZoomAccountConfig",
    "ZoomAuthError",
    "ZoomClient",
    "ZoomConfig",
    "ZoomConflict",
    "ZoomDailyBudgetExhausted",
    "ZoomError",
    "ZoomNotFound",
    "ZoomOutcomeUnknown",
    "ZoomPermissionError",
    "ZoomProtocolError",
    "ZoomRateLimited",
    "ZoomServerError",
    "ZoomTenants",
    "ZoomTransportError",
    "ZoomUser",
    "ZoomValidationError",
    "config_from_dict",
    "load_config",
    "parse_event",
    "reset_shared_tokens",
    "shared_token_provider",
]
