"""`vicon` commands for the store and the Zoom sync: db upgrade, import, publish, sync, reconcile.

Database: `--db URL` or `$VICON_DATABASE_URL`, default the SQLite file `./var/vicon.db`. Every command
upgrades the schema first. Zoom: `--zoom-config F` or `$VICON_ZOOM_CONFIG`. Exit codes: 0 fine; 1 something
failed or (reconcile) there is something to fix; 2 bad input or configuration; 3 another instance leads.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from allocator import faults
from allocator.commands.lang import run_lang, zone_suffix
from allocator.commands.messages import SYNC_COUNTS, error_text, plan_state, say, store_line
from allocator.commands.zoom_words import finding_detail, finding_kind, reconcile_error, sync_line, zoom_error
from allocator.planner.errors import ViconError
from allocator.planner.solver import SolveOptions, solve
from allocator.problem_files import load_problem
from allocator.store.db import database_url
from allocator.store.migrate import current_revision, head_revision, upgrade
from allocator.store.repo import Store
from allocator.sync.leader import LeaderLock
from allocator.sync.reconcile import reconcile as run_reconcile
from allocator.sync.sandbox import fixture_for_hosts
from allocator.sync.worker import SyncWorker
from zoom_client import ConfigError, ZoomTenants, load_config

DbOpt = Annotated[
    str | None,
    typer.Option("--db", envvar="VICON_DATABASE_URL", help="Database URL (default: sqlite file ./var/vicon.db)."),
]
ZoomConfigOpt = Annotated[
    Path,
    typer.Option("--zoom-config", envvar="VICON_ZOOM_CONFIG", help="Zoom accounts JSON (see docs/zoom_client.md)."),
]
ActorOpt = Annotated[str, typer.Option("--actor", help="Who is doing this (recorded in the audit log).")]
WaitOpt = Annotated[float, typer.Option("--wait-leader", min=0, help="Seconds to wait for the leader lock.")]

db_app = typer.Typer(help="The database: schema upgrades.", no_args_is_help=True)


def _fail(message: str, code: int) -> typer.Exit:
    typer.echo(say("error", message=message), err=True)
    return typer.Exit(code)


def _open(db: str | None, *, create: bool = False) -> Store:
    """The store at `db` (or $VICON_DATABASE_URL, or var/vicon.db). Only `create` commands (`db upgrade`, `import`)
    may make a new SQLite file: any other command pointed at a missing one would work on an empty office."""
    url = database_url(db)
    file = _sqlite_file(url)
    if file is not None and not create and not file.exists():
        raise _fail(say("no_database", file=file), 2)
    try:
        return Store.open(url)
    except SQLAlchemyError as exc:
        detail = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
        raise _fail(say("cannot_open", detail=detail), 2) from None


def _sqlite_file(url: str) -> Path | None:
    """The file a SQLite URL names (None for another database or an in-memory one)."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def _tenants(path: Path) -> ZoomTenants:
    try:
        return ZoomTenants(load_config(path))
    except ConfigError as exc:
        raise _fail(zoom_error(exc), 2) from None


def _lead(store: Store, wait: float) -> LeaderLock:
    lock = LeaderLock(store.engine)
    if not lock.acquire(wait_s=wait):
        raise _fail(say("leader_taken"), 3)
    return lock


def _parse_now(value: str | None) -> datetime | None:
    if value is None:
        return None
    text, zone = zone_suffix(value)
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise _fail(say("bad_now", value=value), 2) from None
    if dt.tzinfo is None and zone is not None:
        dt = dt.replace(tzinfo=zone)
    if dt.tzinfo is None:
        raise _fail(say("naive_now"), 2)
    return dt.astimezone(UTC)


@db_app.command("upgrade")
def db_upgrade(db: DbOpt = None) -> None:
    """Create or upgrade the database schema to the newest version."""
    store = _open(db, create=True)
    try:
        rev = upgrade(store.engine)
        typer.echo(say("db_at", rev=rev, head=head_revision(), url=store.engine.url.render_as_string()))
    finally:
        store.close()


@db_app.command("current")
def db_current(db: DbOpt = None) -> None:
    """Show the schema revision of the database (without upgrading it)."""
    store = _open(db)  # a missing SQLite file is reported, not created
    try:
        typer.echo(say("db_current", rev=current_revision(store.engine) or say("db_empty"), head=head_revision()))
    finally:
        store.close()


def import_cmd(
    problem: Annotated[Path, typer.Option("--problem", "-p", help="Problem JSON file (see `vicon schema problem`).")],
    db: DbOpt = None,
    actor: ActorOpt = "cli",
) -> None:
    """Load a problem file's site policy, hosts, operators, requests and pins into the store."""
    try:
        prob = load_problem(problem)
    except ViconError as exc:
        raise _fail(error_text(exc), 2) from None
    store = _open(db, create=True)
    try:
        counts = store.import_problem(prob, actor=actor)
    finally:
        store.close()
    typer.echo(say("imported", counts=", ".join(f"{v} {k}" for k, v in counts.items())))


def publish_cmd(
    db: DbOpt = None,
    time_limit: Annotated[float, typer.Option("--time-limit", min=0.1, help="Seconds the solver may use.")] = 20.0,
    now: Annotated[str | None, typer.Option("--now", help="Plan as of this instant (ISO 8601 with offset).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the actions without publishing.")] = False,
    actor: ActorOpt = "cli",
    wait: WaitOpt = 0.0,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="List every action.")] = False,
) -> None:
    """Plan the store's requests and publish the plan: queue the Zoom actions it implies."""
    store = _open(db)
    lock = None if dry_run else _lead(store, wait)
    try:
        at = _parse_now(now) or store.now()
        prob = store.load_problem(at)
        try:
            plan = solve(prob, SolveOptions(time_limit_s=time_limit))
        except ViconError as exc:
            raise _fail(error_text(exc), 1) from None
        result = store.publish_plan(plan, actor=actor, scope=[r.ref for r in prob.requests], now=at, dry_run=dry_run)
    finally:
        if lock is not None:
            lock.release()
        store.close()
    c = result.counts()
    typer.echo(
        say(
            "would_publish" if dry_run else "published", status=plan_state(plan.status.value),
            served=len(plan.assignments), unserved=len(plan.unserved), plan=result.plan_id, queued=result.queued,
            create=c["create"], update=c["update"], delete=c["delete"],
            folded=say("folded", n=result.folded) if result.folded else "",
        )
    )  # fmt: skip
    if verbose or dry_run:
        for a in result.actions:
            typer.echo(f"  {store_line(a.describe())}")
    for note in result.notes:
        typer.echo(say("note", note=store_line(note)))


def sync_cmd(
    zoom_config: ZoomConfigOpt,
    db: DbOpt = None,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="At most this many actions.")] = None,
    wait: WaitOpt = 0.0,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="List every action.")] = False,
) -> None:
    """Carry out the queued Zoom actions once (as the leader), then report."""
    _fault_points()
    tenants = _tenants(zoom_config)
    store = _open(db)
    lock = _lead(store, wait)
    try:
        worker = SyncWorker(store, tenants)
        recovered = worker.recover(all_in_progress=True)  # we lead: nobody else is mid-action
        if recovered:
            typer.echo(say("recovered", n=recovered))
        report = worker.run_once(limit=limit)
        counts = store.outbox_counts()
    finally:
        lock.release()
        store.close()
    skipped = say("sync_skipped", n=len(report.skipped)) if report.skipped else ""
    typer.echo(say("sync", done=len(report.done), deferred=len(report.deferred), retrying=len(report.retrying),
                   failed=len(report.failed), skipped=skipped) + _counts(report.counts))  # fmt: skip
    for line in report.deferred:
        typer.echo(say("deferred", line=sync_line(line)))
    for line in report.failed:
        typer.echo(say("failed", line=sync_line(line)))
    for line in report.retrying:
        typer.echo(say("retry_later", line=sync_line(line)))
    if verbose:
        for line in report.skipped:
            typer.echo(say("taken_over", line=sync_line(line)))
        for line in report.done:
            typer.echo(f"  {sync_line(line, done=True)}")
    waiting = counts.get("pending", 0) + counts.get("in_progress", 0)
    if waiting:
        typer.echo(say("still_queued", n=waiting))
    if report.failed:
        raise typer.Exit(1)


def reconcile_cmd(
    zoom_config: ZoomConfigOpt,
    db: DbOpt = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Report only; change nothing.")] = False,
    wait: WaitOpt = 0.0,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Compare Zoom with the store: adopt orphans, recreate meetings deleted by hand, delete meetings no
    request owns, repair meetings of ours whose details drifted. Exits 1 when something is left to fix."""
    tenants = _tenants(zoom_config)
    store = _open(db)
    lock = None if dry_run else _lead(store, wait)
    try:
        if lock is not None:  # we lead: actions claimed by a dead process are nobody's now
            SyncWorker(store, tenants).recover(all_in_progress=True)
        report = run_reconcile(store, tenants, dry_run=dry_run)
    finally:
        if lock is not None:
            lock.release()
        store.close()
    if as_json:
        out = {
            "dry_run": report.dry_run,
            "clean": report.clean,
            "hosts_checked": report.hosts_checked,
            "zoom_meetings_seen": report.zoom_meetings_seen,
            "pending_actions": report.pending_actions,
            "errors": report.errors,
            "findings": [{**f.__dict__} for f in report.findings],
        }
        typer.echo(json.dumps(out, indent=2, default=str))
    else:
        typer.echo(say("reconcile", hosts=report.hosts_checked, meetings=report.zoom_meetings_seen,
                       findings=len(report.findings), errors=len(report.errors), pending=report.pending_actions,
                       dry=say("dry_run_tag") if report.dry_run else ""))  # fmt: skip
        for f in report.findings:
            meeting = say("finding_meeting", id=f.zoom_meeting_id) if f.zoom_meeting_id else ""
            typer.echo(say("finding", state=say("fixed" if f.fixed else "to_fix"), kind=finding_kind(f.kind), key=f.key,
                           meeting=meeting, host=f.host, detail=finding_detail(f.detail)))  # fmt: skip
        for e in report.errors:
            typer.echo(say("line_error", e=reconcile_error(e)))
        if report.clean:
            typer.echo(say("nothing_to_fix"))
    unfixed = [f for f in report.findings if not f.fixed]
    if report.errors or unfixed:
        raise typer.Exit(1)


def sandbox_fixture_cmd(
    out: Annotated[Path, typer.Option("--out", "-o", help="Write the fixture JSON here.")],
    problem: Annotated[
        Path | None, typer.Option("--problem", "-p", help="Take the hosts from this problem file.")
    ] = None,
    db: DbOpt = None,
) -> None:
    """Write a Zoom sandbox fixture whose users are our hosts (for `vicon zoom-sandbox --fixture`)."""
    if problem is not None:
        try:
            loaded = load_problem(problem)
        except ViconError as exc:
            raise _fail(error_text(exc), 2) from None
        hosts, units = loaded.hosts, loaded.unit_operators
    else:
        store = _open(db)
        try:
            hosts, units = store.hosts(), store.unit_operators()
        finally:
            store.close()
    if not hosts:
        raise _fail(say("no_hosts"), 2)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(fixture_for_hosts(hosts, units).model_dump_json(indent=2) + "\n", encoding="utf-8")
    typer.echo(say("fixture", n=len(hosts), out=out))


def register(app: typer.Typer) -> None:
    """Add the store and sync commands to the `vicon` app."""
    app.add_typer(db_app, name="db")
    app.command("import")(import_cmd)
    app.command("publish")(publish_cmd)
    app.command("sync")(sync_cmd)
    app.command("reconcile")(reconcile_cmd)
    app.command("sandbox-fixture")(sandbox_fixture_cmd)


def _counts(counts: dict[str, int]) -> str:
    """The Zoom calls behind a sync, as the worker counted them (Zoom's words: create, update, delete…)."""
    words = SYNC_COUNTS if run_lang() == "id" else {}
    return f" ({', '.join(f'{words.get(k, k)}: {v}' for k, v in sorted(counts.items()))})" if counts else ""


def _fault_points() -> None:
    """`VICON_FAULT` read at start: a wrong value is a clear error (exit 2), not a step failing later."""
    try:
        faults.configure()
    except faults.FaultSpecError as exc:
        raise _fail(error_text(exc), 2) from None
