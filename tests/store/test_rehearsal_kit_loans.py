"""A published plan's kit loan starts before the rehearsal when the rehearsal uses the kits (docs/calendar.md)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from allocator.planner.domain import (
    Assignment,
    KitNeed,
    KitType,
    Plan,
    RehearsalSpec,
    ServiceType,
    SitePolicy,
    SolverStatus,
    TaskSlot,
)
from allocator.store import Store
from tests.store.dbs import FakeClock, hosts, request

T0 = datetime(2030, 1, 1, 1, 0, tzinfo=UTC)


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    st = Store.open(db_url, clock=FakeClock(T0))
    st.set_policy(SitePolicy(kit_pickup_min=60, kit_return_min=30), actor="t")
    st.upsert_hosts(hosts(), actor="t")
    st.set_kit_types([KitType(id="CAM", name="Kamera", stock=2)], actor="t")
    yield st
    st.close()


@pytest.mark.parametrize("uses_kits", [True, False])
def test_the_loan_starts_before_the_rehearsal_that_uses_the_kits(store: Store, uses_kits: bool) -> None:
    day = T0 + timedelta(days=2)
    spec = RehearsalSpec(duration_min=60, window_start_min_before=2 * 24 * 60, uses_kits=uses_kits)
    req = request("A", day, service=ServiceType.LINK_OPERATOR, kits=[KitNeed(kit="CAM")], rehearsal=spec)
    store.save_request(req, actor="t")
    slot = TaskSlot(start=day - timedelta(days=1), end=day - timedelta(days=1) + timedelta(hours=1), host="H100")
    plan = Plan(assignments=[Assignment(request="A", host="H100", rehearsal=slot)], status=SolverStatus.OPTIMAL)
    store.publish_plan(plan, actor="t", now=T0)
    [loan] = store.kit_loans(T0, request="A")
    needed = slot.start if uses_kits else day
    assert loan.pickup == needed - timedelta(hours=1) and loan.due == req.end + timedelta(minutes=30)


def test_publishing_the_same_plan_again_changes_no_loan_moved_into_office_hours(store: Store) -> None:
    """A pickup moved into office hours is worked out in the site's zone; the stored one reads back in UTC. The
    same instant must compare equal, or every publish records the loan as changed again."""
    from allocator.planner.domain import WorkingCalendar

    store.set_policy(SitePolicy(timezone="Asia/Makassar", kit_pickup_min=60, kit_return_min=30,
                                calendar=WorkingCalendar(country=None)), actor="t")  # fmt: skip
    day = T0 + timedelta(days=2, minutes=-90)  # Thursday 07:30 WITA: the pickup at 06:30 is before office hours
    req = request("A", day, service=ServiceType.LINK_OPERATOR, kits=[KitNeed(kit="CAM")])
    store.save_request(req, actor="t")
    plan = Plan(assignments=[Assignment(request="A", host="H100")], status=SolverStatus.OPTIMAL)
    first = store.publish_plan(plan, actor="t", now=T0)
    again = store.publish_plan(plan, actor="t", now=T0)
    assert first.kit_loans == 1 and again.kit_loans == 0
    [loan] = store.kit_loans(T0, request="A")
    assert loan.pickup < day - timedelta(hours=1)  # the previous working day's closing
