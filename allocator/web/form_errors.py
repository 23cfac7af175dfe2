"""The request form's errors as people read them: each names the field by its label on the form and says what is
wrong in the page's language, instead of pydantic's English ("pic.name: String should have at least 1 character").
The API keeps its field paths (scripts read those)."""

from __future__ import annotations

import re

from allocator.web.i18n import TEXT

#: A field's path in the request → the form's label key in `TEXT`.
_LABELS = {"pic.name": "pic_name", "pic.email": "pic_email", "pic.phone": "pic_phone", "pic": "pic_name",
           "start": "start_time", "end": "end_time"}  # fmt: skip
#: (pattern of the English message, Indonesian, English); `{0}`… are the pattern's groups.
_MESSAGES: tuple[tuple[re.Pattern[str], str, str], ...] = tuple(
    (re.compile(p), i, e)
    for p, i, e in (
        (r"^(required|Field required|String should have at least 1 character)", "wajib diisi", "is required"),
        (r"^String should have at least (\d+) characters", "minimal {0} karakter", "needs at least {0} characters"),
        (r"^String should have at most (\d+) characters?", "maksimal {0} karakter", "may have at most {0} characters"),
        (r"^Input should be greater than or equal to (\S+)", "minimal {0}", "must be at least {0}"),
        (r"^Input should be greater than (\S+)", "harus lebih dari {0}", "must be more than {0}"),
        (r"^Input should be less than or equal to (\S+)", "maksimal {0}", "may be at most {0}"),
        (r"^Input should be less than (\S+)", "harus kurang dari {0}", "must be less than {0}"),
        (r"^Input should be a valid (integer|number)", "harus berupa angka", "must be a number"),
        (r"^Input should be a valid (datetime|date|time)", "tanggal atau jam tidak sah", "is not a valid date or time"),
        (r"^String should match pattern '\^\[\^@", "alamat email tidak sah", "is not a valid e-mail address"),
        (
            r"^String should match pattern",
            "hanya huruf, angka dan tanda . _ : / - (tanpa spasi)",
            "may hold only letters, digits and . _ : / - (no spaces)",
        ),
        (r"^Input should be '", "pilih salah satu pilihan yang tersedia", "choose one of the options"),
        (r"^(end \(.*\) )?must be after start", "jam selesai harus setelah jam mulai", "must be after the start"),
        (r"^the meeting is already over", "waktu acara sudah lewat", "is already over"),
        (
            r"^unknown IANA time zone",
            "zona waktu tidak dikenal (pilih WIB, WITA atau WIT)",
            "is not a known time zone (choose WIB, WITA or WIT)",
        ),
        (r"^year (\d+) is out of range", "tahun {0} di luar 2000–2100", "year {0} is outside 2000–2100"),
        (
            r"^request '(.+)' already exists",
            "nomor {0} sudah dipakai permohonan lain",
            "{0} is already used by another request",
        ),
    )
)
#: Follow-ups of another error on the same input (a bad time zone makes the times zone-less): not shown.
_ECHOES = re.compile(r"^Input should have timezone info")


def localize(errors: list[str], lang: str) -> tuple[list[str], dict[str, str]]:
    """The messages to list at the top, and the first message per form field (keyed as the form's `err()`)."""
    listed: list[str] = []
    by_field: dict[str, str] = {}
    for line in errors:
        path, sep, message = line.partition(": ")
        if not sep:  # a rule across fields, e.g. "end (…) must be after start (…)": named by its first word
            path, message = ("end" if line.startswith("end (") else ""), line
        if _ECHOES.match(message):
            continue
        text = _message(message, lang)
        label_key = _LABELS.get(path, path.split("[")[0])
        label = TEXT[lang].get(label_key, path) if path else ""
        shown = f"{label}: {text}" if label else text
        if shown not in listed:
            listed.append(shown)
        by_field.setdefault(path.split(".")[0].split("[")[0] or "body", text)
    return listed, by_field


def _message(message: str, lang: str) -> str:
    for pattern, id_text, en_text in _MESSAGES:
        found = pattern.match(message)
        if found:
            return (en_text if lang == "en" else id_text).format(*found.groups())
    return message if lang == "en" else f"isian tidak sah ({message})"
