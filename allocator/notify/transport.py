"""Where messages go: an SMTP server, a folder of .eml files (the demo's captured mail), or chat channels
through apprise. Each transport sends one message or raises `TransportError`; retrying is the outbox's job.
"""

from __future__ import annotations

import os
import re
import smtplib
import ssl
import tempfile
from collections.abc import Sequence
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from allocator.notify.model import Contact

Security = Literal["none", "starttls", "ssl"]


class TransportError(Exception):
    """Sending failed. `permanent` when another try cannot help (a recipient refused, a bad address)."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class MailTransport(Protocol):
    """Sends one e-mail; raises `TransportError` when it was not accepted."""

    def send(self, message: EmailMessage) -> None: ...


class ShortTransport(Protocol):
    """Sends a short text to a person over a chat channel; raises `TransportError` when it fails."""

    def send_short(self, to: Contact, title: str, body: str) -> None: ...


class SmtpSettings(BaseModel):
    """An SMTP server. `security`: none (plain, e.g. a local relay), starttls (port 587) or ssl (port 465)."""

    model_config = ConfigDict(extra="forbid")

    host: str = "localhost"
    port: int = Field(default=587, ge=1, le=65535)
    security: Security = "starttls"
    user: str | None = None
    password: SecretStr | None = Field(default=None, repr=False)
    timeout_s: float = Field(default=30.0, gt=0)
    local_hostname: str | None = None


class SmtpTransport:
    """One connection per message (volumes are small; a dropped connection never affects the next message)."""

    def __init__(self, settings: SmtpSettings, *, ssl_context: ssl.SSLContext | None = None) -> None:
        self.settings = settings
        self.ssl_context = ssl_context

    def __repr__(self) -> str:
        s = self.settings
        return f"SmtpTransport({s.host}:{s.port}, {s.security}, user={s.user!r})"

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.security == "ssl":
            ctx = self.ssl_context or ssl.create_default_context()
            return smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout_s, context=ctx, local_hostname=s.local_hostname)
        conn = smtplib.SMTP(s.host, s.port, timeout=s.timeout_s, local_hostname=s.local_hostname)
        if s.security == "starttls":
            conn.starttls(context=self.ssl_context or ssl.create_default_context())
        return conn

    def send(self, message: EmailMessage) -> None:
        s = self.settings
        try:
            conn = self._connect()
        except (OSError, smtplib.SMTPException) as exc:
            raise TransportError(f"cannot reach SMTP server {s.host}:{s.port}: {type(exc).__name__}: {exc}") from None
        try:
            if s.user:
                conn.login(s.user, s.password.get_secret_value() if s.password else "")
            refused = conn.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            raise TransportError(f"recipient refused: {_codes(exc.recipients)}", permanent=True) from None
        except smtplib.SMTPAuthenticationError as exc:
            raise TransportError(f"SMTP login refused ({exc.smtp_code})") from None
        except smtplib.SMTPResponseException as exc:
            permanent = 500 <= exc.smtp_code < 600
            raise TransportError(f"SMTP {exc.smtp_code}: {_text(exc.smtp_error)}", permanent=permanent) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise TransportError(f"SMTP failed: {type(exc).__name__}: {exc}") from None
        finally:
            try:
                conn.quit()
            except (OSError, smtplib.SMTPException):
                conn.close()
        if refused:
            raise TransportError(f"recipient refused: {_codes(refused)}", permanent=True)


def _text(raw: bytes | str) -> str:
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)


def _codes(recipients: dict[str, Any]) -> str:
    return ", ".join(f"{addr} ({code[0] if isinstance(code, tuple) else code})" for addr, code in recipients.items())


_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._@-]+")


class FileTransport:
    """Writes each message as an .eml file in `folder` (the demo's "mail captured to files"). The file name
    comes from the Message-ID, so a resend overwrites instead of adding a copy. Written atomically."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def __repr__(self) -> str:
        return f"FileTransport({str(self.folder)!r})"

    def path_for(self, message: EmailMessage) -> Path:
        kind = _UNSAFE_NAME.sub("-", str(message.get("X-Vicon-Kind", "mail")))
        req = _UNSAFE_NAME.sub("-", str(message.get("X-Vicon-Request", "")))
        to = _UNSAFE_NAME.sub("-", str(message.get("To", "")).rpartition("<")[2].rstrip(">"))
        mid = _UNSAFE_NAME.sub("", str(message.get("Message-ID", "")).split("@")[0])[:12]
        name = "_".join(p for p in (req, kind, to, mid) if p)
        return self.folder / f"{name}.eml"

    def send(self, message: EmailMessage) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            target = self.path_for(message)
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".tmp-", suffix=".eml")
            with os.fdopen(fd, "wb") as fh:
                fh.write(message.as_bytes())
            os.replace(tmp, target)
        except OSError as exc:
            raise TransportError(f"cannot write mail file: {exc}") from None


class AppriseTransport:
    """Chat channels through apprise URLs (Telegram, WhatsApp gateways, ...). Each URL may name the recipient
    with `{phone}` or `{email}` (e.g. a WhatsApp gateway's `.../{phone}`); a URL whose placeholder the
    recipient lacks is skipped. Needs the `channels` extra (`pip install 'vicon-allocator[channels]'`)."""

    def __init__(self, urls: Sequence[str]) -> None:
        self.urls = list(urls)
        try:
            import apprise
        except ImportError as exc:
            raise RuntimeError("chat channels need apprise: pip install 'vicon-allocator[channels]'") from exc
        self._apprise = apprise

    def __repr__(self) -> str:
        return f"AppriseTransport({len(self.urls)} url template(s))"

    def urls_for(self, to: Contact) -> list[str]:
        out = []
        for tpl in self.urls:
            if "{phone}" in tpl and not to.phone:
                continue
            if "{email}" in tpl and not to.email:
                continue
            phone = re.sub(r"[^0-9+]", "", to.phone or "")
            out.append(tpl.replace("{phone}", phone).replace("{email}", to.email or ""))
        return out

    def send_short(self, to: Contact, title: str, body: str) -> None:
        urls = self.urls_for(to)
        if not urls:
            raise TransportError(f"no chat channel reaches {to.name}", permanent=True)
        ap = self._apprise.Apprise()
        for u in urls:
            if not ap.add(u):
                raise TransportError(
                    "an apprise URL was not accepted (check the channels configuration)", permanent=True
                )
        if not ap.notify(body=body, title=title):
            raise TransportError("apprise could not deliver the message")
