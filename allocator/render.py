"""Plans as people read them: a summary, the unserved with reasons, and per-host / per-operator timelines."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from rich.console import Console
from rich.table import Table

from allocator.domain import Plan, Problem, local, zone_abbrev
from allocator.explain import when

TEXT: dict[str, dict[str, Any]] = {
    "id": {
        "status": {"optimal": "optimal (terbukti)", "feasible": "layak (belum terbukti optimal)", "empty": "kosong"},
        "summary": "Rencana {status}: {served} dari {total} permohonan terlayani, {unserved} tidak terlayani.",
        "terms": "Tujuan: bobot prioritas terlayani {w} (batas {wb}); perubahan {c}; preferensi {p}; "
        "celah {gap:.2%}; {components} komponen; {secs:.2f} dtk.",
        "unserved_title": "Tidak terlayani",
        "host_title": "Jadwal per host ({zone})",
        "op_title": "Jadwal per operator ({zone}, termasuk persiapan)",
        "cols_host": ("Host", "Tanggal", "Jam", "Permohonan", "Acara", "Unit", "Peserta", "Operator"),
        "cols_op": ("Operator", "Tanggal", "Jam", "Permohonan", "Acara", "Host", "Lokasi"),
        "cols_unserved": ("Permohonan", "Prioritas", "Alasan"),
        "warning": "Peringatan",
        "none": "-",
    },
    "en": {
        "status": {"optimal": "optimal (proven)", "feasible": "feasible (not proven optimal)", "empty": "empty"},
        "summary": "Plan {status}: {served} of {total} requests served, {unserved} unserved.",
        "terms": "Objective: priority-weighted served {w} (bound {wb}); changes {c}; preferences {p}; "
        "gap {gap:.2%}; {components} components; {secs:.2f} s.",
        "unserved_title": "Unserved",
        "host_title": "Timeline per host ({zone})",
        "op_title": "Timeline per operator ({zone}, setup included)",
        "cols_host": ("Host", "Date", "Time", "Request", "Title", "Unit", "Seats", "Operators"),
        "cols_op": ("Operator", "Date", "Time", "Request", "Title", "Host", "Venue"),
        "cols_unserved": ("Request", "Priority", "Reason"),
        "warning": "Warning",
        "none": "-",
    },
}


_DAYS = {
    "id": ("Sen", "Sel", "Rab", "Kam", "Jum", "Sab", "Min"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}


def _day(dt: datetime, lang: str) -> str:
    return f"{_DAYS[lang][dt.weekday()]} {dt:%Y-%m-%d}"


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
        console.print(
            t["terms"].format(
                w=w.value,
                wb=w.bound,
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
    for host in problem.hosts:
        rows = sorted(((reqs[a.request], a) for a in plan.assignments if a.host == host.id), key=lambda ra: ra[0].start)
        for i, (r, a) in enumerate(rows):
            s, e = local(r.start, zone), local(r.end, zone)
            hosts.add_row(
                f"{host.id} ({host.capacity})" if i == 0 else "",
                _day(s, lang),
                f"{s:%H:%M}–{e:%H:%M}",
                r.ref,
                r.title[:40],
                r.unit[:24],
                str(r.participants),
                ", ".join(a.operators) or t["none"],
                end_section=i == len(rows) - 1,
            )
    console.print(hosts)

    ops = Table(title=t["op_title"].format(zone=f"{zone}, {zone_abbrev(zone)}"), title_justify="left")
    for col in t["cols_op"]:
        ops.add_column(col, no_wrap=True, overflow="ellipsis", max_width=34)
    setup = timedelta(minutes=problem.policy.operator_setup_min)
    teardown = timedelta(minutes=problem.policy.operator_teardown_min)
    for op in problem.operators:
        mine = sorted(
            ((reqs[a.request], a) for a in plan.assignments if op.id in a.operators), key=lambda ra: ra[0].start
        )
        for i, (r, a) in enumerate(mine):
            s, e = local(r.start - setup, zone), local(r.end + teardown, zone)
            ops.add_row(
                f"{op.id} {op.name}" if i == 0 else "",
                _day(s, lang),
                f"{s:%H:%M}–{e:%H:%M}",
                r.ref,
                r.title[:40],
                a.host or t["none"],
                (r.venue or t["none"])[:30],
                end_section=i == len(mine) - 1,
            )
    console.print(ops)

    if plan.unserved:
        table = Table(title=t["unserved_title"], title_justify="left", show_lines=True)
        for col in t["cols_unserved"]:
            table.add_column(col, overflow="fold")
        for u in plan.unserved:
            table.add_row(u.request, reqs[u.request].priority, u.reason_id if lang == "id" else u.reason)
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
        host = a.host or "-"
        ops = ", ".join(a.operators) or "-"
        return head + (f"\nserved: host {host}, operators {ops}" if en else f"\nterlayani: host {host}, operator {ops}")
    u = next((u for u in plan.unserved if u.request == ref), None)
    if u is None:
        return head + (
            "\nnot planned (not an active request)" if en else "\ntidak direncanakan (permohonan tidak aktif)"
        )
    lines = [head, ("not served: " if en else "tidak terlayani: ") + (u.reason if en else u.reason_id)]
    if u.alternatives:
        lines.append("alternatives:" if en else "alternatif:")
        lines += [f"  {i}. {alt.text if en else alt.text_id}" for i, alt in enumerate(u.alternatives, 1)]
    else:
        lines.append("no alternative is free in the days searched" if en else "tidak ada alternatif yang kosong")
    return "\n".join(lines)
