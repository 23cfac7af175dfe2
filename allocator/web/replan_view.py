"""The re-plan preview in words: every request that gains, loses or moves, every newcomer the plan cannot serve and
every request that stays unserved, each with its reason (and alternatives) and the Zoom actions it brings, in the
page's language, before the admin publishes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from allocator.notify.planned import planned_times
from allocator.planner.domain import Assignment, Plan, Request, SitePolicy, Unserved
from allocator.planner.explain import when
from allocator.publish import Action
from allocator.service import ReplanOutcome
from allocator.store.repo import PublishedPlan

#: Order of the sections, most urgent first.
KINDS = ("lost", "not_served", "moved", "gained", "stays_unserved")
_MOVED = re.compile(r"its resources now serve (.+)")
_TAKER = re.compile(r"(\S+) \(([^)]+)\)")

#: Names of the Zoom meeting's fields an update changes (`MeetingSpec.zoom_fields`).
FIELDS: dict[str, dict[str, str]] = {
    "id": {"start": "waktu", "duration_min": "durasi", "topic": "judul", "agenda": "agenda", "timezone": "zona waktu"},
    "en": {"start": "time", "duration_min": "duration", "topic": "title", "agenda": "agenda", "timezone": "time zone"},
}
WORDS: dict[str, dict[str, str]] = {
    "id": {
        "lost": "tidak terlayani lagi", "not_served": "baru, tidak dapat dilayani", "moved": "pindah",
        "gained": "kini terlayani", "stays_unserved": "tetap tidak terlayani",
        "at": "{when} di {host}", "with": "bersama {ops}", "no_host": "tanpa host (operator saja)",
        "was": "sebelumnya: {what}", "now": "menjadi: {what}", "priority": "prioritas {tier}",
        "takers": "host/operatornya kini melayani {who}", "around": "disusun ulang mengikuti perubahan lain",
        "create": "buat rapat Zoom", "update": "ubah rapat Zoom ({what})", "delete": "hapus rapat Zoom",
        "rehearsal": "gladi", "no_action": "tanpa aksi Zoom", "cancelled": "permohonan dibatalkan",
        "rejected": "permohonan ditolak",
    },
    "en": {
        "lost": "loses its place", "not_served": "new, cannot be served", "moved": "moves",
        "gained": "now served", "stays_unserved": "stays unserved",
        "at": "{when} on {host}", "with": "with {ops}", "no_host": "no host (operator only)",
        "was": "was: {what}", "now": "now: {what}", "priority": "priority {tier}",
        "takers": "its host/operators now serve {who}", "around": "re-planned around other changes",
        "create": "create the Zoom meeting", "update": "update the Zoom meeting ({what})",
        "delete": "delete the Zoom meeting", "rehearsal": "rehearsal", "no_action": "no Zoom action",
        "cancelled": "request cancelled", "rejected": "request rejected",
    },
}  # fmt: skip


@dataclass
class PreviewItem:
    kind: str  # one of KINDS
    ref: str
    title: str
    unit: str
    before: str | None  # where and when, in words
    after: str | None
    reason: str
    alternatives: list[str] = field(default_factory=list)
    zoom: list[str] = field(default_factory=list)


def _where(r: Request, a: Assignment, lang: str) -> str:
    w = WORDS[lang]
    start, end = planned_times(r, a)
    text = (
        w["at"].format(when=when(start, end, r.timezone, lang), host=a.host)
        if a.host
        else (f"{when(start, end, r.timezone, lang)}, {w['no_host']}")
    )
    return text + (" " + w["with"].format(ops=", ".join(a.operators)) if a.operators else "")


def _reason(u: Unserved | None, r: Request, lang: str) -> tuple[str, list[str]]:
    if u is None:
        return WORDS[lang].get(r.status.value, r.status.value), []
    return (u.reason if lang == "en" else u.reason_id), [a.text if lang == "en" else a.text_id for a in u.alternatives]


def _zoom(actions: list[Action], lang: str) -> list[str]:
    w = WORDS[lang]
    out = []
    for a in actions:
        text = w["update"].format(what=", ".join(FIELDS[lang].get(c, c) for c in a.changes)) if a.kind == "update" \
            else w[a.kind]  # fmt: skip
        out.append(f"{text} ({w['rehearsal']})" if a.role == "rehearsal" else text)
    return out


def _moved_reason(reason: str, policy: SitePolicy, lang: str) -> str:
    w = WORDS[lang]
    found = _MOVED.match(reason)
    if not found:
        return w["around"]
    who = ", ".join(f"{ref} ({policy.tier_label(tier, lang)})" for ref, tier in _TAKER.findall(found.group(1)))
    return w["takers"].format(who=who)


def preview(out: ReplanOutcome, published: PublishedPlan | None, policy: SitePolicy, lang: str) -> list[PreviewItem]:
    """Every request the re-plan changes, or leaves unserved, in words (sections in `KINDS` order)."""
    w = WORDS[lang]
    reqs = {r.ref: r for r in out.problem.requests}
    plan: Plan = out.plan
    unserved = {u.request: u for u in plan.unserved}
    actions: dict[str, list[Action]] = {}
    for a in out.published.actions if out.published else []:
        actions.setdefault(a.request, []).append(a)
    items: list[PreviewItem] = []
    for c in out.changes:
        r = reqs.get(c.request)
        if r is None:
            continue
        before = _where(r, c.before, lang) if c.before else None
        after = _where(r, c.after, lang) if c.after else None
        alternatives: list[str] = []
        if c.kind in ("lost", "not_served"):
            reason, alternatives = _reason(unserved.get(c.request), r, lang)
        elif c.kind == "moved":
            reason = _moved_reason(c.reason, policy, lang)
        else:
            reason = w["priority"].format(tier=policy.tier_label(r.priority, lang))
        items.append(PreviewItem(c.kind, r.ref, r.title, r.unit, before, after, reason, alternatives,
                                 _zoom(actions.get(r.ref, []), lang)))  # fmt: skip
    changed = {c.request for c in out.changes}
    was_unserved = {u.request for u in published.plan.unserved} if published else set()
    for ref in sorted(was_unserved & set(unserved) - changed):
        r = reqs.get(ref)
        if r is None:
            continue
        reason, alternatives = _reason(unserved[ref], r, lang)
        items.append(PreviewItem("stays_unserved", ref, r.title, r.unit, None, None, reason, alternatives))
    order = {k: i for i, k in enumerate(KINDS)}
    items.sort(key=lambda x: (order[x.kind], reqs[x.ref].start, x.ref))
    return items
