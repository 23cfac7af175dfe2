"""Small builders for hand-written planning cases: a day at a test office in WIB."""

from __future__ import annotations

from typing import Any

from allocator.planner.domain import Assignment, Operator, Pin, Problem, Request, SitePolicy, ZoomHost

DAY = "2027-03-01"  # a Monday
ALL_WEEK = [{"weekdays": [0, 1, 2, 3, 4, 5, 6], "start": "00:00", "end": "00:00"}]


def host(hid: str, capacity: int = 100, **kw: Any) -> ZoomHost:
    return ZoomHost(id=hid, zoom_user=f"{hid.lower()}@example.go.id", capacity=capacity, **kw)


def operator(oid: str, **kw: Any) -> Operator:
    kw.setdefault("shifts", ALL_WEEK)
    return Operator(id=oid, name=f"Operator {oid}", **kw)


def request(ref: str, start: str, end: str, participants: int = 50, *, day: str = DAY, **kw: Any) -> Request:
    kw.setdefault("service", "link")
    kw.setdefault("timezone", "Asia/Jakarta")
    return Request(
        ref=ref,
        unit="Dinas Uji",
        pic={"name": "PIC Uji", "email": "pic@example.go.id"},
        title=f"Rapat {ref}",
        start=f"{day}T{start}",
        end=f"{day}T{end}",
        participants=participants,
        **kw,
    )


def policy(**kw: Any) -> SitePolicy:
    """No buffers, setup or freeze unless a test asks: each test states the rule it is about."""
    base: dict[str, Any] = {
        "buffer_before_min": 0,
        "buffer_after_min": 0,
        "operator_setup_min": 0,
        "operator_teardown_min": 0,
        "freeze_horizon_min": 0,
    }
    base.update(kw)
    return SitePolicy(**base)


def problem(
    *,
    hosts: list[ZoomHost] | None = None,
    operators: list[Operator] | None = None,
    requests: list[Request],
    pol: SitePolicy | None = None,
    previous: list[Assignment] | None = None,
    pins: list[Pin] | None = None,
    now: str = "2027-02-20T08:00:00+07:00",
    **extra: Any,
) -> Problem:
    """`extra`: further Problem fields (venues, travel, kit_types, kits_out...)."""
    return Problem(
        now=now,
        policy=pol or policy(),
        hosts=hosts or [],
        operators=operators or [],
        requests=requests,
        previous=previous or [],
        pins=pins or [],
        **extra,
    )
