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

from allocator.commands.lang import LangCode
from allocator.commands.messages import plan_state, say, store_line
from allocator.commands.render import print_plan
from allocator.commands.replan_view import replan_lines
from allocator.commands.working_time_view import WEEKDAYS, print_working_time
from allocator.daemon import Daemon, DaemonSettings, MailNotifier
from allocator.demo_lent import show_start_link
from allocator.examples import example_problem
from allocator.notify.config import NotifyConfig
from allocator.notify.planned import kit_loans, planned_times, rehearsal_start
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
    t = DEMO_TEXT["en" if lang == "en" else "id"]
    words: LangCode = "en" if lang == "en" else "id"
    _step(console, t["step1"])
    console.print(t["loaded"].format(hosts=counts["hosts"], ops=counts["operators"], reqs=counts["requests"],
                                     db=workdir / "vicon.db"))  # fmt: skip
    sandbox = run_sandbox(fixture_for_hosts(problem.hosts, problem.unit_operators), port=0)
    console.print(t["sandbox"].format(url=sandbox.url))
    tenants = ZoomTenants(sandbox.zoom_config())
    mail_dir = workdir / "mail"
    mail_config = NotifyConfig(transport="file", mail_dir=mail_dir)
    outbox = build_outbox(store, mail_config, start_links=TenantStartLinks(tenants))
    outbox.recover()
    replans: list[ReplanOutcome] = []

    def show(outcome: ReplanOutcome) -> None:
        replans.append(outcome)
        p = outcome.plan
        queued = outcome.published.queued if outcome.published else 0
        status = plan_state(p.status.value, words)
        console.print(t["replan"].format(served=len(p.assignments), unserved=len(p.unserved), status=status,
                                         s=p.solve_seconds, zoom=queued))  # fmt: skip
        lines = [ln for ln in replan_lines(outcome, dry_run=False, lang=words)[1:] if ln.startswith("  ")]
        for line in lines[:12]:
            console.print(" " + line, highlight=False, soft_wrap=True)
        if len(lines) > 12:
            console.print(t["more"].format(n=len(lines) - 12))

    notifier = MailNotifier(outbox, describe_mail(mail_config))

    settings = DaemonSettings(
        debounce_s=1.0, watch_every_s=0.5, sync_every_s=1.0, intake_every_s=0.5, notify_every_s=1.0,
        inbox=workdir / "inbox", status_file=workdir / "daemon-status.json",
    )  # fmt: skip
    daemon = Daemon(store, tenants, settings, notifier=notifier, on_replan=show)
    ok = True
    try:
        _step(console, t["step2"])
        daemon.start()
        ok &= _wait(daemon, lambda: len(replans) >= 1, timeout_s, console, t)
        notifier(store, None)

        _step(console, t["step3"])
        (workdir / "inbox" / "permohonan-susulan.csv").write_text(LATE_CSV, encoding="utf-8")
        ok &= _wait(daemon, lambda: len(replans) >= 2, timeout_s, console, t)
        console.print(t["intake"].format(line=store_line(daemon.state.last_intake or "-", words)))
        for rejects in sorted((workdir / "inbox" / "rejects").glob("*.csv")):
            console.print(t["rejects"].format(file=rejects, rows=rejects.read_text(encoding="utf-8-sig").strip()))

        _step(console, t["step4"])
        published = store.published_plan()
        assert published is not None
        victim = _busy_big_host_request(store, published.plan.assignments)
        if victim is not None:
            store.save_request(_governor_visit(victim), actor="protokol")
            ok &= _wait(daemon, lambda: len(replans) >= 3, timeout_s, console, t)

        _step(console, t["step5"])
        moved = store.get_request("PSR-00002")
        if moved is not None:
            later = {"start": moved.start + timedelta(minutes=30), "end": moved.end + timedelta(minutes=30)}
            store.save_request(moved.model_copy(update=later), actor="dinas-pertanian")
            ok &= _wait(daemon, lambda: len(replans) >= 4, timeout_s, console, t)
            notifier(store, None)
        store.cancel_request("PSR-00001", actor="dinas-perhubungan", reason="acara ditunda")
        ok &= _wait(daemon, lambda: len(replans) >= 5, timeout_s, console, t)
        notifier(store, None)

        _step(console, t["step6"])
        seen = len(replans)
        store.save_request(_training(), actor="diskominfo")
        ok &= _wait(daemon, lambda: len(replans) > seen, timeout_s, console, t)
        ok &= _wait(daemon, lambda: _series_synced(store, TRAINING), timeout_s, console, t)
        notifier(store, None)
        ok &= _show_series(store, tenants, console, TRAINING, t)

        _step(console, t["step7"])
        _print_own_meetings(store, console, t)
        ok &= show_start_link(store, f"sqlite:///{workdir / 'vicon.db'}", tenants, sandbox, console, lang)

        _step(console, t["step8"])
        broken = "Kamera PTZ jatuh saat dibongkar; lensa retak."
        daemon.wait_idle(timeout_s)  # a re-plan still owed lands before the fault's, not in its place
        seen = len(replans)
        fault = report_fault(store, kit="PTZ", count=1, cause="handling", request="PSR-00037", role="pic",
                             actor="pic:PSR-00037", description=broken)  # fmt: skip
        console.print(t["fault"].format(id=fault.id, kit=fault.kit, n=fault.count, cause=fault.cause,
                                        liable=fault.liable))  # fmt: skip
        ok &= _wait(daemon, lambda: len(replans) > seen, timeout_s, console, t)
        notifier(store, None)

        _step(console, t["step9"])
        final = store.published_plan()
        assert final is not None
        if not quiet_timelines:
            print_plan(store.load_problem(), final.plan, console, lang=lang)
        _print_working_time(store, final.plan, console, lang, t, summary=quiet_timelines)
        _print_links(store, console, mail_dir, t)
        report = reconcile(store, tenants, dry_run=True)
        console.print("reconcile --dry-run: " + say("reconcile", words, hosts=report.hosts_checked,
                      meetings=report.zoom_meetings_seen, findings=len(report.findings), errors=len(report.errors),
                      pending=report.pending_actions, dry="").removeprefix("reconcile: "))  # fmt: skip
        ok &= report.clean
    finally:
        daemon.stop()
        sandbox.stop()
        store.close()
    console.print(t["done"].format(s=time.monotonic() - t0, dir=workdir))
    console.print(later_commands_hint(workdir, words), highlight=False, soft_wrap=True)
    return 0 if ok else 1


def later_commands_hint(workdir: Path, lang: LangCode = "id") -> str:
    """How to point later commands at the demo's database (without it they refuse a missing var/vicon.db)."""
    url = f"sqlite:///{(workdir / 'vicon.db').resolve()}"
    return DEMO_TEXT[lang]["later"].format(url=url)


DEMO_TEXT: dict[str, dict[str, str]] = {
    "id": {
        "lang": "id", "step1": "1. Kantor contoh dimuat",
        "loaded": "{hosts} host Zoom, {ops} operator, {reqs} permohonan → {db}",
        "sandbox": "Zoom SANDBOX (bukan Zoom asli) di {url}",
        "replan": "[cyan]rencana ulang[/cyan] {served} terlayani, {unserved} tidak terlayani, {status}, {s:.2f} dtk, "
        "{zoom} tindakan Zoom",
        "more": "   … {n} lagi", "step2": "2. Daemon berjalan: rencana pertama diterbitkan dan disinkronkan",
        "step3": "3. Berkas permohonan masuk ke inbox", "intake": "berkas masuk: {line}",
        "rejects": "baris ditolak → {file}:\n{rows}",
        "step4": "4. Kunjungan Gubernur (prioritas tertinggi) menggeser acara yang lebih rendah",
        "step5": "5. Jadwal digeser 30 menit, acara lain dibatalkan",
        "step6": "6. Pelatihan tiga hari: satu rapat Zoom, satu tautan",
        "series": "{ref}: 1 rapat Zoom berulang (tipe {type}) di {host}, tautan {link}",
        "no_meeting": "[red]{ref}: tidak ada rapat Zoom[/red]",
        "step7": "7. Unit yang menjalankan vicon sendiri",
        "own": "  {ref} ({unit}): {how}, host {host}, host alternatif: {alt}",
        "own_self": "dijalankan operator terlatih unit", "own_link": "tautan saja", "own_office": "operator kantor",
        "step8": "8. PIC melaporkan kamera PTZ rusak",
        "fault": "gangguan #{id}: {kit} ×{n}, penyebab {cause} (tanggung jawab: {liable})",
        "step9": "9. Rencana akhir",
        "step10": "10. Waktu kerja: tugas hari libur, lembur, serah terima kit pada jam kantor",
        "handovers_title": "Serah terima kit (jam kantor)", "handover_cols": "permohonan|kit|ambil|kembali",
        "closed_unserved": "tidak terlayani karena hari libur: {refs}",
        "rehearsal_kits": "{ref}: gladi {rehearsal} memakai kitnya: diambil {pickup}, sebelum gladi, pada jam kantor "
        "(tercantum di surel PIC)",
        "links_title": "Tautan untuk PIC (tanpa tautan host)", "cols": "permohonan|PIC|tautan|kode sandi|surel",
        "mails": "{n} e-mail tersimpan sebagai .eml di {dir}", "done": "selesai dalam {s:.1f} dtk — {dir}",
        "timeout": "[red]waktu habis menunggu daemon[/red]",
        "later": "Perintah berikutnya memakai basis data demo dengan:\n  export VICON_DATABASE_URL={url}\n"
        "  (atau: vicon status --db {url})",
    },
    "en": {
        "lang": "en", "step1": "1. The example office is loaded",
        "loaded": "{hosts} Zoom hosts, {ops} operators, {reqs} requests → {db}",
        "sandbox": "Zoom SANDBOX (not the real Zoom) at {url}",
        "replan": "[cyan]re-plan[/cyan] {served} served, {unserved} unserved, {status}, {s:.2f} s, {zoom} Zoom actions",
        "more": "   … {n} more", "step2": "2. The daemon runs: the first plan is published and synced",
        "step3": "3. A spreadsheet of requests arrives in the inbox", "intake": "intake: {line}",
        "rejects": "rejected rows → {file}:\n{rows}",
        "step4": "4. The governor's visit (the highest priority) displaces a lower one",
        "step5": "5. A meeting moves by 30 minutes, another is cancelled",
        "step6": "6. A three-day training: one Zoom meeting, one link",
        "series": "{ref}: one recurring Zoom meeting (type {type}) on {host}, link {link}",
        "no_meeting": "[red]{ref}: no Zoom meeting[/red]",
        "step7": "7. Units that run their own meetings",
        "own": "  {ref} ({unit}): {how}, host {host}, alternative host: {alt}",
        "own_self": "self-operated", "own_link": "link only", "own_office": "office operator",
        "step8": "8. A PIC reports a broken PTZ camera",
        "fault": "fault #{id}: {kit} ×{n}, cause {cause} (liable: {liable})",
        "step9": "9. The final plan",
        "step10": "10. Working time: holiday duty, overtime, kit handovers in office hours",
        "handovers_title": "Kit handovers (office hours)", "handover_cols": "request|kit|pickup|return",
        "closed_unserved": "unserved for the holiday: {refs}",
        "rehearsal_kits": "{ref}: the rehearsal {rehearsal} uses its kits: picked up {pickup}, before the rehearsal, "
        "in office hours (named in the PIC's mail)",
        "links_title": "PICs' join links (no host links)", "cols": "request|PIC|join link|passcode|mail",
        "mails": "{n} mails written as .eml in {dir}", "done": "done in {s:.1f} s — {dir}",
        "timeout": "[red]timed out waiting for the daemon[/red]",
        "later": "Later commands use the demo's database with:\n  export VICON_DATABASE_URL={url}\n"
        "  (or: vicon status --db {url})",
    },
}  # fmt: skip


def _wait(daemon: Daemon, cond: Callable[[], bool], timeout_s: float, console: Console, t: dict[str, str]) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if cond() and daemon.wait_idle(timeout_s=max(0.1, deadline - time.monotonic())):
            return True
        time.sleep(0.1)
    console.print(t["timeout"])
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


def _print_working_time(
    store: Store, plan: Plan, console: Console, lang: str, t: dict[str, str], *, summary: bool
) -> None:
    """The holidays, holiday duty, overtime (`summary`: when the plan's own print left them out) and office-hours
    kit handovers of the final plan (docs/calendar.md)."""
    _step(console, t["step10"])
    problem = store.load_problem()
    if summary:
        print_working_time(problem, plan, console, lang)
    zone = problem.policy.timezone
    table = Table(title=t["handovers_title"], title_justify="left")
    for col in t["handover_cols"].split("|"):
        table.add_column(col)
    reqs = {r.ref: r for r in problem.requests}
    for a in plan.assignments:
        req = reqs.get(a.request)
        if req is None or not req.kits:
            continue
        for loan in kit_loans(req, *planned_times(req, a), problem.policy, rehearsal=rehearsal_start(a)):
            table.add_row(req.ref, f"{loan.count}× {loan.kit}", _stamp(local(loan.pickup, zone), lang),
                          _stamp(local(loan.due, zone), lang))  # fmt: skip
    console.print(table)
    for a in plan.assignments:  # a rehearsal that uses the kits: they leave stock before it, in office hours
        req = reqs.get(a.request)
        if req is None or not req.kits or req.rehearsal is None or not req.rehearsal.uses_kits or not a.rehearsal:
            continue
        (first, *_rest) = kit_loans(req, *planned_times(req, a), problem.policy, rehearsal=rehearsal_start(a))
        console.print(t["rehearsal_kits"].format(ref=req.ref, rehearsal=_stamp(local(a.rehearsal.start, zone), lang),
                                                 pickup=_stamp(local(first.pickup, zone), lang)),
                      highlight=False)  # fmt: skip
    closed_unserved = [u.request for u in plan.unserved if "holiday" in u.reason]
    if closed_unserved:
        console.print(t["closed_unserved"].format(refs=", ".join(closed_unserved)))


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


def _show_series(store: Store, tenants: ZoomTenants, console: Console, ref: str, t: dict[str, str]) -> bool:
    """The series' one Zoom meeting: its link and its occurrences as Zoom lists them."""
    m = store.meeting_for(ref)
    if m is None or m.zoom_meeting_id is None:
        console.print(t["no_meeting"].format(ref=ref))
        return False
    zoom = tenants.client(m.account).get_meeting(m.zoom_meeting_id)
    console.print(t["series"].format(ref=ref, type=zoom.type, host=m.host, link=m.join_url), highlight=False)
    zone = ZoneInfo("Asia/Makassar")
    for o in zoom.occurrences:
        local_start = o.start_time.astimezone(zone)
        console.print(f"   {o.occurrence_id}: {_stamp(local_start, t['lang'])} WITA, {o.duration} min, {o.status}",
                      highlight=False)  # fmt: skip
    return zoom.type == 8 and len(zoom.occurrences) == 3


def _print_own_meetings(store: Store, console: Console, t: dict[str, str]) -> None:
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
        how = t["own_self"] if a.self_operated else (t["own_link"] if not a.operators else t["own_office"])
        console.print(t["own"].format(ref=a.request, unit=req.unit, how=how, host=a.host, alt=alternates))


def _stamp(at: datetime, lang: str) -> str:
    """A local time with its weekday in the run's language."""
    return f"{WEEKDAYS[lang if lang in WEEKDAYS else 'id'][at.weekday()]} {at:%Y-%m-%d %H:%M}"


def _print_links(store: Store, console: Console, mail_dir: Path, t: dict[str, str]) -> None:
    table = Table(title=t["links_title"], title_justify="left")
    for col in t["cols"].split("|"):
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
    console.print(t["mails"].format(n=len(mails), dir=mail_dir))
