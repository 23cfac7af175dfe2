"""Admin commands against a stored office: requests, re-plan with its diff, pins, status, and the demo."""

from __future__ import annotations

import email
import re
from datetime import timedelta
from pathlib import Path

import pytest
from icalendar import Calendar
from typer.testing import CliRunner

from allocator.commands.main import app
from allocator.demo import run_demo
from allocator.demo_lent import OPENS_MIN
from allocator.planner.domain import Assignment
from allocator.planner.solver import solve
from allocator.problem_files import load_problem
from allocator.service import plan_changes
from allocator.store import Store
from allocator.web.start_pages import OPENS_BEFORE
from tests.planner.factories import host, problem, request

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "config" / "example-problem.json"
runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'v.db'}"
    assert runner.invoke(app, ["import", "--problem", str(EXAMPLE), "--db", url]).exit_code == 0
    return url


def test_requests_replan_pin_status(db: str) -> None:
    first = runner.invoke(app, ["replan", "--db", db, "--lang", "en"])
    assert first.exit_code == 0, first.output
    assert "published plan 1: 46 served" in first.output and "+ PSR-BUPATI-01" in first.output
    add = runner.invoke(app, ["requests", "add", "--db", db, "--ref", "NEW-9", "--unit", "Bappeda", "--title",
                              "Rapat", "--start", "2027-01-06T09:30", "--end", "2027-01-06T11:00", "--tz",
                              "Asia/Makassar", "--participants", "420", "--priority", "head_of_region",
                              "--pic-name", "Sari", "--service", "link", "--lang", "en"])  # fmt: skip
    assert add.exit_code == 0 and "saved as version 1" in add.output
    dry = runner.invoke(app, ["replan", "--dry-run", "--db", db, "--lang", "en"])
    assert dry.exit_code == 0 and "would publish" in dry.output and "+ NEW-9" in dry.output
    assert "Zoom actions" in dry.output
    listed = runner.invoke(app, ["requests", "list", "--db", db], env={"COLUMNS": "200"})
    assert "NEW-9" in listed.output and "belum direncanakan" in listed.output  # the dry run published nothing
    english = runner.invoke(app, ["requests", "list", "--db", db, "--lang", "en"], env={"COLUMNS": "200"})
    assert "not planned" in english.output and "head of region" in english.output and "disetujui" not in english.output
    pin = runner.invoke(app, ["pin", "PSR-00002", "--host", "H500", "--db", db, "--lang", "en"])
    assert pin.exit_code == 0 and "pinned to H500" in pin.output
    assert runner.invoke(app, ["pin", "PSR-00002", "--host", "NOPE", "--db", db]).exit_code == 2
    again = runner.invoke(app, ["replan", "--db", db])
    assert re.search(r"~ PSR-00002: H300[AB] → H500", again.output), again.output
    assert (
        runner.invoke(app, ["unpin", "PSR-00002", "--db", db, "--lang", "en"]).output.strip() == "PSR-00002: unpinned"
    )
    show = runner.invoke(app, ["requests", "show", "NEW-9", "--db", db, "--lang", "en"])
    assert "v1" in show.output and "plan 2" in show.output and "priority head of region" in show.output
    site = runner.invoke(app, ["requests", "show", "NEW-9", "--db", db])  # the site's language, its zone
    assert "rencana 2: host" in site.output and "prioritas kepala daerah" in site.output
    assert "WITA dibuat oleh cli" in site.output and "UTC" not in site.output  # the history in the site's zone
    cancel = runner.invoke(app, ["requests", "cancel", "NEW-9", "--db", db])
    assert cancel.output.strip() == "NEW-9: dibatalkan"  # the site speaks Bahasa Indonesia
    status = runner.invoke(app, ["status", "--db", db, "--lang", "en"])
    assert status.exit_code == 0 and "Zoom outbox" in status.output and "budget left today" in status.output


def test_fresh_replan_solves_unchanged_parts_again(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import allocator.commands.admin as admin_cli

    seen: list[bool] = []
    real = admin_cli.replan

    def spy(*args: object, **kw: object) -> object:
        seen.append(kw["options"].reuse_unchanged)  # type: ignore[attr-defined]
        return real(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(admin_cli, "replan", spy)
    assert runner.invoke(app, ["replan", "--db", db]).exit_code == 0
    fresh = runner.invoke(app, ["replan", "--fresh", "--db", db, "--lang", "en"])
    assert fresh.exit_code == 0, fresh.output
    assert seen == [True, False] and "no request gains, loses or moves" in fresh.output


def test_bad_request_input_names_the_fields(db: str) -> None:
    bad = runner.invoke(app, ["requests", "add", "--db", db, "--ref", "B-1", "--unit", "U", "--title", "T",
                              "--start", "2027-01-05T10:00", "--end", "2027-01-05T09:00", "--participants", "0",
                              "--pic-name", "P", "--tz", "Mars/Base", "--lang", "en"])  # fmt: skip
    assert bad.exit_code == 2
    assert "timezone: unknown IANA time zone 'Mars/Base'" in bad.output
    assert "participants" in bad.output and "Traceback" not in bad.output


def test_plan_changes_say_why() -> None:
    prob = problem(
        hosts=[host("H100", 100), host("H500", 500)],
        requests=[request("OLD", "09:00", "10:00", 80), request("BIG", "09:00", "10:00", 450, priority="high"),
                  request("GONE", "13:00", "14:00", 600)],
    )  # fmt: skip
    before = [Assignment(request="OLD", host="H500"), Assignment(request="GONE", host="H500")]
    after = solve(prob.model_copy(update={"previous": [before[0]]}))
    changes = {c.request: c for c in plan_changes(prob, before, after)}
    assert changes["BIG"].kind == "gained"
    assert changes["OLD"].kind == "moved" and "BIG (high)" in changes["OLD"].reason
    assert changes["GONE"].kind == "lost" and "no host has 600 seats" in changes["GONE"].reason


def test_a_new_request_that_stays_unserved_is_a_change_with_its_reason() -> None:
    """A re-plan that leaves a newcomer out says so; one already explained by the published plan is no news."""
    prob = problem(
        hosts=[host("H100", 100)],
        requests=[request("OLD", "09:00", "10:00", 80), request("NEW", "09:30", "10:30", 60),
                  request("HUGE", "13:00", "14:00", 900)],
    )  # fmt: skip
    before = [Assignment(request="OLD", host="H100")]
    after = solve(prob.model_copy(update={"previous": before}))
    changes = {c.request: c for c in plan_changes(prob, before, after)}
    assert changes["NEW"].kind == "not_served" and "H100 has OLD" in changes["NEW"].reason
    assert changes["NEW"].line().startswith("! NEW: - → -")
    assert changes["HUGE"].kind == "not_served" and "no host has 900 seats" in changes["HUGE"].reason
    explained = prob.model_copy(update={"previous_unserved": [u for u in after.unserved if u.request == "HUGE"]})
    assert {c.request for c in plan_changes(explained, before, after)} == {"NEW"}


def test_demo_runs_the_whole_job(tmp_path: Path) -> None:
    from rich.console import Console

    console = Console(record=True, width=140)
    code = run_demo(EXAMPLE, tmp_path / "demo", console, lang="en", quiet_timelines=True)
    out = console.export_text()
    assert code == 0, out
    assert "+ PSR-GUB-01" in out and "- PSR-00006" in out and "reconcile --dry-run" in out and "0 findings" in out
    # The three-day training: one recurring Zoom meeting, one link, one repeating calendar event for its PIC.
    assert "PSR-LATIH-01: one recurring Zoom meeting (type 8)" in out
    assert out.count("WITA, 180 min, available") == 3
    (latih,) = (tmp_path / "demo" / "mail").glob("PSR-LATIH-01_pic.scheduled_*.eml")
    series_part = next(p for p in email.message_from_bytes(latih.read_bytes()).walk()
                       if p.get_content_type() == "text/calendar")  # fmt: skip
    assert b"RRULE:FREQ=DAILY;COUNT=3" in series_part.get_payload(decode=True)
    # Units that run their own meetings: RSUD's trained operator, alternative host on the lent host.
    assert "PSR-00015 (RSUD Panglima Sebaya): self-operated, host" in out
    assert "alternative host: vicon.rsud@kominfo.example.go.id" in out
    # A lent account: Satpol PP's trained operator holds no Zoom licence; the start-link page refuses while the
    # meeting is days away and hands out a fresh, working link 25 minutes before it, never printed (only audited).
    assert "fetches a fresh start link from /start/PSR-00016 shortly before the start" in out
    assert "now: /start/PSR-00016 refuses (403)" in out and "host key valid" in out
    assert "zoom.start_link_shown (unit:unit-uop-satpol-1)" in out
    assert "zak=" not in out and "/s/" not in out
    assert timedelta(minutes=OPENS_MIN) == OPENS_BEFORE
    # A PIC reports the PTZ camera broken: the requests that needed it lose it in the re-plan.
    assert "fault #1: PTZ ×1" in out and "- PSR-00037" in out
    mails = list((tmp_path / "demo" / "mail").glob("*.eml"))
    gub = [m for m in mails if m.name.startswith("PSR-GUB-01_pic")]
    assert gub, [m.name for m in mails][:5]
    msg = email.message_from_bytes(gub[0].read_bytes())
    body = gub[0].read_bytes().decode("utf-8", "replace")
    assert "zoom-sandbox.invalid/j/" in body and "/s/" not in body  # join link, never the host's start link
    assert any(part.get_content_type() == "text/calendar" for part in msg.walk())
    # The rescheduled meeting: the PIC's update is the same calendar event with a higher SEQUENCE.
    events = {}
    for kind in ("scheduled", "changed"):
        (path,) = (tmp_path / "demo" / "mail").glob(f"PSR-00002_pic.{kind}_*.eml")
        part = next(p for p in email.message_from_bytes(path.read_bytes()).walk()
                    if p.get_content_type() == "text/calendar")  # fmt: skip
        events[kind] = Calendar.from_ical(part.get_payload(decode=True)).walk("VEVENT")[0]
    assert events["scheduled"]["UID"] == events["changed"]["UID"]
    assert int(events["changed"]["SEQUENCE"]) > int(events["scheduled"]["SEQUENCE"])
    assert len(load_problem(EXAMPLE).requests) == 60

    # The office's workflow reaches people: the head of region's rehearsal and kits, the planned time of a
    # flexible request, and the operator sent to survey a new venue.
    def text(pattern: str) -> str:
        (path,) = (tmp_path / "demo" / "mail").glob(pattern)
        msg = email.message_from_bytes(path.read_bytes())
        return "".join(p.get_payload(decode=True).decode() for p in msg.walk() if p.get_content_type() == "text/plain")

    bupati = text("PSR-BUPATI-01_pic.scheduled_*.eml")
    # 5 January 2027 is a holiday (Isra' Mi'raj): the ceremony is holiday duty, its rehearsal falls on the Monday
    # before and, since the rehearsal uses them, its kits are picked up in office hours an hour before the
    # rehearsal (docs/calendar.md), as the PIC's mail and the demo say.
    assert "Gladi bersih: Senin, 4 Januari 2027 pukul 14.00–15.00 WITA" in bupati and "Kamera + tripod" in bupati
    assert "diambil di kantor kami mulai Senin, 4 Januari 2027 pukul 13.00 WITA" in bupati
    # The demo's last word on it (after the PTZ fault's free re-plan, the rehearsal may be holiday duty on the morning
    # of the ceremony, as a duty event's mandatory rehearsal may, docs/calendar.md): the kits still come first.
    said = re.search(r"PSR-BUPATI-01: the rehearsal \w{3} (\S+ \S+) uses its kits: picked up \w{3} (\S+ \S+), "
                     r"before the rehearsal", out)  # fmt: skip
    assert said is not None and said[2] < said[1]
    assert "diminta" in text("PSR-FLEX-01_pic.scheduled_*.eml")
    assert list((tmp_path / "demo" / "mail").glob("*_op.survey_*.eml"))


def test_explain_and_status_use_the_store(db: str) -> None:
    runner.invoke(app, ["replan", "--db", db])
    out = runner.invoke(app, ["explain", "PSR-00019", "--db", db, "--lang", "en"])
    assert out.exit_code == 0 and "not served" in out.output and "alternatives:" in out.output
    status = runner.invoke(app, ["status", "--db", db, "--lang", "en"])
    assert "plan 1 (published" in status.output and "notifications: 0 sent" in status.output
    assert "WITA" in status.output and "UTC" not in status.output and "{" not in status.output
    site = runner.invoke(app, ["status", "--db", db])  # the site's language: Bahasa Indonesia
    assert "rencana 1 (diterbitkan" in site.output and "antrean Zoom:" in site.output and "published" not in site.output


def test_replan_confirm_names_unknown_requests(db: str) -> None:
    out = runner.invoke(app, ["replan", "--confirm", "NOPE", "--db", db, "--lang", "en"])
    assert out.exit_code == 2 and "--confirm: unknown request(s) NOPE" in out.output
    ok = runner.invoke(app, ["replan", "--confirm", "PSR-BUPATI-01", "--dry-run", "--db", db, "--lang", "en"])
    assert ok.exit_code == 0 and "would publish" in ok.output


def test_requests_add_reads_times_in_the_sites_zone_and_takes_zone_words(db: str) -> None:
    """The example office is in WITA: 09:00 typed is 09:00 WITA (01:00 UTC) without --tz, and --tz WIB works."""
    common = ["requests", "add", "--db", db, "--unit", "Bappeda", "--title", "Rapat", "--pic-name", "Sari",
              "--service", "link", "--participants", "20"]  # fmt: skip
    site = runner.invoke(app, [*common, "--ref", "TZ-1", "--start", "2027-01-06T09:00", "--end", "2027-01-06T10:00"])
    word = runner.invoke(app, [*common, "--ref", "TZ-2", "--start", "2027-01-06T09:00", "--end", "2027-01-06T10:00",
                               "--tz", "WIB"])  # fmt: skip
    assert site.exit_code == 0 and word.exit_code == 0, site.output + word.output
    store = Store.open(db)
    try:
        one, two = store.get_request("TZ-1"), store.get_request("TZ-2")
        assert one is not None and one.timezone == "Asia/Makassar" and one.start.hour == 1
        assert two is not None and two.timezone == "Asia/Jakarta" and two.start.hour == 2
    finally:
        store.close()


def test_requests_add_names_every_bad_field_at_once(db: str) -> None:
    """A bad e-mail, an unknown tier, a start in the past and an end before the start all come in one answer."""
    bad = runner.invoke(app, ["requests", "add", "--db", db, "--ref", "BAD-1", "--unit", "Bappeda", "--title", "R",
                              "--pic-name", "Sari", "--pic-email", "sari(at)bappeda", "--priority", "urgent",
                              "--start", "2020-01-06T09:00", "--end", "2020-01-06T10:00", "--lang", "en"])  # fmt: skip
    assert bad.exit_code == 2
    assert "pic_email: not an e-mail address" in bad.output and "priority: unknown tier 'urgent'" in bad.output
    past = runner.invoke(app, ["requests", "add", "--db", db, "--ref", "BAD-2", "--unit", "Bappeda", "--title", "R",
                               "--pic-name", "Sari", "--pic-email", "sari@bappeda.go.id",
                               "--start", "2020-01-06T09:00", "--end", "2020-01-06T10:00", "--lang", "en"])  # fmt: skip
    assert past.exit_code == 2 and "start: Mon 2020-01-06 09:00 WITA is in the past" in past.output
    both = runner.invoke(app, ["requests", "add", "--db", db, "--ref", "BAD-3", "--unit", "Bappeda", "--title", "R",
                               "--pic-name", "Sari", "--pic-email", "x@", "--start", "2027-01-06T11:00",
                               "--end", "2027-01-06T10:00"])  # fmt: skip
    assert both.exit_code == 2 and "pic_email" in both.output and "end" in both.output
    assert "Traceback" not in bad.output + past.output + both.output


def test_explain_a_newcomer_before_the_replan_tells_what_the_next_plan_would_do(db: str) -> None:
    assert runner.invoke(app, ["replan", "--db", db]).exit_code == 0
    add = runner.invoke(app, ["requests", "add", "--db", db, "--ref", "NEW-BIG", "--unit", "Bappeda", "--title",
                              "Rapat Akbar", "--start", "2027-01-06T09:30", "--end", "2027-01-06T11:00",
                              "--participants", "5000", "--pic-name", "Sari", "--service", "link"])  # fmt: skip
    assert add.exit_code == 0, add.output
    out = runner.invoke(app, ["explain", "NEW-BIG", "--db", db, "--lang", "en"])
    assert out.exit_code == 0, out.output
    assert "arrived after plan 1 was published" in out.output and "not served:" in out.output
    assert "not an active request" not in out.output
    idn = runner.invoke(app, ["explain", "NEW-BIG", "--db", db])
    assert "masuk setelah rencana 1 diterbitkan" in idn.output and "tidak terlayani" in idn.output


def test_replan_speaks_the_sites_language(db: str) -> None:
    """One language per run: the site's (Bahasa Indonesia) by default, reasons included; English with --lang en."""
    out = runner.invoke(app, ["replan", "--db", db])
    assert out.exit_code == 0, out.output
    assert "rencana 1 diterbitkan: 46 terlayani, 14 tidak terlayani" in out.output
    assert "+ PSR-BUPATI-01: - → H500" in out.output and "(prioritas kepala daerah)" in out.output
    assert "aksi Zoom:" in out.output and " buat" in out.output
    assert "served" not in out.output and "Zoom actions" not in out.output
    add = runner.invoke(app, ["requests", "add", "--db", db, "--ref", "NEW-BIG", "--unit", "Bappeda", "--title",
                              "Rapat Akbar", "--start", "2027-01-06T09:30", "--end", "2027-01-06T11:00",
                              "--participants", "5000", "--pic-name", "Sari", "--service", "link"])  # fmt: skip
    assert add.exit_code == 0
    dry = runner.invoke(app, ["replan", "--dry-run", "--db", db])
    assert "pratinjau (tidak diterbitkan)" in dry.output and "! NEW-BIG" in dry.output
    assert "tidak ada host" in dry.output and "no host" not in dry.output


def test_requests_add_a_series_and_its_bad_fields_named(db: str) -> None:
    common = ["requests", "add", "--db", db, "--unit", "Diskominfo", "--title", "Pelatihan", "--pic-name", "Hendra",
              "--service", "link", "--participants", "30",
              "--start", "2027-01-12T09:00", "--end", "2027-01-12T12:00"]  # fmt: skip
    ok = runner.invoke(app, [*common, "--ref", "LAT-1", "--repeat", "daily", "--count", "3"])
    assert ok.exit_code == 0, ok.output
    weekly = runner.invoke(app, [*common, "--ref", "LAT-2", "--repeat", "weekly", "--weekdays", "1,3", "--until",
                                 "2027-02-02", "--series-policy", "partial"])  # fmt: skip
    assert weekly.exit_code == 0, weekly.output
    bad = runner.invoke(app, [*common, "--ref", "LAT-3", "--repeat", "weekly", "--weekdays", "4", "--count", "60"])
    assert bad.exit_code == 2 and "series.count" in bad.output and "Traceback" not in bad.output
    # Monthly (issue 18): every second Tuesday (2027-01-12 is one), or refused naming the field.
    monthly = ["--repeat", "monthly", "--count", "3", "--month-week"]
    second = runner.invoke(app, [*common, "--ref", "BUL-1", *monthly, "2"])
    assert second.exit_code == 0, second.output
    wrong = runner.invoke(app, [*common, "--ref", "BUL-2", *monthly, "1"])
    assert wrong.exit_code == 2 and "series.month_week" in wrong.output
    store = Store.open(db)
    try:
        one, two = store.get_request("LAT-1"), store.get_request("LAT-2")
        assert one is not None and one.series is not None and one.series.count == 3
        assert two is not None and two.series is not None and two.series.weekdays == [1, 3]
        assert [r.ref for r in store.load_problem().requests if r.occurrence_of == "LAT-1"] == [
            "LAT-1:1", "LAT-1:2", "LAT-1:3"]  # fmt: skip
        days = [r.start.date().isoformat() for r in store.load_problem().requests if r.occurrence_of == "BUL-1"]
        assert days == ["2027-01-12", "2027-02-09", "2027-03-09"]
    finally:
        store.close()


def test_pin_one_occurrence_of_a_series(db: str) -> None:
    add = runner.invoke(app, ["requests", "add", "--db", db, "--ref", "LAT-CLI", "--unit", "Bappeda", "--title",
                              "Pelatihan", "--start", "2027-01-13T09:00", "--end", "2027-01-13T11:00", "--tz",
                              "Asia/Makassar", "--participants", "60", "--pic-name", "Sari", "--service",
                              "link_operator", "--repeat", "daily", "--count", "3", "--lang", "en"])  # fmt: skip
    assert add.exit_code == 0, add.output
    assert runner.invoke(app, ["replan", "--db", db]).exit_code == 0
    store = Store.open(db)
    published = store.published_plan()
    assert published is not None
    occ = {a.request: a for a in published.plan.assignments if a.request.startswith("LAT-CLI:")}
    host = occ["LAT-CLI:2"].host
    assert len(occ) == 3 and host is not None
    op = next(o for o in ("OP02", "OP03", "OP04") if o not in occ["LAT-CLI:2"].operators)
    whole = runner.invoke(app, ["pin", "LAT-CLI", "--host", host, "--operator", op, "--db", db, "--lang", "en"])
    assert whole.exit_code == 2 and "LAT-CLI is a series: pin its occurrences one at a time" in whole.output
    other = next(h for h in ("H300A", "H300B", "H500", "H100") if h != host)
    moved = runner.invoke(app, ["pin", "LAT-CLI:2", "--host", other, "--operator", op, "--db", db, "--lang", "en"])
    assert moved.exit_code == 2 and f"this series is on {host}" in moved.output
    assert runner.invoke(app, ["pin", "LAT-CLI:9", "--operator", op, "--db", db]).exit_code == 2
    pinned = runner.invoke(app, ["pin", "LAT-CLI:2", "--operator", op, "--db", db, "--lang", "en"])
    assert pinned.exit_code == 0 and f"LAT-CLI:2: pinned to {host} with {op}" in pinned.output
    again = runner.invoke(app, ["replan", "--db", db])
    assert again.exit_code == 0, again.output
    published = store.published_plan()
    assert published is not None
    day2 = next(a for a in published.plan.assignments if a.request == "LAT-CLI:2")
    assert day2.operators == [op] and day2.host == host
    unpin = runner.invoke(app, ["unpin", "LAT-CLI:2", "--db", db, "--lang", "en"])
    assert unpin.output.strip() == "LAT-CLI:2: unpinned"
