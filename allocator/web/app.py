"""`create_app(store, settings)`: the FastAPI application behind `vicon serve`."""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from allocator.store.repo import Store
from allocator.web import (
    api,
    calendar_export,
    calendar_pages,
    desk_actions,
    desk_pages,
    fault_pages,
    feeds,
    guard,
    pages,
    pic_actions,
    start_pages,
    upload_pages,
    zoomhook,
)
from allocator.web.accounts import LoginThrottle
from allocator.web.i18n import TEXT, lang_of
from allocator.web.settings import WebSettings, check_secret
from zoom_client.webhooks import WebhookVerifier

log = logging.getLogger(__name__)
_JSON_PREFIXES = ("/api", "/webhooks")
#: Pages are our own HTML and CSS only: no script at all, no frame, forms post only here.
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
#: Responses that may carry join links, passcodes or a signed-in person's data: never kept by any cache.
_NO_STORE_PREFIXES = ("/api/", "/p/", "/admin", "/me", "/login", "/account", "/start")
_CACHEABLE = ("/api/openapi.json",)
_SECRET_PATHS = re.compile(r"(/(?:api/)?p(?:ic)?/(?:offer/)?|/feeds/)[^/?\s\"]+")
_CSRF_QUERY = re.compile(r"([?&]csrf=)[^&\s\"]+")


def redact(text: str) -> str:
    """Paths with PIC link tokens (and an upload's CSRF token), made safe to log."""
    return _CSRF_QUERY.sub(r"\1<redacted>", _SECRET_PATHS.sub(r"\1<redacted>", text))


class RedactTokens(logging.Filter):
    """Keeps PIC link tokens (which live in the path) out of the access log."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        record.msg = redact(str(record.msg))
        return True


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path")]
    out = ""
    for p in parts:
        out += f"[{p}]" if p.isdigit() else (f".{p}" if out else p)
    return out or "body"


def validation_errors(exc: RequestValidationError) -> list[str]:
    out = []
    for e in exc.errors():
        msg = str(e.get("msg", "invalid")).removeprefix("Value error, ")
        out.append(f"{_field(tuple(e.get('loc', ())))}: {msg}")
    return out


def create_app(store: Store, settings: WebSettings) -> FastAPI:
    """The API (/api, documented at /api/openapi.json), the Zoom webhook and the pages (with the admin's upload
    of request files). No Swagger page: FastAPI's loads its scripts from a CDN, which the CSP (and a
    government office's network) would not allow."""
    check_secret(settings.secret)
    app = FastAPI(
        title="vicon-allocator",
        version="0.1.0",
        summary="Requests, plans and Zoom links for a shared pool of Zoom licences and vicon operators.",
        openapi_url="/api/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=upload_pages.lifespan,
    )
    app.state.store = store
    app.state.uploads = upload_pages.upload_box(settings)
    app.state.settings = settings
    app.state.webhook_verifier = WebhookVerifier(settings.zoom_webhook_secret) if settings.zoom_webhook_secret else None
    app.state.webhook_seen = zoomhook.SeenEvents()
    app.state.login_throttle = LoginThrottle.default()
    app.state.reconciler = zoomhook.Reconciler(store, settings)
    app.state.start_links = None  # made from settings.zoom_config at the first start link (start_pages)

    def wants_json(request: Request) -> bool:
        return request.url.path.startswith(_JSON_PREFIXES)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if not wants_json(request):
            return pages.page_error(request, exc)
        detail = exc.detail
        if isinstance(detail, list):
            body = {"detail": "invalid request", "errors": [str(d) for d in detail]}
        else:
            body = {"detail": str(detail), "errors": []}
        return JSONResponse(body, status_code=exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def invalid_input(request: Request, exc: RequestValidationError) -> Response:
        errors = validation_errors(exc)
        if not wants_json(request):
            return pages.message_page(request, "id", 422, "errors", "; ".join(errors))
        return JSONResponse({"detail": "invalid request", "errors": errors}, status_code=422)

    @app.exception_handler(pages.LoginRequired)
    async def login_required(request: Request, exc: pages.LoginRequired) -> Response:
        return pages.page_error(request, exc)

    @app.exception_handler(pages.PageDenied)
    async def denied(request: Request, exc: pages.PageDenied) -> Response:
        return pages.page_error(request, exc)

    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    async def database_down(request: Request, exc: Exception) -> Response:
        """The database cannot be reached: the service is unavailable for now (503), not broken (500)."""
        log.warning("database unavailable during %s %s: %s", request.method, redact(request.url.path),
                    type(exc).__name__)  # fmt: skip
        if not wants_json(request):
            lang = lang_of(request.query_params.get("lang"))
            page = pages.message_page(request, lang, 503, "unavailable", TEXT[lang]["db_down"])
            page.headers["Retry-After"] = "5"
            return page
        return JSONResponse({"detail": "database unavailable", "errors": []}, 503, headers={"Retry-After": "5"})

    # Middleware added later wraps the earlier: the headers below go on the guards' refusals too.
    app.add_middleware(guard.PublicPostLimits, settings=settings)
    app.add_middleware(guard.CookieWriteOrigin, settings=settings)

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        # same-origin, not no-referrer: with no-referrer browsers send `Origin: null` on our own form posts
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Content-Security-Policy", CSP)
        path = request.url.path
        if path.startswith(_NO_STORE_PREFIXES) and path not in _CACHEABLE:
            headers["Cache-Control"] = "no-store"
        return response

    app.include_router(api.router)
    app.include_router(zoomhook.router)
    app.include_router(pages.router)
    app.include_router(upload_pages.router)
    app.include_router(calendar_export.router)
    app.include_router(calendar_pages.router)
    app.include_router(desk_pages.router)
    app.include_router(fault_pages.router)
    app.include_router(desk_actions.router)
    app.include_router(pic_actions.router)
    app.include_router(start_pages.router)
    app.include_router(feeds.router)
    return app
