"""Page texts: Bahasa Indonesia by default, English with `?lang=en`."""

from __future__ import annotations

TEXT: dict[str, dict[str, str]] = {
    "id": {
        "app": "Layanan Vicon", "home": "Beranda", "form": "Ajukan permohonan", "timeline": "Linimasa",
        "replan": "Rencana ulang", "login": "Masuk", "logout": "Keluar", "my": "Tugas saya",
        "intro": "Ajukan permohonan fasilitasi video conference (Zoom dan/atau operator) tanpa surat.",
        "ref": "Nomor surat (opsional)", "unit": "Unit kerja / OPD", "title": "Nama kegiatan",
        "pic_name": "Nama PIC", "pic_email": "Email PIC", "pic_phone": "No. HP PIC", "date": "Tanggal",
        "start_time": "Jam mulai", "end_time": "Jam selesai", "timezone": "Zona waktu",
        "participants": "Jumlah peserta", "service": "Jenis layanan", "venue": "Lokasi",
        "operators_needed": "Jumlah operator", "pic_language": "Bahasa PIC", "submit": "Kirim permohonan",
        "svc_link": "Link saja", "svc_link_operator": "Link + operator", "svc_operator": "Operator saja",
        "errors": "Periksa isian berikut:", "submitted": "Permohonan diterima",
        "submitted_text": "Simpan tautan status ini; di sana link Zoom dan kode sandi akan muncul setelah dijadwalkan.",
        "pic_link": "Tautan status PIC", "status": "Status", "when": "Waktu", "join_url": "Link Zoom",
        "passcode": "Kode sandi", "served": "Terjadwal", "unserved": "Tidak dapat dilayani",
        "not_planned": "Menunggu penjadwalan", "link_pending": "Link Zoom sedang disiapkan; muat ulang nanti.",
        "operator_yes": "Operator kami akan mendampingi.", "reason": "Alasan", "alternatives": "Alternatif",
        "no_alternatives": "Tidak ada alternatif yang kosong.", "cancelled": "Dibatalkan",
        "rejected": "Ditolak", "day": "Hari", "show": "Tampilkan", "prev": "← Sebelumnya", "next": "Berikutnya →",
        "hosts": "Host (lisensi Zoom)", "operators": "Operator", "unserved_list": "Tidak terlayani",
        "no_unserved": "Semua permohonan terlayani.", "no_plan": "Belum ada rencana yang diterbitkan.",
        "legend": "Warna = prioritas", "preview": "Pratinjau rencana ulang (belum diterbitkan)",
        "apply": "Terapkan & terbitkan", "no_changes": "Tidak ada permohonan yang bertambah, hilang atau pindah.",
        "gained": "terlayani", "lost": "tidak terlayani lagi", "moved": "pindah",
        "zoom_actions": "Aksi Zoom", "summary": "{served} terlayani, {unserved} tidak terlayani, {status}, {secs} dtk",
        "applied": "Rencana {id} diterbitkan.", "token": "Token akses", "login_text":
        "Tempel token dari `vicon token issue` (admin atau operator).", "forbidden": "Tidak diizinkan",
        "bad_link": "Tautan tidak sah atau kedaluwarsa.", "not_found": "Tidak ditemukan", "plan": "Rencana",
        "priority": "Prioritas", "language": "English", "lang_other": "en", "notes": "Catatan",
        "my_none": "Belum ada tugas untuk Anda.", "host": "Host",
        "requested": "Diminta", "rehearsal": "Gladi bersih", "survey": "Survei lokasi", "kits": "Peralatan",
        "online": "daring (Zoom)", "on_site": "di lokasi", "rehearsal_link": "Link Zoom gladi",
        "rehearsal_link_pending": "Link Zoom gladi sedang disiapkan.",
        "rehearsal_missed": "Gladi bersih tidak dapat dijadwalkan",
        "survey_text": "Petugas kami akan meninjau lokasi sebelum acara.", "pickup": "Diambil mulai",
        "return": "Dikembalikan paling lambat", "tasks": "Gladi bersih & survei lokasi",
        "no_tasks": "Tidak ada gladi bersih atau survei yang akan datang.", "kind": "Jenis", "where": "Tempat",
        "missed_list": "Gladi bersih tidak terjadwal (acara tetap dilayani)", "kit_loans": "Peminjaman peralatan",
        "survey_only": "hanya survei lokasi",
    },
    "en": {
        "app": "Vicon Service", "home": "Home", "form": "File a request", "timeline": "Timeline",
        "replan": "Re-plan", "login": "Sign in", "logout": "Sign out", "my": "My assignments",
        "intro": "Request video-conference facilitation (Zoom and/or an operator) without writing a letter.",
        "ref": "Letter number (optional)", "unit": "Unit", "title": "Event title", "pic_name": "PIC name",
        "pic_email": "PIC e-mail", "pic_phone": "PIC phone", "date": "Date", "start_time": "Start",
        "end_time": "End", "timezone": "Time zone", "participants": "Participants", "service": "Service",
        "venue": "Venue", "operators_needed": "Operators needed", "pic_language": "PIC language",
        "submit": "Submit request", "svc_link": "Link only", "svc_link_operator": "Link + operator",
        "svc_operator": "Operator only", "errors": "Please check:", "submitted": "Request received",
        "submitted_text": "Keep this status link; the Zoom link and passcode appear there once scheduled.",
        "pic_link": "PIC status link", "status": "Status", "when": "When", "join_url": "Zoom link",
        "passcode": "Passcode", "served": "Scheduled", "unserved": "Cannot be served",
        "not_planned": "Waiting to be planned", "link_pending": "The Zoom link is being prepared; reload later.",
        "operator_yes": "Our operator will assist.", "reason": "Reason", "alternatives": "Alternatives",
        "no_alternatives": "No free alternative found.", "cancelled": "Cancelled", "rejected": "Rejected",
        "day": "Day", "show": "Show", "prev": "← Previous", "next": "Next →", "hosts": "Hosts (Zoom licences)",
        "operators": "Operators", "unserved_list": "Unserved", "no_unserved": "Every request is served.",
        "no_plan": "No plan published yet.", "legend": "Colour = priority",
        "preview": "Re-plan preview (not published)", "apply": "Apply & publish",
        "no_changes": "No request gains, loses or moves.", "gained": "gained", "lost": "lost", "moved": "moved",
        "zoom_actions": "Zoom actions", "summary": "{served} served, {unserved} unserved, {status}, {secs} s",
        "applied": "Plan {id} published.", "token": "Access token",
        "login_text": "Paste a token from `vicon token issue` (admin or operator).", "forbidden": "Forbidden",
        "bad_link": "This link is invalid or has expired.", "not_found": "Not found", "plan": "Plan",
        "priority": "Priority", "language": "Bahasa Indonesia", "lang_other": "id", "notes": "Notes",
        "my_none": "No assignments for you yet.", "host": "Host",
        "requested": "Requested", "rehearsal": "Rehearsal", "survey": "Venue survey", "kits": "Equipment",
        "online": "online (Zoom)", "on_site": "on site", "rehearsal_link": "Rehearsal Zoom link",
        "rehearsal_link_pending": "The rehearsal's Zoom link is being prepared.",
        "rehearsal_missed": "The rehearsal could not be scheduled",
        "survey_text": "Our staff will visit the venue before the event.", "pickup": "Pick up from",
        "return": "Return by", "tasks": "Rehearsals & venue surveys",
        "no_tasks": "No upcoming rehearsal or survey.", "kind": "Kind", "where": "Where",
        "missed_list": "Rehearsals not scheduled (the event is still served)", "kit_loans": "Kit loans",
        "survey_only": "venue survey only",
    },
}  # fmt: skip

DAYS = {
    "id": ("Sen", "Sel", "Rab", "Kam", "Jum", "Sab", "Min"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}
ZONES = (("Asia/Jakarta", "WIB"), ("Asia/Makassar", "WITA"), ("Asia/Jayapura", "WIT"))
TIER_COLOURS = ("#c0392b", "#e67e22", "#2e86c1", "#7f8c8d", "#8e44ad", "#16a085")


def lang_of(value: str | None) -> str:
    return "en" if value == "en" else "id"
