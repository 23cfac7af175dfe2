"""Guards in front of every route: which origin may write with the sign-in cookie, and how much an anonymous
client may post.

- **Cookie writes** (CSRF): the sign-in cookie rides along with any request the browser makes, so every
  state-changing request that authenticates with it (no `Authorization` header; API and pages alike) must carry
  an `Origin` — or, without one, a `Referer` — whose scheme, host and port are those of `VICON_BASE_URL`.
  `Origin: null` and neither header are refused. Bearer-token calls (scripts) carry no ambient credential and
  are not checked.
- **Anonymous posts** (the public form and `POST /api/requests`): at most `public_posts_per_minute` per client
  address in any minute (429 with `Retry-After`), bodies of at most `public_max_body_bytes` (413, also without a
  `Content-Length`). Both are checked before the route runs, so a refused post stores nothing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from urllib.parse import parse_qs, urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from allocator.web.accounts import csrf_ok
from allocator.web.auth import COOKIE_NAME, TokenError, decode_token
from allocator.web.i18n import TEXT, lang_of
from allocator.web.limits import RateLimiter
from allocator.web.pages import message_page
from allocator.web.settings import WebSettings

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: The writes anyone may make without signing in.
PUBLIC_POSTS = frozenset({"/form", "/api/requests"})


def public_post(path: str) -> bool:
    """An anonymous write: the public form, the API's request post, or a PIC's kit fault report on their signed
    page (`/p/{token}/fault`)."""
    return path in PUBLIC_POSTS or (path.startswith("/p/") and path.endswith("/fault") and path.count("/") == 3)


def origin_of(url: str) -> str | None:
    """`scheme://host[:port]` of an http(s) URL, lower-case, the default port left out; None if it has none."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if scheme not in ("http", "https") or not host:
        return None
    if ":" in host:
        host = f"[{host}]"
    default = 443 if scheme == "https" else 80
    return f"{scheme}://{host}" + (f":{port}" if port is not None and port != default else "")


def write_origin_ok(headers: Mapping[str, str], base_url: str) -> bool:
    """Whether a write comes from our own pages: its Origin (else its Referer) is `base_url`'s origin. A `null`
    Origin (sandboxed frames, cross-origin redirects, privacy settings) is not ours, and neither is no header."""
    expected = origin_of(base_url)
    origin = headers.get("origin")
    if origin is not None:
        return origin.strip().lower() != "null" and origin_of(origin) == expected
    referer = headers.get("referer")
    return referer is not None and origin_of(referer) == expected


def cookie_authenticated(request: Request) -> bool:
    """The request would be authenticated by the sign-in cookie (an `Authorization` header takes precedence)."""
    return not request.headers.get("authorization") and bool(request.cookies.get(COOKIE_NAME))


def _refusal(request: Request, status: int, heading: str, api_text: str, page_text: str, **extra: str) -> Response:
    """The API's JSON error, or the page in the visitor's language (`page_text` is a key of `TEXT`, filled with
    `extra`); `extra["retry_after"]` also becomes the `Retry-After` header."""
    headers = {"Retry-After": extra["retry_after"]} if "retry_after" in extra else {}
    if request.url.path.startswith("/api"):
        return JSONResponse({"detail": api_text, "errors": []}, status_code=status, headers=headers)
    lang = lang_of(request.query_params.get("lang"))
    response = message_page(request, lang, status, heading, TEXT[lang][page_text].format(**extra))
    response.headers.update(headers)
    return response


#: Where a signed-in page write may carry its CSRF token besides the form's `csrf` field (a multipart upload: the
#: form's action URL, so the token is checked before the file is read; a script: the header).
CSRF_FIELD, CSRF_HEADER = "csrf", "x-csrf-token"
#: Writes that must come from our own pages even without the sign-in cookie (a forged sign-in would put the
#: visitor in someone else's account).
ORIGIN_CHECKED_ANONYMOUS = frozenset({"/login", "/logout"})
_CSRF_BODY_MAX = 1024 * 1024


class CookieWriteOrigin:
    """ASGI middleware against cross-site writes: refuses (403) cookie-authenticated writes (and sign-ins) that do
    not come from `base_url`'s pages, and a page write signed in by cookie without this session's CSRF token
    (`accounts.csrf_token`) in its form, action URL or `X-CSRF-Token` header. The API under `/api` answers
    scripts with bearer tokens; its cookie writes need the Origin only, as does a sign-in (a form loaded before
    another tab signed in would carry an old token, and signing in gains nothing from a cookie)."""

    def __init__(self, app: ASGIApp, settings: WebSettings) -> None:
        self.app = app
        self.settings = settings
        self.base_url = settings.base_url

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        by_cookie = cookie_authenticated(request)
        if (by_cookie or scope["path"] in ORIGIN_CHECKED_ANONYMOUS) and not write_origin_ok(
            request.headers, self.base_url
        ):
            text = "cross-site write refused: a write signed in by cookie needs this service's Origin (or Referer)"
            await _refusal(request, 403, "forbidden", text, "cross_site")(scope, receive, send)
            return
        if not by_cookie or scope["path"] == "/login" or scope["path"].startswith(("/api", "/webhooks")):
            await self.app(scope, receive, send)
            return
        sent = request.headers.get(CSRF_HEADER) or request.query_params.get(CSRF_FIELD)
        body = b""
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if not sent and kind == "application/x-www-form-urlencoded":
            read = await _read_all(receive, _CSRF_BODY_MAX)
            body = read or b""
            try:
                values = parse_qs(body.decode("latin-1"), max_num_fields=200).get(CSRF_FIELD) if body else None
            except ValueError:  # more fields than any form of ours has
                values = None
            sent = values[0] if values else None
        if not csrf_ok(self.settings, request.cookies.get(COOKIE_NAME, ""), sent):
            await _refusal(request, 403, "forbidden", "CSRF token missing or wrong", "csrf")(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive) if body else receive, send)


async def _read_all(receive: Receive, cap: int) -> bytes | None:
    """The request body; None once it is over `cap` (no form of ours is that large: the check then fails)."""
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return bytes(body)
        body += message.get("body", b"")
        if len(body) > cap:
            return None
        if not message.get("more_body", False):
            return bytes(body)


class PublicPostLimits:
    """ASGI middleware for the anonymous writes (`PUBLIC_POSTS`): a rate per client address (429, Retry-After)
    and a body size (413), both before the route sees the request. Signed-in staff are not rate-limited."""

    def __init__(self, app: ASGIApp, settings: WebSettings) -> None:
        self.app = app
        self.settings = settings
        self.max_bytes = settings.public_max_body_bytes
        per_minute = settings.public_posts_per_minute
        self.limiter = RateLimiter(per_minute) if per_minute > 0 else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or not public_post(scope["path"]):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        if self.limiter is not None and not self._staff(request):
            client = scope.get("client")
            wait = self.limiter.hit(client[0] if client else "unknown")
            if wait > 0:
                secs = math.ceil(wait)
                text = f"too many requests from this address (at most {self.limiter.per_minute} a minute); "
                text += f"try again in {secs} s"
                refusal = _refusal(
                    request, 429, "too_many", text, "too_many_text", retry_after=str(secs), secs=str(secs)
                )
                await refusal(scope, receive, send)
                return
        body = await self._body(request, receive)
        if body is None:
            limit = self.max_bytes
            size = request.headers.get("content-length") or f"> {limit}"
            text = f"request body too large (at most {limit} bytes)"
            await _refusal(request, 413, "too_big", text, "too_big_text", size=f"{size} B", max=f"{limit} B")(
                scope, receive, send
            )
            return
        await self.app(scope, _replay(body, receive), send)

    def _staff(self, request: Request) -> bool:
        header = request.headers.get("authorization", "")
        token = header.partition(" ")[2].strip() if header else request.cookies.get(COOKIE_NAME)
        if not token:
            return False
        try:
            decode_token(self.settings, token)
        except TokenError:
            return False
        return True

    async def _body(self, request: Request, receive: Receive) -> bytes | None:
        """The whole body, or None as soon as it (or its declared length) is over the limit."""
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > self.max_bytes:
            return None
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return bytes(body)  # the client went away; the route sees what came
            body += message.get("body", b"")
            if len(body) > self.max_bytes:
                return None
            if not message.get("more_body", False):
                return bytes(body)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that hands the route the body already read, then waits for the client as usual."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
