"""The pure diff from plans to Zoom actions, and the meeting key scheme (event and rehearsal roles)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from allocator.planner.domain import (
    Assignment,
    Plan,
    RehearsalSpec,
    RequestStatus,
    ServiceType,
    SolverStatus,
    TaskSlot,
    ZoomHost,
)
from allocator.publish import (
    ROLES,
    CurrentMeeting,
    desired_meetings,
    desired_rehearsals,
    diff_meetings,
    duration_minutes,
    meeting_key,
    parse_generation,
    parse_key,
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


# --- flexible times and rehearsal meetings -------------------------------------------------------------------


def _rehearsing(ref: str, start: datetime, **kw: object):
    return request(ref, start, service=ServiceType.LINK_OPERATOR, rehearsal=RehearsalSpec(), **kw)


def _slot(start: datetime, host: str | None = "H100", minutes: int = 60) -> TaskSlot:
    return TaskSlot(start=start, end=start + timedelta(minutes=minutes), host=host, operators=["OP1"])


def _plan(*assignments: Assignment) -> Plan:
    return Plan(assignments=list(assignments), status=SolverStatus.OPTIMAL)


def _role_diff(current: dict, plan: Plan, reqs: list, role: str = "rehearsal"):
    want = (desired_rehearsals if role == "rehearsal" else desired_meetings)(plan, reqs, HOSTS)
    return diff_meetings(
        current,
        want,
        scope=[r.ref for r in reqs],
        now=NOW,
        requests={r.ref: r for r in reqs},
        plan_refs={a.request for a in plan.assignments},
        role=role,  # type: ignore[arg-type]
    )


def test_role_keys_are_distinct_whatever_the_reference() -> None:
    assert meeting_key("REQ-1", 1, "rehearsal") == "REQ-1.r1"
    assert parse_key("REQ-1.r1") == ("rehearsal", 1) and parse_key("REQ-1.g2") == ("event", 2)
    assert parse_key("REQ-1.x1") is None and parse_key("REQ-1.r") is None and parse_key("r1") is None
    assert parse_generation("REQ-1.r3") == 3  # reconcile treats rehearsal keys as ours
    refs = ["A", "A.r1", "A.g1", "A.r", "A.g", "A.r1.g1", "045/UND/2030", "R" * 64, "R" * 63]
    keys = [meeting_key(ref, gen, role) for ref in refs for gen in (1, 2, 12) for role in ROLES]
    assert len(set(keys)) == len(keys)
    for ref in refs:
        for role in ROLES:
            key = meeting_key(ref, 7, role)
            assert parse_key(key) == (role, 7) and len(key) <= 64


def test_flexible_request_meeting_is_at_the_chosen_time() -> None:
    base = NOW + timedelta(days=1)
    req = request("F", base, window_start=base - timedelta(hours=3), window_end=base + timedelta(hours=4))
    chosen = Assignment(request="F", host="H100", start=base + timedelta(hours=2), end=base + timedelta(hours=3))
    [spec] = desired_meetings(_plan(chosen), [req], HOSTS).values()
    assert spec.start == chosen.start and spec.duration_min == 60
    assert f"{chosen.start.astimezone(ZoneInfo('Asia/Jakarta')):%Y-%m-%d %H:%M} WIB" in spec.agenda
    # The plan moves it: an update of the same meeting (start and agenda), not a new one.
    current = {"F": CurrentMeeting(key="F.g1", generation=1, spec=spec)}
    moved = chosen.model_copy(update={"start": base - timedelta(hours=1), "end": base})
    actions, _ = _role_diff(current, _plan(moved), [req], "event")
    assert [(a.kind, a.key, a.spec.start) for a in actions] == [("update", "F.g1", moved.start)]
    assert set(actions[0].changes) == {"start", "agenda"}
    assert _role_diff(current, _plan(chosen), [req], "event") == ([], [])


def test_online_rehearsal_gets_its_own_meeting_created_updated_moved_and_deleted() -> None:
    base = NOW + timedelta(days=2)
    req = _rehearsing("A", base)
    slot = _slot(base - timedelta(days=1))
    plan = _plan(Assignment(request="A", host="H300", operators=["OP1"], rehearsal=slot))
    events = desired_meetings(plan, [req], HOSTS)
    [spec] = desired_rehearsals(plan, [req], HOSTS).values()
    assert spec.host == "H100" and events["A"].host == "H300"
    assert spec.topic == "Gladi bersih: Rapat A" and spec.start == slot.start and spec.duration_min == 60
    actions, _ = _role_diff({}, plan, [req])
    assert [(a.kind, a.key, a.role, a.reason) for a in actions] == [
        ("create", "A.r1", "rehearsal", "rehearsal planned online")
    ]
    assert "rehearsal A.r1" in actions[0].describe()
    current = {"A": CurrentMeeting(key="A.r1", generation=1, spec=spec, role="rehearsal")}
    assert _role_diff(current, plan, [req]) == ([], [])
    later = slot.model_copy(update={"start": slot.start + timedelta(hours=2), "end": slot.end + timedelta(hours=2)})
    plan2 = _plan(plan.assignments[0].model_copy(update={"rehearsal": later}))
    actions, _ = _role_diff(current, plan2, [req])
    assert [(a.kind, a.key, a.changes) for a in actions] == [("update", "A.r1", ("start",))]
    other_host = slot.model_copy(update={"host": "H500"})
    plan3 = _plan(plan.assignments[0].model_copy(update={"rehearsal": other_host}))
    actions, _ = _role_diff(current, plan3, [req])
    assert [(a.kind, a.key, a.spec.host) for a in actions] == [("create", "A.r2", "H500"), ("delete", "A.r1", "H100")]
    dropped = _plan(plan.assignments[0].model_copy(update={"rehearsal": None}))
    actions, _ = _role_diff(current, dropped, [req])
    assert [(a.kind, a.key, a.reason) for a in actions] == [("delete", "A.r1", "no online rehearsal planned any more")]
    on_site = _plan(plan.assignments[0].model_copy(update={"rehearsal": slot.model_copy(update={"host": None})}))
    assert [a.kind for a in _role_diff(current, on_site, [req])[0]] == ["delete"]
    cancelled = req.model_copy(update={"status": RequestStatus.CANCELLED})
    assert [a.reason for a in _role_diff(current, plan, [cancelled])[0]] == ["request cancelled"]


def test_operator_only_request_rehearses_online_without_an_event_meeting() -> None:
    base = NOW + timedelta(days=2)
    req = request("OP", base, service=ServiceType.OPERATOR, rehearsal=RehearsalSpec())
    plan = _plan(Assignment(request="OP", operators=["OP1"], rehearsal=_slot(base - timedelta(days=1))))
    assert desired_meetings(plan, [req], HOSTS) == {}
    assert list(desired_rehearsals(plan, [req], HOSTS)) == ["OP"]


def test_started_rehearsal_meeting_is_left_alone() -> None:
    base = NOW + timedelta(hours=2)
    req = _rehearsing("A", base)
    slot = _slot(NOW - timedelta(minutes=30))
    plan = _plan(Assignment(request="A", host="H300", operators=["OP1"], rehearsal=slot))
    [spec] = desired_rehearsals(plan, [req], HOSTS).values()
    current = {"A": CurrentMeeting(key="A.r1", generation=1, spec=spec, role="rehearsal")}
    actions, notes = _role_diff(current, _plan(Assignment(request="A", host="H300")), [req])
    assert actions == [] and "rehearsal meeting A.r1 has already started" in notes[0]
    actions, notes = _role_diff({}, plan, [req])
    assert actions == [] and "rehearsal starts before now" in notes[0]
