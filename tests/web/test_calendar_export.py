"""The calendar's kit loans, the shown period as XLSX and as a printable page, and the subscribable iCal feeds per
host and per operator (secret URL stored hashed, revocable from the web and the CLI, never a start link or key)."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from allocator.commands.main import app as cli
from allocator.notify.planned import kit_loans, planned_times
from allocator.planner.domain import local
from allocator.service import replan
from allocator.store.feeds import digest, feeds
from allocator.store.models import SettingRow
from allocator.web.app import redact
from allocator.web.views import PlanIndex
from tests.web.conftest import Web


@pytest.fixture
def planned(web: Web) -> Web:
    replan(web.store, actor="test", dry_run=False)
    web.sign_in(web.client, web.token())
    return web


def _loan_days(web: Web) -> dict[str, list[str]]:
    """Each kit loan's request, by the local day of its pickup."""
    idx = PlanIndex.of(web.store)
    out: dict[str, list[str]] = {}
    for ref, a in idx.assigned.items():
        r = web.store.get_request(ref)
        assert r is not None
        s, e = planned_times(r, a)
        for k in kit_loans(r, s, e, idx.policy, idx.kit_names):
            out.setdefault(local(k.pickup, idx.policy.timezone).date().isoformat(), []).append(ref)
    return out


def test_kit_loans_are_on_the_calendar(planned: Web) -> None:
    days = _loan_days(planned)
    assert days, "the example lends kits"
    day, refs = sorted(days.items())[0]
    page = planned.client.get(f"/admin/timeline?day={day}").text
    kit_part = page.split("Peralatan</div>")[1]
    for ref in refs:
        assert f'data-ref="{ref}" data-kind="kit"' in kit_part


def test_the_period_as_xlsx_and_printable(planned: Web) -> None:
    c = planned.client
    r = c.get("/admin/timeline.xlsx?day=2027-01-04&view=week")
    assert r.status_code == 200 and "spreadsheetml" in r.headers["content-type"]
    assert 'filename="kalender-2027-01-04-2027-01-10.xlsx"' in r.headers["content-disposition"]
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws is not None
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "Jenis" and rows[0][1].endswith("(WITA)")
    idx = PlanIndex.of(planned.store)
    events = {x[3] for x in rows[1:] if x[0] == "acara"}
    in_week = set()
    for ref, a in idx.assigned.items():
        req = planned.store.get_request(ref)
        assert req is not None
        s, _e = planned_times(req, a)
        if "2027-01-04" <= local(s, idx.policy.timezone).date().isoformat() <= "2027-01-10":
            in_week.add(ref)
    assert events == in_week
    kinds = {x[0] for x in rows[1:]}
    assert {"acara", "gladi bersih", "survei lokasi", "Pinjam alat"} <= kinds
    starts = [x[1] for x in rows[1:]]
    assert starts == sorted(starts)
    one = c.get("/admin/timeline.xlsx?day=2027-01-04&host=H500")
    sheet = load_workbook(io.BytesIO(one.content)).active
    assert sheet is not None
    assert all("H500" in (x[7] or "") or x[0] != "acara" for x in list(sheet.iter_rows(values_only=True))[1:])
    assert c.get("/admin/timeline.xlsx?day=2027-99-01").status_code == 422
    page = c.get("/admin/timeline/print?day=2027-01-04&view=week")
    assert page.status_code == 200 and "@media print" in page.text
    printed = set(re.findall(r'<tr data-ref="([^"]+)" data-kind="event"', page.text))
    assert printed == in_week
    assert c.get("/admin/timeline/print?day=2027-01-04&lang=en").text.count("Back to the calendar") == 1


def test_feeds_are_secret_hashed_revocable_and_carry_no_links(planned: Web, db_url: str,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    from allocator.service import replan as _r  # noqa: F401  (the plan above is published)

    c = planned.client
    page = c.get("/admin/feeds").text
    assert 'id="feed-form"' in page
    r = c.post("/admin/feeds", data={"target": "host:H500"})
    assert r.status_code == 201
    url = re.search(r'id="feed-url">([^<]+)<', r.text)
    assert url and "/feeds/" in url.group(1)
    path = url.group(1).replace("http://testserver", "")
    secret = path.split("/feeds/")[1].removesuffix(".ics")
    with planned.store.transaction() as s:
        stored = s.get(SettingRow, "ical_feeds")
        assert stored is not None and secret not in str(stored.value) and digest(secret) in str(stored.value)
    anon = type(c)(c.app)
    ics = anon.get(path)
    assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
    body = ics.text.replace("\r\n ", "")
    idx = PlanIndex.of(planned.store)
    mine = {ref for ref, a in idx.assigned.items() if a.host == "H500"}
    assert mine and all(f"({ref})" in body for ref in mine)
    others = {
        ref for ref, a in idx.assigned.items() if a.host != "H500" and not (a.rehearsal and a.rehearsal.host == "H500")
    }
    assert not any(f"({ref})" in body for ref in others)
    for m in planned.store.meetings():
        for secret_field in (m.join_url, m.passcode):
            if secret_field:
                assert secret_field not in body
    assert "start" not in body.lower().replace("dtstart", "") and "zoom.us" not in body
    assert redact(f"GET {path} HTTP/1.1") == "GET /feeds/<redacted> HTTP/1.1"
    assert anon.get("/feeds/not-a-secret.ics").status_code == 404
    feed = feeds(planned.store)[0]
    r = c.post(f"/admin/feeds/{feed.id}/revoke", follow_redirects=True)
    assert r.status_code == 200 and "dicabut" in r.text
    assert anon.get(path).status_code == 404
    assert [e.action for e in planned.store.audit_log(entity="ical_feed")] == ["ical_feed.created", "ical_feed.revoked"]
    assert c.post("/admin/feeds", data={"target": "host:NOPE"}).status_code == 422
    # the command line: add prints the URL once, list never shows it, revoke ends it
    monkeypatch.setenv("VICON_DATABASE_URL", db_url)
    run = CliRunner().invoke
    out = run(cli, ["feeds", "add", "operator", "OP01"])
    assert out.exit_code == 0, out.output
    op_path = "/feeds/" + out.output.strip().rsplit("/feeds/", 1)[1]
    assert anon.get(op_path).status_code == 200
    listed = run(cli, ["feeds", "list"])
    assert "operator OP01" in listed.output and op_path.split("/")[-1] not in listed.output
    fid = out.output.split()[1]
    assert run(cli, ["feeds", "revoke", fid]).exit_code == 0
    assert anon.get(op_path).status_code == 404
    assert run(cli, ["feeds", "add", "host", "NOPE"]).exit_code == 2
