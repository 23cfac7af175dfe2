"""`vicon demo`'s lent account: a unit's host person without a Zoom licence fetches a fresh start link from the
start-link page `/start/REF` (allocator/web/start_pages.py, docs/units.md) shortly before the start.

Exercised end to end through the web app (FastAPI's test client, in-process, no port): a unit account signs in,
the page refuses the link while the meeting is days away, and 25 minutes before the start the button fetches a
fresh link from the Zoom sandbox. The link is checked against the sandbox (a host key that works) and never
printed, stored or mailed; the audit names who fetched it. Without the web extra the demo says what the page does.
"""

from __future__ import annotations

import re
import secrets
import warnings
from dataclasses import dataclass
from datetime import datetime, timedelta

from rich.console import Console

from allocator.lent_hosts import runs_itself
from allocator.notify.startlinks import TenantStartLinks
from allocator.planner.domain import Request, UnitOperator, local, zone_abbrev
from allocator.store import start_links
from allocator.store.repo import Store
from zoom_client import ZoomTenants
from zoom_client.sandbox import Sandbox

#: The page's window opens this long before the start (allocator.web.start_pages.OPENS_BEFORE, which needs the
#: web extra to import; tests/commands/test_admin.py checks the two agree).
OPENS_MIN = 30
#: When the demo's host person presses the button: inside that window.
BEFORE_START = timedelta(minutes=25)
_LINK = re.compile(r'href="([^"]*zak=[^"]*)"')

WORDS: dict[str, dict[str, str]] = {
    "id": {
        "intro": "  {ref} ({unit}): {name} tidak punya lisensi Zoom, jadi tidak dapat menjadi host alternatif; host "
        "unit mengambil tautan mulai yang segar di /start/{ref} sesaat sebelum mulai (sejak {minutes} menit "
        "sebelumnya, masuk dengan akun unit). Tautan mulai tidak pernah dikirim lewat surel, disimpan, atau "
        "dicetak.",
        "closed": "   sekarang: /start/{ref} menolak ({status}): belum waktunya, tersedia mulai {opens}",
        "shown": "   {at}: tautan mulai segar diambil dari Zoom SANDBOX dan tampil sekali di halaman itu "
        "(HTTP {status}, kunci host {state}; tidak dicetak di sini); audit: {audit}",
        "valid": "berlaku", "invalid": "TIDAK berlaku",
        "noweb": "   (halaman web memerlukan paket tambahan: pip install 'vicon-allocator[web]')",
        "failed": "[red]   /start/{ref}: tautan mulai tidak diberikan (HTTP {status})[/red]",
    },
    "en": {
        "intro": "  {ref} ({unit}): {name} holds no Zoom licence, so cannot be alternative host; the unit's host "
        "person fetches a fresh start link from /start/{ref} shortly before the start (from {minutes} minutes "
        "before, signed in with a unit account). The start link is never mailed, stored or printed.",
        "closed": "   now: /start/{ref} refuses ({status}): not yet, available from {opens}",
        "shown": "   {at}: a fresh start link fetched from the Zoom SANDBOX, shown once on that page (HTTP {status}, "
        "host key {state}; not printed here); audit: {audit}",
        "valid": "valid", "invalid": "NOT valid",
        "noweb": "   (the web page needs the web extra: pip install 'vicon-allocator[web]')",
        "failed": "[red]   /start/{ref}: no start link given (HTTP {status})[/red]",
    },
}  # fmt: skip


@dataclass(frozen=True)
class LentMeeting:
    """A published meeting a unit runs itself on our host, and its trained operator without a Zoom licence."""

    request: Request
    person: UnitOperator
    start: datetime


def lent_meeting(store: Store) -> LentMeeting | None:
    """The first upcoming meeting a unit runs itself whose trained operator is no Zoom user (None: there is none)."""
    published = store.published_plan()
    if published is None:
        return None
    unlicensed = {u.unit: u for u in store.unit_operators() if not u.zoom_user}
    found: list[LentMeeting] = []
    for a in published.plan.assignments:
        req = store.get_request(a.request)
        m = store.meeting_for(a.request)
        if req is None or req.unit not in unlicensed or m is None or m.state != "active" or not runs_itself(req, a):
            continue
        if m.spec.series is None and m.spec.start > store.now():
            found.append(LentMeeting(req, unlicensed[req.unit], m.spec.start))
    return min(found, key=lambda f: f.start) if found else None


def show_start_link(
    store: Store, url: str, tenants: ZoomTenants, sandbox: Sandbox, console: Console, lang: str
) -> bool:
    """Says how the unit's host person starts their meeting, and does it through the web page when the web extra
    is installed; True unless the page failed to hand out a working link in its window."""
    code = "en" if lang == "en" else "id"
    w = WORDS[code]
    lent = lent_meeting(store)
    if lent is None:
        return True
    req = lent.request
    console.print(w["intro"].format(ref=req.ref, unit=req.unit, name=lent.person.name, minutes=OPENS_MIN),
                  highlight=False, soft_wrap=True)  # fmt: skip
    try:
        with warnings.catch_warnings():  # Starlette's note on which HTTP client its test client should use
            warnings.simplefilter("ignore")
            from fastapi.testclient import TestClient

        from allocator.web.accounts import csrf_token, hash_password
        from allocator.web.app import create_app
        from allocator.web.auth import COOKIE_NAME, UNIT
        from allocator.web.guard import CSRF_HEADER
        from allocator.web.settings import WebSettings
        from allocator.web.start_pages import OPENS_BEFORE
    except ImportError:
        console.print(w["noweb"], highlight=False)
        return True
    from allocator.store.users import add_user

    at = [store.now()]
    web_store = Store.open(url, upgrade=False, clock=lambda: at[0])  # the page's own clock, moved below
    try:
        name, password = "unit-" + lent.person.id.lower(), secrets.token_urlsafe(18)
        add_user(web_store, name, UNIT, hash_password(password), operator=lent.person.id, actor="demo")
        settings = WebSettings(secret=secrets.token_urlsafe(48), base_url="http://testserver")
        app = create_app(web_store, settings)
        app.state.start_links = TenantStartLinks(tenants)
        with TestClient(app, headers={"origin": "http://testserver"}) as client:
            signed_in = client.post("/login", data={"username": name, "password": password}, follow_redirects=False)
            cookie = signed_in.cookies.get(COOKIE_NAME) or client.cookies.get(COOKIE_NAME)
            if signed_in.status_code != 303 or not cookie:
                console.print(w["failed"].format(ref=req.ref, status=signed_in.status_code))
                return False
            client.headers[CSRF_HEADER] = csrf_token(settings, cookie)
            early = client.get(f"/start/{req.ref}?lang={code}")
            opens, zone = local(lent.start - OPENS_BEFORE, req.timezone), zone_abbrev(req.timezone)
            opens_at = f"{opens:%Y-%m-%d %H:%M} {zone}"
            console.print(w["closed"].format(ref=req.ref, status=early.status_code, opens=opens_at), highlight=False)
            at[0] = lent.start - BEFORE_START
            shown = client.post(f"/start/{req.ref}?lang={code}")
            found = _LINK.search(shown.text)
            state = sandbox.state.start_link_state(found.group(1).replace("&amp;", "&")) if found else "unknown"
            del found  # the link itself goes nowhere else
        audit = ", ".join(f"{e.action} ({e.actor})" for e in start_links.history(web_store, req.ref))
        local_at = local(at[0], req.timezone)
        console.print(w["shown"].format(at=f"{local_at:%Y-%m-%d %H:%M} {zone}", status=shown.status_code,
                                        state=w["valid" if state == "valid" else "invalid"], audit=audit),
                      highlight=False, soft_wrap=True)  # fmt: skip
        return early.status_code == 403 and shown.status_code == 200 and state == "valid"
    finally:
        web_store.close()
