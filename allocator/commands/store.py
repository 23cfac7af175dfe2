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
from allocator.commands.lang import zone_suffix
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
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def _open(db: str | None, *, create: bool = False) -> Store:
    """The store at `db` (or $VICON_DATABASE_URL, or var/vicon.db). Only `create` commands (`db upgrade`, `import`)
    may make a new SQLite file: any other command pointed at a missing one would work on an empty office."""
    url = database_url(db)
    file = _sqlite_file(url)
    if file is not None and not create and not file.exists():
        raise _fail(
            f"no database at {file}: create one with `vicon db upgrade` and `vicon import --problem FILE`, or point "
            "--db / VICON_DATABASE_URL at yours (after `vicon demo`: sqlite:///var/demo/vicon.db)",
            2,
        )
    try:
        return Store.open(url)
    except SQLAlchemyError as exc:
        raise _fail(f"cannot open the database: {type(exc).__name__}: {str(exc).splitlines()[0]}", 2) from None


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
        raise _fail(str(exc), 2) from None


def _lead(store: Store, wait: float) -> LeaderLock:
    lock = LeaderLock(store.engine)
    if not lock.acquire(wait_s=wait):
        raise _fail("another vicon instance is the leader (holds the leader lock); try again later", 3)
    return lock


def _parse_now(value: str | None) -> datetime | None:
    if value is None:
        return None
    text, zone = zone_suffix(value)
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise _fail(
            f"--now: not a date-time: {value!r} (e.g. 2027-01-01T08:00+08:00 or 2027-01-01T08:00 WITA)", 2
        ) from None
    if dt.tzinfo is None and zone is not None:
        dt = dt.replace(tzinfo=zone)
    if dt.tzinfo is None:
        raise _fail("--now needs an offset or a zone, e.g. 2027-01-01T08:00+08:00 or 2027-01-01T08:00 WITA", 2)
    return dt.astimezone(UTC)


@db_app.command("upgrade")
def db_upgrade(db: DbOpt = None) -> None:
    """Create or upgrade the database schema to the newest version."""
    store = _open(db, create=True)
    try:
        rev = upgrade(store.engine)
        typer.echo(f"database at revision {rev} (head {head_revision()}): {store.engine.url.render_as_string()}")
    finally:
        store.close()


@db_app.command("current")
def db_current(db: DbOpt = None) -> None:
    """Show the schema revision of the database (without upgrading it)."""
    from allocator.store.db import make_engine

    engine = make_engine(db)
    typer.echo(f"{current_revision(engine) or '(empty)'} (head {head_revision()})")
    engine.dispose()


def import_cmd(
    problem: Annotated[Path, typer.Option("--problem", "-p", help="Problem JSON file (see `vicon schema problem`).")],
    db: DbOpt = None,
    actor: ActorOpt = "cli",
) -> None:
    """Load a problem file's site policy, hosts, operators, requests and pins into the store."""
    try:
        prob = load_problem(problem)
    except ViconError as exc:
        raise _fail(str(exc), 2) from None
    store = _open(db, create=True)
    try:
        counts = store.import_problem(prob, actor=actor)
    finally:
        store.close()
    typer.echo("imported (new or changed): " + ", ".join(f"{v} {k}" for k, v in counts.items()))


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
            raise _fail(str(exc), 1) from None
        result = store.publish_plan(plan, actor=actor, scope=[r.ref for r in prob.requests], now=at, dry_run=dry_run)
    finally:
        if lock is not None:
            lock.release()
        store.close()
    c = result.counts()
    head = "would queue" if dry_run else f"published plan {result.plan_id}; queued"
    typer.echo(
        f"{plan.status.value}: {len(plan.assignments)} served, {len(plan.unserved)} unserved; "
        f"{head} {result.queued} Zoom actions ({c['create']} create, {c['update']} update, {c['delete']} delete"
        + (f", {result.folded} folded into unsent creates" if result.folded else "")
        + ")"
    )
    if verbose or dry_run:
        for a in result.actions:
            typer.echo(f"  {a.describe()}")
    for note in result.notes:
        typer.echo(f"  note: {note}")


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
            typer.echo(f"recovered {recovered} actions interrupted earlier (their creates look for the key first)")
        report = worker.run_once(limit=limit)
        counts = store.outbox_counts()
    finally:
        lock.release()
        store.close()
    typer.echo(f"sync: {report.summary()}")
    for line in report.deferred:
        typer.echo(f"  {line}")
    for line in report.failed:
        typer.echo(f"  FAILED {line}")
    for line in report.retrying:
        typer.echo(f"  retry later: {line}")
    if verbose:
        for line in report.done:
            typer.echo(f"  {line}")
    waiting = counts.get("pending", 0) + counts.get("in_progress", 0)
    if waiting:
        typer.echo(f"{waiting} actions still queued")
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
        typer.echo(f"reconcile: {report.summary()}")
        for f in report.findings:
            typer.echo(f"  {f.line()}")
        for e in report.errors:
            typer.echo(f"  error: {e}")
        if report.clean:
            typer.echo("nothing to fix")
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
            raise _fail(str(exc), 2) from None
        hosts, units = loaded.hosts, loaded.unit_operators
    else:
        store = _open(db)
        try:
            hosts, units = store.hosts(), store.unit_operators()
        finally:
            store.close()
    if not hosts:
        raise _fail("no hosts (import a problem first or pass --problem)", 2)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(fixture_for_hosts(hosts, units).model_dump_json(indent=2) + "\n", encoding="utf-8")
    typer.echo(f"sandbox fixture with {len(hosts)} hosts -> {out}")


def register(app: typer.Typer) -> None:
    """Add the store and sync commands to the `vicon` app."""
    app.add_typer(db_app, name="db")
    app.command("import")(import_cmd)
    app.command("publish")(publish_cmd)
    app.command("sync")(sync_cmd)
    app.command("reconcile")(reconcile_cmd)
    app.command("sandbox-fixture")(sandbox_fixture_cmd)


def _fault_points() -> None:
    """`VICON_FAULT` read at start: a wrong value is a clear error (exit 2), not a step failing later."""
    try:
        faults.configure()
    except faults.FaultSpecError as exc:
        raise _fail(str(exc), 2) from None
