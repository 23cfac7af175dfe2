"""Every sentence intake says to an admin, in Bahasa Indonesia and English, by code.

Kept in one table so a reason reads the same in the CLI, the daemon's log, the rejects file and the web page,
and so a translation is one line next to the other.
"""

from __future__ import annotations

from typing import Literal

Lang = Literal["id", "en"]

FIELD_LABELS: dict[str, tuple[str, str]] = {
    "ref": ("Nomor permohonan", "Reference"),
    "unit": ("Unit kerja", "Unit"),
    "pic": ("PIC", "PIC"),
    "pic_name": ("Nama PIC", "PIC name"),
    "pic_email": ("Email PIC", "PIC e-mail"),
    "respondent_email": ("Alamat email", "E-mail address"),
    "pic_phone": ("No. HP PIC", "PIC phone"),
    "pic_language": ("Bahasa", "Language"),
    "title": ("Nama kegiatan", "Title"),
    "date": ("Tanggal pelaksanaan", "Date"),
    "start_time": ("Jam mulai", "Start time"),
    "end_time": ("Jam selesai", "End time"),
    "time_range": ("Waktu pelaksanaan", "Time"),
    "timezone": ("Zona waktu", "Time zone"),
    "participants": ("Jumlah peserta", "Participants"),
    "service": ("Jenis layanan", "Service"),
    "kind": ("Jenis Zoom", "Zoom kind"),
    "operators_needed": ("Jumlah operator", "Operators needed"),
    "required_skills": ("Keahlian", "Skills"),
    "allowed_operators": ("Operator yang boleh", "Allowed operators"),
    "priority": ("Prioritas", "Priority"),
    "status": ("Status", "Status"),
    "venue": ("Tempat", "Venue"),
    "remote": ("Jarak jauh", "Remote"),
    "duty": ("Tugas hari libur / luar jam kerja", "Weekend or holiday duty"),
    "letter_number": ("Nomor surat", "Letter number"),
    "letter_date": ("Tanggal surat", "Letter date"),
    "submitted_at": ("Stempel waktu", "Timestamp"),
    "window_start": ("Awal jendela waktu", "Window start"),
    "window_end": ("Akhir jendela waktu", "Window end"),
    "rehearsal": ("Gladi", "Rehearsal"),
    "kits": ("Alat", "Kits"),
    "series": ("Seri", "Series"),
    "series_repeat": ("Pengulangan", "Repeat"),
    "series_count": ("Jumlah pertemuan", "Occurrences"),
    "series_until": ("Berulang sampai tanggal", "Repeat until"),
    "series_policy": ("Kebijakan seri", "Series policy"),
    "lead_time": ("Batas waktu surat", "Lead time"),
    "row": ("Baris", "Row"),
}

MESSAGES: dict[str, tuple[str, str]] = {
    # reasons a row is rejected (one per row)
    "empty": ("kosong, wajib diisi", "is empty; it is required"),
    "no_column": ("file ini tidak punya kolomnya", "the file has no column for it"),
    "not_date": ("{value!r} bukan tanggal (tulis mis. 05/01/2027 atau Selasa, 5 Januari 2027)",
                 "{value!r} is not a date (write e.g. 05/01/2027 or Tuesday, 5 January 2027)"),
    "no_such_date": ("{value!r}: tanggal itu tidak ada ({month} {year} hanya sampai tanggal {days})",
                     "{value!r}: no such date ({month} {year} has {days} days)"),
    "weekday_mismatch": ("{value!r}: {date} jatuh pada hari {actual}, bukan {written}",
                         "{value!r}: {date} is a {actual}, not a {written}"),
    "not_time": ("{value!r} bukan jam (tulis mis. 09.00, 13.30 WITA atau 09.00 - 11.00 WITA)",
                 "{value!r} is not a time of day (write e.g. 09.00, 13.30 WITA or 09.00 - 11.00 WITA)"),
    "end_before_start": ("jam selesai {end} tidak setelah jam mulai {start}",
                         "the end {end} is not after the start {start}"),
    "not_email": ("{value!r} bukan alamat email (tulis mis. nama@instansi.go.id)",
                  "{value!r} is not an e-mail address (write e.g. name@agency.go.id)"),
    "not_zone": ("{value!r} bukan zona waktu (WIB, WITA atau WIT)",
                 "{value!r} is not a time zone (WIB, WITA or WIT)"),
    "not_count": ("{value!r} bukan jumlah orang (tulis mis. 50, ± 50 orang atau 50-60)",
                  "{value!r} is not a number of people (write e.g. 50, ± 50 or 50-60)"),
    "not_occurrences": ("{value!r} bukan jumlah pertemuan (tulis mis. 3 atau 3 kali)",
                        "{value!r} is not a number of meetings (write e.g. 3 or 3 times)"),
    "not_positive": ("{value!r}: harus lebih dari 0", "{value!r}: must be more than 0"),
    "too_many": ("{value!r}: paling banyak {limit}", "{value!r}: at most {limit}"),
    "not_service": ("{value!r} tidak dikenal (tulis mis. Zoom + Operator, Link Zoom saja, Operator saja)",
                    "{value!r} is not known (write e.g. Zoom + Operator, Zoom link only, Operator only)"),
    "kit_only": ("{value!r}: hanya pinjam alat, tanpa Zoom atau operator; catat sebagai peminjaman alat",
                 "{value!r}: only equipment, no Zoom or operator; record it as a kit loan"),
    "unknown_choice": ("{value!r} tidak dikenal (pilihan: {choices})", "{value!r} is not known (choices: {choices})"),
    "not_datetime": ("{value!r} bukan tanggal dan jam", "{value!r} is not a date and time"),
    "too_long": ("terlalu panjang (paling banyak {limit} karakter)", "too long (at most {limit} characters)"),
    "duplicate": ("permohonan yang sama dengan baris {row} ({ref})", "the same request as row {row} ({ref})"),
    "late": ("masuk {days} hari kerja sebelum acara; minimal {min} hari kerja",
             "came in {days} working days before the event; the site requires {min}"),
    "invalid": ("{detail_id}", "{detail}"),  # pydantic's, worded by allocator.validation_words
    # guesses listed in the report
    "open_end": ("'{value}': selesai tidak ditentukan, dianggap {minutes} menit",
                 "'{value}': no end given, taken as {minutes} minutes"),
    "no_end": ("jam selesai kosong, dianggap {minutes} menit", "no end time, taken as {minutes} minutes"),
    "approx_count": ("'{value}' dibaca {count} orang", "'{value}' read as {count} people"),
    "range_count": ("'{value}': diambil batas atas, {count} orang", "'{value}': the upper bound taken, {count} people"),
    "kit_requested": ("'{value}': alat diminta tanpa jenisnya; admin memilih alatnya",
                      "'{value}': equipment asked for without saying which; the admin chooses"),
    "similar_word": ("'{value}' dibaca sebagai '{word}'", "'{value}' read as '{word}'"),
    "webinar_from_service": ("'{value}': jenis Zoom dianggap webinar", "'{value}': Zoom kind taken as webinar"),
    "received_today": ("tanpa stempel waktu atau tanggal surat: batas waktu dihitung dari hari ini",
                       "no timestamp or letter date: the lead time counts from today"),
    "ref_made": ("tanpa nomor surat atau stempel waktu: nomor permohonan dibuat dari unit, kegiatan dan waktu",
                 "no letter number or timestamp: the reference is made from unit, title and time"),
    "time_in_date": ("'{value}': jam diambil dari kolom tanggal", "'{value}': the time taken from the date column"),
    "date_range": ("'{value}': {days} hari berturut-turut, dibaca sebagai seri harian (satu tautan Zoom)",
                   "'{value}': {days} consecutive days, read as a daily series (one Zoom link)"),
}  # fmt: skip

WEEKDAYS = (("Senin", "Monday"), ("Selasa", "Tuesday"), ("Rabu", "Wednesday"), ("Kamis", "Thursday"),
            ("Jumat", "Friday"), ("Sabtu", "Saturday"), ("Minggu", "Sunday"))  # fmt: skip
MONTHS = (("Januari", "January"), ("Februari", "February"), ("Maret", "March"), ("April", "April"),
          ("Mei", "May"), ("Juni", "June"), ("Juli", "July"), ("Agustus", "August"), ("September", "September"),
          ("Oktober", "October"), ("November", "November"), ("Desember", "December"))  # fmt: skip


def pick(pair: tuple[str, str], lang: Lang) -> str:
    return pair[0] if lang == "id" else pair[1]


def label(field: str, lang: Lang) -> str:
    """The admin's name for a field (the model's own name if it has none)."""
    return pick(FIELD_LABELS[field], lang) if field in FIELD_LABELS else field


def say(code: str, lang: Lang, **params: object) -> str:
    """The sentence for `code`; a parameter given as an (id, en) pair is said in `lang` too."""
    local = {k: _in(v, lang) for k, v in params.items()}
    return pick(MESSAGES[code], lang).format(**local)


def _in(value: object, lang: Lang) -> object:
    if isinstance(value, tuple | list) and len(value) == 2 and all(isinstance(v, str) for v in value):
        return value[0] if lang == "id" else value[1]
    return value


def reason(field: str | None, code: str, lang: Lang, **params: object) -> str:
    """'Tanggal pelaksanaan: ...': the field named first, as the admin knows it."""
    text = say(code, lang, **params)
    return f"{label(field, lang)}: {text}" if field else text
