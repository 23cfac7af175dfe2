"""The admin's request desk: every request, searchable and filtered (status, served or not, unit, priority, dates,
the letter's lead time),
each linking to its page, where an active request can be cancelled (its Zoom meeting queued for deletion at once)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from allocator.planner.domain import Request as VcRequest
from allocator.planner.domain import RequestStatus
from allocator.planner.explain import when
from allocator.store.repo import Store
from allocator.web.i18n import TEXT, lang_of
from allocator.web.pages import FIRST_DAY, LAST_DAY, message_page, need_user, render, store_of
from allocator.web.views import PlanIndex

router = APIRouter(include_in_schema=False)
MAX_ROWS = 500
PLAN_STATES = ("served", "unserved", "not_planned")
LETTER_STATES = ("late", "on_time", "none")  # the letter's lead time: flagged late at intake, in time, no letter


def letter_state(r: VcRequest) -> str:
    if "late_letter" in r.flags:
        return "late"
    return "on_time" if r.letter_date is not None else "none"


def accepted_since_plan(store: Store) -> list[dict[str, str]]:
    """Alternatives PICs accepted after the published plan (the next re-plan schedules them)."""
    published = store.published_plan()
    since = published.published_at if published else None
    out = []
    for e in store.audit_log(entity="request"):
        if e.action == "request.alternative_accepted" and (since is None or e.at >= since):
            out.append({"ref": e.entity_id, "actor": e.actor})
    return out


def _day(value: str | None, field: str, lang: str) -> date | None:
    if not value:
        return None
    try:
        d = date.fromisoformat(value)
        if FIRST_DAY <= d <= LAST_DAY:
            return d
    except ValueError:
        pass
    raise ValueError(f"{field}: " + TEXT[lang]["bad_day"].format(day=value, lo=FIRST_DAY, hi=LAST_DAY))


@router.get("/admin/requests", response_class=HTMLResponse)
def desk(
    request: Request,
    lang: str = "id",
    q: str = "",
    status: str = "",
    plan: str = "",
    priority: str = "",
    unit: str = "",
    date_from: str | None = None,
    date_to: str | None = None,
    letter: str = "",
) -> HTMLResponse:
    lang = lang_of(lang)
    t = TEXT[lang]
    who = need_user(request, admin=True)
    store = store_of(request)
    idx = PlanIndex.of(store)
    zone = ZoneInfo(idx.policy.timezone)
    q, unit = q.strip()[:64].casefold(), unit.strip()[:64].casefold()
    checks = (("status", status, [s.value for s in RequestStatus]), ("plan", plan, list(PLAN_STATES)),
              ("priority", priority, list(idx.policy.priority_weights)),
              ("letter", letter, list(LETTER_STATES)))  # fmt: skip
    for name, value, known in checks:
        if value and value not in known:
            text = t["bad_choice"].format(v=value, known=", ".join(known))
            return message_page(request, lang, 422, name, f"{name}: {text}")
    try:
        lo, hi = _day(date_from, "date_from", lang), _day(date_to, "date_to", lang)
    except ValueError as exc:
        return message_page(request, lang, 422, "day", str(exc))
    if lo is None and hi is None and not status:
        lo = store.now().astimezone(zone).date()  # by default: what is still to come
    rows: list[dict[str, Any]] = []
    total = 0
    for r in store.list_requests(
        ends_after=datetime.combine(lo, time.min, zone) if lo else None,
        starts_before=datetime.combine(hi + timedelta(days=1), time.min, zone) if hi else None,
    ):
        state = idx.state(r.ref) if r.status.active else r.status.value
        if (status and r.status.value != status) or (plan and (not r.status.active or state != plan)):
            continue
        if (priority and r.priority != priority) or (unit and unit not in r.unit.casefold()):
            continue
        if letter and letter_state(r) != letter:
            continue
        if q and q not in f"{r.ref} {r.title} {r.unit} {r.pic.name}".casefold():
            continue
        total += 1
        if len(rows) < MAX_ROWS:
            rows.append({"ref": r.ref, "title": r.title, "unit": r.unit, "when": when(r.start, r.end, r.timezone, lang),
                         "tier": idx.policy.tier_label(r.priority, lang), "state": state,
                         "participants": r.participants, "letter": letter_state(r)})  # fmt: skip
    return render(
        request, "desk.html", lang, who=who, rows=rows, total=total, f={"q": q, "status": status, "plan": plan,
        "priority": priority, "unit": unit, "date_from": lo.isoformat() if lo else "",
        "date_to": hi.isoformat() if hi else "", "letter": letter}, letter_states=LETTER_STATES,
        accepted=accepted_since_plan(store), statuses=[s.value for s in RequestStatus], plan_states=PLAN_STATES,
        tiers=[(k, idx.policy.tier_label(k, lang)) for k in idx.policy.priority_weights], max_rows=MAX_ROWS,
    )  # fmt: skip


@router.post("/admin/requests/{ref}/cancel", response_model=None)
async def cancel(request: Request, ref: str, lang: str = "id") -> Response:
    """Cancel an active request (the guard checked the Origin and this session's CSRF token)."""
    lang = lang_of(lang)
    who = need_user(request, admin=True)
    store = store_of(request)
    r = store.get_request(ref[:64])
    if r is None:
        return message_page(request, lang, 404, "not_found", TEXT[lang]["no_request"].format(ref=ref[:64]))
    form = await request.form()
    reason = str(form.get("reason") or "").strip()[:500] or None
    if r.status.active:
        store.cancel_request(r.ref, actor=who.actor, reason=reason)
    return RedirectResponse(f"/admin/requests/{r.ref}?lang={lang}&done=cancelled", 303)
