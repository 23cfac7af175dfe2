"""Working days between a request coming in and its event: Monday to Friday, less Indonesia's national holidays.

`working_days` is pure (the holidays are passed in); `national_holidays` asks the `holidays` package, whose
Islamic holidays are estimates until the government fixes them, and which does not know the yearly collective
leave days (cuti bersama) an office may also close on.
"""

from __future__ import annotations

from collections.abc import Container
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays


def working_days(received: date, event: date, closed: Container[date]) -> int:
    """Working days from the day a request came in up to, not including, the event's day."""
    count, day = 0, received
    while day < event:
        if day.weekday() < 5 and day not in closed:
            count += 1
        day += timedelta(days=1)
    return count


@lru_cache(maxsize=32)
def national_holidays(first_year: int, last_year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("ID", years=range(first_year, last_year + 1)))


def lead_working_days(received: date, event: date) -> int:
    return working_days(received, event, national_holidays(min(received.year, event.year), event.year))


def received_day(submitted_at: datetime | None, letter_date: date | None, zone: str, today: datetime) -> date:
    """When a request came in, for its lead time: the earlier of its letter's date and its submission (the
    form's timestamp, or the first import), in the site's zone."""
    day = (submitted_at or today).astimezone(ZoneInfo(zone)).date()
    return min(day, letter_date) if letter_date is not None else day
