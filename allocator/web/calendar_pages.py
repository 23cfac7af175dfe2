"""The admin's calendar page (`/admin/timeline`: a day or a week, with filters) and the page of one request that
each block links to (`/admin/requests/{ref}`: its plan, reason, alternatives and history)."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from allocator.notify.timefmt import when_text
from allocator.planner.domain import zone_abbrev
from allocator.planner.explain import when
from allocator.web.calendar import calendar
from allocator.web.calendar_export import AskedPeriod, shown_period
from allocator.web.desk_actions import actions_context
from allocator.web.i18n import DAYS, TEXT, TIER_COLOURS, lang_of
from allocator.web.pages import message_page, need_user, plan_summary, render, store_of
from allocator.web.views import PlanIndex, request_or_occurrence, request_out, workflow
from allocator.web.working_time import working_time_lines

router = APIRouter(include_in_schema=False)
DONE = ("cancelled", "approved", "rejected", "pinned", "unpinned", "offered", "preempted", "preempt_failed")
_SHORT = 64  # the longest filter value kept (a unit's name, an id)


@router.get("/admin/timeline", response_class=HTMLResponse)
def timeline_page(request: Request, q: AskedPeriod, applied: int | None = None) -> HTMLResponse:
    lang, view, only = q.lang, q.view, q.only
    t = TEXT[lang]
    who = need_user(request, admin=True)
    store = store_of(request)
    zone = store.policy().timezone
    got = shown_period(request, q)
    if isinstance(got, HTMLResponse):
        return got
    chosen, days, idx = got
    cal = calendar(store, days, idx, lang, only)
    unserved = []
    if idx.plan is not None:
        for u in idx.plan.plan.unserved:
            r = request_or_occurrence(store, u.request)
            if r is None or not r.status.active or r.end <= store.now():
                continue
            if r.start >= cal.end or r.end <= cal.start or not only.keeps(r, None):
                continue  # only the period shown (an unserved request has no host or operator to filter by)
            unserved.append({
                "ref": r.ref, "title": r.title, "priority": idx.policy.tier_label(r.priority, lang), "start": r.start,
                "when": when(r.start, r.end, r.timezone, lang), "unit": r.unit,
                "reason": u.reason if lang == "en" else u.reason_id,
                "alternatives": [a.text if lang == "en" else a.text_id for a in u.alternatives],
            })  # fmt: skip
        unserved.sort(key=lambda x: (x["start"], x["ref"]))
    p = idx.plan
    summary = plan_summary(lang, len(p.plan.assignments), len(p.plan.unserved), p.plan.status.value,
                            p.plan.solve_seconds) if p else ""  # fmt: skip
    label = f"{DAYS[lang][days[0].weekday()]} {days[0].isoformat()}"
    if view == "week":
        label += f" – {DAYS[lang][days[-1].weekday()]} {days[-1].isoformat()}"
    step = timedelta(days=7 if view == "week" else 1)
    query = f"&view={view}{only.query()}"
    return render(
        request, "timeline.html", lang, who=who, cal=cal, plan=p, plan_summary=summary, unserved=unserved,
        colours=TIER_COLOURS, zone_abbr=zone_abbrev(zone), day_label=label, view=view, only=only,
        wf=workflow(store, idx, lang, (cal.start, cal.end), only.keeps), day=chosen.isoformat(),
        day_names=[f"{DAYS[lang][d.weekday()]} {d.day:02d}/{d.month:02d}" for d in days],
        prev_day=(chosen - step).isoformat(), next_day=(chosen + step).isoformat(), query=query,
        hosts=store.hosts(), operators=store.operators(), tiers=cal.tiers,
        applied=t["applied"].format(id=applied) if applied and applied > 0 else None,
        extra_query=f"&day={chosen.isoformat()}{query}",
        working_time=working_time_lines(store, idx, days, lang),
    )  # fmt: skip


@router.get("/admin/requests/{ref}", response_class=HTMLResponse, response_model=None)
def request_page(request: Request, ref: str, lang: str = "id", done: str | None = None) -> Response:
    """One request as the admin sees it: what was asked, the plan (host, operators, meeting), or why it is not
    served and the alternatives, its rehearsal, survey and kits, and every version it has had."""
    lang = lang_of(lang)
    who = need_user(request, admin=True)
    store = store_of(request)
    r = store.get_request(ref[:_SHORT])
    occurrence = request_or_occurrence(store, ref[:_SHORT]) if r is None else None
    if occurrence is not None and occurrence.occurrence_of is not None:  # an occurrence is on its series' page
        return RedirectResponse(f"/admin/requests/{occurrence.occurrence_of}?lang={lang}", 303)
    if r is None:
        return message_page(request, lang, 404, "not_found", TEXT[lang]["no_request"].format(ref=ref[:_SHORT]))
    idx = PlanIndex.of(store)
    out = request_out(store, r, idx, with_meeting=True, lang=lang)
    history = [{"version": v.version, "change": v.change, "actor": v.actor,
                "at": when_text(v.at, r.timezone, lang)}
               for v in store.request_history(r.ref)]  # fmt: skip
    done_text = TEXT[lang].get(f"done_{done}") if done in DONE else None
    return render(request, "request.html", lang, who=who, r=out, history=history,
                  tier=idx.policy.tier_label(r.priority, lang), requested=when(r.start, r.end, r.timezone, lang),
                  extra_query="", lang_href=f"/admin/requests/{r.ref}", done=done_text,
                  **actions_context(store, r, lang))  # fmt: skip
