"""Plans as people read them: a summary, the unserved with reasons, per-host / per-operator timelines (events at
their planned time, rehearsals and venue surveys as their own entries), missed rehearsals and kit loans."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from rich.console import Console
from rich.table import Table

from allocator.notify.planned import kit_loans, planned_times
from allocator.planner.domain import Assignment, Plan, Problem, Request, local, zone_abbrev
from allocator.planner.explain import when

TEXT: dict[str, dict[str, Any]] = {
    "id": {
        "status": {"optimal": "optimal (terbukti)", "feasible": "layak (belum terbukti optimal)", "empty": "kosong"},
        "summary": "Rencana {status}: {served} dari {total} permohonan terlayani, {unserved} tidak terlayani.",
        "terms": "Tujuan: bobot prioritas terlayani {w} (batas {wb});{r} perubahan {c}; preferensi {p}; "
        "celah {gap:.2%}; {components} komponen; {secs:.2f} dtk.",
        "terms_rehearsals": " gladi terjadwal {r};",
        "unserved_title": "Tidak terlayani",
        "host_title": "Jadwal per host ({zone})",
        "op_title": "Jadwal per operator ({zone}, termasuk persiapan)",
        "cols_host": ("Host", "Tanggal", "Jam", "Permohonan", "Acara", "Unit", "Peserta", "Operator"),
        "cols_op": ("Operator", "Tanggal", "Jam", "Permohonan", "Acara", "Host", "Lokasi"),
        "cols_unserved": ("Permohonan", "Prioritas", "Alasan"),
        "warning": "Peringatan",
        "none": "-",
        "rehearsal": "Gladi: {ref}",
        "survey": "Survei: {venue}",
        "online": "daring",
        "moved_note": "* dijadwalkan pada waktu lain dari yang diminta (permohonan fleksibel)",
        "moved_title": "Permohonan fleksibel pada waktu lain",
        "cols_moved": ("Permohonan", "Diminta", "Dijadwalkan"),
        "missed_title": "Gladi bersih tidak terjadwal (acara tetap dilayani, PIC diberi tahu)",
        "cols_missed": ("Permohonan", "Acara", "Alasan"),
        "kits_title": "Peminjaman peralatan ({zone})",
        "cols_kits": ("Permohonan", "Peralatan", "Ambil", "Kembali"),
        "served": "terlayani: host {host}, operator {ops}",
        "planned": "dijadwalkan {planned} (diminta {asked})",
        "rehearsal_line": "gladi bersih: {when}, {where}",
        "rehearsal_missed": "gladi bersih tidak terjadwal: {reason}",
        "survey_line": "survei lokasi: {when}, {venue}, oleh {ops}",
        "kits_line": "peralatan: {kits}; ambil {pickup}, kembali {due}",
        "not_served": "tidak terlayani: {reason} [{code}]",
        "newcomer": "{ref} masuk setelah rencana {plan} diterbitkan; menurut re-plan berikutnya (pratinjau, belum "
        "diterbitkan):",
    },
    "en": {
        "status": {"optimal": "optimal (proven)", "feasible": "feasible (not proven optimal)", "empty": "empty"},
        "summary": "Plan {status}: {served} of {total} requests served, {unserved} unserved.",
        "terms": "Objective: priority-weighted served {w} (bound {wb});{r} changes {c}; preferences {p}; "
        "gap {gap:.2%}; {components} components; {secs:.2f} s.",
        "terms_rehearsals": " rehearsals placed {r};",
        "unserved_title": "Unserved",
        "host_title": "Timeline per host ({zone})",
        "op_title": "Timeline per operator ({zone}, setup included)",
        "cols_host": ("Host", "Date", "Time", "Request", "Title", "Unit", "Seats", "Operators"),
        "cols_op": ("Operator", "Date", "Time", "Request", "Title", "Host", "Venue"),
        "cols_unserved": ("Request", "Priority", "Reason"),
        "warning": "Warning",
        "none": "-",
        "rehearsal": "Rehearsal: {ref}",
        "survey": "Survey: {venue}",
        "online": "online",
        "moved_note": "* planned at another time than requested (flexible request)",
        "moved_title": "Flexible requests at another time",
        "cols_moved": ("Request", "Requested", "Planned"),
        "missed_title": "Rehearsals not scheduled (the event is served, the PIC is told)",
        "cols_missed": ("Request", "Title", "Reason"),
        "kits_title": "Kit loans ({zone})",
        "cols_kits": ("Request", "Kits", "Pick up", "Return"),
        "served": "served: host {host}, operators {ops}",
        "planned": "planned {planned} (requested {asked})",
        "rehearsal_line": "rehearsal: {when}, {where}",
        "rehearsal_missed": "rehearsal not scheduled: {reason}",
        "survey_line": "venue survey: {when}, {venue}, by {ops}",
        "kits_line": "kits: {kits}; pick up {pickup}, return {due}",
        "not_served": "not served: {reason} [{code}]",
        "newcomer": "{ref} arrived after plan {plan} was published; as the next re-plan would have it (a preview, "
        "not published):",
    },
}


_DAYS = {
    "id": ("Sen", "Sel", "Rab", "Kam", "Jum", "Sab", "Min"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}


def _day(dt: datetime, lang: str) -> str:
    return f"{_DAYS[lang][dt.weekday()]} {dt:%Y-%m-%d}"


@dataclass(frozen=True)
class Entry:
    """One line of a resource's timeline: an event, a rehearsal or a venue survey."""

    start: datetime  # what the resource is busy for (an operator's setup and teardown included)
    end: datetime
    kind: str  # event | rehearsal | survey
    request: Request
    assignment: Assignment
    label: str
    moved: bool = False


def _names(problem: Problem) -> tuple[dict[str, str], dict[str, str]]:
    venues = {v.id: v.name or v.id for v in problem.venues}
    kits = {k.id: k.name or k.id for k in problem.kit_types}
    return venues, kits


def host_entries(problem: Problem, plan: Plan, host_id: str, lang: str = "id") -> list[Entry]:
    """A host's events at their planned time and the online rehearsals it holds, in time order."""
    t = TEXT[lang]
    reqs = {r.ref: r for r in problem.requests}
    out: list[Entry] = []
    for a in plan.assignments:
        r = reqs.get(a.request)
        if r is None:
            continue
        if a.host == host_id:
            s, e = planned_times(r, a)
            out.append(Entry(s, e, "event", r, a, r.title, moved=(s, e) != (r.start, r.end)))
        if a.rehearsal is not None and a.rehearsal.host == host_id:
            out.append(Entry(a.rehearsal.start, a.rehearsal.end, "rehearsal", r, a, t["rehearsal"].format(ref=r.ref)))
    return sorted(out, key=lambda x: (x.start, x.request.ref, x.kind))


def operator_entries(problem: Problem, plan: Plan, op_id: str, lang: str = "id") -> list[Entry]:
    """An operator's events and rehearsals (setup and teardown included) and venue surveys (exactly their time)."""
    t = TEXT[lang]
    reqs = {r.ref: r for r in problem.requests}
    venues, _kits = _names(problem)
    setup = timedelta(minutes=problem.policy.operator_setup_min)
    teardown = timedelta(minutes=problem.policy.operator_teardown_min)
    out: list[Entry] = []
    for a in plan.assignments:
        r = reqs.get(a.request)
        if r is None:
            continue
        if op_id in a.operators:
            s, e = planned_times(r, a)
            moved = (s, e) != (r.start, r.end)
            out.append(Entry(s - setup, e + teardown, "event", r, a, r.title, moved=moved))
        reh = a.rehearsal
        if reh is not None and op_id in (reh.operators or a.operators):
            label = t["rehearsal"].format(ref=r.ref)
            out.append(Entry(reh.start - setup, reh.end + teardown, "rehearsal", r, a, label))
        sv = a.survey
        if sv is not None and op_id in sv.operators:
            venue = venues.get(sv.venue or "", sv.venue or t["none"])
            out.append(Entry(sv.start, sv.end, "survey", r, a, t["survey"].format(venue=venue)))
    return sorted(out, key=lambda x: (x.start, x.request.ref, x.kind))


def _place(entry: Entry, problem: Problem, lang: str) -> str:
    """Where the entry happens: the venue's name, or 'daring'/'online' for an online rehearsal."""
    venues, _kits = _names(problem)
    t = TEXT[lang]
    none, online = str(t["none"]), str(t["online"])
    vid: str | None = entry.request.venue
    if entry.kind == "survey":
        vid = entry.assignment.survey.venue if entry.assignment.survey else None
    elif entry.kind == "rehearsal":
        slot = entry.assignment.rehearsal
        if slot is None or slot.venue is None:
            return online
        vid = slot.venue
    return venues.get(vid, vid) if vid else none


def print_plan(problem: Problem, plan: Plan, console: Console, lang: str = "id") -> None:
    t = TEXT[lang]
    zone = problem.policy.timezone
    reqs = {r.ref: r for r in problem.requests}
    served = len(plan.assignments)
    total = served + len(plan.unserved)
    console.print(
        t["summary"].format(
            status=t["status"][plan.status.value], served=served, total=total, unserved=len(plan.unserved)
        )
    )
    if plan.objective:
        w, c, p = plan.term("served_weight"), plan.term("changes"), plan.term("preferences")
        rehearsals = next((x.value for x in plan.objective if x.name == "rehearsals"), None)
        console.print(
            t["terms"].format(
                w=w.value,
                wb=w.bound,
                r=t["terms_rehearsals"].format(r=rehearsals) if rehearsals else "",
                c=c.value,
                p=p.value,
                gap=plan.gap,
                components=plan.components,
                secs=plan.solve_seconds,
            )
        )
    for warning in plan.warnings:
        console.print(f"[yellow]{t['warning']}:[/yellow] {warning}")

    hosts = Table(title=t["host_title"].format(zone=f"{zone}, {zone_abbrev(zone)}"), title_justify="left")
    for col in t["cols_host"]:
        hosts.add_column(col, no_wrap=True, overflow="ellipsis", max_width=34)
    any_moved = False
    for host in problem.hosts:
        rows = host_entries(problem, plan, host.id, lang)
        for i, x in enumerate(rows):
            s, e = local(x.start, zone), local(x.end, zone)
            any_moved = any_moved or x.moved
            task_ops = x.assignment.rehearsal.operators if x.kind == "rehearsal" and x.assignment.rehearsal else []
            hosts.add_row(
                f"{host.id} ({host.capacity})" if i == 0 else "",
                _day(s, lang),
                f"{s:%H:%M}–{e:%H:%M}" + ("*" if x.moved else ""),
                x.request.ref,
                x.label[:40],
                x.request.unit[:24],
                str(x.request.participants) if x.kind == "event" else t["none"],
                ", ".join(task_ops or x.assignment.operators) or t["none"],
                end_section=i == len(rows) - 1,
            )
    console.print(hosts)

    ops = Table(title=t["op_title"].format(zone=f"{zone}, {zone_abbrev(zone)}"), title_justify="left")
    for col in t["cols_op"]:
        ops.add_column(col, no_wrap=True, overflow="ellipsis", max_width=34)
    for op in problem.operators:
        mine = operator_entries(problem, plan, op.id, lang)
        for i, x in enumerate(mine):
            s, e = local(x.start, zone), local(x.end, zone)
            on_host = x.assignment.rehearsal.host if x.kind == "rehearsal" and x.assignment.rehearsal else None
            if x.kind == "event":
                on_host = x.assignment.host
            ops.add_row(
                f"{op.id} {op.name}" if i == 0 else "",
                _day(s, lang),
                f"{s:%H:%M}–{e:%H:%M}" + ("*" if x.moved else ""),
                x.request.ref,
                x.label[:40],
                on_host or t["none"],
                _place(x, problem, lang)[:30],
                end_section=i == len(mine) - 1,
            )
    console.print(ops)
    if any_moved:
        console.print(t["moved_note"])
    print_workflow(problem, plan, console, lang)

    if plan.unserved:
        table = Table(title=t["unserved_title"], title_justify="left", show_lines=True)
        for col in t["cols_unserved"]:
            table.add_column(col, overflow="fold")
        for u in plan.unserved:
            table.add_row(u.request, reqs[u.request].priority, u.reason_id if lang == "id" else u.reason)
        console.print(table)


def print_workflow(problem: Problem, plan: Plan, console: Console, lang: str = "id") -> None:
    """The sections about the workflow: flexible requests moved, rehearsals not scheduled, kit loans."""
    t = TEXT[lang]
    zone = problem.policy.timezone
    reqs = {r.ref: r for r in problem.requests}
    _venues, kit_names = _names(problem)
    served = [(reqs[a.request], a) for a in plan.assignments if a.request in reqs]
    served.sort(key=lambda ra: (planned_times(*ra)[0], ra[0].ref))

    moved = [(r, a) for r, a in served if planned_times(r, a) != (r.start, r.end)]
    if moved:
        table = Table(title=t["moved_title"], title_justify="left")
        for col in t["cols_moved"]:
            table.add_column(col, overflow="fold")
        for r, a in moved:
            s, e = planned_times(r, a)
            table.add_row(r.ref, when(r.start, r.end, r.timezone, lang), when(s, e, r.timezone, lang))
        console.print(table)

    if plan.missed_rehearsals:
        table = Table(title=t["missed_title"], title_justify="left", show_lines=True)
        for col in t["cols_missed"]:
            table.add_column(col, overflow="fold")
        for mr in plan.missed_rehearsals:
            title = reqs[mr.request].title if mr.request in reqs else t["none"]
            table.add_row(mr.request, title, mr.reason_id if lang == "id" else mr.reason)
        console.print(table)

    loans = [(r, a) for r, a in served if r.kits]
    if loans:
        table = Table(title=t["kits_title"].format(zone=f"{zone}, {zone_abbrev(zone)}"), title_justify="left")
        for col in t["cols_kits"]:
            table.add_column(col, overflow="fold")
        for r, a in loans:
            s, e = planned_times(r, a)
            items = kit_loans(r, s, e, problem.policy, kit_names)
            pickup, due = local(items[0].pickup, zone), local(items[0].due, zone)
            table.add_row(
                r.ref,
                ", ".join(f"{k.count} × {k.name}" for k in items),
                f"{_day(pickup, lang)} {pickup:%H:%M}",
                f"{_day(due, lang)} {due:%H:%M}",
            )
        console.print(table)


def explain_request(problem: Problem, plan: Plan, ref: str, lang: str = "id") -> str:
    """A few plain lines about one request: its assignment, or why not and what would work instead."""
    en = lang == "en"
    by_ref = {r.ref: r for r in problem.requests}
    req = by_ref.get(ref)
    if req is None:
        return f"unknown request {ref!r}" if en else f"permohonan {ref!r} tidak dikenal"
    head = f"{req.ref} — {req.title} ({req.unit}), {when(req.start, req.end, req.timezone, lang)}, {req.participants} "
    head += "participants" if en else "peserta"
    a = plan.assignment_for(ref)
    if a is not None:
        return head + "\n" + "\n".join(_served_lines(problem, plan, req, a, lang))
    u = next((u for u in plan.unserved if u.request == ref), None)
    if u is None:
        return head + (
            "\nnot planned (not an active request)" if en else "\ntidak direncanakan (permohonan tidak aktif)"
        )
    lines = [head, TEXT[lang]["not_served"].format(code=u.code, reason=u.reason if en else u.reason_id)]
    if u.alternatives:
        lines.append("alternatives:" if en else "alternatif:")
        lines += [f"  {i}. {alt.text if en else alt.text_id}" for i, alt in enumerate(u.alternatives, 1)]
    else:
        lines.append("no alternative is free in the days searched" if en else "tidak ada alternatif yang kosong")
    return "\n".join(lines)


def _served_lines(problem: Problem, plan: Plan, req: Request, a: Assignment, lang: str) -> list[str]:
    """How a served request is planned: host and operators, the planned time, rehearsal, survey, kits."""
    t = TEXT[lang]
    venues, kit_names = _names(problem)
    zone = req.timezone
    lines = [t["served"].format(host=a.host or "-", ops=", ".join(a.operators) or "-")]
    s, e = planned_times(req, a)
    if (s, e) != (req.start, req.end):
        lines.append(t["planned"].format(planned=when(s, e, zone, lang), asked=when(req.start, req.end, zone, lang)))
    if a.rehearsal is not None:
        where = t["online"] + (f" ({a.rehearsal.host})" if a.rehearsal.host else "")
        if a.rehearsal.venue is not None:
            where = venues.get(a.rehearsal.venue, a.rehearsal.venue)
        lines.append(t["rehearsal_line"].format(when=when(a.rehearsal.start, a.rehearsal.end, zone, lang), where=where))
    missed = next((x for x in plan.missed_rehearsals if x.request == req.ref), None)
    if missed is not None:
        lines.append(t["rehearsal_missed"].format(reason=missed.reason_id if lang == "id" else missed.reason))
    if a.survey is not None:
        venue = venues.get(a.survey.venue or "", a.survey.venue or "-")
        lines.append(
            t["survey_line"].format(
                when=when(a.survey.start, a.survey.end, zone, lang),
                venue=venue,
                ops=", ".join(a.survey.operators) or "-",
            )
        )
    items = kit_loans(req, s, e, problem.policy, kit_names)
    if items:
        pickup, due = local(items[0].pickup, zone), local(items[0].due, zone)
        lines.append(
            t["kits_line"].format(
                kits=", ".join(f"{k.count} × {k.name}" for k in items),
                pickup=f"{_day(pickup, lang)} {pickup:%H:%M} {zone_abbrev(zone)}",
                due=f"{_day(due, lang)} {due:%H:%M} {zone_abbrev(zone)}",
            )
        )
    return lines
