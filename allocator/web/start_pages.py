"""A fresh start link for a unit's host person who cannot be Zoom alternative host (issue 18, lent accounts).

A unit that runs its own meeting on one of our hosts needs someone of its own who can start it. When its trained
operator holds a licensed user on the host's Zoom account, they are made alternative host (allocator/lent_hosts.py)
and need nothing from us. When they do not, this page is the only way: signed in with their own unit account
(`vicon users add NAME --role unit --unit-operator UO01`), from `OPENS_BEFORE` before the start until the end of
the meeting (of the occurrence, for a series), they press a button and get the meeting's start link, fetched from
Zoom at that moment (`GET /meetings/{id}`: a host key that Zoom lets live two hours).

The link is never stored, logged or mailed: it goes into that one page's HTML, sent with `Cache-Control:
no-store`, and nowhere else. Every hand-out and every refusal is audited (who, when, which meeting; never the
link). Only that unit's own trained operators and admins get it; docs/units.md says why, and what risk remains.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from allocator.lent_hosts import runs_itself
from allocator.notify.startlinks import StartLinkUnavailable, TenantStartLinks, ZoomStartLinks
from allocator.planner.domain import Assignment, UnitOperator, local, zone_abbrev
from allocator.planner.domain import Request as PlannedRequest
from allocator.planner.explain import when
from allocator.store import start_links as audit_log
from allocator.store.repo import MeetingView, Store
from allocator.web.auth import UNIT, Principal
from allocator.web.i18n import lang_of
from allocator.web.pages import _settings, need_user, render, store_of
from allocator.web.views import PlanIndex
from zoom_client.errors import ZoomError

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)

#: The page hands out a start link from this long before the start until the end.
OPENS_BEFORE = timedelta(minutes=30)
#: What the start-link pages send besides the app's own headers: never kept by a browser, proxy or cache, and
#: no referrer to wherever the host person goes next.
NO_CACHE = {"Cache-Control": "no-store, max-age=0", "Pragma": "no-cache", "Expires": "0",
            "Referrer-Policy": "no-referrer"}  # fmt: skip

WORDS: dict[str, dict[str, str]] = {
    "id": {
        "title": "Tautan mulai rapat unit",
        "list": "Rapat yang dijalankan unit Anda sendiri",
        "none": "Tidak ada rapat mendatang yang dijalankan unit ini sendiri.",
        "when": "Waktu",
        "host": "Akun Zoom",
        "occurrence": "Pertemuan ke-{n}",
        "get": "Tampilkan tautan mulai",
        "start": "Mulai rapat sebagai host",
        "open": "Tautan mulai tersedia sekarang, sampai rapat berakhir.",
        "warn": "Tautan ini membuat siapa pun yang membukanya menjadi host akun Zoom kantor selama ±2 jam. Jangan "
        "diteruskan, disalin ke grup percakapan, atau disimpan; buka sendiri sekarang. Pengambilan tautan ini "
        "dicatat (siapa, kapan, rapat mana).",
        "ok": "Tautan mulai diambil dari Zoom saat ini.",
        "not_yours": "Halaman ini hanya untuk operator terlatih unit pemilik rapat dan admin.",
        "unknown": "Permohonan {ref} tidak dikenal.",
        "not_ready": "Rapat Zoom untuk {ref} belum dibuat atau tidak aktif.",
        "not_unit_run": "Rapat ini dijalankan operator kantor, bukan oleh unit sendiri: tautan mulai tidak "
        "diberikan di sini.",
        "alt_host": "Anda adalah host alternatif rapat ini ({user}): mulailah dari aplikasi Zoom Anda sendiri, "
        "masuk sebagai {user}. Tautan mulai tidak diperlukan.",
        "closed": "Tautan mulai hanya tersedia sejak {minutes} menit sebelum mulai sampai rapat berakhir: "
        "tersedia mulai {opens}.",
        "alt_short": "Anda host alternatif: mulai dari aplikasi Zoom Anda sendiri.",
        "over": "Rapat ini sudah berakhir.",
        "zoom_failed": "Zoom tidak memberikan tautan mulai saat ini; coba lagi sebentar lagi atau hubungi admin.",
        "no_zoom": "Akun Zoom belum dikonfigurasi untuk halaman ini (VICON_ZOOM_CONFIG); hubungi admin.",
    },
    "en": {
        "title": "Unit meeting start link",
        "list": "Meetings your unit runs itself",
        "none": "No upcoming meeting is run by this unit itself.",
        "when": "When",
        "host": "Zoom account",
        "occurrence": "Occurrence {n}",
        "get": "Show the start link",
        "start": "Start the meeting as host",
        "open": "The start link is available now, until the meeting ends.",
        "warn": "This link makes whoever opens it host of the office's Zoom account for about 2 hours. Do not "
        "forward it, paste it into a chat group or save it; open it yourself now. Fetching it is recorded (who, "
        "when, which meeting).",
        "ok": "Start link fetched from Zoom just now.",
        "not_yours": "This page is only for the trained operators of the unit that owns the meeting, and admins.",
        "unknown": "Request {ref} is not known.",
        "not_ready": "The Zoom meeting of {ref} is not created yet or not active.",
        "not_unit_run": "This meeting is run by the office's operator, not by the unit itself: no start link is "
        "given here.",
        "alt_host": "You are alternative host of this meeting ({user}): start it from your own Zoom app, signed "
        "in as {user}. No start link is needed.",
        "closed": "The start link is available only from {minutes} minutes before the start until the meeting "
        "ends: from {opens}.",
        "alt_short": "You are alternative host: start it from your own Zoom app.",
        "over": "This meeting is over.",
        "zoom_failed": "Zoom gave no start link just now; try again shortly or call the admin.",
        "no_zoom": "No Zoom account is configured for this page (VICON_ZOOM_CONFIG); call the admin.",
    },
}


@dataclass(frozen=True)
class Slot:
    """One time the meeting is held: the meeting itself, or one occurrence of a series (`occurrence`)."""

    start: datetime
    end: datetime
    occurrence: int | None = None

    @property
    def opens(self) -> datetime:
        return self.start - OPENS_BEFORE

    def open_at(self, now: datetime) -> bool:
        return self.opens <= now <= self.end


def held_slots(m: MeetingView) -> list[Slot]:
    """When the meeting is held: its time, or each held occurrence's (a cancelled one is not held)."""
    spec = m.spec
    if spec.series is None:
        return [Slot(spec.start, spec.start + timedelta(minutes=spec.duration_min))]
    return [Slot(o.start, o.start + timedelta(minutes=o.duration_min), o.number)
            for o in spec.occurrences if o.start is not None]  # fmt: skip


def slot_for(slots: list[Slot], now: datetime) -> Slot | None:
    """The slot whose window is open now, else the next one not over (None: all over)."""
    ahead = sorted((s for s in slots if s.end >= now), key=lambda s: s.start)
    return next((s for s in ahead if s.open_at(now)), ahead[0] if ahead else None)


@dataclass(frozen=True)
class Verdict:
    """Whether `who` gets the start link of `ref` now; `reason` is the WORDS key that says why not."""

    reason: str
    status: int
    meeting: MeetingView | None = None
    slot: Slot | None = None
    zoom_user: str = ""

    @property
    def ok(self) -> bool:
        return self.reason == "ok"


def decide(
    who: Principal,
    ref: str,
    req: PlannedRequest | None,
    meeting: MeetingView | None,
    assigned: dict[str, Assignment],
    unit_operators: list[UnitOperator],
    now: datetime,
) -> Verdict:
    """Pure: who may have the start link of `ref` now. In this order, so that a stranger learns nothing of the
    meeting: the person (an admin, or a trained operator of the request's own unit), the meeting (created in Zoom,
    not over, run by the unit itself), the person's better way (alternative host), and the window."""
    mine = next((u for u in unit_operators if u.id == who.unit_operator), None) if who.role == UNIT else None
    if not who.is_admin and who.role != UNIT:
        return Verdict("not_yours", 403)
    if req is None:
        return Verdict("unknown", 404) if who.is_admin else Verdict("not_yours", 403)
    if who.role == UNIT and (mine is None or mine.unit != req.unit):
        return Verdict("not_yours", 403)
    if meeting is None or meeting.state != "active" or meeting.zoom_meeting_id is None:
        return Verdict("not_ready", 409)
    slot = slot_for(held_slots(meeting), now)
    if slot is None:
        return Verdict("over", 410, meeting)
    a = assigned.get(f"{ref}:{slot.occurrence}" if slot.occurrence is not None else ref)
    if not runs_itself(req, a):
        return Verdict("not_unit_run", 403, meeting, slot)
    if mine is not None and mine.zoom_user and mine.zoom_account == meeting.account:
        return Verdict("alt_host", 409, meeting, slot, mine.zoom_user)
    if not slot.open_at(now):
        return Verdict("closed", 403, meeting, slot)
    return Verdict("ok", 200, meeting, slot)


def _verdict(store: Store, who: Principal, ref: str) -> tuple[Verdict, PlannedRequest | None]:
    req = store.get_request(ref)
    meeting = store.meeting_for(ref) if req is not None else None
    idx = PlanIndex.of(store)
    return decide(who, ref, req, meeting, idx.assigned, store.unit_operators(), store.now()), req


def start_links_of(request: Request) -> ZoomStartLinks | None:
    """The app's way to Zoom for start links: set by whoever built the app (tests, the demo), else made once from
    `VICON_ZOOM_CONFIG`; None when there is none."""
    found: ZoomStartLinks | None = getattr(request.app.state, "start_links", None)
    if found is not None:
        return found
    path = _settings(request).zoom_config
    if not path or not Path(path).exists():
        return None
    from zoom_client import ZoomTenants, load_config

    made = TenantStartLinks(ZoomTenants(load_config(Path(path))))
    request.app.state.start_links = made
    return made


def _details(v: Verdict, who: Principal, reason: str | None = None) -> dict[str, Any]:
    """What the audit keeps: the meeting and the occurrence, the person's role; never the link."""
    out: dict[str, Any] = {"role": who.role}
    if who.unit_operator:
        out["unit_operator"] = who.unit_operator
    if v.meeting is not None:
        out |= {"zoom_meeting_id": v.meeting.zoom_meeting_id, "account": v.meeting.account, "host": v.meeting.host}
    if v.slot is not None:
        out["start"] = v.slot.start.isoformat()
        if v.slot.occurrence is not None:
            out["occurrence"] = v.slot.occurrence
    if reason is not None:
        out["reason"] = reason
    return out


def _page(
    request: Request, lang: str, who: Principal, ref: str, v: Verdict, req: PlannedRequest | None, *,
    url: str | None = None, reason: str | None = None,
) -> HTMLResponse:  # fmt: skip
    w = WORDS[lang]
    key = reason or v.reason
    opens = ""
    if v.slot is not None and req is not None:
        opens = f"{local(v.slot.opens, req.timezone):%Y-%m-%d %H:%M} {zone_abbrev(req.timezone)}"
    text = w[key].format(ref=ref, user=v.zoom_user, minutes=int(OPENS_BEFORE.total_seconds() // 60), opens=opens)
    shown = v.reason not in ("not_yours", "unknown")
    status = 502 if reason in ("zoom_failed", "no_zoom") else v.status
    resp = render(request, "start.html", lang, status, who=who, w=w, ref=ref, text=text, ok=v.ok and url is not None,
                  can_fetch=v.ok and url is None and reason is None, url=url,
                  title=req.title if req is not None and shown else "",
                  unit=req.unit if req is not None and shown else "",
                  time=when(v.slot.start, v.slot.end, req.timezone, lang) if v.slot and req and shown else "",
                  occurrence=v.slot.occurrence if v.slot and shown else None,
                  host=v.meeting.host if v.meeting is not None and shown else "")  # fmt: skip
    resp.headers.update(NO_CACHE)
    return resp


@router.get("/start", response_class=HTMLResponse)
def my_meetings(request: Request, lang: str = "id") -> HTMLResponse:
    """The meetings the signed-in unit runs itself and that are not over (an admin: every unit's), each with when
    its start link is available. No Zoom call, no link."""
    lang = lang_of(lang)
    who = need_user(request, admin=False, unit_ok=True)
    store = store_of(request)
    now = store.now()
    people = store.unit_operators()
    mine = next((u for u in people if u.id == who.unit_operator), None)
    idx = PlanIndex.of(store)
    rows: list[dict[str, Any]] = []
    if who.is_admin or mine is not None:
        for m in store.meetings(states=["active"], role="event"):
            req = store.get_request(m.request)
            if req is None or (mine is not None and req.unit != mine.unit):
                continue
            v = decide(who, m.request, req, m, idx.assigned, people, now)
            if v.slot is None or v.reason in ("not_unit_run", "over"):
                continue
            time = when(v.slot.start, v.slot.end, req.timezone, lang)
            rows.append({"ref": m.request, "title": req.title, "unit": req.unit, "reason": v.reason, "time": time,
                         "start": v.slot.start})  # fmt: skip
    rows.sort(key=lambda r: r["start"])
    resp = render(request, "start_list.html", lang, who=who, w=WORDS[lang], rows=rows[:100])
    resp.headers.update(NO_CACHE)
    return resp


@router.get("/start/{ref}", response_class=HTMLResponse)
def start_page(request: Request, ref: str, lang: str = "id") -> HTMLResponse:
    """The meeting, when its start link is available, and the button that fetches it (a post: a link preview or
    a prefetch never fetches a host key). No Zoom call, no link."""
    lang = lang_of(lang)
    who = need_user(request, admin=False, unit_ok=True)
    v, req = _verdict(store_of(request), who, ref)
    return _page(request, lang, who, ref, v, req)


@router.post("/start/{ref}", response_class=HTMLResponse)
async def fetch_start_link(request: Request, ref: str, lang: str = "id") -> HTMLResponse:
    """Checks again, then fetches a fresh start link from Zoom and shows it on this page only; audited."""
    lang = lang_of(lang)
    who = need_user(request, admin=False, unit_ok=True)
    store = store_of(request)
    v, req = await run_in_threadpool(_verdict, store, who, ref)
    if not v.ok:
        await run_in_threadpool(audit_log.record, store, who.actor, audit_log.REFUSED, ref, _details(v, who, v.reason))
        return _page(request, lang, who, ref, v, req)
    links = start_links_of(request)
    m = v.meeting
    assert m is not None and m.zoom_meeting_id is not None
    meeting_id = m.zoom_meeting_id
    if links is None:
        await run_in_threadpool(audit_log.record, store, who.actor, audit_log.FAILED, ref, _details(v, who, "no_zoom"))
        return _page(request, lang, who, ref, v, req, reason="no_zoom")
    try:
        url = await run_in_threadpool(links.start_url, m.account, meeting_id)
    except (ZoomError, StartLinkUnavailable) as exc:
        log.warning("start link for %s (meeting %s) not available: %s", ref, meeting_id, type(exc).__name__)
        failed = _details(v, who, type(exc).__name__)
        await run_in_threadpool(audit_log.record, store, who.actor, audit_log.FAILED, ref, failed)
        return _page(request, lang, who, ref, v, req, reason="zoom_failed")
    await run_in_threadpool(audit_log.record, store, who.actor, audit_log.SHOWN, ref, _details(v, who))
    log.info("start link of %s (meeting %s) shown to %s", ref, meeting_id, who.actor)
    return _page(request, lang, who, ref, v, req, url=url)
