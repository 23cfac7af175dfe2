"""The pure diff from plans to Zoom actions, and the meeting key scheme."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from allocator.domain import RequestStatus, ServiceType, ZoomHost
from allocator.publish import (
    CurrentMeeting,
    desired_meetings,
    diff_meetings,
    duration_minutes,
    meeting_key,
    parse_generation,
)
from tests.store.dbs import hosts, plan_of, request

NOW = datetime(2030, 1, 1, 0, 0, tzinfo=UTC)
HOSTS = {h.id: h for h in hosts()}


def _current(plan_pairs: dict[str, str | None], reqs: list, gen: int = 1) -> dict[str, CurrentMeeting]:
    want = desired_meetings(plan_of(plan_pairs), reqs, HOSTS)
    return {ref: CurrentMeeting(key=meeting_key(ref, gen), generation=gen, spec=s) for ref, s in want.items()}


def _diff(current: dict[str, CurrentMeeting], pairs: dict[str, str | None], reqs: list, hosts_map=HOSTS):
    desired = desired_meetings(plan_of(pairs), reqs, hosts_map)
    return diff_meetings(
        current,
        desired,
        scope=[r.ref for r in reqs],
        now=NOW,
        requests={r.ref: r for r in reqs},
        plan_refs=set(pairs),
    )


def test_meeting_key_scheme() -> None:
    assert meeting_key("REQ-2030-0001", 1) == "REQ-2030-0001.g1"
    assert parse_generation("REQ-2030-0001.g12") == 12
    assert parse_generation("REQ.g1.g2") == 2
    assert parse_generation("no-generation") is None
    slashed = meeting_key("045/UND/2030", 3)
    assert slashed.startswith("x-") and slashed.endswith(".g3") and "/" not in slashed
    assert meeting_key("045/UND/2030", 3) == slashed  # stable
    long_ref = "R" * 64
    assert len(meeting_key(long_ref, 99)) <= 64
    assert meeting_key(long_ref, 1) != meeting_key("R" * 63, 1)


def test_new_requests_are_created_and_unchanged_plan_produces_nothing() -> None:
    reqs = [request("A", NOW + timedelta(days=1)), request("B", NOW + timedelta(days=2))]
    actions, _ = _diff({}, {"A": "H100", "B": "H300"}, reqs)
    assert [(a.kind, a.key, a.spec.host) for a in actions] == [("create", "A.g1", "H100"), ("create", "B.g1", "H300")]
    current = _current({"A": "H100", "B": "H300"}, reqs)
    assert _diff(current, {"A": "H100", "B": "H300"}, reqs) == ([], [])


def test_time_and_topic_changes_are_updates() -> None:
    reqs = [request("A", NOW + timedelta(days=1))]
    current = _current({"A": "H100"}, reqs)
    moved = [request("A", NOW + timedelta(days=1, hours=2), title="Rapat baru")]
    actions, _ = _diff(current, {"A": "H100"}, moved)
    assert len(actions) == 1 and actions[0].kind == "update" and actions[0].key == "A.g1"
    assert {"topic", "start", "agenda"} <= set(actions[0].changes)


def test_host_capacity_change_is_an_update() -> None:
    reqs = [request("A", NOW + timedelta(days=1))]
    current = _current({"A": "H100"}, reqs)
    bigger = dict(HOSTS)
    bigger["H100"] = ZoomHost(id="H100", account="kominfo", zoom_user="h100@kominfo.example.go.id", capacity=300)
    actions, _ = _diff(current, {"A": "H100"}, reqs, bigger)
    assert [(a.kind, a.changes) for a in actions] == [("update", ("agenda",))]


def test_move_creates_on_new_host_then_deletes_on_old() -> None:
    reqs = [request("A", NOW + timedelta(days=1))]
    current = _current({"A": "H100"}, reqs)
    actions, _ = _diff(current, {"A": "H300"}, reqs)
    assert [(a.kind, a.key, a.spec.host) for a in actions] == [("create", "A.g2", "H300"), ("delete", "A.g1", "H100")]
    assert all("moved from H100 to H300" in a.reason for a in actions)


def test_cancelled_unserved_and_operator_only_requests_lose_their_meeting() -> None:
    reqs = [request(r, NOW + timedelta(days=1, hours=i)) for i, r in enumerate("ABC")]
    current = _current({"A": "H100", "B": "H300", "C": "H500"}, reqs)
    changed = [
        reqs[0].model_copy(update={"status": RequestStatus.CANCELLED}),
        reqs[1],
        reqs[2].model_copy(update={"service": ServiceType.OPERATOR}),
    ]
    actions, _ = _diff(current, {"C": None}, changed)
    assert [(a.kind, a.request, a.reason) for a in actions] == [
        ("delete", "A", "request cancelled"),
        ("delete", "B", "request not served by the new plan"),
        ("delete", "C", "request no longer needs a Zoom host"),
    ]


def test_started_meetings_are_left_alone() -> None:
    reqs = [request("A", NOW - timedelta(minutes=10))]
    current = _current({"A": "H100"}, reqs)
    actions, notes = _diff(current, {"A": "H300"}, reqs)
    assert actions == [] and "already started" in notes[0]
    actions, notes = _diff({}, {"A": "H300"}, reqs)
    assert actions == [] and "starts before now" in notes[0]


def test_out_of_scope_meetings_are_untouched() -> None:
    reqs = [request("A", NOW + timedelta(days=1))]
    current = _current({"A": "H100"}, reqs)
    desired = desired_meetings(plan_of({}), reqs, HOSTS)
    assert diff_meetings(current, desired, scope=[], now=NOW) == ([], [])


def test_duration_rounds_up_and_is_capped() -> None:
    assert duration_minutes(request("A", NOW, hours=1.01)) == 61
    assert duration_minutes(request("A", NOW, hours=30)) == 24 * 60
