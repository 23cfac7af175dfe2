"""A request as people type it: zone words accepted, an impossible zone or a meeting of seconds refused with the field
named, never a crash."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from allocator.planner.domain import Request, zone_info

BASE: dict[str, Any] = dict(
    ref="R1", unit="Diskominfo", pic={"name": "Rina", "email": "rina@example.go.id"}, title="Rapat",
    start="2027-01-04T09:00", end="2027-01-04T10:00", participants=5,
)  # fmt: skip


@pytest.mark.parametrize(("word", "zone", "utc_hour"), [("WIB", "Asia/Jakarta", 2), ("wita", "Asia/Makassar", 1),
                                                         ("WIT", "Asia/Jayapura", 0)])  # fmt: skip
def test_zone_words_are_the_iana_zones_and_local_times_read_in_them(word: str, zone: str, utc_hour: int) -> None:
    req = Request.model_validate({**BASE, "timezone": word})
    assert req.timezone == zone and req.start.hour == utc_hour


@pytest.mark.parametrize("bad", ["Asia", "America", "Asia/Jakarta/", "../etc/passwd", "a\x00b", "", "X" * 300])
def test_a_name_that_is_no_zone_is_a_field_error(bad: str) -> None:
    with pytest.raises(ValidationError) as err:
        Request.model_validate({**BASE, "timezone": bad})
    assert err.value.errors()[0]["loc"] == ("timezone",)
    assert "unknown IANA time zone" in str(err.value)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_any_text_is_a_zone_or_a_value_error(name: str) -> None:
    with contextlib.suppress(ValueError):  # anything else (IsADirectoryError, …) fails the test
        zone_info(name)


@pytest.mark.parametrize("end", ["2027-01-04T09:00:00.500", "2027-01-04T09:04:59"])
def test_a_meeting_of_seconds_is_refused_naming_the_end(end: str) -> None:
    with pytest.raises(ValidationError) as err:
        Request.model_validate({**BASE, "timezone": "WITA", "end": end})
    assert "end: a meeting lasts at least 5 minutes" in str(err.value)


def test_a_five_minute_meeting_is_a_request() -> None:
    assert Request.model_validate({**BASE, "timezone": "WITA", "end": "2027-01-04T09:05"}).participants == 5


def test_a_local_time_the_clocks_skip_is_refused_naming_the_field() -> None:
    """Amsterdam's clocks go from 02:00 to 03:00 on 28 March 2027: "02:30" there is no time at all. Python would
    read it as 03:30 (or 01:30) without a word; the request says so instead. The same instant written with its
    offset, a time the clocks pass twice, and Indonesia's zones (no clock changes) are read as written."""
    skipped = {**BASE, "timezone": "Europe/Amsterdam", "start": "2027-03-28T02:30", "end": "2027-03-28T04:00"}
    with pytest.raises(ValidationError) as caught:
        Request.model_validate(skipped)
    assert "start: 2027-03-28 02:30 does not exist in Europe/Amsterdam (the clocks skip it)" in str(caught.value)
    written = Request.model_validate({**skipped, "start": "2027-03-28T02:30:00+01:00"})
    assert written.start.hour == 1  # 01:30 UTC, as the offset says
    twice = Request.model_validate({**skipped, "start": "2027-10-31T02:30", "end": "2027-10-31T04:00"})
    assert twice.start.hour == 0  # the first 02:30 (summer time, +02:00)
    for zone in ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"):
        Request.model_validate({**skipped, "timezone": zone})
