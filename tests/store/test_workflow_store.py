"""The store and the workflow rules (SQLite and PostgreSQL): flexible requests, rehearsals and surveys in
assignments, venues / travel / kit types, kit loans and returns, surveyed venues, migration 0002."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from allocator.planner.domain import (
    Assignment,
    KitNeed,
    KitOut,
    KitType,
    OccurrenceChange,
    Operator,
    Plan,
    Problem,
    RehearsalMode,
    RehearsalSpec,
    Request,
    ServiceType,
    SitePolicy,
    SolverStatus,
    TaskSlot,
    TravelTime,
    Venue,
    WeeklyShift,
)
from allocator.store import Store, head_revision, upgrade
from tests.store.dbs import FakeClock, hosts, request

T0 = datetime(2030, 1, 1, 1, 0, tzinfo=UTC)  # 08:00 WIB
KITS = [KitType(id="CAM", name="Kamera + speaker", stock=3), KitType(id="MIC", name="Mic konferensi", stock=2)]
VENUES = [
    Venue(id="AULA", name="Aula Kantor Bupati", travel_from_base_min=20, surveyed=False),
    Venue(id="KEC1", name="Kantor Kecamatan Satu", travel_from_base_min=45),
]
TRAVEL = [TravelTime(a="AULA", b="KEC1", minutes=30)]
OPERATOR = Operator(id="OP1", name="Ani", shifts=[WeeklyShift(weekdays=list(range(7)), start=time(0), end=time(0))])
POLICY = SitePolicy(kit_pickup_min=60, kit_return_min=30)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


@pytest.fixture
def store(db_url: str, clock: FakeClock) -> Iterator[Store]:
    st = Store.open(db_url, clock=clock)
    st.set_policy(POLICY, actor="t")
    st.upsert_hosts(hosts(), actor="t")
    st.upsert_operators([OPERATOR], actor="t")
    st.set_kit_types(KITS, actor="t")
    st.set_venues(VENUES, actor="t")
    st.set_travel(TRAVEL, actor="t")
    yield st
    st.close()


def _plan(*assignments: Assignment) -> Plan:
    return Plan(assignments=list(assignments), status=SolverStatus.OPTIMAL)


def _kit_request(ref: str, start: datetime, kits: dict[str, int], **kw: object) -> Request:
    needs = [KitNeed(kit=k, count=n) for k, n in kits.items()]
    return request(ref, start, service=ServiceType.LINK_OPERATOR, kits=needs, **kw)


def test_flexible_request_with_rehearsal_and_kits_round_trips(store: Store) -> None:
    start = T0 + timedelta(days=3)
    req = request(
        "FLEX-1",
        start,
        hours=2,
        service=ServiceType.LINK_OPERATOR,
        window_start=start - timedelta(hours=2),
        window_end=start + timedelta(hours=5),
        rehearsal=RehearsalSpec(duration_min=90, mode=RehearsalMode.ON_SITE, mandatory=True, end_min_before=120),
        kits=[KitNeed(kit="CAM", count=2), KitNeed(kit="MIC")],
        venue="AULA",
        remote=False,
    )
    assert store.save_request(req, actor="t") is not None
    got = store.get_request("FLEX-1")
    assert got == req and got is not None and got.flexible and got.rehearsal is not None
    assert got.rehearsal.mode is RehearsalMode.ON_SITE and got.rehearsal.mandatory and got.kits[0].count == 2
    assert store.request_history("FLEX-1")[0].request == req
    assert store.save_request(req, actor="t") is None  # unchanged, still
    assert store.load_problem(T0).requests == [req]


def test_venues_travel_and_kit_types_import_load_and_audit(db_url: str, clock: FakeClock) -> None:
    store = Store.open(db_url, clock=clock)
    try:
        problem = Problem(
            now=T0,
            policy=POLICY,
            hosts=hosts(),
            operators=[OPERATOR],
            venues=VENUES,
            travel=TRAVEL,
            kit_types=KITS,
            requests=[_kit_request("K-1", T0 + timedelta(days=1), {"CAM": 1}, venue="KEC1")],
        )
        counts = store.import_problem(problem, actor="import")
        assert (counts["venues"], counts["travel"], counts["kit_types"], counts["requests"]) == (2, 1, 2, 1)
        again = store.import_problem(problem, actor="import")
        assert (again["venues"], again["travel"], again["kit_types"]) == (0, 0, 0)
        loaded = store.load_problem(T0)
        assert loaded.venues == VENUES and loaded.travel == TRAVEL and loaded.kit_types == KITS
        assert loaded.travel_min("AULA", "KEC1") == 30 and loaded.kits_out == []
        actions = [e.action for e in store.audit_log(entity="settings")]
        assert {"venues.set", "travel.set", "kit_types.set", "policy.set"} <= set(actions)
        assert len(actions) == 4  # the second import wrote nothing
        more = [KITS[0].model_copy(update={"stock": 5}), KITS[1]]
        assert store.set_kit_types(more, actor="admin") == 1
        last = store.audit_log(entity="settings", entity_id="kit_types")[-1]
        assert last.actor == "admin" and last.old is not None and last.old["items"][0]["stock"] == 3
        assert last.new is not None and last.new["items"][0]["stock"] == 5
        assert store.kit_types() == more
    finally:
        store.close()


def test_assignments_round_trip_with_times_rehearsal_and_survey(store: Store) -> None:
    start = T0 + timedelta(days=4)
    flex = request(
        "FLEX-2",
        start,
        service=ServiceType.LINK_OPERATOR,
        window_start=start - timedelta(hours=3),
        window_end=start + timedelta(hours=3),
        rehearsal=RehearsalSpec(),
        venue="AULA",
    )
    plain = request("PLAIN", start + timedelta(days=1))
    for r in (flex, plain):
        store.save_request(r, actor="t")
    full = Assignment(
        request="FLEX-2",
        host="H300",
        operators=["OP1"],
        start=start + timedelta(minutes=45),
        end=start + timedelta(minutes=105),
        rehearsal=TaskSlot(
            start=start - timedelta(days=1), end=start - timedelta(days=1, minutes=-60), host="H100", operators=["OP1"]
        ),
        survey=TaskSlot(start=start - timedelta(days=2), end=start - timedelta(days=2, minutes=-60), operators=["OP1"],
                        venue="AULA"),
    )  # fmt: skip
    plan = _plan(full, Assignment(request="PLAIN", host="H100"))
    result = store.publish_plan(plan, actor="t", now=T0)
    published = store.published_plan()
    assert published is not None and published.plan.assignments == plan.assignments
    stored = store.plan(result.plan_id)
    assert stored is not None and stored.plan.assignment_for("FLEX-2") == full
    assert store.load_problem(T0).previous == plan.assignments
    with store.engine.connect() as conn:
        details = dict(conn.execute(sa.text("SELECT request, detail FROM assignments")).all())
    assert details["PLAIN"] is None and details["FLEX-2"] is not None  # only what is set is stored


def test_kit_loans_follow_the_plan_until_picked_up_then_stay_until_returned(store: Store, clock: FakeClock) -> None:
    day = T0 + timedelta(days=1)  # 2030-01-02 08:00 WIB
    a = _kit_request("A", day, {"CAM": 2}, window_start=day - timedelta(hours=2), window_end=day + timedelta(hours=4))
    b = _kit_request("B", day + timedelta(hours=4), {"CAM": 1, "MIC": 1})
    c = request("C", day)  # borrows nothing
    for r in (a, b, c):
        store.save_request(r, actor="t")
    moved = Assignment(request="A", host="H100", start=day + timedelta(hours=1), end=day + timedelta(hours=2))
    res = store.publish_plan(_plan(moved, Assignment(request="B", host="H300"), Assignment(request="C", host="H500")),
                             actor="t", now=T0)  # fmt: skip
    assert res.kit_loans == 2
    loans = {(x.request, x.kit): x for x in store.kit_loans(T0)}
    assert set(loans) == {("A", "CAM"), ("B", "CAM"), ("B", "MIC")}
    la = loans[("A", "CAM")]  # effective (chosen) times, minus pickup, plus return
    assert moved.start is not None and moved.end is not None
    assert (la.count, la.pickup, la.due) == (2, moved.start - timedelta(hours=1), moved.end + timedelta(minutes=30))
    assert la.state == "planned"
    assert store.load_problem(T0).kits_out == []  # nothing has left yet
    # Re-planned before pickup: the loan follows; B dropped before its pickup: its loan is gone.
    earlier = moved.model_copy(update={"start": day, "end": day + timedelta(hours=1)})
    store.publish_plan(_plan(earlier, Assignment(request="C", host="H500")), actor="t", now=T0)
    [la] = store.kit_loans(T0, request="A")
    assert la.pickup == day - timedelta(hours=1) and la.due == day + timedelta(hours=1, minutes=30)
    assert store.kit_loans(T0, request="B") == []
    assert store.publish_plan(_plan(earlier, Assignment(request="C", host="H500")), actor="t", now=T0).kit_loans == 0
    # Picked up: out, in the problem's kits_out (its own request is still planned).
    at = day - timedelta(minutes=30)
    assert store.load_problem(at).kits_out == [KitOut(kit="CAM", count=2, request="A", due=la.due)]
    # A re-plan now may not drop it or move its pickup, even if the plan no longer serves A.
    store.publish_plan(_plan(Assignment(request="C", host="H500")), actor="t", now=at)
    [still] = store.kit_loans(at, request="A")
    assert still.pickup == la.pickup and still.state == "out"
    # A has ended and is no longer planned; its kits were never brought back: overdue, still holding stock.
    later = la.due + timedelta(hours=3)
    prob = store.load_problem(later)
    assert "A" not in {r.ref for r in prob.requests}
    assert prob.kits_out == [KitOut(kit="CAM", count=2, request="A", due=la.due)]
    store.publish_plan(_plan(), actor="t", now=later)  # A is outside every later plan's scope
    assert [(x.request, x.state) for x in store.kit_loans(later, states=("overdue",))] == [("A", "overdue")]
    # Returned: no longer out; recorded once, audited.
    clock.t = later
    [closed] = store.record_kit_return("A", actor="admin")
    assert closed.state == "returned" and closed.returned_at == later and closed.returned_by == "admin"
    assert store.record_kit_return("A", actor="admin") == []
    assert store.load_problem(later).kits_out == []
    [back] = store.kit_loans(later, request="A")
    assert back.state == "returned" and back.held_until == later
    assert store.kit_loans(later, states=("out", "overdue")) == []
    [entry] = store.audit_log(entity="kit_return", entity_id="A")
    assert entry.actor == "admin" and entry.new is not None and entry.new["overdue"] is True
    assert any(e.action == "kit_loan.planned" for e in store.audit_log(entity="kit_loan", entity_id="A"))


def test_cancelling_drops_loans_not_picked_up_but_kits_out_stay_out(store: Store, clock: FakeClock) -> None:
    day = T0 + timedelta(days=1)
    early, late = _kit_request("EARLY", day, {"MIC": 1}), _kit_request("LATE", day + timedelta(days=1), {"MIC": 2})
    for r in (early, late):
        store.save_request(r, actor="t")
    store.publish_plan(_plan(Assignment(request="EARLY", host="H100"), Assignment(request="LATE", host="H300")),
                       actor="t", now=T0)  # fmt: skip
    clock.t = day - timedelta(minutes=10)  # EARLY's kits have left; LATE's have not
    store.cancel_request("EARLY", actor="pic")
    store.cancel_request("LATE", actor="pic")
    assert [(x.request, x.state) for x in store.kit_loans(clock.t)] == [("EARLY", "out")]
    assert [k.request for k in store.load_problem(clock.t).kits_out] == ["EARLY"]
    assert [e.action for e in store.audit_log(entity="kit_loan", entity_id="LATE")][-1] == "kit_loan.dropped"


def test_kit_returns_by_kit_type_and_refusals(store: Store, clock: FakeClock) -> None:
    day = T0 + timedelta(days=1)
    store.save_request(_kit_request("TWO", day, {"CAM": 1, "MIC": 2}), actor="t")
    store.save_request(request("NONE", day), actor="t")
    store.publish_plan(_plan(Assignment(request="TWO", host="H100"), Assignment(request="NONE", host="H300")),
                       actor="t", now=T0)  # fmt: skip
    with pytest.raises(KeyError):
        store.record_kit_return("NOPE", actor="t")
    with pytest.raises(ValueError, match="does not borrow any kit"):
        store.record_kit_return("NONE", actor="t")
    with pytest.raises(ValueError, match="not been picked up yet"):
        store.record_kit_return("TWO", actor="t")
    with pytest.raises(ValueError, match="does not borrow kit 'LAPTOP'"):
        store.record_kit_return("TWO", actor="t", kit="LAPTOP")
    at = day
    [mic] = store.record_kit_return("TWO", actor="t", kit="MIC", at=at)
    assert (mic.kit, mic.count) == ("MIC", 2)
    assert {(x.kit, x.state) for x in store.kit_loans(at, request="TWO")} == {("CAM", "out"), ("MIC", "returned")}
    assert store.load_problem(at).kits_out == [KitOut(kit="CAM", count=1, request="TWO", due=mic.due)]
    [cam] = store.record_kit_return("TWO", actor="t", at=at)  # the rest
    assert cam.kit == "CAM" and store.kit_loans(at, states=("out", "overdue")) == []
    # Over a range: a loan holds its kits from pickup to return (or due), so it shows in ranges it overlaps.
    assert store.kit_loans(at, between=(day - timedelta(days=1), day - timedelta(hours=2))) == []
    assert len(store.kit_loans(at, between=(day - timedelta(hours=1), day + timedelta(hours=9)))) == 2


def _survey_plan(start: datetime) -> tuple[Request, Assignment]:
    req = request("SITE", start, service=ServiceType.LINK_OPERATOR, venue="AULA")
    survey = TaskSlot(start=start - timedelta(days=2), end=start - timedelta(days=2, minutes=-60), operators=["OP1"],
                      venue="AULA")  # fmt: skip
    return req, Assignment(request="SITE", host="H100", operators=["OP1"], survey=survey)


def test_a_survey_that_took_place_marks_its_venue_surveyed(store: Store) -> None:
    start = T0 + timedelta(days=5)
    req, a = _survey_plan(start)
    store.save_request(req, actor="t")
    store.publish_plan(_plan(a), actor="t", now=T0)
    assert a.survey is not None
    before = store.load_problem(a.survey.end - timedelta(minutes=1))
    assert {v.id: v.surveyed for v in before.venues} == {"AULA": False, "KEC1": True}
    after = store.load_problem(a.survey.end)
    assert {v.id: v.surveyed for v in after.venues} == {"AULA": True, "KEC1": True}
    store.load_problem(a.survey.end + timedelta(hours=1))  # noticed once
    [entry] = store.audit_log(entity="venue", entity_id="AULA")
    assert entry.action == "venue.surveyed" and entry.new is not None and entry.new["request"] == "SITE"
    assert store.surveyed_venues()["AULA"]["at"] == a.survey.end.isoformat()
    # Re-importing the venue list (still saying surveyed: false) does not undo the survey.
    store.set_venues(VENUES, actor="import")
    assert {v.id: v.surveyed for v in store.venues()}["AULA"] is True


def test_a_survey_is_noticed_when_its_plan_is_replaced(store: Store) -> None:
    start = T0 + timedelta(days=5)
    req, a = _survey_plan(start)
    store.save_request(req, actor="t")
    store.publish_plan(_plan(a), actor="t", now=T0)
    assert a.survey is not None
    # The next plan (made after the survey) no longer carries it: it is noticed as the old plan goes.
    store.publish_plan(_plan(a.model_copy(update={"survey": None})), actor="t", now=a.survey.end + timedelta(hours=1))
    assert "AULA" in store.surveyed_venues()
    assert {v.id: v.surveyed for v in store.load_problem(start).venues}["AULA"] is True


def test_the_survey_of_a_cancelled_request_does_not_count(store: Store, clock: FakeClock) -> None:
    start = T0 + timedelta(days=5)
    req, a = _survey_plan(start)
    store.save_request(req, actor="t")
    store.publish_plan(_plan(a), actor="t", now=T0)
    store.cancel_request("SITE", actor="pic")  # before the survey; no re-plan yet
    assert a.survey is not None
    assert store.note_surveys(a.survey.end + timedelta(hours=1)) == []
    assert {v.id: v.surveyed for v in store.load_problem(a.survey.end).venues}["AULA"] is False


def test_migration_0002_keeps_existing_meetings_and_assignments(db_url: str) -> None:
    store = Store.open(db_url, upgrade=False)
    try:
        upgrade(store.engine, "0001")
        meta = sa.MetaData()
        meta.reflect(store.engine)
        pg = store.dialect == "postgresql"
        now = T0 if pg else T0.replace(tzinfo=None)
        req = request("OLD-1", T0 + timedelta(days=1))
        spec = {
            "request": "OLD-1", "host": "H100", "account": "kominfo", "zoom_user": "h100@kominfo.example.go.id",
            "topic": "Rapat", "start": (T0 + timedelta(days=1)).isoformat(), "duration_min": 60,
            "timezone": "Asia/Jakarta", "agenda": "a",
        }  # fmt: skip
        with store.engine.begin() as conn:
            t = meta.tables
            conn.execute(t["requests"].insert().values(
                ref="OLD-1", unit="u", status="approved", start=now, end=now, version=1,
                data=req.model_dump(mode="json"), created_at=now, updated_at=now))  # fmt: skip
            plan_data = Plan(status=SolverStatus.OPTIMAL).model_dump(mode="json", exclude={"assignments"})
            conn.execute(t["plans"].insert().values(
                id=1, state="published", created_at=now, published_at=now, actor="t", solver_status="optimal",
                summary={}, data=plan_data))  # fmt: skip
            conn.execute(t["assignments"].insert().values(plan_id=1, request="OLD-1", host="H100", operators=[]))
            conn.execute(t["meetings"].insert().values(
                key="OLD-1.g1", request="OLD-1", generation=1, host="H100", account="kominfo",
                zoom_user="h100@kominfo.example.go.id", state="active", start=now, spec=spec, created_at=now,
                updated_at=now))  # fmt: skip
        assert upgrade(store.engine) == head_revision()
        [m] = store.meetings()
        assert m.role == "event" and store.meeting_for("OLD-1") == m and store.rehearsal_meeting_for("OLD-1") is None
        published = store.published_plan()
        assert published is not None and published.plan.assignments == [Assignment(request="OLD-1", host="H100")]
    finally:
        store.close()


def test_a_series_lends_kits_per_occurrence(store: Store, clock: FakeClock) -> None:
    """Each occurrence of a series borrows its own kits (pickup before it, return after it), recorded under the
    occurrence's reference: listed, in the problem's kits out, returned, dropped with the occurrence or series."""
    day = T0 + timedelta(days=1)  # 2030-01-02 08:00 WIB
    series = {"repeat": "daily", "count": 3, "changes": [{"occurrence": 3, "kits": [{"kit": "MIC", "count": 2}]}]}
    store.save_request(_kit_request("SER", day, {"CAM": 1}, series=series), actor="t")
    served = [Assignment(request=f"SER:{k}", host="H100") for k in (1, 2, 3)]
    res = store.publish_plan(_plan(*served), actor="t", now=T0)
    assert res.kit_loans == 3
    loans = store.kit_loans(T0)
    assert [(x.request, x.kit, x.count) for x in loans] == [("SER:1", "CAM", 1), ("SER:2", "CAM", 1),
                                                            ("SER:3", "MIC", 2)]  # fmt: skip
    for k, loan in enumerate(loans):
        start = day + timedelta(days=k)
        assert (loan.pickup, loan.due) == (start - timedelta(hours=1), start + timedelta(hours=1, minutes=30))
    assert store.publish_plan(_plan(*served), actor="t", now=T0).kit_loans == 0  # the same plan: no change
    # Day 1's kits out: the re-plan's problem holds them against the occurrence (a request it plans).
    at = day - timedelta(minutes=30)
    prob = store.load_problem(at)
    assert prob.kits_out == [KitOut(kit="CAM", count=1, request="SER:1", due=loans[0].due)]
    assert "SER:1" in {r.ref for r in prob.requests}
    # Day 2 cancelled and the series cut to two days: their loans not yet picked up go; day 1's stays out.
    stored = store.get_request("SER")
    assert stored is not None and stored.series is not None
    cut = stored.series.model_copy(update={"count": 2, "changes": [OccurrenceChange(occurrence=2, cancelled=True)]})
    store.save_request(stored.model_copy(update={"series": cut}), actor="t")
    store.publish_plan(_plan(served[0]), actor="t", now=at)
    assert [(x.request, x.state) for x in store.kit_loans(at)] == [("SER:1", "out")]
    dropped = store.audit_log(entity="kit_loan", entity_id="SER:3")
    assert dropped[-1].action == "kit_loan.planned" and dropped[-1].new is None
    # Returned by the occurrence's reference; an unknown occurrence is refused as an unknown request.
    [back] = store.record_kit_return("SER:1", actor="admin", at=day + timedelta(hours=2))
    assert back.state == "returned"
    with pytest.raises(KeyError):
        store.record_kit_return("SER:9", actor="admin")
    assert store.get_occurrence("SER:2") is not None and store.get_occurrence("SER:3") is None


def test_cancelling_a_series_drops_its_occurrences_loans_not_picked_up(store: Store, clock: FakeClock) -> None:
    day = T0 + timedelta(days=1)
    store.save_request(_kit_request("SER2", day, {"MIC": 1}, series={"repeat": "daily", "count": 2}), actor="t")
    store.publish_plan(_plan(*(Assignment(request=f"SER2:{k}", host="H100") for k in (1, 2))), actor="t", now=T0)
    clock.t = day - timedelta(minutes=10)  # day 1's kits have left; day 2's have not
    store.cancel_request("SER2", actor="pic")
    assert [(x.request, x.state) for x in store.kit_loans(clock.t)] == [("SER2:1", "out")]
    assert [e.action for e in store.audit_log(entity="kit_loan", entity_id="SER2:2")][-1] == "kit_loan.dropped"
