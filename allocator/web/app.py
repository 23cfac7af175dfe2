"""`create_app(store, settings)`: the FastAPI application behind `vicon serve`."""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from allocator.store.repo import Store
from allocator.web import api, pages, upload_pages, zoomhook
from allocator.web.settings import WebSettings, check_secret
from zoom_client.webhooks import WebhookVerifier

_JSON_PREFIXES = ("/api", "/webhooks")
_SECRET_PATHS = re.compile(r"(/(?:api/)?p(?:ic)?/)[^/?\s\"]+")


def redact(text: str) -> str:
    """Paths with PIC link tokens, made safe to log."""
    return _SECRET_PATHS.sub(r"\1<redacted>", text)


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
    """The API (/api, documented at /api/openapi.json and /api/docs), the Zoom webhook and the pages (with the
    admin's upload of request files)."""
    check_secret(settings.secret)
    app = FastAPI(
        title="vicon-allocator",
        version="0.1.0",
        summary="Requests, plans and Zoom links for a shared pool of Zoom licences and vicon operators.",
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
        lifespan=upload_pages.lifespan,
    )
    app.state.store = store
    app.state.uploads = upload_pages.upload_box(settings)
    app.state.settings = settings
    app.state.webhook_verifier = WebhookVerifier(settings.zoom_webhook_secret) if settings.zoom_webhook_secret else None
    app.state.webhook_seen = zoomhook.SeenEvents()
    app.state.reconciler = zoomhook.Reconciler(store, settings)

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

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if request.url.path.startswith(("/p/", "/api/pic/")):
            response.headers["Cache-Control"] = "no-store"
        return response

    app.include_router(api.router)
    app.include_router(zoomhook.router)
    app.include_router(pages.router)
    app.include_router(upload_pages.router)
    return app
