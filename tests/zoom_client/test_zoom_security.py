"""Secrets (client secret, tokens, webhook secret, start_url) never reach logs, reprs or exceptions."""

from __future__ import annotations

import logging
import traceback
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr

from tests.zoom_client.conftest import sandbox_client
from zoom_client.auth import AccessToken, TokenProvider
from zoom_client.client import ZoomClient
from zoom_client.config import config_from_dict
from zoom_client.errors import ZoomAuthError, ZoomError
from zoom_client.models import Meeting, MeetingCreate, MeetingUpdate, OAuthToken
from zoom_client.sandbox import run_sandbox


def _assert_clean(text: str, secrets: list[str]) -> None:
    for s in secrets:
        assert s not in text, f"secret {s[:6]}... leaked"


def test_full_flow_logs_no_secret(caplog):
    with (
        caplog.at_level(logging.DEBUG),
        run_sandbox(port=0, webhook_url="http://127.0.0.1:9/x", webhook_secret="WHSECRET-123") as sb,
    ):
        client = sandbox_client(sb)
        start = datetime.now(UTC) + timedelta(days=1)
        m = client.create_meeting("kmf-zoom01", MeetingCreate(topic="t", start_time=start, duration=30), key="sec-1")
        sb.advance_clock(3601)  # forces a token refresh
        full = client.get_meeting(m.id)
        client.update_meeting(m.id, MeetingUpdate(topic="u"))
        sb.faults.drop_after_create()
        client.ensure_meeting("kmf-zoom01", MeetingCreate(topic="t", start_time=start, duration=30), key="sec-2")
        with pytest.raises(ZoomError):
            client.get_meeting(1)
        secret = sb.credentials["kominfo"].client_secret.get_secret_value()
        token = client.tokens.token()
        assert full.start_url is not None
        start_url = full.start_url.get_secret_value()
    _assert_clean(caplog.text, [secret, token, start_url, "zak=", "WHSECRET-123"])
    assert "zoom token obtained" in caplog.text  # logging did happen


def test_reprs_hide_secrets():
    cfg = config_from_dict(
        {
            "accounts": [
                {
                    "name": "a",
                    "account_id": "acc",
                    "client_id": "cid",
                    "client_secret": "CLIENT-SECRET-1",
                    "webhook_secret": "WEBHOOK-SECRET-1",
                }
            ]
        },
        env={},
    )
    acc = cfg.account()
    provider = TokenProvider(acc)
    token = AccessToken(value=SecretStr("ACCESS-TOKEN-1"), expires_at=1.0)
    oauth = OAuthToken.model_validate({"access_token": "ACCESS-TOKEN-2", "expires_in": 3600})
    meeting = Meeting.model_validate({"id": 1, "start_url": "https://zoom.us/s/1?zak=ZAK-SECRET"})
    texts = [
        repr(cfg),
        str(cfg),
        cfg.model_dump_json(),
        repr(acc),
        repr(provider),
        repr(token),
        repr(oauth),
        oauth.model_dump_json(),
        repr(meeting),
        str(meeting),
        meeting.model_dump_json(),
        str(meeting.model_dump(mode="json")),
        repr(ZoomClient(acc)),
    ]
    _assert_clean(
        "\n".join(texts), ["CLIENT-SECRET-1", "WEBHOOK-SECRET-1", "ACCESS-TOKEN-1", "ACCESS-TOKEN-2", "ZAK-SECRET"]
    )
    assert meeting.start_url is not None and meeting.start_url.get_secret_value().endswith("ZAK-SECRET")


def test_exceptions_and_tracebacks_carry_no_secret(sandbox):
    acc = sandbox.account_config("kominfo", client_secret="WRONG-SECRET-XYZ")
    with pytest.raises(ZoomAuthError) as info:
        ZoomClient(acc, tokens=TokenProvider(acc)).get_meeting(1)
    rendered = "".join(traceback.format_exception(info.value))
    _assert_clean(rendered + repr(info.value), ["WRONG-SECRET-XYZ"])

    client = sandbox_client(sandbox)
    token = client.tokens.token()
    with pytest.raises(ZoomError) as api_err:
        client.get_meeting(1)
    rendered = "".join(traceback.format_exception(api_err.value))
    _assert_clean(rendered, [token, "Bearer"])
    assert api_err.value.request is not None and str(api_err.value.request) == "GET /meetings/1"


def test_sandbox_credentials_repr_hides_the_secret(sandbox):
    cred = sandbox.credentials["kominfo"]
    _assert_clean(repr(cred) + repr(sandbox), [cred.client_secret.get_secret_value()])
