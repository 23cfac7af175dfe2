# ruff: noqa: E501  (a catalogue: a line per message reads better than a wrapped one)
"""pydantic's field errors as a person of either language reads them: the field's path as it is, then what is wrong,
said from the error's `type` (pydantic's own code) and its parameters. English keeps pydantic's message; Bahasa
Indonesia says it from the table below. The models' own checks (`value_error`, English sentences in the pure core)
are worded from their sentence, each of them (tests/commands/test_error_words.py makes every one of them).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from allocator.error_words import file_error_text
from allocator.planner.errors import InvalidProblem
from allocator.planner.problem_io import detail_lines, error_details

# pydantic error type: Indonesian text (fields from the error's ctx)
PYDANTIC_ID: dict[str, str] = {
    "missing": "wajib diisi",
    "extra_forbidden": "kolom tidak dikenal",
    "string_type": "harus berupa teks",
    "string_too_short": "terlalu pendek (paling sedikit {min_length} karakter)",
    "string_too_long": "terlalu panjang (paling banyak {max_length} karakter)",
    "string_pattern_mismatch": "tidak sesuai pola {pattern}",
    "int_type": "harus bilangan bulat", "int_parsing": "harus bilangan bulat", "int_from_float": "harus bilangan bulat",
    "float_type": "harus bilangan", "float_parsing": "harus bilangan", "decimal_parsing": "harus bilangan",
    "bool_type": "harus true atau false", "bool_parsing": "harus true atau false",
    "greater_than": "harus lebih dari {gt}", "greater_than_equal": "harus paling sedikit {ge}",
    "less_than": "harus kurang dari {lt}", "less_than_equal": "harus paling banyak {le}",
    "multiple_of": "harus kelipatan {multiple_of}",
    "datetime_type": "bukan tanggal-waktu", "datetime_parsing": "bukan tanggal-waktu ISO 8601 yang sah",
    "datetime_from_date_parsing": "bukan tanggal-waktu ISO 8601 yang sah",
    "timezone_aware": "perlu offset atau zona waktu", "timezone_naive": "tidak boleh memakai offset",
    "date_type": "bukan tanggal", "date_parsing": "bukan tanggal yang sah (mis. 2027-01-05)",
    "date_from_datetime_parsing": "bukan tanggal yang sah (mis. 2027-01-05)",
    "date_from_datetime_inexact": "harus tanggal saja, tanpa jam",
    "time_type": "bukan jam", "time_parsing": "bukan jam yang sah (mis. 08:30)",
    "time_delta_type": "bukan durasi", "time_delta_parsing": "bukan durasi yang sah",
    "literal_error": "harus salah satu dari {expected}", "enum": "harus salah satu dari {expected}",
    "list_type": "harus berupa daftar", "tuple_type": "harus berupa daftar", "set_type": "harus berupa daftar",
    "dict_type": "harus berupa objek", "model_type": "harus berupa objek", "model_attributes_type": "harus berupa objek",
    "too_short": "paling sedikit {min_length} butir", "too_long": "paling banyak {max_length} butir",
    "json_invalid": "bukan JSON yang sah", "json_type": "bukan JSON yang sah",
    "url_parsing": "bukan URL yang sah", "url_type": "bukan URL", "url_scheme": "skema URL harus {expected_schemes}",
    "uuid_parsing": "bukan UUID yang sah", "none_required": "harus kosong (null)",
    "frozen_instance": "tidak dapat diubah", "frozen_field": "tidak dapat diubah",
    "union_tag_invalid": "jenis {tag!r} tidak dikenal (dikenal: {expected_tags})",
    "union_tag_not_found": "kolom pembeda {discriminator} tidak ada",
}  # fmt: skip

# the models' own checks (pydantic type value_error) worded in Bahasa Indonesia where they are common
_UNKNOWN = {"duplicate id": "id ganda", "unknown tier": "tingkat tidak dikenal", "unknown operator": "operator tidak dikenal",
            "unknown host": "host tidak dikenal", "unknown request": "permohonan tidak dikenal",
            "unknown kit type": "jenis alat tidak dikenal", "unknown venue": "tempat tidak dikenal"}  # fmt: skip
_OWN_ID: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), r) for p, r in (
        # field names (end, start, window_start…) are kept as the file writes them
        (r"^end: must be after start \(end (.+), start (.+), in (\S+)\)$", "end: harus setelah start (end {0}, start {1}, di {2})"),
        (r"^end \((.+)\) must be after start \((.+)\)$", "end ({0}) harus setelah start ({1})"),
        (r"^end must be after start$", "end harus setelah start"),
        (r"^end must be after start \(shifts across midnight are written as two shifts\)$",
         "end harus setelah start (giliran yang melewati tengah malam ditulis sebagai dua giliran)"),
        (r"^end: a meeting lasts at least (\d+) minutes \(start to end\)$", "end: rapat paling sedikit {0} menit (start sampai end)"),
        (r"^last must not be before first$", "last tidak boleh sebelum first"),
        (r"^(\w+): (\S+ \S+) does not exist in (\S+) \(the clocks skip it\)$",
         "{0}: {1} tidak ada di {2} (jam dimajukan melewatinya)"),
        (r"^unknown IANA time zone (.+) \(e\.g\. (.+), or WIB/WITA/WIT\)$",
         "zona waktu IANA tidak dikenal {0} (mis. {1}, atau WIB/WITA/WIT)"),
        (r"^(\S+: )?(duplicate id|unknown tier|unknown operator|unknown host|unknown request|unknown kit type|unknown venue) (.+)$",
         "{0}{1} {2}"),
        (r"^(\S+): an operator is listed twice$", "{0}: satu operator disebut dua kali"),
        (r"^(\S+): request (\S+) is pinned twice$", "{0}: permohonan {1} disematkan dua kali"),
        (r"^(\S+): request (\S+) appears twice$", "{0}: permohonan {1} muncul dua kali"),
        (r"^(\S+): an on-site rehearsal needs the request's venue$", "{0}: gladi di tempat memerlukan tempat permohonan"),
        (r"^at least one priority tier is needed$", "perlu paling sedikit satu tingkat prioritas"),
        (r"^contains a NUL byte \(\\x00\), which no text field may hold$", "memuat bait NUL (\\x00), yang tidak boleh ada di teks"),
        (r"^(window_start|window_end): window_start and window_end go together \(a flexible request gives both\)$",
         "{0}: window_start dan window_end diisi bersama (permohonan fleksibel memberi keduanya)"),
        (r"^start: the preferred start-end must lie inside window_start-window_end$",
         "start: start-end yang diinginkan harus di dalam window_start-window_end"),
        (r"^kits: a kit type is listed twice$", "kits: satu jenis alat disebut dua kali"),
        (r"^rehearsal: it is run by the event's operator, so the service must include one$",
         "rehearsal: gladi dijalankan operator acara, jadi layanannya harus memuat operator"),
        # the rarer checks: a rehearsal's window, a series and its occurrences, a moved occurrence
        (r"^window_start_min_before must leave room for the rehearsal: at least end_min_before \+ duration_min \((\d+) min\)$",
         "window_start_min_before harus menyisakan waktu untuk gladi: paling sedikit end_min_before + duration_min ({0} menit)"),
        (r"^start and end go together \(a moved occurrence gives both\)$",
         "start dan end diisi bersama (kejadian yang dipindah memberi keduanya)"),
        (r"^give either count or until \(how the series ends\)$", "isi count atau until (kapan seri berakhir), salah satu saja"),
        (r"^every: Zoom repeats (\w+) at most every (\d+)$", "every: selang seri {0} di Zoom paling banyak {1}"),
        (r"^weekdays: only a weekly series names weekdays$", "weekdays: hanya seri mingguan yang menyebut hari"),
        (r"^month_week: only a monthly series names a week of the month$",
         "month_week: hanya seri bulanan yang menyebut minggu dalam bulan"),
        (r"^weekdays: a weekday is listed twice$", "weekdays: satu hari disebut dua kali"),
        (r"^changes: an occurrence is changed twice$", "changes: satu kejadian diubah dua kali"),
        (r"^occurrence: occurrence_of and occurrence go together \(set on an occurrence read from a series\)$",
         "occurrence: occurrence_of dan occurrence diisi bersama (pada kejadian yang dibaca dari sebuah seri)"),
        (r"^occurrence_of: an occurrence keeps its series' pattern in series$",
         "occurrence_of: sebuah kejadian menyimpan pola serinya di series"),
        (r"^series: a series has fixed times, so window_start/window_end are not for series$",
         "series: seri memiliki waktu tetap, jadi window_start/window_end tidak untuk seri"),
        (r"^series: a rehearsal is not planned per occurrence: ask for it as a request of its own$",
         "series: gladi tidak direncanakan per kejadian: ajukan sebagai permohonan tersendiri"),
        (r"^ref: a series' ref has at most (\d+) characters \(its occurrences add ':N'\)$",
         "ref: ref sebuah seri paling banyak {0} karakter (kejadiannya menambah ':N')"),
        (r"^series\.weekdays: the first occurrence \(start\) falls on a weekday not listed$",
         "series.weekdays: kejadian pertama (start) jatuh pada hari yang tidak disebut"),
        (r"^series\.repeat: a monthly series on a day of the month starts on day 1 to 28 \(not every month has a 29th to 31st\), or give month_week \(e\.g\. -1: the last Friday\)$",
         "series.repeat: seri bulanan pada tanggal yang sama dimulai pada tanggal 1 sampai 28 (tidak setiap bulan punya tanggal 29 sampai 31), atau isi month_week (mis. -1: Jumat terakhir)"),
        (r"^series\.month_week: the first occurrence \(start\) is not the (first|second|third|fourth|last) of its weekday in its month$",
         "series.month_week: kejadian pertama (start) bukan hari yang {0} dalam bulannya"),
        (r"^series\.until: before the first occurrence$", "series.until: sebelum kejadian pertama"),
        (r"^series\.until: more than (\d+) occurrences \(Zoom's limit\)$", "series.until: lebih dari {0} kejadian (batas Zoom)"),
        (r"^series\.changes: occurrence (\d+) is past the last \((\d+)\)$",
         "series.changes: kejadian {0} melewati yang terakhir ({1})"),
    )
]  # fmt: skip
#: words inside a sentence above: `every`'s repeat, `month_week`'s week
_WORDS_ID = {"daily": "harian", "weekly": "mingguan", "monthly": "bulanan", "first": "pertama", "second": "kedua",
             "third": "ketiga", "fourth": "keempat", "last": "terakhir"}  # fmt: skip


def _expected(ctx: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(ctx)
    if "expected" in out:  # pydantic's "'a', 'b' or 'c'"
        out["expected"] = str(out["expected"]).replace(" or ", " atau ")
    return out


def own_check_id(message: str) -> str:
    """A model's own check (English) in Bahasa Indonesia where it is a common one; else as it is."""
    for pattern, template in _OWN_ID:
        m = pattern.match(message)
        if m:
            groups = [g or "" for g in m.groups()]
            if template == "{0}{1} {2}":  # a reference to something the file does not hold
                groups[1] = _UNKNOWN[groups[1]]
                groups[2] = groups[2].replace("(known: ", "(dikenal: ")
            if template.startswith(("every:", "series.month_week:")):  # a word of the sentence, not a value
                groups = [_WORDS_ID.get(g, g) for g in groups]
            return template.format(*groups)
    return message


def pydantic_detail(err: Mapping[str, Any], lang: str) -> str:
    """What is wrong with one field (pydantic's error, without the path), in `lang`."""
    msg = str(err.get("msg", "")).removeprefix("Value error, ")
    if lang == "en":
        return msg
    kind = str(err.get("type", ""))
    if kind == "value_error":
        return "; ".join(own_check_id(part) for part in msg.split("; "))
    template = PYDANTIC_ID.get(kind)
    if template is None:
        return msg
    try:
        return template.format(**_expected(err.get("ctx") or {}))
    except (KeyError, IndexError, ValueError):
        return msg


def validation_lines(exc: ValidationError, lang: str) -> list[str]:
    """pydantic's errors, one line per field (`requests[3].participants: …`), in `lang`."""
    return detail_lines(error_details(exc), lambda err: pydantic_detail(err, lang))


def problem_lines(exc: InvalidProblem, lang: str) -> list[str]:
    """An invalid problem's lines in `lang` (those pydantic did not find, such as a file that is not JSON, worded
    by `error_words`)."""
    if exc.details:
        return detail_lines(exc.details, lambda err: pydantic_detail(err, lang))
    return [file_error_text(e, lang) for e in exc.errors]
