"""What an admin does from a request's page: approve or reject it, pin it to a host and operators (checked by the
planner first, so an impossible pin is refused in words and never stored), unpin it, offer one of its alternatives
to the PIC (a mail with every condition and a signed link to accept it), and confirm a pre-emption (a re-plan that
lets it displace the frozen meetings named in the offer, published at once).

Every action is a POST with this session's CSRF token (the guard checks it and the Origin first), is audited, and
shows in the request's history (`activity`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from allocator.error_words import error_words
from allocator.notify.config import NotifyConfig
from allocator.notify.messages import pic_alternative_offer
from allocator.notify.model import Contact, EventInfo, Reason, Slot
from allocator.notify.outbox import Outbox
from allocator.notify.pic_words import conditions, pic_reason
from allocator.notify.timefmt import when_text
from allocator.planner.domain import Pin, RequestStatus, Unserved, occurrences, series_parent
from allocator.planner.domain import Request as VcRequest
from allocator.planner.errors import ViconError
from allocator.planner.explain import when
from allocator.planner.pin_check import pin_refusals, with_series_host
from allocator.service import current_problem, replan
from allocator.store.repo import PublishedPlan, Store, audit
from allocator.validation_words import validation_lines
from allocator.web.i18n import TEXT, lang_of
from allocator.web.offers import offer_token
from allocator.web.pages import message_page, need_user, store_of
from allocator.web.settings import WebSettings

router = APIRouter(include_in_schema=False)
#: The audit actions a request's page lists under its history, besides its versions.
ACTIVITY = ("request.approved_reason", "request.rejected_reason", "request.cancel_reason", "pin.set", "pin.removed",
            "offer.sent", "request.alternative_accepted", "preemption.confirmed")  # fmt: skip


class RecordOnlyMail:
    """The web records mails in the outbox; the daemon (or `vicon notify send`) sends them."""

    def send(self, message: Any) -> None:  # pragma: no cover - never called: the web does not send
        raise RuntimeError("the web app records mails; it does not send them")


def _settings(request: Request) -> WebSettings:
    settings: WebSettings = request.app.state.settings
    return settings


def _done(ref: str, lang: str, what: str) -> RedirectResponse:
    return RedirectResponse(f"/admin/requests/{ref}?lang={lang}&done={what}", 303)


async def _form(request: Request) -> dict[str, Any]:
    form = await request.form()
    return {k: form.getlist(k) if k == "operators" else str(form.get(k) or "") for k in form}


def _request_or_404(request: Request, ref: str, lang: str) -> VcRequest | HTMLResponse:
    r = store_of(request).get_request(ref[:64])
    if r is None:
        return message_page(request, lang, 404, "not_found", TEXT[lang]["no_request"].format(ref=ref[:64]))
    return r


def _pin_target(request: Request, ref: str, lang: str, form: dict[str, Any]) -> VcRequest | HTMLResponse:
    """What a pin form names: a request, or one occurrence of a series — by its ref ('PSR-70:3') or, on the
    series' page, the series' ref and the occurrence's number (`occurrence`)."""
    number = str(form.get("occurrence") or "").strip()
    if number:
        if not number.isdigit():
            text = TEXT[lang]["pin_refused"].format(ref=ref[:64]) + f" occurrence: {number[:8]!r} is not a number"
            return message_page(request, lang, 422, "pin_refused_head", text)
        ref = f"{ref[:54]}:{int(number)}"
    r = store_of(request).get_occurrence(ref[:64])
    if r is None:
        return message_page(request, lang, 404, "not_found", TEXT[lang]["no_request"].format(ref=ref[:64]))
    return r


@router.post("/admin/requests/{ref}/approve", response_model=None)
@router.post("/admin/requests/{ref}/reject", response_model=None)
async def decide(request: Request, ref: str, lang: str = "id") -> Response:
    """Approve or reject (with an optional reason); rejecting an active request retires its Zoom meeting."""
    lang = lang_of(lang)
    who = need_user(request, admin=True)
    r = _request_or_404(request, ref, lang)
    if not isinstance(r, VcRequest):
        return r
    status = RequestStatus.APPROVED if request.url.path.endswith("/approve") else RequestStatus.REJECTED
    if not r.status.active:
        return message_page(request, lang, 409, "error", TEXT[lang]["not_active"].format(ref=r.ref))
    reason = (await _form(request)).get("reason", "").strip()[:500] or None
    store = store_of(request)
    await run_in_threadpool(lambda: store.set_request_status(r.ref, status, actor=who.actor, reason=reason))
    return _done(r.ref, lang, status.value)


@router.post("/admin/requests/{ref}/pin", response_model=None)
async def pin(request: Request, ref: str, lang: str = "id") -> Response:
    """Pin to a host and operators, after the planner has shown the pin can hold on the current problem."""
    lang = lang_of(lang)
    t = TEXT[lang]
    who = need_user(request, admin=True)
    form = await _form(request)
    r = _pin_target(request, ref, lang, form)
    if not isinstance(r, VcRequest):
        return r
    host = str(form.get("host") or "").strip()[:64] or None
    ops = sorted({str(o).strip()[:64] for o in form.get("operators", []) if str(o).strip()})
    store = store_of(request)
    published = store.published_plan()
    start = None
    if r.window_start is not None and published is not None:  # a flexible request holds its planned start
        a = next((a for a in published.plan.assignments if a.request == r.ref), None)
        start = a.start if a is not None else None
    try:
        new = Pin(request=r.ref, host=host, operators=ops, start=start)
    except ValidationError as exc:
        text = t["pin_refused"].format(ref=r.ref) + " " + "; ".join(validation_lines(exc, lang))
        return message_page(request, lang, 422, "pin_refused_head", text)
    problem = await run_in_threadpool(lambda: current_problem(store))
    new = with_series_host(problem, new)  # an occurrence's pin without a host: the series' host
    refusals = await run_in_threadpool(lambda: pin_refusals(problem, new))
    if refusals:
        text = t["pin_refused"].format(ref=r.ref) + " " + "; ".join(x.text(lang) for x in refusals)
        return message_page(request, lang, 422, "pin_refused_head", text)
    await run_in_threadpool(lambda: store.set_pin(new, actor=who.actor))
    return _done(r.occurrence_of or r.ref, lang, "pinned")  # an occurrence is shown on its series' page


@router.post("/admin/requests/{ref}/unpin", response_model=None)
async def unpin(request: Request, ref: str, lang: str = "id") -> Response:
    lang = lang_of(lang)
    who = need_user(request, admin=True)
    r = _pin_target(request, ref, lang, await _form(request))
    if not isinstance(r, VcRequest):
        return r
    store_of(request).remove_pin(r.ref, actor=who.actor)
    return _done(r.occurrence_of or r.ref, lang, "unpinned")


# --- offering an alternative -------------------------------------------------------------------------


def _unserved(published: PublishedPlan | None, ref: str) -> Unserved | None:
    return next((u for u in published.plan.unserved if u.request == ref), None) if published else None


@router.post("/admin/requests/{ref}/offer", response_model=None)
async def offer(request: Request, ref: str, lang: str = "id") -> Response:
    """Mail the PIC one alternative (`alt`: its number on the page) with all its conditions and a link to accept."""
    lang = lang_of(lang)
    t = TEXT[lang]
    who = need_user(request, admin=True)
    r = _request_or_404(request, ref, lang)
    if not isinstance(r, VcRequest):
        return r
    store = store_of(request)
    u = _unserved(store.published_plan(), r.ref)
    form = await _form(request)
    try:
        n = int(form.get("alt", ""))
        a = u.alternatives[n] if u is not None and n >= 0 else None
    except (ValueError, IndexError):
        a = None
    if u is None or a is None or not r.status.active:
        return message_page(request, lang, 422, "error", t["no_such_alternative"].format(ref=r.ref))
    if not r.pic.email:
        return message_page(request, lang, 422, "error", t["pic_no_email"].format(ref=r.ref))
    settings = _settings(request)
    now = store.now()
    url = f"{settings.base_url}/p/offer/{offer_token(settings, r, a)}"
    plang = r.pic.language
    slot = Slot(start=a.start, end=a.end, conditions_id=tuple(conditions(a, r, "id")),
                conditions_en=tuple(conditions(a, r, "en")))  # fmt: skip
    reason = Reason(en=pic_reason(u, r, "en"), id=pic_reason(u, r, "id"))
    pic = Contact(name=r.pic.name, email=r.pic.email, phone=r.pic.phone, language=plang)
    msg = pic_alternative_offer(EventInfo.from_request(r), pic, office=NotifyConfig().office, alternative=slot,
                                accept_url=url, reason=reason, stamp=now)  # fmt: skip
    outbox = Outbox(store, NotifyConfig(), mail=RecordOnlyMail())
    version = f"{a.start.isoformat()}|{a.participants}|{int(bool(a.operators))}"
    await run_in_threadpool(lambda: outbox.record(msg, subject=r.ref, version=version))
    with store.transaction() as s:
        audit(s, at=now, actor=who.actor, action="offer.sent", entity="offer", entity_id=r.ref,
              new={"start": a.start.isoformat(), "end": a.end.isoformat(), "participants": a.participants,
                   "kind": a.kind, "conditions_en": list(slot.conditions_en),
                   "conditions_id": list(slot.conditions_id)})  # fmt: skip
    return _done(r.ref, lang, "offered")


# --- pre-emption -----------------------------------------------------------------------------------


@router.post("/admin/requests/{ref}/preempt", response_model=None)
async def preempt(request: Request, ref: str, lang: str = "id") -> Response:
    """Confirm the published plan's pre-emption offer for this request: re-plan with it confirmed and publish."""
    lang = lang_of(lang)
    who = need_user(request, admin=True)
    r = _request_or_404(request, ref, lang)
    if not isinstance(r, VcRequest):
        return r
    store = store_of(request)
    published = store.published_plan()
    offer_ = next((o for o in published.plan.preemption_offers if o.request == r.ref), None) if published else None
    if offer_ is None:
        return message_page(request, lang, 409, "error", TEXT[lang]["no_preemption"].format(ref=r.ref))
    try:
        out = await run_in_threadpool(lambda: replan(store, actor=who.actor, confirm=[r.ref]))
    except ViconError as exc:
        return message_page(request, lang, 422, "replan", error_words(exc, lang))
    served = any(a.request == r.ref for a in out.plan.assignments)
    with store.transaction() as s:
        audit(s, at=store.now(), actor=who.actor, action="preemption.confirmed", entity="preemption",
              entity_id=r.ref, new={"displaces": list(offer_.displaces), "served": served,
                                    "plan": out.published.plan_id if out.published else None})  # fmt: skip
    return _done(r.ref, lang, "preempted" if served else "preempt_failed")


# --- what the request's page shows ------------------------------------------------------------------


def activity(store: Store, r: VcRequest, lang: str) -> list[dict[str, str]]:
    """The request's audited actions (decisions, pins, offers, acceptances, pre-emptions), oldest first."""
    t = TEXT[lang]
    out = []
    for entity in ("request", "pin", "offer", "preemption"):
        for e in store.audit_log(entity=entity, entity_id=r.ref):
            if e.action not in ACTIVITY:
                continue
            new = e.new or e.old or {}
            detail = ""
            if e.action.startswith("pin."):
                detail = " · ".join(x for x in [str(new.get("host") or ""), ", ".join(new.get("operators") or [])] if x)
            elif "reason" in new:
                detail = str(new["reason"])
            elif e.action in ("offer.sent", "request.alternative_accepted") and "start" in new:
                start, end = datetime.fromisoformat(new["start"]), datetime.fromisoformat(new["end"])
                detail = ", ".join([when(start, end, r.timezone, lang), *new.get("conditions_" + lang, [])])
            elif e.action == "preemption.confirmed":
                detail = ", ".join(new.get("displaces") or [])
            out.append({"at": when_text(e.at, r.timezone, lang), "actor": e.actor,
                        "what": t.get("act_" + e.action.replace(".", "_"), e.action), "detail": detail,
                        "sort": e.at.astimezone(UTC).isoformat()})  # fmt: skip
    out.sort(key=lambda x: x["sort"])
    return out


def series_occurrence_no(ref: str) -> int:
    """3 of 'PSR-70:3'."""
    return int(ref.rpartition(":")[2])


def actions_context(store: Store, r: VcRequest, lang: str) -> dict[str, Any]:
    """What the request's page needs for its action forms."""
    published = store.published_plan()
    pins = store.pins()
    pin_ = next((p for p in pins if p.request == r.ref), None)
    offer_ = next((o for o in published.plan.preemption_offers if o.request == r.ref), None) if published else None
    # A series is pinned one occurrence at a time: the ones it holds, and those pinned now.
    occ = occurrences(r) if r.series is not None and r.occurrence is None else []
    choices = [(o.occurrence or 0, f"{o.occurrence}. {when(o.start, o.end, r.timezone, lang)}") for o in occ]
    return {
        "pin": pin_,
        "occurrences": [c for c, o in zip(choices, occ, strict=True) if o.status.active],
        "occurrence_pins": [(series_occurrence_no(p.request), p) for p in pins if series_parent(p.request) == r.ref],
        "hosts": [h.id for h in store.hosts()],
        "operators": [o.id for o in store.operators()],
        "preemption": (offer_.text if lang == "en" else offer_.text_id) if offer_ else None,
        "activity": activity(store, r, lang),
    }
