"""A plan's warnings (`PlanWarning`: a code and its parameters, made by the pure planner) in words, in either
language: the command line, the web pages and the service's notes word them here, each in its reader's language;
logs and the API's `notes` keep English."""

from __future__ import annotations

import re
from typing import Literal

from allocator.planner.domain import PlanWarning, PreemptionOffer

Lang = Literal["id", "en"]

WARNINGS: dict[str, tuple[str, str]] = {
    # code: (Bahasa Indonesia, English); fields: refs (joined), ref (the first), by, count
    "freeze_may_give_way": (
        "{ref} berada dalam masa kunci jadwal tetapi dapat mengalah kepada {by} (dikonfirmasi admin)",
        "{ref} was inside the freeze horizon but may give way to {by} (confirmed by an admin)",
    ),
    "freeze_no_longer_fits": (
        "{ref} berada dalam masa kunci jadwal tetapi penugasan yang diterbitkan tidak cocok lagi (sumber daya "
        "berubah); direncanakan ulang",
        "{ref} is inside the freeze horizon but its published assignment no longer fits (a resource changed); it "
        "was re-planned",
    ),
    "published_no_longer_fits": (
        "penugasan yang diterbitkan untuk {refs} tidak cocok lagi (aturan atau sumber daya berubah sejak "
        "diterbitkan); hanya itu yang direncanakan ulang, sisanya tetap seperti yang diterbitkan",
        "the published assignments of {refs} no longer fit (a rule or a resource changed since they were "
        "published); only they were re-planned, the rest stays as published",
    ),
    "replanned_freely": (
        "rencana yang diterbitkan tidak dapat dipertahankan apa adanya untuk {refs}; bagian itu direncanakan ulang "
        "secara bebas",
        "the published plan could not be kept as it was for {refs}; that part was re-planned freely",
    ),
    "alternatives_not_searched": (
        "alternatif tidak dicari untuk {count} permohonan tak terlayani: batas waktu tercapai lebih dulu",
        "alternatives not searched for {count} unserved requests: the time limit came first",
    ),
}


def warning_text(w: PlanWarning, lang: str) -> str:
    """The warning in `lang` ('id' or 'en'); an old record's sentence (code `text`) as it was written."""
    if w.code == "text":
        return w.text
    id_text, en_text = WARNINGS[w.code]
    template = en_text if lang == "en" else id_text
    return template.format(refs=", ".join(w.refs), ref=w.refs[0] if w.refs else "", by=w.by, count=w.count)


def offer_words(o: PreemptionOffer, lang: str) -> str:
    """A pre-emption offer in `lang` (the planner words it in both)."""
    return o.text if lang == "en" else o.text_id


def warning_json(w: PlanWarning, lang: str) -> dict[str, object]:
    """A warning for a JSON report: its code and parameters, and its words in `lang`."""
    return {"code": w.code, "refs": list(w.refs), "by": w.by, "count": w.count, "text": warning_text(w, lang)}


_RESTRICTIONS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), r) for p, r in (
        (r"^rehearsal of (\S+): only the (\d+) latest workable starts were searched$",
         "gladi {0}: hanya {1} waktu mulai terakhir yang dapat dipakai yang dicari"),
        (r"^survey of (.+): only the (\d+) latest workable starts were searched$",
         "survei {0}: hanya {1} waktu mulai terakhir yang dapat dipakai yang dicari"),
        (r"^survey of (.+): only before its first (\d+) event days$",
         "survei {0}: hanya sebelum {1} hari acara pertamanya"),
        (r"^(\S+): only the (\d+) starts nearest the requested one were searched$",
         "{0}: hanya {1} waktu mulai terdekat dengan yang diminta yang dicari"),
    )
]  # fmt: skip


def restriction_text(note: str, lang: str) -> str:
    """A search limit the planner noted (`Plan.restrictions`, English) in `lang`; an unknown one as it is."""
    if lang == "en":
        return note
    for pattern, template in _RESTRICTIONS:
        m = pattern.match(note)
        if m:
            return template.format(*m.groups())
    return note
