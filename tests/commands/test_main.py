"""`vicon plan` and `vicon schema` as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from allocator.commands.main import app
from allocator.commands.reports import REPORTS
from allocator.planner.domain import Plan
from allocator.planner.validate import validate_plan
from allocator.problem_files import load_problem

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "config" / "example-problem.json"
runner = CliRunner()


def test_plan_the_example_writes_a_valid_plan(tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    result = runner.invoke(app, ["plan", "--problem", str(EXAMPLE), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Jadwal per host" in result.output and "Tidak terlayani" in result.output
    plan = Plan.model_validate_json(out.read_text())
    # The status shown is the plan's own (the example's rehearsals add operator-days beyond the proven
    # preferences bound, so it is honestly "layak", not "optimal").
    shown = "Rencana optimal (terbukti)" if plan.status.value == "optimal" else "Rencana layak"
    assert shown in result.output and plan.term("served_weight").optimal
    assert validate_plan(load_problem(EXAMPLE), plan) == []
    assert plan.assignment_for("PSR-BUPATI-01") is not None  # the head of region's event is served


def test_plan_in_english(tmp_path: Path) -> None:
    result = runner.invoke(app, ["plan", "--problem", str(EXAMPLE), "--lang", "en", "--quiet"])
    assert result.exit_code == 0 and "served" in result.output


BAD = {
    "now": "2027-01-01T08:00",
    "hosts": [{"id": "H1", "zoom_user": "h1@x", "capacity": 100}],
    "operators": [{"id": "O1", "name": "Budi", "shifts": [{"weekdays": [0], "start": "08:00", "end": "16:00"}]}],
    "requests": [
        {
            "ref": "R1",
            "unit": "U",
            "pic": {"name": "P"},
            "title": "T",
            "timezone": "Asia/Makassar",
            "start": "2027-01-04T10:00",
            "end": "2027-01-04T09:00",
            "participants": 10,
        },
        {
            "ref": "R2",
            "unit": "U",
            "pic": {"name": "P"},
            "title": "T",
            "timezone": "Mars/Olympus",
            "start": "2027-01-04T10:00",
            "end": "2027-01-04T11:00",
            "participants": 0,
        },
    ],
}


def test_bad_input_names_every_field_without_traceback(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(BAD))
    result = subprocess.run(
        [sys.executable, "-m", "allocator", "plan", "--problem", str(path), "--lang", "en"],  # pydantic's English
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "requests[0]: end" in result.stderr and "must be after start" in result.stderr
    assert "requests[1].timezone: unknown IANA time zone 'Mars/Olympus'" in result.stderr
    assert "requests[1].participants" in result.stderr


def test_cross_references_are_checked(tmp_path: Path) -> None:
    data = json.loads(json.dumps(BAD))
    data["requests"] = [
        dict(data["requests"][0], end="2027-01-04T11:00", allowed_operators=["O9"], priority="urgent")
    ] * 2
    data["previous"] = [{"request": "R9", "host": "H1"}]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    result = runner.invoke(app, ["plan", "--problem", str(path), "--lang", "en"])
    assert result.exit_code == 2
    for expected in (
        "requests: duplicate id 'R1'",
        "requests[0].allowed_operators: unknown operator 'O9'",
        "requests[1].priority: unknown tier 'urgent'",
        "previous[0].request: unknown request 'R9'",
    ):
        assert expected in result.output


def test_unreadable_or_broken_files(tmp_path: Path) -> None:
    # English words (Bahasa Indonesia, the default: tests/commands/test_error_words.py)
    result = runner.invoke(app, ["plan", "--problem", str(tmp_path / "missing.json"), "--lang", "en"])
    assert result.exit_code == 2 and "cannot read the file" in result.output
    broken = tmp_path / "broken.json"
    broken.write_text('{"now": ')
    result = runner.invoke(app, ["plan", "--problem", str(broken), "--lang", "en"])
    assert result.exit_code == 2 and "not valid JSON at line 1" in result.output


def test_schema_commands_print_json_schema() -> None:
    for name, field in (("problem", "requests"), ("plan", "assignments")):
        result = runner.invoke(app, ["schema", name])
        assert result.exit_code == 0
        assert field in json.loads(result.output)["properties"]


def test_documented_schemas_are_current() -> None:
    """docs/schema/*.json are what `vicon schema` prints; regenerate them when the formats change."""
    for name in ("problem", "plan", *REPORTS):
        result = runner.invoke(app, ["schema", name])
        documented = (ROOT / "docs" / "schema" / f"{name}.schema.json").read_text()
        assert json.loads(result.output) == json.loads(documented), (
            f"run: vicon schema {name} > docs/schema/{name}.schema.json"
        )


def test_explain_shows_reason_and_alternatives(tmp_path: Path) -> None:
    result = runner.invoke(app, ["explain", "PSR-00019", "--problem", str(EXAMPLE), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "not served: no host with ≥ 375 seats is free" in result.output
    assert "alternatives:" in result.output and "1. " in result.output
    out = tmp_path / "plan.json"
    runner.invoke(app, ["plan", "--problem", str(EXAMPLE), "--out", str(out), "--quiet"])
    served = runner.invoke(app, ["explain", "PSR-BUPATI-01", "--problem", str(EXAMPLE), "--plan", str(out)])
    assert served.exit_code == 0 and "terlayani: host H500" in served.output
    unknown = runner.invoke(app, ["explain", "NOPE", "--problem", str(EXAMPLE), "--plan", str(out)])
    assert unknown.exit_code == 2 and "tidak dikenal" in unknown.output


def test_version_and_the_plan_on_standard_output() -> None:
    version = subprocess.run([sys.executable, "-m", "allocator", "--version"], capture_output=True, text=True)
    assert version.returncode == 0 and version.stdout.startswith("vicon ")
    done = subprocess.run(
        [sys.executable, "-m", "allocator", "plan", "--problem", str(EXAMPLE), "--out", "-", "--quiet",
         "--time-limit", "10", "--lang", "en"],
        capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    plan = Plan.model_validate_json(done.stdout)  # nothing but the JSON on stdout; the summary went to stderr
    assert plan.assignment_for("PSR-BUPATI-01") is not None and "served" in done.stderr
    assert not (ROOT / "-").exists()
