"""`vicon demo`: the whole job on embedded defaults, start to finish, in well under a minute.

SQLite in a working folder, the Zoom sandbox on a free loopback port, mail written to .eml files. It loads
the example district office and its week of requests, runs the daemon until the plan is published and the
meetings exist in Zoom, then feeds late requests (a spreadsheet dropped in the inbox, the governor's visit
that displaces a lower-priority meeting, a cancellation, a broken PTZ camera reported by a PIC) and shows each
re-plan, the meetings units run themselves (self-operated, and their trained operator as Zoom alternative host),
and finally prints the timelines and each PIC's join link.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.table import Table

from allocator.commands.render import print_plan
from allocator.commands.working_time_view import print_working_time
from allocator.daemon import Daemon, DaemonSettings, MailNotifier
from allocator.examples import example_problem
from allocator.notify.config import NotifyConfig
from allocator.notify.planned import kit_loans, planned_times
from allocator.notify.startlinks import TenantStartLinks
from allocator.notify.wiring import build_outbox, describe_mail
from allocator.planner.domain import (
    Plan,
    Request,
    RequestStatus,
    SeriesPattern,
    SeriesPolicy,
    SeriesRepeat,
    local,
)
from allocator.problem_files import load_problem
from allocator.service import ReplanOutcome
from allocator.store.kit_faults import report_fault
from allocator.store.repo import Store
from allocator.sync.reconcile import reconcile
from allocator.sync.sandbox import fixture_for_hosts
from zoom_client import ZoomTenants
from zoom_client.sandbox import run_sandbox

LATE_CSV = """Nomor Surat;Unit Kerja;Nama PIC;Email PIC;Nama Kegiatan;Tanggal;Jam Mulai;Jam Selesai;Zona Waktu;Jumlah Peserta;Jenis Layanan;Prioritas;Lokasi
PSR-LATE-01;Dinas Pariwisata;Ayu;ayu@dispar.example.go.id;Rapat Persiapan Festival Budaya;06/01/2027;13.00;14.30;WITA;60;Link saja;Biasa;Ruang Rapat Dispar
PSR-LATE-02;Kecamatan Muara Komam;Rudi;rudi@muarakomam.example.go.id;Sosialisasi Dana Desa;07/01/2027;11.00;09.00;WITA;80;Link + Operator;Biasa;Aula Kecamatan
"""  # noqa: E501  (a spreadsheet export, kept as it comes; row 3 ends before it starts, on purpose)


def _step(console: Console, text: str) -> None:
    console.rule(f"[bold]{text}")


def run_demo(
    example: Path | None,
    workdir: Path,
    console: Console,
    *,
    lang: str = "id",
    timeout_s: float = 45.0,
    quiet_timelines: bool = False,
) -> int:
    """Run the demo; returns a process exit code (0 when every step finished as expected)."""
    quiet = [logging.getLogger(name) for name in ("zoom_client.sandbox", "apscheduler")]
    levels = [lg.level for lg in quiet]
    for lg in quiet:
        lg.setLevel(logging.ERROR)  # the banner is printed below; "skipped: already running" is expected here
    try:
        return _run(example, workdir, console, lang=lang, timeout_s=timeout_s, quiet_timelines=quiet_timelines)
    finally:
        for lg, level in zip(quiet, levels, strict=True):
            lg.setLevel(level)


def _run(
    example: Path | None, workdir: Path, console: Console, *, lang: str, timeout_s: float, quiet_timelines: bool
) -> int:
    t0 = time.monotonic()
    if workdir.exists():
        shutil.rmtree(workdir)
    (workdir / "inbox").mkdir(parents=True)
    problem = load_problem(example) if example is not None else example_problem()
    store = Store.open(f"sqlite:///{workdir / 'vicon.db'}")
    counts = store.import_problem(problem, actor="demo")
    _step(console, "1. Kantor contoh dimuat / example office loaded")
    console.print(
        f"{counts['hosts']} host Zoom, {counts['operators']} operator, {counts['requests']} permohonan "
        f"→ {workdir / 'vicon.db'}"
    )
    sandbox = run_sandbox(fixture_for_hosts(problem.hosts, problem.unit_operators), port=0)
    console.print(f"Zoom SANDBOX (bukan Zoom asli) di {sandbox.url}")
    tenants = ZoomTenants(sandbox.zoom_config())
    mail_dir = workdir / "mail"
    mail_config = NotifyConfig(transport="file", mail_dir=mail_dir)
    outbox = build_outbox(store, mail_config, start_links=TenantStartLinks(tenants))
    outbox.recover()
    replans: list[ReplanOutcome] = []

    def show(outcome: ReplanOutcome) -> None:
        replans.append(outcome)
        p = outcome.plan
        console.print(
            f"[cyan]re-plan[/cyan] {len(p.assignments)} terlayani / served, {len(p.unserved)} tidak / unserved, "
            f"{p.status.value}, {p.solve_seconds:.2f} s, "
            f"{outcome.published.queued if outcome.published else 0} aksi Zoom / Zoom actions"
        )
        for change in outcome.changes[:12]:
            console.print("   " + change.line(), highlight=False)
        if len(outcome.changes) > 12:
            console.print(f"   … {len(outcome.changes) - 12} more")

    notifier = MailNotifier(outbox, describe_mail(mail_config))

    settings = DaemonSettings(
        debounce_s=1.0, watch_every_s=0.5, sync_every_s=1.0, intake_every_s=0.5, notify_every_s=1.0,
        inbox=workdir / "inbox", status_file=workdir / "daemon-status.json",
    )  # fmt: skip
    daemon = Daemon(store, tenants, settings, notifier=notifier, on_replan=show)
    ok = True
    try:
        _step(console, "2. Daemon berjalan: rencana pertama / the daemon plans, publishes and syncs")
        daemon.start()
        ok &= _wait(daemon, lambda: len(replans) >= 1, timeout_s, console)
        notifier(store, None)

        _step(console, "3. File permohonan masuk ke inbox / a spreadsheet arrives in the inbox")
        (workdir / "inbox" / "permohonan-susulan.csv").write_text(LATE_CSV, encoding="utf-8")
        ok &= _wait(daemon, lambda: len(replans) >= 2, timeout_s, console)
        console.print(f"intake: {daemon.state.last_intake}")
        for rejects in sorted((workdir / "inbox" / "rejects").glob("*.csv")):
            console.print(f"ditolak / rejected → {rejects}:\n{rejects.read_text(encoding='utf-8-sig').strip()}")

        _step(console, "4. Kunjungan Gubernur (prioritas tertinggi) / the governor's visit displaces a lower one")
        published = store.published_plan()
        assert published is not None
        victim = _busy_big_host_request(store, published.plan.assignments)
        if victim is not None:
            store.save_request(_governor_visit(victim), actor="protokol")
            ok &= _wait(daemon, lambda: len(replans) >= 3, timeout_s, console)

        _step(console, "5. Jadwal digeser dan pembatalan / a meeting moves by 30 minutes, another is cancelled")
        moved = store.get_request("PSR-00002")
        if moved is not None:
            later = {"start": moved.start + timedelta(minutes=30), "end": moved.end + timedelta(minutes=30)}
            store.save_request(moved.model_copy(update=later), actor="dinas-pertanian")
            ok &= _wait(daemon, lambda: len(replans) >= 4, timeout_s, console)
            notifier(store, None)
        store.cancel_request("PSR-00001", actor="dinas-perhubungan", reason="acara ditunda")
        ok &= _wait(daemon, lambda: len(replans) >= 5, timeout_s, console)
        notifier(store, None)

        _step(console, "6. Pelatihan tiga hari: satu rapat Zoom, satu tautan / a three-day training, one link")
        seen = len(replans)
        store.save_request(_training(), actor="diskominfo")
        ok &= _wait(daemon, lambda: len(replans) > seen, timeout_s, console)
        ok &= _wait(daemon, lambda: _series_synced(store, TRAINING), timeout_s, console)
        notifier(store, None)
        ok &= _show_series(store, tenants, console, TRAINING)

        _step(console, "7. Unit menjalankan vicon sendiri / units that run their own meetings")
        _print_own_meetings(store, console)

        _step(console, "8. Kamera PTZ rusak dilaporkan PIC / a PIC reports a broken PTZ camera")
        broken = "Kamera PTZ jatuh saat dibongkar; lensa retak."
        seen = len(replans)
        fault = report_fault(store, kit="PTZ", count=1, cause="handling", request="PSR-00037", role="pic",
                             actor="pic:PSR-00037", description=broken)  # fmt: skip
        console.print(f"gangguan / fault #{fault.id}: {fault.kit} ×{fault.count}, penyebab / cause {fault.cause} "
                      f"(tanggung jawab / liable: {fault.liable})")  # fmt: skip
        ok &= _wait(daemon, lambda: len(replans) > seen, timeout_s, console)
        notifier(store, None)

        _step(console, "9. Rencana akhir / final plan")
        final = store.published_plan()
        assert final is not None
        if not quiet_timelines:
            print_plan(store.load_problem(), final.plan, console, lang=lang)
        _print_working_time(store, final.plan, console, lang, summary=quiet_timelines)
        _print_links(store, console, mail_dir)
        report = reconcile(store, tenants, dry_run=True)
        console.print(f"reconcile --dry-run: {report.summary()}")
        ok &= report.clean
    finally:
        daemon.stop()
        sandbox.stop()
        store.close()
    console.print(f"selesai / done in {time.monotonic() - t0:.1f} s — {workdir}")
    console.print(later_commands_hint(workdir), highlight=False, soft_wrap=True)
    return 0 if ok else 1


def later_commands_hint(workdir: Path) -> str:
    """How to point later commands at the demo's database (without it they refuse a missing var/vicon.db)."""
    url = f"sqlite:///{(workdir / 'vicon.db').resolve()}"
    return (
        "Perintah berikutnya memakai basis data demo dengan / later commands use the demo's database with:\n"
        f"  export VICON_DATABASE_URL={url}\n"
        f"  (atau / or: vicon status --db {url})"
    )


def _wait(daemon: Daemon, cond: Callable[[], bool], timeout_s: float, console: Console) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if cond() and daemon.wait_idle(timeout_s=max(0.1, deadline - time.monotonic())):
            return True
        time.sleep(0.1)
    console.print("[red]timed out waiting for the daemon[/red]")
    return False


def _busy_big_host_request(store: Store, assignments: list) -> Request | None:  # type: ignore[type-arg]
    """A served request on the largest host, to put the governor's visit on top of."""
    hosts = sorted(store.hosts(), key=lambda h: -h.capacity)
    for h in hosts:
        for a in assignments:
            req = store.get_request(a.request)
            if a.host == h.id and req is not None and req.priority != "head_of_region" and req.status.active:
                return req
    return None


def _governor_visit(victim: Request) -> Request:
    return Request(
        ref="PSR-GUB-01",
        unit="Sekretariat Daerah",
        pic={"name": "Rina (Protokol Setda)", "email": "protokol@paserkab.example.go.id"},
        title="Kunjungan Kerja Gubernur Kalimantan Timur (vicon dengan seluruh OPD)",
        timezone=victim.timezone,
        start=victim.start,
        end=victim.end + timedelta(minutes=30),
        participants=max(victim.participants, 400),
        service="link_operator",
        priority="head_of_region",
        status=RequestStatus.APPROVED,
        venue="Aula Kantor Bupati",
    )


def _print_working_time(store: Store, plan: Plan, console: Console, lang: str, *, summary: bool) -> None:
    """The holidays, holiday duty, overtime (`summary`: when the plan's own print left them out) and office-hours
    kit handovers of the final plan (docs/calendar.md)."""
    _step(console, "10. Waktu kerja / working time: holiday duty, overtime, kit handovers in office hours")
    problem = store.load_problem()
    if summary:
        print_working_time(problem, plan, console, lang)
    zone = problem.policy.timezone
    table = Table(title="Serah terima kit (jam kantor) / kit handovers (office hours)", title_justify="left")
    for col in ("request", "kit", "ambil / pickup", "kembali / return"):
        table.add_column(col)
    reqs = {r.ref: r for r in problem.requests}
    for a in plan.assignments:
        req = reqs.get(a.request)
        if req is None or not req.kits:
            continue
        for loan in kit_loans(req, *planned_times(req, a), problem.policy):
            table.add_row(req.ref, f"{loan.count}× {loan.kit}", f"{local(loan.pickup, zone):%a %Y-%m-%d %H:%M}",
                          f"{local(loan.due, zone):%a %Y-%m-%d %H:%M}")  # fmt: skip
    console.print(table)
    closed_unserved = [u.request for u in plan.unserved if "holiday" in u.reason]
    if closed_unserved:
        console.print(f"tidak terlayani karena hari libur / unserved for the holiday: {', '.join(closed_unserved)}")


TRAINING = "PSR-LATIH-01"


def _training() -> Request:
    """Three consecutive days, all or nothing: one Zoom meeting with one link for the whole training."""
    return Request(
        ref=TRAINING,
        unit="Dinas Komunikasi dan Informatika",
        pic={"name": "Hendra (Diskominfo)", "email": "hendra@diskominfo.example.go.id"},
        title="Pelatihan Operator Vicon bagi OPD dan Kecamatan",
        timezone="Asia/Makassar",
        start=datetime(2027, 1, 12, 9, 0, tzinfo=ZoneInfo("Asia/Makassar")),
        end=datetime(2027, 1, 12, 12, 0, tzinfo=ZoneInfo("Asia/Makassar")),
        participants=60,
        service="link_operator",
        priority="normal",
        status=RequestStatus.APPROVED,
        series=SeriesPattern(repeat=SeriesRepeat.DAILY, count=3, policy=SeriesPolicy.ALL_OR_NOTHING),
    )


def _series_synced(store: Store, ref: str) -> bool:
    m = store.meeting_for(ref)
    return m is not None and m.state == "active" and bool(m.join_url)


def _show_series(store: Store, tenants: ZoomTenants, console: Console, ref: str) -> bool:
    """The series' one Zoom meeting: its link and its occurrences as Zoom lists them."""
    m = store.meeting_for(ref)
    if m is None or m.zoom_meeting_id is None:
        console.print(f"[red]{ref}: no Zoom meeting[/red]")
        return False
    zoom = tenants.client(m.account).get_meeting(m.zoom_meeting_id)
    console.print(f"{ref}: 1 rapat Zoom berulang / one recurring Zoom meeting (type {zoom.type}) on {m.host}, "
                  f"tautan / link {m.join_url}", highlight=False)  # fmt: skip
    zone = ZoneInfo("Asia/Makassar")
    for o in zoom.occurrences:
        local_start = o.start_time.astimezone(zone)
        console.print(f"   {o.occurrence_id}: {local_start:%a %Y-%m-%d %H:%M} WITA, {o.duration} min, {o.status}",
                      highlight=False)  # fmt: skip
    return zoom.type == 8 and len(zoom.occurrences) == 3


def _print_own_meetings(store: Store, console: Console) -> None:
    """The published requests units run themselves: self-operated ones, and who of the unit may start each meeting
    (Zoom alternative host; never a start link)."""
    published = store.published_plan()
    units = {u.unit: u for u in store.unit_operators()}
    if published is None:
        return
    meetings = {m.request: m for m in store.meetings(states=["active"])}
    for a in published.plan.assignments:
        req = store.get_request(a.request)
        if req is None or req.unit not in units:
            continue
        m = meetings.get(a.request)
        alternates = ", ".join(m.spec.alternative_hosts) if m is not None and m.spec.alternative_hosts else "-"
        how = "self-operated" if a.self_operated else ("link only" if not a.operators else "office operator")
        console.print(f"  {a.request} ({req.unit}): {how}, host {a.host}, alternative host: {alternates}")


def _print_links(store: Store, console: Console, mail_dir: Path) -> None:
    table = Table(title="Tautan untuk PIC / PICs' join links (no host links)", title_justify="left")
    for col in ("request", "PIC", "join link", "passcode", "mail"):
        table.add_column(col, overflow="fold")
    mails = sorted(mail_dir.glob("*.eml")) if mail_dir.exists() else []
    for m in sorted(store.meetings(states=["active"]), key=lambda m: m.request)[:60]:
        req = store.get_request(m.request)
        if req is None or not m.join_url:
            continue
        mine = [p.name for p in mails if m.request.replace("/", "_") in p.name]
        table.add_row(m.request, f"{req.pic.name} <{req.pic.email or '-'}>", m.join_url, m.passcode or "-",
                      mine[-1] if mine else "-")  # fmt: skip
    console.print(table)
    console.print(f"{len(mails)} e-mail tersimpan sebagai .eml / mails written as .eml in {mail_dir}")
