# ruff: noqa: E501  (a catalogue: a line per message reads better than a wrapped one)
"""The command line's own lines and errors in both languages; `say` picks the run's (`lang.run_lang`).

A key's two texts take the same fields. Identifiers (refs, host ids, option names, URLs, file paths, Zoom and
SQL words) stay as they are in both.
"""

from __future__ import annotations

import re

from allocator.commands.lang import LangCode, run_lang
from allocator.error_words import error_words
from allocator.planner.errors import InvalidProblem
from allocator.validation_words import problem_lines

MESSAGES: dict[str, tuple[str, str]] = {
    # key: (Bahasa Indonesia, English)
    "error": ("galat: {message}", "error: {message}"),
    "no_database": (
        "tidak ada basis data di {file}: buat dengan `vicon db upgrade` lalu `vicon import --problem BERKAS`, atau "
        "arahkan --db / VICON_DATABASE_URL ke basis data Anda (setelah `vicon demo`: sqlite:///var/demo/vicon.db)",
        "no database at {file}: create one with `vicon db upgrade` and `vicon import --problem FILE`, or point "
        "--db / VICON_DATABASE_URL at yours (after `vicon demo`: sqlite:///var/demo/vicon.db)",
    ),
    "cannot_open": ("basis data tidak dapat dibuka: {detail}", "cannot open the database: {detail}"),
    "leader_taken": (
        "instans vicon lain sedang menjadi pemimpin (memegang kunci pemimpin); coba lagi nanti",
        "another vicon instance is the leader (holds the leader lock); try again later",
    ),
    "bad_now": (
        "--now: bukan tanggal-waktu: {value!r} (mis. 2027-01-01T08:00+08:00 atau 2027-01-01T08:00 WITA)",
        "--now: not a date-time: {value!r} (e.g. 2027-01-01T08:00+08:00 or 2027-01-01T08:00 WITA)",
    ),
    "naive_now": (
        "--now perlu offset atau zona, mis. 2027-01-01T08:00+08:00 atau 2027-01-01T08:00 WITA",
        "--now needs an offset or a zone, e.g. 2027-01-01T08:00+08:00 or 2027-01-01T08:00 WITA",
    ),
    "db_at": ("basis data pada revisi {rev} (terbaru {head}): {url}", "database at revision {rev} (head {head}): {url}"),
    "db_current": ("{rev} (terbaru {head})", "{rev} (head {head})"),
    "db_empty": ("(kosong)", "(empty)"),
    "imported": ("diimpor (baru atau berubah): {counts}", "imported (new or changed): {counts}"),
    "published": (
        "{status}: {served} terlayani, {unserved} tidak terlayani; rencana {plan} diterbitkan; {queued} tindakan Zoom "
        "diantrekan ({create} buat, {update} ubah, {delete} hapus{folded})",
        "{status}: {served} served, {unserved} unserved; published plan {plan}; queued {queued} Zoom actions "
        "({create} create, {update} update, {delete} delete{folded})",
    ),
    "would_publish": (
        "{status}: {served} terlayani, {unserved} tidak terlayani; akan mengantrekan {queued} tindakan Zoom "
        "({create} buat, {update} ubah, {delete} hapus{folded})",
        "{status}: {served} served, {unserved} unserved; would queue {queued} Zoom actions ({create} create, "
        "{update} update, {delete} delete{folded})",
    ),
    "folded": (", {n} digabung ke pembuatan yang belum terkirim", ", {n} folded into unsent creates"),
    "note": ("  catatan: {note}", "  note: {note}"),
    "recovered": (
        "{n} tindakan yang terputus dipulihkan (pembuatannya mencari kuncinya dulu)",
        "recovered {n} actions interrupted earlier (their creates look for the key first)",
    ),
    "sync": (
        "sync: {done} selesai, {deferred} ditunda, {retrying} dicoba lagi, {failed} gagal{skipped}",
        "sync: {done} done, {deferred} deferred, {retrying} to retry, {failed} failed{skipped}",
    ),
    "sync_skipped": (", {n} diambil alih", ", {n} taken over"),
    "deferred": ("  ditunda: {line}", "  deferred: {line}"),
    "failed": ("  GAGAL {line}", "  FAILED {line}"),
    "retry_later": ("  coba lagi nanti: {line}", "  retry later: {line}"),
    "taken_over": ("  diambil alih: {line}", "  taken over: {line}"),
    "still_queued": ("{n} tindakan masih dalam antrean", "{n} actions still queued"),
    "reconcile": (
        "reconcile: {hosts} host diperiksa, {meetings} rapat kita di Zoom, {findings} temuan, {errors} galat, "
        "{pending} tindakan diantrekan{dry}",
        "reconcile: {hosts} hosts checked, {meetings} of our meetings in Zoom, {findings} findings, {errors} errors, "
        "{pending} actions queued{dry}",
    ),
    "dry_run_tag": (" (uji coba)", " (dry run)"),
    "finding": ("  [{state}] {kind}: {key}{meeting} di {host}: {detail}", "  [{state}] {kind}: {key}{meeting} on {host}: {detail}"),
    "finding_meeting": (" rapat {id}", " meeting {id}"),
    "fixed": ("diperbaiki", "fixed"),
    "to_fix": ("perlu diperbaiki", "to fix"),
    "line_error": ("  galat: {e}", "  error: {e}"),
    "nothing_to_fix": ("tidak ada yang perlu diperbaiki", "nothing to fix"),
    "no_hosts": ("tidak ada host (impor masalah dulu atau beri --problem)", "no hosts (import a problem first or pass --problem)"),
    "fixture": ("fixture sandbox dengan {n} host -> {out}", "sandbox fixture with {n} hosts -> {out}"),
    # notify
    "in_doubt": (
        "{n} notifikasi terputus di tengah pengiriman; ditangani sebagai belum pasti",
        "{n} notification(s) were interrupted mid-send; handling them as in doubt",
    ),
    "sent": (
        "tercatat {recorded}; {sent} terkirim{again}, {retrying} dicoba lagi, {gave_up} menyerah{held}",
        "recorded {recorded}; {sent} sent{again}, {retrying} to retry, {gave_up} given up{held}",
    ),
    "sent_again": (", {n} di antaranya dikirim ulang setelah terputus", ", {n} of them again after an interrupted send"),
    "sent_held": (", {n} ditahan (belum pasti)", ", {n} held (in doubt)"),
    "notes": (
        "notifikasi: {sent} terkirim, {pending} menunggu, {retrying} dicoba lagi, {gave_up} gagal, {held} ditahan",
        "notifications: {sent} sent, {pending} pending, {retrying} retrying, {gave_up} failed (given up), {held} held",
    ),
    "next_retry": ("; coba lagi berikutnya {at}", "; next retry {at}"),
    "problem_line": ("  {key}: {error}", "  {key}: {error}"),
    "unknown_request": ("permohonan tidak dikenal {ref!r}", "unknown request {ref!r}"),
    "request_unknown": ("request: permohonan tidak dikenal {ref!r}", "request: unknown request {ref!r}"),
    "nothing_for_pic": (
        "{ref}: belum ada yang perlu diberitahukan ke PIC (tidak terlayani, atau rapat Zoom-nya belum dibuat)",
        "{ref}: nothing to tell the PIC yet (not served, or its Zoom meeting is not created yet)",
    ),
    "mail_to": ("Kepada: {name} <{email}>  [{kind}, {lang}]", "To: {name} <{email}>  [{kind}, {lang}]"),
    "mail_subject": ("Perihal: {subject}", "Subject: {subject}"),
    "mail_invite": ("Undangan: {file} METHOD:{method} UID:{uid} SEQUENCE:{seq}", "Invite: {file} METHOD:{method} UID:{uid} SEQUENCE:{seq}"),
    "no_unsent": ("tidak ada notifikasi belum terkirim {key!r}", "no unsent notification {key!r}"),
    "will_send": ("{key}: akan dikirim pada `vicon notify send-pending` berikutnya", "{key}: will be sent at the next `vicon notify send-pending`"),
    # users
    "password": ("kata sandi: ", "password: "),
    "password_again": ("ulangi kata sandi: ", "password again: "),
    "password_bad": ("kata sandi: {why}", "password: {why}"),
    "user_added": ("{name} ditambahkan ({role}{operator})", "added {name} ({role}{operator})"),
    "user_disabled": ("{name} dinonaktifkan; sesinya telah berakhir", "disabled {name}; its sessions have ended"),
    "user_enabled": ("{name} diaktifkan", "enabled {name}"),
    "user_reset": ("kata sandi {name} diatur ulang; sesinya telah berakhir", "password of {name} reset; its sessions have ended"),
    "users_title": ("pengguna ({zone})", "users ({zone})"),
    "yes": ("ya", "yes"),
    "no": ("tidak", "no"),
    # requests, pins
    "invalid_request": ("permohonan tidak sah:\n  - {errors}", "invalid request:\n  - {errors}"),
    "invalid_problem": ("masalah tidak sah:\n  - {errors}", "invalid problem:\n  - {errors}"),
    "saved_version": ("{ref}: disimpan sebagai versi {version}", "{ref}: saved as version {version}"),
    "unchanged": ("{ref}: tidak berubah", "{ref}: unchanged"),
    "bad_email": (
        "pic_email: bukan alamat e-mail: {value!r} (mis. nama@dinas.go.id)",
        "pic_email: not an e-mail address: {value!r} (e.g. nama@dinas.go.id)",
    ),
    "unknown_tier": ("priority: tingkat tidak dikenal {value!r} (dikenal: {known})", "priority: unknown tier {value!r} (known: {known})"),
    "past_start": ("start: {start} sudah lewat (sekarang {now})", "start: {start} is in the past (now {now})"),
    "rejects_to": ("baris ditolak → {file}", "rejects → {file}"),
    "intake_dry": (
        "uji coba: {accepted} diterima ({changed} baru atau berubah), {rejected} ditolak; tidak ada yang disimpan",
        "dry run: {accepted} accepted ({changed} new or changed), {rejected} rejected; nothing stored",
    ),
    "intake_done": (
        "{accepted} diterima ({changed} baru atau berubah), {rejected} ditolak",
        "{accepted} accepted ({changed} new or changed), {rejected} rejected",
    ),
    "cancelled": ("{ref}: dibatalkan", "{ref}: cancelled"),
    "already_cancelled": ("{ref}: sudah dibatalkan", "{ref}: already cancelled"),
    "confirm_unknown": ("--confirm: permohonan tidak dikenal {refs}", "--confirm: unknown request(s) {refs}"),
    "host_unknown": ("host: host tidak dikenal {host!r}", "host: unknown host {host!r}"),
    "operators_unknown": ("operator: operator tidak dikenal {ops}", "operator: unknown operator(s) {ops}"),
    "pinned": ("{ref}: disematkan pada {host}{ops}", "{ref}: pinned to {host}{ops}"),
    "pinned_ops": (" dengan {ops}", " with {ops}"),
    "no_host": ("tanpa host", "no host"),
    "unpinned": ("{ref}: sematan dilepas", "{ref}: unpinned"),
    "not_pinned": ("{ref}: tidak disematkan", "{ref}: was not pinned"),
    "status_file_bad": (
        "--status-file: {file}: bukan berkas status daemon ({detail})",
        "--status-file: {file}: not a daemon status file ({detail})",
    ),
    "no_zoom_config": (
        "peringatan: tanpa --zoom-config: rencana diterbitkan tetapi tidak ada yang disinkronkan ke Zoom",
        "warning: no --zoom-config: plans are published but nothing is synced to Zoom",
    ),
    "no_example": ("--example: {file}: berkas tidak ada", "--example: {file}: no such file"),
    # plan, explain
    "bad_day": ("--day: bukan tanggal: {value!r} (mis. 2027-01-05)", "--day: not a date: {value!r} (e.g. 2027-01-05)"),
    "unknown_host_opt": ("--host: host tidak dikenal {value!r} (dikenal: {known})", "--host: unknown host {value!r} (known: {known})"),
    "unknown_operator_opt": (
        "--operator: operator tidak dikenal {value!r} (dikenal: {known})",
        "--operator: unknown operator {value!r} (known: {known})",
    ),
    "json_and_out": ("--json: tidak bersama --out - (keduanya menulis ke stdout)", "--json: not with --out - (both would write to stdout)"),
    "quiet_plan": ("{status}: {served} terlayani, {unserved} tidak terlayani", "{status}: {served} served, {unserved} unserved"),
    "wrote": ("→ {file}", "→ {file}"),
    "bad_plan_file": ("{file}: bukan rencana yang dapat dibaca ({detail})", "{file}: not a readable plan ({detail})"),
    # extras, web
    "needs_extra": (
        "`vicon {command}` memerlukan ekstra '{extra}' (modul {module} tidak ada): pip install 'vicon-allocator[{extra}]'",
        "`vicon {command}` needs the '{extra}' extra (missing module {module}): pip install 'vicon-allocator[{extra}]'",
    ),
    "operator_unknown": ("operator: operator tidak dikenal {value!r}", "operator: unknown operator {value!r}"),
    "serving": (
        "vicon serve di http://{host}:{port} (dokumen API /api/openapi.json); basis data {db}",
        "vicon serve on http://{host}:{port} (API document /api/openapi.json); database {db}",
    ),
    # kits
    "kit_bad_time": (
        "{option}: bukan tanggal atau tanggal-waktu: {value!r} (mis. 2027-01-05 atau 2027-01-05T09:00)",
        "{option}: not a date or date-time: {value!r} (e.g. 2027-01-05 or 2027-01-05T09:00)",
    ),
    "kit_to_before": ("--to: harus setelah --from ({start} {zone})", "--to: must be after --from ({start} {zone})"),
    "kit_unknown": ("--kit: jenis kit tidak dikenal {kit!r}", "--kit: unknown kit type {kit!r}"),
}  # fmt: skip

# plan states as people say them (solver words: optimal, feasible…)
PLAN_STATES: dict[str, dict[str, str]] = {
    "id": {"optimal": "optimal", "feasible": "layak", "empty": "kosong", "infeasible": "tidak layak",
           "unknown": "tidak diketahui"},
    "en": {},
}  # fmt: skip


def say(key: str, lang: LangCode | None = None, /, **fields: object) -> str:
    """The line `key` in `lang` (the run's by default), its fields filled in."""
    id_text, en_text = MESSAGES[key]
    return (en_text if (lang or run_lang()) == "en" else id_text).format(**fields)


def error_text(exc: BaseException, lang: LangCode | None = None) -> str:
    """An error's text in `lang` (the run's by default): an invalid problem's field errors worded in it."""
    if isinstance(exc, InvalidProblem):
        return say("invalid_problem", lang, errors="\n  - ".join(problem_lines(exc, lang or run_lang())))
    return error_words(exc, lang or run_lang())


def plan_state(value: str, lang: LangCode | None = None) -> str:
    """A plan status (optimal, feasible…) in `lang`."""
    return PLAN_STATES[lang or run_lang()].get(value, value)


# the store's own words for Zoom actions and publish notes (recorded so in the audit log), as an admin reads them
_STORE_PHRASES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), r) for p, r in (
        (r"^(create|update|delete) (rehearsal )?(\S+) on (\S+): (.*)$", "{0} {1}{2} di {3}: {4}"),
        (r"^moved from (\S+) to (\S+)(.*)$", "pindah dari {0} ke {1}{2}"),
        (r"^newly served(.*)$", "baru terlayani{0}"),
        (r"^rehearsal planned online(.*)$", "gladi direncanakan daring{0}"),
        (r"^request no longer known(.*)$", "permohonan tidak dikenal lagi{0}"),
        (r"^request cancelled(.*)$", "permohonan dibatalkan{0}"),
        (r"^request rejected(.*)$", "permohonan ditolak{0}"),
        (r"^request no longer needs a Zoom host(.*)$", "permohonan tidak lagi memerlukan host Zoom{0}"),
        (r"^request not served by the new plan(.*)$", "permohonan tidak terlayani oleh rencana baru{0}"),
        (r"^no online rehearsal planned any more(.*)$", "tidak ada lagi gladi daring yang direncanakan{0}"),
        (r"^no host assigned(.*)$", "tidak ada host yang ditetapkan{0}"),
        (r"^rehearsal meeting details changed(.*)$", "rincian rapat gladi berubah{0}"),
        (r"^meeting details changed(.*)$", "rincian rapat berubah{0}"),
        (r"^(\S+): (rehearsal meeting|meeting) (\S+) has already started; left as it is$",
         "{0}: {1} {2} sudah dimulai; dibiarkan"),
        (r"^(\S+): (rehearsal )?starts before now; no (rehearsal meeting|meeting) created$",
         "{0}: {1}mulai sebelum sekarang; tidak ada {2} yang dibuat"),
        # a notification's last error (as the outbox recorded it)
        (r"^no Zoom connection to fetch the host's start link$", "tidak ada koneksi Zoom untuk mengambil tautan mulai host"),
        (r"^no mail transport is configured$", "pengiriman surel belum dikonfigurasi"),
        (r"^no chat channel is configured$", "kanal obrolan belum dikonfigurasi"),
        (r"^cannot reach SMTP server (.*)$", "server SMTP tidak terjangkau {0}"),
        (r"^recipient refused: (.*)$", "penerima menolak: {0}"),
        (r"^SMTP login refused (.*)$", "login SMTP ditolak {0}"),
        (r"^(.*) has no e-mail address$", "{0} tidak punya alamat e-mail"),
        (r"^superseded: (.*)$", "digantikan: {0}"),
        # the daemon's intake of an inbox file
        (r"^(.+): (\d+) accepted \((\d+) new or changed\), (\d+) rejected$",
         "{0}: {1} diterima ({2} baru atau berubah), {3} ditolak"),
        (r"^(.+): already processed$", "{0}: sudah pernah diproses"),
    )
]  # fmt: skip
_STORE_WORDS = {"create": "buat", "update": "ubah", "delete": "hapus", "rehearsal ": "gladi ",
                "rehearsal meeting": "rapat gladi", "meeting": "rapat"}  # fmt: skip


def store_line(text: str, lang: LangCode | None = None) -> str:
    """A line the store wrote in English (an action, a publish note) in `lang`; an unknown line as it is."""
    if (lang or run_lang()) == "en":
        return text
    for pattern, template in _STORE_PHRASES:
        m = pattern.match(text)
        if m:
            parts = [_STORE_WORDS.get(g or "", g or "") for g in m.groups()]
            if template.startswith("{0} {1}{2} di {3}: "):  # an action: its reason is a phrase of its own
                parts[4] = store_line(m.group(5), "id")
            return template.format(*parts)
    return text


SYNC_COUNTS = {"found": "ditemukan", "created": "dibuat", "recreated": "dibuat ulang", "updated": "diubah",
               "deleted": "dihapus", "already_gone": "sudah tidak ada", "duplicates_deleted": "duplikat dihapus"}  # fmt: skip
