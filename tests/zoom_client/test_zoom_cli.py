"""`vicon` Zoom sub-commands against the sandbox (typer's CliRunner, and one real process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from zoom_client.cli import register
from zoom_client.sandbox import Sandbox

runner = CliRunner()


@pytest.fixture
def app() -> typer.Typer:
    app = typer.Typer()
    register(app)
    return app


@pytest.fixture
def config_file(sandbox: Sandbox, tmp_path: Path) -> Path:
    path = tmp_path / "zoom.json"
    path.write_text(json.dumps(sandbox.config_json()))
    return path


def run(app: typer.Typer, *args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_hosts_discover_table_and_json(app, config_file):
    result = run(app, "hosts", "discover", "--zoom-config", str(config_file))
    assert result.exit_code == 0, result.output
    assert "zoom04@kominfo.example.go.id" in result.output and "1000" in result.output
    assert "zoom01@setda.example.go.id" in result.output  # every account by default
    assert "humas" not in result.output
    result = run(app, "hosts", "discover", "--zoom-config", str(config_file), "--account", "kominfo", "--json")
    hosts = json.loads(result.output)
    assert [h["capacity"] for h in hosts] == [100, 300, 500, 1000, 300]
    assert {h["kind"] for h in hosts} == {"meeting", "webinar"}


def test_meetings_create_get_update_list_delete(app, config_file, sandbox):
    base = ["--zoom-config", str(config_file), "--account", "kominfo"]
    created = run(
        app, "meetings", "create", *base, "--host", "zoom02@kominfo.example.go.id", "--topic", "Rapat Bupati",
        "--start", "2031-05-04T09:00", "--duration", "120", "--agenda", "Pembahasan", "--waiting-room",
        "--alt-host", "zoom03@kominfo.example.go.id", "--key", "SURAT-001", "--json",
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    data = json.loads(created.output)
    assert data["key"] == "SURAT-001" and data["start_time"] == "2031-05-04T02:00:00Z"  # 09:00 WIB
    assert "start_url" not in data and "zak" not in created.output
    mid = str(data["id"])

    shown = run(app, "meetings", "get", mid, *base)
    assert shown.exit_code == 0 and "Rapat Bupati" in shown.output and "zak" not in shown.output
    assert "2031-05-04T09:00:00+07:00" in shown.output

    updated = run(app, "meetings", "update", mid, *base, "--topic", "Rapat Bupati (ruang 2)", "--agenda", "Baru")
    assert updated.exit_code == 0, updated.output
    [stored] = sandbox.state.meetings_with_key("SURAT-001")
    assert stored["topic"] == "Rapat Bupati (ruang 2)" and stored["agenda"] == "[vicon:SURAT-001]\nBaru"

    listed = run(app, "meetings", "list", *base, "--host", "kmf-zoom02", "--json")
    assert [m["id"] for m in json.loads(listed.output)] == [int(mid)]

    assert "deleted" in run(app, "meetings", "delete", mid, *base, "--notify").output
    assert "already gone" in run(app, "meetings", "delete", mid, *base).output


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["meetings", "get", "123", "--account", "kominfo"], 1, "ZoomNotFound"),
        (["meetings", "get", "123"], 2, "choose one of: kominfo, setda"),
        (["meetings", "list", "--host", "nobody@x", "--account", "kominfo"], 1, "User does not exist"),
        (["meetings", "create", "--account", "kominfo", "--host", "kmf-zoom01", "--topic", "t", "--start", "soon",
          "--duration", "30"], 2, "not an ISO 8601"),
        (["meetings", "create", "--account", "kominfo", "--host", "kmf-zoom01", "--topic", "t", "--start",
          "2031-01-01T10:00", "--duration", "30", "--timezone", "Mars/Base"], 2, "unknown time zone"),
        (["meetings", "update", "123", "--account", "kominfo"], 2, "nothing to change"),
    ],
)  # fmt: skip
def test_failures_are_one_clear_line_and_non_zero(app, config_file, args, code, message):
    result = runner.invoke(app, [*args, "--zoom-config", str(config_file)])
    assert result.exit_code == code
    assert message in result.output
    assert "Traceback" not in result.output
    assert result.output.strip().startswith("error:") and len(result.output.strip().splitlines()) == 1


def test_missing_config_and_unreachable_zoom(app, tmp_path):
    result = runner.invoke(app, ["hosts", "discover", "--zoom-config", str(tmp_path / "none.json")])
    assert result.exit_code == 2 and "not found" in result.output
    dead = tmp_path / "dead.json"
    dead.write_text(json.dumps({"accounts": [{
        "name": "x", "account_id": "a", "client_id": "c", "client_secret": "s",
        "api_base": "http://127.0.0.1:9/v2", "oauth_url": "http://127.0.0.1:9/oauth/token",
    }]}))  # fmt: skip
    result = runner.invoke(app, ["hosts", "discover", "--zoom-config", str(dead)])
    assert result.exit_code == 1 and "ZoomTransportError" in result.output and "Traceback" not in result.output


def test_zoom_sandbox_command_runs_a_real_server(tmp_path):
    config = tmp_path / "sandbox.json"
    code = "import typer; from zoom_client.cli import register; app = typer.Typer(); register(app); app()"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "zoom-sandbox", "--port", "0", "--write-config", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        lines = []
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            line = proc.stdout.readline() if proc.stdout else ""
            lines.append(line)
            if "config written" in line or not line:
                break
        output = "".join(lines)
        assert "NOT Zoom" in output and "http://127.0.0.1:" in output
        app = typer.Typer()
        register(app)
        result = runner.invoke(app, ["hosts", "discover", "--zoom-config", str(config), "--account", "setda", "--json"])
        assert result.exit_code == 0, result.output
        assert len(json.loads(result.output)) == 2
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_zoom_sandbox_refuses_non_loopback(app):
    result = runner.invoke(app, ["zoom-sandbox", "--host", "0.0.0.0", "--port", "0"])
    assert result.exit_code == 2 and "loopback" in result.output


def test_the_vicon_app_carries_the_zoom_commands():
    from allocator.commands.main import app as vicon

    result = runner.invoke(vicon, ["--help"])
    assert result.exit_code == 0
    for name in ("zoom-sandbox", "hosts", "meetings"):
        assert name in result.output
