"""A series' occurrences brought to what the store says, one by one: cancelled or unserved ones deleted, moved ones
changed, through Zoom's `occurrence_id`.

Idempotent by comparison, so a worker that dies half way and is replayed does only what is left: it reads the
occurrences Zoom has first, deletes only those still available that should not be, and changes only those whose
time differs. An occurrence Zoom no longer lists (over, or deleted) is left alone: Zoom cannot bring a deleted
occurrence back, so one served again after it was cancelled is reported, not recreated (docs/series.md).
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from allocator import faults
from allocator.publish import MeetingSpec
from zoom_client import MeetingUpdate, ZoomClient


def sync_occurrences(client: ZoomClient, zoom_id: int, spec: MeetingSpec, *, host: str, key: str) -> dict[str, Any]:
    """Zoom's occurrences of meeting `zoom_id` made as `spec.occurrences` say; what was done, by occurrence number."""
    if spec.series is None:
        return {}
    meeting = client.get_meeting(zoom_id)
    zoom = {o.occurrence_id: o for o in meeting.occurrences}
    deleted: list[int] = []
    changed: list[int] = []
    lost: list[int] = []
    for occ in spec.occurrences:
        there = zoom.get(occ.occurrence_id)
        if there is None or there.status != "available":
            if occ.start is not None and there is not None:
                lost.append(occ.number)  # served again after Zoom deleted it: Zoom cannot restore one
            continue
        if occ.start is None:
            client.delete_meeting(zoom_id, occurrence_id=occ.occurrence_id, missing_ok=True)
            deleted.append(occ.number)
        elif there.start_time.astimezone(UTC) != occ.start or there.duration != occ.duration_min:
            update = MeetingUpdate(start_time=occ.start, duration=occ.duration_min)
            client.update_meeting(zoom_id, update, host=host, key=key, occurrence_id=occ.occurrence_id)
            changed.append(occ.number)
        else:
            continue
        faults.hit("series.between_occurrences")
    out: dict[str, Any] = {}
    if deleted:
        out["occurrences_deleted"] = deleted
    if changed:
        out["occurrences_changed"] = changed
    if lost:
        out["occurrences_not_restorable"] = lost
    return out
