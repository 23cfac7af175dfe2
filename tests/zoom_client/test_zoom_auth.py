from __future__ import annotations

import base64
import threading
import time
from urllib.parse import parse_qs

import pytest
import responses

from tests.zoom_client.conftest import OAUTH, SECRET, token_reply
from zoom_client.auth import TokenProvider
from zoom_client.client import ZoomClient, ZoomTenants, shared_token_provider
from zoom_client.config import ZoomConfig
from zoom_client.errors import ZoomAuthError, ZoomProtocolError, ZoomServerError, ZoomTransportError


def test_token_request_is_server_to_server_oauth(rsps, account, fake_time):
    rsps.post(OAUTH, json=token_reply("tok-1"))
    provider = TokenProvider(account, clock=fake_time.monotonic)
    assert provider.token() == "tok-1"
    req = rsps.calls[0].request
    assert parse_qs(req.body) == {"grant_type": ["account_credentials"], "account_id": ["acc-123"]}
    expected = base64.b64encode(f"client-abc:{SECRET}".encode()).decode()
    assert req.headers["Authorization"] == f"Basic {expected}"
    assert req.req_kwargs["timeout"] == account.timeout


def test_token_is_cached_until_60_seconds_before_expiry(rsps, account, fake_time):
    rsps.post(OAUTH, json=token_reply("tok-1"))
    provider = TokenProvider(account, clock=fake_time.monotonic)
    assert provider.token() == "tok-1"
    fake_time.advance(3600 - 61)
    assert provider.token() == "tok-1"
    assert provider.fetches == 1
    rsps.replace(responses.POST, OAUTH, json=token_reply("tok-2"))
    fake_time.advance(2)  # now 59 s before Zoom's expiry
    assert provider.token() == "tok-2"
    assert provider.fetches == 2


def test_concurrent_callers_share_one_fetch(rsps, account):
    gate = threading.Event()
    fetches = []

    def slow_token(request):
        fetches.append(1)
        gate.wait(2)
        return (200, {}, '{"access_token": "shared", "expires_in": 3600}')

    rsps.add_callback(responses.POST, OAUTH, callback=slow_token)
    provider = TokenProvider(account)
    results: list[str] = []
    threads = [threading.Thread(target=lambda: results.append(provider.token())) for _ in range(8)]
    for t in threads:
        t.start()
    time.sleep(0.05)
    gate.set()
    for t in threads:
        t.join()
    assert results == ["shared"] * 8
    assert len(fetches) == 1


def test_invalidate_only_drops_the_stale_token(rsps, account, fake_time):
    rsps.post(OAUTH, json=token_reply("tok-1"))
    provider = TokenProvider(account, clock=fake_time.monotonic)
    provider.token()
    provider.invalidate("some-older-token")  # another thread already renewed: keep the current one
    assert provider.token() == "tok-1" and provider.fetches == 1
    provider.invalidate("tok-1")
    rsps.replace(responses.POST, OAUTH, json=token_reply("tok-2"))
    assert provider.token() == "tok-2"


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (401, '{"reason": "Invalid client_id or client_secret", "error": "invalid_client"}'),
        (400, '{"reason": "Invalid request : Bad Request : Account does not exist", "error": "invalid_request"}'),
        (400, "not json at all"),
    ],
)
def test_refused_credentials_raise_auth_error_without_secrets(rsps, account, status, body):
    rsps.post(OAUTH, status=status, body=body)
    with pytest.raises(ZoomAuthError) as info:
        TokenProvider(account).token()
    text = str(info.value) + repr(info.value)
    assert "kominfo" in text
    assert SECRET not in text and "client-abc" not in text
    assert info.value.status == status


def test_oauth_server_error_and_unreadable_reply(rsps, account):
    rsps.post(OAUTH, status=503, body="<html>down</html>")
    with pytest.raises(ZoomServerError):
        TokenProvider(account).token()
    rsps.replace(responses.POST, OAUTH, status=200, body="<html>captive portal</html>")
    with pytest.raises(ZoomProtocolError):
        TokenProvider(account).token()
    rsps.replace(responses.POST, OAUTH, json={"token_type": "bearer"})
    with pytest.raises(ZoomProtocolError):
        TokenProvider(account).token()


def test_oauth_unreachable_is_a_transport_error(rsps, account):
    import requests

    rsps.post(OAUTH, body=requests.ConnectionError("refused"))
    with pytest.raises(ZoomTransportError, match="OAuth endpoint"):
        TokenProvider(account).token()


def test_constructors_touch_no_network(account):
    with responses.RequestsMock() as strict:  # any request would fail: none is registered
        client = ZoomClient(account)
        tenants = ZoomTenants(ZoomConfig(accounts=[account]))
        tenants.client("kominfo")
        assert client.list_users is not None
        assert len(strict.calls) == 0


def test_clients_of_one_credential_set_share_one_token(rsps, account):
    rsps.post(OAUTH, json=token_reply("tok-1"))
    a, b = ZoomClient(account), ZoomClient(account)
    assert a.tokens is b.tokens is shared_token_provider(account)
    assert a.tokens.token() == b.tokens.token() == "tok-1"
    assert len(rsps.calls) == 1


def test_tenants_keep_separate_tokens(rsps, account):
    other = account.model_copy(update={"name": "setda", "account_id": "acc-999", "client_id": "client-xyz"})
    rsps.post(
        OAUTH,
        json=token_reply("tok-kominfo"),
        match=[
            responses.matchers.urlencoded_params_matcher({"grant_type": "account_credentials", "account_id": "acc-123"})
        ],
    )
    rsps.post(
        OAUTH,
        json=token_reply("tok-setda"),
        match=[
            responses.matchers.urlencoded_params_matcher({"grant_type": "account_credentials", "account_id": "acc-999"})
        ],
    )
    tenants = ZoomTenants(ZoomConfig(accounts=[account, other]))
    assert tenants.client("kominfo").tokens.token() == "tok-kominfo"
    assert tenants.client("setda").tokens.token() == "tok-setda"
    assert [c.account_name for c in tenants.clients()] == ["kominfo", "setda"]
