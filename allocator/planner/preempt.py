"""Pre-emption inside the freeze horizon: which frozen meeting a confirmed higher-tier request may displace, and
which unserved high-tier requests an admin could serve by confirming a displacement.
"""

from __future__ import annotations

from allocator.planner.calendar import widest_kit_span
from allocator.planner.domain import PreemptionOffer, Problem, Request, Unserved


def margin_min(problem: Problem) -> int:
    """How far around a meeting another can still collide with it (buffers, setup, teardown)."""
    pol = problem.policy
    pads = [pol.buffer_before_min + pol.buffer_after_min, pol.operator_setup_min + pol.operator_teardown_min]
    pads += [sum(pol.host_buffers(h)) for h in problem.hosts]
    return max(pads)


def preempted_by(problem: Problem, req: Request) -> str | None:
    """A confirmed request of a higher tier, at or above the pre-emption tier, that `req` could be in the way of:
    near it in time, or borrowing the same kind of kit over a span that may overlap its loan."""
    pol = problem.policy
    if pol.preempt_min_tier is None or not problem.confirmed_preemptions:
        return None
    weights = pol.priority_weights
    floor = weights[pol.preempt_min_tier]
    margin = margin_min(problem) * 60
    mine = weights[req.priority]
    by_ref = {r.ref: r for r in problem.requests}
    for ref in problem.confirmed_preemptions:
        other = by_ref[ref]
        w = weights[other.priority]
        near = (
            other.start.timestamp() - margin < req.end.timestamp()
            and req.start.timestamp() - margin < other.end.timestamp()
        )
        if other.status.active and w >= floor and w > mine and (near or kits_cross(problem, req, other)):
            return ref
    return None


def kits_cross(problem: Problem, req: Request, other: Request) -> bool:
    """`req` and `other` borrow kits of one type over spans that may overlap (each as wide as it may be: its
    whole window, and from before its rehearsal window when the rehearsal uses the kits), however far apart the
    meetings themselves are."""
    if not {k.kit for k in req.kits} & {k.kit for k in other.kits}:
        return False
    s0, e0 = widest_kit_span(problem.policy, req)
    s1, e1 = widest_kit_span(problem.policy, other)
    return s0 < e1 and s1 < e0


def preemption_offers(problem: Problem, unserved: list[Unserved], fixed_refs: set[str]) -> list[PreemptionOffer]:
    """Unserved requests of the pre-emption tier or above that frozen, lower-tier meetings keep out."""
    pol = problem.policy
    if pol.preempt_min_tier is None:
        return []
    weights = pol.priority_weights
    floor = weights[pol.preempt_min_tier]
    by_ref = {r.ref: r for r in problem.requests}
    pinned = {p.request for p in problem.pins}
    out = []
    for u in unserved:
        mine = weights[by_ref[u.request].priority]
        if mine < floor or u.request in problem.confirmed_preemptions:
            continue
        frozen = sorted(
            {
                r
                for b in u.blockers
                for r in b.requests
                if r in fixed_refs and r not in pinned and weights[by_ref[r].priority] < mine
            }
        )
        if frozen:
            out.append(offer_text(u.request, frozen, proven=False))
    return out


def offer_text(request: str, displaces: list[str], proven: bool) -> PreemptionOffer:
    """The offer in words; `proven`: `displaces` is the fewest that must give way (else: those in the way)."""
    few_en, few_id = ("", "")
    if proven:
        few_en, few_id = (" (the fewest that must give way)", " (paling sedikit yang harus bergeser)")
    names = ", ".join(displaces)
    return PreemptionOffer(
        request=request,
        displaces=displaces,
        text=f"{request} could be served inside the freeze horizon by displacing {names}{few_en}; "
        f"an admin confirms with: vicon replan --confirm {request}",
        text_id=f"{request} dapat dilayani dengan menggeser {names}{few_id} (dalam masa kunci jadwal); "
        f"admin mengonfirmasi dengan: vicon replan --confirm {request}",
    )
