"""The start-link page (issue 18, lent accounts): a unit's trained operator who cannot be alternative host signs in
with their own unit account and gets a fresh start link, fetched from Zoom (the sandbox) at that moment, only from
30 minutes before the start to the end; refused to anyone else but admins; audited; never stored, logged or cached."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from allocator.notify.startlinks import StartLinkUnavailable, TenantStartLinks
from allocator.planner.domain import Assignment, Plan, ServiceType, SolverStatus, UnitOperator
from allocator.store import Store
from allocator.store.start_links import FAILED, REFUSED, SHOWN, history
from allocator.store.users import UserError, add_user
from allocator.web.accounts import csrf_token, hash_password
from allocator.web.app import create_app
from allocator.web.auth import COOKIE_NAME, UNIT, TokenError, decode_token, issue_token
from allocator.web.guard import CSRF_HEADER
from allocator.web.settings import WebSettings
from allocator.web.start_pages import OPENS_BEFORE
from tests.store.dbs import plan_of, request
from tests.sync.env import Env, sync_env
from tests.web.conftest import SAME_ORIGIN, SECRET

UNIT_NAME = "Dinas Kominfo"  # the unit of tests.store.dbs requests
PASSWORD = "kata-sandi-unit-123"
ZAK = re.compile(r"zak=[\w-]+")
PEOPLE = [
    UnitOperator(id="U1", unit=UNIT_NAME, name="Staf Tanpa Lisensi"),
    UnitOperator(
        id="U2", unit=UNIT_NAME, name="Staf Berlisensi", zoom_user="h500@kominfo.example.go.id", zoom_account="kominfo"
    ),
    UnitOperator(id="U3", unit="Dinas Lain", name="Staf Unit Lain"),
]


@dataclass
class Site:
    env: Env
    client: TestClient
    settings: WebSettings

    @property
    def store(self) -> Store:
        return self.env.store

    def sign_in(self, name: str) -> None:
        self.client.cookies.clear()
        resp = self.client.post("/login", data={"username": name, "password": PASSWORD}, follow_redirects=False)
        assert resp.status_code == 303, resp.text
        cookie = resp.cookies.get(COOKIE_NAME) or self.client.cookies.get(COOKIE_NAME)
        assert cookie
        self.client.headers[CSRF_HEADER] = csrf_token(self.settings, cookie)

    def fetch(self, ref: str = "LENT") -> Any:
        return self.client.post(f"/start/{ref}?lang=en")


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    with sync_env(f"sqlite:///{tmp_path / 'start.db'}", 0) as env:
        env.store.set_unit_operators(PEOPLE, actor="test")
        start = env.clock() + timedelta(hours=3)
        env.store.save_request(request("LENT", start, hours=2, title="Rapat Unit Sendiri"), actor="test")
        ours = request("OURS", start, hours=1, title="Rapat Dijalankan Kantor", service=ServiceType.LINK_OPERATOR)
        env.store.save_request(ours, actor="test")
        env.publish(plan_of({"LENT": "H100", "OURS": "H300"}))
        env.drain()
        for name, role, who in [("staf", UNIT, "U1"), ("berlisensi", UNIT, "U2"), ("lain", UNIT, "U3")]:
            add_user(env.store, name, role, hash_password(PASSWORD), operator=who, actor="test")
        add_user(env.store, "admin", "admin", hash_password(PASSWORD), operator=None, actor="test")
        settings = WebSettings(secret=SECRET, base_url="http://testserver")
        app = create_app(env.store, settings)
        app.state.start_links = TenantStartLinks(env.tenants)
        with TestClient(app, headers=SAME_ORIGIN) as client:
            yield Site(env, client, settings)


def to_window(site: Site, ref: str = "LENT", after_opening: timedelta = timedelta(minutes=1)) -> None:
    m = site.store.meeting_for(ref)
    assert m is not None
    site.env.clock.t = m.spec.start - OPENS_BEFORE + after_opening


def test_the_units_host_person_gets_a_fresh_expiring_link_only_in_the_window(
    site: Site, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    site.sign_in("staf")
    listed = site.client.get("/start?lang=en")
    assert listed.status_code == 200 and 'data-ref="LENT"' in listed.text and "OURS" not in listed.text
    # Three hours before: the page says when the link becomes available; a post is refused (and audited).
    early = site.client.get("/start/LENT?lang=en")
    assert early.status_code == 403 and "from 30 minutes before the start" in early.text
    assert 'id="fetch"' not in early.text and not ZAK.search(early.text)
    refused = site.fetch()
    assert refused.status_code == 403 and not ZAK.search(refused.text)
    # 29 minutes before the start: the page offers the button, the post fetches the link from Zoom.
    to_window(site)
    page = site.client.get("/start/LENT?lang=en")
    assert page.status_code == 200 and 'id="fetch"' in page.text and not ZAK.search(page.text)
    shown = site.fetch()
    assert shown.status_code == 200, shown.text
    links = ZAK.findall(shown.text)
    assert len(links) == 1  # the link itself, once, and nothing else secret
    url = re.search(r'href="([^"]*zak=[^"]*)"', shown.text)
    assert url is not None
    assert site.env.sandbox.state.start_link_state(url.group(1).replace("&amp;", "&")) == "valid"
    for resp in (listed, page, shown):
        assert "no-store" in resp.headers["cache-control"] and resp.headers["pragma"] == "no-cache"
    assert shown.headers["referrer-policy"] == "no-referrer"
    again = site.fetch()
    assert again.status_code == 200 and ZAK.findall(again.text) != links  # fetched fresh each time
    # The audit says who, when and which meeting; never the link.
    entries = history(site.store, "LENT")
    assert [e.action for e in entries] == [REFUSED, SHOWN, SHOWN]
    meeting = site.store.meeting_for("LENT")
    assert meeting is not None
    assert entries[0].new is not None and entries[0].new["reason"] == "closed"
    assert entries[1].actor == "unit:staf" and entries[1].new is not None
    assert entries[1].new["zoom_meeting_id"] == meeting.zoom_meeting_id and entries[1].new["unit_operator"] == "U1"
    assert entries[1].at == site.env.clock()
    # Never stored, never logged.
    assert b"zak=" not in (tmp_path / "start.db").read_bytes()
    assert "zak=" not in caplog.text and links[0] not in caplog.text
    # The meeting over: refused.
    site.env.clock.t = meeting.spec.start + timedelta(minutes=meeting.spec.duration_min + 1)
    assert site.fetch().status_code == 410


def test_the_sandboxs_start_link_stops_working_after_two_hours(site: Site) -> None:
    site.sign_in("staf")
    to_window(site)
    url = re.search(r'href="([^"]*zak=[^"]*)"', site.fetch().text)
    assert url is not None
    link = url.group(1).replace("&amp;", "&")
    site.env.sandbox.advance_clock(2 * 3600 + 1)
    assert site.env.sandbox.state.start_link_state(link) == "expired"


def test_refused_to_everyone_but_the_units_own_operator_and_admins(site: Site) -> None:
    to_window(site)
    # Another unit's trained operator: refused, learns nothing of the meeting, audited.
    site.sign_in("lain")
    other = site.fetch()
    assert other.status_code == 403 and "Rapat Unit Sendiri" not in other.text and not ZAK.search(other.text)
    assert "Rapat Unit Sendiri" not in site.client.get("/start?lang=en").text
    # Not signed in: to the sign-in page.
    site.client.cookies.clear()
    anon = site.client.post("/start/LENT", follow_redirects=False)
    assert anon.status_code in (303, 403) and "zak=" not in anon.text
    # An office operator's session is not the unit's.
    op_token = issue_token(site.settings, role="operator", name="budi", operator="OP01")
    site.client.cookies.set(COOKIE_NAME, op_token)
    site.client.headers[CSRF_HEADER] = csrf_token(site.settings, op_token)
    assert site.fetch().status_code == 403
    # The unit's licensed user is alternative host: told to start from their own Zoom app, no link.
    site.sign_in("berlisensi")
    alt = site.fetch()
    assert alt.status_code == 409 and "h500@kominfo.example.go.id" in alt.text and not ZAK.search(alt.text)
    # An admin gets it.
    site.sign_in("admin")
    assert ZAK.search(site.fetch().text)
    actions = [(e.actor, e.action, (e.new or {}).get("reason")) for e in history(site.store, "LENT")]
    assert actions == [("unit:lain", REFUSED, "not_yours"), ("operator:budi", REFUSED, "not_yours"),
                       ("unit:berlisensi", REFUSED, "alt_host"), ("admin:admin", SHOWN, None)]  # fmt: skip


def test_no_link_for_a_meeting_the_office_runs(site: Site) -> None:
    site.sign_in("staf")
    to_window(site, "OURS")
    resp = site.fetch("OURS")
    assert resp.status_code == 403 and "run by the office" in resp.text and not ZAK.search(resp.text)


def test_a_self_operated_request_gets_the_link_and_a_series_per_occurrence(site: Site) -> None:
    env = site.env
    # OURS served self-operated in the next plan: the unit runs it, so its operator may start it.
    self_run = Plan(assignments=[Assignment(request="LENT", host="H100"),
                                 Assignment(request="OURS", host="H300", self_operated=True)],
                    status=SolverStatus.OPTIMAL)  # fmt: skip
    env.publish(self_run)
    env.drain()
    site.sign_in("staf")
    to_window(site, "OURS")
    assert site.fetch("OURS").status_code == 200
    # A three-day link-only series: each day's window opens on its own.
    day1 = env.clock().replace(minute=0) + timedelta(days=2)
    env.store.save_request(request("LAT", day1, hours=3, series={"repeat": "daily", "count": 3}), actor="test")
    days = [Assignment(request=f"LAT:{k}", host="H500") for k in (1, 2, 3)]
    env.publish(Plan(assignments=[*self_run.assignments, *days], status=SolverStatus.OPTIMAL))
    env.drain()
    env.clock.t = day1 + timedelta(days=1) - timedelta(minutes=10)
    resp = site.fetch("LAT")
    assert resp.status_code == 200 and "Occurrence 2" in resp.text and ZAK.search(resp.text)
    assert (history(site.store, "LAT")[-1].new or {})["occurrence"] == 2
    env.clock.t = day1 + timedelta(days=1, hours=4)  # between the second and the third day
    assert site.fetch("LAT").status_code == 403


def test_zoom_giving_no_link_is_a_clear_page_and_audited(site: Site) -> None:
    class NoLink:
        def start_url(self, account: str, meeting_id: int) -> str:
            raise StartLinkUnavailable(f"no start link for {meeting_id}")

    site.client.app.state.start_links = NoLink()  # type: ignore[attr-defined]
    site.sign_in("staf")
    to_window(site)
    resp = site.fetch()
    assert resp.status_code == 502 and "Zoom gave no start link" in resp.text
    assert [e.action for e in history(site.store, "LENT")] == [FAILED]


def test_a_unit_session_opens_no_staff_page_and_no_api(site: Site) -> None:
    site.sign_in("staf")
    assert site.client.get("/admin/faults", follow_redirects=False).status_code == 303  # not signed in as staff
    assert site.client.get("/me", follow_redirects=False).status_code == 303
    assert site.client.get("/api/requests").status_code == 401
    assert site.client.get("/account?lang=en").status_code == 200  # its own password
    token = site.client.cookies.get(COOKIE_NAME)
    assert token is not None
    with pytest.raises(TokenError, match="start-link pages"):
        decode_token(site.settings, token)
    assert decode_token(site.settings, token, unit_ok=True).unit_operator == "U1"
    with pytest.raises(ValueError, match="unit_operator"):
        issue_token(site.settings, role=UNIT, name="x", unit_operator="U1")  # an API token for a unit: never


def test_a_unit_account_names_a_known_unit_operator(site: Site) -> None:
    with pytest.raises(UserError, match="unit_operator: unknown unit operator 'U9'"):
        add_user(site.store, "baru", UNIT, hash_password(PASSWORD), operator="U9", actor="test")
    with pytest.raises(UserError, match="unit_operator: a unit account needs"):
        add_user(site.store, "baru", UNIT, hash_password(PASSWORD), operator=None, actor="test")


def test_vicon_users_add_a_unit_account(db_url: str, web: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """`vicon users add NAME --role unit --unit-operator ID` (the example office's RSUD operator); its sign-in
    lands on /start, whatever page it was sent to sign in for."""
    from typer.testing import CliRunner

    from allocator.commands.main import app as cli

    monkeypatch.setenv("VICON_DATABASE_URL", db_url)
    run = CliRunner().invoke
    ok = run(cli, ["users", "add", "dedi", "--role", "unit", "--unit-operator", "UOP-RSUD-1", "--password-stdin"],
             input=PASSWORD + "\n")  # fmt: skip
    assert ok.exit_code == 0, ok.output
    unknown = run(cli, ["users", "add", "x1", "--role", "unit", "--unit-operator", "UOP-9", "--password-stdin"],
                  input=PASSWORD + "\n")  # fmt: skip
    assert unknown.exit_code == 2 and "unit_operator: unknown unit operator 'UOP-9'" in unknown.output
    mixed = run(cli, ["users", "add", "x2", "--role", "admin", "--unit-operator", "UOP-RSUD-1", "--password-stdin"],
                input=PASSWORD + "\n")  # fmt: skip
    assert mixed.exit_code == 2 and "unit_operator" in mixed.output
    signed = web.client.post("/login", data={"username": "dedi", "password": PASSWORD, "next": "/admin/timeline"},
                             follow_redirects=False)  # fmt: skip
    assert signed.status_code == 303 and signed.headers["location"].startswith("/start")
    listed = web.client.get("/start?lang=en")
    assert listed.status_code == 200 and "Meetings your unit runs itself" in listed.text
