"""Password accounts: sign-in with secure cookies, throttling, CSRF tokens on every signed-in form, sign-out and
password change ending old sessions, disabled users, and `vicon users`."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from allocator.commands.main import app as cli
from allocator.store.users import add_user, disable_user, get_user
from allocator.web.accounts import hash_password
from allocator.web.app import create_app
from allocator.web.auth import COOKIE_NAME
from allocator.web.settings import WebSettings
from tests.web.conftest import SAME_ORIGIN, SECRET, Web

PASSWORD = "kopi-tubruk-2027"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """The command-line checks here read vicon's English lines (`--lang` / `VICON_LANG`)."""
    monkeypatch.setenv("VICON_LANG", "en")


@pytest.fixture
def budi(web: Web) -> str:
    add_user(web.store, "budi", "admin", hash_password(PASSWORD), operator=None, actor="test")
    return "budi"


def _login(client: TestClient, name: str, password: str, **kw: str) -> httpx.Response:
    data = {"username": name, "password": password, "next": "/admin/timeline", **kw}
    return client.post("/login", data=data, follow_redirects=False)


def _csrf(client: TestClient, path: str) -> str:
    found = _CSRF.search(client.get(path).text)
    assert found, f"no CSRF field on {path}"
    return found.group(1)


def test_password_sign_in_sets_a_secure_session_cookie(web: Web, budi: str) -> None:
    page = web.client.get("/login")
    assert 'id="username"' in page.text and 'type="password"' in page.text and "Nama pengguna" in page.text
    r = _login(web.client, budi, PASSWORD)
    assert r.status_code == 303 and r.headers["location"] == "/admin/timeline?lang=id"
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "secure" not in cookie
    assert web.client.get("/admin/timeline").status_code == 200
    user = get_user(web.store, budi)
    assert user is not None and user.last_login_at is not None and user.password_hash.startswith("$argon2id$")
    # under https the cookie is Secure
    https = WebSettings(secret=SECRET, base_url="https://vicon.example.go.id", secure_cookies=True)
    with TestClient(create_app(web.store, https), base_url="https://vicon.example.go.id",
                    headers={"origin": "https://vicon.example.go.id"}) as c:  # fmt: skip
        r2 = _login(c, budi, PASSWORD)
        assert r2.status_code == 303 and "secure" in r2.headers["set-cookie"].lower()


def test_wrong_passwords_are_refused_alike_and_throttled(web: Web, budi: str) -> None:
    wrong = _login(web.client, budi, "not-the-password")
    unknown = _login(web.client, "siapa", PASSWORD)
    for r in (wrong, unknown):
        assert r.status_code == 401 and "Nama pengguna atau kata sandi salah." in r.text
        assert COOKIE_NAME not in r.headers.get("set-cookie", "")
    for _ in range(4):
        _login(web.client, budi, "still-wrong-1")
    r = _login(web.client, budi, PASSWORD)  # the right password, but too many failures just before
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    assert "Terlalu banyak percobaan masuk" in r.text
    assert _login(web.client, budi.upper(), PASSWORD).status_code == 429  # the name's case does not reset it


def test_a_cross_site_sign_in_is_refused(web: Web, budi: str) -> None:
    r = web.client.post("/login", data={"username": budi, "password": PASSWORD},
                        headers={"origin": "https://evil.example"}, follow_redirects=False)  # fmt: skip
    assert r.status_code == 403 and COOKIE_NAME not in r.headers.get("set-cookie", "")


def test_every_signed_in_form_needs_this_sessions_csrf_token(web: Web, budi: str) -> None:
    c = web.client
    assert _login(c, budi, PASSWORD).status_code == 303
    token = _csrf(c, "/admin/replan")
    for path in ("/admin/timeline", "/admin/upload", "/form", "/account"):
        assert _csrf(c, path) == token  # every page's forms (sign-out included) carry the same session token
    assert c.post("/admin/replan", follow_redirects=False).status_code == 403
    r = c.post("/admin/replan", data={"csrf": "x" + token[1:]}, follow_redirects=False)
    assert r.status_code == 403 and "formulir ini kedaluwarsa" in r.text
    assert c.post("/logout", follow_redirects=False).status_code == 403  # sign-out too
    r = c.post("/admin/replan", data={"csrf": token}, follow_redirects=False)
    assert r.status_code == 303 and "applied=" in r.headers["location"]
    # the upload form (multipart) carries it in its action URL, checked before the file is read
    upload = c.get("/admin/upload").text
    assert f"/admin/upload?lang=id&amp;csrf={token}" in upload
    files = {"file": ("a.csv", b"unit,judul\n", "text/csv")}
    assert c.post("/admin/upload", files=files).status_code == 403
    assert c.post(f"/admin/upload?csrf={token}", files=files).status_code == 422  # past the guard: no rows


def test_sign_out_and_password_change_end_old_sessions(web: Web, budi: str) -> None:
    c = web.client
    _login(c, budi, PASSWORD)
    old_cookie = c.cookies[COOKIE_NAME]
    r = c.post("/account/password", data={"csrf": _csrf(c, "/account"), "current": "wrong-password!",
                                          "new": "x" * 12, "repeat": "x" * 12})  # fmt: skip
    assert r.status_code == 401 and "Kata sandi sekarang salah." in r.text
    r = c.post("/account/password?lang=en", data={"csrf": _csrf(c, "/account"), "current": PASSWORD,
                                                  "new": "pendek", "repeat": "pendek"})  # fmt: skip
    assert r.status_code == 422 and "at least 10 characters" in r.text
    new = "teh-manis-hangat-99"
    r = c.post("/account/password", data={"csrf": _csrf(c, "/account"), "current": PASSWORD, "new": new,
                                          "repeat": new})  # fmt: skip
    assert r.status_code == 200 and "Kata sandi diganti" in r.text
    assert c.cookies[COOKIE_NAME] != old_cookie and c.get("/admin/timeline").status_code == 200
    stale = TestClient(c.app, headers=SAME_ORIGIN, cookies={COOKIE_NAME: old_cookie})
    assert stale.get("/admin/timeline", follow_redirects=False).status_code == 303  # back to the sign-in page
    assert stale.get("/api/me").status_code == 401
    assert _login(TestClient(c.app, headers=SAME_ORIGIN), budi, PASSWORD).status_code == 401
    # signing out ends this session too, also for a copy of its cookie
    current = c.cookies[COOKIE_NAME]
    assert c.post("/logout", data={"csrf": _csrf(c, "/account")}, follow_redirects=False).status_code == 303
    copy = TestClient(c.app, headers=SAME_ORIGIN, cookies={COOKIE_NAME: current})
    assert copy.get("/admin/timeline", follow_redirects=False).status_code == 303


def test_a_disabled_user_is_signed_out_and_cannot_sign_in(web: Web, budi: str) -> None:
    c = web.client
    _login(c, budi, PASSWORD)
    assert c.get("/admin/timeline").status_code == 200
    disable_user(web.store, budi, actor="test")
    assert c.get("/admin/timeline", follow_redirects=False).status_code == 303
    assert _login(TestClient(c.app, headers=SAME_ORIGIN), budi, PASSWORD).status_code == 401


def test_an_operator_signs_in_to_their_own_page(web: Web) -> None:
    add_user(web.store, "andi", "operator", hash_password(PASSWORD), operator="OP01", actor="test")
    r = _login(web.client, "andi", PASSWORD)
    assert r.headers["location"] == "/me?lang=id"
    assert web.client.get("/me").status_code == 200
    assert web.client.get("/admin/timeline").status_code == 403


def test_vicon_users_commands(db_url: str, web: Web, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VICON_DATABASE_URL", db_url)
    run = CliRunner().invoke
    r = run(cli, ["users", "add", "sari", "--role", "admin", "--password-stdin"], input=PASSWORD + "\n")
    assert r.exit_code == 0, r.output
    r = run(cli, ["users", "add", "sari", "--role", "admin", "--password-stdin"], input=PASSWORD + "\n")
    assert r.exit_code == 2 and "already exists" in r.output
    r = run(cli, ["users", "add", "op", "--role", "operator", "--operator", "OP99", "--password-stdin"],
            input=PASSWORD + "\n")  # fmt: skip
    assert r.exit_code == 2 and "operator: unknown operator 'OP99'" in r.output
    r = run(cli, ["users", "add", "op", "--role", "operator", "--operator", "OP01", "--password-stdin"],
            input="short\n")  # fmt: skip
    assert r.exit_code == 2 and "password:" in r.output and "at least 10" in r.output
    r = run(cli, ["users", "list"])
    assert r.exit_code == 0 and "sari" in r.output and "argon2" not in r.output
    assert _login(web.client, "sari", PASSWORD).status_code == 303
    r = run(cli, ["users", "reset-password", "sari", "--password-stdin"], input="a-new-password-7\n")
    assert r.exit_code == 0 and web.client.get("/admin/timeline", follow_redirects=False).status_code == 303
    assert _login(web.client, "sari", "a-new-password-7").status_code == 303
    r = run(cli, ["users", "disable", "sari"])
    assert r.exit_code == 0 and "no" in run(cli, ["users", "list"]).output
    assert _login(web.client, "sari", "a-new-password-7").status_code == 401
    assert run(cli, ["users", "disable", "nobody"]).exit_code == 2
    audit = web.store.audit_log(entity="user", entity_id="sari")
    assert [e.action for e in audit] == ["user.added", "user.password_set", "user.disabled"]
    assert all("argon2" not in str(e) and "hash" not in str(e) for e in audit)
