"""Zoom's recurring meeting with fixed time (type 8), as the sandbox keeps it: the recurrence object checked as
Zoom checks it, and its occurrences, each with the id Zoom gives (its start in epoch milliseconds, as a string).

Zoom's limits: `end_times` 1..50 (or `end_date_time`, not both); a daily interval of at most 90 days, a weekly one
of at most 12, a monthly one of at most 3; weekly days 1 = Sunday ... 7 = Saturday; monthly (type 3) on
`monthly_day` (1..31), or on `monthly_week` (1..4, -1 = the last) and `monthly_week_day` (1 = Sunday ... 7), not
both. A month without the `monthly_day` (a 31st in April) has no occurrence, as a calendar's BYMONTHDAY. What it
refuses is answered with a validation error naming the field, as Zoom does.
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta
from typing import Any, TypeGuard
from zoneinfo import ZoneInfo

MAX_OCCURRENCES = 50
MAX_INTERVAL = {1: 90, 2: 12, 3: 3}


class RecurrenceError(ValueError):
    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name


def check_recurrence(raw: Any) -> dict[str, Any]:
    """The recurrence object normalised, or a `RecurrenceError` naming the field."""
    if not isinstance(raw, dict):
        raise RecurrenceError("recurrence", "A recurring meeting with fixed time (type 8) needs a recurrence object.")
    rtype = raw.get("type")
    if rtype not in (1, 2, 3) or isinstance(rtype, bool):
        raise RecurrenceError("recurrence.type", "Recurrence type must be 1 (daily), 2 (weekly) or 3 (monthly).")
    interval = raw.get("repeat_interval", 1)
    if not isinstance(interval, int) or isinstance(interval, bool) or not 1 <= interval <= MAX_INTERVAL[rtype]:
        raise RecurrenceError(
            "recurrence.repeat_interval", f"repeat_interval must be between 1 and {MAX_INTERVAL[rtype]}."
        )
    out: dict[str, Any] = {"type": rtype, "repeat_interval": interval}
    if rtype == 2:
        days = str(raw.get("weekly_days", "1"))
        try:
            numbers = sorted({int(d) for d in days.split(",")})
        except ValueError:
            numbers = []
        if not numbers or any(not 1 <= d <= 7 for d in numbers):
            raise RecurrenceError("recurrence.weekly_days", "weekly_days must list days 1 (Sunday) to 7 (Saturday).")
        out["weekly_days"] = ",".join(str(d) for d in numbers)
    if rtype == 3:
        out |= _monthly(raw)
    if "end_times" in raw and "end_date_time" in raw:
        raise RecurrenceError("recurrence.end_times", "end_times cannot be used with end_date_time.")
    if "end_date_time" in raw:
        end = raw["end_date_time"]
        try:
            parsed = datetime.strptime(str(end), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        except ValueError:
            raise RecurrenceError("recurrence.end_date_time", "end_date_time must be yyyy-MM-ddTHH:mm:ssZ.") from None
        out["end_date_time"] = parsed.strftime("%Y-%m-%dT%H:%M:%SZ")
    else:
        times = raw.get("end_times", 1)
        if not isinstance(times, int) or isinstance(times, bool) or not 1 <= times <= MAX_OCCURRENCES:
            raise RecurrenceError("recurrence.end_times", f"end_times must be between 1 and {MAX_OCCURRENCES}.")
        out["end_times"] = times
    return out


def _whole(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _monthly(raw: dict[str, Any]) -> dict[str, Any]:
    day, week, week_day = raw.get("monthly_day"), raw.get("monthly_week"), raw.get("monthly_week_day")
    if day is not None and week is not None:
        raise RecurrenceError("recurrence.monthly_day", "monthly_day cannot be used with monthly_week.")
    if week is None:
        day = 1 if day is None else day
        if not _whole(day) or not 1 <= day <= 31:
            raise RecurrenceError("recurrence.monthly_day", "monthly_day must be between 1 and 31.")
        return {"monthly_day": day}
    if not _whole(week) or week not in (-1, 1, 2, 3, 4):
        raise RecurrenceError("recurrence.monthly_week", "monthly_week must be -1, 1, 2, 3 or 4.")
    if not _whole(week_day) or not 1 <= week_day <= 7:
        raise RecurrenceError("recurrence.monthly_week_day", "monthly_week_day must be 1 (Sunday) to 7 (Saturday).")
    return {"monthly_week": week, "monthly_week_day": week_day}


def _month_days(recurrence: dict[str, Any], local: datetime, limit: int, last: datetime | None) -> list[datetime]:
    """A monthly recurrence's days, from the first occurrence's month on, every `repeat_interval` months."""
    out: list[datetime] = []
    k = 0
    while len(out) < limit and k < 12 * 50:
        year, month = divmod(local.month - 1 + k * recurrence["repeat_interval"], 12)
        year, month = local.year + year, month + 1
        k += 1
        if "monthly_day" in recurrence:
            if recurrence["monthly_day"] > calendar.monthrange(year, month)[1]:
                continue
            day = local.replace(year=year, month=month, day=recurrence["monthly_day"])
        else:
            weekday = (recurrence["monthly_week_day"] - 2) % 7  # 0 = Monday
            days = [d for d in range(1, calendar.monthrange(year, month)[1] + 1)
                    if calendar.weekday(year, month, d) == weekday]  # fmt: skip
            week = recurrence["monthly_week"]
            day = local.replace(year=year, month=month, day=days[-1] if week == -1 else days[week - 1])
        if day.date() < local.date():
            continue
        if last is not None and day > last:
            break
        out.append(day)
    return out


def occurrence_starts(recurrence: dict[str, Any], first: datetime, zone: str) -> list[datetime]:
    """Starts of the occurrences (UTC), the wall-clock time of `first` in `zone` kept; at most 50 (Zoom's limit:
    an `end_date_time` further away is cut there, as Zoom does)."""
    tz = ZoneInfo(zone)
    local = first.astimezone(tz)
    interval = recurrence["repeat_interval"]
    limit = recurrence.get("end_times", MAX_OCCURRENCES)
    last = (
        datetime.strptime(recurrence["end_date_time"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        if "end_date_time" in recurrence
        else None
    )
    days: list[datetime] = []
    if recurrence["type"] == 1:
        day = local
        while len(days) < limit and (last is None or day <= last):
            days.append(day)
            day = day + timedelta(days=interval)
    elif recurrence["type"] == 3:
        days = _month_days(recurrence, local, limit, last)
    else:
        wanted = [int(d) for d in recurrence["weekly_days"].split(",")]  # 1 = Sunday
        python_days = sorted((d - 2) % 7 for d in wanted)  # 0 = Monday
        monday = local - timedelta(days=local.weekday())
        while len(days) < limit:
            week = [monday + timedelta(days=d) for d in python_days]
            for day in week:
                if day.date() >= local.date() and (last is None or day <= last) and len(days) < limit:
                    days.append(day)
            if last is not None and monday > last:
                break
            monday = monday + timedelta(weeks=interval)
    # Wall-clock arithmetic in the zone (no DST in Indonesia; elsewhere the local time is kept).
    return [datetime.combine(d.date(), local.timetz().replace(tzinfo=None), tz).astimezone(UTC) for d in days]


def occurrence_id(start: datetime) -> str:
    """Zoom's occurrence id: the occurrence's original start in epoch milliseconds."""
    return str(int(start.timestamp() * 1000))


def iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_occurrences(recurrence: dict[str, Any], first: datetime, zone: str, duration: int) -> list[dict[str, Any]]:
    return [
        {"occurrence_id": occurrence_id(s), "start_time": iso(s), "duration": duration, "status": "available"}
        for s in occurrence_starts(recurrence, first, zone)
    ]


def parse_iso(raw: str) -> datetime:
    return datetime.strptime(raw, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def visible(occurrences: list[dict[str, Any]], now: datetime, show_previous: bool) -> list[dict[str, Any]]:
    """What GET /meetings/{id} lists: occurrences not yet over, or every one with show_previous_occurrences."""
    if show_previous:
        return [dict(o) for o in occurrences]
    return [dict(o) for o in occurrences if parse_iso(o["start_time"]) + timedelta(minutes=o["duration"]) > now]
