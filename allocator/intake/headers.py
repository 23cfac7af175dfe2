"""Which column is which field, by meaning: the words a header contains, not its exact spelling.

A header is lower-cased and stripped of punctuation ("No. HP/WA PIC" → "no hp wa pic"), then the rules below
are tried in order; the first rule with a phrase inside the header names the field. Strong phrases come first,
weak ones ("jam", "hari", "jumlah") only when nothing strong matched, and a header that matches nothing may still
be a typo of a known phrase ("Jumlah Pserta"), which is reported as a guess. Columns that name no field are
kept on the request as notes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from allocator.intake.values import find_zone
from allocator.planner.domain import Request

IGNORED = "_ignored"  # a column intake writes itself (the rejects file's reason) or a row counter
STRONG: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("series_until", ("sampai tanggal", "hingga tanggal", "berakhir tanggal", "until", "repeat until")),
    ("series_repeat", ("pengulangan", "berulang", "ulangi", "repeat", "recurrence")),
    ("series_count", ("jumlah pertemuan", "banyak pertemuan", "jumlah hari", "occurrences")),
    ("series_policy", ("kebijakan seri", "layanan sebagian", "series policy")),
    ("submitted_at", ("stempel waktu", "timestamp", "cap waktu", "tanda waktu", "waktu pengisian", "submitted at")),
    ("respondent_email", ("alamat email", "email address", "alamat surel", "alamat e mail")),
    ("letter_date", ("tanggal surat", "tgl surat", "letter date", "date of letter")),
    ("letter_number", ("nomor surat", "no surat", "nomor naskah", "letter number", "letter no")),
    # Before the unit ("Dinas ...") and the date ("... hari ..."): weekend or holiday duty asked for.
    ("duty", ("tugas hari libur", "dinas luar jam kerja", "luar jam kerja", "di luar jam kerja", "hari libur",
              "piket", "akhir pekan", "duty", "weekend", "holiday", "out of hours", "outside office hours",
              "outside working hours")),
    ("ref", ("ref", "reference", "nomor permohonan", "no permohonan", "kode permohonan", "id permohonan",
             "request id", "request no", "ticket", "tiket")),
    (IGNORED, ("alasan", "reason", "alasan ditolak")),
    ("pic_email", ("email pic", "pic email", "e mail pic", "email penanggung jawab", "email narahubung", "email",
                   "e mail", "surel")),
    ("pic_phone", ("hp", "wa", "whatsapp", "telepon", "telp", "tlp", "phone", "ponsel", "handphone", "mobile")),
    ("pic_language", ("bahasa", "language")),
    ("pic_name", ("nama pic", "pic", "penanggung jawab", "narahubung", "contact person", "nama pemohon",
                  "person in charge", "contact name")),
    ("timezone", ("zona waktu", "zona", "zone", "timezone", "time zone")),
    ("operators_needed", ("jumlah operator", "operators needed", "number of operators")),
    ("participants", ("peserta", "participants", "pax", "attendees", "audience", "hadirin")),
    ("service", ("layanan", "service", "kebutuhan", "fasilitasi", "dukungan")),
    ("kind", ("jenis zoom", "tipe zoom", "zoom type", "kind", "meeting type")),
    ("required_skills", ("keahlian", "skills", "kemampuan")),
    ("priority", ("prioritas", "priority")),
    ("status", ("status",)),
    ("remote", ("remote", "jarak jauh")),
    ("venue", ("tempat", "lokasi", "venue", "location", "ruang", "ruangan", "place")),
    ("unit", ("unit", "opd", "instansi", "satker", "satuan kerja", "perangkat daerah", "dinas", "uke",
              "agency", "office", "department", "organisation", "organization", "bidang", "kecamatan")),
    ("title", ("kegiatan", "acara", "judul", "agenda", "title", "event", "perihal", "topik", "topic",
               "nama rapat")),
    ("date", ("tanggal pelaksanaan", "tanggal", "tgl", "date", "hari tanggal")),
    ("start_time", ("jam mulai", "waktu mulai", "mulai", "start", "begin")),
    ("end_time", ("jam selesai", "waktu selesai", "selesai", "end", "finish")),
    ("time_range", ("waktu pelaksanaan", "waktu", "jam", "pukul", "time")),
)  # fmt: skip
WEAK: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("participants", ("jumlah",)),
    ("kind", ("jenis", "tipe", "type")),
    ("date", ("hari", "day")),
    ("pic_name", ("pemohon", "contact", "nama")),
    (IGNORED, ("no", "nomor", "no urut", "nomor urut")),
)
# A Microsoft Forms export starts with the form's own columns: the row number, when the respondent opened and
# submitted the form, their e-mail ("anonymous" when it is not collected) and name. In such a file "Start time" is
# when the form was opened, not when the meeting starts.
MS_FORMS = {"id": IGNORED, "start time": IGNORED, "completion time": "submitted_at", "last modified time": IGNORED,
            "email": "respondent_email", "name": None}  # fmt: skip
REQUIRED = ("unit", "pic_name", "title", "date", "start_time", "participants")
# Model fields a JSON file (or a sheet in the model's own words) may name directly.
PASSTHROUGH = {"pic", "allowed_operators", "window_start", "window_end", "rehearsal", "kits", "notes", "flags"}
EXACT = {name: name for name in Request.model_fields} | {"start": "start_time", "end": "end_time"}


@dataclass(frozen=True)
class Column:
    """One column of the file: its header, the field it became (None: kept as a note), how it was matched."""

    index: int
    header: str
    field: str | None
    how: str  # "exact" | "synonym" | "similar" | "note" | "ignored" | "duplicate"
    zone: str | None = None  # a zone named in the header, e.g. "Jam Mulai (WIB)"


def normalise(header: str) -> str:
    return " ".join(re.sub(r"[^0-9a-z]+", " ", header.lower()).split())


def _contains(text: str, phrase: str) -> bool:
    return f" {phrase} " in f" {text} "


def _by_rules(text: str, rules: tuple[tuple[str, tuple[str, ...]], ...]) -> str | None:
    for field, phrases in rules:
        if any(_contains(text, p) for p in phrases):
            return field
    return None


def field_of(header: str) -> tuple[str | None, str]:
    """The field a header names and how it was recognised."""
    raw = header.strip()
    if raw in EXACT or raw.lower() in EXACT:
        return EXACT.get(raw, EXACT.get(raw.lower())), "exact"
    text = normalise(raw)
    if not text:
        return None, "ignored"
    if any(_contains(text, a) and _contains(text, b) for a, b in (("mulai", "selesai"), ("start", "end"))):
        return "time_range", "synonym"  # "Waktu Pelaksanaan (Jam Mulai - Jam Selesai)"
    found = _by_rules(text, STRONG) or _by_rules(text, WEAK)
    if found is not None:
        return found, "synonym"
    phrases = {p: f for f, ps in STRONG for p in ps if len(p) >= 5}
    near = process.extractOne(text, list(phrases), scorer=fuzz.ratio, score_cutoff=85)
    return (phrases[near[0]], "similar") if near else (None, "note")


def _strength(header: str, field: str, how: str) -> int:
    """How specifically a header names its field: exact, else the longest of the field's phrases it contains
    ("Email PIC" names the PIC's e-mail more closely than "Email"; "Jam Mulai" the start more than "Start")."""
    if how in ("exact", "form"):
        return 1_000
    text = normalise(header)
    return max((len(p) for f, ps in (*STRONG, *WEAK) if f == field for p in ps if _contains(text, p)), default=0)


def map_headers(headers: list[str]) -> list[Column]:
    """Each column's field. A field claimed twice goes to the column naming it most specifically (the first of
    equals); the other becomes a note. A form tool's own columns are read as that tool writes them (`MS_FORMS`)."""
    form = {"start time", "completion time"} <= {normalise(h) for h in headers}
    taken: dict[str, int] = {}
    out: list[Column] = []
    for i, header in enumerate(headers):
        if form and normalise(header) in MS_FORMS:
            field, how = MS_FORMS[normalise(header)], "form"
            how = "note" if field is None else how
        else:
            field, how = field_of(header)
        if field == IGNORED:
            field, how = None, "ignored"
        elif field is not None and field in taken:
            before = out[taken[field]]
            if _strength(header, field, how) <= _strength(before.header, field, before.how):
                field, how = None, "duplicate"
            else:
                out[before.index] = Column(before.index, before.header, None, "duplicate", None)
        if field is not None:
            taken[field] = i
        zone = find_zone(header)[0] if field in ("start_time", "end_time", "time_range", "date") else None
        out.append(Column(i, header, field, how, zone))
    return out


def missing_required(columns: list[Column]) -> list[str]:
    """Required fields no column provides (a time range or a full start also gives the date and the start)."""
    have = {c.field for c in columns if c.field}
    if "time_range" in have:
        have.add("start_time")
    if "pic" in have:
        have.add("pic_name")
    return [f for f in REQUIRED if f not in have]
