"""Hostile use of the web app: cross-site writes with the sign-in cookie, floods and huge bodies on the anonymous
endpoints, a database that is down, and the headers that keep links out of caches and scripts out of pages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from allocator.store import Store
from allocator.web.app import create_app
from allocator.web.guard import RateLimiter, origin_of, write_origin_ok
from allocator.web.settings import WebConfigError, WebSettings
from tests.web.conftest import SAME_ORIGIN, Web, good_request
from tests.web.test_pages import FORM

EVIL = "http://evil.example"


def _status(web: Web, ref: str) -> str:
    r = web.store.get_request(ref)
    assert r is not None
    return r.status.value


def test_cookie_writes_need_our_own_origin(web: Web) -> None:
    c = web.client
    del c.headers["origin"]  # each case below says what it sends
    web.sign_in(c, web.token())
    for headers in ({"origin": EVIL}, {"origin": "null"}, {"origin": "http://testserver.evil.example"},
                    {"origin": "https://testserver"}, {"origin": ""}, {"referer": f"{EVIL}/x"}):  # fmt: skip
        r = c.post("/api/requests/PSR-00001/cancel", headers=headers)
        assert r.status_code == 403 and "cross-site" in r.json()["detail"], (headers, r.text)
    assert c.post("/api/requests/PSR-00001/cancel").status_code == 403  # neither Origin nor Referer
    assert c.put("/api/admin/pins/PSR-00001", json={"host": "H500", "operators": []}).status_code == 403
    assert c.post("/admin/replan").status_code == 403
    assert _status(web, "PSR-00001") != "cancelled" and web.store.published_plan() is None and not web.store.pins()
    # The same requests from our own pages (Origin, or a Referer when the browser sends no Origin) go through.
    ok = c.post("/api/requests/PSR-00001/cancel", headers={"referer": "http://testserver/admin/timeline"})
    assert ok.status_code == 200 and _status(web, "PSR-00001") == "cancelled"
    applied = c.post("/admin/replan", headers=SAME_ORIGIN, follow_redirects=False)
    assert applied.status_code == 303 and web.store.published_plan() is not None


def test_cookie_form_posts_and_pages_refuse_cross_site_and_null_origins(web: Web) -> None:
    c = web.client
    web.sign_in(c, web.token())
    page = c.post("/admin/replan", headers={"origin": "null"})
    assert page.status_code == 403 and "tidak berasal dari halaman layanan ini" in page.text
    en = c.post("/admin/replan?lang=en", headers={"origin": EVIL})
    assert en.status_code == 403 and "did not come from this service" in en.text
    form = c.post("/form", data={**FORM, "ref": "CSRF-1"}, headers={"origin": EVIL})
    assert form.status_code == 403 and web.store.get_request("CSRF-1") is None
    assert c.post("/logout", headers={"origin": EVIL}).status_code == 403
    assert web.store.published_plan() is None


def test_bearer_scripts_and_anonymous_posts_need_no_origin(web: Web) -> None:
    c = web.client
    del c.headers["origin"]
    r = c.post("/api/requests/PSR-00001/cancel", headers={**web.auth(), "origin": EVIL})
    assert r.status_code == 200 and _status(web, "PSR-00001") == "cancelled"
    filed = c.post("/api/requests", json=good_request(ref="ANON-1"))
    assert filed.status_code == 201
    assert c.post("/form", data={**FORM, "ref": "ANON-2"}).status_code == 201


def test_origin_matching() -> None:
    assert origin_of("https://Vicon.Example.go.id:443/admin") == "https://vicon.example.go.id"
    assert origin_of("http://127.0.0.1:8000/") == "http://127.0.0.1:8000"
    assert origin_of("http://[::1]:8000") == "http://[::1]:8000"
    assert origin_of("null") is None and origin_of("javascript:alert(1)") is None
    assert origin_of("http://x:99999") is None
    base = "https://vicon.example.go.id"
    assert write_origin_ok({"origin": "https://vicon.example.go.id"}, base)
    assert not write_origin_ok({"origin": "http://vicon.example.go.id"}, base)  # another scheme is another origin
    assert not write_origin_ok({"origin": "null", "referer": f"{base}/form"}, base)  # null is never ours
    assert write_origin_ok({"referer": f"{base}/admin/replan"}, base)
    assert not write_origin_ok({}, base)


@pytest.fixture
def limited(store: Store, settings: WebSettings) -> Iterator[Web]:
    tight = WebSettings(secret=settings.secret, base_url=settings.base_url, public_posts_per_minute=3,
                        public_max_body_bytes=4096)  # fmt: skip
    with TestClient(create_app(store, tight), headers=SAME_ORIGIN) as client:
        yield Web(client, store, tight)


def test_anonymous_posts_are_rate_limited_per_address(limited: Web) -> None:
    c = limited.client
    assert c.post("/api/requests", json=good_request(ref="RL-1")).status_code == 201
    assert c.post("/api/requests", json={"unit": ""}).status_code == 422  # a refused post counts as well
    assert c.post("/form", data={**FORM, "ref": "RL-2"}).status_code == 201  # the form shares the address's quota
    flood = c.post("/api/requests", json=good_request(ref="RL-3"))
    assert flood.status_code == 429 and 0 < int(flood.headers["retry-after"]) <= 60
    assert "too many requests" in flood.json()["detail"]
    page = c.post("/form", data={**FORM, "ref": "RL-4"})
    assert page.status_code == 429 and "Terlalu banyak permohonan" in page.text and page.headers["retry-after"]
    assert limited.store.get_request("RL-3") is None and limited.store.get_request("RL-4") is None
    admin = c.post("/api/requests", json=good_request(ref="RL-5"), headers=limited.auth())  # staff: no limit
    assert admin.status_code == 201


def test_rate_limiter_window_and_memory() -> None:
    now = [0.0]
    limiter = RateLimiter(2, max_keys=3, clock=lambda: now[0])
    assert limiter.hit("a") == 0 and limiter.hit("a") == 0
    assert limiter.hit("a") == pytest.approx(60.0)
    now[0] = 30.0
    assert limiter.hit("a") == pytest.approx(30.0)
    now[0] = 60.5
    assert limiter.hit("a") == 0  # the window slid past the first two
    for key in "bcde":
        limiter.hit(key)
    assert len(limiter._hits) == 3  # least recently seen addresses forgotten first


def test_anonymous_bodies_are_size_limited(limited: Web) -> None:
    c = limited.client
    big = good_request(ref="BIG-1", title="x" * 5000)
    r = c.post("/api/requests", json=big)
    assert r.status_code == 413 and "too large" in r.json()["detail"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        yield b'{"ref": "BIG-2", "title": "'
        for _ in range(10):
            yield b"y" * 1000
        yield b'"}'

    streamed = c.post("/api/requests", content=chunks(), headers={"content-type": "application/json"})
    assert streamed.status_code == 413
    page = c.post("/form", data={**FORM, "ref": "BIG-3", "title": "z" * 5000})
    assert page.status_code == 413 and "Permohonan terlalu besar" in page.text
    assert all(limited.store.get_request(f"BIG-{i}") is None for i in (1, 2, 3))


def test_limit_settings_from_the_environment() -> None:
    env = {"VICON_WEB_SECRET": "t3st-Secret-for-the-web-suite-0123456789-abcdefXYZ"}
    s = WebSettings.from_env({**env, "VICON_PUBLIC_POSTS_PER_MINUTE": "0", "VICON_PUBLIC_MAX_BYTES": "32_768"})
    assert s.public_posts_per_minute == 0 and s.public_max_body_bytes == 32768
    default = WebSettings.from_env(env)
    assert default.public_posts_per_minute == 10 and default.public_max_body_bytes == 65536
    with pytest.raises(WebConfigError, match="VICON_PUBLIC_POSTS_PER_MINUTE"):
        WebSettings.from_env({**env, "VICON_PUBLIC_POSTS_PER_MINUTE": "-1"})
    with pytest.raises(WebConfigError, match="VICON_PUBLIC_MAX_BYTES"):
        WebSettings.from_env({**env, "VICON_PUBLIC_MAX_BYTES": "64KB"})


def _down(*_: object, **__: object) -> None:
    raise OperationalError("SELECT 1", {}, Exception("could not connect to server: Connection refused"))


def test_a_database_outage_is_503_not_500(web: Web, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(web.store, "published_plan", _down)
    monkeypatch.setattr(web.store, "list_requests", _down)
    health = web.client.get("/api/healthz")
    assert health.status_code == 503 and health.headers["retry-after"] and "unavailable" in health.json()["detail"]
    listed = web.client.get("/api/requests", headers=web.auth())
    assert listed.status_code == 503 and listed.json()["detail"] == "database unavailable"
    web.sign_in(web.client, web.token())
    page = web.client.get("/admin/timeline")
    assert page.status_code == 503 and "basis data" in page.text


def test_links_are_never_cached_and_pages_run_no_script(web: Web) -> None:
    c = web.client
    for path in ("/api/requests", "/api/requests/PSR-00001", "/api/me", "/api/admin/outbox"):
        r = c.get(path, headers=web.auth())
        assert r.status_code == 200 and r.headers["cache-control"] == "no-store", path
    web.sign_in(c, web.token())
    for path in ("/", "/form", "/login", "/admin/timeline", "/admin/replan", "/admin/upload"):
        r = c.get(path)
        csp = r.headers["content-security-policy"]
        assert r.status_code == 200 and "default-src 'none'" in csp and "frame-ancestors 'none'" in csp, path
        assert "script-src" not in csp and "<script" not in r.text and "cdn" not in r.text.lower(), path
        assert r.headers["referrer-policy"] == "same-origin"
    assert c.get("/admin/timeline").headers["cache-control"] == "no-store"


def test_the_api_document_is_served_without_a_cdn_page(web: Web) -> None:
    assert web.client.get("/api/docs").status_code == 404
    doc = web.client.get("/api/openapi.json")
    assert doc.status_code == 200 and "/api/requests" in doc.json()["paths"]
    templates = Path(__file__).resolve().parents[2] / "allocator" / "web" / "templates"
    assert not [t for t in templates.iterdir() if "<script" in t.read_text() or "//cdn" in t.read_text()]
