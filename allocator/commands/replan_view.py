"""How `vicon replan` reads to an admin, in one language: the plan's counts, each request that gains, loses or
moves (or a newcomer left unserved) with its reason, and the Zoom actions queued."""

from __future__ import annotations

import re
from dataclasses import replace

from allocator.commands.lang import word
from allocator.planner.domain import SitePolicy
from allocator.service import Change, ReplanOutcome

TEXT: dict[str, dict[str, str]] = {
    "id": {
        "head": "{what}: {served} terlayani, {unserved} tidak terlayani, {status}, {secs:.2f} dtk",
        "would": "pratinjau (tidak diterbitkan)",
        "published": "rencana {id} diterbitkan",
        "note": "  catatan: {note}",
        "no_change": "  tidak ada permohonan yang bertambah, hilang atau bergeser; setiap permohonan baru terlayani",
        "zoom": "  aksi Zoom: {counts}",
        "none": "tidak ada",
        "gained": "prioritas {tier}",
        "status": "permohonan berstatus {status}",
        "offered": "; ditawarkan: {alt}",
        "moved_for": "sumber dayanya kini melayani {refs}",
        "moved": "direncanakan ulang mengikuti perubahan lain",
    },
    "en": {
        "head": "{what}: {served} served, {unserved} unserved, {status}, {secs:.2f} s",
        "would": "would publish plan",
        "published": "published plan {id}",
        "note": "  note: {note}",
        "no_change": "  no request gains, loses or moves, and every new request is served",
        "zoom": "  Zoom actions: {counts}",
        "none": "none",
    },
}
ACTIONS = {"id": {"create": "buat", "update": "ubah", "delete": "hapus"}}
STATUS = {"id": {"optimal": "optimal", "feasible": "layak", "empty": "kosong"}}
MOVED_FOR = "its resources now serve "


def _tiers_named(refs: str, policy: SitePolicy, lang: str) -> str:
    """'PSR-1 (head_of_region), PSR-2 (normal)' with each tier as the site labels it in `lang`."""
    return re.sub(r"\(([A-Za-z0-9_]+)\)", lambda m: f"({policy.tier_label(m.group(1), lang).lower()})", refs)


def change_reason(change: Change, out: ReplanOutcome, lang: str) -> str:
    """The change's reason in `lang` (the service words it in English; the plan has each reason in both)."""
    reqs = {r.ref: r for r in out.problem.requests}
    policy = out.problem.policy
    if lang != "id":
        if change.kind == "gained":  # the tier as the site names it, not its key
            return f"priority {policy.tier_label(reqs[change.request].priority, lang).lower()}"
        if change.kind == "moved" and change.reason.startswith(MOVED_FOR):
            return MOVED_FOR + _tiers_named(change.reason.removeprefix(MOVED_FOR), policy, lang)
        return change.reason
    t = TEXT["id"]
    if change.kind == "gained":
        return t["gained"].format(tier=word(reqs[change.request].priority, lang))
    if change.kind == "moved":
        if change.reason.startswith(MOVED_FOR):
            return t["moved_for"].format(refs=_tiers_named(change.reason.removeprefix(MOVED_FOR), policy, lang))
        return t["moved"]
    u = next((u for u in out.plan.unserved if u.request == change.request), None)
    if u is None:
        return t["status"].format(status=word(reqs[change.request].status.value, lang))
    return u.reason_id + (t["offered"].format(alt=u.alternatives[0].text_id) if u.alternatives else "")


def replan_lines(out: ReplanOutcome, *, dry_run: bool, lang: str) -> list[str]:
    t = TEXT[lang]
    plan = out.plan
    plan_id = None if out.published is None else out.published.plan_id
    what = t["would"] if dry_run or plan_id is None else t["published"].format(id=plan_id)
    status = STATUS.get(lang, {}).get(plan.status.value, plan.status.value)
    lines = [t["head"].format(what=what, served=len(plan.assignments), unserved=len(plan.unserved), status=status,
                              secs=plan.solve_seconds)]  # fmt: skip
    lines += [t["note"].format(note=note) for note in out.notes_in(lang)]
    if not out.changes:
        lines.append(t["no_change"])
    for c in out.changes:
        line = replace(c, reason=change_reason(c, out, lang)).line()
        if lang == "id":  # the service's words for a request served without a Zoom host
            line = line.replace(": no host", ": tanpa host").replace("→ no host", "→ tanpa host")
        lines.append("  " + line)
    if out.published is not None:
        words = ACTIONS.get(lang, {})
        counts = ", ".join(f"{v} {words.get(k, k)}" for k, v in out.published.counts().items() if v)
        lines.append(t["zoom"].format(counts=counts or t["none"]))
    return lines
