"""Values as people write them: dates, times, ranges, zones, head counts, service words.

Each parser takes one cell (a string, or the number/date/time a spreadsheet stores) and returns a typed value,
or raises `Unreadable` with a message code (see `messages`). Hand-written on purpose: the vocabulary is a few
dozen Indonesian and English words, every accepted form is listed here, nothing is relative to today, and a
wrong cell is named exactly ("31/02/2027: Februari 2027 has 28 days") instead of coming back as "no match".
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from rapidfuzz import fuzz, process

from allocator.intake.messages import MONTHS, WEEKDAYS
from allocator.planner.domain import zone_info


class Unreadable(ValueError):
    """A cell that cannot be read; `code` and `params` make the admin's sentence."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class Guess:
    """An interpretation that was not certain, for the mapping report."""

    code: str
    params: dict[str, object] = field(default_factory=dict)


EXCEL_EPOCH = date(1899, 12, 30)  # Excel's day 0 in the 1900 system, past its 1900 leap-year bug
ZONE_WORDS = {
    "wib": "Asia/Jakarta", "wita": "Asia/Makassar", "wit": "Asia/Jayapura",
    "waktu indonesia barat": "Asia/Jakarta", "waktu indonesia tengah": "Asia/Makassar",
    "waktu indonesia timur": "Asia/Jayapura",
    "gmt+7": "Asia/Jakarta", "utc+7": "Asia/Jakarta", "gmt+8": "Asia/Makassar", "utc+8": "Asia/Makassar",
    "gmt+9": "Asia/Jayapura", "utc+9": "Asia/Jayapura",
}  # fmt: skip
_ZONE_RE = re.compile(r"\b(waktu indonesia (?:barat|tengah|timur)|wita|wib|wit|(?:gmt|utc)\s*\+\s*[789])\b")
_DAY_NAMES = {
    "senin": 0, "sen": 0, "selasa": 1, "sel": 1, "rabu": 2, "rab": 2, "kamis": 3, "kam": 3, "jumat": 4,
    "jum'at": 4, "jumaat": 4, "jum": 4, "sabtu": 5, "sab": 5, "minggu": 6, "ahad": 6, "min": 6,
    "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2, "thursday": 3,
    "thu": 3, "thur": 3, "thurs": 3, "friday": 4, "fri": 4, "saturday": 5, "sat": 5, "sunday": 6, "sun": 6,
}  # fmt: skip
_MONTH_NAMES = {
    "januari": 1, "january": 1, "jan": 1, "februari": 2, "pebruari": 2, "february": 2, "feb": 2, "peb": 2,
    "maret": 3, "march": 3, "mar": 3, "april": 4, "apr": 4, "mei": 5, "may": 5, "juni": 6, "june": 6,
    "jun": 6, "juli": 7, "july": 7, "jul": 7, "agustus": 8, "august": 8, "agu": 8, "agt": 8, "ags": 8,
    "aug": 8, "september": 9, "sep": 9, "sept": 9, "oktober": 10, "october": 10, "okt": 10, "oct": 10,
    "november": 11, "nopember": 11, "nov": 11, "nop": 11, "desember": 12, "december": 12, "des": 12, "dec": 12,
}  # fmt: skip
_WORD = r"[a-z']+"
_LEAD_DAY = re.compile(rf"^({_WORD})[\s,./]+")
_NAMED = re.compile(rf"^(\d{{1,2}})[\s\-./]*({_WORD})\.?[\s\-./,]*(\d{{4}}|\d{{2}})\b")
_NAMED_EN = re.compile(rf"^({_WORD})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}}|\d{{2}})\b")
_NUMERIC = re.compile(r"^(\d{1,2})\s*([/\-.])\s*(\d{1,2})\s*\2\s*(\d{4}|\d{2})\b")
_ISO = re.compile(r"^(\d{4})([-/])(\d{1,2})\2(\d{1,2})(?:[ t](\d{1,2}:\d{2}(?::\d{2})?)(?=$|\s*[+z]))?")


def clean_text(value: object) -> str:
    """One line, single spaces: 'Dinas   Perhubungan' and 'Dinas Perhubungan' are one unit."""
    return " ".join(str(value).split())


PLACEHOLDERS = {"", "-", "--", "---", "–", "—", ".", "n/a", "na", "tidak ada", "belum ada", "nihil", "none"}


def is_blank(value: object) -> bool:
    """Empty, or what people type to leave a form's answer empty ('-', 'tidak ada')."""
    return value is None or (isinstance(value, str) and value.strip().lower() in PLACEHOLDERS)


def _year(text: str) -> int:
    return 2000 + int(text) if len(text) == 2 else int(text)


def _checked_date(raw: str, year: int, month: int, day: int) -> date:
    if not 1 <= month <= 12:
        raise Unreadable("not_date", value=raw)
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        raise Unreadable("no_such_date", value=raw, month=MONTHS[month - 1], year=year, days=days)
    return date(year, month, day)


def excel_serial(number: float) -> datetime | None:
    """A day count as Excel stores dates (46391 = 2027-01-04); None outside 1955–2118, where it is no date."""
    if not 20_000 <= number < 80_000:
        return None
    return datetime.combine(EXCEL_EPOCH, time()) + timedelta(days=number)


def parse_date(value: object) -> tuple[date, time | None, str]:
    """A date as written, with a time if the cell also held one, and what followed the date in the text."""
    if isinstance(value, datetime):
        return value.date(), (value.time() if value.time() != time() else None), ""
    if isinstance(value, date):
        return value, None, ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        stamp = excel_serial(float(value))
        if stamp is None:
            raise Unreadable("not_date", value=value)
        return stamp.date(), (stamp.time() if stamp.time() != time() else None), ""
    raw = clean_text(value)
    text = raw.lower()
    if re.fullmatch(r"\d{5}(?:\.\d+)?", text):
        return parse_date(float(text))
    iso = _ISO.match(text)
    if iso:
        day = _checked_date(raw, int(iso[1]), int(iso[3]), int(iso[4]))
        clock = time.fromisoformat(iso[5].zfill(5) if len(iso[5]) < 5 else iso[5]) if iso[5] else None
        return day, clock, text[iso.end() :].strip()
    written = None
    lead = _LEAD_DAY.match(text)
    if lead and lead[1] in _DAY_NAMES:
        written, text = _DAY_NAMES[lead[1]], text[lead.end() :]
    found = _match_date(raw, text)
    if found is None:
        raise Unreadable("not_date", value=raw)
    day, rest = found
    if written is not None and day.weekday() != written:
        raise Unreadable("weekday_mismatch", value=raw, date=f"{day:%d/%m/%Y}",
                         actual=WEEKDAYS[day.weekday()], written=WEEKDAYS[written])  # fmt: skip
    return day, None, rest.strip(" ,")


# "12 s.d. 14", "12 sampai dengan 14", "12-14", "12 – 14", "12 to 14": between two days of one event
_UNTIL = re.compile(r"\s*(?:\bs\.?\s?d\b\.?|\bsampai(?:\s+dengan)?\b|\bhingga\b|\buntil\b|\bto\b|[-–—])\s*")
_DAY_SPAN = re.compile(rf"^({_WORD})\s*(?:s\.?\s?d\.?|sampai(?:\s+dengan)?|hingga|[-–—])\s*({_WORD})[\s,]+")
_DAY_MONTH = re.compile(rf"^(\d{{1,2}})(?:[\s\-./]*({_WORD})\.?)?$")
MAX_RANGE_DAYS = 31  # a longer span is no one event: a row each, or a series with its own columns


def parse_date_range(value: object) -> tuple[date, date] | None:
    """The first and last day of a date written as a span of consecutive days ("12 s.d. 14 Januari 2027",
    "12-14 Jan 2027", "Senin-Rabu, 18-20 Januari 2027", "30 Januari - 2 Februari 2027", "12/01/2027 s.d.
    14/01/2027"); None when the cell is no such span (a single date is read by `parse_date`)."""
    if not isinstance(value, str):
        return None
    raw = clean_text(value)
    text = raw.lower()
    days = _DAY_SPAN.match(text)
    named: tuple[int, int] | None = None
    if days and days[1] in _DAY_NAMES and days[2] in _DAY_NAMES:
        named, text = (_DAY_NAMES[days[1]], _DAY_NAMES[days[2]]), text[days.end() :]
    for sep in _UNTIL.finditer(text):
        left, right = text[: sep.start()].strip(" ,"), text[sep.end() :].strip(" ,")
        if not left or not right:
            continue
        try:
            last, clock, rest = parse_date(right)
        except Unreadable:
            continue
        if clock is not None or rest:
            continue
        first = _first_of_span(raw, left, last)
        if first is None or not 0 < (last - first).days < MAX_RANGE_DAYS:
            continue
        if named is not None and (first.weekday(), last.weekday()) != named:
            written = tuple(f"{a}-{b}" for a, b in zip(WEEKDAYS[named[0]], WEEKDAYS[named[1]], strict=True))
            actual = tuple(f"{a}-{b}" for a, b in zip(WEEKDAYS[first.weekday()], WEEKDAYS[last.weekday()], strict=True))
            raise Unreadable("weekday_mismatch", value=raw, date=f"{first:%d/%m/%Y}-{last:%d/%m/%Y}",
                             actual=actual, written=written)  # fmt: skip
        return first, last
    return None


def _first_of_span(raw: str, left: str, last: date) -> date | None:
    """The span's first day from what stands before its separator: a whole date, or a day (and month) whose
    month (and year) the last day gives."""
    try:
        first, clock, rest = parse_date(left)
        return first if clock is None and not rest else None
    except Unreadable:
        pass
    short = _DAY_MONTH.match(left)
    if short is None or (short[2] is not None and short[2] not in _MONTH_NAMES):
        return None
    month = _MONTH_NAMES[short[2]] if short[2] else last.month
    year = last.year - 1 if month > last.month else last.year  # "30 Desember - 2 Januari 2027"
    return _checked_date(raw, year, month, int(short[1]))


def _match_date(raw: str, text: str) -> tuple[date, str] | None:
    named = _NAMED.match(text)
    if named and named[2] in _MONTH_NAMES:
        return _checked_date(raw, _year(named[3]), _MONTH_NAMES[named[2]], int(named[1])), text[named.end() :]
    named_en = _NAMED_EN.match(text)
    if named_en and named_en[1] in _MONTH_NAMES:
        day = _checked_date(raw, _year(named_en[3]), _MONTH_NAMES[named_en[1]], int(named_en[2]))
        return day, text[named_en.end() :]
    numeric = _NUMERIC.match(text)
    if numeric:  # day first, as Indonesia writes it
        return _checked_date(raw, _year(numeric[4]), int(numeric[3]), int(numeric[1])), text[numeric.end() :]
    return None


def find_zone(text: str) -> tuple[str | None, str]:
    """A zone word inside a cell ('13.30 WITA'), and the text without it."""
    found = _ZONE_RE.search(text.lower())
    if found is None:
        return None, text
    key = re.sub(r"\s+", "", found[1]) if found[1].startswith(("gmt", "utc")) else found[1]
    return ZONE_WORDS[key], (text[: found.start()] + " " + text[found.end() :]).strip()


def parse_zone(value: object) -> str:
    """WIB/WITA/WIT, their long names, GMT+7/8/9, or an IANA name."""
    raw = clean_text(value)
    zone, rest = find_zone(raw)
    if zone is not None and not rest.strip(" ()"):
        return zone
    try:
        zone_info(raw)
    except ValueError:
        raise Unreadable("not_zone", value=raw) from None
    return raw


_CLOCK = re.compile(
    r"^(?:jam|pukul|pkl\.?|pk\.?|at)?\s*(\d{1,2})(?:\s*[.:]\s*(\d{2}))?(?:[.:](\d{2}))?\s*"
    r"(pagi|siang|sore|malam|a\.?m\.?|p\.?m\.?)?$"
)


def _half_day(hour: int, word: str | None) -> int:
    word = (word or "").replace(".", "")
    if (word in ("siang",) and hour < 11) or (word in ("sore", "pm") and hour < 12):
        return hour + 12
    if word == "malam" and 6 <= hour < 12:
        return hour + 12
    if word in ("am", "pagi", "malam") and hour == 12:
        return 0
    return hour


def parse_clock(value: object) -> time:
    """One time of day: '09.00', '9:00', 'jam 9 pagi', '2 siang', '1:30 PM', or a spreadsheet time."""
    if isinstance(value, datetime):
        return value.time()
    if isinstance(value, time):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 0 <= value < 1:  # a fraction of a day, as a spreadsheet stores a time
            minutes = round(float(value) * 24 * 60)
            return time(minutes // 60 % 24, minutes % 60)
        value = str(value).removesuffix(".0")
    raw = clean_text(value)
    found = _CLOCK.match(raw.lower())
    if found is None:
        raise Unreadable("not_time", value=raw)
    hour, minute = _half_day(int(found[1]), found[4]), int(found[2] or 0)
    if hour > 23 or minute > 59:
        raise Unreadable("not_time", value=raw)
    return time(hour, minute)


_RANGE_SPLIT = re.compile(r"\s*(?:s\s*/\s*d\.?|s\.\s*d\.?|sampai dengan|sampai|hingga|until|till|to|-|–|—|~)\s*")
OPEN_ENDS = ("selesai", "sls", "slsai", "end", "finish", "finished", "done", "tuntas", "usai")


@dataclass(frozen=True)
class Clock:
    """What a time cell said: a start, an end (None if open or absent), an open end, and a zone word."""

    start: time
    end: time | None
    open_end: bool
    zone: str | None


def parse_time_cell(value: object) -> Clock:
    """A time or a range in one cell: '09.00 - 11.00 WITA', '09.00 s/d selesai', '13.30 WITA'."""
    if not isinstance(value, str):
        return Clock(parse_clock(value), None, False, None)
    raw = clean_text(value)
    zone, text = find_zone(raw)
    text = text.lower().strip(" ()")
    parts = [p for p in _RANGE_SPLIT.split(text, maxsplit=1) if p is not None]
    if len(parts) == 1:
        return Clock(_clock_or_fail(parts[0], raw), None, False, zone)
    first, second = (p.strip() for p in parts)
    start = _clock_or_fail(first, raw)
    if not second or is_open_end(second):
        return Clock(start, None, True, zone)
    return Clock(start, _clock_or_fail(second, raw), False, zone)


def is_open_end(text: str) -> bool:
    """'selesai', 'sampai selesai', 's/d acara selesai', 'finish': the meeting ends when it ends."""
    words = clean_text(text).lower().strip(" ().")
    words = re.sub(r"^(?:s\s*/\s*d\.?|s\.\s*d\.?|sampai dengan|sampai|hingga|until|till)\s*", "", words)
    return words.removeprefix("acara ").strip(" .") in OPEN_ENDS


def _clock_or_fail(text: str, raw: str) -> time:
    try:
        return parse_clock(text)
    except Unreadable:
        raise Unreadable("not_time", value=raw) from None


_COUNT_WORDS = re.compile(
    r"±|\+/-|\+-|kurang lebih|kurleb|kira-kira|kira kira|sekitar|lebih kurang|approx\.?|about|around|maksimal|"
    r"maks\.?|max\.?|orang|org|peserta|pax|people|participants|persons?|hadirin|undangan"
)
_APPROX = re.compile(r"±|\+/?-|kurang lebih|lebih kurang|kurleb|kira|sekitar|approx|about|around")
_COUNT_RANGE = re.compile(r"^(\d[\d.,]*)\s*(?:-|–|s/d|sampai|to)\s*(\d[\d.,]*)$")


def _number(text: str, raw: str) -> int:
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", text):  # 1.000 as Indonesia writes a thousand
        return int(re.sub(r"[.,]", "", text))
    if re.fullmatch(r"\d+(?:[.,]0+)?", text):
        return int(re.split(r"[.,]", text)[0])
    raise Unreadable("not_count", value=raw)


_OCCURRENCES = re.compile(r"^(\d+)\s*(x|kali|hari|pertemuan|minggu|times|days|weeks|sessions)?\.?$")


def parse_occurrences(value: object) -> int:
    """How many times a series meets: '3', '3 kali', '3x', '5 hari', 4.0. A range or an estimate is not a number of
    meetings (unlike a head count, where '50-60' means enough seats for 60)."""
    if isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer():
        return int(value)
    found = _OCCURRENCES.match(" ".join(clean_text(value).lower().split()))
    if found is None:
        raise Unreadable("not_occurrences", value=value)
    return int(found[1])


def parse_count(value: object) -> tuple[int, Guess | None]:
    """A head count: '± 50 orang', '50-60' (the upper bound: seats must suffice), '100 peserta', 120.0."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        if float(value).is_integer():
            return int(value), None
        raise Unreadable("not_count", value=value)
    raw = clean_text(value)
    approx = _APPROX.search(raw.lower()) is not None
    text = _COUNT_WORDS.sub(" ", raw.lower()).strip(" .:")
    text = " ".join(text.split())
    ranged = _COUNT_RANGE.match(text)
    if ranged:
        low, high = _number(ranged[1], raw), _number(ranged[2], raw)
        count = max(low, high)
        return count, Guess("range_count", {"value": raw, "count": count})
    count = _number(text, raw)
    return count, (Guess("approx_count", {"value": raw, "count": count}) if approx else None)


_LINK_WORDS = ("zoom", "link", "tautan", "meeting", "webinar", "room", "akun", "daring", "online", "virtual")
_OPERATOR_WORDS = ("operator", "pendamping", "pendampingan", "teknisi", "petugas", "technician", "host")
_KIT_WORDS = ("alat", "peralatan", "pinjam", "peminjaman", "kamera", "camera", "speaker", "mic", "mikrofon",
              "microphone", "equipment", "kit", "perangkat")  # fmt: skip
_FILLER = ("saja", "only", "hanya", "dan", "and", "plus", "dengan", "with", "juga", "also", "layanan", "service",
           "fasilitasi", "penyediaan", "kebutuhan", "butuh", "perlu", "minta", "permintaan", "request",
           "pakai")  # fmt: skip
SERVICE_EXACT = {"link": "link", "link_operator": "link_operator", "operator": "operator"}


@dataclass(frozen=True)
class Service:
    service: str
    kit: bool
    webinar: bool
    guesses: tuple[Guess, ...]


def parse_service(value: object) -> Service:
    """Service words as a form's checkboxes or a person write them: 'Zoom + Operator', 'Link Zoom saja'…"""
    raw = clean_text(value)
    if raw.lower() in SERVICE_EXACT:
        return Service(SERVICE_EXACT[raw.lower()], False, False, ())
    words = re.findall(r"[a-z]+", raw.lower())
    link = op = kit = False
    guesses: list[Guess] = []
    negate = False
    vocab = _LINK_WORDS + _OPERATOR_WORDS + _KIT_WORDS
    for word in words:
        if word in ("tanpa", "without", "no", "bukan", "tidak"):
            negate = True
            continue
        known = word if word in vocab or word in _FILLER else _similar(word, vocab)
        if known is not None and known != word:
            guesses.append(Guess("similar_word", {"value": word, "word": known}))
        if known in _LINK_WORDS:
            link = link or not negate
        elif known in _OPERATOR_WORDS:
            op = op or not negate
        elif known in _KIT_WORDS:
            kit = kit or not negate
        negate = False
    if kit and not (link or op):
        raise Unreadable("kit_only", value=raw)
    if not (link or op):
        raise Unreadable("not_service", value=raw)
    if kit:
        guesses.append(Guess("kit_requested", {"value": raw}))
    service = "link_operator" if link and op else ("link" if link else "operator")
    return Service(service, kit, "webinar" in words, tuple(guesses))


def _similar(word: str, vocab: tuple[str, ...]) -> str | None:
    """A typo of a known word ('oprator'); only for words long enough that a near match means something."""
    if len(word) < 5:
        return None
    found = process.extractOne(word, vocab, scorer=fuzz.ratio, score_cutoff=80)
    return str(found[0]) if found else None


def parse_choice(value: object, table: dict[str, str], allowed: list[str]) -> str:
    """A word from a small vocabulary (priority, kind, status): the table's words or the value itself."""
    raw = clean_text(value)
    key = raw.lower()
    found = table.get(key, key)
    if found not in allowed:
        raise Unreadable("unknown_choice", value=raw, choices=", ".join(allowed))
    return found


PRIORITY_WORDS = {
    "kepala daerah": "head_of_region", "bupati": "head_of_region", "wakil bupati": "head_of_region",
    "walikota": "head_of_region", "wali kota": "head_of_region", "gubernur": "head_of_region",
    "pimpinan": "head_of_region", "menteri": "head_of_region", "head of region": "head_of_region",
    "tinggi": "high", "penting": "high", "mendesak": "high", "segera": "high", "urgent": "high",
    "biasa": "normal", "sedang": "normal", "normal": "normal", "rendah": "low", "low": "low", "high": "high",
}  # fmt: skip
KIND_WORDS = {"rapat": "meeting", "zoom meeting": "meeting", "meeting": "meeting", "pertemuan": "meeting",
              "webinar": "webinar", "zoom webinar": "webinar", "seminar": "webinar"}  # fmt: skip
SERIES_REPEAT_WORDS = {
    "harian": "daily", "setiap hari": "daily", "tiap hari": "daily", "berturut turut": "daily",
    "berturut-turut": "daily", "hari berturut turut": "daily", "daily": "daily", "consecutive days": "daily",
    "mingguan": "weekly", "setiap minggu": "weekly", "tiap minggu": "weekly", "per minggu": "weekly",
    "weekly": "weekly", "every week": "weekly",
    "bulanan": "monthly", "setiap bulan": "monthly", "tiap bulan": "monthly", "per bulan": "monthly",
    "monthly": "monthly", "every month": "monthly",
}  # fmt: skip
SERIES_POLICY_WORDS = {
    "semua atau tidak": "all_or_nothing", "semua atau tidak sama sekali": "all_or_nothing",
    "semua": "all_or_nothing", "seluruhnya": "all_or_nothing", "all or nothing": "all_or_nothing",
    "sebagian": "partial", "boleh sebagian": "partial", "partial": "partial",
}  # fmt: skip
STATUS_WORDS = {"baru": "new", "disetujui": "approved", "setuju": "approved", "ditolak": "rejected",
                "batal": "cancelled", "dibatalkan": "cancelled", "canceled": "cancelled"}  # fmt: skip


FLAG_YES = ("ya", "y", "yes", "true", "1", "iya", "benar", "perlu", "✓", "✔", "☑", "√", "v")
FLAG_NO = ("tidak", "t", "no", "n", "false", "0", "bukan", "-", "tidak perlu", "☐")  # "x": a tick or a cross?


def parse_flag(value: object) -> bool:
    """Yes or no as people write it: ya/tidak, yes/no, 1/0 (also a spreadsheet's number), a check mark."""
    if isinstance(value, int | float) and not isinstance(value, bool) and value in (0, 1):
        return bool(value)
    key = clean_text(value).lower()
    if key in FLAG_YES:
        return True
    if key in FLAG_NO:
        return False
    raise Unreadable("unknown_choice", value=clean_text(value), choices="ya, tidak")


def parse_phone(value: object) -> str:
    """A phone number as text: a spreadsheet may hold it as 6281234567890.0 or with a leading apostrophe."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return clean_text(value).lstrip("'")


_STAMP_CLOCK = re.compile(r"(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?\s*(am|pm)?")


def parse_stamp(value: object) -> tuple[datetime, str | None]:
    """A form's timestamp as Sheets ('28/12/2026 9:15:32') or Forms' own download ('2026/12/28 9:15:32 AM
    GMT+8') writes it: the local clock, and the zone when the cell names one."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None), None
    raw = clean_text(value)
    zone, text = find_zone(raw)
    try:
        day, clock, rest = parse_date(text)
    except Unreadable:
        raise Unreadable("not_datetime", value=raw) from None
    if clock is None and rest:
        found = _STAMP_CLOCK.fullmatch(rest.strip().lower())
        if found is None:
            raise Unreadable("not_datetime", value=raw)
        hour = _half_day(int(found[1]), found[4])
        if hour > 23 or int(found[2]) > 59 or int(found[3] or 0) > 59:
            raise Unreadable("not_datetime", value=raw)
        clock = time(hour, int(found[2]), int(found[3] or 0))
    return datetime.combine(day, clock or time()), zone
