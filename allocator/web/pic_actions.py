"""What a PIC does from their signed links: download their own meeting (and its rehearsal) as a calendar file, and
accept an alternative offered to them (`/p/offer/{token}`: a page that states the offer with every condition, then
a POST that records the acceptance as a new version of the request; the audit entry makes the daemon re-plan, and
the admin sees it at the top of the desk). The signed link is the credential: there is no cookie to forge with."""

from __future__ import annotations

import jwt
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from allocator.notify import calendar
from allocator.notify.config import NotifyConfig
from allocator.notify.messages import CALENDAR_KINDS
from allocator.notify.model import Contact, EventInfo, JoinDetails, Slot
from allocator.notify.outbox import Outbox
from allocator.notify.pic_words import conditions
from allocator.notify.planned import planned_times
from allocator.planner.domain import Alternative
from allocator.planner.domain import Request as VcRequest
from allocator.planner.explain import when
from allocator.store.repo import audit
from allocator.web.auth import TokenError, decode_pic_token
from allocator.web.desk_actions import RecordOnlyMail
from allocator.web.i18n import TEXT, lang_of
from allocator.web.offers import Offer, accepted_request, decode_offer
from allocator.web.pages import message_page, render, store_of
from allocator.web.settings import WebSettings

router = APIRouter(include_in_schema=False)


def _settings(request: Request) -> WebSettings:
    settings: WebSettings = request.app.state.settings
    return settings


@router.get("/p/{token}/calendar.ics", response_model=None)
def pic_calendar(request: Request, token: str, part: str = "event", lang: str = "id") -> Response:
    """The PIC's own meeting (or, `?part=rehearsal`, its rehearsal) as an .ics with the join link: the same UID
    as the invites they were mailed, so importing both keeps one entry. Nothing of any other request."""
    lang = lang_of(lang)
    t = TEXT[lang]
    store = store_of(request)
    try:
        ref = decode_pic_token(_settings(request), token)
    except TokenError:
        return message_page(request, lang, 401, "bad_link", t["bad_link"])
    r = store.get_request(ref)
    published = store.published_plan()
    a = next((x for x in published.plan.assignments if x.request == ref), None) if published else None
    if r is None or a is None or not r.status.active:
        return message_page(request, lang, 404, "not_found", t["no_calendar"])
    start, end = planned_times(r, a)
    office = NotifyConfig().office
    pic = Contact(name=r.pic.name, email=r.pic.email, language=r.pic.language)
    sent = Outbox(store, NotifyConfig(), mail=RecordOnlyMail()).records(request=ref, kinds=CALENDAR_KINDS)
    seqs = [int(x.meta["seq"]) for x in sent if x.primary and x.meta.get("seq") is not None]
    sequence = max(seqs, default=0)  # the SEQUENCE of the last invite mailed for this UID
    event = EventInfo.from_request(r).model_copy(update={"start": start, "end": end})
    if part == "rehearsal":
        if a.rehearsal is None:
            return message_page(request, lang, 404, "not_found", t["no_calendar"])
        rm = store.rehearsal_meeting_for(ref) if a.rehearsal.venue is None else None
        slot = Slot(start=a.rehearsal.start, end=a.rehearsal.end, online=a.rehearsal.venue is None,
                    join_url=rm.join_url if rm else None, passcode=rm.passcode if rm else None)  # fmt: skip
        name = "Gladi bersih" if lang == "id" else "Rehearsal"
        ics = calendar.slot_invite(
            slot, uid=calendar.rehearsal_uid(ref), summary=f"{name}: {r.title}", zone=r.timezone, method="REQUEST",
            sequence=sequence, stamp=store.now(), organizer=office, attendee=pic,
            description=(f"{name}: {rm.join_url}" if rm and rm.join_url else name), filename="gladi.ics",
        )  # fmt: skip
    else:
        m = store.meeting_for(ref) if r.needs_host else None
        join = JoinDetails(join_url=m.join_url, passcode=m.passcode, meeting_id=m.zoom_meeting_id) \
            if m and m.join_url else None  # fmt: skip
        text = f"{r.title}\n{join.join_url}" + (f"\n{t['passcode']}: {join.passcode}" if join.passcode else "") \
            if join else r.title  # fmt: skip
        ics = calendar.invite(event, method="REQUEST", sequence=sequence, stamp=store.now(), organizer=office,
                              attendee=pic, join=join, description=text)  # fmt: skip
    return Response(ics.content, media_type="text/calendar; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{ics.filename}"', "Cache-Control": "no-store"})  # fmt: skip


def _offer_or_page(request: Request, token: str, lang: str) -> Offer | HTMLResponse:
    try:
        return decode_offer(_settings(request), token)
    except jwt.InvalidTokenError:
        return message_page(request, lang, 401, "bad_link", TEXT[lang]["bad_link"])


def _offer_words(o: Offer, r: VcRequest, lang: str) -> tuple[str, list[str]]:
    """The offer's time and every condition, worded as the mail and the PIC page word them."""
    alt = Alternative(kind=o.kind, start=o.start, end=o.end, participants=o.participants,
                      operators=["-"] if o.operator else [], text="", text_id="")  # fmt: skip
    return when(o.start, o.end, r.timezone, lang), conditions(alt, r, lang)


@router.get("/p/offer/{token}", response_class=HTMLResponse)
def offer_page(request: Request, token: str, lang: str = "id") -> HTMLResponse:
    """The offer in words with one button; opening the link changes nothing (mail scanners open links)."""
    lang = lang_of(lang)
    o = _offer_or_page(request, token, lang)
    if not isinstance(o, Offer):
        return o
    r = store_of(request).get_request(o.ref)
    if r is None:
        return message_page(request, lang, 404, "not_found", TEXT[lang]["bad_link"])
    span, conds = _offer_words(o, r, lang)
    resp = render(request, "offer.html", lang, who=None, r=r, span=span, conds=conds, token=token,
                  active=r.status.active, asked=when(r.start, r.end, r.timezone, lang), extra_query="")  # fmt: skip
    resp.headers["Cache-Control"] = "no-store"
    return resp


@router.post("/p/offer/{token}", response_class=HTMLResponse)
async def accept_offer(request: Request, token: str, lang: str = "id") -> HTMLResponse:
    """Record the acceptance: a new version of the request with the offered time and conditions (actor
    `pic:<ref>`) and an audit entry; both make the daemon re-plan. Accepting twice changes nothing more."""
    lang = lang_of(lang)
    t = TEXT[lang]
    o = _offer_or_page(request, token, lang)
    if not isinstance(o, Offer):
        return o
    store = store_of(request)
    r = store.get_request(o.ref)
    if r is None or not r.status.active:
        return message_page(request, lang, 409, "error", t["not_active"].format(ref=o.ref))
    new = accepted_request(r, o)
    actor = f"pic:{r.ref}"
    saved = await run_in_threadpool(lambda: store.save_request(new, actor=actor))
    if saved is not None:
        with store.transaction() as s:
            audit(s, at=store.now(), actor=actor, action="request.alternative_accepted", entity="request",
                  entity_id=r.ref, new={"start": o.start.isoformat(), "end": o.end.isoformat(),
                                        "participants": new.participants, "operator": o.operator})  # fmt: skip
    return message_page(request, lang, 200, "offer_accepted_head", t["offer_accepted"])
