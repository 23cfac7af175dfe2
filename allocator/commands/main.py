"""The `vicon` command line: the office's way in to every part of the product."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from allocator.commands.render import TEXT, explain_request, print_plan
from allocator.commands.store import register as register_store_commands
from allocator.planner.domain import Plan, Problem
from allocator.planner.errors import InvalidProblem, ViconError
from allocator.planner.solver import SolveOptions, solve
from allocator.problem_files import load_problem
from zoom_client.cli import register as register_zoom_commands

app = typer.Typer(
    name="vicon",
    help="Share Zoom licences and vicon operators among many units, without double-booking.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

err = Console(stderr=True)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"vicon {version('vicon-allocator')}")
        except PackageNotFoundError:  # run from a checkout that was never installed
            typer.echo("vicon (not installed)")
        raise typer.Exit()


@app.callback()
def main(
    show_version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Share Zoom licences and vicon operators among many units, without double-booking."""


class Lang(StrEnum):
    id = "id"
    en = "en"


class SchemaName(StrEnum):
    problem = "problem"
    plan = "plan"


def fail(exc: ViconError) -> typer.Exit:
    err.print(f"[red]error:[/red] {exc}", highlight=False, markup=True, soft_wrap=True)
    return typer.Exit(code=2)


@app.command()
def plan(
    problem: Annotated[Path, typer.Option("--problem", "-p", help="Problem JSON file (see `vicon schema problem`).")],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Plan JSON file ('-': stdout).")] = None,
    time_limit: Annotated[float, typer.Option("--time-limit", min=0.1, help="Seconds the solver may use.")] = 20.0,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Independent parts solved at once.")] = 2,
    lang: Annotated[Lang, typer.Option(help="Language of the report.")] = Lang.id,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only the summary, no timelines.")] = False,
) -> None:
    """Plan a problem file: assign hosts and operators, explain what cannot be served."""
    try:
        prob = load_problem(problem)
        result = solve(prob, SolveOptions(time_limit_s=time_limit, workers=workers))
    except ViconError as exc:
        raise fail(exc) from None
    console = Console(width=max(Console().width, 120), stderr=out == Path("-"))  # keep stdout for the JSON
    if quiet:
        console.print(result.status.value, f"{len(result.assignments)} served, {len(result.unserved)} unserved")
    else:
        print_plan(prob, result, console, lang=lang.value)
    if out == Path("-"):
        sys.stdout.write(result.model_dump_json(indent=2) + "\n")
    elif out is not None:
        out.write_text(result.model_dump_json(indent=2) + "\n", encoding="utf-8")
        console.print(f"→ {out}")


@app.command()
def schema(name: Annotated[SchemaName, typer.Argument(help="problem or plan")]) -> None:
    """Print the JSON Schema of the problem or plan file format."""
    model = Problem if name is SchemaName.problem else Plan
    sys.stdout.write(json.dumps(model.model_json_schema(), indent=2, ensure_ascii=False) + "\n")


def _problem_and_plan(
    problem: Path | None, plan_file: Path | None, db: str | None, ref: str | None = None
) -> tuple[Problem, Plan, int | None]:
    """From files when given, else the stored office and its published plan. A request `ref` the published plan
    does not know yet (new since it) is explained from the plan the next re-plan would publish (a dry run); the
    third value is then the published plan's id, else None."""
    if problem is None:
        from allocator.commands.store import _open
        from allocator.service import current_problem, replan

        store = _open(db)
        published = store.published_plan()
        prob = current_problem(store, published=published)
        if published is None:
            return prob, solve(prob), None
        known = {a.request for a in published.plan.assignments} | {u.request for u in published.plan.unserved}
        if ref is not None and ref not in known and ref in {r.ref for r in prob.requests}:
            return prob, replan(store, actor="explain", dry_run=True).plan, published.id
        return prob, published.plan, None
    prob = load_problem(problem)
    if plan_file is None:
        return prob, solve(prob), None
    try:
        return prob, Plan.model_validate_json(plan_file.read_text(encoding="utf-8")), None
    except (OSError, ValueError) as exc:
        raise InvalidProblem([f"{plan_file}: not a readable plan ({str(exc).splitlines()[0]})"]) from None


@app.command()
def explain(
    request: Annotated[str, typer.Argument(help="Reference number of the request.")],
    problem: Annotated[
        Path | None, typer.Option("--problem", "-p", help="Problem JSON file (default: the stored office).")
    ] = None,
    plan_file: Annotated[Path | None, typer.Option("--plan", help="A plan JSON written by `vicon plan --out`.")] = None,
    lang: Annotated[Lang, typer.Option(help="Language of the report.")] = Lang.id,
    db: Annotated[str | None, typer.Option("--db", envvar="VICON_DATABASE_URL", help="Database URL.")] = None,
) -> None:
    """Why a request is (not) served, and the nearest alternatives that would work."""
    try:
        prob, result, newer_than = _problem_and_plan(problem, plan_file, db, request)
    except ViconError as exc:
        raise fail(exc) from None
    console = Console(width=max(Console().width, 100))
    if newer_than is not None:
        console.print(TEXT[lang.value]["newcomer"].format(ref=request, plan=newer_than), soft_wrap=True)
    console.print(explain_request(prob, result, request, lang.value), soft_wrap=True, highlight=False)
    if request not in {r.ref for r in prob.requests}:
        raise typer.Exit(code=2)


register_zoom_commands(app)
register_store_commands(app)

from allocator.commands.notify import register as register_notify_commands  # noqa: E402

register_notify_commands(app)

from allocator.commands.admin import register as register_admin_commands  # noqa: E402

register_admin_commands(app)

from allocator.commands.web import register as register_web_commands  # noqa: E402

register_web_commands(app)
