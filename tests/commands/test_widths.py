"""The CLI's tables fit 80, 120 and 200 columns and never cut a date, a time or a ref (issue 21, item 1); a large
plan is summarised per day unless filtered (`--day`, `--host`, `--operator`, `--unit`, `--unserved`, `--full`)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rich.cells import cell_len
from typer.testing import CliRunner

from allocator.commands import render
from allocator.commands.main import app
from allocator.commands.render import _day, host_entries, operator_entries
from allocator.planner.domain import Plan, local
from allocator.planner.solver import solve
from allocator.problem_files import load_problem

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "config" / "example-problem.json"
runner = CliRunner()
WIDTHS = (40, 59, 80, 120, 200)  # under 60 columns the tables stack their rows


def _rows(output: str) -> list[str]:
    """A table's rows as text: its lines, or when stacked (a narrow terminal) its blocks between the rules."""
    lines = output.splitlines()
    if not any(ln and set(ln) == {"─"} for ln in lines):
        return lines
    blocks, cur = [], []
    for ln in lines:
        if ln and set(ln) == {"─"}:
            blocks.append("\n".join(cur))
            cur = []
        else:
            cur.append(ln)
    return [*blocks, "\n".join(cur)]


def _whole(value: str, row: str) -> bool:
    """`value` stands whole in `row` (not a piece of a longer word, not cut)."""
    return re.search(rf"(^|[\s│(]){re.escape(value)}($|[\s│,)])", row, re.M) is not None


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("plan") / "plan.json"
    plan = solve(load_problem(EXAMPLE))
    out.write_text(plan.model_dump_json(), encoding="utf-8")
    return out


def _entries_whole(output: str, plan: Plan) -> None:
    """Every timeline entry shows its ref, day and full time range on one line; nothing is cut with an ellipsis."""
    prob = load_problem(EXAMPLE)
    zone = prob.policy.timezone
    lines = _rows(output)
    assert "…" not in output
    for entries in [host_entries(prob, plan, h.id) for h in prob.hosts] + [
        operator_entries(prob, plan, o.id) for o in prob.operators
    ]:
        for x in entries:
            s, e = local(x.start, zone), local(x.end, zone)
            day, span = _day(s, "id"), f"{s:%H:%M}–{e:%H:%M}"
            assert any(_whole(x.request.ref, ln) and day in ln and span in ln for ln in lines), (x.request.ref, day)
    for u in plan.unserved:
        assert any(_whole(u.request, ln) for ln in lines), u.request


@pytest.mark.parametrize("width", WIDTHS)
def test_plan_fits_the_terminal_and_cuts_no_date_time_or_ref(width: int, tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    result = runner.invoke(
        app, ["plan", "--problem", str(EXAMPLE), "--time-limit", "5", "--out", str(out)], env={"COLUMNS": str(width)}
    )
    assert result.exit_code == 0, result.output
    assert max(cell_len(ln) for ln in result.output.splitlines()) <= width
    _entries_whole(result.output, Plan.model_validate_json(out.read_text(encoding="utf-8")))


@pytest.mark.parametrize("width", WIDTHS)
def test_explain_and_requests_list_fit_the_terminal(width: int, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'v.db'}"
    assert runner.invoke(app, ["import", "--problem", str(EXAMPLE), "--db", db]).exit_code == 0
    assert runner.invoke(app, ["replan", "--db", db]).exit_code == 0
    env = {"COLUMNS": str(width)}
    listed = runner.invoke(app, ["requests", "list", "--db", db], env=env)
    assert listed.exit_code == 0, listed.output
    assert max(cell_len(ln) for ln in listed.output.splitlines()) <= width and "…" not in listed.output
    prob = load_problem(EXAMPLE)
    for r in prob.requests:
        stamp = f"{local(r.start, prob.policy.timezone):%Y-%m-%d %H:%M}"
        assert any(_whole(r.ref, ln) and stamp in ln for ln in _rows(listed.output)), r.ref
    why = runner.invoke(app, ["explain", "PSR-00019", "--db", db], env=env)
    assert why.exit_code == 0 and max(cell_len(ln) for ln in why.output.splitlines()) <= width


def test_a_large_plan_is_summarised_per_day_and_the_filters_open_it(
    monkeypatch: pytest.MonkeyPatch, planned: Path
) -> None:
    monkeypatch.setattr(render, "COMPACT_OVER", 10)  # the example's 46 served count as large here
    plan = Plan.model_validate_json(planned.read_text(encoding="utf-8"))
    base = ["plan", "--problem", str(EXAMPLE), "--time-limit", "5"]
    env = {"COLUMNS": "120"}
    compact = runner.invoke(app, base, env=env)
    assert compact.exit_code == 0 and "Rencana per hari" in compact.output and "--unserved" in compact.output
    assert "Jadwal per host" not in compact.output and "Sen 2027-01-04" in compact.output
    full = runner.invoke(app, [*base, "--full"], env=env)
    assert "Jadwal per host" in full.output

    day = runner.invoke(app, [*base, "--day", "2027-01-05"], env=env)
    assert "Sel 2027-01-05" in day.output
    # Other days appear only as the kits lent over the holiday: picked up Monday 13:00, an hour before the Monday
    # rehearsal that uses them, back Wednesday 07:00.
    others = [ln for ln in day.output.splitlines() if "Sen 2027-01-04" in ln or "Rab 2027-01-06" in ln]
    assert others and all("Sen 2027-01-04 13:00" in ln and "Rab 2027-01-06 07:00" in ln for ln in others)

    host = runner.invoke(app, [*base, "--host", "H100"], env=env)
    assert "H100 (100)" in host.output and "H300A (300)" not in host.output and "Jadwal per operator" not in host.output

    op_plan = planned.with_name("op-plan.json")  # the plan this run printed (a loaded machine may solve differently)
    op = runner.invoke(app, [*base, "--operator", "OP04", "--lang", "en", "--out", str(op_plan)], env=env)
    printed = Plan.model_validate_json(op_plan.read_text(encoding="utf-8"))
    mine = {a.request for a in printed.assignments if "OP04" in a.operators}
    assert "Timeline per host" not in op.output and all(ref in op.output for ref in mine)

    unserved = runner.invoke(app, [*base, "--unserved"], env=env)
    assert "Tidak terlayani" in unserved.output and "Jadwal per host" not in unserved.output
    assert all(u.request in unserved.output for u in plan.unserved)

    prob = load_problem(EXAMPLE)
    unit = prob.requests[0].unit
    by_unit = runner.invoke(app, [*base, "--unit", unit.lower()], env=env)
    others = {r.ref for r in prob.requests if unit not in r.unit}
    assert by_unit.exit_code == 0 and not any(f" {ref} " in by_unit.output for ref in others)

    bad = runner.invoke(app, [*base, "--day", "5 Jan", "--host", "NOPE", "--lang", "en"], env=env)
    assert bad.exit_code == 2 and "--day: not a date" in bad.output and "--host: unknown host 'NOPE'" in bad.output


@pytest.mark.parametrize("width", (30, 40, 59))
def test_a_narrow_terminal_stacks_rows_and_keeps_whole_values_whole(width: int) -> None:
    from rich.console import Console

    from allocator.commands.fit import Col, fit_table

    cols = [Col("ref", whole=True), Col("when", whole=True), Col("title"), Col("seats", drop=1)]
    rows = [["050/112/Bappeda/XII/2026", "Sen 2027-01-04 08:00–10:00 (09:00 WITA)", "Rapat koordinasi " * 4, "50"]]
    console = Console(width=width, record=True)
    console.print(fit_table("t", cols, rows, width))
    text = console.export_text()
    assert "…" not in text and all(cell_len(ln) <= width for ln in text.splitlines())
    assert "seats: 50" in text  # stacked rows show every column
    whole = "\n".join(ln.strip() for ln in text.splitlines())
    assert "050/112/Bappeda/XII/2026" in whole
    when = "Sen 2027-01-04 08:00–10:00 (09:00 WITA)"
    # on a line of its own when it fits the terminal at all; only a terminal narrower than the value folds it
    assert when in whole if width >= len(when) else when.replace(" ", "") in whole.replace("\n", "").replace(" ", "")
