"""The JSON API under /api: requests (anyone may file one; admins and the request's operators read it),
admin operations (re-plan with its dry-run diff, pins, resources, plan, outbox), the PIC's own view, health."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from allocator.notify.events import upcoming_requests
from allocator.planner.domain import Pin
from allocator.planner.errors import ViconError
from allocator.planner.pin_check import series_refusals, with_series_host
from allocator.service import current_problem, replan
from allocator.store.repo import Store
from allocator.web.auth import (
    Admin,
    MaybePrincipal,
    Staff,
    TokenError,
    decode_pic_token,
    get_settings,
    pic_url,
)
from allocator.web.i18n import lang_of
from allocator.web.schemas import (
    AssignmentOut,
    CancelIn,
    ChangeOut,
    ErrorOut,
    HealthOut,
    HostOut,
    MeOut,
    MissedRehearsalOut,
    OperatorOut,
    OutboxOut,
    OutboxProblemOut,
    PicLinkOut,
    PicStatusOut,
    PinIn,
    PinOut,
    PlanAssignmentOut,
    PlanOut,
    ReplanIn,
    ReplanOut,
    RequestIn,
    RequestOut,
    ResourcesOut,
    SubmitOut,
    UnpinOut,
    UnservedOut,
)
from allocator.web.settings import WebSettings
from allocator.web.views import (
    InputError,
    PlanIndex,
    alternatives,
    assigned_to,
    build_request,
    pic_status,
    request_out,
    task_out,
)

E: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "No token, or a forged or expired one"},
    403: {"model": ErrorOut, "description": "The token's role may not do this"},
    404: {"model": ErrorOut, "description": "No such request (or not yours to see)"},
    409: {"model": ErrorOut, "description": "Conflict"},
    422: {"model": ErrorOut, "description": "Invalid input; `errors` names each field"},
}


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {c: E[c] for c in codes}


def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[WebSettings, Depends(get_settings)]

router = APIRouter(prefix="/api")


def _not_found(ref: str) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, f"unknown request {ref!r}")


@router.get("/healthz", response_model=HealthOut, tags=["health"],
            responses={503: {"model": ErrorOut, "description": "The database cannot be reached"}})  # fmt: skip
def health(store: StoreDep) -> HealthOut | JSONResponse:
    """The process answers and the database is readable (503 while it is not: unavailable, not broken)."""
    try:
        p = store.published_plan()
    except SQLAlchemyError as exc:
        body = {"detail": f"database unavailable ({type(exc).__name__})", "errors": []}
        return JSONResponse(body, status_code=503, headers={"Retry-After": "5"})
    return HealthOut(status="ok", database="ok", plan_id=p.id if p else None)


@router.post("/requests", response_model=SubmitOut, status_code=201, tags=["requests"],
             responses=_errors(401, 403, 409, 422))  # fmt: skip
def submit_request(body: RequestIn, store: StoreDep, settings: SettingsDep, who: MaybePrincipal) -> SubmitOut:
    """File a request (no token needed). Returns the PIC's own status link. Only admins may set a priority."""
    try:
        req = build_request(store, body, who)
    except InputError as exc:
        raise HTTPException(exc.status, exc.errors) from None
    if store.get_request(req.ref) is not None:
        raise HTTPException(status.HTTP_409_CONFLICT, [f"ref: request {req.ref!r} already exists"])
    store.save_request(req, actor=who.actor if who else f"web:{req.pic.name}")
    return SubmitOut(
        ref=req.ref, status=req.status.value, pic_url=pic_url(settings, req.ref, req.last_end, store.now())
    )


@router.get("/requests", response_model=list[RequestOut], tags=["requests"], responses=_errors(401))
def list_requests(store: StoreDep, who: Staff, include_past: bool = False) -> list[RequestOut]:
    """Admins: every (upcoming) request. Operators: the requests assigned to them, with host details (and the
    ones whose venue they only survey, without)."""
    idx = PlanIndex.of(store)
    reqs = store.list_requests() if include_past else store.list_requests(ends_after=store.now())
    if who.is_admin:
        return [request_out(store, r, idx, with_meeting=True) for r in reqs]
    roles = [(r, assigned_to(idx.assigned.get(r.ref), who.operator)) for r in reqs]
    return [request_out(store, r, idx, with_meeting=role == "event") for r, role in roles if role]


@router.get("/requests/{ref}", response_model=RequestOut, tags=["requests"], responses=_errors(401, 404))
def show_request(ref: str, store: StoreDep, who: Staff) -> RequestOut:
    """One request; an operator sees only requests assigned to them (others answer 404), and the host details
    only of those they run (not of one whose venue they only survey)."""
    r = store.get_request(ref)
    idx = PlanIndex.of(store)
    role = assigned_to(idx.assigned.get(ref), who.operator)
    if r is None or not (who.is_admin or role):
        raise _not_found(ref)
    return request_out(store, r, idx, with_meeting=who.is_admin or role == "event")


@router.post("/requests/{ref}/cancel", response_model=RequestOut, tags=["requests"],
             responses=_errors(401, 403, 404, 422))  # fmt: skip
def cancel_request(ref: str, store: StoreDep, who: Admin, body: CancelIn | None = None) -> RequestOut:
    """Cancel (admin); the Zoom meeting is queued for deletion at once."""
    if store.get_request(ref) is None:
        raise _not_found(ref)
    store.cancel_request(ref, actor=who.actor, reason=body.reason if body else None)
    r = store.get_request(ref)
    assert r is not None
    return request_out(store, r, PlanIndex.of(store), with_meeting=True)


@router.get("/requests/{ref}/pic-link", response_model=PicLinkOut, tags=["requests"],
            responses=_errors(401, 403, 404))  # fmt: skip
def request_pic_link(ref: str, store: StoreDep, settings: SettingsDep, who: Admin) -> PicLinkOut:
    """A fresh signed link for the request's PIC (admin)."""
    r = store.get_request(ref)
    if r is None:
        raise _not_found(ref)
    return PicLinkOut(ref=ref, url=pic_url(settings, ref, r.last_end, store.now()))


@router.get("/pic/{token}", response_model=PicStatusOut, tags=["pic"], responses=_errors(401, 404))
def pic_view(token: str, store: StoreDep, settings: SettingsDep, lang: str = "id") -> PicStatusOut:
    """The PIC's view of the one request the link names: status, join link and passcode."""
    try:
        ref = decode_pic_token(settings, token)
    except TokenError as exc:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, str(exc)) from None
    r = store.get_request(ref)
    if r is None:
        raise _not_found(ref)
    return pic_status(store, r, PlanIndex.of(store), lang_of(lang))


@router.get("/me", response_model=MeOut, tags=["operators"], responses=_errors(401))
def me(store: StoreDep, who: Staff) -> MeOut:
    """Who the token belongs to; for an operator, their upcoming assignments with the meetings' host details."""
    idx = PlanIndex.of(store)
    mine = []
    if who.operator:
        for r in upcoming_requests(store, idx.plan.plan if idx.plan else None, store.now()):
            role = assigned_to(idx.assigned.get(r.ref), who.operator)
            if role and r.status.active:
                mine.append(request_out(store, r, idx, with_meeting=role == "event"))
    return MeOut(name=who.name, role=who.role, operator=who.operator, assignments=mine)


# --- admin ---------------------------------------------------------------------------------------------


@router.post("/admin/replan", response_model=ReplanOut, tags=["admin"], responses=_errors(401, 403, 422))
def admin_replan(store: StoreDep, who: Admin, body: ReplanIn | None = None) -> ReplanOut:
    """Plan again. `dry_run` (default true) shows who gains, loses or moves and why, publishing nothing."""
    dry = True if body is None else body.dry_run
    try:
        out = replan(store, actor=who.actor, dry_run=dry)
    except ViconError as exc:
        raise HTTPException(422, [str(exc)]) from None
    changes = [
        ChangeOut(request=c.request, kind=c.kind, reason=c.reason, line=c.line(),
                  before=AssignmentOut(host=c.before.host, operators=list(c.before.operators)) if c.before else None,
                  after=AssignmentOut(host=c.after.host, operators=list(c.after.operators)) if c.after else None)
        for c in out.changes
    ]  # fmt: skip
    return ReplanOut(
        dry_run=dry, plan_id=None if dry or out.published is None else out.published.plan_id,
        served=len(out.plan.assignments), unserved=len(out.plan.unserved), status=out.plan.status.value,
        solve_seconds=out.plan.solve_seconds, changes=changes,
        zoom_actions=out.published.counts() if out.published else {}, notes=out.notes,
    )  # fmt: skip


@router.get("/admin/pins", response_model=list[PinOut], tags=["admin"], responses=_errors(401, 403))
def admin_pins(store: StoreDep, who: Admin) -> list[PinOut]:
    return [PinOut(request=p.request, host=p.host, operators=list(p.operators)) for p in store.pins()]


@router.put("/admin/pins/{ref}", response_model=PinOut, tags=["admin"], responses=_errors(401, 403, 404, 422))
def admin_pin(ref: str, body: PinIn, store: StoreDep, who: Admin) -> PinOut:
    """Fix a request, or one occurrence of a series (REF:k, on the series' host), to a host and operators; the next
    re-plan keeps it there."""
    req = store.get_occurrence(ref)
    if req is None:
        raise _not_found(ref)
    errors = []
    if body.host is not None and body.host not in {h.id for h in store.hosts()}:
        errors.append(f"host: unknown host {body.host!r}")
    unknown = set(body.operators) - {o.id for o in store.operators()}
    if unknown:
        errors.append(f"operators: unknown operator(s) {', '.join(sorted(unknown))}")
    if len(set(body.operators)) != len(body.operators):
        errors.append("operators: an operator is listed twice")
    if errors:
        raise HTTPException(422, errors)
    pin = Pin(request=ref, host=body.host, operators=sorted(body.operators))
    if req.series is not None:  # the series itself (refused), or one occurrence: on the series' host
        problem = current_problem(store)
        pin = with_series_host(problem, pin)
        refused = series_refusals(problem, pin)
        if refused or req.occurrence is None:
            whole = f"request: {ref} is a series: pin its occurrences one at a time ({ref}:1 …)"
            raise HTTPException(422, [f"request: {x.text('en')}" for x in refused] or [whole])
    store.set_pin(pin, actor=who.actor)
    return PinOut(request=ref, host=pin.host, operators=list(pin.operators))


@router.delete("/admin/pins/{ref}", response_model=UnpinOut, tags=["admin"], responses=_errors(401, 403))
def admin_unpin(ref: str, store: StoreDep, who: Admin) -> UnpinOut:
    return UnpinOut(request=ref, removed=store.remove_pin(ref, actor=who.actor))


@router.get("/admin/resources", response_model=ResourcesOut, tags=["admin"], responses=_errors(401, 403))
def admin_resources(store: StoreDep, who: Admin) -> ResourcesOut:
    """Zoom hosts (licences) and operators."""
    return ResourcesOut(
        hosts=[HostOut(id=h.id, account=h.account, zoom_user=h.zoom_user, label=h.label, capacity=h.capacity,
                       kind=h.kind.value, max_concurrent=h.max_concurrent) for h in store.hosts()],
        operators=[OperatorOut(id=o.id, name=o.name, email=o.email, phone=o.phone, skills=list(o.skills))
                   for o in store.operators()],
    )  # fmt: skip


@router.get("/admin/plan", response_model=PlanOut, tags=["admin"], responses=_errors(401, 403, 404))
def admin_plan(store: StoreDep, who: Admin) -> PlanOut:
    """The published plan: assignments (with a flexible request's chosen time, its rehearsal and venue survey),
    each unserved request with its reason and alternatives, and the rehearsals that found no slot."""
    idx = PlanIndex.of(store)
    p = idx.plan
    if p is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no plan published yet")
    zone = idx.policy.timezone
    return PlanOut(
        id=p.id, published_at=p.published_at, actor=p.actor, status=p.plan.status.value, gap=p.plan.gap,
        served=len(p.plan.assignments), unserved_count=len(p.plan.unserved),
        assignments=[PlanAssignmentOut(request=a.request, host=a.host, operators=list(a.operators), start=a.start,
                                       end=a.end, rehearsal=task_out(a.rehearsal, zone, idx, "en") if a.rehearsal
                                       else None, survey=task_out(a.survey, zone, idx, "en") if a.survey else None,
                                       self_operated=a.self_operated)
                     for a in p.plan.assignments],
        unserved=[UnservedOut(request=u.request, code=u.code, reason=u.reason, reason_id=u.reason_id,
                              alternatives=alternatives(u)) for u in p.plan.unserved],
        missed_rehearsals=[MissedRehearsalOut(request=x.request, reason=x.reason, reason_id=x.reason_id)
                           for x in p.plan.missed_rehearsals],
    )  # fmt: skip


@router.get("/admin/outbox", response_model=OutboxOut, tags=["admin"], responses=_errors(401, 403))
def admin_outbox(store: StoreDep, who: Admin) -> OutboxOut:
    """The Zoom outbox backlog, today's Zoom call budget used per host, and actions that failed or wait."""
    rows = [o for o in store.outbox(states=["failed", "pending"]) if o.state == "failed" or o.attempts > 0]
    problems = [
        OutboxProblemOut(request=o.request, kind=o.kind, state=o.state, attempts=o.attempts, last_error=o.last_error)
        for o in rows
    ]
    return OutboxOut(counts=store.outbox_counts(), budget_used_today=store.budget_used(), problems=problems)
