"""The fault points' spec (`VICON_FAULT`) and the sandbox's fault spec: what they accept, and a clear error naming
the wrong part for what they do not (the suite using them is tests/faults/)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from allocator.commands.main import app
from allocator.faults import FAULT_ENV, FaultPoints, FaultSpecError, parse
from zoom_client.sandbox.state import Faults, parse_fault_spec


def test_fault_points_parse_and_name_the_wrong_part() -> None:
    rules = parse("sync.after_zoom_call:kill, daemon.after_publish@3:exit,")
    assert [(r.point, r.nth, r.action) for r in rules] == [("sync.after_zoom_call", 1, "kill"),
                                                          ("daemon.after_publish", 3, "exit")]  # fmt: skip
    for bad, named in [("sync.nowhere:kill", "'sync.nowhere'"), ("sync.after_claim:explode", "'explode'"),
                       ("sync.after_claim@0:kill", "whole number")]:  # fmt: skip
        with pytest.raises(FaultSpecError, match=named):
            parse(bad)
    FaultPoints("").hit("sync.after_claim")  # no rule: nothing happens


def test_a_fault_point_exits_on_its_nth_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    monkeypatch.setattr("allocator.faults.os._exit", lambda code: calls.append(code))
    points = FaultPoints("sync.before_commit@2:exit")
    points.hit("sync.before_commit")
    assert calls == []
    points.hit("sync.after_commit")
    points.hit("sync.before_commit")
    assert calls == [137]


def test_vicon_sync_refuses_a_wrong_fault_spec(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(FAULT_ENV, "sync.after_lunch:kill")
    monkeypatch.setattr("allocator.faults._PROCESS", None)
    result = CliRunner().invoke(app, ["sync", "--zoom-config", "none.json", "--db", "sqlite:///nowhere.db"])
    assert result.exit_code == 2 and "'sync.after_lunch'" in result.output, result.output


def test_sandbox_fault_spec() -> None:
    rates, settings = parse_fault_spec("slow=0.5, lost=0.1,5xx=0.1,429=0.05,slow_s=2,seed=3")
    assert rates == {"slow": 0.5, "lost": 0.1, "5xx": 0.1, "429": 0.05} and settings == {"slow_s": 2.0, "seed": 3.0}
    for bad, named in [("slow=2", "slow"), ("boom=0.1", "'boom'"), ("lost", "'lost'"), ("5xx=x", "5xx"),
                       ("slow_s=500", "slow_s")]:  # fmt: skip
        with pytest.raises(ValueError, match=named):
            parse_fault_spec(bad)
    faults = Faults(seed=1)
    faults.configure("5xx=1")
    assert faults.take("GET", "/users/me", "before") is not None and faults.injected_by_kind == {"5xx": 1}
    faults.configure("lost=1")
    assert faults.take("GET", "/users/me", "after") is None  # a read is never "lost after acting"
    assert faults.take("POST", "/users/me/meetings", "after") is not None
    faults.configure("")
    assert faults.describe() == "" and faults.take("POST", "/users/me/meetings", "before") is None


def test_zoom_sandbox_command_refuses_a_wrong_fault_spec() -> None:
    result = CliRunner().invoke(app, ["zoom-sandbox", "--port", "0", "--faults", "slow=2"])
    assert result.exit_code == 2 and "slow" in result.output, result.output
