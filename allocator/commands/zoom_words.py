# ruff: noqa: E501  (a catalogue: a line per phrase reads better than a wrapped one)
"""The sync worker's and reconcile's lines (written in English for the log and the audit) as `vicon sync -v` and
`vicon reconcile` print them: in the run's language. Identifiers (keys, refs, hosts, meeting ids, instants) and
Zoom's own error text after an error's name (`ZoomValidationError: …`: what Zoom answered) stay as they are; a
line no pattern knows is printed as it was written.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from pydantic import ValidationError

from allocator.commands.lang import LangCode, run_lang
from allocator.validation_words import validation_lines

_VERBS = {"create": "buat", "update": "ubah", "delete": "hapus"}
_YES_NO = {"True": "ya", "False": "tidak"}

# what a done action's result records (key=value), as an admin reads it
_RESULT_KEYS = {
    "zoom_meeting_id": "rapat Zoom", "note": "catatan", "looked_first": "dicari dulu", "found": "ditemukan",
    "recreated": "dibuat ulang", "updated": "diubah", "deleted": "dihapus", "already_gone": "sudah tidak ada",
    "repair_queued": "perbaikan diantrekan", "occurrences_deleted": "kejadian dihapus",
    "occurrences_changed": "kejadian diubah", "adopted_by": "diadopsi oleh",
}  # fmt: skip

_STATES = {"pending_create": "menunggu dibuat", "active": "aktif", "pending_delete": "menunggu dihapus",
           "deleted": "dihapus", "retired": "dihentikan"}  # fmt: skip
_Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], str]]


def _rules(table: list[tuple[str, Callable[[re.Match[str]], str]]]) -> list[_Rule]:
    return [(re.compile(p), f) for p, f in table]


# the reason an action did not go through (the worker's _Outcome messages and its notes)
_OUTCOMES: list[_Rule] = _rules([
    (r"^gave up after (\d+) attempts: (.*)$", lambda m: f"menyerah setelah {m[1]} percobaan: {outcome_id(m[2])}"),
    (r"^deferred: host (\S+) has used its daily Zoom create/update calls; (create|update|delete) (\S+) waits until (\S+)$",
     lambda m: f"ditunda: host {m[1]} sudah memakai jatah panggilan buat/ubah Zoom hariannya; {_VERBS[m[2]]} {m[3]} menunggu sampai {m[4]}"),
    (r"^outcome of create (\S+) unknown \((\w+)\) and the look-up failed \((\w+)\); will look first again$",
     lambda m: f"hasil pembuatan {m[1]} tidak diketahui ({m[2]}) dan pencariannya gagal ({m[3]}); akan dicari dulu lagi"),
    (r"^outcome of create (\S+) unknown \((\w+)\); not in Zoom yet; will look first again$",
     lambda m: f"hasil pembuatan {m[1]} tidak diketahui ({m[2]}); belum ada di Zoom; akan dicari dulu lagi"),
    (r"^outcome of create (\S+) unknown \((\w+)\); will look for the key first$",
     lambda m: f"hasil pembuatan {m[1]} tidak diketahui ({m[2]}); kuncinya akan dicari dulu"),
    (r"^meeting (\S+) was never created in Zoom; cannot update it$",
     lambda m: f"rapat {m[1]} tidak pernah dibuat di Zoom; tidak dapat diubah"),
    (r"^unknown action kind (.*)$", lambda m: f"jenis tindakan tidak dikenal {m[1]}"),
    (r"^taken over before we acted; nothing sent to Zoom$",
     lambda m: "diambil alih sebelum kita bertindak; tidak ada yang dikirim ke Zoom"),
    (r"^lease lost; result not recorded(.*)$", lambda m: "sewa hilang; hasil tidak dicatat" + _late(m[1])),
    (r"^already created$", lambda m: "sudah dibuat"),
    (r"^meeting retired before it was created; nothing to create$",
     lambda m: "rapat dihentikan sebelum dibuat; tidak ada yang dibuat"),
    (r"^meeting is (\w+); nothing to create$", lambda m: f"rapat {_STATES.get(m[1], m[1])}; tidak ada yang dibuat"),
    (r"^meeting retired; update skipped$", lambda m: "rapat dihentikan; pengubahan dilewati"),
    (r"^Zoom already has these details$", lambda m: "Zoom sudah memegang rincian ini"),
    (r"^(\w+Error|\w+Exhausted|\w+Unknown|\w+NotFound): (.*)$", lambda m: f"{m[1]}: {m[2]}"),  # Zoom's own words
])  # fmt: skip


def _late(rest: str) -> str:
    m = re.match(r"^; our late meeting (\d+) could not be deleted \((\w+)\), reconcile will$", rest)
    if m:
        return f"; rapat kita yang terlambat {m[1]} tidak dapat dihapus ({m[2]}), reconcile yang akan menghapusnya"
    m = re.match(r"^; our late meeting (\d+) deleted \(the store holds (\d+)\)$", rest)
    if m:
        return f"; rapat kita yang terlambat {m[1]} dihapus (basis data memegang {m[2]})"
    return rest


def _first(rules: list[_Rule], text: str) -> str | None:
    for pattern, render in rules:
        m = pattern.match(text)
        if m:
            return render(m)
    return None


def outcome_id(text: str) -> str:
    """A sync outcome's message in Bahasa Indonesia (an unknown one as it is)."""
    return _first(_OUTCOMES, text) or text


def _result_id(text: str) -> str:
    """A done action's result (`key=value, …`) in Bahasa Indonesia."""
    found = _first(_OUTCOMES, text)
    if found is not None:
        return found
    parts = []
    for item in re.split(r", (?=\w+=)", text):
        key, sep, value = item.partition("=")
        if not sep or key not in _RESULT_KEYS:
            parts.append(item)
            continue
        value = _YES_NO.get(value, value)
        parts.append(f"{_RESULT_KEYS[key]}: {outcome_id(value) if key == 'note' else value}")
    return ", ".join(parts)


_SYNC_LINE = re.compile(r"^(create|update|delete) (\S+) \(([^)]*)\): (.*)$")


def sync_line(text: str, lang: LangCode | None = None, *, done: bool = False) -> str:
    """A sync report's line (`create KEY (REF): …`) in `lang` (the run's by default)."""
    if (lang or run_lang()) == "en":
        return text
    m = _SYNC_LINE.match(text)
    if m is None:
        return text
    rest = _result_id(m[4]) if done else outcome_id(m[4])
    return f"{_VERBS[m[1]]} {m[2]} ({m[3]}): {rest}"


# reconcile: why a meeting is adopted, deleted or recreated, and how it drifted
_WHY: list[_Rule] = _rules([
    (r"^no request owns this key$", lambda m: "tidak ada permohonan yang memiliki kunci ini"),
    (r"^the store deleted this meeting$", lambda m: "basis data sudah menghapus rapat ini"),
    (r"^its deletion was not carried out$", lambda m: "penghapusannya belum dijalankan"),
    (r"^our key on (\S+), but the store has this meeting on (\S+)$",
     lambda m: f"kunci kita di {m[1]}, tetapi basis data mencatat rapat ini di {m[2]}"),
    (r"^another meeting with this key \((\d+)\) is the one we keep$",
     lambda m: f"rapat lain dengan kunci ini ({m[1]}) yang kita pertahankan"),
    (r"^created in Zoom but never recorded \(crash or lost answer\)$",
     lambda m: "dibuat di Zoom tetapi tidak pernah dicatat (macet atau jawaban hilang)"),
    (r"^the recorded meeting (\d+) is gone; this one carries the key$",
     lambda m: f"rapat tercatat {m[1]} sudah tidak ada; rapat ini membawa kuncinya"),
    (r"^meeting (\d+) is no longer in Zoom \(deleted by hand\?\)$",
     lambda m: f"rapat {m[1]} tidak ada lagi di Zoom (dihapus manual?)"),
    (r"^topic (.*) in Zoom, the store wants (.*)$", lambda m: f"topik {m[1]} di Zoom, basis data meminta {m[2]}"),
    (r"^start (\S+) in Zoom, the store wants (\S+)$", lambda m: f"mulai {m[1]} di Zoom, basis data meminta {m[2]}"),
    (r"^duration (\d+) min in Zoom, the store wants (\S+)$",
     lambda m: f"durasi {m[1]} menit di Zoom, basis data meminta {m[2]}"),
    (r"^time zone (\S+) in Zoom, the store wants (\S+)$", lambda m: f"zona waktu {m[1]} di Zoom, basis data meminta {m[2]}"),
    (r"^the queued update brings it back$", lambda m: "pengubahan yang diantrekan mengembalikannya"),
    (r"^update queued$", lambda m: "pengubahan diantrekan"),
])  # fmt: skip
_DONE = {"would repair": "akan diperbaiki", "would delete": "akan dihapus", "deleted": "dihapus",
         "would adopt": "akan diadopsi", "would recreate": "akan dibuat ulang", "create queued": "pembuatan diantrekan"}  # fmt: skip


_KINDS = {"orphan_adopted": "rapat yatim", "duplicate_deleted": "duplikat", "not_owned_deleted": "rapat tanpa pemilik",
          "missing_recreated": "rapat hilang", "drift_repaired": "selisih rincian", "failed_action": "tindakan gagal"}  # fmt: skip


def finding_kind(kind: str, lang: LangCode | None = None) -> str:
    """A reconcile finding's kind in `lang` (English keeps the code, as `--json` has it)."""
    return kind if (lang or run_lang()) == "en" else _KINDS.get(kind, kind)


def finding_detail(text: str, lang: LangCode | None = None) -> str:
    """A reconcile finding's detail in `lang` (the run's by default)."""
    if (lang or run_lang()) == "en":
        return text
    m = re.match(r"^(create|update|delete) failed: (.*)$", text)
    if m:
        return f"{_VERBS[m[1]]} gagal: {outcome_id(m[2])}"
    head, sep, rest = text.partition(": ")
    if sep and head in _DONE:
        return f"{_DONE[head]}: {finding_detail(rest, 'id')}"
    parts = [_first(_WHY, p) or p for p in _split_diffs(text)]
    return "; ".join(parts)


def _split_diffs(text: str) -> list[str]:
    """'topic 'a; b' in Zoom, …; start …' → its parts (a topic may hold '; ', so split only before a known head)."""
    return re.split(r"; (?=(?:topic|start|duration|time zone) .* in Zoom, |the queued update|update queued$)", text)


_ERRORS: list[_Rule] = _rules([
    (r"^cannot list meetings of (\S+) \(([^)]*)\): (.*)$", lambda m: f"tidak dapat mendaftar rapat {m[1]} ({m[2]}): {m[3]}"),
    (r"^cannot read meeting (\d+) \(([^)]*)\): (.*)$", lambda m: f"tidak dapat membaca rapat {m[1]} ({m[2]}): {m[3]}"),
    (r"^cannot delete meeting (\d+) \(([^)]*)\) on (\S+): (.*)$",
     lambda m: f"tidak dapat menghapus rapat {m[1]} ({m[2]}) di {m[3]}: {m[4]}"),
])  # fmt: skip


def reconcile_error(text: str, lang: LangCode | None = None) -> str:
    """A reconcile error line in `lang` (what Zoom answered stays as it is)."""
    if (lang or run_lang()) == "en":
        return text
    return _first(_ERRORS, text) or text


_CONFIG: list[_Rule] = _rules([
    (r"^several Zoom accounts configured; choose one of: (.*)$", lambda m: f"beberapa akun Zoom dikonfigurasi; pilih salah satu: {m[1]}"),
    (r"^no Zoom account named (.+); known: (.*)$", lambda m: f"tidak ada akun Zoom bernama {m[1]}; yang dikenal: {m[2]}"),
    (r"^Zoom config needs an 'accounts' list$", lambda m: "konfigurasi Zoom memerlukan daftar 'accounts'"),
    (r"^each entry of 'accounts' must be an object$", lambda m: "setiap isian 'accounts' harus berupa objek"),
    (r"^invalid Zoom config: (.*)$", lambda m: f"konfigurasi Zoom tidak sah: {m[1]}"),
    (r"^Zoom config file not found: (.*)$", lambda m: f"berkas konfigurasi Zoom tidak ada: {m[1]}"),
    (r"^cannot read Zoom config (.+): (\w+)$", lambda m: f"konfigurasi Zoom {m[1]} tidak dapat dibaca: {m[2]}"),
    (r"^Zoom config (.+) is not valid JSON \(line (\d+)\)$", lambda m: f"konfigurasi Zoom {m[1]} bukan JSON yang sah (baris {m[2]})"),
    (r"^Zoom config (.+) must be a JSON object$", lambda m: f"konfigurasi Zoom {m[1]} harus berupa objek JSON"),
])  # fmt: skip


def zoom_error(exc: Exception, lang: LangCode | None = None) -> str:
    """A Zoom configuration error (zoom_client's ConfigError) or an input error pydantic found, in `lang`."""
    lang = lang or run_lang()
    if isinstance(exc, ValidationError):
        return "; ".join(validation_lines(exc, lang))
    if lang == "en":
        return str(exc)
    return _first(_CONFIG, str(exc)) or str(exc)
