"""The admin's upload page for request files: the same intake as `vicon requests add --file`, in two steps.

`POST /admin/upload` reads the file and shows what it would store (the mapping report, the accepted rows with
new/changed/unchanged, the rejected rows with their reason) and stores nothing; the file is kept under its
content digest (`allocator.web.uploads`), so `POST /admin/upload/{digest}/save` saves exactly what was
previewed, read again against the store as it is then. The rejected rows download as XLSX or CSV with an
"alasan" column, to be fixed and uploaded again.
"""

from __future__ import annotations

import logging
import tempfile
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request as StarletteRequest
from starlette.types import Message

from allocator.error_words import file_error_text
from allocator.intake import AcceptedRow, IntakeFileError, IntakeResult, read_file, write_rejects
from allocator.intake.leadtime import lead_working_days, received_day
from allocator.planner.domain import Request as VcRequest
from allocator.planner.domain import SitePolicy, local, zone_abbrev
from allocator.planner.explain import when
from allocator.store.repo import Store
from allocator.web.i18n import TEXT, lang_of
from allocator.web.pages import message_page, need_user, render, store_of
from allocator.web.settings import WebSettings
from allocator.web.uploads import Kept, UploadBox, UploadRefused

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)

#: Multipart framing and the form's other fields, on top of the file itself.
_OVERHEAD = 64 * 1024
#: Rows listed on the page per table; the rest are counted (all of them are saved, all rejects downloadable).
SHOW_ROWS = 500
_MEDIA = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def upload_box(settings: WebSettings) -> UploadBox:
    root = Path(settings.upload_dir) if settings.upload_dir else None
    return UploadBox(root, max_bytes=settings.upload_max_bytes)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """A private temporary folder made for this process is removed when it stops."""
    try:
        yield
    finally:
        box: UploadBox = app.state.uploads
        box.close()


def _box(request: Request) -> UploadBox:
    box: UploadBox = request.app.state.uploads
    return box


def size_text(n: int) -> str:
    """Bytes as an admin reads them: 5 MiB, 1.5 MiB, 300 KiB, 12 B."""
    for unit, scale in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if n >= scale:
            value = n / scale
            return f"{value:.0f} {unit}" if value.is_integer() or value >= 100 else f"{value:.1f} {unit}"
    return f"{n} B"


# --- reading the upload ----------------------------------------------------------------------------


async def _capped_body(request: Request, cap: int) -> bytes:
    """The request body, refused (413) as soon as it grows past `cap`, whatever Content-Length said."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > cap:
        raise UploadRefused(413, "upload_too_big", size=int(length), max=cap - _OVERHEAD)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > cap:
            raise UploadRefused(413, "upload_too_big", size=len(body), max=cap - _OVERHEAD)
    return bytes(body)


async def read_upload(request: Request, max_bytes: int) -> tuple[str | None, bytes]:
    """The uploaded file's name and bytes from a multipart form with one `file` field."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise UploadRefused(400, "upload_no_file")
    body = await _capped_body(request, max_bytes + _OVERHEAD)

    async def replay() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        async with StarletteRequest(request.scope, replay).form(max_files=1, max_fields=8) as form:
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise UploadRefused(422, "upload_no_file")
            data = await upload.read(max_bytes + 1)
            name = upload.filename
    except (MultiPartException, StarletteHTTPException):
        raise UploadRefused(400, "upload_bad_form") from None
    if not name and not data:
        raise UploadRefused(422, "upload_no_file")
    if len(data) > max_bytes:
        raise UploadRefused(413, "upload_too_big", size=len(data), max=max_bytes)
    return name, data


def _intake(store: Store, kept: Kept, lang: str) -> IntakeResult:
    """`read_file` as the CLI calls it; a file it cannot read is refused with its reason (never a 500)."""
    try:
        return read_file(kept.path, store.policy(), lang_of(lang), now=store.now(), known=store.requests_by_ref)
    except IntakeFileError as exc:
        detail = file_error_text(str(exc), lang).replace(str(kept.path.parent) + "/", "")  # no server path shown
        raise UploadRefused(422, "upload_unreadable", detail=detail) from None
    except Exception:
        log.exception("upload %s: reading %s failed", kept.digest[:12], kept.path.name)
        raise UploadRefused(422, "upload_unreadable", detail=kept.path.name) from None


# --- what the page shows ---------------------------------------------------------------------------


def _flags(r: VcRequest, policy: SitePolicy, now: datetime, lang: str) -> list[str]:
    out = []
    for flag in r.flags:
        if flag == "late_letter":
            received = received_day(r.submitted_at, r.letter_date, policy.timezone, now)
            days = lead_working_days(received, local(r.start, r.timezone).date())
            out.append(TEXT[lang]["flag_late_letter"].format(days=days, min=policy.intake.min_lead_working_days))
        else:
            out.append(TEXT[lang].get(f"flag_{flag}", flag))
    return out


def _accepted(a: AcceptedRow, policy: SitePolicy, now: datetime, lang: str) -> dict[str, Any]:
    r, zone = a.request, policy.timezone
    span = when(r.start, r.end, zone, lang)
    if r.timezone != zone:  # as the file wrote it, beside the office's time
        span += f" ({local(r.start, r.timezone):%H:%M} {zone_abbrev(r.timezone)})"
    return {"row": a.row, "ref": r.ref, "unit": r.unit, "title": r.title, "when": span,
            "participants": r.participants, "service": TEXT[lang][f"svc_{r.service.value}"],
            "change": a.change, "change_text": TEXT[lang][f"change_{a.change}"],
            "flags": _flags(r, policy, now, lang)}  # fmt: skip


def _more(total: int, lang: str) -> str:
    return TEXT[lang]["more"].format(n=total - SHOW_ROWS) if total > SHOW_ROWS else ""


def preview(result: IntakeResult, policy: SitePolicy, now: datetime, lang: str) -> dict[str, Any]:
    """The preview's content: the report, the accepted rows with what they change, the rejected rows."""
    counts = Counter(a.change for a in result.rows)
    t = TEXT[lang]
    return {
        "report": result.report.as_dict(result.lang),
        "rows": [_accepted(a, policy, now, lang) for a in result.rows[:SHOW_ROWS]],
        "rows_more": _more(len(result.rows), lang),
        "rejected": [{"row": e.row, "ref": e.ref or "-", "reason": e.reason} for e in result.rejected[:SHOW_ROWS]],
        "rejected_more": _more(len(result.rejected), lang),
        "to_save": counts["new"] + counts["changed"],
        "counts": t["upload_counts"].format(new=counts["new"], changed=counts["changed"],
                                            unchanged=counts["unchanged"], rejected=len(result.rejected)),
    }  # fmt: skip


def _form(request: Request, lang: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    limit = size_text(_box(request).max_bytes)
    ctx.setdefault("error", None)
    return render(request, "upload.html", lang, status, max_size=limit,
                  file_label=TEXT[lang]["upload_file"].format(max=limit), lang_href="/admin/upload", **ctx)  # fmt: skip


def _refused(request: Request, lang: str, exc: UploadRefused) -> HTMLResponse:
    params = dict(exc.params)
    for key in ("size", "max"):
        if isinstance(params.get(key), int):
            params[key] = size_text(params[key])
    return _form(request, lang, exc.status, error=TEXT[lang][exc.key].format(**params), p=None)


# --- the pages -------------------------------------------------------------------------------------


@router.get("/admin/upload", response_class=HTMLResponse)
def upload_page(request: Request, lang: str = "id") -> HTMLResponse:
    lang = lang_of(lang)
    need_user(request, admin=True)
    return _form(request, lang, p=None)


def _preview_of(store: Store, box: UploadBox, kept: Kept, lang: str) -> dict[str, Any]:
    """Read a fresh upload for its preview; one that cannot be shown is not kept."""
    try:
        result = _intake(store, kept, lang)
        if result.report.rows == 0:
            raise UploadRefused(422, "upload_no_rows")
    except UploadRefused:
        box.drop(kept.digest)
        raise
    return preview(result, store.policy(), store.now(), lang)


@router.post("/admin/upload", response_class=HTMLResponse)
async def upload_preview(request: Request, lang: str = "id") -> HTMLResponse:
    lang = lang_of(lang)
    need_user(request, admin=True)  # before a byte of the body is read (cross-site posts: guard.CookieWriteOrigin)
    store, box = store_of(request), _box(request)
    try:
        name, data = await read_upload(request, box.max_bytes)
        kept = await run_in_threadpool(box.keep, name, data)
        p = await run_in_threadpool(_preview_of, store, box, kept, lang)
    except UploadRefused as exc:
        return _refused(request, lang, exc)
    return _form(request, lang, p=p, digest=kept.digest)


def _save(store: Store, box: UploadBox, kept: Kept, lang: str, admin: str) -> dict[str, Any]:
    """Save the kept upload's new and changed rows in one transaction, keep its rejects, drop the upload."""
    result = _intake(store, kept, lang)
    changed = result.to_save
    versions = store.save_requests([a.request for a in changed], actor=f"upload:{admin}")
    saved = [a for a, v in zip(changed, versions, strict=True) if v is not None]
    rejects = box.saved(kept)
    for fmt in _MEDIA if result.rejected else ():
        write_rejects(rejects / f"{kept.stem}.rejects.{fmt}", result)
    log.info("upload %s by %s: %d saved, %d rejected", kept.path.name, admin, len(saved), len(result.rejected))
    policy, now = store.policy(), store.now()
    return {
        "rows": [_accepted(a, policy, now, lang) for a in saved[:SHOW_ROWS]],
        "summary": TEXT[lang]["upload_saved_text"].format(saved=len(saved), file=kept.path.name,
                                                          unchanged=len(result.rows) - len(saved),
                                                          rejected=len(result.rejected)),
        "rejected": len(result.rejected),
    }  # fmt: skip


@router.post("/admin/upload/{digest}/save", response_class=HTMLResponse)
async def upload_save(request: Request, digest: str, lang: str = "id") -> HTMLResponse:
    lang = lang_of(lang)
    who = need_user(request, admin=True)
    store, box = store_of(request), _box(request)
    kept = await run_in_threadpool(box.find, digest)
    if kept is None:
        return message_page(request, lang, 404, "not_found", TEXT[lang]["upload_gone"])
    try:
        ctx = await run_in_threadpool(_save, store, box, kept, lang, who.name)
    except UploadRefused as exc:
        return _refused(request, lang, exc)
    return render(request, "upload_saved.html", lang, digest=digest, lang_href="/admin/upload", **ctx)


def _rejects_file(box: UploadBox, store: Store, digest: str, fmt: str, lang: str) -> tuple[str, bytes] | None:
    """The rejected rows as `fmt`: written from the kept upload, or, once saved, the file written at saving."""
    kept = box.find(digest)
    if kept is not None:
        result = _intake(store, kept, lang)
        with tempfile.TemporaryDirectory(prefix="vicon-rejects-") as tmp:
            path = Path(tmp) / f"{kept.stem}.rejects.{fmt}"
            write_rejects(path, result)
            return path.name, path.read_bytes()
    folder = box.folder(digest)
    done = sorted((folder / "rejects").glob(f"*.rejects.{fmt}")) if folder else []
    return (done[0].name, done[0].read_bytes()) if done else None


def _download(fmt: str) -> Callable[..., Any]:
    async def rejects(request: Request, digest: str, lang: str = "id") -> Response:
        lang = lang_of(lang)
        need_user(request, admin=True)
        try:
            found = await run_in_threadpool(_rejects_file, _box(request), store_of(request), digest, fmt, lang)
        except UploadRefused as exc:
            return _refused(request, lang, exc)
        if found is None:
            return message_page(request, lang, 404, "not_found", TEXT[lang]["upload_gone"])
        name, data = found
        return Response(data, media_type=_MEDIA[fmt], headers={
            "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})  # fmt: skip

    rejects.__doc__ = f"The rejected rows of an upload as {fmt.upper()}, with their cells and an 'alasan' column."
    return rejects


for _fmt in _MEDIA:
    router.add_api_route(f"/admin/upload/{{digest}}/rejects.{_fmt}", _download(_fmt), methods=["GET"],
                         response_model=None, name=f"upload_rejects_{_fmt}")  # fmt: skip
