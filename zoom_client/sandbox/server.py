"""The sandbox's HTTP shell (stdlib `ThreadingHTTPServer` on loopback) and its Python handle.

    with run_sandbox(port=0) as sb:          # free port, in-process
        client = ZoomClient(sb.account_config("kominfo"))
        sb.faults.drop_after_create()        # fault injection
        sb.advance_clock(3600)               # expire tokens

Every response carries `X-Zoom-Sandbox`, links point at a `.invalid` host, and start-up says loudly that
this is not Zoom. Outgoing webhooks are signed like Zoom's and only ever sent to loopback addresses.
"""

from __future__ import annotations

import contextlib
import hmac
import ipaddress
import json
import logging
import queue
import secrets
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from pydantic import SecretStr

from zoom_client.config import AccountCategory, ZoomAccountConfig, ZoomConfig
from zoom_client.sandbox.fixture import SandboxFixture, load_fixture
from zoom_client.sandbox.state import SANDBOX_HEADER, SANDBOX_NOTICE, Faults, Reply, SandboxClock, SandboxState
from zoom_client.webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER, compute_signature, url_validation_response

log = logging.getLogger(__name__)


def is_loopback(host: str) -> bool:
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class SandboxCredentials:
    """Fake S2S credentials of one sandbox account (from the fixture; worthless against real Zoom)."""

    account_name: str
    account_id: str
    client_id: str
    client_secret: SecretStr = field(repr=False)
    category: AccountCategory


@dataclass
class WebhookDelivery:
    event: str
    status: int | None
    attempts: int
    error: str | None = None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.open_sockets: set[socket.socket] = set()
        self.sockets_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.sockets_lock:
            self.open_sockets.add(request)
        super().process_request(request, client_address)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that timed out or hung up mid-reply is normal here (fault tests); no traceback spam.
        log.debug("sandbox connection from %s ended abruptly", client_address, exc_info=True)

    def shutdown_request(self, request: Any) -> None:
        with self.sockets_lock:
            self.open_sockets.discard(request)
        super().shutdown_request(request)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "vicon-zoom-sandbox/1"
    sys_version = ""
    timeout = 15  # idle keep-alive connections are closed after this
    wbufsize = -1  # buffer the reply so headers and body leave in one segment ...
    disable_nagle_algorithm = True  # ... and at once (no 40 ms delayed-ACK stalls on keep-alive)
    server: _Server

    def _dispatch(self) -> None:
        sb = self.server.sandbox
        parsed = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        if sb.faults.latency_s > 0:
            time.sleep(sb.faults.latency_s)
        if parsed.path.startswith("/_sandbox"):
            reply = sb._control(self.command, parsed.path, parsed.query)
        else:
            reply = sb.state.handle(self.command, parsed.path, parsed.query, dict(self.headers.items()), body)
        if reply.drop:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        if isinstance(reply.body, bytes):
            payload = reply.body
        elif reply.body is None:
            payload = b""
        else:
            payload = json.dumps(reply.body).encode("utf-8")
        self.send_response(reply.status)
        if payload:
            self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header(SANDBOX_HEADER, SANDBOX_NOTICE)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if payload and self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = do_HEAD = _dispatch

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("sandbox %s - " + format, self.address_string(), *args)


class Sandbox:
    """A local, fake Zoom. Start with `run_sandbox(...)` or `Sandbox(...).start()`; stop with `stop()`."""

    def __init__(
        self,
        fixture: SandboxFixture | str | Path | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        webhook_url: str | None = None,
        webhook_secret: str | SecretStr | None = None,
        token_ttl_s: int = 3600,
        daily_limit: int = 100,
        enforce_rate_limits: bool = True,
        max_live_tokens: int | None = None,
        seed: int = 0,
        clock: SandboxClock | None = None,
        announce: Callable[[str], None] | None = None,
        faults: str | None = None,
    ) -> None:
        if not is_loopback(host):
            raise ValueError(f"the sandbox only listens on loopback addresses, not {host!r}")
        if webhook_url is not None:
            wh_host = urlsplit(webhook_url).hostname or ""
            if not is_loopback(wh_host):
                raise ValueError("the sandbox only sends webhooks to loopback addresses")
            if not webhook_secret:
                raise ValueError("webhook_url needs webhook_secret (deliveries are signed)")
        self.fixture = fixture if isinstance(fixture, SandboxFixture) else load_fixture(fixture)
        self._host = host
        self._port = port
        self.webhook_url = webhook_url
        self._webhook_secret = (
            webhook_secret
            if isinstance(webhook_secret, SecretStr) or webhook_secret is None
            else SecretStr(webhook_secret)
        )
        self.state = SandboxState(
            self.fixture,
            clock=clock,
            token_ttl_s=token_ttl_s,
            daily_limit=daily_limit,
            enforce_rate_limits=enforce_rate_limits,
            max_live_tokens=max_live_tokens,
            seed=seed,
        )
        if faults:
            self.state.faults.configure(faults)  # a wrong spec raises ValueError naming the part
        self._announce = announce
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._webhook_queue: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._webhook_thread: threading.Thread | None = None
        self._deliveries_cv = threading.Condition()
        self.deliveries: list[WebhookDelivery] = []
        self._webhook_session = requests.Session()

    def __repr__(self) -> str:
        names = [a.name for a in self.fixture.accounts]
        return f"Sandbox(url={self.url if self._server else None!r}, accounts={names})"

    # --- lifecycle -------------------------------------------------------------------------------

    def start(self) -> Sandbox:
        if self._server is not None:
            return self
        self._server = _Server((self._host, self._port), self)
        self._port = self._server.server_address[1]
        self.state.api_base = self.base_url
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="zoom-sandbox", daemon=True
        )
        self._thread.start()
        if self.webhook_url:
            self.state.event_listeners.append(self._webhook_queue.put)
            self._webhook_thread = threading.Thread(
                target=self._deliver_loop, name="zoom-sandbox-webhooks", daemon=True
            )
            self._webhook_thread.start()
        banner = (
            f"ZOOM SANDBOX - NOT ZOOM - listening on {self.url} (API {self.base_url}, OAuth {self.oauth_url}); "
            f"accounts: {', '.join(a.name for a in self.fixture.accounts)}"
        )
        log.warning(banner)
        if self._announce is not None:
            self._announce(banner)
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        with server.sockets_lock:
            for sock in list(server.open_sockets):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
        server.server_close()
        if self._webhook_thread is not None:
            self._webhook_queue.put(None)
            self._webhook_thread.join(timeout=5)
        self._webhook_session.close()
        log.warning("zoom sandbox on port %s stopped", self._port)

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def serve_forever(self) -> None:
        """Block until interrupted (for the CLI)."""
        self.start()
        try:
            while self._thread is not None and self._thread.is_alive():
                self._thread.join(timeout=0.5)
        finally:
            self.stop()

    # --- addresses and credentials ---------------------------------------------------------------

    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self._port}"

    @property
    def base_url(self) -> str:
        return f"{self.url}/v2"

    @property
    def oauth_url(self) -> str:
        return f"{self.url}/oauth/token"

    @property
    def faults(self) -> Faults:
        return self.state.faults

    @property
    def clock(self) -> SandboxClock:
        return self.state.clock

    def advance_clock(self, seconds: float) -> None:
        """Move the sandbox's time forward (token expiry, page-token expiry, the next UTC day)."""
        self.state.clock.advance(seconds)

    @property
    def credentials(self) -> dict[str, SandboxCredentials]:
        return {
            a.name: SandboxCredentials(
                a.name, a.account_id, a.client_id, SecretStr(a.client_secret), AccountCategory(a.category)
            )
            for a in self.fixture.accounts
        }

    def account_config(self, name: str | None = None, **overrides: Any) -> ZoomAccountConfig:
        """A client configuration pointing at this sandbox (first account when `name` is None)."""
        acc = self.fixture.accounts[0] if name is None else self.fixture.account(name)
        values: dict[str, Any] = {
            "name": acc.name,
            "account_id": acc.account_id,
            "client_id": acc.client_id,
            "client_secret": SecretStr(acc.client_secret),
            "category": acc.category,
            "api_base": self.base_url,
            "oauth_url": self.oauth_url,
            "connect_timeout_s": 2.0,
            "read_timeout_s": 10.0,
        }
        if self._webhook_secret is not None:
            values["webhook_secret"] = self._webhook_secret
        values.update(overrides)
        return ZoomAccountConfig(**values)

    def zoom_config(self) -> ZoomConfig:
        return ZoomConfig(accounts=[self.account_config(a.name) for a in self.fixture.accounts])

    def config_json(self) -> dict[str, Any]:
        """A Zoom config file's content for this sandbox (fake fixture secrets included, by design)."""
        accounts = []
        for a in self.fixture.accounts:
            entry: dict[str, Any] = {
                "name": a.name,
                "account_id": a.account_id,
                "client_id": a.client_id,
                "client_secret": a.client_secret,
                "category": str(a.category),
                "api_base": self.base_url,
                "oauth_url": self.oauth_url,
            }
            if self._webhook_secret is not None:
                entry["webhook_secret"] = self._webhook_secret.get_secret_value()
            accounts.append(entry)
        return {"_comment": "Points at a local Zoom SANDBOX, not Zoom.", "accounts": accounts}

    # --- control endpoints (loopback only, no auth: this is a test double) ------------------------

    def _control(self, method: str, path: str, query: str) -> Reply:
        parts = [p for p in path.split("/") if p][1:]
        if method == "GET" and not parts:
            return Reply(
                200,
                {
                    "sandbox": True,
                    "notice": SANDBOX_NOTICE,
                    "accounts": [a.name for a in self.fixture.accounts],
                    "meetings": len(self.state.meetings()),
                    "now": self.clock.now().isoformat(),
                },
            )
        if method == "POST" and len(parts) == 3 and parts[0] == "meetings" and parts[2] in ("start", "end"):
            try:
                mid = int(parts[1])
                (self.state.start_meeting if parts[2] == "start" else self.state.end_meeting)(mid)
            except (ValueError, KeyError):
                return Reply(404, {"code": 3001, "message": f"Meeting {parts[1]} is not found or has expired."})
            return Reply(204)
        if method == "GET" and parts == ["meetings"]:
            # For tests comparing Zoom with a store from another process; never the host's start link.
            meetings = [{k: v for k, v in m.items() if k != "start_url"} for m in self.state.meetings()]
            return Reply(200, {"meetings": meetings})
        if method == "GET" and parts == ["faults"]:
            f = self.faults
            return Reply(200, {"spec": f.describe(), "injected": f.injected, "by_kind": dict(f.injected_by_kind)})
        if method == "POST" and parts == ["faults"]:
            try:
                self.faults.configure(parse_qs(query).get("spec", [""])[0])
            except ValueError as exc:
                return Reply(400, {"code": 300, "message": str(exc)})
            return Reply(200, {"spec": self.faults.describe()})
        if method == "POST" and parts == ["clock", "advance"]:
            try:
                seconds = float(parse_qs(query).get("seconds", ["0"])[0])
            except ValueError:
                return Reply(400, {"code": 300, "message": "seconds must be a number"})
            self.advance_clock(seconds)
            return Reply(204)
        return Reply(404, {"code": 404, "message": "unknown sandbox control endpoint"})

    # --- outgoing webhooks -----------------------------------------------------------------------

    def _post_signed(self, body: bytes) -> requests.Response:
        assert self.webhook_url is not None and self._webhook_secret is not None
        ts = str(int(self.clock.now().timestamp()))
        return self._webhook_session.post(
            self.webhook_url,
            data=body,
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": "Zoom Marketplace/1.0a (vicon sandbox)",
                TIMESTAMP_HEADER: ts,
                SIGNATURE_HEADER: compute_signature(self._webhook_secret, ts, body),
                SANDBOX_HEADER: SANDBOX_NOTICE,
            },
            timeout=3,
        )

    def _deliver_loop(self) -> None:
        while True:
            event = self._webhook_queue.get()
            if event is None:
                return
            body = json.dumps(event).encode("utf-8")
            status: int | None = None
            error: str | None = None
            attempts = 0
            for attempts in range(1, 4):  # Zoom retries unanswered deliveries; here quickly
                try:
                    status = self._post_signed(body).status_code
                    error = None
                except requests.RequestException as exc:
                    status, error = None, type(exc).__name__
                if status is not None and 200 <= status < 300:
                    break
                time.sleep(0.05 * attempts)
            with self._deliveries_cv:
                self.deliveries.append(WebhookDelivery(str(event["event"]), status, attempts, error))
                self._deliveries_cv.notify_all()

    def wait_for_deliveries(self, count: int, timeout: float = 5.0) -> list[WebhookDelivery]:
        """Block until at least `count` webhook deliveries finished (or `timeout`)."""
        deadline = time.monotonic() + timeout
        with self._deliveries_cv:
            while len(self.deliveries) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._deliveries_cv.wait(left)
            return list(self.deliveries)

    def validate_webhook_endpoint(self) -> bool:
        """Send `endpoint.url_validation` like Zoom does when a URL is saved; True if answered right."""
        if self.webhook_url is None or self._webhook_secret is None:
            raise ValueError("no webhook_url configured")
        plain = secrets.token_urlsafe(16)
        event = {
            "event": "endpoint.url_validation",
            "event_ts": int(self.clock.now().timestamp() * 1000),
            "payload": {"plainToken": plain},
        }
        try:
            resp = self._post_signed(json.dumps(event).encode("utf-8"))
            answer = resp.json()
        except (requests.RequestException, ValueError):
            return False
        expected = url_validation_response(self._webhook_secret, plain)["encryptedToken"]
        return (
            resp.status_code == 200
            and isinstance(answer, dict)
            and answer.get("plainToken") == plain
            and hmac.compare_digest(str(answer.get("encryptedToken", "")), expected)
        )


def run_sandbox(fixture: SandboxFixture | str | Path | None = None, *, port: int = 0, **kwargs: Any) -> Sandbox:
    """Start a sandbox (on a free port by default) and return it; use it as a context manager to stop it."""
    return Sandbox(fixture, port=port, **kwargs).start()
