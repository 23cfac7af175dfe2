"""A local stand-in for Zoom's REST API (the subset `zoom_client` uses), for demos and end-to-end tests.

It is NOT Zoom: it says so in every response (`X-Zoom-Sandbox` header) and on start-up.
"""

from zoom_client.sandbox.fixture import (
    FixtureAccount,
    FixtureFeatures,
    FixtureUser,
    SandboxFixture,
    generated_fixture,
    load_fixture,
)
from zoom_client.sandbox.server import Sandbox, SandboxCredentials, WebhookDelivery, run_sandbox
from zoom_client.sandbox.state import SANDBOX_HEADER, FaultRule, Faults, Reply, SandboxClock, SandboxState

__all__ = [
    "SANDBOX_HEADER",
    "FaultRule",
    "Faults",
    "FixtureAccount",
    "FixtureFeatures",
    "FixtureUser",
    "Reply",
    "Sandbox",
    "SandboxClock",
    "SandboxCredentials",
    "SandboxFixture",
    "SandboxState",
    "WebhookDelivery",
    "generated_fixture",
    "load_fixture",
    "run_sandbox",
]
