"""`vicon demo`: the whole job on embedded defaults, start to finish, in well under a minute.

SQLite in a working folder, the Zoom sandbox on a free loopback port, mail written to .eml files. It loads
the example district office and its week of requests, runs the daemon until the plan is published and the
meetings exist in Zoom, then feeds late requests (a spreadsheet dropped in the inbox, the governor's visit
that displaces a lower-priority meeting, a cancellation) and shows each re-plan, and finally prints the
timelines and each PIC's join link.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from rich.console import Console
from rich.table import Table

from allocator.commands.lang import LangCode
from allocator.commands.messages import plan_state, say, store_line
from allocator.commands.render import print_plan
from allocator.commands.replan_view import replan_lines
from allocator.daemon import Daemon, DaemonSettings, MailNotifier
from allocator.examples import example_problem
from allocator.notify.config import NotifyConfig
from allocator.notify.startlinks import TenantStartLinks
from allocator.notify.wiring import build_outbox, describe_mail
from allocator.planner.domain import Request, RequestStatus
from allocator.problem_files import load_problem
from allocator.service import ReplanOutcome
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
    sandbox = run_sandbox(fixture_for_hosts(problem.hosts), port=0)
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
        final = store.published_plan()
        assert final is not None
        if not quiet_timelines:
            print_plan(store.load_problem(), final.plan, console, lang=lang)
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
        "step1": "1. Kantor contoh dimuat", "loaded": "{hosts} host Zoom, {ops} operator, {reqs} permohonan → {db}",
        "sandbox": "Zoom SANDBOX (bukan Zoom asli) di {url}",
        "replan": "[cyan]rencana ulang[/cyan] {served} terlayani, {unserved} tidak terlayani, {status}, {s:.2f} dtk, "
        "{zoom} tindakan Zoom",
        "more": "   … {n} lagi", "step2": "2. Daemon berjalan: rencana pertama diterbitkan dan disinkronkan",
        "step3": "3. Berkas permohonan masuk ke inbox", "intake": "berkas masuk: {line}",
        "rejects": "baris ditolak → {file}:\n{rows}",
        "step4": "4. Kunjungan Gubernur (prioritas tertinggi) menggeser acara yang lebih rendah",
        "step5": "5. Jadwal digeser 30 menit, acara lain dibatalkan", "step6": "6. Rencana akhir",
        "links_title": "Tautan untuk PIC (tanpa tautan host)", "cols": "permohonan|PIC|tautan|kode sandi|surel",
        "mails": "{n} e-mail tersimpan sebagai .eml di {dir}", "done": "selesai dalam {s:.1f} dtk — {dir}",
        "timeout": "[red]waktu habis menunggu daemon[/red]",
        "later": "Perintah berikutnya memakai basis data demo dengan:\n  export VICON_DATABASE_URL={url}\n"
        "  (atau: vicon status --db {url})",
    },
    "en": {
        "step1": "1. The example office is loaded",
        "loaded": "{hosts} Zoom hosts, {ops} operators, {reqs} requests → {db}",
        "sandbox": "Zoom SANDBOX (not the real Zoom) at {url}",
        "replan": "[cyan]re-plan[/cyan] {served} served, {unserved} unserved, {status}, {s:.2f} s, {zoom} Zoom actions",
        "more": "   … {n} more", "step2": "2. The daemon runs: the first plan is published and synced",
        "step3": "3. A spreadsheet of requests arrives in the inbox", "intake": "intake: {line}",
        "rejects": "rejected rows → {file}:\n{rows}",
        "step4": "4. The governor's visit (the highest priority) displaces a lower one",
        "step5": "5. A meeting moves by 30 minutes, another is cancelled", "step6": "6. The final plan",
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
