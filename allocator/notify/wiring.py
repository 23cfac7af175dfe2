"""Putting a notifier together from its configuration, shared by `vicon notify`, `vicon daemon` and the demo."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from allocator.notify.config import NotifyConfig
from allocator.notify.outbox import Outbox
from allocator.notify.startlinks import ZoomStartLinks
from allocator.notify.transport import AppriseTransport, FileTransport, MailTransport, ShortTransport, SmtpTransport
from allocator.store.repo import Store

#: Environment variables that, without a config file, still say where mail goes.
MAIL_ENV = ("VICON_SMTP_HOST", "VICON_NOTIFY_TRANSPORT", "VICON_NOTIFY_MAIL_DIR")


def build_outbox(
    store: Store,
    config: NotifyConfig,
    *,
    start_links: ZoomStartLinks | None = None,
    mail_dir: Path | None = None,
) -> Outbox:
    """An outbox with the transports the configuration names (`mail_dir` forces .eml files)."""
    mail: MailTransport
    if mail_dir is not None or config.transport == "file":
        mail = FileTransport(mail_dir or config.mail_dir)
    else:
        mail = SmtpTransport(config.smtp)
    chat: ShortTransport | None = AppriseTransport(config.channels) if config.channels else None
    return Outbox(store, config, mail=mail, chat=chat, start_links=start_links)


def mail_configured(
    config_path: Path | None, mail_dir: Path | None = None, env: Mapping[str, str] | None = None
) -> bool:
    """Whether anything says where mail goes: a config file, a mail folder, or `VICON_SMTP_HOST` and friends.
    Without any, the defaults would try an SMTP server on localhost, which is no configuration at all."""
    env = os.environ if env is None else env
    return config_path is not None or mail_dir is not None or any(env.get(name) for name in MAIL_ENV)


def describe_mail(config: NotifyConfig, mail_dir: Path | None = None) -> str:
    """Where mail goes, in one line for a log: server, port, security, login name and sender; never the password,
    and of chat channels (whose URLs carry tokens) only how many and their kind."""
    if mail_dir is not None or config.transport == "file":
        where = f".eml files in {mail_dir or config.mail_dir} (nothing is sent)"
    else:
        s = config.smtp
        login = f"login {s.user}" if s.user else "no login"
        where = f"SMTP {s.host}:{s.port} ({s.security}, {login})"
    where += f", from {config.office.email}"
    if config.channels:
        kinds = sorted({url.split(":", 1)[0] for url in config.channels})
        where += f"; {len(config.channels)} chat channel(s) ({', '.join(kinds)})"
    return where
