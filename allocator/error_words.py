# ruff: noqa: E501  (a catalogue: a line per message reads better than a wrapped one)
"""Errors raised in English, as a person of either language reads them: a file someone sent that cannot be read (a
problem file, a request file: `jsontext`, `intake.files`, `problem_files`) and the planning core's own errors (pins
that cannot all hold, a plan that breaks a rule). Where they are raised they stay English (logs, the HTTP API, the
pure core); the command line and the web pages word them here, by pattern, as `validation_words` does pydantic's
errors. An unknown sentence is kept as it is.
"""

from __future__ import annotations

import re

from allocator.planner.errors import ConflictingPins, InvalidPlan

#: the operating system's reason (`strerror`) a file could not be opened
_OS_REASONS_ID = {
    "No such file or directory": "tidak ada berkas atau folder seperti itu",
    "Is a directory": "berupa folder, bukan berkas",
    "Not a directory": "bagian jalurnya bukan folder",
    "Permission denied": "izin ditolak",
    "File name too long": "nama berkas terlalu panjang",
    "Too many levels of symbolic links": "terlalu banyak tautan simbolik",
}
#: other words inside a sentence: a file without a suffix, the JSON parser's reasons (`json.JSONDecodeError.msg`)
_WORDS_ID = {
    **_OS_REASONS_ID,
    "(none)": "(tanpa akhiran)",
    "Expecting value": "diharapkan sebuah nilai",
    "Expecting property name enclosed in double quotes": "diharapkan nama kolom dalam tanda petik ganda",
    "Expecting ',' delimiter": "diharapkan pemisah ','",
    "Expecting ':' delimiter": "diharapkan pemisah ':'",
    "Extra data": "ada data lebih setelah akhir JSON",
    "Unterminated string starting at": "teks tanpa tanda petik penutup mulai di",
    "Invalid control character at": "karakter kendali tidak sah di",
    "Invalid \\escape": "escape \\ tidak sah",
}

# (pattern of the English sentence, Bahasa Indonesia); {0}… are the pattern's groups, a file name first
_FILES_ID: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p, re.DOTALL), r) for p, r in (
        (r"^(.+): cannot read the file \((.+)\)$", "{0}: berkas tidak dapat dibaca ({1})"),
        (r"^(.+): cannot be read \((.+)\)$", "{0}: berkas tidak dapat dibaca ({1})"),
        (r"^(.+): ([\d,]+) bytes, more than the ([\d,]+) a file of this kind may have$",
         "{0}: {1} bait, lebih dari {2} bait yang boleh dimiliki berkas jenis ini"),
        (r"^(.+): ([\d,]+) bytes, more than ([\d,]+); split it into smaller files$",
         "{0}: {1} bait, lebih dari {2}; pecah menjadi berkas yang lebih kecil"),
        (r"^(.+): not UTF-8 text \(byte (\d+)\); save it as UTF-8 JSON$",
         "{0}: bukan teks UTF-8 (bait ke-{1}); simpan sebagai JSON UTF-8"),
        (r"^(.+): not valid JSON at line (\d+), column (\d+): (.+)$", "{0}: bukan JSON yang sah di baris {1}, kolom {2}: {3}"),
        (r"^(.+): nested too deeply to be a file of this kind$", "{0}: bersarang terlalu dalam untuk berkas jenis ini"),
        (r"^(.+): nested too deeply to be a problem file$", "{0}: bersarang terlalu dalam untuk berkas masalah"),
        (r"^(.+): unsupported file type (\S+) \(use \.csv, \.xlsx or \.json\)$",
         "{0}: jenis berkas {1} tidak didukung (pakai .csv, .xlsx atau .json)"),
        (r"^(.+): not a readable workbook \((\w+)\)$", "{0}: bukan buku kerja yang dapat dibaca ({1})"),
        (r"^(.+): more than ([\d,]+) rows; split it into files of at most ([\d,]+)$",
         "{0}: lebih dari {1} baris; pecah menjadi berkas berisi paling banyak {2} baris"),
        (r"^(.+): expected a list of request objects \(or \{'requests': \[\.\.\.\]\}\)$",
         "{0}: diharapkan daftar objek permohonan (atau {{'requests': [...]}})"),
    )
]  # fmt: skip

# the planning core's errors: (pattern of its English message, Bahasa Indonesia)
_CORE_ID: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), r) for p, r in (
        (r"^pinned or frozen assignments conflict with each other$",
         "penugasan yang dipatok atau dibekukan saling bentrok"),
        (r"^a pin cannot hold: its host or operators do not fit the request \(capacity, kind, availability, skills, shifts or leave\)$",
         "patokan tidak dapat dipertahankan: host atau operatornya tidak cocok dengan permohonan (kapasitas, jenis, "
         "ketersediaan, keahlian, giliran kerja atau cuti)"),
        (r"^the planner produced a plan that fails validation$", "perencana menghasilkan rencana yang gagal diperiksa"),
        (r"^the first-come-first-served plan fails validation$", "rencana siapa cepat dia dapat gagal diperiksa"),
        (r"^operator (\S+) has travel rules but was pooled$",
         "operator {0} punya aturan perjalanan tetapi digabung ke kelompok (galat perencana)"),
        (r"^resource pool (\S+) is over capacity at minute (-?\d+): the model let it through$",
         "kelompok sumber daya {0} melebihi kapasitas pada menit {1}: model meloloskannya (galat perencana)"),
    )
]  # fmt: skip


def os_reason(reason: str, lang: str) -> str:
    """The operating system's reason a file could not be read (`strerror`, English) in `lang`."""
    return reason if lang == "en" else _OS_REASONS_ID.get(reason, reason)


def _worded(text: str, table: list[tuple[re.Pattern[str], str]]) -> str | None:
    for pattern, template in table:
        m = pattern.match(text)
        if m:
            return template.format(*(_WORDS_ID.get(g, g) for g in m.groups()))
    return None


def file_error_text(message: str, lang: str) -> str:
    """Why a file someone sent cannot be read (the readers' English sentence) in `lang`; else as it is."""
    if lang == "en":
        return message
    return _worded(message, _FILES_ID) or message


def error_words(exc: BaseException, lang: str) -> str:
    """An error's text in `lang`: the core's pins and plan errors and a file's reading errors worded, others as
    they are. A plan's violations (the validator's findings, for whoever fixes the planner) stay English."""
    if lang == "en":
        return str(exc)
    if isinstance(exc, ConflictingPins):
        return f"{_worded(exc.message, _CORE_ID) or exc.message}: {', '.join(exc.requests)}"
    if isinstance(exc, InvalidPlan):
        head = _worded(exc.message, _CORE_ID) or exc.message
        return head + "".join(f"\n  - {v}" for v in exc.violations[:20])
    return file_error_text(str(exc), lang)
