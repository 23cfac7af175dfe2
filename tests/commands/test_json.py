"""`--json` on every reporting command, validated against the published schemas in docs/schema/ (issue 21, item 3),
and the documented exit codes: 0 ok, 1 partial, 2 invalid input (docs/cli.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from typer.testing import CliRunner

from allocator.commands.main import app, plan_view
from allocator.commands.report_rows import plan_summary
from allocator.commands.reports import REPORTS
from allocator.demo import LATE_CSV
from allocator.planner.solver import SolveOptions, solve
from allocator.problem_files import load_problem

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "config" / "example-problem.json"
runner = CliRunner()


def _valid(name: str, text: str) -> dict[str, Any]:
    """The output parses, matches docs/schema/NAME.schema.json, and names its report."""
    schema = json.loads((ROOT / "docs" / "schema" / f"{name}.schema.json").read_text(encoding="utf-8"))
    data: dict[str, Any] = json.loads(text)
    errors = sorted(Draft202012Validator(schema).iter_errors(data), key=str)
    assert not errors, [e.message for e in errors[:5]]
    assert data["report"] == name and data["version"] == 1
    assert set(data) == set(schema["properties"])  # stable keys: every documented key, nothing else
    return data


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'v.db'}"
    assert runner.invoke(app, ["import", "--problem", str(EXAMPLE), "--db", url]).exit_code == 0
    return url


def test_every_report_has_a_schema_document() -> None:
    for name in REPORTS:
        assert (ROOT / "docs" / "schema" / f"{name}.schema.json").exists(), name
        assert f"`{name}`" in (ROOT / "docs" / "cli.md").read_text(encoding="utf-8"), name


def test_json_reports_of_the_stored_office_match_their_schemas(db: str, tmp_path: Path) -> None:
    dry = runner.invoke(app, ["replan", "--dry-run", "--json", "--db", db])
    assert dry.exit_code == 0, dry.output
    assert _valid("replan", dry.stdout)["plan_id"] is None
    done = _valid("replan", runner.invoke(app, ["replan", "--json", "--db", db]).stdout)
    assert done["plan_id"] == 1 and done["served"] == 46 and done["zoom_actions"]["create"] > 0
    assert any(c["kind"] == "gained" and c["request"] == "PSR-BUPATI-01" for c in done["changes"])

    listed = _valid("requests-list", runner.invoke(app, ["requests", "list", "--json", "--db", db]).stdout)
    assert listed["zone_abbrev"] == "WITA" and all(r["start"].endswith("+08:00") for r in listed["requests"])
    assert {r["plan_state"] for r in listed["requests"]} == {"served", "unserved"}

    why = _valid("explain", runner.invoke(app, ["explain", "PSR-00019", "--json", "--db", db]).stdout)
    assert why["outcome"] == "unserved" and why["reason"] and why["reason_id"] and not why["preview"]

    kits = runner.invoke(app, ["kits", "--json", "--from", "2027-01-04", "--to", "2027-01-10", "--db", db])
    assert kits.exit_code == 0, kits.output
    data = _valid("kits", kits.stdout)
    assert data["kits"] and data["loans"] and data["start"].startswith("2027-01-04T00:00:00+08:00")
    late = runner.invoke(app, ["kits", "overdue", "--json", "--now", "2027-02-01T08:00", "--db", db])
    assert _valid("kits-overdue", late.stdout)["loans"]

    status_file = tmp_path / "daemon-status.json"
    status_file.write_text(json.dumps({"leader": True, "last_replan": "2027-01-03T01:00:00+00:00",
                                       "last_replan_summary": "46 served", "next_jobs": {
                                           "sync": "2027-01-03T01:01:00+00:00"}, "errors": []}))  # fmt: skip
    status = runner.invoke(app, ["status", "--json", "--db", db, "--status-file", str(status_file)])
    data = _valid("status", status.stdout)
    assert data["plan"]["id"] == 1 and data["daemon"]["next_jobs"]["sync"] == "2027-01-03T09:01:00+08:00"
    human = runner.invoke(app, ["status", "--db", db, "--status-file", str(status_file)])
    assert "berikutnya sync: Min 2027-01-03 09:01 WITA" in human.output and "daemon: pemimpin" in human.output


def test_plan_json_matches_its_schema() -> None:
    out = runner.invoke(app, ["plan", "--problem", str(EXAMPLE), "--json", "--time-limit", "5"])
    assert out.exit_code == 0, out.output
    data = _valid("plan-summary", out.stdout)
    assert data["served"] == len(data["assignments"]) and data["unserved"] == len(data["unserved_requests"])
    why = runner.invoke(app, ["explain", "PSR-BUPATI-01", "--problem", str(EXAMPLE), "--json"])
    assert _valid("explain", why.stdout)["outcome"] == "served"


def test_exit_codes_ok_partial_invalid(db: str, tmp_path: Path) -> None:
    assert runner.invoke(app, ["status", "--db", db]).exit_code == 0
    sheet = tmp_path / "late.csv"
    sheet.write_text(LATE_CSV, encoding="utf-8")
    partial = runner.invoke(app, ["requests", "add", "--file", str(sheet), "--db", db])
    assert partial.exit_code == 1, partial.output  # one row stored, one rejected with its reason
    assert runner.invoke(app, ["explain", "NOPE", "--json", "--db", db]).exit_code == 2
    assert runner.invoke(app, ["plan", "--problem", str(EXAMPLE), "--day", "x"]).exit_code == 2
    assert runner.invoke(app, ["status", "--lang", "fr", "--db", db]).exit_code == 2


def test_plan_json_keeps_the_rows_the_filters_keep() -> None:
    """`--day`, `--host`, `--operator`, `--unit` and `--unserved` pick the JSON's rows as they pick the table's; the
    counts stay the plan's (issue 21, item 3)."""
    prob = load_problem(EXAMPLE)
    plan = solve(prob, SolveOptions(time_limit_s=5))
    units = {r.ref: r.unit for r in prob.requests}

    def run(**filters: Any) -> dict[str, Any]:
        args = {"day": None, "host": None, "operator": None, "unit": None, "unserved": False, **filters}
        data = _valid("plan-summary", plan_summary(prob, plan, plan_view(prob, full=False, **args)).model_dump_json())
        assert (data["served"], data["unserved"]) == (len(plan.assignments), len(plan.unserved))
        return data

    whole = run()
    assert whole["filters"] == {"day": None, "host": None, "operator": None, "unit": None, "unserved": False}
    day = whole["assignments"][0]["start"][:10]
    by_day = run(day=day)
    assert by_day["filters"]["day"] == day and by_day["assignments"]
    assert by_day["assignments"] == [a for a in whole["assignments"] if a["start"].startswith(day)]
    host = whole["assignments"][0]["host"]
    by_host = run(host=host)
    assert by_host["assignments"] == [a for a in whole["assignments"] if a["host"] == host]
    assert by_host["unserved_requests"] == []
    op = next(o for a in whole["assignments"] for o in a["operators"])
    assert run(operator=op)["assignments"] == [a for a in whole["assignments"] if op in a["operators"]]
    unit = units[whole["unserved_requests"][0]["request"]]
    by_unit = run(unit=unit.upper())
    assert by_unit["unserved_requests"] and by_unit["unserved_requests"] == [
        u for u in whole["unserved_requests"] if unit.casefold() in units[u["request"]].casefold()
    ]
    assert by_unit["assignments"] == [
        a for a in whole["assignments"] if unit.casefold() in units[a["request"]].casefold()
    ]
    only = run(unserved=True)
    assert only["assignments"] == [] and only["unserved_requests"] == whole["unserved_requests"]
    # the command line passes its filters to the JSON
    cli = runner.invoke(app, ["plan", "--problem", str(EXAMPLE), "--time-limit", "5", "--json", "--unserved"])
    assert cli.exit_code == 0, cli.output
    data = _valid("plan-summary", cli.stdout)
    assert data["assignments"] == [] and data["filters"]["unserved"] is True and data["unserved_requests"]
