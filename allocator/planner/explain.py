"""Why a request was not served, in words an office reads: the resource, the time, what blocks it.

Each reason comes in English (`reason`) and Bahasa Indonesia (`reason_id`), with the blocking requests
listed as data too, so pages and mails can render them in either language.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from allocator.planner.calendar import kits_needed_at, pickup_time, return_time
from allocator.planner.candidates import Candidates, HostExclusion, OperatorExclusion, to_minutes, to_minutes_ceil
from allocator.planner.domain import (
    Assignment,
    Blocker,
    HostKind,
    MissedRehearsal,
    Problem,
    Request,
    ServiceType,
    SitePolicy,
    TaskSlot,
    Unserved,
    local,
    zone_abbrev,
)
from allocator.planner.kit_faults import later_faults, working_stock
from allocator.planner.self_operated import UnitOperatorsBusy, away, may_self_operate, missing_skills, unit_trained
from allocator.planner.workflow import task_grid

_DAYS_ID = ("Sen", "Sel", "Rab", "Kam", "Jum", "Sab", "Min")
_DAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def when(start: datetime, end: datetime, zone: str, lang: str = "en") -> str:
    """'Tue 2026-12-01 09:00–11:00 WITA', in the request's own zone."""
    s, e = local(start, zone), local(end, zone)
    day = (_DAYS_ID if lang == "id" else _DAYS_EN)[s.weekday()]
    end_txt = e.strftime("%H:%M") if e.date() == s.date() else e.strftime("%Y-%m-%d %H:%M")
    return f"{day} {s:%Y-%m-%d %H:%M}–{end_txt} {zone_abbrev(zone)}"


class Agenda:
    """What one resource does in the plan, sorted by start, in whole minutes, for quick look-ups by time."""

    def __init__(self) -> None:
        self.items: list[tuple[int, int, Request]] = []
        self.starts: list[int] = []
        self.longest = 0

    def add(self, r: Request) -> None:
        self.items.append((to_minutes(r.start), to_minutes_ceil(r.end), r))

    def seal(self) -> None:
        self.items.sort(key=lambda it: (it[0], it[1], it[2].ref))
        self.starts = [it[0] for it in self.items]
        self.longest = max((e - s for s, e, _r in self.items), default=0)

    def clashing(self, start: int, end: int, before: int, after: int) -> list[tuple[int, int, Request]]:
        """Entries whose span padded by (before, after) overlaps [start - before, end + after)."""
        lo = bisect_left(self.starts, start - before - after - self.longest)
        hi = bisect_left(self.starts, end + before + after)
        return [
            (s - before, e + after, r)
            for s, e, r in self.items[lo:hi]
            if s - before < end + after and start - before < e + after
        ]


def blocker(resource: str, reason: str, requests: Sequence[str] = ()) -> Blocker:
    """A blocker from ids the problem already validated, built without validating them again: a month's re-plan
    names thousands (a fifth of its explanations' time)."""
    return Blocker.model_construct(resource=resource, requests=list(requests), reason=reason)


def minutes_of(req: Request) -> tuple[int, int]:
    return to_minutes(req.start), to_minutes_ceil(req.end)


def host_blockers(
    problem: Problem, req: Request, host_index: int, agenda: Agenda | None, span: tuple[int, int] | None = None
) -> list[str] | None:
    """Requests keeping this host from taking `req` (whose minutes `span` may be passed in), or None if it could."""
    host = problem.hosts[host_index]
    before, after = problem.policy.host_buffers(host)
    start, end = span or minutes_of(req)
    clash = agenda.clashing(start, end, before, after) if agenda else []
    if not clash:
        return None
    refs = [r.ref for _s, _e, r in clash]
    if req.kind is HostKind.WEBINAR or any(r.kind is HostKind.WEBINAR for _s, _e, r in clash):
        return refs
    points = {max(s, start - before) for s, _e, _r in clash}
    peak = max(sum(1 for s, e, _r in clash if s <= t < e) for t in points)
    return refs if peak + 1 > host.max_concurrent else None


def operator_blockers(
    problem: Problem, req: Request, agenda: Agenda | None, span: tuple[int, int] | None = None
) -> list[str]:
    pol = problem.policy
    if agenda is None:
        return []
    start, end = span or minutes_of(req)
    return [r.ref for _s, _e, r in agenda.clashing(start, end, pol.operator_setup_min, pol.operator_teardown_min)]


_HOST_WHY = {
    HostExclusion.CAPACITY: ("too small", "kapasitas kurang"),
    HostExclusion.KIND: ("no webinar licence", "bukan lisensi webinar"),
    HostExclusion.UNAVAILABLE: ("outside its availability", "di luar jam ketersediaan"),
    HostExclusion.BLACKOUT: ("blacked out", "sedang diblokir"),
}
_OP_WHY = {
    OperatorExclusion.NOT_ALLOWED: ("is not allowed for this request", "tidak diizinkan untuk permohonan ini"),
    OperatorExclusion.SKILL: ("lacks a required skill", "tidak memiliki keahlian yang dibutuhkan"),
    OperatorExclusion.LEAVE: ("is on leave", "sedang cuti"),
    OperatorExclusion.SHIFT: ("is off shift", "di luar jam kerja"),
    OperatorExclusion.HOLIDAY: ("has a holiday (the office is closed)", "sedang libur (kantor tutup)"),
}


def _explain_hosts(
    problem: Problem, c: Candidates, by_host: dict[str, Agenda]
) -> tuple[str, str, str, list[Blocker]] | None:
    req = c.request
    n = req.participants
    kind_en = "webinar licence" if req.kind is HostKind.WEBINAR else "host"
    kind_id = "lisensi webinar" if req.kind is HostKind.WEBINAR else "host"
    span_en, span_id = when(req.start, req.end, req.timezone), when(req.start, req.end, req.timezone, "id")
    if not c.hosts:
        if not problem.hosts:
            return "no_capacity", "no Zoom host is configured", "belum ada host Zoom yang terdaftar", []
        excl = c.host_exclusions
        if all(why is HostExclusion.CAPACITY for why in excl.values()):
            big = max(problem.hosts, key=lambda h: h.capacity)
            return (
                "no_capacity",
                f"no host has {n} seats or more (largest: {big.capacity} on {big.id})",
                f"tidak ada host berkapasitas {n} peserta atau lebih (terbesar: {big.capacity} di {big.id})",
                [],
            )
        if all(why in (HostExclusion.CAPACITY, HostExclusion.KIND) for why in excl.values()):
            return (
                "no_kind",
                f"no webinar licence with {n} seats or more",
                f"tidak ada lisensi webinar berkapasitas {n} peserta atau lebih",
                [],
            )
        listed = [
            (problem.hosts[i].id, why)
            for i, why in sorted(excl.items())
            if why not in (HostExclusion.CAPACITY, HostExclusion.KIND)
        ]
        return (
            "host_unavailable",
            f"no {kind_en} with ≥ {n} seats is available {span_en}: "
            + ", ".join(f"{h} {_HOST_WHY[w][0]}" for h, w in listed),
            f"tidak ada {kind_id} berkapasitas ≥ {n} yang tersedia {span_id}: "
            + ", ".join(f"{h} {_HOST_WHY[w][1]}" for h, w in listed),
            [blocker(h, _HOST_WHY[w][0]) for h, w in listed],
        )
    blockers: list[Blocker] = []
    for opt in c.hosts:
        host = problem.hosts[opt.host]
        refs = host_blockers(problem, req, opt.host, by_host.get(host.id))
        if refs is None:
            return None  # this host could take it
        blockers.append(blocker(host.id, "busy", refs))
    listing = ", ".join(f"{b.resource} has {' and '.join(b.requests)}" for b in blockers)
    listing_id = ", ".join(f"{b.resource} dipakai {' dan '.join(b.requests)}" for b in blockers)
    return (
        "hosts_busy",
        f"no {kind_en} with ≥ {n} seats is free {span_en}: {listing}",
        f"tidak ada {kind_id} berkapasitas ≥ {n} yang kosong {span_id}: {listing_id}",
        blockers,
    )


def _explain_operators(
    problem: Problem, c: Candidates, by_operator: dict[str, Agenda]
) -> tuple[str, str, str, list[Blocker]] | None:
    req = c.request
    need = c.operators_needed
    pol = problem.policy
    work_start = req.start.timestamp() - pol.operator_setup_min * 60
    work_end = req.end.timestamp() + pol.operator_teardown_min * 60
    span_en = when(
        datetime.fromtimestamp(work_start, req.start.tzinfo),
        datetime.fromtimestamp(work_end, req.start.tzinfo),
        req.timezone,
    )
    span_id = when(
        datetime.fromtimestamp(work_start, req.start.tzinfo),
        datetime.fromtimestamp(work_end, req.start.tzinfo),
        req.timezone,
        "id",
    )
    free = 0
    blockers: list[Blocker] = []
    for opt in c.operators:
        op = problem.operators[opt.operator]
        refs = operator_blockers(problem, req, by_operator.get(op.id))
        if refs:
            blockers.append(blocker(op.id, "busy", refs))
        else:
            free += 1
    if free >= need:
        return None
    excluded = [(problem.operators[i].id, why) for i, why in sorted(c.operator_exclusions.items())]
    skills = f" with {', '.join(req.required_skills)}" if req.required_skills else ""
    skills_id = f" berkeahlian {', '.join(req.required_skills)}" if req.required_skills else ""
    parts_en = [f"{b.resource} has {' and '.join(b.requests)}" for b in blockers]
    parts_en += [f"{o} {_OP_WHY[w][0]}" for o, w in excluded]
    parts_id = [f"{b.resource} bertugas di {' dan '.join(b.requests)}" for b in blockers]
    parts_id += [f"{o} {_OP_WHY[w][1]}" for o, w in excluded]
    blockers += [blocker(o, _OP_WHY[w][0]) for o, w in excluded]
    qualified = len(c.operators)
    if qualified >= need:
        code = "operators_busy"
        head_en = f"needs {need} operator(s){skills} {span_en}, only {free} free"
        head_id = f"butuh {need} operator{skills_id} {span_id}, hanya {free} yang kosong"
    else:
        reasons = {w for _o, w in excluded}
        code = (
            "operator_unavailable"
            if not reasons
            else "not_allowed"
            if reasons == {OperatorExclusion.NOT_ALLOWED}
            else "no_skill"
            if reasons <= {OperatorExclusion.NOT_ALLOWED, OperatorExclusion.SKILL}
            else "operator_unavailable"
        )
        head_en = f"needs {need} operator(s){skills} {span_en}, only {qualified} can take it"
        head_id = f"butuh {need} operator{skills_id} {span_id}, hanya {qualified} yang memenuhi syarat"
    if not problem.operators:
        parts_en, parts_id = ["no operator is configured"], ["belum ada operator yang terdaftar"]
    return (
        code,
        f"{head_en}: " + "; ".join(parts_en),
        f"{head_id}: " + "; ".join(parts_id),
        blockers,
    )


def effective(req: Request, a: Assignment | None) -> Request:
    """The request at the time the plan chose for it."""
    if a is None or a.start is None or a.end is None:
        return req
    return req.model_copy(update={"start": a.start, "end": a.end})


def task_entries(req: Request, a: Assignment) -> list[tuple[TaskSlot, Request]]:
    """An assignment's rehearsal and survey as agenda entries (labelled requests at the task's time)."""
    out = []
    if a.rehearsal is not None:
        r = a.rehearsal
        out.append((r, req.model_copy(update={"ref": f"{req.ref} (gladi)", "start": r.start, "end": r.end,
                                              "kind": HostKind.MEETING, "remote": r.venue is None})))  # fmt: skip
    if a.survey is not None:
        v = a.survey
        out.append((v, req.model_copy(update={"ref": f"survey {v.venue}", "start": v.start, "end": v.end,
                                              "venue": v.venue, "remote": False, "operators_needed": 1})))  # fmt: skip
    return out


def agendas(problem: Problem, plan: Sequence[Assignment]) -> tuple[dict[str, Agenda], dict[str, Agenda]]:
    """What each host and each operator does in `plan`, rehearsals and surveys included."""
    by_ref = {r.ref: r for r in problem.requests}
    by_host: dict[str, Agenda] = {}
    by_operator: dict[str, Agenda] = {}
    for a in plan:
        req = effective(by_ref[a.request], a)
        if a.host is not None:
            by_host.setdefault(a.host, Agenda()).add(req)
        for op in a.operators:
            by_operator.setdefault(op, Agenda()).add(req)
        for slot, entry in task_entries(req, a):
            if slot.host is not None:
                by_host.setdefault(slot.host, Agenda()).add(entry)
            for op in slot.operators:
                by_operator.setdefault(op, Agenda()).add(entry)
    for agenda in (*by_host.values(), *by_operator.values()):
        agenda.seal()
    return by_host, by_operator


Loan = tuple[datetime, datetime, int, str]  # pickup, return, count, whose


def kit_loans(problem: Problem, plan: Sequence[Assignment]) -> dict[str, list[Loan]]:
    """Every loan in `plan` and every kit already out, by kit type (one pass, for many questions)."""
    pol = problem.policy
    by_ref = {r.ref: r for r in problem.requests}
    served = {a.request for a in plan}
    out: dict[str, list[Loan]] = {}
    for a in plan:
        req = by_ref[a.request]
        if not req.kits:
            continue
        req = effective(req, a)
        needed = kits_needed_at(req, req.start, a.rehearsal.start if a.rehearsal is not None else None)
        for need in req.kits:
            s = pickup_time(pol, needed, pol.kit_pickup_min)
            e = return_time(pol, req.end, pol.kit_return_min)
            out.setdefault(need.kit, []).append((s, e, need.count, req.ref))
    for k in problem.kits_out:
        if k.request not in served:
            e = k.due if k.due > problem.now else datetime.max.replace(tzinfo=UTC)
            out.setdefault(k.kit, []).append((problem.now, e, k.count, k.request or "?"))
    for f, at in later_faults(problem):  # broken on a loan still running: out of service from its return
        out.setdefault(f.kit, []).append((at, datetime.max.replace(tzinfo=UTC), f.count, f.request or "?"))
    return out


def overlapping(loans: Sequence[Loan], start: datetime, end: datetime) -> list[Loan]:
    return [loan for loan in loans if loan[0] < end and start < loan[1]]


def kits_held(problem: Problem, plan: Sequence[Assignment], kit: str, start: datetime, end: datetime) -> list[Loan]:
    """Loans of `kit` (pickup, return, count, whose) in `plan` and among kits already out, overlapping [start, end)."""
    return overlapping(kit_loans(problem, plan).get(kit, []), start, end)


def peak_held(loans: Sequence[Loan], start: datetime, end: datetime) -> int:
    points = [start] + [s for s, _e, _n, _r in loans if start <= s < end]
    return max((sum(n for s, e, n, _r in loans if s <= t < e) for t in points), default=0)


def kits_first_needed(policy: SitePolicy, req: Request) -> datetime:
    """When the kits of `req`, not yet placed, are needed at the latest: the start of its latest possible
    rehearsal (on the office's task grid, in working time) when a mandatory rehearsal uses them
    (`RehearsalSpec.uses_kits`), else its own start. An optional rehearsal may be missed, and then the event
    holds them from its own pickup on; a rehearsal with no slot at all is a reason of its own."""
    spec = req.rehearsal
    if spec is None or not (spec.uses_kits and spec.mandatory and req.kits and req.operator_count):
        return req.start
    length = timedelta(minutes=spec.duration_min)
    earliest = req.start - timedelta(minutes=spec.window_start_min_before)
    last_start = req.start - timedelta(minutes=spec.end_min_before) - length
    latest = next(task_grid(policy, earliest, last_start, length), None)
    return kits_needed_at(req, req.start, latest)


def kit_span(policy: SitePolicy, req: Request) -> tuple[datetime, datetime]:
    """The span over which `req`, placed as it stands, holds its kits at least: from their pickup for its
    event or for its latest possible rehearsal using them (`kits_first_needed`) to their return."""
    pick = pickup_time(policy, kits_first_needed(policy, req), policy.kit_pickup_min)
    return pick, return_time(policy, req.end, policy.kit_return_min)


def _explain_workflow(
    problem: Problem, req: Request, plan: Sequence[Assignment]
) -> tuple[str, str, str, list[Blocker]] | None:
    """Reasons beyond a free host and operators: kits (from their pickup for a mandatory rehearsal using them),
    a survey, a mandatory rehearsal, travel."""
    pol = problem.policy
    stock = working_stock(problem)  # kits out of service do not count
    pick, back = kit_span(pol, req)
    early = pick < pickup_time(pol, req.start, pol.kit_pickup_min)
    for_en, for_id = (" (picked up for its rehearsal)", " (diambil untuk gladi)") if early else ("", "")
    for need in req.kits:
        loans = kits_held(problem, plan, need.kit, pick, back)
        held = peak_held(loans, pick, back)
        if held + need.count > stock.get(need.kit, 0):
            whose = sorted({r for _s, _e, _n, r in loans})
            span_en, span_id = when(pick, back, req.timezone), when(pick, back, req.timezone, "id")
            return (
                "kits_short",
                f"needs {need.count} × kit {need.kit} {span_en}{for_en}, stock {stock.get(need.kit, 0)}, {held} out "
                "then" + (f" ({', '.join(whose)})" if whose else ""),
                f"butuh {need.count} × kit {need.kit} {span_id}{for_id}, stok {stock.get(need.kit, 0)}, {held} "
                "sedang dipinjam" + (f" ({', '.join(whose)})" if whose else ""),
                [Blocker(resource=f"kit:{need.kit}", requests=whose, reason="out of stock")],
            )
    new_venues = {v.id for v in problem.venues if not v.surveyed}
    if req.on_site and req.venue in new_venues:
        return (
            "no_survey",
            f"{req.venue} is new to the office and no operator is free for the survey visit "
            f"in the {pol.survey_window_min // 60} h before the event",
            f"{req.venue} belum pernah disurvei dan tidak ada operator yang kosong untuk survei lokasi "
            f"dalam {pol.survey_window_min // 60} jam sebelum acara",
            [Blocker(resource=f"venue:{req.venue}", reason="survey needed")],
        )
    if req.rehearsal is not None and req.rehearsal.mandatory:
        kits = req.rehearsal.uses_kits and bool(req.kits)
        return (
            "no_rehearsal",
            "the mandatory rehearsal finds no slot in its window with the same operator(s) free"
            + (" and its kits in stock from the rehearsal's pickup through the event" if kits else ""),
            "gladi bersih wajib tidak mendapat waktu dalam rentangnya dengan operator yang sama"
            + (" dan peralatannya tersedia sejak diambil untuk gladi hingga acara selesai" if kits else ""),
            [],
        )
    if req.on_site:
        return (
            "travel",
            "the free operators cannot reach the venue in time from their other on-site tasks",
            "operator yang kosong tidak sempat tiba di lokasi dari tugas lapangan lainnya",
            [],
        )
    return None


@dataclass(frozen=True)
class Standing:
    """What the plan knows of why a meeting in the way stays: held by a pin or the freeze, and whether the plan's
    served weight is proven the most the real problem allows."""

    pinned: frozenset[str] = frozenset()
    frozen: frozenset[str] = frozenset()
    proven: bool = False  # the served weight is proven the most there is
    settled: bool = False  # every level is, the tie-breaks included


def why_it_stays(
    problem: Problem, req: Request, blocker: str, standing: Standing, by_ref: Mapping[str, Request]
) -> tuple[str, str] | None:
    """Why a named blocker keeps its place before `req`, when the priorities alone do not say so: `req` outranks
    it, or they are equals and the letters decide. None when it outranks `req` (or is a survey). Said of the
    blocker without naming it, so that blockers with the same reason are listed once."""
    other = by_ref.get(blocker.removesuffix(" (gladi)"))
    if other is None:
        return None
    weights = problem.policy.priority_weights
    mine, theirs = weights.get(req.priority, 0), weights.get(other.priority, 0)
    if theirs > mine:
        return None
    if theirs == mine:
        came, other_came = req.letter_order, other.letter_order
        if other_came < came:
            day = f"{other_came[0]:%Y-%m-%d}"
            if other_came[0] < came[0]:
                return (f"same priority, earlier letter ({day}): served first",
                        f"prioritas sama, surat lebih dulu ({day}): dilayani lebih dahulu")  # fmt: skip
            return (f"same priority, letter of the same day ({day}) entered first: served first",
                    f"prioritas sama, surat hari yang sama ({day}) tercatat lebih dulu: dilayani dahulu")  # fmt: skip
        if standing.settled:
            return ("same priority, kept to spare a change or a cost to the office",
                    "prioritas sama, dipertahankan agar tidak ada perubahan atau biaya kantor")  # fmt: skip
        return ("same priority, kept by the search (letter order not proven in its time)",
                "prioritas sama, dipertahankan oleh pencarian (urutan surat belum terbukti)")  # fmt: skip
    if blocker in standing.pinned:
        return ("outranked, but pinned by an admin", "prioritasnya lebih rendah, tetapi dikunci oleh admin")
    if blocker in standing.frozen:
        return (f"outranked, but published and inside the freeze horizon: it gives way only when an admin confirms "
                f"(vicon replan --confirm {req.ref})", "prioritasnya lebih rendah, tetapi sudah diumumkan dan dalam "
                f"batas beku: hanya diganti bila admin mengonfirmasi (vicon replan --confirm {req.ref})")  # fmt: skip
    if standing.proven:
        return ("outranked, but no plan serving this request serves more priority weight in total",
                "prioritasnya lebih rendah, tetapi tidak ada rencana yang melayani permohonan ini dengan bobot "
                "prioritas total lebih besar")  # fmt: skip
    return ("outranked; the search found no better plan serving this request in its time (not proven)",
            "prioritasnya lebih rendah; pencarian tidak menemukan rencana lebih baik yang melayani permohonan ini "
            "dalam waktunya (belum terbukti)")  # fmt: skip


def _standing_notes(
    problem: Problem, req: Request, blockers: Sequence[Blocker], standing: Standing, by_ref: Mapping[str, Request]
) -> tuple[str, str]:
    """The blockers that need a word on why they stay, grouped by that word."""
    grouped: dict[tuple[str, str], list[str]] = {}
    for ref in dict.fromkeys(r for b in blockers for r in b.requests):
        note = why_it_stays(problem, req, ref, standing, by_ref)
        if note is not None:
            grouped.setdefault(note, []).append(ref)
    en = "".join(f"; {', '.join(refs)}: {why}" for (why, _), refs in grouped.items())
    id_ = "".join(f"; {', '.join(refs)}: {why}" for (_, why), refs in grouped.items())
    return en, id_


def self_operation_note(
    problem: Problem, req: Request, codes: Sequence[str], host_free: bool, people_free: bool = True
) -> tuple[str, str] | None:
    """Whether the unit could have run the request itself with its own trained operator, and why not, for a
    request that needs our operators (`codes`: the reasons found) from a unit with trained operators. Judged
    from the request and the plan's agendas alone, not from the search (issue 18). None when it does not apply."""
    people = unit_trained(problem, req)
    if not people or req.service is not ServiceType.LINK_OPERATOR or not set(codes) & _OPERATOR_CODES:
        return None
    names = ", ".join(u.name for u in people)
    if not may_self_operate(problem, req):
        if req.rehearsal is not None and req.rehearsal.mandatory:
            return (f"the unit's own trained operator ({names}) cannot run it itself: its mandatory rehearsal needs "
                    "the office's operator", f"operator terlatih unit ({names}) tidak dapat menjalankannya sendiri: "
                    "gladi wajibnya memerlukan operator kantor")  # fmt: skip
        gone = away(problem, req)
        if gone and req.service is ServiceType.LINK_OPERATOR:
            who = ", ".join(u.name for u in gone)
            return (f"the unit's own trained operator ({who}) is on leave then",
                    f"operator terlatih unit ({who}) sedang cuti pada waktu itu")  # fmt: skip
        lack = ", ".join(missing_skills(problem, req))
        return (f"the unit's own trained operator ({names}) cannot run it itself: lacks {lack}",
                f"operator terlatih unit ({names}) tidak dapat menjalankannya sendiri: tidak menguasai "
                f"{lack}")  # fmt: skip
    if not people_free:
        return (f"the unit's own trained operator ({names}) cannot run it itself: busy running the unit's other "
                "meetings then", f"operator terlatih unit ({names}) tidak dapat menjalankannya sendiri: sedang "
                "menjalankan rapat unit yang lain")  # fmt: skip
    if not host_free:
        return (f"the unit's own trained operator ({names}) could run it itself, but no host is free for it either",
                f"operator terlatih unit ({names}) dapat menjalankannya sendiri, tetapi tidak ada host yang kosong "
                "juga")  # fmt: skip
    return (f"the unit's own trained operator ({names}) could run it itself on a free host (self-operated)",
            f"operator terlatih unit ({names}) dapat menjalankannya sendiri di host yang kosong (dijalankan "
            "sendiri)")  # fmt: skip


_OPERATOR_CODES = {"no_skill", "operator_unavailable", "operators_busy", "not_allowed"}


def explain_unserved(
    problem: Problem,
    unplanned: Sequence[Candidates],
    by_host: dict[str, Agenda],
    by_operator: dict[str, Agenda],
    plan: Sequence[Assignment] = (),
    standing: Standing | None = None,
) -> list[Unserved]:
    """A reason for each request left out of `plan` (whose agendas are given), judged against it; a meeting named
    in the way that the request outranks (or an equal) comes with why it stays."""
    standing = standing or Standing()
    by_ref = {r.ref: r for r in problem.requests}
    people = UnitOperatorsBusy.in_plan(problem, plan)  # the units' trained operators on the plan's own meetings
    out: list[Unserved] = []
    for c in unplanned:
        found = []
        if c.needs_host:
            found.append(_explain_hosts(problem, c, by_host))
        if c.operators_needed:
            found.append(_explain_operators(problem, c, by_operator))
        reasons = [f for f in found if f is not None]
        if not reasons:
            extra = _explain_workflow(problem, c.request, plan)
            reasons = [extra] if extra is not None else []
        if not reasons:
            out.append(
                Unserved(
                    request=c.request.ref,
                    code="time_limit",
                    reason="a host and operators look free, but the solver stopped at its time limit first; "
                    "re-plan with a longer time limit",
                    reason_id="host dan operator tampak tersedia, tetapi solver berhenti karena batas waktu; "
                    "jalankan ulang perencanaan dengan batas waktu lebih panjang",
                )
            )
            continue
        code = reasons[0][0]
        blockers = [b for r in reasons for b in r[3]]
        note_en, note_id = _standing_notes(problem, c.request, blockers, standing, by_ref)
        own = None
        if problem.unit_operators:
            host_free = not c.needs_host or found[0] is None
            codes = [r[0] for r in reasons]
            own = self_operation_note(problem, c.request, codes, host_free, people.free_then(c.request))
        if own is not None:
            note_en, note_id = f"{note_en}; {own[0]}", f"{note_id}; {own[1]}"
        out.append(
            Unserved(
                request=c.request.ref,
                code=code,
                reason="; ".join(r[1] for r in reasons) + note_en,
                reason_id="; ".join(r[2] for r in reasons) + note_id,
                blockers=blockers,
            )
        )
    return out


def started_without_plan(problem: Problem, req: Request) -> Unserved:
    return Unserved(
        request=req.ref,
        code="started",
        reason=f"it starts at {when(req.start, req.end, req.timezone)}, before the planning time, "
        "and had no assignment",
        reason_id=f"acara dimulai {when(req.start, req.end, req.timezone, 'id')}, sebelum waktu perencanaan, "
        "dan belum mendapat alokasi",
    )


def missed_rehearsals(problem: Problem, chosen: list[Assignment]) -> list[MissedRehearsal]:
    """Served events whose asked-for rehearsal found no slot, with why: an optional rehearsal goes only where it
    costs nothing (docs/planner.md, "Objective")."""
    by_ref = {r.ref: r for r in problem.requests}
    out = []
    for a in chosen:
        spec = by_ref[a.request].rehearsal
        if spec is not None and a.rehearsal is None:
            crew = ", ".join(a.operators) or "-"
            kits = spec.uses_kits and bool(by_ref[a.request].kits)
            out.append(
                MissedRehearsal(
                    request=a.request,
                    reason=f"no slot in the rehearsal window where {crew} (and a host, if online) is free"
                    + (" and the kits are in stock from the rehearsal's pickup on" if kits else "")
                    + " on a day they already work, without overtime (an optional rehearsal calls no one in)"
                    + "; the event itself is served",
                    reason_id=f"tidak ada waktu dalam rentang gladi bersih saat {crew} (dan host, bila daring) "
                    + ("kosong dan peralatannya tersedia sejak diambil untuk gladi" if kits else "kosong")
                    + " pada hari kerjanya yang sudah terjadwal, tanpa lembur (gladi opsional tidak memanggil"
                    + " operator masuk); acaranya sendiri tetap dilayani",
                )
            )
    return sorted(out, key=lambda x: x.request)
