"""No 5xx for anything a browser or a scanner may send: a crawler follows every link of the main pages (signed out,
as an admin, as an operator, as a PIC), then a list of odd paths, methods and query strings. 404 and 405 are pages
in the visitor's language."""

from __future__ import annotations

import re
from collections import deque
from urllib.parse import urljoin, urlsplit

from fastapi.testclient import TestClient

from allocator.service import replan
from allocator.web.auth import COOKIE_NAME, pic_url
from tests.web.conftest import SAME_ORIGIN, Web

_HREF = re.compile(r'href="([^"#]*)"')
START = [
    "/",
    "/form",
    "/login",
    "/admin/timeline",
    "/admin/replan",
    "/admin/upload",
    "/me",
    "/?lang=en",
    "/admin/requests",
    "/admin/feeds",
    "/admin/timeline?day=2027-01-04&view=week",
]
#: What scanners, old browsers and typing people send.
ODD_PATHS = [
    "/favicon.ico", "/robots.txt", "/apple-touch-icon.png", "/.env", "/.git/config", "/wp-login.php",
    "/cgi-bin/test.cgi", "/index.php?x=1", "/%2e%2e/%2e%2e/etc/passwd", "/admin", "/admin/", "/p/", "/p/abc",
    "/p/%ff%fe", "/api/pic/%ff", "/api/nope", "/api/requests/%00", "/api/requests/..%2f..", "/static/x.css",
    "/form?lang=%ff", "/?lang[]=1", "/form?lang=en&lang=id", "/login?next=%ff", "/login?next=//evil.example",
    "/me?x=%zz", "/admin/timeline?day=xx", "/admin/timeline?day=0001-01-01", "/admin/timeline?day=9999-12-31",
    "/admin/timeline?day=2027-13-45", "/admin/timeline?applied=abc", "/admin/timeline?applied=-1",
    "/admin/replan?lang=%ff", "/admin/upload/zzz/save", "/admin/upload/" + "0" * 64 + "/rejects.xlsx",
    "/api/requests?limit=abc", "/" + "a" * 3000, "/form?" + "x=1&" * 500,
    "/feeds/x", "/feeds/x.ics", "/feeds/" + "a" * 500 + ".ics", "/feeds/%ff.ics", "/p/offer/abc", "/p/offer/%ff",
    "/p/abc/calendar.ics", "/p/abc/calendar.ics?part=%ff", "/admin/requests/NOPE", "/admin/requests?letter=%ff",
    "/admin/timeline.xlsx?day=xx", "/admin/timeline.xlsx?priority=zzz", "/admin/timeline/print?day=2027-13-01",
    "/admin/feeds?lang=%ff", "/admin/requests/PSR-00001?done=%ff",
]  # fmt: skip
ODD_METHODS = ["PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE", "PROPFIND", "POST"]


def _crawl(client: TestClient, starts: list[str], limit: int = 120) -> dict[str, int]:
    """Status of every same-site link reachable from `starts` (breadth first, at most `limit` pages)."""
    seen: dict[str, int] = {}
    todo = deque(starts)
    while todo and len(seen) < limit:
        url = todo.popleft()
        if url in seen:
            continue
        r = client.get(url, follow_redirects=True)
        seen[url] = r.status_code
        if "text/html" not in r.headers.get("content-type", ""):
            continue
        for href in _HREF.findall(r.text):
            target = urljoin(url, href.replace("&amp;", "&"))
            parts = urlsplit(target)
            if (parts.netloc and parts.netloc != "testserver") or target.startswith("data:"):
                continue
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            if path not in seen:
                todo.append(path)
    return seen


def _no_5xx(results: dict[str, int]) -> None:
    broken = {u: s for u, s in results.items() if s >= 500}
    assert not broken, broken


def test_every_link_of_the_main_pages_answers_without_a_server_error(web: Web) -> None:
    replan(web.store, actor="test", dry_run=False)
    client = TestClient(web.client.app, raise_server_exceptions=False, headers=SAME_ORIGIN)
    anonymous = _crawl(client, START)
    _no_5xx(anonymous)
    ref = web.store.list_requests()[0]
    pic = urlsplit(pic_url(web.settings, ref.ref, ref.end, web.store.now())).path
    client.cookies.set(COOKIE_NAME, web.token("admin"))
    admin = _crawl(client, [*START, pic, "/admin/timeline?lang=en"])
    _no_5xx(admin)
    assert len(admin) > 20 and sum(1 for u in admin if u.startswith("/admin/timeline?")) > 3
    client.cookies.set(COOKIE_NAME, web.token("operator", operator="OP01"))
    _no_5xx(_crawl(client, START))


def test_odd_urls_methods_and_bodies_get_no_server_error(web: Web) -> None:
    client = TestClient(web.client.app, raise_server_exceptions=False, headers=SAME_ORIGIN)
    for signed_in in (False, True):
        if signed_in:
            client.cookies.set(COOKIE_NAME, web.token("admin"))
        for path in ODD_PATHS:
            assert client.get(path).status_code < 500, path
        for method in ODD_METHODS:
            for path in ["/", "/form", "/admin/timeline", "/login", "/p/abc", "/api/requests", "/favicon.ico"]:
                assert client.request(method, path).status_code < 500, (method, path)
    posts = [
        ("/form", b"\xff\xfe garbage", "application/x-www-form-urlencoded"),
        ("/form", b"--x\r\n", "multipart/form-data; boundary=x"),
        ("/login", b"username=%ff&password=%00", "application/x-www-form-urlencoded"),
        ("/api/requests", b"{bad", "application/json"),
        ("/admin/replan", b"\x00\x01", "application/octet-stream"),
        ("/admin/requests/PSR-00001/pin", b"host=%ff&operators=%00&operators=", "application/x-www-form-urlencoded"),
        ("/admin/requests/PSR-00001/offer", b"alt=-1", "application/x-www-form-urlencoded"),
        ("/admin/requests/NOPE/approve", b"", "application/x-www-form-urlencoded"),
        ("/admin/feeds", b"target=%ff", "application/x-www-form-urlencoded"),
        ("/admin/feeds/zz/revoke", b"", "application/x-www-form-urlencoded"),
        ("/p/offer/abc", b"\xff", "application/octet-stream"),
    ]
    for path, body, kind in posts:
        assert client.post(path, content=body, headers={"content-type": kind}).status_code < 500, path
    web.sign_in(client, web.token("admin"))  # with the CSRF token too: the routes themselves read the bodies
    for path, body, kind in posts:
        assert client.post(path, content=body, headers={"content-type": kind}).status_code < 500, path


def test_404_and_405_are_pages_in_the_visitors_language(web: Web) -> None:
    r = web.client.get("/tidak-ada")
    assert r.status_code == 404 and "text/html" in r.headers["content-type"]
    assert "Tidak ditemukan" in r.text and "Halaman /tidak-ada tidak ada" in r.text and "Not Found" not in r.text
    r = web.client.get("/favicon.ico?lang=en")
    assert r.status_code == 404 and "There is no page /favicon.ico" in r.text
    assert web.client.get("/api/nope").json()["detail"] == "Not Found"  # the API stays JSON
    r = web.client.put("/form")
    assert r.status_code == 405 and r.headers["allow"] == "GET, POST"
    assert "Cara akses tidak diizinkan" in r.text and "tidak menerima PUT" in r.text
    r = web.client.request("TRACE", "/?lang=en")
    assert r.status_code == 405 and "does not take TRACE" in r.text
    # pages ask for no icon, so browsers do not fetch /favicon.ico on every page
    assert '<link rel="icon" href="data:,">' in web.client.get("/").text


def test_a_calendar_day_out_of_range_is_a_clear_422(web: Web) -> None:
    web.client.cookies.set(COOKIE_NAME, web.token("admin"))
    for day in ("0001-01-01", "9999-12-31", "2027-02-30", "xx"):
        r = web.client.get(f"/admin/timeline?day={day}")
        assert r.status_code == 422 and "TTTT-BB-HH" in r.text, day
