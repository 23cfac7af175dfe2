"""The `vicon` command line: the office's way in to every part of the product."""

from __future__ import annotations

import json
import sys
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from pydantic import BaseModel
from rich.console import Console

from allocator.commands.fit import terminal
from allocator.commands.lang import LangOpt, run_lang, site_lang
from allocator.commands.langgroup import LangGroup
from allocator.commands.messages import error_text, plan_state, say
from allocator.commands.progress import ProgressLine
from allocator.commands.render import COMPACT_OVER, TEXT, PlanView, explain_request, print_plan
from allocator.commands.report_rows import explain_report, plan_summary
from allocator.commands.reports import REPORTS
from allocator.commands.store import register as register_store_commands
from allocator.error_words import os_reason
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
    cls=LangGroup,
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
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang", help="Language of this run: id (Bahasa Indonesia) or en; default VICON_LANG, else the site's."
        ),
    ] = None,
) -> None:
    """Share Zoom licences and vicon operators among many units, without double-booking."""


SchemaName = StrEnum("SchemaName", {n: n for n in ("problem", "plan", *REPORTS)})  # type: ignore[misc]


class InvalidOptions(ViconError):
    """Command-line options that do not fit the office; each message names its option."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("\n".join(errors))


def plan_view(
    prob: Problem,
    *,
    day: str | None,
    host: str | None,
    operator: str | None,
    unit: str | None,
    unserved: bool,
    full: bool,
) -> PlanView:
    """The filters of `vicon plan`, checked against the office: an unknown host or operator, or a day that is not
    a date, is an error naming the option."""
    problems: list[str] = []
    when: date | None = None
    if day is not None:
        try:
            when = date.fromisoformat(day.strip())
        except ValueError:
            problems.append(say("bad_day", value=day))
    if host is not None and host not in {h.id for h in prob.hosts}:
        problems.append(say("unknown_host_opt", value=host, known=", ".join(h.id for h in prob.hosts)))
    if operator is not None and operator not in {o.id for o in prob.operators}:
        problems.append(say("unknown_operator_opt", value=operator, known=", ".join(o.id for o in prob.operators)))
    if problems:
        raise InvalidOptions(problems)
    return PlanView(day=when, host=host, operator=operator, unit=unit, unserved_only=unserved, full=full)


def fail(exc: ViconError) -> typer.Exit:
    err.print(say("error", message=error_text(exc)), highlight=False, markup=False, soft_wrap=True)
    return typer.Exit(code=2)


@app.command()
def plan(
    problem: Annotated[Path, typer.Option("--problem", "-p", help="Problem JSON file (see `vicon schema problem`).")],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Plan JSON file ('-': stdout).")] = None,
    time_limit: Annotated[float, typer.Option("--time-limit", min=0.1, help="Seconds the solver may use.")] = 20.0,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Independent parts solved at once.")] = 2,
    lang: LangOpt = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Only the summary: no timelines, no progress line.")
    ] = False,
    day: Annotated[str | None, typer.Option("--day", help="Only this site-local day (2027-01-05).")] = None,
    host: Annotated[str | None, typer.Option("--host", help="Only this host's timeline.")] = None,
    operator: Annotated[str | None, typer.Option("--operator", help="Only this operator's timeline.")] = None,
    unit: Annotated[str | None, typer.Option("--unit", help="Only requests of units whose name contains this.")] = None,
    unserved: Annotated[bool, typer.Option("--unserved", help="Only the unserved requests and why.")] = False,
    full: Annotated[
        bool, typer.Option("--full", help=f"Every timeline even of a plan over {COMPACT_OVER} requests.")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="The summary as JSON (`vicon schema plan-summary`), with the same filters.")
    ] = False,
    exact: Annotated[
        bool | None,
        typer.Option(
            "--exact/--limited",
            help="Search every workable time of rehearsals, surveys and flexible requests, or limit the search "
            "(default: exact up to 150 requests).",
        ),
    ] = None,
) -> None:
    """Plan a problem file: assign hosts and operators, explain what cannot be served."""
    try:
        prob = load_problem(problem)
        view = plan_view(prob, day=day, host=host, operator=operator, unit=unit, unserved=unserved, full=full)
        with ProgressLine(site_lang(lang, prob.policy), quiet=quiet or as_json) as progress:
            options = SolveOptions(time_limit_s=time_limit, workers=workers, progress=progress, exact_search=exact)
            result = solve(prob, options)
    except ViconError as exc:
        raise fail(exc) from None
    console = terminal(stderr=out == Path("-") or as_json)  # keep stdout for the JSON
    if as_json:
        if out == Path("-"):
            raise fail(InvalidOptions([say("json_and_out")]))
        plan_summary(prob, result, view).emit()
    elif quiet:
        console.print(say("quiet_plan", status=plan_state(result.status.value), served=len(result.assignments),
                          unserved=len(result.unserved)))  # fmt: skip
    else:
        print_plan(prob, result, console, lang=site_lang(lang, prob.policy), view=view)
    if out == Path("-"):
        sys.stdout.write(result.model_dump_json(indent=2) + "\n")
    elif out is not None:
        out.write_text(result.model_dump_json(indent=2) + "\n", encoding="utf-8")
        console.print(say("wrote", file=out))


@app.command()
def schema(
    name: Annotated[SchemaName, typer.Argument(help="problem, plan, or a --json report: " + ", ".join(REPORTS))],
) -> None:
    """Print the JSON Schema of the problem or plan file format, or of a command's --json report."""
    models: dict[str, type[BaseModel]] = {"problem": Problem, "plan": Plan, **REPORTS}
    model = models[name.value]
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
    except OSError as exc:
        reason = os_reason(exc.strerror or type(exc).__name__, run_lang())
        raise InvalidProblem([say("bad_plan_file", file=plan_file, detail=reason)]) from None
    except ValueError as exc:
        raise InvalidProblem([say("bad_plan_file", file=plan_file, detail=str(exc).splitlines()[0])]) from None


@app.command()
def explain(
    request: Annotated[str, typer.Argument(help="Reference number of the request.")],
    problem: Annotated[
        Path | None, typer.Option("--problem", "-p", help="Problem JSON file (default: the stored office).")
    ] = None,
    plan_file: Annotated[Path | None, typer.Option("--plan", help="A plan JSON written by `vicon plan --out`.")] = None,
    lang: LangOpt = None,
    db: Annotated[str | None, typer.Option("--db", envvar="VICON_DATABASE_URL", help="Database URL.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="As JSON (`vicon schema explain`).")] = False,
) -> None:
    """Why a request is (not) served, and the nearest alternatives that would work."""
    try:
        prob, result, newer_than = _problem_and_plan(problem, plan_file, db, request)
    except ViconError as exc:
        raise fail(exc) from None
    if as_json:
        report = explain_report(prob, result, request, preview=newer_than is not None)
        if report is None:
            raise fail(InvalidOptions([say("request_unknown", ref=request)]))
        report.emit()
        return
    console = terminal()
    words = site_lang(lang, prob.policy)
    if newer_than is not None:
        console.print(TEXT[words]["newcomer"].format(ref=request, plan=newer_than), soft_wrap=True)
    console.print(explain_request(prob, result, request, words), highlight=False)  # wrapped at words
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
__import__("allocator.commands.users", fromlist=["register"]).register(app)
__import__("allocator.commands.units", fromlist=["register"]).register(app)
__import__("allocator.commands.feeds", fromlist=["register"]).register(app)
