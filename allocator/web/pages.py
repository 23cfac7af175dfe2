"""Server-rendered pages: the request form (public), the PIC status page (its signed link only), the admin
timeline and re-plan preview (admin cookie), an operator's own assignments (operator cookie)."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import jinja2
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException  # the router's 404 and 405 are Starlette's, not FastAPI's
from starlette.routing import Match

from allocator.error_words import error_words
from allocator.notify.events import upcoming_requests
from allocator.planner.domain import expand_series, zone_abbrev
from allocator.planner.errors import ViconError
from allocator.planner.problem_io import validation_messages
from allocator.service import replan
from allocator.store.repo import Store
from allocator.store.users import end_sessions, set_password
from allocator.web.accounts import (
    LoginThrottle,
    PasswordRejected,
    check_new_password,
    csrf_token,
    hash_password,
    session_token,
    verify,
)
from allocator.web.agenda import AgendaLine, operator_agenda
from allocator.web.auth import (
    COOKIE_NAME,
    UNIT,
    Principal,
    TokenError,
    decode_pic_token,
    decode_token,
    pic_url,
    session_valid,
)
from allocator.web.form_errors import localize
from allocator.web.i18n import TEXT, ZONES, lang_of
from allocator.web.offers import offer_token
from allocator.web.replan_view import KINDS, WORDS, preview
from allocator.web.schemas import RequestIn
from allocator.web.settings import WebSettings
from allocator.web.views import (
    InputError,
    PlanIndex,
    assigned_to,
    build_request,
    pic_status,
)

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(Path(__file__).parent / "templates")),
    autoescape=True,
    undefined=jinja2.ChainableUndefined,
)
templates = Jinja2Templates(env=_env)
router = APIRouter(include_in_schema=False)
#: The days a calendar page may show: far enough for any office, near enough that a day ± 1 never overflows.
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)


class LoginRequired(Exception):
    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


class PageDenied(Exception):
    def __init__(self, status: int, heading_key: str, message: str) -> None:
        self.status, self.heading_key, self.message = status, heading_key, message


def store_of(request: Request) -> Store:
    """The app's store, for every page module."""
    store: Store = request.app.state.store
    return store


def _settings(request: Request) -> WebSettings:
    settings: WebSettings = request.app.state.settings
    return settings


def page_principal(request: Request, *, unit_ok: bool = False) -> Principal | None:
    """The signed-in user from the cookie; None when absent, invalid or expired (the page then asks to sign in).
    A unit's session counts only where `unit_ok` (its start-link pages, its password, signing out)."""
    token = request.cookies.get(COOKIE_NAME)
    if not token:
        return None
    try:
        who = decode_token(_settings(request), token, unit_ok=unit_ok)
    except TokenError:
        return None
    return who if session_valid(store_of(request), who) else None


def need_user(request: Request, *, admin: bool, unit_ok: bool = False) -> Principal:
    """The signed-in user, else a sign-in redirect; an admin page answers other roles 403. A unit's session is
    taken only where `unit_ok`; elsewhere it is not signed in as staff."""
    who = page_principal(request, unit_ok=unit_ok)
    if who is None:
        raise LoginRequired(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
    if admin and not who.is_admin:
        raise PageDenied(403, "forbidden", "admin role needed / perlu peran admin")
    return who


def render(request: Request, name: str, lang: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    ctx.setdefault("who", page_principal(request))
    cookie = request.cookies.get(COOKIE_NAME)
    ctx.setdefault("csrf", csrf_token(_settings(request), cookie) if cookie else "")  # also for a stale cookie
    ctx.update(request=request, lang=lang, t=TEXT[lang])
    return templates.TemplateResponse(request, name, ctx, status_code=status)


def message_page(request: Request, lang: str, status: int, heading_key: str, message: str) -> HTMLResponse:
    heading = TEXT[lang].get(heading_key, heading_key)
    return render(request, "message.html", lang, status, heading=heading, message=message, code=status)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, lang: str = "id") -> HTMLResponse:
    return render(request, "home.html", lang_of(lang))


# --- request form ----------------------------------------------------------------------------------


def _blank_form(store: Store) -> dict[str, Any]:
    return {"unit": "", "title": "", "date": "", "start_time": "09:00", "end_time": "11:00",
            "timezone": store.policy().timezone, "participants": "50", "service": "link_operator",
            "operators_needed": "1", "venue": "", "pic_name": "", "pic_email": "",
            "pic_phone": "", "ref": "", "repeat": "none", "count": "", "until": "",
            "series_policy": "all_or_nothing", "duty": ""}  # fmt: skip


@router.get("/form", response_class=HTMLResponse)
def form_page(request: Request, lang: str = "id") -> HTMLResponse:
    return render(request, "form.html", lang_of(lang), v=_blank_form(store_of(request)), errors=[], field_errors={},
                  zones=ZONES)  # fmt: skip


@router.post("/form", response_class=HTMLResponse)
async def form_submit(request: Request, lang: str = "id") -> HTMLResponse:
    lang = lang_of(lang)
    store, settings = store_of(request), _settings(request)
    raw = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    v = _blank_form(store) | {k: raw.get(k, "") for k in _blank_form(store)}
    errors: list[str] = []
    for name in ("date", "start_time", "end_time"):
        if not v[name].strip():
            errors.append(f"{name}: required")
    data: dict[str, Any] = {
        "ref": v["ref"].strip() or None, "unit": v["unit"], "title": v["title"],
        "pic": {"name": v["pic_name"], "email": v["pic_email"].strip() or None,
                "phone": v["pic_phone"].strip() or None, "language": lang},
        "start": f"{v['date']}T{v['start_time']}", "end": f"{v['date']}T{v['end_time']}",
        "timezone": v["timezone"], "participants": v["participants"], "service": v["service"],
        "operators_needed": v["operators_needed"] or 1, "venue": v["venue"].strip() or None,
        "duty": v["duty"] == "1",
    }  # fmt: skip
    if v["repeat"] in ("daily", "weekly", "monthly"):  # a series: one Zoom meeting with one link for every occurrence
        data["series"] = {"repeat": v["repeat"], "count": v["count"].strip() or None,
                          "until": v["until"].strip() or None,
                          "policy": v["series_policy"] or "all_or_nothing"}  # fmt: skip
    who = page_principal(request)
    req = None
    if not errors:
        try:
            body = RequestIn.model_validate(data)
            req = await run_in_threadpool(build_request, store, body, who)
            if store.get_request(req.ref) is not None:
                errors.append(f"ref: request {req.ref!r} already exists")
        except ValidationError as exc:
            errors.extend(validation_messages(exc))  # worded per field in the page's language below
        except InputError as exc:
            errors.extend(exc.errors)
    if errors or req is None:
        listed, by_field = localize(errors, lang)
        return render(request, "form.html", lang, 422, v=v, errors=listed, field_errors=by_field, zones=ZONES)
    await run_in_threadpool(store.save_request, req, actor=who.actor if who else f"web:{req.pic.name}")
    url = pic_url(settings, req.ref, req.last_end, store.now())
    path = urlsplit(url).path + f"?lang={lang}"
    return render(request, "submitted.html", lang, 201, ref=req.ref, pic_url=url, pic_path=path)


# --- PIC page --------------------------------------------------------------------------------------


@router.get("/p/{token}", response_class=HTMLResponse)
def pic_page(request: Request, token: str, lang: str = "id") -> HTMLResponse:
    lang = lang_of(lang)
    store = store_of(request)
    try:
        ref = decode_pic_token(_settings(request), token)
    except TokenError:
        return message_page(request, lang, 401, "bad_link", TEXT[lang]["bad_link"])
    r = store.get_request(ref)
    if r is None:
        return message_page(request, lang, 404, "not_found", TEXT[lang]["bad_link"])
    idx = PlanIndex.of(store)
    s = pic_status(store, r, idx, lang)
    u = idx.unserved.get(r.ref)
    offers = [offer_token(_settings(request), r, a) for a in u.alternatives] \
        if u is not None and r.status.active else []  # fmt: skip
    a = idx.assigned.get(r.ref)
    resp = render(request, "pic.html", lang, s=s, needs_host=r.needs_host, who=None, extra_query="", token=token,
                  offers=offers, has_rehearsal=a is not None and a.rehearsal is not None,
                  fault_action=f"/p/{token}/fault?lang={lang}")  # fmt: skip
    resp.headers["Cache-Control"] = "no-store"
    return resp


# --- sign in ---------------------------------------------------------------------------------------


def _safe_next(value: str | None) -> str:
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/admin/timeline"


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, lang: str = "id", next: str | None = None) -> HTMLResponse:
    return render(request, "login.html", lang_of(lang), next=_safe_next(next), error=None, username="")


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _signed_in(request: Request, who: Principal, token: str, nxt: str, lang: str) -> RedirectResponse:
    if who.role == UNIT and not nxt.startswith(("/start", "/account")):
        nxt = "/start"  # a unit's session opens nothing else
    elif not who.is_admin and nxt.startswith("/admin"):
        nxt = "/me"
    resp = RedirectResponse(nxt if "lang=" in nxt else nxt + ("&" if "?" in nxt else "?") + f"lang={lang}", 303)
    set_session_cookie(request, resp, token)
    return resp


def set_session_cookie(request: Request, resp: Response, token: str) -> None:
    """HttpOnly (no script reads it), SameSite=Strict (no other site's page sends it), Secure under https."""
    resp.set_cookie(COOKIE_NAME, token, httponly=True, samesite="strict", secure=_settings(request).secure_cookies,
                    path="/")  # fmt: skip


@router.post("/login", response_model=None)
async def login_submit(request: Request, lang: str = "id") -> Response:
    """A user name and password (or, for scripts and tests, an API token). Failed sign-ins are throttled per user
    name and per address (429 with Retry-After); a cross-site sign-in never gets here (guard)."""
    lang = lang_of(lang)
    t = TEXT[lang]
    form = await request.form()
    nxt = _safe_next(str(form.get("next") or ""))
    token = str(form.get("token") or "").strip()
    if token:
        try:
            who = decode_token(_settings(request), token)
        except TokenError as exc:
            return render(request, "login.html", lang, 401, next=nxt, error=str(exc), who=None, username="")
        return _signed_in(request, who, token, nxt, lang)
    name = str(form.get("username") or "").strip()
    password = str(form.get("password") or "")
    throttle: LoginThrottle = request.app.state.login_throttle
    wait = throttle.wait(name, _client(request))
    if wait > 0:
        secs = str(math.ceil(wait))
        resp = render(request, "login.html", lang, 429, next=nxt, error=t["login_throttled"].format(secs=secs),
                      who=None, username=name)  # fmt: skip
        resp.headers["Retry-After"] = secs
        return resp
    user = await run_in_threadpool(verify, store_of(request), name, password)
    if user is None:
        throttle.failed(name, _client(request))
        return render(request, "login.html", lang, 401, next=nxt, error=t["login_failed"], who=None, username=name)
    if user.role == UNIT:
        who = Principal(user.name, UNIT, None, user.session, unit_operator=user.operator)
    else:
        who = Principal(user.name, "admin" if user.role == "admin" else "operator", user.operator, user.session)
    return _signed_in(request, who, session_token(_settings(request), user), nxt, lang)


@router.post("/logout")
def logout(request: Request) -> RedirectResponse:
    """Ends the session: the cookie goes, and a password session's number moves on, so a copy of the cookie is
    worthless too (this signs the user out on every device)."""
    who = page_principal(request, unit_ok=True)
    if who is not None and who.session is not None:
        end_sessions(store_of(request), who.name, actor=who.actor)
    resp = RedirectResponse("/", 303)
    resp.delete_cookie(COOKIE_NAME, path="/")
    return resp


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request, lang: str = "id") -> HTMLResponse:
    lang = lang_of(lang)
    who = need_user(request, admin=False, unit_ok=True)
    return render(request, "account.html", lang, who=who, error=None, done=None)


@router.post("/account/password", response_model=None)
async def change_password(request: Request, lang: str = "id") -> Response:
    """The current password once more (throttled like a sign-in), then the new one twice; the other sessions end
    and this one continues with a new cookie."""
    lang = lang_of(lang)
    t = TEXT[lang]
    who = need_user(request, admin=False, unit_ok=True)
    if who.session is None:
        return render(request, "account.html", lang, 400, who=who, error=t["token_session"], done=None)
    form = await request.form()
    current, new = str(form.get("current") or ""), str(form.get("new") or "")
    throttle: LoginThrottle = request.app.state.login_throttle
    wait = throttle.wait(who.name, _client(request))
    if wait > 0:
        error = t["login_throttled"].format(secs=math.ceil(wait))
        return render(request, "account.html", lang, 429, who=who, error=error, done=None)
    store = store_of(request)
    if await run_in_threadpool(verify, store, who.name, current) is None:
        throttle.failed(who.name, _client(request))
        return render(request, "account.html", lang, 401, who=who, error=t["wrong_password"], done=None)
    try:
        check_new_password(who.name, new, str(form.get("repeat") or ""))
    except PasswordRejected as exc:
        return render(request, "account.html", lang, 422, who=who, error=t[exc.key], done=None)
    user = await run_in_threadpool(lambda: set_password(store, who.name, hash_password(new), actor=who.actor))
    token = session_token(_settings(request), user)
    resp = render(request, "account.html", lang, who=who, error=None, done=t["password_changed"],
                  csrf=csrf_token(_settings(request), token))  # fmt: skip
    set_session_cookie(request, resp, token)
    return resp


# --- operator --------------------------------------------------------------------------------------


@router.get("/me", response_class=HTMLResponse)
def my_page(request: Request, lang: str = "id") -> HTMLResponse:
    from allocator.web.views import request_out

    lang = lang_of(lang)
    who = need_user(request, admin=False)
    store = store_of(request)
    idx = PlanIndex.of(store)
    items = []
    today: date | None = None
    todays: list[AgendaLine] = []
    week: list[AgendaLine] = []
    if who.operator:
        # a series as its occurrences still to come: each has its own time and crew
        now = store.now()
        upcoming = [r for r in expand_series(upcoming_requests(store, idx.plan.plan if idx.plan else None, now))
                    if r.occurrence_of is None or r.end > now]  # fmt: skip
        for r in upcoming:
            role = assigned_to(idx.assigned.get(r.ref), who.operator)
            if role and r.status.active:
                items.append(request_out(store, r, idx, with_meeting=role == "event", lang=lang))
        today, todays, week = operator_agenda(upcoming, idx, who.operator, store.now(), lang)
    return render(request, "me.html", lang, who=who, items=items, today=today, todays=todays, week=week,
                  zone_abbr=zone_abbrev(idx.policy.timezone))  # fmt: skip


# --- admin -----------------------------------------------------------------------------------------


def plan_summary(lang: str, served: int, unserved: int, status: str, secs: float) -> str:
    return TEXT[lang]["summary"].format(served=served, unserved=unserved, status=status, secs=f"{secs:.2f}")


@router.get("/admin/replan", response_class=HTMLResponse)
async def replan_preview(request: Request, lang: str = "id") -> HTMLResponse:
    lang = lang_of(lang)
    who = need_user(request, admin=True)
    store = store_of(request)
    published = store.published_plan()
    try:
        out = await run_in_threadpool(lambda: replan(store, actor=who.actor, dry_run=True))
    except ViconError as exc:
        return message_page(request, lang, 422, "replan", error_words(exc, lang))
    items = preview(out, published, store.policy(), lang)
    counts = out.published.counts() if out.published else {}
    t = TEXT[lang]
    return render(
        request, "replan.html", lang, who=who, items=items, kinds=KINDS, words=WORDS[lang], notes=out.notes_in(lang),
        summary=plan_summary(lang, len(out.plan.assignments), len(out.plan.unserved), out.plan.status.value,
                             out.plan.solve_seconds),
        actions=", ".join(f"{n} × {t['zoom_' + k]}" for k, n in counts.items() if n),
    )  # fmt: skip


@router.post("/admin/replan", response_model=None)
async def replan_apply(request: Request, lang: str = "id") -> Response:
    lang = lang_of(lang)
    who = need_user(request, admin=True)  # a cross-site post never gets here (guard.CookieWriteOrigin)
    store = store_of(request)
    try:
        out = await run_in_threadpool(lambda: replan(store, actor=who.actor, dry_run=False))
    except ViconError as exc:
        return message_page(request, lang, 422, "replan", error_words(exc, lang))
    plan_id = out.published.plan_id if out.published else 0
    return RedirectResponse(f"/admin/timeline?lang={lang}&applied={plan_id}", 303)


def allowed_methods(request: Request) -> str:
    """Every method some route takes at this path (Starlette's 405 names only the first route's)."""
    methods: set[str] = set()

    def walk(routes: list[Any]) -> None:
        for route in routes:
            inner = getattr(getattr(route, "original_router", route), "routes", None)  # an included router
            if inner is not None and inner is not routes:
                walk(list(inner))
            elif getattr(route, "methods", None) and route.matches(request.scope)[0] != Match.NONE:
                methods.update(route.methods)

    walk(list(request.app.routes))
    return ", ".join(sorted(methods))


def page_error(request: Request, exc: Exception) -> Response:
    """Sign-in redirects and refusals as pages in the visitor's language: a 404 names the path, a 405 the methods
    the address takes (and keeps the `Allow` header); never the framework's English."""
    lang = lang_of(request.query_params.get("lang"))
    if isinstance(exc, LoginRequired):
        return RedirectResponse(f"/login?lang={lang}&next={quote(exc.next_path, safe='')}", 303)
    if isinstance(exc, PageDenied):
        return message_page(request, lang, exc.status, exc.heading_key, exc.message)
    if isinstance(exc, HTTPException):
        t, code = TEXT[lang], exc.status_code
        headers = dict(exc.headers or {})
        if code == 404:
            page = message_page(request, lang, 404, "not_found", t["not_found_text"].format(path=request.url.path))
        elif code == 405:
            headers["Allow"] = allow = allowed_methods(request) or headers.get("Allow", "GET")
            text = t["method_text"].format(method=request.method, allow=allow)
            page = message_page(request, lang, 405, "method_not_allowed", text)
        else:
            heading = "forbidden" if code in (401, 403) else "error"
            page = message_page(request, lang, code, heading, str(exc.detail))
        page.headers.update(headers)
        return page
    raise exc
