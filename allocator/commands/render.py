"""Plans as people read them: a summary, the unserved with reasons, per-host / per-operator timelines (events at
their planned time, rehearsals and venue surveys as their own entries), missed rehearsals and kit loans."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from rich.console import Console

from allocator.commands.fit import Col, fit_table
from allocator.commands.lang import word
from allocator.commands.working_time_view import print_working_time
from allocator.notify.planned import kit_loans, planned_times, rehearsal_start
from allocator.plan_words import restriction_text, warning_text
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
        "restricted": "Pencarian dibatasi (bukan bukti optimal; --exact untuk mencari semua waktu)",
        "restricted_proven": "Pencarian dibatasi, dan terbukti tidak mengurangi hasil (relaksasi tanpa batas itu)",
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
        "day": "Tanggal",
        "days_title": "Rencana per hari ({zone})",
        "cols_days": ("Tanggal", "Permohonan", "Terlayani", "Tidak", "Host", "Operator"),
        "codes_title": "Tidak terlayani menurut alasan",
        "cols_codes": ("Alasan", "Jumlah", "Contoh"),
        "compact_hint": "Rencana besar: ringkasan per hari. Rinciannya dengan --day 2027-01-05, --host H, "
        "--operator O, --unit NAMA, --unserved, atau semuanya dengan --full.",
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
        "restricted": "Search limited (no proof of optimality; --exact searches every time)",
        "restricted_proven": "Search limited, and proven to lose nothing (a relaxation without those limits)",
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
        "day": "Date",
        "days_title": "Plan per day ({zone})",
        "cols_days": ("Date", "Requests", "Served", "Unserved", "Hosts", "Operators"),
        "codes_title": "Unserved by reason",
        "cols_codes": ("Reason", "Count", "Examples"),
        "compact_hint": "A large plan: summarised per day. The detail with --day 2027-01-05, --host H, "
        "--operator O, --unit NAME, --unserved, or all of it with --full.",
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


COMPACT_OVER = 150  # served requests above which a plan is summarised per day unless filtered or --full


@dataclass(frozen=True)
class PlanView:
    """Which part of a plan to print: site-local `day`, a `host`, an `operator`, a `unit` (part of its name, any
    case), only the unserved; `full` prints every timeline of a large plan instead of its per-day summary."""

    day: date | None = None
    host: str | None = None
    operator: str | None = None
    unit: str | None = None
    unserved_only: bool = False
    full: bool = False

    @property
    def filtered(self) -> bool:
        return any(x is not None for x in (self.day, self.host, self.operator, self.unit)) or self.unserved_only

    def keeps(self, req: Request, start: datetime, zone: str) -> bool:
        """The day and unit filters (host and operator pick the timelines)."""
        if self.day is not None and local(start, zone).date() != self.day:
            return False
        return self.unit is None or self.unit.casefold() in req.unit.casefold()


def print_plan(problem: Problem, plan: Plan, console: Console, lang: str = "id", view: PlanView | None = None) -> None:
    """The summary, then the timelines, workflow sections and unserved requests that `view` selects; a large plan
    without a filter is shown per day (with the filters that open it up)."""
    view = view or PlanView()
    t = TEXT[lang]
    served = len(plan.assignments)
    total = served + len(plan.unserved)
    console.print(
        t["summary"].format(
            status=t["status"][plan.status.value], served=served, total=total, unserved=len(plan.unserved)
        )
    )
    if plan.objective:
        w, c, p = plan.term("served_weight"), plan.term("changes"), plan.term("preferences")
        rehearsals = sum(1 for a in plan.assignments if a.rehearsal is not None)
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
        console.print(f"[yellow]{t['warning']}:[/yellow] {warning_text(warning, lang)}", highlight=False)
    if plan.restrictions:
        console.print(
            f"[yellow]{t['restricted_proven' if plan.status.value == 'optimal' else 'restricted']}:[/yellow] "
            + "; ".join(restriction_text(r, lang) for r in plan.restrictions),
            soft_wrap=True,
        )
    if served > COMPACT_OVER and not view.filtered and not view.full:
        print_days(problem, plan, console, lang)
        print_working_time(problem, plan, console, lang)
        return
    if not view.unserved_only:
        _timelines(problem, plan, console, lang, view)
        zone = problem.policy.timezone

        def keep(req: Request, start: datetime, operator: str) -> bool:
            return view.host is None and view.operator in (None, operator) and view.keeps(req, start, zone)

        print_working_time(problem, plan, console, lang, day=view.day, keep=keep)
    if view.host is None and view.operator is None:  # the unserved have neither
        _unserved(problem, plan, console, lang, view)


def _timelines(problem: Problem, plan: Plan, console: Console, lang: str, view: PlanView) -> None:
    t = TEXT[lang]
    zone = problem.policy.timezone
    width = console.width
    zone_words = f"{zone}, {zone_abbrev(zone)}"
    any_moved = False
    host_rows: list[list[str]] = []
    host_ends: list[bool] = []
    if view.operator is None:
        for host in problem.hosts:
            if view.host is not None and host.id != view.host:
                continue
            rows = [x for x in host_entries(problem, plan, host.id, lang) if view.keeps(x.request, x.start, zone)]
            for i, x in enumerate(rows):
                s, e = local(x.start, zone), local(x.end, zone)
                any_moved = any_moved or x.moved
                task_ops = x.assignment.rehearsal.operators if x.kind == "rehearsal" and x.assignment.rehearsal else []
                host_rows.append([
                    f"{host.id} ({host.capacity})" if i == 0 else "",
                    _day(s, lang),
                    f"{s:%H:%M}–{e:%H:%M}" + ("*" if x.moved else ""),
                    x.request.ref,
                    x.label,
                    x.request.unit,
                    str(x.request.participants) if x.kind == "event" else t["none"],
                    ", ".join(task_ops or x.assignment.operators) or t["none"],
                ])  # fmt: skip
                host_ends.append(i == len(rows) - 1)
        # stated drop order: unit first, then seats, then operators; host, date, time and ref are never cut
        host_cols = [Col(h, whole=k < 4, drop={5: 1, 6: 2, 7: 3}.get(k, 0)) for k, h in enumerate(t["cols_host"])]
        host_cols[6] = Col(t["cols_host"][6], drop=2, justify="right")
        console.print(fit_table(t["host_title"].format(zone=zone_words), host_cols, host_rows, width, ends=host_ends))

    op_rows: list[list[str]] = []
    op_ends: list[bool] = []
    if view.host is None:
        for op in problem.operators:
            if view.operator is not None and op.id != view.operator:
                continue
            mine = [x for x in operator_entries(problem, plan, op.id, lang) if view.keeps(x.request, x.start, zone)]
            for i, x in enumerate(mine):
                s, e = local(x.start, zone), local(x.end, zone)
                any_moved = any_moved or x.moved
                on_host = x.assignment.rehearsal.host if x.kind == "rehearsal" and x.assignment.rehearsal else None
                if x.kind == "event":
                    on_host = x.assignment.host
                op_rows.append([
                    f"{op.id} {op.name}" if i == 0 else "",
                    _day(s, lang),
                    f"{s:%H:%M}–{e:%H:%M}" + ("*" if x.moved else ""),
                    x.request.ref,
                    x.label,
                    on_host or t["none"],
                    _place(x, problem, lang),
                ])  # fmt: skip
                op_ends.append(i == len(mine) - 1)
        # stated drop order: venue first, then host; operator, date, time and ref are never cut
        op_cols = [Col(h, whole=k in (1, 2, 3), drop={6: 1, 5: 2}.get(k, 0)) for k, h in enumerate(t["cols_op"])]
        console.print(fit_table(t["op_title"].format(zone=zone_words), op_cols, op_rows, width, ends=op_ends))
    if any_moved:
        console.print(t["moved_note"])
    print_workflow(problem, plan, console, lang, view)


def _unserved(problem: Problem, plan: Plan, console: Console, lang: str, view: PlanView) -> None:
    reqs = {r.ref: r for r in problem.requests}
    t = TEXT[lang]
    zone = problem.policy.timezone
    rows = [
        [u.request, _day(local(reqs[u.request].start, zone), lang), word(reqs[u.request].priority, lang),
         u.reason_id if lang == "id" else u.reason]
        for u in plan.unserved
        if u.request in reqs and view.keeps(reqs[u.request], reqs[u.request].start, zone)
    ]  # fmt: skip
    if rows:
        # stated drop order: priority first; request and date are never cut, the reason wraps
        cols = [Col(t["cols_unserved"][0], whole=True), Col(t["day"], whole=True),
                Col(t["cols_unserved"][1], drop=1), Col(t["cols_unserved"][2])]  # fmt: skip
        console.print(fit_table(t["unserved_title"], cols, rows, console.width, lines=True))


def print_days(problem: Problem, plan: Plan, console: Console, lang: str = "id") -> None:
    """A large plan per site-local day: requests, served, unserved, hosts and operators at work; then the
    unserved by reason, and the filters that show the detail."""
    t = TEXT[lang]
    zone = problem.policy.timezone
    reqs = {r.ref: r for r in problem.requests}
    days: dict[date, list[int]] = {}
    hosts: dict[date, set[str]] = {}
    ops: dict[date, set[str]] = {}
    for a in plan.assignments:
        r = reqs.get(a.request)
        if r is None:
            continue
        d = local(planned_times(r, a)[0], zone).date()
        days.setdefault(d, [0, 0])[0] += 1
        hosts.setdefault(d, set()).update([a.host] if a.host else [])
        ops.setdefault(d, set()).update(a.operators)
    codes: dict[str, list[str]] = {}
    for u in plan.unserved:
        if u.request in reqs:
            days.setdefault(local(reqs[u.request].start, zone).date(), [0, 0])[1] += 1
            codes.setdefault(u.code, []).append(u.request)
    rows = [
        [_day(datetime.combine(d, datetime.min.time()), lang), str(sum(n)), str(n[0]), str(n[1]),
         str(len(hosts.get(d, ()))), str(len(ops.get(d, ())))]
        for d, n in sorted(days.items())
    ]  # fmt: skip
    cols = [Col(t["cols_days"][0], whole=True)] + [Col(h, whole=True, justify="right") for h in t["cols_days"][1:]]
    console.print(fit_table(t["days_title"].format(zone=f"{zone}, {zone_abbrev(zone)}"), cols, rows, console.width))
    if codes:
        rows = [[code, str(len(refs)), ", ".join(refs[:3]) + (" …" if len(refs) > 3 else "")]
                for code, refs in sorted(codes.items(), key=lambda kv: -len(kv[1]))]  # fmt: skip
        cols = [Col(t["cols_codes"][0], whole=True), Col(t["cols_codes"][1], whole=True, justify="right"),
                Col(t["cols_codes"][2])]  # fmt: skip
        console.print(fit_table(t["codes_title"], cols, rows, console.width))
    console.print(t["compact_hint"], soft_wrap=True)


def print_workflow(
    problem: Problem, plan: Plan, console: Console, lang: str = "id", view: PlanView | None = None
) -> None:
    """The sections about the workflow: flexible requests moved, rehearsals not scheduled, kit loans."""
    view = view or PlanView()
    t = TEXT[lang]
    zone = problem.policy.timezone
    width = console.width
    reqs = {r.ref: r for r in problem.requests}
    _venues, kit_names = _names(problem)
    served = [(reqs[a.request], a) for a in plan.assignments if a.request in reqs]
    served = [(r, a) for r, a in served if view.keeps(r, planned_times(r, a)[0], zone) and _on(view, a)]
    served.sort(key=lambda ra: (planned_times(*ra)[0], ra[0].ref))

    moved = [(r, a) for r, a in served if planned_times(r, a) != (r.start, r.end)]
    if moved:
        rows = [[r.ref, when(r.start, r.end, r.timezone, lang), when(*planned_times(r, a), r.timezone, lang)]
                for r, a in moved]  # fmt: skip
        console.print(fit_table(t["moved_title"], [Col(c, whole=True) for c in t["cols_moved"]], rows, width))

    shown = {r.ref for r, _a in served}
    missed = [mr for mr in plan.missed_rehearsals if mr.request in shown]
    if missed:
        rows = [[mr.request, reqs[mr.request].title, mr.reason_id if lang == "id" else mr.reason] for mr in missed]
        # stated drop order: the title first; the request is never cut, the reason wraps
        cols = [Col(t["cols_missed"][0], whole=True), Col(t["cols_missed"][1], drop=1), Col(t["cols_missed"][2])]
        console.print(fit_table(t["missed_title"], cols, rows, width, lines=True))

    loans = [(r, a) for r, a in served if r.kits]
    if loans:
        rows = []
        for r, a in loans:
            s, e = planned_times(r, a)
            items = kit_loans(r, s, e, problem.policy, kit_names, rehearsal=rehearsal_start(a))
            pickup, due = local(items[0].pickup, zone), local(items[0].due, zone)
            rows.append([r.ref, ", ".join(f"{k.count} × {k.name}" for k in items),
                         f"{_day(pickup, lang)} {pickup:%H:%M}", f"{_day(due, lang)} {due:%H:%M}"])  # fmt: skip
        cols = [Col(t["cols_kits"][0], whole=True), Col(t["cols_kits"][1]), Col(t["cols_kits"][2], whole=True),
                Col(t["cols_kits"][3], whole=True)]  # fmt: skip
        console.print(fit_table(t["kits_title"].format(zone=f"{zone}, {zone_abbrev(zone)}"), cols, rows, width))


def _on(view: PlanView, a: Assignment) -> bool:
    """The host and operator filters for a served request's workflow lines."""
    if view.host is not None and a.host != view.host:
        return False
    return view.operator is None or view.operator in a.operators


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
    items = kit_loans(req, s, e, problem.policy, kit_names, rehearsal=rehearsal_start(a))
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
