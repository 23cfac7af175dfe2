"""Exit code 1 ("done in part") through the command line, and the lines of a partial run in the run's language:
a `vicon sync` where Zoom refuses one host's creates (its other actions go through), then `vicon reconcile`
with something left to fix (that failed action, a meeting whose topic was changed by hand in Zoom and one
deleted by hand). Zoom's own answer after an error's name (`ZoomPermissionError: …`) is Zoom's text and stays."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from allocator.commands.main import app
from allocator.store import Store
from tests.commands.test_one_language import foreign_lines
from zoom_client import ZoomTenants, load_config
from zoom_client.models import MeetingUpdate
from zoom_client.sandbox import load_fixture, run_sandbox

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "config" / "example-problem.json"
ZOOM_WORDS = re.compile(r"(Zoom\w*Error|\w+Exhausted): .*$")  # what Zoom answered, as it answered


def _run(args: list[str], code: int) -> str:
    result = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    assert result.exception is None or isinstance(result.exception, SystemExit), (args, result.output)
    assert result.exit_code == code, (args, result.exit_code, result.output)
    return result.output


def _ours(text: str) -> str:
    return "\n".join(ZOOM_WORDS.sub("", line) for line in text.splitlines())


@pytest.mark.parametrize("lang", ["id", "en"])
def test_a_partial_sync_and_a_reconcile_with_findings_exit_1_in_the_run_language(tmp_path: Path, lang: str) -> None:
    fixture = tmp_path / "fixture.json"
    _run(["sandbox-fixture", "--problem", str(EXAMPLE), "--out", str(fixture)], 0)
    data = json.loads(fixture.read_text(encoding="utf-8"))
    refused = data["accounts"][0]["users"][0]
    refused["can_host"] = False  # Zoom refuses this host's meetings (3161); the others go through
    fixture.write_text(json.dumps(data), encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'vicon.db'}"
    d = ["--db", db, "--lang", lang]
    with run_sandbox(load_fixture(fixture), enforce_rate_limits=False) as sb:
        zoom = tmp_path / "zoom.json"
        zoom.write_text(json.dumps(sb.config_json()), encoding="utf-8")
        _run(["db", "upgrade", *d], 0)
        _run(["import", "--problem", str(EXAMPLE), *d], 0)
        _run(["publish", "--time-limit", "5", *d], 0)
        synced = _run(["sync", "--zoom-config", str(zoom), "-v", *d], 1)
        failed = [ln for ln in synced.splitlines() if ln.startswith(("  GAGAL ", "  FAILED "))]
        assert failed and all(refused["email"] in ln or "3161" in ln for ln in failed), synced
        done = [ln for ln in synced.splitlines() if re.match(r"^  (buat|create) ", ln)]
        assert done, synced  # -v lists what went through
        if lang == "id":
            assert all("rapat Zoom: " in ln for ln in done) and "  GAGAL buat " in synced
        else:
            assert all("zoom_meeting_id=" in ln for ln in done) and "  FAILED create " in synced
        # By hand in Zoom: one meeting's topic changed, another deleted.
        store = Store.open(db)
        try:
            ours = [m for m in store.meetings(states=["active"]) if m.zoom_meeting_id is not None]
        finally:
            store.close()
        assert len(ours) >= 2
        client = ZoomTenants(load_config(zoom)).client(None)
        client.update_meeting(ours[0].zoom_meeting_id, MeetingUpdate(topic="Diubah manual"))  # type: ignore[arg-type]
        client.delete_meeting(ours[1].zoom_meeting_id)  # type: ignore[arg-type]
        report = _run(["reconcile", "--dry-run", "--zoom-config", str(zoom), *d], 1)
        as_json = json.loads(_run(["reconcile", "--dry-run", "--json", "--zoom-config", str(zoom), *d], 1))
        kinds = sorted({f["kind"] for f in as_json["findings"]})
        assert kinds == ["drift_repaired", "failed_action", "missing_recreated"], as_json
        if lang == "id":
            assert "akan diperbaiki: topik 'Diubah manual' di Zoom, basis data meminta" in report, report
            assert "akan dibuat ulang: rapat " in report and "buat gagal: " in report, report
        else:
            assert "would repair: topic 'Diubah manual' in Zoom, the store wants" in report, report
            assert "would recreate: meeting " in report and "create failed: " in report, report
        assert as_json["findings"][0]["detail"].isascii()  # JSON keeps the recorded (English) detail
    for text in (synced, report):
        assert not foreign_lines(_ours(text), lang), (lang, foreign_lines(_ours(text), lang))
