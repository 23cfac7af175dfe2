"""A unit running its own meeting on a lent host: its trained operator with a licensed user on the same Zoom
account becomes alternative host (never a start link or a password by mail); the sandbox, as Zoom, refuses an
alternative host that is not another licensed user of the account."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from allocator.lent_hosts import alternative_hosts
from allocator.planner.domain import Assignment, ServiceType, UnitOperator
from tests.store.dbs import hosts, request, round_robin
from tests.sync.env import sync_env

UNIT = "Dinas Kominfo"  # the unit of tests.store.dbs requests


def trained(zoom_user: str | None, **kw: object) -> UnitOperator:
    return UnitOperator(id="U1", unit=UNIT, name="Staf Terlatih", zoom_user=zoom_user, **kw)  # type: ignore[arg-type]


def test_alternative_hosts_only_for_a_meeting_the_unit_runs_on_the_same_account() -> None:
    h100 = hosts()[0]
    req = request("A", datetime(2030, 1, 2, 2, 0, tzinfo=UTC))
    own = [trained("Staf@Kominfo.example.go.id", zoom_account=h100.account)]
    assert alternative_hosts(req, None, h100, own) == ("staf@kominfo.example.go.id",)
    assert alternative_hosts(req, None, h100, [trained("staf@x", zoom_account="other")]) == ()
    assert alternative_hosts(req, None, h100, [trained(h100.zoom_user, zoom_account=h100.account)]) == ()
    ours = req.model_copy(update={"service": ServiceType.LINK_OPERATOR})
    assert alternative_hosts(ours, Assignment(request="A", host="H100", operators=["OP"]), h100, own) == ()
    self_run = Assignment(request="A", host="H100", self_operated=True)
    assert alternative_hosts(ours, self_run, h100, own) == ("staf@kominfo.example.go.id",)
    other_unit = req.model_copy(update={"unit": "Dinas Lain"})
    assert alternative_hosts(other_unit, None, h100, own) == ()


def test_sync_makes_the_units_licensed_user_alternative_host_and_goes_ahead_without_a_refused_one(
    db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    with sync_env(db_url, 2) as env:
        account = hosts()[0].account
        plan = round_robin(env.requests, ["H100", "H300"])
        # A user Zoom does not know on the account: Zoom's validation error; the meeting is made without them.
        env.store.set_unit_operators([trained("staf.luar@gmail.example", zoom_account=account)], actor="t")
        env.publish(plan)
        with caplog.at_level(logging.WARNING, logger="allocator.sync.worker"):
            report = env.worker().run_once()
        assert len(report.done) == 2 and not report.failed
        assert all(not m["settings"].get("alternative_hosts") for m in env.sandbox.state.meetings())
        assert sum("refused alternative host(s) staf.luar@gmail.example" in r.message for r in caplog.records) == 2
        env.assert_exactly_once()
        # H500's user stands for the unit's own licensed seat on the office's account: made alternative host.
        env.store.set_unit_operators([trained("h500@kominfo.example.go.id", zoom_account=account)], actor="t")
        env.publish(plan)
        env.drain()
        for m in env.sandbox.state.meetings():
            assert m["settings"]["alternative_hosts"] == "h500@kominfo.example.go.id"
        # Changed to a user Zoom refuses: the update goes ahead without it, Zoom keeps what it had.
        env.store.set_unit_operators([trained("staf.luar@gmail.example", zoom_account=account)], actor="t")
        env.publish(plan)
        again = env.worker().run_once()
        assert len(again.done) == 2 and not again.failed
        assert all(m["settings"]["alternative_hosts"] == "h500@kominfo.example.go.id"
                   for m in env.sandbox.state.meetings())  # fmt: skip
        # The unit no longer runs its own: the alternative hosts are cleared.
        env.store.set_unit_operators([], actor="t")
        env.publish(plan)
        env.drain()
        assert all(not m["settings"].get("alternative_hosts") for m in env.sandbox.state.meetings())
        env.assert_exactly_once()
