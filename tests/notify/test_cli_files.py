"""The demo path: `vicon notify send-pending --mail-dir` writes .eml files a calendar application accepts;
`vicon notify preview` prints the PIC's mail; config from file and environment."""

from __future__ import annotations

import email
import json
from email.policy import default as default_policy
from pathlib import Path

import pytest
from icalendar import Calendar
from typer.testing import CliRunner

from allocator.commands.main import app
from allocator.notify.config import NotifyConfigError, load_notify_config
from allocator.notify.transport import AppriseTransport
from allocator.planner.domain import Assignment

from .conftest import World, make_request


def test_send_pending_writes_eml_files_and_preview(world: World, tmp_path: Path) -> None:
    req = make_request("REQ-F", "Asia/Makassar", "2027-03-02T09:00", "2027-03-02T11:00")
    world.store.save_request(req, actor="test")
    world.publish(Assignment(request="REQ-F", host="H500", operators=["OP1"]))
    meeting = world.store.meeting_for("REQ-F")
    assert meeting is not None and meeting.join_url
    db = world.store.engine.url.render_as_string(hide_password=False)
    zoom_cfg = tmp_path / "zoom.json"
    zoom_cfg.write_text(json.dumps(world.sandbox.config_json()), encoding="utf-8")
    cfg = tmp_path / "notify.toml"
    cfg.write_text('[notify.office]\nname = "Dinas Kominfo"\nemail = "vicon@kominfo.example.go.id"\n', encoding="utf-8")
    runner = CliRunner()

    out = runner.invoke(app, ["notify", "preview", "REQ-F", "--db", db, "--config", str(cfg)])
    assert out.exit_code == 0, out.output
    assert "Perihal: Tautan Zoom: Rapat REQ-F – Selasa, 2 Maret 2027 pukul 09.00 WITA" in out.output
    assert meeting.join_url in out.output and "SEQUENCE:0" in out.output

    mail_dir = tmp_path / "mail"
    args = ["notify", "send-pending", "--db", db, "--config", str(cfg), "--zoom-config", str(zoom_cfg), "--lang", "en"]
    out = runner.invoke(app, [*args, "--mail-dir", str(mail_dir)])
    assert out.exit_code == 0, out.output
    assert "2 sent" in out.output
    files = sorted(mail_dir.glob("*.eml"))
    assert len(files) == 2
    (pic_file,) = [f for f in files if "pic.scheduled" in f.name]
    msg = email.message_from_bytes(pic_file.read_bytes(), policy=default_policy)
    assert msg["To"] == f"PIC REQ-F <{req.pic.email}>"
    assert b"zak=" not in pic_file.read_bytes()
    cal_part = next(p for p in msg.walk() if p.get_content_type() == "text/calendar")
    cal = Calendar.from_ical(cal_part.get_content())
    (ev,) = cal.walk("VEVENT")
    assert str(ev["UID"]) == "REQ-F@vicon-allocator" and str(ev["URL"]) == meeting.join_url
    assert ev.get("ORGANIZER") and ev.get("ATTENDEE") and ev.get("DTSTAMP")

    # again: nothing new
    out = runner.invoke(app, [*args, "--mail-dir", str(mail_dir)])
    assert "recorded 0; 0 sent" in out.output
    out = runner.invoke(app, ["notify", "status", "--db", db, "--lang", "en"])
    assert out.exit_code == 0 and "2 sent" in out.output


def test_config_file_and_environment(tmp_path: Path) -> None:
    f = tmp_path / "vicon.json"
    f.write_text('{"notify": {"smtp": {"host": "smtp.example.go.id", "port": 465, "security": "ssl"}}}')
    cfg = load_notify_config(
        f, env={"VICON_SMTP_USER": "vicon", "VICON_SMTP_PASSWORD": "s3cret", "VICON_SMTP_FROM": "a@b.go.id"}
    )
    assert (cfg.smtp.host, cfg.smtp.port, cfg.smtp.security, cfg.smtp.user) == (
        "smtp.example.go.id",
        465,
        "ssl",
        "vicon",
    )
    assert cfg.smtp.password is not None and cfg.smtp.password.get_secret_value() == "s3cret"
    assert "s3cret" not in repr(cfg) and "s3cret" not in cfg.model_dump_json()
    assert cfg.office.email == "a@b.go.id"
    with pytest.raises(NotifyConfigError, match=r"smtp\.security"):
        load_notify_config(f, env={"VICON_SMTP_SECURITY": "tls13"})
    assert load_notify_config(None, env={}).transport == "smtp"


def test_apprise_is_optional() -> None:
    try:
        import apprise  # noqa: F401
    except ImportError:
        with pytest.raises(RuntimeError, match=r"vicon-allocator\[channels\]"):
            AppriseTransport(["tgram://token/chat"])
    else:  # pragma: no cover - only where the extra is installed
        t = AppriseTransport(["json://localhost/{phone}"])
        from allocator.notify.model import Contact

        assert t.urls_for(Contact(name="x", phone="+62 812-1")) == ["json://localhost/+628121"]
