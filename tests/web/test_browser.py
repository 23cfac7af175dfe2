"""A real browser (Debian's headless Chromium driven by Playwright) files a request on the form, an admin signs
in, previews and applies a re-plan, sees the request on the timeline, uploads a request file on a phone (no
sideways scrolling of the page), and the PIC opens the status link.
Screenshots are kept in $VICON_TEST_ARTIFACTS (default var/test-artifacts/web).

Skips when Playwright or /usr/bin/chromium is missing, unless CI=true (then it fails)."""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from allocator.store import Store
from allocator.store.users import add_user
from allocator.web.accounts import hash_password
from allocator.web.app import create_app
from allocator.web.settings import WebSettings
from tests.web.conftest import ROOT, SECRET

CHROMIUM = os.environ.get("VICON_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
FORM = ROOT / "tests" / "fixtures" / "intake" / "kominfo-paser-google-form.csv"
PASSWORD = "kopi-tubruk-2027"
ARTIFACTS = Path(os.environ.get("VICON_TEST_ARTIFACTS", ROOT / "var" / "test-artifacts")) / "web"


def _missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the Python package 'playwright' is not installed (pip install playwright; never `playwright install`)"
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return f"{CHROMIUM} not found (apt-get install -y chromium)"
    return None


@pytest.fixture(scope="module", autouse=True)
def _need_browser() -> None:
    why = _missing()
    if why is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"browser test cannot run in CI: {why}")
    pytest.skip(why)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(db_url: str) -> Iterator[tuple[str, WebSettings, Store]]:
    import uvicorn

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    settings = WebSettings(secret=SECRET, base_url=base)
    store = Store.open(db_url)
    add_user(store, "budi", "admin", hash_password(PASSWORD), operator=None, actor="test")
    app = create_app(store, settings)
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not srv.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    try:
        yield base, settings, store
    finally:
        srv.should_exit = True
        thread.join(timeout=10)
        store.engine.dispose()


def test_form_plan_timeline_and_pic_page_in_chromium(server: tuple[str, WebSettings, Store]) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, _settings, store = server
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            phone = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=1, locale="id-ID")
            page = phone.new_page()
            page.set_default_timeout(15_000)
            # a unit files a request on a phone
            page.goto(f"{base}/form")
            expect(page.locator("h1")).to_have_text("Ajukan permohonan")
            page.screenshot(path=str(ARTIFACTS / "form-phone.png"), full_page=True)
            page.fill("#unit", "Kecamatan Tanjung")
            page.fill("#title", "Musrenbang Kecamatan Tanjung")
            page.fill("#date", "2027-01-11")
            page.fill("#start_time", "10:00")
            page.fill("#end_time", "11:30")
            page.select_option("#timezone", "Asia/Makassar")
            page.fill("#participants", "80")
            page.select_option("#service", "link_operator")
            page.fill("#venue", "Aula Kecamatan")
            page.fill("#pic_name", "Rahmat")
            page.fill("#pic_email", "rahmat@example.go.id")
            page.click("#submit")
            expect(page.locator("h1")).to_contain_text("Permohonan diterima")
            ref = page.locator("#ref").inner_text().strip()
            pic_link = page.locator("#pic-link").get_attribute("href")
            assert ref.startswith("WEB-") and pic_link and pic_link.startswith("/p/")
            assert store.get_request(ref) is not None

            # an admin signs in, previews the re-plan and applies it
            desk = browser.new_context(viewport={"width": 1366, "height": 900}, locale="id-ID")
            admin = desk.new_page()
            admin.set_default_timeout(30_000)
            admin.goto(f"{base}/admin/timeline")
            expect(admin).to_have_url(f"{base}/login?lang=id&next=%2Fadmin%2Ftimeline")
            admin.screenshot(path=str(ARTIFACTS / "login.png"))
            admin.fill("#username", "budi")
            admin.fill("#password", PASSWORD)
            admin.click("#login")
            expect(admin.locator("#account-link")).to_be_visible()
            admin.goto(f"{base}/admin/replan")
            expect(admin.locator("#changes")).to_contain_text(ref)
            admin.screenshot(path=str(ARTIFACTS / "replan-preview.png"))
            admin.click("#apply")
            expect(admin.locator(".ok")).to_contain_text("Rencana 1 diterbitkan")
            admin.screenshot(path=str(ARTIFACTS / "timeline-first-day.png"), full_page=True)
            admin.goto(f"{base}/admin/timeline?day=2027-01-11")
            block = admin.locator(f'.tl-block[data-ref="{ref}"]')
            expect(block.first).to_be_visible()
            assert block.count() == 2  # its host and its operator
            admin.screenshot(path=str(ARTIFACTS / "timeline.png"), full_page=True)
            admin.goto(f"{base}/admin/timeline?day=2027-01-05")
            expect(admin.locator("#unserved")).to_contain_text("Alternatif")
            admin.screenshot(path=str(ARTIFACTS / "timeline-busy-day.png"), full_page=True)
            # two meetings at once on one host: two lanes, the blocks never drawn over each other
            admin.goto(f"{base}/admin/timeline?day=2027-01-06")
            row = admin.locator('.tl-row[data-lane="H300A"]')
            assert row.get_attribute("data-lanes") == "2"
            boxes = [b.bounding_box() for b in row.locator(".tl-block").all()]
            for i, a in enumerate(boxes):
                for b in boxes[i + 1 :]:
                    assert a and b
                    apart_x = a["x"] + a["width"] <= b["x"] + 1 or b["x"] + b["width"] <= a["x"] + 1
                    apart_y = a["y"] + a["height"] <= b["y"] + 1 or b["y"] + b["height"] <= a["y"] + 1
                    assert apart_x or apart_y, (a, b)
            expect(admin.locator("#legend")).to_contain_text("Kepala daerah")
            admin.screenshot(path=str(ARTIFACTS / "calendar-day-overlap.png"), full_page=True)
            admin.click("#view-week")
            expect(admin.locator("#timeline")).to_have_attribute("data-view", "week")
            admin.select_option("#f-host", "H300A")
            admin.click("#filter")
            expect(admin).to_have_url(re.compile(r"host=H300A"))
            assert admin.locator(".tl-row[data-lane^='H']").count() == 1
            admin.screenshot(path=str(ARTIFACTS / "calendar-week-host.png"), full_page=True)
            first = admin.locator('.tl-row[data-lane="H300A"] .tl-block').first
            ref_clicked = first.get_attribute("data-ref")
            first.click()
            expect(admin.locator("h1")).to_contain_text(f"Permohonan {ref_clicked}")
            admin.set_viewport_size({"width": 390, "height": 844})
            for path in ("/admin/timeline?day=2027-01-06", "/admin/timeline?day=2027-01-06&view=week",
                         f"/admin/requests/{ref_clicked}", "/admin/replan", "/account", "/me"):  # fmt: skip
                admin.goto(f"{base}{path}")
                width = admin.evaluate("document.documentElement.scrollWidth")
                assert width <= 390, (path, width)  # the grid scrolls inside its box, never the page
            admin.goto(f"{base}/admin/timeline?day=2027-01-06")
            admin.screenshot(path=str(ARTIFACTS / "timeline-phone.png"), full_page=True)

            # on the phone, the admin uploads a Google Form export, reads the preview and saves it
            admin.goto(f"{base}/admin/upload")
            admin.set_input_files("#file", str(FORM))
            admin.click("#check")
            expect(admin.locator("#summary")).to_contain_text("20 baris, 18 diterima, 2 ditolak")
            assert admin.evaluate("document.documentElement.scrollWidth") <= 390  # tables scroll in their box
            admin.screenshot(path=str(ARTIFACTS / "upload-preview-phone.png"), full_page=True)
            before = len(store.list_requests())
            admin.click("#save")
            expect(admin.locator("#summary")).to_contain_text("18 permohonan disimpan")
            assert admin.evaluate("document.documentElement.scrollWidth") <= 390
            assert len(store.list_requests()) == before + 18

            # on the phone, the admin finds a request on the desk and cancels it from its page
            admin.goto(f"{base}/admin/requests")
            admin.fill("#q", "PSR-00002")
            admin.click("#search")
            expect(admin.locator("#requests tr[data-ref]")).to_have_count(1)
            assert admin.evaluate("document.documentElement.scrollWidth") <= 390
            admin.screenshot(path=str(ARTIFACTS / "desk-phone.png"), full_page=True)
            admin.click('#requests a[href^="/admin/requests/PSR-00002"]')
            admin.fill("#cancel-reason", "acara ditunda")
            admin.click("#cancel")
            expect(admin.locator("#done")).to_contain_text("Permohonan dibatalkan")
            assert admin.evaluate("document.documentElement.scrollWidth") <= 390
            cancelled = store.get_request("PSR-00002")
            assert cancelled is not None and cancelled.status.value == "cancelled"

            # the PIC opens their link on the phone
            page.goto(f"{base}{pic_link}")
            expect(page.locator("#state")).to_have_text("Terjadwal")
            expect(page.locator("body")).to_contain_text("Musrenbang Kecamatan Tanjung")
            page.screenshot(path=str(ARTIFACTS / "pic-phone.png"), full_page=True)
            # the same link never opens the admin pages
            page.goto(f"{base}/admin/timeline")
            expect(page).to_have_url(f"{base}/login?lang=id&next=%2Fadmin%2Ftimeline")
            phone.close()
            desk.close()
        finally:
            browser.close()
    assert (ARTIFACTS / "timeline.png").stat().st_size > 10_000


@pytest.fixture
def office_morning(db_url: str) -> Iterator[tuple[str, WebSettings, Store]]:
    """The example office on the morning its week starts (07:00 WITA, Monday 4 January 2027), with an admin and
    an operator account, and the week planned."""
    import uvicorn

    from allocator.planner.domain import Pin
    from allocator.service import replan

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    settings = WebSettings(secret=SECRET, base_url=base)
    morning = datetime(2027, 1, 3, 23, 0, tzinfo=UTC)
    store = Store.open(db_url, clock=lambda: morning)
    add_user(store, "budi", "admin", hash_password(PASSWORD), operator=None, actor="test")
    replan(store, actor="test", dry_run=False)
    op = next(a.operators[0] for a in (store.published_plan().plan.assignments)  # type: ignore[union-attr]
              if a.operators and a.start is None and a.request in {"PSR-00001", "PSR-00003"})  # fmt: skip
    add_user(store, "andi", "operator", hash_password(PASSWORD), operator=op, actor="test")
    store.set_pin(Pin(request="PSR-00001", host="H100", operators=["OP04"]), actor="test")
    app = create_app(store, settings)
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not srv.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    try:
        yield base, settings, store
    finally:
        srv.should_exit = True
        thread.join(timeout=10)
        store.engine.dispose()


def _no_sideways(page: object, path: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")  # type: ignore[attr-defined]
    assert width <= 390, (path, width)


def _sign_in(page: object, base: str, name: str) -> None:
    page.goto(f"{base}/login")  # type: ignore[attr-defined]
    page.fill("#username", name)  # type: ignore[attr-defined]
    page.fill("#password", PASSWORD)  # type: ignore[attr-defined]
    page.click("#login")  # type: ignore[attr-defined]


def test_desk_actions_operator_agenda_pic_offer_and_calendar_exports(
    office_morning: tuple[str, WebSettings, Store],
) -> None:
    """At 1366 px and at 390 px: the admin approves, pins (an impossible pin refused in words), unpins and offers
    an alternative from a request's page; the PIC accepts it from the mail's link and downloads their meeting;
    the desk shows the acceptance; an operator reads today's agenda; the calendar's XLSX, printable page and feeds."""
    from playwright.sync_api import expect, sync_playwright

    from allocator.notify.config import NotifyConfig
    from allocator.notify.outbox import Outbox
    from allocator.web.desk_actions import RecordOnlyMail

    base, _settings, store = office_morning
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            desk = browser.new_context(viewport={"width": 1366, "height": 900}, locale="id-ID", accept_downloads=True)
            admin = desk.new_page()
            admin.set_default_timeout(30_000)
            _sign_in(admin, base, "budi")
            expect(admin.locator("#account-link")).to_be_visible()
            # approve a new request, pin it where the plan has it, release the pin
            admin.goto(f"{base}/admin/requests/PSR-00004")
            admin.click("#approve")
            expect(admin.locator("#done")).to_contain_text("Permohonan disetujui")
            admin.click("#pin")
            expect(admin.locator("#done")).to_contain_text("Dipatok")
            expect(admin.locator("#pin-now")).to_be_visible()
            expect(admin.locator("#activity")).to_contain_text("dipatok")
            admin.screenshot(path=str(ARTIFACTS / "request-actions.png"), full_page=True)
            admin.click("#unpin")
            expect(admin.locator("#done")).to_contain_text("Patokan dilepas")
            # an impossible pin: PSR-00002 on H100, which PSR-00001 holds (pinned) at the same time
            admin.goto(f"{base}/admin/requests/PSR-00002")
            admin.select_option("#pin-host", "H100")
            admin.click("#pin")
            expect(admin.locator("#message")).to_contain_text("bentrok")
            expect(admin.locator("#message")).to_contain_text("PSR-00001")
            admin.screenshot(path=str(ARTIFACTS / "pin-refused.png"))
            assert [p.request for p in store.pins()] == ["PSR-00001"]
            # offer an unserved request's alternative to its PIC
            plan = store.published_plan()
            assert plan is not None
            u = next(u for u in plan.plan.unserved if u.alternatives)
            admin.goto(f"{base}/admin/requests/{u.request}")
            admin.click("#offer-0 button")
            expect(admin.locator("#done")).to_contain_text("Alternatif dikirim")
            # the calendar: kits, XLSX, printable page, a feed
            admin.goto(f"{base}/admin/timeline?day=2027-01-04")
            expect(admin.locator('.tl-row[data-lane="CAM"] .tl-block[data-kind="kit"]').first).to_be_visible()
            admin.screenshot(path=str(ARTIFACTS / "calendar-kits.png"), full_page=True)
            with admin.expect_download() as got:
                admin.click("#xlsx")
            assert got.value.suggested_filename == "kalender-2027-01-04.xlsx"
            admin.click("#print")
            expect(admin.locator("#printable")).to_be_visible()
            admin.screenshot(path=str(ARTIFACTS / "calendar-print.png"), full_page=True)
            admin.goto(f"{base}/admin/feeds")
            admin.select_option("#feed-target", "host:H500")
            admin.click("#feed-create")
            expect(admin.locator("#feed-url")).to_contain_text("/feeds/")
            admin.screenshot(path=str(ARTIFACTS / "feeds.png"), full_page=True)

            # the PIC, on a phone, opens the mail's link, reads every condition and accepts
            mail = Outbox(store, NotifyConfig(), mail=RecordOnlyMail()).records(request=u.request,
                                                                              kinds=["pic.alternative"])  # fmt: skip
            link = re.search(r"(http://\S+/p/offer/\S+)", mail[0].message().text)
            assert link
            phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="id-ID", accept_downloads=True)
            pic = phone.new_page()
            pic.set_default_timeout(15_000)
            pic.goto(link.group(1))
            expect(pic.locator("#offer-when")).to_be_visible()
            _no_sideways(pic, "/p/offer")
            pic.screenshot(path=str(ARTIFACTS / "pic-offer-phone.png"), full_page=True)
            pic.click("#accept")
            expect(pic.locator("h1")).to_contain_text("Alternatif diterima")
            assert any(e.action == "request.alternative_accepted" for e in store.audit_log(entity="request"))
            # ... and a served PIC adds their meeting to the calendar
            from urllib.parse import urlsplit

            from allocator.web.auth import pic_url

            served = store.get_request("PSR-00003")
            assert served is not None
            pic.goto(base + urlsplit(pic_url(_settings, served.ref, served.end)).path)
            with pic.expect_download() as ics:
                pic.click("#ics")
            assert ics.value.suggested_filename == "undangan.ics"
            _no_sideways(pic, "/p/…")

            # the admin's desk shows the acceptance; the admin pages fit a phone
            admin.set_viewport_size({"width": 390, "height": 844})
            admin.goto(f"{base}/admin/requests")
            expect(admin.locator("#accepted")).to_contain_text(u.request)
            admin.screenshot(path=str(ARTIFACTS / "desk-accepted-phone.png"), full_page=True)
            phone_pages = (
                f"/admin/requests/{u.request}",
                "/admin/requests?letter=late",
                "/admin/feeds",
                "/admin/timeline/print?day=2027-01-04&view=week",
                "/admin/timeline?day=2027-01-04",
            )
            for path in phone_pages:
                admin.goto(f"{base}{path}")
                _no_sideways(admin, path)
            admin.goto(f"{base}/admin/requests/PSR-00002")
            admin.screenshot(path=str(ARTIFACTS / "request-actions-phone.png"), full_page=True)

            # an operator signs in on a phone and reads today's agenda
            op = phone.new_page()
            op.set_default_timeout(15_000)
            _sign_in(op, base, "andi")
            expect(op.locator("#agenda")).to_be_visible()
            assert op.locator("#agenda-today tr.ag-event").count() >= 1
            _no_sideways(op, "/me")
            op.screenshot(path=str(ARTIFACTS / "operator-agenda-phone.png"), full_page=True)
            op.set_viewport_size({"width": 1366, "height": 900})
            op.screenshot(path=str(ARTIFACTS / "operator-agenda.png"), full_page=True)
            phone.close()
            desk.close()
        finally:
            browser.close()
    assert (ARTIFACTS / "operator-agenda-phone.png").stat().st_size > 10_000
