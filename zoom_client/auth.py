"""Server-to-Server OAuth (`grant_type=account_credentials`): one cached token per credential set.

Zoom has invalidated older tokens when new ones are requested, so the token is fetched once and shared by
every thread using it, renewed 60 s before expiry by a single caller while the others wait, and renewed
on demand (after a 401 / code 124) only if nobody has renewed it since the failing call read it.
Nothing here touches the network until a token is first needed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

import requests
from pydantic import SecretStr, ValidationError

from zoom_client.config import ZoomAccountConfig
from zoom_client.errors import (
    RequestInfo,
    ZoomAuthError,
    ZoomProtocolError,
    ZoomTransportError,
    error_from_response,
)
from zoom_client.models import OAuthToken

log = logging.getLogger(__name__)

#: Renew this many seconds before Zoom's stated expiry (what Zoom's own library does).
REFRESH_MARGIN_S = 60.0


@dataclass(frozen=True)
class AccessToken:
    """A bearer token and when (on the provider's monotonic clock) it must be renewed."""

    value: SecretStr = field(repr=False)
    expires_at: float
    scopes: tuple[str, ...] = ()


class TokenProvider:
    """Hands out the current bearer token of one Zoom account, fetching it only when needed."""

    def __init__(
        self,
        account: ZoomAccountConfig,
        *,
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.monotonic,
        margin_s: float = REFRESH_MARGIN_S,
    ) -> None:
        self._account = account
        self._session = session or requests.Session()
        self._clock = clock
        self._margin = margin_s
        self._lock = threading.Lock()
        self._token: AccessToken | None = None
        self.fetches = 0

    def __repr__(self) -> str:
        return f"TokenProvider(account={self._account.name!r}, cached={self._token is not None})"

    @property
    def account_name(self) -> str:
        return self._account.name

    def token(self) -> str:
        """A valid bearer token (fetched or renewed if it is missing or within the margin of expiry)."""
        tok = self._token
        if tok is not None and self._clock() < tok.expires_at:
            return tok.value.get_secret_value()
        with self._lock:
            tok = self._token
            if tok is None or self._clock() >= tok.expires_at:
                tok = self._fetch()
                self._token = tok
            return tok.value.get_secret_value()

    def invalidate(self, stale: str) -> None:
        """Drop the cached token if it is still `stale` (another thread may already have renewed it)."""
        with self._lock:
            if self._token is not None and self._token.value.get_secret_value() == stale:
                self._token = None

    def _fetch(self) -> AccessToken:
        acc = self._account
        request = RequestInfo("POST", urlsplit(acc.oauth_url).path or "/oauth/token")
        started = self._clock()
        try:
            resp = self._session.post(
                acc.oauth_url,
                data={"grant_type": "account_credentials", "account_id": acc.account_id},
                auth=(acc.client_id, acc.client_secret.get_secret_value()),
                headers={"Accept": "application/json"},
                timeout=acc.timeout,
            )
        except requests.RequestException as exc:
            raise ZoomTransportError(
                f"cannot reach the Zoom OAuth endpoint for account {acc.name}: {type(exc).__name__}",
                request=request,
            ) from None
        self.fetches += 1
        if resp.status_code != 200:
            err = error_from_response(resp.status_code, resp.content, resp.headers, request, now=_utcnow())
            if resp.status_code in (400, 401, 403):
                raise ZoomAuthError(
                    f"Zoom refused the credentials of account {acc.name}: {err.message}",
                    status=err.status,
                    code=err.code,
                    request=request,
                ) from None
            raise err
        try:
            parsed = OAuthToken.model_validate_json(resp.content)
        except ValidationError:
            raise ZoomProtocolError(
                f"unreadable OAuth token reply for account {acc.name}", status=200, request=request
            ) from None
        log.info("zoom token obtained for account %s (expires in %s s)", acc.name, parsed.expires_in)
        return AccessToken(
            value=parsed.access_token,
            expires_at=started + parsed.expires_in - self._margin,
            scopes=tuple(parsed.scope.split()),
        )


def _utcnow() -> datetime:
    return datetime.now(UTC)
