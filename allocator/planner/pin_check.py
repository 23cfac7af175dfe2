"""Whether a pin an admin is about to set can hold, asked before it is stored: a pin that cannot hold would make the
next re-plan fail for everyone, so it is refused with its reasons in words (Indonesian and English) instead.

First what the request and the named resources say on their own (capacity, licence kind, availability, operator
count, skills, shifts, leave), then the planner itself on the current problem with the pin added: a pin that clashes
with another pin or a frozen meeting shows there as `ConflictingPins`."""

from __future__ import annotations

from dataclasses import dataclass

from allocator.planner.candidates import (
    HostExclusion,
    OperatorExclusion,
    host_exclusion,
    operator_exclusion,
)
from allocator.planner.domain import Pin, Problem
from allocator.planner.errors import ConflictingPins, InvalidPlan, InvalidProblem
from allocator.planner.parts import SolveOptions
from allocator.planner.solver import solve


@dataclass(frozen=True)
class PinRefusal:
    """One reason a pin cannot hold, in both languages."""

    text_id: str
    text_en: str

    def text(self, lang: str) -> str:
        return self.text_en if lang == "en" else self.text_id


_HOST = {
    HostExclusion.CAPACITY: ("kapasitasnya {cap} peserta, permohonan ini {n}", "it seats {cap}, the request has {n}"),
    HostExclusion.KIND: ("bukan lisensi webinar", "it is not a webinar licence"),
    HostExclusion.UNAVAILABLE: ("di luar jam ketersediaannya", "the time is outside its availability"),
    HostExclusion.BLACKOUT: ("sedang diblokir pada waktu itu", "it is blacked out at that time"),
}
_OP = {
    OperatorExclusion.NOT_ALLOWED: ("tidak diizinkan untuk permohonan ini", "is not allowed for this request"),
    OperatorExclusion.SKILL: ("tidak memiliki keahlian yang dibutuhkan", "lacks a required skill"),
    OperatorExclusion.LEAVE: ("sedang cuti", "is on leave"),
    OperatorExclusion.SHIFT: ("di luar jam kerjanya", "is off shift"),
}


def series_host(problem: Problem, ref: str) -> str | None:
    """The host the series of occurrence `ref` is held on, for a pin of `ref`: another occurrence's pin, else the
    published plan's host of its occurrences (None: the series is on no host yet, or `ref` is no occurrence)."""
    parent = next((r.occurrence_of for r in problem.requests if r.ref == ref), None)
    if parent is None:
        return None
    mates = {r.ref for r in problem.requests if r.occurrence_of == parent and r.ref != ref}
    for held in ([p for p in problem.pins if p.request in mates], [a for a in problem.previous if a.request in mates]):
        hosts = sorted({h.host for h in held if h.host is not None})
        if hosts:
            return hosts[0]
    return None


def with_series_host(problem: Problem, pin: Pin) -> Pin:
    """A pin of one occurrence that names no host takes its series' host (one meeting, one link)."""
    if pin.host is not None:
        return pin
    host = series_host(problem, pin.request)
    return pin.model_copy(update={"host": host}) if host is not None else pin


def series_refusals(problem: Problem, pin: Pin) -> list[PinRefusal]:
    """A series is pinned one occurrence at a time, each on the series' one host."""
    occ = [r.ref for r in problem.requests if r.occurrence_of == pin.request]
    if occ:
        span = f"{occ[0]} … {occ[-1]}" if len(occ) > 1 else occ[0]
        return [PinRefusal(
            f"{pin.request} adalah seri: patok pertemuannya satu per satu ({span}); host seri berlaku untuk semuanya",
            f"{pin.request} is a series: pin its occurrences one at a time ({span}); the series' host holds for all",
        )]  # fmt: skip
    host = series_host(problem, pin.request)
    if host is not None and pin.host is not None and pin.host != host:
        return [PinRefusal(
            f"semua pertemuan seri memakai satu host (satu rapat Zoom, satu tautan): seri ini di {host}; patok "
            f"dengan {host}, atau lepas patokan pertemuan lain dan rencanakan ulang seri ke host lain lebih dulu",
            f"every occurrence of a series uses one host (one Zoom meeting, one link): this series is on {host}; "
            f"pin with {host}, or release the other occurrences' pins and re-plan the series onto another host first",
        )]  # fmt: skip
    return []


def _static(problem: Problem, pin: Pin) -> list[PinRefusal]:
    """What the request and the named resources say on their own, before any planning."""
    series = series_refusals(problem, pin)
    if series:
        return series
    req = next((r for r in problem.requests if r.ref == pin.request), None)
    if req is None or not req.status.active:
        return [PinRefusal("permohonan ini tidak aktif atau sudah lewat", "the request is not active or has ended")]
    out: list[PinRefusal] = []
    hosts = {h.id: h for h in problem.hosts}
    if req.needs_host and pin.host is None:
        out.append(PinRefusal("permohonan ini butuh host Zoom; pilih satu", "the request needs a Zoom host; pick one"))
    elif not req.needs_host and pin.host is not None:
        out.append(PinRefusal(f"permohonan ini tanpa host Zoom (operator saja); {pin.host} tidak dipakai",
                              f"the request has no Zoom host (operator only); {pin.host} is not used"))  # fmt: skip
    elif pin.host is not None and pin.host not in hosts:
        out.append(PinRefusal(f"host {pin.host} tidak dikenal atau tidak aktif",
                              f"host {pin.host} is unknown or inactive"))  # fmt: skip
    elif pin.host is not None:
        why = host_exclusion(req, hosts[pin.host])
        if why is not None:
            id_, en = _HOST[why]
            cap, n = hosts[pin.host].capacity, req.participants
            out.append(PinRefusal(f"host {pin.host}: " + id_.format(cap=cap, n=n),
                                  f"host {pin.host}: " + en.format(cap=cap, n=n)))  # fmt: skip
    if len(pin.operators) != req.operator_count or len(set(pin.operators)) != len(pin.operators):
        out.append(PinRefusal(
            f"permohonan ini butuh {req.operator_count} operator berbeda, dipilih {len(set(pin.operators))}",
            f"the request needs {req.operator_count} different operator(s), {len(set(pin.operators))} chosen",
        ))  # fmt: skip
    ops = {o.id: o for o in problem.operators}
    for op_id in sorted(set(pin.operators)):
        if op_id not in ops:
            out.append(PinRefusal(f"operator {op_id} tidak dikenal atau tidak aktif",
                                  f"operator {op_id} is unknown or inactive"))  # fmt: skip
            continue
        op_why = operator_exclusion(req, ops[op_id], problem.policy)
        if op_why is not None:
            out.append(PinRefusal(f"operator {op_id} {_OP[op_why][0]}", f"operator {op_id} {_OP[op_why][1]}"))
    return out


def _clashing(problem: Problem, pin: Pin, held: list[str]) -> list[str]:
    """Of the held requests the planner names, those that share the pin's host or an operator at an overlapping
    time (pinned or published): the ones a person should look at."""
    reqs = {r.ref: r for r in problem.requests}
    mine = reqs.get(pin.request)
    if mine is None:
        return []
    where = {p.request: p for p in problem.previous} | {p.request: p for p in problem.pins}
    out = []
    for ref in held:
        other, at = reqs.get(ref), where.get(ref)
        if ref == pin.request or other is None or at is None:
            continue
        shares = (pin.host is not None and at.host == pin.host) or bool(set(at.operators) & set(pin.operators))
        start = getattr(at, "start", None) or other.start
        end = start + (other.end - other.start)
        if shares and start < mine.end and mine.start < end:
            out.append(ref)
    return out


def pin_refusals(problem: Problem, pin: Pin, options: SolveOptions | None = None) -> list[PinRefusal]:
    """Why `pin` cannot hold on `problem` (the current one, other pins included); [] when it can.

    The planner runs with the pin in place of any pin the request had: it raises where pinned and frozen
    assignments cannot all hold, which is exactly what would break the next re-plan."""
    static = _static(problem, pin)
    if static:
        return static
    pins = [p for p in problem.pins if p.request != pin.request] + [pin]
    try:
        solve(problem.model_copy(update={"pins": pins}), options)
    except InvalidProblem as exc:
        return [PinRefusal("; ".join(exc.errors), "; ".join(exc.errors))]
    except ConflictingPins as exc:
        others = _clashing(problem, pin, exc.requests) or [r for r in exc.requests if r != pin.request]
        listed = ", ".join(others) if others else pin.request
        return [PinRefusal(
            f"bentrok dengan penugasan lain yang dipatok atau sudah dibekukan ({listed}): host atau operator "
            "yang sama pada waktu yang sama",
            f"it clashes with other pinned or frozen assignments ({listed}): the same host or operator at the "
            "same time",
        )]  # fmt: skip
    except InvalidPlan as exc:
        return [PinRefusal("rencana dengan patokan ini melanggar aturan: " + "; ".join(exc.violations[:3]),
                           "a plan with this pin breaks a rule: " + "; ".join(exc.violations[:3]))]  # fmt: skip
    return []
