"""The daemon's log: one line per meaningful event (re-plan with counts, intake file with counts, Zoom sync, mail,
errors), structured as JSON lines with --log-format json, the scheduler's and Alembic's chatter at debug only
(issue 21, item 8)."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from allocator.commands.logs import JsonLines, LogFormat, setup_logging
from allocator.daemon import Daemon, DaemonSettings
from allocator.demo import LATE_CSV
from allocator.problem_files import load_problem
from allocator.store.repo import Store
from allocator.sync.sandbox import fixture_for_hosts
from zoom_client import ZoomTenants
from zoom_client.sandbox import run_sandbox

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "example-problem.json"
FAST = DaemonSettings(debounce_s=0.3, watch_every_s=0.1, sync_every_s=0.3, intake_every_s=0.2, notify_every_s=5)


class Keep(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def logged() -> Iterator[Keep]:
    root = logging.getLogger()
    saved = root.handlers[:], root.level, {n: logging.getLogger(n).level for n in ("alembic", "apscheduler")}
    setup_logging(LogFormat.json)
    keep = Keep()
    keep.setFormatter(JsonLines())
    root.addHandler(keep)
    try:
        yield keep
    finally:
        root.handlers[:], root.level = saved[0], saved[1]
        for name, level in saved[2].items():
            logging.getLogger(name).setLevel(level)


def _wait(cond, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def test_one_structured_line_per_event_and_no_scheduler_chatter(logged: Keep, tmp_path: Path) -> None:
    problem = load_problem(EXAMPLE)
    store = Store.open(f"sqlite:///{tmp_path / 'v.db'}")
    store.import_problem(problem, actor="test")
    sandbox = run_sandbox(fixture_for_hosts(problem.hosts), port=0)
    inbox = tmp_path / "inbox"
    daemon = Daemon(store, ZoomTenants(sandbox.zoom_config()), FAST.model_copy(update={"inbox": inbox}))
    try:
        daemon.start()
        _wait(lambda: daemon.state.replans >= 1 and daemon.wait_idle(20))
        (inbox / "late.csv").write_text(LATE_CSV, encoding="utf-8")
        _wait(lambda: daemon.state.replans >= 2 and daemon.wait_idle(20))
    finally:
        daemon.stop()
        sandbox.stop()
        store.close()
    mine = [r for r in logged.records if r.levelno >= logging.INFO]
    assert not [r for r in mine if r.name.startswith(("apscheduler", "alembic"))], "library chatter above debug"
    events = [json.loads(logged.format(r)) for r in mine if r.name == "vicon.daemon"]
    by_event: dict[str, list[dict[str, object]]] = {}
    for e in events:
        by_event.setdefault(str(e.get("event")), []).append(e)
    first = by_event["replan"][0]
    assert first["served"] == 46 and first["unserved"] == 14 and first["plan_id"] == 1 and first["zoom_actions"]
    assert by_event["intake"] == [by_event["intake"][0]] and by_event["intake"][0]["accepted"] == 1
    assert by_event["intake"][0]["rejected"] == 1 and by_event["intake"][0]["file"] == "late.csv"
    assert by_event["zoom_sync"][0]["done"] == first["zoom_actions"]
    # The inbox's rows may be seen in two watch ticks: a follow-up re-plan then finds nothing left to change.
    assert len(by_event["replan"]) >= 2 and all(e["changed"] == 0 for e in by_event["replan"][2:])
    assert "None" not in by_event  # every daemon line names its event
    assert all({"at", "level", "logger", "message"} <= set(e) for e in events)
    assert len(mine) < 80  # the 44 Zoom creates are one line each; otherwise a handful


def test_json_lines_carry_the_error() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record = logging.LogRecord("vicon.daemon", logging.ERROR, __file__, 1, "sync failed", None, sys.exc_info())
    record.event = "error"
    line = json.loads(JsonLines().format(record))
    assert line["event"] == "error" and line["level"] == "error" and "ValueError: boom" in line["exc"]
