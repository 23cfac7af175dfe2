"""Subscribable iCal feeds per host and per operator (`/feeds/<secret>.ics`), made and revoked by an admin on
`/admin/feeds` (or `vicon feeds`). A feed lists that host's or operator's events, rehearsals and surveys from a week
ago on, from the published plan: title, unit, request number, time, venue. Never a start link, a host key, a join
link or a passcode (a calendar app may share the feed further than the office would)."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from icalendar import Calendar, Event

from allocator.notify.calendar import PRODID, part_uid
from allocator.notify.events import upcoming_requests
from allocator.store.feeds import FeedError, create_feed, feed_for_secret, feeds, revoke_feed
from allocator.store.repo import Store
from allocator.web.calendar import spans
from allocator.web.i18n import TEXT, lang_of
from allocator.web.pages import message_page, need_user, render, store_of
from allocator.web.settings import WebSettings
from allocator.web.views import PlanIndex

router = APIRouter(include_in_schema=False)
PAST_DAYS = 7


def feed_ics(store: Store, kind: str, target: str, lang: str = "id") -> str:
    """The feed's calendar: one VEVENT per event, rehearsal or survey of `target`, stable UIDs per part."""
    idx = PlanIndex.of(store)
    since = store.now() - timedelta(days=PAST_DAYS)
    names = {"event": "", "rehearsal": TEXT[lang]["rehearsal"] + ": ", "survey": TEXT[lang]["survey"] + ": "}
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"Vicon {target}")
    for r in upcoming_requests(store, idx.plan.plan if idx.plan else None, since):
        a = idx.assigned.get(r.ref)
        if a is None or not r.status.active:
            continue
        for part, s, e, rows, venue in spans(r, a):
            if (kind, target) not in rows or e < since:
                continue
            ev = Event()
            ev.add("uid", part_uid(r.ref, f"{part}.feed.{kind}.{target}"))
            ev.add("dtstamp", store.now())
            ev.add("dtstart", s)
            ev.add("dtend", e)
            ev.add("summary", f"{names[part]}{r.title} ({r.ref})")
            ev.add("description", f"{r.unit}; {r.ref}")
            place = idx.venue(venue) or (idx.venue(r.venue) if part == "event" else None)
            if place:
                ev.add("location", place)
            cal.add_component(ev)
    return str(cal.to_ical().decode("utf-8"))


@router.get("/feeds/{name}", response_model=None)
def feed(request: Request, name: str) -> Response:
    store = store_of(request)
    secret = name.removesuffix(".ics")
    f = feed_for_secret(store, secret[:128]) if name.endswith(".ics") else None
    if f is None:
        return Response("not found\n", status_code=404, media_type="text/plain")
    return Response(feed_ics(store, f.kind, f.target), media_type="text/calendar; charset=utf-8",
                    headers={"Cache-Control": "no-store"})  # fmt: skip


def _page(request: Request, lang: str, status: int = 200, new_url: str | None = None, error: str | None = None
          ) -> HTMLResponse:  # fmt: skip
    who = need_user(request, admin=True)
    store = store_of(request)
    return render(request, "feeds.html", lang, status, who=who, feeds=feeds(store), new_url=new_url, error=error,
                  hosts=[h.id for h in store.hosts()], operators=[o.id for o in store.operators()])  # fmt: skip


@router.get("/admin/feeds", response_class=HTMLResponse)
def feeds_page(request: Request, lang: str = "id") -> HTMLResponse:
    return _page(request, lang_of(lang))


@router.post("/admin/feeds", response_class=HTMLResponse)
async def feeds_create(request: Request, lang: str = "id") -> HTMLResponse:
    """Make a feed; its URL is shown this once (only the secret's hash is kept)."""
    lang = lang_of(lang)
    who = need_user(request, admin=True)
    form = await request.form()
    target = str(form.get("target") or "")[:64]
    kind, _, target = target.partition(":")
    try:
        _f, secret = create_feed(store_of(request), kind, target, actor=who.actor)
    except FeedError as exc:
        return _page(request, lang, 422, error=str(exc))
    settings: WebSettings = request.app.state.settings
    return _page(request, lang, 201, new_url=f"{settings.base_url}/feeds/{secret}.ics")


@router.post("/admin/feeds/{feed_id}/revoke", response_model=None)
def feeds_revoke(request: Request, feed_id: str, lang: str = "id") -> Response:
    lang = lang_of(lang)
    who = need_user(request, admin=True)
    try:
        revoke_feed(store_of(request), feed_id[:16], actor=who.actor)
    except FeedError:
        return message_page(request, lang, 404, "not_found", TEXT[lang]["no_feed"].format(id=feed_id[:16]))
    return RedirectResponse(f"/admin/feeds?lang={lang}", 303)
