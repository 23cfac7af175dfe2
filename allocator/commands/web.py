"""`vicon token issue`, `vicon pic-link`, `vicon serve`."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from allocator.commands.extras import require_extra
from allocator.commands.messages import say
from allocator.commands.store import DbOpt, _fail, _open
from allocator.web.settings import WebConfigError, WebSettings

token_app = typer.Typer(help="Bearer tokens for the HTTP API and the admin pages.", no_args_is_help=True)


def _settings() -> WebSettings:
    try:
        return WebSettings.from_env()
    except WebConfigError as exc:
        raise _fail(str(exc), 2) from None


@token_app.command("issue")
def token_issue(
    role: Annotated[str, typer.Option("--role", help="admin | operator")],
    name: Annotated[str, typer.Option("--name", help="Who the token is for (recorded as the actor).")],
    operator: Annotated[str | None, typer.Option("--operator", help="Operator id (operator tokens).")] = None,
    hours: Annotated[float, typer.Option("--hours", min=0.01, max=24 * 90, help="Lifetime.")] = 12.0,
    db: DbOpt = None,
) -> None:
    """Print a signed, expiring token (HS256 under $VICON_WEB_SECRET). Nothing else is printed or logged."""
    require_extra("web", "token issue")
    from allocator.web.auth import issue_token

    settings = _settings()
    if operator is not None:
        store = _open(db)
        if operator not in {o.id for o in store.operators()}:
            raise _fail(say("operator_unknown", value=operator), 2)
    try:
        token = issue_token(settings, role=role, name=name, operator=operator, hours=hours)
    except ValueError as exc:
        raise _fail(str(exc), 2) from None
    typer.echo(token)


def pic_link_cmd(
    ref: Annotated[str, typer.Argument(help="Reference number of the request.")],
    db: DbOpt = None,
) -> None:
    """Print the PIC's signed status link for a request (valid until some days after the meeting)."""
    require_extra("web", "pic-link")
    from allocator.web.auth import pic_url

    settings = _settings()
    store = _open(db)
    req = store.get_request(ref)
    if req is None:
        raise _fail(say("unknown_request", ref=ref), 2)
    typer.echo(pic_url(settings, ref, req.last_end, store.now()))


def serve_cmd(
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535)] = 8000,
    db: DbOpt = None,
    forwarded_allow_ips: Annotated[
        str | None,
        typer.Option(
            "--forwarded-allow-ips",
            envvar="VICON_FORWARDED_ALLOW_IPS",
            help="Behind a reverse proxy: its address(es), comma-separated; X-Forwarded-For from them names the "
            "client (the anonymous rate limit counts per client address).",
        ),
    ] = None,
) -> None:
    """Serve the HTTP API and the pages. Needs $VICON_WEB_SECRET (≥ 32 random characters)."""
    require_extra("web", "serve")
    import uvicorn

    from allocator.web.app import RedactTokens, create_app

    settings = _settings()
    if settings.base_url == "http://127.0.0.1:8000" and (host, port) != ("127.0.0.1", 8000):
        settings = WebSettings.from_env(base_url=f"http://{host}:{port}")
    store = _open(db)
    app = create_app(store, settings)
    typer.echo(say("serving", host=host, port=port, db=store), err=True)
    config = uvicorn.Config(app, host=host, port=port, log_level="info", proxy_headers=bool(forwarded_allow_ips),
                            forwarded_allow_ips=forwarded_allow_ips or None)  # fmt: skip
    server = uvicorn.Server(config)
    logging.getLogger("uvicorn.access").addFilter(RedactTokens())  # after uvicorn configured its loggers
    server.run()


def register(app: typer.Typer) -> None:
    app.add_typer(token_app, name="token")
    app.command("pic-link")(pic_link_cmd)
    app.command("serve")(serve_cmd)
