"""Why a request is not served and what else could be, in words for its PIC: no host ids, no operator ids, no other
unit's request numbers (those are the office's business), and every condition of an alternative stated, so an
offered time never contradicts itself. Shared by the PIC's page, the PIC API and the PIC's mails."""

from __future__ import annotations

from allocator.planner.domain import Alternative, Request, Unserved
from allocator.planner.explain import when

_REASONS: dict[str, tuple[str, str]] = {
    "no_capacity": ("tidak ada lisensi Zoom kami untuk {n} peserta atau lebih",
                    "none of our Zoom licences takes {n} participants or more"),
    "no_kind": ("tidak ada lisensi Zoom kami dengan jenis yang diminta",
                "none of our Zoom licences is of the kind asked"),
    "host_unavailable": ("lisensi Zoom yang sesuai tidak tersedia pada waktu itu",
                         "no suitable Zoom licence is available at that time"),
    "hosts_busy": ("semua lisensi Zoom kami untuk {n} peserta atau lebih sudah dipakai pada waktu itu",
                   "every Zoom licence of ours for {n} participants or more is already in use at that time"),
    "no_skill": ("tidak ada operator dengan keahlian yang dibutuhkan yang kosong pada waktu itu",
                 "no operator with the skills needed is free at that time"),
    "operator_unavailable": ("tidak ada operator yang bertugas pada waktu itu", "no operator is on duty at that time"),
    "operators_busy": ("semua operator sudah bertugas pada waktu itu", "every operator is already busy at that time"),
    "not_allowed": ("permohonan ini tidak dapat dilayani menurut aturan layanan",
                    "the service's rules do not allow this request"),
    "time_limit": ("penjadwalan belum selesai; permohonan Anda akan diperiksa lagi",
                   "planning has not finished; your request will be looked at again"),
    "started": ("waktu acara sudah dimulai atau lewat", "the meeting has already started or ended"),
    "kits_short": ("peralatan yang diminta tidak cukup pada waktu itu",
                   "not enough of the equipment asked is free then"),
    "no_rehearsal": ("gladi bersih yang diwajibkan tidak dapat dijadwalkan sebelum acara",
                     "the required rehearsal cannot be scheduled before the event"),
    "no_survey": ("survei lokasi yang diwajibkan tidak dapat dijadwalkan sebelum acara",
                  "the required venue survey cannot be scheduled before the event"),
    "travel": ("petugas kami tidak sempat tiba di lokasi dari tugas sebelumnya",
               "our staff cannot reach the venue in time from their previous task"),
}  # fmt: skip


def pic_reason(u: Unserved, r: Request, lang: str) -> str:
    """Why, without naming a host, an operator or another request."""
    id_text, en_text = _REASONS.get(u.code, ("permohonan belum dapat dilayani", "the request cannot be served"))
    return (en_text if lang == "en" else id_text).format(n=r.participants)


def conditions(a: Alternative, r: Request, lang: str) -> list[str]:
    """Every way the alternative differs from what was asked, besides its time."""
    out = []
    if a.participants < r.participants:
        out.append(f"for at most {a.participants} participants" if lang == "en"
                   else f"untuk paling banyak {a.participants} peserta")  # fmt: skip
    if a.kind == "self_operated":
        out.append("run by your unit's own trained operator: we lend the Zoom account (and the equipment)"
                   if lang == "en" else "dijalankan operator terlatih unit Anda sendiri: kami meminjamkan akun Zoom "
                   "(dan peralatannya)")  # fmt: skip
    elif a.kind == "without_operator" or (r.operator_count > 0 and not a.operators):
        out.append("without an operator: your unit runs the meeting itself" if lang == "en"
                   else "tanpa operator: unit Anda menjalankan rapat sendiri")  # fmt: skip
    if a.kind == "with_overtime":
        out.append("if the office approves its operators' overtime" if lang == "en"
                   else "bila kantor menyetujui lembur operatornya")  # fmt: skip
    return out


def pic_alternative(a: Alternative, r: Request, lang: str) -> str:
    """'sesuai waktu yang diminta, Sen 2027-01-04 11:00–14:00 WITA, untuk paling banyak 300 peserta'."""
    same_time = (a.start, a.end) == (r.start, r.end)
    if lang == "en":
        head = "as requested" if same_time else "at another time"
    else:
        head = "sesuai waktu yang diminta" if same_time else "pada waktu lain"
    return ", ".join([f"{head}: {when(a.start, a.end, r.timezone, lang)}", *conditions(a, r, lang)])
