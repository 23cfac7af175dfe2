"""Recurring meetings with fixed time (type 8), end to end: the real client against the sandbox — create, read the
occurrences, change one, cancel one, delete the series; and the errors Zoom gives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests
from pydantic import ValidationError

from tests.zoom_client.conftest import sandbox_client
from zoom_client.errors import ZoomNotFound, ZoomValidationError
from zoom_client.models import MeetingCreate, MeetingUpdate, Recurrence
from zoom_client.sandbox import Sandbox

START = (datetime.now(UTC) + timedelta(days=3)).replace(hour=2, minute=0, second=0, microsecond=0)  # 09:00 WIB


def series(**kw: object) -> MeetingCreate:
    rec = kw.pop("recurrence", Recurrence(repeat="daily", end_times=3))
    return MeetingCreate(topic="Pelatihan Operator", start_time=START, duration=180, recurrence=rec)  # type: ignore[arg-type]


def test_create_gives_one_link_and_its_occurrences(sandbox: Sandbox) -> None:
    client = sandbox_client(sandbox)
    m = client.create_meeting("kmf-zoom01", series(), key="LAT-1")
    assert m.type == 8 and m.join_url
    assert [o.start_time for o in m.occurrences] == [START + timedelta(days=k) for k in range(3)]
    assert all(o.occurrence_id == str(int(o.start_time.timestamp() * 1000)) for o in m.occurrences)
    assert m.recurrence is not None and m.recurrence["end_times"] == 3
    assert client.find_by_key("kmf-zoom01", "LAT-1") is not None  # still findable by our key


def test_weekly_on_named_days() -> None:
    rec = Recurrence(repeat="weekly", weekdays=(0, 3), end_times=4)
    assert rec.to_zoom() == {"type": 2, "repeat_interval": 1, "weekly_days": "2,5", "end_times": 4}
    assert Recurrence(repeat="weekly", weekdays=(6,), end_times=1).to_zoom()["weekly_days"] == "1"  # Sunday


def test_weekly_occurrences_in_the_sandbox(sandbox: Sandbox) -> None:
    client = sandbox_client(sandbox)
    monday = START - timedelta(days=START.weekday()) + timedelta(weeks=1)
    rec = Recurrence(repeat="weekly", weekdays=(0, 3), end_times=4)
    m = client.create_meeting("kmf-zoom01", series(recurrence=rec).model_copy(update={"start_time": monday}), key="W")
    assert [(o.start_time - monday).days for o in m.occurrences] == [0, 3, 7, 10]


def test_monthly_recurrence_is_zoom_type_3() -> None:
    assert Recurrence(repeat="monthly", month_day=15, end_times=3).to_zoom() == {
        "type": 3, "repeat_interval": 1, "monthly_day": 15, "end_times": 3}  # fmt: skip
    first_monday = Recurrence(repeat="monthly", month_week=1, weekdays=(0,), end_times=3, every=2).to_zoom()
    assert first_monday == {"type": 3, "repeat_interval": 2, "monthly_week": 1, "monthly_week_day": 2, "end_times": 3}
    for bad in ({"month_day": 1, "month_week": 1, "weekdays": (0,)}, {}, {"month_week": -1},
                {"month_day": 1, "every": 4}):  # fmt: skip
        with pytest.raises(ValidationError):
            Recurrence(repeat="monthly", end_times=2, **bad)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        Recurrence(repeat="weekly", weekdays=(0,), month_day=3, end_times=2)


def test_monthly_occurrences_in_the_sandbox(sandbox: Sandbox) -> None:
    """The sandbox keeps monthly recurring meetings as Zoom does: by day of the month, or the last Friday."""
    client = sandbox_client(sandbox)
    by_day = Recurrence(repeat="monthly", month_day=START.day, end_times=3)
    m = client.create_meeting("kmf-zoom01", series(recurrence=by_day), key="M1")
    assert [(o.start_time.day, o.start_time.hour) for o in m.occurrences] == [(START.day, START.hour)] * 3
    assert len({o.start_time.month for o in m.occurrences}) == 3
    fridays = [START + timedelta(days=d) for d in range(60) if (START + timedelta(days=d)).weekday() == 4]
    last_friday = next(f for f in fridays if (f + timedelta(days=7)).month != f.month)
    rec = Recurrence(repeat="monthly", month_week=-1, weekdays=(4,), end_times=3)
    m = client.create_meeting("kmf-zoom01", series(recurrence=rec).model_copy(update={"start_time": last_friday}),
                              key="M2")  # fmt: skip
    assert all(o.start_time.weekday() == 4 and (o.start_time + timedelta(days=7)).month != o.start_time.month
               for o in m.occurrences) and len(m.occurrences) == 3  # fmt: skip


def test_change_one_occurrence_then_cancel_another_then_delete_the_series(sandbox: Sandbox) -> None:
    client = sandbox_client(sandbox)
    m = client.create_meeting("kmf-zoom01", series(), key="LAT-2")
    second, third = m.occurrences[1], m.occurrences[2]
    moved = second.start_time + timedelta(hours=4)
    client.update_meeting(m.id, MeetingUpdate(start_time=moved, duration=120), occurrence_id=second.occurrence_id)
    client.delete_meeting(m.id, occurrence_id=third.occurrence_id)
    now = client.get_meeting(m.id)
    by_id = {o.occurrence_id: o for o in now.occurrences}
    assert by_id[second.occurrence_id].start_time == moved and by_id[second.occurrence_id].duration == 120
    assert by_id[third.occurrence_id].status == "deleted"
    assert by_id[m.occurrences[0].occurrence_id].start_time == START  # the others stay
    assert now.join_url == m.join_url  # one link throughout
    one = client.get_meeting(m.id, occurrence_id=second.occurrence_id)
    assert one.start_time == moved and one.duration == 120
    assert now.occurrence_at(moved) is not None and now.occurrence_at(third.start_time) is None
    # A cancelled occurrence cannot be cancelled or changed again: Zoom's 3001 (the client reports it as gone).
    assert client.delete_meeting(m.id, occurrence_id=third.occurrence_id) is False
    with pytest.raises(ZoomNotFound):
        client.update_meeting(m.id, MeetingUpdate(duration=60), occurrence_id=third.occurrence_id)
    assert client.delete_meeting(m.id) is True
    with pytest.raises(ZoomNotFound):
        client.get_meeting(m.id)
    events = [e["event"] for e in sandbox.state.events]
    assert events.count("meeting.deleted") == 2 and "meeting.updated" in events


def test_previous_occurrences_only_on_request(sandbox: Sandbox) -> None:
    client = sandbox_client(sandbox)
    m = client.create_meeting("kmf-zoom01", series(), key="LAT-3")
    sandbox.advance_clock((START + timedelta(days=1, hours=4) - sandbox.clock.now()).total_seconds())
    assert len(client.get_meeting(m.id).occurrences) == 1  # only the third is ahead
    assert len(client.get_meeting(m.id, show_previous_occurrences=True).occurrences) == 3
    assert client.get_meeting(m.id).start_time == m.occurrences[2].start_time  # the next occurrence's


def _raw(sandbox: Sandbox, method: str, path: str, body: object = None) -> requests.Response:
    token = sandbox_client(sandbox).tokens.token()
    return requests.request(method, f"{sandbox.base_url}{path}", json=body, timeout=5,
                            headers={"Authorization": f"Bearer {token}"})  # fmt: skip


@pytest.mark.parametrize(
    ("recurrence", "field"),
    [
        (None, "recurrence"),
        ({"type": 1, "end_times": 51}, "recurrence.end_times"),
        ({"type": 1, "end_times": 2, "end_date_time": "2030-01-01T00:00:00Z"}, "recurrence.end_times"),
        ({"type": 2, "weekly_days": "0,8", "end_times": 2}, "recurrence.weekly_days"),
        ({"type": 2, "repeat_interval": 13, "weekly_days": "2", "end_times": 2}, "recurrence.repeat_interval"),
        ({"type": 4, "end_times": 2}, "recurrence.type"),
        ({"type": 3, "monthly_day": 32, "end_times": 2}, "recurrence.monthly_day"),
        ({"type": 3, "monthly_week": 5, "monthly_week_day": 2, "end_times": 2}, "recurrence.monthly_week"),
        ({"type": 3, "monthly_week": 1, "monthly_week_day": 8, "end_times": 2}, "recurrence.monthly_week_day"),
        ({"type": 3, "monthly_day": 1, "monthly_week": 1, "end_times": 2}, "recurrence.monthly_day"),
        ({"type": 3, "repeat_interval": 4, "monthly_day": 1, "end_times": 2}, "recurrence.repeat_interval"),
    ],
)
def test_bad_recurrence_refused_as_zoom_does(sandbox: Sandbox, recurrence: object, field: str) -> None:
    body = {"topic": "x", "type": 8, "start_time": START.strftime("%Y-%m-%dT%H:%M:%SZ"), "duration": 60}
    if recurrence is not None:
        body["recurrence"] = recurrence
    resp = _raw(sandbox, "POST", "/users/kmf-zoom01/meetings", body)
    assert resp.status_code == 400 and resp.json()["code"] == 300
    assert resp.json()["errors"][0]["field"] == field


def test_occurrence_id_on_a_single_meeting_or_a_field_one_occurrence_cannot_change(sandbox: Sandbox) -> None:
    client = sandbox_client(sandbox)
    single = client.create_meeting("kmf-zoom01", series().model_copy(update={"recurrence": None}), key="ONE")
    with pytest.raises(ZoomValidationError):
        client.delete_meeting(single.id, occurrence_id="1")
    m = client.create_meeting("kmf-zoom01", series(), key="LAT-4")
    with pytest.raises(ZoomValidationError):
        client.update_meeting(m.id, MeetingUpdate(topic="Lain"), occurrence_id=m.occurrences[0].occurrence_id)
    with pytest.raises(ZoomNotFound):
        client.update_meeting(m.id, MeetingUpdate(duration=30), occurrence_id="123")


def test_recurrence_model_checks() -> None:
    with pytest.raises(ValidationError, match="end_times or end_date_time"):
        Recurrence(repeat="daily")
    with pytest.raises(ValidationError, match="weekly"):
        Recurrence(repeat="weekly", end_times=2)
