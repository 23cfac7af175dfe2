"""Access rules: forged, expired and wrong-role tokens; PIC links open one request only; operators see host
details of their own assignments only; no endpoint ever returns a host's start link."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from typer.testing import CliRunner

from allocator.commands.main import app as cli_app
from allocator.planner.domain import Assignment
from allocator.service import replan
from allocator.sync import SyncWorker
from allocator.sync.sandbox import fixture_for_hosts
from allocator.web.auth import ACCESS_AUDIENCE, decode_pic_token, issue_pic_token, issue_token
from allocator.web.settings import WebConfigError, WebSettings, check_secret
from tests.web.conftest import SECRET, Web, good_request
from zoom_client import ZoomTenants
from zoom_client.sandbox import run_sandbox

ADMIN_GETS = ["/api/requests", "/api/requests/PSR-00001", "/api/admin/pins", "/api/admin/resources",
              "/api/admin/outbox", "/api/requests/PSR-00001/pic-link"]  # fmt: skip
ADMIN_WRITES = [
    ("post", "/api/admin/replan", {"dry_run": True}),
    ("put", "/api/admin/pins/PSR-00001", {}),
    ("delete", "/api/admin/pins/PSR-00001", None),
    ("post", "/api/requests/PSR-00001/cancel", {}),
]


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _forged_tokens(web: Web) -> dict[str, str]:
    now = datetime.now(UTC)
    claims = {"sub": "eve", "role": "admin", "aud": ACCESS_AUDIENCE, "iat": int(now.timestamp()),
              "exp": int((now + timedelta(hours=1)).timestamp())}  # fmt: skip
    good = web.token()
    head, body, sig = good.split(".")
    return {
        "wrong secret": jwt.encode(claims, "another-secret-of-sufficient-length-0123456789", algorithm="HS256"),
        "alg none": jwt.encode(claims, None, algorithm="none"),  # type: ignore[arg-type]
        "tampered signature": f"{head}.{body}.{sig[:-4]}AAAA",
        "expired": issue_token(web.settings, role="admin", name="budi", now=now - timedelta(hours=13)),
        "no exp": jwt.encode({k: v for k, v in claims.items() if k != "exp"}, SECRET, algorithm="HS256"),
        "bad role": jwt.encode({**claims, "role": "root"}, SECRET, algorithm="HS256"),
        "pic link as bearer": issue_pic_token(web.settings, "PSR-00001", expires=now + timedelta(days=1)),
        "garbage": "not-a-token",
    }


def test_no_forged_or_expired_token_gets_in(web: Web) -> None:
    c = web.client
    for path in ADMIN_GETS:
        assert c.get(path).status_code == 401, path
        for why, token in _forged_tokens(web).items():
            r = c.get(path, headers=_bearer(token))
            assert r.status_code == 401, (path, why)
            assert r.headers["www-authenticate"].startswith("Bearer")
    assert c.get("/api/requests", headers={"Authorization": "Basic YWRtaW46YWRtaW4="}).status_code == 401
    assert c.get("/api/requests", headers=web.auth()).status_code == 200


def test_operators_may_not_use_admin_endpoints(web: Web) -> None:
    op = web.auth("operator", operator="OP01")
    for path in ADMIN_GETS[1:]:
        assert web.client.get(path, headers=op).status_code in (403, 404), path
    for method, path, body in ADMIN_WRITES:
        r = web.client.request(method.upper(), path, json=body, headers=op)
        assert r.status_code == 403, path
    assert web.store.published_plan() is None and web.store.pins() == []
    # an admin token with a priority works, an operator's does not
    r = web.client.post("/api/requests", json=good_request(priority="high"), headers=op)
    assert r.status_code == 403


def test_pic_link_opens_its_own_request_only(web: Web) -> None:
    c = web.client
    a = c.post("/api/requests", json=good_request(ref="REQ-A")).json()
    b = c.post("/api/requests", json=good_request(ref="REQ-B", title="Rapat B")).json()
    token_a = a["pic_url"].rsplit("/", 1)[1]
    token_b = b["pic_url"].rsplit("/", 1)[1]
    assert c.get(f"/api/pic/{token_a}").json()["ref"] == "REQ-A"
    assert c.get(f"/api/pic/{token_b}").json()["ref"] == "REQ-B"
    page = c.get(f"/p/{token_a}")
    assert page.status_code == 200 and "REQ-A" in page.text and "REQ-B" not in page.text and "Rapat B" not in page.text
    # a link cannot be re-pointed: changing the ref in the payload breaks the signature
    head, _payload, sig = token_a.split(".")
    _h, payload_b, _s = token_b.split(".")
    assert c.get(f"/api/pic/{head}.{payload_b}.{sig}").status_code == 401
    assert c.get(f"/p/{head}.{payload_b}.{sig}").status_code == 401
    # PIC links do not open the staff API, and staff tokens are not PIC links
    assert c.get("/api/requests/REQ-B", headers=_bearer(token_a)).status_code == 401
    assert c.get(f"/api/pic/{web.token()}").status_code == 401
    expired = issue_pic_token(web.settings, "REQ-A", expires=datetime.now(UTC) - timedelta(seconds=1))
    assert c.get(f"/api/pic/{expired}").status_code == 401
    assert "kedaluwarsa" in c.get(f"/p/{expired}").text
    assert decode_pic_token(web.settings, token_a) == "REQ-A"


@pytest.fixture
def synced(web: Web):  # type: ignore[no-untyped-def]
    """The example planned, published and synced to the Zoom sandbox: meetings with join links exist."""
    replan(web.store, actor="test")
    sandbox = run_sandbox(fixture_for_hosts(web.store.hosts()), port=0)
    try:
        SyncWorker(web.store, ZoomTenants(sandbox.zoom_config())).run_once()
        yield sandbox
    finally:
        sandbox.stop()


def _start_links(sandbox) -> list[str]:  # type: ignore[no-untyped-def]
    return [m["start_url"] for m in sandbox.state.meetings() if m.get("start_url")]


def test_operator_sees_host_details_of_own_assignments_only(web: Web, synced) -> None:  # type: ignore[no-untyped-def]
    plan = web.store.published_plan()
    assert plan is not None

    def takes_part(a: Assignment) -> bool:  # runs it (and its rehearsal), or surveys its venue
        tasks = [t for t in (a.rehearsal, a.survey) if t is not None]
        return "OP01" in a.operators or any("OP01" in t.operators for t in tasks)

    mine = {a.request for a in plan.plan.assignments if takes_part(a)}
    others = {a.request for a in plan.plan.assignments if not takes_part(a)}
    assert mine and others
    op = web.auth("operator", operator="OP01")
    listed = web.client.get("/api/requests", headers=op).json()
    assert {r["ref"] for r in listed} == mine
    assert all(r["meeting"] is None or r["meeting"]["zoom_user"] for r in listed)
    for ref in sorted(others)[:5]:
        assert web.client.get(f"/api/requests/{ref}", headers=op).status_code == 404
    some = sorted(mine)[0]
    shown = web.client.get(f"/api/requests/{some}", headers=op).json()
    assert shown["ref"] == some
    me = web.client.get("/api/me", headers=op).json()
    assert me["operator"] == "OP01" and {r["ref"] for r in me["assignments"]} == mine


def test_no_endpoint_returns_a_start_link(web: Web, synced) -> None:  # type: ignore[no-untyped-def]
    c = web.client
    starts = _start_links(synced)
    assert starts
    served = web.store.meetings(states=["active"])
    assert served and all(m.join_url for m in served)
    ref = served[0].request
    pic = c.get(f"/api/requests/{ref}/pic-link", headers=web.auth()).json()["url"].replace("http://testserver", "")
    token = pic.rsplit("/", 1)[1]
    pic_json = c.get(f"/api/pic/{token}").json()
    assert pic_json["join_url"] == served[0].join_url and pic_json["passcode"] == served[0].passcode
    responses = [c.get(pic), c.get(f"/api/pic/{token}")]
    for who in (web.auth(), web.auth("operator", operator="OP01")):
        paths = ["/api/requests", f"/api/requests/{ref}", "/api/me", "/api/admin/plan", "/api/admin/outbox"]
        responses += [c.get(p, headers=who) for p in [*paths, "/api/admin/resources"]]
    web.sign_in(c, web.token())
    responses += [c.get("/admin/timeline"), c.get("/me")]
    c.cookies.clear()
    assert any(served[0].join_url in r.text for r in responses)
    for r in responses:
        assert "start_url" not in r.text and "zak=" not in r.text, r.url
        assert not any(s in r.text for s in starts), r.url
        assert not re.search(r"/s/\d+", r.text), r.url
    # the PIC's page shows the join link and passcode, never the host's account
    page = c.get(pic).text
    assert served[0].join_url in page and served[0].zoom_user not in page


def test_weak_secrets_are_refused() -> None:
    for bad in (None, "", "short", "changeme", "changeme" * 4, "a" * 40, "secret-secret-secret-secret-secret"):
        with pytest.raises(WebConfigError):
            check_secret(bad)
    with pytest.raises(WebConfigError, match="VICON_WEB_SECRET is not set"):
        WebSettings.from_env({})
    with pytest.raises(WebConfigError):
        WebSettings(secret="changeme")
    assert WebSettings.from_env({"VICON_WEB_SECRET": SECRET}).secret == SECRET


def test_cli_token_pic_link_and_serve_refusal(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    monkeypatch.delenv("VICON_WEB_SECRET", raising=False)
    refused = runner.invoke(cli_app, ["serve", "--db", db_url, "--port", "0"])
    assert refused.exit_code == 2 and "VICON_WEB_SECRET is not set" in refused.output
    monkeypatch.setenv("VICON_WEB_SECRET", "changeme")
    assert runner.invoke(cli_app, ["serve", "--db", db_url]).exit_code == 2
    assert runner.invoke(cli_app, ["token", "issue", "--role", "admin", "--name", "x"]).exit_code == 2
    monkeypatch.setenv("VICON_WEB_SECRET", SECRET)
    settings = WebSettings(secret=SECRET)
    out = runner.invoke(cli_app, ["token", "issue", "--role", "admin", "--name", "budi", "--hours", "2"])
    assert out.exit_code == 0
    from allocator.web.auth import decode_token

    who = decode_token(settings, out.output.strip())
    assert (who.name, who.role, who.operator) == ("budi", "admin", None)
    claims = jwt.decode(out.output.strip(), SECRET, algorithms=["HS256"], audience=ACCESS_AUDIENCE)
    assert claims["exp"] - claims["iat"] == 7200
    op = runner.invoke(cli_app, ["token", "issue", "--role", "operator", "--name", "andi", "--operator", "OP02",
                                 "--db", db_url])  # fmt: skip
    assert op.exit_code == 0 and decode_token(settings, op.output.strip()).operator == "OP02"
    assert runner.invoke(cli_app, ["token", "issue", "--role", "operator", "--name", "x", "--operator", "NOPE",
                                   "--db", db_url]).exit_code == 2  # fmt: skip
    assert runner.invoke(cli_app, ["token", "issue", "--role", "operator", "--name", "x"]).exit_code == 2
    assert runner.invoke(cli_app, ["token", "issue", "--role", "root", "--name", "x"]).exit_code == 2
    link = runner.invoke(cli_app, ["pic-link", "PSR-00001", "--db", db_url])
    assert link.exit_code == 0 and "/p/" in link.output
    assert decode_pic_token(settings, link.output.strip().rsplit("/", 1)[1]) == "PSR-00001"
    assert runner.invoke(cli_app, ["pic-link", "NOPE", "--db", db_url]).exit_code == 2
