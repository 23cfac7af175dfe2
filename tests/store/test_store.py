"""The store on SQLite and PostgreSQL: migrations, UTC times, request history + audit, import/load, publish."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from allocator.planner.domain import Pin, RequestStatus, SitePolicy
from allocator.problem_files import load_problem
from allocator.store import Store, current_revision, head_revision, upgrade
from allocator.store.models import Base, OutboxRow
from tests.store.dbs import FakeClock, hosts, plan_of, request, requests_from, round_robin

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "example-problem.json"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2030, 1, 1, 8, 0, tzinfo=UTC))


@pytest.fixture
def store(db_url: str, clock: FakeClock) -> Iterator[Store]:
    st = Store.open(db_url, clock=clock)
    yield st
    st.close()


def test_migrations_reach_head_match_the_models_and_are_idempotent(store: Store) -> None:
    assert current_revision(store.engine) == head_revision()
    assert upgrade(store.engine) == head_revision()  # twice is fine
    with store.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diffs == []


def test_times_come_back_aware_utc_and_naive_times_are_refused(store: Store, clock: FakeClock) -> None:
    jakarta = datetime(2030, 1, 5, 9, 0).astimezone()  # any offset
    store.save_request(request("A", jakarta), actor="t")
    got = store.get_request("A")
    assert got is not None and got.start == jakarta and got.start.tzinfo is UTC
    [row] = store.list_requests(ends_after=jakarta)
    assert row.start.utcoffset() == timedelta(0)
    with pytest.raises(sa.exc.StatementError, match="naive"), store.transaction() as s:
        s.execute(sa.update(OutboxRow).values(not_before=datetime(2030, 1, 1)))


def test_request_history_and_audit(store: Store, clock: FakeClock) -> None:
    start = clock() + timedelta(days=2)
    v1 = store.save_request(request("A", start), actor="alice")
    assert v1 is not None and v1.version == 1 and v1.change == "created"
    assert store.save_request(request("A", start), actor="alice") is None  # unchanged: no version
    clock.advance(minutes=5)
    v2 = store.save_request(request("A", start, title="Rapat diganti"), actor="bob")
    assert v2 is not None and v2.version == 2
    store.cancel_request("A", actor="carol", reason="dibatalkan PIC")
    history = store.request_history("A")
    assert [(h.version, h.change, h.actor) for h in history] == [
        (1, "created", "alice"),
        (2, "updated", "bob"),
        (3, "cancelled", "carol"),
    ]
    assert history[1].request.title == "Rapat diganti" and history[0].request.title == "Rapat A"
    log = store.audit_log(entity="request", entity_id="A")
    assert [e.action for e in log] == [
        "request.created",
        "request.updated",
        "request.cancelled",
        "request.cancel_reason",
    ]
    assert log[1].old is not None and log[1].old["title"] == "Rapat A" and log[1].new["title"] == "Rapat diganti"


def test_a_request_stored_before_a_field_was_added_is_not_a_change(store: Store, clock: FakeClock) -> None:
    """Saving it again unchanged (a re-imported file) makes no new version although its stored JSON lacks the
    fields added since (they read back as their defaults)."""
    from allocator.store.models import RequestRow

    start = clock() + timedelta(days=2)
    assert store.save_request(request("OLD", start), actor="intake") is not None
    with store.transaction() as s:
        row = s.get(RequestRow, "OLD")
        assert row is not None
        row.data = {k: v for k, v in row.data.items() if k not in ("letter_number", "letter_date", "notes", "flags")}
    assert store.save_request(request("OLD", start), actor="intake") is None
    assert [h.version for h in store.request_history("OLD")] == [1]
    assert store.save_request(request("OLD", start, title="Rapat baru"), actor="intake") is not None


def test_import_and_load_problem(store: Store) -> None:
    prob = load_problem(EXAMPLE)
    counts = store.import_problem(prob, actor="import")
    site = {"venues": 8, "travel": 5, "kit_types": 3, "unit_operators": 3}
    nothing = {"venues": 0, "travel": 0, "kit_types": 0, "unit_operators": 0, "pins": 0}
    assert counts == {"hosts": 4, "operators": 5, "requests": 60, "pins": 0, **site}
    assert store.import_problem(prob, actor="import") == {"hosts": 0, "operators": 0, "requests": 0, **nothing}
    loaded = store.load_problem(datetime(2026, 12, 1, tzinfo=UTC))
    assert {r.ref for r in loaded.requests} == {r.ref for r in prob.requests}
    assert loaded.policy == prob.policy and loaded.hosts == prob.hosts and loaded.operators == prob.operators
    assert loaded.unit_operators == prob.unit_operators and loaded.kit_faults == []
    # Ordered by the earliest a request can start (a flexible one: its window).
    assert loaded.requests == sorted(prob.requests, key=lambda r: (r.window_start or r.start, r.ref))
    later = store.load_problem(datetime(2027, 1, 20, tzinfo=UTC))
    assert len(later.requests) < len(prob.requests)  # requests that ended are not planned again


def test_publish_records_plan_previous_and_pins(store: Store, clock: FakeClock) -> None:
    store.upsert_hosts(hosts(), actor="t")
    reqs = requests_from(clock(), 6)
    for r in reqs:
        store.save_request(r, actor="t")
    store.set_pin(Pin(request=reqs[0].ref, host="H500"), actor="t")
    plan = round_robin(reqs)
    result = store.publish_plan(plan, actor="t")
    assert result.plan_id > 0 and result.counts() == {"create": 6, "update": 0, "delete": 0} and result.queued == 6
    published = store.published_plan()
    assert published is not None and published.plan.assignments == plan.assignments
    prob = store.load_problem()
    assert prob.previous == plan.assignments and prob.pins == [Pin(request=reqs[0].ref, host="H500")]
    # Re-publishing the same plan queues nothing and supersedes the old plan row.
    again = store.publish_plan(plan, actor="t")
    assert again.actions == [] and again.queued == 0 and again.plan_id > result.plan_id
    assert store.plan(result.plan_id) is not None
    assert len(store.outbox()) == 6
    assert all(m.key == f"{m.request}.g1" and m.state == "pending_create" for m in store.meetings())
    assert any(e.action == "plan.published" for e in store.audit_log(entity="plan"))


def test_changes_before_any_sync_fold_into_the_unsent_create(store: Store, clock: FakeClock) -> None:
    store.upsert_hosts(hosts(), actor="t")
    reqs = requests_from(clock(), 3)
    for r in reqs:
        store.save_request(r, actor="t")
    store.publish_plan(round_robin(reqs, ["H100"]), actor="t")
    # A time change while the create is still unsent: no update row, the create sends the new time.
    store.save_request(reqs[0].model_copy(update={"title": "Rapat pindah jam"}), actor="t")
    res = store.publish_plan(round_robin(reqs, ["H100"]), actor="t")
    assert res.counts()["update"] == 1 and res.queued == 0 and res.folded == 1
    [create] = store.outbox(request=reqs[0].ref)
    assert create.kind == "create" and create.state == "pending"
    # Cancelling a request whose create was never sent just cancels the create.
    store.cancel_request(reqs[1].ref, actor="t")
    assert [o.state for o in store.outbox(request=reqs[1].ref)] == ["superseded"]
    assert store.meeting_for(reqs[1].ref) is None
    # A move of an unsent create: the new create is queued, the old one superseded, no delete needed.
    res = store.publish_plan(plan_of({reqs[0].ref: "H100", reqs[2].ref: "H300"}), actor="t")
    assert [(a.kind, a.key) for a in res.actions] == [("create", f"{reqs[2].ref}.g2"), ("delete", f"{reqs[2].ref}.g1")]
    assert res.queued == 1 and res.folded == 1
    assert [(o.kind, o.state) for o in store.outbox(request=reqs[2].ref)] == [
        ("create", "superseded"),
        ("create", "pending"),
    ]


def test_claimed_creates_are_not_folded(store: Store, clock: FakeClock) -> None:
    store.upsert_hosts(hosts(), actor="t")
    [r] = requests_from(clock(), 1)
    store.save_request(r, actor="t")
    store.publish_plan(plan_of({r.ref: "H100"}), actor="t")
    with store.transaction() as s:  # as if a worker had claimed it (it may be in Zoom already)
        s.execute(sa.update(OutboxRow).values(attempts=1, state="in_progress"))
    store.cancel_request(r.ref, actor="t")
    assert [(o.kind, o.state) for o in store.outbox(request=r.ref)] == [
        ("create", "in_progress"),
        ("delete", "pending"),
    ]
    [m] = store.meetings(request=r.ref)
    assert m.state == "pending_delete"


def test_policy_pins_and_notifications(store: Store) -> None:
    assert store.policy() == SitePolicy()
    store.set_policy(SitePolicy(timezone="Asia/Makassar"), actor="t")
    assert store.policy().timezone == "Asia/Makassar"
    store.save_request(request("A", datetime(2030, 2, 1, 2, tzinfo=UTC)), actor="t")
    store.set_pin(Pin(request="A", host="H100"), actor="t")
    assert store.remove_pin("A", actor="t") and not store.remove_pin("A", actor="t")
    with pytest.raises(KeyError):
        store.set_pin(Pin(request="nope"), actor="t")
    kw = {"kind": "link", "channel": "email", "recipient": "pic@example.go.id", "payload": {}, "request": "A"}
    assert store.record_notification(dedup_key="A.g1:link", **kw)
    assert not store.record_notification(dedup_key="A.g1:link", **kw)
    store.mark_notification("A.g1:link", sent=True)


def test_cancelled_requests_stay_out_of_the_plan(store: Store, clock: FakeClock) -> None:
    store.upsert_hosts(hosts(), actor="t")
    reqs = requests_from(clock(), 2)
    for r in reqs:
        store.save_request(r, actor="t")
    store.cancel_request(reqs[0].ref, actor="t")
    prob = store.load_problem()
    assert {r.ref: r.status for r in prob.requests} == {
        reqs[0].ref: RequestStatus.CANCELLED,
        reqs[1].ref: RequestStatus.APPROVED,
    }
