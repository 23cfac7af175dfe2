"""Kit faults on the pages: a PIC reports a problem with the kits lent for their request on its signed page (a
series' PIC says in which occurrence); an operator or admin reports one (a request, or a series' occurrence as
'REF:k' or with its number), and the admin sees the open faults and records repairs, at `/admin/faults`.

Every report and repair re-plans at once (allocator/kit_fault_service.py): the kits are out of service until
repaired, a request that loses them is moved or unserved and its PIC is told by the plan-change mail.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from allocator.kit_fault_service import repair_and_replan, report_and_replan
from allocator.planner.errors import ViconError
from allocator.store.kit_faults import CAUSES, list_faults
from allocator.web.auth import TokenError, decode_pic_token
from allocator.web.i18n import TEXT, lang_of
from allocator.web.pages import _settings, message_page, need_user, render, store_of

router = APIRouter(include_in_schema=False)

WORDS: dict[str, dict[str, str]] = {
    "id": {
        "title": "Gangguan kit peralatan",
        "report": "Laporkan gangguan kit",
        "kit": "Jenis kit",
        "count": "Jumlah",
        "cause": "Penyebab",
        "description": "Uraian masalah",
        "request": "Nomor permohonan (opsional)",
        "occurrence": "Pertemuan ke- (seri, opsional)",
        "send": "Kirim laporan",
        "device": "Kerusakan perangkat (tanggung jawab kantor)",
        "handling": "Kerusakan karena penggunaan (tanggung jawab unit)",
        "unknown": "Belum diketahui",
        "open": "Gangguan terbuka",
        "none": "Tidak ada gangguan kit yang terbuka.",
        "repair": "Catat sudah diperbaiki",
        "note": "Catatan perbaikan",
        "reported_by": "Dilaporkan oleh",
        "thanks": "Laporan gangguan #{id} diterima: {kit} ×{count} tidak dipakai sampai diperbaiki. "
        "Jadwal telah disusun ulang; bila permohonan terdampak, PIC-nya diberi tahu.",
        "repaired": "Gangguan #{id} dicatat sudah diperbaiki; jadwal telah disusun ulang.",
        "bad_count": "count: bukan angka",
        "bad_occurrence": "occurrence: bukan nomor pertemuan",
        "bad_id": "fault: bukan nomor gangguan",
    },
    "en": {
        "title": "Equipment kit faults",
        "report": "Report a kit problem",
        "kit": "Kit type",
        "count": "Count",
        "cause": "Cause",
        "description": "What is wrong",
        "request": "Request number (optional)",
        "occurrence": "Occurrence (a series, optional)",
        "send": "Send report",
        "device": "Device fault (the office's responsibility)",
        "handling": "Damage in handling (the unit's responsibility)",
        "unknown": "Not known yet",
        "open": "Open faults",
        "none": "No open kit faults.",
        "repair": "Record as repaired",
        "note": "Repair note",
        "reported_by": "Reported by",
        "thanks": "Fault report #{id} received: {kit} ×{count} out of service until repaired. The plan was made "
        "again; PICs of affected requests are told.",
        "repaired": "Fault #{id} recorded as repaired; the plan was made again.",
        "bad_count": "count: not a number",
        "bad_occurrence": "occurrence: not an occurrence number",
        "bad_id": "fault: not a fault number",
    },
}


def _int(value: Any, message: str) -> int:
    try:
        return int(str(value or "1").strip())
    except ValueError:
        raise ViconError(message) from None


def _occurrence(value: Any, message: str) -> int | None:
    """The occurrence of a series a report names (None: not given)."""
    text = str(value or "").strip()
    return _int(text, message) if text else None


@router.post("/p/{token}/fault", response_class=HTMLResponse)
async def pic_report(request: Request, token: str, lang: str = "id") -> HTMLResponse:
    """A PIC reports a problem with a kit lent for their own request (the signed link names the request)."""
    lang = lang_of(lang)
    w = WORDS[lang]
    store = store_of(request)
    try:
        ref = decode_pic_token(_settings(request), token)
    except TokenError:
        return message_page(request, lang, 401, "bad_link", TEXT[lang]["bad_link"])
    r = store.get_request(ref)
    if r is None:
        return message_page(request, lang, 404, "not_found", TEXT[lang]["bad_link"])
    form = await request.form()
    kit = str(form.get("kit") or "")
    if kit not in {k.kit for k in r.kits}:
        return message_page(request, lang, 422, "title", f"kit: {ref} borrows no kit {kit!r}")
    try:
        count = _int(form.get("count"), w["bad_count"])
        occurrence = _occurrence(form.get("occurrence"), w["bad_occurrence"]) if r.series is not None else None
        out = await run_in_threadpool(
            lambda: report_and_replan(
                store,
                kit=kit,
                count=count,
                cause=str(form.get("cause") or "unknown"),
                description=str(form.get("description") or ""),
                actor=f"pic:{ref}",
                role="pic",
                request=ref,
                occurrence=occurrence,
            )
        )
    except ViconError as exc:
        return message_page(request, lang, 422, w["title"], str(exc))
    f = out.fault
    return message_page(request, lang, 200, w["title"], w["thanks"].format(id=f.id, kit=f.kit, count=f.count))


@router.get("/admin/faults", response_class=HTMLResponse)
def faults_page(request: Request, lang: str = "id") -> HTMLResponse:
    """Open faults (everyone signed in sees them; only an admin records repairs) and the report form."""
    lang = lang_of(lang)
    who = need_user(request, admin=False)
    store = store_of(request)
    return render(request, "faults.html", lang, who=who, w=WORDS[lang], faults=list_faults(store, open_only=True),
                  kits=store.kit_types(), causes=CAUSES)  # fmt: skip


@router.post("/admin/faults", response_model=None)
async def staff_report(request: Request, lang: str = "id") -> Response:
    """An operator or admin reports a problem with a kit."""
    lang = lang_of(lang)
    w = WORDS[lang]
    who = need_user(request, admin=False)
    store = store_of(request)
    form = await request.form()
    ref = str(form.get("request") or "").strip() or None
    try:
        count = _int(form.get("count"), w["bad_count"])
        occurrence = _occurrence(form.get("occurrence"), w["bad_occurrence"])
        await run_in_threadpool(
            lambda: report_and_replan(
                store,
                kit=str(form.get("kit") or ""),
                count=count,
                cause=str(form.get("cause") or "unknown"),
                description=str(form.get("description") or ""),
                actor=who.actor,
                role="admin" if who.is_admin else "operator",
                request=ref,
                occurrence=occurrence,
            )
        )
    except ViconError as exc:
        return message_page(request, lang, 422, w["title"], str(exc))
    return RedirectResponse(f"/admin/faults?lang={lang}", status_code=303)


@router.post("/admin/faults/{fault_id}/repaired", response_model=None)
async def repaired(request: Request, fault_id: str, lang: str = "id") -> Response:
    """The admin records the repair (and may settle the cause): the kits are back in service."""
    lang = lang_of(lang)
    w = WORDS[lang]
    who = need_user(request, admin=True)
    store = store_of(request)
    form = await request.form()
    cause = str(form.get("cause") or "") or None
    try:
        number = _int(fault_id, w["bad_id"])
        await run_in_threadpool(
            lambda: repair_and_replan(store, number, actor=who.actor, note=str(form.get("note") or ""), cause=cause)
        )
    except ViconError as exc:
        return message_page(request, lang, 422, w["title"], str(exc))
    return RedirectResponse(f"/admin/faults?lang={lang}", status_code=303)
