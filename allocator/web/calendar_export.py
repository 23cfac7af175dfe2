"""The calendar's shown period (same day, view and filters as `/admin/timeline`) as an XLSX workbook and as a
printable page: every event, rehearsal, survey and kit loan, one line each, at the site's zone."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from allocator.planner.domain import zone_abbrev
from allocator.web.calendar import CalendarFilter, Entry, entries, period
from allocator.web.i18n import DAYS, TEXT, lang_of
from allocator.web.pages import FIRST_DAY, LAST_DAY, message_page, need_user, render, store_of
from allocator.web.views import PlanIndex, first_day_with_requests

router = APIRouter(include_in_schema=False)
_SHORT = 64


def _clean(value: str | None) -> str | None:
    value = (value or "").strip()[:_SHORT]
    return value or None


@dataclass(frozen=True)
class CalendarQuery:
    """What every calendar page is asked for: the language, the day, a day or its week, and the filters."""

    lang: str
    day: str | None
    view: str
    only: CalendarFilter


def calendar_query(
    lang: str = "id",
    day: str | None = None,
    view: str = "day",
    host: str | None = None,
    operator: str | None = None,
    unit: str | None = None,
    priority: str | None = None,
) -> CalendarQuery:
    """The calendar pages' query parameters (a FastAPI dependency), cleaned."""
    only = CalendarFilter(_clean(host), _clean(operator), _clean(unit), _clean(priority))
    return CalendarQuery(lang_of(lang), day, "week" if view == "week" else "day", only)


AskedPeriod = Annotated[CalendarQuery, Depends(calendar_query)]


def shown_period(request: Request, q: CalendarQuery) -> tuple[date, list[date], PlanIndex] | HTMLResponse:
    """The day asked for (else the first with requests), the days shown and the plan; a page naming the bad
    parameter when the day or the priority is not one the calendar knows."""
    t = TEXT[q.lang]
    store = store_of(request)
    try:
        chosen = date.fromisoformat(q.day) if q.day else first_day_with_requests(store, store.policy().timezone)
        if not FIRST_DAY <= chosen <= LAST_DAY:
            raise ValueError(q.day)
    except ValueError:
        text = t["bad_day"].format(day=q.day, lo=FIRST_DAY.isoformat(), hi=LAST_DAY.isoformat())
        return message_page(request, q.lang, 422, "day", f"day: {text}")
    idx = PlanIndex.of(store)
    if q.only.priority and q.only.priority not in idx.policy.priority_weights:
        text = t["bad_choice"].format(v=q.only.priority, known=", ".join(idx.policy.priority_weights))
        return message_page(request, q.lang, 422, "priority", f"priority: {text}")
    return chosen, period(chosen, q.view), idx


def _kind(e: Entry, lang: str) -> str:
    t = TEXT[lang]
    return {"event": t["ag_event"], "rehearsal": t["ag_rehearsal"], "survey": t["ag_survey"],
            "kit": t["kit_loan"]}.get(e.kind, e.kind)  # fmt: skip


def workbook(lines: list[Entry], lang: str, zone: str) -> bytes:
    """One sheet, a header row, one row per line; times as the site's local wall-clock (the zone in the header)."""
    from openpyxl import Workbook

    t = TEXT[lang]
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = t["calendar_sheet"]
    abbr = zone_abbrev(zone)
    ws.append([t["kind"], f"{t['start']} ({abbr})", f"{t['end']} ({abbr})", t["request"], t["title"], t["unit"],
               t["priority"], t["host"], t["operators"], t["where"]])  # fmt: skip
    for e in lines:
        ws.append([_kind(e, lang), e.start.replace(tzinfo=None), e.end.replace(tzinfo=None), e.ref, e.title, e.unit,
                   e.tier, e.hosts, e.operators, e.where])  # fmt: skip
    for col, width in zip("ABCDEFGHIJ", (14, 18, 18, 12, 40, 28, 14, 10, 16, 24), strict=True):
        ws.column_dimensions[col].width = width
    for row in ws.iter_rows(min_row=2, min_col=2, max_col=3):
        for cell in row:
            cell.number_format = "yyyy-mm-dd hh:mm"
    ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@router.get("/admin/timeline.xlsx", response_model=None)
def timeline_xlsx(request: Request, q: AskedPeriod) -> Response:
    need_user(request, admin=True)
    got = shown_period(request, q)
    if isinstance(got, HTMLResponse):
        return got
    _day, days, idx = got
    lines = entries(store_of(request), days, idx, q.lang, q.only)
    name = f"kalender-{days[0].isoformat()}" + (f"-{days[-1].isoformat()}" if len(days) > 1 else "") + ".xlsx"
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
    return Response(workbook(lines, q.lang, idx.policy.timezone), headers=headers,
                    media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")  # fmt: skip


@router.get("/admin/timeline/print", response_class=HTMLResponse)
def timeline_print(request: Request, q: AskedPeriod) -> HTMLResponse:
    """The period as a plain list grouped by day, for paper (no navigation printed)."""
    lang, only = q.lang, q.only
    who = need_user(request, admin=True)
    got = shown_period(request, q)
    if isinstance(got, HTMLResponse):
        return got
    _day, days, idx = got
    lines = entries(store_of(request), days, idx, lang, only)
    groups = [(f"{DAYS[lang][d.weekday()]} {d.isoformat()}", [e for e in lines if e.start.date() == d or
               (e.start.date() < d <= e.end.date() and d == days[0])]) for d in days]  # fmt: skip
    return render(request, "print.html", lang, who=who, groups=groups, kind=lambda e: _kind(e, lang),
                  zone_abbr=zone_abbrev(idx.policy.timezone), only=only,
                  back=f"/admin/timeline?lang={lang}&day={days[0].isoformat()}&view={q.view}{only.query()}",
                  )  # fmt: skip
