"""`vicon` commands an admin runs against the stored state: requests, re-plans, pins, status, the daemon."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from pydantic import ValidationError

from allocator.commands import kit_faults as _kit_faults  # noqa: F401  (registers `vicon kits fault...`)
from allocator.commands.fit import Col, fit_table, terminal
from allocator.commands.intake_view import flag_words, intake_table, late_detail
from allocator.commands.kits import kits_app
from allocator.commands.lang import LangOpt, run_lang, site_lang, stamp, word
from allocator.commands.logs import LogFormat, setup_logging
from allocator.commands.messages import error_text, plan_state, say, store_line
from allocator.commands.progress import ProgressLine
from allocator.commands.replan_view import replan_lines
from allocator.commands.report_rows import daemon_row, replan_report
from allocator.commands.reports import NotificationCounts, PublishedRow, RequestRow, RequestsList, StatusReport
from allocator.commands.store import ActorOpt, DbOpt, _fail, _fault_points, _open, _tenants
from allocator.daemon import Daemon, DaemonSettings, MailNotifier
from allocator.intake import IntakeFileError, read_file, write_rejects
from allocator.intake.messages import Lang
from allocator.notify.config import NotifyConfigError, load_notify_config
from allocator.notify.outbox import notification_status
from allocator.notify.startlinks import TenantStartLinks
from allocator.notify.wiring import build_outbox, describe_mail, mail_configured
from allocator.planner.domain import EMAIL, Pin, Request, local, zone_abbrev
from allocator.planner.errors import ViconError
from allocator.planner.explain import when
from allocator.planner.pin_check import series_refusals, with_series_host
from allocator.planner.solver import SolveOptions
from allocator.service import current_problem, replan
from allocator.store.repo import Store
from allocator.validation_words import validation_lines
from zoom_client import ZoomTenants

requests_app = typer.Typer(help="Requests: add, list, show, cancel.", no_args_is_help=True)

ZoomOpt = Annotated[
    Path | None,
    typer.Option("--zoom-config", envvar="VICON_ZOOM_CONFIG", help="Zoom accounts JSON; without it nothing syncs."),
]


@requests_app.command("add")
def requests_add(
    file: Annotated[Path | None, typer.Option("--file", "-f", help="CSV, XLSX or JSON of requests.")] = None,
    ref: Annotated[str | None, typer.Option(help="Reference number (surat).")] = None,
    unit: Annotated[str | None, typer.Option()] = None,
    title: Annotated[str | None, typer.Option()] = None,
    start: Annotated[str | None, typer.Option(help="Local start, e.g. 2027-01-05T09:00.")] = None,
    end: Annotated[str | None, typer.Option(help="Local end.")] = None,
    tz: Annotated[
        str | None,
        typer.Option("--tz", help="Zone of start/end: WIB, WITA, WIT or IANA (default: the site's)."),
    ] = None,
    participants: Annotated[int, typer.Option()] = 50,
    service: Annotated[str, typer.Option(help="link | link_operator | operator")] = "link_operator",
    priority: Annotated[str, typer.Option()] = "normal",
    pic_name: Annotated[str | None, typer.Option("--pic-name")] = None,
    pic_email: Annotated[str | None, typer.Option("--pic-email")] = None,
    venue: Annotated[str | None, typer.Option()] = None,
    duty: Annotated[
        bool,
        typer.Option(
            "--duty", help="Weekend or holiday duty asked for: served outside working time by duty operators."
        ),
    ] = False,
    repeat: Annotated[
        str | None,
        typer.Option(help="A series: daily (consecutive days), weekly or monthly; one Zoom link for all."),
    ] = None,
    count: Annotated[int | None, typer.Option(help="A series: how many occurrences (at most 50).")] = None,
    until: Annotated[str | None, typer.Option(help="A series: the last local date, e.g. 2027-03-31.")] = None,
    every: Annotated[int, typer.Option(help="A series: every so many days, weeks or months.")] = 1,
    weekdays: Annotated[
        str | None, typer.Option(help="A weekly series: weekdays, 0 = Monday ... 6 = Sunday, e.g. 0,3.")
    ] = None,
    month_week: Annotated[
        int | None,
        typer.Option(
            "--month-week",
            help="A monthly series on the start's weekday of this week of the month: 1..4, -1 = the last "
            "(e.g. 1: every first Monday); without it, the start's day of the month.",
        ),
    ] = None,
    series_policy: Annotated[
        str, typer.Option("--series-policy", help="all_or_nothing (default) or partial.")
    ] = "all_or_nothing",
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="With --file: show the mapping report and what would be stored.")
    ] = False,
    lang: LangOpt = None,
    rejects: Annotated[
        Path | None, typer.Option(help="With --file: write the rejected rows here (.xlsx, .csv or .json).")
    ] = None,
    db: DbOpt = None,
    actor: ActorOpt = "cli",
) -> None:
    """Add or change requests, from options or a file; every bad field is named."""
    store = _open(db)
    if file is not None:
        words = site_lang(lang, store.policy())
        raise typer.Exit(_add_file(store, file, dry_run=dry_run, lang=words, rejects=rejects, actor=actor))
    data: dict[str, Any] = {
        "ref": ref, "unit": unit, "title": title, "start": start, "end": end, "timezone": tz or store.policy().timezone,
        "participants": participants, "service": service, "priority": priority, "venue": venue, "duty": duty,
        "pic": {"name": pic_name, "email": pic_email}, "submitted_at": datetime.now(UTC).isoformat(),
    }  # fmt: skip
    if repeat is not None or count is not None or until is not None:
        try:
            days = [int(d) for d in weekdays.split(",")] if weekdays else None
        except ValueError:
            raise _fail(f"--weekdays: numbers 0 (Monday) to 6 (Sunday), comma-separated, not {weekdays!r}", 2) from None
        data["series"] = {"repeat": repeat or "daily", "count": count, "until": until, "every": every,
                          "policy": series_policy, "weekdays": days}  # fmt: skip
        if month_week is not None:
            data["series"]["month_week"] = month_week
    errors, req = request_errors(data, store.policy().priority_weights, store.now(), pic_email)
    if errors or req is None:
        raise _fail(say("invalid_request", errors="\n  - ".join(errors)), 2) from None
    version = store.save_request(req, actor=actor)
    typer.echo(say("saved_version", ref=req.ref, version=version.version) if version else say("unchanged", ref=req.ref))


def request_errors(
    data: dict[str, Any], tiers: dict[str, int], now: datetime, email: str | None
) -> tuple[list[str], Request | None]:
    """Every problem of a typed-in request at once (fields, e-mail, tier, a start in the past), each naming its
    field, and the request when there are none."""
    errors: list[str] = []
    if email is not None and not EMAIL.fullmatch(email.strip()):
        errors.append(say("bad_email", value=email))
    priority = str(data.get("priority"))
    if priority not in tiers:
        errors.append(say("unknown_tier", value=priority, known=", ".join(sorted(tiers))))
    req: Request | None = None
    try:
        req = Request.model_validate(data)
    except ValidationError as exc:
        errors += [m.replace("(problem): ", "", 1) for m in validation_lines(exc, run_lang())]
    if req is not None and req.start < now:
        zone = req.timezone
        errors.append(say("past_start", start=stamp(req.start, zone, run_lang()), now=stamp(now, zone, run_lang())))
    return errors, (req if not errors else None)


def _add_file(store: Store, file: Path, *, dry_run: bool, lang: Lang | None, rejects: Path | None, actor: str) -> int:
    """Read a file with the site's rules, show its mapping report and rows, store the new and changed ones."""
    try:
        result = read_file(file, store.policy(), lang, now=store.now(), known=store.requests_by_ref)
    except IntakeFileError as exc:
        raise _fail(error_text(exc), 2) from None
    typer.echo(result.report.render(result.lang))
    console = terminal()
    console.print(intake_table(result, store.policy().timezone, console.width))
    if rejects is not None and result.rejected:
        write_rejects(rejects, result)
        typer.echo(say("rejects_to", file=rejects))
    changed = [a.request for a in result.to_save]
    if dry_run:
        typer.echo(
            say("intake_dry", accepted=len(result.accepted), changed=len(changed), rejected=len(result.rejected))
        )
        return 1 if result.rejected else 0
    saved = sum(1 for v in store.save_requests(changed, actor=actor) if v is not None)
    typer.echo(say("intake_done", accepted=len(result.accepted), changed=saved, rejected=len(result.rejected)))
    return 1 if result.rejected else 0


@requests_app.command("list")
def requests_list(
    db: DbOpt = None,
    all_: Annotated[bool, typer.Option("--all", help="Include past, cancelled and rejected requests.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="As JSON (`vicon schema requests-list`).")] = False,
    lang: LangOpt = None,
) -> None:
    """Requests with their current assignment."""
    store = _open(db)
    words = site_lang(lang, store.policy())
    now = store.now()
    reqs = store.list_requests() if all_ else store.list_requests(ends_after=now)
    published = store.published_plan()
    assigned = {a.request: a for a in (published.plan.assignments if published else [])}
    unserved = {u.request for u in (published.plan.unserved if published else [])}
    zone = store.policy().timezone
    listed: list[RequestRow] = []
    for r in reqs:
        if not all_ and not r.status.active:
            continue
        a = assigned.get(r.ref)
        state: Literal["served", "unserved", "not planned"] = (
            "served" if a else ("unserved" if r.ref in unserved else "not planned")
        )
        listed.append(RequestRow(ref=r.ref, start=local(r.start, zone), end=local(r.end, zone), unit=r.unit,
                                 title=r.title, participants=r.participants, priority=r.priority,
                                 status=r.status.value, plan_state=state, host=a.host if a else None,
                                 operators=list(a.operators) if a else [], flags=list(r.flags)))  # fmt: skip
    if as_json:
        RequestsList(zone=zone, zone_abbrev=zone_abbrev(zone), requests=listed).emit()
        return
    rows = [
        [x.ref, f"{x.start:%Y-%m-%d %H:%M}", x.unit, x.title, str(x.participants), word(x.priority, words),
         f"{word(x.status, words)} / {word(x.plan_state, words)}", (x.host or "-") if x.plan_state == "served" else "",
         ", ".join(x.operators), ", ".join(flag_words(x.flags, short=True, lang=words))]
        for x in listed
    ]  # fmt: skip
    console = terminal()
    title = REQUEST_TITLE[words].format(zone=zone_abbrev(zone))
    cols = [replace(c, header=h) for c, h in zip(REQUEST_COLS, REQUEST_HEADERS[words], strict=True)]
    console.print(fit_table(title, cols, rows, console.width))


# ref, when and host are never cut (status and operators wrap); the stated drop order: seats, priority, unit, title,
# flags (the late-letter and kit flags are what an admin acts on)
REQUEST_COLS = [
    Col("ref", whole=True), Col("when", whole=True), Col("unit", drop=3), Col("title", drop=4),
    Col("seats", drop=1, justify="right"), Col("priority", drop=2), Col("status"),
    Col("host", whole=True), Col("operators"), Col("flags", drop=5),
]  # fmt: skip
REQUEST_HEADERS = {
    "id": ("nomor", "waktu", "unit", "acara", "peserta", "prioritas", "status", "host", "operator", "tanda"),
    "en": ("ref", "when", "unit", "title", "seats", "priority", "status", "host", "operators", "flags"),
}
REQUEST_TITLE = {"id": "Permohonan ({zone})", "en": "Requests ({zone})"}


SHOW_TEXT: dict[str, dict[str, str]] = {
    "id": {
        "when": "  waktu: {when}; {n} peserta; {service}",
        "pic": "  PIC: {pic}; prioritas {tier}; status {status}",
        "letter": "  surat: {number}", "letter_of": " tanggal {date}", "flag": "  tanda: {flag}",
        "note": "  catatan: {header}: {note}",
        "served": "  rencana {id}: host {host}, operator {ops}",
        "unserved": "  rencana {id}: tidak terlayani — {reason}", "alternative": "    alternatif: {text}",
        "zoom": "  Zoom: rapat {meeting} di {user}, tautan {join}, keadaan {state}", "not_yet": "(belum dibuat)",
        "version": "  v{v} {at} {change} oleh {actor}",
    },
    "en": {
        "when": "  when: {when}; {n} participants; {service}",
        "pic": "  PIC: {pic}; priority {tier}; status {status}",
        "letter": "  letter: {number}", "letter_of": " of {date}", "flag": "  flag: {flag}",
        "note": "  note: {header}: {note}",
        "served": "  plan {id}: host {host}, operators {ops}",
        "unserved": "  plan {id}: not served — {reason}", "alternative": "    alternative: {text}",
        "zoom": "  Zoom: meeting {meeting} on {user}, join {join}, state {state}", "not_yet": "(not created yet)",
        "version": "  v{v} {at} {change} by {actor}",
    },
}  # fmt: skip


@requests_app.command("show")
def requests_show(ref: str, db: DbOpt = None, lang: LangOpt = None) -> None:
    """One request: its data, assignment, meeting and history (no host links), in the site's zone."""
    store = _open(db)
    req = store.get_request(ref)
    if req is None:
        raise _fail(say("unknown_request", ref=ref), 2)
    policy = store.policy()
    words, zone = site_lang(lang, policy), policy.timezone
    t = SHOW_TEXT[words]
    lines = [f"{req.ref} — {req.title} ({req.unit})"]
    lines.append(t["when"].format(when=when(req.start, req.end, req.timezone, words), n=req.participants,
                                  service=req.service.value))  # fmt: skip
    pic = f"{req.pic.name} {req.pic.email or ''}".strip()
    lines.append(t["pic"].format(pic=pic, tier=word(req.priority, words), status=word(req.status.value, words)))
    if req.letter_number or req.letter_date:
        letter = t["letter"].format(number=req.letter_number or "-")
        lines.append(letter + (t["letter_of"].format(date=req.letter_date) if req.letter_date else ""))
    flags = late_detail(req, policy, lang=words) + flag_words([f for f in req.flags if f != "late_letter"], lang=words)
    lines += [t["flag"].format(flag=flag) for flag in flags]
    lines += [t["note"].format(header=header, note=note) for header, note in req.notes.items()]
    published = store.published_plan()
    if published:
        a = published.plan.assignment_for(ref)
        u = next((u for u in published.plan.unserved if u.request == ref), None)
        if a:
            lines.append(t["served"].format(id=published.id, host=a.host or "-", ops=", ".join(a.operators) or "-"))
        elif u:
            lines.append(t["unserved"].format(id=published.id, reason=u.reason_id if words == "id" else u.reason))
            lines += [t["alternative"].format(text=x.text_id if words == "id" else x.text) for x in u.alternatives]
    meeting = store.meeting_for(ref)
    if meeting is not None:
        lines.append(t["zoom"].format(meeting=meeting.zoom_meeting_id or t["not_yet"], user=meeting.zoom_user,
                                      join=meeting.join_url or "-", state=word(meeting.state, words)))  # fmt: skip
    lines += [t["version"].format(v=v.version, at=stamp(v.at, zone, words), change=word(v.change, words), actor=v.actor)
              for v in store.request_history(ref)]  # fmt: skip
    for line in lines:
        typer.echo(line)


@requests_app.command("cancel")
def requests_cancel(ref: str, reason: Annotated[str | None, typer.Option()] = None, db: DbOpt = None,
                    actor: ActorOpt = "cli") -> None:  # fmt: skip
    """Cancel a request; its Zoom meeting is queued for deletion."""
    store = _open(db)
    if store.get_request(ref) is None:
        raise _fail(say("unknown_request", ref=ref), 2)
    v = store.cancel_request(ref, actor=actor, reason=reason)
    typer.echo(say("cancelled" if v else "already_cancelled", ref=ref))


def replan_cmd(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would change; publish nothing.")] = False,
    time_limit: Annotated[float, typer.Option("--time-limit", min=0.1)] = 20.0,
    confirm: Annotated[
        list[str] | None,
        typer.Option("--confirm", help="Let this request displace lower tiers inside the freeze horizon (repeat)."),
    ] = None,
    fresh: Annotated[
        bool,
        typer.Option(
            "--fresh",
            help="Solve every part again, whole: also unchanged ones a time limit once cut short, and "
            "changed ones a re-plan settled around their newcomers.",
        ),
    ] = False,
    db: DbOpt = None,
    actor: ActorOpt = "cli",
    as_json: Annotated[bool, typer.Option("--json", help="As JSON (`vicon schema replan`).")] = False,
    lang: LangOpt = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress line.")] = False,
) -> None:
    """Plan the stored requests again and publish; prints which requests gain, lose or move, and why."""
    store = _open(db)
    unknown = [ref for ref in confirm or [] if store.get_request(ref) is None]
    if unknown:
        raise _fail(say("confirm_unknown", refs=", ".join(unknown)), 2)
    words = site_lang(lang, store.policy())
    with ProgressLine(words, quiet=quiet or as_json) as progress:
        try:
            out = replan(
                store,
                actor=actor,
                dry_run=dry_run,
                options=SolveOptions(time_limit_s=time_limit, reuse_unchanged=not fresh, progress=progress),
                confirm=confirm,
            )
        except ViconError as exc:
            raise _fail(error_text(exc), 2) from None
    if as_json:
        replan_report(out, dry_run=dry_run).emit()
        return
    for line in replan_lines(out, dry_run=dry_run, lang=words):
        typer.echo(line)


def pin_cmd(
    ref: str,
    host: Annotated[str | None, typer.Option(help="Host id.")] = None,
    operator: Annotated[list[str] | None, typer.Option(help="Operator id (repeat for several).")] = None,
    db: DbOpt = None,
    actor: ActorOpt = "cli",
) -> None:
    """Fix a request, or one occurrence of a series (REF:k, on the series' host), to a host and operators."""
    store = _open(db)
    req = store.get_occurrence(ref)
    if req is None:
        raise _fail(say("unknown_request", ref=ref), 2)
    if host is not None and host not in {h.id for h in store.hosts()}:
        raise _fail(say("host_unknown", host=host), 2)
    unknown = set(operator or []) - {o.id for o in store.operators()}
    if unknown:
        raise _fail(say("operators_unknown", ops=", ".join(sorted(unknown))), 2)
    pin = Pin(request=ref, host=host, operators=sorted(operator or []))
    if req.series is not None:  # the series itself, or one of its occurrences
        problem = current_problem(store)
        pin = with_series_host(problem, pin)
        refused = series_refusals(problem, pin)
        if refused:
            raise _fail("; ".join(x.text(run_lang()) for x in refused), 2)
    try:
        store.set_pin(pin, actor=actor)
    except ValueError as exc:  # a series that has ended: pinned by its occurrences too
        raise _fail(str(exc), 2) from None
    ops = say("pinned_ops", ops=", ".join(operator)) if operator else ""
    typer.echo(say("pinned", ref=ref, host=pin.host or say("no_host"), ops=ops))


def unpin_cmd(ref: str, db: DbOpt = None, actor: ActorOpt = "cli") -> None:
    """Release a pin."""
    store = _open(db)
    typer.echo(say("unpinned" if store.remove_pin(ref, actor=actor) else "not_pinned", ref=ref))


STATUS_TEXT: dict[str, dict[str, str]] = {
    "id": {
        "plan": "rencana {id} (diterbitkan {at} oleh {by}): {served} terlayani, {unserved} tidak terlayani, "
        "{status}, celah {gap:.2%}",
        "no_plan": "rencana: belum ada yang diterbitkan",
        "outbox": "antrean Zoom: {counts}",
        "empty": "kosong",
        "budget": "sisa kuota buat/ubah rapat Zoom hari ini: {hosts}",
        "notes": "notifikasi: {sent} terkirim, {pending} menunggu, {retrying} dicoba lagi, {gave_up} gagal, "
        "{held} ditahan",
        "next_retry": "; coba lagi berikutnya {at}",
        "failed": "  gagal: {what}",
        "daemon": "daemon: {role}, re-plan terakhir: {last}",
        "leader": "pemimpin",
        "follower": "pengikut",
        "db_down": "  basis data tidak tersedia sejak {at} (langkah-langkah dicoba ulang)",
        "next": "  berikutnya {job}: {at}",
        "error": "  galat: {e}",
        "no_daemon": "daemon: tidak ada berkas status (tidak berjalan di sini)",
    },
    "en": {
        "plan": "plan {id} (published {at} by {by}): {served} served, {unserved} unserved, {status}, gap {gap:.2%}",
        "no_plan": "plan: none published yet",
        "outbox": "Zoom outbox: {counts}",
        "empty": "empty",
        "budget": "Zoom create/update budget left today: {hosts}",
        "notes": "notifications: {sent} sent, {pending} pending, {retrying} retrying, {gave_up} failed (given up), "
        "{held} held",
        "next_retry": "; next retry {at}",
        "failed": "  failed: {what}",
        "daemon": "daemon: {role}, last re-plan: {last}",
        "leader": "leader",
        "follower": "follower",
        "db_down": "  the database has been unavailable since {at} (steps retrying)",
        "next": "  next {job}: {at}",
        "error": "  error: {e}",
        "no_daemon": "daemon: no status file (not running here)",
    },
}
OUTBOX_WORDS = {
    "id": {"pending": "menunggu", "in_progress": "dikerjakan", "done": "selesai", "failed": "gagal",
           "superseded": "digantikan"},
    "en": {"pending": "pending", "in_progress": "in progress", "done": "done", "failed": "failed",
           "superseded": "superseded"},
}  # fmt: skip


def status_cmd(
    db: DbOpt = None,
    status_file: Annotated[Path, typer.Option(help="Where a running daemon writes its status.")] = Path(
        "var/daemon-status.json"
    ),
    as_json: Annotated[bool, typer.Option("--json", help="As JSON (`vicon schema status`).")] = False,
    lang: LangOpt = None,
) -> None:
    """Plan version and gaps, Zoom outbox backlog, hosts' daily budgets, and the daemon's next jobs."""
    store = _open(db)
    policy = store.policy()
    zone, words = policy.timezone, site_lang(lang, policy)
    published = store.published_plan()
    plan = None
    if published is not None:
        p = published.plan
        plan = PublishedRow(
            id=published.id, published_at=local(published.published_at, zone), by=published.actor,
            served=len(p.assignments), unserved=len(p.unserved), status=p.status.value, gap=p.gap,
        )  # fmt: skip
    used = store.budget_used()
    notes = notification_status(store)
    daemon = None
    if status_file.exists():
        try:
            daemon = daemon_row(json.loads(status_file.read_text(encoding="utf-8")), zone)
        except (OSError, ValueError) as exc:
            raise _fail(say("status_file_bad", file=status_file, detail=exc), 2) from None
    report = StatusReport(
        zone=zone, zone_abbrev=zone_abbrev(zone), plan=plan, outbox=store.outbox_counts(),
        zoom_daily_budget_left={h.zoom_user: 100 - used.get(h.zoom_user, 0) for h in store.hosts()},
        notifications=NotificationCounts(
            sent=notes.sent, pending=notes.pending, retrying=notes.retrying, gave_up=notes.gave_up, held=notes.held,
            next_attempt_at=local(notes.next_attempt_at, zone) if notes.next_attempt_at else None,
            problems=[f"{key}: {store_line(err)}" for key, err in notes.problems],
        ),
        daemon=daemon,
    )  # fmt: skip
    if as_json:
        report.emit()
        return
    for line in status_lines(report, words):
        typer.echo(line)


def status_lines(report: StatusReport, lang: str) -> list[str]:
    """`vicon status` in one language, every time in the site's zone with its abbreviation."""
    t, zone = STATUS_TEXT[lang], report.zone
    out: list[str] = []
    if report.plan is not None:
        p = report.plan
        status = plan_state(p.status, lang)  # type: ignore[arg-type]
        out.append(t["plan"].format(id=p.id, at=stamp(p.published_at, zone, lang), by=p.by, served=p.served,
                                    unserved=p.unserved, status=status, gap=p.gap))  # fmt: skip
    else:
        out.append(t["no_plan"])
    counts = ", ".join(f"{n} {OUTBOX_WORDS[lang].get(k, k)}" for k, n in sorted(report.outbox.items()) if n)
    out.append(t["outbox"].format(counts=counts or t["empty"]))
    out.append(t["budget"].format(hosts=", ".join(f"{k} {v}" for k, v in report.zoom_daily_budget_left.items())))
    n = report.notifications
    line = t["notes"].format(sent=n.sent, pending=n.pending, retrying=n.retrying, gave_up=n.gave_up, held=n.held)
    if n.next_attempt_at is not None and n.retrying:
        line += t["next_retry"].format(at=stamp(n.next_attempt_at, zone, lang))
    out.append(line)
    out += [t["failed"].format(what=what) for what in n.problems]
    d = report.daemon
    if d is None:
        out.append(t["no_daemon"])
        return out
    out.append(t["daemon"].format(role=t["leader"] if d.leader else t["follower"], last=d.last_replan_summary or "-"))
    if d.database_down_since is not None:
        out.append(t["db_down"].format(at=stamp(d.database_down_since, zone, lang)))
    out += [t["next"].format(job=job, at=stamp(at, zone, lang)) for job, at in sorted(d.next_jobs.items())]
    out += [t["error"].format(e=e) for e in d.errors]
    return out


NotifyConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--notify-config",
        envvar="VICON_NOTIFY_CONFIG",
        help="Mail settings (JSON or TOML, as for `vicon notify`; secrets from VICON_SMTP_*). Without it (and "
        "without VICON_SMTP_HOST or --mail-dir) no mail is sent.",
    ),
]


def _mail_notifier(
    store: Store, config: Path | None, mail_dir: Path | None, tenants: ZoomTenants | None
) -> MailNotifier | None:
    """The daemon's notifier when anything says where mail goes; None (said at start) otherwise."""
    if not mail_configured(config, mail_dir):
        return None
    try:
        cfg = load_notify_config(config)
    except NotifyConfigError as exc:
        raise _fail(error_text(exc), 2) from None
    start_links = TenantStartLinks(tenants) if tenants is not None else None
    outbox = build_outbox(store, cfg, start_links=start_links, mail_dir=mail_dir)
    return MailNotifier(outbox, describe_mail(cfg, mail_dir))


def daemon_cmd(
    db: DbOpt = None,
    zoom_config: ZoomOpt = None,
    inbox: Annotated[Path | None, typer.Option(help="Folder watched for CSV/XLSX/JSON request files.")] = None,
    debounce: Annotated[float, typer.Option(min=0.1, help="Seconds of quiet before a re-plan.")] = 5.0,
    status_file: Annotated[Path, typer.Option()] = Path("var/daemon-status.json"),
    notify_config: NotifyConfigOpt = None,
    mail_dir: Annotated[
        Path | None, typer.Option("--mail-dir", help="Write mail as .eml files here instead of sending it.")
    ] = None,
    log_format: Annotated[
        LogFormat,
        typer.Option("--log-format", envvar="VICON_LOG_FORMAT", help="text, or json: one JSON object per line."),
    ] = LogFormat.text,
    debug: Annotated[
        bool, typer.Option("--debug", help="Also the tracebacks of retried steps and the scheduler's own lines.")
    ] = False,
) -> None:
    """Run the scheduling daemon until SIGTERM/SIGINT; one log line per event on stderr."""
    setup_logging(log_format, debug=debug)
    _fault_points()
    store = _open(db)
    tenants = _tenants(zoom_config) if zoom_config else None
    if tenants is None:
        typer.echo(say("no_zoom_config"), err=True)
    notifier = _mail_notifier(store, notify_config, mail_dir, tenants)
    status_file.parent.mkdir(parents=True, exist_ok=True)
    settings = DaemonSettings(debounce_s=debounce, inbox=inbox, status_file=status_file)
    Daemon(store, tenants, settings, notifier=notifier).run_forever()


def demo_cmd(
    workdir: Annotated[Path, typer.Option(help="Working folder (wiped first).")] = Path("var/demo"),
    example: Annotated[
        Path | None, typer.Option(help="A problem file to load instead of the example office shipped in the package.")
    ] = None,
    lang: LangOpt = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Skip the long timelines.")] = False,
) -> None:
    """The whole job on embedded defaults: SQLite, the Zoom sandbox, mail to files; finishes by itself."""
    from allocator.demo import run_demo

    if example is not None and not example.exists():
        raise _fail(say("no_example", file=example), 2)
    words = lang.value if lang is not None else run_lang()
    raise typer.Exit(run_demo(example, workdir, terminal(), lang=words, quiet_timelines=quiet))


def register(app: typer.Typer) -> None:
    app.add_typer(requests_app, name="requests")
    app.add_typer(kits_app, name="kits")
    app.command("replan")(replan_cmd)
    app.command("pin")(pin_cmd)
    app.command("unpin")(unpin_cmd)
    app.command("status")(status_cmd)
    app.command("daemon")(daemon_cmd)
    app.command("demo")(demo_cmd)
