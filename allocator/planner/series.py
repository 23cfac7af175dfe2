"""The rules that keep a series together: one host for every occurrence, all or nothing when the series asks it.

A series request is read as its occurrences when the problem is (`domain.expand_series`); each occurrence is an
ordinary request with its own time, operators and kits, tied to the others here: the same Zoom host for all (one
recurring meeting, one link), and — for an `all_or_nothing` series not yet under way — served together or not at
all. A series is under way once one of its occurrences is pinned, inside the freeze horizon as published, or has
begun: what is held stays, and the rest is served as far as it can be.
Pure: plain data in, CP-SAT constraints or plain data out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta

from ortools.sat.python import cp_model

from allocator.planner.candidates import Candidates, Role
from allocator.planner.domain import Assignment, Problem, Request, SeriesPolicy, Unserved

Var = cp_model.IntVar


def series_of(c: Candidates) -> str | None:
    """The series an event position belongs to (None: not an occurrence)."""
    return c.request.occurrence_of if c.role is Role.EVENT else None


def event_groups(cands: Sequence[Candidates]) -> dict[str, list[int]]:
    """Event positions by series, in order."""
    groups: dict[str, list[int]] = defaultdict(list)
    for pos, c in enumerate(cands):
        ref = series_of(c)
        if ref is not None:
            groups[ref].append(pos)
    return dict(groups)


def hosts_to_name(cands: Sequence[Candidates]) -> set[int]:
    """Hosts an occurrence may use: modelled one by one, since "the same pool" is not "the same host"."""
    return {h.host for c in cands if series_of(c) is not None for h in c.hosts}


def ties(cands: Sequence[Candidates]) -> list[tuple[int, int]]:
    """Occurrences of one series belong to one part."""
    return [(group[0], pos) for group in event_groups(cands).values() for pos in group[1:]]


def widen_to_series(cands: Sequence[Candidates], near: set[tuple[bool, str]]) -> set[tuple[bool, str]]:
    """A re-plan's neighbourhood holding one occurrence free holds its whole series free."""
    touched = {series_of(c) for c in cands if (False, c.ref) in near} - {None}
    return near | {(False, c.ref) for c in cands if series_of(c) in touched}


def under_way(problem: Problem) -> set[str]:
    """Series of which an occurrence is pinned, frozen as published, or has begun: all-or-nothing no longer
    applies to them (what is held stays; the rest is served as far as it can be)."""
    freeze = problem.now + timedelta(minutes=problem.policy.freeze_horizon_min)
    pinned = {p.request for p in problem.pins}
    published = {a.request for a in problem.previous}
    out: set[str] = set()
    for r in problem.requests:
        if r.occurrence_of is None or not r.status.active:
            continue
        if r.ref in pinned or r.start <= problem.now or (r.ref in published and r.start < freeze):
            out.add(r.occurrence_of)
    return out


def all_or_nothing(problem: Problem) -> set[str]:
    """Series whose occurrences are served together or not at all, now."""
    wanted = {
        r.occurrence_of
        for r in problem.requests
        if r.occurrence_of is not None and r.series is not None and r.series.policy is SeriesPolicy.ALL_OR_NOTHING
    }
    return {ref for ref in wanted if ref is not None} - under_way(problem)


def add_same_host(model: cp_model.CpModel, groups: Mapping[str, list[int]],
                  host: Mapping[tuple[int, int], Var], host_options: Sequence[Mapping[int, object]]
                  ) -> dict[tuple[str, int], Var]:  # fmt: skip
    """Every served occurrence of a series on one host: `chosen[series, pool]` is 1 for at most one pool, and an
    occurrence may take only the chosen one. Returns the `chosen` variables."""
    chosen: dict[tuple[str, int], Var] = {}
    for ref, positions in groups.items():
        pools = sorted({g for pos in positions for g in host_options[pos]})
        if not pools:
            continue
        for g in pools:
            chosen[ref, g] = model.new_bool_var(f"series_host[{ref},pool{g}]")
        model.add(sum(chosen[ref, g] for g in pools) <= 1)
        for pos in positions:
            for g in host_options[pos]:
                model.add_implication(host[pos, g], chosen[ref, g])
    return chosen


def add_served_together(model: cp_model.CpModel, groups: Mapping[str, list[int]], served: Mapping[int, Var],
                        together: set[str]) -> None:  # fmt: skip
    """An all-or-nothing series: every occurrence served, or none."""
    for ref, positions in groups.items():
        if ref in together:
            for pos in positions[1:]:
                model.add(served[pos] == served[positions[0]])


def chosen_hint(chosen: Mapping[tuple[str, int], Var], groups: Mapping[str, list[int]],
                host: Mapping[tuple[int, int], Var], values: Mapping[Var, int]) -> dict[Var, int]:  # fmt: skip
    """The `chosen` variables a hint of the assignment variables implies."""
    out: dict[Var, int] = {}
    for (ref, g), var in chosen.items():
        out[var] = int(any(values.get(host[pos, g], 0) for pos in groups[ref] if (pos, g) in host))
    return out


def broken_series(cands: Sequence[Candidates], served: Iterable[int], together: set[str]) -> set[str]:
    """All-or-nothing series a set of served positions serves only in part."""
    on = set(served)
    return {ref for ref, group in event_groups(cands).items() if ref in together and 0 < len(on & set(group))
            < len(group)}  # fmt: skip


def explain_partners(problem: Problem, unserved: list[Unserved], chosen: Sequence[Assignment]) -> list[Unserved]:
    """Occurrences left out by the series' own rules say so: the series' host is busy then (its other
    occurrences are served on it), another occurrence of an all-or-nothing series cannot be served (named), or no
    one host is free for every occurrence. An occurrence with a reason of its own keeps it, with the rule added."""
    by_ref = {r.ref: r for r in problem.requests}
    served = {a.request: a for a in chosen}
    own = {u.request: u for u in unserved}
    together = all_or_nothing(problem)
    out: list[Unserved] = []
    for u in unserved:
        req = by_ref.get(u.request)
        if req is None or req.occurrence_of is None:
            out.append(u)
            continue
        ref = req.occurrence_of
        mates = [r for r in problem.requests if r.occurrence_of == ref and r.status.active and r.ref != u.request]
        hosts = sorted({a.host for m in mates if (a := served.get(m.ref)) is not None and a.host is not None})
        if u.code != "time_limit":
            if ref in together and u.code != "series_incomplete" and f"(series {ref}:" not in u.reason:
                u = u.model_copy(update={"reason": f"{u.reason} (series {ref}: every occurrence or none)",
                                         "reason_id": f"{u.reason_id} (seri {ref}: semua pertemuan atau tidak sama "
                                         "sekali)"})  # fmt: skip
            out.append(u)
            continue
        causes = [m.ref for m in mates if m.ref in own and own[m.ref].code not in ("time_limit", "series_incomplete")]
        if hosts:
            en = (f"the series' host {hosts[0]} (one Zoom meeting, one link for every occurrence of {ref}) is not "
                  "free then")  # fmt: skip
            id_ = (
                f"host seri {hosts[0]} (satu rapat Zoom, satu tautan untuk semua pertemuan {ref}) tidak kosong saat itu"
            )
        elif causes:
            names = ", ".join(causes)
            en = (f"series {ref} is served with every occurrence or none, and {names} cannot be served; "
                  "a series with the partial policy would be served in part")  # fmt: skip
            id_ = (f"seri {ref} dilayani seluruhnya atau tidak sama sekali, dan {names} tidak dapat dilayani; "
                   "seri dengan kebijakan sebagian akan dilayani sebagian")  # fmt: skip
        else:
            en = f"no one host is free for every occurrence of series {ref} (one Zoom meeting needs one host)"
            id_ = f"tidak ada satu host yang kosong untuk semua pertemuan seri {ref} (satu rapat Zoom, satu host)"
        out.append(Unserved(request=u.request, code="series_incomplete", reason=en, reason_id=id_))
    return out


def series_requests(problem: Problem) -> dict[str, list[Request]]:
    """The occurrences of each series in the problem, in order."""
    out: dict[str, list[Request]] = defaultdict(list)
    for r in problem.requests:
        if r.occurrence_of is not None:
            out[r.occurrence_of].append(r)
    return {ref: sorted(rs, key=lambda r: r.occurrence or 0) for ref, rs in out.items()}
