"""One row of a file → the data of one `Request`, or the first real problem of that row.

The checks run in the order an admin reads a request (who, what, when, how many, which service), and the first
one that fails is the row's only reason: a row with a bad date is rejected for its date, never also for a
missing start and end that follow from it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from allocator.intake.values import (
    KIND_WORDS,
    PRIORITY_WORDS,
    SERIES_POLICY_WORDS,
    SERIES_REPEAT_WORDS,
    STATUS_WORDS,
    Clock,
    Guess,
    Unreadable,
    clean_text,
    is_blank,
    is_open_end,
    parse_choice,
    parse_count,
    parse_date,
    parse_date_range,
    parse_flag,
    parse_occurrences,
    parse_phone,
    parse_service,
    parse_stamp,
    parse_time_cell,
    parse_zone,
)
from allocator.planner.domain import EMAIL, RequestStatus, SitePolicy


class RowProblem(Exception):
    """The first real problem of a row: the field it is about, a message code and its parameters."""

    def __init__(self, field: str | None, code: str, **params: object) -> None:
        super().__init__(code)
        self.field, self.code, self.params = field, code, params


@dataclass
class Row:
    """What was read from one row: the request's data so far, where its ref came from, the guesses made."""

    number: int
    data: dict[str, Any]
    ref_source: str = ""  # "ref" | "letter" | "form" | "made"
    stamp: datetime | None = None  # the form's timestamp as written (local clock)
    stamp_zone: str | None = None  # its zone when the cell named one, else the site's
    email: str | None = None
    guesses: list[Guess] = field(default_factory=list)


def _cell(cells: dict[str, Any], name: str) -> Any:
    value = cells.get(name)
    return None if is_blank(value) else value


def _read(name: str, parse: Any, value: Any) -> Any:
    try:
        return parse(value)
    except Unreadable as exc:
        raise RowProblem(name, exc.code, **exc.params) from None


def _required_text(cells: dict[str, Any], name: str, columns: set[str]) -> str:
    value = _cell(cells, name)
    if value is None:
        raise RowProblem(name, "empty" if name in columns else "no_column")
    return clean_text(value)


def read_row(number: int, cells: dict[str, Any], notes: dict[str, str], zones: dict[str, str],
             policy: SitePolicy) -> Row:  # fmt: skip
    """The row's request data (naive local times with their zone), in the order an admin checks a request."""
    columns = set(cells)
    row = Row(number, {"notes": notes, "flags": []})
    data = row.data
    data["unit"] = _required_text(cells, "unit", columns)
    data["pic"] = _pic(cells, columns, row)
    data["title"] = _required_text(cells, "title", columns)
    _when(cells, columns, zones, policy, row)
    count = _cell(cells, "participants")
    if count is None:
        raise RowProblem("participants", "empty" if "participants" in columns else "no_column")
    data["participants"], guess = _read("participants", parse_count, count)
    row.guesses += [guess] if guess else []
    _checked_count(data["participants"], count)
    _service(cells, row)
    _choices(cells, policy, row)
    _series(cells, row)
    _letter_and_stamp(cells, row)
    return row


def _series(cells: dict[str, Any], row: Row) -> None:
    """A series from its columns: how it repeats ('harian', 'mingguan', 'bulanan': on the same day of the month),
    how many times or until when, and whether partial service is acceptable; a JSON file may give `series` in the
    model's own shape."""
    if _cell(cells, "series") is not None:
        row.data["series"] = cells["series"]
        return
    repeat = _cell(cells, "series_repeat")
    count, until = _cell(cells, "series_count"), _cell(cells, "series_until")
    if repeat is None:
        if count is not None or until is not None:
            raise RowProblem("series_repeat", "empty")
        return
    repeats = ["daily", "weekly", "monthly"]
    repeat_word = _read("series_repeat", lambda v: parse_choice(v, SERIES_REPEAT_WORDS, repeats), repeat)
    series: dict[str, Any] = {"repeat": repeat_word}
    if count is not None:
        series["count"] = _read("series_count", parse_occurrences, count)
    if until is not None:
        series["until"] = _read("series_until", lambda v: parse_date(v)[0], until)
    policy = _cell(cells, "series_policy")
    if policy is not None:
        choices = ["all_or_nothing", "partial"]
        series["policy"] = _read("series_policy", lambda v: parse_choice(v, SERIES_POLICY_WORDS, choices), policy)
    row.data["series"] = series


def _checked_count(count: int, raw: Any) -> None:
    if count <= 0:
        raise RowProblem("participants", "not_positive", value=clean_text(raw))
    if count > 100_000:
        raise RowProblem("participants", "too_many", value=clean_text(raw), limit="100.000")


def _pic(cells: dict[str, Any], columns: set[str], row: Row) -> dict[str, Any]:
    raw_pic = _cell(cells, "pic")
    if isinstance(raw_pic, dict):  # a JSON file in the model's own shape
        return raw_pic
    pic: dict[str, Any] = {"name": _required_text(cells, "pic_name", columns)}
    if clean_text(cells.get("respondent_email") or "").lower() == "anonymous":
        cells = {**cells, "respondent_email": None}  # a form that does not collect e-mails writes this
    email = _cell(cells, "pic_email") or _cell(cells, "respondent_email")
    if email is not None:
        pic["email"] = clean_text(email).lower()
        if not EMAIL.fullmatch(pic["email"]):  # the PIC would never get the link
            field = "pic_email" if _cell(cells, "pic_email") is not None else "respondent_email"
            raise RowProblem(field, "not_email", value=clean_text(email))
    respondent = _cell(cells, "respondent_email")
    row.email = clean_text(respondent).lower() if respondent is not None else pic.get("email")
    phone = _cell(cells, "pic_phone")
    if phone is not None:
        pic["phone"] = parse_phone(phone)
    language = _cell(cells, "pic_language")
    if language is not None:
        pic["language"] = "en" if clean_text(language).lower() in ("en", "english", "inggris") else "id"
    return pic


def _moment(name: str, value: Any, zone: str) -> tuple[date | None, Clock]:
    """A start or end cell: a time or range, or a whole date-time (a JSON file, a spreadsheet's date-time)."""
    if isinstance(value, datetime):
        return value.date(), Clock(value.time(), None, False, None)
    if isinstance(value, str) and re.match(r"^\s*\d{4}-\d{2}-\d{2}", value):
        try:
            stamp = datetime.fromisoformat(value.strip())
        except ValueError:
            raise RowProblem(name, "not_datetime", value=clean_text(value)) from None
        if stamp.tzinfo is not None:
            stamp = stamp.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
        return stamp.date(), Clock(stamp.time(), None, False, None)
    return None, _read(name, parse_time_cell, value)


def _when(cells: dict[str, Any], columns: set[str], zones: dict[str, str], policy: SitePolicy, row: Row) -> None:
    """Start, end and zone from a date column and a time range, or start and end columns, or date-times."""
    zone_cell = _cell(cells, "timezone")
    row_zone = _read("timezone", parse_zone, zone_cell) if zone_cell is not None else None
    base_zone = row_zone or zones.get("time_range") or zones.get("start_time") or policy.timezone
    day, date_clock = _day(cells, columns, row)
    has_range = _cell(cells, "time_range") is not None or "start_time" not in columns
    time_field = "time_range" if has_range else "start_time"
    raw_time = _cell(cells, time_field)
    start_day, clock = (None, None) if raw_time is None else _moment(time_field, raw_time, base_zone)
    day = day or start_day
    if day is None:
        raise RowProblem("date", "empty" if "date" in columns else "no_column")
    if clock is None:
        if date_clock is None:
            raise RowProblem(time_field, "empty" if columns & {"time_range", "start_time"} else "no_column")
        clock = date_clock
        row.guesses.append(Guess("time_in_date", {"value": clean_text(cells.get("date"))}))
    zone = clock.zone or base_zone
    start = datetime.combine(day, clock.start)
    end = _end(cells, clock, start, zone, policy, row)
    if end <= start:
        raise RowProblem("end_time" if clock.end is None else time_field, "end_before_start",
                         start=f"{start:%H.%M}", end=f"{end:%H.%M}")  # fmt: skip
    row.data.update(timezone=zone, start=start.isoformat(), end=end.isoformat())


def _day(cells: dict[str, Any], columns: set[str], row: Row) -> tuple[date | None, Clock | None]:
    value = _cell(cells, "date")
    if value is None:
        return None, None
    span = _read("date", parse_date_range, value)
    if span is not None and _cell(cells, "series_repeat") is None and _cell(cells, "series") is None:
        # A multi-day event written as a span of days: one request, served on each day by one host (one link).
        days = (span[1] - span[0]).days + 1
        row.data["series"] = {"repeat": "daily", "count": days}
        row.guesses.append(Guess("date_range", {"value": clean_text(value), "days": days}))
        return span[0], None
    day, clock, rest = _read("date", parse_date, value)
    if clock is not None:
        return day, Clock(clock, None, False, None)
    if rest and "time_range" not in columns and "start_time" not in columns:
        return day, _read("date", parse_time_cell, rest)
    return day, None


def _end(cells: dict[str, Any], clock: Clock, start: datetime, zone: str, policy: SitePolicy, row: Row) -> datetime:
    minutes = policy.intake.default_duration_min
    if clock.end is not None:
        return datetime.combine(start.date(), clock.end)
    raw_end = _cell(cells, "end_time")
    open_end = clock.open_end or (isinstance(raw_end, str) and is_open_end(raw_end))  # "selesai" on its own
    if raw_end is not None and not open_end:
        end_day, end_clock = _moment("end_time", raw_end, zone)
        return datetime.combine(end_day or start.date(), end_clock.start)
    value = clean_text(raw_end if open_end and not clock.open_end else
                       _cell(cells, "time_range") or _cell(cells, "start_time") or "")  # fmt: skip
    row.guesses.append(Guess("open_end" if open_end else "no_end", {"value": value, "minutes": minutes}))
    return start + timedelta(minutes=minutes)


def _service(cells: dict[str, Any], row: Row) -> None:
    value = _cell(cells, "service")
    if value is None:
        return
    found = _read("service", parse_service, value)
    row.data["service"] = found.service
    row.guesses += list(found.guesses)
    if found.kit:
        row.data["flags"].append("kit_requested")
    if found.webinar and _cell(cells, "kind") is None:
        row.data["kind"] = "webinar"
        row.guesses.append(Guess("webinar_from_service", {"value": clean_text(value)}))


def _split(value: Any) -> list[str]:
    if isinstance(value, list):
        return [clean_text(v) for v in value]
    return [s.strip() for s in re.split(r"[;,]", clean_text(value)) if s.strip()]


def _choices(cells: dict[str, Any], policy: SitePolicy, row: Row) -> None:
    """Priority, kind, status and the few other fields a spreadsheet may carry."""
    data = row.data
    tiers = list(policy.priority_weights)
    readers: dict[str, Any] = {
        "priority": lambda v: parse_choice(v, PRIORITY_WORDS, tiers),
        "kind": lambda v: parse_choice(v, KIND_WORDS, ["meeting", "webinar"]),
        "status": lambda v: parse_choice(v, STATUS_WORDS, [s.value for s in RequestStatus]),
        "operators_needed": lambda v: parse_count(v)[0],
        "required_skills": _split,
        "allowed_operators": _split,
        "remote": lambda v: v if isinstance(v, bool) else parse_flag(v),
        "duty": lambda v: v if isinstance(v, bool) else parse_flag(v),
        "venue": clean_text,
        "ref": clean_text,
    }
    for name, reader in readers.items():
        value = _cell(cells, name)
        if value is not None:
            data[name] = _read(name, reader, value)
    for name in ("window_start", "window_end", "rehearsal", "kits"):
        if _cell(cells, name) is not None:
            data[name] = cells[name]


def _letter_and_stamp(cells: dict[str, Any], row: Row) -> None:
    number = _cell(cells, "letter_number")
    if number is not None:
        row.data["letter_number"] = clean_text(parse_phone(number))
    letter_day = _cell(cells, "letter_date")
    if letter_day is not None:
        row.data["letter_date"] = _read("letter_date", parse_date, letter_day)[0].isoformat()
    stamp = _cell(cells, "submitted_at")
    if stamp is not None:
        row.stamp, row.stamp_zone = _read("submitted_at", parse_stamp, stamp)


_IDENT_BAD = re.compile(r"[^A-Za-z0-9_.:/-]+")


def ident(text: str) -> str:
    """A letter number as a reference: spaces dropped, other odd characters as '-', at most 64 characters."""
    out = _IDENT_BAD.sub("-", "".join(text.split())).strip("-_.:/")
    if len(out) > 64:
        out = out[:55] + "-" + hashlib.sha1(out.encode()).hexdigest()[:8]
    return out or "X"


def form_ref(stamp: datetime, email: str | None) -> str:
    """A Google Form answer's identity: its timestamp and the respondent's e-mail."""
    mail = "-" + hashlib.sha1(email.encode()).hexdigest()[:4] if email else ""
    return f"GF-{stamp:%Y%m%d-%H%M%S}{mail}"


def assign_ref(row: Row) -> None:
    """The row's reference: its own, else its letter number, else its form identity, else made from content."""
    data = row.data
    if "ref" in data:
        row.ref_source = "ref"
    elif data.get("letter_number"):
        data["ref"], row.ref_source = ident(data["letter_number"]), "letter"
    elif row.stamp is not None:
        data["ref"], row.ref_source = form_ref(row.stamp, row.email), "form"
    else:
        key = "|".join(str(data.get(k, "")) for k in ("unit", "title", "start", "timezone")).lower()
        data["ref"], row.ref_source = "RQ-" + hashlib.sha1(key.encode()).hexdigest()[:10].upper(), "made"
        row.guesses.append(Guess("ref_made", {}))


def separate_shared_letters(rows: list[Row]) -> None:
    """Rows under one letter number at different times are several requests: each takes its form identity,
    or the letter number with its local start ('005/KOM/I/2027-20270105-0900'). At the same time they are one
    request given twice (the second row is refused as a duplicate)."""
    by_ref: dict[str, list[Row]] = {}
    for row in rows:
        if row.ref_source == "letter":
            by_ref.setdefault(row.data["ref"], []).append(row)
    for shared in (group for group in by_ref.values() if len({r.data["start"] for r in group}) > 1):
        for row in shared:
            if row.stamp is not None:
                row.data["ref"], row.ref_source = form_ref(row.stamp, row.email), "form"
            else:
                start = datetime.fromisoformat(row.data["start"])
                row.data["ref"] = ident(f"{row.data['letter_number']}-{start:%Y%m%d-%H%M}")


def local_now(now: datetime, zone: str) -> datetime:
    return now.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
